//! `watch`: render again whenever a dependency changes (the files the last
//! render read, watched through their folders: see `watcher`), optionally with a
//! live preview in the browser (bulletin-serve: 127.0.0.1 only, a token in
//! the URL, Host and Origin checked).

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use bulletin_model::limits::Watchdog;
use bulletin_model::source;
use bulletin_render::preview::{self, Format, PreviewPage};
use bulletin_render::{prepare, Error, FontFile, Renderer, Session, SessionOptions};
use bulletin_serve::preview::Preview;
use bulletin_serve::{Limits, Server};

use super::args::{Plan, RenderArgs};
use super::watcher::Watcher;
use super::{render, term};

/// What `watch --serve` asks for.
pub struct Serve {
    pub port: Option<u16>,
    pub open: bool,
}

/// The font files of the `--font-path` folders, with their times: a change
/// means the fonts are loaded again.
fn font_files(opts: &SessionOptions) -> Vec<(PathBuf, Option<SystemTime>)> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = opts.font_paths.clone();
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => dirs.push(p),
                Ok(_) => {
                    let t = e.metadata().and_then(|m| m.modified()).ok();
                    out.push((p, t));
                }
                Err(_) => {}
            }
        }
    }
    out.sort();
    out
}

/// The `--font-path` folders and their subfolders (watched, so that a font
/// added there is seen).
fn font_dirs(opts: &SessionOptions) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = opts.font_paths.clone();
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                dirs.push(e.path());
            }
        }
        out.push(d);
    }
    out
}

/// One render of the watched issue: what it depends on, and the preview's
/// pages if it worked.
struct Outcome {
    deps: Vec<PathBuf>,
    result: Result<(String, Vec<PreviewPage>), Error>,
}

fn render_once(
    renderer: &mut Renderer,
    plan: &Plan,
    input: &Path,
    output: &Path,
    serve: bool,
) -> Outcome {
    let session = renderer.session();
    let mut deps = vec![input.to_path_buf()];
    deps.extend(source::series_paths(input));
    let prepared = match prepare(session, input, &plan.render) {
        Ok(p) => p,
        Err(e) => {
            return Outcome {
                deps,
                result: Err(e),
            }
        }
    };
    deps.extend(prepared.inputs());
    let rendered = renderer.render(&prepared, &plan.render);
    deps.extend(renderer.dependencies());
    let result = rendered.and_then(|r| {
        for w in &r.warnings {
            term::warning(w);
        }
        for font in bulletin_render::document::fonts_used(&r.document) {
            if let Some(FontFile::File(p)) = session.fonts.file_of(&font) {
                deps.push(p);
            }
        }
        let written = render::write(plan, &r, output, &deps)?;
        let pages = if serve {
            preview::preview_pages(&r.document)
        } else {
            Vec::new()
        };
        Ok((written, pages))
    });
    deps.extend(font_dirs(&plan.session));
    deps.sort();
    deps.dedup();
    Outcome { deps, result }
}

/// Opens a URL in the default browser.
pub(crate) fn open_browser(url: &str) {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(program)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        term::warning_text(&format!(
            "cannot open a browser ({program}: {e}); open {url}"
        ));
    }
}

/// Renders on every change, until interrupted.
pub fn run(input: &Path, args: &RenderArgs, serve: Option<Serve>) -> Result<(), Error> {
    let plan = args.plan()?;
    let output = render::output_of(&plan, input);
    let title = input
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let mut session = Session::new(&plan.session)?;
    let mut fonts_seen = font_files(&plan.session);
    // The preview's page, and the server (stopped when `run` returns).
    let server = match &serve {
        Some(s) => {
            let preview = Preview::new(&title);
            let server = Server::start(s.port, Limits::default(), preview.router())
                .map_err(|e| Error::output(format!("cannot serve the preview: {e}")))?;
            let url = server.url();
            term::line(&format!("serving the preview at {url}"));
            if s.open {
                open_browser(&url);
            }
            Some((preview, server))
        }
        None => None,
    };
    // Writes of our own output are not changes.
    let ignore = (plan.format == Format::Pdf).then(|| output.clone());
    let mut watcher = Watcher::new(ignore).map_err(Error::output)?;
    if !plan.quiet {
        term::line(&format!("watching {} (Ctrl-C to stop)", input.display()));
    }
    let mut world = None;
    let mut last_good: Vec<PreviewPage> = Vec::new();
    // A render past its limits cannot be interrupted: watch stops, saying why.
    let dog = Watchdog::start(plan.limits, |e| {
        term::error_text(&format!("{} watch stopped.", e.message()));
        crate::exit(1);
    });
    loop {
        let start = Instant::now();
        let mut renderer = Renderer::with_world(&session, world.take());
        watcher.mark();
        let watched = dog.watch(&input.display().to_string());
        let outcome = render_once(&mut renderer, &plan, input, &output, server.is_some());
        drop(watched);
        world = renderer.into_world();
        // Watched before anything is said: a change made as soon as the log
        // line appears is seen.
        watcher.update(outcome.deps).map_err(Error::output)?;
        // The browsers first, then the log line (a script that waits for
        // the line finds the page already updated).
        let (message, log) = match outcome.result {
            Ok((written, pages)) => {
                last_good = pages;
                let ms = start.elapsed().as_secs_f64() * 1000.0;
                (None, format!("rendered {written} in {ms:.0} ms"))
            }
            Err(e) => (
                Some(e),
                format!("(kept the last good {})", output.display()),
            ),
        };
        if let Some((page, _)) = &server {
            page.set_html(&preview::preview_html(
                &title,
                &last_good,
                message.as_ref().map(ToString::to_string).as_deref(),
            ));
        }
        if let Some(e) = &message {
            term::error(e);
        }
        if message.is_some() || !plan.quiet {
            term::line(&log);
        }
        comemo::evict(30);
        watcher.wait().map_err(Error::output)?;
        // A font changed: load the fonts again. Otherwise read the layouts'
        // manifests again (a designer may have edited one), keeping the fonts.
        loop {
            let fonts_now = font_files(&plan.session);
            let next = if fonts_now != fonts_seen {
                fonts_seen = fonts_now;
                Session::new(&plan.session)
            } else {
                session.reload_layouts()
            };
            match next {
                Ok(s) => {
                    session = s;
                    break;
                }
                Err(e) => {
                    term::error(&e);
                    if let Some((page, _)) = &server {
                        page.set_html(&preview::preview_html(
                            &title,
                            &last_good,
                            Some(&e.to_string()),
                        ));
                    }
                    watcher.wait().map_err(Error::output)?;
                }
            }
        }
    }
}
