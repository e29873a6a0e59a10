//! What one line's text says: characters, dates and numbers, and the
//! patterns a line matches (a column marker, 第 N 期, a footer field, a
//! byline, junk…). Pure functions of the text, used by classification and
//! the passes.

use super::*;

// ---------------------------------------------------------------------------
// Characters

pub(super) fn nchars(s: &str) -> usize {
    s.chars().count()
}

/// Letters only (Chinese characters, letters, digits): for comparing titles.
pub(super) fn letters(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Without any whitespace.
pub(super) fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether a paragraph ends a sentence.
pub(super) fn ends_sentence(s: &str) -> bool {
    let t = s.trim_end_matches(['”', '’', '」', '』', '）', '》', ')', '"', '】']);
    matches!(
        t.chars().last(),
        Some('。' | '！' | '？' | '.' | '!' | '?' | '…')
    )
}

/// Whether a paragraph ends where a paragraph may end: a sentence, or a
/// colon or semicolon before a list.
pub(super) fn ends_clause(s: &str) -> bool {
    ends_sentence(s)
        || matches!(s.chars().last(), Some('：' | '；' | ':' | ';'))
        || ends_with_byline(s).is_some()
}

/// A byline in brackets at the end of a paragraph, after a finished
/// sentence (……取得实效。（丁明强撰稿）): where it starts (a byte offset)
/// and the byline.
pub(super) fn ends_with_byline(s: &str) -> Option<(usize, String)> {
    let i = s.rfind(['（', '('])?;
    let before = &s[..i];
    if !ends_sentence(before) {
        return None;
    }
    byline_of(&s[i..]).map(|b| (i, b))
}

/// Normalises one paragraph's text: soft hyphens and zero-width characters
/// removed, no-break and odd spaces made plain, the ends trimmed (full-width
/// spaces of an indent too). Spaces inside stay.
pub fn normalize(s: &str) -> String {
    // Odd spaces are marked '\u{1}' first: removed between wide characters
    // and next to Chinese punctuation, one plain space elsewhere.
    let mut marked = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' => {}
            '\u{a0}' | '\u{202f}' | '\u{2007}' | '\u{2002}' | '\u{2003}' | '\u{2009}' | '\t' => {
                marked.push('\u{1}')
            }
            '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{2028}' | '\u{2029}' => marked.push(' '),
            '\u{1}' => {}
            c if c.is_control() => {}
            c => marked.push(c),
        }
    }
    let t = marked.trim_matches(|c: char| c.is_whitespace() || c == '\u{1}');
    let chars: Vec<char> = t.chars().collect();
    let mut out = String::with_capacity(t.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '\u{1}' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let end = i + chars[i..]
            .iter()
            .take_while(|&&c| c == '\u{1}' || c == ' ')
            .count();
        let before = out.chars().last();
        let after = chars.get(end).copied();
        let wide_both = before.is_some_and(is_wide) && after.is_some_and(is_wide);
        let punct = before.is_some_and(is_cjk_punct) || after.is_some_and(is_cjk_punct);
        if !wide_both && !punct && !out.ends_with(' ') {
            out.push(' ');
        }
        i = end;
    }
    out
}

/// ASCII `, : ; ( ) ! ?` (and `.` as a full stop, see
/// [`bulletin_model::text::ascii_full_stop`]) between Chinese characters (spaces skipped; the
/// start or end of the text counts as Chinese when the other side is):
/// full-width, with the spaces around them removed. Returns how many.
pub fn fix_punctuation(s: &str) -> (String, usize) {
    let chars: Vec<char> = s.chars().collect();
    let chinese = |c: char| bulletin_model::text::is_chinese(c);
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut fixed = 0;
    let mut skip_spaces = false;
    for (i, &c) in chars.iter().enumerate() {
        if skip_spaces && c == ' ' {
            continue;
        }
        skip_spaces = false;
        if matches!(c, ',' | ':' | ';' | '(' | ')' | '!' | '?' | '.') {
            let prev = chars[..i].iter().rev().find(|c| **c != ' ').copied();
            let next = chars[i + 1..].iter().find(|c| **c != ' ').copied();
            if c == '.' && !bulletin_model::text::ascii_full_stop(prev, next) {
                out.push(c);
                continue;
            }
            let ok = |n: Option<char>| n.is_none_or(chinese);
            let any = prev.is_some_and(chinese) || next.is_some_and(chinese);
            // "(一)" and "一)" count: a bracket with a Chinese digit inside.
            if ok(prev) && ok(next) && any {
                while out.last() == Some(&' ') {
                    out.pop();
                }
                out.push(bulletin_model::text::full_width(c));
                fixed += 1;
                skip_spaces = true;
                continue;
            }
        }
        out.push(c);
    }
    (out.into_iter().collect(), fixed)
}

