//! The footer's 版记 fields beside 报/送/发: 主送, 本期增发, the editors'
//! line (责任编辑 / 校对 / 审核 / 签发) and the contact line (联系人 / 电话),
//! checked on the produced PDFs: on the last page, in the footer, in the
//! documented order, pairs on one line, long values inside the type block.

use crate::common::*;
use std::path::{Path, PathBuf};

/// The type block's left and right edges on A4 (pt), and the tolerance.
const LEFT: f64 = 79.4;
const RIGHT: f64 = 595.3 - 79.4;
const SLACK: f64 = 12.0;

/// A minimal issue with `[footer]` holding `footer` (TOML lines).
fn issue_with_footer(body: &str, footer: &str) -> String {
    format!(
        "{}\n[footer]\n{footer}\n",
        minimal_issue("标题", body, "（办公室）")
    )
}

const ALL_FIELDS: &str = r#"zhusong = "市委、市政府"
bao = "中央协调办"
song = "省协调小组成员单位"
fa = "各市委宣传部"
zengfa = "各县（市、区）委办公室"
editor = "张三"
proofreader = "钱七"
reviewer = "李四"
approver = "王五"
contact = "赵六"
phone = "0516-12345678"
printer = "协调小组办公室"
print_date = 2021-03-04
copies = 50
"#;

/// The footer's texts, compact, in the documented order.
const ORDER: [&str; 13] = [
    "主送：市委、市政府",
    "报：中央协调办",
    "送：省协调小组成员单位",
    "发：各市委宣传部",
    "本期增发：各县（市、区）委办公室",
    "责任编辑：张三",
    "校对：钱七",
    "审核：李四",
    "签发：王五",
    "联系人：赵六",
    "电话：0516-12345678",
    "协调小组办公室",
    "2021年3月4日印发",
];

