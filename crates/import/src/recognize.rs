//! From a read document ([`Doc`]) to an issue: the masthead (name, the line
//! above it, 第 N 期, office, date, marker), the table of contents (used to
//! find columns and titles, then dropped), columns, articles (titles, editor's
//! notes, bodies, bylines) and the footer.
//!
//! The recogniser repairs what pasting and scraping break — ASCII `, : ; ( )
//! ! ?` between Chinese characters, hard-wrapped lines and page breaks inside
//! paragraphs, odd spaces — and nothing else: words are never changed.
//! Where it guesses, it says so ([`Check`]), and the writer puts a
//! `# check: …` comment at that place.

use std::num::NonZeroU32;

use bulletin_model::issue::{
    Classification, FigureImage, IssueKind, ListItem, NestedItem, Urgency, Width,
};
use bulletin_model::text::{is_cjk_punct, is_han, is_wide};
use bulletin_model::{
    Article, Body, Bulletin, Column, Date, Footer, FooterField, Issue, IssueInfo, IssueNumber,
    KeyPath, Note, Options,
};
use toml::Spanned;

use super::doc::{Align, Cell, Doc, Image, Item, Para, Table};

/// A place where the importer guessed, by its key path in the issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub at: KeyPath,
    pub message: String,
}

/// What recognition found: the issue (with flagged placeholders where
/// something required was not found), where it guessed, and what goes
/// beside the issue file.
#[derive(Debug, Clone)]
pub struct Recognized {
    /// The issue, ready to be written.
    pub issue: Issue,
    /// The places where the importer guessed: a `# check: …` comment each.
    pub checks: Vec<Check>,
    /// The keys holding a placeholder, as nothing was found for them
    /// (`bulletin.name`, `bulletin.office`, `issue.number`, `issue.date`).
    pub placeholders: Vec<&'static str>,
    /// Lines dropped as site junk or running page numbers, for the report.
    pub dropped: Vec<String>,
    /// Repairs made (counts), for the report.
    pub repairs: Vec<String>,
    /// Images to save beside the issue: (path relative to the issue file,
    /// bytes).
    pub images: Vec<(String, Vec<u8>)>,
    /// What the reader noticed.
    pub notices: Vec<String>,
}

/// Recognition under way: the issue as found so far (a column named "" holds
/// the articles before any column marker), and what the model cannot hold
/// until the end (a number or date not found yet, dates whose year comes
/// from the context: year 0).
#[derive(Debug)]
struct Work {
    issue: Issue,
    checks: Vec<Check>,
    dropped: Vec<String>,
    repairs: Vec<String>,
    images: Vec<(String, Vec<u8>)>,
    notices: Vec<String>,
    number: Option<IssueNumber>,
    date: Option<Date>,
    print_date: Option<Date>,
    /// The date of a web page's 发布时间 line, for an issue without one.
    web_date: Option<Date>,
}

impl Work {
    fn new(notices: Vec<String>) -> Work {
        Work {
            issue: Issue {
                bulletin: Bulletin::default(),
                issue: IssueInfo {
                    number: IssueNumber::Number(1),
                    total: None,
                    date: PLACEHOLDER_DATE.to_spanned(),
                    kind: None,
                    copy: None,
                    classification: None,
                    secrecy_period: None,
                    urgency: None,
                    signers: Vec::new(),
                },
                options: Options::default(),
                columns: Vec::new(),
                articles: Vec::new(),
                footer: None,
                layout: None,
                style: toml::Table::new(),
            },
            checks: Vec::new(),
            dropped: Vec::new(),
            repairs: Vec::new(),
            images: Vec::new(),
            notices,
            number: None,
            date: None,
            print_date: None,
            web_date: None,
        }
    }
}

/// The date written when none was found (flagged).
const PLACEHOLDER_DATE: Date = Date {
    year: 2000,
    month: 1,
    day: 1,
};

/// The key path of an article while the columns are being found.
fn article_at(column: usize, index: usize) -> KeyPath {
    KeyPath::Article {
        column: Some(column),
        index,
    }
}

/// A date found in the text (year 0: not written), when it is one.
fn date_of_found(year: Option<i64>, month: u32, day: u32) -> Option<Date> {
    Some(Date {
        year: u16::try_from(year.unwrap_or(0)).ok()?,
        month: u8::try_from(month).ok()?,
        day: u8::try_from(day).ok()?,
    })
}

/// A column's name, when it has one.
fn column_name(c: &Column) -> Option<&str> {
    (!c.name.is_empty()).then_some(c.name.as_str())
}

/// Appends a paragraph to paragraphs separated by blank lines.
fn push_para(text: &mut String, para: &str) {
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(para);
}

/// A body block of paragraphs.
fn text_block(paras: &[String]) -> Spanned<BodyBlock> {
    Spanned::new(
        0..0,
        BodyBlock {
            text: Some(paras.join("\n\n")),
            ..Default::default()
        },
    )
}

/// An article's blocks while it is built (its body is kept as blocks until
/// [`finish_bodies`]).
fn blocks(a: &Article) -> &[Spanned<BodyBlock>] {
    match &a.body {
        Body::Blocks(b) => b,
        Body::Text(_) => &[],
    }
}

fn blocks_mut(a: &mut Article) -> &mut Vec<Spanned<BodyBlock>> {
    if let Body::Text(t) = &a.body {
        let b = if t.is_empty() {
            Vec::new()
        } else {
            vec![text_block(std::slice::from_ref(t))]
        };
        a.body = Body::Blocks(b);
    }
    match &mut a.body {
        Body::Blocks(b) => b,
        Body::Text(_) => unreachable!("the body was made blocks above"),
    }
}

/// The paragraphs of a text block.
fn paragraphs(b: &BodyBlock) -> impl Iterator<Item = &str> {
    b.text.as_deref().into_iter().flat_map(|t| t.split("\n\n"))
}

/// Table cells of the reader, as an issue writes them.
fn model_rows(rows: Vec<Vec<Cell>>) -> Vec<Vec<bulletin_model::issue::Cell>> {
    use bulletin_model::issue::{Cell as M, FullCell};
    rows.into_iter()
        .map(|r| {
            r.into_iter()
                .map(|c| {
                    if c.colspan > 1 || c.rowspan > 1 {
                        M::Full(FullCell {
                            text: c.text,
                            colspan: (c.colspan > 1).then_some(c.colspan),
                            rowspan: (c.rowspan > 1).then_some(c.rowspan),
                            align: None,
                        })
                    } else {
                        M::Text(c.text)
                    }
                })
                .collect()
        })
        .collect()
}

/// An issue's table cells as the reader's (to join a table continued on the
/// next page to the one before).
fn reader_rows(rows: &[Vec<bulletin_model::issue::Cell>]) -> Vec<Vec<Cell>> {
    use bulletin_model::issue::Cell as M;
    rows.iter()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    M::Full(f) => Cell {
                        text: f.text.clone(),
                        colspan: f.colspan.unwrap_or(1),
                        rowspan: f.rowspan.unwrap_or(1),
                    },
                    other => Cell {
                        text: other.text(),
                        colspan: 1,
                        rowspan: 1,
                    },
                })
                .collect()
        })
        .collect()
}

use bulletin_model::issue::BodyBlock;

// ---------------------------------------------------------------------------
// Characters

fn nchars(s: &str) -> usize {
    s.chars().count()
}

