//! The notes: editors' notes (编者按) before an article, with their
//! signer and date; footnotes (a .docx's, or markdown's `[^1]: …`) put
//! with the article that refers to them.

use super::*;

/// An editor's note (编者按：…) with its paragraphs, signer and date: for
/// the article it heads.
pub(super) fn note_step(b: &mut Builder<'_>, cx: &Cx<'_>, mut i: usize, p: &P) -> Option<usize> {
    let text = p.text.clone();
    // Editor's notes.
    if let Some((label, rest)) = note_label(&text) {
        b.flush_text();
        let mut note = Note {
            label: (label != "编者按").then_some(label),
            ..Default::default()
        };
        if !rest.is_empty() {
            push_para(&mut note.text, &rest);
        }
        i += 1;
        // More paragraphs of the note: while they are not a title, the
        // signer or the date.
        while let Some(Node::P(q)) = cx.nodes.get(i) {
            let t = &q.text;
            if note.text.is_empty() {
                push_para(&mut note.text, t);
                i += 1;
                continue;
            }
            // A hard-wrapped note: a line that ends in the middle of a
            // sentence goes on in the next one.
            let wrapped = !ends_clause(&note.text)
                && nchars(note.text.rsplit("\n\n").next().unwrap_or("")) >= 15
                && !structural_line(t)
                && byline_of(t).is_none();
            if wrapped {
                let (a, c) = (note.text.chars().last(), t.chars().next());
                if a.is_some_and(|a| !is_wide(a)) && c.is_some_and(|c| !is_wide(c)) {
                    note.text.push(' ');
                }
                note.text.push_str(t);
                i += 1;
                continue;
            }
            if let Some(d) = find_date(t) {
                if let Some(d) = date_of_found(d.year, d.month, d.day)
                    .filter(|_| nchars(t) <= 16 && d.year.is_some())
                {
                    note.date = Some(d.to_spanned());
                    i += 1;
                    continue;
                }
            }
            let signer = t.trim_start_matches(['—', '－', '-', ' ']);
            if signer.len() < t.len() && nchars(signer) <= 20 && !signer.is_empty() {
                note.signer = Some(signer.to_string());
                i += 1;
                continue;
            }
            if matches!(q.hints.align, Align::Right) && nchars(t) <= 20 && !ends_sentence(t) {
                note.signer = Some(t.clone());
                i += 1;
                continue;
            }
            break;
        }
        if b.open
            && b.paras.is_empty()
            && b.cur()
                .is_some_and(|a| blocks(a).is_empty() && a.note.is_none())
        {
            if let Some(a) = b.cur() {
                a.note = Some(note);
            }
        } else {
            b.finish_article();
            b.pending_note = Some(note);
        }
        return Some(i);
    }
    None
}

/// A markdown footnote's definition, `[^KEY]: text`: (key, text).
pub(super) fn footnote_definition(s: &str) -> Option<(String, String)> {
    let rest = s.strip_prefix("[^")?;
    let end = rest.find(']')?;
    let key = &rest[..end];
    let text = rest[end + 1..].strip_prefix([':', '：'])?.trim();
    if key.is_empty()
        || key.chars().count() > 20
        || key.contains(char::is_whitespace)
        || text.is_empty()
    {
        return None;
    }
    Some((key.to_string(), text.to_string()))
}

/// The footnote keys a run of text refers to, as the layout reads them:
/// `[^KEY]`, KEY 1 to 20 characters without spaces; reading stops at the
/// first `[^` that is no reference. New keys are added in order.
pub(super) fn note_refs(text: &str, keys: &mut Vec<String>) {
    let mut rest = text;
    while let Some(at) = rest.find("[^") {
        let Some((key, tail)) = bulletin_model::body::note_ref(&rest[at + 2..]) else {
            break;
        };
        if !keys.iter().any(|k| k == key) {
            keys.push(key.to_string());
        }
        rest = tail;
    }
}
