//! Hostile text in the bundled layouts: long names, lines above and offices
//! fit the masthead without running over anything, titles and other text
//! without break opportunities stay in the type block, and every layout and
//! issue shape gives a valid PDF/UA-1.

use std::path::{Path, PathBuf};

use crate::common::*;

/// The A4 page, in pt.
const PAGE_WIDTH: f64 = 595.28;
const PAGE_HEIGHT: f64 = 841.89;
/// The GB/T 9704 type block: 28 mm from the left, 156 mm wide.
const BLOCK_LEFT: f64 = 28.0 * 72.0 / 25.4;
const BLOCK_RIGHT: f64 = (28.0 + 156.0) * 72.0 / 25.4;
/// CJK punctuation at a line's end (or start) may hang out of the type block
/// by half its em (Typst's overhang): half of a 二号 (22 pt) title.
const OVERHANG: f64 = 12.0;
/// Boxes that touch are not overlapping.
const TOUCH: f64 = 0.5;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// One word of `pdftotext -bbox-layout`.
#[derive(Debug, Clone)]
struct Word {
    page: usize,
    x_min: f64,
    y_min: f64,
    x_max: f64,
    y_max: f64,
    text: String,
}

fn attr(tag: &str, name: &str) -> f64 {
    let key = format!("{name}=\"");
    let start = tag.find(&key).expect("attribute") + key.len();
    let end = start + tag[start..].find('"').unwrap();
    tag[start..end].parse().unwrap()
}

/// Every word of the PDF with its box, pages 1-based.
fn words(pdf: &Path) -> Vec<Word> {
    let xml = tool_stdout("pdftotext", &["-bbox-layout", s(pdf), "-"]);
    let mut page = 0;
    let mut out = Vec::new();
    for raw in xml.lines() {
        let t = raw.trim();
        if t.starts_with("<page ") {
            page += 1;
        } else if t.starts_with("<word ") {
            let start = t.find('>').unwrap() + 1;
            let end = t.rfind("</word>").unwrap();
            out.push(Word {
                page,
                x_min: attr(t, "xMin"),
                y_min: attr(t, "yMin"),
                x_max: attr(t, "xMax"),
                y_max: attr(t, "yMax"),
                text: t[start..end].to_string(),
            });
        }
    }
    out
}

fn short(text: &str) -> String {
    text.chars().take(24).collect()
}

/// Problems with the words of `pages` (all when empty): a word out of the
/// page or, horizontally, out of the type block; on page 1 (the masthead's
/// page), two words whose boxes intersect.
fn problems(pdf: &Path, only_page_1: bool) -> Vec<String> {
    let all = words(pdf);
    assert!(!all.is_empty(), "{} has no text", pdf.display());
    let ws: Vec<&Word> = all.iter().filter(|w| !only_page_1 || w.page == 1).collect();
    let mut out = Vec::new();
    for w in &ws {
        if w.x_min < 0.0 || w.x_max > PAGE_WIDTH || w.y_min < 0.0 || w.y_max > PAGE_HEIGHT {
            out.push(format!("off the page: {w:?}"));
        } else if w.x_min < BLOCK_LEFT - OVERHANG || w.x_max > BLOCK_RIGHT + OVERHANG {
            out.push(format!(
                "out of the type block ({BLOCK_LEFT:.1}–{BLOCK_RIGHT:.1} pt): page {} x {:.1}–{:.1} {:?}",
                w.page,
                w.x_min,
                w.x_max,
                short(&w.text)
            ));
        }
    }
    let page1: Vec<&&Word> = ws.iter().filter(|w| w.page == 1).collect();
    for (i, a) in page1.iter().enumerate() {
        for b in &page1[i + 1..] {
            let across = a.x_min < b.x_max - TOUCH && b.x_min < a.x_max - TOUCH;
            let down = a.y_min < b.y_max - TOUCH && b.y_min < a.y_max - TOUCH;
            if across && down {
                out.push(format!(
                    "overlap on page 1: {:?} ({:.1},{:.1})–({:.1},{:.1}) and {:?} ({:.1},{:.1})–({:.1},{:.1})",
                    short(&a.text),
                    a.x_min,
                    a.y_min,
                    a.x_max,
                    a.y_max,
                    short(&b.text),
                    b.x_min,
                    b.y_min,
                    b.x_max,
                    b.y_max
                ));
            }
        }
    }
    out
}

/// Fields of an issue; `None` leaves a key out.
#[derive(Clone, Default)]
struct Issue<'a> {
    layout: Option<&'a str>,
    name: &'a str,
    above: Option<&'a str>,
    marker: Option<&'a str>,
    office: Option<&'a str>,
    column: Option<&'a str>,
    title: Option<&'a str>,
    body: Option<&'a str>,
    byline: Option<&'a str>,
    footer: Option<&'a str>,
}

