//! Numbered print runs (`--numbered`): one PDF of all the copies, or one PDF
//! a copy (`{n}` in `-o`, or `--out-dir`), each copy with its own copy
//! number (份号) and otherwise the same pages; bad ranges and outputs that
//! cannot be written are refused before anything is laid out.

use std::path::Path;

use crate::common::*;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The text of each page of a PDF (pdftotext separates pages with a form
/// feed).
fn pages(pdf: &Path) -> Vec<String> {
    let text = tool_stdout("pdftotext", &[s(pdf), "-"]);
    let mut pages: Vec<String> = text.split('\x0c').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// Issue 363 with a copy number of its own (099999), which --numbered
/// overrides.
fn issue(dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(root().join("examples/issue-363.toml")).unwrap();
    let text = text.replacen("[issue]\n", "[issue]\ncopy = 99999\n", 1);
    assert!(
        text.contains("copy = 99999"),
        "issue 363 has an [issue] table"
    );
    let path = dir.join("issue.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn copies_in_one_pdf_and_in_files() {
    let tmp = tempfile::tempdir().unwrap();
    let input = issue(tmp.path());

    let single = tmp.path().join("single.pdf");
    let out = run(&[s(&input), "-o", s(&single)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let one = pages(&single);
    assert!(one[0].contains("099999"), "{}", one[0]);
    let per_copy = one.len();

    // Five copies in one PDF: copy after copy, each numbered, the rest alike.
    let joined = tmp.path().join("five.pdf");
    let out = run(&[s(&input), "--numbered", "1-5", "-o", s(&joined)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("5 copies"), "{}", stderr(&out));
    let all = pages(&joined);
    assert_eq!(all.len(), 5 * per_copy, "5 copies of {per_copy} pages");
    let numbers: Vec<String> = all
        .chunks(per_copy)
        .map(|copy| {
            copy[0]
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap()
                .trim()
                .to_string()
        })
        .collect();
    assert_eq!(numbers, ["000001", "000002", "000003", "000004", "000005"]);
    for (k, copy) in all.chunks(per_copy).enumerate() {
        let number = format!("{:06}", k + 1);
        for (p, (page, want)) in copy.iter().zip(&one).enumerate() {
            assert_eq!(
                page.replace(&number, "NNNNNN"),
                want.replace("099999", "NNNNNN"),
                "copy {number}, page {}",
                p + 1
            );
            if p > 0 {
                assert!(!page.contains(&number), "copy {number}, page {}", p + 1);
            }
        }
    }

    // Copy 3's first page (its number put in place of copy 1's) looks
    // exactly as that page laid out on its own with copy = 3.
    let three = tmp.path().join("three.toml");
    std::fs::write(
        &three,
        std::fs::read_to_string(&input)
            .unwrap()
            .replace("copy = 99999", "copy = 3"),
    )
    .unwrap();
    let three_pdf = tmp.path().join("three.pdf");
    let out = run(&[s(&three), "-o", s(&three_pdf)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let raster = |pdf: &Path, page: usize| -> Vec<u8> {
        let p = page.to_string();
        let o = tool(
            "pdftoppm",
            &["-r", "50", "-gray", "-f", &p, "-l", &p, s(pdf)],
        );
        assert!(
            o.status.success() && o.stdout.len() > 10_000,
            "pdftoppm gave a page"
        );
        o.stdout
    };
    assert!(
        raster(&joined, 2 * per_copy + 1) == raster(&three_pdf, 1),
        "copy 3's first page differs from the issue laid out with copy = 3"
    );
    assert!(
        raster(&joined, 1) != raster(&three_pdf, 1),
        "copy 1's first page is not copy 3's"
    );

    // One PDF a copy: {n} in -o, and --out-dir.
    std::fs::create_dir(tmp.path().join("each")).unwrap();
    let pattern = tmp.path().join("each/copy-{n}.pdf");
    let out = run(&[s(&input), "--numbered", "1-3,10-11", "-o", s(&pattern)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tmp.path().join("dir");
    let out = run(&[s(&input), "--numbered", "7,9", "--out-dir", s(&dir)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let files = [
        ("each/copy-000001.pdf", "000001"),
        ("each/copy-000002.pdf", "000002"),
        ("each/copy-000003.pdf", "000003"),
        ("each/copy-000010.pdf", "000010"),
        ("each/copy-000011.pdf", "000011"),
        ("dir/issue-000007.pdf", "000007"),
        ("dir/issue-000009.pdf", "000009"),
    ];
    for (name, number) in files {
        let got = pages(&tmp.path().join(name));
        assert_eq!(got.len(), per_copy, "{name}");
        assert_eq!(got[0].trim_start().lines().next(), Some(number), "{name}");
        assert_eq!(
            got[0].replace(number, "NNNNNN"),
            one[0].replace("099999", "NNNNNN"),
            "{name}"
        );
    }
    let mut listed: Vec<String> = std::fs::read_dir(tmp.path().join("each"))
        .unwrap()
        .chain(std::fs::read_dir(&dir).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    listed.sort();
    assert_eq!(listed.len(), 7, "no other files (temporaries): {listed:?}");
}

#[test]
fn bad_ranges_and_outputs_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let input = issue(tmp.path());
    for (range, says) in [
        ("3-1", "reversed"),
        ("0", "start at 1"),
        ("1-1000000", "at most six digits"),
        ("1-100001", "at most 100000"),
        ("1-3,2-5", "overlaps"),
        ("1,,3", "empty range"),
        ("abc", "not a copy number"),
    ] {
        let out = run(&[s(&input), "--numbered", range, "-o", "x.pdf"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{range}: {err}");
        assert!(err.contains(says), "{range}: {err}");
        assert!(
            err.contains("--numbered 1-120"),
            "{range}: an example: {err}"
        );
    }
    // Not with page images, not in watch, not for several issues.
    for args in [
        vec![s(&input), "--numbered", "1-2", "-o", "p-{p}.png"],
        vec!["watch", s(&input), "--numbered", "1-2"],
        vec![s(tmp.path()), "--numbered", "1-2"],
    ] {
        let out = run(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("--numbered"), "{args:?}: {err}");
    }
    // An output that is the issue, a missing folder: nothing is written.
    let out = run(&[s(&input), "--numbered", "1", "-o", s(&input)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("is an input"), "{}", stderr(&out));
    let missing = tmp.path().join("missing/c-{n}.pdf");
    let out = run(&[s(&input), "--numbered", "1-2", "-o", s(&missing)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["issue.toml"], "nothing written");
}
