//! The issue description: what a bulletin issue's TOML file holds.
//!
//! Every table rejects unknown keys (serde's `deny_unknown_fields`), so a typo
//! is reported with the list of keys that are valid at that place.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::value::Datetime;
use toml::Spanned;

/// One issue of a bulletin, as written in its TOML file.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Issue {
    /// The bulletin (the series): masthead and issuing office.
    pub bulletin: Bulletin,
    /// This issue's number and date.
    pub issue: IssueInfo,
    /// Rendering options.
    #[serde(default)]
    pub options: Options,
    /// Columns (栏目) in order, each holding articles.
    #[serde(default)]
    pub columns: Vec<Column>,
    /// Articles of a bulletin without columns.
    #[serde(default)]
    pub articles: Vec<Article>,
    /// The distribution footer (报尾).
    #[serde(default)]
    pub footer: Option<Footer>,
    /// The layout: a bundled layout's name, a folder in ./layouts/, or a
    /// folder relative to this file.
    #[serde(default)]
    #[schemars(example = &"default")]
    pub layout: Option<String>,
    /// Overrides of the layout's parameters.
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, serde_json::Value>")]
    #[schemars(example = serde_json::json!({ "red": "#C00000" }))]
    pub style: toml::Table,
}

impl Issue {
    /// Every article, in order (in their columns, or without columns).
    pub fn articles(&self) -> impl Iterator<Item = &Article> {
        self.columns
            .iter()
            .flat_map(|c| c.articles.iter())
            .chain(self.articles.iter())
    }

    /// The files of the issue's folder the issue names (CSV tables,
    /// images), relative to the issue file: what its PDF is made from
    /// besides the issue and its series files.
    pub fn files(&self) -> Vec<&str> {
        self.articles().flat_map(|a| a.body.files()).collect()
    }
}

/// The bulletin series: what its masthead shows.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bulletin {
    /// The bulletin's name, e.g. 工作简报.
    #[schemars(regex(pattern = r"\S"), example = &"工作简报")]
    pub name: String,
    /// An optional line above the name, e.g. 建设学习型党组织、学习型领导班子.
    #[serde(default)]
    #[schemars(example = &"建设学习型党组织、学习型领导班子")]
    pub above: Option<String>,
    /// The issuing office, e.g. 协调小组办公室.
    #[schemars(regex(pattern = r"\S"), example = &"办公室")]
    pub office: String,
    /// An optional marker at the top left, under the head fields of [issue]
    /// (copy, classification, urgency): 内部资料 注意保存.
    #[serde(default)]
    #[schemars(example = &"内部资料　注意保存")]
    pub marker: Option<String>,
}

/// The issue number: an integer (363) or free text (增刊1).
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum IssueNumber {
    Number(i64),
    Text(String),
}

