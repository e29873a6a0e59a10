//! The `bulletin-pdf` command.

#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

// Typst allocates a great deal of small objects; mimalloc makes a whole
// render about a tenth faster than the system allocator (BENCHMARKS.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use clap::{Args, CommandFactory, Parser, Subcommand};

use bulletin_pdf::preview::{self, Format};
use bulletin_pdf::{batch, FontOptions, Fonts, Layout, RenderOptions};

/// Typeset Chinese work bulletin (工作简报) issues from TOML to print-ready PDF.
///
/// `bulletin-pdf issue-363.toml` writes issue-363.pdf beside the TOML file.
/// Given folders or several files, it renders a whole catalogue in parallel:
/// issues whose PDF is up to date are skipped, one bad issue never stops the
/// rest, and a summary ends the run.
/// Exit codes: 0 success, 1 failure (any issue failed), 2 usage error.
#[derive(Parser, Debug)]
#[command(name = "bulletin-pdf", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Issue files (TOML) or folders searched recursively for them.
    #[arg(value_name = "PATH", required = true)]
    inputs: Vec<PathBuf>,

    /// Where to write the PDF of a single issue (default: beside it, .pdf).
    #[arg(short, long, value_name = "PATH", conflicts_with = "out_dir")]
    output: Option<PathBuf>,

    /// Write the PDFs under this folder, mirroring the inputs' layout.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,

    /// Parallel workers (default: the available cores).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    jobs: Option<usize>,

    /// Render every issue, even those whose PDF is up to date.
    #[arg(long)]
    force: bool,

    /// Stop at the first failure.
    #[arg(long)]
    fail_fast: bool,

    /// Render only shard K of N (e.g. 2/8): every issue is in exactly one.
    #[arg(long, value_name = "K/N")]
    shard: Option<bulletin_pdf::batch::Shard>,

    /// Print empty boxes for characters that no font has, instead of failing.
    #[arg(long)]
    allow_missing_glyphs: bool,

    /// Conform to these PDF standards (comma-separated or repeated): a-2b,
    /// a-2u, a-3b, ua-1, … as typst-pdf names them. Replaces the issue's
    /// options.pdf_standards.
    #[arg(long = "pdf-standard", value_name = "STANDARD", value_delimiter = ',', value_parser = parse_standard)]
    pdf_standards: Option<Vec<typst_pdf::PdfStandard>>,

    /// The encoding of the issue files: utf-8 (default) or gbk (GB18030),
    /// converted while reading.
    #[arg(long, value_name = "ENCODING", default_value = "utf-8")]
    encoding: bulletin_pdf::data::Encoding,

    /// What to write: pdf (default), or page images (png, svg) for previews.
    #[arg(long, value_name = "FORMAT", default_value = "pdf")]
    format: bulletin_pdf::preview::Format,

    /// With png/svg: the pages to write, e.g. 1-3,5 (default: all).
    #[arg(long, value_name = "PAGES")]
    pages: Option<bulletin_pdf::preview::Pages>,

    /// With png: the resolution in pixels per inch.
    #[arg(long, value_name = "PPI", default_value_t = 144.0)]
    ppi: f32,

    /// Print nothing but errors (no progress, no summary).
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
    /// List the bundled layouts and those in ./layouts/.
    Layouts,
    /// Print the JSON Schema of the issue format (for Taplo / Even Better
    /// TOML: put `#:schema ./issue.schema.json` at the top of an issue file).
    Schema,
    /// Re-render an issue whenever it, its series files, the layout's files
    /// or the fonts change; keeps the last good PDF when an edit breaks it.
    Watch {
        /// The issue file (TOML).
        #[arg(value_name = "ISSUE.toml")]
        input: PathBuf,
        /// Where to write the PDF (default: the issue file with .pdf).
        #[arg(short, long, value_name = "PATH")]
        output: Option<PathBuf>,
        /// Print empty boxes for characters that no font has.
        #[arg(long)]
        allow_missing_glyphs: bool,
        #[command(flatten)]
        setup: Setup,
    },
    /// Copy the default layout into ./layouts/NAME/ as a starting point.
    NewLayout {
        /// The new layout's name (and folder name).
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Write a plain Typst project (main.typ, the layout's files and the
    /// issue as issue.json) that `typst compile --font-path fonts DIR/main.typ`
    /// compiles to the same document.
    ExportTypst {
        /// The issue file (TOML).
        #[arg(value_name = "ISSUE.toml")]
        input: PathBuf,
        /// The folder to write.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The encoding of the issue file: utf-8 (default) or gbk.
        #[arg(long, value_name = "ENCODING", default_value = "utf-8")]
        encoding: bulletin_pdf::data::Encoding,
        #[command(flatten)]
        setup: Setup,
    },
}

/// Layout and font choices.
#[derive(Args, Debug, Clone)]
struct Setup {
    /// The layout: a bundled one by name (default, zhuanbao), a folder in
    /// ./layouts/, or a folder with a layout.toml. Overrides the layout an
    /// issue or series file names.
    #[arg(long, value_name = "NAME|DIR")]
    layout: Option<String>,

    /// A folder to search for fonts (repeatable); its fonts win over the
    /// system's and the embedded Fandol set.
    #[arg(long = "font-path", value_name = "DIR")]
    font_paths: Vec<PathBuf>,

    /// A local folder of Typst packages (NAMESPACE/NAME/VERSION/) that
    /// layouts may import; nothing is ever downloaded.
    #[arg(long, value_name = "DIR")]
    package_path: Option<PathBuf>,

    /// Do not use installed system fonts.
    #[arg(long)]
    no_system_fonts: bool,
}

impl Setup {
    fn load_layout(&self) -> Result<Layout, bulletin_pdf::Error> {
        let mut layout = match &self.layout {
            Some(name) => Layout::find(name, Path::new("."))?,
            None => Layout::embedded_default(),
        };
        layout.packages = self.package_path.clone();
        Ok(layout)
    }

    fn load(&self) -> Result<(Layout, Fonts), bulletin_pdf::Error> {
        let layout = self.load_layout()?;
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
            // The families of the chosen layout and of every bundled one
            // (issues may name those).
            families: layout
                .families()
                .cloned()
                .chain(bulletin_pdf::layout::BUNDLED.iter().flat_map(|(n, _)| {
                    Layout::bundled(n)
                        .map(|l| l.families().cloned().collect::<Vec<_>>())
                        .unwrap_or_default()
                }))
                .collect(),
        });
        Ok((layout, fonts))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    bulletin_pdf::set_color(
        std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    );
    let result = match &cli.command {
        Some(Command::Fonts { setup }) => list_fonts(setup),
        Some(Command::Schema) => {
            let schema = bulletin_pdf::model::schema();
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            Ok(())
        }
        Some(Command::Layouts) => {
            for (name, place, desc) in bulletin_pdf::layout::list() {
                println!("{name:<12} {desc}  [{place}]");
            }
            Ok(())
        }
        Some(Command::NewLayout { name }) => new_layout(name),
        Some(Command::Watch {
            input,
            output,
            allow_missing_glyphs,
            setup,
        }) => watch(input, output.as_deref(), *allow_missing_glyphs, setup),
        Some(Command::ExportTypst {
            input,
            dir,
            encoding,
            setup,
        }) => export_typst(input, dir, *encoding, setup),
        None => render(&cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", paint(&with_severity(&e.message)));
            ExitCode::from(1)
        }
    }
}

