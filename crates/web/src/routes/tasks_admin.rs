//! The office keeps tasks in the UI: create, edit (text, section, units, 责任领导, 完成时限)
//! and retire. Units are named as offices write them in a ledger ("区科技局、区商务委"), so
//! the form needs no script; each name must be a known unit or one of its aliases.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use duban_store::{Scope, SessionUser, StoreError, TaskDraft, TaskId, UnitId};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::current::current_plan;
use crate::error::{Failure, PageError};
use crate::forms::{Typed, field_for, mistake, task_page_again};
use crate::security::CurrentUser;
use crate::state::AppState;

/// The task form as posted; also what the page shows back after a refusal.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TaskForm {
    text: String,
    section: String,
    lead_units: String,
    coop_units: String,
    leader: String,
    deadline: String,
}

/// Unit names separated as ledgers separate them.
fn split_names(s: &str) -> impl Iterator<Item = &str> {
    s.split(['、', '，', ',', ';', '；', '\n'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
}

/// The named units, or a message naming the first one that is not known.
pub async fn resolve_units(app: &AppState, names: &str) -> Result<Vec<UnitId>, StoreError> {
    let mut ids = Vec::new();
    for name in split_names(names) {
        match app.store.unit_by_name(name).await? {
            Some(u) => ids.push(u.id),
            None => {
                return Err(StoreError::Invalid(format!(
                    "单位“{name}”不存在，请先在账号管理中添加该单位或核对名称"
                )));
            }
        }
    }
    Ok(ids)
}

fn optional(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

impl TaskForm {
    pub async fn draft(&self, app: &AppState) -> Result<TaskDraft, StoreError> {
        Ok(TaskDraft {
            section: optional(&self.section),
            text: self.text.clone(),
            lead_units: resolve_units(app, &self.lead_units).await?,
            coop_units: resolve_units(app, &self.coop_units).await?,
            leader: optional(&self.leader),
            deadline: optional(&self.deadline),
        })
    }
}

async fn render(
    app: &AppState,
    user: &SessionUser,
    task: Option<TaskId>,
    form: &TaskForm,
    error: Option<String>,
) -> Result<Html<String>, PageError> {
    let units: Vec<String> = app
        .store
        .units()
        .await?
        .into_iter()
        .map(|u| u.name)
        .collect();
    let error_field = error.as_deref().map(|m| error_field(m, form));
    app.templates.page(
        "task_form.html",
        Some(user),
        "tasks",
        context! { task, form, error, error_field, units },
    )
}

/// The field a refusal is about: a unit the message quotes is in the field that holds it;
/// otherwise the words it names.
fn error_field(m: &str, form: &TaskForm) -> &'static str {
    if let Some(name) = m.split('“').nth(1).and_then(|r| r.split('”').next()) {
        let holds = |field: &str| split_names(field).any(|n| n == name);
        if holds(&form.lead_units) {
            return "lead_units";
        }
        if holds(&form.coop_units) {
            return "coop_units";
        }
    }
    crate::forms::field_for(
        m,
        &[
            ("牵头", "lead_units"),
            ("配合", "coop_units"),
            ("时限", "deadline"),
            ("板块", "section"),
            ("责任领导", "leader"),
        ],
        "text",
    )
}

/// A refusal the office can correct: the form again with the message beside its field, 422.
async fn refused(
    app: &AppState,
    user: &SessionUser,
    task: Option<TaskId>,
    form: &TaskForm,
    e: StoreError,
) -> Result<Response, PageError> {
    match e {
        StoreError::Invalid(m) | StoreError::Constraint(m) => {
            let html = render(app, user, task, form, Some(m)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        e => Err(e.into()),
    }
}

pub async fn new_page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Html<String>, PageError> {
    render(&app, &user, None, &TaskForm::default(), None).await
}

pub async fn create(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(f): Form<TaskForm>,
) -> Result<Response, PageError> {
    let Some(plan) = current_plan(&app).await? else {
        return Err(Failure::BadRequest("尚未导入台账，不能新建任务".into()).into());
    };
    let draft = match f.draft(&app).await {
        Ok(d) => d,
        Err(e) => return refused(&app, &user, None, &f, e).await,
    };
    match app.store.create_task(plan.id, &draft, &user.username).await {
        Ok(id) => Ok(crate::flash::redirect(
            &format!("/tasks/{id}"),
            "task_saved",
        )),
        Err(e) => refused(&app, &user, None, &f, e).await,
    }
}

pub async fn edit_page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let id: TaskId = id.parse().map_err(|_| Failure::NotFound)?;
    let t = app
        .store
        .task(id, &Scope::All)
        .await?
        .ok_or(Failure::NotFound)?;
    let names = |l: &[duban_store::UnitLink]| {
        l.iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    let form = TaskForm {
        text: t.summary.text.clone(),
        section: t.summary.section.clone().unwrap_or_default(),
        lead_units: names(&t.lead),
        coop_units: names(&t.coop),
        leader: t.leader.clone().unwrap_or_default(),
        deadline: t.summary.deadline.clone().unwrap_or_default(),
    };
    render(&app, &user, Some(id), &form, None).await
}

pub async fn edit(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<TaskForm>,
) -> Result<Response, PageError> {
    let id: TaskId = id.parse().map_err(|_| Failure::NotFound)?;
    let draft = match f.draft(&app).await {
        Ok(d) => d,
        Err(e) => return refused(&app, &user, Some(id), &f, e).await,
    };
    match app.store.edit_task(id, &draft, &user.username).await {
        Ok(()) => Ok(crate::flash::redirect(
            &format!("/tasks/{id}"),
            "task_saved",
        )),
        Err(e) => refused(&app, &user, Some(id), &f, e).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RetireForm {
    reason: String,
}

pub async fn retire(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<RetireForm>,
) -> Result<Response, PageError> {
    let id: TaskId = id.parse().map_err(|_| Failure::NotFound)?;
    if let Err(e) = app.store.retire_task(id, &f.reason, &user.username).await {
        let t = Typed::new("retire", "reason", mistake(e)?).with("reason", &f.reason);
        return task_page_again(&app, &user, id, t).await;
    }
    Ok(crate::flash::redirect(
        &format!("/tasks/{id}"),
        "task_retired",
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MilestoneForm {
    due_date: String,
    label: String,
    /// A number, or blank for a stage or a milestone in words.
    target_value: String,
    target_unit: String,
    stage: String,
}

/// Adds a milestone (时间节点) to a task.
pub async fn add_milestone(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<MilestoneForm>,
) -> Result<Response, PageError> {
    let id: TaskId = id.parse().map_err(|_| Failure::NotFound)?;
    let again = |field: &'static str, msg: String| {
        Typed::new("milestone", field, msg)
            .with("due_date", &f.due_date)
            .with("label", &f.label)
            .with("target_value", &f.target_value)
            .with("target_unit", &f.target_unit)
            .with("stage", &f.stage)
    };
    let target_value = match f.target_value.trim() {
        "" => None,
        v => match v.parse::<f64>() {
            Ok(v) => Some(v),
            Err(_) => {
                let t = again("target_value", format!("节点目标值“{v}”不是数字"));
                return task_page_again(&app, &user, id, t).await;
            }
        },
    };
    if let Err(e) = app
        .store
        .add_milestone(
            id,
            &duban_store::NewMilestone {
                due_date: f.due_date.clone(),
                label: f.label.clone(),
                target_value,
                target_unit: optional(&f.target_unit),
                stage: optional(&f.stage),
            },
            &user.username,
        )
        .await
    {
        let m = mistake(e)?;
        let field = field_for(
            &m,
            &[("日期", "due_date"), ("目标", "target_value")],
            "label",
        );
        return task_page_again(&app, &user, id, again(field, m)).await;
    }
    Ok(crate::flash::redirect(
        &format!("/tasks/{id}#milestones"),
        "milestone_saved",
    ))
}

pub async fn remove_milestone(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, milestone)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id: TaskId = id.parse().map_err(|_| Failure::NotFound)?;
    let milestone: i64 = milestone.parse().map_err(|_| Failure::NotFound)?;
    app.store
        .remove_milestone(id, milestone, &user.username)
        .await?;
    Ok(crate::flash::redirect(
        &format!("/tasks/{id}#milestones"),
        "milestone_removed",
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SplitForm {
    /// One sub-task a line: "内容 | 牵头单位 | 配合单位" (the last part optional).
    children: String,
}

/// Splits a task into sub-tasks (分解); each inherits the parent's section, 责任领导 and
/// 完成时限 and names its own units.
pub async fn split(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<SplitForm>,
) -> Result<Response, PageError> {
    let id: TaskId = id.parse().map_err(|_| Failure::NotFound)?;
    let parent = app
        .store
        .task(id, &Scope::All)
        .await?
        .ok_or(Failure::NotFound)?;
    let mut children = Vec::new();
    for line in f.children.lines().filter(|l| !l.trim().is_empty()) {
        let mut parts = line.split(['|', '｜']).map(str::trim);
        let text = parts.next().unwrap_or_default();
        let lead = parts.next().unwrap_or_default();
        let coop = parts.next().unwrap_or_default();
        children.push(TaskDraft {
            section: parent.summary.section.clone(),
            text: text.to_string(),
            lead_units: resolve_units(&app, lead).await?,
            coop_units: resolve_units(&app, coop).await?,
            leader: parent.leader.clone(),
            deadline: parent.summary.deadline.clone(),
        });
    }
    app.store.split_task(id, &children, &user.username).await?;
    Ok(crate::flash::redirect(
        &format!("/tasks/{id}#subtasks"),
        "task_split",
    ))
}
