//! Diagnostics like a compiler's: the message, `file:line:column`, the
//! source line with the span underlined, hints and the call trace.
//!
//! Mistakes in issue and series files (TOML) and errors of a layout (Typst)
//! go through the same codespan-reporting renderer with the same settings,
//! so they look alike, and one switch ([`set_color`]) decides whether they
//! carry terminal colours. Lines and columns count from 1, as editors do,
//! with and without colour.
//!
//! typst-kit's own `emit` counts columns from 0 and keeps its file access
//! private; this module follows its layout (the same configuration, the same
//! trace lines) with 1-based columns. The upstream change is proposed in
//! `docs/upstream/typst-kit-one-based-columns.patch`.

use std::collections::HashMap;
use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::termcolor::{Buffer, Color, ColorSpec, WriteColor};
use codespan_reporting::term::{self, Config};
use typst::diag::{Severity, SourceDiagnostic, Tracepoint};
use typst::syntax::{DiagSpan, DiagSpanKind, FileId, Lines, Spanned};
use typst::World;

use crate::world::BulletinWorld;

static COLOR: AtomicBool = AtomicBool::new(false);

/// Whether diagnostics carry terminal colours (the command turns this on
/// when its standard error is a terminal and `NO_COLOR` is not set).
pub fn set_color(on: bool) {
    COLOR.store(on, Ordering::Relaxed);
}

/// Whether diagnostics carry terminal colours.
pub fn color() -> bool {
    COLOR.load(Ordering::Relaxed)
}

fn buffer() -> Buffer {
    if color() {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    }
}

fn config() -> Config {
    Config {
        tab_width: 2,
        ..Default::default()
    }
}

fn finish(buf: Buffer) -> String {
    String::from_utf8_lossy(buf.as_slice())
        .trim_end()
        .to_string()
}

/// The longest stretch of a source line shown under a message: a very long
/// line (a whole article on one line, a minified file) is cut to a window
/// around the column.
const WINDOW: usize = 160;

/// A mistake in a text file (an issue or series file, a layout manifest):
/// `error: MESSAGE`, `┌─ path:line:column`, the line with `span`
/// underlined, then the notes (`= …`). Only the line of the span's start is
/// shown, cut to a window around the span when it is very long.
pub fn text_error(
    path: &Path,
    text: &str,
    span: Option<Range<usize>>,
    message: &str,
    notes: &[String],
) -> String {
    let mut buf = buffer();
    let name = path.display().to_string();
    let mut diag = Diagnostic::error()
        .with_message(message)
        .with_notes(notes.to_vec());
    let file = match span {
        Some(span) => {
            let (file, range) = OneLine::new(name.clone(), text, span);
            diag = diag.with_labels(vec![Label::primary((), range)]);
            file
        }
        None => OneLine::empty(name.clone()),
    };
    match term::emit(&mut buf, &config(), &file, &diag) {
        Ok(()) => finish(buf),
        Err(_) => format!("error: {name}: {message}"),
    }
}

/// The one line of a text that a message shows, with its real line number
/// and columns.
struct OneLine {
    name: String,
    /// The line, or a window of it (with `…` where it was cut).
    shown: String,
    /// The line's number, from 1.
    line: usize,
    /// The real column (from 1) of the first character of `shown`, less one
    /// if `shown` starts with the `…` of a cut.
    first_column: usize,
}

impl OneLine {
    fn empty(name: String) -> OneLine {
        OneLine {
            name,
            shown: String::new(),
            line: 1,
            first_column: 1,
        }
    }

