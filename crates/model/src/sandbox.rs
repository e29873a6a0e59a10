//! Reads inside a folder, for layouts, packages and the folder.
//!
//! Files are opened through a handle on the folder (cap-std: `openat`
//! component by component on Linux), so what is checked is what is read: a
//! path with `..` or a root, or a symbolic link that leads out of the folder
//! (even one swapped in while the file is being opened) is refused. Only
//! regular files are read (a pipe or a device is refused without waiting on
//! it), and every read is bounded, whatever size the file reports.

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

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

/// Why a named file could not be read by [`read_bounded`].
#[derive(Debug)]
pub enum ReadError {
    /// Opening or reading failed.
    Io(std::io::Error),
    /// The path is a folder.
    Folder,
    /// A pipe, a socket or a device.
    NotRegular,
    /// Over the limit: the size the file reports, or `None` when it grew
    /// past the limit while it was read.
    TooLarge(Option<u64>),
}

/// Reads a named file (one given on the command line, not a layout's):
/// opened once, without waiting on a pipe, then checked and read through
/// that same handle, so what is checked is what is read. Only a regular
/// file is read, and at most `limit` bytes of it, whatever size it reports
/// (a growing file or `/dev/zero` cannot go past it).
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    // A device or a pipe is refused before it is opened (opening one may do
    // something: wake a pipe's writer, rewind a tape); the open file is
    // checked again below, in case the name changed meanwhile.
    if let Ok(m) = std::fs::metadata(path) {
        if m.is_dir() {
            return Err(ReadError::Folder);
        }
        if !m.is_file() {
            return Err(ReadError::NotRegular);
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, O_NONBLOCK);
    let file = options.open(path).map_err(ReadError::Io)?;
    read_open(file, limit)
}

/// Checks an open file (a regular file, within `limit`) and reads it through
/// the same handle: the one bounded read that every read of a file goes
/// through.
fn read_open(file: std::fs::File, limit: u64) -> Result<Vec<u8>, ReadError> {
    let meta = file.metadata().map_err(ReadError::Io)?;
    if meta.is_dir() {
        return Err(ReadError::Folder);
    }
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge(Some(meta.len())));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(None));
    }
    Ok(bytes)
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

/// A folder opened once, through which every file inside it is read: a
/// rename or exchange of the folder itself after it was opened changes
/// nothing, since the handle still names the folder that was opened.
#[derive(Debug, Clone)]
pub struct Root {
    path: PathBuf,
    dir: Arc<Dir>,
}

impl Root {
    /// Opens the folder `path` (a link to a folder is followed here, once).
    pub fn open(path: &Path) -> std::io::Result<Root> {
        let dir = Dir::open_ambient_dir(path, cap_std::ambient_authority())?;
        Ok(Root {
            path: path.to_path_buf(),
            dir: Arc::new(dir),
        })
    }

    /// The path the folder was opened by (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder's handle.
    pub fn dir(&self) -> &Dir {
        &self.dir
    }

    /// Whether `path` names this folder now (the same device and inode).
    pub fn is_at(&self, path: &Path) -> bool {
        #[cfg(unix)]
        {
            use cap_std::fs::MetadataExt as _;
            use std::os::unix::fs::MetadataExt as _;
            match (self.dir.dir_metadata(), std::fs::metadata(path)) {
                (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
                _ => false,
            }
        }
        #[cfg(not(unix))]
        {
            path.is_dir()
        }
    }

    /// Reads `rel` inside the folder: paths with `..` or a root, and
    /// symbolic links leading out of the folder, are refused; only a regular
    /// file of at most [`FILE_LIMIT`] bytes is read.
    pub fn read(&self, rel: impl AsRef<Path>) -> Result<Vec<u8>, Refusal> {
        self.read_limited(rel, FILE_LIMIT)
    }

    /// [`Root::read`] with another limit. A name need not be UTF-8.
    pub fn read_limited(&self, rel: impl AsRef<Path>, limit: u64) -> Result<Vec<u8>, Refusal> {
        let rel_path = rel.as_ref();
        if rel_path.as_os_str().is_empty()
            || rel_path
                .components()
                .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(Refusal::Outside);
        }
        let shown = self.path.join(rel_path);
        let not_regular = || {
            Refusal::Io(format!(
                "{} is not a regular file (a folder, a pipe or a device)",
                shown.display()
            ))
        };
        // Refused before it is opened, as in `read_bounded`.
        if self.dir.metadata(rel_path).is_ok_and(|m| !m.is_file()) {
            return Err(not_regular());
        }
        let mut options = OpenOptions::new();
        options.read(true).custom_flags(O_NONBLOCK);
        let file = self
            .dir
            .open_with(rel_path, &options)
            .map_err(|e| classify(e, &shown))?;
        read_open(file.into_std(), limit).map_err(|e| match e {
            ReadError::Io(e) => Refusal::Io(format!("cannot read {}: {e}", shown.display())),
            ReadError::Folder | ReadError::NotRegular => not_regular(),
            ReadError::TooLarge(_) => Refusal::Io(format!(
                "{} is larger than {} MiB, more than bulletin-pdf reads from one file: save a \
                 photo smaller (printed across the whole type block, 156 mm, it needs about \
                 1850 pixels at 300 ppi, a JPEG of a few MB), or split a table's CSV file",
                shown.display(),
                limit / (1024 * 1024)
            )),
        })
    }
}

/// Reads `rel` inside the folder `root` (opened for this one read; see
/// [`Root`] to read several files from one folder).
pub fn read_within(root: &Path, rel: &str) -> Result<Vec<u8>, Refusal> {
    Root::open(root).map_err(|_| Refusal::Missing)?.read(rel)
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
