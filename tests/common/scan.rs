//! Scans made from rendered PDFs, for the OCR tests and benchmark: each
//! page rasterised with poppler's `pdftoppm` at 300 dpi, turned a little
//! (skew), tinted like paper and given noise, then stored as JPEG pages of
//! a PDF with no text layer (written here, one image per page). Everything
//! is generated; nothing comes from outside.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use image::RgbImage;

/// Why OCR cannot be tested here (tesseract, its chi_sim data or
/// pdftoppm missing), or None.
pub fn ocr_missing() -> Option<String> {
    let langs = Command::new("tesseract").arg("--list-langs").output();
    match langs {
        Err(_) => return Some("tesseract is not installed (tesseract-ocr)".into()),
        Ok(o) => {
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            if !all.lines().any(|l| l.trim() == "chi_sim") {
                return Some("tesseract has no chi_sim data (tesseract-ocr-chi-sim)".into());
            }
        }
    }
    if Command::new("pdftoppm").arg("-v").output().is_err() {
        return Some("pdftoppm is not installed (poppler-utils)".into());
    }
    None
}

/// True when the OCR tests can run; false (after saying why) when they are
/// skipped. With BULLETIN_REQUIRE_OCR=1 (CI) a missing tool fails.
pub fn ocr_ready(test: &str) -> bool {
    match ocr_missing() {
        None => true,
        Some(why) if std::env::var("BULLETIN_REQUIRE_OCR").as_deref() == Ok("1") => {
            panic!("{test}: BULLETIN_REQUIRE_OCR=1 but {why}")
        }
        Some(why) => {
            eprintln!("{test}: skipped: {why}");
            false
        }
    }
}

/// Rasterises a PDF's pages with pdftoppm (PNG files in `dir`, in order).
pub fn rasterise(pdf: &Path, dir: &Path, dpi: u32) -> Vec<PathBuf> {
    let base = dir.join("page");
    let o = Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-png"])
        .arg(pdf)
        .arg(&base)
        .output()
        .expect("run pdftoppm");
    assert!(
        o.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("page-"))
                && p.extension().is_some_and(|e| e == "png")
        })
        .collect();
    pages.sort();
    pages
}

/// How a page is spoiled into a scan.
#[derive(Debug, Clone, Copy)]
pub struct Spoil {
    /// Turned clockwise by this many degrees.
    pub degrees: f64,
    /// Noise: each channel moved by up to ± this much.
    pub noise: u8,
    pub seed: u64,
}

impl Default for Spoil {
    fn default() -> Self {
        Spoil {
            degrees: 0.5,
            noise: 24,
            seed: 363,
        }
    }
}

/// A page made into a scan: turned (bilinear, with tiny-skia), on greyish
/// paper (the white becomes RGB 236 232 224), with noise.
pub fn spoil(page: &RgbImage, s: Spoil) -> RgbImage {
    use tiny_skia::{Color, FilterQuality, IntSize, Pixmap, PixmapPaint, Transform};
    let (w, h) = page.dimensions();
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    for p in page.as_raw().chunks_exact(3) {
        rgba.extend_from_slice(&[p[0], p[1], p[2], 255]);
    }
    let src = Pixmap::from_vec(rgba, IntSize::from_wh(w, h).unwrap()).unwrap();
    let mut dst = Pixmap::new(w, h).unwrap();
    dst.fill(Color::WHITE);
    dst.draw_pixmap(
        0,
        0,
        src.as_ref(),
        &PixmapPaint {
            quality: FilterQuality::Bilinear,
            ..PixmapPaint::default()
        },
        Transform::from_rotate_at(s.degrees as f32, w as f32 / 2.0, h as f32 / 2.0),
        None,
    );
    let paper = [236u32, 232, 224];
    let mut rng = s.seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let n = u32::from(s.noise);
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for p in dst.data().chunks_exact(4) {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let jitter = ((rng >> 33) as u32 % (2 * n + 1)) as i32 - n as i32;
        for c in 0..3 {
            let v = (u32::from(p[c]) * paper[c] / 255) as i32 + jitter;
            out.push(v.clamp(0, 255) as u8);
        }
    }
    RgbImage::from_raw(w, h, out).unwrap()
}

/// A JPEG of an image (quality 85).
pub fn jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(img)
        .expect("encode JPEG");
    out
}

/// A PDF with one JPEG image a page, no text: pages of `dpi` (each page
/// the image's size at that resolution).
pub fn image_pdf(pages: &[(Vec<u8>, u32, u32)], dpi: f64) -> Vec<u8> {
    let n = pages.len();
    // 1 catalogue, 2 pages, then per page: page, content, image.
    let mut objects: Vec<Vec<u8>> = Vec::new();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 3 + 3 * i)).collect();
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes());
    for (i, (data, w, h)) in pages.iter().enumerate() {
        let (pw, ph) = (*w as f64 * 72.0 / dpi, *h as f64 * 72.0 / dpi);
        let page = 3 + 3 * i;
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.2} {ph:.2}] \
                 /Resources << /XObject << /Im0 {} 0 R >> >> /Contents {} 0 R >>",
                page + 2,
                page + 1
            )
            .into_bytes(),
        );
        let content = format!("q {pw:.2} 0 0 {ph:.2} 0 0 cm /Im0 Do Q");
        objects.push(
            format!(
                "<< /Length {} >>\nstream\n{content}\nendstream",
                content.len()
            )
            .into_bytes(),
        );
        let mut image = format!(
            "<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceRGB \
             /BitsPerComponent 8 /Filter /DCTDecode /Length {} >>\nstream\n",
            data.len()
        )
        .into_bytes();
        image.extend_from_slice(data);
        image.extend_from_slice(b"\nendstream");
        objects.push(image);
    }
    super::pdf::pdf_of(&objects)
}

/// A rendered PDF made into a scanned PDF (and its spoiled pages as
/// images, for importing one as a PNG).
pub fn scan_of(pdf: &Path, dir: &Path, s: Spoil) -> (Vec<u8>, Vec<RgbImage>) {
    let raster = dir.join("raster");
    std::fs::create_dir_all(&raster).unwrap();
    let mut jpegs = Vec::new();
    let mut images = Vec::new();
    for (i, png) in rasterise(pdf, &raster, 300).iter().enumerate() {
        let page = image::open(png).expect("read page").to_rgb8();
        let spoilt = spoil(
            &page,
            Spoil {
                seed: s.seed + i as u64,
                ..s
            },
        );
        let (w, h) = spoilt.dimensions();
        jpegs.push((jpeg(&spoilt), w, h));
        images.push(spoilt);
    }
    let _ = std::fs::remove_dir_all(&raster);
    (image_pdf(&jpegs, 300.0), images)
}

/// Levenshtein distance over characters.
pub fn levenshtein(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The character error rate of `ocr` against `truth`, whitespace removed:
/// edit distance / the truth's characters.
pub fn cer(truth: &str, ocr: &str) -> f64 {
    let t: Vec<char> = truth.chars().filter(|c| !c.is_whitespace()).collect();
    let o: Vec<char> = ocr.chars().filter(|c| !c.is_whitespace()).collect();
    levenshtein(&t, &o) as f64 / t.len().max(1) as f64
}
