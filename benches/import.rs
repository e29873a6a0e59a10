//! Import against rendering: a generated catalogue of 200 distinct issues
//! (tests/common/catalogue.rs, every fifth a 情况通报 with tables and photos)
//! is written as 200 .docx files (tests/common/docx.rs, as an office would
//! type them in Word), imported with `bulletin-pdf import DIR --out-dir`, and
//! the imported issues are rendered with `bulletin-pdf DIR --out-dir`. Each is
//! one process; the wall times are compared (median of 3 runs).
//!
//! `cargo bench --bench import` (`BENCH_ISSUES=N` for another size).

#[path = "../tests/common/catalogue.rs"]
mod catalogue;
#[path = "../tests/common/docx.rs"]
mod docx;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_bulletin-pdf");

fn timed(args: &[&str]) -> Duration {
    let start = Instant::now();
    let o = Command::new(BIN)
        .args(args)
        .output()
        .expect("run bulletin-pdf");
    let t = start.elapsed();
    assert!(
        o.status.success(),
        "bulletin-pdf {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    t
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let n: usize = std::env::var("BENCH_ISSUES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("catalogue");
    let files = catalogue::generate(&cat, n, 2020).unwrap();
    let docs = tmp.path().join("docx");
    std::fs::create_dir_all(&docs).unwrap();
    for (i, f) in files.iter().enumerate() {
        // The issue with its series file merged in, as one document.
        let mut merged = toml::Table::new();
        let series = f
            .parent()
            .unwrap()
            .join(bulletin_model::source::SERIES_FILE);
        let read = |p: &Path| -> toml::Table {
            toml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
        };
        bulletin_model::source::merge(&mut merged, read(&series));
        bulletin_model::source::merge(&mut merged, read(f));
        // Tables, photos, lists and footnotes as Word has them.
        let bytes = docx::docx_from_value_in(
            &toml::Value::Table(merged),
            f.parent().unwrap(),
            docx::Options {
                full: true,
                tables: false,
            },
        );
        std::fs::write(docs.join(format!("issue-{i:04}.docx")), bytes).unwrap();
    }
    let mut imports = Vec::new();
    let mut renders = Vec::new();
    for run in 0..3 {
        let toml_dir = tmp.path().join(format!("toml-{run}"));
        let pdf_dir = tmp.path().join(format!("pdf-{run}"));
        imports.push(timed(&[
            "import",
            docs.to_str().unwrap(),
            "--out-dir",
            toml_dir.to_str().unwrap(),
        ]));
        renders.push(timed(&[
            toml_dir.to_str().unwrap(),
            "--out-dir",
            pdf_dir.to_str().unwrap(),
            "-q",
            "--no-system-fonts",
        ]));
    }
    let (import, render) = (median(imports), median(renders));
    println!("{n} .docx issues (median of 3 runs, each one process):");
    println!("| step | wall time | per issue |");
    println!("|---|---|---|");
    for (what, t) in [
        ("import (.docx → TOML)", import),
        ("render (TOML → PDF)", render),
    ] {
        println!(
            "| {what} | {:.2} s | {:.1} ms |",
            t.as_secs_f64(),
            t.as_secs_f64() * 1000.0 / n as f64
        );
    }
    println!(
        "import takes {:.2}× the time of rendering (target: under 1×)",
        import.as_secs_f64() / render.as_secs_f64()
    );
}
