use std::collections::HashMap;

use duban_model::Verdict;
use sqlx::Row;

use super::Pool;
use super::audit::append;
use super::common::begin_write;
use crate::audit::Change;
use crate::publication::PublicTask;
use crate::{PlanId, StoreError, TaskId};

pub(crate) async fn is_public(pool: &Pool, plan: PlanId) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT enabled FROM plan_publication WHERE plan_id = $1")
        .bind(plan)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(r) => r.try_get("enabled")?,
        None => false,
    })
}

pub(crate) async fn set_public(
    pool: &Pool,
    plan: PlanId,
    enabled: bool,
    now: i64,
    actor: &str,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let exists = sqlx::query("SELECT 1 AS one FROM plans WHERE id = $1")
        .bind(plan)
        .fetch_optional(&mut **tx)
        .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound("该计划"));
    }
    sqlx::query(
        "INSERT INTO plan_publication (plan_id, enabled, changed_by, changed_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (plan_id) DO UPDATE SET enabled = $2, \
         changed_by = $3, changed_at = $4",
    )
    .bind(plan)
    .bind(enabled)
    .bind(actor)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    append(
        &mut tx,
        Change {
            actor,
            action: if enabled {
                "plan.publish"
            } else {
                "plan.unpublish"
            },
            entity: "plan",
            entity_id: Some(plan.to_string()),
            before: None,
            after: Some(serde_json::json!({ "public": enabled })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn set_note(
    pool: &Pool,
    task: TaskId,
    note: Option<&str>,
    now: i64,
    actor: &str,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let before = sqlx::query("SELECT public_note FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("该任务"))?;
    let before: Option<String> = before.try_get("public_note")?;
    sqlx::query("UPDATE tasks SET public_note = $1 WHERE id = $2")
        .bind(note)
        .bind(task)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE plans SET revision = revision + 1 WHERE id = (SELECT plan_id FROM tasks \
         WHERE id = $1)",
    )
    .bind(task)
    .execute(&mut **tx)
    .await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "task.public_note",
            entity: "task",
            entity_id: Some(task.to_string()),
            before: Some(serde_json::json!({ "public_note": before })),
            after: Some(serde_json::json!({ "public_note": note })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn tasks(pool: &Pool, plan: PlanId) -> Result<Vec<PublicTask>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.id, t.section, t.text, t.deadline, t.verdict, t.closed_on, t.public_note \
         FROM tasks t WHERE t.plan_id = $1 AND t.retired_at IS NULL ORDER BY t.position",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?;
    let links = sqlx::query(
        "SELECT tu.task_id, u.name FROM task_units tu JOIN tasks t ON t.id = tu.task_id \
         JOIN units u ON u.id = tu.unit_id WHERE t.plan_id = $1 AND tu.role = 'lead' \
         ORDER BY tu.task_id, tu.position",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?;
    let mut leads: HashMap<i64, Vec<String>> = HashMap::new();
    for r in &links {
        leads
            .entry(r.try_get("task_id")?)
            .or_default()
            .push(r.try_get("name")?);
    }
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            let verdict: Option<String> = r.try_get("verdict")?;
            Ok(PublicTask {
                id: TaskId(id),
                section: r.try_get("section")?,
                text: r.try_get("text")?,
                lead_units: leads.remove(&id).unwrap_or_default(),
                deadline: r.try_get("deadline")?,
                verdict: verdict.as_deref().and_then(Verdict::parse),
                closed_on: r.try_get("closed_on")?,
                public_note: r.try_get("public_note")?,
            })
        })
        .collect()
}
