use sqlx::Row;

use super::Pool;
use super::audit::append;
use super::common::begin_write;
use crate::audit::Change;
use crate::{StoreError, UnitId, UserId};

pub(crate) async fn set_unit_email(
    pool: &Pool,
    unit: UnitId,
    email: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let before = sqlx::query("SELECT email FROM units WHERE id = $1")
        .bind(unit)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("该单位"))?;
    let before: Option<String> = before.try_get("email")?;
    sqlx::query("UPDATE units SET email = $1 WHERE id = $2")
        .bind(email)
        .bind(unit)
        .execute(&mut **tx)
        .await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "unit.email",
            entity: "unit",
            entity_id: Some(unit.to_string()),
            before: Some(serde_json::json!({ "email": before })),
            after: Some(serde_json::json!({ "email": email })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn set_user_email(
    pool: &Pool,
    user: UserId,
    email: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let before = sqlx::query("SELECT email FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("该用户"))?;
    let before: Option<String> = before.try_get("email")?;
    sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
        .bind(email)
        .bind(user)
        .execute(&mut **tx)
        .await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "user.email",
            entity: "user",
            entity_id: Some(user.to_string()),
            before: Some(serde_json::json!({ "email": before })),
            after: Some(serde_json::json!({ "email": email })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn unit_email_recipients(
    pool: &Pool,
    unit: UnitId,
) -> Result<Vec<String>, StoreError> {
    let own = sqlx::query("SELECT email FROM units WHERE id = $1 AND email IS NOT NULL")
        .bind(unit)
        .fetch_optional(pool)
        .await?;
    if let Some(r) = own {
        return Ok(vec![r.try_get("email")?]);
    }
    let rows = sqlx::query(
        "SELECT DISTINCT email FROM users WHERE unit_id = $1 AND email IS NOT NULL ORDER BY email",
    )
    .bind(unit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| r.try_get("email").map_err(StoreError::from))
        .collect()
}
