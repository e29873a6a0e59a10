//! `export-typst`: a plain Typst project of one issue, prepared exactly as a
//! render prepares it, that the typst CLI compiles from any folder to the same
//! document: the layout's files, `main.typ`, the issue as `issue.json`, the
//! files of the issue's folder the layout read (under `issue-files/`) and
//! the fonts the document is set in (under `fonts/`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use typst::text::Font;

use crate::error::{Error, Result};
use crate::fonts::{FontFile, Fonts};
use crate::pipeline::{prepare, RenderOptions, Renderer};
use crate::session::Session;
use crate::world::Origin;

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct Exported {
    /// The layout exported.
    pub layout: String,
    /// Every file written, relative to the project folder.
    pub files: Vec<String>,
}

/// How to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Write into a folder that is not empty.
    pub force: bool,
    /// Copy the fonts the document uses into `fonts/` (without them, name a
    /// folder of the fonts when compiling).
    pub fonts: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            force: false,
            fonts: true,
        }
    }
}

/// Whether a folder is missing or empty.
fn is_empty_dir(dir: &Path) -> Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(Error::output(format!("{}: {e}", dir.display()))),
    }
}

/// The faces of `family` in `fonts` (none when it has no such family).
fn families_faces(fonts: &Fonts, family: &str) -> Vec<Font> {
    fonts
        .book()
        .select_family(&family.to_lowercase())
        .filter_map(|i| fonts.font(i))
        .collect()
}

/// For each font role, the families of `roles` that `fonts` has and, when
/// `shipped` is given, of which a face is shipped: the families the
/// document was set in, in their order. A role none of whose families is
/// shipped keeps its first family that `fonts` has (the export ships a face
/// of it), a role with none found its list as it is.
pub fn exported_families(
    roles: &BTreeMap<String, Vec<String>>,
    fonts: &Fonts,
    shipped: Option<&[Font]>,
) -> BTreeMap<String, Vec<String>> {
    let faces = |family: &String| families_faces(fonts, family);
    roles
        .iter()
        .map(|(role, list)| {
            let found: Vec<&String> = list.iter().filter(|f| !faces(f).is_empty()).collect();
            let kept: Vec<String> = found
                .iter()
                .filter(|f| shipped.is_none_or(|s| faces(f).iter().any(|face| s.contains(face))))
                .map(|f| f.to_string())
                .collect();
            let kept = match (kept.is_empty(), found.first()) {
                (false, _) => kept,
                (true, Some(first)) => vec![first.to_string()],
                (true, None) => list.clone(),
            };
            (role.clone(), kept)
        })
        .collect()
}

