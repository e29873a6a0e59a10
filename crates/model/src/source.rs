//! Reading issue and series files: bounded reads, encodings, series files
//! merged under the issue, and the checks serde cannot make.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::body;
use crate::error::{self, Error, ErrorKind, Result};
use crate::issue::{self as model, Article, Issue};

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
        let table: toml::Table = toml::from_str(&text).map_err(|e| {
            let schema = model::schema_of(model::SchemaKind::Series);
            error::toml_error_with(ErrorKind::Input, path, &text, &e, Some(&schema))
        })?;
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

/// Whether series files owned by other users are read (`--trust-series`).
static TRUST_OTHERS: AtomicBool = AtomicBool::new(false);

/// Where a series file that was not read is reported (once per file).
static REPORT: OnceLock<fn(&str)> = OnceLock::new();

/// The series files already reported as not read.
static REPORTED: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// Sets the process's policy for series files of other users: `trust`
/// reads them (and searches above folders of other users), and `report`
/// receives, once per file, the message that one was left out.
pub fn series_policy(trust: bool, report: fn(&str)) {
    TRUST_OTHERS.store(trust, Ordering::Relaxed);
    let _ = REPORT.set(report);
}

/// The user running this process.
#[cfg(unix)]
fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The owner of a path (of a link itself, not of what it points to).
#[cfg(unix)]
fn owner(p: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(p).ok().map(|m| m.uid())
}

/// A series file left out, and why.
fn left_out(path: &Path, why: String) {
    let new = REPORTED
        .lock()
        .map(|mut set| set.insert(path.to_path_buf()))
        .unwrap_or(false);
    if let (true, Some(report)) = (new, REPORT.get()) {
        report(&format!(
            "the series file {} was not read: {why}. A series file changes every issue below \
             its folder, so only your own are read; if you trust this one, pass \
             --trust-series (or copy what you need into your own bulletin.toml)",
            crate::text::visible(&path.display().to_string())
        ));
    }
}

/// The series files that apply to an issue: every `bulletin.toml` in its
/// folder and the folders above it, outermost first.
///
/// The search stops, as git's does for its repositories
/// (`safe.directory`), at a boundary: it goes no higher than a folder
/// holding `.git` (the root of a repository), and not into a folder that
/// belongs to another user. A series file that belongs to another user (a
/// link is judged by its own owner) is left out and reported. With
/// [`series_policy`]`(true, …)` both are read.
pub fn series_paths(issue: &Path) -> Vec<PathBuf> {
    let abs = std::path::absolute(issue).unwrap_or_else(|_| issue.to_path_buf());
    let trust = TRUST_OTHERS.load(Ordering::Relaxed);
    let mut found = Vec::new();
    for (i, dir) in abs.ancestors().skip(1).enumerate() {
        let file = dir.join(SERIES_FILE);
        // Anything by that name counts (a broken link or a pipe is then
        // reported, not skipped).
        let present = std::fs::symlink_metadata(&file).is_ok() && file != abs;
        #[cfg(unix)]
        if !trust {
            let me = current_uid();
            if i > 0 && owner(dir).is_some_and(|o| o != me) {
                if present {
                    left_out(
                        &file,
                        format!(
                            "its folder belongs to another user (uid {}), and the search for \
                             series files stops there",
                            owner(dir).unwrap_or_default()
                        ),
                    );
                }
                break;
            }
            if present && owner(&file).is_some_and(|o| o != me) {
                left_out(
                    &file,
                    format!(
                        "it belongs to another user (uid {})",
                        owner(&file).unwrap_or_default()
                    ),
                );
            } else if present {
                found.push(file.clone());
            }
        }
        #[cfg(not(unix))]
        let _ = i;
        if (trust || cfg!(not(unix))) && present {
            found.push(file);
        }
        if std::fs::symlink_metadata(dir.join(".git")).is_ok() {
            break;
        }
    }
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
    use crate::sandbox::{read_bounded, ReadError};
    read_bounded(path, MAX_FILE_BYTES).map_err(|e| {
        Error::input(match e {
            ReadError::Io(e) => format!("{}: cannot read the file: {e}", path.display()),
            ReadError::Folder => format!("{}: is a folder, not an issue file", path.display()),
            ReadError::NotRegular => format!(
                "{}: is not a regular file (a pipe, a socket or a device); give an issue file",
                path.display()
            ),
            ReadError::TooLarge(Some(len)) => format!(
                "{}: the file is {:.1} MiB, over the limit of {} MiB for an issue file",
                path.display(),
                len as f64 / (1u64 << 20) as f64,
                MAX_FILE_BYTES >> 20
            ),
            ReadError::TooLarge(None) => format!(
                "{}: the file is over the limit of {} MiB for an issue file",
                path.display(),
                MAX_FILE_BYTES >> 20
            ),
        })
    })
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
    parse_issue_located(path, bytes, series, encoding).map(|(issue, _)| issue)
}

