//! Layouts: folders of Typst files with a `layout.toml` manifest.
//!
//! The bundled layouts are embedded in the binary; `--layout NAME|DIR` (or a
//! `layout` key in an issue or series file) chooses another. A layout reads
//! the issue as data from the virtual file `/issue.json`; it may read its own
//! files and nothing else. A layout can `extends` a bundled one: files it
//! does not have come from its parent, and it inherits the parent's
//! parameters.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use typst::foundations::Bytes;

use crate::error::{Error, ErrorKind, Result};
use crate::sandbox::{Refusal, Root};

include!(concat!(env!("OUT_DIR"), "/bundled_layouts.rs"));

/// The type of a layout parameter.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    Bool,
    Integer,
    Number,
    /// A length in points (a number).
    Length,
    String,
    /// "#RRGGBB", or [C, M, Y, K] percentages.
    Color,
}

impl ParamType {
    fn describe(self) -> &'static str {
        match self {
            ParamType::Bool => "true or false",
            ParamType::Integer => "an integer",
            ParamType::Number => "a number",
            ParamType::Length => "a length in pt (a number)",
            ParamType::String => "a string",
            ParamType::Color => "a colour: \"#RRGGBB\" or [C, M, Y, K] percentages",
        }
    }

    /// Checks a value and converts it to JSON for the layout.
    fn convert(self, v: &toml::Value) -> Option<serde_json::Value> {
        use toml::Value as T;
        let num = |x: f64| serde_json::Number::from_f64(x).map(serde_json::Value::Number);
        match (self, v) {
            (ParamType::Bool, T::Boolean(b)) => Some((*b).into()),
            (ParamType::Integer, T::Integer(i)) => Some((*i).into()),
            (ParamType::Number | ParamType::Length, T::Integer(i)) => num(*i as f64),
            (ParamType::Number | ParamType::Length, T::Float(f)) if f.is_finite() => num(*f),
            (ParamType::String, T::String(s)) => Some(s.clone().into()),
            (ParamType::Color, T::String(s)) => {
                let hex = s.strip_prefix('#')?;
                (matches!(hex.len(), 3 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                    .then(|| s.clone().into())
            }
            (ParamType::Color, T::Array(a)) if a.len() == 4 => {
                let parts: Option<Vec<serde_json::Value>> = a
                    .iter()
                    .map(|x| {
                        let f = match x {
                            T::Integer(i) => *i as f64,
                            T::Float(f) => *f,
                            _ => return None,
                        };
                        (0.0..=100.0).contains(&f).then(|| num(f)).flatten()
                    })
                    .collect();
                parts.map(serde_json::Value::Array)
            }
            _ => None,
        }
    }
}

/// A layout parameter, declared in `layout.toml`'s `[params]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    #[serde(rename = "type")]
    pub ty: ParamType,
    pub default: toml::Value,
    #[serde(default)]
    pub description: String,
    /// The smallest value allowed (numbers, lengths, integers).
    #[serde(default)]
    pub min: Option<f64>,
    /// The largest value allowed (numbers, lengths, integers).
    #[serde(default)]
    pub max: Option<f64>,
    /// The values allowed, when there is a fixed set of them (of the
    /// parameter's type): `choices = ["page", "end"]`.
    #[serde(default)]
    pub choices: Vec<toml::Value>,
}

/// A `[style]` value that does not fit the layout's parameters: the key,
/// what is wrong, and notes (the parameter, or the layout's parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyleError {
    pub key: String,
    pub message: String,
    pub notes: Vec<String>,
    /// A value to write instead (as TOML), when one can be told.
    pub instead: Option<String>,
}

impl std::fmt::Display for StyleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        for n in &self.notes {
            write!(f, "\n{n}")?;
        }
        Ok(())
    }
}

/// The range of a length parameter that declares none: a positive length
/// up to about a third of a metre.
const LENGTH_RANGE: (f64, f64) = (0.0, 1000.0);

