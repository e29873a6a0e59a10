//! The masthead pass: the name (and the line above it), 第 N 期 (总第,
//! 增刊), the office, the date, the marker, classification and urgency, at
//! the top of the document — as lines, or in a table at the top (a Word
//! masthead laid out in a borderless table is opened, its lines read like
//! any others).

use super::*;

/// Whether a table at the top holds a masthead: a 第 N 期 line, or a line
/// that names a bulletin (工作简报, 高教发展信息).
fn masthead_table(t: &Table) -> bool {
    let lines = table_lines(t);
    lines.len() <= 12
        && lines.iter().any(|p| {
            p.ev.pattern == Pattern::Number
                || (BULLETIN_WORDS.iter().any(|w| compact(&p.text).ends_with(w)) && p.len() <= 30)
        })
}

/// A line with the name run into the number (a web page's title:
/// 高教改革信息参考第1期, 工作简报2020年第3期): the name.
fn run_in_name(t: &str) -> Option<String> {
    number_line(t)?;
    let c = compact(t);
    let at = c.find('第')?;
    let mut name = &c[..at];
    // A year before the number: 工作简报2020年第3期.
    if let Some(y) = name.strip_suffix('年') {
        name = y.trim_end_matches(|c: char| c.is_ascii_digit());
    }
    // The number in brackets: 人社工作动态（2021年第4期）.
    let name = name.trim_end_matches(['（', '(', '[', '【', '〔']);
    (nchars(name) >= 2 && BULLETIN_WORDS.iter().any(|w| name.ends_with(w)))
        .then(|| name.to_string())
}

/// The first line, when it is a page title with the name run into the
/// number: dropped when the masthead under it names the bulletin again,
/// else read as the name and the number (both with a check).
fn page_title(s: &mut State) {
    let Some(Node::P(p)) = s.nodes.first() else {
        return;
    };
    let Some(name) = run_in_name(&p.text) else {
        return;
    };
    let line = p.text.clone();
    let again = s
        .nodes
        .iter()
        .skip(1)
        .take(6)
        .any(|n| matches!(n, Node::P(q) if compact(&q.text) == name));
    if again {
        s.nodes.remove(0);
        s.draft.checks.push(Check {
            at: KeyPath::File,
            message: format!(
                "the first line 「{line}」 was dropped as the web page's title: the masthead \
                 under it names the bulletin"
            ),
        });
        return;
    }
    let number: String = compact(&line)[name.len()..].to_string();
    let mut hints = p.hints.clone();
    hints.text = name.clone();
    let first = P::new(name.clone(), hints.clone(), Vec::new());
    hints.text = number.clone();
    let second = P::new(number, hints, Vec::new());
    s.nodes.splice(0..1, [Node::P(first), Node::P(second)]);
    s.draft.checks.push(Check {
        at: KeyPath::Bulletin,
        message: format!("the name 「{name}」 was read from the line 「{line}」"),
    });
}

/// Reads the masthead; the articles start after it.
pub(super) fn masthead(s: &mut State) {
    page_title(s);
    // A table among the first lines, before any text.
    for at in 0..s.nodes.len().min(4) {
        match &s.nodes[at] {
            Node::Table(t) if masthead_table(t) => {
                open_container(&mut s.nodes, at);
                break;
            }
            Node::P(p) if p.len() <= 45 && !ends_sentence(&p.text) => {}
            _ => break,
        }
    }
    s.head_end = parse_head(&s.nodes, &mut s.draft, s.body_size);
}

