//! Diagnostics like a compiler's, as data: the message, the place
//! (`file:line:column`, counted from 1 as editors count), the source line
//! with the span underlined, hints and, for a layout's errors, the call
//! trace.
//!
//! A [`Diagnostic`] renders nothing when it is made. It is written where it
//! is shown — [`emit`] to a terminal (with colours when the writer has them)
//! or `to_string()` for a report, a preview page or a test — so colour is
//! decided by the writer, and plain text never needs its colours taken out.
//! Mistakes in issue and series files (TOML), layout manifests and Typst's
//! own diagnostics go through the same codespan-reporting settings, so they
//! look alike.

use std::fmt;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as Codespan, Label, LabelStyle};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::termcolor::{Buffer, Color, ColorSpec, WriteColor};
use codespan_reporting::term::{self, Config};
use serde::{Deserialize, Serialize};

use crate::text::visible;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Severity {
    Error,
    Warning,
}

/// The lines of a file that a message shows, with their real line number
/// and columns. A very long line is cut to a window around the span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// The file, as it is named to the user.
    pub name: String,
    /// The lines shown (or a window of one, with `…` where it was cut).
    pub shown: String,
    /// The first shown line's number, from 1.
    pub line: usize,
    /// The real column (from 1) of the first shown character, less one if
    /// `shown` starts with the `…` of a cut.
    pub first_column: usize,
    /// The span, within `shown`.
    pub range: Range<usize>,
    /// A label written at the span (secondary labels only).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
}

/// The longest stretch of a source line shown under a message: a very long
/// line (a whole article on one line, a minified file) is cut to a window
/// around the column.
const WINDOW: usize = 160;

/// The most lines of a multi-line span shown.
const MAX_LINES: usize = 12;

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl Snippet {
    /// The line of `text` holding `span.start` (the span is cut at the
    /// line's end).
    pub fn line(name: impl Into<String>, text: &str, span: Range<usize>) -> Snippet {
        let name = name.into();
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
            return Snippet {
                name,
                shown: full.to_string(),
                line,
                first_column: 1,
                range: start - line_start..end - line_start,
                label: String::new(),
            };
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
        Snippet {
            name,
            shown,
            line,
            first_column,
            range: offset + start - from..offset + end - from,
            label: String::new(),
        }
    }

    /// The whole lines of `text` that `span` covers (at most a dozen; a
    /// single long line is cut to a window as by [`Snippet::line`]).
    pub fn lines(name: impl Into<String>, text: &str, span: Range<usize>) -> Snippet {
        let start = floor_boundary(text, span.start.min(text.len()));
        let end = floor_boundary(text, span.end.min(text.len())).max(start);
        if !text[start..end].contains('\n') {
            return Snippet::line(name, text, span);
        }
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let mut last = text[end..].find('\n').map_or(text.len(), |i| end + i);
        if let Some((i, _)) = text[line_start..last]
            .match_indices('\n')
            .nth(MAX_LINES - 1)
        {
            last = line_start + i;
        }
        let shown = text[line_start..last].trim_end_matches('\r').to_string();
        let end = (end - line_start).min(shown.len());
        Snippet {
            name: name.into(),
            line: 1 + text[..line_start].matches('\n').count(),
            first_column: 1,
            range: start - line_start..end,
            shown,
            label: String::new(),
        }
    }

    /// The line and column (from 1) of the span's start.
    pub fn position(&self) -> (usize, usize) {
        let start = floor_boundary(&self.shown, self.range.start.min(self.shown.len()));
        let before = &self.shown[..start];
        let nl = before.matches('\n').count();
        let col = match before.rfind('\n') {
            Some(i) => before[i + 1..].chars().count() + 1,
            None => self.first_column + before.chars().count(),
        };
        (self.line + nl, col)
    }
}

