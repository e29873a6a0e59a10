//! Writing outputs atomically: a temporary file beside the target, flushed,
//! then renamed over it.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// This machine's name as it goes into temporary file names: letters,
/// digits and `-` only.
fn host() -> &'static str {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .unwrap_or_default();
        let clean: String = raw
            .trim()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(40)
            .collect();
        if clean.is_empty() {
            "host".into()
        } else {
            clean
        }
    })
}

/// A temporary file's name: `.NAME.HOST.PID.N.tmp`, unique across the
/// processes of a machine and across machines that share a folder (shards
/// writing to one network file system).
fn temp_name(name: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(".{name}.{}.{}.{n}.tmp", host(), std::process::id())
}

/// A temporary file of [`write_atomic`], by its name: (host, process id).
pub fn temp_owner(name: &str) -> Option<(String, u32)> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let mut parts = inner.rsplitn(4, '.');
    let n = parts.next()?;
    let pid = parts.next()?;
    let host = parts.next()?;
    let base = parts.next()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if base.is_empty() || !digits(n) || !digits(pid) {
        return None;
    }
    Some((host.to_string(), pid.parse().ok()?))
}

/// Whether a file name is one of [`write_atomic`]'s temporary files.
#[cfg(test)]
fn is_temp_name(name: &str) -> bool {
    temp_owner(name).is_some()
}

/// Temporary files older than this are left-overs whatever wrote them: no
/// render takes this long (the time limit is far shorter).
pub const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Whether a temporary file in `dir` was left by a process that is gone:
/// one of this machine whose process has ended, or any older than
/// [`STALE_AFTER`]. Another process's file in the middle of a render is
/// never stale.
pub fn is_stale_temp(dir: &Path, name: &str) -> bool {
    let Some((owner_host, pid)) = temp_owner(name) else {
        return false;
    };
    let old = std::fs::symlink_metadata(dir.join(name))
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > STALE_AFTER);
    let gone = owner_host == host()
        && pid != std::process::id()
        && Path::new("/proc/self").exists()
        && !Path::new(&format!("/proc/{pid}")).exists();
    old || gone
}

/// Refuses to write `output` over a file the render read: the issue, its
/// series files, the layout's files, files of the folder. Paths are
/// compared as files (device and inode), so a link or another spelling of
/// the same path is caught too.
pub fn refuse_inputs(output: &Path, inputs: &[PathBuf]) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let Ok(out) = std::fs::metadata(output) else {
        return Ok(());
    };
    for input in inputs {
        if let Ok(m) = std::fs::metadata(input) {
            if m.dev() == out.dev() && m.ino() == out.ino() {
                return Err(Error::output(format!(
                    "{}: is an input of this render ({}); writing there would destroy it. \
                     Name another output with -o (or --out-dir).",
                    output.display(),
                    input.display()
                )));
            }
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// flushed to disk, then renamed over the target. On failure the temporary
/// file is removed and an older file at `path` is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    stage(path, bytes)?.commit()
}

/// A file written under its temporary name beside its target, flushed, not
/// yet in place: [`Staged::commit`] renames it over the target; dropped
/// without that, it is removed. Outputs that belong together (the copies of
/// a numbered run) are all staged, then all committed, so that a failure
/// half-way leaves none of them, and older files at their paths intact.
pub struct Staged {
    tmp: PathBuf,
    path: PathBuf,
    done: bool,
}

/// Writes `bytes` beside `path` under a temporary name (as [`write_atomic`]
/// does), to be put in place by [`Staged::commit`].
pub fn stage(path: &Path, bytes: &[u8]) -> Result<Staged> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    if !dir.is_dir() {
        return Err(Error::output(format!(
            "{}: the folder {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.is_file() && !meta.file_type().is_symlink() {
            return Err(Error::output(format!(
                "{}: is not a regular file (a folder or a device); refusing to replace it",
                path.display()
            )));
        }
    }
    let staged = Staged {
        tmp: dir.join(temp_name(&name)),
        path: path.to_path_buf(),
        done: false,
    };
    let fail = |what: &str, e: std::io::Error| {
        Error::output(format!("{}: cannot {what}: {e}", path.display()))
    };
    let mut f = std::fs::File::create(&staged.tmp).map_err(|e| fail("create a file there", e))?;
    f.write_all(bytes).map_err(|e| fail("write", e))?;
    f.sync_all().map_err(|e| fail("write", e))?;
    Ok(staged)
}

impl Staged {
    /// Where the file goes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the file over its target.
    pub fn commit(mut self) -> Result<()> {
        std::fs::rename(&self.tmp, &self.path).map_err(|e| {
            Error::output(format!(
                "{}: cannot replace the file: {e}",
                self.path.display()
            ))
        })?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names() {
        let name = temp_name("issue.pdf");
        assert_eq!(
            temp_owner(&name),
            Some((host().to_string(), std::process::id()))
        );
        assert!(is_temp_name(".a.b.pdf.node-1.1234.0.tmp"));
        assert!(!is_temp_name("issue.pdf"));
        assert!(!is_temp_name(".issue.pdf.host.x1.0.tmp"));
        assert_ne!(temp_name("a.pdf"), temp_name("a.pdf"));
    }

    #[test]
    fn staged_files_are_all_or_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a.pdf");
        let b = tmp.path().join("b.pdf");
        std::fs::write(&b, "old").unwrap();
        {
            let _sa = stage(&a, b"new a").unwrap();
            let _sb = stage(&b, b"new b").unwrap();
            // Dropped without commit: nothing is in place, temporaries gone.
        }
        assert!(!a.exists());
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "old");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
        let staged = [stage(&a, b"new a").unwrap(), stage(&b, b"new b").unwrap()];
        for s in staged {
            s.commit().unwrap();
        }
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "new b");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 2);
        assert!(stage(&tmp.path().join("none/c.pdf"), b"x").is_err());
    }

    #[test]
    fn only_left_overs_are_stale() {
        let tmp = tempfile::tempdir().unwrap();
        // This process's own file, and a live process's, are not stale.
        let mine = temp_name("a.pdf");
        std::fs::write(tmp.path().join(&mine), "x").unwrap();
        assert!(!is_stale_temp(tmp.path(), &mine));
        let live = format!(".a.pdf.{}.1.0.tmp", host());
        std::fs::write(tmp.path().join(&live), "x").unwrap();
        assert!(!is_stale_temp(tmp.path(), &live), "pid 1 is alive");
        // A process of this machine that is gone.
        let gone = format!(".a.pdf.{}.4194304.0.tmp", host());
        std::fs::write(tmp.path().join(&gone), "x").unwrap();
        assert!(is_stale_temp(tmp.path(), &gone));
        // Another machine's fresh file is left alone.
        let other = ".a.pdf.elsewhere.77.0.tmp";
        std::fs::write(tmp.path().join(other), "x").unwrap();
        assert!(!is_stale_temp(tmp.path(), other));
    }
}
