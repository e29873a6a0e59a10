//! Pages a typesetter would pass (issue #21, items 7, 9–13, 15, 17):
//! PDF/UA-1 and PDF/A-2b for every example and block kind, column markers
//! kept with their entries, footnote marks, captions, the footer on the
//! last page, the first title under a tall masthead, huge photos, and the
//! fonts an export names.

use std::path::{Path, PathBuf};

use crate::common::*;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Renders `input` to `out` conforming to `standards`, and checks the PDF
/// with qpdf.
fn conforms(input: &Path, out: &Path, standards: &str) {
    let o = run(&[s(input), "-o", s(out), "--pdf-standard", standards]);
    assert!(
        o.status.success(),
        "{} with {standards}: {}",
        input.display(),
        stderr(&o)
    );
    let check = tool("qpdf", &["--check", s(out)]);
    assert!(
        check.status.success(),
        "qpdf --check {}: {}{}",
        out.display(),
        String::from_utf8_lossy(&check.stdout),
        stderr(&check)
    );
}

/// The bundled example photos, copied into `dir/files/`.
fn photos(dir: &Path) -> PathBuf {
    let files = dir.join("files");
    std::fs::create_dir_all(&files).unwrap();
    for f in ["site-1.jpg", "site-2.jpg", "chart.svg"] {
        std::fs::copy(
            root().join("examples/qingkuang-files").join(f),
            files.join(f),
        )
        .unwrap();
    }
    files
}

/// An issue with a block of every kind (docs/blocks.md): text with a
/// footnote, a table long enough to break over a page (caption, header
/// rows, merged cells, a note), a single figure, two images side by side,
/// an SVG, numbered and bulleted lists with nested items, and a landscape
/// table; `footnotes` is the [style] footnotes value.
fn every_block(footnotes: &str) -> String {
    let rows: Vec<String> = (1..=40)
        .map(|i| format!("[\"乡镇{i}\", {i}, \"{}%\"]", i * 2))
        .collect();
    format!(
        r#"[bulletin]
name = "工作简报"
office = "协调小组办公室"

[issue]
number = 1
date = 2021-03-04

[style]
footnotes = "{footnotes}"

[[columns]]
name = "情况通报"

[[columns.articles]]
title = "各类内容块"
byline = "办公室"

[[columns.articles.body]]
text = """
全市共发生生产安全事故12起[^1]，同比下降20%。

一、总体情况
"""

[[columns.articles.body]]
caption = "表1 各乡镇情况"
header = [[{{ text = "乡镇", rowspan = 2 }}, {{ text = "数据", colspan = 2 }}], ["起数", "同比"]]
rows = [{rows}, [{{ text = "合计[^2]", align = "center" }}, 820, "—"]]
note = "注：示例数据。"

[[columns.articles.body]]
image = "files/site-1.jpg"
caption = "图1 现场"

[[columns.articles.body]]
images = [
  {{ image = "files/site-1.jpg", caption = "图2 左" }},
  {{ image = "files/site-2.jpg" }},
]
caption = "图3 两张"

[[columns.articles.body]]
image = "files/chart.svg"
width = 0.5

[[columns.articles.body]]
items = ["第一项[^1]", {{ text = "第二项", items = ["甲", "乙"] }}]
numbered = true

[[columns.articles.body]]
items = ["一项", {{ text = "两项", items = ["丙"] }}]

[[columns.articles.body]]
caption = "表2 横排"
landscape = true
header = [["甲", "乙", "丙"]]
rows = [["1", "2", "3"], ["4", "5", "6"]]

[columns.articles.footnotes]
1 = "数据来源：市统计局。"
2 = "合计含其他。"

[[columns]]
name = "工作动态"

[[columns.articles]]
title = "第二篇"
body = "正文。"

[footer]
bao = "市领导"
song = "各成员单位"
copies = 10
"#,
        rows = rows.join(", ")
    )
}

