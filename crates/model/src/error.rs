//! Errors with messages a user can act on.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::date::{date_problem, days_in_month, MONTHS};
use crate::diag::{Diagnostic, Severity, Snippet};
use crate::text::edit_distance;

/// What went wrong, broadly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    /// The issue file: unreadable, not TOML, wrong keys or types.
    Input,
    /// The layout: missing, or Typst reported an error.
    Layout,
    /// Characters that no available font has.
    MissingGlyphs,
    /// Writing the output.
    Output,
    /// The command line: options that do not go together (exit code 2).
    Usage,
}

/// An error: its kind, what went wrong, where (the file, the span and its
/// line) and what to do about it. It renders nothing: it is written where it
/// is shown ([`crate::diag::emit`] through [`Error::diagnostics`], or
/// `to_string()` for plain text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Error {
    pub kind: ErrorKind,
    /// What went wrong. Without a snippet, it names its file itself
    /// (`issue.toml: the file is empty; …`).
    pub message: String,
    /// The place: the file, the span and its line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Box<Snippet>>,
    /// What to write instead, and other hints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
    /// A layout's diagnostics (Typst's, with their traces): when there are
    /// any, the error is shown as these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
    /// A corrected line that fixes the mistake (also said in a hint,
    /// `write: …`): checked to parse before it is proposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Box<Fix>>,
}

/// A corrected line: line `line` (from 1) of the file, written as `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub line: usize,
    pub text: String,
}

