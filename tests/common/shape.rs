//! The structure of an issue file, for comparing an imported issue with the
//! one expected (tests/import.rs, tests/import_xelatex.rs): TOML parsed, and
//! the parts a reader sees, not bytes.
#![allow(dead_code)]

/// The parts compared: bulletin, number, date, columns with their
/// articles (title, toc title, byline, paragraphs, note), footer.
#[derive(Debug, PartialEq)]
pub struct Shape {
    pub bulletin: Vec<(String, String)>,
    pub number: String,
    pub date: String,
    pub columns: Vec<(String, Vec<ArticleShape>)>,
    pub footer: Vec<(String, String)>,
}

#[derive(Debug, PartialEq)]
pub struct ArticleShape {
    pub title: String,
    pub toc_title: Option<String>,
    pub byline: Option<String>,
    pub note: Option<String>,
    pub paragraphs: Vec<String>,
}

pub fn strs(t: Option<&toml::Value>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = t
        .and_then(|t| t.as_table())
        .map(|t| t.iter().map(|(k, v)| (k.clone(), vs(v))).collect())
        .unwrap_or_default();
    v.sort();
    v
}

pub fn article_shape(a: &toml::Value) -> ArticleShape {
    let s = |k: &str| a.get(k).and_then(|v| v.as_str()).map(String::from);
    let body = match a.get("body") {
        Some(toml::Value::String(b)) => b.clone(),
        Some(toml::Value::Array(blocks)) => blocks
            .iter()
            .filter_map(|b| b.get("text").and_then(|t| t.as_str()))
            .collect::<Vec<_>>()
            .join("\n\n"),
        _ => String::new(),
    };
    ArticleShape {
        title: s("title").unwrap_or_default(),
        toc_title: s("toc_title"),
        byline: s("byline"),
        note: a
            .get("note")
            .and_then(|n| n.get("text"))
            .and_then(|t| t.as_str())
            .map(|t| bulletin_model::body::paragraphs(t).join("\n")),
        paragraphs: bulletin_model::body::paragraphs(&body),
    }
}

pub fn shape(t: &toml::Table) -> Shape {
    let issue = &t["issue"];
    let mut columns = Vec::new();
    if let Some(cols) = t.get("columns").and_then(|c| c.as_array()) {
        for c in cols {
            let name = c["name"].as_str().unwrap_or("").to_string();
            let arts = c["articles"]
                .as_array()
                .unwrap()
                .iter()
                .map(article_shape)
                .collect();
            columns.push((name, arts));
        }
    }
    if let Some(arts) = t.get("articles").and_then(|c| c.as_array()) {
        columns.push((String::new(), arts.iter().map(article_shape).collect()));
    }
    Shape {
        bulletin: strs(t.get("bulletin")),
        number: vs(&issue["number"]),
        date: vs(&issue["date"]),
        columns,
        footer: strs(t.get("footer")),
    }
}

/// A value as text: a date as 2020-02-10, a string as itself.
pub fn vs(v: &toml::Value) -> String {
    match v {
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}
