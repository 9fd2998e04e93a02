//! The office's review: the queue of submitted reports of a round, one report with its
//! live check and version history, accept / return with a reason / reopen, and the
//! office's final verdict on a task.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use duban_model::Verdict;
use duban_store::{
    NewNotification, OverrideDecision, Report, ReportId, RoundStatus, Scope, SessionUser,
    StoreError, TaskId,
};
use minijinja::context;
use serde::Deserialize;

use crate::error::{Failure, PageError};
use crate::livecheck::{self, Previous, ReportContent};
use crate::routes::reporting::{check_context, previous_narrative};
use crate::routes::rounds::round_from_path;
use crate::security::CurrentUser;
use crate::security::guard::form_pairs;
use crate::state::AppState;
use crate::views::format::fmt_time;
use crate::views::verdict_options;

/// How the office narrows and orders a round's queue.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    /// "1": only reports the live check warns about.
    warn: String,
    unit: String,
    section: String,
    /// "warnings" (most first), "unit", "section"; else oldest submission first.
    sort: String,
}

/// One report of the queue as the office weighs it.
struct QueueRow {
    report: Report,
    task_text: String,
    section: String,
    unit: String,
    warnings: usize,
    /// Why accepting it needs the office's own decision (an override in question).
    held: Option<String>,
}

async fn queue_rows(app: &AppState, round: &duban_store::Round) -> Result<Vec<QueueRow>, Failure> {
    let reports = app.store.review_queue(round.id).await?;
    let units: HashMap<i64, String> = app
        .store
        .units()
        .await?
        .into_iter()
        .map(|u| (u.id.0, u.name))
        .collect();
    let mut rows = Vec::with_capacity(reports.len());
    for r in reports {
        let task = app.store.task(r.task_id, &Scope::All).await?;
        let (task_text, section, warnings, held) = match &task {
            Some(t) => {
                let check =
                    livecheck::live_check(&t.summary.text, content(&r, t.period_in(round)), None);
                (
                    t.summary.text.clone(),
                    t.summary.section.clone().unwrap_or_default(),
                    check.warnings.len(),
                    held_reason(t, &r, round),
                )
            }
            None => (String::new(), String::new(), 0, None),
        };
        rows.push(QueueRow {
            unit: units.get(&r.unit_id.0).cloned().unwrap_or_default(),
            report: r,
            task_text,
            section,
            warnings,
            held,
        });
    }
    Ok(rows)
}

/// A report whose accept would put the office's override in question is decided one by
/// one: the office says whether the override stands.
fn held_reason(
    task: &duban_store::TaskDetail,
    r: &Report,
    round: &duban_store::Round,
) -> Option<String> {
    let judged = duban_standing::judge(
        &task.summary.text,
        &r.narrative,
        &r.figures,
        task.period_in(round),
    );
    let question = duban_standing::override_in_question(task.override_().as_ref(), judged.verdict);
    question
        .then(|| "督查办此前已改判，本报告与改判不一致，需在审核页逐份确认改判是否保留".to_string())
}

