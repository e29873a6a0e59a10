//! The preview server of `watch --serve` (bulletin-serve) over raw TCP:
//! the token, Host and Origin checks (#20 item 11), the placeholder page
//! (item 12), event streams (item 13), a client that never reads (item 14),
//! and the bounds on headers and request time (item 15). Each test failed
//! against typst-kit's `HttpServer` (tiny_http), which `watch --serve` used
//! before.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{root, BIN};
use crate::preview::{free_port, Proc};

const FIRST_RENDER: Duration = Duration::from_secs(120);
const OLD_TITLE: &str = "中央政治局常委会研究加强新型冠状病毒感染的肺炎疫情防控工作";

/// A running `watch --serve` and what it printed.
struct Served {
    watch: Proc,
    port: u16,
    token: String,
}

impl Served {
    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Waits for the next `rendered` line.
    fn rendered(&self) {
        let line = self.watch.wait_line(FIRST_RENDER, |l| {
            (l.starts_with("rendered ") || l.contains("(kept the last good")).then(|| l.to_string())
        });
        assert!(
            line.as_deref().is_some_and(|l| l.starts_with("rendered ")),
            "no `rendered` line: {line:?}\n{}",
            self.watch.stderr()
        );
    }

    fn threads(&self) -> usize {
        proc_status(self.watch.pid(), "Threads:")
    }

    fn rss_kib(&self) -> usize {
        proc_status(self.watch.pid(), "VmRSS:")
    }
}

fn proc_status(pid: u32, key: &str) -> usize {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status"))
}

/// `watch --serve` on `name` in `dir` holding `text`; returns once the
/// server's URL is printed (before the first render is done).
fn serve(dir: &Path, name: &str, text: &str) -> Served {
    let issue = dir.join(name);
    std::fs::write(&issue, text).unwrap();
    let port = free_port();
    let watch = Proc::spawn(
        "bulletin-pdf watch",
        false,
        Command::new(BIN)
            .arg("watch")
            .arg(&issue)
            .args(["--serve", "--port", &port.to_string(), "-o"])
            .arg(dir.join("out.pdf"))
            .arg("--no-system-fonts")
            .current_dir(dir),
    );
    let prefix = format!("serving the preview at http://127.0.0.1:{port}/?token=");
    let token = watch.wait_line(FIRST_RENDER, |l| {
        l.strip_prefix(&prefix).map(str::to_string)
    });
    let Some(token) = token else {
        panic!(
            "no `{prefix}…` line (the printed URL carries the token)\n{}",
            watch.stderr()
        );
    };
    assert!(
        token.len() >= 32 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "the token is 128 random bits in hex: {token:?}"
    );
    Served { watch, port, token }
}

fn reference() -> String {
    std::fs::read_to_string(root().join("examples/issue-363.toml")).unwrap()
}

/// Issue 363 with its columns `times` times over: large pages, a slow
/// first render.
fn big_issue(times: usize) -> String {
    let text = reference();
    let start = text.find("[[columns]]").unwrap();
    let end = text.find("[footer]").unwrap();
    let columns = &text[start..end];
    let mut out = text[..start].to_string();
    for _ in 0..times {
        out.push_str(columns);
    }
    out.push_str(&text[end..]);
    out
}

/// An answer read to its end (`Connection: close`).
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    /// The body without white space (the pages' text layer breaks lines).
    fn shows(&self, text: &str) -> bool {
        let compact: String = self.body.chars().filter(|c| !c.is_whitespace()).collect();
        compact.contains(text)
    }

    fn header(&self, name: &str) -> Vec<String> {
        self.head
            .lines()
            .filter_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_string())
            })
            .collect()
    }
}

