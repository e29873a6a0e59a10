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
