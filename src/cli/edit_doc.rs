//! The editor's issue as data: the page edits the issue file's own table as
//! JSON; here that JSON becomes the file's new text, by editing the loaded
//! text with `toml_edit` at the changed paths only (comments, key order and
//! formatting kept wherever a value did not change), and the places of the
//! new text (lines) are named by their key paths, so that `check`'s
//! problems can be shown at their fields.
//!
//! What is valid is not decided here: the text made is read as an issue
//! (`bulletin_model::Issue`, through the series files) by the check and the
//! render that follow, and a save writes only a text that did.

use serde_json::{Map, Value as Json};
use toml_edit::{Array, ArrayOfTables, DocumentMut, ImDocument, InlineTable, Item, Table, Value};

/// The keys in the order a person writes them (the model's order): keys of
/// a table that is new are inserted in this order, others after them.
const ORDER: &[&str] = &[
    // The root.
    "bulletin",
    "issue",
    "options",
    "layout",
    "style",
    "columns",
    "articles",
    "footer",
    // [bulletin]
    "name",
    "above",
    "office",
    "marker",
    // [issue]
    "number",
    "total",
    "date",
    "kind",
    "copy",
    "classification",
    "secrecy_period",
    "urgency",
    "signers",
    // An article.
    "title",
    "toc_title",
    "note",
    "body",
    "footnotes",
    "byline",
    "detect",
    // A note.
    "label",
    "text",
    "signer",
    // A block.
    "caption",
    "header",
    "rows",
    "csv",
    "image",
    "images",
    "width",
    "items",
    "numbered",
    // [footer]
    "zhusong",
    "bao",
    "song",
    "fa",
    "zengfa",
    "editor",
    "proofreader",
    "reviewer",
    "approver",
    "contact",
    "phone",
    "email",
    "printer",
    "print_date",
    "copies",
];

fn rank(key: &str) -> usize {
    ORDER.iter().position(|k| *k == key).unwrap_or(ORDER.len())
}

fn ordered(m: &Map<String, Json>) -> Vec<(&String, &Json)> {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by_key(|(k, _)| (rank(k), k.as_str()));
    v
}

/// The keys whose strings are TOML dates.
fn is_date_key(key: &str) -> bool {
    key == "date" || key == "print_date"
}

