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
    cli::args::reject_mistyped_subcommand(&args);
    let cli = Cli::parse_from(args);
    cli::term::init();
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
        Some(Command::Fonts { setup }) => cli::commands::fonts(setup),
        Some(Command::Layouts) => {
            cli::commands::layouts();
            Ok(())
        }
        Some(Command::Schema) => cli::commands::schema(),
        Some(Command::NewLayout { name }) => cli::commands::new_layout(name),
        Some(Command::ExportTypst {
            input,
            dir,
            force,
            no_fonts,
            encoding,
            setup,
        }) => {
            let export = bulletin_pdf::export::ExportOptions {
                force: *force,
                fonts: !*no_fonts,
            };
            cli::commands::export_typst(input, dir, &export, *encoding, setup)
        }
        Some(Command::Completions { shell }) => {
            cli::commands::completions(*shell);
            Ok(())
        }
        Some(Command::Man { dir }) => cli::commands::man(dir.as_ref()),
        Some(Command::Worker) => cli::worker::serve(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            cli::term::error(&e.message);
            ExitCode::from(1)
        }
    }
}
