//! The live preview (`watch --serve`) end to end, in a real headless
//! browser: the pages it shows match the PDF, an edit of the issue reaches
//! the open page by itself (live reload), a broken edit shows its message
//! over the last good pages, and fixing it clears the message.
//!
//! Needs Chromium (`apt-get install chromium`); the browser is driven over
//! the DevTools protocol with `Runtime.evaluate` only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{root, tool_stdout, BIN};
use serde_json::{json, Value};

/// How long the first render (fonts, layout, the whole issue) may take.
const FIRST_RENDER: Duration = Duration::from_secs(60);
/// How long Chromium may take to start and to load the page.
const BROWSER_START: Duration = Duration::from_secs(30);
/// How long an edit may take to reach the open page.
const LIVE_UPDATE: Duration = Duration::from_secs(30);
const POLL_EVERY: Duration = Duration::from_millis(200);

/// The first article's title in examples/issue-363.toml, and what the test
/// renames it to (characters the embedded Fandol fonts have).
const OLD_TITLE: &str = "中央政治局常委会研究加强新型冠状病毒感染的肺炎疫情防控工作";
const NEW_TITLE: &str = "实时预览测试：中央政治局常委会研究疫情防控工作";

/// A child process whose stderr is read line by line on a thread; killed
/// (and waited for) when dropped, so that no failure leaves it running.
pub(crate) struct Proc {
    name: &'static str,
    /// Asked to stop (SIGTERM) before it is killed.
    graceful: bool,
    child: Child,
    lines: Receiver<String>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Proc {
    pub(crate) fn spawn(name: &'static str, graceful: bool, cmd: &mut Command) -> Proc {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({cmd:?}): {e}"));
        let stderr: ChildStderr = child.stderr.take().expect("piped stderr");
        let (tx, lines) = mpsc::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let log2 = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                log2.lock().unwrap().push(line.clone());
                // The test may have stopped listening; keep collecting.
                let _ = tx.send(line);
            }
        });
        Proc {
            name,
            graceful,
            child,
            lines,
            log,
        }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the process printed to stderr so far.
    pub(crate) fn stderr(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Waits (at most `timeout`) for a stderr line that `pick` accepts.
    pub(crate) fn wait_line<T>(
        &self,
        timeout: Duration,
        mut pick: impl FnMut(&str) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(t) = pick(&line) {
                        return Some(t);
                    }
                }
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.graceful {
            // Chromium killed outright leaves its helper processes to init
            // (as zombies for a while); asked to stop, it ends them itself.
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Both processes, for failure messages.
struct Logs<'a> {
    watch: &'a Proc,
    browser: Option<&'a Proc>,
}

impl std::fmt::Display for Logs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "--- {} stderr ---\n{}",
            self.watch.name,
            self.watch.stderr()
        )?;
        if let Some(b) = self.browser {
            // Chromium is chatty (D-Bus is missing in containers); its last
            // other lines are the interesting ones.
            let all = b.stderr();
            let lines: Vec<&str> = all
                .lines()
                .filter(|l| !l.contains(":ERROR:dbus/"))
                .collect();
            let tail = &lines[lines.len().saturating_sub(40)..];
            writeln!(
                f,
                "--- {} stderr (last 40 lines) ---\n{}",
                b.name,
                tail.join("\n")
            )?;
        }
        Ok(())
    }
}

/// A headless browser: Debian's chromium, or one of the usual names on PATH.
pub(crate) fn find_browser() -> PathBuf {
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in names {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    let debian = PathBuf::from("/usr/bin/chromium");
    if debian.is_file() {
        return debian;
    }
    panic!(
        "tests/preview.rs needs a headless browser: install Chromium \
         (apt-get install chromium), or put chromium, chromium-browser or \
         google-chrome on PATH"
    );
}

pub(crate) fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().unwrap().port()
}