impl Fix {
    /// The file's text with the line replaced (its line break kept).
    pub fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + self.text.len());
        for (i, l) in text.split_inclusive('\n').enumerate() {
            if i + 1 == self.line {
                out.push_str(&self.text);
                let body = l.trim_end_matches(['\n', '\r']);
                out.push_str(&l[body.len()..]);
            } else {
                out.push_str(l);
            }
        }
        out
    }
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error of `kind` with a message only.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            snippet: None,
            hints: Vec::new(),
            diagnostics: Vec::new(),
            fix: None,
        }
    }
    pub fn input(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Input, message)
    }
    pub fn layout(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Layout, message)
    }
    /// A usage mistake: options that do not go together.
    pub fn usage(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Usage, message)
    }
    pub fn output(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Output, message)
    }

    /// An error about `span` of a text file named `path`, whose text is
    /// `text`.
    pub fn at(
        kind: ErrorKind,
        path: &Path,
        text: &str,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Error {
        Error {
            snippet: Some(Box::new(Snippet::line(
                path.display().to_string(),
                text,
                span,
            ))),
            ..Error::new(kind, message)
        }
    }

    /// The same error without its corrected line (and the hint that
    /// proposes it): for a line that parses but does not fit the issue.
    pub fn drop_fix(&mut self) {
        if self.fix.take().is_some() {
            self.hints.retain(|h| !h.starts_with("write: "));
        }
    }

    /// The same error with these hints.
    pub fn with_hints(mut self, hints: Vec<String>) -> Error {
        self.hints = hints;
        self
    }

    /// An error made of a layout's diagnostics (the first error's message
    /// is the error's).
    pub fn from_diagnostics(kind: ErrorKind, diagnostics: Vec<Diagnostic>) -> Error {
        let message = diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error)
            .or(diagnostics.first())
            .map_or_else(String::new, |d| d.message.clone());
        Error {
            diagnostics,
            ..Error::new(kind, message)
        }
    }

    /// What is shown: the layout's diagnostics, or the error as one.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        if !self.diagnostics.is_empty() {
            return self.diagnostics.clone();
        }
        let mut d = Diagnostic::new(Severity::Error, self.message.clone());
        d.snippet = self.snippet.as_deref().cloned();
        d.notes = self.hints.clone();
        vec![d]
    }

    /// Whether it is shown as a compiler's diagnostic (with its place)
    /// rather than as a plain message.
    pub fn is_placed(&self) -> bool {
        self.diagnostics().iter().any(Diagnostic::is_placed)
    }

    /// The error written with or without terminal colours.
    pub fn render(&self, color: bool) -> String {
        self.diagnostics()
            .iter()
            .map(|d| crate::diag::render(d, color))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl fmt::Display for Error {
    /// Plain text: a placed error in full (`error: …`, `┌─ file:line:col`,
    /// the line), a plain one as its message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = self.diagnostics();
        for (i, d) in list.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
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

/// A TOML error of the file `path` (whose text is `text`) as an error of
/// `kind`: the message at `path:line:col`, with the line and the span
/// underlined, and what to write instead where that can be told (see
/// [`toml_error_with`]).
pub fn toml_error(kind: ErrorKind, path: &Path, text: &str, err: &toml::de::Error) -> Error {
    toml_error_with(kind, path, text, err, None)
}

/// A TOML error, told with the JSON Schema of the file (what each key
/// takes) when there is one: a date that does not exist, a date in another
/// form, curly quotes, the full-width ＝ ， ： ［ ］ of an input method, a
/// number with its unit (80份), text without quotes (a phone number), a
/// `"""` string never closed, a misspelt key. Where a corrected line can
/// be told and the file parses with it, it is the error's [`Fix`] and a
/// hint `write: …`.
pub fn toml_error_with(
    kind: ErrorKind,
    path: &Path,
    text: &str,
    err: &toml::de::Error,
    schema: Option<&serde_json::Value>,
) -> Error {
    let raw = err.message().trim().to_string();
    let message = plain_message(&raw);
    let Some(span) = err.span() else {
        let notes = did_you_mean(&message).into_iter().collect::<Vec<_>>();
        return Error::new(kind, format!("{}: {message}", path.display())).with_hints(notes);
    };
    match advise(text, &raw, span.clone(), schema) {
        Some(a) => {
            let mut e = Error::at(kind, path, text, a.span, a.message.unwrap_or(message))
                .with_hints(a.notes);
            if let Some(line) = a.fix {
                e.fix = Some(Box::new(Fix {
                    line: line_col(text, span.start).0,
                    text: line,
                }));
            }
            e
        }
        None => {
            let notes = did_you_mean(&message).into_iter().collect::<Vec<_>>();
            Error::at(kind, path, text, span, message).with_hints(notes)
        }
    }
}

/// serde's message in words a user knows.
fn plain_message(raw: &str) -> String {
    let mut message = raw.to_string();
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
    message
}

/// A better message for a TOML error: what it says (`None`: the error's
/// own), where, how to fix it, and the corrected line.
struct Advice {
    message: Option<String>,
    span: Range<usize>,
    notes: Vec<String>,
    fix: Option<String>,
}

fn advise(
    text: &str,
    raw: &str,
    span: Range<usize>,
    schema: Option<&serde_json::Value>,
) -> Option<Advice> {
    if let Some(a) = unclosed_multiline(text, span.start) {
        return Some(a);
    }
    let (path, depth) = advice::key_path_at(text, span.start);
    let shape = schema.and_then(|s| advice::shape_at(s, &path, depth));
    if let Some(at) = assignment(text, span.start) {
        if let Some(a) = date_advice(text, &at, raw, shape.as_ref()) {
            return Some(a);
        }
    }
    let range = advice::line_range(text, span.start);
    // serde's errors (a value of the wrong type) say what is wrong already.
    let typed = [
        "invalid type",
        "invalid value",
        "unknown variant",
        "invalid length",
    ]
    .iter()
    .any(|p| raw.starts_with(p));
    if let Some((line, slips)) = advice::fix_line(text, range.clone(), schema) {
        let key = path.last().map_or("the key", String::as_str);
        let first = &slips[0];
        let curly = slips
            .iter()
            .any(|s| matches!(s.what, advice::SlipKind::Quotes { .. }));
        let mut notes = vec![format!("write: {}", line.trim())];
        if curly {
            notes.push("curly quotes inside the text are fine".into());
        }
        let others = slips.len() - 1;
        if others > 0 {
            notes.push(format!(
                "the line has {others} more such slip{}, corrected in it too",
                if others == 1 { "" } else { "s" }
            ));
        }
        return Some(Advice {
            message: (!typed).then(|| slip_message(&first.what, key)),
            span: if typed {
                span
            } else {
                range.start + first.at..range.start + first.at + first.len.max(1)
            },
            notes,
            fix: Some(line),
        });
    }
    let at = assignment(text, span.start)?;
    if raw.starts_with("invalid basic string") && at.token.starts_with('"') {
        return Some(Advice {
            message: Some("this string is not closed: end it with \" on the same line".into()),
            span,
            notes: vec![
                "text over several lines goes between \"\"\" and \"\"\", each on a line of its own"
                    .into(),
            ],
            fix: None,
        });
    }
    None
}

/// What a slip is, and what TOML needs instead.
fn slip_message(slip: &advice::SlipKind, key: &str) -> String {
    use advice::SlipKind as S;
    match slip {
        S::Quotes {
            open,
            close,
            full_width,
        } => format!(
            "the value is in {} quotes {open}…{close}, as Word and Chinese input methods type \
             them; TOML needs straight quotes \"…\"",
            if *full_width { "full-width" } else { "curly" }
        ),
        S::FullWidth { found: '＝', .. } => "a full-width ＝, as Chinese input methods type it: \
             TOML joins a key and its value with the ASCII ="
            .into(),
        S::FullWidth {
            found: found @ ('：' | ':'),
            ..
        } => format!("a colon {found} after the key {key}: TOML joins a key and its value with ="),
        S::FullWidth {
            found: found @ ('，' | '、'),
            ..
        } => format!(
            "a full-width {found} between values, as Chinese input methods type it: TOML \
             separates values with the ASCII comma ,"
        ),
        S::FullWidth {
            ascii: "0-9",
            found,
        } => format!("full-width digits ({found}…): TOML needs the ASCII digits 0-9"),
        S::FullWidth { found, ascii } => format!(
            "a full-width {found}, as Chinese input methods type it: TOML needs the ASCII {ascii}"
        ),
        S::Unit { number, unit } => {
            let around = match key {
                "copies" => " (the footer prints 共印 … 份 around it)",
                "number" => " (the masthead prints 第 … 期 around it)",
                "total" => " (the masthead prints 总第 … 期 around it)",
                _ => "",
            };
            format!("{key} takes a plain number: write {number} without the unit {unit}{around}")
        }
        S::NeedsQuotes {
            token,
            looks_like_date: true,
        } => format!(
            "{token} is read as a date, but {key} takes text (dates are written 2024-06-18): \
             write it in straight quotes \"…\""
        ),
        S::NeedsQuotes { token, .. } if !token.is_ascii() => {
            "a text value needs straight quotes \"…\" around it".into()
        }
        S::NeedsQuotes { token, .. } => {
            format!("{key} takes text: write {token} in straight quotes \"…\"")
        }
        S::Unquote { token } => format!("{key} takes a number: write {token} without quotes"),
        S::Boolean { token, value } => {
            format!("{key} takes true or false: write {value} for {token}")
        }
    }
}

/// `key = value` on the line of a position: the last assignment on that
/// line before it.
struct Assignment<'a> {
    key: &'a str,
    /// Where the value starts (a byte offset in the text).
    value_start: usize,
    /// The value as written: a quoted string up to its closing quote, or a
    /// bare token up to a space, `,`, `}`, `]` or `#`.
    token: &'a str,
}

fn assignment(text: &str, pos: usize) -> Option<Assignment<'_>> {
    let pos = floor_char_boundary(text, pos.min(text.len()));
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[pos..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| pos + i);
    let line = &text[line_start..line_end];
    // The `=` before the position (or the first one, for an error at the
    // line's start).
    let rel = pos - line_start;
    let eq = line[..rel.min(line.len())]
        .rfind('=')
        .or_else(|| line.find('='))?;
    let key = line[..eq]
        .rsplit(['{', ','])
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"');
    if key.is_empty() || key.contains(char::is_whitespace) {
        return None;
    }
    let after = &line[eq + 1..];
    let value_rel = eq + 1 + (after.len() - after.trim_start().len());
    let value = &line[value_rel..];
    let mut chars = value.char_indices();
    let token_len = match chars.next() {
        Some((_, q)) if QUOTES.contains(&q) => chars
            .find(|&(_, c)| QUOTES.contains(&c))
            .map_or(value.trim_end().len(), |(i, c)| i + c.len_utf8()),
        Some(_) => value
            .find(|c: char| c.is_whitespace() || matches!(c, ',' | '}' | ']' | '#'))
            .unwrap_or(value.len()),
        None => 0,
    };
    Some(Assignment {
        key,
        value_start: line_start + value_rel,
        token: &value[..token_len],
    })
}