impl<'de> Deserialize<'de> for IssueNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = IssueNumber;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an integer such as 363 or a string such as \"增刊1\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<IssueNumber, E> {
                if v < 1 {
                    return Err(E::custom(format!(
                        "the issue number is {v}; 第 N 期 counts from 1: write number = 363, \
                         or text such as number = \"增刊1\""
                    )));
                }
                Ok(IssueNumber::Number(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<IssueNumber, E> {
                i64::try_from(v)
                    .map(IssueNumber::Number)
                    .map_err(|_| E::custom("the issue number is too large"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IssueNumber, E> {
                if v.trim().is_empty() {
                    return Err(E::custom(
                        "the issue number is empty: write number = 363, or text such as \
                         number = \"增刊1\"",
                    ));
                }
                Ok(IssueNumber::Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl std::fmt::Display for IssueNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IssueNumber::Number(n) => write!(f, "{n}"),
            IssueNumber::Text(s) => f.write_str(s),
        }
    }
}

/// The issue's number and date.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueInfo {
    /// 第 N 期: an integer, or text such as 增刊1.
    #[schemars(example = 363, example = &"增刊1")]
    pub number: IssueNumber,
    /// Optional cumulative number, printed （总第 N 期）; 1 or more.
    #[serde(default)]
    #[schemars(example = 100)]
    pub total: Option<std::num::NonZeroU32>,
    /// The issue's date, a TOML date such as 2020-02-10.
    #[schemars(with = "TomlDate")]
    #[schemars(example = &"2020-02-10")]
    pub date: Spanned<Datetime>,
    /// 增刊, 专刊 or 特刊: the number line reads 增刊第 N 期.
    #[serde(default)]
    #[schemars(example = &"增刊")]
    pub kind: Option<IssueKind>,
    /// 份号, the copy number (1 to 999999): printed in six digits (000123),
    /// top left on the first line. GB/T 9704 requires it with a 密级.
    #[serde(default)]
    #[schemars(range(min = 1, max = 999999))]
    #[schemars(example = 1)]
    pub copy: Option<std::num::NonZeroU32>,
    /// 密级: 秘密, 机密 or 绝密, printed top left under the copy number.
    #[serde(default)]
    #[schemars(example = &"秘密")]
    pub classification: Option<Classification>,
    /// 保密期限, printed after the 密级 with ★: 1年, 长期 (秘密★1年).
    #[serde(default)]
    #[schemars(regex(pattern = r"\S"))]
    #[schemars(example = &"1年")]
    pub secrecy_period: Option<String>,
    /// 紧急程度: 特急 or 加急, printed top left under the 密级.
    #[serde(default)]
    #[schemars(example = &"特急")]
    pub urgency: Option<Urgency>,
    /// 签发人: the name(s) of who signed the issue off, printed top right
    /// (签发人：张三 李四) by layouts that place it (zhuanbao).
    #[serde(default)]
    #[schemars(example = serde_json::json!(["张三"]))]
    pub signers: Vec<String>,
}

/// 密级 (GB/T 9704 §7.2.2).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
pub enum Classification {
    /// 秘密
    #[serde(rename = "秘密")]
    Secret,
    /// 机密
    #[serde(rename = "机密")]
    Confidential,
    /// 绝密
    #[serde(rename = "绝密")]
    TopSecret,
}

/// 紧急程度 (GB/T 9704 §7.2.3).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
pub enum Urgency {
    /// 特急
    #[serde(rename = "特急")]
    Extra,
    /// 加急
    #[serde(rename = "加急")]
    Urgent,
}

/// A special issue: 增刊 (supplement), 专刊 (special), 特刊 (extra).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
pub enum IssueKind {
    /// 增刊
    #[serde(rename = "增刊")]
    Supplement,
    /// 专刊
    #[serde(rename = "专刊")]
    Special,
    /// 特刊
    #[serde(rename = "特刊")]
    Extra,
}

macro_rules! chinese_name {
    ($t:ty { $($v:ident => $s:literal),* }) => {
        impl $t {
            /// The name as printed.
            pub fn chinese(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
        }
    };
}
chinese_name!(Classification { Secret => "秘密", Confidential => "机密", TopSecret => "绝密" });
chinese_name!(Urgency { Extra => "特急", Urgent => "加急" });
chinese_name!(IssueKind { Supplement => "增刊", Special => "专刊", Extra => "特刊" });

/// The grid the body is set on.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Grid {
    /// 27 character cells a line, as issue 363 was set (the default).
    #[default]
    #[serde(rename = "issue-363")]
    Issue363,
    /// Strict GB/T 9704: 28 characters a line.
    #[serde(rename = "gbt9704")]
    Gbt9704,
}

/// Rendering options.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Print the table of contents (本期要目). On by default.
    #[serde(default = "yes")]
    #[schemars(example = false)]
    pub toc: bool,
    /// Page numbers in the table of contents. Off by default.
    #[serde(default)]
    #[schemars(example = true)]
    pub toc_page_numbers: bool,
    /// The grid: "issue-363" (default) or "gbt9704".
    #[serde(default)]
    #[schemars(example = &"gbt9704")]
    pub grid: Grid,
    /// Detect headings (一、 （一） 1. （1）) and run-in leads (一是…。) in
    /// bodies. On by default.
    #[serde(default = "yes")]
    #[schemars(example = false)]
    pub detect: bool,
    /// PDF standards to conform to, e.g. ["a-2b"] (validated by typst-pdf).
    #[serde(default)]
    #[schemars(example = serde_json::json!(["a-2b"]))]
    pub pdf_standards: Vec<PdfStandard>,
}

/// A PDF standard to conform to, by the names typst-pdf gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[allow(non_camel_case_types)]
pub enum PdfStandard {
    #[serde(rename = "1.4")]
    V_1_4,
    #[serde(rename = "1.5")]
    V_1_5,
    #[serde(rename = "1.6")]
    V_1_6,
    #[serde(rename = "1.7")]
    V_1_7,
    #[serde(rename = "2.0")]
    V_2_0,
    #[serde(rename = "a-1b")]
    A_1b,
    #[serde(rename = "a-1a")]
    A_1a,
    #[serde(rename = "a-2b")]
    A_2b,
    #[serde(rename = "a-2u")]
    A_2u,
    #[serde(rename = "a-2a")]
    A_2a,
    #[serde(rename = "a-3b")]
    A_3b,
    #[serde(rename = "a-3u")]
    A_3u,
    #[serde(rename = "a-3a")]
    A_3a,
    #[serde(rename = "a-4")]
    A_4,
    #[serde(rename = "a-4f")]
    A_4f,
    #[serde(rename = "a-4e")]
    A_4e,
    #[serde(rename = "ua-1")]
    Ua_1,
}

impl PdfStandard {
    /// The standard's name, as written in issue files (`a-2b`).
    pub fn name(self) -> &'static str {
        use PdfStandard::*;
        match self {
            V_1_4 => "1.4",
            V_1_5 => "1.5",
            V_1_6 => "1.6",
            V_1_7 => "1.7",
            V_2_0 => "2.0",
            A_1b => "a-1b",
            A_1a => "a-1a",
            A_2b => "a-2b",
            A_2u => "a-2u",
            A_2a => "a-2a",
            A_3b => "a-3b",
            A_3u => "a-3u",
            A_3a => "a-3a",
            A_4 => "a-4",
            A_4f => "a-4f",
            A_4e => "a-4e",
            Ua_1 => "ua-1",
        }
    }
}

impl std::str::FromStr for PdfStandard {
    type Err = ();
    fn from_str(s: &str) -> std::result::Result<PdfStandard, ()> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| ())
    }
}

