//! Watch-mode benchmark: in one process, the first render of issue 363
//! against re-renders after one paragraph changes, each done as `bulletin-pdf
//! watch` does it: the layouts read again, the issue prepared, laid out in
//! the world kept from the last render (typst-kit's file store), PDF export
//! and the atomic write of the PDF, with Typst's memoized results (comemo)
//! kept from one render to the next, and the binary's allocator.
//!
//! `cargo bench --bench watch`

use std::time::{Duration, Instant};

use bulletin_render::{RenderOptions, Renderer, Session};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let original = std::fs::read_to_string(root.join("examples/issue-363.toml")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let issue = tmp.path().join("issue-363.toml");
    std::fs::write(&issue, &original).unwrap();

    let output = tmp.path().join("issue-363.pdf");

    let first = Session::new(&Default::default()).unwrap();
    let opts = RenderOptions::default();
    let mut world = None;
    let mut render = || {
        let start = Instant::now();
        let session = first.reload_layouts().unwrap();
        let mut renderer = Renderer::with_world(&session, world.take());
        let r = renderer.render_file(&issue, &opts).unwrap();
        world = renderer.into_world();
        let pdf = bulletin_render::export_pdf(&r).unwrap();
        assert!(pdf.len() > 10_000);
        bulletin_render::write_atomic(&output, &pdf).unwrap();
        start.elapsed()
    };
    let first = render();

    // Each edit changes one paragraph of the 徐州 article (a different word
    // each time, so nothing is served whole from the cache). The words are
    // made of characters the issue already uses, as most edits are.
    let anchor = "不断提升中心组学习科学化规范化水平";
    assert!(original.contains(anchor));
    let mut edit = |extra: &str| {
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
