//! The PDF reader: text with its positions, sizes and colours, grouped into
//! lines and paragraphs in reading order, with the horizontal rules drawn
//! near them.
//!
//! # Which PDF reader
//!
//! The text is read with `hayro-interpret`, the PDF interpreter that Typst
//! itself uses for PDF images (so the crate, its parser `hayro-syntax` and
//! `kurbo` were already built with bulletin-pdf: no new dependency). A
//! [`Device`] receives every glyph with its full transform, its paint and
//! its font's Unicode mapping (ToUnicode CMap, then glyph names), every
//! path with its paint, and every image: all this reader needs, for PDFs
//! from any producer (fonts embedded or not, Type 0/CID, TrueType, Type 1,
//! Type 3; encrypted files with an empty user password are decrypted).
//! The other pure-Rust choices were weaker for this: `pdf-extract` (on
//! `lopdf`) gives text only as a string, without positions or colours
//! unless one re-implements its output device, and mishandles many CID
//! fonts; `lopdf` alone and `pdf` are object-level parsers that would
//! leave content-stream interpretation, fonts and CMaps to this crate.
//! Only the standard-14 fallback fonts are embedded in hayro
//! (`embed-fonts`); the predefined CJK CMaps (`embed-cmaps`) would add the
//! `brotli` crate and are left out: a PDF whose non-embedded CJK fonts use a
//! predefined CMap without a ToUnicode map comes out without that text and
//! with a notice.
//!
//! # What comes out
//!
//! For each page, the paragraphs in reading order (top to bottom), then a
//! [`Item::PageBreak`] before the next page. A paragraph is a run of lines
//! of the same size and colour, at the normal line pitch, where each line
//! but the last fills the text block and each but the first starts at its
//! left edge (or under a hanging indent); centred and right-aligned lines
//! are paragraphs of their own (the recogniser joins a title broken over
//! lines). Lines are joined without a space between CJK characters. Each has
//! its size (font size × text matrix scale, in points), `red` (fill
//! colour), `align` (relative to the text block: the most common left and
//! right edges of the document's lines), `indent` (the first line's
//! distance from the block's left edge), `y` (top of the first line) and
//! `page_height`, `page`, the font (PostScript name, subset prefix
//! dropped), bold runs (bold fonts and synthetic bold), and `rule_above` /
//! `rule_below` from thin filled rectangles or stroked lines spanning most
//! of the text block. Nothing is dropped: running page numbers come out as
//! paragraphs for the recogniser to drop.
//!
//! A PDF without text (a scan) is an error that says so; so is an
//! encrypted PDF that needs a password. Time and memory are bounded by
//! [`MAX_PAGES`] and [`MAX_GLYPHS`]; the interpreter runs under
//! `catch_unwind` as a last resort.

use std::collections::HashMap;

use hayro_interpret::font::Glyph;
use hayro_interpret::hayro_cmap::BfString;
use hayro_interpret::hayro_syntax::{LoadPdfError, Pdf};
use hayro_interpret::{
    interpret_page, BlendMode, ClipPath, Context, Device, GlyphDrawMode, Image, InterpreterCache,
    InterpreterSettings, Paint, PathDrawMode, SoftMask, TransformExt,
};
use kurbo::{Affine, BezPath, Point, Rect, Shape};

use super::doc::{Align, Doc, Item, Para};

/// Pages read at most; the rest is reported in a notice.
pub const MAX_PAGES: usize = 2000;
/// Glyphs kept at most, the whole document together.
pub const MAX_GLYPHS: usize = 4_000_000;

/// Reads a PDF file.
pub fn read(bytes: &[u8]) -> Result<Doc, String> {
    if bytes.is_empty() {
        return Err("not a PDF file: the file is empty".into());
    }
    let head = &bytes[..bytes.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err("not a PDF file: no %PDF- header".into());
    }
    let data = bytes.to_vec();
    match std::panic::catch_unwind(move || read_inner(data)) {
        Ok(r) => r,
        Err(_) => Err(
            "the PDF could not be read: the PDF interpreter failed on it \
                       (a damaged or unusual file)"
                .into(),
        ),
    }
}

