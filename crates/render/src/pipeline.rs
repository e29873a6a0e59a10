//! The pipeline of one issue, shared by render, batch, watch and export:
//! [`prepare`] reads the issue with its series files, chooses its layout and
//! builds the layout's data; a [`Renderer`] lays it out in a world it keeps
//! from one issue to the next.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use typst::diag::Warned;
use typst_layout::PagedDocument;

use crate::data::{self, Data};
use crate::error::{Error, ErrorKind, Result};
use crate::fonts::Fonts;
use crate::layout::Layout;
use crate::session::Session;
use crate::source::{self, Encoding, Series};
use crate::world::{BulletinWorld, Loader};
use bulletin_model::diag::Diagnostic;

/// Options for rendering an issue.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct RenderOptions {
    /// Print empty boxes for characters no font has instead of failing.
    pub allow_missing_glyphs: bool,
    /// PDF standards to conform to; when set, they replace the issue's own
    /// `options.pdf_standards`.
    pub pdf_standards: Option<Vec<bulletin_model::issue::PdfStandard>>,
    /// The encoding of issue and series files.
    pub encoding: Encoding,
    /// Downsample photos printed denser than this many pixels per inch to
    /// it, in the PDF (the files are not touched); without it, photos
    /// denser than [`crate::images::PRINT_PPI`] are only warned about.
    #[serde(default)]
    pub max_ppi: Option<f64>,
    /// OFD output follows OFD-A, the archival profile of GB/T 42133-2022.
    #[serde(default)]
    pub ofd_archive: bool,
}

/// An issue ready to lay out: its data and its layout.
pub struct Prepared {
    /// The issue file.
    pub path: PathBuf,
    /// Its series files, outermost first.
    pub series: Vec<PathBuf>,
    /// The layout chosen for it.
    pub layout: Arc<Layout>,
    /// The issue, as read (with its series files merged under it).
    pub issue: bulletin_model::Issue,
    /// The layout's view of it: what the layout reads as `/issue.json`.
    pub data: Data,
    /// The issue's folder, readable by the layout as `/issue-files/`.
    pub issue_dir: PathBuf,
    /// That folder, opened once: every file of it that the issue or the
    /// layout names is read through this handle.
    pub issue_root: Option<crate::sandbox::Root>,
}

impl Prepared {
    /// What a world needs to lay this issue out.
    pub fn loader(&self, session: &Session) -> Loader {
        Loader {
            layout: self.layout.clone(),
            data: None,
            issue_dir: self.issue_root.clone(),
            packages: session.packages.clone(),
            replaced: Default::default(),
        }
    }

    /// The files this issue was prepared from: the issue, its series files,
    /// the files of its folder it names (CSV tables, images) and the
    /// layout's manifests on disk.
    pub fn inputs(&self) -> Vec<PathBuf> {
        let mut out = vec![self.path.clone()];
        out.extend(self.series.iter().cloned());
        // The files of the issue's folder it names (CSV tables, images).
        out.extend(
            self.issue
                .files()
                .into_iter()
                .map(|rel| self.issue_dir.join(rel.trim())),
        );
        out.extend(
            self.layout
                .dirs()
                .into_iter()
                .map(|d| d.join("layout.toml")),
        );
        out
    }
}

/// The folder of a file, `.` for a bare file name.
pub fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Reads an issue file on top of its series files (as read by the caller),
/// chooses its layout and builds the layout's data.
pub fn prepare_with(
    session: &Session,
    path: &Path,
    series: &[Arc<Series>],
    opts: &RenderOptions,
) -> Result<Prepared> {
    let (root, bytes) = open_issue(path)?;
    prepare_in(session, path, &bytes, series, opts, root)
}

