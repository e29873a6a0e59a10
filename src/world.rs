//! The Typst world of one issue: the layout's files, the issue's data as
//! `/issue.json`, the shared fonts and library. Nothing else is reachable: no
//! other files, no packages, no network.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, PackageError};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::error::{Error, Result};
use crate::{Data, Fonts, Layout};

/// The Typst standard library, built once per process.
static LIBRARY: LazyLock<LazyHash<Library>> =
    LazyLock::new(|| LazyHash::new(Library::builder().build()));

/// The virtual path of the issue's data.
pub const DATA_PATH: &str = "/issue.json";

fn file_id(path: &str) -> Option<FileId> {
    Some(RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).ok()?).intern())
}

/// One issue's world.
pub struct BulletinWorld<'a> {
    layout: &'a Layout,
    fonts: &'a Fonts,
    main: FileId,
    data_id: FileId,
    /// The issue's data; `None` for a plain project, whose `issue.json` is a
    /// file in the layout folder.
    data: Option<Bytes>,
    today: Option<Datetime>,
    /// The issue file's folder: a layout may read files there (images and
    /// data the issue names) under the virtual folder `/issue-files/`.
    issue_dir: Option<std::path::PathBuf>,
}

/// The virtual folder under which a layout reads the issue's folder.
pub const ISSUE_FILES: &str = "issue-files/";

impl<'a> BulletinWorld<'a> {
    pub fn new(layout: &'a Layout, fonts: &'a Fonts, data: &Data) -> Result<Self> {
        let main = file_id(&format!("/{}", layout.manifest.main)).ok_or_else(|| {
            Error::layout(format!(
                "layout {}: main = {:?} is not a valid path",
                layout.manifest.name, layout.manifest.main
            ))
        })?;
        let data_id = file_id(DATA_PATH).ok_or_else(|| Error::layout("bad data path"))?;
        let json = serde_json::to_vec(data)
            .map_err(|e| Error::input(format!("cannot encode the issue: {e}")))?;
        let d = data.issue.date;
        let today = Datetime::from_ymd(d.year.into(), d.month, d.day)
            .ok_or_else(|| Error::input(format!("{} is not a date", data.issue.date_text)))?;
        Ok(BulletinWorld {
            layout,
            fonts,
            main,
            data_id,
            data: Some(Bytes::new(json)),
            today: Some(today),
            issue_dir: None,
        })
    }

    /// Lets the layout read the issue's folder under `/issue-files/`.
    pub fn with_issue_dir(mut self, dir: Option<&std::path::Path>) -> Self {
        self.issue_dir = dir.map(std::path::Path::to_path_buf);
        self
    }

    /// A file of the issue's folder; paths that leave it are refused.
    fn read_issue_file(&self, rel: &str) -> std::result::Result<Vec<u8>, String> {
        let Some(dir) = &self.issue_dir else {
            return Err(format!("/{ISSUE_FILES}{rel}: no issue folder here"));
        };
        use crate::layout::{read_within, Refusal};
        read_within(dir, rel).map_err(|r| match r {
            Refusal::Outside => format!("{rel} leads outside the issue's folder"),
            Refusal::Missing => format!("the issue's folder has no file {rel}"),
            Refusal::Io(m) => m,
        })
    }

    /// A plain Typst project: every file, `issue.json` included, comes from
    /// the layout's folder (what `export-typst` writes).
    pub fn plain(layout: &'a Layout, fonts: &'a Fonts) -> Result<Self> {
        let main = file_id(&format!("/{}", layout.manifest.main))
            .ok_or_else(|| Error::layout("bad main file path"))?;
        let data_id = file_id(DATA_PATH).ok_or_else(|| Error::layout("bad data path"))?;
        Ok(BulletinWorld {
            layout,
            fonts,
            main,
            data_id,
            data: None,
            today: None,
            issue_dir: None,
        })
    }

    /// The layout-relative path of a file id.
    fn rel(id: FileId) -> String {
        id.get().vpath().get_without_slash().to_string()
    }

    fn read(&self, id: FileId) -> FileResult<Vec<u8>> {
        if let (true, Some(data)) = (id == self.data_id, &self.data) {
            return Ok(data.as_slice().to_vec());
        }
        let rooted = id.get();
        let rel = Self::rel(id);
        let result = match rooted.root() {
            VirtualRoot::Package(spec) => self.layout.read_package(spec, &rel),
            VirtualRoot::Project => match rel.strip_prefix(ISSUE_FILES) {
                Some(inner) => self.read_issue_file(inner),
                None => self.layout.read(&rel),
            },
        };
        result.map_err(|m| match rooted.root() {
            VirtualRoot::Package(_) => FileError::Package(PackageError::Other(Some(m.into()))),
            VirtualRoot::Project => FileError::Other(Some(m.into())),
        })
    }
}

impl World for BulletinWorld<'_> {
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
        let bytes = self.read(id)?;
        let text = String::from_utf8(bytes).map_err(|_| FileError::InvalidUtf8)?;
        Ok(self.layout.sources.get(id, text))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let (true, Some(data)) = (id == self.data_id, &self.data) {
            return Ok(data.clone());
        }
        self.read(id).map(Bytes::new)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}

impl typst_kit::diagnostics::DiagnosticWorld for BulletinWorld<'_> {
    fn name(&self, id: FileId) -> String {
        match id.get().root() {
            _ if id == self.data_id => format!("issue data ({DATA_PATH})"),
            VirtualRoot::Package(spec) => format!("{spec}/{}", Self::rel(id)),
            VirtualRoot::Project => {
                let rel = Self::rel(id);
                match (rel.strip_prefix(ISSUE_FILES), &self.issue_dir) {
                    (Some(inner), Some(dir)) => dir.join(inner).display().to_string(),
                    _ => self.layout.display_path(&rel),
                }
            }
        }
    }
}
