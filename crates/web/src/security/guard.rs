//! The one guard every route passes: it resolves the session, applies the route's
//! [`Access`], forces the password change, and checks the CSRF token of every
//! state-changing request before any handler runs.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use duban_store::{Role, SessionUser, TokenScope};
use time::OffsetDateTime;

use crate::error::{ApiError, Failure, PageError};
use crate::routes::Access;
use crate::security::client::Client;
use crate::security::cookies;
use crate::state::AppState;

/// The state the guard layer of one route carries: the app, and what that route needs.
#[derive(Clone)]
pub struct Guard {
    pub app: AppState,
    pub access: Access,
}

/// The logged-in user, put in the request by the guard; handlers of non-public routes
/// extract it.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub SessionUser);

/// The session user on a public route, if any (the login page, the logout confirmation).
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<SessionUser>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            // Only reachable if a route were declared public but used this extractor.
            .ok_or_else(|| StatusCode::UNAUTHORIZED.into_response())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(
            parts.extensions.get::<CurrentUser>().map(|u| u.0.clone()),
        ))
    }
}

pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf";

pub async fn guard(State(g): State<Guard>, req: Request, next: Next) -> Response {
    if g.access == Access::Anonymous {
        return next.run(req).await;
    }
    let api = req.uri().path().starts_with("/api/");
    let deny = |f: Failure| -> Response {
        if api {
            ApiError(f).into_response()
        } else {
            PageError(f).into_response()
        }
    };

    // `Authorization: Bearer` counts on the JSON API only: a page or form post never acts
    // for a token (forms stay behind the session and its CSRF token).
    let bearer = bearer_token(req.headers())
        .filter(|_| api && !matches!(g.access, Access::Public | Access::LoginForm));
    let page_view = !api && req.method() == Method::GET;
    let mut page_unread = None;
    let (user, token_scope) = match bearer {
        Some(secret) => {
            let client = Client::resolve(req.headers(), req.extensions(), &g.app.config);
            match g
                .app
                .store
                .token_user(&secret, &client.addr, OffsetDateTime::now_utc())
                .await
            {
                Ok(Some((u, scope))) => (Some(u), Some(scope)),
                Ok(None) => {
                    return (
                        StatusCode::UNAUTHORIZED,
                        axum::Json(serde_json::json!({"error": "API 令牌无效、已过期或已撤销"})),
                    )
                        .into_response();
                }
                Err(e) => return deny(e.into()),
            }
        }
        None => match cookies::get(req.headers(), cookies::SESSION) {
            // A page shows the unread count in its menu: read with the session, in one query.
            Some(token) => match g
                .app
                .store
                .session_with_unread(
                    &token,
                    OffsetDateTime::now_utc(),
                    g.app.config.session_limits(),
                    page_view,
                )
                .await
            {
                Ok(Some((u, unread))) => {
                    page_unread = page_view.then_some(unread);
                    (Some(u), None)
                }
                Ok(None) => (None, None),
                Err(e) => return deny(e.into()),
            },
            None => (None, None),
        },
    };

    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let (mut req, user) = match (g.access, user) {
        (Access::Public | Access::Anonymous, user) => (req, user),
        (Access::LoginForm, user) => {
            if unsafe_method {
                let expected = cookies::get(req.headers(), cookies::LOGIN);
                let limit = g.app.config.body_limit();
                match check_csrf(req, expected.as_deref(), limit).await {
                    Ok(r) => (r, user),
                    Err(resp) => return resp,
                }
            } else {
                (req, user)
            }
        }
        (_, None) => {
            return if api {
                (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(serde_json::json!({"error": "未登录或登录已过期"})),
                )
                    .into_response()
            } else if req.method() == Method::GET {
                let next = req
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                Redirect::to(&format!("/login?next={}", encode_query(next))).into_response()
            } else {
                Redirect::to("/login").into_response()
            };
        }
        (access, Some(u)) => {
            if u.must_change && access != Access::PasswordChange {
                return if api {
                    deny(Failure::Forbidden)
                } else {
                    Redirect::to("/password").into_response()
                };
            }
            if access == Access::Admin && u.role != Role::Admin {
                return deny(Failure::Forbidden);
            }
            if access == Access::Oversight && !matches!(u.role, Role::Admin | Role::Leader) {
                return deny(Failure::Forbidden);
            }
            if unsafe_method && let Some(scope) = token_scope {
                // A bearer request carries no cookie, so it cannot be forged across sites:
                // no CSRF token, but a read token never changes anything.
                if scope == TokenScope::Read {
                    return deny(Failure::Refused(
                        "只读令牌不能用于修改数据，请使用读写令牌".into(),
                    ));
                }
                (req, Some(u))
            } else if unsafe_method {
                match check_csrf(req, Some(&u.csrf), g.app.config.body_limit()).await {
                    Ok(r) => (r, Some(u)),
                    Err(resp) => return resp,
                }
            } else {
                (req, Some(u))
            }
        }
    };
    // Pages show the unread count in the navigation (read with the session above); the API
    // and form posts need none.
    let badge = match &user {
        Some(_) => page_unread.unwrap_or(0),
        None => 0,
    };
    // Pages name people, not accounts (see `people`); the API and form posts need no map.
    let people = match &user {
        Some(_) if !api => g
            .app
            .people
            .directory(&g.app.store)
            .await
            .unwrap_or_default(),
        _ => Default::default(),
    };
    // A success message from the action that redirected here: shown on this page once.
    let flash = (!api && req.method() == Method::GET)
        .then(|| cookies::get(req.headers(), crate::flash::COOKIE))
        .flatten();
    let shown = flash.as_deref().and_then(crate::flash::message);
    if let Some(u) = user {
        req.extensions_mut().insert(CurrentUser(u));
    }
    let mut res = crate::flash::FLASH
        .scope(
            shown,
            crate::people::PEOPLE.scope(people, UNREAD.scope(badge, next.run(req))),
        )
        .await;
    // Unless the response itself carries a new message (a GET that redirects with one).
    let sets_new = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(crate::flash::COOKIE.as_bytes()));
    if flash.is_some() && !sets_new {
        res.headers_mut()
            .append(header::SET_COOKIE, crate::flash::clear());
    }
    res
}

