//! Accounts that log in through the office's directory (LDAP): the web service checks the
//! password against the directory; the store counts and delays wrong passwords exactly as
//! for local accounts, and creates or updates the account from what the directory says.

use time::OffsetDateTime;

use crate::time_util::{from_unix, to_unix};
use crate::{LoginOutcome, Role, Store, StoreError, UnitId};

/// Who the directory says a person is, after their password bound.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Required for `Role::Unit`.
    pub unit_id: Option<UnitId>,
}

/// The password hash of a directory account: not a PHC string, so no password verifies
/// against it locally.
pub(crate) const NO_LOCAL_PASSWORD: &str = "!ldap";

impl Store {
    /// Whether `username` logs in through the directory: a directory account, or a name no
    /// account here has. A local account (the office's `admin`) keeps its local password.
    pub async fn uses_directory(&self, username: &str) -> Result<bool, StoreError> {
        Ok(dispatch!(self, accounts::is_ldap(username))?.unwrap_or(true))
    }

    /// The delay in force for this name from this address, checked before asking the
    /// directory (so a delayed guesser never reaches it); a refusal is audited.
    pub async fn login_delay(
        &self,
        username: &str,
        client: &str,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        let now_s = to_unix(now);
        match self.login_gate(username, client, now_s).await? {
            Ok(_) => Ok(None),
            // Refused without asking the directory, and audited as a local refusal is: once
            // per address and delay window.
            Err(until) => {
                dispatch!(
                    self,
                    accounts::record_refusal(username, client, until, now_s)
                )?;
                Ok(Some(from_unix(until)))
            }
        }
    }

    /// A password the directory refused (or a person it does not know, or one it knows
    /// with no role here): counted and audited like a wrong local password.
    pub async fn directory_login_failed(
        &self,
        username: &str,
        client: &str,
        now: OffsetDateTime,
    ) -> Result<LoginOutcome, StoreError> {
        let user =
            dispatch!(self, accounts::user_row_by_name(username))?.map(|r| crate::UserId(r.id));
        dispatch!(
            self,
            accounts::record_failure(user, username, client, to_unix(now))
        )
    }

    /// A login the directory accepted: the account is created or updated from `who`
    /// (name, role, unit) and the login recorded, in one transaction. A local account of
    /// the same name is never taken over.
    pub async fn directory_login(
        &self,
        who: &DirectoryUser,
        client: &str,
        now: OffsetDateTime,
    ) -> Result<LoginOutcome, StoreError> {
        if who.role == Role::Unit && who.unit_id.is_none() {
            return Err(StoreError::Invalid("单位账号必须属于一个单位".into()));
        }
        dispatch!(
            self,
            accounts::directory_login(who, NO_LOCAL_PASSWORD, client, to_unix(now))
        )
    }
}
