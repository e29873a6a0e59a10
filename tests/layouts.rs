//! Layouts for template designers: parameters, the second bundled layout,
//! new-layout, broken layouts, page images and watch mode.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn example() -> PathBuf {
    root().join("examples/issue-363.toml")
}

/// The example with extra top-level TOML (e.g. a [style] table) appended.
fn example_with(dir: &Path, extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(example()).unwrap();
    let p = dir.join("issue.toml");
    std::fs::write(&p, format!("{text}\n{extra}")).unwrap();
    p
}

/// Page 1 as RGB pixels (via the CLI's PNG output at 36 ppi).
fn page1_pixels(input: &Path, dir: &Path) -> Vec<(u8, u8, u8)> {
    let out = dir.join("p-{p}.png");
    let o = run(&[
        s(input),
        "--format",
        "png",
        "--pages",
        "1",
        "--ppi",
        "36",
        "-o",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let png = std::fs::read(dir.join("p-1.png")).unwrap();
    // Decode with the same tiny-skia typst-render uses.
    let pixmap = tiny_skia::Pixmap::decode_png(&png).unwrap();
    pixmap
        .pixels()
        .iter()
        .map(|p| {
            let c = p.demultiply();
            (c.red(), c.green(), c.blue())
        })
        .collect()
}

#[test]
fn a_style_override_changes_the_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = page1_pixels(&example(), tmp.path());
    let red = plain
        .iter()
        .filter(|(r, g, b)| *r > 200 && *g < 80 && *b < 80)
        .count();
    assert!(red > 500, "the default masthead is red");
    let blue_issue = example_with(tmp.path(), "[style]\nred = \"#0033CC\"\ntitle_size = 26\n");
    let blue = page1_pixels(&blue_issue, tmp.path());
    let reds = blue
        .iter()
        .filter(|(r, g, b)| *r > 200 && *g < 80 && *b < 80)
        .count();
    let blues = blue.iter().filter(|(r, _, b)| *b > 150 && *r < 60).count();
    assert_eq!(reds, 0, "no red left");
    assert!(blues > 500, "the masthead is blue: {blues}");
    // The title size: the first title's line box is taller.
    let pdf = tmp.path().join("big.pdf");
    let o = run(&[s(&blue_issue), "-o", s(&pdf)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let title = bbox_lines(&pdf)
        .into_iter()
        .find(|l| l.text.starts_with("中央政治局常委会研究") && l.page > 1)
        .unwrap();
    assert!((title.y_max - title.y_min - 26.0).abs() < 1.0, "{title:?}");
}

#[test]
fn a_bad_parameter_is_refused_with_the_list_of_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    for (extra, want) in [
        (
            "[style]\ntitel_size = 24\n",
            "layout default has no parameter \"titel_size\"",
        ),
        (
            "[style]\ntitle_size = \"big\"\n",
            "style.title_size: expected a length in pt",
        ),
        ("[style]\nred = \"red\"\n", "style.red: expected a colour"),
        (
            "[style]\nred = [0, 100, 100]\n",
            "style.red: expected a colour",
        ),
    ] {
        let input = example_with(tmp.path(), extra);
        let o = run(&[s(&input), "-o", s(&tmp.path().join("x.pdf"))]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains(want), "{want}: {err}");
        // An unknown name gets the layout's parameters; a value of the
        // wrong type its own parameter (#21 item 16), after the place.
        let key = if extra.contains("red") {
            "red"
        } else {
            "title_size"
        };
        let list: &[&str] = if extra.contains("titel") {
            &["red (", "title_size (", "name_size (", "toc_bullet ("]
        } else {
            &[]
        };
        let place = err.find("issue.toml:").unwrap_or_else(|| panic!("{err}"));
        for p in list.iter().copied().chain([format!("{key} (").as_str()]) {
            let at = err.find(p).unwrap_or_else(|| panic!("lacks {p}: {err}"));
            assert!(at > place, "{p} before the place: {err}");
        }
        assert!(!tmp.path().join("x.pdf").exists());
    }
}

/// `bulletin-pdf new-layout NAME`, run in `dir`.
fn new_layout_in(dir: &Path, name: &str) {
    let o = Command::new(BIN)
        .args(["new-layout", name])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn broken_layouts_give_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    new_layout_in(tmp.path(), "mine");
    let layout = tmp.path().join("layouts/mine");
    let masthead = layout.join("masthead.typ");
    let text = std::fs::read_to_string(&masthead).unwrap();
    // A syntax error on line 5.
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(4, "#let broken = (1, 2");
    std::fs::write(&masthead, lines.join("\n")).unwrap();
    let o = run(&[
        s(&example()),
        "-o",
        s(&tmp.path().join("x.pdf")),
        "--layout",
        s(&layout),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("{}:5:", masthead.display())), "{err}");
    assert!(err.contains("error:"), "{err}");
}

#[test]
fn new_layout_renders_unchanged_and_then_with_an_edit() {
    let tmp = tempfile::tempdir().unwrap();
    new_layout_in(tmp.path(), "house");
    // Listed, by name, from ./layouts/.
    let o = Command::new(BIN)
        .arg("layouts")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&o.stdout);
    assert!(
        list.contains("house") && list.contains("zhuanbao") && list.contains("default"),
        "{list}"
    );
    let render = |name: &str| {
        let out = tmp.path().join(name);
        let o = Command::new(BIN)
            .args([
                s(&example()),
                "-o",
                s(&out),
                "--no-system-fonts",
                "--layout",
                "house",
            ])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(out).unwrap()
    };
    let default_pdf = {
        let out = tmp.path().join("default.pdf");
        let o = run(&[s(&example()), "-o", s(&out)]);
        assert!(o.status.success());
        std::fs::read(out).unwrap()
    };
    assert!(
        render("copy.pdf") == default_pdf,
        "the copied layout renders unchanged"
    );
    let theme = tmp.path().join("layouts/house/theme.typ");
    let text = std::fs::read_to_string(&theme).unwrap();
    std::fs::write(
        &theme,
        text.replace("#let ink = black", "#let ink = rgb(\"#202060\")"),
    )
    .unwrap();
    assert!(
        render("edited.pdf") != default_pdf,
        "the edit changes the PDF"
    );
}

#[test]
fn the_zhuanbao_layout_renders_its_example() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("zb.pdf");
    let o = run(&[s(&root().join("examples/zhuanbao.toml")), "-o", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = pdf_text_compact(&out);
    for want in [
        "信息专报",
        "（第12期）",
        "内部资料注意保存",
        "一是线上训。",
        "（泗阳县委宣传部）",
        "（共印60份）",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // No table of contents: the title is printed once.
    assert_eq!(text.matches("泗阳县“三训”工作法").count(), 1, "{text}");
    let info = tool_stdout("pdfinfo", &[s(&out)]);
    assert!(info.contains("Title:           信息专报 第12期"), "{info}");
}

#[test]
fn png_output_has_one_image_per_page_at_the_requested_size() {
    let tmp = tempfile::tempdir().unwrap();
    let pattern = tmp.path().join("page-{p}.png");
    let o = run(&[
        s(&example()),
        "--format",
        "png",
        "--ppi",
        "72",
        "-o",
        s(&pattern),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pages = (1..=11)
        .filter(|p| tmp.path().join(format!("page-{p}.png")).exists())
        .count();
    assert_eq!(pages, 11);
    assert!(!tmp.path().join("page-12.png").exists());
    let png = tiny_skia::Pixmap::decode_png(&std::fs::read(tmp.path().join("page-3.png")).unwrap())
        .unwrap();
    assert_eq!((png.width(), png.height()), (595, 842));
    // --pages selects; svg works too.
    let svg = tmp.path().join("s-{p}.svg");
    let o = run(&[
        s(&example()),
        "--format",
        "svg",
        "--pages",
        "2-3",
        "-o",
        s(&svg),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(tmp.path().join("s-2.svg").exists() && tmp.path().join("s-3.svg").exists());
    assert!(!tmp.path().join("s-1.svg").exists());
    // Several pages need {p} in the name.
    let o = run(&[
        s(&example()),
        "--format",
        "png",
        "-o",
        s(&tmp.path().join("one.png")),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("{p}"), "{}", stderr(&o));
}

/// Waits until `pred` holds (or panics after `secs`).
fn wait_for(secs: u64, what: &str, mut pred: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if pred() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn watch_rerenders_on_edits_and_survives_a_broken_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("layouts")).unwrap();
    new_layout_in(dir, "w");
    let issue = dir.join("issue.toml");
    std::fs::write(&issue, minimal_issue("第一版标题", "正文。", "单位")).unwrap();
    let pdf = dir.join("issue.pdf");
    let log = dir.join("watch.log");
    let mut child = Command::new(BIN)
        .args(["watch", "issue.toml", "--layout", "w", "--no-system-fonts"])
        .current_dir(dir)
        .stderr(std::fs::File::create(&log).unwrap())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let text_has = |want: &str| pdf.exists() && pdf_text_compact(&pdf).contains(want);
    wait_for(30, "the first render", || text_has("第一版标题"));
    // An edit to the issue.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&issue, minimal_issue("第二版标题", "正文。", "单位")).unwrap();
    wait_for(30, "the issue edit", || text_has("第二版标题"));
    // A broken edit: the last good PDF stays, the error is printed.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&issue, "[bulletin\n").unwrap();
    wait_for(30, "the error", || {
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("kept the last good")
    });
    assert!(text_has("第二版标题"));
    // An edit to the layout.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&issue, minimal_issue("第三版标题", "正文。", "单位")).unwrap();
    wait_for(30, "the fix", || text_has("第三版标题"));
    let masthead = dir.join("layouts/w/masthead.typ");
    let t = std::fs::read_to_string(&masthead).unwrap();
    std::fs::write(&masthead, t.replace("[第 ]", "[第（布局已改）]")).unwrap();
    wait_for(30, "the layout edit", || text_has("布局已改"));
    child.kill().unwrap();
    child.wait().unwrap();
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.matches("rendered").count() >= 4, "{log}");
    assert!(log.contains(" ms"), "{log}");
}

#[test]
fn the_schema_matches_the_examples_and_names_every_key() {
    let o = Command::new(BIN).arg("schema").output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let printed = String::from_utf8(o.stdout).unwrap();
    let committed = std::fs::read_to_string(root().join("examples/issue.schema.json")).unwrap();
    assert_eq!(
        printed.trim(),
        committed.trim(),
        "examples/issue.schema.json is stale: bulletin-pdf schema > examples/issue.schema.json"
    );
    let v: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(v["additionalProperties"], false);
    let keys: Vec<&str> = v["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "bulletin", "issue", "options", "columns", "articles", "footer", "layout", "style",
    ] {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
    let article = &v["$defs"]["Article"]["properties"];
    for k in ["title", "toc_title", "note", "body", "byline", "detect"] {
        assert!(article.get(k).is_some(), "Article.{k}");
    }
    let grids: Vec<&str> = v["$defs"]["Grid"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["const"].as_str().unwrap())
        .collect();
    assert_eq!(grids, ["issue-363", "gbt9704"]);
    for ex in ["issue-363.toml", "zhuanbao.toml"] {
        let text = std::fs::read_to_string(root().join("examples").join(ex)).unwrap();
        assert!(
            text.starts_with("#:schema ./issue.schema.json\n"),
            "{ex} lacks the directive"
        );
    }
}

#[test]
fn the_from_scratch_layout_in_the_docs_renders() {
    let doc = std::fs::read_to_string(root().join("docs/layouts.md")).unwrap();
    let start = doc.find("The smallest useful layout:\n\n```typ\n").unwrap();
    let code = &doc[start..];
    let code = &code[code.find("```typ\n").unwrap() + 7..];
    let code = &code[..code.find("```").unwrap()];
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.typ"), code).unwrap();
    std::fs::write(
        tmp.path().join("layout.toml"),
        "name = \"minimal\"\n[fonts]\nbody = [\"FandolFang R\"]\n",
    )
    .unwrap();
    let out = tmp.path().join("m.pdf");
    let o = run(&[s(&example()), "--layout", s(tmp.path()), "-o", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = pdf_text_compact(&out);
    assert!(text.contains("工作简报第363期·2020年2月10日"), "{text}");
    assert!(text.contains("一是视频会议功能助力"), "{text}");
}