fn render(dir: &Path, name: &str, toml: &str) -> PathBuf {
    let input = dir.join(format!("{name}.toml"));
    std::fs::write(&input, toml).unwrap();
    let pdf = dir.join(format!("{name}.pdf"));
    let o = run(&[input.to_str().unwrap(), "-o", pdf.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    pdf
}

fn pages(pdf: &Path) -> usize {
    let info = tool_stdout("pdfinfo", &[pdf.to_str().unwrap()]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("page count")
}

/// The compact text of one page.
fn page_text(pdf: &Path, page: usize) -> String {
    let p = page.to_string();
    let text = tool_stdout(
        "pdftotext",
        &["-f", &p, "-l", &p, pdf.to_str().unwrap(), "-"],
    );
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The compact text of `lines` in reading order: top to bottom (by
/// baseline), left to right (pdftotext's own order may take the footer's
/// right-hand parts as a column of their own).
fn reading_text(lines: &[Line]) -> String {
    let mut ls: Vec<&Line> = lines.iter().collect();
    ls.sort_by(|a, b| {
        let ya = (a.y_max * 2.0).round() as i64;
        let yb = (b.y_max * 2.0).round() as i64;
        ya.cmp(&yb).then(a.x_min.total_cmp(&b.x_min))
    });
    ls.iter()
        .flat_map(|l| l.text.chars())
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The lines of the last page.
fn last_page_lines(pdf: &Path) -> Vec<Line> {
    let n = pages(pdf);
    bbox_lines(pdf)
        .into_iter()
        .filter(|l| l.page == n)
        .collect()
}

/// The line (or the first of the lines) of `lines` whose text starts a
/// compact `want`, e.g. 主送： for 主送：市委、市政府.
fn line_starting<'a>(lines: &'a [Line], want: &str) -> &'a Line {
    line_below(lines, 0.0, want)
}

/// `line_starting` among the lines not above `y`.
fn line_below<'a>(lines: &'a [Line], y: f64, want: &str) -> &'a Line {
    lines
        .iter()
        .filter(|l| l.y_min >= y - 0.5)
        .find(|l| {
            let t: String = l.text.chars().filter(|c| !c.is_whitespace()).collect();
            !t.is_empty() && (want.starts_with(&t) || t.starts_with(want))
        })
        .unwrap_or_else(|| panic!("no line for {want:?} in {lines:#?}"))
}

#[test]
fn every_field_is_in_the_footer_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render(dir.path(), "all", &issue_with_footer("正文。", ALL_FIELDS));
    let lines = last_page_lines(&pdf);
    let text = reading_text(&lines);
    let mut at = 0;
    for want in ORDER {
        let i = text[at..]
            .find(want)
            .unwrap_or_else(|| panic!("{want:?} missing or out of order in {text}"));
        at += i + want.len();
    }
    assert!(text.contains("（共印50份）"), "{text}");
    // In the footer: the first footer line is 主送, below the body; every
    // field's line is at or below it, top to bottom in the documented order.
    let body = line_starting(&lines, "正文。");
    let first = line_starting(&lines, "主送：");
    assert!(first.y_min > body.y_max, "{first:?} under {body:?}");
    let mut y = first.y_min;
    for want in ORDER {
        let l = line_below(&lines, first.y_min, want);
        assert!(l.y_min >= y - 0.5, "{want:?} above the line before: {l:?}");
        y = l.y_min;
    }
}

#[test]
fn editors_and_contact_each_share_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render(
        dir.path(),
        "pairs",
        &issue_with_footer("正文。", ALL_FIELDS),
    );
    let lines = last_page_lines(&pdf);
    for group in [
        &["责任编辑：张三", "校对：钱七", "审核：李四", "签发：王五"][..],
        &["联系人：赵六", "电话：0516-12345678"][..],
    ] {
        let ls: Vec<&Line> = group.iter().map(|w| line_starting(&lines, w)).collect();
        for pair in ls.windows(2) {
            assert!(
                (pair[0].y_max - pair[1].y_max).abs() < 0.5,
                "not on one baseline: {pair:?}"
            );
            assert!(pair[0].x_max < pair[1].x_min, "out of order: {pair:?}");
        }
    }
    let editors = line_starting(&lines, "责任编辑：张三");
    let contact = line_starting(&lines, "联系人：赵六");
    assert!(contact.y_min > editors.y_max, "contact under the editors");
}

#[test]
fn only_the_given_fields_are_printed() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render(
        dir.path(),
        "some",
        &issue_with_footer(
            "正文。",
            "bao = \"中央协调办\"\neditor = \"张三\"\nreviewer = \"李四\"\nphone = \"12345678\"\n",
        ),
    );
    let text = page_text(&pdf, pages(&pdf));
    for want in [
        "报：中央协调办",
        "责任编辑：张三",
        "审核：李四",
        "电话：12345678",
    ] {
        assert!(text.contains(want), "missing {want:?} in {text}");
    }
    for absent in ["主送", "本期增发", "校对", "签发", "联系人", "印发"] {
        assert!(
            !text.contains(absent),
            "{absent:?} without a value in {text}"
        );
    }
    let lines = last_page_lines(&pdf);
    let a = line_starting(&lines, "责任编辑：张三");
    let b = line_starting(&lines, "审核：李四");
    assert!((a.y_max - b.y_max).abs() < 0.5, "{a:?} {b:?}");
}

#[test]
fn user_text_in_the_new_fields_stays_text() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render(
        dir.path(),
        "lit",
        &issue_with_footer(
            "正文。",
            "zhusong = \"#panic()\"\nzengfa = \"$x$ *a* _b_\"\neditor = \"#{1+1}\"\ncontact = \"[x](y)\"\n",
        ),
    );
    let text = page_text(&pdf, pages(&pdf));
    for want in [
        "主送：#panic()",
        "本期增发：$x$*a*_b_",
        "责任编辑：#{1+1}",
        "联系人：[x](y)",
    ] {
        assert!(text.contains(want), "missing {want:?} in {text}");
    }
}