fn connect(addr: SocketAddr, timeout: Duration) -> std::io::Result<TcpStream> {
    let s = TcpStream::connect_timeout(&addr, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    Ok(s)
}

/// `GET path` over plain HTTP/1.1; the body. Chromium's DevTools server
/// keeps the connection open despite `Connection: close`, so the body is
/// read by its Content-Length (or to the end when it has none).
pub(crate) fn http_get(addr: SocketAddr, path: &str) -> Result<String, String> {
    let mut s =
        connect(addr, Duration::from_secs(5)).map_err(|e| format!("connect {addr}: {e}"))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("send to {addr}: {e}"))?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let mut body_len: Option<(usize, Option<usize>)> = None; // (start, length)
    loop {
        if body_len.is_none() {
            if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw[..i]).into_owned();
                if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
                    return Err(format!("GET {path}: {head}"));
                }
                let len = head.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim()
                        .eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())
                        .flatten()
                });
                body_len = Some((i + 4, len));
            }
        }
        if let Some((start, Some(len))) = body_len {
            if raw.len() >= start + len {
                return Ok(String::from_utf8_lossy(&raw[start..start + len]).into_owned());
            }
        }
        let n = s
            .read(&mut buf)
            .map_err(|e| format!("read from {addr}: {e}"))?;
        if n == 0 {
            return match body_len {
                Some((start, None)) => Ok(String::from_utf8_lossy(&raw[start..]).into_owned()),
                _ => Err(format!(
                    "GET {path}: the connection closed early: {:?}",
                    String::from_utf8_lossy(&raw)
                )),
            };
        }
        raw.extend_from_slice(&buf[..n]);
    }
}

/// A DevTools protocol connection to one page target.
pub(crate) struct Cdp {
    ws: tungstenite::WebSocket<TcpStream>,
    next_id: u64,
}

impl Cdp {
    pub(crate) fn connect(ws_url: &str) -> Result<Cdp, String> {
        let hostport = ws_url
            .strip_prefix("ws://")
            .and_then(|r| r.split('/').next())
            .ok_or_else(|| format!("unexpected webSocketDebuggerUrl {ws_url}"))?;
        let addr: SocketAddr = hostport.parse().map_err(|e| format!("{hostport}: {e}"))?;
        let stream =
            connect(addr, Duration::from_secs(10)).map_err(|e| format!("connect {addr}: {e}"))?;
        let (ws, _) = tungstenite::client(ws_url, stream)
            .map_err(|e| format!("websocket handshake with {ws_url}: {e}"))?;
        Ok(Cdp { ws, next_id: 1 })
    }

    /// `Runtime.evaluate` of an expression whose value is JSON-able.
    pub(crate) fn eval(&mut self, expression: &str) -> Result<Value, String> {
        self.eval_with(expression, false)
    }

    fn eval_with(&mut self, expression: &str, await_promise: bool) -> Result<Value, String> {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": await_promise}),
        )?;
        if let Some(exc) = result.get("exceptionDetails") {
            return Err(format!("exception: {exc}"));
        }
        Ok(result["result"]["value"].clone())
    }

    /// A DevTools protocol method; its result.
    pub(crate) fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        let msg = json!({"id": id, "method": method, "params": params});
        self.ws
            .send(tungstenite::Message::Text(msg.to_string()))
            .map_err(|e| format!("send to the browser: {e}"))?;
        // The read timeout of the socket bounds every read.
        loop {
            let reply = self
                .ws
                .read()
                .map_err(|e| format!("read from the browser: {e}"))?;
            let tungstenite::Message::Text(text) = reply else {
                continue;
            };
            let v: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
            if v["id"].as_u64() != Some(id) {
                continue; // an event
            }
            if let Some(err) = v.get("error") {
                return Err(format!("{method}: {err}"));
            }
            return Ok(v["result"].clone());
        }
    }

    /// `Runtime.evaluate` of an expression whose value is a promise.
    pub(crate) fn eval_async(&mut self, expression: &str) -> Result<Value, String> {
        self.eval_with(expression, true)
    }

    /// The page as the test sees it.
    fn state(&mut self) -> Result<State, String> {
        let v = self.eval(STATE_JS)?;
        let s = v
            .as_str()
            .ok_or_else(|| format!("state is not a string: {v}"))?;
        serde_json::from_str(s).map_err(|e| format!("{e}: {s}"))
    }
}

