//! Supervision notices (督办单): the office issues one to a unit about a task, the unit
//! answers, the office closes it out; escalation raises the level of unanswered ones.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_store::{
    NewNotice, NewNotification, Notice, NoticeId, NoticeLevel, NoticeStatus, Role, Scope,
    SessionUser, TaskId, UnitId,
};
use minijinja::{Value, context};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::current::current_plan;
use crate::error::{Failure, PageError};
use crate::forms::{Typed, field_for, mistake, task_page_again};
use crate::routes::review::local_path;
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::format::fmt_time;

/// Days between two escalation steps once a notice is past its deadline.
pub const ESCALATE_EVERY_DAYS: u32 = 3;

/// A notice as the templates show it.
pub fn notice_context(n: &Notice, now: OffsetDateTime) -> Value {
    context! {
        id => n.id,
        task_id => n.task_id,
        task_text => n.task_text,
        unit_id => n.unit_id,
        unit_name => n.unit_name,
        level => n.level.as_str(),
        level_label => n.level.label_zh(),
        issued_level_label => n.issued_level.label_zh(),
        escalated => n.level != n.issued_level,
        text => n.text,
        deadline => n.deadline,
        status => n.status.as_str(),
        status_label => n.status.label_zh(),
        closed => n.status == NoticeStatus::Closed,
        overdue => n.is_overdue(now),
        issued_by => n.issued_by,
        issued_at => fmt_time(n.issued_at),
        answer => n.answer,
        answered_by => n.answered_by,
        answered_at => n.answered_at.map(fmt_time),
        close_note => n.close_note,
        closed_by => n.closed_by,
        closed_at => n.closed_at.map(fmt_time),
    }
}

pub fn level_options() -> Vec<(&'static str, &'static str)> {
    NoticeLevel::ALL
        .iter()
        .map(|l| (l.as_str(), l.label_zh()))
        .collect()
}

