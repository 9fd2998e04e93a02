use sqlx::{QueryBuilder, Row};

use super::audit::append;
use super::common::{Tx, begin_write};
use super::{Db, Pool};
use crate::audit::Change;
use crate::notices::{NoticeQuery, NoticeRow, due_level};
use crate::{NewNotice, Notice, NoticeId, NoticeStatus, Scope, StoreError};

const NOTICE_SELECT: &str = "SELECT n.id, n.plan_id, n.task_id, t.position AS task_position, \
     t.text AS task_text, n.unit_id, u.name AS unit_name, n.issued_level, n.level, n.text, \
     n.deadline, n.status, n.issued_by, n.issued_at, n.answer, n.answered_by, n.answered_at, \
     n.close_note, n.closed_by, n.closed_at, n.escalated_at \
     FROM notices n JOIN tasks t ON t.id = n.task_id JOIN units u ON u.id = n.unit_id WHERE 1 = 1";

fn push_filters(qb: &mut QueryBuilder<Db>, q: NoticeQuery, scope: &Scope) {
    if let Some(id) = q.id {
        qb.push(" AND n.id = ").push_bind(id);
    }
    if let Some(p) = q.plan {
        qb.push(" AND n.plan_id = ").push_bind(p);
    }
    if let Some(t) = q.task {
        qb.push(" AND n.task_id = ").push_bind(t);
    }
    if let Some(u) = q.unit {
        qb.push(" AND n.unit_id = ").push_bind(u);
    }
    if q.not_closed {
        qb.push(" AND n.status <> 'closed'");
    }
    if q.only_unanswered {
        qb.push(" AND n.status = 'open'");
    }
    if let Scope::Unit(u) = scope {
        qb.push(" AND n.unit_id = ").push_bind(*u);
    }
}

pub(crate) async fn list(
    pool: &Pool,
    q: NoticeQuery,
    scope: &Scope,
) -> Result<Vec<Notice>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(NOTICE_SELECT);
    push_filters(&mut qb, q, scope);
    qb.push(" ORDER BY n.id DESC");
    let rows: Vec<NoticeRow> = qb.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(NoticeRow::into_notice).collect())
}

async fn load(tx: &mut Tx, id: NoticeId) -> Result<Notice, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(NOTICE_SELECT);
    qb.push(" AND n.id = ").push_bind(id);
    let row: Option<NoticeRow> = qb.build_query_as().fetch_optional(&mut **tx).await?;
    row.map(NoticeRow::into_notice)
        .ok_or(StoreError::NotFound("该督办单"))
}

pub(crate) async fn issue(
    pool: &Pool,
    new: &NewNotice,
    text: &str,
    actor: &str,
    now: i64,
) -> Result<Notice, StoreError> {
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
            "该单位不是此任务的牵头或配合单位，不能向其发督办单".into(),
        ));
    }
    let row = sqlx::query(
        "INSERT INTO notices (plan_id, task_id, unit_id, issued_level, level, text, deadline, \
         status, issued_by, issued_at) VALUES ($1, $2, $3, $4, $4, $5, $6, 'open', $7, $8) \
         RETURNING id",
    )
    .bind(plan)
    .bind(new.task)
    .bind(new.unit)
    .bind(new.level.as_str())
    .bind(text)
    .bind(&new.deadline)
    .bind(actor)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let id = NoticeId(row.try_get("id")?);
    let saved = load(&mut tx, id).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "notice.issue",
            entity: "notice",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(saved.audit_json()),
            at: now,
        },
    )
    .await?;
    // The 督办单's 文号, given with the notice so the printed form never waits for one.
    super::notice_docs::assign(&mut tx, id, crate::NoticeDocKind::Supervision, actor, now).await?;
    tx.commit().await?;
    Ok(saved)
}

pub(crate) async fn answer(
    pool: &Pool,
    id: NoticeId,
    scope: &Scope,
    answer: &str,
    actor: &str,
    now: i64,
) -> Result<Notice, StoreError> {
    let mut tx = begin_write(pool).await?;
    let current = load(&mut tx, id).await?;
    if let Scope::Unit(u) = scope
        && *u != current.unit_id
    {
        // Indistinguishable from a missing notice, as for tasks outside a scope.
        return Err(StoreError::NotFound("该督办单"));
    }
    if current.status == NoticeStatus::Closed {
        return Err(StoreError::Invalid("督办单已办结，不能再答复".into()));
    }
    sqlx::query(
        "UPDATE notices SET status = 'answered', answer = $1, answered_by = $2, answered_at = $3 \
         WHERE id = $4",
    )
    .bind(answer)
    .bind(actor)
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    let saved = load(&mut tx, id).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "notice.answer",
            entity: "notice",
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

pub(crate) async fn close(
    pool: &Pool,
    id: NoticeId,
    note: &str,
    actor: &str,
    now: i64,
) -> Result<Notice, StoreError> {
    let mut tx = begin_write(pool).await?;
    let current = load(&mut tx, id).await?;
    if current.status == NoticeStatus::Closed {
        return Err(StoreError::Invalid("督办单已办结".into()));
    }
    sqlx::query(
        "UPDATE notices SET status = 'closed', close_note = $1, closed_by = $2, closed_at = $3 \
         WHERE id = $4",
    )
    .bind(note)
    .bind(actor)
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    let saved = load(&mut tx, id).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "notice.close",
            entity: "notice",
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

pub(crate) async fn escalate(
    pool: &Pool,
    now: i64,
    every_days: u32,
    actor: &str,
) -> Result<Vec<Notice>, StoreError> {
    let mut tx = begin_write(pool).await?;
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(NOTICE_SELECT);
    qb.push(" AND n.status = 'open' AND n.level <> 'red' ORDER BY n.id");
    // Locking the candidates makes two instances escalating at once wait for each other on
    // PostgreSQL; the second then finds nothing left to raise.
    if matches!(super::KIND, crate::Backend::Postgres) {
        qb.push(" FOR UPDATE OF n");
    }
    let rows: Vec<NoticeRow> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut raised = Vec::new();
    for current in rows.into_iter().map(NoticeRow::into_notice) {
        let Some(level) = due_level(&current, now, every_days) else {
            continue;
        };
        // The level condition keeps a raise from being applied twice.
        let done = sqlx::query(
            "UPDATE notices SET level = $1, escalated_at = $2 WHERE id = $3 AND level = $4 \
             AND status = 'open'",
        )
        .bind(level.as_str())
        .bind(now)
        .bind(current.id)
        .bind(current.level.as_str())
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            continue;
        }
        let saved = load(&mut tx, current.id).await?;
        append(
            &mut tx,
            Change {
                actor,
                action: "notice.escalate",
                entity: "notice",
                entity_id: Some(current.id.to_string()),
                before: Some(serde_json::json!({ "level": current.level.as_str() })),
                after: Some(serde_json::json!({ "level": level.as_str() })),
                at: now,
            },
        )
        .await?;
        raised.push(saved);
    }
    tx.commit().await?;
    Ok(raised)
}
