//! Machine-readable reports of a run (`--report FILE`): JSON Lines, one
//! object per issue, and the merge of the reports of a job array's shards
//! (`bulletin-pdf report merge`), which checks that every issue was covered
//! exactly once.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::batch::{Job, Outcome, Shard};
use crate::error::{Error, Result};

/// What happened to an issue, as a report says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Rendered,
    UpToDate,
    Failed,
    NotRun,
}

impl Status {
    /// The name in a report (`up-to-date`).
    pub fn name(self) -> &'static str {
        match self {
            Status::Rendered => "rendered",
            Status::UpToDate => "up-to-date",
            Status::Failed => "failed",
            Status::NotRun => "not-run",
        }
    }
}

/// An error in a report: the message as plain text and, when it has one,
/// the place it points at (`file:line:column`, both counted from 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub message: String,
    pub file: Option<String>,
    pub line: Option<u64>,
    pub column: Option<u64>,
}

/// One line of a report: one issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub input: String,
    pub output: String,
    pub status: Status,
    pub error: Option<ErrorInfo>,
    pub pages: Option<usize>,
    pub millis: Option<u64>,
    /// SHA-256 of the output PDF (hex), when it is there.
    pub sha256: Option<String>,
    /// The shard of the run (`2/8`), if any.
    pub shard: Option<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The machine the run was on.
    #[serde(default)]
    pub host: Option<String>,
    /// The scheduler's task the shard came from (`--shard auto`), e.g.
    /// `slurm array task 3`.
    #[serde(default)]
    pub task: Option<String>,
}

/// What a report says of the run as a whole, on each of its lines: its
/// shard, the scheduler's task it came from, and the machine it ran on.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    pub shard: Option<Shard>,
    pub task: Option<String>,
    pub host: Option<String>,
}

/// The first `file:line:column` a diagnostic points at: codespan's
/// `┌─ path:line:column`.
pub fn location(message: &str) -> Option<(String, u64, u64)> {
    for l in message.lines() {
        let Some((_, rest)) = l.split_once("┌─ ") else {
            continue;
        };
        let mut parts = rest.trim().rsplitn(3, ':');
        let column = parts.next()?.trim().parse().ok()?;
        let line = parts.next()?.trim().parse().ok()?;
        let file = parts.next()?.to_string();
        if !file.is_empty() {
            return Some((file, line, column));
        }
    }
    None
}

/// An error as a report holds it: its plain text, and its place (the
/// error's own, or one its message names).
pub fn error_info(error: &Error) -> ErrorInfo {
    let message = error.to_string();
    let own = error.diagnostics().into_iter().find_map(|d| {
        let s = d.snippet?;
        let (line, column) = s.position();
        Some((s.name, line as u64, column as u64))
    });
    let place = own.or_else(|| location(&message));
    ErrorInfo {
        file: place.as_ref().map(|p| p.0.clone()),
        line: place.as_ref().map(|p| p.1),
        column: place.as_ref().map(|p| p.2),
        message,
    }
}

/// The report line of one issue.
pub fn line(job: &Job, outcome: &Outcome, run: &RunInfo) -> Line {
    let mut l = Line {
        input: job.input.display().to_string(),
        output: job.output.display().to_string(),
        status: Status::NotRun,
        error: None,
        pages: None,
        millis: None,
        sha256: None,
        shard: run.shard.map(|s| s.to_string()),
        warnings: Vec::new(),
        host: run.host.clone(),
        task: run.task.clone(),
    };
    match outcome {
        Outcome::Rendered {
            pages,
            millis,
            sha256,
            warnings,
        } => {
            l.status = Status::Rendered;
            l.pages = Some(*pages);
            l.millis = Some(*millis as u64);
            l.sha256 = Some(sha256.clone());
            l.warnings = warnings.iter().map(ToString::to_string).collect();
        }
        Outcome::UpToDate { pages, sha256 } => {
            l.status = Status::UpToDate;
            l.pages = *pages;
            l.sha256 = sha256.clone();
        }
        Outcome::Failed { error, millis, .. } => {
            l.status = Status::Failed;
            l.error = Some(error_info(error));
            l.millis = Some(*millis as u64);
        }
        Outcome::NotRun => {}
    }
    l
}

