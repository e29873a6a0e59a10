//! Reading an issue file and turning it into the data a layout receives.
//!
//! The layout reads this data from the virtual file `/issue.json`. User text
//! only ever reaches Typst as JSON strings, never as markup.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::body::{self, Block};
use crate::error::{self, Error, Result};
use crate::model::{self, Article, Date, Grid, Issue};

/// The data contract between bulletin-pdf and a layout (`/issue.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Data {
    pub bulletin: BulletinData,
    pub issue: IssueData,
    pub options: OptionsData,
    /// For each font role, the families to try in order (from the layout).
    pub fonts: BTreeMap<String, Vec<String>>,
    /// The layout's parameters, with the issue's `[style]` applied.
    pub style: serde_json::Map<String, serde_json::Value>,
    pub columns: Vec<ColumnData>,
    pub footer: Option<FooterData>,
    /// Places where the issue's text was read by a guess (a body's paragraph
    /// structure, see [`body::paragraphs_checked`]), formatted as
    /// `article N 「title」: line L of the body: …`. Not part of the
    /// layout's data. Also the head fields' warnings (a 密级 without a
    /// 份号, fields the layout does not place).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BulletinData {
    pub name: String,
    pub above: Option<String>,
    pub office: String,
    pub marker: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IssueData {
    /// The number as printed in 第 N 期.
    pub number: String,
    pub total: Option<i64>,
    pub date: Date,
    /// 2020 年 2 月 10 日
    pub date_text: String,
    /// 增刊, 专刊 or 特刊.
    pub kind: Option<String>,
    /// The copy number (份号) in six digits: 000123.
    pub copy: Option<String>,
    /// 密级 with its 保密期限: 秘密★1年, or 机密.
    pub secrecy: Option<String>,
    /// 紧急程度: 特急 or 加急.
    pub urgency: Option<String>,
    /// 签发人: the names.
    pub signers: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionsData {
    pub toc: bool,
    pub toc_page_numbers: bool,
    pub grid: Grid,
    /// The PDF standards the issue asks for (typst-pdf's names, e.g. "a-2b").
    pub pdf_standards: Vec<typst_pdf::PdfStandard>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ColumnData {
    /// None for a bulletin without columns.
    pub name: Option<String>,
    pub articles: Vec<ArticleData>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArticleData {
    /// The title's lines (a `\n` in the title forces a break).
    pub title_lines: Vec<String>,
    pub toc_title: String,
    pub note: Option<NoteData>,
    pub blocks: Vec<Block>,
    /// The footnotes' texts, in the order of their numbers (①②③): a
    /// paragraph's, a cell's or an item's runs refer to them by number.
    pub footnotes: Vec<String>,
    /// The byline without its brackets.
    pub byline: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoteData {
    pub label: String,
    pub blocks: Vec<Block>,
    pub signer: Option<String>,
    pub date_text: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FooterData {
    pub zhusong: Option<String>,
    pub bao: Option<String>,
    pub song: Option<String>,
    pub fa: Option<String>,
    pub zengfa: Option<String>,
    pub editor: Option<String>,
    pub proofreader: Option<String>,
    pub reviewer: Option<String>,
    pub approver: Option<String>,
    pub contact: Option<String>,
    pub phone: Option<String>,
    pub printer: Option<String>,
    pub print_date_text: Option<String>,
    pub copies: Option<u32>,
}

/// A piece of user text and where it is, for messages.
#[derive(Debug, Clone)]
pub struct Place {
    pub place: String,
    pub text: String,
}

/// A series file (`bulletin.toml`): what every issue below its folder shares.
#[derive(Debug, Clone)]
pub struct Series {
    pub path: std::path::PathBuf,
    pub text: String,
    pub table: toml::Table,
}

/// The name of series files.
pub const SERIES_FILE: &str = "bulletin.toml";

impl Series {
    /// Reads and parses a series file (TOML syntax only; its keys are checked
    /// with each issue that uses it).
    pub fn read(path: &Path, encoding: Encoding) -> Result<Series> {
        let bytes = read_limited(path).map_err(|e| {
            Error::input(format!(
                "the series file {} cannot be read ({}); every issue in its folder and below \
                 uses it: fix it or remove it",
                path.display(),
                e.message
                    .strip_prefix(&format!("{}: ", path.display()))
                    .unwrap_or(&e.message)
            ))
        })?;
        let text = decode(path, &bytes, encoding)?.into_owned();
        let table: toml::Table = toml::from_str(&text)
            .map_err(|e| Error::input(error::toml_message(path, &text, &e)))?;
        Ok(Series {
            path: path.to_path_buf(),
            text,
            table,
        })
    }
}

/// Reads the series files that apply to an issue (see [`series_paths`]).
pub fn read_series(issue: &Path, encoding: Encoding) -> Result<Vec<Arc<Series>>> {
    series_paths(issue)
        .iter()
        .map(|p| Series::read(p, encoding).map(Arc::new))
        .collect()
}

/// The series files that apply to an issue: every `bulletin.toml` in its
/// folder and the folders above it, outermost first.
pub fn series_paths(issue: &Path) -> Vec<std::path::PathBuf> {
    let abs = std::path::absolute(issue).unwrap_or_else(|_| issue.to_path_buf());
    let mut found: Vec<_> = abs
        .ancestors()
        .skip(1)
        .map(|dir| dir.join(SERIES_FILE))
        // Anything by that name counts (a broken link or a pipe is then
        // reported, not skipped).
        .filter(|p| std::fs::symlink_metadata(p).is_ok() && p.as_path() != abs.as_path())
        .collect();
    found.reverse();
    found
}

/// The most articles an issue may have. Layout time grows with the number of
/// articles; at this cap an issue still renders in seconds.
pub const MAX_ARTICLES: usize = 5_000;

/// The most paragraphs (blank-line separated) an issue may have.
pub const MAX_PARAGRAPHS: usize = 100_000;

/// The largest issue or series file accepted (8 MiB: about forty times
/// the longest real issue; a 200,000-character article is under 1 MiB).
pub const MAX_FILE_BYTES: u64 = 8 << 20;

/// Reads a file, refusing ones over [`MAX_FILE_BYTES`].
pub fn read_limited(path: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::input(format!("{}: cannot read the file: {e}", path.display())))?;
    if meta.is_dir() {
        return Err(Error::input(format!(
            "{}: is a folder, not an issue file",
            path.display()
        )));
    }
    if !meta.is_file() {
        return Err(Error::input(format!(
            "{}: is not a regular file (a pipe, a socket or a device); give an issue file",
            path.display()
        )));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Error::input(format!(
            "{}: the file is {:.1} MiB, over the limit of {} MiB for an issue file",
            path.display(),
            meta.len() as f64 / (1u64 << 20) as f64,
            MAX_FILE_BYTES >> 20
        )));
    }
    let fail =
        |e: std::io::Error| Error::input(format!("{}: cannot read the file: {e}", path.display()));
    let mut bytes = Vec::new();
    // Bounded whatever the file's length said (it may grow while read).
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(path).map_err(fail)?, MAX_FILE_BYTES + 1),
        &mut bytes,
    )
    .map_err(fail)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::input(format!(
            "{}: the file is over the limit of {} MiB for an issue file",
            path.display(),
            MAX_FILE_BYTES >> 20
        )));
    }
    Ok(bytes)
}

