//! `bulletin-pdf edit [DIR]`: a local web app over a folder of issues, on
//! the same server as the live preview (bulletin-serve: 127.0.0.1 only, a
//! token in the URL, Host and Origin checked).
//!
//! The folder: its issues (number, date, the first article's title, check
//! status) and a "new issue" action that works as `init` does. One issue: a
//! form beside its live pages. The page edits the file's own table as JSON
//! and posts it; the server makes the file's new text from the text loaded
//! (`edit_doc::compose`, toml_edit at the changed paths only), checks it
//! (`check::check_bytes`: the model's Issue, the layout, the proofreader's
//! warnings), renders it in-process (one render at a time, the latest
//! wins) and serves its pages as SVG images; a save writes those same bytes
//! atomically, unless the file changed on disk since it was loaded (409,
//! with both versions).
//!
//! Every file is read through the sandbox of layouts
//! (`bulletin_model::sandbox`): a name with `..`, a root, or a link out of
//! DIR is refused; images are written through a handle of DIR. POST bodies
//! are bounded. The page is plain HTML and ES modules
//! (crates/serve/assets/editor/), with no build step; user text is set as
//! text (`textContent`), never as HTML.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bulletin_model::limits::{self, Watchdog};
use bulletin_model::sandbox::{self, Refusal};
use bulletin_model::source::{self, Encoding, SERIES_FILE};
use bulletin_model::{init, Error};
use bulletin_render::{BulletinWorld, RenderOptions, Renderer, Session};
use bulletin_serve::axum::body::Bytes;
use bulletin_serve::axum::extract::{DefaultBodyLimit, Query, State};
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
    /// The renderer's world, kept between renders (one at a time).
    world: Mutex<Option<BulletinWorld>>,
    /// The newest preview asked for: an older one still waiting is dropped.
    latest: AtomicU64,
    /// The last good pages: their version and SVGs.
    pages: Mutex<(u64, Vec<Arc<str>>)>,
    /// Bounds a render's time and memory (the default limits of a
    /// render): one past them cannot be interrupted, and the editor stops,
    /// saying why, as `watch` does.
    dog: Watchdog,
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
        .route(
            "/issue.js",
            get(|| async { asset(assets::ISSUE_JS, "text/javascript; charset=utf-8", false) }),
        )
        .route("/fonts/FandolHei-Regular.otf", get(font))
        .route("/api/issues", get(api_issues))
        .route("/api/new", post(api_new))
        .route("/api/file", get(api_file))
        .route("/api/issue", get(api_issue))
        .route("/api/page", get(api_page))
        .route(
            "/api/preview",
            post(api_preview).layer(DefaultBodyLimit::max(MAX_ISSUE_POST)),
        )
        .route(
            "/api/save",
            post(api_save).layer(DefaultBodyLimit::max(MAX_ISSUE_POST)),
        )
        .route(
            "/api/upload",
            post(api_upload).layer(DefaultBodyLimit::max(MAX_IMAGE_BYTES)),
        )
        .route(
            "/api/paste",
            post(api_paste).layer(DefaultBodyLimit::max(MAX_PASTE_BYTES)),
        )
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
        world: Mutex::new(None),
        latest: AtomicU64::new(0),
        pages: Mutex::new((0, Vec::new())),
        dog: Watchdog::start(limits::Limits::default(), |e| {
            term::error_text(&format!(
                "{} The editor stopped; edits not saved are lost.",
                e.message()
            ));
            crate::exit(1);
        }),
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

/// The most bytes of a POSTed issue (the text loaded and the edited issue).
const MAX_ISSUE_POST: usize = 2 * source::MAX_FILE_BYTES as usize + 64 * 1024;
/// The most bytes of an image dropped into the editor.
const MAX_IMAGE_BYTES: usize = 20 * 1024 * 1024;
/// The most bytes of a clipboard's HTML.
const MAX_PASTE_BYTES: usize = 8 * 1024 * 1024;

/// The hex SHA-256 of bytes: what the editor remembers of the file it
/// loaded.
fn hash(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An issue file's name, checked to be one of the folder's issues: one
/// plain name ending in .toml, not the series file.
fn issue_name(name: &str) -> Result<&str, (StatusCode, String)> {
    let plain = !name.is_empty()
        && !name.contains(['/', '\\', '\0'])
        && name != "."
        && name != ".."
        && !name.starts_with('.');
    if !plain {
        return Err((
            StatusCode::FORBIDDEN,
            format!("{name}: refused, outside the folder"),
        ));
    }
    if !name.ends_with(".toml") || name == SERIES_FILE || name == "layout.toml" {
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{name}: not an issue file (a .toml file other than {SERIES_FILE})"),
        ));
    }
    Ok(name)
}

