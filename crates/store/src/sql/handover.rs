//! 交办/签收 and change requests, each change in one transaction with its audit entry.

use sqlx::{QueryBuilder, Row};

use super::audit::append;
use super::common::{Tx, begin_write};
use super::{Db, Pool};
use crate::audit::Change;
use crate::handover::{ChangeKind, ChangeRow, HandoverRow};
use crate::{
    ChangeRequest, ExtensionStatus, Handover, HandoverCounts, HandoverFilter, NewChangeRequest,
    PlanId, Scope, StoreError, TaskId,
};

const HANDOVER_SELECT: &str = "SELECT h.task_id, t.position AS task_position, \
     t.text AS task_text, h.unit_id, u.name AS unit_name, h.handed_by, h.handed_at, \
     h.acknowledged_by, h.acknowledged_at \
     FROM task_handovers h JOIN tasks t ON t.id = h.task_id JOIN units u ON u.id = h.unit_id \
     WHERE t.retired_at IS NULL";

const CHANGE_SELECT: &str = "SELECT c.id, c.plan_id, c.task_id, t.position AS task_position, \
     t.text AS task_text, c.unit_id, u.name AS unit_name, c.kind, c.proposal, \
     c.proposed_units, c.reason, c.status, c.requested_by, c.requested_at, c.decided_by, \
     c.decided_at, c.decision_note \
     FROM task_change_requests c JOIN tasks t ON t.id = c.task_id \
     JOIN units u ON u.id = c.unit_id WHERE 1 = 1";

