//! The page model the writer takes: no Typst types, millimetres, y down.

/// An affine map `[a, b, c, d, e, f]`: x' = a·x + c·y + e, y' = b·x + d·y + f
/// (the CTM of GB/T 33190-2016 8.2, and PDF's), in millimetres.
pub type Transform = [f64; 6];

/// The identity map.
pub const IDENTITY: Transform = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a` after `b`: the map that applies `b` first, then `a`.
pub fn concat(a: &Transform, b: &Transform) -> Transform {
    [
        a[0] * b[0] + a[2] * b[1],
        a[1] * b[0] + a[3] * b[1],
        a[0] * b[2] + a[2] * b[3],
        a[1] * b[2] + a[3] * b[3],
        a[0] * b[4] + a[2] * b[5] + a[4],
        a[1] * b[4] + a[3] * b[5] + a[5],
    ]
}

/// The inverse of a map, if it has one.
pub fn invert(t: &Transform) -> Option<Transform> {
    let det = t[0] * t[3] - t[1] * t[2];
    if !det.is_finite() || det.abs() < 1e-12 {
        return None;
    }
    let (a, b, c, d) = (t[3] / det, -t[1] / det, -t[2] / det, t[0] / det);
    Some([a, b, c, d, -(a * t[4] + c * t[5]), -(b * t[4] + d * t[5])])
}

/// Applies a map to a point.
pub fn apply(t: &Transform, (x, y): (f64, f64)) -> (f64, f64) {
    (t[0] * x + t[2] * y + t[4], t[1] * x + t[3] * y + t[5])
}

/// Which profile the package follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// GB/T 33190-2016.
    #[default]
    Ofd,
    /// OFD-A, the archival profile of GB/T 42133-2022: DocType OFD-A, and a
    /// font that cannot be subset or an image that is not JPEG/PNG is an
    /// error instead of being embedded whole.
    Archive,
}

/// An sRGB colour with alpha (0–255).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: u8,
}

impl Color {
    pub const BLACK: Color = Color::rgb(0, 0, 0);
    pub const fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color { r, g, b, a: 255 }
    }
}

/// The document's metadata (DocInfo).
#[derive(Debug, Clone, Default)]
pub struct DocInfo {
    /// 32 hexadecimal digits (a UUID without dashes), stable for the same
    /// document.
    pub doc_id: String,
    pub title: Option<String>,
    pub author: Option<String>,
    pub subject: Option<String>,
    pub keywords: Vec<String>,
    /// `YYYY-MM-DD`.
    pub creation_date: Option<String>,
    pub creator: Option<String>,
    pub creator_version: Option<String>,
    /// Name and value (CustomDatas).
    pub custom: Vec<(String, String)>,
}

/// A font program the text uses: the whole font file, subset on writing.
#[derive(Debug, Clone)]
pub struct Font {
    /// The PostScript name (FontName).
    pub name: String,
    pub family: String,
    pub bold: bool,
    pub italic: bool,
    pub serif: bool,
    pub fixed_width: bool,
    pub data: Data,
    /// The face in a collection.
    pub index: u32,
}

/// The formats of images the writer embeds as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
}

impl ImageFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
        }
    }
    fn name(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "JPEG",
            ImageFormat::Png => "PNG",
        }
    }
    pub(crate) fn ofd_name(self) -> &'static str {
        self.name()
    }
}

/// An image resource (MultiMedia).
#[derive(Debug, Clone)]
pub struct Image {
    pub format: ImageFormat,
    pub data: Data,
}

/// A glyph of a text run.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// The glyph in the font (before subsetting).
    pub id: u16,
    /// Its origin on the baseline, in the run's coordinates (mm).
    pub x: f64,
    pub y: f64,
    /// The byte range of the characters it stands for in the run's text.
    /// Glyphs of one cluster share a range; a ligature's range holds several
    /// characters.
    pub text: std::ops::Range<usize>,
}

/// A run of text in one font and size.
#[derive(Debug, Clone)]
pub struct Text {
    /// An index into [`Document::fonts`].
    pub font: usize,
    /// The font size (mm).
    pub size: f64,
    pub fill: Color,
    pub stroke: Option<Stroke>,
    pub text: String,
    pub glyphs: Vec<Glyph>,
    /// The run's coordinates to the page's.
    pub transform: Transform,
}

/// A stroke.
#[derive(Debug, Clone, PartialEq)]
pub struct Stroke {
    pub color: Color,
    /// mm.
    pub width: f64,
    pub cap: LineCap,
    pub join: LineJoin,
    pub miter_limit: f64,
    /// Dash lengths and phase (mm).
    pub dash: Option<(Vec<f64>, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineCap {
    #[default]
    Butt,
    Round,
    Square,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineJoin {
    #[default]
    Miter,
    Round,
    Bevel,
}

/// A segment of a path (mm).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Segment {
    Move(f64, f64),
    Line(f64, f64),
    Cubic(f64, f64, f64, f64, f64, f64),
    Close,
}

/// A shape: rules, borders, filled areas.
#[derive(Debug, Clone)]
pub struct Path {
    pub segments: Vec<Segment>,
    pub fill: Option<Color>,
    pub even_odd: bool,
    pub stroke: Option<Stroke>,
    pub transform: Transform,
}

/// An image placed on a page: it fills the unit square of its transform.
#[derive(Debug, Clone)]
pub struct ImagePlacement {
    /// An index into [`Document::images`].
    pub image: usize,
    pub transform: Transform,
}

/// A clip area: a path in page coordinates (mm), non-zero winding.
#[derive(Debug, Clone)]
pub struct Clip {
    pub segments: Vec<Segment>,
}

/// What a page holds, in painting order.
#[derive(Debug, Clone)]
pub enum Object {
    Text(Text),
    Path(Path),
    Image(ImagePlacement),
}

/// An object with the clip areas it is drawn inside (all of them).
#[derive(Debug, Clone)]
pub struct Placed {
    pub object: Object,
    pub clips: Vec<std::sync::Arc<Clip>>,
}

/// A page.
#[derive(Debug, Clone)]
pub struct Page {
    /// mm.
    pub width: f64,
    pub height: f64,
    pub objects: Vec<Placed>,
}

/// An outline entry: a title that goes to a point of a page.
#[derive(Debug, Clone)]
pub struct OutlineItem {
    pub title: String,
    /// 0-based.
    pub page: usize,
    /// The point at the top left of the view (mm).
    pub x: f64,
    pub y: f64,
    pub children: Vec<OutlineItem>,
}

/// A document to write.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub info: DocInfo,
    pub profile: Profile,
    pub fonts: Vec<Font>,
    pub images: Vec<Image>,
    pub pages: Vec<Page>,
    pub outline: Vec<OutlineItem>,
}

/// Shared bytes of a font or image file (not copied: a font may be
/// megabytes, and the same for every document of a batch).
#[derive(Clone)]
pub struct Data(pub std::sync::Arc<dyn AsRef<[u8]> + Send + Sync>);

impl Data {
    pub fn new(bytes: impl AsRef<[u8]> + Send + Sync + 'static) -> Data {
        Data(std::sync::Arc::new(bytes))
    }
    pub fn bytes(&self) -> &[u8] {
        (*self.0).as_ref()
    }
}

impl std::fmt::Debug for Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} bytes>", self.bytes().len())
    }
}
