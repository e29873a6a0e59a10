//! Batch rendering of a back catalogue: discovery, series files, shards,
//! up-to-date checks and a pool of workers sharing one layout and one font set.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use crate::data::{Series, SERIES_FILE};
use crate::error::{Error, Result};
use crate::fonts::Origin;
use crate::layout::LayoutSource;
use crate::pipeline::{prepare_with, RenderOptions, Renderer};
use crate::session::Session;

/// One issue to render.
#[derive(Debug, Clone)]
pub struct Job {
    pub input: PathBuf,
    pub output: PathBuf,
    /// The path relative to the input folder it was found in (or its file
    /// name): what shards are computed from.
    pub rel: String,
}

/// Finds the issue files among `inputs` (files, or folders searched
/// recursively) and where each PDF goes: mirrored under `out_dir`, or beside
/// its TOML file.
pub fn discover(inputs: &[PathBuf], out_dir: Option<&Path>) -> Result<Vec<Job>> {
    let mut jobs = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for input in inputs {
        let meta = std::fs::metadata(input)
            .map_err(|e| Error::input(format!("{}: {e}", input.display())))?;
        let mut found = Vec::new();
        if meta.is_dir() {
            walk(input, &mut found)
                .map_err(|e| Error::input(format!("{}: {e}", input.display())))?;
            found.sort();
            for f in found {
                let rel = f.strip_prefix(input).unwrap_or(&f).to_path_buf();
                jobs.push(job(&f, &rel, out_dir));
            }
        } else {
            let name = PathBuf::from(input.file_name().unwrap_or_default());
            jobs.push(job(input, &name, out_dir));
        }
    }
    jobs.retain(|j| seen.insert(std::path::absolute(&j.input).unwrap_or(j.input.clone())));
    refuse_collisions(&jobs)?;
    Ok(jobs)
}

/// Two issues whose PDFs would go to the same place (`a.toml` in two input
/// folders, mirrored under one `--out-dir`): refused before anything is
/// rendered, with every collision listed.
fn refuse_collisions(jobs: &[Job]) -> Result<()> {
    let mut by_output: HashMap<PathBuf, Vec<&Job>> = HashMap::new();
    for j in jobs {
        let key = std::path::absolute(&j.output).unwrap_or(j.output.clone());
        by_output.entry(key).or_default().push(j);
    }
    let mut clashes: Vec<(PathBuf, Vec<&Job>)> = by_output
        .into_iter()
        .filter(|(_, js)| js.len() > 1)
        .collect();
    if clashes.is_empty() {
        return Ok(());
    }
    clashes.sort_by(|a, b| a.0.cmp(&b.0));
    let mut msg = format!(
        "{} output{} would be written by more than one issue; nothing was rendered:\n",
        clashes.len(),
        if clashes.len() > 1 { "s" } else { "" }
    );
    for (out, js) in &clashes {
        msg.push_str(&format!("  {}  ←", out.display()));
        for j in js {
            msg.push_str(&format!("  {}", j.input.display()));
        }
        msg.push('\n');
    }
    msg.push_str(
        "Render those folders in separate runs with their own --out-dir, or give one \
         folder that holds them all (its structure is mirrored).",
    );
    Err(Error::input(msg))
}

fn job(input: &Path, rel: &Path, out_dir: Option<&Path>) -> Job {
    let output = match out_dir {
        Some(dir) => dir.join(rel).with_extension("pdf"),
        None => input.with_extension("pdf"),
    };
    Job {
        input: input.to_path_buf(),
        output,
        rel: rel.to_string_lossy().replace('\\', "/"),
    }
}

/// Issue files below `dir`: `*.toml` except series files and layout
/// manifests; hidden folders and layout folders are skipped.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if dir.join("layout.toml").is_file() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let ty = entry.file_type()?;
        if ty.is_dir() {
            walk(&path, out)?;
        } else if name.ends_with(".toml") && name != SERIES_FILE && name != "layout.toml" {
            out.push(path);
        }
    }
    Ok(())
}

