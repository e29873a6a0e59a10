//! Article bodies: from plain text to typed blocks.
//!
//! A body is paragraphs separated by blank lines; the lines of one paragraph
//! are joined (without a space between two Chinese characters), unless they
//! have the shape of text pasted from Word, one paragraph a line with
//! full-width indents (see [`paragraphs_checked`]). With detection
//! on, a one-line paragraph numbered as a GB/T 9704 heading (一、 （一） 1.
//! （1）) that does not end in 。 is a heading of that level, and a paragraph
//! opening with a run-in lead (一是…。) shows the lead as such. `**…**` marks
//! emphasis explicitly. Everything else is literal text.

use serde::Serialize;

use crate::text::{is_cjk_punct, is_wide, join_lines};

/// A piece of a paragraph's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Run {
    pub text: String,
    /// Printed in the emphasis style (bold).
    pub strong: bool,
    /// A footnote reference, printed after the run's text (see [`NoteRef`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<NoteRef>,
}

impl Run {
    /// A run of plain or emphasised text.
    pub fn new(text: impl Into<String>, strong: bool) -> Run {
        Run {
            text: text.into(),
            strong,
            note: None,
        }
    }
}

/// A reference to an article's footnote. Its run's text is the character
/// before the mark, and `after` the closing punctuation after it, so that
/// the layout keeps them on one line with the mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct NoteRef {
    /// The note's number in its article, from 1 (printed ①②③).
    pub number: u32,
    /// The first reference to this note (later ones repeat its mark).
    pub first: bool,
    /// Closing punctuation right after the mark (，。）” …).
    pub after: String,
}

/// One block of an article's body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Block {
    /// A heading of level 1 (一、), 2 (（一）), 3 (1.) or 4 (（1）).
    Heading { level: u8, text: String },
    /// A paragraph, with an optional run-in lead before its runs.
    Para {
        lead: Option<String>,
        runs: Vec<Run>,
    },
}

impl Block {
    /// The block's whole text, as a reader sees it.
    pub fn text(&self) -> String {
        match self {
            Block::Heading { text, .. } => text.clone(),
            Block::Para { lead, runs } => {
                let mut s = lead.clone().unwrap_or_default();
                s.push_str(&runs_text(runs));
                s
            }
        }
    }
}

/// The text of runs, as a reader sees it (footnote marks left out).
pub fn runs_text(runs: &[Run]) -> String {
    let mut s = String::new();
    for r in runs {
        s.push_str(&r.text);
        if let Some(n) = &r.note {
            s.push_str(&n.after);
        }
    }
    s
}

/// A place in a body whose reading is a guess: the text is printed, and the
/// writer is told what was assumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The line of the body it is about, from 1.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} of the body: {}", self.line, self.message)
    }
}

/// Splits text into paragraphs and joins each paragraph's lines (see
/// [`paragraphs_checked`]).
pub fn paragraphs(text: &str) -> Vec<String> {
    paragraphs_checked(text).0
}

/// One non-blank line of a body.
struct Line {
    /// Its number in the body, from 1.
    no: usize,
    /// Indented with a full-width space (U+3000) or a tab.
    wide_indent: bool,
    /// How many spaces (ASCII or no-break) indent it.
    spaces: usize,
    /// The text without the indentation, trailing spaces, no-break spaces
    /// or tabs.
    text: String,
}

