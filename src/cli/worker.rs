//! Worker processes of a batch. A layout may loop or eat memory and Typst
//! cannot be interrupted, so a batch renders its issues in child processes
//! (`bulletin-pdf __worker`), each rendering issue after issue in one world
//! under a watchdog: an issue past its time or memory limit ends its worker
//! with a message for that issue, and the batch goes on with a new worker.
//!
//! The protocol is JSON lines: the parent sends the set-up, then one job a
//! line; the worker answers each job with one line.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use bulletin_model::diag::Diagnostic;
use bulletin_model::limits::{Limits, Watchdog};
use bulletin_model::source::Series;
use bulletin_render::batch::{render_job, Done, Job, JobRenderer};
use bulletin_render::{Error, RenderOptions, Renderer, Session, SessionOptions};

/// What a worker is set up with (its first line).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Setup {
    pub session: SessionOptions,
    pub render: RenderOptions,
    pub time_limit_ms: u64,
    pub memory_limit: u64,
}

/// A job. Paths go as their bytes: a file name need not be UTF-8, and JSON
/// strings must be.
#[derive(Debug, Serialize, Deserialize)]
struct JobLine {
    #[serde(with = "path_bytes")]
    input: PathBuf,
    #[serde(with = "path_bytes")]
    output: PathBuf,
    rel: String,
    #[serde(with = "paths_bytes")]
    series: Vec<PathBuf>,
}

mod path_bytes {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    use std::path::{Path, PathBuf};

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(p.as_os_str().as_bytes())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        Ok(PathBuf::from(std::ffi::OsString::from_vec(
            Vec::<u8>::deserialize(d)?,
        )))
    }
}

