//! Bad input: each mistake gets one clear message, exit code 1, and no output
//! file; user text full of Typst syntax prints literally.

use std::path::{Path, PathBuf};

use crate::common::*;

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        Case {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn pdf(&self) -> PathBuf {
        self.dir.path().join("out.pdf")
    }

    /// Renders `input` to out.pdf; returns (exit code, stderr).
    fn render(&self, input: &Path, extra: &[&str]) -> (i32, String) {
        let pdf = self.pdf();
        let mut args = vec![input.to_str().unwrap(), "-o", pdf.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = run(&args);
        (o.status.code().unwrap_or(-1), stderr(&o))
    }

    /// Expects failure with code 1, no output file and every `needle` in the
    /// message.
    fn fails(&self, name: &str, bytes: &[u8], needles: &[&str]) -> String {
        let input = self.file(name, bytes);
        let before = std::fs::read(&input).unwrap();
        let (code, err) = self.render(&input, &[]);
        assert_eq!(code, 1, "exit code for {name}: {err}");
        for n in needles {
            assert!(err.contains(n), "message for {name} lacks {n:?}:\n{err}");
        }
        assert!(!self.pdf().exists(), "{name}: an output file was written");
        assert_eq!(std::fs::read(&input).unwrap(), before, "input modified");
        // No temporary files left behind either.
        let left: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        err
    }
}

#[test]
fn syntax_error_points_at_line_and_column() {
    let c = Case::new();
    let text = "[bulletin]\nname = \"工作简报\"\noffice = \"办公室\n";
    let err = c.fails(
        "bad.toml",
        text.as_bytes(),
        &["bad.toml:3:", "office = \"办公室", "^"],
    );
    assert!(
        err.lines().count() >= 4,
        "expected the line and a caret:\n{err}"
    );
}

#[test]
fn wrong_type_says_what_was_expected() {
    let c = Case::new();
    let text = minimal_issue("标题", "正文。", "单位").replace("number = 1", "number = true");
    c.fails(
        "t.toml",
        text.as_bytes(),
        &[
            "t.toml:6:10",
            "invalid type: boolean `true`, expected an integer such as 363 or a string",
            "number = true",
        ],
    );
    let text = minimal_issue("标题", "正文。", "单位")
        .replace("date = 2021-03-04", "date = \"2021年3月4日\"");
    c.fails("d.toml", text.as_bytes(), &["d.toml:7:8", "date"]);
}

#[test]
fn unknown_key_lists_the_valid_keys() {
    let c = Case::new();
    let text = minimal_issue("标题", "正文。", "单位").replace("title =", "titel =");
    c.fails(
        "u.toml",
        text.as_bytes(),
        &[
            "u.toml:10:1",
            "unknown field `titel`",
            "`title`",
            "`toc_title`",
            "`body`",
            "`byline`",
        ],
    );
}

#[test]
fn missing_key_is_named() {
    let c = Case::new();
    let text = minimal_issue("标题", "正文。", "单位").replace("office = \"协调小组办公室\"\n", "");
    c.fails(
        "m.toml",
        text.as_bytes(),
        &["m.toml:1:1", "missing field `office`"],
    );
}

#[test]
fn empty_file_says_what_an_issue_needs() {
    let c = Case::new();
    c.fails(
        "empty.toml",
        b"",
        &["empty.toml", "empty", "[bulletin]", "[issue]"],
    );
    c.fails("blank.toml", b"\n  \n", &["blank.toml", "empty"]);
}

#[test]
fn not_utf8_is_reported_with_line_and_byte() {
    let c = Case::new();
    // "name = 工作简报" in GBK on line 2.
    let mut bytes = b"[bulletin]\nname = \"".to_vec();
    bytes.extend_from_slice(&[0xB9, 0xA4, 0xD7, 0xF7, 0xBC, 0xF2, 0xB1, 0xA8]);
    bytes.extend_from_slice(b"\"\n");
    c.fails(
        "gbk.toml",
        &bytes,
        &["gbk.toml:2:", "not valid UTF-8", "byte 9 of line 2", "0xB9"],
    );
}

#[test]
fn impossible_date_is_refused_with_its_place() {
    let c = Case::new();
    let text = minimal_issue("标题", "正文。", "单位").replace("2021-03-04", "2021-02-30");
    c.fails(
        "date.toml",
        text.as_bytes(),
        &["date.toml:7:", "date = 2021-02-30", "out of range"],
    );
}

#[test]
fn a_character_no_font_has_is_named_with_its_place() {
    let c = Case::new();
    let text = minimal_issue("标题", "第一段。\n\n第二段有喆字。", "王堃");
    let err = c.fails(
        "glyph.toml",
        text.as_bytes(),
        &[
            "堃 (U+5803)",
            "byline",
            "喆 (U+5586)",
            "paragraph 2",
            "article 1 「标题」",
            "--allow-missing-glyphs",
        ],
    );
    assert!(!err.contains("U+738B"), "王 is covered: {err}");
    // With the flag, it renders (an empty box in place).
    let input = c.file("glyph.toml", text.as_bytes());
    let (code, err) = c.render(&input, &["--allow-missing-glyphs"]);
    assert_eq!(code, 0, "{err}");
    assert!(c.pdf().exists());
    // …and still says which characters, where, as warnings.
    for needle in [
        "warning:",
        "堃 (U+5803)",
        "byline",
        "喆 (U+5586)",
        "paragraph 2",
    ] {
        assert!(err.contains(needle), "lacks {needle:?}: {err}");
    }
}

#[test]
fn typst_syntax_in_user_text_prints_literally() {
    let c = Case::new();
    let nasty =
        r#"#set text(red) *粗* _斜_ $x^2$ @ref <lab> \ `code` #{panic()} = 标题 // 注释 /* 块 */"#;
    let body = format!("{nasty}\n\n一、{nasty}\n\n一是{nasty}。后文。");
    let text = minimal_issue(nasty, &body, nasty);
    let input = c.file("nasty.toml", text.as_bytes());
    let (code, err) = c.render(&input, &[]);
    assert_eq!(code, 0, "{err}");
    let pdf_text = pdf_text_compact(&c.pdf());
    let want: String = nasty.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        pdf_text.matches(&want).count() >= 4,
        "the literal text is not in the PDF 4 times (title, TOC, body, byline):\n{pdf_text}"
    );
}