/// Reads an issue file on its own: UTF-8 (a BOM is allowed), TOML, checked.
/// Series files are not consulted (see [`parse_issue_with`]).
pub fn read_issue(path: &Path) -> Result<Issue> {
    let bytes = read_limited(path)?;
    parse_issue(path, &bytes)
}

/// The encoding of issue and series files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Encoding {
    /// UTF-8, with or without a BOM (the default). GBK/GB18030 files are
    /// recognised and refused with a message saying how to proceed.
    #[default]
    Utf8,
    /// GBK/GB18030, as many Windows editors save Chinese text: converted.
    Gbk,
}

impl std::str::FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Encoding, String> {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "utf8" => Ok(Encoding::Utf8),
            "gbk" | "gb18030" | "gb2312" | "cp936" => Ok(Encoding::Gbk),
            _ => Err(format!("{s:?}: use utf-8 or gbk (gb18030)")),
        }
    }
}

/// Decodes a file's bytes. Lines ended by a lone CR (old Mac editors) end
/// with LF instead, as TOML knows only LF and CRLF (byte for byte, so
/// positions in messages stay right).
fn decode<'a>(path: &Path, bytes: &'a [u8], encoding: Encoding) -> Result<Cow<'a, str>> {
    let text = decode_text(path, bytes, encoding)?;
    let lone_cr = |t: &str| {
        t.match_indices('\r')
            .any(|(i, _)| !t[i + 1..].starts_with('\n'))
    };
    if !lone_cr(&text) {
        return Ok(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(if c == '\r' && chars.peek() != Some(&'\n') {
            '\n'
        } else {
            c
        });
    }
    Ok(Cow::Owned(out))
}

