//! Rich content (docs/blocks.md) on the produced PDFs: the 情况通报 example's
//! tables, figures, list and footnotes, and the pagination rules on
//! generated worst cases.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::*;

/// The example rendered once (and once as PDF/A-2b).
fn example_pdf(archival: bool) -> &'static PathBuf {
    static PLAIN: OnceLock<PathBuf> = OnceLock::new();
    static ARCHIVAL: OnceLock<PathBuf> = OnceLock::new();
    let cell = if archival { &ARCHIVAL } else { &PLAIN };
    cell.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let out = dir.join(if archival { "qk-a.pdf" } else { "qk.pdf" });
        let example = root().join("examples/qingkuang.toml");
        let mut args = vec![example.to_str().unwrap(), "-o", out.to_str().unwrap()];
        if archival {
            args.extend(["--pdf-standard", "a-2b"]);
        }
        let o = run(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        out
    })
}

fn lines() -> &'static Vec<Line> {
    static L: OnceLock<Vec<Line>> = OnceLock::new();
    L.get_or_init(|| bbox_lines(example_pdf(false)))
}

fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether `needles` occur in `hay` in this order.
fn in_order(hay: &str, needles: &[&str]) -> Result<(), String> {
    let mut from = 0;
    for n in needles {
        match hay[from..].find(n) {
            Some(i) => from += i + n.len(),
            None => {
                return Err(format!(
                    "{n:?} not found in order (after byte {from}: {:?})",
                    &hay[from..hay.len().min(from + 300)]
                ))
            }
        }
    }
    Ok(())
}

#[test]
fn a_table_reads_in_order_after_its_caption() {
    let text = compact(&tool_stdout(
        "pdftotext",
        &[example_pdf(false).to_str().unwrap(), "-"],
    ));
    in_order(
        &text,
        &[
            "表11至6月各县（区）生产安全事故情况",
            "县（区）",
            "丰县",
            "4",
            "-20.0%",
            "2",
            "持平",
            "沛县",
            "合计",
            "12",
            "-20.0%",
            "4",
            "-33.3%",
            "注：“—”表示上年同期无事故。",
        ],
    )
    .unwrap();
}

#[test]
fn merged_cells_span_their_columns_and_rows() {
    let l = lines();
    let find = |t: &str| -> &Line {
        l.iter()
            .find(|x| compact(&x.text) == t)
            .unwrap_or_else(|| panic!("no line {t:?}"))
    };
    let cases = find("事故起数");
    let this_year: Vec<&Line> = l.iter().filter(|x| x.text == "今年").collect();
    let change: Vec<&Line> = l.iter().filter(|x| x.text == "同比").collect();
    assert!(this_year.len() >= 2 && change.len() >= 2, "{this_year:?}");
    let centre = |x: &Line| (x.x_min + x.x_max) / 2.0;
    // 事故起数 spans the first 今年 and 同比 columns: centred over both
    // (between their texts' centres, which are centred in columns of
    // different widths).
    assert!(
        centre(cases) > centre(this_year[0]) + 5.0 && centre(cases) < centre(change[0]) - 5.0,
        "事故起数 at {} is not over both its columns ({} … {})",
        centre(cases),
        centre(this_year[0]),
        centre(change[0])
    );
    assert!(cases.y_max < this_year[0].y_min, "事故起数 is above 今年");
    // 县（区） spans the two header rows: vertically between them.
    let county = find("县（区）");
    let cy = (county.y_min + county.y_max) / 2.0;
    assert!(
        cy > cases.y_max && cy < this_year[0].y_min + 2.0,
        "县（区） at {cy} is not centred on both header rows ({} … {})",
        cases.y_max,
        this_year[0].y_min
    );
}

