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
    use crate::preview::Cdp;
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
    let (_browser, _profile, mut cdp) = open_browser(&url);
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

/// Headless Chromium on `url`, driven over the DevTools protocol: the
/// browser's process, its profile folder, and the page's connection.
fn open_browser(url: &str) -> (Proc, tempfile::TempDir, crate::preview::Cdp) {
    use crate::preview::{find_browser, http_get, Cdp};
    use std::time::Instant;
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
            .arg(url),
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
                .find(|t| t["type"] == "page" && t["url"].as_str() == Some(url))
                .and_then(|t| t["webSocketDebuggerUrl"].as_str())
                .map(str::to_string)
        });
        match found {
            Some(ws) => break ws,
            None if Instant::now() > deadline => panic!("no page target for {url}"),
            None => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    let cdp = Cdp::connect(&ws).unwrap();
    (browser, profile, cdp)
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

/// Sends a request with a body; the status and body of the answer.
fn send_body(port: u16, head: &str, body: &[u8]) -> (u16, String) {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(
        s,
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    // A server that refuses early may close before reading it all.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (h, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = h
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    (status, body.to_string())
}

/// A PNG of `w`×`h` pixels (a red square on white), made here.
fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        if x > w / 4 && x < 3 * w / 4 && y > h / 4 && y < 3 * h / 4 {
            image::Rgb([200, 0, 0])
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The new endpoints (one issue, its pages, preview, save, upload, paste)
/// refuse what the folder's list refuses: no token, a foreign Host or
/// Origin, a path outside DIR; bodies are bounded, and a save over a file
/// changed on disk is a conflict.
#[test]
fn the_issue_endpoints_are_guarded() {
    let dir = tempfile::tempdir().unwrap();
    let reference = std::fs::read_to_string(root().join("examples/issue-363.toml")).unwrap();
    std::fs::write(dir.path().join("issue-363.toml"), &reference).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.toml"),
        "secret = \"机密内容\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        outside.path().join("secret.toml"),
        dir.path().join("link.toml"),
    )
    .unwrap();
    let e = start(dir.path());
    let (p, t) = (e.port, e.token.clone());
    let host = format!("Host: 127.0.0.1:{p}");
    let own = format!("Origin: http://127.0.0.1:{p}");
    let json = "Content-Type: application/json";

    // The issue, as the form gets it.
    let (s, body) = send(
        p,
        &format!("GET /api/issue?name=issue-363.toml&token={t} HTTP/1.1\r\n{host}"),
    );
    assert_eq!(s, 200, "{body}");
    let issue: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(issue["own"]["issue"]["number"], 363);
    assert_eq!(issue["own"]["issue"]["date"], "2020-02-10");
    let hash = issue["hash"].as_str().unwrap().to_string();
    for name in [
        "../secret.toml",
        "/etc/passwd",
        "link.toml",
        "..%2Fsecret.toml",
    ] {
        let (s, body) = send(
            p,
            &format!("GET /api/issue?name={name}&token={t} HTTP/1.1\r\n{host}"),
        );
        assert_eq!(s, 403, "{name}: {body}");
        assert!(!body.contains("机密内容"), "{name}: {body}");
    }

    let edited = {
        let mut doc = issue["own"].clone();
        doc["issue"]["number"] = Value::from(364);
        serde_json::json!({
            "name": "issue-363.toml",
            "base": issue["text"],
            "base_hash": hash,
            "doc": doc,
        })
        .to_string()
    };
    // Every POST: no token, a foreign Origin, a foreign Host.
    for path in [
        "/api/preview",
        "/api/save",
        "/api/paste",
        "/api/upload?file=a.png",
    ] {
        let (s, _) = send_body(
            p,
            &format!("POST {path} HTTP/1.1\r\n{host}\r\n{json}"),
            edited.as_bytes(),
        );
        assert_eq!(s, 403, "{path} without the token");
        let sep = if path.contains('?') { '&' } else { '?' };
        let (s, _) = send_body(
            p,
            &format!(
                "POST {path}{sep}token={t} HTTP/1.1\r\n{host}\r\nOrigin: http://evil.example\r\n{json}"
            ),
            edited.as_bytes(),
        );
        assert_eq!(s, 403, "{path} from a foreign Origin");
        let (s, _) = send_body(
            p,
            &format!("POST {path}{sep}token={t} HTTP/1.1\r\nHost: rebind.example:{p}\r\n{json}"),
            edited.as_bytes(),
        );
        assert_eq!(s, 421, "{path} for a foreign Host");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("issue-363.toml")).unwrap(),
        reference,
        "a refused save wrote"
    );
    assert!(
        !dir.path().join("images").exists(),
        "a refused upload wrote"
    );

    // A save outside the folder, or over a link out of it: refused.
    for name in ["../evil.toml", "link.toml", "bulletin.toml"] {
        let body = edited.replace("\"issue-363.toml\"", &format!("\"{name}\""));
        let (s, answer) = send_body(
            p,
            &format!("POST /api/save?token={t} HTTP/1.1\r\n{host}\r\n{own}\r\n{json}"),
            body.as_bytes(),
        );
        assert!(s == 403 || s == 422, "{name}: {s} {answer}");
    }
    assert!(!dir.path().parent().unwrap().join("evil.toml").exists());
    assert_eq!(
        std::fs::read_to_string(outside.path().join("secret.toml")).unwrap(),
        "secret = \"机密内容\"\n"
    );
    assert!(!dir.path().join("bulletin.toml").exists());

    // An image named to climb out lands in images/ under its own name.
    let (s, body) = send_body(
        p,
        &format!("POST /api/upload?file=..%2F..%2Fevil.png&token={t} HTTP/1.1\r\n{host}\r\n{own}"),
        &png(8, 8),
    );
    assert_eq!(s, 200, "{body}");
    let up: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(up["path"], "images/evil.png");
    assert!(dir.path().join("images/evil.png").is_file());
    assert!(!dir.path().parent().unwrap().join("evil.png").exists());
    // Not an image: refused.
    let (s, _) = send_body(
        p,
        &format!("POST /api/upload?file=x.png&token={t} HTTP/1.1\r\n{host}\r\n{own}"),
        b"<script>",
    );
    assert_eq!(s, 422);

    // Bounded bodies.
    let big = vec![b' '; 9 * 1024 * 1024];
    let (s, _) = send_body(
        p,
        &format!("POST /api/paste?token={t} HTTP/1.1\r\n{host}\r\n{own}\r\n{json}"),
        &big,
    );
    assert_eq!(s, 413, "a paste of 9 MiB");

    // A save over a file changed on disk since it was loaded: 409, with
    // both versions; the file is untouched.
    let theirs = format!("{reference}\n# edited elsewhere\n");
    std::fs::write(dir.path().join("issue-363.toml"), &theirs).unwrap();
    let (s, body) = send_body(
        p,
        &format!("POST /api/save?token={t} HTTP/1.1\r\n{host}\r\n{own}\r\n{json}"),
        edited.as_bytes(),
    );
    assert_eq!(s, 409, "{body}");
    let conflict: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(conflict["theirs"], theirs.as_str());
    assert!(conflict["mine"].as_str().unwrap().contains("number = 364"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("issue-363.toml")).unwrap(),
        theirs
    );
    // With the hash it was loaded with, the save goes through, comments kept.
    let now = send(
        p,
        &format!("GET /api/issue?name=issue-363.toml&token={t} HTTP/1.1\r\n{host}"),
    )
    .1;
    let now: Value = serde_json::from_str(&now).unwrap();
    let mut doc = now["own"].clone();
    doc["issue"]["number"] = Value::from(364);
    let body = serde_json::json!({
        "name": "issue-363.toml", "base": now["text"], "base_hash": now["hash"], "doc": doc,
    })
    .to_string();
    let (s, answer) = send_body(
        p,
        &format!("POST /api/save?token={t} HTTP/1.1\r\n{host}\r\n{own}\r\n{json}"),
        body.as_bytes(),
    );
    assert_eq!(s, 200, "{answer}");
    let saved = std::fs::read_to_string(dir.path().join("issue-363.toml")).unwrap();
    assert_eq!(saved, theirs.replace("number = 363", "number = 364"));
    let (s, _) = send(p, &format!("GET /api/page?v=1&n=1 HTTP/1.1\r\n{host}"));
    assert_eq!(s, 403, "a page without the token");

    // A whole bulletin pasted (here the reference issue's text, as a
    // browser puts plain text on the clipboard: one paragraph a line) is
    // recognised as import does.
    let text = std::fs::read_to_string(root().join("tests/data/issue-363.txt")).unwrap();
    let html: String = text
        .lines()
        .map(|l| {
            let l = l
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!("<p>{l}</p>")
        })
        .collect();
    let body = serde_json::json!({ "html": html, "whole": true }).to_string();
    let (s, answer) = send_body(
        p,
        &format!("POST /api/paste?token={t} HTTP/1.1\r\n{host}\r\n{own}\r\n{json}"),
        body.as_bytes(),
    );
    assert_eq!(s, 200, "{answer}");
    let got: Value = serde_json::from_str(&answer).unwrap();
    let issue = &got["issue"];
    assert_eq!(issue["issue"]["number"], 363, "{issue}");
    assert_eq!(issue["issue"]["date"], "2020-02-10", "{issue}");
    let columns: Vec<&str> = issue["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["上情下达", "经验交流", "学习动态"], "{issue}");
}

/// What the browser tests run in the editor's page: small helpers to set a
/// field as a person would (its value, then the event its listener takes),
/// to click a button by its label, and to paste.
const HELPERS: &str = r#"
window.T = {
  q(path) {
    return document.querySelector(`input[data-path="${path}"], textarea[data-path="${path}"], select[data-path="${path}"]`);
  },
  set(path, value) {
    const e = T.q(path);
    if (!e) throw new Error('no field ' + path);
    e.focus();
    e.value = value;
    e.dispatchEvent(new Event(e.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true }));
    return e.value;
  },
  click(scope, label) {
    const root = scope ? document.querySelector(scope) : document;
    const b = Array.from(root.querySelectorAll('button')).find((b) => b.textContent === label);
    if (!b) throw new Error('no button ' + label + ' in ' + scope);
    b.click();
    return true;
  },
  paste(target, type, data) {
    const e = typeof target === 'string' ? document.querySelector(target) : target;
    if (!e) throw new Error('no paste target ' + target);
    const dt = new DataTransfer();
    dt.setData(type, data);
    if (type === 'text/html') dt.setData('text/plain', data.replace(/<[^>]*>/g, ''));
    e.focus();
    e.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    return true;
  },
  drag(from, to) {
    const dt = new DataTransfer();
    document.querySelector(from).dispatchEvent(new DragEvent('dragstart', { dataTransfer: dt, bubbles: true }));
    const target = document.querySelector(to);
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    return true;
  },
  problems(path) {
    const f = document.querySelector(`#form [data-path="${path}"]`);
    return f ? Array.from(f.querySelectorAll(':scope > .problem')).map((p) => p.textContent) : null;
  },
  pagesText() {
    return Array.from(document.querySelectorAll('#pages .page-text')).map((p) => p.textContent).join('\n');
  },
};
true
"#;

/// Evaluates `js` in the page; panics with the editor's log on an
/// exception.
fn js(cdp: &mut crate::preview::Cdp, code: &str, log: &Proc) -> Value {
    cdp.eval(code)
        .unwrap_or_else(|e| panic!("{code}: {e}\n{}", log.stderr()))
}

/// Waits until `code` is true in the page.
fn wait_js(cdp: &mut crate::preview::Cdp, code: &str, what: &str, log: &Proc) {
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        if cdp.eval(code).ok() == Some(Value::Bool(true)) {
            return;
        }
        if std::time::Instant::now() > deadline {
            let state = cdp
                .eval("document.getElementById('state') && document.getElementById('state').textContent + ' | ' + (document.getElementById('render-error')||{}).textContent + ' | ' + (document.getElementById('problems')||{}).textContent")
                .unwrap_or_default();
            panic!(
                "timed out waiting until {what} ({code})\npage: {state}\n{}",
                log.stderr()
            );
        }
        std::thread::sleep(Duration::from_millis(150));
    }
}