/// A shard `K/N` (1 ≤ K ≤ N).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: u64,
    pub n: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Shard, String> {
        let bad = || format!("{s:?}: a shard is K/N with 1 ≤ K ≤ N, e.g. 2/8");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

impl Shard {
    /// Whether a job belongs to this shard: a stable hash (FNV-1a) of its
    /// relative path, so that adding issues never moves the others.
    pub fn contains(&self, job: &Job) -> bool {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in job.rel.as_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h % self.n == self.k - 1
    }
}

/// What happened to one issue.
#[derive(Debug, Clone)]
pub enum Outcome {
    Rendered {
        pages: usize,
        millis: u128,
    },
    UpToDate,
    Failed(String),
    /// Not tried: an earlier failure stopped the batch (`--fail-fast`).
    NotRun,
}

/// Options for a batch.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// Render even issues whose PDF is up to date.
    pub force: bool,
    /// Stop starting new issues after the first failure.
    pub fail_fast: bool,
    pub render: RenderOptions,
}

/// Series files read once per batch; a broken one is reported once.
#[derive(Default)]
pub struct SeriesCache {
    pub encoding: crate::data::Encoding,
    map: Mutex<HashMap<PathBuf, std::result::Result<Arc<Series>, ()>>>,
    /// Errors of broken series files, in the order they were found.
    pub errors: Mutex<Vec<Error>>,
}

impl SeriesCache {
    /// An empty cache reading series files in `encoding`.
    pub fn new(encoding: crate::data::Encoding) -> SeriesCache {
        SeriesCache {
            encoding,
            ..Default::default()
        }
    }

