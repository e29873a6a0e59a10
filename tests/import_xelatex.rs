//! `bulletin-pdf import` of a bulletin typeset with XeLaTeX and ctex
//! (tests/data/import/xelatex/README.md): Fandol fonts embedded as
//! CID-keyed CFF subsets without ToUnicode maps, whose text is recovered
//! from the original fonts (src/import/cid_unicode.rs). Structures are
//! compared (parsed TOML), as in tests/import.rs.

use std::path::{Path, PathBuf};

use crate::common::shape::*;
use crate::common::*;
use bulletin_import::pdf;

fn fixture(name: &str) -> PathBuf {
    root().join("tests/data/import/xelatex").join(name)
}

fn bin_import(args: &[&str]) -> std::process::Output {
    std::process::Command::new(BIN)
        .arg("import")
        .args(args)
        .output()
        .unwrap()
}

fn checks(s: &str) -> Vec<&str> {
    s.lines().filter(|l| l.starts_with("# check:")).collect()
}

/// The whole issue comes out: masthead (set spaced), number, office and
/// date, both articles with their titles, paragraphs and bylines, the
/// 报/送/发 footer and the 印发 line; and the issue file passes check.
#[test]
fn xelatex_bulletin_imports_to_its_expected_issue_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = bin_import(&[
        fixture("bulletin.pdf").to_str().unwrap(),
        "--out-dir",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let file = out.join("bulletin.toml");
    let have_text = std::fs::read_to_string(&file).unwrap();
    let have: toml::Table =
        toml::from_str(&have_text).unwrap_or_else(|e| panic!("{e}\n{have_text}"));
    let want_text = std::fs::read_to_string(fixture("bulletin.toml")).unwrap();
    let want: toml::Table = toml::from_str(&want_text).unwrap();
    assert_eq!(shape(&have), shape(&want), "{have_text}");
    assert_eq!(have.get("layout"), want.get("layout"), "{have_text}");
    assert_eq!(checks(&have_text), checks(&want_text), "{have_text}");
    // Nothing was left unread.
    assert!(!have_text.contains('\u{FFFD}'), "{have_text}");
    let o = run(&["check", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The PDF reader itself: no notice about unmapped characters.
#[test]
fn xelatex_text_is_read_without_notices() {
    let bytes = std::fs::read(fixture("bulletin.pdf")).unwrap();
    let doc = pdf::read(&bytes).expect("the XeLaTeX PDF reads");
    assert!(
        !doc.notices.iter().any(|n| n.contains("Unicode")),
        "{:?}",
        doc.notices
    );
}

/// The fixture with its objects uncompressed (qpdf's QDF form), so that
/// names in its font dictionaries can be edited in place.
fn uncompressed(dir: &Path) -> Vec<u8> {
    let qdf = dir.join("uncompressed.pdf");
    tool_stdout(
        "qpdf",
        &[
            "--qdf",
            "--object-streams=disable",
            fixture("bulletin.pdf").to_str().unwrap(),
            qdf.to_str().unwrap(),
        ],
    );
    std::fs::read(&qdf).unwrap()
}

/// Renames a subset font in the font dictionaries (`/ABCDEF+from…`) to a
/// name one byte shorter, padded with a space so that every offset stays
/// right; the name inside the embedded font program is left alone.
fn rename(mut bytes: Vec<u8>, from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len() + 1);
    let needle = format!("+{from}");
    let (mut i, mut n) = (0, 0);
    while let Some(at) = bytes[i..]
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .map(|p| p + i)
    {
        // The name runs on to the next delimiter (a "-Identity-H" suffix).
        let end = (at + needle.len()..bytes.len())
            .find(|&j| b" \t\r\n/<>[]()".contains(&bytes[j]))
            .unwrap();
        let mut name = format!("+{to}").into_bytes();
        name.extend_from_slice(&bytes[at + needle.len()..end]);
        name.push(b' ');
        bytes.splice(at..end, name);
        i = end;
        n += 1;
    }
    assert!(n >= 2, "{from} found {n} times");
    bytes
}

fn para_text(doc: &bulletin_import::doc::Doc) -> String {
    doc.items
        .iter()
        .filter_map(|i| match i {
            bulletin_import::doc::Item::Para(p) => Some(p.text.as_str()),
            _ => None,
        })
        .collect()
}

/// A font that says it is another font than it is (here the body's
/// FandolSong-Regular subset named FandolHei-Regular, a font that exists,
/// with the same characters but other outlines) is not trusted: its text
/// is not made up from the wrong font but left unread, with the reader's
/// notice or error.
#[test]
fn a_font_with_the_wrong_name_is_not_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = uncompressed(tmp.path());
    // Uncompressed, the file reads as before.
    let doc = pdf::read(&plain).expect("the uncompressed PDF reads");
    assert!(para_text(&doc).contains("总结去年农业农村工作"));
    let bytes = rename(plain, "FandolSong-Regular", "FandolHei-Regular");
    match pdf::read(&bytes) {
        Err(e) => assert!(e.message().contains("Unicode mapping"), "{e}"),
        Ok(doc) => {
            assert!(
                doc.notices.iter().any(|n| n.contains("no Unicode mapping")),
                "{:?}",
                doc.notices
            );
            // The body (FandolSong-Regular) is not read at all; the
            // masthead and titles (FandolSong-Bold) are.
            let text = para_text(&doc);
            assert!(!text.contains("总结去年农业农村工作"), "{text}");
            assert!(text.contains('\u{FFFD}'), "{text}");
            assert!(text.contains("我县召开春季农业生产工作会议"), "{text}");
        }
    }
}
