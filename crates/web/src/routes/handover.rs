//! 交办 and 签收: the office hands the plan's tasks to their lead units; a lead unit signs
//! for its task or asks for a change of its text or units, which the office decides.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use duban_store::{
    ChangeKind, ChangeRequest, ExtensionStatus, Handover, HandoverFilter, NewChangeRequest,
    NewNotification, Role, Scope, SessionUser, TaskId, UnitId,
};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::current::current_plan;
use crate::error::{Failure, PageError};
use crate::forms::{Typed, field_for, mistake, task_page_again};
use crate::routes::extensions::DecideForm;
use crate::routes::review::local_path;
use crate::routes::tasks_admin::resolve_units;
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::format::fmt_time;

pub fn handover_context(h: &Handover) -> Value {
    context! {
        task_id => h.task_id,
        task_position => h.task_position,
        task_text => h.task_text,
        unit_id => h.unit_id,
        unit_name => h.unit_name,
        handed_by => h.handed_by,
        handed_at => fmt_time(h.handed_at),
        acknowledged => h.acknowledged_at.is_some(),
        acknowledged_by => h.acknowledged_by,
        acknowledged_at => h.acknowledged_at.map(fmt_time),
    }
}

/// The handovers matching `filter`, ready for a template. Callers have checked the scope
/// (a task or unit page the user may see).
pub async fn handover_rows(app: &AppState, filter: &HandoverFilter) -> Result<Vec<Value>, Failure> {
    Ok(app
        .store
        .handovers(filter, &Scope::All)
        .await?
        .iter()
        .map(handover_context)
        .collect())
}

pub fn change_context(c: &ChangeRequest) -> Value {
    context! {
        id => c.id,
        task_id => c.task_id,
        task_position => c.task_position,
        task_text => c.task_text,
        unit_name => c.unit_name,
        kind_label => c.kind.label_zh(),
        proposal => c.proposal,
        reason => c.reason,
        status => c.status.as_str(),
        status_label => c.status.label_zh(),
        pending => c.status == ExtensionStatus::Pending,
        requested_by => c.requested_by,
        requested_at => fmt_time(c.requested_at),
        decided_by => c.decided_by,
        decided_at => c.decided_at.map(fmt_time),
        decision_note => c.decision_note,
    }
}

/// The unit a unit account acts for; other roles are refused (signing is the unit's act).
fn own_unit(user: &SessionUser) -> Result<UnitId, Failure> {
    match (user.role, user.unit_id) {
        (Role::Unit, Some(u)) => Ok(u),
        _ => Err(Failure::Forbidden),
    }
}

/// The office's page: how far the handover has gone, the requests to decide, and who has
/// not signed yet.
pub async fn page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Html<String>, PageError> {
    render_page(&app, &user, None).await
}

/// The page; `typed` is a decision that failed (a refusal without a note), kept.
async fn render_page(
    app: &AppState,
    user: &SessionUser,
    typed: Option<Value>,
) -> Result<Html<String>, PageError> {
    let (app, user) = (app.clone(), user.clone());
    let Some(plan) = current_plan(&app).await? else {
        return app.templates.page(
            "handover.html",
            Some(&user),
            "handover",
            context! { plan => () },
        );
    };
    let counts = app.store.handover_counts(plan.id, &Scope::All).await?;
    let requests = app
        .store
        .task_change_requests(Some(plan.id), None, None, &Scope::All)
        .await?;
    let (pending, decided) = crate::views::pending_and_decided(
        &requests,
        |c| c.status == ExtensionStatus::Pending,
        change_context,
    );
    let unsigned = handover_rows(
        &app,
        &HandoverFilter {
            plan: Some(plan.id),
            acknowledged: Some(false),
            ..HandoverFilter::default()
        },
    )
    .await?;
    app.templates.page(
        "handover.html",
        Some(&user),
        "handover",
        context! { plan, counts, pending, decided, unsigned, typed },
    )
}