/// A TOML value as the page's JSON: dates as their text (2020-02-10).
pub fn toml_to_json(v: &toml::Value) -> Json {
    match v {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Integer(i) => Json::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        toml::Value::Boolean(b) => Json::Bool(*b),
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(a) => Json::Array(a.iter().map(toml_to_json).collect()),
        // A date serialised into a value (`Spanned<Datetime>` of an issue
        // made in memory) is a table of one private key.
        toml::Value::Table(t) if t.len() == 1 && t.contains_key("$__toml_private_datetime") => {
            toml_to_json(&t["$__toml_private_datetime"])
        }
        toml::Value::Table(t) => Json::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

/// A table as the page's JSON.
pub fn table_to_json(t: &toml::Table) -> Json {
    toml_to_json(&toml::Value::Table(t.clone()))
}

/// An edited value as JSON, for comparing with the page's.
fn edit_value_json(v: &Value) -> Json {
    match v {
        Value::String(s) => Json::String(s.value().clone()),
        Value::Integer(i) => Json::from(*i.value()),
        Value::Float(f) => {
            serde_json::Number::from_f64(*f.value()).map_or(Json::Null, Json::Number)
        }
        Value::Boolean(b) => Json::Bool(*b.value()),
        Value::Datetime(d) => Json::String(d.value().to_string()),
        Value::Array(a) => Json::Array(a.iter().map(edit_value_json).collect()),
        Value::InlineTable(t) => Json::Object(
            t.iter()
                .map(|(k, v)| (k.to_string(), edit_value_json(v)))
                .collect(),
        ),
    }
}

fn item_json(item: &Item) -> Json {
    match item {
        Item::None => Json::Null,
        Item::Value(v) => edit_value_json(v),
        Item::Table(t) => Json::Object(
            t.iter()
                .map(|(k, v)| (k.to_string(), item_json(v)))
                .collect(),
        ),
        Item::ArrayOfTables(a) => Json::Array(
            a.iter()
                .map(|t| item_json(&Item::Table(t.clone())))
                .collect(),
        ),
    }
}

/// The page's JSON as a TOML value (`key` is the key it is under: a date's
/// string becomes a date).
fn json_value(v: &Json, key: &str) -> Option<Value> {
    Some(match v {
        Json::Null => return None,
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::from(i),
            None => Value::from(n.as_f64()?),
        },
        Json::String(s) => match is_date_key(key)
            .then(|| s.trim().parse::<toml_edit::Datetime>().ok())
            .flatten()
        {
            Some(d) => Value::from(d),
            None => Value::from(s.as_str()),
        },
        Json::Array(a) => {
            let mut out = Array::new();
            for e in a {
                if let Some(v) = json_value(e, "") {
                    out.push(v);
                }
            }
            // A table's rows, a list's items: one a line.
            if matches!(key, "rows" | "header" | "items" | "images") && !out.is_empty() {
                for v in out.iter_mut() {
                    v.decor_mut().set_prefix("\n  ");
                }
                out.set_trailing("\n");
                out.set_trailing_comma(true);
            }
            Value::Array(out)
        }
        Json::Object(m) => {
            let mut t = InlineTable::new();
            for (k, v) in ordered(m) {
                if let Some(v) = json_value(v, k) {
                    t.insert(k, v);
                }
            }
            Value::InlineTable(t)
        }
    })
}

fn is_tables(a: &[Json]) -> bool {
    !a.is_empty() && a.iter().all(Json::is_object)
}

/// A new item for `v` under `key`, laid out as a person writes it: tables
/// as `[key]`, arrays of tables as `[[key]]`, the rest as values.
fn new_item(v: &Json, key: &str) -> Option<Item> {
    match v {
        Json::Object(m) => {
            let mut t = Table::new();
            fill_table(&mut t, m);
            Some(Item::Table(t))
        }
        Json::Array(a) if is_tables(a) && key != "images" => {
            let mut tables = ArrayOfTables::new();
            for e in a {
                if let Json::Object(m) = e {
                    let mut t = Table::new();
                    fill_table(&mut t, m);
                    tables.push(t);
                }
            }
            Some(Item::ArrayOfTables(tables))
        }
        _ => json_value(v, key).map(Item::Value),
    }
}

fn fill_table(t: &mut Table, m: &Map<String, Json>) {
    for (k, v) in ordered(m) {
        if let Some(item) = new_item(v, k) {
            t.insert(k, item);
        }
    }
}

/// Edits `t` into `m`: keys gone are removed, changed values replaced in
/// their place (their comments kept), new keys added.
fn merge_table(t: &mut Table, m: &Map<String, Json>) {
    let gone: Vec<String> = t
        .iter()
        .filter(|(k, _)| m.get(*k).is_none_or(Json::is_null))
        .map(|(k, _)| k.to_string())
        .collect();
    for k in gone {
        t.remove(&k);
    }
    for (k, v) in ordered(m) {
        if v.is_null() {
            continue;
        }
        match t.get_mut(k) {
            Some(item) => {
                let was_value = item.is_value();
                merge_item(item, v, k);
                if was_value && !item.is_value() {
                    // A value become a table (a body become blocks): the
                    // comments above the key go above the table's header,
                    // not into it.
                    let prefix = t
                        .key(k)
                        .and_then(|key| key.leaf_decor().prefix())
                        .and_then(|p| p.as_str())
                        .map(str::to_string);
                    if let Some(mut key) = t.key_mut(k) {
                        key.leaf_decor_mut().clear();
                    }
                    if let Some(prefix) = prefix {
                        match t.get_mut(k) {
                            Some(Item::Table(table)) => table.decor_mut().set_prefix(prefix),
                            Some(Item::ArrayOfTables(a)) => {
                                if let Some(first) = a.get_mut(0) {
                                    first.decor_mut().set_prefix(prefix);
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            None => {
                if let Some(item) = new_item(v, k) {
                    t.insert(k, item);
                }
            }
        }
    }
}

/// The position of a table item in the document (an array of tables: its
/// first table's).
fn position_of(item: &Item) -> Option<usize> {
    match item {
        Item::Table(t) => t.position(),
        Item::ArrayOfTables(a) => a.get(0).and_then(Table::position),
        _ => None,
    }
}

/// New tables of the root (`[bulletin]` in a file that had none) placed
/// where the model's order puts them: before the first table that comes
/// after them in that order, not at the end of the file.
fn place_new_root_tables(doc: &mut DocumentMut, before: &[String]) {
    let root = doc.as_table();
    let new: Vec<(String, String, usize)> = root
        .iter()
        .filter(|(k, item)| !before.iter().any(|b| b == k) && !item.is_value())
        .filter_map(|(k, _)| {
            let r = rank(k);
            let (target, at) = root
                .iter()
                .filter(|(ek, _)| before.iter().any(|b| b == ek) && rank(ek) > r)
                .filter_map(|(ek, item)| Some((ek.to_string(), position_of(item)?)))
                .min_by_key(|(_, p)| *p)?;
            Some((k.to_string(), target, at))
        })
        .collect();
    for (k, target, at) in new {
        // The comments that head the file (up to the last blank line above
        // the table it goes before) go above the new table.
        let head = first_table_mut(doc, &target).and_then(|t| {
            let prefix = t.decor().prefix()?.as_str()?.to_string();
            let cut = prefix.rfind("\n\n")?;
            t.decor_mut().set_prefix(prefix[cut + 1..].to_string());
            Some(format!("{}\n", &prefix[..cut + 1]))
        });
        if let Some(t) = first_table_mut(doc, &k) {
            if let Some(head) = head {
                t.decor_mut().set_prefix(head);
            }
        }
        match doc.get_mut(&k) {
            Some(Item::Table(t)) => t.set_position(at.saturating_sub(1)),
            Some(Item::ArrayOfTables(a)) => {
                for t in a.iter_mut() {
                    t.set_position(at.saturating_sub(1));
                }
            }
            _ => {}
        }
    }
}

/// The table under a root key (an array of tables: its first).
fn first_table_mut<'d>(doc: &'d mut DocumentMut, key: &str) -> Option<&'d mut Table> {
    match doc.get_mut(key)? {
        Item::Table(t) => Some(t),
        Item::ArrayOfTables(a) => a.get_mut(0),
        _ => None,
    }
}

fn merge_item(item: &mut Item, v: &Json, key: &str) {
    match (&mut *item, v) {
        (Item::Table(t), Json::Object(m)) => merge_table(t, m),
        (Item::ArrayOfTables(old), Json::Array(a)) if is_tables(a) => {
            while old.len() > a.len() {
                old.remove(old.len() - 1);
            }
            for (i, e) in a.iter().enumerate() {
                let Json::Object(m) = e else { continue };
                match old.get_mut(i) {
                    Some(t) => merge_table(t, m),
                    None => {
                        let mut t = Table::new();
                        fill_table(&mut t, m);
                        old.push(t);
                    }
                }
            }
        }
        (Item::Value(old), _) => {
            if edit_value_json(old) == *v {
                return;
            }
            match new_item(v, key) {
                Some(Item::Value(mut n)) => {
                    // The new value in the old one's place, with its comments.
                    *n.decor_mut() = old.decor().clone();
                    *old = n;
                }
                Some(other) => *item = other,
                None => *item = Item::None,
            }
        }
        _ => {
            if item_json(item) == *v {
                return;
            }
            if let Some(n) = new_item(v, key) {
                *item = n;
            }
        }
    }
}

/// The issue file's new text: `base` (the text loaded) edited into
/// `edited` (the file's own table, as the page holds it).
pub fn compose(base: &str, edited: &Json) -> Result<String, String> {
    let Json::Object(m) = edited else {
        return Err("the issue sent is not a table".into());
    };
    let text = base.strip_prefix('\u{feff}').unwrap_or(base);
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("the issue file is not valid TOML: {e}"))?;
    let before: Vec<String> = doc.as_table().iter().map(|(k, _)| k.to_string()).collect();
    merge_table(doc.as_table_mut(), m);
    place_new_root_tables(&mut doc, &before);
    Ok(doc.to_string())
}

/// The issue file's own table as the page's JSON.
pub fn own_json(text: &str) -> Result<Json, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let t: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(table_to_json(&t))
}

/// Where each key of `text` starts (1-based line) and its path
/// (`columns[0].articles[1].title`), in the order of the text.
pub fn key_lines(text: &str) -> Vec<(usize, String)> {
    let Ok(doc) = ImDocument::parse(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let line = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
    fn walk(t: &Table, path: &str, out: &mut Vec<(usize, String)>, line: &dyn Fn(usize) -> usize) {
        if let Some(s) = t.span() {
            out.push((line(s.start), path.to_string()));
        }
        for (k, item) in t.iter() {
            let p = if path.is_empty() {
                k.to_string()
            } else {
                format!("{path}.{k}")
            };
            match item {
                Item::Table(sub) => walk(sub, &p, out, line),
                Item::ArrayOfTables(a) => {
                    for (i, sub) in a.iter().enumerate() {
                        walk(sub, &format!("{p}[{i}]"), out, line);
                    }
                }
                Item::Value(v) => {
                    if let Some(s) = t.key(k).and_then(|k| k.span()).or_else(|| v.span()) {
                        out.push((line(s.start), p.clone()));
                    }
                    if let Value::Array(a) = v {
                        for (i, e) in a.iter().enumerate() {
                            if let Some(s) = e.span() {
                                out.push((line(s.start), format!("{p}[{i}]")));
                            }
                        }
                    }
                }
                Item::None => {}
            }
        }
    }
    walk(doc.as_table(), "", &mut out, &line);
    out.sort_by_key(|(l, _)| *l);
    out
}

/// The path of the key a line of the text belongs to: the last key that
/// starts at or before it (a multi-line string's lines are its key's).
pub fn path_at(keys: &[(usize, String)], line: usize) -> Option<&str> {
    keys.iter()
        .rev()
        .find(|(l, _)| *l <= line)
        .map(|(_, p)| p.as_str())
        .filter(|p| !p.is_empty())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TEXT: &str = "# a comment\n[bulletin]\nname = \"简报\" # kept\noffice = \"办公室\"\n\n\
        [issue]\nnumber = 3\ndate = 2024-05-06\n\n[[articles]]\ntitle = \"一\"\nbody = \"\"\"\n正文。\n\"\"\"\n";

    #[test]
    fn unchanged_is_the_same_text() {
        let j = own_json(TEXT).unwrap();
        assert_eq!(compose(TEXT, &j).unwrap(), TEXT);
    }

    #[test]
    fn a_change_keeps_the_comments_and_dates() {
        let mut j = own_json(TEXT).unwrap();
        j["bulletin"]["name"] = Json::from("新名");
        j["articles"][0]["byline"] = Json::from("某单位");
        j["footer"] = serde_json::json!({"bao": "上级", "print_date": "2024-05-07"});
        let out = compose(TEXT, &j).unwrap();
        assert!(
            out.starts_with("# a comment\n[bulletin]\nname = \"新名\" # kept\n"),
            "{out}"
        );
        assert!(out.contains("date = 2024-05-06\n"), "{out}");
        assert!(out.contains("print_date = 2024-05-07\n"), "{out}");
        assert!(out.contains("byline = \"某单位\""), "{out}");
        assert!(
            out.find("[footer]").unwrap() > out.find("[[articles]]").unwrap(),
            "{out}"
        );
        let keys = key_lines(&out);
        assert_eq!(path_at(&keys, 3), Some("bulletin.name"));
        assert_eq!(path_at(&keys, 13), Some("articles[0].body"));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod more_tests {
    use super::*;

    #[test]
    fn a_body_become_blocks_and_a_new_masthead() {
        let text = "# head\n\n## issue\n[issue]\nnumber = 1\ndate = 2024-05-06\n\n[[columns]]\nname = \"栏\"\n\n\
            [[columns.articles]]\ntitle = \"一\"\n## The body.\nbody = \"\"\"\n正文。\n\"\"\"\n# byline = \"x\"\n";
        let mut j = own_json(text).unwrap();
        j["bulletin"] = serde_json::json!({"name": "简报"});
        j["columns"][0]["articles"][0]["body"] = serde_json::json!([
            {"text": "正文。\n"},
            {"header": [["a", "b"]], "rows": [["1", "2"]]},
        ]);
        let out = compose(text, &j).unwrap();
        assert!(
            out.starts_with("# head\n\n[bulletin]\nname = \"简报\"\n\n## issue\n[issue]\n"),
            "{out}"
        );
        assert!(
            out.contains("## The body.\n[[columns.articles.body]]\ntext"),
            "{out}"
        );
        assert!(out.contains("header = [\n  [\"a\", \"b\"],\n]"), "{out}");
        let back: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(table_to_json(&back), j);
    }
}
