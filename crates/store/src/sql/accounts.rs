use sqlx::Row;

use super::Pool;
use super::audit::append;
use super::common::{Tx, begin_write};
use crate::accounts::{
    ADDRESS_FORGET_SECONDS, ADDRESS_FREE_FAILURES, ADDRESS_MAX_DELAY, AddressState, BatchAccount,
    IssuedAccount, LOCK_SECONDS, MAX_FAILED_LOGINS, UserRow, throttle_delay, unit_username,
};
use crate::audit::Change;
use crate::directory::DirectoryUser;
use crate::time_util::from_unix;
use crate::{LoginOutcome, NewUser, PlanId, StoreError, UnitId, User, UserId};

macro_rules! user_cols {
    () => {
        "id, username, display_name, role, unit_id, password_hash, must_change, failed_count, \
         locked_until, created_at, email, disabled_at"
    };
}

/// The columns of a new account.
struct NewRow<'a> {
    username: &'a str,
    display_name: &'a str,
    role: &'a str,
    unit: Option<UnitId>,
    hash: &'a str,
    must_change: bool,
}

/// Inserts one account and audits its creation, in the caller's transaction: one account
/// form and the batch for every unit write accounts the same way.
async fn insert_user(
    tx: &mut Tx,
    new: NewRow<'_>,
    now: i64,
    actor: &str,
) -> Result<User, StoreError> {
    let row: UserRow = sqlx::query_as(concat!(
        "INSERT INTO users (username, display_name, role, unit_id, password_hash, must_change, \
         failed_count, created_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7) RETURNING ",
        user_cols!()
    ))
    .bind(new.username)
    .bind(new.display_name)
    .bind(new.role)
    .bind(new.unit)
    .bind(new.hash)
    .bind(new.must_change)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let user = row.into_user();
    append(
        tx,
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
    Ok(user)
}

pub(crate) async fn create_user(
    pool: &Pool,
    new: &NewUser,
    hash: &str,
    now: i64,
    actor: &str,
) -> Result<User, StoreError> {
    let mut tx = begin_write(pool).await?;
    let user = insert_user(
        &mut tx,
        NewRow {
            username: &new.username,
            display_name: &new.display_name,
            role: new.role.as_str(),
            unit: new.unit_id,
            hash,
            must_change: new.must_change,
        },
        now,
        actor,
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

/// The units named by a current task of `plan` that have no account, by name.
const UNITS_WITHOUT_ACCOUNT: &str = "SELECT u.id, u.name FROM units u WHERE EXISTS \
     (SELECT 1 FROM task_units tu JOIN tasks t ON t.id = tu.task_id \
      WHERE tu.unit_id = u.id AND t.plan_id = $1 AND t.retired_at IS NULL) \
     AND NOT EXISTS (SELECT 1 FROM users a WHERE a.unit_id = u.id) ORDER BY u.name";

pub(crate) async fn units_without_account(
    pool: &Pool,
    plan: PlanId,
) -> Result<Vec<(UnitId, String)>, StoreError> {
    let rows = sqlx::query(UNITS_WITHOUT_ACCOUNT)
        .bind(plan)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| Ok((UnitId(r.try_get("id")?), r.try_get("name")?)))
        .collect()
}

pub(crate) async fn create_batch(
    pool: &Pool,
    plan: PlanId,
    batch: &[BatchAccount],
    now: i64,
    actor: &str,
) -> Result<Vec<IssuedAccount>, StoreError> {
    let mut tx = begin_write(pool).await?;
    // Units that got an account since the list was read are left alone.
    let still: Vec<i64> = sqlx::query(UNITS_WITHOUT_ACCOUNT)
        .bind(plan)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let mut issued = Vec::new();
    for a in batch.iter().filter(|a| still.contains(&a.unit.0)) {
        let mut attempt = 0;
        let username = loop {
            let name = unit_username(a.unit, attempt);
            let taken = sqlx::query("SELECT 1 AS one FROM users WHERE username = $1")
                .bind(&name)
                .fetch_optional(&mut **tx)
                .await?
                .is_some();
            if !taken {
                break name;
            }
            attempt += 1;
        };
        let display_name = format!("{}联络员", a.unit_name);
        insert_user(
            &mut tx,
            NewRow {
                username: &username,
                display_name: &display_name,
                role: "unit",
                unit: Some(a.unit),
                hash: &a.hash,
                must_change: true,
            },
            now,
            actor,
        )
        .await?;
        issued.push(IssuedAccount {
            unit: a.unit_name.clone(),
            display_name,
            username,
            password: a.password.clone(),
        });
    }
    append(
        &mut tx,
        Change {
            actor,
            action: "user.batch_create",
            entity: "plan",
            entity_id: Some(plan.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "count": issued.len(),
                "usernames": issued.iter().map(|a| a.username.as_str()).collect::<Vec<_>>(),
            })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(issued)
}

pub(crate) async fn rename(
    pool: &Pool,
    user: UserId,
    display_name: &str,
    now: i64,
    actor: &str,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let before: Option<String> = sqlx::query("SELECT display_name FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get("display_name"))
        .transpose()?;
    let Some(before) = before else {
        return Err(StoreError::NotFound("该用户"));
    };
    sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
        .bind(display_name)
        .bind(user)
        .execute(&mut **tx)
        .await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "user.rename",
            entity: "user",
            entity_id: Some(user.to_string()),
            before: Some(serde_json::json!({ "display_name": before })),
            after: Some(serde_json::json!({ "display_name": display_name })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn set_disabled(
    pool: &Pool,
    user: UserId,
    disabled: bool,
    now: i64,
    actor: &str,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let done = sqlx::query(
        "UPDATE users SET disabled_at = CASE WHEN $1 THEN COALESCE(disabled_at, $2) END \
         WHERE id = $3",
    )
    .bind(disabled)
    .bind(now)
    .bind(user)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("该用户"));
    }
    if disabled {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user)
            .execute(&mut **tx)
            .await?;
    }
    append(
        &mut tx,
        Change {
            actor,
            action: if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
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

pub(crate) async fn address_state(
    pool: &Pool,
    client: &str,
    now: i64,
) -> Result<AddressState, StoreError> {
    let none = AddressState {
        failures: 0,
        blocked_until: None,
    };
    if client.is_empty() {
        return Ok(none);
    }
    let row = sqlx::query(
        "SELECT failures, blocked_until FROM login_throttle WHERE client = $1 \
         AND last_failure > $2",
    )
    .bind(client)
    .bind(now - ADDRESS_FORGET_SECONDS)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        None => none,
        Some(r) => AddressState {
            failures: r.try_get("failures")?,
            blocked_until: Some(r.try_get("blocked_until")?),
        },
    })
}

/// The password matched: reset the account's count and the address's, in the
/// transaction that records the login.
pub(crate) async fn record_success(
    pool: &Pool,
    user: UserId,
    client: &str,
    now: i64,
) -> Result<LoginOutcome, StoreError> {
    let mut tx = begin_write(pool).await?;
    match login_succeeded(&mut tx, user, client, now).await? {
        Some(user) => {
            tx.commit().await?;
            Ok(LoginOutcome::Ok(user))
        }
        None => {
            tx.rollback().await?;
            Ok(LoginOutcome::BadCredentials)
        }
    }
}

/// The counts reset and the login audited inside the caller's transaction; `None` when
/// the account has gone meanwhile.
async fn login_succeeded(
    tx: &mut Tx,
    user: UserId,
    client: &str,
    now: i64,
) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> = sqlx::query_as(concat!(
        "UPDATE users SET failed_count = 0, locked_until = NULL WHERE id = $1 \
         AND disabled_at IS NULL RETURNING ",
        user_cols!()
    ))
    .bind(user)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    sqlx::query("DELETE FROM login_throttle WHERE client = $1")
        .bind(client)
        .execute(&mut **tx)
        .await?;
    let user = row.into_user();
    append(
        tx,
        Change {
            actor: &user.username,
            action: "user.login",
            entity: "user",
            entity_id: Some(user.id.to_string()),
            before: None,
            after: (!client.is_empty()).then(|| serde_json::json!({ "client": client })),
            at: now,
        },
    )
    .await?;
    Ok(Some(user))
}

/// `Some(true)` for a directory account, `Some(false)` for a local one, `None` for no account.
pub(crate) async fn is_ldap(pool: &Pool, username: &str) -> Result<Option<bool>, StoreError> {
    let row = sqlx::query("SELECT ldap FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(r) => Some(r.try_get("ldap")?),
        None => None,
    })
}

/// Creates or updates a directory account from the directory's answer, then records the
/// login, in one transaction.
pub(crate) async fn directory_login(
    pool: &Pool,
    who: &DirectoryUser,
    no_password: &str,
    client: &str,
    now: i64,
) -> Result<LoginOutcome, StoreError> {
    let mut tx = begin_write(pool).await?;
    let existing: Option<UserRow> = sqlx::query_as(concat!(
        "SELECT ",
        user_cols!(),
        " FROM users WHERE username = $1"
    ))
    .bind(&who.username)
    .fetch_optional(&mut **tx)
    .await?;
    let ldap: Option<bool> = match &existing {
        Some(_) => Some(
            sqlx::query("SELECT ldap FROM users WHERE username = $1")
                .bind(&who.username)
                .fetch_one(&mut **tx)
                .await?
                .try_get("ldap")?,
        ),
        None => None,
    };
    let after = serde_json::json!({
        "username": who.username,
        "display_name": who.display_name,
        "role": who.role.as_str(),
        "unit_id": who.unit_id.map(|u| u.0),
        "ldap": true,
    });
    let id = match (existing, ldap) {
        (Some(_), Some(false)) => {
            tx.rollback().await?;
            return Err(StoreError::Invalid(format!(
                "“{}”是本地账号，不能通过目录服务登录",
                who.username
            )));
        }
        (Some(row), _) => {
            let before = row.into_user();
            let changed = before.display_name != who.display_name
                || before.role != who.role
                || before.unit_id != who.unit_id;
            if changed {
                sqlx::query(
                    "UPDATE users SET display_name = $1, role = $2, unit_id = $3 WHERE id = $4",
                )
                .bind(&who.display_name)
                .bind(who.role.as_str())
                .bind(who.unit_id)
                .bind(before.id)
                .execute(&mut **tx)
                .await?;
                append(
                    &mut tx,
                    Change {
                        actor: &who.username,
                        action: "user.directory_update",
                        entity: "user",
                        entity_id: Some(before.id.to_string()),
                        before: Some(before.audit_json()),
                        after: Some(after),
                        at: now,
                    },
                )
                .await?;
            }
            before.id
        }
        (None, _) => {
            let row = sqlx::query(
                "INSERT INTO users (username, display_name, role, unit_id, password_hash, \
                 must_change, failed_count, created_at, ldap) \
                 VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8) RETURNING id",
            )
            .bind(&who.username)
            .bind(&who.display_name)
            .bind(who.role.as_str())
            .bind(who.unit_id)
            .bind(no_password)
            .bind(false)
            .bind(now)
            .bind(true)
            .fetch_one(&mut **tx)
            .await?;
            let id = UserId(row.try_get("id")?);
            append(
                &mut tx,
                Change {
                    actor: &who.username,
                    action: "user.create",
                    entity: "user",
                    entity_id: Some(id.to_string()),
                    before: None,
                    after: Some(after),
                    at: now,
                },
            )
            .await?;
            id
        }
    };
    match login_succeeded(&mut tx, id, client, now).await? {
        Some(user) => {
            tx.commit().await?;
            Ok(LoginOutcome::Ok(user))
        }
        None => {
            tx.rollback().await?;
            Ok(LoginOutcome::BadCredentials)
        }
    }
}

/// An attempt refused unchecked because a delay runs until `until` (the address's, or the
/// account's for an address that failed before).
///
/// Auditing every refused attempt would let anyone flood the audit log at will (each is
/// cheap to send and is refused without hashing), and auditing none hides a guessing run.
/// So the first refusal for an address in one delay window writes a `user.login_refused`
/// entry; later ones in that window only bump a counter, and the next window's entry
/// carries the count of the window before (`refused_in_previous_window`). One upsert, so
/// instances racing on the same address agree on which attempt was first.
pub(crate) async fn record_refusal(
    pool: &Pool,
    username: &str,
    client: &str,
    until: i64,
    now: i64,
) -> Result<LoginOutcome, StoreError> {
    let mut tx = begin_write(pool).await?;
    // Old values on the right-hand side on both backends: the CASEs see the row as it was.
    let row = sqlx::query(
        "INSERT INTO login_throttle (client, failures, last_failure, blocked_until, \
         refused_until, refused, refused_prev) VALUES ($1, 0, $2, 0, $3, 1, 0) \
         ON CONFLICT (client) DO UPDATE SET \
         refused_prev = CASE WHEN login_throttle.refused_until = $3 \
             THEN login_throttle.refused_prev ELSE login_throttle.refused END, \
         refused = CASE WHEN login_throttle.refused_until = $3 \
             THEN login_throttle.refused + 1 ELSE 1 END, \
         refused_until = $3 RETURNING refused, refused_prev",
    )
    .bind(client)
    .bind(now)
    .bind(until)
    .fetch_one(&mut **tx)
    .await?;
    let refused: i64 = row.try_get("refused")?;
    let previous: i64 = row.try_get("refused_prev")?;
    if refused == 1 {
        let tried: String = username.chars().take(64).collect();
        append(
            &mut tx,
            Change {
                actor: &tried,
                action: "user.login_refused",
                entity: "user",
                entity_id: None,
                before: None,
                after: Some(serde_json::json!({
                    "client": client,
                    "delayed_until": until,
                    "refused_in_previous_window": previous,
                })),
                at: now,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(LoginOutcome::Locked {
        until: from_unix(until),
    })
}

/// A wrong password (or an unknown user): counted for the address and the account with
/// atomic increments (so concurrent attempts on several instances all count), each count's
/// delay set, and an audit entry, all in one transaction.
pub(crate) async fn record_failure(
    pool: &Pool,
    user: Option<UserId>,
    username: &str,
    client: &str,
    now: i64,
) -> Result<LoginOutcome, StoreError> {
    let mut tx = begin_write(pool).await?;
    let mut until = now;
    let mut address_failures = None;
    if !client.is_empty() {
        let row = sqlx::query(
            "INSERT INTO login_throttle (client, failures, last_failure, blocked_until) \
             VALUES ($1, 1, $2, 0) ON CONFLICT (client) DO UPDATE SET \
             failures = CASE WHEN login_throttle.last_failure > $3 \
                 THEN login_throttle.failures + 1 ELSE 1 END, \
             last_failure = $2 RETURNING failures",
        )
        .bind(client)
        .bind(now)
        .bind(now - ADDRESS_FORGET_SECONDS)
        .fetch_one(&mut **tx)
        .await?;
        let n: i64 = row.try_get("failures")?;
        let blocked = now + throttle_delay(n, ADDRESS_FREE_FAILURES, ADDRESS_MAX_DELAY);
        sqlx::query("UPDATE login_throttle SET blocked_until = $1 WHERE client = $2")
            .bind(blocked)
            .bind(client)
            .execute(&mut **tx)
            .await?;
        until = until.max(blocked);
        address_failures = Some(n);
    }
    let mut account_failures = None;
    if let Some(id) = user {
        let row = sqlx::query(
            "UPDATE users SET failed_count = failed_count + 1 WHERE id = $1 \
             RETURNING failed_count",
        )
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(row) = row {
            let n: i64 = row.try_get("failed_count")?;
            let delay = throttle_delay(n, MAX_FAILED_LOGINS, LOCK_SECONDS);
            if delay > 0 {
                sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2")
                    .bind(now + delay)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                until = until.max(now + delay);
            }
            account_failures = Some(n);
        }
    }
    // The name as typed, bounded: it is not an account when none exists.
    let tried: String = username.chars().take(64).collect();
    append(
        &mut tx,
        Change {
            actor: &tried,
            action: "user.login_failed",
            entity: "user",
            entity_id: user.map(|u| u.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "client": client,
                "known_user": user.is_some(),
                "account_failures": account_failures,
                "address_failures": address_failures,
                "delayed_until": (until > now).then_some(until),
            })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(if until > now {
        LoginOutcome::Locked {
            until: from_unix(until),
        }
    } else {
        LoginOutcome::BadCredentials
    })
}
