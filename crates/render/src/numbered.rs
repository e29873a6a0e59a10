//! Numbered print runs: the copies of one issue, each with its copy number
//! (份号).
//!
//! The issue is prepared and laid out once. After the first copy, the
//! number is put in place of the first copy's on its page
//! ([`crate::document::renumber`]), so nothing is laid out again; a layout
//! that prints the number twice, or in a font whose digits differ in width,
//! has each copy laid out (Typst's memoization then lays out again only what
//! depends on the number). The copies go into one document (their pages
//! joined, a page every copy shares kept once), or one PDF each, staged
//! beside their targets and put in place together at the end: a failure
//! leaves none of them.

use std::path::{Path, PathBuf};

use bulletin_model::diag::Diagnostic;

use crate::error::{Error, Result};
use crate::output::{refuse_inputs, Staged, Stager};
use crate::pipeline::{Prepared, RenderOptions, Rendered, Renderer};

/// Where the copies of a numbered run go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopiesTo {
    /// One document of all the copies, which the caller writes (a file, or
    /// standard output).
    One,
    /// A PDF a copy, in the order of the copies.
    Each(Vec<PathBuf>),
}

/// What a numbered run made.
pub struct Numbered {
    /// With [`CopiesTo::One`], the document of all the copies (to be
    /// exported once); with [`CopiesTo::Each`], the first copy.
    pub document: Rendered,
    /// The pages of one copy.
    pub pages_per_copy: usize,
    /// The first copy's warnings (the others' are the same).
    pub warnings: Vec<Diagnostic>,
    /// The files read to lay the issue out (the issue, its series files,
    /// the layout's files): no output may be one of them.
    pub inputs: Vec<PathBuf>,
}

/// The warning that a 密级 lacks a copy number, which a numbered run
/// answers.
const WITHOUT_COPY: &str = "is set without a copy number";

/// A note when the copies numbered do not match the print run the footer
/// states (共印 N 份, `footer.copies`): fewer or more copies, or copy numbers
/// past it.
fn print_run_note(issue: &bulletin_model::Issue, copies: &[u32]) -> Option<String> {
    let total = issue.footer.as_ref()?.copies?;
    let n = copies.len();
    let highest = copies.iter().copied().max()?;
    let lowest = copies.iter().copied().min()?;
    let range = format!("{lowest:06}–{highest:06}");
    if n as u64 == u64::from(total) && highest <= total {
        return None;
    }
    let what = if (n as u64) < u64::from(total) {
        format!(
            "the other {} copies of the print run are not numbered here",
            u64::from(total) - n as u64
        )
    } else if n as u64 > u64::from(total) {
        format!(
            "that is {} more than the print run",
            n as u64 - u64::from(total)
        )
    } else {
        format!("copy numbers go past {total}")
    };
    Some(format!(
        "note: this run numbers {n} cop{} ({range}), but the footer says 共印 {total} 份 \
         (footer.copies = {total}): {what}; number the whole run (--numbered 1-{total}) or \
         write the number printed in footer.copies",
        if n == 1 { "y" } else { "ies" }
    ))
}