fn yes() -> bool {
    true
}

impl Options {
    /// Whether every option has its default value (and is left out of a
    /// written file).
    pub fn is_default(&self) -> bool {
        self.toc
            && !self.toc_page_numbers
            && self.grid == Grid::default()
            && self.detect
            && self.pdf_standards.is_empty()
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            toc: true,
            toc_page_numbers: false,
            grid: Grid::default(),
            detect: true,
            pdf_standards: Vec::new(),
        }
    }
}

/// A column (栏目) such as 上情下达.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// The column's name, without 【】.
    #[schemars(example = &"工作动态")]
    pub name: String,
    /// The column's articles, in order.
    #[serde(default)]
    pub articles: Vec<Article>,
}

/// One article.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// The title; `\n` forces a line break.
    #[schemars(regex(pattern = r"\S"), example = &"标题")]
    pub title: String,
    /// The title in the table of contents, when it differs.
    #[serde(default)]
    #[schemars(example = &"目录中的标题")]
    pub toc_title: Option<String>,
    /// An optional editor's note (编者按 / 按语) before the article.
    #[serde(default)]
    pub note: Option<Note>,
    /// The body: paragraphs separated by blank lines, or blocks in order
    /// (`[[columns.articles.body]]` tables with `text`, a table's `rows` or
    /// `csv`, a figure's `image` or `images`, a list's `items`).
    #[schemars(example = &"正文第一段。\n\n正文第二段。\n", example = body_blocks_example())]
    pub body: Body,
    /// Footnotes (注释), referred to as `[^KEY]` in the body's text:
    /// `[columns.articles.footnotes]` with `1 = "…"`.
    #[serde(default)]
    pub footnotes: std::collections::BTreeMap<String, String>,
    /// The byline, printed （…） at the article's end.
    #[serde(default)]
    #[schemars(example = &"供稿单位")]
    pub byline: Option<String>,
    /// Turn heading and lead detection off (or on) for this article only.
    #[serde(default)]
    #[schemars(example = false)]
    pub detect: Option<bool>,
}

/// An article's body as blocks, for the schema's examples (and `init`'s
/// template): text, a table, a figure and a list.
fn body_blocks_example() -> serde_json::Value {
    serde_json::json!([
        { "text": "正文第一段。\n" },
        { "caption": "表1 表的标题", "header": [["县（区）", "起数"]], "rows": [["丰县", 3], ["沛县", 5]] },
        { "image": "photos/photo.jpg", "caption": "图1 图的说明", "width": "120mm" },
        { "items": ["第一项", "第二项"], "numbered": true },
    ])
}

/// An editor's note (编者按) before an article.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// The label, 编者按 by default (or 按语).
    #[serde(default)]
    #[schemars(example = &"编者按")]
    pub label: Option<String>,
    /// The note's text; paragraphs separated by blank lines.
    #[schemars(example = &"按语正文。")]
    pub text: String,
    /// Who signs the note.
    #[serde(default)]
    #[schemars(example = &"编者")]
    pub signer: Option<String>,
    /// The note's date.
    #[serde(default)]
    #[schemars(with = "Option<TomlDate>", example = &"2020-02-10")]
    pub date: Option<Spanned<Datetime>>,
}

/// The distribution footer (报尾).
#[derive(Debug, Clone, Deserialize, Serialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Footer {
    /// 主送： the main recipients (mostly for a 专报), printed as the footer's
    /// first line.
    #[serde(default)]
    #[schemars(example = &"上级单位")]
    pub zhusong: Option<String>,
    /// 报： recipients (superiors).
    #[serde(default)]
    #[schemars(example = &"上级单位")]
    pub bao: Option<String>,
    /// 送： recipients (peers).
    #[serde(default)]
    #[schemars(example = &"有关单位")]
    pub song: Option<String>,
    /// 发： recipients (subordinates).
    #[serde(default)]
    #[schemars(example = &"各下属单位")]
    pub fa: Option<String>,
    /// 本期增发： extra recipients of this issue only, printed after 发：.
    #[serde(default)]
    #[schemars(example = &"有关单位")]
    pub zengfa: Option<String>,
    /// The editor, printed 责任编辑：… on the editors' line, which holds
    /// editor, proofreader, reviewer and approver in this order (labels and
    /// order are the layout's: `footer-editors` in theme.typ).
    #[serde(default)]
    #[schemars(example = &"张三")]
    pub editor: Option<String>,
    /// The proofreader, printed 校对：… on the editors' line.
    #[serde(default)]
    #[schemars(example = &"李四")]
    pub proofreader: Option<String>,
    /// The reviewer, printed 审核：… on the editors' line.
    #[serde(default)]
    #[schemars(example = &"王五")]
    pub reviewer: Option<String>,
    /// Who approved the issue, printed 签发：… on the editors' line.
    #[serde(default)]
    #[schemars(example = &"赵六")]
    pub approver: Option<String>,
    /// The contact person, printed 联系人：… (with the phone on one line).
    #[serde(default)]
    #[schemars(example = &"孙七")]
    pub contact: Option<String>,
    /// The contact phone number, printed 电话：…; a string, e.g.
    /// "0516-12345678".
    #[serde(default)]
    #[schemars(example = &"0516-12345678")]
    pub phone: Option<String>,
    /// The e-mail address for contributions and questions, printed
    /// 电子邮箱：… on the contact line, after the phone.
    #[serde(default)]
    #[schemars(example = &"jianbao@example.gov.cn")]
    pub email: Option<String>,
    /// The printing office.
    #[serde(default)]
    #[schemars(example = &"办公室")]
    pub printer: Option<String>,
    /// The print date, printed with 印发.
    #[serde(default)]
    #[schemars(with = "Option<TomlDate>")]
    #[schemars(example = &"2020-02-10")]
    pub print_date: Option<Spanned<Datetime>>,
    /// Number of copies, printed （共印 N 份）.
    #[serde(default)]
    #[schemars(example = 100)]
    pub copies: Option<u32>,
}