/// Opens an issue's folder and reads the issue file through it, so that the
/// issue and the files it names come from one folder, even if the folder is
/// renamed or exchanged meanwhile. An issue file that is a link leading out
/// of its folder (a user's own) is read by its path; the folder is then
/// checked to be the one opened.
pub fn open_issue(path: &Path) -> Result<(Option<crate::sandbox::Root>, Vec<u8>)> {
    use crate::sandbox::{Refusal, Root};
    let dir = folder_of(path);
    let Ok(root) = Root::open(&dir) else {
        // No folder to open: the read says why.
        return Ok((None, source::read_limited(path)?));
    };
    let name = path.file_name().unwrap_or_default();
    match root.read_limited(name, source::MAX_FILE_BYTES) {
        Ok(bytes) => Ok((Some(root), bytes)),
        // The reasons a read fails are the bounded read's to say.
        Err(Refusal::Missing | Refusal::Io(_)) => Err(source::read_limited(path)
            .err()
            .unwrap_or_else(|| Error::input(format!("{}: cannot read the file", path.display())))),
        Err(Refusal::Outside) => {
            let bytes = source::read_limited(path)?;
            if !root.is_at(&dir) {
                return Err(Error::input(format!(
                    "{}: its folder was renamed or replaced while it was read; render it again",
                    path.display()
                )));
            }
            Ok((Some(root), bytes))
        }
    }
}

/// Like [`prepare_with`], for an issue whose bytes were read already (from
/// standard input, say): `path` names it in messages, and its folder is the
/// issue's folder.
pub fn prepare_bytes(
    session: &Session,
    path: &Path,
    bytes: &[u8],
    series: &[Arc<Series>],
    opts: &RenderOptions,
) -> Result<Prepared> {
    let root = crate::sandbox::Root::open(&folder_of(path)).ok();
    prepare_in(session, path, bytes, series, opts, root)
}

fn prepare_in(
    session: &Session,
    path: &Path,
    bytes: &[u8],
    series: &[Arc<Series>],
    opts: &RenderOptions,
    root: Option<crate::sandbox::Root>,
) -> Result<Prepared> {
    let (issue, named_by) = source::parse_issue_located(path, bytes, series, opts.encoding)?;
    let base = folder_of(path);
    // A layout named in a series file is found from that file's folder.
    let named_in = named_by.map_or_else(|| base.clone(), folder_of);
    let layout = session
        .layout_for(issue.layout.as_deref(), &named_in)
        .map_err(|e| match e.is_placed() {
            true => e,
            false => Error::layout(format!("{}: {}", path.display(), e.message)),
        })?;
    let own_text = String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes));
    let ctx = crate::content::Context {
        path,
        text: Some(&own_text),
        // Spans point into the issue's own text unless series files were
        // merged in (and only for UTF-8, whose bytes are the text's).
        spans: series.is_empty() && opts.encoding == Encoding::Utf8,
        dir: root.as_ref(),
    };
    let mut data = data::build(&issue, &layout, &ctx).map_err(|e| {
        let e = match e {
            data::BuildError::Content(e) => return e,
            data::BuildError::Style(e) => e,
        };
        // A [style] value: point at it, in the issue or the series file
        // that sets it; the notes follow the place.
        let own = std::str::from_utf8(bytes).ok();
        let mut notes = e.notes.clone();
        let texts = own.map(|t| (path.to_path_buf(), t)).into_iter().chain(
            series
                .iter()
                .rev()
                .map(|s| (s.path.clone(), s.text.as_str())),
        );
        let mut located = None;
        for (p, t) in texts {
            if let Some(r) = source::locate_key(t, "style", &e.key) {
                // The value alone (a comment after it stays).
                let value = &t[r.clone()];
                let len = match value.strip_prefix('"') {
                    Some(rest) => rest.find('"').map_or(value.len(), |i| i + 2),
                    None => value.find([' ', '\t', '#']).unwrap_or(value.len()),
                };
                let r = r.start..r.start + len;
                let mut err = Error::at(ErrorKind::Input, &p, t, r.clone(), e.message.clone());
                // The corrected line: the value replaced.
                if let Some(v) = &e.instead {
                    let start = t[..r.start].rfind('\n').map_or(0, |i| i + 1);
                    let end = t[r.end..].find(['\n', '\r']).map_or(t.len(), |i| r.end + i);
                    let line = format!("{}{v}{}", &t[start..r.start], &t[r.end..end]);
                    for h in err.hints.iter_mut().chain(notes.iter_mut()) {
                        if h.starts_with("write: ") {
                            *h = format!("write: {}", line.trim());
                        }
                    }
                    err.fix = Some(Box::new(bulletin_model::Fix {
                        line: crate::error::line_col(t, r.start).0,
                        text: line,
                    }));
                }
                located = Some(err);
                break;
            }
        }
        located
            .unwrap_or_else(|| Error::input(format!("{}: {}", path.display(), e.message)))
            .with_hints(notes)
    })?;
    if let Some(list) = &opts.pdf_standards {
        data.options.pdf_standards = list.clone();
    }
    Ok(Prepared {
        path: path.to_path_buf(),
        series: series.iter().map(|s| s.path.clone()).collect(),
        layout,
        issue,
        data,
        issue_dir: base,
        issue_root: root,
    })
}

