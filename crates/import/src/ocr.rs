//! Scans: a PDF without a text layer, or an image (PNG, JPEG, TIFF), read
//! through OCR with `tesseract` and its Simplified Chinese data (`chi_sim`;
//! Debian's `tesseract-ocr` and `tesseract-ocr-chi-sim`). A PDF's pages are
//! rasterised at 300 dpi with poppler's `pdftoppm` (`poppler-utils`).
//!
//! Tesseract gives words with their boxes (its TSV output). The words of a
//! line become glyphs placed as a PDF's would be (points from the page's
//! top left, a baseline, a font size from the glyphs' height), red where
//! the pixels under them are red; long horizontal lines of ink in the
//! image are rules. These pages are then laid out by the PDF reader's own
//! layout ([`crate::pdf`]): the same lines, paragraphs, alignment and
//! rules, for the same recognition. The page's skew is measured and taken
//! out of the positions.
//!
//! Every OCR import says that its text must be proofread against the scan
//! (a `# check:` comment), and lists the words tesseract was unsure of.
//!
//! Bounded: at most [`MAX_PAGES`] pages, [`MAX_PIXELS`] pixels a page (an
//! image's size is read from its header before it is decoded; a PDF page
//! too large for 300 dpi is rasterised at less), and a time limit per
//! program run ([`crate::run::run_limited`], in its own process group).
//! Temporaries live in a private folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use bulletin_model::text::is_wide;

use crate::doc::{Doc, ReadError};
use crate::pdf::{ScanGlyph, ScanPage};
use crate::run::{on_path, private_dir, run_limited, RunError};

/// Pages read at most.
pub const MAX_PAGES: usize = 60;
/// The resolution pages are rasterised at.
pub const DPI: f64 = 300.0;
/// The most pixels one page or image may have.
pub const MAX_PIXELS: u64 = 60_000_000;
/// Words kept at most from one page's OCR.
const MAX_WORDS: usize = 100_000;
/// How long rasterising one page may take.
pub const RASTER_TIMEOUT: Duration = Duration::from_secs(60);
/// How long OCR of one page may take.
pub const OCR_TIMEOUT: Duration = Duration::from_secs(180);
/// Words below this confidence (0–100) are listed for checking.
pub const LOW_CONFIDENCE: f32 = 60.0;

/// The note every OCR import carries.
pub const PROOFREAD: &str = "the text was read by OCR from a scan (tesseract, chi_sim): \
     proofread it against the scan, characters and punctuation may be wrong";

const INSTALL: &str = "install Debian's tesseract-ocr and tesseract-ocr-chi-sim (or tesseract \
     and its chi_sim language data on other systems), then import it again";

// ---------------------------------------------------------------------------
// Tesseract's TSV

/// A word of tesseract's TSV output: its left edge and box in pixels (a
/// chi_sim word's box often reaches over the words after it: only its
/// left edge is reliable), its confidence (0–100) and text.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub left: i64,
    pub top: i64,
    pub width: i64,
    pub height: i64,
    pub conf: f32,
    pub text: String,
}

/// A line of tesseract's TSV output: its box in pixels (reliable) and its
/// words, left to right.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OcrLine {
    pub left: i64,
    pub top: i64,
    pub width: i64,
    pub height: i64,
    pub words: Vec<Word>,
}

impl OcrLine {
    /// The words' texts joined (see [`join_words`]).
    pub fn text(&self) -> String {
        join_words(
            &self
                .words
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>(),
        )
    }

    fn scale(&mut self, k: i64) {
        for b in std::iter::once((
            &mut self.left,
            &mut self.top,
            &mut self.width,
            &mut self.height,
        ))
        .chain(
            self.words
                .iter_mut()
                .map(|w| (&mut w.left, &mut w.top, &mut w.width, &mut w.height)),
        ) {
            *b.0 *= k;
            *b.1 *= k;
            *b.2 *= k;
            *b.3 *= k;
        }
    }

    /// Each word's extent (left, right) in pixels: from its left edge to
    /// the next word's at most, the last to the line's end at most.
    fn extents(&self) -> Vec<(i64, i64)> {
        let end = self.left + self.width;
        (0..self.words.len())
            .map(|i| {
                let w = &self.words[i];
                let limit = self.words.get(i + 1).map_or(end, |n| n.left);
                let right = (w.left + w.width).min(limit).min(end);
                (w.left, right.max(w.left + 1))
            })
            .collect()
    }
}

/// Parses tesseract's TSV (level, page_num, block_num, par_num, line_num,
/// word_num, left, top, width, height, conf, text): its lines (level 4),
/// each with its words (level 5) with text. Malformed rows are skipped;
/// a word outside any line makes a line of its own box.
pub fn parse_tsv(tsv: &str) -> Vec<OcrLine> {
    let mut lines: Vec<OcrLine> = Vec::new();
    let mut key: Option<(i64, i64, i64)> = None;
    let mut words = 0usize;
    for row in tsv.lines() {
        if words >= MAX_WORDS {
            break;
        }
        let f: Vec<&str> = row.splitn(12, '\t').collect();
        if f.len() < 11 {
            continue;
        }
        let int = |s: &str| s.trim().parse::<i64>().ok();
        let nums: Option<Vec<i64>> = f[..10].iter().map(|s| int(s)).collect();
        let Some(n) = nums else {
            continue;
        };
        let (left, top, width, height) = (n[6], n[7], n[8], n[9]);
        if width <= 0 || height <= 0 || left < 0 || top < 0 {
            continue;
        }
        let this = (n[2], n[3], n[4]);
        match n[0] {
            4 => {
                lines.push(OcrLine {
                    left,
                    top,
                    width,
                    height,
                    words: Vec::new(),
                });
                key = Some(this);
            }
            5 => {
                let text = f.get(11).map_or("", |t| t.trim());
                if text.is_empty() {
                    continue;
                }
                if key != Some(this) || lines.is_empty() {
                    lines.push(OcrLine {
                        left,
                        top,
                        width,
                        height,
                        words: Vec::new(),
                    });
                    key = Some(this);
                }
                let conf = f[10].trim().parse::<f32>().unwrap_or(0.0);
                if let Some(line) = lines.last_mut() {
                    line.words.push(Word {
                        left,
                        top,
                        width,
                        height,
                        conf,
                        text: text.to_string(),
                    });
                }
                words += 1;
            }
            _ => {}
        }
    }
    lines.retain(|l| !l.words.is_empty());
    for l in &mut lines {
        l.words.sort_by_key(|w| w.left);
    }
    lines
}

