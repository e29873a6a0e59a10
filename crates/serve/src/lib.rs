//! The local HTTP server of bulletin-pdf's live preview (`watch --serve`)
//! and of its editor (`edit`), on axum (hyper, tokio).
//!
//! What every server made here does, whatever its routes:
//! - it listens on 127.0.0.1 only;
//! - it makes a random token for the run and prints it in its URL
//!   (`http://127.0.0.1:PORT/?token=…`, as Jupyter does); a request
//!   carries it in the query, in the cookie set from it, or in an
//!   `X-Bulletin-Token` header, and is refused without it;
//! - the Host header must be `127.0.0.1:PORT` or `localhost:PORT` (no DNS
//!   rebinding), and an Origin header, when there is one, must be the
//!   server's own (no cross-site request);
//! - headers are bounded ([`Limits::max_header_bytes`]), so are the
//!   connections at once ([`Limits::max_connections`]), the time to send a
//!   request's headers, the time a handler takes, and the time a connection
//!   may go without any byte read or written (a client that never reads its
//!   answer is dropped, and holds nothing but its own connection).
//!
//! All of it runs on one tokio thread of its own: a client costs a task,
//! never a thread. The caller's code (the render loop) stays synchronous.
//!
//! The choice of axum over typst-kit's server and tiny_http is argued in
//! `docs/serve.md`.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Semaphore};

pub mod preview;

/// The framework, for the routes of the server's users.
pub use axum;

/// The editor's page: plain HTML, CSS and ES modules, no build step.
pub mod assets {
    pub const EDITOR_HTML: &str = include_str!("../assets/editor/index.html");
    pub const EDITOR_JS: &str = include_str!("../assets/editor/editor.js");
    pub const EDITOR_CSS: &str = include_str!("../assets/editor/editor.css");
    /// One issue's form and live pages.
    pub const ISSUE_JS: &str = include_str!("../assets/editor/issue.js");
}

/// The bounds of a server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; more wait in the listen queue.
    pub max_connections: usize,
    /// The most bytes of a request's line and headers (hyper answers 431
    /// past it; hyper's least is 8 KiB).
    pub max_header_bytes: usize,
    /// The time a client has to send a request's headers.
    pub header_timeout: Duration,
    /// The time a handler may take to answer.
    pub request_timeout: Duration,
    /// The time a connection may go without a byte read or written.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 64,
            max_header_bytes: 16 * 1024,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(40),
        }
    }
}

/// How often an event stream says it is alive (a comment line), well within
/// [`Limits::idle_timeout`]: a stream whose client went away is noticed at
/// the next one, and a client that reads nothing stalls it.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// A running server; stopped when dropped.
pub struct Server {
    addr: SocketAddr,
    token: Arc<str>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What a handler may need of the server it runs in.
#[derive(Debug, Clone)]
pub struct Guard {
    port: u16,
    token: Arc<str>,
    request_timeout: Duration,
}

impl Guard {
    /// The name of the cookie that carries the token (one per port: cookies
    /// are not told apart by port).
    pub fn cookie_name(&self) -> String {
        format!("bulletin-token-{}", self.port)
    }

    /// Whether `host` (a Host header) names this server.
    fn host_ok(&self, host: &str) -> bool {
        let port = self.port.to_string();
        ["127.0.0.1", "localhost"].iter().any(|name| {
            host.strip_prefix(name)
                .and_then(|r| r.strip_prefix(':'))
                .is_some_and(|p| p == port)
        })
    }

    /// Whether `origin` (an Origin header) is this server's.
    fn origin_ok(&self, origin: &str) -> bool {
        origin
            .strip_prefix("http://")
            .is_some_and(|host| self.host_ok(host))
    }

    fn token_ok(&self, given: &str) -> bool {
        constant_time_eq(given.as_bytes(), self.token.as_bytes())
    }
}

/// Compares without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of `name` in a URL query (`a=1&token=…`), as written (the
/// token is hex, so it needs no decoding).
fn query_value<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then_some(v)
    })
}

/// The value of cookie `name` in the Cookie headers.
fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

fn refuse(status: StatusCode, why: &str) -> Response {
    let mut r = (status, format!("{why}\n")).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Checks every request: Host, Origin, token; and bounds the handler's time.
async fn guard(State(g): State<Guard>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !host.is_some_and(|h| g.host_ok(h)) {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            &format!(
                "refused: this server answers only to 127.0.0.1:{p} and localhost:{p}",
                p = g.port
            ),
        );
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        if !origin.to_str().is_ok_and(|o| g.origin_ok(o)) {
            return refuse(
                StatusCode::FORBIDDEN,
                "refused: a request from another site (Origin)",
            );
        }
    }
    let from_query = req
        .uri()
        .query()
        .and_then(|q| query_value(q, "token"))
        .filter(|t| g.token_ok(t))
        .is_some();
    let cookie = g.cookie_name();
    let from_cookie = cookie_value(headers, &cookie).is_some_and(|t| g.token_ok(t));
    let from_header = headers
        .get("x-bulletin-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| g.token_ok(t));
    if !(from_query || from_cookie || from_header) {
        return refuse(
            StatusCode::FORBIDDEN,
            "refused: no valid token. Open the URL that bulletin-pdf printed \
             (http://127.0.0.1:PORT/?token=…); the token changes with every run",
        );
    }
    let mut resp = match tokio::time::timeout(g.request_timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server took too long to answer",
            )
        }
    };
    let h = resp.headers_mut();
    if from_query && !from_cookie {
        // HttpOnly: no script reads it; SameSite=Strict: no other site's
        // page sends it.
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{cookie}={}; Path=/; HttpOnly; SameSite=Strict",
            g.token
        )) {
            h.append(header::SET_COOKIE, v);
        }
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The token is in the URL: never send it on in a Referer.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

