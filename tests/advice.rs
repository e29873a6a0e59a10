//! Advice and messages (#21 items 1, 2, 5, 6, 16, 18): every corrected line
//! the tool proposes (`write: …`) is applied to the file and the result
//! parsed with the real parser; advice fits what the key takes (from the
//! schema); `[style]` choices; messages at the right place; smaller faults.

use std::path::{Path, PathBuf};

use crate::common::*;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const BASE: &str = "[bulletin]\nname = \"工作简报\"\noffice = \"协调小组办公室\"\n\n[issue]\n\
                    number = 1\ndate = 2024-06-18\n\n[[articles]]\ntitle = \"标题\"\nbody = \"正文。\"\n";

/// Runs `check` on `text` (as `name`), expecting a failure; returns the
/// message, the line the message points at and its proposed line
/// (`write: …`), if any.
fn check_fails(dir: &Path, name: &str, text: &str) -> (String, usize, Option<String>) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let o = run(&["check", s(&path)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{name}: {err}");
    let place = format!("┌─ {}:", path.display());
    let line = err
        .lines()
        .find_map(|l| l.trim().strip_prefix(place.trim()))
        .and_then(|rest| rest.split(':').next()?.parse().ok())
        .unwrap_or_else(|| panic!("{name}: no place in {err}"));
    let write = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("= write: "))
        .map(String::from);
    (err, line, write)
}

/// The text with line `n` (from 1) written as `line` (its indentation kept).
fn apply(text: &str, n: usize, line: &str) -> String {
    text.split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| {
            if i + 1 != n {
                return l.to_string();
            }
            let indent: String = l.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
            let end = if l.ends_with('\n') { "\n" } else { "" };
            format!("{indent}{line}{end}")
        })
        .collect()
}

/// The proposed line applied and the file parsed with the real parser:
/// returns the message and the corrected file.
fn fix_it(dir: &Path, name: &str, text: &str) -> (String, String) {
    let (err, line, write) = check_fails(dir, name, text);
    let write = write.unwrap_or_else(|| panic!("{name}: no corrected line in {err}"));
    let fixed = apply(text, line, &write);
    if let Err(e) = bulletin_model::source::parse_issue(Path::new(name), fixed.as_bytes()) {
        panic!("{name}: the corrected line does not parse:\n{err}\n{fixed}\n{e}");
    }
    (err, fixed)
}

#[test]
fn the_curly_quote_fix_keeps_the_whole_value() {
    let tmp = tempfile::tempdir().unwrap();
    let text = BASE.replace(
        "title = \"标题\"",
        "title = “柳河镇：“党建+合作社”模式助力农民增收”",
    );
    let (err, fixed) = fix_it(tmp.path(), "q.toml", &text);
    assert!(err.contains("curly quotes"), "{err}");
    let issue = bulletin_model::source::parse_issue(Path::new("q"), fixed.as_bytes()).unwrap();
    assert_eq!(
        issue.articles[0].title,
        "柳河镇：“党建+合作社”模式助力农民增收"
    );
    // In an array, each value closes at its own quote.
    let text = format!("{BASE}\n[footer]\ncontact = ‘赵六’\n");
    let (_, fixed) = fix_it(tmp.path(), "q2.toml", &text);
    assert!(fixed.contains("contact = \"赵六\""), "{fixed}");
    let text = BASE.replace("number = 1", "number = 1\nsigners = [“张三”，“李四”]");
    let (_, fixed) = fix_it(tmp.path(), "q3.toml", &text);
    let issue = bulletin_model::source::parse_issue(Path::new("q"), fixed.as_bytes()).unwrap();
    assert_eq!(issue.issue.signers, ["张三", "李四"]);
}

