//! Writing a recognised issue as an issue file (TOML) in the style of
//! `examples/issue-363.toml`: multi-line strings for bodies, a `# check: …`
//! comment at each place the importer guessed, flagged placeholders where
//! something required was not found. User text is data: every string is
//! escaped.

use super::doc::Cell;
use super::recognize::{At, Block, Check, Draft, Number, Ymd};

/// What a series file (`bulletin.toml`) holds for the issues of a folder:
/// (table, key, TOML value), in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shared {
    pub entries: Vec<(&'static str, &'static str, String)>,
}

impl Shared {
    fn has(&self, table: &str, key: &str) -> bool {
        self.entries
            .iter()
            .any(|(t, k, _)| *t == table && *k == key)
    }
}

/// A TOML basic string.
pub fn basic(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || c == '\u{7f}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML multi-line basic string: `"""`, a newline, the text, a newline,
/// `"""`. Backslashes, runs of quotes and control characters are escaped.
pub fn multiline(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str("\"\"\"\n");
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            // A quote followed by a quote (or ending the text) is escaped, so
            // that no """ closes the string early.
            '"' if chars.get(i + 1).is_none_or(|&n| n == '"') => out.push_str("\\\""),
            '\n' => out.push('\n'),
            '\t' => out.push('\t'),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || c == '\u{7f}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    if !s.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("\"\"\"");
    out
}

/// A body or note text: multi-line when it has more than one line.
fn text_value(s: &str) -> String {
    if s.contains('\n') || s.chars().count() > 40 {
        multiline(s)
    } else {
        basic(s)
    }
}

fn date(d: Ymd) -> String {
    d.to_string()
}

fn comments(out: &mut String, checks: &[Check], at: At) {
    for c in checks.iter().filter(|c| c.at == at) {
        for (i, line) in c.message.lines().enumerate() {
            out.push_str(if i == 0 { "# check: " } else { "#   " });
            out.push_str(line);
            out.push('\n');
        }
    }
}

fn cell(c: &Cell) -> String {
    if c.colspan > 1 || c.rowspan > 1 {
        let mut s = format!("{{ text = {}", basic(&c.text));
        if c.colspan > 1 {
            s.push_str(&format!(", colspan = {}", c.colspan));
        }
        if c.rowspan > 1 {
            s.push_str(&format!(", rowspan = {}", c.rowspan));
        }
        s.push_str(" }");
        s
    } else {
        basic(&c.text)
    }
}

fn rows(rows: &[Vec<Cell>]) -> String {
    let mut s = String::from("[\n");
    for r in rows {
        s.push_str("  [");
        s.push_str(&r.iter().map(cell).collect::<Vec<_>>().join(", "));
        s.push_str("],\n");
    }
    s.push(']');
    s
}

/// The value the issue's number is written with.
pub fn number_value(d: &Draft) -> String {
    match &d.number {
        Some(Number::Int(n)) => n.to_string(),
        Some(Number::Text(t)) => basic(t),
        None => "1".into(),
    }
}

/// The issue's date, or the placeholder written when none was found.
pub fn date_value(d: &Draft) -> Ymd {
    d.date.or(d.footer.print_date).unwrap_or(Ymd {
        year: 2000,
        month: 1,
        day: 1,
    })
}

/// The (table, key, value) of the bulletin and footer, as they would be
/// written: what `--series` compares between issues.
pub fn shareable(d: &Draft) -> Vec<(&'static str, &'static str, String)> {
    let mut v = Vec::new();
    if let Some(l) = d.layout {
        v.push(("", "layout", basic(l)));
    }
    let name = d.name.clone().unwrap_or_else(|| "工作简报".into());
    v.push(("bulletin", "name", basic(&name)));
    if let Some(a) = &d.above {
        v.push(("bulletin", "above", basic(a)));
    }
    let office = d
        .office
        .clone()
        .unwrap_or_else(|| "（待补：发文机关）".into());
    v.push(("bulletin", "office", basic(&office)));
    if let Some(m) = &d.marker {
        v.push(("bulletin", "marker", basic(m)));
    }
    let f = &d.footer;
    for (k, val) in [
        ("zhusong", &f.zhusong),
        ("bao", &f.bao),
        ("song", &f.song),
        ("fa", &f.fa),
        ("editor", &f.editor),
        ("reviewer", &f.reviewer),
        ("approver", &f.approver),
        ("contact", &f.contact),
        ("phone", &f.phone),
        ("printer", &f.printer),
    ] {
        if let Some(val) = val {
            v.push(("footer", k, basic(val)));
        }
    }
    v
}

/// The series file for what the issues of a folder share.
pub fn series_toml(shared: &Shared) -> String {
    let mut out = String::from(
        "#:schema ./series.schema.json\n# What the issues of this folder share (written by \
         bulletin-pdf import --series);\n# each issue file here holds only what differs.\n",
    );
    for (_, k, v) in shared.entries.iter().filter(|e| e.0.is_empty()) {
        out.push_str(&format!("{k} = {v}\n"));
    }
    let mut table = "";
    for (t, k, v) in shared.entries.iter().filter(|e| !e.0.is_empty()) {
        if *t != table {
            out.push_str(&format!("\n[{t}]\n"));
            table = t;
        }
        out.push_str(&format!("{k} = {v}\n"));
    }
    out
}

/// The issue file. `source` names the input (for the first comment);
/// `shared` lists what a series file beside it holds (left out here).
pub fn issue_toml(d: &Draft, source: &str, shared: &Shared) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "#:schema ./{}\n",
        if shared.entries.is_empty() {
            "issue.schema.json"
        } else {
            "issue-partial.schema.json"
        }
    ));
    out.push_str(&format!(
        "# Imported by bulletin-pdf import from {}.\n# Check the places marked \"# check:\", \
         then run bulletin-pdf check on this file.\n",
        source.replace('\n', " ")
    ));
    comments(&mut out, &d.checks, At::Top);
    if let Some(l) = d.layout {
        if !shared.has("", "layout") {
            out.push_str(&format!("layout = {}\n", basic(l)));
        }
    }

    // [bulletin]
    let bulletin: Vec<_> = shareable(d)
        .into_iter()
        .filter(|(t, k, _)| *t == "bulletin" && !shared.has(t, k))
        .collect();
    let bulletin_checks = d.checks.iter().any(|c| c.at == At::Bulletin);
    if !bulletin.is_empty() || bulletin_checks {
        out.push_str("\n[bulletin]\n");
        comments(&mut out, &d.checks, At::Bulletin);
        for (_, k, v) in bulletin {
            out.push_str(&format!("{k} = {v}\n"));
        }
    }

    // [issue]
    out.push_str("\n[issue]\n");
    comments(&mut out, &d.checks, At::Issue);
    out.push_str(&format!("number = {}\n", number_value(d)));
    if let Some(t) = d.total {
        out.push_str(&format!("total = {t}\n"));
    }
    out.push_str(&format!("date = {}\n", date(date_value(d))));
    if let Some(k) = d.kind {
        out.push_str(&format!("kind = {}\n", basic(k)));
    }
    if let Some(c) = d.copy {
        out.push_str(&format!("copy = {c}\n"));
    }
    if let Some(c) = d.classification {
        out.push_str(&format!("classification = {}\n", basic(c)));
    }
    if let Some(p) = &d.secrecy_period {
        out.push_str(&format!("secrecy_period = {}\n", basic(p)));
    }
    if let Some(u) = d.urgency {
        out.push_str(&format!("urgency = {}\n", basic(u)));
    }

    // Columns and articles.
    let columns = d.columns.iter().any(|c| c.name.is_some());
    for (ci, col) in d.columns.iter().enumerate() {
        let prefix = if columns {
            out.push_str("\n[[columns]]\n");
            comments(&mut out, &d.checks, At::Column(ci));
            out.push_str(&format!(
                "name = {}\n",
                basic(col.name.as_deref().unwrap_or(""))
            ));
            "columns.articles"
        } else {
            "articles"
        };
        for (ai, a) in col.articles.iter().enumerate() {
            out.push_str(&format!("\n[[{prefix}]]\n"));
            comments(&mut out, &d.checks, At::Article(ci, ai));
            out.push_str(&format!("title = {}\n", basic(&a.title)));
            if let Some(t) = &a.toc_title {
                out.push_str(&format!("toc_title = {}\n", basic(t)));
            }
            let simple = a.blocks.iter().all(|b| matches!(b, Block::Text(_)));
            if simple {
                let paras: Vec<&String> = a
                    .blocks
                    .iter()
                    .flat_map(|b| match b {
                        Block::Text(t) => t.iter().collect::<Vec<_>>(),
                        _ => Vec::new(),
                    })
                    .collect();
                let body = paras
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n\n");
                out.push_str(&format!("body = {}\n", multiline(&body)));
            }
            if let Some(b) = &a.byline {
                out.push_str(&format!("byline = {}\n", basic(b)));
            }
            if let Some(n) = &a.note {
                out.push_str(&format!("\n[{prefix}.note]\n"));
                if let Some(l) = &n.label {
                    out.push_str(&format!("label = {}\n", basic(l)));
                }
                out.push_str(&format!(
                    "text = {}\n",
                    text_value(&n.paragraphs.join("\n\n"))
                ));
                if let Some(s) = &n.signer {
                    out.push_str(&format!("signer = {}\n", basic(s)));
                }
                if let Some(dt) = n.date {
                    out.push_str(&format!("date = {}\n", date(dt)));
                }
            }
            if !simple {
                for b in &a.blocks {
                    out.push_str(&format!("\n[[{prefix}.body]]\n"));
                    match b {
                        Block::Text(t) => {
                            out.push_str(&format!("text = {}\n", multiline(&t.join("\n\n"))));
                        }
                        Block::Table {
                            caption,
                            header,
                            rows: r,
                            note,
                        } => {
                            if let Some(c) = caption {
                                out.push_str(&format!("caption = {}\n", basic(c)));
                            }
                            if !header.is_empty() {
                                out.push_str(&format!("header = {}\n", rows(header)));
                            }
                            out.push_str(&format!("rows = {}\n", rows(r)));
                            if let Some(n) = note {
                                out.push_str(&format!("note = {}\n", basic(n)));
                            }
                        }
                        Block::Figures(list) => {
                            let list: Vec<String> = list
                                .iter()
                                .map(|(image, caption)| match caption {
                                    Some(c) => format!(
                                        "{{ image = {}, caption = {} }}",
                                        basic(image),
                                        basic(c)
                                    ),
                                    None => format!("{{ image = {} }}", basic(image)),
                                })
                                .collect();
                            out.push_str(&format!("images = [\n  {},\n]\n", list.join(",\n  ")));
                        }
                        Block::Figure {
                            image,
                            caption,
                            width_mm,
                        } => {
                            out.push_str(&format!("image = {}\n", basic(image)));
                            if let Some(c) = caption {
                                out.push_str(&format!("caption = {}\n", basic(c)));
                            }
                            if let Some(w) = width_mm.filter(|w| w.is_finite() && *w > 1.0) {
                                out.push_str(&format!("width = \"{:.0}mm\"\n", w.min(156.0)));
                            }
                        }
                        Block::List { items, numbered } => {
                            let list: Vec<String> = items
                                .iter()
                                .map(|(t, sub)| {
                                    if sub.is_empty() {
                                        basic(t)
                                    } else {
                                        format!(
                                            "{{ text = {}, items = [{}] }}",
                                            basic(t),
                                            sub.iter()
                                                .map(|s| basic(s))
                                                .collect::<Vec<_>>()
                                                .join(", ")
                                        )
                                    }
                                })
                                .collect();
                            out.push_str(&format!("items = [\n  {},\n]\n", list.join(",\n  ")));
                            if *numbered {
                                out.push_str("numbered = true\n");
                            }
                        }
                    }
                }
            }
            if !a.footnotes.is_empty() {
                out.push_str(&format!("\n[{prefix}.footnotes]\n"));
                for (k, v) in &a.footnotes {
                    out.push_str(&format!("{} = {}\n", basic(k), basic(v)));
                }
            }
        }
    }

    // [footer]
    let f = &d.footer;
    let mut footer = String::new();
    for (k, val) in [
        ("zhusong", &f.zhusong),
        ("bao", &f.bao),
        ("song", &f.song),
        ("fa", &f.fa),
        ("zengfa", &f.zengfa),
        ("editor", &f.editor),
        ("proofreader", &f.proofreader),
        ("reviewer", &f.reviewer),
        ("approver", &f.approver),
        ("contact", &f.contact),
        ("phone", &f.phone),
        ("printer", &f.printer),
    ] {
        if let Some(v) = val {
            if !shared.has("footer", k) {
                footer.push_str(&format!("{k} = {}\n", basic(v)));
            }
        }
    }
    if let Some(p) = f.print_date {
        footer.push_str(&format!("print_date = {}\n", date(p)));
    }
    if let Some(c) = f.copies {
        footer.push_str(&format!("copies = {c}\n"));
    }
    let footer_checks = d.checks.iter().any(|c| c.at == At::Footer);
    if !footer.is_empty() || footer_checks {
        out.push_str("\n[footer]\n");
        comments(&mut out, &d.checks, At::Footer);
        out.push_str(&footer);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        ] {
            let doc = format!("a = {}\nb = {}\n", basic(s), multiline(s));
            let t: toml::Table = toml::from_str(&doc).unwrap_or_else(|e| panic!("{doc}: {e}"));
            assert_eq!(t["a"].as_str(), Some(s), "{doc}");
            let want = if s.ends_with('\n') {
                s.to_string()
            } else {
                format!("{s}\n")
            };
            assert_eq!(t["b"].as_str(), Some(want.as_str()), "{doc}");
        }
    }
}