/// A line of a layout's call trace: `while calling f at file:line:column`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// What was being done (`error occurred while calling `f``…).
    pub what: String,
    pub name: String,
    pub line: usize,
    pub column: usize,
    /// The traced source: its first line, and the last character when it
    /// runs over several lines.
    pub first: String,
    pub last_char: Option<char>,
}

/// One diagnostic: what is wrong, where, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// The place the message is about, shown with its line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Snippet>,
    /// More places, each with its label (Typst's hints that have a span).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Snippet>,
    /// Hints and notes, shown as `= …` lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// A layout's call trace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<Trace>,
}

impl Diagnostic {
    /// A message with no place to show.
    pub fn new(severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity,
            message: message.into(),
            snippet: None,
            labels: Vec::new(),
            notes: Vec::new(),
            trace: Vec::new(),
        }
    }

    /// A warning with no place to show.
    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, message)
    }

    /// With the place it is about.
    pub fn at(mut self, snippet: Snippet) -> Diagnostic {
        self.snippet = Some(snippet);
        self
    }

    /// With notes (`= …` lines).
    pub fn with_notes(mut self, notes: Vec<String>) -> Diagnostic {
        self.notes = notes;
        self
    }

    /// Whether it is shown as a compiler's diagnostic (with a place, labels
    /// or a trace) rather than as a plain message.
    pub fn is_placed(&self) -> bool {
        self.snippet.is_some() || !self.labels.is_empty() || !self.trace.is_empty()
    }
}

/// The settings every diagnostic is written with.
fn config() -> Config {
    Config {
        tab_width: 2,
        ..Default::default()
    }
}

/// The snippets of a diagnostic as codespan-reporting's files: one file
/// each, its id the index.
struct Snippets<'a>(Vec<&'a Snippet>);

impl Snippets<'_> {
    fn get(&self, id: usize) -> Result<&Snippet, FilesError> {
        self.0.get(id).copied().ok_or(FilesError::FileMissing)
    }
}

impl<'a> Files<'a> for Snippets<'_> {
    type FileId = usize;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<String, FilesError> {
        Ok(self.get(id)?.name.clone())
    }

    fn source(&'a self, id: usize) -> Result<&'a str, FilesError> {
        Ok(&self.get(id)?.shown)
    }

    fn line_index(&'a self, id: usize, byte: usize) -> Result<usize, FilesError> {
        let s = self.get(id)?;
        Ok(s.shown[..floor_boundary(&s.shown, byte.min(s.shown.len()))]
            .matches('\n')
            .count())
    }

    fn line_number(&'a self, id: usize, index: usize) -> Result<usize, FilesError> {
        Ok(self.get(id)?.line + index)
    }

    fn line_range(&'a self, id: usize, index: usize) -> Result<Range<usize>, FilesError> {
        let s = self.get(id)?;
        let mut start = 0;
        for (i, l) in s.shown.split_inclusive('\n').enumerate() {
            if i == index {
                return Ok(start..start + l.len());
            }
            start += l.len();
        }
        if index == 0 {
            return Ok(0..s.shown.len());
        }
        Err(FilesError::LineTooLarge {
            given: index,
            max: s.shown.matches('\n').count(),
        })
    }

    fn column_number(&'a self, id: usize, index: usize, byte: usize) -> Result<usize, FilesError> {
        let s = self.get(id)?;
        let byte = floor_boundary(&s.shown, byte.min(s.shown.len()));
        let line_start = self.line_range(id, index)?.start.min(byte);
        let first = if index == 0 { s.first_column } else { 1 };
        Ok(first + s.shown[line_start..byte].chars().count())
    }
}

