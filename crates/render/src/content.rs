//! Rich content in an article's body: tables, figures, lists and footnotes,
//! from the blocks (`[[columns.articles.body]]`, see
//! `docs/blocks.md`) to the data a layout receives.
//!
//! Everything stays data: cells, captions and items reach the layout as JSON
//! strings (with the same `**emphasis**` and `[^KEY]` footnote references as
//! paragraphs), and CSV files and images are read here, through the issue's
//! sandbox, so that a missing or unreadable one is reported at the line that
//! names it.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;

use crate::body::{self, NoteRef, Run};
use crate::error::{Error, ErrorKind};
use crate::model::{Article, BlockKind, Body, BodyBlock, Cell, CellAlign, ListItem, Width};

/// One block of an article's body as the layout receives it: the text
/// blocks of the body grammar ([`body::Block`]) and the rich blocks.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Block {
    /// A heading of level 1 (一、), 2 (（一）), 3 (1.) or 4 (（1）).
    Heading { level: u8, text: String },
    /// A paragraph, with an optional run-in lead before its runs.
    Para {
        lead: Option<String>,
        runs: Vec<Run>,
    },
    /// A table (see [`Table`]).
    Table(Table),
    /// A figure: one image or two side by side.
    Figure(Figure),
    /// A bulleted or numbered list.
    List(List),
}

impl From<body::Block> for Block {
    fn from(b: body::Block) -> Block {
        match b {
            body::Block::Heading { level, text } => Block::Heading { level, text },
            body::Block::Para { lead, runs } => Block::Para { lead, runs },
        }
    }
}

impl Block {
    /// The block's whole text, as a reader sees it.
    pub fn text(&self) -> String {
        match self {
            Block::Heading { text, .. } => text.clone(),
            Block::Para { lead, runs } => {
                let mut s = lead.clone().unwrap_or_default();
                s.push_str(&body::runs_text(runs));
                s
            }
            Block::Table(t) => t.text(),
            Block::Figure(f) => f.text(),
            Block::List(l) => l.text(),
        }
    }
}

/// Where an issue's text is, for messages about its blocks.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The issue file.
    pub path: &'a Path,
    /// Its text, and whether the spans of the parsed issue point into it
    /// (they do not when series files were merged in).
    pub text: Option<&'a str>,
    pub spans: bool,
    /// The folder, where CSV files and images are read (through the
    /// sandbox); `None` reads nothing (images are then not checked, and a
    /// CSV table is an error).
    pub dir: Option<&'a crate::sandbox::Root>,
}

impl<'a> Context<'a> {
    /// An issue known by its path only: messages name the file, and no file
    /// of its folder is read (a CSV table is then an error, images are not
    /// checked).
    pub fn detached(path: &'a Path) -> Context<'a> {
        Context {
            path,
            text: None,
            spans: false,
            dir: None,
        }
    }

    /// `file:line:column` of `span` (or of the file alone).
    fn place(&self, span: Range<usize>) -> String {
        match self.text.filter(|_| self.spans) {
            Some(text) => {
                let (l, c) = crate::error::line_col(text, span.start);
                format!("{}:{l}:{c}", self.path.display())
            }
            None => self.path.display().to_string(),
        }
    }

    /// A message placed at `span` (or where `needle` is written in the
    /// file when spans are not usable), else at the file.
    fn at(&self, span: Option<Range<usize>>, needle: Option<&str>, message: &str) -> Error {
        if let Some(text) = self.text {
            let range = span.filter(|_| self.spans).or_else(|| {
                let n = needle?;
                let quoted = format!("\"{n}\"");
                text.find(&quoted)
                    .map(|i| i..i + quoted.len())
                    .or_else(|| text.find(n).map(|i| i..i + n.len()))
            });
            if let Some(r) = range {
                return Error::at(ErrorKind::Input, self.path, text, r, message);
            }
        }
        Error::input(format!("{}: {message}", self.path.display()))
    }
}

/// Why a table or a figure cannot be built: a message about the block, to
/// be placed at it, or an error placed already (at a CSV file's or an
/// image's name).
enum Problem {
    Plain(String),
    Placed(Error),
}

impl From<String> for Problem {
    fn from(m: String) -> Problem {
        Problem::Plain(m)
    }
}

impl From<Error> for Problem {
    fn from(e: Error) -> Problem {
        Problem::Placed(e)
    }
}

/// A table as the layout receives it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Table {
    pub caption: Option<String>,
    /// The caption over a continuation page: 续表1 for 表1 ….
    pub continued: String,
    /// How many columns the table has.
    pub columns: usize,
    pub header: Vec<Vec<CellData>>,
    pub rows: Vec<Vec<CellData>>,
    /// Each column's alignment: "left", "center" or "right".
    pub align: Vec<CellAlign>,
    /// Each column's width.
    pub widths: Vec<WidthData>,
    pub note: Option<String>,
    pub landscape: bool,
    /// Where the table is written (file:line:column), for the layout's
    /// messages (a table wider than the type block).
    pub place: String,
}