/// `error: MESSAGE`, unless the message (a Typst diagnostic) has its own.
fn with_severity(message: &str) -> String {
    if message.starts_with("error") || message.starts_with("\x1b[") {
        message.to_string()
    } else {
        format!("error: {message}")
    }
}

/// Colours a message like a compiler's on a terminal: errors red, warnings
/// yellow, hints cyan, the gutter blue, carets red. Plain otherwise (and with
/// NO_COLOR set).
fn paint(msg: &str) -> String {
    if !std::io::stderr().is_terminal() || std::env::var_os("NO_COLOR").is_some() {
        return msg.to_string();
    }
    const RED: &str = "\x1b[1;31m";
    const YELLOW: &str = "\x1b[1;33m";
    const CYAN: &str = "\x1b[36m";
    const BLUE: &str = "\x1b[1;34m";
    const RESET: &str = "\x1b[0m";
    msg.lines()
        .map(|line| {
            let t = line.trim_start();
            if let Some((gutter, rest)) = line
                .split_once(" | ")
                .filter(|(g, _)| g.trim().chars().all(|c| c.is_ascii_digit()))
            {
                let rest = if rest.trim_start().starts_with('^') {
                    format!("{RED}{rest}{RESET}")
                } else {
                    rest.to_string()
                };
                format!("{BLUE}{gutter} |{RESET} {rest}")
            } else if t.starts_with("= hint:") || t.starts_with("= in ") {
                format!("{CYAN}{line}{RESET}")
            } else if line.trim() == "|" {
                format!("{BLUE}{line}{RESET}")
            } else {
                line.replace("error:", &format!("{RED}error:{RESET}"))
                    .replace("warning:", &format!("{YELLOW}warning:{RESET}"))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn render(cli: &Cli) -> Result<(), bulletin_pdf::Error> {
    let single = cli.inputs.len() == 1
        && !cli.inputs[0].is_dir()
        && cli.out_dir.is_none()
        && cli.shard.is_none();
    if single {
        return render_one(cli, &cli.inputs[0]);
    }
    if cli.format != Format::Pdf {
        Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "--format png/svg writes the pages of a single issue",
            )
            .exit();
    }
    if cli.output.is_some() {
        Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "-o/--output names the PDF of a single issue; use --out-dir for several",
            )
            .exit();
    }
    render_batch(cli)
}

fn render_options(cli: &Cli) -> RenderOptions {
    RenderOptions {
        allow_missing_glyphs: cli.allow_missing_glyphs,
        pdf_standards: cli.pdf_standards.clone(),
        encoding: cli.encoding,
        force_layout: cli.setup.layout.is_some(),
    }
}

/// One issue: always rendered, with its own messages.
fn render_one(cli: &Cli, input: &Path) -> Result<(), bulletin_pdf::Error> {
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
    let rendered = bulletin_pdf::render_file(input, &layout, &fonts, &render_options(cli))?;
    for w in &rendered.warnings {
        eprintln!("{}", paint(w));
    }
    if cli.format != Format::Pdf {
        return write_images(cli, input, &rendered, start);
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
    // The process ends here: leave the laid-out document, the fonts and the
    // PDF to the operating system instead of freeing them piece by piece.
    std::mem::forget((rendered, fonts, layout, pdf));
    Ok(())
}

/// Page images of one issue: `{p}` in the output pattern is the page number.
fn write_images(
    cli: &Cli,
    input: &Path,
    rendered: &bulletin_pdf::Rendered,
    start: std::time::Instant,
) -> Result<(), bulletin_pdf::Error> {
    let ext = cli.format.extension();
    let pattern = cli.output.clone().unwrap_or_else(|| {
        let stem = input.file_stem().unwrap_or_default().to_string_lossy();
        input.with_file_name(format!("{stem}-{{p}}.{ext}"))
    });
    let images = preview::images(&rendered.document, cli.format, cli.pages.as_ref(), cli.ppi)?;
    if images.len() > 1 && !pattern.to_string_lossy().contains("{p}") {
        return Err(bulletin_pdf::Error::input(format!(
            "{}: {} pages need {{p}} in the name (the page number), e.g. -o 'out/p-{{p}}.{ext}'",
            pattern.display(),
            images.len()
        )));
    }
    for (p, bytes) in &images {
        bulletin_pdf::write_atomic(&preview::page_path(&pattern, *p), bytes)?;
    }
    if !cli.quiet {
        eprintln!(
            "wrote {} {ext} page(s) as {} in {:.0} ms",
            images.len(),
            pattern.display(),
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
    Ok(())
}

/// The files a watched issue depends on, with their modification times.
fn watched_files(input: &Path, setup: &Setup) -> Vec<(PathBuf, Option<std::time::SystemTime>)> {
    let mut files = vec![input.to_path_buf()];
    files.extend(bulletin_pdf::data::series_paths(input));
    let mut dirs: Vec<PathBuf> = setup.font_paths.clone();
    if let Some(l) = &setup.layout {
        for dir in [PathBuf::from(l), Path::new("layouts").join(l)] {
            if dir.join("layout.toml").is_file() {
                dirs.push(dir);
                break;
            }
        }
    }
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let t = std::fs::metadata(&f).and_then(|m| m.modified()).ok();
            (f, t)
        })
        .collect()
}

/// Renders on every change, forever (until interrupted).
fn watch(
    input: &Path,
    output: Option<&Path>,
    allow_missing_glyphs: bool,
    setup: &Setup,
) -> Result<(), bulletin_pdf::Error> {
    let output = output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| input.with_extension("pdf"));
    let (first, mut fonts) = setup.load()?;
    let opts = RenderOptions {
        allow_missing_glyphs,
        force_layout: setup.layout.is_some(),
        ..Default::default()
    };
    eprintln!("watching {} (Ctrl-C to stop)", input.display());
    let mut last: Option<Vec<(PathBuf, Option<std::time::SystemTime>)>> = None;
    loop {
        let now = watched_files(input, setup);
        if last.as_ref() != Some(&now) {
            let fonts_changed = last.as_ref().is_some_and(|l| {
                l.iter()
                    .zip(&now)
                    .any(|(a, b)| a != b && setup.font_paths.iter().any(|d| b.0.starts_with(d)))
            });
            last = Some(now);
            if fonts_changed {
                fonts = setup.load()?.1;
            }
            let start = std::time::Instant::now();
            // The layout is read again on every change (a designer edits it).
            let result = setup.load_layout().and_then(|mut layout| {
                layout.share_parsed_sources(&first);
                let r = bulletin_pdf::render_file(input, &layout, &fonts, &opts)?;
                let pdf = bulletin_pdf::export_pdf(&r)?;
                bulletin_pdf::write_atomic(&output, &pdf)?;
                Ok(r)
            });
            match result {
                Ok(r) => {
                    for w in &r.warnings {
                        eprintln!("{}", paint(w));
                    }
                    eprintln!(
                        "rendered {} ({} pages) in {:.0} ms",
                        output.display(),
                        r.document.pages().len(),
                        start.elapsed().as_secs_f64() * 1000.0
                    );
                }
                Err(e) => eprintln!(
                    "{}\n(kept the last good {})",
                    paint(&with_severity(&e.message)),
                    output.display()
                ),
            }
            comemo::evict(30);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// A catalogue: parallel, incremental, with progress and a summary.
fn render_batch(cli: &Cli) -> Result<(), bulletin_pdf::Error> {
    let start = std::time::Instant::now();
    let mut jobs = batch::discover(&cli.inputs, cli.out_dir.as_deref())?;
    if jobs.is_empty() {
        let names: Vec<String> = cli.inputs.iter().map(|p| p.display().to_string()).collect();
        return Err(bulletin_pdf::Error::input(format!(
            "no issue files (*.toml) found in {}",
            names.join(", ")
        )));
    }
    if let Some(shard) = cli.shard {
        jobs.retain(|j| shard.contains(j));
    }
    let (layout, fonts) = cli.setup.load()?;
    let workers = cli.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let opts = batch::BatchOptions {
        jobs: workers,
        force: cli.force,
        fail_fast: cli.fail_fast,
        render: render_options(cli),
    };
    let total = jobs.len() as u64;
    let bar = (!cli.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} issues  {per_sec}  ETA {eta}  {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let done = AtomicU64::new(0);
    let failed = AtomicU64::new(0);
    let series = batch::SeriesCache::new(cli.encoding);
    let on_done = |job: &batch::Job, outcome: &batch::Outcome| {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if let batch::Outcome::Failed(_) = outcome {
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
            None if !cli.quiet => {
                let what = match outcome {
                    batch::Outcome::Rendered { pages, millis } => {
                        format!(
                            "rendered {} ({pages} pages, {millis} ms)",
                            job.output.display()
                        )
                    }
                    batch::Outcome::UpToDate => format!("up to date {}", job.output.display()),
                    batch::Outcome::Failed(_) => format!("FAILED {}", job.input.display()),
                    batch::Outcome::NotRun => format!("not run {}", job.input.display()),
                };
                eprintln!("[{n}/{total}] {what}");
            }
            None => {}
        }
    };
    let outcomes = batch::run(&jobs, &layout, &fonts, &opts, &series, &on_done);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let mut rendered = 0;
    let mut up_to_date = 0;
    let mut not_run = 0;
    let mut failures = Vec::new();
    for (job, outcome) in jobs.iter().zip(&outcomes) {
        match outcome {
            batch::Outcome::Rendered { .. } => rendered += 1,
            batch::Outcome::UpToDate => up_to_date += 1,
            batch::Outcome::NotRun => not_run += 1,
            batch::Outcome::Failed(m) => failures.push((job, m)),
        }
    }
    let series_errors = series.errors.lock().map(|e| e.clone()).unwrap_or_default();
    for e in &series_errors {
        eprintln!("{}", paint(&format!("error: {e}")));
    }
    for (_, m) in &failures {
        eprintln!("{}", paint(&with_severity(m)));
    }
    if !cli.quiet {
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
        Err(bulletin_pdf::Error::input(format!(
            "{} of {} issues failed",
            failures.len(),
            jobs.len()
        )))
    }
}

fn new_layout(name: &str) -> Result<(), bulletin_pdf::Error> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(bulletin_pdf::Error::input(format!(
            "{name:?}: a layout name is letters, digits, - and _"
        )));
    }
    let dir = Path::new("layouts").join(name);
    bulletin_pdf::layout::new_layout(name, &dir)?;
    eprintln!(
        "wrote {}: edit theme.typ (every tunable) or the element files, then render with --layout {name}",
        dir.display()
    );
    Ok(())
}

fn export_typst(
    input: &Path,
    dir: &Path,
    encoding: bulletin_pdf::data::Encoding,
    setup: &Setup,
) -> Result<(), bulletin_pdf::Error> {
    let layout = setup.load_layout()?;
    bulletin_pdf::export_typst(input, &layout, encoding, dir)?;
    eprintln!(
        "wrote {}/main.typ; compile it with: typst compile --font-path fonts {}/main.typ",
        dir.display(),
        dir.display()
    );
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
