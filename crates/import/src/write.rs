//! Writing an issue file: the model ([`bulletin_model::Issue`]) serialised
//! with `toml_edit`, laid out in the style of `examples/issue-363.toml`
//! (`[bulletin]`, `[issue]`, `[[columns]]` and `[[columns.articles]]`
//! tables, multi-line strings for bodies, inline tables for cells), with a
//! `# check: …` comment at each place the importer guessed, attached by its
//! [`KeyPath`]. User text is data: every string goes through toml_edit's
//! escaping, and foreign text in comments through [`comment_text`].
//!
//! [`update_issue_toml`] rewrites an existing file for a changed issue,
//! keeping its comments and key order where nothing changed.

use bulletin_model::keypath::Segment;
use bulletin_model::{Error, FooterField, Issue, KeyPath, Result};
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

use super::recognize::Check;

/// One key that a series file (`bulletin.toml`) holds for the issues of a
/// folder: its table (`None`: the top level), its key and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedKey {
    pub table: Option<&'static str>,
    pub key: &'static str,
    pub value: toml::Value,
}

/// What a series file holds for the issues of a folder, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shared {
    pub entries: Vec<SharedKey>,
}

/// Foreign text (a file name, a message quoting the input) made safe for a
/// TOML comment, on one line: line breaks (CR, LF, U+2028, U+2029) and
/// other control characters become spaces. Every comment this crate writes
/// goes through here.
pub fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// The comment lines of a check: `# check: …`, its further lines `#   …`.
fn check_lines(message: &str) -> String {
    let mut out = String::new();
    for (i, line) in message.split('\n').enumerate() {
        out.push_str(if i == 0 { "# check: " } else { "#   " });
        out.push_str(comment_text(line).trim_end());
        out.push('\n');
    }
    out
}

/// The (table, key, value) of the layout, the bulletin and the footer that
/// issues of one folder may share: what `--series` compares between them.
pub fn shareable(issue: &Issue) -> Vec<SharedKey> {
    let mut v = Vec::new();
    let mut push = |table, key, value: &str| {
        v.push(SharedKey {
            table,
            key,
            value: toml::Value::String(value.to_string()),
        })
    };
    if let Some(l) = &issue.layout {
        push(None, "layout", l);
    }
    let b = &issue.bulletin;
    push(Some("bulletin"), "name", &b.name);
    if let Some(a) = &b.above {
        push(Some("bulletin"), "above", a);
    }
    push(Some("bulletin"), "office", &b.office);
    if let Some(m) = &b.marker {
        push(Some("bulletin"), "marker", m);
    }
    if let Some(f) = &issue.footer {
        // 本期增发 and the proofreader are the issue's own.
        for field in FooterField::ALL
            .into_iter()
            .filter(|f| !matches!(f, FooterField::Zengfa | FooterField::Proofreader))
        {
            if let Some(val) = field.get(f) {
                push(Some("footer"), field.key(), val);
            }
        }
    }
    v
}

/// The series file for what the issues of a folder share.
pub fn series_toml(shared: &Shared) -> Result<String> {
    let mut doc = DocumentMut::new();
    doc.decor_mut().set_prefix(
        "#:schema ./series.schema.json\n# What the issues of this folder share (written by \
         bulletin-pdf import --series);\n# each issue file here holds only what differs.\n",
    );
    for e in &shared.entries {
        let value = edit_value(&e.value)?;
        match e.table {
            None => {
                doc.insert(e.key, Item::Value(value));
            }
            Some(t) => {
                let table = doc
                    .entry(t)
                    .or_insert_with(|| Item::Table(Table::new()))
                    .as_table_mut()
                    .ok_or_else(|| Error::input(format!("{t} is not a table")))?;
                table.insert(e.key, Item::Value(value));
            }
        }
    }
    Ok(doc.to_string())
}

fn edit_value(v: &toml::Value) -> Result<Value> {
    serde::Serialize::serialize(v, toml_edit::ser::ValueSerializer::new())
        .map_err(|e| Error::input(format!("cannot write the value {v}: {e}")))
}

/// The issue as a TOML document, laid out for people: tables for
/// `[bulletin]`, `[issue]`, `[footer]`, the notes and footnotes; arrays of
/// tables for columns, articles and body blocks; bodies as multi-line
/// strings; one row of a table (one list item) a line.
pub fn issue_document(issue: &Issue) -> Result<DocumentMut> {
    document(issue, true)
}

