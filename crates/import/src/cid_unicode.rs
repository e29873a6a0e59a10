//! Unicode for glyphs of embedded CID-keyed fonts that have no ToUnicode
//! map, recovered from the original font.
//!
//! XeLaTeX (xdvipdfmx) embeds OpenType CFF fonts — ctex's default Fandol
//! fonts on Linux among them — as CID-keyed CFF subsets with the
//! Identity-H/V encoding and no ToUnicode map, so the PDF alone does not
//! say which character a glyph is. It does say which glyph of which font:
//! the subset keeps the original font's glyph ids as its CIDs (the subset's
//! charset maps each of its own glyph ids to that CID), and the font's
//! PostScript name (after the `ABCDEF+` subset tag) names the original
//! font. With the original at hand, its `cmap` read backwards gives the
//! character, as poppler's `pdftotext` does.
//!
//! The original is looked for among the Fandol fonts embedded in the
//! binary ([`bulletin_fonts::EMBEDDED`]), then among the installed system
//! fonts (scanned once, and only when a PDF needs it). Nothing is trusted
//! by name alone: a font with the same name but other glyphs (another
//! version, another font that took the name) would turn the text into
//! plausible-looking garbage. So a font is only used when
//!
//! - a sample of the subset's glyphs have the same outlines as the glyphs
//!   of the original they are mapped to, and the characters the subset
//!   maps to are mostly CJK, ASCII and the punctuation and symbols around
//!   them;
//! - and then each glyph drawn is itself compared, outline against
//!   outline, before its character is used; a font whose glyphs keep
//!   failing that comparison is dropped altogether.
//!
//! Whatever is not recovered stays unmapped (U+FFFD and the reader's
//! notice, or its "cannot be extracted" error), as without this module.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use hayro_interpret::font::{FontData, Glyph, OutlineGlyph};
use kurbo::{BezPath, PathEl, Shape};
use ttf_parser::GlyphId;

/// The character of a glyph that has no Unicode mapping in the PDF, from
/// the original of its (embedded, subset) font; `None` when it cannot be
/// had with confidence.
pub fn recover(glyph: &Glyph<'_>) -> Option<String> {
    let Glyph::Outline(g) = glyph else {
        return None;
    };
    let data = g.font_data()?;
    let key = (
        data.cache_key,
        Arc::as_ptr(&data.data) as *const () as usize,
    );
    let mut fonts = lock(&SUBSETS);
    let fonts = fonts.get_or_insert_with(HashMap::new);
    if !fonts.contains_key(&key) {
        if fonts.len() >= MAX_SUBSETS {
            fonts.clear();
        }
        let subset = data
            .postscript_name
            .as_deref()
            .and_then(|name| Subset::new(&data.data, name));
        fonts.insert(key, (data.data.clone(), subset));
    }
    let (_, subset) = fonts.get_mut(&key)?;
    let c = subset.as_mut()?.char_of(g)?;
    Some(c.to_string())
}

/// Subset fonts remembered at most (they hold their font data); beyond,
/// the cache starts again.
const MAX_SUBSETS: usize = 256;
/// Original fonts remembered at most (a system font's bytes are copied).
const MAX_ORIGINALS: usize = 8;
/// Glyphs of a subset compared with the original before it is used.
const SAMPLES: usize = 8;

/// The embedded fonts seen, by font cache key and data address (the entry
/// holds the data, so the address stays that font's while it is here):
/// the data and what was made of it (`None`: not recoverable).
type SubsetCache = HashMap<(u128, usize), (FontData, Option<Subset>)>;
static SUBSETS: Mutex<Option<SubsetCache>> = Mutex::new(None);

/// Original fonts by PostScript name (`None`: not found or not usable).
type OriginalCache = HashMap<String, Option<Arc<Original>>>;
static ORIGINALS: Mutex<Option<OriginalCache>> = Mutex::new(None);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// An embedded subset font mapped to its original.
struct Subset {
    original: Arc<Original>,
    /// Per glyph id of the subset: the glyph id in the original.
    to_original: Vec<u16>,
    /// Per glyph id of the subset: the verdict once the glyph was drawn.
    verdicts: HashMap<u16, Option<char>>,
    /// Glyphs compared when drawn, and how many of them differed.
    compared: u32,
    differed: u32,
}

