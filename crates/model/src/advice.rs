//! Corrected lines for TOML mistakes: the slips of Chinese input methods
//! and Word (full-width `＝ ， ： ［ ］`, curly quotes), numbers written with
//! their unit (`80份`), and values of the wrong kind for their key (a phone
//! number without quotes), told from the JSON Schema of the file.
//!
//! A corrected line is proposed only when the file, with it in place of the
//! line, parses as TOML past that line.

use std::ops::Range;

use serde_json::Value;

/// What a key takes, from the JSON Schema.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Shape {
    pub string: bool,
    pub integer: bool,
    pub number: bool,
    pub boolean: bool,
    pub date: bool,
    pub array: bool,
    pub table: bool,
    /// The strings allowed, when the key takes one of a fixed set.
    pub choices: Vec<String>,
}

impl Shape {
    /// Whether a number fits.
    fn numeric(&self) -> bool {
        self.integer || self.number
    }
}

/// The schema's alternatives for a node: `$ref`s followed, `anyOf`/`oneOf`
/// unions flattened (a node with its own type or properties is one).
fn alternatives<'a>(schema: &'a Value, node: &'a Value, out: &mut Vec<&'a Value>, depth: u8) {
    if depth > 12 {
        return;
    }
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        if let Some(name) = r.strip_prefix("#/$defs/") {
            if let Some(def) = schema.get("$defs").and_then(|d| d.get(name)) {
                alternatives(schema, def, out, depth + 1);
            }
        }
        return;
    }
    let own = ["type", "properties", "const", "enum", "format"]
        .iter()
        .any(|k| node.get(k).is_some());
    if !own {
        for key in ["anyOf", "oneOf"] {
            if let Some(list) = node.get(key).and_then(Value::as_array) {
                for alt in list {
                    alternatives(schema, alt, out, depth + 1);
                }
            }
        }
        return;
    }
    out.push(node);
}

fn types(node: &Value) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The alternatives of an array's items.
fn items<'a>(schema: &'a Value, alts: &[&'a Value]) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for a in alts {
        if let Some(i) = a.get("items") {
            alternatives(schema, i, &mut out, 0);
        }
    }
    out
}

/// The schema's alternatives for the value at a key path (arrays are
/// stepped through: `articles.body.width` is the width of a body block).
pub fn node_at<'a>(schema: &'a Value, path: &[String]) -> Vec<&'a Value> {
    let mut alts = Vec::new();
    alternatives(schema, schema, &mut alts, 0);
    for key in path {
        let mut next = Vec::new();
        let mut here = alts.clone();
        // Arrays are transparent: their items' keys are the array's.
        for _ in 0..3 {
            let deeper = items(schema, &here);
            if deeper.is_empty() {
                break;
            }
            here.extend(deeper.iter().copied());
            here.retain(|a| a.get("properties").is_some() || a.get("items").is_some());
        }
        for a in &here {
            if let Some(p) = a.get("properties").and_then(|p| p.get(key.as_str())) {
                alternatives(schema, p, &mut next, 0);
            } else if let Some(p) = a.get("additionalProperties").filter(|p| p.is_object()) {
                alternatives(schema, p, &mut next, 0);
            } else if a.get("additionalProperties") == Some(&Value::Bool(true)) {
                // Free-form (the [style] table): anything goes.
                next.push(&Value::Null);
            }
        }
        if next.is_empty() {
            return Vec::new();
        }
        alts = next;
    }
    alts
}

/// The shape of alternatives (`None` when nothing is known about them).
pub fn shape_of(alts: &[&Value]) -> Option<Shape> {
    let mut s = Shape::default();
    let mut known = false;
    for a in alts {
        if a.is_null() {
            return None;
        }
        if a.get("format").and_then(Value::as_str) == Some("date") {
            s.date = true;
            known = true;
            continue;
        }
        if let Some(c) = a.get("const").and_then(Value::as_str) {
            s.choices.push(c.to_string());
        }
        if let Some(list) = a.get("enum").and_then(Value::as_array) {
            s.choices
                .extend(list.iter().filter_map(Value::as_str).map(String::from));
        }
        for t in types(a) {
            known = true;
            match t {
                "string" if a.get("pattern").is_some_and(|p| p.as_str() != Some("\\S")) => {
                    // A string of a set form (a length such as "120mm").
                    s.string = true;
                }
                "string" => s.string = true,
                "integer" => s.integer = true,
                "number" => s.number = true,
                "boolean" => s.boolean = true,
                "array" => s.array = true,
                "object" => s.table = true,
                _ => {}
            }
        }
    }
    known.then_some(s)
}