fn decode_text<'a>(path: &Path, bytes: &'a [u8], encoding: Encoding) -> Result<Cow<'a, str>> {
    if encoding == Encoding::Gbk {
        let utf8 = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if !utf8.is_ascii() && std::str::from_utf8(utf8).is_ok() {
            return Err(Error::input(format!(
                "{}: the file is UTF-8, not GBK; leave out --encoding gbk",
                path.display()
            )));
        }
        return encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(|| {
                Error::input(format!(
                    "{}: the file is not valid GBK/GB18030 either; check its encoding",
                    path.display()
                ))
            });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
        let good = e.valid_up_to();
        let line = bytes[..good].iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = bytes[..good]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let gbk = encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .is_some();
        let advice = if gbk {
            "it looks like GBK/GB18030 (as many Windows editors save Chinese text): save it \
             as UTF-8, or pass --encoding gbk to convert it while reading"
        } else {
            "save it as UTF-8"
        };
        Error::input(format!(
            "{}:{line}: the file is not valid UTF-8 (invalid byte 0x{:02X} at byte {} of line {line}, \
             offset {good} in the file); {advice}",
            path.display(),
            bytes[good],
            good - line_start + 1,
        ))
    })
}

/// Parses an issue from bytes; `path` is used in messages only.
pub fn parse_issue(path: &Path, bytes: &[u8]) -> Result<Issue> {
    parse_issue_with(path, bytes, &[], Encoding::Utf8)
}

/// Parses an issue on top of its series files (outermost first): tables are
/// merged key by key, the issue's own values win.
pub fn parse_issue_with(
    path: &Path,
    bytes: &[u8],
    series: &[Arc<Series>],
    encoding: Encoding,
) -> Result<Issue> {
    let text = decode(path, bytes, encoding)?;
    let text = text.as_ref();
    if text.trim().is_empty() {
        return Err(Error::input(format!(
            "{}: the file is empty; an issue needs at least a [bulletin] table (name, office), \
             an [issue] table (number, date) and articles",
            path.display()
        )));
    }
    if series.is_empty() {
        let issue: Issue =
            toml::from_str(text).map_err(|e| Error::input(error::toml_message(path, text, &e)))?;
        check(path, Some(text), &issue)?;
        return Ok(issue);
    }
    let own: toml::Table =
        toml::from_str(text).map_err(|e| Error::input(error::toml_message(path, text, &e)))?;
    let mut merged = toml::Table::new();
    for s in series {
        merge(&mut merged, s.table.clone());
    }
    merge(&mut merged, own);
    let merged_text = toml::to_string(&merged).map_err(|e| {
        Error::input(format!(
            "{}: cannot merge the series files: {e}",
            path.display()
        ))
    })?;
    match toml::from_str::<Issue>(&merged_text) {
        Ok(issue) => {
            check(path, None, &issue)?;
            Ok(issue)
        }
        Err(e) => Err(Error::input(locate_merged_error(path, text, series, &e))),
    }
}

