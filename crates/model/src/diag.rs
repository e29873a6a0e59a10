//! Diagnostics like a compiler's: the message, `file:line:column`, the
//! source line with the span underlined, and hints.
//!
//! Mistakes in issue and series files (TOML) and layout manifests go through
//! codespan-reporting with the settings the renderer uses for Typst's own
//! diagnostics (`bulletin_render::diag`), so they look alike. Lines and
//! columns count from 1, as editors do, with and without colour.

use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::termcolor::{Buffer, Color, ColorSpec, WriteColor};
use codespan_reporting::term::{self, Config};

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

pub fn buffer() -> Buffer {
    if color() {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    }
}

pub fn config() -> Config {
    Config {
        tab_width: 2,
        ..Default::default()
    }
}

pub fn finish(buf: Buffer) -> String {
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