/// The document; with `newlines`, bodies (and long texts) end with a line
/// break, so that they are written as multi-line strings.
fn document(issue: &Issue, newlines: bool) -> Result<DocumentMut> {
    let mut doc = toml_edit::ser::to_document(issue)
        .map_err(|e| Error::input(format!("cannot write the issue: {e}")))?;
    let root = doc.as_table_mut();
    for key in ["bulletin", "issue", "options", "footer", "style"] {
        to_table(root, key);
    }
    if issue.options.is_default() {
        root.remove("options");
    }
    to_tables(root, "columns");
    if let Some(columns) = root
        .get_mut("columns")
        .and_then(Item::as_array_of_tables_mut)
    {
        for c in columns.iter_mut() {
            to_tables(c, "articles");
            if let Some(articles) = c.get_mut("articles").and_then(Item::as_array_of_tables_mut) {
                articles
                    .iter_mut()
                    .for_each(|a| lay_out_article(a, newlines));
            }
        }
    }
    to_tables(root, "articles");
    if let Some(articles) = root
        .get_mut("articles")
        .and_then(Item::as_array_of_tables_mut)
    {
        articles
            .iter_mut()
            .for_each(|a| lay_out_article(a, newlines));
    }
    drop_empty(root);
    Ok(doc)
}

/// An inline table under `key` made a table (`[key]`).
fn to_table(t: &mut Table, key: &str) {
    if let Some(item) = t.get_mut(key) {
        if let Item::Value(Value::InlineTable(inline)) = item {
            let table = std::mem::take(inline).into_table();
            *item = Item::Table(table);
        }
    }
}

/// An array of inline tables under `key` made an array of tables
/// (`[[key]]`).
fn to_tables(t: &mut Table, key: &str) {
    let Some(item) = t.get_mut(key) else { return };
    let Item::Value(Value::Array(array)) = item else {
        return;
    };
    if !array.iter().all(Value::is_inline_table) {
        return;
    }
    let mut tables = ArrayOfTables::new();
    for v in array.iter() {
        if let Value::InlineTable(inline) = v {
            tables.push(inline.clone().into_table());
        }
    }
    *item = Item::ArrayOfTables(tables);
}

/// An article: its note and footnotes as tables, its blocks as an array
/// of tables, bodies multi-line, arrays one element a line.
fn lay_out_article(a: &mut Table, newlines: bool) {
    to_table(a, "note");
    to_table(a, "footnotes");
    if newlines {
        multiline(a, "body", true);
        if let Some(note) = a.get_mut("note").and_then(Item::as_table_mut) {
            multiline(note, "text", false);
        }
    }
    to_tables(a, "body");
    if let Some(blocks) = a.get_mut("body").and_then(Item::as_array_of_tables_mut) {
        for b in blocks.iter_mut() {
            if newlines {
                multiline(b, "text", true);
            }
            for key in ["header", "rows", "images", "items"] {
                if let Some(array) = b.get_mut(key).and_then(Item::as_array_mut) {
                    for v in array.iter_mut() {
                        v.decor_mut().set_prefix("\n  ");
                    }
                    array.set_trailing("\n");
                    array.set_trailing_comma(true);
                }
            }
        }
    }
}

/// A text written as a multi-line string (`"""`, a line break, the text, a
/// line break, `"""`): always for bodies, for other texts when they have
/// more than one line or more than 40 characters. A final line break is
/// added for it; the text is otherwise unchanged.
fn multiline(t: &mut Table, key: &str, always: bool) {
    let Some(Item::Value(Value::String(s))) = t.get(key) else {
        return;
    };
    let s = s.value();
    let long = always || s.contains('\n') || s.chars().count() > 40;
    if long && !s.ends_with('\n') {
        let text = format!("{s}\n");
        t.insert(key, Item::Value(Value::from(text)));
    }
}

/// Leaves out empty arrays and tables (an empty list of signers, no
/// footnotes, no style): what reading gives by default.
fn drop_empty(t: &mut Table) {
    let empty: Vec<String> = t
        .iter()
        .filter(|(_, item)| match item {
            Item::Value(Value::Array(a)) => a.is_empty(),
            Item::Value(Value::InlineTable(i)) => i.is_empty(),
            Item::Table(t) => t.is_empty(),
            Item::ArrayOfTables(a) => a.is_empty(),
            _ => false,
        })
        .map(|(k, _)| k.to_string())
        .collect();
    for k in empty {
        t.remove(&k);
    }
    for (_, item) in t.iter_mut() {
        match item {
            Item::Table(t) => drop_empty(t),
            Item::ArrayOfTables(a) => a.iter_mut().for_each(drop_empty),
            _ => {}
        }
    }
}

/// The table at a key path, when the document has it.
fn table_at<'d>(doc: &'d mut DocumentMut, at: &KeyPath) -> Option<&'d mut Table> {
    let mut t = doc.as_table_mut();
    let segments = at.segments();
    let mut i = 0;
    while i < segments.len() {
        let Segment::Key(k) = segments[i] else {
            return None;
        };
        match (t.get_mut(k)?, segments.get(i + 1)) {
            (Item::ArrayOfTables(a), Some(Segment::Index(n))) => {
                t = a.get_mut(*n)?;
                i += 2;
            }
            (Item::Table(next), _) => {
                t = next;
                i += 1;
            }
            _ => return None,
        }
    }
    Some(t)
}

