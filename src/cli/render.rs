//! Rendering one issue: a PDF, or page images.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bulletin_model::limits::Watchdog;
use bulletin_render::numbered;
use bulletin_render::preview::{self, Format};
use bulletin_render::refuse_inputs;
use std::io::{IsTerminal, Write};

use bulletin_render::{
    export_ofd, export_pdf, prepare, write_atomic, Error, Rendered, Renderer, Session,
};
use bulletin_render::{folder_of, prepare_bytes};

use super::args::Plan;
use super::term;

/// Where a single issue's output goes: `-o`, or beside the issue.
pub fn output_of(plan: &Plan, input: &Path) -> PathBuf {
    match (&plan.output, plan.format) {
        (Some(o), _) => o.clone(),
        // From standard input, to standard output.
        (None, f) if f.is_document() && is_stdio(input) => PathBuf::from("-"),
        (None, f) if f.is_document() => input.with_extension(f.extension()),
        (None, f) => {
            let stem = input.file_stem().unwrap_or_default().to_string_lossy();
            input.with_file_name(format!("{stem}-{{p}}.{}", f.extension()))
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// How an issue read from standard input is named in messages.
const STDIN_NAME: &str = "<stdin>";

/// Whether a path is `-`: standard input or output.
pub fn is_stdio(p: &Path) -> bool {
    p.as_os_str() == "-"
}

/// The issue on standard input, bounded like an issue file.
fn read_stdin() -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let limit = bulletin_model::source::MAX_FILE_BYTES;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::input(format!("{STDIN_NAME}: cannot read the issue: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(Error::input(format!(
            "{STDIN_NAME}: the issue is over the limit of {} MiB",
            limit >> 20
        )));
    }
    Ok(bytes)
}

/// One issue: always rendered, with its own messages.
pub fn one(plan: &Plan, input: &Path) -> Result<(), Error> {
    if plan.numbered.is_some() {
        return numbered(plan, input, None);
    }
    let start = Instant::now();
    let output = output_of(plan, input);
    if is_stdio(input) && plan.output.is_none() && std::io::stdout().is_terminal() {
        return Err(Error::input(
            "the issue comes from standard input: name the output with -o FILE, or -o - \
             to write the PDF to standard output",
        ));
    }
    if same_file(input, &output) {
        return Err(Error::input(format!(
            "{}: is an input of this render (the issue file); writing there would destroy \
             it. Name another output with -o.",
            output.display()
        )));
    }
    let session = Session::new(&plan.session)?;
    // Every render ends: past a limit, say so and stop (nothing is written).
    let dog = Watchdog::start(plan.limits, |e| {
        term::error_text(&e.message());
        crate::exit(1);
    });
    let _watched = dog.watch(&input.display().to_string());
    let mut renderer = Renderer::new(&session);
    let prepared = if is_stdio(input) {
        // The issue from standard input: its folder is the current one (for
        // series files and /issue-files/), and messages call it <stdin>.
        let bytes = read_stdin()?;
        let name = Path::new(STDIN_NAME);
        let series = bulletin_model::source::read_series(name, plan.render.encoding)?;
        prepare_bytes(&session, name, &bytes, &series, &plan.render)?
    } else {
        prepare(&session, input, &plan.render)?
    };
    let rendered = renderer.render(&prepared, &plan.render)?;
    for w in &rendered.warnings {
        term::warning(w);
    }
    let mut inputs = prepared.inputs();
    inputs.extend(renderer.dependencies());
    let written = write(plan, &rendered, &output, &inputs)?;
    if !plan.quiet {
        term::line(&format!(
            "wrote {written} in {:.0} ms",
            start.elapsed().as_secs_f64() * 1000.0
        ));
    }
    // The process ends here: leave the laid-out document and the fonts to
    // the operating system instead of freeing them piece by piece.
    std::mem::forget(rendered);
    std::mem::forget(renderer);
    std::mem::forget(session);
    Ok(())
}

