//! The import readers (.docx, .pdf) on real files: PDFs that bulletin-pdf
//! renders, read back; .docx files made from the examples; and inputs that
//! must fail cleanly (empty, random, truncated, a zip that is not a .docx,
//! a scan).

use crate::common::docx as docx_gen;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::*;
use bulletin_import::doc::{Align, Doc, Item, Para, ReadError};
use bulletin_import::{docx, pdf};

/// Renders an example into a fresh folder and returns the PDF's bytes.
fn render_example(name: &str, dir: &Path) -> Vec<u8> {
    let src = root().join("examples").join(name);
    let toml = dir.join(name);
    std::fs::copy(&src, &toml).unwrap();
    let out = run(&[toml.to_str().unwrap()]);
    assert!(out.status.success(), "render failed: {}", stderr(&out));
    std::fs::read(toml.with_extension("pdf")).unwrap()
}

fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Prints what a reader makes of a file (.pdf, .docx, or an issue .toml
/// through the generated .docx): `IMPORT_DUMP=path cargo test
/// --test import_readers dump -- --ignored --nocapture`.
#[test]
#[ignore]
fn dump() {
    let Ok(path) = std::env::var("IMPORT_DUMP") else {
        return;
    };
    // An issue file is dumped through the generated .docx (written to
    // IMPORT_DUMP_OUT when that is set).
    let (path, bytes) = if path.ends_with(".toml") {
        let bytes = docx_gen::docx_from_issue(Path::new(&path));
        if let Ok(out) = std::env::var("IMPORT_DUMP_OUT") {
            std::fs::write(out, &bytes).unwrap();
        }
        (format!("{path}.docx"), bytes)
    } else {
        let bytes = std::fs::read(&path).unwrap();
        (path, bytes)
    };
    let doc = if path.ends_with(".docx") {
        docx::read(&bytes)
    } else {
        pdf::read(&bytes)
    };
    match doc {
        Ok(doc) => {
            for item in &doc.items {
                match item {
                    Item::Para(p) => println!(
                        "p{:?} y={:?} size={:?} red={} {:?} ind={:?} rule={}{} bold={:?} font={:?} | {}",
                        p.page.unwrap_or(0),
                        p.y,
                        p.size,
                        p.red,
                        p.align,
                        p.indent,
                        if p.rule_above { "^" } else { "" },
                        if p.rule_below { "_" } else { "" },
                        p.bold.len(),
                        p.font,
                        p.text.replace('\n', "⏎")
                    ),
                    Item::PageBreak => println!("---- page break"),
                    Item::Table(t) => println!("table {t:?}"),
                    Item::Image(i) => println!("image {} {:?} {} bytes", i.ext, i.width_mm, i.data.len()),
                }
            }
            println!("footnotes: {:?}", doc.footnotes);
            println!("notices: {:?}", doc.notices);
        }
        Err(e) => println!("error: {e}"),
    }
}

/// A unique scratch folder under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("import-readers-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What an issue says, in reading order: the line above the name, the
/// name, the columns, titles, body paragraphs and bylines, the footer.
fn expected_texts(issue: &toml::Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |s: Option<&str>| {
        if let Some(s) = s {
            out.push(compact(s));
        }
    };
    let bulletin = issue.get("bulletin");
    push(
        bulletin
            .and_then(|b| b.get("above"))
            .and_then(|v| v.as_str()),
    );
    push(
        bulletin
            .and_then(|b| b.get("name"))
            .and_then(|v| v.as_str()),
    );
    let articles = |arts: Option<&toml::Value>, out: &mut dyn FnMut(Option<&str>)| {
        for a in arts.and_then(|a| a.as_array()).into_iter().flatten() {
            out(a.get("title").and_then(|v| v.as_str()));
            if let Some(body) = a.get("body").and_then(|v| v.as_str()) {
                for p in body.split("\n\n") {
                    out(Some(p));
                }
            }
            out(a.get("byline").and_then(|v| v.as_str()));
        }
    };
    for c in issue
        .get("columns")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
    {
        push(c.get("name").and_then(|v| v.as_str()));
        articles(c.get("articles"), &mut push);
    }
    articles(issue.get("articles"), &mut push);
    if let Some(f) = issue.get("footer") {
        for k in ["bao", "song", "fa", "printer"] {
            push(f.get(k).and_then(|v| v.as_str()));
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The compact text of every paragraph and cell, in order.
fn doc_text(doc: &Doc) -> String {
    let mut s = String::new();
    for item in &doc.items {
        match item {
            Item::Para(p) => s.push_str(&compact(&p.text)),
            Item::Table(t) => {
                for row in &t.rows {
                    for c in row {
                        s.push_str(&compact(&c.text));
                    }
                }
            }
            _ => {}
        }
    }
    s
}

/// Every expected text is found, in order (the table of contents, which
/// repeats titles, may come first), once the running page numbers that
/// interrupt paragraphs across pages are left out.
fn assert_in_order(doc: &Doc, expected: &[String]) {
    let text = without_page_numbers(&doc_text(doc));
    let mut at = 0;
    for e in expected {
        match text[at..].find(e.as_str()) {
            Some(i) => at += i + e.len(),
            None => panic!(
                "{e:?} is missing (or out of order) after byte {at} of the read text:\n{}",
                &text[at..]
            ),
        }
    }
}

fn load(path: &Path) -> toml::Value {
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Paragraphs (compact text) that together make `whole`, consecutive.
fn run_of<'a>(ps: &[&'a Para], whole: &str) -> Option<Vec<&'a Para>> {
    let whole = compact(whole);
    for start in 0..ps.len() {
        let mut acc = String::new();
        let mut run = Vec::new();
        for p in &ps[start..] {
            let t = compact(&p.text);
            if t.is_empty() || !whole[acc.len()..].starts_with(&t) {
                break;
            }
            acc.push_str(&t);
            run.push(*p);
            if acc == whole {
                return Some(run);
            }
        }
    }
    None
}

fn titles(issue: &toml::Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |arts: Option<&toml::Value>| {
        for a in arts.and_then(|a| a.as_array()).into_iter().flatten() {
            if let Some(t) = a.get("title").and_then(|v| v.as_str()) {
                out.push(t.to_string());
            }
        }
    };
    for c in issue
        .get("columns")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
    {
        add(c.get("articles"));
    }
    add(issue.get("articles"));
    out
}

fn bylines(issue: &toml::Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |arts: Option<&toml::Value>| {
        for a in arts.and_then(|a| a.as_array()).into_iter().flatten() {
            if let Some(t) = a.get("byline").and_then(|v| v.as_str()) {
                out.push(t.to_string());
            }
        }
    };
    for c in issue
        .get("columns")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
    {
        add(c.get("articles"));
    }
    add(issue.get("articles"));
    out
}

/// The checks shared by the PDF and the .docx read-backs.
fn check_hints(doc: &Doc, issue: &toml::Value, what: &str) {
    let ps = doc.paras();
    let body_size = 16.0;
    // The masthead name: large, red, centred.
    let name = issue["bulletin"]["name"].as_str().unwrap();
    let p = ps
        .iter()
        .find(|p| compact(&p.text) == compact(name))
        .unwrap_or_else(|| panic!("{what}: no paragraph is the name {name:?}"));
    assert!(p.red, "{what}: the name is not red: {p:?}");
    assert!(
        p.size.unwrap_or(0.0) >= 30.0,
        "{what}: the name is not large: {p:?}"
    );
    assert_eq!(
        p.align,
        Align::Center,
        "{what}: the name is not centred: {p:?}"
    );
    // Titles: large and centred (a run of lines for a broken title).
    for t in titles(issue) {
        let run = run_of(&ps, &t).unwrap_or_else(|| panic!("{what}: title {t:?} not found"));
        for p in run {
            assert!(
                p.size.unwrap_or(0.0) > body_size + 2.0,
                "{what}: title line not large: {p:?}"
            );
            assert_eq!(
                p.align,
                Align::Center,
                "{what}: title line not centred: {p:?}"
            );
        }
    }
    // Bylines: on the right.
    for b in bylines(issue) {
        let p = ps
            .iter()
            .find(|p| {
                compact(&p.text).contains(&compact(&b))
                    && compact(&p.text).len() <= compact(&b).len() + 6
            })
            .unwrap_or_else(|| panic!("{what}: byline {b:?} not found"));
        assert_eq!(
            p.align,
            Align::Right,
            "{what}: byline not on the right: {p:?}"
        );
    }
    // The footer starts under a rule.
    if let Some(bao) = issue
        .get("footer")
        .and_then(|f| f.get("bao"))
        .and_then(|v| v.as_str())
    {
        let p = ps
            .iter()
            .find(|p| compact(&p.text).contains(&compact(bao)))
            .unwrap_or_else(|| panic!("{what}: footer line not found"));
        assert!(p.rule_above, "{what}: no rule above the footer: {p:?}");
    }
}

#[test]
fn issue_363_pdf_reads_back() {
    let dir = scratch("363");
    let bytes = render_example("issue-363.toml", &dir);
    let issue = load(&root().join("examples/issue-363.toml"));
    let started = Instant::now();
    let doc = pdf::read(&bytes).expect("the rendered PDF reads");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_in_order(&doc, &expected_texts(&issue));
    check_hints(&doc, &issue, "issue-363.pdf");

    let ps = doc.paras();
    // The line above the name is red too.
    let above = ps
        .iter()
        .find(|p| p.text == "建设学习型党组织、学习型领导班子")
        .unwrap();
    assert!(above.red && above.align == Align::Center);
    // A rule under the office and date line.
    let office = ps
        .iter()
        .find(|p| p.text.starts_with("协调小组办公室") && p.page == Some(1))
        .unwrap();
    assert!(office.rule_below, "{office:?}");
    // Every page keeps its running page number, as a paragraph of its own.
    let pages = doc
        .items
        .iter()
        .filter(|i| matches!(i, Item::PageBreak))
        .count()
        + 1;
    assert_eq!(pages, 11);
    for n in 1..=pages {
        let want = format!("—{n}—");
        assert!(
            ps.iter()
                .any(|p| p.page == Some(n as u32) && compact(&p.text) == want),
            "page {n}'s number is missing"
        );
    }
    // Body paragraphs: 16 pt, first line indented 2 em, justified.
    let body = ps
        .iter()
        .find(|p| p.text.starts_with("2020年2月3日"))
        .unwrap();
    assert_eq!(body.size, Some(16.0));
    assert!((body.indent.unwrap() - 32.0).abs() < 1.0, "{body:?}");
    assert_eq!(body.align, Align::Justify);
    // Titles are bold; positions are on the page.
    let title = ps
        .iter()
        .find(|p| p.text.starts_with("中央政治局常委会研究"))
        .unwrap();
    assert!(!title.bold.is_empty());
    for p in &ps {
        let (y, h) = (p.y.unwrap(), p.page_height.unwrap());
        assert!(y >= 0.0 && y < h, "{p:?}");
    }
    assert!(doc.notices.is_empty(), "{:?}", doc.notices);
}

#[test]
fn zhuanbao_pdf_reads_back() {
    let dir = scratch("zhuanbao");
    let bytes = render_example("zhuanbao.toml", &dir);
    let issue = load(&root().join("examples/zhuanbao.toml"));
    let doc = pdf::read(&bytes).expect("the rendered PDF reads");
    assert_in_order(&doc, &expected_texts(&issue));
    check_hints(&doc, &issue, "zhuanbao.pdf");
}

#[test]
fn examples_as_docx_read_back() {
    for name in ["issue-363.toml", "zhuanbao.toml"] {
        let path = root().join("examples").join(name);
        let issue = load(&path);
        let bytes = docx_gen::docx_from_issue(&path);
        let doc = docx::read(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_in_order(&doc, &expected_texts(&issue));
        check_hints(&doc, &issue, name);
        let ps = doc.paras();
        let title = ps
            .iter()
            .find(|p| p.style.as_deref() == Some("Title"))
            .expect("a title");
        assert_eq!(title.outline_level, Some(0));
        assert_eq!(title.size, Some(22.0));
        let body = ps
            .iter()
            .find(|p| p.indent == Some(32.0))
            .expect("an indented body paragraph");
        assert_eq!(body.size, Some(16.0));
        assert_eq!(body.align, Align::Justify);
    }
}

/// Files made by LibreOffice from the .docx of issue 363 (see
/// tests/data/import/libreoffice/README.md).
#[test]
fn libreoffice_fixtures_read_back() {
    let dir = root().join("tests/data/import/libreoffice");
    let issue = load(&root().join("examples/issue-363.toml"));
    // LibreOffice drops two line-final 、 from its PDF: compare without them.
    let expected: Vec<String> = expected_texts(&issue)
        .into_iter()
        .map(|s| {
            s.replace("输入、内部", "输入内部")
                .replace("有度、调节", "有度调节")
        })
        .collect();

    let bytes = std::fs::read(dir.join("issue-363.pdf")).unwrap();
    let doc = quick("libreoffice pdf", || pdf::read(&bytes)).expect("the LibreOffice PDF reads");
    assert_in_order(&doc, &expected);
    check_hints(&doc, &issue, "libreoffice pdf");
    let ps = doc.paras();
    let body = ps
        .iter()
        .find(|p| p.text.starts_with("2020年2月3日"))
        .unwrap();
    assert_eq!(body.size, Some(16.0));
    assert_eq!(body.indent, Some(32.0));
    assert_eq!(body.align, Align::Justify);

    let bytes = std::fs::read(dir.join("issue-363.docx")).unwrap();
    let doc = docx::read(&bytes).expect("the LibreOffice .docx reads");
    assert_in_order(&doc, &expected_texts(&issue));
    check_hints(&doc, &issue, "libreoffice docx");
}

/// A non-embedded CJK font behind a predefined CMap: the text that cannot
/// be read is reported, not dropped silently (see
/// tests/data/import/reportlab/README.md).
#[test]
fn unreadable_cjk_fonts_are_reported() {
    let bytes =
        std::fs::read(root().join("tests/data/import/reportlab/cid-not-embedded.pdf")).unwrap();
    let doc = pdf::read(&bytes).expect("the Latin line reads");
    assert!(doc_text(&doc).contains("LatinlineinHelvetica"));
    assert!(
        doc.notices
            .iter()
            .any(|n| n.contains("STSong-Light") && n.contains("missing")),
        "{:?}",
        doc.notices
    );
}

// ---------------------------------------------------------------------------
// Inputs that must fail cleanly, and fast

fn quick<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let r = f();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{what} took {:?}",
        started.elapsed()
    );
    r
}

fn random_bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut state = seed | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

#[test]
fn empty_and_random_inputs_are_errors() {
    assert!(quick("empty pdf", || pdf::read(b"")).is_err());
    assert!(quick("empty docx", || docx::read(b"")).is_err());
    for seed in 1..20 {
        let bytes = random_bytes(seed, 4096 * seed as usize);
        assert!(quick("random pdf", || pdf::read(&bytes)).is_err());
        let e = quick("random docx", || docx::read(&bytes)).unwrap_err();
        assert!(
            e.message().starts_with("not a Word document (.docx)"),
            "{e}"
        );
        // Random bytes behind a PDF header.
        let mut fake = b"%PDF-1.7\n".to_vec();
        fake.extend_from_slice(&bytes);
        assert!(quick("random pdf body", || pdf::read(&fake)).is_err());
    }
}

#[test]
fn truncated_files_never_panic() {
    let dir = scratch("truncated");
    let bytes = render_example("issue-363.toml", &dir);
    for frac in [1, 5, 10, 25, 50, 75, 90, 99] {
        let cut = &bytes[..bytes.len() * frac / 100];
        let _ = quick("truncated pdf", || pdf::read(cut));
    }
    let docx_bytes = docx_gen::docx_from_issue(&root().join("examples/issue-363.toml"));
    for frac in [1, 5, 10, 25, 50, 75, 90, 99] {
        let cut = &docx_bytes[..docx_bytes.len() * frac / 100];
        let e = quick("truncated docx", || docx::read(cut)).unwrap_err();
        assert!(
            e.message().starts_with("not a Word document (.docx)"),
            "{e}"
        );
    }
}

#[test]
fn a_zip_that_is_not_a_docx() {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        z.start_file("photos/a.jpg", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b"not really").unwrap();
        z.finish().unwrap();
    }
    let e = docx::read(&buf.into_inner()).unwrap_err();
    assert!(
        matches!(&e, ReadError::NotThisFormat(m) if m.starts_with("not a Word document (.docx):")),
        "{e}"
    );
}

