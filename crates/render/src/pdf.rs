//! PDF export: the standards an issue asks for, its metadata, and an outline
//! shown when the file opens.

use typst::foundations::{Datetime, Smart};
use typst_pdf::{PdfOptions, PdfStandards, Timestamp};

use crate::error::{Error, Result};
use crate::pipeline::Rendered;

/// Exports a laid-out issue as PDF, conforming to the standards the issue
/// asks for. The document identifier and the creation date come from the
/// issue, so the same input gives the same bytes. The PDF opens with its
/// outline (columns and articles) shown.
pub fn export_pdf(rendered: &Rendered) -> Result<Vec<u8>> {
    let data = &rendered.data;
    let d = data.issue.date;
    let timestamp = Datetime::from_ymd(d.year.into(), d.month, d.day).map(Timestamp::new_utc);
    let list: Vec<typst_pdf::PdfStandard> = data
        .options
        .pdf_standards
        .iter()
        .filter_map(|s| serde_json::from_value(serde_json::Value::String(s.name().into())).ok())
        .collect();
    let standards = PdfStandards::new(&list).map_err(|e| {
        let mut m = format!(
            "PDF standards {:?}: {}",
            data.options.pdf_standards,
            e.message()
        );
        for h in e.hints() {
            m.push_str(&format!("\n  = hint: {h}"));
        }
        Error::input(m)
    })?;
    let options = PdfOptions {
        ident: Smart::Custom(format!(
            "bulletin-pdf/{}/{}/{}",
            data.bulletin.name, data.issue.number, data.issue.date_text
        )),
        creator: Smart::Custom(Some(format!("bulletin-pdf {}", env!("CARGO_PKG_VERSION")))),
        timestamp,
        standards,
        ..PdfOptions::default()
    };
    let pdf = typst_pdf::pdf(&rendered.document, &options).map_err(|errs| {
        Error::layout(
            errs.iter()
                .map(|e| {
                    let mut m = format!("PDF export: {}", e.message);
                    for h in &e.hints {
                        m.push_str(&format!("\n  = hint: {}", h.v));
                    }
                    m
                })
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    Ok(open_with_outline(pdf))
}

/// One document of the copies of a numbered run: the pages of every copy,
/// one copy after another, with the first copy's metadata, so that it is
/// exported once (each font subset once for all the copies). The copies are
/// laid out from the same content, so their elements have the same
/// locations: the outline and links lead into the first copy, and each
/// copy's text is tagged like the first's.
pub fn join_copies(
    first: &typst_layout::PagedDocument,
    pages: Vec<typst_layout::Page>,
) -> typst_layout::PagedDocument {
    use typst::model::Document;
    typst_layout::PagedDocument::new(pages.into_iter().collect(), first.info().clone())
}

/// Adds `/PageMode /UseOutlines` to the catalog, so that viewers open the PDF
/// with its bookmarks shown. typst-pdf writes the catalog as the last object
/// before the cross-reference table; inserting into it moves only the
/// `startxref` offset. If the file is not laid out that way, it is returned
/// unchanged.
pub fn open_with_outline(pdf: Vec<u8>) -> Vec<u8> {
    const CATALOG: &[u8] = b"<</Type/Catalog";
    const INSERT: &[u8] = b"/PageMode/UseOutlines";
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let rfind = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).rposition(|w| w == needle);
    let (Some(cat), Some(xref), Some(sx)) = (
        find(&pdf, CATALOG),
        rfind(&pdf, b"\nxref\n"),
        rfind(&pdf, b"startxref\n"),
    ) else {
        return pdf;
    };
    let single_catalog = rfind(&pdf, CATALOG) == Some(cat);
    let has_outline = find(&pdf[cat..xref], b"/Outlines ").is_some();
    let already = find(&pdf[cat..xref], b"/PageMode").is_some();
    // The catalog must be the last object: its end is the last thing before
    // the cross-reference table.
    let tail = &pdf[cat..xref];
    let last_object = find(tail, b"endobj") == Some(tail.len().saturating_sub(6));
    let digits = &pdf[sx + 10..];
    let end = digits.iter().position(|b| !b.is_ascii_digit()).unwrap_or(0);
    let offset: Option<usize> = std::str::from_utf8(&digits[..end])
        .ok()
        .and_then(|s| s.parse().ok());
    if !single_catalog || !has_outline || already || !last_object || offset != Some(xref + 1) {
        return pdf;
    }
    let at = cat + CATALOG.len();
    let mut out = Vec::with_capacity(pdf.len() + INSERT.len());
    out.extend_from_slice(&pdf[..at]);
    out.extend_from_slice(INSERT);
    out.extend_from_slice(&pdf[at..sx + 10]);
    out.extend_from_slice((xref + 1 + INSERT.len()).to_string().as_bytes());
    out.extend_from_slice(&pdf[sx + 10 + end..]);
    out
}
