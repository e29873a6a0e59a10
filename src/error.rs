//! Errors with messages a user can act on.

use std::fmt;
use std::ops::Range;
use std::path::Path;

/// What went wrong, broadly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The issue file: unreadable, not TOML, wrong keys or types.
    Input,
    /// The layout: missing, or Typst reported an error.
    Layout,
    /// Characters that no available font has.
    MissingGlyphs,
    /// Writing the output.
    Output,
}

/// An error with a complete, formatted message.
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn input(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Input,
            message: message.into(),
        }
    }
    pub fn layout(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Layout,
            message: message.into(),
        }
    }
    pub fn output(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Output,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `error: MESSAGE` at `path:line:col`, with the source line and the span
/// underlined (see [`crate::diag::text_error`]).
pub fn snippet(path: &Path, text: &str, span: Range<usize>, message: &str) -> String {
    crate::diag::text_error(path, text, Some(span), message, &[])
}

/// Formats a TOML error: the message at `path:line:col`, with the line and
/// the span underlined.
pub fn toml_message(path: &Path, text: &str, err: &toml::de::Error) -> String {
    let mut message = err.message().trim().to_string();
    // Numbers out of range: say which range.
    if let Some(rest) = message.strip_prefix("invalid value: integer `") {
        if let Some((n, expected)) = rest.split_once("`, expected ") {
            let (low, high) = match expected {
                "u32" => (0, u32::MAX as u64),
                "a nonzero u32" => (1, u32::MAX as u64),
                "u64" => (0, u64::MAX),
                _ => (0, 0),
            };
            if high > 0 {
                message = if n.starts_with('-') || (low == 1 && n == "0") {
                    format!("{n} is too small: expected a whole number, {low} or more")
                } else {
                    format!("{n} is too large: expected a whole number from {low} to {high}")
                };
            }
        }
    }
    // serde speaks of Rust types; say what to write instead.
    for (rust, plain) in [
        ("expected u32", "expected a whole number (0 or more)"),
        ("expected u64", "expected a whole number (0 or more)"),
        ("expected i64", "expected an integer"),
        (
            "expected a sequence",
            "expected an array ([…], or [[…]] tables)",
        ),
        ("expected a map", "expected a table ({…} or a [table])"),
    ] {
        message = message.replace(rust, plain);
    }
    crate::diag::text_error(path, text, err.span(), &message, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let t = "ab\n工作x\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        assert_eq!(line_col(t, 9), (2, 3));
        let s = snippet(Path::new("f.toml"), t, 9..10, "bad");
        assert!(s.contains("f.toml:2:3"), "{s}");
    }
}