/// The layout an issue's own text or its series files name, and the folder
/// it is found from: the issue's own `layout` (from the issue's folder),
/// else the nearest series file's (from that file's folder); no name when
/// none names one. `None` when that cannot be told from the files (a
/// `layout` that is not a string, an issue that is not TOML).
pub fn named_layout(
    own: &[u8],
    series: &[Arc<Series>],
    issue_dir: &Path,
) -> Option<(Option<String>, PathBuf)> {
    // `layout` is ASCII in UTF-8 and GBK alike: most issues never name it.
    let own_name = if own.windows(6).any(|w| w == b"layout") {
        let text = String::from_utf8_lossy(own);
        let table: toml::Table = toml::from_str(text.trim_start_matches('\u{feff}')).ok()?;
        match table.get("layout") {
            None => None,
            Some(toml::Value::String(s)) => Some(s.clone()),
            Some(_) => return None,
        }
    } else {
        None
    };
    if let Some(name) = own_name {
        return Some((Some(name), issue_dir.to_path_buf()));
    }
    match series
        .iter()
        .rev()
        .find_map(|s| Some((s, s.table.get("layout")?)))
    {
        Some((s, toml::Value::String(n))) => Some((Some(n.clone()), folder_of(&s.path))),
        Some(_) => None,
        None => Some((None, issue_dir.to_path_buf())),
    }
}

/// Reads an issue file and its series files (every `bulletin.toml` in its
/// folder and the folders above), chooses its layout and builds its data.
pub fn prepare(session: &Session, path: &Path, opts: &RenderOptions) -> Result<Prepared> {
    let series = source::read_series(path, opts.encoding)?;
    prepare_with(session, path, &series, opts)
}

/// A laid-out issue.
pub struct Rendered {
    pub document: PagedDocument,
    pub data: Data,
    /// Warnings worth showing: Typst's (less the expected ones) and the
    /// issue's.
    pub warnings: Vec<Diagnostic>,
    /// The name of the layout used.
    pub layout: String,
}

/// A layout that stops on something in the issue (a table wider than the
/// type block) panics with the place the data gives it, `FILE:LINE:COL:
/// message`: shown as an error in the issue file, not in the layout.
fn placed_in_issue(e: Error, path: &Path) -> Error {
    let prefix = format!("panicked with: {}:", path.display());
    let Some(at) = e.message.find(&prefix) else {
        return e;
    };
    let rest = &e.message[at + prefix.len()..];
    let mut parts = rest.splitn(3, ':');
    let (Some(line), Some(col), Some(message)) = (parts.next(), parts.next(), parts.next()) else {
        return e;
    };
    let (Ok(line), Ok(col)) = (line.parse::<usize>(), col.parse::<usize>()) else {
        return e;
    };
    let message = message.lines().next().unwrap_or("").trim();
    let Ok(bytes) = source::read_limited(path) else {
        return e;
    };
    let text = String::from_utf8_lossy(&bytes);
    let offset = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        + text
            .split_inclusive('\n')
            .nth(line.saturating_sub(1))
            .map_or(0, |l| {
                l.chars()
                    .take(col.saturating_sub(1))
                    .map(char::len_utf8)
                    .sum()
            });
    let end = text[offset.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| offset + i);
    Error::at(
        ErrorKind::Input,
        path,
        &text,
        offset..end.max(offset + 1),
        message,
    )
}

