//! Archive-grade PDFs: metadata, bookmarks, PDF/A, extractable text and
//! reproducible bytes, checked with pdfinfo, qpdf and pdftotext.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::*;
use bulletin_render::content::Block;

fn example() -> PathBuf {
    root().join("examples/issue-363.toml")
}

/// The example rendered twice (two processes) and once as PDF/A-2b.
fn pdfs() -> &'static (PathBuf, PathBuf, PathBuf) {
    static PDFS: OnceLock<(PathBuf, PathBuf, PathBuf)> = OnceLock::new();
    PDFS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let render = |name: &str, extra: &[&str]| {
            let out = dir.join(name);
            let mut args = vec![example().to_str().unwrap().to_string(), "-o".into()];
            args.push(out.to_str().unwrap().into());
            args.extend(extra.iter().map(|s| s.to_string()));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let o = run(&args);
            assert!(o.status.success(), "{name}: {}", stderr(&o));
            out
        };
        (
            render("a.pdf", &[]),
            render("b.pdf", &[]),
            render("pdfa.pdf", &["--pdf-standard", "a-2b"]),
        )
    })
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn metadata_names_the_issue_the_office_and_the_language() {
    let pdf = &pdfs().0;
    let info = tool_stdout("pdfinfo", &[s(pdf)]);
    let field = |name: &str| {
        info.lines()
            .find(|l| l.starts_with(&format!("{name}:")))
            .map(|l| l[name.len() + 1..].trim().to_string())
            .unwrap_or_else(|| panic!("no {name} in:\n{info}"))
    };
    assert_eq!(field("Title"), "工作简报 第363期");
    assert_eq!(field("Author"), "协调小组办公室");
    assert_eq!(field("Keywords"), "上情下达, 经验交流, 学习动态");
    assert!(field("Subject").contains("徐州：建立健全“四学机制”保障学习走深走实"));
    assert!(field("CreationDate").contains("Feb 10") && field("CreationDate").contains("2020"));
    assert_eq!(field("Tagged"), "yes");
    let meta = tool_stdout("pdfinfo", &["-meta", s(pdf)]);
    assert!(meta.contains("<rdf:li>zh-CN</rdf:li>"), "{meta}");
    let raw = std::fs::read(pdf).unwrap();
    assert!(contains(&raw, b"/Lang(zh-CN)"));
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_outline_has_the_columns_and_their_articles_and_opens_shown() {
    let pdf = &pdfs().0;
    let json = tool_stdout("qpdf", &["--json", "--json-key=outlines", s(pdf)]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let outlines = v["outlines"].as_array().unwrap();
    let titles: Vec<&str> = outlines
        .iter()
        .map(|o| o["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["【上情下达】", "【经验交流】", "【学习动态】"]);
    let kids: Vec<Vec<String>> = outlines
        .iter()
        .map(|o| {
            o["kids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["title"].as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    assert_eq!(kids[0].len(), 2);
    assert_eq!(
        kids[0][0],
        "中央政治局常委会研究加强新型冠状病毒感染的肺炎疫情防控工作"
    );
    assert!(kids[0][1].starts_with("省委常委会学习贯彻习近平总书记"));
    assert_eq!(kids[1], ["徐州：建立健全“四学机制”保障学习走深走实"]);
    assert_eq!(kids[2].len(), 2);
    // Each article's bookmark opens the page its title is on.
    let lines = bbox_lines(pdf);
    for o in outlines {
        for k in o["kids"].as_array().unwrap() {
            let page = k["destpageposfrom1"].as_u64().unwrap() as usize;
            let title = k["title"].as_str().unwrap();
            let head: String = title.chars().take(8).collect();
            assert!(
                lines
                    .iter()
                    .any(|l| l.page == page && l.text.starts_with(&head)),
                "{title} is not on page {page}"
            );
        }
    }
    // The viewer opens with the outline shown, and the file stays valid.
    let raw = std::fs::read(pdf).unwrap();
    assert!(contains(&raw, b"/PageMode/UseOutlines"));
    let check = tool("qpdf", &["--check", s(pdf)]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn pdf_a_2b_is_declared_and_valid() {
    let pdf = &pdfs().2;
    let meta = tool_stdout("pdfinfo", &["-meta", s(pdf)]);
    assert!(meta.contains("<pdfaid:part>2</pdfaid:part>"), "{meta}");
    assert!(
        meta.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
        "{meta}"
    );
    let check = tool("qpdf", &["--check", s(pdf)]);
    assert!(check.status.success());
    // The masthead is still red (sRGB in PDF/A): the text is all there.
    let text = pdf_text_compact(pdf);
    assert!(text.contains("工作简报第363期"), "{text}");
}

#[test]
fn two_renders_are_byte_identical() {
    let (a, b, _) = pdfs();
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(a.len() > 10_000);
    assert!(a == b, "two renders of the same issue differ");
}

/// `watch` exports again and again in one process, keeping its world (the
/// parsed layout) and krilla's memoized font subsets. An export served from
/// those caches, after an edit and its undo, must be byte for byte the
/// export of a fresh process, and a valid PDF whose fonts read back.
#[test]
fn exports_in_one_process_match_a_fresh_process() {
    let (fresh, _, _) = pdfs();
    let dir = tempfile::tempdir().unwrap();
    let issue = dir.path().join("issue-363.toml");
    let original = std::fs::read_to_string(example()).unwrap();
    let session = bulletin_render::Session::new(&Default::default()).unwrap();
    let opts = bulletin_render::RenderOptions::default();
    // One renderer, as `watch` keeps one: its world is reused.
    let renderer = std::cell::RefCell::new(bulletin_render::Renderer::new(&session));
    let export = |text: &str| {
        std::fs::write(&issue, text).unwrap();
        let r = renderer.borrow_mut().render_file(&issue, &opts).unwrap();
        bulletin_render::export_pdf(&r).unwrap()
    };
    let anchor = "不断提升中心组学习科学化规范化水平";
    // 鼠 is not in the issue: the edit changes the 仿宋 subset.
    assert!(original.contains(anchor) && !original.contains('鼠'));
    let first = export(&original);
    let edited = export(&original.replacen(anchor, &format!("{anchor}（鼠）"), 1));
    let again = export(&original);
    assert!(
        first == std::fs::read(fresh).unwrap(),
        "differs from a fresh process"
    );
    assert!(again == first, "an export served from the caches differs");
    assert!(edited != first);

    let out = dir.path().join("edited.pdf");
    std::fs::write(&out, &edited).unwrap();
    assert!(tool("qpdf", &["--check", s(&out)]).status.success());
    assert!(pdf_text_compact(&out).contains(&format!("{anchor}（鼠）")));
    let fonts = tool_stdout("pdffonts", &[s(&out)]);
    let embedded = fonts.lines().filter(|l| l.contains("Fandol")).count();
    assert_eq!(embedded, 5, "{fonts}");
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0x3000..=0x303F | 0xFF00..=0xFFEF)
}

#[test]
fn every_article_extracts_as_its_input_without_spurious_spaces() {
    let pdf = &pdfs().0;
    let raw_text = tool_stdout("pdftotext", &[s(pdf), "-"]);
    // No space between two Chinese characters anywhere.
    for line in raw_text.lines() {
        let cs: Vec<char> = line.chars().collect();
        for w in cs.windows(3) {
            assert!(
                !(is_cjk(w[0]) && w[1] == ' ' && is_cjk(w[2])),
                "spurious space in: {line}"
            );
        }
    }
    let text: String = raw_text.chars().filter(|c| !c.is_whitespace()).collect();
    let text = without_page_numbers(&text);
    let issue = bulletin_model::source::read_issue(&example()).unwrap();
    let layout = bulletin_render::Layout::embedded_default();
    let data = bulletin_render::data::build(
        &issue,
        &layout,
        &bulletin_render::content::Context::detached(&example()),
    )
    .unwrap();
    // Start after the TOC: at the body's first column marker.
    let mut pos = text.match_indices("【上情下达】").nth(1).expect("body").0;
    let mut n = 0;
    for col in &data.columns {
        for a in &col.articles {
            let mut pieces = vec![a.title_lines.concat()];
            pieces.extend(a.blocks.iter().map(Block::text));
            pieces.extend(a.byline.iter().map(|b| format!("（{b}）")));
            for piece in pieces {
                let piece: String = piece.chars().filter(|c| !c.is_whitespace()).collect();
                let at = text[pos..]
                    .find(&piece)
                    .unwrap_or_else(|| panic!("article text not found in order: {piece}"));
                pos += at + piece.len();
                n += 1;
            }
        }
    }
    assert!(n > 25);
}
