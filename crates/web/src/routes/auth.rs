//! Logging in and out, and changing the password.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use duban_store::LoginOutcome;
use minijinja::context;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::auth::Attempt;
use crate::error::{Failure, PageError};
use crate::security::client::Client;
use crate::security::guard::MaybeUser;
use crate::security::{CurrentUser, cookies};
use crate::state::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextParam {
    next: Option<String>,
}

/// Only local paths, so the login form cannot be used to bounce users elsewhere.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

fn login_form(
    app: &AppState,
    client: &Client,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<&str>,
) -> Result<Response, PageError> {
    let token = cookies::random_token();
    let html = app.templates.page(
        "login.html",
        None,
        "login",
        context! { login_csrf => token, next, username, error },
    )?;
    let cookie = cookies::login_token(&token, client.https);
    Ok((status, [(header::SET_COOKIE, cookie)], html).into_response())
}

pub async fn login_page(
    State(app): State<AppState>,
    MaybeUser(user): MaybeUser,
    client: Client,
    Query(p): Query<NextParam>,
) -> Result<Response, PageError> {
    let next = safe_next(p.next.as_deref());
    if user.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    login_form(&app, &client, StatusCode::OK, &next, "", None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn login_submit(
    State(app): State<AppState>,
    client: Client,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let now = OffsetDateTime::now_utc();
    let next = safe_next(f.next.as_deref());
    let outcome =
        match crate::auth::login(&app, f.username.trim(), &f.password, &client.addr).await? {
            Attempt::Outcome(o) => o,
            Attempt::Refused(msg) => {
                return login_form(
                    &app,
                    &client,
                    StatusCode::FORBIDDEN,
                    &next,
                    &f.username,
                    Some(&msg),
                );
            }
        };
    match outcome {
        LoginOutcome::Ok(user) => {
            let s = app.store.create_session(user.id, now).await?;
            let target = if user.must_change {
                "/password".to_string()
            } else if next == "/" && user.role == duban_store::Role::Admin {
                // The office lands on what waits for it.
                "/todo".to_string()
            } else {
                next
            };
            let cookie = cookies::session(&s.token, client.https);
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&target)).into_response())
        }
        LoginOutcome::BadCredentials => login_form(
            &app,
            &client,
            StatusCode::UNAUTHORIZED,
            &next,
            &f.username,
            Some("用户名或密码错误。连续输错多次后，需等待片刻才能再试。"),
        ),
        LoginOutcome::Locked { until } => {
            let wait = (until - now).whole_seconds().max(1);
            let msg = format!("登录失败次数过多，已暂时锁定，请{wait}秒后再试。");
            login_form(
                &app,
                &client,
                StatusCode::LOCKED,
                &next,
                &f.username,
                Some(&msg),
            )
        }
    }
}

/// GET shows a confirmation: a link must never end a session by itself.
pub async fn logout_page(
    State(app): State<AppState>,
    MaybeUser(user): MaybeUser,
) -> Result<Response, PageError> {
    match user {
        Some(u) => Ok(app
            .templates
            .page("logout.html", Some(&u), "logout", context! {})?
            .into_response()),
        None => Ok(Redirect::to("/login").into_response()),
    }
}

pub async fn logout_submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    client: Client,
    CurrentUser(_): CurrentUser,
) -> Result<Response, PageError> {
    if let Some(token) = cookies::get(&headers, cookies::SESSION) {
        app.store.delete_session(&token).await?;
    }
    let clear = cookies::clear_session(client.https);
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response())
}

/// Directory accounts have no password here to change.
fn local_password_only(user: &duban_store::SessionUser) -> Result<(), PageError> {
    if user.directory {
        return Err(Failure::Refused(
            "目录账号（LDAP）的密码请在所在单位的目录服务中修改，本系统不保存该密码".into(),
        )
        .into());
    }
    Ok(())
}

pub async fn password_page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, PageError> {
    local_password_only(&user)?;
    let must = user.must_change;
    Ok(app
        .templates
        .page(
            "password.html",
            Some(&user),
            "password",
            context! { must, error => (), field => () },
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub async fn password_submit(
    State(app): State<AppState>,
    client: Client,
    CurrentUser(user): CurrentUser,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    local_password_only(&user)?;
    // The message goes beside the field it is about; passwords are never echoed back.
    let fail = |status: StatusCode, field: &str, msg: &str| -> Result<Response, PageError> {
        let html = app.templates.page(
            "password.html",
            Some(&user),
            "password",
            context! { must => user.must_change, error => msg, field },
        )?;
        Ok((status, html).into_response())
    };
    let mistake = StatusCode::UNPROCESSABLE_ENTITY;
    if f.new != f.confirm {
        return fail(mistake, "confirm", "两次输入的新密码不一致");
    }
    if f.new == f.current {
        return fail(mistake, "new", "新密码不能与原密码相同");
    }
    let now = OffsetDateTime::now_utc();
    match app
        .store
        .verify_login(&user.username, &f.current, now)
        .await?
    {
        LoginOutcome::Ok(_) => {}
        LoginOutcome::BadCredentials => return fail(mistake, "current", "原密码不正确"),
        LoginOutcome::Locked { .. } => {
            return fail(
                StatusCode::LOCKED,
                "current",
                "密码错误次数过多，请稍后再试",
            );
        }
    }
    if let Err(e) = app
        .store
        .set_password(user.user_id, &f.new, false, &user.username)
        .await
    {
        return match e {
            duban_store::StoreError::Invalid(m) => fail(mistake, "new", &m),
            other => Err(other.into()),
        };
    }
    // A new password ends every other session, and this one is replaced by a fresh token.
    app.store.delete_user_sessions(user.user_id).await?;
    let s = app.store.create_session(user.user_id, now).await?;
    let cookie = cookies::session(&s.token, client.https);
    let mut done = crate::flash::redirect("/", "password_changed");
    done.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(done)
}