/// What the page shows, read in the browser.
const STATE_JS: &str = r#"JSON.stringify((() => {
  const sections = Array.from(document.querySelectorAll('section.page'));
  const main = document.querySelector('main[data-pages]');
  const error = document.getElementById('error');
  return {
    href: location.href,
    ready: document.readyState,
    marker: window.__previewTestMarker === true,
    data_pages: main ? Number(main.dataset.pages) : null,
    pages: sections.length,
    with_svg: sections.filter(s => s.querySelector('svg') !== null).length,
    numbered: sections.every((s, i) => s.dataset.page === String(i + 1) && s.id === 'page-' + (i + 1)),
    text: sections.map(s => (s.querySelector('.text') || {}).textContent || '').join('\n'),
    error: error ? error.textContent : null,
    error_role: error ? error.getAttribute('role') : null,
    live_reload: Array.from(document.scripts).some(s => s.textContent.includes('/__events')),
  };
})())"#;

#[derive(Debug, serde::Deserialize)]
struct State {
    href: String,
    ready: String,
    /// Set by the test in the page's window: gone after a reload.
    marker: bool,
    data_pages: Option<usize>,
    pages: usize,
    with_svg: usize,
    numbered: bool,
    text: String,
    error: Option<String>,
    error_role: Option<String>,
    live_reload: bool,
}

impl State {
    fn compact_text(&self) -> String {
        self.text.chars().filter(|c| !c.is_whitespace()).collect()
    }

    fn summary(&self) -> String {
        let text: String = self.compact_text().chars().take(200).collect();
        format!(
            "href={} ready={} marker={} data-pages={:?} sections={} with-svg={} numbered={} \
             live-reload-script={} error={:?} text(first 200)={text:?}",
            self.href,
            self.ready,
            self.marker,
            self.data_pages,
            self.pages,
            self.with_svg,
            self.numbered,
            self.live_reload,
            self.error,
        )
    }
}

/// Polls the page until `done` holds, without navigating; panics after
/// `timeout` with the last state and both processes' stderr.
fn poll(
    cdp: &mut Cdp,
    what: &str,
    timeout: Duration,
    logs: &Logs<'_>,
    mut done: impl FnMut(&State) -> bool,
) -> State {
    let deadline = Instant::now() + timeout;
    loop {
        let last = match cdp.state() {
            // A page being reloaded is read again later.
            Ok(s) if s.ready == "complete" && done(&s) => return s,
            Ok(s) => s.summary(),
            Err(e) => format!("error: {e}"),
        };
        if Instant::now() >= deadline {
            panic!(
                "timed out after {timeout:?} waiting until {what}\nlast page state: {last}\n{logs}"
            );
        }
        std::thread::sleep(POLL_EVERY);
    }
}