/// The shape of the value at `path`, `depth` arrays down.
pub fn shape_at(schema: &Value, path: &[String], depth: usize) -> Option<Shape> {
    let mut alts = node_at(schema, path);
    for _ in 0..depth {
        let i = items(schema, &alts);
        if i.is_empty() {
            break;
        }
        alts = i;
    }
    shape_of(&alts)
}

/// The key path of the value at byte `pos` of a TOML text (its table's
/// header, then the keys of inline tables and the key assigned), and how
/// many arrays down the position is from that key.
pub fn key_path_at(text: &str, pos: usize) -> (Vec<String>, usize) {
    let b = text.as_bytes();
    let pos = pos.min(b.len());
    let mut table: Vec<String> = Vec::new();
    // (the path its values are under, '[' or '{', the key before it)
    let mut stack: Vec<(Vec<String>, u8, Vec<String>)> = Vec::new();
    let mut key: Vec<String> = Vec::new();
    let mut expect_key = true;
    let mut i = 0;
    let line_end = |i: usize| {
        b[i..]
            .iter()
            .position(|&x| x == b'\n')
            .map_or(b.len(), |j| i + j)
    };
    while i < pos {
        let c = b[i];
        if expect_key && stack.last().is_none_or(|f| f.1 == b'{') {
            if c.is_ascii_whitespace() || c == b',' {
                i += 1;
                continue;
            }
            if c == b'#' {
                i = line_end(i);
                continue;
            }
            if c == b'[' && stack.is_empty() {
                let end = line_end(i);
                let header = text[i..end].split('#').next().unwrap_or("");
                table = split_key(header.trim().trim_matches(['[', ']']));
                key.clear();
                i = end;
                continue;
            }
            if c == b'}' {
                if let Some(f) = stack.pop() {
                    key = f.2;
                }
                expect_key = false;
                i += 1;
                continue;
            }
            // A key, up to its `=`.
            let end = line_end(i);
            match text[i..end].find('=') {
                Some(eq) => {
                    key = split_key(&text[i..i + eq]);
                    i += eq + 1;
                    expect_key = false;
                }
                None => {
                    key = split_key(&text[i..end]);
                    i = end;
                }
            }
            continue;
        }
        match c {
            b'"' | b'\'' => {
                let triple = b[i..].starts_with(&[c, c, c]);
                i += if triple { 3 } else { 1 };
                while i < b.len() {
                    if c == b'"' && b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if triple && b[i..].starts_with(&[c, c, c]) {
                        i += 3;
                        while i < b.len() && b[i] == c {
                            i += 1;
                        }
                        break;
                    }
                    if !triple && (b[i] == c || b[i] == b'\n') {
                        i += 1;
                        break;
                    }
                    i += 1;
                }
                continue;
            }
            b'#' => {
                i = line_end(i);
                continue;
            }
            b'{' | b'[' => {
                let p = match stack.last() {
                    Some(f) if f.1 == b'[' => f.0.clone(),
                    Some(f) => [f.0.clone(), key.clone()].concat(),
                    None => [table.clone(), key.clone()].concat(),
                };
                stack.push((p, c, key.clone()));
                if c == b'{' {
                    expect_key = true;
                    key.clear();
                }
            }
            b'}' | b']' => {
                if let Some(f) = stack.pop() {
                    key = f.2;
                }
            }
            b',' if stack.last().is_some_and(|f| f.1 == b'{') => expect_key = true,
            b'\n' if stack.is_empty() => expect_key = true,
            _ => {}
        }
        i += 1;
    }
    let depth = stack.iter().rev().take_while(|f| f.1 == b'[').count();
    let path = match stack.last() {
        Some(f) if f.1 == b'[' => f.0.clone(),
        Some(f) => [f.0.clone(), key].concat(),
        None => [table, key].concat(),
    };
    (path, depth)
}

