//! Property tests: arbitrary Unicode in every text field either renders with
//! its text printed literally or is refused with a clear error — never a
//! panic, never Typst markup.

use bulletin_render::{ErrorKind, RenderOptions, Session};
use proptest::prelude::*;
use std::sync::OnceLock;
use typst::layout::{Frame, FrameItem};

use crate::common::*;

fn session() -> &'static Session {
    static SESSION: OnceLock<Session> = OnceLock::new();
    SESSION.get_or_init(|| Session::new(&Default::default()).unwrap())
}

fn frame_text(frame: &Frame, out: &mut String) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(g) => frame_text(&g.frame, out),
            FrameItem::Text(t) => out.push_str(&t.text),
            _ => {}
        }
    }
}

/// Characters that stress a typesetter fed from user text.
fn special() -> impl Strategy<Value = char> {
    prop::sample::select(vec![
        '#', '*', '$', '@', '<', '>', '\\', '_', '`', '=', '/', '[', ']', '{', '}', '"', '\'',
        '\0', '\u{1}', '\u{7}', '\u{1b}', '\u{7f}', '\t', '\r', '\u{202e}', '\u{202d}', '\u{200f}',
        '\u{2066}', '\u{200b}', '\u{200d}', '\u{feff}', '\u{0301}', '\u{0308}', '\u{20dd}', '😀',
        '🎉', '👍', '中', '文', '，', '。', '“', '”', '（', '）', 'a', 'Z', '0', ' ', '\u{3000}',
        '堃', '喆', '𠀀', '\u{e000}',
    ])
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![3 => special(), 1 => any::<char>()], 0..30)
        .prop_map(|v| v.into_iter().collect())
}

/// Characters every font set here has (or that are invisible): such text
/// must always render.
fn covered() -> impl Strategy<Value = String> {
    let chars = prop::sample::select(vec![
        '#', '*', '$', '@', '<', '>', '\\', '_', '`', '=', '/', '[', ']', '{', '}', '"', '\'', '~',
        '^', '-', '+', '.', ':', ';', '\0', '\u{1}', '\u{1b}', '\t', '\r', '\n', '\u{202e}',
        '\u{2066}', '\u{200b}', '\u{200d}', '\u{feff}', '中', '文', '简', '报', '，', '。', '、',
        '“', '”', '（', '）', '【', '】', '《', '》', 'a', 'Z', '0', '9', ' ', '\u{3000}',
    ]);
    prop::collection::vec(chars, 0..40).prop_map(|v| v.into_iter().collect())
}

fn visible(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !c.is_control() && !matches!(*c as u32, 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x206f | 0xfeff | 0x300..=0x36f | 0x20d0..=0x20ff))
        .collect()
}

fn check(title: &str, body: &str, byline: &str, office: &str) -> Result<bool, TestCaseError> {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("p.toml");
    let issue = minimal_issue(title, body, byline).replace(
        "协调小组办公室",
        &toml_str(office)[1..toml_str(office).len() - 1],
    );
    std::fs::write(&input, &issue).unwrap();
    match bulletin_render::render_file(session(), &input, &RenderOptions::default()) {
        Ok(r) => {
            let mut text = String::new();
            for page in r.document.pages() {
                frame_text(&page.frame, &mut text);
            }
            let text = visible(&text);
            // The title is printed literally (in the TOC and as the title).
            let t = visible(title);
            let mut at = 0;
            for c in t.chars() {
                match text[at..].find(c) {
                    Some(i) => at += i + c.len_utf8(),
                    None => {
                        return Err(TestCaseError::fail(format!(
                            "{c:?} of the title is not printed: {text}"
                        )))
                    }
                }
            }
            let pdf = bulletin_render::export_pdf(&r);
            prop_assert!(pdf.is_ok(), "{:?}", pdf.err());
            Ok(true)
        }
        Err(e) => {
            // Refused: missing glyphs are named with their code points; other
            // refusals point at the issue file.
            match e.kind {
                ErrorKind::MissingGlyphs => {
                    prop_assert!(e.message.contains("(U+"), "{}", e.message)
                }
                ErrorKind::Input => prop_assert!(e.to_string().contains("p.toml"), "{e}"),
                _ => prop_assert!(false, "unexpected error: {}", e.message),
            }
            Ok(false)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_text_renders_literally_or_is_refused_clearly(
        title in text(), body in text(), byline in text(), office in text(),
    ) {
        check(&title, &body, &byline, &office)?;
    }

    #[test]
    fn text_of_covered_characters_always_renders_literally(
        title in covered(), body in covered(), byline in covered(), office in covered(),
    ) {
        let looks_blank = |t: &str| t.chars().all(|c| c.is_whitespace() || c.is_control() || matches!(c, '\u{200b}' | '\u{200d}' | '\u{feff}' | '\u{202e}' | '\u{2066}'));
        let rendered = check(&title, &body, &byline, &office)?;
        // Only an empty-looking title, a blank office, or a footnote
        // reference `[^KEY]` to a note the article does not have (an error
        // at its line, see docs/blocks.md) may be refused.
        prop_assert!(
            rendered || looks_blank(&title) || office.trim().is_empty() || body.contains("[^"),
            "refused: {title:?} / {office:?} / {body:?}"
        );
    }
}

#[test]
fn extreme_texts() {
    let long_word = "a".repeat(10_000);
    let cjk_run = "中".repeat(10_000);
    let mixed =
        "Word粘贴的文本，含有ASCII标点,例如(括号)和\"引号\";以及 #标签 与 *星号*。".to_string();
    for (title, body) in [
        ("长单词", long_word.as_str()),
        ("长汉字", cjk_run.as_str()),
        ("混合", mixed.as_str()),
        ("空白正文", "   \n\n  "),
        ("\u{3000}全角空格标题\u{3000}", "正文。"),
    ] {
        assert!(
            check(title, body, "单位", "办公室").unwrap(),
            "{title} was refused"
        );
    }
    // Whitespace-only titles are refused, by name.
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("w.toml");
    std::fs::write(&input, minimal_issue(" \t ", "正文。", "单位")).unwrap();
    let e = bulletin_render::render_file(session(), &input, &RenderOptions::default())
        .err()
        .unwrap();
    assert!(e.message.contains("empty title"), "{}", e.message);
}