/// Quotes a value may be written in, straight or not.
const QUOTES: [char; 7] = ['"', '\'', '“', '”', '‘', '’', '＂'];

use crate::advice;

/// Dates that do not exist (2024-06-31) or are written otherwise than as a
/// TOML date (2024年6月18日, 2024.6.18, "2024-06-18").
fn date_advice(
    text: &str,
    at: &Assignment,
    raw: &str,
    shape: Option<&advice::Shape>,
) -> Option<Advice> {
    let about_dates = raw.contains("date-time") || raw.contains("datetime");
    let date_key = match shape {
        // What the schema says the key takes.
        Some(s) => s.date,
        None => at.key == "date" || at.key.ends_with("_date") || at.key.ends_with(".date"),
    };
    if !date_key && (shape.is_some() || !about_dates) {
        return None;
    }
    let token = at.token;
    let span = at.value_start..at.value_start + token.len().max(1);
    let example = "YYYY-MM-DD, without quotes";
    let Some((y, m, d)) = loose_date(token.trim_matches(QUOTES)) else {
        return about_dates.then(|| Advice {
            message: Some(raw.replace('\n', ": ")),
            span,
            notes: vec![format!(
                "write a date as {example}, e.g. {} = 2020-02-10",
                at.key
            )],
            fix: None,
        });
    };
    if let Some(problem) = date_problem(y, m, d) {
        let mut notes = Vec::new();
        if d == 0 && (1..=12).contains(&m) {
            notes.push(format!(
                "write a date that exists, as {example}, e.g. {} = {y:04}-{m:02}-01",
                at.key
            ));
        } else if (1..=12).contains(&m) {
            notes.push(format!(
                "write a date that exists, as {example}, e.g. {} = {y:04}-{m:02}-{:02} (the \
                 last day of {})",
                at.key,
                days_in_month(y, m),
                MONTHS[m as usize - 1]
            ));
        } else {
            notes.push(format!(
                "write a date as {example}: the month (01 to 12), then the day, e.g. {} = \
                 {y:04}-12-{d:02}",
                at.key
            ));
        }
        return Some(Advice {
            message: Some(format!("{token} is out of range: {problem}")),
            span,
            notes,
            fix: None,
        });
    }
    let line = advice::line_range(text, at.value_start);
    let fixed = format!(
        "{}{y:04}-{m:02}-{d:02}{}",
        &text[line.start..at.value_start],
        &text[at.value_start + token.len()..line.end]
    );
    Some(Advice {
        message: Some(format!(
            "{token} is not a TOML date: dates are written as {example}"
        )),
        span,
        notes: vec![format!("write: {}", fixed.trim())],
        fix: Some(fixed),
    })
}