/// Writes the Typst project of the issue at `path` into `out`. A folder that
/// is not empty is refused unless `export.force` is set.
pub fn export_typst(
    session: &Session,
    path: &Path,
    opts: &RenderOptions,
    out: &Path,
    export: &ExportOptions,
) -> Result<Exported> {
    if out.exists() && !out.is_dir() {
        return Err(Error::output(format!(
            "{}: is not a folder; name a new or empty folder for the project",
            out.display()
        )));
    }
    if !export.force && !is_empty_dir(out)? {
        return Err(Error::output(format!(
            "{}: the folder is not empty; name a new or empty folder, or pass --force to \
             write over the files there",
            out.display()
        )));
    }
    let prepared = prepare(session, path, opts)?;
    // Lay it out here first: a broken issue is reported now, and the
    // compile tells which files and fonts the project needs.
    let mut renderer = Renderer::new(session);
    let rendered = renderer.render(&prepared, opts)?;
    let issue_files: Vec<PathBuf> = renderer
        .origins()
        .into_iter()
        .filter_map(|o| match o {
            Origin::IssueFile(p) => Some(p),
            _ => None,
        })
        .collect();

    let mut files: Vec<(String, Vec<u8>)> = prepared.layout.files()?;
    let layout = &prepared.layout.manifest;
    if layout.main != "main.typ" {
        files.push((
            "main.typ".into(),
            format!(
                "#include {}\n",
                serde_json::Value::from(layout.main.clone())
            )
            .into_bytes(),
        ));
    }
    let mut fonts = match export.fonts {
        true => crate::document::fonts_used(&rendered.document),
        false => Vec::new(),
    };
    // A role no text used (no byline: no 楷体) still names a family: ship
    // a face of its first family found, so that the project names no font
    // it lacks.
    if export.fonts {
        for list in prepared.data.fonts.values() {
            let faces = |f: &String| families_faces(&session.fonts, f);
            if !list
                .iter()
                .any(|f| faces(f).iter().any(|x| fonts.contains(x)))
            {
                if let Some(face) = list.iter().find_map(|f| faces(f).into_iter().next()) {
                    fonts.push(face);
                }
            }
        }
    }
    // The theme names only the fonts the project ships (or, without them,
    // those found here), so that the typst CLI does not warn of every
    // authentic font this machine lacks.
    let mut data = prepared.data.clone();
    data.fonts = exported_families(
        &data.fonts,
        &session.fonts,
        export.fonts.then_some(fonts.as_slice()),
    );
    let json = serde_json::to_vec_pretty(&data)
        .map_err(|e| Error::output(format!("cannot encode the issue: {e}")))?;
    files.push(("issue.json".into(), json));
    for p in issue_files {
        let rel = p
            .strip_prefix(&prepared.issue_dir)
            .map_err(|_| Error::output(format!("{}: outside the issue's folder", p.display())))?;
        let bytes = prepared
            .issue_root
            .as_ref()
            .ok_or(())
            .and_then(|root| root.read(rel).map_err(|_| ()))
            .map_err(|_| Error::output(format!("cannot read {}", p.display())))?;
        files.push((
            format!(
                "{}{}",
                crate::world::ISSUE_FILES,
                rel.to_string_lossy().replace('\\', "/")
            ),
            bytes,
        ));
    }
    for font in fonts {
        match session.fonts.file_of(&font) {
            Some(FontFile::Embedded(name, bytes)) => {
                files.push((format!("fonts/{name}"), bytes.to_vec()))
            }
            Some(FontFile::File(p)) => {
                let name = p.file_name().unwrap_or_default().to_string_lossy();
                let bytes = std::fs::read(&p)
                    .map_err(|e| Error::output(format!("{}: {e}", p.display())))?;
                files.push((format!("fonts/{name}"), bytes));
            }
            None => {}
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);
    // Everything is written through a handle on DIR: a folder inside it
    // (fonts/, issue-files/) that is a link leading out is refused, never
    // written through.
    std::fs::create_dir_all(out)
        .map_err(|e| Error::output(format!("{}: cannot create the folder: {e}", out.display())))?;
    let root = cap_std::fs::Dir::open_ambient_dir(out, cap_std::ambient_authority())
        .map_err(|e| Error::output(format!("{}: cannot open the folder: {e}", out.display())))?;
    let mut subdirs: std::collections::HashMap<String, std::sync::Arc<cap_std::fs::Dir>> =
        std::collections::HashMap::new();
    for (rel, bytes) in &files {
        let target = out.join(rel);
        let (parent, name) = match rel.rsplit_once('/') {
            Some((p, n)) => (p.to_string(), n),
            None => (String::new(), rel.as_str()),
        };
        let dir = match subdirs.get(&parent) {
            Some(d) => d.clone(),
            None => {
                let d = if parent.is_empty() {
                    root.try_clone()
                } else {
                    root.create_dir_all(&parent)
                        .and_then(|()| root.open_dir(&parent))
                }
                .map_err(|e| {
                    Error::output(format!(
                        "{}: cannot write there ({e}); it must be a folder inside {} \
                         (a symbolic link leading out of it is refused): remove it, or name a \
                         new folder",
                        out.join(&parent).display(),
                        out.display()
                    ))
                })?;
                let d = std::sync::Arc::new(d);
                subdirs.insert(parent.clone(), d.clone());
                d
            }
        };
        crate::output::stage_in(dir, &target, std::ffi::OsStr::new(name), bytes)?.commit()?;
    }
    Ok(Exported {
        layout: layout.name.clone(),
        files: files.into_iter().map(|(r, _)| r).collect(),
    })
}