/// Writes a rendered issue as the plan says (a PDF, or page images); returns
/// what was written, for the log.
pub fn write(
    plan: &Plan,
    rendered: &Rendered,
    output: &Path,
    inputs: &[PathBuf],
) -> Result<String, Error> {
    let pages = rendered.document.pages().len();
    let document = |rendered: &Rendered| match plan.format {
        Format::Ofd => export_ofd(rendered, plan.render.ofd_archive),
        _ => export_pdf(rendered),
    };
    let kind = if plan.render.ofd_archive {
        "OFD-A".to_string()
    } else {
        plan.format.extension().to_uppercase()
    };
    if plan.format.is_document() && is_stdio(output) {
        let bytes = document(rendered)?;
        let mut out = std::io::stdout().lock();
        out.write_all(&bytes)
            .and_then(|_| out.flush())
            .map_err(|e| {
                Error::output(format!("cannot write the {kind} to standard output: {e}"))
            })?;
        return Ok(format!(
            "the {kind} ({}) to standard output",
            pages_text(pages)
        ));
    }
    if is_stdio(output) {
        return Err(Error::input(
            "-o - writes a PDF to standard output; page images need file names \
             (e.g. -o 'p-{p}.png')",
        ));
    }
    if plan.format.is_document() {
        refuse_inputs(output, inputs)?;
        let bytes = document(rendered)?;
        write_atomic(output, &bytes)?;
        return Ok(format!("{} ({})", output.display(), pages_text(pages)));
    }
    let ext = plan.format.extension();
    let images = preview::images(
        &rendered.document,
        plan.format,
        plan.pages.as_ref(),
        plan.ppi,
    )?;
    if images.len() > 1 && !output.to_string_lossy().contains("{p}") {
        return Err(Error::input(format!(
            "{}: {} pages need {{p}} in the name (the page number), e.g. -o 'out/p-{{p}}.{ext}'",
            output.display(),
            images.len()
        )));
    }
    for (p, _) in &images {
        refuse_inputs(&preview::page_path(output, *p), inputs)?;
    }
    for (p, bytes) in &images {
        write_atomic(&preview::page_path(output, *p), bytes)?;
    }
    Ok(format!(
        "{} {ext} page(s) as {}",
        images.len(),
        output.display()
    ))
}

/// `--numbered` from the command line: one issue, to one PDF, to files
/// named with `{n}`, or under `--out-dir`.
pub fn numbered_cli(cli: &super::args::Cli, plan: &Plan) -> Result<(), Error> {
    if cli.inputs.len() != 1 || cli.inputs[0].is_dir() {
        return Err(Error::usage(
            "--numbered prints copies of one issue: give one issue file, e.g. \
             bulletin-pdf issue.toml --numbered 1-120",
        ));
    }
    if cli.shard.is_some() || cli.report.is_some() {
        return Err(Error::usage(
            "--numbered prints copies of one issue; leave out --shard and --report",
        ));
    }
    numbered(plan, &cli.inputs[0], cli.out_dir.as_deref())
}

/// `{n}` in an output name: the six-digit copy number.
pub fn copy_path(pattern: &Path, n: u32) -> PathBuf {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let bytes = pattern.as_os_str().as_bytes();
    let number = format!("{n:06}");
    let mut out = Vec::with_capacity(bytes.len() + 4);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"{n}") {
            out.extend_from_slice(number.as_bytes());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    PathBuf::from(OsStr::from_bytes(&out))
}

fn has_copy_placeholder(p: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().windows(3).any(|w| w == b"{n}")
}

/// Where the copies of a numbered run go.
enum CopiesTo {
    /// One PDF of all the copies (or `-` for standard output).
    One(PathBuf),
    /// A PDF a copy, in the order of the copies.
    Each(Vec<PathBuf>),
}

