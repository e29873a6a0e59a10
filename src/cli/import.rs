//! `bulletin-pdf import FILE|DIR...`: old issues (.docx, .pdf, text,
//! .doc/.wps, saved web pages) to issue files, one per input, with a report of what was found
//! and what was guessed. The work is [`bulletin_import::import_all`]; this
//! gives it the render crate's check and atomic writes, and prints.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bulletin_model::source::Series;
use bulletin_render::{write_atomic, Error};

use super::term;

/// What `import` was asked.
pub struct ImportOptions<'a> {
    pub inputs: &'a [PathBuf],
    pub out_dir: Option<&'a Path>,
    pub series: bool,
    pub dry_run: bool,
    pub report: Option<&'a Path>,
    pub force: bool,
    pub limits: super::args::LimitArgs,
}

/// The render crate's side of an import: everything `check` does before
/// the glyphs (the content as the layout would receive it), in one session
/// made at the first issue; atomic writes.
struct RenderHost {
    /// None until needed; Some(None) when no session could be made (the
    /// check is then skipped, as before).
    session: RefCell<Option<Option<bulletin_render::Session>>>,
    /// Each document is read in a worker process under these.
    limits: super::args::LimitArgs,
}

impl bulletin_import::Host for RenderHost {
    fn check(&self, output: &Path, text: &str, series: &[Arc<Series>]) -> Result<(), String> {
        let mut session = self.session.borrow_mut();
        let session = session.get_or_insert_with(|| {
            bulletin_render::Session::new(&bulletin_render::SessionOptions::default()).ok()
        });
        let Some(session) = session else {
            return Ok(());
        };
        bulletin_render::prepare_bytes(
            session,
            output,
            text.as_bytes(),
            series,
            &bulletin_render::RenderOptions::default(),
        )
        .map(|_| ())
        .map_err(|e| e.message)
    }

    fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), Error> {
        write_atomic(path, bytes)
    }

    /// Reads the document in a worker process (`bulletin-pdf __import`),
    /// under the time and memory limits: a document made to exhaust the
    /// reader ends its worker only, with a message, and the run goes on.
    fn import(&self, input: &Path) -> Result<bulletin_import::Imported, String> {
        import_in_worker(input, &self.limits)
    }
}

/// The most a worker's answer may hold: the input's own bytes at most in
/// images, and the unpacked parts of a .docx, with room for the issue.
const MAX_ANSWER: u64 = bulletin_import::docx::MAX_UNPACKED + (64 << 20);

/// How long past its own time limit a worker is given to answer before it
/// is killed (its watchdog ends it first, with its message).
const GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// The line a worker writes to its standard error when a part of the
/// document begins (a page of a scan), whose time limit counts anew.
const PROGRESS_LINE: &str = "\u{1}bulletin-pdf progress";

fn import_in_worker(
    input: &Path,
    limits: &super::args::LimitArgs,
) -> Result<bulletin_import::Imported, String> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let exe = std::env::current_exe().map_err(|e| format!("cannot start an import worker: {e}"))?;
    let mut command = Command::new(exe);
    command
        .arg("__import")
        .arg("--timeout")
        .arg(format!("{}", limits.timeout.as_secs_f64()))
        .arg("--max-memory")
        .arg(limits.max_memory.to_string())
        .arg("--")
        .arg(input)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group: LibreOffice, started for a .doc, goes with it.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start an import worker: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no worker output")?;
    let mut stderr = child.stderr.take().ok_or("no worker output")?;
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let r = (&mut stdout).take(MAX_ANSWER + 1).read_to_end(&mut buf);
        r.map(|_| buf)
    });
    // The worker's messages; a progress line (a page of a scan begins)
    // gives it its time limit again.
    let started = std::sync::Arc::new(std::sync::Mutex::new(std::time::Instant::now()));
    let restarted = started.clone();
    let err = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut message = String::new();
        let mut lines = std::io::BufReader::new((&mut stderr).take(1 << 20)).lines();
        while let Some(Ok(line)) = lines.next() {
            if line == PROGRESS_LINE {
                *restarted.lock().unwrap_or_else(|e| e.into_inner()) = std::time::Instant::now();
            } else {
                message.push_str(&line);
                message.push('\n');
            }
        }
        message
    });
    let status = loop {
        let deadline = *started.lock().unwrap_or_else(|e| e.into_inner()) + limits.timeout + GRACE;
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if std::time::Instant::now() > deadline => break None,
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(10)),
            Err(e) => {
                return Err(format!(
                    "{}: the import worker failed: {e}",
                    input.display()
                ))
            }
        }
    };
    let Some(status) = status else {
        bulletin_import::input::kill_group(&mut child);
        return Err(bulletin_model::limits::Exceeded::Time {
            what: input.display().to_string(),
            task: bulletin_model::limits::Task::Import,
            limit: limits.timeout,
        }
        .message());
    };
    // Whatever the worker started (a converter) ends with it.
    bulletin_import::input::kill_group(&mut child);
    let answer = out.join().ok().and_then(Result::ok).unwrap_or_default();
    let message = err.join().unwrap_or_default();
    if !status.success() {
        let m = message.trim();
        return Err(match m.strip_prefix("error: ") {
            Some(m) => m.to_string(),
            None if !m.is_empty() => m.to_string(),
            None => format!(
                "{}: the import stopped ({status}); the document may be damaged",
                input.display()
            ),
        });
    }
    if answer.len() as u64 > MAX_ANSWER {
        return Err(format!("{}: the import is too large", input.display()));
    }
    bulletin_import::wire::decode(&answer).map_err(|m| format!("{}: {m}", input.display()))
}

