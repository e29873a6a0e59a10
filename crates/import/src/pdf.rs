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
//! Rich content, in its place on the page:
//! - **Tables**: grids of horizontal and vertical lines (stroked, or thin
//!   filled rectangles as Word and LibreOffice draw them), at least 2 × 2
//!   cells, become [`Item::Table`]: each glyph goes to the cell its centre
//!   falls in, a cell that the grid's inner lines do not divide spans those
//!   columns or rows (listed once, at its top left), and the header rows
//!   are guessed as deep as the first row's cells reach, and further over
//!   rows set all in bold. Tables ruled only by horizontal lines (三线表)
//!   are not recognised: their text stays text.
//! - **Images**: JPEG (DCTDecode) streams are kept as they are, other
//!   raster images are decoded and written as PNG; each becomes an
//!   [`Item::Image`] with its shown width, followed by its caption (lines
//!   right under it, within its width, starting 图N or centred under it).
//!   Images side by side come one after the other, then their captions.
//!   Vector drawings (charts) cannot come back as a file: a notice says so
//!   and their caption stays text.
//! - **Footnotes** at the page's foot (under a short rule, or small lines
//!   starting ① with no rule), each starting with ①… or a raised number,
//!   go to [`Doc::footnotes`] under keys numbered through the document;
//!   the small or raised mark in the text becomes `[^KEY]`.
//! - **List items**: a paragraph starting 1. (1) • with a tab-like gap
//!   (over half an em) after the marker and its other lines hanging under
//!   the text gets [`Para::list`] (level 1 when its marker is further in
//!   than the item before); the recogniser decides whether to use it.
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
    interpret_page, BlendMode, ClipPath, Context, Device, GlyphDrawMode, Image, ImageData,
    InterpreterCache, InterpreterSettings, Paint, PathDrawMode, SoftMask, TransformExt,
};
use kurbo::{Affine, BezPath, Point, Rect, Shape};

use super::doc::{Align, Doc, Item, Para, ReadError};
use bulletin_model::text::is_wide;

/// Pages read at most; the rest is reported in a notice.
pub const MAX_PAGES: usize = 2000;
/// Glyphs kept at most, the whole document together.
pub const MAX_GLYPHS: usize = 4_000_000;

/// Reads a PDF file.
pub fn read(bytes: &[u8]) -> Result<Doc, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::NotThisFormat(
            "not a PDF file: the file is empty".into(),
        ));
    }
    let head = &bytes[..bytes.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(ReadError::NotThisFormat(
            "not a PDF file: no %PDF- header".into(),
        ));
    }
    let data = bytes.to_vec();
    match std::panic::catch_unwind(move || read_inner(data)) {
        Ok(r) => r,
        Err(_) => Err(ReadError::Damaged(
            "the PDF could not be read: the PDF interpreter failed on it \
                       (a damaged or unusual file)"
                .into(),
        )),
    }
}

fn read_inner(data: Vec<u8>) -> Result<Doc, ReadError> {
    let pdf = Pdf::new(data).map_err(|e| match e {
        LoadPdfError::Decryption(e) => ReadError::Protected(format!(
            "the PDF is encrypted and cannot be read ({e:?}): remove the password \
             (for example `qpdf --decrypt --password=… in.pdf out.pdf`) and import that"
        )),
        LoadPdfError::Invalid => {
            ReadError::Damaged("not a readable PDF: the file is damaged or truncated".into())
        }
    })?;
    let pages = pdf.pages();
    let mut doc = Doc::default();
    if pages.is_empty() {
        return Err(ReadError::NoText("the PDF has no pages".into()));
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
            return Err(ReadError::Scan(format!(
                "the PDF's text cannot be extracted: its fonts ({list}) are not embedded and \
                 use a predefined CJK encoding without a ToUnicode map; print it to a new PDF \
                 with the fonts embedded, or run OCR on it (for example `ocrmypdf --force-ocr`)"
            )));
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
            ReadError::Scan(format!(
                "the PDF is a scan without a text layer ({} page(s) of images, no text): \
                 run OCR on it first (for example `ocrmypdf in.pdf out.pdf`) and import the result",
                collected.len()
            ))
        } else {
            ReadError::NoText("the PDF has no text to import (no text layer and no images)".into())
        });
    }
    if unmapped * 10 > text_chars * 9 {
        return Err(ReadError::Scan(format!(
            "the PDF's text cannot be extracted: {unmapped} of {text_chars} characters have no \
             Unicode mapping (fonts without a ToUnicode table); treat it as a scan: run OCR on \
             it first (for example `ocrmypdf --force-ocr in.pdf out.pdf`)"
        )));
    }
    if unmapped > 0 {
        doc.notices.push(format!(
            "{unmapped} character(s) have no Unicode mapping in the PDF and were read as U+FFFD"
        ));
    }

    lay_out(&mut collected, &fonts, &mut doc);
    Ok(doc)
}

