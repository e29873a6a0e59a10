//! OFD export (GB/T 33190-2016), and its archival profile OFD-A
//! (GB/T 42133-2022): the laid-out pages the PDF comes from, walked into
//! bulletin-ofd's page model (text with its glyphs and characters, shapes,
//! images, clips), with the PDF's outline and metadata.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use bulletin_ofd as ofd;
use typst::layout::{Abs, Frame, FrameItem, Point, Transform};
use typst::model::Document as _;
use typst::text::{Font, TextItem};
use typst::visualize::{
    Curve, CurveItem, FixedStroke, Geometry, Image, ImageKind, LineCap, LineJoin, Paint,
};
use typst_layout::PagedDocument;

use crate::error::{Error, Result};
use crate::pipeline::Rendered;

/// Millimetres in a point.
const MM: f64 = 25.4 / 72.0;

/// Exports a laid-out issue as an OFD package; with `archive`, as OFD-A.
/// The same issue gives the same bytes.
pub fn export_ofd(rendered: &Rendered, archive: bool) -> Result<Vec<u8>> {
    let data = &rendered.data;
    let mut doc = convert(&rendered.document)?;
    let d = data.issue.date;
    let ident = format!(
        "bulletin-pdf/{}/{}/{}",
        data.bulletin.name, data.issue.number, data.issue.date_text
    );
    let hash: String = {
        use sha2::Digest;
        sha2::Sha256::digest(ident.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let info = rendered.document.info();
    let title = info
        .title
        .as_ref()
        .map(|t| t.to_string())
        .unwrap_or_else(|| data.bulletin.name.clone());
    let date = format!("{:04}-{:02}-{:02}", d.year, d.month, d.day);
    let mut custom = vec![
        ("题名".to_string(), title.clone()),
        ("责任者".to_string(), data.bulletin.office.clone()),
        ("日期".to_string(), date.clone()),
        ("期号".to_string(), data.issue.number.clone()),
    ];
    if let Some(s) = &data.issue.secrecy {
        custom.push(("密级".to_string(), s.clone()));
    }
    doc.info = ofd::DocInfo {
        doc_id: hash[..32].to_string(),
        title: Some(title),
        author: (!info.author.is_empty())
            .then(|| info.author.join(", "))
            .or_else(|| (!data.bulletin.office.is_empty()).then(|| data.bulletin.office.clone())),
        subject: info.description.as_ref().map(|s| s.to_string()),
        keywords: info.keywords.iter().map(|k| k.to_string()).collect(),
        creation_date: Some(date),
        creator: Some("bulletin-pdf".into()),
        creator_version: Some(env!("CARGO_PKG_VERSION").into()),
        custom,
    };
    doc.profile = if archive {
        ofd::Profile::Archive
    } else {
        ofd::Profile::Ofd
    };
    ofd::write(&doc).map_err(|e| Error::output(format!("OFD export: {e}")))
}

/// The export an output's name asks for: `.ofd` is OFD (OFD-A with
/// `archive`), anything else PDF.
pub fn export_for(path: &Path, rendered: &Rendered, archive: bool) -> Result<Vec<u8>> {
    if is_ofd(path) {
        export_ofd(rendered, archive)
    } else {
        crate::pdf::export_pdf(rendered)
    }
}

/// Whether an output's name ends in `.ofd`.
pub fn is_ofd(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("ofd"))
}

fn mm(a: Abs) -> f64 {
    a.to_pt() * MM
}

/// A Typst transform (points) as a map in millimetres.
fn to_mm(t: &Transform) -> ofd::Transform {
    [
        t.sx.get(),
        t.ky.get(),
        t.kx.get(),
        t.sy.get(),
        mm(t.tx),
        mm(t.ty),
    ]
}

fn color(p: &Paint) -> ofd::Color {
    let c = match p {
        Paint::Solid(c) => c.clone(),
        // Gradients and tilings are not written as such: their middle colour
        // stands for them.
        Paint::Gradient(g) => g.sample(typst::visualize::RatioOrAngle::Ratio(
            typst::layout::Ratio::new(0.5),
        )),
        Paint::Tiling(_) => typst::visualize::Color::BLACK,
    };
    // As typst-render converts (a CMYK red becomes the sRGB red it shows).
    let (r, g, b, a) = c.to_rgb().into_format::<u8, u8>().into_components();
    ofd::Color { r, g, b, a }
}

fn stroke(s: &FixedStroke) -> ofd::Stroke {
    ofd::Stroke {
        color: color(&s.paint),
        width: mm(s.thickness),
        cap: match s.cap {
            LineCap::Butt => ofd::LineCap::Butt,
            LineCap::Round => ofd::LineCap::Round,
            LineCap::Square => ofd::LineCap::Square,
        },
        join: match s.join {
            LineJoin::Miter => ofd::LineJoin::Miter,
            LineJoin::Round => ofd::LineJoin::Round,
            LineJoin::Bevel => ofd::LineJoin::Bevel,
        },
        miter_limit: s.miter_limit.get(),
        dash: s
            .dash
            .as_ref()
            .map(|d| (d.array.iter().map(|a| mm(*a)).collect(), mm(d.phase))),
    }
}

fn curve_segments(c: &Curve) -> Vec<ofd::Segment> {
    c.0.iter()
        .map(|item| match *item {
            CurveItem::Move(p) => ofd::Segment::Move(mm(p.x), mm(p.y)),
            CurveItem::Line(p) => ofd::Segment::Line(mm(p.x), mm(p.y)),
            CurveItem::Cubic(a, b, p) => {
                ofd::Segment::Cubic(mm(a.x), mm(a.y), mm(b.x), mm(b.y), mm(p.x), mm(p.y))
            }
            CurveItem::Close => ofd::Segment::Close,
        })
        .collect()
}

fn rect(w: f64, h: f64) -> Vec<ofd::Segment> {
    vec![
        ofd::Segment::Move(0.0, 0.0),
        ofd::Segment::Line(w, 0.0),
        ofd::Segment::Line(w, h),
        ofd::Segment::Line(0.0, h),
        ofd::Segment::Close,
    ]
}

/// What the walk collects: the fonts and images, each once.
#[derive(Default)]
struct Resources {
    fonts: Vec<ofd::Font>,
    font_index: HashMap<Font, usize>,
    images: Vec<ofd::Image>,
    image_index: HashMap<Image, usize>,
}

impl Resources {
    fn font(&mut self, font: &Font) -> usize {
        if let Some(&i) = self.font_index.get(font) {
            return i;
        }
        let info = font.info();
        let name = font
            .post_script_name()
            .unwrap_or_else(|| info.family.replace(' ', ""));
        let f = ofd::Font {
            name,
            family: info.family.clone(),
            bold: info.variant.weight.to_number() >= 600,
            italic: info.variant.style != typst::text::FontStyle::Normal,
            serif: info.flags.contains(typst::text::FontFlags::SERIF),
            fixed_width: info.flags.contains(typst::text::FontFlags::MONOSPACE),
            data: ofd::Data::new(font.data().clone()),
            index: font.index(),
        };
        self.fonts.push(f);
        self.font_index.insert(font.clone(), self.fonts.len() - 1);
        self.fonts.len() - 1
    }

    /// The image as JPEG or PNG: as it is when it is one, else drawn at
    /// 300 ppi by typst-render and encoded as PNG.
    fn image(&mut self, image: &Image, size: typst::layout::Size) -> Result<usize> {
        if let Some(&i) = self.image_index.get(image) {
            return Ok(i);
        }
        use typst::visualize::{ExchangeFormat, RasterFormat};
        let direct = match image.kind() {
            ImageKind::Raster(r) => match r.format() {
                RasterFormat::Exchange(ExchangeFormat::Jpg) => {
                    Some((ofd::ImageFormat::Jpeg, r.data().clone()))
                }
                RasterFormat::Exchange(ExchangeFormat::Png) => {
                    Some((ofd::ImageFormat::Png, r.data().clone()))
                }
                _ => None,
            },
            _ => None,
        };
        let im = match direct {
            Some((format, bytes)) => ofd::Image {
                format,
                data: ofd::Data::new(bytes),
            },
            None => {
                let mut frame = Frame::soft(size);
                frame.push(
                    Point::zero(),
                    FrameItem::Image(image.clone(), size, typst::syntax::Span::detached()),
                );
                let page = typst_layout::Page {
                    frame,
                    bleed: typst::layout::Sides::splat(Abs::zero()),
                    fill: typst::foundations::Smart::Custom(None),
                    numbering: None,
                    supplement: typst::foundations::Content::empty(),
                    number: 1,
                };
                let pixmap = typst_render::render(
                    &page,
                    &typst_render::RenderOptions {
                        pixel_per_pt: (300.0 / 72.0_f64).into(),
                        render_bleed: false,
                    },
                );
                let png = pixmap.encode_png().map_err(|e| {
                    Error::output(format!("OFD export: cannot encode an image as PNG: {e}"))
                })?;
                ofd::Image {
                    format: ofd::ImageFormat::Png,
                    data: ofd::Data::new(png),
                }
            }
        };
        self.images.push(im);
        self.image_index
            .insert(image.clone(), self.images.len() - 1);
        Ok(self.images.len() - 1)
    }
}

fn text(res: &mut Resources, t: &TextItem, ts: &Transform) -> ofd::Text {
    let size = t.size;
    let mut x = Abs::zero();
    let mut y = Abs::zero();
    let mut glyphs = Vec::with_capacity(t.glyphs.len());
    for g in &t.glyphs {
        glyphs.push(ofd::Glyph {
            id: g.id,
            x: mm(x + g.x_offset.at(size)),
            y: -mm(y + g.y_offset.at(size)),
            text: g.range(),
        });
        x += g.x_advance.at(size);
        y += g.y_advance.at(size);
    }
    ofd::Text {
        font: res.font(t.font.font()),
        size: mm(size),
        fill: color(&t.fill),
        stroke: t.stroke.as_ref().map(stroke),
        text: t.text.to_string(),
        glyphs,
        transform: to_mm(ts),
    }
}

fn walk(
    res: &mut Resources,
    frame: &Frame,
    ts: Transform,
    clips: &[Arc<ofd::Clip>],
    out: &mut Vec<ofd::Placed>,
) -> Result<()> {
    for (pos, item) in frame.items() {
        let at = ts.pre_concat(Transform::translate(pos.x, pos.y));
        let object = match item {
            FrameItem::Group(g) => {
                let inner = at.pre_concat(g.transform);
                let mut clips = clips.to_vec();
                if let Some(c) = &g.clip {
                    let t = to_mm(&inner);
                    let segments = curve_segments(c)
                        .into_iter()
                        .map(|s| map_segment(&t, s))
                        .collect();
                    clips.push(Arc::new(ofd::Clip { segments }));
                }
                walk(res, &g.frame, inner, &clips, out)?;
                continue;
            }
            FrameItem::Text(t) => ofd::Object::Text(text(res, t, &at)),
            FrameItem::Shape(shape, _) => {
                let segments = match &shape.geometry {
                    Geometry::Line(p) => vec![
                        ofd::Segment::Move(0.0, 0.0),
                        ofd::Segment::Line(mm(p.x), mm(p.y)),
                    ],
                    Geometry::Rect(s) => rect(mm(s.x), mm(s.y)),
                    Geometry::Curve(c) => curve_segments(c),
                };
                let line = matches!(shape.geometry, Geometry::Line(_));
                ofd::Object::Path(ofd::Path {
                    segments,
                    fill: shape.fill.as_ref().filter(|_| !line).map(color),
                    even_odd: shape.fill_rule == typst::visualize::FillRule::EvenOdd,
                    stroke: shape.stroke.as_ref().map(stroke),
                    transform: to_mm(&at),
                })
            }
            FrameItem::Image(image, size, _) => {
                let i = res.image(image, *size)?;
                let unit = at.pre_concat(Transform::scale(
                    typst::layout::Ratio::new(size.x.to_pt()),
                    typst::layout::Ratio::new(size.y.to_pt()),
                ));
                // The scale is in points: the unit square becomes the image's box.
                let mut t = to_mm(&unit);
                for v in &mut t[..4] {
                    *v *= MM;
                }
                ofd::Object::Image(ofd::ImagePlacement {
                    image: i,
                    transform: t,
                })
            }
            FrameItem::Link(..) | FrameItem::Tag(_) => continue,
        };
        out.push(ofd::Placed {
            object,
            clips: clips.to_vec(),
        });
    }
    Ok(())
}

fn map_segment(t: &ofd::Transform, s: ofd::Segment) -> ofd::Segment {
    let p = |x, y| ofd::apply(t, (x, y));
    match s {
        ofd::Segment::Move(x, y) => {
            let (x, y) = p(x, y);
            ofd::Segment::Move(x, y)
        }
        ofd::Segment::Line(x, y) => {
            let (x, y) = p(x, y);
            ofd::Segment::Line(x, y)
        }
        ofd::Segment::Cubic(a, b, c, d, e, f) => {
            let (a, b) = p(a, b);
            let (c, d) = p(c, d);
            let (e, f) = p(e, f);
            ofd::Segment::Cubic(a, b, c, d, e, f)
        }
        ofd::Segment::Close => ofd::Segment::Close,
    }
}

/// The pages, fonts, images and outline of a laid-out document.
pub fn convert(document: &PagedDocument) -> Result<ofd::Document> {
    let mut res = Resources::default();
    let mut pages = Vec::with_capacity(document.pages().len());
    for page in document.pages() {
        let size = page.frame.size();
        let mut objects = Vec::new();
        if let Some(fill) = page.fill_or_transparent() {
            let c = color(&fill);
            if c != ofd::Color::rgb(255, 255, 255) {
                objects.push(ofd::Placed {
                    object: ofd::Object::Path(ofd::Path {
                        segments: rect(mm(size.x), mm(size.y)),
                        fill: Some(c),
                        even_odd: false,
                        stroke: None,
                        transform: ofd::IDENTITY,
                    }),
                    clips: vec![],
                });
            }
        }
        walk(
            &mut res,
            &page.frame,
            Transform::identity(),
            &[],
            &mut objects,
        )?;
        pages.push(ofd::Page {
            width: mm(size.x),
            height: mm(size.y),
            objects,
        });
    }
    Ok(ofd::Document {
        info: ofd::DocInfo::default(),
        profile: ofd::Profile::Ofd,
        fonts: res.fonts,
        images: res.images,
        pages,
        outline: outline(document),
    })
}

/// The outline: the bookmarked headings, as the PDF's.
fn outline(document: &PagedDocument) -> Vec<ofd::OutlineItem> {
    use typst::foundations::{NativeElement, Packed, StyleChain};
    use typst::introspection::Introspector;
    use typst::model::{HeadingElem, OutlineNode};
    let intro = document.introspector();
    let elems = intro.query(&HeadingElem::ELEM.select());
    let flat: Vec<_> = elems
        .iter()
        .filter_map(|e| {
            let h = e.to_packed::<HeadingElem>()?;
            let level = h.resolve_level(StyleChain::default());
            let include = h
                .bookmarked
                .get(StyleChain::default())
                .unwrap_or_else(|| h.outlined.get(StyleChain::default()));
            Some((h, level, include))
        })
        .collect();
    let tree = OutlineNode::build_tree(flat);
    /// A heading's page (from 0) and point (mm).
    type Locate<'a> = dyn Fn(&Packed<HeadingElem>) -> Option<(usize, f64, f64)> + 'a;
    fn convert(
        nodes: &[OutlineNode<&Packed<HeadingElem>>],
        intro: &Locate,
    ) -> Vec<ofd::OutlineItem> {
        nodes
            .iter()
            .filter_map(|n| {
                let (page, x, y) = intro(n.entry)?;
                let text = n.entry.body.plain_text();
                let title = match &n.entry.numbers {
                    Some(num) => format!("{num} {text}"),
                    None => text.to_string(),
                };
                Some(ofd::OutlineItem {
                    title,
                    page,
                    x,
                    y,
                    children: convert(&n.children, intro),
                })
            })
            .collect()
    }
    let position = |h: &Packed<HeadingElem>| {
        let pos = intro.position(h.location()?)?;
        Some((pos.page.get() - 1, mm(pos.point.x), mm(pos.point.y)))
    };
    convert(&tree, &position)
}