// ---------------------------------------------------------------------------
// Dates and numbers

pub(super) fn cn_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' | '○' | 'Ｏ' | 'O' | 'o' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '兩' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' | '陸' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// A number in Chinese numerals: 十二, 二十三, 一百二十, or digit by digit
/// (二〇二〇, 三六三).
pub(super) fn cn_number(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    if !s.contains(['十', '百', '千', '拾', '佰']) {
        let mut n: u32 = 0;
        for c in s.chars() {
            n = n.checked_mul(10)?.checked_add(cn_digit(c)?)?;
        }
        return Some(n);
    }
    let mut total = 0u32;
    let mut cur = 0u32;
    for c in s.chars() {
        match c {
            '十' | '拾' => {
                total += if cur == 0 { 10 } else { cur * 10 };
                cur = 0;
            }
            '百' | '佰' => {
                total += cur * 100;
                cur = 0;
            }
            '千' => {
                total += cur * 1000;
                cur = 0;
            }
            c => cur = cn_digit(c)?,
        }
    }
    Some(total + cur)
}

/// A number written in ASCII, full-width or Chinese digits.
pub(super) fn any_number(s: &str) -> Option<u32> {
    let s = s.trim();
    let ascii: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            c => c,
        })
        .collect();
    if !ascii.is_empty() && ascii.chars().all(|c| c.is_ascii_digit()) {
        return ascii.parse().ok();
    }
    cn_number(s)
}

/// A date found in a text: where (char range) and what; the year may be
/// missing (月日 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundDate {
    pub year: Option<i64>,
    pub month: u32,
    pub day: u32,
    /// Char positions [start, end).
    pub start: usize,
    pub end: usize,
}

pub(super) fn is_num_char(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c) || cn_digit(c).is_some() || c == '十'
}

/// Finds the first date in a text: 2020年2月10日, 二〇二〇年二月十日,
/// 2020.02.10, 2020-2-10, 2020/2/10, or 2月10日 (no year).
pub fn find_date(s: &str) -> Option<FoundDate> {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let take_num = |mut i: usize| -> (usize, String) {
        let start = i;
        while i < n && is_num_char(chars[i]) {
            i += 1;
        }
        (i, chars[start..i].iter().collect())
    };
    let skip_sp = |mut i: usize| {
        while i < n && chars[i] == ' ' {
            i += 1;
        }
        i
    };
    let valid = |y: Option<i64>, m: u32, d: u32| {
        (1..=12).contains(&m)
            && d >= 1
            && d <= bulletin_model::date::days_in_month(y.unwrap_or(2000), m)
            && y.is_none_or(|y| (1900..=2200).contains(&y))
    };
    let mut i = 0;
    while i < n {
        if !is_num_char(chars[i]) || (i > 0 && is_num_char(chars[i - 1])) {
            i += 1;
            continue;
        }
        let (a_end, a) = take_num(i);
        let Some(av) = any_number(&a) else {
            i = a_end.max(i + 1);
            continue;
        };
        let j = skip_sp(a_end);
        // 2020年2月10日 / 2月10日
        if j < n && chars[j] == '年' {
            let k = skip_sp(j + 1);
            let (m_end, m) = take_num(k);
            let k2 = skip_sp(m_end);
            if k2 < n && chars[k2] == '月' {
                let k3 = skip_sp(k2 + 1);
                let (d_end, d) = take_num(k3);
                let k4 = skip_sp(d_end);
                if k4 < n && matches!(chars[k4], '日' | '号') {
                    if let (Some(mv), Some(dv)) = (any_number(&m), any_number(&d)) {
                        let y = i64::from(av);
                        if valid(Some(y), mv, dv) {
                            return Some(FoundDate {
                                year: Some(y),
                                month: mv,
                                day: dv,
                                start: i,
                                end: k4 + 1,
                            });
                        }
                    }
                }
            }
        }
        if j < n && chars[j] == '月' {
            let k = skip_sp(j + 1);
            let (d_end, d) = take_num(k);
            let k2 = skip_sp(d_end);
            if k2 < n && matches!(chars[k2], '日' | '号') {
                if let Some(dv) = any_number(&d) {
                    if valid(None, av, dv) {
                        return Some(FoundDate {
                            year: None,
                            month: av,
                            day: dv,
                            start: i,
                            end: k2 + 1,
                        });
                    }
                }
            }
        }
        // 2020.02.10, 2020-2-10, 2020/2/10
        if a.chars().count() == 4
            && a.chars()
                .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
            && j == a_end
        {
            if let Some(&sep) = chars.get(a_end) {
                if matches!(sep, '.' | '-' | '/' | '．' | '－' | '／') {
                    let (m_end, m) = take_num(a_end + 1);
                    if chars.get(m_end) == Some(&sep) {
                        let (d_end, d) = take_num(m_end + 1);
                        let followed = chars.get(d_end).is_some_and(|c| c.is_ascii_digit());
                        if let (Some(mv), Some(dv)) = (any_number(&m), any_number(&d)) {
                            let y = i64::from(av);
                            let short = |s: &str| (1..=2).contains(&s.chars().count());
                            if !followed && short(&m) && short(&d) && valid(Some(y), mv, dv) {
                                return Some(FoundDate {
                                    year: Some(y),
                                    month: mv,
                                    day: dv,
                                    start: i,
                                    end: d_end,
                                });
                            }
                        }
                    }
                }
            }
        }
        i = a_end.max(i + 1);
    }
    None
}

