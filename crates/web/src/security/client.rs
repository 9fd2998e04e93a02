//! The client address a login attempt is counted against.
//!
//! The peer address of the connection, or — behind a reverse proxy that says so
//! (`Config::client_ip_header`, e.g. `X-Forwarded-For` or `X-Real-IP`) — the last address in
//! that header, which is the one the proxy itself saw. The header is never trusted unless
//! configured: a client could otherwise pick a fresh address for every guess.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::state::AppState;

pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let from_header = app.config.client_ip_header.as_deref().and_then(|name| {
            let v = parts.headers.get(name)?.to_str().ok()?;
            let last = v.rsplit(',').next()?.trim();
            last.parse::<std::net::IpAddr>()
                .ok()
                .map(|ip| ip.to_string())
        });
        let peer = || {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
        };
        Ok(ClientAddr(from_header.or_else(peer).unwrap_or_default()))
    }
}
