//! Batch rendering of a catalogue: failures isolated and reported, series
//! files inherited and overridden, incremental runs, shards, reproducible
//! bytes and the plain Typst export.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::*;

fn pdfs_under(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "pdf") {
                out.insert(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out
}

fn catalogue(n: usize) -> (tempfile::TempDir, PathBuf, Vec<PathBuf>) {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("catalogue");
    let files = catalogue::generate(&cat, n, 7).unwrap();
    (tmp, cat, files)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The contents of the PDFs under `out`, in path order.
fn pdf_bytes_under(out: &Path) -> Vec<Vec<u8>> {
    pdfs_under(out)
        .iter()
        .map(|p| std::fs::read(out.join(p)).unwrap())
        .collect()
}

/// Runs a batch and checks its summary line.
fn runs_and_reports(args: &[&str], summary: &str) {
    let o = run(args);
    assert!(stderr(&o).contains(summary), "{}", stderr(&o));
}

#[test]
fn a_mixed_catalogue_reports_bad_issues_and_renders_the_rest() {
    let (tmp, cat, files) = catalogue(6);
    std::fs::write(cat.join("gongzuo/bad-syntax.toml"), "[issue]\nnumber = \n").unwrap();
    std::fs::write(
        cat.join("xinxi/bad-key.toml"),
        "[issue]\nnumber = 9\ndate = 2020-01-01\nnumbre = 3\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = run(&[s(&cat), "--out-dir", s(&out), "-j", "2"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("bad-syntax.toml:2:10"), "{err}");
    assert!(err.contains("bad-key.toml:4:1"), "{err}");
    assert!(err.contains("unknown field `numbre`"), "{err}");
    assert!(err.contains("6 rendered, 0 up to date, 2 failed"), "{err}");
    let pdfs = pdfs_under(&out);
    assert_eq!(pdfs.len(), files.len(), "{pdfs:?}");
    for f in &files {
        let rel = f.strip_prefix(&cat).unwrap().with_extension("pdf");
        assert!(
            pdfs.contains(&rel.to_string_lossy().into_owned()),
            "{rel:?}"
        );
    }
    // --fail-fast stops at the first failure: with one worker, in sorted
    // order, dongtai/a-bad.toml comes first and nothing else is started.
    let out2 = tmp.path().join("out2");
    std::fs::write(cat.join("dongtai/a-bad.toml"), "x = ").unwrap();
    let o = run(&[s(&cat), "--out-dir", s(&out2), "-j", "1", "--fail-fast"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("not run (--fail-fast)"), "{err}");
    assert!(pdfs_under(&out2).is_empty(), "{:?}", pdfs_under(&out2));
}

#[test]
fn series_files_are_inherited_overridden_and_their_errors_reported_once() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    std::fs::create_dir_all(cat.join("sub")).unwrap();
    std::fs::write(
        cat.join("bulletin.toml"),
        "[bulletin]\nname = \"系列简报\"\noffice = \"系列办公室\"\n\n[footer]\nbao = \"上级单位\"\n",
    )
    .unwrap();
    let issue = |title: &str, extra: &str| {
        format!(
            "{extra}[issue]\nnumber = 5\ndate = 2022-05-06\n\n[[articles]]\ntitle = \"{title}\"\nbody = \"正文。\"\n"
        )
    };
    std::fs::write(cat.join("inherits.toml"), issue("继承", "")).unwrap();
    std::fs::write(
        cat.join("overrides.toml"),
        issue("覆盖", "[bulletin]\nname = \"专报\"\n\n"),
    )
    .unwrap();
    let o = run(&[s(&cat), "--out-dir", s(&tmp.path().join("out"))]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = |name: &str| pdf_text_compact(&tmp.path().join("out").join(name));
    let a = text("inherits.pdf");
    assert!(
        a.contains("系列简报") && a.contains("系列办公室") && a.contains("报：上级单位"),
        "{a}"
    );
    let b = text("overrides.pdf");
    assert!(b.contains("专报") && !b.contains("系列简报"), "{b}");
    assert!(
        b.contains("系列办公室") && b.contains("报：上级单位"),
        "{b}"
    );
    // An issue file still renders on its own, with its series.
    let o = run(&[
        s(&cat.join("inherits.toml")),
        "-o",
        s(&tmp.path().join("alone.pdf")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A broken series file below: reported once with its line:column, and
    // its issues fail while the others render.
    std::fs::write(
        cat.join("sub/bulletin.toml"),
        "[bulletin]\nname = 工作简报\n",
    )
    .unwrap();
    std::fs::write(cat.join("sub/one.toml"), issue("一", "")).unwrap();
    std::fs::write(cat.join("sub/two.toml"), issue("二", "")).unwrap();
    let o = run(&[s(&cat), "--out-dir", s(&tmp.path().join("out3"))]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let series = cat.join("sub/bulletin.toml");
    let at = format!("{}:2:8", series.display());
    assert_eq!(err.matches(&at).count(), 1, "{err}");
    assert!(err.contains("2 rendered, 0 up to date, 2 failed"), "{err}");
    // One mistake, one message: the series file once with how many issues
    // it kept from being rendered; the issues below it are not listed.
    assert_eq!(
        err.matches("2 issues below it not rendered").count(),
        1,
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "failed:\n  {}  (series file, 2 issues)",
            series.display()
        )),
        "{err}"
    );
    for issue in ["sub/one.toml", "sub/two.toml"] {
        assert!(!err.contains(issue), "{issue} listed: {err}");
    }
    assert!(!err.contains("FAILED"), "{err}");
    assert!(!err.contains("reported above"), "{err}");
}

#[test]
fn incremental_runs_skip_what_is_up_to_date_and_force_renders_all() {
    let (tmp, cat, files) = catalogue(4);
    let out = tmp.path().join("out");
    let o = run(&[s(&cat), "--out-dir", s(&out)]);
    let err = stderr(&o);
    assert!(err.contains("4 rendered, 0 up to date"), "{err}");
    // The rate with one decimal (or none), not 15.9044/s.
    let summary = err.lines().last().unwrap();
    let rate = summary
        .rsplit_once('(')
        .and_then(|(_, r)| r.strip_suffix("/s rendered)"))
        .unwrap_or_else(|| panic!("no rate: {summary}"));
    let decimals = rate.split_once('.').map_or(0, |(_, d)| d.len());
    assert!(rate.parse::<f64>().is_ok() && decimals <= 1, "{summary}");
    let bytes = pdf_bytes_under(&out);
    runs_and_reports(&[s(&cat), "--out-dir", s(&out)], "0 rendered, 4 up to date");
    // Touch one issue: only it is rendered again.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let text = std::fs::read_to_string(&files[1]).unwrap();
    std::fs::write(&files[1], text).unwrap();
    runs_and_reports(&[s(&cat), "--out-dir", s(&out)], "1 rendered, 3 up to date");
    // A series file changes: its issues (1st and 4th of 4) are rendered again.
    let series = cat.join("gongzuo/bulletin.toml");
    let text = std::fs::read_to_string(&series).unwrap();
    std::fs::write(&series, text).unwrap();
    runs_and_reports(&[s(&cat), "--out-dir", s(&out)], "2 rendered, 2 up to date");
    runs_and_reports(
        &[s(&cat), "--out-dir", s(&out), "--force"],
        "4 rendered, 0 up to date",
    );
    // Re-rendering gives the same bytes.
    let after = pdf_bytes_under(&out);
    assert!(bytes == after, "re-rendered PDFs differ");
}

#[test]
fn shards_cover_every_issue_exactly_once() {
    let (tmp, cat, files) = catalogue(12);
    let mut all = BTreeSet::new();
    let mut total = 0;
    for k in 1..=3 {
        let out = tmp.path().join(format!("shard{k}"));
        let o = run(&[
            s(&cat),
            "--out-dir",
            s(&out),
            "--shard",
            &format!("{k}/3"),
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let got = pdfs_under(&out);
        total += got.len();
        all.extend(got);
    }
    assert_eq!(total, files.len(), "an issue was rendered in two shards");
    assert_eq!(all.len(), files.len());
    let o = run(&[s(&cat), "--shard", "4/3"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn export_typst_writes_a_plain_project_that_compiles_to_the_same_text() {
    let tmp = tempfile::tempdir().unwrap();
    let example = root().join("examples/issue-363.toml");
    let project = tmp.path().join("project");
    let o = run(&["export-typst", s(&example), s(&project)]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["main.typ", "theme.typ", "issue.json"] {
        assert!(project.join(f).is_file(), "{f} missing");
    }
    // Compile the folder as a plain Typst project: every file from disk.
    let fonts = std::sync::Arc::new(bulletin_render::Fonts::load(&Default::default()));
    let doc = bulletin_render::compile_project(&project, fonts).unwrap();
    let pdf = typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default()).unwrap();
    let plain = tmp.path().join("plain.pdf");
    std::fs::write(&plain, pdf).unwrap();
    let direct = tmp.path().join("direct.pdf");
    let o = run(&[s(&example), "-o", s(&direct)]);
    assert!(o.status.success());
    assert_eq!(pdf_text_compact(&plain), pdf_text_compact(&direct));
}

/// A file name need not be UTF-8 (an archive copied from an old GBK
/// system): the batch renders it like any other, and the PDF keeps the
/// name's bytes.
#[test]
fn a_file_name_that_is_not_utf8_is_rendered_in_a_batch() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    std::fs::create_dir(&cat).unwrap();
    let example = root().join("examples/zhuanbao.toml");
    // 简报 in GBK: bytes that are not UTF-8.
    let gbk = std::ffi::OsStr::from_bytes(b"\xbc\xf2\xb1\xa8.toml");
    std::fs::copy(&example, cat.join(gbk)).unwrap();
    std::fs::copy(&example, cat.join("b.toml")).unwrap();
    let out = tmp.path().join("out");
    let o = run(&[s(&cat), "--out-dir", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out
        .join(std::ffi::OsStr::from_bytes(b"\xbc\xf2\xb1\xa8.pdf"))
        .is_file());
    assert!(out.join("b.pdf").is_file());
}