/// The text without the char range.
pub(super) fn cut(s: &str, start: usize, end: usize) -> (String, String) {
    let before: String = s.chars().take(start).collect();
    let after: String = s.chars().skip(end).collect();
    (before, after)
}

// ---------------------------------------------------------------------------
// Line kinds

pub(super) const BULLETIN_WORDS: [&str; 16] = [
    "简报", "簡報", "专报", "專報", "快报", "快報", "动态", "動態", "通讯", "通訊", "信息", "要报",
    "周报", "月报", "专刊", "参考",
];

/// A column marker: 【上情下达】, 〖…〗, ※…※, ≡…≡, ◆…◆, ■…■, ★…★; the name.
pub fn column_marker(s: &str) -> Option<String> {
    let t = s.trim();
    let pairs = [
        ('【', '】'),
        ('〖', '〗'),
        ('［', '］'),
        ('※', '※'),
        ('≡', '≡'),
        ('◆', '◆'),
        ('◇', '◇'),
        ('■', '■'),
        ('□', '□'),
        ('★', '★'),
        ('☆', '☆'),
        ('●', '●'),
        ('〓', '〓'),
        ('[', ']'),
    ];
    for (open, close) in pairs {
        let Some(inner) = t.strip_prefix(open) else {
            continue;
        };
        let inner = inner.trim_start_matches(open);
        let Some(inner) = inner.strip_suffix(close) else {
            continue;
        };
        let inner = inner.trim_end_matches(close).trim();
        let n = nchars(inner);
        if n == 0 || n > 20 || inner.contains(['。', '，', open, close, '【', '】']) {
            return None;
        }
        let key = compact(inner);
        if is_toc_word(&key) || is_details_word(&key) || note_label(&key).is_some() {
            return None;
        }
        if !inner.chars().any(is_han) {
            return None;
        }
        return Some(inner.to_string());
    }
    None
}

/// A column named after one leading mark, without a closing one
/// (`■ 要情动态`, `◆部门信息`): a short name of Chinese characters. The mark
/// alone says little (lists in a body are written the same way), so the
/// caller decides by where the line stands.
pub fn marked_column(s: &str) -> Option<String> {
    const MARKS: [char; 16] = [
        '■', '□', '◆', '◇', '●', '○', '★', '☆', '▲', '△', '▶', '►', '◎', '▌', '▍', '◤',
    ];
    let t = s.trim();
    let first = t.chars().next()?;
    if !MARKS.contains(&first) {
        return None;
    }
    let inner = t[first.len_utf8()..].trim_start_matches(first).trim();
    let n = nchars(inner);
    if !(2..=10).contains(&n) || !inner.chars().all(|c| is_han(c) || c == '·') {
        return None;
    }
    let key = compact(inner);
    if is_toc_word(&key) || is_details_word(&key) || note_label(&key).is_some() {
        return None;
    }
    Some(inner.to_string())
}

