//! The reader of saved web pages (.html/.htm) and of HTML that Word or WPS
//! put on the clipboard: html5ever's tree (through `scraper`) walked in
//! document order into paragraphs, tables and images.
//!
//! Decoding: a byte order mark first, then the charset a `<meta>` names in
//! the first bytes (gb2312, gbk and gb18030 are all read as GB18030), UTF-8
//! when none is named, GB18030 when the bytes are not UTF-8 and no charset
//! is named (or UTF-8 is named but the bytes are GB18030).
//!
//! What it reports, per paragraph: the text (whitespace collapsed as a
//! browser does, a line break in the source between two Chinese characters
//! dropped — Word wraps its HTML inside sentences), bold runs (`b`,
//! `strong`, headings, `font-weight`), the largest size (`font-size`,
//! `<font size>`, headings' defaults; 12 pt otherwise), red (`<font
//! color>`, `color:`), the alignment (`align=`, `text-align`, `<center>`),
//! the first line's indent (`text-indent`, Word's `mso-char-indent-count`,
//! or leading no-break and full-width spaces), headings' outline levels,
//! list items (`li`, Word's `mso-list`), the first font, and rules (`<hr>`,
//! bordered blocks). A `<br>` ends a paragraph: old pages write
//! `&nbsp;&nbsp;&nbsp;&nbsp;text<br>` with no `<p>`. Simple rules of the
//! page's `<style>` (`p.MsoNormal {…}`, `.TRS_Editor P {…}`) are applied by
//! the last element of their selector.
//!
//! Tables: a data table keeps its rows, header rows (`th`, `thead`) and
//! merged cells; a table used for the page's layout (one cell, one column,
//! nested tables, long or block content in a cell, most of the text) is
//! walked through as a container.
//!
//! The site around the text is dropped: scripts, styles, forms' controls,
//! `nav`, `aside`, frames, hidden elements, elements whose id or class
//! names a menu, breadcrumbs, sharing, search, a login, a sidebar or a
//! copyright, and blocks that are mostly links. When the page has a main
//! content element (the CMS's `#zoom`, `.TRS_Editor`, `article`,
//! `#content`…), or else one block holds most of the text, only that is
//! read, with the short title-like blocks just before it (the page's title,
//! a masthead in a row of its own) and a 版记 just after it. Clipboard HTML
//! (`<!--StartFragment-->…<!--EndFragment-->`) is read between its markers.
//!
//! Images: `data:` URIs are decoded; a relative `src` is read from the
//! page's folder only (through [`bulletin_model::sandbox::Root`], so no
//! path or link leads out of it), within a budget; others become notices.
//!
//! Bounded: the input is at most [`MAX_HTML_BYTES`], the tree at most
//! [`MAX_NODES`] nodes and [`MAX_DEPTH`] deep (checked without recursion
//! before the tree is walked), images at most [`MAX_IMAGES`] and
//! [`MAX_IMAGE_BYTES`] in all.

use std::collections::HashMap;

use bulletin_model::sandbox::{Refusal, Root};
use ego_tree::{NodeId, NodeRef};
use scraper::{Html, Node};

use super::doc::{Align, Cell, Doc, Image, Item, Para, ReadError, Table};

/// The largest page read (its `data:` images included).
pub const MAX_HTML_BYTES: usize = 48 * 1024 * 1024;
/// The most nodes (elements, text, comments) a page's tree may have.
pub const MAX_NODES: usize = 500_000;
/// The deepest nesting of a page's tree.
pub const MAX_DEPTH: usize = 256;
/// The most images read from one page.
pub const MAX_IMAGES: usize = 500;
/// The most bytes of images read from one page, all together.
pub const MAX_IMAGE_BYTES: usize = 64 * 1024 * 1024;
/// The most text of `<style>` elements read.
const MAX_CSS_BYTES: usize = 1024 * 1024;
/// The most rules kept from `<style>` elements.
const MAX_CSS_RULES: usize = 10_000;

/// The size of text with no size set (16 px).
const DEFAULT_SIZE: f32 = 12.0;

const NOT_HTML: &str = "a web page";

/// Reads a saved web page (images beside it are not read: see [`read_in`]).
pub fn read(bytes: &[u8]) -> Result<Doc, ReadError> {
    read_in(bytes, None)
}

/// Reads a saved web page; relative images are read from `folder`, the
/// page's own folder, when it is given.
pub fn read_in(bytes: &[u8], folder: Option<&Root>) -> Result<Doc, ReadError> {
    if bytes.len() > MAX_HTML_BYTES {
        return Err(too_large_input(bytes.len()));
    }
    let text = decode(bytes);
    read_str_in(&text, folder)
}

/// Reads HTML already decoded (a page, or Word/WPS clipboard HTML).
pub fn read_str(html: &str) -> Result<Doc, ReadError> {
    read_str_in(html, None)
}

fn too_large_input(len: usize) -> ReadError {
    ReadError::TooLarge(format!(
        "{NOT_HTML} of {:.1} MiB is over the limit of {} MiB: save the page without its \
         embedded images, or split it",
        len as f64 / (1u64 << 20) as f64,
        MAX_HTML_BYTES >> 20
    ))
}

/// [`read_str`], with relative images read from `folder`.
pub fn read_str_in(html: &str, folder: Option<&Root>) -> Result<Doc, ReadError> {
    if html.len() > MAX_HTML_BYTES {
        return Err(too_large_input(html.len()));
    }
    // A clipboard's header (Version:0.9 StartHTML:…) before the markup.
    let html = match html.find('<') {
        Some(i) if html.starts_with("Version:") => &html[i..],
        _ => html,
    };
    prescan(html)?;
    let dom = Html::parse_document(html);
    check_tree(&dom)?;
    let fragment = html.contains("<!--StartFragment") || html.contains("<!-- StartFragment");
    let mut css = Css::default();
    for node in dom.tree.root().descendants() {
        if let Node::Element(e) = node.value() {
            if e.name() == "style" {
                let text: String = node
                    .children()
                    .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
                    .collect();
                css.parse(&text);
            }
        }
    }
    let body = dom
        .tree
        .root()
        .descendants()
        .find(|n| n.value().as_element().is_some_and(|e| e.name() == "body"))
        .unwrap_or_else(|| dom.tree.root());
    let mut page = Page {
        css,
        measures: HashMap::new(),
    };
    page.measure(body, 0);
    let mut walker = Walker::new(&page, folder, fragment);
    if fragment {
        walker.walk_children(body, &Style::default(), 0);
    } else {
        match page.main(body) {
            Some(main) => {
                let (before, after) = page.around(main, body);
                for n in before {
                    walker.block(n, &Style::default(), 0);
                }
                let style = page.inherited(main);
                walker.block(main, &style, 0);
                for n in after {
                    walker.block(n, &Style::default(), 0);
                }
            }
            None => {
                walker.site = true;
                walker.total = page.m(body).text;
                walker.walk_children(body, &Style::default(), 0);
            }
        }
    }
    walker.flush();
    let mut doc = walker.doc;
    doc.items = walker.out;
    if doc.items.is_empty() {
        return Err(ReadError::NoText(format!(
            "{NOT_HTML} with no text in it (a page of frames, or one filled by scripts): \
             open it in a browser, select the bulletin's text and save it as a text file"
        )));
    }
    Ok(doc)
}

/// How many tags may be left open, by a count of the tags (before the tree
/// is built: html5ever's tree builder spends time in proportion to the open
/// elements and the active formatting elements at each tag).
const MAX_OPEN_TAGS: usize = 2000;
/// How many formatting tags (`b`, `font`…) may be left open.
const MAX_OPEN_FORMATTING: usize = 500;

/// Bounds the tree before it is built: every element starts with `<`, and
/// the tags left open (counted roughly, without the elements whose end tag
/// may be left out) stay within [`MAX_OPEN_TAGS`] and
/// [`MAX_OPEN_FORMATTING`].
fn prescan(html: &str) -> Result<(), ReadError> {
    const VOID_OR_OPTIONAL: [&str; 32] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup",
        "tbody", "thead", "tfoot", "colgroup", "html", "head", "body", "rt", "rp",
    ];
    const FORMATTING: [&str; 14] = [
        "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt",
        "u",
    ];
    let b = html.as_bytes();
    let mut tags = 0usize;
    let mut open = 0usize;
    let mut formatting = 0usize;
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(|&c| c == b'<') {
        i += p + 1;
        tags += 1;
        if tags > 2 * MAX_NODES {
            return Err(too_many_nodes());
        }
        let close = b.get(i) == Some(&b'/');
        let start = if close { i + 1 } else { i };
        let mut end = start;
        while end < b.len()
            && end - start < 16
            && (b[end].is_ascii_alphanumeric() || b[end] == b':')
        {
            end += 1;
        }
        if end == start {
            continue;
        }
        let name = html[start..end].to_ascii_lowercase();
        // A self-closed tag (<o:p/>) opens nothing.
        let self_closed = b[end..]
            .iter()
            .take(512)
            .position(|&c| c == b'>')
            .is_some_and(|q| q > 0 && b[end + q - 1] == b'/');
        if VOID_OR_OPTIONAL.contains(&name.as_str()) || (self_closed && !close) {
            continue;
        }
        let fmt = FORMATTING.contains(&name.as_str());
        if close {
            open = open.saturating_sub(1);
            if fmt {
                formatting = formatting.saturating_sub(1);
            }
        } else {
            open += 1;
            if fmt {
                formatting += 1;
            }
            if open > MAX_OPEN_TAGS || formatting > MAX_OPEN_FORMATTING {
                return Err(ReadError::TooLarge(format!(
                    "{NOT_HTML} with more than {} tags left open, more than a page needs; \
                     refused: open it in a browser and save the bulletin's text as a text file",
                    if fmt {
                        MAX_OPEN_FORMATTING
                    } else {
                        MAX_OPEN_TAGS
                    }
                )));
            }
        }
    }
    Ok(())
}