fn read_inner(data: Vec<u8>) -> Result<Doc, String> {
    let pdf = Pdf::new(data).map_err(|e| match e {
        LoadPdfError::Decryption(e) => format!(
            "the PDF is encrypted and cannot be read ({e:?}): remove the password \
             (for example `qpdf --decrypt --password=… in.pdf out.pdf`) and import that"
        ),
        LoadPdfError::Invalid => "not a readable PDF: the file is damaged or truncated".into(),
    })?;
    let pages = pdf.pages();
    let mut doc = Doc::default();
    if pages.is_empty() {
        return Err("the PDF has no pages".into());
    }
    if pages.len() > MAX_PAGES {
        doc.notices.push(format!(
            "the PDF has {} pages; only the first {MAX_PAGES} were read",
            pages.len()
        ));
    }

    let settings = InterpreterSettings {
        warning_sink: std::sync::Arc::new(|_| {}),
        ..InterpreterSettings::default()
    };
    let cache = InterpreterCache::new();
    let mut fonts = Fonts::default();
    let mut unreadable_fonts: Vec<String> = Vec::new();
    let mut collected = Vec::new();
    let mut budget = MAX_GLYPHS;
    for page in pages.iter().take(MAX_PAGES) {
        let (width, height) = page.render_dimensions();
        let (width, height) = (f64::from(width), f64::from(height));
        let mut context = Context::new(
            page.initial_transform(true).to_kurbo(),
            Rect::new(0.0, 0.0, width, height),
            &cache,
            pdf.xref(),
            settings.clone(),
        );
        let mut device = Collector {
            page: PageData {
                width,
                height,
                ..PageData::default()
            },
            fonts: &mut fonts,
            budget: &mut budget,
            in_type3: 0,
        };
        interpret_page(page, &mut context, &mut device);
        collected.push(device.page);
        for name in unreadable_fonts_of(page) {
            if !unreadable_fonts.contains(&name) {
                unreadable_fonts.push(name);
            }
        }
    }
    if budget == 0 {
        doc.notices.push(format!(
            "the PDF has more than {MAX_GLYPHS} characters; the rest was not read"
        ));
    }

    let text_chars: usize = collected.iter().map(|p| p.glyphs.len()).sum();
    if !unreadable_fonts.is_empty() {
        let list = unreadable_fonts.join(", ");
        if text_chars == 0 {
            return Err(format!(
                "the PDF's text cannot be extracted: its fonts ({list}) are not embedded and \
                 use a predefined CJK encoding without a ToUnicode map; print it to a new PDF \
                 with the fonts embedded, or run OCR on it (for example `ocrmypdf --force-ocr`)"
            ));
        }
        doc.notices.push(format!(
            "text set in {list} (not embedded, a predefined CJK encoding, no ToUnicode map) \
             could not be read and is missing"
        ));
    }
    let unmapped: usize = collected.iter().map(|p| p.unmapped).sum();
    let images: usize = collected.iter().map(|p| p.images).sum();
    if text_chars == 0 {
        return Err(if images > 0 {
            format!(
                "the PDF is a scan without a text layer ({} page(s) of images, no text): \
                 run OCR on it first (for example `ocrmypdf in.pdf out.pdf`) and import the result",
                collected.len()
            )
        } else {
            "the PDF has no text to import (no text layer and no images)".into()
        });
    }
    if unmapped * 10 > text_chars * 9 {
        return Err(format!(
            "the PDF's text cannot be extracted: {unmapped} of {text_chars} characters have no \
             Unicode mapping (fonts without a ToUnicode table); treat it as a scan: run OCR on \
             it first (for example `ocrmypdf --force-ocr in.pdf out.pdf`)"
        ));
    }
    if unmapped > 0 {
        doc.notices.push(format!(
            "{unmapped} character(s) have no Unicode mapping in the PDF and were read as U+FFFD"
        ));
    }

    let block = TextBlock::of(&collected);
    for (i, page) in collected.iter().enumerate() {
        if i > 0 {
            doc.items.push(Item::PageBreak);
        }
        let number = i as u32 + 1;
        if page.glyphs.is_empty() && page.images > 0 {
            doc.notices.push(format!(
                "page {number} has no text, only images (a scanned page?)"
            ));
        }
        if page.images > 0 && !page.glyphs.is_empty() {
            doc.notices.push(format!(
                "page {number}: {} image(s) not imported from the PDF",
                page.images
            ));
        }
        if page.rotated > 0 {
            doc.notices.push(format!(
                "page {number}: {} character(s) of rotated or vertical text read at the page's end",
                page.rotated
            ));
        }
        layout_page(page, number, &block, &fonts, &mut doc.items);
    }
    Ok(doc)
}

/// The page's fonts that hayro cannot show without the predefined CJK
/// CMaps (left out, see the module comment) and that have no ToUnicode
/// map: composite fonts with a named encoding other than Identity.
fn unreadable_fonts_of(page: &hayro_interpret::hayro_syntax::page::Page<'_>) -> Vec<String> {
    use hayro_interpret::hayro_syntax::object::{Dict, Name};
    let mut out = Vec::new();
    let fonts = &page.resources().fonts;
    for key in fonts.keys().take(1000) {
        let Some(font) = fonts.get::<Dict<'_>>(&*key) else {
            continue;
        };
        if font
            .get::<Name<'_>>(b"Subtype")
            .map(|n| n.as_str().to_string())
            .as_deref()
            != Some("Type0")
            || font.contains_key(b"ToUnicode")
        {
            continue;
        }
        let Some(encoding) = font.get::<Name<'_>>(b"Encoding") else {
            continue;
        };
        let encoding = encoding.as_str().to_string();
        if encoding == "Identity-H" || encoding == "Identity-V" {
            continue;
        }
        let base = font
            .get::<Name<'_>>(b"BaseFont")
            .map(|n| n.as_str().to_string())
            .unwrap_or_else(|| "?".into());
        out.push(format!("{base} ({encoding})"));
    }
    out
}

