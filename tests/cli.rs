//! The command line behaves like its neighbours: mistyped subcommands are
//! caught, completions and a manual page come from the clap definitions,
//! and the binary stays a thin layer over the library.

use crate::common::*;

#[test]
fn a_mistyped_subcommand_is_named_not_read_as_a_file() {
    for (typo, meant) in [
        ("layout", "layouts"),
        ("watc", "watch"),
        ("exprot-typst", "export-typst"),
    ] {
        let o = run(&[typo]);
        assert_eq!(o.status.code(), Some(2), "{typo}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(&format!("'{meant}'")), "{typo}: {err}");
        assert!(!err.contains("No such file"), "{typo}: {err}");
    }
    // A real file of that name is an input, not a typo.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("layout"),
        minimal_issue("标题", "正文。", "（单位）"),
    )
    .unwrap();
    let o = std::process::Command::new(BIN)
        .args(["layout", "-o", "x.pdf", "--no-system-fonts"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(tmp.path().join("x.pdf").is_file());
}

#[test]
fn completions_and_the_manual_come_from_the_clap_definitions() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = std::process::Command::new(BIN)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let script = String::from_utf8_lossy(&o.stdout);
        for word in ["bulletin-pdf", "export-typst", "--font-path"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let o = std::process::Command::new(BIN).arg("man").output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let page = String::from_utf8_lossy(&o.stdout);
    assert!(
        page.contains(".TH bulletin-pdf"),
        "{}",
        &page[..200.min(page.len())]
    );
    assert!(page.contains("export\\-typst") || page.contains("export-typst"));
    let tmp = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(BIN)
        .args(["man", "--dir", tmp.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    for name in [
        "bulletin-pdf.1",
        "bulletin-pdf-watch.1",
        "bulletin-pdf-export-typst.1",
    ] {
        let text = std::fs::read_to_string(tmp.path().join(name)).unwrap();
        assert!(text.contains(".TH"), "{name}");
    }
}

#[test]
fn the_binary_is_a_thin_layer_over_the_library() {
    let src = root().join("src");
    let main = std::fs::read_to_string(src.join("main.rs")).unwrap();
    assert!(
        main.lines().count() < 150,
        "main.rs has {} lines",
        main.lines().count()
    );
    // Each library's lib.rs is the crate's root only: docs, modules and
    // re-exports. No module imports back up from the crate root: each names
    // the module a thing lives in.
    for krate in ["model", "import", "render"] {
        let dir = root().join("crates").join(krate).join("src");
        let lib = std::fs::read_to_string(dir.join("lib.rs")).unwrap();
        let mut in_use = false;
        for line in lib.lines().map(str::trim) {
            let ok = in_use
                || line.is_empty()
                || line.starts_with("//")
                || line.starts_with("#!")
                || line.starts_with("#[cfg")
                || line.starts_with("pub mod ")
                || line.starts_with("mod ")
                || line.starts_with("pub use ")
                || line.starts_with("use ");
            in_use = (in_use || line.starts_with("pub use ") || line.starts_with("use "))
                && !line.ends_with(';');
            assert!(
                ok,
                "{krate}/src/lib.rs holds more than modules and re-exports: {line}"
            );
        }
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("lib.rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (i, line) in text.lines().enumerate() {
                    let t = line.trim_start();
                    if t.starts_with("//") {
                        continue;
                    }
                    let up = t.contains("crate::{")
                        || t.split("crate::")
                            .skip(1)
                            .any(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()));
                    assert!(
                        !up,
                        "{}:{}: imports from the crate root: {t}",
                        path.display(),
                        i + 1
                    );
                }
            }
        }
    }
    // Nothing under src/ or crates/ builds in files from tests/.
    let mut stack = vec![src, root().join("crates")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for line in text.lines() {
                    let builds_in = line.contains("include_") || line.contains("#[path");
                    assert!(
                        !(builds_in && line.contains("tests/")),
                        "{} includes from tests/: {line}",
                        p.display()
                    );
                }
            }
        }
    }
}

#[test]
fn standard_input_and_output_and_formats_from_the_output_name() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let tmp = tempfile::tempdir().unwrap();
    let issue = minimal_issue("标题", "正文。", "（单位）");
    let path = tmp.path().join("a.toml");
    std::fs::write(&path, &issue).unwrap();
    let piped = |args: &[&str], input: &str| {
        let mut child = Command::new(BIN)
            .args(args)
            .arg("--no-system-fonts")
            .current_dir(tmp.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    // The issue from standard input, the PDF to standard output.
    let o = piped(&["-"], &issue);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        o.stdout.starts_with(b"%PDF-"),
        "not a PDF on standard output"
    );
    let o = piped(&["-", "-o", "from-stdin.pdf"], &issue);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(tmp.path().join("from-stdin.pdf").is_file());
    // A mistake on standard input is located as <stdin>.
    let o = piped(&["-", "-o", "x.pdf"], "[bulletin\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("<stdin>:1:"), "{}", stderr(&o));
    let o = piped(&["a.toml", "-o", "-"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.starts_with(b"%PDF-"));

    // The format follows the output's name; a mismatch is refused.
    let out = |n: &str| tmp.path().join(n);
    let o = run(&[path.to_str().unwrap(), "-o", out("p.png").to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(out("p.png")).unwrap().starts_with(b"\x89PNG"));
    let o = run(&[path.to_str().unwrap(), "-o", out("p.svg").to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(out("p.svg"))
        .unwrap()
        .starts_with("<svg"));
    let o = run(&[
        path.to_str().unwrap(),
        "--format",
        "png",
        "-o",
        out("q.pdf").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("does not match"), "{}", stderr(&o));
    assert!(!out("q.pdf").exists());
    let o = run(&[
        path.to_str().unwrap(),
        "--pages",
        "1",
        "-o",
        out("r.pdf").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--pages selects the pages of page images"),
        "{}",
        stderr(&o)
    );
}

/// Counts read as people write them: "(1 page)", not "(1 pages)".
#[test]
fn one_page_is_one_page() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("one.toml");
    std::fs::write(&input, minimal_issue("标题", "正文。", "（单位）")).unwrap();
    let o = run(&[input.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("(1 page)"), "{}", stderr(&o));
    let o = run(&[
        tmp.path().to_str().unwrap(),
        "--out-dir",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    assert!(stderr(&o).contains("(1 page, "), "{}", stderr(&o));
}
