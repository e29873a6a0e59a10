//! Paste from Word or WPS into the editor: the clipboard's HTML read as a
//! document (`bulletin_import::doc::Doc`: paragraphs with their hints, list
//! items, tables), then either the blocks of a body (paragraphs, lists,
//! tables, with the importer's punctuation repairs) or, for a whole
//! bulletin pasted into an empty issue, the issue the importer recognises
//! in it (masthead, columns, articles, footer).
//!
//! [`read_html`] hands the HTML to the importer's web-page reader
//! (`bulletin_import::html::read_str`), so that a paste is read as an
//! imported page is.

#![cfg_attr(not(feature = "import"), allow(dead_code, unused_imports))]

use serde_json::{json, Value};

/// The answer to a paste: `{"blocks": [...]}`, or with `whole`, `{"issue":
/// {...}}` (the file's own table as the page holds it).
pub fn paste(html: &str, whole: bool) -> Result<Value, String> {
    #[cfg(feature = "import")]
    {
        let doc = read_html(html)?;
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
                        // Word's label (1. （1）) is in the text as Word
                        // draws it; the layout numbers the items itself.
                        let t = match n {
                            true => bulletin_import::recognize::strip_list_marker(&t)
                                .map_or(t, |(rest, _)| rest),
                            false => t,
                        };
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

/// The pasted HTML read as a document by the importer's web-page reader,
/// the one reader of HTML in bulletin-pdf (`bulletin_import::html::read_str`:
/// Word's and WPS's clipboard fragment between its StartFragment and
/// EndFragment marks, their list labels, styles and tables; bounded).
#[cfg(feature = "import")]
pub fn read_html(html: &str) -> Result<bulletin_import::doc::Doc, String> {
    bulletin_import::html::read_str(html).map_err(|e| format!("cannot read the pasted text: {e}"))
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
        let doc = read_html(html).unwrap();
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
        let doc =
            read_html("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><script>x()</script>").unwrap();
        let blocks = body_blocks(&doc);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0]["text"], "<script>alert(1)</script>\n");
    }
}
