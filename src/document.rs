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
