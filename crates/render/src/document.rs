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
                    if !is_invisible(c) && !out.iter().any(|(d, _)| *d == c) {
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

/// Where a laid-out document prints a number that copies of it change (the
/// 份号 of a numbered print run): the one text run whose text is exactly
/// the number, on one page, in a font whose digits all have the same
/// advance, so that another number of as many digits takes its place
/// without moving anything.
#[derive(Debug, Clone)]
pub struct NumberSpot {
    page: usize,
    text: String,
}

impl NumberSpot {
    /// The index of the page the number is on.
    pub fn page(&self) -> usize {
        self.page
    }
}

/// Finds where `number` (digits) is printed in `doc`: `None` when it is not
/// printed exactly once as a run of its own, or its font's digits differ in
/// width (then each copy must be laid out).
pub fn find_number(doc: &PagedDocument, number: &str) -> Option<NumberSpot> {
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut found: Vec<(usize, bool)> = Vec::new();
    for (i, page) in doc.pages().iter().enumerate() {
        walk(&page.frame, &mut |t| {
            if t.text.contains(number) {
                found.push((i, t.text == number && tabular_digits(t)));
            }
        });
    }
    match found.as_slice() {
        [(page, true)] => Some(NumberSpot {
            page: *page,
            text: number.to_string(),
        }),
        _ => None,
    }
}

/// Whether the digits 0–9 of a text run's font all exist and have one
/// advance, and the run is the one glyph a digit.
fn tabular_digits(t: &typst::text::TextItem) -> bool {
    let advances: Option<Vec<_>> = ('0'..='9')
        .map(|c| {
            let id = t.font.ttf().glyph_index(c)?.0;
            t.font.x_advance(id)
        })
        .collect();
    let Some(advances) = advances else {
        return false;
    };
    t.glyphs.len() == t.text.len() && advances.windows(2).all(|w| w[0] == w[1])
}

/// The page of `doc` that holds the number found by [`find_number`], with
/// `number` (as many digits) printed in its place; `None` when it cannot be
/// (a different length, a digit the font lacks).
pub fn renumber(
    doc: &PagedDocument,
    spot: &NumberSpot,
    number: &str,
) -> Option<typst_layout::Page> {
    if number.len() != spot.text.len() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    fn patch(frame: &mut Frame, from: &str, to: &str, done: &mut bool) {
        frame.retain(|item| {
            match item {
                FrameItem::Group(g) => patch(&mut g.frame, from, to, done),
                FrameItem::Text(t) if !*done && t.text == from => {
                    let ids: Option<Vec<u16>> = to
                        .chars()
                        .map(|c| t.font.ttf().glyph_index(c).map(|g| g.0))
                        .collect();
                    if let Some(ids) = ids {
                        for (g, id) in t.glyphs.iter_mut().zip(ids) {
                            g.id = id;
                        }
                        t.text = to.into();
                        *done = true;
                    }
                }
                _ => {}
            }
            true
        });
    }
    let mut page = doc.pages().get(spot.page)?.clone();
    let mut done = false;
    patch(&mut page.frame, &spot.text, number, &mut done);
    done.then_some(page)
}

/// Characters that are not drawn: spaces, controls and format characters.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c as u32,
            0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
            | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
            | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF)
}
