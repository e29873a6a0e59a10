//! Text helpers that every part of bulletin-pdf shares: one test for a
//! Chinese character, one map of ASCII punctuation to its full-width form,
//! one edit distance.

/// A Chinese character or a piece of Chinese punctuation.
pub fn is_chinese(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF
        | 0xFF01..=0xFF5E | 0x20000..=0x3134F | 0x2018 | 0x2019 | 0x201C | 0x201D)
}

/// Whether an ASCII `.` between `prev` and `next` (spaces skipped) is a
/// full stop in Chinese text: after a Chinese character that is not a
/// numeral (一.总体要求 is a heading's number), before a Chinese character
/// or the end of the text (`主持会议并讲话.`, `讲话.会议要求`).
pub fn ascii_full_stop(prev: Option<char>, next: Option<char>) -> bool {
    prev.is_some_and(|p| is_han(p) && !"〇一二三四五六七八九十".contains(p))
        && next.is_none_or(is_han)
}

/// A wide character: Chinese, Japanese or Korean, full-width forms and the
/// punctuation set wide in Chinese text (“” ‘’ — … ·). Two of them are
/// joined without a space when a line break falls between them.
pub fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
        || matches!(c, '“' | '”' | '‘' | '’' | '—' | '…' | '·')
}

/// Chinese punctuation, which carries its own space.
pub fn is_cjk_punct(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65)
        || matches!(c, '“' | '”' | '‘' | '’' | '—' | '…' | '·')
}

/// A Han character (汉字), without punctuation: the CJK ideographs and
/// their extensions.
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

/// Joins the lines of one paragraph: no space between two wide characters,
/// one space where either side is narrow (Latin text wrapped by an editor).
pub fn join_lines(lines: &[&str]) -> String {
    let mut s = String::new();
    for line in lines {
        if needs_space(&s, line) {
            s.push(' ');
        }
        s.push_str(line);
    }
    s
}

/// Whether text broken between `before` and `after` (a line break, a page
/// break) takes a space when joined: between two narrow characters
/// (Latin words), not beside a wide one, and not inside a number of Chinese
/// text (`亩产4` / `68公斤`, `38.` / `1万亩`: a hard wrap cut it).
pub fn needs_space(before: &str, after: &str) -> bool {
    let (Some(a), Some(b)) = (before.chars().last(), after.chars().next()) else {
        return false;
    };
    if is_wide(a) || is_wide(b) {
        return false;
    }
    let in_number = (a.is_ascii_digit() || a == '.') && b.is_ascii_digit();
    let chinese = before.chars().rev().take(12).any(is_wide) || after.chars().take(12).any(is_wide);
    !(in_number && chinese)
}

/// The full-width form of ASCII punctuation used in Chinese text (`,` → `，`);
/// any other character unchanged.
pub fn full_width(c: char) -> char {
    match c {
        ',' => '，',
        ':' => '：',
        ';' => '；',
        '(' => '（',
        ')' => '）',
        '!' => '！',
        '?' => '？',
        '.' => '。',
        c => c,
    }
}

/// Edits (insert, delete, replace, swap two neighbours) from `a` to `b`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// Text from outside (a file name, a title, a report's message) as it may
/// be shown on a terminal: control characters — which would move the
/// cursor, clear the screen or write the clipboard (ESC, CSI, OSC…) — are
/// shown as visible symbols (ESC as ␛, U+0080–U+009F as �), one character
/// for one, so columns stay right. Line breaks and tabs are kept.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c);
    if !s.chars().any(bad) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\n' | '\t' => c,
                '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
                '\u{7f}' => '\u{2421}',
                c if bad(c) => '\u{fffd}',
                c => c,
            })
            .collect(),
    )
}

/// The bidirectional controls that reorder what a terminal shows
/// (U+202A–U+202E, U+2066–U+2069).
fn is_bidi_control(c: char) -> bool {
    matches!(c as u32, 0x202A..=0x202E | 0x2066..=0x2069)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_joined_take_a_space_between_words_not_inside_a_number() {
        assert_eq!(join_lines(&["平均亩产4", "68公斤"]), "平均亩产468公斤");
        assert_eq!(join_lines(&["玉米38.", "1万亩"]), "玉米38.1万亩");
        assert_eq!(join_lines(&["the State", "Council"]), "the State Council");
        assert_eq!(join_lines(&["page 4", "68 more"]), "page 4 68 more");
        assert_eq!(join_lines(&["中文", "文字"]), "中文文字");
    }

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(visible("plain 文字\n\tok"), "plain 文字\n\tok");
        assert_eq!(visible("a\x1b]52;c;eA==\x07b"), "a␛]52;c;eA==␇b");
        assert_eq!(visible("\x1b[2J"), "␛[2J");
        assert_eq!(visible("x\u{9b}y\u{202e}z"), "x\u{fffd}y\u{fffd}z");
        assert_eq!(visible("\r").chars().count(), 1);
    }
}
