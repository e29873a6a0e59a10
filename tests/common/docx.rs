//! A generator of .docx files from issue files, for round-trip tests
//! (example → .docx → import → render): the bulletin as an office would
//! type it in Word: a red masthead (the line above the name, the name, 第 N
//! 期, the office and the date over a red rule), a table of contents, the
//! columns as 【栏目】 lines, centred titles in a title style, indented body
//! paragraphs, bylines on the right, and the footer (报/送/发, the printer
//! and the date) between rules.
//!
//! Rich bodies (docs/blocks.md) are written as Word writes them:
//! - tables as real `w:tbl` with borders, a `w:tblGrid` from `widths`,
//!   `gridSpan` for colspan, `vMerge` restart/continue for rowspan, header
//!   rows marked `w:tblHeader`; the caption (表N …) above in bold 黑体,
//!   centred, the `note` under the table; a CSV table is read from its file
//!   (relative to the issue file);
//! - figures as inline drawings (`word/media/…`, a relationship, `wp:extent`
//!   from the width, the height from the image's proportions), the caption
//!   (图N …) centred under it; PNG and JPEG are stored as they are; an SVG is
//!   stored as an SVG part (`asvg:svgBlip`, as Word 2016+ does) with a PNG
//!   fallback in the `a:blip`, drawn here from the SVG's rectangles and
//!   lines (enough for simple charts);
//! - a figure of two images (`images`) as two inline drawings in one centred
//!   paragraph, and under them one paragraph with both captions, each
//!   centred under its image by a centre tab stop;
//! - lists with Word numbering (`word/numbering.xml`: one abstractNum per
//!   list, decimal `%1.` with a nested `（%2）` level; bullets for an
//!   unnumbered list);
//! - footnotes (`[^KEY]`) as `w:footnoteReference` runs and
//!   `word/footnotes.xml`; `**emphasis**` as bold runs.
//!
//! [`docx_from_issue`] writes what the first round trips compared (no
//! marker, no 总第 N 期, no people or copies in the footer, the issue's date
//! as the print date when it has none); [`docx_from_issue_with`] with
//! [`Options::full`] writes those as well.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Cursor, Write};
use std::path::Path;

const NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" xmlns:asvg="http://schemas.microsoft.com/office/drawing/2016/SVG/main""#;

/// The type block's width (GB/T 9704: 156 mm), in mm and in twips.
const BLOCK_MM: f64 = 156.0;
const BLOCK_TWIPS: f64 = BLOCK_MM / 25.4 * 1440.0;
/// The gap between two images side by side, in mm.
const GAP_MM: f64 = 6.0;
const EMU_PER_MM: f64 = 36000.0;

/// What to write besides the body.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Also the marker (内部资料…), 总第 N 期, the footer's people
    /// (责任编辑：… 审核：…) and the copies (（共印 N 份）), and the print
    /// date only as the issue gives it.
    pub full: bool,
    /// The masthead and the footer laid out in borderless tables, as many
    /// offices' Word templates have them: the masthead's lines a row each
    /// (the office and the date in two cells), the footer's labels (报 送 发)
    /// in a cell of their own beside the value, the printer beside the date.
    pub tables: bool,
}

