//! The unit's side of a round: "我的任务" (what it owes, grouped by urgency) and the report
//! form per task, whose every save runs the live check.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use duban_store::{
    DraftInput, Report, ReportStatus, Role, Round, RoundStatus, Scope, SelfStatus, SessionUser,
    StoreError, TaskDetail, TaskId, UnitId,
};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use crate::current::current_plan;
use crate::error::{ApiError, Failure, PageError};
use crate::livecheck::{self, FigureField, LiveCheck, Previous, ReportContent};
use crate::routes::rounds::round_from_path;
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::format::fmt_time;
use crate::views::highlight;

/// Today in China Standard Time, the calendar due dates are written in.
pub fn today_cst() -> time::Date {
    let cst = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::now_utc().to_offset(cst).date()
}

fn parse_date(s: &str) -> Option<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt).ok()
}

/// A report still owed, by how close its round's due date is.
pub const SOON_DAYS: i64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bucket {
    Owed,
    DueSoon,
    Overdue,
    Returned,
    Submitted,
    Accepted,
}

const BUCKETS: [(Bucket, &str, &str); 6] = [
    (Bucket::Overdue, "overdue", "已逾期"),
    (Bucket::Returned, "returned", "被退回"),
    (Bucket::DueSoon, "due_soon", "即将到期"),
    (Bucket::Owed, "owed", "待填报"),
    (Bucket::Submitted, "submitted", "已提交"),
    (Bucket::Accepted, "accepted", "已通过"),
];