/// A table cell.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CellData {
    pub runs: Vec<Run>,
    pub colspan: u32,
    pub rowspan: u32,
    /// The cell's own alignment, when it differs from its column's.
    pub align: Option<CellAlign>,
}

/// A width: `{"fr": 2}` (a share), `{"ratio": 0.8}` (of the type block) or
/// `{"pt": 340.2}`; `"auto"` when unset.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WidthData {
    Auto,
    Fr(f64),
    Ratio(f64),
    Pt(f64),
}

/// A figure: one image, or two side by side.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Figure {
    pub images: Vec<ImageData>,
    /// The figure's caption (under all its images).
    pub caption: Option<String>,
    pub place: String,
}

/// One image of a figure.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ImageData {
    /// The path the layout reads it from: `/issue-files/…`.
    pub path: String,
    pub caption: Option<String>,
    pub width: WidthData,
    /// Its size in pixels (or SVG user units), when it could be read.
    pub size: Option<(u32, u32)>,
}

/// A bulleted or numbered list.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct List {
    pub numbered: bool,
    pub items: Vec<ItemData>,
}

/// A list item and its nested items.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ItemData {
    pub runs: Vec<Run>,
    pub items: Vec<Vec<Run>>,
}

impl Table {
    /// Caption, cells and note, as a reader reads them.
    pub fn text(&self) -> String {
        let mut s = self.caption.clone().unwrap_or_default();
        for row in self.header.iter().chain(&self.rows) {
            for c in row {
                s.push(' ');
                s.push_str(&body::runs_text(&c.runs));
            }
        }
        if let Some(n) = &self.note {
            s.push(' ');
            s.push_str(n);
        }
        s
    }
}

impl Figure {
    /// The captions.
    pub fn text(&self) -> String {
        let mut v: Vec<&str> = self
            .images
            .iter()
            .filter_map(|i| i.caption.as_deref())
            .collect();
        v.extend(self.caption.as_deref());
        v.join(" ")
    }
}

impl List {
    /// The items' text.
    pub fn text(&self) -> String {
        let mut v = Vec::new();
        for i in &self.items {
            v.push(body::runs_text(&i.runs));
            v.extend(i.items.iter().map(|r| body::runs_text(r)));
        }
        v.join(" ")
    }
}

/// The most rows a table may have (a CSV file included).
pub const MAX_ROWS: usize = 5_000;
/// The most columns a table may have.
pub const MAX_COLUMNS: usize = 50;

/// Footnote numbering within one article.
struct Notes<'a> {
    defined: &'a BTreeMap<String, String>,
    order: Vec<String>,
}

