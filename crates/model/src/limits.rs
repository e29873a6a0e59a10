//! Every piece of work ends: a time limit and a memory limit per render,
//! numbered run, import and export.
//!
//! A layout is code from someone else, and Typst cannot be interrupted in
//! the middle of a compile. So a [`Watchdog`] thread watches the render in
//! progress (its elapsed time, and the process's resident memory) and, past
//! a limit, calls its handler, which ends the process with a clear message.
//! A single render is one process; a batch runs its issues in worker
//! processes, so that a runaway issue ends its worker only and the batch
//! goes on with a new one.

use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The limits of one render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest a render may take.
    pub time: Duration,
    /// The most resident memory the process may use while rendering, bytes.
    pub memory: u64,
}

impl Default for Limits {
    /// 60 s and 2 GiB: a real issue takes well under a second and 200 MiB.
    fn default() -> Self {
        Limits {
            time: Duration::from_secs(60),
            memory: 2 << 30,
        }
    }
}

/// Parses a size: `2G`, `512M`, `1.5GiB`, `800MB`, or bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?}: give a size such as 2G, 512M or 1.5GiB"))?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0_f64.powi(4),
        _ => return Err(format!("{s:?}: the unit is one of K, M, G (e.g. 2G)")),
    };
    let bytes = n * factor;
    if !(bytes.is_finite() && bytes >= 64.0 * 1024.0 * 1024.0) {
        return Err(format!("{s:?}: give at least 64M"));
    }
    Ok(bytes as u64)
}