// ---------------------------------------------------------------------------
// Collecting glyphs, rules and images

#[derive(Debug, Clone)]
struct G {
    text: String,
    /// Origin and end of the advance, baseline, in points from the top left.
    x0: f64,
    x1: f64,
    y: f64,
    size: f64,
    red: bool,
    bold: bool,
    font: u32,
    /// Set on glyphs that are not upright horizontal text.
    rotated: bool,
}

#[derive(Debug, Clone, Copy)]
struct RuleLine {
    x0: f64,
    x1: f64,
    y: f64,
}

#[derive(Debug, Default)]
struct PageData {
    width: f64,
    height: f64,
    glyphs: Vec<G>,
    rules: Vec<RuleLine>,
    images: usize,
    unmapped: usize,
    rotated: usize,
}

#[derive(Default)]
struct Fonts {
    /// Font cache key → index.
    index: HashMap<u128, u32>,
    /// Per index: PostScript name, bold.
    list: Vec<(Option<String>, bool)>,
}

impl Fonts {
    fn of(&mut self, glyph: &Glyph<'_>) -> (u32, bool) {
        let Glyph::Outline(g) = glyph else {
            return (u32::MAX, false);
        };
        let key = g.font_cache_key();
        if let Some(&i) = self.index.get(&key) {
            return (i, self.list[i as usize].1);
        }
        let (name, weight) = match g.font_data() {
            Some(d) => (d.postscript_name, d.weight),
            None => (None, None),
        };
        let name = name.map(|n| match n.split_once('+') {
            Some((prefix, rest)) if prefix.len() == 6 => rest.to_string(),
            _ => n,
        });
        let bold = weight.is_some_and(|w| w >= 600)
            || name.as_deref().is_some_and(|n| {
                let l = n.to_lowercase();
                ["bold", "heavy", "black", "semibold", "demibold", "黑体"]
                    .iter()
                    .any(|k| l.contains(k))
                    && !l.contains("simhei")
            });
        let i = self.list.len() as u32;
        self.list.push((name, bold));
        self.index.insert(key, i);
        (i, bold)
    }

    fn name(&self, i: u32) -> Option<String> {
        self.list.get(i as usize).and_then(|(n, _)| n.clone())
    }
}

struct Collector<'f> {
    page: PageData,
    fonts: &'f mut Fonts,
    budget: &'f mut usize,
    in_type3: u32,
}

fn is_red_paint(paint: &Paint<'_>) -> bool {
    match paint {
        Paint::Color(c) => {
            let [r, g, b, a] = c.to_rgba().components();
            a > 0.3 && r > 0.6 && g < 0.4 && b < 0.4 && r - g.max(b) > 0.35
        }
        Paint::Pattern(_) => false,
    }
}

fn is_whiteish(paint: &Paint<'_>) -> bool {
    match paint {
        Paint::Color(c) => {
            let [r, g, b, a] = c.to_rgba().components();
            a < 0.2 || (r > 0.9 && g > 0.9 && b > 0.9)
        }
        Paint::Pattern(_) => false,
    }
}