/// A text field of the footer: what code that goes over the fields (the
/// importer, reading them from labels such as 报：) names them by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FooterField {
    Zhusong,
    Bao,
    Song,
    Fa,
    Zengfa,
    Editor,
    Proofreader,
    Reviewer,
    Approver,
    Contact,
    Phone,
    Email,
    Printer,
}

impl FooterField {
    /// Every text field, in the order of [`Footer`].
    pub const ALL: [FooterField; 13] = [
        FooterField::Zhusong,
        FooterField::Bao,
        FooterField::Song,
        FooterField::Fa,
        FooterField::Zengfa,
        FooterField::Editor,
        FooterField::Proofreader,
        FooterField::Reviewer,
        FooterField::Approver,
        FooterField::Contact,
        FooterField::Phone,
        FooterField::Email,
        FooterField::Printer,
    ];

    /// The field's key in `[footer]`.
    pub fn key(self) -> &'static str {
        match self {
            FooterField::Zhusong => "zhusong",
            FooterField::Bao => "bao",
            FooterField::Song => "song",
            FooterField::Fa => "fa",
            FooterField::Zengfa => "zengfa",
            FooterField::Editor => "editor",
            FooterField::Proofreader => "proofreader",
            FooterField::Reviewer => "reviewer",
            FooterField::Approver => "approver",
            FooterField::Contact => "contact",
            FooterField::Phone => "phone",
            FooterField::Email => "email",
            FooterField::Printer => "printer",
        }
    }

    /// A list of recipients (主送 报 送 发 本期增发), which may wrap onto
    /// the next line.
    pub fn is_recipients(self) -> bool {
        matches!(
            self,
            FooterField::Zhusong
                | FooterField::Bao
                | FooterField::Song
                | FooterField::Fa
                | FooterField::Zengfa
        )
    }

    /// The field's value in a footer.
    pub fn get(self, f: &Footer) -> Option<&str> {
        self.slot(f).as_deref()
    }

    /// The field in a footer, to set.
    pub fn get_mut(self, f: &mut Footer) -> &mut Option<String> {
        match self {
            FooterField::Zhusong => &mut f.zhusong,
            FooterField::Bao => &mut f.bao,
            FooterField::Song => &mut f.song,
            FooterField::Fa => &mut f.fa,
            FooterField::Zengfa => &mut f.zengfa,
            FooterField::Editor => &mut f.editor,
            FooterField::Proofreader => &mut f.proofreader,
            FooterField::Reviewer => &mut f.reviewer,
            FooterField::Approver => &mut f.approver,
            FooterField::Contact => &mut f.contact,
            FooterField::Phone => &mut f.phone,
            FooterField::Email => &mut f.email,
            FooterField::Printer => &mut f.printer,
        }
    }

    fn slot(self, f: &Footer) -> &Option<String> {
        match self {
            FooterField::Zhusong => &f.zhusong,
            FooterField::Bao => &f.bao,
            FooterField::Song => &f.song,
            FooterField::Fa => &f.fa,
            FooterField::Zengfa => &f.zengfa,
            FooterField::Editor => &f.editor,
            FooterField::Proofreader => &f.proofreader,
            FooterField::Reviewer => &f.reviewer,
            FooterField::Approver => &f.approver,
            FooterField::Contact => &f.contact,
            FooterField::Phone => &f.phone,
            FooterField::Email => &f.email,
            FooterField::Printer => &f.printer,
        }
    }
}

pub use crate::date::{date_of, Date};

/// A TOML local date such as 2020-02-10, for the JSON Schema only (see
/// [`schema_of`]: its definition is replaced there).
#[derive(JsonSchema)]
#[schemars(transparent)]
#[allow(dead_code)]
struct TomlDate(String);