impl Notes<'_> {
    /// Splits `[^KEY]` references out of runs.
    fn split(&mut self, runs: Vec<Run>) -> Result<Vec<Run>, String> {
        let mut out = Vec::new();
        for run in runs {
            let mut rest = run.text.as_str();
            while let Some(at) = rest.find("[^") {
                let Some((key, tail)) = body::note_ref(&rest[at + 2..]) else {
                    break;
                };
                if !self.defined.contains_key(key) {
                    return Err(format!(
                        "[^{key}] refers to the footnote {key:?}, which this article does not \
                         have: add it under the article, e.g. [columns.articles.footnotes] then \
                         {key} = \"注释的文字。\" (or write the text without [^…])"
                    ));
                }
                // The character before the mark and the closing punctuation
                // after it go with it.
                let before = &rest[..at];
                let split = before.char_indices().last().map_or(0, |(i, _)| i);
                if split > 0 {
                    out.push(Run::new(&before[..split], run.strong));
                }
                let first = !self.order.iter().any(|k| k == key);
                if first {
                    self.order.push(key.to_string());
                }
                let number = self.order.iter().position(|k| k == key).unwrap_or(0) as u32 + 1;
                let closing = tail
                    .char_indices()
                    .find(|&(_, c)| !is_closing(c))
                    .map_or(tail.len(), |(i, _)| i);
                out.push(Run {
                    text: before[split..].to_string(),
                    strong: run.strong,
                    note: Some(NoteRef {
                        number,
                        first,
                        after: tail[..closing].to_string(),
                    }),
                });
                rest = &tail[closing..];
                continue;
            }
            if !rest.is_empty() {
                out.push(Run::new(rest, run.strong));
            }
        }
        if out.is_empty() {
            out.push(Run::new("", false));
        }
        Ok(out)
    }

    fn runs_of(&mut self, text: &str) -> Result<Vec<Run>, String> {
        self.split(body::runs(text))
    }

    fn blocks(&mut self, blocks: Vec<body::Block>) -> Result<Vec<Block>, String> {
        blocks
            .into_iter()
            .map(|b| match b {
                body::Block::Para { lead, runs } => Ok(Block::Para {
                    lead,
                    runs: self.split(runs)?,
                }),
                other => Ok(other.into()),
            })
            .collect()
    }
}

/// Punctuation that may not start a line.
fn is_closing(c: char) -> bool {
    "，。、；：！？）》」』”’】〕…—,.;:!?)".contains(c)
}

/// An article's body as blocks, with its footnotes' texts in the order of
/// their numbers. `warnings` receives the guesses made reading its text
/// (prefixed by `what`).
pub fn article(
    a: &Article,
    detect: bool,
    what: &str,
    ctx: &Context<'_>,
    warnings: &mut Vec<String>,
) -> Result<(Vec<Block>, Vec<String>), Error> {
    let mut notes = Notes {
        defined: &a.footnotes,
        order: Vec::new(),
    };
    let text_blocks = |text: &str, warnings: &mut Vec<String>, label: &str| {
        let (blocks, found) = body::parse_checked(text, detect);
        warnings.extend(found.iter().map(|w| format!("{what}{label}: {w}")));
        blocks
    };
    let mut out = Vec::new();
    match &a.body {
        Body::Text(text) => {
            let blocks = text_blocks(text, warnings, "");
            out = notes
                .blocks(blocks)
                .map_err(|m| ctx.at(None, Some(first_ref(text)), &format!("{what}: {m}")))?;
        }
        Body::Blocks(list) => {
            if list.is_empty() {
                return Err(ctx.at(
                    None,
                    None,
                    &format!("{what} has an empty body: write body = \"\"\"…\"\"\" or blocks"),
                ));
            }
            for (i, spanned) in list.iter().enumerate() {
                let b = spanned.get_ref();
                let span = Some(spanned.span());
                let label = format!(", block {}", i + 1);
                let fail = |m: String| ctx.at(span.clone(), None, &format!("{what}{label}: {m}"));
                let kind = b.kind().map_err(fail)?;
                match kind {
                    BlockKind::Text => {
                        let text = b.text.as_deref().unwrap_or_default();
                        let blocks = text_blocks(text, warnings, &label);
                        out.extend(notes.blocks(blocks).map_err(|m| {
                            ctx.at(None, Some(first_ref(text)), &format!("{what}{label}: {m}"))
                        })?);
                    }
                    BlockKind::Table => {
                        let place = ctx.place(spanned.span());
                        out.push(Block::Table(table(b, &mut notes, ctx, place).map_err(
                            |p| match p {
                                Problem::Placed(e) => e,
                                Problem::Plain(m) => fail(m),
                            },
                        )?));
                    }
                    BlockKind::Figure => {
                        let place = ctx.place(spanned.span());
                        out.push(Block::Figure(
                            figure(b, ctx, place, spanned.span()).map_err(|p| match p {
                                Problem::Placed(e) => e,
                                Problem::Plain(m) => fail(m),
                            })?,
                        ));
                    }
                    BlockKind::List => {
                        out.push(Block::List(list_block(b, &mut notes).map_err(fail)?));
                    }
                }
            }
        }
    }
    let unused: Vec<&String> = a
        .footnotes
        .keys()
        .filter(|k| !notes.order.contains(k))
        .collect();
    if let Some(k) = unused.first() {
        return Err(ctx.at(
            None,
            Some(&a.footnotes[*k]),
            &format!(
                "{what}: the footnote {k:?} is never referred to: put [^{k}] in the text where \
                 its mark belongs, or remove it"
            ),
        ));
    }
    let texts = notes
        .order
        .iter()
        .map(|k| a.footnotes[k].trim().to_string())
        .collect();
    Ok((out, texts))
}