/// Parses a duration in seconds: `60`, `90s`, `2m`, `0.5`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim().to_ascii_lowercase();
    let (num, factor) = if let Some(m) = t.strip_suffix('m') {
        (m, 60.0)
    } else {
        (t.strip_suffix('s').unwrap_or(&t), 1.0)
    };
    let secs: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: give seconds, e.g. 60 or 90s or 2m"))?;
    let secs = secs * factor;
    if !(secs.is_finite() && secs > 0.0 && secs <= 86_400.0) {
        return Err(format!("{s:?}: give a time from 0.1 s to 24 h"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// This process's resident memory in bytes, where the system tells it.
pub fn resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// What is being watched: the message and its advice depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Task {
    /// The render of an issue (its layout is code, and may loop).
    #[default]
    Render,
    /// A numbered print run: every copy, and the file(s) they go to.
    NumberedRun,
    /// The import of a document (someone else's file, perhaps damaged or
    /// made to exhaust the reader).
    Import,
    /// An export of an issue as a Typst project (its layout runs).
    Export,
}

impl Task {
    fn noun(self) -> &'static str {
        match self {
            Task::Render => "the render",
            Task::NumberedRun => "the numbered run",
            Task::Import => "the import",
            Task::Export => "the export",
        }
    }

    fn advice(self, what: &'static str) -> &'static str {
        match (self, what) {
            (Task::Render | Task::Export, "time") => {
                "A real issue renders in about a second: a layout that loops, or an issue far \
                 larger than real ones, does this. Check the layout, or raise the limit with \
                 --timeout SECONDS."
            }
            (Task::Render | Task::Export, _) => {
                "A real issue needs about 200 MiB: a layout that builds huge data, or an issue \
                 far larger than real ones, does this. Check the layout, or raise the limit with \
                 --max-memory SIZE."
            }
            (Task::NumberedRun, "time") => {
                "The limit is for the whole run: a copy takes a fraction of a second, so a long \
                 run needs a higher limit (--timeout SECONDS, e.g. --timeout 30m)."
            }
            (Task::NumberedRun, _) => {
                "Raise the limit with --max-memory SIZE, or write one PDF per copy (-o \
                 'copy-{n}.pdf'), which keeps less in memory."
            }
            (Task::Import, "time") => {
                "A real document imports in well under a second (a scan's page is read \
                 through OCR in some seconds, and the limit counts for each page): this one is \
                 damaged, or made to exhaust the reader. If it is a real bulletin, raise the \
                 limit with --timeout SECONDS."
            }
            (Task::Import, _) => {
                "A real document needs far less: this one is damaged, or made to exhaust the \
                 reader (a decompression bomb, say). If it is a real bulletin, raise the limit \
                 with --max-memory SIZE."
            }
        }
    }
}

/// What went past a limit.
#[derive(Debug, Clone)]
pub enum Exceeded {
    Time {
        what: String,
        task: Task,
        limit: Duration,
    },
    Memory {
        what: String,
        task: Task,
        used: u64,
        limit: u64,
    },
}

impl Exceeded {
    /// A message that says what happened and what to do.
    pub fn message(&self) -> String {
        let mib = |b: u64| b / (1024 * 1024);
        match self {
            Exceeded::Time { what, task, limit } => format!(
                "{what}: {} took longer than {} s, the time limit (--timeout), and was \
                 stopped; nothing was written. {}",
                task.noun(),
                limit.as_secs_f64(),
                task.advice("time")
            ),
            Exceeded::Memory {
                what,
                task,
                used,
                limit,
            } => format!(
                "{what}: {} used {} MiB of memory, over the limit of {} MiB (--max-memory), \
                 and was stopped; nothing was written. {}",
                task.noun(),
                mib(*used),
                mib(*limit),
                task.advice("memory")
            ),
        }
    }
}

struct Current {
    what: String,
    task: Task,
    since: Instant,
}

/// A thread that ends renders that go past their limits (see the module).
#[derive(Clone)]
pub struct Watchdog {
    state: Arc<(Mutex<Option<Current>>, Condvar)>,
}

/// A render under watch; dropping it ends the watch.
pub struct Watched {
    dog: Watchdog,
}

impl Drop for Watched {
    fn drop(&mut self) {
        let (lock, _) = &*self.dog.state;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl Watchdog {
    /// How often the render in progress is looked at.
    const TICK: Duration = Duration::from_millis(20);

    /// Starts the watching thread; `on_exceed` is called (from it) when a
    /// render goes past a limit. It is expected to end the process.
    pub fn start(limits: Limits, on_exceed: impl Fn(Exceeded) + Send + 'static) -> Watchdog {
        let dog = Watchdog {
            state: Arc::new((Mutex::new(None), Condvar::new())),
        };
        let state = dog.state.clone();
        std::thread::spawn(move || {
            let (lock, wake) = &*state;
            let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                let Some(current) = guard.as_ref() else {
                    guard = wake.wait(guard).unwrap_or_else(|e| e.into_inner());
                    continue;
                };
                let what = current.what.clone();
                let task = current.task;
                let elapsed = current.since.elapsed();
                let exceeded = if elapsed > limits.time {
                    Some(Exceeded::Time {
                        what,
                        task,
                        limit: limits.time,
                    })
                } else {
                    match resident() {
                        Some(used) if used > limits.memory => Some(Exceeded::Memory {
                            what,
                            task,
                            used,
                            limit: limits.memory,
                        }),
                        _ => None,
                    }
                };
                if let Some(e) = exceeded {
                    *guard = None;
                    drop(guard);
                    on_exceed(e);
                    guard = lock.lock().unwrap_or_else(|e| e.into_inner());
                    continue;
                }
                guard = wake
                    .wait_timeout(guard, Self::TICK)
                    .map(|(g, _)| g)
                    .unwrap_or_else(|e| e.into_inner().0);
            }
        });
        dog
    }

    /// Watches a render of `what` (an issue file) until the returned value
    /// is dropped.
    pub fn watch(&self, what: &str) -> Watched {
        self.watch_task(what, Task::Render)
    }

    /// Starts the clock of the task under watch again: a task made of
    /// parts that each get the time limit (the pages of a scan, read
    /// through OCR one at a time) calls [`progress`] as each part begins.
    pub fn restart(&self) {
        let (lock, wake) = &*self.state;
        if let Some(current) = lock.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            current.since = Instant::now();
        }
        wake.notify_all();
    }

    /// Watches `task` on `what` until the returned value is dropped.
    pub fn watch_task(&self, what: &str, task: Task) -> Watched {
        let (lock, wake) = &*self.state;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) = Some(Current {
            what: what.to_string(),
            task,
            since: Instant::now(),
        });
        wake.notify_all();
        Watched { dog: self.clone() }
    }
}

/// What a process does when a part of its work begins (see
/// [`Watchdog::restart`]): set once, by the process that watches the work.
static PROGRESS: OnceLock<Box<dyn Fn() + Send + Sync>> = OnceLock::new();

/// Sets what [`progress`] does in this process (the first call only).
pub fn on_progress(f: impl Fn() + Send + Sync + 'static) {
    let _ = PROGRESS.set(Box::new(f));
}

/// A part of the work under watch begins (a page of a scan): its clock
/// starts again, so that the time limit counts for each part. Nothing when
/// nothing watches.
pub fn progress() {
    if let Some(f) = PROGRESS.get() {
        f();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("2G").unwrap(), 2 << 30);
        assert_eq!(parse_size("512M").unwrap(), 512 << 20);
        assert_eq!(parse_size("1.5GiB").unwrap(), 3 << 29);
        assert!(parse_size("10").is_err());
        assert!(parse_size("lots").is_err());
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("0").is_err());
        assert!(resident().unwrap() > 0);
    }

    #[test]
    fn a_render_past_its_time_is_reported_once() {
        let (tx, rx) = std::sync::mpsc::channel();
        let dog = Watchdog::start(
            Limits {
                time: Duration::from_millis(100),
                memory: u64::MAX,
            },
            move |e| {
                let _ = tx.send(e.message());
            },
        );
        {
            let _quick = dog.watch("quick.toml");
        }
        std::thread::sleep(Duration::from_millis(200));
        assert!(rx.try_recv().is_err(), "an ended render was reported");
        let _slow = dog.watch("slow.toml");
        let m = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(
            m.starts_with("slow.toml: the render took longer than 0.1 s"),
            "{m}"
        );
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
    }
}
