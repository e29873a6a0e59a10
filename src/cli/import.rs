//! `bulletin-pdf import FILE|DIR...`: old issues (.docx, .pdf, text,
//! .doc/.wps) to issue files, one per input, with a report of what was found
//! and what was guessed.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bulletin_model::source::{self, Series};
use bulletin_import::recognize::{At, Draft};
use bulletin_import::{self as import, write};
use bulletin_render::{write_atomic, Error};
use serde::Serialize;

use super::term;

/// What `import` was asked.
pub struct ImportOptions<'a> {
    pub inputs: &'a [PathBuf],
    pub out_dir: Option<&'a Path>,
    pub series: bool,
    pub dry_run: bool,
    pub report: Option<&'a Path>,
    pub force: bool,
}

/// One input and where its issue file goes.
struct Job {
    input: PathBuf,
    output: PathBuf,
}

/// The outcome of one input.
struct Outcome {
    job: Job,
    format: Option<&'static str>,
    draft: Option<Draft>,
    error: Option<String>,
    /// The issue file's text, once written (or to be written).
    written: bool,
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
            walk(&path, out, depth + 1)?;
        } else if ty.is_file() {
            let ext = path
                .extension()
                .map(|x| x.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            // Word's lock files (~$name.docx) are not documents.
            if import::EXTENSIONS.contains(&ext.as_str()) && !name.starts_with("~$") {
                out.push(path);
            }
        }
    }
    Ok(())
}

