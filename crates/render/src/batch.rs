//! Batch rendering of a back catalogue: discovery, series files, shards,
//! up-to-date checks (fingerprints recorded in a manifest beside the
//! outputs) and a pool of workers sharing one layout and one font set.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::fonts::Origin;
use crate::layout::{Layout, LayoutSource};
use crate::pipeline::{prepare_with, RenderOptions, Renderer};
use crate::session::Session;
use crate::source::{Series, SERIES_FILE};
use bulletin_model::diag::Diagnostic;

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

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// `--shard`: a shard given as `K/N`, or taken from a job scheduler's
/// environment (`auto`, or `auto/N` with the count given).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardSpec {
    Fixed(Shard),
    /// `auto`: Slurm's array variables say K and N; `auto/N`: the task's
    /// index (from 0) is read from the scheduler, the count is N.
    Auto {
        n: Option<u64>,
    },
}

impl std::str::FromStr for ShardSpec {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<ShardSpec, String> {
        let t = s.trim();
        if t == "auto" {
            return Ok(ShardSpec::Auto { n: None });
        }
        if let Some(n) = t.strip_prefix("auto/") {
            return match n.trim().parse::<u64>() {
                Ok(n) if n > 0 => Ok(ShardSpec::Auto { n: Some(n) }),
                _ => Err(format!(
                    "{s:?}: auto/N takes the count of tasks N (at least 1), e.g. auto/8"
                )),
            };
        }
        s.parse::<Shard>().map(ShardSpec::Fixed).map_err(|e| {
            format!("{e}; or auto (Slurm's array variables), or auto/N (a Kubernetes Indexed Job's or an AWS Batch array's index)")
        })
    }
}

/// The environment variables `--shard auto` reads, by scheduler.
pub const SLURM_TASK_ID: &str = "SLURM_ARRAY_TASK_ID";
pub const SLURM_TASK_MIN: &str = "SLURM_ARRAY_TASK_MIN";
pub const SLURM_TASK_MAX: &str = "SLURM_ARRAY_TASK_MAX";
pub const SLURM_TASK_COUNT: &str = "SLURM_ARRAY_TASK_COUNT";
pub const SLURM_TASK_STEP: &str = "SLURM_ARRAY_TASK_STEP";
pub const KUBERNETES_INDEX: &str = "JOB_COMPLETION_INDEX";
pub const AWS_BATCH_INDEX: &str = "AWS_BATCH_JOB_ARRAY_INDEX";

/// A shard and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedShard {
    pub shard: Shard,
    /// The scheduler's task it was taken from (`slurm array task 3`), for
    /// `--shard auto`.
    pub task: Option<String>,
}

