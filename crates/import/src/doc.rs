//! What a reader (.docx, .pdf, text) hands the recogniser: the document as a
//! sequence of items in reading order, with the typographic hints the
//! recogniser uses to tell a masthead from a title from a byline.
//!
//! Readers only report what the document says; deciding what a paragraph
//! *is* (name, title, column, byline, footer…) is `recognize`'s job.

/// A document read from a file, in reading order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Doc {
    pub items: Vec<Item>,
    /// Footnotes by the reader's own key (e.g. the .docx footnote id), as
    /// referenced by [`Para::notes`].
    pub footnotes: Vec<(String, String)>,
    /// Things the reader noticed and could not keep (an unsupported object,
    /// an image it could not extract…), for the report.
    pub notices: Vec<String>,
    /// Where the reader guessed (a text of one line split at its spaces),
    /// each written as a `# check:` comment at the top of the issue file.
    pub guesses: Vec<String>,
}

impl Doc {
    /// The document's paragraphs, in order (tables and images left out).
    pub fn paras(&self) -> Vec<&Para> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Para(p) => Some(p),
                _ => None,
            })
            .collect()
    }
}

/// One item of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Para(Para),
    Table(Table),
    Image(Image),
    /// An explicit page break (a .docx page break, or a new page of a PDF).
    PageBreak,
}

/// Horizontal alignment of a paragraph as the document sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
    Justify,
}

/// A paragraph (or, from a PDF, a line or a run of lines that belong
/// together) with its hints. Every hint is optional: text input has none.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Para {
    /// The text, NFC as found; runs joined. A footnote reference is written
    /// `[^KEY]` at its place, KEY being a key of [`Doc::footnotes`].
    pub text: String,
    /// Runs of `text` (byte ranges) set in bold.
    pub bold: Vec<std::ops::Range<usize>>,
    /// Font size in points (the largest in the paragraph).
    pub size: Option<f32>,
    /// The text colour is red (masthead, rules' companions).
    pub red: bool,
    pub align: Align,
    /// The first line's indent in points (2 em of 16 pt = 32 pt), if known.
    pub indent: Option<f32>,
    /// The style name (.docx: "Heading 1", "Title", "标题 1"…).
    pub style: Option<String>,
    /// The outline level (0 = top) from the style or the paragraph.
    pub outline_level: Option<u8>,
    /// A list item: its nesting level (0 or 1) and whether it is numbered.
    pub list: Option<(u8, bool)>,
    /// The family of the first run's font ("FZXiaoBiaoSong-B05S", "仿宋_GB2312").
    pub font: Option<String>,
    /// The page (from 1) it starts on, when the input has pages.
    pub page: Option<u32>,
    /// A horizontal rule (a paragraph border, a drawn line) directly above
    /// or below this paragraph.
    pub rule_above: bool,
    pub rule_below: bool,
    /// Vertical position of the paragraph's top on its page, in points from
    /// the top (PDF only), and the page height, for "bottom of the last
    /// page" tests.
    pub y: Option<f32>,
    pub page_height: Option<f32>,
}

impl Para {
    /// Whether the text is bold throughout (its visible characters).
    pub fn all_bold(&self) -> bool {
        self.text
            .char_indices()
            .all(|(i, c)| c.is_whitespace() || self.bold.iter().any(|r| r.start <= i && i < r.end))
    }
}

/// A table: rows of cells; merged cells carry their spans and are listed
/// once (at their top-left position), as in the issue TOML.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub rows: Vec<Vec<Cell>>,
    /// How many leading rows are header rows (a .docx "repeat as header
    /// row", or 0 when unknown).
    pub header_rows: usize,
    /// The header rows were guessed from how they look (bold or shaded
    /// over plain rows, words over columns of numbers), not marked as such
    /// by the document: the recogniser writes a `# check:` for it.
    pub header_guessed: bool,
    /// The page (from 1) the table starts on, when the input has pages: a
    /// table at the top of a page right after one that filled the page
    /// before may be its continuation.
    pub page: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cell {
    pub text: String,
    pub colspan: u32,
    pub rowspan: u32,
}

/// An image found in the document, with its bytes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Image {
    /// The bytes of the image file (PNG, JPEG, SVG…).
    pub data: Vec<u8>,
    /// The extension to save it with: "png", "jpg", "svg"…
    pub ext: String,
    /// The width it is shown at in the document, in millimetres, if known.
    pub width_mm: Option<f32>,
}

/// Why a reader could not read a document: what kind of trouble, and the
/// message that says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Not a document of the reader's format (a legacy .doc, an Excel
    /// workbook, not a zip archive, not a PDF, no text).
    NotThisFormat(String),
    /// Of the format, but damaged or cut short.
    Damaged(String),
    /// Over a limit that keeps an import bounded (a zip bomb, a huge part,
    /// too deep a tree).
    TooLarge(String),
    /// Encrypted or protected by a password.
    Protected(String),
    /// No text to read, and nothing OCR could read either (no pages, no
    /// images).
    NoText(String),
    /// No text to read, but pages OCR can read: a scan without a text
    /// layer, or text whose fonts cannot be mapped to characters.
    Scan(String),
}

