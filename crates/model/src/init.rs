//! New issue files to fill in (`bulletin-pdf init`): numbered after the
//! newest issue of a folder, dated today, with every key of the format set
//! or commented out. Never overwrites a file.
//!
//! The template is the model's: its keys, their order, their one-line
//! descriptions (the fields' doc comments) and their example values
//! (`#[schemars(example = …)]`) come from the JSON schema
//! ([`schema_of`]), so a field added to the model appears here as it is.
//! Descriptions start with `## `, commented-out keys and tables with `# `:
//! taking one `#` off every line of a commented block gives TOML that reads.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::date::Date;
use crate::error::{Error, Result};
use crate::issue::{self as model, schema_of, SchemaKind};
use crate::source::{self, SERIES_FILE};

/// The newest issue of a folder: the highest integer `issue.number` among
/// its `*.toml` issue files, with its tables.
#[derive(Debug, Clone)]
pub struct Newest {
    pub path: PathBuf,
    pub number: i64,
    pub table: toml::Table,
}

/// The newest issue of a folder (files that are not issues, or do not read,
/// are passed over).
pub fn newest_issue(dir: &Path) -> Option<Newest> {
    let mut best: Option<Newest> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".toml") || name == SERIES_FILE || name == "layout.toml" {
            continue;
        }
        let Ok(bytes) = source::read_limited(&path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let Ok(table) = toml::from_str::<toml::Table>(text.trim_start_matches('\u{feff}')) else {
            continue;
        };
        let number = table
            .get("issue")
            .and_then(|i| i.get("number"))
            .and_then(toml::Value::as_integer);
        if let Some(number) = number {
            if best.as_ref().is_none_or(|b| number > b.number) {
                best = Some(Newest {
                    path,
                    number,
                    table,
                });
            }
        }
    }
    best
}

/// Today's date on this machine's clock (local time where the platform
/// tells it, else UTC).
pub fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    date_of_days((secs + local_offset(secs)).div_euclid(86_400))
}

/// The date `days` days after 1970-01-01 (Howard Hinnant's
/// days-to-civil).
fn date_of_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
    Date { year, month, day }
}

/// The local time zone's offset from UTC, in seconds, at `secs`.
#[cfg(unix)]
fn local_offset(secs: i64) -> i64 {
    let t = secs as libc::time_t;
    // SAFETY: localtime_r writes into the zeroed struct we own.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if ok {
        tm.tm_gmtoff
    } else {
        0
    }
}

#[cfg(not(unix))]
fn local_offset(_secs: i64) -> i64 {
    0
}

/// What a file that [`init`] wrote is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrote {
    /// The series file, `bulletin.toml` (with `series`).
    Series,
    /// The new issue.
    Issue,
    /// A JSON schema that a `#:schema` line names.
    Schema(SchemaKind),
}

/// One file that [`init`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub what: Wrote,
}

/// What [`init`] did: the new issue, its number and date, and every file
/// written, in order.
#[derive(Debug, Clone)]
pub struct Init {
    pub issue: PathBuf,
    pub number: i64,
    pub date: Date,
    pub written: Vec<Written>,
}

