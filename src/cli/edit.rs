//! `bulletin-pdf edit [DIR]`: a local web app over a folder of issues, on
//! the same server as the live preview (bulletin-serve: 127.0.0.1 only, a
//! token in the URL, Host and Origin checked).
//!
//! This first part is the folder: its issues (number, date, the first
//! article's title, check status) and a "new issue" action that works as
//! `init` does; an issue's file can be read as text. Every file is read
//! through the sandbox of layouts (`bulletin_model::sandbox::read_within`):
//! a name with `..`, a root, or a link out of DIR is refused. The page is
//! plain HTML and one ES module (crates/serve/assets/editor/), with no build
//! step; user text is set as text (`textContent`), never as HTML.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bulletin_model::sandbox::{self, Refusal};
use bulletin_model::source::{self, Encoding, SERIES_FILE};
use bulletin_model::{init, Error};
use bulletin_render::{RenderOptions, Session};
use bulletin_serve::axum::extract::{Query, State};
use bulletin_serve::axum::http::{header, HeaderValue, StatusCode};
use bulletin_serve::axum::response::{IntoResponse, Response};
use bulletin_serve::axum::routing::{get, post};
use bulletin_serve::axum::{Json, Router};
use bulletin_serve::{assets, blocking, Limits, Server};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::Setup;
use super::term;

/// What the handlers share.
struct Editor {
    dir: PathBuf,
    session: Session,
}

/// One issue of the folder, as the list shows it.
#[derive(Serialize)]
struct Listed {
    file: String,
    number: Value,
    date: String,
    title: String,
    /// "ok", "warnings" or "failed".
    status: &'static str,
    errors: Vec<String>,
    warnings: Vec<String>,
}

/// The issue files of a folder: regular `*.toml` files, not the series file
/// or a layout's manifest, by name.
fn issue_files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".toml") && n != SERIES_FILE && n != "layout.toml")
        .collect();
    out.sort();
    out
}

fn refusal_message(r: Refusal, name: &str) -> String {
    match r {
        Refusal::Outside => format!("{name}: refused, outside the folder"),
        Refusal::Missing => format!("{name}: no such file in the folder"),
        Refusal::Io(m) => m,
    }
}

/// Reads `name` inside the folder, through the sandbox.
fn read_in(dir: &Path, name: &str) -> Result<Vec<u8>, (StatusCode, String)> {
    sandbox::read_within(dir, name).map_err(|r| {
        let status = match r {
            Refusal::Outside => StatusCode::FORBIDDEN,
            Refusal::Missing => StatusCode::NOT_FOUND,
            Refusal::Io(_) => StatusCode::UNPROCESSABLE_ENTITY,
        };
        (status, refusal_message(r, name))
    })
}

fn list(ed: &Editor) -> Vec<Listed> {
    let render = RenderOptions::default();
    issue_files(&ed.dir)
        .into_iter()
        .map(|file| {
            let path = ed.dir.join(&file);
            let read = read_in(&ed.dir, &file)
                .map_err(|(_, m)| m)
                .and_then(|bytes| {
                    let series =
                        source::read_series(&path, Encoding::Utf8).map_err(|e| e.to_string())?;
                    source::parse_issue_with(&path, &bytes, &series, Encoding::Utf8)
                        .map_err(|e| e.to_string())
                });
            let mut listed = Listed {
                file: file.clone(),
                number: Value::Null,
                date: String::new(),
                title: String::new(),
                status: "ok",
                errors: Vec::new(),
                warnings: Vec::new(),
            };
            match read {
                Ok(issue) => {
                    listed.number =
                        serde_json::to_value(&issue.issue.number).unwrap_or(Value::Null);
                    listed.date = issue.issue.date.get_ref().to_string();
                    listed.title = issue
                        .articles()
                        .next()
                        .map(|a| a.title.replace('\n', ""))
                        .unwrap_or_default();
                    match bulletin_render::check::check_file(&ed.session, &path, &render) {
                        Ok(w) => {
                            listed.warnings = w.iter().map(ToString::to_string).collect();
                        }
                        Err(e) => listed.errors.push(e.to_string()),
                    }
                }
                Err(e) => listed.errors.push(e),
            }
            listed.status = if !listed.errors.is_empty() {
                "failed"
            } else if !listed.warnings.is_empty() {
                "warnings"
            } else {
                "ok"
            };
            listed
        })
        .collect()
}