/// A date as people write it: 2024-06-18, 2024年6月18日, 2024.6.18,
/// 2024/06/18 (full-width digits too).
fn loose_date(s: &str) -> Option<(i64, u32, u32)> {
    let s: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '－' => '-',
            '．' => '.',
            '／' => '/',
            c => c,
        })
        .collect();
    let parts: Vec<&str> = if let Some(rest) = s.strip_suffix('日').or(s.strip_suffix('号')) {
        let (y, rest) = rest.split_once('年')?;
        let (m, d) = rest.split_once('月')?;
        vec![y, m, d]
    } else {
        let sep = ['-', '.', '/'].into_iter().find(|&c| s.contains(c))?;
        s.split(sep).collect()
    };
    let [y, m, d] = parts[..] else { return None };
    let digits = |t: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(y, 4..=4) || !digits(m, 1..=2) || !digits(d, 1..=2) {
        return None;
    }
    Some((y.parse().ok()?, m.parse().ok()?, d.parse().ok()?))
}

/// A `"""` (or `'''`) string that was never closed: TOML reads on to the
/// next `"""`, which was meant to open another string, and fails somewhere
/// after it. Points at where the string opened.
fn unclosed_multiline(text: &str, pos: usize) -> Option<Advice> {
    let strings = multiline_strings(text);
    let line_of = |i: usize| line_col(text, i).0;
    let line_text = |i: usize| {
        let s = text[..i].rfind('\n').map_or(0, |j| j + 1);
        let e = text[i..].find(['\n', '\r']).map_or(text.len(), |j| i + j);
        text[s..e].trim()
    };
    let (open, close, delim) = strings.iter().rev().find_map(|&(open, close, delim)| {
        if open >= pos {
            return None;
        }
        match close {
            None => Some((open, None, delim)),
            Some(c) if c <= pos => {
                // The closing quotes end a line `key = """`: an opening.
                let s = text[..c].rfind('\n').map_or(0, |j| j + 1);
                let before = text[s..c].trim_end();
                let after = text[c + 3..]
                    .split(['\n', '\r'])
                    .next()
                    .unwrap_or("")
                    .trim();
                (before.ends_with('=') && after.is_empty()).then_some((open, Some(c), delim))
            }
            Some(_) => None,
        }
    })?;
    let mut notes = Vec::new();
    match close {
        Some(c) => notes.push(format!(
            "the text runs on to line {}, where `{}` was meant to open another string, and \
             TOML reads what follows as keys (line {})",
            line_of(c),
            line_text(c),
            line_of(pos)
        )),
        None => notes.push("the text runs on to the end of the file".into()),
    }
    // Where it should have ended: before the first line of it that reads
    // as TOML (a [table] or a key = value).
    let content_end = close.unwrap_or(text.len());
    let mut offset = open + 3;
    for l in text[open + 3..content_end].split_inclusive('\n') {
        let t = l.trim();
        let key_line = t.split_once('=').is_some_and(|(k, _)| {
            let k = k.trim();
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        });
        if t.starts_with('[') && t.ends_with(']') || key_line {
            notes.push(format!(
                "close it with {delim} where its text ends, before line {} (`{t}`)",
                line_of(offset)
            ));
            break;
        }
        offset += l.len();
    }
    if notes.len() == 1 {
        notes.push(format!("close it with {delim} where its text ends"));
    }
    Some(Advice {
        message: Some(format!("this {delim} string is never closed")),
        span: open..open + 3,
        notes,
        fix: None,
    })
}