/// Where a footnote reference is, to place a message about it.
fn first_ref(text: &str) -> &str {
    text.find("[^")
        .map(|i| {
            let rest = &text[i..];
            &rest[..rest.find(']').map_or(rest.len(), |e| e + 1)]
        })
        .unwrap_or("")
}

fn table(
    b: &BodyBlock,
    notes: &mut Notes<'_>,
    ctx: &Context<'_>,
    place: String,
) -> Result<Table, Problem> {
    let (header, rows): (Vec<Vec<Cell>>, Vec<Vec<Cell>>) = match (&b.rows, &b.csv) {
        (Some(rows), _) => (b.header.clone().unwrap_or_default(), rows.clone()),
        (None, Some(csv)) => {
            let mut all = read_csv(csv, ctx)?;
            let n = (b.header_rows.unwrap_or(1) as usize).min(all.len());
            let rest = all.split_off(n);
            let mut header = b.header.clone().unwrap_or_default();
            header.extend(all);
            (header, rest)
        }
        (None, None) => unreachable!("a table has rows or csv"),
    };
    if rows.is_empty() {
        return Err(Problem::Plain(
            "the table has no rows: write rows = [[\"丰县\", 3], …]".into(),
        ));
    }
    if header.len() + rows.len() > MAX_ROWS {
        return Err(Problem::Plain(format!(
            "the table has {} rows; a table may have at most {MAX_ROWS}",
            header.len() + rows.len()
        )));
    }
    let all: Vec<&Vec<Cell>> = header.iter().chain(rows.iter()).collect();
    let columns = grid_width(&all, header.len())?;
    let mut align: Vec<CellAlign> = match &b.align {
        Some(a) => {
            if a.len() != columns {
                return Err(Problem::Plain(format!(
                    "align has {} entries for a table of {columns} columns: give one per column, \
                     e.g. align = [{}]",
                    a.len(),
                    (0..columns)
                        .map(|i| if i == 0 { "\"left\"" } else { "\"right\"" })
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            a.clone()
        }
        None => default_align(&rows, columns),
    };
    align.truncate(columns);
    let widths = match &b.widths {
        Some(w) => {
            if w.len() != columns {
                return Err(Problem::Plain(format!(
                    "widths has {} entries for a table of {columns} columns: give one per \
                     column, e.g. widths = [{}]",
                    w.len(),
                    vec!["1"; columns].join(", ")
                )));
            }
            w.iter()
                .map(|w| match *w {
                    Width::Number(n) => WidthData::Fr(n),
                    Width::Points(p) => WidthData::Pt(p),
                })
                .collect()
        }
        None => default_widths(&header, &rows, columns),
    };
    let mut cells = |rows: &[Vec<Cell>]| -> Result<Vec<Vec<CellData>>, String> {
        rows.iter()
            .map(|row| {
                row.iter()
                    .map(|c| {
                        let (colspan, rowspan, align) = match c {
                            Cell::Full(f) => {
                                (f.colspan.unwrap_or(1), f.rowspan.unwrap_or(1), f.align)
                            }
                            _ => (1, 1, None),
                        };
                        Ok(CellData {
                            runs: notes.runs_of(c.text().trim())?,
                            colspan,
                            rowspan,
                            align,
                        })
                    })
                    .collect()
            })
            .collect()
    };
    let caption = b
        .caption
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    Ok(Table {
        continued: continued(caption),
        caption: caption.map(String::from),
        columns,
        header: cells(&header)?,
        rows: cells(&rows)?,
        align,
        widths,
        note: b.note.clone(),
        landscape: b.landscape.unwrap_or(false),
        place,
    })
}

/// The caption over a continuation page: 续表1 … for 表1 …, 续表 … for
/// another caption, 续表 for none.
fn continued(caption: Option<&str>) -> String {
    match caption {
        None => "续表".into(),
        Some(c) if c.starts_with('表') => format!("续{c}"),
        Some(c) => format!("续表 {c}"),
    }
}

/// The number of columns of a table, checking that every row fills the
/// same number of grid cells (column spans counted, cells covered by a
/// row span from above counted too).
fn grid_width(rows: &[&Vec<Cell>], header: usize) -> Result<usize, String> {
    // For each column, how many rows further down it is still covered.
    let mut covered: Vec<u32> = Vec::new();
    let mut width = None;
    for (i, row) in rows.iter().enumerate() {
        let name = if i < header {
            format!("header row {}", i + 1)
        } else {
            format!("row {}", i - header + 1)
        };
        let mut col = 0usize;
        for cell in row.iter() {
            while covered.get(col).is_some_and(|&c| c > 0) {
                col += 1;
            }
            let (cs, rs) = match cell {
                Cell::Full(f) => (f.colspan.unwrap_or(1), f.rowspan.unwrap_or(1)),
                _ => (1, 1),
            };
            if cs == 0 || rs == 0 {
                return Err(format!(
                    "{name}: a colspan or rowspan of 0; spans count from 1"
                ));
            }
            if covered.len() < col + cs as usize {
                covered.resize(col + cs as usize, 0);
            }
            for c in &mut covered[col..col + cs as usize] {
                if *c > 0 {
                    return Err(format!(
                        "{name}: the cell 「{}」 overlaps a cell spanning rows from above; leave \
                         the covered cells out of this row",
                        cell.text()
                    ));
                }
                *c = rs;
            }
            col += cs as usize;
        }
        while covered.get(col).is_some_and(|&c| c > 0) {
            col += 1;
        }
        let w = covered.len().max(col);
        if w > MAX_COLUMNS {
            return Err(format!(
                "{name} has {w} columns; a table may have at most {MAX_COLUMNS}"
            ));
        }
        match width {
            None => width = Some(col),
            Some(expected) if expected != col => {
                let first = if header > 0 {
                    "the first header row"
                } else {
                    "the first row"
                };
                return Err(format!(
                    "{name} fills {col} columns but {first} fills {expected} (cells with colspan \
                     count as several, cells covered by a rowspan from above as one each): \
                     every row must fill the same columns"
                ));
            }
            _ => {}
        }
        for c in &mut covered {
            *c = c.saturating_sub(1);
        }
    }
    if let Some(i) = covered.iter().position(|&c| c > 0) {
        return Err(format!(
            "a cell in column {} spans more rows than the table has",
            i + 1
        ));
    }
    Ok(width.unwrap_or(0))
}

/// A cell's text is a number: 12, -3.5, 1,234, 12.5%, or a dash for none.
fn numeric(s: &str) -> bool {
    let s = s.trim();
    if matches!(s, "—" | "-" | "－" | "——" | "") {
        return true;
    }
    let s = s.strip_suffix('%').unwrap_or(s);
    let s = s.strip_prefix(['-', '+', '－']).unwrap_or(s);
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
}

/// Columns of numbers right-aligned, others centred when short, left-aligned
/// when long.
fn default_align(rows: &[Vec<Cell>], columns: usize) -> Vec<CellAlign> {
    (0..columns)
        .map(|col| {
            // Plain rows only (spans make the column of a cell ambiguous).
            let texts: Vec<String> = rows
                .iter()
                .filter(|r| r.len() == columns)
                .map(|r| r[col].text())
                .collect();
            if !texts.is_empty()
                && texts.iter().all(|t| numeric(t))
                && texts.iter().any(|t| !t.trim().is_empty())
            {
                CellAlign::Right
            } else if texts.iter().all(|t| t.chars().count() <= 10) {
                CellAlign::Center
            } else {
                CellAlign::Left
            }
        })
        .collect()
}

/// Shares of the type block by the widest text of each column (a Chinese
/// character counting two, a narrow one one), between 4 and 24, so that a
/// table fills the type block and long columns get more of it.
fn default_widths(header: &[Vec<Cell>], rows: &[Vec<Cell>], columns: usize) -> Vec<WidthData> {
    let width = |s: &str| -> usize {
        s.chars()
            .map(|c| if (c as u32) < 0x2E80 { 1 } else { 2 })
            .sum()
    };
    (0..columns)
        .map(|col| {
            let widest = header
                .iter()
                .chain(rows)
                .filter(|r| r.len() == columns)
                .map(|r| width(&r[col].text()))
                .max()
                .unwrap_or(4);
            WidthData::Fr(widest.clamp(4, 24) as f64)
        })
        .collect()
}

/// Reads a CSV table from the folder.
fn read_csv(csv: &toml::Spanned<String>, ctx: &Context<'_>) -> Result<Vec<Vec<Cell>>, Error> {
    let name = csv.get_ref();
    let at = |m: String| ctx.at(Some(csv.span()), Some(name), &m);
    let bytes = read(name, ctx, "the CSV file").map_err(at)?;
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)).map_err(
        |_| {
            at(format!(
                "{name} is not UTF-8: save it from the spreadsheet as \"CSV UTF-8\""
            ))
        },
    )?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| at(format!("{name}, record {}: {e}", i + 1)))?;
        if rows.len() >= MAX_ROWS {
            return Err(at(format!(
                "{name} has more than {MAX_ROWS} rows, the most a table may have"
            )));
        }
        let row: Vec<Cell> = rec
            .iter()
            .map(|f| Cell::Text(f.trim().to_string()))
            .collect();
        if row.iter().all(|c| c.text().is_empty()) {
            continue;
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(at(format!("{name} is empty: a table needs rows")));
    }
    // Short rows (a spreadsheet drops trailing empty cells) are padded.
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    for r in &mut rows {
        r.resize(width, Cell::Text(String::new()));
    }
    Ok(rows)
}

/// Reads a file of the folder through the sandbox.
fn read(name: &str, ctx: &Context<'_>, what: &str) -> Result<Vec<u8>, String> {
    let Some(dir) = ctx.dir else {
        return Err(format!(
            "{what} {name} cannot be read here (no issue folder)"
        ));
    };
    use crate::sandbox::Refusal;
    dir.read(name.trim()).map_err(|r| match r {
        Refusal::Missing => format!(
            "{what} {name} is not there: the path is relative to the issue file's folder ({}); \
             check its name and folder",
            dir.path().display()
        ),
        Refusal::Outside => format!(
            "{what} {name} is outside the issue's folder: give a path inside it, such as \
             photos/site.jpg (no .., no absolute path, no link leading out)"
        ),
        Refusal::Io(m) => format!("{what} {name}: {m}"),
    })
}

/// Where `key = …` is written in a block of the text (the block's
/// span, or from its start to the next table header), from byte `from` on:
/// the span of its value. The reader keeps no spans for such values.
fn key_in_block(
    ctx: &Context<'_>,
    block: &Range<usize>,
    from: usize,
    key: &str,
) -> Option<Range<usize>> {
    let text = ctx.text.filter(|_| ctx.spans)?;
    let start = from.max(block.start).min(text.len());
    let end = text[start..]
        .find("\n[")
        .map_or(text.len(), |i| start + i)
        .max(block.end.min(text.len()));
    let region = text.get(start..end)?;
    let mut i = 0;
    while let Some(j) = region[i..].find(key) {
        let at = i + j;
        i = at + key.len();
        let before = region[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &region[i..];
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let v = value.trim_start();
        let v_start = start + i + (rest.len() - v.len());
        let len = v.find([',', '}', '\n', '#']).unwrap_or(v.len());
        return Some(v_start..v_start + v[..len].trim_end().len().max(1));
    }
    None
}

fn figure(
    b: &BodyBlock,
    ctx: &Context<'_>,
    place: String,
    block: Range<usize>,
) -> Result<Figure, Problem> {
    // Each image, its caption, its width and where that width is written.
    type Entry<'b> = (
        &'b toml::Spanned<String>,
        Option<String>,
        Option<Width>,
        Option<Range<usize>>,
    );
    let mut list: Vec<Entry<'_>> = Vec::new();
    let block_width = || key_in_block(ctx, &block, block.start, "width");
    if let Some(i) = &b.image {
        list.push((i, None, b.width, block_width()));
    }
    if let Some(images) = &b.images {
        if images.is_empty() || images.len() > 2 {
            return Err(Problem::Plain(format!(
                "images has {} entries: a figure holds one image (image = …) or two side by \
                 side (images = [{{ image = \"a.jpg\" }}, {{ image = \"b.jpg\" }}])",
                images.len()
            )));
        }
        for i in images {
            let at = match i.width {
                Some(_) => key_in_block(ctx, &block, i.image.span().start, "width"),
                None => block_width(),
            };
            list.push((&i.image, i.caption.clone(), i.width.or(b.width), at));
        }
    }
    let images = list
        .into_iter()
        .map(|(name, caption, width, width_at)| {
            let at = |m: String| ctx.at(Some(name.span()), Some(name.get_ref()), &m);
            let at_width = |m: String| match width_at.clone() {
                Some(r) => ctx.at(Some(r), None, &m),
                None => at(m),
            };
            let rel = name.get_ref().trim();
            let size = match ctx.dir {
                Some(_) => {
                    Some(image_size(rel, &read(rel, ctx, "the image").map_err(at)?).map_err(at)?)
                }
                None => None,
            };
            let width = match width {
                None => WidthData::Auto,
                Some(Width::Number(f)) if f <= 1.0 => WidthData::Ratio(f),
                Some(Width::Number(f)) => {
                    return Err(Problem::Placed(at_width(format!(
                        "width = {f}: a number is a fraction of the type block, at most 1 (0.8); \
                         write a length as a string: width = \"120mm\""
                    ))))
                }
                Some(Width::Points(p)) => WidthData::Pt(p),
            };
            Ok(ImageData {
                path: format!("/issue-files/{rel}"),
                caption: caption
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty()),
                width,
                size: size.flatten(),
            })
        })
        .collect::<Result<Vec<_>, Problem>>()?;
    Ok(Figure {
        images,
        caption: b
            .caption
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from),
        place,
    })
}

