//! The contents pass: the table of contents after the masthead (本期要目,
//! 目录, or none), read into groups (column names) and their titles, which
//! the articles pass then finds in the text; the contents are dropped.

use super::*;

/// Finds the table of contents; the articles start after it.
pub(super) fn contents(s: &mut State) {
    let (toc, body_start) = find_toc(&s.nodes, s.head_end);
    if toc.headless {
        let n: usize = toc.groups.iter().map(|g| g.1.len()).sum();
        s.draft.checks.push(Check {
            at: KeyPath::File,
            message: format!(
                "the bulleted lines after the masthead were read as the table of contents \
                 (no 目录 heading; {n} titles) and dropped: check that no text was lost"
            ),
        });
    }
    s.toc = toc;
    s.body_start = body_start;
}

/// The TOC: groups (column names, or None) with their titles.
#[derive(Debug, Default)]
pub(super) struct Toc {
    pub(super) groups: Vec<(Option<String>, Vec<String>)>,
    /// Read from bulleted lines with no heading (a guess, checked).
    pub(super) headless: bool,
}

impl Toc {
    pub(super) fn titles(&self) -> Vec<(usize, String)> {
        self.groups
            .iter()
            .enumerate()
            .flat_map(|(g, (_, ts))| ts.iter().map(move |t| (g, t.clone())))
            .collect()
    }
    pub(super) fn group_named(&self, name: &str) -> Option<usize> {
        let k = letters(name);
        self.groups
            .iter()
            .position(|(n, _)| n.as_deref().is_some_and(|n| letters(n) == k))
    }
}

