//! The tidy pass: years of dates written without one, flagged
//! placeholders where something required was not found, empty columns
//! dropped, and the issue finished for writing.

use super::*;

/// Fills what is missing with flagged placeholders, and years from the
/// context.
pub(super) fn tidy(d: &mut Work) {
    // Years of dates written without one.
    let context_year = d
        .print_date
        .filter(|p| p.year > 0)
        .map(|p| p.year)
        .or_else(|| d.date.filter(|p| p.year > 0).map(|p| p.year))
        .or_else(|| {
            d.issue
                .columns
                .iter()
                .flat_map(|c| &c.articles)
                .flat_map(blocks)
                .flat_map(|b| paragraphs(b.get_ref()))
                .find_map(|p| find_date(p)?.year)
                .and_then(|y| u16::try_from(y).ok())
        });
    let fill = |date: &mut Option<Date>, checks: &mut Vec<Check>, at: KeyPath| {
        if let Some(dt) = date.as_mut().filter(|dt| dt.year == 0) {
            match context_year {
                Some(y) if Date::new(y, dt.month, dt.day).is_some() => {
                    dt.year = y;
                    for c in checks
                        .iter_mut()
                        .filter(|c| c.at == at && c.message.ends_with("has no year"))
                    {
                        c.message = format!(
                            "{}: the year {y} was taken from the rest of the issue",
                            c.message
                        );
                    }
                }
                _ => {
                    *date = None;
                }
            }
        }
    };
    fill(&mut d.date, &mut d.checks, KeyPath::Issue);
    fill(&mut d.print_date, &mut d.checks, KeyPath::Footer);
    if d.issue.bulletin.name.is_empty() {
        d.checks.push(Check {
            at: KeyPath::Bulletin,
            message: "no bulletin name found: \"工作简报\" is a placeholder".into(),
        });
    }
    if d.issue.bulletin.office.is_empty() {
        d.checks.push(Check {
            at: KeyPath::Bulletin,
            message: "no issuing office found: write it".into(),
        });
    }
    if d.number.is_none() {
        d.checks.push(Check {
            at: KeyPath::Issue,
            message: "no issue number (第 N 期) found: 1 is a placeholder".into(),
        });
    }
    if d.date.is_none() {
        if let Some(w) = d.web_date {
            d.date = Some(w);
            d.checks.push(Check {
                at: KeyPath::Issue,
                message: format!("no date under a masthead: {w}, the web page's date, is used"),
            });
        }
    }
    if d.date.is_none() {
        d.checks.push(Check {
            at: KeyPath::Issue,
            message: match d.print_date {
                Some(p) => format!("no date found under the masthead: the print date {p} is used"),
                None => "no date found: 2000-01-01 is a placeholder".into(),
            },
        });
    }
    // A 专报 without columns: the zhuanbao layout.
    let name = &d.issue.bulletin.name;
    let zhuanbao = name.ends_with("专报") || name.ends_with("專報");
    if zhuanbao && d.issue.columns.iter().all(|c| c.name.is_empty()) {
        d.issue.layout = Some("zhuanbao".into());
        d.checks.push(Check {
            at: KeyPath::File,
            message: "the bundled zhuanbao layout is chosen, as the bulletin is a 专报".into(),
        });
    }
    // Articles before the first named column when there are named ones.
    let named = d.issue.columns.iter().any(|c| !c.name.is_empty());
    if named {
        for (i, c) in d.issue.columns.iter_mut().enumerate() {
            if c.name.is_empty() {
                c.name = "（待补：栏目）".into();
                d.checks.push(Check {
                    at: KeyPath::Column(i),
                    message: "articles before the first column marker: name their column, or \
                              move them into one"
                        .into(),
                });
            }
        }
    }
    // Columns without articles go; the checks follow their columns.
    let mut index = Vec::new();
    let mut kept = 0;
    for c in &d.issue.columns {
        index.push((!c.articles.is_empty()).then_some(kept));
        kept += usize::from(!c.articles.is_empty());
    }
    d.issue.columns.retain(|c| !c.articles.is_empty());
    for c in &mut d.checks {
        match &mut c.at {
            KeyPath::Column(i)
            | KeyPath::Article {
                column: Some(i), ..
            } => {
                if let Some(Some(n)) = index.get(*i) {
                    *i = *n;
                }
            }
            _ => {}
        }
    }
    if d.issue.columns.is_empty() {
        d.issue.columns.push(Column {
            name: String::new(),
            articles: vec![Article {
                title: "（待补：标题）".into(),
                body: Body::Blocks(vec![text_block(&["（待补：正文）".into()])]),
                ..Default::default()
            }],
        });
        d.checks.push(Check {
            at: article_at(0, 0),
            message: "no article text found in the input: an empty placeholder article".into(),
        });
    }
    // Articles with nothing at all.
    for c in &mut d.issue.columns {
        for a in &mut c.articles {
            if blocks(a).is_empty() {
                blocks_mut(a).push(text_block(&["（待补：正文）".into()]));
            }
            if let Some(n) = &mut a.note {
                if n.text.is_empty() {
                    n.text = "（待补：按语）".into();
                }
            }
        }
    }
}