/// Finds where an error of the merged document comes from: the issue file
/// or one of its series files, when parsed alone, gives the same error with
/// its position.
fn locate_merged_error(
    path: &Path,
    text: &str,
    series: &[Arc<Series>],
    e: &toml::de::Error,
) -> String {
    let same = |t: &str| match toml::from_str::<Issue>(t) {
        Err(e2) if e2.message() == e.message() => Some(e2),
        _ => None,
    };
    if let Some(e2) = same(text) {
        return error::toml_message(path, text, &e2);
    }
    for s in series.iter().rev() {
        if let Some(e2) = same(&s.text) {
            return error::toml_message(&s.path, &s.text, &e2);
        }
    }
    let names: Vec<String> = series
        .iter()
        .map(|s| s.path.display().to_string())
        .collect();
    format!(
        "{}: {} (in the issue merged with its series file{} {})",
        path.display(),
        e.message().trim(),
        if names.len() > 1 { "s" } else { "" },
        names.join(", ")
    )
}

/// Deep-merges `over` into `base`: tables merge key by key, anything else
/// (strings, arrays of articles…) is replaced.
pub fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Checks what serde cannot: calendar dates, empty text, article placement.
/// `text` is the file's text when the issue was parsed from it alone (for
/// positions in messages).
fn check(path: &Path, text: Option<&str>, issue: &Issue) -> Result<()> {
    let date_err = |d: &toml::Spanned<toml::value::Datetime>| {
        model::date_of(d.get_ref()).map(|_| ()).map_err(|m| {
            Error::input(match text {
                Some(text) => error::snippet(path, text, d.span(), &m),
                None => format!("{}: {m}", path.display()),
            })
        })
    };
    date_err(&issue.issue.date)?;
    if let Some(d) = issue.footer.as_ref().and_then(|f| f.print_date.as_ref()) {
        date_err(d)?;
    }
    let fail = |m: String| Err(Error::input(format!("{}: {m}", path.display())));
    let blank = |key: &str, value: &str, example: &str| -> Result<()> {
        if !value.trim().is_empty() {
            return Ok(());
        }
        let m = format!(
            "bulletin.{key} is empty (or only spaces); write it, e.g. {key} = \"{example}\""
        );
        Err(Error::input(
            match text.and_then(|t| locate_key(t, "bulletin", key).map(|r| (t, r))) {
                Some((t, r)) => error::snippet(path, t, r, &m),
                None => format!("{}: {m}", path.display()),
            },
        ))
    };
    blank("name", &issue.bulletin.name, "工作简报")?;
    if let Some(n) = issue.issue.copy.filter(|n| n.get() > 999_999) {
        let m =
            format!("issue.copy is {n}; a copy number (份号) has at most six digits: 1 to 999999");
        return Err(Error::input(
            match text.and_then(|t| locate_key(t, "issue", "copy").map(|r| (t, r))) {
                Some((t, r)) => error::snippet(path, t, r, &m),
                None => format!("{}: {m}", path.display()),
            },
        ));
    }
    blank("office", &issue.bulletin.office, "协调小组办公室")?;
    if !issue.columns.is_empty() && !issue.articles.is_empty() {
        return fail(
            "the issue has both [[columns]] and top-level [[articles]]; put every article in a \
             column, or use no columns at all"
                .into(),
        );
    }
    for (i, col) in issue.columns.iter().enumerate() {
        if col.articles.is_empty() {
            return fail(format!(
                "column {} 【{}】 has no articles; add [[columns.articles]] after it or remove it",
                i + 1,
                col.name
            ));
        }
    }
    let articles: Vec<&Article> = all_articles(issue).collect();
    if articles.is_empty() {
        return fail(
            "the issue has no articles: add [[columns]] with [[columns.articles]], or [[articles]]"
                .into(),
        );
    }
    if articles.len() > MAX_ARTICLES {
        return fail(format!(
            "the issue has {} articles; an issue may have at most {MAX_ARTICLES} (a real \
             bulletin has a few dozen at most): split it into several issues",
            articles.len()
        ));
    }
    let paragraphs: usize = articles
        .iter()
        .map(|a| {
            a.body
                .texts()
                .iter()
                .map(|t| body::paragraphs(t).len())
                .sum::<usize>()
        })
        .sum();
    if paragraphs > MAX_PARAGRAPHS {
        return fail(format!(
            "the issue has about {paragraphs} paragraphs; an issue may have at most \
             {MAX_PARAGRAPHS}: split it into several issues"
        ));
    }
    for (i, a) in articles.iter().enumerate() {
        if a.title.trim().is_empty() {
            return fail(format!("article {} has an empty title", i + 1));
        }
        if let Some(d) = a.note.as_ref().and_then(|n| n.date.as_ref()) {
            date_err(d)?;
        }
    }
    Ok(())
}

