//! The columns-and-articles pass: the text after the contents read in
//! order into columns (from markers, or from the contents) and articles
//! (titles by the contents, by their hints, by position or indentation;
//! bodies of paragraphs, lists, tables and figures; bylines). Each kind of
//! line is a step; the first step that takes a line decides it.

use super::*;

/// What the steps read: the nodes, the contents, the body's size.
pub(super) struct Cx<'n> {
    pub(super) nodes: &'n [Node],
    pub(super) toc: &'n Toc,
    pub(super) body_size: Option<f32>,
}

/// The steps a paragraph goes through, in order; the first that takes it
/// returns where the next node is.
type Step = fn(&mut Builder<'_>, &Cx<'_>, usize, &P) -> Option<usize>;

const STEPS: [Step; 10] = [
    column_step,
    note_step,
    byline_step,
    toc_title_step,
    hint_title_step,
    position_title_step,
    indent_title_step,
    bullet_list_step,
    list_step,
    caption_step,
];

/// Reads the columns and articles.
pub(super) fn articles(s: &mut State, stem: &str) {
    let State {
        draft,
        nodes,
        footnotes,
        toc,
        body_size,
        body_start,
        ..
    } = s;
    let titles = toc.titles();
    let mut b = Builder {
        draft,
        column: None,
        open: false,
        closed: false,
        pending_note: None,
        paras: Vec::new(),
        footnotes,
        figure_no: 0,
        stem: stem.to_string(),
        matched: vec![false; titles.len()],
        titles,
        next_title: 0,
        last_table_page: None,
    };
    let cx = Cx {
        nodes,
        toc,
        body_size: *body_size,
    };
    let mut i = *body_start;
    while i < cx.nodes.len() {
        i = match &cx.nodes[i] {
            Node::Table(t) => table_step(&mut b, &cx, i, t),
            Node::Image(_) => images_step(&mut b, &cx, i),
            Node::P(p) => paragraph(&mut b, &cx, i, p),
        };
    }
    end(&mut b);
}

/// A paragraph: the first step that takes it, or body text.
fn paragraph(b: &mut Builder<'_>, cx: &Cx<'_>, i: usize, p: &P) -> usize {
    for step in STEPS {
        if let Some(next) = step(b, cx, i, p) {
            return next;
        }
    }
    let t = with_bold(p);
    // A byline at the end of the paragraph (……取得实效。（丁明强撰稿）) ends
    // the article: the next short line may be a title.
    let ends = ends_with_byline(&p.text).is_some();
    b.body_para(t, p.hints.clone());
    if ends {
        b.finish_article();
        b.closed = true;
    }
    i + 1
}

