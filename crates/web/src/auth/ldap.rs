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
    /// Upgrade an `ldap://` connection with StartTLS before anything is sent (a directory
    /// that does not offer it is refused, never used in plain text).
    pub starttls: bool,
    /// An intranet CA (PEM) trusted for the directory's certificate besides the public roots
    /// and the system's store.
    pub ca_pem: Option<String>,
    /// The system's CA bundle(s), the first readable one trusted (see
    /// [`duban_notify::trust`]); empty trusts no system store.
    pub system_ca_files: Vec<std::path::PathBuf>,
    /// An attribute whose values give the role instead of (or beside) the groups: each value
    /// is looked up in `role_map` ("督查办" → admin); the highest role found wins.
    pub role_attr: Option<String>,
    pub role_map: Vec<(String, Role)>,
}

impl LdapSettings {
    /// Plain settings for `url` with nothing mapped yet: the caller fills in what applies.
    pub fn new(url: &str, base_dn: &str) -> Self {
        LdapSettings {
            url: url.to_string(),
            bind_dn: None,
            bind_password: None,
            base_dn: base_dn.to_string(),
            user_filter: "(uid={user})".to_string(),
            admin_group: None,
            leader_group: None,
            unit_attr: None,
            starttls: false,
            ca_pem: None,
            system_ca_files: duban_notify::trust::default_system_ca_files(),
            role_attr: None,
            role_map: Vec::new(),
        }
    }

    /// Whether the connection is encrypted: `ldaps://`, or StartTLS on `ldap://`.
    pub fn uses_tls(&self) -> bool {
        self.starttls || self.url.starts_with("ldaps://")
    }
}

/// `督查办=admin,领导=leader` → the pairs; a value given twice keeps its last role. Only
/// admin and leader may be given: a unit comes from the unit attribute.
pub fn parse_role_map(spec: &str) -> Result<Vec<(String, Role)>, String> {
    let mut out: Vec<(String, Role)> = Vec::new();
    for part in spec
        .split([',', '，'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let Some((value, role)) = part.split_once('=') else {
            return Err(format!("“{part}”应写成 值=角色，如 督查办=admin"));
        };
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("“{part}”缺少属性值"));
        }
        let role = match role.trim() {
            "admin" => Role::Admin,
            "leader" => Role::Leader,
            r => return Err(format!("“{part}”的角色“{r}”无效：应为 admin 或 leader")),
        };
        out.retain(|(v, _)| v != value);
        out.push((value.to_string(), role));
    }
    if out.is_empty() {
        return Err("角色映射为空：应写成 督查办=admin,领导=leader".into());
    }
    Ok(out)
}

/// The highest role the attribute's values map to (admin above leader).
fn mapped_role(values: &[String], map: &[(String, Role)]) -> Option<Role> {
    let roles: Vec<Role> = values
        .iter()
        .filter_map(|v| map.iter().find(|(k, _)| k == v.trim()).map(|(_, r)| *r))
        .collect();
    if roles.contains(&Role::Admin) {
        Some(Role::Admin)
    } else if roles.contains(&Role::Leader) {
        Some(Role::Leader)
    } else {
        None
    }
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
            .field("starttls", &self.starttls)
            .field("ca_pem", &self.ca_pem.is_some())
            .field("role_attr", &self.role_attr)
            .field("role_map", &self.role_map)
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
    let mut settings = LdapConnSettings::new().set_conn_timeout(TIMEOUT);
    if s.uses_tls() {
        settings = settings
            .set_config(super::ldap_tls::client_config(s).map_err(down)?)
            .set_starttls(s.starttls && s.url.starts_with("ldap://"));
    }
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
    attrs.extend(s.role_attr.clone());
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
    let attr = |name: &str| -> Vec<String> {
        person
            .attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    // The attribute's role and the groups' role: the higher one counts.
    let by_attr = s
        .role_attr
        .as_deref()
        .and_then(|a| mapped_role(&attr(a), &s.role_map));
    let role = if by_attr == Some(Role::Admin)
        || member(ldap, s.admin_group.as_deref(), &person.dn).await?
    {
        Some(Role::Admin)
    } else if by_attr == Some(Role::Leader)
        || member(ldap, s.leader_group.as_deref(), &person.dn).await?
    {
        Some(Role::Leader)
    } else {
        None
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

    #[test]
    fn role_maps_parse_and_the_highest_role_wins() {
        let m = parse_role_map("督查办=admin， 领导=leader,督查办=admin").unwrap();
        assert_eq!(
            m,
            [
                ("领导".to_string(), Role::Leader),
                ("督查办".to_string(), Role::Admin)
            ]
        );
        assert!(
            parse_role_map("督查办=unit")
                .unwrap_err()
                .contains("admin 或 leader")
        );
        assert!(parse_role_map("督查办").unwrap_err().contains("值=角色"));
        assert!(parse_role_map(" , ").is_err());
        let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(mapped_role(&v(&["领导", "督查办"]), &m), Some(Role::Admin));
        assert_eq!(mapped_role(&v(&[" 领导 "]), &m), Some(Role::Leader));
        assert_eq!(mapped_role(&v(&["科员"]), &m), None);
    }
}
