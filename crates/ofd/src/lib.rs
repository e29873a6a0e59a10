//! Writes OFD packages (GB/T 33190-2016, 开放版式文档) and their archival
//! profile OFD-A (GB/T 42133-2022) from a small page model ([`Document`]):
//! pages in millimetres with y down, text runs (a font, glyphs and their
//! positions, the Unicode text), paths, JPEG/PNG images, an outline and the
//! document's metadata.
//!
//! - Text becomes TextObjects whose TextCodes hold the characters (so that
//!   readers search and copy them) with DeltaX; where glyphs and characters
//!   are not one to one (ligatures, alternates), a CGTransform gives the
//!   glyphs.
//! - Fonts are subset (subsetter) and embedded as FontFiles in PublicRes,
//!   with a `cmap` for the characters the document shows and the font's
//!   `OS/2`.
//! - Images are MultiMedia in DocumentRes, drawn by ImageObjects.
//! - The package is reproducible: the same document gives the same bytes
//!   (fixed zip timestamps and permissions, a stable order of parts and
//!   IDs). IDs are unique in the document and MaxUnitID is the largest.
//!
//! ```
//! use bulletin_ofd::{Document, Page, write};
//! let doc = Document {
//!     pages: vec![Page { width: 210.0, height: 297.0, objects: vec![] }],
//!     ..Document::default()
//! };
//! let bytes = write(&doc).unwrap();
//! assert_eq!(&bytes[..2], b"PK");
//! ```

mod font;
mod model;
mod xml;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;

pub use crate::model::*;
use crate::xml::{num, Xml};

/// The namespace of OFD's XML (GB/T 33190-2016 7.1).
pub const NAMESPACE: &str = "http://www.ofdspec.org/2016";

/// Why a document cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

fn err<T>(m: impl Into<String>) -> Result<T, Error> {
    Err(Error(m.into()))
}

/// A run's glyphs grouped by the characters they stand for.
struct Cluster<'a> {
    text: &'a str,
    glyphs: Vec<u16>,
    x: f64,
    y: f64,
}

fn clusters(t: &Text) -> Vec<Cluster<'_>> {
    let mut out: Vec<(std::ops::Range<usize>, Cluster)> = Vec::new();
    for g in &t.glyphs {
        match out.last_mut() {
            Some((r, c)) if *r == g.text => c.glyphs.push(g.id),
            _ => out.push((
                g.text.clone(),
                Cluster {
                    text: t.text.get(g.text.clone()).unwrap_or(""),
                    glyphs: vec![g.id],
                    x: g.x,
                    y: g.y,
                },
            )),
        }
    }
    let mut list: Vec<Cluster> = out
        .into_iter()
        .map(|(_, c)| c)
        .filter(|c| !c.text.is_empty())
        .collect();
    // Spaces at either end draw nothing; a TextCode keeps its characters
    // between visible ones.
    while list.first().is_some_and(|c| c.text.trim().is_empty()) {
        list.remove(0);
    }
    while list.last().is_some_and(|c| c.text.trim().is_empty()) {
        list.pop();
    }
    list
}

/// A character XML 1.0 can hold; others are shown as U+FFFD.
fn xml_char(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
        c => c,
    }
}

fn check(doc: &Document) -> Result<(), Error> {
    if doc.pages.is_empty() {
        return err("the document has no pages");
    }
    let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
    for (i, p) in doc.pages.iter().enumerate() {
        let n = i + 1;
        if !(p.width > 0.0 && p.height > 0.0 && finite(&[p.width, p.height])) {
            return err(format!(
                "page {n}: the size {} × {} mm is not a page",
                p.width, p.height
            ));
        }
        for o in &p.objects {
            let ok = match &o.object {
                Object::Text(t) => {
                    t.font < doc.fonts.len()
                        && t.size.is_finite()
                        && t.size > 0.0
                        && finite(&t.transform)
                        && t.glyphs.iter().all(|g| {
                            g.x.is_finite()
                                && g.y.is_finite()
                                && t.text.get(g.text.clone()).is_some()
                        })
                }
                Object::Path(p) => finite(&p.transform),
                Object::Image(i) => i.image < doc.images.len() && finite(&i.transform),
            };
            if !ok {
                return err(format!("page {n}: an object refers to a missing font or image, or has a position that is not a number"));
            }
        }
    }
    for (i, im) in doc.images.iter().enumerate() {
        let b = im.data.bytes();
        let ok = match im.format {
            ImageFormat::Jpeg => b.starts_with(&[0xFF, 0xD8, 0xFF]),
            ImageFormat::Png => b.starts_with(b"\x89PNG\r\n\x1a\n"),
        };
        if !ok {
            return err(format!(
                "image {}: the bytes are not {}",
                i + 1,
                im.format.ofd_name()
            ));
        }
    }
    Ok(())
}

/// The IDs of the document, given in order: the colour space, the fonts, the
/// images, the pages, then each page's layer and objects.
struct Ids(u64);

impl Ids {
    fn next(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }
}