impl Subset {
    /// The subset font in `data` named `name` (with or without its subset
    /// tag), mapped to its original, if the original is found and agrees.
    fn new(data: &FontData, name: &str) -> Option<Subset> {
        let bytes: &[u8] = (**data).as_ref();
        let font = FontFile::parse(bytes)?;
        let n = font.number_of_glyphs();
        if n < 2 {
            return None;
        }
        let cids: Vec<u16> = (0..n).map(|g| font.cid(g)).collect();
        let original = original(base_name(name))?;
        // The CIDs are the original's glyph ids (xdvipdfmx, most
        // subsetters); or, for a CID-keyed original whose CIDs are not its
        // glyph ids, its CIDs. The outlines decide.
        let mut readings = vec![cids.clone()];
        if let Some(by_cid) = &original.gid_of_cid {
            readings.push(
                cids.iter()
                    .map(|c| by_cid.get(c).copied().unwrap_or(0))
                    .collect(),
            );
        }
        readings
            .into_iter()
            .find(|to_original| agrees(&font, &original, to_original))
            .map(|to_original| Subset {
                original,
                to_original,
                verdicts: HashMap::new(),
                compared: 0,
                differed: 0,
            })
    }

    /// The character of a glyph drawn in this font, after comparing its
    /// outline (as the PDF interpreter draws it) with the original's.
    fn char_of(&mut self, g: &OutlineGlyph) -> Option<char> {
        let gid = u16::try_from(g.glyph_id().to_u32()).ok()?;
        if let Some(v) = self.verdicts.get(&gid) {
            return *v;
        }
        // A font whose glyphs keep differing from the original's is not
        // that font: nothing more of it is mapped.
        if self.differed >= 3 && self.differed * 4 > self.compared {
            return None;
        }
        let verdict = self
            .to_original
            .get(usize::from(gid))
            .and_then(|&og| self.original.chars.get(&og).map(|&c| (og, c)))
            .and_then(|(og, c)| {
                let same = self
                    .original
                    .outline(og)
                    .is_some_and(|o| same_outline(&g.outline(), &o));
                self.compared += 1;
                if !same {
                    self.differed += 1;
                }
                same.then_some(c)
            });
        self.verdicts.insert(gid, verdict);
        verdict
    }
}

/// Whether the subset read through `to_original` is the original: sampled
/// outlines match, and the characters it maps to are plausible text.
fn agrees(font: &FontFile<'_>, original: &Original, to_original: &[u16]) -> bool {
    let n = to_original.len();
    let chars: Vec<char> = to_original
        .iter()
        .skip(1)
        .filter_map(|g| original.chars.get(g).copied())
        .collect();
    // Most glyphs have a character (a few may be reached only through
    // glyph substitution, vertical forms for instance)…
    if chars.len() * 2 < n - 1 {
        return false;
    }
    // …and those characters are what a Chinese document is made of.
    let plausible = chars.iter().filter(|c| plausible(**c)).count();
    if plausible * 5 < chars.len() * 4 {
        return false;
    }
    // Outlines of glyphs spread over the subset, empty ones skipped.
    let step = ((n - 1) / SAMPLES).max(1);
    let (mut sampled, mut same) = (0, 0);
    let mut gid = 1;
    while gid < n && sampled < SAMPLES {
        // The first glyph with an outline from here on.
        let found = (gid..n.min(gid + step)).find_map(|g| {
            let o = font.outline(g as u16)?;
            (!o.elements().is_empty()).then_some((g, o))
        });
        if let Some((g, o)) = found {
            sampled += 1;
            if original
                .outline(to_original[g])
                .is_some_and(|p| same_outline(&o, &p))
            {
                same += 1;
            }
        }
        gid += step;
    }
    sampled > 0 && same * 4 >= sampled * 3 && (sampled < 3 || same >= 3)
}

