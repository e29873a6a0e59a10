//! Proofreading warnings on a parsed issue (`bulletin-pdf check`): what the
//! tool accepts but a proofreader would query. Each warning names the file
//! and, where the text can be found there, the line and column.
//!
//! The rules:
//!
//! - **TOC title far from its title**: a `toc_title` of which fewer than
//!   half the letters (Chinese characters, letters, digits) occur in the
//!   article's title — probably another article's.
//! - **Empty column or article**: a column whose name is blank (it prints
//!   as 【】; a column without articles is an error already), an article
//!   whose body is blank.
//! - **Byline with brackets**: the layout prints a byline as （…） and removes
//!   one pair of outer brackets written in the file (（…） or (…)). A byline
//!   that still holds a bracket after that — （（单位））, （单位, 单位（供稿）,
//!   （单位) — prints nested or unbalanced brackets; a blank one prints （）.
//! - **Long paragraph**: a paragraph over [`MAX_PARAGRAPH`] characters.
//! - **ASCII punctuation in Chinese text**: `, : ; ( ) ! ?` whose neighbours
//!   (spaces skipped) are Chinese characters or the start or end of the text,
//!   at least one of them Chinese: `会议,研究` or `(一)` — the full-width
//!   form (，：；（）！？) is meant; and `.` after a Chinese character (not a
//!   numeral) before another or the end: `主持会议并讲话.` — 。 is meant.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::issue::{Article, Issue};
use crate::text::{full_width, is_chinese};

/// The longest paragraph (in characters, spaces not counted) that passes
/// without a warning.
pub const MAX_PARAGRAPH: usize = 2_000;

/// A proofreading warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub message: String,
    /// The file the text is in (the issue file, or a series file).
    pub file: PathBuf,
    /// 1-based line and column (in characters), when the text was found.
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A file the issue was read from, with its text: the issue file first, then
/// its series files, nearest first.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

// Where the articles' strings are in a file: a lenient reading of it with
// spans (unknown keys ignored; the strict reading has succeeded already).
#[derive(Deserialize, Default)]
struct SDoc {
    #[serde(default)]
    columns: Vec<SColumn>,
    #[serde(default)]
    articles: Vec<SArticle>,
}

#[derive(Deserialize, Default)]
struct SColumn {
    name: Option<Spanned<String>>,
    #[serde(default)]
    articles: Vec<SArticle>,
}

#[derive(Deserialize, Default)]
struct SArticle {
    title: Option<Spanned<String>>,
    toc_title: Option<Spanned<String>>,
    body: Option<SBody>,
    byline: Option<Spanned<String>>,
    note: Option<SNote>,
}

/// A body: its string with its span, or its blocks' texts (the spans of
/// values inside arrays of tables are not kept by the TOML reader: they are
/// found in the file's text, see [`block_spans`]).
enum SBody {
    Text(Spanned<String>),
    Blocks(Vec<String>),
    Other,
}

impl<'de> Deserialize<'de> for SBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Spanned::<toml::Value>::deserialize(d)?;
        let span = v.span();
        Ok(match v.into_inner() {
            toml::Value::String(s) => SBody::Text(Spanned::new(span, s)),
            toml::Value::Array(blocks) => SBody::Blocks(
                blocks
                    .iter()
                    .filter_map(|b| b.get("text")?.as_str().map(String::from))
                    .collect(),
            ),
            _ => SBody::Other,
        })
    }
}

/// Where the text blocks of a body are in the file: each found from the
/// previous one on, by its first line (the span of the quoted value, from
/// its opening quotes).
fn block_spans(file: &str, texts: &[String], from: &mut usize) -> Vec<Option<Spanned<String>>> {
    texts
        .iter()
        .map(|t| {
            let first = t.lines().map(str::trim).find(|l| !l.is_empty())?;
            let at = *from + file.get(*from..)?.find(first)?;
            let start = file[..at].rfind("text").unwrap_or(at);
            let end = (at + t.len()).min(file.len());
            *from = at + first.len();
            Some(Spanned::new(start..end, t.clone()))
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct SNote {
    text: Option<Spanned<String>>,
}

/// The file the articles come from and their spans there.
struct Spans<'a> {
    source: Option<Source<'a>>,
    doc: SDoc,
}

impl Spans<'_> {
    fn article(&self, n: usize) -> Option<&SArticle> {
        self.doc
            .columns
            .iter()
            .flat_map(|c| c.articles.iter())
            .chain(self.doc.articles.iter())
            .nth(n)
    }
}

/// Collects warnings, placing them in the file.
struct Out<'a> {
    fallback: PathBuf,
    spans: Spans<'a>,
    warnings: Vec<Warning>,
}