impl ReadError {
    /// The message.
    pub fn message(&self) -> &str {
        match self {
            ReadError::NotThisFormat(m)
            | ReadError::Damaged(m)
            | ReadError::TooLarge(m)
            | ReadError::Protected(m)
            | ReadError::NoText(m)
            | ReadError::Scan(m) => m,
        }
    }

    /// The same kind of error with `context` before its message.
    pub fn context(self, context: impl std::fmt::Display) -> ReadError {
        let with = |m: String| format!("{context}: {m}");
        match self {
            ReadError::NotThisFormat(m) => ReadError::NotThisFormat(with(m)),
            ReadError::Damaged(m) => ReadError::Damaged(with(m)),
            ReadError::TooLarge(m) => ReadError::TooLarge(with(m)),
            ReadError::Protected(m) => ReadError::Protected(with(m)),
            ReadError::NoText(m) => ReadError::NoText(with(m)),
            ReadError::Scan(m) => ReadError::Scan(with(m)),
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for ReadError {}

/// A table cell's text from the items a reader read inside it: its
/// paragraphs a line each, a nested table's cells a line each; an image is
/// left out with a notice. Also whether every paragraph is bold (for
/// [`guess_header_rows`]).
pub fn cell_text(items: Vec<Item>, notices: &mut Vec<String>) -> (String, bool) {
    let mut text = String::new();
    let mut add = |line: &str| {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(line);
    };
    let mut bold = true;
    for item in items {
        match item {
            Item::Para(p) => {
                bold &= p.all_bold();
                add(&p.text);
            }
            Item::Table(t) => t.rows.iter().flatten().for_each(|c| add(&c.text)),
            Item::Image(_) => notices.push("an image inside a table cell was not imported".into()),
            Item::PageBreak => {}
        }
    }
    (text, bold)
}

/// How many leading rows of a table look like its header when the
/// document does not say (a .docx without "repeat as header row", a web
/// page without `<th>`): the first row (as deep as its cells reach down)
/// when every filled cell of it is `marked` (bold or shaded) and some row
/// under it is not, or when it holds words over a column of numbers. 0 when
/// nothing says so. `marked` has a flag per row.
pub fn guess_header_rows(rows: &[Vec<Cell>], marked: &[bool]) -> usize {
    if rows.len() < 2 {
        return 0;
    }
    let depth = rows[0]
        .iter()
        .map(|c| c.rowspan.max(1) as usize)
        .max()
        .unwrap_or(1);
    if depth >= rows.len() {
        return 0;
    }
    let is_marked = |r: usize| marked.get(r).copied().unwrap_or(false);
    if (0..depth).all(is_marked) && (depth..rows.len()).any(|r| !is_marked(r)) {
        return depth;
    }
    // Words over numbers: a plain grid (no spans), a first row of words,
    // and a column whose every other cell is a number.
    let width = rows[0].len();
    let plain = rows
        .iter()
        .all(|r| r.len() == width && r.iter().all(|c| c.colspan <= 1 && c.rowspan <= 1));
    if !plain
        || width < 2
        || rows[0]
            .iter()
            .any(|c| c.text.trim().is_empty() || number(&c.text))
    {
        return 0;
    }
    let numeric_column = (0..width).any(|col| {
        rows[1..]
            .iter()
            .all(|r| number(&r[col].text) || r[col].text.trim().is_empty())
            && rows[1..].iter().any(|r| number(&r[col].text))
    });
    usize::from(numeric_column)
}

/// A cell that holds a number (12, 3.5%, -4, 1,200, 45.6万).
fn number(s: &str) -> bool {
    let s = s.trim();
    let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
    let numeric = s
        .chars()
        .filter(|c| c.is_ascii_digit() || ".,%‰+-－—–".contains(*c))
        .count();
    digits > 0 && numeric * 10 >= s.chars().count() * 7
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(t: &[&[&str]]) -> Vec<Vec<Cell>> {
        t.iter()
            .map(|r| {
                r.iter()
                    .map(|s| Cell {
                        text: s.to_string(),
                        colspan: 1,
                        rowspan: 1,
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_header_is_guessed_from_marks_or_from_words_over_numbers() {
        let t = rows(&[
            &["项目", "完成数", "占比"],
            &["甲", "12", "30%"],
            &["乙", "28", "70%"],
        ]);
        assert_eq!(guess_header_rows(&t, &[true, false, false]), 1);
        // Words over a column of numbers, nothing marked.
        assert_eq!(guess_header_rows(&t, &[false, false, false]), 1);
        // Every row bold: no header told apart; words only: none either.
        let words = rows(&[&["姓名", "单位"], &["张三", "办公室"], &["李四", "财务科"]]);
        assert_eq!(guess_header_rows(&words, &[false, false, false]), 0);
        assert_eq!(guess_header_rows(&words, &[true, true, true]), 0);
        assert_eq!(guess_header_rows(&words, &[true, false, false]), 1);
        // A first row of numbers is data.
        let nums = rows(&[&["1", "2"], &["3", "4"]]);
        assert_eq!(guess_header_rows(&nums, &[false, false]), 0);
        // One row: no header.
        assert_eq!(guess_header_rows(&t[..1], &[true]), 0);
    }
}
