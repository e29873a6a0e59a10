//! The layout's view of an issue: the data a layout receives, built from
//! the model.
//!
//! The layout reads this data from the virtual file `/issue.json`. User text
//! only ever reaches Typst as JSON strings, never as markup.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use crate::body;
use crate::content::Block;
use crate::model::{self, Article, Date, Grid, Issue};

/// The data contract between bulletin-pdf and a layout (`/issue.json`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Data {
    pub bulletin: BulletinData,
    pub issue: IssueData,
    pub options: OptionsData,
    /// For each font role, the families to try in order (from the layout).
    pub fonts: BTreeMap<String, Vec<String>>,
    /// The layout's parameters, with the issue's `[style]` applied.
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
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

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BulletinData {
    pub name: String,
    pub above: Option<String>,
    pub office: String,
    pub marker: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
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

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OptionsData {
    pub toc: bool,
    pub toc_page_numbers: bool,
    pub grid: Grid,
    /// The PDF standards the issue asks for (typst-pdf's names, e.g. "a-2b").
    pub pdf_standards: Vec<bulletin_model::issue::PdfStandard>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ColumnData {
    /// None for a bulletin without columns.
    pub name: Option<String>,
    pub articles: Vec<ArticleData>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
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

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NoteData {
    pub label: String,
    pub blocks: Vec<Block>,
    pub signer: Option<String>,
    pub date_text: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
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
    pub email: Option<String>,
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

/// A column's name as the layout prints it, inside its own 【】: brackets
/// written in the file would print twice (【【工作动态】】), so one outer pair
/// is left out, with a warning.
fn column_name(i: usize, name: &str, warnings: &mut Vec<String>) -> String {
    let t = name.trim();
    let inner = t
        .strip_prefix('【')
        .and_then(|t| t.strip_suffix('】'))
        .or_else(|| t.strip_prefix('[').and_then(|t| t.strip_suffix(']')));
    match inner {
        Some(inner) if !inner.contains(['【', '】']) => {
            warnings.push(format!(
                "column {}: name = {t:?} is written with its brackets, which the layout adds \
                 itself (it would print 【{t}】); printed 【{inner}】: write name = {:?}",
                i + 1,
                inner.trim()
            ));
            inner.trim().to_string()
        }
        _ => t.to_string(),
    }
}

/// The issue number as the number line prints it (第 N 期): a number written
/// as 第12期 would print 第 第12期 期, so 第 and 期 are left out, with a
/// warning.
fn issue_number(n: &model::IssueNumber, warnings: &mut Vec<String>) -> String {
    let text = n.to_string();
    let t = text.trim();
    let inner = t
        .strip_prefix('第')
        .and_then(|t| t.strip_suffix('期'))
        .map(str::trim)
        .filter(|x| !x.is_empty());
    match inner {
        Some(inner) => {
            let write = match inner.parse::<u64>() {
                Ok(n) => n.to_string(),
                Err(_) => format!("{inner:?}"),
            };
            warnings.push(format!(
                "issue.number = {t:?}: the layout prints 第 and 期 around the number (it would \
                 print 第 {t} 期); printed 第 {inner} 期: write number = {write}"
            ));
            inner.to_string()
        }
        None => text,
    }
}

/// Why an issue's data could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// A `[style]` value that does not fit the layout's parameters:
    /// `style.KEY: …`, to be placed in the file that sets it.
    Style(crate::layout::StyleError),
    /// A body block (a table, a figure, a footnote): placed in the issue
    /// file already.
    Content(crate::error::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Style(m) => write!(f, "{m}"),
            BuildError::Content(e) => write!(f, "{e}"),
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
            blocks.into_iter().map(Block::from).collect::<Vec<_>>()
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
        .enumerate()
        .map(|(i, c)| -> std::result::Result<ColumnData, BuildError> {
            let name = column_name(i, &c.name, &mut warnings.borrow_mut());
            Ok(ColumnData {
                name: Some(name),
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
    let number = issue_number(&issue.issue.number, &mut warnings.borrow_mut());
    Ok(Data {
        bulletin: BulletinData {
            name: issue.bulletin.name.trim().to_string(),
            above: issue.bulletin.above.clone(),
            office: issue.bulletin.office.clone(),
            marker: issue.bulletin.marker.clone(),
        },
        issue: IssueData {
            number,
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
            email: f.email.clone(),
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
    let omits = layout.omits();
    let named: Vec<String> = issue
        .columns
        .iter()
        .map(|c| c.name.trim())
        .filter(|n| !n.is_empty())
        .map(|n| format!("【{}】", n.trim_start_matches('【').trim_end_matches('】')))
        .collect();
    let no_toc = omits.iter().any(|o| o == "toc") && issue.options.toc;
    let no_columns = omits.iter().any(|o| o == "columns");
    if !named.is_empty() && (no_toc || no_columns) {
        let left_out = match (no_toc, no_columns) {
            (true, true) => "no table of contents and no column markers",
            (true, false) => "no table of contents",
            _ => "no column markers",
        };
        let articles = issue.articles().count();
        out.push(format!(
            "the layout {} prints {left_out}: the issue's {} column{} ({}) {} not printed as \
             such, and its {articles} article{} follow one another; use a layout that prints \
             columns (e.g. layout = \"default\") or put the articles in [[articles]] without \
             columns",
            layout.manifest.name,
            named.len(),
            if named.len() == 1 { "" } else { "s" },
            named.join(""),
            if named.len() == 1 { "is" } else { "are" },
            if articles == 1 { "" } else { "s" },
        ));
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

/// The JSON Schema of the layout's data (`/issue.json`): what a layout may
/// read, as `docs/issue-json.schema.json` holds it.
pub fn view_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Data)).unwrap_or_default();
    if let Some(o) = schema.as_object_mut() {
        o.insert(
            "title".into(),
            "bulletin-pdf /issue.json (what a layout reads)".into(),
        );
    }
    schema
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
        // The footer's text fields, whatever they are: every string the
        // layout may print (the model's fields, by their names).
        if let Some(serde_json::Value::Object(f)) = self
            .footer
            .as_ref()
            .and_then(|f| serde_json::to_value(f).ok())
        {
            for (k, v) in &f {
                if let (false, Some(v)) = (k.ends_with("_text"), v.as_str()) {
                    add(format!("footer.{k}"), v);
                }
            }
        }
        out
    }
}