/// The issue file. `source` names the input (for the first comment);
/// `checks` are written as `# check: …` comments at their places; `shared`
/// lists what a series file beside it holds (left out here).
pub fn issue_toml(
    issue: &Issue,
    checks: &[Check],
    source: &str,
    shared: &Shared,
) -> Result<String> {
    let mut doc = issue_document(issue)?;
    // What the series file holds.
    for e in &shared.entries {
        match e.table {
            None => {
                doc.remove(e.key);
            }
            Some(t) => {
                if let Some(table) = doc.get_mut(t).and_then(Item::as_table_mut) {
                    table.remove(e.key);
                }
            }
        }
    }
    for (key, at) in [("bulletin", KeyPath::Bulletin), ("footer", KeyPath::Footer)] {
        let empty = doc
            .get(key)
            .and_then(Item::as_table)
            .is_some_and(Table::is_empty);
        if empty && !checks.iter().any(|c| c.at == at) {
            doc.remove(key);
        }
    }
    // A table with a check comment is written even when it is empty.
    for (key, at) in [
        ("bulletin", KeyPath::Bulletin),
        ("issue", KeyPath::Issue),
        ("footer", KeyPath::Footer),
    ] {
        if checks.iter().any(|c| c.at == at) && doc.get(key).is_none() {
            doc.insert(key, Item::Table(Table::new()));
        }
    }
    let mut banner = format!(
        "#:schema ./{}\n# Imported by bulletin-pdf import from {}.\n# Look at the comments that \
         start with \"check:\", then run bulletin-pdf check on this file.\n",
        if shared.entries.is_empty() {
            "issue.schema.json"
        } else {
            "issue-partial.schema.json"
        },
        comment_text(source)
    );
    // The checks, each group above its table's header.
    let mut places: Vec<KeyPath> = Vec::new();
    for c in checks {
        if !places.contains(&c.at) {
            places.push(c.at);
        }
    }
    for at in places {
        let lines: String = checks
            .iter()
            .filter(|c| c.at == at)
            .map(|c| check_lines(&c.message))
            .collect();
        match table_at(&mut doc, &at).filter(|_| at != KeyPath::File) {
            Some(t) => {
                t.decor_mut().set_prefix(format!("\n{lines}"));
            }
            None => banner.push_str(&lines),
        }
    }
    if doc.as_table().get_values().is_empty() {
        // The first table's header follows the banner after a blank line.
        banner.push('\n');
    }
    doc.decor_mut().set_prefix(banner);
    Ok(doc.to_string())
}

/// An existing issue file rewritten for a changed issue: only the keys whose
/// value changed are rewritten (their comments kept), keys the issue no
/// longer has are removed, new ones added at the end of their table;
/// comments, key order and formatting elsewhere survive. The issue is what
/// this file alone holds (not merged with a series file).
pub fn update_issue_toml(existing: &str, issue: &Issue) -> Result<String> {
    let mut doc: DocumentMut = existing
        .parse()
        .map_err(|e| Error::input(format!("the issue file is not valid TOML: {e}")))?;
    let new = document(issue, false)?;
    merge_table(doc.as_table_mut(), new.as_table());
    Ok(doc.to_string())
}

fn merge_table(old: &mut Table, new: &Table) {
    let gone: Vec<String> = old
        .iter()
        .filter(|(k, _)| !new.contains_key(k))
        .map(|(k, _)| k.to_string())
        .collect();
    for k in gone {
        old.remove(&k);
    }
    for (k, item) in new.iter() {
        match old.get_mut(k) {
            Some(o) => merge_item(o, item),
            None => {
                old.insert(k, item.clone());
            }
        }
    }
}

fn merge_item(old: &mut Item, new: &Item) {
    let structured = matches!(
        (&*old, new),
        (Item::Table(_), Item::Table(_)) | (Item::ArrayOfTables(_), Item::ArrayOfTables(_))
    );
    if !structured && same(old, new) {
        return;
    }
    match (&mut *old, new) {
        (Item::Table(o), Item::Table(n)) => merge_table(o, n),
        (Item::ArrayOfTables(o), Item::ArrayOfTables(n)) => {
            while o.len() > n.len() {
                o.remove(o.len() - 1);
            }
            for (i, t) in n.iter().enumerate() {
                match o.get_mut(i) {
                    Some(ot) => merge_table(ot, t),
                    None => o.push(t.clone()),
                }
            }
        }
        (Item::Value(o), Item::Value(n)) => {
            // The new value in the old one's place, with its comments.
            let decor = o.decor().clone();
            *o = n.clone();
            *o.decor_mut() = decor;
        }
        _ => *old = new.clone(),
    }
}

