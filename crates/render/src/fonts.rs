//! Fonts: the embedded Fandol set, folders named with `--font-path`, and the
//! installed system fonts that a layout names.
//!
//! Fonts are loaded once per process and shared by every compilation. Only
//! system fonts whose family a layout names are indexed (fontdb reads just the
//! name tables of the others), so discovering system fonts stays cheap even on
//! machines with thousands of fonts.

use std::collections::BTreeSet;
use std::path::PathBuf;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;
use typst_kit::fonts::{FontPath, FontStore};

/// The Fandol fonts embedded in the binary (GPL with font exception; see
/// the `bulletin-fonts` crate).
pub use bulletin_fonts::EMBEDDED;

/// Where fonts are searched.
#[derive(Debug, Clone, Default)]
pub struct FontOptions {
    /// Folders searched (recursively) for fonts; all their fonts are used.
    pub font_paths: Vec<PathBuf>,
    /// Also use installed system fonts whose family is in `families`.
    pub system: bool,
    /// Leave out the embedded Fandol fonts.
    pub no_embedded: bool,
    /// Families the layouts name: the system fonts worth indexing.
    pub families: BTreeSet<String>,
}

/// Where a loaded font came from.
#[derive(Debug, Clone)]
pub enum Origin {
    Embedded(&'static str),
    File(PathBuf),
}

/// The file a font is in.
#[derive(Debug, Clone)]
pub enum FontFile {
    /// One of the embedded fonts: its file name and bytes.
    Embedded(&'static str, &'static [u8]),
    /// A font file on disk.
    File(PathBuf),
}

/// The fonts of a process: a font book and lazily loaded faces.
pub struct Fonts {
    store: FontStore,
    origins: Vec<Origin>,
    /// One bit per code point: whether any font has it (built on first use).
    coverage: std::sync::OnceLock<Vec<u64>>,
}

impl Fonts {
    /// Searches the font paths, the system (if asked) and the embedded set.
    /// Earlier sources win when two fonts have the same family and style.
    pub fn load(opts: &FontOptions) -> Fonts {
        let mut store = FontStore::new();
        let mut origins = Vec::new();
        for dir in &opts.font_paths {
            for (path, info) in typst_kit::fonts::scan(dir) {
                origins.push(Origin::File(path.path.clone()));
                store.push((path, info));
            }
        }
        if opts.system {
            for (path, info) in system_fonts(&opts.families) {
                origins.push(Origin::File(path.path.clone()));
                store.push((path, info));
            }
        }
        if !opts.no_embedded {
            for (name, data) in EMBEDDED {
                for font in Font::iter(Bytes::new(*data)) {
                    let info = font.info().clone();
                    origins.push(Origin::Embedded(name));
                    store.push((font, info));
                }
            }
        }
        Fonts {
            store,
            origins,
            coverage: std::sync::OnceLock::new(),
        }
    }

    /// The font book, for `World::book`.
    pub fn book(&self) -> &LazyHash<FontBook> {
        self.store.book()
    }

    /// A font by index, for `World::font`; `None` for a stale index.
    pub fn font(&self, index: usize) -> Option<Font> {
        self.store.font(index)
    }

    /// Metadata of every font, with its origin.
    pub fn infos(&self) -> impl Iterator<Item = (&FontInfo, &Origin)> {
        self.origins
            .iter()
            .enumerate()
            .filter_map(|(i, o)| Some((self.book().info(i)?, o)))
    }

    /// Where a font of this set comes from: an embedded font (its file name
    /// and bytes) or a font file.
    pub fn file_of(&self, font: &Font) -> Option<FontFile> {
        self.infos().find_map(|(info, origin)| {
            if info != font.info() {
                return None;
            }
            Some(match origin {
                Origin::Embedded(name) => {
                    let (_, bytes) = EMBEDDED.iter().find(|(n, _)| n == name)?;
                    FontFile::Embedded(name, bytes)
                }
                Origin::File(path) => FontFile::File(path.clone()),
            })
        })
    }

    /// Whether any font has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        let bits = self.coverage.get_or_init(|| {
            let mut bits = vec![0u64; (0x11_0000 / 64) + 1];
            for (info, _) in self.infos() {
                for cp in info.coverage.iter() {
                    if let Some(w) = bits.get_mut(cp as usize / 64) {
                        *w |= 1 << (cp % 64);
                    }
                }
            }
            bits
        });
        let cp = c as usize;
        bits.get(cp / 64).is_some_and(|w| w & (1 << (cp % 64)) != 0)
    }

    /// The first family of `list` that is available, with the origin of its
    /// regular face.
    pub fn resolve<'a>(&self, list: &'a [String]) -> Option<(&'a str, &Origin)> {
        list.iter().find_map(|family| {
            let index = self.book().select_family(&family.to_lowercase()).next()?;
            Some((family.as_str(), self.origins.get(index)?))
        })
    }

    /// The faces of the family [`Fonts::resolve`] chooses, by weight
    /// (400 regular, 700 bold…), lightest first, each with its origin: a
    /// layout sets titles in the bold face of the family it names, where
    /// there is one.
    pub fn faces(&self, list: &[String]) -> Vec<(u16, &Origin)> {
        let Some((family, _)) = self.resolve(list) else {
            return Vec::new();
        };
        let book = self.book();
        let mut out: Vec<(u16, &Origin)> = book
            .select_family(&family.to_lowercase())
            .filter_map(|i| {
                let info = book.info(i)?;
                if info.variant.style != typst::text::FontStyle::Normal {
                    return None;
                }
                Some((info.variant.weight.to_number(), self.origins.get(i)?))
            })
            .collect();
        out.sort_by_key(|f| f.0);
        out.dedup_by_key(|f| f.0);
        out
    }
}

/// System fonts whose family is one of `families` (case-insensitive).
fn system_fonts(families: &BTreeSet<String>) -> Vec<(FontPath, FontInfo)> {
    if families.is_empty() {
        return Vec::new();
    }
    let wanted: BTreeSet<String> = families.iter().map(|f| f.to_lowercase()).collect();
    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    db.faces()
        .filter(|face| {
            face.families
                .iter()
                .any(|(name, _)| wanted.contains(&name.to_lowercase()))
                || wanted.contains(&face.post_script_name.to_lowercase())
        })
        .filter_map(|face| {
            let path = match &face.source {
                fontdb::Source::File(path) | fontdb::Source::SharedFile(path, _) => path.clone(),
                fontdb::Source::Binary(_) => return None,
            };
            let info = db.with_face_data(face.id, FontInfo::new)??;
            Some((
                FontPath {
                    path,
                    index: face.index,
                },
                info,
            ))
        })
        .collect()
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Embedded(name) => write!(f, "embedded {name}"),
            Origin::File(path) => write!(f, "{}", path.display()),
        }
    }
}