/// A numbered print run (`--numbered`): the issue is prepared and laid out
/// once; for each copy only the copy number (份号) in the layout's data
/// changes, and Typst's memoization lays out again only what depends on it.
/// The copies go into one PDF (their pages joined, exported once), or one
/// PDF each (`{n}` in `-o`, or `--out-dir`), staged beside their targets and
/// all put in place at the end: a failure leaves none of them.
pub fn numbered(plan: &Plan, input: &Path, out_dir: Option<&Path>) -> Result<(), Error> {
    let start = Instant::now();
    let Some(copies) = plan.numbered.as_ref() else {
        return one(plan, input);
    };
    if !plan.format.is_document() {
        return Err(Error::usage(
            "--numbered writes PDFs or OFDs (one, or one a copy with -o 'copy-{n}.pdf'); \
             leave out --format and page image names (.png, .svg)",
        ));
    }
    let to = match (out_dir, &plan.output) {
        (Some(_), Some(_)) => {
            return Err(Error::usage(
                "--numbered: give either --out-dir DIR (DIR/ISSUE-{n}.pdf) or -o NAME, \
                 e.g. -o 'copies/copy-{n}.pdf'",
            ))
        }
        (Some(dir), None) => {
            let stem = if is_stdio(input) {
                "copy".to_string()
            } else {
                input
                    .file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            };
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::output(format!("{}: cannot create the folder: {e}", dir.display()))
            })?;
            CopiesTo::Each(
                copies
                    .iter()
                    .map(|n| dir.join(format!("{stem}-{n:06}.{}", plan.format.extension())))
                    .collect(),
            )
        }
        (None, Some(o)) if has_copy_placeholder(o) => {
            CopiesTo::Each(copies.iter().map(|n| copy_path(o, n)).collect())
        }
        (None, _) => CopiesTo::One(output_of(plan, input)),
    };
    if is_stdio(input)
        && plan.output.is_none()
        && out_dir.is_none()
        && std::io::stdout().is_terminal()
    {
        return Err(Error::input(
            "the issue comes from standard input: name the output with -o FILE, or -o - \
             to write the PDF to standard output",
        ));
    }
    // Refuse what cannot be written before laying anything out: names that
    // collide, folders that are missing, the issue file itself.
    let targets: Vec<&PathBuf> = match &to {
        CopiesTo::One(p) => vec![p],
        CopiesTo::Each(list) => list.iter().collect(),
    };
    if let CopiesTo::Each(list) = &to {
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = list.iter().find(|p| !seen.insert(p.as_path())) {
            return Err(Error::input(format!(
                "{}: two copies would be written there; put {{n}} (the copy number) in \
                 the file name, e.g. -o 'copy-{{n}}.pdf'",
                twice.display()
            )));
        }
        let mut checked: Option<PathBuf> = None;
        for p in list {
            let folder = folder_of(p);
            if checked.as_ref() == Some(&folder) {
                continue;
            }
            if !folder.is_dir() {
                return Err(Error::output(format!(
                    "{}: the folder {} does not exist",
                    p.display(),
                    folder.display()
                )));
            }
            checked = Some(folder);
        }
    }
    for t in &targets {
        if !is_stdio(t) && t.is_dir() {
            return Err(Error::output(format!(
                "{}: is a folder; name a file (with {{n}} for one PDF a copy, e.g. \
                 -o 'copies/copy-{{n}}.pdf'), or use --out-dir",
                t.display()
            )));
        }
        if !is_stdio(t) && same_file(input, t) {
            return Err(Error::input(format!(
                "{}: is an input of this render (the issue file); writing there would \
                 destroy it. Name another output with -o.",
                t.display()
            )));
        }
    }

    let session = Session::new(&plan.session)?;
    let dog = Watchdog::start(plan.limits, |e| {
        term::error_text(&e.message());
        crate::exit(1);
    });
    let name = input.display().to_string();
    let mut renderer = Renderer::new(&session);
    // One watch for the whole run, to its last file: --timeout is the run's.
    let _watched = dog.watch_task(
        &format!("{name} ({} copies)", copies.iter().count()),
        bulletin_model::limits::Task::NumberedRun,
    );
    let prepared = {
        if is_stdio(input) {
            let bytes = read_stdin()?;
            let name = Path::new(STDIN_NAME);
            let series = bulletin_model::source::read_series(name, plan.render.encoding)?;
            prepare_bytes(&session, name, &bytes, &series, &plan.render)?
        } else {
            prepare(&session, input, &plan.render)?
        }
    };
    let list: Vec<u32> = copies.iter().collect();
    let files: Vec<&Path> = targets
        .iter()
        .map(|p| p.as_path())
        .filter(|p| !is_stdio(p))
        .collect();
    let mode = match &to {
        CopiesTo::One(_) => numbered::CopiesTo::One,
        CopiesTo::Each(list) => numbered::CopiesTo::Each(list.clone()),
    };
    let run = numbered::numbered(&mut renderer, prepared, &list, &mode, &files, &plan.render)?;
    for w in &run.warnings {
        term::warning(w);
    }
    let (total, per_copy) = (list.len(), run.pages_per_copy);
    let written = match &to {
        CopiesTo::One(output) => {
            let what = write(plan, &run.document, output, &run.inputs)?;
            format!("{what}: {total} copies of {per_copy} pages")
        }
        CopiesTo::Each(list) => {
            let kind = plan.format.extension().to_uppercase();
            let (first, last) = (list.first(), list.last());
            let name = |p: Option<&PathBuf>| p.map(|p| p.display().to_string());
            format!(
                "{total} {kind}s of {per_copy} pages, {} … {}",
                name(first).unwrap_or_default(),
                name(last).unwrap_or_default()
            )
        }
    };
    if !plan.quiet {
        term::line(&format!(
            "wrote {written} in {:.0} ms",
            start.elapsed().as_secs_f64() * 1000.0
        ));
    }
    std::mem::forget(run);
    std::mem::forget(renderer);
    std::mem::forget(session);
    Ok(())
}

/// `1 page`, `11 pages`.
fn pages_text(n: usize) -> String {
    format!("{n} page{}", if n == 1 { "" } else { "s" })
}