impl<'a> Device<'a> for Collector<'_> {
    fn set_soft_mask(&mut self, _: Option<SoftMask<'a>>) {}
    fn set_blend_mode(&mut self, _: BlendMode) {}
    fn push_clip_path(&mut self, _: &ClipPath) {}
    fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
    fn pop_clip_path(&mut self) {}
    fn pop_transparency_group(&mut self) {}

    fn draw_path(
        &mut self,
        path: &BezPath,
        transform: Affine,
        paint: &Paint<'a>,
        mode: &PathDrawMode,
    ) {
        if self.in_type3 > 0 || is_whiteish(paint) {
            return;
        }
        let bbox = transform.transform_rect_bbox(path.bounding_box());
        if !(bbox.x0.is_finite() && bbox.y0.is_finite() && bbox.x1.is_finite()) {
            return;
        }
        let thickness = match mode {
            PathDrawMode::Fill(_) => bbox.height(),
            PathDrawMode::Stroke(s) => {
                // The line's width in page units (the transform's scale).
                let scale = transform.determinant().abs().sqrt();
                bbox.height() + f64::from(s.line_width) * scale
            }
        };
        if thickness <= 4.0
            && bbox.width() >= self.page.width * 0.2
            && self.page.rules.len() < 10_000
        {
            self.page.rules.push(RuleLine {
                x0: bbox.x0,
                x1: bbox.x1,
                y: (bbox.y0 + bbox.y1) / 2.0,
            });
        }
    }

    fn draw_glyph(
        &mut self,
        glyph: &Glyph<'a>,
        transform: Affine,
        glyph_transform: Affine,
        paint: &Paint<'a>,
        mode: &GlyphDrawMode,
    ) {
        if *self.budget == 0 {
            return;
        }
        let t = transform * glyph_transform;
        let origin = t * Point::ZERO;
        let up = t * Point::new(0.0, 1000.0) - origin;
        let size = up.hypot();
        if !(size.is_finite() && origin.x.is_finite() && origin.y.is_finite()) || size < 0.5 {
            return;
        }
        let advance = match glyph {
            Glyph::Outline(g) => g
                .advance_width()
                .map(f64::from)
                .filter(|a| a.is_finite() && *a > 0.0),
            Glyph::Type3(_) => None,
        };
        let end = match advance {
            Some(a) => t * Point::new(a, 0.0),
            None => t * Point::new(500.0, 0.0),
        };
        let along = end - origin;
        let rotated = !(up.y < 0.0
            && up.x.abs() < 0.2 * up.y.abs()
            && along.x >= 0.0
            && along.y.abs() <= 0.2 * along.x.abs().max(1e-9));
        let text = match glyph.as_unicode() {
            Some(BfString::Char(c)) => c.to_string(),
            Some(BfString::String(s)) => s,
            None => {
                self.page.unmapped += 1;
                "\u{FFFD}".to_string()
            }
        };
        let text: String = text
            .chars()
            .filter(|c| !c.is_control() && *c != '\u{AD}')
            .collect();
        if text.is_empty() {
            return;
        }
        let (font, font_bold) = self.fonts.of(glyph);
        let stroked = matches!(mode, GlyphDrawMode::Stroke(_));
        let red = !matches!(mode, GlyphDrawMode::Invisible) && is_red_paint(paint);
        let x1 = if advance.is_some() {
            end.x
        } else {
            origin.x + 0.5 * size
        };

        // The same glyph drawn again on (nearly) the same spot: synthetic
        // bold (fill then stroke, or two fills a hair apart).
        if let Some(last) = self.page.glyphs.last_mut() {
            if last.text == text
                && (last.x0 - origin.x).abs() < 0.15 * size
                && (last.y - origin.y).abs() < 0.15 * size
                && (last.size - size).abs() < 0.1 * size
            {
                last.bold = true;
                last.red |= red;
                return;
            }
        }
        *self.budget -= 1;
        if rotated {
            self.page.rotated += 1;
        }
        self.page.glyphs.push(G {
            text,
            x0: origin.x,
            x1: x1.max(origin.x),
            y: origin.y,
            size,
            red,
            bold: font_bold || stroked,
            font,
            rotated,
        });
    }

    fn draw_image(&mut self, image: Image<'a, '_>, transform: Affine) {
        let _ = &image;
        let area = transform
            .transform_rect_bbox(Rect::new(0.0, 0.0, 1.0, 1.0))
            .area();
        if area.is_finite() && area > self.page.width * self.page.height * 0.01 {
            self.page.images += 1;
        }
    }
}

// ---------------------------------------------------------------------------
// Layout analysis

/// The text block: the most common left and right edges of the lines.
#[derive(Debug, Clone, Copy)]
struct TextBlock {
    left: f64,
    right: f64,
    /// The size most of the text is set in.
    body_size: f64,
}

/// A line of glyphs.
#[derive(Debug, Clone)]
struct Line {
    glyphs: Vec<G>,
    x0: f64,
    x1: f64,
    /// Baseline.
    y: f64,
    size: f64,
}

impl Line {
    fn new(mut glyphs: Vec<G>) -> Self {
        glyphs.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        let x0 = glyphs.iter().map(|g| g.x0).fold(f64::INFINITY, f64::min);
        let x1 = glyphs
            .iter()
            .map(|g| g.x1)
            .fold(f64::NEG_INFINITY, f64::max);
        let size = glyphs.iter().map(|g| g.size).fold(0.0, f64::max);
        // The baseline of the largest glyphs.
        let y = glyphs
            .iter()
            .filter(|g| g.size >= size * 0.8)
            .map(|g| g.y)
            .next()
            .unwrap_or(0.0);
        Line {
            glyphs,
            x0,
            x1,
            y,
            size,
        }
    }

    fn chars(&self) -> usize {
        self.glyphs.iter().map(|g| g.text.chars().count()).sum()
    }
}