fn too_many_nodes() -> ReadError {
    ReadError::TooLarge(format!(
        "{NOT_HTML} with more than {MAX_NODES} elements; refused: open it in a browser and \
         save the bulletin's text as a text file"
    ))
}

/// The tree is within [`MAX_NODES`] and [`MAX_DEPTH`] (counted without
/// recursion).
fn check_tree(dom: &Html) -> Result<(), ReadError> {
    let mut nodes = 0usize;
    let mut depth = 0usize;
    for edge in dom.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(_) => {
                nodes += 1;
                depth += 1;
                if nodes > MAX_NODES {
                    return Err(too_many_nodes());
                }
                if depth > MAX_DEPTH {
                    return Err(ReadError::TooLarge(format!(
                        "{NOT_HTML} with elements nested more than {MAX_DEPTH} deep; refused: \
                         open it in a browser and save the bulletin's text as a text file"
                    )));
                }
            }
            ego_tree::iter::Edge::Close(_) => depth -= 1,
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Decoding

/// Decodes a page: BOM, then the charset named in its first bytes, then
/// UTF-8, then GB18030.
pub fn decode(bytes: &[u8]) -> String {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned();
    }
    let utf8 = std::str::from_utf8(bytes).is_ok();
    let gb = || {
        encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|s| s.into_owned())
    };
    let enc = match declared_charset(&bytes[..bytes.len().min(4096)]) {
        Some(e) if e == encoding_rs::UTF_8 && !utf8 => {
            // Pages saved by old editors often say UTF-8 and are GBK.
            if let Some(s) = gb() {
                return s;
            }
            e
        }
        Some(e) => e,
        None if utf8 => encoding_rs::UTF_8,
        None => encoding_rs::GB18030,
    };
    enc.decode_without_bom_handling(bytes).0.into_owned()
}

/// The encoding a `<meta charset=…>` or `content="…; charset=…"` names.
fn declared_charset(head: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(p) = find(&lower[from..], b"charset") {
        let mut i = from + p + 7;
        from = i;
        while lower.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        if lower.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while lower
            .get(i)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'"' || *b == b'\'')
        {
            i += 1;
        }
        let start = i;
        while lower
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        {
            i += 1;
        }
        if let Some(e) = encoding_rs::Encoding::for_label(&lower[start..i]) {
            return Some(if e == encoding_rs::GBK || e == encoding_rs::GB18030 {
                encoding_rs::GB18030
            } else if e == encoding_rs::UTF_16LE
                || e == encoding_rs::UTF_16BE
                || e == encoding_rs::REPLACEMENT
                || e == encoding_rs::X_USER_DEFINED
            {
                // Bytes that say so in ASCII are not UTF-16.
                encoding_rs::UTF_8
            } else {
                e
            });
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------
// Style

/// What an element's text inherits, and what it sets for its block.
#[derive(Debug, Clone)]
struct Style {
    bold: bool,
    red: bool,
    size: f32,
    align: Align,
    indent: Option<f32>,
    font: Option<String>,
    outline: Option<u8>,
    style_name: Option<String>,
    list: Option<(u8, bool)>,
    pre: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            bold: false,
            red: false,
            size: DEFAULT_SIZE,
            align: Align::Left,
            indent: None,
            font: None,
            outline: None,
            style_name: None,
            list: None,
            pre: false,
        }
    }
}

/// What an element's own declarations say beyond the inherited style.
#[derive(Debug, Clone, Default)]
struct Own {
    hidden: bool,
    border_top: bool,
    border_bottom: bool,
    /// A Word tab (`mso-tab-count`): one space.
    tab: bool,
    /// Word's list label (`mso-list:Ignore`): its text without the spaces.
    label: bool,
    /// Word's `mso-list` level.
    mso_list: Option<u8>,
    width_px: Option<f32>,
    height_px: Option<f32>,
    /// `text-indent` in points, or in em (to be multiplied by the size once
    /// it is known), or Word's `mso-char-indent-count` (in characters).
    indent_pt: Option<f32>,
    indent_em: Option<f32>,
    indent_chars: Option<f32>,
}

/// Declarations of a `style` attribute or a rule.
fn declarations(s: &str) -> Vec<(String, String)> {
    s.split(';')
        .filter_map(|d| {
            let (k, v) = d.split_once(':')?;
            let v = v.trim();
            let v = v.strip_suffix("!important").unwrap_or(v).trim();
            Some((k.trim().to_ascii_lowercase(), v.to_string()))
        })
        .collect()
}

/// A length in points; `em` and `%` relative to `em` points.
fn length_pt(v: &str, em: f32) -> Option<f32> {
    let v = v.trim().to_ascii_lowercase();
    let units: [(&str, f32); 9] = [
        ("pt", 1.0),
        ("px", 0.75),
        ("rem", DEFAULT_SIZE),
        ("em", em),
        ("%", em / 100.0),
        ("cm", 28.3465),
        ("mm", 2.83465),
        ("in", 72.0),
        ("pc", 12.0),
    ];
    for (u, f) in units {
        if let Some(n) = v.strip_suffix(u) {
            return n
                .trim()
                .parse::<f32>()
                .ok()
                .filter(|x| x.is_finite())
                .map(|x| x * f);
        }
    }
    // A bare number (quirks mode: pixels).
    v.parse::<f32>()
        .ok()
        .filter(|x| x.is_finite())
        .map(|x| x * 0.75)
}

fn font_size(v: &str, parent: f32) -> Option<f32> {
    let keyword = match v.trim().to_ascii_lowercase().as_str() {
        "xx-small" => Some(7.0),
        "x-small" => Some(7.5),
        "small" => Some(10.0),
        "medium" => Some(12.0),
        "large" => Some(13.5),
        "x-large" => Some(18.0),
        "xx-large" => Some(24.0),
        "xxx-large" => Some(36.0),
        "smaller" => Some(parent / 1.2),
        "larger" => Some(parent * 1.2),
        _ => None,
    };
    keyword
        .or_else(|| length_pt(v, parent))
        .filter(|s| *s > 0.0)
        .map(|s| s.clamp(1.0, 200.0))
}

/// `<font size=N>` (1–7, or ±N from 3) in points.
fn font_tag_size(v: &str) -> Option<f32> {
    const SIZES: [f32; 7] = [7.5, 10.0, 12.0, 13.5, 18.0, 24.0, 36.0];
    let v = v.trim();
    let n: i32 = if let Some(d) = v.strip_prefix('+') {
        3 + d.trim().parse::<i32>().ok()?
    } else if let Some(d) = v.strip_prefix('-') {
        3 - d.trim().parse::<i32>().ok()?
    } else {
        v.parse().ok()?
    };
    Some(SIZES[(n.clamp(1, 7) - 1) as usize])
}

/// Whether a CSS or HTML colour is one a reader calls red.
fn is_red(v: &str) -> bool {
    let v = v.trim().to_ascii_lowercase();
    let rgb: Option<(f32, f32, f32)> = if let Some(hex) = v.strip_prefix('#') {
        let h = |s: &str| u8::from_str_radix(s, 16).ok().map(f32::from);
        match hex.len() {
            3 | 4 => {
                let d = |i: usize| h(&hex[i..i + 1]).map(|x| x * 17.0);
                d(0).zip(d(1)).zip(d(2)).map(|((r, g), b)| (r, g, b))
            }
            6 | 8 => h(&hex[0..2])
                .zip(h(&hex[2..4]))
                .zip(h(&hex[4..6]))
                .map(|((r, g), b)| (r, g, b)),
            _ => None,
        }
    } else if let Some(args) = v
        .strip_prefix("rgba(")
        .or_else(|| v.strip_prefix("rgb("))
        .and_then(|a| a.strip_suffix(')'))
    {
        let parts: Vec<Option<f32>> = args
            .split([',', ' ', '/'])
            .filter(|p| !p.is_empty())
            .take(3)
            .map(|p| match p.strip_suffix('%') {
                Some(n) => n.parse::<f32>().ok().map(|x| x * 2.55),
                None => p.parse::<f32>().ok(),
            })
            .collect();
        match parts.as_slice() {
            [Some(r), Some(g), Some(b)] => Some((*r, *g, *b)),
            _ => None,
        }
    } else {
        return matches!(
            v.as_str(),
            "red" | "darkred" | "crimson" | "firebrick" | "orangered" | "maroon"
        );
    };
    rgb.is_some_and(|(r, g, b)| r >= 176.0 && g <= 96.0 && b <= 96.0)
}

/// Whether a border declaration draws a line.
fn border_drawn(v: &str) -> bool {
    let v = v.to_ascii_lowercase();
    let styled = v.split_whitespace().any(|t| {
        matches!(
            t,
            "solid" | "double" | "dashed" | "dotted" | "groove" | "ridge" | "inset" | "outset"
        )
    });
    let zero = v
        .split_whitespace()
        .any(|t| matches!(t, "0" | "0px" | "0pt" | "0cm" | "none" | "hidden"));
    styled && !zero
}

fn align_of(v: &str) -> Option<Align> {
    match v.trim().to_ascii_lowercase().as_str() {
        "center" | "middle" | "-webkit-center" => Some(Align::Center),
        "right" | "end" => Some(Align::Right),
        "justify" => Some(Align::Justify),
        "left" | "start" => Some(Align::Left),
        _ => None,
    }
}

fn bold_of(v: &str) -> Option<bool> {
    let v = v.trim().to_ascii_lowercase();
    match v.as_str() {
        "bold" | "bolder" => Some(true),
        "normal" | "lighter" => Some(false),
        n => n.parse::<f32>().ok().map(|w| w >= 600.0),
    }
}

/// The first family of a `font-family` or `face`.
fn first_family(v: &str) -> Option<String> {
    let f = v.split(',').next()?.trim().trim_matches(['"', '\'']).trim();
    (!f.is_empty()).then(|| f.to_string())
}

