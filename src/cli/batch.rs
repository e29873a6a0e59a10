//! A catalogue: parallel, incremental, with progress, a summary and a
//! machine-readable report.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use bulletin_render::batch::{self, BatchOptions, Job, Outcome, SeriesCache};
use bulletin_render::preview::Format;
use bulletin_render::{report, Error, Session};

use super::args::{Cli, Plan, ReportCommand};
use super::term;
use super::worker::ProcessWorker;

/// Renders the inputs: one issue, or a catalogue.
pub fn run(cli: &Cli) -> Result<(), Error> {
    let plan = cli.render.plan()?;
    if plan.numbered.is_some() {
        return super::render::numbered_cli(cli, &plan);
    }
    let single = cli.inputs.len() == 1
        && !cli.inputs[0].is_dir()
        && cli.out_dir.is_none()
        && cli.shard.is_none();
    if single {
        if cli.report.is_none() {
            return super::render::one(&plan, &cli.inputs[0]);
        }
        if !plan.format.is_document() {
            return Err(Error::usage(
                "--report describes PDFs and OFDs; leave it out for page images",
            ));
        }
        // With a report, one issue goes the way of a catalogue's (always
        // rendered), so that its line says the same as a batch's would.
        let input = &cli.inputs[0];
        let job = Job {
            input: input.clone(),
            output: super::render::output_of(&plan, input),
            rel: input
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
        };
        return catalogue(cli, &plan, vec![job], true, &run_info(cli)?);
    }
    if !plan.format.is_document() {
        return Err(Error::usage(
            "--format png/svg writes the pages of a single issue",
        ));
    }
    if plan.output.is_some() {
        return Err(Error::usage(
            "-o/--output names the output of a single issue; use --out-dir for several",
        ));
    }
    let run = run_info(cli)?;
    let mut jobs = batch::discover(&cli.inputs, cli.out_dir.as_deref())?;
    if plan.format == Format::Ofd {
        for j in &mut jobs {
            j.output.set_extension("ofd");
        }
    }
    if jobs.is_empty() {
        let names: Vec<String> = cli.inputs.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::input(format!(
            "no issue files (*.toml) found in {}",
            names.join(", ")
        )));
    }
    if let Some(shard) = run.shard {
        jobs.retain(|j| shard.contains(j));
    }
    catalogue(cli, &plan, jobs, cli.force, &run)
}

