//! Batch benchmark: a generated catalogue of distinct issues the size of
//! issue 363, rendered by bulletin-pdf with `-j 2`, side by side with the
//! typst CLI compiling the same exported projects two processes at a time
//! (skipped when no `typst` binary is on the PATH), and one issue as a whole
//! process each way.
//!
//! `cargo bench --bench catalogue` (200 issues); `BENCH_ISSUES=1000 cargo
//! bench --bench catalogue` for the memory check at a larger size.

#[path = "../tests/common/catalogue.rs"]
mod catalogue;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_bulletin-pdf");

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
}

/// The processes whose parent is `pid` (read from /proc/*/stat, which
/// every Linux kernel has).
fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(child) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid …: the command may hold spaces and parens.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) {
            out.push(child);
        }
    }
    out
}

/// Peak resident memory (VmHWM) of a running child and of the processes it
/// starts (a batch's worker processes), polled until it exits: the sum of
/// each process's peak, in KiB.
fn wait_peak(mut child: Child) -> (bool, u64) {
    let mut peaks: std::collections::HashMap<u32, u64> = std::collections::HashMap::new();
    let root = child.id();
    let total = |peaks: &std::collections::HashMap<u32, u64>| peaks.values().sum::<u64>();
    let mut known: Vec<u32> = Vec::new();
    let mut polls = 0u64;
    loop {
        // Look for new worker processes now and then (a /proc scan).
        if polls % 10 == 0 {
            for c in children(root) {
                if !known.contains(&c) {
                    known.push(c);
                }
            }
        }
        polls += 1;
        for &pid in std::iter::once(&root).chain(known.iter()) {
            if let Some(kb) = vm_hwm_kb(pid) {
                let e = peaks.entry(pid).or_default();
                *e = (*e).max(kb);
            }
        }
        match child.try_wait() {
            Ok(Some(st)) => return (st.success(), total(&peaks)),
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(_) => return (false, total(&peaks)),
        }
    }
}

fn bulletin_batch(cat: &Path, out: &Path) -> (Duration, u64) {
    let start = Instant::now();
    let child = Command::new(BIN)
        .args([cat.to_str().unwrap(), "--out-dir", out.to_str().unwrap()])
        .args(["-j", "2", "--force", "-q", "--no-system-fonts"])
        .spawn()
        .expect("run bulletin-pdf");
    let (ok, peak) = wait_peak(child);
    assert!(ok, "bulletin-pdf failed");
    (start.elapsed(), peak)
}

fn typst_available() -> bool {
    Command::new("typst")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn typst_compile(project: &Path, fonts: &Path) -> Child {
    Command::new("typst")
        .arg("compile")
        .arg("--font-path")
        .arg(fonts)
        .arg("--ignore-system-fonts")
        .arg(project.join("main.typ"))
        .arg(project.join("out.pdf"))
        .stderr(Stdio::null())
        .spawn()
        .expect("run typst")
}

/// The typst CLI over every project, two processes at a time.
fn typst_batch(projects: &[PathBuf], fonts: &Path) -> (Duration, u64) {
    let start = Instant::now();
    let mut peak = 0;
    let mut it = projects.iter();
    let mut running: Vec<std::thread::JoinHandle<(bool, u64)>> = Vec::new();
    loop {
        while running.len() < 2 {
            let Some(p) = it.next() else { break };
            let child = typst_compile(p, fonts);
            running.push(std::thread::spawn(move || wait_peak(child)));
        }
        if running.is_empty() {
            break;
        }
        let (ok, kb) = running.remove(0).join().unwrap();
        assert!(ok, "typst compile failed");
        peak = peak.max(kb);
    }
    (start.elapsed(), peak)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let n: usize = std::env::var("BENCH_ISSUES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("catalogue");
    let files = catalogue::generate(&cat, n, 2020).unwrap();
    let fonts_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("crates/fonts/fonts");
    let session = bulletin_render::Session::new(&Default::default()).unwrap();
    println!("catalogue: {n} distinct issues (about 10 pages each), 2 workers");

    // Warm the page cache and the binary once.
    let _ = bulletin_batch(&cat, &tmp.path().join("warm"));
    let (t, rss) = bulletin_batch(&cat, &tmp.path().join("out"));
    let ours = n as f64 / t.as_secs_f64();
    println!(
        "| bulletin-pdf -j 2 | {:.1} issues/s | {:.2} s | peak RSS {:.0} MiB (the command and its 2 workers together) |",
        ours,
        t.as_secs_f64(),
        rss as f64 / 1024.0
    );

    // One issue as a whole process.
    let one = &files[0];
    let single: Vec<Duration> = (0..15)
        .map(|_| {
            let start = Instant::now();
            let ok = Command::new(BIN)
                .arg(one)
                .args(["-o", tmp.path().join("one.pdf").to_str().unwrap()])
                .args(["-q", "--no-system-fonts"])
                .status()
                .unwrap()
                .success();
            assert!(ok);
            start.elapsed()
        })
        .collect();
    let one_peak = {
        let child = Command::new(BIN)
            .arg(one)
            .args(["-o", tmp.path().join("one.pdf").to_str().unwrap()])
            .args(["-q", "--no-system-fonts"])
            .spawn()
            .unwrap();
        wait_peak(child).1
    };
    println!(
        "| bulletin-pdf, one issue | {:.0} ms (median of 15) | peak RSS {:.0} MiB |",
        median(single.clone()).as_secs_f64() * 1000.0,
        one_peak as f64 / 1024.0
    );

    if !typst_available() {
        println!("typst CLI: skipped (no `typst` binary on the PATH; `cargo install typst-cli --version 0.15.1 --locked`)");
        return;
    }
    let projects: Vec<PathBuf> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let dir = tmp.path().join(format!("projects/{i}"));
            let export = bulletin_render::export::ExportOptions {
                fonts: false,
                ..Default::default()
            };
            bulletin_render::export_typst(&session, f, &Default::default(), &dir, &export).unwrap();
            dir
        })
        .collect();
    let (tt, trss) = typst_batch(&projects, &fonts_dir);
    let theirs = n as f64 / tt.as_secs_f64();
    println!(
        "| typst compile, 2 at a time | {:.1} issues/s | {:.2} s | peak RSS {:.0} MiB (per process) |",
        theirs,
        tt.as_secs_f64(),
        trss as f64 / 1024.0
    );
    let tsingle: Vec<Duration> = (0..15)
        .map(|_| {
            let start = Instant::now();
            let (ok, _) = wait_peak(typst_compile(&projects[0], &fonts_dir));
            assert!(ok);
            start.elapsed()
        })
        .collect();
    let tpeak = wait_peak(typst_compile(&projects[0], &fonts_dir)).1;
    println!(
        "| typst compile, one issue | {:.0} ms (median of 15) | peak RSS {:.0} MiB |",
        median(tsingle.clone()).as_secs_f64() * 1000.0,
        tpeak as f64 / 1024.0
    );
    println!(
        "throughput ratio {:.2}x; one-issue wall-time ratio {:.2}",
        ours / theirs,
        median(single).as_secs_f64() / median(tsingle).as_secs_f64()
    );
}