#[test]
fn a_long_table_continues_with_its_header_and_a_continued_caption() {
    let l = lines();
    let caption = l
        .iter()
        .find(|x| compact(&x.text) == "表2各乡镇（街道）隐患排查整改情况")
        .expect("caption of table 2");
    let continued = l
        .iter()
        .find(|x| compact(&x.text) == "续表2各乡镇（街道）隐患排查整改情况")
        .expect("continued caption of table 2");
    assert_eq!(continued.page, caption.page + 1, "续表 on the next page");
    // The header row is on both pages, right under the caption.
    for cap in [caption, continued] {
        let header = l
            .iter()
            .find(|x| x.page == cap.page && x.text == "乡镇（街道）")
            .unwrap_or_else(|| panic!("no header on page {}", cap.page));
        assert!(
            header.y_min > cap.y_max && header.y_min - cap.y_max < 30.0,
            "header under the caption on page {}",
            cap.page
        );
    }
    // The body's grid resumes after the table.
    let after = l
        .iter()
        .find(|x| x.text.starts_with("三、存在的主要问题"))
        .unwrap();
    let top = 37.0 / 25.4 * 72.0;
    let residue = |y: f64| (y - top).rem_euclid(28.95);
    let first = l.iter().find(|x| x.text.starts_with("今年以来")).unwrap();
    assert!(
        (residue(after.y_min) - residue(first.y_min)).abs() < 0.2,
        "text after the table is off the grid: {} vs {}",
        residue(after.y_min),
        residue(first.y_min)
    );
}

/// The words of a PDF grouped in rows (same page, same top within 3 pt),
/// each row's words left to right.
fn word_rows(pdf: &Path) -> Vec<(usize, f64, String)> {
    let xml = tool_stdout("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let attr = |t: &str, name: &str| -> f64 {
        let at = t.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        t[at..at + t[at..].find('"').unwrap()].parse().unwrap()
    };
    let mut words: Vec<(usize, f64, f64, String)> = Vec::new();
    let mut page = 0;
    for t in xml.lines().map(str::trim) {
        if t.starts_with("<page ") {
            page += 1;
        } else if t.starts_with("<word ") {
            let text = &t[t.find('>').unwrap() + 1..t.rfind("</word>").unwrap()];
            words.push((
                page,
                attr(t, "yMin"),
                attr(t, "xMin"),
                text.replace("&amp;", "&"),
            ));
        }
    }
    words.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    type Row = (usize, f64, Vec<(f64, String)>);
    let mut rows: Vec<Row> = Vec::new();
    for (page, y, x, text) in words {
        match rows.last_mut() {
            Some((p, ry, r)) if *p == page && (y - *ry).abs() < 3.0 => r.push((x, text)),
            _ => rows.push((page, y, vec![(x, text)])),
        }
    }
    rows.into_iter()
        .map(|(p, y, mut r)| {
            r.sort_by(|a, b| a.0.total_cmp(&b.0));
            (p, y, r.into_iter().map(|w| w.1).collect())
        })
        .collect()
}

#[test]
fn the_csv_table_equals_its_file() {
    let csv = std::fs::read_to_string(root().join("examples/qingkuang-files/towns.csv")).unwrap();
    let expected: Vec<String> = csv.lines().skip(1).map(|l| l.replace(',', "")).collect();
    let rows = word_rows(example_pdf(false));
    let start = rows
        .iter()
        .position(|r| r.2 == "表2各乡镇（街道）隐患排查整改情况")
        .expect("table 2's caption");
    let end = rows
        .iter()
        .position(|r| r.2.starts_with("三、存在的主要问题"))
        .unwrap();
    // The rows of the table's body: those starting with a name from the file.
    let found: Vec<String> = rows[start..end]
        .iter()
        .map(|r| r.2.clone())
        .filter(|r| expected.iter().any(|e| e == r))
        .collect();
    assert_eq!(found, expected, "every row of the CSV file, in order");
    // The header on both pages.
    let mut header_pages: Vec<usize> = rows[start..end]
        .iter()
        .filter(|r| r.2.contains("乡镇（街道）"))
        .map(|r| r.0)
        .collect();
    header_pages.dedup();
    let table_pages: Vec<usize> = (rows[start].0..=rows[end].0).collect();
    assert!(table_pages.len() > 1, "the table runs over a page break");
    assert_eq!(
        header_pages, table_pages,
        "the header row on every page of the table"
    );
}