/// Writes a diagnostic: `error: MESSAGE`, `┌─ file:line:column`, the line
/// with the span underlined, the notes, then the trace. A diagnostic with no
/// place is one line, `error: MESSAGE`. Colours are the writer's.
pub fn emit(w: &mut dyn WriteColor, d: &Diagnostic) -> std::io::Result<()> {
    // Text from outside (names, titles, lines of a file) never drives the
    // terminal: its control characters are shown as symbols.
    let d = &shown(d);
    let (label, color) = match d.severity {
        Severity::Error => ("error", Color::Red),
        Severity::Warning => ("warning", Color::Yellow),
    };
    if !d.is_placed() {
        w.set_color(ColorSpec::new().set_fg(Some(color)).set_bold(true))?;
        write!(w, "{label}")?;
        w.reset()?;
        write!(w, ": {}", d.message)?;
        for n in &d.notes {
            write!(w, "\n  = {n}")?;
        }
        return writeln!(w);
    }
    let files = Snippets(d.snippet.iter().chain(&d.labels).collect());
    let labels = d
        .snippet
        .iter()
        .map(|s| (LabelStyle::Primary, s))
        .chain(d.labels.iter().map(|s| (LabelStyle::Secondary, s)))
        .enumerate()
        .map(|(i, (style, s))| Label::new(style, i, s.range.clone()).with_message(&s.label))
        .collect();
    let diag = match d.severity {
        Severity::Error => Codespan::error(),
        Severity::Warning => Codespan::warning(),
    }
    .with_message(&d.message)
    .with_notes(d.notes.clone())
    .with_labels(labels);
    term::emit(w, &config(), &files, &diag).map_err(|e| match e {
        FilesError::Io(e) => e,
        e => std::io::Error::other(e.to_string()),
    })?;
    for t in &d.trace {
        write!(w, "  {} at ", t.what)?;
        w.set_color(ColorSpec::new().set_underline(true))?;
        write!(w, "{}:{}:{}", t.name, t.line, t.column)?;
        w.reset()?;
        writeln!(w)?;
        write!(w, "    ")?;
        w.set_color(ColorSpec::new().set_fg(Some(Color::Ansi256(248))))?;
        write!(w, "{}", t.first)?;
        if let Some(c) = t.last_char {
            write!(w, "…{c}")?;
        }
        w.reset()?;
        writeln!(w)?;
    }
    if !d.trace.is_empty() {
        writeln!(w)?;
    }
    Ok(())
}

/// A diagnostic with every piece of its text made [`visible`].
fn shown(d: &Diagnostic) -> Diagnostic {
    let v = |s: &str| visible(s).into_owned();
    let snippet = |s: &Snippet| {
        Snippet {
            name: v(&s.name),
            // One character for one: the span's byte range is kept in step.
            shown: s.shown.clone(),
            label: v(&s.label),
            ..s.clone()
        }
        .with_visible_text()
    };
    Diagnostic {
        severity: d.severity,
        message: v(&d.message),
        snippet: d.snippet.as_ref().map(snippet),
        labels: d.labels.iter().map(snippet).collect(),
        notes: d.notes.iter().map(|n| v(n)).collect(),
        trace: d
            .trace
            .iter()
            .map(|t| Trace {
                what: v(&t.what),
                name: v(&t.name),
                first: v(&t.first),
                ..t.clone()
            })
            .collect(),
    }
}

impl Snippet {
    /// The shown text with its control characters made visible, the span
    /// moved to the same characters.
    fn with_visible_text(mut self) -> Snippet {
        if visible(&self.shown) == self.shown {
            return self;
        }
        let byte_to_char = |b: usize| self.shown[..floor_boundary(&self.shown, b)].chars().count();
        let (from, to) = (byte_to_char(self.range.start), byte_to_char(self.range.end));
        let text = visible(&self.shown).into_owned();
        let char_to_byte = |c: usize| text.char_indices().nth(c).map_or(text.len(), |(i, _)| i);
        self.range = char_to_byte(from)..char_to_byte(to);
        self.shown = text;
        self
    }
}

