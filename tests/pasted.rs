//! Text pasted from Word or WPS: a paragraph a line (CRLF, full-width-space
//! indents), no-break spaces and tabs. Its paragraphs stay apart, its gaps
//! are normalised, and hand-wrapped bodies are still joined.

use crate::common::*;
use bulletin_render::content::Block;

/// An issue file with one article of this body (a `"""` string), saved with
/// CRLF line ends as Windows editors save it.
fn issue_text(body: &str) -> String {
    let text = format!(
        "[bulletin]\nname = \"工作简报\"\noffice = \"协调小组办公室\"\n\n[issue]\nnumber = 1\n\
         date = 2024-06-18\n\n[[articles]]\ntitle = \"标题\"\nbody = \"\"\"\n{body}\n\"\"\"\n\
         byline = \"石门村党支部\"\n"
    );
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

fn build(body: &str) -> bulletin_render::Data {
    let text = issue_text(body);
    let issue =
        bulletin_model::source::parse_issue(std::path::Path::new("pasted.toml"), text.as_bytes())
            .unwrap();
    let layout = bulletin_render::Layout::embedded_default();
    bulletin_render::data::build(
        &issue,
        &layout,
        &bulletin_render::content::Context::detached(std::path::Path::new("pasted.toml")),
    )
    .unwrap()
}

fn texts(data: &bulletin_render::Data) -> Vec<String> {
    data.columns[0].articles[0]
        .blocks
        .iter()
        .map(Block::text)
        .collect()
}

const P1: &str =
    "六月以来，石门村党支部围绕乡村振兴重点任务，组织党员干部深入田间地头，帮助群众解决实际困难。";
const P2: &str = "二是抓好人居环境整治。发动群众清理房前屋后，村容村貌明显改观。";
const P3: &str = "下一步，村党支部将持续巩固成果，推动各项工作落地见效。";

/// Three paragraphs on single line breaks, each indented with two
/// full-width spaces, as Word pastes them.
fn pasted_body() -> String {
    format!("　　{P1}\r\n　　{P2}\r\n　　{P3}")
}

#[test]
fn pasted_paragraphs_are_kept_apart() {
    let data = build(&pasted_body());
    assert_eq!(texts(&data), vec![P1, P2, P3]);
    assert!(data.warnings.is_empty(), "{:?}", data.warnings);
    // The lead is detected in the second paragraph as in any other.
    match &data.columns[0].articles[0].blocks[1] {
        Block::Para { lead, .. } => assert!(lead.is_some(), "{lead:?}"),
        b => panic!("{b:?}"),
    }
    // Warnings stay out of the layout's data.
    let json = serde_json::to_string(&data).unwrap();
    assert!(!json.contains("warnings"), "{json}");
}

#[test]
fn pasted_paragraphs_print_as_paragraphs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("pasted.toml");
    std::fs::write(&input, issue_text(&pasted_body())).unwrap();
    let pdf = tmp.path().join("pasted.pdf");
    let o = run(&[input.to_str().unwrap(), "-o", pdf.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = bbox_lines(&pdf);
    // Each paragraph starts a line of its own, indented like the others.
    let starts: Vec<&Line> = [P1, P2, P3]
        .iter()
        .map(|p| {
            let head: String = p.chars().take(6).collect();
            lines
                .iter()
                .find(|l| l.text.starts_with(&head))
                .unwrap_or_else(|| panic!("no line starts with {head}: {lines:#?}"))
        })
        .collect();
    let x = starts[0].x_min;
    for l in &starts {
        assert!((l.x_min - x).abs() < 0.5, "{l:?} not indented as {x}");
    }
    // The first paragraph's second line starts further left: the indent
    // is the layout's, and no full-width space is printed.
    let second = lines
        .iter()
        .find(|l| l.y_min > starts[0].y_min + 1.0 && l.page == starts[0].page)
        .unwrap();
    assert!(second.x_min < x - 10.0, "{second:?} vs {x}");
    assert!(!lines.iter().any(|l| l.text.contains('\u{3000}')));
}

#[test]
fn no_break_spaces_and_tabs_are_normalised() {
    let data = build("六月\u{a0}以来，共\u{a0}50\t户参加，\tWord\u{a0}\u{a0}文档。");
    assert_eq!(texts(&data), vec!["六月以来，共 50 户参加，Word 文档。"]);
}

#[test]
fn lone_carriage_returns_end_lines() {
    let data = build(&pasted_body().replace("\r\n", "\r"));
    assert_eq!(texts(&data), vec![P1, P2, P3]);
}

#[test]
fn hand_wrapped_bodies_are_still_joined() {
    let data = build(
        "六月以来，石门村党支部围绕\n乡村振兴重点任务。\n组织党员干部深入田间地头。\n\n第二段。",
    );
    assert_eq!(
        texts(&data),
        vec![
            "六月以来，石门村党支部围绕乡村振兴重点任务。组织党员干部深入田间地头。",
            "第二段。"
        ]
    );
    assert!(data.warnings.is_empty(), "{:?}", data.warnings);
}

#[test]
fn an_ambiguous_break_is_said_with_its_place() {
    // A heading without indent between indented paragraphs: its own
    // paragraph, and a warning naming the article and the line.
    let data = build(&format!("　　{P1}\n一、基本情况\n　　{P3}"));
    assert_eq!(texts(&data), vec![P1, "一、基本情况", P3]);
    assert_eq!(data.warnings.len(), 1, "{:?}", data.warnings);
    let w = &data.warnings[0];
    assert!(
        w.starts_with("article 1 「标题」: line 2 of the body:"),
        "{w}"
    );
}
