//! The Typst world of an issue: the layout's files, the issue's data as
//! `/issue.json`, the issue's folder under `/issue-files/`, local packages
//! (only with `--package-path`), and the shared fonts and library. Nothing
//! else is reachable: no other files, no network.
//!
//! Files go through typst-kit's [`FileStore`], as in the typst CLI: sources
//! are kept from one compile to the next (an unchanged file is not parsed
//! again, an edited one is edited in place), and the store records which
//! files each compile read ([`BulletinWorld::dependencies`]), which is what
//! `watch` watches. A world can be reused for another issue
//! ([`BulletinWorld::update`]): batch workers and `watch` keep one each.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use typst::diag::{FileError, FileResult, PackageError};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::package::PackageSpec;
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::files::{FileLoader, FileStore};

use crate::data::Data;
use crate::error::{Error, Result};
use crate::fonts::Fonts;
use crate::layout::Layout;
use crate::sandbox::{read_within, Refusal, Root};

/// The Typst standard library, built once per process.
static LIBRARY: LazyLock<LazyHash<Library>> =
    LazyLock::new(|| LazyHash::new(Library::builder().build()));

/// The virtual path of the issue's data.
pub const DATA_PATH: &str = "/issue.json";

/// The virtual folder under which a layout reads the issue's folder.
pub const ISSUE_FILES: &str = "issue-files/";

fn file_id(path: &str) -> Option<FileId> {
    Some(RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).ok()?).intern())
}

/// What a world reads: the files of one issue's compile.
#[derive(Clone)]
pub struct Loader {
    /// The layout (its files, and its parent's).
    pub layout: Arc<Layout>,
    /// The issue's data, served as `/issue.json`; `None` for a plain
    /// project, whose `issue.json` is a file in the layout folder.
    pub data: Option<Bytes>,
    /// The issue file's folder, readable under `/issue-files/`: opened once
    /// when the issue is prepared, and read through that handle.
    pub issue_dir: Option<Root>,
    /// A local packages folder (`NAMESPACE/NAME/VERSION/…`); without it,
    /// package imports are refused.
    pub packages: Option<PathBuf>,
    /// Files of the issue's folder served in place of the files on disk
    /// (photos downsampled for `--max-ppi`), by their relative path.
    pub replaced: Arc<crate::images::Replaced>,
}

/// Where a file of the world is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The issue's data (not a file).
    Data,
    /// A file of the layout, at this path relative to its folder.
    Layout(String),
    /// A file in the issue's folder.
    IssueFile(PathBuf),
    /// A file of a local package.
    Package(PathBuf),
}

impl Loader {
    fn rel(id: FileId) -> String {
        id.get().vpath().get_without_slash().to_string()
    }

    /// Where the file `id` is.
    pub fn origin(&self, id: FileId) -> Option<Origin> {
        let rel = Self::rel(id);
        match id.get().root() {
            VirtualRoot::Package(spec) => {
                Some(Origin::Package(self.package_dir(spec).ok()?.join(rel)))
            }
            VirtualRoot::Project if self.data.is_some() && rel == DATA_PATH[1..] => {
                Some(Origin::Data)
            }
            VirtualRoot::Project => match rel.strip_prefix(ISSUE_FILES) {
                Some(inner) => Some(Origin::IssueFile(
                    self.issue_dir.as_ref()?.path().join(inner),
                )),
                None => Some(Origin::Layout(rel)),
            },
        }
    }

    /// The file on disk behind `id`, if there is one.
    pub fn path(&self, id: FileId) -> Option<PathBuf> {
        match self.origin(id)? {
            Origin::Data => None,
            Origin::Layout(rel) => self.layout.real_path(&rel),
            Origin::IssueFile(p) | Origin::Package(p) => Some(p),
        }
    }

    fn package_dir(&self, spec: &PackageSpec) -> std::result::Result<PathBuf, String> {
        let Some(base) = &self.packages else {
            return Err(format!(
                "packages such as {spec} are not available: bulletin-pdf works offline; \
                 copy what the layout needs into the layout folder, or name a local \
                 packages folder with --package-path"
            ));
        };
        let dir = base
            .join(spec.namespace.as_str())
            .join(spec.name.as_str())
            .join(spec.version.to_string());
        if !dir.is_dir() {
            return Err(format!(
                "package {spec} is not in {} (looked in {})",
                base.display(),
                dir.display()
            ));
        }
        Ok(dir)
    }

    fn read(&self, id: FileId) -> std::result::Result<Bytes, String> {
        let rel = Self::rel(id);
        match id.get().root() {
            VirtualRoot::Package(spec) => {
                let dir = self.package_dir(spec)?;
                read_within(&dir, &rel)
                    .map(Bytes::new)
                    .map_err(|r| match r {
                        Refusal::Outside => format!("{rel} leads outside the package {spec}"),
                        Refusal::Missing => format!("package {spec} has no file {rel}"),
                        Refusal::Io(m) => m,
                    })
            }
            VirtualRoot::Project => {
                if let (Some(data), true) = (&self.data, rel == DATA_PATH[1..]) {
                    return Ok(data.clone());
                }
                match rel.strip_prefix(ISSUE_FILES) {
                    Some(inner) => {
                        if let Some(bytes) = self.replaced.get(inner) {
                            return Ok(bytes.clone());
                        }
                        let Some(dir) = &self.issue_dir else {
                            return Err(format!("/{ISSUE_FILES}{inner}: no issue folder here"));
                        };
                        dir.read(inner).map(Bytes::new).map_err(|r| match r {
                            Refusal::Outside => {
                                format!("{inner} leads outside the issue's folder")
                            }
                            Refusal::Missing => {
                                format!("the issue's folder has no file {inner}")
                            }
                            Refusal::Io(m) => m,
                        })
                    }
                    None => self.layout.read(&rel),
                }
            }
        }
    }
}