/// The issue as found: placeholders where something required was not
/// found, the articles of a bulletin without columns at the top level
/// (their checks with them), bodies of text only as a string.
pub(super) fn finish(mut d: Work) -> Recognized {
    let mut placeholders = Vec::new();
    let mut placeholder = |key: &'static str, missing: bool| {
        if missing {
            placeholders.push(key);
        }
    };
    placeholder("bulletin.name", d.issue.bulletin.name.is_empty());
    placeholder("bulletin.office", d.issue.bulletin.office.is_empty());
    placeholder("issue.number", d.number.is_none());
    placeholder("issue.date", d.date.is_none() && d.print_date.is_none());
    let issue = &mut d.issue;
    if issue.bulletin.name.is_empty() {
        issue.bulletin.name = "工作简报".into();
    }
    if issue.bulletin.office.is_empty() {
        issue.bulletin.office = "（待补：发文机关）".into();
    }
    issue.issue.number = d.number.take().unwrap_or(IssueNumber::Number(1));
    let date = d.date.or(d.print_date).unwrap_or(PLACEHOLDER_DATE);
    issue.issue.date = date.to_spanned();
    let mut footer = issue.footer.take().unwrap_or_default();
    footer.print_date = d.print_date.map(Date::to_spanned);
    let empty = FooterField::ALL.iter().all(|f| f.get(&footer).is_none())
        && footer.print_date.is_none()
        && footer.copies.is_none();
    issue.footer = (!empty).then_some(footer);
    for a in issue.columns.iter_mut().flat_map(|c| &mut c.articles) {
        finish_body(a);
    }
    // Without named columns, the articles go to the top level, in order.
    if issue.columns.iter().all(|c| c.name.is_empty()) {
        let mut offsets = Vec::new();
        for c in std::mem::take(&mut issue.columns) {
            offsets.push(issue.articles.len());
            issue.articles.extend(c.articles);
        }
        for c in &mut d.checks {
            if let KeyPath::Article {
                column: Some(col),
                index,
            } = c.at
            {
                c.at = KeyPath::Article {
                    column: None,
                    index: offsets.get(col).copied().unwrap_or(0) + index,
                };
            }
        }
    }
    Recognized {
        issue: d.issue,
        checks: d.checks,
        placeholders,
        dropped: d.dropped,
        repairs: d.repairs,
        images: d.images,
        notices: d.notices,
    }
}

/// A body of text blocks only is written as one string.
pub(super) fn finish_body(a: &mut Article) {
    let Body::Blocks(b) = &a.body else { return };
    let only_text = b.iter().all(|b| {
        let b = b.get_ref();
        b.text.is_some() && b.image.is_none() && b.rows.is_none()
    });
    if only_text {
        let text: Vec<&str> = b
            .iter()
            .filter_map(|b| b.get_ref().text.as_deref())
            .collect();
        a.body = Body::Text(text.join("\n\n"));
    }
}