/// Where `key = …` is written in the `[table]` of a TOML text (its value),
/// for messages about values serde accepted.
pub fn locate_key(text: &str, table: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let mut in_table = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') {
            in_table = t.trim_matches(|c| c == '[' || c == ']').trim() == table;
        } else if in_table {
            if let Some((k, _)) = t.split_once('=') {
                if k.trim() == key {
                    let at = offset + line.find('=').map_or(0, |i| i + 1);
                    let value = line[at - offset..].trim_end();
                    let lead = value.len() - value.trim_start().len();
                    return Some(at + lead..at + value.len().max(lead + 1));
                }
            }
        }
        offset += line.len();
    }
    None
}

fn all_articles(issue: &Issue) -> impl Iterator<Item = &Article> {
    issue
        .columns
        .iter()
        .flat_map(|c| c.articles.iter())
        .chain(issue.articles.iter())
}

fn unbracket(s: &str) -> String {
    let t = s.trim();
    let t = t
        .strip_prefix('（')
        .and_then(|t| t.strip_suffix('）'))
        .or_else(|| t.strip_prefix('(').and_then(|t| t.strip_suffix(')')))
        .unwrap_or(t);
    t.to_string()
}

fn date_text(d: &toml::Spanned<toml::value::Datetime>) -> Option<String> {
    model::date_of(d.get_ref()).ok().map(|d| d.chinese())
}

/// Why an issue's data could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// A `[style]` value that does not fit the layout's parameters:
    /// `style.KEY: …`, to be placed in the file that sets it.
    Style(String),
    /// A body block (a table, a figure, a footnote): the message is placed
    /// in the issue file already.
    Content(String),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Style(m) | BuildError::Content(m) => f.write_str(m),
        }
    }
}