/// The parts of a dotted key, unquoted.
fn split_key(k: &str) -> Vec<String> {
    k.split('.')
        .map(|p| p.trim().trim_matches(['"', '\'']).to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// A slip found on a line: where (a byte offset in the line) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slip {
    pub at: usize,
    pub len: usize,
    pub what: SlipKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlipKind {
    /// Curly or full-width quotes around a value.
    Quotes {
        open: char,
        close: char,
        full_width: bool,
    },
    /// A full-width character where TOML needs an ASCII one.
    FullWidth { found: char, ascii: &'static str },
    /// A number with its unit: `80份`.
    Unit { number: String, unit: String },
    /// A value that needs quotes for its key (text).
    NeedsQuotes {
        token: String,
        looks_like_date: bool,
    },
    /// A number written as a string.
    Unquote { token: String },
    /// 是/否 for true/false.
    Boolean { token: String, value: bool },
}

const CURLY: [char; 6] = ['“', '”', '‘', '’', '＂', '＇'];

/// A TOML basic string of a text.
pub fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn full_width_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '－' => '-',
            '．' => '.',
            '＋' => '+',
            c => c,
        })
        .collect()
}

/// A number with a unit after it (`80份`, `12期`, `３页`): the number and
/// the unit.
fn number_with_unit(token: &str) -> Option<(String, String)> {
    let t = full_width_digits(token);
    let split = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && matches!(c, '-' | '+')) || c == '.'))
        .map(|(i, _)| i)?;
    let (n, unit) = t.split_at(split);
    let unit = unit.trim();
    let digits = n.trim_start_matches(['-', '+']);
    let ok = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.matches('.').count() <= 1
        && !unit.is_empty()
        && unit.chars().all(|c| !c.is_ascii() && c.is_alphabetic());
    ok.then(|| (n.to_string(), unit.to_string()))
}

/// The kind of a bare TOML literal: integer, float, boolean, date/time.
enum Literal {
    Integer,
    Float,
    Boolean,
    Date,
}

fn literal(token: &str) -> Option<Literal> {
    let v: toml::Table = toml::from_str(&format!("v = {token}")).ok()?;
    Some(match v.get("v")? {
        toml::Value::Integer(_) => Literal::Integer,
        toml::Value::Float(_) => Literal::Float,
        toml::Value::Boolean(_) => Literal::Boolean,
        toml::Value::Datetime(_) => Literal::Date,
        _ => return None,
    })
}

/// The line of `text` that holds byte `pos`: its byte range (without the
/// line break).
pub fn line_range(text: &str, pos: usize) -> Range<usize> {
    let mut pos = pos.min(text.len());
    while pos > 0 && !text.is_char_boundary(pos) {
        pos -= 1;
    }
    let start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let end = text[pos..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| pos + i);
    start..end
}

/// The text with `range` (a line) replaced by `line`.
pub fn with_line(text: &str, range: Range<usize>, line: &str) -> String {
    format!("{}{line}{}", &text[..range.start], &text[range.end..])
}