/// Which file a JSON Schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaKind {
    /// A complete issue file (`bulletin-pdf schema`, `issue.schema.json`).
    Issue,
    /// An issue file in a folder with a series file: `[bulletin]`,
    /// `[footer]`… may come from the series, `[issue]` and the articles are
    /// its own (`schema --partial`, `issue-partial.schema.json`).
    Partial,
    /// A series file, `bulletin.toml`: any part of an issue, every table and
    /// key optional (`schema --series`, `series.schema.json`).
    Series,
}

impl SchemaKind {
    /// The file name the schema is published under (in `examples/`, and
    /// beside the files `init` writes).
    pub fn file_name(self) -> &'static str {
        match self {
            SchemaKind::Issue => "issue.schema.json",
            SchemaKind::Partial => "issue-partial.schema.json",
            SchemaKind::Series => "series.schema.json",
        }
    }
}

/// How the schemas describe a TOML date. Editors (Taplo / Even Better TOML)
/// and TOML-to-JSON converters (check-jsonschema, …) hand a JSON Schema
/// validator a TOML date as its RFC 3339 string, so no JSON Schema can tell
/// `date = 2020-02-10` from the quoted `date = "2020-02-10"`.
const TOML_DATE_DESCRIPTION: &str = "A TOML local date, unquoted: date = 2020-02-10. \
Editors (Taplo / Even Better TOML) and TOML-to-JSON converters give a JSON Schema validator a \
TOML date as the string \"2020-02-10\", so this schema accepts the quoted string \
date = \"2020-02-10\" too, which bulletin-pdf refuses: `bulletin-pdf check FILE` reports it. \
Date-times and other shapes (2020-02-10T08:00:00, \"2020/2/10\", \"2020年2月10日\") are refused here too.";

/// The tables that series files and issues merge key by key: in a series
/// file, and in an issue that leans on one, none of their keys is required.
const MERGED_TABLES: [&str; 4] = ["Bulletin", "IssueInfo", "Options", "Footer"];

/// The JSON Schema of a complete issue file, for editors (Taplo / Even
/// Better TOML).
pub fn schema() -> serde_json::Value {
    schema_of(SchemaKind::Issue)
}

/// The JSON Schema of an issue file, of an issue that leans on series files,
/// or of a series file.
pub fn schema_of(kind: SchemaKind) -> serde_json::Value {
    use serde_json::{json, Value};
    let mut schema = schemars::schema_for!(Issue).to_value();
    let defs = &mut schema["$defs"];
    defs["TomlDate"] = json!({
        "description": TOML_DATE_DESCRIPTION,
        "type": "string",
        "format": "date",
        "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
    });
    // The tool refuses a column without articles.
    defs["Column"]["properties"]["articles"]["minItems"] = json!(1);
    // A body block is one kind, told by its key (see BodyBlock::kind).
    defs["BodyBlock"]["oneOf"] = json!([
        { "required": ["text"] },
        { "required": ["rows"] },
        { "required": ["csv"] },
        { "required": ["image"] },
        { "required": ["images"] },
        { "required": ["items"] },
    ]);
    let (title, description) = match kind {
        SchemaKind::Issue => (
            "bulletin-pdf issue",
            "One issue of a bulletin, as written in its TOML file (complete: no series file).",
        ),
        SchemaKind::Partial => (
            "bulletin-pdf issue in a series",
            "One issue of a bulletin whose [bulletin], [footer], [options], layout and [style] \
             may come from a series file (bulletin.toml in its folder or above): its own \
             [issue] (number, date) and its articles are required.",
        ),
        SchemaKind::Series => (
            "bulletin-pdf series file",
            "A series file (bulletin.toml): what every issue in its folder and below shares, \
             typically [bulletin], [footer] and [options]. Issues merge it table by table; \
             every table and key is optional here.",
        ),
    };
    if kind != SchemaKind::Issue {
        for name in MERGED_TABLES {
            if kind == SchemaKind::Partial && name == "IssueInfo" {
                continue;
            }
            if let Some(def) = schema["$defs"][name].as_object_mut() {
                def.remove("required");
            }
        }
    }
    let root = schema.as_object_mut();
    if let Some(root) = root {
        match kind {
            SchemaKind::Issue => {}
            SchemaKind::Partial => {
                root.insert("required".into(), json!(["issue"]));
            }
            SchemaKind::Series => {
                root.remove("required");
            }
        }
        if kind != SchemaKind::Series {
            // Articles in columns or at the top level, not both.
            root.insert(
                "oneOf".into(),
                json!([{ "required": ["columns"] }, { "required": ["articles"] }]),
            );
        }
        root.insert("title".into(), Value::from(title));
        root.insert("description".into(), Value::from(description));
    }
    schema
}

/// An article's body: a string of paragraphs, or blocks in order.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum Body {
    /// Paragraphs separated by blank lines.
    Text(String),
    /// Blocks in order: text, tables, figures and lists.
    Blocks(#[schemars(with = "Vec<BodyBlock>")] Vec<Spanned<BodyBlock>>),
}

