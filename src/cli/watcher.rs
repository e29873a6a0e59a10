//! Watching the files a render read, by their folders.
//!
//! typst-kit's watcher watches each file itself. An editor's safe-write
//! (write a new file, rename it over the old one: `sed -i`, Python's
//! `os.replace`, many editors) replaces the file's inode, and the watch on
//! the old one is lost; a delete and re-create loses it too, and `watch`
//! then went deaf to that file (#20 item 20, #21 item 8). Watching the
//! folders that hold the files, and keeping the events that name one of
//! them, sees every later change whatever the editor does: a folder's watch
//! is not affected by what happens to the files inside it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

/// Watches a set of files through their folders.
pub struct Watcher {
    /// Writes to this file (the output) are not changes.
    ignore: Option<PathBuf>,
    watcher: RecommendedWatcher,
    rx: Receiver<notify::Result<Event>>,
    /// The folders watched.
    dirs: HashSet<PathBuf>,
    /// The files whose changes count (absolute).
    files: HashSet<PathBuf>,
    /// The folders given: a change of anything inside them counts.
    folders: HashSet<PathBuf>,
    /// Files whose folder does not exist: polled.
    missing: Vec<PathBuf>,
    /// What each watched path was when the render began (or when it was
    /// first watched): events that change nothing (a late event of a change
    /// the render already read) start no render.
    stamps: HashMap<PathBuf, Option<Stamp>>,
}

/// What says a file changed: its modification time, size and inode.
type Stamp = (Option<std::time::SystemTime>, u64, u64);

fn stamp(p: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(p).ok()?;
    #[cfg(unix)]
    let ino = std::os::unix::fs::MetadataExt::ino(&m);
    #[cfg(not(unix))]
    let ino = 0;
    Some((m.modified().ok(), m.len(), ino))
}

/// How long to wait for more events after the first (an editor's save is
/// several).
const BATCH: Duration = Duration::from_millis(100);
/// The most time spent gathering one batch.
const STARVE: Duration = Duration::from_millis(500);
/// How often files without a folder are looked for.
const POLL: Duration = Duration::from_millis(300);

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

impl Watcher {
    pub fn new(ignore: Option<PathBuf>) -> Result<Watcher, String> {
        let (tx, rx) = std::sync::mpsc::channel();
        let watcher = RecommendedWatcher::new(tx, notify::Config::default())
            .map_err(|e| format!("cannot watch files: {e}"))?;
        Ok(Watcher {
            ignore: ignore.as_deref().map(absolute),
            watcher,
            rx,
            dirs: HashSet::new(),
            files: HashSet::new(),
            folders: HashSet::new(),
            missing: Vec::new(),
            stamps: HashMap::new(),
        })
    }

    /// Watches exactly these files (and folders: a folder given is watched
    /// itself, so that a file added to it is seen).
    pub fn update(&mut self, paths: impl IntoIterator<Item = PathBuf>) -> Result<(), String> {
        let mut dirs = HashSet::new();
        self.files.clear();
        self.folders.clear();
        self.missing.clear();
        for p in paths {
            let p = absolute(&p);
            let dir = if p.is_dir() {
                self.folders.insert(p.clone());
                p.clone()
            } else {
                match p.parent() {
                    Some(d) => d.to_path_buf(),
                    None => continue,
                }
            };
            if !dir.is_dir() {
                self.missing.push(p);
                continue;
            }
            dirs.insert(dir);
            self.files.insert(p);
        }
        for d in self.dirs.difference(&dirs) {
            let _ = self.watcher.unwatch(d);
        }
        for d in dirs.difference(&self.dirs) {
            self.watcher
                .watch(d, RecursiveMode::NonRecursive)
                .map_err(|e| format!("cannot watch {}: {e}", d.display()))?;
        }
        self.dirs = dirs;
        let watched: HashSet<&PathBuf> = self.files.iter().chain(&self.folders).collect();
        self.stamps.retain(|p, _| watched.contains(p));
        for p in watched {
            if !self.stamps.contains_key(p) {
                self.stamps.insert(p.clone(), stamp(p));
            }
        }
        Ok(())
    }

    /// Records what the watched files are now: called as a render begins,
    /// so that a change made while it runs is seen afterwards.
    pub fn mark(&mut self) {
        for (p, s) in self.stamps.iter_mut() {
            *s = stamp(p);
        }
    }

    /// Whether a watched file or folder differs from its stamp.
    fn changed(&self) -> bool {
        self.stamps.iter().any(|(p, s)| stamp(p) != *s)
    }

    /// Whether an event is a change of a watched file.
    fn relevant(&self, event: &Event) -> bool {
        if matches!(event.kind, EventKind::Access(_)) {
            return false;
        }
        event.paths.iter().any(|p| {
            let p = absolute(p);
            self.ignore.as_ref() != Some(&p)
                && (self.files.contains(&p)
                    || self.folders.contains(&p)
                    || p.parent().is_some_and(|d| self.folders.contains(d)))
        })
    }

    /// Waits for a change of a watched file.
    pub fn wait(&mut self) -> Result<(), String> {
        loop {
            let timeout = if self.missing.is_empty() {
                Duration::from_secs(3600)
            } else {
                POLL
            };
            let first = match self.rx.recv_timeout(timeout) {
                Ok(e) => Some(e),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => {
                    return Err("cannot watch files: the watcher stopped".into())
                }
            };
            let start = Instant::now();
            let mut relevant = false;
            for event in first
                .into_iter()
                .chain(std::iter::from_fn(|| self.rx.recv_timeout(BATCH).ok()))
                .take_while(|_| start.elapsed() <= STARVE)
            {
                let event = event.map_err(|e| format!("cannot watch files: {e}"))?;
                relevant |= self.relevant(&event);
            }
            if (relevant && self.changed()) || self.missing.iter().any(|p| p.exists()) {
                return Ok(());
            }
        }
    }
}
