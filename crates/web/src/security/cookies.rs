//! The two cookies: the session, and the pre-login token that protects the login form.

use axum::http::{HeaderMap, HeaderValue, header};

pub const SESSION: &str = "duban_session";
/// Double-submit token for the login form, before any session exists.
pub const LOGIN: &str = "duban_login";

/// The value of a cookie from the request, if present.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The session cookie: HttpOnly, SameSite=Lax so links from the office's OA still open
/// the page logged in, Secure when served over HTTPS.
pub fn session(token: &str, secure: bool) -> HeaderValue {
    build(SESSION, token, "Lax", secure, None)
}

pub fn clear_session(secure: bool) -> HeaderValue {
    build(SESSION, "", "Lax", secure, Some(0))
}

/// Strict: the login form's token is never needed on a cross-site request.
pub fn login_token(token: &str, secure: bool) -> HeaderValue {
    build(LOGIN, token, "Strict", secure, Some(3600))
}

fn build(
    name: &str,
    value: &str,
    same_site: &str,
    secure: bool,
    max_age: Option<u32>,
) -> HeaderValue {
    let path = crate::site::cookie_path();
    let mut s = format!("{name}={value}; Path={path}; HttpOnly; SameSite={same_site}");
    if let Some(age) = max_age {
        s.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        s.push_str("; Secure");
    }
    // Names and values are ASCII hex made here, so this cannot fail; fall back to a
    // harmless empty cookie rather than panic.
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("duban_invalid=; Path=/"))
}

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_cookie_among_many() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; duban_session=abc ; b=2"),
        );
        assert_eq!(get(&h, SESSION).as_deref(), Some("abc"));
        assert_eq!(get(&h, "c"), None);
    }

    #[test]
    fn session_cookie_flags() {
        let v = session("t", true);
        let s = v.to_str().expect("ascii");
        assert!(s.contains("HttpOnly") && s.contains("SameSite=Lax") && s.contains("Secure"));
        assert!(
            !session("t", false)
                .to_str()
                .expect("ascii")
                .contains("Secure")
        );
    }
}
