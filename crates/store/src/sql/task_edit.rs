//! The office's own changes to tasks, each in one transaction: the row, its unit links, the
//! machine's reading of its (imported) progress against the new text, its standing and the
//! audit entry move together or not at all.

use duban_standing::{judge, period_for};
use sqlx::Row;

use super::Pool;
use super::audit::append;
use super::common::{Tx, begin_write};
use crate::audit::Change;
use crate::task_edit::TaskDraft;
use crate::verdicts::{OverrideDecision, StandingEvent};
use crate::{PlanId, StoreError, TaskId};

async fn plan_year(tx: &mut Tx, plan: PlanId) -> Result<Option<i32>, StoreError> {
    let row = sqlx::query("SELECT year FROM plans WHERE id = $1")
        .bind(plan)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("该计划"))?;
    Ok(row
        .try_get::<Option<i64>, _>("year")?
        .and_then(|y| i32::try_from(y).ok()))
}

/// Every unit named exists, else the message says which does not.
async fn check_units(tx: &mut Tx, d: &TaskDraft) -> Result<(), StoreError> {
    for u in d.lead_units.iter().chain(&d.coop_units) {
        let found = sqlx::query("SELECT id FROM units WHERE id = $1")
            .bind(*u)
            .fetch_optional(&mut **tx)
            .await?;
        if found.is_none() {
            return Err(StoreError::Invalid(format!("单位（编号 {u}）不存在")));
        }
    }
    Ok(())
}