/// Whether two words are written with a space between them: Latin words
/// and numbers are; nothing separates CJK characters (or a CJK character
/// and a Latin word).
pub fn spaced(prev: &str, next: &str) -> bool {
    match (prev.chars().last(), next.chars().next()) {
        (Some(a), Some(b)) => !is_wide(a) && !is_wide(b),
        _ => false,
    }
}

/// The text of a line's words: CJK joined, Latin words spaced.
pub fn join_words<S: AsRef<str>>(words: &[S]) -> String {
    let mut out = String::new();
    for w in words {
        let w = w.as_ref();
        if !out.is_empty() && spaced(&out, w) {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

// ---------------------------------------------------------------------------
// Pixels

/// An RGB image, 3 bytes a pixel, rows top to bottom.
pub struct Rgb {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

impl Rgb {
    fn px(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * 3;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }
}

/// Red ink: clearly more red than green and blue.
fn is_red([r, g, b]: [u8; 3]) -> bool {
    r >= 120 && i32::from(r) - i32::from(g) >= 60 && i32::from(r) - i32::from(b) >= 50
}

fn luma([r, g, b]: [u8; 3]) -> u32 {
    (u32::from(r) * 30 + u32::from(g) * 59 + u32::from(b) * 11) / 100
}

/// The paper's brightness (the 80th percentile of a sample of pixels) and
/// the ink threshold under it.
fn ink_threshold(img: &Rgb) -> u32 {
    let mut hist = [0u32; 256];
    let step = ((img.width * img.height) / 200_000).max(1);
    let mut n = 0u32;
    let mut i = 0;
    while i < img.width * img.height {
        hist[luma(img.px(i % img.width, i / img.width)) as usize] += 1;
        n += 1;
        i += step;
    }
    let mut seen = 0;
    let mut paper = 255;
    for (v, &c) in hist.iter().enumerate().rev() {
        seen += c;
        if seen * 5 >= n {
            paper = v as u32;
            break;
        }
    }
    paper * 6 / 10
}

fn is_ink(p: [u8; 3], threshold: u32) -> bool {
    luma(p) < threshold || is_red(p)
}

/// How much of the ink under a box is red: (red pixels, ink pixels).
fn red_ink(img: &Rgb, threshold: u32, x0: i64, y0: i64, x1: i64, y1: i64) -> (u32, u32) {
    let cx = |v: i64| v.clamp(0, img.width as i64) as usize;
    let cy = |v: i64| v.clamp(0, img.height as i64) as usize;
    let (mut red, mut ink) = (0, 0);
    for y in cy(y0)..cy(y1) {
        for x in cx(x0)..cx(x1) {
            let p = img.px(x, y);
            if is_red(p) {
                red += 1;
                ink += 1;
            } else if luma(p) < threshold {
                ink += 1;
            }
        }
    }
    (red, ink)
}

/// The image at half its size (each pixel the mean of four).
fn half(img: &Rgb) -> Rgb {
    let (w, h) = (img.width / 2, img.height / 2);
    let mut data = Vec::with_capacity(w * h * 3);
    let row = img.width * 3;
    for y in 0..h {
        let (r0, r1) = (2 * y * row, (2 * y + 1) * row);
        for x in 0..w {
            for c in 0..3 {
                let i = 6 * x + c;
                let sum = u32::from(img.data[r0 + i])
                    + u32::from(img.data[r0 + i + 3])
                    + u32::from(img.data[r1 + i])
                    + u32::from(img.data[r1 + i + 3]);
                data.push(((sum + 2) / 4) as u8);
            }
        }
    }
    Rgb {
        width: w,
        height: h,
        data,
    }
}

/// A solid bullet (◆ ■ ●) that tesseract read as a character (售, 会…):
/// a first word of one character read with low confidence whose ink is
/// one solid shape. Its shape says which: a diamond's ink is half its
/// box, widest in the middle, half as wide a quarter down; a square fills
/// its box; a disc is in between.
fn mark_bullets(line: &mut OcrLine, img: &Rgb, threshold: u32) {
    let Some(first) = line.words.first_mut() else {
        return;
    };
    if first.text.chars().count() != 1 || first.conf >= LOW_CONFIDENCE {
        return;
    }
    // The ink near the word's left edge, within the line's height.
    let size = line.height.max(1);
    let (x0, x1) = (first.left.max(0), (first.left + size).max(0));
    let (y0, y1) = (line.top.max(0), (line.top + line.height).max(0));
    let cx = |v: i64| (v as usize).min(img.width);
    let cy = |v: i64| (v as usize).min(img.height);
    let mut rows: Vec<(usize, usize, usize)> = Vec::new(); // (y, from, to)
    for y in cy(y0)..cy(y1) {
        let ink: Vec<usize> = (cx(x0)..cx(x1))
            .filter(|&x| is_ink(img.px(x, y), threshold))
            .collect();
        if let (Some(&a), Some(&b)) = (ink.first(), ink.last()) {
            // One solid run: every pixel between is ink.
            if ink.len() + 2 < b - a + 1 {
                return;
            }
            rows.push((y, a, b));
        }
    }
    if rows.len() < 8 {
        return;
    }
    let (top, bottom) = (rows[0].0, rows[rows.len() - 1].0);
    if bottom - top + 1 != rows.len() {
        return;
    }
    let left = rows.iter().map(|r| r.1).min().unwrap_or(0);
    let right = rows.iter().map(|r| r.2).max().unwrap_or(0);
    let (bw, bh) = ((right - left + 1) as f64, rows.len() as f64);
    if bw / bh < 0.75 || bw / bh > 1.33 {
        return;
    }
    let width_at = |f: f64| {
        let r = rows[((rows.len() - 1) as f64 * f).round() as usize];
        (r.2 - r.1 + 1) as f64 / bw
    };
    let fill: f64 = rows.iter().map(|r| (r.2 - r.1 + 1) as f64).sum::<f64>() / (bw * bh);
    let (quarter, middle) = (width_at(0.25), width_at(0.5));
    let mark = if fill > 0.9 {
        '■'
    } else if middle > 0.85 && (0.35..0.65).contains(&quarter) && (0.4..0.6).contains(&fill) {
        '◆'
    } else if middle > 0.9 && (0.75..0.95).contains(&quarter) && (0.7..0.86).contains(&fill) {
        '●'
    } else {
        return;
    };
    first.text = mark.to_string();
    first.conf = 100.0;
    // As wide as its em, as a font sets it (its ink is narrower): the gap
    // after it is then the gap a PDF's text would show.
    first.width = first.width.max(line.height);
}

/// Brackets tesseract reads half-width or doubled: 【上情下达] and
/// 【上情下达]】 are 【上情下达】 (a column's marker), in a line's words.
fn fix_brackets(line: &mut OcrLine) {
    let mut open = false;
    let mut just_closed = false;
    for w in &mut line.words {
        let mut out = String::with_capacity(w.text.len());
        for c in w.text.chars() {
            match c {
                '】' | ']' | '］' if open => {
                    open = false;
                    just_closed = true;
                    out.push('】');
                }
                // The doubled half of "]】".
                '】' | ']' if just_closed => just_closed = false,
                _ => {
                    open |= c == '【';
                    just_closed = false;
                    out.push(c);
                }
            }
        }
        w.text = out;
    }
    line.words.retain(|w| !w.text.is_empty());
}

/// The page's skew: the slope (dy/dx) of its horizontal lines, found as
/// the shear under which rows of ink are sharpest (from −2° to 2°).
fn skew(img: &Rgb, threshold: u32) -> f64 {
    let (w, h) = (img.width, img.height);
    let mut ink: Vec<(f64, f64)> = Vec::new();
    for y in (0..h).step_by(2) {
        for x in (0..w).step_by(3) {
            if is_ink(img.px(x, y), threshold) {
                ink.push((x as f64 - w as f64 / 2.0, y as f64));
            }
        }
        if ink.len() > 2_000_000 {
            break;
        }
    }
    let score = |slope: f64| -> f64 {
        // Bins of two rows, as every other row is sampled.
        let mut hist = vec![0u32; h / 2 + w / 20 + 8];
        let off = (w as f64 * 0.04) + 2.0;
        for &(x, y) in &ink {
            let r = ((y - x * slope + off) / 2.0).floor();
            if r >= 0.0 && (r as usize) < hist.len() {
                hist[r as usize] += 1;
            }
        }
        hist.iter().map(|&c| f64::from(c) * f64::from(c)).sum()
    };
    let mut best = (0.0, score(0.0));
    let search = |from: f64, to: f64, step: f64, best: &mut (f64, f64)| {
        let mut a = from;
        while a <= to + 1e-9 {
            let s = score(a.to_radians().tan());
            if s > best.1 {
                *best = (a, s);
            }
            a += step;
        }
    };
    search(-2.0, 2.0, 0.2, &mut best);
    let centre = best.0;
    search(centre - 0.2, centre + 0.2, 0.04, &mut best);
    best.0.to_radians().tan()
}

/// Horizontal rules: runs of ink along the (skewed) rows at least 40 % of
/// the page wide, at most a few pixels thick; (x0, x1, y) in deskewed
/// pixels.
fn rules(img: &Rgb, threshold: u32, slope: f64) -> Vec<(f64, f64, f64)> {
    let (w, h) = (img.width, img.height);
    let cx = w as f64 / 2.0;
    // Ink counts along sheared rows, every other column.
    let off = (w as f64 * slope.abs() / 2.0).ceil() as i64 + 2;
    let rows = h + 2 * off as usize;
    let mut hist = vec![0u32; rows];
    for y in 0..h {
        for x in (0..w).step_by(2) {
            if is_ink(img.px(x, y), threshold) {
                let r = (y as f64 - (x as f64 - cx) * slope).round() as i64 + off;
                if r >= 0 && (r as usize) < rows {
                    hist[r as usize] += 1;
                }
            }
        }
    }
    let need = (w as f64 * 0.4 / 2.0) as u32;
    let mut found: Vec<(f64, f64, f64)> = Vec::new();
    let mut r = 0;
    while r < rows && found.len() < 200 {
        if hist[r] < need {
            r += 1;
            continue;
        }
        // The band of rows over the count: a rule is a few pixels thick.
        let start = r;
        while r < rows && hist[r] >= need {
            r += 1;
        }
        let band = r - start;
        if band > 30 {
            continue;
        }
        let y = (start + r - 1) as f64 / 2.0 - off as f64;
        // The longest run along the row, gaps of a few pixels bridged.
        let mut best = (0usize, 0usize);
        let mut run_start: Option<usize> = None;
        let mut last_ink = 0usize;
        for x in 0..w {
            let yy = y + (x as f64 - cx) * slope;
            let hit = (-2..=2).any(|d| {
                let y = (yy + d as f64).round();
                y >= 0.0 && (y as usize) < h && is_ink(img.px(x, y as usize), threshold)
            });
            if hit {
                if run_start.is_none() || x - last_ink > 6 {
                    run_start = Some(x);
                }
                last_ink = x;
                if let Some(s) = run_start {
                    if x - s > best.1 - best.0 {
                        best = (s, x);
                    }
                }
            }
        }
        if (best.1 - best.0) as f64 >= w as f64 * 0.4 {
            found.push((best.0 as f64, best.1 as f64, y));
        }
    }
    found
}

// ---------------------------------------------------------------------------
// Pages

/// The font size of a line in points, from its box's height with the
/// skew's drift taken out: a line of CJK glyphs is about 0.95 em tall
/// (its brackets and quotes the full em), of Latin capitals and digits
/// 0.72 em.
fn line_size(line: &OcrLine, slope: f64, to_pt: f64) -> f64 {
    let drift = (line.width as f64 * slope.abs()).min(line.height as f64 * 0.5);
    let h = (line.height as f64 - drift).max(1.0) * to_pt;
    let cjk = line
        .words
        .iter()
        .any(|w| w.text.chars().any(bulletin_model::text::is_han));
    if cjk {
        h / 0.95
    } else {
        h / 0.72
    }
}

/// Sizes close to each other (within 8 %) are one size: OCR measures each
/// line a little differently, and the layout compares sizes. From the
/// sizes of the lines (with their characters' count): the clusters (from,
/// to, the size they are set to).
fn size_clusters(mut all: Vec<(f64, usize)>) -> Vec<(f64, f64, f64)> {
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut clusters: Vec<(f64, f64, f64)> = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let from = all[i].0;
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 <= all[j].0 * 1.04 && all[j + 1].0 <= from * 1.1 {
            j += 1;
        }
        // The median of the cluster, weighted by characters.
        let total: usize = all[i..=j].iter().map(|a| a.1.max(1)).sum();
        let mut seen = 0;
        let mut size = all[i].0;
        for a in &all[i..=j] {
            seen += a.1.max(1);
            if seen * 2 >= total {
                size = a.0;
                break;
            }
        }
        clusters.push((from, all[j].0, (size * 2.0).round() / 2.0));
        i = j + 1;
    }
    clusters
}

fn snap(clusters: &[(f64, f64, f64)], s: f64) -> f64 {
    clusters
        .iter()
        .find(|c| s >= c.0 && s <= c.1)
        .map_or(s, |c| c.2)
}

/// Reads one page image with tesseract: its words.
fn ocr_page(
    tesseract: &Path,
    image: &Path,
    dpi: f64,
    dir: &Path,
) -> Result<Vec<OcrLine>, ReadError> {
    let base = dir.join("ocr");
    let log = std::fs::File::create(dir.join("tesseract.log"))
        .map_err(|e| ReadError::Damaged(format!("cannot write a temporary file: {e}")))?;
    let mut command = Command::new(tesseract);
    command
        .arg(image)
        .arg(&base)
        .args(["-l", "chi_sim", "--psm", "3", "--dpi"])
        .arg(format!("{}", dpi.round()))
        .arg("tsv")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    match run_limited(&mut command, OCR_TIMEOUT) {
        Ok(status) if status.success() => {}
        Ok(status) => {
            let log = std::fs::read_to_string(dir.join("tesseract.log")).unwrap_or_default();
            let log: String = log.lines().take(3).collect::<Vec<_>>().join("; ");
            return Err(ReadError::Damaged(format!(
                "tesseract could not read the scan ({status}): {log}"
            )));
        }
        Err(e) => return Err(run_error("tesseract", e, OCR_TIMEOUT)),
    }
    let tsv = crate::read_bounded(&base.with_extension("tsv"), 64 << 20)
        .map_err(|e| ReadError::Damaged(format!("tesseract's output: {e}")))?;
    Ok(parse_tsv(&String::from_utf8_lossy(&tsv)))
}

fn run_error(program: &str, e: RunError, limit: Duration) -> ReadError {
    match e {
        RunError::Spawn(e) => ReadError::Damaged(format!("cannot run {program}: {e}")),
        RunError::Timeout => ReadError::TooLarge(format!(
            "{program} did not finish a page within {} s",
            limit.as_secs()
        )),
        RunError::Wait(e) => ReadError::Damaged(format!("{program} failed: {e}")),
    }
}

/// A page's lines as glyphs, deskewed, in points; red from the pixels.
/// `sizes` are the lines' font sizes.
fn scan_page(
    img: &Rgb,
    lines: &[OcrLine],
    sizes: &[f64],
    dpi: f64,
    slope: f64,
    threshold: u32,
) -> ScanPage {
    let to_pt = 72.0 / dpi;
    let (cx, cy) = (img.width as f64 / 2.0, img.height as f64 / 2.0);
    // Deskewed: a point of a skewed line (slope dy/dx) back on its row.
    let unskew = |x: f64, y: f64| (x + (y - cy) * slope, y - (x - cx) * slope);
    let mut page = ScanPage {
        width: img.width as f64 * to_pt,
        height: img.height as f64 * to_pt,
        ..ScanPage::default()
    };
    for (line, &size) in lines.iter().zip(sizes) {
        // One baseline for the line: its box's bottom at its middle (the
        // box of a skewed line reaches lower at one end), a CJK glyph's
        // ink ending about 0.1 em under the baseline.
        let mid_x = line.left as f64 + line.width as f64 / 2.0;
        let drift = (line.width as f64 * slope.abs()).min(line.height as f64 * 0.5);
        let bottom = (line.top + line.height) as f64 - drift / 2.0;
        let mid_y = bottom - (line.height as f64 - drift) / 2.0;
        let baseline = unskew(mid_x, bottom).1 * to_pt - 0.1 * size;
        let mut glyphs: Vec<ScanGlyph> = Vec::new();
        for (k, (w, (left, right))) in line.words.iter().zip(line.extents()).enumerate() {
            let x0 = unskew(left as f64, mid_y).0 * to_pt;
            let x1 = unskew(right as f64, mid_y).0 * to_pt;
            let (red, ink) = red_ink(
                img,
                threshold,
                left,
                line.top,
                right,
                line.top + line.height,
            );
            let red = ink > 0 && red * 2 > ink;
            // A CJK word meeting its neighbour: no gap (a gap would read as
            // a space); a wide gap (a line's two ends) is kept.
            if let (Some(prev), Some(pw)) =
                (glyphs.last_mut(), k.checked_sub(1).map(|j| &line.words[j]))
            {
                if spaced(&pw.text, &w.text) {
                    if !prev.text.ends_with(' ') {
                        prev.text.push(' ');
                    }
                } else if x0 > prev.x1 && x0 - prev.x1 < 1.5 * size {
                    prev.x1 = x0;
                }
            }
            let chars: Vec<char> = w.text.chars().collect();
            if chars.iter().any(|c| is_wide(*c)) {
                let step = (x1 - x0) / chars.len().max(1) as f64;
                for (i, c) in chars.iter().enumerate() {
                    glyphs.push(ScanGlyph {
                        text: c.to_string(),
                        x0: x0 + step * i as f64,
                        x1: x0 + step * (i + 1) as f64,
                        y: baseline,
                        size,
                        red,
                    });
                }
            } else {
                // A Latin word or number is one glyph.
                glyphs.push(ScanGlyph {
                    text: w.text.clone(),
                    x0,
                    x1,
                    y: baseline,
                    size,
                    red,
                });
            }
        }
        page.glyphs.extend(glyphs);
    }
    page.rules = rules(img, threshold, slope)
        .into_iter()
        .map(|(x0, x1, y)| (x0 * to_pt, x1 * to_pt, y * to_pt))
        .collect();
    page
}

// ---------------------------------------------------------------------------
// Tools and inputs

/// Tesseract, with its chi_sim data: its path, or the error that says what
/// to install. `what` names the input ("the PDF is a scan without a text
/// layer").
pub fn tesseract(what: &str) -> Result<PathBuf, ReadError> {
    let Some(tesseract) = on_path("tesseract") else {
        return Err(ReadError::NoText(format!(
            "{what}: reading it needs OCR, and tesseract is not installed: {INSTALL}"
        )));
    };
    let dir = temp()?;
    let out = dir.path().join("langs");
    let file = std::fs::File::create(&out)
        .map_err(|e| ReadError::Damaged(format!("cannot write a temporary file: {e}")))?;
    let err = file
        .try_clone()
        .map_err(|e| ReadError::Damaged(format!("cannot write a temporary file: {e}")))?;
    let mut command = Command::new(&tesseract);
    command
        .arg("--list-langs")
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err);
    match run_limited(&mut command, Duration::from_secs(30)) {
        Ok(_) => {}
        Err(e) => return Err(run_error("tesseract", e, Duration::from_secs(30))),
    }
    let langs = crate::read_bounded(&out, 1 << 20).unwrap_or_default();
    let langs = String::from_utf8_lossy(&langs);
    if !langs.lines().any(|l| l.trim() == "chi_sim") {
        return Err(ReadError::NoText(format!(
            "{what}: reading it needs OCR, and tesseract ({}) has no Simplified Chinese data \
             (chi_sim): install Debian's tesseract-ocr-chi-sim (or chi_sim.traineddata in \
             tesseract's tessdata folder)",
            tesseract.display()
        )));
    }
    Ok(tesseract)
}

fn temp() -> Result<tempfile::TempDir, ReadError> {
    private_dir().map_err(|e| ReadError::Damaged(format!("cannot make a temporary folder: {e}")))
}

/// Writes an image as binary PPM (which tesseract reads).
fn write_ppm(img: &Rgb, path: &Path) -> Result<(), ReadError> {
    let mut bytes = format!("P6\n{} {}\n255\n", img.width, img.height).into_bytes();
    bytes.extend_from_slice(&img.data);
    std::fs::write(path, bytes)
        .map_err(|e| ReadError::Damaged(format!("cannot write a temporary file: {e}")))
}

/// Reads a binary PPM (pdftoppm's output), bounded by [`MAX_PIXELS`].
fn read_ppm(bytes: &[u8]) -> Option<Rgb> {
    // "P6" ws width ws height ws maxval, one whitespace, then the data.
    let mut fields: Vec<usize> = Vec::new();
    let mut i = 2;
    if !bytes.starts_with(b"P6") {
        return None;
    }
    while fields.len() < 3 {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'#') {
            if bytes[i] == b'#' {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..i]).ok()?.parse().ok()?);
    }
    i += 1;
    let (w, h, max) = (fields[0], fields[1], fields[2]);
    if max != 255 || w == 0 || h == 0 || (w as u64) * (h as u64) > MAX_PIXELS {
        return None;
    }
    let data = bytes.get(i..i + w * h * 3)?.to_vec();
    Some(Rgb {
        width: w,
        height: h,
        data,
    })
}

