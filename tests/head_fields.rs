//! The GB/T 9704 head fields (版头): 份号, 密级★保密期限, 紧急程度 top left
//! above the marker, 增刊第 N 期 on the number line, 签发人 at the right in
//! zhuanbao; warnings for a 密级 without a 份号 and for fields a layout does
//! not place; no two words of page 1 overlapping, whatever their lengths.

use std::path::{Path, PathBuf};

use crate::common::*;

/// The A4 page's middle, in pt.
const MIDDLE: f64 = 595.28 / 2.0;
/// Boxes that touch are not overlapping.
const TOUCH: f64 = 0.5;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// An issue with every head field set.
#[derive(Clone)]
struct Head<'a> {
    layout: &'a str,
    name: &'a str,
    above: Option<&'a str>,
    marker: Option<&'a str>,
    copy: Option<u32>,
    classification: Option<&'a str>,
    period: Option<&'a str>,
    urgency: Option<&'a str>,
    kind: Option<&'a str>,
    signers: &'a [&'a str],
}

impl Default for Head<'_> {
    fn default() -> Self {
        Head {
            layout: "default",
            name: "工作简报",
            above: None,
            marker: Some("内部资料　注意保存"),
            copy: Some(123),
            classification: Some("秘密"),
            period: Some("1年"),
            urgency: Some("特急"),
            kind: None,
            signers: &[],
        }
    }
}

impl Head<'_> {
    fn toml(&self) -> String {
        let mut t = format!("layout = {}\n[bulletin]\n", toml_str(self.layout));
        t += &format!(
            "name = {}\noffice = \"协调小组办公室\"\n",
            toml_str(self.name)
        );
        if let Some(a) = self.above {
            t += &format!("above = {}\n", toml_str(a));
        }
        if let Some(m) = self.marker {
            t += &format!("marker = {}\n", toml_str(m));
        }
        t += "\n[issue]\nnumber = 2\ndate = 2021-03-04\n";
        if let Some(c) = self.copy {
            t += &format!("copy = {c}\n");
        }
        for (k, v) in [
            ("classification", self.classification),
            ("secrecy_period", self.period),
            ("urgency", self.urgency),
            ("kind", self.kind),
        ] {
            if let Some(v) = v {
                t += &format!("{k} = {}\n", toml_str(v));
            }
        }
        if !self.signers.is_empty() {
            let names: Vec<String> = self.signers.iter().map(|n| toml_str(n)).collect();
            t += &format!("signers = [{}]\n", names.join(", "));
        }
        t + "\n[[articles]]\ntitle = \"标题\"\nbody = \"正文。\"\n"
    }
}

/// Renders `head` as `dir/stem.pdf`; returns the PDF and the stderr.
fn render(dir: &Path, stem: &str, head: &Head) -> (PathBuf, String) {
    let input = dir.join(format!("{stem}.toml"));
    let pdf = dir.join(format!("{stem}.pdf"));
    std::fs::write(&input, head.toml()).unwrap();
    let o = run(&[s(&input), "-o", s(&pdf)]);
    assert!(
        o.status.success(),
        "{stem}: {}\n{}",
        stderr(&o),
        head.toml()
    );
    (pdf, stderr(&o))
}

/// The lines of page 1.
fn page1(pdf: &Path) -> Vec<Line> {
    bbox_lines(pdf)
        .into_iter()
        .filter(|l| l.page == 1)
        .collect()
}

fn find<'a>(lines: &'a [Line], text: &str) -> &'a Line {
    lines
        .iter()
        .find(|l| l.text.contains(text))
        .unwrap_or_else(|| panic!("{text:?} is not on page 1: {lines:?}"))
}

/// The red rule's place: the office line's bottom (the rule is under it).
fn office_bottom(lines: &[Line]) -> f64 {
    find(lines, "协调小组办公室").y_max
}

