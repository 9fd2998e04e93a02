//! Directory login over LDAP: search the person with the service account, bind as them
//! with their password, then read their groups and unit attribute to give them a role.

use std::time::Duration;

use duban_store::{DirectoryUser, Role, Store};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry, ldap_escape};

/// Connecting and every operation give up after this: a hung directory must not hang
/// the login page.
const TIMEOUT: Duration = Duration::from_secs(10);

/// How to reach the directory and read roles from it.
#[derive(Clone)]
pub struct LdapSettings {
    /// `ldap://host:389`
    pub url: String,
    /// The service account that searches for people; `None`: anonymous search.
    pub bind_dn: Option<String>,
    pub bind_password: Option<String>,
    /// Where people (and groups) are searched.
    pub base_dn: String,
    /// Finds a person by login name: `(uid={user})`; `{user}` is the typed name, escaped.
    pub user_filter: String,
    /// Members of this group (groupOfNames, `member`) log in as the office (督查办).
    pub admin_group: Option<String>,
    /// Members of this group log in as leaders.
    pub leader_group: Option<String>,
    /// Everyone else: the attribute (`departmentNumber`, `ou`) whose value names their unit,
    /// matched against the units of the ledger (name or alias).
    pub unit_attr: Option<String>,
}

// Written by hand so that a logged config never shows the password.
impl std::fmt::Debug for LdapSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LdapSettings")
            .field("url", &self.url)
            .field("bind_dn", &self.bind_dn)
            .field("bind_password", &self.bind_password.as_ref().map(|_| "***"))
            .field("base_dn", &self.base_dn)
            .field("user_filter", &self.user_filter)
            .field("admin_group", &self.admin_group)
            .field("leader_group", &self.leader_group)
            .field("unit_attr", &self.unit_attr)
            .finish()
    }
}

#[derive(Debug)]
pub enum DirectoryError {
    /// The password is right but nothing maps the person to a role or unit.
    Unmapped,
    /// The directory could not be asked (down, refused the service account, timed out).
    Unavailable(String),
}

fn down(e: impl std::fmt::Display) -> DirectoryError {
    DirectoryError::Unavailable(e.to_string())
}

/// The filter for one login name: every character that means something in a filter is
/// escaped (RFC 4515), so a name like `*` or `a)(uid=*` matches only itself.
pub fn user_filter(template: &str, username: &str) -> String {
    template.replace("{user}", &ldap_escape(username))
}

/// `Ok(None)` for an unknown person, an ambiguous name or a wrong password.
pub async fn authenticate(
    s: &LdapSettings,
    store: &Store,
    username: &str,
    password: &str,
) -> Result<Option<DirectoryUser>, DirectoryError> {
    // An empty password is an "unauthenticated bind", which directories accept: never a login.
    if password.is_empty() || username.trim().is_empty() || username.chars().count() > 256 {
        return Ok(None);
    }
    let settings = LdapConnSettings::new().set_conn_timeout(TIMEOUT);
    let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &s.url)
        .await
        .map_err(down)?;
    // The connection is driven by its own task, which ends when `ldap` is dropped.
    tokio::spawn(async move {
        let _ = conn.drive().await;
    });
    let found = lookup(s, store, &mut ldap, username, password).await;
    let _ = ldap.unbind().await;
    found
}

async fn bind_service(s: &LdapSettings, ldap: &mut Ldap) -> Result<(), DirectoryError> {
    if let Some(dn) = &s.bind_dn {
        ldap.with_timeout(TIMEOUT)
            .simple_bind(dn, s.bind_password.as_deref().unwrap_or(""))
            .await
            .map_err(down)?
            .success()
            .map_err(|e| down(format!("服务账号绑定失败：{e}")))?;
    }
    Ok(())
}

async fn lookup(
    s: &LdapSettings,
    store: &Store,
    ldap: &mut Ldap,
    username: &str,
    password: &str,
) -> Result<Option<DirectoryUser>, DirectoryError> {
    bind_service(s, ldap).await?;
    let mut attrs = vec!["cn".to_string(), "displayName".to_string()];
    attrs.extend(s.unit_attr.clone());
    let (entries, _) = ldap
        .with_timeout(TIMEOUT)
        .search(
            &s.base_dn,
            Scope::Subtree,
            &user_filter(&s.user_filter, username),
            attrs,
        )
        .await
        .map_err(down)?
        .success()
        .map_err(down)?;
    // Nobody, or a name that is not unique: no login either way.
    if entries.len() != 1 {
        return Ok(None);
    }
    let Some(entry) = entries.into_iter().next() else {
        return Ok(None);
    };
    let person = SearchEntry::construct(entry);
    // The directory checks the password: a bind as the person.
    let bound = ldap
        .with_timeout(TIMEOUT)
        .simple_bind(&person.dn, password)
        .await
        .map_err(down)?;
    if bound.rc != 0 {
        return Ok(None);
    }
    // Groups are read as the service account again: people may not read group entries.
    bind_service(s, ldap).await?;
    let role = if member(ldap, s.admin_group.as_deref(), &person.dn).await? {
        Some(Role::Admin)
    } else if member(ldap, s.leader_group.as_deref(), &person.dn).await? {
        Some(Role::Leader)
    } else {
        None
    };
    let attr = |name: &str| -> Vec<String> {
        person
            .attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let unit = match &s.unit_attr {
        Some(a) => {
            let mut found = None;
            for value in attr(a) {
                if let Some(u) = store
                    .unit_by_name(&value)
                    .await
                    .map_err(|e| down(format!("读取单位失败：{e}")))?
                {
                    found = Some(u.id);
                    break;
                }
            }
            found
        }
        None => None,
    };
    let (role, unit_id) = match (role, unit) {
        (Some(r), _) => (r, None),
        (None, Some(u)) => (Role::Unit, Some(u)),
        (None, None) => return Err(DirectoryError::Unmapped),
    };
    let display_name = attr("displayName")
        .into_iter()
        .chain(attr("cn"))
        .next()
        .unwrap_or_else(|| username.to_string());
    Ok(Some(DirectoryUser {
        username: username.to_string(),
        display_name,
        role,
        unit_id,
    }))
}

/// Whether `dn` is a `member` of the group entry `group`.
async fn member(ldap: &mut Ldap, group: Option<&str>, dn: &str) -> Result<bool, DirectoryError> {
    let Some(group) = group else {
        return Ok(false);
    };
    let filter = format!("(member={})", ldap_escape(dn));
    let (entries, _) = ldap
        .with_timeout(TIMEOUT)
        .search(group, Scope::Base, &filter, vec!["dn"])
        .await
        .map_err(down)?
        .success()
        .map_err(down)?;
    Ok(!entries.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_names_cannot_widen_the_filter() {
        let f = |name: &str| user_filter("(uid={user})", name).to_ascii_lowercase();
        assert_eq!(f("li"), "(uid=li)");
        assert_eq!(f("*"), "(uid=\\2a)");
        assert_eq!(f("a)(uid=*"), "(uid=a\\29\\28uid=\\2a)");
        assert_eq!(f("a\\b"), "(uid=a\\5cb)");
        assert_eq!(f("张三"), "(uid=张三)");
    }
}