#[test]
fn both_photos_are_embedded_side_by_side_at_the_same_height() {
    let list = tool_stdout(
        "pdfimages",
        &["-list", example_pdf(false).to_str().unwrap()],
    );
    let rows: Vec<Vec<&str>> = list
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    let jpegs: Vec<&Vec<&str>> = rows.iter().filter(|r| r[8] == "jpeg").collect();
    assert_eq!(jpegs.len(), 2, "{list}");
    assert_eq!((jpegs[0][3], jpegs[0][4]), ("1200", "800"));
    assert_eq!((jpegs[1][3], jpegs[1][4]), ("1200", "900"));
    // Printed size from the resolution: equal heights, widths filling the
    // type block (156 mm) less the 6 mm gap between them.
    let mm = |px: &str, ppi: &str| px.parse::<f64>().unwrap() / ppi.parse::<f64>().unwrap() * 25.4;
    let (w1, h1) = (mm(jpegs[0][3], jpegs[0][12]), mm(jpegs[0][4], jpegs[0][13]));
    let (w2, h2) = (mm(jpegs[1][3], jpegs[1][12]), mm(jpegs[1][4], jpegs[1][13]));
    assert!((h1 - h2).abs() < 0.5, "heights {h1} and {h2} mm");
    assert!((w1 + w2 - 150.0).abs() < 1.0, "widths {w1} + {w2} mm");
    // The JPEG files are embedded as they are, not decoded and re-encoded.
    let pdf = std::fs::read(example_pdf(false)).unwrap();
    for name in ["site-1.jpg", "site-2.jpg"] {
        let jpeg = std::fs::read(root().join("examples/qingkuang-files").join(name)).unwrap();
        assert!(
            pdf.windows(64).any(|w| w == &jpeg[200..264]),
            "{name} is embedded byte for byte"
        );
    }
}