impl ShardSpec {
    /// The shard, with `auto` read from the environment through `var`
    /// (`std::env::var`, or a map in tests). The error is a sentence that
    /// names the variable missing or inconsistent.
    pub fn resolve(
        &self,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> std::result::Result<ResolvedShard, String> {
        let n = match *self {
            ShardSpec::Fixed(shard) => return Ok(ResolvedShard { shard, task: None }),
            ShardSpec::Auto { n } => n,
        };
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let number = |name: &str| -> std::result::Result<Option<u64>, String> {
            match get(name) {
                None => Ok(None),
                Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
                    format!("--shard auto: {name} is {v:?}, not a whole number from 0")
                }),
            }
        };
        let set: Vec<&str> = [SLURM_TASK_ID, KUBERNETES_INDEX, AWS_BATCH_INDEX]
            .into_iter()
            .filter(|v| get(v).is_some())
            .collect();
        if set.len() > 1 {
            return Err(format!(
                "--shard auto: {} are all set; which scheduler runs this task? Unset the others, \
                 or give the shard as --shard K/N",
                set.join(" and ")
            ));
        }
        let Some(n) = n else {
            // `auto`: Slurm's array says both the index and the count.
            let Some(id) = number(SLURM_TASK_ID)? else {
                return Err(match set.first() {
                    Some(other) => format!(
                        "--shard auto: {SLURM_TASK_ID} is not set (this is not a Slurm array \
                         task); {other} is, and it gives no count of tasks: write --shard auto/N \
                         with N the Job's completions or the array's size"
                    ),
                    None => format!(
                        "--shard auto: {SLURM_TASK_ID} is not set: run this in a Slurm array job \
                         (sbatch --array=0-7), or write --shard auto/N in a Kubernetes Indexed Job \
                         ({KUBERNETES_INDEX}) or an AWS Batch array job ({AWS_BATCH_INDEX})"
                    ),
                });
            };
            let need = |name: &str| -> std::result::Result<u64, String> {
                number(name)?.ok_or_else(|| {
                    format!(
                        "--shard auto: {SLURM_TASK_ID} is set but {name} is not; Slurm sets both \
                         in an array job (sbatch --array)"
                    )
                })
            };
            let min = need(SLURM_TASK_MIN)?;
            let count = need(SLURM_TASK_COUNT)?;
            let step = number(SLURM_TASK_STEP)?.unwrap_or(1);
            if count == 0 {
                return Err(format!("--shard auto: {SLURM_TASK_COUNT} is 0"));
            }
            if step == 0 {
                return Err(format!("--shard auto: {SLURM_TASK_STEP} is 0"));
            }
            // A list like --array=1,4,9 is not evenly spaced: the task's
            // place in it cannot be told from its ID.
            if let Some(max) = number(SLURM_TASK_MAX)? {
                if min.checked_add((count - 1).saturating_mul(step)) != Some(max) {
                    return Err(format!(
                        "--shard auto: {SLURM_TASK_MIN}={min}, {SLURM_TASK_MAX}={max}, \
                         {SLURM_TASK_COUNT}={count} and {SLURM_TASK_STEP}={step} do not make an \
                         evenly spaced range: submit the array as a range (--array=0-7), or \
                         give --shard K/N"
                    ));
                }
            }
            if id < min || (id - min) % step != 0 || (id - min) / step >= count {
                return Err(format!(
                    "--shard auto: {SLURM_TASK_ID}={id} is not one of the array's {count} tasks \
                     from {SLURM_TASK_MIN}={min} (step {step})"
                ));
            }
            let k = (id - min) / step + 1;
            return Ok(ResolvedShard {
                shard: Shard { k, n: count },
                task: Some(format!("slurm array task {id}")),
            });
        };
        // `auto/N`: an index from 0, whichever scheduler sets it.
        let Some(&name) = set.first() else {
            return Err(format!(
                "--shard auto/{n}: none of {KUBERNETES_INDEX} (a Kubernetes Indexed Job), \
                 {AWS_BATCH_INDEX} (an AWS Batch array job) or {SLURM_TASK_ID} (a Slurm array \
                 job) is set"
            ));
        };
        let index = number(name)?.unwrap_or_default();
        if index >= n {
            return Err(format!(
                "--shard auto/{n}: {name}={index}, but {n} tasks have the indexes 0 to {}: \
                 is the count of tasks (completions, array size) {n}?",
                n - 1
            ));
        }
        if name == SLURM_TASK_ID {
            // Under Slurm, auto/N takes the task ID as the index (an array
            // submitted as --array=0-(N-1), or one task of it re-submitted
            // alone as --array=3); a count Slurm gives must agree.
            if let (Some(count), Some(0)) = (number(SLURM_TASK_COUNT)?, number(SLURM_TASK_MIN)?) {
                if count != n {
                    return Err(format!(
                        "--shard auto/{n}: {SLURM_TASK_COUNT} is {count}, not {n}: write \
                         --shard auto, or submit --array=0-{}",
                        n - 1
                    ));
                }
            }
        }
        let what = match name {
            KUBERNETES_INDEX => "kubernetes completion index",
            AWS_BATCH_INDEX => "aws batch array index",
            _ => "slurm array task",
        };
        Ok(ResolvedShard {
            shard: Shard { k: index + 1, n },
            task: Some(format!("{what} {index}")),
        })
    }
}

/// This machine's name (`/proc/sys/kernel/hostname`), for reports: which
/// host ran a shard.
pub fn host_name() -> Option<String> {
    static HOST: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .ok()
            .map(|h| h.trim().chars().take(255).collect::<String>())
            .filter(|h| !h.is_empty())
    })
    .clone()
}

