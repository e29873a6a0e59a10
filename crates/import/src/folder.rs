//! Importing files and folders: what `bulletin-pdf import FILE|DIR...`
//! does, as a library function ([`import_all`]). The inputs are found
//! (folders searched for [`EXTENSIONS`](crate::input::EXTENSIONS)), each is
//! imported to an issue file beside it (or under an output folder), issues
//! of one folder may share a series file (`--series`), every issue file is
//! read back as a valid issue, and the [`Host`] checks it and writes it.
//! Nothing is printed here: the caller reports [`Run`].

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bulletin_model::source::{self, Series};
use bulletin_model::{Error, Result};
use serde::Serialize;

use crate::input::Format;
use crate::recognize::Recognized;
use crate::write;

/// What to import, and how.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions<'a> {
    /// Files and folders (searched, hidden entries and Word's lock files
    /// skipped).
    pub inputs: &'a [PathBuf],
    /// Where the issue files go, keeping the folders' structure; beside
    /// each input by default.
    pub out_dir: Option<&'a Path>,
    /// What the issues of one output folder share goes to its series file
    /// (`bulletin.toml`), left out of each issue file.
    pub series: bool,
    /// Import and validate, write nothing.
    pub dry_run: bool,
    /// Overwrite existing issue files, images and series files.
    pub force: bool,
}

/// What the importer needs from its caller: a check of an issue file as the
/// layout would receive it (the render crate's pipeline, which this crate
/// does not depend on), and atomic writes.
pub trait Host {
    /// Checks an imported issue file (about to be written at `output`, with
    /// `series`): an error says what is wrong.
    fn check(
        &self,
        output: &Path,
        text: &str,
        series: &[Arc<Series>],
    ) -> std::result::Result<(), String>;

    /// Writes a file atomically (an older file there is replaced only once
    /// the new one is complete).
    fn write(&self, path: &Path, bytes: &[u8]) -> Result<()>;

    /// Reads and recognises one input. Here, in this process; a host that
    /// imports documents of others bounds it (`bulletin-pdf import` reads
    /// each in a worker process under `--timeout` and `--max-memory`).
    fn import(&self, input: &Path) -> std::result::Result<crate::input::Imported, String> {
        crate::input::import_file(input).map_err(|e| e.message)
    }
}

/// The outcome of one input.
#[derive(Debug)]
pub struct Outcome {
    pub input: PathBuf,
    /// Where its issue file goes.
    pub output: PathBuf,
    pub format: Option<Format>,
    /// The issue found, once imported.
    pub recognized: Option<Recognized>,
    /// Why the input was not imported (or its issue not written).
    pub error: Option<String>,
    /// Whether the issue file was written.
    pub written: bool,
}

/// The outcome of a run.
#[derive(Debug)]
pub struct Run {
    /// One outcome per input, in order.
    pub outcomes: Vec<Outcome>,
    /// What the caller should warn about (a series file left in place).
    pub warnings: Vec<String>,
    pub dry_run: bool,
}

impl Run {
    /// How many inputs failed.
    pub fn failed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.error.is_some()).count()
    }

    /// The places guessed (`# check:` comments) in the issues imported.
    pub fn checks(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.error.is_none())
            .filter_map(|o| o.recognized.as_ref())
            .map(|r| r.checks.len())
            .sum()
    }

    /// The report: a JSON line per input (status, what was found, what was
    /// guessed, dropped and repaired).
    pub fn report(&self) -> String {
        let mut lines = String::new();
        for o in &self.outcomes {
            lines.push_str(&report_line(o, self.dry_run));
            lines.push('\n');
        }
        lines
    }

    /// The summary line: how many inputs were imported, failed, and the
    /// places to check.
    pub fn summary(&self) -> String {
        let n = self.outcomes.len();
        let failed = self.failed();
        let checks = self.checks();
        let done = n - failed;
        format!(
            "{} {done} of {n} input{}: {failed} failed, {checks} place{} to check (# check: \
             comments){}",
            if self.dry_run {
                "would import"
            } else {
                "imported"
            },
            if n == 1 { "" } else { "s" },
            if checks == 1 { "" } else { "s" },
            if !self.dry_run && done > 0 {
                "; then run bulletin-pdf check on the issue files"
            } else {
                ""
            }
        )
    }

    /// An error when any input failed.
    pub fn result(&self) -> Result<()> {
        let failed = self.failed();
        if failed == 0 {
            return Ok(());
        }
        let n = self.outcomes.len();
        Err(Error::input(format!(
            "{failed} of {n} input{} could not be imported",
            if n == 1 { "" } else { "s" }
        )))
    }
}