/// The length of the longest common subsequence of two strings' letters.
pub(super) fn lcs(a: &str, b: &str) -> usize {
    let a: Vec<char> = letters(a).chars().collect();
    let b: Vec<char> = letters(b).chars().collect();
    if a.is_empty() || b.is_empty() || a.len() > 300 || b.len() > 300 {
        return 0;
    }
    let mut row = vec![0usize; b.len() + 1];
    for ca in &a {
        let mut prev = 0;
        for j in 0..b.len() {
            let cur = row[j + 1];
            row[j + 1] = if *ca == b[j] {
                prev + 1
            } else {
                row[j + 1].max(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// How alike two titles are, 0 to 1: their common letters (in order) over
/// the longer one's.
pub(super) fn likeness(a: &str, b: &str) -> f32 {
    let (la, lb) = (letters(a).chars().count(), letters(b).chars().count());
    if la == 0 || lb == 0 {
        return 0.0;
    }
    lcs(a, b) as f32 / la.max(lb) as f32
}

/// How much of `part` is found, in order, in `whole`, 0 to 1.
pub(super) fn coverage(part: &str, whole: &str) -> f32 {
    let lp = letters(part).chars().count();
    if lp == 0 {
        return 0.0;
    }
    lcs(part, whole) as f32 / lp as f32
}

/// A TOC line's title: bullets, numbering, dot leaders and page numbers
/// removed.
pub(super) fn toc_entry(s: &str) -> String {
    let mut t = bullet(s).unwrap_or(s).trim().to_string();
    // "1. 标题" / "1、标题": the entry's number.
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    if (1..=2).contains(&digits) {
        let rest: String = t.chars().skip(digits).collect();
        if let Some(r) = rest.strip_prefix(['.', '、', '．']) {
            if !r.starts_with(|c: char| c.is_ascii_digit()) {
                t = r.trim().to_string();
            }
        }
    }
    // Dot leaders and a page number at the end.
    let trimmed = t.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
    let leaders = trimmed.trim_end_matches(['.', '…', '·', '．', '-', '—', ' ', '　']);
    if leaders.len() < trimmed.len()
        || (trimmed.len() < t.len()
            && t.ends_with(|c: char| c.is_ascii_digit())
            && trimmed.ends_with(' '))
    {
        t = leaders.trim_end().to_string();
    }
    t
}

/// Whether the paragraph at `i` (perhaps with the ones after it) is one of
/// the next TOC titles: (index of the title, paragraphs used, title lines).
pub(super) fn match_title(
    nodes: &[Node],
    i: usize,
    titles: &[(usize, String)],
    next: usize,
) -> Option<(usize, usize, Vec<String>)> {
    let Node::P(p) = &nodes[i] else { return None };
    if p.len() > 120 || p.text.ends_with('。') {
        return None;
    }
    for (k, (_, t)) in titles.iter().enumerate().skip(next).take(3) {
        let want = letters(t);
        let have = letters(&p.text);
        if have.is_empty() {
            continue;
        }
        let single = likeness(&have, &want);
        if single >= 0.8 {
            // Near enough alone; but a title wrapped short of its end (a
            // PDF's line break: 工作部 / 署会) takes the lines that bring it
            // nearer.
            let (mut lines, mut acc, mut best, mut j) =
                (p.title_lines(), have.clone(), single, i + 1);
            while single < 1.0 && j < nodes.len() && j < i + 3 {
                let Node::P(q) = &nodes[j] else { break };
                if ends_sentence(&q.text) || q.len() > 40 {
                    break;
                }
                let next_acc = format!("{acc}{}", letters(&q.text));
                let l = likeness(&next_acc, &want);
                if l <= best {
                    break;
                }
                lines.push(q.text.clone());
                (acc, best, j) = (next_acc, l, j + 1);
            }
            return Some((k, j - i, lines));
        }
        // The title broken over two or three paragraphs.
        if have.chars().count() >= 4
            && have.chars().count() < want.chars().count()
            && coverage(&have, &want) >= 0.8
        {
            let mut lines = vec![p.text.clone()];
            let mut acc = have.clone();
            let mut j = i + 1;
            while j < nodes.len() && j < i + 4 {
                let Node::P(q) = &nodes[j] else { break };
                if ends_sentence(&q.text) || q.len() > 80 {
                    break;
                }
                let next_acc = format!("{acc}{}", letters(&q.text));
                if coverage(&next_acc, &want) < 0.8 {
                    break;
                }
                lines.push(q.text.clone());
                acc = next_acc;
                j += 1;
                if likeness(&acc, &want) >= 0.8 {
                    return Some((k, j - i, lines));
                }
            }
        }
    }
    None
}

/// A line naming a TOC group: 一、上情下达, or 上情下达 alone.
pub(super) fn toc_group_line(s: &str, toc: &Toc) -> Option<usize> {
    if nchars(s) > 24 {
        return None;
    }
    let bare = text_without_number(s);
    toc.group_named(&bare)
}

pub(super) fn text_without_number(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.iter().take_while(|c| CN_NUM.contains(**c)).count();
    if n > 0 && chars.get(n) == Some(&'、') {
        return chars[n + 1..].iter().collect::<String>().trim().to_string();
    }
    s.trim().to_string()
}

pub(super) const CN_NUM: &str = "一二三四五六七八九十";

/// Finds the table of contents after the masthead: (the TOC, where the
/// articles start).
pub(super) fn find_toc(nodes: &[Node], start: usize) -> (Toc, usize) {
    let texts: Vec<Option<&str>> = nodes
        .iter()
        .map(|n| match n {
            Node::P(p) => Some(p.text.as_str()),
            _ => None,
        })
        .collect();
    let markers: Vec<(usize, String)> = texts
        .iter()
        .enumerate()
        .skip(start)
        .filter_map(|(i, t)| Some((i, column_marker((*t)?)?)))
        .collect();
    let header = (start..nodes.len().min(start + 10)).find(|&i| texts[i].is_some_and(toc_header));
    let details = (start..nodes.len()).find(|&i| texts[i].is_some_and(details_header));
    let (from, to) = match (header, details) {
        (Some(h), Some(d)) if d > h => (h + 1, d + 1),
        (Some(h), _) => {
            // Up to the first column marker seen again, or the first TOC
            // entry seen again.
            let first = markers.iter().find(|(i, _)| *i > h);
            let again = first.and_then(|(fi, name)| {
                markers
                    .iter()
                    .find(|(i, n)| i > fi && letters(n) == letters(name))
                    .map(|(i, _)| *i)
            });
            match again {
                Some(a) => (h + 1, a),
                None => {
                    // Titles only: until the first entry comes again.
                    let first_entry = (h + 1..nodes.len()).find(|&i| texts[i].is_some());
                    let end = first_entry.and_then(|fe| {
                        let k = letters(&toc_entry(texts[fe].unwrap_or("")));
                        (fe + 1..nodes.len()).find(|&i| {
                            texts[i]
                                .is_some_and(|t| !k.is_empty() && likeness(&letters(t), &k) >= 0.8)
                        })
                    });
                    match end {
                        Some(e) => {
                            // Stop before a marker just before it.
                            let e2 = if e > 0
                                && texts[e - 1].is_some_and(|t| column_marker(t).is_some())
                            {
                                e - 1
                            } else {
                                e
                            };
                            (h + 1, e2)
                        }
                        None => return (Toc::default(), h + 1),
                    }
                }
            }
        }
        (None, Some(d)) if d < start + 40 => (start, d + 1),
        _ => {
            // No heading: a first column marker that comes again, with only
            // short lines between.
            let Some((fi, name)) = markers.first() else {
                return match headless(&texts, start) {
                    Some((from, to, group_bullets)) => {
                        let mut toc = Toc::default();
                        read_entries(&mut toc, &texts[from..to], &markers, to, &group_bullets);
                        toc.headless = !toc.groups.is_empty();
                        (toc, to)
                    }
                    None => (Toc::default(), start),
                };
            };
            let again = markers
                .iter()
                .find(|(i, n)| i > fi && letters(n) == letters(name))
                .map(|(i, _)| *i);
            match again {
                Some(a)
                    if (fi + 1..a).all(|i| {
                        texts[i].is_some_and(|t| nchars(t) <= 90 && !ends_sentence(t))
                    }) =>
                {
                    (*fi, a)
                }
                _ => return (Toc::default(), start),
            }
        }
    };
    let end = if details.is_some_and(|d| d + 1 == to) {
        to - 1
    } else {
        to
    };
    let mut toc = Toc::default();
    read_entries(&mut toc, &texts[from..end.max(from)], &markers, to, &[]);
    (toc, end.max(to.min(nodes.len())).max(from))
}

/// The bullet a line starts with, if any.
fn bullet_char(t: &str) -> Option<char> {
    bullet(t).and_then(|_| t.chars().next())
}

/// A contents block without a heading, just after the masthead: two or
/// more short lines that start with a bullet (☆ ◆ ●) or a number (1.
/// 1、), at least one of whose titles comes again further on. Returns where
/// it starts and ends, and the bullets of its group lines when its lines
/// have more than one kind (☆ 本期关注 over ● titles: all but the
/// commonest).
fn headless(texts: &[Option<&str>], start: usize) -> Option<(usize, usize, Vec<char>)> {
    let entry = |t: &str| {
        nchars(t) <= 60
            && !ends_sentence(t)
            && (bullet(t).is_some()
                || (toc_entry(t) != t && t.starts_with(|c: char| c.is_ascii_digit())))
    };
    let from = (start..texts.len().min(start + 3)).find(|&i| texts[i].is_some_and(entry))?;
    let mut to = from;
    while to < texts.len() && texts[to].is_some_and(entry) {
        to += 1;
    }
    if to - from < 2 {
        return None;
    }
    // The kinds of bullet: the commonest marks the titles.
    let mut kinds: Vec<(char, usize)> = Vec::new();
    for t in texts[from..to].iter().flatten() {
        if let Some(c) = bullet_char(t) {
            match kinds.iter_mut().find(|(k, _)| *k == c) {
                Some(k) => k.1 += 1,
                None => kinds.push((c, 1)),
            }
        }
    }
    kinds.sort_by_key(|k| std::cmp::Reverse(k.1));
    let group_bullets: Vec<char> = kinds.iter().skip(1).map(|k| k.0).collect();
    // A title that comes again.
    let again = texts[from..to].iter().flatten().any(|t| {
        let k = letters(&toc_entry(t));
        !k.is_empty()
            && texts[to..]
                .iter()
                .flatten()
                .any(|l| nchars(l) <= 80 && likeness(&letters(l), &k) >= 0.8)
    });
    again.then_some((from, to, group_bullets))
}

/// Reads the lines of the contents into groups and titles. `to` is where
/// the contents end (column markers after it name groups); a line with
/// one of `group_bullets` names a group.
fn read_entries(
    toc: &mut Toc,
    lines: &[Option<&str>],
    markers: &[(usize, String)],
    to: usize,
    group_bullets: &[char],
) {
    let mut bulleted = false;
    for t in lines.iter().flatten() {
        if bullet_char(t).is_some_and(|c| group_bullets.contains(&c)) {
            if let Some(name) = bullet(t) {
                toc.groups.push((Some(name.trim().to_string()), Vec::new()));
                continue;
            }
        }
        if let Some(name) = column_marker(t) {
            toc.groups.push((Some(name), Vec::new()));
            continue;
        }
        let chars: Vec<char> = t.chars().collect();
        let n = chars.iter().take_while(|c| CN_NUM.contains(**c)).count();
        if n > 0 && chars.get(n) == Some(&'、') && nchars(t) <= 16 {
            toc.groups.push((Some(text_without_number(t)), Vec::new()));
            continue;
        }
        if toc_header(t) || details_header(t) {
            continue;
        }
        // A bare column name that a marker later in the text names.
        if nchars(t) <= 20
            && bullet(t).is_none()
            && markers
                .iter()
                .any(|(i, n)| *i >= to && letters(n) == letters(t))
        {
            toc.groups.push((Some(t.trim().to_string()), Vec::new()));
            continue;
        }
        let has_bullet = bullet(t).is_some();
        let entry = toc_entry(t);
        if entry.is_empty() {
            continue;
        }
        if toc.groups.is_empty() {
            toc.groups.push((None, Vec::new()));
        }
        if let Some(g) = toc.groups.last_mut() {
            // A wrapped entry: a line without the bullet the others have.
            if bulleted && !has_bullet && !g.1.is_empty() {
                if let Some(last) = g.1.last_mut() {
                    last.push_str(&entry);
                    continue;
                }
            }
            g.1.push(entry);
        }
        bulleted |= has_bullet;
    }
    toc.groups.retain(|(_, ts)| !ts.is_empty());
}