/// The corrected line for the line at `range` of `text`, with the slips
/// corrected; `None` when nothing is to be corrected or the correction does
/// not parse. `schema` tells what each key takes.
pub fn fix_line(
    text: &str,
    range: Range<usize>,
    schema: Option<&Value>,
) -> Option<(String, Vec<Slip>)> {
    let line = &text[range.clone()];
    let trimmed = line.trim_start();
    if trimmed.starts_with('#') || trimmed.starts_with('[') && !trimmed.contains('=') {
        return None;
    }
    if line.contains("\"\"\"") || line.contains("'''") {
        return None;
    }
    let (mut out, mut slips, tokens) = punctuation(line)?;
    // Values by what their key takes.
    let mut edits: Vec<(Range<usize>, String, Slip)> = Vec::new();
    for t in &tokens {
        let probe = with_line(text, range.clone(), &out);
        let (path, depth) = key_path_at(&probe, range.start + t.range.start);
        let shape = schema.and_then(|s| shape_at(s, &path, depth));
        let key = path.last().cloned().unwrap_or_default();
        let raw = &out[t.range.clone()];
        if let Some(edit) = fit(raw, t.quoted, shape.as_ref(), depth, &key) {
            edits.push((
                t.range.clone(),
                edit.0,
                Slip {
                    at: t.orig,
                    len: t.orig_len,
                    what: edit.1,
                },
            ));
        }
    }
    for (r, new, slip) in edits.into_iter().rev() {
        out.replace_range(r, &new);
        slips.push(slip);
    }
    if slips.is_empty() || out == line {
        return None;
    }
    slips.sort_by_key(|s| s.at);
    // The file with the line corrected must parse past it.
    let fixed = with_line(text, range.clone(), &out);
    if let Err(e) = toml::from_str::<toml::Table>(&fixed) {
        let at = e.span().map_or(fixed.len(), |s| s.start);
        if at < range.start + out.len() + 1 {
            return None;
        }
    }
    Some((out, slips))
}

/// A value token of a line, in the line as corrected so far.
struct Token {
    range: Range<usize>,
    quoted: bool,
    /// Where it is in the original line, and its length there.
    orig: usize,
    orig_len: usize,
}