/// Sends `request` (the request line and headers, without the blank line
/// and without Connection) and reads the answer to its end.
fn request(addr: SocketAddr, request: &str) -> Answer {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(s, "{request}\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("reading the answer to {request:?}: {e}"));
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    Answer {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

fn get(s: &Served, path: &str, headers: &str) -> Answer {
    let host = format!("127.0.0.1:{}", s.port);
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {host}");
    if !headers.is_empty() {
        req.push_str("\r\n");
        req.push_str(headers);
    }
    request(s.addr(), &req)
}

#[test]
fn requests_without_the_token_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = serve(dir.path(), "issue.toml", &reference());
    s.rendered();
    let t = &s.token;

    // Without it, or with a wrong one: nothing of the issue.
    let wrong = format!("{}0", &t[..t.len() - 1]);
    for (what, path, headers) in [
        ("no token", "/".to_string(), String::new()),
        ("a wrong token", format!("/?token={wrong}"), String::new()),
        (
            "a shorter token",
            format!("/?token={}", &t[..8]),
            String::new(),
        ),
        (
            "a wrong cookie",
            "/".to_string(),
            format!("Cookie: bulletin-token-{}={wrong}", s.port),
        ),
        (
            "the cookie of another port",
            "/".to_string(),
            format!("Cookie: bulletin-token-{}={t}", s.port + 1),
        ),
        (
            "events without a token",
            "/__events".to_string(),
            String::new(),
        ),
    ] {
        let a = get(&s, &path, &headers);
        assert_eq!(a.status, 403, "{what}: {}", a.head);
        assert!(
            !a.shows(OLD_TITLE) && !a.body.contains("<svg"),
            "{what}: the answer shows the issue"
        );
        assert!(
            a.body.contains("token"),
            "{what}: the refusal says why: {:?}",
            a.body
        );
    }

    // With it in the URL: the page, and the cookie for the next requests.
    let a = get(&s, &format!("/?token={t}"), "");
    assert_eq!(a.status, 200, "{}", a.head);
    assert!(a.shows(OLD_TITLE), "the page shows the issue");
    let cookie = a.header("set-cookie");
    let name = format!("bulletin-token-{}={t}", s.port);
    assert!(
        cookie.iter().any(|c| c.starts_with(&name)
            && c.contains("HttpOnly")
            && c.contains("SameSite=Strict")),
        "Set-Cookie: {cookie:?}"
    );
    assert_eq!(a.header("referrer-policy"), ["no-referrer"], "{}", a.head);
    let csp = a.header("content-security-policy").join(" ");
    assert!(
        csp.contains("script-src 'nonce-"),
        "only the page's own script runs: {csp:?}"
    );
    // With the cookie, or the header.
    let a = get(&s, "/", &format!("Cookie: other=1; {name}"));
    assert_eq!(a.status, 200, "with the cookie: {}", a.head);
    let a = get(&s, "/", &format!("X-Bulletin-Token: {t}"));
    assert_eq!(a.status, 200, "with X-Bulletin-Token: {}", a.head);
}

#[test]
fn foreign_host_and_origin_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = serve(dir.path(), "issue.toml", &reference());
    s.rendered();
    let (p, t) = (s.port, &s.token);
    let path = format!("/?token={t}");
    let answer = |host: Option<&str>, origin: Option<&str>| {
        let mut req = format!("GET {path} HTTP/1.1");
        if let Some(h) = host {
            req.push_str(&format!("\r\nHost: {h}"));
        }
        if let Some(o) = origin {
            req.push_str(&format!("\r\nOrigin: {o}"));
        }
        request(s.addr(), &req)
    };
    // DNS rebinding: a name that resolves to 127.0.0.1, with the token.
    for host in [
        format!("evil.example:{p}"),
        format!("localhost.evil.example:{p}"),
        "evil.example".to_string(),
        format!("127.0.0.1:{}", p + 1),
        "127.0.0.1".to_string(),
    ] {
        let a = answer(Some(&host), None);
        assert!(
            a.status == 421 || a.status == 400 || a.status == 403,
            "Host: {host}: {}",
            a.head
        );
        assert!(!a.shows(OLD_TITLE), "Host: {host}: the issue shown");
    }
    let a = answer(None, None);
    assert!(a.status >= 400, "no Host: {}", a.head);
    // Another site's page.
    for origin in [
        "http://evil.example".to_string(),
        format!("http://evil.example:{p}"),
        format!("https://127.0.0.1:{p}"),
        "null".to_string(),
    ] {
        let a = answer(Some(&format!("127.0.0.1:{p}")), Some(&origin));
        assert_eq!(a.status, 403, "Origin: {origin}: {}", a.head);
        assert!(!a.shows(OLD_TITLE), "Origin: {origin}");
    }
    // Its own names.
    for (host, origin) in [
        (format!("127.0.0.1:{p}"), None),
        (format!("localhost:{p}"), None),
        (
            format!("127.0.0.1:{p}"),
            Some(format!("http://127.0.0.1:{p}")),
        ),
        (
            format!("localhost:{p}"),
            Some(format!("http://localhost:{p}")),
        ),
    ] {
        let a = answer(Some(&host), origin.as_deref());
        assert_eq!(
            a.status, 200,
            "Host: {host}, Origin: {origin:?}: {}",
            a.head
        );
    }
}

#[test]
fn listens_on_loopback_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = serve(dir.path(), "issue.toml", &reference());
    // /proc/net/tcp: local address as hex IPv4:port; state 0A is LISTEN.
    let want = format!(":{:04X}", s.port);
    let tables = std::fs::read_to_string("/proc/net/tcp").unwrap()
        + &std::fs::read_to_string("/proc/net/tcp6").unwrap_or_default();
    let listening: Vec<String> = tables
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() > 3 && f[1].ends_with(&want) && f[3] == "0A").then(|| f[1].to_string())
        })
        .collect();
    assert_eq!(
        listening,
        [format!("0100007F{want}")],
        "one listening socket, on 127.0.0.1"
    );
}

