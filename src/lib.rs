//! bulletin-pdf: typeset Chinese government work bulletins (工作简报) from a
//! TOML issue file to print-ready PDF, in-process with the Typst crates.
//!
//! The pipeline: [`data::read_issue`] reads and checks the TOML,
//! [`data::build`] turns it into the layout's data, [`check_glyphs`] finds
//! characters no font has, [`compile`] lays the issue out with a [`Layout`],
//! [`export_pdf`] writes the PDF bytes and [`write_atomic`] puts them in place.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod batch;
pub mod body;
pub mod catalogue;
pub mod data;
pub mod error;
pub mod fonts;
pub mod layout;
pub mod model;
pub mod preview;
pub mod world;

use std::io::Write;
use std::path::{Path, PathBuf};

use typst::diag::{SourceDiagnostic, Warned};
use typst::foundations::{Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandards, Timestamp};

pub use crate::data::Data;
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::fonts::{FontOptions, Fonts};
pub use crate::layout::Layout;
pub use crate::world::BulletinWorld;

/// Options for rendering one issue.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Print empty boxes for characters no font has instead of failing.
    pub allow_missing_glyphs: bool,
    /// PDF standards to conform to; when set, they replace the issue's own
    /// `options.pdf_standards`.
    pub pdf_standards: Option<Vec<typst_pdf::PdfStandard>>,
    /// The encoding of issue and series files.
    pub encoding: data::Encoding,
    /// Use the given layout even when an issue or series file names another
    /// (as `--layout` does).
    pub force_layout: bool,
}

/// A laid-out issue.
pub struct Rendered {
    pub document: PagedDocument,
    pub data: Data,
    /// Warnings worth showing (Typst's, less the expected ones).
    pub warnings: Vec<String>,
    /// The name of the layout used.
    pub layout: String,
}

/// Reads, checks and lays out one issue file, on top of the series files
/// (`bulletin.toml`) in its folder and the folders above.
pub fn render_file(
    path: &Path,
    layout: &Layout,
    fonts: &Fonts,
    opts: &RenderOptions,
) -> Result<Rendered> {
    let series = data::read_series(path, opts.encoding)?;
    render_file_with(path, &series, layout, fonts, opts)
}

/// Reads, checks and lays out one issue file with the given series files.
pub fn render_file_with(
    path: &Path,
    series: &[std::sync::Arc<data::Series>],
    layout: &Layout,
    fonts: &Fonts,
    opts: &RenderOptions,
) -> Result<Rendered> {
    let bytes = data::read_limited(path)?;
    let issue = data::parse_issue_with(path, &bytes, series, opts.encoding)?;
    let named;
    let layout = match (&issue.layout, opts.force_layout) {
        (Some(name), false) => {
            let base = path.parent().unwrap_or(Path::new("."));
            named = Layout::find(name, base)
                .map(|mut l| {
                    l.packages = layout.packages.clone();
                    l.share_parsed_sources(layout);
                    l
                })
                .map_err(|e| Error::layout(format!("{}: {}", path.display(), e.message)))?;
            &named
        }
        _ => layout,
    };
    let mut data = data::build(&issue, layout)
        .map_err(|m| Error::input(format!("{}: {m}", path.display())))?;
    if let Some(list) = &opts.pdf_standards {
        data.options.pdf_standards = list.clone();
    }
    if !opts.allow_missing_glyphs {
        check_glyphs(&data, fonts).map_err(|m| Error {
            kind: ErrorKind::MissingGlyphs,
            message: format!("{}: {m}", path.display()),
        })?;
    }
    let issue_dir = match path.parent() {
        Some(p) if p.as_os_str().is_empty() => Some(Path::new(".")),
        p => p,
    };
    let (document, warnings) = compile(&data, layout, fonts, issue_dir)?;
    Ok(Rendered {
        document,
        data,
        warnings,
        layout: layout.manifest.name.clone(),
    })
}

