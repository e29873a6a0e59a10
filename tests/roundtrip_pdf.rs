//! Round trip through PDF: every bundled example is rendered, the PDF is
//! imported (`bulletin-pdf import`), the imported issue file passes `check`
//! and is rendered again; the two PDFs carry the same text, and the issue
//! files the same columns, titles, bylines and footer fields. One render
//! per PDF.
//!
//! Documented differences: the text is compared in the PDFs' content order
//! (`pdftotext -raw`), whitespace and page numbers removed, because table
//! column widths are not read back from a PDF (equal widths come back), so
//! a header cell may wrap differently and the layout order of its lines
//! with it. Numbers in table cells come back as strings.

use std::path::Path;

use crate::common::{root, run, stderr, tool_stdout, without_page_numbers};

/// The text of a PDF in content order, whitespace and page numbers removed.
fn pdf_text(pdf: &Path) -> String {
    let text = tool_stdout("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"]);
    without_page_numbers(
        &text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>(),
    )
}

fn load(path: &Path) -> toml::Table {
    let s = std::fs::read_to_string(path).unwrap();
    toml::from_str(&s).unwrap_or_else(|e| panic!("{}: {e}\n{s}", path.display()))
}

fn s(v: Option<&toml::Value>) -> String {
    match v {
        Some(toml::Value::String(s)) => s.replace('\n', ""),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

/// Columns with their articles' titles and bylines.
fn columns(t: &toml::Table) -> Vec<(String, Vec<(String, String)>)> {
    let arts = |v: Option<&toml::Value>| -> Vec<(String, String)> {
        v.and_then(|a| a.as_array())
            .into_iter()
            .flatten()
            .map(|a| (s(a.get("title")), s(a.get("byline"))))
            .collect()
    };
    match t.get("columns").and_then(|c| c.as_array()) {
        Some(cols) => cols
            .iter()
            .map(|c| (s(c.get("name")), arts(c.get("articles"))))
            .collect(),
        None => vec![(String::new(), arts(t.get("articles")))],
    }
}

fn footer(t: &toml::Table) -> Vec<(String, String)> {
    let f = t.get("footer");
    ["bao", "song", "fa", "print_date", "copies"]
        .iter()
        .map(|k| (k.to_string(), s(f.and_then(|f| f.get(*k)))))
        .collect()
}

fn head(t: &toml::Table) -> Vec<String> {
    let b = t.get("bulletin");
    let i = t.get("issue");
    vec![
        s(b.and_then(|b| b.get("name"))),
        s(b.and_then(|b| b.get("office"))),
        s(i.and_then(|i| i.get("number"))),
        s(i.and_then(|i| i.get("date"))),
    ]
}

/// Renders an example, imports the PDF, checks and renders the import;
/// returns the imported issue.
fn round_trip(name: &str, dir: &Path) -> toml::Table {
    let input = root().join(format!("examples/{name}.toml"));
    let first = dir.join(format!("{name}.pdf"));
    let o = run(&[input.to_str().unwrap(), "-o", first.to_str().unwrap()]);
    assert!(o.status.success(), "{name}: {}", stderr(&o));
    let o = std::process::Command::new(crate::common::BIN)
        .args(["import", first.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{name}: import: {}", stderr(&o));
    let imported = dir.join(format!("{name}.toml"));
    let toml_text = std::fs::read_to_string(&imported).unwrap();
    let o = run(&["check", imported.to_str().unwrap()]);
    assert!(
        o.status.success(),
        "{name}: check: {}\n{toml_text}",
        stderr(&o)
    );
    let second = dir.join(format!("{name}-again.pdf"));
    let o = run(&[imported.to_str().unwrap(), "-o", second.to_str().unwrap()]);
    assert!(o.status.success(), "{name}: render: {}", stderr(&o));

    assert_eq!(
        pdf_text(&first),
        pdf_text(&second),
        "{name}: the text differs\n{toml_text}"
    );
    let want = load(&input);
    let have = load(&imported);
    assert_eq!(head(&have), head(&want), "{name}\n{toml_text}");
    assert_eq!(columns(&have), columns(&want), "{name}\n{toml_text}");
    assert_eq!(footer(&have), footer(&want), "{name}\n{toml_text}");
    have
}

#[test]
fn issue_363_round_trips_through_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    round_trip("issue-363", tmp.path());
}

#[test]
fn zhuanbao_round_trips_through_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    let have = round_trip("zhuanbao", tmp.path());
    assert_eq!(
        have.get("layout").and_then(|l| l.as_str()),
        Some("zhuanbao")
    );
}

fn cell_text(c: &toml::Value) -> String {
    match c {
        toml::Value::Table(t) => s(t.get("text")),
        v => s(Some(v)),
    }
}

fn spans(c: &toml::Value) -> bool {
    c.get("colspan").is_some() || c.get("rowspan").is_some()
}

#[test]
fn qingkuang_round_trips_through_pdf_with_its_blocks() {
    let tmp = tempfile::tempdir().unwrap();
    let have = round_trip("qingkuang", tmp.path());
    let cols = have["columns"].as_array().unwrap();
    let article = &cols[0]["articles"][0];
    let body = article["body"].as_array().expect("a body of blocks");

    // Two tables: the first with merged header cells, its caption and note;
    // the second (over two pages) joined, its header once, all 37 rows.
    let tables: Vec<&toml::Value> = body.iter().filter(|b| b.get("rows").is_some()).collect();
    assert_eq!(tables.len(), 2, "{body:#?}");
    let header = tables[0]["header"].as_array().unwrap();
    assert_eq!(header.len(), 2);
    assert!(header[0].as_array().unwrap().iter().any(spans));
    assert!(s(tables[0].get("caption")).starts_with("表1"));
    assert_eq!(s(tables[0].get("note")), "注：“—”表示上年同期无事故。");
    assert_eq!(tables[0]["rows"].as_array().unwrap().len(), 6);

    let csv = std::fs::read_to_string(root().join("examples/qingkuang-files/towns.csv")).unwrap();
    let csv: Vec<Vec<String>> = csv
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|c| c.trim().to_string()).collect())
        .collect();
    assert_eq!(csv.len(), 38);
    let t2 = tables[1];
    assert!(s(t2.get("caption")).starts_with("表2"));
    let h2: Vec<Vec<String>> = t2["header"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(cell_text).collect())
        .collect();
    assert_eq!(h2, vec![csv[0].clone()]);
    let rows2: Vec<Vec<String>> = t2["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(cell_text).collect())
        .collect();
    assert_eq!(rows2.len(), 37);
    assert_eq!(rows2, csv[1..].to_vec());
    // No 续表 caption left in the text.
    assert!(!body.iter().any(|b| s(b.get("text")).contains("续表")));

    // The list, numbered, with its nested level.
    let list = body
        .iter()
        .find(|b| b.get("items").is_some())
        .expect("a list");
    assert_eq!(list.get("numbered").and_then(|n| n.as_bool()), Some(true));
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[1]["items"].as_array().unwrap().len(), 2);

    // The two footnotes, referred to in the text.
    let notes = article["footnotes"].as_table().expect("footnotes");
    assert_eq!(notes.len(), 2);
    let text: String = body.iter().map(|b| s(b.get("text"))).collect();
    for (k, v) in notes {
        assert!(text.contains(&format!("[^{k}]")), "{k}");
        assert!(!text.contains(&s(Some(v))), "a note's text in the body");
    }
    assert!(
        text.contains("下降20%和33.3%"),
        "the paragraph broken by the page is joined"
    );

    // The photos side by side with their captions; the chart's caption is
    // text, flagged.
    let pics = cols[1]["articles"][0]["body"].as_array().unwrap();
    let pair = pics
        .iter()
        .find_map(|b| b.get("images"))
        .expect("two images side by side")
        .as_array()
        .unwrap();
    assert_eq!(pair.len(), 2);
    for (p, want) in pair.iter().zip(["图1", "图2"]) {
        assert!(s(p.get("caption")).starts_with(want), "{p:?}");
        let file = tmp.path().join(s(p.get("image")));
        let bytes = std::fs::read(&file).unwrap();
        assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "a JPEG as embedded");
    }
    let imported = std::fs::read_to_string(tmp.path().join("qingkuang.toml")).unwrap();
    assert!(imported.contains("# check: a figure caption without its image: 「图3"));
}