/// Says so when the distribution footer went to a page of its own: the
/// layout marks the end of the body with `<bulletin-body-end>` (a layout
/// without the mark is not checked), and may leave the room under the text
/// and the height the footer needs (in pt, with the grid pitch) as
/// `<bulletin-footer-fit>` metadata, from which the grid lines missing are
/// told.
pub fn footer_alone(document: &PagedDocument) -> Option<String> {
    use typst::foundations::{Label, Value};
    use typst::introspection::Introspector;
    use typst::utils::PicoStr;
    let intro = document.introspector();
    let label = Label::new(PicoStr::intern("bulletin-body-end"))?;
    let location = intro.query_label(label).ok()?.location()?;
    let page = intro.page(location)?.get();
    let pages = document.pages().len();
    if page >= pages {
        return None;
    }
    let fit = Label::new(PicoStr::intern("bulletin-footer-fit"))
        .and_then(|l| intro.query_label(l).ok())
        .and_then(|e| match e.get_by_name("value").ok()? {
            Value::Dict(d) => {
                let num = |k: &str| match d.get(k).ok()? {
                    Value::Float(f) => Some(*f),
                    Value::Int(i) => Some(*i as f64),
                    _ => None,
                };
                Some((num("room")?, num("needed")?, num("pitch")?))
            }
            _ => None,
        });
    let what = format!(
        "the distribution footer (报尾) did not fit under the end of the text on page {page}, \
         so page {pages} holds the footer alone"
    );
    Some(match fit {
        Some((room, needed, pitch)) if pitch > 0.0 => {
            let lines = (((needed - room) / pitch) - 1e-6).ceil().max(1.0) as usize;
            let s = if lines == 1 { "" } else { "s" };
            format!(
                "{what}: even set tighter, it needs {lines} more grid line{s} than page {page} \
                 leaves under the text ({}); to keep it on page {page}, shorten the text on \
                 that page by {lines} line{s} (the last article, or one before it), or leave \
                 out a footer line",
                format_lines(room / pitch),
            )
        }
        _ => format!(
            "{what}; to keep it on page {page}, shorten the last article by a few lines, or \
             leave out a footer line"
        ),
    })
}

