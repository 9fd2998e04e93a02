use sqlx::QueryBuilder;

use super::audit::append;
use super::common::begin_write;
use super::{Db, KIND, Pool};
use crate::audit::Change;
use crate::outbox::DeliveryRow;
use crate::{
    Backend, Delivery, DeliveryId, DeliveryStatus, EnqueueCounts, NewDelivery, NewNotification,
    StoreError,
};

const DELIVERY_COLS: &str = "id, dedupe_key, kind, subject_ref, channel, recipient, unit_id, \
     subject, body, status, attempts, next_attempt_at, claimed_by, lease_until, last_error, \
     created_at, sent_at";

pub(crate) async fn enqueue(
    pool: &Pool,
    notifications: &[&NewNotification],
    deliveries: &[&NewDelivery],
    now: i64,
    actor: &str,
) -> Result<EnqueueCounts, StoreError> {
    let mut tx = begin_write(pool).await?;
    let mut counts = EnqueueCounts::default();
    let mut keys = Vec::new();
    for n in notifications {
        if super::notifications::insert(&mut tx, n, now)
            .await?
            .is_some()
        {
            counts.notifications += 1;
            keys.push(n.dedupe_key.clone().unwrap_or_default());
        }
    }
    for d in deliveries {
        let row = sqlx::query(
            "INSERT INTO outbox (dedupe_key, kind, subject_ref, channel, recipient, unit_id, \
             subject, body, status, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $9) \
             ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        )
        .bind(&d.dedupe_key)
        .bind(&d.kind)
        .bind(&d.subject_ref)
        .bind(&d.channel)
        .bind(&d.recipient)
        .bind(d.unit)
        .bind(&d.subject)
        .bind(&d.body)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?;
        if row.is_some() {
            counts.deliveries += 1;
            keys.push(d.dedupe_key.clone());
        }
    }
    if keys.is_empty() {
        tx.rollback().await?;
        return Ok(counts);
    }
    append(
        &mut tx,
        Change {
            actor,
            action: "reminder.enqueue",
            entity: "outbox",
            entity_id: None,
            before: None,
            after: Some(serde_json::json!({
                "notifications": counts.notifications,
                "deliveries": counts.deliveries,
                "keys": keys,
            })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(counts)
}

pub(crate) async fn claim(
    pool: &Pool,
    worker: &str,
    now: i64,
    lease_until: i64,
) -> Result<Option<Delivery>, StoreError> {
    let mut tx = begin_write(pool).await?;
    let due = "(status = 'pending' AND next_attempt_at <= $3) \
               OR (status = 'sending' AND lease_until < $3)";
    let lock = match KIND {
        // Another instance's claimed-but-uncommitted row is skipped, not waited for.
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        // The transaction already holds SQLite's write lock.
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE outbox SET status = 'sending', claimed_by = $1, lease_until = $2, \
         attempts = attempts + 1 \
         WHERE id = (SELECT id FROM outbox WHERE {due} ORDER BY next_attempt_at, id LIMIT 1{lock}) \
         AND ({due}) RETURNING {DELIVERY_COLS}"
    );
    // Built from the constants above only, never from input.
    let row: Option<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(worker)
        .bind(lease_until)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return Ok(None);
    };
    let d = row.into_delivery();
    append(
        &mut tx,
        Change {
            actor: worker,
            action: "delivery.claim",
            entity: "delivery",
            entity_id: Some(d.id.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "attempt": d.attempts, "lease_until": lease_until
            })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(d))
}

/// `error`: None for success; Some(text) for a failure, then `retry`: Some(at) to retry,
/// None to give up.
pub(crate) async fn finish(
    pool: &Pool,
    id: DeliveryId,
    worker: &str,
    error: Option<&str>,
    retry: Option<Option<i64>>,
    now: i64,
) -> Result<bool, StoreError> {
    let mut tx = begin_write(pool).await?;
    let (status, next, action) = match (error, retry.flatten()) {
        (None, _) => (DeliveryStatus::Sent, None, "delivery.sent"),
        (Some(_), Some(at)) => (DeliveryStatus::Pending, Some(at), "delivery.retry"),
        (Some(_), None) => (DeliveryStatus::Failed, None, "delivery.fail"),
    };
    let done = sqlx::query(
        "UPDATE outbox SET status = $1, next_attempt_at = COALESCE($2, next_attempt_at), \
         last_error = $3, sent_at = $4, lease_until = NULL \
         WHERE id = $5 AND status = 'sending' AND claimed_by = $6",
    )
    .bind(status.as_str())
    .bind(next)
    .bind(error)
    .bind((status == DeliveryStatus::Sent).then_some(now))
    .bind(id)
    .bind(worker)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    append(
        &mut tx,
        Change {
            actor: worker,
            action,
            entity: "delivery",
            entity_id: Some(id.to_string()),
            before: Some(serde_json::json!({ "status": "sending" })),
            after: Some(serde_json::json!({
                "status": status.as_str(), "next_attempt_at": next, "error": error
            })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

pub(crate) async fn list(
    pool: &Pool,
    status: Option<DeliveryStatus>,
    limit: u32,
) -> Result<Vec<Delivery>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new("SELECT ");
    qb.push(DELIVERY_COLS).push(" FROM outbox WHERE 1 = 1");
    if let Some(s) = status {
        qb.push(" AND status = ").push_bind(s.as_str());
    }
    qb.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(limit));
    let rows: Vec<DeliveryRow> = qb.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(DeliveryRow::into_delivery).collect())
}