/// A random token of 128 bits, as hex.
fn new_token() -> io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| io::Error::other(format!("no random numbers: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A random string for a page's script nonce.
pub fn nonce() -> String {
    new_token().unwrap_or_else(|_| {
        // Never a fixed value: the time will do for a nonce.
        format!("{:x}", Instant::now().elapsed().as_nanos() ^ 0x5eed)
    })
}

/// Binds 127.0.0.1:`port`, or with no port the first free one of
/// 3000–3005, then any free port.
fn bind(port: Option<u16>) -> io::Result<std::net::TcpListener> {
    let at =
        |p: u16| std::net::TcpListener::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), p));
    match port {
        Some(p) => at(p).map_err(|e| {
            if e.kind() == io::ErrorKind::AddrInUse {
                io::Error::new(e.kind(), format!("port {p} is already in use"))
            } else {
                e
            }
        }),
        None => (3000..=3005)
            .find_map(|p| at(p).ok())
            .map_or_else(|| at(0), Ok),
    }
}

impl Server {
    /// Starts serving `app` (its routes; the checks are added here) on its
    /// own thread.
    pub fn start(port: Option<u16>, limits: Limits, app: Router<()>) -> io::Result<Server> {
        Server::start_with(port, limits, |_| app)
    }

    /// As [`Server::start`], with the routes made once the port and token
    /// are known.
    pub fn start_with(
        port: Option<u16>,
        limits: Limits,
        app: impl FnOnce(&Guard) -> Router<()>,
    ) -> io::Result<Server> {
        let std_listener = bind(port)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let token: Arc<str> = new_token()?.into();
        let g = Guard {
            port: addr.port(),
            token: token.clone(),
            request_timeout: limits.request_timeout,
        };
        let app = app(&g).layer(middleware::from_fn_with_state(g, guard));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            // Blocking work ([`blocking`]: checks, renders) on at most two
            // threads: the machine has few cores.
            .max_blocking_threads(2)
            .build()?;
        let (stop, stopped) = oneshot::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("bulletin-serve".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match TcpListener::from_std(std_listener) {
                        Ok(l) => {
                            let _ = ready_tx.send(Ok(()));
                            l
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    tokio::select! {
                        () = accept_loop(listener, app, limits) => {}
                        _ = stopped => {}
                    }
                });
            })?;
        ready_rx
            .recv()
            .map_err(|_| io::Error::other("the server thread stopped"))??;
        Ok(Server {
            addr,
            token,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// The URL to open, with the token.
    pub fn url(&self) -> String {
        format!("http://{}/?token={}", self.addr, self.token)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, app: Router<()>, limits: Limits) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        // Wait for a free slot before taking the next connection: past the
        // limit, connections wait in the kernel's listen queue.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(_) => {
                // Out of file descriptors, or a connection reset before it
                // was taken: try again a little later.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            let progress = Arc::new(Progress::new());
            let io = Watched {
                inner: stream,
                progress: progress.clone(),
            };
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_buf_size(limits.max_header_bytes.max(8192))
                .keep_alive(true);
            let conn = builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(app));
            tokio::select! {
                _ = conn => {}
                () = idle(progress, limits.idle_timeout) => {}
            }
            drop(slot);
        });
    }
}

/// When a connection last read or wrote a byte.
struct Progress {
    start: Instant,
    /// Milliseconds since `start`.
    last: AtomicU64,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            start: Instant::now(),
            last: AtomicU64::new(0),
        }
    }
    fn touch(&self) {
        let ms = self.start.elapsed().as_millis() as u64;
        self.last.store(ms, Ordering::Relaxed);
    }
    fn idle_for(&self) -> Duration {
        let now = self.start.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last.load(Ordering::Relaxed)))
    }
}

/// Ends when the connection has gone `limit` without a byte either way.
async fn idle(progress: Arc<Progress>, limit: Duration) {
    loop {
        let idle = progress.idle_for();
        if idle >= limit {
            return;
        }
        tokio::time::sleep(limit - idle).await;
    }
}

/// A stream that notes every byte read or written.
struct Watched<S> {
    inner: S,
    progress: Arc<Progress>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.progress.touch();
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.progress.touch();
        }
        r
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.progress.touch();
        }
        r
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Runs blocking work (a check, a render, a file read) off the server's
/// thread, on its small pool; `None` if the work panicked.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

/// Escapes text for HTML (element content and quoted attributes).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_origin() {
        let g = Guard {
            port: 3001,
            token: "ab".into(),
            request_timeout: Duration::from_secs(1),
        };
        assert!(g.host_ok("127.0.0.1:3001"));
        assert!(g.host_ok("localhost:3001"));
        assert!(!g.host_ok("127.0.0.1:30011"));
        assert!(!g.host_ok("127.0.0.1"));
        assert!(!g.host_ok("evil.example:3001"));
        assert!(!g.host_ok("localhost.evil.example:3001"));
        assert!(g.origin_ok("http://localhost:3001"));
        assert!(!g.origin_ok("https://localhost:3001"));
        assert!(!g.origin_ok("null"));
        assert!(g.token_ok("ab"));
        assert!(!g.token_ok("a"));
        assert!(!g.token_ok("ac"));
    }

    #[test]
    fn query_and_cookie() {
        assert_eq!(query_value("a=1&token=xy", "token"), Some("xy"));
        assert_eq!(query_value("xtoken=1", "token"), None);
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=b; t-1=zz"));
        assert_eq!(cookie_value(&h, "t-1"), Some("zz"));
        assert_eq!(cookie_value(&h, "t"), None);
    }
}