/// A borderless table: rows of cells, each cell one paragraph (its
/// paragraph properties and its runs).
fn borderless_table(rows: &[Vec<(String, String)>]) -> String {
    let none = ["top", "left", "bottom", "right", "insideH", "insideV"]
        .iter()
        .map(|side| format!(r#"<w:{side} w:val="nil"/>"#))
        .collect::<String>();
    let cols = rows.iter().map(Vec::len).max().unwrap_or(1);
    let width = (BLOCK_TWIPS / cols as f64) as u32;
    let mut out = format!(
        r#"<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/><w:tblBorders>{none}</w:tblBorders></w:tblPr><w:tblGrid>"#
    );
    for _ in 0..cols {
        out.push_str(&format!(r#"<w:gridCol w:w="{width}"/>"#));
    }
    out.push_str("</w:tblGrid>");
    for row in rows {
        out.push_str("<w:tr>");
        let span = cols + 1 - row.len();
        for (i, (ppr, runs)) in row.iter().enumerate() {
            let grid = if i == 0 && span > 1 {
                format!(r#"<w:gridSpan w:val="{span}"/>"#)
            } else {
                String::new()
            };
            out.push_str(&format!(
                "<w:tc><w:tcPr>{grid}</w:tcPr>{}</w:tc>",
                para(ppr, runs)
            ));
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
    out
}

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

/// Run properties made bold (`w:b` after the fonts, as Word orders them).
fn bold(rpr: &str) -> String {
    match rpr.find("/>") {
        Some(i) if rpr.starts_with("<w:rFonts") => {
            format!("{}<w:b/>{}", &rpr[..i + 2], &rpr[i + 2..])
        }
        _ => format!("<w:b/>{rpr}"),
    }
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

/// A table cell, a list item or a number as text: numbers as TOML reads
/// them (3, 1.5).
fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Table(t) => t.get("text").map(value_text).unwrap_or_default(),
        v => v.to_string(),
    }
}

const BODY_RPR: &str = r#"<w:rFonts w:eastAsia="仿宋_GB2312"/><w:sz w:val="32"/>"#;
const BYLINE_RPR: &str = r#"<w:rFonts w:eastAsia="楷体_GB2312"/><w:sz w:val="32"/>"#;
const COLUMN_RPR: &str = r#"<w:rFonts w:eastAsia="黑体"/><w:sz w:val="32"/>"#;
const TABLE_CAPTION_RPR: &str = r#"<w:rFonts w:eastAsia="黑体"/><w:b/><w:sz w:val="28"/>"#;
const CELL_RPR: &str = r#"<w:rFonts w:eastAsia="仿宋_GB2312"/><w:sz w:val="24"/>"#;
const NOTE_RPR: &str = r#"<w:rFonts w:eastAsia="仿宋_GB2312"/><w:sz w:val="24"/>"#;
const FIGURE_CAPTION_RPR: &str = r#"<w:rFonts w:eastAsia="楷体_GB2312"/><w:sz w:val="28"/>"#;
const BODY_PPR: &str = r#"<w:ind w:firstLineChars="200" w:firstLine="640"/>"#;

/// An image part: its bytes, extension and size in pixels (or SVG units).
struct Picture {
    data: Vec<u8>,
    ext: &'static str,
    px: (f64, f64),
}

/// The writer's state: the parts it adds besides document.xml.
struct Gen<'a> {
    /// The issue file's folder (images and CSV files are relative to it).
    base: Option<&'a Path>,
    opts: Options,
    /// (part name under word/, bytes).
    media: Vec<(String, Vec<u8>)>,
    /// (id, type suffix, target) of document.xml's relationships.
    rels: Vec<(String, &'static str, String)>,
    /// Footnotes: (id, text).
    footnotes: Vec<(u32, String)>,
    /// Lists: numbered or not (list i is numId i + 1, abstractNum i).
    lists: Vec<bool>,
    drawings: u32,
}

impl Gen<'_> {
    fn rel(&mut self, kind: &'static str, target: String) -> String {
        let id = format!("rId{}", self.rels.len() + 1);
        self.rels.push((id.clone(), kind, target));
        id
    }

    /// Runs for text with `**emphasis**` and `[^KEY]` references (to the
    /// article's `footnotes`; `ids` keeps a key's note id in the article).
    fn inline(
        &mut self,
        text: &str,
        rpr: &str,
        notes: Option<&toml::Value>,
        ids: &mut HashMap<String, u32>,
    ) -> String {
        let mut out = String::new();
        let mut strong = false;
        let mut rest = text;
        loop {
            let star = rest.find("**");
            let note = rest.find("[^").filter(|&i| rest[i..].contains(']'));
            let next = match (star, note) {
                (Some(s), Some(n)) => s.min(n),
                (Some(s), None) => s,
                (None, Some(n)) => n,
                (None, None) => break,
            };
            let here = if strong { bold(rpr) } else { rpr.to_string() };
            out.push_str(&run(&rest[..next], &here));
            if Some(next) == star {
                strong = !strong;
                rest = &rest[next + 2..];
                continue;
            }
            let end = next + rest[next..].find(']').unwrap();
            let key = &rest[next + 2..end];
            let text = notes
                .and_then(|n| n.get(key))
                .map(value_text)
                .unwrap_or_default();
            let id = match ids.get(key) {
                Some(&id) => id,
                None => {
                    let id = self.footnotes.len() as u32 + 1;
                    self.footnotes.push((id, text));
                    ids.insert(key.to_string(), id);
                    id
                }
            };
            out.push_str(&format!(
                r#"<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="{id}"/></w:r>"#
            ));
            rest = &rest[end + 1..];
        }
        let here = if strong { bold(rpr) } else { rpr.to_string() };
        out.push_str(&run(rest, &here));
        out
    }

    fn article(&mut self, a: &toml::Value, out: &mut String) {
        if let Some(title) = a.get("title").and_then(|t| t.as_str()) {
            out.push_str(&para(r#"<w:pStyle w:val="Title"/>"#, &run(title, "")));
        }
        let notes = a.get("footnotes");
        let mut ids = HashMap::new();
        match a.get("body") {
            Some(toml::Value::String(body)) => {
                for p in body_paragraphs(body) {
                    let runs = self.inline(&p, BODY_RPR, notes, &mut ids);
                    out.push_str(&para(BODY_PPR, &runs));
                }
            }
            Some(toml::Value::Array(blocks)) => {
                for b in blocks {
                    self.block(b, notes, &mut ids, out);
                }
            }
            _ => {}
        }
        if let Some(byline) = a.get("byline").and_then(|b| b.as_str()) {
            out.push_str(&para(
                r#"<w:jc w:val="right"/>"#,
                &run(&format!("（{byline}）"), BYLINE_RPR),
            ));
        }
    }

    fn block(
        &mut self,
        b: &toml::Value,
        notes: Option<&toml::Value>,
        ids: &mut HashMap<String, u32>,
        out: &mut String,
    ) {
        if let Some(text) = b.get("text").and_then(|t| t.as_str()) {
            for p in body_paragraphs(text) {
                let runs = self.inline(&p, BODY_RPR, notes, ids);
                out.push_str(&para(BODY_PPR, &runs));
            }
        } else if b.get("rows").is_some() || b.get("csv").is_some() {
            self.table(b, notes, ids, out);
        } else if let Some(img) = b.get("image").and_then(|i| i.as_str()) {
            let width = b.get("width").and_then(width_mm).unwrap_or(BLOCK_MM);
            let caption = b.get("caption").and_then(|c| c.as_str());
            if let Some(d) = self.drawing(img, width) {
                out.push_str(&para(r#"<w:keepNext/><w:jc w:val="center"/>"#, &d));
            }
            if let Some(c) = caption {
                out.push_str(&para(
                    r#"<w:jc w:val="center"/>"#,
                    &run(c, FIGURE_CAPTION_RPR),
                ));
            }
        } else if let Some(images) = b.get("images").and_then(|i| i.as_array()) {
            let n = images.len().max(1) as f64;
            let each = b
                .get("width")
                .and_then(width_mm)
                .map(|w| w / n)
                .unwrap_or((BLOCK_MM - GAP_MM * (n - 1.0)) / n);
            let mut runs = String::new();
            let mut captions = Vec::new();
            for (i, im) in images.iter().enumerate() {
                let Some(path) = im.get("image").and_then(|p| p.as_str()) else {
                    continue;
                };
                if i > 0 {
                    // The gap: spaces in a run, as typed.
                    runs.push_str(&run("  ", ""));
                }
                runs.push_str(&self.drawing(path, each).unwrap_or_default());
                captions.push(
                    im.get("caption")
                        .and_then(|c| c.as_str())
                        .unwrap_or("")
                        .to_string(),
                );
            }
            out.push_str(&para(r#"<w:keepNext/><w:jc w:val="center"/>"#, &runs));
            if captions.iter().any(|c| !c.is_empty()) {
                // One centre tab stop under the middle of each image.
                let mut tabs = String::new();
                let mut cap_runs = String::new();
                for (i, c) in captions.iter().enumerate() {
                    let mid = (i as f64 * (each + GAP_MM) + each / 2.0) / 25.4 * 1440.0;
                    tabs.push_str(&format!(
                        r#"<w:tab w:val="center" w:pos="{}"/>"#,
                        mid.round()
                    ));
                    cap_runs.push_str("<w:r><w:tab/></w:r>");
                    cap_runs.push_str(&run(c, FIGURE_CAPTION_RPR));
                }
                out.push_str(&para(&format!("<w:tabs>{tabs}</w:tabs>"), &cap_runs));
            }
        } else if let Some(items) = b.get("items").and_then(|i| i.as_array()) {
            let numbered = b.get("numbered").and_then(|n| n.as_bool()).unwrap_or(false);
            self.lists.push(numbered);
            let num_id = self.lists.len();
            self.items(items, 0, num_id, notes, ids, out);
        }
    }

    fn items(
        &mut self,
        items: &[toml::Value],
        level: usize,
        num_id: usize,
        notes: Option<&toml::Value>,
        ids: &mut HashMap<String, u32>,
        out: &mut String,
    ) {
        for it in items {
            let text = value_text(it);
            let runs = self.inline(&text, BODY_RPR, notes, ids);
            out.push_str(&para(
                &format!(
                    r#"<w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="{}"/><w:numId w:val="{num_id}"/></w:numPr>"#,
                    level.min(8)
                ),
                &runs,
            ));
            if let Some(sub) = it.get("items").and_then(|s| s.as_array()) {
                self.items(sub, level + 1, num_id, notes, ids, out);
            }
        }
    }

    fn table(
        &mut self,
        b: &toml::Value,
        notes: Option<&toml::Value>,
        ids: &mut HashMap<String, u32>,
        out: &mut String,
    ) {
        // The rows: header then body, as the issue gives them or from CSV.
        let mut rows: Vec<Vec<toml::Value>> = Vec::new();
        let header_rows;
        if let Some(csv_path) = b.get("csv").and_then(|c| c.as_str()) {
            let Some(base) = self.base else {
                // Without the issue's folder there is no CSV to read: the
                // caption and the note stand for the table.
                for key in ["caption", "note"] {
                    if let Some(t) = b.get(key).and_then(|c| c.as_str()) {
                        let runs = self.inline(t, BODY_RPR, notes, ids);
                        out.push_str(&para(BODY_PPR, &runs));
                    }
                }
                return;
            };
            let path = base.join(csv_path);
            let bytes =
                std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(bytes);
            for rec in r.records() {
                let rec = rec.expect("a CSV record");
                rows.push(
                    rec.iter()
                        .map(|f| toml::Value::String(f.to_string()))
                        .collect(),
                );
            }
            header_rows = b
                .get("header_rows")
                .and_then(|h| h.as_integer())
                .unwrap_or(1) as usize;
        } else {
            let header: Vec<Vec<toml::Value>> = b
                .get("header")
                .and_then(|h| h.as_array())
                .map(|h| {
                    h.iter()
                        .map(|r| r.as_array().cloned().unwrap_or_default())
                        .collect()
                })
                .unwrap_or_default();
            header_rows = header.len();
            rows.extend(header);
            for r in b
                .get("rows")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
            {
                rows.push(r.as_array().cloned().unwrap_or_default());
            }
        }
        let span = |c: &toml::Value, k: &str| {
            c.get(k).and_then(|v| v.as_integer()).unwrap_or(1).max(1) as usize
        };
        let ncols = rows
            .first()
            .map(|r| r.iter().map(|c| span(c, "colspan")).sum::<usize>())
            .unwrap_or(0)
            .max(1);
        let weights: Vec<f64> = match b.get("widths").and_then(|w| w.as_array()) {
            Some(w) if w.len() == ncols => w
                .iter()
                .map(|v| {
                    v.as_float()
                        .or(v.as_integer().map(|i| i as f64))
                        .unwrap_or(1.0)
                })
                .collect(),
            _ => vec![1.0; ncols],
        };
        let total: f64 = weights.iter().sum();
        let widths: Vec<u32> = weights
            .iter()
            .map(|w| (w / total * BLOCK_TWIPS).round() as u32)
            .collect();
        let align: Vec<String> = b
            .get("align")
            .and_then(|a| a.as_array())
            .map(|a| a.iter().map(value_text).collect())
            .unwrap_or_default();
        let jc = |a: &str| match a {
            "right" => "right",
            "center" | "centre" => "center",
            _ => "left",
        };

        if let Some(caption) = b.get("caption").and_then(|c| c.as_str()) {
            out.push_str(&para(
                r#"<w:keepNext/><w:jc w:val="center"/>"#,
                &run(caption, TABLE_CAPTION_RPR),
            ));
        }
        let border = |side: &str| {
            format!(r#"<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>"#)
        };
        out.push_str(&format!(
            r#"<w:tbl><w:tblPr><w:tblW w:w="5000" w:type="pct"/><w:jc w:val="center"/><w:tblBorders>{}{}{}{}{}{}</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>"#,
            border("top"),
            border("left"),
            border("bottom"),
            border("right"),
            border("insideH"),
            border("insideV"),
        ));
        for w in &widths {
            out.push_str(&format!(r#"<w:gridCol w:w="{w}"/>"#));
        }
        out.push_str("</w:tblGrid>");
        // Rows still covered by a cell above: at its first grid column,
        // (rows left, its colspan).
        let mut covered: Vec<Option<(usize, usize)>> = vec![None; ncols];
        for (r, row) in rows.iter().enumerate() {
            let header = r < header_rows;
            out.push_str("<w:tr>");
            if header {
                out.push_str("<w:trPr><w:tblHeader/></w:trPr>");
            }
            let mut cells = row.iter();
            let mut col = 0;
            while col < ncols {
                let cell_w = |from: usize, n: usize| -> u32 {
                    widths[from..(from + n).min(ncols)].iter().sum()
                };
                if let Some((left, cs)) = covered[col] {
                    covered[col] = (left > 1).then_some((left - 1, cs));
                    out.push_str(&format!(
                        r#"<w:tc><w:tcPr><w:tcW w:w="{}" w:type="dxa"/>{}<w:vMerge/><w:vAlign w:val="center"/></w:tcPr><w:p/></w:tc>"#,
                        cell_w(col, cs),
                        if cs > 1 { format!(r#"<w:gridSpan w:val="{cs}"/>"#) } else { String::new() },
                    ));
                    col += cs;
                    continue;
                }
                let (cs, rs, text, cell_align) = match cells.next() {
                    Some(c) => (
                        span(c, "colspan").min(ncols - col),
                        span(c, "rowspan"),
                        value_text(c),
                        c.get("align").and_then(|a| a.as_str()).map(String::from),
                    ),
                    // A short row: filled with empty cells, as Word keeps
                    // the grid.
                    None => (1, 1, String::new(), None),
                };
                let vmerge = if rs > 1 {
                    covered[col] = Some((rs - 1, cs));
                    r#"<w:vMerge w:val="restart"/>"#
                } else {
                    ""
                };
                let a = cell_align.unwrap_or_else(|| {
                    if header {
                        "center".into()
                    } else {
                        align.get(col).cloned().unwrap_or_default()
                    }
                });
                let rpr = if header {
                    bold(CELL_RPR)
                } else {
                    CELL_RPR.to_string()
                };
                let runs = self.inline(&text, &rpr, notes, ids);
                out.push_str(&format!(
                    r#"<w:tc><w:tcPr><w:tcW w:w="{}" w:type="dxa"/>{}{vmerge}<w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:jc w:val="{}"/></w:pPr>{runs}</w:p></w:tc>"#,
                    cell_w(col, cs),
                    if cs > 1 { format!(r#"<w:gridSpan w:val="{cs}"/>"#) } else { String::new() },
                    jc(&a),
                ));
                col += cs;
            }
            out.push_str("</w:tr>");
        }
        out.push_str("</w:tbl>");
        if let Some(note) = b.get("note").and_then(|n| n.as_str()) {
            let runs = self.inline(note, NOTE_RPR, notes, ids);
            out.push_str(&para("", &runs));
        }
    }

    /// Reads an image of the issue.
    fn picture(&self, rel: &str) -> Option<Picture> {
        let path = self.base?.join(rel);
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let lower = rel.to_ascii_lowercase();
        if lower.ends_with(".svg") {
            let px = svg_size(&String::from_utf8_lossy(&data)).unwrap_or((400.0, 300.0));
            return Some(Picture {
                data,
                ext: "svg",
                px,
            });
        }
        let ext = if lower.ends_with(".png") {
            "png"
        } else {
            "jpeg"
        };
        let (w, h) = image::ImageReader::new(Cursor::new(&data))
            .with_guessed_format()
            .ok()?
            .into_dimensions()
            .ok()?;
        Some(Picture {
            data,
            ext,
            px: (f64::from(w), f64::from(h)),
        })
    }

    /// An inline drawing of an image `width_mm` wide (a run), or None when
    /// the image cannot be read (no issue folder).
    fn drawing(&mut self, rel: &str, width_mm: f64) -> Option<String> {
        let pic = self.picture(rel)?;
        self.drawings += 1;
        let n = self.drawings;
        let cx = (width_mm * EMU_PER_MM).round() as u64;
        let cy = (width_mm * pic.px.1 / pic.px.0 * EMU_PER_MM).round() as u64;
        let (blip, svg) = if pic.ext == "svg" {
            let png = svg_fallback_png(&String::from_utf8_lossy(&pic.data), pic.px);
            let png_name = format!("media/image{n}.png");
            let svg_name = format!("media/image{n}.svg");
            self.media.push((png_name.clone(), png));
            self.media.push((svg_name.clone(), pic.data));
            (
                self.rel("/image", png_name),
                Some(self.rel("/image", svg_name)),
            )
        } else {
            let name = format!("media/image{n}.{}", pic.ext);
            self.media.push((name.clone(), pic.data));
            (self.rel("/image", name), None)
        };
        let ext_lst = svg
            .map(|id| {
                format!(
                    r#"<a:extLst><a:ext uri="{{96DAC541-7B7A-43D3-8B79-37D633B846F1}}"><asvg:svgBlip r:embed="{id}"/></a:ext></a:extLst>"#
                )
            })
            .unwrap_or_default();
        Some(format!(
            r#"<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:docPr id="{n}" name="图片 {n}"/><wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="{n}" name="图片 {n}"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="{blip}">{ext_lst}</a:blip><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"#
        ))
    }
}

/// A figure's width in mm: "120mm", "12cm", "300pt", "4in", or a fraction
/// of the type block.
fn width_mm(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Float(f) => Some(f * BLOCK_MM),
        toml::Value::Integer(i) => Some(*i as f64 * BLOCK_MM),
        toml::Value::String(s) => {
            let s = s.trim();
            for (unit, mm) in [("mm", 1.0), ("cm", 10.0), ("pt", 25.4 / 72.0), ("in", 25.4)] {
                if let Some(n) = s.strip_suffix(unit) {
                    return n.trim().parse::<f64>().ok().map(|n| n * mm);
                }
            }
            if let Some(n) = s.strip_suffix('%') {
                return n.trim().parse::<f64>().ok().map(|n| n / 100.0 * BLOCK_MM);
            }
            None
        }
        _ => None,
    }
}

/// The value of an XML attribute in a tag's text (the SVGs here are simple).
fn xml_attr<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = start + tag[start..].find('"')?;
    Some(&tag[start..end])
}

/// An SVG's size: its width and height, or its viewBox.
fn svg_size(svg: &str) -> Option<(f64, f64)> {
    let start = svg.find("<svg")?;
    let tag = &svg[start..start + svg[start..].find('>')?];
    let num = |s: &str| s.trim_end_matches("px").parse::<f64>().ok();
    if let (Some(w), Some(h)) = (
        xml_attr(tag, "width").and_then(num),
        xml_attr(tag, "height").and_then(num),
    ) {
        return Some((w, h));
    }
    let vb: Vec<f64> = xml_attr(tag, "viewBox")?
        .split([' ', ','])
        .filter_map(|v| v.parse().ok())
        .collect();
    (vb.len() == 4).then(|| (vb[2], vb[3]))
}

/// The PNG fallback of an SVG, as Word stores beside it: the SVG's `rect`
/// and `line` elements drawn (fill and stroke from the element or its
/// group), which is what the bundled chart is made of; anything else is
/// left out of the fallback (the SVG part keeps it).
fn svg_fallback_png(svg: &str, (w, h): (f64, f64)) -> Vec<u8> {
    use tiny_skia::{Color, Paint, PathBuilder, Pixmap, Rect, Stroke, Transform};
    let (pw, ph) = (w.round().max(1.0) as u32, h.round().max(1.0) as u32);
    let mut pixmap = Pixmap::new(pw, ph).expect("a pixmap");
    pixmap.fill(Color::WHITE);
    let colour = |s: &str| -> Option<Color> {
        let hex = s.strip_prefix('#')?;
        let v = u32::from_str_radix(hex, 16).ok()?;
        let (r, g, b) = if hex.len() == 3 {
            (((v >> 8) & 15) * 17, ((v >> 4) & 15) * 17, (v & 15) * 17)
        } else {
            ((v >> 16) & 255, (v >> 8) & 255, v & 255)
        };
        Some(Color::from_rgba8(r as u8, g as u8, b as u8, 255))
    };
    let num = |tag: &str, k: &str| xml_attr(tag, k).and_then(|v| v.parse::<f32>().ok());
    // The groups' fill and stroke, innermost last.
    let mut groups: Vec<(Option<String>, Option<String>, Option<f32>)> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        let Some(j) = rest[i..].find('>') else { break };
        let tag = &rest[i..i + j + 1];
        rest = &rest[i + j + 1..];
        let inherited = |k: usize| -> Option<String> {
            groups.iter().rev().find_map(|g| match k {
                0 => g.0.clone(),
                _ => g.1.clone(),
            })
        };
        let fill = xml_attr(tag, "fill")
            .map(String::from)
            .or_else(|| inherited(0));
        let stroke = xml_attr(tag, "stroke")
            .map(String::from)
            .or_else(|| inherited(1));
        let stroke_w = num(tag, "stroke-width")
            .or_else(|| groups.iter().rev().find_map(|g| g.2))
            .unwrap_or(1.0);
        if tag.starts_with("<g") {
            groups.push((
                xml_attr(tag, "fill").map(String::from),
                xml_attr(tag, "stroke").map(String::from),
                num(tag, "stroke-width"),
            ));
        } else if tag.starts_with("</g") {
            groups.pop();
        } else if tag.starts_with("<rect") {
            let (Some(x), Some(y), Some(rw), Some(rh)) = (
                num(tag, "x").or(Some(0.0)),
                num(tag, "y").or(Some(0.0)),
                num(tag, "width"),
                num(tag, "height"),
            ) else {
                continue;
            };
            if let (Some(c), Some(r)) = (
                fill.as_deref().and_then(colour),
                Rect::from_xywh(x, y, rw, rh),
            ) {
                let mut paint = Paint::default();
                paint.set_color(c);
                pixmap.fill_rect(r, &paint, Transform::identity(), None);
            }
        } else if tag.starts_with("<line") {
            let (Some(x1), Some(y1), Some(x2), Some(y2)) = (
                num(tag, "x1"),
                num(tag, "y1"),
                num(tag, "x2"),
                num(tag, "y2"),
            ) else {
                continue;
            };
            let Some(c) = stroke.as_deref().and_then(colour) else {
                continue;
            };
            let mut pb = PathBuilder::new();
            pb.move_to(x1, y1);
            pb.line_to(x2, y2);
            if let Some(path) = pb.finish() {
                let mut paint = Paint::default();
                paint.set_color(c);
                let stroke = Stroke {
                    width: stroke_w,
                    ..Stroke::default()
                };
                pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
            }
        }
    }
    pixmap.encode_png().expect("encode the fallback PNG")
}

impl Gen<'_> {
    /// The document.xml body of an issue.
    fn document_body(&mut self, issue: &toml::Value) -> String {
        let mut out = String::new();
        let red_rule =
            r#"<w:pBdr><w:bottom w:val="single" w:sz="18" w:space="4" w:color="FF0000"/></w:pBdr>"#;

        // The masthead.
        let mut head: Vec<(String, String)> = Vec::new();
        if self.opts.full {
            if let Some(marker) = get_str(issue, &["bulletin", "marker"]) {
                head.push((String::new(), run(marker, COLUMN_RPR)));
            }
        }
        if let Some(above) = get_str(issue, &["bulletin", "above"]) {
            head.push((
                r#"<w:jc w:val="center"/>"#.into(),
                run(
                    above,
                    r#"<w:b/><w:color w:val="FF0000"/><w:sz w:val="44"/>"#,
                ),
            ));
        }
        if let Some(name) = get_str(issue, &["bulletin", "name"]) {
            head.push((r#"<w:pStyle w:val="Masthead"/>"#.into(), run(name, "")));
        }
        if let Some(n) = get(issue, &["issue", "number"]).and_then(|n| n.as_integer()) {
            let total = get(issue, &["issue", "total"])
                .and_then(|n| n.as_integer())
                .filter(|_| self.opts.full)
                .map(|t| format!("（总第{t}期）"))
                .unwrap_or_default();
            head.push((
                r#"<w:jc w:val="center"/>"#.into(),
                run(&format!("第{n}期{total}"), BODY_RPR),
            ));
        }
        let office = get_str(issue, &["bulletin", "office"]).unwrap_or("");
        let date = get(issue, &["issue", "date"])
            .and_then(chinese_date)
            .unwrap_or_default();
        if self.opts.tables {
            let mut rows: Vec<Vec<(String, String)>> = head.into_iter().map(|c| vec![c]).collect();
            rows.push(vec![
                (String::new(), run(office, BODY_RPR)),
                (r#"<w:jc w:val="right"/>"#.into(), run(&date, BODY_RPR)),
            ]);
            out.push_str(&borderless_table(&rows));
            out.push_str(&para(red_rule, ""));
        } else {
            for (ppr, runs) in head {
                out.push_str(&para(&ppr, &runs));
            }
            out.push_str(&para(
                &format!(r#"<w:tabs><w:tab w:val="right" w:pos="8840"/></w:tabs>{red_rule}"#),
                &format!(
                    "{}<w:r><w:tab/></w:r>{}",
                    run(office, BODY_RPR),
                    run(&date, BODY_RPR)
                ),
            ));
        }

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
                self.article(a, &mut out);
            }
        }
        for a in issue
            .get("articles")
            .and_then(|a| a.as_array())
            .into_iter()
            .flatten()
        {
            self.article(a, &mut out);
        }

        // The footer, between rules.
        if let Some(footer) = issue.get("footer") {
            let rule = |side: &str| format!(r#"<w:{side} w:val="single" w:sz="8" w:space="1"/>"#);
            let mut lines = Vec::new();
            // In a table: (label, value) rows.
            let mut rows: Vec<Vec<String>> = Vec::new();
            for (key, label) in [("bao", "报"), ("song", "送"), ("fa", "发")] {
                if let Some(v) = footer.get(key).and_then(|v| v.as_str()) {
                    lines.push(format!("{label}：{v}"));
                    rows.push(vec![label.to_string(), v.to_string()]);
                }
            }
            if self.opts.full {
                let people: Vec<String> = [
                    ("editor", "责任编辑"),
                    ("proofreader", "校对"),
                    ("reviewer", "审核"),
                    ("approver", "签发"),
                ]
                .iter()
                .filter_map(|(k, label)| {
                    footer
                        .get(*k)
                        .and_then(|v| v.as_str())
                        .map(|v| format!("{label}：{v}"))
                })
                .collect();
                if !people.is_empty() {
                    lines.push(people.join("　　"));
                    rows.push(vec![people.join("　　")]);
                }
            }
            let printer = footer.get("printer").and_then(|v| v.as_str()).unwrap_or("");
            let print_date = match footer.get("print_date").and_then(chinese_date) {
                Some(d) => d,
                None if self.opts.full => String::new(),
                None => date.clone(),
            };
            let print_line = if print_date.is_empty() {
                printer.to_string()
            } else if printer.is_empty() {
                format!("{print_date}印发")
            } else {
                format!("{printer}　　{print_date}印发")
            };
            if !print_line.is_empty() {
                lines.push(print_line);
                rows.push(match (printer.is_empty(), print_date.is_empty()) {
                    (false, false) => vec![printer.to_string(), format!("{print_date}印发")],
                    _ => vec![lines.last().cloned().unwrap_or_default()],
                });
            }
            if self.opts.full {
                if let Some(c) = footer.get("copies").and_then(|c| c.as_integer()) {
                    lines.push(format!("（共印{c}份）"));
                    rows.push(vec![format!("（共印{c}份）")]);
                }
            }
            if self.opts.tables {
                let rpr = r#"<w:sz w:val="28"/>"#;
                let rows: Vec<Vec<(String, String)>> = rows
                    .iter()
                    .map(|r| r.iter().map(|t| (String::new(), run(t, rpr))).collect())
                    .collect();
                out.push_str(&borderless_table(&rows));
                return out;
            }
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
}

const STYLES: &str = r#"<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:eastAsia="仿宋_GB2312"/><w:sz w:val="32"/></w:rPr></w:rPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/><w:pPr><w:jc w:val="both"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="a"/><w:pPr><w:jc w:val="center"/><w:spacing w:before="240" w:after="240"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:rFonts w:eastAsia="方正小标宋简体"/><w:sz w:val="44"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Masthead"><w:name w:val="报头"/><w:basedOn w:val="a"/><w:pPr><w:jc w:val="center"/></w:pPr><w:rPr><w:rFonts w:eastAsia="方正小标宋简体"/><w:b/><w:color w:val="FF0000"/><w:sz w:val="84"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="a"/><w:pPr><w:ind w:firstLineChars="200" w:firstLine="420"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="FootnoteText"><w:name w:val="footnote text"/><w:basedOn w:val="a"/><w:pPr><w:snapToGrid w:val="0"/><w:jc w:val="left"/></w:pPr><w:rPr><w:sz w:val="18"/></w:rPr></w:style>
<w:style w:type="character" w:styleId="FootnoteReference"><w:name w:val="footnote reference"/><w:rPr><w:vertAlign w:val="superscript"/></w:rPr></w:style>"#;

/// numbering.xml: one abstractNum (and num) per list.
fn numbering_xml(lists: &[bool]) -> String {
    let mut abs = String::new();
    let mut nums = String::new();
    for (i, &numbered) in lists.iter().enumerate() {
        abs.push_str(&format!(
            r#"<w:abstractNum w:abstractNumId="{i}"><w:multiLevelType w:val="hybridMultilevel"/>"#
        ));
        for l in 0..9 {
            let (fmt, text) = match (numbered, l) {
                (true, 0) => ("decimal", "%1.".to_string()),
                (true, 1) => ("decimal", "（%2）".to_string()),
                (true, l) => ("decimal", format!("%{}.", l + 1)),
                (false, l) if l % 2 == 0 => ("bullet", "●".to_string()),
                (false, _) => ("bullet", "○".to_string()),
            };
            let left = 1060 + 420 * l;
            abs.push_str(&format!(
                r#"<w:lvl w:ilvl="{l}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{left}" w:hanging="420"/></w:pPr></w:lvl>"#
            ));
        }
        abs.push_str("</w:abstractNum>");
        nums.push_str(&format!(
            r#"<w:num w:numId="{}"><w:abstractNumId w:val="{i}"/></w:num>"#,
            i + 1
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering {NS}>{abs}{nums}</w:numbering>"#
    )
}

/// footnotes.xml: the separators, then the notes.
fn footnotes_xml(notes: &[(u32, String)]) -> String {
    let mut out = String::from(
        r#"<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>"#,
    );
    for (id, text) in notes {
        out.push_str(&format!(
            r#"<w:footnote w:id="{id}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr><w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>{}</w:p></w:footnote>"#,
            run(&format!(" {text}"), "")
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:footnotes {NS}>{out}</w:footnotes>"#
    )
}

/// Writes a .docx (as bytes) from an issue file: what the first round
/// trips compare (see the module's documentation).
pub fn docx_from_issue(toml_path: &Path) -> Vec<u8> {
    docx_from_issue_with(toml_path, Options::default())
}

/// Writes a .docx (as bytes) from an issue file; images and CSV files are
/// read relative to it.
pub fn docx_from_issue_with(toml_path: &Path, opts: Options) -> Vec<u8> {
    let text = std::fs::read_to_string(toml_path).expect("read the issue file");
    let issue: toml::Value = toml::from_str(&text).expect("parse the issue file");
    write_docx(&issue, toml_path.parent(), opts)
}

/// Writes a .docx (as bytes) from a parsed issue (without its folder:
/// figures are written as their captions, a CSV table as its caption and
/// note).
pub fn docx_from_value(issue: &toml::Value) -> Vec<u8> {
    write_docx(issue, None, Options::default())
}

/// Writes a .docx (as bytes) from a parsed issue whose images and CSV files
/// are relative to `base` (the issue file's folder).
pub fn docx_from_value_in(issue: &toml::Value, base: &Path, opts: Options) -> Vec<u8> {
    write_docx(issue, Some(base), opts)
}

fn write_docx(issue: &toml::Value, base: Option<&Path>, opts: Options) -> Vec<u8> {
    let mut g = Gen {
        base,
        opts,
        media: Vec::new(),
        rels: Vec::new(),
        footnotes: Vec::new(),
        lists: Vec::new(),
        drawings: 0,
    };
    g.rel("/styles", "styles.xml".into());
    let body = g.document_body(issue);
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {NS}><w:body>{body}<w:sectPr><w:footnotePr><w:numFmt w:val="decimalEnclosedCircleChinese"/></w:footnotePr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588"/></w:sectPr></w:body></w:document>"#
    );
    let styles = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles {NS}>{STYLES}</w:styles>"#
    );
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    let mut overrides = String::new();
    if !g.lists.is_empty() {
        g.rel("/numbering", "numbering.xml".into());
        parts.push((
            "word/numbering.xml".into(),
            numbering_xml(&g.lists).into_bytes(),
        ));
        overrides.push_str(r#"<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>"#);
    }
    if !g.footnotes.is_empty() {
        g.rel("/footnotes", "footnotes.xml".into());
        parts.push((
            "word/footnotes.xml".into(),
            footnotes_xml(&g.footnotes).into_bytes(),
        ));
        overrides.push_str(r#"<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>"#);
    }
    let content_types = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Default Extension="jpeg" ContentType="image/jpeg"/><Default Extension="svg" ContentType="image/svg+xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>{overrides}</Types>"#
    );
    let root_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let doc_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>"#,
        g.rels
            .iter()
            .map(|(id, kind, target)| format!(
                r#"<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships{kind}" Target="{target}"/>"#
            ))
            .collect::<String>()
    );
    for (name, data) in std::mem::take(&mut g.media) {
        parts.push((format!("word/{name}"), data));
    }

    let mut buf = Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let fixed = [
            (
                "[Content_Types].xml".to_string(),
                content_types.into_bytes(),
            ),
            ("_rels/.rels".to_string(), root_rels.as_bytes().to_vec()),
            ("word/document.xml".to_string(), document.into_bytes()),
            (
                "word/_rels/document.xml.rels".to_string(),
                doc_rels.into_bytes(),
            ),
            ("word/styles.xml".to_string(), styles.into_bytes()),
        ];
        for (name, data) in fixed.into_iter().chain(parts) {
            z.start_file(name, opts).expect("zip entry");
            z.write_all(&data).expect("zip write");
        }
        z.finish().expect("zip finish");
    }
    buf.into_inner()
}