/// Checks that a file is a PNG, JPEG or SVG image, and reads its size in
/// pixels when the header says it (SVG: none).
/// The pixel size of a PNG or JPEG (none for an SVG), or why the file is not
/// an image a layout can show.
fn image_size(name: &str, bytes: &[u8]) -> Result<Option<(u32, u32)>, String> {
    bulletin_model::image::image_size(bytes)
        .map(|(_, size)| size)
        .map_err(|what| {
            format!(
                "the image {name} {what}: use a PNG, JPEG or SVG file (save it again from an \
                 image editor)"
            )
        })
}

fn list_block(b: &BodyBlock, notes: &mut Notes<'_>) -> Result<List, String> {
    let items = b.items.as_deref().unwrap_or_default();
    if items.is_empty() {
        return Err("the list has no items: items = [\"第一项\", \"第二项\"]".into());
    }
    let items = items
        .iter()
        .map(|i: &ListItem| {
            let (text, nested) = i.parts();
            Ok(ItemData {
                runs: notes.runs_of(text.trim())?,
                items: nested
                    .iter()
                    .map(|t| notes.runs_of(t.trim()))
                    .collect::<Result<_, String>>()?,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(List {
        numbered: b.numbered.unwrap_or(false),
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(rows: &[&[&str]]) -> Vec<Vec<Cell>> {
        rows.iter()
            .map(|r| r.iter().map(|c| Cell::Text(c.to_string())).collect())
            .collect()
    }

    #[test]
    fn spans_fill_the_grid() {
        let span = |t: &str, c, r| {
            Cell::Full(crate::model::FullCell {
                text: t.into(),
                colspan: Some(c),
                rowspan: Some(r),
                align: None,
            })
        };
        let header = cells(&[&["县", "a", "b"]]);
        let mut rows = vec![vec![
            span("丰县", 1, 2),
            Cell::Text("1".into()),
            Cell::Text("2".into()),
        ]];
        rows.push(cells(&[&["3", "4"]]).remove(0));
        rows.push(vec![span("合计", 2, 1), Cell::Text("9".into())]);
        let all: Vec<&Vec<Cell>> = header.iter().chain(rows.iter()).collect();
        assert_eq!(grid_width(&all, 1), Ok(3));
        let bad = cells(&[&["a", "b", "c"], &["d", "e"]]);
        let all: Vec<&Vec<Cell>> = bad.iter().collect();
        let e = grid_width(&all, 0).unwrap_err();
        assert!(e.contains("row 2 fills 2 columns"), "{e}");
    }

    #[test]
    fn continuation_captions() {
        assert_eq!(continued(Some("表1 各县情况")), "续表1 各县情况");
        assert_eq!(continued(Some("各县情况")), "续表 各县情况");
        assert_eq!(continued(None), "续表");
    }

    #[test]
    fn numbers_are_recognised() {
        for s in ["12", "-3.5", "1,234", "12.5%", "—", "+4"] {
            assert!(numeric(s), "{s}");
        }
        for s in ["丰县", "12个", "a1"] {
            assert!(!numeric(s), "{s}");
        }
    }

    #[test]
    fn image_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(640u32.to_be_bytes());
        png.extend(480u32.to_be_bytes());
        assert_eq!(image_size("a.png", &png), Ok(Some((640, 480))));
        assert!(image_size("a.gif", b"GIF89a....")
            .unwrap_err()
            .contains("GIF"));
        assert_eq!(image_size("a.svg", b"<svg xmlns='x'/>"), Ok(None));
        assert!(image_size("a.jpg", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 4]).is_err());
    }

    #[test]
    fn footnote_references() {
        let mut defined = BTreeMap::new();
        defined.insert("1".to_string(), "注".to_string());
        defined.insert("a".to_string(), "注".to_string());
        let mut n = Notes {
            defined: &defined,
            order: Vec::new(),
        };
        let r = n.runs_of("甲[^a]乙乙[^1]。丙[^a]").unwrap();
        let marks: Vec<_> = r
            .iter()
            .filter_map(|r| {
                r.note
                    .as_ref()
                    .map(|n| (r.text.as_str(), n.number, n.first, n.after.as_str()))
            })
            .collect();
        assert_eq!(
            marks,
            [
                ("甲", 1, true, ""),
                ("乙", 2, true, "。"),
                ("丙", 1, false, "")
            ]
        );
        assert_eq!(body::runs_text(&r), "甲乙乙。丙");
        assert!(n.runs_of("x[^9]").unwrap_err().contains("[^9]"));
    }
}
