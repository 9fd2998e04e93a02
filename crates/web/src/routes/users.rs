//! Accounts, managed by the supervision office. Accounts made here must change their
//! password at first login: the admin who typed it should not keep knowing it.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_store::{NewUser, Role, SessionUser, StoreError, UnitId, UserId};
use minijinja::context;
use serde::Deserialize;

use crate::error::{Failure, PageError};
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::format::fmt_time;

pub async fn page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Html<String>, PageError> {
    render(&app, &user, None, None).await
}

async fn render(
    app: &AppState,
    user: &SessionUser,
    error: Option<String>,
    form: Option<&UserForm>,
) -> Result<Html<String>, PageError> {
    let units = app.store.units().await?;
    let users = app.store.list_users().await?;
    let users: Vec<_> = users
        .iter()
        .map(|u| {
            context! {
                id => u.id,
                username => u.username,
                display_name => u.display_name,
                role => u.role.label_zh(),
                unit => u.unit_id.and_then(|id| units.iter().find(|x| x.id == id)).map(|x| x.display()),
                must_change => u.must_change,
                locked => u.locked_until.is_some_and(|t| t > time::OffsetDateTime::now_utc()),
                failed => u.failed_count,
                created_at => fmt_time(u.created_at),
            }
        })
        .collect();
    let unit_options: Vec<_> = units
        .iter()
        .map(|u| context! { id => u.id, display => u.display() })
        .collect();
    let form = form.map(|f| {
        context! { username => f.username, display_name => f.display_name, role => f.role, unit_id => f.unit_id }
    });
    app.templates.page(
        "users.html",
        Some(user),
        "users",
        context! { users, units => unit_options, error, form },
    )
}

#[derive(Deserialize)]
pub struct UserForm {
    username: String,
    #[serde(default)]
    display_name: String,
    role: String,
    #[serde(default)]
    unit_id: String,
    password: String,
}

pub async fn create(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(f): Form<UserForm>,
) -> Result<Response, PageError> {
    let fail = |msg: String| async {
        let html = render(&app, &user, Some(msg), Some(&f)).await?;
        Ok::<Response, PageError>((StatusCode::BAD_REQUEST, html).into_response())
    };
    let Some(role) = Role::parse(&f.role) else {
        return fail("请选择角色".into()).await;
    };
    let unit_id = match (role, f.unit_id.trim()) {
        (Role::Unit, "") => return fail("单位账号必须选择所属单位".into()).await,
        (Role::Unit, id) => match id.parse::<i64>() {
            Ok(id) => Some(UnitId(id)),
            Err(_) => return fail("所属单位无效".into()).await,
        },
        _ => None,
    };
    let new = NewUser {
        username: f.username.clone(),
        display_name: f.display_name.trim().to_string(),
        role,
        unit_id,
        password: f.password.clone(),
        must_change: true,
    };
    match app.store.create_user(&new, &user.username).await {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(StoreError::Invalid(m) | StoreError::Constraint(m)) => fail(m).await,
        Err(e) => Err(e.into()),
    }
}

fn user_id(id: &str) -> Result<UserId, PageError> {
    id.parse::<i64>()
        .map(UserId)
        .map_err(|_| PageError(Failure::NotFound))
}

/// Lifts the login delay on an account and clears its count of wrong passwords.
pub async fn unlock(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    app.store.unlock_user(user_id(&id)?, &user.username).await?;
    Ok(Redirect::to("/admin/users").into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
}

/// Sets a temporary password the user must change at the next login, lifts any delay and
/// ends the user's sessions.
pub async fn reset_password(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<ResetForm>,
) -> Result<Response, PageError> {
    let target = user_id(&id)?;
    match app
        .store
        .set_password(target, &f.password, true, &user.username)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Invalid(m) | StoreError::Constraint(m)) => {
            let html = render(&app, &user, Some(format!("重置密码失败：{m}")), None).await?;
            return Ok((StatusCode::BAD_REQUEST, html).into_response());
        }
        Err(e) => return Err(e.into()),
    }
    app.store.delete_user_sessions(target).await?;
    Ok(Redirect::to("/admin/users").into_response())
}