tokio::task_local! {
    /// The signed-in user's unread notifications for this request, for the nav's bell;
    /// the handler runs inside the guard's future, so templates can read it.
    pub static UNREAD: i64;
}

/// Passes the request on when it carries the expected token, as the `X-CSRF-Token` header
/// or as the `csrf` field of a urlencoded or multipart form (buffered, then restored).
async fn check_csrf(
    req: Request,
    expected: Option<&str>,
    limit: usize,
) -> Result<Request, Response> {
    let api = req_is_api(&req);
    let forbidden = || {
        let f = Failure::BadRequest("安全校验失败（CSRF），请刷新页面后重试".into());
        let mut r = if api {
            ApiError(f).into_response()
        } else {
            PageError(f).into_response()
        };
        *r.status_mut() = StatusCode::FORBIDDEN;
        r
    };
    let Some(expected) = expected.filter(|e| !e.is_empty()) else {
        return Err(forbidden());
    };
    if let Some(h) = req.headers().get(CSRF_HEADER) {
        return if constant_eq(h.as_bytes(), expected.as_bytes()) {
            Ok(req)
        } else {
            Err(forbidden())
        };
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            return Err((
                StatusCode::PAYLOAD_TOO_LARGE,
                PageError(Failure::BadRequest(format!(
                    "提交的内容超过上限 {} MB",
                    limit / (1024 * 1024)
                ))),
            )
                .into_response());
        }
    };
    let found = if content_type.starts_with("application/x-www-form-urlencoded") {
        form_field(&bytes, CSRF_FIELD)
    } else if content_type.starts_with("multipart/form-data") {
        multipart_field(&parts.headers, bytes.clone(), CSRF_FIELD).await
    } else {
        None
    };
    let req = Request::from_parts(parts, Body::from(bytes));
    match found {
        Some(t) if constant_eq(t.as_bytes(), expected.as_bytes()) => Ok(req),
        _ => Err(forbidden()),
    }
}

/// The secret of `Authorization: Bearer …`, if the request carries one.
fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = v.trim().split_once(' ')?;
    let secret = secret.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !secret.is_empty()).then(|| secret.to_string())
}

fn req_is_api(req: &Request) -> bool {
    req.uri().path().starts_with("/api/")
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_pairs(body)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Decodes `a=1&b=2` (with `+` and `%XX`), without pulling in a crate for it.
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut it = p.splitn(2, |b| *b == b'=');
            let k = it.next().unwrap_or_default();
            let v = it.next().unwrap_or_default();
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < s.len() => {
                let hex = std::str::from_utf8(&s[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn multipart_field(
    headers: &HeaderMap,
    bytes: axum::body::Bytes,
    name: &str,
) -> Option<String> {
    let mut probe = Request::new(Body::from(bytes));
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        probe.headers_mut().insert(header::CONTENT_TYPE, ct.clone());
    }
    let mut mp = Multipart::from_request(probe, &()).await.ok()?;
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Percent-encodes a path for the `next` parameter of the login redirect.
pub fn encode_query(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_pairs_decode() {
        let pairs = form_pairs(b"csrf=ab%2Fc&q=%E7%A7%91+x&bad=%G1&end=%");
        assert_eq!(pairs[0], ("csrf".into(), "ab/c".into()));
        assert_eq!(pairs[1], ("q".into(), "科 x".into()));
        assert_eq!(pairs[2].1, "%G1");
        assert_eq!(pairs[3].1, "%");
    }

    #[test]
    fn next_is_encoded() {
        assert_eq!(encode_query("/tasks?q=科"), "/tasks%3Fq%3D%E7%A7%91");
    }
}
