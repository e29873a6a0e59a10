//! `bulletin-pdf import FILE|DIR...`: old issues (.docx, .pdf, text,
//! .doc/.wps) to issue files, one per input, with a report of what was found
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
}

/// The render crate's side of an import: everything `check` does before
/// the glyphs (the content as the layout would receive it), in one session
/// made at the first issue; atomic writes.
struct RenderHost {
    /// None until needed; Some(None) when no session could be made (the
    /// check is then skipped, as before).
    session: RefCell<Option<Option<bulletin_render::Session>>>,
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
}

/// Imports every input; fails (exit 1) when any input failed, after the
/// others were imported.
pub fn run(opts: &ImportOptions<'_>) -> Result<(), Error> {
    if let Some(report) = opts.report {
        refuse_report(report, opts)?;
    }
    let host = RenderHost {
        session: RefCell::new(None),
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