#[test]
fn input_method_slips_say_what_to_type_with_a_line_that_parses() {
    let tmp = tempfile::tempdir().unwrap();
    let footer = |line: &str| format!("{BASE}\n[footer]\n{line}\n");
    let body = |b: &str| BASE.replace("body = \"正文。\"", b);
    for (name, text, says, want) in [
        (
            "equals",
            footer("proofreader ＝ \"李强\""),
            "full-width ＝",
            "proofreader = \"李强\"",
        ),
        (
            "colon",
            footer("proofreader：\"李强\""),
            "colon ：",
            "proofreader = \"李强\"",
        ),
        (
            "comma",
            body("body = [{ rows = [[\"城关镇\"，32150]] }]"),
            "full-width ，",
            "body = [{ rows = [[\"城关镇\", 32150]] }]",
        ),
        (
            "brackets",
            body("body = ［{ text = \"正文。\" }］"),
            "full-width ［",
            "body = [{ text = \"正文。\" }]",
        ),
        (
            "unit",
            footer("copies = 80份"),
            "without the unit 份",
            "copies = 80",
        ),
        (
            "unit-number",
            BASE.replace("number = 1", "number = 12期"),
            "without the unit 期",
            "number = 12",
        ),
        (
            "full-width-quotes",
            footer("contact = ＂赵六＂"),
            "full-width quotes",
            "contact = \"赵六\"",
        ),
        (
            "full-width-digits",
            footer("copies = ８０"),
            "ASCII digits",
            "copies = 80",
        ),
    ] {
        let (err, fixed) = fix_it(tmp.path(), &format!("{name}.toml"), &text);
        assert!(err.contains(says), "{name}: lacks {says:?}: {err}");
        assert!(
            err.contains(&format!("write: {want}")),
            "{name}: {want:?}: {err}"
        );
        assert!(fixed.contains(want), "{name}: {fixed}");
        assert!(
            !err.contains("expected `.`"),
            "{name}: a raw TOML error: {err}"
        );
    }
}

/// What a key takes, from the schema: its types, its fixed values, and
/// an array's items.
#[derive(Default, Debug)]
struct Takes {
    types: Vec<String>,
    choices: Vec<String>,
    date: bool,
    items: Option<Box<Takes>>,
}

impl Takes {
    fn has(&self, t: &str) -> bool {
        self.types.iter().any(|x| x == t)
    }
}

fn takes(schema: &serde_json::Value, node: &serde_json::Value, out: &mut Takes) {
    if let Some(r) = node["$ref"].as_str() {
        let name = r.trim_start_matches("#/$defs/");
        if name == "TomlDate" {
            out.date = true;
            return;
        }
        return takes(schema, &schema["$defs"][name], out);
    }
    for k in ["anyOf", "oneOf"] {
        for alt in node[k].as_array().into_iter().flatten() {
            takes(schema, alt, out);
        }
    }
    if let Some(c) = node["const"].as_str() {
        out.choices.push(c.into());
    }
    for c in node["enum"].as_array().into_iter().flatten() {
        out.choices.extend(c.as_str().map(String::from));
    }
    let types = match &node["type"] {
        serde_json::Value::String(t) => vec![t.clone()],
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|t| t.as_str().map(String::from))
            .collect(),
        _ => vec![],
    };
    if node.get("items").is_some() {
        let mut items = Takes::default();
        takes(schema, &node["items"], &mut items);
        out.items = Some(Box::new(items));
    }
    out.types.extend(types.into_iter().filter(|t| t != "null"));
}

/// An issue with `line` in the table `table` (`""`: the top level).
fn issue_with(table: &str, key: &str, line: &str) -> String {
    let keep = |t: &str, k: &str, l: &str| {
        if t == table && k == key {
            String::new()
        } else {
            format!("{l}\n")
        }
    };
    let here = |t: &str| {
        if t == table {
            format!("{line}\n")
        } else {
            String::new()
        }
    };
    let mut out = here("");
    out += "[bulletin]\n";
    out += &keep("bulletin", "name", "name = \"工作简报\"");
    out += &keep("bulletin", "office", "office = \"办公室\"");
    out += &here("bulletin");
    out += "[issue]\n";
    out += &keep("issue", "number", "number = 1");
    out += &keep("issue", "date", "date = 2024-06-18");
    out += &here("issue");
    out += "[options]\n";
    out += &here("options");
    out += "[footer]\n";
    out += &here("footer");
    out += "[[articles]]\n";
    out += &keep("articles", "title", "title = \"标题\"");
    if table != "articles.body" {
        out += &keep("articles", "body", "body = \"正文。\"");
    }
    out += &here("articles");
    if table == "articles.note" {
        out += "[articles.note]\n";
        out += &keep("articles.note", "text", "text = \"按语。\"");
        out += &here("articles.note");
    }
    if table == "articles.body" {
        out += "[[articles.body]]\n";
        out += &keep("articles.body", "text", "text = \"正文。\"");
        out += &here("articles.body");
    }
    out
}

