//! Incremental runs: an output is up to date only when it was made from the
//! same inputs — the layout (and its files), `[style]`, the options of the
//! run, the fonts, the issue and series files, the binary — as the manifest
//! beside the outputs records, whatever the modification times say.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::common::*;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A catalogue of three issues, one in each series folder (gongzuo, xinxi,
/// dongtai).
fn catalogue() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("catalogue");
    catalogue::generate(&cat, 3, 11).unwrap();
    let out = tmp.path().join("out");
    (tmp, cat, out)
}

/// Runs a batch and returns its standard error, checking the summary.
fn batch(args: &[&str], summary: &str) -> String {
    let o = run(args);
    let err = stderr(&o);
    assert!(err.contains(summary), "expected {summary:?}:\n{err}");
    err
}

/// Rewrites a file and sets its modification time back, as a restore from
/// a backup or a copy that keeps times would: only its contents changed.
fn edit_keeping_mtime(path: &Path, edit: impl FnOnce(String) -> String) {
    let before: SystemTime = std::fs::metadata(path).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, edit(text)).unwrap();
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(before).unwrap();
}

/// A copy of the default layout in `dir`.
fn copy_default_layout(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for e in std::fs::read_dir(root().join("crates/render/layouts/default")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
}

#[test]
fn an_unchanged_second_run_is_up_to_date_and_lists_nothing() {
    let (_tmp, cat, out) = catalogue();
    batch(&[s(&cat), "--out-dir", s(&out)], "3 rendered, 0 up to date");
    for folder in ["gongzuo", "xinxi", "dongtai"] {
        let manifest = out.join(folder).join(".bulletin-pdf-manifest.json");
        let text = std::fs::read_to_string(&manifest).unwrap();
        assert!(text.contains("fingerprint"), "{text}");
    }
    // Without a terminal, up-to-date issues are counted, not listed…
    let err = batch(&[s(&cat), "--out-dir", s(&out)], "0 rendered, 3 up to date");
    assert!(!err.contains("] up to date"), "{err}");
    // …unless asked for.
    let err = batch(
        &[s(&cat), "--out-dir", s(&out), "-v"],
        "0 rendered, 3 up to date",
    );
    assert_eq!(err.matches("] up to date").count(), 3, "{err}");
}

#[test]
fn another_layout_on_the_command_line_renders_again() {
    let (tmp, cat, out) = catalogue();
    let mine = tmp.path().join("mine");
    copy_default_layout(&mine);
    // A layout of one's own (an identical copy would make the same PDFs).
    let theme = mine.join("theme.typ");
    let text = std::fs::read_to_string(&theme).unwrap();
    std::fs::write(&theme, format!("{text}\n// mine\n")).unwrap();
    let args = |layout: &str| {
        vec![
            s(&cat).to_string(),
            "--out-dir".into(),
            s(&out).into(),
            "--layout".into(),
            layout.into(),
        ]
    };
    let with = |layout: &str, summary: &str| {
        let a = args(layout);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        batch(&a, summary);
    };
    with(s(&mine), "3 rendered, 0 up to date");
    with(s(&mine), "0 rendered, 3 up to date");
    with("default", "3 rendered, 0 up to date");
    with("default", "0 rendered, 3 up to date");
    // Without --layout the issues use the default layout too: the same PDFs.
    batch(&[s(&cat), "--out-dir", s(&out)], "0 rendered, 3 up to date");
}

#[test]
fn another_pdf_standard_renders_again() {
    let (_tmp, cat, out) = catalogue();
    batch(&[s(&cat), "--out-dir", s(&out)], "3 rendered, 0 up to date");
    let plain = std::fs::read(out.join("xinxi/issue-0001.pdf")).unwrap();
    batch(
        &[s(&cat), "--out-dir", s(&out), "--pdf-standard", "a-2b"],
        "3 rendered, 0 up to date",
    );
    let archival = std::fs::read(out.join("xinxi/issue-0001.pdf")).unwrap();
    assert!(plain != archival, "the PDF/A is the plain PDF");
    batch(
        &[s(&cat), "--out-dir", s(&out), "--pdf-standard", "a-2b"],
        "0 rendered, 3 up to date",
    );
    // --allow-missing-glyphs and --encoding are options of the run too.
    batch(
        &[
            s(&cat),
            "--out-dir",
            s(&out),
            "--pdf-standard",
            "a-2b",
            "--allow-missing-glyphs",
        ],
        "3 rendered, 0 up to date",
    );
}

#[test]
fn an_edit_of_a_layout_file_that_a_series_file_names_renders_its_issues_again() {
    let (tmp, cat, out) = catalogue();
    let mine = tmp.path().join("mine");
    copy_default_layout(&mine);
    let series = cat.join("gongzuo/bulletin.toml");
    let text = std::fs::read_to_string(&series).unwrap();
    std::fs::write(&series, format!("layout = \"../../mine\"\n{text}")).unwrap();
    batch(&[s(&cat), "--out-dir", s(&out)], "3 rendered, 0 up to date");
    batch(&[s(&cat), "--out-dir", s(&out)], "0 rendered, 3 up to date");
    edit_keeping_mtime(&mine.join("theme.typ"), |t| format!("{t}\n// edited\n"));
    batch(&[s(&cat), "--out-dir", s(&out)], "1 rendered, 2 up to date");
}

#[test]
fn a_style_edit_in_a_series_file_renders_its_issues_again() {
    let (_tmp, cat, out) = catalogue();
    batch(&[s(&cat), "--out-dir", s(&out)], "3 rendered, 0 up to date");
    let before = std::fs::read(out.join("xinxi/issue-0001.pdf")).unwrap();
    edit_keeping_mtime(&cat.join("xinxi/bulletin.toml"), |t| {
        format!("{t}\n[style]\nred = \"#000000\"\n")
    });
    batch(&[s(&cat), "--out-dir", s(&out)], "1 rendered, 2 up to date");
    let after = std::fs::read(out.join("xinxi/issue-0001.pdf")).unwrap();
    assert!(before != after, "the new [style] is not in the PDF");
}

#[test]
fn a_missing_or_corrupt_manifest_or_a_replaced_pdf_means_stale_outputs() {
    let (_tmp, cat, out) = catalogue();
    batch(&[s(&cat), "--out-dir", s(&out)], "3 rendered, 0 up to date");
    std::fs::write(out.join("xinxi/.bulletin-pdf-manifest.json"), "{not json").unwrap();
    std::fs::remove_file(out.join("dongtai/.bulletin-pdf-manifest.json")).unwrap();
    batch(&[s(&cat), "--out-dir", s(&out)], "2 rendered, 1 up to date");
    batch(&[s(&cat), "--out-dir", s(&out)], "0 rendered, 3 up to date");
    // A PDF put there by something else is not the one recorded.
    std::fs::write(out.join("gongzuo/issue-0001.pdf"), b"%PDF-1.7 not ours").unwrap();
    batch(&[s(&cat), "--out-dir", s(&out)], "1 rendered, 2 up to date");
}

/// A file of the issue's folder that the issue names (a CSV table, a
/// photo) is an input too: after it is edited, the PDF is made again.
#[test]
fn an_edited_csv_table_renders_again() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("cat");
    std::fs::create_dir_all(cat.join("qingkuang-files")).unwrap();
    std::fs::copy(
        root().join("examples/qingkuang.toml"),
        cat.join("qingkuang.toml"),
    )
    .unwrap();
    for e in std::fs::read_dir(root().join("examples/qingkuang-files"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(e.path(), cat.join("qingkuang-files").join(e.file_name())).unwrap();
    }
    let out = tmp.path().join("out");
    batch(&[s(&cat), "--out-dir", s(&out)], "1 rendered, 0 up to date");
    batch(&[s(&cat), "--out-dir", s(&out)], "0 rendered, 1 up to date");
    // Whatever its modification time says.
    let csv = cat.join("qingkuang-files/towns.csv");
    edit_keeping_mtime(&csv, |t| t.replace("城关镇", "城南镇"));
    batch(&[s(&cat), "--out-dir", s(&out)], "1 rendered, 0 up to date");
    let pdf = pdf_text_compact(&out.join("qingkuang.pdf"));
    assert!(pdf.contains("城南镇") && !pdf.contains("城关镇"), "{pdf}");
}