impl Issue<'_> {
    fn toml(&self) -> String {
        let mut t = String::new();
        if let Some(l) = self.layout {
            t += &format!("layout = {}\n", toml_str(l));
        }
        t += &format!("[bulletin]\nname = {}\n", toml_str(self.name));
        t += &format!(
            "office = {}\n",
            toml_str(self.office.unwrap_or("协调小组办公室"))
        );
        if let Some(a) = self.above {
            t += &format!("above = {}\n", toml_str(a));
        }
        if let Some(m) = self.marker {
            t += &format!("marker = {}\n", toml_str(m));
        }
        t += "\n[issue]\nnumber = 12\ndate = 2021-03-04\n\n";
        let article = format!(
            "title = {}\nbody = {}\nbyline = {}\n",
            toml_str(self.title.unwrap_or("标题")),
            toml_str(self.body.unwrap_or("正文。")),
            toml_str(self.byline.unwrap_or("某某单位")),
        );
        match self.column {
            Some(c) => {
                t += &format!(
                    "[[columns]]\nname = {}\n\n[[columns.articles]]\n",
                    toml_str(c)
                );
                t += &article;
            }
            None => {
                t += "[[articles]]\n";
                t += &article;
            }
        }
        if let Some(f) = self.footer {
            t += &format!(
                "\n[footer]\nbao = {}\nprinter = {}\nprint_date = 2021-03-04\n",
                toml_str(f),
                toml_str(f)
            );
        }
        t
    }
}

/// Writes `issue` as `dir/stem.toml` and renders it with `args`; panics with
/// the issue and the error when the render fails.
fn render(dir: &Path, stem: &str, issue: &Issue, args: &[&str]) -> PathBuf {
    let input = dir.join(format!("{stem}.toml"));
    let pdf = dir.join(format!("{stem}.pdf"));
    std::fs::write(&input, issue.toml()).unwrap();
    let mut all = vec![s(&input), "-o", s(&pdf)];
    all.extend_from_slice(args);
    let o = run(&all);
    assert!(
        o.status.success(),
        "{stem}: {}\n{}",
        stderr(&o),
        issue.toml()
    );
    pdf
}

const NAME: &str = "中共某某市委全面深化改革委员会办公室工作简报某某某某市某某县人民政府办公室信息";
const ABOVE: &str = "建设学习型党组织、学习型领导班子，推动学习贯彻走深走实见行见效";

