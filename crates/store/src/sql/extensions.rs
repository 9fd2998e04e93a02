use sqlx::{QueryBuilder, Row};

use super::audit::append;
use super::common::{Tx, begin_write};
use super::{Db, Pool};
use crate::audit::Change;
use crate::extensions::ExtensionRow;
use crate::{
    Extension, ExtensionFilter, ExtensionId, ExtensionStatus, NewExtension, Scope, StoreError,
};

const EXTENSION_SELECT: &str = "SELECT e.id, e.plan_id, e.task_id, t.position AS task_position, \
     t.text AS task_text, e.round_id, ro.name AS round_name, e.unit_id, u.name AS unit_name, \
     e.requested_date, e.reason, e.status, e.requested_by, e.requested_at, e.decided_by, \
     e.decided_at, e.decision_note \
     FROM extension_requests e JOIN tasks t ON t.id = e.task_id JOIN units u ON u.id = e.unit_id \
     LEFT JOIN rounds ro ON ro.id = e.round_id WHERE 1 = 1";

pub(crate) async fn list(
    pool: &Pool,
    f: &ExtensionFilter,
    id: Option<ExtensionId>,
    scope: &Scope,
) -> Result<Vec<Extension>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(EXTENSION_SELECT);
    if let Some(id) = id {
        qb.push(" AND e.id = ").push_bind(id);
    }
    if let Some(p) = f.plan {
        qb.push(" AND e.plan_id = ").push_bind(p);
    }
    if let Some(t) = f.task {
        qb.push(" AND e.task_id = ").push_bind(t);
    }
    if let Some(u) = f.unit {
        qb.push(" AND e.unit_id = ").push_bind(u);
    }
    if let Some(r) = f.round {
        qb.push(" AND e.round_id = ").push_bind(r);
    }
    if let Some(s) = f.status {
        qb.push(" AND e.status = ").push_bind(s.as_str());
    }
    if let Scope::Unit(u) = scope {
        qb.push(" AND e.unit_id = ").push_bind(*u);
    }
    qb.push(" ORDER BY e.id DESC");
    let rows: Vec<ExtensionRow> = qb.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(ExtensionRow::into_extension).collect())
}

async fn load(tx: &mut Tx, id: ExtensionId) -> Result<Extension, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(EXTENSION_SELECT);
    qb.push(" AND e.id = ").push_bind(id);
    let row: Option<ExtensionRow> = qb.build_query_as().fetch_optional(&mut **tx).await?;
    row.map(ExtensionRow::into_extension)
        .ok_or(StoreError::NotFound("该延期申请"))
}

pub(crate) async fn request(
    pool: &Pool,
    new: &NewExtension,
    reason: &str,
    actor: &str,
    now: i64,
) -> Result<Extension, StoreError> {
    let mut tx = begin_write(pool).await?;
    let task = sqlx::query("SELECT plan_id FROM tasks WHERE id = $1")
        .bind(new.task)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("该任务"))?;
    let plan: i64 = task.try_get("plan_id")?;
    let linked = sqlx::query("SELECT 1 AS one FROM task_units WHERE task_id = $1 AND unit_id = $2")
        .bind(new.task)
        .bind(new.unit)
        .fetch_optional(&mut **tx)
        .await?;
    if linked.is_none() {
        return Err(StoreError::Invalid(
            "该单位不负责此任务，不能申请延期".into(),
        ));
    }
    if let Some(round) = new.round {
        let same_plan = sqlx::query("SELECT 1 AS one FROM rounds WHERE id = $1 AND plan_id = $2")
            .bind(round)
            .bind(plan)
            .fetch_optional(&mut **tx)
            .await?;
        if same_plan.is_none() {
            return Err(StoreError::Invalid(
                "填报轮次不存在或不属于该任务的计划".into(),
            ));
        }
    }
    let pending = sqlx::query(
        "SELECT id FROM extension_requests WHERE task_id = $1 AND unit_id = $2 \
         AND status = 'pending' AND (round_id = $3 OR (round_id IS NULL AND $4))",
    )
    .bind(new.task)
    .bind(new.unit)
    .bind(new.round)
    .bind(new.round.is_none())
    .fetch_optional(&mut **tx)
    .await?;
    if pending.is_some() {
        return Err(StoreError::Invalid(
            "已有一份待审批的延期申请，请等待审批结果".into(),
        ));
    }
    let row = sqlx::query(
        "INSERT INTO extension_requests (plan_id, task_id, round_id, unit_id, requested_date, \
         reason, status, requested_by, requested_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8) RETURNING id",
    )
    .bind(plan)
    .bind(new.task)
    .bind(new.round)
    .bind(new.unit)
    .bind(&new.requested_date)
    .bind(reason)
    .bind(actor)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let id = ExtensionId(row.try_get("id")?);
    let saved = load(&mut tx, id).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "extension.request",
            entity: "extension",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(saved.audit_json()),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

pub(crate) async fn decide(
    pool: &Pool,
    id: ExtensionId,
    approve: bool,
    note: &str,
    actor: &str,
    now: i64,
) -> Result<Extension, StoreError> {
    let mut tx = begin_write(pool).await?;
    let current = load(&mut tx, id).await?;
    if current.status != ExtensionStatus::Pending {
        return Err(StoreError::Invalid(format!(
            "该延期申请{}，不能再审批",
            current.status.label_zh()
        )));
    }
    let status = if approve {
        ExtensionStatus::Approved
    } else {
        ExtensionStatus::Refused
    };
    let note = (!note.is_empty()).then_some(note);
    sqlx::query(
        "UPDATE extension_requests SET status = $1, decided_by = $2, decided_at = $3, \
         decision_note = $4 WHERE id = $5 AND status = 'pending'",
    )
    .bind(status.as_str())
    .bind(actor)
    .bind(now)
    .bind(note)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    let saved = load(&mut tx, id).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: if approve {
                "extension.approve"
            } else {
                "extension.refuse"
            },
            entity: "extension",
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