/// What happened to one issue.
#[derive(Debug, Clone)]
pub enum Outcome {
    Rendered {
        pages: usize,
        millis: u128,
        /// SHA-256 of the PDF written (hex).
        sha256: String,
        /// Warnings of the render (Typst's, characters printed as empty
        /// boxes under `--allow-missing-glyphs`).
        warnings: Vec<Diagnostic>,
    },
    /// Skipped: the PDF was made from the same inputs (as its manifest
    /// says, with its page count and hash).
    UpToDate {
        pages: Option<usize>,
        sha256: Option<String>,
    },
    Failed {
        error: Error,
        millis: u128,
        /// The broken series file that kept this issue from being rendered
        /// (its error is `error`), if that was the cause.
        series: Option<PathBuf>,
    },
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
    /// The shard this run renders: it keeps its own manifest in each output
    /// folder (see [`manifest_name`]).
    pub shard: Option<Shard>,
}

type SeriesEntry = std::result::Result<Arc<Series>, Error>;

/// Series files read once per batch; a broken one is reported once.
#[derive(Default)]
pub struct SeriesCache {
    pub encoding: crate::source::Encoding,
    map: Mutex<HashMap<PathBuf, SeriesEntry>>,
    /// Broken series files with their errors, in the order they were found.
    pub errors: Mutex<Vec<(PathBuf, Error)>>,
}

impl SeriesCache {
    /// An empty cache reading series files in `encoding`.
    pub fn new(encoding: crate::source::Encoding) -> SeriesCache {
        SeriesCache {
            encoding,
            ..Default::default()
        }
    }

    /// The series that apply to an issue, outermost first; or the first
    /// broken one, with its error.
    pub fn for_issue(
        &self,
        issue: &Path,
    ) -> std::result::Result<Vec<Arc<Series>>, (PathBuf, Error)> {
        let mut out = Vec::new();
        for path in crate::source::series_paths(issue) {
            // The lock is held while a series file is read, so that two
            // workers reaching the same file at once read (and report) it once.
            let entry = {
                let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
                match map.get(&path) {
                    Some(e) => e.clone(),
                    None => {
                        let e = Series::read(&path, self.encoding).map(Arc::new);
                        if let Err(err) = &e {
                            self.errors
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push((path.clone(), err.clone()));
                        }
                        map.insert(path.clone(), e.clone());
                        e
                    }
                }
            };
            match entry {
                Ok(s) => out.push(s),
                Err(e) => return Err((path, e)),
            }
        }
        Ok(out)
    }
}

