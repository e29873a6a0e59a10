//! What an image file is, from its first bytes: the one reader of image
//! headers that the importer and the layout share (pure Rust, no decoder).

/// An image format the layout can print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Svg,
}

impl ImageKind {
    /// The file extension images of this kind are saved with.
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Svg => "svg",
        }
    }
}

/// What is wrong with an image file, as a phrase that follows its name
/// ("is a truncated PNG", "has no pixels", "is a GIF", …).
pub type ImageProblem = &'static str;

/// The kind of an image and its size in pixels when the header says it
/// (PNG and JPEG; SVG: none), or what is wrong with it: a PNG, JPEG or SVG
/// file with a readable size is what the layout prints.
///
/// ```
/// use bulletin_model::image::{image_size, ImageKind};
/// assert_eq!(image_size(b"<svg xmlns='x'/>"), Ok((ImageKind::Svg, None)));
/// assert_eq!(image_size(b"GIF89a...."), Err("is a GIF"));
/// ```
pub fn image_size(bytes: &[u8]) -> Result<(ImageKind, Option<(u32, u32)>), ImageProblem> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        if bytes.len() < 24 {
            return Err("is a truncated PNG");
        }
        let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
        if w == 0 || h == 0 {
            return Err("has no pixels");
        }
        return Ok((ImageKind::Png, Some((w, h))));
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        // Walk the segments to the frame header (SOF0…SOF15 but DHT, JPG, DAC).
        let mut i = 2;
        while i + 9 < bytes.len() {
            if bytes[i] != 0xFF {
                return Err("is a damaged JPEG");
            }
            let marker = bytes[i + 1];
            if marker == 0xFF {
                i += 1;
                continue;
            }
            let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
            if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
                let h = u32::from(u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]));
                let w = u32::from(u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]));
                if w == 0 || h == 0 {
                    return Err("has no pixels");
                }
                return Ok((ImageKind::Jpeg, Some((w, h))));
            }
            if len < 2 {
                return Err("is a damaged JPEG");
            }
            i += 2 + len;
        }
        return Err("is a truncated JPEG");
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with("<svg")
        || head.starts_with("<!DOCTYPE svg")
        || (head.starts_with("<?xml") && head.contains("<svg"))
        || head.contains("<svg")
    {
        return Ok((ImageKind::Svg, None));
    }
    Err(if bytes.starts_with(b"GIF8") {
        "is a GIF"
    } else if bytes.starts_with(b"RIFF") {
        "is a WebP"
    } else if bytes.starts_with(b"%PDF") {
        "is a PDF"
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        "is a TIFF"
    } else if bytes.is_empty() {
        "is empty"
    } else {
        "is not an image this tool reads"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(640u32.to_be_bytes());
        png.extend(480u32.to_be_bytes());
        assert_eq!(image_size(&png), Ok((ImageKind::Png, Some((640, 480)))));
        assert_eq!(image_size(&png[..20]), Err("is a truncated PNG"));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0, 30, 0, 40, 3, 0, 0,
        ];
        assert_eq!(image_size(&jpeg), Ok((ImageKind::Jpeg, Some((40, 30)))));
        assert!(image_size(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 4]).is_err());
        assert_eq!(image_size(b"<svg xmlns='x'/>"), Ok((ImageKind::Svg, None)));
        assert_eq!(image_size(b"II*\0...."), Err("is a TIFF"));
        assert_eq!(image_size(b""), Err("is empty"));
    }
}