/// Waits until the page shows the pages of its last change.
fn settled(cdp: &mut crate::preview::Cdp, log: &Proc) {
    std::thread::sleep(Duration::from_millis(50));
    wait_js(
        cdp,
        "document.body.dataset.pending === '0'",
        "the pages of the last change are shown",
        log,
    );
}

fn shot(cdp: &mut crate::preview::Cdp, name: &str, width: u32, height: u32) {
    cdp.call(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let shot = cdp
        .call(
            "Page.captureScreenshot",
            serde_json::json!({"format": "png"}),
        )
        .unwrap();
    let png = base64_decode(shot["data"].as_str().expect("screenshot data"));
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&out, png).unwrap();
}

fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// One whole session in Chromium: a new issue, its masthead filled in,
/// two columns and three articles (one pasted from Word's clipboard HTML,
/// one with a table pasted as TSV, one with an image chosen from disk), two
/// articles reordered by dragging, a warning shown at its field and fixed
/// there, undo, and a save. The saved file passes `check` and renders the
/// text the editor's pages showed.
#[test]
fn an_issue_edited_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bulletin.toml"),
        "# The series.\n[bulletin]\nname = \"工作简报\"\noffice = \"市应急管理局办公室\"\n\n\
         [footer]\nbao = \"市委、市政府\"\nprinter = \"市应急管理局办公室\"\n",
    )
    .unwrap();
    let photo = dir.path().join("site.png");
    let photo_dir = tempfile::tempdir().unwrap();
    let photo_src = photo_dir.path().join("site.png");
    std::fs::write(&photo_src, png(400, 300)).unwrap();
    let _ = photo;
    let e = start(dir.path());
    let url = format!("http://127.0.0.1:{}/?token={}", e.port, e.token);
    let log = &e._proc;
    let (_browser, _profile, mut cdp) = open_browser(&url);
    let c = &mut cdp;
    wait_js(
        c,
        "document.querySelector('#new') !== null && document.readyState === 'complete'",
        "the page loads",
        log,
    );
    js(c, HELPERS, log);

    // 1. A new issue, opened in the form.
    js(c, "document.getElementById('new').click()", log);
    wait_js(
        c,
        "document.querySelectorAll('#issues tbody tr a').length === 1",
        "the new issue is listed",
        log,
    );
    let file = js(
        c,
        "document.querySelector('#issues tbody tr a').textContent",
        log,
    );
    let file = file.as_str().unwrap().to_string();
    js(
        c,
        "document.querySelector('#issues tbody tr a').click()",
        log,
    );
    wait_js(
        c,
        "!document.getElementById('editor').hidden",
        "the form opens",
        log,
    );
    settled(c, log);
    js(c, HELPERS, log);

    // The masthead: the series' values shown as such, then overridden.
    let name = js(c, "JSON.stringify([T.q('bulletin.name').value, T.q('bulletin.name').placeholder, !T.q('bulletin.name').parentElement.querySelector('.series').hidden])", log);
    assert_eq!(
        name, "[\"\",\"工作简报\",true]",
        "the series' name shows as such"
    );
    js(c, "T.set('bulletin.name', '安全生产简报')", log);
    js(c, "T.set('issue.copy', '12')", log);
    js(c, "T.set('issue.classification', '秘密')", log);
    js(c, "T.set('issue.urgency', '特急')", log);
    settled(c, log);

    // 2. Two columns (the template's removed first) and three articles.
    while js(
        c,
        "document.querySelectorAll('#form fieldset.column').length",
        log,
    ) != 0
    {
        js(c, "T.click('#form fieldset.column', '删除栏目')", log);
    }
    if js(
        c,
        "document.querySelectorAll('#form fieldset.article').length",
        log,
    ) != 0
    {
        // Articles without columns in the template: taken out too.
        while js(
            c,
            "document.querySelectorAll('#form fieldset.article').length",
            log,
        ) != 0
        {
            js(c, "T.click('#form fieldset.article', '删除文章')", log);
        }
    }
    js(c, "T.click('#form', '添加栏目')", log);
    js(c, "T.click('#form', '添加栏目')", log);
    js(c, "T.set('columns.0.name', '工作动态')", log);
    js(c, "T.set('columns.1.name', '现场检查')", log);
    // Article 1: its body pasted from Word.
    js(
        c,
        "T.set('columns.0.articles.0.title', '全市安全生产形势总体平稳')",
        log,
    );
    let word = std::fs::read_to_string(root().join("tests/data/edit/word-clipboard.html")).unwrap();
    js(
        c,
        &format!(
            "T.paste(T.q('columns.0.articles.0.body'), 'text/html', {})",
            serde_json::to_string(&word).unwrap()
        ),
        log,
    );
    wait_js(
        c,
        "T.q('columns.0.articles.0.body.0.text') !== null",
        "the pasted passage is in the form",
        log,
    );
    let pasted = js(c, "JSON.stringify({ text: T.q('columns.0.articles.0.body.0.text').value, items: T.q('columns.0.articles.0.body.1.items') && T.q('columns.0.articles.0.body.1.items').value, cell: T.q('columns.0.articles.0.body.2.rows.0.0') && T.q('columns.0.articles.0.body.2.rows.0.0').value })", log);
    let pasted: Value = serde_json::from_str(pasted.as_str().unwrap()).unwrap();
    assert!(
        pasted["text"].as_str().unwrap().starts_with("一、总体情况\n\n今年以来，全市各级各部门认真贯彻落实安全生产工作部署，安全形势总体平稳。1至6月"),
        "paragraphs and a heading from Word, the wrapped line joined: {pasted}"
    );
    assert_eq!(
        pasted["items"], "压实企业主体责任\n强化执法检查力度",
        "a list: {pasted}"
    );
    assert_eq!(pasted["cell"], "丰县", "a table: {pasted}");
    // Article 2: a table pasted as TSV.
    js(
        c,
        "T.click('#form fieldset.column[data-column=\"0\"]', '添加文章')",
        log,
    );
    js(
        c,
        "T.set('columns.0.articles.1.title', '各县区事故情况')",
        log,
    );
    js(
        c,
        "T.click('#form [data-article=\"columns.0.articles.1\"]', '添加表格')",
        log,
    );
    js(c, "T.paste('#form [data-article=\"columns.0.articles.1\"] .paste-table', 'text/plain', '县（区）\\t事故起数\\t同比\\n丰县\\t3\\t-25%\\n沛县\\t5\\t-10%\\n')", log);
    wait_js(c, "T.q('columns.0.articles.1.body.0.rows.1.2') !== null && T.q('columns.0.articles.1.body.0.rows.1.2').value === '-10%'", "the TSV table is in the form", log);
    js(
        c,
        "T.set('columns.0.articles.1.body.0.caption', '表1 各县区事故情况')",
        log,
    );
    // Article 3: a figure, its image chosen from disk.
    js(
        c,
        "T.set('columns.1.articles.0.title', '检查组深入企业开展督查')",
        log,
    );
    js(
        c,
        "T.set('columns.1.articles.0.body', '检查组深入一线，督促企业落实整改。')",
        log,
    );
    js(
        c,
        "T.click('#form [data-article=\"columns.1.articles.0\"]', '添加图片')",
        log,
    );
    let doc = c.call("DOM.getDocument", serde_json::json!({})).unwrap();
    let input = c
        .call(
            "DOM.querySelector",
            serde_json::json!({"nodeId": doc["root"]["nodeId"], "selector": "#form [data-article=\"columns.1.articles.0\"] input[type=file]"}),
        )
        .unwrap();
    c.call(
        "DOM.setFileInputFiles",
        serde_json::json!({"nodeId": input["nodeId"], "files": [photo_src.display().to_string()]}),
    )
    .unwrap();
    wait_js(c, "T.q('columns.1.articles.0.body.1.image') !== null && T.q('columns.1.articles.0.body.1.image').value === 'images/site.png'", "the image is copied into the folder", log);
    assert_eq!(
        std::fs::read(dir.path().join("images/site.png")).unwrap(),
        std::fs::read(&photo_src).unwrap()
    );
    js(
        c,
        "T.set('columns.1.articles.0.body.1.caption', '图1 检查现场')",
        log,
    );
    js(
        c,
        "T.set('columns.1.articles.0.body.1.width', '100mm')",
        log,
    );
    js(c, "T.set('footer.editor', '张三')", log);
    settled(c, log);

    // 3. Two articles reordered by dragging: the table's article first.
    js(c, "T.drag('#form [data-article=\"columns.0.articles.1\"] .handle', '#form [data-article=\"columns.0.articles.0\"]')", log);
    settled(c, log);
    let titles = js(
        c,
        "T.q('columns.0.articles.0.title').value + '|' + T.q('columns.0.articles.1.title').value",
        log,
    );
    assert_eq!(titles, "各县区事故情况|全市安全生产形势总体平稳");

    // 4. A warning at its field (an ASCII comma in a title), fixed there.
    js(
        c,
        "T.set('columns.1.articles.0.title', '检查组深入企业,开展督查')",
        log,
    );
    settled(c, log);
    let at = js(
        c,
        "JSON.stringify(T.problems('columns.1.articles.0.title'))",
        log,
    );
    assert!(
        at.as_str().unwrap().contains("提示") && at.as_str().unwrap().contains(','),
        "the warning shows at the title: {at}\n{}",
        js(c, "document.getElementById('problems').textContent + ' | ' + document.getElementById('render-error').textContent + ' | ' + Array.from(document.querySelectorAll('#form .problem')).map(p => p.parentElement.dataset.path + ': ' + p.textContent).join(' / ')", log)
    );
    js(
        c,
        "T.set('columns.1.articles.0.title', '检查组深入企业，开展督查')",
        log,
    );
    settled(c, log);
    assert_eq!(
        js(
            c,
            "JSON.stringify(T.problems('columns.1.articles.0.title'))",
            log
        ),
        "[]"
    );
    // Undo: a change, taken back.
    std::thread::sleep(Duration::from_millis(1100));
    js(c, "T.set('footer.phone', '0516-1234')", log);
    settled(c, log);
    js(c, "document.getElementById('undo').click()", log);
    settled(c, log);
    assert_eq!(
        js(
            c,
            "T.q('footer.phone').value + '|' + T.q('footer.editor').value",
            log
        ),
        "|张三"
    );
    let general = js(c, "document.getElementById('problems').textContent + document.getElementById('render-error').textContent", log);
    assert_eq!(general, "", "no error, no problem left");

    // 5. Save.
    js(c, "document.getElementById('save').click()", log);
    wait_js(
        c,
        "!!document.body.dataset.saved",
        "the issue is saved",
        log,
    );
    assert_eq!(
        js(c, "document.getElementById('state').textContent", log),
        "已保存"
    );
    let shown = js(c, "T.pagesText()", log).as_str().unwrap().to_string();
    // For docs/editor-issue.png: the form at the articles, a page beside.
    js(c, "document.querySelector('#form [data-article=\"columns.0.articles.1\"]').scrollIntoView(); document.getElementById('form').scrollTop -= 40; true", log);
    shot(c, "editor-issue.png", 1400, 900);

    let path = dir.path().join(&file);
    let saved = std::fs::read_to_string(&path).unwrap();
    for want in [
        "name = \"安全生产简报\"",
        "copy = 12",
        "classification = \"秘密\"",
        "urgency = \"特急\"",
        "name = \"工作动态\"",
        "image = \"images/site.png\"",
        "width = \"100mm\"",
        "\"-10%\"",
        "editor = \"张三\"",
        "items = [",
    ] {
        assert!(saved.contains(want), "{want} in the saved file:\n{saved}");
    }
    assert!(
        saved.starts_with("#:schema"),
        "the template's comments are kept:\n{saved}"
    );
    let check = Command::new(BIN)
        .arg("check")
        .arg(&path)
        .arg("--no-system-fonts")
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "check: {}\n{saved}",
        String::from_utf8_lossy(&check.stderr)
    );
    let pdf = dir.path().join("out.pdf");
    let render = Command::new(BIN)
        .arg(&path)
        .arg("-o")
        .arg(&pdf)
        .arg("--no-system-fonts")
        .output()
        .unwrap();
    assert!(
        render.status.success(),
        "render: {}",
        String::from_utf8_lossy(&render.stderr)
    );
    let printed = crate::common::pdf_text_compact(&pdf);
    // The same characters, each as often (pdftotext may read a table's
    // right-aligned number after the next line), and every line the
    // editor's pages showed is in the PDF as it was.
    let sorted = |s: &str| {
        let mut v: Vec<char> = s.chars().collect();
        v.sort_unstable();
        v
    };
    assert_eq!(
        sorted(&compact(&shown)),
        sorted(&printed),
        "the saved file renders the text the editor showed\neditor: {}\nPDF:    {printed}",
        compact(&shown)
    );
    for line in shown
        .lines()
        .map(compact)
        .filter(|l| l.chars().count() >= 2)
    {
        assert!(
            printed.contains(&line),
            "{line:?} of the editor's pages is not in the PDF: {printed}"
        );
    }
    for want in [
        "安全生产简报",
        "各县区事故情况",
        "压实企业主体责任",
        "沛县",
        "图1检查现场",
    ] {
        assert!(printed.contains(want), "{want} in the PDF: {printed}");
    }

    // User text is never HTML: a title written as markup shows as text in
    // the form, its warnings and the pages, and runs nothing.
    js(
        c,
        "T.set('columns.1.articles.0.title', '<img src=x onerror=window.__xss=1>标题,')",
        log,
    );
    settled(c, log);
    let xss = js(
        c,
        "String(window.__xss) + '|' + document.querySelectorAll('#form img, #problems img').length + '|' + T.problems('columns.1.articles.0.title').join('').includes('<img src=x') + '|' + T.pagesText().includes('<img src=x')",
        log,
    );
    assert_eq!(xss, "undefined|0|true|true", "markup in a title");
}

