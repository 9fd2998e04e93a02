//! Cooperating units' contributions (配合单位报送): a unit that cooperates on a task writes
//! its part for a round; the lead unit sees them beside its report form and merges one into
//! its narrative.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_store::{
    Contribution, ContributionId, DraftInput, Role, Round, RoundStatus, Scope, SessionUser,
    TaskDetail, TaskId, UnitId,
};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::error::{Failure, PageError};
use crate::routes::rounds::round_from_path;
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::format::fmt_time;

pub fn contribution_context(c: &Contribution) -> Value {
    context! {
        id => c.id,
        unit_name => c.unit_name,
        text => c.text,
        version => c.version,
        written_by => c.written_by,
        updated_at => fmt_time(c.updated_at),
        merged => c.merged(),
        merged_by => c.merged_by,
        merged_at => c.merged_at.map(fmt_time),
    }
}

/// The unit account's unit, the task (within its scope) and the round of the task's plan.
async fn load(
    app: &AppState,
    user: &SessionUser,
    round: &str,
    task: &str,
) -> Result<(UnitId, TaskDetail, Round), Failure> {
    let unit = match (user.role, user.unit_id) {
        (Role::Unit, Some(u)) => u,
        _ => return Err(Failure::Forbidden),
    };
    let task: TaskId = task.parse().map_err(|_| Failure::NotFound)?;
    let detail = app
        .store
        .task(task, &Scope::Unit(unit))
        .await?
        .ok_or(Failure::NotFound)?;
    let round = round_from_path(app, round).await?;
    if round.plan_id != detail.summary.plan_id {
        return Err(Failure::NotFound);
    }
    Ok((unit, detail, round))
}

/// Only a cooperating unit (配合单位) writes a contribution; the lead writes the report.
fn require_cooperating(detail: &TaskDetail, unit: UnitId) -> Result<(), Failure> {
    if detail.coop.iter().any(|c| c.id == unit) {
        Ok(())
    } else {
        Err(Failure::Forbidden)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    done: Option<String>,
}

/// What the form shows besides the stored contribution.
struct Shown<'a> {
    text: &'a str,
    error: Option<String>,
    saved: bool,
}

fn render(
    app: &AppState,
    user: &SessionUser,
    detail: &TaskDetail,
    round: &Round,
    own: Option<&Contribution>,
    shown: Shown<'_>,
) -> Result<Html<String>, PageError> {
    app.templates.page(
        "contribution.html",
        Some(user),
        "my",
        context! {
            task => context! { id => detail.summary.id, text => detail.summary.text, lead_units => detail.summary.lead_units },
            round => context! { id => round.id, name => round.name, due_date => round.due_date, open => round.status == RoundStatus::Open },
            own => own.map(contribution_context),
            text => shown.text,
            error => shown.error,
            saved => shown.saved,
        },
    )
}