/// Whether a character is one a (Chinese) document is mostly made of.
fn plausible(c: char) -> bool {
    matches!(u32::from(c),
        0x20..=0x7E             // ASCII
        | 0xA0..=0x24F          // Latin-1, Latin Extended-A and -B (pinyin)
        | 0x2B0..=0x2FF         // spacing modifiers (ˇ ˉ)
        | 0x370..=0x4FF         // Greek, Cyrillic (in GB 2312)
        | 0x2000..=0x27BF       // punctuation, letterlike, arrows, maths, boxes, shapes, symbols
        | 0x2E80..=0x2FDF       // CJK and Kangxi radicals
        | 0x3000..=0x33FF       // CJK punctuation, kana, bopomofo, enclosed, compatibility
        | 0x3400..=0x4DBF       // CJK Extension A
        | 0x4E00..=0x9FFF       // CJK Unified Ideographs
        | 0xF900..=0xFAFF       // CJK Compatibility Ideographs
        | 0xFE10..=0xFE1F       // vertical forms
        | 0xFE30..=0xFE6F       // CJK compatibility and small forms
        | 0xFF00..=0xFFEF       // half- and full-width forms
        | 0x20000..=0x3134F     // CJK Extensions B–G
    )
}

/// Whether two outlines (at 1000 units per em) are the same glyph, loosely:
/// the same bounding box within 2% of the em, about as many contours, and
/// about the same inked area.
fn same_outline(a: &BezPath, b: &BezPath) -> bool {
    let (ea, eb) = (a.elements().is_empty(), b.elements().is_empty());
    if ea || eb {
        return ea && eb;
    }
    let (ra, rb) = (a.bounding_box(), b.bounding_box());
    let tol = 20.0;
    if (ra.x0 - rb.x0).abs() > tol
        || (ra.x1 - rb.x1).abs() > tol
        || (ra.y0 - rb.y0).abs() > tol
        || (ra.y1 - rb.y1).abs() > tol
    {
        return false;
    }
    let contours = |p: &BezPath| {
        p.elements()
            .iter()
            .filter(|e| matches!(e, PathEl::MoveTo(_)))
            .count()
    };
    if contours(a).abs_diff(contours(b)) > 1 {
        return false;
    }
    let (aa, ab) = (a.area().abs(), b.area().abs());
    let big = aa.max(ab);
    big < 1.0 || (aa - ab).abs() <= 0.1 * big
}

/// A font's PostScript name without its subset tag (`ABCDEF+`) and a CMap
/// name that some producers append to a Type 0 font's name.
fn base_name(name: &str) -> &str {
    let name = match name.split_once('+') {
        Some((tag, rest)) if tag.len() == 6 && tag.bytes().all(|b| b.is_ascii_uppercase()) => rest,
        _ => name,
    };
    ["-Identity-H", "-Identity-V"]
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .unwrap_or(name)
}