/// The queue page; `outcome` is what a batch accept just did (accepted count, held rows).
async fn render_queue(
    app: &AppState,
    user: &SessionUser,
    round: &duban_store::Round,
    q: &QueueQuery,
    error: Option<String>,
    outcome: Option<minijinja::Value>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let all = queue_rows(app, round).await?;
    let mut units: Vec<(i64, String)> = all
        .iter()
        .map(|r| (r.report.unit_id.0, r.unit.clone()))
        .collect();
    units.sort_by(|a, b| a.1.cmp(&b.1));
    units.dedup();
    let mut sections: Vec<String> = all
        .iter()
        .map(|r| r.section.clone())
        .filter(|s| !s.is_empty())
        .collect();
    sections.sort();
    sections.dedup();
    let total = all.len();
    let mut rows: Vec<QueueRow> = all
        .into_iter()
        .filter(|r| q.warn != "1" || r.warnings > 0)
        .filter(|r| q.unit.is_empty() || r.report.unit_id.0.to_string() == q.unit)
        .filter(|r| q.section.is_empty() || r.section == q.section)
        .collect();
    match q.sort.as_str() {
        "warnings" => rows.sort_by_key(|r| std::cmp::Reverse(r.warnings)),
        "unit" => rows.sort_by(|a, b| a.unit.cmp(&b.unit)),
        "section" => rows.sort_by(|a, b| a.section.cmp(&b.section)),
        _ => {}
    }
    let rows: Vec<_> = rows
        .iter()
        .map(|r| {
            context! {
                id => r.report.id,
                task_text => r.task_text,
                section => r.section,
                unit => r.unit,
                self_status => r.report.self_status.map(|s| s.label_zh()),
                submitted_at => r.report.submitted_at.map(fmt_time),
                version => r.report.version,
                warnings => r.warnings,
                held => r.held,
            }
        })
        .collect();
    let html = app.templates.page(
        "review_queue.html",
        Some(user),
        "rounds",
        context! {
            round => context! { id => round.id, name => round.name, due_date => round.due_date, open => round.status == RoundStatus::Open },
            rows,
            total,
            units,
            sections,
            q => context! { warn => q.warn, unit => q.unit, section => q.section, sort => q.sort },
            error,
            outcome,
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn queue(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let round = round_from_path(&app, &id).await?;
    render_queue(&app, &user, &round, &q, None, None, StatusCode::OK).await
}

/// The reports checked in a batch form, once each; or why the batch cannot go ahead (a bad
/// id, none checked, the confirmation not ticked).
fn chosen_reports(pairs: &[(String, String)]) -> Result<Vec<ReportId>, String> {
    let mut chosen: Vec<ReportId> = Vec::new();
    for (_, v) in pairs.iter().filter(|(k, _)| k == "ids") {
        let id = v
            .parse::<ReportId>()
            .map_err(|_| format!("所选报告编号“{v}”无效，请刷新页面后重试"))?;
        if !chosen.contains(&id) {
            chosen.push(id);
        }
    }
    if chosen.is_empty() {
        return Err("请先勾选要通过的报告".into());
    }
    let confirmed = pairs.iter().any(|(k, v)| k == "confirm" && v == "1");
    if !confirmed {
        return Err("批量通过不可撤销：请勾选“确认批量通过所选报告”后再提交".into());
    }
    Ok(chosen)
}

/// Accepts the checked reports of a round at once. Reports whose accept needs the office's
/// decision on an override are left out and listed back with the reason; the rest are
/// accepted in one transaction (all or none), each audited.
pub async fn accept_batch(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let round = round_from_path(&app, &id).await?;
    let pairs = form_pairs(&body);
    let field = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let q = QueueQuery {
        warn: field("warn").unwrap_or_default().to_string(),
        unit: field("unit").unwrap_or_default().to_string(),
        section: field("section").unwrap_or_default().to_string(),
        sort: field("sort").unwrap_or_default().to_string(),
    };
    let refuse = |m: &str| Some(m.to_string());
    let chosen = match chosen_reports(&pairs) {
        Ok(c) => c,
        Err(m) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_queue(&app, &user, &round, &q, Some(m), None, status).await;
        }
    };
    let rows = queue_rows(&app, &round).await?;
    let mut accept = Vec::new();
    let mut held = Vec::new();
    for id in &chosen {
        match rows.iter().find(|r| r.report.id == *id) {
            Some(r) => match &r.held {
                Some(reason) => held.push(context! { id => r.report.id, task_text => r.task_text, unit => r.unit, reason }),
                None => accept.push(*id),
            },
            None => {
                let m = refuse(&format!(
                    "报告 {id} 不在本轮待审核队列中（可能已被他人处理），未通过任何报告，请刷新后重试"
                ));
                return render_queue(&app, &user, &round, &q, m, None, StatusCode::CONFLICT).await;
            }
        }
    }
    if !accept.is_empty() {
        match app.store.accept_reports(&accept, &user.username).await {
            Ok(_) => {}
            Err(
                e @ (StoreError::Invalid(_)
                | StoreError::Constraint(_)
                | StoreError::Conflict { .. }
                | StoreError::OverrideInQuestion { .. }),
            ) => {
                let m = Some(format!("未通过任何报告：{e}"));
                return render_queue(&app, &user, &round, &q, m, None, StatusCode::CONFLICT).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    if held.is_empty() {
        return Ok(crate::flash::redirect(
            &format!("/admin/rounds/{}/review", round.id),
            "reports_accepted",
        ));
    }
    let outcome = context! { accepted => accept.len(), held };
    render_queue(&app, &user, &round, &q, None, Some(outcome), StatusCode::OK).await
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
    failed: Option<(String, &'static str, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (error, failed_form, typed_reason) = match failed {
        Some((m, f, t)) => (Some(m), f, t),
        None => (None, "", String::new()),
    };
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
            failed_form,
            typed_reason,
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

/// What the office typed in a review form that failed, kept for the re-rendered page.
#[derive(Debug, Default)]
struct Typed {
    /// Which form: "accept", "return" or "reopen".
    form: &'static str,
    reason: String,
}

/// Runs a review decision; a refusal re-renders the page with the message beside the form
/// and the typed reason kept, and changes nothing (the store validates before it writes).
async fn decide(
    app: &AppState,
    user: &SessionUser,
    r: Report,
    result: Result<Report, StoreError>,
    done: (String, &'static str),
    typed: Typed,
) -> Result<Response, PageError> {
    let form = |m: String| Some((m, typed.form, typed.reason.clone()));
    match result {
        Ok(_) => Ok(crate::flash::redirect(&done.0, done.1)),
        Err(StoreError::Invalid(m) | StoreError::Constraint(m)) => {
            render(app, user, &r, form(m), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e @ StoreError::OverrideInQuestion { .. }) => {
            render(app, user, &r, form(e.to_string()), StatusCode::CONFLICT).await
        }
        Err(e @ StoreError::Conflict { .. }) => {
            let fresh = report_from_path(app, &r.id.to_string()).await?;
            render(app, user, &fresh, form(e.to_string()), StatusCode::CONFLICT).await
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
    /// "1": go on to the next report waiting in the round ("通过并审下一条").
    next: String,
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
    let queue = format!("/admin/rounds/{}/review", r.round_id);
    let done = if f.next == "1" && result.is_ok() {
        // The oldest submission still waiting, as the queue lists it.
        match app.store.review_queue(r.round_id).await?.first() {
            Some(n) => (format!("/admin/reports/{}", n.id), "report_accepted"),
            None => (queue, "queue_done"),
        }
    } else {
        (queue, "report_accepted")
    };
    let typed = Typed {
        form: "accept",
        ..Typed::default()
    };
    decide(&app, &user, r, result, done, typed).await
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
    if let Ok(saved) = &result {
        notify_returned(&app, &user, saved).await?;
    }
    let done = (
        format!("/admin/rounds/{}/review", r.round_id),
        "report_returned",
    );
    let typed = Typed {
        form: "return",
        reason: f.reason,
    };
    decide(&app, &user, r, result, done, typed).await
}

/// The unit learns at once that its report came back, and why, with a link to correct it.
async fn notify_returned(app: &AppState, user: &SessionUser, r: &Report) -> Result<(), PageError> {
    let task = app.store.task(r.task_id, &Scope::All).await?;
    let text = task.map(|t| t.summary.text).unwrap_or_default();
    app.store
        .notify(
            &NewNotification {
                user: None,
                unit: Some(r.unit_id),
                kind: "report.returned".into(),
                subject: format!(
                    "报告被退回，请修改后重新报送：{}",
                    truncate_chars(&text, 40)
                ),
                body: r.return_reason.clone().unwrap_or_default(),
                link: Some(format!("/rounds/{}/tasks/{}/report", r.round_id, r.task_id)),
                dedupe_key: None,
            },
            &user.username,
        )
        .await?;
    Ok(())
}

fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
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
    let done = (format!("/admin/reports/{}", r.id), "report_reopened");
    let typed = Typed {
        form: "reopen",
        reason: f.reason,
    };
    decide(&app, &user, r, result, done, typed).await
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
    Ok(crate::flash::redirect(
        &local_path(&f.back, format!("/tasks/{task}")),
        "verdict_saved",
    ))
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
