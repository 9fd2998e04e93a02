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

/// A message shown once above the accounts (a generated temporary password, or what an
/// action did).
#[derive(Default)]
struct Notice {
    error: Option<String>,
    done: Option<String>,
}

async fn render(
    app: &AppState,
    user: &SessionUser,
    error: Option<String>,
    form: Option<&UserForm>,
) -> Result<Html<String>, PageError> {
    render_with(app, user, Notice { error, done: None }, form).await
}

async fn render_with(
    app: &AppState,
    user: &SessionUser,
    notice: Notice,
    form: Option<&UserForm>,
) -> Result<Html<String>, PageError> {
    let Notice { error, done } = notice;
    let plan = crate::current::current_plan(app).await?;
    let without_account = match &plan {
        Some(p) => app.store.units_without_account(p.id).await?.len(),
        None => 0,
    };
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
                disabled => u.disabled_at.is_some(),
                failed => u.failed_count,
                created_at => fmt_time(u.created_at),
            }
        })
        .collect();
    let unit_options: Vec<_> = units
        .iter()
        .map(|u| context! { id => u.id, display => u.display() })
        .collect();
    // A failed new-account form: its message goes beside the field it is about.
    let error_field = form.and(error.as_deref()).map(|m| {
        crate::forms::field_for(
            m,
            &[
                ("密码", "password"),
                ("用户名", "username"),
                ("姓名", "display_name"),
                ("角色", "role"),
                ("单位", "unit_id"),
            ],
            "username",
        )
    });
    let form = form.map(|f| {
        context! { username => f.username, display_name => f.display_name, role => f.role, unit_id => f.unit_id }
    });
    app.templates.page(
        "users.html",
        Some(user),
        "users",
        context! { users, units => unit_options, error, error_field, done, form, without_account, has_plan => plan.is_some() },
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
        Ok::<Response, PageError>((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
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
        Ok(_) => {
            app.people.invalidate();
            Ok(Redirect::to("/admin/users").into_response())
        }
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
    #[serde(default)]
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
    // Left empty, the password is generated and shown once, on the page this answers with.
    let generated = f.password.is_empty().then(duban_store::generate_password);
    let password = generated.as_deref().unwrap_or(&f.password);
    match app
        .store
        .set_password(target, password, true, &user.username)
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
    let Some(password) = generated else {
        return Ok(Redirect::to("/admin/users").into_response());
    };
    let who = app
        .store
        .user(target)
        .await?
        .map(|u| u.username)
        .unwrap_or_default();
    let done = format!(
        "已为“{who}”生成临时密码：{password}（只显示这一次，请当面或电话告知；首次登录须修改）"
    );
    let notice = Notice {
        error: None,
        done: Some(done),
    };
    let html = render_with(&app, &user, notice, None).await?;
    // The page holds a password: no cache may keep it.
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], html).into_response())
}

/// Creates an account for every unit of the current plan that has none and answers with the
/// credentials sheet (.xlsx) at once: the passwords exist in clear only in this response.
pub async fn create_batch(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, PageError> {
    let Some(plan) = crate::current::current_plan(&app).await? else {
        let html = render(
            &app,
            &user,
            Some("尚未导入台账，没有可建账号的单位".into()),
            None,
        )
        .await?;
        return Ok((StatusCode::BAD_REQUEST, html).into_response());
    };
    let issued = app
        .store
        .create_unit_accounts(plan.id, &user.username)
        .await?;
    app.people.invalidate();
    if issued.is_empty() {
        let html = render(
            &app,
            &user,
            Some("本计划的单位都已有账号，无需批量创建".into()),
            None,
        )
        .await?;
        return Ok((StatusCode::BAD_REQUEST, html).into_response());
    }
    let rows: Vec<duban_docs::CredentialRow> = issued
        .into_iter()
        .map(|a| duban_docs::CredentialRow {
            unit: a.unit,
            name: a.display_name,
            username: a.username,
            password: a.password,
        })
        .collect();
    let login = login_url(&app);
    let bytes = duban_docs::credentials_xlsx(&rows, &login)
        .map_err(|e| Failure::Internal(format!("生成账号清单失败：{e}")))?;
    let name = format!("{}单位账号清单.xlsx", plan.name);
    Ok(crate::routes::downloads::file(
        bytes,
        crate::routes::downloads::XLSX,
        "accounts.xlsx",
        &name,
    ))
}

/// Where the sheet tells people to log in: the configured public address when there is one,
/// else the service's own path.
fn login_url(app: &AppState) -> String {
    let path = crate::site::url("/login");
    match &app.config.public_url {
        Some(u) => format!("{}{path}", u.trim_end_matches('/')),
        None => path,
    }
}

/// Disables an account: it can no longer log in or use its tokens; its sessions end.
pub async fn disable(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let target = user_id(&id)?;
    if target == user.user_id {
        let html = render(&app, &user, Some("不能停用自己正在使用的账号".into()), None).await?;
        return Ok((StatusCode::BAD_REQUEST, html).into_response());
    }
    app.store
        .set_user_disabled(target, true, &user.username)
        .await?;
    Ok(Redirect::to("/admin/users").into_response())
}

/// Enables a disabled account again.
pub async fn enable(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    app.store
        .set_user_disabled(user_id(&id)?, false, &user.username)
        .await?;
    Ok(Redirect::to("/admin/users").into_response())
}

#[derive(Deserialize)]
pub struct NameForm {
    display_name: String,
}

/// Sets an account's 姓名.
pub async fn rename(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<NameForm>,
) -> Result<Response, PageError> {
    match app
        .store
        .rename_user(user_id(&id)?, &f.display_name, &user.username)
        .await
    {
        Ok(()) => {
            app.people.invalidate();
            Ok(Redirect::to("/admin/users").into_response())
        }
        Err(StoreError::Invalid(m)) => {
            let html = render(&app, &user, Some(format!("修改姓名失败：{m}")), None).await?;
            Ok((StatusCode::BAD_REQUEST, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