/// A file's size and modification time (nanoseconds since the epoch).
fn stamp(path: &Path) -> Option<(u64, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    let t = meta.modified().ok()?;
    let ns = t.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_nanos();
    Some((meta.len(), u64::try_from(ns).unwrap_or(u64::MAX)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of bytes, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A hasher fed with fields that cannot run into each other (each is
/// preceded by its length).
struct Fields(Sha256);

impl Fields {
    fn new(kind: &str) -> Fields {
        let mut f = Fields(Sha256::new());
        f.add(kind.as_bytes());
        f
    }
    fn add(&mut self, bytes: &[u8]) {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }
    fn add_path(&mut self, path: &Path) {
        let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        self.add(abs.to_string_lossy().as_bytes());
    }
    fn add_stamp(&mut self, path: &Path) {
        self.add_path(path);
        match stamp(path) {
            Some((size, ns)) => {
                self.add(&size.to_le_bytes());
                self.add(&ns.to_le_bytes());
            }
            None => self.add(b"missing"),
        }
    }
    fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// What produced each PDF: a fingerprint (SHA-256) of everything that
/// changes its bytes — the bulletin-pdf binary and version, the options of
/// the run, the font files in use, the layout's files, the issue file and
/// its series files. What every issue shares is hashed once per run, each
/// layout's files once per run; per issue only its own file is read.
pub struct Fingerprints<'s> {
    session: &'s Session,
    /// The part every issue shares.
    shared: [u8; 32],
    /// Layouts' files, hashed once: by layout folder(s) or bundled name.
    layouts: Mutex<HashMap<String, Option<[u8; 32]>>>,
    /// Series files, hashed once: by path.
    series: Mutex<HashMap<PathBuf, [u8; 32]>>,
    /// The encoding issue files are read in.
    encoding: crate::source::Encoding,
}

impl<'s> Fingerprints<'s> {
    /// Hashes what every issue of the run shares.
    pub fn new(session: &'s Session, opts: &RenderOptions) -> Fingerprints<'s> {
        let mut f = Fields::new("bulletin-pdf fingerprint 1");
        f.add(env!("CARGO_PKG_VERSION").as_bytes());
        match std::env::current_exe() {
            Ok(exe) => f.add_stamp(&exe),
            Err(_) => f.add(b"no exe"),
        }
        f.add(serde_json::to_string(opts).unwrap_or_default().as_bytes());
        // The layout given for every issue is hashed with the layouts;
        // the other session options go in here.
        let so = session.options();
        f.add(
            serde_json::json!({
                "font_paths": so.font_paths,
                "system_fonts": so.system_fonts,
                "package_path": so.package_path,
            })
            .to_string()
            .as_bytes(),
        );
        let font_files: std::collections::BTreeSet<&PathBuf> = session
            .fonts
            .infos()
            .filter_map(|(_, o)| match o {
                Origin::File(p) => Some(p),
                Origin::Embedded(_) => None,
            })
            .collect();
        for p in font_files {
            f.add_stamp(p);
        }
        Fingerprints {
            session,
            shared: f.finish(),
            layouts: Mutex::new(HashMap::new()),
            series: Mutex::new(HashMap::new()),
            encoding: opts.encoding,
        }
    }

    fn layout_hash(&self, layout: &Layout) -> Option<[u8; 32]> {
        let key = match &layout.source {
            LayoutSource::Embedded(_) => format!("bundled:{}", layout.manifest.name),
            LayoutSource::Dir(_) => {
                let dirs: Vec<String> = layout
                    .dirs()
                    .iter()
                    .map(|d| {
                        std::path::absolute(d)
                            .unwrap_or_else(|_| d.clone())
                            .display()
                            .to_string()
                    })
                    .collect();
                format!("dir:{}", dirs.join("\n"))
            }
        };
        // Held while hashing, so that each layout is read once.
        let mut map = self.layouts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(h) = map.get(&key) {
            return *h;
        }
        let h = layout.files().ok().map(|files| {
            // By contents, not place: a copy of a layout makes the same PDFs.
            let mut f = Fields::new("layout");
            f.add(layout.manifest.name.as_bytes());
            for (rel, bytes) in files {
                f.add(rel.as_bytes());
                f.add(&bytes);
            }
            f.finish()
        });
        map.insert(key, h);
        h
    }

    fn series_hash(&self, s: &Series) -> [u8; 32] {
        let mut map = self.series.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry(s.path.clone()).or_insert_with(|| {
            let mut f = Fields::new("series");
            f.add_stamp(&s.path);
            f.add(s.text.as_bytes());
            f.finish()
        })
    }

    /// The layout an issue is rendered with, found as rendering finds it:
    /// `--layout`, else the issue's own `layout` (from its folder), else the
    /// nearest series file's (from that file's folder), else the default;
    /// `None` when that cannot be told without rendering.
    fn layout_of(
        &self,
        own: &[u8],
        series: &[Arc<Series>],
        issue_dir: &Path,
    ) -> Option<Arc<Layout>> {
        if let Some(l) = &self.session.forced {
            return Some(l.clone());
        }
        let (name, base) = crate::pipeline::named_layout(own, series, issue_dir)?;
        self.session.layout_for(name.as_deref(), &base).ok()
    }

    /// The fingerprint of a job; `None` when its inputs cannot be read (it
    /// is then rendered, and the render says what is wrong).
    pub fn of(&self, job: &Job, series: &[Arc<Series>]) -> Option<String> {
        let own = crate::source::read_limited(&job.input).ok()?;
        let layout = self.layout_of(&own, series, &crate::pipeline::folder_of(&job.input))?;
        let mut f = Fields::new("issue");
        f.add(&self.shared);
        f.add(&self.layout_hash(&layout)?);
        f.add_stamp(&job.input);
        f.add(&own);
        for s in series {
            f.add(&self.series_hash(s));
        }
        // The files of the issue's folder it names (a CSV table, photos),
        // by their contents, read as the render reads them (through the
        // folder's sandbox): an edit of one makes another PDF.
        // Most issues name none (the keys `csv`, `image`, `images` are ASCII
        // in UTF-8 and GBK alike): only those that may are parsed here.
        let names =
            |b: &[u8]| b.windows(3).any(|w| w == b"csv") || b.windows(5).any(|w| w == b"image");
        if names(&own) || series.iter().any(|s| names(s.text.as_bytes())) {
            let issue =
                crate::source::parse_issue_with(&job.input, &own, series, self.encoding).ok()?;
            let dir = crate::pipeline::folder_of(&job.input);
            for rel in issue.files() {
                f.add(rel.as_bytes());
                match crate::sandbox::read_within(&dir, rel.trim()) {
                    Ok(bytes) => f.add(&bytes),
                    Err(_) => f.add(b"unreadable"),
                }
            }
        }
        Some(hex(&f.finish()))
    }
}

/// The name of the manifest in each output folder: what produced each PDF
/// there.
pub const MANIFEST_FILE: &str = ".bulletin-pdf-manifest.json";

/// What produced one output, as its folder's manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ManifestEntry {
    /// The fingerprint of its inputs (see [`Fingerprints`]).
    pub fingerprint: String,
    /// SHA-256 of the PDF.
    pub sha256: String,
    pub pages: usize,
    /// The PDF's size and modification time (ns since the epoch) when it
    /// was written: a PDF replaced or touched since is rendered again.
    pub size: u64,
    pub mtime_ns: u64,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct ManifestFile {
    version: u32,
    /// By the output's file name.
    outputs: std::collections::BTreeMap<String, ManifestEntry>,
}

const MANIFEST_VERSION: u32 = 1;

fn output_dir(output: &Path) -> PathBuf {
    crate::pipeline::folder_of(output)
}

fn output_name(output: &Path) -> String {
    output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The manifest a run keeps in each output folder: `MANIFEST_FILE` for a
/// run of the whole catalogue, `.bulletin-pdf-manifest.K-of-N.json` for
/// shard K/N. Shards on a shared file system never write the same
/// manifest; every run reads them all.
pub fn manifest_name(shard: Option<Shard>) -> String {
    match shard {
        None => MANIFEST_FILE.to_string(),
        Some(s) => format!(".bulletin-pdf-manifest.{}-of-{}.json", s.k, s.n),
    }
}

/// The journal beside a run's manifest: one line appended as each PDF is
/// written, so that a run killed midway keeps the record of what it
/// finished; folded into the manifest when the run ends.
pub fn journal_name(shard: Option<Shard>) -> String {
    match shard {
        None => ".bulletin-pdf-journal.jsonl".to_string(),
        Some(s) => format!(".bulletin-pdf-journal.{}-of-{}.jsonl", s.k, s.n),
    }
}

fn is_manifest_name(name: &str) -> bool {
    name == MANIFEST_FILE
        || name
            .strip_prefix(".bulletin-pdf-manifest.")
            .and_then(|r| r.strip_suffix(".json"))
            .and_then(|r| r.split_once("-of-"))
            .is_some_and(|(k, n)| k.parse::<u64>().is_ok() && n.parse::<u64>().is_ok())
}

fn is_journal_name(name: &str) -> bool {
    name == ".bulletin-pdf-journal.jsonl"
        || name
            .strip_prefix(".bulletin-pdf-journal.")
            .and_then(|r| r.strip_suffix(".jsonl"))
            .and_then(|r| r.split_once("-of-"))
            .is_some_and(|(k, n)| k.parse::<u64>().is_ok() && n.parse::<u64>().is_ok())
}

type Entries = std::collections::BTreeMap<String, ManifestEntry>;

/// One line of a journal.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct JournalLine {
    name: String,
    #[serde(flatten)]
    entry: ManifestEntry,
}

/// Adds `entry` for `name`, keeping the later of two records of one output
/// (the one written last describes the file there now).
fn merge_entry(into: &mut Entries, name: String, entry: ManifestEntry) {
    match into.get(&name) {
        Some(old) if old.mtime_ns > entry.mtime_ns => {}
        _ => {
            into.insert(name, entry);
        }
    }
}

/// One manifest file; a missing, unreadable or corrupt one is empty (its
/// outputs are then rendered again).
fn read_manifest_file(dir: &Path, name: &str) -> Entries {
    // Read like a layout's files: a regular file only, bounded.
    crate::sandbox::read_within(dir, name)
        .ok()
        .and_then(|b| serde_json::from_slice::<ManifestFile>(&b).ok())
        .filter(|m| m.version == MANIFEST_VERSION)
        .map(|m| m.outputs)
        .unwrap_or_default()
}

/// One journal; a line that does not parse (the last one, cut short by a
/// kill) is left out.
fn read_journal(dir: &Path, name: &str, into: &mut Entries) {
    let Ok(bytes) = crate::sandbox::read_within(dir, name) else {
        return;
    };
    for line in bytes.split(|&b| b == b'\n') {
        if let Ok(l) = serde_json::from_slice::<JournalLine>(line) {
            merge_entry(into, l.name, l.entry);
        }
    }
}

/// What the manifests and journals of an output folder record, every
/// run's and every shard's together.
fn read_manifest(dir: &Path) -> Entries {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_manifest_name(n) || is_journal_name(n))
        .collect();
    names.sort();
    let mut out = Entries::new();
    for name in names {
        if is_journal_name(&name) {
            read_journal(dir, &name, &mut out);
        } else {
            for (n, e) in read_manifest_file(dir, &name) {
                merge_entry(&mut out, n, e);
            }
        }
    }
    out
}

/// The manifest entry of an output, if its folder records one.
pub fn manifest_entry(output: &Path) -> Option<ManifestEntry> {
    read_manifest(&output_dir(output)).remove(&output_name(output))
}

/// The journals a run appends to, one per output folder, opened as first
/// needed.
struct Journals {
    name: String,
    open: Mutex<HashMap<PathBuf, std::result::Result<std::fs::File, ()>>>,
    errors: Mutex<Vec<Error>>,
}

impl Journals {
    fn new(shard: Option<Shard>) -> Journals {
        Journals {
            name: journal_name(shard),
            open: Mutex::default(),
            errors: Mutex::default(),
        }
    }

    /// Appends one line for `output`: one `write` of the whole line to a
    /// file opened for appending, so that lines of a killed run are whole
    /// or cut at the end (and then left out), never mixed.
    fn append(&self, output: &Path, entry: &ManifestEntry) {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let dir = output_dir(output);
        let line = JournalLine {
            name: output_name(output),
            entry: entry.clone(),
        };
        let Ok(mut text) = serde_json::to_vec(&line) else {
            return;
        };
        text.push(b'\n');
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let path = dir.join(&self.name);
        let file = open.entry(dir.clone()).or_insert_with(|| {
            std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                // A link planted under the journal's name is not followed.
                .custom_flags(libc::O_NOFOLLOW)
                .open(&path)
                .map_err(|e| self.fail(format!("{}: {e}", path.display())))
        });
        if let Ok(f) = file {
            if let Err(e) = f.write_all(&text) {
                self.fail(format!("{}: {e}", path.display()));
                *file = Err(());
            }
        }
    }

    fn fail(&self, message: String) {
        if let Ok(mut e) = self.errors.lock() {
            e.push(Error::output(message));
        }
    }
}

/// Folds a run's journal in `dir`, and `entries` (by output file name),
/// into the run's manifest there (`name`): written atomically, then the
/// journal removed. Two processes of one shard writing at once: the
/// manifest is read back and written again until it holds these entries
/// (a lost entry only means a render more next time).
fn record_manifest(
    dir: &Path,
    name: &str,
    journal: &str,
    entries: &[(String, ManifestEntry)],
) -> Result<()> {
    for attempt in 0..6u64 {
        let mut outputs = read_manifest_file(dir, name);
        read_journal(dir, journal, &mut outputs);
        for (n, e) in entries {
            merge_entry(&mut outputs, n.clone(), e.clone());
        }
        // Outputs that are gone (removed by hand) are forgotten.
        outputs.retain(|n, _| dir.join(n).is_file());
        let file = ManifestFile {
            version: MANIFEST_VERSION,
            outputs,
        };
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|e| Error::output(format!("{}: {e}", dir.display())))?;
        crate::output::write_atomic(&dir.join(name), &json)?;
        let back = read_manifest_file(dir, name);
        if entries.iter().all(|(n, e)| back.get(n) == Some(e)) {
            let _ = std::fs::remove_file(dir.join(journal));
            return Ok(());
        }
        let jitter = u64::from(std::process::id() % 17);
        std::thread::sleep(std::time::Duration::from_millis(5 + jitter + 10 * attempt));
    }
    Ok(())
}

/// Whether `job`'s PDF was made from these inputs: its manifest entry has
/// this fingerprint and the PDF is the one written then.
fn up_to_date<'m>(
    job: &Job,
    fingerprint: Option<&str>,
    manifests: &'m HashMap<PathBuf, Entries>,
) -> Option<&'m ManifestEntry> {
    let fingerprint = fingerprint?;
    let entry = manifests
        .get(&output_dir(&job.output))?
        .get(&output_name(&job.output))?;
    let (size, ns) = stamp(&job.output)?;
    (entry.fingerprint == fingerprint && entry.size == size && entry.mtime_ns == ns)
        .then_some(entry)
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
            let ours = name.contains(".pdf.")
                || name.contains(".ofd.")
                || name.contains(&format!("{MANIFEST_FILE}."));
            if ours && crate::output::is_stale_temp(dir, &name) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// A rendered job: what a worker says about the PDF it wrote.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Done {
    pub pages: usize,
    /// SHA-256 of the PDF (hex).
    pub sha256: String,
    /// The render's warnings.
    pub warnings: Vec<Diagnostic>,
}

/// Renders one job: series, issue, layout, PDF, atomic write.
pub fn render_job(
    renderer: &mut Renderer,
    job: &Job,
    series: &[Arc<Series>],
    opts: &RenderOptions,
) -> Result<Done> {
    let prepared = prepare_with(renderer.session(), &job.input, series, opts)?;
    let rendered = renderer.render(&prepared, opts)?;
    let mut inputs = prepared.inputs();
    inputs.extend(renderer.dependencies());
    crate::output::refuse_inputs(&job.output, &inputs)?;
    let pdf = crate::ofd::export_for(&job.output, &rendered, opts.ofd_archive)?;
    if let Some(dir) = job.output.parent() {
        if !dir.as_os_str().is_empty() && !dir.exists() {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::output(format!("{}: cannot create the folder: {e}", dir.display()))
            })?;
        }
    }
    crate::output::write_atomic(&job.output, &pdf)?;
    Ok(Done {
        pages: rendered.document.pages().len(),
        sha256: sha256_hex(&pdf),
        warnings: rendered.warnings,
    })
}