fn json_error(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

async fn api_issues(State(ed): State<Arc<Editor>>) -> Response {
    let dir = ed.dir.display().to_string();
    match blocking(move || list(&ed)).await {
        Some(issues) => Json(serde_json::json!({ "dir": dir, "issues": issues })).into_response(),
        None => json_error(StatusCode::INTERNAL_SERVER_ERROR, "the check failed".into()),
    }
}

async fn api_new(State(ed): State<Arc<Editor>>) -> Response {
    let made = blocking(move || init::init(&ed.dir, false, init::today())).await;
    match made {
        Some(Ok(done)) => Json(serde_json::json!({
            "file": done.issue.file_name().map(|n| n.to_string_lossy().into_owned()),
            "number": done.number,
            "date": done.date.to_string(),
        }))
        .into_response(),
        Some(Err(e)) => json_error(StatusCode::CONFLICT, e.to_string()),
        None => json_error(StatusCode::INTERNAL_SERVER_ERROR, "init failed".into()),
    }
}

#[derive(Deserialize)]
struct FileQuery {
    name: String,
}

async fn api_file(State(ed): State<Arc<Editor>>, Query(q): Query<FileQuery>) -> Response {
    let name = q.name.clone();
    match blocking(move || read_in(&ed.dir, &q.name)).await {
        Some(Ok(bytes)) => Json(serde_json::json!({
            "name": name,
            "text": String::from_utf8_lossy(&bytes),
        }))
        .into_response(),
        Some(Err((status, m))) => json_error(status, m),
        None => json_error(StatusCode::INTERNAL_SERVER_ERROR, "read failed".into()),
    }
}

fn asset(body: &'static str, kind: &'static str, csp: bool) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if csp {
        // The page runs its own module only; no inline script at all.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
                 frame-ancestors 'none'",
            ),
        );
    }
    r
}

/// The embedded Fandol Hei, for the page's Chinese labels where the
/// machine has no Chinese font of its own.
async fn font() -> Response {
    let bytes = bulletin_fonts::EMBEDDED
        .iter()
        .find(|(name, _)| *name == "FandolHei-Regular.otf")
        .map_or(&[][..], |(_, b)| *b);
    let mut r = bytes.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("font/otf"));
    r
}

fn routes(ed: Arc<Editor>) -> Router<()> {
    Router::new()
        .route(
            "/",
            get(|| async { asset(assets::EDITOR_HTML, "text/html; charset=utf-8", true) }),
        )
        .route(
            "/editor.js",
            get(|| async { asset(assets::EDITOR_JS, "text/javascript; charset=utf-8", false) }),
        )
        .route(
            "/editor.css",
            get(|| async { asset(assets::EDITOR_CSS, "text/css; charset=utf-8", false) }),
        )
        .route("/fonts/FandolHei-Regular.otf", get(font))
        .route("/api/issues", get(api_issues))
        .route("/api/new", post(api_new))
        .route("/api/file", get(api_file))
        .with_state(ed)
}

/// Serves the editor over `dir` until interrupted.
pub fn run(dir: &Path, port: Option<u16>, open: bool, setup: &Setup) -> Result<(), Error> {
    if !dir.is_dir() {
        return Err(Error::input(format!("{} is not a folder", dir.display())));
    }
    let dir = dir
        .canonicalize()
        .map_err(|e| Error::input(format!("{}: {e}", dir.display())))?;
    let session = Session::new(&setup.session_options())?;
    let ed = Arc::new(Editor {
        dir: dir.clone(),
        session,
    });
    let server = Server::start(port, Limits::default(), routes(ed))
        .map_err(|e| Error::output(format!("cannot serve the editor: {e}")))?;
    let url = server.url();
    term::line(&format!("editing {} at {url}", dir.display()));
    term::line("(Ctrl-C to stop)");
    if open {
        super::watch::open_browser(&url);
    }
    loop {
        std::thread::park();
    }
}