#[test]
fn the_top_left_fields_stack_in_order_above_the_rule() {
    let tmp = tempfile::tempdir().unwrap();
    for layout in ["default", "zhuanbao"] {
        let head = Head {
            layout,
            ..Head::default()
        };
        let (pdf, err) = render(tmp.path(), layout, &head);
        assert!(!err.contains("warning"), "{layout}: {err}");
        let lines = page1(&pdf);
        let order = ["000123", "秘密★1年", "特急", "内部资料"];
        let found: Vec<&Line> = order.iter().map(|t| find(&lines, t)).collect();
        for (t, l) in order.iter().zip(&found) {
            assert!(l.x_max < MIDDLE, "{layout}: {t} is not at the left: {l:?}");
            assert!(
                l.y_max < office_bottom(&lines),
                "{layout}: {t} is not above the rule: {l:?}"
            );
        }
        for w in found.windows(2) {
            assert!(
                w[0].y_max <= w[1].y_min + TOUCH,
                "{layout}: {:?} is not above {:?}",
                w[0].text,
                w[1].text
            );
        }
        // The copy number is on the first line: nothing of page 1 above it.
        let top = found[0].y_min;
        assert!(
            lines.iter().all(|l| l.y_min >= top - TOUCH),
            "{layout}: something is above the copy number: {lines:?}"
        );
    }
}

#[test]
fn a_secrecy_period_follows_the_classification_with_a_star() {
    let tmp = tempfile::tempdir().unwrap();
    let head = Head {
        classification: Some("机密"),
        period: Some("长期"),
        urgency: Some("加急"),
        copy: Some(7),
        ..Head::default()
    };
    let (pdf, _) = render(tmp.path(), "long", &head);
    let text = pdf_text_compact(&pdf);
    for want in ["000007", "机密★长期", "加急"] {
        assert!(text.contains(want), "{want} missing in {text}");
    }
}

#[test]
fn special_issues_are_numbered_with_their_kind() {
    let tmp = tempfile::tempdir().unwrap();
    for (layout, want) in [("default", "增刊第2期"), ("zhuanbao", "（增刊第2期）")] {
        let head = Head {
            layout,
            kind: Some("增刊"),
            ..Head::default()
        };
        let (pdf, _) = render(tmp.path(), layout, &head);
        let text = pdf_text_compact(&pdf);
        assert!(text.contains(want), "{layout}: {want} missing in {text}");
    }
    for kind in ["专刊", "特刊"] {
        let head = Head {
            kind: Some(kind),
            ..Head::default()
        };
        let (pdf, _) = render(tmp.path(), kind, &head);
        let want = format!("{kind}第2期");
        assert!(pdf_text_compact(&pdf).contains(&want), "{want} missing");
    }
}

#[test]
fn a_classification_without_a_copy_number_is_warned_about() {
    let tmp = tempfile::tempdir().unwrap();
    let head = Head {
        copy: None,
        ..Head::default()
    };
    let (pdf, err) = render(tmp.path(), "nocopy", &head);
    assert!(
        err.contains("warning") && err.contains("issue.classification") && err.contains("copy"),
        "no warning: {err}"
    );
    assert!(pdf_text_compact(&pdf).contains("秘密★1年"));
}

#[test]
fn signers_are_placed_by_zhuanbao_and_warned_about_elsewhere() {
    let tmp = tempfile::tempdir().unwrap();
    let signers = ["张三", "李四"];
    let head = Head {
        layout: "zhuanbao",
        signers: &signers,
        ..Head::default()
    };
    let (pdf, err) = render(tmp.path(), "zhuanbao", &head);
    assert!(!err.contains("warning"), "{err}");
    let lines = page1(&pdf);
    let line = find(&lines, "签发人：");
    assert!(line.x_min > MIDDLE, "签发人 is not at the right: {line:?}");
    assert!(
        line.y_max < office_bottom(&lines),
        "签发人 is below the rule"
    );
    assert!(pdf_text_compact(&pdf).contains("签发人：张三李四"));
    // The default layout has no place for it: a warning, and not printed.
    let head = Head {
        signers: &signers,
        ..Head::default()
    };
    let (pdf, err) = render(tmp.path(), "default", &head);
    assert!(
        err.contains("warning") && err.contains("issue.signers"),
        "no warning: {err}"
    );
    assert!(!pdf_text_compact(&pdf).contains("签发人"));
}