/// Advice fits the key: for every key of the schema that takes text, a
/// number, a date, true or false, or one of fixed values, a value written
/// as an input method or a habit has it gets a corrected line of that
/// kind, and the file parses with it.
#[test]
fn advice_fits_every_key_of_the_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let schema = bulletin_model::issue::schema();
    let tables = [
        ("", "#"),
        ("bulletin", "Bulletin"),
        ("issue", "IssueInfo"),
        ("options", "Options"),
        ("footer", "Footer"),
        ("articles", "Article"),
        ("articles.note", "Note"),
        ("articles.body", "BodyBlock"),
    ];
    // Keys whose values are tables or arrays of tables (tested with their
    // own keys, or in the slips test), or free-form.
    let structured = [
        "bulletin",
        "issue",
        "options",
        "footer",
        "columns",
        "articles",
        "style",
        "body",
        "note",
        "footnotes",
        "rows",
        "header",
        "images",
        "items",
    ];
    let mut tried = 0;
    let mut skipped = Vec::new();
    for (table, def) in tables {
        let node = if def == "#" {
            &schema
        } else {
            &schema["$defs"][def]
        };
        let props = node["properties"].as_object().unwrap();
        for (key, prop) in props {
            if (table.is_empty() || table == "articles") && structured.contains(&key.as_str())
                || table == "articles.body" && structured.contains(&key.as_str())
            {
                continue;
            }
            let mut t = Takes::default();
            takes(&schema, prop, &mut t);
            let has = |x: &str| t.has(x);
            let items = t.items.as_deref();
            let (line, want, not) = if t.date {
                (
                    format!("{key} = 2024年6月18日"),
                    format!("{key} = 2024-06-18"),
                    "takes text",
                )
            } else if !t.choices.is_empty() && has("string") && !has("array") {
                let c = &t.choices[0];
                (format!("{key} = {c}"), format!("{key} = \"{c}\""), "date")
            } else if has("boolean") {
                (format!("{key} = 是"), format!("{key} = true"), "date")
            } else if has("integer") {
                (format!("{key} = 3份"), format!("{key} = 3"), "date")
            } else if has("number") && has("string") {
                // A fraction or a length: full-width digits.
                (format!("{key} = ０.５"), format!("{key} = 0.5"), "date")
            } else if has("string") && !has("number") {
                (
                    format!("{key} = 0516-12345678"),
                    format!("{key} = \"0516-12345678\""),
                    "write a date",
                )
            } else if let Some(i) = items.filter(|i| i.choices.len() >= 2) {
                let (a, b) = (&i.choices[0], &i.choices[1]);
                (
                    format!("{key} = [“{a}”，“{b}”]"),
                    format!("{key} = [\"{a}\", \"{b}\"]"),
                    "date",
                )
            } else if items.is_some_and(|i| i.has("number")) {
                (format!("{key} = [2，1]"), format!("{key} = [2, 1]"), "date")
            } else if items.is_some_and(|i| i.has("string")) {
                (
                    format!("{key} = [“张三”，“李四”]"),
                    format!("{key} = [\"张三\", \"李四\"]"),
                    "date",
                )
            } else {
                skipped.push(format!("{table}.{key} {t:?}"));
                continue;
            };
            let text = issue_with(table, key, &line);
            let name = format!("k-{}-{key}.toml", table.replace('.', "-"));
            let (err, fixed) = fix_it(tmp.path(), &name, &text);
            assert!(
                err.contains(&format!("write: {want}")),
                "{table}.{key}: expected {want:?}:\n{err}"
            );
            assert!(
                !err.contains(not),
                "{table}.{key}: advice of another kind:\n{err}"
            );
            assert!(fixed.contains(&want));
            tried += 1;
        }
    }
    assert!(tried >= 44, "{tried} keys tried; skipped {skipped:?}");
    assert!(skipped.is_empty(), "keys without a case: {skipped:?}");
    // A phone number written bare reads as a date: the advice is quotes.
    let text = issue_with("footer", "phone", "phone = 0516-12345678");
    let (err, _) = fix_it(tmp.path(), "phone.toml", &text);
    assert!(err.contains("phone takes text"), "{err}");
    assert!(!err.contains("2020-02-10"), "{err}");
}

/// A layout `name` in `dir` extending the default, with `params` in its
/// `[params]`.
fn layout_with_params(dir: &Path, name: &str, params: &str) -> PathBuf {
    let l = layout_extending_default(dir, name, "", "");
    let toml = std::fs::read_to_string(l.join("layout.toml")).unwrap();
    std::fs::write(
        l.join("layout.toml"),
        format!("{toml}\n[params]\n{params}\n"),
    )
    .unwrap();
    l
}