/// Renders the issues of a batch one after another: a worker.
pub trait JobRenderer {
    /// Renders one job with its series files.
    fn render(&mut self, job: &Job, series: &[Arc<Series>]) -> Result<Done>;
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
    fn render(&mut self, job: &Job, series: &[Arc<Series>]) -> Result<Done> {
        let done = render_job(&mut self.renderer, job, series, &self.opts);
        // Forget memoized layout results that are no longer used, so memory
        // stays flat however large the catalogue.
        comemo::evict(4);
        done
    }
}

/// What a batch did.
#[derive(Debug, Default)]
pub struct BatchRun {
    /// One per job, in order.
    pub outcomes: Vec<Outcome>,
    /// Manifests that could not be written (their outputs are then
    /// rendered again next time).
    pub manifest_errors: Vec<Error>,
}

/// Renders `jobs` on `opts.jobs` workers in this process. `on_done` is
/// called (from the worker threads) as each issue finishes.
pub fn run(
    jobs: &[Job],
    session: &Session,
    opts: &BatchOptions,
    series: &SeriesCache,
    on_done: &(dyn Fn(&Job, &Outcome) + Sync),
) -> BatchRun {
    let make =
        || -> Box<dyn JobRenderer + '_> { Box::new(InProcess::new(session, opts.render.clone())) };
    run_with(jobs, session, opts, series, on_done, &make)
}