#[test]
fn a_long_zengfa_wraps_inside_the_type_block() {
    let dir = tempfile::tempdir().unwrap();
    let long = "各县（市、区）委办公室、市直各部门、".repeat(8);
    let long_latin = "ABCDEFGHIJ".repeat(12);
    let pdf = render(
        dir.path(),
        "long",
        &issue_with_footer(
            "正文。",
            &format!(
                "bao = \"中央协调办\"\nzengfa = {}\neditor = {}\n",
                toml_str(&long),
                toml_str(&long_latin)
            ),
        ),
    );
    let lines = last_page_lines(&pdf);
    let text = reading_text(&lines);
    assert!(
        text.contains(&format!("本期增发：{long}")),
        "the whole 本期增发 in {text}"
    );
    assert!(text.contains(&long_latin), "the whole editor in {text}");
    let first = line_starting(&lines, "报：中央协调办");
    let footer: Vec<&Line> = lines
        .iter()
        .filter(|l| l.y_min >= first.y_min && !l.text.starts_with('—'))
        .collect();
    for l in &footer {
        assert!(
            l.x_min >= LEFT - SLACK && l.x_max <= RIGHT + SLACK,
            "outside the type block: {l:?}"
        );
    }
    // The label beside the value's first line, the value wrapping under
    // its own start.
    let zengfa = line_starting(&lines, "本期增发：");
    let start = line_starting(&lines, "各县（市、区）委办公室、市直各部门、");
    assert!(
        (zengfa.y_max - start.y_max).abs() < 0.5 && zengfa.x_min < start.x_min,
        "{zengfa:?} {start:?}"
    );
    let rows: std::collections::BTreeSet<i64> = footer
        .iter()
        .filter(|l| l.y_min > zengfa.y_min - 0.5 && !l.text.starts_with("责任编辑"))
        .map(|l| l.y_min.round() as i64)
        .collect();
    assert!(rows.len() >= 3, "本期增发 takes several lines: {footer:#?}");
}

/// However much text is above it, the footer is whole on the last page,
/// under the text (a new page when it does not fit).
#[test]
fn the_grown_footer_stays_whole_at_the_bottom() {
    let dir = tempfile::tempdir().unwrap();
    let para = "这是一段用来填满版面的正文文字，内容并不重要，只是长度合适。";
    let mut new_page = false;
    for n in (8..=26).step_by(3) {
        let body = vec![para; n].join("\n\n");
        let pdf = render(
            dir.path(),
            &format!("fill{n}"),
            &issue_with_footer(&body, ALL_FIELDS),
        );
        let last = pages(&pdf);
        let all = bbox_lines(&pdf);
        let lines: Vec<Line> = all.iter().filter(|l| l.page == last).cloned().collect();
        let first = line_starting(&lines, "主送：");
        for want in ORDER {
            let l = line_below(&lines, first.y_min, want);
            assert!(l.y_min >= first.y_min - 0.5, "n={n}: {want:?} {l:?}");
        }
        let text = page_text(&pdf, last);
        assert!(text.contains("（共印50份）"), "n={n}: {text}");
        for l in lines.iter().filter(|l| l.text.starts_with("这是")) {
            assert!(l.y_max < first.y_min, "n={n}: text under the footer {l:?}");
        }
        // The footer sits at the bottom: its last line near the type
        // block's foot (A4, 37 mm top and 35 mm bottom margins).
        let copies = line_starting(&lines, "（共印");
        assert!(
            copies.y_max > 700.0,
            "n={n}: footer not at the bottom {copies:?}"
        );
        if !lines.iter().any(|l| l.text.starts_with("这是")) {
            new_page = true;
        }
    }
    assert!(
        new_page,
        "some length pushes the footer to a page of its own"
    );
}