#[test]
fn style_values_are_checked_against_the_choices_at_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!("{BASE}\n[style]\nfootnotes = \"bottom\"\n");
    let path = tmp.path().join("s.toml");
    std::fs::write(&path, &text).unwrap();
    let line = text.lines().count();
    // check and render alike, at the issue's line.
    let pdf = tmp.path().join("s.pdf");
    for args in [vec!["check", s(&path)], vec![s(&path), "-o", s(&pdf)]] {
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("style.footnotes: \"bottom\" is not one of the layout's choices: it takes \"page\" or \"end\""),
            "{err}"
        );
        assert!(err.contains(&format!("s.toml:{line}:13")), "{err}");
        assert!(!err.contains("page.typ"), "{err}");
    }
    assert!(!pdf.exists());
    let (_, fixed) = fix_it(tmp.path(), "s.toml", &text);
    std::fs::write(&path, &fixed).unwrap();
    assert!(run(&["check", s(&path)]).status.success());
    // A near miss gets the nearest choice.
    let text = format!("{BASE}\n[style]\ntoc_separator = \"rules\"  # 分隔\n");
    let (err, fixed) = fix_it(tmp.path(), "s2.toml", &text);
    assert!(
        err.contains("write: toc_separator = \"rule\"  # 分隔"),
        "{err}"
    );
    assert!(
        fixed.contains("toc_separator = \"rule\"  # 分隔"),
        "{fixed}"
    );

    // A layout's own parameter with choices; a default outside them is the
    // layout's error.
    let good = layout_with_params(
        tmp.path(),
        "mine",
        "paper = { type = \"string\", default = \"a4\", choices = [\"a4\", \"a3\"] }",
    );
    let text = format!("{BASE}\n[style]\npaper = \"b5\"\n");
    std::fs::write(&path, &text).unwrap();
    let o = run(&["check", s(&path), "--layout", s(&good)]);
    let err = stderr(&o);
    assert!(err.contains("it takes \"a4\" or \"a3\""), "{err}");
    let bad = layout_with_params(
        tmp.path(),
        "broken",
        "paper = { type = \"string\", default = \"b5\", choices = [\"a4\", \"a3\"] }",
    );
    let o = run(&["check", s(&path), "--layout", s(&bad)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("parameter paper: the default \"b5\" is not one of"),
        "{err}"
    );
}

#[test]
fn a_wrong_style_type_says_where_before_anything_else() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!("{BASE}\n[style]\nfootnotes = 3\n");
    let (err, _, _) = check_fails(tmp.path(), "t.toml", &text);
    let first: Vec<&str> = err.lines().take(2).collect();
    assert!(
        first[0].contains("style.footnotes: expected a string, found 3"),
        "{err}"
    );
    assert!(first[1].contains("t.toml:14:13"), "{err}");
    // The parameter itself, not the layout's twelve.
    assert!(
        err.contains("footnotes (a string: \"page\" or \"end\""),
        "{err}"
    );
    assert!(!err.contains("title_size"), "{err}");
    // An unknown name lists them all, after the place.
    let text = format!("{BASE}\n[style]\ntitel_size = 20\n");
    let (err, _, _) = check_fails(tmp.path(), "u.toml", &text);
    let place = err.find("u.toml:14:").unwrap();
    assert!(err.find("title_size (").unwrap() > place, "{err}");
    assert!(err.contains("did you mean title_size?"), "{err}");
}

#[test]
fn a_figure_width_is_reported_at_its_own_line() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("a.jpg"),
        crate::common::photos::jpeg(40, 30, 1, 80),
    )
    .unwrap();
    for (name, text, needle) in [
        (
            "tables.toml",
            format!(
                "{}\n[[articles.body]]\ntext = \"正文。\"\n\n[[articles.body]]\nimage = \"a.jpg\"\n\
                 caption = \"图1 现场\"\nwidth = 120\n",
                BASE.replace("body = \"正文。\"\n", "")
            ),
            "width = 120",
        ),
        (
            "inline.toml",
            BASE.replace(
                "body = \"正文。\"",
                "body = [\n  { text = \"正文。\" },\n  { image = \"a.jpg\", caption = \"图1\", width = 120 },\n]",
            ),
            "width = 120",
        ),
        (
            "pair.toml",
            BASE.replace(
                "body = \"正文。\"",
                "body = [\n  { images = [\n    { image = \"a.jpg\" },\n    { image = \"a.jpg\", width = 90 },\n  ] },\n]",
            ),
            "width = 90",
        ),
    ] {
        let (err, line, _) = check_fails(tmp.path(), name, &text);
        let want = text.lines().position(|l| l.contains(needle)).unwrap() + 1;
        assert_eq!(line, want, "{name}: {err}");
        // At the value, not at the image's name.
        let l = text.lines().nth(want - 1).unwrap();
        let col = l[..l.find(needle).unwrap() + "width = ".len()].chars().count() + 1;
        assert!(err.contains(&format!("{name}:{want}:{col}")), "{name}: {col}: {err}");
        assert!(err.contains("a fraction of the type block"), "{err}");
    }
}

