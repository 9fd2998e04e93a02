use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::time_util::to_unix;
use crate::{Role, Scope, Store, StoreError, UnitId, UserId};

/// A freshly created session. `token` goes into the cookie and is never stored: the database
/// keeps only its SHA-256, so a leaked database does not yield live sessions.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    /// The CSRF token to embed in forms and send back on state-changing requests.
    pub csrf: String,
}

/// Who is behind a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionUser {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<UnitId>,
    pub csrf: String,
    pub must_change: bool,
    /// A directory (LDAP) account: its password is changed in the directory, not here.
    pub directory: bool,
}

impl SessionUser {
    /// What this user may see: admins and leaders everything, unit staff their unit.
    pub fn scope(&self) -> Scope {
        match (self.role, self.unit_id) {
            (Role::Admin | Role::Leader, _) => Scope::All,
            (Role::Unit, Some(u)) => Scope::Unit(u),
            // A unit account without a unit (impossible under the schema's CHECK) sees
            // nothing rather than everything.
            (Role::Unit, None) => Scope::Unit(UnitId(0)),
        }
    }
}

/// When a session ends: after `idle` without a request, and at the latest `lifetime` after
/// login however busy it is (a stolen cookie does not live for ever).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle: Duration,
    pub lifetime: Duration,
}

impl Default for SessionLimits {
    /// 30 minutes idle, 12 hours in all.
    fn default() -> Self {
        SessionLimits {
            idle: Duration::from_secs(30 * 60),
            lifetime: Duration::from_secs(12 * 3600),
        }
    }
}

/// `last_seen` is only rewritten when older than this: a write per request would
/// serialise every page view on SQLite's single writer, for no gain in precision.
pub(crate) const TOUCH_AFTER_SECONDS: i64 = 15;

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_hex() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

impl Store {
    pub async fn create_session(
        &self,
        user: UserId,
        now: OffsetDateTime,
    ) -> Result<NewSession, StoreError> {
        let token = random_hex();
        let csrf = random_hex();
        dispatch!(
            self,
            sessions::create(user, &token_hash(&token), &csrf, to_unix(now))
        )?;
        Ok(NewSession { token, csrf })
    }

    /// The session's user, or `None` when the token is unknown, the session has been idle
    /// longer than `limits.idle` or was created more than `limits.lifetime` ago (it is then
    /// deleted).
    pub async fn session(
        &self,
        token: &str,
        now: OffsetDateTime,
        limits: SessionLimits,
    ) -> Result<Option<SessionUser>, StoreError> {
        Ok(self
            .session_with_unread(token, now, limits, false)
            .await?
            .map(|(u, _)| u))
    }

    /// The session, as [`Store::session`], with the user's unread notifications counted in
    /// the same query when `count_unread` (what every page shows in its menu; 0 otherwise).
    pub async fn session_with_unread(
        &self,
        token: &str,
        now: OffsetDateTime,
        limits: SessionLimits,
        count_unread: bool,
    ) -> Result<Option<(SessionUser, i64)>, StoreError> {
        let secs = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        dispatch!(
            self,
            sessions::lookup(
                &token_hash(token),
                to_unix(now),
                secs(limits.idle),
                secs(limits.lifetime),
                count_unread
            )
        )
    }

    /// Logout, with its audit entry (`user.logout`) in the same transaction.
    pub async fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, sessions::logout(&token_hash(token), now))
    }

    /// Ends every session of a user (after a password change or when disabling an account).
    pub async fn delete_user_sessions(&self, user: UserId) -> Result<u64, StoreError> {
        dispatch!(self, sessions::delete_for_user(user))
    }
}
