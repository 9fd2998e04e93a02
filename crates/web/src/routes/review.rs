//! The office's review: the queue of submitted reports of a round, one report with its
//! live check and version history, accept / return with a reason / reopen, and the
//! office's final verdict on a task.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_model::Verdict;
use duban_store::{
    OverrideDecision, Report, ReportId, RoundStatus, Scope, SessionUser, StoreError, TaskId,
};
use minijinja::context;
use serde::Deserialize;

use crate::error::{Failure, PageError};
use crate::livecheck::{self, Previous, ReportContent};
use crate::routes::reporting::{check_context, previous_narrative};
use crate::routes::rounds::round_from_path;
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::format::fmt_time;
use crate::views::verdict_options;

pub async fn queue(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let round = round_from_path(&app, &id).await?;
    let reports = app.store.review_queue(round.id).await?;
    let units: HashMap<i64, String> = app
        .store
        .units()
        .await?
        .into_iter()
        .map(|u| (u.id.0, u.name))
        .collect();
    let mut rows = Vec::with_capacity(reports.len());
    for r in &reports {
        let task = app.store.task(r.task_id, &Scope::All).await?;
        let (text, warnings) = match &task {
            Some(t) => {
                let check =
                    livecheck::live_check(&t.summary.text, content(r, t.period_in(&round)), None);
                (t.summary.text.clone(), check.warnings.len())
            }
            None => (String::new(), 0),
        };
        rows.push(context! {
            id => r.id,
            task_text => text,
            unit => units.get(&r.unit_id.0).cloned().unwrap_or_default(),
            self_status => r.self_status.map(|s| s.label_zh()),
            submitted_at => r.submitted_at.map(fmt_time),
            version => r.version,
            warnings,
        });
    }
    app.templates.page(
        "review_queue.html",
        Some(&user),
        "rounds",
        context! {
            round => context! { id => round.id, name => round.name, due_date => round.due_date, open => round.status == RoundStatus::Open },
            rows,
        },
    )
}

fn content(r: &Report, period: Option<duban_standing::Period>) -> ReportContent<'_> {
    ReportContent {
        narrative: &r.narrative,
        figures: &r.figures,
        self_status: r.self_status,
        delay_reason: r.delay_reason.as_deref(),
        period,
    }
}

async fn report_from_path(app: &AppState, id: &str) -> Result<Report, Failure> {
    let id: ReportId = id.parse().map_err(|_| Failure::NotFound)?;
    app.store
        .report(id, &Scope::All)
        .await?
        .ok_or(Failure::NotFound)
}

async fn render(
    app: &AppState,
    user: &SessionUser,
    r: &Report,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let task = app
        .store
        .task(r.task_id, &Scope::All)
        .await?
        .ok_or(Failure::NotFound)?;
    let round = app
        .store
        .round(r.round_id)
        .await?
        .ok_or(Failure::NotFound)?;
    let unit = app.store.unit(r.unit_id).await?.map(|u| u.display());
    let previous = previous_narrative(app, r.task_id, r.unit_id, &round).await?;
    let check = livecheck::live_check(
        &task.summary.text,
        content(r, task.period_in(&round)),
        previous.as_ref().map(|(name, text)| Previous {
            round_name: name,
            narrative: text,
        }),
    );
    let preview = accept_preview(&task, r, &round);
    let fields = livecheck::figure_fields(&task.summary.text);
    let figures: Vec<_> = fields
        .iter()
        .map(|f| {
            context! { label => f.label, unit => f.unit, goal => f.goal, value => livecheck::figure_text(&r.figures, &f.key) }
        })
        .collect();
    let versions: Vec<_> = app
        .store
        .report_versions(r.id)
        .await?
        .iter()
        .map(|v| {
            context! {
                version => v.version,
                status => v.status.label_zh(),
                saved_by => v.saved_by,
                saved_at => fmt_time(v.saved_at),
                self_status => v.self_status.map(|s| s.label_zh()),
                narrative => v.narrative,
            }
        })
        .collect();
    let html = app.templates.page(
        "review.html",
        Some(user),
        "rounds",
        context! {
            r => context! {
                id => r.id,
                version => r.version,
                status => r.status.as_str(),
                status_label => r.status.label_zh(),
                narrative => r.narrative,
                self_status => r.self_status.map(|s| s.label_zh()),
                delay_reason => r.delay_reason,
                next_steps => r.next_steps,
                return_reason => r.return_reason,
                reviewed_by => r.reviewed_by,
                submitted_at => r.submitted_at.map(fmt_time),
                created_by => r.created_by,
            },
            unit,
            round => context! { id => round.id, name => round.name, due_date => round.due_date, open => round.status == RoundStatus::Open },
            task => context! {
                id => task.summary.id,
                text => task.summary.text,
                verdict => task.summary.verdict.map(|v| v.as_str()),
                machine_verdict => task.summary.machine_verdict.map(|v| v.as_str()),
                final_verdict => task.final_verdict.map(|v| v.as_str()),
                override_reason => task.override_reason,
                overridden_by => task.overridden_by,
                verdict_source => task.verdict_source_label(),
            },
            preview,
            figures,
            check => check_context(&check, &r.narrative),
            versions,
            verdicts => verdict_options(),
            error,
        },
    )?;
    Ok((status, html).into_response())
}