/// Says so when page 1 ends early because the first article's title went to
/// page 2: the layout marks where the body may start on page 1 with
/// `<bulletin-body-start>` metadata (the type block's bottom and the grid
/// pitch, in pt) and each title with the grid lines it takes
/// (`<bulletin-title-lines>`); the title is labelled
/// `<bulletin-article-1>`. A title stays on page 1 when it fits there with
/// two lines of its text (and its column marker); when it does not and a
/// third of page 1 or more is left empty, the warning says by how much and
/// what would fit it.
pub fn first_title_short(document: &PagedDocument) -> Option<String> {
    use typst::foundations::{Label, NativeElement, Selector, Value};
    use typst::introspection::Introspector;
    use typst::utils::PicoStr;
    let intro = document.introspector();
    let label = |name: &str| Label::new(PicoStr::intern(name));
    let title = intro.query_label(label("bulletin-article-1")?).ok()?;
    let title_page = intro.page(title.location()?)?.get();
    if title_page == 1 {
        return None;
    }
    // A column marker (a heading before the title) goes with it.
    let marker = intro
        .query(&typst::model::HeadingElem::ELEM.select())
        .first()
        .is_some_and(|h| h.location() != title.location());
    let num = |d: &typst::foundations::Dict, k: &str| match d.get(k).ok()? {
        Value::Float(f) => Some(*f),
        Value::Int(i) => Some(*i as f64),
        _ => None,
    };
    // The lowest mark on page 1.
    let mut start: Option<(f64, f64, f64, f64)> = None;
    let marks = intro.query(&Selector::Label(label("bulletin-body-start")?));
    // The masthead's mark, and the table of contents' when there is one.
    let toc = marks.len() > 1;
    for mark in marks {
        let Some(pos) = intro.position(mark.location()?) else {
            continue;
        };
        if pos.page.get() != 1 {
            continue;
        }
        let Ok(Value::Dict(d)) = mark.get_by_name("value") else {
            continue;
        };
        let (Some(top), Some(bottom), Some(pitch)) =
            (num(&d, "top"), num(&d, "bottom"), num(&d, "pitch"))
        else {
            continue;
        };
        let y = pos.point.y.to_pt();
        if start.is_none_or(|(sy, ..)| y > sy) {
            start = Some((y, top, bottom, pitch));
        }
    }
    let (y, top, bottom, pitch) = start?;
    if pitch <= 0.0 {
        return None;
    }
    let free = ((bottom - y) / pitch + 1e-3).floor().max(0.0) as usize;
    let lines = intro
        .query(&Selector::Label(label("bulletin-title-lines")?))
        .first()
        .and_then(|m| match m.get_by_name("value").ok()? {
            Value::Dict(d) => num(&d, "lines"),
            _ => None,
        })
        .map(|l| l.round() as usize)?;
    let needed = lines + 2 + usize::from(marker);
    // A few lines left empty are ordinary (issue 363 leaves 3 under its
    // table of contents): said when a third of the page or more is empty.
    let page_lines = ((bottom - top) / pitch).round().max(1.0) as usize;
    if free * 3 < page_lines || needed <= free {
        return None;
    }
    let marker_note = if marker { " and its column marker" } else { "" };
    let toc_note = if toc {
        ", a shorter table of contents (shorter toc_title entries)"
    } else {
        ""
    };
    Some(format!(
        "page 1 ends {free} grid lines short: the first article's title takes {lines} grid \
         lines with the blank line after it, and with two lines of its text{marker_note} it \
         needs {needed}, so it starts page {title_page}; to keep it on page 1, make room for \
         {} more line{}: a shorter title (fewer lines){toc_note}, or [style] \
         title_gap_lines = 0",
        needed - free,
        if needed - free == 1 { "" } else { "s" }
    ))
}

/// A number of grid lines, as said in a message: "2 lines", "less than a
/// line".
fn format_lines(lines: f64) -> String {
    let n = (lines + 1e-6).floor().max(0.0) as usize;
    match n {
        0 => "less than a line".into(),
        1 => "1 line".into(),
        n => format!("{n} lines"),
    }
}

/// Lays issues out, one after another, in a world it keeps: the layout's
/// sources are parsed once and edited in place when they change, as in the
/// typst CLI.
pub struct Renderer<'s> {
    session: &'s Session,
    world: Option<BulletinWorld>,
}