/// A font file as the PDF embeds it: a bare CFF font (FontFile3) or an
/// OpenType/TrueType font.
enum FontFile<'a> {
    Cff(Box<ttf_parser::cff::Table<'a>>),
    Sfnt(Box<ttf_parser::Face<'a>>),
}

impl<'a> FontFile<'a> {
    fn parse(data: &'a [u8]) -> Option<FontFile<'a>> {
        if data.first() == Some(&1) {
            if let Some(t) = ttf_parser::cff::Table::parse(data) {
                return Some(FontFile::Cff(Box::new(t)));
            }
        }
        ttf_parser::Face::parse(data, 0)
            .ok()
            .map(|f| FontFile::Sfnt(Box::new(f)))
    }

    fn number_of_glyphs(&self) -> usize {
        usize::from(match self {
            FontFile::Cff(t) => t.number_of_glyphs(),
            FontFile::Sfnt(f) => f.number_of_glyphs(),
        })
    }

    /// A glyph's CID (for a CID-keyed CFF font), or else its glyph id.
    fn cid(&self, gid: usize) -> u16 {
        let g = GlyphId(gid as u16);
        match self {
            FontFile::Cff(t) => t.glyph_cid(g),
            FontFile::Sfnt(f) => f.tables().cff.and_then(|t| t.glyph_cid(g)),
        }
        .unwrap_or(g.0)
    }

    /// A glyph's outline at 1000 units per em.
    fn outline(&self, gid: u16) -> Option<BezPath> {
        match self {
            FontFile::Cff(t) => {
                let m = t.matrix();
                let scale = if m.sx.is_finite() && m.sx > 0.0 {
                    f64::from(m.sx) * 1000.0
                } else {
                    1.0
                };
                let mut pen = Pen::new(scale);
                match t.outline(GlyphId(gid), &mut pen) {
                    Ok(_) | Err(ttf_parser::CFFError::ZeroBBox) => Some(pen.path),
                    Err(_) => None,
                }
            }
            FontFile::Sfnt(f) => outline_of(f, gid),
        }
    }
}

fn outline_of(face: &ttf_parser::Face<'_>, gid: u16) -> Option<BezPath> {
    let upem = f64::from(face.units_per_em());
    if upem <= 0.0 {
        return None;
    }
    let mut pen = Pen::new(1000.0 / upem);
    face.outline_glyph(GlyphId(gid), &mut pen);
    Some(pen.path)
}

/// Collects an outline into a path, scaled.
struct Pen {
    path: BezPath,
    scale: f64,
}

impl Pen {
    fn new(scale: f64) -> Pen {
        Pen {
            path: BezPath::new(),
            scale,
        }
    }

    fn p(&self, x: f32, y: f32) -> kurbo::Point {
        kurbo::Point::new(f64::from(x) * self.scale, f64::from(y) * self.scale)
    }
}

impl ttf_parser::OutlineBuilder for Pen {
    fn move_to(&mut self, x: f32, y: f32) {
        let p = self.p(x, y);
        self.path.move_to(p);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.p(x, y);
        self.path.line_to(p);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (a, b) = (self.p(x1, y1), self.p(x, y));
        self.path.quad_to(a, b);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (a, b, c) = (self.p(x1, y1), self.p(x2, y2), self.p(x, y));
        self.path.curve_to(a, b, c);
    }
    fn close(&mut self) {
        self.path.close_path();
    }
}

/// An original font: its bytes, its cmap read backwards.
struct Original {
    data: Cow<'static, [u8]>,
    index: u32,
    /// Glyph id → the character it is for.
    chars: HashMap<u16, char>,
    /// For a CID-keyed CFF font whose CIDs are not its glyph ids: CID →
    /// glyph id.
    gid_of_cid: Option<HashMap<u16, u16>>,
}

impl Original {
    fn new(data: Cow<'static, [u8]>, index: u32) -> Option<Original> {
        let face = ttf_parser::Face::parse(&data, index).ok()?;
        let chars = reverse_cmap(&face);
        if chars.is_empty() {
            return None;
        }
        let gid_of_cid = face.tables().cff.and_then(|cff| {
            let mut map = HashMap::new();
            let mut identity = true;
            for g in 0..face.number_of_glyphs() {
                if let Some(cid) = cff.glyph_cid(GlyphId(g)) {
                    identity &= cid == g;
                    map.insert(cid, g);
                }
            }
            (!identity && !map.is_empty()).then_some(map)
        });
        Some(Original {
            data,
            index,
            chars,
            gid_of_cid,
        })
    }

    fn outline(&self, gid: u16) -> Option<BezPath> {
        let face = ttf_parser::Face::parse(&self.data, self.index).ok()?;
        outline_of(&face, gid)
    }
}

/// A font's Unicode cmap backwards: glyph id → character. Of several
/// characters drawn with one glyph, a compatibility, radical or
/// private-use one gives way to the ordinary one, then the lowest wins.
fn reverse_cmap(face: &ttf_parser::Face<'_>) -> HashMap<u16, char> {
    let rank = |c: char| -> (u8, u32) {
        let u = u32::from(c);
        let r = match u {
            0xE000..=0xF8FF | 0xF0000.. => 3,
            0xF900..=0xFAFF | 0x2F800..=0x2FA1F => 2,
            0x2E80..=0x2FDF | 0xFE10..=0xFE1F | 0xFE30..=0xFE4F => 1,
            _ => 0,
        };
        (r, u)
    };
    let mut chars: HashMap<u16, char> = HashMap::new();
    let Some(cmap) = face.tables().cmap else {
        return chars;
    };
    for sub in cmap.subtables.into_iter().filter(|s| s.is_unicode()) {
        sub.codepoints(|cp| {
            let Some(c) = char::from_u32(cp) else {
                return;
            };
            if c.is_control() {
                return;
            }
            let Some(g) = sub.glyph_index(cp) else {
                return;
            };
            if g.0 == 0 {
                return;
            }
            chars
                .entry(g.0)
                .and_modify(|old| {
                    if rank(c) < rank(*old) {
                        *old = c;
                    }
                })
                .or_insert(c);
        });
    }
    chars
}

/// The original font of that PostScript name: an embedded Fandol font, or
/// an installed one.
fn original(name: &str) -> Option<Arc<Original>> {
    if name.is_empty() {
        return None;
    }
    let mut cache = lock(&ORIGINALS);
    let cache = cache.get_or_insert_with(HashMap::new);
    if let Some(o) = cache.get(name) {
        return o.clone();
    }
    let found = embedded(name)
        .and_then(|data| Original::new(Cow::Borrowed(data), 0))
        .or_else(|| {
            let (data, index) = system(name)?;
            Original::new(Cow::Owned(data), index)
        })
        .map(Arc::new);
    if cache.len() >= MAX_ORIGINALS {
        cache.clear();
    }
    cache.insert(name.to_string(), found.clone());
    found
}

/// The PostScript name of a font (face `index` of `data`).
fn postscript_name(data: &[u8], index: u32) -> Option<String> {
    let face = ttf_parser::Face::parse(data, index).ok()?;
    face.names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
        .find_map(|n| n.to_string())
}

/// The embedded font of that PostScript name.
fn embedded(name: &str) -> Option<&'static [u8]> {
    static NAMES: OnceLock<Vec<(String, &'static [u8])>> = OnceLock::new();
    NAMES
        .get_or_init(|| {
            bulletin_fonts::EMBEDDED
                .iter()
                .filter_map(|(_, data)| Some((postscript_name(data, 0)?, *data)))
                .collect()
        })
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, d)| *d)
}