#[test]
fn a_figure_at_a_requested_width() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("examples/qingkuang-files/site-1.jpg"),
        dir.path().join("photo.jpg"),
    )
    .unwrap();
    let issue = minimal_issue("图片新闻", "正文。", "供图").replace("body = \"正文。\"\n", "")
        + "\n[[articles.body]]\ntext = \"正文。\"\n\n[[articles.body]]\nimage = \"photo.jpg\"\n\
           caption = \"图1 现场\"\nwidth = \"100mm\"\n\n[[articles.body]]\nimage = \"photo.jpg\"\n\
           width = 0.5\n";
    let input = dir.path().join("issue.toml");
    std::fs::write(&input, issue).unwrap();
    let out = dir.path().join("out.pdf");
    let o = run(&[input.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let list = tool_stdout("pdfimages", &["-list", out.to_str().unwrap()]);
    let widths: Vec<f64> = list
        .lines()
        .skip(2)
        .map(|l| {
            let r: Vec<&str> = l.split_whitespace().collect();
            r[3].parse::<f64>().unwrap() / r[12].parse::<f64>().unwrap() * 25.4
        })
        .collect();
    assert_eq!(widths.len(), 2, "{list}");
    assert!((widths[0] - 100.0).abs() < 0.5, "{widths:?}");
    assert!(
        (widths[1] - 78.0).abs() < 0.5,
        "half the type block: {widths:?}"
    );
}

#[test]
fn footnotes_have_marks_and_notes_at_the_foot_of_their_page() {
    let l = lines();
    let note = l
        .iter()
        .find(|x| x.text.contains("事故统计口径为工矿商贸领域生产安全事故"))
        .expect("the first footnote's text");
    assert!(
        note.text.starts_with('①'),
        "numbered ① in line: {:?}",
        note.text
    );
    let mark = l
        .iter()
        .find(|x| x.page == note.page && x.text.contains("死亡4人"))
        .expect("the line with the first mark");
    // The mark is with its character (a superscript ① may be a line of its
    // own for pdftotext, just above).
    let marked = mark.text.contains("4人①")
        || l.iter()
            .any(|x| x.page == mark.page && x.text == "①" && (x.y_min - mark.y_min).abs() < 10.0);
    assert!(marked, "mark ① after 4人 on page {}", mark.page);
    // At the foot of the page, under the body, smaller.
    let body_bottom = l
        .iter()
        .filter(|x| x.page == note.page && x.y_max - x.y_min > 14.0)
        .map(|x| x.y_max)
        .fold(0.0, f64::max);
    assert!(note.y_min > body_bottom - 1.0, "the note is under the body");
    assert!(note.y_max - note.y_min < 14.0, "the note is smaller");
    let second = l
        .iter()
        .find(|x| x.text.contains("据各县（区）上报的复查情况统计"))
        .expect("the second footnote");
    assert!(second.text.starts_with('②'));
}

#[test]
fn lists_are_numbered_and_nested() {
    let text = compact(&tool_stdout(
        "pdftotext",
        &[example_pdf(false).to_str().unwrap(), "-"],
    ));
    in_order(
        &text,
        &[
            "1.压紧压实安全生产责任",
            "2.深化重点行业领域专项整治：",
            "(1)建筑施工领域",
            "(2)道路运输领域",
            "3.强化执法检查",
            "4.加强应急值守",
            "（市安委办）",
        ],
    )
    .unwrap();
}

#[test]
fn the_toc_is_set_off_from_a_body_on_the_same_page() {
    let l = lines();
    let entries: Vec<&Line> = l
        .iter()
        .filter(|x| x.page == 1 && x.text.starts_with('◆'))
        .collect();
    let last_entry = entries.last().expect("TOC entries");
    let marker = l
        .iter()
        .filter(|x| x.page == 1 && x.text == "【情况通报】")
        .nth(1)
        .expect("the body's first column marker on page 1");
    let rows = (marker.y_min - last_entry.y_min) / 28.95;
    assert!(
        (rows - 2.0).abs() < 0.05,
        "one blank grid line between the TOC and the body: {rows} rows"
    );
}

#[test]
fn pdf_a_2b_with_photos_validates() {
    let pdf = example_pdf(true);
    let info = tool_stdout("pdfinfo", &["-meta", pdf.to_str().unwrap()]);
    assert!(
        info.contains("pdfaid:part") || info.contains("pdfaid"),
        "{info}"
    );
    let o = tool("qpdf", &["--check", pdf.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let list = tool_stdout("pdfimages", &["-list", pdf.to_str().unwrap()]);
    assert_eq!(list.lines().filter(|l| l.contains("jpeg")).count(), 2);
}

/// A 20-megapixel JPEG (made here) embeds without decoding it whole and
/// without growing the PDF beyond the file: the render's peak memory and
/// the PDF's size are measured.
#[test]
fn a_20_megapixel_photo_is_embedded_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let jpeg = crate::common::photos::jpeg(5472, 3648, 20, 85);
    std::fs::write(dir.path().join("big.jpg"), &jpeg).unwrap();
    let issue = minimal_issue("图片新闻", "正文。", "供图").replace("body = \"正文。\"\n", "")
        + "\n[[articles.body]]\ntext = \"正文。\"\n\n[[articles.body]]\nimage = \"big.jpg\"\n\
           caption = \"图1 二千万像素的照片\"\n";
    let input = dir.path().join("issue.toml");
    std::fs::write(&input, issue).unwrap();
    let out = dir.path().join("out.pdf");
    let time = Path::new("/usr/bin/time");
    let o = if time.exists() {
        std::process::Command::new(time)
            .args(["-f", "maxrss=%M"])
            .arg(env!("CARGO_BIN_EXE_bulletin-pdf"))
            .args([input.to_str().unwrap(), "-o", out.to_str().unwrap()])
            .output()
            .unwrap()
    } else {
        run(&[input.to_str().unwrap(), "-o", out.to_str().unwrap()])
    };
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let pdf_size = std::fs::metadata(&out).unwrap().len() as usize;
    println!(
        "JPEG {:.1} MB, PDF {:.1} MB, {}",
        jpeg.len() as f64 / 1e6,
        pdf_size as f64 / 1e6,
        err.lines()
            .find(|l| l.starts_with("maxrss="))
            .unwrap_or("maxrss not measured")
    );
    assert!(
        pdf_size < jpeg.len() + 1_500_000,
        "the PDF ({pdf_size} bytes) holds the JPEG ({} bytes) as it is, plus fonts",
        jpeg.len()
    );
    if let Some(kb) = err
        .lines()
        .find_map(|l| l.strip_prefix("maxrss="))
        .and_then(|k| k.trim().parse::<u64>().ok())
    {
        // Decoded whole, 20 MP of RGB would be 60 MB more than the text alone
        // takes; the limit leaves room for the fonts and the layout.
        assert!(kb < 600_000, "peak memory {kb} KiB");
    }
}

/// The pagination rules on the examples: no page ends with a title, a
/// column marker or a heading, and no page starts with a byline.
#[test]
fn the_examples_keep_titles_headings_and_bylines_with_their_text() {
    let dir = tempfile::tempdir().unwrap();
    let issue363 = dir.path().join("363.pdf");
    let o = run(&[
        root().join("examples/issue-363.toml").to_str().unwrap(),
        "-o",
        issue363.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for (pdf, lines) in [
        ("qingkuang", lines().clone()),
        ("issue-363", bbox_lines(&issue363)),
    ] {
        let pages = lines.iter().map(|l| l.page).max().unwrap();
        for p in 1..=pages {
            let body: Vec<&Line> = lines
                .iter()
                .filter(|l| l.page == p && !(l.text.starts_with('—') && l.text.ends_with('—')))
                .collect();
            let (Some(first), Some(last)) = (body.first(), body.last()) else {
                continue;
            };
            // Titles are set large (22 pt lines), headings start 一、 （一）.
            let heading = |l: &Line| {
                l.y_max - l.y_min > 20.0
                    || l.text.starts_with('【')
                    || ["一、", "二、", "三、", "四、", "五、"]
                        .iter()
                        .any(|h| l.text.starts_with(h))
            };
            if p < pages {
                assert!(
                    !heading(last),
                    "{pdf}: page {p} ends with the heading {:?}",
                    last.text
                );
            }
            assert!(
                !(first.text.starts_with('（') && first.text.ends_with('）')),
                "{pdf}: page {p} starts with the byline {:?}",
                first.text
            );
        }
    }
}

/// A table with `landscape = true` gets a landscape page of its own, with
/// its page number, and the body goes on upright after it.
#[test]
fn a_landscape_table_has_a_page_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let issue = minimal_issue("宽表", "正文。", "供稿").replace("body = \"正文。\"\n", "")
        + "\n[[articles.body]]\ntext = \"见下表。\"\n\n[[articles.body]]\ncaption = \"表1 宽表\"\n\
           rows = [[\"丰县\", 3, 1, 4, 5, 6, 7, 8, 9, 10]]\n\
           widths = [\"40mm\", \"20mm\", \"20mm\", \"20mm\", \"20mm\", \"20mm\", \"20mm\", \"20mm\", \"20mm\", \"20mm\"]\n\
           landscape = true\n\n[[articles.body]]\ntext = \"表后正文。\"\n";
    let input = dir.path().join("issue.toml");
    std::fs::write(&input, issue).unwrap();
    let out = dir.path().join("out.pdf");
    let o = run(&[input.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let info = tool_stdout("pdfinfo", &["-f", "1", "-l", "3", out.to_str().unwrap()]);
    let sizes: Vec<&str> = info
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains(" size:"))
        .collect();
    assert_eq!(sizes.len(), 3, "{info}");
    assert!(sizes[0].contains("595.276 x 841.89"), "{info}");
    assert!(
        sizes[1].contains("841.89 x 595.276"),
        "page 2 landscape: {info}"
    );
    assert!(sizes[2].contains("595.276 x 841.89"), "{info}");
    let l = bbox_lines(&out);
    assert!(
        l.iter().any(|x| x.page == 2 && x.text == "表1宽表"),
        "the table on page 2"
    );
    assert!(
        l.iter().any(|x| x.page == 2 && x.text == "—2—"),
        "its page number"
    );
    assert!(l.iter().any(|x| x.page == 3 && x.text.contains("表后正文")));
}
