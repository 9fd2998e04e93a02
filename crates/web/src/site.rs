//! Serving under a base path (`--base-path /duban`) behind a reverse proxy.
//!
//! The routes stay written from `/`: one wrapper around the whole router strips the base
//! path from each request (anything outside it is 404), makes it known to everything that
//! writes URLs during the request (templates as `base`, the stylesheet link, error pages,
//! cookie paths), and puts it in front of every local redirect, so no handler needs to know.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{Failure, PageError};

tokio::task_local! {
    static BASE: Arc<str>;
}

/// The base path of the request being served ("" at the root, else `/duban`).
pub fn base() -> String {
    BASE.try_with(|b| b.to_string()).unwrap_or_default()
}

/// A service-local path (`/tasks/3`) as the browser must ask for it.
pub fn url(path: &str) -> String {
    format!("{}{path}", base())
}

/// The `Path` attribute of the service's cookies.
pub fn cookie_path() -> String {
    let b = base();
    if b.is_empty() { "/".into() } else { b }
}

/// The wrapper: `base` is normalised (`/duban`, never a trailing slash, never empty here).
pub async fn serve_under(State(base): State<Arc<str>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let rest = if path == &*base {
        Some("/".to_string())
    } else {
        path.strip_prefix(&*base)
            .filter(|r| r.starts_with('/'))
            .map(str::to_string)
    };
    let Some(rest) = rest else {
        return BASE
            .scope(base, async { PageError(Failure::NotFound).into_response() })
            .await;
    };
    let pq = match req.uri().query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest,
    };
    match pq.parse::<Uri>() {
        Ok(uri) => *req.uri_mut() = uri,
        Err(_) => return PageError(Failure::NotFound).into_response(),
    }
    let mut res = BASE.scope(base.clone(), next.run(req)).await;
    // Handlers redirect to service-local paths; the browser needs them under the base.
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .filter(|l| l.starts_with('/') && !l.starts_with("//"))
        .and_then(|l| HeaderValue::from_str(&format!("{base}{l}")).ok());
    if let Some(l) = location {
        res.headers_mut().insert(header::LOCATION, l);
    }
    res
}