/// Compiles a plain Typst project folder (as `export-typst` writes it).
pub fn compile_project(dir: &Path, fonts: &Fonts) -> Result<PagedDocument> {
    let layout = Layout::from_dir(dir)?;
    let world = BulletinWorld::plain(&layout, fonts)?;
    let Warned { output, .. } = typst::compile::<PagedDocument>(&world);
    output.map_err(|errors| Error::layout(format_diagnostics(&world, &errors)))
}

/// Writes a plain Typst project for an issue: the layout's files, with
/// `main.typ`, and the issue's data as `issue.json`. `typst compile
/// DIR/main.typ` (with the fonts on its font path) gives the same document.
pub fn export_typst(
    path: &Path,
    layout: &Layout,
    encoding: data::Encoding,
    out: &Path,
) -> Result<()> {
    let series = data::read_series(path, encoding)?;
    let bytes = data::read_limited(path)?;
    let issue = data::parse_issue_with(path, &bytes, &series, encoding)?;
    let data = data::build(&issue, layout)
        .map_err(|m| Error::input(format!("{}: {m}", path.display())))?;
    let json = serde_json::to_vec_pretty(&data)
        .map_err(|e| Error::output(format!("cannot encode the issue: {e}")))?;
    let files = layout.files()?;
    let io = |e: std::io::Error, p: &Path| Error::output(format!("{}: {e}", p.display()));
    for (rel, content) in files
        .iter()
        .map(|(r, c)| (r.as_str(), c.as_slice()))
        .chain([("issue.json", json.as_slice())])
    {
        let target = out.join(rel);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io(e, dir))?;
        }
        write_atomic(&target, content)?;
    }
    if layout.manifest.main != "main.typ" {
        let main = format!("#include \"{}\"\n", layout.manifest.main);
        write_atomic(&out.join("main.typ"), main.as_bytes())?;
    }
    Ok(())
}

/// Lists every character that no available font has, with where it is.
pub fn check_glyphs(data: &Data, fonts: &Fonts) -> std::result::Result<(), String> {
    let mut missing: Vec<(char, String)> = Vec::new();
    for place in data.places() {
        let mut seen = Vec::new();
        for c in place.text.chars() {
            if is_invisible(c) || seen.contains(&c) || fonts.covers(c) {
                continue;
            }
            seen.push(c);
            missing.push((c, place.place.clone()));
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let mut msg = String::from("no available font has these characters:\n");
    for (c, place) in &missing {
        msg.push_str(&format!("  {c} (U+{:04X}) in {place}\n", *c as u32));
    }
    msg.push_str(
        "Install a font that has them (or name its folder with --font-path DIR), \
         or pass --allow-missing-glyphs to print empty boxes in their place.",
    );
    Err(msg)
}

/// Characters that are not drawn: spaces, controls and format characters.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c as u32,
            0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
            | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
            | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF)
}

/// Lays out the issue's data with a layout.
pub fn compile(
    data: &Data,
    layout: &Layout,
    fonts: &Fonts,
    issue_dir: Option<&Path>,
) -> Result<(PagedDocument, Vec<String>)> {
    let world = BulletinWorld::new(layout, fonts, data)?.with_issue_dir(issue_dir);
    let Warned { output, warnings } = typst::compile::<PagedDocument>(&world);
    let warnings = warnings
        .iter()
        .filter(|w| !w.message.starts_with("unknown font family"))
        .map(|w| format_diagnostics(&world, std::slice::from_ref(w)))
        .collect();
    match output {
        Ok(doc) => Ok((doc, warnings)),
        Err(errors) => Err(Error::layout(format_diagnostics(&world, &errors))),
    }
}

