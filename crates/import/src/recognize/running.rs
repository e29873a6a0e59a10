//! The running-heads pass: lines a paged document repeats at the top of
//! its pages (工作简报 第363期, 高教发展信息　第24期) are not text. They are
//! dropped, each listed for the report and the check on dropped lines.

use super::*;

/// Whether a line's evidence says it is a running head: a short line that
/// comes back three times or more (the first, in the masthead, stays), or
/// the first line at the top of a later page of a PDF that names the issue
/// (第 N 期) or comes back on another page.
fn running_head(p: &P, first: bool, index: usize) -> bool {
    let t = &p.text;
    let plain = !matches!(
        p.ev.pattern,
        Pattern::ColumnMarker | Pattern::TocHeader | Pattern::NoteLabel | Pattern::FooterFields
    ) && bulletin_model::body::heading_level(t).is_none()
        && byline_of(t).is_none()
        && !matches!(t.chars().last(), Some('：' | '。' | ':'))
        && !details_header(t);
    if !plain {
        return false;
    }
    let repeated = p.ev.repeats >= 3 && !(first && index < 12);
    let top = p.ev.page_top
        && p.len() <= 40
        && !ends_sentence(t)
        && (p.ev.pattern == Pattern::Number || p.ev.pages >= 2);
    repeated || top
}

/// Drops the running heads.
pub(super) fn running_heads(s: &mut State) {
    let mut seen: std::collections::HashSet<String> = Default::default();
    let mut kept = Vec::with_capacity(s.nodes.len());
    for (i, n) in std::mem::take(&mut s.nodes).into_iter().enumerate() {
        if let Node::P(p) = &n {
            let first = seen.insert(compact(&p.text));
            if running_head(p, first, i) {
                s.draft.dropped.push(format!("running head: {}", p.text));
                continue;
            }
        }
        kept.push(n);
    }
    s.nodes = kept;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Doc, Item, Para};

    fn pdf_line(text: &str, page: u32, y: f32) -> Item {
        Item::Para(Para {
            text: text.into(),
            page: Some(page),
            y: Some(y),
            page_height: Some(842.0),
            ..Para::default()
        })
    }

    fn texts(s: &State) -> Vec<&str> {
        s.nodes
            .iter()
            .filter_map(|n| match n {
                Node::P(p) => Some(p.text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_head_at_the_top_of_a_later_page_is_dropped_and_listed() {
        let doc = Doc {
            items: vec![
                pdf_line("高教发展信息", 1, 90.0),
                pdf_line("第24期", 1, 150.0),
                pdf_line("编者按：这是按语的开头，", 1, 700.0),
                pdf_line("高教发展信息　第24期", 2, 40.0),
                pdf_line("按语在下一页接着说完。", 2, 90.0),
            ],
            ..Doc::default()
        };
        let mut s = clean(doc);
        running_heads(&mut s);
        assert_eq!(
            texts(&s),
            [
                "高教发展信息",
                "第24期",
                "编者按：这是按语的开头，",
                "按语在下一页接着说完。"
            ]
        );
        assert_eq!(s.draft.dropped, ["running head: 高教发展信息　第24期"]);
    }

    #[test]
    fn a_title_at_the_top_of_a_page_stays() {
        let doc = Doc {
            items: vec![
                pdf_line("工作简报", 1, 90.0),
                pdf_line("第3期", 1, 150.0),
                pdf_line("正文。", 1, 700.0),
                pdf_line("我市召开春耕生产现场会", 2, 40.0),
                pdf_line("正文。", 2, 90.0),
            ],
            ..Doc::default()
        };
        let mut s = clean(doc);
        running_heads(&mut s);
        assert_eq!(texts(&s).len(), 5);
        assert!(s.draft.dropped.is_empty());
    }

    #[test]
    fn a_line_on_every_page_goes_but_its_first_time_in_the_masthead_stays() {
        let mut items = vec![Item::Para(Para {
            text: "工作简报".into(),
            ..Para::default()
        })];
        for _ in 0..3 {
            items.push(Item::Para(Para {
                text: "正文一段。".into(),
                ..Para::default()
            }));
            items.push(Item::Para(Para {
                text: "工作简报".into(),
                ..Para::default()
            }));
        }
        let mut s = clean(Doc {
            items,
            ..Doc::default()
        });
        running_heads(&mut s);
        assert_eq!(texts(&s).iter().filter(|t| **t == "工作简报").count(), 1);
        assert_eq!(s.draft.dropped.len(), 3);
    }
}
