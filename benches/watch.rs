//! Watch-mode benchmark: in one process, the first render of issue 363
//! against re-renders after one paragraph changes, each done as `bulletin-pdf
//! watch` does it: the layout loaded again (sharing the parsed sources),
//! layout, PDF export and the atomic write of the PDF, with Typst's memoized
//! results (comemo) kept from one render to the next, and the binary's
//! allocator.
//!
//! `cargo bench --bench watch`

use std::time::{Duration, Instant};

use bulletin_pdf::{FontOptions, Fonts, Layout, RenderOptions};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let original = std::fs::read_to_string(root.join("examples/issue-363.toml")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let issue = tmp.path().join("issue-363.toml");
    std::fs::write(&issue, &original).unwrap();

    let output = tmp.path().join("issue-363.pdf");

    let fonts = Fonts::load(&FontOptions::default());
    let first_layout = Layout::embedded_default();
    let opts = RenderOptions::default();
    let render = || {
        let start = Instant::now();
        let mut layout = Layout::embedded_default();
        layout.share_parsed_sources(&first_layout);
        let r = bulletin_pdf::render_file(&issue, &layout, &fonts, &opts).unwrap();
        let pdf = bulletin_pdf::export_pdf(&r).unwrap();
        assert!(pdf.len() > 10_000);
        bulletin_pdf::write_atomic(&output, &pdf).unwrap();
        start.elapsed()
    };
    let first = render();

    // Each edit changes one paragraph of the 徐州 article (a different word
    // each time, so nothing is served whole from the cache). The words are
    // made of characters the issue already uses, as most edits are.
    let anchor = "不断提升中心组学习科学化规范化水平";
    assert!(original.contains(anchor));
    let edit = |extra: &str| {
        let edited = original.replacen(anchor, &format!("{anchor}{extra}"), 1);
        std::fs::write(&issue, edited).unwrap();
        let time = render();
        comemo::evict(30);
        time
    };
    let median = |mut times: Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let known = median((0..20).map(|i| edit(&format!("（修改{i}）"))).collect());

    // The rarer case: each edit brings in a character the issue has not used
    // yet, so that font's subset changes and is compressed again.
    let fresh: Vec<char> = "甲乙丙丁戊己庚辛壬癸寅卯辰巳午未申酉戌亥鼠牛虎兔龙蛇马羊猴鸡狗猪"
        .chars()
        .filter(|c| !original.contains(*c))
        .take(20)
        .collect();
    assert!(fresh.len() >= 10, "not enough unused characters");
    let new_char = median(fresh.iter().map(|c| edit(&format!("（{c}）"))).collect());

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "| first render of issue 363 (layout + PDF) | {:.1} ms | |",
        ms(first)
    );
    println!(
        "| re-render after one paragraph changed (median of 20) | {:.1} ms | {:.1}x |",
        ms(known),
        ms(first) / ms(known)
    );
    println!(
        "| re-render after an edit that adds a character not yet used (median of {}) | {:.1} ms | {:.1}x |",
        fresh.len(),
        ms(new_char),
        ms(first) / ms(new_char)
    );
}