/// The end of the text: the last article finished, the contents' titles
/// no article was found for, a note with no article after it.
fn end(b: &mut Builder<'_>) {
    b.finish_article();
    // TOC titles with no article: the contents were read wrongly, or an
    // article was missed.
    let lost: Vec<String> = b
        .titles
        .iter()
        .zip(&b.matched)
        .filter(|(_, m)| !**m)
        .map(|((_, t), _)| t.clone())
        .collect();
    let found_titles: Vec<String> = b
        .draft
        .issue
        .columns
        .iter()
        .flat_map(|c| &c.articles)
        .map(|a| letters(&a.title))
        .collect();
    let lost: Vec<String> = lost
        .into_iter()
        .filter(|t| !found_titles.iter().any(|f| likeness(f, t) >= 0.8))
        .collect();
    if !lost.is_empty() {
        b.draft.checks.push(Check {
            at: KeyPath::File,
            message: format!(
                "the table of contents was used and dropped, but no article was found for \
                 these of its titles: {} — check that nothing was lost",
                lost.iter()
                    .map(|t| format!("「{t}」"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        });
    }
    if let Some(note) = b.pending_note.take() {
        // A note at the very end with no article after it.
        b.ensure_column();
        b.start_article("（待补：标题）".into());
        if let Some(a) = b.cur() {
            let paras: Vec<String> = note.text.split("\n\n").map(str::to_string).collect();
            blocks_mut(a).push(text_block(&paras));
        }
        let at = b.at();
        b.draft.checks.push(Check {
            at,
            message: "an editor's note with no article after it: kept as an article".into(),
        });
        b.finish_article();
    }
}

/// A run of images (two side by side come one after the other), then their
/// captions (图1 …): figures.
fn images_step(b: &mut Builder<'_>, cx: &Cx<'_>, mut i: usize) -> usize {
    // A run of images (two side by side come one after the
    // other), then their captions (图1 …).
    let mut run: Vec<(String, Option<f32>)> = Vec::new();
    while let Some(Node::Image(img)) = cx.nodes.get(i) {
        b.figure_no += 1;
        let usable = image_kind(&img.data);
        let ext = match usable {
            Some(e) => e.to_string(),
            None if img.ext.is_empty() => "bin".to_string(),
            None => img
                .ext
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .take(8)
                .collect::<String>()
                .to_ascii_lowercase(),
        };
        let rel = format!("{}-files/img-{}.{ext}", b.stem, b.figure_no);
        b.draft.images.push((rel.clone(), img.data.clone()));
        i += 1;
        if usable.is_none() {
            // Kept beside the issue, but no figure: the layout
            // can print only PNG, JPEG and SVG.
            if !b.open {
                b.body_para_placeholder();
            }
            let at = b.at();
            b.draft.checks.push(Check {
                at,
                message: format!(
                    "an image that is not PNG, JPEG or SVG (or is damaged) was left \
                     out of the text; it is saved as {rel}: convert it to PNG and \
                     add a figure block (image = \"…png\") where it belongs"
                ),
            });
            continue;
        }
        run.push((rel, img.width_mm));
    }
    let mut captions: Vec<String> = Vec::new();
    while let Some(Node::P(p)) = cx.nodes.get(i) {
        if captions.len() >= run.len().max(1) {
            break;
        }
        if !figure_caption(&p.text) {
            if !looks_like_caption(p, b) {
                break;
            }
            let at = b.at();
            b.draft.checks.push(Check {
                at,
                message: format!(
                    "the centred line under the photo, 「{}」, was taken as its caption: \
                     check it, or move it back into the text",
                    p.text
                ),
            });
        }
        captions.push(p.text.clone());
        i += 1;
    }
    let mut captions = captions.into_iter();
    let mut k = 0;
    while k < run.len() {
        if k + 1 < run.len() {
            let pair: Vec<FigureImage> = run[k..k + 2]
                .iter()
                .map(|(rel, _)| FigureImage {
                    image: Spanned::new(0..0, rel.clone()),
                    caption: captions.next(),
                    width: None,
                })
                .collect();
            b.block(BodyBlock {
                images: Some(pair),
                ..Default::default()
            });
            k += 2;
        } else {
            let (rel, width_mm) = run[k].clone();
            // In whole millimetres, at most the type block's 156.
            let width = width_mm
                .filter(|w| w.is_finite() && *w > 1.0)
                .and_then(|w| format!("{:.0}", w.min(156.0)).parse::<f64>().ok())
                .map(Width::mm);
            b.block(BodyBlock {
                image: Some(Spanned::new(0..0, rel)),
                caption: captions.next(),
                width,
                ..Default::default()
            });
            k += 1;
        }
    }
    i
}

/// A column marker (【上情下达】), a contents heading left in the text, or
/// a line naming a group of the contents (一、上情下达).
pub(super) fn column_step(b: &mut Builder<'_>, cx: &Cx<'_>, mut i: usize, p: &P) -> Option<usize> {
    let text = p.text.clone();
    // Column markers.
    if let Some(name) = column_marker(&text) {
        b.start_column(name);
        i += 1;
        return Some(i);
    }
    // A column named after a leading mark (■ 要情动态), where an article
    // may start: not within an article's text (lists there look the same),
    // unless the line stands out (bold, centred or larger than the body).
    if let Some(name) = marked_column(&text) {
        let has_body = !b.paras.is_empty() || b.cur().is_some_and(|a| !blocks(a).is_empty());
        let within = b.open && !b.closed && has_body;
        let stands_out = !p.hints.bold.is_empty()
            || matches!(p.ev.align, Align::Center)
            || p.ev.scale.is_some_and(|s| s > 1.05);
        if !within || stands_out {
            b.start_column(name);
            i += 1;
            return Some(i);
        }
    }
    if toc_header(&text) || details_header(&text) {
        i += 1;
        return Some(i);
    }
    // 一、栏目名 or a bare name that is a TOC group.
    if let Some(g) = toc_group_line(&text, cx.toc) {
        if let Some(name) = cx.toc.groups[g].0.clone() {
            let here = b
                .column
                .and_then(|c| column_name(&b.draft.issue.columns[c]))
                .is_some_and(|n| letters(n) == letters(&name));
            if !here {
                b.start_column(text_without_number(&text));
                i += 1;
                return Some(i);
            }
        }
    }
    None
}

/// A byline ending the article: （张三）, a short right-aligned line.
pub(super) fn byline_step(b: &mut Builder<'_>, _cx: &Cx<'_>, mut i: usize, p: &P) -> Option<usize> {
    let text = p.text.clone();
    // Bylines.
    let has_body = !b.paras.is_empty() || b.cur().is_some_and(|a| !blocks(a).is_empty());
    if b.open && has_body && !table_caption(&text) && !figure_caption(&text) {
        let right = matches!(p.ev.align, Align::Right)
            && p.len() <= 40
            && !ends_sentence(&text)
            && bulletin_model::body::heading_level(&text).is_none();
        let by = byline_of(&text).or_else(|| right.then(|| unbracket(&text)));
        if let Some(by) = by {
            b.flush_text();
            if let Some(a) = b.cur() {
                a.byline = Some(by);
            }
            b.finish_article();
            b.closed = true;
            i += 1;
            return Some(i);
        }
    }
    None
}

/// A title the contents name (perhaps over several lines), and the column
/// the contents put it in.
pub(super) fn toc_title_step(
    b: &mut Builder<'_>,
    cx: &Cx<'_>,
    mut i: usize,
    _p: &P,
) -> Option<usize> {
    // Titles from the TOC.
    if !b.titles.is_empty() {
        if let Some((k, used, lines)) = match_title(cx.nodes, i, &b.titles, b.next_title) {
            let (group, toc_title) = b.titles[k].clone();
            b.next_title = k + 1;
            b.matched[k] = true;
            let want = cx.toc.groups[group].0.clone();
            let here = b
                .column
                .and_then(|c| column_name(&b.draft.issue.columns[c]))
                .map(letters);
            if let Some(want) = want {
                if here != Some(letters(&want)) {
                    b.start_column(want.clone());
                    let at = KeyPath::Column(b.draft.issue.columns.len() - 1);
                    b.draft.checks.push(Check {
                        at,
                        message: format!(
                            "column 【{want}】 inferred from the table of contents (no \
                             column marker before this article)"
                        ),
                    });
                }
            }
            let title = lines.join("\n");
            b.start_article(title.clone());
            // Lines joined into a title the TOC confirms: no guess.
            if letters(&title) != letters(&toc_title) {
                if let Some(a) = b.cur() {
                    a.toc_title = Some(toc_title);
                }
            }
            i += used;
            return Some(i);
        }
    }
    None
}

/// A title by its hints: a .docx title style, a large centred line.
pub(super) fn hint_title_step(
    b: &mut Builder<'_>,
    cx: &Cx<'_>,
    mut i: usize,
    p: &P,
) -> Option<usize> {
    // Titles by their hints (a .docx style, a large centred line).
    if title_hint(&p.hints, cx.body_size) && p.len() <= 80 {
        let mut lines = p.title_lines();
        let mut j = i + 1;
        while let Some(Node::P(q)) = cx.nodes.get(j) {
            if title_hint(&q.hints, cx.body_size) && q.hints.size == p.hints.size && q.len() <= 80 {
                lines.extend(q.title_lines());
                j += 1;
            } else {
                break;
            }
        }
        b.start_article(lines.join("\n"));
        i = j;
        return Some(i);
    }
    None
}

/// A title by position: the first short line of a column, after a byline,
/// or at the start (a second short line joined, with a check).
pub(super) fn position_title_step(
    b: &mut Builder<'_>,
    cx: &Cx<'_>,
    mut i: usize,
    p: &P,
) -> Option<usize> {
    let text = p.text.clone();
    // Titles by position: the first short line of a column, or after a
    // byline, or at the start.
    let fresh = !b.open || b.closed;
    if fresh && is_title_like(&text) {
        let mut lines = p.title_lines();
        let mut used = 1;
        // A title over two lines: a second short line, then the text.
        if let (Some(Node::P(q)), Some(Node::P(r))) = (cx.nodes.get(i + 1), cx.nodes.get(i + 2)) {
            let two = is_title_like(&q.text)
                && note_label(&q.text).is_none()
                && byline_of(&q.text).is_none()
                && (r.len() > q.len() || ends_sentence(&r.text) || note_label(&r.text).is_some())
                && p.len() + q.len() <= 70
                && !matches!(q.text.chars().last(), Some('：' | ':'))
                && find_date(&q.text).is_none();
            let sub = q.text.starts_with("——") || q.text.starts_with("—");
            if two || (sub && q.len() <= 40) {
                lines.extend(q.title_lines());
                used = 2;
            }
        }
        b.start_article(lines.join("\n"));
        if used == 2 {
            let at = b.at();
            b.draft.checks.push(Check {
                at,
                message: "title joined from two lines: if the second line is the start of \
                          the text, move it into the body"
                    .into(),
            });
        }
        i += used;
        return Some(i);
    }
    None
}

/// A title by indentation: the body's paragraphs are indented, and a
/// short line that is not comes after a finished sentence, before an
/// indented paragraph (with a check).
pub(super) fn indent_title_step(
    b: &mut Builder<'_>,
    cx: &Cx<'_>,
    mut i: usize,
    p: &P,
) -> Option<usize> {
    let text = p.text.clone();
    // A title by indentation: the body's paragraphs are indented, and a
    // short line that is not comes after a finished sentence, before an
    // indented paragraph.
    if b.open && !b.closed && is_title_like(&text) && !ends_sentence(&text) {
        let unindented = p.hints.indent.is_none_or(|x| x < 8.0);
        let prev_indented = b
            .paras
            .last()
            .is_some_and(|(t, h)| h.indent.is_some_and(|x| x >= 16.0) && ends_sentence(t));
        let next_indented = matches!(cx.nodes.get(i + 1), Some(Node::P(q))
            if q.hints.indent.is_some_and(|x| x >= 16.0) && q.len() > p.len());
        if unindented && prev_indented && next_indented {
            b.start_article(text.clone());
            let at = b.at();
            b.draft.checks.push(Check {
                at,
                message: "a new article is assumed here: a short line that is not indented \
                          among indented paragraphs (no byline or contents marked it)"
                    .into(),
            });
            i += 1;
            return Some(i);
        }
    }
    None
}

/// A list of bulleted lines (• ● ◆ …), two or more.
pub(super) fn bullet_list_step(
    b: &mut Builder<'_>,
    cx: &Cx<'_>,
    mut i: usize,
    p: &P,
) -> Option<usize> {
    let text = p.text.clone();
    // Lists.
    if bullet(&text).is_some()
        && p.hints.list.is_none()
        && matches!(cx.nodes.get(i + 1), Some(Node::P(q)) if bullet(&q.text).is_some())
    {
        let mut items = Vec::new();
        while let Some(Node::P(q)) = cx.nodes.get(i) {
            match bullet(&q.text) {
                Some(t) => items.push(ListItem::Text(t.to_string())),
                None => break,
            }
            i += 1;
        }
        b.block(BodyBlock {
            items: Some(items),
            ..Default::default()
        });
        return Some(i);
    }
    None
}

/// A list the reader marked: a .docx list, or a PDF's hanging indents
/// under a line that announces it (with a check).
pub(super) fn list_step(b: &mut Builder<'_>, cx: &Cx<'_>, mut i: usize, p: &P) -> Option<usize> {
    let text = p.text.clone();
    // A PDF's list (markers with hanging indents): only under a
    // paragraph that announces it (ending with "："), markers stripped.
    let pdf_list = p.hints.page.is_some()
        && p.hints.list.is_some_and(|(level, _)| level == 0)
        && strip_list_marker(&text).is_some()
        && matches!(cx.nodes.get(i + 1), Some(Node::P(q))
            if q.hints.list.is_some() && strip_list_marker(&q.text).is_some())
        && b.paras
            .last()
            .is_some_and(|(t, _)| t.trim_end().ends_with(['：', ':']));
    if p.hints.list.is_some() && p.hints.page.is_some() && !pdf_list {
        // Not announced: the lines stay text.
    } else if let Some((_, numbered)) = p.hints.list {
        let mut items: Vec<(String, Vec<String>)> = Vec::new();
        let first = i;
        while let Some(Node::P(q)) = cx.nodes.get(i) {
            let Some((level, _)) = q.hints.list else {
                break;
            };
            let t = if pdf_list {
                match strip_list_marker(&with_bold(q)) {
                    Some((t, _)) => t,
                    None => break,
                }
            } else if numbered {
                // Word's label (1. （1）) is in the text as Word draws
                // it; the layout numbers the items itself.
                let t = with_bold(q);
                strip_list_marker(&t).map_or(t, |(rest, _)| rest)
            } else {
                with_bold(q)
            };
            match (level, items.last_mut()) {
                (l, Some(last)) if l > 0 => last.1.push(t),
                _ => items.push((t, Vec::new())),
            }
            i += 1;
        }
        let items = items
            .into_iter()
            .map(|(text, items)| {
                if items.is_empty() {
                    ListItem::Text(text)
                } else {
                    ListItem::Nested(NestedItem { text, items })
                }
            })
            .collect();
        b.block(BodyBlock {
            items: Some(items),
            numbered: numbered.then_some(true),
            ..Default::default()
        });
        if pdf_list {
            let at = b.at();
            b.draft.checks.push(Check {
                at,
                message: format!(
                    "a numbered list was read from the PDF's hanging indents ({} items from \
                     「{}」): check that these are list items, not headings or paragraphs",
                    i - first,
                    cx.nodes
                        .get(first)
                        .and_then(text_of)
                        .map(|t| t.chars().take(12).collect::<String>())
                        .unwrap_or_default()
                ),
            });
        }
        return Some(i);
    }
    None
}

/// A figure caption with no image before it: kept in the text, with a
/// check that says the figure was not imported.
pub(super) fn caption_step(
    b: &mut Builder<'_>,
    _cx: &Cx<'_>,
    mut i: usize,
    p: &P,
) -> Option<usize> {
    let text = p.text.clone();
    // A figure caption with no image before it: the figure could not be
    // imported (a vector drawing in a PDF, an image left out).
    if figure_caption(&text) {
        let t = with_bold(p);
        b.body_para(t, p.hints.clone());
        let at = b.at();
        b.draft.checks.push(Check {
            at,
            message: format!(
                "a figure caption without its image: 「{text}」 — the figure (a vector \
                 drawing in a PDF, or an image that could not be read) was not imported; \
                 save it as an image file and replace this line with a figure block \
                 (image = \"…\", caption = \"…\")"
            ),
        });
        i += 1;
        return Some(i);
    }
    None
}

/// The article being built.
pub(super) struct Builder<'a> {
    pub(super) draft: &'a mut Work,
    /// Index of the column articles go to.
    pub(super) column: Option<usize>,
    /// The current article is open (may take body paragraphs).
    pub(super) open: bool,
    /// The current article has ended (a byline was seen).
    pub(super) closed: bool,
    pub(super) pending_note: Option<Note>,
    /// Paragraphs of the current text block.
    pub(super) paras: Vec<(String, Para)>,
    pub(super) footnotes: &'a [(String, String)],
    pub(super) figure_no: usize,
    pub(super) stem: String,
    /// The contents' titles (group, title), which of them were found, and
    /// the next one to look for.
    pub(super) titles: Vec<(usize, String)>,
    pub(super) matched: Vec<bool>,
    pub(super) next_title: usize,
    /// The page of the last table put into the text, when known.
    pub(super) last_table_page: Option<u32>,
}

impl Builder<'_> {
    pub(super) fn columns(&mut self) -> &mut Vec<Column> {
        &mut self.draft.issue.columns
    }

    pub(super) fn cur(&mut self) -> Option<&mut Article> {
        let c = self.column?;
        self.columns().get_mut(c)?.articles.last_mut()
    }

    pub(super) fn at(&self) -> KeyPath {
        let c = self.column.unwrap_or(0);
        let a = self
            .draft
            .issue
            .columns
            .get(c)
            .map_or(0, |col| col.articles.len().saturating_sub(1));
        article_at(c, a)
    }

    pub(super) fn ensure_column(&mut self) {
        if self.column.is_none() {
            self.columns().push(Column::default());
            self.column = Some(self.columns().len() - 1);
        }
    }

    pub(super) fn start_column(&mut self, name: String) {
        self.finish_article();
        self.columns().push(Column {
            name,
            articles: Vec::new(),
        });
        self.column = Some(self.columns().len() - 1);
        self.open = false;
        self.closed = false;
    }

    pub(super) fn start_article(&mut self, title: String) {
        self.finish_article();
        self.ensure_column();
        let note = self.pending_note.take();
        if let Some(c) = self.column {
            self.columns()[c].articles.push(Article {
                title,
                note,
                body: Body::Blocks(Vec::new()),
                ..Default::default()
            });
        }
        self.open = true;
        self.closed = false;
    }

    /// Flushes the paragraphs gathered into a text block.
    pub(super) fn flush_text(&mut self) {
        if self.paras.is_empty() {
            return;
        }
        let paras = std::mem::take(&mut self.paras);
        let joined = join_broken(paras);
        if let Some(a) = self.cur() {
            let blocks = blocks_mut(a);
            match blocks.last_mut().and_then(|b| b.get_mut().text.as_mut()) {
                Some(t) => joined.iter().for_each(|p| push_para(t, p)),
                None => blocks.push(text_block(&joined)),
            }
        }
    }

    pub(super) fn body_para(&mut self, text: String, hints: Para) {
        if !self.open {
            // Text before any title: an article whose title is missing.
            let at_start = self.cur().is_none();
            self.start_article("（待补：标题）".into());
            let at = self.at();
            self.draft.checks.push(Check {
                at,
                message: if at_start {
                    "no title found before this text: write the article's title".into()
                } else {
                    "text after the end of the article before (its byline): a new article \
                     without a title? write its title, or move the text"
                        .into()
                },
            });
        }
        if self.closed {
            self.closed = false;
        }
        self.paras.push((text, hints));
    }

    pub(super) fn block(&mut self, b: BodyBlock) {
        if !self.open {
            self.body_para_placeholder();
        }
        self.flush_text();
        if let Some(a) = self.cur() {
            blocks_mut(a).push(Spanned::new(0..0, b));
        }
    }

    pub(super) fn body_para_placeholder(&mut self) {
        self.start_article("（待补：标题）".into());
        let at = self.at();
        self.draft.checks.push(Check {
            at,
            message: "no title found before this table or figure: write the article's title".into(),
        });
    }

    pub(super) fn finish_article(&mut self) {
        self.flush_text();
        if !self.open {
            return;
        }
        let footnotes = self.footnotes;
        let Some(c) = self.column else { return };
        let Some(a) = self.draft.issue.columns[c].articles.last_mut() else {
            return;
        };
        // A byline in brackets at the end of the last paragraph.
        if a.byline.is_none() {
            let mut byline = None;
            if let Some(t) = blocks_mut(a)
                .last_mut()
                .and_then(|b| b.get_mut().text.as_mut())
            {
                let start = t.rfind("\n\n").map_or(0, |i| i + 2);
                if let Some((i, b)) = ends_with_byline(&t[start..]) {
                    byline = Some(b);
                    t.truncate(start + i);
                }
            }
            if byline.is_some() {
                a.byline = byline;
            }
        }
        // Footnote references ([^KEY]) where the layout reads them: the
        // paragraphs of text blocks (not headings, not run-in leads), list
        // items and table cells. Each gets its note, or a placeholder note.
        if a.footnotes.is_empty() {
            let mut keys: Vec<String> = Vec::new();
            for b in blocks(a) {
                let b = b.get_ref();
                if let Some(t) = &b.text {
                    for block in bulletin_model::body::parse(t, true) {
                        if let bulletin_model::body::Block::Para { runs, .. } = block {
                            for r in runs {
                                note_refs(&r.text, &mut keys);
                            }
                        }
                    }
                }
                for item in b.items.iter().flatten() {
                    let (t, sub) = item.parts();
                    for x in std::iter::once(t).chain(sub.iter().map(String::as_str)) {
                        bulletin_model::body::runs(x.trim())
                            .iter()
                            .for_each(|r| note_refs(&r.text, &mut keys));
                    }
                }
                for c in b.header.iter().chain(b.rows.iter()).flatten().flatten() {
                    bulletin_model::body::runs(c.text().trim())
                        .iter()
                        .for_each(|r| note_refs(&r.text, &mut keys));
                }
            }
            let mut missing = Vec::new();
            for k in keys {
                let text = footnotes
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| v.clone());
                if text.is_none() {
                    missing.push(format!("[^{k}]"));
                }
                a.footnotes
                    .insert(k, text.unwrap_or_else(|| "（待补：注释）".into()));
            }
            if !missing.is_empty() {
                let at = article_at(c, self.draft.issue.columns[c].articles.len() - 1);
                self.draft.checks.push(Check {
                    at,
                    message: format!(
                        "footnote reference{} {} without a note: a placeholder note is written; \
                         write the note, or remove the reference",
                        if missing.len() == 1 { "" } else { "s" },
                        missing.join(" ")
                    ),
                });
            }
        }
        // Short lines alone in the body that read as titles: perhaps another
        // article began there (nothing marked it: no byline, no contents).
        let idx = self.draft.issue.columns[c].articles.len() - 1;
        let a = &self.draft.issue.columns[c].articles[idx];
        let suspects: Vec<String> = blocks(a)
            .iter()
            .flat_map(|b| paragraphs(b.get_ref()))
            .skip(1)
            .filter(|p| {
                is_title_like(p)
                    && !ends_sentence(p)
                    && nchars(p) >= 6
                    && nchars(p) <= 40
                    && !figure_caption(p)
                    && !table_caption(p)
            })
            .take(5)
            .map(str::to_string)
            .collect();
        if !suspects.is_empty() {
            self.draft.checks.push(Check {
                at: article_at(c, idx),
                message: format!(
                    "a line in the body reads like a title: {} — if another article starts \
                     there, split this one",
                    suspects
                        .iter()
                        .map(|s| format!("「{s}」"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            });
        }
        let Some(a) = self.draft.issue.columns[c].articles.last_mut() else {
            return;
        };
        // A title without text: the body is empty; keep the article valid.
        if blocks(a).is_empty() && a.title != "（待补：标题）" {
            blocks_mut(a).push(text_block(&["（待补：正文）".into()]));
            let at = article_at(c, self.draft.issue.columns[c].articles.len() - 1);
            self.draft.checks.push(Check {
                at,
                message: "no text found for this article: write its body, or remove it".into(),
            });
        }
        self.open = false;
    }
}

/// Joins paragraphs that a page break (or a hard wrap) cut: a paragraph
/// that ends in the middle of a sentence continues in the next one.
pub(super) fn join_broken(paras: Vec<(String, Para)>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev_joinable = false;
    for (text, hints) in paras {
        let heading = bulletin_model::body::heading_level(&text).is_some()
            && nchars(&text) <= 60
            && !text.contains('。')
            || figure_caption(&text)
            || table_caption(&text);
        if prev_joinable && !heading && hints.list.is_none() {
            if let Some(last) = out.last_mut() {
                if bulletin_model::text::needs_space(last, &text) {
                    last.push(' ');
                }
                last.push_str(&text);
                prev_joinable = !ends_clause(last);
                continue;
            }
        }
        prev_joinable = !heading && !ends_clause(&text) && nchars(&text) >= 15;
        out.push(text);
    }
    out
}

/// Whether a paragraph has the hints of a title: large or a title style,
/// centred.
pub(super) fn title_hint(p: &Para, body_size: Option<f32>) -> bool {
    let style = p.style.as_deref().unwrap_or("").to_lowercase();
    let styled = style == "title"
        || style.contains("标题")
        || style.starts_with("heading 1")
        || p.outline_level == Some(0);
    let large = matches!((p.size, body_size), (Some(s), Some(b)) if s >= b + 3.0);
    (large || styled) && matches!(p.align, Align::Center)
}

/// A paragraph's text with its bold runs marked `**…**` (not when the whole
/// paragraph is bold: that is a heading's or lead's typeface).
pub(super) fn with_bold(p: &P) -> String {
    let raw = &p.hints.text;
    if p.hints.bold.is_empty() || normalize(raw) != p.text.trim() {
        return p.text.clone();
    }
    let whole = p.hints.bold.iter().map(|r| r.len()).sum::<usize>() >= raw.trim().len();
    if whole || raw.contains("**") {
        return p.text.clone();
    }
    let mut out = String::new();
    let mut pos = 0;
    let mut ranges = p.hints.bold.clone();
    ranges.sort_by_key(|r| r.start);
    for r in ranges {
        if r.start < pos
            || r.start >= r.end
            || r.end > raw.len()
            || !raw.is_char_boundary(r.start)
            || !raw.is_char_boundary(r.end)
        {
            continue;
        }
        let inner = raw[r.clone()].trim();
        out.push_str(&raw[pos..r.start]);
        if inner.is_empty() {
            out.push_str(&raw[r.clone()]);
        } else {
            out.push_str("**");
            out.push_str(&raw[r.clone()]);
            out.push_str("**");
        }
        pos = r.end;
    }
    out.push_str(&raw[pos..]);
    let (fixed, _) = fix_punctuation(&normalize(&out));
    fixed
}

pub(super) fn figure_caption(s: &str) -> bool {
    let c = compact(s);
    if nchars(&c) > 60 {
        return false;
    }
    // 图1 …, 图一 …, 图为…, 图：…, also in brackets: （图为会议现场）;
    // ▲/△ 会议现场, as photo captions are marked in bulletins.
    let c = c.trim_start_matches(['（', '(']);
    (c.starts_with('图')
        && c.chars().nth(1).is_some_and(|c| {
            c.is_ascii_digit() || cn_digit(c).is_some() || matches!(c, '为' | '：' | ':')
        }))
        || c.starts_with(['▲', '△', '↑'])
}

/// A line right under a photo that reads as its caption without saying so
/// (no 图 or ▲): short, centred, not a sentence of the text. Taken as the
/// caption with a check.
fn looks_like_caption(p: &P, b: &Builder<'_>) -> bool {
    let c = compact(&p.text);
    let n = nchars(&c);
    // Not a title: no larger than the body, not bold, not the contents'
    // next title.
    let next_title = b
        .titles
        .get(b.next_title)
        .is_some_and(|(_, t)| compact(t) == c);
    p.hints.align == Align::Center
        && p.ev.pattern == Pattern::Text
        && p.ev.scale.is_none_or(|s| s <= 1.01)
        && p.hints.bold.is_empty()
        && !next_title
        && (2..=40).contains(&n)
        && !c.ends_with(['。', '；', '：', ':'])
        && !table_caption(&c)
}

/// A table's caption: 表1 …, 续表1 ….
pub(super) fn table_caption(s: &str) -> bool {
    let c = compact(s);
    let c = c.strip_prefix('续').unwrap_or(&c);
    nchars(c) <= 60
        && c.starts_with('表')
        && c.chars()
            .nth(1)
            .is_some_and(|c| c.is_ascii_digit() || cn_digit(c).is_some())
}

/// A caption just before a table (表1 …, 续表1 …): taken out of the text
/// gathered.
pub(super) fn take_caption(b: &mut Builder<'_>) -> Option<String> {
    let (text, hints) = b.paras.last()?;
    if table_caption(text) {
        return b.paras.pop().map(|p| p.0);
    }
    // A short centred line right above the table, as Word users caption a
    // table without 表1: its caption, with a check.
    let c = compact(text);
    if hints.align == Align::Center
        && (4..=40).contains(&nchars(&c))
        && !c.ends_with(['。', '；', '：', ':', '，'])
        && !c.contains("**")
    {
        let (text, _) = b.paras.pop()?;
        let at = b.at();
        b.draft.checks.push(Check {
            at,
            message: format!(
                "the centred line above the table, 「{text}」, was taken as its caption: \
                 check it, or move it back into the text"
            ),
        });
        return Some(text);
    }
    None
}

/// A note under a table: 注：…, 注1：…, 说明：….
pub(super) fn table_note(s: &str) -> bool {
    let t = s.trim_start();
    let rest = t
        .strip_prefix('注')
        .map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit() || cn_digit(c).is_some()))
        .or_else(|| t.strip_prefix("说明"))
        .or_else(|| t.strip_prefix("资料来源"))
        .or_else(|| t.strip_prefix("数据来源"));
    rest.is_some_and(|r| r.starts_with(['：', ':'])) && nchars(s) <= 300
}

/// A list item's marker as a PDF shows it (1. 1、 (1) （1） • ●): the text
/// without it, and whether it is numbered.
pub fn strip_list_marker(s: &str) -> Option<(String, bool)> {
    let t = s.trim_start();
    let mut chars = t.char_indices();
    let (_, c) = chars.next()?;
    let (len, numbered) = if "•●▪◆■·".contains(c) {
        (c.len_utf8(), false)
    } else if c == '(' || c == '（' {
        let rest = &t[c.len_utf8()..];
        let d: usize = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        let close = rest[d..].chars().next()?;
        if d == 0 || d > 2 || !(close == ')' || close == '）') {
            return None;
        }
        (c.len_utf8() + d + close.len_utf8(), true)
    } else {
        let d: usize = t.chars().take_while(|c| c.is_ascii_digit()).count();
        let dot = t[d..].chars().next()?;
        if d == 0 || d > 2 || !matches!(dot, '.' | '．' | '、') {
            return None;
        }
        (d + dot.len_utf8(), true)
    };
    let rest = t[len..].trim_start();
    (!rest.is_empty()).then(|| (rest.to_string(), numbered))
}

pub(super) fn unbracket(s: &str) -> String {
    byline_of(s).unwrap_or_else(|| s.trim().to_string())
}

/// A line that may be a title: short, not a sentence, not numbered as a
/// heading, not a byline or a date.
pub(super) fn is_title_like(s: &str) -> bool {
    let n = nchars(s);
    let t = s.trim_end_matches(['”', '’', '」', '』', '）', '》', ')', '"']);
    (2..=60).contains(&n)
        && !matches!(t.chars().last(), Some('。' | '.' | '…'))
        && (!ends_sentence(s) || n <= 30)
        && !matches!(
            s.chars().last(),
            Some('，' | '、' | '；' | '：' | ',' | ';' | ':')
        )
        && bulletin_model::body::heading_level(s).is_none()
        && byline_of(s).is_none()
        && note_label(s).is_none()
        && bullet(s).is_none()
        && s.chars().any(is_han)
}

/// A title line with spaces between its parts (a title set on several lines,
/// as a PDF's text comes out): the parts become the title's lines.
pub(super) fn split_title_spaces(s: &str) -> Vec<String> {
    let parts: Vec<&str> = s.split(' ').filter(|p| !p.is_empty()).collect();
    let wide_edges = s.char_indices().filter(|(_, c)| *c == ' ').all(|(i, c)| {
        let before = s[..i].chars().last();
        let after = s[i + c.len_utf8()..].chars().next();
        before.is_some_and(|c| is_wide(c) || c == ' ' || c == '　')
            && after.is_some_and(|c| is_wide(c) || c == ' ' || c == '　')
    });
    if parts.len() > 1 && parts.len() <= 4 && wide_edges && parts.iter().all(|p| nchars(p) >= 4) {
        parts.into_iter().map(String::from).collect()
    } else {
        vec![s.to_string()]
    }
}
