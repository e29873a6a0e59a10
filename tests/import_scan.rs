//! Scans through OCR (tesseract with chi_sim, pages rasterised with
//! pdftoppm): issue 363 is rendered, its pages rasterised at 300 dpi,
//! turned 0.5°, tinted and given noise, and put back into a PDF of JPEG
//! pages with no text layer (tests/common/scan.rs); importing that finds
//! the masthead, the number, the columns and the titles. One page imports
//! as a PNG too. Without tesseract these tests say so and pass, unless
//! BULLETIN_REQUIRE_OCR=1 (CI). Without it, the error names the packages.

use std::path::Path;
use std::process::Command;

use crate::common::scan::{cer, image_pdf, jpeg, ocr_ready, scan_of, Spoil};
use crate::common::{root, run, stderr, BIN};

fn s(v: Option<&toml::Value>) -> String {
    match v {
        Some(toml::Value::String(s)) => s.replace('\n', ""),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

/// Columns with their articles' titles.
fn columns(t: &toml::Table) -> Vec<(String, Vec<String>)> {
    t.get("columns")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
        .map(|c| {
            let titles = c
                .get("articles")
                .and_then(|a| a.as_array())
                .into_iter()
                .flatten()
                .map(|a| s(a.get("title")))
                .collect();
            (s(c.get("name")), titles)
        })
        .collect()
}

fn import(input: &Path, report: &Path, path: Option<&str>) -> std::process::Output {
    import_within(input, report, path, "600")
}

fn import_within(
    input: &Path,
    report: &Path,
    path: Option<&str>,
    timeout: &str,
) -> std::process::Output {
    let mut c = Command::new(BIN);
    c.args(["import", "--force", "--timeout", timeout, "--report"])
        .arg(report)
        .arg(input);
    if let Some(p) = path {
        c.env("PATH", p);
    }
    c.output().expect("run bulletin-pdf import")
}

#[test]
fn a_scan_of_issue_363_imports_with_its_masthead_columns_and_titles() {
    if !ocr_ready("a_scan_of_issue_363_imports") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let rendered = tmp.path().join("rendered.pdf");
    let example = root().join("examples/issue-363.toml");
    let o = run(&[example.to_str().unwrap(), "-o", rendered.to_str().unwrap()]);
    assert!(o.status.success(), "render: {}", stderr(&o));
    let (scan, pages) = scan_of(&rendered, tmp.path(), Spoil::default());
    let input = tmp.path().join("scan.pdf");
    std::fs::write(&input, &scan).unwrap();
    // BULLETIN_KEEP_SCAN=DIR keeps a copy, to look at (or import by hand).
    if let Some(keep) = std::env::var_os("BULLETIN_KEEP_SCAN") {
        let _ = std::fs::write(Path::new(&keep).join("issue-363-scan.pdf"), &scan);
    }
    // No text layer: the PDF reader alone finds nothing.
    assert!(matches!(
        bulletin_import::pdf::read(&scan),
        Err(bulletin_import::doc::ReadError::Scan(_))
    ));

    // The time limit counts for each page of a scan: 20 s a page is
    // plenty (a page takes a few seconds), and the eleven pages together
    // take longer than that.
    let report = tmp.path().join("report.jsonl");
    let start = std::time::Instant::now();
    let o = import_within(&input, &report, None, "20");
    let took = start.elapsed();
    assert!(o.status.success(), "import: {}", stderr(&o));
    assert!(
        took > std::time::Duration::from_secs(20),
        "the scan took {took:?}, within one page's limit: the per-page limit was not put to the test"
    );
    let text = std::fs::read_to_string(tmp.path().join("scan.toml")).unwrap();
    let have: toml::Table = toml::from_str(&text).unwrap();
    let want: toml::Table = toml::from_str(&std::fs::read_to_string(&example).unwrap()).unwrap();
    let b = |t: &toml::Table, k: &str| s(t.get("bulletin").and_then(|b| b.get(k)));
    let i = |t: &toml::Table, k: &str| s(t.get("issue").and_then(|b| b.get(k)));
    assert_eq!(b(&have, "name"), b(&want, "name"), "{text}");
    assert_eq!(i(&have, "number"), i(&want, "number"), "{text}");
    assert_eq!(i(&have, "date"), i(&want, "date"), "{text}");
    // The columns, and their articles, are the example's; a title may have
    // an OCR slip (a character or two: at most one in ten), no more.
    let (hc, wc) = (columns(&have), columns(&want));
    assert_eq!(
        hc.iter().map(|c| &c.0).collect::<Vec<_>>(),
        wc.iter().map(|c| &c.0).collect::<Vec<_>>(),
        "{text}"
    );
    for ((_, ht), (name, wt)) in hc.iter().zip(&wc) {
        assert_eq!(ht.len(), wt.len(), "{name}: {ht:?}\n{text}");
        for (h, w) in ht.iter().zip(wt) {
            assert!(cer(w, h) <= 0.1, "{name}: {h} for {w}\n{text}");
        }
    }
    assert_eq!(have.get("footer"), want.get("footer"), "{text}");
    // Flagged for proofreading, in the file and in the report.
    assert!(
        text.lines()
            .any(|l| l.starts_with("# check:") && l.contains("OCR") && l.contains("proofread")),
        "{text}"
    );
    let line = std::fs::read_to_string(&report).unwrap();
    let r: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    assert_eq!(r["format"], "scan", "{line}");
    assert_eq!(r["ocr"], true, "{line}");
    assert!(
        r["guessed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["message"].as_str().unwrap().contains("proofread")),
        "{line}"
    );
    // The bodies read back nearly as written.
    let body = |t: &toml::Table| -> String {
        t.get("columns")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
            .flat_map(|c| {
                c.get("articles")
                    .and_then(|a| a.as_array())
                    .into_iter()
                    .flatten()
            })
            .map(|a| s(a.get("body")))
            .collect()
    };
    let rate = cer(&body(&want), &body(&have));
    assert!(rate < 0.05, "the bodies' character error rate is {rate:.3}");

    // The first page as a PNG image: the masthead and the number.
    let png = tmp.path().join("page1.png");
    pages[0].save(&png).unwrap();
    let o = import(&png, &report, None);
    assert!(o.status.success(), "import PNG: {}", stderr(&o));
    let text = std::fs::read_to_string(tmp.path().join("page1.toml")).unwrap();
    let have: toml::Table = toml::from_str(&text).unwrap();
    assert_eq!(b(&have, "name"), b(&want, "name"), "{text}");
    assert_eq!(i(&have, "number"), i(&want, "number"), "{text}");
    assert!(text.contains("# check: the text was read by OCR"), "{text}");
}

/// A small scanned page (blank), as a PNG and as an image-only PDF.
fn blank_scan(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let img = image::RgbImage::from_pixel(200, 280, image::Rgb([240, 240, 240]));
    let png = dir.join("blank.png");
    img.save(&png).unwrap();
    let pdf = dir.join("blank.pdf");
    std::fs::write(&pdf, image_pdf(&[(jpeg(&img), 200, 280)], 24.0)).unwrap();
    (png, pdf)
}

#[test]
fn without_tesseract_a_scan_is_refused_with_what_to_install() {
    let tmp = tempfile::tempdir().unwrap();
    let (png, pdf) = blank_scan(tmp.path());
    let empty = tmp.path().join("bin");
    std::fs::create_dir(&empty).unwrap();
    let report = tmp.path().join("report.jsonl");
    for input in [&png, &pdf] {
        let o = import(input, &report, Some(empty.to_str().unwrap()));
        assert!(!o.status.success());
        let e = stderr(&o);
        assert!(
            e.contains("tesseract is not installed")
                && e.contains("tesseract-ocr")
                && e.contains("tesseract-ocr-chi-sim"),
            "{}: {e}",
            input.display()
        );
    }
}

#[test]
fn without_pdftoppm_a_scanned_pdf_is_refused_with_what_to_install() {
    if !ocr_ready("without_pdftoppm") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (_, pdf) = blank_scan(tmp.path());
    // A PATH with tesseract only.
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let tesseract = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join("tesseract"))
        .find(|p| p.is_file())
        .unwrap();
    std::os::unix::fs::symlink(&tesseract, bin.join("tesseract")).unwrap();
    let report = tmp.path().join("report.jsonl");
    let o = import(&pdf, &report, Some(bin.to_str().unwrap()));
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("pdftoppm") && e.contains("poppler-utils"), "{e}");
}
