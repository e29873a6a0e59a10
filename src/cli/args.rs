//! The command line: clap's definitions, checked once into plans.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, Parser, Subcommand};

use bulletin_model::source::Encoding;
use bulletin_model::text::edit_distance;
use bulletin_render::batch::ShardSpec;
use bulletin_render::preview::{Format, Pages};
use bulletin_render::{Error, RenderOptions, SessionOptions};

/// Typeset Chinese work bulletin (工作简报) issues from TOML to print-ready PDF.
///
/// `bulletin-pdf issue-363.toml` writes issue-363.pdf beside the TOML file.
/// Given folders or several files, it renders a whole catalogue in parallel:
/// issues whose PDF is up to date are skipped, one bad issue never stops the
/// rest, and a summary ends the run.
/// Exit codes: 0 success, 1 failure (any issue failed), 2 usage error.
#[derive(Parser, Debug)]
#[command(name = "bulletin-pdf", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Issue files (TOML) or folders searched recursively for them.
    #[arg(value_name = "PATH", required = true)]
    pub inputs: Vec<PathBuf>,

    /// Write the PDFs under this folder, mirroring the inputs' layout.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,

    /// Parallel workers (default: the available cores).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,

    /// Render every issue, even those whose PDF is up to date.
    #[arg(long)]
    pub force: bool,

    /// Stop at the first failure.
    #[arg(long)]
    pub fail_fast: bool,

    /// Render only shard K of N (e.g. 2/8): every issue is in exactly one.
    /// `auto` takes K and N from a Slurm array task (SLURM_ARRAY_TASK_ID,
    /// _MIN, _COUNT); `auto/N` takes K from a Kubernetes Indexed Job
    /// (JOB_COMPLETION_INDEX) or an AWS Batch array job
    /// (AWS_BATCH_JOB_ARRAY_INDEX), from 0, with N tasks. Each shard keeps
    /// its own manifest beside the outputs.
    #[arg(long, value_name = "K/N|auto|auto/N")]
    pub shard: Option<ShardSpec>,

    /// Write a report of the run to FILE: JSON Lines, one object per issue
    /// (input, output, status, error, pages, millis, sha256, shard,
    /// warnings, host, task); `bulletin-pdf report merge` combines the
    /// shards' reports.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// List every issue in the log, up-to-date ones too (without a
    /// terminal, they are only counted).
    #[arg(short, long)]
    pub verbose: bool,

    /// Read series files (bulletin.toml) that belong to other users, and
    /// search for them above folders of other users; by default those are
    /// left out, with a warning (the search also stops at a repository's
    /// root).
    #[arg(long, global = true)]
    pub trust_series: bool,

    #[command(flatten)]
    pub render: RenderArgs,
}

/// What to write and how: the options of a render, shared by `watch`.
#[derive(Args, Debug, Clone)]
pub struct RenderArgs {
    /// Where to write the PDF (or OFD) of a single issue (default: beside
    /// it, .pdf or .ofd); with png/svg, a name with {p} for the page number.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// What to write: pdf, ofd (GB/T 33190-2016, for Chinese electronic
    /// document systems), or page images (png, svg) for previews (default:
    /// from the extension of -o, else pdf).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// With png/svg: the pages to write, e.g. 1-3,5 (default: all).
    #[arg(long, value_name = "PAGES")]
    pub pages: Option<Pages>,

    /// With png: the resolution in pixels per inch (1 to 600).
    #[arg(long, value_name = "PPI", default_value_t = 144.0)]
    pub ppi: f32,

    // The help is not a doc comment: clap turns `{n}` in help text into a
    // line break (see `numbered_help`).
    #[arg(long, value_name = "RANGES", help = numbered_help())]
    pub numbered: Option<Copies>,

    /// Conform to these PDF standards (comma-separated or repeated): a-2b,
    /// a-2u, a-3b, ua-1, … as typst-pdf names them. Replaces the issue's
    /// options.pdf_standards.
    #[arg(long = "pdf-standard", value_name = "STANDARD", value_delimiter = ',', value_parser = parse_standard)]
    pub pdf_standards: Option<Vec<bulletin_model::issue::PdfStandard>>,