/// Lays out the copies `copies` of a prepared issue and sends them where
/// `to` says: each staged PDF is put in place once all are written. The
/// targets `outputs` (the one PDF's, or every copy's) are refused when the
/// layout read them. The caller watches the whole run, to its last file
/// (`limits::Task::NumberedRun`): the time limit is the run's, not a copy's.
pub fn numbered(
    renderer: &mut Renderer,
    mut prepared: Prepared,
    copies: &[u32],
    to: &CopiesTo,
    outputs: &[&Path],
    opts: &RenderOptions,
) -> Result<Numbered> {
    let name = prepared.path.display().to_string();
    if copies.is_empty() {
        return Err(Error::input(format!("{name}: --numbered: no copies")));
    }
    if let CopiesTo::Each(list) = to {
        if list.len() != copies.len() {
            return Err(Error::input(format!(
                "{name}: {} copies for {} files",
                copies.len(),
                list.len()
            )));
        }
    }
    // Every copy has its number: a 密级 no longer lacks one.
    prepared.data.warnings.retain(|w| !w.contains(WITHOUT_COPY));
    if let Some(note) = print_run_note(&prepared.issue, copies) {
        prepared.data.warnings.push(note);
    }
    let mut inputs = prepared.inputs();
    let mut state = Copies {
        head: None,
        spot: None,
        warnings: Vec::new(),
    };
    let mut each_copy = |sink: &mut Sink| -> Result<()> {
        for (i, &n) in copies.iter().enumerate() {
            let rendered = state.copy(renderer, &mut prepared, n, opts)?;
            if i == 0 {
                // The files the layout read are known now: refuse to write
                // over any of them before writing anything.
                inputs.extend(renderer.dependencies());
                for t in outputs {
                    refuse_inputs(t, &inputs)?;
                }
            }
            sink(i, rendered)?;
            // What only an earlier copy used (its first page) goes; what
            // every copy shares stays.
            comemo::evict(2);
        }
        Ok(())
    };
    let (document, pages_per_copy) = match to {
        CopiesTo::One => {
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
            let head = state.head.take().ok_or_else(|| Error::input("no copies"))?;
            let per_copy = head.document.pages().len();
            let joined = Rendered {
                document: crate::pdf::join_copies(&head.document, pages),
                ..head
            };
            (joined, per_copy)
        }
        CopiesTo::Each(list) => {
            let staged = export_each(list, opts.ofd_archive, &mut each_copy)?;
            for s in staged {
                s.commit()?;
            }
            let head = state.head.take().ok_or_else(|| Error::input("no copies"))?;
            let per_copy = head.document.pages().len();
            (head, per_copy)
        }
    };
    Ok(Numbered {
        document,
        pages_per_copy,
        warnings: state.warnings,
        inputs,
    })
}

/// The run so far: the first copy (its pages are shared), where it prints
/// its number, and its warnings.
struct Copies {
    head: Option<Rendered>,
    spot: Option<crate::document::NumberSpot>,
    warnings: Vec<Diagnostic>,
}

impl Copies {
    /// Copy `n`: the first copy's pages with the number put in place, or
    /// laid out when that cannot be done.
    fn copy(
        &mut self,
        renderer: &mut Renderer,
        prepared: &mut Prepared,
        n: u32,
        opts: &RenderOptions,
    ) -> Result<Rendered> {
        let number = format!("{n:06}");
        prepared.data.issue.copy = Some(number.clone());
        let renumbered = match (&self.head, &self.spot) {
            (Some(h), Some(at)) => {
                crate::document::renumber(&h.document, at, &number).map(|page| {
                    let mut pages: Vec<typst_layout::Page> = h.document.pages().to_vec();
                    pages[at.page()] = page;
                    Rendered {
                        document: crate::pdf::join_copies(&h.document, pages),
                        data: h.data.clone(),
                        warnings: Vec::new(),
                        layout: h.layout.clone(),
                    }
                })
            }
            _ => None,
        };
        let rendered = match renumbered {
            Some(r) => r,
            None => renderer.render(prepared, opts)?,
        };
        match &self.head {
            None => {
                self.warnings = rendered.warnings.clone();
                self.spot = crate::document::find_number(&rendered.document, &number);
                self.head = Some(Rendered {
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
                        "{}: copy {number} has {got} pages, the first copy {want}: the layout \
                         sets the copy number so that it changes the pages",
                        prepared.path.display()
                    )));
                }
            }
        }
        Ok(rendered)
    }
}

/// Where each laid-out copy goes, with its index in the run.
type Sink<'a> = dyn FnMut(usize, Rendered) -> Result<()> + 'a;

/// Exports the copies to their files, staged: the copies are laid out on
/// this thread, one after another, and exported on as many threads as there
/// are cores (the export is most of a copy's time). Returns the staged
/// files in the order of the copies; on a failure, none stays.
fn export_each(
    list: &[PathBuf],
    ofd_archive: bool,
    each_copy: &mut dyn FnMut(&mut Sink) -> Result<()>,
) -> Result<Vec<Staged>> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{mpsc, Mutex};
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let (tx, rx) = mpsc::sync_channel::<(usize, Rendered)>(threads);
    let rx = Mutex::new(rx);
    let staged: Mutex<Vec<(usize, Staged)>> = Mutex::new(Vec::new());
    let stager = Stager::new();
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
                let done = crate::ofd::export_for(&list[i], &rendered, ofd_archive)
                    .and_then(|bytes| stager.stage(&list[i], &bytes));
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