/// Applies declarations to the style and the element's own properties.
fn apply(decls: &[(String, String)], st: &mut Style, own: &mut Own, parent_size: f32) {
    for (k, v) in decls {
        let lv = v.to_ascii_lowercase();
        match k.as_str() {
            "font-size" => {
                if let Some(s) = font_size(v, parent_size) {
                    st.size = s;
                }
            }
            "font-weight" => {
                if let Some(b) = bold_of(v) {
                    st.bold = b;
                }
            }
            "font" => {
                for t in v.split_whitespace() {
                    if let Some(b) = bold_of(t) {
                        st.bold = b;
                    } else if t.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                        let size = t.split('/').next().unwrap_or(t);
                        if size.ends_with(|c: char| c.is_ascii_alphabetic() || c == '%') {
                            if let Some(s) = font_size(size, parent_size) {
                                st.size = s;
                            }
                        }
                    }
                }
            }
            "font-family" => st.font = first_family(v),
            "color" => st.red = is_red(v),
            "text-align" => {
                if let Some(a) = align_of(v) {
                    st.align = a;
                }
            }
            "text-indent" => {
                let t = lv.trim();
                if t.ends_with("em") && !t.ends_with("rem") {
                    own.indent_em = t
                        .trim_end_matches("em")
                        .parse::<f32>()
                        .ok()
                        .filter(|x| x.is_finite());
                    own.indent_pt = None;
                } else {
                    own.indent_pt = length_pt(v, st.size);
                    own.indent_em = None;
                }
            }
            "mso-char-indent-count" => {
                own.indent_chars = v.parse::<f32>().ok().filter(|x| x.is_finite());
            }
            "display" if lv.trim() == "none" => own.hidden = true,
            "visibility" if lv.trim() == "hidden" => own.hidden = true,
            "mso-hide" if lv.trim() == "all" => own.hidden = true,
            "mso-tab-count" => own.tab = true,
            "mso-list" => {
                own.mso_list = lv
                    .split_whitespace()
                    .find_map(|t| t.strip_prefix("level"))
                    .and_then(|n| n.parse::<u8>().ok());
                if lv.trim() == "ignore" {
                    own.mso_list = None;
                    own.label = true;
                }
            }
            "border" => {
                let on = border_drawn(v);
                own.border_top = on;
                own.border_bottom = on;
            }
            "border-top" => own.border_top = border_drawn(v),
            "border-bottom" => own.border_bottom = border_drawn(v),
            "width" => own.width_px = length_pt(v, st.size).map(|p| p / 0.75),
            "height" => own.height_px = length_pt(v, st.size).map(|p| p / 0.75),
            _ => {}
        }
    }
}

/// Simple rules of the page's style sheets, by the last compound selector
/// of each (`tag`, `.class`, `tag.class`, `#id`), all lower case.
#[derive(Debug, Default)]
struct Css {
    rules: HashMap<String, Vec<(String, String)>>,
    count: usize,
    bytes: usize,
}

impl Css {
    fn parse(&mut self, text: &str) {
        if self.bytes + text.len() > MAX_CSS_BYTES {
            return;
        }
        self.bytes += text.len();
        let mut t = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find("/*") {
            t.push_str(&rest[..i]);
            rest = match rest[i + 2..].find("*/") {
                Some(j) => &rest[i + 2 + j + 2..],
                None => "",
            };
        }
        t.push_str(rest);
        let t = t.replace("<!--", " ").replace("-->", " ");
        self.block(&t, 0);
    }

    fn block(&mut self, mut t: &str, depth: usize) {
        while let Some(open) = t.find('{') {
            let selector = t[..open].trim();
            // The matching brace.
            let mut level = 0usize;
            let mut close = None;
            for (i, c) in t[open..].char_indices() {
                match c {
                    '{' => level += 1,
                    '}' => {
                        level -= 1;
                        if level == 0 {
                            close = Some(open + i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let close = close.unwrap_or(t.len());
            let inner = &t[(open + 1).min(close)..close];
            if let Some(at) = selector.strip_prefix('@') {
                if (at.starts_with("media") || at.starts_with("supports")) && depth < 2 {
                    self.block(inner, depth + 1);
                }
            } else {
                let decls = declarations(inner);
                for sel in selector.split(',') {
                    self.rule(sel, &decls);
                }
            }
            t = t.get(close + 1..).unwrap_or("");
        }
    }

    fn rule(&mut self, sel: &str, decls: &[(String, String)]) {
        if self.count >= MAX_CSS_RULES {
            return;
        }
        let last = sel
            .rsplit(|c: char| c.is_whitespace() || c == '>' || c == '+' || c == '~')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if last.is_empty() || last.contains([':', '[', '*']) {
            return;
        }
        // tag, .class, tag.class, #id (one class at most).
        let simple = last.matches('.').count() + last.matches('#').count() <= 1;
        if !simple {
            return;
        }
        self.count += 1;
        self.rules
            .entry(last)
            .or_default()
            .extend(decls.iter().cloned());
    }

    /// The declarations for an element, least specific first.
    fn for_element(&self, e: &scraper::node::Element) -> Vec<(String, String)> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        let tag = e.name().to_ascii_lowercase();
        let mut out = Vec::new();
        let mut add = |key: &str| {
            if let Some(d) = self.rules.get(key) {
                out.extend(d.iter().cloned());
            }
        };
        add(&tag);
        for c in e.classes() {
            let c = c.to_ascii_lowercase();
            add(&format!(".{c}"));
            add(&format!("{tag}.{c}"));
        }
        if let Some(id) = e.id() {
            let id = id.to_ascii_lowercase();
            add(&format!("#{id}"));
            add(&format!("{tag}#{id}"));
        }
        out
    }
}

// ---------------------------------------------------------------------------
// The page: what is dropped, where the text is

/// Tags never read.
const DROP_TAGS: [&str; 27] = [
    "head", "script", "style", "noscript", "template", "nav", "aside", "input", "select", "button",
    "iframe", "frame", "frameset", "textarea", "object", "embed", "svg", "math", "map", "option",
    "canvas", "audio", "video", "dialog", "menu", "link", "meta",
];

/// Words in an id or a class that name the site's furniture, anywhere.
const CHROME_PARTS: [&str; 22] = [
    "nav",
    "menu",
    "breadcrumb",
    "crumb",
    "share",
    "search",
    "login",
    "topbar",
    "sidebar",
    "copyright",
    "footer-links",
    "footerlink",
    "friendlink",
    "qrcode",
    "toolbar",
    "skip",
    "weizhi",
    "dqwz",
    "bdshare",
    "fontsize",
    "msoheader",
    "msofooter",
];

/// Whole words of an id or a class that name the site's furniture.
const CHROME_WORDS: [&str; 12] = [
    "position",
    "location",
    "pager",
    "pagination",
    "ad",
    "ads",
    "advert",
    "banner",
    "logo",
    "comment",
    "comments",
    "related",
];

/// Whole words of an id or a class that name the site's frame, dropped
/// when the page has no main content element.
const FRAME_WORDS: [&str; 12] = [
    "header", "footer", "foot", "top", "bottom", "head", "side", "left", "right", "tools", "links",
    "copy",
];

fn id_class(e: &scraper::node::Element) -> String {
    let mut s = e.id().unwrap_or("").to_ascii_lowercase();
    for c in e.classes() {
        s.push(' ');
        s.push_str(&c.to_ascii_lowercase());
    }
    s
}

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
}

fn chrome_named(names: &str) -> bool {
    // A CMS's editor (TRS_Editor) is not chrome.
    names.split_whitespace().any(|n| {
        !n.starts_with("trs_")
            && (CHROME_PARTS.iter().any(|p| n.contains(p))
                || words(n).any(|w| CHROME_WORDS.contains(&w)))
    })
}

fn frame_named(names: &str) -> bool {
    words(names).any(|w| FRAME_WORDS.contains(&w))
}

/// Text and link text of a subtree, in characters that are not spaces.
#[derive(Debug, Clone, Copy, Default)]
struct Measure {
    text: usize,
    links: usize,
    link_count: usize,
}

struct Page {
    css: Css,
    measures: HashMap<NodeId, Measure>,
}

fn element_named<'a>(n: NodeRef<'a, Node>, name: &str) -> bool {
    n.value().as_element().is_some_and(|e| e.name() == name)
}

fn visible_chars(s: &str) -> usize {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{3000}')
        .count()
}

impl Page {
    /// Whether an element is never read (tags, hidden, named chrome).
    fn dropped(&self, e: &scraper::node::Element) -> bool {
        let name = e.name();
        if DROP_TAGS.contains(&name) || e.attr("hidden").is_some() {
            return true;
        }
        if e.attr("aria-hidden") == Some("true") {
            return true;
        }
        let mut own = Own::default();
        let mut st = Style::default();
        apply(&self.css.for_element(e), &mut st, &mut own, DEFAULT_SIZE);
        if let Some(s) = e.attr("style") {
            apply(&declarations(s), &mut st, &mut own, DEFAULT_SIZE);
        }
        own.hidden || chrome_named(&id_class(e))
    }

    fn measure(&mut self, n: NodeRef<'_, Node>, depth: usize) -> Measure {
        let m = match n.value() {
            Node::Text(t) => Measure {
                text: visible_chars(t),
                ..Measure::default()
            },
            Node::Element(e) if self.dropped(e) => Measure::default(),
            Node::Element(_) | Node::Document | Node::Fragment if depth <= MAX_DEPTH => {
                let mut m = Measure::default();
                for c in n.children() {
                    let cm = self.measure(c, depth + 1);
                    m.text += cm.text;
                    m.links += cm.links;
                    m.link_count += cm.link_count;
                }
                if let Node::Element(e) = n.value() {
                    if e.name() == "a" && e.attr("href").is_some_and(|h| !h.trim().starts_with('#'))
                    {
                        m.links = m.text;
                        m.link_count += 1;
                    }
                }
                m
            }
            _ => Measure::default(),
        };
        self.measures.insert(n.id(), m);
        m
    }

    fn m(&self, n: NodeRef<'_, Node>) -> Measure {
        self.measures.get(&n.id()).copied().unwrap_or_default()
    }

    /// A block that is mostly links: a menu, a list of other pages.
    fn link_block(&self, n: NodeRef<'_, Node>) -> bool {
        let m = self.m(n);
        let block = n.value().as_element().is_some_and(|e| {
            matches!(
                e.name(),
                "ul" | "ol"
                    | "dl"
                    | "div"
                    | "td"
                    | "table"
                    | "p"
                    | "li"
                    | "section"
                    | "tr"
                    | "span"
                    | "dd"
                    | "center"
                    | "font"
            )
        });
        block && m.link_count >= 2 && m.text > 0 && m.links * 10 >= m.text * 6
    }

    /// The element that holds the text, if the page has one.
    fn main<'a>(&self, body: NodeRef<'a, Node>) -> Option<NodeRef<'a, Node>> {
        let total = self.m(body).text;
        if total == 0 {
            return None;
        }
        let mut tier1: Vec<NodeRef<'a, Node>> = Vec::new();
        let mut tier2: Vec<NodeRef<'a, Node>> = Vec::new();
        for n in body.descendants() {
            let Some(e) = n.value().as_element() else {
                continue;
            };
            let names = id_class(e);
            let w: Vec<&str> = words(&names).collect();
            if e.id().is_some_and(|i| {
                matches!(
                    i.to_ascii_lowercase().as_str(),
                    "zoom" | "ucap-content" | "fontzoom" | "zoomcon" | "textzoom"
                )
            }) || names.contains("trs_editor")
                || names.contains("trs_ueditor")
                || w.contains(&"zoom")
            {
                tier1.push(n);
            } else if matches!(e.name(), "article" | "main")
                || e.attr("role") == Some("main")
                || w.iter().any(|w| {
                    matches!(
                        *w,
                        "content"
                            | "article"
                            | "articlecontent"
                            | "newscontent"
                            | "news_content"
                            | "detail"
                            | "maintext"
                            | "zw"
                            | "contents"
                            | "pages_content"
                            | "bt_content"
                            | "article_con"
                            | "con"
                    )
                })
            {
                tier2.push(n);
            }
        }
        let t = |n: &NodeRef<'a, Node>| self.m(*n).text;
        if let Some(best) = tier1
            .iter()
            .filter(|n| t(n) * 5 >= total)
            .max_by_key(|n| t(n))
        {
            return Some(*best);
        }
        // The innermost content element that holds half the text.
        if let Some(best) = tier2
            .iter()
            .filter(|n| t(n) * 2 >= total)
            .min_by_key(|n| t(n))
        {
            return Some(*best);
        }
        // The block holding most of the text, as long as what it leaves
        // out reads like no part of a bulletin.
        if total < 300 {
            return None;
        }
        let mut cur = body;
        loop {
            let best = cur
                .children()
                .filter(|c| c.value().is_element())
                .max_by_key(|c| self.m(*c).text);
            let Some(best) = best else { break };
            if self.m(best).text * 10 < self.m(cur).text * 8 {
                break;
            }
            let shed = cur
                .children()
                .filter(|c| c.id() != best.id())
                .any(|c| self.m(c).text > 0 && bulletin_like(&self.text_of(c, 2000)));
            if shed {
                break;
            }
            cur = best;
        }
        (cur.id() != body.id()).then_some(cur)
    }

