//! End-to-end checks on the PDF of the reference issue (examples/issue-363.toml),
//! made once by the real binary and read back with poppler, qpdf and
//! typst-render. The numbers are those of the format spec (README).

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::common::*;

const PAGE_W: f64 = 595.28;
const PAGE_H: f64 = 841.89;
const MM: f64 = 2.834_646;
const BLOCK_LEFT: f64 = 28.0 * MM; // 79.37
const BLOCK_RIGHT: f64 = 184.0 * MM; // 521.57
const BLOCK_TOP: f64 = 37.0 * MM; // 104.88
const BLOCK_BOTTOM: f64 = 262.0 * MM; // 742.68
const PITCH: f64 = 28.95;

/// The reference PDF, rendered once for all tests of this file.
fn reference_pdf() -> &'static PathBuf {
    static PDF: OnceLock<PathBuf> = OnceLock::new();
    PDF.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let out = dir.join("issue-363.pdf");
        let input = root().join("examples/issue-363.toml");
        let o = run(&[input.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert!(o.status.success(), "render failed: {}", stderr(&o));
        out
    })
}

fn pdf_str() -> &'static str {
    reference_pdf().to_str().unwrap()
}

fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn every_paragraph_of_the_reference_comes_back_in_order() {
    let text = without_page_numbers(&pdf_text_compact(reference_pdf()));
    let reference = std::fs::read_to_string(root().join("tests/data/issue-363.txt")).unwrap();
    let mut pos = 0;
    let mut checked = 0;
    for line in reference.lines() {
        let line = compact(line.trim().trim_start_matches("- "));
        if line.is_empty() {
            continue;
        }
        // A title whose spaces are forced line breaks still reads as one.
        match text[pos..].find(&line) {
            Some(at) => pos += at + line.len(),
            None => panic!(
                "not found after byte {pos} of the PDF text (in order): {line}\nPDF text there: {}",
                text[pos..].chars().take(80).collect::<String>()
            ),
        }
        checked += 1;
    }
    assert!(checked > 40, "only {checked} reference lines");
}

#[test]
fn every_page_is_a4() {
    let info = tool_stdout("pdfinfo", &["-f", "1", "-l", "999", pdf_str()]);
    let sizes: Vec<&str> = info
        .lines()
        .filter(|l| l.starts_with("Page ") && l.contains(" size:"))
        .collect();
    assert!(sizes.len() >= 8, "expected about 10 pages:\n{info}");
    for line in sizes {
        let nums: Vec<f64> = line
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        let (w, h) = (nums[nums.len() - 2], nums[nums.len() - 1]);
        assert!(
            (w - PAGE_W).abs() < 0.1 && (h - PAGE_H).abs() < 0.1,
            "{line}"
        );
    }
}

#[test]
fn fonts_are_embedded_subsets_with_unicode_maps() {
    let out = tool_stdout("pdffonts", &[pdf_str()]);
    let rows: Vec<&str> = out.lines().skip(2).collect();
    assert!(rows.len() >= 4, "expected the Fandol fonts:\n{out}");
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type... encoding emb sub uni object ID
        let n = cols.len();
        let (emb, sub, uni) = (cols[n - 5], cols[n - 4], cols[n - 3]);
        assert_eq!((emb, sub, uni), ("yes", "yes", "yes"), "{row}");
        assert!(!row.contains("Type 3"), "{row}");
    }
    for family in ["FandolFang", "FandolSong", "FandolHei", "FandolKai"] {
        assert!(out.contains(family), "{family} missing:\n{out}");
    }
}