/// Whose answer a user may record: a unit its own notices, the office any (an answer
/// received on paper); leaders only read.
fn answer_scope(user: &SessionUser) -> Result<Scope, Failure> {
    match (user.role, user.unit_id) {
        (Role::Unit, Some(u)) => Ok(Scope::Unit(u)),
        (Role::Admin, _) => Ok(Scope::All),
        _ => Err(Failure::Forbidden),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IssueForm {
    unit: String,
    level: String,
    deadline: String,
    text: String,
}

pub async fn issue(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(task): Path<String>,
    Form(f): Form<IssueForm>,
) -> Result<Response, PageError> {
    let task: TaskId = task.parse().map_err(|_| Failure::NotFound)?;
    let again = |field: &'static str, msg: String| {
        Typed::new("notice", field, msg)
            .with("unit", &f.unit)
            .with("level", &f.level)
            .with("deadline", &f.deadline)
            .with("text", &f.text)
    };
    let Ok(unit) = f.unit.trim().parse::<UnitId>() else {
        let t = again("unit", "请选择督办的单位".into());
        return task_page_again(&app, &user, task, t).await;
    };
    let Some(level) = NoticeLevel::parse(f.level.trim()) else {
        let t = again("level", "督办等级无效，应为蓝色、黄色或红色".into());
        return task_page_again(&app, &user, task, t).await;
    };
    let issued = app
        .store
        .issue_notice(
            &NewNotice {
                task,
                unit,
                level,
                deadline: f.deadline.trim().to_string(),
                text: f.text.clone(),
            },
            &user.username,
        )
        .await;
    let n = match issued {
        Ok(n) => n,
        Err(e) => {
            let m = mistake(e)?;
            let field = field_for(
                &m,
                &[("期限", "deadline"), ("日期", "deadline"), ("单位", "unit")],
                "text",
            );
            return task_page_again(&app, &user, task, again(field, m)).await;
        }
    };
    app.store
        .notify(
            &NewNotification {
                user: None,
                unit: Some(n.unit_id),
                kind: "notice.issued".into(),
                subject: format!("收到{}督办单：请于{}前答复", n.level.label_zh(), n.deadline),
                body: n.text.clone(),
                link: Some(format!("/tasks/{}#notices", n.task_id)),
                dedupe_key: None,
            },
            &user.username,
        )
        .await?;
    Ok(crate::flash::redirect(
        &format!("/tasks/{task}#notices"),
        "notice_issued",
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    answer: String,
    back: String,
}

async fn notice_from_path(app: &AppState, id: &str, scope: &Scope) -> Result<Notice, Failure> {
    let id: NoticeId = id.parse().map_err(|_| Failure::NotFound)?;
    app.store.notice(id, scope).await?.ok_or(Failure::NotFound)
}

pub async fn answer(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, PageError> {
    let scope = answer_scope(&user)?;
    // Another unit's notice is as absent as a missing one.
    let n = notice_from_path(&app, &id, &scope).await?;
    if let Err(e) = app
        .store
        .answer_notice(n.id, &scope, &f.answer, &user.username)
        .await
    {
        let t = Typed::new("notice_answer", "answer", mistake(e)?)
            .with("id", &n.id.to_string())
            .with("answer", &f.answer);
        return task_page_again(&app, &user, n.task_id, t).await;
    }
    let fallback = format!("/tasks/{}#notices", n.task_id);
    Ok(crate::flash::redirect(
        &local_path(&f.back, fallback),
        "notice_answered",
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CloseForm {
    note: String,
    back: String,
}

pub async fn close(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<CloseForm>,
) -> Result<Response, PageError> {
    let n = notice_from_path(&app, &id, &Scope::All).await?;
    let closed = match app.store.close_notice(n.id, &f.note, &user.username).await {
        Ok(c) => c,
        Err(e) => {
            let t = Typed::new("notice_close", "note", mistake(e)?)
                .with("id", &n.id.to_string())
                .with("note", &f.note);
            return task_page_again(&app, &user, n.task_id, t).await;
        }
    };
    app.store
        .notify(
            &NewNotification {
                user: None,
                unit: Some(closed.unit_id),
                kind: "notice.closed".into(),
                subject: "督办单已办结".into(),
                body: closed.close_note.clone().unwrap_or_default(),
                link: Some(format!("/tasks/{}#notices", closed.task_id)),
                dedupe_key: None,
            },
            &user.username,
        )
        .await?;
    let fallback = format!("/tasks/{}#notices", n.task_id);
    Ok(crate::flash::redirect(
        &local_path(&f.back, fallback),
        "notice_closed",
    ))
}

/// Runs escalation now (the reminder job runs it on its own schedule too).
pub async fn escalate(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, PageError> {
    let raised = app
        .store
        .escalate_notices(
            OffsetDateTime::now_utc(),
            ESCALATE_EVERY_DAYS,
            &user.username,
        )
        .await?;
    Ok(Redirect::to(&format!("/admin/notices?escalated={}", raised.len())).into_response())
}

/// One pass of the reminder job now (it also runs on its own schedule when configured).
pub async fn run_reminders(State(app): State<AppState>) -> Result<Response, PageError> {
    let c = app
        .notifier
        .run_once(OffsetDateTime::now_utc())
        .await
        .map_err(|e| Failure::Internal(format!("催办提醒：{e}")))?;
    Ok(Redirect::to(&format!(
        "/admin/notices?reminded={}&sent={}&retrying={}&gave_up={}",
        c.reminders, c.sent, c.retrying, c.gave_up
    ))
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    escalated: Option<String>,
    reminded: Option<String>,
    sent: Option<String>,
    retrying: Option<String>,
    gave_up: Option<String>,
}

/// The office's list of notices not yet closed in the current plan.
pub async fn list(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    axum::extract::Query(q): axum::extract::Query<ListQuery>,
) -> Result<Html<String>, PageError> {
    let now = OffsetDateTime::now_utc();
    let (rows, counts) = match current_plan(&app).await? {
        Some(plan) => {
            let open = app.store.open_notices(plan.id).await?;
            let counts = duban_store::NoticeCounts::of(&open, now);
            (
                open.iter().map(|n| notice_context(n, now)).collect(),
                Some(counts),
            )
        }
        None => (Vec::<Value>::new(), None),
    };
    let escalated = q.escalated.and_then(|s| s.parse::<usize>().ok());
    let num = |s: Option<String>| s.and_then(|s| s.parse::<u64>().ok());
    let ran = num(q.reminded).map(|reminded| {
        context! { reminded, sent => num(q.sent), retrying => num(q.retrying), gave_up => num(q.gave_up) }
    });
    app.templates.page(
        "notices.html",
        Some(&user),
        "notices",
        context! { rows, counts, escalated, ran, every => ESCALATE_EVERY_DAYS },
    )
}