    /// The short title-like blocks just before `main` (the page's title, a
    /// masthead in a row of its own), and a 版记 just after it.
    fn around<'a>(
        &self,
        main: NodeRef<'a, Node>,
        body: NodeRef<'a, Node>,
    ) -> (Vec<NodeRef<'a, Node>>, Vec<NodeRef<'a, Node>>) {
        let mut before = Vec::new();
        let mut after = Vec::new();
        let mut n = main;
        for _ in 0..4 {
            if n.id() == body.id() {
                break;
            }
            let mut found = false;
            // Nearest first; what lies between the main element and the
            // farthest title-like block (an office and date line, a rule) is
            // kept with it.
            let mut visited = Vec::new();
            let mut keep = 0;
            let mut skipped = 0;
            let mut p = n.prev_sibling();
            while let Some(s) = p {
                p = s.prev_sibling();
                let rule = s.descendants().any(|d| element_named(d, "hr"));
                if !s.value().is_element() || (self.m(s).text == 0 && !rule) {
                    continue;
                }
                if self.m(s).text == 0 {
                    visited.push(s);
                } else if self.title_like(s) {
                    visited.push(s);
                    keep = visited.len();
                    found = true;
                } else if self.m(s).text <= 60 && skipped < 3 {
                    // A line about the page (发布时间…), or the masthead's
                    // office and date.
                    visited.push(s);
                    skipped += 1;
                } else {
                    break;
                }
            }
            visited.truncate(keep);
            before.extend(visited);
            let mut q = n.next_sibling();
            while let Some(s) = q {
                q = s.next_sibling();
                if !s.value().is_element() || self.m(s).text == 0 {
                    continue;
                }
                let text = self.text_of(s, 2000);
                if self.m(s).text <= 600 && footer_like(&text) && !self.link_block(s) {
                    after.push(s);
                    found = true;
                } else {
                    break;
                }
            }
            if found {
                break;
            }
            match n.parent() {
                Some(p) => n = p,
                None => break,
            }
        }
        before.reverse();
        (before, after)
    }

    fn title_like(&self, n: NodeRef<'_, Node>) -> bool {
        let Some(e) = n.value().as_element() else {
            return false;
        };
        if self.m(n).text > 100 || self.link_block(n) || self.dropped(e) {
            return false;
        }
        let text = self.text_of(n, 400);
        if super::recognize::structural_line(&text) && text.contains("：") {
            return false;
        }
        let names = id_class(e);
        let heading = matches!(e.name(), "h1" | "h2" | "h3")
            || n.descendants()
                .any(|d| element_named(d, "h1") || element_named(d, "h2"))
            || words(&names).any(|w| w.contains("title") || w == "bt" || w == "tit");
        heading || bulletin_like(&text)
    }

    /// The text of a subtree (at most about `limit` bytes), dropped
    /// elements left out.
    fn text_of(&self, n: NodeRef<'_, Node>, limit: usize) -> String {
        let mut out = String::new();
        let mut stack = vec![n];
        while let Some(x) = stack.pop() {
            if out.len() >= limit {
                break;
            }
            match x.value() {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) if self.dropped(e) => {}
                Node::Element(e) => {
                    if matches!(e.name(), "br" | "p" | "div" | "tr" | "li") {
                        out.push('\n');
                    }
                    let kids: Vec<_> = x.children().collect();
                    stack.extend(kids.into_iter().rev());
                }
                _ => {}
            }
        }
        out
    }

    /// The style an element inherits from its ancestors (alignment, size,
    /// colour…), for a main element read on its own.
    fn inherited(&self, main: NodeRef<'_, Node>) -> Style {
        let mut chain: Vec<NodeRef<'_, Node>> = main.ancestors().collect();
        chain.reverse();
        let mut st = Style::default();
        for a in chain {
            if let Some(e) = a.value().as_element() {
                let (s, _) = self.style_of(e, &st);
                st = s;
            }
        }
        st
    }

    /// The style of an element's text and its own properties.
    fn style_of(&self, e: &scraper::node::Element, parent: &Style) -> (Style, Own) {
        let mut st = parent.clone();
        let mut own = Own::default();
        let name = e.name();
        if is_block(name) {
            st.outline = None;
            st.style_name = None;
        }
        match name {
            "b" | "strong" | "th" => st.bold = true,
            "center" => st.align = Align::Center,
            "pre" | "xmp" | "listing" | "plaintext" => st.pre = true,
            _ => {}
        }
        if let Some(level) = name
            .strip_prefix('h')
            .and_then(|d| d.parse::<u8>().ok())
            .filter(|d| (1..=6).contains(d))
        {
            st.bold = true;
            st.size = [24.0, 18.0, 14.0, 12.0, 10.0, 8.0][level as usize - 1];
            st.outline = Some(level - 1);
            st.style_name = Some(format!("Heading {level}"));
        }
        if let Some(a) = e.attr("align").and_then(align_of) {
            if name != "img" && name != "table" {
                st.align = a;
            }
        }
        if name == "font" {
            if let Some(c) = e.attr("color") {
                st.red = is_red(c);
            }
            if let Some(s) = e.attr("size").and_then(font_tag_size) {
                st.size = s;
            }
            if let Some(f) = e.attr("face").and_then(first_family) {
                st.font = Some(f);
            }
        }
        for c in e.classes() {
            match c.to_ascii_lowercase().as_str() {
                "msotitle" => st.style_name = Some("Title".into()),
                "msosubtitle" => st.style_name = Some("Subtitle".into()),
                _ => {}
            }
        }
        let parent_size = parent.size;
        apply(&self.css.for_element(e), &mut st, &mut own, parent_size);
        if let Some(s) = e.attr("style") {
            apply(&declarations(s), &mut st, &mut own, parent_size);
        }
        if let Some(w) = e.attr("width").and_then(|w| length_pt(w, st.size)) {
            if !e.attr("width").unwrap_or("").contains('%') {
                own.width_px = Some(w / 0.75);
            }
        }
        if let Some(h) = e.attr("height").and_then(|h| length_pt(h, st.size)) {
            if !e.attr("height").unwrap_or("").contains('%') {
                own.height_px = Some(h / 0.75);
            }
        }
        let indent = own
            .indent_pt
            .or(own.indent_em.map(|em| em * st.size))
            .or(own.indent_chars.map(|c| c * st.size));
        if let Some(i) = indent {
            st.indent = (i > 0.0).then_some(i.min(500.0));
        }
        (st, own)
    }
}

/// Text that reads like part of a bulletin's masthead or footer: 第N期, a
/// bulletin's name, 报/送/发, 印发.
fn bulletin_like(text: &str) -> bool {
    let c: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let issue_no = c.find('第').is_some_and(|i| {
        let rest = &c[i + '第'.len_utf8()..];
        let digits = rest
            .chars()
            .take_while(|ch| ch.is_ascii_digit() || "〇一二三四五六七八九十百".contains(*ch))
            .count();
        digits > 0 && rest.chars().nth(digits) == Some('期')
    });
    let name = [
        "简报", "簡報", "快报", "专报", "动态", "信息", "通讯", "参考", "通报", "周报", "月报",
        "要情",
    ]
    .iter()
    .any(|w| c.contains(w));
    issue_no || (name && c.chars().count() <= 40) || footer_like(text)
}

