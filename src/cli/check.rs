//! `bulletin-pdf check PATH...`: validates issue files without writing any
//! output — reading with series files, dates, layout parameters, glyph
//! coverage — and adds a proofreader's warnings (`bulletin_model::lint`).

use std::path::{Path, PathBuf};

use serde::Serialize;

use bulletin_model::lint::Warning;
use bulletin_model::source::Encoding;
use bulletin_render::{Error, RenderOptions, Session};

use super::args::Setup;
use super::term;

/// The outcome of one issue, as written to the report (one JSON line).
#[derive(Debug, Serialize)]
struct Outcome {
    input: String,
    status: &'static str,
    errors: Vec<String>,
    /// The errors as data: each one's place, hints and corrected line.
    problems: Vec<Problem>,
    warnings: Vec<ReportWarning>,
}

/// An error as the report gives it to a program (an editor that marks the
/// place, a script that applies the fix).
#[derive(Debug, Serialize)]
struct Problem {
    /// What went wrong, without the place and the hints.
    message: String,
    file: Option<String>,
    line: Option<u64>,
    column: Option<u64>,
    /// What to write instead, and other hints.
    hints: Vec<String>,
    /// A corrected line (checked to parse): line `line` of `file` becomes
    /// `text`.
    fix: Option<bulletin_model::error::Fix>,
}

impl From<&Error> for Problem {
    fn from(e: &Error) -> Self {
        let place = bulletin_render::report::error_info(e);
        Problem {
            message: e.message.clone(),
            file: place.file,
            line: place.line,
            column: place.column,
            hints: e.hints.clone(),
            fix: e.fix.as_deref().cloned(),
        }
    }
}

#[derive(Debug, Serialize)]
struct ReportWarning {
    message: String,
    file: String,
    line: Option<usize>,
    column: Option<usize>,
}

impl From<&Warning> for ReportWarning {
    fn from(w: &Warning) -> Self {
        ReportWarning {
            message: w.message.clone(),
            file: w.file.display().to_string(),
            line: w.line,
            column: w.column,
        }
    }
}

/// What `check` was asked.
pub struct CheckOptions<'a> {
    pub inputs: &'a [PathBuf],
    pub report: Option<&'a Path>,
    pub encoding: Encoding,
    pub quiet: bool,
    pub setup: &'a Setup,
}

/// Checks every issue among the inputs; fails (exit 1) when any has an
/// error, succeeds with warnings only.
pub fn run(opts: &CheckOptions<'_>) -> Result<(), Error> {
    let jobs = bulletin_render::batch::discover(opts.inputs, None)?;
    if jobs.is_empty() {
        return Err(Error::input(format!(
            "no issue files (*.toml) in {}",
            opts.inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    super::batch::refuse_report(opts.report, &jobs)?;
    let session = Session::new(&opts.setup.session_options())?;
    let render = RenderOptions {
        encoding: opts.encoding,
        ..Default::default()
    };
    let mut outcomes = Vec::new();
    for job in &jobs {
        let (errors, warnings) =
            match bulletin_render::check::check_file(&session, &job.input, &render) {
                Ok(w) => (Vec::new(), w),
                Err(e) => (vec![e], Vec::new()),
            };
        for e in &errors {
            term::error(e);
        }
        if !opts.quiet {
            for w in &warnings {
                term::warning_text(&w.to_string());
            }
        }
        outcomes.push(Outcome {
            input: job.input.display().to_string(),
            status: if errors.is_empty() { "ok" } else { "failed" },
            errors: errors.iter().map(ToString::to_string).collect(),
            problems: errors.iter().map(Problem::from).collect(),
            warnings: warnings.iter().map(ReportWarning::from).collect(),
        });
    }
    if let Some(path) = opts.report {
        let mut text = String::new();
        for o in &outcomes {
            let line = serde_json::to_string(o)
                .map_err(|e| Error::output(format!("cannot write the report: {e}")))?;
            text.push_str(&line);
            text.push('\n');
        }
        bulletin_render::write_atomic(path, text.as_bytes())?;
    }
    let failed = outcomes.iter().filter(|o| o.status == "failed").count();
    let warned: usize = outcomes.iter().map(|o| o.warnings.len()).sum();
    if !opts.quiet {
        term::line(&format!(
            "checked {} issue{}: {} ok, {failed} failed, {warned} warning{}",
            outcomes.len(),
            if outcomes.len() == 1 { "" } else { "s" },
            outcomes.len() - failed,
            if warned == 1 { "" } else { "s" },
        ));
    }
    if failed > 0 {
        return Err(Error::input(format!(
            "{failed} of {} issue{} failed the check",
            outcomes.len(),
            if outcomes.len() == 1 { "" } else { "s" }
        )));
    }
    Ok(())
}