/// Whether two items hold the same data, however they are written.
fn same(a: &Item, b: &Item) -> bool {
    fn data(item: &Item) -> Option<toml::Value> {
        let mut doc = DocumentMut::new();
        doc.insert("v", item.clone());
        toml::from_str::<toml::Table>(&doc.to_string())
            .ok()?
            .remove("v")
    }
    match (data(a), data(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(text: &str) -> Issue {
        bulletin_model::source::parse_issue("t.toml".as_ref(), text.as_bytes())
            .unwrap_or_else(|e| panic!("{}", e.message))
    }

    const MINIMAL: &str = r#"
[bulletin]
name = "工作简报"
office = "办公室"

[issue]
number = 3
date = 2024-05-06

[[articles]]
title = "标题"
body = "正文。"
"#;

    #[test]
    fn strings_round_trip() {
        for s in [
            "plain",
            "a \"quoted\" word",
            "ends with a quote\"",
            "three \"\"\" quotes",
            "back\\slash\\",
            "line\nbreak",
            "\u{1}control",
            "tab\there",
            "\"\"\"\"\"",
            "cr\r\nlf",
            "'''single'''\n",
        ] {
            let mut i = issue(MINIMAL);
            i.bulletin.name = s.to_string();
            i.articles[0].body = bulletin_model::Body::Text(s.to_string());
            let text = issue_toml(&i, &[], "t", &Shared::default()).unwrap();
            let back = issue(&text);
            assert_eq!(back.bulletin.name, s, "{text}");
            let bulletin_model::Body::Text(body) = &back.articles[0].body else {
                panic!("{text}")
            };
            let want = if s.ends_with('\n') {
                s.to_string()
            } else {
                format!("{s}\n")
            };
            assert_eq!(body, &want, "{text}");
        }
    }

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(comment_text("a\r\nb\u{2028}c\u{7}"), "a  b c ");
        let checks = [Check {
            at: KeyPath::Issue,
            message: "first\r\n[injected]\nsecond".into(),
        }];
        let text = issue_toml(
            &issue(MINIMAL),
            &checks,
            "x\r[injected]\n=1",
            &Shared::default(),
        )
        .unwrap();
        let t: toml::Table = toml::from_str(&text).unwrap();
        assert!(!t.contains_key("injected"), "{text}");
        assert!(text.contains("# check: first"), "{text}");
        assert!(text.contains("#   second"), "{text}");
        assert!(text.contains("from x [injected] =1."), "{text}");
    }

    #[test]
    fn checks_go_to_their_key_paths() {
        let mut i = issue(MINIMAL);
        i.articles.push(i.articles[0].clone());
        let checks = [
            Check {
                at: KeyPath::Article {
                    column: None,
                    index: 1,
                },
                message: "the second article".into(),
            },
            Check {
                at: KeyPath::Footer,
                message: "no footer".into(),
            },
        ];
        let text = issue_toml(&i, &checks, "t", &Shared::default()).unwrap();
        let second = text.rfind("[[articles]]").unwrap();
        let check = text.find("# check: the second article").unwrap();
        assert!(
            check < second && check > text.find("[[articles]]").unwrap(),
            "{text}"
        );
        assert!(text.contains("# check: no footer\n[footer]"), "{text}");
        issue(&text);
    }

    #[test]
    fn an_update_keeps_comments_and_order() {
        let existing = r#"# My bulletin.
[issue]
date = 2024-05-06 # the day it went out
number = 3

# Who publishes it.
[bulletin]
office = "办公室"
name = "工作简报"

[[articles]]
title = "标题"
body = "正文。"
"#;
        let mut i = issue(existing);
        i.issue.number = bulletin_model::IssueNumber::Number(4);
        let text = update_issue_toml(existing, &i).unwrap();
        assert_eq!(
            text,
            existing.replace("number = 3", "number = 4"),
            "only the number changes"
        );
        // A new key goes to the end of its table; a removed one goes.
        i.bulletin.marker = Some("内部资料".into());
        i.articles[0].title = "新标题".into();
        let text = update_issue_toml(existing, &i).unwrap();
        assert!(
            text.contains("name = \"工作简报\"\nmarker = \"内部资料\"\n"),
            "{text}"
        );
        assert!(text.contains("title = \"新标题\""), "{text}");
        assert!(text.contains("# the day it went out"), "{text}");
        assert!(text.starts_with("# My bulletin.\n[issue]\ndate"), "{text}");
        assert_eq!(issue(&text).bulletin.marker.as_deref(), Some("内部资料"));
    }
}
