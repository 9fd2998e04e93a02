//! Extension requests (延期申请): a unit asks for a later date on a task (for one round or
//! the task itself) with a reason; the office approves or refuses with a note.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use duban_store::{
    Extension, ExtensionFilter, ExtensionId, ExtensionStatus, NewExtension, NewNotification, Role,
    RoundId, Scope, TaskId,
};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::current::current_plan;
use crate::error::{Failure, PageError};
use crate::forms::{Typed, field_for, mistake, task_page_again};
use crate::routes::review::local_path;
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::format::fmt_time;

pub fn extension_context(e: &Extension) -> Value {
    context! {
        id => e.id,
        task_id => e.task_id,
        task_text => e.task_text,
        round_name => e.round_name,
        unit_id => e.unit_id,
        unit_name => e.unit_name,
        requested_date => e.requested_date,
        reason => e.reason,
        status => e.status.as_str(),
        status_label => e.status.label_zh(),
        pending => e.status == ExtensionStatus::Pending,
        requested_by => e.requested_by,
        requested_at => fmt_time(e.requested_at),
        decided_by => e.decided_by,
        decided_at => e.decided_at.map(fmt_time),
        decision_note => e.decision_note,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequestForm {
    /// Empty: the task's own deadline.
    round: String,
    requested_date: String,
    reason: String,
    back: String,
}

pub async fn request(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(task): Path<String>,
    Form(f): Form<RequestForm>,
) -> Result<Response, PageError> {
    // Requests come from the unit that owes the work, never from the office or leaders.
    let unit = match (user.role, user.unit_id) {
        (Role::Unit, Some(u)) => u,
        _ => return Err(Failure::Forbidden.into()),
    };
    let task: TaskId = task.parse().map_err(|_| Failure::NotFound)?;
    if !app.store.task_in_scope(task, &Scope::Unit(unit)).await? {
        return Err(Failure::NotFound.into());
    }
    let again = |field: &'static str, msg: String| {
        Typed::new("extension", field, msg)
            .with("round", &f.round)
            .with("requested_date", &f.requested_date)
            .with("reason", &f.reason)
    };
    let round = match f.round.trim() {
        "" => None,
        r => match r.parse::<RoundId>() {
            Ok(r) => Some(r),
            Err(_) => {
                let t = again("round", "填报轮次无效，请从列表中选择".into());
                return task_page_again(&app, &user, task, t).await;
            }
        },
    };
    if let Err(e) = app
        .store
        .request_extension(
            &NewExtension {
                task,
                round,
                unit,
                requested_date: f.requested_date.trim().to_string(),
                reason: f.reason.clone(),
            },
            &user.username,
        )
        .await
    {
        let m = mistake(e)?;
        let field = field_for(
            &m,
            &[
                ("日期", "requested_date"),
                ("延期至", "requested_date"),
                ("轮次", "round"),
            ],
            "reason",
        );
        return task_page_again(&app, &user, task, again(field, m)).await;
    }
    let fallback = format!("/tasks/{task}#extensions");
    Ok(crate::flash::redirect(
        &local_path(&f.back, fallback),
        "extension_requested",
    ))
}

/// The office's list: pending requests first (oldest first, as a queue), then the latest
/// decisions.
pub async fn list(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Html<String>, PageError> {
    render_list(&app, &user, None).await
}

/// The list; `typed` is a decision that failed (a refusal without a note), kept.
async fn render_list(
    app: &AppState,
    user: &duban_store::SessionUser,
    typed: Option<Value>,
) -> Result<Html<String>, PageError> {
    let (app, user) = (app.clone(), user.clone());
    let Some(plan) = current_plan(&app).await? else {
        return app.templates.page(
            "extensions.html",
            Some(&user),
            "extensions",
            context! { pending => Vec::<Value>::new(), decided => Vec::<Value>::new() },
        );
    };
    let all = app
        .store
        .extensions(
            &ExtensionFilter {
                plan: Some(plan.id),
                ..ExtensionFilter::default()
            },
            &Scope::All,
        )
        .await?;
    let (pending, decided) = crate::views::pending_and_decided(
        &all,
        |e| e.status == ExtensionStatus::Pending,
        extension_context,
    );
    app.templates.page(
        "extensions.html",
        Some(&user),
        "extensions",
        context! { pending, decided, typed },
    )
}

/// An office decision as posted: `approve` or `refuse`.
pub fn approves(decision: &str) -> Result<bool, Failure> {
    match decision {
        "approve" => Ok(true),
        "refuse" => Ok(false),
        _ => Err(Failure::BadRequest("请选择同意或不同意".into())),
    }
}

/// The office's decision on a request (extension or close-out): approve or refuse, and
/// a note (required by the store for a refusal).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecideForm {
    /// `approve` or `refuse`.
    pub decision: String,
    pub note: String,
}

impl DecideForm {
    /// Whether the office approves; anything but the two buttons' values is refused.
    pub fn approve(&self) -> Result<bool, Failure> {
        approves(&self.decision)
    }
}

pub async fn decide(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Result<Response, PageError> {
    let id: ExtensionId = id.parse().map_err(|_| Failure::NotFound)?;
    let approve = approves(&f.decision)?;
    let e = match app
        .store
        .decide_extension(id, approve, &f.note, &user.username)
        .await
    {
        Ok(e) => e,
        Err(err) => {
            let t = Typed::new("decide", "note", mistake(err)?)
                .with("id", &id.to_string())
                .with("note", &f.note);
            let html = render_list(&app, &user, Some(t.context())).await?;
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
        }
    };
    let note = e.decision_note.clone().unwrap_or_default();
    app.store
        .notify(
            &NewNotification {
                user: None,
                unit: Some(e.unit_id),
                kind: "extension.decided".into(),
                subject: format!("延期申请（至{}）{}", e.requested_date, e.status.label_zh()),
                body: note,
                link: Some(format!("/tasks/{}#extensions", e.task_id)),
                dedupe_key: None,
            },
            &user.username,
        )
        .await?;
    Ok(crate::flash::redirect(
        "/admin/extensions",
        "extension_decided",
    ))
}
