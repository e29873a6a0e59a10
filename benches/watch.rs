//! Watch-mode benchmark: in one process, the first render of issue 363
//! (layout and PDF export) against re-renders after one paragraph changes,
//! which reuse Typst's memoized results (comemo) as `bulletin-pdf watch` does.
//!
//! `cargo bench --bench watch`

use std::time::{Duration, Instant};

use bulletin_pdf::{FontOptions, Fonts, Layout, RenderOptions};

fn main() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let original = std::fs::read_to_string(root.join("examples/issue-363.toml")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let issue = tmp.path().join("issue-363.toml");
    std::fs::write(&issue, &original).unwrap();

    let fonts = Fonts::load(&FontOptions::default());
    let layout = Layout::embedded_default();
    let opts = RenderOptions::default();
    let render = || {
        let start = Instant::now();
        let r = bulletin_pdf::render_file(&issue, &layout, &fonts, &opts).unwrap();
        let pdf = bulletin_pdf::export_pdf(&r).unwrap();
        assert!(pdf.len() > 10_000);
        start.elapsed()
    };
    let first = render();

    // Each edit changes one paragraph of the 徐州 article (a different word
    // each time, so nothing is served whole from the cache).
    let anchor = "不断提升中心组学习科学化规范化水平";
    assert!(original.contains(anchor));
    let mut again = Vec::new();
    for i in 0..20 {
        let edited = original.replacen(
            anchor,
            &format!("不断提升中心组学习科学化规范化水平（修改{i}）"),
            1,
        );
        std::fs::write(&issue, edited).unwrap();
        again.push(render());
        comemo::evict(30);
    }
    again.sort();
    let median: Duration = again[again.len() / 2];
    println!(
        "| first render of issue 363 (layout + PDF) | {:.1} ms |",
        first.as_secs_f64() * 1e3
    );
    println!(
        "| re-render after one paragraph changed (median of 20) | {:.1} ms |",
        median.as_secs_f64() * 1e3
    );
    println!(
        "speed-up {:.1}x",
        first.as_secs_f64() / median.as_secs_f64()
    );
}
