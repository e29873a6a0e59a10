//! Helpers shared by the integration tests: running the binary and the
//! poppler tools, parsing `pdftotext -bbox-layout`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_bulletin-pdf");

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs bulletin-pdf with the given arguments, without system fonts so that
/// results do not depend on the machine.
pub fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .arg("--no-system-fonts")
        .output()
        .expect("run bulletin-pdf")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs a poppler/qpdf tool; panics with a clear message when it is missing.
pub fn tool(name: &str, args: &[&str]) -> Output {
    Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("{name} is needed by the tests (apt-get install poppler-utils qpdf): {e}")
    })
}

pub fn tool_stdout(name: &str, args: &[&str]) -> String {
    let out = tool(name, args);
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}",
        stderr(&out)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// All text of a PDF, whitespace removed.
pub fn pdf_text_compact(pdf: &Path) -> String {
    let text = tool_stdout("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Removes the page numbers (— N —) from compact text.
pub fn without_page_numbers(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '—' {
            let digits = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if digits > 0 && chars.get(i + 1 + digits) == Some(&'—') {
                i += digits + 2;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// One line of `pdftotext -bbox-layout`.
#[derive(Debug, Clone)]
pub struct Line {
    pub page: usize,
    pub x_min: f64,
    pub y_min: f64,
    pub x_max: f64,
    pub y_max: f64,
    pub text: String,
}

fn attr(tag: &str, name: &str) -> f64 {
    let key = format!("{name}=\"");
    let start = tag.find(&key).expect("attribute") + key.len();
    let end = start + tag[start..].find('"').unwrap();
    tag[start..end].parse().unwrap()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Lines with their boxes, page by page (pages are 1-based).
pub fn bbox_lines(pdf: &Path) -> Vec<Line> {
    let xml = tool_stdout("pdftotext", &["-bbox-layout", pdf.to_str().unwrap(), "-"]);
    let mut lines = Vec::new();
    let mut page = 0;
    let mut cur: Option<Line> = None;
    for raw in xml.lines() {
        let t = raw.trim();
        if t.starts_with("<page ") {
            page += 1;
        } else if t.starts_with("<line ") {
            cur = Some(Line {
                page,
                x_min: attr(t, "xMin"),
                y_min: attr(t, "yMin"),
                x_max: attr(t, "xMax"),
                y_max: attr(t, "yMax"),
                text: String::new(),
            });
        } else if t.starts_with("<word ") {
            if let Some(line) = cur.as_mut() {
                let start = t.find('>').unwrap() + 1;
                let end = t.rfind("</word>").unwrap();
                line.text.push_str(&unescape(&t[start..end]));
            }
        } else if t.starts_with("</line>") {
            lines.extend(cur.take());
        }
    }
    lines
}

/// A minimal valid issue, with `extra` appended (more tables or articles).
pub fn minimal_issue(title: &str, body: &str, byline: &str) -> String {
    format!(
        r#"[bulletin]
name = "工作简报"
office = "协调小组办公室"

[issue]
number = 1
date = 2021-03-04

[[articles]]
title = {title}
body = {body}
byline = {byline}
"#,
        title = toml_str(title),
        body = toml_str(body),
        byline = toml_str(byline),
    )
}

/// A TOML literal for any string.
pub fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
pub mod catalogue;
pub mod docx;
pub mod pdf;
pub use pdf::pdf_of;
pub mod photos;
pub mod scan;
pub mod shape;

/// A layout folder `dir/name` that extends the bundled default: its
/// `main.typ` is `before`, the default's `main.typ`, then `after` (Typst).
pub fn layout_extending_default(dir: &Path, name: &str, before: &str, after: &str) -> PathBuf {
    let layout = dir.join(name);
    std::fs::create_dir_all(&layout).unwrap();
    std::fs::write(
        layout.join("layout.toml"),
        format!("name = \"{name}\"\nextends = \"default\"\n"),
    )
    .unwrap();
    let main =
        std::fs::read_to_string(root().join("crates/render/layouts/default/main.typ")).unwrap();
    std::fs::write(layout.join("main.typ"), format!("{before}{main}\n{after}")).unwrap();
    layout
}

/// The text of a child process's output without its terminal colours
/// (ANSI CSI sequences): text from outside, as a test reads it.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
    }
    out
}
