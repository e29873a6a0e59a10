//! Tables in the text: made regular as the layout wants them (spans,
//! padding, limits), and a table continued across a page break joined.

use super::*;

/// A table: its caption and note, its rows made regular; a table continued
/// from the page before (续表, or the same header again) joined to it.
pub(super) fn table_step(b: &mut Builder<'_>, cx: &Cx<'_>, mut i: usize, t: &Table) -> usize {
    let caption = take_caption(b);
    let hr = t.header_rows.min(t.rows.len());
    let rows: Vec<Vec<Cell>> = t
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| Cell {
                    text: fix_punctuation(&normalize(&c.text)).0,
                    colspan: c.colspan,
                    rowspan: c.rowspan,
                })
                .collect()
        })
        .collect();
    let Some((header, rows)) = regular_table(rows, hr) else {
        return i + 1;
    };
    // A note right under it.
    let note = match cx.nodes.get(i + 1) {
        Some(Node::P(q)) if table_note(&q.text) => {
            i += 1;
            Some(q.text.clone())
        }
        _ => None,
    };
    // A table continued from the page before (续表N, or nothing
    // between it and the table before, with the same header):
    // joined to it, its repeated header dropped.
    let cont = caption
        .as_deref()
        .is_some_and(|c| compact(c).starts_with("续表"));
    let text_between = !b.paras.is_empty();
    // A table at the top of a page right after a table that ran to the foot
    // of the page before (nothing between them but the running heads and
    // page numbers already dropped): its continuation, even when it neither
    // repeats the header nor says 续表 (Word's and LibreOffice's tables
    // without "repeat as header row").
    let next_page = matches!((b.last_table_page, t.page), (Some(a), Some(p)) if p > a);
    let mut joined = false;
    let mut check = None;
    if !text_between {
        if let Some(BodyBlock {
            header: ph,
            rows: Some(pr),
            note: pn,
            ..
        }) = b
            .cur()
            .and_then(|a| blocks_mut(a).last_mut())
            .map(|b| b.get_mut())
        {
            let ph_cells = reader_rows(ph.as_deref().unwrap_or_default());
            let pr_cells = reader_rows(pr);
            let width = |r: &[Vec<Cell>]| -> u32 {
                r.first().map_or(0, |r| r.iter().map(|c| c.colspan).sum())
            };
            let all: Vec<Vec<Cell>> = header.iter().chain(rows.iter()).cloned().collect();
            let texts = |r: &[Vec<Cell>]| -> Vec<Vec<String>> {
                r.iter()
                    .map(|r| r.iter().map(|c| compact(&c.text)).collect())
                    .collect()
            };
            // The rows the continuation repeats from the top of
            // the table before: its header (however deep the
            // reader guessed it).
            let before: Vec<Vec<Cell>> = ph_cells.iter().chain(pr_cells.iter()).cloned().collect();
            let same_width = width(&before) == width(&all);
            let (tb, ta) = (texts(&before), texts(&all));
            let k = tb
                .iter()
                .zip(&ta)
                .take(5)
                .take_while(|(a, b)| a == b && !a.iter().all(|c| c.is_empty()))
                .count();
            let repeats = k >= 1 && k < before.len() && k < all.len();
            let merged = (same_width && (repeats || cont || next_page) && pn.is_none())
                .then(|| {
                    let (hl, skip) = if repeats { (k, k) } else { (ph_cells.len(), 0) };
                    let mut rows = before.clone();
                    rows.extend(all.iter().skip(skip).cloned());
                    regular_table(rows, hl)
                })
                .flatten()
                .filter(|(h, r)| {
                    h.first()
                        .or(r.first())
                        .map(|r| width(std::slice::from_ref(r)))
                        == Some(width(&before))
                });
            if let Some((h, r)) = merged {
                if !repeats && !cont {
                    check = Some(format!(
                        "the table at the top of page {} was taken as the continuation of \
                         this one (the same columns, nothing between them), and its first \
                         row as a row of data: check the rows where the pages meet",
                        t.page.unwrap_or(0)
                    ));
                } else if !repeats {
                    check = Some(
                        "a table continued on the next page (续表) was joined to \
                         this one, but its header differs: check the rows where \
                         the pages meet"
                            .to_string(),
                    );
                }
                *ph = (!h.is_empty()).then(|| model_rows(h));
                *pr = model_rows(r);
                *pn = note.clone();
                joined = true;
            }
        }
    }
    b.last_table_page = t.page;
    if joined {
        if let Some(m) = check {
            let at = b.at();
            b.draft.checks.push(Check { at, message: m });
        }
        return i + 1;
    }
    if cont {
        let at = b.at();
        b.draft.checks.push(Check {
            at,
            message: "a table captioned 续表 (continued) with no table before it to \
                      join: check its caption and rows"
                .into(),
        });
    }
    if t.header_guessed && !header.is_empty() {
        let at = b.at();
        b.draft.checks.push(Check {
            at,
            message: "the table's first row was taken as its header (it looks like one: \
                      bold or shaded, or words over numbers; the document does not mark it \
                      as a header row): check it, or move it into rows"
                .into(),
        });
    }
    b.block(BodyBlock {
        caption,
        header: (!header.is_empty()).then(|| model_rows(header)),
        rows: Some(model_rows(rows)),
        note,
        ..Default::default()
    });
    i + 1
}

