//! Numbered print runs: `--numbered 1-120` (one PDF of 120 copies, and 120
//! PDFs with `-o 'copy-{n}.pdf'`) against 120 separate renders of the same
//! issue, each a whole process with its own copy number (`copy = N` in the
//! issue file), as one would print a run without `--numbered`. Peak RSS of
//! each process comes from the kernel (`wait4`'s `ru_maxrss`), so that a
//! larger run (`BENCH_COPIES`, default 1,200) shows whether memory stays
//! flat.
//!
//! `cargo bench --bench numbered`

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_bulletin-pdf");

/// Runs bulletin-pdf to the end; its wall time and peak RSS (KiB).
#[allow(clippy::zombie_processes)] // waited for with wait4, for its rusage
fn run(args: &[&str]) -> (Duration, u64) {
    let start = Instant::now();
    let child = Command::new(BIN)
        .args(args)
        .args(["-q", "--no-system-fonts"])
        .spawn()
        .expect("run bulletin-pdf");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value, and wait4 writes it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, whose pid we were given; `child` is
    // not waited for again.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    assert_eq!(pid, child.id() as libc::pid_t, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "bulletin-pdf {args:?} failed"
    );
    (elapsed, usage.ru_maxrss as u64)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn mib(kb: u64) -> String {
    format!("{:.0} MiB", kb as f64 / 1024.0)
}

/// `--numbered 1-N` three times (median time, highest peak RSS).
fn numbered(issue: &Path, copies: u32, out: &[&str]) -> (Duration, u64) {
    let range = format!("1-{copies}");
    let mut times = Vec::new();
    let mut peak = 0;
    for _ in 0..3 {
        let mut args = vec![s(issue), "--numbered", &range];
        args.extend_from_slice(out);
        let (t, kb) = run(&args);
        times.push(t);
        peak = peak.max(kb);
    }
    (median(times), peak)
}

fn main() {
    let copies = 120u32;
    let large: u32 = std::env::var("BENCH_COPIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1200);
    let tmp = tempfile::tempdir().unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("examples/issue-363.toml")).unwrap();
    let issue = tmp.path().join("issue-363.toml");
    std::fs::write(&issue, &text).unwrap();
    // The separate renders' issue files: the same issue, `copy = N` each.
    let separate = tmp.path().join("separate");
    std::fs::create_dir(&separate).unwrap();
    let files: Vec<PathBuf> = (1..=copies)
        .map(|n| {
            let path = separate.join(format!("copy-{n:06}.toml"));
            let own = text.replacen("[issue]\n", &format!("[issue]\ncopy = {n}\n"), 1);
            std::fs::write(&path, own).unwrap();
            path
        })
        .collect();
    let one_pdf = tmp.path().join("run.pdf");
    let each = tmp.path().join("each");
    std::fs::create_dir(&each).unwrap();
    let pattern = each.join("copy-{n}.pdf");

    // Warm the page cache and the binary.
    run(&[s(&files[0]), "-o", s(&tmp.path().join("warm.pdf"))]);

    println!("issue 363 (11 pages), {copies} copies");
    let start = Instant::now();
    let mut single_peak = 0;
    for f in &files {
        let (_, kb) = run(&[s(f), "-o", s(&f.with_extension("pdf"))]);
        single_peak = single_peak.max(kb);
    }
    let apart = start.elapsed();
    println!(
        "| {copies} separate renders, one process each | {} | peak RSS {} (per process) |",
        ms(apart),
        mib(single_peak)
    );
    let (one, one_kb) = numbered(&issue, 1, &["-o", s(&one_pdf)]);
    println!(
        "| --numbered 1-1, one PDF | {} (median of 3) | peak RSS {} |",
        ms(one),
        mib(one_kb)
    );
    let (t, kb) = numbered(&issue, copies, &["-o", s(&one_pdf)]);
    println!(
        "| --numbered 1-{copies}, one PDF | {} (median of 3) | peak RSS {} | {:.1}x faster, {:.2} MB |",
        ms(t),
        mib(kb),
        apart.as_secs_f64() / t.as_secs_f64(),
        std::fs::metadata(&one_pdf).unwrap().len() as f64 / 1e6
    );
    let (t, kb) = numbered(&issue, copies, &["-o", s(&pattern)]);
    println!(
        "| --numbered 1-{copies}, -o 'copy-{{n}}.pdf' | {} (median of 3) | peak RSS {} | {:.1}x faster |",
        ms(t),
        mib(kb),
        apart.as_secs_f64() / t.as_secs_f64()
    );
    // Larger runs: does memory stay flat?
    let (t, kb) = numbered(&issue, large, &["-o", s(&pattern)]);
    println!(
        "| --numbered 1-{large}, -o 'copy-{{n}}.pdf' | {} (median of 3) | peak RSS {} |",
        ms(t),
        mib(kb)
    );
    let (t, kb) = numbered(&issue, large, &["-o", s(&one_pdf)]);
    println!(
        "| --numbered 1-{large}, one PDF | {} (median of 3) | peak RSS {} | {:.2} MB |",
        ms(t),
        mib(kb),
        std::fs::metadata(&one_pdf).unwrap().len() as f64 / 1e6
    );
}
