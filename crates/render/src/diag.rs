//! Typst's diagnostics of a compile, in the same form as the issue file's
//! (see `bulletin_model::diag`): the message, `file:line:column` counted
//! from 1, the source line with the span underlined, hints and the call
//! trace.
//!
//! typst-kit's own `emit` counts columns from 0 and keeps its file access
//! private; this module follows its layout (the same configuration, the same
//! trace lines) with 1-based columns. The upstream change is proposed in
//! `docs/upstream/typst-kit-one-based-columns.patch`.

use std::collections::HashMap;
use std::io::Write;
use std::ops::Range;
use std::sync::Mutex;

use bulletin_model::diag::{buffer, config, finish};
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::termcolor::{Buffer, Color, ColorSpec, WriteColor};
use codespan_reporting::term;
use typst::diag::{Severity, SourceDiagnostic, Tracepoint};
use typst::syntax::{DiagSpan, DiagSpanKind, FileId, Lines, Spanned};
use typst::World;

use crate::world::BulletinWorld;

/// Formats Typst's diagnostics of a compile in `world`.
pub fn typst(world: &BulletinWorld, diags: &[SourceDiagnostic]) -> String {
    let mut buf = buffer();
    let mut files = WorldFiles {
        world,
        lines: Mutex::new(HashMap::new()),
    };
    match emit_typst(&mut buf, &mut files, diags) {
        Ok(()) => finish(buf),
        // The renderer could not read a file: say what Typst said.
        Err(e) => diags
            .iter()
            .map(|d| format!("error: {}", d.message))
            .chain([format!("(while formatting the diagnostics: {e})")])
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn emit_typst(
    dest: &mut Buffer,
    files: &mut WorldFiles,
    diags: &[SourceDiagnostic],
) -> Result<(), FilesError> {
    for d in diags {
        let diag = match d.severity {
            Severity::Error => Diagnostic::error(),
            Severity::Warning => Diagnostic::warning(),
        }
        .with_message(d.message.to_string())
        .with_notes(
            d.hints
                .iter()
                .filter(|s| s.span.is_detached())
                .map(|s| format!("hint: {}", s.v))
                .collect(),
        )
        .with_labels(
            files
                .range(d.span)
                .map(|(id, range)| Label::primary(id, range))
                .into_iter()
                .chain(d.hints.iter().filter_map(|hint| {
                    let (id, range) = files.range(hint.span)?;
                    Some(Label::secondary(id, range).with_message(&hint.v))
                }))
                .collect(),
        );
        term::emit(dest, &config(), &*files, &diag)?;
        let mut traced = false;
        for point in &d.trace {
            emit_trace(dest, files, point)?;
            traced = true;
        }
        if traced {
            writeln!(dest)?;
        }
    }
    Ok(())
}

/// `  while calling `f` at file:line:column` and the traced source.
fn emit_trace(
    dest: &mut Buffer,
    files: &mut WorldFiles,
    point: &Spanned<Tracepoint>,
) -> Result<(), FilesError> {
    let Some((id, range)) = files.range(point.span) else {
        return Ok(());
    };
    let name = files.name(id)?;
    let line_index = files.line_index(id, range.start)?;
    let line = files.line_number(id, line_index)?;
    let column = files.column_number(id, line_index, range.start)?;
    let lines = files.lines(id)?;
    let text = lines.text().get(range).unwrap_or("").to_string();
    write!(dest, "  {} at ", point.v)?;
    dest.set_color(ColorSpec::new().set_underline(true))?;
    write!(dest, "{name}:{line}:{column}")?;
    dest.reset()?;
    writeln!(dest)?;
    let mut text_lines = text.lines();
    write!(dest, "    ")?;
    dest.set_color(ColorSpec::new().set_fg(Some(Color::Ansi256(248))))?;
    if let Some(first) = text_lines.next() {
        write!(dest, "{first}")?;
    }
    if let Some(last_char) = text_lines
        .next_back()
        .and_then(|l| l.chars().next_back())
        .filter(|c| !c.is_whitespace())
    {
        write!(dest, "…{last_char}")?;
    }
    dest.reset()?;
    writeln!(dest)?;
    Ok(())
}

/// The files of a world, for codespan-reporting.
struct WorldFiles<'a> {
    world: &'a BulletinWorld,
    lines: Mutex<HashMap<FileId, Lines<String>>>,
}

impl WorldFiles<'_> {
    fn range(&mut self, span: impl Into<DiagSpan>) -> Option<(FileId, Range<usize>)> {
        match span.into().get() {
            DiagSpanKind::Detached => None,
            DiagSpanKind::Number { id, num, sub_range } => {
                let source = self.world.source(id).ok()?;
                let range = source.range(num, sub_range)?;
                Some((id, range))
            }
            DiagSpanKind::Range { id, range } => Some((id, range)),
        }
    }

    fn lines(&self, id: FileId) -> Result<Lines<String>, FilesError> {
        let mut map = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = map.get(&id) {
            return Ok(l.clone());
        }
        let lines = match self.world.source(id) {
            Ok(source) => source.lines().clone(),
            Err(_) => self
                .world
                .file(id)
                .ok()
                .and_then(|f| f.lines().ok())
                .ok_or(FilesError::FileMissing)?,
        };
        map.insert(id, lines.clone());
        Ok(lines)
    }
}

impl<'a> Files<'a> for WorldFiles<'_> {
    type FileId = FileId;
    type Name = String;
    type Source = Lines<String>;

    fn name(&'a self, id: FileId) -> Result<String, FilesError> {
        Ok(self.world.name(id))
    }

    fn source(&'a self, id: FileId) -> Result<Lines<String>, FilesError> {
        self.lines(id)
    }

    fn line_index(&'a self, id: FileId, given: usize) -> Result<usize, FilesError> {
        let lines = self.lines(id)?;
        lines.byte_to_line(given).ok_or(FilesError::IndexTooLarge {
            given,
            max: lines.len_bytes(),
        })
    }

    fn line_range(&'a self, id: FileId, given: usize) -> Result<Range<usize>, FilesError> {
        let lines = self.lines(id)?;
        lines.line_to_range(given).ok_or(FilesError::LineTooLarge {
            given,
            max: lines.len_lines(),
        })
    }

    /// Counted from 1, as editors count.
    fn column_number(&'a self, id: FileId, _: usize, given: usize) -> Result<usize, FilesError> {
        let lines = self.lines(id)?;
        lines
            .byte_to_column(given)
            .map(|c| c + 1)
            .ok_or(FilesError::InvalidCharBoundary { given })
    }
}

