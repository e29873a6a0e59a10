//! Photos printed denser than print needs: found on the laid-out pages (the
//! pixels of each raster image over the size it is printed at), reported
//! with the file they come from, and downsampled on request
//! (`--max-ppi`).

use std::collections::BTreeMap;

use typst::foundations::Bytes;
use typst::layout::{Frame, FrameItem};
use typst::visualize::{ExchangeFormat, ImageKind, RasterFormat};
use typst_layout::PagedDocument;

use crate::content::Block;
use crate::data::Data;

/// Above this density a photo adds to the PDF's size without detail a
/// printer shows (300 ppi is the usual print resolution).
pub const PRINT_PPI: f64 = 300.0;

/// A photo denser than [`PRINT_PPI`] is warned about only when its file is
/// larger than this: a small file adds little to the PDF, however dense.
pub const WARN_BYTES: usize = 1_000_000;

/// A raster image printed denser than a limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    /// The file, relative to the folder.
    pub file: String,
    /// Where the figure is in the issue (`FILE:LINE:COL`, or the article).
    pub place: String,
    /// Its pixels.
    pub pixels: (u32, u32),
    /// The size it is printed at, in mm (its largest placement).
    pub printed_mm: (f64, f64),
    /// Its density at that size, in pixels per inch.
    pub ppi: f64,
    /// The size of its file, in bytes.
    pub bytes: usize,
    /// Whether it is a JPEG (else a PNG).
    pub jpeg: bool,
}

impl Dense {
    /// The pixels it needs at `ppi` at its printed size.
    pub fn pixels_at(&self, ppi: f64) -> (u32, u32) {
        let f = ppi / self.ppi;
        let w = (f64::from(self.pixels.0) * f).round().max(1.0) as u32;
        let h = (f64::from(self.pixels.1) * f).round().max(1.0) as u32;
        (w, h)
    }

    /// The warning for it, with the advice for `limit`.
    pub fn warning(&self, limit: f64) -> String {
        let (w, h) = self.pixels_at(limit);
        format!(
            "{}: the image {} ({} × {} pixels, {}) prints {:.0} × {:.0} mm, at {:.0} ppi: more \
             than {limit:.0} ppi makes the PDF larger without detail a printer shows; pass \
             --max-ppi {limit:.0} to downsample it in the PDF, or save it at about {w} × {h} \
             pixels",
            self.place,
            self.file,
            self.pixels.0,
            self.pixels.1,
            megabytes(self.bytes),
            self.printed_mm.0,
            self.printed_mm.1,
            self.ppi,
        )
    }
}

fn megabytes(n: usize) -> String {
    format!("{:.1} MB", n as f64 / 1_000_000.0)
}

/// A raster image of a document: its pixels and format, the largest size
/// it is printed at (pt) and its file's size.
struct Placed {
    pixels: (u32, u32),
    jpeg: bool,
    width: f64,
    height: f64,
    bytes: usize,
}

/// The raster images of a document, each once.
fn placed(doc: &PagedDocument) -> Vec<Placed> {
    fn walk(frame: &Frame, out: &mut Vec<Placed>) {
        for (_, item) in frame.items() {
            match item {
                FrameItem::Group(g) => walk(&g.frame, out),
                FrameItem::Image(image, size, _) => {
                    if let ImageKind::Raster(r) = image.kind() {
                        let p = Placed {
                            pixels: (r.width(), r.height()),
                            jpeg: matches!(r.format(), RasterFormat::Exchange(ExchangeFormat::Jpg)),
                            width: size.x.to_pt(),
                            height: size.y.to_pt(),
                            bytes: r.data().len(),
                        };
                        match out
                            .iter_mut()
                            .find(|e| e.pixels == p.pixels && e.bytes == p.bytes)
                        {
                            Some(e) if e.width < p.width => *e = p,
                            Some(_) => {}
                            None => out.push(p),
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for page in doc.pages() {
        walk(&page.frame, &mut out);
    }
    out
}

/// The figures' images of the issue: (file relative to the folder,
/// pixels, the figure's place).
fn files(data: &Data) -> Vec<(String, (u32, u32), String)> {
    let mut out = Vec::new();
    for column in &data.columns {
        for article in &column.articles {
            for block in &article.blocks {
                if let Block::Figure(f) = block {
                    for img in &f.images {
                        let (Some(size), Some(file)) =
                            (img.size, img.path.strip_prefix("/issue-files/"))
                        else {
                            continue;
                        };
                        out.push((file.to_string(), size, f.place.clone()));
                    }
                }
            }
        }
    }
    out
}

/// The raster images printed denser than `limit` ppi, each once.
pub fn dense(doc: &PagedDocument, data: &Data, limit: f64) -> Vec<Dense> {
    let files = files(data);
    let mut out: Vec<Dense> = Vec::new();
    for p in placed(doc) {
        if p.width <= 0.0 {
            continue;
        }
        let ppi = f64::from(p.pixels.0) / (p.width / 72.0);
        if ppi <= limit + 0.5 {
            continue;
        }
        for (file, _, place) in files.iter().filter(|(_, size, _)| *size == p.pixels) {
            if out.iter().any(|d| &d.file == file) {
                continue;
            }
            out.push(Dense {
                file: file.clone(),
                place: place.clone(),
                pixels: p.pixels,
                printed_mm: (p.width / 72.0 * 25.4, p.height / 72.0 * 25.4),
                ppi,
                bytes: p.bytes,
                jpeg: p.jpeg,
            });
        }
    }
    out
}

/// `bytes` (the file of `d`) downsampled to `ppi` at its printed size: a
/// JPEG again (quality 90) or a PNG; `None` when it cannot be decoded.
pub fn downsample(d: &Dense, bytes: &[u8], ppi: f64) -> Option<Bytes> {
    let (w, h) = d.pixels_at(ppi);
    let img = image::load_from_memory(bytes).ok()?;
    let small = img.resize_exact(w, h, image::imageops::FilterType::Triangle);
    let mut out = std::io::Cursor::new(Vec::new());
    if d.jpeg {
        let rgb = small.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&rgb)
            .ok()?;
    } else {
        small.write_to(&mut out, image::ImageFormat::Png).ok()?;
    }
    Some(Bytes::new(out.into_inner()))
}

/// Files of the folder served in place of the files themselves
/// (downsampled images), by their path relative to the folder.
pub type Replaced = BTreeMap<String, Bytes>;
