//! A generator of .docx files from issue files, for round-trip tests
//! (example → .docx → import → render): the bulletin as an office would
//! type it in Word: a red masthead (the line above the name, the name, 第 N
//! 期, the office and the date over a red rule), a table of contents, the
//! columns as 【栏目】 lines, centred titles in a title style, indented body
//! paragraphs, bylines on the right, and the footer (报/送/发, the printer
//! and the date) between rules.
//!
//! Only the parts of the issue file that the round trip compares are
//! written; blocks other than paragraphs are written as their text.
#![allow(dead_code)]

use std::io::{Cursor, Write};
use std::path::Path;

const NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A run; `\n` in the text becomes a line break.
fn run(text: &str, rpr: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str(&format!("<w:r><w:rPr>{rpr}</w:rPr><w:br/></w:r>"));
        }
        if !part.is_empty() {
            out.push_str(&format!(
                r#"<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">{}</w:t></w:r>"#,
                esc(part)
            ));
        }
    }
    out
}

fn para(ppr: &str, runs: &str) -> String {
    format!("<w:p><w:pPr>{ppr}</w:pPr>{runs}</w:p>")
}

/// "2020-02-10" → "2020年2月10日".
fn chinese_date(v: &toml::Value) -> Option<String> {
    let s = match v {
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::String(s) => s.clone(),
        _ => return None,
    };
    let mut parts = s.split('-').map(|p| p.parse::<u32>().ok());
    let (Some(Some(y)), Some(Some(m)), Some(Some(d))) = (parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    Some(format!("{y}年{m}月{d}日"))
}

fn get<'a>(v: &'a toml::Value, path: &[&str]) -> Option<&'a toml::Value> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    Some(cur)
}

fn get_str<'a>(v: &'a toml::Value, path: &[&str]) -> Option<&'a str> {
    get(v, path).and_then(|v| v.as_str())
}

/// The body's paragraphs (blank-line separated).
fn body_paragraphs(body: &str) -> Vec<String> {
    body.split("\n\n")
        .map(|p| p.split('\n').map(str::trim).collect::<Vec<_>>().join(""))
        .filter(|p| !p.is_empty())
        .collect()
}

const BODY_RPR: &str = r#"<w:rFonts w:eastAsia="仿宋_GB2312"/><w:sz w:val="32"/>"#;
const BYLINE_RPR: &str = r#"<w:rFonts w:eastAsia="楷体_GB2312"/><w:sz w:val="32"/>"#;
const COLUMN_RPR: &str = r#"<w:rFonts w:eastAsia="黑体"/><w:sz w:val="32"/>"#;

