//! `bulletin-pdf import`: text, scraped pages and the variety of real
//! bulletins to issue files. Structures are compared (parsed TOML), not
//! bytes. Most tests call the library; a few run the binary (check, dry
//! run, series, bad inputs).

use crate::common::docx as docx_gen;

use std::path::{Path, PathBuf};

use crate::common::shape::*;
use crate::common::*;
use bulletin_import::{self as import, recognize, text, write};
use proptest::strategy::Strategy;

/// Imports text as a file of that name would be, and returns the issue
/// file's text and the parsed table.
fn import_text(name: &str, text: &str) -> (String, toml::Table, recognize::Recognized) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(name);
    std::fs::write(&path, text).unwrap();
    import_path(&path)
}

fn import_path(path: &Path) -> (String, toml::Table, recognize::Recognized) {
    let imported = import::import_file(path).unwrap_or_else(|e| panic!("{}", e.message));
    let toml_text = write::issue_toml(
        &imported.recognized.issue,
        &imported.recognized.checks,
        "test",
        &write::Shared::default(),
    )
    .unwrap();
    let table: toml::Table =
        toml::from_str(&toml_text).unwrap_or_else(|e| panic!("{e}\n{toml_text}"));
    // Every imported file is a valid issue.
    bulletin_model::source::parse_issue(Path::new("imported.toml"), toml_text.as_bytes())
        .unwrap_or_else(|e| panic!("{}\n{toml_text}", e.message));
    (toml_text, table, imported.recognized)
}

fn example(name: &str) -> toml::Table {
    let text = std::fs::read_to_string(root().join("examples").join(name)).unwrap();
    toml::from_str(&text).unwrap()
}

#[test]
fn issue_363_from_its_text() {
    let (out, table, draft) = import_path(&root().join("tests/data/issue-363.txt"));
    let want = shape(&example("issue-363.toml"));
    let have = shape(&table);
    assert_eq!(have.bulletin, want.bulletin, "{out}");
    assert_eq!(have.number, want.number);
    assert_eq!(have.date, want.date);
    assert_eq!(have.footer, want.footer);
    assert_eq!(have.columns.len(), want.columns.len(), "{out}");
    for ((hn, ha), (wn, wa)) in have.columns.iter().zip(&want.columns) {
        assert_eq!(hn, wn);
        assert_eq!(ha.len(), wa.len(), "column {wn}:\n{out}");
        for (h, w) in ha.iter().zip(wa) {
            assert_eq!(h.title, w.title);
            assert_eq!(h.toc_title, w.toc_title);
            assert_eq!(h.byline, w.byline);
            assert_eq!(h.paragraphs, w.paragraphs, "article {}", w.title);
        }
    }
    assert_eq!(have, want);
    // Nothing was a guess here.
    assert!(draft.checks.is_empty(), "{:?}", draft.checks);
}

/// An example issue printed as a bulletin's plain text: masthead, table of
/// contents, columns, titles on their lines, notes, bodies, bylines, footer.
fn as_text(t: &toml::Table) -> String {
    let mut out = String::new();
    let b = &t["bulletin"];
    if let Some(m) = b.get("marker").and_then(|v| v.as_str()) {
        out.push_str(&format!("{m}\n\n"));
    }
    if let Some(a) = b.get("above").and_then(|v| v.as_str()) {
        out.push_str(&format!("{a}\n"));
    }
    out.push_str(&format!("{}\n\n", b["name"].as_str().unwrap()));
    let issue = &t["issue"];
    out.push_str(&format!("第{}期\n\n", issue["number"]));
    let date = vs(&issue["date"]);
    let (y, rest) = date.split_once('-').unwrap();
    let (m, d) = rest.split_once('-').unwrap();
    out.push_str(&format!(
        "{}　　　　{y}年{}月{}日\n\n",
        b["office"].as_str().unwrap(),
        m.trim_start_matches('0'),
        d.trim_start_matches('0')
    ));
    let columns: Vec<(Option<&str>, &Vec<toml::Value>)> = match t.get("columns") {
        Some(cols) => cols
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["name"].as_str(), c["articles"].as_array().unwrap()))
            .collect(),
        None => vec![(None, t["articles"].as_array().unwrap())],
    };
    if columns[0].0.is_some() {
        out.push_str("本期要目\n\n");
        for (name, arts) in &columns {
            out.push_str(&format!("【{}】\n", name.unwrap()));
            for a in *arts {
                let title = a
                    .get("toc_title")
                    .or(a.get("title"))
                    .and_then(|v| v.as_str())
                    .unwrap()
                    .replace('\n', "");
                out.push_str(&format!("◆ {title}\n"));
            }
            out.push('\n');
        }
    }
    for (name, arts) in &columns {
        if let Some(n) = name {
            out.push_str(&format!("【{n}】\n\n"));
        }
        for a in *arts {
            out.push_str(&format!("{}\n\n", a["title"].as_str().unwrap()));
            if let Some(n) = a.get("note") {
                out.push_str(&format!(
                    "编者按：{}\n\n",
                    n["text"].as_str().unwrap().trim()
                ));
            }
            let body = a["body"].as_str().unwrap();
            for p in bulletin_model::body::paragraphs(body) {
                out.push_str(&format!("　　{p}\n"));
            }
            out.push('\n');
            if let Some(by) = a.get("byline").and_then(|v| v.as_str()) {
                out.push_str(&format!("（{by}）\n\n"));
            }
        }
    }
    if let Some(f) = t.get("footer") {
        for (k, label) in [("bao", "报"), ("song", "送"), ("fa", "发")] {
            if let Some(v) = f.get(k).and_then(|v| v.as_str()) {
                out.push_str(&format!("{label}：{v}\n"));
            }
        }
        let printer = f.get("printer").and_then(|v| v.as_str()).unwrap_or("");
        match f.get("print_date") {
            Some(d) => {
                let d = vs(d);
                let (y, rest) = d.split_once('-').unwrap();
                let (m, dd) = rest.split_once('-').unwrap();
                out.push_str(&format!(
                    "{printer}　　　　{y}年{}月{}日印发\n",
                    m.trim_start_matches('0'),
                    dd.trim_start_matches('0')
                ));
            }
            None => out.push_str(&format!("{printer}\n")),
        }
        if let Some(c) = f.get("copies") {
            out.push_str(&format!("（共印{c}份）\n"));
        }
    }
    out
}

#[test]
fn examples_round_trip_through_text() {
    for name in ["issue-363.toml", "zhuanbao.toml"] {
        let want = example(name);
        let text = as_text(&want);
        let (out, have, _) = import_text("issue.txt", &text);
        let (mut w, h) = (shape(&want), shape(&have));
        // The TOC of the text holds the TOC titles, so they come back.
        w.bulletin.retain(|(k, _)| k != "layout");
        assert_eq!(h, w, "{name}:\n{text}\n---\n{out}");
    }
}