/// OCR of page images: `next(i)` gives page i (its pixels and dpi), or
/// None after the last. Each page's pixels are dropped once read.
fn read_pages(
    tesseract: &Path,
    dir: &Path,
    mut next: impl FnMut(usize) -> Result<Option<(Rgb, f64)>, ReadError>,
) -> Result<Doc, ReadError> {
    let mut scan: Vec<ScanPage> = Vec::new();
    let mut sizes: Vec<(f64, usize)> = Vec::new();
    let mut unsure_words: Vec<String> = Vec::new();
    let mut unsure_count = 0usize;
    let mut i = 0;
    loop {
        // Each page gets the time limit (the worker's clock starts again):
        // OCR takes seconds a page, and a scan is bounded by its pages.
        if i > 0 {
            bulletin_model::limits::progress();
        }
        let Some((img, dpi)) = next(i)? else {
            break;
        };
        let file = dir.join("page.ppm");
        // Tesseract reads body-sized CJK glyphs better at about 150 dpi
        // than at 300 (measured on the bundled examples: fewer errors by a
        // third): a page of 250 dpi or more is read at half its size, and
        // the boxes scaled back.
        let halved = dpi >= 250.0;
        if halved {
            write_ppm(&half(&img), &file)?;
        } else {
            write_ppm(&img, &file)?;
        }
        let ocr_dpi = if halved { dpi / 2.0 } else { dpi };
        let mut lines = ocr_page(tesseract, &file, ocr_dpi, dir)?;
        let _ = std::fs::remove_file(&file);
        if halved {
            for l in &mut lines {
                l.scale(2);
            }
        }
        let threshold = ink_threshold(&img);
        for l in &mut lines {
            mark_bullets(l, &img, threshold);
            fix_brackets(l);
        }
        let to_pt = 72.0 / dpi;
        let slope = skew(&img, threshold);
        let line_sizes: Vec<f64> = lines.iter().map(|l| line_size(l, slope, to_pt)).collect();
        for (l, size) in lines.iter().zip(&line_sizes) {
            sizes.push((*size, l.words.iter().map(|w| w.text.chars().count()).sum()));
            for w in l.words.iter().filter(|w| w.conf < LOW_CONFIDENCE) {
                unsure_count += 1;
                if unsure_words.len() < 40 {
                    unsure_words.push(format!("「{}」(p. {})", w.text, i + 1));
                }
            }
        }
        scan.push(scan_page(&img, &lines, &line_sizes, dpi, slope, threshold));
        i += 1;
    }
    let clusters = size_clusters(sizes);
    for p in &mut scan {
        for g in &mut p.glyphs {
            g.size = snap(&clusters, g.size);
        }
    }
    let mut doc = crate::pdf::lay_out_scan(scan);
    doc.guesses.insert(0, PROOFREAD.to_string());
    if unsure_count > 0 {
        doc.guesses.push(format!(
            "OCR was unsure of {unsure_count} word(s) (confidence under {LOW_CONFIDENCE}): {}{}",
            unsure_words.join(" "),
            if unsure_count > unsure_words.len() {
                " …"
            } else {
                ""
            }
        ));
    }
    Ok(doc)
}