/// The series files' tables merged, as the page shows them (values that
/// come from the series).
fn series_json(series: &[Arc<source::Series>]) -> Value {
    let mut t = toml::Table::new();
    for s in series {
        source::merge(&mut t, s.table.clone());
    }
    super::edit_doc::table_to_json(&t)
}

#[derive(Deserialize)]
struct NameQuery {
    name: String,
}

/// One issue for the form: its text, the hash of its bytes, its own table
/// as JSON, and what the series files give it.
async fn api_issue(State(ed): State<Arc<Editor>>, Query(q): Query<NameQuery>) -> Response {
    let out = blocking(move || -> Result<Value, (StatusCode, String)> {
        let name = issue_name(&q.name)?;
        let bytes = read_in(&ed.dir, name)?;
        let text = String::from_utf8(bytes.clone()).map_err(|_| {
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{name}: not UTF-8; the editor edits UTF-8 files (save it as UTF-8)"),
            )
        })?;
        let own = super::edit_doc::own_json(&text)
            .map_err(|m| (StatusCode::UNPROCESSABLE_ENTITY, format!("{name}: {m}")))?;
        let path = ed.dir.join(name);
        let series = source::read_series(&path, Encoding::Utf8)
            .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
        Ok(serde_json::json!({
            "name": name,
            "text": text,
            "hash": hash(&bytes),
            "own": own,
            "series": series_json(&series),
            "in_series": !series.is_empty(),
        }))
    })
    .await;
    match out {
        Some(Ok(v)) => Json(v).into_response(),
        Some(Err((status, m))) => json_error(status, m),
        None => json_error(StatusCode::INTERNAL_SERVER_ERROR, "read failed".into()),
    }
}

#[derive(Deserialize)]
struct PageQuery {
    v: u64,
    n: usize,
}

/// A page of the last good render, as an SVG image (an image: nothing in
/// it runs).
async fn api_page(State(ed): State<Arc<Editor>>, Query(q): Query<PageQuery>) -> Response {
    let svg = {
        let pages = ed.pages.lock().unwrap_or_else(|e| e.into_inner());
        (pages.0 == q.v && q.n >= 1)
            .then(|| pages.1.get(q.n - 1).cloned())
            .flatten()
    };
    let Some(svg) = svg else {
        return json_error(
            StatusCode::NOT_FOUND,
            "no such page (rendered again since)".into(),
        );
    };
    let mut r = svg.to_string().into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
    );
    r
}

/// What the page posts: the file's name, the text it loaded, and the
/// file's own table as it is now.
#[derive(Deserialize)]
struct Edited {
    name: String,
    base: String,
    doc: Value,
    /// For a save: the hash of the bytes loaded.
    #[serde(default)]
    base_hash: Option<String>,
    /// For a save: write even if the file changed on disk (keep mine).
    #[serde(default)]
    force: bool,
}

/// A problem as the page shows it: at a field (its key path) when its line
/// is the issue's own, else in the general list.
#[derive(Serialize)]
struct Problem {
    severity: &'static str,
    message: String,
    line: Option<u64>,
    column: Option<u64>,
    path: Option<String>,
    hints: Vec<String>,
    fix: Option<bulletin_model::error::Fix>,
}

fn problem_of_error(e: &Error, file: &Path, keys: &[(usize, String)]) -> Problem {
    let place = bulletin_render::report::error_info(e);
    let own = place
        .file
        .as_deref()
        .is_some_and(|f| Path::new(f) == file || Path::new(f).file_name() == file.file_name());
    let line = place.line.filter(|_| own);
    Problem {
        severity: "error",
        message: e.message.clone(),
        line,
        column: place.column.filter(|_| own),
        path: line.and_then(|l| super::edit_doc::path_at(keys, l as usize).map(str::to_string)),
        hints: e.hints.clone(),
        fix: e.fix.as_deref().cloned(),
    }
}

fn problem_of_warning(
    w: &bulletin_model::lint::Warning,
    file: &Path,
    keys: &[(usize, String)],
) -> Problem {
    let own = w.file == file;
    let line = w.line.filter(|_| own);
    Problem {
        severity: "warning",
        message: w.message.clone(),
        line: line.map(|l| l as u64),
        column: w.column.filter(|_| own).map(|c| c as u64),
        path: line.and_then(|l| super::edit_doc::path_at(keys, l).map(str::to_string)),
        hints: Vec::new(),
        fix: None,
    }
}

/// The edited issue's path, its new text, and the series files it leans on.
type Composed = (PathBuf, String, Vec<Arc<source::Series>>);

/// The edited issue's text, and the series files it leans on.
fn composed(ed: &Editor, e: &Edited) -> Result<Composed, (StatusCode, String)> {
    let name = issue_name(&e.name)?;
    let text = super::edit_doc::compose(&e.base, &e.doc)
        .map_err(|m| (StatusCode::UNPROCESSABLE_ENTITY, m))?;
    let path = ed.dir.join(name);
    let series = source::read_series(&path, Encoding::Utf8)
        .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    Ok((path, text, series))
}