mod paths_bytes {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    use std::path::PathBuf;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ps: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(ps.iter().map(|p| p.as_os_str().as_bytes()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
        Ok(Vec::<Vec<u8>>::deserialize(d)?
            .into_iter()
            .map(|b| PathBuf::from(std::ffi::OsString::from_vec(b)))
            .collect())
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Reply {
    #[serde(default)]
    pages: Option<usize>,
    /// The error, as data: its kind and place are kept, and the parent
    /// writes it (with colours on a terminal).
    #[serde(default)]
    error: Option<Error>,
    /// SHA-256 of the PDF written (hex).
    #[serde(default)]
    sha256: Option<String>,
    /// The render's warnings.
    #[serde(default)]
    warnings: Vec<Diagnostic>,
    /// The worker ends after this reply (a limit was exceeded).
    #[serde(default)]
    fatal: bool,
}

fn reply(r: &Reply) {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer(&mut out, r);
    let _ = out.write_all(b"\n");
    let _ = out.flush();
}

/// The worker's side: renders the jobs it is sent until its input ends.
pub fn serve() -> Result<(), Error> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let first = lines
        .next()
        .and_then(|l| l.ok())
        .ok_or_else(|| Error::input("__worker: no set-up line"))?;
    let setup: Setup = serde_json::from_str(&first)
        .map_err(|e| Error::input(format!("__worker: bad set-up line: {e}")))?;
    let limits = Limits {
        time: Duration::from_millis(setup.time_limit_ms),
        memory: setup.memory_limit,
    };
    let dog = Watchdog::start(limits, |e| {
        reply(&Reply {
            error: Some(Error::layout(e.message())),
            fatal: true,
            ..Default::default()
        });
        crate::exit(3);
    });
    let session = match Session::new(&setup.session) {
        Ok(s) => s,
        Err(e) => {
            reply(&Reply {
                error: Some(e),
                fatal: true,
                ..Default::default()
            });
            return Ok(());
        }
    };
    let mut renderer = Renderer::new(&session);
    let mut series_cache: HashMap<PathBuf, Arc<Series>> = HashMap::new();
    for line in lines {
        let Ok(line) = line else { break };
        let job: JobLine = match serde_json::from_str(&line) {
            Ok(j) => j,
            Err(e) => {
                reply(&Reply {
                    error: Some(Error::input(format!("__worker: bad job line: {e}"))),
                    ..Default::default()
                });
                continue;
            }
        };
        let result = (|| {
            let mut series = Vec::new();
            for p in &job.series {
                let s = match series_cache.get(p) {
                    Some(s) => s.clone(),
                    None => {
                        let s = Arc::new(Series::read(p, setup.render.encoding)?);
                        series_cache.insert(p.clone(), s.clone());
                        s
                    }
                };
                series.push(s);
            }
            let j = Job {
                input: job.input.clone(),
                output: job.output.clone(),
                rel: job.rel.clone(),
            };
            let _watched = dog.watch(&job.input.display().to_string());
            render_job(&mut renderer, &j, &series, &setup.render)
        })();
        comemo::evict(4);
        match result {
            Ok(done) => reply(&Reply {
                pages: Some(done.pages),
                sha256: Some(done.sha256),
                warnings: done.warnings,
                ..Default::default()
            }),
            Err(e) => reply(&Reply {
                error: Some(e),
                ..Default::default()
            }),
        }
    }
    Ok(())
}

/// The parent's side: a worker process, started when first needed and
/// again after it ended.
pub struct ProcessWorker {
    setup: String,
    /// How long to wait for an answer before giving up on the worker (its
    /// own watchdog answers well before).
    patience: Duration,
    child: Option<(Child, ChildStdin, Receiver<String>)>,
}

impl ProcessWorker {
    pub fn new(setup: &Setup) -> ProcessWorker {
        ProcessWorker {
            setup: serde_json::to_string(setup).unwrap_or_default(),
            patience: Duration::from_millis(setup.time_limit_ms) + Duration::from_secs(30),
            child: None,
        }
    }

    fn spawn(&self) -> Result<(Child, ChildStdin, Receiver<String>), Error> {
        let exe = std::env::current_exe()
            .map_err(|e| Error::output(format!("cannot start a worker process: {e}")))?;
        let mut child = Command::new(exe)
            .arg("__worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| Error::output(format!("cannot start a worker process: {e}")))?;
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(Error::output("cannot talk to a worker process"));
        };
        writeln!(stdin, "{}", self.setup)
            .map_err(|e| Error::output(format!("cannot set up a worker process: {e}")))?;
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok((child, stdin, rx))
    }

    fn end(&mut self) -> String {
        match self.child.take() {
            Some((mut child, stdin, _)) => {
                drop(stdin);
                let _ = child.kill();
                match child.wait() {
                    Ok(status) => status.to_string(),
                    Err(e) => e.to_string(),
                }
            }
            None => String::new(),
        }
    }
}

impl Drop for ProcessWorker {
    fn drop(&mut self) {
        if let Some((mut child, stdin, _)) = self.child.take() {
            // End of input: the worker finishes and exits.
            drop(stdin);
            let _ = child.wait();
        }
    }
}

impl JobRenderer for ProcessWorker {
    fn render(&mut self, job: &Job, series: &[Arc<Series>]) -> Result<Done, Error> {
        let line = serde_json::to_string(&JobLine {
            input: job.input.clone(),
            output: job.output.clone(),
            rel: job.rel.clone(),
            series: series.iter().map(|s| s.path.clone()).collect(),
        })
        .map_err(|e| Error::output(format!("cannot send a job: {e}")))?;
        if self.child.is_none() {
            self.child = Some(self.spawn()?);
        }
        let sent = match &mut self.child {
            Some((_, stdin, _)) => writeln!(stdin, "{line}").and_then(|_| stdin.flush()),
            None => Ok(()),
        };
        if sent.is_err() {
            // The worker had ended: start another and send the job again.
            self.end();
            let mut fresh = self.spawn()?;
            writeln!(fresh.1, "{line}")
                .map_err(|e| Error::output(format!("cannot send a job to a worker: {e}")))?;
            self.child = Some(fresh);
        }
        let answer = match &self.child {
            Some((_, _, rx)) => rx.recv_timeout(self.patience),
            None => Err(RecvTimeoutError::Disconnected),
        };
        match answer {
            Ok(text) => {
                let r: Reply = serde_json::from_str(&text).unwrap_or(Reply {
                    error: Some(Error::layout(format!("a worker process said: {text}"))),
                    ..Default::default()
                });
                if r.fatal {
                    self.end();
                }
                match (r.pages, r.error) {
                    (Some(pages), None) => Ok(Done {
                        pages,
                        sha256: r.sha256.unwrap_or_default(),
                        warnings: r.warnings,
                    }),
                    (_, e) => {
                        Err(e.unwrap_or_else(|| Error::layout("a worker process gave no answer")))
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                self.end();
                Err(Error::layout(format!(
                    "{}: no answer from the worker process in {} s; it was stopped",
                    job.input.display(),
                    self.patience.as_secs()
                )))
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.end();
                Err(Error::layout(format!(
                    "{}: the worker process rendering it ended unexpectedly ({status}); the \
                     system may have run out of memory. Nothing was written for this issue.",
                    job.input.display()
                )))
            }
        }
    }
}