/// Writes a new issue file into `dir` (made if missing), numbered one after
/// the newest issue there and dated `date`; with `series` also a series file.
/// The issue leans on a series file when `dir` or a folder above has one
/// (or `series`). The JSON schemas the `#:schema` lines name are written
/// beside, unless there. Refuses, naming it, a file that exists: nothing is
/// ever overwritten.
pub fn init(dir: &Path, series: bool, date: Date) -> Result<Init> {
    let out_err = |p: &Path, e: std::io::Error| Error::output(format!("{}: {e}", p.display()));
    std::fs::create_dir_all(dir).map_err(|e| out_err(dir, e))?;
    let newest = newest_issue(dir);
    let number = newest.as_ref().map_or(1, |n| n.number + 1);
    let issue_path = dir.join(format!("issue-{number}.toml"));
    let series_path = dir.join(SERIES_FILE);
    let refuse = |p: &Path| {
        Error::output(format!(
            "{} already exists; init never overwrites a file: rename or remove it first",
            p.display()
        ))
    };
    if issue_path.exists() {
        return Err(refuse(&issue_path));
    }
    if series && series_path.exists() {
        return Err(refuse(&series_path));
    }
    let in_series = series || !source::series_paths(&issue_path).is_empty();
    let mut written = Vec::new();
    if series {
        let text = series_template(date, newest.as_ref());
        create_new(&series_path, &text).map_err(|e| out_err(&series_path, e))?;
        written.push(Written {
            path: series_path,
            what: Wrote::Series,
        });
    }
    let text = issue_template(number, date, newest.as_ref(), in_series);
    create_new(&issue_path, &text).map_err(|e| out_err(&issue_path, e))?;
    written.push(Written {
        path: issue_path.clone(),
        what: Wrote::Issue,
    });
    let mut kinds = vec![if in_series {
        SchemaKind::Partial
    } else {
        SchemaKind::Issue
    }];
    if series {
        kinds.push(SchemaKind::Series);
    }
    for kind in kinds {
        let path = dir.join(kind.file_name());
        let json = serde_json::to_string_pretty(&schema_of(kind))
            .map_err(|e| Error::output(format!("cannot write the schema: {e}")))?;
        match create_new(&path, &(json + "\n")) {
            Ok(()) => written.push(Written {
                path,
                what: Wrote::Schema(kind),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(out_err(&path, e)),
        }
    }
    Ok(Init {
        issue: issue_path,
        number,
        date,
        written,
    })
}

/// Creates a file that must not exist yet.
fn create_new(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// The text of a new issue file: number `number`, dated `date`; the masthead,
/// options, footer and layout of `newest` (else placeholders that check and
/// render); with `in_series` only the issue's own tables (`[issue]`, the
/// articles), the rest left to the series file.
pub fn issue_template(number: i64, date: Date, newest: Option<&Newest>, in_series: bool) -> String {
    let kind = if in_series {
        SchemaKind::Partial
    } else {
        SchemaKind::Issue
    };
    let mut w = Writer::new(date);
    w.out = format!(
        "#:schema ./{}\n## Issue {number}, written by `bulletin-pdf init`: replace the placeholders, then\n\
         ## `bulletin-pdf check issue-{number}.toml` and `bulletin-pdf issue-{number}.toml`.\n{HOW}",
        kind.file_name()
    );
    let mut values = newest
        .map(|n| {
            let mut t = toml::Table::new();
            for key in shared_keys(&w.root) {
                if let Some(v) = n.table.get(&key) {
                    t.insert(key, v.clone());
                }
            }
            t
        })
        .unwrap_or_default();
    let mut info = toml::Table::new();
    info.insert("number".into(), toml::Value::Integer(number));
    if let Some(total) = newest.and_then(|n| n.table.get("issue")?.get("total")?.as_integer()) {
        info.insert("total".into(), toml::Value::Integer(total + 1));
    }
    info.insert("date".into(), toml::Value::Datetime(date.to_toml()));
    values.insert("issue".into(), toml::Value::Table(info));
    let shared = shared_keys(&w.root);
    if in_series {
        w.out.push_str(&format!(
            "\n## {} come from the series file {SERIES_FILE} (in this folder or above);\n\
             ## any key may be overridden here.\n",
            names_of(&w.root, &shared)
        ));
    }
    let root = w.root.clone();
    w.root_table(&root, &values, |k| {
        !in_series || !shared.contains(&k.to_string())
    });
    w.out
}

/// The text of a series file: the tables issues share, from `newest` (else
/// placeholders).
pub fn series_template(date: Date, newest: Option<&Newest>) -> String {
    let mut w = Writer::new(date);
    w.out = format!(
        "#:schema ./{}\n## The series file: what every issue in this folder and below shares. Issues merge\n\
         ## it table by table and may override any key.\n{HOW}",
        SchemaKind::Series.file_name()
    );
    let shared = shared_keys(&w.root);
    let values = newest.map(|n| n.table.clone()).unwrap_or_default();
    let root = w.root.clone();
    w.root_table(&root, &values, |k| shared.contains(&k.to_string()));
    w.out
}

/// How to read a template, after its first lines.
const HOW: &str =
    "## Lines that start with ## describe; to use a key or a table, take the # off its\n\
                   ## lines (a table's block ends at a blank line).\n";

/// The top-level keys a series file holds for its issues: those an issue
/// leaning on one need not have (not required by the partial schema, not one
/// of its alternatives of articles), in the model's order.
fn shared_keys(full: &Value) -> Vec<String> {
    let partial = schema_of(SchemaKind::Partial);
    let own = own_keys(&partial);
    ordered_keys(full, "Issue")
        .into_iter()
        .filter(|k| !own.contains(k))
        .collect()
}

/// The keys a schema's root requires, or requires one of.
fn own_keys(schema: &Value) -> Vec<String> {
    let mut own: Vec<String> = strings(&schema["required"]);
    for alt in schema["oneOf"].as_array().into_iter().flatten() {
        own.extend(strings(&alt["required"]));
    }
    own
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(String::from))
        .collect()
}

/// `[bulletin], [options], [footer], layout and [style]`.
fn names_of(root: &Value, keys: &[String]) -> String {
    let (tables, values): (Vec<&String>, Vec<&String>) = keys.iter().partition(|k| {
        !matches!(
            shape(root, &root["properties"][k.as_str()]),
            Shape::Value { .. }
        )
    });
    let mut names: Vec<String> = tables.iter().map(|k| format!("[{k}]")).collect();
    names.extend(values.iter().map(|k| k.to_string()));
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// The field names of a struct, in declaration order, from its
/// `Deserialize` (serde passes them to `deserialize_struct`).
fn fields<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};
    struct Probe<'a>(&'a mut &'static [&'static str]);
    impl<'de> de::Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(
            self,
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields read"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut names));
    names
}

