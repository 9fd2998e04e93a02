use axum::extract::State;
use axum::http::StatusCode;

use crate::state::AppState;

/// `ok` only when the database answers too.
pub async fn healthz(State(app): State<AppState>) -> (StatusCode, &'static str) {
    match app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}