/// The multi-line strings of a TOML text as a parser pairs their quotes:
/// (where it opens, where its closing quotes are, the delimiter).
fn multiline_strings(text: &str) -> Vec<(usize, Option<usize>, &'static str)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let to_line_end = |i: usize| {
        b[i..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |j| i + j)
    };
    while i < b.len() {
        match b[i] {
            b'#' => i = to_line_end(i),
            q @ (b'"' | b'\'') if b[i..].starts_with(&[q, q, q]) => {
                let delim = if q == b'"' { "\"\"\"" } else { "'''" };
                let open = i;
                i += 3;
                let mut close = None;
                while i < b.len() {
                    if q == b'"' && b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b[i] == q && b[i..].starts_with(&[q, q, q]) {
                        // Up to two more quotes belong to the text.
                        let run = b[i..].iter().take_while(|&&c| c == q).count().min(5);
                        close = Some(i + run - 3);
                        i += run;
                        break;
                    }
                    i += 1;
                }
                out.push((open, close, delim));
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q && b[i] != b'\n' {
                    i += if q == b'"' && b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// "did you mean `byline`?" for serde's "unknown field `bylin`, expected one
/// of `title`, …": the closest known name, at most two edits away.
fn did_you_mean(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let known: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let len = unknown.chars().count();
    let (d, best) = known
        .iter()
        .map(|k| (edit_distance(unknown, k), *k))
        .min_by_key(|&(d, _)| d)?;
    (d <= 2 && d * 2 < len).then(|| format!("did you mean `{best}`?"))
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
        let s = Error::at(ErrorKind::Input, Path::new("f.toml"), t, 9..10, "bad").to_string();
        assert!(s.contains("f.toml:2:3"), "{s}");
    }
}