/// Text that reads like a bulletin's 版记.
fn footer_like(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{a0}');
        [
            "报：",
            "送：",
            "发：",
            "抄送：",
            "抄报：",
            "主送：",
            "报送：",
            "分送：",
        ]
        .iter()
        .any(|p| l.starts_with(p))
            || (l.contains("印发") && l.chars().count() < 60)
    })
}

// ---------------------------------------------------------------------------
// The walk

/// The paragraph being built.
#[derive(Default)]
struct Building {
    para: Para,
    /// The block style was taken (at the first text).
    started: bool,
    chars: usize,
    red_chars: usize,
    /// Pending collapsed whitespace: whether it held a line break.
    space: Option<bool>,
}

struct Walker<'p> {
    page: &'p Page,
    folder: Option<&'p Root>,
    out: Vec<Item>,
    doc: Doc,
    cur: Building,
    /// A rule drawn above the next paragraph.
    pending_above: bool,
    /// Clipboard HTML: read only between the fragment markers.
    active: bool,
    /// Dropping the site's frame too (no main content element).
    site: bool,
    /// The page's text, in characters.
    total: usize,
    /// The text of Word's list label being read.
    label: Option<String>,
    images: usize,
    image_bytes: usize,
    ol_counters: Vec<u32>,
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "blockquote"
            | "center"
            | "section"
            | "article"
            | "main"
            | "header"
            | "footer"
            | "address"
            | "pre"
            | "figure"
            | "figcaption"
            | "table"
            | "tr"
            | "td"
            | "th"
            | "tbody"
            | "thead"
            | "tfoot"
            | "caption"
            | "body"
            | "html"
            | "form"
            | "fieldset"
            | "details"
            | "summary"
            | "xmp"
            | "listing"
            | "hgroup"
    )
}

fn cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FFEF}'
        | '\u{20000}'..='\u{3FFFF}'
        | '\u{2018}'..='\u{201F}'
        | '\u{2026}'
        | '\u{2014}')
}

impl<'p> Walker<'p> {
    fn new(page: &'p Page, folder: Option<&'p Root>, fragment: bool) -> Self {
        Walker {
            page,
            folder,
            out: Vec::new(),
            doc: Doc::default(),
            cur: Building::default(),
            pending_above: false,
            active: !fragment,
            site: false,
            total: 0,
            label: None,
            images: 0,
            image_bytes: 0,
            ol_counters: Vec::new(),
        }
    }

    fn walk_children(&mut self, n: NodeRef<'_, Node>, st: &Style, depth: usize) {
        for c in n.children() {
            self.node(c, st, depth + 1);
        }
    }

