//! The footer pass: the 版记 at the end (报/送/发, 印发, 共印 N 份, the
//! editors), as lines or as a table of them; a web page's 责任编辑 lines
//! at the end of a text without a footer are dropped (and listed).

use super::*;

/// Whether a table holds a footer: a row that is a footer field or the
/// printer's line.
fn footer_table(t: &Table) -> bool {
    table_lines(t)
        .iter()
        .any(|p| p.ev.pattern == Pattern::FooterFields || print_line(&p.text).is_some())
}

/// Finds and reads the footer, and takes it out of the nodes.
pub(super) fn footer(s: &mut State) {
    // A footer laid out as a table: its lines take part like any others.
    let n = s.nodes.len();
    for at in (n.saturating_sub(6)..n).rev() {
        if matches!(&s.nodes[at], Node::Table(t) if footer_table(t)) {
            open_container(&mut s.nodes, at);
        }
    }
    let footer_start = find_footer(&s.nodes);
    if footer_start == s.nodes.len() {
        while let Some(Node::P(p)) = s.nodes.last() {
            let fields = footer_fields(&p.text);
            if fields.is_empty() || nchars(&p.text) > 60 {
                break;
            }
            s.draft.dropped.push(format!("web page line: {}", p.text));
            s.nodes.pop();
        }
    }
    let footer_start = footer_start.min(s.nodes.len());
    if !s.draft.dropped.is_empty() {
        let junk: Vec<&String> = s
            .draft
            .dropped
            .iter()
            .filter(|d| !d.starts_with("page number"))
            .collect();
        if !junk.is_empty() {
            s.draft.checks.push(Check {
                at: KeyPath::File,
                message: format!(
                    "dropped as junk (put back what was text):\n{}",
                    junk.iter()
                        .map(|s| format!("- {s}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
            });
        }
    }
    let footer_nodes: Vec<String> = s.nodes[footer_start..].iter().filter_map(text_of).collect();
    parse_footer(&footer_nodes, &mut s.draft);
    s.nodes.truncate(footer_start);
}

/// Where the footer starts: the trailing lines that are footer fields (报：
/// 送： 发：…, 印发, 共印 N 份) and the printer's line.
pub(super) fn find_footer(nodes: &[Node]) -> usize {
    let mut start = nodes.len();
    let mut strong = false;
    let mut i = nodes.len();
    let mut tentative = 0;
    while i > 0 {
        let Node::P(p) = &nodes[i - 1] else { break };
        let t = &p.text;
        let fields = footer_fields(t);
        if !fields.is_empty() || print_line(t).is_some() || copies_in(t).is_some() {
            if fields.iter().any(|(f, _)| f.is_recipients())
                || print_line(t).is_some()
                || copies_in(t).is_some()
            {
                strong = true;
            }
            start = i - 1;
            tentative = 0;
            i -= 1;
            continue;
        }
        // The printer's line, or a recipients' line wrapped.
        if nchars(t) <= 60
            && !ends_sentence(t)
            && byline_of(t).is_none()
            && tentative < 2
            && column_marker(t).is_none()
        {
            tentative += 1;
            i -= 1;
            continue;
        }
        break;
    }
    if !strong {
        return nodes.len();
    }
    start
}

pub(super) fn parse_footer(lines: &[String], draft: &mut Work) {
    let mut f = Footer::default();
    let mut last_field: Option<FooterField> = None;
    for t in lines {
        let fields = footer_fields(t);
        if !fields.is_empty() {
            for (field, v) in fields {
                let v = v.trim().to_string();
                *field.get_mut(&mut f) = (!v.is_empty()).then_some(v);
                last_field = Some(field);
            }
            // 共印 N 份 on the same line.
            if let Some((c, _)) = copies_in(t) {
                f.copies = Some(c);
            }
            continue;
        }
        if let Some((printer, d)) = print_line(t) {
            let printer = match copies_in(&printer) {
                Some((c, at)) => {
                    f.copies = Some(c);
                    let chars: String = compact(&printer);
                    chars[..at].trim_end_matches(['（', '(']).to_string()
                }
                None => printer,
            };
            if !printer.is_empty() {
                f.printer = Some(printer);
            }
            if let Some(d) = d {
                draft.print_date = date_of_found(d.year, d.month, d.day);
                if d.year.is_none() {
                    draft.checks.push(Check {
                        at: KeyPath::Footer,
                        message: "the print date has no year".into(),
                    });
                }
            }
            if let Some((c, _)) = copies_in(t) {
                f.copies = Some(c);
            }
            last_field = None;
            continue;
        }
        if let Some((c, at)) = copies_in(t) {
            f.copies = Some(c);
            let before: String = compact(t)[..at].trim_end_matches(['（', '(']).to_string();
            if !before.is_empty() && f.printer.is_none() {
                f.printer = Some(before);
            }
            continue;
        }
        // A wrapped recipients' line, or the printer.
        let wrapped = last_field.is_some_and(FooterField::is_recipients)
            && (t.contains('、')
                || last_field
                    .and_then(|lf| lf.get(&f))
                    .is_some_and(|v| v.ends_with(['、', '，', ','])));
        if wrapped {
            if let Some(lf) = last_field {
                let v = format!("{}{t}", lf.get(&f).unwrap_or_default());
                *lf.get_mut(&mut f) = (!v.is_empty()).then_some(v);
            }
            continue;
        }
        if f.printer.is_none() {
            f.printer = Some(t.clone());
        } else {
            draft.checks.push(Check {
                at: KeyPath::Footer,
                message: format!("a footer line not understood, left out: {t}"),
            });
        }
    }
    draft.issue.footer = Some(f);
}