impl Body {
    /// The files of the issue's folder the body names: CSV tables and
    /// images, as written (relative to the issue file).
    pub fn files(&self) -> Vec<&str> {
        let Body::Blocks(blocks) = self else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for b in blocks.iter().map(Spanned::get_ref) {
            out.extend(b.csv.as_ref().map(|c| c.get_ref().as_str()));
            out.extend(b.image.as_ref().map(|i| i.get_ref().as_str()));
            for i in b.images.iter().flatten() {
                out.push(i.image.get_ref().as_str());
            }
        }
        out
    }

    /// The body's text blocks (all of a string body).
    pub fn texts(&self) -> Vec<&str> {
        match self {
            Body::Text(t) => vec![t.as_str()],
            Body::Blocks(b) => b
                .iter()
                .filter_map(|b| b.get_ref().text.as_deref())
                .collect(),
        }
    }

    /// Whether the body has nothing to print.
    pub fn is_blank(&self) -> bool {
        match self {
            Body::Text(t) => t.trim().is_empty(),
            Body::Blocks(b) => b.is_empty(),
        }
    }
}

impl Default for Body {
    /// An empty string body.
    fn default() -> Self {
        Body::Text(String::new())
    }
}

impl Serialize for Body {
    /// As written: a string, or the blocks (an array of tables).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Body::Text(t) => s.serialize_str(t),
            Body::Blocks(b) => b.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Body;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "the body's text (body = \"\"\"…\"\"\") or its blocks in order \
                     ([[columns.articles.body]] tables, each with text = …, rows = … or \
                     csv = … for a table, image = … for a figure, items = … for a list)",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Body, E> {
                Ok(Body::Text(v.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Body, E> {
                Ok(Body::Text(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Body, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element::<Spanned<BodyBlock>>()? {
                    out.push(b);
                }
                Ok(Body::Blocks(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// One block of an article's body. Its kind is given by the key only that
/// kind has: `text` (paragraphs), `rows` or `csv` (a table), `image` or
/// `images` (a figure), `items` (a list). See docs/blocks.md.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyBlock {
    /// Paragraphs separated by blank lines, as a string body: headings,
    /// run-in leads, `**emphasis**`, footnote references `[^1]`.
    #[serde(default)]
    pub text: Option<String>,
    /// A table's or figure's caption: 表1 … (above a table), 图1 … (below a
    /// figure).
    #[serde(default)]
    pub caption: Option<String>,
    /// A table's header rows, repeated on every page the table runs over:
    /// header = [["县（区）", "起数"]].
    #[serde(default)]
    pub header: Option<Vec<Vec<Cell>>>,
    /// A table's rows: rows = [["丰县", 3], ["沛县", 5]]. A cell is a string,
    /// a number or { text = "…", colspan = 2, rowspan = 2 }.
    #[serde(default)]
    pub rows: Option<Vec<Vec<Cell>>>,
    /// A table's rows read from a CSV file (UTF-8, comma-separated), relative
    /// to the issue file: csv = "data/counties.csv".
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub csv: Option<Spanned<String>>,
    /// How many of the CSV file's first rows are header rows (1 by default).
    #[serde(default)]
    #[schemars(range(max = 10))]
    pub header_rows: Option<u32>,
    /// A table's column alignment: "left", "center" or "right", one per
    /// column. By default, columns of numbers are right-aligned, others
    /// left-aligned.
    #[serde(default)]
    pub align: Option<Vec<CellAlign>>,
    /// A table's column widths, one per column: a number is a share of the
    /// type block's width (widths = [2, 1, 1]), a string a length
    /// ("30mm", "3cm", "40pt").
    #[serde(default)]
    pub widths: Option<Vec<Width>>,
    /// A note under a table (注：…, 数据来源：…).
    #[serde(default)]
    pub note: Option<String>,
    /// Set the table on a landscape page of its own.
    #[serde(default)]
    pub landscape: Option<bool>,
    /// A figure's image, relative to the issue file (PNG, JPEG or SVG):
    /// image = "photos/site.jpg".
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub image: Option<Spanned<String>>,
    /// Two images side by side, each with its own caption:
    /// images = [{ image = "a.jpg", caption = "图1 …" }, { image = "b.jpg" }].
    #[serde(default)]
    pub images: Option<Vec<FigureImage>>,
    /// A figure's width: a fraction of the type block (0.8) or a length
    /// ("120mm"). The whole type block by default for one image, half of it
    /// each for two. Never wider or taller than the type block.
    #[serde(default)]
    pub width: Option<Width>,
    /// A list's items: strings, or { text = "…", items = ["…"] } for a
    /// nested level.
    #[serde(default)]
    pub items: Option<Vec<ListItem>>,
    /// Number the list's items (1. 2. 3.; (1) (2) on the nested level)
    /// instead of bullets.
    #[serde(default)]
    pub numbered: Option<bool>,
}

/// The kind of a body block, from its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Text,
    Table,
    Figure,
    List,
}

impl BodyBlock {
    /// The block's kind, or what is wrong with its keys.
    pub fn kind(&self) -> Result<BlockKind, String> {
        let has = [
            ("text", self.text.is_some(), BlockKind::Text),
            ("rows", self.rows.is_some(), BlockKind::Table),
            ("csv", self.csv.is_some(), BlockKind::Table),
            ("image", self.image.is_some(), BlockKind::Figure),
            ("images", self.images.is_some(), BlockKind::Figure),
            ("items", self.items.is_some(), BlockKind::List),
        ];
        let set: Vec<_> = has.iter().filter(|h| h.1).collect();
        match set.as_slice() {
            [] => Err(
                "a body block needs one of text = \"\"\"…\"\"\" (paragraphs), rows = [[…]] \
                 or csv = \"file.csv\" (a table), image = \"photo.jpg\" or images = [{ image = \
                 … }] (a figure), items = [\"…\"] (a list)"
                    .into(),
            ),
            [one] => {
                let kind = one.2;
                let allowed: &[&str] = match kind {
                    BlockKind::Text => &["text"],
                    BlockKind::Table => &[
                        "caption",
                        "header",
                        "rows",
                        "csv",
                        "header_rows",
                        "align",
                        "widths",
                        "note",
                        "landscape",
                    ],
                    BlockKind::Figure => &["caption", "image", "images", "width"],
                    BlockKind::List => &["items", "numbered"],
                };
                let present = [
                    ("caption", self.caption.is_some()),
                    ("header", self.header.is_some()),
                    ("header_rows", self.header_rows.is_some()),
                    ("align", self.align.is_some()),
                    ("widths", self.widths.is_some()),
                    ("note", self.note.is_some()),
                    ("landscape", self.landscape.is_some()),
                    ("width", self.width.is_some()),
                    ("numbered", self.numbered.is_some()),
                ];
                if let Some((k, _)) = present.iter().find(|(k, p)| *p && !allowed.contains(k)) {
                    let what = match kind {
                        BlockKind::Text => "a text block",
                        BlockKind::Table => "a table",
                        BlockKind::Figure => "a figure",
                        BlockKind::List => "a list",
                    };
                    return Err(format!(
                        "{k} does not belong to {what} (a block with {}); {what} takes {}",
                        one.0,
                        allowed.join(", ")
                    ));
                }
                if self.header_rows.is_some() && self.csv.is_none() {
                    return Err(
                        "header_rows is for a table read from csv = …; with rows = …, \
                                write the header rows as header = [[…]]"
                            .into(),
                    );
                }
                Ok(kind)
            }
            [a, b, ..] => Err(format!(
                "a body block has both {} and {}: each block is one thing (text, a table, a \
                 figure or a list); start another [[columns.articles.body]] for the second",
                a.0, b.0
            )),
        }
    }
}

/// A table cell: a string, a number, or a cell with spans.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum Cell {
    /// The cell's text.
    Text(String),
    /// A number, printed as TOML writes it back (3, 1.5); write a string to
    /// keep another form ("1.50", "12.3%").
    Number(f64),
    /// A cell with spans or its own alignment.
    Full(FullCell),
}

/// A cell with spans: { text = "合计", colspan = 2 }.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FullCell {
    /// The cell's text.
    pub text: String,
    /// How many columns the cell spans (1 by default).
    #[serde(default)]
    #[schemars(range(min = 1, max = 50))]
    pub colspan: Option<u32>,
    /// How many rows the cell spans (1 by default); the cells it covers are
    /// left out of the rows below.
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub rowspan: Option<u32>,
    /// The cell's alignment, when it differs from its column's.
    #[serde(default)]
    pub align: Option<CellAlign>,
}

impl Cell {
    /// The cell's text as printed.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Number(n) => format_number(*n),
            Cell::Full(c) => c.text.clone(),
        }
    }
}

/// A TOML number as people write it: 3, 1.5, -0.25.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

impl Serialize for Cell {
    /// As written: a string, a number (an integer when it is whole), or an
    /// inline table.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Text(t) => s.serialize_str(t),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => s.serialize_i64(*n as i64),
            Cell::Number(n) => s.serialize_f64(*n),
            Cell::Full(c) => c.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Cell;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a cell: a string (\"丰县\"), a number (3) or { text = \"合计\", colspan = 2 }",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Cell, E> {
                Ok(Cell::Text(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Cell, E> {
                Ok(Cell::Number(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Cell, E> {
                Ok(Cell::Number(v as f64))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Cell, E> {
                if !v.is_finite() {
                    return Err(E::custom(
                        "a cell's number must be finite; write text instead",
                    ));
                }
                Ok(Cell::Number(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Cell, A::Error> {
                FullCell::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Cell::Full)
            }
        }
        d.deserialize_any(V)
    }
}

/// A column's or cell's alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CellAlign {
    Left,
    Center,
    Right,
}

/// A width: a number (a share, or for a figure a fraction of the type
/// block) or a length ("120mm", "12cm", "40pt").
#[derive(Debug, Clone, Copy, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum Width {
    /// A number.
    Number(f64),
    /// A length, in points once read.
    #[schemars(with = "LengthText")]
    Points(f64),
}

/// A length such as "120mm", "12cm" or "40pt" (for the JSON Schema).
#[derive(JsonSchema)]
#[schemars(transparent)]
#[allow(dead_code)]
struct LengthText(
    #[schemars(regex(pattern = r"^\s*[0-9]+(\.[0-9]+)?\s*(mm|cm|pt|in)\s*$"))] String,
);

impl Serialize for Width {
    /// As written: the number, or the length in whole millimetres ("120mm")
    /// when it is one, else in points ("40.5pt").
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Width::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => s.serialize_i64(n as i64),
            Width::Number(n) => s.serialize_f64(n),
            Width::Points(p) => {
                let mm = p * 25.4 / 72.0;
                if (mm - mm.round()).abs() < 1e-6 {
                    s.serialize_str(&format!("{}mm", mm.round()))
                } else {
                    s.serialize_str(&format!("{}pt", format_number(p)))
                }
            }
        }
    }
}

impl Width {
    /// A length in millimetres.
    pub fn mm(mm: f64) -> Width {
        Width::Points(mm * 72.0 / 25.4)
    }
}

impl<'de> Deserialize<'de> for Width {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Width;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number (0.8, 2) or a length such as \"120mm\", \"12cm\", \"40pt\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Width, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Width, E> {
                self.visit_f64(v as f64)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Width, E> {
                if !(v.is_finite() && v > 0.0) {
                    return Err(E::custom(format!("the width {v} is not a positive number")));
                }
                Ok(Width::Number(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Width, E> {
                parse_length(v).map(Width::Points).ok_or_else(|| {
                    E::custom(format!(
                        "{v:?} is not a length: write a number with mm, cm, pt or in, e.g. \
                         \"120mm\", or a fraction of the type block such as 0.8"
                    ))
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// A length in points from "120mm", "12cm", "40pt", "2in".
pub fn parse_length(s: &str) -> Option<f64> {
    let s = s.trim();
    let unit_at = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = s.split_at(unit_at);
    let n: f64 = num.trim().parse().ok()?;
    let factor = match unit.trim() {
        "mm" => 72.0 / 25.4,
        "cm" => 72.0 / 2.54,
        "pt" => 1.0,
        "in" => 72.0,
        _ => return None,
    };
    (n.is_finite() && n > 0.0 && n < 10_000.0).then_some(n * factor)
}

/// One image of a figure with two side by side.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FigureImage {
    /// The image, relative to the issue file.
    #[schemars(with = "String")]
    pub image: Spanned<String>,
    /// Its caption (图1 …).
    #[serde(default)]
    pub caption: Option<String>,
    /// Its width (a fraction of the type block or a length); the images
    /// share the type block by default.
    #[serde(default)]
    pub width: Option<Width>,
}

/// A list item: its text, or its text with a nested level.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ListItem {
    /// The item's text.
    Text(String),
    /// An item with items of its own (one level).
    Nested(NestedItem),
}

/// A list item with a nested level: { text = "…", items = ["…", "…"] }.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NestedItem {
    /// The item's text.
    pub text: String,
    /// Its items (strings: lists nest one level).
    #[serde(default)]
    pub items: Vec<String>,
}

impl ListItem {
    /// The item's text and its nested items.
    pub fn parts(&self) -> (&str, &[String]) {
        match self {
            ListItem::Text(t) => (t, &[]),
            ListItem::Nested(n) => (&n.text, &n.items),
        }
    }
}

impl<'de> Deserialize<'de> for ListItem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ListItem;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a list item: a string, or { text = \"…\", items = [\"…\"] } for a nested level",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ListItem, E> {
                Ok(ListItem::Text(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<ListItem, A::Error> {
                NestedItem::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(ListItem::Nested)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod serialize_tests {
    use crate::source::parse_issue;

    /// An issue serialises to a file that reads back as the same issue.
    #[test]
    fn examples_serialise_to_what_reads_back() {
        for name in ["issue-363.toml", "qingkuang.toml", "zhuanbao.toml"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../examples")
                .join(name);
            let text = std::fs::read_to_string(&path).unwrap();
            let issue = parse_issue(&path, text.as_bytes()).unwrap();
            let written = toml::to_string(&issue).unwrap();
            let back = parse_issue(&path, written.as_bytes())
                .unwrap_or_else(|e| panic!("{name}: {}\n{written}", e.message));
            assert_eq!(toml::to_string(&back).unwrap(), written, "{name}");
            let (a, b): (toml::Table, toml::Table) = (
                toml::from_str(&text).unwrap(),
                toml::from_str(&written).unwrap(),
            );
            for key in ["columns", "articles"] {
                assert_eq!(
                    a.get(key).and_then(|v| v.as_array()).map_or(0, Vec::len),
                    b.get(key).and_then(|v| v.as_array()).map_or(0, Vec::len),
                    "{name} {key}"
                );
            }
        }
    }
}