pub(super) fn strip_decor(s: &str) -> String {
    compact(s)
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

pub(super) fn is_toc_word(k: &str) -> bool {
    matches!(
        k,
        "本期要目"
            | "本期目录"
            | "目录"
            | "要目"
            | "本期目錄"
            | "目錄"
            | "本期导读"
            | "本期導讀"
            | "本期内容"
            | "本期內容"
            | "内容提要"
    )
}

pub(super) fn is_details_word(k: &str) -> bool {
    matches!(k, "本期详情" | "本期詳情")
}

/// 本期要目 / 目录 / ≡本期要目≡ (a heading of the table of contents).
pub fn toc_header(s: &str) -> bool {
    nchars(s) <= 20 && is_toc_word(&strip_decor(s))
}

/// ≡本期详情≡: the start of the articles after a table of contents.
pub(super) fn details_header(s: &str) -> bool {
    nchars(s) <= 20 && is_details_word(&strip_decor(s))
}

/// An editor's note label at the start: 编者按 / 按语 (and Traditional):
/// (label, the rest after ：).
pub(super) fn note_label(s: &str) -> Option<(String, String)> {
    let t = s.trim_start_matches(['【', '[', '〔', '［', '（', '(', '〖', ' ', '　']);
    for label in ["编者按", "編者按", "按语", "按語", "编者的话", "編者的話"] {
        if let Some(rest) = t.strip_prefix(label) {
            // The closing bracket, the colon and the spaces, in any order
            // (【编者按 】：…).
            let rest = rest
                .trim_start_matches(['】', ']', '〕', '］', '）', ')', '〗', ' ', '：', ':', '　']);
            return Some((label.to_string(), rest.to_string()));
        }
    }
    None
}

/// 第 N 期 and 总第 N 期 and 增刊: (number, total, kind).
pub(super) fn number_line(
    s: &str,
) -> Option<(Option<IssueNumber>, Option<u32>, Option<IssueKind>)> {
    let c = compact(s);
    if nchars(&c) > 60 {
        return None;
    }
    let mut total = None;
    let mut rest = c.clone();
    for pre in ["总第", "總第"] {
        if let Some(i) = rest.find(pre) {
            let after = &rest[i + pre.len()..];
            if let Some(j) = after.find('期') {
                total = any_number(&after[..j]);
                let end = i + pre.len() + j + '期'.len_utf8();
                rest = format!("{}{}", &rest[..i], &rest[end..]);
            }
        }
    }
    let mut kind = None;
    for (word, k) in [
        ("增刊", IssueKind::Supplement),
        ("专刊", IssueKind::Special),
        ("專刊", IssueKind::Special),
        ("特刊", IssueKind::Extra),
    ] {
        if rest.contains(word) {
            kind = Some(k);
            rest = rest.replacen(word, "", 1);
        }
    }
    let number = rest.find('第').and_then(|i| {
        let after = &rest[i + '第'.len_utf8()..];
        let j = after.find('期')?;
        any_number(&after[..j]).map(|n| IssueNumber::Number(i64::from(n)))
    });
    let number = number.or_else(|| {
        // 增刊（1） / 增刊1
        kind.and_then(|_| {
            let digits: String = rest.chars().filter(|c| c.is_ascii_digit()).collect();
            digits.parse().ok().map(IssueNumber::Number)
        })
    });
    if number.is_none() && total.is_none() {
        return None;
    }
    Some((number, total, kind))
}

/// A marker line: 内部资料 注意保存, 内部刊物… (the text as written).
pub(super) fn marker_line(s: &str) -> bool {
    let c = compact(s);
    nchars(&c) <= 20
        && [
            "内部资料",
            "內部資料",
            "注意保存",
            "内部刊物",
            "內部刊物",
            "内部参阅",
            "妥善保管",
            "内部文件",
        ]
        .iter()
        .any(|w| c.contains(w))
}

/// 秘密★1年 / 密级：机密: (classification, period).
pub(super) fn secrecy_line(s: &str) -> Option<(Classification, Option<String>)> {
    let c = compact(s);
    if nchars(&c) > 20 {
        return None;
    }
    let c = c
        .trim_start_matches("密级")
        .trim_start_matches("密級")
        .trim_start_matches(['：', ':']);
    for (w, k) in [
        ("绝密", Classification::TopSecret),
        ("絕密", Classification::TopSecret),
        ("机密", Classification::Confidential),
        ("機密", Classification::Confidential),
        ("秘密", Classification::Secret),
    ] {
        if let Some(rest) = c.strip_prefix(w) {
            let period = rest.trim_start_matches(['★', '*', '☆']).trim();
            let period = (!period.is_empty()).then(|| period.to_string());
            return Some((k, period));
        }
    }
    None
}

pub(super) fn urgency_line(s: &str) -> Option<Urgency> {
    match compact(s).as_str() {
        "特急" => Some(Urgency::Extra),
        "加急" => Some(Urgency::Urgent),
        _ => None,
    }
}

/// A running page number: — 3 —, -3-, 第3页, 3/11, 第 3 页 共 11 页.
pub(super) fn page_number(s: &str) -> bool {
    let c = compact(s);
    if c.is_empty() || nchars(&c) > 16 {
        return false;
    }
    let dashes = ['—', '–', '-', '－', '─', '―'];
    let inner = c.trim_matches(|ch| dashes.contains(&ch));
    if inner.len() < c.len()
        && !inner.is_empty()
        && inner
            .chars()
            .all(|ch| ch.is_ascii_digit() || ('０'..='９').contains(&ch))
    {
        return true;
    }
    if let Some(rest) = c.strip_prefix('第') {
        let num: String = rest.chars().take_while(|ch| is_num_char(*ch)).collect();
        let after = &rest[num.len()..];
        if !num.is_empty()
            && (after == "页"
                || after == "頁"
                || after.starts_with("页共")
                || after.starts_with("頁共"))
        {
            return true;
        }
    }
    if let Some((a, b)) = c.split_once('/') {
        return !a.is_empty()
            && !b.is_empty()
            && a.chars().all(|ch| ch.is_ascii_digit())
            && b.chars().all(|ch| ch.is_ascii_digit());
    }
    false
}

/// A line drawn with characters: ──────, ======, ______, ﹉﹉﹉.
pub(super) fn rule_line(s: &str) -> bool {
    let c = compact(s);
    nchars(&c) >= 5
        && c.chars().all(|ch| {
            matches!(
                ch,
                '─' | '━'
                    | '—'
                    | '-'
                    | '_'
                    | '='
                    | '＝'
                    | '﹉'
                    | '﹍'
                    | '＿'
                    | '－'
                    | '~'
                    | '～'
                    | '*'
                    | '·'
                    | '═'
                    | '▬'
            )
        })
}

/// Lines scraped from a web page around the text, dropped on clear patterns.
pub(super) fn junk_line(s: &str) -> bool {
    let c = compact(s);
    if c.contains("未完") && c.contains("全文共") && c.contains('字') {
        return true;
    }
    if (c.contains("当前显示") || c.contains("當前顯示")) && c.contains('字') && nchars(&c) < 40
    {
        return true;
    }
    let exact = [
        "打印本页",
        "关闭窗口",
        "【打印】【关闭】",
        "【打印本页】【关闭窗口】",
        "返回顶部",
        "【字体：大中小】",
        "字体：大中小",
        "[打印本页][关闭窗口]",
        "分享到：",
        "扫一扫在手机打开当前页",
        "打印本页关闭窗口",
        "【打印本页】【关闭窗口】",
        "【打印】",
        "【关闭】",
        "【关闭窗口】",
        "【打印本页】",
        "【返回顶部】",
    ];
    if exact.contains(&c.as_str()) {
        return true;
    }
    // A site's footer: its licence numbers, copyright, host.
    let lower = c.to_lowercase();
    let site_footer = c.contains("ICP备")
        || c.contains("ICP證")
        || c.contains("ICP证")
        || c.contains("公网安备")
        || c.contains("网站标识码")
        || c.starts_with("版权所有")
        || c.starts_with("版權所有")
        || lower.starts_with("copyright")
        || c.starts_with('©')
        || c.starts_with("技术支持")
        || (c.starts_with("主办") && c.contains("地址"));
    if site_footer && nchars(&c) < 120 && !ends_sentence(s) {
        return true;
    }
    nchars(&c) < 60
        && (c.starts_with("上一篇：")
            || c.starts_with("下一篇：")
            || c.starts_with("【字体")
            || c.starts_with("分享到")
            || breadcrumbs(s))
}

/// A web page's trail of links (首页 > 信息公开 > 工作动态, 当前位置：…) or its
/// bar of links (首页 | 政务公开 | 环境质量 | 工作简报).
pub(super) fn breadcrumbs(s: &str) -> bool {
    let t = s.trim();
    let steps = t.matches(['>', '›', '»', '＞', '→']).count();
    let bars = t.matches(['|', '｜']).count();
    let c = compact(t);
    let prose = ends_sentence(t) || c.contains(['。', '，']);
    (c.starts_with("当前位置") || c.starts_with("您现在的位置") || c.starts_with("您的位置"))
        || (steps >= 2 && nchars(&c) <= 60 && !prose)
        || (bars >= 3 && nchars(&c) <= 100 && !prose && !t.starts_with(['|', '｜']))
}

/// A web page's line about the article: 来源：… 发布时间：… 浏览次数：….
pub(super) fn web_meta_line(s: &str) -> bool {
    let c = compact(s);
    let keys = [
        "来源",
        "發布時間",
        "发布时间",
        "浏览次数",
        "点击数",
        "点击量",
        "阅读次数",
        "作者",
        "信息来源",
        "发布日期",
        "发布者",
        "访问量",
        "刊发日期",
        "刊发时间",
        "语音阅读",
        "字号",
    ];
    let hits = keys.iter().filter(|k| c.contains(*k)).count();
    nchars(&c) <= 100
        && !ends_sentence(s)
        && (hits >= 2
            || (hits == 1 && keys.iter().any(|k| c.starts_with(k)) && find_date(s).is_some()))
}

/// "相关文章" / "相关阅读": a list of links follows.
pub(super) fn related_header(s: &str) -> bool {
    matches!(
        strip_decor(s).as_str(),
        "相关文章" | "相关阅读" | "相关新闻" | "延伸阅读" | "相關文章" | "相關閱讀" | "相关链接"
    )
}

/// Footer labels and the field each fills.
pub(super) const FOOTER_LABELS: [(&str, FooterField); 37] = [
    ("主送", FooterField::Zhusong),
    ("抄报", FooterField::Bao),
    ("抄報", FooterField::Bao),
    ("报送", FooterField::Bao),
    ("報送", FooterField::Bao),
    ("报", FooterField::Bao),
    ("報", FooterField::Bao),
    ("抄送", FooterField::Song),
    ("送", FooterField::Song),
    ("本期增发", FooterField::Zengfa),
    ("本期增發", FooterField::Zengfa),
    ("增发", FooterField::Zengfa),
    ("增發", FooterField::Zengfa),
    ("分送", FooterField::Fa),
    ("发", FooterField::Fa),
    ("發", FooterField::Fa),
    ("责任编辑", FooterField::Editor),
    ("責任編輯", FooterField::Editor),
    ("编辑", FooterField::Editor),
    ("編輯", FooterField::Editor),
    ("校对", FooterField::Proofreader),
    ("校對", FooterField::Proofreader),
    ("审核", FooterField::Reviewer),
    ("審核", FooterField::Reviewer),
    ("审稿", FooterField::Reviewer),
    ("签发", FooterField::Approver),
    ("簽發", FooterField::Approver),
    ("联系人", FooterField::Contact),
    ("聯繫人", FooterField::Contact),
    ("聯系人", FooterField::Contact),
    ("联系电话", FooterField::Phone),
    ("电话", FooterField::Phone),
    ("電話", FooterField::Phone),
    ("电子邮箱", FooterField::Email),
    ("電子郵箱", FooterField::Email),
    ("投稿邮箱", FooterField::Email),
    ("邮箱", FooterField::Email),
];

/// The labelled fields of a footer line: 报：… / 责任编辑：张三 校对：李四.
pub(super) fn footer_fields(s: &str) -> Vec<(FooterField, String)> {
    let chars: Vec<char> = s.chars().collect();
    // Label positions: a label followed (spaces allowed) by ： or :, at the
    // start or after a space.
    let mut found: Vec<(usize, usize, FooterField)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || matches!(chars[i - 1], ' ' | '　' | '；' | ';' | '，');
        // A label of two or more characters also starts a field right after
        // a digit or a letter (lines joined without a space: 0516-1234电子邮箱：).
        let after_latin = i > 0 && chars[i - 1].is_ascii_alphanumeric();
        let mut hit = None;
        if boundary || after_latin {
            for (label, field) in FOOTER_LABELS {
                let l: Vec<char> = label.chars().collect();
                if !boundary && l.len() < 2 {
                    continue;
                }
                if chars[i..].starts_with(&l) {
                    let mut j = i + l.len();
                    while j < chars.len() && matches!(chars[j], ' ' | '　') {
                        j += 1;
                    }
                    if j < chars.len() && matches!(chars[j], '：' | ':') {
                        hit = Some((i, j + 1, field));
                        break;
                    }
                }
            }
        }
        if let Some(h) = hit {
            found.push(h);
            i = h.1;
        } else {
            i += 1;
        }
    }
    let mut out = Vec::new();
    for (k, &(_, vstart, field)) in found.iter().enumerate() {
        let vend = found.get(k + 1).map_or(chars.len(), |n| n.0);
        let v: String = chars[vstart..vend].iter().collect();
        let v = v.trim_matches(|c: char| c.is_whitespace() || c == '；' || c == ';');
        out.push((field, v.to_string()));
    }
    if found.first().is_some_and(|f| f.0 != 0) {
        return Vec::new();
    }
    out
}