/// One input and where its issue file goes.
struct Job {
    input: PathBuf,
    output: PathBuf,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> std::io::Result<()> {
    if depth > 64 {
        return Ok(());
    }
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let ty = e.file_type()?;
        let path = e.path();
        if ty.is_dir() {
            // The folder of a saved web page's images and parts
            // (page_files/, Word's page.files/ with its header.htm) belongs
            // to the page.
            if page_files(dir, &name) {
                continue;
            }
            walk(&path, out, depth + 1)?;
        } else if ty.is_file() {
            let ext = path
                .extension()
                .map(|x| x.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            // An issue's own images (363-files/img-1.png, written by import
            // and used by render) are not scans to import.
            let own_image = matches!(ext.as_str(), "png" | "jpg" | "jpeg" | "tif" | "tiff")
                && dir
                    .file_name()
                    .is_some_and(|d| d.to_string_lossy().ends_with("-files"));
            // Word's lock files (~$name.docx) are not documents.
            if crate::input::EXTENSIONS.contains(&ext.as_str())
                && !name.starts_with("~$")
                && !own_image
            {
                out.push(path);
            }
        }
    }
    Ok(())
}

/// Whether `name` (a folder in `dir`) is the files folder of a page saved
/// beside it: `NAME_files` or `NAME.files` next to `NAME.htm`/`NAME.html`.
fn page_files(dir: &Path, name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix("_files")
        .or_else(|| name.strip_suffix(".files"))
    else {
        return false;
    };
    ["htm", "html", "HTM", "HTML"]
        .iter()
        .any(|x| dir.join(format!("{stem}.{x}")).is_file())
}

fn jobs(opts: &ImportOptions<'_>) -> Result<Vec<Job>> {
    let mut jobs = Vec::new();
    for input in opts.inputs {
        let meta = std::fs::metadata(input)
            .map_err(|e| Error::input(format!("{}: {e}", input.display())))?;
        let mut push = |file: &Path, rel: &Path| {
            let rel_toml = rel.with_extension("toml");
            let output = match opts.out_dir {
                Some(d) => d.join(rel_toml),
                None => file.with_extension("toml"),
            };
            jobs.push(Job {
                input: file.to_path_buf(),
                output,
            });
        };
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(input, &mut found, 0)
                .map_err(|e| Error::input(format!("{}: {e}", input.display())))?;
            found.sort();
            for f in found {
                let rel = f.strip_prefix(input).unwrap_or(&f).to_path_buf();
                push(&f, &rel);
            }
        } else {
            let name = PathBuf::from(input.file_name().unwrap_or_default());
            push(input, &name);
        }
    }
    Ok(jobs)
}

fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    }
}

/// One line of the report.
#[derive(Serialize)]
struct ReportLine<'a> {
    input: String,
    output: String,
    /// imported, dry-run or failed.
    status: &'static str,
    format: Option<&'static str>,
    /// The text was read by OCR from a scan: it must be proofread.
    ocr: bool,
    error: Option<&'a str>,
    found: Option<serde_json::Value>,
    guessed: Vec<Guess>,
    dropped: &'a [String],
    repairs: &'a [String],
    notices: &'a [String],
}

#[derive(Serialize)]
struct Guess {
    /// The place in words (column 1 article 2).
    place: String,
    /// Its key path in the issue file (columns[0].articles[1]).
    key: String,
    message: String,
}

