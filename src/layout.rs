//! Layouts: folders of Typst files with a `layout.toml` manifest.
//!
//! The default layout is embedded in the binary; `--layout DIR` uses a folder
//! instead. A layout reads the issue as data from the virtual file
//! `/issue.json`; it may read its own files and nothing else.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// The files of the embedded default layout.
const DEFAULT_FILES: &[(&str, &str)] = &[
    (
        "layout.toml",
        include_str!("../layouts/default/layout.toml"),
    ),
    ("main.typ", include_str!("../layouts/default/main.typ")),
    ("theme.typ", include_str!("../layouts/default/theme.typ")),
];

/// A layout's manifest, `layout.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The layout's name.
    pub name: String,
    /// One line saying what the layout is for.
    #[serde(default)]
    pub description: String,
    /// The Typst file to compile, relative to the layout's folder.
    #[serde(default = "default_main")]
    pub main: String,
    /// For each font role, the families to try in order.
    #[serde(default)]
    pub fonts: BTreeMap<String, Vec<String>>,
}

fn default_main() -> String {
    "main.typ".into()
}

/// Where a layout's files are.
#[derive(Debug, Clone)]
pub enum LayoutSource {
    /// Built into the binary.
    Embedded(&'static [(&'static str, &'static str)]),
    /// A folder on disk.
    Dir(PathBuf),
}

/// A layout: its manifest and where to read its files.
#[derive(Debug, Clone)]
pub struct Layout {
    pub manifest: Manifest,
    pub source: LayoutSource,
}

impl Layout {
    /// The embedded default layout.
    pub fn embedded_default() -> Layout {
        let source = LayoutSource::Embedded(DEFAULT_FILES);
        let text = DEFAULT_FILES[0].1;
        // The embedded manifest is tested; a broken one is a build defect.
        let manifest = toml::from_str(text)
            .unwrap_or_else(|e| panic!("embedded layouts/default/layout.toml is invalid: {e}"));
        Layout { manifest, source }
    }

    /// A layout in a folder.
    pub fn from_dir(dir: &Path) -> Result<Layout> {
        let path = dir.join("layout.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::layout(format!(
                "cannot read the layout manifest {}: {e}",
                path.display()
            ))
        })?;
        let manifest: Manifest = toml::from_str(&text)
            .map_err(|e| Error::layout(crate::error::toml_message(&path, &text, &e)))?;
        Ok(Layout {
            manifest,
            source: LayoutSource::Dir(dir.to_path_buf()),
        })
    }

    /// A human-readable name for a layout file, for diagnostics.
    pub fn display_path(&self, rel: &str) -> String {
        match &self.source {
            LayoutSource::Embedded(_) => format!("<embedded>/layouts/{}/{rel}", self.manifest.name),
            LayoutSource::Dir(dir) => dir.join(rel).display().to_string(),
        }
    }

    /// Reads a layout file by its path relative to the layout folder. Paths
    /// that leave the folder are refused.
    pub fn read(&self, rel: &str) -> std::result::Result<Vec<u8>, String> {
        let rel_path = Path::new(rel);
        if rel_path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(format!("{rel} is outside the layout folder"));
        }
        match &self.source {
            LayoutSource::Embedded(files) => files
                .iter()
                .find(|(name, _)| *name == rel)
                .map(|(_, text)| text.as_bytes().to_vec())
                .ok_or_else(|| format!("the layout has no file {rel}")),
            LayoutSource::Dir(dir) => {
                let path = dir.join(rel_path);
                let root = dir.canonicalize().map_err(|e| e.to_string())?;
                let real = path
                    .canonicalize()
                    .map_err(|_| format!("the layout has no file {rel}"))?;
                if !real.starts_with(&root) {
                    return Err(format!("{rel} leads outside the layout folder"));
                }
                std::fs::read(&real).map_err(|e| format!("cannot read {}: {e}", path.display()))
            }
        }
    }

    /// Every file of the layout, with its path relative to the layout folder.
    pub fn files(&self) -> Result<Vec<(String, Vec<u8>)>> {
        match &self.source {
            LayoutSource::Embedded(files) => Ok(files
                .iter()
                .map(|(name, text)| (name.to_string(), text.as_bytes().to_vec()))
                .collect()),
            LayoutSource::Dir(dir) => {
                let mut out = Vec::new();
                let mut stack = vec![dir.clone()];
                while let Some(d) = stack.pop() {
                    let entries = std::fs::read_dir(&d)
                        .map_err(|e| Error::layout(format!("{}: {e}", d.display())))?;
                    for e in entries.flatten() {
                        let p = e.path();
                        if p.is_dir() {
                            stack.push(p);
                        } else {
                            let rel = p.strip_prefix(dir).unwrap_or(&p);
                            let rel = rel.to_string_lossy().replace('\\', "/");
                            let bytes = std::fs::read(&p)
                                .map_err(|e| Error::layout(format!("{}: {e}", p.display())))?;
                            out.push((rel, bytes));
                        }
                    }
                }
                out.sort();
                Ok(out)
            }
        }
    }

    /// Every font family the layout names, for system font discovery.
    pub fn families(&self) -> impl Iterator<Item = &String> {
        self.manifest.fonts.values().flatten()
    }
}
