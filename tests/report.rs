//! `--report FILE` (JSON Lines, one object per issue) and `report merge`,
//! which combines the reports of a job array's shards and checks that every
//! issue was covered exactly once.

use std::path::{Path, PathBuf};

use crate::common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn read_report(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn by_input<'a>(lines: &'a [Value], suffix: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["input"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("no line for {suffix}: {lines:?}"))
}

fn sha256_of(path: &str) -> String {
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_report_describes_every_issue_of_a_mixed_catalogue() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    catalogue::generate(&cat, 3, 5).unwrap();
    std::fs::write(cat.join("gongzuo/bad-syntax.toml"), "[issue]\nnumber = \n").unwrap();
    std::fs::create_dir_all(cat.join("broken")).unwrap();
    std::fs::write(
        cat.join("broken/bulletin.toml"),
        "[bulletin]\nname = 工作简报\n",
    )
    .unwrap();
    for name in ["one", "two"] {
        let issue = minimal_issue("标题", "正文。", "单位");
        std::fs::write(cat.join(format!("broken/{name}.toml")), issue).unwrap();
    }
    std::fs::create_dir_all(cat.join("glyph")).unwrap();
    let glyph = minimal_issue("标题", "第二段有喆字。", "单位");
    std::fs::write(cat.join("glyph/glyph.toml"), glyph).unwrap();
    let out = tmp.path().join("out");
    let report = tmp.path().join("reports/run.jsonl");
    let args = [
        s(&cat),
        "--out-dir",
        s(&out),
        "-j",
        "2",
        "--allow-missing-glyphs",
        "--report",
        s(&report),
    ];
    let o = run(&args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    // The summary counts the missing-glyph warning.
    assert!(
        err.contains("4 rendered, 0 up to date, 3 failed, 1 warning in"),
        "{err}"
    );
    let lines = read_report(&report);
    assert_eq!(lines.len(), 7, "{lines:?}");
    let keys = [
        "input", "output", "status", "error", "pages", "millis", "sha256", "shard", "warnings",
        "host", "task",
    ];
    for l in &lines {
        for k in keys {
            assert!(l.get(k).is_some(), "{k} missing in {l}");
        }
        assert!(l["shard"].is_null(), "{l}");
    }
    for l in lines.iter().filter(|l| l["status"] == "rendered") {
        assert!(l["error"].is_null(), "{l}");
        assert!(l["pages"].as_u64().unwrap() >= 1, "{l}");
        assert!(l["millis"].is_u64(), "{l}");
        let output = l["output"].as_str().unwrap();
        assert_eq!(l["sha256"].as_str().unwrap(), sha256_of(output), "{l}");
    }
    let glyph = by_input(&lines, "glyph/glyph.toml");
    assert_eq!(glyph["status"], "rendered");
    let w = glyph["warnings"].as_array().unwrap();
    assert_eq!(w.len(), 1, "{glyph}");
    assert!(w[0].as_str().unwrap().contains("喆 (U+5586)"), "{glyph}");
    let ok = by_input(&lines, "gongzuo/issue-0001.toml");
    assert_eq!(ok["warnings"].as_array().unwrap().len(), 0, "{ok}");
    let bad = by_input(&lines, "bad-syntax.toml");
    assert_eq!(bad["status"], "failed");
    assert!(bad["pages"].is_null() && bad["sha256"].is_null(), "{bad}");
    let e = &bad["error"];
    assert!(
        e["file"]
            .as_str()
            .unwrap()
            .ends_with("gongzuo/bad-syntax.toml"),
        "{e}"
    );
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(2), Some(10)),
        "{e}"
    );
    assert!(!e["message"].as_str().unwrap().contains('\x1b'), "{e}");
    // Issues below a broken series file carry its error and place.
    for name in ["broken/one.toml", "broken/two.toml"] {
        let l = by_input(&lines, name);
        assert_eq!(l["status"], "failed", "{l}");
        let e = &l["error"];
        assert!(
            e["file"]
                .as_str()
                .unwrap()
                .ends_with("broken/bulletin.toml"),
            "{e}"
        );
        assert_eq!(
            (e["line"].as_u64(), e["column"].as_u64()),
            (Some(2), Some(8)),
            "{e}"
        );
    }
    // A second run: up to date, with the pages and hashes of the first.
    let o = run(&args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let again = read_report(&report);
    for l in lines.iter().filter(|l| l["status"] == "rendered") {
        let input = l["input"].as_str().unwrap();
        let a = by_input(&again, input);
        assert_eq!(a["status"], "up-to-date", "{a}");
        assert_eq!(a["sha256"], l["sha256"], "{a}");
        assert_eq!(a["pages"], l["pages"], "{a}");
    }
    // One issue alone gets its line too.
    let single = tmp.path().join("single.jsonl");
    let one = cat.join("xinxi/issue-0001.toml");
    let o = run(&[
        s(&one),
        "-o",
        s(&tmp.path().join("one.pdf")),
        "--report",
        s(&single),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = read_report(&single);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["status"], "rendered");
    assert_eq!(
        lines[0]["sha256"].as_str().unwrap(),
        sha256_of(s(&tmp.path().join("one.pdf")))
    );
}

#[test]
fn merging_shard_reports_finds_missing_and_duplicated_issues() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    let files = catalogue::generate(&cat, 12, 9).unwrap();
    let out = tmp.path().join("out");
    let reports: Vec<PathBuf> = (1..=3)
        .map(|k| tmp.path().join(format!("shard-{k}.jsonl")))
        .collect();
    for (k, r) in reports.iter().enumerate() {
        let shard = format!("{}/3", k + 1);
        let o = run(&[
            s(&cat),
            "--out-dir",
            s(&out),
            "--shard",
            &shard,
            "--report",
            s(r),
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        for l in read_report(r) {
            assert_eq!(l["shard"], shard.as_str(), "{l}");
        }
    }
    // The shards shared one output folder: their manifests were merged.
    let o = run(&[s(&cat), "--out-dir", s(&out)]);
    assert!(
        stderr(&o).contains("0 rendered, 12 up to date"),
        "{}",
        stderr(&o)
    );
    let merge = |rs: &[&Path]| {
        let mut args = vec!["report", "merge"];
        args.extend(rs.iter().map(|r| s(r)));
        args.extend(["--expect", s(&cat)]);
        let o = std::process::Command::new(BIN)
            .args(&args)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr(&o),
        )
    };
    let all: Vec<&Path> = reports.iter().map(PathBuf::as_path).collect();
    let (code, text, err) = merge(&all);
    assert_eq!(code, Some(0), "{text}{err}");
    assert!(
        text.contains("3 reports, 12 issues: 12 rendered, 0 up to date, 0 failed"),
        "{text}"
    );
    // Lose the first line of one report and copy the last line of another
    // into a third.
    let mut texts: Vec<Vec<String>> = reports
        .iter()
        .map(|r| {
            std::fs::read_to_string(r)
                .unwrap()
                .lines()
                .map(String::from)
                .collect()
        })
        .collect();
    let a = texts.iter().position(|t| !t.is_empty()).unwrap();
    let lost = texts[a].remove(0);
    let b = texts.iter().rposition(|t| !t.is_empty()).unwrap();
    let copied = texts[b].last().unwrap().clone();
    let c = (0..3).find(|&i| i != b).unwrap();
    texts[c].push(copied.clone());
    let edited: Vec<PathBuf> = (0..3)
        .map(|i| {
            let p = tmp.path().join(format!("edited-{i}.jsonl"));
            std::fs::write(&p, texts[i].join("\n") + "\n").unwrap();
            p
        })
        .collect();
    let input = |line: &str| {
        let v: Value = serde_json::from_str(line).unwrap();
        v["input"].as_str().unwrap().to_string()
    };
    let edited_refs: Vec<&Path> = edited.iter().map(PathBuf::as_path).collect();
    let (code, text, err) = merge(&edited_refs);
    assert_eq!(code, Some(1), "{text}{err}");
    assert!(text.contains("missing"), "{text}");
    assert!(text.contains(&format!("  {}\n", input(&lost))), "{text}");
    assert!(text.contains("in more than one report line (1)"), "{text}");
    assert!(text.contains(&format!("  {}  (", input(&copied))), "{text}");
    assert!(
        err.contains("1 in more than one report, 1 missing"),
        "{err}"
    );
    // Only two of three shards: the third's issues are missing.
    let (code, text, _) = merge(&all[..2]);
    let third = read_report(&reports[2]).len();
    assert_eq!(code, Some(if third > 0 { 1 } else { 0 }), "{text}");
    assert_eq!(files.len(), 12);
}
