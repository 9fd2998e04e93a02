use sqlx::Row;

use super::Pool;
use super::audit::append;
use super::common::begin_write;
use crate::audit::Change;
use crate::{StoreError, UnitId, UserId};

/// Whose address is set: the SQL, audit names and message differ, the steps do not.
struct Owner {
    select: &'static str,
    update: &'static str,
    action: &'static str,
    entity: &'static str,
    not_found: &'static str,
}

const UNIT: Owner = Owner {
    select: "SELECT email FROM units WHERE id = $1",
    update: "UPDATE units SET email = $1 WHERE id = $2",
    action: "unit.email",
    entity: "unit",
    not_found: "该单位",
};

const USER: Owner = Owner {
    select: "SELECT email FROM users WHERE id = $1",
    update: "UPDATE users SET email = $1 WHERE id = $2",
    action: "user.email",
    entity: "user",
    not_found: "该用户",
};

pub(crate) async fn set_unit_email(
    pool: &Pool,
    unit: UnitId,
    email: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    set_email(pool, &UNIT, unit.0, email, actor, now).await
}

pub(crate) async fn set_user_email(
    pool: &Pool,
    user: UserId,
    email: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    set_email(pool, &USER, user.0, email, actor, now).await
}

async fn set_email(
    pool: &Pool,
    owner: &Owner,
    id: i64,
    email: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let before = sqlx::query(owner.select)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound(owner.not_found))?;
    let before: Option<String> = before.try_get("email")?;
    sqlx::query(owner.update)
        .bind(email)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    append(
        &mut tx,
        Change {
            actor,
            action: owner.action,
            entity: owner.entity,
            entity_id: Some(id.to_string()),
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
