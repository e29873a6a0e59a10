//! Pagination as a careful typesetter would do it, on generated worst cases:
//! each case is laid out at every length that moves its critical line
//! through the positions of a page (a line at a time), and every layout is
//! checked. The layouts are made in this process (one session, one
//! renderer), so the sweep is quick.

use bulletin_render::document::page_lines;
use bulletin_render::{RenderOptions, Renderer, Session};

/// Filler text: 甲 is never in a title, a byline or the footer.
fn filler(lines: usize) -> String {
    // 27 characters a line on the issue-363 grid.
    "甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚".repeat(lines)
}

/// A line of filler text.
fn is_filler(line: &str) -> bool {
    line.chars().any(|c| "甲乙丙丁戊己庚辛壬癸".contains(c))
}

struct Page {
    lines: Vec<(f64, String)>,
}

impl Page {
    /// The lines of the type block: page numbers (— N —) left out.
    fn body(&self) -> Vec<&str> {
        self.lines
            .iter()
            .map(|(_, t)| t.as_str())
            .filter(|t| !(t.starts_with('—') && t.ends_with('—')))
            .collect()
    }
}

fn lay_out(issue: &str) -> (Vec<Page>, Vec<String>) {
    thread_local! {
        static SESSION: &'static Session =
            Box::leak(Box::new(Session::new(&Default::default()).unwrap()));
    }
    let session = SESSION.with(|s| *s);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("issue.toml");
    std::fs::write(&path, issue).unwrap();
    let opts = RenderOptions::default();
    let mut renderer = Renderer::new(session);
    let r = renderer.render_file(&path, &opts).unwrap();
    let pages = r
        .document
        .pages()
        .iter()
        .map(|p| Page {
            lines: page_lines(&p.frame),
        })
        .collect();
    (pages, r.warnings.iter().map(ToString::to_string).collect())
}

const HEAD: &str = "[bulletin]\nname = \"工作简报\"\noffice = \"协调小组办公室\"\n\n[issue]\nnumber = 1\ndate = 2021-03-04\n\n[options]\ntoc = false\n";

const FOOTER: &str = "\n[footer]\nbao = \"市委、市政府领导同志\"\nsong = \"市委各部委办局\"\nfa = \"各县（区）委\"\nprint_date = 2021-03-04\ncopies = 120\n";

/// An article whose body is `before` lines of filler, then `para`.
fn article(title: &str, body: &str, byline: Option<&str>) -> String {
    let mut s = format!("\n[[articles]]\ntitle = \"{title}\"\nbody = \"\"\"\n{body}\n\"\"\"\n");
    if let Some(b) = byline {
        s.push_str(&format!("byline = \"{b}\"\n"));
    }
    s
}

#[test]
fn a_byline_never_stands_alone_at_the_top_of_a_page() {
    let mut broke = 0;
    for lines in 14..40 {
        let issue = format!(
            "{HEAD}{}",
            article(
                "标题",
                &format!("{}\n\n{}", filler(lines), filler(3)),
                Some("供稿单位")
            )
        );
        let (pages, _) = lay_out(&issue);
        let (n, page) = pages
            .iter()
            .enumerate()
            .find(|(_, p)| p.body().iter().any(|l| l.contains("（供稿单位）")))
            .expect("the byline");
        let body = page.body();
        let at = body
            .iter()
            .position(|l| l.contains("（供稿单位）"))
            .unwrap();
        assert!(
            at >= 1 && is_filler(body[at - 1]),
            "filler of {lines} lines: the byline is alone at the top of page {}: {body:?}",
            n + 1
        );
        if n > 0 {
            broke += 1;
        }
    }
    assert!(broke > 0, "no case put the byline on a later page");
}

#[test]
fn no_paragraph_leaves_a_single_line_at_a_page_end_or_start() {
    for lines in 14..40 {
        // A paragraph of 8 lines that slides through the page break.
        let issue = format!(
            "{HEAD}{}",
            article(
                "标题",
                &format!("{}\n\n乙{}", filler(lines), filler(8)),
                None
            )
        );
        let (pages, _) = lay_out(&issue);
        if pages.len() < 2 {
            continue;
        }
        // The second paragraph starts with 乙乙: its lines on each page.
        let first = pages[0].body();
        let second = pages[1].body();
        let start = first.iter().position(|l| l.starts_with("乙甲"));
        if let Some(i) = start {
            let on_first = first.len() - i;
            assert!(
                on_first >= 2 && (second.is_empty() || second.len() >= 2),
                "filler of {lines} lines: {on_first} line(s) at the foot of page 1, {} at the top \
                 of page 2",
                second.len()
            );
        }
    }
}

#[test]
fn a_heading_or_title_never_ends_a_page() {
    for lines in 14..40 {
        let issue = format!(
            "{HEAD}{}{}",
            article(
                "第一篇",
                &format!("{}\n\n一、总体要求\n\n{}", filler(lines), filler(4)),
                None
            ),
            article("第二篇", &filler(4), None)
        );
        let (pages, _) = lay_out(&issue);
        for (n, p) in pages.iter().enumerate() {
            let body = p.body();
            let Some(last) = body.last() else { continue };
            assert!(
                !last.contains("一、总体要求") && !last.contains("第二篇"),
                "filler of {lines} lines: page {} ends with {last:?}",
                n + 1
            );
            // A heading keeps at least two lines of its text with it.
            if let Some(i) = body.iter().position(|l| l.contains("一、总体要求")) {
                assert!(
                    body.len() - i > 2,
                    "filler of {lines} lines: the heading on page {} has {} line(s) under it",
                    n + 1,
                    body.len() - i - 1
                );
            }
        }
    }
}

#[test]
fn a_footer_alone_on_its_page_is_reported() {
    let mut alone = 0;
    for lines in 8..34 {
        let issue = format!(
            "{HEAD}{}{FOOTER}",
            article("标题", &filler(lines), Some("供稿单位"))
        );
        let (pages, warnings) = lay_out(&issue);
        let last = pages.last().unwrap().body();
        if std::env::var("DEBUG_PAGES").is_ok() {
            for p in &pages {
                eprintln!("{lines}: {:?}", p.body());
            }
        }
        let footer_only = last
            .iter()
            .all(|l| !is_filler(l) && !l.contains("供稿单位"));
        let warned = warnings.iter().any(|w| w.contains("报尾"));
        assert_eq!(
            footer_only, warned,
            "filler of {lines} lines: the footer alone on the last page: {footer_only}, \
             warned: {warned} ({warnings:?})"
        );
        if footer_only {
            alone += 1;
            assert!(
                warnings
                    .iter()
                    .any(|w| w.contains(&format!("page {}", pages.len()))),
                "{warnings:?}"
            );
        }
    }
    assert!(alone > 0, "no case put the footer on a page of its own");
}