static COLOR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether diagnostics are formatted with terminal colours (the command
/// turns this on when its standard error is a terminal).
pub fn set_color(on: bool) {
    COLOR.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Formats diagnostics like a compiler (with typst-kit's codespan-reporting
/// renderer): the message, file:line:column, the source line with the span
/// underlined, the hints and the call trace.
pub fn format_diagnostics(world: &BulletinWorld, diags: &[SourceDiagnostic]) -> String {
    use typst_kit::diagnostics::{emit, termcolor, DiagnosticFormat};
    let mut buf = if COLOR.load(std::sync::atomic::Ordering::Relaxed) {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    match emit(&mut buf, world, diags, DiagnosticFormat::Human) {
        Ok(()) => String::from_utf8_lossy(buf.as_slice())
            .trim_end()
            .lines()
            .map(one_based_column)
            .collect::<Vec<_>>()
            .join("\n"),
        // The renderer could not read a file: say what Typst said.
        Err(e) => diags
            .iter()
            .map(|d| format!("{}", d.message))
            .chain([format!("(while formatting the diagnostics: {e})")])
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// typst-kit counts columns from 0 in its `file:line:column` locations (as
/// the typst CLI does); editors and our TOML messages count from 1.
fn one_based_column(line: &str) -> String {
    if !(line.contains("┌─ ") || line.contains(" at ")) {
        return line.to_string();
    }
    // The location ends the line, perhaps followed by a colour reset.
    let (body, reset) = match line.rfind("\x1b[") {
        Some(i) if line[i..].ends_with('m') => line.split_at(i),
        _ => (line, ""),
    };
    let digits = body.len() - body.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (head, col) = body.split_at(body.len() - digits);
    let is_location = head
        .strip_suffix(':')
        .is_some_and(|h| h.ends_with(|c: char| c.is_ascii_digit()));
    match col.parse::<usize>() {
        Ok(c) if is_location => format!("{head}{}{reset}", c + 1),
        _ => line.to_string(),
    }
}

/// Exports a laid-out issue as PDF, conforming to the standards the issue
/// asks for. The document identifier and the creation date come from the
/// issue, so the same input gives the same bytes. The PDF opens with its
/// outline (columns and articles) shown.
pub fn export_pdf(rendered: &Rendered) -> Result<Vec<u8>> {
    let data = &rendered.data;
    let d = data.issue.date;
    let timestamp = Datetime::from_ymd(d.year.into(), d.month, d.day).map(Timestamp::new_utc);
    let standards = PdfStandards::new(&data.options.pdf_standards).map_err(|e| {
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

/// Whether a file name is one of [`write_atomic`]'s temporary files
/// (`.NAME.PID.tmp`).
pub fn is_temp_name(name: &str) -> bool {
    let Some(inner) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    inner
        .rsplit_once('.')
        .is_some_and(|(base, pid)| !base.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// flushed to disk, then renamed over the target. On failure the temporary
/// file is removed and an older file at `path` is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let fail = |what: &str, e: std::io::Error| {
        Error::output(format!("{}: cannot {what}: {e}", path.display()))
    };
    if !dir.is_dir() {
        return Err(Error::output(format!(
            "{}: the folder {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.is_file() && !meta.file_type().is_symlink() {
            return Err(Error::output(format!(
                "{}: is not a regular file (a folder or a device); refusing to replace it",
                path.display()
            )));
        }
    }
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(|e| fail("create a file there", e))?;
        f.write_all(bytes).map_err(|e| fail("write", e))?;
        f.sync_all().map_err(|e| fail("write", e))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(|e| fail("replace the file", e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_count_columns_from_one() {
        assert_eq!(
            one_based_column("  ┌─ a/main.typ:3:14"),
            "  ┌─ a/main.typ:3:15"
        );
        assert_eq!(
            one_based_column("  while calling `f` at a/main.typ:4:1\x1b[0m"),
            "  while calling `f` at a/main.typ:4:2\x1b[0m"
        );
        assert_eq!(one_based_column("3 │ #let x = 12"), "3 │ #let x = 12");
        assert_eq!(one_based_column("look at 12"), "look at 12");
    }

    #[test]
    fn temp_names() {
        assert!(is_temp_name(".issue.pdf.1234.tmp"));
        assert!(!is_temp_name("issue.pdf"));
        assert!(!is_temp_name(".issue.pdf.x1.tmp"));
    }
}