pub(crate) async fn hand_over(
    pool: &Pool,
    plan: PlanId,
    actor: &str,
    now: i64,
) -> Result<usize, StoreError> {
    let mut tx = begin_write(pool).await?;
    if sqlx::query("SELECT id FROM plans WHERE id = $1")
        .bind(plan)
        .fetch_optional(&mut **tx)
        .await?
        .is_none()
    {
        return Err(StoreError::NotFound("该计划"));
    }
    let handed = sqlx::query(
        "INSERT INTO task_handovers (task_id, unit_id, plan_id, handed_by, handed_at) \
         SELECT tu.task_id, tu.unit_id, t.plan_id, $1, $2 FROM task_units tu \
         JOIN tasks t ON t.id = tu.task_id \
         WHERE t.plan_id = $3 AND t.retired_at IS NULL AND tu.role = 'lead' \
         AND NOT EXISTS (SELECT 1 FROM task_handovers h \
             WHERE h.task_id = tu.task_id AND h.unit_id = tu.unit_id)",
    )
    .bind(actor)
    .bind(now)
    .bind(plan)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if handed == 0 {
        return Err(StoreError::Invalid(
            "没有需要交办的任务：各任务均已交办给其牵头单位".into(),
        ));
    }
    append(
        &mut tx,
        Change {
            actor,
            action: "plan.handover",
            entity: "plan",
            entity_id: Some(plan.to_string()),
            before: None,
            after: Some(serde_json::json!({ "handed": handed })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(usize::try_from(handed).unwrap_or(usize::MAX))
}

/// After a task's lead units changed: a unit no longer leading drops its copy; a new lead
/// unit of a task already handed over receives it (to sign anew).
pub(crate) async fn follow_lead_units(
    tx: &mut Tx,
    task: TaskId,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let handed = sqlx::query("SELECT 1 AS one FROM task_handovers WHERE task_id = $1")
        .bind(task)
        .fetch_optional(&mut **tx)
        .await?
        .is_some();
    sqlx::query(
        "DELETE FROM task_handovers WHERE task_id = $1 AND unit_id NOT IN \
         (SELECT unit_id FROM task_units WHERE task_id = $1 AND role = 'lead')",
    )
    .bind(task)
    .execute(&mut **tx)
    .await?;
    if handed {
        sqlx::query(
            "INSERT INTO task_handovers (task_id, unit_id, plan_id, handed_by, handed_at) \
             SELECT tu.task_id, tu.unit_id, tu.plan_id, $1, $2 FROM task_units tu \
             WHERE tu.task_id = $3 AND tu.role = 'lead' AND NOT EXISTS \
             (SELECT 1 FROM task_handovers h WHERE h.task_id = tu.task_id \
              AND h.unit_id = tu.unit_id)",
        )
        .bind(actor)
        .bind(now)
        .bind(task)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The unit's copy of a live task, or a message saying why there is none.
async fn own_copy(tx: &mut Tx, task: TaskId, unit: crate::UnitId) -> Result<Handover, StoreError> {
    super::task_edit::live_task(tx, task).await?;
    let lead = sqlx::query(
        "SELECT 1 AS one FROM task_units WHERE task_id = $1 AND unit_id = $2 AND role = 'lead'",
    )
    .bind(task)
    .bind(unit)
    .fetch_optional(&mut **tx)
    .await?;
    if lead.is_none() {
        return Err(StoreError::Forbidden(
            "只有该任务的牵头单位可以签收或申请调整".into(),
        ));
    }
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(HANDOVER_SELECT);
    qb.push(" AND h.task_id = ").push_bind(task);
    qb.push(" AND h.unit_id = ").push_bind(unit);
    let row: Option<HandoverRow> = qb.build_query_as().fetch_optional(&mut **tx).await?;
    row.map(HandoverRow::into_handover)
        .ok_or_else(|| StoreError::Invalid("该任务尚未交办，暂不能签收".into()))
}

pub(crate) async fn acknowledge(
    pool: &Pool,
    task: TaskId,
    unit: crate::UnitId,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let h = own_copy(&mut tx, task, unit).await?;
    if h.acknowledged_at.is_some() {
        return Err(StoreError::Invalid("该任务已签收".into()));
    }
    sqlx::query(
        "UPDATE task_handovers SET acknowledged_by = $1, acknowledged_at = $2 \
         WHERE task_id = $3 AND unit_id = $4",
    )
    .bind(actor)
    .bind(now)
    .bind(task)
    .bind(unit)
    .execute(&mut **tx)
    .await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "task.acknowledge",
            entity: "task",
            entity_id: Some(task.to_string()),
            before: None,
            after: Some(serde_json::json!({ "unit_id": unit.0 })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn load_request(tx: &mut Tx, id: i64) -> Result<ChangeRequest, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(CHANGE_SELECT);
    qb.push(" AND c.id = ").push_bind(id);
    let row: Option<ChangeRow> = qb.build_query_as().fetch_optional(&mut **tx).await?;
    row.map(ChangeRow::into_request)
        .ok_or(StoreError::NotFound("该调整申请"))
}

pub(crate) async fn request(
    pool: &Pool,
    new: &NewChangeRequest,
    actor: &str,
    now: i64,
) -> Result<ChangeRequest, StoreError> {
    let mut tx = begin_write(pool).await?;
    let h = own_copy(&mut tx, new.task, new.unit).await?;
    if h.acknowledged_at.is_some() {
        return Err(StoreError::Invalid("该任务已签收，不能再申请调整".into()));
    }
    let pending = sqlx::query(
        "SELECT id FROM task_change_requests WHERE task_id = $1 AND unit_id = $2 \
         AND status = 'pending'",
    )
    .bind(new.task)
    .bind(new.unit)
    .fetch_optional(&mut **tx)
    .await?;
    if pending.is_some() {
        return Err(StoreError::Invalid(
            "已有一份待审批的调整申请，请等待督查办答复".into(),
        ));
    }
    let plan: i64 = sqlx::query("SELECT plan_id FROM tasks WHERE id = $1")
        .bind(new.task)
        .fetch_one(&mut **tx)
        .await?
        .try_get("plan_id")?;
    let units = match new.kind {
        ChangeKind::Units => Some(serde_json::to_string(&new.proposed_units)?),
        ChangeKind::Text => None,
    };
    let id: i64 = sqlx::query(
        "INSERT INTO task_change_requests (plan_id, task_id, unit_id, kind, proposal, \
         proposed_units, reason, status, requested_by, requested_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9) RETURNING id",
    )
    .bind(plan)
    .bind(new.task)
    .bind(new.unit)
    .bind(new.kind.as_str())
    .bind(new.proposal.trim())
    .bind(units)
    .bind(new.reason.trim())
    .bind(actor)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    let saved = load_request(&mut tx, id).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "task.change_request",
            entity: "task_change_request",
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
    id: i64,
    approve: bool,
    note: &str,
    actor: &str,
    now: i64,
) -> Result<ChangeRequest, StoreError> {
    let mut tx = begin_write(pool).await?;
    let current = load_request(&mut tx, id).await?;
    if current.status != ExtensionStatus::Pending {
        return Err(StoreError::Invalid(format!(
            "该调整申请{}，不能再审批",
            current.status.label_zh()
        )));
    }
    if approve {
        // The task changes as asked, judged and audited like any office edit.
        let mut d = super::task_edit::current_draft(&mut tx, current.task_id).await?;
        match current.kind {
            ChangeKind::Text => d.text = current.proposal.clone(),
            ChangeKind::Units => {
                d.coop_units.retain(|u| !current.proposed_units.contains(u));
                d.lead_units = current.proposed_units.clone();
            }
        }
        super::task_edit::apply(&mut tx, current.task_id, &d, "task.edit", actor, now).await?;
    }
    let status = if approve {
        ExtensionStatus::Approved
    } else {
        ExtensionStatus::Refused
    };
    sqlx::query(
        "UPDATE task_change_requests SET status = $1, decided_by = $2, decided_at = $3, \
         decision_note = $4 WHERE id = $5",
    )
    .bind(status.as_str())
    .bind(actor)
    .bind(now)
    .bind((!note.is_empty()).then_some(note))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    let saved = load_request(&mut tx, id).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: if approve {
                "task.change_approve"
            } else {
                "task.change_refuse"
            },
            entity: "task_change_request",
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

pub(crate) async fn list(
    pool: &Pool,
    f: &HandoverFilter,
    scope: &Scope,
) -> Result<Vec<Handover>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(HANDOVER_SELECT);
    if let Some(p) = f.plan {
        qb.push(" AND h.plan_id = ").push_bind(p);
    }
    if let Some(t) = f.task {
        qb.push(" AND h.task_id = ").push_bind(t);
    }
    if let Some(u) = f.unit {
        qb.push(" AND h.unit_id = ").push_bind(u);
    }
    match f.acknowledged {
        Some(true) => {
            qb.push(" AND h.acknowledged_at IS NOT NULL");
        }
        Some(false) => {
            qb.push(" AND h.acknowledged_at IS NULL");
        }
        None => {}
    }
    if let Some(at) = f.handed_before {
        qb.push(" AND h.handed_at <= ").push_bind(at);
    }
    if let Scope::Unit(u) = scope {
        qb.push(" AND h.unit_id = ").push_bind(*u);
    }
    qb.push(" ORDER BY t.position, u.name");
    let rows: Vec<HandoverRow> = qb.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(HandoverRow::into_handover).collect())
}

pub(crate) async fn requests(
    pool: &Pool,
    plan: Option<PlanId>,
    task: Option<TaskId>,
    id: Option<i64>,
    scope: &Scope,
) -> Result<Vec<ChangeRequest>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(CHANGE_SELECT);
    if let Some(p) = plan {
        qb.push(" AND c.plan_id = ").push_bind(p);
    }
    if let Some(t) = task {
        qb.push(" AND c.task_id = ").push_bind(t);
    }
    if let Some(id) = id {
        qb.push(" AND c.id = ").push_bind(id);
    }
    if let Scope::Unit(u) = scope {
        qb.push(" AND c.unit_id = ").push_bind(*u);
    }
    qb.push(" ORDER BY c.id DESC");
    let rows: Vec<ChangeRow> = qb.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(ChangeRow::into_request).collect())
}

pub(crate) async fn counts(
    pool: &Pool,
    plan: PlanId,
    scope: &Scope,
) -> Result<HandoverCounts, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT COUNT(*) AS handed, COUNT(h.acknowledged_at) AS acknowledged \
         FROM task_handovers h JOIN tasks t ON t.id = h.task_id \
         WHERE t.retired_at IS NULL AND h.plan_id = ",
    );
    qb.push_bind(plan);
    if let Scope::Unit(u) = scope {
        qb.push(" AND h.unit_id = ").push_bind(*u);
    }
    let r = qb.build().fetch_one(pool).await?;
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT COUNT(*) AS n FROM task_change_requests c WHERE c.status = 'pending' \
         AND c.plan_id = ",
    );
    qb.push_bind(plan);
    if let Scope::Unit(u) = scope {
        qb.push(" AND c.unit_id = ").push_bind(*u);
    }
    let pending: i64 = qb.build().fetch_one(pool).await?.try_get("n")?;
    Ok(HandoverCounts {
        handed: r.try_get("handed")?,
        acknowledged: r.try_get("acknowledged")?,
        pending_requests: pending,
    })
}