#[test]
fn ascii_punctuation_counts_the_paragraphs_of_the_whole_article() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\n[[articles.body]]\ntext = \"\"\"\n第一段。\n\n第二段。\n\n第三段。\n\"\"\"\n\n\
         [[articles.body]]\nrows = [[\"城关镇\", 32150]]\n\n[[articles.body]]\n\
         text = \"\"\"\n第四段。\n\n第五段,有逗号。\n\"\"\"\n",
        BASE.replace("body = \"正文。\"\n", "")
    );
    let path = tmp.path().join("p.toml");
    std::fs::write(&path, &text).unwrap();
    let o = run(&["check", s(&path)]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("paragraph 5: ASCII ','"), "{err}");
}

#[test]
fn fonts_names_the_face_titles_are_set_in() {
    let o = run(&["fonts"]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let title = out.lines().find(|l| l.starts_with("title")).unwrap();
    assert!(title.contains("bold: embedded FandolSong-Bold"), "{title}");
    // …which is what the PDF embeds for the titles.
    let tmp = tempfile::tempdir().unwrap();
    let pdf = tmp.path().join("x.pdf");
    let o = run(&[s(&root().join("examples/issue-363.toml")), "-o", s(&pdf)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fonts = tool_stdout("pdffonts", &[s(&pdf)]);
    assert!(fonts.contains("FandolSong-Bold"), "{fonts}");
    let json = run(&["fonts", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let t = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "title")
        .unwrap();
    let faces = t["faces"].as_array().unwrap();
    assert!(
        faces
            .iter()
            .any(|f| f["weight"] == 700 && f["origin"].as_str().unwrap().contains("Bold")),
        "{t}"
    );
}

#[test]
fn new_layout_has_a_description_of_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(BIN)
        .args(["new-layout", "mine"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = std::fs::read_to_string(tmp.path().join("layouts/mine/layout.toml")).unwrap();
    assert!(
        !manifest.contains("red masthead, TOC grouped by column"),
        "{manifest}"
    );
    assert!(
        manifest.contains("description = \"mine: started from the default layout"),
        "{manifest}"
    );
    let o = std::process::Command::new(BIN)
        .args(["layouts"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out
        .lines()
        .find(|l| l.contains("layouts/mine"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("started from the default layout"), "{line}");
}

#[test]
fn zhuanbao_warns_of_columns_it_does_not_print_in_check_and_render() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "[bulletin]\nname = \"工作简报\"\noffice = \"办公室\"\n\n[issue]\nnumber = 1\n\
                date = 2024-06-18\n\n[[columns]]\nname = \"工作动态\"\n\n[[columns.articles]]\n\
                title = \"甲\"\nbody = \"正文。\"\n\n[[columns]]\nname = \"经验交流\"\n\n\
                [[columns.articles]]\ntitle = \"乙\"\nbody = \"正文。\"\n";
    let path = tmp.path().join("c.toml");
    std::fs::write(&path, text).unwrap();
    let pdf = tmp.path().join("c.pdf");
    let want = "the layout zhuanbao prints no table of contents and no column markers: the \
                issue's 2 columns (【工作动态】【经验交流】) are not printed";
    for args in [
        vec!["check", s(&path), "--layout", "zhuanbao"],
        vec![s(&path), "--layout", "zhuanbao", "-o", s(&pdf)],
    ] {
        let o = run(&args);
        let err = stderr(&o);
        assert!(o.status.success(), "{err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // The PDF indeed has neither.
    let t = pdf_text_compact(&pdf);
    assert!(!t.contains("【工作动态】"), "{t}");
    // The default layout prints them: no warning.
    let o = run(&["check", s(&path)]);
    assert!(!stderr(&o).contains("column markers"), "{}", stderr(&o));
}

#[test]
fn a_numbered_run_short_of_the_print_run_gets_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!("{BASE}\n[footer]\nprinter = \"办公室\"\ncopies = 80\n");
    let path = tmp.path().join("n.toml");
    std::fs::write(&path, text).unwrap();
    let pdf = tmp.path().join("n.pdf");
    let o = run(&[s(&path), "--numbered", "1-5", "-o", s(&pdf)]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("this run numbers 5 copies (000001–000005), but the footer says 共印 80 份"),
        "{err}"
    );
    assert!(err.contains("the other 75 copies"), "{err}");
    // The whole run: no note.
    let text = format!("{BASE}\n[footer]\nprinter = \"办公室\"\ncopies = 3\n");
    std::fs::write(&path, text).unwrap();
    let o = run(&[s(&path), "--numbered", "1-3", "-o", s(&pdf)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("共印"), "{}", stderr(&o));
}
