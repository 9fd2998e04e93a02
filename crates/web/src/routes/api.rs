//! The JSON API: the same data as the pages, scoped the same way.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use duban_store::{LoginOutcome, Scope, TaskId, TaskSummary};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;

use crate::auth::Attempt;
use crate::current::current_plan;
use crate::error::{ApiError, Failure};
use crate::oversight;
use crate::routes::pages::TaskQuery;
use crate::security::CurrentUser;
use crate::security::client::Client;
use crate::security::cookies;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

pub async fn login(
    State(app): State<AppState>,
    client: Client,
    Json(c): Json<Credentials>,
) -> Response {
    let now = OffsetDateTime::now_utc();
    let outcome = match crate::auth::login(&app, &c.username, &c.password, &client.addr).await {
        Ok(Attempt::Outcome(o)) => o,
        Ok(Attempt::Refused(msg)) => return ApiError(Failure::Refused(msg)).into_response(),
        Err(f) => return ApiError(f).into_response(),
    };
    match outcome {
        LoginOutcome::Ok(user) => match app.store.create_session(user.id, now).await {
            Ok(s) => {
                let cookie = cookies::session(&s.token, client.https);
                let body = json!({
                    "username": user.username,
                    "role": user.role.as_str(),
                    "must_change": user.must_change,
                    "csrf_token": s.csrf,
                });
                ([(header::SET_COOKIE, cookie)], Json(body)).into_response()
            }
            Err(e) => ApiError::from(e).into_response(),
        },
        LoginOutcome::BadCredentials => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "用户名或密码错误"})),
        )
            .into_response(),
        LoginOutcome::Locked { until } => {
            let wait = (until - now).whole_seconds().max(1);
            (
                StatusCode::LOCKED,
                [(header::RETRY_AFTER, HeaderValue::from(wait))],
                Json(json!({
                    "error": format!("登录失败次数过多，已暂时锁定，请{wait}秒后再试"),
                    "locked_until": until.unix_timestamp(),
                    "retry_after": wait,
                })),
            )
                .into_response()
        }
    }
}

pub async fn logout(
    State(app): State<AppState>,
    client: Client,
    headers: axum::http::HeaderMap,
) -> Response {
    if let Some(token) = cookies::get(&headers, cookies::SESSION)
        && let Err(e) = app.store.delete_session(&token).await
    {
        return ApiError::from(e).into_response();
    }
    let clear: HeaderValue = cookies::clear_session(client.https);
    (StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response()
}

/// The contract's row: `id, table, row, section, text, lead_units, coop_units, verdict,
/// office_verdict`, plus a few more fields.
#[derive(Serialize)]
pub struct TaskRow<'a> {
    id: TaskId,
    table: i64,
    row: i64,
    section: &'a Option<String>,
    text: &'a str,
    lead_units: &'a [String],
    coop_units: &'a [String],
    lead_groups: &'a [String],
    coop_groups: &'a [String],
    deadline: &'a Option<String>,
    verdict: Option<&'static str>,
    office_verdict: Option<&'static str>,
    machine_verdict: Option<&'static str>,
    disputed: bool,
    /// Where `verdict` (the final one) came from: override | office | machine.
    verdict_source: &'static str,
    /// The close-out date (办结销号), ISO; null while the task is open.
    closed_on: &'a Option<String>,
}

impl<'a> From<&'a TaskSummary> for TaskRow<'a> {
    fn from(t: &'a TaskSummary) -> Self {
        TaskRow {
            id: t.id,
            table: t.table,
            row: t.row,
            section: &t.section,
            text: &t.text,
            lead_units: &t.lead_units,
            coop_units: &t.coop_units,
            lead_groups: &t.lead_groups,
            coop_groups: &t.coop_groups,
            deadline: &t.deadline,
            verdict: t.verdict.map(|v| v.as_str()),
            office_verdict: t.office_verdict.map(|v| v.as_str()),
            machine_verdict: t.machine_verdict.map(|v| v.as_str()),
            disputed: t.disputed,
            verdict_source: t.verdict_source.as_str(),
            closed_on: &t.closed_on,
        }
    }
}