impl Out<'_> {
    /// A warning at byte `offset` of the articles' file, or at the file alone.
    fn at(&mut self, offset: Option<usize>, message: String) {
        let (file, line, column) = match (self.spans.source, offset) {
            (Some(src), Some(o)) => {
                let (l, c) = crate::error::line_col(src.text, o);
                (src.path.to_path_buf(), Some(l), Some(c))
            }
            (Some(src), None) => (src.path.to_path_buf(), None, None),
            (None, _) => (self.fallback.clone(), None, None),
        };
        self.warnings.push(Warning {
            message,
            file,
            line,
            column,
        });
    }

    /// The raw text of a value (quotes included) and where it starts.
    fn raw(&self, value: Option<&Spanned<String>>) -> Option<(usize, &str)> {
        let src = self.spans.source?;
        let span: Range<usize> = value?.span();
        Some((span.start, src.text.get(span)?))
    }

    /// Where `needle` is in a value (plus `skip` bytes into it), searching
    /// from byte `from` of the raw value; the value's start when it is not
    /// found (escapes).
    fn find(
        &self,
        value: Option<&Spanned<String>>,
        needle: &str,
        skip: usize,
        from: &mut usize,
    ) -> Option<usize> {
        let (start, raw) = self.raw(value)?;
        match raw.get(*from..).and_then(|r| r.find(needle)) {
            Some(i) if !needle.is_empty() => {
                let at = *from + i;
                *from = at + needle.len();
                Some(start + at + skip)
            }
            _ => Some(start),
        }
    }
}