#[test]
fn every_example_and_block_kind_gives_pdf_ua_1_and_a_2b() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let examples = root().join("examples");
    for stem in ["issue-363", "zhuanbao", "qingkuang"] {
        for standards in ["ua-1", "a-2b", "a-2b,ua-1"] {
            let out = dir.join(format!("{stem}-{standards}.pdf"));
            conforms(&examples.join(format!("{stem}.toml")), &out, standards);
        }
    }
    photos(dir);
    for footnotes in ["page", "end"] {
        let input = dir.join(format!("blocks-{footnotes}.toml"));
        std::fs::write(&input, every_block(footnotes)).unwrap();
        for layout in ["default", "zhuanbao"] {
            for standards in ["ua-1", "a-2b", "a-2b,ua-1"] {
                let out = dir.join(format!("blocks-{footnotes}-{layout}-{standards}.pdf"));
                let o = run(&[
                    s(&input),
                    "-o",
                    s(&out),
                    "--layout",
                    layout,
                    "--pdf-standard",
                    standards,
                ]);
                assert!(
                    o.status.success(),
                    "{layout}, footnotes {footnotes}, {standards}: {}",
                    stderr(&o)
                );
                assert!(tool("qpdf", &["--check", s(&out)]).status.success());
            }
        }
    }
    // The table broke over a page (the case that failed), and the page
    // numbers are still in the text, as artifacts.
    let pdf = dir.join("blocks-page-default-ua-1.pdf");
    let lines = bbox_lines(&pdf);
    let continued: Vec<_> = lines
        .iter()
        .filter(|l| l.text.starts_with("乡镇"))
        .collect();
    assert!(
        continued.first().unwrap().page < continued.last().unwrap().page,
        "the table should break over a page"
    );
    assert!(lines.iter().any(|l| l.text == "—2—"), "{lines:?}");
    // Every image has alternative text: its caption, else the figure's.
    let json = tool_stdout("qpdf", &["--json", s(&pdf)]);
    for alt in ["u:图1 现场", "u:图2 左", "u:图3 两张"] {
        assert!(json.contains(&format!("\"/Alt\": \"{alt}\"")), "{alt}");
    }
}

/// The words of a PDF (`pdftotext -bbox`): (page, x_min, y_min, x_max,
/// text).
fn words(pdf: &Path) -> Vec<(usize, f64, f64, f64, String)> {
    let xml = tool_stdout("pdftotext", &["-bbox", s(pdf), "-"]);
    let mut out = Vec::new();
    let mut page = 0;
    let num = |t: &str, key: &str| -> f64 {
        let at = t.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
        t[at..].split('"').next().unwrap().parse().unwrap()
    };
    for line in xml.lines() {
        let t = line.trim();
        if t.starts_with("<page ") {
            page += 1;
        } else if t.starts_with("<word ") {
            let start = t.find('>').unwrap() + 1;
            let end = t.rfind("</word>").unwrap();
            out.push((
                page,
                num(t, "xMin"),
                num(t, "yMin"),
                num(t, "xMax"),
                t[start..end].to_string(),
            ));
        }
    }
    out
}

