//! Leaders' instructions (领导批示): a leader writes one on a task (the only thing a leader
//! writes); the task's lead and cooperating units are notified and answer with 落实情况.
//! The leader page shows, per 责任领导, their tasks' standings and the instructions on them.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use duban_store::{
    Instruction, InstructionFilter, InstructionId, NewNotification, Role, Scope, TaskFilter, TaskId,
};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::current::current_plan;
use crate::error::{Failure, PageError};
use crate::forms::{Typed, mistake, task_page_again};
use crate::oversight;
use crate::routes::files::unit_of;
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::format::fmt_time;

pub fn instruction_context(i: &Instruction) -> Value {
    let answers: Vec<_> = i
        .answers
        .iter()
        .map(|a| {
            context! {
                unit_name => a.unit_name,
                text => a.text,
                writer => a.writer_name,
                written_at => fmt_time(a.written_at),
            }
        })
        .collect();
    context! {
        id => i.id,
        task_id => i.task_id,
        task_text => i.task_text,
        text => i.text,
        writer => i.writer_name,
        written_at => fmt_time(i.written_at),
        answers,
    }
}

/// A task's instructions as `scope` sees them, newest first.
pub async fn task_instructions(
    app: &AppState,
    task: TaskId,
    scope: &Scope,
) -> Result<Vec<Value>, PageError> {
    let list = app
        .store
        .instructions(
            &InstructionFilter {
                task: Some(task),
                ..InstructionFilter::default()
            },
            scope,
        )
        .await?;
    Ok(list.iter().map(instruction_context).collect())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TextForm {
    text: String,
}

/// `POST /tasks/{id}/instructions`: leaders only.
pub async fn write(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(task): Path<String>,
    Form(f): Form<TextForm>,
) -> Result<Response, PageError> {
    if user.role != Role::Leader {
        return Err(Failure::Refused("领导批示由领导账号填写".into()).into());
    }
    let task: TaskId = task.parse().map_err(|_| Failure::NotFound)?;
    let (i, units) = match app
        .store
        .write_instruction(task, &f.text, &user.username)
        .await
    {
        Ok(done) => done,
        Err(e) => {
            let t = Typed::new("instruction", "text", mistake(e)?).with("text", &f.text);
            return task_page_again(&app, &user, task, t).await;
        }
    };
    for unit in units {
        app.store
            .notify(
                &NewNotification {
                    user: None,
                    unit: Some(unit),
                    kind: "instruction.new".into(),
                    subject: format!("领导批示：{}", i.task_text),
                    body: i.text.clone(),
                    link: Some(format!("/tasks/{task}#instructions")),
                    dedupe_key: None,
                },
                &user.username,
            )
            .await?;
    }
    Ok(crate::flash::redirect(
        &format!("/tasks/{task}#instructions"),
        "instruction_written",
    ))
}

/// `POST /instructions/{id}/answer`: a unit of the task answers (落实情况).
pub async fn answer(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<TextForm>,
) -> Result<Response, PageError> {
    let unit = unit_of(&user)?;
    let id: InstructionId = id.parse().map_err(|_| Failure::NotFound)?;
    // Another unit's instruction is not there for it, whatever it sent.
    if app
        .store
        .instruction(id, &Scope::Unit(unit))
        .await?
        .is_none()
    {
        return Err(Failure::NotFound.into());
    }
    let i = match app
        .store
        .answer_instruction(id, unit, &f.text, &user.username)
        .await
    {
        Ok(i) => i,
        Err(e) => {
            let m = mistake(e)?;
            let task = app
                .store
                .instruction(id, &Scope::Unit(unit))
                .await?
                .ok_or(Failure::NotFound)?
                .task_id;
            let t = Typed::new("instruction_answer", "text", m)
                .with("id", &id.to_string())
                .with("text", &f.text);
            return task_page_again(&app, &user, task, t).await;
        }
    };
    Ok(crate::flash::redirect(
        &format!("/tasks/{}#instructions", i.task_id),
        "instruction_answered",
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LeaderQuery {
    name: Option<String>,
}

/// `GET /leader`: every 责任领导 with their task count; for the one chosen (by default the
/// signed-in leader, when the ledger names them), their tasks' standings and instructions.
pub async fn page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<LeaderQuery>,
) -> Result<Html<String>, PageError> {
    let Some(plan) = current_plan(&app).await? else {
        return app.templates.page(
            "leader.html",
            Some(&user),
            "leader",
            context! { plan => () },
        );
    };
    let leaders = app.store.task_leaders(plan.id).await?;
    let asked = q.name.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let chosen = match asked {
        Some(n) => Some(n.to_string()),
        None => leaders
            .iter()
            .find(|(n, _)| n.contains(user.display_name.as_str()) && !user.display_name.is_empty())
            .or(leaders.first())
            .map(|(n, _)| n.clone()),
    };
    let (rows, lights, instructions) = match &chosen {
        Some(name) => {
            let f = TaskFilter {
                leader: Some(name.clone()),
                limit: 500,
                ..TaskFilter::default()
            };
            let (rows, _) = app.store.list_tasks(plan.id, &f, &Scope::All).await?;
            let ids: Vec<TaskId> = rows.iter().map(|t| t.id).collect();
            let lights = oversight::lights_for(&app.store, plan.id, &ids).await?;
            let instructions = app
                .store
                .instructions(
                    &InstructionFilter {
                        plan: Some(plan.id),
                        leader: Some(name.clone()),
                        ..InstructionFilter::default()
                    },
                    &Scope::All,
                )
                .await?;
            (rows, lights, instructions)
        }
        None => Default::default(),
    };
    let mut counts = std::collections::BTreeMap::<&'static str, i64>::new();
    for l in lights.values() {
        *counts.entry(l.color.label_zh()).or_default() += 1;
    }
    app.templates.page(
        "leader.html",
        Some(&user),
        "leader",
        context! {
            plan,
            leaders,
            chosen,
            rows,
            lights,
            counts,
            instructions => instructions.iter().map(instruction_context).collect::<Vec<_>>(),
        },
    )
}
