use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::time_util::{from_unix, from_unix_opt, to_unix};
use crate::{Store, StoreError, UnitId, UserId};

/// Wrong passwords in a row that lock an account.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a lock lasts.
pub const LOCK_SECONDS: i64 = 15 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The supervision office (督查办).
    Admin,
    /// Reads everything.
    Leader,
    /// Unit staff: their unit's tasks only.
    Unit,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Leader => "leader",
            Role::Unit => "unit",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "leader" => Some(Role::Leader),
            "unit" => Some(Role::Unit),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "督查办",
            Role::Leader => "领导",
            Role::Unit => "单位",
        }
    }
}

/// An account, without its password hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<UnitId>,
    /// The user must choose a new password before doing anything else.
    pub must_change: bool,
    pub failed_count: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Where email reminders go when the user's unit has no address of its own.
    pub email: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Required for `Role::Unit`.
    pub unit_id: Option<UnitId>,
    pub password: String,
    pub must_change: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LoginOutcome {
    Ok(User),
    /// Unknown user or wrong password: the caller must not say which.
    BadCredentials,
    /// Too many wrong passwords; no password is checked until `until`.
    Locked {
        until: OffsetDateTime,
    },
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_id: Option<i64>,
    pub password_hash: String,
    pub must_change: bool,
    pub failed_count: i64,
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub email: Option<String>,
}

impl UserRow {
    pub(crate) fn into_user(self) -> User {
        User {
            id: UserId(self.id),
            username: self.username,
            display_name: self.display_name,
            // The CHECK constraint admits only the three roles; anything else (a hand edit)
            // gets the least privilege.
            role: Role::parse(&self.role).unwrap_or(Role::Unit),
            unit_id: self.unit_id.map(UnitId),
            must_change: self.must_change,
            failed_count: self.failed_count,
            locked_until: from_unix_opt(self.locked_until),
            created_at: from_unix(self.created_at),
            email: self.email,
        }
    }
}

impl User {
    pub(crate) fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role.as_str(),
            "unit_id": self.unit_id.map(|u| u.0),
            "must_change": self.must_change,
        })
    }
}

fn validate_username(username: &str) -> Result<(), StoreError> {
    let u = username.trim();
    if u.is_empty() || u.chars().count() > 64 || u != username {
        return Err(StoreError::Invalid(
            "用户名不能为空、不能超过64个字符、首尾不能有空格".into(),
        ));
    }
    Ok(())
}

fn validate_password(password: &str) -> Result<(), StoreError> {
    if password.chars().count() < 8 {
        return Err(StoreError::Invalid("密码至少8位".into()));
    }
    Ok(())
}

impl Store {
    /// Creates an account; the password is hashed with argon2id here.
    pub async fn create_user(&self, new: &NewUser, actor: &str) -> Result<User, StoreError> {
        validate_username(&new.username)?;
        validate_password(&new.password)?;
        if new.role == Role::Unit && new.unit_id.is_none() {
            return Err(StoreError::Invalid("单位账号必须属于一个单位".into()));
        }
        let hash = self.hasher.hash_async(&new.password).await?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, accounts::create_user(new, &hash, now, actor))
    }

    pub async fn find_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        Ok(dispatch!(self, accounts::user_row_by_name(username))?.map(UserRow::into_user))
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        dispatch!(self, accounts::user_by_id(id))
    }

    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        dispatch!(self, accounts::list_users())
    }

    /// Sets a new password, clears any lock, and sets whether it must be changed at the next
    /// login (true when an admin resets it, false when the user chose it).
    pub async fn set_password(
        &self,
        user: UserId,
        password: &str,
        must_change: bool,
        actor: &str,
    ) -> Result<(), StoreError> {
        validate_password(password)?;
        let hash = self.hasher.hash_async(password).await?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            accounts::set_password(user, &hash, must_change, now, actor)
        )
    }

    /// Lifts a lock before it expires (admin action).
    pub async fn unlock_user(&self, user: UserId, actor: &str) -> Result<(), StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, accounts::unlock(user, now, actor))
    }

    /// Checks a password. Five wrong ones in a row lock the account for 15 minutes; the count
    /// lives in the database, so every app instance sees the same count, and success resets
    /// it.
    pub async fn verify_login(
        &self,
        username: &str,
        password: &str,
        now: OffsetDateTime,
    ) -> Result<LoginOutcome, StoreError> {
        let now_s = to_unix(now);
        let Some(row) = dispatch!(self, accounts::user_row_by_name(username))? else {
            // Spend the same effort as for a real account so timing does not reveal which
            // usernames exist.
            let _ = self.hasher.hash_async(password).await;
            return Ok(LoginOutcome::BadCredentials);
        };
        if let Some(until) = row.locked_until.filter(|u| *u > now_s) {
            return Ok(LoginOutcome::Locked {
                until: from_unix(until),
            });
        }
        let id = UserId(row.id);
        if self.hasher.verify_async(password, &row.password_hash).await {
            dispatch!(self, accounts::record_success(id, now_s))
        } else {
            dispatch!(self, accounts::record_failure(id, now_s))
        }
    }
}
