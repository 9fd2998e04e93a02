use sqlx::{QueryBuilder, Row};

use super::audit::append;
use super::common::{Tx, begin_write};
use super::{Db, Pool};
use crate::audit::Change;
use crate::contributions::ContributionRow;
use crate::{
    Contribution, ContributionId, DraftInput, Report, RoundId, Scope, StoreError, TaskId, UnitId,
};

const CONTRIBUTION_SELECT: &str = "SELECT c.id, c.task_id, c.round_id, c.unit_id, \
     u.name AS unit_name, c.text, c.version, c.written_by, c.created_at, c.updated_at, \
     c.merged_by, c.merged_at FROM contributions c JOIN units u ON u.id = c.unit_id WHERE 1 = 1";

async fn load(tx: &mut Tx, id: ContributionId) -> Result<Contribution, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(CONTRIBUTION_SELECT);
    qb.push(" AND c.id = ").push_bind(id);
    let row: Option<ContributionRow> = qb.build_query_as().fetch_optional(&mut **tx).await?;
    row.map(ContributionRow::into_contribution)
        .ok_or(StoreError::NotFound("该配合单位报送"))
}

pub(crate) async fn role_on(
    tx: &mut Tx,
    task: TaskId,
    unit: UnitId,
    role: &str,
) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "SELECT 1 AS one FROM task_units WHERE task_id = $1 AND unit_id = $2 AND role = $3",
    )
    .bind(task)
    .bind(unit)
    .bind(role)
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}

pub(crate) async fn save(
    pool: &Pool,
    task: TaskId,
    round: RoundId,
    unit: UnitId,
    text: &str,
    actor: &str,
    now: i64,
) -> Result<Contribution, StoreError> {
    let mut tx = begin_write(pool).await?;
    let round_row = sqlx::query(
        "SELECT ro.status FROM rounds ro JOIN tasks t ON t.plan_id = ro.plan_id \
         WHERE ro.id = $1 AND t.id = $2",
    )
    .bind(round)
    .bind(task)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::Invalid("任务或填报轮次不存在，或任务不属于本轮次的计划".into()))?;
    let status: String = round_row.try_get("status")?;
    if status != "open" {
        return Err(StoreError::Invalid("本轮填报已关闭，不能再修改".into()));
    }
    if !role_on(&mut tx, task, unit, "coop").await? {
        return Err(StoreError::Invalid(
            "只有此任务的配合单位才能报送配合情况".into(),
        ));
    }
    let existing: Option<ContributionRow> = {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(CONTRIBUTION_SELECT);
        qb.push(" AND c.task_id = ").push_bind(task);
        qb.push(" AND c.round_id = ").push_bind(round);
        qb.push(" AND c.unit_id = ").push_bind(unit);
        qb.build_query_as().fetch_optional(&mut **tx).await?
    };
    let existing = existing.map(ContributionRow::into_contribution);
    let id = match &existing {
        None => {
            let row = sqlx::query(
                "INSERT INTO contributions (task_id, round_id, unit_id, text, version, \
                 written_by, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $6) \
                 RETURNING id",
            )
            .bind(task)
            .bind(round)
            .bind(unit)
            .bind(text)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?;
            ContributionId(row.try_get("id")?)
        }
        Some(c) => {
            sqlx::query(
                "UPDATE contributions SET text = $1, version = version + 1, written_by = $2, \
                 updated_at = $3, merged_by = NULL, merged_at = NULL WHERE id = $4",
            )
            .bind(text)
            .bind(actor)
            .bind(now)
            .bind(c.id)
            .execute(&mut **tx)
            .await?;
            c.id
        }
    };
    let saved = load(&mut tx, id).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "contribution.save",
            entity: "contribution",
            entity_id: Some(id.to_string()),
            before: existing.as_ref().map(Contribution::audit_json),
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
    task: TaskId,
    round: RoundId,
    scope: &Scope,
) -> Result<Vec<Contribution>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(CONTRIBUTION_SELECT);
    qb.push(" AND c.task_id = ").push_bind(task);
    qb.push(" AND c.round_id = ").push_bind(round);
    if let Scope::Unit(u) = scope {
        // A lead unit of the task sees every contribution, anyone else only their own.
        qb.push(" AND (c.unit_id = ").push_bind(*u);
        qb.push(
            " OR EXISTS (SELECT 1 FROM task_units l WHERE l.task_id = c.task_id \
             AND l.role = 'lead' AND l.unit_id = ",
        )
        .push_bind(*u);
        qb.push("))");
    }
    qb.push(" ORDER BY u.name, c.id");
    let rows: Vec<ContributionRow> = qb.build_query_as().fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(ContributionRow::into_contribution)
        .collect())
}

pub(crate) async fn merge(
    pool: &Pool,
    id: ContributionId,
    scope: &Scope,
    actor: &str,
    now: i64,
) -> Result<Contribution, StoreError> {
    let mut tx = begin_write(pool).await?;
    let saved = merge_in(&mut tx, id, scope, actor, now).await?;
    tx.commit().await?;
    Ok(saved)
}

/// Marks the contribution merged and saves the lead's draft with it, in one transaction:
/// a conflict on the draft leaves the contribution unmerged, and a contribution merged
/// meanwhile leaves the draft alone.
pub(crate) async fn merge_into_draft(
    pool: &Pool,
    id: ContributionId,
    scope: &Scope,
    draft: &DraftInput,
    actor: &str,
    now: i64,
) -> Result<(Contribution, Report), StoreError> {
    let mut tx = begin_write(pool).await?;
    let merged = merge_in(&mut tx, id, scope, actor, now).await?;
    if merged.task_id != draft.task || merged.round_id != draft.round {
        return Err(StoreError::Invalid(
            "配合单位报送不属于此任务或此轮次".into(),
        ));
    }
    let report = super::reports::save_draft_in(&mut tx, draft, actor, now).await?;
    tx.commit().await?;
    Ok((merged, report))
}

async fn merge_in(
    tx: &mut Tx,
    id: ContributionId,
    scope: &Scope,
    actor: &str,
    now: i64,
) -> Result<Contribution, StoreError> {
    let current = load(tx, id).await?;
    if let Scope::Unit(u) = scope
        && !role_on(tx, current.task_id, *u, "lead").await?
    {
        return Err(StoreError::Invalid(
            "只有此任务的牵头单位才能采纳配合单位报送".into(),
        ));
    }
    if current.merged() {
        return Err(StoreError::Invalid("该配合单位报送已采纳".into()));
    }
    sqlx::query("UPDATE contributions SET merged_by = $1, merged_at = $2 WHERE id = $3")
        .bind(actor)
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let saved = load(tx, id).await?;
    append(
        tx,
        Change {
            actor,
            action: "contribution.merge",
            entity: "contribution",
            entity_id: Some(id.to_string()),
            before: Some(current.audit_json()),
            after: Some(saved.audit_json()),
            at: now,
        },
    )
    .await?;
    Ok(saved)
}