#[test]
fn no_space_after_a_footnote_mark() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("note.toml");
    let text = minimal_issue(
        "标题",
        "全市粮食总产量18.6万吨[^1]，同比增长2.1%。",
        "（单位）",
    ) + "\n[articles.footnotes]\n1 = \"数据来源：市统计局。\"\n";
    std::fs::write(&input, text).unwrap();
    let pdf = tmp.path().join("note.pdf");
    let o = run(&[s(&input), "-o", s(&pdf)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = tool_stdout("pdftotext", &[s(&pdf), "-"]);
    assert!(text.contains("18.6万吨①，同比"), "{text}");
    // The comma starts where the mark ends: no gap.
    let w = words(&pdf);
    let mark = w.iter().position(|w| w.4 == "①").expect("the mark");
    let (after, mark) = (&w[mark + 1], &w[mark]);
    assert!(after.4.starts_with('，'), "{after:?}");
    assert!((after.1 - mark.3).abs() < 0.5, "{mark:?} {after:?}");
}

#[test]
fn a_single_photo_and_a_figure_caption_are_centred() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    photos(dir);
    let input = dir.join("photo.toml");
    let text = minimal_issue("标题", "正文。", "（单位）").replace("body = \"正文。\"\n", "")
        + r#"
[[articles.body]]
text = "正文。"

[[articles.body]]
image = "files/site-1.jpg"
caption = "图1 检查组在施工现场"
width = 0.6

[[articles.body]]
images = [{ image = "files/site-1.jpg" }, { image = "files/site-2.jpg" }]
caption = "图2 两张照片"
"#;
    std::fs::write(&input, text).unwrap();
    let pdf = dir.join("photo.pdf");
    let o = run(&[s(&input), "-o", s(&pdf)]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The images are centred in the type block (28 mm + 156 mm / 2).
    let centre = (28.0 + 78.0) * 72.0 / 25.4;
    let lines = bbox_lines(&pdf);
    for caption in ["图1检查组在施工现场", "图2两张照片"] {
        let l = lines
            .iter()
            .find(|l| l.text == caption)
            .unwrap_or_else(|| panic!("{caption} in {lines:?}"));
        let mid = (l.x_min + l.x_max) / 2.0;
        assert!(
            (mid - centre).abs() < 1.0,
            "{caption}: centre {mid}, not {centre}"
        );
    }
}

/// An issue of `columns` columns of `counts[i]` articles each, with bodies
/// of `body`.
fn columns_issue(counts: &[usize], body: &str) -> String {
    let mut out = String::from(
        "[bulletin]\nname = \"工作简报\"\noffice = \"办公室\"\n\n[issue]\nnumber = 1\ndate = 2026-07-06\n",
    );
    let mut k = 0;
    for (c, n) in counts.iter().enumerate() {
        out += &format!("\n[[columns]]\nname = \"栏目{}\"\n", c + 1);
        for _ in 0..*n {
            k += 1;
            out += &format!(
                "\n[[columns.articles]]\ntitle = \"第{k}篇文章的标题\"\nbody = {}\n",
                toml_str(body)
            );
        }
    }
    out
}

#[test]
fn a_column_marker_is_kept_with_its_first_entry_in_the_toc_and_the_body() {
    let tmp = tempfile::tempdir().unwrap();
    // Page 1: the masthead (7 lines), then two columns of six entries
    // (14 lines) leave one line for 【栏目3】.
    let input = tmp.path().join("toc.toml");
    std::fs::write(&input, columns_issue(&[6, 6, 2], "正文。")).unwrap();
    let pdf = tmp.path().join("toc.pdf");
    let o = run(&[s(&input), "-o", s(&pdf)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<Line> = bbox_lines(&pdf)
        .into_iter()
        .filter(|l| !l.text.starts_with('—'))
        .collect();
    let markers: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].text.starts_with('【'))
        .collect();
    // Three in the TOC, three in the body.
    assert_eq!(markers.len(), 6, "{lines:?}");
    for i in markers {
        let next = lines.get(i + 1).expect("a line after the marker");
        assert_eq!(
            lines[i].page, next.page,
            "{} on page {} but its first entry {} on page {}",
            lines[i].text, lines[i].page, next.text, next.page
        );
    }
}

/// The typst CLI, when installed (on PATH or in ~/.cargo/bin).
fn typst_cli() -> Option<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo/bin")))
        .map(|d| d.join("typst"))
        .find(|c| c.is_file())
}

#[test]
fn an_export_names_only_the_fonts_it_ships() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // No byline, no heading: no text in 楷体 or 黑体.
    let plain = dir.join("plain.toml");
    std::fs::write(
        &plain,
        minimal_issue("标题", "正文。", "").replace("byline = \"\"\n", ""),
    )
    .unwrap();
    for input in [
        root().join("examples/issue-363.toml"),
        root().join("examples/qingkuang.toml"),
        plain,
    ] {
        let project = dir.join(input.file_stem().unwrap());
        let o = run(&["export-typst", s(&input), s(&project)]);
        assert!(o.status.success(), "{}", stderr(&o));
        // The families of the shipped font files (fc-scan names each).
        let mut shipped: Vec<String> = Vec::new();
        for f in std::fs::read_dir(project.join("fonts")).unwrap() {
            let path = f.unwrap().path();
            let names = tool_stdout("fc-scan", &["--format", "%{family}\n", s(&path)]);
            shipped.extend(names.trim().split(',').map(str::to_lowercase));
        }
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(project.join("issue.json")).unwrap())
                .unwrap();
        let roles = json["fonts"].as_object().unwrap();
        assert_eq!(roles.len(), 5, "{roles:?}");
        for (role, families) in roles {
            let families = families.as_array().unwrap();
            assert!(!families.is_empty(), "{role}");
            for f in families {
                let f = f.as_str().unwrap().to_lowercase();
                assert!(
                    shipped.contains(&f),
                    "{role}: {f} is not shipped ({shipped:?})"
                );
            }
        }
        // The typst CLI compiles it without a warning of an unknown font.
        if let Some(typst) = typst_cli() {
            let out = dir.join(format!(
                "{}.pdf",
                input.file_stem().unwrap().to_string_lossy()
            ));
            let o = std::process::Command::new(typst)
                .arg("compile")
                .arg("--ignore-system-fonts")
                .arg("--font-path")
                .arg(project.join("fonts"))
                .arg(project.join("main.typ"))
                .arg(&out)
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", stderr(&o));
            assert!(
                !stderr(&o).contains("unknown font family"),
                "{}",
                stderr(&o)
            );
        }
    }
}

