//! Writing outputs atomically: a temporary file beside the target, flushed,
//! then renamed over it.
//!
//! The temporary file is created through a handle on the target's folder
//! (cap-std: `openat`), exclusively (`O_CREAT|O_EXCL`, so a file or a link
//! planted under its name is never opened or followed: another name is
//! tried), under a name no other process can tell in advance (a random part
//! beside this machine's name and the process id, which say whose it is).
//! The rename into place goes through the same handle.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cap_std::fs::{Dir, OpenOptions};

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

/// The most of the target's name a temporary name repeats: the whole
/// temporary name stays within the 255 bytes a file name may have, however
/// long the target's (80 Chinese characters are 240 bytes).
const NAME_PART: usize = 96;

/// A temporary file's name: `.NAME.HOST.PID.RANDOM.tmp`: whose it is (this
/// machine, this process, for the clean-up of a killed run's left-overs),
/// and 64 random bits that no other process can tell in advance.
fn temp_name(name: &str) -> String {
    let mut end = name.len().min(NAME_PART);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        ".{}.{}.{}.{:016x}.tmp",
        &name[..end],
        host(),
        std::process::id(),
        random64()
    )
}

/// 64 bits no other process can tell: SipHash keyed by the standard
/// library's per-process random keys (from the operating system), over a
/// counter and the time.
fn random64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    h.write_u128(now);
    h.finish()
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
    let hex = !n.is_empty() && n.bytes().all(|b| b.is_ascii_hexdigit());
    if base.is_empty() || !hex || !digits(pid) {
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

/// A path as a file is named: absolute, with `.` and `..` resolved through
/// its existing folder (so `out/../c.pdf` and `c.pdf` are one file even
/// before it exists).
fn same_place(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (abs.parent(), abs.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .map(|d| d.join(name))
            .unwrap_or_else(|_| abs.clone()),
        _ => abs,
    }
}

/// Whether two paths name one file: the same device and inode when both
/// exist, else the same place.
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => same_place(a) == same_place(b),
    }
}