fn mode_of(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for v in values {
        if v.is_finite() {
            *counts.entry((v * 2.0).round() as i64).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(k, n)| (n, -k))
        .map(|(k, _)| k as f64 / 2.0)
}

impl TextBlock {
    fn of(pages: &[PageData]) -> Self {
        let lines: Vec<Line> = pages.iter().flat_map(|p| lines_of(&p.glyphs)).collect();
        let long: Vec<&Line> = lines.iter().filter(|l| l.chars() >= 12).collect();
        let pick = if long.len() >= 3 {
            long
        } else {
            lines.iter().collect()
        };
        let left = mode_of(pick.iter().map(|l| l.x0));
        let right = mode_of(pick.iter().map(|l| l.x1));
        let mut sizes: HashMap<i64, usize> = HashMap::new();
        for l in &lines {
            *sizes.entry((l.size * 2.0).round() as i64).or_default() += l.chars();
        }
        let body_size = sizes
            .into_iter()
            .max_by_key(|&(k, n)| (n, -k))
            .map_or(12.0, |(k, _)| k as f64 / 2.0);
        let width = pages.first().map_or(595.0, |p| p.width);
        match (left, right) {
            (Some(l), Some(r)) if r > l + 20.0 => TextBlock {
                left: l,
                right: r,
                body_size,
            },
            _ => TextBlock {
                left: width * 0.12,
                right: width * 0.88,
                body_size,
            },
        }
    }

    fn width(&self) -> f64 {
        self.right - self.left
    }
}

/// Groups the upright glyphs of a page into lines, top to bottom.
fn lines_of(glyphs: &[G]) -> Vec<Line> {
    let mut upright: Vec<&G> = glyphs.iter().filter(|g| !g.rotated).collect();
    upright.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x0.total_cmp(&b.x0)));
    let mut groups: Vec<Vec<G>> = Vec::new();
    let mut cur_y = f64::NAN;
    let mut cur_size = 0.0;
    for g in upright {
        let tol = 0.3 * g.size.max(cur_size);
        if groups.is_empty() || (g.y - cur_y).abs() > tol {
            groups.push(Vec::new());
            cur_y = g.y;
            cur_size = g.size;
        } else if g.size > cur_size {
            cur_size = g.size;
            cur_y = g.y;
        }
        if let Some(last) = groups.last_mut() {
            last.push(g.clone());
        }
    }
    let mut lines: Vec<Line> = groups.into_iter().map(Line::new).collect();

    // Superscripts and subscripts (footnote marks) join the line they sit in.
    let mut i = 0;
    while i < lines.len() {
        let small = &lines[i];
        let host = (0..lines.len()).filter(|&j| j != i).find(|&j| {
            let big = &lines[j];
            small.size < big.size * 0.85
                && small.y > big.y - 0.85 * big.size
                && small.y < big.y + 0.35 * big.size
                && small.x0 >= big.x0 - big.size
                && small.x1 <= big.x1 + 2.0 * big.size
                && small.chars() <= 4
        });
        if let Some(j) = host {
            let small = lines.remove(i);
            let j = if j > i { j - 1 } else { j };
            let mut glyphs = std::mem::take(&mut lines[j].glyphs);
            glyphs.extend(small.glyphs);
            let y = lines[j].y;
            lines[j] = Line::new(glyphs);
            lines[j].y = y;
        } else {
            i += 1;
        }
    }
    lines.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x0.total_cmp(&b.x0)));
    lines
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
        || matches!(c, '—' | '…' | '“' | '”' | '‘' | '’' | '·')
}

/// The text of a line, with spaces where the glyphs leave a gap, and the
/// byte ranges set in bold and the count of red characters.
fn line_text(line: &Line) -> (String, Vec<std::ops::Range<usize>>, usize) {
    let mut text = String::new();
    let mut bold: Vec<std::ops::Range<usize>> = Vec::new();
    let mut red = 0;
    let mut prev: Option<&G> = None;
    for g in &line.glyphs {
        if let Some(p) = prev {
            let gap = g.x0 - p.x1;
            let last = text.chars().last().unwrap_or(' ');
            let next = g.text.chars().next().unwrap_or(' ');
            let cjk = is_cjk(last) || is_cjk(next);
            let threshold = if cjk { 0.45 } else { 0.2 } * g.size.max(p.size);
            if gap > threshold && !last.is_whitespace() && !next.is_whitespace() {
                text.push(' ');
            }
        }
        let start = text.len();
        text.push_str(&g.text);
        if g.bold {
            match bold.last_mut() {
                Some(r) if r.end == start => r.end = text.len(),
                _ => bold.push(start..text.len()),
            }
        }
        if g.red {
            red += g.text.chars().filter(|c| !c.is_whitespace()).count();
        }
        prev = Some(g);
    }
    (text, bold, red)
}

/// How a line sits in the text block.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sit {
    /// Fills the block.
    Full,
    Center,
    Right,
    /// Starts at the left (or indented) and ends short.
    Left,
}

/// Closing punctuation whose blank right half is often squeezed out at
/// the end of a line, and opening punctuation whose blank left half is
/// squeezed out at its start.
fn squeezable(c: char, closing: bool) -> bool {
    if closing {
        "，。、；：！？”’）》」』】〕".contains(c)
    } else {
        "“‘（《「『【〔".contains(c)
    }
}