/// An axis-aligned box (mm).
#[derive(Clone, Copy)]
struct Bbox {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Bbox {
    fn of(points: impl IntoIterator<Item = (f64, f64)>) -> Option<Bbox> {
        let mut b: Option<Bbox> = None;
        for (x, y) in points {
            let e = b.get_or_insert(Bbox {
                x0: x,
                y0: y,
                x1: x,
                y1: y,
            });
            e.x0 = e.x0.min(x);
            e.y0 = e.y0.min(y);
            e.x1 = e.x1.max(x);
            e.y1 = e.y1.max(y);
        }
        b
    }
    fn grow(self, d: f64) -> Bbox {
        Bbox {
            x0: self.x0 - d,
            y0: self.y0 - d,
            x1: self.x1 + d,
            y1: self.y1 + d,
        }
    }
    /// At least a hundredth of a millimetre wide and high.
    fn text(self) -> String {
        format!(
            "{} {} {} {}",
            num(self.x0),
            num(self.y0),
            num((self.x1 - self.x0).max(0.01)),
            num((self.y1 - self.y0).max(0.01))
        )
    }
    fn contains(&self, o: &Bbox) -> bool {
        self.x0 <= o.x0 + 1e-6
            && self.y0 <= o.y0 + 1e-6
            && self.x1 >= o.x1 - 1e-6
            && self.y1 >= o.y1 - 1e-6
    }
}

fn segment_points(segments: &[Segment]) -> impl Iterator<Item = (f64, f64)> + '_ {
    segments.iter().flat_map(|s| match *s {
        Segment::Move(x, y) | Segment::Line(x, y) => vec![(x, y)],
        Segment::Cubic(a, b, c, d, e, f) => vec![(a, b), (c, d), (e, f)],
        Segment::Close => vec![],
    })
}

/// The path as AbbreviatedData, each point mapped by `t`.
fn abbreviated(segments: &[Segment], t: &Transform) -> String {
    let mut s = String::new();
    let mut push = |cmd: &str, pts: &[(f64, f64)]| {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(cmd);
        for &p in pts {
            let (x, y) = apply(t, p);
            s.push(' ');
            s.push_str(&num(x));
            s.push(' ');
            s.push_str(&num(y));
        }
    };
    for seg in segments {
        match *seg {
            Segment::Move(x, y) => push("M", &[(x, y)]),
            Segment::Line(x, y) => push("L", &[(x, y)]),
            Segment::Cubic(a, b, c, d, e, f) => push("B", &[(a, b), (c, d), (e, f)]),
            Segment::Close => push("C", &[]),
        }
    }
    s
}

/// Deltas as GB/T 33190 writes them, with `g N v` for runs of equal values.
fn deltas(values: &[f64]) -> String {
    let texts: Vec<String> = values.iter().map(|v| num(*v)).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < texts.len() {
        let mut j = i + 1;
        while j < texts.len() && texts[j] == texts[i] {
            j += 1;
        }
        if j - i >= 3 {
            out.push(format!("g {} {}", j - i, texts[i]));
        } else {
            out.extend(texts[i..j].iter().cloned());
        }
        i = j;
    }
    out.join(" ")
}

/// The object's boundary (its box on the page) and the CTM from the
/// object's coordinates to the boundary's, for an object whose own
/// coordinates map to the page by `t` and whose ink lies in `local`.
fn place(t: &Transform, local: Bbox) -> (Bbox, Transform) {
    let corners = [
        (local.x0, local.y0),
        (local.x1, local.y0),
        (local.x0, local.y1),
        (local.x1, local.y1),
    ];
    let b = Bbox::of(corners.iter().map(|&p| apply(t, p))).unwrap_or(local);
    let ctm = concat(&[1.0, 0.0, 0.0, 1.0, -b.x0, -b.y0], t);
    (b, ctm)
}

fn is_translation(t: &Transform) -> bool {
    t[0] == 1.0 && t[1] == 0.0 && t[2] == 0.0 && t[3] == 1.0
}

fn ctm_text(t: &Transform) -> String {
    t.iter().map(|v| num(*v)).collect::<Vec<_>>().join(" ")
}

fn color_attr(c: Color) -> String {
    format!("{} {} {}", c.r, c.g, c.b)
}

fn write_color(x: &mut Xml, name: &str, c: Color, cs: u64) {
    let mut attrs = vec![("Value", color_attr(c)), ("ColorSpace", cs.to_string())];
    if c.a != 255 {
        attrs.push(("Alpha", c.a.to_string()));
    }
    x.empty(name, &attrs);
}

