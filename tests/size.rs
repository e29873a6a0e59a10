//! Large issues render with bounded memory, and files over the limit are
//! refused with a message naming it.

use crate::common::*;

fn sentences() -> Vec<String> {
    let reference = std::fs::read_to_string(root().join("tests/data/issue-363.txt")).unwrap();
    reference
        .replace('\n', "")
        .split('。')
        .filter(|s| s.chars().count() > 10)
        .map(|s| format!("{s}。"))
        .collect()
}

#[test]
fn a_thousand_articles_and_a_200000_character_article_render() {
    let tmp = tempfile::tempdir().unwrap();
    let s = sentences();
    let head = "[bulletin]\nname = \"工作简报\"\noffice = \"办公室\"\n\n[issue]\nnumber = 1\ndate = 2021-03-04\n\n";
    let mut many = head.to_string();
    for i in 0..1000 {
        many.push_str(&format!(
            "[[articles]]\ntitle = \"第{}篇\"\nbody = {}\n\n",
            i + 1,
            toml_str(&s[i % s.len()])
        ));
    }
    let long: String = (0..).map(|i| s[i % s.len()].as_str()).take(2400).collect();
    let long: String = long.chars().take(200_000).collect();
    let big = format!(
        "{head}[[articles]]\ntitle = \"长文\"\nbody = {}\n",
        toml_str(&long)
    );
    for (name, text, min_pages) in [("many", many, 100), ("long", big, 200)] {
        let input = tmp.path().join(format!("{name}.toml"));
        std::fs::write(&input, text).unwrap();
        let out = tmp.path().join(format!("{name}.pdf"));
        let o = run(&[input.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let info = tool_stdout("pdfinfo", &[out.to_str().unwrap()]);
        let pages: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(pages >= min_pages, "{name}: {pages} pages");
    }
}

#[test]
fn a_file_over_the_limit_is_refused_with_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("huge.toml");
    let body = "字".repeat(3_000_000); // 9 MB of UTF-8
    std::fs::write(&input, minimal_issue("标题", &body, "单位")).unwrap();
    let o = run(&[input.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("over the limit of 8 MiB"), "{err}");
}
