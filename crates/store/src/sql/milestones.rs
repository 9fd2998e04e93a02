//! Milestones written with the standing they move and their audit entry.

use sqlx::Row;

use super::Pool;
use super::audit::append;
use super::common::{Tx, begin_write};
use crate::audit::Change;
use crate::milestones::{NewMilestone, TaskMilestone};
use crate::verdicts::{OverrideDecision, StandingEvent};
use crate::{StoreError, TaskId};

type DbRow = <super::Db as sqlx::Database>::Row;

fn from_row(r: &DbRow) -> Result<TaskMilestone, sqlx::Error> {
    Ok(TaskMilestone {
        id: r.try_get("id")?,
        task_id: TaskId(r.try_get("task_id")?),
        due_date: r.try_get("due_date")?,
        label: r.try_get("label")?,
        target_value: r.try_get("target_value")?,
        target_unit: r.try_get("target_unit")?,
        stage: r.try_get("stage")?,
    })
}

/// The columns of one task's milestones (`$1`), as a literal so statements stay static.
macro_rules! select {
    () => {
        "SELECT id, task_id, due_date, label, target_value, target_unit, stage \
         FROM task_milestones WHERE task_id = $1"
    };
}

pub(crate) async fn list(pool: &Pool, task: TaskId) -> Result<Vec<TaskMilestone>, StoreError> {
    let rows = sqlx::query(concat!(select!(), " ORDER BY due_date"))
        .bind(task)
        .fetch_all(pool)
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// `period` with the task's milestones due by then — a figure replaces the linear share of
/// time, a stage must be reached in the text — for the part-year judgement.
pub(crate) async fn in_period(
    tx: &mut Tx,
    task: TaskId,
    period: Option<duban_standing::Period>,
) -> Result<Option<duban_standing::Period>, StoreError> {
    let Some(p) = period else {
        return Ok(None);
    };
    let rows = sqlx::query(select!())
        .bind(task)
        .fetch_all(&mut **tx)
        .await?;
    let mut figures = Vec::new();
    let mut stages = Vec::new();
    for r in &rows {
        let m = from_row(r)?;
        let Some(d) = duban_model::ymd_opt::parse(&m.due_date) else {
            continue;
        };
        if let Some(v) = m.target_value {
            figures.push((d, v));
        }
        if let Some(s) = m.stage {
            stages.push((d, s));
        }
    }
    let stages: Vec<(time::Date, &str)> = stages.iter().map(|(d, s)| (*d, s.as_str())).collect();
    Ok(Some(p.with_milestones(&figures).with_stages(&stages)))
}

/// Writes the milestones a ledger's column gives a task (import and re-import), replacing
/// the ones it had when `replace`. Part of the import's transaction; its audit entry covers
/// them.
pub(crate) async fn write_imported(
    tx: &mut Tx,
    task: i64,
    milestones: &[duban_model::Milestone],
    replace: bool,
) -> Result<(), StoreError> {
    if replace {
        sqlx::query("DELETE FROM task_milestones WHERE task_id = $1")
            .bind(task)
            .execute(&mut **tx)
            .await?;
    }
    for m in milestones {
        let label = if m.text.trim().is_empty() {
            m.stage.clone().unwrap_or_else(|| "节点".to_string())
        } else {
            m.text.clone()
        };
        sqlx::query(
            "INSERT INTO task_milestones (task_id, due_date, label, target_value, target_unit, \
             stage) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(task)
        .bind(duban_model::ymd_opt::format(m.due))
        .bind(label)
        .bind(m.value)
        .bind(m.unit.clone())
        .bind(m.stage.clone())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The milestones of every live task of a plan, by task id, as the model carries them (the
/// ledger export writes them).
pub(crate) async fn of_plan(
    pool: &Pool,
    plan: crate::PlanId,
) -> Result<Vec<(i64, duban_model::Milestone)>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.task_id, m.due_date, m.label, m.target_value, m.target_unit, m.stage \
         FROM task_milestones m JOIN tasks t ON t.id = m.task_id \
         WHERE t.plan_id = $1 AND t.retired_at IS NULL ORDER BY m.task_id, m.due_date",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let due: String = r.try_get("due_date")?;
        let Some(due) = duban_model::ymd_opt::parse(&due) else {
            continue;
        };
        out.push((
            r.try_get("task_id")?,
            duban_model::Milestone {
                due,
                text: r.try_get("label")?,
                value: r.try_get("target_value")?,
                unit: r.try_get("target_unit")?,
                stage: r.try_get("stage")?,
            },
        ));
    }
    Ok(out)
}

/// Refuses a milestone after the task's 完成时限 (a milestone is a step towards it).
async fn within_deadline(tx: &mut Tx, task: TaskId, due: &str) -> Result<(), StoreError> {
    let t = sqlx::query(
        "SELECT t.deadline, p.year FROM tasks t JOIN plans p ON p.id = t.plan_id WHERE t.id = $1",
    )
    .bind(task)
    .fetch_one(&mut **tx)
    .await?;
    let deadline: Option<String> = t.try_get("deadline")?;
    let year = t
        .try_get::<Option<i64>, _>("year")?
        .and_then(|y| i32::try_from(y).ok());
    let Some(due_date) = duban_model::ymd_opt::parse(due) else {
        return Ok(());
    };
    let (text, limit) = match deadline.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => (
            d.to_string(),
            duban_model::period::parse_deadline(d, year.unwrap_or(due_date.year())),
        ),
        None => (
            "计划年度年底".to_string(),
            year.and_then(|y| time::Date::from_calendar_date(y, time::Month::December, 31).ok()),
        ),
    };
    if let Some(limit) = limit
        && due_date > limit
    {
        return Err(StoreError::Invalid(format!(
            "时间节点（{due}）晚于任务完成时限（{text}），请调整节点日期或先修改完成时限"
        )));
    }
    Ok(())
}

async fn rejudge(tx: &mut Tx, task: TaskId, actor: &str, now: i64) -> Result<(), StoreError> {
    super::verdicts::refresh(
        tx,
        task,
        OverrideDecision::Keep,
        StandingEvent::Edit,
        actor,
        now,
    )
    .await?;
    sqlx::query(
        "UPDATE plans SET revision = revision + 1 WHERE id = (SELECT plan_id FROM tasks \
         WHERE id = $1)",
    )
    .bind(task)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn add(
    pool: &Pool,
    task: TaskId,
    m: &NewMilestone,
    actor: &str,
    now: i64,
) -> Result<TaskMilestone, StoreError> {
    let mut tx = begin_write(pool).await?;
    super::task_edit::live_task(&mut tx, task).await?;
    within_deadline(&mut tx, task, &m.due_date).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO task_milestones (task_id, due_date, label, target_value, target_unit, \
         stage) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(task)
    .bind(&m.due_date)
    .bind(&m.label)
    .bind(m.target_value)
    .bind(m.target_unit.clone())
    .bind(m.stage.clone())
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    let saved = from_row(
        &sqlx::query(concat!(select!(), " AND id = $2"))
            .bind(task)
            .bind(id)
            .fetch_one(&mut **tx)
            .await?,
    )?;
    rejudge(&mut tx, task, actor, now).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "task.milestone_add",
            entity: "task",
            entity_id: Some(task.to_string()),
            before: None,
            after: Some(serde_json::to_value(&saved)?),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

pub(crate) async fn remove(
    pool: &Pool,
    task: TaskId,
    id: i64,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    super::task_edit::live_task(&mut tx, task).await?;
    let Some(row) = sqlx::query(concat!(select!(), " AND id = $2"))
        .bind(task)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Err(StoreError::NotFound("该时间节点"));
    };
    let before = from_row(&row)?;
    sqlx::query("DELETE FROM task_milestones WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    rejudge(&mut tx, task, actor, now).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "task.milestone_remove",
            entity: "task",
            entity_id: Some(task.to_string()),
            before: Some(serde_json::to_value(&before)?),
            after: None,
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn missed(
    pool: &Pool,
    plan: crate::PlanId,
    today: &str,
) -> Result<Vec<(TaskId, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.task_id, m.due_date, m.label FROM task_milestones m \
         JOIN tasks t ON t.id = m.task_id \
         WHERE t.plan_id = $1 AND t.retired_at IS NULL AND m.due_date < $2 \
         AND t.schedule = 'lagging' AND t.evidence_as_of >= m.due_date \
         ORDER BY m.task_id, m.due_date DESC",
    )
    .bind(plan)
    .bind(today)
    .fetch_all(pool)
    .await?;
    let mut out: Vec<(TaskId, String)> = Vec::new();
    for r in &rows {
        let task = TaskId(r.try_get("task_id")?);
        // Newest first per task: the first row of each task is its latest missed one.
        if out.last().is_some_and(|(t, _)| *t == task) {
            continue;
        }
        let due: String = r.try_get("due_date")?;
        let label: String = r.try_get("label")?;
        out.push((task, format!("{due} {label}")));
    }
    Ok(out)
}
