//! The common variants of real bulletins render and print what they should:
//! a bulletin without columns, an editor's note, a marker, a cumulative
//! number, free-text issue numbers, the footer's optional lines, TOC page
//! numbers and the strict GB/T 9704 grid.

use crate::common::*;

const VARIANT: &str = r#"
[bulletin]
name = "信息简报"
office = "某某市人民政府办公室"
marker = "内部资料　注意保存"

[issue]
number = "增刊1"
total = 1024
date = 2024-12-31

[options]
toc_page_numbers = true
grid = "gbt9704"

[[articles]]
title = "关于做好岁末年初工作的通知"
toc_title = "岁末年初工作"
body = """
（一）总体要求

1.压实责任

（1）具体措施

这是 **必须强调** 的内容，而 * 和 ** 单独出现时照原样印出。
"""
byline = "（市政府办公室）"

[articles.note]
text = "本期刊发市政府办公室通知，请各地认真学习。"
signer = "编辑部"
date = 2024-12-30

[[articles]]
title = "第二篇文章"
detect = false
body = "一、这一行不是标题\n\n一是这也不是引语。"

[footer]
bao = "市委、市人大常委会"
fa = "各区县人民政府"
printer = "某某市人民政府办公室"
print_date = 2024-12-31
copies = 120
"#;

#[test]
fn variants_render_with_their_text() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("variant.toml");
    std::fs::write(&input, VARIANT).unwrap();
    let o = run(&[input.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = dir.path().join("variant.pdf");
    assert!(
        pdf.exists(),
        "the PDF goes beside the issue file by default"
    );
    let text = pdf_text_compact(&pdf);
    for want in [
        "内部资料注意保存",
        "信息简报",
        "第增刊1期（总第1024期）",
        "2024年12月31日",
        "岁末年初工作",
        "编者按：本期刊发市政府办公室通知，请各地认真学习。",
        "编辑部2024年12月30日",
        "（一）总体要求",
        "1.压实责任",
        "这是必须强调的内容，而*和**单独出现时照原样印出。",
        "（市政府办公室）",
        "一、这一行不是标题",
        "报：市委、市人大常委会",
        "发：各区县人民政府",
        "2024年12月31日印发",
        "（共印120份）",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(!text.contains("送："), "no 送 line without recipients");
    let lines = bbox_lines(&pdf);
    // The printing office and the print date share the footer's last line.
    let printer = lines
        .iter()
        .find(|l| l.text == "某某市人民政府办公室" && l.y_min > 600.0);
    let printed = lines.iter().find(|l| l.text == "2024年12月31日印发");
    match (printer, printed) {
        (Some(a), Some(b)) => assert!((a.y_min - b.y_min).abs() < 0.5 && a.x_max < b.x_min),
        _ => panic!("footer's last line not found: {lines:?}"),
    }
    // TOC with page numbers: the entry is followed by its page (1).
    let entry = lines
        .iter()
        .find(|l| l.text.contains("岁末年初工作"))
        .expect("TOC entry");
    assert!(entry.text.ends_with('1'), "{entry:?}");
    // The emphasis is drawn bold: a stroked run. pdftotext cannot see that,
    // but the strict grid can be seen: 28 cells a line.
    let body_line = lines
        .iter()
        .filter(|l| l.page == 1)
        .map(|l| l.x_max - l.x_min)
        .fold(0.0, f64::max);
    assert!(body_line <= 442.3, "{body_line}");
}

/// Renders 200 × 国 with `options` and returns the characters per line.
fn chars_per_line(options: &str) -> Vec<usize> {
    let dir = tempfile::tempdir().unwrap();
    let issue = minimal_issue("标题", &"国".repeat(200), "单位")
        .replace("[[articles]]", &format!("{options}\n[[articles]]"));
    let input = dir.path().join("grid.toml");
    std::fs::write(&input, &issue).unwrap();
    let o = run(&[input.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    bbox_lines(&dir.path().join("grid.pdf"))
        .iter()
        .filter(|l| l.text.chars().all(|c| c == '国'))
        .map(|l| l.text.chars().count())
        .collect()
}

#[test]
fn the_strict_grid_sets_28_characters_a_line() {
    // First line indented two cells, then full lines of 28.
    let full = chars_per_line("[options]\ngrid = \"gbt9704\"\n");
    assert_eq!(full[0], 26, "{full:?}");
    assert!(full[1..full.len() - 1].iter().all(|&n| n == 28), "{full:?}");
    // And the default grid: 27.
    let full = chars_per_line("");
    assert_eq!(full[0], 25, "{full:?}");
    assert!(full[1..full.len() - 1].iter().all(|&n| n == 27), "{full:?}");
}