/// The line with its punctuation corrected, the slips, and its value
/// tokens.
fn punctuation(line: &str) -> Option<(String, Vec<Slip>, Vec<Token>)> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let n = chars.len();
    let at = |i: usize| chars.get(i).map_or(line.len(), |c| c.0);
    let mut out = String::with_capacity(line.len() + 8);
    let mut slips = Vec::new();
    let mut tokens = Vec::new();
    let mut stack: Vec<char> = Vec::new();
    let mut key_pos = true;
    let mut i = 0;
    let is_delim = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | '，'
                    | '、'
                    | ']'
                    | '］'
                    | '}'
                    | '｝'
                    | '['
                    | '［'
                    | '{'
                    | '｛'
                    | '#'
                    | '='
                    | '＝'
            )
            || c == '"'
            || c == '\''
            || CURLY.contains(&c)
    };
    let equals = |out: &mut String| {
        while out.ends_with(' ') {
            out.pop();
        }
        out.push_str(" = ");
    };
    while i < n {
        let (b, c) = chars[i];
        if c.is_whitespace() {
            if !(out.ends_with(" = ") && c == ' ') {
                out.push(c);
            }
            i += 1;
            continue;
        }
        match c {
            '#' => {
                out.push_str(&line[b..]);
                break;
            }
            '"' | '\'' => {
                let mut j = i + 1;
                while j < n && chars[j].1 != c {
                    j += if c == '"' && chars[j].1 == '\\' { 2 } else { 1 };
                }
                if j >= n {
                    return None;
                }
                let start = out.len();
                out.push_str(&line[b..at(j + 1)]);
                if !key_pos {
                    tokens.push(Token {
                        range: start..out.len(),
                        quoted: true,
                        orig: b,
                        orig_len: at(j + 1) - b,
                    });
                }
                i = j + 1;
            }
            c if CURLY.contains(&c) => {
                // The closing quote: one followed by what ends a value (the
                // last such on a line's own value, the first in an array or
                // inline table).
                let ends = |j: usize| {
                    let next = chars[j + 1..].iter().map(|x| x.1).find(|c| *c != ' ');
                    next.is_none_or(|c| {
                        matches!(
                            c,
                            '#' | ','
                                | '，'
                                | '、'
                                | ']'
                                | '］'
                                | '}'
                                | '｝'
                                | '='
                                | '＝'
                                | '：'
                                | '\r'
                        )
                    })
                };
                let candidates: Vec<usize> = (i + 1..n)
                    .filter(|&j| CURLY.contains(&chars[j].1) && ends(j))
                    .collect();
                let close = match (stack.is_empty(), candidates.first(), candidates.last()) {
                    (true, _, Some(&last)) => last,
                    (false, Some(&first), _) => first,
                    _ => return None,
                };
                let inner = &line[at(i + 1)..chars[close].0];
                let start = out.len();
                out.push_str(&quoted(inner));
                let (open, closing, full_width) = match c {
                    '‘' | '’' => ('‘', '’', false),
                    '＂' | '＇' => (c, c, true),
                    _ => ('“', '”', false),
                };
                slips.push(Slip {
                    at: b,
                    len: c.len_utf8(),
                    what: SlipKind::Quotes {
                        open,
                        close: closing,
                        full_width,
                    },
                });
                if !key_pos {
                    tokens.push(Token {
                        range: start..out.len(),
                        quoted: true,
                        orig: b,
                        orig_len: at(close + 1) - b,
                    });
                }
                i = close + 1;
            }
            '=' | '＝' => {
                equals(&mut out);
                if c == '＝' {
                    slips.push(Slip {
                        at: b,
                        len: c.len_utf8(),
                        what: SlipKind::FullWidth {
                            found: c,
                            ascii: "=",
                        },
                    });
                }
                key_pos = false;
                i += 1;
                while i < n && chars[i].1 == ' ' {
                    i += 1;
                }
            }
            '：' | ':' if key_pos => {
                equals(&mut out);
                slips.push(Slip {
                    at: b,
                    len: c.len_utf8(),
                    what: SlipKind::FullWidth {
                        found: c,
                        ascii: "=",
                    },
                });
                key_pos = false;
                i += 1;
                while i < n && chars[i].1 == ' ' {
                    i += 1;
                }
            }
            ',' | '，' | '、' => {
                while out.ends_with(' ') {
                    out.pop();
                }
                out.push(',');
                if chars.get(i + 1).is_some_and(|x| x.1 != ' ') {
                    out.push(' ');
                }
                if c != ',' {
                    slips.push(Slip {
                        at: b,
                        len: c.len_utf8(),
                        what: SlipKind::FullWidth {
                            found: c,
                            ascii: ",",
                        },
                    });
                }
                if stack.last() == Some(&'{') {
                    key_pos = true;
                }
                i += 1;
            }
            '[' | '［' | '{' | '｛' => {
                let ascii = if matches!(c, '[' | '［') { '[' } else { '{' };
                out.push(ascii);
                if !c.is_ascii() {
                    slips.push(Slip {
                        at: b,
                        len: c.len_utf8(),
                        what: SlipKind::FullWidth {
                            found: c,
                            ascii: if ascii == '[' { "[" } else { "{" },
                        },
                    });
                }
                stack.push(ascii);
                key_pos = ascii == '{';
                i += 1;
            }
            ']' | '］' | '}' | '｝' => {
                let ascii = if matches!(c, ']' | '］') { ']' } else { '}' };
                out.push(ascii);
                if !c.is_ascii() {
                    slips.push(Slip {
                        at: b,
                        len: c.len_utf8(),
                        what: SlipKind::FullWidth {
                            found: c,
                            ascii: if ascii == ']' { "]" } else { "}" },
                        },
                    });
                }
                stack.pop();
                key_pos = false;
                i += 1;
            }
            _ => {
                let mut j = i;
                while j < n
                    && !is_delim(chars[j].1)
                    && !(key_pos && matches!(chars[j].1, '：' | ':'))
                {
                    j += 1;
                }
                let raw = &line[b..at(j)];
                let start = out.len();
                if key_pos {
                    out.push_str(raw);
                } else {
                    out.push_str(raw);
                    tokens.push(Token {
                        range: start..out.len(),
                        quoted: false,
                        orig: b,
                        orig_len: raw.len(),
                    });
                }
                i = j.max(i + 1);
            }
        }
    }
    Some((out, slips, tokens))
}