fn pdf_pages(pdf: &Path) -> usize {
    let info = tool_stdout("pdfinfo", &[pdf.to_str().unwrap()]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in pdfinfo's output:\n{info}"))
}

fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn live_preview_in_a_browser() {
    let started = Instant::now();
    let browser_bin = find_browser();

    // 1. `watch --serve` on a copy of the reference issue.
    let dir = tempfile::tempdir().unwrap();
    let issue = dir.path().join("issue.toml");
    let out = dir.path().join("out.pdf");
    let original = std::fs::read_to_string(root().join("examples/issue-363.toml")).unwrap();
    assert!(
        original.contains(OLD_TITLE),
        "examples/issue-363.toml changed: no {OLD_TITLE}"
    );
    std::fs::write(&issue, &original).unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}/");
    let watch = Proc::spawn(
        "bulletin-pdf watch",
        false,
        Command::new(BIN)
            .arg("watch")
            .arg(&issue)
            .args(["--serve", "--port", &port.to_string(), "-o"])
            .arg(&out)
            .arg("--no-system-fonts")
            .current_dir(dir.path()),
    );
    let rendered = watch.wait_line(FIRST_RENDER, |l| {
        l.starts_with("rendered ").then(|| l.to_string())
    });
    let Some(rendered) = rendered else {
        panic!(
            "no `rendered` line within {FIRST_RENDER:?}\n{}",
            Logs {
                watch: &watch,
                browser: None
            }
        );
    };
    let first_render = started.elapsed();
    // The printed URL carries the run's token (#20 item 11).
    let url = {
        let log = watch.stderr();
        let prefix = format!("serving the preview at {base}?token=");
        let Some(token) = log.lines().find_map(|l| l.strip_prefix(&prefix)) else {
            panic!("no `{prefix}…` line for port {port}:\n{log}");
        };
        format!("{base}?token={token}")
    };
    let token = url.rsplit('=').next().unwrap().to_string();
    let pages = pdf_pages(&out);
    assert!(
        rendered.contains(&format!("({pages} pages)")),
        "`{rendered}` does not give the PDF's {pages} pages"
    );
    assert!(
        pages >= 2,
        "issue 363 should take several pages, not {pages}"
    );

    // 2. Chromium on the preview, driven over the DevTools protocol.
    let profile = tempfile::tempdir().unwrap();
    let browser = Proc::spawn(
        "chromium",
        true,
        Command::new(&browser_bin)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--mute-audio",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("--remote-debugging-port=0")
            .arg(&url),
    );
    let devtools = browser.wait_line(BROWSER_START, |l| {
        let rest = l.split_once("DevTools listening on ws://")?.1;
        let hostport = rest.split('/').next()?;
        hostport.parse::<SocketAddr>().ok()
    });
    let Some(devtools) = devtools else {
        panic!(
            "{} printed no `DevTools listening on ws://…` within {BROWSER_START:?}\n{}",
            browser_bin.display(),
            Logs {
                watch: &watch,
                browser: Some(&browser)
            }
        );
    };
    let logs = Logs {
        watch: &watch,
        browser: Some(&browser),
    };

    // The page target of the preview (the browser may list it a little after
    // it starts listening).
    let deadline = Instant::now() + BROWSER_START;
    let ws_url = loop {
        let found = http_get(devtools, "/json/list").and_then(|body| {
            let targets: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
            Ok(targets.as_array().and_then(|ts| {
                ts.iter()
                    .find(|t| {
                        t["type"] == "page"
                            && t["url"].as_str().is_some_and(|u| u.starts_with(&base))
                    })
                    .and_then(|t| t["webSocketDebuggerUrl"].as_str())
                    .map(str::to_string)
            }))
        });
        match found {
            Ok(Some(ws)) => break ws,
            other if Instant::now() >= deadline => {
                panic!("no page target for {url} in {devtools}/json/list: {other:?}\n{logs}")
            }
            _ => std::thread::sleep(POLL_EVERY),
        }
    };
    let mut cdp = Cdp::connect(&ws_url).unwrap_or_else(|e| panic!("{e}\n{logs}"));

    // 3. The pages shown are the PDF's pages.
    let shown = poll(
        &mut cdp,
        "the preview shows the rendered pages",
        BROWSER_START,
        &logs,
        |s| s.pages > 0,
    );
    assert_eq!(
        shown.pages,
        pages,
        "pages shown vs the PDF's\n{}",
        shown.summary()
    );
    assert_eq!(
        shown.data_pages,
        Some(pages),
        "<main data-pages>\n{}",
        shown.summary()
    );
    assert_eq!(
        shown.with_svg,
        pages,
        "every page has its SVG\n{}",
        shown.summary()
    );
    assert!(
        shown.numbered,
        "pages numbered 1..n in order\n{}",
        shown.summary()
    );
    assert!(
        shown.live_reload,
        "the live reload script is injected\n{}",
        shown.summary()
    );
    assert_eq!(
        shown.error,
        None,
        "no error after a good render\n{}",
        shown.summary()
    );
    assert!(
        shown.compact_text().contains(OLD_TITLE),
        "the first article's title is in the page text\n{}",
        shown.summary()
    );
    let browser_ready = started.elapsed();

    // The token: kept in an HttpOnly cookie that no script reads; the page's
    // own requests carry it, a request without it is refused, and the event
    // stream is open.
    let guarded = cdp
        .eval_async(&format!(
            r#"(async () => {{
              const own = await fetch('/?x=1');
              const bare = await fetch('{base}', {{ credentials: 'omit' }});
              const bareText = await bare.text();
              const events = await fetch('/__events', {{ credentials: 'omit' }});
              return JSON.stringify({{
                own: own.status, bare: bare.status, events: events.status,
                bareShowsIssue: bareText.includes('<svg'),
                cookieVisible: document.cookie.includes('{token}'),
              }});
            }})()"#
        ))
        .unwrap_or_else(|e| panic!("{e}\n{logs}"));
    let guarded: Value = serde_json::from_str(guarded.as_str().unwrap_or("null")).unwrap();
    assert_eq!(
        guarded,
        json!({"own": 200, "bare": 403, "events": 403, "bareShowsIssue": false, "cookieVisible": false}),
        "requests from the page with and without the token\n{logs}"
    );

    // 4. An edit reaches the open page by itself. The marker lives in this
    // window only: its absence proves the page was reloaded, not navigated
    // by the test (which never navigates).
    cdp.eval("window.__previewTestMarker = true")
        .unwrap_or_else(|e| panic!("{e}\n{logs}"));
    let edited = original.replacen(OLD_TITLE, NEW_TITLE, 1);
    std::fs::write(&issue, &edited).unwrap();
    let edit_written = Instant::now();
    let after_edit = poll(
        &mut cdp,
        "the page shows the new title",
        LIVE_UPDATE,
        &logs,
        |s| s.compact_text().contains(NEW_TITLE),
    );
    let edit_latency = edit_written.elapsed();
    assert!(
        !after_edit.marker,
        "the page was reloaded\n{}",
        after_edit.summary()
    );
    assert!(
        after_edit.href.starts_with(&url),
        "the page stays on the preview\n{}",
        after_edit.summary()
    );
    assert!(
        !after_edit.compact_text().contains(OLD_TITLE),
        "the old title is gone\n{}",
        after_edit.summary()
    );
    assert_eq!(after_edit.error, None, "{}", after_edit.summary());
    let good_pages = pdf_pages(&out);
    assert_eq!(
        after_edit.pages,
        good_pages,
        "pages shown vs the new PDF's\n{}",
        after_edit.summary()
    );
    assert_eq!(after_edit.with_svg, good_pages, "{}", after_edit.summary());
    let pdf_text = crate::common::pdf_text_compact(&out);
    assert!(
        pdf_text.contains(&compact(NEW_TITLE)),
        "the PDF has the new title too\n{logs}"
    );
    let good_pdf = std::fs::read(&out).unwrap();

    // 5. A broken edit: its message over the last good pages.
    cdp.eval("window.__previewTestMarker = true")
        .unwrap_or_else(|e| panic!("{e}\n{logs}"));
    std::fs::write(&issue, format!("{edited}\n[[columns\n")).unwrap();
    let broken = poll(
        &mut cdp,
        "the page shows the error",
        LIVE_UPDATE,
        &logs,
        |s| s.error.is_some(),
    );
    let message = broken.error.clone().unwrap();
    assert!(
        !broken.marker,
        "the page was reloaded\n{}",
        broken.summary()
    );
    assert_eq!(
        broken.error_role.as_deref(),
        Some("alert"),
        "{}",
        broken.summary()
    );
    assert!(
        message.contains("issue.toml"),
        "the error names the issue file: {message:?}\n{logs}"
    );
    assert!(
        !message.contains('\x1b'),
        "the error has no terminal colour codes: {message:?}"
    );
    assert_eq!(
        broken.pages,
        good_pages,
        "the last good pages stay\n{}",
        broken.summary()
    );
    assert_eq!(broken.with_svg, good_pages, "{}", broken.summary());
    assert!(
        broken.compact_text().contains(NEW_TITLE),
        "the last good text stays\n{}",
        broken.summary()
    );
    // The failure is on stderr too, and the PDF is kept.
    let kept = watch.wait_line(LIVE_UPDATE, |l| {
        l.contains("(kept the last good").then_some(())
    });
    assert!(kept.is_some(), "no `(kept the last good …)` line\n{logs}");
    assert!(
        std::fs::read(&out).unwrap() == good_pdf,
        "the last good PDF is kept\n{logs}"
    );

    // 6. Fixed again: the message goes.
    cdp.eval("window.__previewTestMarker = true")
        .unwrap_or_else(|e| panic!("{e}\n{logs}"));
    std::fs::write(&issue, &edited).unwrap();
    let fixed = poll(&mut cdp, "the error is gone", LIVE_UPDATE, &logs, |s| {
        s.error.is_none()
    });
    assert!(!fixed.marker, "the page was reloaded\n{}", fixed.summary());
    assert_eq!(fixed.pages, good_pages, "{}", fixed.summary());
    assert_eq!(fixed.with_svg, good_pages, "{}", fixed.summary());
    assert!(
        fixed.compact_text().contains(NEW_TITLE),
        "{}",
        fixed.summary()
    );

    eprintln!(
        "preview test: first render {first_render:.1?}, browser ready {browser_ready:.1?}, \
         edit shown after {edit_latency:.1?}, total {:.1?}",
        started.elapsed()
    );
    // `browser` and `watch` are killed when dropped.
}