fn article(a: &toml::Value, out: &mut String) {
    if let Some(title) = a.get("title").and_then(|t| t.as_str()) {
        out.push_str(&para(r#"<w:pStyle w:val="Title"/>"#, &run(title, "")));
    }
    if let Some(body) = a.get("body").and_then(|b| b.as_str()) {
        for p in body_paragraphs(body) {
            out.push_str(&para(
                r#"<w:ind w:firstLineChars="200" w:firstLine="640"/>"#,
                &run(&p, BODY_RPR),
            ));
        }
    }
    if let Some(byline) = a.get("byline").and_then(|b| b.as_str()) {
        out.push_str(&para(
            r#"<w:jc w:val="right"/>"#,
            &run(&format!("（{byline}）"), BYLINE_RPR),
        ));
    }
}

/// The document.xml body of an issue.
fn document_body(issue: &toml::Value) -> String {
    let mut out = String::new();
    let red_rule =
        r#"<w:pBdr><w:bottom w:val="single" w:sz="18" w:space="4" w:color="FF0000"/></w:pBdr>"#;

    // The masthead.
    if let Some(above) = get_str(issue, &["bulletin", "above"]) {
        out.push_str(&para(
            r#"<w:jc w:val="center"/>"#,
            &run(
                above,
                r#"<w:b/><w:color w:val="FF0000"/><w:sz w:val="44"/>"#,
            ),
        ));
    }
    if let Some(name) = get_str(issue, &["bulletin", "name"]) {
        out.push_str(&para(r#"<w:pStyle w:val="Masthead"/>"#, &run(name, "")));
    }
    if let Some(n) = get(issue, &["issue", "number"]).and_then(|n| n.as_integer()) {
        out.push_str(&para(
            r#"<w:jc w:val="center"/>"#,
            &run(&format!("第{n}期"), BODY_RPR),
        ));
    }
    let office = get_str(issue, &["bulletin", "office"]).unwrap_or("");
    let date = get(issue, &["issue", "date"])
        .and_then(chinese_date)
        .unwrap_or_default();
    out.push_str(&para(
        &format!(r#"<w:tabs><w:tab w:val="right" w:pos="8840"/></w:tabs>{red_rule}"#),
        &format!(
            "{}<w:r><w:tab/></w:r>{}",
            run(office, BODY_RPR),
            run(&date, BODY_RPR)
        ),
    ));

    // Columns (or bare articles).
    let columns: Vec<&toml::Value> = issue
        .get("columns")
        .and_then(|c| c.as_array())
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    // The table of contents.
    if !columns.is_empty() {
        for c in &columns {
            if let Some(name) = c.get("name").and_then(|n| n.as_str()) {
                out.push_str(&para("", &run(&format!("【{name}】"), COLUMN_RPR)));
            }
            for a in c
                .get("articles")
                .and_then(|a| a.as_array())
                .into_iter()
                .flatten()
            {
                let title = a
                    .get("toc_title")
                    .or_else(|| a.get("title"))
                    .and_then(|t| t.as_str())
                    .unwrap_or("")
                    .replace('\n', "");
                out.push_str(&para(
                    r#"<w:ind w:left="640" w:hanging="480"/>"#,
                    &run(&format!("◆ {title}"), BODY_RPR),
                ));
            }
        }
        out.push_str(r#"<w:p><w:r><w:br w:type="page"/></w:r></w:p>"#);
    }
    for c in &columns {
        if let Some(name) = c.get("name").and_then(|n| n.as_str()) {
            out.push_str(&para("", &run(&format!("【{name}】"), COLUMN_RPR)));
        }
        for a in c
            .get("articles")
            .and_then(|a| a.as_array())
            .into_iter()
            .flatten()
        {
            article(a, &mut out);
        }
    }
    for a in issue
        .get("articles")
        .and_then(|a| a.as_array())
        .into_iter()
        .flatten()
    {
        article(a, &mut out);
    }

    // The footer, between rules.
    if let Some(footer) = issue.get("footer") {
        let rule = |side: &str| format!(r#"<w:{side} w:val="single" w:sz="8" w:space="1"/>"#);
        let mut lines = Vec::new();
        for (key, label) in [("bao", "报"), ("song", "送"), ("fa", "发")] {
            if let Some(v) = footer.get(key).and_then(|v| v.as_str()) {
                lines.push(format!("{label}：{v}"));
            }
        }
        let printer = footer.get("printer").and_then(|v| v.as_str()).unwrap_or("");
        let print_date = footer
            .get("print_date")
            .and_then(chinese_date)
            .unwrap_or_else(|| date.clone());
        lines.push(format!("{printer}　　{print_date}印发"));
        let n = lines.len();
        for (i, line) in lines.iter().enumerate() {
            let mut sides = String::new();
            if i == 0 {
                sides.push_str(&rule("top"));
            }
            if i + 1 == n {
                sides.push_str(&rule("bottom"));
            }
            out.push_str(&para(
                &format!("<w:pBdr>{sides}</w:pBdr>"),
                &run(line, r#"<w:sz w:val="28"/>"#),
            ));
        }
    }
    out
}

const STYLES: &str = r#"<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:eastAsia="仿宋_GB2312"/><w:sz w:val="32"/></w:rPr></w:rPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/><w:pPr><w:jc w:val="both"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="a"/><w:pPr><w:jc w:val="center"/><w:spacing w:before="240" w:after="240"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:rFonts w:eastAsia="方正小标宋简体"/><w:sz w:val="44"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Masthead"><w:name w:val="报头"/><w:basedOn w:val="a"/><w:pPr><w:jc w:val="center"/></w:pPr><w:rPr><w:rFonts w:eastAsia="方正小标宋简体"/><w:b/><w:color w:val="FF0000"/><w:sz w:val="84"/></w:rPr></w:style>"#;

/// Writes a .docx (as bytes) from an issue file.
pub fn docx_from_issue(toml_path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(toml_path).expect("read the issue file");
    let issue: toml::Value = toml::from_str(&text).expect("parse the issue file");
    docx_from_value(&issue)
}

/// Writes a .docx (as bytes) from a parsed issue.
pub fn docx_from_value(issue: &toml::Value) -> Vec<u8> {
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {NS}><w:body>{}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588"/></w:sectPr></w:body></w:document>"#,
        document_body(issue)
    );
    let styles = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles {NS}>{STYLES}</w:styles>"#
    );
    let content_types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>"#;
    let root_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let doc_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

    let mut buf = Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in [
            ("[Content_Types].xml", content_types.to_string()),
            ("_rels/.rels", root_rels.to_string()),
            ("word/document.xml", document),
            ("word/_rels/document.xml.rels", doc_rels.to_string()),
            ("word/styles.xml", styles),
        ] {
            z.start_file(name, opts).expect("zip entry");
            z.write_all(data.as_bytes()).expect("zip write");
        }
        z.finish().expect("zip finish");
    }
    buf.into_inner()
}
