//! Reads inside a folder, for layouts, packages and the folder.
//!
//! Files are opened through a handle on the folder (cap-std: `openat`
//! component by component on Linux), so what is checked is what is read: a
//! path with `..` or a root, or a symbolic link that leads out of the folder
//! (even one swapped in while the file is being opened) is refused. Only
//! regular files are read (a pipe or a device is refused without waiting on
//! it), and every read is bounded, whatever size the file reports.

use std::io::Read;
use std::path::{Component, Path};

use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt};

/// The most a layout, package or issue-folder file may hold (photos
/// included).
pub const FILE_LIMIT: u64 = 64 * 1024 * 1024;

/// Opening a pipe for reading would wait for a writer; this flag makes the
/// open return at once (the file is then refused as not regular).
#[cfg(target_os = "linux")]
const O_NONBLOCK: i32 = 0o4000;
#[cfg(target_os = "macos")]
const O_NONBLOCK: i32 = 0x4;
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
const O_NONBLOCK: i32 = 0;

/// Why a file inside a folder could not be read.
#[derive(Debug)]
pub enum Refusal {
    /// No such file (or no such folder).
    Missing,
    /// The path, or a symbolic link on it, leads outside the folder.
    Outside,
    /// Reading failed, or the file is not a regular file or too large.
    Io(String),
}

fn classify(e: std::io::Error, shown: &Path) -> Refusal {
    match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory => Refusal::Missing,
        // cap-std's word for a path or link that leaves the folder.
        std::io::ErrorKind::PermissionDenied if e.to_string().contains("outside") => {
            Refusal::Outside
        }
        _ => Refusal::Io(format!("cannot read {}: {e}", shown.display())),
    }
}

/// Reads `rel` inside the folder `root`: paths with `..` or a root, and
/// symbolic links leading out of the folder, are refused; only a regular
/// file of at most [`FILE_LIMIT`] bytes is read.
pub fn read_within(root: &Path, rel: &str) -> Result<Vec<u8>, Refusal> {
    let rel_path = Path::new(rel);
    if rel.is_empty()
        || rel_path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(Refusal::Outside);
    }
    let shown = root.join(rel_path);
    let dir =
        Dir::open_ambient_dir(root, cap_std::ambient_authority()).map_err(|_| Refusal::Missing)?;
    let not_regular = || {
        Refusal::Io(format!(
            "{} is not a regular file (a folder, a pipe or a device)",
            shown.display()
        ))
    };
    let mut options = OpenOptions::new();
    options.read(true).custom_flags(O_NONBLOCK);
    let file = dir
        .open_with(rel_path, &options)
        .map_err(|e| classify(e, &shown))?;
    let meta = file.metadata().map_err(|e| classify(e, &shown))?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    file.into_std()
        .take(FILE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Refusal::Io(format!("cannot read {}: {e}", shown.display())))?;
    if bytes.len() as u64 > FILE_LIMIT {
        return Err(Refusal::Io(format!(
            "{} is larger than {} MiB, the limit for a file a layout reads",
            shown.display(),
            FILE_LIMIT / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_inside_and_refuses_the_rest() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/f.txt"), "inside").unwrap();
        std::fs::write(tmp.path().join("secret.txt"), "outside").unwrap();
        std::os::unix::fs::symlink("../../secret.txt", root.join("sub/out.txt")).unwrap();
        std::os::unix::fs::symlink("f.txt", root.join("sub/in.txt")).unwrap();
        assert_eq!(read_within(&root, "sub/f.txt").unwrap(), b"inside");
        assert_eq!(read_within(&root, "sub/in.txt").unwrap(), b"inside");
        assert!(matches!(
            read_within(&root, "sub/out.txt"),
            Err(Refusal::Outside)
        ));
        assert!(matches!(
            read_within(&root, "../secret.txt"),
            Err(Refusal::Outside)
        ));
        assert!(matches!(
            read_within(&root, "nope.txt"),
            Err(Refusal::Missing)
        ));
        assert!(matches!(read_within(&root, "sub"), Err(Refusal::Io(_))));
    }
}
