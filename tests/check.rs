//! `bulletin-pdf check`: errors and a proofreader's warnings, with file and
//! line:column, exit codes and the JSON Lines report; and the other
//! machine-readable outputs (`layouts --json`, `fonts --json`).

use std::process::Command;

use crate::common::*;

/// An issue with one of each lint.
fn lint_fixture() -> String {
    let long = "测试文字。".repeat(420);
    format!(
        r#"[bulletin]
name = "工作简报"
office = "协调小组办公室"

[issue]
number = 5
date = 2024-06-18

[[columns]]
name = ""

[[columns.articles]]
title = "徐州建立健全学习机制"
toc_title = "南京开展防疫工作"
body = """
第一段正文。

{long}

会议,研究部署下一步工作。
"""
byline = "市委办（供稿）"
"#
    )
}

/// 1-based line and column (characters) of the first `needle` in `text`.
fn pos(text: &str, needle: &str) -> (u64, u64) {
    let at = text.find(needle).unwrap();
    let line = text[..at].matches('\n').count() as u64 + 1;
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    (line, text[start..at].chars().count() as u64 + 1)
}

#[test]
fn check_reports_errors_warnings_exit_codes_and_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("a-lints.toml");
    let text = lint_fixture();
    std::fs::write(&good, &text).unwrap();

    // Warnings only: exit 0, each warning at its place.
    let o = run(&["check", good.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let at = |needle: &str| {
        let (l, c) = pos(&text, needle);
        format!("a-lints.toml:{l}:{c}: ")
    };
    for (place, what) in [
        (at("\"南京"), "shares only 0 of its"),
        (at("\"\"\n\n[[columns.articles]]"), "empty name"),
        (at("\"市委办"), "prints as （市委办（供稿））"),
        (at("测试文字。测试"), "has 2100 characters"),
        (at(","), "ASCII ',' in Chinese text"),
    ] {
        let line = err
            .lines()
            .find(|l| l.contains(what))
            .unwrap_or_else(|| panic!("no warning {what:?}: {err}"));
        assert!(line.contains(&place), "{what}: expected {place} in {line}");
    }
    assert!(err.contains("1 ok, 0 failed, 5 warnings"), "{err}");

    // An error: exit 1; the report has one line per issue.
    let bad = tmp.path().join("b-bad.toml");
    std::fs::write(
        &bad,
        minimal_issue("标题", "正文。", "单位").replace("2021-03-04", "2021-02-30"),
    )
    .unwrap();
    let report = tmp.path().join("report.jsonl");
    let o = run(&[
        "check",
        tmp.path().to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("2021-02-30"), "{err}");
    assert!(err.contains("1 of 2 issues failed"), "{err}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let (a, b) = (&lines[0], &lines[1]);
    assert!(a["input"].as_str().unwrap().ends_with("a-lints.toml"));
    assert_eq!(a["status"], "ok");
    assert_eq!(a["errors"].as_array().unwrap().len(), 0);
    let warnings = a["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 5, "{warnings:?}");
    for w in warnings {
        assert!(w["file"].as_str().unwrap().ends_with("a-lints.toml"), "{w}");
        assert!(w["line"].as_u64().unwrap() >= 10, "{w}");
        assert!(w["column"].as_u64().unwrap() >= 1, "{w}");
        assert!(w["message"].is_string(), "{w}");
    }
    let (l, c) = pos(&text, ",");
    assert!(
        warnings.iter().any(|w| w["line"] == l && w["column"] == c),
        "{warnings:?}"
    );
    assert_eq!(b["status"], "failed");
    let e = b["errors"][0].as_str().unwrap();
    assert!(e.contains("2021-02-30") && e.contains("b-bad.toml"), "{e}");
    assert!(!e.contains('\u{1b}'), "{e}");
    assert_eq!(b["warnings"].as_array().unwrap().len(), 0);

    // Nothing else was written.
    let mut names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a-lints.toml", "b-bad.toml", "report.jsonl"]);
}

#[test]
fn check_finds_what_a_render_would_refuse() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        // A layout parameter out of range.
        (
            format!(
                "{}\n[style]\ntitle_size = 1000\n",
                minimal_issue("标题", "正文。", "单位")
            ),
            "style.title_size",
        ),
        // A character no font has (a private-use one).
        (minimal_issue("标题", "正文\u{E000}。", "单位"), "U+E000"),
        // A series file's mistake.
        (minimal_issue("标题", "正文。", "单位"), "bulletin.toml"),
    ];
    for (i, (text, expect)) in cases.iter().enumerate() {
        let dir = tmp.path().join(i.to_string());
        std::fs::create_dir(&dir).unwrap();
        if *expect == "bulletin.toml" {
            std::fs::write(dir.join("bulletin.toml"), "[bulletin\n").unwrap();
        }
        std::fs::write(dir.join("x.toml"), text).unwrap();
        let o = run(&["check", dir.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{expect}: {err}");
        assert!(err.contains(expect), "{expect}: {err}");
        assert!(!dir.join("x.pdf").exists());
    }
}

#[test]
fn layouts_and_fonts_print_json() {
    let o = Command::new(BIN)
        .args(["layouts", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = v.as_array().unwrap();
    let default = list.iter().find(|l| l["name"] == "default").unwrap();
    assert_eq!(default["place"], "bundled");
    assert!(default["description"]
        .as_str()
        .unwrap()
        .contains("工作简报"));
    let params = default["params"].as_array().unwrap();
    let red = params.iter().find(|p| p["name"] == "red").unwrap();
    assert_eq!(red["type"], "color");
    assert!(red["description"].is_string());
    let name_size = params.iter().find(|p| p["name"] == "name_size").unwrap();
    assert_eq!(name_size["type"], "length");
    assert_eq!(name_size["default"], 42);
    assert_eq!(name_size["min"], 12.0);
    assert_eq!(name_size["max"], 100.0);
    assert!(list.iter().any(|l| l["name"] == "zhuanbao"));

    let o = run(&["fonts", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let fonts = v.as_array().unwrap();
    let body = fonts.iter().find(|f| f["role"] == "body").unwrap();
    assert_eq!(body["family"], "FandolFang R");
    assert!(body["origin"].as_str().unwrap().contains("FandolFang"));
    assert!(fonts.len() >= 5, "{fonts:?}");
}

/// `check` and a render share one list of the issue's warnings: what the
/// render warns about the issue (a 密级 without a 份号, 签发人 under a layout
/// that does not place it) `check` says too, without laying anything out.
#[test]
fn check_warns_what_a_render_warns() {
    let tmp = tempfile::tempdir().unwrap();
    let text = minimal_issue("标题", "正文。", "（单位）").replace(
        "date = 2021-03-04\n",
        "date = 2021-03-04\nclassification = \"秘密\"\nsigners = [\"张三\"]\n",
    );
    let input = tmp.path().join("w.toml");
    std::fs::write(&input, &text).unwrap();
    let render = run(&[
        input.to_str().unwrap(),
        "-o",
        tmp.path().join("w.pdf").to_str().unwrap(),
    ]);
    assert!(render.status.success(), "{}", stderr(&render));
    let check = run(&["check", input.to_str().unwrap()]);
    assert!(check.status.success(), "{}", stderr(&check));
    for want in [
        "without a copy number (份号)",
        "issue.signers is set but the layout",
    ] {
        assert!(
            stderr(&render).contains(want),
            "render: {}",
            stderr(&render)
        );
        assert!(stderr(&check).contains(want), "check: {}", stderr(&check));
    }
}

/// Values written with what the layout adds itself print once (#21 item 4):
/// 【工作动态】 as a column's name, 第12期 as the number; render and check
/// both say so and what to write instead.
#[test]
fn brackets_and_qi_written_in_the_values_print_once() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "[bulletin]\nname = \"工作简报\"\noffice = \"协调小组办公室\"\n\n[issue]\n\
                number = \"第12期\"\ndate = 2021-03-04\n\n[[columns]]\nname = \"【工作动态】\"\n\n\
                [[columns.articles]]\ntitle = \"标题\"\nbody = \"正文。\"\n";
    let input = tmp.path().join("b.toml");
    std::fs::write(&input, text).unwrap();
    let pdf = tmp.path().join("b.pdf");
    let o = run(&[input.to_str().unwrap(), "-o", pdf.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = pdf_text_compact(&pdf);
    assert!(t.contains("第12期") && !t.contains("第第"), "{t}");
    assert!(t.contains("【工作动态】") && !t.contains("【【"), "{t}");
    let c = run(&["check", input.to_str().unwrap()]);
    for o in [&o, &c] {
        assert!(
            stderr(o).contains("write name = \"工作动态\""),
            "{}",
            stderr(o)
        );
        assert!(stderr(o).contains("write number = 12"), "{}", stderr(o));
    }
}

/// The report gives each error as data: its place and its corrected line,
/// which, applied to the file, makes the check pass.
#[test]
fn the_report_gives_each_error_with_its_place_and_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let issue = tmp.path().join("quoted.toml");
    let text = minimal_issue("标题", "正文。", "单位").replace("2021-03-04", "\"2021-03-04\"");
    std::fs::write(&issue, &text).unwrap();
    let report = tmp.path().join("r.jsonl");
    let o = run(&[
        "check",
        issue.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let line: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&report).unwrap().trim()).unwrap();
    let p = &line["problems"][0];
    let want_line = text
        .lines()
        .position(|l| l.contains("\"2021-03-04\""))
        .unwrap()
        + 1;
    assert!(p["file"].as_str().unwrap().ends_with("quoted.toml"), "{p}");
    assert_eq!(p["line"], want_line as u64, "{p}");
    assert!(p["column"].as_u64().unwrap() >= 1, "{p}");
    assert!(
        p["message"].as_str().unwrap().contains("not a TOML date"),
        "{p}"
    );
    assert!(!p["message"].as_str().unwrap().contains("┌─"), "{p}");
    assert_eq!(p["fix"]["line"], want_line as u64, "{p}");
    // Applied, the fix makes the file pass.
    let fixed: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == want_line {
                p["fix"]["text"].as_str().unwrap().to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&issue, fixed.join("\n") + "\n").unwrap();
    let o = run(&["check", issue.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}