/// Reads a PDF without a text layer (a scan) through OCR: its pages
/// rasterised with pdftoppm.
pub fn read_pdf(bytes: &[u8]) -> Result<Doc, ReadError> {
    let what = "the PDF is a scan without a text layer";
    let tesseract = tesseract(what)?;
    let Some(pdftoppm) = on_path("pdftoppm") else {
        return Err(ReadError::NoText(format!(
            "{what}: reading it needs OCR, its pages rasterised with pdftoppm, and pdftoppm is \
             not installed: install Debian's poppler-utils"
        )));
    };
    let (sizes, count) = crate::pdf::page_sizes(bytes, MAX_PAGES)?;
    let dir = temp()?;
    let input = dir.path().join("input.pdf");
    std::fs::write(&input, bytes)
        .map_err(|e| ReadError::Damaged(format!("cannot write a temporary file: {e}")))?;
    let mut notices = Vec::new();
    if count > MAX_PAGES {
        notices.push(format!(
            "the scan has {count} pages; only the first {MAX_PAGES} were read by OCR"
        ));
    }
    let tmp = dir.path().to_path_buf();
    let mut doc = read_pages(&tesseract, dir.path(), |i| {
        let Some(&(w, h)) = sizes.get(i) else {
            return Ok(None);
        };
        // 300 dpi, or less for a page too large for the pixel limit.
        let inches = (w / 72.0).max(0.01) * (h / 72.0).max(0.01);
        let dpi = DPI
            .min((MAX_PIXELS as f64 / inches).sqrt().floor())
            .max(1.0);
        let page = (i + 1).to_string();
        let out = tmp.join("raster");
        let mut command = Command::new(&pdftoppm);
        command
            .args([
                "-r",
                &format!("{dpi}"),
                "-f",
                &page,
                "-l",
                &page,
                "-singlefile",
            ])
            .arg(&input)
            .arg(&out)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match run_limited(&mut command, RASTER_TIMEOUT) {
            Ok(s) if s.success() => {}
            Ok(_) => {
                return Err(ReadError::Damaged(format!(
                    "pdftoppm could not rasterise page {page} of the scan (the PDF may be damaged)"
                )))
            }
            Err(e) => return Err(run_error("pdftoppm", e, RASTER_TIMEOUT)),
        }
        let ppm = out.with_extension("ppm");
        let bytes = crate::read_bounded(&ppm, MAX_PIXELS * 3 + 64)
            .map_err(|e| ReadError::TooLarge(format!("page {page} of the scan: {e}")))?;
        let _ = std::fs::remove_file(&ppm);
        let img = read_ppm(&bytes).ok_or_else(|| {
            ReadError::Damaged(format!("page {page} of the scan could not be rasterised"))
        })?;
        Ok(Some((img, dpi)))
    })?;
    doc.notices.extend(notices);
    Ok(doc)
}

