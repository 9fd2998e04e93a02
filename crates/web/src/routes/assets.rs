//! The stylesheet, served under a name that carries its content hash so browsers may keep it
//! for a year: a new build with a changed stylesheet links a new name.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const STYLE: &str = include_str!("../../assets/style.css");

/// "style.3f2a9c1d0b7e.css": the first 12 hex digits of the stylesheet's SHA-256.
static STYLE_NAME: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(STYLE.as_bytes());
    format!("style.{}.css", &hex::encode(digest)[..12])
});

/// The path pages link the stylesheet by.
pub fn style_url() -> String {
    crate::site::url(&format!("/assets/{}", *STYLE_NAME))
}

pub async fn asset(Path(file): Path<String>) -> Response {
    let cache = if file == *STYLE_NAME {
        "public, max-age=31536000, immutable"
    } else if file == "style.css" {
        "public, max-age=3600"
    } else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, cache),
        ],
        STYLE,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_follows_the_content() {
        let url = style_url();
        assert!(
            url.starts_with("/assets/style.") && url.ends_with(".css"),
            "{url}"
        );
        assert_eq!(url.len(), "/assets/style.".len() + 12 + ".css".len());
    }
}