/// Renders `jobs` on `opts.jobs` workers made by `make` (in this process,
/// or worker processes that a runaway issue can end without ending the
/// batch). Up-to-date issues are skipped here (see [`Fingerprints`]); after
/// the batch, the manifests of the output folders record what produced each
/// PDF rendered. `on_done` is called (from the worker threads) as each issue
/// finishes.
pub fn run_with<'a>(
    jobs: &[Job],
    session: &Session,
    opts: &BatchOptions,
    series: &SeriesCache,
    on_done: &(dyn Fn(&Job, &Outcome) + Sync),
    make: &(dyn Fn() -> Box<dyn JobRenderer + 'a> + Sync),
) -> BatchRun {
    remove_stale_temp_files(jobs);
    let fingerprints = Fingerprints::new(session, &opts.render);
    let manifests: HashMap<PathBuf, _> = jobs
        .iter()
        .map(|j| output_dir(&j.output))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|d| {
            let m = read_manifest(&d);
            (d, m)
        })
        .collect();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let journals = Journals::new(opts.shard);
    let results: Mutex<Vec<(Outcome, Option<ManifestEntry>)>> =
        Mutex::new(vec![(Outcome::NotRun, None); jobs.len()]);
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
                    let mut fingerprint = None;
                    let outcome = match series.for_issue(&job.input) {
                        Err((path, e)) => Outcome::Failed {
                            error: e,
                            millis: 0,
                            series: Some(path),
                        },
                        Ok(s) => {
                            fingerprint = fingerprints.of(job, &s);
                            let fresh = match opts.force {
                                true => None,
                                false => up_to_date(job, fingerprint.as_deref(), &manifests),
                            };
                            match fresh {
                                Some(entry) => Outcome::UpToDate {
                                    pages: Some(entry.pages),
                                    sha256: Some(entry.sha256.clone()),
                                },
                                None => {
                                    let w = worker.get_or_insert_with(make);
                                    match w.render(job, &s) {
                                        Ok(done) => Outcome::Rendered {
                                            pages: done.pages,
                                            millis: start.elapsed().as_millis(),
                                            sha256: done.sha256,
                                            warnings: done.warnings,
                                        },
                                        Err(e) => Outcome::Failed {
                                            error: e,
                                            millis: start.elapsed().as_millis(),
                                            series: None,
                                        },
                                    }
                                }
                            }
                        }
                    };
                    // What produced the PDF just written, journaled at once:
                    // a run killed after this keeps it.
                    let entry = match (&outcome, fingerprint) {
                        (Outcome::Rendered { pages, sha256, .. }, Some(fp)) => stamp(&job.output)
                            .map(|(size, mtime_ns)| ManifestEntry {
                                fingerprint: fp,
                                sha256: sha256.clone(),
                                pages: *pages,
                                size,
                                mtime_ns,
                            }),
                        _ => None,
                    };
                    if let Some(e) = &entry {
                        journals.append(&job.output, e);
                    }
                    if matches!(outcome, Outcome::Failed { .. }) && opts.fail_fast {
                        stop.store(true, Ordering::Relaxed);
                    }
                    on_done(job, &outcome);
                    if let Ok(mut r) = results.lock() {
                        r[i] = (outcome, entry);
                    }
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();
    let mut manifest_errors = journals.errors.into_inner().unwrap_or_default();
    manifest_errors.extend(record(jobs, &results, opts.shard));
    BatchRun {
        outcomes: results.into_iter().map(|(o, _)| o).collect(),
        manifest_errors,
    }
}

/// Records the PDFs rendered, with their fingerprints, in the run's
/// manifest of their folders, folding in (and removing) the run's journals.
fn record(
    jobs: &[Job],
    results: &[(Outcome, Option<ManifestEntry>)],
    shard: Option<Shard>,
) -> Vec<Error> {
    let mut by_dir: std::collections::BTreeMap<PathBuf, Vec<(String, ManifestEntry)>> =
        Default::default();
    for job in jobs {
        by_dir.entry(output_dir(&job.output)).or_default();
    }
    for (job, (_, entry)) in jobs.iter().zip(results) {
        if let Some(e) = entry {
            by_dir
                .entry(output_dir(&job.output))
                .or_default()
                .push((output_name(&job.output), e.clone()));
        }
    }
    let (name, journal) = (manifest_name(shard), journal_name(shard));
    by_dir
        .into_iter()
        // A folder with nothing rendered and no journal left by a killed
        // run: its manifest stays as it is.
        .filter(|(dir, entries)| !entries.is_empty() || dir.join(&journal).is_file())
        .filter_map(|(dir, entries)| record_manifest(&dir, &name, &journal, &entries).err())
        .collect()
}