/// Problems of page 1: two words whose boxes intersect.
fn overlaps(pdf: &Path) -> Vec<String> {
    let xml = tool_stdout(
        "pdftotext",
        &["-bbox-layout", "-f", "1", "-l", "1", s(pdf), "-"],
    );
    let attr = |t: &str, name: &str| -> f64 {
        let key = format!("{name}=\"");
        let start = t.find(&key).unwrap() + key.len();
        let end = start + t[start..].find('"').unwrap();
        t[start..end].parse().unwrap()
    };
    let words: Vec<(f64, f64, f64, f64, String)> = xml
        .lines()
        .map(str::trim)
        .filter(|t| t.starts_with("<word "))
        .map(|t| {
            let text = t[t.find('>').unwrap() + 1..t.rfind("</word>").unwrap()].to_string();
            (
                attr(t, "xMin"),
                attr(t, "yMin"),
                attr(t, "xMax"),
                attr(t, "yMax"),
                text,
            )
        })
        .collect();
    let mut out = Vec::new();
    for (i, a) in words.iter().enumerate() {
        for b in &words[i + 1..] {
            if a.0 < b.2 - TOUCH && b.0 < a.2 - TOUCH && a.1 < b.3 - TOUCH && b.1 < a.3 - TOUCH {
                out.push(format!("{a:?} and {b:?}"));
            }
        }
    }
    out
}

const NAME: &str = "中共某某市委全面深化改革委员会办公室工作简报某某某某市某某县人民政府办公室信息";
const ABOVE: &str = "建设学习型党组织、学习型领导班子，推动学习贯彻走深走实见行见效";
const MARKER: &str = "内部资料　注意保存　严禁外传　阅后收回　不得翻印　不得转载　仅供领导参阅";

#[test]
fn no_two_words_of_the_head_overlap() {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let signers = ["张三", "李四", "王五"];
    for layout in ["default", "zhuanbao"] {
        for n in [4, 12, 24] {
            let name: String = NAME.chars().take(n).collect();
            for above in [None, Some(8), Some(30)] {
                let above: Option<String> = above.map(|k| ABOVE.chars().cycle().take(k).collect());
                for marker in [None, Some(4), Some(9), Some(40)] {
                    let marker: Option<String> = marker.map(|k| MARKER.chars().take(k).collect());
                    for period in ["1年", "长期至某某某某年某月某日止"] {
                        let head = Head {
                            layout,
                            name: &name,
                            above: above.as_deref(),
                            marker: marker.as_deref(),
                            copy: Some(999_999),
                            classification: Some("绝密"),
                            period: Some(period),
                            urgency: Some("特急"),
                            kind: Some("增刊"),
                            signers: if layout == "zhuanbao" { &signers } else { &[] },
                        };
                        let stem = format!(
                            "{layout}-{n}-{}-{}-{}",
                            above.as_ref().map_or(0, |a| a.chars().count()),
                            marker.as_ref().map_or(0, |m| m.chars().count()),
                            period.chars().count()
                        );
                        let (pdf, _) = render(tmp.path(), &stem, &head);
                        for p in overlaps(&pdf) {
                            failures.push(format!("{stem}: {p}"));
                        }
                        let text = pdf_text_compact(&pdf);
                        for want in ["999999", "绝密★", "特急", "增刊第2期"] {
                            if !text.contains(want) {
                                failures.push(format!("{stem}: {want} missing"));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