/// Splits text into paragraphs and joins each paragraph's lines, with the
/// places where the split was a guess.
///
/// Paragraphs are separated by blank lines. Inside a run of lines without a
/// blank line, the lines are joined (text wrapped by hand) unless the text
/// has the shape of paragraphs pasted from Word or WPS, one paragraph a line:
///
/// - a line indented with a full-width space (U+3000) or a tab starts a
///   paragraph;
/// - a line indented by two or more spaces more than the least indented line
///   of the run starts a paragraph when the line before it ends a sentence
///   (。！？, perhaps followed by ” ’ 」 』 ）); after a line that does not, it
///   is joined, with a warning;
/// - in a run where some line has a full-width indent, a line without
///   indentation after a line that ends a sentence or is a heading starts a
///   paragraph, with a warning;
/// - a run whose lines are all indented by the same two or more spaces and
///   each end a sentence is a paragraph a line, with a warning.
///
/// CRLF and lone CR end lines as LF does. Indentation is dropped (the layout
/// indents paragraphs). A run of no-break spaces or tabs inside a line is
/// removed between two wide (Chinese) characters and is one space elsewhere.
pub fn paragraphs_checked(text: &str) -> (Vec<String>, Vec<Warning>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    let mut run: Vec<Line> = Vec::new();
    for (i, raw) in split_lines(text).into_iter().enumerate() {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            split_run(&run, &mut out, &mut warnings);
            run.clear();
            continue;
        }
        let indent = &raw[..raw.len() - raw.trim_start().len()];
        run.push(Line {
            no: i + 1,
            wide_indent: indent.contains(['\u{3000}', '\t']),
            spaces: indent
                .chars()
                .filter(|&c| c == ' ' || c == '\u{a0}')
                .count(),
            text: clean_gaps(trimmed),
        });
    }
    split_run(&run, &mut out, &mut warnings);
    (out, warnings)
}

/// The lines of a text, ended by LF, CRLF or a lone CR.
fn split_lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                out.push(&text[start..i]);
                i += 1;
                start = i;
            }
            b'\r' => {
                out.push(&text[start..i]);
                i += if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Gaps typed with no-break spaces (U+00A0, U+202F, U+2007) or tabs: none
/// between two wide characters or next to Chinese punctuation, one space
/// elsewhere. Runs of plain spaces
/// stay as they are.
fn clean_gaps(line: &str) -> String {
    let odd = |c: char| matches!(c, '\u{a0}' | '\u{202f}' | '\u{2007}' | '\t');
    if !line.contains(odd) {
        return line.to_string();
    }
    let chars: Vec<char> = line.chars().collect();
    let mut s = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != ' ' && !odd(chars[i]) {
            s.push(chars[i]);
            i += 1;
            continue;
        }
        let end = i + chars[i..]
            .iter()
            .take_while(|&&c| c == ' ' || odd(c))
            .count();
        let gap = &chars[i..end];
        if !gap.iter().any(|&c| odd(c)) {
            s.extend(gap);
        } else {
            let (before, after) = (chars.get(i.wrapping_sub(1)), chars.get(end));
            let wide_both =
                before.is_some_and(|&c| is_wide(c)) && after.is_some_and(|&c| is_wide(c));
            let punct =
                before.is_some_and(|&c| is_cjk_punct(c)) || after.is_some_and(|&c| is_cjk_punct(c));
            if !wide_both && !punct {
                s.push(' ');
            }
        }
        i = end;
    }
    s
}

/// Whether a line ends a sentence: 。！？, perhaps followed by closing quotes
/// or brackets.
fn ends_sentence(line: &str) -> bool {
    let t = line.trim_end_matches(['”', '’', '」', '』', '）', '》']);
    matches!(t.chars().last(), Some('。' | '！' | '？'))
}

/// Whether a line reads as a heading (一、… without a full stop).
fn heading_like(line: &str) -> bool {
    heading_level(line).is_some() && !line.contains('。') && line.chars().count() <= 60
}