/// A value token as its key takes it: the replacement and the slip, or
/// `None` when it fits (or nothing better can be told).
fn fit(
    raw: &str,
    quoted_token: bool,
    shape: Option<&Shape>,
    depth: usize,
    _key: &str,
) -> Option<(String, SlipKind)> {
    let text_ok = shape.is_none_or(|s| s.string);
    if quoted_token {
        let s = shape?;
        if s.string || !s.numeric() {
            return None;
        }
        let inner = raw.get(1..raw.len().saturating_sub(1))?.trim();
        let plain = full_width_digits(inner);
        let number =
            if literal(&plain).is_some_and(|l| matches!(l, Literal::Integer | Literal::Float)) {
                plain
            } else {
                number_with_unit(inner)?.0
            };
        return Some((
            number,
            SlipKind::Unquote {
                token: raw.to_string(),
            },
        ));
    }
    let fits = |l: &Literal, s: &Shape| match l {
        Literal::Integer => s.numeric(),
        Literal::Float => s.number,
        Literal::Boolean => s.boolean,
        Literal::Date => s.date,
    };
    let plain = full_width_digits(raw);
    if let Some(l) = literal(&plain) {
        let s = shape?;
        if fits(&l, s) {
            return (plain != raw).then(|| {
                (
                    plain.clone(),
                    SlipKind::FullWidth {
                        found: raw.chars().find(|c| !c.is_ascii()).unwrap_or('０'),
                        ascii: "0-9",
                    },
                )
            });
        }
        if s.string && s.choices.is_empty() {
            return Some((
                quoted(raw),
                SlipKind::NeedsQuotes {
                    token: raw.to_string(),
                    looks_like_date: matches!(l, Literal::Date),
                },
            ));
        }
        return None;
    }
    if let Some((number, unit)) = number_with_unit(raw) {
        let numeric = shape.is_none_or(Shape::numeric);
        let keep_text = shape.is_some_and(|s| s.string) && (depth > 0 || !numeric);
        if keep_text {
            return Some((
                quoted(raw),
                SlipKind::NeedsQuotes {
                    token: raw.to_string(),
                    looks_like_date: false,
                },
            ));
        }
        if numeric {
            return Some((number.clone(), SlipKind::Unit { number, unit }));
        }
        return None;
    }
    if shape.is_some_and(|s| s.boolean) {
        let value = match raw {
            "是" | "真" | "对" | "开" | "yes" | "Yes" | "YES" | "True" | "TRUE" => Some(true),
            "否" | "假" | "错" | "关" | "no" | "No" | "NO" | "False" | "FALSE" => Some(false),
            _ => None,
        };
        if let Some(v) = value {
            return Some((
                v.to_string(),
                SlipKind::Boolean {
                    token: raw.to_string(),
                    value: v,
                },
            ));
        }
    }
    let looks_like_date = raw.bytes().filter(|b| *b == b'-').count() >= 1
        && raw.bytes().next().is_some_and(|b| b.is_ascii_digit());
    if text_ok && (shape.is_some() || !raw.is_ascii() || looks_like_date) {
        if let Some(s) = shape {
            if !s.choices.is_empty() && !s.choices.iter().any(|c| c == raw) {
                return None;
            }
        }
        return Some((
            quoted(raw),
            SlipKind::NeedsQuotes {
                token: raw.to_string(),
                looks_like_date,
            },
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str, needle: &str) -> (Vec<String>, usize) {
        key_path_at(text, text.find(needle).unwrap())
    }

    #[test]
    fn key_paths() {
        let t = "[footer]\nphone = 1\n[[articles]]\nbody = [{ image = \"a\", width = 120 }]\n\
                 rows = [[\"a\", 1],\n [\"b\", 2]]\n";
        assert_eq!(path(t, "1\n").0, ["footer", "phone"]);
        assert_eq!(path(t, "120").0, ["articles", "body", "width"]);
        assert_eq!(path(t, "2]]"), (vec!["articles".into(), "rows".into()], 2));
    }

    const BASE: &str = "[bulletin]\nname = \"工作简报\"\noffice = \"协调小组办公室\"\n\n[issue]\nnumber = 1\ndate = 2024-06-18\n\n[[articles]]\ntitle = \"标题\"\nbody = \"正文。\"\n";

    /// The error for `text`, its corrected line applied, parsed again.
    fn fixed(text: &str) -> (crate::error::Error, String) {
        let p = std::path::Path::new("t.toml");
        let e = crate::source::parse_issue(p, text.as_bytes()).unwrap_err();
        let fix = e.fix.clone().unwrap_or_else(|| panic!("no fix: {e}"));
        let new = fix.apply(text);
        if let Err(e2) = crate::source::parse_issue(p, new.as_bytes()) {
            panic!("the fix does not parse: {e}\n{new}\n{e2}");
        }
        (e, fix.text)
    }

    #[test]
    fn fixes_keep_the_value_and_parse() {
        let cases = [
            (
                BASE.replace(
                    "title = \"标题\"",
                    "title = “柳河镇：“党建+合作社”模式助力农民增收”",
                ),
                "title = \"柳河镇：“党建+合作社”模式助力农民增收\"",
                "curly quotes",
            ),
            (
                format!("{BASE}\n[footer]\nphone = 0516-12345678\n"),
                "phone = \"0516-12345678\"",
                "phone takes text",
            ),
            (
                format!("{BASE}\n[footer]\nphone = 12345678\n"),
                "phone = \"12345678\"",
                "expected a string",
            ),
            (
                format!("{BASE}\n[footer]\nproofreader ＝ \"李强\"\n"),
                "proofreader = \"李强\"",
                "full-width ＝",
            ),
            (
                format!("{BASE}\n[footer]\nproofreader：“李强”\n"),
                "proofreader = \"李强\"",
                "colon ：",
            ),
            (
                format!("{BASE}\n[footer]\ncopies = 80份\n"),
                "copies = 80",
                "without the unit 份",
            ),
            (
                format!("{BASE}\n[footer]\ncopies = \"80\"\n"),
                "copies = 80",
                "expected",
            ),
            (
                BASE.replace("number = 1", "number = 12期"),
                "number = 12",
                "without the unit 期",
            ),
            (
                BASE.replace(
                    "body = \"正文。\"",
                    "body = [{ rows = [[\"城关镇\"，32150]] }]",
                ),
                "body = [{ rows = [[\"城关镇\", 32150]] }]",
                "full-width ，",
            ),
            (
                BASE.replace("body = \"正文。\"", "body = ［{ text = \"正文。\" }］"),
                "body = [{ text = \"正文。\" }]",
                "full-width ［",
            ),
            (
                format!("{BASE}\n[options]\ntoc = 否\n"),
                "toc = false",
                "true or false",
            ),
            (
                BASE.replace("date = 2024-06-18", "date = 2024年6月18日"),
                "date = 2024-06-18",
                "not a TOML date",
            ),
        ];
        for (text, line, needle) in cases {
            let (e, got) = fixed(&text);
            assert_eq!(got, line, "{e}");
            assert!(e.to_string().contains(needle), "{needle:?}: {e}");
            assert!(e.to_string().contains(&format!("write: {line}")), "{e}");
        }
    }

    #[test]
    fn shapes_from_the_schema() {
        let s = crate::issue::schema();
        let p = |k: &str| k.split('.').map(String::from).collect::<Vec<_>>();
        let phone = shape_at(&s, &p("footer.phone"), 0).unwrap();
        assert!(phone.string && !phone.numeric());
        let copies = shape_at(&s, &p("footer.copies"), 0).unwrap();
        assert!(copies.integer && !copies.string);
        assert!(shape_at(&s, &p("issue.date"), 0).unwrap().date);
        let w = shape_at(&s, &p("articles.body.width"), 0).unwrap();
        assert!(w.number && w.string, "{w:?}");
        let cell = shape_at(&s, &p("articles.body.rows"), 2).unwrap();
        assert!(cell.number && cell.string, "{cell:?}");
        assert!(shape_at(&s, &p("style.red"), 0).is_none());
    }
}