/// `bulletin-pdf __import FILE`: reads one document under the limits and
/// writes the import to standard output (see `bulletin_import::wire`); an
/// error goes to standard error, with exit 1.
pub fn worker(input: &Path, limits: bulletin_model::limits::Limits) -> Result<(), Error> {
    use std::io::Write;
    let dog = bulletin_model::limits::Watchdog::start(limits, |e| {
        // The programs the reader runs (LibreOffice, tesseract, pdftoppm)
        // are in groups of their own: they end with the worker.
        bulletin_import::run::kill_running();
        eprintln!("error: {}", bulletin_model::text::visible(&e.message()));
        crate::exit(1);
    });
    let _watched = dog.watch_task(
        &input.display().to_string(),
        bulletin_model::limits::Task::Import,
    );
    // A part of the document begins (a page of a scan): the clock starts
    // again here, and the parent is told, so that it waits as long.
    let restart = dog.clone();
    bulletin_model::limits::on_progress(move || {
        restart.restart();
        eprintln!("{PROGRESS_LINE}");
    });
    let imported = bulletin_import::import_file(input)?;
    let bytes = bulletin_import::wire::encode(&imported).map_err(Error::input)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Error::output(format!("cannot answer: {e}")))
}

/// Imports every input; fails (exit 1) when any input failed, after the
/// others were imported.
pub fn run(opts: &ImportOptions<'_>) -> Result<(), Error> {
    if let Some(report) = opts.report {
        refuse_report(report, opts)?;
    }
    let host = RenderHost {
        session: RefCell::new(None),
        limits: opts.limits,
    };
    let run = bulletin_import::import_all(
        &bulletin_import::ImportOptions {
            inputs: opts.inputs,
            out_dir: opts.out_dir,
            series: opts.series,
            dry_run: opts.dry_run,
            force: opts.force,
        },
        &host,
    )?;
    for w in &run.warnings {
        term::warning_text(w);
    }
    let report = run.report();
    if opts.dry_run {
        print!("{report}");
    } else if let Some(path) = opts.report {
        write_atomic(path, report.as_bytes())?;
    }
    for o in &run.outcomes {
        if let Some(e) = &o.error {
            term::error_text(e);
        }
    }
    term::line(&run.summary());
    run.result()
}

/// Refuses a report that would be written over a document being imported
/// (a given file, or one of its kind inside a given folder) or over an
/// issue file the import writes (a `.toml` beside the documents or in the
/// output folder).
fn refuse_report(report: &Path, opts: &ImportOptions<'_>) -> Result<(), Error> {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let report_abs = abs(report);
    let ext = report
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let files: Vec<PathBuf> = opts
        .inputs
        .iter()
        .filter(|p| !p.is_dir())
        .cloned()
        .collect();
    let mut inputs = files.clone();
    for dir in opts.inputs.iter().filter(|p| p.is_dir()) {
        if bulletin_import::EXTENSIONS.contains(&ext.as_str()) && report_abs.starts_with(abs(dir)) {
            inputs.push(report.to_path_buf());
        }
    }
    let mut outputs = Vec::new();
    if ext == "toml" {
        let inside = |d: &Path| report_abs.starts_with(abs(d));
        let folder = |p: &Path| abs(&bulletin_render::folder_of(p));
        let beside = files.iter().any(|f| folder(f) == folder(&report_abs));
        if opts.out_dir.is_some_and(inside)
            || beside
            || opts.inputs.iter().filter(|p| p.is_dir()).any(|d| inside(d))
        {
            outputs.push(report.to_path_buf());
        }
    }
    bulletin_render::refuse_report(report, &inputs, &outputs)
}
