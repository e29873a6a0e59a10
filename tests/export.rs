//! `export-typst` prepares the issue exactly as a render does (the layout an
//! issue or series file names, its parameters), and writes a project that
//! the typst CLI compiles from any folder, without this repository, to the
//! same text: it carries the fonts and the files of the issue's folder the
//! layout reads.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// The typst CLI (0.15.1), which CI installs with
/// `cargo install typst-cli --version 0.15.1 --locked`.
fn typst() -> PathBuf {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo/bin")))
        .map(|d| d.join("typst"));
    for c in candidates {
        if c.is_file() {
            return c;
        }
    }
    panic!(
        "the typst CLI is needed by this test: cargo install typst-cli --version 0.15.1 --locked \
         (.ci/run installs it)"
    );
}

/// Compiles an exported project with the typst CLI, from a folder that has
/// nothing to do with this repository, with no system fonts.
fn compile_with_typst_cli(project: &Path, out: &Path) {
    let elsewhere = tempfile::tempdir().unwrap();
    let o = Command::new(typst())
        .current_dir(elsewhere.path())
        .arg("compile")
        .arg("--ignore-system-fonts")
        .arg("--font-path")
        .arg(project.join("fonts"))
        .arg(project.join("main.typ"))
        .arg(out)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "typst compile failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn an_issue_whose_series_names_zhuanbao_exports_zhuanbao_and_compiles_with_typst() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("series");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bulletin.toml"), "layout = \"zhuanbao\"\n").unwrap();
    let issue = dir.join("issue.toml");
    std::fs::copy(root().join("examples/zhuanbao.toml"), &issue).unwrap();
    let text = std::fs::read_to_string(&issue).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("layout"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&issue, text).unwrap();

    let project = tmp.path().join("project");
    let o = run(&[
        "export-typst",
        issue.to_str().unwrap(),
        project.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = std::fs::read_to_string(project.join("layout.toml")).unwrap();
    assert!(manifest.contains("name = \"zhuanbao\""), "{manifest}");
    assert!(project.join("fonts").read_dir().unwrap().count() > 0);

    let direct = tmp.path().join("direct.pdf");
    let o = run(&[issue.to_str().unwrap(), "-o", direct.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let exported = tmp.path().join("typst.pdf");
    compile_with_typst_cli(&project, &exported);
    assert_eq!(pdf_text_compact(&exported), pdf_text_compact(&direct));

    // The folder is no longer empty: refused, unless --force.
    let o = run(&[
        "export-typst",
        issue.to_str().unwrap(),
        project.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    let o = run(&[
        "export-typst",
        issue.to_str().unwrap(),
        project.to_str().unwrap(),
        "--force",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn an_export_carries_the_files_of_the_issue_folder_the_layout_reads() {
    let tmp = tempfile::tempdir().unwrap();
    layout_extending_default(
        tmp.path(),
        "mine",
        "",
        "#read(\"/issue-files/notes/extra.txt\")\n",
    );
    let dir = tmp.path().join("issue");
    std::fs::create_dir_all(dir.join("notes")).unwrap();
    std::fs::write(dir.join("notes/extra.txt"), "附件说明").unwrap();
    std::fs::write(dir.join("unused.txt"), "不用").unwrap();
    let issue = dir.join("issue.toml");
    std::fs::write(
        &issue,
        format!(
            "layout = \"../mine\"\n{}",
            minimal_issue("标题", "正文。", "（单位）")
        ),
    )
    .unwrap();
    let project = tmp.path().join("project");
    let o = run(&[
        "export-typst",
        issue.to_str().unwrap(),
        project.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(project.join("issue-files/notes/extra.txt").is_file());
    assert!(!project.join("issue-files/unused.txt").exists());
    let exported = tmp.path().join("typst.pdf");
    compile_with_typst_cli(&project, &exported);
    assert!(pdf_text_compact(&exported).contains("附件说明"));
}

#[test]
fn an_export_refuses_links_that_leave_the_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = layout_extending_default(tmp.path(), "mine", "", "");
    std::os::unix::fs::symlink("/etc", layout.join("etc")).unwrap();
    let issue = tmp.path().join("issue.toml");
    std::fs::write(&issue, minimal_issue("标题", "正文。", "（单位）")).unwrap();
    let project = tmp.path().join("project");
    let o = run(&[
        "export-typst",
        issue.to_str().unwrap(),
        project.to_str().unwrap(),
        "--layout",
        layout.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("leads outside the layout folder"),
        "{}",
        stderr(&o)
    );
    assert!(!project.join("etc").exists(), "copied a link's target");
}