/// Builds the layout's data from a checked issue. Fails when the issue's
/// `[style]` does not fit the layout's parameters, or a body block is wrong
/// (a table's rows, a CSV file or an image that cannot be read, a footnote
/// reference); `ctx` says where the issue's text and files are.
pub fn build(
    issue: &Issue,
    layout: &crate::layout::Layout,
    ctx: &crate::content::Context<'_>,
) -> std::result::Result<Data, BuildError> {
    let style = layout.style(&issue.style).map_err(BuildError::Style)?;
    let fonts = &layout.manifest.fonts;
    // `check` has validated the date; fall back to a harmless value otherwise.
    let date = model::date_of(issue.issue.date.get_ref()).unwrap_or(Date {
        year: 1970,
        month: 1,
        day: 1,
    });
    let opts = &issue.options;
    let info = &issue.issue;
    let warnings = std::cell::RefCell::new(head_warnings(issue, layout));
    let count = std::cell::Cell::new(0);
    let article = |a: &Article| -> std::result::Result<ArticleData, BuildError> {
        let detect = a.detect.unwrap_or(opts.detect);
        count.set(count.get() + 1);
        let title: String = a.title.lines().map(str::trim).collect();
        let what = format!("article {} 「{title}」", count.get());
        let note_blocks = a.note.as_ref().map(|n| {
            let (blocks, found) = body::parse_checked(&n.text, false);
            warnings
                .borrow_mut()
                .extend(found.iter().map(|w| format!("{what}, note: {w}")));
            blocks
        });
        let (body_blocks, footnotes) =
            crate::content::article(a, detect, &what, ctx, &mut warnings.borrow_mut())
                .map_err(BuildError::Content)?;
        Ok(ArticleData {
            title_lines: a
                .title
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect(),
            toc_title: a
                .toc_title
                .clone()
                .unwrap_or_else(|| a.title.lines().map(str::trim).collect()),
            note: a.note.as_ref().map(|n| NoteData {
                label: n.label.clone().unwrap_or_else(|| "编者按".into()),
                blocks: note_blocks.unwrap_or_default(),
                signer: n.signer.clone(),
                date_text: n.date.as_ref().and_then(date_text),
            }),
            blocks: body_blocks,
            footnotes,
            byline: a.byline.as_deref().map(unbracket),
        })
    };
    let mut columns: Vec<ColumnData> = issue
        .columns
        .iter()
        .map(|c| -> std::result::Result<ColumnData, BuildError> {
            Ok(ColumnData {
                name: Some(c.name.trim().to_string()),
                articles: c
                    .articles
                    .iter()
                    .map(&article)
                    .collect::<std::result::Result<_, _>>()?,
            })
        })
        .collect::<std::result::Result<_, BuildError>>()?;
    if !issue.articles.is_empty() {
        columns.push(ColumnData {
            name: None,
            articles: issue
                .articles
                .iter()
                .map(&article)
                .collect::<std::result::Result<_, _>>()?,
        });
    }
    Ok(Data {
        bulletin: BulletinData {
            name: issue.bulletin.name.trim().to_string(),
            above: issue.bulletin.above.clone(),
            office: issue.bulletin.office.clone(),
            marker: issue.bulletin.marker.clone(),
        },
        issue: IssueData {
            number: issue.issue.number.to_string(),
            total: issue.issue.total.map(|n| i64::from(n.get())),
            date,
            date_text: date.chinese(),
            kind: info.kind.map(|k| k.chinese().to_string()),
            copy: info.copy.map(|n| format!("{:06}", n.get())),
            secrecy: info.classification.map(|c| match &info.secrecy_period {
                Some(p) => format!("{}★{}", c.chinese(), p.trim()),
                None => c.chinese().to_string(),
            }),
            urgency: info.urgency.map(|u| u.chinese().to_string()),
            signers: info
                .signers
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        },
        options: OptionsData {
            toc: opts.toc,
            toc_page_numbers: opts.toc_page_numbers,
            grid: opts.grid,
            pdf_standards: opts.pdf_standards.clone(),
        },
        fonts: fonts.clone(),
        style,
        columns,
        footer: issue.footer.as_ref().map(|f| FooterData {
            zhusong: f.zhusong.clone(),
            bao: f.bao.clone(),
            song: f.song.clone(),
            fa: f.fa.clone(),
            zengfa: f.zengfa.clone(),
            editor: f.editor.clone(),
            proofreader: f.proofreader.clone(),
            reviewer: f.reviewer.clone(),
            approver: f.approver.clone(),
            contact: f.contact.clone(),
            phone: f.phone.clone(),
            printer: f.printer.clone(),
            print_date_text: f.print_date.as_ref().and_then(date_text),
            copies: f.copies,
        }),
        warnings: warnings.into_inner(),
    })
}

/// The optional head fields (版头, GB/T 9704 §7.2) an issue sets, by the
/// names layouts list in their manifest's `places`.
fn head_fields(info: &model::IssueInfo) -> Vec<&'static str> {
    let set = [
        ("kind", info.kind.is_some()),
        ("copy", info.copy.is_some()),
        ("classification", info.classification.is_some()),
        ("secrecy_period", info.secrecy_period.is_some()),
        ("urgency", info.urgency.is_some()),
        ("signers", info.signers.iter().any(|s| !s.trim().is_empty())),
    ];
    set.into_iter()
        .filter(|(_, on)| *on)
        .map(|(k, _)| k)
        .collect()
}