#[test]
fn the_placeholder_escapes_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let name = "<img src=x onerror=alert(1)>.toml";
    // A long issue: its first render takes seconds, so the placeholder is
    // what the server shows at first.
    let s = serve(dir.path(), name, &big_issue(4));
    let a = get(&s, &format!("/?token={}", s.token), "");
    assert_eq!(a.status, 200, "{}", a.head);
    assert!(
        a.body.contains("id=\"placeholder\""),
        "the first answer is the placeholder page (the render takes seconds): {}",
        &a.body[..a.body.len().min(400)]
    );
    assert!(
        !a.body.contains("<img"),
        "the file name is taken as HTML: {}",
        a.body
    );
    assert!(
        a.body.contains("&lt;img src=x onerror=alert(1)&gt;.toml"),
        "the file name is shown as text: {}",
        a.body
    );
    s.rendered();
    let a = get(&s, &format!("/?token={}", s.token), "");
    assert!(a.body.contains("data-pages"), "the pages replace it");
    assert!(!a.body.contains("<img src=x"), "nor on the pages' page");
}

#[test]
fn an_endless_header_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let s = serve(dir.path(), "issue.toml", &reference());
    s.rendered();
    let rss_before = s.rss_kib();
    let mut c = TcpStream::connect(s.addr()).unwrap();
    c.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        c,
        "GET /?token={} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nX-Endless: ",
        s.token, s.port
    )
    .unwrap();
    // 256 MiB of one header line, unless the server stops it first.
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent = 0usize;
    let cut = loop {
        if sent >= 256 << 20 {
            break false;
        }
        match c.write(&chunk) {
            Ok(n) => sent += n,
            Err(_) => break true,
        }
    };
    assert!(cut, "the server read {} MiB of one header line", sent >> 20);
    // Loopback buffers hold a few MiB that the server never read.
    assert!(sent < 32 << 20, "{} MiB sent before the cut", sent >> 20);
    let rss_after = s.rss_kib();
    assert!(
        rss_after < rss_before + 64 * 1024,
        "the process grew from {rss_before} KiB to {rss_after} KiB"
    );
    // The server still serves.
    let a = get(&s, &format!("/?token={}", s.token), "");
    assert_eq!(a.status, 200, "{}", a.head);
}

#[test]
fn a_silent_connection_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let s = serve(dir.path(), "issue.toml", &reference());
    s.rendered();
    // Half a request, then nothing: closed when the header time is up
    // (10 s), not held for ever.
    let mut c = TcpStream::connect(s.addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(40))).unwrap();
    write!(c, "GET / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n", s.port).unwrap();
    let start = Instant::now();
    let mut buf = Vec::new();
    let r = c.read_to_end(&mut buf);
    let waited = start.elapsed();
    assert!(
        r.is_ok() || waited < Duration::from_secs(39),
        "the connection was still open after {waited:?}: {r:?}"
    );
    assert!(
        waited < Duration::from_secs(30),
        "closed only after {waited:?}"
    );
    assert!(
        !String::from_utf8_lossy(&buf).contains(OLD_TITLE),
        "no page for half a request"
    );
}

