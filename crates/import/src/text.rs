//! The plain-text reader (.txt, .md, text pasted or scraped from anywhere):
//! decodes the bytes and hands the recogniser one paragraph per line, or per
//! block of lines an editor wrapped by hand.
//!
//! Encodings: UTF-8 (with or without a BOM), UTF-16 LE/BE with a BOM, and
//! GBK/GB18030 (what Windows editors save Chinese text in). Bytes that are
//! none of these (a binary file) are refused with a message.

use super::doc::{Align, Doc, Item, Para, ReadError};
use bulletin_model::text::join_lines;

/// Decodes text: UTF-8 (BOM or not), UTF-16 with a BOM, GBK/GB18030.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(str::to_string)
            .map_err(|e| format!("the text starts as UTF-8 but is not valid UTF-8 ({e})"));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let enc = if bytes[0] == 0xFF {
            encoding_rs::UTF_16LE
        } else {
            encoding_rs::UTF_16BE
        };
        let (text, _, bad) = enc.decode(bytes);
        if bad {
            return Err(
                "the text is UTF-16 (it has a byte order mark) but holds invalid \
                        sequences"
                    .into(),
            );
        }
        return plausible(text.into_owned());
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return plausible(s.to_string());
    }
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(s) => plausible(s.into_owned()),
        None => Err(
            "the file is not text: neither UTF-8, UTF-16 with a byte order mark, nor \
                     GBK/GB18030"
                .into(),
        ),
    }
}

/// Refuses decoded "text" that is really binary: NUL bytes or many control
/// characters.
fn plausible(text: String) -> Result<String, String> {
    let mut total = 0usize;
    let mut control = 0usize;
    for c in text.chars().take(1 << 20) {
        total += 1;
        if c == '\0' {
            return Err(
                "the file is not text (it holds NUL bytes): give a .docx, .pdf or \
                        text file"
                    .into(),
            );
        }
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}') {
            control += 1;
        }
    }
    if total > 0 && control * 20 > total {
        return Err(
            "the file is not text (it is full of control characters): give a .docx, .pdf or \
             text file"
                .into(),
        );
    }
    Ok(text)
}

/// Reads text into a [`Doc`]: one paragraph a line, except that the lines
/// of a block an editor wrapped by hand (lines of about the same length, the
/// last one shorter) are one paragraph.
pub fn read(bytes: &[u8]) -> Result<Doc, ReadError> {
    let text = decode(bytes).map_err(ReadError::NotThisFormat)?;
    Ok(from_text(&text))
}

/// One line of the text.
struct Line {
    text: String,
    /// Indentation in points (a full-width space or a tab 16, a space 8).
    indent: f32,
}

/// The [`Doc`] of decoded text.
pub fn from_text(text: &str) -> Doc {
    let mut doc = Doc::default();
    let mut block: Vec<Line> = Vec::new();
    let mut text = text.replace("\r\n", "\n").replace('\r', "\n");
    if let Some(split) = one_line_dump(&text) {
        text = split;
        doc.guesses.push(
            "the text was all on one line (a PDF's text dumped without its line breaks): it was \
             split into lines at its spaces; check the masthead, the titles and where \
             paragraphs begin"
                .into(),
        );
    }
    for raw in text.split('\n') {
        // A form feed (a page break, as pdftotext writes it).
        let raw = if raw.contains('\u{c}') {
            flush(&mut block, &mut doc);
            doc.items.push(Item::PageBreak);
            raw.trim_start_matches('\u{c}')
        } else {
            raw
        };
        let raw = raw.trim_end_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        let trimmed = raw.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if trimmed.is_empty() {
            flush(&mut block, &mut doc);
            continue;
        }
        let indent: f32 = raw[..raw.len() - trimmed.len()]
            .chars()
            .map(|c| match c {
                ' ' | '\u{a0}' => 8.0,
                '\u{3000}' | '\t' => 16.0,
                _ => 0.0,
            })
            .sum();
        // A markdown heading: its text.
        let hashes = trimmed.chars().take_while(|&c| c == '#').count();
        let trimmed = if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
            trimmed[hashes..].trim_start()
        } else {
            trimmed
        };
        block.push(Line {
            text: trimmed.to_string(),
            indent,
        });
    }
    flush(&mut block, &mut doc);
    doc
}