    /// With ofd: write OFD-A, the archival profile of GB/T 42133-2022
    /// (DocType OFD-A, every font embedded as a subset, JPEG/PNG images only,
    /// no external resources).
    #[arg(long = "ofd-a")]
    pub ofd_archive: bool,

    /// The encoding of the issue files: utf-8 (default) or gbk (GB18030),
    /// converted while reading.
    #[arg(long, value_name = "ENCODING", default_value = "utf-8")]
    pub encoding: Encoding,

    /// Print empty boxes for characters that no font has, instead of failing.
    #[arg(long)]
    pub allow_missing_glyphs: bool,

    /// Downsample photos printed denser than this many pixels per inch to
    /// it, in the output (the image files are not changed; 300 suits print).
    /// Without it, photo files over 1 MB denser than 300 ppi are warned
    /// about.
    #[arg(long, value_name = "PPI", value_parser = parse_max_ppi)]
    pub max_ppi: Option<f64>,

    /// Print nothing but errors (no progress, no summary).
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub limits: LimitArgs,

    #[command(flatten)]
    pub setup: Setup,
}

/// The limits of a piece of work: a render (an issue's, or a numbered run's
/// as a whole), an import (each input's) or an export.
#[derive(Args, Debug, Clone, Copy)]
pub struct LimitArgs {
    /// Stop work that takes longer than this, in seconds (e.g. 60, 90s, 2m):
    /// a render (a layout is code, and may loop), a numbered run as a
    /// whole, the import of one document (of each page of a scan read
    /// through OCR), an export.
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = bulletin_model::limits::parse_duration)]
    pub timeout: std::time::Duration,

    /// Stop work whose process uses more memory than this (e.g. 2G, 512M).
    #[arg(long, value_name = "SIZE", default_value = "2G", value_parser = bulletin_model::limits::parse_size)]
    pub max_memory: u64,
}