#[test]
fn long_names_and_lines_above_fit_the_masthead_without_overlap() {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for layout in ["default", "zhuanbao"] {
        for n in [8, 16, 24, 40] {
            let name: String = NAME.chars().take(n).collect();
            for above in [None, Some(n)] {
                for marker in [None, Some("内部资料　注意保存")] {
                    let above_text: Option<String> =
                        above.map(|k| ABOVE.chars().cycle().take(k).collect());
                    let issue = Issue {
                        layout: Some(layout),
                        name: &name,
                        above: above_text.as_deref(),
                        marker,
                        ..Issue::default()
                    };
                    let stem = format!("{layout}-{n}-{}-{}", above.unwrap_or(0), marker.is_some());
                    let pdf = render(tmp.path(), &stem, &issue, &[]);
                    for p in problems(&pdf, true) {
                        failures.push(format!("{stem}: {p}"));
                    }
                    // A name of up to 20 characters fits one line at 22 pt.
                    let lines = bbox_lines(&pdf);
                    if n <= 20 && !lines.iter().any(|l| l.page == 1 && l.text == name) {
                        let page1: Vec<&String> = lines
                            .iter()
                            .filter(|l| l.page == 1)
                            .map(|l| &l.text)
                            .collect();
                        failures.push(format!("{stem}: the name is not on one line: {page1:?}"));
                    }
                    // Everything is still printed.
                    let text = pdf_text_compact(&pdf);
                    for want in [Some(name.as_str()), above_text.as_deref(), Some("正文。")]
                        .into_iter()
                        .flatten()
                    {
                        let want: String = want.chars().filter(|c| !c.is_whitespace()).collect();
                        if !text.contains(&want) {
                            failures.push(format!("{stem}: {want:?} missing in {text:?}"));
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_long_office_leaves_room_for_the_date() {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for layout in ["default", "zhuanbao"] {
        for office in [
            "中共某某省某某市委全面深化改革委员会办公室",
            "中共某某省某某市某某县委全面深化改革委员会办公室协调小组办公室秘书科",
        ] {
            let issue = Issue {
                layout: Some(layout),
                name: "工作简报",
                office: Some(office),
                ..Issue::default()
            };
            let stem = format!("{layout}-office-{}", office.chars().count());
            let pdf = render(tmp.path(), &stem, &issue, &[]);
            for p in problems(&pdf, true) {
                failures.push(format!("{stem}: {p}"));
            }
            // The date is on the office's first line (and may come between
            // its lines in the text).
            let text = pdf_text_compact(&pdf);
            assert!(text.contains("2021年3月4日"), "{stem}: the date is missing");
            let text = text.replace("2021年3月4日", "");
            assert!(text.contains(office), "{stem}: the office is missing");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn titles_without_break_opportunities_stay_in_the_type_block() {
    let tmp = tempfile::tempdir().unwrap();
    let cjk = "测".repeat(3000);
    let latin = "A".repeat(3000);
    let digits = "0123456789".repeat(300);
    let mixed = format!("关于{}的通知", "Ab1".repeat(1000));
    let mut failures = Vec::new();
    for (what, title) in [
        ("cjk", &cjk),
        ("latin", &latin),
        ("digits", &digits),
        ("mixed", &mixed),
    ] {
        for (shape, column) in [("articles", None), ("columns", Some("上情下达"))] {
            let issue = Issue {
                name: "工作简报",
                column,
                title: Some(title),
                ..Issue::default()
            };
            let stem = format!("title-{what}-{shape}");
            let pdf = render(tmp.path(), &stem, &issue, &[]);
            // The title and its TOC entry, on every page.
            for p in problems(&pdf, false) {
                failures.push(format!("{stem}: {p}"));
            }
            // Printed whole, twice (the TOC entry and the title), with no
            // character added.
            let text = without_page_numbers(&pdf_text_compact(&pdf));
            let count = text.matches(title.as_str()).count();
            if count != 2 {
                failures.push(format!(
                    "{stem}: the title is printed whole {count} times, not 2"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn other_text_without_break_opportunities_stays_in_the_type_block() {
    let tmp = tempfile::tempdir().unwrap();
    let column = "C".repeat(300);
    let body = format!("正文{}。", "B".repeat(500));
    let byline = "D".repeat(300);
    let footer = "E".repeat(300);
    let name = "X".repeat(60);
    let above = "Y".repeat(120);
    let office = "Z".repeat(120);
    for layout in ["default", "zhuanbao"] {
        let issue = Issue {
            layout: Some(layout),
            name: &name,
            above: Some(&above),
            office: Some(&office),
            marker: Some("内部资料　注意保存"),
            column: Some(&column),
            body: Some(&body),
            byline: Some(&byline),
            footer: Some(&footer),
            ..Issue::default()
        };
        let pdf = render(tmp.path(), &format!("other-{layout}"), &issue, &[]);
        let p = problems(&pdf, false);
        assert!(p.is_empty(), "{layout}:\n{}", p.join("\n"));
        let text = without_page_numbers(&pdf_text_compact(&pdf)).replace("2021年3月4日", "");
        for want in [&name, &above, &office, &body, &byline, &footer] {
            assert!(
                text.contains(want.as_str()),
                "{layout}: {} missing",
                short(want)
            );
        }
    }
}

/// Renders `input` with `--pdf-standard standards` and checks the file with
/// qpdf.
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

/// The outline (bookmarks) of a PDF: (title, number of children) at the top
/// level.
fn outline(pdf: &Path) -> Vec<(String, usize)> {
    let json = tool_stdout("qpdf", &["--json", "--json-key=outlines", s(pdf)]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["outlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["title"].as_str().unwrap_or_default().to_string(),
                o["kids"].as_array().map_or(0, |k| k.len()),
            )
        })
        .collect()
}

#[test]
fn every_layout_and_issue_shape_gives_pdf_ua_1() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let examples = root().join("examples");
    for (stem, standards) in [
        ("issue-363", "ua-1"),
        ("zhuanbao", "ua-1"),
        ("issue-363", "a-2b,ua-1"),
        ("zhuanbao", "a-2b,ua-1"),
    ] {
        let out = dir.join(format!("{stem}-{standards}.pdf"));
        conforms(&examples.join(format!("{stem}.toml")), &out, standards);
    }
    // An issue with top-level [[articles]], and one with columns.
    let articles = dir.join("articles.toml");
    let text = minimal_issue("标题", "正文。", "（单位）")
        + "\n[[articles]]\ntitle = \"第二篇\"\nbody = \"正文。\"\n";
    std::fs::write(&articles, text).unwrap();
    let columns = dir.join("columns.toml");
    let issue = Issue {
        name: "工作简报",
        column: Some("上情下达"),
        ..Issue::default()
    };
    std::fs::write(&columns, issue.toml()).unwrap();
    for input in [&articles, &columns] {
        for standards in ["ua-1", "a-2b,ua-1"] {
            let out = dir.join(format!(
                "{}-{standards}.pdf",
                input.file_stem().unwrap().to_string_lossy()
            ));
            conforms(input, &out, standards);
        }
    }
    // Without columns the titles are the outline's top level; with them,
    // the columns are, with their titles under them.
    let plain = dir.join("articles.pdf");
    let o = run(&[s(&articles), "-o", s(&plain)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        outline(&plain),
        vec![("标题".to_string(), 0), ("第二篇".to_string(), 0)]
    );
    let plain = dir.join("columns.pdf");
    let o = run(&[s(&columns), "-o", s(&plain)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(outline(&plain), vec![("【上情下达】".to_string(), 1)]);
}