    fn node(&mut self, n: NodeRef<'_, Node>, st: &Style, depth: usize) {
        match n.value() {
            Node::Text(t) if self.active => match self.label.as_mut() {
                Some(label) if label.len() < 200 => label.push_str(t),
                Some(_) => {}
                None => self.text(t, st),
            },
            Node::Comment(c) => {
                let c = c.trim();
                // Word's list label: <![if !supportLists]>1.&nbsp;<![endif]>.
                if c.starts_with("[if !supportLists]") {
                    self.label = Some(String::new());
                } else if c.starts_with("[endif]") {
                    if let Some(label) = self.label.take() {
                        let label =
                            label.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}');
                        self.text(label, st);
                    }
                } else if c.starts_with("StartFragment") {
                    self.active = true;
                } else if c.starts_with("EndFragment") {
                    self.flush();
                    self.active = false;
                }
            }
            Node::Element(_) => self.block(n, st, depth),
            _ => {}
        }
    }

    /// An element (block or inline).
    fn block(&mut self, n: NodeRef<'_, Node>, parent: &Style, depth: usize) {
        let Some(e) = n.value().as_element() else {
            self.node(n, parent, depth);
            return;
        };
        if depth > MAX_DEPTH || self.page.dropped(e) {
            return;
        }
        let name = e.name();
        if self.site {
            let frame = matches!(name, "header" | "footer")
                && !n.ancestors().any(|a| element_named(a, "article"));
            // Not the block that holds the text, whatever its name says.
            let small = self.page.m(n).text * 10 < self.total * 3;
            if (frame || frame_named(&id_class(e))) && small {
                return;
            }
        }
        if self.page.link_block(n) {
            return;
        }
        if name == "form" && self.page.m(n).text == 0 {
            return;
        }
        let (st, own) = self.page.style_of(e, parent);
        if own.hidden {
            return;
        }
        if own.tab {
            if self.active {
                self.text(" ", &st);
            }
            return;
        }
        if own.label {
            if self.active {
                let label = self.page.text_of(n, 200);
                let label = label.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}');
                self.text(label, &st);
            }
            return;
        }
        match name {
            "br" => {
                if self.active {
                    if st.pre {
                        self.cur.space = None;
                    }
                    self.flush();
                }
                return;
            }
            "hr" => {
                if self.active {
                    self.flush();
                    self.rule();
                }
                return;
            }
            "img" => {
                if self.active {
                    self.image(e, &own);
                }
                return;
            }
            "table" if self.active && !self.layout(n) => {
                self.flush();
                self.table(n, &st, depth);
                return;
            }
            _ => {}
        }
        let block = is_block(name);
        let mut st = st;
        if let Some(level) = own.mso_list {
            st.list = Some((level.saturating_sub(1).min(1), true));
        }
        match name {
            "ul" | "ol" => self.ol_counters.push(0),
            "li" => {
                let level = self.ol_counters.len().saturating_sub(1).min(1) as u8;
                let numbered = n.parent().is_some_and(|p| element_named(p, "ol"));
                st.list = Some((level, numbered));
            }
            _ => {}
        }
        let before = self.out.len();
        if block {
            self.flush();
            if own.border_top && self.active {
                self.pending_above = true;
            }
        }
        if name == "li" && self.active {
            if let Some((_, true)) = st.list {
                if let Some(c) = self.ol_counters.last_mut() {
                    *c += 1;
                    let label = format!("{c}. ");
                    self.text(&label, &st);
                }
            }
        }
        for c in n.children() {
            self.node(c, &st, depth + 1);
        }
        if matches!(name, "ul" | "ol") {
            self.ol_counters.pop();
        }
        if block {
            self.flush();
            if own.border_bottom && self.active {
                let last = self.out[before..].iter_mut().rev().find_map(|i| match i {
                    Item::Para(p) => Some(p),
                    _ => None,
                });
                match last {
                    Some(p) => p.rule_below = true,
                    None => self.pending_above = true,
                }
            }
        }
    }

    fn rule(&mut self) {
        match self.out.last_mut() {
            Some(Item::Para(p)) => p.rule_below = true,
            _ => self.pending_above = true,
        }
    }

    /// Appends text as a browser shows it: whitespace collapsed.
    fn text(&mut self, t: &str, st: &Style) {
        for c in t.chars() {
            match c {
                '\n' if st.pre => self.flush(),
                ' ' | '\t' | '\n' | '\r' | '\u{c}' if !st.pre => {
                    let nl = matches!(c, '\n' | '\r');
                    self.cur.space = Some(self.cur.space.unwrap_or(false) || nl);
                }
                '\r' => {}
                '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}' | '\u{ad}' => {}
                c => self.push_char(c, st),
            }
        }
    }

    fn push_char(&mut self, c: char, st: &Style) {
        let b = &mut self.cur;
        if let Some(nl) = b.space.take() {
            let last = b.para.text.chars().next_back();
            match last {
                None => {}
                Some(l) if nl && cjk(l) && cjk(c) => {}
                Some(_) => {
                    let at = b.para.text.len();
                    b.para.text.push(' ');
                    if st.bold {
                        extend_bold(&mut b.para.bold, at, at + 1);
                    }
                }
            }
        }
        if !b.started {
            b.started = true;
            b.para.align = st.align;
            b.para.indent = st.indent;
            b.para.outline_level = st.outline;
            b.para.style = st.style_name.clone();
            b.para.list = st.list;
            b.para.font = st.font.clone();
        }
        let at = b.para.text.len();
        b.para.text.push(c);
        if st.bold {
            extend_bold(&mut b.para.bold, at, at + c.len_utf8());
        }
        if !c.is_whitespace() && c != '\u{a0}' && c != '\u{3000}' {
            b.chars += 1;
            if st.red {
                b.red_chars += 1;
            }
            b.para.size = Some(b.para.size.map_or(st.size, |s| s.max(st.size)));
        }
    }

    /// Ends the paragraph being built.
    fn flush(&mut self) {
        let b = std::mem::take(&mut self.cur);
        let mut p = b.para;
        let text = p.text.trim_end_matches([' ', '\u{a0}', '\u{3000}', '\t']);
        let end = text.len();
        let trimmed = text.trim_start_matches([' ', '\u{a0}', '\u{3000}', '\t']);
        let start = end - trimmed.len();
        if trimmed.is_empty() || b.chars == 0 {
            return;
        }
        let lead: f32 = p.text[..start]
            .chars()
            .map(|c| if c == '\u{3000}' { 16.0 } else { 8.0 })
            .sum();
        p.text = trimmed.to_string();
        p.bold = p
            .bold
            .iter()
            .filter_map(|r| {
                let s = r.start.max(start).min(end) - start;
                let e = r.end.max(start).min(end) - start;
                (e > s).then_some(s..e)
            })
            .collect();
        if p.indent.is_none() && lead > 0.0 {
            p.indent = Some(lead);
        }
        p.red = b.red_chars * 2 > b.chars;
        // A bullet Word wrote as a label.
        if p.list.is_some() {
            if let Some(rest) = p
                .text
                .strip_prefix(['·', '●', '■', '◆', '§', 'Ø', 'ü', '\u{f0b7}', '•'])
            {
                let rest = rest.trim_start_matches([' ', '\u{a0}', '\u{3000}']);
                let cut2 = p.text.len() - rest.len();
                p.text = rest.to_string();
                p.bold = p
                    .bold
                    .iter()
                    .filter_map(|r| {
                        let s = r.start.max(cut2) - cut2;
                        let e = r.end.max(cut2) - cut2;
                        (e > s).then_some(s..e)
                    })
                    .collect();
                p.list = p.list.map(|(l, _)| (l, false));
            }
        }
        if std::mem::take(&mut self.pending_above) {
            p.rule_above = true;
        }
        self.out.push(Item::Para(p));
    }

    /// Whether a table lays the page out rather than holding data.
    fn layout(&self, table: NodeRef<'_, Node>) -> bool {
        let Some(e) = table.value().as_element() else {
            return true;
        };
        if e.attr("role") == Some("presentation") {
            return true;
        }
        let rows = rows_of(table);
        if rows.is_empty() {
            return true;
        }
        let cells: Vec<NodeRef<'_, Node>> = rows.iter().flat_map(|r| cells_of(*r)).collect();
        // One row, or one column: a frame, not data.
        if rows.len() == 1 || rows.iter().all(|r| cells_of(*r).len() <= 1) {
            return true;
        }
        let text = self.page.m(table).text;
        for c in &cells {
            if c.descendants().skip(1).any(|d| {
                d.value().as_element().is_some_and(|e| {
                    matches!(
                        e.name(),
                        "table" | "h1" | "h2" | "h3" | "h4" | "hr" | "ul" | "ol" | "blockquote"
                    )
                })
            }) {
                return true;
            }
            let ct = self.page.m(*c).text;
            if ct > 300 {
                return true;
            }
            let blocks = c
                .children()
                .filter(|k| {
                    k.value()
                        .as_element()
                        .is_some_and(|e| matches!(e.name(), "p" | "div" | "br"))
                        && (element_named(*k, "br") || self.page.m(*k).text > 0)
                })
                .count();
            if blocks >= 3 && ct > 100 {
                return true;
            }
        }
        // Most of a long page's text.
        text > 800 && cells.len() <= 4
    }

    /// A data table.
    fn table(&mut self, n: NodeRef<'_, Node>, st: &Style, depth: usize) {
        let rows = rows_of(n);
        let mut table = Table::default();
        let mut header = true;
        // Per row: whether every filled cell is bold.
        let mut marked: Vec<bool> = Vec::new();
        for r in rows {
            let in_head = r.parent().is_some_and(|p| element_named(p, "thead"));
            let cells = cells_of(r);
            if cells.is_empty() {
                continue;
            }
            let all_th = cells.iter().all(|c| element_named(*c, "th"));
            if header && (in_head || all_th) {
                table.header_rows += 1;
            } else {
                header = false;
            }
            let mut row = Vec::new();
            let (mut row_filled, mut row_bold) = (false, true);
            for c in cells {
                let span = |a: &str, max: u32| {
                    c.value()
                        .as_element()
                        .and_then(|e| e.attr(a))
                        .and_then(|v| v.trim().parse::<u32>().ok())
                        .map_or(1, |v| v.clamp(1, max))
                };
                let (colspan, rowspan) = (span("colspan", 64), span("rowspan", 1000));
                let saved = std::mem::take(&mut self.out);
                let pending = std::mem::take(&mut self.pending_above);
                self.flush();
                let cst = match c.value().as_element() {
                    Some(e) => self.page.style_of(e, st).0,
                    None => st.clone(),
                };
                self.walk_children(c, &cst, depth + 1);
                self.flush();
                self.pending_above = pending;
                let items = std::mem::replace(&mut self.out, saved);
                let (text, bold) = crate::doc::cell_text(items, &mut self.doc.notices);
                if !text.trim().is_empty() {
                    row_filled = true;
                    row_bold &= bold;
                }
                row.push(Cell {
                    text,
                    colspan,
                    rowspan,
                });
            }
            marked.push(row_filled && row_bold);
            table.rows.push(row);
        }
        if table.rows.is_empty() {
            return;
        }
        table.header_rows = table.header_rows.min(table.rows.len());
        if table.header_rows == table.rows.len() {
            table.header_rows = 0;
        }
        if table.header_rows == 0 {
            // No <th> or <thead>: a first row that looks like a header (bold
            // over plain rows, words over numbers), flagged as a guess.
            table.header_rows = crate::doc::guess_header_rows(&table.rows, &marked);
            table.header_guessed = table.header_rows > 0;
        }
        if std::mem::take(&mut self.pending_above) {
            // A rule above a table is a rule below what came before it.
            if let Some(Item::Para(p)) = self.out.last_mut() {
                p.rule_below = true;
            }
        }
        self.out.push(Item::Table(table));
    }

    /// An image: a `data:` URI, or a file of the page's folder.
    fn image(&mut self, e: &scraper::node::Element, own: &Own) {
        // Spacers and icons.
        if own.width_px.is_some_and(|w| w <= 16.0) || own.height_px.is_some_and(|h| h <= 16.0) {
            return;
        }
        let src = e.attr("src").unwrap_or("").trim();
        if src.is_empty() {
            return;
        }
        let shown = if src.chars().count() > 80 {
            format!("{}…", src.chars().take(80).collect::<String>())
        } else {
            src.to_string()
        };
        if self.images >= MAX_IMAGES {
            self.doc.notices.push(format!(
                "the image {shown} was not imported: the page has more than {MAX_IMAGES} images"
            ));
            return;
        }
        let left = MAX_IMAGE_BYTES.saturating_sub(self.image_bytes);
        let data = if let Some(uri) = src.strip_prefix("data:") {
            match data_uri(uri, left) {
                Ok(d) => d,
                Err(m) => {
                    self.doc
                        .notices
                        .push(format!("an embedded image was not imported: {m}"));
                    return;
                }
            }
        } else if src.starts_with("//")
            || src.split_once(':').is_some_and(|(scheme, _)| {
                !scheme.is_empty()
                    && !scheme.contains('/')
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            })
        {
            self.doc.notices.push(format!(
                "a linked image ({shown}) was not imported: save the page with its images \
                 (\"Web page, complete\") and import the saved page"
            ));
            return;
        } else {
            let Some(root) = self.folder else {
                self.doc.notices.push(format!(
                    "the image {shown} beside the page was not imported"
                ));
                return;
            };
            let rel = local_path(src);
            if rel.is_empty() || src.starts_with('/') {
                self.doc.notices.push(format!(
                    "the image {shown} was not imported: it is not in the page's folder"
                ));
                return;
            }
            match root.read_limited(&rel, left as u64) {
                Ok(d) => d,
                Err(Refusal::Missing) => {
                    self.doc.notices.push(format!(
                        "the image {shown} was not found beside the page: save the page with \
                         its images (\"Web page, complete\")"
                    ));
                    return;
                }
                Err(Refusal::Outside) => {
                    self.doc.notices.push(format!(
                        "the image {shown} was not imported: it is outside the page's folder"
                    ));
                    return;
                }
                Err(Refusal::Io(m)) => {
                    self.doc
                        .notices
                        .push(format!("the image {shown} was not imported: {m}"));
                    return;
                }
            }
        };
        if data.is_empty() {
            return;
        }
        if data.len() > left {
            self.doc.notices.push(format!(
                "the image {shown} was not imported: the page's images are over {} MiB together",
                MAX_IMAGE_BYTES >> 20
            ));
            return;
        }
        let name_ext = local_path(src)
            .rsplit_once('.')
            .map(|(_, x)| x.to_ascii_lowercase())
            .unwrap_or_default();
        let ext = image_ext(&data, &name_ext);
        if matches!(ext, "emf" | "wmf" | "tif" | "bin") {
            self.doc.notices.push(format!(
                "the image {shown} is in a format ({ext}) that may not render; convert it to PNG"
            ));
        }
        self.images += 1;
        self.image_bytes += data.len();
        self.flush();
        let width_mm = own
            .width_px
            .filter(|w| *w > 0.0)
            .map(|w| (w * 25.4 / 96.0).min(1000.0));
        self.out.push(Item::Image(Image {
            data,
            ext: ext.to_string(),
            width_mm,
        }));
    }
}

/// The rows of a table (not of tables inside it).
fn rows_of<'a>(table: NodeRef<'a, Node>) -> Vec<NodeRef<'a, Node>> {
    let mut rows = Vec::new();
    for c in table.children() {
        match c.value().as_element().map(|e| e.name()) {
            Some("tr") => rows.push(c),
            Some("thead" | "tbody" | "tfoot") => {
                rows.extend(c.children().filter(|r| element_named(*r, "tr")))
            }
            _ => {}
        }
    }
    rows
}

fn cells_of<'a>(row: NodeRef<'a, Node>) -> Vec<NodeRef<'a, Node>> {
    row.children()
        .filter(|c| element_named(*c, "td") || element_named(*c, "th"))
        .collect()
}

fn extend_bold(bold: &mut Vec<std::ops::Range<usize>>, start: usize, end: usize) {
    match bold.last_mut() {
        Some(r) if r.end == start => r.end = end,
        _ => bold.push(start..end),
    }
}

/// A `src` as a path inside the page's folder: query and fragment cut,
/// percent-escapes decoded, `./` dropped, backslashes made slashes.
fn local_path(src: &str) -> String {
    let s = src.split(['?', '#']).next().unwrap_or("");
    let out = percent_decoded(s);
    let decoded = match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => encoding_rs::GB18030
            .decode_without_bom_handling(e.as_bytes())
            .0
            .into_owned(),
    };
    decoded
        .replace('\\', "/")
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// The extension to save an image with, from its bytes, else its name.
fn image_ext(data: &[u8], name_ext: &str) -> &'static str {
    if data.starts_with(b"\x89PNG") {
        "png"
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "jpg"
    } else if data.starts_with(b"GIF8") {
        "gif"
    } else if data.starts_with(b"BM") {
        "bmp"
    } else if data.len() > 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        "webp"
    } else if String::from_utf8_lossy(&data[..data.len().min(512)])
        .to_ascii_lowercase()
        .contains("<svg")
    {
        "svg"
    } else {
        match name_ext {
            "emf" => "emf",
            "wmf" => "wmf",
            "tif" | "tiff" => "tif",
            _ => "bin",
        }
    }
}