/// Whether the bytes are an image this reader takes (PNG, JPEG, TIFF).
pub fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
}

/// Reads an image (a scanned page) through OCR. Its resolution is taken
/// from its size: the page is taken to be A4 (its shorter side 210 mm).
pub fn read_image(bytes: &[u8]) -> Result<Doc, ReadError> {
    let what = "the file is an image (a scanned page)";
    let tesseract = tesseract(what)?;
    let img = decode(bytes)?;
    let dpi = img.width.min(img.height) as f64 / (210.0 / 25.4);
    let dir = temp()?;
    let mut img = Some(img);
    read_pages(&tesseract, dir.path(), |_| Ok(img.take().map(|i| (i, dpi))))
}

/// Decodes an image, its size checked from its header first.
fn decode(bytes: &[u8]) -> Result<Rgb, ReadError> {
    use image::ImageReader;
    let damaged = |e: image::ImageError| {
        ReadError::Damaged(format!(
            "the image could not be read (damaged or unsupported): {e}"
        ))
    };
    let reader = || {
        ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| ReadError::Damaged(format!("the image could not be read: {e}")))
    };
    let (w, h) = reader()?.into_dimensions().map_err(damaged)?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(ReadError::TooLarge(format!(
            "the image is {w} × {h} pixels, over the limit of {} million for a scanned page: \
             scale it to 300 dpi",
            MAX_PIXELS / 1_000_000
        )));
    }
    let mut r = reader()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(w);
    limits.max_image_height = Some(h);
    limits.max_alloc = Some(MAX_PIXELS * 8);
    r.limits(limits);
    let img = r.decode().map_err(damaged)?.into_rgb8();
    Ok(Rgb {
        width: img.width() as usize,
        height: img.height() as usize,
        data: img.into_raw(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TSV: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t
2\t1\t1\t0\t0\t0\t300\t200\t1800\t300\t-1\t
3\t1\t1\t1\t0\t0\t300\t200\t1800\t300\t-1\t
4\t1\t1\t1\t1\t0\t900\t200\t700\t180\t-1\t
5\t1\t1\t1\t1\t1\t900\t200\t160\t180\t95.5\t工作
5\t1\t1\t1\t1\t2\t1080\t200\t160\t180\t91.2\t简报
4\t1\t1\t1\t2\t0\t300\t500\t1800\t60\t-1\t
5\t1\t1\t1\t2\t1\t300\t500\t300\t60\t96\tCOVID-19
5\t1\t1\t1\t2\t2\t640\t500\t200\t60\t40.1\tcase
5\t1\t1\t1\t2\t3\t860\t500\t120\t60\t88\t疫情
5\t1\t1\t1\t2\t4\t1000\t500\t60\t60\t90\t，
5\t1\t1\t1\t2\t5\t1080\t500\t120\t60\t90\t2020
5\t1\t1\t1\t2\t6\t1210\t500\t60\t60\t90\t年
5\t1\t1\t1\t2\t7\t1280\t500\t60\t60\t90\t \t
bad row
5\t1\tx\t1\t2\t8\t1\t1\t1\t1\t90\tskipped
";

    #[test]
    fn tsv_lines_are_parsed_with_their_boxes_and_words() {
        let lines = parse_tsv(TSV);
        assert_eq!(lines.len(), 2, "{lines:#?}");
        assert_eq!(
            (lines[0].left, lines[0].top, lines[0].width, lines[0].height),
            (900, 200, 700, 180)
        );
        assert_eq!(lines[0].words.len(), 2);
        assert_eq!(
            lines[0].words[0],
            Word {
                left: 900,
                top: 200,
                width: 160,
                height: 180,
                conf: 95.5,
                text: "工作".into()
            }
        );
        // The blank word and the malformed rows are left out.
        assert_eq!(lines[1].words.len(), 6);
        assert_eq!(lines[1].words[1].text, "case");
        assert!(lines[1].words[1].conf < LOW_CONFIDENCE);
    }

    #[test]
    fn lines_join_cjk_without_spaces_and_latin_with() {
        let lines = parse_tsv(TSV);
        assert_eq!(lines[0].text(), "工作简报");
        assert_eq!(lines[1].text(), "COVID-19 case疫情，2020年");
        assert_eq!(join_words(&["第", "363", "期"]), "第363期");
        assert_eq!(
            join_words(&["Work", "Bulletin", "No.", "5"]),
            "Work Bulletin No. 5"
        );
    }

    #[test]
    fn a_word_reaching_over_the_next_ends_where_it_starts() {
        let lines = parse_tsv(TSV);
        // 工作 (900 + 160) stops at 简报 (1080) and 简报 at the line's end.
        assert_eq!(lines[0].extents(), vec![(900, 1060), (1080, 1240)]);
        let mut l = lines[0].clone();
        l.words[0].width = 600;
        assert_eq!(l.extents()[0], (900, 1080));
        l.words[1].width = 900;
        assert_eq!(l.extents()[1], (1080, 1600));
    }

    #[test]
    fn column_brackets_read_half_width_are_made_whole() {
        let word = |t: &str| Word {
            left: 0,
            top: 0,
            width: 1,
            height: 1,
            conf: 90.0,
            text: t.into(),
        };
        for words in [
            vec!["【上", "情", "下", "达", "]】"],
            vec!["【上", "情", "下", "达]"],
            vec!["【上情下达", "】"],
        ] {
            let mut l = OcrLine {
                words: words.iter().map(|t| word(t)).collect(),
                ..OcrLine::default()
            };
            fix_brackets(&mut l);
            assert_eq!(l.text(), "【上情下达】", "{words:?}");
        }
        // A ] with no 【 before it stays.
        let mut l = OcrLine {
            words: vec![word("a]"), word("b")],
            ..OcrLine::default()
        };
        fix_brackets(&mut l);
        assert_eq!(l.text(), "a] b");
    }

    #[test]
    fn words_out_of_order_are_put_left_to_right() {
        let tsv = TSV.replace("5\t1\t1\t1\t1\t1\t900", "5\t1\t1\t1\t1\t1\t1300");
        let lines = parse_tsv(&tsv);
        assert_eq!(lines[0].text(), "简报工作");
    }

    #[test]
    fn sizes_come_from_line_heights_and_close_sizes_are_one() {
        // 300 dpi: a line of 16 pt CJK glyphs is about 0.95 × 16 pt = 63 px.
        let to_pt = 72.0 / 300.0;
        let line = |text: &str, width: i64, height: i64| OcrLine {
            left: 300,
            top: 0,
            width,
            height,
            words: vec![Word {
                left: 300,
                top: 0,
                width: 60,
                height,
                conf: 90.0,
                text: text.into(),
            }],
        };
        let s = line_size(&line("情况", 1800, 63), 0.0, to_pt);
        assert!((s - 16.0).abs() < 0.3, "{s}");
        // Skewed 0.5°: the box is 16 px taller.
        let slope = 0.5f64.to_radians().tan();
        let s = line_size(&line("情况", 1800, 79), slope, to_pt);
        assert!((s - 16.0).abs() < 0.3, "{s}");
        // Digits only: capitals' height.
        let s = line_size(&line("2020", 200, 48), 0.0, to_pt);
        assert!((s - 16.0).abs() < 0.3, "{s}");
        let clusters = size_clusters(vec![
            (15.8, 20),
            (16.3, 30),
            (16.1, 40),
            (42.0, 4),
            (22.2, 10),
        ]);
        let sizes: Vec<f64> = [15.8, 16.3, 16.1, 42.0, 22.2]
            .iter()
            .map(|&s| snap(&clusters, s))
            .collect();
        assert_eq!(sizes, vec![16.0, 16.0, 16.0, 42.0, 22.0]);
    }

    fn page(w: usize, h: usize) -> Rgb {
        Rgb {
            width: w,
            height: h,
            data: vec![235; w * h * 3],
        }
    }

    fn fill(img: &mut Rgb, x0: usize, y0: usize, x1: usize, y1: usize, c: [u8; 3]) {
        for y in y0..y1 {
            for x in x0..x1 {
                let i = (y * img.width + x) * 3;
                img.data[i..i + 3].copy_from_slice(&c);
            }
        }
    }

    #[test]
    fn red_ink_and_rules_are_found_in_the_pixels() {
        let mut img = page(1000, 800);
        // Red "text" and a red rule under it; black text below.
        for k in 0..5 {
            fill(
                &mut img,
                300 + k * 80,
                100,
                340 + k * 80,
                160,
                [200, 30, 30],
            );
        }
        fill(&mut img, 100, 200, 900, 204, [200, 30, 30]);
        for k in 0..8 {
            fill(&mut img, 100 + k * 60, 300, 130 + k * 60, 330, [20, 20, 20]);
        }
        let t = ink_threshold(&img);
        let (red, ink) = red_ink(&img, t, 300, 100, 700, 160);
        assert!(ink > 0 && red == ink, "{red} {ink}");
        let (red, ink) = red_ink(&img, t, 100, 300, 600, 330);
        assert!(ink > 0 && red == 0, "{red} {ink}");
        let found = rules(&img, t, 0.0);
        assert_eq!(found.len(), 1, "{found:?}");
        let (x0, x1, y) = found[0];
        assert!(
            x0 <= 101.0 && x1 >= 898.0 && (y - 201.5).abs() < 2.0,
            "{found:?}"
        );
    }

    #[test]
    fn a_solid_bullet_misread_as_a_character_is_put_back() {
        let mut img = page(400, 100);
        // A filled diamond 40 px across at (20..60, 20..60); a hollow
        // square (a character's strokes) at (220..260, 20..60).
        for y in 20..61usize {
            let half = 20 - (y as i64 - 40).unsigned_abs() as usize;
            fill(&mut img, 40 - half, y, 40 + half + 1, y + 1, [20, 20, 20]);
        }
        fill(&mut img, 220, 20, 260, 24, [20, 20, 20]);
        fill(&mut img, 220, 56, 260, 60, [20, 20, 20]);
        fill(&mut img, 220, 20, 224, 60, [20, 20, 20]);
        fill(&mut img, 256, 20, 260, 60, [20, 20, 20]);
        let t = ink_threshold(&img);
        let line = |left: i64, conf: f32| OcrLine {
            left,
            top: 15,
            width: 300,
            height: 50,
            words: vec![
                Word {
                    left,
                    top: 15,
                    width: 42,
                    height: 50,
                    conf,
                    text: "售".into(),
                },
                Word {
                    left: left + 70,
                    top: 15,
                    width: 40,
                    height: 50,
                    conf: 95.0,
                    text: "中央".into(),
                },
            ],
        };
        let mut l = line(18, 29.0);
        mark_bullets(&mut l, &img, t);
        assert_eq!(l.text(), "◆中央");
        // Read with confidence, or not solid: left as read.
        let mut l = line(18, 90.0);
        mark_bullets(&mut l, &img, t);
        assert_eq!(l.text(), "售中央");
        let mut l = line(218, 29.0);
        mark_bullets(&mut l, &img, t);
        assert_eq!(l.text(), "售中央");
    }

    #[test]
    fn the_skew_of_a_page_is_measured() {
        let mut img = page(1200, 900);
        let slope = 0.6f64.to_radians().tan();
        // Lines of "text": short dark dashes along rows with a slope.
        for row in 0..12 {
            let y0 = 100.0 + row as f64 * 60.0;
            for x in (100..1100).step_by(3) {
                if (x / 20) % 3 == 2 {
                    continue;
                }
                let y = y0 + (x as f64 - 600.0) * slope;
                for dy in 0..12 {
                    let yy = (y + dy as f64).round() as usize;
                    fill(&mut img, x, yy, x + 3, yy + 1, [10, 10, 10]);
                }
            }
        }
        let t = ink_threshold(&img);
        let found = skew(&img, t);
        assert!(
            (found - slope).abs() < 0.06f64.to_radians().tan(),
            "{found} vs {slope}"
        );
    }

    #[test]
    fn ppm_is_read_within_its_bounds() {
        let img = read_ppm(b"P6\n# c\n2 1\n255\n\x01\x02\x03\x04\x05\x06").unwrap();
        assert_eq!((img.width, img.height), (2, 1));
        assert_eq!(img.px(1, 0), [4, 5, 6]);
        assert!(read_ppm(b"P6\n2 1\n255\n\x01").is_none());
        assert!(read_ppm(b"P6\n100000 100000\n255\n").is_none());
        assert!(read_ppm(b"P5\n2 1\n255\n\x01\x02").is_none());
    }

    #[test]
    fn a_giant_image_is_refused_before_decoding() {
        // A PNG header claiming 100000 × 100000 pixels, no data.
        let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0]);
        let crc = crc32(&png[12..]);
        png.extend_from_slice(&crc.to_be_bytes());
        // An empty IDAT: the header is read up to the first one.
        png.extend_from_slice(&[0, 0, 0, 0]);
        png.extend_from_slice(b"IDAT");
        png.extend_from_slice(&crc32(b"IDAT").to_be_bytes());
        match decode(&png) {
            Err(ReadError::TooLarge(m)) => assert!(m.contains("100000"), "{m}"),
            other => panic!("{:?}", other.map(|i| i.width)),
        }
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
