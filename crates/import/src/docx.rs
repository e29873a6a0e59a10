//! The .docx (Office Open XML) reader: the package is read with the `zip`
//! crate, its XML parts with `quick-xml`, into a small element tree that is
//! then walked in document order.
//!
//! What it reports, per paragraph: the text (runs joined; a tab becomes a
//! space, a line break `\n`, soft hyphens dropped, `w:sym` characters
//! mapped), the bold runs, the largest font size, whether the text is red,
//! the alignment, the first line's indent, the style's name, the outline
//! level, the list (numbering) level, the first run's font and the
//! paragraph borders above and below. Styles are resolved from styles.xml
//! (document defaults, `basedOn` chains, paragraph and character styles).
//!
//! Numbered paragraphs get their number as Word shows it (`一、`, `1.`,
//! `（一）`) written in front of the text, since the number is part of
//! what the reader sees; bullets are not written, only flagged by
//! [`Para::list`].
//!
//! Text boxes (`w:txbxContent`, where mastheads often live) are read in
//! place: their paragraphs come before the paragraph that anchors them when
//! it has no text before the anchor, after it otherwise. A table of one cell
//! (a frame around an editor's note, a masthead) is unwrapped into its
//! paragraphs. Empty paragraphs are dropped; an empty paragraph that carries
//! a border, or a drawn horizontal line, becomes a rule on its neighbour.
//!
//! Bounded: the parts are decompressed against a budget of
//! [`MAX_UNPACKED`] bytes in total, counted while reading (not trusted from
//! the zip headers), and element nesting is limited to [`MAX_DEPTH`].

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::Event;
use quick_xml::Reader;

use super::doc::{Align, Cell, Doc, Image, Item, Para, ReadError, Table};

/// The most a .docx may unpack to, all parts together.
pub const MAX_UNPACKED: u64 = 256 * 1024 * 1024;
/// The deepest element nesting accepted in an XML part.
pub const MAX_DEPTH: usize = 256;
/// The largest XML part parsed (its element tree takes a few times that).
pub const MAX_XML_PART: usize = 128 * 1024 * 1024;

const NOT_DOCX: &str = "not a Word document (.docx)";

/// Reads a .docx file.
pub fn read(bytes: &[u8]) -> Result<Doc, ReadError> {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(ReadError::NotThisFormat(format!(
            "{NOT_DOCX}: this is an OLE compound file, i.e. a legacy .doc/.wps document \
             or a password-protected Office file; remove any password and save it as .docx"
        )));
    }
    if bytes.is_empty() {
        return Err(ReadError::NotThisFormat(format!(
            "{NOT_DOCX}: the file is empty"
        )));
    }
    let mut pkg = Package::open(bytes)?;
    let main = pkg.main_part()?;
    let rels = pkg.rels_of(&main)?;
    let styles = match rels.target_of_type("/styles") {
        Some(p) => pkg.xml(&p)?.map(|x| Styles::parse(&x)).unwrap_or_default(),
        None => Styles::default(),
    };
    let numbering = match rels.target_of_type("/numbering") {
        Some(p) => pkg
            .xml(&p)?
            .map(|x| Numbering::parse(&x))
            .unwrap_or_default(),
        None => Numbering::default(),
    };
    let footnotes = match rels.target_of_type("/footnotes") {
        Some(p) => pkg.xml(&p)?,
        None => None,
    };
    let endnotes = match rels.target_of_type("/endnotes") {
        Some(p) => pkg.xml(&p)?,
        None => None,
    };
    let Some(document) = pkg.xml(&main)? else {
        return Err(ReadError::NotThisFormat(format!(
            "{NOT_DOCX}: the package has no {main}"
        )));
    };
    let Some(body) = document.child("body") else {
        return Err(ReadError::Damaged(format!(
            "{NOT_DOCX}: {main} has no body"
        )));
    };

    let mut reader = DocReader {
        pkg: &mut pkg,
        rels: &rels,
        styles: &styles,
        numbering,
        notes: Notes::new(footnotes.as_ref(), endnotes.as_ref()),
        doc: Doc::default(),
        images: HashMap::new(),
        error: None,
    };
    let mut out = Vec::new();
    reader.block_children(body, &mut out, 0);
    if let Some(e) = reader.error.take() {
        return Err(e);
    }
    let mut doc = std::mem::take(&mut reader.doc);
    doc.items = settle_rules(out);
    // Footnotes in the order they are referenced.
    let DocReader { notes, .. } = reader;
    doc.footnotes = notes.used;
    Ok(doc)
}

// ---------------------------------------------------------------------------
// The package

struct Package<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Entry names (without a leading slash, lower case) → index.
    names: HashMap<String, usize>,
    /// What is left of [`MAX_UNPACKED`].
    budget: u64,
}

impl<'a> Package<'a> {
    fn open(bytes: &'a [u8]) -> Result<Self, ReadError> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
            if bytes.starts_with(b"PK") {
                ReadError::Damaged(format!(
                    "{NOT_DOCX}: the zip archive is damaged or truncated ({e})"
                ))
            } else {
                ReadError::NotThisFormat(format!("{NOT_DOCX}: not a zip archive ({e})"))
            }
        })?;
        let mut names = HashMap::new();
        for i in 0..zip.len() {
            if let Some(Ok(name)) = zip.name_for_index(i) {
                names.insert(name.trim_start_matches('/').to_lowercase(), i);
            }
        }
        Ok(Package {
            zip,
            names,
            budget: MAX_UNPACKED,
        })
    }

    /// The bytes of a part, `None` when the package has no such part.
    fn part(&mut self, name: &str) -> Result<Option<Vec<u8>>, ReadError> {
        let key = name.trim_start_matches('/').to_lowercase();
        let Some(&index) = self.names.get(&key) else {
            return Ok(None);
        };
        let file = self.zip.by_index(index).map_err(|e| match e {
            zip::result::ZipError::UnsupportedArchive(m) => ReadError::Protected(format!(
                "{NOT_DOCX}: {name} cannot be read ({m}; is the document encrypted?)"
            )),
            e => ReadError::Damaged(format!("{NOT_DOCX}: {name} cannot be read ({e})")),
        })?;
        let mut data = Vec::new();
        // Read one byte past the budget to tell "exactly the budget" from
        // "more"; the declared size is not trusted.
        let read = file
            .take(self.budget.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(|e| ReadError::Damaged(format!("{NOT_DOCX}: {name} is damaged ({e})")))?;
        if read as u64 > self.budget {
            return Err(ReadError::TooLarge(format!(
                "{NOT_DOCX}: the package unpacks to more than {} MiB (a zip bomb?); refused",
                MAX_UNPACKED / (1024 * 1024)
            )));
        }
        self.budget -= read as u64;
        Ok(Some(data))
    }

    /// Counts `bytes` more against the budget (a part used again).
    fn charge(&mut self, bytes: u64) -> Result<(), ReadError> {
        if bytes > self.budget {
            return Err(ReadError::TooLarge(format!(
                "{NOT_DOCX}: the package unpacks to more than {} MiB, counting each use of a \
                 part (a zip bomb?); refused",
                MAX_UNPACKED / (1024 * 1024)
            )));
        }
        self.budget -= bytes;
        Ok(())
    }

    /// A part parsed as XML.
    fn xml(&mut self, name: &str) -> Result<Option<El>, ReadError> {
        match self.part(name)? {
            Some(bytes) if bytes.len() > MAX_XML_PART => Err(ReadError::TooLarge(format!(
                "{NOT_DOCX}: {name} is larger than {} MiB; refused",
                MAX_XML_PART / (1024 * 1024)
            ))),
            Some(bytes) => parse_xml(&bytes).map(Some).map_err(|e| match e {
                XmlProblem::TooDeep(m) => ReadError::TooLarge(format!("{NOT_DOCX}: {name}: {m}")),
                XmlProblem::Bad(m) => {
                    ReadError::Damaged(format!("{NOT_DOCX}: {name} is not well-formed XML ({m})"))
                }
            }),
            None => Ok(None),
        }
    }

    /// The main document part, from the package relationships.
    fn main_part(&mut self) -> Result<String, ReadError> {
        let rels = match self.xml("_rels/.rels") {
            Ok(Some(x)) => Rels::parse(&x, ""),
            _ => Rels::default(),
        };
        if let Some(p) = rels.target_of_type("/officeDocument") {
            if self.names.contains_key(&p.to_lowercase()) {
                return Ok(p);
            }
        }
        if self.names.contains_key("word/document.xml") {
            return Ok("word/document.xml".into());
        }
        let what = if self.names.contains_key("xl/workbook.xml") {
            "it is an Excel workbook"
        } else if self.names.contains_key("ppt/presentation.xml") {
            "it is a PowerPoint presentation"
        } else if self.names.contains_key("content.xml") {
            "it looks like an OpenDocument file (.odt); save it as .docx"
        } else {
            "the zip archive has no word/document.xml"
        };
        Err(ReadError::NotThisFormat(format!("{NOT_DOCX}: {what}")))
    }

    /// The relationships of a part (`dir/_rels/name.rels`).
    fn rels_of(&mut self, part: &str) -> Result<Rels, ReadError> {
        let dir = dir_of(part);
        let file = &part[dir.len()..];
        let path = format!("{dir}_rels/{file}.rels");
        Ok(match self.xml(&path) {
            Ok(Some(x)) => Rels::parse(&x, dir),
            Ok(None) => Rels::default(),
            Err(e) => return Err(e),
        })
    }
}