/// The warnings a proofreader would raise on an issue that the tool
/// accepts. `sources` are the files it was read from (see [`Source`]).
pub fn lint(issue: &Issue, sources: &[Source<'_>]) -> Vec<Warning> {
    // Arrays are not merged: the articles are those of the nearest file
    // that has any.
    let spans = sources
        .iter()
        .find_map(|s| {
            let doc: SDoc = toml::from_str(s.text).ok()?;
            (!doc.columns.is_empty() || !doc.articles.is_empty()).then_some(Spans {
                source: Some(*s),
                doc,
            })
        })
        .unwrap_or(Spans {
            source: sources.first().copied(),
            doc: SDoc::default(),
        });
    let mut out = Out {
        fallback: sources
            .first()
            .map_or_else(PathBuf::new, |s| s.path.to_path_buf()),
        spans,
        warnings: Vec::new(),
    };
    for (i, col) in issue.columns.iter().enumerate() {
        let name = out.spans.doc.columns.get(i).and_then(|c| c.name.clone());
        if col.name.trim().is_empty() {
            let at = out.raw(name.as_ref()).map(|(s, _)| s);
            out.at(
                at,
                format!(
                    "column {} has an empty name: it prints as 【】; name it, e.g. name = \"工作动态\"",
                    i + 1
                ),
            );
        } else {
            punctuation(
                &mut out,
                name.as_ref(),
                &col.name,
                &format!("column 【{}】", col.name),
            );
        }
    }
    let articles = issue
        .columns
        .iter()
        .flat_map(|c| c.articles.iter())
        .chain(issue.articles.iter());
    for (n, a) in articles.enumerate() {
        article(&mut out, n, a);
    }
    out.warnings
}

fn article(out: &mut Out<'_>, n: usize, a: &Article) {
    let s = out.spans.article(n);
    // The spans of the body's texts (a string body, or its text blocks).
    let body_spans: Vec<Option<Spanned<String>>> = match s.and_then(|s| s.body.as_ref()) {
        Some(SBody::Text(t)) => vec![Some(t.clone())],
        Some(SBody::Blocks(b)) => match out.spans.source {
            Some(src) => {
                let mut from = s.and_then(|s| s.title.as_ref()).map_or(0, |t| t.span().end);
                block_spans(src.text, b, &mut from)
            }
            None => Vec::new(),
        },
        Some(SBody::Other) | None => Vec::new(),
    };
    let (title_v, toc_v, byline_v, note_v) = match s {
        Some(s) => (
            s.title.clone(),
            s.toc_title.clone(),
            s.byline.clone(),
            s.note.as_ref().and_then(|n| n.text.clone()),
        ),
        None => (None, None, None, None),
    };
    let title: String = a.title.lines().map(str::trim).collect();
    let what = format!("article {} 「{title}」", n + 1);
    let start = |v: &Option<Spanned<String>>, out: &Out<'_>| out.raw(v.as_ref()).map(|(s, _)| s);
    if let Some(toc) = &a.toc_title {
        let letters = |s: &str| {
            let mut v: Vec<char> = s.chars().filter(|c| c.is_alphanumeric()).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let (t, c) = (letters(&title), letters(toc));
        let shared = c.iter().filter(|ch| t.contains(ch)).count();
        if !c.is_empty() && shared * 2 < c.len() {
            out.at(
                start(&toc_v, out),
                format!(
                    "{what}: its toc_title 「{}」 shares only {shared} of its {} characters with \
                     the title; is it this article's?",
                    toc.trim(),
                    c.len()
                ),
            );
        }
        punctuation(out, toc_v.as_ref(), toc, &format!("{what}, toc_title"));
    }
    punctuation(out, title_v.as_ref(), &a.title, &format!("{what}, title"));
    let texts = a.body.texts();
    if a.body.is_blank()
        || (matches!(a.body, crate::issue::Body::Text(_)) && texts[0].trim().is_empty())
    {
        out.at(
            start(body_spans.first().unwrap_or(&None), out),
            format!("{what} has an empty body: write its text, or remove the article"),
        );
    }
    // Paragraphs are counted through the article's text blocks.
    let mut before = 0;
    for (i, text) in texts.iter().enumerate() {
        let span = body_spans.get(i).cloned().flatten();
        before += paragraphs(out, span.as_ref(), text, &what, before);
    }
    if let Some(note) = &a.note {
        paragraphs(
            out,
            note_v.as_ref(),
            &note.text,
            &format!("{what}, note"),
            0,
        );
    }
    if let Some(b) = &a.byline {
        let inner = unbracket(b);
        let at = start(&byline_v, out);
        if inner.trim().is_empty() {
            out.at(
                at,
                format!("{what}: the byline is empty and prints as （）; write it or remove it"),
            );
        } else if inner.contains(['（', '）', '(', ')']) {
            out.at(
                at,
                format!(
                    "{what}: the byline {:?} prints as （{inner}）: the layout puts it in brackets, \
                     so a bracket inside it prints nested or unbalanced; write it without \
                     brackets (byline = \"{}\")",
                    b,
                    inner.replace(['（', '）', '(', ')'], "")
                ),
            );
        } else {
            punctuation(out, byline_v.as_ref(), b, &format!("{what}, byline"));
        }
    }
}

/// The byline as the layout receives it: one pair of outer brackets removed.
fn unbracket(s: &str) -> String {
    let t = s.trim();
    t.strip_prefix('（')
        .and_then(|t| t.strip_suffix('）'))
        .or_else(|| t.strip_prefix('(').and_then(|t| t.strip_suffix(')')))
        .unwrap_or(t)
        .to_string()
}

/// The paragraphs of a body or note: long ones, and ASCII punctuation;
/// numbered after the `before` paragraphs of the article's earlier text
/// blocks. Returns how many there are.
fn paragraphs(
    out: &mut Out<'_>,
    value: Option<&Spanned<String>>,
    text: &str,
    what: &str,
    before: usize,
) -> usize {
    let mut groups: Vec<Vec<&str>> = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            if !cur.is_empty() {
                groups.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(line);
        }
    }
    if !cur.is_empty() {
        groups.push(cur);
    }
    let mut from = 0;
    for (i, lines) in groups.iter().enumerate() {
        let first: String = lines[0].chars().take(12).collect();
        let at = out.find(value, &first, 0, &mut from);
        let para = crate::body::paragraphs(&lines.join("\n")).concat();
        let len = para.chars().filter(|c| !c.is_whitespace()).count();
        let place = format!("{what}, paragraph {}", before + i + 1);
        if len > MAX_PARAGRAPH {
            out.at(
                at,
                format!(
                    "{place} has {len} characters (over {MAX_PARAGRAPH}): a paragraph that long \
                     runs over a whole page; split it at a blank line"
                ),
            );
        }
        // Search this paragraph's punctuation from its own start.
        let mut p_from = from.saturating_sub(first.len());
        for line in lines {
            for (ch, context, needle) in ascii_punctuation(line) {
                let at = out.find(value, &needle, needle.len() - 1, &mut p_from);
                out.at(at, punctuation_message(&place, ch, &context));
            }
        }
    }
    groups.len()
}

/// ASCII punctuation in a one-line text (a title, a byline, a name).
fn punctuation(out: &mut Out<'_>, value: Option<&Spanned<String>>, text: &str, place: &str) {
    let mut from = 0;
    for line in text.lines() {
        for (ch, context, needle) in ascii_punctuation(line) {
            let at = out.find(value, &needle, needle.len() - 1, &mut from);
            out.at(at, punctuation_message(place, ch, &context));
        }
    }
}

fn punctuation_message(place: &str, ch: char, context: &str) -> String {
    let wide = full_width(ch);
    format!("{place}: ASCII '{ch}' in Chinese text (「{context}」); use the full-width '{wide}'")
}

/// The ASCII `, : ; ( ) ! ?` of a line that stand in Chinese text: each
/// with a few characters around it (for the message) and the text to look
/// for in the file (the character before it and itself).
pub fn ascii_punctuation(line: &str) -> Vec<(char, String, String)> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        if !matches!(c, ',' | ':' | ';' | '(' | ')' | '!' | '?' | '.') {
            continue;
        }
        let prev = chars[..i].iter().rev().find(|c| **c != ' ').copied();
        let next = chars[i + 1..].iter().find(|c| **c != ' ').copied();
        if c == '.' && !crate::text::ascii_full_stop(prev, next) {
            continue;
        }
        let ok = |n: Option<char>| n.is_none_or(is_chinese);
        let any = prev.is_some_and(is_chinese) || next.is_some_and(is_chinese);
        if !(ok(prev) && ok(next) && any) {
            continue;
        }
        let context: String = chars[i.saturating_sub(5)..(i + 6).min(chars.len())]
            .iter()
            .collect();
        let needle: String = chars[i.saturating_sub(1)..=i].iter().collect();
        out.push((c, context, needle));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_punctuation_in_chinese_text() {
        let found = |s: &str| -> Vec<char> { ascii_punctuation(s).iter().map(|x| x.0).collect() };
        assert_eq!(found("会议,研究部署"), [',']);
        assert_eq!(found("(一)总体要求"), ['(', ')']);
        assert_eq!(found("好!"), ['!']);
        assert_eq!(found("1,000 people: yes"), Vec::<char>::new());
        assert_eq!(found("会议(2020年)"), [')']);
        assert_eq!(found("会议，研究"), Vec::<char>::new());
        assert_eq!(found("主持会议并讲话."), ['.']);
        assert_eq!(found("讲话.会议要求"), ['.']);
        assert_eq!(found("一.总体要求"), Vec::<char>::new());
        assert_eq!(found("2020.02.10"), Vec::<char>::new());
        assert_eq!(found("版本1.2"), Vec::<char>::new());
    }

    #[test]
    fn bylines_lose_one_pair_of_brackets() {
        assert_eq!(unbracket("（单位）"), "单位");
        assert_eq!(unbracket("(单位)"), "单位");
        assert_eq!(unbracket("（（单位））"), "（单位）");
        assert_eq!(unbracket("单位（供稿）"), "单位（供稿）");
    }
}