    /// The series that apply to an issue, outermost first.
    pub fn for_issue(&self, issue: &Path) -> Result<Vec<Arc<Series>>> {
        let mut out = Vec::new();
        for path in crate::data::series_paths(issue) {
            // The lock is held while a series file is read, so that two
            // workers reaching the same file at once read (and report) it once.
            let entry = {
                let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
                match map.get(&path) {
                    Some(e) => e.clone(),
                    None => {
                        let e = match Series::read(&path, self.encoding) {
                            Ok(s) => Ok(Arc::new(s)),
                            Err(err) => {
                                self.errors
                                    .lock()
                                    .unwrap_or_else(|e| e.into_inner())
                                    .push(err);
                                Err(())
                            }
                        };
                        map.insert(path.clone(), e.clone());
                        e
                    }
                }
            };
            match entry {
                Ok(s) => out.push(s),
                Err(()) => {
                    return Err(Error::input(format!(
                        "{}: its series file {} has an error (reported above)",
                        issue.display(),
                        path.display()
                    )))
                }
            }
        }
        Ok(out)
    }
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time among what every issue depends on: the
/// bulletin-pdf binary (its version, embedded layout and fonts), the files of
/// the layout given for every issue and the font files in use.
pub fn shared_inputs_time(session: &Session) -> Option<SystemTime> {
    let mut newest = std::env::current_exe().ok().and_then(|p| mtime(&p));
    let mut consider = |t: Option<SystemTime>| {
        if let Some(t) = t {
            newest = Some(newest.map_or(t, |n| n.max(t)));
        }
    };
    if let Some(layout) = &session.forced {
        if let LayoutSource::Dir(dir) = &layout.source {
            let mut files = Vec::new();
            collect_files(dir, &mut files);
            for f in files {
                consider(mtime(&f));
            }
        }
    }
    for (_, origin) in session.fonts.infos() {
        if let Origin::File(path) = origin {
            consider(mtime(path));
        }
    }
    newest
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                collect_files(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

/// Whether `job`'s PDF is newer than the issue, its series files and the
/// shared inputs.
fn up_to_date(job: &Job, series: &[Arc<Series>], shared: Option<SystemTime>) -> bool {
    let Some(out) = mtime(&job.output) else {
        return false;
    };
    let deps = std::iter::once(mtime(&job.input))
        .chain(series.iter().map(|s| mtime(&s.path)))
        .chain(std::iter::once(shared));
    for d in deps {
        match d {
            Some(t) if t < out => {}
            _ => return false,
        }
    }
    true
}

/// Removes temporary files that an interrupted earlier run (killed in the
/// middle of writing) left beside the outputs, and only those. Target paths never hold a
/// partial PDF; this only tidies up.
fn remove_stale_temp_files(jobs: &[Job]) {
    let dirs: std::collections::BTreeSet<&Path> =
        jobs.iter().filter_map(|j| j.output.parent()).collect();
    for dir in dirs {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            // Only the left-overs of processes that are gone: another
            // render into the same folder (a shard) keeps its files.
            if name.contains(".pdf.") && crate::output::is_stale_temp(dir, &name) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Renders one job: series, issue, layout, PDF, atomic write.
pub fn render_job(
    renderer: &mut Renderer,
    job: &Job,
    series: &[Arc<Series>],
    opts: &RenderOptions,
) -> Result<usize> {
    let prepared = prepare_with(renderer.session(), &job.input, series, opts)?;
    let rendered = renderer.render(&prepared, opts)?;
    let mut inputs = prepared.inputs();
    inputs.extend(renderer.dependencies());
    crate::output::refuse_inputs(&job.output, &inputs)?;
    let pdf = crate::pdf::export_pdf(&rendered)?;
    if let Some(dir) = job.output.parent() {
        if !dir.as_os_str().is_empty() && !dir.exists() {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::output(format!("{}: cannot create the folder: {e}", dir.display()))
            })?;
        }
    }
    crate::output::write_atomic(&job.output, &pdf)?;
    Ok(rendered.document.pages().len())
}

/// Renders the issues of a batch one after another: a worker.
pub trait JobRenderer {
    /// Renders one job with its series files; returns the number of pages.
    fn render(&mut self, job: &Job, series: &[Arc<Series>]) -> Result<usize>;
}

/// A worker in this process, keeping one world (the layout is parsed once).
pub struct InProcess<'s> {
    renderer: Renderer<'s>,
    opts: RenderOptions,
}

impl<'s> InProcess<'s> {
    pub fn new(session: &'s Session, opts: RenderOptions) -> InProcess<'s> {
        InProcess {
            renderer: Renderer::new(session),
            opts,
        }
    }
}

impl JobRenderer for InProcess<'_> {
    fn render(&mut self, job: &Job, series: &[Arc<Series>]) -> Result<usize> {
        let pages = render_job(&mut self.renderer, job, series, &self.opts);
        // Forget memoized layout results that are no longer used, so memory
        // stays flat however large the catalogue.
        comemo::evict(4);
        pages
    }
}

/// Renders `jobs` on `opts.jobs` workers in this process. `on_done` is
/// called (from the worker threads) as each issue finishes.
pub fn run(
    jobs: &[Job],
    session: &Session,
    opts: &BatchOptions,
    series: &SeriesCache,
    on_done: &(dyn Fn(&Job, &Outcome) + Sync),
) -> Vec<Outcome> {
    let make =
        || -> Box<dyn JobRenderer + '_> { Box::new(InProcess::new(session, opts.render.clone())) };
    run_with(jobs, session, opts, series, on_done, &make)
}

/// Renders `jobs` on `opts.jobs` workers made by `make` (in this process,
/// or worker processes that a runaway issue can end without ending the
/// batch). Up-to-date issues are skipped here; `on_done` is called (from the
/// worker threads) as each issue finishes.
pub fn run_with<'a>(
    jobs: &[Job],
    session: &Session,
    opts: &BatchOptions,
    series: &SeriesCache,
    on_done: &(dyn Fn(&Job, &Outcome) + Sync),
    make: &(dyn Fn() -> Box<dyn JobRenderer + 'a> + Sync),
) -> Vec<Outcome> {
    let shared = shared_inputs_time(session);
    remove_stale_temp_files(jobs);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results: Mutex<Vec<Outcome>> = Mutex::new(vec![Outcome::NotRun; jobs.len()]);
    let workers = opts.jobs.max(1).min(jobs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut worker: Option<Box<dyn JobRenderer + 'a>> = None;
                loop {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let start = Instant::now();
                    let outcome = match series.for_issue(&job.input) {
                        Err(e) => Outcome::Failed(e.message),
                        Ok(s) if !opts.force && up_to_date(job, &s, shared) => Outcome::UpToDate,
                        Ok(s) => {
                            let w = worker.get_or_insert_with(make);
                            match w.render(job, &s) {
                                Ok(pages) => Outcome::Rendered {
                                    pages,
                                    millis: start.elapsed().as_millis(),
                                },
                                Err(e) => Outcome::Failed(e.message),
                            }
                        }
                    };
                    if matches!(outcome, Outcome::Failed(_)) && opts.fail_fast {
                        stop.store(true, Ordering::Relaxed);
                    }
                    on_done(job, &outcome);
                    if let Ok(mut r) = results.lock() {
                        r[i] = outcome;
                    }
                }
            });
        }
    });
    results.into_inner().unwrap_or_default()
}