/// 共印 N 份.
pub(super) fn copies_in(s: &str) -> Option<(u32, usize)> {
    let c = compact(s);
    let i = c.find("共印")?;
    let after = &c[i + "共印".len()..];
    let j = after.find('份')?;
    let n = any_number(&after[..j])?;
    Some((n, i))
}

/// A printer line: "协调小组办公室 2020年2月10日印发".
pub(super) fn print_line(s: &str) -> Option<(String, Option<FoundDate>)> {
    let c = s.trim();
    if !(c.contains("印发") || c.contains("印發")) {
        return None;
    }
    let d = find_date(c);
    let (before, _) = match d {
        Some(d) => cut(c, d.start, d.end),
        None => (c.replace("印发", "").replace("印發", ""), String::new()),
    };
    Some((before.trim().to_string(), d))
}

/// A line that is part of a document's structure rather than running text:
/// never joined to the line before it.
pub fn structural_line(s: &str) -> bool {
    let t = s.trim();
    column_marker(t).is_some()
        || toc_header(t)
        || details_header(t)
        || number_line(t).is_some()
        || note_label(t).is_some()
        || !footer_fields(t).is_empty()
        || bullet(t).is_some()
        || bulletin_model::body::heading_level(t).is_some()
        || byline_of(t).is_some()
        || page_number(t)
        || leader_line(t)
        || rule_line(t)
        || spread_line(t)
}

