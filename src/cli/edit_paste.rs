//! Paste from Word or WPS into the editor: the clipboard's HTML read as a
//! document (`bulletin_import::doc::Doc`: paragraphs with their hints, list
//! items, tables), then either the blocks of a body (paragraphs, lists,
//! tables, with the importer's punctuation repairs) or, for a whole
//! bulletin pasted into an empty issue, the issue the importer recognises
//! in it (masthead, columns, articles, footer).
//!
//! [`read_html`] is the one place that reads the HTML. It is a small reader
//! of the clipboard's block structure written for the editor; the
//! importer's own HTML reader (`bulletin_import::html::read_str`) is to
//! replace it there when it lands.

#![cfg_attr(not(feature = "import"), allow(dead_code, unused_imports))]

use serde_json::{json, Value};

/// The most characters of text taken from one paste.
const MAX_TEXT_CHARS: usize = 2_000_000;
/// The most rows of one pasted table, and cells of one row.
const MAX_ROWS: usize = 2000;
const MAX_CELLS: usize = 100;

/// The answer to a paste: `{"blocks": [...]}`, or with `whole`, `{"issue":
/// {...}}` (the file's own table as the page holds it).
pub fn paste(html: &str, whole: bool) -> Result<Value, String> {
    #[cfg(feature = "import")]
    {
        let doc = read_html(html);
        if whole {
            let found = bulletin_import::recognize::recognize(doc, "pasted");
            let value = toml::Value::try_from(&found.issue)
                .map_err(|e| format!("cannot hold the pasted issue: {e}"))?;
            return Ok(json!({
                "issue": super::edit_doc::toml_to_json(&value),
                "placeholders": found.placeholders,
            }));
        }
        Ok(json!({ "blocks": body_blocks(&doc) }))
    }
    #[cfg(not(feature = "import"))]
    {
        let _ = (html, whole);
        Err(
            "this bulletin-pdf was built without the importer (cargo feature `import`), \
             which reads pasted documents: paste as plain text (Ctrl+Shift+V)"
                .into(),
        )
    }
}

/// A paragraph's text with the importer's repairs (spaces, punctuation).
#[cfg(feature = "import")]
fn repaired(s: &str) -> String {
    use bulletin_import::recognize::{fix_punctuation, normalize};
    fix_punctuation(&normalize(s)).0
}

/// The blocks of a body made from a pasted document: runs of paragraphs
/// as one text block (paragraphs separated by blank lines; headings are
/// paragraphs, found by their numbers as in any body), list items as a
/// list, tables as tables.
#[cfg(feature = "import")]
pub fn body_blocks(doc: &bulletin_import::doc::Doc) -> Vec<Value> {
    use bulletin_import::doc::Item;
    let mut out = Vec::new();
    let mut text: Vec<String> = Vec::new();
    let mut items: Vec<String> = Vec::new();
    let mut numbered = false;
    fn flush_text(text: &mut Vec<String>, out: &mut Vec<Value>) {
        if !text.is_empty() {
            out.push(json!({ "text": format!("{}\n", text.join("\n\n")) }));
            text.clear();
        }
    }
    fn flush_items(items: &mut Vec<String>, numbered: bool, out: &mut Vec<Value>) {
        if !items.is_empty() {
            out.push(json!({ "items": items.clone(), "numbered": numbered }));
            items.clear();
        }
    }
    for item in &doc.items {
        match item {
            Item::Para(p) => {
                let t = repaired(&p.text);
                if t.trim().is_empty() {
                    continue;
                }
                match p.list {
                    Some((_, n)) => {
                        flush_text(&mut text, &mut out);
                        if !items.is_empty() && n != numbered {
                            flush_items(&mut items, numbered, &mut out);
                        }
                        numbered = n;
                        items.push(t.trim().to_string());
                    }
                    None => {
                        flush_items(&mut items, numbered, &mut out);
                        text.push(t.trim().to_string());
                    }
                }
            }
            Item::Table(t) => {
                flush_text(&mut text, &mut out);
                flush_items(&mut items, numbered, &mut out);
                let rows: Vec<Vec<Value>> = t
                    .rows
                    .iter()
                    .map(|r| {
                        r.iter()
                            .map(|c| {
                                let text = repaired(&c.text).trim().to_string();
                                if c.colspan > 1 || c.rowspan > 1 {
                                    let mut v = json!({ "text": text });
                                    if c.colspan > 1 {
                                        v["colspan"] = json!(c.colspan);
                                    }
                                    if c.rowspan > 1 {
                                        v["rowspan"] = json!(c.rowspan);
                                    }
                                    v
                                } else {
                                    Value::String(text)
                                }
                            })
                            .collect()
                    })
                    .collect();
                if rows.is_empty() {
                    continue;
                }
                let header = t.header_rows.clamp(1, rows.len());
                let (head, body) = rows.split_at(header);
                if body.is_empty() {
                    out.push(json!({ "rows": head }));
                } else {
                    out.push(json!({ "header": head, "rows": body }));
                }
            }
            Item::Image(_) | Item::PageBreak => {}
        }
    }
    flush_text(&mut text, &mut out);
    flush_items(&mut items, numbered, &mut out);
    out
}

