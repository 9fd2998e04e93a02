use sqlx::Row;

use super::Pool;
use super::audit::append;
use super::common::begin_write;
use crate::audit::Change;
use crate::sessions::TOUCH_AFTER_SECONDS;
use crate::{Role, SessionUser, StoreError, UnitId, UserId};

pub(crate) async fn create(
    pool: &Pool,
    user: UserId,
    token_hash: &str,
    csrf: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen) \
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(token_hash)
    .bind(user)
    .bind(csrf)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn lookup(
    pool: &Pool,
    token_hash: &str,
    now: i64,
    idle: i64,
    lifetime: i64,
    with_unread: bool,
) -> Result<Option<(SessionUser, i64)>, StoreError> {
    // A page also shows the unread notifications' count: read with the session, it costs no
    // second round trip (the same count as `notifications::unread`).
    let sql = if with_unread {
        "SELECT s.user_id, s.csrf, s.created_at, s.last_seen, u.username, u.display_name, u.role, \
         u.unit_id, u.must_change, u.ldap, (SELECT COUNT(*) FROM notifications n \
         WHERE (n.user_id = s.user_id OR (n.user_id IS NULL AND n.unit_id = u.unit_id)) \
         AND n.read_at IS NULL) AS unread \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 \
         AND u.disabled_at IS NULL"
    } else {
        "SELECT s.user_id, s.csrf, s.created_at, s.last_seen, u.username, u.display_name, u.role, \
         u.unit_id, u.must_change, u.ldap, CAST(0 AS BIGINT) AS unread \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 \
         AND u.disabled_at IS NULL"
    };
    let row = sqlx::query(sql)
        .bind(token_hash)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let last_seen: i64 = row.try_get("last_seen")?;
    let created_at: i64 = row.try_get("created_at")?;
    if now.saturating_sub(last_seen) > idle || now.saturating_sub(created_at) > lifetime {
        delete(pool, token_hash).await?;
        return Ok(None);
    }
    if now.saturating_sub(last_seen) >= TOUCH_AFTER_SECONDS {
        sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2 AND last_seen < $1")
            .bind(now)
            .bind(token_hash)
            .execute(pool)
            .await?;
    }
    let role: String = row.try_get("role")?;
    let unread: i64 = row.try_get("unread")?;
    Ok(Some((
        SessionUser {
            user_id: UserId(row.try_get("user_id")?),
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            role: Role::parse(&role).unwrap_or(Role::Unit),
            unit_id: row.try_get::<Option<i64>, _>("unit_id")?.map(UnitId),
            csrf: row.try_get("csrf")?,
            must_change: row.try_get("must_change")?,
            directory: row.try_get("ldap")?,
        },
        unread,
    )))
}

pub(crate) async fn delete(pool: &Pool, token_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(())
}

/// Logout: the session goes and the audit log says who left, in one transaction.
pub(crate) async fn logout(pool: &Pool, token_hash: &str, now: i64) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let row =
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id, created_at")
            .bind(token_hash)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return Ok(());
    };
    let user: i64 = row.try_get("user_id")?;
    let created_at: i64 = row.try_get("created_at")?;
    let username: String = sqlx::query("SELECT username FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get("username"))
        .transpose()?
        .unwrap_or_default();
    append(
        &mut tx,
        Change {
            actor: &username,
            action: "user.logout",
            entity: "user",
            entity_id: Some(user.to_string()),
            before: None,
            after: Some(serde_json::json!({ "session_started": created_at })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn delete_for_user(pool: &Pool, user: UserId) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