/// The task's links replaced by the draft's units, in its order.
pub(crate) async fn write_links(
    tx: &mut Tx,
    plan: PlanId,
    task: TaskId,
    position: i64,
    d: &TaskDraft,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM task_units WHERE task_id = $1")
        .bind(task)
        .execute(&mut **tx)
        .await?;
    for (role, list) in [("lead", &d.lead_units), ("coop", &d.coop_units)] {
        for (pos, u) in list.iter().enumerate() {
            sqlx::query(
                "INSERT INTO task_units (task_id, unit_id, role, position, plan_id, \
                 task_position) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(task)
            .bind(*u)
            .bind(role)
            .bind(i64::try_from(pos).unwrap_or(i64::MAX))
            .bind(plan)
            .bind(position)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// The machine's reading of the imported progress against the (new) task text, as of the
/// date the imported document speaks for, stored as the imported reading so the standing
/// falls back to it while no report speaks.
async fn reread(
    tx: &mut Tx,
    task: TaskId,
    text: &str,
    deadline: Option<&str>,
    plan_year: Option<i32>,
) -> Result<(), StoreError> {
    let row = sqlx::query("SELECT progress, imported_as_of FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&mut **tx)
        .await?;
    let progress: String = row.try_get("progress")?;
    let as_of = row
        .try_get::<Option<String>, _>("imported_as_of")?
        .and_then(|d| duban_model::ymd_opt::parse(&d));
    let period = as_of.and_then(|d| period_for(Some(d), deadline, plan_year.or(Some(d.year()))));
    let period = super::milestones::in_period(tx, task, period).await?;
    let j = judge(text, &progress, &serde_json::Value::Null, period);
    sqlx::query(
        "UPDATE tasks SET imported_machine_verdict = $1, imported_explanation = $2, \
         imported_targets_json = $3, imported_schedule = $4 WHERE id = $5",
    )
    .bind(j.verdict.as_str())
    .bind(j.explanation)
    .bind(serde_json::to_string(&j.targets)?)
    .bind(j.schedule.map(|s| s.as_str()))
    .bind(task)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What the audit log records of a task the office writes.
async fn snapshot(tx: &mut Tx, task: TaskId) -> Result<serde_json::Value, StoreError> {
    Ok(serde_json::to_value(current_draft(tx, task).await?)?)
}

async fn bump(tx: &mut Tx, plan: PlanId) -> Result<(), StoreError> {
    sqlx::query("UPDATE plans SET revision = revision + 1 WHERE id = $1")
        .bind(plan)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Inserts one task inside `tx` (for creating and splitting): after the plan's others, its
/// targets read, its standing set. Returns its id; the caller audits.
pub(crate) async fn insert(
    tx: &mut Tx,
    plan: PlanId,
    d: &TaskDraft,
    parent: Option<TaskId>,
    plan_year: Option<i32>,
    actor: &str,
    now: i64,
) -> Result<TaskId, StoreError> {
    check_units(tx, d).await?;
    let position: i64 =
        sqlx::query("SELECT COALESCE(MAX(position), 0) + 1 AS p FROM tasks WHERE plan_id = $1")
            .bind(plan)
            .fetch_one(&mut **tx)
            .await?
            .try_get("p")?;
    // Table 0 holds the tasks the office added; the row is the task's place in the plan.
    let row = sqlx::query(
        "INSERT INTO tasks (plan_id, position, table_no, row_no, section, text, progress, \
         leader, deadline, parent_id) VALUES ($1, $2, 0, $3, $4, $5, '', $6, $7, $8) \
         RETURNING id",
    )
    .bind(plan)
    .bind(position)
    .bind(position)
    .bind(d.section.clone())
    .bind(d.text.clone())
    .bind(d.leader.clone())
    .bind(d.deadline.clone())
    .bind(parent)
    .fetch_one(&mut **tx)
    .await?;
    let id = TaskId(row.try_get("id")?);
    super::search::index_tasks(tx, &[id.0]).await?;
    write_links(tx, plan, id, position, d).await?;
    reread(tx, id, &d.text, d.deadline.as_deref(), plan_year).await?;
    super::verdicts::refresh(
        tx,
        id,
        OverrideDecision::Keep,
        StandingEvent::Edit,
        actor,
        now,
    )
    .await?;
    Ok(id)
}

pub(crate) async fn create(
    pool: &Pool,
    plan: PlanId,
    draft: &TaskDraft,
    parent: Option<TaskId>,
    actor: &str,
    now: i64,
) -> Result<TaskId, StoreError> {
    let mut tx = begin_write(pool).await?;
    let year = plan_year(&mut tx, plan).await?;
    let d = draft.checked(year)?;
    let id = insert(&mut tx, plan, &d, parent, year, actor, now).await?;
    bump(&mut tx, plan).await?;
    let after = snapshot(&mut tx, id).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "task.create",
            entity: "task",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(after),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The task's plan and position, refusing a retired task (its record is history).
pub(crate) async fn live_task(tx: &mut Tx, task: TaskId) -> Result<(PlanId, i64), StoreError> {
    let row = sqlx::query("SELECT plan_id, position, retired_at FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("该任务"))?;
    if row.try_get::<Option<i64>, _>("retired_at")?.is_some() {
        return Err(StoreError::Invalid("该任务已撤销，不能再修改".into()));
    }
    Ok((PlanId(row.try_get("plan_id")?), row.try_get("position")?))
}

/// What the task says now, as a draft (for changes that touch one part of it).
pub(crate) async fn current_draft(tx: &mut Tx, task: TaskId) -> Result<TaskDraft, StoreError> {
    let t = sqlx::query("SELECT text, section, leader, deadline FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&mut **tx)
        .await?;
    let links =
        sqlx::query("SELECT unit_id, role FROM task_units WHERE task_id = $1 ORDER BY position")
            .bind(task)
            .fetch_all(&mut **tx)
            .await?;
    let mut d = TaskDraft {
        text: t.try_get("text")?,
        section: t.try_get("section")?,
        leader: t.try_get("leader")?,
        deadline: t.try_get("deadline")?,
        ..TaskDraft::default()
    };
    for l in &links {
        let id = crate::UnitId(l.try_get("unit_id")?);
        match l.try_get::<String, _>("role")?.as_str() {
            "lead" => d.lead_units.push(id),
            _ => d.coop_units.push(id),
        }
    }
    Ok(d)
}

/// Writes `draft` over a live task inside `tx`: row, links, the reading of its targets, its
/// standing, its handovers (new lead units must sign), the plan's revision and the audit
/// entry `action`.
pub(crate) async fn apply(
    tx: &mut Tx,
    task: TaskId,
    draft: &TaskDraft,
    action: &'static str,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let (plan, position) = live_task(tx, task).await?;
    let year = plan_year(tx, plan).await?;
    let d = draft.checked(year)?;
    check_units(tx, &d).await?;
    let before = snapshot(tx, task).await?;
    sqlx::query(
        "UPDATE tasks SET text = $1, section = $2, leader = $3, deadline = $4 WHERE id = $5",
    )
    .bind(d.text.clone())
    .bind(d.section.clone())
    .bind(d.leader.clone())
    .bind(d.deadline.clone())
    .bind(task)
    .execute(&mut **tx)
    .await?;
    super::search::index_tasks(tx, &[task.0]).await?;
    write_links(tx, plan, task, position, &d).await?;
    reread(tx, task, &d.text, d.deadline.as_deref(), year).await?;
    // The accepted reports are judged again against the new text; an override the office
    // made stays its last word (it may edit or withdraw it on the task page).
    super::verdicts::refresh(
        tx,
        task,
        OverrideDecision::Keep,
        StandingEvent::Edit,
        actor,
        now,
    )
    .await?;
    super::handover::follow_lead_units(tx, task, actor, now).await?;
    bump(tx, plan).await?;
    let after = snapshot(tx, task).await?;
    append(
        tx,
        Change {
            actor,
            action,
            entity: "task",
            entity_id: Some(task.to_string()),
            before: Some(before),
            after: Some(after),
            at: now,
        },
    )
    .await?;
    Ok(())
}

pub(crate) async fn edit(
    pool: &Pool,
    task: TaskId,
    draft: &TaskDraft,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    apply(&mut tx, task, draft, "task.edit", actor, now).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn retire(
    pool: &Pool,
    task: TaskId,
    reason: &str,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let (plan, _) = live_task(&mut tx, task).await?;
    sqlx::query(
        "UPDATE tasks SET retired_at = $1, retired_by = $2, retire_reason = $3 WHERE id = $4",
    )
    .bind(now)
    .bind(actor)
    .bind(reason)
    .bind(task)
    .execute(&mut **tx)
    .await?;
    // A retired sub-task no longer counts for the task it was split from.
    let parent: Option<i64> = sqlx::query("SELECT parent_id FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_one(&mut **tx)
        .await?
        .try_get("parent_id")?;
    if let Some(p) = parent {
        super::verdicts::refresh(
            &mut tx,
            TaskId(p),
            OverrideDecision::Keep,
            StandingEvent::Edit,
            actor,
            now,
        )
        .await?;
    }
    bump(&mut tx, plan).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "task.retire",
            entity: "task",
            entity_id: Some(task.to_string()),
            before: None,
            after: Some(serde_json::json!({ "reason": reason })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn split(
    pool: &Pool,
    parent: TaskId,
    children: &[TaskDraft],
    actor: &str,
    now: i64,
) -> Result<Vec<TaskId>, StoreError> {
    let mut tx = begin_write(pool).await?;
    let (plan, _) = live_task(&mut tx, parent).await?;
    let grandparent: Option<i64> = sqlx::query("SELECT parent_id FROM tasks WHERE id = $1")
        .bind(parent)
        .fetch_one(&mut **tx)
        .await?
        .try_get("parent_id")?;
    if grandparent.is_some() {
        return Err(StoreError::Invalid("子任务不能再分解".into()));
    }
    let year = plan_year(&mut tx, plan).await?;
    // Every child is checked before any is written, so the message names the first bad one.
    let mut checked = Vec::with_capacity(children.len());
    for (i, c) in children.iter().enumerate() {
        checked.push(
            c.checked(year)
                .map_err(|e| StoreError::Invalid(format!("第{}项子任务：{e}", i + 1)))?,
        );
    }
    let mut ids = Vec::with_capacity(checked.len());
    for c in &checked {
        ids.push(insert(&mut tx, plan, c, Some(parent), year, actor, now).await?);
    }
    bump(&mut tx, plan).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "task.split",
            entity: "task",
            entity_id: Some(parent.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "children": ids.iter().map(|i| i.0).collect::<Vec<_>>(),
                "drafts": checked,
            })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(ids)
}

pub(crate) async fn children(
    pool: &Pool,
    parent: TaskId,
) -> Result<Vec<(TaskId, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, text FROM tasks WHERE parent_id = $1 AND retired_at IS NULL ORDER BY position",
    )
    .bind(parent)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((TaskId(r.try_get("id")?), r.try_get("text")?)))
        .collect()
}
