//! Reading a laid-out document: the fonts it uses and the text of a page.

use typst::layout::{Frame, FrameItem};
use typst::text::Font;
use typst_layout::PagedDocument;

fn walk<'a>(frame: &'a Frame, f: &mut dyn FnMut(&'a typst::text::TextItem)) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(g) => walk(&g.frame, f),
            FrameItem::Text(t) => f(t),
            _ => {}
        }
    }
}

/// The fonts the document's text is set in, in order of first use.
pub fn fonts_used(doc: &PagedDocument) -> Vec<Font> {
    let mut out: Vec<Font> = Vec::new();
    for page in doc.pages() {
        walk(&page.frame, &mut |t| {
            let font = t.font.font();
            if !out.contains(font) {
                out.push(font.clone());
            }
        });
    }
    out
}

/// The text of a page, a text run a line (in the order laid out).
pub fn page_text(frame: &Frame) -> String {
    let mut out = String::new();
    walk(frame, &mut |t| {
        out.push_str(&t.text);
        out.push('\n');
    });
    out
}

/// The characters the document prints without a glyph (as the font's empty
/// box, glyph 0), with the first page (from 1) each is on: characters no
/// font has, in text the layout makes as well as in the text.
pub fn missing_glyphs(doc: &PagedDocument) -> Vec<(char, usize)> {
    let mut out: Vec<(char, usize)> = Vec::new();
    for (i, page) in doc.pages().iter().enumerate() {
        walk(&page.frame, &mut |t| {
            for g in t.glyphs.iter().filter(|g| g.id == 0) {
                let text = t.text.get(g.range()).unwrap_or("");
                for c in text.chars() {
                    if !crate::pipeline::is_invisible(c) && !out.iter().any(|(d, _)| *d == c) {
                        out.push((c, i + 1));
                    }
                }
            }
        });
    }
    out
}

/// The lines of text of a page, top to bottom: each with its baseline's
/// distance from the top of the page in points and its text (text items on
/// one baseline joined left to right). Groups are followed with their
/// offsets (rotations and scales are not expected in a bulletin's text).
pub fn page_lines(frame: &Frame) -> Vec<(f64, String)> {
    fn collect(frame: &Frame, dx: f64, dy: f64, out: &mut Vec<(f64, f64, String)>) {
        for (pos, item) in frame.items() {
            let (x, y) = (dx + pos.x.to_pt(), dy + pos.y.to_pt());
            match item {
                FrameItem::Group(g) => {
                    let t = g.transform;
                    collect(&g.frame, x + t.tx.to_pt(), y + t.ty.to_pt(), out)
                }
                FrameItem::Text(t) => out.push((y, x, t.text.to_string())),
                _ => {}
            }
        }
    }
    let mut items = Vec::new();
    collect(frame, 0.0, 0.0, &mut items);
    items.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut lines: Vec<(f64, String)> = Vec::new();
    for (y, _, text) in items {
        match lines.last_mut() {
            Some((ly, lt)) if (y - *ly).abs() < 2.0 => lt.push_str(&text),
            _ => lines.push((y, text)),
        }
    }
    lines
}