#[test]
fn many_event_streams_take_no_thread() {
    let dir = tempfile::tempdir().unwrap();
    let text = reference();
    let s = serve(dir.path(), "issue.toml", &text);
    s.rendered();
    let threads_before = s.threads();
    // 3,000 event streams opened and left at once (typst-kit's server left
    // a thread behind for each, until the next render).
    let events = format!(
        "GET /__events?token={} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
        s.token, s.port
    );
    for i in 0..3000 {
        let mut c = TcpStream::connect(s.addr())
            .unwrap_or_else(|e| panic!("connection {i}: {e}\n{}", s.watch.stderr()));
        c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        c.write_all(events.as_bytes()).unwrap();
        let mut head = [0u8; 12];
        c.read_exact(&mut head)
            .unwrap_or_else(|e| panic!("stream {i}: no answer: {e}"));
        assert_eq!(&head, b"HTTP/1.1 200", "stream {i}");
    }
    let threads_after = s.threads();
    assert!(
        threads_after <= threads_before + 2,
        "threads: {threads_before} before, {threads_after} after 3,000 event streams"
    );
    // The page still comes at once: the streams left behind hold no
    // connection slot.
    let start = Instant::now();
    let a = get(&s, &format!("/?token={}", s.token), "");
    assert_eq!(a.status, 200, "{}", a.head);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "the page took {:?}",
        start.elapsed()
    );

    // 40 open streams each hear of the next render; no thread more.
    let mut open: Vec<TcpStream> = (0..40)
        .map(|_| {
            let mut c = TcpStream::connect(s.addr()).unwrap();
            c.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            c.write_all(events.as_bytes()).unwrap();
            c
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let threads_open = s.threads();
    assert!(
        threads_open <= threads_before + 2,
        "threads: {threads_before} before, {threads_open} with 40 open streams"
    );
    std::fs::write(
        dir.path().join("issue.toml"),
        text.replacen(OLD_TITLE, "事件流测试", 1),
    )
    .unwrap();
    s.rendered();
    for (i, c) in open.iter_mut().enumerate() {
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        // A data line too: browsers dispatch no event without data.
        while !String::from_utf8_lossy(&got).contains("event: reload\ndata: ") {
            let n = c
                .read(&mut buf)
                .unwrap_or_else(|e| panic!("stream {i}: no reload event: {e}"));
            assert!(
                n > 0,
                "stream {i} closed: {}",
                String::from_utf8_lossy(&got)
            );
            got.extend_from_slice(&buf[..n]);
        }
    }
}

#[test]
fn a_client_that_never_reads_stalls_no_one() {
    let dir = tempfile::tempdir().unwrap();
    let text = big_issue(4);
    let s = serve(dir.path(), "issue.toml", &text);
    s.rendered();
    let page = get(&s, &format!("/?token={}", s.token), "");
    assert_eq!(page.status, 200);
    // Larger than what loopback buffers take, so that the server's write to
    // a client that does not read blocks.
    assert!(
        page.body.len() > 24 << 20,
        "the page should be large: {} bytes",
        page.body.len()
    );
    // Two clients ask for the page and never read it.
    let stalled: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut c = TcpStream::connect(s.addr()).unwrap();
            write!(
                c,
                "GET /?token={} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
                s.token, s.port
            )
            .unwrap();
            c
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    // Another client gets the page in full.
    let start = Instant::now();
    let again = get(&s, &format!("/?token={}", s.token), "");
    assert_eq!(again.status, 200);
    assert_eq!(again.body.len(), page.body.len());
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "the page took {:?} while a client does not read",
        start.elapsed()
    );
    // watch goes on: an edit renders and reaches the next client.
    let new_title = "不读的客户端测试";
    std::fs::write(
        dir.path().join("issue.toml"),
        text.replacen(OLD_TITLE, new_title, 1),
    )
    .unwrap();
    s.rendered();
    let after = get(&s, &format!("/?token={}", s.token), "");
    assert!(
        after.shows(new_title),
        "the new page is served while the old one is stuck"
    );
    drop(stalled);
}
