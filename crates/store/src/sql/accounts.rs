use sqlx::Row;

use super::Pool;
use super::audit::append;
use super::common::begin_write;
use crate::accounts::{LOCK_SECONDS, MAX_FAILED_LOGINS, UserRow};
use crate::audit::Change;
use crate::time_util::from_unix;
use crate::{LoginOutcome, NewUser, StoreError, User, UserId};

macro_rules! user_cols {
    () => {
        "id, username, display_name, role, unit_id, password_hash, must_change, failed_count, \
         locked_until, created_at, email"
    };
}

pub(crate) async fn create_user(
    pool: &Pool,
    new: &NewUser,
    hash: &str,
    now: i64,
    actor: &str,
) -> Result<User, StoreError> {
    let mut tx = begin_write(pool).await?;
    let row: UserRow = sqlx::query_as(concat!(
        "INSERT INTO users (username, display_name, role, unit_id, password_hash, must_change, \
         failed_count, created_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7) RETURNING ",
        user_cols!()
    ))
    .bind(&new.username)
    .bind(&new.display_name)
    .bind(new.role.as_str())
    .bind(new.unit_id)
    .bind(hash)
    .bind(new.must_change)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let user = row.into_user();
    append(
        &mut tx,
        Change {
            actor,
            action: "user.create",
            entity: "user",
            entity_id: Some(user.id.to_string()),
            before: None,
            after: Some(user.audit_json()),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

pub(crate) async fn user_row_by_name(
    pool: &Pool,
    username: &str,
) -> Result<Option<UserRow>, StoreError> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        user_cols!(),
        " FROM users WHERE username = $1"
    ))
    .bind(username)
    .fetch_optional(pool)
    .await?)
}

pub(crate) async fn user_by_id(pool: &Pool, id: UserId) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> = sqlx::query_as(concat!(
        "SELECT ",
        user_cols!(),
        " FROM users WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(UserRow::into_user))
}

pub(crate) async fn list_users(pool: &Pool) -> Result<Vec<User>, StoreError> {
    let rows: Vec<UserRow> = sqlx::query_as(concat!(
        "SELECT ",
        user_cols!(),
        " FROM users ORDER BY username"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(UserRow::into_user).collect())
}

pub(crate) async fn set_password(
    pool: &Pool,
    user: UserId,
    hash: &str,
    must_change: bool,
    now: i64,
    actor: &str,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let done = sqlx::query(
        "UPDATE users SET password_hash = $1, must_change = $2, failed_count = 0, \
         locked_until = NULL WHERE id = $3",
    )
    .bind(hash)
    .bind(must_change)
    .bind(user)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("该用户"));
    }
    append(
        &mut tx,
        Change {
            actor,
            action: "user.set_password",
            entity: "user",
            entity_id: Some(user.to_string()),
            before: None,
            after: Some(serde_json::json!({ "must_change": must_change })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn unlock(
    pool: &Pool,
    user: UserId,
    now: i64,
    actor: &str,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let done = sqlx::query("UPDATE users SET failed_count = 0, locked_until = NULL WHERE id = $1")
        .bind(user)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("该用户"));
    }
    append(
        &mut tx,
        Change {
            actor,
            action: "user.unlock",
            entity: "user",
            entity_id: Some(user.to_string()),
            before: None,
            after: None,
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn locked_until(
    tx: &mut super::common::Tx,
    user: UserId,
) -> Result<LoginOutcome, StoreError> {
    let row = sqlx::query("SELECT locked_until FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&mut **tx)
        .await?;
    let until: Option<i64> = match row {
        Some(r) => r.try_get("locked_until")?,
        None => None,
    };
    Ok(match until {
        Some(u) => LoginOutcome::Locked {
            until: from_unix(u),
        },
        None => LoginOutcome::BadCredentials,
    })
}

/// The password matched: reset the count, unless another instance locked the account
/// meanwhile (the lock wins; the condition makes that decision atomic).
pub(crate) async fn record_success(
    pool: &Pool,
    user: UserId,
    now: i64,
) -> Result<LoginOutcome, StoreError> {
    let mut tx = begin_write(pool).await?;
    let row: Option<UserRow> = sqlx::query_as(concat!(
        "UPDATE users SET failed_count = 0, locked_until = NULL \
         WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) RETURNING ",
        user_cols!()
    ))
    .bind(user)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        let outcome = locked_until(&mut tx, user).await?;
        tx.rollback().await?;
        return Ok(outcome);
    };
    let user = row.into_user();
    append(
        &mut tx,
        Change {
            actor: &user.username,
            action: "user.login",
            entity: "user",
            entity_id: Some(user.id.to_string()),
            before: None,
            after: None,
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(LoginOutcome::Ok(user))
}

/// A wrong password: count it with one atomic increment (so concurrent attempts on several
/// instances all count), and lock when the count reaches the limit.
pub(crate) async fn record_failure(
    pool: &Pool,
    user: UserId,
    now: i64,
) -> Result<LoginOutcome, StoreError> {
    let mut tx = begin_write(pool).await?;
    let row = sqlx::query(
        "UPDATE users SET failed_count = failed_count + 1 \
         WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) \
         RETURNING failed_count, username",
    )
    .bind(user)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        let outcome = locked_until(&mut tx, user).await?;
        tx.rollback().await?;
        return Ok(outcome);
    };
    let count: i64 = row.try_get("failed_count")?;
    if count < MAX_FAILED_LOGINS {
        tx.commit().await?;
        return Ok(LoginOutcome::BadCredentials);
    }
    let username: String = row.try_get("username")?;
    let until = now + LOCK_SECONDS;
    // The count restarts so that after the lock expires the user has five fresh attempts.
    sqlx::query("UPDATE users SET failed_count = 0, locked_until = $1 WHERE id = $2")
        .bind(until)
        .bind(user)
        .execute(&mut **tx)
        .await?;
    append(
        &mut tx,
        Change {
            actor: &username,
            action: "user.lock",
            entity: "user",
            entity_id: Some(user.to_string()),
            before: None,
            after: Some(serde_json::json!({ "locked_until": until, "failed": count })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(LoginOutcome::Locked {
        until: from_unix(until),
    })
}