fn sit(line: &Line, block: &TextBlock) -> Sit {
    let em = line.size.max(1.0);
    let gl = line.x0 - block.left;
    let gr = block.right - line.x1;
    // The gaps to the ink, for centring.
    let first = line.glyphs.first().and_then(|g| g.text.chars().next());
    let last = line.glyphs.last().and_then(|g| g.text.chars().last());
    let ink_gl = gl
        + if first.is_some_and(|c| squeezable(c, false)) {
            0.5 * em
        } else {
            0.0
        };
    let ink_gr = gr
        + if last.is_some_and(|c| squeezable(c, true)) {
            0.5 * em
        } else {
            0.0
        };
    let off_centre = (gl - gr).abs().min((ink_gl - ink_gr).abs());
    // Exactly centred, even when nearly as wide as the block.
    if gl > 0.75 * em && gr > 0.3 * em && off_centre <= 0.2 * em {
        return Sit::Center;
    }
    // Reaching the right edge from the left edge or a first-line indent
    // (opening punctuation may stick out a little to the left).
    if gr < 1.0 * em && gl > -em && gl < 3.0 * em {
        return Sit::Full;
    }
    // Roughly centred; a line that starts at the usual 2 em indent must be
    // centred more precisely to count (a heading that happens to end 2 em
    // short of the edge is not centred).
    let centre_tol = (0.6 * em).max(block.width() * 0.02);
    let at_indent = (gl - 2.0 * em).abs() < 0.25 * em;
    if gl > 0.9 * em && gr > 0.9 * em && off_centre <= centre_tol && !at_indent {
        return Sit::Center;
    }
    if gr < 1.0 * em && gl >= 3.0 * em {
        return Sit::Right;
    }
    // A line wider than the block on both sides, centred on the page.
    if gl < -0.5 * em && gr < -0.5 * em && off_centre <= centre_tol {
        return Sit::Center;
    }
    Sit::Left
}

struct Building {
    para: Para,
    lines: Vec<(Line, Sit)>,
    chars: usize,
    red: usize,
}