/// What accepting this report would do to the task's standing: the final verdict before and
/// after, and whether the office's standing override is put in question.
fn accept_preview(
    task: &duban_store::TaskDetail,
    r: &Report,
    round: &duban_store::Round,
) -> minijinja::Value {
    let source = duban_standing::EvidenceSource::Report {
        round_id: r.round_id.0,
        round_name: round.name.clone(),
        accepted_on: String::new(),
    };
    let override_ = task.override_();
    let judged = duban_standing::judge(
        &task.summary.text,
        &r.narrative,
        &r.figures,
        task.period_in(round),
    );
    let question = duban_standing::override_in_question(override_.as_ref(), judged.verdict);
    let to = duban_standing::decide(
        judged.verdict,
        task.summary.office_verdict,
        &source,
        // In question, the office chooses; the preview shows the new evidence's verdict.
        override_.as_ref().filter(|_| !question),
    );
    context! {
        from => task.summary.verdict.map(|v| v.as_str()),
        to => to.final_verdict.as_str(),
        changes => task.summary.verdict != Some(to.final_verdict),
        question,
        overridden => override_.as_ref().map(|o| o.verdict.as_str()),
    }
}

pub async fn page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = report_from_path(&app, &id).await?;
    render(&app, &user, &r, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReasonForm {
    reason: String,
}

/// Runs a review decision; a refusal re-renders the page with the message and changes
/// nothing (the store validates before it writes).
async fn decide(
    app: &AppState,
    user: &SessionUser,
    r: Report,
    result: Result<Report, StoreError>,
    back_to_queue: bool,
) -> Result<Response, PageError> {
    match result {
        Ok(saved) => Ok(Redirect::to(&if back_to_queue {
            format!("/admin/rounds/{}/review", saved.round_id)
        } else {
            format!("/admin/reports/{}", saved.id)
        })
        .into_response()),
        Err(StoreError::Invalid(m) | StoreError::Constraint(m)) => {
            render(app, user, &r, Some(m), StatusCode::BAD_REQUEST).await
        }
        Err(e @ StoreError::OverrideInQuestion { .. }) => {
            render(app, user, &r, Some(e.to_string()), StatusCode::CONFLICT).await
        }
        Err(e @ StoreError::Conflict { .. }) => {
            let fresh = report_from_path(app, &r.id.to_string()).await?;
            render(app, user, &fresh, Some(e.to_string()), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AcceptForm {
    /// What becomes of the office's override when the report contradicts it: "keep" or
    /// "drop"; empty asks.
    #[serde(rename = "override")]
    override_: String,
}

pub async fn accept(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<AcceptForm>,
) -> Result<Response, PageError> {
    let r = report_from_path(&app, &id).await?;
    let decision = match f.override_.as_str() {
        "keep" => OverrideDecision::Keep,
        "drop" => OverrideDecision::Drop,
        _ => OverrideDecision::Ask,
    };
    let result = app
        .store
        .accept_report_deciding(r.id, decision, &user.username)
        .await;
    decide(&app, &user, r, result, true).await
}

pub async fn return_report(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, PageError> {
    let r = report_from_path(&app, &id).await?;
    let result = app
        .store
        .return_report(r.id, &f.reason, &user.username)
        .await;
    decide(&app, &user, r, result, true).await
}

pub async fn reopen(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<ReasonForm>,
) -> Result<Response, PageError> {
    let r = report_from_path(&app, &id).await?;
    let result = app
        .store
        .reopen_report(r.id, &f.reason, &user.username)
        .await;
    decide(&app, &user, r, result, false).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VerdictForm {
    verdict: String,
    reason: String,
    back: String,
}

/// A same-site path to return to; anything else (another host, a scheme) falls back.
pub(crate) fn local_path(back: &str, fallback: String) -> String {
    let ok = back.starts_with('/')
        && !back.starts_with("//")
        && !back.contains('\\')
        && !back.chars().any(char::is_control);
    if ok { back.to_string() } else { fallback }
}

pub async fn override_verdict(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<VerdictForm>,
) -> Result<Response, PageError> {
    let task: TaskId = id.parse().map_err(|_| Failure::NotFound)?;
    if !app.store.task_in_scope(task, &Scope::All).await? {
        return Err(Failure::NotFound.into());
    }
    let verdict = match f.verdict.trim() {
        "" => None,
        v => Some(
            Verdict::parse(v)
                .ok_or_else(|| Failure::BadRequest(format!("结论“{v}”无效，请从列表中选择")))?,
        ),
    };
    app.store
        .override_verdict(task, verdict, &f.reason, &user.username)
        .await?;
    Ok(Redirect::to(&local_path(&f.back, format!("/tasks/{task}"))).into_response())
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn back_links_stay_on_site() {
        let fb = || "/tasks/1".to_string();
        assert_eq!(local_path("/admin/reports/3", fb()), "/admin/reports/3");
        for bad in [
            "",
            "//evil.example/x",
            "https://evil.example/",
            "/\\evil",
            "x",
        ] {
            assert_eq!(local_path(bad, fb()), "/tasks/1", "{bad}");
        }
    }
}
