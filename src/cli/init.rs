//! `bulletin-pdf init [DIR]`: a new issue file to fill in (and, with
//! `--series`, a series file), numbered after the newest issue in the folder
//! and dated today. Never overwrites a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use bulletin_model::issue::{self as model, SchemaKind};
use bulletin_model::source::{self, SERIES_FILE};
use bulletin_render::Error;

/// The newest issue of a folder: the highest integer `issue.number` among
/// its `*.toml` issue files, with its tables.
struct Newest {
    number: i64,
    table: toml::Table,
}

fn newest_issue(dir: &Path) -> Option<Newest> {
    let mut best: Option<Newest> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".toml") || name == SERIES_FILE || name == "layout.toml" {
            continue;
        }
        let Ok(bytes) = source::read_limited(&path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let Ok(table) = toml::from_str::<toml::Table>(text.trim_start_matches('\u{feff}')) else {
            continue;
        };
        let number = table
            .get("issue")
            .and_then(|i| i.get("number"))
            .and_then(toml::Value::as_integer);
        if let Some(number) = number {
            if best.as_ref().is_none_or(|b| number > b.number) {
                best = Some(Newest { number, table });
            }
        }
    }
    best
}

/// Today's date on this machine's clock (local time where the platform
/// tells it, else UTC), as a TOML date.
pub fn today() -> toml::value::Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let secs = secs + local_offset(secs);
    let days = secs.div_euclid(86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
    toml::value::Date { year, month, day }
}

/// The local time zone's offset from UTC, in seconds, at `secs`.
#[cfg(unix)]
fn local_offset(secs: i64) -> i64 {
    let t = secs as libc::time_t;
    // SAFETY: localtime_r writes into the zeroed struct we own.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if ok {
        tm.tm_gmtoff
    } else {
        0
    }
}

#[cfg(not(unix))]
fn local_offset(_secs: i64) -> i64 {
    0
}