/// The masthead: returns where it ends.
pub(super) fn parse_head(nodes: &[Node], draft: &mut Work, body_size: Option<f32>) -> usize {
    let limit = nodes.len().min(14);
    let mut stop = limit;
    for (i, n) in nodes.iter().enumerate().take(limit) {
        let Node::P(p) = n else {
            stop = i;
            break;
        };
        let t = &p.text;
        if column_marker(t).is_some()
            || toc_header(t)
            || details_header(t)
            || note_label(t).is_some()
        {
            stop = i;
            break;
        }
        if nchars(&compact(t)) > 45 || ends_sentence(t) {
            stop = i;
            break;
        }
    }
    let texts: Vec<String> = nodes[..stop]
        .iter()
        .filter_map(|n| match n {
            Node::P(p) => Some(p.text.clone()),
            _ => None,
        })
        .collect();
    let mut used = vec![false; texts.len()];
    let mut number_at = None;
    let mut date_at = None;
    for (i, t) in texts.iter().enumerate() {
        if let Some((number, total, kind)) = number_line(t) {
            if number_at.is_none() {
                draft.number = number;
                draft.issue.issue.total = total.and_then(NonZeroU32::new);
                draft.issue.issue.kind = kind;
                number_at = Some(i);
                used[i] = true;
                // The date on the same line, and the office before the number
                // (协调小组办公室　第363期　2020年2月10日).
                if let Some(d) = find_date(t) {
                    set_date(draft, d);
                    date_at = Some(i);
                    let (before, _) = cut(t, d.start, d.end);
                    if let Some(k) = before.find('第') {
                        let office = before[..k].trim();
                        if office_like(office) && office.chars().any(is_han) {
                            draft.issue.bulletin.office = office.to_string();
                        }
                    }
                }
                continue;
            }
        }
        if marker_line(t) {
            // 内部资料 / 注意保存 on two lines: one marker.
            // Its parts are set apart with a full-width space, however the
            // input spaced them.
            let t = t.split_whitespace().collect::<Vec<_>>().join("　");
            draft.issue.bulletin.marker = Some(match draft.issue.bulletin.marker.take() {
                Some(m) => format!("{m}　{t}"),
                None => t,
            });
            used[i] = true;
        } else if let Some((c, period)) = secrecy_line(t) {
            draft.issue.issue.classification = Some(c);
            draft.issue.issue.secrecy_period = period;
            used[i] = true;
        } else if let Some(u) = urgency_line(t) {
            draft.issue.issue.urgency = Some(u);
            used[i] = true;
        } else if t.chars().all(|c| c.is_ascii_digit()) && t.len() == 6 && i < 3 {
            draft.issue.issue.copy = t.parse().ok();
            used[i] = true;
        }
    }
    for (i, t) in texts.iter().enumerate() {
        if used[i] || date_at.is_some() {
            continue;
        }
        if let Some(d) = find_date(t) {
            let (before, after) = cut(t, d.start, d.end);
            let rest = format!("{} {}", before.trim(), after.trim());
            let rest = rest
                .trim()
                .trim_end_matches(['出', '版', '印', '发'])
                .trim();
            set_date(draft, d);
            date_at = Some(i);
            used[i] = true;
            if !rest.is_empty() && rest.chars().any(is_han) && nchars(rest) <= 30 {
                draft.issue.bulletin.office = rest.to_string();
            }
        }
    }
    // Everything up to the later of number and date is the masthead; the
    // office may stand just after the date.
    let last = match (number_at, date_at) {
        (Some(a), Some(b)) => a.max(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => {
            // No number and no date: the name only, when the first line
            // names a bulletin.
            if let Some(t) = texts.first() {
                if BULLETIN_WORDS.iter().any(|w| compact(t).ends_with(w)) && nchars(t) <= 30 {
                    draft.issue.bulletin.name = t.clone();
                    return head_index(nodes, 1);
                }
            }
            return 0;
        }
    };
    // The office: an unused line next to the date.
    if draft.issue.bulletin.office.is_empty() {
        if let Some(d) = date_at {
            let cands = [d.checked_sub(1), Some(d + 1)];
            for c in cands.into_iter().flatten() {
                if c < texts.len()
                    && !used[c]
                    && Some(c) != number_at
                    && (c > number_at.unwrap_or(0) || number_at.is_none())
                    && nchars(&texts[c]) <= 30
                    && column_marker(&texts[c]).is_none()
                    && (c < d || office_like(&texts[c]))
                {
                    draft.issue.bulletin.office = texts[c].clone();
                    used[c] = true;
                    break;
                }
            }
        }
    }
    let mut end = last + 1;
    if end < texts.len()
        && !used[end]
        && draft.issue.bulletin.office.is_empty()
        && office_like(&texts[end])
    {
        draft.issue.bulletin.office = texts[end].clone();
        used[end] = true;
        end += 1;
    }
    // Name and the line above it: the unused lines before the number (or
    // the date).
    let first_field = number_at.or(date_at).unwrap_or(0);
    let before: Vec<usize> = (0..first_field).filter(|&i| !used[i]).collect();
    let sizes: Vec<Option<f32>> = nodes[..stop]
        .iter()
        .filter_map(|n| match n {
            Node::P(p) => Some(p.hints.size),
            _ => None,
        })
        .collect();
    let reds: Vec<bool> = nodes[..stop]
        .iter()
        .filter_map(|n| match n {
            Node::P(p) => Some(p.ev.red),
            _ => None,
        })
        .collect();
    let biggest = before
        .iter()
        .copied()
        .filter(|&i| sizes.get(i).copied().flatten().is_some())
        .max_by(|&a, &b| {
            let sa = sizes[a].unwrap_or(0.0);
            let sb = sizes[b].unwrap_or(0.0);
            sa.total_cmp(&sb)
        });
    let name_at = match biggest {
        Some(b) if body_size.is_none_or(|bs| sizes[b].unwrap_or(0.0) > bs + 2.0) => Some(b),
        _ => before
            .iter()
            .copied()
            .rev()
            .find(|&i| {
                BULLETIN_WORDS
                    .iter()
                    .any(|w| compact(&texts[i]).ends_with(w))
            })
            .or_else(|| before.iter().copied().find(|&i| reds.get(i) == Some(&true)))
            .or(before.last().copied()),
    };
    if let Some(n) = name_at {
        let line = texts[n].clone();
        let mut above: Vec<String> = before
            .iter()
            .filter(|&&i| i < n)
            .map(|&i| texts[i].clone())
            .collect();
        // "建设学习型党组织、学习型领导班子 工作简报": above and name on one line.
        let parts: Vec<&str> = line.split([' ', '　']).filter(|s| !s.is_empty()).collect();
        let name = if parts.len() >= 2
            && BULLETIN_WORDS
                .iter()
                .any(|w| parts[parts.len() - 1].ends_with(w))
            && nchars(parts[parts.len() - 1]) <= 12
        {
            above.push(parts[..parts.len() - 1].join(" "));
            parts[parts.len() - 1].to_string()
        } else if BULLETIN_WORDS.iter().any(|w| compact(&line).ends_with(w)) {
            compact(&line)
        } else {
            line
        };
        draft.issue.bulletin.name = name;
        if !above.is_empty() {
            draft.issue.bulletin.above = Some(above.join(" "));
        }
        for &i in &before {
            used[i] = true;
        }
    }
    // An office before the number (rare) or left over.
    if draft.issue.bulletin.office.is_empty() {
        if let Some(i) = (0..end.min(texts.len())).find(|&i| !used[i] && office_like(&texts[i])) {
            draft.issue.bulletin.office = texts[i].clone();
            used[i] = true;
        }
    }
    head_index(nodes, end)
}

/// The node index after the `n`th paragraph.
pub(super) fn head_index(nodes: &[Node], n: usize) -> usize {
    let mut seen = 0;
    for (i, node) in nodes.iter().enumerate() {
        if seen == n {
            return i;
        }
        if matches!(node, Node::P(_)) {
            seen += 1;
        }
    }
    nodes.len()
}

/// A line that reads as an office: short, ends with an office's word.
pub(super) fn office_like(s: &str) -> bool {
    let c = compact(s);
    nchars(&c) <= 30
        && [
            "办公室",
            "辦公室",
            "委员会",
            "委員會",
            "办",
            "辦",
            "局",
            "部",
            "厅",
            "廳",
            "处",
            "處",
            "组",
            "組",
            "中心",
            "会",
            "會",
            "室",
            "院",
            "所",
            "司",
            "委",
            "政府",
            "公司",
            "集团",
            "协会",
            "小组",
        ]
        .iter()
        .any(|w| c.ends_with(w))
}

pub(super) fn set_date(draft: &mut Work, d: FoundDate) {
    draft.date = date_of_found(d.year, d.month, d.day);
    if d.year.is_none() {
        // Filled in later from the context (see `tidy`).
        draft.checks.push(Check {
            at: KeyPath::Issue,
            message: "the date has no year".into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_title_gives_the_name_before_its_number() {
        assert_eq!(
            run_in_name("高教改革信息参考第1期").as_deref(),
            Some("高教改革信息参考")
        );
        assert_eq!(
            run_in_name("工作简报2020年第3期").as_deref(),
            Some("工作简报")
        );
        assert_eq!(
            run_in_name("人社工作动态（2021年第4期）").as_deref(),
            Some("人社工作动态")
        );
        assert_eq!(run_in_name("第4期"), None);
    }
}