/// An issue of one article of `lines` full lines of text and a footer of
/// 报, 送, 发, the printing date and the copies.
fn footer_issue(lines: usize) -> String {
    format!(
        "[bulletin]\nname = \"工作简报\"\noffice = \"协调小组办公室\"\n\n[issue]\nnumber = 1\n\
         date = 2021-03-04\n\n[options]\ntoc = false\n\n[[articles]]\ntitle = \"标题\"\n\
         body = \"{}\"\n\n[footer]\nbao = \"市委、市政府领导同志\"\nsong = \"市委各部委办局\"\n\
         fa = \"各县（区）委\"\nprint_date = 2021-03-04\ncopies = 120\n",
        // 27 characters a line on the default grid.
        "甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚".repeat(lines)
    )
}

/// Renders `text`: its lines and the warnings.
fn render_lines(dir: &Path, name: &str, text: &str) -> (Vec<Line>, String) {
    let input = dir.join(format!("{name}.toml"));
    std::fs::write(&input, text).unwrap();
    let pdf = dir.join(format!("{name}.pdf"));
    let o = run(&[s(&input), "-o", s(&pdf)]);
    assert!(o.status.success(), "{}", stderr(&o));
    (bbox_lines(&pdf), strip_ansi(&stderr(&o)))
}

/// The grid lines a warning says the footer misses by.
fn lines_missing(warning: &str) -> Option<usize> {
    let at = warning.find("it needs ")? + "it needs ".len();
    assert!(warning[at..].contains(" more grid line"), "{warning}");
    warning[at..].split(' ').next()?.parse().ok()
}

#[test]
fn a_footer_a_line_short_is_set_tighter_and_one_that_is_not_says_how_many_lines_it_misses() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // 报 to 送, baseline to baseline, on a page with room to spare.
    let spacing = |lines: &[Line]| -> f64 {
        let bao = lines.iter().find(|l| l.text.starts_with("报：")).unwrap();
        let song = lines.iter().find(|l| l.text.starts_with("送：")).unwrap();
        song.y_max - bao.y_max
    };
    let (roomy, w) = render_lines(dir, "roomy", &footer_issue(4));
    assert!(!w.contains("报尾"), "{w}");
    let normal = spacing(&roomy);
    let (mut tightened, mut alone) = (0, 0);
    for n in 8..40 {
        let (lines, warnings) = render_lines(dir, &format!("f{n}"), &footer_issue(n));
        let pages = lines.iter().map(|l| l.page).max().unwrap();
        let text_page = lines
            .iter()
            .filter(|l| l.text.contains('甲'))
            .map(|l| l.page)
            .max()
            .unwrap();
        let footer_page = lines
            .iter()
            .find(|l| l.text.starts_with("报："))
            .unwrap()
            .page;
        if footer_page == text_page {
            assert!(!warnings.contains("报尾"), "{n}: {warnings}");
            if spacing(&lines) < normal - 1.0 {
                tightened += 1;
            }
            continue;
        }
        alone += 1;
        assert_eq!(footer_page, pages);
        let missing = lines_missing(&warnings).unwrap_or_else(|| panic!("{n}: {warnings}"));
        assert!(
            warnings.contains(&format!("page {pages} holds the footer alone")),
            "{warnings}"
        );
        // The advice works: that many lines fewer keep the footer with the
        // text; one fewer does not.
        let (fewer, w) = render_lines(dir, "fewer", &footer_issue(n - missing));
        let text_page = fewer
            .iter()
            .filter(|l| l.text.contains('甲'))
            .map(|l| l.page)
            .max()
            .unwrap();
        let footer_page = fewer
            .iter()
            .find(|l| l.text.starts_with("报："))
            .unwrap()
            .page;
        assert_eq!(text_page, footer_page, "{n} - {missing} lines: {w}");
        if missing > 1 {
            let (lines, w) = render_lines(dir, "one-fewer", &footer_issue(n - missing + 1));
            let text_page = lines
                .iter()
                .filter(|l| l.text.contains('甲'))
                .map(|l| l.page)
                .max()
                .unwrap();
            let footer_page = lines
                .iter()
                .find(|l| l.text.starts_with("报："))
                .unwrap()
                .page;
            assert!(footer_page > text_page, "{n} - {} lines: {w}", missing - 1);
        }
    }
    assert!(tightened > 0, "no case was set tighter");
    assert!(alone > 0, "no case put the footer alone");
}