fn layout_page(
    page: &PageData,
    number: u32,
    block: &TextBlock,
    fonts: &Fonts,
    out: &mut Vec<Item>,
) {
    let lines = lines_of(&page.glyphs);
    // The usual baseline distance per size (full lines following each other).
    let mut pitches: HashMap<i64, Vec<f64>> = HashMap::new();
    for w in lines.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        if (a.size - b.size).abs() < 0.5
            && sit(a, block) == Sit::Full
            && b.y > a.y
            && b.y - a.y < 3.0 * a.size
        {
            pitches
                .entry((a.size * 2.0).round() as i64)
                .or_default()
                .push(b.y - a.y);
        }
    }
    let pitch_of = |size: f64| -> f64 {
        let key = (size * 2.0).round() as i64;
        match pitches.get(&key) {
            Some(v) if !v.is_empty() => {
                let mut v = v.clone();
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            }
            _ => 1.75 * size,
        }
    };

    let mut paras: Vec<Building> = Vec::new();
    for line in lines {
        let s = sit(&line, block);
        let (text, bold, red) = line_text(&line);
        let visible = text.chars().filter(|c| !c.is_whitespace()).count();
        let line_red = visible > 0 && red * 2 > visible;
        let joins = paras.last().is_some_and(|b| {
            let Some((prev, prev_sit)) = b.lines.last() else {
                return false;
            };
            let para_red = b.chars > 0 && b.red * 2 > b.chars;
            let em = line.size.max(prev.size);
            let dy = line.y - prev.y;
            if (line.size - prev.size).abs() > 0.6 || para_red != line_red {
                return false;
            }
            if dy <= 0.0 || dy > pitch_of(prev.size) * 1.2 + 0.5 {
                return false;
            }
            let gl = line.x0 - block.left;
            match (prev_sit, s) {
                // Centred and right-aligned lines stand alone (a title
                // broken over lines is joined by the recogniser, which
                // sees their sizes and positions).
                (Sit::Center | Sit::Right, _) | (_, Sit::Center | Sit::Right) => false,
                // The previous line ended short: it ended its paragraph.
                (Sit::Left, _) => false,
                (Sit::Full, _) => {
                    let first = &b.lines[0].0;
                    let first_gl = first.x0 - block.left;
                    if b.lines.len() >= 2 {
                        // Continuation lines keep the second line's start.
                        let cont_gl = b.lines[1].0.x0 - block.left;
                        (gl - cont_gl).abs() < 0.75 * em
                    } else {
                        // The second line: at the left edge, or a hanging
                        // indent under a first line that starts left of it.
                        gl < 0.75 * em
                            || (gl > first_gl + 0.5 * em && first_gl < 0.75 * em && gl <= 6.0 * em)
                    }
                }
            }
        });
        if joins {
            let Some(b) = paras.last_mut() else { continue };
            let last = b.para.text.chars().last().unwrap_or(' ');
            let next = text.chars().next().unwrap_or(' ');
            let sep = if last.is_ascii_alphanumeric() && next.is_ascii_alphanumeric()
                || matches!(last, ',' | ';' | ':' | '.' | '!' | '?') && next.is_ascii_alphanumeric()
            {
                " "
            } else {
                ""
            };
            b.para.text.push_str(sep);
            let offset = b.para.text.len();
            for r in bold {
                let r = r.start + offset..r.end + offset;
                match b.para.bold.last_mut() {
                    Some(last) if last.end == r.start || last.end + sep.len() == r.start => {
                        last.end = r.end
                    }
                    _ => b.para.bold.push(r),
                }
            }
            b.para.text.push_str(&text);
            b.chars += visible;
            b.red += red;
            b.para.size = Some(b.para.size.unwrap_or(0.0).max(round1(line.size)));
            b.lines.push((line, s));
        } else {
            let font = line.glyphs.first().and_then(|g| fonts.name(g.font));
            let para = Para {
                text,
                bold,
                size: Some(round1(line.size)),
                indent: Some(round1((line.x0 - block.left).max(0.0))),
                font,
                page: Some(number),
                y: Some(round1((line.y - 0.88 * line.size).max(0.0))),
                page_height: Some(round1(page.height)),
                ..Para::default()
            };
            paras.push(Building {
                para,
                lines: vec![(line, s)],
                chars: visible,
                red,
            });
        }
    }

    // Alignment and colour per paragraph.
    for b in &mut paras {
        b.para.red = b.chars > 0 && b.red * 2 > b.chars;
        let sits: Vec<Sit> = b.lines.iter().map(|(_, s)| *s).collect();
        b.para.align = if sits.iter().all(|s| *s == Sit::Center) {
            Align::Center
        } else if sits.iter().all(|s| *s == Sit::Right) {
            Align::Right
        } else if sits.len() >= 2 && sits[..sits.len() - 1].iter().all(|s| *s == Sit::Full) {
            Align::Justify
        } else if sits == [Sit::Full] && b.para.size.unwrap_or(0.0) > block.body_size as f32 + 1.0 {
            // A display line as wide as the block: centred or not, it
            // looks the same; a title is the likelier.
            Align::Center
        } else {
            Align::Left
        };
    }

    // Rules: to the paragraph right above or right below.
    let min_width = 0.6 * block.width().min(page.width);
    let mut rules: Vec<RuleLine> = page
        .rules
        .iter()
        .copied()
        .filter(|r| r.x1 - r.x0 >= min_width)
        .collect();
    rules.sort_by(|a, b| a.y.total_cmp(&b.y));
    rules.dedup_by(|b, a| (b.y - a.y).abs() < 3.0);
    for r in rules {
        let mut above: Option<(usize, f64)> = None;
        let mut below: Option<(usize, f64)> = None;
        for (i, b) in paras.iter().enumerate() {
            let (Some((first, _)), Some((last, _))) = (b.lines.first(), b.lines.last()) else {
                continue;
            };
            let top = first.y - 0.88 * first.size;
            let bottom = last.y + 0.25 * last.size;
            if bottom <= r.y + 1.0 {
                let d = r.y - bottom;
                if above.is_none_or(|(_, best)| d < best) {
                    above = Some((i, d));
                }
            }
            if top >= r.y - 1.0 {
                let d = top - r.y;
                if below.is_none_or(|(_, best)| d < best) {
                    below = Some((i, d));
                }
            }
        }
        let near = |i: usize, d: f64| d <= (1.6 * paras[i].lines[0].0.size).max(20.0);
        let above = above.filter(|&(i, d)| near(i, d.max(0.0)));
        let below = below.filter(|&(i, d)| near(i, d.max(0.0)));
        match (above, below) {
            (Some((a, da)), Some((b, db))) => {
                if da <= db * 1.5 {
                    paras[a].para.rule_below = true;
                }
                if db <= da * 1.5 {
                    paras[b].para.rule_above = true;
                }
            }
            (Some((a, _)), None) => paras[a].para.rule_below = true,
            (None, Some((b, _))) => paras[b].para.rule_above = true,
            (None, None) => {}
        }
    }

    for b in paras {
        out.push(Item::Para(b.para));
    }

    // Rotated or vertical text, in the order it was drawn.
    let mut run = String::new();
    let mut last: Option<&G> = None;
    for g in page.glyphs.iter().filter(|g| g.rotated) {
        if let Some(l) = last {
            let far = (g.x0 - l.x1).hypot(g.y - l.y) > 3.0 * g.size.max(l.size);
            if far && !run.is_empty() {
                out.push(Item::Para(Para {
                    text: std::mem::take(&mut run),
                    page: Some(number),
                    page_height: Some(round1(page.height)),
                    ..Para::default()
                }));
            }
        }
        run.push_str(&g.text);
        last = Some(g);
    }
    if !run.is_empty() {
        out.push(Item::Para(Para {
            text: run,
            page: Some(number),
            page_height: Some(round1(page.height)),
            ..Para::default()
        }));
    }
}

