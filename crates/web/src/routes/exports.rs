//! Data exports for the office and leaders (`Access::Oversight`; units 403 by the guard):
//! the task list as CSV (with the list's filters), a round's reports as CSV, and the whole
//! plan as one JSON document (shape in docs/api.md). CSV is written by [`crate::csv`].

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use duban_store::{Plan, RoundId, Scope, TaskFilter, TaskSummary};
use serde::Deserialize;
use serde_json::json;

use crate::csv::Csv;
use crate::current::current_plan;
use crate::error::{Failure, PageError};
use crate::oversight;
use crate::routes::api::TaskRow;
use crate::routes::downloads::file;
use crate::routes::pages::TaskQuery;
use crate::security::CurrentUser;
use crate::state::AppState;

const CSV: &str = "text/csv; charset=utf-8";

/// Every task of the plan the filter matches, in plan order, however many pages.
async fn all_tasks(
    app: &AppState,
    plan: &Plan,
    mut filter: TaskFilter,
    scope: &Scope,
) -> Result<Vec<TaskSummary>, Failure> {
    const PAGE: u32 = 500;
    filter.limit = PAGE;
    filter.offset = 0;
    let mut out = Vec::new();
    loop {
        let (rows, total) = app.store.list_tasks(plan.id, &filter, scope).await?;
        let n = rows.len();
        out.extend(rows);
        if n < PAGE as usize || out.len() as i64 >= total {
            return Ok(out);
        }
        filter.offset += PAGE;
    }
}

fn verdict_zh(v: Option<duban_model::Verdict>) -> &'static str {
    v.map(|v| v.label_zh()).unwrap_or("")
}

/// What the CSV calls where the final verdict came from.
pub fn source_zh(s: duban_standing::VerdictSource) -> &'static str {
    match s {
        duban_standing::VerdictSource::Override => "督查办改判",
        duban_standing::VerdictSource::Office => "督查办结论",
        duban_standing::VerdictSource::Machine => "自动判断",
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TasksCsvQuery {
    #[serde(flatten)]
    list: TaskQuery,
    /// red | amber | green (or 红 | 黄 | 绿).
    light: Option<String>,
    /// The responsible leader (责任领导), as written in the ledger.
    leader: Option<String>,
}

fn parse_light(s: &str) -> Option<crate::lights::Color> {
    use crate::lights::Color;
    match s {
        "red" | "红" => Some(Color::Red),
        "amber" | "yellow" | "黄" => Some(Color::Amber),
        "green" | "绿" => Some(Color::Green),
        _ => None,
    }
}

pub const TASK_COLUMNS: [&str; 17] = [
    "序号",
    "表",
    "行",
    "工作板块",
    "具体任务",
    "牵头单位",
    "配合单位",
    "责任领导",
    "完成时限",
    "最终结论",
    "结论来源",
    "督查办结论",
    "自动判断",
    "有争议",
    "灯",
    "灯说明",
    "依据",
];

pub async fn tasks_csv(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<TasksCsvQuery>,
) -> Result<Response, PageError> {
    let plan = current_plan(&app).await?.ok_or(Failure::NotFound)?;
    let light = match q.light.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(parse_light(s).ok_or_else(|| {
            Failure::BadRequest(format!("灯“{s}”无效：应为 red、amber 或 green"))
        })?),
        None => None,
    };
    let leader = q.leader.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let scope = user.scope();
    let tasks = match q.list.filter(&app.store, 500).await? {
        Some(f) => all_tasks(&app, &plan, f, &scope).await?,
        None => Vec::new(),
    };
    let ids: Vec<_> = tasks.iter().map(|t| t.id).collect();
    let lights = oversight::lights_for(&app.store, plan.id, &ids).await?;
    // The leader and the evidence are not in the list's rows: one query for the plan's
    // tasks, not one detail read per task.
    let notes = app.store.task_notes(plan.id, &scope).await?;
    let mut csv = Csv::new(&TASK_COLUMNS);
    for t in &tasks {
        let l = lights.get(&t.id.0);
        if light.is_some() && l.map(|l| l.color) != light {
            continue;
        }
        let Some(d) = notes.get(&t.id) else {
            continue;
        };
        if leader.is_some() && d.leader.as_deref().map(str::trim) != leader {
            continue;
        }
        csv.row([
            t.position.to_string(),
            t.table.to_string(),
            t.row.to_string(),
            t.section.clone().unwrap_or_default(),
            t.text.clone(),
            t.lead_units.join("、"),
            t.coop_units.join("、"),
            d.leader.clone().unwrap_or_default(),
            t.deadline.clone().unwrap_or_default(),
            verdict_zh(t.verdict).into(),
            source_zh(t.verdict_source).into(),
            verdict_zh(t.office_verdict).into(),
            verdict_zh(t.machine_verdict).into(),
            if t.disputed { "是" } else { "" }.into(),
            l.map(|l| l.color.label_zh()).unwrap_or("").into(),
            l.map(|l| l.text.clone()).unwrap_or_default(),
            d.evidence.clone(),
        ]);
    }
    let name = format!("{}任务清单.csv", plan.name);
    Ok(file(csv.into_bytes(), CSV, "tasks.csv", &name))
}