fn report_line(o: &Outcome, dry_run: bool) -> String {
    let status = match (&o.error, dry_run) {
        (Some(_), _) => "failed",
        (None, true) => "dry-run",
        (None, false) => "imported",
    };
    let r = o.recognized.as_ref();
    let line = ReportLine {
        input: o.input.display().to_string(),
        output: o.output.display().to_string(),
        status,
        format: o.format.map(Format::name),
        ocr: o.format == Some(Format::Scan),
        error: o.error.as_deref(),
        found: r.map(crate::input::found),
        guessed: r
            .map(|r| {
                r.checks
                    .iter()
                    .map(|c| Guess {
                        place: c.at.describe(),
                        key: c.at.to_string(),
                        message: c.message.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        dropped: r.map_or(&[], |r| &r.dropped),
        repairs: r.map_or(&[], |r| &r.repairs),
        notices: r.map_or(&[], |r| &r.notices),
    };
    serde_json::to_string(&line).unwrap_or_default()
}

/// Imports every input: each to its issue file (and images, and a series
/// file per folder with `series`), read back and checked by `host` before
/// it is written. An input that fails does not stop the others: see each
/// [`Outcome`], and [`Run::result`]. Errors only when there is nothing to
/// import (or an input cannot be read as a file or folder).
pub fn import_all(opts: &ImportOptions<'_>, host: &dyn Host) -> Result<Run> {
    let jobs = jobs(opts)?;
    if jobs.is_empty() {
        return Err(Error::input(format!(
            "nothing to import in {}: give .docx, .pdf, .txt, .md, .doc, .wps or \
             .html/.htm files or scans (.png, .jpg, .tif), or folders holding them",
            opts.inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    // The same file named twice (or under a folder also named) is one input.
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let jobs: Vec<Job> = jobs
        .into_iter()
        .filter(|j| seen.insert(std::fs::canonicalize(&j.input).unwrap_or(j.input.clone())))
        .collect();
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut outputs: HashSet<PathBuf> = HashSet::new();
    let inputs: Vec<PathBuf> = jobs.iter().map(|j| j.input.clone()).collect();
    for job in jobs {
        let key = std::path::absolute(&job.output).unwrap_or(job.output.clone());
        let mut o = Outcome {
            input: job.input,
            output: job.output,
            format: None,
            recognized: None,
            error: None,
            written: false,
        };
        let refuse = if !outputs.insert(key) {
            Some(format!(
                "{}: another input of this run is imported to {} already (two files with one \
                 name, e.g. a .docx and a .pdf of the same issue); import one of them, or the \
                 other into another folder with --out-dir",
                o.input.display(),
                o.output.display()
            ))
        } else if inputs.iter().any(|i| same_file(i, &o.output)) || o.output == o.input {
            Some(format!(
                "{}: the issue file would be written over an input ({}); use --out-dir",
                o.input.display(),
                o.output.display()
            ))
        } else if o.output.exists() && !opts.force && !opts.dry_run {
            Some(format!(
                "{}: {} exists already; pass --force to overwrite it",
                o.input.display(),
                o.output.display()
            ))
        } else {
            None
        };
        if let Some(e) = refuse {
            o.error = Some(e);
            outcomes.push(o);
            continue;
        }
        match host.import(&o.input) {
            Ok(imp) => {
                o.format = Some(imp.format);
                o.recognized = Some(imp.recognized);
            }
            Err(e) => o.error = Some(e),
        }
        // Without a series file to share, each issue is written as soon as
        // it is imported: a run stopped later keeps what was done.
        if !opts.series {
            if let Some(r) = &o.recognized {
                let dir = o.output.parent().unwrap_or(Path::new("")).to_path_buf();
                let none = write::Shared::default();
                match write_one(&o, r, &dir, &none, opts, host, &mut HashSet::new()) {
                    Ok(written) => o.written = written,
                    Err(e) => o.error = Some(e),
                }
            }
        }
        outcomes.push(o);
    }

    let mut warnings = Vec::new();
    let shared_by_dir = if opts.series {
        shared_by_dir(&outcomes, opts, &mut warnings)
    } else {
        BTreeMap::new()
    };

    // With --series: write (or, dry, only validate) once all are imported.
    let mut series_written: HashSet<PathBuf> = HashSet::new();
    for o in outcomes.iter_mut().filter(|_| opts.series) {
        let Some(r) = &o.recognized else { continue };
        let dir = o.output.parent().unwrap_or(Path::new("")).to_path_buf();
        let shared = shared_by_dir.get(&dir).cloned().unwrap_or_default();
        let result = write_one(o, r, &dir, &shared, opts, host, &mut series_written);
        match result {
            Ok(written) => o.written = written,
            Err(e) => o.error = Some(e),
        }
    }
    Ok(Run {
        outcomes,
        warnings,
        dry_run: opts.dry_run,
    })
}

/// Per output folder, what all its issues share (and is not in a series
/// file there already, unless `force`).
fn shared_by_dir(
    outcomes: &[Outcome],
    opts: &ImportOptions<'_>,
    warnings: &mut Vec<String>,
) -> BTreeMap<PathBuf, write::Shared> {
    let mut shared_by_dir = BTreeMap::new();
    let mut by_dir: BTreeMap<PathBuf, Vec<&Recognized>> = BTreeMap::new();
    for o in outcomes {
        if let Some(r) = &o.recognized {
            let dir = o.output.parent().unwrap_or(Path::new("")).to_path_buf();
            by_dir.entry(dir).or_default().push(r);
        }
    }
    for (dir, issues) in by_dir {
        let lists: Vec<Vec<write::SharedKey>> =
            issues.iter().map(|r| write::shareable(&r.issue)).collect();
        let Some(first) = lists.first() else { continue };
        let entries: Vec<_> = first
            .iter()
            .filter(|e| lists.iter().all(|l| l.contains(e)))
            .cloned()
            .collect();
        if entries.is_empty() {
            continue;
        }
        let series_path = dir.join(source::SERIES_FILE);
        if series_path.exists() && !opts.force && !opts.dry_run {
            warnings.push(format!(
                "{}: exists already; the issues of this folder are written complete (pass \
                 --force to replace it)",
                series_path.display()
            ));
            continue;
        }
        shared_by_dir.insert(dir, write::Shared { entries });
    }
    shared_by_dir
}

/// Writes one issue file (with its images, and the folder's series file
/// first): read back, checked by the host, then written. Whether it was
/// written (not on a dry run), or why not.
fn write_one(
    o: &Outcome,
    r: &Recognized,
    dir: &Path,
    shared: &write::Shared,
    opts: &ImportOptions<'_>,
    host: &dyn Host,
    series_written: &mut HashSet<PathBuf>,
) -> std::result::Result<bool, String> {
    let source = o
        .input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = write::issue_toml(&r.issue, &r.checks, &source, shared).map_err(|e| e.message)?;
    let series_text = if shared.entries.is_empty() {
        None
    } else {
        Some(write::series_toml(shared).map_err(|e| e.message)?)
    };
    if text.len() as u64 > source::MAX_FILE_BYTES {
        return Err(format!(
            "{}: the imported issue would be {:.1} MiB, over the limit of {} MiB for an issue \
             file: split the input into its issues",
            o.input.display(),
            text.len() as f64 / (1u64 << 20) as f64,
            source::MAX_FILE_BYTES >> 20
        ));
    }
    validate(&o.output, &text, series_text.as_deref(), dir)?;
    if opts.dry_run {
        return Ok(false);
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("{}: cannot create the folder: {e}", dir.display()))?;
    if let Some(st) = &series_text {
        if series_written.insert(dir.to_path_buf()) {
            host.write(&dir.join(source::SERIES_FILE), st.as_bytes())
                .map_err(|e| e.message)?;
        }
    }
    // The schemas the files name, for editors (unless one is there).
    let mut schemas = vec![if shared.entries.is_empty() {
        (
            "issue.schema.json",
            bulletin_model::issue::SchemaKind::Issue,
        )
    } else {
        (
            "issue-partial.schema.json",
            bulletin_model::issue::SchemaKind::Partial,
        )
    }];
    if series_text.is_some() {
        schemas.push((
            "series.schema.json",
            bulletin_model::issue::SchemaKind::Series,
        ));
    }
    for (name, kind) in schemas {
        let path = dir.join(name);
        if !path.exists() {
            let mut text = serde_json::to_string_pretty(&bulletin_model::issue::schema_of(kind))
                .map_err(|e| format!("{}: cannot write the schema: {e}", path.display()))?;
            text.push('\n');
            host.write(&path, text.as_bytes()).map_err(|e| e.message)?;
        }
    }
    for (rel, bytes) in &r.images {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("{}: cannot create the folder: {e}", parent.display()))?;
        }
        if path.exists() && !opts.force {
            return Err(format!(
                "{}: exists already; pass --force to overwrite it",
                path.display()
            ));
        }
        host.write(&path, bytes).map_err(|e| e.message)?;
    }
    // The series files on disk (ours is written already), or ours.
    let series = source::read_series(&o.output, source::Encoding::Utf8)
        .unwrap_or_else(|_| series_of(series_text.as_deref(), dir));
    if let Err(e) = host.check(&o.output, &text, &series) {
        for (rel, _) in &r.images {
            let _ = std::fs::remove_file(dir.join(rel));
        }
        return Err(format!(
            "{}: the imported issue does not pass check (a bug of the importer; please report \
             it with the input): {}",
            o.input.display(),
            e
        ));
    }
    host.write(&o.output, text.as_bytes())
        .map_err(|e| e.message)?;
    Ok(true)
}

/// The series file about to be written, as the pipeline reads one.
fn series_of(text: Option<&str>, dir: &Path) -> Vec<Arc<Series>> {
    let Some(text) = text else { return Vec::new() };
    let path = dir.join(source::SERIES_FILE);
    match toml::from_str::<toml::Table>(text) {
        Ok(table) => vec![Arc::new(Series {
            path,
            text: text.to_string(),
            table,
        })],
        Err(_) => Vec::new(),
    }
}

/// The issue file must read back as a valid issue (with its series file).
fn validate(
    output: &Path,
    text: &str,
    series: Option<&str>,
    dir: &Path,
) -> std::result::Result<(), String> {
    let check = || -> Result<()> {
        match series {
            None => source::parse_issue(output, text.as_bytes()).map(|_| ()),
            Some(st) => {
                let path = dir.join(source::SERIES_FILE);
                let table: toml::Table = toml::from_str(st)
                    .map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
                let s = Arc::new(Series {
                    path,
                    text: st.to_string(),
                    table,
                });
                source::parse_issue_with(output, text.as_bytes(), &[s], source::Encoding::Utf8)
                    .map(|_| ())
            }
        }
    };
    check().map_err(|e| {
        let m = &e.message;
        if m.contains("at most") {
            return format!("the input is too large for one issue: {m}");
        }
        format!(
            "{}: the imported issue does not read back as a valid issue (a bug of the \
             importer; please report it): {m}",
            output.display(),
        )
    })
}