/// Splits a run of lines without a blank line between them into paragraphs.
fn split_run(run: &[Line], out: &mut Vec<String>, warnings: &mut Vec<Warning>) {
    let Some(first) = run.first() else { return };
    let any_wide = run.iter().any(|l| l.wide_indent);
    let base = run
        .iter()
        .filter(|l| !l.wide_indent)
        .map(|l| l.spaces)
        .min()
        .unwrap_or(0);
    let indented = |l: &Line| l.wide_indent || l.spaces >= base + 2;
    // All indented alike by spaces, each line a sentence: a paragraph a line
    // as pasted, or one paragraph wrapped at its sentences? Pasted, said.
    let uniform = !any_wide
        && base >= 2
        && run.len() > 1
        && run.iter().all(|l| l.spaces == base)
        && run[..run.len() - 1].iter().all(|l| ends_sentence(&l.text));
    if uniform {
        warnings.push(Warning {
            line: first.no,
            message: format!(
                "lines {} to {} are each indented by {base} spaces and each ends a sentence: \
                 printed as {} paragraphs, one a line; if they are one paragraph, remove the \
                 indentation",
                first.no,
                run[run.len() - 1].no,
                run.len()
            ),
        });
    }
    let mut cur: Vec<&str> = vec![&first.text];
    for pair in run.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let new_paragraph = if uniform {
            true
        } else if indented(b) {
            if b.wide_indent || ends_sentence(&a.text) {
                true
            } else {
                warnings.push(Warning {
                    line: b.no,
                    message: "the line is indented, but the line before it does not end a \
                              sentence: joined to it in one paragraph; put a blank line before \
                              it if it starts a new paragraph"
                        .into(),
                });
                false
            }
        } else if any_wide && (ends_sentence(&a.text) || heading_like(&a.text)) {
            warnings.push(Warning {
                line: b.no,
                message: "the line is not indented, but the lines around it are indented with \
                          full-width spaces as pasted from Word, and the line before it ends \
                          a sentence: printed as a new paragraph; join the two lines if it \
                          continues that paragraph"
                    .into(),
            });
            true
        } else {
            false
        };
        if new_paragraph {
            out.push(join_lines(&cur));
            cur.clear();
        }
        cur.push(&b.text);
    }
    out.push(join_lines(&cur));
}

const CN_DIGITS: &str = "一二三四五六七八九十百零〇";

/// The heading level of a numbered line, if it is numbered as one.
pub fn heading_level(p: &str) -> Option<u8> {
    let chars: Vec<char> = p.chars().collect();
    let cn = |c: &char| CN_DIGITS.contains(*c);
    let n_cn = chars.iter().take_while(|c| cn(c)).count();
    if n_cn > 0 && chars.get(n_cn) == Some(&'、') {
        return Some(1);
    }
    if matches!(chars.first(), Some('（') | Some('(')) {
        let inner_cn = chars[1..].iter().take_while(|c| cn(c)).count();
        let inner_ar = chars[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        let close = |n: usize| matches!(chars.get(1 + n), Some('）') | Some(')'));
        if inner_cn > 0 && close(inner_cn) {
            return Some(2);
        }
        if inner_ar > 0 && close(inner_ar) {
            return Some(4);
        }
    }
    let n_ar = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    if n_ar > 0 && matches!(chars.get(n_ar), Some('.') | Some('．')) {
        // "1.5 亿" is not a heading: the dot must not be followed by a digit.
        if !chars.get(n_ar + 1).is_some_and(|c| c.is_ascii_digit()) {
            return Some(3);
        }
    }
    None
}

/// The run-in lead of a paragraph: 一是…。 or a numbered sentence (（一）…。)
/// followed by more text. Returns the lead's length in bytes.
pub fn lead_len(p: &str) -> Option<usize> {
    let chars: Vec<char> = p.chars().collect();
    let n_cn = chars.iter().take_while(|c| CN_DIGITS.contains(**c)).count();
    let opens = (n_cn > 0 && chars.get(n_cn) == Some(&'是')) || heading_level(p).is_some();
    if !opens {
        return None;
    }
    let end = p.find('。')? + '。'.len_utf8();
    // A lead is a short sentence followed by more text.
    let lead_chars = p[..end].chars().count();
    if end < p.len() && lead_chars <= 60 {
        Some(end)
    } else {
        None
    }
}

/// Splits `**emphasis**` marks into runs. Unpaired marks stay literal.
pub fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("**") {
        let after = &rest[start + 2..];
        let Some(len) = after.find("**") else { break };
        if len == 0 {
            break;
        }
        if start > 0 {
            out.push(Run::new(&rest[..start], false));
        }
        out.push(Run::new(&after[..len], true));
        rest = &after[len + 2..];
    }
    if !rest.is_empty() || out.is_empty() {
        out.push(Run::new(rest, false));
    }
    out
}