impl<'s> Renderer<'s> {
    pub fn new(session: &'s Session) -> Renderer<'s> {
        Renderer {
            session,
            world: None,
        }
    }

    /// A renderer that goes on with the world of an earlier one (`watch`
    /// keeps it across sessions, when a layout's manifest changed).
    pub fn with_world(session: &'s Session, world: Option<BulletinWorld>) -> Renderer<'s> {
        Renderer { session, world }
    }

    /// The world, to keep for a later renderer.
    pub fn into_world(self) -> Option<BulletinWorld> {
        self.world
    }

    /// The session this renderer lays out for.
    pub fn session(&self) -> &'s Session {
        self.session
    }

    /// Lays out a prepared issue.
    pub fn render(&mut self, prepared: &Prepared, opts: &RenderOptions) -> Result<Rendered> {
        let fonts = &self.session.fonts;
        let in_text = missing_in_data(&prepared.data, fonts);
        let mut missing_warning = None;
        if !in_text.is_empty() {
            if !opts.allow_missing_glyphs {
                check_glyphs(&prepared.data, fonts).map_err(|m| {
                    Error::new(
                        ErrorKind::MissingGlyphs,
                        format!("{}: {m}", prepared.path.display()),
                    )
                })?;
            }
            // Allowed: still said, character by character, with its place.
            missing_warning = Some(Diagnostic::warning(format!(
                "{}: {}(printed as empty boxes, as --allow-missing-glyphs asks)",
                prepared.path.display(),
                list_missing(&in_text)
            )));
        }
        let loader = prepared.loader(self.session);
        let world = match &mut self.world {
            Some(w) => {
                w.update(fonts.clone(), loader, &prepared.data)?;
                w
            }
            None => self
                .world
                .insert(BulletinWorld::new(fonts.clone(), loader, &prepared.data)?),
        };
        let (mut document, mut warnings) =
            compile(world).map_err(|e| placed_in_issue(e, &prepared.path))?;
        // Photos denser than print needs: downsampled when asked (then laid
        // out again, with the smaller files in their place), else said.
        let limit = opts.max_ppi.unwrap_or(crate::images::PRINT_PPI);
        let dense = crate::images::dense(&document, &prepared.data, limit);
        if !dense.is_empty() {
            let mut replaced = crate::images::Replaced::new();
            let mut notes = Vec::new();
            if let Some(ppi) = opts.max_ppi {
                for d in &dense {
                    let small = prepared
                        .issue_root
                        .as_ref()
                        .and_then(|root| root.read(&d.file).ok())
                        .and_then(|bytes| crate::images::downsample(d, &bytes, ppi));
                    match small {
                        Some(b) => {
                            replaced.insert(d.file.clone(), b);
                        }
                        None => notes.push(Diagnostic::warning(format!(
                            "{}: the image {} could not be downsampled (it is printed as it is)",
                            d.place, d.file
                        ))),
                    }
                }
            } else {
                notes.extend(
                    dense
                        .iter()
                        .filter(|d| d.bytes > crate::images::WARN_BYTES)
                        .map(|d| Diagnostic::warning(d.warning(limit))),
                );
            }
            if !replaced.is_empty() {
                let mut loader = world.loader().clone();
                loader.replaced = std::sync::Arc::new(replaced);
                world.update(fonts.clone(), loader, &prepared.data)?;
                let (again, more) =
                    compile(world).map_err(|e| placed_in_issue(e, &prepared.path))?;
                document = again;
                warnings = more;
            }
            warnings.extend(notes);
        }
        // Text the layout makes (a number, a bullet from [style]) may hold
        // characters no font has too: look at what was laid out.
        warnings.extend(missing_warning);
        // What reading the issue noticed (pasted text, say).
        warnings.extend(
            prepared
                .data
                .warnings
                .iter()
                .map(|w| Diagnostic::warning(format!("{}: {w}", prepared.path.display()))),
        );
        let missing: Vec<(char, usize)> = crate::document::missing_glyphs(&document)
            .into_iter()
            .filter(|(c, _)| !in_text.iter().any(|(d, _)| d == c))
            .collect();
        if !missing.is_empty() {
            let list: Vec<String> = missing
                .iter()
                .map(|(c, page)| format!("  {c} (U+{:04X}) on page {page}", *c as u32))
                .collect();
            let what = format!(
                "{}: no available font has these characters, printed as empty boxes:\n{}",
                prepared.path.display(),
                list.join("\n")
            );
            if !opts.allow_missing_glyphs {
                return Err(Error::new(
                    ErrorKind::MissingGlyphs,
                    format!(
                        "{what}\nThey come from the layout or from values it formats (a \
                         number, a [style] value). Install a font that has them (or name its \
                         folder with --font-path DIR), change the value, or pass \
                         --allow-missing-glyphs."
                    ),
                ));
            }
            warnings.push(Diagnostic::warning(what));
        }
        if let Some(w) = first_title_short(&document) {
            warnings.push(Diagnostic::warning(format!(
                "{}: {w}",
                prepared.path.display()
            )));
        }
        if prepared.data.footer.is_some() {
            if let Some(w) = footer_alone(&document) {
                warnings.push(Diagnostic::warning(format!(
                    "{}: {w}",
                    prepared.path.display()
                )));
            }
        }
        Ok(Rendered {
            document,
            data: prepared.data.clone(),
            warnings,
            layout: prepared.layout.manifest.name.clone(),
        })
    }

    /// Reads, checks and lays out an issue file.
    pub fn render_file(&mut self, path: &Path, opts: &RenderOptions) -> Result<Rendered> {
        let prepared = prepare(self.session, path, opts)?;
        self.render(&prepared, opts)
    }

    /// Where the files the last layout read are.
    pub fn origins(&mut self) -> Vec<crate::world::Origin> {
        self.world
            .as_mut()
            .map(BulletinWorld::origins)
            .unwrap_or_default()
    }

    /// The files on disk the last layout read (see
    /// [`BulletinWorld::dependencies`]).
    pub fn dependencies(&mut self) -> Vec<PathBuf> {
        self.world
            .as_mut()
            .map(BulletinWorld::dependencies)
            .unwrap_or_default()
    }
}

/// Reads, checks and lays out one issue file (with its series files).
pub fn render_file(session: &Session, path: &Path, opts: &RenderOptions) -> Result<Rendered> {
    Renderer::new(session).render_file(path, opts)
}

/// Lays out the world's main file.
pub fn compile(world: &BulletinWorld) -> Result<(PagedDocument, Vec<Diagnostic>)> {
    let Warned { output, warnings } = typst::compile::<PagedDocument>(world);
    let warnings: Vec<_> = warnings
        .iter()
        .filter(|w| !w.message.starts_with("unknown font family"))
        .cloned()
        .collect();
    let warnings = crate::diag::typst(world, &warnings);
    match output {
        Ok(doc) => Ok((doc, warnings)),
        Err(errors) => Err(Error::from_diagnostics(
            ErrorKind::Layout,
            crate::diag::typst(world, &errors),
        )),
    }
}

/// Compiles a plain Typst project folder (as `export-typst` writes it).
pub fn compile_project(dir: &Path, fonts: Arc<Fonts>) -> Result<PagedDocument> {
    let layout = Arc::new(Layout::from_dir(dir)?);
    let world = BulletinWorld::plain(fonts, layout)?;
    compile(&world).map(|(doc, _)| doc)
}

/// Every character of the issue's text that no available font has, with
/// where it is (once per place).
pub fn missing_in_data(data: &Data, fonts: &Fonts) -> Vec<(char, String)> {
    let mut missing: Vec<(char, String)> = Vec::new();
    for place in data.places() {
        let mut seen = Vec::new();
        for c in place.text.chars() {
            if crate::document::is_invisible(c) || seen.contains(&c) || fonts.covers(c) {
                continue;
            }
            seen.push(c);
            missing.push((c, place.place.clone()));
        }
    }
    missing
}

fn list_missing(missing: &[(char, String)]) -> String {
    let mut msg = String::from("no available font has these characters:\n");
    for (c, place) in missing {
        msg.push_str(&format!("  {c} (U+{:04X}) in {place}\n", *c as u32));
    }
    msg
}

/// Lists every character that no available font has, with where it is.
pub fn check_glyphs(data: &Data, fonts: &Fonts) -> std::result::Result<(), String> {
    let missing = missing_in_data(data, fonts);
    if missing.is_empty() {
        return Ok(());
    }
    let mut msg = list_missing(&missing);
    msg.push_str(
        "Install a font that has them (or name its folder with --font-path DIR), \
         or pass --allow-missing-glyphs to print empty boxes in their place.",
    );
    Err(msg)
}