/// 交办: every live task of the current plan to each lead unit not yet handed it; each unit
/// gets one in-app message.
pub async fn hand_over(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, PageError> {
    let Some(plan) = current_plan(&app).await? else {
        return Err(Failure::BadRequest("尚未导入台账，没有可交办的任务".into()).into());
    };
    app.store.hand_over_plan(plan.id, &user.username).await?;
    let fresh = app
        .store
        .handovers(
            &HandoverFilter {
                plan: Some(plan.id),
                acknowledged: Some(false),
                ..HandoverFilter::default()
            },
            &Scope::All,
        )
        .await?;
    let mut units: Vec<(UnitId, usize)> = Vec::new();
    for h in &fresh {
        match units.iter_mut().find(|(u, _)| *u == h.unit_id) {
            Some((_, n)) => *n += 1,
            None => units.push((h.unit_id, 1)),
        }
    }
    for (unit, n) in units {
        app.store
            .notify(
                &NewNotification {
                    user: None,
                    unit: Some(unit),
                    kind: "handover".into(),
                    subject: format!("督查办交办重点任务{n}项，请签收"),
                    body: "请在任务页面签收；如任务表述或责任单位需要调整，请在签收前提出申请并说明理由。".into(),
                    link: Some(format!("/units/{unit}#handover")),
                    dedupe_key: Some(format!("handover:{}:{unit}:{n}", plan.id)),
                },
                &user.username,
            )
            .await?;
    }
    Ok(crate::flash::redirect("/admin/handover", "handover_done"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackForm {
    back: String,
}

/// 签收 by the unit account's unit.
pub async fn acknowledge(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(task): Path<String>,
    Form(f): Form<BackForm>,
) -> Result<Response, PageError> {
    let unit = own_unit(&user)?;
    let task: TaskId = task.parse().map_err(|_| Failure::NotFound)?;
    if !app.store.task_in_scope(task, &Scope::Unit(unit)).await? {
        return Err(Failure::NotFound.into());
    }
    app.store
        .acknowledge_task(task, unit, &user.username)
        .await?;
    let fallback = format!("/tasks/{task}#handover");
    Ok(crate::flash::redirect(
        &local_path(&f.back, fallback),
        "acknowledged",
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChangeForm {
    /// `text` or `units`.
    kind: String,
    proposal: String,
    reason: String,
}

/// A lead unit asks for a change instead of signing.
pub async fn request_change(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(task): Path<String>,
    Form(f): Form<ChangeForm>,
) -> Result<Response, PageError> {
    let unit = own_unit(&user)?;
    let task: TaskId = task.parse().map_err(|_| Failure::NotFound)?;
    if !app.store.task_in_scope(task, &Scope::Unit(unit)).await? {
        return Err(Failure::NotFound.into());
    }
    let again = |field: &'static str, msg: String| {
        Typed::new("change", field, msg)
            .with("kind", &f.kind)
            .with("proposal", &f.proposal)
            .with("reason", &f.reason)
    };
    let Some(kind) = ChangeKind::parse(f.kind.trim()) else {
        let t = again("proposal", "请选择任务表述调整或责任单位调整".into());
        return task_page_again(&app, &user, task, t).await;
    };
    let proposed_units = match kind {
        ChangeKind::Units => match resolve_units(&app, &f.proposal).await {
            Ok(u) => u,
            Err(e) => {
                let t = again("proposal", mistake(e)?);
                return task_page_again(&app, &user, task, t).await;
            }
        },
        ChangeKind::Text => Vec::new(),
    };
    if let Err(e) = app
        .store
        .request_task_change(
            &NewChangeRequest {
                task,
                unit,
                kind,
                proposal: f.proposal.clone(),
                proposed_units,
                reason: f.reason.clone(),
            },
            &user.username,
        )
        .await
    {
        let m = mistake(e)?;
        let field = field_for(&m, &[("理由", "reason")], "proposal");
        return task_page_again(&app, &user, task, again(field, m)).await;
    }
    Ok(crate::flash::redirect(
        &format!("/tasks/{task}#handover"),
        "change_requested",
    ))
}

pub async fn decide(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| Failure::NotFound)?;
    let approve = crate::routes::extensions::approves(&f.decision)?;
    let c = match app
        .store
        .decide_task_change(id, approve, &f.note, &user.username)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            let t = Typed::new("decide", "note", mistake(e)?)
                .with("id", &id.to_string())
                .with("note", &f.note);
            let html = render_page(&app, &user, Some(t.context())).await?;
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
        }
    };
    app.store
        .notify(
            &NewNotification {
                user: None,
                unit: Some(c.unit_id),
                kind: "task_change.decided".into(),
                subject: format!("{}申请{}", c.kind.label_zh(), c.status.label_zh()),
                body: c.decision_note.clone().unwrap_or_default(),
                link: Some(format!("/tasks/{}#handover", c.task_id)),
                dedupe_key: None,
            },
            &user.username,
        )
        .await?;
    Ok(crate::flash::redirect("/admin/handover", "change_decided"))
}