#[test]
fn dates_in_every_form() {
    for (line, want) in [
        ("协调小组办公室　　　　2020年2月10日", "2020-02-10"),
        ("协调小组办公室　　　　二〇二〇年二月十日", "2020-02-10"),
        ("协调小组办公室　　　　2020.02.10", "2020-02-10"),
        ("协调小组办公室　　　　2020-2-10", "2020-02-10"),
        ("协调小组办公室　　　　2020/2/10", "2020-02-10"),
        ("协调小组办公室 ２０２０年２月１０日", "2020-02-10"),
    ] {
        let text =
            format!("工作简报\n\n第3期\n\n{line}\n\n会议召开\n\n　　2020年2月3日，会议召开。\n");
        let (out, t, draft) = import_text("d.txt", &text);
        assert_eq!(vs(&t["issue"]["date"]), want, "{line}\n{out}");
        assert_eq!(
            t["bulletin"]["office"].as_str(),
            Some("协调小组办公室"),
            "{out}"
        );
        assert!(draft.checks.is_empty(), "{line}: {:?}", draft.checks);
    }
    // No year: taken from the text, and flagged.
    let text = "工作简报\n\n第3期\n\n协调小组办公室　　2月10日\n\n会议召开\n\n　　2020年2月3日，会议召开。\n";
    let (out, t, _) = import_text("d.txt", text);
    assert_eq!(vs(&t["issue"]["date"]), "2020-02-10");
    assert!(out.contains("# check: the date has no year"), "{out}");
    // No date at all: a placeholder, flagged.
    let text = "工作简报\n\n第3期\n\n会议召开\n\n　　会议召开了。\n";
    let (out, t, _) = import_text("d.txt", text);
    assert_eq!(vs(&t["issue"]["date"]), "2000-01-01");
    assert!(out.contains("# check: no date found"), "{out}");
}

#[test]
fn columns_in_every_spelling() {
    for (a, b) in [
        ("【上情下达】", "【经验交流】"),
        ("※上情下达※", "※经验交流※"),
        ("≡上情下达≡", "≡经验交流≡"),
        ("〖上情下达〗", "〖经验交流〗"),
    ] {
        let text = format!(
            "工作简报\n第1期\n办公室　2021年3月4日\n\n{a}\n\n第一篇标题\n\n　　第一篇的正文。\n\n（单位甲）\n\n{b}\n\n第二篇标题\n\n　　第二篇的正文。\n\n（单位乙）\n"
        );
        let (out, t, _) = import_text("c.txt", &text);
        let s = shape(&t);
        let names: Vec<&str> = s.columns.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(names, ["上情下达", "经验交流"], "{out}");
        assert_eq!(s.columns[1].1[0].title, "第二篇标题");
        assert_eq!(s.columns[1].1[0].byline.as_deref(), Some("单位乙"));
    }
    // A TOC with ≡本期要目≡ / ≡本期详情≡, and 一、栏目名 lines in the text.
    let text = "工作简报\n第2期\n办公室　2021年3月4日\n\n≡本期要目≡\n一、上情下达\n  第一篇标题……1\n二、经验交流\n  第二篇标题……2\n\n≡本期详情≡\n\n一、上情下达\n\n第一篇标题\n\n　　第一篇的正文。\n\n二、经验交流\n\n第二篇标题\n\n　　第二篇的正文。\n";
    let (out, t, _) = import_text("c.txt", text);
    let s = shape(&t);
    let names: Vec<&str> = s.columns.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, ["上情下达", "经验交流"], "{out}");
    assert_eq!(s.columns[0].1[0].paragraphs, ["第一篇的正文。"], "{out}");
    // A column only the TOC names: inferred, and flagged.
    let text = "工作简报\n第2期\n办公室　2021年3月4日\n\n本期要目\n【上情下达】\n第一篇标题\n【经验交流】\n第二篇标题\n\n【上情下达】\n\n第一篇标题\n\n　　第一篇的正文。\n\n第二篇标题\n\n　　第二篇的正文。\n";
    let (out, t, _) = import_text("c.txt", text);
    let s = shape(&t);
    let names: Vec<&str> = s.columns.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, ["上情下达", "经验交流"], "{out}");
    assert!(
        out.contains("# check: column 【经验交流】 inferred"),
        "{out}"
    );
}

#[test]
fn traditional_text_is_recognised_and_kept() {
    let path = root().join("tests/data/import/traditional.txt");
    let (out, t, _) = import_path(&path);
    let s = shape(&t);
    assert_eq!(t["bulletin"]["name"].as_str(), Some("工作簡報"), "{out}");
    assert_eq!(vs(&t["issue"]["number"]), "12");
    assert_eq!(vs(&t["issue"]["date"]), "2019-05-06");
    let a = &s.columns[0].1[0];
    assert_eq!(a.note.as_deref(), Some("本刊特轉發此文，供參閱。"), "{out}");
    assert!(a.paragraphs[0].starts_with("為深入學習"), "{out}");
    let f: std::collections::BTreeMap<_, _> = s.footer.into_iter().collect();
    assert_eq!(
        f.get("bao").map(String::as_str),
        Some("省委辦公廳"),
        "{out}"
    );
    assert_eq!(
        f.get("fa").map(String::as_str),
        Some("各市委宣傳部"),
        "{out}"
    );
}

#[test]
fn scraped_text_is_repaired_and_junk_dropped() {
    let path = root().join("tests/data/import/scraped.txt");
    let (out, t, draft) = import_path(&path);
    let s = shape(&t);
    let a = &s.columns[0].1[0];
    assert_eq!(a.title, "市委召开专题会议研究部署安全生产工作", "{out}");
    // ASCII punctuation between Chinese characters is full-width now.
    assert!(a.paragraphs[0].contains("会议，研究"), "{out}");
    assert!(
        a.paragraphs.iter().any(|p| p.starts_with("（一）")),
        "{out}"
    );
    // Words and Latin text are untouched.
    assert!(out.contains("10:30"), "{out}");
    // Junk is gone, listed and flagged.
    let all = a.paragraphs.join("\n");
    for junk in [
        "未完",
        "相关文章",
        "打印本页",
        "字体",
        "来源",
        "责任编辑",
        "常务会议",
    ] {
        assert!(!all.contains(junk), "{junk}: {out}");
    }
    assert!(draft.dropped.iter().any(|d| d.contains("未完")));
    assert!(out.contains("# check: dropped as junk"), "{out}");
    // 责任编辑 at the end of a web page is no footer field.
    assert!(t.get("footer").is_none(), "{out}");
}

#[test]
fn titles_over_two_lines_and_notes() {
    let text = "工作简报\n第5期\n办公室　2021年3月4日\n\n关于进一步加强基层党组织建设\n工作的若干意见\n\n编者按：这是一篇好文章，值得一读。\n——编者\n\n　　为深入贯彻落实有关精神，现提出如下意见。\n\n　　一、总体要求\n\n　　坚持以人民为中心。\n\n（集团公司行政管理部 王世华）\n";
    let (out, t, _) = import_text("t.txt", text);
    let s = shape(&t);
    let a = &s.columns[0].1[0];
    assert_eq!(
        a.title, "关于进一步加强基层党组织建设\n工作的若干意见",
        "{out}"
    );
    assert!(
        out.contains("# check: title joined from two lines"),
        "{out}"
    );
    assert_eq!(
        a.note.as_deref(),
        Some("这是一篇好文章，值得一读。"),
        "{out}"
    );
    assert_eq!(a.byline.as_deref(), Some("集团公司行政管理部 王世华"));
    assert_eq!(
        a.paragraphs,
        [
            "为深入贯彻落实有关精神，现提出如下意见。",
            "一、总体要求",
            "坚持以人民为中心。"
        ]
    );
    let note = &t["articles"][0]["note"];
    assert_eq!(note["signer"].as_str(), Some("编者"), "{out}");
}