/// The field order of the model's tables, by their name in the schema.
fn field_order(def: &str) -> Option<&'static [&'static str]> {
    Some(match def {
        "Issue" => fields::<model::Issue>(),
        "Bulletin" => fields::<model::Bulletin>(),
        "IssueInfo" => fields::<model::IssueInfo>(),
        "Options" => fields::<model::Options>(),
        "Column" => fields::<model::Column>(),
        "Article" => fields::<model::Article>(),
        "Note" => fields::<model::Note>(),
        "Footer" => fields::<model::Footer>(),
        "BodyBlock" => fields::<model::BodyBlock>(),
        "FigureImage" => fields::<model::FigureImage>(),
        "FullCell" => fields::<model::FullCell>(),
        "NestedItem" => fields::<model::NestedItem>(),
        _ => return None,
    })
}

/// The keys of a table schema (`def` names it), in the model's order.
fn ordered_keys(table: &Value, def: &str) -> Vec<String> {
    let props = table["properties"].as_object();
    let mut keys: Vec<String> = field_order(def)
        .unwrap_or_default()
        .iter()
        .filter(|k| props.is_some_and(|p| p.contains_key(**k)))
        .map(|k| k.to_string())
        .collect();
    for k in props.into_iter().flat_map(Map::keys) {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    keys
}

/// What a property is, for a TOML file.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// A table: `[key]` (`optional`: it may be left out, as `Option`).
    Table { def: String, optional: bool },
    /// An array of tables: `[[key]]`.
    Tables { def: String },
    /// A table of free keys: `[style]`, footnotes.
    Map,
    /// A value (`date`: a TOML date).
    Value { date: bool },
}