/// Warnings about the head fields: a 密级 without a copy number, a 保密期限
/// without a 密级, fields the layout does not place.
fn head_warnings(issue: &Issue, layout: &crate::layout::Layout) -> Vec<String> {
    let info = &issue.issue;
    let mut out = Vec::new();
    if info.classification.is_some() && info.copy.is_none() {
        out.push(
            "issue.classification (密级) is set without a copy number (份号): GB/T 9704 \
             requires both; add the copy number, e.g. copy = 1 in [issue]"
                .to_string(),
        );
    }
    if info.secrecy_period.is_some() && info.classification.is_none() {
        out.push(
            "issue.secrecy_period (保密期限) is set without a classification (密级) and is not \
             printed; add classification = \"秘密\" (or 机密, 绝密) in [issue]"
                .to_string(),
        );
    }
    let places = layout.places();
    for field in head_fields(info) {
        if !places.iter().any(|p| p == field) {
            let hint = if field == "signers" {
                " (e.g. layout = \"zhuanbao\")"
            } else {
                ""
            };
            out.push(format!(
                "issue.{field} is set but the layout {} does not place it, so it is not \
                 printed; use a layout that does{hint} or remove it",
                layout.manifest.name
            ));
        }
    }
    out
}

impl Data {
    /// Every piece of text the layout may print, with its place.
    pub fn places(&self) -> Vec<Place> {
        let mut out = Vec::new();
        let mut add = |place: String, text: &str| {
            out.push(Place {
                place,
                text: text.to_string(),
            })
        };
        let b = &self.bulletin;
        add("bulletin.name".into(), &b.name);
        add("bulletin.office".into(), &b.office);
        if let Some(t) = &b.above {
            add("bulletin.above".into(), t);
        }
        if let Some(t) = &b.marker {
            add("bulletin.marker".into(), t);
        }
        add("issue.number".into(), &self.issue.number);
        for (k, v) in [
            ("issue.copy", &self.issue.copy),
            ("issue.secrecy_period", &self.issue.secrecy),
            ("issue.kind", &self.issue.kind),
            ("issue.urgency", &self.issue.urgency),
        ] {
            if let Some(v) = v {
                add(k.into(), v);
            }
        }
        for (i, s) in self.issue.signers.iter().enumerate() {
            add(format!("issue.signers {}", i + 1), s);
        }
        let mut n = 0;
        for col in &self.columns {
            if let Some(name) = &col.name {
                add(format!("column 【{name}】"), name);
            }
            for a in &col.articles {
                n += 1;
                let title: String = a.title_lines.concat();
                let at = format!("article {n} 「{title}」");
                add(format!("{at}, title"), &title);
                add(format!("{at}, TOC title"), &a.toc_title);
                if let Some(note) = &a.note {
                    add(format!("{at}, note label"), &note.label);
                    for (i, blk) in note.blocks.iter().enumerate() {
                        add(format!("{at}, note paragraph {}", i + 1), &blk.text());
                    }
                    if let Some(s) = &note.signer {
                        add(format!("{at}, note signer"), s);
                    }
                }
                for (i, blk) in a.blocks.iter().enumerate() {
                    add(format!("{at}, paragraph {}", i + 1), &blk.text());
                }
                for (i, note) in a.footnotes.iter().enumerate() {
                    add(format!("{at}, footnote {}", i + 1), note);
                }
                if let Some(s) = &a.byline {
                    add(format!("{at}, byline"), s);
                }
            }
        }
        if let Some(f) = &self.footer {
            for (k, v) in [
                ("footer.zhusong", &f.zhusong),
                ("footer.bao", &f.bao),
                ("footer.song", &f.song),
                ("footer.fa", &f.fa),
                ("footer.zengfa", &f.zengfa),
                ("footer.editor", &f.editor),
                ("footer.proofreader", &f.proofreader),
                ("footer.reviewer", &f.reviewer),
                ("footer.approver", &f.approver),
                ("footer.contact", &f.contact),
                ("footer.phone", &f.phone),
                ("footer.printer", &f.printer),
            ] {
                if let Some(v) = v {
                    add(k.into(), v);
                }
            }
        }
        out
    }
}
