//! bulletin-pdf: typeset Chinese government work bulletins (工作简报) from a
//! TOML issue file to print-ready PDF, in-process with the Typst crates.
//!
//! The pipeline: [`data::read_issue`] reads and checks the TOML,
//! [`data::build`] turns it into the layout's data, [`check_glyphs`] finds
//! characters no font has, [`compile`] lays the issue out with a [`Layout`],
//! [`export_pdf`] writes the PDF bytes and [`write_atomic`] puts them in place.

pub mod body;
pub mod data;
pub mod error;
pub mod fonts;
pub mod layout;
pub mod model;
pub mod world;

use std::io::Write;
use std::path::{Path, PathBuf};

use typst::diag::{Severity, SourceDiagnostic, Warned};
use typst::foundations::{Datetime, Smart};
use typst::WorldExt;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, Timestamp};

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
}

/// A laid-out issue.
pub struct Rendered {
    pub document: PagedDocument,
    pub data: Data,
    /// Warnings worth showing (Typst's, less the expected ones).
    pub warnings: Vec<String>,
}

/// Reads, checks and lays out one issue file.
pub fn render_file(
    path: &Path,
    layout: &Layout,
    fonts: &Fonts,
    opts: &RenderOptions,
) -> Result<Rendered> {
    let issue = data::read_issue(path)?;
    let data = data::build(&issue, &layout.manifest.fonts);
    if !opts.allow_missing_glyphs {
        check_glyphs(&data, fonts).map_err(|m| Error {
            kind: ErrorKind::MissingGlyphs,
            message: format!("{}: {m}", path.display()),
        })?;
    }
    let (document, warnings) = compile(&data, layout, fonts)?;
    Ok(Rendered {
        document,
        data,
        warnings,
    })
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
) -> Result<(PagedDocument, Vec<String>)> {
    let world = BulletinWorld::new(layout, fonts, data)?;
    let Warned { output, warnings } = typst::compile::<PagedDocument>(&world);
    let warnings = warnings
        .iter()
        .filter(|w| !w.message.starts_with("unknown font family"))
        .map(|w| format_diagnostic(&world, w))
        .collect();
    match output {
        Ok(doc) => Ok((doc, warnings)),
        Err(errors) => Err(Error::layout(format_diagnostics(&world, &errors))),
    }
}

/// Formats diagnostics like a compiler: file:line:col, the line, hints, trace.
pub fn format_diagnostics(world: &BulletinWorld, diags: &[SourceDiagnostic]) -> String {
    diags
        .iter()
        .map(|d| format_diagnostic(world, d))
        .collect::<Vec<_>>()
        .join("\n")
}

fn format_diagnostic(world: &BulletinWorld, d: &SourceDiagnostic) -> String {
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = match locate(world, d.span) {
        Some((file, text, range)) => error::snippet(
            Path::new(&file),
            &text,
            range,
            &format!("{severity}: {}", d.message),
        ),
        None => format!("{severity}: {}", d.message),
    };
    for hint in &d.hints {
        out.push_str(&format!("\n  = hint: {}", hint.v));
    }
    for point in &d.trace {
        let at = locate(world, point.span)
            .map(|(file, text, range)| {
                let (l, c) = error::line_col(&text, range.start);
                format!(" at {file}:{l}:{c}")
            })
            .unwrap_or_default();
        out.push_str(&format!("\n  = in {}{at}", point.v));
    }
    out
}

/// The file (as a user knows it), its text and the byte range of a span.
fn locate(
    world: &BulletinWorld,
    span: impl Into<typst::syntax::DiagSpan> + Copy,
) -> Option<(String, String, std::ops::Range<usize>)> {
    let span: typst::syntax::DiagSpan = span.into();
    let id = span.id()?;
    let range = world.range(span)?;
    let (name, text) = world.describe(id)?;
    Some((name, text, range))
}

/// Exports a laid-out issue as PDF. The document identifier and the creation
/// date come from the issue, so the same input gives the same bytes.
pub fn export_pdf(rendered: &Rendered) -> Result<Vec<u8>> {
    let d = rendered.data.issue.date;
    let timestamp = Datetime::from_ymd(d.year.into(), d.month, d.day).map(Timestamp::new_utc);
    let options = PdfOptions {
        ident: Smart::Custom(format!(
            "bulletin-pdf/{}/{}/{}",
            rendered.data.bulletin.name, rendered.data.issue.number, rendered.data.issue.date_text
        )),
        creator: Smart::Custom(Some(format!("bulletin-pdf {}", env!("CARGO_PKG_VERSION")))),
        timestamp,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&rendered.document, &options).map_err(|errs| {
        Error::layout(
            errs.iter()
                .map(|e| format!("PDF export: {}", e.message))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })
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