impl LimitArgs {
    pub fn limits(&self) -> bulletin_model::limits::Limits {
        bulletin_model::limits::Limits {
            time: self.timeout,
            memory: self.max_memory,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List, for each font role of the layout, the font that will be used.
    Fonts {
        /// Print a JSON array of {role, family, origin, candidates}.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        setup: Setup,
    },
    /// List the bundled layouts and those in ./layouts/.
    Layouts {
        /// Print a JSON array of {name, place, description, params}, each
        /// parameter with name, type, default, min, max and description.
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of a complete issue file (for Taplo / Even
    /// Better TOML: put `#:schema ./issue.schema.json` at the top of an
    /// issue file). TOML dates are strings to a JSON Schema validator, so
    /// a quoted date passes the schema: `check` catches it.
    Schema {
        /// The schema of a series file (bulletin.toml): every table and key
        /// optional (series.schema.json).
        #[arg(long, conflicts_with = "partial")]
        series: bool,
        /// The schema of an issue that leans on a series file: only [issue]
        /// and the articles are required (issue-partial.schema.json).
        #[arg(long)]
        partial: bool,
        /// The schema of what a layout reads as /issue.json (for layout
        /// designers; docs/issue-json.schema.json).
        #[arg(long, conflicts_with_all = ["series", "partial"])]
        view: bool,
    },
    /// Write a new issue file into DIR (default: the current folder), numbered
    /// after the newest issue there and dated today, every key present or
    /// commented; never overwrites a file.
    Init {
        /// The folder of the issues.
        #[arg(value_name = "DIR", default_value = ".")]
        dir: PathBuf,
        /// Also write a series file (bulletin.toml) for what the issues
        /// share; the issue then leaves those tables to it.
        #[arg(long)]
        series: bool,
    },
    /// Edit a folder of issues in the browser: a local web app on
    /// http://127.0.0.1 only, whose printed URL carries this run's token
    /// (?token=…). Lists the issues (number, date, first title, check
    /// status) and makes a new one as init does; an issue opens in a form
    /// beside its live pages, checked as you type, and is saved (atomically,
    /// comments kept) to its TOML file.
    Edit {
        /// The folder of the issues.
        #[arg(value_name = "DIR", default_value = ".")]
        dir: PathBuf,
        /// The port (default: the first free one of 3000–3005, else any
        /// free port).
        #[arg(long, value_name = "PORT")]
        port: Option<u16>,
        /// Open the editor in the default browser.
        #[arg(long)]
        open: bool,
        #[command(flatten)]
        setup: Setup,
    },
    /// Check issue files (or folders of them) without writing anything:
    /// TOML, series files, dates, layout parameters, glyphs, and a
    /// proofreader's warnings. Exit 1 on errors, 0 with warnings only.
    Check {
        /// Issue files (TOML) or folders searched recursively for them.
        #[arg(value_name = "PATH", required = true)]
        inputs: Vec<PathBuf>,
        /// Write a JSON Lines report: one object per issue with input,
        /// status (ok | failed), errors and warnings (message, file, line,
        /// column).
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// The encoding of the issue files: utf-8 (default) or gbk.
        #[arg(long, value_name = "ENCODING", default_value = "utf-8")]
        encoding: Encoding,
        /// Print only errors (no warnings, no summary).
        #[arg(short, long)]
        quiet: bool,
        #[command(flatten)]
        setup: Setup,
    },
    /// Import old issues (.docx, .pdf, .txt/.md, saved web pages .html/.htm;
    /// .doc/.wps through LibreOffice; scans, .pdf without text or
    /// .png/.jpg/.tif, through tesseract OCR, flagged for proofreading) as
    /// issue files: one TOML file per input, beside it or
    /// mirrored under --out-dir, with a `# check:` comment wherever the
    /// importer guessed. Folders are searched for those files. Never
    /// overwrites a file without --force, never an input.
    Import {
        /// Files to import, or folders searched recursively for .docx, .pdf,
        /// .txt, .md, .doc, .wps, .html, .htm, .png, .jpg, .jpeg, .tif and .tiff
        /// files.
        #[arg(value_name = "FILE|DIR", required = true)]
        inputs: Vec<PathBuf>,
        /// Write the issue files (and their images) under this folder,
        /// mirroring the inputs' folders.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
        /// Put what the issues of a folder share (name, office, marker,
        /// footer recipients) into a bulletin.toml there; the issue files
        /// keep only what differs.
        #[arg(long)]
        series: bool,
        /// Print the report (JSON Lines) and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write a JSON Lines report: one object per input with what was
        /// found, what was guessed and what was dropped.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Overwrite issue files (and series files, images) that exist.
        #[arg(long)]
        force: bool,
        /// Each input is read in a process of its own, stopped past these
        /// limits (a damaged or hostile document); the others are imported.
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// A worker process of an import (internal: reads one document, answers
    /// on standard output).
    #[command(name = "__import", hide = true)]
    ImportWorker {
        input: PathBuf,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Render an issue again whenever a file it depends on changes: the
    /// issue, its series files, the layout's files, files of the issue's
    /// folder the layout reads, local packages and fonts. Keeps the last
    /// good output when an edit breaks it; with --serve, shows the pages in
    /// a browser that reloads after each render.
    #[command(mut_arg("numbered", |a| a.hide(true).value_parser(refuse_numbered_watch)))]
    Watch {
        /// The issue file (TOML).
        #[arg(value_name = "ISSUE.toml")]
        input: PathBuf,
        /// Serve a live preview of the pages on http://127.0.0.1 only; the
        /// printed URL carries this run's token (?token=…), without which
        /// every request is refused.
        #[arg(long)]
        serve: bool,
        /// The preview's port (default: the first free one of 3000–3005,
        /// else any free port).
        #[arg(long, value_name = "PORT", requires = "serve")]
        port: Option<u16>,
        /// Open the preview in the default browser.
        #[arg(long, requires = "serve")]
        open: bool,
        #[command(flatten)]
        render: RenderArgs,
    },
    /// Copy the default layout into ./layouts/NAME/ as a starting point.
    NewLayout {
        /// The new layout's name (and folder name).
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Write a plain Typst project of an issue (main.typ, the layout's
    /// files, the issue as issue.json, the fonts it uses) that `typst compile
    /// --font-path DIR/fonts DIR/main.typ` compiles to the same document.
    ExportTypst {
        /// The issue file (TOML).
        #[arg(value_name = "ISSUE.toml")]
        input: PathBuf,
        /// The folder to write (new or empty).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Write into a folder that is not empty, replacing files there.
        #[arg(long)]
        force: bool,
        /// Do not copy the fonts the issue uses into DIR/fonts/ (name a font
        /// folder when compiling instead).
        #[arg(long)]
        no_fonts: bool,
        /// The encoding of the issue file: utf-8 (default) or gbk.
        #[arg(long, value_name = "ENCODING", default_value = "utf-8")]
        encoding: Encoding,
        /// Print empty boxes for characters that no font has, instead of failing.
        #[arg(long)]
        allow_missing_glyphs: bool,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        setup: Setup,
    },
    /// Print a shell completion script: bash, zsh, fish, elvish or
    /// powershell (e.g. `bulletin-pdf completions bash >
    /// /etc/bash_completion.d/bulletin-pdf`).
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// A worker process of a batch (internal: JSON lines on standard input
    /// and output).
    #[command(name = "__worker", hide = true)]
    Worker,
    /// Reports of runs (--report FILE).
    #[command(subcommand)]
    Report(ReportCommand),
    /// Print the manual page (roff), or write one per command into a folder.
    Man {
        /// Write bulletin-pdf.1 and bulletin-pdf-COMMAND.1 into this folder.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// What to do with reports.
#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// Combine the reports of a job array's shards into one summary (counts
    /// by status, the failed issues) and check that every issue was covered
    /// exactly once. Exits 1 when an issue failed, was not run, is in two
    /// reports or (with --expect) is in none.
    Merge {
        /// The reports (JSON Lines, as --report writes them).
        #[arg(value_name = "REPORT", required = true)]
        reports: Vec<PathBuf>,
        /// The catalogue's folders (or files), found as a batch finds them:
        /// every issue there must be in a report.
        #[arg(long, value_name = "DIR", num_args = 1..)]
        expect: Vec<PathBuf>,
    },
}

/// Layout and font choices.
#[derive(Args, Debug, Clone)]
pub struct Setup {
    /// The layout: a bundled one by name (default, zhuanbao), a folder in
    /// ./layouts/, or a folder with a layout.toml. Overrides the layout an
    /// issue or series file names.
    #[arg(long, value_name = "NAME|DIR")]
    pub layout: Option<String>,

    /// A folder to search for fonts (repeatable); its fonts win over the
    /// system's and the embedded Fandol set.
    #[arg(long = "font-path", value_name = "DIR")]
    pub font_paths: Vec<PathBuf>,

    /// A local folder of Typst packages (NAMESPACE/NAME/VERSION/) that
    /// layouts may import; nothing is ever downloaded.
    #[arg(long, value_name = "DIR")]
    pub package_path: Option<PathBuf>,

    /// Do not use installed system fonts.
    #[arg(long)]
    pub no_system_fonts: bool,
}

impl Setup {
    pub fn session_options(&self) -> SessionOptions {
        SessionOptions {
            layout: self.layout.clone(),
            font_paths: self.font_paths.clone(),
            system_fonts: !self.no_system_fonts,
            package_path: self.package_path.clone(),
        }
    }
}

/// A render's options, checked.
#[derive(Debug, Clone)]
pub struct Plan {
    pub output: Option<PathBuf>,
    /// A numbered print run: the copy numbers (份号).
    pub numbered: Option<Copies>,
    pub format: Format,
    pub pages: Option<Pages>,
    pub ppi: f32,
    pub quiet: bool,
    pub render: RenderOptions,
    pub session: SessionOptions,
    pub limits: bulletin_model::limits::Limits,
}

/// The highest resolution of page images: an A4 page at 600 ppi is about 35
/// megapixels (140 MB while it is encoded).
pub const MAX_PPI: f32 = 600.0;

impl RenderArgs {
    /// Checks the options once, for every command that renders.
    pub fn plan(&self) -> Result<Plan, Error> {
        if !(self.ppi.is_finite() && self.ppi > 0.0 && self.ppi <= MAX_PPI) {
            return Err(Error::input(format!(
                "--ppi {}: give a resolution from 1 to {MAX_PPI}, e.g. --ppi 144",
                self.ppi
            )));
        }
        let from_name = self
            .output
            .as_ref()
            .and_then(|o| o.extension())
            .and_then(|e| e.to_str()?.parse::<Format>().ok());
        let format = match (self.format, from_name) {
            (Some(f), Some(n)) if f != n => {
                return Err(Error::input(format!(
                    "--format {} does not match the output's name {}; name the file .{} \
                     or leave --format out",
                    f.extension(),
                    self.output.as_deref().unwrap_or(Path::new("")).display(),
                    f.extension()
                )))
            }
            (Some(f), _) => f,
            (None, Some(n)) => n,
            (None, None) => Format::Pdf,
        };
        if format.is_document() && self.pages.is_some() {
            return Err(Error::input(format!(
                "--pages selects the pages of page images (--format png or svg); \
                 a{} {} always holds the whole issue",
                if format == Format::Ofd { "n" } else { "" },
                format.extension().to_uppercase()
            )));
        }
        if self.ofd_archive && format != Format::Ofd {
            return Err(Error::input(
                "--ofd-a writes OFD-A: add --format ofd, or name the output .ofd",
            ));
        }
        Ok(Plan {
            output: self.output.clone(),
            numbered: self.numbered.clone(),
            format,
            pages: self.pages.clone(),
            ppi: self.ppi,
            quiet: self.quiet,
            render: RenderOptions {
                allow_missing_glyphs: self.allow_missing_glyphs,
                ofd_archive: self.ofd_archive,
                pdf_standards: self.pdf_standards.clone(),
                encoding: self.encoding,
                max_ppi: self.max_ppi,
            },
            session: self.setup.session_options(),
            limits: self.limits.limits(),
        })
    }
}

/// A `--max-ppi` value: a density from 72 to 2400 pixels per inch.
fn parse_max_ppi(s: &str) -> Result<f64, String> {
    match s.trim().trim_end_matches("ppi").trim().parse::<f64>() {
        Ok(v) if (72.0..=2400.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "{s:?} is not a density: give pixels per inch from 72 to 2400, e.g. --max-ppi 300"
        )),
    }
}

/// The copy numbers (份号) of a numbered print run, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copies {
    ranges: Vec<(u32, u32)>,
}

/// The highest copy number: 份号 are six digits.
pub const MAX_COPY: u32 = 999_999;

/// The most copies one run may make.
pub const MAX_COPIES: u64 = 100_000;

impl Copies {
    /// How many copies.
    pub fn count(&self) -> usize {
        self.ranges.iter().map(|(a, b)| (b - a + 1) as usize).sum()
    }

    /// The copy numbers, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.ranges.iter().flat_map(|&(a, b)| a..=b)
    }
}

impl std::str::FromStr for Copies {
    type Err = String;

    fn from_str(s: &str) -> Result<Copies, String> {
        const FORM: &str = "write copy numbers from 1 to 999999 as ranges, e.g. \
                            --numbered 1-120, --numbered 5 or --numbered 1-3,10-12";
        let number = |t: &str| -> Result<u32, String> {
            let t = t.trim();
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("{t:?} is not a copy number; {FORM}"));
            }
            match t.parse::<u64>() {
                Ok(0) => Err(format!("copy numbers start at 1, not 0; {FORM}")),
                Ok(n) if n <= u64::from(MAX_COPY) => Ok(n as u32),
                _ => Err(format!(
                    "{t} is too large: a copy number (份号) has at most six digits; {FORM}"
                )),
            }
        };
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for part in s.split(',') {
            if part.trim().is_empty() {
                return Err(format!("an empty range in {s:?}; {FORM}"));
            }
            let (a, b) = match part.split_once('-') {
                Some((a, b)) => (number(a)?, number(b)?),
                None => {
                    let n = number(part)?;
                    (n, n)
                }
            };
            if a > b {
                return Err(format!(
                    "{}: the range is reversed (write the lower number first, {b}-{a}); {FORM}",
                    part.trim()
                ));
            }
            if let Some((c, d)) = ranges.iter().find(|(c, d)| a <= *d && *c <= b) {
                return Err(format!(
                    "{}: overlaps {c}-{d}: every copy number may be printed once; {FORM}",
                    part.trim()
                ));
            }
            ranges.push((a, b));
        }
        let copies = Copies { ranges };
        if copies.count() as u64 > MAX_COPIES {
            return Err(format!(
                "{} copies: at most {MAX_COPIES} in one run; split the run \
                 (--numbered 1-100000, then --numbered 100001-200000); {FORM}",
                copies.count()
            ));
        }
        Ok(copies)
    }
}

/// The help of `--numbered`. clap replaces `{n}` in help text with a line
/// break; an empty style sequence after the brace (removed when the help
/// is printed) keeps the placeholder as written.
fn numbered_help() -> clap::builder::StyledStr {
    let text = "A numbered print run of one issue: a copy for each copy number (份号) in \
                RANGES, e.g. 1-120, 5 or 1-3,10-12 (numbers 1 to 999999, at most 100000 \
                copies). Writes one PDF of all the copies, one after another; with -o \
                holding {n} (e.g. -o 'copy-{n}.pdf') or with --out-dir DIR \
                (DIR/ISSUE-{n}.pdf), one PDF per copy, {n} being the six-digit number \
                (000001). Overrides the issue's own issue.copy. The issue is laid out \
                once; only the number changes.";
    clap::builder::StyledStr::from(text.replace("{n}", "{\x1b[0mn}"))
}

/// `watch --numbered`: refused (a preview is one copy).
fn refuse_numbered_watch(_: &str) -> Result<Copies, String> {
    Err(
        "watch previews one copy; leave out --numbered (set copy = 1 in [issue] to see \
         the copy number), and print the run with `bulletin-pdf ISSUE.toml --numbered 1-120`"
            .into(),
    )
}

fn parse_standard(s: &str) -> Result<bulletin_model::issue::PdfStandard, String> {
    s.parse().map_err(|_| {
        format!(
            "unknown PDF standard {s:?}; use one of 1.4, 1.5, 1.6, 1.7, 2.0, a-1b, a-1a, a-2b, \
             a-2u, a-2a, a-3b, a-3u, a-3a, a-4, a-4f, a-4e, ua-1"
        )
    })
}

/// A mistyped subcommand (`bulletin-pdf layout`) would be read as a missing
/// input file: when the first argument is no file, looks like a word and is
/// close to a subcommand, say so and exit 2, as clap does for other
/// mistakes (the error to exit with).
pub fn mistyped_subcommand(args: &[OsString]) -> Option<clap::Error> {
    let first = args
        .iter()
        .skip(1)
        .find(|a| !a.to_string_lossy().starts_with('-'))?;
    let word = first.to_string_lossy();
    let is_word = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !is_word || Path::new(first).exists() {
        return None;
    }
    let cmd = Cli::command();
    if cmd.get_subcommands().any(|s| s.get_name() == word.as_ref()) {
        return None;
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .filter(|n| n != "help" && !n.starts_with("__"))
        .collect();
    if names.iter().any(|n| n == word.as_ref()) {
        return None;
    }
    let best = names
        .iter()
        .map(|n| (edit_distance(&word, n), n))
        .filter(|(d, n)| *d <= 2 || n.starts_with(word.as_ref()))
        .min();
    if let Some((_, name)) = best {
        let msg = format!(
            "unrecognized subcommand '{word}' (and no file of that name)\n\n  \
             tip: a similar subcommand exists: '{name}'\n\n\
             Usage: bulletin-pdf {name} …   (bulletin-pdf --help lists the commands)"
        );
        return Some(Cli::command().error(clap::error::ErrorKind::InvalidSubcommand, msg));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_ranges() {
        let list = |s: &str| s.parse::<Copies>().map(|c| c.iter().collect::<Vec<_>>());
        assert_eq!(list("1-3,10-12"), Ok(vec![1, 2, 3, 10, 11, 12]));
        assert_eq!(list(" 5 "), Ok(vec![5]));
        assert_eq!(list("12,3"), Ok(vec![12, 3]));
        let count = |s: &str| s.parse::<Copies>().map(|c| c.count());
        assert_eq!(count("1-3,10-12"), Ok(6));
        assert_eq!(count("900000-999999"), Ok(100_000));
        for bad in [
            "",
            "0",
            "0-3",
            "3-1",
            "1-",
            "-3",
            "a",
            "1-3,,5",
            "1-1000000",
            "1-999999",
            "1-3,2-5",
            "1.5",
        ] {
            assert!(bad.parse::<Copies>().is_err(), "{bad:?} was accepted");
        }
        assert!("3-1".parse::<Copies>().is_err_and(|e| e.contains("1-3")));
    }

    #[test]
    fn the_cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
