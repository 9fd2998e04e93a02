//! Checking a login: against the directory (LDAP) when one is configured and the name is
//! not a local account, else against the local password. Both go through the store's
//! throttle and audit log in the same way.

pub mod ldap;
mod ldap_tls;

use duban_store::LoginOutcome;
use time::OffsetDateTime;

use crate::error::Failure;
use crate::state::AppState;

/// What a login attempt came to.
pub enum Attempt {
    Outcome(LoginOutcome),
    /// The directory accepted the password but gives the person no role or unit here: the
    /// message says so (the attempt is counted and audited like a wrong password).
    Refused(String),
}

pub async fn login(
    app: &AppState,
    username: &str,
    password: &str,
    client: &str,
) -> Result<Attempt, Failure> {
    let now = OffsetDateTime::now_utc();
    let store = &app.store;
    let Some(dir) = app.config.ldap.as_ref() else {
        return Ok(Attempt::Outcome(
            store
                .verify_login_from(username, password, client, now)
                .await?,
        ));
    };
    if !store.uses_directory(username).await? {
        return Ok(Attempt::Outcome(
            store
                .verify_login_from(username, password, client, now)
                .await?,
        ));
    }
    if let Some(until) = store.login_delay(username, client, now).await? {
        return Ok(Attempt::Outcome(LoginOutcome::Locked { until }));
    }
    match ldap::authenticate(dir, store, username, password).await {
        Ok(Some(who)) => Ok(Attempt::Outcome(
            store.directory_login(&who, client, now).await?,
        )),
        Ok(None) => Ok(Attempt::Outcome(
            store.directory_login_failed(username, client, now).await?,
        )),
        Err(ldap::DirectoryError::Unmapped) => {
            match store.directory_login_failed(username, client, now).await? {
                locked @ LoginOutcome::Locked { .. } => Ok(Attempt::Outcome(locked)),
                _ => Ok(Attempt::Refused(
                    "目录账号已验证，但未分配督办系统的角色或单位（不在管理员、领导组中，所属部门也不是台账中的单位），请联系督查办".into(),
                )),
            }
        }
        Err(ldap::DirectoryError::Unavailable(e)) => {
            eprintln!("duban-web: 目录服务（LDAP）不可用：{e}");
            Err(Failure::Refused(
                "目录服务（LDAP）暂时无法连接，请稍后再试或联系督查办".into(),
            ))
        }
    }
}
