//! The stylesheet and the one script, served under names that carry their content hash so
//! browsers may keep them for a year: a new build with a changed file links a new name.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One public file: its plain name, its content type and its bytes.
struct Asset {
    stem: &'static str,
    ext: &'static str,
    content_type: &'static str,
    body: &'static str,
    /// "style.3f2a9c1d0b7e.css": the first 12 hex digits of the file's SHA-256.
    hashed: LazyLock<String>,
}

macro_rules! asset {
    ($stem:literal, $ext:literal, $type:literal) => {
        Asset {
            stem: $stem,
            ext: $ext,
            content_type: $type,
            body: include_str!(concat!("../../assets/", $stem, ".", $ext)),
            hashed: LazyLock::new(|| {
                let body = include_str!(concat!("../../assets/", $stem, ".", $ext));
                let digest = Sha256::digest(body.as_bytes());
                format!("{}.{}.{}", $stem, &hex::encode(digest)[..12], $ext)
            }),
        }
    };
}

static STYLE: Asset = asset!("style", "css", "text/css; charset=utf-8");
static SCRIPT: Asset = asset!("app", "js", "text/javascript; charset=utf-8");

/// The path pages link the stylesheet by.
pub fn style_url() -> String {
    crate::site::url(&format!("/assets/{}", *STYLE.hashed))
}

/// The path pages load the script from.
pub fn script_url() -> String {
    crate::site::url(&format!("/assets/{}", *SCRIPT.hashed))
}

pub async fn asset(Path(file): Path<String>) -> Response {
    for a in [&STYLE, &SCRIPT] {
        let cache = if file == *a.hashed {
            "public, max-age=31536000, immutable"
        } else if file.strip_suffix(a.ext).and_then(|s| s.strip_suffix('.')) == Some(a.stem) {
            // The plain name stays for anything linking it by hand; cached for an hour only.
            "public, max-age=3600"
        } else {
            continue;
        };
        return (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, cache),
            ],
            a.body,
        )
            .into_response();
    }
    StatusCode::NOT_FOUND.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_follow_the_content() {
        for (url, stem, ext) in [(style_url(), "style", "css"), (script_url(), "app", "js")] {
            let prefix = format!("/assets/{stem}.");
            assert!(
                url.starts_with(&prefix) && url.ends_with(&format!(".{ext}")),
                "{url}"
            );
            assert_eq!(url.len(), prefix.len() + 12 + 1 + ext.len());
        }
    }
}
