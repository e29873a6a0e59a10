//! Reads inside a folder, for layouts, packages and the folder:
//! paths that leave the folder and symbolic links leading out of it are
//! refused, only regular files are read, and every read is bounded.

use std::io::Read;
use std::path::{Component, Path};

/// The most a layout, package or issue-folder file may hold (photos
/// included).
pub const FILE_LIMIT: u64 = 64 * 1024 * 1024;

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

/// Reads `rel` inside the folder `root`: paths with `..` or a root, and
/// symbolic links leading out of the folder, are refused; only a regular
/// file of at most [`FILE_LIMIT`] bytes is read.
pub fn read_within(root: &Path, rel: &str) -> Result<Vec<u8>, Refusal> {
    if Path::new(rel)
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(Refusal::Outside);
    }
    let root = root.canonicalize().map_err(|_| Refusal::Missing)?;
    let real = root
        .join(rel)
        .canonicalize()
        .map_err(|_| Refusal::Missing)?;
    if !real.starts_with(&root) {
        return Err(Refusal::Outside);
    }
    let io = |e: std::io::Error| Refusal::Io(format!("cannot read {}: {e}", real.display()));
    // Opening a pipe would wait for a writer: look before opening.
    if !std::fs::metadata(&real).map_err(io)?.is_file() {
        return Err(Refusal::Io(format!(
            "{} is not a regular file (a folder, a pipe or a device)",
            real.display()
        )));
    }
    let file = std::fs::File::open(&real).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(Refusal::Io(format!(
            "{} is not a regular file (a folder, a pipe or a device)",
            real.display()
        )));
    }
    let mut bytes = Vec::new();
    file.take(FILE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > FILE_LIMIT {
        return Err(Refusal::Io(format!(
            "{} is larger than {} MiB, the limit for a file a layout reads",
            real.display(),
            FILE_LIMIT / (1024 * 1024)
        )));
    }
    Ok(bytes)
}
