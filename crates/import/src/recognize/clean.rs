//! The clean pass: each paragraph normalised (odd spaces, zero-width
//! characters), look-alike radicals mapped to ideographs (and counted), ASCII punctuation between
//! Chinese characters made full-width; rules, page numbers, markdown
//! footnotes, web-page lines and site junk taken out (the junk is listed
//! for the report and a check).

use super::*;

/// Cleans a read document into the nodes the passes work on.
pub(super) fn clean(doc: Doc) -> State {
    let guesses = doc.guesses.clone();
    let mut draft = Work::new(doc.notices.clone());
    let mut footnotes: Vec<(String, String)> = doc
        .footnotes
        .iter()
        .map(|(k, v)| (k.clone(), normalize(v)))
        .collect();
    let mut nodes: Vec<Node> = Vec::new();
    let mut fixed = 0;
    let mut radicals = 0;
    let mut related = false;
    let mut web_date: Option<Date> = None;
    for item in doc.items {
        match item {
            Item::Para(p) => {
                let (mapped, r) = crate::radicals::map(&p.text);
                radicals += r;
                let mut p = p;
                if r > 0 {
                    p.text = mapped;
                }
                let text = normalize(&p.text);
                if text.is_empty() {
                    related = false;
                    continue;
                }
                let (text, n) = fix_punctuation(&text);
                fixed += n;
                let bottom =
                    matches!((p.y, p.page_height), (Some(y), Some(h)) if h > 0.0 && y > 0.85 * h);
                let lone_number =
                    bottom && text.len() <= 3 && text.chars().all(|c| c.is_ascii_digit());
                // A markdown footnote: [^1]: text.
                if let Some(def) = footnote_definition(&text) {
                    footnotes.push(def);
                    continue;
                }
                if rule_line(&text) {
                    continue;
                }
                if page_number(&text) || lone_number {
                    draft.dropped.push(format!("page number: {text}"));
                    continue;
                }
                if web_meta_line(&text) {
                    if let Some(d) = find_date(&text).filter(|d| d.year.is_some()) {
                        if let Some(d) = date_of_found(d.year, d.month, d.day) {
                            web_date.get_or_insert(d);
                        }
                    }
                    draft.dropped.push(format!("web page line: {text}"));
                    continue;
                }
                if junk_line(&text) {
                    draft.dropped.push(format!("site junk: {text}"));
                    continue;
                }
                if related_header(&text) {
                    related = true;
                    draft.dropped.push(format!("related-articles list: {text}"));
                    continue;
                }
                if related {
                    if nchars(&text) <= 60
                        && !ends_sentence(&text)
                        && footer_fields(&text).is_empty()
                        && !junk_line(&text)
                    {
                        draft.dropped.push(format!("related-articles list: {text}"));
                        continue;
                    }
                    related = false;
                }
                let lines: Vec<String> = if p.text.trim().contains('\n') {
                    p.text
                        .split('\n')
                        .map(|l| fix_punctuation(&normalize(l)).0)
                        .filter(|l| !l.is_empty())
                        .collect()
                } else {
                    Vec::new()
                };
                nodes.push(Node::P(P::new(text, p, lines)));
            }
            Item::Table(mut t) => {
                related = false;
                for c in t.rows.iter_mut().flatten() {
                    let (mapped, r) = crate::radicals::map(&c.text);
                    radicals += r;
                    c.text = mapped;
                }
                nodes.push(Node::Table(t));
            }
            Item::Image(i) => nodes.push(Node::Image(i)),
            Item::PageBreak => {}
        }
    }
    if fixed > 0 {
        draft.repairs.push(format!(
            "{fixed} ASCII punctuation mark{} between Chinese characters made full-width",
            if fixed == 1 { "" } else { "s" }
        ));
    }
    if radicals > 0 {
        draft.repairs.push(format!(
            "{radicals} look-alike radical{} (Kangxi Radicals, CJK Radicals Supplement) mapped to \
             the ideographs they stand for",
            if radicals == 1 { "" } else { "s" }
        ));
    }
    for g in guesses {
        draft.checks.push(Check {
            at: KeyPath::File,
            message: g,
        });
    }
    draft.web_date = web_date;
    let body_size = body_size(&nodes);
    evidence(&mut nodes, body_size);
    State {
        draft,
        nodes,
        footnotes,
        body_size,
        head_end: 0,
        toc: Toc::default(),
        body_start: 0,
    }
}