/// Refuses a report (`--report FILE`) that would be written over an input
/// of the run (an issue file, a series file, an imported document) or over
/// another output of the run (a PDF, an imported issue): a report is an
/// output like any other. `check --report s/*.toml` (a slip of the glob)
/// names an issue file as the report, and is refused here.
pub fn refuse_report(report: &Path, inputs: &[PathBuf], outputs: &[PathBuf]) -> Result<()> {
    let advice = "name another file for the report, e.g. --report report.jsonl";
    if let Some(i) = inputs.iter().find(|i| same_file(report, i)) {
        return Err(Error::usage(format!(
            "--report {}: is an input of this run ({}); the report would destroy it: {advice}",
            report.display(),
            i.display()
        )));
    }
    // An existing file that is not a report (an issue file named by a slip
    // of the glob, `check --report s/*.toml`) is never replaced by one.
    if let Ok(meta) = std::fs::symlink_metadata(report) {
        let head = match meta.is_file() {
            true => {
                // The first bytes, enough to tell what it is.
                let mut head = Vec::new();
                let _ = std::fs::File::open(report).and_then(|f| {
                    std::io::Read::read_to_end(&mut std::io::Read::take(f, 16), &mut head)
                });
                head
            }
            false => b"-".to_vec(),
        };
        let is_report = head.is_empty() || head.starts_with(b"{\"input\"");
        if !is_report {
            return Err(Error::usage(format!(
                "--report {}: is there and is not a report of bulletin-pdf (a JSON Lines \
                 file); it would be lost: {advice}",
                report.display()
            )));
        }
    }
    if let Some(o) = outputs.iter().find(|o| same_file(report, o)) {
        return Err(Error::usage(format!(
            "--report {}: is an output of this run ({}); the two would overwrite each other: \
             {advice}",
            report.display(),
            o.display()
        )));
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
    /// The target's folder, opened once: the temporary file is created,
    /// renamed and removed through it.
    dir: Arc<Dir>,
    tmp: String,
    name: OsString,
    path: PathBuf,
    done: bool,
    /// Its entry among the files staged and not yet committed.
    id: u64,
}

/// The files staged and not yet committed or dropped, by id: what
/// [`remove_staged`] removes when the process must end at once.
type Live = std::collections::BTreeMap<u64, (Arc<Dir>, String)>;
static LIVE: std::sync::Mutex<Live> = std::sync::Mutex::new(std::collections::BTreeMap::new());
static NEXT_STAGED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn live_staged() -> std::sync::MutexGuard<'static, Live> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Set once the process is ending: nothing more is staged.
static CLOSING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// Stagings between the creation of their file and its registration.
static IN_FLIGHT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

struct InFlight;

impl InFlight {
    fn enter() -> Option<InFlight> {
        use std::sync::atomic::Ordering::SeqCst;
        IN_FLIGHT.fetch_add(1, SeqCst);
        if CLOSING.load(SeqCst) {
            IN_FLIGHT.fetch_sub(1, SeqCst);
            return None;
        }
        Some(InFlight)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Removes every temporary file staged by this process and not yet put in
/// place: called before the process ends at once (a watchdog past its
/// limit), when no destructor will run. A numbered run stopped half-way
/// leaves none of its copies behind: stagings under way finish registering
/// first, and no new one starts.
pub fn remove_staged() {
    use std::sync::atomic::Ordering::SeqCst;
    CLOSING.store(true, SeqCst);
    let until = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while IN_FLIGHT.load(SeqCst) > 0 && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let live = std::mem::take(&mut *live_staged());
    for (_, (dir, tmp)) in live {
        let _ = dir.remove_file(&tmp);
    }
}

/// Stages outputs, opening each target folder once (a numbered run stages
/// thousands of files into one folder).
#[derive(Default)]
pub struct Stager {
    dirs: std::sync::Mutex<std::collections::HashMap<PathBuf, Arc<Dir>>>,
}

impl Stager {
    /// A stager with no folder opened yet.
    pub fn new() -> Stager {
        Stager::default()
    }

    /// Writes `bytes` beside `path` under a temporary name (as
    /// [`write_atomic`] does), to be put in place by [`Staged::commit`].
    pub fn stage(&self, path: &Path, bytes: &[u8]) -> Result<Staged> {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let Some(name) = path.file_name().map(|n| n.to_os_string()) else {
            return Err(Error::output(format!(
                "{}: not a file name; name the output file",
                path.display()
            )));
        };
        let fail = |what: &str, e: std::io::Error| {
            Error::output(format!("{}: cannot {what}: {e}", path.display()))
        };
        let dir = {
            let mut dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
            match dirs.get(&folder) {
                Some(d) => d.clone(),
                None => {
                    if !folder.is_dir() {
                        return Err(Error::output(format!(
                            "{}: the folder {} does not exist",
                            path.display(),
                            folder.display()
                        )));
                    }
                    let d = Dir::open_ambient_dir(&folder, cap_std::ambient_authority())
                        .map(Arc::new)
                        .map_err(|e| fail("open the folder", e))?;
                    dirs.insert(folder.clone(), d.clone());
                    d
                }
            }
        };
        stage_in(dir, path, &name, bytes)
    }
}

/// Writes `bytes` under a temporary name in the open folder `dir`, to be
/// renamed to `name` by [`Staged::commit`]; `path` names the target in
/// messages. Everything goes through the folder's handle.
pub fn stage_in(
    dir: Arc<Dir>,
    path: &Path,
    name: &std::ffi::OsStr,
    bytes: &[u8],
) -> Result<Staged> {
    let name = name.to_os_string();
    let fail = |what: &str, e: std::io::Error| {
        Error::output(format!("{}: cannot {what}: {e}", path.display()))
    };
    if let Ok(meta) = dir.symlink_metadata(&name) {
        if !meta.is_file() && !meta.file_type().is_symlink() {
            return Err(Error::output(format!(
                "{}: is not a regular file (a folder or a device); refusing to replace it",
                path.display()
            )));
        }
    }
    // While this file is created and registered, an ending process waits
    // (see `remove_staged`); once it is ending, nothing more is staged.
    let _in_flight = InFlight::enter().ok_or_else(|| {
        Error::output(format!(
            "{}: not written: the process is ending",
            path.display()
        ))
    })?;
    let shown = name.to_string_lossy();
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    let mut tries = 0;
    let (tmp, mut file) = loop {
        let tmp = temp_name(&shown);
        match dir.open_with(&tmp, &options) {
            Ok(f) => break (tmp, f),
            // Something is there already (planted, or a collision):
            // never opened, never followed; another name.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 16 => {
                tries += 1;
            }
            Err(e) => return Err(fail("create a file there", e)),
        }
    };
    let id = NEXT_STAGED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    live_staged().insert(id, (dir.clone(), tmp.clone()));
    let staged = Staged {
        dir,
        tmp,
        name,
        path: path.to_path_buf(),
        done: false,
        id,
    };
    file.write_all(bytes).map_err(|e| fail("write", e))?;
    file.sync_all().map_err(|e| fail("write", e))?;
    Ok(staged)
}

/// Writes `bytes` beside `path` under a temporary name (as [`write_atomic`]
/// does), to be put in place by [`Staged::commit`].
pub fn stage(path: &Path, bytes: &[u8]) -> Result<Staged> {
    Stager::new().stage(path, bytes)
}

impl Staged {
    /// Where the file goes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the file over its target, in the folder it was written in.
    pub fn commit(mut self) -> Result<()> {
        self.dir
            .rename(&self.tmp, &self.dir, &self.name)
            .map_err(|e| {
                Error::output(format!(
                    "{}: cannot replace the file: {e}",
                    self.path.display()
                ))
            })?;
        self.done = true;
        live_staged().remove(&self.id);
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            live_staged().remove(&self.id);
            let _ = self.dir.remove_file(&self.tmp);
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
        assert!(is_temp_name(".a.pdf.node-1.1234.00ff3a9b2c4d5e6f.tmp"));
        assert!(!is_temp_name("issue.pdf"));
        assert!(!is_temp_name(".issue.pdf.host.x1.0.tmp"));
        assert_ne!(temp_name("a.pdf"), temp_name("a.pdf"));
        // A long name is cut at a character, so the temporary name fits.
        let long = format!("{}.pdf", "长".repeat(80));
        let t = temp_name(&long);
        assert!(t.len() <= 255, "{} bytes", t.len());
        assert!(temp_owner(&t).is_some(), "{t}");
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