#[test]
fn footer_fields_and_head_fields() {
    let text = "内部资料　注意保存\n秘密★1年\n\n工作动态\n\n增刊第2期（总第120期）\n\n办公室　　2021年3月4日\n\n标题\n\n　　正文。\n\n主送：市委、市政府\n报：省委办公厅\n送：市委各部委\n发：各县（区）委\n本期增发：各乡镇\n责任编辑：张三　校对：李四\n审核：王五　签发：赵六\n联系人：钱七　电话：0516-12345678\n办公室　　2021年3月5日印发\n（共印120份）\n";
    let (out, t, _) = import_text("f.txt", text);
    assert_eq!(
        t["bulletin"]["marker"].as_str(),
        Some("内部资料　注意保存"),
        "{out}"
    );
    assert_eq!(t["bulletin"]["name"].as_str(), Some("工作动态"));
    assert_eq!(vs(&t["issue"]["number"]), "2");
    assert_eq!(t["issue"]["kind"].as_str(), Some("增刊"));
    assert_eq!(vs(&t["issue"]["total"]), "120");
    assert_eq!(t["issue"]["classification"].as_str(), Some("秘密"));
    assert_eq!(t["issue"]["secrecy_period"].as_str(), Some("1年"));
    let f = &t["footer"];
    for (k, v) in [
        ("zhusong", "市委、市政府"),
        ("bao", "省委办公厅"),
        ("song", "市委各部委"),
        ("fa", "各县（区）委"),
        ("zengfa", "各乡镇"),
        ("editor", "张三"),
        ("proofreader", "李四"),
        ("reviewer", "王五"),
        ("approver", "赵六"),
        ("contact", "钱七"),
        ("phone", "0516-12345678"),
        ("printer", "办公室"),
    ] {
        assert_eq!(f.get(k).and_then(|v| v.as_str()), Some(v), "{k}\n{out}");
    }
    assert_eq!(vs(&f["print_date"]), "2021-03-05");
    assert_eq!(f["copies"].as_integer(), Some(120));
    // Only 报, and a page number dropped.
    let text = "工作简报\n第1期\n办公室　2021年3月4日\n\n标题\n\n　　正文的第一段，很长很长很长很长很长很长很长很长，\n\n— 2 —\n\n接着写完。\n\n报：省委办公厅\n";
    let (out, t, _) = import_text("f.txt", text);
    assert_eq!(t["footer"]["bao"].as_str(), Some("省委办公厅"), "{out}");
    let s = shape(&t);
    assert_eq!(
        s.columns[0].1[0].paragraphs,
        ["正文的第一段，很长很长很长很长很长很长很长很长，接着写完。"],
        "{out}"
    );
}

#[test]
fn text_encodings_import_alike() {
    let text = std::fs::read_to_string(root().join("tests/data/issue-363.txt")).unwrap();
    let (_, want, _) = import_text("a.txt", &text);
    let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("gbk.txt");
    std::fs::write(&p, &gbk).unwrap();
    let (_, have, _) = import_path(&p);
    assert_eq!(shape(&have), shape(&want));
    let mut le = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        le.extend_from_slice(&u.to_le_bytes());
    }
    let p = tmp.path().join("utf16.txt");
    std::fs::write(&p, &le).unwrap();
    let (_, have, _) = import_path(&p);
    assert_eq!(shape(&have), shape(&want));
    // CRLF and a BOM.
    let crlf = format!("\u{feff}{}", text.replace('\n', "\r\n"));
    let (_, have, _) = import_text("crlf.txt", &crlf);
    assert_eq!(shape(&have), shape(&want));
}

#[test]
fn user_text_is_data() {
    let text = "工作简报\n第1期\n办公室　2021年3月4日\n\n标题 \"\"\" \\ 反斜杠\n\n　　正文里有 \"\"\" 三个引号和 \\ 反斜杠，还有 # 号、[^x] 与 {{}}。\n";
    let (out, t, _) = import_text("u.txt", text);
    let s = shape(&t);
    assert!(
        s.columns[0].1[0].paragraphs[0].contains("\"\"\" 三个引号和 \\ 反斜杠"),
        "{out}"
    );
}

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

fn bin_import(args: &[&str]) -> std::process::Output {
    std::process::Command::new(BIN)
        .arg("import")
        .args(args)
        .output()
        .unwrap()
}