/// The bytes of a `data:` URI (what follows `data:`), within `limit`.
fn data_uri(uri: &str, limit: usize) -> Result<Vec<u8>, String> {
    let Some((meta, payload)) = uri.split_once(',') else {
        return Err("the data: URI has no comma".into());
    };
    if payload.len() / 4 * 3 > limit {
        return Err(format!(
            "the page's images are over {} MiB together",
            MAX_IMAGE_BYTES >> 20
        ));
    }
    if meta.to_ascii_lowercase().ends_with(";base64") {
        base64(payload).ok_or_else(|| "its base64 is damaged".to_string())
    } else {
        Ok(percent_decoded(payload))
    }
}

/// Percent-decoded bytes.
fn percent_decoded(s: &str) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Decodes base64 (standard or URL-safe alphabet; whitespace and padding
/// ignored).
fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b' ' | b'\n' | b'\r' | b'\t' => continue,
            b'%' => return None,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(doc: &Doc) -> Vec<&str> {
        doc.paras().iter().map(|p| p.text.as_str()).collect()
    }

    fn page(body: &str) -> String {
        format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>t</title></head><body>{body}</body></html>")
    }

    #[test]
    fn charsets_by_bom_meta_and_bytes() {
        let html = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; \
                    charset=gb2312\"></head><body><p>工作简报　第5期</p></body></html>";
        let (gbk, _, _) = encoding_rs::GB18030.encode(html);
        assert_eq!(texts(&read(&gbk).unwrap()), ["工作简报　第5期"]);
        // <meta charset=GBK>, and GB18030's four-byte characters.
        let html = "<meta charset='GBK'><p>𠀀工作</p>";
        let (gb, _, _) = encoding_rs::GB18030.encode(html);
        assert_eq!(texts(&read(&gb).unwrap()), ["𠀀工作"]);
        // No charset named, bytes not UTF-8: GB18030.
        let (gb, _, _) = encoding_rs::GB18030.encode("<p>某某县委办公室</p>");
        assert_eq!(texts(&read(&gb).unwrap()), ["某某县委办公室"]);
        // UTF-8 named but the bytes are GBK.
        let (gb, _, _) = encoding_rs::GB18030.encode("<meta charset=utf-8><p>印发</p>");
        assert_eq!(texts(&read(&gb).unwrap()), ["印发"]);
        // UTF-8 without a charset, and with a BOM.
        assert_eq!(texts(&read("<p>简报</p>".as_bytes()).unwrap()), ["简报"]);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice("<p>简报</p>".as_bytes());
        assert_eq!(texts(&read(&bom).unwrap()), ["简报"]);
        let mut le = vec![0xFF, 0xFE];
        for u in "<p>简报</p>".encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(texts(&read(&le).unwrap()), ["简报"]);
    }

    #[test]
    fn line_breaks_and_leading_spaces_make_paragraphs() {
        let doc = read_str(&page(
            "<td>&nbsp;&nbsp;&nbsp;&nbsp;第一段，说的是\n一件事。<br>\
             &nbsp;&nbsp;&nbsp;&nbsp;第二段。<br><br>　　第三段 text\n words。</td>",
        ))
        .unwrap();
        assert_eq!(
            texts(&doc),
            ["第一段，说的是一件事。", "第二段。", "第三段 text words。"]
        );
        let p = doc.paras();
        assert_eq!(p[0].indent, Some(32.0));
        assert_eq!(p[2].indent, Some(32.0));
    }

    #[test]
    fn alignment_bold_red_and_size() {
        let doc = read_str(&page(
            "<p align=center><font color=red size=6><b>工作简报</b></font></p>\
             <center>第5期</center>\
             <p style=\"text-align:right;font-size:16pt\">办公室</p>\
             <p>正文<strong>加粗</strong>正文<span style=\"font-weight:700;color:#c00\">红</span>\
             <span style='color:rgb(200, 10, 0)'>红</span></p>\
             <div style=\"font-size:29px;text-indent:2em\">大字</div>\
             <h1>标题</h1>",
        ))
        .unwrap();
        let p = doc.paras();
        assert_eq!(p[0].align, Align::Center);
        assert!(p[0].red);
        assert_eq!(p[0].size, Some(24.0));
        assert_eq!(p[0].bold, vec![0.."工作简报".len()]);
        assert_eq!(p[1].align, Align::Center);
        assert!(!p[1].red);
        assert_eq!((p[2].align, p[2].size), (Align::Right, Some(16.0)));
        assert_eq!(p[3].text, "正文加粗正文红红");
        let b = &p[3].text;
        assert_eq!(
            p[3].bold.iter().map(|r| &b[r.clone()]).collect::<Vec<_>>(),
            ["加粗", "红"]
        );
        assert!(!p[3].red);
        assert_eq!(p[4].size, Some(21.75));
        assert_eq!(p[4].indent, Some(43.5));
        assert_eq!(p[5].outline_level, Some(0));
        assert_eq!(p[5].style.as_deref(), Some("Heading 1"));
        assert_eq!(p[5].size, Some(24.0));
        // Colours.
        for red in [
            "red",
            "#ff0000",
            "#c00",
            "#C00000",
            "rgb(204,0,0)",
            "rgb(90%,0%,5%)",
        ] {
            assert!(is_red(red), "{red}");
        }
        for not in [
            "black",
            "#333",
            "#0000ff",
            "rgb(200,200,0)",
            "brown",
            "#zzz",
        ] {
            assert!(!is_red(not), "{not}");
        }
    }

    #[test]
    fn data_tables_keep_headers_and_spans() {
        let doc = read_str(&page(
            "<table border=1><thead><tr><th>地区</th><th colspan=2>数量</th></tr></thead>\
             <tr><td rowspan=2>甲<br>乙</td><td>1</td><td>2</td></tr>\
             <tr><td>3</td><td>4</td></tr></table>",
        ))
        .unwrap();
        let Item::Table(t) = &doc.items[0] else {
            panic!("{:?}", doc.items)
        };
        assert_eq!(t.header_rows, 1);
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[0][1].colspan, 2);
        assert_eq!(t.rows[1][0].rowspan, 2);
        assert_eq!(t.rows[1][0].text, "甲\n乙");
        assert_eq!(t.rows[2][1].text, "4");
    }

    #[test]
    fn layout_tables_are_walked_through() {
        let long = "这是正文的一段文字，内容较长。".repeat(30);
        let doc = read_str(&page(&format!(
            "<table width=100%><tr><td width=200><img src=logo.gif width=10></td>\
             <td><table><tr><td align=center><font size=6 color=red>工作简报</font></td></tr>\
             <tr><td>第5期　2021年4月2日</td></tr></table></td></tr>\
             <tr><td colspan=2><p>{long}</p><p>第二段。</p></td></tr></table>"
        )))
        .unwrap();
        assert!(
            doc.items.iter().all(|i| matches!(i, Item::Para(_))),
            "{:?}",
            doc.items
        );
        let t = texts(&doc);
        assert_eq!(t[0], "工作简报");
        assert!(t.contains(&"第二段。"), "{t:?}");
        assert!(doc.paras()[0].red);
    }

    #[test]
    fn site_chrome_is_dropped_and_the_main_text_kept() {
        let body =
            "<p>　　3月30日，县委召开常委会议，研究部署一季度工作。会议强调，要抓好项目建设。</p>"
                .repeat(4);
        let doc = read_str(&page(&format!(
            "<div class=\"header\"><div class=logo>某某县人民政府</div>\
             <ul class=\"nav\"><li><a href=/>首页</a></li><li><a href=/a>政务公开</a></li></ul></div>\
             <div class=\"breadcrumb\">当前位置：<a href=/>首页</a> &gt; <a href=/b>工作动态</a></div>\
             <div class=\"main\"><div class=\"left-menu\"><a href=1>县委文件</a><a href=2>工作简报</a></div>\
             <div class=\"article\"><h1 class=\"title\">工作简报（第5期）</h1>\
             <div class=\"info\">发布时间：2021-04-02　浏览次数：123</div>\
             <div class=share><a href=x>分享到微信</a></div>\
             <div id=\"zoom\"><p align=center>县委常委会议研究部署一季度工作</p>{body}\
             <div style=\"border-top:1px solid #000;border-bottom:1px solid #000\">\
             <p>报：市委办公室</p><p>送：县委常委</p></div></div>\
             <div class=\"print\">【打印本页】【关闭窗口】</div></div></div>\
             <div id=\"footer\"><p>版权所有：某某县人民政府办公室　ICP备12345678号</p></div>\
             <script>var a='不要';</script>"
        )))
        .unwrap();
        let t = texts(&doc);
        assert_eq!(t[0], "工作简报（第5期）", "{t:?}");
        // The line about the page between them is left to the recogniser's
        // rules for web pages.
        assert!(t[1].starts_with("发布时间"), "{t:?}");
        assert_eq!(t[2], "县委常委会议研究部署一季度工作", "{t:?}");
        for gone in [
            "首页",
            "政务公开",
            "当前位置",
            "县委文件",
            "分享",
            "版权",
            "不要",
            "打印",
        ] {
            assert!(!t.iter().any(|x| x.contains(gone)), "{gone}: {t:?}");
        }
        let p = doc.paras();
        let bao = p.iter().position(|p| p.text == "报：市委办公室").unwrap();
        assert!(p[bao].rule_above);
        assert!(p[bao + 1].rule_below);
        // Without a main element: the frame goes, the body stays.
        let doc = read_str(&page(&format!(
            "<div id=top>某某县人民政府网</div><div><div>工作简报</div>{body}</div>\
             <div class=bottom>地址：某某路1号</div>"
        )))
        .unwrap();
        let t = texts(&doc);
        assert_eq!(t[0], "工作简报", "{t:?}");
        assert!(
            !t.iter().any(|x| x.contains("地址") || x.contains("网")),
            "{t:?}"
        );
        // A frame's name on the block that holds the text does not drop it.
        let doc = read_str(&page(&format!(
            "<div id=top>某某县人民政府网</div><table><tr><td class=left><a href=1>县委文件</a>\
             <a href=2>政府文件</a></td><td class=right><div>工作简报</div>{body}</td></tr></table>"
        )))
        .unwrap();
        let t = texts(&doc);
        assert_eq!(t[0], "工作简报", "{t:?}");
        assert_eq!(t.len(), 5, "{t:?}");
    }

    /// A 版记 just after the main element, outside it, is kept; what
    /// follows it is not.
    #[test]
    fn a_footer_after_the_main_element_is_kept() {
        let body = "<p>　　会议强调，要抓好项目建设，切实做好民生实事，推动各项工作落地见效。</p>"
            .repeat(5);
        let doc = read_str(&page(&format!(
            "<div class=wrap><div id=zoom><p>工作简报</p><p>第3期</p>{body}</div>\
             <div class=bj><p>报：市委办公室</p><p>县委办公室　　2021年4月2日印发</p></div>\
             <div class=tools>【打印本页】</div><div>联系我们：0000-1234567</div></div>"
        )))
        .unwrap();
        let t = texts(&doc);
        assert_eq!(t.last(), Some(&"县委办公室　　2021年4月2日印发"), "{t:?}");
        assert!(t.contains(&"报：市委办公室"), "{t:?}");
        assert!(
            !t.iter().any(|x| x.contains("打印") || x.contains("联系")),
            "{t:?}"
        );
    }

    #[test]
    fn nesting_and_size_are_bounded() {
        let deep = "<div>".repeat(MAX_DEPTH + 10) + "深";
        assert!(matches!(read_str(&deep), Err(ReadError::TooLarge(_))));
        let deep = "<span><b><i>".repeat(20_000) + "深";
        assert!(matches!(read_str(&deep), Err(ReadError::TooLarge(_))));
        // What would take the tree builder long is refused before it.
        let t = std::time::Instant::now();
        let formatting: String = (0..100_000).map(|i| format!("<b id={i}>")).collect();
        assert!(matches!(read_str(&formatting), Err(ReadError::TooLarge(_))));
        let divs = "<div>".repeat(100_000) + &"<p>x".repeat(100_000);
        assert!(matches!(read_str(&divs), Err(ReadError::TooLarge(_))));
        assert!(t.elapsed().as_secs() < 5, "{:?}", t.elapsed());
        // Sloppy pages of ordinary size are read.
        let sloppy = "<p><font color=red>未闭合<b>的标签".repeat(150) + "<p>尾";
        assert!(read_str(&sloppy).is_ok());
        let many = "<p>a</p>".repeat(MAX_NODES / 2 + 10);
        assert!(matches!(read_str(&many), Err(ReadError::TooLarge(_))));
        let big = vec![b' '; MAX_HTML_BYTES + 1];
        assert!(matches!(read(&big), Err(ReadError::TooLarge(_))));
        assert!(matches!(
            read_str("<html><body><script>x</script></body></html>"),
            Err(ReadError::NoText(_))
        ));
    }

    #[test]
    fn word_clipboard_html() {
        let html = "Version:0.9\r\nStartHTML:0000000105\r\nEndHTML:0000001000\r\n\
            <html xmlns:o=\"urn:schemas-microsoft-com:office:office\">\r\n<head><style>\r\n\
            <!--\r\np.MsoNormal, li.MsoNormal {font-size:10.5pt;font-family:\"Times New Roman\";}\r\n\
            p.a1 {text-align:center; font-size:22.0pt}\r\n-->\r\n</style></head>\
            <body lang=ZH-CN><p>before</p><!--StartFragment-->\
            <p class=a1><span style='font-family:方正小标宋简体;color:red'>工作简报<o:p></o:p></span></p>\
            <p class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0'>\
            <span style='font-size:16.0pt'>这是第一段，Word 在源码里\r\n折了行。<o:p></o:p></span></p>\
            <p class=MsoNormal><o:p>&nbsp;</o:p></p>\
            <p class=MsoListParagraph style='mso-list:l0 level1 lfo1'><![if !supportLists]>\
            <span style='mso-list:Ignore'>一、<span style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp;</span></span>\
            <![endif]>总体要求</p>\
            <p class=MsoNormal>甲<span style='mso-tab-count:2'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;</span>乙</p>\
            <!--EndFragment--><p>after</p></body></html>";
        let doc = read_str(html).unwrap();
        let p = doc.paras();
        assert_eq!(
            texts(&doc),
            [
                "工作简报",
                "这是第一段，Word 在源码里折了行。",
                "一、总体要求",
                "甲 乙"
            ]
        );
        assert_eq!(
            (p[0].align, p[0].size, p[0].red),
            (Align::Center, Some(22.0), true)
        );
        assert_eq!(p[0].font.as_deref(), Some("方正小标宋简体"));
        assert_eq!(p[1].size, Some(16.0));
        assert_eq!(p[1].indent, Some(32.0));
        assert_eq!(p[2].list, Some((0, true)));
    }

    /// The clipboard of Word and WPS, as the editor's paste gets it.
    #[test]
    fn word_list_labels_and_tables_from_the_clipboard() {
        let html = "<html><head><style>p{}</style></head><body><!--StartFragment-->\
            <h1>一、总体情况</h1><p class=MsoNormal>全市共发生事故<span>12</span>起，\r\n同比下降。</p>\
            <p class=MsoListParagraph style='mso-list:l0 level1 lfo1'><![if !supportLists]><span>1.<span>&nbsp;&nbsp;</span></span><![endif]>压实责任</p>\
            <p class=MsoListParagraph style='mso-list:l0 level1 lfo1'><![if !supportLists]>2.<![endif]>强化检查</p>\
            <table><tr><td><p>县</p></td><td>起数</td></tr><tr><td>丰县</td><td>3</td></tr></table>\
            <!--EndFragment--></body></html>";
        let doc = read_str(html).unwrap();
        assert_eq!(
            texts(&doc),
            [
                "一、总体情况",
                "全市共发生事故12起，同比下降。",
                "1.压实责任",
                "2.强化检查"
            ]
        );
        assert_eq!(doc.paras()[2].list, Some((0, true)));
        let Some(Item::Table(t)) = doc.items.last() else {
            panic!("{:?}", doc.items)
        };
        assert_eq!(t.rows[0][0].text, "县");
        assert_eq!(t.rows[1][1].text, "3");
    }

    #[test]
    fn rules_lists_and_pre() {
        let doc = read_str(&page(
            "<p>上</p><hr><p>下</p><ul><li>一项</li><li>二项<ul><li>子项</li></ul></li></ul>\
             <ol start=1><li>甲</li><li>乙</li></ol><pre>a  b\nc</pre>",
        ))
        .unwrap();
        let p = doc.paras();
        assert!(p[0].rule_below && !p[1].rule_above);
        assert_eq!(p[2].list, Some((0, false)));
        assert_eq!(p[4].list, Some((1, false)));
        assert_eq!((p[5].text.as_str(), p[5].list), ("1. 甲", Some((0, true))));
        assert_eq!(p[6].text, "2. 乙");
        assert_eq!(p[7].text, "a  b");
        assert_eq!(p[8].text, "c");
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\nfake";

    #[test]
    fn images_from_data_uris_and_the_pages_folder_only() {
        let doc = read_str(&page(
            "<p>前</p><img src=\"data:image/png;base64,iVBORw0KGgpmYWtl\" width=\"378\">\
             <img src=\"http://example.org/a.png\"><img src=\"page_files/a.png\">\
             <img src=spacer.gif width=1 height=1><p>后</p>",
        ))
        .unwrap();
        let images: Vec<&Image> = doc
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Image(im) => Some(im),
                _ => None,
            })
            .collect();
        assert_eq!(images.len(), 1);
        assert_eq!(images[0].data, PNG);
        assert_eq!(images[0].ext, "png");
        assert!((images[0].width_mm.unwrap() - 100.0).abs() < 0.1);
        assert!(matches!(doc.items[1], Item::Image(_)));
        assert_eq!(doc.notices.len(), 2, "{:?}", doc.notices);
        // From the page's folder: inside it only.
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("site");
        std::fs::create_dir_all(dir.join("page_files")).unwrap();
        std::fs::write(dir.join("page_files/图 1.png"), PNG).unwrap();
        std::fs::write(tmp.path().join("secret.png"), PNG).unwrap();
        let root = Root::open(&dir).unwrap();
        let doc = read_str_in(
            &page(
                "<p>x</p><img src=\"./page_files/%E5%9B%BE%201.png?v=2\">\
                 <img src=\"../secret.png\"><img src=\"/secret.png\"><img src=\"nope.png\">",
            ),
            Some(&root),
        )
        .unwrap();
        let n = doc
            .items
            .iter()
            .filter(|i| matches!(i, Item::Image(im) if im.data == PNG))
            .count();
        assert_eq!(n, 1);
        assert_eq!(doc.notices.len(), 3, "{:?}", doc.notices);
        assert_eq!(base64("aGk="), Some(b"hi".to_vec()));
        assert_eq!(base64("a!"), None);
    }

    #[test]
    fn garbage_never_panics() {
        let inputs = [
            "<",
            "<<<>>>",
            "<table><td><table><td>",
            "<p style='font-size:'>x",
            "<p style='font-size:1e40pt;text-indent:-5em;color:rgb('>x",
            "<img src='data:'>",
            "<img src='data:image/png;base64,@@@'>x",
            "<style>{{{}}}@media{p{color:red}</style><p>x",
            "<font size=+99 color=#12>x</font>",
            "<td colspan=999999 rowspan=-1>x",
            "<ol><li><ol><li><ol><li>深",
            "<p>%E5%9B</p><img src='%E5%9B%'>",
        ];
        for i in inputs {
            let _ = read_str(i);
            let _ = read(i.as_bytes());
        }
    }
}
