//! The live preview of `watch --serve`: one HTML page, replaced after each
//! render, and an event stream (`/__events`, Server-Sent Events) that tells
//! every open page to reload.
//!
//! The page is an immutable snapshot (`Bytes`, shared): answering a client
//! clones a reference, so no lock is held while a page is written out, and a
//! client that never reads holds up no one. The event streams wait on a
//! `tokio::sync::watch` channel: a task each, no thread.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::stream::{self, Stream};
use tokio::sync::watch;

use crate::{escape_html, nonce, KEEP_ALIVE};

/// One version of the page.
#[derive(Clone)]
struct Page {
    version: u64,
    html: Bytes,
    /// The nonce of the page's one script (its Content-Security-Policy
    /// allows no other).
    nonce: Arc<str>,
}

/// The page to serve; [`Preview::set_html`] replaces it and reloads the
/// open pages.
#[derive(Clone)]
pub struct Preview {
    tx: Arc<watch::Sender<Page>>,
}

/// The page shown until the first render is done.
pub fn placeholder_html(title: &str) -> String {
    let title = escape_html(title);
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Waiting for {title}</title>\n<style>\n\
         body {{ display: flex; justify-content: center; align-items: center; min-height: 90vh;\n\
           color: #565565; background: #eff0f3; font-family: sans-serif; }}\n\
         </style>\n</head>\n<body>\n<main id=\"placeholder\">\n\
         <p>Waiting for the first render of <code>{title}</code>…</p>\n</main>\n</body>\n</html>\n"
    )
}

fn with_script(html: &str, version: u64, nonce: &str) -> String {
    // `since`: a page that was replaced between its load and the start of
    // its event stream is told at once.
    let script = format!(
        "<script nonce=\"{nonce}\">new EventSource(\"/__events?since={version}\")\
         .addEventListener(\"reload\", () => location.reload());</script>\n"
    );
    let at = html.rfind("</body>").unwrap_or(html.len());
    let mut out = String::with_capacity(html.len() + script.len());
    out.push_str(&html[..at]);
    out.push_str(&script);
    out.push_str(&html[at..]);
    out
}

fn page(version: u64, html: &str) -> Page {
    let nonce: Arc<str> = nonce().into();
    Page {
        version,
        html: Bytes::from(with_script(html, version, &nonce)),
        nonce,
    }
}

impl Preview {
    /// A preview that shows the placeholder for `title` (the file name,
    /// escaped) until the first [`Preview::set_html`].
    pub fn new(title: &str) -> Preview {
        let (tx, _) = watch::channel(page(0, &placeholder_html(title)));
        Preview { tx: Arc::new(tx) }
    }

    /// Serves `html` from now on, and tells every open page to reload.
    pub fn set_html(&self, html: &str) {
        let version = self.tx.borrow().version + 1;
        self.tx.send_replace(page(version, html));
    }

    /// The routes: `/` (the page) and `/__events` (the reload events).
    pub fn router(&self) -> Router<()> {
        Router::new()
            .route("/", get(serve_page))
            .route("/__events", get(events))
            .with_state(self.clone())
    }
}

/// The Content-Security-Policy of a page whose one script has `nonce`:
/// nothing else runs, even if some text were taken as HTML.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'"
    )
}

async fn serve_page(State(p): State<Preview>) -> Response {
    // A clone of the snapshot; the channel's lock is released at once.
    let page = p.tx.borrow().clone();
    let mut r = page.html.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&content_security_policy(&page.nonce)) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    r
}

#[derive(serde::Deserialize)]
struct Since {
    since: Option<u64>,
}

async fn events(
    State(p): State<Preview>,
    Query(q): Query<Since>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut rx = p.tx.subscribe();
    let stale = q.since.is_some_and(|v| v != rx.borrow_and_update().version);
    let stream = stream::unfold((rx, stale), |(mut rx, stale)| async move {
        if !stale {
            // Ends the stream when the preview is gone.
            rx.changed().await.ok()?;
        }
        // The data is the new version: a browser dispatches no event whose
        // data is empty.
        let version = rx.borrow_and_update().version;
        let event = Event::default().event("reload").data(version.to_string());
        Some((Ok(event), (rx, false)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_placeholder_escapes_the_title() {
        let html = placeholder_html("<img src=x onerror=alert(1)>&\".toml");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;&amp;&quot;.toml"));
    }

    #[test]
    fn the_script_goes_before_the_end_of_the_body_with_its_nonce() {
        let p = page(7, "<html><body><p>x</p></body></html>");
        let html = std::str::from_utf8(&p.html).unwrap();
        let script = format!("<script nonce=\"{}\">", p.nonce);
        let at = html
            .find(&script)
            .expect("the script, with the page's nonce");
        assert!(at < html.find("</body>").unwrap());
        assert!(html.contains("/__events?since=7"));
        assert!(content_security_policy(&p.nonce).contains(&format!("'nonce-{}'", p.nonce)));
        // A new nonce for every page.
        assert_ne!(page(8, "").nonce, p.nonce);
    }

    #[test]
    fn set_html_bumps_the_version() {
        let p = Preview::new("a.toml");
        assert_eq!(p.tx.borrow().version, 0);
        p.set_html("<body></body>");
        p.set_html("<body></body>");
        assert_eq!(p.tx.borrow().version, 2);
    }
}