impl Param {
    /// The range a value must lie in, if any.
    fn range(&self) -> Option<(f64, f64)> {
        match self.ty {
            ParamType::Length => Some((
                self.min.unwrap_or(LENGTH_RANGE.0),
                self.max.unwrap_or(LENGTH_RANGE.1),
            )),
            ParamType::Number | ParamType::Integer if self.min.is_some() || self.max.is_some() => {
                Some((
                    self.min.unwrap_or(f64::NEG_INFINITY),
                    self.max.unwrap_or(f64::INFINITY),
                ))
            }
            _ => None,
        }
    }

    /// The choices, as the layout receives them.
    fn choice_values(&self) -> Vec<serde_json::Value> {
        self.choices
            .iter()
            .filter_map(|c| self.ty.convert(c))
            .collect()
    }

    /// The choices as they are written: "page" or "end".
    fn choices_text(&self) -> String {
        let list: Vec<String> = self.choices.iter().map(ToString::to_string).collect();
        match list.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }

    /// Checks that a (well-typed) value is one of the choices, if any.
    fn check_choice(&self, v: &serde_json::Value) -> std::result::Result<(), String> {
        if self.choices.is_empty() || self.choice_values().contains(v) {
            return Ok(());
        }
        Err(format!(
            "{v} is not one of the layout's choices: it takes {}",
            self.choices_text()
        ))
    }

    /// The parameter in one line: type, range or choices, default,
    /// description.
    fn describe_line(&self, k: &str) -> String {
        let range = match self.range() {
            Some((lo, hi)) if lo.is_finite() && hi.is_finite() => {
                format!(", from {lo} to {hi}")
            }
            _ => String::new(),
        };
        let choices = if self.choices.is_empty() {
            String::new()
        } else {
            format!(": {}", self.choices_text())
        };
        format!(
            "{k} ({}{range}{choices}, default {}){}",
            self.ty.describe(),
            self.default,
            if self.description.is_empty() {
                String::new()
            } else {
                format!(": {}", self.description)
            }
        )
    }

    /// Checks that a (well-typed) value lies in the parameter's range.
    fn check_range(&self, v: &serde_json::Value) -> std::result::Result<(), String> {
        let (Some((lo, hi)), Some(x)) = (self.range(), v.as_f64()) else {
            return Ok(());
        };
        let unit = if self.ty == ParamType::Length {
            " pt"
        } else {
            ""
        };
        let strictly_positive = self.ty == ParamType::Length && self.min.is_none();
        let ok = if strictly_positive {
            x > lo && x <= hi
        } else {
            x >= lo && x <= hi
        };
        if ok {
            return Ok(());
        }
        let range = match (strictly_positive, lo.is_finite(), hi.is_finite()) {
            (true, _, _) => format!("a positive length up to {hi}{unit}"),
            (false, true, true) => format!("{lo} to {hi}{unit}"),
            (false, true, false) => format!("{lo}{unit} or more"),
            (false, false, true) => format!("at most {hi}{unit}"),
            (false, false, false) => "any value".into(),
        };
        let shown = if x.abs() >= 1e6 || (x != 0.0 && x.abs() < 1e-3) {
            format!("{x:e}")
        } else {
            format!("{x}")
        };
        Err(format!("{shown} is out of range: it takes {range}"))
    }
}

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
    /// A bundled layout whose files and parameters this one inherits.
    #[serde(default)]
    pub extends: Option<String>,
    /// For each font role, the families to try in order.
    #[serde(default)]
    pub fonts: BTreeMap<String, Vec<String>>,
    /// The layout's parameters.
    #[serde(default)]
    pub params: BTreeMap<String, Param>,
    /// The optional head fields of `[issue]` the layout prints (copy,
    /// classification, secrecy_period, urgency, signers, kind); an issue
    /// that sets another gets a warning. Inherited from the parent when
    /// not given.
    #[serde(default)]
    pub places: Option<Vec<String>>,
    /// The parts of an issue the layout leaves out: `toc` (the table of
    /// contents) and `columns` (the column markers 【…】); an issue in
    /// columns gets a warning. Inherited from the parent when not given.
    #[serde(default)]
    pub omits: Option<Vec<String>>,
}

fn default_main() -> String {
    "main.typ".into()
}