fn bucket(report: Option<&Report>, days_left: Option<i64>) -> Bucket {
    match report.map(|r| r.status) {
        Some(ReportStatus::Accepted) => Bucket::Accepted,
        Some(ReportStatus::Submitted) => Bucket::Submitted,
        Some(ReportStatus::Returned) => Bucket::Returned,
        Some(ReportStatus::Draft) | None => match days_left {
            Some(d) if d < 0 => Bucket::Overdue,
            Some(d) if d <= SOON_DAYS => Bucket::DueSoon,
            _ => Bucket::Owed,
        },
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MyQuery {
    round: Option<String>,
}

/// The round a unit works in: the one asked for, else the newest open one.
fn pick_round(rounds: &[Round], asked: Option<&str>) -> Option<Round> {
    if let Some(id) = asked.and_then(|s| s.trim().parse::<i64>().ok()) {
        return rounds.iter().find(|r| r.id.0 == id).cloned();
    }
    rounds
        .iter()
        .rev()
        .find(|r| r.status == RoundStatus::Open)
        .cloned()
}

pub async fn my_tasks(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<MyQuery>,
) -> Result<Html<String>, PageError> {
    let unit = match (user.role, user.unit_id) {
        (Role::Unit, Some(u)) => u,
        _ => {
            return app.templates.page(
                "my_tasks.html",
                Some(&user),
                "my",
                context! { not_unit => true },
            );
        }
    };
    let Some(plan) = current_plan(&app).await? else {
        return app
            .templates
            .page("my_tasks.html", Some(&user), "my", context! {});
    };
    let now = time::OffsetDateTime::now_utc();
    let notices: Vec<_> = app
        .store
        .unit_notices(unit, true)
        .await?
        .iter()
        .filter(|n| n.plan_id == plan.id)
        .map(|n| crate::routes::notices::notice_context(n, now))
        .collect();
    let extensions: Vec<_> = app
        .store
        .extensions(
            &duban_store::ExtensionFilter {
                plan: Some(plan.id),
                unit: Some(unit),
                ..Default::default()
            },
            &Scope::Unit(unit),
        )
        .await?
        .iter()
        .take(20)
        .map(crate::routes::extensions::extension_context)
        .collect();
    let rounds = app.store.rounds(plan.id).await?;
    let round = pick_round(&rounds, q.round.as_deref());
    let round_options: Vec<_> = rounds
        .iter()
        .rev()
        .map(|r| context! { id => r.id, name => r.name, open => r.status == RoundStatus::Open })
        .collect();
    let Some(round) = round else {
        return app.templates.page(
            "my_tasks.html",
            Some(&user),
            "my",
            context! { plan, rounds => round_options, notices, extensions },
        );
    };
    let cooperating = cooperating_tasks(&app, plan.id, unit, &round).await?;
    let days_left = parse_date(&round.due_date).map(|d| (d - today_cst()).whole_days());
    let owed = app.store.unit_round_tasks(round.id, unit).await?;
    let mut groups: Vec<(Bucket, Vec<Value>)> =
        BUCKETS.iter().map(|(b, _, _)| (*b, Vec::new())).collect();
    for o in &owed {
        let b = bucket(o.report.as_ref(), days_left);
        let row = context! {
            task_id => o.task.id,
            text => o.task.text,
            section => o.task.section,
            status => o.report.as_ref().map(|r| r.status.label_zh()),
            self_status => o.report.as_ref().and_then(|r| r.self_status).map(|s| s.label_zh()),
            return_reason => o.report.as_ref().and_then(|r| r.return_reason.clone()),
            updated_at => o.report.as_ref().map(|r| fmt_time(r.updated_at)),
        };
        if let Some((_, rows)) = groups.iter_mut().find(|(g, _)| *g == b) {
            rows.push(row);
        }
    }
    let groups: Vec<_> = groups
        .into_iter()
        .zip(BUCKETS.iter())
        .map(|((_, rows), (_, key, label))| context! { key, label, count => rows.len(), rows })
        .collect();
    app.templates.page(
        "my_tasks.html",
        Some(&user),
        "my",
        context! {
            plan,
            rounds => round_options,
            round => context! { id => round.id, name => round.name, due_date => round.due_date, open => round.status == RoundStatus::Open },
            days_left,
            groups,
            total => owed.len(),
            notices,
            extensions,
            cooperating,
        },
    )
}

/// The tasks the unit cooperates on (配合) but does not lead, with its contribution for
/// the round, if written.
async fn cooperating_tasks(
    app: &AppState,
    plan: duban_store::PlanId,
    unit: UnitId,
    round: &Round,
) -> Result<Vec<Value>, PageError> {
    let Some(me) = app.store.unit(unit).await? else {
        return Ok(Vec::new());
    };
    let scope = Scope::Unit(unit);
    let mut rows = Vec::new();
    let mut offset = 0;
    loop {
        let filter = duban_store::TaskFilter {
            unit: Some(unit),
            limit: 500,
            offset,
            ..Default::default()
        };
        let (page, total) = app.store.list_tasks(plan, &filter, &scope).await?;
        let n = page.len() as u32;
        for t in page
            .into_iter()
            .filter(|t| !t.lead_units.iter().any(|n| me.answers_to(n)))
        {
            let own = app
                .store
                .contributions(t.id, round.id, &scope)
                .await?
                .into_iter()
                .find(|c| c.unit_id == unit);
            rows.push(context! {
                task_id => t.id,
                text => t.text,
                lead_units => t.lead_units,
                written => own.is_some(),
                merged => own.as_ref().is_some_and(|c| c.merged()),
                updated_at => own.as_ref().map(|c| fmt_time(c.updated_at)),
            });
        }
        offset += n;
        if n == 0 || i64::from(offset) >= total {
            break;
        }
    }
    Ok(rows)
}

/// Everything the form page is about: the round, the task, the unit and its report.
struct FormCtx {
    round: Round,
    task: TaskDetail,
    unit: UnitId,
    report: Option<Report>,
    previous: Option<(String, String)>,
    fields: Vec<FigureField>,
    /// Cooperating units' contributions, when the unit leads the task.
    contributions: Vec<duban_store::Contribution>,
    /// Evidence files on the report.
    files: Vec<duban_store::Attachment>,
    max_file_bytes: u64,
}

/// The unit's narrative for this task in the round before `round`, if it wrote one.
pub async fn previous_narrative(
    app: &AppState,
    task: TaskId,
    unit: UnitId,
    round: &Round,
) -> Result<Option<(String, String)>, StoreError> {
    let rounds = app.store.rounds(round.plan_id).await?;
    let Some(here) = rounds.iter().position(|r| r.id == round.id) else {
        return Ok(None);
    };
    let reports = app.store.task_reports(task, &Scope::Unit(unit)).await?;
    let found = rounds[..here].iter().rev().find_map(|r| {
        reports
            .iter()
            .find(|p| p.round_id == r.id && p.unit_id == unit && !p.narrative.trim().is_empty())
            .map(|p| (r.name.clone(), p.narrative.clone()))
    });
    Ok(found)
}

async fn load_ctx(
    app: &AppState,
    user: &SessionUser,
    round: &str,
    task: &str,
) -> Result<FormCtx, Failure> {
    // Reports are written by unit staff for their unit; the office reviews them elsewhere.
    let unit = match (user.role, user.unit_id) {
        (Role::Unit, Some(u)) => u,
        _ => return Err(Failure::Forbidden),
    };
    let task: TaskId = task.parse().map_err(|_| Failure::NotFound)?;
    let scope = Scope::Unit(unit);
    let detail = app
        .store
        .task(task, &scope)
        .await?
        .ok_or(Failure::NotFound)?;
    let round = round_from_path(app, round).await?;
    if round.plan_id != detail.summary.plan_id {
        return Err(Failure::NotFound);
    }
    // Only a lead unit files the report; a cooperating unit contributes through its own
    // page, which the lead merges.
    if !detail.lead.iter().any(|l| l.id == unit) {
        return Err(Failure::Refused(format!(
            "本单位是该任务的配合单位，任务报告由牵头单位填报和报送。\
             请在“配合情况”页面（/rounds/{}/tasks/{}/contribution）报送本单位的工作，由牵头单位汇总。",
            round.id, task
        )));
    }
    let report = app
        .store
        .task_reports(task, &scope)
        .await?
        .into_iter()
        .find(|r| r.round_id == round.id && r.unit_id == unit);
    let previous = previous_narrative(app, task, unit, &round).await?;
    let fields = livecheck::figure_fields(&detail.summary.text);
    let contributions = app.store.contributions(task, round.id, &scope).await?;
    let files = match &report {
        Some(r) => {
            app.store
                .attachments_of(duban_store::AttachmentOwner::Report(r.id), &scope)
                .await?
        }
        None => Vec::new(),
    };
    Ok(FormCtx {
        contributions,
        files,
        max_file_bytes: crate::routes::files::max_file_bytes(app),
        round,
        task: detail,
        unit,
        report,
        previous,
        fields,
    })
}

/// What the form holds: the stored report, or what the user just sent.
#[derive(Debug, Clone, Default)]
struct FormInput {
    narrative: String,
    self_status: String,
    delay_reason: String,
    next_steps: String,
    figs: HashMap<String, String>,
    version: String,
    action: String,
}

impl FormInput {
    fn from_report(r: &Report, fields: &[FigureField]) -> Self {
        FormInput {
            narrative: r.narrative.clone(),
            self_status: r
                .self_status
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            delay_reason: r.delay_reason.clone().unwrap_or_default(),
            next_steps: r.next_steps.clone().unwrap_or_default(),
            figs: fields
                .iter()
                .map(|f| {
                    (
                        format!("fig{}", f.index),
                        livecheck::figure_text(&r.figures, &f.key),
                    )
                })
                .collect(),
            version: r.version.to_string(),
            action: String::new(),
        }
    }

    fn from_form(pairs: Vec<(String, String)>) -> Self {
        let mut f = FormInput::default();
        for (k, v) in pairs {
            match k.as_str() {
                "narrative" => f.narrative = v,
                "self_status" => f.self_status = v,
                "delay_reason" => f.delay_reason = v,
                "next_steps" => f.next_steps = v,
                "version" => f.version = v,
                "action" => f.action = v,
                k if k.starts_with("fig") => {
                    f.figs.insert(k.to_string(), v);
                }
                _ => {}
            }
        }
        f
    }

    /// The figures that parse, for checking a form that has errors elsewhere.
    fn lenient_figures(&self, fields: &[FigureField]) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for f in fields {
            if let Some(n) = self
                .figs
                .get(&format!("fig{}", f.index))
                .and_then(|s| livecheck::parse_number(s))
                .and_then(serde_json::Number::from_f64)
            {
                m.insert(f.key.clone(), serde_json::Value::Number(n));
            }
        }
        serde_json::Value::Object(m)
    }
}

fn nonblank(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

pub fn self_status_options() -> Vec<(&'static str, &'static str)> {
    SelfStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label_zh()))
        .collect()
}