/// The folder of a part, with its trailing slash ("word/").
fn dir_of(part: &str) -> &str {
    match part.rfind('/') {
        Some(i) => &part[..=i],
        None => "",
    }
}

/// Resolves a relationship target against the folder of its source.
fn resolve(dir: &str, target: &str) -> String {
    if let Some(abs) = target.strip_prefix('/') {
        return abs.to_string();
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[derive(Default)]
struct Rels {
    /// Id → (type, resolved target, external).
    by_id: HashMap<String, (String, String, bool)>,
    order: Vec<String>,
}

impl Rels {
    fn parse(x: &El, dir: &str) -> Self {
        let mut rels = Rels::default();
        for r in x.children("Relationship") {
            let (Some(id), Some(target)) = (r.attr("Id"), r.attr("Target")) else {
                continue;
            };
            let external = r.attr("TargetMode") == Some("External");
            let target = if external {
                target.to_string()
            } else {
                resolve(dir, target)
            };
            let ty = r.attr("Type").unwrap_or("").to_string();
            rels.order.push(id.to_string());
            rels.by_id.insert(id.to_string(), (ty, target, external));
        }
        rels
    }

    /// The target of the first relationship whose type ends with `suffix`.
    fn target_of_type(&self, suffix: &str) -> Option<String> {
        self.order.iter().find_map(|id| {
            let (ty, target, external) = self.by_id.get(id)?;
            (ty.ends_with(suffix) && !external).then(|| target.clone())
        })
    }
}

// ---------------------------------------------------------------------------
// A small element tree

#[derive(Debug, Default)]
struct El {
    /// The local name (prefix dropped).
    name: String,
    /// Attributes by local name.
    attrs: Vec<(String, String)>,
    kids: Vec<Node>,
}

#[derive(Debug)]
enum Node {
    El(El),
    Text(String),
}

impl El {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn elements(&self) -> impl Iterator<Item = &El> {
        self.kids.iter().filter_map(|n| match n {
            Node::El(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    fn child(&self, name: &str) -> Option<&El> {
        self.elements().find(|e| e.name == name)
    }

    fn children<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s El> + 's {
        self.elements().filter(move |e| e.name == name)
    }

    /// `w:val` of a child, e.g. `<w:jc w:val="center"/>`.
    fn val_of(&self, child: &str) -> Option<&str> {
        self.child(child).and_then(|c| c.attr("val"))
    }

    /// The text of the element's text nodes (not of its children).
    fn own_text(&self) -> String {
        let mut s = String::new();
        for k in &self.kids {
            if let Node::Text(t) = k {
                s.push_str(t);
            }
        }
        s
    }

    /// The first descendant (depth first) with this name.
    fn find(&self, name: &str) -> Option<&El> {
        for e in self.elements() {
            if e.name == name {
                return Some(e);
            }
            if let Some(f) = e.find(name) {
                return Some(f);
            }
        }
        None
    }

    /// Every descendant with this name (not looking inside matches).
    fn find_all<'s>(&'s self, name: &str, out: &mut Vec<&'s El>) {
        for e in self.elements() {
            if e.name == name {
                out.push(e);
            } else {
                e.find_all(name, out);
            }
        }
    }
}

fn local(name: &[u8]) -> String {
    let name = match name.iter().rposition(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    };
    String::from_utf8_lossy(name).into_owned()
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

/// Why an XML part could not be parsed.
enum XmlProblem {
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep(String),
    /// Not well-formed.
    Bad(String),
}

impl From<String> for XmlProblem {
    fn from(m: String) -> XmlProblem {
        XmlProblem::Bad(m)
    }
}

fn start_el(e: &quick_xml::events::BytesStart<'_>) -> Result<El, String> {
    let mut el = El {
        name: local(e.name().as_ref()),
        ..El::default()
    };
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|e| e.to_string())?;
        let value = a.unescape_value().map_err(|e| e.to_string())?;
        el.attrs.push((local(a.key.as_ref()), value.into_owned()));
    }
    Ok(el)
}

/// Parses an XML part into its root element.
fn parse_xml(bytes: &[u8]) -> Result<El, XmlProblem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") => {
            let (t, _, _) = if bytes.starts_with(b"\xFF\xFE") {
                encoding_rs::UTF_16LE.decode(bytes)
            } else {
                encoding_rs::UTF_16BE.decode(bytes)
            };
            std::borrow::Cow::Owned(t.into_owned().replace("encoding=\"UTF-16\"", ""))
        }
        Err(e) => return Err(XmlProblem::Bad(format!("not UTF-8: {e}"))),
    };
    let mut reader = Reader::from_str(&text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<El> = vec![El::default()];
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?;
        match event {
            Event::Start(e) => {
                if stack.len() > MAX_DEPTH {
                    return Err(XmlProblem::TooDeep(format!(
                        "elements nested deeper than {MAX_DEPTH}"
                    )));
                }
                stack.push(start_el(&e)?);
            }
            Event::Empty(e) => {
                let el = start_el(&e)?;
                if let Some(top) = stack.last_mut() {
                    top.kids.push(Node::El(el));
                }
            }
            Event::End(_) => {
                if stack.len() < 2 {
                    return Err(XmlProblem::Bad("unbalanced end tag".into()));
                }
                if let Some(el) = stack.pop() {
                    if let Some(top) = stack.last_mut() {
                        top.kids.push(Node::El(el));
                    }
                }
            }
            Event::Text(t) => {
                let s = t.xml_content().map_err(|e| e.to_string())?;
                push_text(&mut stack, &s);
            }
            Event::CData(t) => {
                let s = t.xml_content().map_err(|e| e.to_string())?;
                push_text(&mut stack, &s);
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => Some(c),
                    None => named_entity(&r.decode().map_err(|e| e.to_string())?),
                };
                if let Some(c) = c {
                    push_text(&mut stack, c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(XmlProblem::Bad(
            "the part ends inside an element (truncated?)".into(),
        ));
    }
    let root = stack.pop().unwrap_or_default();
    root.kids
        .into_iter()
        .find_map(|n| match n {
            Node::El(e) => Some(e),
            Node::Text(_) => None,
        })
        .ok_or_else(|| XmlProblem::Bad("no root element".to_string()))
}

fn push_text(stack: &mut [El], s: &str) {
    let Some(top) = stack.last_mut() else { return };
    if let Some(Node::Text(t)) = top.kids.last_mut() {
        t.push_str(s);
    } else {
        top.kids.push(Node::Text(s.to_string()));
    }
}

// ---------------------------------------------------------------------------
// Properties and styles

/// `w:b`, `w:vanish`…: on unless `w:val` says off.
fn toggle(el: &El) -> bool {
    !matches!(el.attr("val"), Some("0" | "false" | "off" | "none"))
}

#[derive(Debug, Clone, Default)]
struct RunProps {
    bold: Option<bool>,
    /// Points.
    size: Option<f32>,
    /// Hex RGB, or "auto".
    color: Option<String>,
    font: Option<String>,
    hidden: Option<bool>,
}

impl RunProps {
    fn parse(rpr: &El) -> Self {
        let mut p = RunProps::default();
        for e in rpr.elements() {
            match e.name.as_str() {
                "b" => p.bold = Some(toggle(e)),
                "sz" => {
                    p.size = e
                        .attr("val")
                        .and_then(|v| v.parse::<f32>().ok())
                        .filter(|v| v.is_finite() && *v > 0.0)
                        .map(|v| v / 2.0)
                }
                "color" => p.color = e.attr("val").map(str::to_string),
                "rFonts" => {
                    p.font = ["eastAsia", "ascii", "hAnsi", "cs"]
                        .iter()
                        .find_map(|k| e.attr(k))
                        .map(str::to_string)
                }
                "vanish" | "specVanish" => p.hidden = Some(toggle(e)),
                _ => {}
            }
        }
        p
    }

    /// `over` on top of `self`.
    fn merge(&mut self, over: &RunProps) {
        if over.bold.is_some() {
            self.bold = over.bold;
        }
        if over.size.is_some() {
            self.size = over.size;
        }
        if over.color.is_some() {
            self.color.clone_from(&over.color);
        }
        if over.font.is_some() {
            self.font.clone_from(&over.font);
        }
        if over.hidden.is_some() {
            self.hidden = over.hidden;
        }
    }

    fn red(&self) -> bool {
        self.color.as_deref().is_some_and(is_red)
    }
}

/// A hex colour that a reader would call red.
fn is_red(hex: &str) -> bool {
    let hex = hex.trim_start_matches('#');
    if hex.len() != 6 {
        return false;
    }
    let c = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16).ok();
    match (c(0), c(2), c(4)) {
        (Some(r), Some(g), Some(b)) => r >= 0xB0 && g <= 0x60 && b <= 0x60,
        _ => false,
    }
}

#[derive(Debug, Clone, Default)]
struct ParaProps {
    align: Option<Align>,
    /// Points: (left, first line) where first line is relative to left.
    left: Option<f32>,
    first_line: Option<f32>,
    /// In hundredths of a character.
    first_line_chars: Option<f32>,
    left_chars: Option<f32>,
    outline: Option<u8>,
    /// (numId, ilvl).
    num_id: Option<String>,
    ilvl: Option<u8>,
    rule_above: Option<bool>,
    rule_below: Option<bool>,
    page_break_before: Option<bool>,
}

fn border_on(el: Option<&El>) -> Option<bool> {
    el.map(|e| !matches!(e.attr("val"), Some("nil" | "none") | None))
}

fn num_attr(el: &El, names: &[&str]) -> Option<f32> {
    names
        .iter()
        .find_map(|n| el.attr(n))
        .and_then(|v| v.parse::<f32>().ok())
        .filter(|v| v.is_finite())
}

impl ParaProps {
    fn parse(ppr: &El) -> Self {
        let mut p = ParaProps::default();
        for e in ppr.elements() {
            match e.name.as_str() {
                "jc" => {
                    p.align = e.attr("val").map(|v| match v {
                        "center" => Align::Center,
                        "right" | "end" => Align::Right,
                        "both" | "distribute" | "thaiDistribute" | "lowKashida"
                        | "mediumKashida" | "highKashida" => Align::Justify,
                        _ => Align::Left,
                    })
                }
                "ind" => {
                    if let Some(v) = num_attr(e, &["left", "start"]) {
                        p.left = Some(v / 20.0);
                    }
                    if let Some(v) = num_attr(e, &["leftChars", "startChars"]) {
                        p.left_chars = Some(v);
                    }
                    if let Some(v) = num_attr(e, &["firstLine"]) {
                        p.first_line = Some(v / 20.0);
                    }
                    if let Some(v) = num_attr(e, &["hanging"]) {
                        p.first_line = Some(-v / 20.0);
                    }
                    if let Some(v) = num_attr(e, &["firstLineChars"]) {
                        p.first_line_chars = Some(v);
                    }
                    if let Some(v) = num_attr(e, &["hangingChars"]) {
                        p.first_line_chars = Some(-v);
                    }
                }
                "outlineLvl" => p.outline = e.attr("val").and_then(|v| v.parse::<u8>().ok()),
                "numPr" => {
                    if let Some(id) = e.val_of("numId") {
                        p.num_id = Some(id.to_string());
                    }
                    if let Some(l) = e.val_of("ilvl").and_then(|v| v.parse().ok()) {
                        p.ilvl = Some(l);
                    }
                }
                "pBdr" => {
                    if let Some(b) = border_on(e.child("top")) {
                        p.rule_above = Some(b);
                    }
                    if let Some(b) = border_on(e.child("bottom")) {
                        p.rule_below = Some(b);
                    }
                }
                "pageBreakBefore" => p.page_break_before = Some(toggle(e)),
                _ => {}
            }
        }
        p
    }

    fn merge(&mut self, o: &ParaProps) {
        macro_rules! take {
            ($($f:ident),*) => { $( if o.$f.is_some() { self.$f.clone_from(&o.$f); } )* };
        }
        take!(
            align,
            left,
            first_line,
            first_line_chars,
            left_chars,
            outline,
            num_id,
            ilvl,
            rule_above,
            rule_below,
            page_break_before
        );
    }
}

#[derive(Debug, Default)]
struct Style {
    name: Option<String>,
    based_on: Option<String>,
    ppr: ParaProps,
    rpr: RunProps,
}

#[derive(Debug, Default)]
struct Styles {
    default_ppr: ParaProps,
    default_rpr: RunProps,
    by_id: HashMap<String, Style>,
    default_para: Option<String>,
}

impl Styles {
    fn parse(x: &El) -> Self {
        let mut s = Styles::default();
        if let Some(d) = x.child("docDefaults") {
            if let Some(r) = d.child("rPrDefault").and_then(|r| r.child("rPr")) {
                s.default_rpr = RunProps::parse(r);
            }
            if let Some(p) = d.child("pPrDefault").and_then(|p| p.child("pPr")) {
                s.default_ppr = ParaProps::parse(p);
            }
        }
        for st in x.children("style") {
            let Some(id) = st.attr("styleId") else {
                continue;
            };
            if st.attr("type").unwrap_or("paragraph") == "paragraph"
                && st.attr("default").is_some_and(|v| v == "1" || v == "true")
            {
                s.default_para = Some(id.to_string());
            }
            s.by_id.insert(
                id.to_string(),
                Style {
                    name: st.val_of("name").map(str::to_string),
                    based_on: st.val_of("basedOn").map(str::to_string),
                    ppr: st.child("pPr").map(ParaProps::parse).unwrap_or_default(),
                    rpr: st.child("rPr").map(RunProps::parse).unwrap_or_default(),
                },
            );
        }
        s
    }

    /// The chain of a style, base first.
    fn chain(&self, id: &str) -> Vec<&Style> {
        let mut chain: Vec<&Style> = Vec::new();
        let mut cur = Some(id);
        while let Some(id) = cur {
            let Some(st) = self.by_id.get(id) else { break };
            if chain.len() >= 32 || chain.iter().any(|s: &&Style| std::ptr::eq(*s, st)) {
                break;
            }
            chain.push(st);
            cur = st.based_on.as_deref();
        }
        chain.reverse();
        chain
    }

    fn display_name(&self, id: &str) -> Option<String> {
        let name = self.by_id.get(id)?.name.clone()?;
        // Word stores its built-in heading styles in lower case.
        Some(match name.strip_prefix("heading ") {
            Some(n) => format!("Heading {n}"),
            None => name,
        })
    }
}

/// Outline level from a style name ("heading 2", "标题 2").
fn outline_from_name(name: &str) -> Option<u8> {
    let lower = name.to_lowercase();
    let rest = lower
        .strip_prefix("heading")
        .or_else(|| lower.strip_prefix("标题"))?;
    let n: u8 = rest.trim().parse().ok()?;
    (1..=9).contains(&n).then(|| n - 1)
}

// ---------------------------------------------------------------------------
// Numbering

#[derive(Debug, Clone, Default)]
struct Level {
    fmt: String,
    text: String,
    start: u32,
}

#[derive(Debug, Default)]
struct Numbering {
    /// numId → abstractNumId.
    nums: HashMap<String, String>,
    /// (numId, level) → start override.
    overrides: HashMap<(String, u8), u32>,
    abstracts: HashMap<String, Vec<Level>>,
    /// abstractNumId → counters per level.
    counters: HashMap<String, [u32; 9]>,
}

impl Numbering {
    fn parse(x: &El) -> Self {
        let mut n = Numbering::default();
        for a in x.children("abstractNum") {
            let Some(id) = a.attr("abstractNumId") else {
                continue;
            };
            let mut levels = vec![Level::default(); 9];
            for l in a.children("lvl") {
                let Some(i) = l.attr("ilvl").and_then(|v| v.parse::<usize>().ok()) else {
                    continue;
                };
                if i < 9 {
                    levels[i] = Level {
                        fmt: l.val_of("numFmt").unwrap_or("decimal").to_string(),
                        text: l.val_of("lvlText").unwrap_or("").to_string(),
                        start: l.val_of("start").and_then(|v| v.parse().ok()).unwrap_or(1),
                    };
                }
            }
            n.abstracts.insert(id.to_string(), levels);
        }
        for num in x.children("num") {
            let (Some(id), Some(abs)) = (num.attr("numId"), num.val_of("abstractNumId")) else {
                continue;
            };
            n.nums.insert(id.to_string(), abs.to_string());
            for o in num.children("lvlOverride") {
                let Some(l) = o.attr("ilvl").and_then(|v| v.parse::<u8>().ok()) else {
                    continue;
                };
                if let Some(s) = o.val_of("startOverride").and_then(|v| v.parse().ok()) {
                    n.overrides.insert((id.to_string(), l), s);
                }
            }
        }
        n
    }

    /// Steps the counter of (numId, level); returns (numbered, label).
    fn next(&mut self, num_id: &str, ilvl: u8) -> Option<(bool, String)> {
        let abs = self.nums.get(num_id)?.clone();
        let levels = self.abstracts.get(&abs)?.clone();
        let lvl = usize::from(ilvl.min(8));
        let level = levels.get(lvl)?;
        if level.fmt == "none" && level.text.is_empty() {
            return None;
        }
        let numbered = level.fmt != "bullet";
        let starts: Vec<u32> = (0..9)
            .map(|i| {
                self.overrides
                    .get(&(num_id.to_string(), i as u8))
                    .copied()
                    .unwrap_or_else(|| levels.get(i).map_or(1, |l| l.start))
            })
            .collect();
        let counters = self.counters.entry(abs).or_insert([0; 9]);
        if counters[lvl] == 0 {
            counters[lvl] = starts[lvl];
        } else {
            counters[lvl] = counters[lvl].saturating_add(1);
        }
        for c in counters.iter_mut().skip(lvl + 1) {
            *c = 0;
        }
        if !numbered {
            return Some((false, String::new()));
        }
        let mut label = String::new();
        let mut chars = level.text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '%' {
                if let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    chars.next();
                    let i = (d as usize).saturating_sub(1).min(8);
                    let value = if counters[i] == 0 {
                        starts[i]
                    } else {
                        counters[i]
                    };
                    let fmt = levels.get(i).map_or("decimal", |l| l.fmt.as_str());
                    label.push_str(&format_number(value, fmt));
                    continue;
                }
            }
            label.push(c);
        }
        Some((true, label))
    }
}

