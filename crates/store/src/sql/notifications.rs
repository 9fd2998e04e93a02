use sqlx::{QueryBuilder, Row};

use super::audit::append;
use super::common::{Tx, begin_write};
use super::{Db, Pool};
use crate::audit::Change;
use crate::notifications::NotificationRow;
use crate::{NewNotification, Notification, NotificationId, StoreError, UnitId, UserId};

/// Inserts one message in the caller's transaction; `None` when the dedupe key exists.
pub(crate) async fn insert(
    tx: &mut Tx,
    n: &NewNotification,
    now: i64,
) -> Result<Option<NotificationId>, StoreError> {
    let row = sqlx::query(
        "INSERT INTO notifications (user_id, unit_id, kind, subject, body, link, dedupe_key, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
    )
    .bind(n.user)
    .bind(n.unit)
    .bind(&n.kind)
    .bind(&n.subject)
    .bind(&n.body)
    .bind(&n.link)
    .bind(&n.dedupe_key)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| r.try_get("id").map(NotificationId))
        .transpose()
        .map_err(StoreError::from)
}

pub(crate) async fn post(
    pool: &Pool,
    n: &NewNotification,
    actor: &str,
    now: i64,
) -> Result<Option<NotificationId>, StoreError> {
    let mut tx = begin_write(pool).await?;
    let Some(id) = insert(&mut tx, n, now).await? else {
        return Ok(None);
    };
    append(
        &mut tx,
        Change {
            actor,
            action: "notification.post",
            entity: "notification",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "user_id": n.user.map(|u| u.0),
                "unit_id": n.unit.map(|u| u.0),
                "kind": n.kind,
                "subject": n.subject,
            })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

fn push_addressee(qb: &mut QueryBuilder<Db>, user: UserId, unit: Option<UnitId>) {
    qb.push(" (user_id = ").push_bind(user);
    if let Some(u) = unit {
        qb.push(" OR (user_id IS NULL AND unit_id = ").push_bind(u);
        qb.push(")");
    }
    qb.push(")");
}

pub(crate) async fn list(
    pool: &Pool,
    user: UserId,
    unit: Option<UnitId>,
    unread_only: bool,
    limit: u32,
) -> Result<Vec<Notification>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT id, user_id, unit_id, kind, subject, body, link, created_at, read_at, read_by \
         FROM notifications WHERE",
    );
    push_addressee(&mut qb, user, unit);
    if unread_only {
        qb.push(" AND read_at IS NULL");
    }
    qb.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(limit));
    let rows: Vec<NotificationRow> = qb.build_query_as().fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(NotificationRow::into_notification)
        .collect())
}

pub(crate) async fn unread(
    pool: &Pool,
    user: UserId,
    unit: Option<UnitId>,
) -> Result<i64, StoreError> {
    let mut qb: QueryBuilder<Db> =
        QueryBuilder::new("SELECT COUNT(*) AS n FROM notifications WHERE");
    push_addressee(&mut qb, user, unit);
    qb.push(" AND read_at IS NULL");
    let row = qb.build().fetch_one(pool).await?;
    Ok(row.try_get("n")?)
}

pub(crate) async fn mark_read(
    pool: &Pool,
    id: NotificationId,
    user: UserId,
    unit: Option<UnitId>,
    actor: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let mut tx = begin_write(pool).await?;
    let mut qb: QueryBuilder<Db> = QueryBuilder::new("UPDATE notifications SET read_at = ");
    qb.push_bind(now);
    qb.push(", read_by = ").push_bind(actor);
    qb.push(" WHERE id = ").push_bind(id);
    qb.push(" AND read_at IS NULL AND");
    push_addressee(&mut qb, user, unit);
    let done = qb.build().execute(&mut **tx).await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    append(
        &mut tx,
        Change {
            actor,
            action: "notification.read",
            entity: "notification",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(serde_json::json!({ "read_at": now })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
