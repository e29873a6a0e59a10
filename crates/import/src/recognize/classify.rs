//! Each line classified once, with its evidence: what it looks like (size
//! against the body's, colour, alignment), where it stands (its page, the
//! top or the bottom of it), how often it comes back across pages, and the
//! pattern its text matches. The passes read this state.

use super::*;

/// A node of the document after cleaning.
#[derive(Debug, Clone)]
pub(super) enum Node {
    P(P),
    Table(Table),
    Image(Image),
}

/// A line (a paragraph, a PDF line or run of lines, a table cell or a line
/// of a text box taken out of its container) with its evidence.
#[derive(Debug, Clone)]
pub(super) struct P {
    pub(super) text: String,
    pub(super) hints: Para,
    /// The lines of a paragraph the document broke by hand (a line break
    /// in a .docx title), each normalised.
    pub(super) lines: Vec<String>,
    /// What the line looks like and where it stands, filled by
    /// [`evidence`].
    pub(super) ev: Evidence,
}

/// Where a line came from, when it was inside a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Container {
    #[default]
    Flow,
    /// A cell of a table (its row, its column).
    Table { row: usize, col: usize },
}

/// The pattern a line's text matches, the first of these that does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Pattern {
    /// 【上情下达】, ※思想教育※.
    ColumnMarker,
    /// 本期要目, 目录.
    TocHeader,
    /// 编者按：….
    NoteLabel,
    /// 第 N 期 (with 总第 N 期, a year, a name before it).
    Number,
    /// 报：… 送：… 发：…, 责任编辑：….
    FooterFields,
    /// （张三）, (集团公司行政管理部 王世华).
    Byline,
    /// A line with a date in it.
    Date,
    #[default]
    Text,
}

/// What the classification found for a line.
#[derive(Debug, Clone, Default)]
pub(super) struct Evidence {
    /// The size against the body's (1.0: the body's size), when both are
    /// known.
    pub(super) scale: Option<f32>,
    pub(super) red: bool,
    pub(super) align: Align,
    /// The first line on a page after the first, in its top tenth.
    pub(super) page_top: bool,
    /// In the bottom sixth of its page.
    pub(super) page_bottom: bool,
    /// How many times a line of the same letters comes (short lines only).
    pub(super) repeats: usize,
    /// On how many pages it comes (a PDF's lines only).
    pub(super) pages: usize,
    pub(super) pattern: Pattern,
    pub(super) container: Container,
}

impl P {
    /// A line of the text with its reader's hints; its evidence comes from
    /// [`evidence`].
    pub(super) fn new(text: String, hints: Para, lines: Vec<String>) -> P {
        let pattern = pattern(&text);
        P {
            ev: Evidence {
                red: hints.red,
                align: hints.align,
                pattern,
                ..Evidence::default()
            },
            text,
            hints,
            lines,
        }
    }

    /// The paragraph as a title's lines: its own line breaks, or the parts
    /// a PDF's text put spaces between.
    pub(super) fn title_lines(&self) -> Vec<String> {
        if self.lines.len() > 1 {
            self.lines.clone()
        } else {
            split_title_spaces(&self.text)
        }
    }

    pub(super) fn len(&self) -> usize {
        nchars(&self.text)
    }
}

/// The pattern of a line's text.
pub(super) fn pattern(t: &str) -> Pattern {
    if column_marker(t).is_some() {
        Pattern::ColumnMarker
    } else if toc_header(t) {
        Pattern::TocHeader
    } else if note_label(t).is_some() {
        Pattern::NoteLabel
    } else if number_line(t).is_some() {
        Pattern::Number
    } else if !footer_fields(t).is_empty() {
        Pattern::FooterFields
    } else if byline_of(t).is_some() {
        Pattern::Byline
    } else if find_date(t).is_some() {
        Pattern::Date
    } else {
        Pattern::Text
    }
}

/// A paragraph's text.
pub(super) fn text_of(n: &Node) -> Option<String> {
    match n {
        Node::P(p) => Some(p.text.clone()),
        _ => None,
    }
}

/// The body's size: the median size of the long lines.
pub(super) fn body_size(nodes: &[Node]) -> Option<f32> {
    let mut sizes: Vec<f32> = nodes
        .iter()
        .filter_map(|n| match n {
            Node::P(p) if p.len() > 40 => p.hints.size,
            _ => None,
        })
        .collect();
    if sizes.is_empty() {
        return None;
    }
    sizes.sort_by(|a, b| a.total_cmp(b));
    Some(sizes[sizes.len() / 2])
}

/// Fills the evidence that needs the whole document: the size against the
/// body's, the place on the page, how often a line repeats and on how many
/// pages.
pub(super) fn evidence(nodes: &mut [Node], body_size: Option<f32>) {
    let mut counts: std::collections::HashMap<String, (usize, Vec<u32>)> = Default::default();
    for n in nodes.iter() {
        if let Node::P(p) = n {
            if p.len() <= 40 {
                let e = counts.entry(compact(&p.text)).or_default();
                e.0 += 1;
                if let Some(page) = p.hints.page {
                    if !e.1.contains(&page) {
                        e.1.push(page);
                    }
                }
            }
        }
    }
    let mut last_page = None;
    for n in nodes.iter_mut() {
        let Node::P(p) = n else { continue };
        let h = &p.hints;
        p.ev.scale = match (h.size, body_size) {
            (Some(s), Some(b)) if b > 0.0 => Some(s / b),
            _ => None,
        };
        let frac = match (h.y, h.page_height) {
            (Some(y), Some(ph)) if ph > 0.0 => Some(y / ph),
            _ => None,
        };
        let first_on_page = h.page.is_some() && h.page != last_page;
        if h.page.is_some() {
            last_page = h.page;
        }
        p.ev.page_top =
            first_on_page && h.page.is_some_and(|pg| pg > 1) && frac.is_some_and(|f| f < 0.1);
        p.ev.page_bottom = frac.is_some_and(|f| f > 0.85);
        if let Some((c, pages)) = counts.get(&compact(&p.text)) {
            p.ev.repeats = *c;
            p.ev.pages = pages.len();
        }
    }
}