/// A PDF with one page that only shows an image: a scan.
fn image_only_pdf() -> Vec<u8> {
    let content = "q 500 0 0 700 47 70 cm /Im1 Do Q";
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len() + 1),
        "<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 4 >>\nstream\nABCD\nendstream".to_string(),
    ];
    let objects: Vec<Vec<u8>> = objects.into_iter().map(String::into_bytes).collect();
    crate::common::pdf_of(&objects)
}

#[test]
fn a_scan_is_an_error_that_says_so() {
    let e = quick("scan", || pdf::read(&image_only_pdf())).unwrap_err();
    // A scan is its own kind of error: OCR can read it.
    assert!(
        matches!(&e, ReadError::Scan(m) if m.contains("scan") && m.contains("OCR")),
        "{e}"
    );
}

#[test]
fn encrypted_pdfs() {
    let dir = scratch("encrypted");
    render_example("issue-363.toml", &dir);
    let src = dir.join("issue-363.pdf");
    let src = src.to_str().unwrap();
    // With a user password: refused, with a clear message.
    let locked = dir.join("locked.pdf");
    let out = tool(
        "qpdf",
        &[
            "--encrypt",
            "secret",
            "owner",
            "256",
            "--",
            src,
            locked.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let e = quick("locked", || pdf::read(&std::fs::read(&locked).unwrap())).unwrap_err();
    assert!(
        matches!(&e, ReadError::Protected(m) if m.contains("encrypted")),
        "{e}"
    );
    // With an empty user password (restrictions only): read as usual.
    let open = dir.join("open.pdf");
    let out = tool(
        "qpdf",
        &[
            "--encrypt",
            "",
            "owner",
            "256",
            "--",
            src,
            open.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = pdf::read(&std::fs::read(&open).unwrap()).expect("readable");
    assert!(doc_text(&doc).contains("工作简报"));
}