/// The shard (from `--shard`, `auto` read from the scheduler's
/// environment) and the machine, as the report records them.
fn run_info(cli: &Cli) -> Result<report::RunInfo, Error> {
    let resolved = match &cli.shard {
        None => None,
        Some(spec) => Some(
            spec.resolve(&|name| std::env::var(name).ok())
                .map_err(Error::usage)?,
        ),
    };
    Ok(report::RunInfo {
        shard: resolved.as_ref().map(|r| r.shard),
        task: resolved.and_then(|r| r.task),
        host: batch::host_name(),
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Refuses a report that would be written over an issue of the run, one of
/// their series files, or one of the run's outputs.
pub fn refuse_report(report: Option<&std::path::Path>, jobs: &[Job]) -> Result<(), Error> {
    let Some(report) = report else {
        return Ok(());
    };
    let mut inputs: Vec<PathBuf> = jobs.iter().map(|j| j.input.clone()).collect();
    let mut series = std::collections::BTreeSet::new();
    for j in jobs {
        series.extend(bulletin_model::source::series_paths(&j.input));
    }
    inputs.extend(series);
    let outputs: Vec<PathBuf> = jobs.iter().map(|j| j.output.clone()).collect();
    bulletin_render::refuse_report(report, &inputs, &outputs)
}

fn catalogue(
    cli: &Cli,
    plan: &Plan,
    jobs: Vec<Job>,
    force: bool,
    run_info: &report::RunInfo,
) -> Result<(), Error> {
    refuse_report(cli.report.as_deref(), &jobs)?;
    let start = Instant::now();
    let session = Session::new(&plan.session)?;
    let workers = cli.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let opts = BatchOptions {
        jobs: workers,
        force,
        fail_fast: cli.fail_fast,
        render: plan.render.clone(),
        shard: run_info.shard,
    };
    let total = jobs.len() as u64;
    let bar = term::progress(total, plan.quiet);
    let done = AtomicU64::new(0);
    let failed = AtomicU64::new(0);
    let series = SeriesCache::new(plan.render.encoding);
    let on_done = |job: &Job, outcome: &Outcome| {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Outcome::Failed { .. } = outcome {
            failed.fetch_add(1, Ordering::Relaxed);
        }
        let f = failed.load(Ordering::Relaxed);
        match &bar {
            Some(bar) => {
                bar.set_position(n);
                if f > 0 {
                    bar.set_message(format!("{f} failed"));
                }
            }
            None if !plan.quiet => {
                // One line for each issue rendered or failed; up-to-date
                // ones and those below a broken series file (reported once,
                // at the end) only with --verbose.
                let what = match outcome {
                    Outcome::Rendered { pages, millis, .. } => Some(format!(
                        "rendered {} ({}, {millis} ms)",
                        job.output.display(),
                        plural(*pages, "page", "pages")
                    )),
                    Outcome::UpToDate { .. } => cli
                        .verbose
                        .then(|| format!("up to date {}", job.output.display())),
                    Outcome::Failed {
                        series: Some(s), ..
                    } => cli.verbose.then(|| {
                        format!(
                            "not rendered {} (its series file {} has an error)",
                            job.input.display(),
                            s.display()
                        )
                    }),
                    Outcome::Failed { .. } => Some(format!("FAILED {}", job.input.display())),
                    Outcome::NotRun => Some(format!("not run {}", job.input.display())),
                };
                if let Some(what) = what {
                    term::line(&format!("[{n}/{total}] {what}"));
                }
            }
            None => {}
        }
    };
    // Each worker is a process: a runaway issue ends its worker, not the batch.
    let setup = super::worker::Setup {
        session: plan.session.clone(),
        render: plan.render.clone(),
        time_limit_ms: plan.limits.time.as_millis() as u64,
        memory_limit: plan.limits.memory,
    };
    let make = || -> Box<dyn batch::JobRenderer> { Box::new(ProcessWorker::new(&setup)) };
    let run = batch::run_with(&jobs, &session, &opts, &series, &on_done, &make);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let outcomes = &run.outcomes;
    let mut rendered = 0;
    let mut up_to_date = 0;
    let mut not_run = 0;
    let mut failures = Vec::new();
    let mut blocked = 0;
    let mut warnings = Vec::new();
    for (job, outcome) in jobs.iter().zip(outcomes) {
        match outcome {
            Outcome::Rendered { warnings: w, .. } => {
                rendered += 1;
                warnings.extend(w.iter());
            }
            Outcome::UpToDate { .. } => up_to_date += 1,
            Outcome::NotRun => not_run += 1,
            Outcome::Failed {
                series: Some(_), ..
            } => blocked += 1,
            Outcome::Failed { error, .. } => failures.push((job, error)),
        }
    }
    // A broken series file: its error once, and how many issues it kept
    // from being rendered.
    let series_errors = series.errors.lock().map(|e| e.clone()).unwrap_or_default();
    let below = |path: &PathBuf| {
        outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Failed { series: Some(s), .. } if s == path))
            .count()
    };
    for (path, e) in &series_errors {
        term::error(e);
        term::line(&format!(
            "  {} below it not rendered",
            plural(below(path), "issue", "issues")
        ));
    }
    for (_, e) in &failures {
        term::error(e);
    }
    if !plan.quiet {
        for w in &warnings {
            term::warning(w);
        }
    }
    for e in &run.manifest_errors {
        term::warning_text(&format!(
            "{} (the outputs there will be rendered again next time)",
            e.message
        ));
    }
    let report_written = match &cli.report {
        Some(path) => {
            let lines: Vec<report::Line> = jobs
                .iter()
                .zip(outcomes)
                .map(|(j, o)| report::line(j, o, run_info))
                .collect();
            report::write(path, &lines)
        }
        None => Ok(()),
    };
    let failed_count = failures.len() + blocked;
    if !plan.quiet {
        let secs = start.elapsed().as_secs_f64();
        let mut line =
            format!("{rendered} rendered, {up_to_date} up to date, {failed_count} failed");
        if not_run > 0 {
            line.push_str(&format!(", {not_run} not run (--fail-fast)"));
        }
        if !warnings.is_empty() {
            line.push_str(&format!(
                ", {}",
                plural(warnings.len(), "warning", "warnings")
            ));
        }
        line.push_str(&format!(" in {secs:.1} s"));
        if rendered > 0 && secs > 0.0 {
            line.push_str(&format!(
                " ({} rendered)",
                term::rate(rendered as f64 / secs)
            ));
        }
        term::line(&line);
        if failed_count > 0 {
            // The files to fix: a broken series file once, not each issue
            // below it.
            term::line("failed:");
            for (path, _) in &series_errors {
                let n = below(path);
                if n > 0 {
                    term::line(&format!(
                        "  {}  (series file, {})",
                        path.display(),
                        plural(n, "issue", "issues")
                    ));
                }
            }
            for (job, _) in &failures {
                term::line(&format!("  {}", job.input.display()));
            }
        }
    }
    report_written?;
    if failed_count == 0 && series_errors.is_empty() {
        Ok(())
    } else {
        Err(Error::input(format!(
            "{failed_count} of {} issues failed",
            jobs.len()
        )))
    }
}

/// `bulletin-pdf report …`.
pub fn report(cmd: &ReportCommand) -> Result<(), Error> {
    match cmd {
        ReportCommand::Merge { reports, expect } => {
            let mut all = Vec::new();
            for path in reports {
                all.push((path.clone(), report::read(path)?));
            }
            let expected = match expect.is_empty() {
                true => None,
                false => Some(batch::discover(expect, None)?),
            };
            let merged = report::merge(&all, expected.as_deref());
            print!("{}", bulletin_model::text::visible(&merged.summary()));
            if merged.ok() {
                return Ok(());
            }
            let mut what = Vec::new();
            if !merged.failed.is_empty() {
                what.push(format!("{} failed", merged.failed.len()));
            }
            if !merged.not_run.is_empty() {
                what.push(format!("{} not run", merged.not_run.len()));
            }
            if !merged.duplicates.is_empty() {
                what.push(format!(
                    "{} in more than one report",
                    merged.duplicates.len()
                ));
            }
            if !merged.missing.is_empty() {
                what.push(format!("{} missing", merged.missing.len()));
            }
            Err(Error::input(format!(
                "the reports do not cover the issues once each: {}",
                what.join(", ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::cli::term::rate;

    #[test]
    fn rates_have_sensible_precision() {
        assert_eq!(rate(15.904_4), "15.9/s");
        assert_eq!(rate(0.25), "0.2/s");
        assert_eq!(rate(250.4), "250/s");
        assert_eq!(rate(f64::NAN), "0/s");
    }
}