/// A line laid out in fields by runs of spaces (`丰原县农业农村局      2023年8月2日`,
/// the office and the date under a masthead): it stands alone.
pub(super) fn spread_line(t: &str) -> bool {
    let t = t.trim();
    (t.contains("   ") || t.contains("\u{3000}\u{3000}")) && nchars(t) <= 80
}

/// A table of contents' line: a title, dot leaders, a page number.
pub(super) fn leader_line(s: &str) -> bool {
    let t = s.trim_end().trim_end_matches(|c: char| c.is_ascii_digit());
    t.len() < s.trim_end().len()
        && t.trim_end()
            .chars()
            .rev()
            .take_while(|c| matches!(c, '…' | '.' | '·' | '．' | '-' | '—' | ' '))
            .count()
            >= 2
}

/// A list bullet at the start of a line: the text after it.
pub(super) fn bullet(s: &str) -> Option<&str> {
    for b in [
        "- ", "* ", "+ ", "· ", "•", "●", "◆", "◇", "■", "□", "○", "▲", "△", "▶", "►", "★", "☆",
        "√", "✓",
    ] {
        if let Some(rest) = s.strip_prefix(b) {
            let rest = rest.trim_start();
            if !rest.is_empty() {
                return Some(rest);
            }
        }
    }
    None
}