/// Where a layout's files are.
#[derive(Debug, Clone)]
pub enum LayoutSource {
    /// Built into the binary.
    Embedded(&'static [(&'static str, &'static [u8])]),
    /// A folder on disk, opened once when the layout is loaded: every file
    /// of the layout is read through that handle.
    Dir(Root),
}

/// A layout: its manifest (with what it inherits) and where its files are.
#[derive(Debug, Clone)]
pub struct Layout {
    pub manifest: Manifest,
    pub source: LayoutSource,
    /// The layout it extends, if any.
    pub parent: Option<Box<Layout>>,
}

impl Layout {
    /// The embedded default layout.
    pub fn embedded_default() -> Layout {
        // The bundled layouts are tested; a broken one is a build defect.
        Layout::bundled("default").unwrap_or_else(|e| panic!("{e}"))
    }

    /// A bundled layout by name.
    pub fn bundled(name: &str) -> Result<Layout> {
        let (_, files) = BUNDLED.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            Error::layout(format!(
                "no bundled layout is called {name:?}; the bundled layouts are: {}",
                BUNDLED
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let text = files
            .iter()
            .find(|(f, _)| *f == "layout.toml")
            .and_then(|(_, t)| std::str::from_utf8(t).ok())
            .unwrap_or("");
        let path = PathBuf::from(format!("<embedded>/layouts/{name}/layout.toml"));
        let manifest: Manifest = toml::from_str(text)
            .map_err(|e| crate::error::toml_error(ErrorKind::Layout, &path, text, &e))?;
        Layout::with_parent(manifest, LayoutSource::Embedded(files))
    }

    /// A layout in a folder.
    pub fn from_dir(dir: &Path) -> Result<Layout> {
        let path = dir.join("layout.toml");
        let root = Root::open(dir).map_err(|e| {
            Error::layout(format!(
                "cannot open the layout folder {}: {e}",
                dir.display()
            ))
        })?;
        // A regular file only, bounded, as the layout's other files.
        let bytes = root.read("layout.toml").map_err(|r| {
            Error::layout(format!(
                "cannot read the layout manifest {}: {}",
                path.display(),
                match r {
                    Refusal::Missing => "no such file".to_string(),
                    Refusal::Outside => "it is a link that leads outside the layout folder".into(),
                    Refusal::Io(m) => m,
                }
            ))
        })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::layout(format!(
                "the layout manifest {} is not UTF-8 text; save it as UTF-8",
                path.display()
            ))
        })?;
        let manifest: Manifest = toml::from_str(&text)
            .map_err(|e| crate::error::toml_error(ErrorKind::Layout, &path, &text, &e))?;
        Layout::with_parent(manifest, LayoutSource::Dir(root))
    }