/// Writes a report (JSON Lines) atomically.
pub fn write(path: &Path, lines: &[Line]) -> Result<()> {
    let mut text = String::new();
    for l in lines {
        let json = serde_json::to_string(l)
            .map_err(|e| Error::output(format!("{}: {e}", path.display())))?;
        text.push_str(&json);
        text.push('\n');
    }
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() && !dir.exists() {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::output(format!("{}: cannot create the folder: {e}", dir.display()))
            })?;
        }
    }
    crate::output::write_atomic(path, text.as_bytes())
}

/// The largest report read: about a million issues' lines.
pub const MAX_REPORT_BYTES: u64 = 512 << 20;

/// Reads a report; a line that is not a report line is an error with its
/// place.
pub fn read(path: &Path) -> Result<Vec<Line>> {
    let fail = |e: std::io::Error| {
        Error::input(format!("{}: cannot read the report: {e}", path.display()))
    };
    // A regular file only (a pipe would wait, a device never ends), read
    // within a bound whatever size it reports.
    use bulletin_model::sandbox::{read_bounded, ReadError};
    let bytes = read_bounded(path, MAX_REPORT_BYTES).map_err(|e| match e {
        ReadError::Io(e) => fail(e),
        ReadError::Folder | ReadError::NotRegular => Error::input(format!(
            "{}: is not a regular file (a pipe, a socket or a device); give a report file",
            path.display()
        )),
        ReadError::TooLarge(_) => Error::input(format!(
            "{}: the report is over {} MiB; is it a report of bulletin-pdf?",
            path.display(),
            MAX_REPORT_BYTES >> 20
        )),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::input(format!(
            "{}: the report is not UTF-8 text: {e}",
            path.display()
        ))
    })?;
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        let line: Line = serde_json::from_str(l).map_err(|e| {
            Error::input(format!(
                "{}:{}: not a line of a bulletin-pdf report: {e}",
                path.display(),
                i + 1
            ))
        })?;
        out.push(line);
    }
    Ok(out)
}

/// The reports of a job array's shards, combined.
#[derive(Debug, Default)]
pub struct Merged {
    /// How many reports were read.
    pub reports: usize,
    /// Issues by status (each line counts).
    pub counts: BTreeMap<Status, usize>,
    /// Failed issues with the first line of their error.
    pub failed: Vec<(String, String)>,
    /// Issues that were not run (`--fail-fast`).
    pub not_run: Vec<String>,
    /// Issues in more than one line: the issue and where (`report:line`).
    pub duplicates: Vec<(String, Vec<String>)>,
    /// Expected issues that no report covers.
    pub missing: Vec<String>,
    /// The shards the reports are of (`2/8`), each with its lines' count,
    /// hosts and tasks.
    pub shards: BTreeMap<String, ShardRun>,
}

/// One shard's part of merged reports.
#[derive(Debug, Default)]
pub struct ShardRun {
    pub issues: usize,
    pub hosts: std::collections::BTreeSet<String>,
    pub tasks: std::collections::BTreeSet<String>,
}

