//! Typst's diagnostics of a compile as the model's diagnostics
//! ([`bulletin_model::diag::Diagnostic`]): the message, the place counted
//! from 1 as editors count (`file:line:column`), the lines of the span, the
//! hints and the call trace. They are rendered where they are shown, like
//! every other error.
//!
//! typst-kit's `DiagnosticWorld` and `emit` render at once, to a writer,
//! and count columns from 0; here the diagnostics are kept as data (so a
//! batch worker can send them to its parent, and a report or the preview
//! can show them without colours) and the layout is typst-kit's own: the
//! same configuration, the same trace lines. The upstream change to 1-based
//! columns is proposed in `docs/upstream/typst-kit-one-based-columns.patch`.

use std::ops::Range;

use bulletin_model::diag::{Diagnostic, Severity as Level, Snippet, Trace};
use typst::diag::{Severity, SourceDiagnostic};
use typst::syntax::{DiagSpan, DiagSpanKind, FileId, Lines};
use typst::World;

use crate::world::BulletinWorld;

/// Typst's diagnostics of a compile in `world`, resolved into their files.
pub fn typst(world: &BulletinWorld, diags: &[SourceDiagnostic]) -> Vec<Diagnostic> {
    let files = WorldFiles { world };
    diags.iter().map(|d| files.diagnostic(d)).collect()
}

struct WorldFiles<'a> {
    world: &'a BulletinWorld,
}

impl WorldFiles<'_> {
    fn diagnostic(&self, d: &SourceDiagnostic) -> Diagnostic {
        let severity = match d.severity {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
        };
        let mut out = Diagnostic::new(severity, d.message.to_string());
        out.snippet = self.snippet(d.span);
        for hint in &d.hints {
            // Typst's hints about the typst CLI's options (`--root`) name
            // options this tool does not have: its own rule is said instead.
            if hint.v.contains("--root") {
                out.notes.push(
                    "hint: a layout reads only its own folder, the issue's data and the \
                     issue's folder (as /issue-files/); copy the file into one of them"
                        .into(),
                );
                continue;
            }
            match self.snippet(hint.span) {
                Some(mut s) => {
                    s.label = hint.v.to_string();
                    out.labels.push(s);
                }
                None => out.notes.push(format!("hint: {}", hint.v)),
            }
        }
        out.trace = d
            .trace
            .iter()
            .filter_map(|point| {
                let (id, range) = self.range(point.span)?;
                let lines = self.lines(id)?;
                let line = lines.byte_to_line(range.start)?;
                let column = lines.byte_to_column(range.start)? + 1;
                let text = lines.text().get(range).unwrap_or("");
                let mut text_lines = text.lines();
                let first = text_lines.next().unwrap_or("").to_string();
                let last_char = text_lines
                    .next_back()
                    .and_then(|l| l.chars().next_back())
                    .filter(|c| !c.is_whitespace());
                Some(Trace {
                    what: point.v.to_string(),
                    name: self.world.name(id),
                    line: line + 1,
                    column,
                    first,
                    last_char,
                })
            })
            .collect();
        out
    }

    fn snippet(&self, span: impl Into<DiagSpan>) -> Option<Snippet> {
        let (id, range) = self.range(span)?;
        let lines = self.lines(id)?;
        Some(Snippet::lines(self.world.name(id), lines.text(), range))
    }

    fn range(&self, span: impl Into<DiagSpan>) -> Option<(FileId, Range<usize>)> {
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

    fn lines(&self, id: FileId) -> Option<Lines<String>> {
        match self.world.source(id) {
            Ok(source) => Some(source.lines().clone()),
            Err(_) => self.world.file(id).ok().and_then(|f| f.lines().ok()),
        }
    }
}