/// A byline: a short paragraph wholly in brackets, （徐州市委理论学习中心组）
/// or (集团公司行政管理部 王世华): the text inside.
pub(super) fn byline_of(s: &str) -> Option<String> {
    let t = s.trim();
    let inner = t
        .strip_prefix('（')
        .and_then(|t| t.strip_suffix('）'))
        .or_else(|| t.strip_prefix('(').and_then(|t| t.strip_suffix(')')))
        .or_else(|| t.strip_prefix('〔').and_then(|t| t.strip_suffix('〕')))?;
    let inner = inner.trim();
    if inner.is_empty()
        || nchars(inner) > 40
        || inner.contains(['。', '（', '）', '(', ')', '！', '？'])
        || bulletin_model::body::heading_level(t).is_some()
        || find_date(inner).is_some()
    {
        return None;
    }
    if !inner.chars().any(is_han) {
        return None;
    }
    Some(inner.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(s: &str) -> Option<(Option<i64>, u32, u32)> {
        find_date(s).map(|d| (d.year, d.month, d.day))
    }

    #[test]
    fn dates_in_every_form() {
        assert_eq!(ymd("2020年2月10日"), Some((Some(2020), 2, 10)));
        assert_eq!(ymd("2020 年 2 月 10 日"), Some((Some(2020), 2, 10)));
        assert_eq!(ymd("二〇二〇年二月十日"), Some((Some(2020), 2, 10)));
        assert_eq!(ymd("二〇一九年十二月二十一日"), Some((Some(2019), 12, 21)));
        assert_eq!(ymd("2020.02.10"), Some((Some(2020), 2, 10)));
        assert_eq!(ymd("2020-2-10"), Some((Some(2020), 2, 10)));
        assert_eq!(ymd("2020/2/10"), Some((Some(2020), 2, 10)));
        assert_eq!(
            ymd("办公室　２０２０年２月１０日"),
            Some((Some(2020), 2, 10))
        );
        assert_eq!(ymd("2月10日"), Some((None, 2, 10)));
        assert_eq!(ymd("2020年2月30日"), None);
        assert_eq!(ymd("共 12.5 万"), None);
    }

    #[test]
    fn numbers() {
        assert_eq!(
            number_line("第 363 期"),
            Some((Some(IssueNumber::Number(363)), None, None))
        );
        assert_eq!(
            number_line("第363期（总第1234期）"),
            Some((Some(IssueNumber::Number(363)), Some(1234), None))
        );
        assert_eq!(
            number_line("增刊第2期"),
            Some((
                Some(IssueNumber::Number(2)),
                None,
                Some(IssueKind::Supplement)
            ))
        );
        assert_eq!(
            number_line("第十二期"),
            Some((Some(IssueNumber::Number(12)), None, None))
        );
        assert_eq!(
            number_line("2020年第3期").map(|x| x.0),
            Some(Some(IssueNumber::Number(3)))
        );
    }

    #[test]
    fn punctuation() {
        assert_eq!(fix_punctuation("会议,研究").0, "会议，研究");
        assert_eq!(fix_punctuation("(一)总体要求").0, "（一）总体要求");
        assert_eq!(fix_punctuation("会议 , 研究").0, "会议，研究");
        assert_eq!(fix_punctuation("10:30 a, b").1, 0);
        assert_eq!(fix_punctuation("主持会议并讲话.").0, "主持会议并讲话。");
        assert_eq!(fix_punctuation("一.总体要求 2020.02.10").1, 0);
    }

    #[test]
    fn lines() {
        assert_eq!(column_marker("【上情下达】").as_deref(), Some("上情下达"));
        assert_eq!(column_marker("※思想教育※").as_deref(), Some("思想教育"));
        assert_eq!(column_marker("≡本期详情≡"), None);
        assert_eq!(column_marker("【编者按】"), None);
        assert_eq!(marked_column("■ 要情动态").as_deref(), Some("要情动态"));
        assert_eq!(marked_column("◆部门信息").as_deref(), Some("部门信息"));
        assert_eq!(marked_column("● 加强组织领导，压实责任"), None);
        assert_eq!(marked_column("■ 目录"), None);
        assert_eq!(marked_column("要情动态"), None);
        assert!(junk_line("首页 > 信息公开 > 工作动态"));
        assert!(junk_line("当前位置：首页 » 政务公开"));
        assert!(!junk_line("产值由5亿元 > 4亿元，下降明显。"));
        assert!(junk_line(
            "首页 | 政务公开 | 环境质量 | 工作简报 | 互动交流"
        ));
        assert!(junk_line("您现在的位置：首页 >> 工作简报 >> 正文"));
        assert!(!junk_line("| 项目 | 完成数 | 占比 |"));
        assert!(junk_line(
            "版权所有：某某市发展和改革委员会　某ICP备12345678号-1　网站标识码：0000000001"
        ));
        assert!(junk_line(
            "地址：某某县城关镇中心路8号　电话：0000-7654321　某ICP备05001234号"
        ));
        assert!(junk_line(
            "主办：某某市发展和改革委员会　地址：某某市人民路1号"
        ));
        assert!(junk_line("Copyright © 2019 某某县人民政府"));
        assert!(!junk_line("主办：县委办公室"));
        assert!(!junk_line(
            "会议强调，要严格落实网络安全责任，做好ICP备案等工作。"
        ));
        assert!(toc_header("≡本期要目≡"));
        assert!(toc_header("本 期 要 目"));
        assert!(page_number("— 3 —"));
        assert!(page_number("-3-"));
        assert!(page_number("第3页"));
        assert!(!page_number("3"));
        assert_eq!(
            byline_of("（徐州市委理论学习中心组）").as_deref(),
            Some("徐州市委理论学习中心组")
        );
        assert_eq!(
            byline_of("(集团公司行政管理部 王世华)").as_deref(),
            Some("集团公司行政管理部 王世华")
        );
        assert_eq!(byline_of("（一）总体要求"), None);
        assert_eq!(
            footer_fields("责任编辑：张三　校对：李四"),
            [
                (FooterField::Editor, "张三".to_string()),
                (FooterField::Proofreader, "李四".to_string())
            ]
        );
        assert_eq!(
            footer_fields("報：省委辦公廳"),
            [(FooterField::Bao, "省委辦公廳".to_string())]
        );
        assert!(junk_line("(未完,全文共1713字,当前显示380字)"));
        assert!(web_meta_line("刊发日期:2020-06-18 作者：语音阅读："));
        assert_eq!(
            note_label("【编者按 】：本期刊发").map(|n| n.1).as_deref(),
            Some("本期刊发")
        );
        assert_eq!(
            ends_with_byline("……取得实效。（丁明强撰稿）"),
            Some(("……取得实效。".len(), "丁明强撰稿".to_string()))
        );
        assert_eq!(ends_with_byline("（一）总体要求"), None);
    }
}