fn stroke_attrs(attrs: &mut Vec<(&'static str, String)>, s: &Stroke) {
    attrs.push(("LineWidth", num(s.width)));
    match s.cap {
        LineCap::Butt => {}
        LineCap::Round => attrs.push(("Cap", "Round".into())),
        LineCap::Square => attrs.push(("Cap", "Square".into())),
    }
    match s.join {
        LineJoin::Miter => {}
        LineJoin::Round => attrs.push(("Join", "Round".into())),
        LineJoin::Bevel => attrs.push(("Join", "Bevel".into())),
    }
    if (s.miter_limit - 4.234).abs() > 1e-3 && s.join == LineJoin::Miter {
        attrs.push(("MiterLimit", num(s.miter_limit)));
    }
    if let Some((pattern, phase)) = &s.dash {
        if !pattern.is_empty() {
            attrs.push(("DashOffset", num(*phase)));
            attrs.push((
                "DashPattern",
                pattern
                    .iter()
                    .map(|v| num(*v))
                    .collect::<Vec<_>>()
                    .join(" "),
            ));
        }
    }
}

/// What pass one learns of a font: the glyphs it shows and the character
/// each glyph stands for alone (the `cmap` of its subset).
#[derive(Default)]
struct FontUse {
    glyphs: BTreeSet<u16>,
    chars: BTreeMap<char, u16>,
}

fn font_uses(doc: &Document) -> Vec<FontUse> {
    let mut uses: Vec<FontUse> = doc.fonts.iter().map(|_| FontUse::default()).collect();
    for page in &doc.pages {
        for o in &page.objects {
            let Object::Text(t) = &o.object else { continue };
            let u = &mut uses[t.font];
            for c in clusters(t) {
                u.glyphs.extend(&c.glyphs);
                let mut chars = c.text.chars();
                if let (Some(ch), None, [g]) = (chars.next(), chars.next(), c.glyphs.as_slice()) {
                    u.chars.entry(xml_char(ch)).or_insert(*g);
                }
            }
        }
    }
    uses
}

/// Writes the document as an OFD package (a zip).
pub fn write(doc: &Document) -> Result<Vec<u8>, Error> {
    check(doc)?;
    let archive = doc.profile == Profile::Archive;
    let uses = font_uses(doc);
    let mut programs = Vec::with_capacity(doc.fonts.len());
    for (f, u) in doc.fonts.iter().zip(&uses) {
        let p = font::program(f.data.bytes(), f.index, &u.glyphs, &u.chars, !archive)
            .map_err(|e| Error(format!("font {}: {e}", f.name)))?;
        programs.push(p);
    }

    let mut ids = Ids(0);
    let cs_id = ids.next();
    let font_ids: Vec<u64> = doc.fonts.iter().map(|_| ids.next()).collect();
    let image_ids: Vec<u64> = doc.images.iter().map(|_| ids.next()).collect();
    let page_ids: Vec<u64> = doc.pages.iter().map(|_| ids.next()).collect();

    // Pages.
    let mut page_xml = Vec::with_capacity(doc.pages.len());
    for page in &doc.pages {
        let mut x = Xml::new();
        x.open_root("ofd:Page");
        x.open("ofd:Area", &[]);
        x.text_element(
            "ofd:PhysicalBox",
            &format!("0 0 {} {}", num(page.width), num(page.height)),
        );
        x.close("ofd:Area");
        x.open("ofd:Content", &[]);
        x.open(
            "ofd:Layer",
            &[("ID", ids.next().to_string()), ("Type", "Body".into())],
        );
        for o in &page.objects {
            write_object(
                &mut x, doc, &uses, &programs, &font_ids, &image_ids, cs_id, &mut ids, o,
            );
        }
        x.close("ofd:Layer");
        x.close("ofd:Content");
        x.close("ofd:Page");
        page_xml.push(x.finish());
    }
    let max_id = ids.0;

    // Resources: the colour space and fonts are public, images the document's.
    let mut public = Xml::new();
    public.open_root_with("ofd:Res", &[("BaseLoc", "Res".into())]);
    public.open("ofd:ColorSpaces", &[]);
    public.empty(
        "ofd:ColorSpace",
        &[
            ("ID", cs_id.to_string()),
            ("Type", "RGB".into()),
            ("BitsPerComponent", "8".into()),
        ],
    );
    public.close("ofd:ColorSpaces");
    if !doc.fonts.is_empty() {
        public.open("ofd:Fonts", &[]);
        for ((f, p), id) in doc.fonts.iter().zip(&programs).zip(&font_ids) {
            let mut attrs = vec![
                ("ID", id.to_string()),
                ("FontName", f.name.clone()),
                ("FamilyName", f.family.clone()),
            ];
            for (flag, name) in [
                (f.bold, "Bold"),
                (f.italic, "Italic"),
                (f.serif, "Serif"),
                (f.fixed_width, "FixedWidth"),
            ] {
                if flag {
                    attrs.push((name, "true".into()));
                }
            }
            public.open("ofd:Font", &attrs);
            public.text_element("ofd:FontFile", &format!("font_{id}.{}", p.extension));
            public.close("ofd:Font");
        }
        public.close("ofd:Fonts");
    }
    public.close("ofd:Res");

    let mut docres = Xml::new();
    docres.open_root_with("ofd:Res", &[("BaseLoc", "Res".into())]);
    if !doc.images.is_empty() {
        docres.open("ofd:MultiMedias", &[]);
        for (im, id) in doc.images.iter().zip(&image_ids) {
            docres.open(
                "ofd:MultiMedia",
                &[
                    ("ID", id.to_string()),
                    ("Type", "Image".into()),
                    ("Format", im.format.ofd_name().into()),
                ],
            );
            docres.text_element(
                "ofd:MediaFile",
                &format!("image_{id}.{}", im.format.extension()),
            );
            docres.close("ofd:MultiMedia");
        }
        docres.close("ofd:MultiMedias");
    }
    docres.close("ofd:Res");

    // The document root.
    let first = &doc.pages[0];
    let mut d = Xml::new();
    d.open_root("ofd:Document");
    d.open("ofd:CommonData", &[]);
    d.text_element("ofd:MaxUnitID", &max_id.to_string());
    d.open("ofd:PageArea", &[]);
    d.text_element(
        "ofd:PhysicalBox",
        &format!("0 0 {} {}", num(first.width), num(first.height)),
    );
    d.close("ofd:PageArea");
    d.text_element("ofd:PublicRes", "PublicRes.xml");
    d.text_element("ofd:DocumentRes", "DocumentRes.xml");
    d.text_element("ofd:DefaultCS", &cs_id.to_string());
    d.close("ofd:CommonData");
    d.open("ofd:Pages", &[]);
    for (i, id) in page_ids.iter().enumerate() {
        d.empty(
            "ofd:Page",
            &[
                ("ID", id.to_string()),
                ("BaseLoc", format!("Pages/Page_{i}/Content.xml")),
            ],
        );
    }
    d.close("ofd:Pages");
    if !doc.outline.is_empty() {
        d.open("ofd:Outlines", &[]);
        for item in &doc.outline {
            write_outline(&mut d, item, &page_ids);
        }
        d.close("ofd:Outlines");
    }
    d.close("ofd:Document");

    // The entry.
    let info = &doc.info;
    let mut o = Xml::new();
    o.open_root_with(
        "ofd:OFD",
        &[
            ("Version", "1.0".into()),
            ("DocType", if archive { "OFD-A" } else { "OFD" }.into()),
        ],
    );
    o.open("ofd:DocBody", &[]);
    o.open("ofd:DocInfo", &[]);
    o.text_element("ofd:DocID", &info.doc_id);
    for (name, v) in [
        ("ofd:Title", &info.title),
        ("ofd:Author", &info.author),
        ("ofd:Subject", &info.subject),
        ("ofd:CreationDate", &info.creation_date),
    ] {
        if let Some(v) = v {
            o.text_element(name, v);
        }
    }
    if !info.keywords.is_empty() {
        o.open("ofd:Keywords", &[]);
        for k in &info.keywords {
            o.text_element("ofd:Keyword", k);
        }
        o.close("ofd:Keywords");
    }
    for (name, v) in [
        ("ofd:Creator", &info.creator),
        ("ofd:CreatorVersion", &info.creator_version),
    ] {
        if let Some(v) = v {
            o.text_element(name, v);
        }
    }
    if !info.custom.is_empty() {
        o.open("ofd:CustomDatas", &[]);
        for (k, v) in &info.custom {
            o.open("ofd:CustomData", &[("Name", k.clone())]);
            o.text(v);
            o.close("ofd:CustomData");
        }
        o.close("ofd:CustomDatas");
    }
    o.close("ofd:DocInfo");
    o.text_element("ofd:DocRoot", "Doc_0/Document.xml");
    o.close("ofd:DocBody");
    o.close("ofd:OFD");

    // The package, in a fixed order with fixed times.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let store = deflate.compression_method(zip::CompressionMethod::Stored);
    let mut put = |name: &str, bytes: &[u8], stored: bool| -> Result<(), Error> {
        zip.start_file(name, if stored { store } else { deflate })
            .and_then(|_| zip.write_all(bytes).map_err(Into::into))
            .map_err(|e| Error(format!("cannot write {name} into the package: {e}")))
    };
    put("OFD.xml", &o.finish(), false)?;
    put("Doc_0/Document.xml", &d.finish(), false)?;
    put("Doc_0/PublicRes.xml", &public.finish(), false)?;
    put("Doc_0/DocumentRes.xml", &docres.finish(), false)?;
    for (i, bytes) in page_xml.iter().enumerate() {
        put(&format!("Doc_0/Pages/Page_{i}/Content.xml"), bytes, false)?;
    }
    for (p, id) in programs.iter().zip(&font_ids) {
        put(
            &format!("Doc_0/Res/font_{id}.{}", p.extension),
            &p.bytes,
            false,
        )?;
    }
    for (im, id) in doc.images.iter().zip(&image_ids) {
        put(
            &format!("Doc_0/Res/image_{id}.{}", im.format.extension()),
            im.data.bytes(),
            true,
        )?;
    }
    let out = zip
        .finish()
        .map_err(|e| Error(format!("cannot finish the package: {e}")))?;
    Ok(out.into_inner())
}

fn write_outline(d: &mut Xml, item: &OutlineItem, page_ids: &[u64]) {
    let mut attrs = vec![("Title", item.title.clone())];
    if !item.children.is_empty() {
        attrs.push(("Count", item.children.len().to_string()));
    }
    d.open("ofd:OutlineElem", &attrs);
    if let Some(id) = page_ids.get(item.page) {
        d.open("ofd:Actions", &[]);
        d.open("ofd:Action", &[("Event", "CLICK".into())]);
        d.open("ofd:Goto", &[]);
        d.empty(
            "ofd:Dest",
            &[
                ("Type", "XYZ".into()),
                ("PageID", id.to_string()),
                ("Left", num(item.x)),
                ("Top", num(item.y)),
            ],
        );
        d.close("ofd:Goto");
        d.close("ofd:Action");
        d.close("ofd:Actions");
    }
    for c in &item.children {
        write_outline(d, c, page_ids);
    }
    d.close("ofd:OutlineElem");
}

/// The clips that cut into the object's box (GB/T 42133 6.3.2a: a clip
/// that holds the whole box is left out), in the object's own space
/// (GB/T 33190 8.4 and 8.5: a clip's area is given in the coordinates of
/// the object it modifies, before the object's CTM, from the top left
/// corner of its Boundary). `ctm` is the object's CTM, if it has one.
fn write_clips(x: &mut Xml, clips: &[std::sync::Arc<Clip>], b: &Bbox, ctm: Option<&Transform>) {
    let cutting: Vec<&Clip> = clips
        .iter()
        .filter_map(|c| Some((&**c, Bbox::of(segment_points(&c.segments))?)))
        .filter(|(c, cb)| !(is_rect(&c.segments) && cb.contains(b)))
        .map(|(c, _)| c)
        .collect();
    if cutting.is_empty() {
        return;
    }
    // Page to object space: undo the Boundary's offset, then the CTM.
    let to_object = concat(
        &ctm.and_then(invert).unwrap_or(IDENTITY),
        &[1.0, 0.0, 0.0, 1.0, -b.x0, -b.y0],
    );
    x.open("ofd:Clips", &[]);
    for c in cutting {
        let segments = map_segments(&c.segments, &to_object);
        let Some(cb) = Bbox::of(segment_points(&segments)) else {
            continue;
        };
        x.open("ofd:Clip", &[]);
        x.open("ofd:Area", &[]);
        x.open(
            "ofd:Path",
            &[("Boundary", cb.text()), ("Fill", "true".into())],
        );
        x.text_element(
            "ofd:AbbreviatedData",
            &abbreviated(&segments, &[1.0, 0.0, 0.0, 1.0, -cb.x0, -cb.y0]),
        );
        x.close("ofd:Path");
        x.close("ofd:Area");
        x.close("ofd:Clip");
    }
    x.close("ofd:Clips");
}

/// A path with every point mapped.
fn map_segments(segments: &[Segment], t: &Transform) -> Vec<Segment> {
    segments
        .iter()
        .map(|s| match *s {
            Segment::Move(x, y) => {
                let (x, y) = apply(t, (x, y));
                Segment::Move(x, y)
            }
            Segment::Line(x, y) => {
                let (x, y) = apply(t, (x, y));
                Segment::Line(x, y)
            }
            Segment::Cubic(a, b, c, d, e, f) => {
                let (a, b) = apply(t, (a, b));
                let (c, d) = apply(t, (c, d));
                let (e, f) = apply(t, (e, f));
                Segment::Cubic(a, b, c, d, e, f)
            }
            Segment::Close => Segment::Close,
        })
        .collect()
}

/// Whether a path is an axis-aligned rectangle (then its box is its area).
fn is_rect(segments: &[Segment]) -> bool {
    let pts: Vec<(f64, f64)> = segments
        .iter()
        .filter_map(|s| match *s {
            Segment::Move(x, y) | Segment::Line(x, y) => Some((x, y)),
            Segment::Cubic(..) => Some((f64::NAN, f64::NAN)),
            Segment::Close => None,
        })
        .collect();
    if pts.iter().any(|p| p.0.is_nan()) || !(4..=5).contains(&pts.len()) {
        return false;
    }
    let Some(b) = Bbox::of(pts.iter().copied()) else {
        return false;
    };
    let on = |v: f64, a: f64, c: f64| (v - a).abs() < 1e-6 || (v - c).abs() < 1e-6;
    pts.iter()
        .all(|&(x, y)| on(x, b.x0, b.x1) && on(y, b.y0, b.y1))
}

#[allow(clippy::too_many_arguments)]
fn write_object(
    x: &mut Xml,
    doc: &Document,
    uses: &[FontUse],
    programs: &[font::Program],
    font_ids: &[u64],
    image_ids: &[u64],
    cs: u64,
    ids: &mut Ids,
    placed: &Placed,
) {
    match &placed.object {
        Object::Text(t) => {
            let list = clusters(t);
            if list.is_empty() {
                return;
            }
            let remap = &programs[t.font].remap;
            let cmap = &uses[t.font].chars;
            let (mut xs, mut ys) = (Vec::new(), Vec::new());
            let mut text = String::new();
            // (code position, code count, glyphs)
            let mut transforms: Vec<(usize, usize, Vec<u16>)> = Vec::new();
            for c in &list {
                let chars: Vec<char> = c.text.chars().map(xml_char).collect();
                let plain = chars.len() == 1
                    && c.glyphs.len() == 1
                    && cmap.get(&chars[0]) == Some(&c.glyphs[0]);
                if !plain {
                    let glyphs = c
                        .glyphs
                        .iter()
                        .map(|g| remap.get(g).copied().unwrap_or(0))
                        .collect();
                    transforms.push((xs.len(), chars.len(), glyphs));
                }
                for ch in chars {
                    text.push(ch);
                    xs.push(c.x);
                    ys.push(c.y);
                }
            }
            let local = Bbox::of(xs.iter().zip(&ys).map(|(a, b)| (*a, *b)))
                .map(|b| Bbox {
                    x0: b.x0 - 0.1 * t.size,
                    y0: b.y0 - 1.1 * t.size,
                    x1: b.x1 + 1.1 * t.size,
                    y1: b.y1 + 0.4 * t.size,
                })
                .unwrap_or(Bbox {
                    x0: 0.0,
                    y0: 0.0,
                    x1: 0.0,
                    y1: 0.0,
                });
            let (b, ctm) = place(&t.transform, local);
            let (origin, ctm) = if is_translation(&ctm) {
                ((ctm[4], ctm[5]), None)
            } else {
                ((0.0, 0.0), Some(ctm))
            };
            let mut attrs = vec![
                ("ID", ids.next().to_string()),
                ("Boundary", b.text()),
                ("Font", font_ids[t.font].to_string()),
                ("Size", num(t.size)),
            ];
            if let Some(ctm) = &ctm {
                attrs.push(("CTM", ctm_text(ctm)));
            }
            if let Some(s) = &t.stroke {
                attrs.push(("Stroke", "true".into()));
                stroke_attrs(&mut attrs, s);
            }
            x.open("ofd:TextObject", &attrs);
            write_clips(x, &placed.clips, &b, ctm.as_ref());
            write_color(x, "ofd:FillColor", t.fill, cs);
            if let Some(s) = &t.stroke {
                write_color(x, "ofd:StrokeColor", s.color, cs);
            }
            for (pos, count, glyphs) in &transforms {
                x.open(
                    "ofd:CGTransform",
                    &[
                        ("CodePosition", pos.to_string()),
                        ("CodeCount", count.to_string()),
                        ("GlyphCount", glyphs.len().to_string()),
                    ],
                );
                x.text_element(
                    "ofd:Glyphs",
                    &glyphs
                        .iter()
                        .map(|g| g.to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                );
                x.close("ofd:CGTransform");
            }
            let dx: Vec<f64> = xs.windows(2).map(|w| w[1] - w[0]).collect();
            let dy: Vec<f64> = ys.windows(2).map(|w| w[1] - w[0]).collect();
            let mut attrs = vec![("X", num(xs[0] + origin.0)), ("Y", num(ys[0] + origin.1))];
            if !dx.is_empty() {
                attrs.push(("DeltaX", deltas(&dx)));
            }
            if dy.iter().any(|v| num(*v) != "0") {
                attrs.push(("DeltaY", deltas(&dy)));
            }
            x.open("ofd:TextCode", &attrs);
            x.text(&text);
            x.close("ofd:TextCode");
            x.close("ofd:TextObject");
        }
        Object::Path(p) => {
            let Some(local) = Bbox::of(segment_points(&p.segments)) else {
                return;
            };
            if p.fill.is_none() && p.stroke.is_none() {
                return;
            }
            let half = p.stroke.as_ref().map_or(0.0, |s| s.width / 2.0);
            let (b, ctm) = place(&p.transform, local.grow(half));
            let (data, ctm) = if is_translation(&ctm) {
                (abbreviated(&p.segments, &ctm), None)
            } else {
                (abbreviated(&p.segments, &IDENTITY), Some(ctm))
            };
            let mut attrs = vec![("ID", ids.next().to_string()), ("Boundary", b.text())];
            if let Some(ctm) = &ctm {
                attrs.push(("CTM", ctm_text(ctm)));
            }
            match &p.stroke {
                Some(s) => stroke_attrs(&mut attrs, s),
                None => attrs.push(("Stroke", "false".into())),
            }
            if p.fill.is_some() {
                attrs.push(("Fill", "true".into()));
                if p.even_odd {
                    attrs.push(("Rule", "Even-Odd".into()));
                }
            }
            x.open("ofd:PathObject", &attrs);
            write_clips(x, &placed.clips, &b, ctm.as_ref());
            if let Some(s) = &p.stroke {
                write_color(x, "ofd:StrokeColor", s.color, cs);
            }
            if let Some(f) = p.fill {
                write_color(x, "ofd:FillColor", f, cs);
            }
            x.text_element("ofd:AbbreviatedData", &data);
            x.close("ofd:PathObject");
        }
        Object::Image(i) => {
            let (b, ctm) = place(
                &i.transform,
                Bbox {
                    x0: 0.0,
                    y0: 0.0,
                    x1: 1.0,
                    y1: 1.0,
                },
            );
            let attrs = vec![
                ("ID", ids.next().to_string()),
                ("Boundary", b.text()),
                ("CTM", ctm_text(&ctm)),
                ("ResourceID", image_ids[i.image].to_string()),
            ];
            let clips = !placed.clips.is_empty();
            if clips {
                x.open("ofd:ImageObject", &attrs);
                write_clips(x, &placed.clips, &b, Some(&ctm));
                x.close("ofd:ImageObject");
            } else {
                x.empty("ofd:ImageObject", &attrs);
            }
            let _ = doc;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_use_the_repeat_form_for_runs() {
        assert_eq!(deltas(&[3.5, 3.5, 3.5, 1.0, 2.0, 2.0]), "g 3 3.5 1 2 2");
        assert_eq!(deltas(&[]), "");
    }

    #[test]
    fn place_maps_the_box_and_keeps_the_object_inside() {
        let (b, ctm) = place(
            &[1.0, 0.0, 0.0, 1.0, 10.0, 20.0],
            Bbox {
                x0: 0.0,
                y0: -5.0,
                x1: 30.0,
                y1: 2.0,
            },
        );
        assert_eq!((b.x0, b.y0, b.x1, b.y1), (10.0, 15.0, 40.0, 22.0));
        assert_eq!(ctm, [1.0, 0.0, 0.0, 1.0, 0.0, 5.0]);
    }
}

#[cfg(test)]
mod document_tests {
    use super::*;
    use std::io::Read;

    fn fandol() -> Font {
        let (_, bytes) = bulletin_fonts::EMBEDDED[0];
        Font {
            name: "FandolSong-Regular".into(),
            family: "FandolSong".into(),
            bold: false,
            italic: false,
            serif: true,
            fixed_width: false,
            data: Data::new(bytes),
            index: 0,
        }
    }

    fn gid(c: char) -> u16 {
        let face = ttf_parser::Face::parse(bulletin_fonts::EMBEDDED[0].1, 0).unwrap();
        face.glyph_index(c).unwrap().0
    }

    fn part(bytes: &[u8], name: &str) -> Vec<u8> {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut f = z.by_name(name).unwrap();
        let mut out = Vec::new();
        f.read_to_end(&mut out).unwrap();
        out
    }

    fn one_run(text: &str, glyphs: Vec<Glyph>, clips: Vec<std::sync::Arc<Clip>>) -> Document {
        Document {
            fonts: vec![fandol()],
            pages: vec![Page {
                width: 210.0,
                height: 297.0,
                objects: vec![Placed {
                    object: Object::Text(Text {
                        font: 0,
                        size: 5.6,
                        fill: Color::BLACK,
                        stroke: None,
                        text: text.into(),
                        glyphs,
                        transform: [1.0, 0.0, 0.0, 1.0, 20.0, 40.0],
                    }),
                    clips,
                }],
            }],
            ..Document::default()
        }
    }

    #[test]
    fn text_keeps_its_characters_and_the_subset_maps_them_to_their_glyphs() {
        let text = "简报工作";
        let glyphs = text
            .char_indices()
            .enumerate()
            .map(|(i, (at, c))| Glyph {
                id: gid(c),
                x: 5.6 * i as f64,
                y: 0.0,
                text: at..at + c.len_utf8(),
            })
            .collect();
        let bytes = write(&one_run(text, glyphs, vec![])).unwrap();
        let page = String::from_utf8(part(&bytes, "Doc_0/Pages/Page_0/Content.xml")).unwrap();
        assert!(page.contains(">简报工作</ofd:TextCode>"), "{page}");
        assert!(page.contains("DeltaX=\"g 3 5.6\""), "{page}");
        assert!(
            !page.contains("CGTransform"),
            "one glyph a character: {page}"
        );
        let res = String::from_utf8(part(&bytes, "Doc_0/PublicRes.xml")).unwrap();
        let file = res
            .split("<ofd:FontFile>")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap();
        let font = part(&bytes, &format!("Doc_0/Res/{file}"));
        let face = ttf_parser::Face::parse(&font, 0).unwrap();
        // A subset: .notdef and the four glyphs.
        assert_eq!(face.number_of_glyphs(), 5);
        let mut seen = BTreeSet::new();
        for c in text.chars() {
            let g = face
                .glyph_index(c)
                .unwrap_or_else(|| panic!("{c} not in the cmap"));
            assert!(g.0 > 0 && seen.insert(g.0));
            assert!(
                face.outline_glyph(g, &mut Sink).is_some(),
                "{c} has no outline"
            );
        }
    }

    struct Sink;
    impl ttf_parser::OutlineBuilder for Sink {
        fn move_to(&mut self, _: f32, _: f32) {}
        fn line_to(&mut self, _: f32, _: f32) {}
        fn quad_to(&mut self, _: f32, _: f32, _: f32, _: f32) {}
        fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, _: f32, _: f32) {}
        fn close(&mut self) {}
    }

    #[test]
    fn glyphs_that_are_not_one_a_character_get_a_cg_transform() {
        // 简 with its glyph; "fi" as one glyph (a ligature: two characters);
        // then 简 drawn with another glyph (an alternate: the cmap maps 简 to
        // its first glyph).
        let text = "简fi简";
        let glyphs = vec![
            Glyph {
                id: gid('简'),
                x: 0.0,
                y: 0.0,
                text: 0..3,
            },
            Glyph {
                id: gid('f'),
                x: 5.6,
                y: 0.0,
                text: 3..5,
            },
            Glyph {
                id: gid('报'),
                x: 8.6,
                y: 0.0,
                text: 5..8,
            },
        ];
        let bytes = write(&one_run(text, glyphs, vec![])).unwrap();
        let page = String::from_utf8(part(&bytes, "Doc_0/Pages/Page_0/Content.xml")).unwrap();
        assert!(page.contains(">简fi简</ofd:TextCode>"), "{page}");
        assert!(
            page.contains("CodePosition=\"1\" CodeCount=\"2\" GlyphCount=\"1\""),
            "{page}"
        );
        assert!(
            page.contains("CodePosition=\"3\" CodeCount=\"1\" GlyphCount=\"1\""),
            "{page}"
        );
        assert!(!page.contains("CodePosition=\"0\""), "{page}");
        assert!(page.contains("DeltaX=\"5.6 0 3\""), "{page}");
    }

    fn rect(x: f64, y: f64, w: f64, h: f64) -> std::sync::Arc<Clip> {
        std::sync::Arc::new(Clip {
            segments: vec![
                Segment::Move(x, y),
                Segment::Line(x + w, y),
                Segment::Line(x + w, y + h),
                Segment::Line(x, y + h),
                Segment::Close,
            ],
        })
    }

    /// GB/T 42133 6.3.2a: a clip that holds the object's box is left out; one
    /// that cuts into it is written.
    #[test]
    fn clips_are_written_only_where_they_cut() {
        let run = |clip| {
            let g = vec![Glyph {
                id: gid('简'),
                x: 0.0,
                y: 0.0,
                text: 0..3,
            }];
            let bytes = write(&one_run("简", g, vec![clip])).unwrap();
            String::from_utf8(part(&bytes, "Doc_0/Pages/Page_0/Content.xml")).unwrap()
        };
        assert!(!run(rect(0.0, 0.0, 210.0, 297.0)).contains("Clips"));
        assert!(run(rect(0.0, 0.0, 22.0, 297.0)).contains("<ofd:Clips><ofd:Clip><ofd:Area>"));
    }

    /// The numbers of an attribute or of an element's text.
    fn numbers(xml: &str, after: &str, start: &str, end: &str) -> Vec<f64> {
        let at = xml
            .find(after)
            .unwrap_or_else(|| panic!("{after} in {xml}"));
        let rest = &xml[at..];
        let i = rest.find(start).unwrap() + start.len();
        let j = i + rest[i..].find(end).unwrap();
        rest[i..j]
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect()
    }

    /// GB/T 33190 8.4 and 8.5: a clip's area is in the space of the object it
    /// modifies. Mapping the written clip's corners back (the Area path's
    /// Boundary offset, then the object's CTM, then the object's Boundary
    /// offset) gives the clip's corners on the page: for a text object,
    /// whose space is its Boundary's, and for an image, whose CTM scales the
    /// unit square to its size.
    /// The corners of the first clip `write_clips` writes for an object of
    /// Boundary `b` and CTM `ctm`, mapped back to the page: the Area path's
    /// Boundary offset, then the object's CTM, then its Boundary offset.
    fn clip_on_page(
        clip: &std::sync::Arc<Clip>,
        b: &Bbox,
        ctm: Option<&Transform>,
    ) -> Vec<(f64, f64)> {
        let mut x = Xml::new();
        x.open_root("R");
        write_clips(&mut x, std::slice::from_ref(clip), b, ctm);
        x.close("R");
        let xml = String::from_utf8(x.finish()).unwrap();
        let pb = numbers(&xml, "ofd:Path", "Boundary=\"", "\"");
        let data = numbers(&xml, "ofd:AbbreviatedData", ">", "<");
        data.chunks(2)
            .take(4)
            .map(|p| {
                let (ox, oy) = apply(ctm.unwrap_or(&IDENTITY), (pb[0] + p[0], pb[1] + p[1]));
                (b.x0 + ox, b.y0 + oy)
            })
            .collect()
    }

    /// GB/T 33190 8.4 and 8.5: a clip's area is in the space of the object it
    /// modifies. Mapped back, the written clip is the clip on the page: for a
    /// text object, whose space is its Boundary's, and for an image, whose
    /// CTM scales the unit square to its size.
    #[test]
    fn clips_are_written_in_the_space_of_the_object_they_cut() {
        let clip = rect(30.0, 40.0, 12.0, 9.0);
        let corners = [(30.0, 40.0), (42.0, 40.0), (42.0, 49.0), (30.0, 49.0)];
        let text_box = Bbox {
            x0: 25.0,
            y0: 35.0,
            x1: 60.0,
            y1: 45.0,
        };
        // An image 50 by 40 mm at (20, 30): Boundary 20 30 50 40, CTM 50 0 0 40 0 0.
        let image_box = Bbox {
            x0: 20.0,
            y0: 30.0,
            x1: 70.0,
            y1: 70.0,
        };
        let ctm = [50.0, 0.0, 0.0, 40.0, 0.0, 0.0];
        for (b, ctm) in [(&text_box, None), (&image_box, Some(&ctm))] {
            let got = clip_on_page(&clip, b, ctm);
            assert_eq!(got.len(), 4);
            for (g, w) in got.iter().zip(&corners) {
                assert!(
                    (g.0 - w.0).abs() < 1e-2 && (g.1 - w.1).abs() < 1e-2,
                    "{got:?}"
                );
            }
        }
    }

    #[test]
    fn bad_documents_are_refused_with_a_reason() {
        let mut doc = one_run("简", vec![], vec![]);
        doc.pages[0].width = f64::NAN;
        assert!(write(&doc).unwrap_err().0.contains("page 1"));
        let mut doc = one_run(
            "简",
            vec![Glyph {
                id: 1,
                x: 0.0,
                y: 0.0,
                text: 0..9,
            }],
            vec![],
        );
        assert!(write(&doc).is_err());
        doc.pages.clear();
        assert!(write(&doc).is_err());
        let doc = Document {
            images: vec![Image {
                format: ImageFormat::Jpeg,
                data: Data::new(b"GIF89a".to_vec()),
            }],
            pages: vec![Page {
                width: 1.0,
                height: 1.0,
                objects: vec![],
            }],
            ..Document::default()
        };
        assert!(write(&doc).unwrap_err().0.contains("not JPEG"));
    }

    #[test]
    fn archive_profile_says_ofd_a() {
        let mut doc = one_run("简", vec![], vec![]);
        doc.profile = Profile::Archive;
        let bytes = write(&doc).unwrap();
        let entry = String::from_utf8(part(&bytes, "OFD.xml")).unwrap();
        assert!(entry.contains("DocType=\"OFD-A\""), "{entry}");
        assert!(entry.contains("xmlns:ofd=\"http://www.ofdspec.org/2016\""));
    }
}
