//! Rendering one issue: a PDF, or page images.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bulletin_model::limits::Watchdog;
use bulletin_render::output::refuse_inputs;
use bulletin_render::preview::{self, Format};
use std::io::{IsTerminal, Write};

use bulletin_render::pipeline::{folder_of, prepare_bytes};
use bulletin_render::{export_pdf, prepare, write_atomic, Error, Rendered, Renderer, Session};

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

/// A usage mistake: said as clap says its own, exit code 2.
fn usage(msg: &str) -> ! {
    use clap::CommandFactory;
    super::args::Cli::command()
        .error(clap::error::ErrorKind::ArgumentConflict, msg)
        .exit()
}

/// `--numbered` from the command line: one issue, to one PDF, to files
/// named with `{n}`, or under `--out-dir`.
pub fn numbered_cli(cli: &super::args::Cli, plan: &Plan) -> Result<(), Error> {
    if cli.inputs.len() != 1 || cli.inputs[0].is_dir() {
        usage(
            "--numbered prints copies of one issue: give one issue file, e.g. \
             bulletin-pdf issue.toml --numbered 1-120",
        );
    }
    if cli.shard.is_some() || cli.report.is_some() {
        usage("--numbered prints copies of one issue; leave out --shard and --report");
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
    if plan.format != Format::Pdf {
        usage(
            "--numbered writes PDFs (one, or one a copy with -o 'copy-{n}.pdf'); \
             leave out --format and page image names (.png, .svg)",
        );
    }
    let to = match (out_dir, &plan.output) {
        (Some(_), Some(_)) => usage(
            "--numbered: give either --out-dir DIR (DIR/ISSUE-{n}.pdf) or -o NAME, \
             e.g. -o 'copies/copy-{n}.pdf'",
        ),
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
                    .map(|n| dir.join(format!("{stem}-{n:06}.pdf")))
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
        term::error(&e.message());
        std::process::exit(1);
    });
    let name = input.display().to_string();
    let mut renderer = Renderer::new(&session);
    let mut prepared = {
        let _watched = dog.watch(&name);
        if is_stdio(input) {
            let bytes = read_stdin()?;
            let name = Path::new(STDIN_NAME);
            let series = bulletin_model::source::read_series(name, plan.render.encoding)?;
            prepare_bytes(&session, name, &bytes, &series, &plan.render)?
        } else {
            prepare(&session, input, &plan.render)?
        }
    };
    // Every copy has its number: a 密级 no longer lacks one.
    prepared
        .data
        .warnings
        .retain(|w| !w.contains("is set without a copy number"));
    let total = copies.count();
    let mut inputs = prepared.inputs();
    // The first copy, kept for its metadata (its pages are shared).
    let mut head: Option<Rendered> = None;
    // Where the first copy prints its number (see `document::find_number`).
    let mut spot: Option<bulletin_render::document::NumberSpot> = None;
    // Lays out each copy and hands it to `sink`, in order.
    let mut each_copy = |sink: &mut Sink| -> Result<(), Error> {
        for (i, n) in copies.iter().enumerate() {
            // The time limit is a copy's (the memory limit the run's).
            let _watched = dog.watch(&format!("{name} (copy {n:06})"));
            prepared.data.issue.copy = Some(format!("{n:06}"));
            // After the first copy, the number is put in place of the first
            // copy's on its page: nothing is laid out again. A layout that
            // prints the number twice, or in a font whose digits differ in
            // width, has each copy laid out.
            let renumbered = match (&head, &spot) {
                (Some(h), Some(at)) => {
                    bulletin_render::document::renumber(&h.document, at, &format!("{n:06}")).map(
                        |page| {
                            let mut pages: Vec<typst_layout::Page> = h.document.pages().to_vec();
                            pages[at.page()] = page;
                            Rendered {
                                document: bulletin_render::pdf::join_copies(&h.document, pages),
                                data: h.data.clone(),
                                warnings: Vec::new(),
                                layout: h.layout.clone(),
                            }
                        },
                    )
                }
                _ => None,
            };
            let rendered = match renumbered {
                Some(r) => r,
                None => renderer.render(&prepared, &plan.render)?,
            };
            match &head {
                None => {
                    for w in &rendered.warnings {
                        term::warning(w);
                    }
                    // The files the layout read are known now: refuse
                    // to write over any of them before writing anything.
                    inputs.extend(renderer.dependencies());
                    for t in &targets {
                        if !is_stdio(t) {
                            refuse_inputs(t, &inputs)?;
                        }
                    }
                    spot =
                        bulletin_render::document::find_number(&rendered.document, &format!("{n:06}"));
                    head = Some(Rendered {
                        document: rendered.document.clone(),
                        data: rendered.data.clone(),
                        warnings: Vec::new(),
                        layout: rendered.layout.clone(),
                    });
                }
                Some(f) => {
                    let want = f.document.pages().len();
                    let got = rendered.document.pages().len();
                    if got != want {
                        return Err(Error::layout(format!(
                            "{name}: copy {n:06} has {got} pages, the first copy {want}: \
                                 the layout sets the copy number so that it changes the pages"
                        )));
                    }
                }
            }
            sink(i, rendered)?;
            // What only an earlier copy used (its first page) goes; what
            // every copy shares stays.
            comemo::evict(2);
        }
        Ok(())
    };
    let written = match &to {
        CopiesTo::One(output) => {
            let mut pages = Vec::new();
            // A page equal to the first copy's (every page but the one with
            // the 份号) is that page again, shared, not a copy of it.
            let mut first: Vec<(u128, typst_layout::Page)> = Vec::new();
            each_copy(&mut |i, r| {
                for (j, page) in r.document.pages().iter().enumerate() {
                    let hash = typst::utils::hash128(page);
                    if i == 0 {
                        first.push((hash, page.clone()));
                    }
                    match first.get(j) {
                        Some((h, shared)) if *h == hash => pages.push(shared.clone()),
                        _ => pages.push(page.clone()),
                    }
                }
                Ok(())
            })?;
            let Some(head) = head else {
                return Err(Error::input("--numbered: no copies"));
            };
            let per_copy = head.document.pages().len();
            let _watched = dog.watch(&format!("{name} ({total} copies in one PDF)"));
            let joined = Rendered {
                document: bulletin_render::pdf::join_copies(&head.document, pages),
                ..head
            };
            let what = write(plan, &joined, output, &inputs)?;
            std::mem::forget(joined);
            format!("{what}: {total} copies of {per_copy} pages")
        }
        CopiesTo::Each(list) => {
            let staged = export_each(list, &mut each_copy)?;
            for s in staged {
                s.commit()?;
            }
            let per_copy = head.as_ref().map_or(0, |h| h.document.pages().len());
            let last = list.last().map(|p| p.display().to_string());
            format!(
                "{total} PDFs of {per_copy} pages, {} … {}",
                list[0].display(),
                last.unwrap_or_default()
            )
        }
    };
    if !plan.quiet {
        eprintln!(
            "wrote {written} in {:.0} ms",
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
    std::mem::forget(renderer);
    std::mem::forget(session);
    Ok(())
}

/// Where each laid-out copy goes, with its index in the run.
type Sink<'a> = dyn FnMut(usize, Rendered) -> Result<(), Error> + 'a;

/// Exports the copies to their files, staged: the copies are laid out on
/// this thread, one after another, and exported on as many threads as there
/// are cores (the export is most of a copy's time). Returns the staged
/// files in the order of the copies; on a failure, none stays.
fn export_each(
    list: &[PathBuf],
    each_copy: &mut dyn FnMut(&mut Sink) -> Result<(), Error>,
) -> Result<Vec<bulletin_render::output::Staged>, Error> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{mpsc, Mutex};
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let (tx, rx) = mpsc::sync_channel::<(usize, Rendered)>(threads);
    let rx = Mutex::new(rx);
    let staged: Mutex<Vec<(usize, bulletin_render::output::Staged)>> = Mutex::new(Vec::new());
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let failed = AtomicBool::new(false);
    let laid_out = std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let job = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                let Ok((i, rendered)) = job else { break };
                if failed.load(Ordering::Relaxed) {
                    continue;
                }
                let done = export_pdf(&rendered)
                    .and_then(|pdf| bulletin_render::output::stage(&list[i], &pdf));
                match done {
                    Ok(s) => staged
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((i, s)),
                    Err(e) => {
                        failed.store(true, Ordering::Relaxed);
                        failure
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .get_or_insert(e);
                    }
                }
            });
        }
        let result = each_copy(&mut |i, rendered| {
            if failed.load(Ordering::Relaxed) {
                return Err(Error::output("an export failed"));
            }
            tx.send((i, rendered))
                .map_err(|_| Error::output("the export threads ended"))
        });
        drop(tx);
        result
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    laid_out?;
    let mut staged = staged.into_inner().unwrap_or_else(|e| e.into_inner());
    staged.sort_by_key(|(i, _)| *i);
    Ok(staged.into_iter().map(|(_, s)| s).collect())
}