    /// A layout by name or folder: an existing folder, a folder in
    /// `./layouts/`, or a bundled layout. `base` is where relative folder
    /// names are resolved (the folder of the file that names the layout).
    pub fn find(name: &str, base: &Path) -> Result<Layout> {
        let as_dir = base.join(name);
        if as_dir.join("layout.toml").is_file() {
            return Layout::from_dir(&as_dir);
        }
        let local = Path::new("layouts").join(name);
        if local.join("layout.toml").is_file() {
            return Layout::from_dir(&local);
        }
        if BUNDLED.iter().any(|(n, _)| *n == name) {
            return Layout::bundled(name);
        }
        Err(Error::layout(format!(
            "no layout {name:?}: not a folder with a layout.toml ({}), not in ./layouts/, \
             and not bundled ({}); `bulletin-pdf layouts` lists them",
            as_dir.display(),
            BUNDLED
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }

    fn with_parent(mut manifest: Manifest, source: LayoutSource) -> Result<Layout> {
        let parent = match &manifest.extends {
            None => None,
            Some(p) if p == &manifest.name => {
                return Err(Error::layout(format!("layout {p} extends itself")))
            }
            Some(p) => Some(Box::new(Layout::bundled(p)?)),
        };
        if let Some(parent) = &parent {
            for (role, list) in &parent.manifest.fonts {
                manifest
                    .fonts
                    .entry(role.clone())
                    .or_insert_with(|| list.clone());
            }
            if manifest.places.is_none() {
                manifest.places = parent.manifest.places.clone();
            }
            if manifest.omits.is_none() {
                manifest.omits = parent.manifest.omits.clone();
            }
            for (k, p) in &parent.manifest.params {
                manifest
                    .params
                    .entry(k.clone())
                    .or_insert_with(|| p.clone());
            }
        }
        // A parameter's default must have its type and lie in its range.
        for (k, p) in &manifest.params {
            let Some(v) = p.ty.convert(&p.default) else {
                return Err(Error::layout(format!(
                    "layout {}: parameter {k}: the default {} is not {}",
                    manifest.name,
                    p.default,
                    p.ty.describe()
                )));
            };
            p.check_range(&v).map_err(|m| {
                Error::layout(format!(
                    "layout {}: parameter {k}: the default {m}",
                    manifest.name
                ))
            })?;
            if let Some(c) = p.choices.iter().find(|c| p.ty.convert(c).is_none()) {
                return Err(Error::layout(format!(
                    "layout {}: parameter {k}: the choice {c} is not {}",
                    manifest.name,
                    p.ty.describe()
                )));
            }
            p.check_choice(&v).map_err(|m| {
                Error::layout(format!(
                    "layout {}: parameter {k}: the default {m}",
                    manifest.name
                ))
            })?;
        }
        let main = Path::new(&manifest.main);
        let main_ok = manifest.main.ends_with(".typ")
            && main.components().all(|c| matches!(c, Component::Normal(_)));
        if !main_ok {
            return Err(Error::layout(format!(
                "layout {}: main = {:?} must name the layout's Typst file inside its folder, \
                 e.g. main = \"main.typ\"",
                manifest.name, manifest.main
            )));
        }
        Ok(Layout {
            manifest,
            source,
            parent,
        })
    }

    /// The parts of an issue the layout leaves out (see [`Manifest::omits`]).
    pub fn omits(&self) -> &[String] {
        self.manifest.omits.as_deref().unwrap_or_default()
    }

    /// The optional head fields the layout prints (see [`Manifest::places`]).
    pub fn places(&self) -> &[String] {
        self.manifest.places.as_deref().unwrap_or_default()
    }

    /// The file on disk that holds a layout file (its own or its parent's),
    /// if it is not embedded: what `watch` watches.
    pub fn real_path(&self, rel: &str) -> Option<PathBuf> {
        if let LayoutSource::Dir(dir) = &self.source {
            let p = dir.path().join(rel);
            if p.is_file() {
                return Some(p);
            }
        }
        self.parent.as_ref().and_then(|p| p.real_path(rel))
    }

    /// The layout's folders on disk (its own and its parents'), if any.
    pub fn dirs(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        if let LayoutSource::Dir(dir) = &self.source {
            out.push(dir.path().to_path_buf());
        }
        if let Some(p) = &self.parent {
            out.extend(p.dirs());
        }
        out
    }

    /// A human-readable name for a layout file, for diagnostics.
    pub fn display_path(&self, rel: &str) -> String {
        match (&self.source, &self.parent) {
            (LayoutSource::Dir(dir), _) if dir.path().join(rel).is_file() => {
                dir.path().join(rel).display().to_string()
            }
            (LayoutSource::Embedded(files), _) if files.iter().any(|(n, _)| *n == rel) => {
                format!("<embedded>/layouts/{}/{rel}", self.manifest.name)
            }
            (_, Some(parent)) => parent.display_path(rel),
            (LayoutSource::Dir(dir), None) => dir.path().join(rel).display().to_string(),
            (LayoutSource::Embedded(_), None) => {
                format!("<embedded>/layouts/{}/{rel}", self.manifest.name)
            }
        }
    }

    /// Reads a layout file by its path relative to the layout folder (or,
    /// failing that, its parent's). Paths that leave the folder are refused.
    pub fn read(&self, rel: &str) -> std::result::Result<Bytes, String> {
        let rel_path = Path::new(rel);
        if rel_path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(format!("{rel} is outside the layout folder"));
        }
        let own = match &self.source {
            LayoutSource::Embedded(files) => files
                .iter()
                .find(|(name, _)| *name == rel)
                .map(|(_, bytes)| Bytes::new(*bytes))
                .ok_or_else(|| format!("the layout has no file {rel}")),
            LayoutSource::Dir(dir) => match dir.read(rel) {
                Err(Refusal::Outside) => {
                    return Err(format!("{rel} leads outside the layout folder"))
                }
                Err(Refusal::Missing) => Err(format!("the layout has no file {rel}")),
                Err(Refusal::Io(m)) => Err(m),
                Ok(bytes) => Ok(Bytes::new(bytes)),
            },
        };
        match (own, &self.parent) {
            (Err(_), Some(parent)) => parent.read(rel),
            (own, _) => own,
        }
    }

    /// Every file of the layout (its parent's included), with its path
    /// relative to the layout folder.
    pub fn files(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let mut out: BTreeMap<String, Vec<u8>> = match &self.parent {
            Some(p) => p.files()?.into_iter().collect(),
            None => BTreeMap::new(),
        };
        match &self.source {
            LayoutSource::Embedded(files) => {
                for (name, bytes) in files.iter() {
                    out.insert(name.to_string(), bytes.to_vec());
                }
            }
            LayoutSource::Dir(root) => {
                // Walked through the folder's handle, as rendering reads it.
                let shown = |rel: &str| root.path().join(rel).display().to_string();
                let mut stack: Vec<String> = vec![String::new()];
                while let Some(d) = stack.pop() {
                    let entries = if d.is_empty() {
                        root.dir().entries()
                    } else {
                        root.dir().read_dir(&d)
                    }
                    .map_err(|e| Error::layout(format!("{}: {e}", shown(&d))))?;
                    for e in entries.flatten() {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let rel = if d.is_empty() {
                            name
                        } else {
                            format!("{d}/{name}")
                        };
                        let ty = e
                            .file_type()
                            .map_err(|e| Error::layout(format!("{}: {e}", shown(&rel))))?;
                        if ty.is_dir() {
                            stack.push(rel);
                            continue;
                        }
                        if !ty.is_file() && !ty.is_symlink() {
                            continue;
                        }
                        // Links are followed only to regular files inside the
                        // layout, as rendering reads them.
                        let bytes = root.read(&rel).map_err(|r| {
                            Error::layout(match r {
                                Refusal::Io(m) if !ty.is_symlink() => m,
                                _ if ty.is_symlink() => format!(
                                    "{}: a symbolic link that leads outside the layout folder \
                                     (or to a folder); replace it with the file itself",
                                    shown(&rel)
                                ),
                                _ => format!("{}: cannot read it", shown(&rel)),
                            })
                        })?;
                        out.insert(rel, bytes);
                    }
                }
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Every font family the layout names, for system font discovery.
    pub fn families(&self) -> impl Iterator<Item = &String> {
        self.manifest.fonts.values().flatten()
    }

    /// The parameters with the overrides applied, as the layout
    /// receives them (`data.style`). Unknown or ill-typed overrides, values
    /// out of range or not among the parameter's choices are errors.
    pub fn style(
        &self,
        overrides: &toml::Table,
    ) -> std::result::Result<serde_json::Map<String, serde_json::Value>, StyleError> {
        let mut out = serde_json::Map::new();
        for (k, p) in &self.manifest.params {
            if let Some(v) = p.ty.convert(&p.default) {
                out.insert(k.clone(), v);
            }
        }
        for (k, v) in overrides {
            let fail = |message: String, notes: Vec<String>| StyleError {
                key: k.clone(),
                message,
                notes,
                instead: None,
            };
            let Some(p) = self.manifest.params.get(k) else {
                let mut notes = Vec::new();
                let near = self
                    .manifest
                    .params
                    .keys()
                    .map(|n| (bulletin_model::text::edit_distance(k, n), n))
                    .min();
                if let Some((d, n)) = near {
                    if d <= 2 && d * 2 < k.chars().count() {
                        notes.push(format!("did you mean {n}?"));
                    }
                }
                notes.push(format!(
                    "the layout's parameters are:\n{}",
                    self.params_list()
                ));
                return Err(fail(
                    format!(
                        "style.{k}: layout {} has no parameter {k:?}",
                        self.manifest.name
                    ),
                    notes,
                ));
            };
            let value = p.ty.convert(v).ok_or_else(|| {
                fail(
                    format!("style.{k}: expected {}, found {v}", p.ty.describe()),
                    vec![format!("the parameter: {}", p.describe_line(k))],
                )
            })?;
            p.check_range(&value).map_err(|m| {
                fail(
                    format!(
                        "style.{k}: {m}; e.g. {k} = {} (the layout's default)",
                        p.default
                    ),
                    Vec::new(),
                )
            })?;
            p.check_choice(&value).map_err(|m| {
                // The choice nearest to what was written, else the default.
                let written = v.as_str().unwrap_or_default();
                let near = p
                    .choices
                    .iter()
                    .filter_map(|c| {
                        Some((bulletin_model::text::edit_distance(written, c.as_str()?), c))
                    })
                    .min_by_key(|x| x.0)
                    .filter(|&(d, _)| d <= 2 && d * 2 < written.chars().count());
                let (instead, why) = match near {
                    Some((_, c)) => (c.clone(), "the nearest choice".to_string()),
                    None => (p.default.clone(), "the layout's default".to_string()),
                };
                StyleError {
                    instead: Some(instead.to_string()),
                    ..fail(
                        format!("style.{k}: {m}"),
                        vec![
                            format!("write: {k} = {instead}"),
                            format!("{instead} is {why}; the parameter: {}", p.describe_line(k)),
                        ],
                    )
                }
            })?;
            out.insert(k.clone(), value);
        }
        Ok(out)
    }

    /// One line per parameter: name, type, range or choices, default,
    /// description.
    pub fn params_list(&self) -> String {
        self.manifest
            .params
            .iter()
            .map(|(k, p)| format!("  {}", p.describe_line(k)))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Copies the default layout (all its files) into `dir` as a starting point
/// named `name`.
pub fn new_layout(name: &str, dir: &Path) -> Result<()> {
    if dir.exists() {
        return Err(Error::output(format!(
            "{}: already exists; choose another name or remove it",
            dir.display()
        )));
    }
    let default = Layout::embedded_default();
    std::fs::create_dir_all(dir).map_err(|e| Error::output(format!("{}: {e}", dir.display())))?;
    for (rel, bytes) in default.files()? {
        let bytes = if rel == "layout.toml" {
            let text = String::from_utf8_lossy(&bytes).replacen(
                "name = \"default\"",
                &format!("name = {}", toml::Value::from(name)),
                1,
            );
            // Its own description, to be written: not the default's.
            let description = format!(
                "description = {}",
                toml::Value::from(format!(
                    "{name}: started from the default layout; say here what it is for"
                ))
            );
            let text: String = text
                .split_inclusive('\n')
                .map(|l| match l.starts_with("description = ") {
                    true => format!("{description}\n"),
                    false => l.to_string(),
                })
                .collect();
            text.into_bytes()
        } else {
            bytes
        };
        crate::output::write_atomic(&dir.join(&rel), &bytes)?;
    }
    Ok(())
}

/// The layouts a user can choose: the bundled ones and those in
/// `./layouts/`, with their descriptions.
pub fn list() -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = BUNDLED
        .iter()
        .filter_map(|(n, _)| Layout::bundled(n).ok())
        .map(|l| {
            (
                l.manifest.name.clone(),
                "bundled".into(),
                l.manifest.description,
            )
        })
        .collect();
    let mut local: Vec<_> = std::fs::read_dir("layouts")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("layout.toml").is_file())
        .collect();
    local.sort();
    for dir in local {
        let (name, desc) = match Layout::from_dir(&dir) {
            Ok(l) => (l.manifest.name, l.manifest.description),
            Err(e) => (
                dir.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                format!("(broken: {})", e.message.lines().next().unwrap_or("")),
            ),
        };
        out.push((name, dir.display().to_string(), desc));
    }
    out
}