/// Checks and renders the edited issue; the pages stay the last good ones
/// when it does not render.
fn preview(ed: &Editor, e: &Edited, generation: u64) -> Result<Value, (StatusCode, String)> {
    let (path, text, series) = composed(ed, e)?;
    let keys = super::edit_doc::key_lines(&text);
    let opts = RenderOptions::default();
    // One render at a time; one that waited while a newer was asked for
    // is dropped (the newer answers).
    let mut world = ed.world.lock().unwrap_or_else(|e| e.into_inner());
    if ed.latest.load(Ordering::SeqCst) != generation {
        return Ok(serde_json::json!({ "superseded": true }));
    }
    let mut problems = Vec::new();
    let error;
    match bulletin_render::check::check_bytes(&ed.session, &path, text.as_bytes(), &series, &opts) {
        Ok((prepared, warnings)) => {
            problems.extend(warnings.iter().map(|w| problem_of_warning(w, &path, &keys)));
            let mut renderer = Renderer::with_world(&ed.session, world.take());
            let watched = ed.dog.watch(&path.display().to_string());
            let rendered = renderer.render(&prepared, &opts);
            drop(watched);
            *world = renderer.into_world();
            match rendered {
                Ok(r) => {
                    let pages = bulletin_render::preview::preview_pages(&r.document);
                    let mut stored = ed.pages.lock().unwrap_or_else(|e| e.into_inner());
                    stored.0 += 1;
                    stored.1 = pages.iter().map(|p| Arc::from(p.svg.as_str())).collect();
                    let texts: Vec<String> = pages.into_iter().map(|p| p.text).collect();
                    comemo::evict(30);
                    return Ok(serde_json::json!({
                        "version": stored.0,
                        "pages": texts,
                        "error": null,
                        "problems": problems,
                        "hash": hash(text.as_bytes()),
                        "text": text,
                    }));
                }
                Err(e) => error = Some(problem_of_error(&e, &path, &keys)),
            }
        }
        Err(e) => error = Some(problem_of_error(&e, &path, &keys)),
    }
    let stored = ed.pages.lock().unwrap_or_else(|e| e.into_inner());
    Ok(serde_json::json!({
        "version": stored.0,
        "pages": null,
        "error": error,
        "problems": problems,
        "hash": hash(text.as_bytes()),
        "text": text,
    }))
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, String> {
    serde_json::from_slice(body)
        .map_err(|e| format!("a request the editor does not understand: {e}"))
}

async fn api_preview(State(ed): State<Arc<Editor>>, body: Bytes) -> Response {
    let e: Edited = match parse_body(&body) {
        Ok(e) => e,
        Err(m) => return json_error(StatusCode::BAD_REQUEST, m),
    };
    let generation = ed.latest.fetch_add(1, Ordering::SeqCst) + 1;
    match blocking(move || preview(&ed, &e, generation)).await {
        Some(Ok(v)) => Json(v).into_response(),
        Some(Err((status, m))) => json_error(status, m),
        None => json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the render failed (a bug: please report it)".into(),
        ),
    }
}

/// Saves the edited issue: the same text the preview rendered, written
/// atomically, if it reads as an issue and the file did not change on
/// disk since it was loaded (else 409 with both versions).
fn save(ed: &Editor, e: &Edited) -> Result<Value, (StatusCode, Value)> {
    let plain = |status: StatusCode, m: String| (status, serde_json::json!({ "error": m }));
    let (path, text, series) = composed(ed, e).map_err(|(s, m)| plain(s, m))?;
    // The one definition of an issue decides what may be written.
    if let Err(err) = source::parse_issue_with(&path, text.as_bytes(), &series, Encoding::Utf8) {
        return Err(plain(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("not saved: {}", err.message),
        ));
    }
    let name = issue_name(&e.name).map_err(|(s, m)| plain(s, m))?;
    let now = match read_in(&ed.dir, name) {
        Ok(b) => Some(b),
        Err((StatusCode::NOT_FOUND, _)) => None,
        Err((s, m)) => return Err(plain(s, m)),
    };
    let now_hash = now.as_deref().map(hash);
    if !e.force && now_hash.as_deref() != e.base_hash.as_deref() {
        return Err((
            StatusCode::CONFLICT,
            serde_json::json!({
                "error": format!("{name} changed on disk since it was loaded"),
                "theirs": now.as_deref().map(String::from_utf8_lossy),
                "theirs_hash": now_hash,
                "mine": text,
            }),
        ));
    }
    bulletin_render::write_atomic(&path, text.as_bytes())
        .map_err(|err| plain(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))?;
    Ok(serde_json::json!({ "hash": hash(text.as_bytes()), "text": text }))
}