impl FileLoader for Loader {
    fn load(&self, id: FileId) -> FileResult<Bytes> {
        self.read(id).map_err(|m| match id.get().root() {
            VirtualRoot::Package(_) => FileError::Package(PackageError::Other(Some(m.into()))),
            VirtualRoot::Project => FileError::Other(Some(m.into())),
        })
    }
}

/// An issue's world.
pub struct BulletinWorld {
    fonts: Arc<Fonts>,
    main: FileId,
    store: FileStore<Loader>,
    today: Option<Datetime>,
}

fn main_id(layout: &Layout) -> Result<FileId> {
    file_id(&format!("/{}", layout.manifest.main)).ok_or_else(|| {
        Error::layout(format!(
            "layout {}: main = {:?} is not a valid path; name the layout's Typst file, \
             e.g. main = \"main.typ\"",
            layout.manifest.name, layout.manifest.main
        ))
    })
}

fn today(data: &Data) -> Result<Datetime> {
    let d = data.issue.date;
    Datetime::from_ymd(d.year.into(), d.month, d.day)
        .ok_or_else(|| Error::input(format!("{} is not a date", data.issue.date_text)))
}

/// The issue's data as the layout reads it.
pub fn data_bytes(data: &Data) -> Result<Bytes> {
    serde_json::to_vec(data)
        .map(Bytes::new)
        .map_err(|e| Error::input(format!("cannot encode the issue: {e}")))
}

impl BulletinWorld {
    /// The world of an issue laid out with `loader.layout`.
    pub fn new(fonts: Arc<Fonts>, loader: Loader, data: &Data) -> Result<Self> {
        let main = main_id(&loader.layout)?;
        Ok(BulletinWorld {
            fonts,
            main,
            today: Some(today(data)?),
            store: FileStore::new(Loader {
                data: Some(data_bytes(data)?),
                ..loader
            }),
        })
    }

    /// A plain Typst project: every file, `issue.json` included, comes from
    /// the layout's folder (what `export-typst` writes).
    pub fn plain(fonts: Arc<Fonts>, layout: Arc<Layout>) -> Result<Self> {
        Ok(BulletinWorld {
            fonts,
            main: main_id(&layout)?,
            today: None,
            store: FileStore::new(Loader {
                layout,
                data: None,
                issue_dir: None,
                packages: None,
                replaced: Default::default(),
            }),
        })
    }

    /// Makes this world another issue's (or the same issue's after an
    /// edit): every file is read again on its next use, and sources whose
    /// text did not change keep their parse.
    pub fn update(&mut self, fonts: Arc<Fonts>, loader: Loader, data: &Data) -> Result<()> {
        self.main = main_id(&loader.layout)?;
        self.fonts = fonts;
        self.today = Some(today(data)?);
        *self.store.loader_mut() = Loader {
            data: Some(data_bytes(data)?),
            ..loader
        };
        self.store.reset();
        Ok(())
    }

    /// What this world reads.
    pub fn loader(&self) -> &Loader {
        self.store.loader()
    }

    /// The files on disk that the last compile read (layout files on disk,
    /// files of the issue's folder, package files), sorted.
    pub fn dependencies(&mut self) -> Vec<PathBuf> {
        let (loader, ids) = self.store.dependencies();
        let mut out: Vec<PathBuf> = ids.filter_map(|id| loader.path(id)).collect();
        out.sort();
        out.dedup();
        out
    }

    /// Where the files the last compile read are (the data included).
    pub fn origins(&mut self) -> Vec<Origin> {
        let (loader, ids) = self.store.dependencies();
        ids.filter_map(|id| loader.origin(id)).collect()
    }

    /// A display name for a file of the world, for diagnostics.
    pub fn name(&self, id: FileId) -> String {
        let loader = self.store.loader();
        match loader.origin(id) {
            Some(Origin::Data) => format!("issue data ({DATA_PATH})"),
            Some(Origin::Layout(rel)) => loader.layout.display_path(&rel),
            Some(Origin::IssueFile(p) | Origin::Package(p)) => p.display().to_string(),
            None => match id.get().root() {
                VirtualRoot::Package(spec) => format!("{spec}/{}", Loader::rel(id)),
                VirtualRoot::Project => Loader::rel(id),
            },
        }
    }

    /// The fonts of the world.
    pub fn fonts(&self) -> &Fonts {
        &self.fonts
    }
}

impl World for BulletinWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.store.source(id)
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.store.file(id)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}
