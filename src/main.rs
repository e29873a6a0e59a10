//! The `bulletin-pdf` command.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use bulletin_pdf::{FontOptions, Fonts, Layout, RenderOptions};

/// Typeset a Chinese work bulletin (工作简报) issue from TOML to print-ready PDF.
///
/// `bulletin-pdf issue-363.toml` writes issue-363.pdf beside the TOML file.
/// Exit codes: 0 success, 1 failure, 2 usage error.
#[derive(Parser, Debug)]
#[command(name = "bulletin-pdf", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// The issue file (TOML).
    #[arg(value_name = "ISSUE.toml", required = true)]
    input: Option<PathBuf>,

    /// Where to write the PDF (default: the issue file with .pdf).
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,

    /// Print empty boxes for characters that no font has, instead of failing.
    #[arg(long)]
    allow_missing_glyphs: bool,

    /// Conform to these PDF standards (comma-separated or repeated): a-2b,
    /// a-2u, a-3b, ua-1, … as typst-pdf names them. Replaces the issue's
    /// options.pdf_standards.
    #[arg(long = "pdf-standard", value_name = "STANDARD", value_delimiter = ',', value_parser = parse_standard)]
    pdf_standards: Option<Vec<typst_pdf::PdfStandard>>,

    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,

    #[command(flatten)]
    setup: Setup,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List, for each font role of the layout, the font that will be used.
    Fonts {
        #[command(flatten)]
        setup: Setup,
    },
}

/// Layout and font choices.
#[derive(Args, Debug, Clone)]
struct Setup {
    /// A layout folder (with layout.toml) instead of the embedded default.
    #[arg(long, value_name = "DIR")]
    layout: Option<PathBuf>,

    /// A folder to search for fonts (repeatable); its fonts win over the
    /// system's and the embedded Fandol set.
    #[arg(long = "font-path", value_name = "DIR")]
    font_paths: Vec<PathBuf>,

    /// Do not use installed system fonts.
    #[arg(long)]
    no_system_fonts: bool,
}

impl Setup {
    fn load(&self) -> Result<(Layout, Fonts), bulletin_pdf::Error> {
        let layout = match &self.layout {
            Some(dir) => Layout::from_dir(dir)?,
            None => Layout::embedded_default(),
        };
        for dir in &self.font_paths {
            if !dir.is_dir() {
                return Err(bulletin_pdf::Error::input(format!(
                    "--font-path {}: no such folder",
                    dir.display()
                )));
            }
        }
        let fonts = Fonts::load(&FontOptions {
            font_paths: self.font_paths.clone(),
            system: !self.no_system_fonts,
            no_embedded: false,
            families: layout.families().cloned().collect(),
        });
        Ok((layout, fonts))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Fonts { setup }) => list_fonts(setup),
        None => render(&cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn render(cli: &Cli) -> Result<(), bulletin_pdf::Error> {
    let Some(input) = cli.input.as_deref() else {
        return Err(bulletin_pdf::Error::input("no issue file given"));
    };
    if input.is_dir() {
        return Err(bulletin_pdf::Error::input(format!(
            "{}: is a folder; give an issue file (.toml)",
            input.display()
        )));
    }
    let output = cli
        .output
        .clone()
        .unwrap_or_else(|| input.with_extension("pdf"));
    if same_file(input, &output) {
        return Err(bulletin_pdf::Error::input(format!(
            "{}: the output would overwrite the input",
            output.display()
        )));
    }
    let start = std::time::Instant::now();
    let (layout, fonts) = cli.setup.load()?;
    let opts = RenderOptions {
        allow_missing_glyphs: cli.allow_missing_glyphs,
        pdf_standards: cli.pdf_standards.clone(),
    };
    let rendered = bulletin_pdf::render_file(input, &layout, &fonts, &opts)?;
    for w in &rendered.warnings {
        eprintln!("{w}");
    }
    let pdf = bulletin_pdf::export_pdf(&rendered)?;
    bulletin_pdf::write_atomic(&output, &pdf)?;
    if !cli.quiet {
        eprintln!(
            "wrote {} ({} pages) in {:.0} ms",
            output.display(),
            rendered.document.pages().len(),
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
    Ok(())
}

fn parse_standard(s: &str) -> Result<typst_pdf::PdfStandard, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
        format!(
            "unknown PDF standard {s:?}; use one of 1.4, 1.5, 1.6, 1.7, 2.0, a-1b, a-1a, a-2b, \
             a-2u, a-2a, a-3b, a-3u, a-3a, a-4, a-4f, a-4e, ua-1"
        )
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn list_fonts(setup: &Setup) -> Result<(), bulletin_pdf::Error> {
    let (layout, fonts) = setup.load()?;
    println!("layout: {}", layout.manifest.name);
    for (role, list) in &layout.manifest.fonts {
        match fonts.resolve(list) {
            Some((family, origin)) => println!("{role:<8} {family}  ({origin})"),
            None => println!("{role:<8} none of {}", list.join(", ")),
        }
    }
    Ok(())
}