    /// The line holding `span.start`, and the span within what is shown.
    fn new(name: String, text: &str, span: Range<usize>) -> (OneLine, Range<usize>) {
        let start = floor_boundary(text, span.start.min(text.len()));
        let is_break = |c: char| c == '\n' || c == '\r';
        let line_start = text[..start].rfind(is_break).map_or(0, |i| i + 1);
        let line_end = text[start..]
            .find(is_break)
            .map_or(text.len(), |i| start + i);
        let end = floor_boundary(text, span.end.min(line_end)).max(start);
        // Lines end at LF, CRLF or a lone CR.
        let before = &text[..line_start];
        let line = 1 + before.matches('\n').count() + before.matches('\r').count()
            - before.matches("\r\n").count();
        let full = &text[line_start..line_end];
        let col_of = |byte: usize| text[line_start..byte].chars().count() + 1;
        if full.chars().count() <= WINDOW {
            let file = OneLine {
                name,
                shown: full.to_string(),
                line,
                first_column: 1,
            };
            return (file, start - line_start..end - line_start);
        }
        // A window of WINDOW characters, the span's start a third of the way in.
        let from = text[line_start..start]
            .char_indices()
            .rev()
            .nth(WINDOW / 3)
            .map_or(line_start, |(i, _)| line_start + i);
        let to = text[from..line_end]
            .char_indices()
            .nth(WINDOW)
            .map_or(line_end, |(i, _)| from + i);
        let mut shown = String::new();
        let mut first_column = col_of(from);
        if from > line_start {
            shown.push('…');
            first_column -= 1;
        }
        let offset = shown.len();
        shown.push_str(&text[from..to]);
        if to < line_end {
            shown.push('…');
        }
        let end = end.min(to).max(start);
        let file = OneLine {
            name,
            shown,
            line,
            first_column,
        };
        (file, offset + start - from..offset + end - from)
    }
}

impl<'a> Files<'a> for OneLine {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, FilesError> {
        Ok(&self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, FilesError> {
        Ok(&self.shown)
    }

    fn line_index(&'a self, (): (), _: usize) -> Result<usize, FilesError> {
        Ok(0)
    }

    fn line_number(&'a self, (): (), _: usize) -> Result<usize, FilesError> {
        Ok(self.line)
    }

    fn line_range(&'a self, (): (), _: usize) -> Result<Range<usize>, FilesError> {
        Ok(0..self.shown.len())
    }

    fn column_number(&'a self, (): (), _: usize, byte: usize) -> Result<usize, FilesError> {
        let byte = floor_boundary(&self.shown, byte.min(self.shown.len()));
        Ok(self.first_column + self.shown[..byte].chars().count())
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A message without terminal colours (ANSI escape sequences removed).
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        // CSI: ESC [ parameters… final byte (@ to ~).
        if chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
    }
    out
}

/// A message with no source to show: `error: MESSAGE` (the word coloured on
/// a terminal). Messages that are already diagnostics are kept as they are.
pub fn error(message: &str) -> String {
    labelled("error", Color::Red, message)
}

/// `warning: MESSAGE`, like [`error`].
pub fn warning(message: &str) -> String {
    labelled("warning", Color::Yellow, message)
}

fn labelled(label: &str, color: Color, message: &str) -> String {
    if message.starts_with("error:")
        || message.starts_with("warning:")
        || message.starts_with("\x1b[")
    {
        return message.to_string();
    }
    let mut buf = buffer();
    let _ = buf.set_color(ColorSpec::new().set_fg(Some(color)).set_bold(true));
    let _ = write!(buf, "{label}");
    let _ = buf.reset();
    let _ = write!(buf, ": {message}");
    finish(buf)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_error_names_the_line_and_column_from_one() {
        let t = "ab\n工作x = 1\n";
        let s = text_error(
            Path::new("f.toml"),
            t,
            Some(9..10),
            "bad",
            &["fix it".into()],
        );
        assert!(s.starts_with("error: bad\n"), "{s}");
        assert!(s.contains("┌─ f.toml:2:3"), "{s}");
        assert!(s.contains("2 │ 工作x = 1"), "{s}");
        assert!(s.contains("= fix it"), "{s}");
    }

    #[test]
    fn a_long_line_is_shown_as_a_window() {
        let t = format!("a = \"{}\"\nb = 2\n", "x".repeat(100_000));
        let s = text_error(Path::new("f.toml"), &t, Some(4..5), "bad", &[]);
        assert!(s.len() < 2_000, "{}", s.len());
        assert!(s.contains("f.toml:1:5"), "{s}");
        let far = t.find("\"\n").unwrap();
        let s = text_error(Path::new("f.toml"), &t, Some(far..far + 1), "bad", &[]);
        assert!(s.len() < 2_000, "{}", s.len());
        assert!(s.contains("f.toml:1:100006"), "{s}");
        let cr = "a = 1\rb = \"x\rc = 3\r";
        let s = text_error(Path::new("f.toml"), cr, Some(10..11), "bad", &[]);
        assert!(s.contains("f.toml:2:5") && !s.contains('\r'), "{s}");
    }
}
