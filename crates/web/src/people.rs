//! Who a user name stands for: pages show "姓名（单位）" where the records keep the account
//! name (填报人, 退回理由's author, 答复人, the audit log…).
//!
//! The map is read once per page at most every few seconds (one query over the accounts) and
//! dropped at once when this instance changes an account; another instance's change shows
//! within `TTL`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use duban_store::{Role, Store, StoreError};

const TTL: Duration = Duration::from_secs(10);

/// User name → how a page names the person.
pub type Directory = Arc<HashMap<String, String>>;

#[derive(Default)]
pub struct People {
    cached: Mutex<Option<(Instant, Directory)>>,
}

impl People {
    pub async fn directory(&self, store: &Store) -> Result<Directory, StoreError> {
        if let Ok(c) = self.cached.lock()
            && let Some((at, map)) = c.as_ref()
            && at.elapsed() < TTL
        {
            return Ok(map.clone());
        }
        let units: HashMap<_, _> = store
            .units()
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let map: HashMap<String, String> = store
            .list_users()
            .await?
            .into_iter()
            .map(|u| {
                let place = match (u.role, u.unit_id.and_then(|id| units.get(&id))) {
                    (_, Some(unit)) => Some(unit.as_str()),
                    (Role::Admin, None) => Some("督查办"),
                    (Role::Leader, None) => Some("领导"),
                    (Role::Unit, None) => None,
                };
                let label = label(&u.display_name, &u.username, place);
                (u.username, label)
            })
            .collect();
        let map = Arc::new(map);
        if let Ok(mut c) = self.cached.lock() {
            *c = Some((Instant::now(), map.clone()));
        }
        Ok(map)
    }

    /// After this instance changed an account's name, unit or existence.
    pub fn invalidate(&self) {
        if let Ok(mut c) = self.cached.lock() {
            *c = None;
        }
    }
}

/// "王小明（区科技局）"; an account without a 姓名 keeps its user name.
fn label(display_name: &str, username: &str, place: Option<&str>) -> String {
    let name = match display_name.trim() {
        "" => username,
        n => n,
    };
    match place {
        Some(p) if !name.contains(p) => format!("{name}（{p}）"),
        _ => name.to_string(),
    }
}

tokio::task_local! {
    /// The directory for the page being rendered (set by the guard for logged-in pages).
    pub static PEOPLE: Directory;
}

/// The `person` filter: the person behind a user name, or the name as is (a system actor,
/// an account since removed, or a page rendered without the directory).
pub fn person(username: String) -> String {
    PEOPLE
        .try_with(|m| m.get(&username).cloned())
        .ok()
        .flatten()
        .unwrap_or(username)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_named_with_their_unit() {
        assert_eq!(
            label("王小明", "dw7", Some("区科技局")),
            "王小明（区科技局）"
        );
        assert_eq!(label("", "unit1", Some("区科技局")), "unit1（区科技局）");
        // A batch account's name already says its unit.
        assert_eq!(
            label("区科技局联络员", "dw7", Some("区科技局")),
            "区科技局联络员"
        );
        assert_eq!(label("李四", "li", None), "李四");
    }

    #[tokio::test]
    async fn the_filter_reads_the_pages_directory() {
        let map: Directory = Arc::new(HashMap::from([("dw7".into(), "王小明（区科技局）".into())]));
        let got = PEOPLE
            .scope(map, async {
                (person("dw7".into()), person("system".into()))
            })
            .await;
        assert_eq!(got, ("王小明（区科技局）".into(), "system".into()));
        assert_eq!(person("dw7".into()), "dw7");
    }
}
