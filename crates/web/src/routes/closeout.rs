//! Close-out (办结销号): the lead unit applies with a final narrative and evidence files;
//! the office approves or refuses with a reason, and may reopen a closed task.

use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::response::{Html, Response};
use duban_store::{
    AttachmentOwner, Closeout, CloseoutFilter, CloseoutId, CloseoutStatus, NewNotification, Scope,
    TaskId,
};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::current::current_plan;
use crate::error::{Failure, PageError};
use crate::forms::{Typed, mistake, task_page_again};
use crate::routes::extensions::DecideForm;
use crate::routes::files::{attachment_list, max_file_bytes, read_upload, unit_of};
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::format::fmt_time;

pub fn closeout_context(c: &Closeout, files: Vec<Value>) -> Value {
    context! {
        id => c.id,
        task_id => c.task_id,
        task_text => c.task_text,
        unit_name => c.unit_name,
        narrative => c.narrative,
        status => c.status.as_str(),
        status_label => c.status.label_zh(),
        pending => c.status == CloseoutStatus::Pending,
        applied_by => c.applied_by,
        applied_at => fmt_time(c.applied_at),
        decided_by => c.decided_by,
        decided_at => c.decided_at.map(fmt_time),
        decision_note => c.decision_note,
        reopened_by => c.reopened_by,
        reopened_at => c.reopened_at.map(fmt_time),
        reopen_reason => c.reopen_reason,
        files,
    }
}

/// A task's applications, newest first, each with the files `scope` may see; and whether
/// one is waiting for the office.
pub async fn task_closeouts(
    app: &AppState,
    task: TaskId,
    scope: &Scope,
) -> Result<(Vec<Value>, bool), PageError> {
    let list = app
        .store
        .closeouts(
            &CloseoutFilter {
                task: Some(task),
                ..CloseoutFilter::default()
            },
            scope,
        )
        .await?;
    let mut out = Vec::with_capacity(list.len());
    for c in &list {
        let files = app
            .store
            .attachments_of(AttachmentOwner::Closeout(c.id), scope)
            .await?;
        out.push(closeout_context(c, attachment_list(&files)));
    }
    let waiting = list.iter().any(|c| c.status == CloseoutStatus::Pending);
    Ok((out, waiting))
}

/// `POST /tasks/{id}/closeout` (multipart: `narrative`, `files`): a lead unit applies.
pub async fn apply(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(task): Path<String>,
    form: Multipart,
) -> Result<Response, PageError> {
    let unit = unit_of(&user)?;
    let task: TaskId = task.parse().map_err(|_| Failure::NotFound)?;
    if !app.store.task_in_scope(task, &Scope::Unit(unit)).await? {
        return Err(Failure::NotFound.into());
    }
    let upload = read_upload(form).await?;
    if let Err(e) = app
        .store
        .apply_closeout(
            task,
            unit,
            upload.field("narrative"),
            &upload.files,
            max_file_bytes(&app),
            &user.username,
        )
        .await
    {
        // A file cannot be kept on the page: the message names it, the text stays.
        let t = Typed::new("closeout", "narrative", mistake(e)?)
            .with("narrative", upload.field("narrative"));
        return task_page_again(&app, &user, task, t).await;
    }
    Ok(crate::flash::redirect(
        &format!("/tasks/{task}#closeout"),
        "closeout_applied",
    ))
}

/// Tells the applying unit what became of its application.
async fn tell_unit(
    app: &AppState,
    c: &Closeout,
    kind: &str,
    subject: String,
    body: Option<&String>,
    actor: &str,
) -> Result<(), PageError> {
    app.store
        .notify(
            &NewNotification {
                user: None,
                unit: Some(c.unit_id),
                kind: kind.into(),
                subject,
                body: body.cloned().unwrap_or_default(),
                link: Some(format!("/tasks/{}#closeout", c.task_id)),
                dedupe_key: None,
            },
            actor,
        )
        .await?;
    Ok(())
}

/// `POST /admin/closeouts/{id}/decide`: the office approves or refuses; the unit is told.
pub async fn decide(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Result<Response, PageError> {
    let id: CloseoutId = id.parse().map_err(|_| Failure::NotFound)?;
    let approve = f.approve()?;
    let c = match app
        .store
        .decide_closeout(id, approve, &f.note, &user.username)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            let m = mistake(e)?;
            let task = app
                .store
                .closeout(id, &Scope::All)
                .await?
                .ok_or(Failure::NotFound)?
                .task_id;
            let t = Typed::new("closeout_decide", "note", m)
                .with("id", &id.to_string())
                .with("note", &f.note);
            return task_page_again(&app, &user, task, t).await;
        }
    };
    let subject = format!("办结申请{}：{}", c.status.label_zh(), c.task_text);
    tell_unit(
        &app,
        &c,
        "closeout.decided",
        subject,
        c.decision_note.as_ref(),
        &user.username,
    )
    .await?;
    Ok(crate::flash::redirect(
        &format!("/tasks/{}#closeout", c.task_id),
        "closeout_decided",
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReopenForm {
    reason: String,
}

/// `POST /admin/tasks/{id}/reopen`: a closed task is open again, for the reason given.
pub async fn reopen(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(task): Path<String>,
    Form(f): Form<ReopenForm>,
) -> Result<Response, PageError> {
    let task: TaskId = task.parse().map_err(|_| Failure::NotFound)?;
    let c = match app
        .store
        .reopen_closed_task(task, &f.reason, &user.username)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            let t = Typed::new("task_reopen", "reason", mistake(e)?).with("reason", &f.reason);
            return task_page_again(&app, &user, task, t).await;
        }
    };
    let subject = format!("已办结任务被重新打开：{}", c.task_text);
    tell_unit(
        &app,
        &c,
        "closeout.reopened",
        subject,
        c.reopen_reason.as_ref(),
        &user.username,
    )
    .await?;
    Ok(crate::flash::redirect(
        &format!("/tasks/{task}#closeout"),
        "task_reopened",
    ))
}

/// `GET /admin/closeouts`: applications waiting (oldest first), then the latest decisions.
pub async fn list(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Html<String>, PageError> {
    let all = match current_plan(&app).await? {
        Some(plan) => {
            app.store
                .closeouts(
                    &CloseoutFilter {
                        plan: Some(plan.id),
                        ..CloseoutFilter::default()
                    },
                    &Scope::All,
                )
                .await?
        }
        None => Vec::new(),
    };
    let mut pending = Vec::new();
    for c in all
        .iter()
        .rev()
        .filter(|c| c.status == CloseoutStatus::Pending)
    {
        let files = app
            .store
            .attachments_of(AttachmentOwner::Closeout(c.id), &Scope::All)
            .await?;
        pending.push(closeout_context(c, attachment_list(&files)));
    }
    let decided: Vec<_> = all
        .iter()
        .filter(|c| c.status != CloseoutStatus::Pending)
        .take(50)
        .map(|c| closeout_context(c, Vec::new()))
        .collect();
    app.templates.page(
        "closeouts.html",
        Some(&user),
        "closeouts",
        context! { pending, decided },
    )
}
