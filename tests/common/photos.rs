//! Procedural "photos" for the examples and tests: a street scene (sky,
//! hills, buildings with windows, ground) with sensor-like noise, drawn
//! from a seed, so that the project ships pictures it made itself and tests
//! can make a 20-megapixel JPEG without shipping one.

#![allow(dead_code)]

use image::{codecs::jpeg::JpegEncoder, ImageEncoder, Rgb, RgbImage};

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f32 {
        (self.next() % 10_000) as f32 / 10_000.0
    }
}

/// Draws a scene of `width` × `height` pixels.
pub fn scene(width: u32, height: u32, seed: u64) -> RgbImage {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let (w, h) = (width as f32, height as f32);
    let horizon = h * (0.55 + 0.1 * rng.unit());
    let hill_phase = rng.unit() * 6.0;
    // Buildings: (left, right, top, colour).
    let mut buildings = Vec::new();
    let mut x = 0.0;
    while x < w {
        let bw = w * (0.06 + 0.1 * rng.unit());
        let top = horizon - h * (0.08 + 0.3 * rng.unit());
        let shade = 90.0 + 90.0 * rng.unit();
        let tint = rng.unit();
        buildings.push((x, x + bw, top, shade, tint));
        x += bw + w * 0.01 * rng.unit();
    }
    let mut img = RgbImage::new(width, height);
    for (px, py, p) in img.enumerate_pixels_mut() {
        let (fx, fy) = (px as f32, py as f32);
        let mut c = if fy < horizon {
            // Sky: blue at the top, pale at the horizon.
            let t = fy / horizon;
            [90.0 + 120.0 * t, 140.0 + 90.0 * t, 210.0 + 35.0 * t]
        } else {
            // Ground: grey road and green verge.
            let t = (fy - horizon) / (h - horizon);
            if ((fx / w - 0.5).abs()) < 0.15 + 0.35 * t {
                [110.0 - 20.0 * t, 110.0 - 20.0 * t, 112.0 - 20.0 * t]
            } else {
                [70.0 + 30.0 * t, 120.0 + 20.0 * t, 60.0]
            }
        };
        // Hills behind the buildings.
        let hill = horizon - h * (0.12 + 0.05 * ((fx / w) * 9.0 + hill_phase).sin());
        if fy >= hill && fy < horizon {
            c = [80.0, 110.0, 95.0];
        }
        for &(l, r, top, shade, tint) in &buildings {
            if fx >= l && fx < r && fy >= top && fy < horizon {
                c = [shade + 30.0 * tint, shade, shade - 20.0 * tint];
                // Windows on a regular pattern.
                let wx = ((fx - l) / (w * 0.012)) as i32;
                let wy = ((fy - top) / (h * 0.025)) as i32;
                if wx % 2 == 1 && wy % 2 == 1 {
                    c = [200.0, 210.0, 220.0];
                }
            }
        }
        let noise = (rng.unit() - 0.5) * 18.0;
        *p = Rgb(c.map(|v| (v + noise).clamp(0.0, 255.0) as u8));
    }
    img
}

/// The scene as a JPEG file's bytes.
pub fn jpeg(width: u32, height: u32, seed: u64, quality: u8) -> Vec<u8> {
    let img = scene(width, height, seed);
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(img.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .expect("encode JPEG");
    out
}

/// The scene as a PNG file's bytes.
pub fn png(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let img = scene(width, height, seed);
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .expect("encode PNG");
    out
}