/// The live check's part of a page: verdict per target, warnings, and the narrative with
/// its evidence marked.
pub fn check_context(check: &LiveCheck, narrative: &str) -> Value {
    context! {
        targets => check.targets,
        verdict => check.verdict,
        warnings => check.warnings,
        segments => highlight::segments(narrative, &check.spans),
        has_marks => !check.spans.is_empty(),
    }
}

fn report_context(r: &Report) -> Value {
    context! {
        id => r.id,
        version => r.version,
        status => r.status.as_str(),
        status_label => r.status.label_zh(),
        return_reason => r.return_reason,
        reviewed_by => r.reviewed_by,
        reviewed_at => r.reviewed_at.map(fmt_time),
        updated_at => fmt_time(r.updated_at),
        submitted_at => r.submitted_at.map(fmt_time),
        narrative => r.narrative,
        self_status => r.self_status.map(|s| s.label_zh()),
        delay_reason => r.delay_reason,
        next_steps => r.next_steps,
    }
}

struct Shown<'a> {
    input: &'a FormInput,
    errors: Vec<String>,
    conflict: Option<&'a Report>,
    notice: Option<&'static str>,
}

/// The live check of what the form holds, figures that do not parse left out.
fn check_input(c: &FormCtx, input: &FormInput) -> LiveCheck {
    let figures = input.lenient_figures(&c.fields);
    livecheck::live_check(
        &c.task.summary.text,
        ReportContent {
            narrative: &input.narrative,
            figures: &figures,
            self_status: SelfStatus::parse(&input.self_status),
            delay_reason: Some(input.delay_reason.as_str()),
            period: c.task.period_in(&c.round),
        },
        c.previous.as_ref().map(|(name, text)| Previous {
            round_name: name,
            narrative: text,
        }),
    )
}