fn chinese_number(n: u32) -> String {
    const D: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    if n == 0 {
        return "〇".into();
    }
    if n < 10 {
        return D[n as usize].to_string();
    }
    if n < 100 {
        let (t, u) = (n / 10, n % 10);
        let mut s = String::new();
        if t > 1 {
            s.push(D[t as usize]);
        }
        s.push('十');
        if u > 0 {
            s.push(D[u as usize]);
        }
        return s;
    }
    n.to_string()
        .chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| D[d as usize])
        .collect()
}

fn roman(mut n: u32) -> String {
    const R: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut s = String::new();
    for (v, r) in R {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

fn letters(n: u32) -> String {
    if n == 0 {
        return String::new();
    }
    let c = char::from(b'a' + ((n - 1) % 26) as u8);
    std::iter::repeat_n(c, ((n - 1) / 26 + 1) as usize).collect()
}

fn format_number(n: u32, fmt: &str) -> String {
    match fmt {
        "chineseCounting"
        | "chineseCountingThousand"
        | "japaneseCounting"
        | "ideographTraditional"
        | "chineseLegalSimplified"
        | "taiwaneseCounting"
        | "taiwaneseCountingThousand" => chinese_number(n),
        "ideographDigital" | "taiwaneseDigital" | "japaneseDigitalTenThousand" => n
            .to_string()
            .chars()
            .filter_map(|c| c.to_digit(10))
            .map(|d| ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'][d as usize])
            .collect(),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => {
            char::from_u32(0x2460 + n - 1).map_or_else(|| n.to_string(), String::from)
        }
        "decimalFullWidth" | "decimalFullWidth2" => n
            .to_string()
            .chars()
            .map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c))
            .collect(),
        "lowerLetter" => letters(n),
        "upperLetter" => letters(n).to_uppercase(),
        "lowerRoman" => roman(n).to_lowercase(),
        "upperRoman" => roman(n),
        "none" => String::new(),
        _ => n.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Footnotes

struct Notes {
    /// (kind prefix + id) → text.
    texts: HashMap<String, String>,
    used: Vec<(String, String)>,
}

impl Notes {
    fn new(footnotes: Option<&El>, endnotes: Option<&El>) -> Self {
        let mut texts = HashMap::new();
        for (root, tag, prefix) in [(footnotes, "footnote", ""), (endnotes, "endnote", "e")] {
            let Some(root) = root else { continue };
            for n in root.children(tag) {
                if matches!(
                    n.attr("type"),
                    Some("separator" | "continuationSeparator" | "continuationNotice")
                ) {
                    continue;
                }
                let Some(id) = n.attr("id") else { continue };
                let mut paras = Vec::new();
                let mut ps = Vec::new();
                n.find_all("p", &mut ps);
                for p in ps {
                    let mut t = String::new();
                    plain_text(p, &mut t);
                    let t = t.trim().to_string();
                    if !t.is_empty() {
                        paras.push(t);
                    }
                }
                texts.insert(format!("{prefix}{id}"), paras.join("\n"));
            }
        }
        Notes {
            texts,
            used: Vec::new(),
        }
    }

    fn reference(&mut self, key: String) -> String {
        if !self.used.iter().any(|(k, _)| *k == key) {
            let text = self.texts.get(&key).cloned().unwrap_or_default();
            self.used.push((key.clone(), text));
        }
        format!("[^{key}]")
    }
}

/// The plain text of an element (for footnotes and table cells' nested
/// content): `w:t`, tabs, breaks.
fn plain_text(el: &El, out: &mut String) {
    for e in el.elements() {
        match e.name.as_str() {
            "t" => out.push_str(&clean(&e.own_text())),
            "tab" | "ptab" => out.push(' '),
            "br" | "cr" => out.push('\n'),
            "noBreakHyphen" => out.push('-'),
            "sym" => {
                if let Some(c) = sym_char(e) {
                    out.push(c);
                }
            }
            "del" | "moveFrom" | "instrText" | "delText" | "footnoteRef" | "endnoteRef"
            | "Fallback" | "rPr" | "pPr" => {}
            "p" => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                plain_text(e, out);
            }
            _ => plain_text(e, out),
        }
    }
}

/// Soft hyphens dropped, tabs made spaces; other text as found.
fn clean(s: &str) -> String {
    s.chars()
        .filter(|&c| c != '\u{AD}')
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect()
}

/// The character of a `w:sym` (Symbol/Wingdings code points are mapped
/// where the meaning is clear).
fn sym_char(e: &El) -> Option<char> {
    let code = u32::from_str_radix(e.attr("char")?, 16).ok()?;
    let font = e.attr("font").unwrap_or("").to_lowercase();
    let low = if (0xF000..=0xF0FF).contains(&code) {
        code - 0xF000
    } else {
        code
    };
    let mapped = if font.contains("wingdings") {
        match low {
            0x6C => Some('●'),
            0x6E | 0xA7 => Some('■'),
            0x6F | 0xA8 => Some('□'),
            0x75 => Some('◆'),
            0x76 => Some('❖'),
            0x9F | 0x9E => Some('•'),
            0xA1 => Some('○'),
            0xAB => Some('★'),
            0xD8 => Some('➢'),
            0xE0 | 0xE8 => Some('→'),
            0xFC => Some('✓'),
            0xFE => Some('☑'),
            _ => None,
        }
    } else if font.contains("symbol") {
        match low {
            0xB7 => Some('•'),
            0xD7 => Some('·'),
            0xAE => Some('→'),
            0xB4 => Some('×'),
            0xB1 => Some('±'),
            0xA3 => Some('≤'),
            0xB3 => Some('≥'),
            0xB0 => Some('°'),
            _ => None,
        }
    } else {
        None
    };
    mapped.or_else(|| char::from_u32(code))
}

// ---------------------------------------------------------------------------
// The document walk

struct DocReader<'p, 'a> {
    pkg: &'p mut Package<'a>,
    rels: &'p Rels,
    styles: &'p Styles,
    numbering: Numbering,
    notes: Notes,
    doc: Doc,
    /// Media already read, by part name.
    images: HashMap<String, Vec<u8>>,
    /// The first fatal error (the zip budget).
    error: Option<ReadError>,
}

/// A paragraph being built.
#[derive(Default)]
struct Building {
    para: Para,
    /// Characters in red / not red (for the paragraph's `red`).
    red_chars: usize,
    chars: usize,
    /// Items found inside (images, text boxes) placed before / after.
    before: Vec<Item>,
    after: Vec<Item>,
    /// A drawn horizontal line inside the paragraph.
    drawn_rule: bool,
}

impl Building {
    fn push_text(&mut self, s: &str, rp: &RunProps) {
        if s.is_empty() {
            return;
        }
        let start = self.para.text.len();
        self.para.text.push_str(s);
        let visible = s.chars().filter(|c| !c.is_whitespace()).count();
        if visible > 0 {
            self.chars += visible;
            if rp.red() {
                self.red_chars += visible;
            }
            if let Some(size) = rp.size {
                self.para.size = Some(self.para.size.map_or(size, |s: f32| s.max(size)));
            }
            if self.para.font.is_none() {
                self.para.font.clone_from(&rp.font);
            }
        }
        if rp.bold == Some(true) {
            let end = self.para.text.len();
            match self.para.bold.last_mut() {
                Some(r) if r.end == start => r.end = end,
                _ => self.para.bold.push(start..end),
            }
        }
    }
}

impl DocReader<'_, '_> {
    fn fail(&mut self, e: ReadError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// Block-level content: paragraphs, tables, content controls.
    fn block_children(&mut self, el: &El, out: &mut Vec<Item>, depth: usize) {
        if depth > 64 || self.error.is_some() {
            return;
        }
        for e in el.elements() {
            match e.name.as_str() {
                "p" => self.paragraph(e, out, depth),
                "tbl" => self.table(e, out, depth),
                "sdt" => {
                    if let Some(c) = e.child("sdtContent") {
                        self.block_children(c, out, depth + 1);
                    }
                }
                "customXml" | "ins" | "moveTo" | "smartTag" => {
                    self.block_children(e, out, depth + 1)
                }
                "AlternateContent" => {
                    if let Some(c) = alternate(e) {
                        self.block_children(c, out, depth + 1);
                    }
                }
                "altChunk" => self
                    .doc
                    .notices
                    .push("an embedded document (altChunk) was not read".into()),
                _ => {}
            }
        }
    }

    fn paragraph(&mut self, p: &El, out: &mut Vec<Item>, depth: usize) {
        let ppr_el = p.child("pPr");
        let direct = ppr_el.map(ParaProps::parse).unwrap_or_default();
        let style_id = ppr_el
            .and_then(|x| x.val_of("pStyle"))
            .map(str::to_string)
            .or_else(|| self.styles.default_para.clone());

        let mut ppr = self.styles.default_ppr.clone();
        let mut base_rpr = self.styles.default_rpr.clone();
        if let Some(id) = &style_id {
            for st in self.styles.chain(id) {
                ppr.merge(&st.ppr);
                base_rpr.merge(&st.rpr);
            }
        }
        ppr.merge(&direct);
        // The paragraph mark's run properties (ppr/rPr) size the paragraph
        // only when it has no text: ignored here.

        let mut b = Building::default();
        b.para.style = style_id
            .as_deref()
            .and_then(|id| self.styles.display_name(id));
        b.para.align = ppr.align.unwrap_or_default();
        b.para.outline_level = ppr
            .outline
            .filter(|&l| l < 9)
            .or_else(|| b.para.style.as_deref().and_then(outline_from_name));
        b.para.rule_above = ppr.rule_above.unwrap_or(false);
        b.para.rule_below = ppr.rule_below.unwrap_or(false);

        if ppr.page_break_before == Some(true) {
            out.push(Item::PageBreak);
        }

        // Numbering.
        if let Some(num_id) = ppr.num_id.as_deref().filter(|id| *id != "0") {
            let ilvl = ppr.ilvl.unwrap_or(0);
            if let Some((numbered, label)) = self.numbering.next(num_id, ilvl) {
                b.para.list = Some((ilvl.min(1), numbered));
                if !label.is_empty() {
                    b.push_text(&label, &base_rpr);
                    // The number is not bold unless its runs are; keep the
                    // label out of the bold ranges.
                    b.para.bold.clear();
                }
            }
        }

        self.inline_children(p, &mut b, &base_rpr, out, depth);

        // Indent, with character units resolved against the size.
        let size = b.para.size.or(base_rpr.size).unwrap_or(10.5);
        let left = ppr
            .left_chars
            .map(|c| c / 100.0 * size)
            .or(ppr.left)
            .unwrap_or(0.0);
        let first = ppr
            .first_line_chars
            .map(|c| c / 100.0 * size)
            .or(ppr.first_line)
            .unwrap_or(0.0);
        if ppr.left.is_some()
            || ppr.left_chars.is_some()
            || ppr.first_line.is_some()
            || ppr.first_line_chars.is_some()
        {
            b.para.indent = Some(left + first);
        }
        if b.para.size.is_none() {
            b.para.size = base_rpr.size;
        }

        let section_break = ppr_el
            .and_then(|x| x.child("sectPr"))
            .is_some_and(|s| s.val_of("type") != Some("continuous"));
        self.finish(b, out);
        if section_break {
            out.push(Item::PageBreak);
        }
    }

    /// Ends a paragraph: its text-box/image items around it.
    fn finish(&mut self, mut b: Building, out: &mut Vec<Item>) {
        out.append(&mut b.before);
        b.para.red = b.chars > 0 && b.red_chars * 2 > b.chars;
        let empty = b.para.text.trim().is_empty();
        if empty {
            b.para.text.clear();
            b.para.bold.clear();
        }
        if b.drawn_rule {
            // A line drawn from an empty paragraph is taken to be under the
            // paragraph before it (see `settle_rules`).
            if empty {
                b.para.rule_above = true;
            } else {
                b.para.rule_below = true;
            }
        }
        if !b.para.text.is_empty() || b.para.rule_above || b.para.rule_below {
            out.push(Item::Para(b.para));
        }
        out.append(&mut b.after);
    }

    /// Splits the paragraph at a page break: what came before is a
    /// paragraph of its own.
    fn page_break(&mut self, b: &mut Building, out: &mut Vec<Item>) {
        let rest = Building {
            para: Para {
                style: b.para.style.clone(),
                align: b.para.align,
                outline_level: b.para.outline_level,
                list: b.para.list,
                rule_below: b.para.rule_below,
                ..Para::default()
            },
            ..Building::default()
        };
        let mut done = std::mem::replace(b, rest);
        done.para.rule_below = false;
        let had_text = !done.para.text.trim().is_empty();
        if !had_text {
            // Nothing before the break: the paragraph keeps its first-line
            // properties and its anchored items come first.
            b.para.indent = done.para.indent;
            b.para.rule_above = done.para.rule_above;
            out.append(&mut done.before);
            out.append(&mut done.after);
        } else {
            self.finish(done, out);
        }
        out.push(Item::PageBreak);
    }

    fn inline_children(
        &mut self,
        el: &El,
        b: &mut Building,
        rpr: &RunProps,
        out: &mut Vec<Item>,
        depth: usize,
    ) {
        if depth > 64 || self.error.is_some() {
            return;
        }
        for e in el.elements() {
            match e.name.as_str() {
                "r" => self.run(e, b, rpr, out, depth),
                "hyperlink" | "smartTag" | "customXml" | "ins" | "moveTo" | "fldSimple" | "dir"
                | "bdo" => self.inline_children(e, b, rpr, out, depth + 1),
                "sdt" => {
                    if let Some(c) = e.child("sdtContent") {
                        self.inline_children(c, b, rpr, out, depth + 1);
                    }
                }
                "AlternateContent" => {
                    if let Some(c) = alternate(e) {
                        self.inline_children(c, b, rpr, out, depth + 1);
                    }
                }
                "oMath" | "oMathPara" => {
                    let mut t = String::new();
                    math_text(e, &mut t);
                    b.push_text(&t, rpr);
                }
                _ => {}
            }
        }
    }

    fn run(
        &mut self,
        r: &El,
        b: &mut Building,
        base: &RunProps,
        out: &mut Vec<Item>,
        depth: usize,
    ) {
        let mut rp = base.clone();
        if let Some(rpr) = r.child("rPr") {
            if let Some(id) = rpr.val_of("rStyle") {
                for st in self.styles.chain(id) {
                    rp.merge(&st.rpr);
                }
            }
            rp.merge(&RunProps::parse(rpr));
        }
        if rp.hidden == Some(true) {
            return;
        }
        for e in r.elements() {
            match e.name.as_str() {
                "t" => b.push_text(&clean(&e.own_text()), &rp),
                "tab" | "ptab" => b.push_text(" ", &rp),
                "br" => match e.attr("type") {
                    Some("page") => self.page_break(b, out),
                    Some("column") => b.push_text("\n", &rp),
                    _ => b.push_text("\n", &rp),
                },
                "cr" => b.push_text("\n", &rp),
                "noBreakHyphen" => b.push_text("-", &rp),
                "sym" => {
                    if let Some(c) = sym_char(e) {
                        b.push_text(c.encode_utf8(&mut [0; 4]), &rp);
                    }
                }
                "footnoteReference" | "endnoteReference" => {
                    if let Some(id) = e.attr("id") {
                        let prefix = if e.name == "endnoteReference" {
                            "e"
                        } else {
                            ""
                        };
                        let mark = self.notes.reference(format!("{prefix}{id}"));
                        b.para.text.push_str(&mark);
                    }
                }
                "drawing" | "pict" | "object" => self.drawing(e, b, depth),
                "AlternateContent" => {
                    if let Some(c) = alternate(e) {
                        // A choice inside a run holds run content.
                        for inner in c.elements() {
                            if matches!(inner.name.as_str(), "drawing" | "pict" | "object") {
                                self.drawing(inner, b, depth);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// A drawing (DrawingML or VML): images, text boxes, lines.
    fn drawing(&mut self, d: &El, b: &mut Building, depth: usize) {
        let place_before = b.para.text.trim().is_empty();
        let mut items = Vec::new();

        // Text boxes: their paragraphs, in order.
        let mut boxes = Vec::new();
        d.find_all("txbxContent", &mut boxes);
        for t in boxes {
            self.block_children(t, &mut items, depth + 1);
        }

        // Images.
        let mut blips = Vec::new();
        d.find_all("blip", &mut blips);
        d.find_all("imagedata", &mut blips);
        let width_mm = d
            .find("extent")
            .and_then(|e| e.attr("cx"))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|emu| (emu / 36000.0) as f32)
            .or_else(|| vml_width_mm(d));
        let mut seen = Vec::new();
        for blip in blips {
            let Some(id) = blip.attr("embed").or_else(|| blip.attr("id")) else {
                if blip.attr("link").is_some() {
                    self.doc
                        .notices
                        .push("a linked (not embedded) image was not imported".into());
                }
                continue;
            };
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            if let Some(img) = self.image(id, width_mm) {
                items.push(Item::Image(img));
            }
        }

        // A drawn horizontal line.
        let is_line = d
            .find("prstGeom")
            .and_then(|g| g.attr("prst"))
            .is_some_and(|p| matches!(p, "line" | "straightConnector1"))
            || d.find("line").is_some();
        if is_line && items.is_empty() {
            b.drawn_rule = true;
        }

        if place_before {
            b.before.append(&mut items);
        } else {
            b.after.append(&mut items);
        }
    }

    fn image(&mut self, rel_id: &str, width_mm: Option<f32>) -> Option<Image> {
        let (_, target, external) = self.rels.by_id.get(rel_id)?.clone();
        if external {
            self.doc
                .notices
                .push(format!("a linked image ({target}) was not imported"));
            return None;
        }
        let data = if let Some(d) = self.images.get(&target) {
            // Each reference is a copy to keep and to write: it counts
            // against the unpack budget, as the first one did.
            if let Err(e) = self.pkg.charge(d.len() as u64) {
                self.fail(e);
                return None;
            }
            d.clone()
        } else {
            match self.pkg.part(&target) {
                Ok(Some(d)) => {
                    self.images.insert(target.clone(), d.clone());
                    d
                }
                Ok(None) => {
                    self.doc
                        .notices
                        .push(format!("the image {target} is missing from the package"));
                    return None;
                }
                Err(e) => {
                    self.fail(e);
                    return None;
                }
            }
        };
        let mut ext = target
            .rsplit_once('.')
            .map(|(_, e)| e.to_lowercase())
            .unwrap_or_else(|| "bin".into());
        if ext == "jpeg" {
            ext = "jpg".into();
        }
        // The name of the part is the document's: only an image's extension
        // is kept (a part named x.toml must not become an issue file).
        const IMAGE_EXTS: [&str; 11] = [
            "png", "jpg", "gif", "bmp", "svg", "emf", "wmf", "tif", "tiff", "webp", "jfif",
        ];
        if !IMAGE_EXTS.contains(&ext.as_str()) {
            ext = "bin".into();
        }
        if matches!(ext.as_str(), "emf" | "wmf" | "tif" | "tiff" | "bin") {
            self.doc.notices.push(format!(
                "the image {target} is in a format ({ext}) that may not render; convert it to PNG"
            ));
        }
        Some(Image {
            data,
            ext,
            width_mm,
        })
    }

    fn table(&mut self, tbl: &El, out: &mut Vec<Item>, depth: usize) {
        // Grid: per row, the cells with their grid column, span, vMerge.
        struct Raw<'e> {
            col: usize,
            span: usize,
            vmerge: Option<bool>, // Some(true) restart, Some(false) continue
            el: &'e El,
        }
        let mut rows: Vec<Vec<Raw<'_>>> = Vec::new();
        let mut header_rows = 0;
        let mut header_run = true;
        for tr in tbl.elements() {
            let tr = match tr.name.as_str() {
                "tr" => tr,
                _ => continue,
            };
            let is_header = tr
                .child("trPr")
                .and_then(|p| p.child("tblHeader"))
                .is_some_and(toggle);
            if header_run && is_header {
                header_rows += 1;
            } else {
                header_run = false;
            }
            let mut row = Vec::new();
            let mut col = tr
                .child("trPr")
                .and_then(|p| p.val_of("gridBefore"))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0)
                .min(1000);
            let mut cells = Vec::new();
            collect_cells(tr, &mut cells, 0);
            for tc in cells {
                let pr = tc.child("tcPr");
                let span = pr
                    .and_then(|p| p.val_of("gridSpan"))
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(1)
                    .clamp(1, 1000);
                let vmerge = pr
                    .and_then(|p| p.child("vMerge"))
                    .map(|v| v.attr("val") == Some("restart"));
                let hmerge = pr.and_then(|p| p.child("hMerge")).map(|v| v.attr("val"));
                if let Some(Some("continue") | None) = hmerge {
                    // Old-style horizontal merge: widen the previous cell.
                    if let Some(prev) = row.last_mut() {
                        let prev: &mut Raw<'_> = prev;
                        prev.span += span;
                        col += span;
                        continue;
                    }
                }
                row.push(Raw {
                    col,
                    span,
                    vmerge,
                    el: tc,
                });
                col += span;
            }
            rows.push(row);
        }

        // Unwrap a one-cell table (a frame) into its content.
        if rows.len() == 1 && rows[0].len() == 1 {
            let el = rows[0][0].el;
            self.block_children(el, out, depth + 1);
            return;
        }

        let mut table = Table {
            rows: Vec::new(),
            header_rows,
            ..Table::default()
        };
        // Per row: whether every filled cell is bold or shaded (a header
        // row as Word users make one, without "repeat as header row").
        let mut marked: Vec<bool> = Vec::new();
        for (r, row) in rows.iter().enumerate() {
            let mut cells = Vec::new();
            let mut row_marked = true;
            let mut row_filled = false;
            for raw in row {
                if raw.vmerge == Some(false) {
                    continue; // covered by the cell above
                }
                let shaded = raw
                    .el
                    .child("tcPr")
                    .and_then(|p| p.child("shd"))
                    .and_then(|s| s.attr("fill"))
                    .is_some_and(|f| {
                        !f.eq_ignore_ascii_case("auto") && !f.eq_ignore_ascii_case("FFFFFF")
                    });
                let mut rowspan = 1;
                if raw.vmerge == Some(true) {
                    for below in rows.iter().skip(r + 1) {
                        let cont = below
                            .iter()
                            .any(|c| c.col == raw.col && c.vmerge == Some(false));
                        if cont {
                            rowspan += 1;
                        } else {
                            break;
                        }
                    }
                }
                let mut items = Vec::new();
                self.block_children(raw.el, &mut items, depth + 1);
                let (text, bold) = crate::doc::cell_text(items, &mut self.doc.notices);
                if !text.trim().is_empty() {
                    row_filled = true;
                    row_marked &= bold || shaded;
                }
                cells.push(Cell {
                    text,
                    colspan: raw.span as u32,
                    rowspan,
                });
            }
            marked.push(row_filled && row_marked);
            table.rows.push(cells);
        }
        table.header_rows = table.header_rows.min(table.rows.len());
        if table.header_rows == 0 {
            table.header_rows = crate::doc::guess_header_rows(&table.rows, &marked);
            table.header_guessed = table.header_rows > 0;
        }
        out.push(Item::Table(table));
    }
}

/// The cells of a row, also inside content controls.
fn collect_cells<'e>(el: &'e El, out: &mut Vec<&'e El>, depth: usize) {
    if depth > 8 {
        return;
    }
    for e in el.elements() {
        match e.name.as_str() {
            "tc" => out.push(e),
            "sdt" | "sdtContent" | "customXml" => collect_cells(e, out, depth + 1),
            _ => {}
        }
    }
}

/// `mc:AlternateContent`: the first choice, else the fallback.
fn alternate(e: &El) -> Option<&El> {
    e.child("Choice").or_else(|| e.child("Fallback"))
}

/// The text of an Office Math object (its `m:t` runs).
fn math_text(el: &El, out: &mut String) {
    for e in el.elements() {
        if e.name == "t" {
            out.push_str(&e.own_text());
        } else {
            math_text(e, out);
        }
    }
}

/// The width of a VML shape (`style="width:120pt;…"`) in millimetres.
fn vml_width_mm(d: &El) -> Option<f32> {
    let mut shapes = Vec::new();
    d.find_all("shape", &mut shapes);
    for s in shapes {
        let Some(style) = s.attr("style") else {
            continue;
        };
        for decl in style.split(';') {
            let Some((k, v)) = decl.split_once(':') else {
                continue;
            };
            if k.trim() != "width" {
                continue;
            }
            let v = v.trim();
            let (num, unit) = v.split_at(v.find(|c: char| c.is_alphabetic()).unwrap_or(v.len()));
            let n: f32 = num.trim().parse().ok()?;
            let mm = match unit {
                "pt" | "" => n * 25.4 / 72.0,
                "in" => n * 25.4,
                "cm" => n * 10.0,
                "mm" => n,
                "px" => n * 25.4 / 96.0,
                _ => return None,
            };
            return Some(mm);
        }
    }
    None
}

/// Empty paragraphs that only carry a rule give it to their neighbours: a
/// top border to the paragraph before (it is right under it), a bottom
/// border to the paragraph after; to the other one when there is no such
/// neighbour.
fn settle_rules(items: Vec<Item>) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::with_capacity(items.len());
    let mut pending_above = false;
    for item in items {
        match item {
            Item::Para(p) if p.text.is_empty() => {
                let prev = match out.last_mut() {
                    Some(Item::Para(prev)) => Some(prev),
                    _ => None,
                };
                match prev {
                    Some(prev) if p.rule_above => prev.rule_below = true,
                    _ if p.rule_above => pending_above = true,
                    _ => {}
                }
                if p.rule_below {
                    pending_above = true;
                }
            }
            Item::Para(mut p) => {
                if pending_above {
                    p.rule_above = true;
                    pending_above = false;
                }
                out.push(Item::Para(p));
            }
            other => {
                out.push(other);
            }
        }
    }
    if pending_above {
        if let Some(Item::Para(prev)) = out.iter_mut().rev().find(|i| matches!(i, Item::Para(_))) {
            prev.rule_below = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape""#;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\nfake";

    fn docx(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for (name, data) in parts {
                z.start_file(*name, opts).unwrap();
                z.write_all(data).unwrap();
            }
            z.finish().unwrap();
        }
        buf.into_inner()
    }

    fn package(body: &str) -> Vec<u8> {
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>{body}<w:sectPr/></w:body></w:document>"#
        );
        let styles = format!(
            r#"<w:styles {W}>
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:eastAsia="仿宋_GB2312"/><w:sz w:val="32"/></w:rPr></w:rPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/><w:pPr><w:jc w:val="both"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="a"/><w:pPr><w:jc w:val="center"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:rFonts w:eastAsia="方正小标宋简体"/><w:sz w:val="44"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Masthead"><w:name w:val="报头"/><w:basedOn w:val="Title"/><w:rPr><w:color w:val="FF0000"/><w:sz w:val="72"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/><w:basedOn w:val="a"/></w:style>
</w:styles>"#
        );
        let numbering = format!(
            r#"<w:numbering {W}>
<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>
<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl><w:lvl w:ilvl="1"><w:numFmt w:val="bullet"/><w:lvlText w:val="o"/></w:lvl></w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
</w:numbering>"#
        );
        let footnotes = format!(
            r#"<w:footnotes {W}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> 见《人民日报》2020年2月4日。</w:t></w:r></w:p></w:footnote></w:footnotes>"#
        );
        let rels = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/>
<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.png"/>
</Relationships>"#;
        let root_rels = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
        docx(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("_rels/.rels", root_rels.as_bytes()),
            ("word/document.xml", document.as_bytes()),
            ("word/_rels/document.xml.rels", rels.as_bytes()),
            ("word/styles.xml", styles.as_bytes()),
            ("word/numbering.xml", numbering.as_bytes()),
            ("word/footnotes.xml", footnotes.as_bytes()),
            ("word/media/image1.png", PNG),
        ])
    }

    /// One large media part drawn eight times (#20 item 7): every use is a
    /// copy kept and written, so each counts against the unpack budget; a
    /// part named .toml is not saved under that extension.
    #[test]
    fn every_use_of_a_part_counts_against_the_budget() {
        let drawing = r#"<w:p><w:r><w:drawing><wp:inline><wp:extent cx="3600000" cy="1800000"/><a:graphic><a:graphicData><pic:pic><pic:blipFill><a:blip r:embed="rId4"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"#;
        let body = format!("<w:p><w:r><w:t>图</w:t></w:r></w:p>{}", drawing.repeat(8));
        let big = vec![0u8; 40 << 20];
        let with = |part: &[u8], name: &str| {
            let mut bytes = package(&body);
            let mut z = zip::ZipArchive::new(Cursor::new(bytes.clone())).unwrap();
            let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
            for i in 0..z.len() {
                let mut f = z.by_index(i).unwrap();
                let mut d = Vec::new();
                f.read_to_end(&mut d).unwrap();
                let n = f.name().unwrap().to_string();
                if n == "word/media/image1.png" {
                    parts.push((format!("word/media/{name}"), part.to_vec()));
                } else if n == "word/_rels/document.xml.rels" {
                    let t = String::from_utf8(d)
                        .unwrap()
                        .replace("media/image1.png", &format!("media/{name}"));
                    parts.push((n, t.into_bytes()));
                } else {
                    parts.push((n, d));
                }
            }
            let refs: Vec<(&str, &[u8])> = parts
                .iter()
                .map(|(n, d)| (n.as_str(), d.as_slice()))
                .collect();
            bytes = docx(&refs);
            bytes
        };
        // 8 × 40 MiB is past the 256 MiB budget, though the part is 40 MiB.
        match read(&with(&big, "image1.png")) {
            Err(ReadError::TooLarge(m)) => assert!(m.contains("counting each use"), "{m}"),
            other => panic!("not refused: {:?}", other.map(|d| d.items.len())),
        }
        // A part named .toml comes back as .bin.
        let doc = read(&with(PNG, "evil.toml")).unwrap();
        let exts: Vec<&str> = doc
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Image(im) => Some(im.ext.as_str()),
                _ => None,
            })
            .collect();
        assert!(
            !exts.is_empty() && exts.iter().all(|e| *e == "bin"),
            "{exts:?}"
        );
    }

    #[test]
    fn styled_paragraphs_runs_and_rules() {
        let body = r#"
<w:p><w:pPr><w:pStyle w:val="Masthead"/><w:pBdr><w:bottom w:val="single" w:sz="12" w:color="FF0000"/></w:pBdr></w:pPr><w:r><w:t>工作简报</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>中央政治局常委会</w:t></w:r><w:r><w:br/></w:r><w:r><w:t>研究疫情防控工作</w:t></w:r></w:p>
<w:p><w:pPr><w:ind w:firstLineChars="200"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>一是</w:t></w:r><w:r><w:t xml:space="preserve">线上训。	在“掌上泗阳”</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>APP</w:t></w:r><w:r><w:t>开&#173;设</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r></w:p>
<w:p><w:pPr><w:jc w:val="right"/></w:pPr><w:r><w:t>（泗阳县委宣传部）</w:t></w:r></w:p>
<w:p><w:pPr><w:pStyle w:val="2"/></w:pPr><w:r><w:t>二级标题</w:t></w:r></w:p>
<w:p/>
<w:p><w:pPr><w:pBdr><w:top w:val="single" w:sz="4"/></w:pBdr></w:pPr></w:p>
<w:p><w:r><w:t>报：中央协调办</w:t></w:r></w:p>
"#;
        let doc = read(&package(body)).unwrap();
        let ps = doc.paras();
        assert_eq!(ps.len(), 6, "{ps:#?}");
        let name = ps[0];
        assert_eq!(name.text, "工作简报");
        assert_eq!(name.size, Some(36.0));
        assert!(name.red);
        assert_eq!(name.align, Align::Center);
        assert_eq!(name.style.as_deref(), Some("报头"));
        assert_eq!(name.font.as_deref(), Some("方正小标宋简体"));
        assert!(name.rule_below);
        let title = ps[1];
        assert_eq!(title.text, "中央政治局常委会\n研究疫情防控工作");
        assert_eq!(title.size, Some(22.0));
        assert!(!title.red);
        assert_eq!(title.outline_level, Some(0));
        assert_eq!(title.style.as_deref(), Some("Title"));
        let body = ps[2];
        assert_eq!(body.text, "一是线上训。 在“掌上泗阳”APP开设[^1]");
        assert_eq!(body.size, Some(16.0));
        assert_eq!(body.align, Align::Justify);
        assert_eq!(body.indent, Some(32.0));
        assert_eq!(body.font.as_deref(), Some("仿宋_GB2312"));
        let bold: Vec<&str> = body.bold.iter().map(|r| &body.text[r.clone()]).collect();
        assert_eq!(bold, ["一是", "APP"]);
        assert_eq!(ps[3].align, Align::Right);
        assert_eq!(ps[4].style.as_deref(), Some("Heading 2"));
        assert_eq!(ps[4].outline_level, Some(1));
        assert!(ps[4].rule_below, "the empty bordered paragraph's rule");
        assert_eq!(ps[5].text, "报：中央协调办");
        assert_eq!(
            doc.footnotes,
            vec![("1".to_string(), "见《人民日报》2020年2月4日。".to_string())]
        );
    }

    #[test]
    fn tables_with_merged_cells() {
        let body = r#"
<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>
<w:tr><w:trPr><w:tblHeader/></w:trPr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>地区</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>人数</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:trPr><w:tblHeader/></w:trPr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>党员</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>群众</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>徐州</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>400</w:t></w:r></w:p><w:p><w:r><w:t>余名</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>2万</w:t></w:r></w:p></w:tc></w:tr>
</w:tbl>
<w:tbl><w:tr><w:tc><w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>编者按：</w:t></w:r><w:r><w:t>框里的话</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
"#;
        let doc = read(&package(body)).unwrap();
        let Item::Table(t) = &doc.items[0] else {
            panic!("{:?}", doc.items)
        };
        assert_eq!(t.header_rows, 2);
        let cell = |r: usize, c: usize| {
            let x = &t.rows[r][c];
            (x.text.as_str(), x.colspan, x.rowspan)
        };
        assert_eq!(t.rows[0].len(), 2);
        assert_eq!(cell(0, 0), ("地区", 1, 2));
        assert_eq!(cell(0, 1), ("人数", 2, 1));
        assert_eq!(t.rows[1].len(), 2);
        assert_eq!(cell(1, 0), ("党员", 1, 1));
        assert_eq!(cell(2, 1), ("400\n余名", 1, 1));
        // The one-cell table is a frame: its paragraph comes out as is.
        let Item::Para(p) = &doc.items[1] else {
            panic!("{:?}", doc.items)
        };
        assert_eq!(p.text, "编者按：框里的话");
        assert_eq!(p.align, Align::Center);
        assert_eq!(p.bold, vec![0..12]);
    }

    /// A table whose first row is bold or shaded but not marked "repeat as
    /// header row" (python-docx's tables, most offices' tables): its header
    /// is guessed, and says so; a marked one is not a guess.
    #[test]
    fn a_bold_or_shaded_first_row_is_a_guessed_header() {
        let row = |cells: &[&str], bold: bool, fill: Option<&str>| {
            let mut r = String::from("<w:tr>");
            for c in cells {
                let pr = fill.map_or(String::new(), |f| {
                    format!(r#"<w:tcPr><w:shd w:val="clear" w:fill="{f}"/></w:tcPr>"#)
                });
                let rpr = if bold { "<w:rPr><w:b/></w:rPr>" } else { "" };
                r.push_str(&format!(
                    "<w:tc>{pr}<w:p><w:r>{rpr}<w:t>{c}</w:t></w:r></w:p></w:tc>"
                ));
            }
            r + "</w:tr>"
        };
        let table = |first: String| {
            format!(
                "<w:tbl>{first}{}{}</w:tbl>",
                row(&["办公室", "张三"], false, None),
                row(&["财务科", "李四"], false, None)
            )
        };
        for (first, header) in [
            (row(&["科室", "联系人"], true, None), 1),
            (row(&["科室", "联系人"], false, Some("D9D9D9")), 1),
            (row(&["科室", "联系人"], false, Some("auto")), 0),
            (row(&["科室", "联系人"], false, None), 0),
        ] {
            let doc = read(&package(&table(first.clone()))).unwrap();
            let Item::Table(t) = &doc.items[0] else {
                panic!("{:?}", doc.items)
            };
            assert_eq!(t.header_rows, header, "{first}");
            assert_eq!(t.header_guessed, header > 0, "{first}");
        }
        let marked = row(&["科室", "联系人"], true, None)
            .replace("<w:tr>", "<w:tr><w:trPr><w:tblHeader/></w:trPr>");
        let doc = read(&package(&table(marked))).unwrap();
        let Item::Table(t) = &doc.items[0] else {
            panic!("{:?}", doc.items)
        };
        assert_eq!((t.header_rows, t.header_guessed), (1, false));
    }

    #[test]
    fn images_text_boxes_breaks_and_numbering() {
        let body = r#"
<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><wp:extent cx="5400000" cy="720000"/><a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent>
<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:color w:val="E00000"/><w:sz w:val="96"/></w:rPr><w:t>工作简报</w:t></w:r></w:p>
<w:p><w:r><w:t>第363期</w:t></w:r></w:p>
</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>
<mc:Fallback><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox><w:txbxContent><w:p><w:r><w:t>工作简报</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>
<w:r><w:t>协调小组办公室</w:t></w:r></w:p>
<w:p><w:r><w:t>图如下</w:t></w:r><w:r><w:drawing><wp:inline><wp:extent cx="3600000" cy="1800000"/><a:graphic><a:graphicData><pic:pic><pic:blipFill><a:blip r:embed="rId4"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>
<w:p><w:r><w:t>前</w:t><w:lastRenderedPageBreak/><w:br w:type="page"/><w:t>后</w:t></w:r></w:p>
<w:p><w:pPr><w:pageBreakBefore/></w:pPr><w:r><w:t>新页</w:t></w:r></w:p>
<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>强化领导</w:t></w:r></w:p>
<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>强化创新</w:t></w:r></w:p>
<w:p><w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="2"/></w:numPr></w:pPr><w:r><w:t>要点</w:t><w:sym w:font="Wingdings" w:char="F0FC"/></w:r></w:p>
"#;
        let doc = read(&package(body)).unwrap();
        let kinds: Vec<String> = doc
            .items
            .iter()
            .map(|i| match i {
                Item::Para(p) => p.text.clone(),
                Item::Image(i) => format!("image {} {:?}", i.ext, i.width_mm),
                Item::Table(_) => "table".into(),
                Item::PageBreak => "break".into(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "工作简报",
                "第363期",
                "协调小组办公室",
                "图如下",
                "image png Some(100.0)",
                "前",
                "break",
                "后",
                "break",
                "新页",
                "一、强化领导",
                "二、强化创新",
                "要点✓",
            ]
        );
        let ps = doc.paras();
        assert!(ps[0].red);
        assert_eq!(ps[0].size, Some(48.0));
        assert_eq!(ps[0].align, Align::Center);
        assert_eq!(ps[7].list, Some((0, true)));
        assert_eq!(ps[9].list, Some((1, false)));
        let Some(Item::Image(img)) = doc.items.get(4) else {
            panic!()
        };
        assert_eq!(img.data, PNG);
    }

    #[test]
    fn not_a_docx() {
        let kind = |e: &ReadError| std::mem::discriminant(e);
        let not = std::mem::discriminant(&ReadError::NotThisFormat(String::new()));
        let e = read(b"").unwrap_err();
        assert!(e.message().starts_with(NOT_DOCX) && kind(&e) == not, "{e}");
        let e = read(b"hello, world").unwrap_err();
        assert!(e.message().starts_with(NOT_DOCX) && kind(&e) == not, "{e}");
        let e = read(&docx(&[("readme.txt", b"hi")])).unwrap_err();
        assert!(
            e.message().contains("no word/document.xml") && kind(&e) == not,
            "{e}"
        );
        let e = read(&docx(&[("xl/workbook.xml", b"<x/>")])).unwrap_err();
        assert!(e.message().contains("Excel") && kind(&e) == not, "{e}");
        let e = read(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]).unwrap_err();
        assert!(e.message().contains(".doc") && kind(&e) == not, "{e}");
        let e = read(&docx(&[(
            "word/document.xml",
            b"<w:document><w:body><w:p>",
        )]))
        .unwrap_err();
        assert!(
            matches!(&e, ReadError::Damaged(m) if m.contains("not well-formed")),
            "{e}"
        );
    }

    #[test]
    fn truncated_and_mangled_packages_never_panic() {
        let good = package("<w:p><w:r><w:t>正文</w:t></w:r></w:p>");
        assert!(read(&good).is_ok());
        for cut in (0..good.len()).step_by(97) {
            let _ = read(&good[..cut]);
        }
        let mut state = 0x1234_5678_9abc_def0_u64;
        for _ in 0..300 {
            let mut bytes = good.clone();
            for _ in 0..8 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let i = (state % bytes.len() as u64) as usize;
                bytes[i] = (state >> 32) as u8;
            }
            let _ = read(&bytes);
        }
    }

    #[test]
    fn zip_bombs_are_refused_while_reading() {
        // 300 MiB of zeros deflates to a few hundred KiB.
        let mut buf = Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .large_file(true);
            z.start_file("word/document.xml", opts).unwrap();
            let chunk = vec![b' '; 1024 * 1024];
            for _ in 0..300 {
                z.write_all(&chunk).unwrap();
            }
            z.finish().unwrap();
        }
        let e = read(&buf.into_inner()).unwrap_err();
        assert!(
            matches!(&e, ReadError::TooLarge(m) if m.contains("zip bomb")),
            "{e}"
        );
    }

    #[test]
    fn numbers_in_words() {
        assert_eq!(chinese_number(1), "一");
        assert_eq!(chinese_number(10), "十");
        assert_eq!(chinese_number(12), "十二");
        assert_eq!(chinese_number(20), "二十");
        assert_eq!(chinese_number(35), "三十五");
        assert_eq!(format_number(3, "decimalEnclosedCircle"), "③");
        assert_eq!(format_number(4, "upperRoman"), "IV");
        assert_eq!(format_number(28, "lowerLetter"), "bb");
        assert!(is_red("FF0000") && is_red("C00000") && !is_red("000000") && !is_red("auto"));
    }
}