/// An import writes the schema its file names (unless one is there), and
/// its banner is no `# check:` line: `grep "# check:"` finds the checks
/// only. `check` warns on the ASCII full stop import left (in a title: import
/// repairs bodies and titles alike, so the file is edited afterwards).
#[test]
fn import_writes_its_schema_and_grep_finds_only_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("b.txt");
    std::fs::write(
        &input,
        concat!(
            "工作简报\n\n第3期\n\n市政府办公室　　2020年2月10日\n\n市长主持会议\n\n",
            "　　2月9日，市长主持召开会议并讲话.会议要求抓好落实。\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = bin_import(&[input.to_str().unwrap(), "--out-dir", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let schema = std::fs::read_to_string(out.join("issue.schema.json")).unwrap();
    let want = std::process::Command::new(BIN)
        .arg("schema")
        .output()
        .unwrap();
    assert_eq!(schema, String::from_utf8_lossy(&want.stdout));
    let text = std::fs::read_to_string(out.join("b.toml")).unwrap();
    assert!(text.starts_with("#:schema ./issue.schema.json\n"), "{text}");
    assert!(!text.contains("# check:"), "no guess, no check:\n{text}");
    // The full stop in the body was repaired.
    assert!(text.contains("并讲话。会议要求"), "{text}");
    // A schema there already is left alone.
    std::fs::write(out.join("issue.schema.json"), "{}").unwrap();
    std::fs::remove_file(out.join("b.toml")).unwrap();
    let o = bin_import(&[input.to_str().unwrap(), "--out-dir", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("issue.schema.json")).unwrap(),
        "{}"
    );
    // check warns on an ASCII full stop between Chinese characters.
    let edited = text.replace("并讲话。会议要求", "并讲话.会议要求");
    std::fs::write(out.join("b.toml"), &edited).unwrap();
    let o = run(&["check", out.join("b.toml").to_str().unwrap()]);
    let err = stderr(&o);
    assert!(err.contains("ASCII '.' in Chinese text"), "{err}");
    assert!(err.contains("'。'"), "{err}");
}

#[test]
fn cli_imports_checks_and_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    std::fs::create_dir_all(dir.join("2020")).unwrap();
    std::fs::copy(
        root().join("tests/data/issue-363.txt"),
        dir.join("2020/issue-363.txt"),
    )
    .unwrap();
    std::fs::copy(
        root().join("tests/data/import/scraped.txt"),
        dir.join("scraped.txt"),
    )
    .unwrap();
    std::fs::copy(
        root().join("tests/data/import/traditional.txt"),
        dir.join("2020/traditional.txt"),
    )
    .unwrap();
    // Traditional characters are not in the embedded Fandol fonts: that
    // issue is checked with --allow-missing-glyphs below.
    std::fs::write(dir.join("empty.txt"), "").unwrap();
    let out = tmp.path().join("out");
    let report = tmp.path().join("r.jsonl");
    // Dry run: the report on standard output, nothing written.
    let o = bin_import(&[
        dir.to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
        "--dry-run",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!out.exists() && !report.exists());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert!(lines
        .iter()
        .any(|l| l["status"] == "failed" && l["error"].as_str().unwrap().contains("empty")));
    assert!(!stderr(&o).contains("panicked"));
    // For real: three issue files that pass check; the empty one fails.
    let o = bin_import(&[
        dir.to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("imported 3 of 4 inputs"),
        "{}",
        stderr(&o)
    );
    for f in [
        "2020/issue-363.toml",
        "2020/traditional.toml",
        "scraped.toml",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let r = std::fs::read_to_string(&report).unwrap();
    assert_eq!(r.lines().count(), 4);
    for f in ["2020/issue-363.toml", "scraped.toml"] {
        let o = run(&["check", out.join(f).to_str().unwrap()]);
        assert!(o.status.success(), "{f}: {}", stderr(&o));
    }
    let o = run(&[
        out.join("2020/traditional.toml").to_str().unwrap(),
        "--allow-missing-glyphs",
        "-o",
        tmp.path().join("t.pdf").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Again: nothing is overwritten without --force.
    let before = std::fs::read(out.join("scraped.toml")).unwrap();
    std::fs::write(out.join("scraped.toml"), "# edited\n").unwrap();
    let o = bin_import(&[
        dir.join("scraped.txt").to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(out.join("scraped.toml")).unwrap(),
        b"# edited\n"
    );
    let o = bin_import(&[
        dir.join("scraped.txt").to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(out.join("scraped.toml")).unwrap(), before);
    // An input is never written over (a .toml given as text).
    let toml_in = tmp.path().join("x.toml");
    std::fs::write(&toml_in, "工作简报\n").unwrap();
    let o = bin_import(&[toml_in.to_str().unwrap(), "--force"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read(&toml_in).unwrap(), "工作简报\n".as_bytes());
}

#[test]
fn series_puts_what_issues_share_into_bulletin_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    let issue363 = std::fs::read_to_string(root().join("tests/data/issue-363.txt")).unwrap();
    std::fs::write(dir.join("issue-363.txt"), &issue363).unwrap();
    let other = issue363
        .replace("第 363 期", "第 364 期")
        .replace("2020 年 2 月 10 日", "2020 年 2 月 17 日");
    std::fs::write(dir.join("issue-364.txt"), other).unwrap();
    let o = bin_import(&[dir.to_str().unwrap(), "--series"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let series = std::fs::read_to_string(dir.join("bulletin.toml")).unwrap();
    let s: toml::Table = toml::from_str(&series).unwrap();
    assert_eq!(s["bulletin"]["name"].as_str(), Some("工作简报"));
    assert_eq!(
        s["footer"]["bao"].as_str(),
        Some("中央协调办、中宣部理论局、中组部干部局")
    );
    let i: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.join("issue-364.toml")).unwrap()).unwrap();
    assert!(i.get("bulletin").is_none(), "{i:?}");
    assert_eq!(i["issue"]["number"].as_integer(), Some(364));
    let o = run(&["check", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Broken inputs: each fails alone with a clear message, no panic, no hang,
/// nothing written (tests/bad/import/: NAME.EXT with NAME.expect holding
/// substrings of the message).
#[test]
fn bad_inputs_fail_clearly() {
    let dir = root().join("tests/bad/import");
    let tmp = tempfile::tempdir().unwrap();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "expect"))
        .filter(|p| !p.ends_with("README.md"))
        .collect();
    // Made here: a 50 MB text, binary garbage.
    let big = tmp.path().join("big.txt");
    let line = "这是一段很长的文字，用来测试很大的文件。\n".repeat(1000);
    let mut f = std::fs::File::create(&big).unwrap();
    while std::fs::metadata(&big).unwrap().len() < 50_000_000 {
        std::io::Write::write_all(&mut f, line.as_bytes()).unwrap();
    }
    drop(f);
    let garbage = tmp.path().join("garbage.txt");
    let bytes: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&garbage, bytes).unwrap();
    cases.sort();
    let mut expected: Vec<(PathBuf, Vec<String>)> = cases
        .iter()
        .map(|c| {
            let e = c.with_extension("expect");
            let needles = std::fs::read_to_string(&e)
                .unwrap_or_else(|_| panic!("{} lacks {}", c.display(), e.display()))
                .lines()
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect();
            (c.clone(), needles)
        })
        .collect();
    expected.push((big, vec!["MiB".into()]));
    expected.push((garbage, vec!["not text".into()]));
    let out = tmp.path().join("out");
    let mut failures = Vec::new();
    for (input, needles) in &expected {
        let start = std::time::Instant::now();
        let o = bin_import(&[input.to_str().unwrap(), "--out-dir", out.to_str().unwrap()]);
        let err = stderr(&o);
        let mut problems = Vec::new();
        if o.status.code() != Some(1) {
            problems.push(format!("exit {:?}", o.status.code()));
        }
        for n in needles {
            if !err.contains(n.as_str()) {
                problems.push(format!("message lacks {n:?}"));
            }
        }
        if err.contains("panicked") {
            problems.push("panic".into());
        }
        if start.elapsed().as_secs() > 30 {
            problems.push(format!("took {:?}", start.elapsed()));
        }
        if out.exists() && std::fs::read_dir(&out).unwrap().next().is_some() {
            problems.push("something was written".into());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n{err}",
                input.display(),
                problems.join("; ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn text_reader_keeps_lines_apart_and_joins_wrapped_ones() {
    let doc = text::from_text("工作简报\n第1期\n\n　　第一段。\n　　第二段。\n");
    assert_eq!(doc.items.len(), 4);
    // Markdown: headings lose their marks; footnotes are defined below.
    let md = "# 工作简报\n\n## 第 2 期\n\n办公室　2021年1月1日\n\n### 标题\n\n正文[^1]。\n\n[^1]: 注释。\n";
    let (out, t, _) = import_text("x.md", md);
    assert_eq!(t["bulletin"]["name"].as_str(), Some("工作简报"), "{out}");
    assert_eq!(t["articles"][0]["title"].as_str(), Some("标题"), "{out}");
    assert_eq!(
        t["articles"][0]["footnotes"]["1"].as_str(),
        Some("注释。"),
        "{out}"
    );
}

/// Without line breaks in titles and without spaces in paragraphs: what
/// survives a PDF's text (line breaks of titles are where the layout broke
/// them; a space before a line break is lost).
fn loose(mut s: Shape) -> Shape {
    for (_, arts) in &mut s.columns {
        for a in arts.iter_mut() {
            a.title = a.title.replace('\n', "");
            for p in a.paragraphs.iter_mut() {
                p.retain(|c| !c.is_whitespace());
            }
        }
    }
    s
}

#[test]
fn examples_round_trip_through_pdftotext() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["issue-363", "zhuanbao"] {
        let pdf = tmp.path().join(format!("{name}.pdf"));
        let input = root().join(format!("examples/{name}.toml"));
        let o = run(&[input.to_str().unwrap(), "-o", pdf.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        // Reading order (the default) and -layout (lines as set, indents
        // and gaps as spaces).
        for mode in [None, Some("-layout")] {
            let txt = tmp.path().join(format!("{name}{}.txt", mode.unwrap_or("")));
            let mut args: Vec<&str> = mode.into_iter().collect();
            args.extend([pdf.to_str().unwrap(), txt.to_str().unwrap()]);
            tool_stdout("pdftotext", &args);
            let (out, have, draft) = import_path(&txt);
            assert_eq!(
                loose(shape(&have)),
                loose(shape(&example(&format!("{name}.toml")))),
                "{name} {mode:?}:\n{out}"
            );
            if name == "zhuanbao" {
                assert_eq!(
                    have.get("layout").and_then(|l| l.as_str()),
                    Some("zhuanbao")
                );
            } else {
                assert!(draft.checks.is_empty(), "{:?}", draft.checks);
            }
        }
    }
}

/// A document recognised and written as `import` writes it: what was
/// found, the file's text (checked to be a valid issue) and its table.
fn issue_of_doc(
    doc: bulletin_import::doc::Doc,
    stem: &str,
) -> (recognize::Recognized, String, toml::Table) {
    let draft = recognize::recognize(doc, stem);
    let text = write::issue_toml(
        &draft.issue,
        &draft.checks,
        "test",
        &write::Shared::default(),
    )
    .unwrap();
    let t: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    bulletin_model::source::parse_issue(Path::new("x.toml"), text.as_bytes())
        .unwrap_or_else(|e| panic!("{}\n{text}", e.message));
    (draft, text, t)
}

#[test]
fn tables_figures_lists_and_footnotes_become_blocks() {
    use bulletin_import::doc::{Align, Cell, Doc, Image, Item, Para, Table};
    let p = |t: &str| {
        Item::Para(Para {
            text: t.into(),
            ..Default::default()
        })
    };
    let cell = |t: &str, colspan: u32| Cell {
        text: t.into(),
        colspan,
        rowspan: 1,
    };
    let doc = Doc {
        items: vec![
            p("安全简报"),
            p("第7期"),
            p("市应急管理局　　2021年7月1日"),
            Item::Para(Para {
                text: "全市安全生产情况通报".into(),
                align: Align::Center,
                size: Some(22.0),
                ..Default::default()
            }),
            Item::Para(Para {
                text: "1至6月，全市共发生生产安全事故12起[^7]，同比下降20%。各地要**高度重视**。"
                    .into(),
                size: Some(16.0),
                bold: std::iter::once(46..58).collect(),
                ..Default::default()
            }),
            p("表1 各县（区）生产安全事故情况"),
            Item::Table(Table {
                rows: vec![
                    vec![cell("县（区）", 1), cell("事故起数", 1)],
                    vec![cell("丰县", 1), cell("3", 1)],
                    vec![cell("合计：12 起", 2)],
                ],
                header_rows: 1,
                ..Table::default()
            }),
            Item::Image(Image {
                data: PNG.to_vec(),
                ext: "png".into(),
                width_mm: Some(120.0),
            }),
            p("图1 检查组在施工现场"),
            Item::Para(Para {
                text: "压实企业主体责任".into(),
                list: Some((0, true)),
                ..Default::default()
            }),
            Item::Para(Para {
                text: "每月一次".into(),
                list: Some((1, true)),
                ..Default::default()
            }),
            Item::Para(Para {
                text: "强化执法检查".into(),
                list: Some((0, true)),
                ..Default::default()
            }),
            p("（市应急管理局）"),
        ],
        footnotes: vec![("7".into(), "数据来源：市统计局。".into())],
        notices: vec![],
        guesses: vec![],
    };
    let (draft, text, t) = issue_of_doc(doc, "issue-7");
    let a = &t["articles"][0];
    assert_eq!(a["title"].as_str(), Some("全市安全生产情况通报"), "{text}");
    assert_eq!(a["byline"].as_str(), Some("市应急管理局"), "{text}");
    let body = a["body"].as_array().unwrap();
    assert!(
        body[0]["text"].as_str().unwrap().contains("12起[^7]"),
        "{text}"
    );
    assert!(
        body[0]["text"].as_str().unwrap().contains("**高度重视**"),
        "{text}"
    );
    assert_eq!(a["footnotes"]["7"].as_str(), Some("数据来源：市统计局。"));
    assert_eq!(
        body[1]["caption"].as_str(),
        Some("表1 各县（区）生产安全事故情况")
    );
    assert_eq!(body[1]["header"][0][0].as_str(), Some("县（区）"));
    assert_eq!(body[1]["rows"][1][0]["colspan"].as_integer(), Some(2));
    assert_eq!(body[2]["image"].as_str(), Some("issue-7-files/img-1.png"));
    assert_eq!(body[2]["caption"].as_str(), Some("图1 检查组在施工现场"));
    assert_eq!(body[2]["width"].as_str(), Some("120mm"));
    assert_eq!(
        body[3]["items"][0]["items"][0].as_str(),
        Some("每月一次"),
        "{text}"
    );
    assert_eq!(body[3]["numbered"].as_bool(), Some(true));
    assert_eq!(draft.images.len(), 1);
    assert_eq!(draft.images[0].0, "issue-7-files/img-1.png");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
    /// Whatever the text, the importer gives a valid issue file and never
    /// panics.
    #[test]
    fn any_text_gives_a_valid_issue(lines in proptest::collection::vec(
        proptest::prop_oneof![
            proptest::sample::select(vec![
                "工作简报", "第 3 期", "增刊第1期", "协调小组办公室　2020年2月10日", "2月10日",
                "【上情下达】", "本期要目", "≡本期详情≡", "◆ 标题一", "标题一", "编者按：按语。",
                "（单位）", "(单位 人名)", "一、标题", "　　正文一段。", "正文没有结束，",
                "报：甲", "送：乙、", "发：丙", "印发", "2020年2月11日印发", "（共印 5 份）",
                "— 3 —", "相关文章", "(未完,全文共1713字,当前显示380字)", "责任编辑：某",
                "\"\"\"", "\\", "[^1]", "", "", "内部资料", "秘密★1年", "#", "**", "\u{a0}\u{ad}",
                "[^1]: 注释。", "[^x y]", "- 甲", "- 乙", "表1 说明", "正文[^2]。",
                "来源:网站 发布时间:2020-02-10",
            ]).prop_map(String::from),
            "\\PC{0,30}",
        ],
        0..40,
    )) {
        let text = lines.join("\n");
        let doc = text::from_text(&text);
        let draft = recognize::recognize(doc, "x");
        let out = write::issue_toml(&draft.issue, &draft.checks, "x", &write::Shared::default()).unwrap();
        let session = bulletin_render::Session::new(&Default::default()).unwrap();
        if let Err(e) = bulletin_render::prepare_bytes(
            &session,
            Path::new("x.toml"),
            out.as_bytes(),
            &[],
            &Default::default(),
        ) {
            panic!("{}\n--- input:\n{text}\n--- output:\n{out}", e.message);
        }
    }
}

/// Each fixture in tests/data/import/ (NAME.txt) imports to its expected
/// issue file (NAME.toml): the same structure, and the same places to check.
#[test]
fn fixtures_import_to_their_expected_issue_files() {
    let dir = root().join("tests/data/import");
    let mut n = 0;
    let mut pages = 0;
    let mut paths: Vec<PathBuf> = Vec::new();
    for d in [dir.clone(), dir.join("web")] {
        for e in std::fs::read_dir(&d).unwrap() {
            paths.push(e.unwrap().path());
        }
    }
    paths.sort();
    for path in paths {
        let ext = path
            .extension()
            .map(|x| x.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !matches!(ext.as_str(), "txt" | "html" | "htm") || !path.is_file() {
            continue;
        }
        if ext != "txt" {
            pages += 1;
        }
        let expected = std::fs::read_to_string(path.with_extension("toml"))
            .unwrap_or_else(|_| panic!("{} has no expected .toml", path.display()));
        let (out, have, _) = import_path(&path);
        let want: toml::Table = toml::from_str(&expected).unwrap();
        assert_eq!(shape(&have), shape(&want), "{}:\n{out}", path.display());
        assert_eq!(have.get("layout"), want.get("layout"), "{}", path.display());
        let checks = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| l.starts_with("# check:"))
                .map(String::from)
                .collect()
        };
        assert_eq!(
            checks(&out),
            checks(&expected),
            "{}:\n{out}",
            path.display()
        );
        n += 1;
    }
    assert!(n >= 4, "only {n} fixtures");
    assert!(pages >= 3, "only {pages} web pages");
}

/// A saved page is recognised by its bytes, imported to an issue that
/// `check` passes, with its image read from the page's own folder; its
/// site (menus, breadcrumbs, the page's clutter, the site's footer) does
/// not reach the issue, also on a page with no main content element.
#[test]
fn cli_imports_a_saved_web_page() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("web");
    std::fs::create_dir_all(dir.join("word-save-as.files")).unwrap();
    let web = root().join("tests/data/import/web");
    for f in [
        "trs-zoom.html",
        "word-save-as.htm",
        "word-save-as.files/image002.png",
    ] {
        std::fs::copy(web.join(f), dir.join(f)).unwrap();
    }
    // A page with no class or id to go by: the clutter is left to the
    // recogniser's rules, and named a .txt to show it is told by its bytes.
    let body = "<p>　　3月30日，县委召开常委会议，研究部署一季度工作。会议强调，要抓好项目建设，\
                切实做好民生实事。</p>"
        .repeat(3);
    let page = format!(
        "<!DOCTYPE html><html><head><meta charset=utf-8><title>工作简报</title></head><body>\
         <div><a href=/>首页</a> | <a href=/a>政务公开</a> | <a href=/b>工作动态</a> | \
         <a href=/c>互动交流</a></div>\
         <div>发布时间：2021-04-02　浏览次数：123</div>\
         <div><p align=center><font color=red size=6>工作简报</font></p>\
         <p align=center>第5期</p><p>县委办公室　　　　2021年4月2日</p><hr>\
         <p align=center><b><font size=5>县委召开常委会议</font></b></p>{body}\
         <p>报：市委办公室</p><p>送：县委常委</p></div>\
         <div>【打印本页】【关闭窗口】</div>\
         <div>上一篇：工作简报（第4期）</div><div>下一篇：工作简报（第6期）</div>\
         <div>版权所有：某某县人民政府办公室　某ICP备05001234号</div></body></html>"
    );
    std::fs::write(dir.join("plain.txt"), page).unwrap();
    let out = tmp.path().join("out");
    let report = tmp.path().join("report.jsonl");
    let o = bin_import(&[
        dir.to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = std::fs::read_to_string(&report).unwrap();
    // The page's files folder is the page's, not an input of its own.
    assert_eq!(report.lines().count(), 3, "{report}");
    assert_eq!(report.matches("\"format\":\"html\"").count(), 3, "{report}");
    let o = run(&["check", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The image, from the page's folder.
    let word = std::fs::read_to_string(out.join("word-save-as.toml")).unwrap();
    assert!(
        word.contains("image = \"word-save-as-files/img-1.png\""),
        "{word}"
    );
    assert_eq!(
        std::fs::read(out.join("word-save-as-files/img-1.png")).unwrap(),
        std::fs::read(web.join("word-save-as.files/image002.png")).unwrap()
    );
    for (name, number) in [("trs-zoom", 12), ("plain", 5)] {
        let text = std::fs::read_to_string(out.join(format!("{name}.toml"))).unwrap();
        let t: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(t["issue"]["number"].as_integer(), Some(number), "{text}");
        assert_eq!(
            t["footer"]["bao"].as_str(),
            Some(if number == 5 {
                "市委办公室"
            } else {
                "市委办公室，市政府办公室"
            }),
            "{text}"
        );
        // What was dropped is listed in `# check:` comments; none of it is
        // in the issue itself.
        let issue: String = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        for junk in [
            "首页",
            "政务公开",
            "浏览次数",
            "打印本页",
            "关闭窗口",
            "上一篇",
            "下一篇",
            "ICP备",
            "版权所有",
            "分享",
            "当前位置",
        ] {
            assert!(!issue.contains(junk), "{name}: {junk} in\n{text}");
        }
    }
}

#[test]
fn examples_round_trip_through_docx() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["issue-363", "zhuanbao"] {
        let input = root().join(format!("examples/{name}.toml"));
        let docx = tmp.path().join(format!("{name}.docx"));
        std::fs::write(&docx, docx_gen::docx_from_issue(&input)).unwrap();
        let (out, have, draft) = import_path(&docx);
        // The generator prints the issue's date as the print date.
        let mut have = loose(shape(&have));
        let mut want = loose(shape(&example(&format!("{name}.toml"))));
        // It writes no marker and no copies.
        have.footer.retain(|(k, _)| k != "print_date");
        want.footer
            .retain(|(k, _)| k != "print_date" && k != "copies");
        want.bulletin.retain(|(k, _)| k != "marker");
        assert_eq!(have, want, "{name}:\n{out}");
        assert!(
            draft.checks.iter().all(|c| c.message.contains("zhuanbao")),
            "{:?}",
            draft.checks
        );
    }
}

/// A legacy .doc (made from an example by LibreOffice) goes through
/// LibreOffice to .docx and imports like the .docx. Skipped when soffice is
/// not installed (the refusal is tested in bad_inputs_fail_clearly).
#[test]
fn legacy_doc_converts_through_libreoffice() {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("soffice").is_file()))
        .unwrap_or(false);
    if !on_path {
        eprintln!("soffice is not installed: the .doc conversion is not tested");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let input = root().join("examples/zhuanbao.toml");
    let docx = tmp.path().join("zb.docx");
    std::fs::write(&docx, docx_gen::docx_from_issue(&input)).unwrap();
    let profile = format!(
        "-env:UserInstallation=file://{}/profile",
        tmp.path().display()
    );
    let o = std::process::Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "doc",
            "--outdir",
        ])
        .arg(tmp.path())
        .arg(&docx)
        .output()
        .unwrap();
    let doc = tmp.path().join("zb.doc");
    assert!(doc.is_file(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_file(&docx).unwrap();
    let o = bin_import(&[doc.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(tmp.path().join("zb.toml")).unwrap();
    let t: toml::Table = toml::from_str(&text).unwrap();
    let s = loose(shape(&t));
    assert_eq!(t["bulletin"]["name"].as_str(), Some("信息专报"), "{text}");
    assert_eq!(
        s.columns[0].1[0].title, "泗阳县“三训”工作法推动党员冬训工作落地落实",
        "{text}"
    );
    assert_eq!(
        s.columns[0].1[0].byline.as_deref(),
        Some("泗阳县委宣传部"),
        "{text}"
    );
    assert_eq!(s.columns[0].1[0].paragraphs.len(), 4, "{text}");
}

/// A .docx with a picture: the picture is saved beside the issue file
/// (`NAME-files/img-1.png`), a figure block refers to it, and the issue
/// passes `check` and renders.
#[test]
fn docx_images_are_saved_beside_the_issue() {
    use std::io::Write;
    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture""#;
    let p = |t: &str| format!("<w:p><w:r><w:t>{t}</w:t></w:r></w:p>");
    let body = [
        p("工作简报"),
        p("第9期"),
        p("协调小组办公室　2021年5月6日"),
        r#"<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="44"/></w:rPr><w:t>检查组深入一线督导</w:t></w:r></w:p>"#.to_string(),
        r#"<w:p><w:pPr><w:ind w:firstLine="640"/></w:pPr><w:r><w:rPr><w:sz w:val="32"/></w:rPr><w:t>5月5日，检查组到施工现场督导检查安全生产工作，查看了现场的防护措施落实情况。</w:t></w:r></w:p>"#.to_string(),
        r#"<w:p><w:r><w:drawing><wp:inline><wp:extent cx="3600000" cy="1800000"/><a:graphic><a:graphicData><pic:pic><pic:blipFill><a:blip r:embed="rId4"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"#.to_string(),
        p("图1 检查组在施工现场"),
        p("（市应急管理局）"),
    ]
    .concat();
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body}<w:sectPr/></w:body></w:document>"#
    );
    let rels = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.png"/></Relationships>"#;
    let root_rels = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("issue-9.docx");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        for (name, data) in [
            ("[Content_Types].xml", b"<Types/>".as_slice()),
            ("_rels/.rels", root_rels.as_bytes()),
            ("word/document.xml", document.as_bytes()),
            ("word/_rels/document.xml.rels", rels.as_bytes()),
            ("word/media/image1.png", PNG),
        ] {
            z.start_file(name, opts).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap();
    }
    let out = tmp.path().join("out");
    let o = bin_import(&[path.to_str().unwrap(), "--out-dir", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(out.join("issue-9-files/img-1.png")).unwrap(),
        PNG
    );
    let text = std::fs::read_to_string(out.join("issue-9.toml")).unwrap();
    let t: toml::Table = toml::from_str(&text).unwrap();
    let a = &t["articles"][0];
    assert_eq!(a["title"].as_str(), Some("检查组深入一线督导"), "{text}");
    assert_eq!(a["byline"].as_str(), Some("市应急管理局"), "{text}");
    let fig = &a["body"][1];
    assert_eq!(
        fig["image"].as_str(),
        Some("issue-9-files/img-1.png"),
        "{text}"
    );
    assert_eq!(
        fig["caption"].as_str(),
        Some("图1 检查组在施工现场"),
        "{text}"
    );
    let o = run(&["check", out.join("issue-9.toml").to_str().unwrap()]);
    assert!(o.status.success(), "{}\n{text}", stderr(&o));
    let pdf = tmp.path().join("i9.pdf");
    let o = run(&[
        out.join("issue-9.toml").to_str().unwrap(),
        "-o",
        pdf.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}\n{text}", stderr(&o));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
    /// Whatever a reader hands over — hints, tables with odd spans, images,
    /// footnote references with or without notes — the importer gives a
    /// valid issue file and never panics.
    #[test]
    fn any_document_gives_a_valid_issue(items in proptest::collection::vec(
        (
            0u8..6,
            proptest::sample::select(vec![
                "工作简报", "第 3 期", "协调小组办公室　2020年2月10日", "【上情下达】",
                "标题一", "正文一段。[^1]", "正文[^9]没有注释。", "（单位）", "一、标题",
                "报：甲", "2020年2月11日印发", "图1 说明", "表1 说明", "编者按：按语。",
                "\"\"\"", "", "工作\n简报", "**粗**体",
            ]),
            proptest::option::of(8.0f32..40.0),
            0u8..4,
            proptest::option::of((0u8..3, proptest::bool::ANY)),
            (0usize..40, 0usize..40),
            (0u32..4, 0u32..4),
        ),
        0..30,
    )) {
        use bulletin_import::doc::{Align, Cell, Doc, Image, Item, Para, Table};
        let items: Vec<Item> = items
            .into_iter()
            .map(|(kind, text, size, align, list, (b0, b1), (cs, rs))| match kind {
                0 => Item::Table(Table {
                    rows: vec![
                        vec![Cell { text: text.into(), colspan: cs, rowspan: rs }],
                        vec![],
                        vec![Cell { text: "x".into(), colspan: 1, rowspan: 1 }; (cs as usize) + 1],
                    ],
                    header_rows: rs as usize,
                    ..Table::default()
                }),
                1 => Item::Image(Image {
                    data: vec![1, 2, 3],
                    ext: if cs == 0 { String::new() } else { "png".into() },
                    width_mm: size.map(|s| s * 10.0 - 100.0),
                }),
                2 => Item::PageBreak,
                _ => Item::Para(Para {
                    text: text.into(),
                    size,
                    align: [Align::Left, Align::Center, Align::Right, Align::Justify][align as usize],
                    list,
                    bold: std::iter::once(b0..b1).collect(),
                    ..Default::default()
                }),
            })
            .collect();
        let doc = Doc {
            items,
            footnotes: vec![("1".into(), "注释。".into())],
            notices: vec![],
            guesses: vec![],
        };
        let draft = recognize::recognize(doc, "x");
        let out = write::issue_toml(&draft.issue, &draft.checks, "x", &write::Shared::default()).unwrap();
        // As check prepares it (content, figures), with the images in place.
        let tmp = tempfile::tempdir().unwrap();
        for (rel, bytes) in &draft.images {
            let p = tmp.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        let session = bulletin_render::Session::new(&Default::default()).unwrap();
        if let Err(e) = bulletin_render::prepare_bytes(
            &session,
            &tmp.path().join("x.toml"),
            out.as_bytes(),
            &[],
            &Default::default(),
        ) {
            panic!("{}\n--- output:\n{out}", e.message);
        }
    }
}

/// A PDF made by another producer: a layout of this test's own (Typst, not
/// the bulletin layouts) prints a bulletin whose 40-row table runs over a
/// page break without repeating its header and without 续表, as Word and
/// LibreOffice print a table whose "repeat as header row" is off. The
/// importer joins the part at the top of the next page to the table (the
/// same columns, nothing between them), takes its first row as data, and
/// says so with a check.
#[test]
fn a_table_continued_on_the_next_page_without_its_header_is_one_table() {
    fn s(p: &Path) -> &str {
        p.to_str().unwrap()
    }
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("plain");
    std::fs::create_dir(&layout).unwrap();
    std::fs::write(
        layout.join("layout.toml"),
        "name = \"plain\"\nmain = \"main.typ\"\n",
    )
    .unwrap();
    let filler = "为全面掌握一季度全市经济运行情况，市统计局组织开展了专项调度，现将主要指标完成情况通报如下。";
    std::fs::write(
        layout.join("main.typ"),
        format!(
            r##"#set page(paper: "a4", margin: (x: 28mm, top: 37mm, bottom: 35mm))
#set text(font: "FandolSong", size: 14pt, lang: "zh")
#set par(first-line-indent: (amount: 2em, all: true), justify: true, leading: 0.8em)
#align(center, text(fill: rgb("#ff0000"), size: 40pt, "统计工作简报"))
#align(center, text(size: 16pt, "第3期"))
#grid(columns: (1fr, 1fr), [某市统计局], align(right)[2024年5月6日])
#line(length: 100%, stroke: rgb("#ff0000") + 2pt)
#v(1em)
#align(center, text(size: 20pt, weight: "bold", "一季度主要指标完成情况"))
{filler}
{filler}
{filler}
#table(columns: 3, stroke: 0.5pt, align: center,
  [地区], [完成值], [增幅],
  ..range(1, 31).map(i => ([区县#i], [#(i * 13)], [#(i)%])).flatten())
{filler}

（综合科供稿）
#v(2em)
#line(length: 100%, stroke: 0.5pt)
报：市委办公室，市政府办公室。
#line(length: 100%, stroke: 0.5pt)
"##
        ),
    )
    .unwrap();
    let issue = tmp.path().join("x.toml");
    std::fs::write(&issue, minimal_issue("标题", "正文。", "")).unwrap();
    let pdf = tmp.path().join("statistics.pdf");
    let o = run(&[s(&issue), "--layout", s(&layout), "-o", s(&pdf)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pages = tool_stdout("pdfinfo", &[s(&pdf)]);
    let pages = pages
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(|n| n.trim().to_string());
    assert_eq!(
        pages.as_deref(),
        Some("2"),
        "the table runs over the page break"
    );
    let out = tmp.path().join("statistics.toml");
    let o = bin_import(&[s(&pdf)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let written = std::fs::read_to_string(&out).unwrap();
    let t: toml::Table = toml::from_str(&written).unwrap();
    // Every body block with rows, wherever it is (columns or articles).
    fn tables<'a>(v: &'a toml::Value, out: &mut Vec<&'a toml::Value>) {
        match v {
            toml::Value::Table(t) if t.contains_key("rows") => out.push(v),
            toml::Value::Table(t) => t.values().for_each(|v| tables(v, out)),
            toml::Value::Array(a) => a.iter().for_each(|v| tables(v, out)),
            _ => {}
        }
    }
    let whole = toml::Value::Table(t);
    let mut blocks = Vec::new();
    tables(&whole, &mut blocks);
    assert_eq!(blocks.len(), 1, "one table, not two:\n{written}");
    let rows = blocks[0]["rows"].as_array().unwrap();
    let header = blocks[0].get("header").and_then(|h| h.as_array());
    assert_eq!(header.map(|h| h.len()), Some(1), "{written}");
    assert_eq!(
        rows.len(),
        30,
        "every data row, the page's first one among them:\n{written}"
    );
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(
            r.as_array().unwrap()[0].as_str(),
            Some(format!("区县{}", i + 1).as_str())
        );
    }
    assert!(
        written.contains("# check: the table at the top of page 2 was taken as the continuation"),
        "the join is a guess and says so:\n{written}"
    );
}

/// Photo captions as bulletins write them (（图为…）, ▲ …, or a short
/// centred line under the photo) become the figure's caption, not a body
/// paragraph; the centred line is a guess and says so, and a title after a
/// photo stays a title. A short centred line above a table is its caption,
/// and a table header guessed from its looks says so too.
#[test]
fn photo_captions_and_guessed_headers_are_found_and_flagged() {
    use bulletin_import::doc::{Align, Cell, Doc, Image, Item, Para, Table};
    let p = |t: &str| {
        Item::Para(Para {
            text: t.into(),
            size: Some(16.0),
            ..Default::default()
        })
    };
    let centred = |t: &str, size: f32, bold: bool| {
        Item::Para(Para {
            text: t.into(),
            size: Some(size),
            align: Align::Center,
            bold: if bold {
                std::iter::once(0..t.len()).collect()
            } else {
                Vec::new()
            },
            ..Default::default()
        })
    };
    let img = || {
        Item::Image(Image {
            data: PNG.to_vec(),
            ext: "png".into(),
            width_mm: None,
        })
    };
    let cell = |t: &str| Cell {
        text: t.into(),
        colspan: 1,
        rowspan: 1,
    };
    let doc = Doc {
        items: vec![
            p("工作简报"),
            p("第8期"),
            p("市政府办公室　　2022年5月6日"),
            centred("全市防汛工作会议召开", 22.0, true),
            p("5月5日，全市防汛工作会议召开，会议部署了今年的防汛工作。"),
            img(),
            p("（图为会议现场）"),
            p("会议要求，各地要压实责任。"),
            img(),
            p("▲ 市领导检查堤防"),
            p("会后，检查组分赴各地。"),
            img(),
            centred("检查组在水库大坝查看水位", 14.0, false),
            centred("各区巡查情况", 16.0, false),
            Item::Table(Table {
                rows: vec![
                    vec![cell("地区"), cell("巡查人次")],
                    vec![cell("东区"), cell("120")],
                    vec![cell("西区"), cell("95")],
                ],
                header_rows: 1,
                header_guessed: true,
                ..Table::default()
            }),
            img(),
            p("（市水利局）"),
            centred("各地抓好防汛物资储备", 22.0, true),
            p("各地按照要求储备了防汛物资。"),
        ],
        ..Default::default()
    };
    let (_, text, t) = issue_of_doc(doc, "issue-8");
    let arts = t["articles"].as_array().unwrap();
    assert_eq!(
        arts.len(),
        2,
        "the title after the last photo is a title:\n{text}"
    );
    assert_eq!(
        arts[1]["title"].as_str(),
        Some("各地抓好防汛物资储备"),
        "{text}"
    );
    let body = arts[0]["body"].as_array().unwrap();
    let captions: Vec<Option<&str>> = body
        .iter()
        .filter(|b| b.get("image").is_some())
        .map(|b| b.get("caption").and_then(|c| c.as_str()))
        .collect();
    assert_eq!(
        captions,
        [
            Some("（图为会议现场）"),
            Some("▲ 市领导检查堤防"),
            Some("检查组在水库大坝查看水位"),
            None
        ],
        "{text}"
    );
    let paragraphs: String = body
        .iter()
        .filter_map(|b| b.get("text").and_then(|t| t.as_str()))
        .collect();
    assert!(
        !paragraphs.contains("图为") && !paragraphs.contains('▲'),
        "{text}"
    );
    assert!(
        text.contains("# check: the centred line under the photo, 「检查组在水库大坝查看水位」"),
        "{text}"
    );
    assert!(
        !text.contains("「（图为会议现场）」"),
        "a caption that says so is no guess:\n{text}"
    );
    let table = body.iter().find(|b| b.get("rows").is_some()).unwrap();
    assert_eq!(table["header"][0][0].as_str(), Some("地区"), "{text}");
    // A centred line right above a table is its caption, a guess too.
    assert_eq!(table["caption"].as_str(), Some("各区巡查情况"), "{text}");
    assert!(
        text.contains("# check: the centred line above the table, 「各区巡查情况」"),
        "{text}"
    );
    assert!(
        text.contains("# check: the table's first row was taken as its header"),
        "{text}"
    );
}
