//! Page images for previews: PNG (typst-render) and SVG (typst-svg).

use std::path::{Path, PathBuf};

use typst_layout::PagedDocument;

use crate::error::{Error, Result};

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Pdf,
    /// OFD (GB/T 33190-2016), the fixed-layout format of Chinese electronic
    /// document systems.
    Ofd,
    Png,
    Svg,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Format, String> {
        match s.to_ascii_lowercase().as_str() {
            "pdf" => Ok(Format::Pdf),
            "ofd" => Ok(Format::Ofd),
            "png" => Ok(Format::Png),
            "svg" => Ok(Format::Svg),
            _ => Err(format!("{s:?}: use pdf, ofd, png or svg")),
        }
    }
}

impl Format {
    /// Whether the format is a document (PDF, OFD) rather than page images.
    pub fn is_document(self) -> bool {
        matches!(self, Format::Pdf | Format::Ofd)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Ofd => "ofd",
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
            Format::Pdf | Format::Ofd => {
                return Err(Error::output(format!(
                    "{} is not a page image format",
                    format.extension().to_uppercase()
                )));
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

/// A page of the live preview: its SVG and its text (for the browser's
/// search and for screen readers; the SVG draws glyphs as shapes).
#[derive(Debug, Clone)]
pub struct PreviewPage {
    pub svg: String,
    pub text: String,
}

/// The pages of a document for the live preview.
pub fn preview_pages(doc: &PagedDocument) -> Vec<PreviewPage> {
    doc.pages()
        .iter()
        .map(|page| PreviewPage {
            svg: typst_svg::svg(
                page,
                &typst_svg::SvgOptions {
                    render_bleed: false,
                    pretty: false,
                },
            ),
            text: crate::document::page_text(&page.frame),
        })
        .collect()
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The live preview's page: every page of the last good render, and over
/// them, when the last render failed, its message.
pub fn preview_html(title: &str, pages: &[PreviewPage], error: Option<&str>) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    );
    html.push_str(&format!("<title>{}</title>\n", escape_html(title)));
    html.push_str(
        "<style>\n\
         body { margin: 0; background: #e8e8ec; font-family: sans-serif; }\n\
         main { display: flex; flex-direction: column; align-items: center; gap: 16px; padding: 16px; }\n\
         .page { position: relative; background: white; box-shadow: 0 1px 4px rgba(0,0,0,.3); }\n\
         .page svg { display: block; width: min(210mm, 95vw); height: auto; }\n\
         .page .text { position: absolute; inset: 0; color: transparent; overflow: hidden;\n\
           white-space: pre-wrap; font-size: 4px; line-height: 1; pointer-events: none; }\n\
         .page .number { position: absolute; right: -3em; top: 0; color: #777; font-size: 12px; }\n\
         #error { position: fixed; left: 0; right: 0; bottom: 0; max-height: 60vh; overflow: auto;\n\
           margin: 0; padding: 12px 16px; background: rgba(60, 0, 0, .92); color: #fff;\n\
           font: 13px/1.4 monospace; white-space: pre-wrap; z-index: 10; }\n\
         #error h2 { margin: 0 0 6px; font: bold 14px sans-serif; color: #ffb4b4; }\n\
         </style>\n</head>\n<body>\n",
    );
    if let Some(message) = error {
        html.push_str(&format!(
            "<div id=\"error\" role=\"alert\"><h2>The last edit does not render; \
             showing the last good pages</h2>{}</div>\n",
            escape_html(message)
        ));
    }
    html.push_str(&format!("<main data-pages=\"{}\">\n", pages.len()));
    for (i, p) in pages.iter().enumerate() {
        html.push_str(&format!(
            "<section class=\"page\" id=\"page-{n}\" data-page=\"{n}\">\n{}\n\
             <div class=\"text\">{}</div><div class=\"number\">{n}</div></section>\n",
            p.svg,
            escape_html(&p.text),
            n = i + 1
        ));
    }
    html.push_str("</main>\n</body>\n</html>\n");
    html
}