pub const REPORT_COLUMNS: [&str; 13] = [
    "序号",
    "具体任务",
    "填报单位",
    "状态",
    "自评",
    "完成情况",
    "数据",
    "延期原因",
    "下步打算",
    "提交时间",
    "审核人",
    "退回原因",
    "版本",
];

pub async fn round_reports_csv(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: RoundId = id.parse().map_err(|_| Failure::NotFound)?;
    let round = app.store.round(id).await?.ok_or(Failure::NotFound)?;
    let reports = app.store.round_reports(round.id).await?;
    let units: HashMap<i64, String> = app
        .store
        .units()
        .await?
        .into_iter()
        .map(|u| (u.id.0, u.name))
        .collect();
    let tasks: HashMap<i64, TaskSummary> = all_tasks_of(&app, round.plan_id)
        .await?
        .into_iter()
        .map(|t| (t.id.0, t))
        .collect();
    let mut csv = Csv::new(&REPORT_COLUMNS);
    for r in &reports {
        let task = tasks.get(&r.task_id.0);
        csv.row([
            task.map(|t| t.position.to_string()).unwrap_or_default(),
            task.map(|t| t.text.clone()).unwrap_or_default(),
            units.get(&r.unit_id.0).cloned().unwrap_or_default(),
            r.status.label_zh().to_string(),
            r.self_status
                .map(|s| s.label_zh())
                .unwrap_or("")
                .to_string(),
            r.narrative.clone(),
            if r.figures.is_null() {
                String::new()
            } else {
                r.figures.to_string()
            },
            r.delay_reason.clone().unwrap_or_default(),
            r.next_steps.clone().unwrap_or_default(),
            r.submitted_at
                .map(crate::views::format::fmt_time)
                .unwrap_or_default(),
            r.reviewed_by.clone().unwrap_or_default(),
            r.return_reason.clone().unwrap_or_default(),
            r.version.to_string(),
        ]);
    }
    let plan_name = app
        .store
        .plans()
        .await?
        .into_iter()
        .find(|p| p.id == round.plan_id)
        .map(|p| p.name)
        .unwrap_or_default();
    let name = format!("{plan_name}{}填报情况.csv", round.name);
    Ok(file(csv.into_bytes(), CSV, "reports.csv", &name))
}

async fn all_tasks_of(
    app: &AppState,
    plan: duban_store::PlanId,
) -> Result<Vec<TaskSummary>, Failure> {
    let plan = app
        .store
        .plans()
        .await?
        .into_iter()
        .find(|p| p.id == plan)
        .ok_or(Failure::NotFound)?;
    all_tasks(app, &plan, TaskFilter::default(), &Scope::All).await
}

/// The audit log, oldest first, read page by page.
async fn whole_audit(app: &AppState) -> Result<Vec<duban_store::AuditEntry>, Failure> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = app.store.audit_entries(500, before).await?;
        let Some(last) = page.last() else { break };
        before = Some(last.seq);
        let n = page.len();
        out.extend(page);
        if n < 500 {
            break;
        }
    }
    out.reverse();
    Ok(out)
}

pub async fn plan_json(State(app): State<AppState>) -> Result<Response, PageError> {
    let plan = current_plan(&app).await?.ok_or(Failure::NotFound)?;
    let tasks = all_tasks(&app, &plan, TaskFilter::default(), &Scope::All).await?;
    let rounds = app.store.rounds(plan.id).await?;
    let open = oversight::current_open_round(&rounds).map(|r| r.id);
    let standings = app
        .store
        .task_standings(plan.id, open, None, &Scope::All)
        .await?;
    let mut reports = Vec::new();
    for r in &rounds {
        reports.extend(app.store.round_reports(r.id).await?);
    }
    let notices = app.store.plan_notices(plan.id).await?;
    let audit = whole_audit(&app).await?;
    let rows: Vec<TaskRow> = tasks.iter().map(TaskRow::from).collect();
    let body = json!({
        "format": "duban.plan.v1",
        "exported_at": time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        "plan": {
            "id": plan.id,
            "name": plan.name,
            "year": plan.year,
            "title": plan.title,
            "source_name": plan.source_name,
            "source_format": plan.source_format,
        },
        "tasks": rows,
        "standings": standings,
        "rounds": rounds,
        "reports": reports,
        "notices": notices,
        "audit": audit,
    });
    let name = format!("{}.json", plan.name);
    let bytes = serde_json::to_vec(&body).map_err(|e| Failure::Internal(e.to_string()))?;
    Ok(file(bytes, "application/json", "plan.json", &name))
}
