//! A catalogue: parallel, incremental, with progress and a summary.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use clap::CommandFactory;

use bulletin_pdf::batch::{self, BatchOptions, Job, Outcome, SeriesCache};
use bulletin_pdf::preview::Format;
use bulletin_pdf::{Error, Session};

use super::args::{Cli, Plan};
use super::term;
use super::worker::ProcessWorker;

/// Renders the inputs: one issue, or a catalogue.
pub fn run(cli: &Cli) -> Result<(), Error> {
    let plan = cli.render.plan()?;
    let single = cli.inputs.len() == 1
        && !cli.inputs[0].is_dir()
        && cli.out_dir.is_none()
        && cli.shard.is_none();
    if single {
        return super::render::one(&plan, &cli.inputs[0]);
    }
    let usage = |msg: &str| {
        Cli::command()
            .error(clap::error::ErrorKind::ArgumentConflict, msg)
            .exit()
    };
    if plan.format != Format::Pdf {
        usage("--format png/svg writes the pages of a single issue");
    }
    if plan.output.is_some() {
        usage("-o/--output names the output of a single issue; use --out-dir for several");
    }
    catalogue(cli, &plan)
}

fn catalogue(cli: &Cli, plan: &Plan) -> Result<(), Error> {
    let start = Instant::now();
    let mut jobs = batch::discover(&cli.inputs, cli.out_dir.as_deref())?;
    if jobs.is_empty() {
        let names: Vec<String> = cli.inputs.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::input(format!(
            "no issue files (*.toml) found in {}",
            names.join(", ")
        )));
    }
    if let Some(shard) = cli.shard {
        jobs.retain(|j| shard.contains(j));
    }
    let session = Session::new(&plan.session)?;
    let workers = cli.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let opts = BatchOptions {
        jobs: workers,
        force: cli.force,
        fail_fast: cli.fail_fast,
        render: plan.render.clone(),
    };
    let total = jobs.len() as u64;
    let bar = term::progress(total, plan.quiet);
    let done = AtomicU64::new(0);
    let failed = AtomicU64::new(0);
    let series = SeriesCache::new(plan.render.encoding);
    let on_done = |job: &Job, outcome: &Outcome| {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Outcome::Failed(_) = outcome {
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
                let what = match outcome {
                    Outcome::Rendered { pages, millis } => format!(
                        "rendered {} ({pages} pages, {millis} ms)",
                        job.output.display()
                    ),
                    Outcome::UpToDate => format!("up to date {}", job.output.display()),
                    Outcome::Failed(_) => format!("FAILED {}", job.input.display()),
                    Outcome::NotRun => format!("not run {}", job.input.display()),
                };
                eprintln!("[{n}/{total}] {what}");
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
        color: bulletin_pdf::diag::color(),
    };
    let make = || -> Box<dyn batch::JobRenderer> { Box::new(ProcessWorker::new(&setup)) };
    let outcomes = batch::run_with(&jobs, &session, &opts, &series, &on_done, &make);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let mut rendered = 0;
    let mut up_to_date = 0;
    let mut not_run = 0;
    let mut failures = Vec::new();
    for (job, outcome) in jobs.iter().zip(&outcomes) {
        match outcome {
            Outcome::Rendered { .. } => rendered += 1,
            Outcome::UpToDate => up_to_date += 1,
            Outcome::NotRun => not_run += 1,
            Outcome::Failed(m) => failures.push((job, m)),
        }
    }
    let series_errors = series.errors.lock().map(|e| e.clone()).unwrap_or_default();
    for e in &series_errors {
        term::error(&e.message);
    }
    for (_, m) in &failures {
        term::error(m);
    }
    if !plan.quiet {
        eprintln!(
            "{rendered} rendered, {up_to_date} up to date, {} failed{} in {:.1} s",
            failures.len(),
            if not_run > 0 {
                format!(", {not_run} not run (--fail-fast)")
            } else {
                String::new()
            },
            start.elapsed().as_secs_f64()
        );
        if !failures.is_empty() {
            eprintln!("failed:");
            for (job, _) in &failures {
                eprintln!("  {}", job.input.display());
            }
        }
    }
    if failures.is_empty() && series_errors.is_empty() {
        Ok(())
    } else {
        Err(Error::input(format!(
            "{} of {} issues failed",
            failures.len(),
            jobs.len()
        )))
    }
}
