//! Page images for previews: PNG (typst-render) and SVG (typst-svg).

use std::path::{Path, PathBuf};

use typst_layout::PagedDocument;

use crate::error::{Error, Result};

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Pdf,
    Png,
    Svg,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Format, String> {
        match s.to_ascii_lowercase().as_str() {
            "pdf" => Ok(Format::Pdf),
            "png" => Ok(Format::Png),
            "svg" => Ok(Format::Svg),
            _ => Err(format!("{s:?}: use pdf, png or svg")),
        }
    }
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// A set of pages, written `1-3,5,8-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pages(Vec<(usize, Option<usize>)>);

impl std::str::FromStr for Pages {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Pages, String> {
        let bad = || format!("{s:?}: pages are numbers and ranges such as 1-3,5,8-");
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim) {
            let (a, b) = match part.split_once('-') {
                Some((a, b)) => (a.trim(), Some(b.trim())),
                None => (part, None),
            };
            let start: usize = a.parse().map_err(|_| bad())?;
            let end = match b {
                None => Some(start),
                Some("") => None,
                Some(b) => Some(b.parse().map_err(|_| bad())?),
            };
            if start == 0 || end.is_some_and(|e| e < start) {
                return Err(bad());
            }
            out.push((start, end));
        }
        Ok(Pages(out))
    }
}

impl Pages {
    pub fn contains(&self, page: usize) -> bool {
        self.0
            .iter()
            .any(|&(a, b)| page >= a && b.is_none_or(|b| page <= b))
    }
}

/// The path of page `p`'s image: `{p}` in the pattern is the page number.
pub fn page_path(pattern: &Path, p: usize) -> PathBuf {
    PathBuf::from(pattern.to_string_lossy().replace("{p}", &p.to_string()))
}

/// Renders the selected pages (all when `pages` is None) as images; returns
/// (page number, bytes).
pub fn images(
    doc: &PagedDocument,
    format: Format,
    pages: Option<&Pages>,
    ppi: f32,
) -> Result<Vec<(usize, Vec<u8>)>> {
    let mut out = Vec::new();
    for (i, page) in doc.pages().iter().enumerate() {
        let n = i + 1;
        if pages.is_some_and(|p| !p.contains(n)) {
            continue;
        }
        let bytes = match format {
            Format::Png => {
                let pixmap = typst_render::render(
                    page,
                    &typst_render::RenderOptions {
                        pixel_per_pt: (f64::from(ppi) / 72.0).into(),
                        render_bleed: false,
                    },
                );
                pixmap
                    .encode_png()
                    .map_err(|e| Error::output(format!("cannot encode page {n} as PNG: {e}")))?
            }
            Format::Svg => typst_svg::svg(
                page,
                &typst_svg::SvgOptions {
                    render_bleed: false,
                    pretty: false,
                },
            )
            .into_bytes(),
            Format::Pdf => {
                return Err(Error::output("PDF is not a page image format"));
            }
        };
        out.push((n, bytes));
    }
    if out.is_empty() {
        return Err(Error::input(format!(
            "no pages selected: the document has {} pages",
            doc.pages().len()
        )));
    }
    Ok(out)
}
