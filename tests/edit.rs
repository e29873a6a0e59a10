//! `bulletin-pdf edit DIR` (#23, its first part): the folder's issues and
//! "new issue", on the preview's server: requests without the token, from a
//! foreign Host or Origin, or for a path outside DIR are refused.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::common::{root, BIN};
use crate::preview::{free_port, Proc};

struct Edit {
    _proc: Proc,
    port: u16,
    token: String,
}

fn start(dir: &std::path::Path) -> Edit {
    let port = free_port();
    let proc = Proc::spawn(
        "bulletin-pdf edit",
        false,
        Command::new(BIN).arg("edit").arg(dir).args([
            "--port",
            &port.to_string(),
            "--no-system-fonts",
        ]),
    );
    let prefix = format!("http://127.0.0.1:{port}/?token=");
    let token = proc.wait_line(Duration::from_secs(120), |l| {
        l.split_once(&prefix).map(|(_, t)| t.to_string())
    });
    let Some(token) = token else {
        panic!("no `{prefix}…` line\n{}", proc.stderr());
    };
    Edit {
        _proc: proc,
        port,
        token,
    }
}

/// Sends a request (line and headers, no blank line) and returns the
/// status and body.
fn send(port: u16, head: &str) -> (u16, String) {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(
        s,
        "{head}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (h, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = h.split_whitespace().nth(1).unwrap().parse().unwrap();
    // Bodies of JSON answers are not chunked by these handlers' sizes;
    // strip a chunked frame if there is one.
    let body = if h
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = body;
        while let Some((len, after)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.push_str(&after[..n]);
            rest = &after[n + 2..];
        }
        out
    } else {
        body.to_string()
    };
    (status, body)
}

#[test]
fn the_folder_and_a_new_issue() {
    let dir = tempfile::tempdir().unwrap();
    let reference = std::fs::read_to_string(root().join("examples/issue-363.toml")).unwrap();
    std::fs::write(dir.path().join("issue-363.toml"), &reference).unwrap();
    // A title that is HTML: data, never markup.
    let hostile = reference.replacen(
        "title = \"中央政治局常委会研究加强新型冠状病毒感染的肺炎疫情防控工作\"",
        "title = \"<script>alert(1)</script>标题\"",
        1,
    );
    let hostile = hostile.replacen("number = 363", "number = 300", 1);
    std::fs::write(dir.path().join("issue-300.toml"), hostile).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.toml"),
        "secret = \"机密内容\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        outside.path().join("secret.toml"),
        dir.path().join("link.txt"),
    )
    .unwrap();
    let e = start(dir.path());
    let (p, t) = (e.port, &e.token);
    let host = format!("Host: 127.0.0.1:{p}");

    // Refused: no token, a foreign Host, a foreign Origin.
    let (s, _) = send(p, &format!("GET /api/issues HTTP/1.1\r\n{host}"));
    assert_eq!(s, 403, "no token");
    let (s, _) = send(
        p,
        &format!("GET /api/issues?token={t} HTTP/1.1\r\nHost: rebind.example:{p}"),
    );
    assert_eq!(s, 421, "foreign Host");
    let (s, _) = send(
        p,
        &format!("POST /api/new?token={t} HTTP/1.1\r\n{host}\r\nOrigin: http://evil.example"),
    );
    assert_eq!(s, 403, "foreign Origin");
    assert!(
        !dir.path().join("issue-364.toml").exists(),
        "a cross-site request made an issue"
    );

    // The list.
    let (s, body) = send(p, &format!("GET /api/issues?token={t} HTTP/1.1\r\n{host}"));
    assert_eq!(s, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let issues = v["issues"].as_array().unwrap();
    assert_eq!(issues.len(), 2, "{v}");
    let i363 = issues
        .iter()
        .find(|i| i["file"] == "issue-363.toml")
        .unwrap();
    assert_eq!(i363["number"], 363);
    assert_eq!(i363["date"], "2020-02-10");
    assert_eq!(
        i363["title"],
        "中央政治局常委会研究加强新型冠状病毒感染的肺炎疫情防控工作"
    );
    assert!(
        i363["status"] == "ok" || i363["status"] == "warnings",
        "{i363}"
    );
    assert!(i363["errors"].as_array().unwrap().is_empty(), "{i363}");

    // Files outside the folder: refused, through the sandbox.
    for name in ["../secret.toml", "/etc/passwd", "link.txt"] {
        let (s, body) = send(
            p,
            &format!("GET /api/file?name={name}&token={t} HTTP/1.1\r\n{host}"),
        );
        assert_eq!(s, 403, "{name}: {body}");
        assert!(!body.contains("机密内容"), "{name}: {body}");
    }
    let (s, body) = send(
        p,
        &format!("GET /api/file?name=issue-363.toml&token={t} HTTP/1.1\r\n{host}"),
    );
    assert_eq!(s, 200);
    let f: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(f["text"], reference.as_str());

    // New issue, as init does: the next number, from the page's origin.
    let (s, body) = send(
        p,
        &format!("POST /api/new?token={t} HTTP/1.1\r\n{host}\r\nOrigin: http://127.0.0.1:{p}"),
    );
    assert_eq!(s, 200, "{body}");
    let made: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(made["file"], "issue-364.toml", "{made}");
    assert_eq!(made["number"], 364);
    let text = std::fs::read_to_string(dir.path().join("issue-364.toml")).unwrap();
    assert!(text.contains("number = 364"), "{text}");
    assert!(
        text.contains("工作简报"),
        "the masthead comes from the newest issue: {text}"
    );
}