/// The installed font of that PostScript name: its bytes and face index.
/// The system's fonts are scanned once, when first needed.
fn system(name: &str) -> Option<(Vec<u8>, u32)> {
    static DB: OnceLock<fontdb::Database> = OnceLock::new();
    let db = DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        db
    });
    let face = db.faces().find(|f| f.post_script_name == name)?;
    db.with_face_data(face.id, |data, index| (data.to_vec(), index))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fandol(file: &str) -> &'static [u8] {
        bulletin_fonts::EMBEDDED
            .iter()
            .find(|(n, _)| *n == file)
            .map(|(_, d)| *d)
            .unwrap()
    }

    #[test]
    fn names_lose_their_subset_tag_and_cmap() {
        assert_eq!(base_name("GCVZAQ+FandolSong-Bold"), "FandolSong-Bold");
        assert_eq!(
            base_name("CYNWEJ+FandolSong-Regular-Identity-H"),
            "FandolSong-Regular"
        );
        assert_eq!(base_name("FandolHei-Regular"), "FandolHei-Regular");
        assert_eq!(base_name("abc+Foo"), "abc+Foo");
    }

    #[test]
    fn embedded_fandol_fonts_are_found_by_postscript_name() {
        for name in [
            "FandolSong-Regular",
            "FandolSong-Bold",
            "FandolHei-Regular",
            "FandolHei-Bold",
            "FandolFang-Regular",
            "FandolKai-Regular",
        ] {
            assert!(embedded(name).is_some(), "{name}");
        }
        assert!(embedded("FandolSong-Light").is_none());
    }

    #[test]
    fn the_reverse_cmap_gives_each_glyph_its_character() {
        let o = original("FandolSong-Regular").expect("embedded");
        let face = ttf_parser::Face::parse(&o.data, 0).unwrap();
        for c in "信息简报第期县委办公室年月日，。“”、（）0123456789ABC".chars()
        {
            let g = face.glyph_index(c).unwrap_or_else(|| panic!("{c}"));
            assert_eq!(o.chars.get(&g.0), Some(&c), "{c}");
        }
        // Most of Fandol is plausible text (the rest: Yi syllables, in
        // GB 18030 but not what a bulletin is written in).
        let all = o.chars.values().filter(|c| plausible(**c)).count();
        assert!(all * 100 > o.chars.len() * 85, "{all} of {}", o.chars.len());
    }

    #[test]
    fn outlines_compare_loosely() {
        let o = original("FandolSong-Regular").unwrap();
        let face = ttf_parser::Face::parse(&o.data, 0).unwrap();
        let g = |c: char| face.glyph_index(c).unwrap().0;
        let a = o.outline(g('简')).unwrap();
        assert!(same_outline(&a, &a));
        // A hair off (a different rasteriser's rounding) is the same.
        let nudged = kurbo::Affine::translate((3.0, -2.0)) * a.clone();
        assert!(same_outline(&a, &nudged));
        // Other characters are not.
        for c in "报信一口国".chars() {
            assert!(!same_outline(&a, &o.outline(g(c)).unwrap()), "{c}");
        }
        // Nor is the same character in another font.
        let bold = original("FandolHei-Regular").unwrap();
        let hei = ttf_parser::Face::parse(&bold.data, 0).unwrap();
        let b = bold.outline(hei.glyph_index('简').unwrap().0).unwrap();
        assert!(!same_outline(&a, &b));
        assert!(same_outline(&BezPath::new(), &BezPath::new()));
        assert!(!same_outline(&a, &BezPath::new()));
    }

    #[test]
    fn plausible_text() {
        for c in "简报，。A1“”—①■★々".chars() {
            assert!(plausible(c), "{c}");
        }
        for c in ['\u{E000}', '\u{10000}', 'ꙮ', '\u{1F600}'] {
            assert!(!plausible(c), "{c}");
        }
    }

    /// A stand-in for a subset: the whole font, read as a subset that
    /// keeps glyph ids (an OpenType font: CIDs are its glyph ids).
    #[test]
    fn a_font_agrees_with_itself_and_not_with_another() {
        let song = fandol("FandolSong-Regular.otf");
        let font = FontFile::parse(song).unwrap();
        let n = font.number_of_glyphs();
        let ids: Vec<u16> = (0..n).map(|g| font.cid(g)).collect();
        let o = original("FandolSong-Regular").unwrap();
        assert!(agrees(&font, &o, &ids));
        // Read as FandolKai (same glyph set, other outlines): refused.
        let kai = original("FandolKai-Regular").unwrap();
        assert!(!agrees(&font, &kai, &ids));
        // Read with glyph ids shifted by one (a font with other glyph
        // order): refused.
        let shifted: Vec<u16> = ids.iter().map(|g| g.saturating_add(1)).collect();
        assert!(!agrees(&font, &o, &shifted));
    }

    /// Every glyph of the XeLaTeX fixture, as hayro draws it: its font's
    /// name, its glyph id, its CID in the subset, its recovered text.
    fn xelatex_glyphs() -> Vec<(String, u32, u16, Option<String>)> {
        use hayro_interpret::hayro_syntax::Pdf;
        use hayro_interpret::{
            interpret_page, BlendMode, ClipPath, Context, Device, GlyphDrawMode, Image,
            InterpreterCache, InterpreterSettings, Paint, PathDrawMode, SoftMask,
        };
        use kurbo::{Affine, Rect};

        struct Glyphs(Vec<(String, u32, u16, Option<String>)>);
        impl<'a> Device<'a> for Glyphs {
            fn set_soft_mask(&mut self, _: Option<SoftMask<'a>>) {}
            fn set_blend_mode(&mut self, _: BlendMode) {}
            fn push_clip_path(&mut self, _: &ClipPath) {}
            fn push_transparency_group(&mut self, _: f32, _: Option<SoftMask<'a>>, _: BlendMode) {}
            fn pop_clip_path(&mut self) {}
            fn pop_transparency_group(&mut self) {}
            fn draw_path(&mut self, _: &BezPath, _: Affine, _: &Paint<'a>, _: &PathDrawMode) {}
            fn draw_image(&mut self, _: Image<'a, '_>, _: Affine) {}
            fn draw_glyph(
                &mut self,
                glyph: &Glyph<'a>,
                _: Affine,
                _: Affine,
                _: &Paint<'a>,
                _: &GlyphDrawMode,
            ) {
                let Glyph::Outline(g) = glyph else { return };
                let Some(data) = g.font_data() else { return };
                if glyph.as_unicode().is_some() {
                    return;
                }
                let bytes: &[u8] = (*data.data).as_ref();
                let gid = g.glyph_id().to_u32();
                let cid = FontFile::parse(bytes).unwrap().cid(gid as usize);
                let name = data.postscript_name.unwrap_or_default();
                self.0.push((name, gid, cid, recover(glyph)));
            }
        }

        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/data/import/xelatex/bulletin.pdf"
        );
        let pdf = Pdf::new(std::fs::read(path).unwrap()).unwrap();
        let settings = InterpreterSettings {
            warning_sink: Arc::new(|_| {}),
            ..InterpreterSettings::default()
        };
        let cache = InterpreterCache::new();
        let mut out = Glyphs(Vec::new());
        for page in pdf.pages().iter() {
            let (w, h) = page.render_dimensions();
            let mut context = Context::new(
                Affine::IDENTITY,
                Rect::new(0.0, 0.0, f64::from(w), f64::from(h)),
                &cache,
                pdf.xref(),
                settings.clone(),
            );
            interpret_page(page, &mut context, &mut out);
        }
        out.0
    }

    /// hayro's glyph id of a glyph in a CID-keyed CFF subset is the
    /// subset's own glyph id; the CID (the original's glyph id) is what
    /// the subset's charset gives for it, and is what maps.
    #[test]
    fn xelatex_subsets_map_through_their_cids() {
        let glyphs = xelatex_glyphs();
        assert!(glyphs.len() > 300, "{}", glyphs.len());
        let names: std::collections::BTreeSet<&str> =
            glyphs.iter().map(|g| base_name(&g.0)).collect();
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            ["FandolSong-Bold", "FandolSong-Regular"]
        );
        // Glyph ids are the subset's (small, dense), not the CIDs.
        assert!(glyphs.iter().any(|g| g.1 != u32::from(g.2)));
        assert!(glyphs.iter().all(|g| g.1 < 400));
        // Everything is recovered, and the CID is the glyph id in the
        // original Fandol font.
        let o = original("FandolSong-Regular").unwrap();
        let face = ttf_parser::Face::parse(&o.data, 0).unwrap();
        for (name, gid, cid, text) in &glyphs {
            let text = text
                .as_deref()
                .unwrap_or_else(|| panic!("{name} {gid} {cid}"));
            if name.ends_with("Regular") {
                let c = text.chars().next().unwrap();
                assert_eq!(face.glyph_index(c).map(|g| g.0), Some(*cid), "{text}");
            }
        }
        let text: String = glyphs.iter().filter_map(|g| g.3.as_deref()).collect();
        for s in [
            "信息简报",
            "县委办公室",
            "我县召开春季农业生产工作会议",
            "“三农”",
            "各乡镇党委",
        ] {
            assert!(text.contains(s), "{s} in {text}");
        }
    }

    #[test]
    fn unknown_fonts_are_not_found() {
        assert!(original("NoSuchFont-Regular-xyzzy").is_none());
        assert!(original("").is_none());
    }
}