/// The definition a `$ref` names.
fn def_name(v: &Value) -> Option<&str> {
    v["$ref"].as_str()?.strip_prefix("#/$defs/")
}

/// Whether a definition is a table with keys.
fn is_table(root: &Value, def: &str) -> bool {
    root["$defs"][def]["properties"].is_object()
}

fn shape(root: &Value, prop: &Value) -> Shape {
    let alts: Vec<&Value> = match prop["anyOf"].as_array() {
        Some(a) => a.iter().collect(),
        None => vec![prop],
    };
    let optional = alts.iter().any(|a| a["type"] == "null");
    for a in &alts {
        if let Some(def) = def_name(a) {
            if def == "TomlDate" {
                return Shape::Value { date: true };
            }
            if is_table(root, def) {
                return Shape::Table {
                    def: def.to_string(),
                    optional,
                };
            }
        }
        if a["type"] == "array" {
            if let Some(def) = def_name(&a["items"]).filter(|d| is_table(root, d)) {
                return Shape::Tables {
                    def: def.to_string(),
                };
            }
        }
        if a["type"] == "object" && a["additionalProperties"].is_object()
            || a["additionalProperties"] == true
        {
            return Shape::Map;
        }
    }
    Shape::Value { date: false }
}

/// The table definition an example's array of tables is of: the items of an
/// array among the property's alternatives (`body`: `BodyBlock`).
fn items_def(root: &Value, prop: &Value) -> Option<String> {
    let prop = match def_name(prop) {
        Some(d) => &root["$defs"][d],
        None => prop,
    };
    prop["anyOf"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(std::iter::once(prop))
        .filter(|a| a["type"] == "array")
        .find_map(|a| def_name(&a["items"]).map(String::from))
}

/// A description in one line: the doc comment's lines joined.
fn one_line(description: &Value) -> Option<String> {
    let d = description.as_str()?;
    let d: Vec<&str> = d.split_whitespace().collect();
    (!d.is_empty()).then(|| d.join(" "))
}

/// A string as TOML: multi-line (`"""`) when it holds line breaks and can be
/// written so as it is.
fn toml_string(s: &str) -> String {
    let plain = |c: char| c == '\n' || !c.is_control();
    if s.contains('\n')
        && s.ends_with('\n')
        && s.chars().all(plain)
        && !s.contains('\\')
        && !s.contains("\"\"")
    {
        format!("\"\"\"\n{s}\"\"\"")
    } else {
        toml::Value::String(s.to_string()).to_string()
    }
}

fn toml_value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => toml_string(s),
        toml::Value::Datetime(d) => d.to_string(),
        v => v.to_string(),
    }
}

/// The template's text, written from the schema.
struct Writer {
    root: Value,
    date: Date,
    out: String,
}

impl Writer {
    fn new(date: Date) -> Writer {
        Writer {
            root: schema_of(SchemaKind::Issue),
            date,
            out: String::new(),
        }
    }

    /// An example as TOML (a date example is the issue's date).
    fn example(&self, prop: &Value, n: usize, date: bool) -> Option<toml::Value> {
        if date {
            return Some(toml::Value::Datetime(self.date.to_toml()));
        }
        let e = prop["examples"].get(n)?;
        toml::Value::try_from(e).ok()
    }