fn jobs(opts: &ImportOptions<'_>) -> Result<Vec<Job>, Error> {
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
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

fn place(at: At, d: &Draft) -> String {
    let named = d.columns.iter().any(|c| c.name.is_some());
    match at {
        At::Top => "file".into(),
        At::Bulletin => "bulletin".into(),
        At::Issue => "issue".into(),
        At::Column(c) => format!("column {}", c + 1),
        At::Article(c, a) if named => format!("column {} article {}", c + 1, a + 1),
        At::Article(_, a) => format!("article {}", a + 1),
        At::Footer => "footer".into(),
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
    error: Option<&'a str>,
    found: Option<serde_json::Value>,
    guessed: Vec<Guess>,
    dropped: &'a [String],
    repairs: &'a [String],
    notices: &'a [String],
}

#[derive(Serialize)]
struct Guess {
    place: String,
    message: String,
}

fn report_line(o: &Outcome, dry_run: bool) -> String {
    let status = match (&o.error, dry_run) {
        (Some(_), _) => "failed",
        (None, true) => "dry-run",
        (None, false) => "imported",
    };
    let d = o.draft.as_ref();
    let line = ReportLine {
        input: o.job.input.display().to_string(),
        output: o.job.output.display().to_string(),
        status,
        format: o.format,
        error: o.error.as_deref(),
        found: d.map(import::found),
        guessed: d
            .map(|d| {
                d.checks
                    .iter()
                    .map(|c| Guess {
                        place: place(c.at, d),
                        message: c.message.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        dropped: d.map_or(&[], |d| &d.dropped),
        repairs: d.map_or(&[], |d| &d.repairs),
        notices: d.map_or(&[], |d| &d.notices),
    };
    serde_json::to_string(&line).unwrap_or_default()
}

/// Imports every input; fails (exit 1) when any input failed, after the
/// others were imported.
pub fn run(opts: &ImportOptions<'_>) -> Result<(), Error> {
    let jobs = jobs(opts)?;
    if jobs.is_empty() {
        return Err(Error::input(format!(
            "nothing to import in {}: give .docx, .pdf, .txt, .md, .doc or .wps files, or \
             folders holding them",
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
            job,
            format: None,
            draft: None,
            error: None,
            written: false,
        };
        let refuse = if !outputs.insert(key) {
            Some(format!(
                "{}: another input of this run is imported to {} already (two files with one \
                 name, e.g. a .docx and a .pdf of the same issue); import one of them, or the \
                 other into another folder with --out-dir",
                o.job.input.display(),
                o.job.output.display()
            ))
        } else if inputs.iter().any(|i| same_file(i, &o.job.output)) || o.job.output == o.job.input
        {
            Some(format!(
                "{}: the issue file would be written over an input ({}); use --out-dir",
                o.job.input.display(),
                o.job.output.display()
            ))
        } else if o.job.output.exists() && !opts.force && !opts.dry_run {
            Some(format!(
                "{}: {} exists already; pass --force to overwrite it",
                o.job.input.display(),
                o.job.output.display()
            ))
        } else {
            None
        };
        if let Some(e) = refuse {
            o.error = Some(e);
            outcomes.push(o);
            continue;
        }
        match import::import_file(&o.job.input) {
            Ok(imp) => {
                o.format = Some(imp.format.name());
                o.draft = Some(imp.draft);
            }
            Err(e) => o.error = Some(e.message),
        }
        outcomes.push(o);
    }

    // Series files: per output folder, what all its issues share.
    let mut shared_by_dir: BTreeMap<PathBuf, write::Shared> = BTreeMap::new();
    if opts.series {
        let mut by_dir: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
        for (i, o) in outcomes.iter().enumerate() {
            if o.draft.is_some() {
                let dir = o.job.output.parent().unwrap_or(Path::new("")).to_path_buf();
                by_dir.entry(dir).or_default().push(i);
            }
        }
        for (dir, idx) in by_dir {
            let lists: Vec<Vec<(&'static str, &'static str, String)>> = idx
                .iter()
                .filter_map(|&i| outcomes[i].draft.as_ref().map(write::shareable))
                .collect();
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
                term::warning(&format!(
                    "{}: exists already; the issues of this folder are written complete (pass \
                     --force to replace it)",
                    series_path.display()
                ));
                continue;
            }
            shared_by_dir.insert(dir, write::Shared { entries });
        }
    }

    // Write (or, dry, only validate).
    let mut series_written: HashSet<PathBuf> = HashSet::new();
    let mut session: Option<Option<bulletin_render::Session>> = None;
    for o in outcomes.iter_mut() {
        let Some(draft) = &o.draft else { continue };
        let dir = o.job.output.parent().unwrap_or(Path::new("")).to_path_buf();
        let shared = shared_by_dir.get(&dir).cloned().unwrap_or_default();
        let source = o
            .job
            .input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = write::issue_toml(draft, &source, &shared);
        let series_text = (!shared.entries.is_empty()).then(|| write::series_toml(&shared));
        if text.len() as u64 > source::MAX_FILE_BYTES {
            o.error = Some(format!(
                "{}: the imported issue would be {:.1} MiB, over the limit of {} MiB for an \
                 issue file: split the input into its issues",
                o.job.input.display(),
                text.len() as f64 / (1u64 << 20) as f64,
                source::MAX_FILE_BYTES >> 20
            ));
            continue;
        }
        if let Err(e) = validate(&o.job.output, &text, series_text.as_deref(), &dir) {
            o.error = Some(e);
            continue;
        }
        if opts.dry_run {
            continue;
        }
        let result = (|| -> Result<(), Error> {
            std::fs::create_dir_all(&dir).map_err(|e| {
                Error::output(format!("{}: cannot create the folder: {e}", dir.display()))
            })?;
            if let Some(st) = &series_text {
                if series_written.insert(dir.clone()) {
                    write_atomic(&dir.join(source::SERIES_FILE), st.as_bytes())?;
                }
            }
            for (rel, bytes) in &draft.images {
                let path = dir.join(rel);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        Error::output(format!(
                            "{}: cannot create the folder: {e}",
                            parent.display()
                        ))
                    })?;
                }
                if path.exists() && !opts.force {
                    return Err(Error::output(format!(
                        "{}: exists already; pass --force to overwrite it",
                        path.display()
                    )));
                }
                write_atomic(&path, bytes)?;
            }
            // Everything `check` does before the glyphs: the content (tables,
            // figures, footnotes) as the layout would receive it.
            if let Some(session) = session.get_or_insert_with(|| {
                bulletin_render::Session::new(&bulletin_render::SessionOptions::default()).ok()
            }) {
                // The series files on disk (ours is written already), or ours.
                let series = source::read_series(&o.job.output, source::Encoding::Utf8)
                    .unwrap_or_else(|_| series_of(series_text.as_deref(), &dir));
                let prepared = bulletin_render::pipeline::prepare_bytes(
                    session,
                    &o.job.output,
                    text.as_bytes(),
                    &series,
                    &bulletin_render::RenderOptions::default(),
                );
                if let Err(e) = prepared {
                    for (rel, _) in &draft.images {
                        let _ = std::fs::remove_file(dir.join(rel));
                    }
                    return Err(Error::input(format!(
                        "{}: the imported issue does not pass check (a bug of the importer; \
                         please report it with the input): {}",
                        o.job.input.display(),
                        bulletin_model::diag::strip_ansi(&e.message)
                    )));
                }
            }
            write_atomic(&o.job.output, text.as_bytes())
        })();
        match result {
            Ok(()) => o.written = true,
            Err(e) => o.error = Some(e.message),
        }
    }

    // Report and summary.
    let mut lines = String::new();
    for o in &outcomes {
        lines.push_str(&report_line(o, opts.dry_run));
        lines.push('\n');
    }
    if opts.dry_run {
        print!("{lines}");
    } else if let Some(path) = opts.report {
        write_atomic(path, lines.as_bytes())?;
    }
    let failed = outcomes.iter().filter(|o| o.error.is_some()).count();
    for o in &outcomes {
        if let Some(e) = &o.error {
            term::error(e);
        }
    }
    let checks: usize = outcomes
        .iter()
        .filter(|o| o.error.is_none())
        .filter_map(|o| o.draft.as_ref())
        .map(|d| d.checks.len())
        .sum();
    let done = outcomes.len() - failed;
    eprintln!(
        "{} {done} of {} input{}: {failed} failed, {checks} place{} to check (# check: comments){}",
        if opts.dry_run {
            "would import"
        } else {
            "imported"
        },
        outcomes.len(),
        if outcomes.len() == 1 { "" } else { "s" },
        if checks == 1 { "" } else { "s" },
        if !opts.dry_run && done > 0 {
            "; then run bulletin-pdf check on the issue files"
        } else {
            ""
        }
    );
    if failed > 0 {
        return Err(Error::input(format!(
            "{failed} of {} input{} could not be imported",
            outcomes.len(),
            if outcomes.len() == 1 { "" } else { "s" }
        )));
    }
    Ok(())
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
fn validate(output: &Path, text: &str, series: Option<&str>, dir: &Path) -> Result<(), String> {
    let check = || -> Result<(), Error> {
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
        let m = bulletin_model::diag::strip_ansi(&e.message);
        if m.contains("at most") {
            return format!("the input is too large for one issue: {m}");
        }
        format!(
            "{}: the imported issue does not read back as a valid issue (a bug of the \
             importer; please report it): {}",
            output.display(),
            bulletin_model::diag::strip_ansi(&e.message)
        )
    })
}