async fn api_save(State(ed): State<Arc<Editor>>, body: Bytes) -> Response {
    let e: Edited = match parse_body(&body) {
        Ok(e) => e,
        Err(m) => return json_error(StatusCode::BAD_REQUEST, m),
    };
    match blocking(move || save(&ed, &e)).await {
        Some(Ok(v)) => Json(v).into_response(),
        Some(Err((status, v))) => (status, Json(v)).into_response(),
        None => json_error(StatusCode::INTERNAL_SERVER_ERROR, "the save failed".into()),
    }
}

#[derive(Deserialize)]
struct UploadQuery {
    /// The image's own name (its folder is dropped).
    file: String,
}

/// A dropped image's name in `images/`: its last part, letters, digits,
/// CJK, `-`, `_` and `.` only, with an image's extension.
fn image_name(file: &str) -> Result<(String, &'static str), String> {
    let base = file.rsplit(['/', '\\']).next().unwrap_or_default();
    let (stem, ext) = base.rsplit_once('.').unwrap_or((base, ""));
    let ext = match ext.to_ascii_lowercase().as_str() {
        "png" => "png",
        "jpg" | "jpeg" => "jpg",
        "svg" => "svg",
        "gif" => "gif",
        _ => {
            return Err(format!(
                "{file}: not an image the layouts print (PNG, JPEG, SVG, GIF)"
            ))
        }
    };
    let stem: String = stem
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
        .take(60)
        .collect();
    let stem = if stem.is_empty() {
        "image".to_string()
    } else {
        stem
    };
    Ok((stem, ext))
}

fn image_kind_ok(bytes: &[u8], ext: &str) -> bool {
    match ext {
        "png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "jpg" => bytes.starts_with(b"\xff\xd8\xff"),
        "gif" => bytes.starts_with(b"GIF8"),
        "svg" => {
            std::str::from_utf8(&bytes[..bytes.len().min(4096)]).is_ok_and(|s| s.contains("<svg"))
        }
        _ => false,
    }
}

/// Copies an image into `images/` of the folder, through a handle of the
/// folder (nothing is written outside it); an image already there with the
/// same bytes is reused, another name gets a number.
fn upload(dir: &Path, file: &str, bytes: &[u8]) -> Result<String, (StatusCode, String)> {
    let bad = |m: String| (StatusCode::UNPROCESSABLE_ENTITY, m);
    let (stem, ext) = image_name(file).map_err(bad)?;
    if !image_kind_ok(bytes, ext) {
        return Err(bad(format!("{file}: its bytes are not a {ext} image")));
    }
    let root = sandbox::Root::open(dir).map_err(|e| bad(format!("{}: {e}", dir.display())))?;
    let io = |e: std::io::Error| (StatusCode::FORBIDDEN, format!("images/: {e}"));
    root.dir().create_dir_all("images").map_err(io)?;
    let images = root.dir().open_dir("images").map_err(io)?;
    for n in 1..1000 {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        match images.symlink_metadata(&name) {
            Ok(m) if m.is_file() => {
                if images.read(&name).is_ok_and(|b| b == bytes) {
                    return Ok(format!("images/{name}"));
                }
            }
            Ok(_) => {}
            Err(_) => {
                let tmp = format!(".{name}.{}.tmp", std::process::id());
                images.write(&tmp, bytes).map_err(io)?;
                if let Err(e) = images.rename(&tmp, &images, &name) {
                    let _ = images.remove_file(&tmp);
                    return Err(io(e));
                }
                return Ok(format!("images/{name}"));
            }
        }
    }
    Err(bad(format!(
        "{file}: too many images of this name in images/"
    )))
}

async fn api_upload(
    State(ed): State<Arc<Editor>>,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> Response {
    match blocking(move || upload(&ed.dir, &q.file, &body)).await {
        Some(Ok(path)) => Json(serde_json::json!({ "path": path })).into_response(),
        Some(Err((status, m))) => json_error(status, m),
        None => json_error(StatusCode::INTERNAL_SERVER_ERROR, "the copy failed".into()),
    }
}

#[derive(Deserialize)]
struct Paste {
    html: String,
    /// A whole bulletin pasted into an empty issue: import it.
    #[serde(default)]
    whole: bool,
}

async fn api_paste(body: Bytes) -> Response {
    let p: Paste = match parse_body(&body) {
        Ok(p) => p,
        Err(m) => return json_error(StatusCode::BAD_REQUEST, m),
    };
    match blocking(move || super::edit_paste::paste(&p.html, p.whole)).await {
        Some(Ok(v)) => Json(v).into_response(),
        Some(Err(m)) => json_error(StatusCode::UNPROCESSABLE_ENTITY, m),
        None => json_error(StatusCode::INTERNAL_SERVER_ERROR, "the paste failed".into()),
    }
}