    /// A value for a key with no example: by its type.
    fn placeholder(prop: &Value) -> toml::Value {
        let ty = |t: &str| {
            prop["type"] == t
                || prop["type"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == t))
        };
        if ty("boolean") {
            toml::Value::Boolean(false)
        } else if ty("integer") || ty("number") {
            toml::Value::Integer(1)
        } else if ty("array") {
            toml::Value::Array(Vec::new())
        } else {
            toml::Value::String(String::new())
        }
    }

    fn describe(&mut self, prop: &Value) {
        if let Some(d) = one_line(&prop["description"]) {
            self.describe_text(&d);
        }
    }

    /// `## ` lines, wrapped.
    fn describe_text(&mut self, d: &str) {
        let mut line = String::from("##");
        for word in d.split(' ') {
            if line.chars().count() + 1 + word.chars().count() > 79 && line != "##" {
                self.out.push_str(&line);
                self.out.push('\n');
                line = String::from("##");
            }
            line.push(' ');
            line.push_str(word);
        }
        self.out.push_str(&line);
        self.out.push('\n');
    }

    /// `key = value`, commented out with `# ` when `commented`; a
    /// multi-line value has every line commented.
    fn key(&mut self, key: &str, value: &toml::Value, commented: bool) {
        let text = format!("{key} = {}", toml_value(value));
        for line in text.split('\n') {
            if commented {
                self.out.push_str(if line.is_empty() { "#" } else { "# " });
            }
            self.out.push_str(line);
            self.out.push('\n');
        }
    }

    fn header(&mut self, path: &str, array: bool, commented: bool) {
        let (open, close) = if array { ("[[", "]]") } else { ("[", "]") };
        let hash = if commented { "# " } else { "" };
        self.out.push_str(&format!("{hash}{open}{path}{close}\n"));
    }

    /// The top level: its values, then its tables, each key that `keep`
    /// keeps.
    fn root_table(&mut self, root: &Value, values: &toml::Table, keep: impl Fn(&str) -> bool) {
        let keys: Vec<String> = ordered_keys(root, "Issue")
            .into_iter()
            .filter(|k| keep(k))
            .collect();
        let required = strings(&root["required"]);
        // The alternatives of articles: [[columns]] or [[articles]].
        let alternatives: Vec<String> = root["oneOf"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|a| strings(&a["required"]))
            .collect();
        let mut first_value = true;
        for k in &keys {
            let prop = &root["properties"][k.as_str()];
            if let Shape::Value { date } = shape(root, prop) {
                if first_value {
                    self.out.push('\n');
                    first_value = false;
                }
                self.value_key(k, prop, values.get(k), required.contains(k), date, false);
            }
        }
        for k in &keys {
            let prop = &root["properties"][k.as_str()];
            let value = values.get(k).and_then(toml::Value::as_table);
            match shape(root, prop) {
                Shape::Value { .. } => {}
                Shape::Tables { def } => {
                    self.out.push('\n');
                    let first = alternatives.first() == Some(k) || alternatives.is_empty();
                    if first {
                        self.describe(prop);
                        self.item(&def, k);
                    } else {
                        let d = one_line(&prop["description"]).unwrap_or_default();
                        let instead = alternatives.first().cloned().unwrap_or_default();
                        self.describe_text(&format!(
                            "{d} Write [[{k}]] tables instead of [[{instead}]]."
                        ));
                    }
                }
                shape => {
                    let req = required.contains(k);
                    self.sub_table(k, prop, shape, value, req, false);
                }
            }
        }
    }

    /// A key with a value: its own, else (required) its example as a
    /// placeholder, else its example commented out.
    fn value_key(
        &mut self,
        key: &str,
        prop: &Value,
        value: Option<&toml::Value>,
        required: bool,
        date: bool,
        commented: bool,
    ) {
        self.describe(prop);
        let own = value.filter(|v| v.as_str().is_none_or(|s| !s.trim().is_empty()));
        match own {
            Some(v) => self.key(key, v, commented),
            None => {
                let v = self
                    .example(prop, 0, date)
                    .unwrap_or_else(|| Self::placeholder(prop));
                self.key(key, &v, commented || !required);
            }
        }
    }

    /// A table (`[path]`) or a table of free keys, after a blank line and
    /// its description; commented out when optional with nothing set.
    fn sub_table(
        &mut self,
        path: &str,
        prop: &Value,
        shape: Shape,
        values: Option<&toml::Table>,
        required: bool,
        commented: bool,
    ) {
        match shape {
            Shape::Table { def, optional } => {
                self.out.push('\n');
                self.describe(prop);
                let set = values.is_some_and(|v| !v.is_empty());
                let commented = commented || (optional && !set && !required);
                self.header(path, false, commented);
                self.table(&def, path, values, commented);
            }
            Shape::Map => {
                self.out.push('\n');
                self.describe(prop);
                let Some(example) = prop["examples"].get(0).and_then(Value::as_object) else {
                    return;
                };
                self.header(path, false, commented);
                for (k, v) in example {
                    if let Ok(v) = toml::Value::try_from(v) {
                        self.key(k, &v, true);
                    }
                }
            }
            _ => {}
        }
    }

    /// The keys of a table (`def`) at `path`: values first, then its tables.
    fn table(&mut self, def: &str, path: &str, values: Option<&toml::Table>, commented: bool) {
        let schema = self.root["$defs"][def].clone();
        let required = strings(&schema["required"]);
        let keys = ordered_keys(&schema, def);
        let mut later = Vec::new();
        for k in &keys {
            let prop = &schema["properties"][k.as_str()];
            match shape(&self.root, prop) {
                Shape::Value { date } => {
                    let v = values.and_then(|t| t.get(k.as_str()));
                    self.value_key(k, prop, v, required.contains(k), date, commented);
                }
                shape => later.push((k, prop, shape)),
            }
        }
        for (k, prop, shape) in later {
            let sub = format!("{path}.{k}");
            match shape {
                Shape::Tables { def } => {
                    self.out.push('\n');
                    self.describe(prop);
                    if prop["minItems"].as_u64().unwrap_or(0) >= 1 && !commented {
                        self.item(&def, &sub);
                    }
                }
                shape => {
                    let v = values.and_then(|t| t.get(k.as_str())?.as_table());
                    self.sub_table(&sub, prop, shape, v, false, commented);
                }
            }
        }
    }

    /// One placeholder item of an array of tables (`[[path]]`), then, for
    /// each further example of one of its keys, a commented item with it.
    fn item(&mut self, def: &str, path: &str) {
        self.header(path, true, false);
        self.table(def, path, None, false);
        let schema = self.root["$defs"][def].clone();
        let required = strings(&schema["required"]);
        for k in ordered_keys(&schema, def) {
            let prop = &schema["properties"][k.as_str()];
            let Some(more) = prop["examples"].as_array().filter(|e| e.len() > 1) else {
                continue;
            };
            for example in &more[1..] {
                self.alternative(def, path, &required, &k, prop, example);
            }
        }
    }

    /// A commented item whose `key` is `example` (its other required keys
    /// their first examples): an array of tables as `[[path.key]]` blocks.
    fn alternative(
        &mut self,
        def: &str,
        path: &str,
        required: &[String],
        key: &str,
        prop: &Value,
        example: &Value,
    ) {
        let schema = self.root["$defs"][def].clone();
        let tables = example
            .as_array()
            .filter(|a| a.iter().all(Value::is_object) && !a.is_empty());
        self.out.push('\n');
        let how = match tables {
            Some(_) => format!("[[{path}.{key}]] tables in order"),
            None => format!(
                "{key} = {}",
                toml::Value::try_from(example).map_or(String::new(), |v| toml_value(&v))
            ),
        };
        self.describe_text(&format!("Or, with {how}:"));
        self.header(path, true, true);
        for k in ordered_keys(&schema, def) {
            let p = &schema["properties"][k.as_str()];
            if k == key {
                if tables.is_none() {
                    if let Ok(v) = toml::Value::try_from(example) {
                        self.key(&k, &v, true);
                    }
                }
            } else if required.contains(&k) {
                if let Shape::Value { date } = shape(&self.root, p) {
                    if let Some(v) = self.example(p, 0, date) {
                        self.key(&k, &v, true);
                    }
                }
            }
        }
        let items_def = items_def(&self.root, prop).unwrap_or_default();
        let items_schema = self.root["$defs"][items_def.as_str()].clone();
        for item in tables.into_iter().flatten() {
            self.header(&format!("{path}.{key}"), true, true);
            let Some(item) = item.as_object() else {
                continue;
            };
            let mut order = ordered_keys(&items_schema, &items_def);
            order.extend(
                item.keys()
                    .filter(|k| !order.contains(k))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
            for k in order {
                if let Some(v) = item.get(&k).and_then(|v| toml::Value::try_from(v).ok()) {
                    self.key(&k, &v, true);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::parse_issue;

    fn date() -> Date {
        Date {
            year: 2024,
            month: 5,
            day: 6,
        }
    }

    #[test]
    fn fields_come_in_declaration_order() {
        assert_eq!(
            &fields::<model::Bulletin>(),
            &["name", "above", "office", "marker"]
        );
        assert_eq!(fields::<model::Footer>().first(), Some(&"zhusong"));
    }

    /// Every table of the schema has its field order here.
    #[test]
    fn every_table_has_its_order() {
        let root = schema_of(SchemaKind::Issue);
        for (name, def) in root["$defs"].as_object().unwrap() {
            if def["properties"].is_object() {
                assert!(field_order(name).is_some(), "{name}");
            }
        }
    }

    #[test]
    fn days_to_dates() {
        assert_eq!(date_of_days(0), Date::new(1970, 1, 1).unwrap());
        assert_eq!(date_of_days(19_783), Date::new(2024, 3, 1).unwrap());
    }

    #[test]
    fn templates_read_as_they_are() {
        for series in [false, true] {
            let text = issue_template(7, date(), None, series);
            assert!(text.contains("number = 7\n"), "{text}");
            assert!(text.contains("date = 2024-05-06\n"), "{text}");
            if !series {
                parse_issue("issue-7.toml".as_ref(), text.as_bytes())
                    .unwrap_or_else(|e| panic!("{}\n{text}", e.message));
            }
        }
        let series = series_template(date(), None);
        let _: toml::Table = toml::from_str(&series).unwrap();
        assert!(series.contains("[bulletin]"), "{series}");
        assert!(!series.contains("\n[issue]"), "{series}");
    }

    /// Keys come in the model's order, with descriptions as `## `.
    #[test]
    fn keys_in_the_models_order() {
        let text = issue_template(1, date(), None, false);
        let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s}:\n{text}"));
        assert!(at("# zhusong = ") < at("# bao = "));
        assert!(at("# printer = ") < at("# print_date = 2024-05-06"));
        assert!(at("# print_date = ") < at("# copies = "));
        assert!(at("\nname = \"工作简报\"") < at("\noffice = "));
        assert!(text.contains("## 主送："), "{text}");
    }

    /// The masthead, footer and total come from the newest issue.
    #[test]
    fn the_newest_issue_lends_its_masthead() {
        let table: toml::Table = toml::from_str(
            "[bulletin]\nname = \"学习简报\"\noffice = \"协调小组办公室\"\n\
             [issue]\nnumber = 41\ntotal = 300\ndate = 2024-01-01\n[footer]\nbao = \"市委\"\n",
        )
        .unwrap();
        let newest = Newest {
            path: "issue-41.toml".into(),
            number: 41,
            table,
        };
        let text = issue_template(42, date(), Some(&newest), false);
        assert!(text.contains("\nname = \"学习简报\"\n"), "{text}");
        assert!(text.contains("\ntotal = 301\n"), "{text}");
        assert!(text.contains("\n[footer]\n"), "{text}");
        assert!(text.contains("\nbao = \"市委\"\n"), "{text}");
        assert!(text.contains("\n# song = "), "{text}");
        parse_issue("issue-42.toml".as_ref(), text.as_bytes())
            .unwrap_or_else(|e| panic!("{}\n{text}", e.message));
    }
}
