//! The `bulletin-pdf` command: parses the arguments and hands each command
//! to its module in `cli/`; the work is the library's.

#![deny(clippy::unwrap_used, clippy::expect_used)]

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::args::{Cli, Command};
use cli::watch::Serve;

// Typst allocates a great deal of small objects; mimalloc makes a whole
// render about a tenth faster than the system allocator (BENCHMARKS.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(e) = cli::args::mistyped_subcommand(&args) {
        e.exit();
    }
    let cli = Cli::parse_from(args);
    cli::term::init();
    bulletin_model::source::series_policy(cli.trust_series, cli::term::warning_text);
    let result = match &cli.command {
        None => cli::batch::run(&cli),
        Some(Command::Watch {
            input,
            serve,
            port,
            open,
            render,
        }) => {
            let serve = serve.then_some(Serve {
                port: *port,
                open: *open,
            });
            cli::watch::run(input, render, serve)
        }
        Some(Command::Fonts { json, setup }) => cli::commands::fonts(setup, *json),
        Some(Command::Layouts { json }) => cli::commands::layouts(*json),
        Some(Command::Schema {
            series,
            partial,
            view,
        }) => {
            use bulletin_model::issue::SchemaKind;
            match (*view, *series, *partial) {
                (true, _, _) => cli::commands::print_schema(&bulletin_render::data::view_schema()),
                (_, true, _) => cli::commands::schema(SchemaKind::Series),
                (_, _, true) => cli::commands::schema(SchemaKind::Partial),
                _ => cli::commands::schema(SchemaKind::Issue),
            }
        }
        Some(Command::Init { dir, series }) => cli::init::run(dir, *series),
        Some(Command::Edit {
            dir,
            port,
            open,
            setup,
        }) => cli::edit::run(dir, *port, *open, setup),
        Some(Command::Check {
            inputs,
            report,
            encoding,
            quiet,
            setup,
        }) => cli::check::run(&cli::check::CheckOptions {
            inputs,
            report: report.as_deref(),
            encoding: *encoding,
            quiet: *quiet,
            setup,
        }),
        #[cfg(feature = "import")]
        Some(Command::Import {
            inputs,
            out_dir,
            series,
            dry_run,
            report,
            force,
            limits,
        }) => cli::import::run(&cli::import::ImportOptions {
            inputs,
            out_dir: out_dir.as_deref(),
            series: *series,
            dry_run: *dry_run,
            report: report.as_deref(),
            force: *force,
            limits: *limits,
        }),
        #[cfg(feature = "import")]
        Some(Command::ImportWorker { input, limits }) => {
            cli::import::worker(input, limits.limits())
        }
        #[cfg(not(feature = "import"))]
        Some(Command::Import { .. } | Command::ImportWorker { .. }) => {
            Err(bulletin_model::Error::usage(
                "this bulletin-pdf was built without the importer: build it with the cargo \
             feature `import` (on by default)",
            ))
        }
        Some(Command::NewLayout { name }) => cli::commands::new_layout(name),
        Some(c @ Command::ExportTypst { .. }) => cli::commands::export_typst(c),
        Some(Command::Completions { shell }) => {
            cli::commands::completions(*shell);
            Ok(())
        }
        Some(Command::Man { dir }) => cli::commands::man(dir.as_ref()),
        Some(Command::Worker) => cli::worker::serve(),
        Some(Command::Report(cmd)) => cli::batch::report(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind == bulletin_model::ErrorKind::Usage => {
            // Said as clap says its own mistakes, exit code 2.
            use clap::CommandFactory;
            Cli::command()
                .error(clap::error::ErrorKind::ArgumentConflict, &e.message)
                .exit()
        }
        Err(e) => {
            cli::term::error(&e);
            ExitCode::from(1)
        }
    }
}

/// Ends the process at once with `code`: the one place that does, for a
/// watchdog whose render went past its limits (Typst cannot be interrupted
/// in the middle of a compile).
pub(crate) fn exit(code: i32) -> ! {
    // No destructor runs: the temporary files of outputs not yet in place
    // are removed here.
    bulletin_render::remove_staged();
    std::process::exit(code)
}
