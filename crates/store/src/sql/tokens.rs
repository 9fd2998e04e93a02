use sqlx::Row;

use super::Pool;
use super::audit::append;
use super::common::begin_write;
use crate::audit::Change;
use crate::time_util::{from_unix, from_unix_opt};
use crate::tokens::{ApiToken, Revoker, TOUCH_AFTER_SECONDS, TokenScope};
use crate::{Role, SessionUser, StoreError, UnitId, UserId};

const COLS: &str = "t.id, t.user_id, u.username, t.name, t.prefix, t.scope, t.created_at, \
                    t.expires_at, t.last_used, t.revoked_at";

fn from_row(r: &<super::Db as sqlx::Database>::Row) -> Result<ApiToken, StoreError> {
    let scope: String = r.try_get("scope")?;
    Ok(ApiToken {
        id: r.try_get("id")?,
        user_id: UserId(r.try_get("user_id")?),
        username: r.try_get("username")?,
        name: r.try_get("name")?,
        prefix: r.try_get("prefix")?,
        // The CHECK admits only the two scopes; anything else reads as the narrower one.
        scope: TokenScope::parse(&scope).unwrap_or(TokenScope::Read),
        created_at: from_unix(r.try_get("created_at")?),
        expires_at: from_unix_opt(r.try_get("expires_at")?),
        last_used: from_unix_opt(r.try_get("last_used")?),
        revoked_at: from_unix_opt(r.try_get("revoked_at")?),
    })
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn create(
    pool: &Pool,
    user: UserId,
    name: &str,
    prefix: &str,
    hash: &str,
    scope: TokenScope,
    now: i64,
    expires_at: Option<i64>,
    actor: &str,
) -> Result<ApiToken, StoreError> {
    let mut tx = begin_write(pool).await?;
    let owner = sqlx::query("SELECT username FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&mut **tx)
        .await?;
    if owner.is_none() {
        return Err(StoreError::NotFound("该用户"));
    }
    let row = sqlx::query(
        "INSERT INTO api_tokens (user_id, name, prefix, token_hash, scope, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(user)
    .bind(name)
    .bind(prefix)
    .bind(hash)
    .bind(scope.as_str())
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    let token = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1"
    )))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    let token = from_row(&token)?;
    append(
        &mut tx,
        Change {
            actor,
            action: "token.create",
            entity: "api_token",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "user_id": user.0,
                "name": name,
                "prefix": prefix,
                "scope": scope.as_str(),
                "expires_at": expires_at,
            })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

pub(crate) async fn list(pool: &Pool, user: Option<UserId>) -> Result<Vec<ApiToken>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE ($1 IS NULL OR t.user_id = $1) ORDER BY t.id DESC"
    )))
    .bind(user.map(|u| u.0))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub(crate) async fn revoke(
    pool: &Pool,
    id: i64,
    by: Revoker,
    now: i64,
    actor: &str,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let owner = match by {
        Revoker::Owner(u) => Some(u.0),
        Revoker::Admin => None,
    };
    let row = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL \
         AND ($3 IS NULL OR user_id = $3) RETURNING user_id, prefix",
    )
    .bind(now)
    .bind(id)
    .bind(owner)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return Err(StoreError::NotFound("该令牌（或已撤销）"));
    };
    let user_id: i64 = row.try_get("user_id")?;
    let prefix: String = row.try_get("prefix")?;
    append(
        &mut tx,
        Change {
            actor,
            action: "token.revoke",
            entity: "api_token",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(serde_json::json!({ "user_id": user_id, "prefix": prefix })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn lookup(
    pool: &Pool,
    hash: &str,
    client: &str,
    now: i64,
) -> Result<Option<(SessionUser, TokenScope)>, StoreError> {
    let row = sqlx::query(
        "SELECT t.id, t.scope, t.expires_at, t.last_used, t.revoked_at, t.prefix, t.user_id, \
         u.username, u.display_name, u.role, u.unit_id, u.must_change, u.ldap \
         FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 \
         AND u.disabled_at IS NULL",
    )
    .bind(hash)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let id: i64 = row.try_get("id")?;
    let username: String = row.try_get("username")?;
    if row.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
        let prefix: String = row.try_get("prefix")?;
        let mut tx = begin_write(pool).await?;
        append(
            &mut tx,
            Change {
                actor: &username,
                action: "token.use_revoked",
                entity: "api_token",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(serde_json::json!({ "prefix": prefix, "client": client })),
                at: now,
            },
        )
        .await?;
        tx.commit().await?;
        return Ok(None);
    }
    if row
        .try_get::<Option<i64>, _>("expires_at")?
        .is_some_and(|e| e <= now)
    {
        return Ok(None);
    }
    let last_used: Option<i64> = row.try_get("last_used")?;
    if last_used.is_none_or(|l| now.saturating_sub(l) >= TOUCH_AFTER_SECONDS) {
        sqlx::query("UPDATE api_tokens SET last_used = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(pool)
            .await?;
    }
    let role: String = row.try_get("role")?;
    let scope: String = row.try_get("scope")?;
    let user = SessionUser {
        user_id: UserId(row.try_get("user_id")?),
        username,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&role).unwrap_or(Role::Unit),
        unit_id: row.try_get::<Option<i64>, _>("unit_id")?.map(UnitId),
        // A bearer request carries no cookie, so there is nothing to forge across sites:
        // the guard skips the CSRF check for it and no token is needed here.
        csrf: String::new(),
        must_change: row.try_get("must_change")?,
        directory: row.try_get("ldap")?,
    };
    Ok(Some((
        user,
        TokenScope::parse(&scope).unwrap_or(TokenScope::Read),
    )))
}