/// The file changed on disk while it was edited: the save is refused, the
/// page shows both versions, and taking theirs then undoing keeps both
/// edits (theirs under mine).
#[test]
fn a_change_on_disk_is_never_lost() {
    let dir = tempfile::tempdir().unwrap();
    let reference = std::fs::read_to_string(root().join("examples/issue-363.toml")).unwrap();
    let path = dir.path().join("issue-363.toml");
    std::fs::write(&path, &reference).unwrap();
    let e = start(dir.path());
    let url = format!("http://127.0.0.1:{}/?token={}", e.port, e.token);
    let log = &e._proc;
    let (_browser, _profile, mut cdp) = open_browser(&url);
    let c = &mut cdp;
    wait_js(
        c,
        "document.querySelectorAll('#issues tbody tr a').length === 1",
        "the list",
        log,
    );
    js(
        c,
        "document.querySelector('#issues tbody tr a').click()",
        log,
    );
    wait_js(
        c,
        "!document.getElementById('editor').hidden",
        "the form opens",
        log,
    );
    settled(c, log);
    js(c, HELPERS, log);
    js(
        c,
        "T.set('columns.0.articles.0.title', '冲突测试：我的标题')",
        log,
    );
    settled(c, log);
    // Meanwhile, on disk.
    let theirs = format!("{reference}\n# edited elsewhere\n");
    std::fs::write(&path, &theirs).unwrap();
    js(c, "document.getElementById('save').click()", log);
    wait_js(
        c,
        "!document.getElementById('conflict').hidden",
        "the conflict is shown",
        log,
    );
    let versions = js(c, "document.getElementById('conflict-mine').textContent.includes('冲突测试：我的标题') + '|' + document.getElementById('conflict-theirs').textContent.includes('# edited elsewhere')", log);
    assert_eq!(versions, "true|true", "both versions are shown");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        theirs,
        "nothing written"
    );
    shot(c, "editor-conflict.png", 1400, 700);
    // Take theirs, then undo: my title on their file.
    js(c, "document.getElementById('take-theirs').click()", log);
    wait_js(c, "document.getElementById('conflict').hidden && T.q('columns.0.articles.0.title') && T.q('columns.0.articles.0.title').value.startsWith('中央政治局')", "theirs is loaded", log);
    settled(c, log);
    js(c, "document.getElementById('undo').click()", log);
    settled(c, log);
    assert_eq!(
        js(c, "T.q('columns.0.articles.0.title').value", log),
        "冲突测试：我的标题"
    );
    js(c, "document.getElementById('save').click()", log);
    wait_js(c, "!!document.body.dataset.saved", "saved", log);
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(
        saved.contains("# edited elsewhere"),
        "theirs kept:\n{saved}"
    );
    assert!(
        saved.contains("title = \"冲突测试：我的标题\""),
        "mine kept:\n{saved}"
    );
    assert_eq!(
        saved,
        theirs.replacen(
            "title = \"中央政治局常委会研究加强新型冠状病毒感染的肺炎疫情防控工作\"",
            "title = \"冲突测试：我的标题\"",
            1
        ),
        "only the title changed"
    );
}