pub async fn page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((round, task)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Html<String>, PageError> {
    let (unit, detail, round) = load(&app, &user, &round, &task).await?;
    require_cooperating(&detail, unit)?;
    let own = own_contribution(&app, &detail, &round, unit).await?;
    let text = own.as_ref().map(|c| c.text.clone()).unwrap_or_default();
    let saved = q.done.as_deref() == Some("saved");
    let shown = Shown {
        text: &text,
        error: None,
        saved,
    };
    render(&app, &user, &detail, &round, own.as_ref(), shown)
}

async fn own_contribution(
    app: &AppState,
    detail: &TaskDetail,
    round: &Round,
    unit: UnitId,
) -> Result<Option<Contribution>, Failure> {
    Ok(app
        .store
        .contributions(detail.summary.id, round.id, &Scope::Unit(unit))
        .await?
        .into_iter()
        .find(|c| c.unit_id == unit))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SaveForm {
    text: String,
}

pub async fn save(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((round, task)): Path<(String, String)>,
    Form(f): Form<SaveForm>,
) -> Result<Response, PageError> {
    let (unit, detail, round) = load(&app, &user, &round, &task).await?;
    require_cooperating(&detail, unit)?;
    match app
        .store
        .save_contribution(detail.summary.id, round.id, unit, &f.text, &user.username)
        .await
    {
        Ok(_) => {
            tell_lead_units(&app, &user, &detail, &round, unit).await?;
            Ok(Redirect::to(&format!(
                "/rounds/{}/tasks/{}/contribution?done=saved",
                round.id, detail.summary.id
            ))
            .into_response())
        }
        Err(duban_store::StoreError::Invalid(m)) => {
            let own = own_contribution(&app, &detail, &round, unit).await?;
            let shown = Shown {
                text: &f.text,
                error: Some(m),
                saved: false,
            };
            let html = render(&app, &user, &detail, &round, own.as_ref(), shown)?;
            Ok((axum::http::StatusCode::BAD_REQUEST, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The lead units hear at once that a cooperating unit's material is in, with a link to
/// their report form where they can take it into the draft.
async fn tell_lead_units(
    app: &AppState,
    user: &SessionUser,
    detail: &TaskDetail,
    round: &Round,
    from: UnitId,
) -> Result<(), PageError> {
    let from_name = app
        .store
        .unit(from)
        .await?
        .map(|u| u.display())
        .unwrap_or_default();
    let task_text: String = detail.summary.text.chars().take(40).collect();
    for lead in &detail.lead {
        app.store
            .notify(
                &duban_store::NewNotification {
                    user: None,
                    unit: Some(lead.id),
                    kind: "contribution.saved".into(),
                    subject: format!("{from_name}报送了配合材料（{}）：{task_text}", round.name),
                    body: "请在本轮报告填报页查看，并决定是否并入报告草稿。".into(),
                    link: Some(format!(
                        "/rounds/{}/tasks/{}/report",
                        round.id, detail.summary.id
                    )),
                    dedupe_key: None,
                },
                &user.username,
            )
            .await?;
    }
    Ok(())
}

/// The lead unit takes a contribution into its draft: the text is appended to the
/// narrative (a new draft version, against the version the lead last saw) and the
/// contribution is marked merged.
pub async fn merge(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((round, task, id)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (unit, detail, round) = load(&app, &user, &round, &task).await?;
    if !detail.lead.iter().any(|l| l.id == unit) {
        return Err(Failure::Forbidden.into());
    }
    let id: ContributionId = id.parse().map_err(|_| Failure::NotFound)?;
    let scope = Scope::Unit(unit);
    let c = app
        .store
        .contributions(detail.summary.id, round.id, &scope)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(Failure::NotFound)?;
    if c.merged() {
        return Err(Failure::BadRequest("该配合单位报送已采纳".into()).into());
    }
    let report = app
        .store
        .task_reports(detail.summary.id, &scope)
        .await?
        .into_iter()
        .find(|r| r.round_id == round.id && r.unit_id == unit);
    if let Some(r) = &report
        && !r.status.editable()
    {
        return Err(Failure::BadRequest("报告已报送，不能再合并配合单位的内容".into()).into());
    }
    let narrative = match report.as_ref().map(|r| r.narrative.trim()) {
        Some(n) if !n.is_empty() => format!("{n}\n{}", c.text),
        _ => c.text.clone(),
    };
    let draft = DraftInput {
        task: detail.summary.id,
        round: round.id,
        unit,
        narrative,
        figures: report
            .as_ref()
            .map(|r| r.figures.clone())
            .unwrap_or_else(|| serde_json::json!({})),
        self_status: report.as_ref().and_then(|r| r.self_status),
        delay_reason: report.as_ref().and_then(|r| r.delay_reason.clone()),
        next_steps: report.as_ref().and_then(|r| r.next_steps.clone()),
        expected_version: report.as_ref().map(|r| r.version),
    };
    app.store
        .merge_contribution_into_draft(c.id, &scope, &draft, &user.username)
        .await?;
    Ok(Redirect::to(&format!(
        "/rounds/{}/tasks/{}/report?done=merged",
        round.id, detail.summary.id
    ))
    .into_response())
}