fn round1(v: f64) -> f32 {
    ((v * 10.0).round() / 10.0) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal PDF with the given content stream and resources, xref
    /// offsets computed.
    pub(crate) fn tiny_pdf(content: &str, resources: &str, extra: &[String]) -> Vec<u8> {
        let mut objects = vec![
            "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources {resources} >>"
            ),
            format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len() + 1),
        ];
        objects.extend(extra.iter().cloned());
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
        );
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    fn helvetica() -> &'static str {
        "<< /Font << /F1 5 0 R >> >>"
    }

    fn font_obj() -> Vec<String> {
        vec![
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
                .into(),
        ]
    }

    fn paras(doc: &Doc) -> Vec<&Para> {
        doc.items
            .iter()
            .filter_map(|i| match i {
                Item::Para(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn lines_sizes_colours_alignment_and_rules() {
        // A red 30 pt centred name, a rule under it, a justified
        // paragraph, a right-aligned byline, a page number. The text block
        // is 72 pt to the end of the long lines (445.5 pt).
        let body = "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod";
        let content = format!(
            "BT /F1 30 Tf 1 0 0 rg 1 0 0 1 215 760 Tm (Bulletin) Tj ET \
             0.8 0 0 rg 72 735 451 1.5 re f \
             0 0 0 rg \
             BT /F1 12 Tf 1 0 0 1 72 700 Tm ({a}) Tj ET \
             BT /F1 12 Tf 1 0 0 1 72 685 Tm ({a}) Tj ET \
             BT /F1 12 Tf 1 0 0 1 72 670 Tm (short end) Tj ET \
             BT /F1 12 Tf 1 0 0 1 72 640 Tm ({a}) Tj ET \
             BT /F1 12 Tf 1 0 0 1 72 625 Tm (last) Tj ET \
             BT /F1 12 Tf 1 0 0 1 400 600 Tm (The Office) Tj ET \
             BT /F1 10 Tf 1 0 0 1 250 40 Tm (- 3 -) Tj ET",
            a = body
        );
        let pdf = tiny_pdf(&content, helvetica(), &font_obj());
        let doc = read(&pdf).unwrap();
        let ps = paras(&doc);
        let texts: Vec<&str> = ps.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts.len(), 5, "{texts:#?}");
        assert_eq!(texts[0], "Bulletin");
        assert!(ps[0].red);
        assert_eq!(ps[0].size, Some(30.0));
        assert!(ps[0].rule_below, "{:?}", ps[0]);
        assert!(!ps[1].red);
        assert!(texts[1].starts_with("Lorem ipsum"));
        assert!(texts[1].ends_with("short end"), "{}", texts[1]);
        assert!(texts[1].contains("eiusmod Lorem"), "{}", texts[1]);
        assert_eq!(ps[1].size, Some(12.0));
        assert_eq!(ps[1].page, Some(1));
        assert_eq!(ps[1].page_height, Some(842.0));
        assert!(texts[2].ends_with("last"));
        assert_eq!(texts[3], "The Office");
        assert_eq!(ps[3].align, Align::Right);
        assert_eq!(texts[4], "- 3 -");
        assert_eq!(ps[4].align, Align::Center);
        assert_eq!(ps[4].font.as_deref(), None);
        assert!(ps[0].y.unwrap() < ps[1].y.unwrap());
    }

    #[test]
    fn image_only_pdf_is_a_scan() {
        let content = "q 500 0 0 700 47 70 cm /Im1 Do Q";
        let resources = "<< /XObject << /Im1 5 0 R >> >>";
        let image = "<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 4 >>\nstream\n\u{0}\u{7f}\u{7f}\u{0}\nendstream".to_string();
        let pdf = tiny_pdf(content, resources, &[image]);
        let e = read(&pdf).unwrap_err();
        assert!(e.contains("scan") && e.contains("OCR"), "{e}");
    }

    #[test]
    fn empty_page_has_no_text() {
        let pdf = tiny_pdf("", "<< >>", &[]);
        let e = read(&pdf).unwrap_err();
        assert!(e.contains("no text"), "{e}");
    }

    #[test]
    fn garbage_never_panics() {
        assert!(read(b"").is_err());
        assert!(read(b"hello").is_err());
        assert!(read(b"%PDF-1.7\n").is_err());
        let good = tiny_pdf(
            "BT /F1 12 Tf 72 700 Td (Hello) Tj ET",
            helvetica(),
            &font_obj(),
        );
        assert!(read(&good).is_ok());
        for cut in (0..good.len()).step_by(7) {
            let _ = read(&good[..cut]);
        }
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..200 {
            let mut bytes = good.clone();
            for _ in 0..6 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let i = (state % bytes.len() as u64) as usize;
                bytes[i] = (state >> 40) as u8;
            }
            let _ = read(&bytes);
        }
    }
}
