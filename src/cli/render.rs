//! Rendering one issue: a PDF, or page images.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bulletin_pdf::limits::Watchdog;
use bulletin_pdf::output::refuse_inputs;
use bulletin_pdf::preview::{self, Format};
use std::io::{IsTerminal, Write};

use bulletin_pdf::pipeline::prepare_bytes;
use bulletin_pdf::{export_pdf, prepare, write_atomic, Error, Rendered, Renderer, Session};

use super::args::Plan;
use super::term;

/// Where a single issue's output goes: `-o`, or beside the issue.
pub fn output_of(plan: &Plan, input: &Path) -> PathBuf {
    match (&plan.output, plan.format) {
        (Some(o), _) => o.clone(),
        // From standard input, to standard output.
        (None, Format::Pdf) if is_stdio(input) => PathBuf::from("-"),
        (None, Format::Pdf) => input.with_extension("pdf"),
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
    let limit = bulletin_pdf::data::MAX_FILE_BYTES;
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
        term::error(&e.message());
        std::process::exit(1);
    });
    let _watched = dog.watch(&input.display().to_string());
    let mut renderer = Renderer::new(&session);
    let prepared = if is_stdio(input) {
        // The issue from standard input: its folder is the current one (for
        // series files and /issue-files/), and messages call it <stdin>.
        let bytes = read_stdin()?;
        let name = Path::new(STDIN_NAME);
        let series = bulletin_pdf::data::read_series(name, plan.render.encoding)?;
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
        eprintln!(
            "wrote {written} in {:.0} ms",
            start.elapsed().as_secs_f64() * 1000.0
        );
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
    if plan.format == Format::Pdf && is_stdio(output) {
        let pdf = export_pdf(rendered)?;
        let mut out = std::io::stdout().lock();
        out.write_all(&pdf)
            .and_then(|_| out.flush())
            .map_err(|e| Error::output(format!("cannot write the PDF to standard output: {e}")))?;
        return Ok(format!("the PDF ({pages} pages) to standard output"));
    }
    if is_stdio(output) {
        return Err(Error::input(
            "-o - writes a PDF to standard output; page images need file names \
             (e.g. -o 'p-{p}.png')",
        ));
    }
    if plan.format == Format::Pdf {
        refuse_inputs(output, inputs)?;
        let pdf = export_pdf(rendered)?;
        write_atomic(output, &pdf)?;
        return Ok(format!("{} ({pages} pages)", output.display()));
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
