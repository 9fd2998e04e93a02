//! API tokens on the account's own page: create (the secret shown once), list, revoke.
//! The office sees and may revoke every account's tokens.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use duban_store::{ApiToken, Revoker, Role, SessionUser, StoreError, TokenScope};
use minijinja::{Value, context};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::error::{Failure, PageError};
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::format::fmt_time;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: Option<String>,
}

pub async fn page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let notice = (q.done.as_deref() == Some("revoked")).then_some("令牌已撤销，立即失效。");
    render(&app, &user, StatusCode::OK, Shown::Notice(notice)).await
}

/// What the page says above the lists.
enum Shown<'a> {
    Notice(Option<&'a str>),
    Error(String, &'a TokenForm),
    /// The secret of the token just created, this one time.
    Created(String),
}

fn rows(tokens: &[ApiToken], now: OffsetDateTime) -> Vec<Value> {
    tokens
        .iter()
        .map(|t| {
            let state = if t.revoked_at.is_some() {
                "已撤销"
            } else if t.expires_at.is_some_and(|e| e <= now) {
                "已过期"
            } else {
                "有效"
            };
            context! {
                id => t.id,
                username => t.username,
                name => t.name,
                prefix => t.prefix,
                scope => t.scope.label_zh(),
                created_at => fmt_time(t.created_at),
                expires_at => t.expires_at.map(fmt_time),
                last_used => t.last_used.map(fmt_time),
                state,
                live => state == "有效",
            }
        })
        .collect()
}

async fn render(
    app: &AppState,
    user: &SessionUser,
    status: StatusCode,
    shown: Shown<'_>,
) -> Result<Response, PageError> {
    let now = OffsetDateTime::now_utc();
    let mine = rows(&app.store.tokens(Some(user.user_id)).await?, now);
    let all = if user.role == Role::Admin {
        let others: Vec<ApiToken> = app
            .store
            .tokens(None)
            .await?
            .into_iter()
            .filter(|t| t.user_id != user.user_id)
            .collect();
        Some(rows(&others, now))
    } else {
        None
    };
    let (notice, error, form, secret) = match shown {
        Shown::Notice(n) => (n, None, None, None),
        Shown::Error(e, f) => (
            None,
            Some(e),
            Some(context! { name => f.name, scope => f.scope, expires => f.expires }),
            None,
        ),
        Shown::Created(s) => (None, None, None, Some(s)),
    };
    let html = app.templates.page(
        "tokens.html",
        Some(user),
        "tokens",
        context! { mine, all, notice, error, form, secret },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
    /// The last day it works (YYYY-MM-DD, China Standard Time), or empty for no expiry.
    #[serde(default)]
    expires: String,
}

/// The end of `day` in China Standard Time.
fn end_of_day(day: time::Date) -> Option<OffsetDateTime> {
    let cst = time::UtcOffset::from_hms(8, 0, 0).ok()?;
    Some(
        day.with_hms(23, 59, 59)
            .ok()?
            .assume_offset(cst)
            .to_offset(time::UtcOffset::UTC),
    )
}

pub async fn create(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(f): Form<TokenForm>,
) -> Result<Response, PageError> {
    let fail = |msg: String| render(&app, &user, StatusCode::BAD_REQUEST, Shown::Error(msg, &f));
    let Some(scope) = TokenScope::parse(f.scope.trim()) else {
        return fail("请选择权限：只读或读写".into()).await;
    };
    let expires = match f.expires.trim() {
        "" => None,
        s => match duban_model::ymd_opt::parse(s).and_then(end_of_day) {
            Some(t) => Some(t),
            None => return fail(format!("有效期“{s}”不是有效日期（YYYY-MM-DD）")).await,
        },
    };
    match app
        .store
        .create_token(user.user_id, &f.name, scope, expires, &user.username)
        .await
    {
        Ok(created) => render(&app, &user, StatusCode::OK, Shown::Created(created.secret)).await,
        Err(StoreError::Invalid(m) | StoreError::Constraint(m)) => fail(m).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| Failure::NotFound)?;
    let by = if user.role == Role::Admin {
        Revoker::Admin
    } else {
        Revoker::Owner(user.user_id)
    };
    app.store.revoke_token(id, by, &user.username).await?;
    Ok(Redirect::to("/account/tokens?done=revoked").into_response())
}