/// HTML entities: the named ones Word and WPS write, and numeric ones.
fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let n = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(n).filter(|c| !c.is_control() || c.is_whitespace());
    }
    Some(match name {
        "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "ldquo" => '“',
        "rdquo" => '”',
        "lsquo" => '‘',
        "rsquo" => '’',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "middot" => '·',
        "times" => '×',
        "deg" => '°',
        _ => return None,
    })
}

/// Text with its entities decoded.
fn decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match after.find(';').filter(|&e| e <= 10) {
            Some(end) => match entity(&after[..end]) {
                Some(c) => {
                    out.push(c);
                    rest = &after[end + 1..];
                }
                None => {
                    out.push('&');
                    rest = after;
                }
            },
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// An attribute's value in a tag's text (`colspan=2`, `style='…'`).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before_ok = at == 0 || lower.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = lower[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let start = tag.len() - rest.len() + 1;
        let v = tag[start..].trim_start();
        let vstart = tag.len() - v.len();
        return Some(match v.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let end = v[1..].find(q).map_or(v.len(), |e| e + 1);
                &tag[vstart + 1..vstart + end]
            }
            _ => {
                let end = v
                    .find(|c: char| c.is_whitespace() || c == '>')
                    .unwrap_or(v.len());
                &tag[vstart..vstart + end]
            }
        });
    }
    None
}

/// Whether a char is wide (CJK and its punctuation): a line break of the
/// HTML's source between two of them is no space.
fn wide(c: char) -> bool {
    !c.is_ascii() && !c.is_whitespace()
}