/// An issue under a tall masthead (a marker, a line above the name, a name
/// on two lines) whose first article has a title of three lines, with
/// `extra` more articles in the table of contents; with `columns`, in a
/// column.
fn tall_masthead_issue(extra: usize, columns: bool) -> String {
    let para = "今年以来全市各地各部门认真贯彻落实决策部署扎实开展专项整治。".repeat(12);
    let (col, art) = if columns {
        ("[[columns]]\nname = \"工作动态\"\n\n", "columns.articles")
    } else {
        ("", "articles")
    };
    let mut out = format!(
        "[bulletin]\nname = \"中共某某市委某某工作领导小组办公室工作简报\"\noffice = \"办公室\"\n\
         above = \"建设学习型党组织、学习型领导班子\"\nmarker = \"内部资料 注意保存\"\n\n\
         [issue]\nnumber = 1\ndate = 2026-07-06\n\n{col}[[{art}]]\n\
         title = \"关于进一步加强全市安全生产工作推进专项整治三年行动落实落细各项措施的通报意见和要求\"\n\
         body = \"\"\"\n{para}\n\n{para}\n\"\"\"\n"
    );
    for i in 0..extra {
        out += &format!("\n[[{art}]]\ntitle = \"其他文章{i}\"\nbody = \"正文。\"\n");
    }
    out
}

#[test]
fn the_first_title_stays_on_page_1_when_two_lines_of_its_text_fit_and_else_it_is_said() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let bottom = (37.0 + 225.0) * 72.0 / 25.4;
    let title = "关于进一步加强";
    let (mut kept, mut warned) = (0, 0);
    for columns in [false, true] {
        for extra in 0..6 {
            let name = format!("tall-{columns}-{extra}");
            let (lines, warnings) = render_lines(dir, &name, &tall_masthead_issue(extra, columns));
            // The body starts after the TOC's last entry and a blank line.
            let toc_end = lines
                .iter()
                .filter(|l| l.page == 1 && (l.text.starts_with('◆') || l.text.starts_with("落实")))
                .map(|l| l.y_max)
                .fold(0.0, f64::max);
            let free = ((bottom - toc_end) / 28.95 + 0.3).floor() as usize - 1;
            let first = lines.iter().find(|l| l.text.starts_with(title)).unwrap();
            // Three title lines of two grid lines each, a blank line, two
            // lines of text, and the column marker.
            let needed = 3 * 2 + 1 + 2 + usize::from(columns);
            if free >= needed {
                assert_eq!(first.page, 1, "{name}: {free} lines free, needs {needed}");
                assert!(!warnings.contains("page 1 ends"), "{name}: {warnings}");
                kept += 1;
            } else if free * 3 < 22 {
                // Less than a third of the page is left empty: ordinary.
                assert_eq!(first.page, 2, "{name}: {free} lines free, needs {needed}");
                assert!(!warnings.contains("page 1 ends"), "{name}: {warnings}");
            } else {
                assert_eq!(first.page, 2, "{name}: {free} lines free, needs {needed}");
                assert!(
                    warnings.contains(&format!("page 1 ends {free} grid lines short"))
                        && warnings.contains(&format!("it needs {needed}"))
                        && warnings.contains(&format!("make room for {} more line", needed - free)),
                    "{name}: {free} lines free, needs {needed}: {warnings}"
                );
                warned += 1;
            }
        }
    }
    assert!(kept > 0 && warned > 0, "kept {kept}, warned {warned}");
}