/// A text all on one line (a PDF's text dumped without its line breaks,
/// 200 characters or more, with spaces where its lines were): the same text
/// with a line break at each run of spaces.
fn one_line_dump(text: &str) -> Option<String> {
    let t = text.trim();
    if t.contains('\n') || chars(t) < 200 {
        return None;
    }
    let parts: Vec<&str> = t
        .split([' ', '\u{3000}', '\t'])
        .filter(|p| !p.is_empty())
        .collect();
    (parts.len() >= 8).then(|| parts.join("\n"))
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Whether a line ends a sentence (。！？ perhaps followed by closing marks).
fn ends_sentence(s: &str) -> bool {
    let t = s.trim_end_matches(['”', '’', '」', '』', '）', '》', ')', '"']);
    matches!(t.chars().last(), Some('。' | '！' | '？' | '.' | '!' | '?'))
}

/// Turns a block of lines (no blank line between them) into paragraphs.
fn flush(block: &mut Vec<Line>, doc: &mut Doc) {
    if block.is_empty() {
        return;
    }
    let lines = std::mem::take(block);
    let longest = lines.iter().map(|l| chars(&l.text)).max().unwrap_or(0);
    let indented = |l: &Line| l.indent >= 16.0;
    let any_indented = lines.iter().any(indented);
    let all_indented = lines.iter().all(indented);
    // A line "full" to the editor's wrap width.
    let full = |l: &Line| longest >= 20 && chars(&l.text) * 10 >= longest * 9;
    let structural = |l: &Line| super::recognize::structural_line(&l.text);
    let mut paras: Vec<(String, f32)> = Vec::new();
    // Text wrapped at a fixed width (by an editor, or as a PDF's text comes
    // out): several lines fill the width. A full line continues in the next
    // one; a shorter line ends its paragraph; structural lines (column
    // markers, headings, bullets, page numbers) stand alone.
    let n_full = lines.iter().filter(|l| full(l) && !structural(l)).count();
    let all_sentences = lines.iter().all(|l| ends_sentence(&l.text));
    let fixed_width = longest <= 120 && n_full >= 2;
    let wrapped = !any_indented
        && longest <= 120
        && !all_sentences
        && (n_full >= 2 || (lines.len() == 2 && full(&lines[0]) && !structural(&lines[0])));
    if wrapped {
        let mut cur: Vec<&str> = Vec::new();
        for l in &lines {
            if structural(l) && !cur.is_empty() {
                paras.push((join_lines(&cur), 0.0));
                cur.clear();
            }
            cur.push(&l.text);
            if structural(l) || !full(l) {
                paras.push((join_lines(&cur), 0.0));
                cur.clear();
            }
        }
        if !cur.is_empty() {
            paras.push((join_lines(&cur), 0.0));
        }
    } else if any_indented && !all_indented {
        // Paragraphs marked by indentation, wrapped lines not indented: an
        // unindented line continues a full line before it.
        let mut cur: Vec<&Line> = Vec::new();
        for l in &lines {
            // A full line goes on in the next one; in text wrapped at a fixed
            // width even after a full stop (the indent marks paragraphs).
            let continues = !indented(l)
                && !structural(l)
                && cur
                    .last()
                    .is_some_and(|p| full(p) && (fixed_width || !ends_sentence(&p.text)));
            if !continues && !cur.is_empty() {
                let texts: Vec<&str> = cur.iter().map(|l| l.text.as_str()).collect();
                paras.push((join_lines(&texts), cur[0].indent));
                cur.clear();
            }
            cur.push(l);
        }
        if !cur.is_empty() {
            let texts: Vec<&str> = cur.iter().map(|l| l.text.as_str()).collect();
            paras.push((join_lines(&texts), cur[0].indent));
        }
    } else {
        paras.extend(lines.iter().map(|l| (l.text.clone(), l.indent)));
    }
    for (text, indent) in paras {
        let align = if indent >= 160.0 {
            Align::Right
        } else {
            Align::Left
        };
        doc.items.push(Item::Para(Para {
            text,
            indent: (indent > 0.0).then_some(indent),
            align,
            ..Default::default()
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(doc: &Doc) -> Vec<String> {
        doc.items
            .iter()
            .filter_map(|i| match i {
                Item::Para(p) => Some(p.text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn encodings() {
        let s = "工作简报\n第1期\n";
        assert_eq!(decode(s.as_bytes()).unwrap(), s);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(s.as_bytes());
        assert_eq!(decode(&bom).unwrap(), s);
        let mut le = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&le).unwrap(), s);
        let mut be = vec![0xFE, 0xFF];
        for u in s.encode_utf16() {
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(decode(&be).unwrap(), s);
        let (gbk, _, _) = encoding_rs::GB18030.encode(s);
        assert_eq!(decode(&gbk).unwrap(), s);
        assert!(decode(&[0, 1, 2, 3, 0xff, 0xfe, 0]).is_err());
        assert!(decode(b"\x00\x00\x00\x00").is_err());
    }

    #[test]
    fn wrapped_blocks_are_joined() {
        let t = "这是一段被编辑器按固定宽度折行的文字，它的每一行\n都差不多一样长，最后一行则短一些，这是其中的一行\n最后一行。\n\n第二段。\n";
        assert_eq!(
            texts(&from_text(t)),
            [
                "这是一段被编辑器按固定宽度折行的文字，它的每一行都差不多一样长，最后一行则短一些，这是其中的一行最后一行。",
                "第二段。"
            ]
        );
        // Lines of a masthead stay apart.
        let t = "工作简报\n第 363 期\n协调小组办公室\n";
        assert_eq!(texts(&from_text(t)).len(), 3);
        // Pasted from Word: one paragraph a line, indented.
        let t = "　　第一段。\n　　第二段。\n";
        assert_eq!(texts(&from_text(t)), ["第一段。", "第二段。"]);
    }
}
