//! Faults while writing: a full disk, a read-only folder, a device as the
//! target, a process killed in the middle of a batch. No partial or corrupt
//! PDF ever sits at a target path, older outputs stay intact, and the message
//! says what happened.
//!
//! The disk tests mount small tmpfs file systems, which needs root (as CI
//! runs); run as another user they fail with a message saying so.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// A tmpfs of `size` mounted on a fresh folder; unmounted when dropped.
struct Tmpfs {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Tmpfs {
    fn new(size: &str, read_only: bool) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mnt");
        std::fs::create_dir(&path).unwrap();
        let opts = format!("size={size}");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &opts, "tmpfs", path.to_str().unwrap()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "cannot mount a tmpfs for this test (it needs root, as CI runs)"
        );
        if read_only {
            std::fs::write(path.join("old.pdf"), b"older output").unwrap();
            let ok = Command::new("mount")
                .args(["-o", "remount,ro", path.to_str().unwrap()])
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "cannot remount read-only");
        }
        Tmpfs { _dir: dir, path }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

fn issue_file(dir: &Path) -> PathBuf {
    let p = dir.join("issue.toml");
    std::fs::write(&p, minimal_issue("标题", &"正文内容。".repeat(400), "单位")).unwrap();
    p
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_full_disk_leaves_the_older_output_and_no_partial_file() {
    let fs = Tmpfs::new("24k", false);
    let src = tempfile::tempdir().unwrap();
    let input = issue_file(src.path());
    let target = fs.path.join("issue.pdf");
    std::fs::write(&target, b"older output").unwrap();
    let o = run(&[input.to_str().unwrap(), "-o", target.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains("issue.pdf"), "{err}");
    assert_eq!(std::fs::read(&target).unwrap(), b"older output");
    assert_eq!(
        entries(&fs.path),
        ["issue.pdf"],
        "temporary files left behind"
    );
}

#[test]
fn a_read_only_folder_is_one_clear_error() {
    let fs = Tmpfs::new("1m", true);
    let src = tempfile::tempdir().unwrap();
    let input = issue_file(src.path());
    let target = fs.path.join("old.pdf");
    let o = run(&[input.to_str().unwrap(), "-o", target.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("Read-only file system"), "{err}");
    assert_eq!(err.lines().count(), 1, "one message: {err}");
    assert_eq!(std::fs::read(&target).unwrap(), b"older output");
}

#[test]
fn a_device_or_folder_is_never_replaced() {
    let src = tempfile::tempdir().unwrap();
    let input = issue_file(src.path());
    let o = run(&[input.to_str().unwrap(), "-o", "/dev/null"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    assert!(Path::new("/dev/null").exists());
    let folder = src.path().join("folder.pdf");
    std::fs::create_dir(&folder).unwrap();
    let o = run(&[input.to_str().unwrap(), "-o", folder.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(folder.is_dir());
}

#[test]
fn a_batch_killed_midway_leaves_only_complete_pdfs() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    let files = catalogue::generate(&cat, 24, 11).unwrap();
    let out = tmp.path().join("out");
    let mut child = Command::new(BIN)
        .args([cat.to_str().unwrap(), "--out-dir", out.to_str().unwrap()])
        .args(["-j", "2", "-q", "--no-system-fonts"])
        .spawn()
        .unwrap();
    // Kill it once some PDFs exist (or after a while).
    let start = std::time::Instant::now();
    while start.elapsed().as_secs() < 20 {
        let n = std::fs::read_dir(out.join("gongzuo")).map_or(0, |d| d.count());
        if n >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // Every PDF at a target path is complete.
    let mut complete = 0;
    for f in &files {
        let rel = f.strip_prefix(&cat).unwrap().with_extension("pdf");
        let pdf = out.join(rel);
        if pdf.exists() {
            let check = tool("qpdf", &["--check", pdf.to_str().unwrap()]);
            assert!(check.status.success(), "{pdf:?} is corrupt");
            complete += 1;
        }
    }
    assert!(
        complete < files.len(),
        "the batch finished before it was killed"
    );
    // The next run finishes the job and tidies up.
    let o = run(&[cat.to_str().unwrap(), "--out-dir", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    for series in ["gongzuo", "xinxi", "dongtai"] {
        for name in entries(&out.join(series)) {
            if name == ".bulletin-pdf-manifest.json" {
                continue; // what produced each PDF (incremental runs)
            }
            assert!(
                name.ends_with(".pdf") && !name.starts_with('.'),
                "left over: {name}"
            );
        }
    }
}