/// Letters only (Chinese characters, letters, digits): for comparing titles.
fn letters(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Without any whitespace.
fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether a paragraph ends a sentence.
fn ends_sentence(s: &str) -> bool {
    let t = s.trim_end_matches(['”', '’', '」', '』', '）', '》', ')', '"', '】']);
    matches!(
        t.chars().last(),
        Some('。' | '！' | '？' | '.' | '!' | '?' | '…')
    )
}

/// Whether a paragraph ends where a paragraph may end: a sentence, or a
/// colon or semicolon before a list.
fn ends_clause(s: &str) -> bool {
    ends_sentence(s) || matches!(s.chars().last(), Some('：' | '；' | ':' | ';'))
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

/// ASCII `, : ; ( ) ! ?` between Chinese characters (spaces skipped; the
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
        if matches!(c, ',' | ':' | ';' | '(' | ')' | '!' | '?') {
            let prev = chars[..i].iter().rev().find(|c| **c != ' ').copied();
            let next = chars[i + 1..].iter().find(|c| **c != ' ').copied();
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

fn cn_digit(c: char) -> Option<u32> {
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
fn cn_number(s: &str) -> Option<u32> {
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
fn any_number(s: &str) -> Option<u32> {
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

fn is_num_char(c: char) -> bool {
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
fn cut(s: &str, start: usize, end: usize) -> (String, String) {
    let before: String = s.chars().take(start).collect();
    let after: String = s.chars().skip(end).collect();
    (before, after)
}

// ---------------------------------------------------------------------------
// Line kinds

const BULLETIN_WORDS: [&str; 16] = [
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

fn strip_decor(s: &str) -> String {
    compact(s)
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

fn is_toc_word(k: &str) -> bool {
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

fn is_details_word(k: &str) -> bool {
    matches!(k, "本期详情" | "本期詳情")
}

/// 本期要目 / 目录 / ≡本期要目≡ (a heading of the table of contents).
pub fn toc_header(s: &str) -> bool {
    nchars(s) <= 20 && is_toc_word(&strip_decor(s))
}

/// ≡本期详情≡: the start of the articles after a table of contents.
fn details_header(s: &str) -> bool {
    nchars(s) <= 20 && is_details_word(&strip_decor(s))
}

/// An editor's note label at the start: 编者按 / 按语 (and Traditional):
/// (label, the rest after ：).
fn note_label(s: &str) -> Option<(String, String)> {
    let t = s.trim_start_matches(['【', '[', '〔', '［', '（', '(']);
    for label in ["编者按", "編者按", "按语", "按語", "编者的话", "編者的話"] {
        if let Some(rest) = t.strip_prefix(label) {
            let rest = rest.trim_start_matches(['】', ']', '〕', '］', '）', ')']);
            let rest = rest.trim_start_matches([' ', '：', ':', '　']);
            return Some((label.to_string(), rest.to_string()));
        }
    }
    None
}

/// 第 N 期 and 总第 N 期 and 增刊: (number, total, kind).
fn number_line(s: &str) -> Option<(Option<IssueNumber>, Option<u32>, Option<IssueKind>)> {
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
fn marker_line(s: &str) -> bool {
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
fn secrecy_line(s: &str) -> Option<(Classification, Option<String>)> {
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

fn urgency_line(s: &str) -> Option<Urgency> {
    match compact(s).as_str() {
        "特急" => Some(Urgency::Extra),
        "加急" => Some(Urgency::Urgent),
        _ => None,
    }
}

/// A running page number: — 3 —, -3-, 第3页, 3/11, 第 3 页 共 11 页.
fn page_number(s: &str) -> bool {
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
fn rule_line(s: &str) -> bool {
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
fn junk_line(s: &str) -> bool {
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
    nchars(&c) < 60
        && (c.starts_with("上一篇：")
            || c.starts_with("下一篇：")
            || c.starts_with("【字体")
            || c.starts_with("分享到"))
}

/// A web page's line about the article: 来源：… 发布时间：… 浏览次数：….
fn web_meta_line(s: &str) -> bool {
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
    ];
    let hits = keys.iter().filter(|k| c.contains(*k)).count();
    nchars(&c) <= 100
        && !ends_sentence(s)
        && (hits >= 2
            || (hits == 1 && keys.iter().any(|k| c.starts_with(k)) && find_date(s).is_some()))
}

/// "相关文章" / "相关阅读": a list of links follows.
fn related_header(s: &str) -> bool {
    matches!(
        strip_decor(s).as_str(),
        "相关文章" | "相关阅读" | "相关新闻" | "延伸阅读" | "相關文章" | "相關閱讀" | "相关链接"
    )
}

/// Footer labels and the field each fills.
const FOOTER_LABELS: [(&str, FooterField); 37] = [
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
fn footer_fields(s: &str) -> Vec<(FooterField, String)> {
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
fn copies_in(s: &str) -> Option<(u32, usize)> {
    let c = compact(s);
    let i = c.find("共印")?;
    let after = &c[i + "共印".len()..];
    let j = after.find('份')?;
    let n = any_number(&after[..j])?;
    Some((n, i))
}

/// A printer line: "协调小组办公室 2020年2月10日印发".
fn print_line(s: &str) -> Option<(String, Option<FoundDate>)> {
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
}

/// A table of contents' line: a title, dot leaders, a page number.
fn leader_line(s: &str) -> bool {
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
fn bullet(s: &str) -> Option<&str> {
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
fn byline_of(s: &str) -> Option<String> {
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

// ---------------------------------------------------------------------------
// Recognition

/// A node of the document after cleaning.
#[derive(Debug, Clone)]
enum Node {
    P(P),
    Table(Table),
    Image(Image),
}

#[derive(Debug, Clone)]
struct P {
    text: String,
    hints: Para,
    /// The lines of a paragraph the document broke by hand (a line break
    /// in a .docx title), each normalised.
    lines: Vec<String>,
}

impl P {
    /// The paragraph as a title's lines: its own line breaks, or the parts
    /// a PDF's text put spaces between.
    fn title_lines(&self) -> Vec<String> {
        if self.lines.len() > 1 {
            self.lines.clone()
        } else {
            split_title_spaces(&self.text)
        }
    }
}

impl P {
    fn len(&self) -> usize {
        nchars(&self.text)
    }
}

/// The article being built.
struct Builder<'a> {
    draft: &'a mut Work,
    /// Index of the column articles go to.
    column: Option<usize>,
    /// The current article is open (may take body paragraphs).
    open: bool,
    /// The current article has ended (a byline was seen).
    closed: bool,
    pending_note: Option<Note>,
    /// Paragraphs of the current text block.
    paras: Vec<(String, Para)>,
    footnotes: &'a [(String, String)],
    figure_no: usize,
    stem: String,
}

impl Builder<'_> {
    fn columns(&mut self) -> &mut Vec<Column> {
        &mut self.draft.issue.columns
    }

    fn cur(&mut self) -> Option<&mut Article> {
        let c = self.column?;
        self.columns().get_mut(c)?.articles.last_mut()
    }

    fn at(&self) -> KeyPath {
        let c = self.column.unwrap_or(0);
        let a = self
            .draft
            .issue
            .columns
            .get(c)
            .map_or(0, |col| col.articles.len().saturating_sub(1));
        article_at(c, a)
    }

    fn ensure_column(&mut self) {
        if self.column.is_none() {
            self.columns().push(Column::default());
            self.column = Some(self.columns().len() - 1);
        }
    }

    fn start_column(&mut self, name: String) {
        self.finish_article();
        self.columns().push(Column {
            name,
            articles: Vec::new(),
        });
        self.column = Some(self.columns().len() - 1);
        self.open = false;
        self.closed = false;
    }

    fn start_article(&mut self, title: String) {
        self.finish_article();
        self.ensure_column();
        let note = self.pending_note.take();
        if let Some(c) = self.column {
            self.columns()[c].articles.push(Article {
                title,
                note,
                body: Body::Blocks(Vec::new()),
                ..Default::default()
            });
        }
        self.open = true;
        self.closed = false;
    }

    /// Flushes the paragraphs gathered into a text block.
    fn flush_text(&mut self) {
        if self.paras.is_empty() {
            return;
        }
        let paras = std::mem::take(&mut self.paras);
        let joined = join_broken(paras);
        if let Some(a) = self.cur() {
            let blocks = blocks_mut(a);
            match blocks.last_mut().and_then(|b| b.get_mut().text.as_mut()) {
                Some(t) => joined.iter().for_each(|p| push_para(t, p)),
                None => blocks.push(text_block(&joined)),
            }
        }
    }

    fn body_para(&mut self, text: String, hints: Para) {
        if !self.open {
            // Text before any title: an article whose title is missing.
            let at_start = self.cur().is_none();
            self.start_article("（待补：标题）".into());
            let at = self.at();
            self.draft.checks.push(Check {
                at,
                message: if at_start {
                    "no title found before this text: write the article's title".into()
                } else {
                    "text after the end of the article before (its byline): a new article \
                     without a title? write its title, or move the text"
                        .into()
                },
            });
        }
        if self.closed {
            self.closed = false;
        }
        self.paras.push((text, hints));
    }

    fn block(&mut self, b: BodyBlock) {
        if !self.open {
            self.body_para_placeholder();
        }
        self.flush_text();
        if let Some(a) = self.cur() {
            blocks_mut(a).push(Spanned::new(0..0, b));
        }
    }

    fn body_para_placeholder(&mut self) {
        self.start_article("（待补：标题）".into());
        let at = self.at();
        self.draft.checks.push(Check {
            at,
            message: "no title found before this table or figure: write the article's title".into(),
        });
    }

    fn finish_article(&mut self) {
        self.flush_text();
        if !self.open {
            return;
        }
        let footnotes = self.footnotes;
        let Some(c) = self.column else { return };
        let Some(a) = self.draft.issue.columns[c].articles.last_mut() else {
            return;
        };
        // A byline in brackets at the end of the last paragraph.
        if a.byline.is_none() {
            let mut byline = None;
            if let Some(t) = blocks_mut(a)
                .last_mut()
                .and_then(|b| b.get_mut().text.as_mut())
            {
                let start = t.rfind("\n\n").map_or(0, |i| i + 2);
                let last = &t[start..];
                if let Some(i) = last.rfind(['（', '(']) {
                    let tail = last[i..].to_string();
                    let before = &last[..i];
                    if ends_sentence(before) {
                        if let Some(b) = byline_of(&tail) {
                            byline = Some(b);
                            t.truncate(start + i);
                        }
                    }
                }
            }
            if byline.is_some() {
                a.byline = byline;
            }
        }
        // Footnote references ([^KEY]) where the layout reads them: the
        // paragraphs of text blocks (not headings, not run-in leads), list
        // items and table cells. Each gets its note, or a placeholder note.
        if a.footnotes.is_empty() {
            let mut keys: Vec<String> = Vec::new();
            for b in blocks(a) {
                let b = b.get_ref();
                if let Some(t) = &b.text {
                    for block in bulletin_model::body::parse(t, true) {
                        if let bulletin_model::body::Block::Para { runs, .. } = block {
                            for r in runs {
                                note_refs(&r.text, &mut keys);
                            }
                        }
                    }
                }
                for item in b.items.iter().flatten() {
                    let (t, sub) = item.parts();
                    for x in std::iter::once(t).chain(sub.iter().map(String::as_str)) {
                        bulletin_model::body::runs(x.trim())
                            .iter()
                            .for_each(|r| note_refs(&r.text, &mut keys));
                    }
                }
                for c in b.header.iter().chain(b.rows.iter()).flatten().flatten() {
                    bulletin_model::body::runs(c.text().trim())
                        .iter()
                        .for_each(|r| note_refs(&r.text, &mut keys));
                }
            }
            let mut missing = Vec::new();
            for k in keys {
                let text = footnotes
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| v.clone());
                if text.is_none() {
                    missing.push(format!("[^{k}]"));
                }
                a.footnotes
                    .insert(k, text.unwrap_or_else(|| "（待补：注释）".into()));
            }
            if !missing.is_empty() {
                let at = article_at(c, self.draft.issue.columns[c].articles.len() - 1);
                self.draft.checks.push(Check {
                    at,
                    message: format!(
                        "footnote reference{} {} without a note: a placeholder note is written; \
                         write the note, or remove the reference",
                        if missing.len() == 1 { "" } else { "s" },
                        missing.join(" ")
                    ),
                });
            }
        }
        // Short lines alone in the body that read as titles: perhaps another
        // article began there (nothing marked it: no byline, no contents).
        let idx = self.draft.issue.columns[c].articles.len() - 1;
        let a = &self.draft.issue.columns[c].articles[idx];
        let suspects: Vec<String> = blocks(a)
            .iter()
            .flat_map(|b| paragraphs(b.get_ref()))
            .skip(1)
            .filter(|p| {
                is_title_like(p)
                    && !ends_sentence(p)
                    && nchars(p) >= 6
                    && nchars(p) <= 40
                    && !figure_caption(p)
                    && !table_caption(p)
            })
            .take(5)
            .map(str::to_string)
            .collect();
        if !suspects.is_empty() {
            self.draft.checks.push(Check {
                at: article_at(c, idx),
                message: format!(
                    "a line in the body reads like a title: {} — if another article starts \
                     there, split this one",
                    suspects
                        .iter()
                        .map(|s| format!("「{s}」"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            });
        }
        let Some(a) = self.draft.issue.columns[c].articles.last_mut() else {
            return;
        };
        // A title without text: the body is empty; keep the article valid.
        if blocks(a).is_empty() && a.title != "（待补：标题）" {
            blocks_mut(a).push(text_block(&["（待补：正文）".into()]));
            let at = article_at(c, self.draft.issue.columns[c].articles.len() - 1);
            self.draft.checks.push(Check {
                at,
                message: "no text found for this article: write its body, or remove it".into(),
            });
        }
        self.open = false;
    }
}

/// The extension of an image the layout can print ("png", "jpg" or "svg",
/// with its size readable, as `check` wants it).
fn image_kind(b: &[u8]) -> Option<&'static str> {
    bulletin_model::image::image_size(b)
        .ok()
        .map(|(kind, _)| kind.extension())
}

/// Rows of table cells.
type Rows = Vec<Vec<Cell>>;

/// A table made regular, as the layout wants it: spans of at least 1,
/// rowspans that end inside the table, every row filling the same columns
/// (short rows padded with empty cells), at most 50 columns and 5,000 rows,
/// and at least one row that is not a header. None when nothing is left.
fn regular_table(rows: Vec<Vec<Cell>>, header_rows: usize) -> Option<(Rows, Rows)> {
    const MAX_COLUMNS: usize = 50;
    const MAX_ROWS: usize = 5_000;
    let mut rows: Vec<Vec<Cell>> = rows.into_iter().take(MAX_ROWS).collect();
    let n = rows.len();
    // Place the cells, clamping spans.
    let mut covered: Vec<u32> = Vec::new();
    let mut filled: Vec<usize> = Vec::with_capacity(n);
    for (r, row) in rows.iter_mut().enumerate() {
        let mut col = 0usize;
        let mut kept = Vec::with_capacity(row.len());
        for mut cell in std::mem::take(row) {
            while covered.get(col).is_some_and(|&c| c > 0) {
                col += 1;
            }
            if col >= MAX_COLUMNS {
                break;
            }
            cell.colspan = cell.colspan.clamp(1, (MAX_COLUMNS - col) as u32);
            cell.rowspan = cell.rowspan.clamp(1, (n - r) as u32);
            let end = col + cell.colspan as usize;
            if covered.len() < end {
                covered.resize(end, 0);
            }
            // A span over cells covered from above: one column only.
            if covered[col..end].iter().any(|&c| c > 0) {
                cell.colspan = 1;
            }
            let end = col + cell.colspan as usize;
            for c in &mut covered[col..end] {
                *c = cell.rowspan;
            }
            col = end;
            kept.push(cell);
        }
        while covered.get(col).is_some_and(|&c| c > 0) {
            col += 1;
        }
        *row = kept;
        filled.push(col);
        for c in &mut covered {
            *c = c.saturating_sub(1);
        }
    }
    let width = filled.iter().copied().max().unwrap_or(0);
    if width == 0 {
        return None;
    }
    // Pad short rows: as many empty cells as the row has free columns left
    // (placed again, as the layout places them).
    let mut covered: Vec<u32> = vec![0; width];
    for row in rows.iter_mut() {
        let mut col = 0usize;
        for cell in row.iter() {
            while covered.get(col).is_some_and(|&c| c > 0) {
                col += 1;
            }
            let end = (col + cell.colspan as usize).min(width);
            for c in &mut covered[col.min(width)..end] {
                *c = cell.rowspan;
            }
            col = end;
        }
        let free = (col.min(width)..width).filter(|&c| covered[c] == 0).count();
        for _ in 0..free {
            row.push(Cell {
                text: String::new(),
                colspan: 1,
                rowspan: 1,
            });
        }
        for c in &mut covered {
            *c = c.saturating_sub(1);
        }
    }
    let hr = if header_rows >= rows.len() {
        0
    } else {
        header_rows
    };
    let body = rows.split_off(hr);
    Some((rows, body))
}

/// A markdown footnote's definition, `[^KEY]: text`: (key, text).
fn footnote_definition(s: &str) -> Option<(String, String)> {
    let rest = s.strip_prefix("[^")?;
    let end = rest.find(']')?;
    let key = &rest[..end];
    let text = rest[end + 1..].strip_prefix([':', '：'])?.trim();
    if key.is_empty()
        || key.chars().count() > 20
        || key.contains(char::is_whitespace)
        || text.is_empty()
    {
        return None;
    }
    Some((key.to_string(), text.to_string()))
}

/// The footnote keys a run of text refers to, as the layout reads them:
/// `[^KEY]`, KEY 1 to 20 characters without spaces; reading stops at the
/// first `[^` that is no reference. New keys are added in order.
fn note_refs(text: &str, keys: &mut Vec<String>) {
    let mut rest = text;
    while let Some(at) = rest.find("[^") {
        let Some((key, tail)) = bulletin_model::body::note_ref(&rest[at + 2..]) else {
            break;
        };
        if !keys.iter().any(|k| k == key) {
            keys.push(key.to_string());
        }
        rest = tail;
    }
}

/// Joins paragraphs that a page break (or a hard wrap) cut: a paragraph
/// that ends in the middle of a sentence continues in the next one.
fn join_broken(paras: Vec<(String, Para)>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev_joinable = false;
    for (text, hints) in paras {
        let heading = bulletin_model::body::heading_level(&text).is_some()
            && nchars(&text) <= 60
            && !text.contains('。')
            || figure_caption(&text)
            || table_caption(&text);
        if prev_joinable && !heading && hints.list.is_none() {
            if let Some(last) = out.last_mut() {
                let (a, b) = (last.chars().last(), text.chars().next());
                if let (Some(a), Some(b)) = (a, b) {
                    if !is_wide(a) && !is_wide(b) {
                        last.push(' ');
                    }
                }
                last.push_str(&text);
                prev_joinable = !ends_clause(last);
                continue;
            }
        }
        prev_joinable = !heading && !ends_clause(&text) && nchars(&text) >= 15;
        out.push(text);
    }
    out
}

/// The TOC: groups (column names, or None) with their titles.
#[derive(Debug, Default)]
struct Toc {
    groups: Vec<(Option<String>, Vec<String>)>,
}

impl Toc {
    fn titles(&self) -> Vec<(usize, String)> {
        self.groups
            .iter()
            .enumerate()
            .flat_map(|(g, (_, ts))| ts.iter().map(move |t| (g, t.clone())))
            .collect()
    }
    fn group_named(&self, name: &str) -> Option<usize> {
        let k = letters(name);
        self.groups
            .iter()
            .position(|(n, _)| n.as_deref().is_some_and(|n| letters(n) == k))
    }
}

/// The length of the longest common subsequence of two strings' letters.
fn lcs(a: &str, b: &str) -> usize {
    let a: Vec<char> = letters(a).chars().collect();
    let b: Vec<char> = letters(b).chars().collect();
    if a.is_empty() || b.is_empty() || a.len() > 300 || b.len() > 300 {
        return 0;
    }
    let mut row = vec![0usize; b.len() + 1];
    for ca in &a {
        let mut prev = 0;
        for j in 0..b.len() {
            let cur = row[j + 1];
            row[j + 1] = if *ca == b[j] {
                prev + 1
            } else {
                row[j + 1].max(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// How alike two titles are, 0 to 1: their common letters (in order) over
/// the longer one's.
fn likeness(a: &str, b: &str) -> f32 {
    let (la, lb) = (letters(a).chars().count(), letters(b).chars().count());
    if la == 0 || lb == 0 {
        return 0.0;
    }
    lcs(a, b) as f32 / la.max(lb) as f32
}

/// How much of `part` is found, in order, in `whole`, 0 to 1.
fn coverage(part: &str, whole: &str) -> f32 {
    let lp = letters(part).chars().count();
    if lp == 0 {
        return 0.0;
    }
    lcs(part, whole) as f32 / lp as f32
}

/// A TOC line's title: bullets, numbering, dot leaders and page numbers
/// removed.
fn toc_entry(s: &str) -> String {
    let mut t = bullet(s).unwrap_or(s).trim().to_string();
    // "1. 标题" / "1、标题": the entry's number.
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    if (1..=2).contains(&digits) {
        let rest: String = t.chars().skip(digits).collect();
        if let Some(r) = rest.strip_prefix(['.', '、', '．']) {
            if !r.starts_with(|c: char| c.is_ascii_digit()) {
                t = r.trim().to_string();
            }
        }
    }
    // Dot leaders and a page number at the end.
    let trimmed = t.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
    let leaders = trimmed.trim_end_matches(['.', '…', '·', '．', '-', '—', ' ', '　']);
    if leaders.len() < trimmed.len()
        || (trimmed.len() < t.len()
            && t.ends_with(|c: char| c.is_ascii_digit())
            && trimmed.ends_with(' '))
    {
        t = leaders.trim_end().to_string();
    }
    t
}

/// Whether a paragraph has the hints of a title: large or a title style,
/// centred.
fn title_hint(p: &Para, body_size: Option<f32>) -> bool {
    let style = p.style.as_deref().unwrap_or("").to_lowercase();
    let styled = style == "title"
        || style.contains("标题")
        || style.starts_with("heading 1")
        || p.outline_level == Some(0);
    let large = matches!((p.size, body_size), (Some(s), Some(b)) if s >= b + 3.0);
    (large || styled) && matches!(p.align, Align::Center)
}

/// Recognises an issue in a document. `stem` names the folder of extracted
/// images (`<stem>-files/`).
pub fn recognize(doc: Doc, stem: &str) -> Recognized {
    let mut draft = Work::new(doc.notices.clone());
    let mut footnotes: Vec<(String, String)> = doc
        .footnotes
        .iter()
        .map(|(k, v)| (k.clone(), normalize(v)))
        .collect();
    // 1. Clean: normalise, repair punctuation, drop page numbers and junk.
    let mut nodes: Vec<Node> = Vec::new();
    let mut fixed = 0;
    let mut related = false;
    let mut web_date: Option<Date> = None;
    for item in doc.items {
        match item {
            Item::Para(p) => {
                let text = normalize(&p.text);
                if text.is_empty() {
                    related = false;
                    continue;
                }
                let (text, n) = fix_punctuation(&text);
                fixed += n;
                let bottom =
                    matches!((p.y, p.page_height), (Some(y), Some(h)) if h > 0.0 && y > 0.85 * h);
                let lone_number =
                    bottom && text.len() <= 3 && text.chars().all(|c| c.is_ascii_digit());
                // A markdown footnote: [^1]: text.
                if let Some(def) = footnote_definition(&text) {
                    footnotes.push(def);
                    continue;
                }
                if rule_line(&text) {
                    continue;
                }
                if page_number(&text) || lone_number {
                    draft.dropped.push(format!("page number: {text}"));
                    continue;
                }
                if web_meta_line(&text) {
                    if let Some(d) = find_date(&text).filter(|d| d.year.is_some()) {
                        if let Some(d) = date_of_found(d.year, d.month, d.day) {
                            web_date.get_or_insert(d);
                        }
                    }
                    draft.dropped.push(format!("web page line: {text}"));
                    continue;
                }
                if junk_line(&text) {
                    draft.dropped.push(format!("site junk: {text}"));
                    continue;
                }
                if related_header(&text) {
                    related = true;
                    draft.dropped.push(format!("related-articles list: {text}"));
                    continue;
                }
                if related {
                    if nchars(&text) <= 60
                        && !ends_sentence(&text)
                        && footer_fields(&text).is_empty()
                        && !junk_line(&text)
                    {
                        draft.dropped.push(format!("related-articles list: {text}"));
                        continue;
                    }
                    related = false;
                }
                let lines: Vec<String> = if p.text.trim().contains('\n') {
                    p.text
                        .split('\n')
                        .map(|l| fix_punctuation(&normalize(l)).0)
                        .filter(|l| !l.is_empty())
                        .collect()
                } else {
                    Vec::new()
                };
                nodes.push(Node::P(P {
                    text,
                    hints: p,
                    lines,
                }));
            }
            Item::Table(t) => {
                related = false;
                nodes.push(Node::Table(t));
            }
            Item::Image(i) => nodes.push(Node::Image(i)),
            Item::PageBreak => {}
        }
    }
    if fixed > 0 {
        draft.repairs.push(format!(
            "{fixed} ASCII punctuation mark{} between Chinese characters made full-width",
            if fixed == 1 { "" } else { "s" }
        ));
    }
    let text_of = |n: &Node| match n {
        Node::P(p) => Some(p.text.clone()),
        _ => None,
    };
    let sizes: Vec<f32> = nodes
        .iter()
        .filter_map(|n| match n {
            Node::P(p) if p.len() > 40 => p.hints.size,
            _ => None,
        })
        .collect();
    let body_size = if sizes.is_empty() {
        None
    } else {
        let mut s = sizes.clone();
        s.sort_by(|a, b| a.total_cmp(b));
        Some(s[s.len() / 2])
    };

    // Running heads: a short line that comes back on three pages or more
    // (工作简报 第363期 at the top of every page). The first, in the
    // masthead, stays.
    {
        let mut counts: std::collections::HashMap<String, usize> = Default::default();
        for n in &nodes {
            if let Node::P(p) = n {
                if p.len() <= 40 {
                    *counts.entry(compact(&p.text)).or_default() += 1;
                }
            }
        }
        let mut seen: std::collections::HashSet<String> = Default::default();
        let mut kept = Vec::with_capacity(nodes.len());
        for (i, n) in nodes.into_iter().enumerate() {
            if let Node::P(p) = &n {
                let key = compact(&p.text);
                let repeated = counts.get(&key).is_some_and(|c| *c >= 3)
                    && column_marker(&p.text).is_none()
                    && bulletin_model::body::heading_level(&p.text).is_none()
                    && byline_of(&p.text).is_none()
                    && footer_fields(&p.text).is_empty()
                    && !matches!(p.text.chars().last(), Some('：' | '。' | ':'))
                    && !toc_header(&p.text)
                    && !details_header(&p.text);
                let first = seen.insert(key);
                if repeated && !(first && i < 12) {
                    draft.dropped.push(format!("running head: {}", p.text));
                    continue;
                }
            }
            kept.push(n);
        }
        nodes = kept;
    }

    // 2. The footer, from the end. 责任编辑：… lines at the end of a text
    // with no footer are a web page's.
    let footer_start = find_footer(&nodes);
    if footer_start == nodes.len() {
        while let Some(Node::P(p)) = nodes.last() {
            let fields = footer_fields(&p.text);
            if fields.is_empty() || nchars(&p.text) > 60 {
                break;
            }
            draft.dropped.push(format!("web page line: {}", p.text));
            nodes.pop();
        }
    }
    let footer_start = footer_start.min(nodes.len());
    if !draft.dropped.is_empty() {
        let junk: Vec<&String> = draft
            .dropped
            .iter()
            .filter(|d| !d.starts_with("page number"))
            .collect();
        if !junk.is_empty() {
            draft.checks.push(Check {
                at: KeyPath::File,
                message: format!(
                    "dropped as junk (put back what was text):\n{}",
                    junk.iter()
                        .map(|s| format!("- {s}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
            });
        }
    }
    let footer_nodes: Vec<String> = nodes[footer_start..].iter().filter_map(text_of).collect();
    parse_footer(&footer_nodes, &mut draft);
    nodes.truncate(footer_start);

    // 3. The masthead.
    let head_end = parse_head(&nodes, &mut draft, body_size);

    // 4. The table of contents.
    let (toc, body_start) = find_toc(&nodes, head_end);

    // 5. Columns and articles.
    let mut b = Builder {
        draft: &mut draft,
        column: None,
        open: false,
        closed: false,
        pending_note: None,
        paras: Vec::new(),
        footnotes: &footnotes,
        figure_no: 0,
        stem: stem.to_string(),
    };
    let titles = toc.titles();
    let mut next_title = 0usize;
    let mut matched = vec![false; titles.len()];
    let mut i = body_start;
    while i < nodes.len() {
        match &nodes[i] {
            Node::Table(t) => {
                let caption = take_caption(&mut b);
                let hr = t.header_rows.min(t.rows.len());
                let rows: Vec<Vec<Cell>> = t
                    .rows
                    .iter()
                    .map(|r| {
                        r.iter()
                            .map(|c| Cell {
                                text: fix_punctuation(&normalize(&c.text)).0,
                                colspan: c.colspan,
                                rowspan: c.rowspan,
                            })
                            .collect()
                    })
                    .collect();
                let Some((header, rows)) = regular_table(rows, hr) else {
                    i += 1;
                    continue;
                };
                // A note right under it.
                let note = match nodes.get(i + 1) {
                    Some(Node::P(q)) if table_note(&q.text) => {
                        i += 1;
                        Some(q.text.clone())
                    }
                    _ => None,
                };
                // A table continued from the page before (续表N, or nothing
                // between it and the table before, with the same header):
                // joined to it, its repeated header dropped.
                let cont = caption
                    .as_deref()
                    .is_some_and(|c| compact(c).starts_with("续表"));
                let text_between = !b.paras.is_empty();
                let mut joined = false;
                let mut check = None;
                if !text_between {
                    if let Some(BodyBlock {
                        header: ph,
                        rows: Some(pr),
                        note: pn,
                        ..
                    }) = b
                        .cur()
                        .and_then(|a| blocks_mut(a).last_mut())
                        .map(|b| b.get_mut())
                    {
                        let ph_cells = reader_rows(ph.as_deref().unwrap_or_default());
                        let pr_cells = reader_rows(pr);
                        let width = |r: &[Vec<Cell>]| -> u32 {
                            r.first().map_or(0, |r| r.iter().map(|c| c.colspan).sum())
                        };
                        let all: Vec<Vec<Cell>> =
                            header.iter().chain(rows.iter()).cloned().collect();
                        let texts = |r: &[Vec<Cell>]| -> Vec<Vec<String>> {
                            r.iter()
                                .map(|r| r.iter().map(|c| compact(&c.text)).collect())
                                .collect()
                        };
                        // The rows the continuation repeats from the top of
                        // the table before: its header (however deep the
                        // reader guessed it).
                        let before: Vec<Vec<Cell>> =
                            ph_cells.iter().chain(pr_cells.iter()).cloned().collect();
                        let same_width = width(&before) == width(&all);
                        let (tb, ta) = (texts(&before), texts(&all));
                        let k = tb
                            .iter()
                            .zip(&ta)
                            .take(5)
                            .take_while(|(a, b)| a == b && !a.iter().all(|c| c.is_empty()))
                            .count();
                        let repeats = k >= 1 && k < before.len() && k < all.len();
                        let merged = (same_width && (repeats || cont) && pn.is_none())
                            .then(|| {
                                let (hl, skip) = if repeats { (k, k) } else { (ph_cells.len(), 0) };
                                let mut rows = before.clone();
                                rows.extend(all.iter().skip(skip).cloned());
                                regular_table(rows, hl)
                            })
                            .flatten()
                            .filter(|(h, r)| {
                                h.first()
                                    .or(r.first())
                                    .map(|r| width(std::slice::from_ref(r)))
                                    == Some(width(&before))
                            });
                        if let Some((h, r)) = merged {
                            if !repeats {
                                check = Some(
                                    "a table continued on the next page (续表) was joined to \
                                     this one, but its header differs: check the rows where \
                                     the pages meet"
                                        .to_string(),
                                );
                            }
                            *ph = (!h.is_empty()).then(|| model_rows(h));
                            *pr = model_rows(r);
                            *pn = note.clone();
                            joined = true;
                        }
                    }
                }
                if joined {
                    if let Some(m) = check {
                        let at = b.at();
                        b.draft.checks.push(Check { at, message: m });
                    }
                    i += 1;
                    continue;
                }
                if cont {
                    let at = b.at();
                    b.draft.checks.push(Check {
                        at,
                        message: "a table captioned 续表 (continued) with no table before it to \
                                  join: check its caption and rows"
                            .into(),
                    });
                }
                b.block(BodyBlock {
                    caption,
                    header: (!header.is_empty()).then(|| model_rows(header)),
                    rows: Some(model_rows(rows)),
                    note,
                    ..Default::default()
                });
                i += 1;
                continue;
            }
            Node::Image(_) => {
                // A run of images (two side by side come one after the
                // other), then their captions (图1 …).
                let mut run: Vec<(String, Option<f32>)> = Vec::new();
                while let Some(Node::Image(img)) = nodes.get(i) {
                    b.figure_no += 1;
                    let usable = image_kind(&img.data);
                    let ext = match usable {
                        Some(e) => e.to_string(),
                        None if img.ext.is_empty() => "bin".to_string(),
                        None => img
                            .ext
                            .chars()
                            .filter(|c| c.is_ascii_alphanumeric())
                            .take(8)
                            .collect::<String>()
                            .to_ascii_lowercase(),
                    };
                    let rel = format!("{}-files/img-{}.{ext}", b.stem, b.figure_no);
                    b.draft.images.push((rel.clone(), img.data.clone()));
                    i += 1;
                    if usable.is_none() {
                        // Kept beside the issue, but no figure: the layout
                        // can print only PNG, JPEG and SVG.
                        if !b.open {
                            b.body_para_placeholder();
                        }
                        let at = b.at();
                        b.draft.checks.push(Check {
                            at,
                            message: format!(
                                "an image that is not PNG, JPEG or SVG (or is damaged) was left \
                                 out of the text; it is saved as {rel}: convert it to PNG and \
                                 add a figure block (image = \"…png\") where it belongs"
                            ),
                        });
                        continue;
                    }
                    run.push((rel, img.width_mm));
                }
                let mut captions: Vec<String> = Vec::new();
                while let Some(Node::P(p)) = nodes.get(i) {
                    if captions.len() >= run.len().max(1) || !figure_caption(&p.text) {
                        break;
                    }
                    captions.push(p.text.clone());
                    i += 1;
                }
                let mut captions = captions.into_iter();
                let mut k = 0;
                while k < run.len() {
                    if k + 1 < run.len() {
                        let pair: Vec<FigureImage> = run[k..k + 2]
                            .iter()
                            .map(|(rel, _)| FigureImage {
                                image: Spanned::new(0..0, rel.clone()),
                                caption: captions.next(),
                                width: None,
                            })
                            .collect();
                        b.block(BodyBlock {
                            images: Some(pair),
                            ..Default::default()
                        });
                        k += 2;
                    } else {
                        let (rel, width_mm) = run[k].clone();
                        // In whole millimetres, at most the type block's 156.
                        let width = width_mm
                            .filter(|w| w.is_finite() && *w > 1.0)
                            .and_then(|w| format!("{:.0}", w.min(156.0)).parse::<f64>().ok())
                            .map(Width::mm);
                        b.block(BodyBlock {
                            image: Some(Spanned::new(0..0, rel)),
                            caption: captions.next(),
                            width,
                            ..Default::default()
                        });
                        k += 1;
                    }
                }
                continue;
            }
            Node::P(_) => {}
        }
        let Node::P(p) = &nodes[i] else {
            i += 1;
            continue;
        };
        let text = p.text.clone();
        // Column markers.
        if let Some(name) = column_marker(&text) {
            b.start_column(name);
            i += 1;
            continue;
        }
        if toc_header(&text) || details_header(&text) {
            i += 1;
            continue;
        }
        // 一、栏目名 or a bare name that is a TOC group.
        if let Some(g) = toc_group_line(&text, &toc) {
            if let Some(name) = toc.groups[g].0.clone() {
                let here = b
                    .column
                    .and_then(|c| column_name(&b.draft.issue.columns[c]))
                    .is_some_and(|n| letters(n) == letters(&name));
                if !here {
                    b.start_column(text_without_number(&text));
                    i += 1;
                    continue;
                }
            }
        }
        // Editor's notes.
        if let Some((label, rest)) = note_label(&text) {
            b.flush_text();
            let mut note = Note {
                label: (label != "编者按").then_some(label),
                ..Default::default()
            };
            if !rest.is_empty() {
                push_para(&mut note.text, &rest);
            }
            i += 1;
            // More paragraphs of the note: while they are not a title, the
            // signer or the date.
            while let Some(Node::P(q)) = nodes.get(i) {
                let t = &q.text;
                if note.text.is_empty() {
                    push_para(&mut note.text, t);
                    i += 1;
                    continue;
                }
                if let Some(d) = find_date(t) {
                    if let Some(d) = date_of_found(d.year, d.month, d.day)
                        .filter(|_| nchars(t) <= 16 && d.year.is_some())
                    {
                        note.date = Some(d.to_spanned());
                        i += 1;
                        continue;
                    }
                }
                let signer = t.trim_start_matches(['—', '－', '-', ' ']);
                if signer.len() < t.len() && nchars(signer) <= 20 && !signer.is_empty() {
                    note.signer = Some(signer.to_string());
                    i += 1;
                    continue;
                }
                if matches!(q.hints.align, Align::Right) && nchars(t) <= 20 && !ends_sentence(t) {
                    note.signer = Some(t.clone());
                    i += 1;
                    continue;
                }
                break;
            }
            if b.open
                && b.paras.is_empty()
                && b.cur()
                    .is_some_and(|a| blocks(a).is_empty() && a.note.is_none())
            {
                if let Some(a) = b.cur() {
                    a.note = Some(note);
                }
            } else {
                b.finish_article();
                b.pending_note = Some(note);
            }
            continue;
        }
        // Bylines.
        let has_body = !b.paras.is_empty() || b.cur().is_some_and(|a| !blocks(a).is_empty());
        if b.open && has_body && !table_caption(&text) && !figure_caption(&text) {
            let right = matches!(p.hints.align, Align::Right)
                && p.len() <= 40
                && !ends_sentence(&text)
                && bulletin_model::body::heading_level(&text).is_none();
            let by = byline_of(&text).or_else(|| right.then(|| unbracket(&text)));
            if let Some(by) = by {
                b.flush_text();
                if let Some(a) = b.cur() {
                    a.byline = Some(by);
                }
                b.finish_article();
                b.closed = true;
                i += 1;
                continue;
            }
        }
        // Titles from the TOC.
        if !titles.is_empty() {
            if let Some((k, used, lines)) = match_title(&nodes, i, &titles, next_title) {
                let (group, toc_title) = titles[k].clone();
                next_title = k + 1;
                matched[k] = true;
                let want = toc.groups[group].0.clone();
                let here = b
                    .column
                    .and_then(|c| column_name(&b.draft.issue.columns[c]))
                    .map(letters);
                if let Some(want) = want {
                    if here != Some(letters(&want)) {
                        b.start_column(want.clone());
                        let at = KeyPath::Column(b.draft.issue.columns.len() - 1);
                        b.draft.checks.push(Check {
                            at,
                            message: format!(
                                "column 【{want}】 inferred from the table of contents (no \
                                 column marker before this article)"
                            ),
                        });
                    }
                }
                let title = lines.join("\n");
                b.start_article(title.clone());
                // Lines joined into a title the TOC confirms: no guess.
                if letters(&title) != letters(&toc_title) {
                    if let Some(a) = b.cur() {
                        a.toc_title = Some(toc_title);
                    }
                }
                i += used;
                continue;
            }
        }
        // Titles by their hints (a .docx style, a large centred line).
        if title_hint(&p.hints, body_size) && p.len() <= 80 {
            let mut lines = p.title_lines();
            let mut j = i + 1;
            while let Some(Node::P(q)) = nodes.get(j) {
                if title_hint(&q.hints, body_size) && q.hints.size == p.hints.size && q.len() <= 80
                {
                    lines.extend(q.title_lines());
                    j += 1;
                } else {
                    break;
                }
            }
            b.start_article(lines.join("\n"));
            i = j;
            continue;
        }
        // Titles by position: the first short line of a column, or after a
        // byline, or at the start.
        let fresh = !b.open || b.closed;
        if fresh && is_title_like(&text) {
            let mut lines = p.title_lines();
            let mut used = 1;
            // A title over two lines: a second short line, then the text.
            if let (Some(Node::P(q)), Some(Node::P(r))) = (nodes.get(i + 1), nodes.get(i + 2)) {
                let two = is_title_like(&q.text)
                    && note_label(&q.text).is_none()
                    && byline_of(&q.text).is_none()
                    && (r.len() > q.len()
                        || ends_sentence(&r.text)
                        || note_label(&r.text).is_some())
                    && p.len() + q.len() <= 70
                    && !matches!(q.text.chars().last(), Some('：' | ':'))
                    && find_date(&q.text).is_none();
                let sub = q.text.starts_with("——") || q.text.starts_with("—");
                if two || (sub && q.len() <= 40) {
                    lines.extend(q.title_lines());
                    used = 2;
                }
            }
            b.start_article(lines.join("\n"));
            if used == 2 {
                let at = b.at();
                b.draft.checks.push(Check {
                    at,
                    message: "title joined from two lines: if the second line is the start of \
                              the text, move it into the body"
                        .into(),
                });
            }
            i += used;
            continue;
        }
        // A title by indentation: the body's paragraphs are indented, and a
        // short line that is not comes after a finished sentence, before an
        // indented paragraph.
        if b.open && !b.closed && is_title_like(&text) && !ends_sentence(&text) {
            let unindented = p.hints.indent.is_none_or(|x| x < 8.0);
            let prev_indented = b
                .paras
                .last()
                .is_some_and(|(t, h)| h.indent.is_some_and(|x| x >= 16.0) && ends_sentence(t));
            let next_indented = matches!(nodes.get(i + 1), Some(Node::P(q))
                if q.hints.indent.is_some_and(|x| x >= 16.0) && q.len() > p.len());
            if unindented && prev_indented && next_indented {
                b.start_article(text.clone());
                let at = b.at();
                b.draft.checks.push(Check {
                    at,
                    message: "a new article is assumed here: a short line that is not indented \
                              among indented paragraphs (no byline or contents marked it)"
                        .into(),
                });
                i += 1;
                continue;
            }
        }
        // Lists.
        if bullet(&text).is_some()
            && p.hints.list.is_none()
            && matches!(nodes.get(i + 1), Some(Node::P(q)) if bullet(&q.text).is_some())
        {
            let mut items = Vec::new();
            while let Some(Node::P(q)) = nodes.get(i) {
                match bullet(&q.text) {
                    Some(t) => items.push(ListItem::Text(t.to_string())),
                    None => break,
                }
                i += 1;
            }
            b.block(BodyBlock {
                items: Some(items),
                ..Default::default()
            });
            continue;
        }
        // A PDF's list (markers with hanging indents): only under a
        // paragraph that announces it (ending with "："), markers stripped.
        let pdf_list = p.hints.page.is_some()
            && p.hints.list.is_some_and(|(level, _)| level == 0)
            && strip_list_marker(&text).is_some()
            && matches!(nodes.get(i + 1), Some(Node::P(q))
                if q.hints.list.is_some() && strip_list_marker(&q.text).is_some())
            && b.paras
                .last()
                .is_some_and(|(t, _)| t.trim_end().ends_with(['：', ':']));
        if p.hints.list.is_some() && p.hints.page.is_some() && !pdf_list {
            // Not announced: the lines stay text.
        } else if let Some((_, numbered)) = p.hints.list {
            let mut items: Vec<(String, Vec<String>)> = Vec::new();
            let first = i;
            while let Some(Node::P(q)) = nodes.get(i) {
                let Some((level, _)) = q.hints.list else {
                    break;
                };
                let t = if pdf_list {
                    match strip_list_marker(&with_bold(q)) {
                        Some((t, _)) => t,
                        None => break,
                    }
                } else if numbered {
                    // Word's label (1. （1）) is in the text as Word draws
                    // it; the layout numbers the items itself.
                    let t = with_bold(q);
                    strip_list_marker(&t).map_or(t, |(rest, _)| rest)
                } else {
                    with_bold(q)
                };
                match (level, items.last_mut()) {
                    (l, Some(last)) if l > 0 => last.1.push(t),
                    _ => items.push((t, Vec::new())),
                }
                i += 1;
            }
            let items = items
                .into_iter()
                .map(|(text, items)| {
                    if items.is_empty() {
                        ListItem::Text(text)
                    } else {
                        ListItem::Nested(NestedItem { text, items })
                    }
                })
                .collect();
            b.block(BodyBlock {
                items: Some(items),
                numbered: numbered.then_some(true),
                ..Default::default()
            });
            if pdf_list {
                let at = b.at();
                b.draft.checks.push(Check {
                    at,
                    message: format!(
                        "a numbered list was read from the PDF's hanging indents ({} items from \
                         「{}」): check that these are list items, not headings or paragraphs",
                        i - first,
                        nodes
                            .get(first)
                            .and_then(text_of)
                            .map(|t| t.chars().take(12).collect::<String>())
                            .unwrap_or_default()
                    ),
                });
            }
            continue;
        }
        // A figure caption with no image before it: the figure could not be
        // imported (a vector drawing in a PDF, an image left out).
        if figure_caption(&text) {
            let t = with_bold(p);
            b.body_para(t, p.hints.clone());
            let at = b.at();
            b.draft.checks.push(Check {
                at,
                message: format!(
                    "a figure caption without its image: 「{text}」 — the figure (a vector \
                     drawing in a PDF, or an image that could not be read) was not imported; \
                     save it as an image file and replace this line with a figure block \
                     (image = \"…\", caption = \"…\")"
                ),
            });
            i += 1;
            continue;
        }
        // Body text.
        let t = with_bold(p);
        b.body_para(t, p.hints.clone());
        i += 1;
    }
    b.finish_article();
    // TOC titles with no article: the contents were read wrongly, or an
    // article was missed.
    let lost: Vec<String> = titles
        .iter()
        .zip(&matched)
        .filter(|(_, m)| !**m)
        .map(|((_, t), _)| t.clone())
        .collect();
    let found_titles: Vec<String> = b
        .draft
        .issue
        .columns
        .iter()
        .flat_map(|c| &c.articles)
        .map(|a| letters(&a.title))
        .collect();
    let lost: Vec<String> = lost
        .into_iter()
        .filter(|t| !found_titles.iter().any(|f| likeness(f, t) >= 0.8))
        .collect();
    if !lost.is_empty() {
        b.draft.checks.push(Check {
            at: KeyPath::File,
            message: format!(
                "the table of contents was used and dropped, but no article was found for \
                 these of its titles: {} — check that nothing was lost",
                lost.iter()
                    .map(|t| format!("「{t}」"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        });
    }
    if let Some(note) = b.pending_note.take() {
        // A note at the very end with no article after it.
        b.ensure_column();
        b.start_article("（待补：标题）".into());
        if let Some(a) = b.cur() {
            let paras: Vec<String> = note.text.split("\n\n").map(str::to_string).collect();
            blocks_mut(a).push(text_block(&paras));
        }
        let at = b.at();
        b.draft.checks.push(Check {
            at,
            message: "an editor's note with no article after it: kept as an article".into(),
        });
        b.finish_article();
    }
    drop(b);
    draft.web_date = web_date;
    tidy(&mut draft);
    finish(draft)
}

/// A paragraph's text with its bold runs marked `**…**` (not when the whole
/// paragraph is bold: that is a heading's or lead's typeface).
fn with_bold(p: &P) -> String {
    let raw = &p.hints.text;
    if p.hints.bold.is_empty() || normalize(raw) != p.text.trim() {
        return p.text.clone();
    }
    let whole = p.hints.bold.iter().map(|r| r.len()).sum::<usize>() >= raw.trim().len();
    if whole || raw.contains("**") {
        return p.text.clone();
    }
    let mut out = String::new();
    let mut pos = 0;
    let mut ranges = p.hints.bold.clone();
    ranges.sort_by_key(|r| r.start);
    for r in ranges {
        if r.start < pos
            || r.start >= r.end
            || r.end > raw.len()
            || !raw.is_char_boundary(r.start)
            || !raw.is_char_boundary(r.end)
        {
            continue;
        }
        let inner = raw[r.clone()].trim();
        out.push_str(&raw[pos..r.start]);
        if inner.is_empty() {
            out.push_str(&raw[r.clone()]);
        } else {
            out.push_str("**");
            out.push_str(&raw[r.clone()]);
            out.push_str("**");
        }
        pos = r.end;
    }
    out.push_str(&raw[pos..]);
    let (fixed, _) = fix_punctuation(&normalize(&out));
    fixed
}

fn figure_caption(s: &str) -> bool {
    let c = compact(s);
    nchars(&c) <= 60
        && c.starts_with('图')
        && c.chars()
            .nth(1)
            .is_some_and(|c| c.is_ascii_digit() || cn_digit(c).is_some())
}

/// A table's caption: 表1 …, 续表1 ….
fn table_caption(s: &str) -> bool {
    let c = compact(s);
    let c = c.strip_prefix('续').unwrap_or(&c);
    nchars(c) <= 60
        && c.starts_with('表')
        && c.chars()
            .nth(1)
            .is_some_and(|c| c.is_ascii_digit() || cn_digit(c).is_some())
}

/// A caption just before a table (表1 …, 续表1 …): taken out of the text
/// gathered.
fn take_caption(b: &mut Builder<'_>) -> Option<String> {
    let last = b.paras.last()?;
    if table_caption(&last.0) {
        return b.paras.pop().map(|p| p.0);
    }
    None
}

/// A note under a table: 注：…, 注1：…, 说明：….
fn table_note(s: &str) -> bool {
    let t = s.trim_start();
    let rest = t
        .strip_prefix('注')
        .map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit() || cn_digit(c).is_some()))
        .or_else(|| t.strip_prefix("说明"))
        .or_else(|| t.strip_prefix("资料来源"))
        .or_else(|| t.strip_prefix("数据来源"));
    rest.is_some_and(|r| r.starts_with(['：', ':'])) && nchars(s) <= 300
}

/// A list item's marker as a PDF shows it (1. 1、 (1) （1） • ●): the text
/// without it, and whether it is numbered.
fn strip_list_marker(s: &str) -> Option<(String, bool)> {
    let t = s.trim_start();
    let mut chars = t.char_indices();
    let (_, c) = chars.next()?;
    let (len, numbered) = if "•●▪◆■·".contains(c) {
        (c.len_utf8(), false)
    } else if c == '(' || c == '（' {
        let rest = &t[c.len_utf8()..];
        let d: usize = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        let close = rest[d..].chars().next()?;
        if d == 0 || d > 2 || !(close == ')' || close == '）') {
            return None;
        }
        (c.len_utf8() + d + close.len_utf8(), true)
    } else {
        let d: usize = t.chars().take_while(|c| c.is_ascii_digit()).count();
        let dot = t[d..].chars().next()?;
        if d == 0 || d > 2 || !matches!(dot, '.' | '．' | '、') {
            return None;
        }
        (d + dot.len_utf8(), true)
    };
    let rest = t[len..].trim_start();
    (!rest.is_empty()).then(|| (rest.to_string(), numbered))
}

fn unbracket(s: &str) -> String {
    byline_of(s).unwrap_or_else(|| s.trim().to_string())
}

/// A line that may be a title: short, not a sentence, not numbered as a
/// heading, not a byline or a date.
fn is_title_like(s: &str) -> bool {
    let n = nchars(s);
    let t = s.trim_end_matches(['”', '’', '」', '』', '）', '》', ')', '"']);
    (2..=60).contains(&n)
        && !matches!(t.chars().last(), Some('。' | '.' | '…'))
        && (!ends_sentence(s) || n <= 30)
        && !matches!(
            s.chars().last(),
            Some('，' | '、' | '；' | '：' | ',' | ';' | ':')
        )
        && bulletin_model::body::heading_level(s).is_none()
        && byline_of(s).is_none()
        && note_label(s).is_none()
        && bullet(s).is_none()
        && s.chars().any(is_han)
}

/// A title line with spaces between its parts (a title set on several lines,
/// as a PDF's text comes out): the parts become the title's lines.
fn split_title_spaces(s: &str) -> Vec<String> {
    let parts: Vec<&str> = s.split(' ').filter(|p| !p.is_empty()).collect();
    let wide_edges = s.char_indices().filter(|(_, c)| *c == ' ').all(|(i, c)| {
        let before = s[..i].chars().last();
        let after = s[i + c.len_utf8()..].chars().next();
        before.is_some_and(|c| is_wide(c) || c == ' ' || c == '　')
            && after.is_some_and(|c| is_wide(c) || c == ' ' || c == '　')
    });
    if parts.len() > 1 && parts.len() <= 4 && wide_edges && parts.iter().all(|p| nchars(p) >= 4) {
        parts.into_iter().map(String::from).collect()
    } else {
        vec![s.to_string()]
    }
}

/// Whether the paragraph at `i` (perhaps with the ones after it) is one of
/// the next TOC titles: (index of the title, paragraphs used, title lines).
fn match_title(
    nodes: &[Node],
    i: usize,
    titles: &[(usize, String)],
    next: usize,
) -> Option<(usize, usize, Vec<String>)> {
    let Node::P(p) = &nodes[i] else { return None };
    if p.len() > 120 || p.text.ends_with('。') {
        return None;
    }
    for (k, (_, t)) in titles.iter().enumerate().skip(next).take(3) {
        let want = letters(t);
        let have = letters(&p.text);
        if have.is_empty() {
            continue;
        }
        if likeness(&have, &want) >= 0.8 {
            return Some((k, 1, p.title_lines()));
        }
        // The title broken over two or three paragraphs.
        if have.chars().count() >= 4
            && have.chars().count() < want.chars().count()
            && coverage(&have, &want) >= 0.8
        {
            let mut lines = vec![p.text.clone()];
            let mut acc = have.clone();
            let mut j = i + 1;
            while j < nodes.len() && j < i + 4 {
                let Node::P(q) = &nodes[j] else { break };
                if ends_sentence(&q.text) || q.len() > 80 {
                    break;
                }
                let next_acc = format!("{acc}{}", letters(&q.text));
                if coverage(&next_acc, &want) < 0.8 {
                    break;
                }
                lines.push(q.text.clone());
                acc = next_acc;
                j += 1;
                if likeness(&acc, &want) >= 0.8 {
                    return Some((k, j - i, lines));
                }
            }
        }
    }
    None
}

/// A line naming a TOC group: 一、上情下达, or 上情下达 alone.
fn toc_group_line(s: &str, toc: &Toc) -> Option<usize> {
    if nchars(s) > 24 {
        return None;
    }
    let bare = text_without_number(s);
    toc.group_named(&bare)
}

fn text_without_number(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.iter().take_while(|c| CN_NUM.contains(**c)).count();
    if n > 0 && chars.get(n) == Some(&'、') {
        return chars[n + 1..].iter().collect::<String>().trim().to_string();
    }
    s.trim().to_string()
}

const CN_NUM: &str = "一二三四五六七八九十";

/// Finds the table of contents after the masthead: (the TOC, where the
/// articles start).
fn find_toc(nodes: &[Node], start: usize) -> (Toc, usize) {
    let texts: Vec<Option<&str>> = nodes
        .iter()
        .map(|n| match n {
            Node::P(p) => Some(p.text.as_str()),
            _ => None,
        })
        .collect();
    let markers: Vec<(usize, String)> = texts
        .iter()
        .enumerate()
        .skip(start)
        .filter_map(|(i, t)| Some((i, column_marker((*t)?)?)))
        .collect();
    let header = (start..nodes.len().min(start + 10)).find(|&i| texts[i].is_some_and(toc_header));
    let details = (start..nodes.len()).find(|&i| texts[i].is_some_and(details_header));
    let (from, to) = match (header, details) {
        (Some(h), Some(d)) if d > h => (h + 1, d + 1),
        (Some(h), _) => {
            // Up to the first column marker seen again, or the first TOC
            // entry seen again.
            let first = markers.iter().find(|(i, _)| *i > h);
            let again = first.and_then(|(fi, name)| {
                markers
                    .iter()
                    .find(|(i, n)| i > fi && letters(n) == letters(name))
                    .map(|(i, _)| *i)
            });
            match again {
                Some(a) => (h + 1, a),
                None => {
                    // Titles only: until the first entry comes again.
                    let first_entry = (h + 1..nodes.len()).find(|&i| texts[i].is_some());
                    let end = first_entry.and_then(|fe| {
                        let k = letters(&toc_entry(texts[fe].unwrap_or("")));
                        (fe + 1..nodes.len()).find(|&i| {
                            texts[i]
                                .is_some_and(|t| !k.is_empty() && likeness(&letters(t), &k) >= 0.8)
                        })
                    });
                    match end {
                        Some(e) => {
                            // Stop before a marker just before it.
                            let e2 = if e > 0
                                && texts[e - 1].is_some_and(|t| column_marker(t).is_some())
                            {
                                e - 1
                            } else {
                                e
                            };
                            (h + 1, e2)
                        }
                        None => return (Toc::default(), h + 1),
                    }
                }
            }
        }
        (None, Some(d)) if d < start + 40 => (start, d + 1),
        _ => {
            // No heading: a first column marker that comes again, with only
            // short lines between.
            let Some((fi, name)) = markers.first() else {
                return (Toc::default(), start);
            };
            let again = markers
                .iter()
                .find(|(i, n)| i > fi && letters(n) == letters(name))
                .map(|(i, _)| *i);
            match again {
                Some(a)
                    if (fi + 1..a).all(|i| {
                        texts[i].is_some_and(|t| nchars(t) <= 90 && !ends_sentence(t))
                    }) =>
                {
                    (*fi, a)
                }
                _ => return (Toc::default(), start),
            }
        }
    };
    let end = if details.is_some_and(|d| d + 1 == to) {
        to - 1
    } else {
        to
    };
    let mut toc = Toc::default();
    let mut bulleted = false;
    for t in texts[from..end.max(from)].iter().flatten() {
        if let Some(name) = column_marker(t) {
            toc.groups.push((Some(name), Vec::new()));
            continue;
        }
        let chars: Vec<char> = t.chars().collect();
        let n = chars.iter().take_while(|c| CN_NUM.contains(**c)).count();
        if n > 0 && chars.get(n) == Some(&'、') && nchars(t) <= 16 {
            toc.groups.push((Some(text_without_number(t)), Vec::new()));
            continue;
        }
        if toc_header(t) || details_header(t) {
            continue;
        }
        // A bare column name that a marker later in the text names.
        if nchars(t) <= 20
            && bullet(t).is_none()
            && markers
                .iter()
                .any(|(i, n)| *i >= to && letters(n) == letters(t))
        {
            toc.groups.push((Some(t.trim().to_string()), Vec::new()));
            continue;
        }
        let has_bullet = bullet(t).is_some();
        let entry = toc_entry(t);
        if entry.is_empty() {
            continue;
        }
        if toc.groups.is_empty() {
            toc.groups.push((None, Vec::new()));
        }
        if let Some(g) = toc.groups.last_mut() {
            // A wrapped entry: a line without the bullet the others have.
            if bulleted && !has_bullet && !g.1.is_empty() {
                if let Some(last) = g.1.last_mut() {
                    last.push_str(&entry);
                    continue;
                }
            }
            g.1.push(entry);
        }
        bulleted |= has_bullet;
    }
    toc.groups.retain(|(_, ts)| !ts.is_empty());
    (toc, end.max(to.min(nodes.len())).max(from))
}

/// The masthead: returns where it ends.
fn parse_head(nodes: &[Node], draft: &mut Work, body_size: Option<f32>) -> usize {
    let limit = nodes.len().min(14);
    let mut stop = limit;
    for (i, n) in nodes.iter().enumerate().take(limit) {
        let Node::P(p) = n else {
            stop = i;
            break;
        };
        let t = &p.text;
        if column_marker(t).is_some()
            || toc_header(t)
            || details_header(t)
            || note_label(t).is_some()
        {
            stop = i;
            break;
        }
        if nchars(&compact(t)) > 45 || ends_sentence(t) {
            stop = i;
            break;
        }
    }
    let texts: Vec<String> = nodes[..stop]
        .iter()
        .filter_map(|n| match n {
            Node::P(p) => Some(p.text.clone()),
            _ => None,
        })
        .collect();
    let mut used = vec![false; texts.len()];
    let mut number_at = None;
    let mut date_at = None;
    for (i, t) in texts.iter().enumerate() {
        if let Some((number, total, kind)) = number_line(t) {
            if number_at.is_none() {
                draft.number = number;
                draft.issue.issue.total = total.and_then(NonZeroU32::new);
                draft.issue.issue.kind = kind;
                number_at = Some(i);
                used[i] = true;
                // The date on the same line, and the office before the number
                // (协调小组办公室　第363期　2020年2月10日).
                if let Some(d) = find_date(t) {
                    set_date(draft, d);
                    date_at = Some(i);
                    let (before, _) = cut(t, d.start, d.end);
                    if let Some(k) = before.find('第') {
                        let office = before[..k].trim();
                        if office_like(office) && office.chars().any(is_han) {
                            draft.issue.bulletin.office = office.to_string();
                        }
                    }
                }
                continue;
            }
        }
        if marker_line(t) {
            // 内部资料 / 注意保存 on two lines: one marker.
            // Its parts are set apart with a full-width space, however the
            // input spaced them.
            let t = t.split_whitespace().collect::<Vec<_>>().join("　");
            draft.issue.bulletin.marker = Some(match draft.issue.bulletin.marker.take() {
                Some(m) => format!("{m}　{t}"),
                None => t,
            });
            used[i] = true;
        } else if let Some((c, period)) = secrecy_line(t) {
            draft.issue.issue.classification = Some(c);
            draft.issue.issue.secrecy_period = period;
            used[i] = true;
        } else if let Some(u) = urgency_line(t) {
            draft.issue.issue.urgency = Some(u);
            used[i] = true;
        } else if t.chars().all(|c| c.is_ascii_digit()) && t.len() == 6 && i < 3 {
            draft.issue.issue.copy = t.parse().ok();
            used[i] = true;
        }
    }
    for (i, t) in texts.iter().enumerate() {
        if used[i] || date_at.is_some() {
            continue;
        }
        if let Some(d) = find_date(t) {
            let (before, after) = cut(t, d.start, d.end);
            let rest = format!("{} {}", before.trim(), after.trim());
            let rest = rest
                .trim()
                .trim_end_matches(['出', '版', '印', '发'])
                .trim();
            set_date(draft, d);
            date_at = Some(i);
            used[i] = true;
            if !rest.is_empty() && rest.chars().any(is_han) && nchars(rest) <= 30 {
                draft.issue.bulletin.office = rest.to_string();
            }
        }
    }
    // Everything up to the later of number and date is the masthead; the
    // office may stand just after the date.
    let last = match (number_at, date_at) {
        (Some(a), Some(b)) => a.max(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => {
            // No number and no date: the name only, when the first line
            // names a bulletin.
            if let Some(t) = texts.first() {
                if BULLETIN_WORDS.iter().any(|w| compact(t).ends_with(w)) && nchars(t) <= 30 {
                    draft.issue.bulletin.name = t.clone();
                    return head_index(nodes, 1);
                }
            }
            return 0;
        }
    };
    // The office: an unused line next to the date.
    if draft.issue.bulletin.office.is_empty() {
        if let Some(d) = date_at {
            let cands = [d.checked_sub(1), Some(d + 1)];
            for c in cands.into_iter().flatten() {
                if c < texts.len()
                    && !used[c]
                    && Some(c) != number_at
                    && (c > number_at.unwrap_or(0) || number_at.is_none())
                    && nchars(&texts[c]) <= 30
                    && column_marker(&texts[c]).is_none()
                    && (c < d || office_like(&texts[c]))
                {
                    draft.issue.bulletin.office = texts[c].clone();
                    used[c] = true;
                    break;
                }
            }
        }
    }
    let mut end = last + 1;
    if end < texts.len()
        && !used[end]
        && draft.issue.bulletin.office.is_empty()
        && office_like(&texts[end])
    {
        draft.issue.bulletin.office = texts[end].clone();
        used[end] = true;
        end += 1;
    }
    // Name and the line above it: the unused lines before the number (or
    // the date).
    let first_field = number_at.or(date_at).unwrap_or(0);
    let before: Vec<usize> = (0..first_field).filter(|&i| !used[i]).collect();
    let sizes: Vec<Option<f32>> = nodes[..stop]
        .iter()
        .filter_map(|n| match n {
            Node::P(p) => Some(p.hints.size),
            _ => None,
        })
        .collect();
    let biggest = before
        .iter()
        .copied()
        .filter(|&i| sizes.get(i).copied().flatten().is_some())
        .max_by(|&a, &b| {
            let sa = sizes[a].unwrap_or(0.0);
            let sb = sizes[b].unwrap_or(0.0);
            sa.total_cmp(&sb)
        });
    let name_at = match biggest {
        Some(b) if body_size.is_none_or(|bs| sizes[b].unwrap_or(0.0) > bs + 2.0) => Some(b),
        _ => before
            .iter()
            .copied()
            .rev()
            .find(|&i| {
                BULLETIN_WORDS
                    .iter()
                    .any(|w| compact(&texts[i]).ends_with(w))
            })
            .or(before.last().copied()),
    };
    if let Some(n) = name_at {
        let line = texts[n].clone();
        let mut above: Vec<String> = before
            .iter()
            .filter(|&&i| i < n)
            .map(|&i| texts[i].clone())
            .collect();
        // "建设学习型党组织、学习型领导班子 工作简报": above and name on one line.
        let parts: Vec<&str> = line.split([' ', '　']).filter(|s| !s.is_empty()).collect();
        let name = if parts.len() >= 2
            && BULLETIN_WORDS
                .iter()
                .any(|w| parts[parts.len() - 1].ends_with(w))
            && nchars(parts[parts.len() - 1]) <= 12
        {
            above.push(parts[..parts.len() - 1].join(" "));
            parts[parts.len() - 1].to_string()
        } else if BULLETIN_WORDS.iter().any(|w| compact(&line).ends_with(w)) {
            compact(&line)
        } else {
            line
        };
        draft.issue.bulletin.name = name;
        if !above.is_empty() {
            draft.issue.bulletin.above = Some(above.join(" "));
        }
        for &i in &before {
            used[i] = true;
        }
    }
    // An office before the number (rare) or left over.
    if draft.issue.bulletin.office.is_empty() {
        if let Some(i) = (0..end.min(texts.len())).find(|&i| !used[i] && office_like(&texts[i])) {
            draft.issue.bulletin.office = texts[i].clone();
            used[i] = true;
        }
    }
    head_index(nodes, end)
}

/// The node index after the `n`th paragraph.
fn head_index(nodes: &[Node], n: usize) -> usize {
    let mut seen = 0;
    for (i, node) in nodes.iter().enumerate() {
        if seen == n {
            return i;
        }
        if matches!(node, Node::P(_)) {
            seen += 1;
        }
    }
    nodes.len()
}

/// A line that reads as an office: short, ends with an office's word.
fn office_like(s: &str) -> bool {
    let c = compact(s);
    nchars(&c) <= 30
        && [
            "办公室",
            "辦公室",
            "委员会",
            "委員會",
            "办",
            "辦",
            "局",
            "部",
            "厅",
            "廳",
            "处",
            "處",
            "组",
            "組",
            "中心",
            "会",
            "會",
            "室",
            "院",
            "所",
            "司",
            "委",
            "政府",
            "公司",
            "集团",
            "协会",
            "小组",
        ]
        .iter()
        .any(|w| c.ends_with(w))
}

fn set_date(draft: &mut Work, d: FoundDate) {
    draft.date = date_of_found(d.year, d.month, d.day);
    if d.year.is_none() {
        // Filled in later from the context (see `tidy`).
        draft.checks.push(Check {
            at: KeyPath::Issue,
            message: "the date has no year".into(),
        });
    }
}

/// Where the footer starts: the trailing lines that are footer fields (报：
/// 送： 发：…, 印发, 共印 N 份) and the printer's line.
fn find_footer(nodes: &[Node]) -> usize {
    let mut start = nodes.len();
    let mut strong = false;
    let mut i = nodes.len();
    let mut tentative = 0;
    while i > 0 {
        let Node::P(p) = &nodes[i - 1] else { break };
        let t = &p.text;
        let fields = footer_fields(t);
        if !fields.is_empty() || print_line(t).is_some() || copies_in(t).is_some() {
            if fields.iter().any(|(f, _)| f.is_recipients())
                || print_line(t).is_some()
                || copies_in(t).is_some()
            {
                strong = true;
            }
            start = i - 1;
            tentative = 0;
            i -= 1;
            continue;
        }
        // The printer's line, or a recipients' line wrapped.
        if nchars(t) <= 60
            && !ends_sentence(t)
            && byline_of(t).is_none()
            && tentative < 2
            && column_marker(t).is_none()
        {
            tentative += 1;
            i -= 1;
            continue;
        }
        break;
    }
    if !strong {
        return nodes.len();
    }
    start
}

fn parse_footer(lines: &[String], draft: &mut Work) {
    let mut f = Footer::default();
    let mut last_field: Option<FooterField> = None;
    for t in lines {
        let fields = footer_fields(t);
        if !fields.is_empty() {
            for (field, v) in fields {
                let v = v.trim().to_string();
                *field.get_mut(&mut f) = (!v.is_empty()).then_some(v);
                last_field = Some(field);
            }
            // 共印 N 份 on the same line.
            if let Some((c, _)) = copies_in(t) {
                f.copies = Some(c);
            }
            continue;
        }
        if let Some((printer, d)) = print_line(t) {
            let printer = match copies_in(&printer) {
                Some((c, at)) => {
                    f.copies = Some(c);
                    let chars: String = compact(&printer);
                    chars[..at].trim_end_matches(['（', '(']).to_string()
                }
                None => printer,
            };
            if !printer.is_empty() {
                f.printer = Some(printer);
            }
            if let Some(d) = d {
                draft.print_date = date_of_found(d.year, d.month, d.day);
                if d.year.is_none() {
                    draft.checks.push(Check {
                        at: KeyPath::Footer,
                        message: "the print date has no year".into(),
                    });
                }
            }
            if let Some((c, _)) = copies_in(t) {
                f.copies = Some(c);
            }
            last_field = None;
            continue;
        }
        if let Some((c, at)) = copies_in(t) {
            f.copies = Some(c);
            let before: String = compact(t)[..at].trim_end_matches(['（', '(']).to_string();
            if !before.is_empty() && f.printer.is_none() {
                f.printer = Some(before);
            }
            continue;
        }
        // A wrapped recipients' line, or the printer.
        let wrapped = last_field.is_some_and(FooterField::is_recipients)
            && (t.contains('、')
                || last_field
                    .and_then(|lf| lf.get(&f))
                    .is_some_and(|v| v.ends_with(['、', '，', ','])));
        if wrapped {
            if let Some(lf) = last_field {
                let v = format!("{}{t}", lf.get(&f).unwrap_or_default());
                *lf.get_mut(&mut f) = (!v.is_empty()).then_some(v);
            }
            continue;
        }
        if f.printer.is_none() {
            f.printer = Some(t.clone());
        } else {
            draft.checks.push(Check {
                at: KeyPath::Footer,
                message: format!("a footer line not understood, left out: {t}"),
            });
        }
    }
    draft.issue.footer = Some(f);
}

/// Fills what is missing with flagged placeholders, and years from the
/// context.
fn tidy(d: &mut Work) {
    // Years of dates written without one.
    let context_year = d
        .print_date
        .filter(|p| p.year > 0)
        .map(|p| p.year)
        .or_else(|| d.date.filter(|p| p.year > 0).map(|p| p.year))
        .or_else(|| {
            d.issue
                .columns
                .iter()
                .flat_map(|c| &c.articles)
                .flat_map(blocks)
                .flat_map(|b| paragraphs(b.get_ref()))
                .find_map(|p| find_date(p)?.year)
                .and_then(|y| u16::try_from(y).ok())
        });
    let fill = |date: &mut Option<Date>, checks: &mut Vec<Check>, at: KeyPath| {
        if let Some(dt) = date.as_mut().filter(|dt| dt.year == 0) {
            match context_year {
                Some(y) if Date::new(y, dt.month, dt.day).is_some() => {
                    dt.year = y;
                    for c in checks
                        .iter_mut()
                        .filter(|c| c.at == at && c.message.ends_with("has no year"))
                    {
                        c.message = format!(
                            "{}: the year {y} was taken from the rest of the issue",
                            c.message
                        );
                    }
                }
                _ => {
                    *date = None;
                }
            }
        }
    };
    fill(&mut d.date, &mut d.checks, KeyPath::Issue);
    fill(&mut d.print_date, &mut d.checks, KeyPath::Footer);
    if d.issue.bulletin.name.is_empty() {
        d.checks.push(Check {
            at: KeyPath::Bulletin,
            message: "no bulletin name found: \"工作简报\" is a placeholder".into(),
        });
    }
    if d.issue.bulletin.office.is_empty() {
        d.checks.push(Check {
            at: KeyPath::Bulletin,
            message: "no issuing office found: write it".into(),
        });
    }
    if d.number.is_none() {
        d.checks.push(Check {
            at: KeyPath::Issue,
            message: "no issue number (第 N 期) found: 1 is a placeholder".into(),
        });
    }
    if d.date.is_none() {
        if let Some(w) = d.web_date {
            d.date = Some(w);
            d.checks.push(Check {
                at: KeyPath::Issue,
                message: format!("no date under a masthead: {w}, the web page's date, is used"),
            });
        }
    }
    if d.date.is_none() {
        d.checks.push(Check {
            at: KeyPath::Issue,
            message: match d.print_date {
                Some(p) => format!("no date found under the masthead: the print date {p} is used"),
                None => "no date found: 2000-01-01 is a placeholder".into(),
            },
        });
    }
    // A 专报 without columns: the zhuanbao layout.
    let name = &d.issue.bulletin.name;
    let zhuanbao = name.ends_with("专报") || name.ends_with("專報");
    if zhuanbao && d.issue.columns.iter().all(|c| c.name.is_empty()) {
        d.issue.layout = Some("zhuanbao".into());
        d.checks.push(Check {
            at: KeyPath::File,
            message: "the bundled zhuanbao layout is chosen, as the bulletin is a 专报".into(),
        });
    }
    // Articles before the first named column when there are named ones.
    let named = d.issue.columns.iter().any(|c| !c.name.is_empty());
    if named {
        for (i, c) in d.issue.columns.iter_mut().enumerate() {
            if c.name.is_empty() {
                c.name = "（待补：栏目）".into();
                d.checks.push(Check {
                    at: KeyPath::Column(i),
                    message: "articles before the first column marker: name their column, or \
                              move them into one"
                        .into(),
                });
            }
        }
    }
    // Columns without articles go; the checks follow their columns.
    let mut index = Vec::new();
    let mut kept = 0;
    for c in &d.issue.columns {
        index.push((!c.articles.is_empty()).then_some(kept));
        kept += usize::from(!c.articles.is_empty());
    }
    d.issue.columns.retain(|c| !c.articles.is_empty());
    for c in &mut d.checks {
        match &mut c.at {
            KeyPath::Column(i)
            | KeyPath::Article {
                column: Some(i), ..
            } => {
                if let Some(Some(n)) = index.get(*i) {
                    *i = *n;
                }
            }
            _ => {}
        }
    }
    if d.issue.columns.is_empty() {
        d.issue.columns.push(Column {
            name: String::new(),
            articles: vec![Article {
                title: "（待补：标题）".into(),
                body: Body::Blocks(vec![text_block(&["（待补：正文）".into()])]),
                ..Default::default()
            }],
        });
        d.checks.push(Check {
            at: article_at(0, 0),
            message: "no article text found in the input: an empty placeholder article".into(),
        });
    }
    // Articles with nothing at all.
    for c in &mut d.issue.columns {
        for a in &mut c.articles {
            if blocks(a).is_empty() {
                blocks_mut(a).push(text_block(&["（待补：正文）".into()]));
            }
            if let Some(n) = &mut a.note {
                if n.text.is_empty() {
                    n.text = "（待补：按语）".into();
                }
            }
        }
    }
}

/// The issue as found: placeholders where something required was not
/// found, the articles of a bulletin without columns at the top level
/// (their checks with them), bodies of text only as a string.
fn finish(mut d: Work) -> Recognized {
    let mut placeholders = Vec::new();
    let mut placeholder = |key: &'static str, missing: bool| {
        if missing {
            placeholders.push(key);
        }
    };
    placeholder("bulletin.name", d.issue.bulletin.name.is_empty());
    placeholder("bulletin.office", d.issue.bulletin.office.is_empty());
    placeholder("issue.number", d.number.is_none());
    placeholder("issue.date", d.date.is_none() && d.print_date.is_none());
    let issue = &mut d.issue;
    if issue.bulletin.name.is_empty() {
        issue.bulletin.name = "工作简报".into();
    }
    if issue.bulletin.office.is_empty() {
        issue.bulletin.office = "（待补：发文机关）".into();
    }
    issue.issue.number = d.number.take().unwrap_or(IssueNumber::Number(1));
    let date = d.date.or(d.print_date).unwrap_or(PLACEHOLDER_DATE);
    issue.issue.date = date.to_spanned();
    let mut footer = issue.footer.take().unwrap_or_default();
    footer.print_date = d.print_date.map(Date::to_spanned);
    let empty = FooterField::ALL.iter().all(|f| f.get(&footer).is_none())
        && footer.print_date.is_none()
        && footer.copies.is_none();
    issue.footer = (!empty).then_some(footer);
    for a in issue.columns.iter_mut().flat_map(|c| &mut c.articles) {
        finish_body(a);
    }
    // Without named columns, the articles go to the top level, in order.
    if issue.columns.iter().all(|c| c.name.is_empty()) {
        let mut offsets = Vec::new();
        for c in std::mem::take(&mut issue.columns) {
            offsets.push(issue.articles.len());
            issue.articles.extend(c.articles);
        }
        for c in &mut d.checks {
            if let KeyPath::Article {
                column: Some(col),
                index,
            } = c.at
            {
                c.at = KeyPath::Article {
                    column: None,
                    index: offsets.get(col).copied().unwrap_or(0) + index,
                };
            }
        }
    }
    Recognized {
        issue: d.issue,
        checks: d.checks,
        placeholders,
        dropped: d.dropped,
        repairs: d.repairs,
        images: d.images,
        notices: d.notices,
    }
}

/// A body of text blocks only is written as one string.
fn finish_body(a: &mut Article) {
    let Body::Blocks(b) = &a.body else { return };
    let only_text = b.iter().all(|b| {
        let b = b.get_ref();
        b.text.is_some() && b.image.is_none() && b.rows.is_none()
    });
    if only_text {
        let text: Vec<&str> = b
            .iter()
            .filter_map(|b| b.get_ref().text.as_deref())
            .collect();
        a.body = Body::Text(text.join("\n\n"));
    }
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
    }

    #[test]
    fn lines() {
        assert_eq!(column_marker("【上情下达】").as_deref(), Some("上情下达"));
        assert_eq!(column_marker("※思想教育※").as_deref(), Some("思想教育"));
        assert_eq!(column_marker("≡本期详情≡"), None);
        assert_eq!(column_marker("【编者按】"), None);
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
    }
}