#[test]
fn issue_363_footer_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("363.pdf");
    let input = root().join("examples/issue-363.toml");
    let o = run(&[input.to_str().unwrap(), "-o", pdf.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = without_page_numbers(&page_text(&pdf, pages(&pdf)));
    let footer = &text[text.find("报：").expect("报：")..];
    assert_eq!(
        footer,
        "报：中央协调办、中宣部理论局、中组部干部局\
         送：省协调小组成员单位、省级机关各部委办厅局\
         发：各市委宣传部、组织部\
         协调小组办公室"
    );
}

/// A field added by following docs/adding-a-field.md: the model, the view
/// and the layout, nothing else. It is printed on the contact line, after
/// the phone, with its label kept with its value; check accepts it; and the
/// importer reads it back from the rendered PDF.
#[test]
fn the_email_is_printed_after_the_phone_and_comes_back_from_import() {
    let dir = tempfile::tempdir().unwrap();
    let footer = "bao = \"中央协调办\"\ncontact = \"赵六\"\nphone = \"0516-12345678\"\nemail = \"jb@example.gov.cn\"\n";
    let toml = issue_with_footer("正文。", footer);
    let pdf = render(dir.path(), "email", &toml);
    let lines = last_page_lines(&pdf);
    let phone = line_starting(&lines, "联系人：赵六");
    let email = lines
        .iter()
        .find(|l| {
            l.text
                .replace(' ', "")
                .contains("电子邮箱：jb@example.gov.cn")
        })
        .unwrap_or_else(|| panic!("no e-mail line in {lines:#?}"));
    assert!(
        email.y_min >= phone.y_min - 0.5,
        "{email:?} above {phone:?}"
    );
    let o = std::process::Command::new(BIN)
        .args(["check", "--no-system-fonts"])
        .arg(dir.path().join("email.toml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let imported = bulletin_import::import_file(&pdf).unwrap();
    let f = imported.recognized.issue.footer.unwrap();
    assert_eq!(f.email.as_deref(), Some("jb@example.gov.cn"), "{f:?}");
    assert_eq!(f.phone.as_deref(), Some("0516-12345678"), "{f:?}");
}

#[test]
fn the_schema_describes_the_new_keys() {
    let o = std::process::Command::new(BIN)
        .arg("schema")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let schema: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let props = &schema["$defs"]["Footer"]["properties"];
    for key in [
        "zhusong",
        "zengfa",
        "editor",
        "proofreader",
        "reviewer",
        "approver",
        "contact",
        "phone",
        "email",
    ] {
        let d = props[key]["description"].as_str().unwrap_or("");
        assert!(!d.is_empty(), "{key} has no description: {props}");
    }
}

#[test]
fn a_layout_may_relabel_the_editors_line() {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("relabel");
    std::fs::create_dir_all(&layout).unwrap();
    std::fs::write(
        layout.join("layout.toml"),
        "name = \"relabel\"\nextends = \"default\"\n",
    )
    .unwrap();
    let main =
        std::fs::read_to_string(root().join("crates/render/layouts/default/main.typ")).unwrap();
    let call = "footer-at-bottom(data.footer)";
    assert!(main.contains(call), "{main}");
    let main = main.replace(
        call,
        "footer-at-bottom(data.footer, editors: ((\"proofreader\", \"校对\"), (\"editor\", \"编辑\")))",
    );
    std::fs::write(layout.join("main.typ"), main).unwrap();
    let toml = format!(
        "layout = {}\n{}",
        toml_str(layout.to_str().unwrap()),
        issue_with_footer("正文。", "editor = \"张三\"\nproofreader = \"钱七\"\n")
    );
    let pdf = render(dir.path(), "relabel", &toml);
    let text = reading_text(&last_page_lines(&pdf));
    assert!(text.contains("校对：钱七编辑：张三"), "{text}");
    assert!(!text.contains("责任编辑"), "{text}");
}