/// The text of a diagnostic as [`emit`] writes it, with or without
/// terminal colours, without the final newline.
pub fn render(d: &Diagnostic, color: bool) -> String {
    let mut buf = if color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    match emit(&mut buf, d) {
        Ok(()) => String::from_utf8_lossy(buf.as_slice())
            .trim_end()
            .to_string(),
        Err(e) => format!("{}: {} (while formatting: {e})", d.message, e),
    }
}

impl fmt::Display for Diagnostic {
    /// Plain text: a placed diagnostic in full, a plain one as its message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_placed() {
            f.write_str(&render(self, false))
        } else {
            f.write_str(&visible(&self.message))?;
            for n in &self.notes {
                write!(f, "\n  = {}", visible(n))?;
            }
            Ok(())
        }
    }
}

/// A message about a text file (an issue or series file, a layout
/// manifest) at `span`: `error: MESSAGE`, `┌─ path:line:column`, the line
/// with the span underlined, then the notes. Only the line of the span's
/// start is shown, cut to a window around the span when it is very long.
pub fn text_diagnostic(
    name: impl Into<String>,
    text: &str,
    span: Range<usize>,
    message: impl Into<String>,
    notes: Vec<String>,
) -> Diagnostic {
    Diagnostic::new(Severity::Error, message)
        .at(Snippet::line(name, text, span))
        .with_notes(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_error(name: &str, t: &str, span: Range<usize>, m: &str, notes: &[String]) -> String {
        text_diagnostic(name, t, span, m, notes.to_vec()).to_string()
    }

    #[test]
    fn a_text_error_names_the_line_and_column_from_one() {
        let t = "ab\n工作x = 1\n";
        let s = text_error("f.toml", t, 9..10, "bad", &["fix it".into()]);
        assert!(s.starts_with("error: bad\n"), "{s}");
        assert!(s.contains("┌─ f.toml:2:3"), "{s}");
        assert!(s.contains("2 │ 工作x = 1"), "{s}");
        assert!(s.contains("= fix it"), "{s}");
        assert!(!s.contains('\x1b'), "{s}");
        let d = text_diagnostic("f.toml", t, 9..10, "bad", vec![]);
        assert_eq!(d.snippet.as_ref().map(Snippet::position), Some((2, 3)));
        assert!(render(&d, true).contains('\x1b'));
    }

    #[test]
    fn a_long_line_is_shown_as_a_window() {
        let t = format!("a = \"{}\"\nb = 2\n", "x".repeat(100_000));
        let s = text_error("f.toml", &t, 4..5, "bad", &[]);
        assert!(s.len() < 2_000, "{}", s.len());
        assert!(s.contains("f.toml:1:5"), "{s}");
        let far = t.find("\"\n").unwrap();
        let s = text_error("f.toml", &t, far..far + 1, "bad", &[]);
        assert!(s.len() < 2_000, "{}", s.len());
        assert!(s.contains("f.toml:1:100006"), "{s}");
        let cr = "a = 1\rb = \"x\rc = 3\r";
        let s = text_error("f.toml", cr, 10..11, "bad", &[]);
        assert!(s.contains("f.toml:2:5") && !s.contains('\r'), "{s}");
    }

    #[test]
    fn a_span_over_lines_shows_them_all() {
        let t = "one\n#let f(x) = {\n  x +\n}\nlast\n";
        let start = t.find("#let").unwrap();
        let end = t.find("}\n").unwrap() + 1;
        let d =
            Diagnostic::new(Severity::Error, "bad").at(Snippet::lines("main.typ", t, start..end));
        let s = d.to_string();
        assert!(s.contains("main.typ:2:1"), "{s}");
        assert!(s.contains("3 │") && s.contains("4 │"), "{s}");
        assert!(!s.contains("last"), "{s}");
    }

    #[test]
    fn a_plain_diagnostic_is_its_message() {
        let d = Diagnostic::warning("an issue warning");
        assert_eq!(d.to_string(), "an issue warning");
        assert_eq!(render(&d, false), "warning: an issue warning");
    }
}
