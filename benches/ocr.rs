//! OCR's character error rate on scans of the bundled examples: each
//! `examples/*.toml` is rendered, its pages rasterised at 300 dpi with
//! pdftoppm, turned 0.5°, tinted and given noise (±24), stored as JPEG pages
//! of a PDF without text (tests/common/scan.rs), and read back through the
//! importer's OCR (tesseract, chi_sim). The text OCR gives is compared with
//! the text the PDF reader gets from the rendered PDF: Levenshtein distance
//! over characters, whitespace removed, over the PDF's characters.
//!
//! `cargo bench --bench ocr` (`BENCH_SKEW=DEGREES`, `BENCH_NOISE=N` for
//! other scans; `BENCH_DUMP=DIR` writes both texts there; `--profile dev` reuses the test build: the rate does not
//! depend on the profile). Needs tesseract-ocr, tesseract-ocr-chi-sim,
//! poppler-utils. No times are measured.

#[path = "../tests/common/pdf.rs"]
mod pdf;
#[path = "../tests/common/scan.rs"]
mod scan;

use std::process::Command;

use bulletin_import::doc::{Doc, Item};

const BIN: &str = env!("CARGO_BIN_EXE_bulletin-pdf");

fn text(doc: &Doc) -> String {
    let mut out = String::new();
    for item in &doc.items {
        match item {
            Item::Para(p) => out.push_str(&p.text),
            Item::Table(t) => {
                for c in t.rows.iter().flatten() {
                    out.push_str(&c.text);
                }
            }
            _ => {}
        }
    }
    out
}

fn main() {
    if let Some(why) = scan::ocr_missing() {
        eprintln!("ocr bench: {why}");
        std::process::exit(1);
    }
    let env = |k: &str, d: f64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let spoil = scan::Spoil {
        degrees: env("BENCH_SKEW", 0.5),
        noise: env("BENCH_NOISE", 24.0) as u8,
        seed: 363,
    };
    let version = Command::new("tesseract")
        .arg("--version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default();
    println!(
        "{version}, 300 dpi, skew {}°, noise ±{}, JPEG q85",
        spoil.degrees, spoil.noise
    );
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut examples: Vec<_> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    examples.sort();
    let (mut errors, mut chars) = (0usize, 0usize);
    println!("| example | pages | characters | errors | CER |");
    println!("|---|---:|---:|---:|---:|");
    for example in examples {
        let tmp = tempfile::tempdir().unwrap();
        let pdf = tmp.path().join("rendered.pdf");
        let o = Command::new(BIN)
            .arg(&example)
            .arg("-o")
            .arg(&pdf)
            .arg("--no-system-fonts")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let bytes = std::fs::read(&pdf).unwrap();
        let truth = text(&bulletin_import::pdf::read(&bytes).unwrap());
        let (scanned, pages) = scan::scan_of(&pdf, tmp.path(), spoil);
        let doc = bulletin_import::ocr::read_pdf(&scanned).unwrap();
        let ocr = text(&doc);
        // BENCH_DUMP=DIR: both texts, to compare.
        if let Some(dir) = std::env::var_os("BENCH_DUMP") {
            let stem = example.file_stem().unwrap().to_string_lossy().into_owned();
            let dir = std::path::Path::new(&dir);
            std::fs::write(dir.join(format!("{stem}.pdf.txt")), &truth).unwrap();
            std::fs::write(dir.join(format!("{stem}.ocr.txt")), &ocr).unwrap();
        }
        let t: Vec<char> = truth.chars().filter(|c| !c.is_whitespace()).collect();
        let o: Vec<char> = ocr.chars().filter(|c| !c.is_whitespace()).collect();
        let d = scan::levenshtein(&t, &o);
        errors += d;
        chars += t.len();
        println!(
            "| {} | {} | {} | {d} | {:.2} % |",
            example.file_name().unwrap().to_string_lossy(),
            pages.len(),
            t.len(),
            100.0 * d as f64 / t.len().max(1) as f64,
        );
    }
    println!(
        "| all | | {chars} | {errors} | {:.2} % |",
        100.0 * errors as f64 / chars.max(1) as f64
    );
}