/// The lines of a table taken as a container (a masthead or a footer laid
/// out in a borderless table): a row's cells on one line, set apart by a
/// full-width space, a bare label joined to its value (报 | 市委办公室 →
/// 报：市委办公室); a cell of several paragraphs gives a line each.
pub(super) fn table_lines(t: &Table) -> Vec<P> {
    let mut out = Vec::new();
    for (r, row) in t.rows.iter().enumerate() {
        let cells: Vec<Vec<String>> = row
            .iter()
            .map(|c| {
                c.text
                    .split('\n')
                    .map(|l| fix_punctuation(&normalize(l)).0)
                    .filter(|l| !l.is_empty())
                    .collect()
            })
            .collect();
        let mut line = |text: String, col: usize| {
            let mut p = P::new(
                text.clone(),
                Para {
                    text,
                    ..Para::default()
                },
                Vec::new(),
            );
            p.ev.container = Container::Table { row: r, col };
            out.push(p);
        };
        if cells.iter().any(|c| c.len() > 1) {
            for (col, c) in cells.into_iter().enumerate() {
                for l in c {
                    line(l, col);
                }
            }
            continue;
        }
        let mut text = String::new();
        for c in cells.iter().filter_map(|c| c.first()) {
            let bare_label = FOOTER_LABELS
                .iter()
                .any(|(l, _)| compact(&text).trim_end_matches(['：', ':']) == *l);
            if bare_label {
                if !text.ends_with(['：', ':']) {
                    text.push('：');
                }
            } else if !text.is_empty() {
                text.push('　');
            }
            text.push_str(c);
        }
        if !text.is_empty() {
            line(text, 0);
        }
    }
    out
}

/// Replaces the table at `at` by its lines.
pub(super) fn open_container(nodes: &mut Vec<Node>, at: usize) {
    let Some(Node::Table(t)) = nodes.get(at) else {
        return;
    };
    let lines: Vec<Node> = table_lines(t).into_iter().map(Node::P).collect();
    nodes.splice(at..=at, lines);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, page: u32, y: f32) -> Node {
        Node::P(P::new(
            text.into(),
            Para {
                text: text.into(),
                page: Some(page),
                y: Some(y),
                page_height: Some(842.0),
                size: Some(16.0),
                ..Para::default()
            },
            Vec::new(),
        ))
    }

    #[test]
    fn lines_get_their_pattern_place_and_repeats() {
        let mut nodes = vec![
            line("高教发展信息", 1, 80.0),
            line("第24期", 1, 140.0),
            line("【工作动态】", 1, 300.0),
            line("高教发展信息　第24期", 2, 40.0),
            line("正文继续。", 2, 90.0),
            line("高教发展信息　第24期", 3, 40.0),
        ];
        evidence(&mut nodes, Some(16.0));
        let ev: Vec<&Evidence> = nodes
            .iter()
            .map(|n| match n {
                Node::P(p) => &p.ev,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(ev[1].pattern, Pattern::Number);
        assert_eq!(ev[2].pattern, Pattern::ColumnMarker);
        assert_eq!(ev[4].pattern, Pattern::Text);
        assert!(!ev[0].page_top, "the first page has no running head");
        assert!(ev[3].page_top && ev[5].page_top);
        assert!(!ev[4].page_top, "only the first line of a page");
        assert_eq!((ev[3].repeats, ev[3].pages), (2, 2));
        assert_eq!(ev[0].scale, Some(1.0));
    }

    fn table(rows: &[&[&str]]) -> Table {
        Table {
            rows: rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|t| Cell {
                            text: t.to_string(),
                            colspan: 1,
                            rowspan: 1,
                        })
                        .collect()
                })
                .collect(),
            ..Table::default()
        }
    }

    #[test]
    fn radicals_are_mapped_and_counted() {
        let doc = Doc {
            items: vec![Item::Para(Para {
                text: "⼆〇⼆〇年⼆⽉⼗⽇，市⻓主持会议。".into(),
                ..Para::default()
            })],
            ..Doc::default()
        };
        let s = clean(doc);
        assert!(
            matches!(&s.nodes[..], [Node::P(p)] if p.text == "二〇二〇年二月十日，市长主持会议。")
        );
        assert_eq!(
            s.draft.repairs,
            [
                "7 look-alike radicals (Kangxi Radicals, CJK Radicals Supplement) mapped to the \
              ideographs they stand for"
            ]
        );
    }

    #[test]
    fn a_table_opens_into_lines() {
        let t = table(&[
            &["报", "市委办公室、市政府办公室"],
            &["送：", "各县（区）委"],
            &["协调小组办公室", "2020年2月10日印发"],
            &["工作简报\n第5期"],
        ]);
        let lines: Vec<(String, Pattern)> = table_lines(&t)
            .into_iter()
            .map(|p| (p.text, p.ev.pattern))
            .collect();
        assert_eq!(
            lines,
            [
                ("报：市委办公室、市政府办公室".into(), Pattern::FooterFields),
                ("送：各县（区）委".into(), Pattern::FooterFields),
                ("协调小组办公室　2020年2月10日印发".into(), Pattern::Date),
                ("工作简报".into(), Pattern::Text),
                ("第5期".into(), Pattern::Number),
            ]
        );
    }
}