#[test]
fn qpdf_finds_no_errors() {
    let o = tool("qpdf", &["--check", pdf_str()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "qpdf --check: {text}{}", stderr(&o));
    assert!(
        text.contains("No syntax or stream encoding errors"),
        "{text}"
    );
}

fn is_page_number(l: &Line) -> bool {
    l.y_min > BLOCK_BOTTOM
}

#[test]
fn text_stays_in_the_type_block_and_full_pages_have_22_rows_on_the_grid() {
    let lines = bbox_lines(reference_pdf());
    let pages = lines.iter().map(|l| l.page).max().unwrap();
    for l in lines.iter().filter(|l| !is_page_number(l)) {
        // CJK punctuation at a line's start or end is set half-width
        // (CLREQ): its glyph box sticks out half an em while its ink stays
        // inside the block.
        let half = |yes: bool| if yes { 8.5 } else { 0.5 };
        let hang_left = half(l.text.starts_with(['【', '“', '《', '（', '「', '‘']));
        let hang_right = half(l.text.ends_with([
            '、', '，', '。', '；', '：', '”', '）', '》', '」', '！', '？', '】', '’',
        ]));
        assert!(
            l.x_min >= BLOCK_LEFT - hang_left && l.x_max <= BLOCK_RIGHT + hang_right,
            "line leaves the type block sideways: {l:?}"
        );
        assert!(
            l.y_min >= BLOCK_TOP - 1.0 && l.y_max <= BLOCK_BOTTOM + 1.0,
            "line leaves the type block: {l:?}"
        );
    }
    // Body text rows: lines of the body's height. A full page of body text
    // has 22 of them, one grid pitch apart.
    let body_h = {
        let mut hs: Vec<f64> = lines.iter().map(|l| l.y_max - l.y_min).collect();
        hs.sort_by(f64::total_cmp);
        hs[hs.len() / 2]
    };
    let mut full_pages = 0;
    for p in 2..pages {
        let on_page: Vec<&Line> = lines
            .iter()
            .filter(|l| l.page == p && !is_page_number(l))
            .collect();
        if on_page
            .iter()
            .any(|l| (l.y_max - l.y_min - body_h).abs() > 0.5)
        {
            continue; // a page with titles or headings of other sizes
        }
        let mut rows: Vec<f64> = on_page.iter().map(|l| l.y_min).collect();
        rows.sort_by(f64::total_cmp);
        rows.dedup_by(|a, b| (*a - *b).abs() < 1.0);
        assert!(
            rows.len() <= 22,
            "page {p} has {} rows: {rows:?}",
            rows.len()
        );
        // Every row sits on the grid: a whole number of pitches below the
        // first line of the type block.
        for y in &rows {
            let k = ((y - rows[0]) / PITCH).round();
            assert!(
                (y - rows[0] - k * PITCH).abs() <= 0.1 * k.max(1.0),
                "page {p}: row at {y} is off the grid"
            );
        }
        if rows.len() == 22 {
            for w in rows.windows(2) {
                let pitch = w[1] - w[0];
                assert!((pitch - PITCH).abs() <= 0.1, "page {p}: pitch {pitch}");
            }
            full_pages += 1;
        }
    }
    assert!(full_pages >= 2, "expected at least two full body pages");
}

#[test]
fn the_reference_page_breaks_are_reproduced() {
    // The blank lines inside paragraphs of the reference text are the page
    // breaks of the original. Its first pages keep the 22-line grid: page 1
    // holds the masthead and the TOC, pages 2 and 3 end exactly where ours
    // do. From page 4 on the original is not on one consistent grid (pages 4
    // and 5 hold 21 lines of body text where every line width from 26 to 28
    // cells ends their lines on the right words; page 7 holds 22), so no
    // fixed 22-line layout can follow it there: those breaks are reported,
    // and the page count must still be the original's 11.
    let lines = bbox_lines(reference_pdf());
    let reference = std::fs::read_to_string(root().join("tests/data/issue-363.txt")).unwrap();
    // The text just before each of the original's page breaks.
    let breaks = [
        "全局观念，坚决",
        "全面听取我省疫情",
        "保障好蔬菜、肉蛋奶、",
        "不同类型企业的具体情",
        "主持学习研",
        "建立自学制度、排定自学专",
        "扩大市委中心组学习的示范影响力。强化",
        "避免了广大基层党员理论学习“断档”，",
        "印发《关于",
    ];
    for b in breaks {
        assert!(
            reference.contains(&format!("{b}\n\n")),
            "not a break of the reference: {b}"
        );
    }
    let tail6 = |s: &str| -> String {
        let n = s.chars().count();
        s.chars().skip(n.saturating_sub(6)).collect()
    };
    let breaks: Vec<String> = breaks.iter().map(|b| tail6(b)).collect();
    assert_eq!(breaks.len(), 9, "{breaks:?}");
    let pages = lines.iter().map(|l| l.page).max().unwrap();
    let page_ends: Vec<String> = (1..=pages)
        .map(|p| {
            let text: String = lines
                .iter()
                .filter(|l| l.page == p && !is_page_number(l))
                .map(|l| l.text.as_str())
                .collect();
            tail6(&text)
        })
        .collect();
    println!("reference breaks: {breaks:?}\npage ends: {page_ends:?}");
    assert_eq!(
        &page_ends[1..3],
        &breaks[..2],
        "pages 2 and 3 must end where the original's did; our page ends {page_ends:?}"
    );
    assert_eq!(
        page_ends.len(),
        11,
        "the original has 11 pages: {page_ends:?}"
    );
}

#[test]
fn page_numbers_read_dash_n_dash_and_sit_where_the_spec_says() {
    let lines = bbox_lines(reference_pdf());
    let pages = lines.iter().map(|l| l.page).max().unwrap();
    for p in 1..=pages {
        let expected = format!("—{p}—");
        let num = lines
            .iter()
            .find(|l| l.page == p && is_page_number(l))
            .unwrap_or_else(|| panic!("page {p} has no page number"));
        assert_eq!(num.text, expected, "page {p}");
        // 7 mm below the type block (the dashes' top; the line box starts a
        // little above the dash).
        assert!(
            (num.y_min - (BLOCK_BOTTOM + 7.0 * MM)).abs() < 4.0,
            "page {p}: y {}",
            num.y_min
        );
        if p % 2 == 1 {
            assert!(
                (num.x_max - (BLOCK_RIGHT - 14.0)).abs() < 3.5,
                "page {p}: {num:?}"
            );
        } else {
            assert!(
                (num.x_min - (BLOCK_LEFT + 14.0)).abs() < 3.5,
                "page {p}: {num:?}"
            );
        }
    }
}

#[test]
fn footer_sits_at_the_bottom_of_the_last_page() {
    let lines = bbox_lines(reference_pdf());
    let pages = lines.iter().map(|l| l.page).max().unwrap();
    let last: Vec<&Line> = lines
        .iter()
        .filter(|l| l.page == pages && !is_page_number(l))
        .collect();
    let bao = last
        .iter()
        .find(|l| l.text.starts_with("报："))
        .expect("报： on the last page");
    let fa = last
        .iter()
        .find(|l| l.text.starts_with("发："))
        .expect("发：");
    assert!(bao.y_min < fa.y_min);
    let bottom = last.iter().map(|l| l.y_max).fold(0.0, f64::max);
    assert!(
        (BLOCK_BOTTOM - 5.0 * MM..=BLOCK_BOTTOM).contains(&bottom),
        "last footer line ends at {bottom}, type block ends at {BLOCK_BOTTOM}"
    );
    // The labels sit one character (14 pt) in.
    assert!((bao.x_min - (BLOCK_LEFT + 14.0)).abs() < 1.5, "{bao:?}");
}

/// Page images made in-process with typst-render, at 2 pixels a point.
mod pixels {
    use super::*;
    use bulletin_render::{RenderOptions, Session};

    pub struct Page {
        pub w: usize,
        pub h: usize,
        pub rgba: Vec<u8>,
    }

    pub fn pages() -> &'static Vec<Page> {
        static PAGES: OnceLock<Vec<Page>> = OnceLock::new();
        PAGES.get_or_init(|| {
            let session = Session::new(&Default::default()).unwrap();
            let input = root().join("examples/issue-363.toml");
            let r =
                bulletin_render::render_file(&session, &input, &RenderOptions::default()).unwrap();
            let pages = r.document.pages();
            let (first, last) = (&pages[0], &pages[pages.len() - 1]);
            [first, last]
                .iter()
                .map(|page| {
                    let pm = typst_render::render(
                        page,
                        &typst_render::RenderOptions {
                            pixel_per_pt: 2.0.into(),
                            render_bleed: false,
                        },
                    );
                    Page {
                        w: pm.width() as usize,
                        h: pm.height() as usize,
                        rgba: pm.data().to_vec(),
                    }
                })
                .collect()
        })
    }

    impl Page {
        pub fn px(&self, x: usize, y: usize) -> (u8, u8, u8) {
            let i = (y * self.w + x) * 4;
            (self.rgba[i], self.rgba[i + 1], self.rgba[i + 2])
        }
    }
}

