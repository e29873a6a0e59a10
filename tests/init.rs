//! `bulletin-pdf init`: a new issue numbered after the newest, dated today,
//! that checks and renders as written; a series file with `--series`; never
//! an overwritten file.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::*;

fn init(args: &[&str]) -> Output {
    Command::new(BIN).arg("init").args(args).output().unwrap()
}

fn check_and_render(issue: &Path) {
    let o = run(&["check", issue.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("1 ok, 0 failed, 0 warnings"), "{err}");
    let pdf = issue.with_extension("pdf");
    let o = run(&[issue.to_str().unwrap(), "-o", pdf.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = pdf_text_compact(&pdf);
    assert!(text.contains("标题"), "{text}");
}

#[test]
fn init_writes_an_issue_that_checks_and_renders() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("issues");
    let o = init(&[dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first = dir.join("issue-1.toml");
    assert!(stderr(&o).contains("issue-1.toml"), "{}", stderr(&o));
    let text = std::fs::read_to_string(&first).unwrap();
    assert!(text.starts_with("#:schema ./issue.schema.json\n"), "{text}");
    assert!(dir.join("issue.schema.json").is_file());
    // Today's date, unquoted.
    let date = text
        .lines()
        .find_map(|l| l.strip_prefix("date = "))
        .unwrap();
    let d: toml::value::Datetime = date.parse().unwrap();
    assert!(d.date.is_some() && d.time.is_none(), "{date}");
    let year = d.date.unwrap().year;
    assert!((2024..2200).contains(&year), "{date}");
    // Every key of the format is there, set or commented.
    for key in [
        "layout",
        "name",
        "above",
        "office",
        "marker",
        "toc",
        "toc_page_numbers",
        "grid",
        "detect",
        "pdf_standards",
        "bao",
        "song",
        "fa",
        "printer",
        "copies",
        "number",
        "total",
        "title",
        "toc_title",
        "body",
        "byline",
        "label",
        "text",
        "signer",
    ] {
        assert!(
            text.lines()
                .any(|l| l.trim_start_matches("# ").starts_with(&format!("{key} = "))),
            "{key} missing:\n{text}"
        );
    }
    check_and_render(&first);

    // The next one follows the newest issue, and takes its masthead.
    let edited = text
        .replace("office = \"办公室\"", "office = \"协调小组办公室\"")
        .replace("number = 1", "number = 41");
    std::fs::write(dir.join("issue-41.toml"), edited).unwrap();
    let o = init(&[dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let next = std::fs::read_to_string(dir.join("issue-42.toml")).unwrap();
    assert!(next.contains("number = 42\n"), "{next}");
    assert!(next.contains("office = \"协调小组办公室\"\n"), "{next}");

    // Never overwrites: issue-43.toml is taken.
    std::fs::write(dir.join("issue-43.toml"), "# mine\n").unwrap();
    let o = init(&[dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.join("issue-43.toml")).unwrap(),
        "# mine\n"
    );
}

#[test]
fn init_series_writes_a_series_file_and_an_issue_leaning_on_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let o = init(&["--series", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let series = std::fs::read_to_string(dir.join("bulletin.toml")).unwrap();
    assert!(
        series.starts_with("#:schema ./series.schema.json\n"),
        "{series}"
    );
    assert!(series.contains("[bulletin]"), "{series}");
    let issue = std::fs::read_to_string(dir.join("issue-1.toml")).unwrap();
    assert!(
        issue.starts_with("#:schema ./issue-partial.schema.json\n"),
        "{issue}"
    );
    assert!(!issue.contains("\n[bulletin]"), "{issue}");
    assert!(dir.join("series.schema.json").is_file());
    assert!(dir.join("issue-partial.schema.json").is_file());
    check_and_render(&dir.join("issue-1.toml"));

    // A second --series refuses: bulletin.toml exists; nothing is written.
    let o = init(&["--series", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("bulletin.toml already exists"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("issue-2.toml").exists());
    // Without --series, a folder with a series file gets a partial issue.
    let o = init(&[dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let issue = std::fs::read_to_string(dir.join("issue-2.toml")).unwrap();
    assert!(issue.starts_with("#:schema ./issue-partial.schema.json\n"));
}

/// One leading `#` (and the space after it) off every line, as an editor's
/// "toggle comment" does: `# key = 1` gives `key = 1`, `## text` a comment.
fn uncomment(line: &str) -> String {
    match line.strip_prefix('#') {
        Some(rest) if !line.starts_with("#:") => rest.strip_prefix(' ').unwrap_or(rest).to_string(),
        _ => line.to_string(),
    }
}

/// Whether a line is a commented-out table header: `# [footer]`,
/// `# [[columns.articles]]`.
fn commented_header(line: &str) -> bool {
    line.strip_prefix("# ").is_some_and(|l| l.starts_with('['))
}

/// `init`'s text with one block (lines `range`) uncommented, parsed and
/// checked by the model.
fn parses_uncommented(
    path: &Path,
    text: &str,
    range: std::ops::Range<usize>,
) -> Result<(), String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        if range.contains(&i) {
            out.push_str(&uncomment(l));
        } else {
            out.push_str(l);
        }
        out.push('\n');
    }
    bulletin_model::source::parse_issue(path, out.as_bytes())
        .map(|_| ())
        .map_err(|e| format!("{}\n---\n{out}", e.message))
}

/// Every commented block of `init`'s issue (a commented table with the
/// lines up to the next blank line, each commented key of a live table),
/// uncommented on its own, gives an issue that parses and checks.
fn every_block_uncomments(path: &Path, text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = 0;
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        while i < lines.len() && !lines[i].trim().is_empty() {
            i += 1;
        }
        let para = start..i;
        if lines[para.clone()].iter().any(|l| commented_header(l)) {
            parses_uncommented(path, text, para.clone())
                .unwrap_or_else(|e| panic!("lines {}..{}: {e}", para.start + 1, para.end));
            blocks += 1;
        } else {
            for j in para {
                let l = lines[j];
                if l.starts_with("# ") && l.contains(" = ") {
                    parses_uncommented(path, text, j..j + 1)
                        .unwrap_or_else(|e| panic!("line {}: {e}", j + 1));
                    blocks += 1;
                }
            }
        }
        i += 1;
    }
    assert!(blocks > 10, "{blocks} blocks:\n{text}");
}

/// The keys of the README's list of keys (`bulletin.name`, `footer.bao` /
/// `.song`, `*.note.text`, `[[columns]]`…), as (table, key).
fn readme_keys() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("| key | type | required | meaning |").unwrap();
    let mut keys = Vec::new();
    for line in readme[start..].lines().skip(2) {
        if !line.starts_with("| `") {
            break;
        }
        let cell = line.split('|').nth(1).unwrap();
        let mut table = String::new();
        for part in cell.split('/').map(|p| p.trim().trim_matches('`')) {
            if let Some(t) = part.strip_prefix('[') {
                let t = t.trim_start_matches('[').trim_end_matches(']');
                keys.push((t.to_string(), String::new()));
                continue;
            }
            let full = match part.strip_prefix('.') {
                Some(k) => format!("{table}.{k}"),
                None => part.replace("*.", "columns.articles."),
            };
            let (t, k) = full.rsplit_once('.').unwrap_or(("", &full));
            table = t.to_string();
            keys.push((t.to_string(), k.to_string()));
        }
    }
    assert!(keys.len() > 40, "{keys:?}");
    keys
}

/// Every key of the README's list is in the text, set or commented, in its
/// table (a table by its header; `[[articles]]` is the alternative to
/// `[[columns]]`, named in a description).
fn has_every_readme_key(text: &str) {
    let mut present = std::collections::BTreeSet::new();
    let mut table = String::new();
    for line in text.lines() {
        let l = line.strip_prefix("# ").unwrap_or(line);
        if line.starts_with("##") {
            if line.contains("[[articles]]") {
                present.insert(("articles".to_string(), String::new()));
            }
            continue;
        }
        if let Some(h) = l.strip_prefix('[') {
            table = h.trim_start_matches('[').trim_end_matches(']').to_string();
            present.insert((table.clone(), String::new()));
        } else if let Some((k, _)) = l.split_once(" = ") {
            present.insert((table.clone(), k.trim().to_string()));
        }
    }
    for (t, k) in readme_keys() {
        assert!(
            present.contains(&(t.clone(), k.clone())),
            "{t}.{k} missing:\n{text}"
        );
    }
}

#[test]
fn init_blocks_uncomment_to_issues_that_check() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let o = init(&[dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let path = dir.join("issue-1.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    has_every_readme_key(&text);
    every_block_uncomments(&path, &text);
    // Descriptions and commented-out keys are told apart: `## ` and `# `.
    assert!(text.contains("\n## "), "{text}");
}