/// Chromium on the editor's page (as tests/preview.rs drives it): the
/// folder's issues are listed, a title written as HTML shows as text and
/// runs nothing, and 新建一期 makes the next issue and lists it.
#[test]
fn the_folder_in_a_browser() {
    use crate::preview::{find_browser, http_get, Cdp};
    use std::time::Instant;

    let dir = tempfile::tempdir().unwrap();
    let reference = std::fs::read_to_string(root().join("examples/issue-363.toml")).unwrap();
    let hostile = reference.replacen(
        "title = \"中央政治局常委会研究加强新型冠状病毒感染的肺炎疫情防控工作\"",
        "title = \"<img src=x onerror=window.__xss=1>标题\"",
        1,
    );
    std::fs::write(dir.path().join("issue-363.toml"), hostile).unwrap();
    let e = start(dir.path());
    let url = format!("http://127.0.0.1:{}/?token={}", e.port, e.token);
    let profile = tempfile::tempdir().unwrap();
    let browser = Proc::spawn(
        "chromium",
        true,
        Command::new(find_browser())
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("--remote-debugging-port=0")
            .arg(&url),
    );
    let devtools = browser
        .wait_line(Duration::from_secs(30), |l| {
            let rest = l.split_once("DevTools listening on ws://")?.1;
            rest.split('/').next()?.parse::<SocketAddr>().ok()
        })
        .unwrap_or_else(|| panic!("no DevTools line\n{}", browser.stderr()));
    let deadline = Instant::now() + Duration::from_secs(30);
    let ws = loop {
        let found = http_get(devtools, "/json/list").ok().and_then(|body| {
            let v: Value = serde_json::from_str(&body).ok()?;
            v.as_array()?
                .iter()
                .find(|t| t["type"] == "page" && t["url"].as_str() == Some(url.as_str()))
                .and_then(|t| t["webSocketDebuggerUrl"].as_str())
                .map(str::to_string)
        });
        match found {
            Some(ws) => break ws,
            None if Instant::now() > deadline => panic!("no page target for {url}"),
            None => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    let mut cdp = Cdp::connect(&ws).unwrap();
    let rows = |cdp: &mut Cdp| -> Value {
        let v = cdp
            .eval(
                "JSON.stringify(Array.from(document.querySelectorAll('#issues tbody tr'))\
                 .map(r => Array.from(r.cells).map(c => c.firstChild ? c.firstChild.textContent : '')))",
            )
            .unwrap();
        serde_json::from_str(v.as_str().unwrap_or("[]")).unwrap()
    };
    let wait_rows = |cdp: &mut Cdp, n: usize| -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let r = rows(cdp);
            if r.as_array().is_some_and(|a| a.len() == n) {
                return r;
            }
            assert!(Instant::now() < deadline, "{n} rows expected: {r}");
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    let r = wait_rows(&mut cdp, 1);
    assert_eq!(r[0][0], "issue-363.toml");
    assert_eq!(r[0][1], "363");
    assert_eq!(r[0][2], "2020-02-10");
    assert_eq!(
        r[0][3], "<img src=x onerror=window.__xss=1>标题",
        "the title shows as text"
    );
    let labels = cdp
        .eval("Array.from(document.querySelectorAll('th')).map(t => t.textContent).join(',')")
        .unwrap();
    assert_eq!(labels, "文件,期号,日期,首篇标题,检查");
    let xss = cdp
        .eval("String(window.__xss) + ',' + document.querySelectorAll('#issues img').length")
        .unwrap();
    assert_eq!(xss, "undefined,0", "the title ran as HTML");

    // 新建一期: the next number, listed.
    cdp.eval("document.getElementById('new').click()").unwrap();
    let r = wait_rows(&mut cdp, 2);
    assert_eq!(r[1][0], "issue-364.toml", "{r}");
    assert_eq!(r[1][1], "364", "{r}");
    assert!(dir.path().join("issue-364.toml").is_file());
    let said = cdp
        .eval("document.getElementById('message').textContent")
        .unwrap();
    assert!(
        said.as_str()
            .is_some_and(|s| s.starts_with("已新建 issue-364.toml")),
        "{said}"
    );

    // The page as the browser draws it, for docs/ (docs/editor-folder.png
    // is a copy of this file).
    cdp.call(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({"width": 1100, "height": 420, "deviceScaleFactor": 1, "mobile": false}),
    )
    .unwrap();
    let shot = cdp
        .call(
            "Page.captureScreenshot",
            serde_json::json!({"format": "png"}),
        )
        .unwrap();
    let png = base64_decode(shot["data"].as_str().expect("screenshot data"));
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("editor-folder.png");
    std::fs::write(&out, png).unwrap();
}

/// Standard base64 (the DevTools protocol's screenshots).
fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.as_bytes().chunks(4) {
        let digits: Vec<u8> = chunk.iter().copied().filter(|&c| c != b'=').collect();
        let mut n = 0u32;
        for (i, &c) in digits.iter().enumerate() {
            n |= value(c) << (18 - 6 * i);
        }
        for i in 0..digits.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}