/// The extension of an image the layout can print ("png", "jpg" or "svg",
/// with its size readable, as `check` wants it).
pub(super) fn image_kind(b: &[u8]) -> Option<&'static str> {
    bulletin_model::image::image_size(b)
        .ok()
        .map(|(kind, _)| kind.extension())
}

/// Rows of table cells.
pub(super) type Rows = Vec<Vec<Cell>>;

/// A table made regular, as the layout wants it: spans of at least 1,
/// rowspans that end inside the table, every row filling the same columns
/// (short rows padded with empty cells), at most 50 columns and 5,000 rows,
/// and at least one row that is not a header. None when nothing is left.
pub(super) fn regular_table(rows: Vec<Vec<Cell>>, header_rows: usize) -> Option<(Rows, Rows)> {
    const MAX_COLUMNS: usize = 50;
    const MAX_ROWS: usize = 5_000;
    let mut rows: Vec<Vec<Cell>> = rows.into_iter().take(MAX_ROWS).collect();
    let n = rows.len();
    // Place the cells, clamping spans.
    let mut covered: Vec<u32> = Vec::new();
    let mut filled: Vec<usize> = Vec::with_capacity(n);
    for (r, row) in rows.iter_mut().enumerate() {
        let mut col = 0usize;
        let mut kept = Vec::with_capacity(row.len());
        for mut cell in std::mem::take(row) {
            while covered.get(col).is_some_and(|&c| c > 0) {
                col += 1;
            }
            if col >= MAX_COLUMNS {
                break;
            }
            cell.colspan = cell.colspan.clamp(1, (MAX_COLUMNS - col) as u32);
            cell.rowspan = cell.rowspan.clamp(1, (n - r) as u32);
            let end = col + cell.colspan as usize;
            if covered.len() < end {
                covered.resize(end, 0);
            }
            // A span over cells covered from above: one column only.
            if covered[col..end].iter().any(|&c| c > 0) {
                cell.colspan = 1;
            }
            let end = col + cell.colspan as usize;
            for c in &mut covered[col..end] {
                *c = cell.rowspan;
            }
            col = end;
            kept.push(cell);
        }
        while covered.get(col).is_some_and(|&c| c > 0) {
            col += 1;
        }
        *row = kept;
        filled.push(col);
        for c in &mut covered {
            *c = c.saturating_sub(1);
        }
    }
    let width = filled.iter().copied().max().unwrap_or(0);
    if width == 0 {
        return None;
    }
    // Pad short rows: as many empty cells as the row has free columns left
    // (placed again, as the layout places them).
    let mut covered: Vec<u32> = vec![0; width];
    for row in rows.iter_mut() {
        let mut col = 0usize;
        for cell in row.iter() {
            while covered.get(col).is_some_and(|&c| c > 0) {
                col += 1;
            }
            let end = (col + cell.colspan as usize).min(width);
            for c in &mut covered[col.min(width)..end] {
                *c = cell.rowspan;
            }
            col = end;
        }
        let free = (col.min(width)..width).filter(|&c| covered[c] == 0).count();
        for _ in 0..free {
            row.push(Cell {
                text: String::new(),
                colspan: 1,
                rowspan: 1,
            });
        }
        for c in &mut covered {
            *c = c.saturating_sub(1);
        }
    }
    let hr = if header_rows >= rows.len() {
        0
    } else {
        header_rows
    };
    let body = rows.split_off(hr);
    Some((rows, body))
}