/// The text of a paragraph: runs of whitespace made one space, none
/// between wide characters.
fn tidy(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() && chars[i] != '\n' {
            let start = i;
            while i < chars.len() && chars[i].is_whitespace() && chars[i] != '\n' {
                i += 1;
            }
            let before = start.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i).copied();
            let keep = match (before, after) {
                (None, _) | (_, None) | (Some('\n'), _) | (_, Some('\n')) => false,
                (Some(b), Some(a)) => !(wide(b) || wide(a)),
            };
            if keep {
                out.push(' ');
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Reads the clipboard's HTML (Word's, WPS's, a browser's) as a document:
/// paragraphs (`p`, `div`, `h1`–`h6`, `li`, Word's list paragraphs),
/// their list and heading hints, and tables. Bounded: the text taken, the
/// rows and cells of a table; never fails (what it cannot read is left
/// out).
///
/// When `bulletin_import::html::read_str` is in the importer, call it
/// here instead.
#[cfg(feature = "import")]
pub fn read_html(html: &str) -> bulletin_import::doc::Doc {
    use bulletin_import::doc::{Cell, Doc, Item, Para, Table};

    // The fragment Word puts on the clipboard, when it is marked.
    let html = match html.find("<!--StartFragment-->") {
        Some(s) => {
            let rest = &html[s + 20..];
            &rest[..rest.find("<!--EndFragment-->").unwrap_or(rest.len())]
        }
        None => html,
    };
    let mut doc = Doc::default();
    let mut para = String::new();
    let mut heading: Option<u8> = None;
    let mut list: Option<(u8, bool)> = None;
    let mut list_stack: Vec<bool> = Vec::new();
    // A Word list's number or bullet (`<![if !supportLists]>…<![endif]>`).
    let mut in_marker = false;
    let mut marker = String::new();
    let mut skip: Option<String> = None;
    let mut table: Option<Table> = None;
    let mut table_depth = 0usize;
    let mut cell: Option<Cell> = None;
    let mut taken = 0usize;

    fn end_para(
        doc: &mut Doc,
        para: &mut String,
        heading: &mut Option<u8>,
        list: &mut Option<(u8, bool)>,
    ) {
        let text = tidy(para);
        para.clear();
        for line in text.split('\n') {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            doc.items.push(Item::Para(Para {
                text: line.to_string(),
                outline_level: heading.map(|h| h.saturating_sub(1)),
                style: heading.map(|h| format!("Heading {h}")),
                list: *list,
                ..Para::default()
            }));
        }
        *heading = None;
        *list = None;
    }

    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skip.is_none() && taken < MAX_TEXT_CHARS {
                let t = decode(rest).replace(['\r', '\n', '\t'], " ");
                match &mut cell {
                    Some(c) => c.text.push_str(&t),
                    None if in_marker => marker.push_str(&t),
                    None => para.push_str(&t),
                }
            }
            break;
        };
        if lt > 0 && skip.is_none() && taken < MAX_TEXT_CHARS {
            let t = decode(&rest[..lt]).replace(['\r', '\n', '\t'], " ");
            taken += t.len();
            match &mut cell {
                Some(c) if !in_marker => c.text.push_str(&t),
                _ if in_marker => marker.push_str(&t),
                _ => para.push_str(&t),
            }
        }
        rest = &rest[lt..];
        // Comments and Word's conditionals.
        if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.find("-->").map_or("", |e| &r[e + 3..]);
            continue;
        }
        if let Some(r) = rest.strip_prefix("<![") {
            let end = r.find(']').unwrap_or(r.len());
            let cond = r[..end].to_ascii_lowercase();
            if cond.contains("supportlists") {
                in_marker = true;
                marker.clear();
            } else if cond.starts_with("endif") && in_marker {
                in_marker = false;
                let m = marker.trim();
                let numbered = m
                    .chars()
                    .any(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(c));
                list = Some((0, numbered));
            }
            rest = r.find('>').map_or("", |e| &r[e + 1..]);
            continue;
        }
        // A tag: up to its `>`, quotes respected.
        let mut end = None;
        let mut quote = None;
        for (i, c) in rest.char_indices().skip(1) {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == ':')
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(s) = &skip {
            if closing && &name == s {
                skip = None;
            }
            continue;
        }
        match name.as_str() {
            "style" | "script" | "head" | "title" | "xml" | "template"
                if !closing && !tag.ends_with('/') =>
            {
                skip = Some(name.clone());
            }
            "table" if !closing => {
                table_depth += 1;
                if table_depth == 1 {
                    end_para(&mut doc, &mut para, &mut heading, &mut list);
                    table = Some(Table::default());
                }
            }
            "table" => {
                table_depth = table_depth.saturating_sub(1);
                if table_depth == 0 {
                    if let Some(t) = table.take() {
                        if !t.rows.is_empty() {
                            doc.items.push(Item::Table(t));
                        }
                    }
                    cell = None;
                }
            }
            "tr" if table_depth == 1 => {
                if let Some(t) = &mut table {
                    if !closing && t.rows.len() < MAX_ROWS {
                        t.rows.push(Vec::new());
                    }
                }
            }
            "td" | "th" if table_depth == 1 => {
                if !closing {
                    let span = |n: &str| {
                        attr(tag, n)
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(1u32)
                            .clamp(1, 50)
                    };
                    cell = Some(Cell {
                        text: String::new(),
                        colspan: span("colspan"),
                        rowspan: span("rowspan"),
                    });
                    if name == "th" {
                        if let Some(t) = &mut table {
                            t.header_rows = t.header_rows.max(t.rows.len());
                        }
                    }
                } else if let (Some(c), Some(t)) = (cell.take(), &mut table) {
                    if t.rows.is_empty() {
                        t.rows.push(Vec::new());
                    }
                    if let Some(row) = t.rows.last_mut() {
                        if row.len() < MAX_CELLS {
                            row.push(Cell {
                                text: tidy(&c.text).replace('\n', " ").trim().to_string(),
                                ..c
                            });
                        }
                    }
                }
            }
            "ul" | "ol" if table_depth == 0 => {
                if closing {
                    list_stack.pop();
                } else {
                    end_para(&mut doc, &mut para, &mut heading, &mut list);
                    list_stack.push(name == "ol");
                }
            }
            "br" => match &mut cell {
                Some(c) => c.text.push('\n'),
                None => para.push('\n'),
            },
            "p" | "div" | "li" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" => {
                if table_depth > 0 {
                    if let Some(c) = &mut cell {
                        if closing && !c.text.is_empty() {
                            c.text.push('\n');
                        }
                    }
                    continue;
                }
                end_para(&mut doc, &mut para, &mut heading, &mut list);
                if !closing {
                    if let Some(level) = name.strip_prefix('h').and_then(|l| l.parse().ok()) {
                        heading = Some(level);
                    }
                    if name == "li" {
                        let depth = list_stack.len().saturating_sub(1).min(1) as u8;
                        list = Some((depth, list_stack.last().copied().unwrap_or(false)));
                    }
                    let style = attr(tag, "style").unwrap_or_default().to_ascii_lowercase();
                    let class = attr(tag, "class").unwrap_or_default().to_ascii_lowercase();
                    if style.contains("mso-list:") && !style.contains("mso-list:none")
                        || class.contains("msolistparagraph")
                    {
                        // Numbered or not is told by its marker.
                        list = Some((0, false));
                    }
                }
            }
            _ => {}
        }
    }
    end_para(&mut doc, &mut para, &mut heading, &mut list);
    // A Word list paragraph whose marker was not kept is an item still.
    doc
}