/// Parses an issue on top of its series files, as [`parse_issue_with`],
/// and says which series file named its layout (`None`: the issue file
/// itself, or no file): a layout is found from the folder of the file that
/// names it.
pub fn parse_issue_located<'s>(
    path: &Path,
    bytes: &[u8],
    series: &'s [Arc<Series>],
    encoding: Encoding,
) -> Result<(Issue, Option<&'s Path>)> {
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
        let issue: Issue = toml::from_str(text)
            .map_err(|e| issue_error(path, text, &e, model::SchemaKind::Issue))?;
        check(path, Some(text), &issue)?;
        return Ok((issue, None));
    }
    let own: toml::Table = toml::from_str(text)
        .map_err(|e| issue_error(path, text, &e, model::SchemaKind::Partial))?;
    let named_in = match own.contains_key("layout") {
        true => None,
        false => series
            .iter()
            .rev()
            .find(|s| s.table.contains_key("layout"))
            .map(|s| s.path.as_path()),
    };
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
            Ok((issue, named_in))
        }
        Err(e) => Err(locate_merged_error(path, text, series, &e)),
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
) -> Error {
    let same = |t: &str| match toml::from_str::<Issue>(t) {
        Err(e2) if e2.message() == e.message() => Some(e2),
        _ => None,
    };
    if let Some(e2) = same(text) {
        return issue_error(path, text, &e2, model::SchemaKind::Partial);
    }
    for s in series.iter().rev() {
        if let Some(e2) = same(&s.text) {
            let schema = model::schema_of(model::SchemaKind::Series);
            return error::toml_error_with(ErrorKind::Input, &s.path, &s.text, &e2, Some(&schema));
        }
    }
    let names: Vec<String> = series
        .iter()
        .map(|s| s.path.display().to_string())
        .collect();
    Error::input(format!(
        "{}: {} (in the issue merged with its series file{} {})",
        path.display(),
        e.message().trim(),
        if names.len() > 1 { "s" } else { "" },
        names.join(", ")
    ))
}

/// A TOML error of an issue file, told with the issue's schema; a
/// corrected line is kept only when the file with it parses as an issue
/// past that line (its values fit their keys).
fn issue_error(path: &Path, text: &str, e: &toml::de::Error, kind: model::SchemaKind) -> Error {
    let schema = model::schema_of(kind);
    let mut err = error::toml_error_with(ErrorKind::Input, path, text, e, Some(&schema));
    if let Some(fix) = err.fix.clone() {
        let fixed = fix.apply(text);
        let still = match kind {
            model::SchemaKind::Issue => toml::from_str::<Issue>(&fixed).err(),
            _ => toml::from_str::<toml::Table>(&fixed).err(),
        };
        // An error of another line (a key missing from its table) is
        // another mistake.
        let same_line = still.is_some_and(|e2| {
            e2.span()
                .is_some_and(|s| error::line_col(&fixed, s.start).0 == fix.line)
        });
        if same_line {
            err.drop_fix();
        }
    }
    err
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
        model::date_of(d.get_ref())
            .map(|_| ())
            .map_err(|m| match text {
                Some(text) => Error::at(ErrorKind::Input, path, text, d.span(), m),
                None => Error::input(format!("{}: {m}", path.display())),
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
        Err(
            match text.and_then(|t| locate_key(t, "bulletin", key).map(|r| (t, r))) {
                Some((t, r)) => Error::at(ErrorKind::Input, path, t, r, m),
                None => Error::input(format!("{}: {m}", path.display())),
            },
        )
    };
    blank("name", &issue.bulletin.name, "工作简报")?;
    if let Some(n) = issue.issue.copy.filter(|n| n.get() > 999_999) {
        let m =
            format!("issue.copy is {n}; a copy number (份号) has at most six digits: 1 to 999999");
        return Err(
            match text.and_then(|t| locate_key(t, "issue", "copy").map(|r| (t, r))) {
                Some((t, r)) => Error::at(ErrorKind::Input, path, t, r, m),
                None => Error::input(format!("{}: {m}", path.display())),
            },
        );
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
    let articles: Vec<&Article> = issue.articles().collect();
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