/// Parses a body into blocks.
pub fn parse(text: &str, detect: bool) -> Vec<Block> {
    parse_checked(text, detect).0
}

/// Parses a body into blocks, with the places where its paragraph structure
/// was a guess (see [`paragraphs_checked`]).
pub fn parse_checked(text: &str, detect: bool) -> (Vec<Block>, Vec<Warning>) {
    let (paragraphs, warnings) = paragraphs_checked(text);
    let blocks = paragraphs
        .into_iter()
        .map(|p| parse_paragraph(&p, detect))
        .collect();
    (blocks, warnings)
}

fn parse_paragraph(p: &str, detect: bool) -> Block {
    if detect {
        if let Some(level) = heading_level(p) {
            let ends_sentence = p.ends_with('。') || p.contains('。');
            if !ends_sentence && p.chars().count() <= 60 {
                return Block::Heading {
                    level,
                    text: p.to_string(),
                };
            }
        }
        if let Some(end) = lead_len(p) {
            return Block::Para {
                lead: Some(p[..end].to_string()),
                runs: runs(&p[end..]),
            };
        }
    }
    Block::Para {
        lead: None,
        runs: runs(p),
    }
}

/// The key of a footnote reference `[^KEY]` whose `[^` stands just before
/// `after`, and the text after its `]`: KEY is 1 to 20 characters without
/// spaces. `None` when the `[^` starts no reference.
pub fn note_ref(after: &str) -> Option<(&str, &str)> {
    let end = after.find(']')?;
    let key = &after[..end];
    if key.is_empty() || key.chars().count() > 20 || key.contains(char::is_whitespace) {
        return None;
    }
    Some((key, &after[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_lines_and_splits_paragraphs() {
        let ps = paragraphs("第一段\n继续。\n\n\n  第二段 \nEnglish\ntext\n");
        assert_eq!(ps, vec!["第一段继续。", "第二段English text"]);
    }

    #[test]
    fn pasted_paragraphs_stay_apart() {
        // As Word and WPS paste: CRLF, full-width indents, a paragraph a line.
        let (ps, w) = paragraphs_checked(
            "\u{3000}\u{3000}第一段。\r\n\u{3000}\u{3000}第二段“引语。”\r\n\u{3000}\u{3000}第三段\r\n",
        );
        assert_eq!(ps, vec!["第一段。", "第二段“引语。”", "第三段"]);
        assert!(w.is_empty(), "{w:?}");
        // Lone CRs end lines too; a heading without indent between indented
        // paragraphs is its own paragraph, with a warning.
        let (ps, w) = paragraphs_checked("\u{3000}\u{3000}甲。\r一、标题\r\u{3000}\u{3000}乙。");
        assert_eq!(ps, vec!["甲。", "一、标题", "乙。"]);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].line, 2);
        // Two spaces more than the other lines, after a sentence: a new
        // paragraph; after a line that goes on: joined, with a warning.
        let (ps, w) = paragraphs_checked("  甲甲\n乙乙。\n  丙丙\n丁丁");
        assert_eq!(ps, vec!["甲甲乙乙。", "丙丙丁丁"]);
        assert!(w.is_empty(), "{w:?}");
        let (ps, w) = paragraphs_checked("甲甲，\n    乙乙。");
        assert_eq!(ps, vec!["甲甲，乙乙。"]);
        assert_eq!(w.len(), 1);
        // Every line indented alike: wrapped text, joined ...
        let (ps, w) = paragraphs_checked("    甲甲，\n    乙乙。\n    丙丙");
        assert_eq!(ps, vec!["甲甲，乙乙。丙丙"]);
        assert!(w.is_empty(), "{w:?}");
        // ... unless each line is a sentence: a paragraph a line, said.
        let (ps, w) = paragraphs_checked("  甲甲。\n  乙乙！\n  丙丙");
        assert_eq!(ps, vec!["甲甲。", "乙乙！", "丙丙"]);
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn hand_wrapped_text_is_joined() {
        // Sentences on lines of their own, without indentation: one paragraph.
        let (ps, w) = paragraphs_checked("第一句。\n第二句。\n第三句\n继续。\n\n第二段。\r\n续。");
        assert_eq!(ps, vec!["第一句。第二句。第三句继续。", "第二段。续。"]);
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn no_break_spaces_and_tabs() {
        assert_eq!(
            paragraphs("甲\u{a0}乙\t丙\u{a0}\u{a0}丁 戊"),
            vec!["甲乙丙丁 戊"]
        );
        assert_eq!(
            paragraphs("共\u{a0}50\t册\u{a0}\tWord\u{a0} text"),
            vec!["共 50 册 Word text"]
        );
        // Leading and trailing ones are indentation: gone.
        assert_eq!(paragraphs("\u{a0}\u{a0}甲\u{a0}\n"), vec!["甲"]);
        assert_eq!(paragraphs("\t甲。\n\t乙。"), vec!["甲。", "乙。"]);
    }

    #[test]
    fn heading_levels() {
        assert_eq!(heading_level("一、强化领导示范带头学"), Some(1));
        assert_eq!(heading_level("十二、总结"), Some(1));
        assert_eq!(heading_level("（一）基本情况"), Some(2));
        assert_eq!(heading_level("1.工作进展"), Some(3));
        assert_eq!(heading_level("2．工作进展"), Some(3));
        assert_eq!(heading_level("（3）具体措施"), Some(4));
        assert_eq!(heading_level("1.5 亿元"), None);
        assert_eq!(heading_level("一是视频会议"), None);
        assert_eq!(heading_level("2020年2月3日"), None);
    }

    #[test]
    fn headings_leads_and_plain_paragraphs() {
        let blocks = parse(
            "一、强化领导示范带头学，突出政治引领方向正\n\n\
             一是视频会议功能助力，送理论送知识下基层。面对疫情。\n\n\
             一、这是一个完整的句子。\n\n\
             2020年2月3日，会议召开。",
            true,
        );
        assert_eq!(
            blocks[0],
            Block::Heading {
                level: 1,
                text: "一、强化领导示范带头学，突出政治引领方向正".into()
            }
        );
        match &blocks[1] {
            Block::Para { lead, runs } => {
                assert_eq!(
                    lead.as_deref(),
                    Some("一是视频会议功能助力，送理论送知识下基层。")
                );
                assert_eq!(runs[0].text, "面对疫情。");
            }
            b => panic!("{b:?}"),
        }
        assert!(matches!(&blocks[2], Block::Para { lead: None, .. }));
        assert!(matches!(&blocks[3], Block::Para { lead: None, .. }));
        // Detection off: everything is a plain paragraph.
        for b in parse("一、标题\n\n一是甲。乙。", false) {
            assert!(matches!(b, Block::Para { lead: None, .. }), "{b:?}");
        }
    }

    #[test]
    fn emphasis_marks() {
        let r = runs("甲**乙**丙");
        assert_eq!(r.len(), 3);
        assert!(r[1].strong && r[1].text == "乙");
        // Unpaired and empty marks stay literal.
        assert_eq!(runs("a ** b")[0].text, "a ** b");
        assert_eq!(runs("****")[0].text, "****");
        assert_eq!(runs("*#$@<\\")[0].text, "*#$@<\\");
    }
}
