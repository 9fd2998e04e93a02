//! Errors: [`WebError`] for starting the service, [`PageError`] and [`ApiError`] for
//! requests (the same causes rendered as an HTML page or as JSON).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use duban_store::StoreError;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("数据库：{0}")]
    Store(#[from] StoreError),
    #[error("无法监听 {addr}：{source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("模板错误：{0}")]
    Template(#[from] minijinja::Error),
    #[error("演示数据：{0}")]
    Demo(String),
    #[error("催办提醒配置：{0}")]
    Notify(String),
    #[error("配置：{0}")]
    Config(String),
}

/// What went wrong in a request, independent of how it is shown.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("未找到该页面或记录")]
    NotFound,
    #[error("无权访问")]
    Forbidden,
    /// 403 with the reason and what to do instead.
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    #[error("服务器内部错误")]
    Internal(String),
}

impl Failure {
    pub fn status(&self) -> StatusCode {
        match self {
            Failure::NotFound => StatusCode::NOT_FOUND,
            Failure::Forbidden | Failure::Refused(_) => StatusCode::FORBIDDEN,
            Failure::BadRequest(_) => StatusCode::BAD_REQUEST,
            Failure::Conflict(_) => StatusCode::CONFLICT,
            Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => Failure::NotFound,
            StoreError::Invalid(m) | StoreError::Constraint(m) => Failure::BadRequest(m),
            StoreError::Forbidden(m) => Failure::Refused(m),
            // The content the listing promises is not there: said plainly, not as a 500.
            StoreError::FileBroken(m) => Failure::Conflict(m),
            e @ (StoreError::DuplicateImport { .. } | StoreError::Conflict { .. }) => {
                Failure::Conflict(e.to_string())
            }
            other => Failure::Internal(other.to_string()),
        }
    }
}

impl From<minijinja::Error> for Failure {
    fn from(e: minijinja::Error) -> Self {
        Failure::Internal(format!("模板：{e:#}"))
    }
}

/// A failure shown as a page.
#[derive(Debug)]
pub struct PageError(pub Failure);

impl<E: Into<Failure>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let Failure::Internal(detail) = &self.0 {
            eprintln!("duban-web: {detail}");
        }
        let status = self.0.status();
        (status, Html(error_page(status, &self.0.to_string()))).into_response()
    }
}

/// A failure shown as JSON `{"error": "…"}`.
#[derive(Debug)]
pub struct ApiError(pub Failure);

impl<E: Into<Failure>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Failure::Internal(detail) = &self.0 {
            eprintln!("duban-web: {detail}");
        }
        let body = serde_json::json!({ "error": self.0.to_string() });
        (self.0.status(), Json(body)).into_response()
    }
}

/// A self-contained page: errors must render even when templates are what failed.
pub fn error_page(status: StatusCode, message: &str) -> String {
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{code} · 督办</title>\
         <link rel=\"stylesheet\" href=\"{style}\"></head><body class=\"bare\">\
         <main class=\"card narrow\"><h1>{code}</h1><p>{msg}</p><p><a href=\"{home}\">返回首页</a></p></main></body></html>",
        style = crate::routes::assets::style_url(),
        home = crate::site::url("/"),
        code = status.as_u16(),
        msg = crate::views::charts::escape(message),
    )
}
