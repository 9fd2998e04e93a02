use sqlx::{QueryBuilder, Row};

use super::audit::append;
use super::common::{Tx, begin_write};
use super::{Db, Pool};
use crate::attachments::CheckedFile;
use crate::audit::Change;
use crate::closeouts::{CloseoutFilter, CloseoutRow, CloseoutStatus};
use crate::{AttachmentOwner, Closeout, CloseoutId, Scope, StoreError, TaskId, UnitId};

const SELECT: &str = "SELECT c.id, t.plan_id, c.task_id, t.position AS task_position, \
     t.text AS task_text, c.unit_id, u.name AS unit_name, c.narrative, c.status, c.applied_by, \
     c.applied_at, c.decided_by, c.decided_at, c.decision_note, c.reopened_by, c.reopened_at, \
     c.reopen_reason \
     FROM closeouts c JOIN tasks t ON t.id = c.task_id JOIN units u ON u.id = c.unit_id \
     WHERE 1 = 1";

pub(crate) async fn list(
    pool: &Pool,
    f: &CloseoutFilter,
    id: Option<CloseoutId>,
    scope: &Scope,
) -> Result<Vec<Closeout>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(SELECT);
    if let Some(id) = id {
        qb.push(" AND c.id = ").push_bind(id);
    }
    if let Some(p) = f.plan {
        qb.push(" AND t.plan_id = ").push_bind(p);
    }
    if let Some(t) = f.task {
        qb.push(" AND c.task_id = ").push_bind(t);
    }
    if let Some(s) = f.status {
        qb.push(" AND c.status = ").push_bind(s.as_str());
    }
    // A unit sees the applications on tasks naming it (lead or cooperating).
    if let Scope::Unit(u) = scope {
        qb.push(
            " AND EXISTS (SELECT 1 FROM task_units s WHERE s.task_id = c.task_id AND s.unit_id = ",
        )
        .push_bind(*u)
        .push(")");
    }
    qb.push(" ORDER BY c.id DESC");
    let rows: Vec<CloseoutRow> = qb.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(CloseoutRow::into_closeout).collect())
}

async fn load(tx: &mut Tx, id: CloseoutId) -> Result<Closeout, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(SELECT);
    qb.push(" AND c.id = ").push_bind(id);
    let row: Option<CloseoutRow> = qb.build_query_as().fetch_optional(&mut **tx).await?;
    row.map(CloseoutRow::into_closeout)
        .ok_or(StoreError::NotFound("该办结申请"))
}

/// Changes the task's closing date and its plan's revision (so cached lists and lights
/// are recomputed).
async fn set_closed_on(tx: &mut Tx, task: TaskId, on: Option<&str>) -> Result<(), StoreError> {
    sqlx::query("UPDATE tasks SET closed_on = $1 WHERE id = $2")
        .bind(on)
        .bind(task)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE plans SET revision = revision + 1 WHERE id = (SELECT plan_id FROM tasks WHERE id = $1)",
    )
    .bind(task)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn apply(
    pool: &Pool,
    task: TaskId,
    unit: UnitId,
    narrative: &str,
    files: &[CheckedFile],
    actor: &str,
    now: i64,
) -> Result<Closeout, StoreError> {
    let mut tx = begin_write(pool).await?;
    let row = sqlx::query("SELECT closed_on FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("该任务"))?;
    let closed_on: Option<String> = row.try_get("closed_on")?;
    if let Some(on) = closed_on {
        return Err(StoreError::Invalid(format!(
            "该任务已于{on}办结销号，不能再申请"
        )));
    }
    let lead = sqlx::query(
        "SELECT 1 AS one FROM task_units WHERE task_id = $1 AND unit_id = $2 AND role = 'lead'",
    )
    .bind(task)
    .bind(unit)
    .fetch_optional(&mut **tx)
    .await?;
    if lead.is_none() {
        return Err(StoreError::Invalid("只有牵头单位可以申请办结销号".into()));
    }
    let pending = sqlx::query("SELECT id FROM closeouts WHERE task_id = $1 AND status = 'pending'")
        .bind(task)
        .fetch_optional(&mut **tx)
        .await?;
    if pending.is_some() {
        return Err(StoreError::Invalid(
            "该任务已有一份待审核的办结申请，请等待督查办审核".into(),
        ));
    }
    let row = sqlx::query(
        "INSERT INTO closeouts (task_id, unit_id, narrative, status, applied_by, applied_at) \
         VALUES ($1, $2, $3, 'pending', $4, $5) RETURNING id",
    )
    .bind(task)
    .bind(unit)
    .bind(narrative)
    .bind(actor)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let id = CloseoutId(row.try_get("id")?);
    let saved = load(&mut tx, id).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "closeout.apply",
            entity: "closeout",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(saved.audit_json()),
            at: now,
        },
    )
    .await?;
    super::attachments::attach_in(&mut tx, AttachmentOwner::Closeout(id), files, actor, now)
        .await?;
    tx.commit().await?;
    Ok(saved)
}

pub(crate) async fn decide(
    pool: &Pool,
    id: CloseoutId,
    approve: bool,
    note: &str,
    today: &str,
    actor: &str,
    now: i64,
) -> Result<Closeout, StoreError> {
    let mut tx = begin_write(pool).await?;
    let current = load(&mut tx, id).await?;
    if current.status != CloseoutStatus::Pending {
        return Err(StoreError::Invalid(format!(
            "该办结申请{}，不能再审核",
            current.status.label_zh()
        )));
    }
    let status = if approve {
        CloseoutStatus::Approved
    } else {
        CloseoutStatus::Refused
    };
    let note = (!note.is_empty()).then_some(note);
    sqlx::query(
        "UPDATE closeouts SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4 \
         WHERE id = $5 AND status = 'pending'",
    )
    .bind(status.as_str())
    .bind(actor)
    .bind(now)
    .bind(note)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if approve {
        set_closed_on(&mut tx, current.task_id, Some(today)).await?;
    }
    let saved = load(&mut tx, id).await?;
    let mut after = saved.audit_json();
    if approve {
        after["closed_on"] = serde_json::json!(today);
    }
    append(
        &mut tx,
        Change {
            actor,
            action: if approve {
                "closeout.approve"
            } else {
                "closeout.refuse"
            },
            entity: "closeout",
            entity_id: Some(id.to_string()),
            before: Some(current.audit_json()),
            after: Some(after),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

pub(crate) async fn reopen(
    pool: &Pool,
    task: TaskId,
    reason: &str,
    actor: &str,
    now: i64,
) -> Result<Closeout, StoreError> {
    let mut tx = begin_write(pool).await?;
    let row = sqlx::query(
        "SELECT id FROM closeouts WHERE task_id = $1 AND status = 'approved' ORDER BY id DESC",
    )
    .bind(task)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::Invalid("该任务未办结销号，无需重新打开".into()))?;
    let id = CloseoutId(row.try_get("id")?);
    let current = load(&mut tx, id).await?;
    sqlx::query(
        "UPDATE closeouts SET status = 'reopened', reopened_by = $1, reopened_at = $2, \
         reopen_reason = $3 WHERE id = $4",
    )
    .bind(actor)
    .bind(now)
    .bind(reason)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    set_closed_on(&mut tx, task, None).await?;
    let saved = load(&mut tx, id).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "closeout.reopen",
            entity: "closeout",
            entity_id: Some(id.to_string()),
            before: Some(current.audit_json()),
            after: Some(saved.audit_json()),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}