#[test]
fn failed_render_leaves_an_older_output_untouched() {
    let c = Case::new();
    std::fs::write(c.pdf(), b"older pdf").unwrap();
    let text = minimal_issue("标题", "正文。", "单位").replace("title =", "titel =");
    let input = c.file("bad.toml", text.as_bytes());
    let (code, _) = c.render(&input, &[]);
    assert_eq!(code, 1);
    assert_eq!(std::fs::read(c.pdf()).unwrap(), b"older pdf");
}

#[test]
fn output_folder_that_does_not_exist_is_one_clear_error() {
    let c = Case::new();
    let input = c.file(
        "ok.toml",
        minimal_issue("标题", "正文。", "单位").as_bytes(),
    );
    let out = c.dir.path().join("no/such/dir/out.pdf");
    let o = run(&[input.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_2() {
    let o = run(&["--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn a_folder_with_one_output_file_is_a_usage_error_and_an_empty_one_says_so() {
    let c = Case::new();
    // -o names one PDF: a folder of issues needs --out-dir.
    let (code, err) = c.render(c.dir.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--out-dir"), "{err}");
    // A folder without issue files.
    let o = run(&[c.dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no issue files"), "{}", stderr(&o));
}

#[test]
fn layout_errors_name_the_typst_file_and_line() {
    let c = Case::new();
    let layout = c.dir.path().join("layout");
    std::fs::create_dir(&layout).unwrap();
    std::fs::write(layout.join("layout.toml"), "name = \"broken\"\n").unwrap();
    std::fs::write(
        layout.join("main.typ"),
        "#let data = json(\"/issue.json\")\n\n#text(data.bulletin.name)\n#no-such-function(1)\n",
    )
    .unwrap();
    let input = c.file(
        "ok.toml",
        minimal_issue("标题", "正文。", "单位").as_bytes(),
    );
    let (code, err) = c.render(&input, &["--layout", layout.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    let main = layout.join("main.typ");
    assert!(err.contains(&format!("{}:4:2", main.display())), "{err}");
    assert!(err.contains("unknown variable: no-such-function"), "{err}");
    assert!(!c.pdf().exists());
}

#[test]
fn the_fonts_command_names_a_font_for_each_role() {
    let o = run(&["fonts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for (role, font) in [
        ("body", "FandolFang"),
        ("title", "FandolSong"),
        ("hei", "FandolHei"),
        ("kai", "FandolKai"),
        ("song", "FandolSong"),
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(role))
            .unwrap_or_else(|| panic!("{out}"));
        assert!(line.contains(font), "{line}");
    }
}

#[test]
fn a_word_pasted_paragraph_gets_one_clear_message() {
    // Word's Symbol-font bullet (a private-use character), no-break spaces,
    // a tab, a soft hyphen and a line separator.
    let c = Case::new();
    let pasted = "\u{f0b7}\u{a0}加强组织领导，\t落实\u{ad}责任。\u{2028}第二句。";
    let text = minimal_issue("标题", &format!("第一段。\n\n{pasted}"), "单位");
    let err = c.fails(
        "pasted.toml",
        text.as_bytes(),
        &[
            "U+F0B7",
            "article 1 「标题」, paragraph 2",
            "--allow-missing-glyphs",
        ],
    );
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    // Without the bullet, it renders.
    let clean = minimal_issue("标题", &pasted.replace('\u{f0b7}', ""), "单位");
    let input = c.file("clean.toml", clean.as_bytes());
    let (code, err) = c.render(&input, &[]);
    assert_eq!(code, 0, "{err}");
}

/// One colour switch for every message: with colours forced on, the
/// messages are the same text as without, locations included (a TOML
/// mistake, and a layout error).
#[test]
fn colours_change_no_column() {
    let tmp = tempfile::tempdir().unwrap();
    let bad_toml = tmp.path().join("bad.toml");
    std::fs::write(&bad_toml, "[bulletin]\nname = 工作简报\n").unwrap();
    let layout = tmp.path().join("l");
    std::fs::create_dir_all(&layout).unwrap();
    std::fs::write(layout.join("layout.toml"), "name = \"l\"\n").unwrap();
    std::fs::write(layout.join("main.typ"), "#let x = 1\n#let y = x + \"a\"\n").unwrap();
    let good = tmp.path().join("good.toml");
    std::fs::write(&good, minimal_issue("标题", "正文。", "（单位）")).unwrap();
    let strip = crate::common::strip_ansi;
    for args in [
        vec![bad_toml.to_str().unwrap()],
        vec![good.to_str().unwrap(), "--layout", layout.to_str().unwrap()],
    ] {
        let cmd = |color: bool| {
            let mut c = std::process::Command::new(BIN);
            c.args(&args)
                .arg("--no-system-fonts")
                .env_remove("NO_COLOR");
            if color {
                c.env("CLICOLOR_FORCE", "1");
            }
            String::from_utf8_lossy(&c.output().unwrap().stderr).into_owned()
        };
        let plain = cmd(false);
        let colored = cmd(true);
        assert!(colored.contains('\u{1b}'), "no colours: {colored}");
        assert!(
            !plain.contains('\u{1b}'),
            "colours without a terminal: {plain}"
        );
        assert_eq!(strip(&colored), plain);
        assert!(plain.contains(":2:"), "{plain}");
    }
}