/// What the live check answers as the unit types: the panel, rendered by the same template a
/// save shows, and its findings as data. Nothing is stored.
#[derive(Debug, Serialize)]
pub struct CheckAnswer {
    verdict: &'static str,
    warnings: Vec<String>,
    html: String,
}

/// `POST /rounds/{round}/tasks/{task}/report/check`: the form's fields, checked unsaved.
pub async fn form_check(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((round, task)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Json<CheckAnswer>, ApiError> {
    let c = load_ctx(&app, &user, &round, &task).await?;
    let input = FormInput::from_form(pairs);
    let check = check_input(&c, &input);
    let html = app
        .templates
        .fragment(
            "livecheck.html",
            context! { check => check_context(&check, &input.narrative) },
        )
        .map_err(|PageError(f)| ApiError(f))?;
    Ok(Json(CheckAnswer {
        verdict: check.verdict,
        warnings: check.warnings,
        html,
    }))
}

fn render_form(
    app: &AppState,
    user: &SessionUser,
    c: &FormCtx,
    shown: Shown<'_>,
) -> Result<Html<String>, PageError> {
    let input = shown.input;
    let check = check_input(c, input);
    let fields: Vec<_> = c
        .fields
        .iter()
        .map(|f| {
            context! {
                name => format!("fig{}", f.index),
                label => f.label,
                unit => f.unit,
                goal => f.goal,
                hint => f.hint,
                value => input.figs.get(&format!("fig{}", f.index)).cloned().unwrap_or_default(),
            }
        })
        .collect();
    let editable = c.round.status == RoundStatus::Open
        && c.report.as_ref().is_none_or(|r| r.status.editable());
    let conflict = shown.conflict.map(|cur| {
        context! {
            version => cur.version,
            updated_at => fmt_time(cur.updated_at),
            status => cur.status.label_zh(),
            narrative => cur.narrative,
            self_status => cur.self_status.map(|s| s.label_zh()),
            delay_reason => cur.delay_reason,
            next_steps => cur.next_steps,
            figures => c.fields.iter().map(|f| context! { label => f.label, unit => f.unit, value => livecheck::figure_text(&cur.figures, &f.key) }).collect::<Vec<_>>(),
        }
    });
    // Each message also stands beside the field it names (aria-invalid); the list above the
    // form keeps them all, including those about no one field (a stale version).
    let mut error_fields: HashMap<String, String> = HashMap::new();
    for e in &shown.errors {
        let field = c
            .fields
            .iter()
            .find(|f| e.contains(&format!("“{}”", f.label)))
            .map(|f| format!("fig{}", f.index))
            .or_else(|| {
                crate::forms::field_for(
                    e,
                    &[
                        ("滞后原因", "delay_reason"),
                        ("自评", "self_status"),
                        ("进展", "narrative"),
                    ],
                    "",
                )
                .to_string()
                .into()
            })
            .filter(|f| !f.is_empty());
        if let Some(f) = field {
            error_fields.entry(f).or_insert_with(|| e.clone());
        }
    }
    app.templates.page(
        "report_form.html",
        Some(user),
        "my",
        context! {
            round => context! { id => c.round.id, name => c.round.name, due_date => c.round.due_date, open => c.round.status == RoundStatus::Open },
            task => context! { id => c.task.summary.id, text => c.task.summary.text, section => c.task.summary.section, deadline => c.task.summary.deadline, lead_units => c.task.summary.lead_units },
            report => c.report.as_ref().map(report_context),
            input => context! {
                narrative => input.narrative,
                self_status => input.self_status,
                self_status_label => SelfStatus::parse(&input.self_status).map(|s| s.label_zh()),
                delay_reason => input.delay_reason,
                next_steps => input.next_steps,
                version => input.version,
            },
            fields,
            self_statuses => self_status_options(),
            check => check_context(&check, &input.narrative),
            previous_round => c.previous.as_ref().map(|(n, _)| n.clone()),
            editable,
            errors => shown.errors,
            error_fields,
            conflict,
            notice => shown.notice,
            contributions => c.contributions.iter().map(crate::routes::contributions::contribution_context).collect::<Vec<_>>(),
            files => crate::routes::files::attachment_list(&c.files),
            max_file => duban_store::human_size(c.max_file_bytes),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FormQuery {
    done: Option<String>,
}

pub async fn form_page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((round, task)): Path<(String, String)>,
    Query(q): Query<FormQuery>,
) -> Result<Html<String>, PageError> {
    let c = load_ctx(&app, &user, &round, &task).await?;
    let input = match &c.report {
        Some(r) => FormInput::from_report(r, &c.fields),
        None => FormInput::default(),
    };
    let notice = match q.done.as_deref() {
        Some("saved") => Some("草稿已保存，右侧为本次保存的自动核对结果。"),
        Some("submitted") => Some("已报送，等待督查办审核。"),
        Some("merged") => Some("已将配合单位的内容追加到进展情况草稿中，请核对后保存或提交。"),
        Some("uploaded") => Some("佐证材料已上传。"),
        _ => None,
    };
    render_form(
        &app,
        &user,
        &c,
        Shown {
            input: &input,
            errors: Vec::new(),
            conflict: None,
            notice,
        },
    )
}

pub async fn form_submit(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((round, task)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let c = load_ctx(&app, &user, &round, &task).await?;
    let mut input = FormInput::from_form(pairs);
    let submit = input.action == "submit";
    let mut errors = Vec::new();
    let self_status = match input.self_status.trim() {
        "" => None,
        s => match SelfStatus::parse(s) {
            Some(v) => Some(v),
            None => {
                errors.push("自评状态无效，请从列表中选择".to_string());
                None
            }
        },
    };
    let figures = match livecheck::parse_figures(&c.fields, &input.figs) {
        Ok(m) => serde_json::Value::Object(m),
        Err(e) => {
            errors.extend(e);
            serde_json::Value::Null
        }
    };
    let expected_version = match input.version.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => {
                errors.push("表单版本号无效，请刷新页面后重试".to_string());
                None
            }
        },
    };
    if submit {
        if input.narrative.trim().is_empty() {
            errors.push("报送前请填写进展情况".into());
        }
        match self_status {
            None if errors.is_empty() => errors.push("报送前请选择自评状态".into()),
            Some(SelfStatus::Lagging) if input.delay_reason.trim().is_empty() => {
                errors.push("自评为“滞后”时必须填写滞后原因".into())
            }
            _ => {}
        }
    }
    let fail = |status: StatusCode,
                input: &FormInput,
                errors: Vec<String>,
                conflict: Option<&Report>|
     -> Result<Response, PageError> {
        let html = render_form(
            &app,
            &user,
            &c,
            Shown {
                input,
                errors,
                conflict,
                notice: None,
            },
        )?;
        Ok((status, html).into_response())
    };
    if !errors.is_empty() {
        return fail(StatusCode::UNPROCESSABLE_ENTITY, &input, errors, None);
    }
    let draft = DraftInput {
        task: c.task.summary.id,
        round: c.round.id,
        unit: c.unit,
        narrative: input.narrative.trim().to_string(),
        figures,
        self_status,
        delay_reason: nonblank(&input.delay_reason),
        next_steps: nonblank(&input.next_steps),
        expected_version,
    };
    // Submitting what is already stored needs no new draft version: the history then shows
    // one version per change of content, plus one per change of status.
    let unchanged = c.report.as_ref().filter(|r| {
        Some(r.version) == draft.expected_version
            && r.narrative == draft.narrative
            && r.figures == draft.figures
            && r.self_status == draft.self_status
            && r.delay_reason == draft.delay_reason
            && r.next_steps == draft.next_steps
    });
    // A changed text is saved and submitted in one transaction.
    let result = match (unchanged, submit) {
        (Some(r), true) => {
            app.store
                .submit_report(r.id, r.version, &user.username)
                .await
        }
        (None, true) => app.store.save_and_submit(&draft, &user.username).await,
        (_, false) => app.store.save_draft(&draft, &user.username).await,
    };
    match result {
        Ok(_) => {}
        Err(StoreError::Conflict { current }) => {
            let errors = conflict(&mut input, &current);
            return fail(StatusCode::CONFLICT, &input, errors, Some(&current));
        }
        Err(StoreError::Invalid(m) | StoreError::Constraint(m)) => {
            return fail(StatusCode::UNPROCESSABLE_ENTITY, &input, vec![m], None);
        }
        Err(e) => return Err(e.into()),
    }
    let done = if submit { "submitted" } else { "saved" };
    Ok(Redirect::to(&format!(
        "/rounds/{}/tasks/{}/report?done={done}",
        c.round.id, c.task.summary.id
    ))
    .into_response())
}

/// Someone saved in between: both texts are shown, the user's stays in the form, and the
/// next save goes against the version now stored (the user has seen it).
fn conflict(input: &mut FormInput, current: &Report) -> Vec<String> {
    input.version = current.version.to_string();
    vec![format!(
        "保存未成功：该报告已被他人修改（当前为第{}版，{}）。下方左侧是已保存的内容，您的内容仍保留在表单中；请核对合并后再保存。",
        current.version,
        fmt_time(current.updated_at)
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(status: ReportStatus) -> Report {
        let now = time::OffsetDateTime::UNIX_EPOCH;
        Report {
            id: duban_store::ReportId(1),
            task_id: TaskId(1),
            round_id: duban_store::RoundId(1),
            unit_id: UnitId(1),
            version: 1,
            narrative: String::new(),
            figures: serde_json::json!({}),
            self_status: None,
            delay_reason: None,
            next_steps: None,
            status,
            return_reason: None,
            created_by: "u".into(),
            created_at: now,
            updated_at: now,
            submitted_at: None,
            reviewed_by: None,
            reviewed_at: None,
        }
    }

    #[test]
    fn owed_reports_group_by_the_due_date_and_reviewed_ones_by_status() {
        assert_eq!(bucket(None, Some(10)), Bucket::Owed);
        assert_eq!(bucket(None, Some(SOON_DAYS)), Bucket::DueSoon);
        assert_eq!(bucket(None, Some(0)), Bucket::DueSoon);
        assert_eq!(bucket(None, Some(-1)), Bucket::Overdue);
        assert_eq!(
            bucket(Some(&report(ReportStatus::Draft)), Some(-5)),
            Bucket::Overdue
        );
        assert_eq!(
            bucket(Some(&report(ReportStatus::Draft)), None),
            Bucket::Owed
        );
        assert_eq!(
            bucket(Some(&report(ReportStatus::Returned)), Some(-5)),
            Bucket::Returned
        );
        assert_eq!(
            bucket(Some(&report(ReportStatus::Submitted)), Some(-5)),
            Bucket::Submitted
        );
        assert_eq!(
            bucket(Some(&report(ReportStatus::Accepted)), Some(1)),
            Bucket::Accepted
        );
    }
}