pub async fn tasks(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<TaskQuery>,
) -> Result<Response, ApiError> {
    let Some(plan) = current_plan(&app).await? else {
        return Ok(Json(json!({"tasks": [], "total": 0})).into_response());
    };
    let Some(filter) = q.filter(&app.store, 500).await? else {
        return Ok(Json(json!({"tasks": [], "total": 0})).into_response());
    };
    // Pages of the usual size are kept with their JSON (see `oversight::list_page`); a
    // long page is read and serialized each time rather than held in memory.
    if filter.limit <= REMEMBERED_LIMIT {
        let (page, _) = oversight::list_page(
            &app.store,
            &app.overview_caches,
            plan.id,
            &filter,
            &user.scope(),
        )
        .await?;
        let body = page.json(|p| task_page_json(&p.rows, p.total))?;
        return Ok(json_response(body));
    }
    let (rows, total) = app
        .store
        .list_tasks(plan.id, &filter, &user.scope())
        .await?;
    Ok(json_response(task_page_json(&rows, total)?.into()))
}

/// The longest page of the JSON list kept in memory.
const REMEMBERED_LIMIT: u32 = 100;

/// A page of the JSON list, serialized straight from the rows (through `serde_json::Value`
/// it was built twice).
fn task_page_json(rows: &[TaskSummary], total: i64) -> Result<Vec<u8>, ApiError> {
    let tasks: Vec<TaskRow> = rows.iter().map(TaskRow::from).collect();
    serde_json::to_vec(&TaskPage { tasks, total })
        .map_err(|e| ApiError::from(Failure::Internal(e.to_string())))
}

fn json_response(body: axum::body::Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

#[derive(Serialize)]
struct TaskPage<'a> {
    tasks: Vec<TaskRow<'a>>,
    total: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TaskInclude {
    /// Comma-separated: `reports` (every report on the task in the caller's scope, newest
    /// round first) and `history` (how the standing moved).
    include: String,
}

pub async fn task(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Query(inc): Query<TaskInclude>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut wants = (false, false);
    for part in inc
        .include
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match part {
            "reports" => wants.0 = true,
            "history" => wants.1 = true,
            other => {
                return Err(Failure::BadRequest(format!(
                    "include 的取值“{other}”无效：应为 reports 或 history"
                ))
                .into());
            }
        }
    }
    let id: TaskId = id.parse().map_err(|_| Failure::NotFound)?;
    let t = app
        .store
        .task(id, &user.scope())
        .await?
        .ok_or(Failure::NotFound)?;
    let mut v = serde_json::to_value(TaskRow::from(&t.summary))
        .map_err(|e| Failure::Internal(e.to_string()))?;
    if let Some(obj) = v.as_object_mut() {
        obj.insert("progress".into(), json!(t.progress));
        obj.insert("progress_label".into(), json!(t.progress_label));
        obj.insert(
            "verdict_source_label".into(),
            json!(t.verdict_source_label()),
        );
        obj.insert("evidence".into(), json!(t.evidence));
        obj.insert("evidence_text".into(), json!(t.evidence_narrative()));
        obj.insert("evidence_figures".into(), json!(t.evidence_figures));
        obj.insert("as_of".into(), json!(t.evidence_as_of));
        obj.insert("schedule".into(), json!(t.schedule));
        obj.insert("leader".into(), json!(t.leader));
        obj.insert("explanation".into(), json!(t.explanation));
        obj.insert("targets".into(), json!(t.targets));
        obj.insert("final_verdict".into(), json!(t.final_verdict));
        obj.insert("override_reason".into(), json!(t.override_reason));
        if wants.0 {
            let reports = app.store.task_reports(id, &user.scope()).await?;
            obj.insert("reports".into(), json!(reports));
        }
        if wants.1 {
            let history = app.store.standing_history(id).await?;
            obj.insert("standing_history".into(), json!(history));
        }
    }
    Ok(Json(v))
}

pub async fn overview(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Some(plan) = current_plan(&app).await? else {
        return Ok(Json(json!({"plan": null})));
    };
    let o = app.store.overview(plan.id, &user.scope()).await?;
    Ok(Json(json!({
        "plan": {"id": plan.id, "name": plan.name, "year": plan.year},
        "counts": o.counts,
        "disputed": o.disputed,
        "by_section": o.by_section,
        "by_lead_unit": o.by_lead_unit,
    })))
}

pub async fn units(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let all = app.store.units().await?;
    let units: Vec<_> = match user.scope() {
        Scope::All => all,
        Scope::Unit(own) => all.into_iter().filter(|u| u.id == own).collect(),
    };
    Ok(Json(json!({ "units": units })))
}