/// `pdfimages -list`: (width, height) of each image.
fn image_sizes(pdf: &Path) -> Vec<(u32, u32)> {
    tool_stdout("pdfimages", &["-list", s(pdf)])
        .lines()
        .skip(2)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((f.get(3)?.parse().ok()?, f.get(4)?.parse().ok()?))
        })
        .collect()
}

#[test]
fn a_photo_denser_than_print_needs_is_warned_about_and_downsampled_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // 2400 × 1600 pixels printed half the type block wide (78 mm): 782 ppi.
    let big = photos::jpeg(2400, 1600, 7, 92);
    std::fs::write(dir.join("big.jpg"), &big).unwrap();
    // Over 1 MB: a small file is not worth a warning, however dense.
    assert!(big.len() > 1_000_000, "{}", big.len());
    // 400 × 300 at 78 mm: 130 ppi.
    std::fs::write(dir.join("small.png"), photos::png(400, 300, 3)).unwrap();
    let input = dir.join("photo.toml");
    let text = minimal_issue("标题", "正文。", "（单位）").replace("body = \"正文。\"\n", "")
        + r#"
[[articles.body]]
text = "正文。"

[[articles.body]]
image = "big.jpg"
caption = "图1 大图"
width = 0.5

[[articles.body]]
image = "small.png"
caption = "图2 小图"
width = 0.5
"#;
    std::fs::write(&input, &text).unwrap();
    let pdf = dir.join("photo.pdf");
    let o = run(&[s(&input), "-o", s(&pdf)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = strip_ansi(&stderr(&o));
    // Said for the dense one only, with its place and what to do.
    assert!(!err.contains("small.png"), "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("big.jpg"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.contains("photo.toml:"), "{line}");
    assert!(line.contains("2400 × 1600 pixels"), "{line}");
    assert!(line.contains("prints 78 × 52 mm, at 782 ppi"), "{line}");
    assert!(line.contains("--max-ppi 300"), "{line}");
    assert!(line.contains("about 921 × 614 pixels"), "{line}");
    assert_eq!(image_sizes(&pdf), vec![(2400, 1600), (400, 300)]);
    // Downsampled in the PDF: 300 ppi at 78 mm; the page is the same.
    let small = dir.join("small.pdf");
    let o = run(&[s(&input), "-o", s(&small), "--max-ppi", "300"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("big.jpg"), "{}", stderr(&o));
    assert_eq!(image_sizes(&small), vec![(921, 614), (400, 300)]);
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    assert!(
        size(&small) * 3 < size(&pdf),
        "{} vs {}",
        size(&small),
        size(&pdf)
    );
    let place = |p: &Path| {
        bbox_lines(p)
            .into_iter()
            .map(|l| (l.page, (l.y_min * 10.0).round() as i64, l.text))
            .collect::<Vec<_>>()
    };
    assert_eq!(place(&small), place(&pdf));
    // The file itself is not touched.
    assert_eq!(std::fs::read(dir.join("big.jpg")).unwrap(), big);
    // A wrong value is refused with the right form.
    let o = run(&[s(&input), "-o", s(&small), "--max-ppi", "lots"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--max-ppi 300"), "{}", stderr(&o));
}

#[test]
fn a_photo_too_large_to_read_is_refused_with_advice() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A sparse 65 MiB file: nothing is allocated, nothing should be read.
    let f = std::fs::File::create(dir.join("huge.png")).unwrap();
    f.set_len(65 << 20).unwrap();
    let input = dir.join("huge.toml");
    let text = minimal_issue("标题", "正文。", "（单位）").replace("body = \"正文。\"\n", "")
        + "\n[[articles.body]]\nimage = \"huge.png\"\n";
    std::fs::write(&input, text).unwrap();
    let o = run(&[s(&input), "-o", s(&dir.join("huge.pdf"))]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = strip_ansi(&stderr(&o));
    assert!(err.contains("huge.png is larger than 64 MiB"), "{err}");
    assert!(
        !err.contains("the limit for a file a layout reads"),
        "{err}"
    );
    assert!(err.contains("save a photo smaller"), "{err}");
    assert!(err.contains("about 1850 pixels at 300 ppi"), "{err}");
}