#[test]
fn masthead_name_and_rule_are_red() {
    let page = &pixels::pages()[0];
    let scale = page.w as f64 / PAGE_W;
    let red = |(r, g, b): (u8, u8, u8)| r >= 200 && g <= 80 && b <= 80;
    // Red pixel rows: the name (tall glyphs) and the rule (a full-width row).
    let mut rule_rows = Vec::new();
    let mut red_total = 0;
    for y in 0..page.h {
        let xs: Vec<usize> = (0..page.w).filter(|&x| red(page.px(x, y))).collect();
        red_total += xs.len();
        if xs.len() as f64 > 150.0 * MM * scale {
            rule_rows.push((y, xs[0], xs[xs.len() - 1]));
        }
    }
    assert!(!rule_rows.is_empty(), "no red rule on page 1");
    let (y, x0, x1) = rule_rows[0];
    let mm = |px: usize| px as f64 / scale / MM;
    assert!(
        (mm(x0) - 28.0).abs() < 1.0 && (mm(x1) - 184.0).abs() < 1.0,
        "rule spans {}–{} mm",
        mm(x0),
        mm(x1)
    );
    assert!(
        mm(y) > 37.0 + 40.0 && mm(y) < 37.0 + 90.0,
        "rule at {} mm",
        mm(y)
    );
    // The name: a band of red glyphs about 20 mm below the type block's top,
    // centred on the page.
    let px = |mm: f64| (mm * MM * scale) as usize;
    let name_band = (px(37.0 + 18.0)..px(37.0 + 38.0))
        .flat_map(|yy| (0..page.w).map(move |x| (x, yy)))
        .filter(|&(x, yy)| red(page.px(x, yy)))
        .map(|(x, _)| x)
        .collect::<Vec<_>>();
    assert!(
        name_band.len() > 5_000,
        "too little red in the name: {}",
        name_band.len()
    );
    let (lo, hi) = (
        name_band.iter().min().unwrap(),
        name_band.iter().max().unwrap(),
    );
    let centre = (lo + hi) as f64 / 2.0 / scale / MM;
    assert!(
        (centre - 106.0).abs() < 3.0,
        "the name is centred at {centre} mm"
    );
    let rule_px: usize = rule_rows.iter().map(|r| r.2 - r.1).sum();
    assert!(red_total > rule_px + name_band.len());
    // And nothing red below the rule (the body is black).
    let below = (y + 20..page.h)
        .flat_map(|yy| (0..page.w).map(move |x| (x, yy)))
        .filter(|&(x, yy)| red(page.px(x, yy)))
        .count();
    assert_eq!(below, 0, "red pixels below the masthead");
}

#[test]
fn footer_rules_span_the_type_block() {
    let page = &pixels::pages()[1];
    let scale = page.w as f64 / PAGE_W;
    let dark = |(r, g, b): (u8, u8, u8)| r < 100 && g < 100 && b < 100;
    let mut rules = Vec::new();
    for y in 0..page.h {
        let xs: Vec<usize> = (0..page.w).filter(|&x| dark(page.px(x, y))).collect();
        if xs.len() as f64 > 150.0 * MM * scale {
            rules.push((
                y as f64 / scale,
                xs[0] as f64 / scale,
                xs[xs.len() - 1] as f64 / scale,
            ));
        }
    }
    assert!(!rules.is_empty(), "no footer rules on the last page");
    for (_, x0, x1) in &rules {
        assert!(
            (x0 - BLOCK_LEFT).abs() < 2.0 && (x1 - BLOCK_RIGHT).abs() < 2.0,
            "rule {x0}–{x1}"
        );
    }
    let lowest = rules.iter().map(|r| r.0).fold(0.0, f64::max);
    assert!(
        (lowest - BLOCK_BOTTOM).abs() < 2.0,
        "bottom rule at {lowest} pt"
    );
}
