use sqlx::Row;

use super::Pool;
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
) -> Result<Option<SessionUser>, StoreError> {
    let row = sqlx::query(
        "SELECT s.user_id, s.csrf, s.created_at, s.last_seen, u.username, u.display_name, u.role, u.unit_id, \
         u.must_change FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
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
    Ok(Some(SessionUser {
        user_id: UserId(row.try_get("user_id")?),
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&role).unwrap_or(Role::Unit),
        unit_id: row.try_get::<Option<i64>, _>("unit_id")?.map(UnitId),
        csrf: row.try_get("csrf")?,
        must_change: row.try_get("must_change")?,
    }))
}

pub(crate) async fn delete(pool: &Pool, token_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn delete_for_user(pool: &Pool, user: UserId) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
