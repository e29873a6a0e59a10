//! Writing outputs atomically: a temporary file beside the target, flushed,
//! then renamed over it.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Whether a file name is one of [`write_atomic`]'s temporary files
/// (`.NAME.PID.tmp`).
pub fn is_temp_name(name: &str) -> bool {
    let Some(inner) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    inner
        .rsplit_once('.')
        .is_some_and(|(base, pid)| !base.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// flushed to disk, then renamed over the target. On failure the temporary
/// file is removed and an older file at `path` is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let fail = |what: &str, e: std::io::Error| {
        Error::output(format!("{}: cannot {what}: {e}", path.display()))
    };
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
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(|e| fail("create a file there", e))?;
        f.write_all(bytes).map_err(|e| fail("write", e))?;
        f.sync_all().map_err(|e| fail("write", e))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(|e| fail("replace the file", e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names() {
        assert!(is_temp_name(".issue.pdf.1234.tmp"));
        assert!(!is_temp_name("issue.pdf"));
        assert!(!is_temp_name(".issue.pdf.x1.tmp"));
    }
}