#[cfg(all(test, feature = "import"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_word_clipboard() {
        let html = "<html><head><style>p{}</style></head><body><!--StartFragment-->\
            <h1>一、总体情况</h1><p class=MsoNormal>全市共发生事故<span>12</span>起，\r\n同比下降。</p>\
            <p class=MsoListParagraph style='mso-list:l0 level1 lfo1'><![if !supportLists]><span>1.<span>&nbsp;&nbsp;</span></span><![endif]>压实责任</p>\
            <p class=MsoListParagraph style='mso-list:l0 level1 lfo1'><![if !supportLists]>2.<![endif]>强化检查</p>\
            <table><tr><td><p>县</p></td><td>起数</td></tr><tr><td>丰县</td><td>3</td></tr></table>\
            <!--EndFragment--></body></html>";
        let doc = read_html(html);
        let blocks = body_blocks(&doc);
        assert_eq!(
            blocks[0]["text"], "一、总体情况\n\n全市共发生事故12起，同比下降。\n",
            "{blocks:?}"
        );
        assert_eq!(blocks[1]["items"], json!(["压实责任", "强化检查"]));
        assert_eq!(blocks[1]["numbered"], true);
        assert_eq!(blocks[2]["header"], json!([["县", "起数"]]));
        assert_eq!(blocks[2]["rows"], json!([["丰县", "3"]]));
    }

    #[test]
    fn text_is_never_markup() {
        let doc = read_html("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><script>x()</script>");
        let blocks = body_blocks(&doc);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0]["text"], "<script>alert(1)</script>\n");
    }
}