fn key(input: &str) -> PathBuf {
    let p = Path::new(input);
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Merges reports (each with its path, for messages); with `expect`, the
/// issues every report together must cover.
pub fn merge(reports: &[(PathBuf, Vec<Line>)], expect: Option<&[Job]>) -> Merged {
    let mut m = Merged {
        reports: reports.len(),
        ..Default::default()
    };
    let mut seen: HashMap<PathBuf, (String, Vec<String>)> = HashMap::new();
    let mut order = Vec::new();
    for (path, lines) in reports {
        for (i, l) in lines.iter().enumerate() {
            *m.counts.entry(l.status).or_default() += 1;
            if let Some(shard) = &l.shard {
                let run = m.shards.entry(shard.clone()).or_default();
                run.issues += 1;
                run.hosts.extend(l.host.clone());
                run.tasks.extend(l.task.clone());
            }
            match l.status {
                Status::Failed => {
                    let first = l
                        .error
                        .as_ref()
                        .map(|e| {
                            e.message
                                .lines()
                                .next()
                                .unwrap_or("")
                                .trim_start_matches("error: ")
                                .to_string()
                        })
                        .unwrap_or_default();
                    m.failed.push((l.input.clone(), first));
                }
                Status::NotRun => m.not_run.push(l.input.clone()),
                _ => {}
            }
            let k = key(&l.input);
            let entry = seen.entry(k.clone()).or_insert_with(|| {
                order.push(k);
                (l.input.clone(), Vec::new())
            });
            entry.1.push(format!("{}:{}", path.display(), i + 1));
        }
    }
    for k in &order {
        if let Some((input, places)) = seen.get(k) {
            if places.len() > 1 {
                m.duplicates.push((input.clone(), places.clone()));
            }
        }
    }
    if let Some(jobs) = expect {
        for j in jobs {
            if !seen.contains_key(&key(&j.input.display().to_string())) {
                m.missing.push(j.input.display().to_string());
            }
        }
    }
    m
}

impl Merged {
    /// Whether every issue was covered once and rendered (or up to date).
    pub fn ok(&self) -> bool {
        self.failed.is_empty()
            && self.not_run.is_empty()
            && self.duplicates.is_empty()
            && self.missing.is_empty()
    }

    /// A summary for people: counts, then what went wrong.
    pub fn summary(&self) -> String {
        let count = |s: Status| self.counts.get(&s).copied().unwrap_or(0);
        let total: usize = self.counts.values().sum();
        let mut out = format!(
            "{} report{}, {total} issue{}: {} rendered, {} up to date, {} failed, {} not run\n",
            self.reports,
            plural(self.reports),
            plural(total),
            count(Status::Rendered),
            count(Status::UpToDate),
            count(Status::Failed),
            count(Status::NotRun),
        );
        // Which shard ran where, in the shards' order (2/8 before 10/8).
        let mut shards: Vec<(&String, &ShardRun)> = self.shards.iter().collect();
        shards.sort_by_key(|(s, _)| {
            let (k, n) = s.split_once('/').unwrap_or((s, ""));
            (n.parse::<u64>().ok(), k.parse::<u64>().ok(), s.to_string())
        });
        for (shard, run) in shards {
            let mut line = format!(
                "  shard {shard}: {} issue{}",
                run.issues,
                plural(run.issues)
            );
            if !run.hosts.is_empty() {
                let hosts: Vec<&str> = run.hosts.iter().map(String::as_str).collect();
                line.push_str(&format!(" on {}", hosts.join(", ")));
            }
            if !run.tasks.is_empty() {
                let tasks: Vec<&str> = run.tasks.iter().map(String::as_str).collect();
                line.push_str(&format!(" ({})", tasks.join(", ")));
            }
            out.push_str(&line);
            out.push('\n');
        }
        if !self.failed.is_empty() {
            out.push_str(&format!("failed ({}):\n", self.failed.len()));
            for (input, msg) in &self.failed {
                out.push_str(&format!("  {input}: {msg}\n"));
            }
        }
        if !self.not_run.is_empty() {
            out.push_str(&format!("not run ({}):\n", self.not_run.len()));
            for input in &self.not_run {
                out.push_str(&format!("  {input}\n"));
            }
        }
        if !self.duplicates.is_empty() {
            out.push_str(&format!(
                "in more than one report line ({}):\n",
                self.duplicates.len()
            ));
            for (input, places) in &self.duplicates {
                out.push_str(&format!("  {input}  ({})\n", places.join(", ")));
            }
        }
        if !self.missing.is_empty() {
            out.push_str(&format!(
                "missing: in the expected folders but in no report ({}):\n",
                self.missing.len()
            ));
            for input in &self.missing {
                out.push_str(&format!("  {input}\n"));
            }
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_holds_plain_text_and_the_place() {
        let text = "[issue]\nnumber = 1\nbogus = 2\n";
        let e = Error::at(
            crate::error::ErrorKind::Input,
            Path::new("a/b:c.toml"),
            text,
            19..24,
            "unknown field",
        );
        let info = error_info(&e);
        assert!(!info.message.contains('\x1b'), "{}", info.message);
        assert!(info.message.contains("unknown field"), "{}", info.message);
        assert_eq!(info.file.as_deref(), Some("a/b:c.toml"));
        assert_eq!((info.line, info.column), (Some(3), Some(1)));
        let none = error_info(&Error::input(
            "x.toml: no available font has these characters",
        ));
        assert_eq!((none.file, none.line, none.column), (None, None, None));
    }
}
