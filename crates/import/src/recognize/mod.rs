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
//!
//! Recognition runs in passes over one state ([`State`]): each line is
//! classified once with its evidence (`classify`: size against the body's,
//! colour, alignment, place on the page, repeats across pages, the pattern
//! of its text), then the passes read and change it in turn — `clean`,
//! `running` (running heads), `footer`, `head` (the masthead), `toc` (the
//! contents), `articles` (columns and articles, with `notes` and
//! `tables`), and `tidy` (placeholders, years, the issue as written).
//! Tables and text boxes are containers: a table at the top that holds the
//! name and 第 N 期 is opened into lines for the masthead pass, one at the
//! end that holds 报/送/发 for the footer pass.

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

mod articles;
mod classify;
mod clean;
mod footer;
mod head;
mod lines;
mod notes;
mod running;
mod tables;
mod tidy;
mod toc;

use articles::*;
use classify::*;
use clean::*;
use footer::*;
use head::*;
use lines::*;
use notes::*;
use running::*;
use tables::*;
use tidy::*;
use toc::*;

pub use articles::strip_list_marker;
pub use lines::{
    column_marker, find_date, fix_punctuation, normalize, structural_line, toc_header, FoundDate,
};

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

/// The state the passes work on: the lines and other nodes, what has
/// been found so far, and where the parts of the document are.
struct State {
    draft: Work,
    nodes: Vec<Node>,
    footnotes: Vec<(String, String)>,
    /// The body's font size (the median of the long lines'), when known.
    body_size: Option<f32>,
    /// Where the masthead ends, and the articles start (after the contents).
    head_end: usize,
    toc: Toc,
    body_start: usize,
}

/// Recognises an issue in a document. `stem` names the folder of extracted
/// images (`<stem>-files/`).
pub fn recognize(doc: Doc, stem: &str) -> Recognized {
    let mut s = clean(doc);
    running_heads(&mut s);
    footer(&mut s);
    masthead(&mut s);
    contents(&mut s);
    articles(&mut s, stem);
    tidy(&mut s.draft);
    finish(s.draft)
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