/// A string as a TOML literal.
fn lit(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A key of a table of the newest issue, as a TOML literal.
fn old(newest: Option<&Newest>, table: &str, key: &str) -> Option<String> {
    let v = newest?.table.get(table)?.get(key)?;
    match v {
        toml::Value::String(s) if s.trim().is_empty() => None,
        v => Some(v.to_string()),
    }
}

/// `key = value` after its comment; commented out (with `example`) when
/// there is no value.
fn key(out: &mut String, comment: &str, name: &str, value: Option<String>, example: &str) {
    out.push_str(&format!("# {comment}\n"));
    match value {
        Some(v) => out.push_str(&format!("{name} = {v}\n")),
        None => out.push_str(&format!("# {name} = {example}\n")),
    }
}

/// [bulletin], [options], [footer], layout and [style]: what a series file
/// holds, or an issue without one.
fn shared_tables(out: &mut String, newest: Option<&Newest>) {
    let layout = newest
        .and_then(|n| n.table.get("layout")?.as_str())
        .map(lit);
    key(
        out,
        "The layout: a bundled one (default, zhuanbao), a folder in ./layouts/, or a folder \
         relative to this file.",
        "layout",
        layout,
        "\"default\"",
    );
    out.push_str("\n[bulletin]\n");
    let name = old(newest, "bulletin", "name").unwrap_or_else(|| lit("工作简报"));
    key(
        out,
        "The bulletin's name in the masthead.",
        "name",
        Some(name),
        "",
    );
    key(
        out,
        "A line above the name.",
        "above",
        old(newest, "bulletin", "above"),
        "\"建设学习型党组织、学习型领导班子\"",
    );
    let office = old(newest, "bulletin", "office").unwrap_or_else(|| lit("办公室"));
    key(
        out,
        "The issuing office, at the left under the name.",
        "office",
        Some(office),
        "",
    );
    key(
        out,
        "A marker at the top left: 内部资料 注意保存, or a 密级.",
        "marker",
        old(newest, "bulletin", "marker"),
        "\"内部资料　注意保存\"",
    );
    out.push_str("\n[options]\n");
    key(
        out,
        "Print the table of contents.",
        "toc",
        old(newest, "options", "toc"),
        "true",
    );
    key(
        out,
        "Page numbers with dot leaders in the table of contents.",
        "toc_page_numbers",
        old(newest, "options", "toc_page_numbers"),
        "false",
    );
    key(
        out,
        "The grid: \"issue-363\" (27 cells a line) or \"gbt9704\" (28).",
        "grid",
        old(newest, "options", "grid"),
        "\"issue-363\"",
    );
    key(
        out,
        "Detect headings (一、 （一） 1. （1）) and run-in leads (一是…。) in bodies.",
        "detect",
        old(newest, "options", "detect"),
        "true",
    );
    key(
        out,
        "PDF standards to conform to.",
        "pdf_standards",
        old(newest, "options", "pdf_standards"),
        "[\"a-2b\"]",
    );
    // The footer's keys: (key, comment, example).
    let footer = [
        ("zhusong", "主送： main recipients (专报).", "\"上级单位\""),
        ("bao", "报： recipients (superiors).", "\"上级单位\""),
        ("song", "送： recipients (peers).", "\"有关单位\""),
        ("fa", "发： recipients (subordinates).", "\"各下属单位\""),
        (
            "zengfa",
            "本期增发： extra recipients of this issue only.",
            "\"有关单位\"",
        ),
        (
            "editor",
            "责任编辑 (on one line with the next three).",
            "\"张三\"",
        ),
        ("proofreader", "校对.", "\"李四\""),
        ("reviewer", "审核.", "\"王五\""),
        ("approver", "签发.", "\"赵六\""),
        ("contact", "联系人.", "\"孙七\""),
        ("phone", "电话 (in quotes).", "\"0516-12345678\""),
        (
            "printer",
            "The printing office, on the last line.",
            "\"办公室\"",
        ),
        ("copies", "Number of copies, printed （共印 N 份）.", "100"),
    ];
    if footer
        .iter()
        .any(|(k, _, _)| old(newest, "footer", k).is_some())
    {
        out.push_str("\n[footer]\n");
    } else {
        out.push_str("\n# The distribution footer (报尾): uncomment [footer] with the keys you fill in.\n# [footer]\n");
    }
    for (k, comment, example) in footer {
        key(out, comment, k, old(newest, "footer", k), example);
    }
    out.push_str("\n[style]\n# Overrides of the layout's parameters (bulletin-pdf layouts --json lists them), e.g.\n# red = \"#C00000\"\n");
}

/// The issue file's text.
fn issue_text(
    number: i64,
    date: toml::value::Date,
    newest: Option<&Newest>,
    series: bool,
) -> String {
    let kind = if series {
        SchemaKind::Partial
    } else {
        SchemaKind::Issue
    };
    let mut out = format!(
        "#:schema ./{}\n# Issue {number}, written by `bulletin-pdf init`: replace the placeholders, then\n\
         # `bulletin-pdf check issue-{number}.toml` and `bulletin-pdf issue-{number}.toml`.\n\n",
        kind.file_name()
    );
    if series {
        out.push_str(
            "# [bulletin], [options], [footer], layout and [style] come from the series file\n\
             # bulletin.toml (in this folder or above); any key may be overridden here.\n",
        );
    } else {
        shared_tables(&mut out, newest);
    }
    out.push_str("\n[issue]\n");
    key(
        &mut out,
        "第 N 期: an integer, or text such as \"增刊1\".",
        "number",
        Some(number.to_string()),
        "",
    );
    let total = newest
        .and_then(|n| n.table.get("issue")?.get("total")?.as_integer())
        .map(|t| (t + 1).to_string());
    key(
        &mut out,
        "The cumulative number, printed （总第 N 期）.",
        "total",
        total,
        "100",
    );
    key(
        &mut out,
        "The issue's date: a TOML date, unquoted.",
        "date",
        Some(toml::value::Datetime::from(date).to_string()),
        "",
    );
    for (k, comment, example) in [
        (
            "kind",
            "增刊, 专刊 or 特刊: the number line reads 增刊第 N 期.",
            "\"增刊\"",
        ),
        (
            "copy",
            "份号: the copy number, printed with six digits.",
            "1",
        ),
        (
            "classification",
            "密级: 秘密, 机密 or 绝密 (with a copy number).",
            "\"秘密\"",
        ),
        ("secrecy_period", "保密期限, printed 秘密★1年.", "\"1年\""),
        ("urgency", "紧急程度: 特急 or 加急.", "\"特急\""),
        (
            "signers",
            "签发人 (专报 layout): one or more names.",
            "[\"张三\"]",
        ),
    ] {
        // Each issue's own: offered, commented out.
        key(&mut out, comment, k, None, example);
    }
    out.push_str(
        "\n\
# Columns (栏目) in order, each with its articles; for a bulletin without\n\
# columns, write [[articles]] tables instead of [[columns]].\n\
[[columns]]\n\
# The column's name, without 【】.\n\
name = \"工作动态\"\n\
\n\
[[columns.articles]]\n\
# The title; \\n forces a line break.\n\
title = \"标题\"\n\
# The title in the table of contents, when it differs.\n\
# toc_title = \"目录中的标题\"\n\
# The body: paragraphs separated by blank lines. With detection on, a line such\n\
# as 一、… is a heading and 一是…。 a run-in lead.\n\
body = \"\"\"\n\
正文第一段。\n\
\n\
正文第二段。\n\
\"\"\"\n\
# The byline, printed （…） at the article's end: write it without brackets.\n\
byline = \"供稿单位\"\n\
# Turn heading and lead detection off (or on) for this article only.\n\
# detect = false\n\
\n\
# An editor's note (编者按) before the article.\n\
# [columns.articles.note]\n\
# label = \"编者按\"\n\
# text = \"按语正文。\"\n\
# signer = \"编者\"\n",
    );
    out.push_str(&format!("# date = {}\n", toml::value::Datetime::from(date)));
    out.push_str(
        "\n\
# A body may also be blocks in order: text, tables, figures (PNG, JPEG, SVG\n\
# next to this file) and lists, with footnotes (see docs/blocks.md). Instead\n\
# of body = \"\"\"…\"\"\" above, write:\n\
# [[columns.articles.body]]\n\
# text = \"\"\"\n\
# 正文第一段，注释的标记在此[^1]。\n\
# \"\"\"\n\
# [[columns.articles.body]]\n\
# caption = \"表1 表的标题\"\n\
# header = [[\"县（区）\", \"起数\"]]\n\
# rows = [[\"丰县\", 3], [\"沛县\", 5]]   # or csv = \"data/table.csv\"\n\
# [[columns.articles.body]]\n\
# image = \"photos/photo.jpg\"\n\
# caption = \"图1 图的说明\"\n\
# width = \"120mm\"\n\
# [[columns.articles.body]]\n\
# items = [\"第一项\", \"第二项\"]\n\
# numbered = true\n\
# [columns.articles.footnotes]\n\
# 1 = \"注释的文字。\"\n",
    );
    out
}

/// The series file's text.
fn series_text(newest: Option<&Newest>) -> String {
    let mut out = format!(
        "#:schema ./{}\n# The series file: what every issue in this folder and below shares. Issues merge\n\
         # it table by table and may override any key.\n\n",
        SchemaKind::Series.file_name()
    );
    shared_tables(&mut out, newest);
    out
}

/// Creates a file that must not exist yet.
fn create_new(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// Writes a new issue file (and with `series` a series file) into `dir`.
pub fn run(dir: &Path, series: bool) -> Result<(), Error> {
    let out_err = |p: &Path, e: std::io::Error| Error::output(format!("{}: {e}", p.display()));
    std::fs::create_dir_all(dir).map_err(|e| out_err(dir, e))?;
    let newest = newest_issue(dir);
    let number = newest.as_ref().map_or(1, |n| n.number + 1);
    let issue_path = dir.join(format!("issue-{number}.toml"));
    let series_path = dir.join(SERIES_FILE);
    let refuse = |p: &PathBuf| {
        Error::output(format!(
            "{} already exists; init never overwrites a file: rename or remove it first",
            p.display()
        ))
    };
    if issue_path.exists() {
        return Err(refuse(&issue_path));
    }
    if series && series_path.exists() {
        return Err(refuse(&series_path));
    }
    let in_series = series || !source::series_paths(&issue_path).is_empty();
    let date = today();
    let mut wrote: Vec<String> = Vec::new();
    if series {
        create_new(&series_path, &series_text(newest.as_ref()))
            .map_err(|e| out_err(&series_path, e))?;
        wrote.push(format!("{} (the series file)", series_path.display()));
    }
    let text = issue_text(number, date, newest.as_ref(), in_series);
    create_new(&issue_path, &text).map_err(|e| out_err(&issue_path, e))?;
    wrote.push(format!(
        "{} (issue {number}, {})",
        issue_path.display(),
        toml::value::Datetime::from(date)
    ));
    // The schemas the #:schema lines name, unless the folder has them.
    let mut kinds = vec![if in_series {
        SchemaKind::Partial
    } else {
        SchemaKind::Issue
    }];
    if series {
        kinds.push(SchemaKind::Series);
    }
    for kind in kinds {
        let path = dir.join(kind.file_name());
        let json = serde_json::to_string_pretty(&model::schema_of(kind))
            .map_err(|e| Error::output(format!("cannot write the schema: {e}")))?;
        match create_new(&path, &(json + "\n")) {
            Ok(()) => wrote.push(format!("{} (JSON Schema, for editors)", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(out_err(&path, e)),
        }
    }
    for w in wrote {
        eprintln!("wrote {w}");
    }
    eprintln!(
        "fill it in, then: bulletin-pdf check {} && bulletin-pdf {}",
        issue_path.display(),
        issue_path.display()
    );
    Ok(())
}
