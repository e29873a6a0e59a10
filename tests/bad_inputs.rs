//! The error catalogue: every file in tests/bad/ is a broken input with the
//! message a user should see (`NAME.expect`: optional `args:`, the exit code,
//! then substrings the message must contain). Each must fail with exactly
//! that, write no PDF and leave the input as it was.

use crate::common::*;

#[test]
fn every_broken_input_gets_its_message() {
    let dir = root().join("tests/bad");
    let out_dir = tempfile::tempdir().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".expect").map(String::from))
        .collect();
    names.sort();
    assert!(names.len() >= 30, "only {} cases", names.len());
    let mut failures = Vec::new();
    for name in &names {
        let expect = std::fs::read_to_string(dir.join(format!("{name}.expect"))).unwrap();
        let input = dir.join(format!("{name}.toml"));
        // Unreadable inputs (a broken link) have no bytes to compare.
        let before = std::fs::read(&input).ok();
        let out = out_dir.path().join(format!("{name}.pdf"));
        let mut args: Vec<String> = vec![input.to_str().unwrap().into()];
        // A folder given as the issue: no -o (that would be a usage error).
        if !input.is_dir() {
            args.extend(["-o".into(), out.to_str().unwrap().into()]);
        }
        let mut code = 1;
        let mut needles = Vec::new();
        for line in expect.lines().filter(|l| !l.is_empty()) {
            if let Some(a) = line.strip_prefix("args: ") {
                let d = dir.to_str().unwrap();
                args.extend(a.split(' ').map(|x| x.replace("{dir}", d)));
            } else if let Some(c) = line.strip_prefix("exit: ") {
                code = c.parse().unwrap();
            } else {
                needles.push(line.to_string());
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&args);
        let err = stderr(&o);
        let mut problems = Vec::new();
        if o.status.code() != Some(code) {
            problems.push(format!("exit code {:?}, expected {code}", o.status.code()));
        }
        for n in &needles {
            if !err.contains(n.as_str()) {
                problems.push(format!("message lacks {n:?}"));
            }
        }
        if out.exists() {
            problems.push("a PDF was written".into());
        }
        if std::fs::read(&input).ok() != before {
            problems.push("the input was modified".into());
        }
        if err.contains("panicked") {
            problems.push("panic".into());
        }
        if !problems.is_empty() {
            failures.push(format!("{name}: {}\n{err}", problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn inputs_that_are_not_issue_files() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-issue.toml");
    let o = run(&[missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no-such-issue.toml"), "{}", stderr(&o));
    assert!(stderr(&o).contains("No such file"), "{}", stderr(&o));
    // A GBK file converts with --encoding gbk.
    let gbk = root().join("tests/bad/gbk-encoded.toml");
    let out = tmp.path().join("gbk.pdf");
    let o = run(&[
        gbk.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--encoding",
        "gbk",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(pdf_text_compact(&out).contains("工作简报"));
}
