//! Article bodies: from plain text to typed blocks.
//!
//! A body is paragraphs separated by blank lines; the lines of one paragraph
//! are joined (without a space between two Chinese characters). With detection
//! on, a one-line paragraph numbered as a GB/T 9704 heading (一、 （一） 1.
//! （1）) that does not end in 。 is a heading of that level, and a paragraph
//! opening with a run-in lead (一是…。) shows the lead as such. `**…**` marks
//! emphasis explicitly. Everything else is literal text.

use serde::Serialize;

/// A piece of a paragraph's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    pub text: String,
    /// Printed in the emphasis style (bold).
    pub strong: bool,
}

/// One block of an article's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
                for r in runs {
                    s.push_str(&r.text);
                }
                s
            }
        }
    }
}

/// Splits text into paragraphs at blank lines and joins each paragraph's lines.
pub fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            if !cur.is_empty() {
                out.push(join_lines(&cur));
                cur.clear();
            }
        } else {
            cur.push(line);
        }
    }
    if !cur.is_empty() {
        out.push(join_lines(&cur));
    }
    out
}

/// Joins the lines of one paragraph: no space between two wide characters,
/// one space where either side is narrow (Latin text wrapped by an editor).
fn join_lines(lines: &[&str]) -> String {
    let mut s = String::new();
    for line in lines {
        if let (Some(a), Some(b)) = (s.chars().last(), line.chars().next()) {
            if !is_wide(a) && !is_wide(b) {
                s.push(' ');
            }
        }
        s.push_str(line);
    }
    s
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
        || matches!(c, '“' | '”' | '‘' | '’' | '—' | '…' | '·')
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
            out.push(Run {
                text: rest[..start].to_string(),
                strong: false,
            });
        }
        out.push(Run {
            text: after[..len].to_string(),
            strong: true,
        });
        rest = &after[len + 2..];
    }
    if !rest.is_empty() || out.is_empty() {
        out.push(Run {
            text: rest.to_string(),
            strong: false,
        });
    }
    out
}

/// Parses a body into blocks.
pub fn parse(text: &str, detect: bool) -> Vec<Block> {
    paragraphs(text)
        .into_iter()
        .map(|p| parse_paragraph(&p, detect))
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_lines_and_splits_paragraphs() {
        let ps = paragraphs("第一段\n继续。\n\n\n  第二段 \nEnglish\ntext\n");
        assert_eq!(ps, vec!["第一段继续。", "第二段English text"]);
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