/// Lays out the collected pages into the document's items: tables and
/// figures, the text block, footnotes, lines and paragraphs with their
/// hints (a PDF's text, or the words of a scan read by OCR).
fn lay_out(collected: &mut [PageData], fonts: &Fonts, doc: &mut Doc) {
    // Tables and figures first: their text is not the page's running text.
    for page in collected.iter_mut() {
        find_tables(page);
        find_captions(page);
    }
    let block = TextBlock::of(collected);
    let mut note_count = 0usize;
    for (i, page) in collected.iter_mut().enumerate() {
        if i > 0 {
            doc.items.push(Item::PageBreak);
        }
        let number = i as u32 + 1;
        if page.glyphs.is_empty() && page.images > 0 {
            doc.notices.push(format!(
                "page {number} has no text, only images (a scanned page?)"
            ));
        }
        let lost = page
            .images
            .saturating_sub(page.pics.iter().filter(|p| !p.data.is_empty()).count());
        if lost > 0 && !page.glyphs.is_empty() {
            doc.notices.push(format!(
                "page {number}: {lost} image(s) could not be extracted from the PDF"
            ));
        }
        if page.rotated > 0 {
            doc.notices.push(format!(
                "page {number}: {} character(s) of rotated or vertical text read at the page's end",
                page.rotated
            ));
        }
        for _ in vector_drawings(page) {
            doc.notices.push(format!(
                "page {number}: a vector drawing (a chart or diagram) cannot be imported as an \
                 image file; its caption is kept as text"
            ));
        }
        let marks = find_notes(page, &block, &mut note_count, &mut doc.footnotes);
        layout_page(page, number, &block, fonts, &marks, &mut doc.items);
    }
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

/// A horizontal or vertical line segment (a table's ruling), in points
/// from the top left; `x0 <= x1`, `y0 <= y1`.
#[derive(Debug, Clone, Copy)]
struct Seg {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

/// An image drawn on a page, with its bytes when they could be kept.
#[derive(Debug, Clone)]
struct Pic {
    rect: Rect,
    data: Vec<u8>,
    ext: &'static str,
    /// Its caption's lines (glyphs taken from under it).
    caption: Option<String>,
}

/// A ruled table found on a page.
#[derive(Debug, Clone)]
struct GridTable {
    rect: Rect,
    rows: Vec<Vec<super::doc::Cell>>,
    header_rows: usize,
}

#[derive(Debug, Default)]
struct PageData {
    width: f64,
    height: f64,
    glyphs: Vec<G>,
    rules: Vec<RuleLine>,
    /// Horizontal and vertical segments (table rulings).
    hsegs: Vec<Seg>,
    vsegs: Vec<Seg>,
    /// Bounding boxes of other drawn shapes (a vector drawing's parts).
    shapes: Vec<Rect>,
    pics: Vec<Pic>,
    tables: Vec<GridTable>,
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
        if self.page.hsegs.len() + self.page.vsegs.len() + self.page.shapes.len() > 40_000 {
            return;
        }
        match mode {
            PathDrawMode::Fill(_) => {
                if bbox.height() <= 2.5 && bbox.width() >= 2.0 {
                    let y = (bbox.y0 + bbox.y1) / 2.0;
                    self.page.hsegs.push(Seg {
                        x0: bbox.x0,
                        y0: y,
                        x1: bbox.x1,
                        y1: y,
                    });
                } else if bbox.width() <= 2.5 && bbox.height() >= 2.0 {
                    let x = (bbox.x0 + bbox.x1) / 2.0;
                    self.page.vsegs.push(Seg {
                        x0: x,
                        y0: bbox.y0,
                        x1: x,
                        y1: bbox.y1,
                    });
                } else if bbox.area() >= 4.0 {
                    self.page.shapes.push(bbox);
                }
            }
            PathDrawMode::Stroke(_) => {
                let mut other = false;
                for seg in path.segments().take(2000) {
                    match seg {
                        kurbo::PathSeg::Line(l) => {
                            let (a, b) = (transform * l.p0, transform * l.p1);
                            if (a.y - b.y).abs() < 0.8 && (a.x - b.x).abs() >= 2.0 {
                                let y = (a.y + b.y) / 2.0;
                                self.page.hsegs.push(Seg {
                                    x0: a.x.min(b.x),
                                    y0: y,
                                    x1: a.x.max(b.x),
                                    y1: y,
                                });
                            } else if (a.x - b.x).abs() < 0.8 && (a.y - b.y).abs() >= 2.0 {
                                let x = (a.x + b.x) / 2.0;
                                self.page.vsegs.push(Seg {
                                    x0: x,
                                    y0: a.y.min(b.y),
                                    x1: x,
                                    y1: a.y.max(b.y),
                                });
                            } else if (a - b).hypot() >= 2.0 {
                                other = true;
                            }
                        }
                        _ => other = true,
                    }
                }
                if other && bbox.area() >= 4.0 {
                    self.page.shapes.push(bbox);
                }
            }
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
            // No ToUnicode: the embedded subset's original font may say.
            None => super::cid_unicode::recover(glyph).unwrap_or_else(|| {
                self.page.unmapped += 1;
                "\u{FFFD}".to_string()
            }),
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
        // The transform maps the image's pixels.
        let (w, h) = (f64::from(image.width()), f64::from(image.height()));
        let rect = transform.transform_rect_bbox(Rect::new(0.0, 0.0, w, h));
        let area = rect.area();
        if !(area.is_finite() && area > self.page.width * self.page.height * 0.01) {
            return;
        }
        self.page.images += 1;
        if self.in_type3 > 0 || self.page.pics.len() >= 200 {
            return;
        }
        let Image::Raster(raster) = image else {
            return;
        };
        let (data, ext) = image_bytes(&raster);
        self.page.pics.push(Pic {
            rect,
            data,
            ext,
            caption: None,
        });
    }
}

/// The most pixels an image is re-encoded as PNG with.
const MAX_PNG_PIXELS: u64 = 40_000_000;

/// An image's file: a JPEG (DCTDecode) as it is stored, anything else
/// decoded and written as PNG; empty when it cannot be had.
fn image_bytes(raster: &hayro_interpret::RasterImage<'_>) -> (Vec<u8>, &'static str) {
    use hayro_interpret::hayro_syntax::Filter;
    let stream = raster.stream();
    let filters = stream.filters();
    if filters.as_slice() == [Filter::DctDecode] {
        let raw = stream.raw_data();
        if raw.starts_with(&[0xFF, 0xD8]) {
            return (raw.into_owned(), "jpg");
        }
    }
    if u64::from(raster.width()) * u64::from(raster.height()) > MAX_PNG_PIXELS {
        return (Vec::new(), "png");
    }
    let mut out = Vec::new();
    raster.with_rgba(
        |data, alpha| {
            let (w, h) = (data.width(), data.height());
            let (pixels, channels): (Vec<u8>, u8) = match (&data, alpha) {
                (ImageData::Rgb(rgb), Some(a)) if a.data.len() == (w * h) as usize => (
                    rgb.data
                        .chunks_exact(3)
                        .zip(&a.data)
                        .flat_map(|(c, &a)| [c[0], c[1], c[2], a])
                        .collect(),
                    4,
                ),
                (ImageData::Rgb(rgb), _) => (rgb.data.clone(), 3),
                (ImageData::Luma(l), _) => (l.data.clone(), 1),
            };
            if pixels.len() == (w as usize) * (h as usize) * channels as usize {
                out = png(w, h, channels, &pixels);
            }
        },
        None,
    );
    (out, "png")
}

/// A PNG file of 8-bit pixels (1 = grey, 3 = RGB, 4 = RGBA channels), its
/// data in stored (uncompressed) deflate blocks: no compressor needed.
fn png(width: u32, height: u32, channels: u8, pixels: &[u8]) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in bytes {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let row = width as usize * channels as usize;
    let mut raw = Vec::with_capacity((row + 1) * height as usize);
    for line in pixels.chunks_exact(row.max(1)).take(height as usize) {
        raw.push(0);
        raw.extend_from_slice(line);
    }
    // zlib: header, stored blocks, Adler-32.
    let mut z = vec![0x78, 0x01];
    let mut blocks = raw.chunks(65_535).peekable();
    if blocks.peek().is_none() {
        z.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    while let Some(b) = blocks.next() {
        z.push(u8::from(blocks.peek().is_none()));
        let len = b.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(b);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.push(8);
    ihdr.push(match channels {
        1 => 0,
        4 => 6,
        _ => 2,
    });
    ihdr.extend_from_slice(&[0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
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

/// The text of a line, with spaces where the glyphs leave a gap, and the
/// byte ranges set in bold and the count of red characters. A footnote
/// mark (a small or raised ① or number whose label is in `marks`) is
/// written `[^KEY]`.
fn line_text(
    line: &Line,
    marks: &HashMap<String, String>,
) -> (String, Vec<std::ops::Range<usize>>, usize) {
    let mut text = String::new();
    let mut bold: Vec<std::ops::Range<usize>> = Vec::new();
    let mut red = 0;
    let mut prev: Option<&G> = None;
    let mut after_mark = false;
    let mut i = 0;
    while i < line.glyphs.len() {
        let g = &line.glyphs[i];
        // A footnote mark: small or raised, after some text.
        if !marks.is_empty() && i > 0 {
            let raised = g.size < 0.85 * line.size || g.y < line.y - 0.2 * line.size;
            let c = g.text.chars().next().unwrap_or(' ');
            let mut label = None;
            let mut used = 1;
            if raised && g.text.chars().count() == 1 {
                if let Some(n) = circled(c) {
                    label = Some(n.to_string());
                } else if c.is_ascii_digit() || superscript_digit(c).is_some() && !c.is_ascii() {
                    let mut l = String::new();
                    for h in &line.glyphs[i..] {
                        let d = h.text.chars().next().and_then(superscript_digit);
                        let small = h.size < 0.85 * line.size || h.y < line.y - 0.2 * line.size;
                        match d {
                            Some(d) if small && h.text.chars().count() == 1 && l.len() < 3 => {
                                l.push(char::from_digit(d, 10).unwrap_or('0'))
                            }
                            _ => break,
                        }
                    }
                    used = l.len().max(1);
                    label = Some(l);
                }
            }
            if let Some(key) = label.as_ref().and_then(|l| marks.get(l)) {
                while text.ends_with(' ') {
                    text.pop();
                }
                text.push_str(&format!("[^{key}]"));
                prev = line.glyphs.get(i + used - 1);
                after_mark = true;
                i += used;
                continue;
            }
        }
        if let Some(p) = prev {
            let gap = g.x0 - p.x1;
            let last = text.chars().last().unwrap_or(' ');
            let next = g.text.chars().next().unwrap_or(' ');
            let cjk = is_wide(last) || is_wide(next) || after_mark;
            let threshold = if cjk { 0.45 } else { 0.2 } * g.size.max(p.size);
            let glued = after_mark && is_wide(next);
            if gap > threshold && !last.is_whitespace() && !next.is_whitespace() && !glued {
                text.push(' ');
            }
        }
        if after_mark && g.text.trim().is_empty() {
            let next = line.glyphs.get(i + 1).and_then(|n| n.text.chars().next());
            if next.is_none_or(is_wide) {
                i += 1;
                continue;
            }
        }
        after_mark = false;
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
        i += 1;
    }
    (text, bold, red)
}

/// A list item's marker at the start of a line: 1. 1、 (1) （1） ① • ●…;
/// (its byte length, numbered).
fn list_marker(t: &str) -> Option<(usize, bool)> {
    let mut it = t.char_indices();
    let (_, c) = it.next()?;
    if "•●▪◆■·-–".contains(c) {
        return Some((c.len_utf8(), false));
    }
    if c == '(' || c == '（' {
        let rest = &t[c.len_utf8()..];
        let digits: usize = rest
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .map(|c| c.len_utf8())
            .sum();
        if digits == 0 || digits > 2 {
            return None;
        }
        let close = rest[digits..].chars().next()?;
        return (close == ')' || close == '）')
            .then(|| (c.len_utf8() + digits + close.len_utf8(), true));
    }
    let digits: usize = t
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .map(|c| c.len_utf8())
        .sum();
    if digits == 0 || digits > 2 {
        return None;
    }
    let dot = t[digits..].chars().next()?;
    matches!(dot, '.' | '．' | '、').then(|| (digits + dot.len_utf8(), true))
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
    // A list item's first line, further in (a nested item).
    if gr < 1.0 * em && gl > -em && gl < 8.0 * em {
        let head: String = line
            .glyphs
            .iter()
            .take(5)
            .map(|g| g.text.as_str())
            .collect();
        if list_marker(&head).is_some() {
            return Sit::Full;
        }
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
    marks: &HashMap<String, String>,
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
        let (text, bold, red) = line_text(&line, marks);
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
            // A line that starts with a bullet starts something (a list
            // item, a column named after a mark: ■ 要情动态): a wrapped
            // sentence does not go on with one.
            if text.starts_with([
                '•', '●', '▪', '◆', '■', '□', '◇', '○', '★', '☆', '▲', '▶', '►',
            ]) {
                return false;
            }
            // A list item after another, at its marker's place.
            let first = &b.lines[0].0;
            if list_marker(&text).is_some()
                && list_marker(&b.para.text).is_some()
                && line.x0 <= first.x0 + 0.3 * em
            {
                return false;
            }
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
                            || (gl > first_gl + 0.5 * em
                                && gl <= first_gl + 6.0 * em
                                && list_marker(&b.para.text).is_some())
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

    // List items: a marker (1. (1) •) with a gap after it, and the lines
    // after the first hanging under the text, not under the marker. The
    // level: deeper than the item before when its marker is further in.
    let mut list_x: Option<f64> = None;
    for b in &mut paras {
        let first = &b.lines[0].0;
        let em = first.size.max(1.0);
        // The gap between the marker's last glyph and the text: a tab
        // stop (over half an em), not a typed space (a third of an em).
        let marker = list_marker(&b.para.text).filter(|(len, _)| {
            let mut seen = 0;
            let mut end = None;
            let mut gap = None;
            for g in &first.glyphs {
                if seen < *len {
                    seen += g.text.len();
                    end = Some(g.x1);
                } else if !g.text.trim().is_empty() {
                    gap = end.map(|e| g.x0 - e);
                    break;
                }
            }
            b.para.text[*len..].starts_with(' ') && gap.is_some_and(|d| d >= 0.55 * em)
        });
        let hanging = b.lines.len() < 2 || b.lines[1].0.x0 > first.x0 + 0.5 * em;
        match marker {
            Some((_, numbered)) if hanging => {
                let level = match list_x {
                    Some(x) if first.x0 > x + 0.5 * em => 1,
                    _ => {
                        list_x = Some(first.x0);
                        0
                    }
                };
                b.para.list = Some((level, numbered));
            }
            _ => list_x = None,
        }
    }

    // Paragraphs, tables and figures by their place on the page.
    let mut placed: Vec<(f64, Vec<Item>)> = Vec::new();
    for b in paras {
        let top = b.lines[0].0.y - 0.88 * b.lines[0].0.size;
        placed.push((top, vec![Item::Para(b.para)]));
    }
    for t in &page.tables {
        placed.push((
            t.rect.y0,
            vec![Item::Table(super::doc::Table {
                rows: t.rows.clone(),
                header_rows: t.header_rows,
                page: Some(number),
                ..Default::default()
            })],
        ));
    }
    // Images side by side (overlapping rows) go together, then their
    // captions.
    let mut pics: Vec<&Pic> = page.pics.iter().filter(|p| !p.data.is_empty()).collect();
    pics.sort_by(|a, b| a.rect.y0.total_cmp(&b.rect.y0));
    let mut groups: Vec<Vec<&Pic>> = Vec::new();
    for p in pics {
        match groups.last_mut() {
            Some(g)
                if g.iter().any(|q| {
                    let overlap = q.rect.y1.min(p.rect.y1) - q.rect.y0.max(p.rect.y0);
                    overlap > 0.5 * q.rect.height().min(p.rect.height())
                }) =>
            {
                g.push(p)
            }
            _ => groups.push(vec![p]),
        }
    }
    for mut g in groups {
        g.sort_by(|a, b| a.rect.x0.total_cmp(&b.rect.x0));
        let top = g.iter().map(|p| p.rect.y0).fold(f64::INFINITY, f64::min);
        let mut items = Vec::new();
        for p in &g {
            items.push(Item::Image(super::doc::Image {
                data: p.data.clone(),
                ext: p.ext.to_string(),
                width_mm: Some((p.rect.width() / 72.0 * 25.4) as f32),
            }));
        }
        for p in &g {
            if let Some(c) = &p.caption {
                items.push(Item::Para(Para {
                    text: c.clone(),
                    size: Some(round1(block.body_size)),
                    align: Align::Center,
                    page: Some(number),
                    y: Some(round1(p.rect.y1)),
                    page_height: Some(round1(page.height)),
                    ..Para::default()
                }));
            }
        }
        placed.push((top, items));
    }
    placed.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (_, items) in placed {
        out.extend(items);
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

// ---------------------------------------------------------------------------
// Tables, figures and footnotes

/// Groups values that lie within `tol` of each other; the groups' means,
/// sorted.
fn cluster(mut v: Vec<f64>, tol: f64) -> Vec<f64> {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    let mut out: Vec<(f64, usize)> = Vec::new();
    for x in v {
        match out.last_mut() {
            Some((sum, n)) if x - *sum / *n as f64 <= tol => {
                *sum += x;
                *n += 1;
            }
            _ => out.push((x, 1)),
        }
    }
    out.into_iter().map(|(s, n)| s / n as f64).collect()
}

/// Segments on one line joined where they touch or overlap.
fn merge_segs(mut segs: Vec<Seg>, horizontal: bool) -> Vec<Seg> {
    let key = |s: &Seg| if horizontal { s.y0 } else { s.x0 };
    segs.sort_by(|a, b| {
        key(a).total_cmp(&key(b)).then(if horizontal {
            a.x0.total_cmp(&b.x0)
        } else {
            a.y0.total_cmp(&b.y0)
        })
    });
    let mut out: Vec<Seg> = Vec::new();
    // Group by line first (within 1 pt), then merge along it.
    let mut groups: Vec<Vec<Seg>> = Vec::new();
    for s in segs {
        match groups.last_mut() {
            Some(g) if (key(&s) - key(&g[0])).abs() <= 1.0 => g.push(s),
            _ => groups.push(vec![s]),
        }
    }
    for mut g in groups {
        if horizontal {
            g.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        } else {
            g.sort_by(|a, b| a.y0.total_cmp(&b.y0));
        }
        let mut cur: Option<Seg> = None;
        for s in g {
            cur = Some(match cur {
                Some(mut c) => {
                    let touches = if horizontal {
                        s.x0 <= c.x1 + 1.5
                    } else {
                        s.y0 <= c.y1 + 1.5
                    };
                    if touches {
                        c.x1 = c.x1.max(s.x1);
                        c.y1 = c.y1.max(s.y1);
                        c
                    } else {
                        out.push(c);
                        s
                    }
                }
                None => s,
            });
        }
        out.extend(cur);
    }
    out
}

fn find_root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Whether a glyph's centre lies in a rectangle.
fn glyph_in(g: &G, r: &Rect, pad: f64) -> bool {
    let cx = (g.x0 + g.x1) / 2.0;
    let cy = g.y - 0.35 * g.size;
    cx >= r.x0 - pad && cx <= r.x1 + pad && cy >= r.y0 - pad && cy <= r.y1 + pad
}

/// The text of some glyphs, line by line, lines joined (with a space only
/// between two Latin letters or digits).
fn text_of_glyphs(glyphs: Vec<G>) -> String {
    let mut out = String::new();
    for line in lines_of(&glyphs) {
        let (t, _, _) = line_text(&line, &HashMap::new());
        let t = t.trim();
        if t.is_empty() {
            continue;
        }
        let (a, b) = (out.chars().last(), t.chars().next());
        if let (Some(a), Some(b)) = (a, b) {
            if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() {
                out.push(' ');
            }
        }
        out.push_str(t);
    }
    out
}

/// Finds the ruled tables of a page (grids of horizontal and vertical
/// lines, stroked or filled), places each glyph in its cell by the grid,
/// and takes the tables' glyphs out of the page's running text. A cell the
/// grid's inner lines do not divide spans columns or rows.
fn find_tables(page: &mut PageData) {
    if page.hsegs.len() > 5000 || page.vsegs.len() > 5000 {
        return;
    }
    let hs = merge_segs(page.hsegs.clone(), true);
    let vs = merge_segs(page.vsegs.clone(), false);
    if hs.len() < 2 || vs.len() < 2 {
        return;
    }
    let n = hs.len() + vs.len();
    let mut parent: Vec<usize> = (0..n).collect();
    for (i, h) in hs.iter().enumerate() {
        for (j, v) in vs.iter().enumerate() {
            if v.x0 >= h.x0 - 2.0 && v.x0 <= h.x1 + 2.0 && h.y0 >= v.y0 - 2.0 && h.y0 <= v.y1 + 2.0
            {
                let (a, b) = (
                    find_root(&mut parent, i),
                    find_root(&mut parent, hs.len() + j),
                );
                parent[a] = b;
            }
        }
    }
    let mut comps: HashMap<usize, (Vec<Seg>, Vec<Seg>)> = HashMap::new();
    for i in 0..n {
        let r = find_root(&mut parent, i);
        let e = comps.entry(r).or_default();
        if i < hs.len() {
            e.0.push(hs[i]);
        } else {
            e.1.push(vs[i - hs.len()]);
        }
    }
    let mut comps: Vec<(Vec<Seg>, Vec<Seg>)> = comps.into_values().collect();
    comps.sort_by(|a, b| a.0[0].y0.total_cmp(&b.0[0].y0));
    for (h, v) in comps {
        if h.len() < 2 || v.len() < 2 {
            continue;
        }
        let all = h.iter().chain(&v);
        let rect = Rect::new(
            all.clone().map(|s| s.x0).fold(f64::INFINITY, f64::min),
            all.clone().map(|s| s.y0).fold(f64::INFINITY, f64::min),
            all.clone().map(|s| s.x1).fold(f64::NEG_INFINITY, f64::max),
            all.map(|s| s.y1).fold(f64::NEG_INFINITY, f64::max),
        );
        if rect.width() < 40.0 || rect.height() < 12.0 {
            continue;
        }
        let mut xs = cluster(
            v.iter().map(|s| s.x0).chain([rect.x0, rect.x1]).collect(),
            2.0,
        );
        let mut ys = cluster(
            h.iter().map(|s| s.y0).chain([rect.y0, rect.y1]).collect(),
            2.0,
        );
        // Lines a hair apart (a double rule) are one.
        xs.dedup_by(|b, a| *b - *a < 4.0);
        ys.dedup_by(|b, a| *b - *a < 4.0);
        let (nc, nr) = (xs.len().saturating_sub(1), ys.len().saturating_sub(1));
        if nc < 2 || nr < 2 || nc > 50 || nr > 500 {
            continue;
        }
        // A line at x covering the middle of [ya, yb] (and the same across).
        let has_v = |x: f64, ya: f64, yb: f64| {
            let (a, b) = (ya + 0.3 * (yb - ya), yb - 0.3 * (yb - ya));
            v.iter()
                .any(|s| (s.x0 - x).abs() <= 2.0 && s.y0 <= a && s.y1 >= b)
        };
        let has_h = |y: f64, xa: f64, xb: f64| {
            let (a, b) = (xa + 0.3 * (xb - xa), xb - 0.3 * (xb - xa));
            h.iter()
                .any(|s| (s.y0 - y).abs() <= 2.0 && s.x0 <= a && s.x1 >= b)
        };
        // Every row must be closed on its left and right (a grid, not a
        // set of rules with a box around them).
        let mut owner = vec![vec![usize::MAX; nc]; nr];
        let mut cells: Vec<(usize, usize, usize, usize)> = Vec::new();
        for r in 0..nr {
            for c in 0..nc {
                if owner[r][c] != usize::MAX {
                    continue;
                }
                let mut c2 = c + 1;
                while c2 < nc && owner[r][c2] == usize::MAX && !has_v(xs[c2], ys[r], ys[r + 1]) {
                    c2 += 1;
                }
                let mut r2 = r + 1;
                while r2 < nr
                    && (c..c2).all(|k| owner[r2][k] == usize::MAX)
                    && !has_h(ys[r2], xs[c], xs[c2])
                {
                    r2 += 1;
                }
                let id = cells.len();
                for row in owner.iter_mut().take(r2).skip(r) {
                    for o in row.iter_mut().take(c2).skip(c) {
                        *o = id;
                    }
                }
                cells.push((r, c, r2 - r, c2 - c));
            }
        }
        // A grid whose inner lines divide nothing is a box, not a table.
        if cells.len() < 4 || cells.iter().all(|c| c.3 == nc) {
            continue;
        }
        let mut texts: Vec<Vec<G>> = vec![Vec::new(); cells.len()];
        let mut kept = Vec::with_capacity(page.glyphs.len());
        for g in std::mem::take(&mut page.glyphs) {
            if g.rotated || !glyph_in(&g, &rect, 1.0) {
                kept.push(g);
                continue;
            }
            let cx = (g.x0 + g.x1) / 2.0;
            let cy = g.y - 0.35 * g.size;
            let c = xs.partition_point(|&x| x <= cx).clamp(1, nc) - 1;
            let r = ys.partition_point(|&y| y <= cy).clamp(1, nr) - 1;
            texts[owner[r][c]].push(g);
        }
        page.glyphs = kept;
        let bold: Vec<bool> = texts
            .iter()
            .map(|t| !t.is_empty() && t.iter().all(|g| g.bold))
            .collect();
        let empty: Vec<bool> = texts.iter().map(|t| t.is_empty()).collect();
        let mut rows: Vec<Vec<super::doc::Cell>> = vec![Vec::new(); nr];
        for (id, (r, _, rs, cs)) in cells.iter().enumerate() {
            rows[*r].push(super::doc::Cell {
                text: text_of_glyphs(std::mem::take(&mut texts[id])),
                colspan: *cs as u32,
                rowspan: *rs as u32,
            });
        }
        // Header rows: as deep as the first row's cells reach down, and
        // further while every filled cell of a row is bold.
        let mut header_rows = cells
            .iter()
            .filter(|c| c.0 == 0)
            .map(|c| c.2)
            .max()
            .unwrap_or(1);
        while header_rows + 1 < nr {
            let filled: Vec<usize> = (0..cells.len())
                .filter(|&i| cells[i].0 == header_rows && !empty[i])
                .collect();
            if !filled.is_empty() && filled.iter().all(|&i| bold[i]) {
                header_rows += cells
                    .iter()
                    .filter(|c| c.0 == header_rows)
                    .map(|c| c.2)
                    .max()
                    .unwrap_or(1);
            } else {
                break;
            }
        }
        page.tables.push(GridTable {
            rect,
            rows,
            header_rows: header_rows.min(nr - 1),
        });
    }
    // Rules inside tables are the tables'.
    let tables: Vec<Rect> = page.tables.iter().map(|t| t.rect).collect();
    page.rules.retain(|r| {
        !tables.iter().any(|t| {
            r.y >= t.y0 - 2.0 && r.y <= t.y1 + 2.0 && r.x0 >= t.x0 - 2.0 && r.x1 <= t.x1 + 2.0
        })
    });
}

/// A figure caption's start: 图1, 图 1, 图一, Figure 1, Fig. 1.
fn caption_start(s: &str) -> bool {
    let s = s.trim_start();
    if let Some(rest) = s.strip_prefix('图') {
        let rest = rest.trim_start();
        return rest
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(c));
    }
    let l = s.to_ascii_lowercase();
    (l.starts_with("figure") || l.starts_with("fig.") || l.starts_with("fig "))
        && l.chars().any(|c| c.is_ascii_digit())
}

/// Takes the caption under each image (its lines under the image, not
/// reaching out of the x-range of the images of its row) out of the text.
fn find_captions(page: &mut PageData) {
    let rects: Vec<Rect> = page.pics.iter().map(|p| p.rect).collect();
    for (i, rect) in rects.iter().enumerate() {
        // The images of this one's row: their x-ranges.
        let row: Vec<Rect> = rects
            .iter()
            .copied()
            .filter(|r| (r.y1 - rect.y1).abs() < 24.0 || (r.y0 < rect.y1 && r.y1 > rect.y0))
            .collect();
        let pad = 6.0;
        let within = |g: &G, r: &Rect| {
            let cx = (g.x0 + g.x1) / 2.0;
            cx >= r.x0 - pad && cx <= r.x1 + pad
        };
        let band: Vec<G> = page
            .glyphs
            .iter()
            .filter(|g| !g.rotated && g.y > rect.y1 && g.y < rect.y1 + 120.0 && within(g, rect))
            .cloned()
            .collect();
        let lines = lines_of(&band);
        let mut taken: Vec<Line> = Vec::new();
        let mut bottom = rect.y1;
        for line in lines {
            let top = line.y - 0.88 * line.size;
            let gap = top - bottom;
            if gap > if taken.is_empty() { 2.5 } else { 1.0 } * line.size || taken.len() >= 3 {
                break;
            }
            // Nothing else on this line of the page outside the images.
            let alone = page
                .glyphs
                .iter()
                .filter(|g| !g.rotated && (g.y - line.y).abs() < 0.3 * line.size)
                .all(|g| row.iter().any(|r| within(g, r)));
            if !alone {
                break;
            }
            if taken.is_empty() {
                let (t, _, _) = line_text(&line, &HashMap::new());
                let centre = (line.x0 + line.x1) / 2.0 - (rect.x0 + rect.x1) / 2.0;
                let centred = centre.abs() < line.size && t.chars().count() <= 40;
                if !(caption_start(&t) || centred) {
                    break;
                }
            }
            bottom = line.y + 0.25 * line.size;
            taken.push(line);
        }
        if taken.is_empty() {
            continue;
        }
        let (y0, y1) = (taken[0].y - 0.1, bottom);
        let glyphs: Vec<G> = taken.into_iter().flat_map(|l| l.glyphs).collect();
        page.pics[i].caption = Some(text_of_glyphs(glyphs));
        page.glyphs
            .retain(|g| g.rotated || !(g.y >= y0 && g.y <= y1 && within(g, rect)));
    }
}

/// The page's vector drawings: clusters of drawn shapes outside tables and
/// images, large enough to be a chart or a diagram.
fn vector_drawings(page: &PageData) -> Vec<Rect> {
    let page_area = page.width * page.height;
    let mut boxes: Vec<Rect> = page
        .shapes
        .iter()
        .copied()
        .filter(|s| s.area() < page_area * 0.5)
        .filter(|s| {
            !page
                .tables
                .iter()
                .any(|t| t.rect.inflate(2.0, 2.0).contains_rect(*s))
                && !page
                    .pics
                    .iter()
                    .any(|p| p.rect.inflate(2.0, 2.0).contains_rect(*s))
        })
        .take(5000)
        .collect();
    // Merge boxes that come within 30 pt of each other (a chart's bars)
    // until nothing changes.
    let mut counts: Vec<usize> = vec![1; boxes.len()];
    let mut changed = true;
    while changed {
        changed = false;
        let mut i = 0;
        while i < boxes.len() {
            let mut j = i + 1;
            while j < boxes.len() {
                let near = boxes[i].inflate(30.0, 30.0);
                if !near.intersect(boxes[j]).is_zero_area() || near.contains_rect(boxes[j]) {
                    boxes[i] = boxes[i].union(boxes[j]);
                    counts[i] += counts[j];
                    boxes.remove(j);
                    counts.remove(j);
                    changed = true;
                } else {
                    j += 1;
                }
            }
            i += 1;
        }
    }
    boxes
        .into_iter()
        .zip(counts)
        .filter(|(b, n)| *n >= 3 && b.area() >= page_area * 0.02 && b.width() >= 60.0)
        .map(|(b, _)| b)
        .collect()
}

/// The number of a circled or parenthesised footnote label (①, ⑴, ❶).
fn circled(c: char) -> Option<u32> {
    let u = c as u32;
    match u {
        0x2460..=0x2473 => Some(u - 0x2460 + 1),
        0x2474..=0x2487 => Some(u - 0x2474 + 1),
        0x2776..=0x277F => Some(u - 0x2776 + 1),
        0x2780..=0x2789 => Some(u - 0x2780 + 1),
        0x278A..=0x2793 => Some(u - 0x278A + 1),
        0x24EB..=0x24F4 => Some(u - 0x24EB + 11),
        _ => None,
    }
}

fn superscript_digit(c: char) -> Option<u32> {
    match c {
        '¹' => Some(1),
        '²' => Some(2),
        '³' => Some(3),
        '\u{2070}' => Some(0),
        '\u{2074}'..='\u{2079}' => Some(c as u32 - 0x2070),
        _ => c.to_digit(10),
    }
}

/// A running page number line (— 3 —, - 3 -, 3, 第3页).
fn page_number_text(t: &str) -> bool {
    let core: String = t
        .chars()
        .filter(|c| {
            !c.is_whitespace() && !matches!(c, '—' | '-' | '–' | '－' | '第' | '页' | '共' | '/')
        })
        .collect();
    !core.is_empty() && core.chars().count() <= 8 && core.chars().all(|c| c.is_ascii_digit())
}

/// A footnote line's label: (label, byte length of the label and what
/// follows it up to the text). Circled numbers, or digits set smaller than
/// the text (a raised number).
fn note_label(line: &Line) -> Option<(String, usize)> {
    let first = line.glyphs.first()?;
    let c = first.text.chars().next()?;
    if let Some(n) = circled(c) {
        return Some((n.to_string(), first.text.len()));
    }
    let rest_size = line
        .glyphs
        .iter()
        .skip(1)
        .map(|g| g.size)
        .fold(0.0, f64::max);
    let mut label = String::new();
    let mut bytes = 0;
    for g in &line.glyphs {
        let d: Option<u32> = g.text.chars().next().and_then(superscript_digit);
        let small = g.size < 0.85 * rest_size || g.text.chars().all(|c| "¹²³⁰⁴⁵⁶⁷⁸⁹".contains(c));
        match d {
            Some(d) if small && g.text.chars().count() == 1 && label.len() < 3 => {
                label.push(char::from_digit(d, 10).unwrap_or('0'));
                bytes += g.text.len();
            }
            _ => break,
        }
    }
    (!label.is_empty()).then_some((label, bytes))
}

/// Finds the footnotes at the foot of a page (under a short rule at the
/// block's left, each starting with ① or a raised number; or, without a
/// rule, small lines starting with ① at the page's foot), takes them out of
/// the text, adds them to `notes` under new keys, and returns the page's
/// labels → keys for the marks in the text.
fn find_notes(
    page: &mut PageData,
    block: &TextBlock,
    count: &mut usize,
    notes: &mut Vec<(String, String)>,
) -> HashMap<String, String> {
    let mut marks = HashMap::new();
    let em = block.body_size.max(6.0);
    let lines: Vec<Line> = lines_of(&page.glyphs)
        .into_iter()
        .filter(|l| l.y > page.height * 0.4)
        .collect();
    // Footnote separators: short rules (5 % to 45 % of the page's width)
    // in the page's lower part, outside tables.
    let seps: Vec<(f64, f64)> = page
        .hsegs
        .iter()
        .filter(|s| {
            let w = s.x1 - s.x0;
            w >= 0.05 * page.width
                && w <= 0.45 * page.width
                && s.x0 < page.width * 0.4
                && s.y0 > page.height * 0.4
                && !page
                    .tables
                    .iter()
                    .any(|t| t.rect.inflate(2.0, 2.0).contains(Point::new(s.x0, s.y0)))
        })
        .map(|s| (s.x0, s.y0))
        .collect();
    let starts_note = |l: &Line| note_label(l).is_some();
    // The first note line: under a separator, or (no separator) a small
    // line starting with a circled number in the page's lowest third.
    let mut start: Option<usize> = None;
    for &(x, sep) in seps.iter().rev() {
        if let Some(i) = lines.iter().position(|l| l.y - 0.88 * l.size > sep - 1.0) {
            let l = &lines[i];
            if starts_note(l) && l.y - sep < 3.0 * em && (l.x0 - x).abs() < 2.0 * em {
                start = Some(i);
                break;
            }
        }
    }
    if start.is_none() {
        let first = lines.iter().position(|l| {
            l.y > page.height * 0.66
                && l.size < 0.92 * block.body_size
                && l.glyphs
                    .first()
                    .and_then(|g| g.text.chars().next())
                    .and_then(circled)
                    .is_some()
        });
        // Only when nothing but notes and a page number follows.
        if let Some(i) = first {
            let rest_ok = lines[i..].iter().all(|l| {
                let (t, _, _) = line_text(l, &HashMap::new());
                l.size < 0.92 * block.body_size || page_number_text(&t)
            });
            if rest_ok {
                start = Some(i);
            }
        }
    }
    let Some(start) = start else { return marks };
    let mut found: Vec<(String, String)> = Vec::new();
    let mut rows: Vec<(f64, f64)> = Vec::new();
    for l in &lines[start..] {
        let (t, _, _) = line_text(l, &HashMap::new());
        if page_number_text(&t) {
            continue;
        }
        if let Some((label, len)) = note_label(l) {
            let rest = t.get(len..).unwrap_or("").trim().to_string();
            found.push((label, rest));
        } else if let Some(last) = found.last_mut() {
            let (a, b) = (last.1.chars().last(), t.trim().chars().next());
            if let (Some(a), Some(b)) = (a, b) {
                if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric()
                    || matches!(a, ',' | '.' | ';' | ':') && b.is_ascii_alphanumeric()
                {
                    last.1.push(' ');
                }
            }
            last.1.push_str(t.trim());
        } else {
            break;
        }
        rows.push((l.y, l.size));
    }
    if found.is_empty() {
        return marks;
    }
    page.glyphs
        .retain(|g| g.rotated || !rows.iter().any(|(y, size)| (g.y - y).abs() < 0.35 * size));
    for (label, text) in found {
        *count += 1;
        let key = count.to_string();
        marks.insert(label, key.clone());
        notes.push((key, text));
    }
    marks
}

// ---------------------------------------------------------------------------
// Pages read by OCR

/// A word or character of a scanned page, placed as a PDF's glyph would
/// be: in points from the page's top left, `y` its baseline, `size` its
/// font size.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScanGlyph {
    pub text: String,
    pub x0: f64,
    pub x1: f64,
    pub y: f64,
    pub size: f64,
    pub red: bool,
}

/// A scanned page: its size in points, its glyphs and its horizontal rules
/// (x0, x1, y in points).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ScanPage {
    pub width: f64,
    pub height: f64,
    pub glyphs: Vec<ScanGlyph>,
    pub rules: Vec<(f64, f64, f64)>,
}

/// Lays out pages read by OCR as a PDF's pages are: the same lines,
/// paragraphs, alignment, sizes, colours and rules, for the same
/// recognition.
pub(crate) fn lay_out_scan(pages: Vec<ScanPage>) -> Doc {
    let mut collected: Vec<PageData> = pages
        .into_iter()
        .map(|p| PageData {
            width: p.width,
            height: p.height,
            glyphs: p
                .glyphs
                .into_iter()
                .map(|g| G {
                    text: g.text,
                    x0: g.x0,
                    x1: g.x1,
                    y: g.y,
                    size: g.size,
                    red: g.red,
                    bold: false,
                    font: u32::MAX,
                    rotated: false,
                })
                .collect(),
            rules: p
                .rules
                .into_iter()
                .map(|(x0, x1, y)| RuleLine { x0, x1, y })
                .collect(),
            ..PageData::default()
        })
        .collect();
    let mut doc = Doc::default();
    lay_out(&mut collected, &Fonts::default(), &mut doc);
    doc
}

/// The size of each page in points (width, height), at most `max` pages,
/// and the count of pages, for rasterising a scan.
pub(crate) fn page_sizes(bytes: &[u8], max: usize) -> Result<(Vec<(f64, f64)>, usize), ReadError> {
    let data = bytes.to_vec();
    let r = std::panic::catch_unwind(move || {
        let pdf = Pdf::new(data).ok()?;
        let pages = pdf.pages();
        let sizes = pages
            .iter()
            .take(max)
            .map(|p| {
                let (w, h) = p.render_dimensions();
                (f64::from(w), f64::from(h))
            })
            .collect::<Vec<_>>();
        Some((sizes, pages.len()))
    });
    match r {
        Ok(Some(v)) => Ok(v),
        _ => Err(ReadError::Damaged(
            "not a readable PDF: the file is damaged or truncated".into(),
        )),
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
        let ps = doc.paras();
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
    fn ruled_tables_come_out_as_tables_with_spans() {
        // A grid: "Name" over two rows, "Count" over two columns.
        let lines = "0 0 0 RG 0.5 w \
             72 700 m 372 700 l S 172 680 m 372 680 l S 72 660 m 372 660 l S 72 640 m 372 640 l S \
             72 700 m 72 640 l S 172 700 m 172 640 l S 272 680 m 272 640 l S 372 700 m 372 640 l S";
        let text =
            |x: u32, y: u32, t: &str| format!("BT /F1 10 Tf 1 0 0 1 {x} {y} Tm ({t}) Tj ET ");
        let content = format!(
            "BT /F1 12 Tf 1 0 0 1 72 725 Tm (Before the table.) Tj ET {lines} {}{}{}{}{}{}{}{}",
            text(80, 675, "Name"),
            text(200, 685, "Count"),
            text(180, 665, "A"),
            text(280, 665, "B"),
            text(80, 645, "x"),
            text(180, 645, "1"),
            text(280, 645, "2"),
            "BT /F1 12 Tf 1 0 0 1 72 600 Tm (After the table.) Tj ET"
        );
        let pdf = tiny_pdf(&content, helvetica(), &font_obj());
        let doc = read(&pdf).unwrap();
        let kinds: Vec<String> = doc
            .items
            .iter()
            .map(|i| match i {
                Item::Para(p) => p.text.clone(),
                Item::Table(_) => "TABLE".into(),
                _ => "?".into(),
            })
            .collect();
        assert_eq!(
            kinds,
            ["Before the table.", "TABLE", "After the table."],
            "{kinds:?}"
        );
        let Some(Item::Table(t)) = doc.items.iter().find(|i| matches!(i, Item::Table(_))) else {
            unreachable!()
        };
        let cell = |text: &str, colspan, rowspan| super::super::doc::Cell {
            text: text.into(),
            colspan,
            rowspan,
        };
        assert_eq!(
            t.rows,
            vec![
                vec![cell("Name", 1, 2), cell("Count", 2, 1)],
                vec![cell("A", 1, 1), cell("B", 1, 1)],
                vec![cell("x", 1, 1), cell("1", 1, 1), cell("2", 1, 1)],
            ]
        );
        assert_eq!(t.header_rows, 2);
    }

    #[test]
    fn footnotes_under_a_short_rule_and_their_marks() {
        let body = "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod";
        let content = format!(
            "BT /F1 12 Tf 1 0 0 1 72 760 Tm ({body}) Tj ET \
             BT /F1 12 Tf 1 0 0 1 72 745 Tm ({body}) Tj ET \
             BT /F1 12 Tf 1 0 0 1 72 730 Tm (A fact) Tj ET \
             BT /F1 7 Tf 1 0 0 1 107 735 Tm (1) Tj ET \
             BT /F1 12 Tf 1 0 0 1 112 730 Tm ( ends here.) Tj ET \
             0 0 0 RG 0.5 w 72 120 m 172 120 l S \
             BT /F1 7 Tf 1 0 0 1 72 108 Tm (1) Tj ET \
             BT /F1 9 Tf 1 0 0 1 78 105 Tm (The source of the fact.) Tj ET \
             BT /F1 10 Tf 1 0 0 1 280 60 Tm (- 1 -) Tj ET"
        );
        let pdf = tiny_pdf(&content, helvetica(), &font_obj());
        let doc = read(&pdf).unwrap();
        assert_eq!(
            doc.footnotes,
            vec![("1".to_string(), "The source of the fact.".to_string())]
        );
        let texts: Vec<&str> = doc.paras().iter().map(|p| p.text.as_str()).collect();
        assert!(texts[0].ends_with("A fact[^1] ends here."), "{texts:?}");
        assert_eq!(texts.last(), Some(&"- 1 -"));
        assert!(!texts.iter().any(|t| t.contains("source")), "{texts:?}");
    }

    #[test]
    fn png_files_decode() {
        let pixels: Vec<u8> = (0..(70_000u32 * 3)).map(|i| (i % 251) as u8).collect();
        for (w, h, ch) in [(1u32, 1u32, 1u8), (3, 2, 3), (700, 100, 3), (10, 7, 4)] {
            let n = (w * h) as usize * ch as usize;
            let file = png(w, h, ch, &pixels[..n]);
            let img = image::load_from_memory(&file).unwrap();
            assert_eq!((img.width(), img.height()), (w, h));
            let raw = match ch {
                1 => img.to_luma8().into_raw(),
                3 => img.to_rgb8().into_raw(),
                _ => img.to_rgba8().into_raw(),
            };
            assert_eq!(raw, pixels[..n]);
        }
    }

    #[test]
    fn image_only_pdf_is_a_scan() {
        let content = "q 500 0 0 700 47 70 cm /Im1 Do Q";
        let resources = "<< /XObject << /Im1 5 0 R >> >>";
        let image = "<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 4 >>\nstream\n\u{0}\u{7f}\u{7f}\u{0}\nendstream".to_string();
        let pdf = tiny_pdf(content, resources, &[image]);
        let e = read(&pdf).unwrap_err();
        assert!(
            matches!(&e, ReadError::Scan(m) if m.contains("scan") && m.contains("OCR")),
            "{e}"
        );
    }

    #[test]
    fn empty_page_has_no_text() {
        let pdf = tiny_pdf("", "<< >>", &[]);
        let e = read(&pdf).unwrap_err();
        assert!(
            matches!(&e, ReadError::NoText(m) if m.contains("no text")),
            "{e}"
        );
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
