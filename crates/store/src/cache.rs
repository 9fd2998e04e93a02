use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// Values computed from the database, each remembered with the revision it was computed at.
/// The revision lives in the database and every change to what the value reads bumps it
/// (the plan's `revision` for its tasks; [`crate::LightRevision`] for the reporting cycle),
/// so an entry is only ever served while it is still true, on every instance.
///
/// Read the revision BEFORE computing the value: a change landing in between then makes the
/// entry look older than it is (recomputed next time), never newer (served stale).
#[derive(Debug)]
pub struct RevisionCache<K, V, R = i64> {
    entries: Mutex<HashMap<K, (R, V)>>,
    max: usize,
}

impl<K: Eq + Hash, V: Clone, R: PartialEq> RevisionCache<K, V, R> {
    /// A cache of at most `max` entries.
    pub fn new(max: usize) -> Self {
        RevisionCache {
            entries: Mutex::new(HashMap::new()),
            max,
        }
    }

    pub fn get(&self, key: &K, revision: &R) -> Option<V> {
        let map = self.entries.lock().ok()?;
        match map.get(key) {
            Some((rev, v)) if rev == revision => Some(v.clone()),
            _ => None,
        }
    }

    pub fn put(&self, key: K, revision: R, value: V) {
        if let Ok(mut map) = self.entries.lock() {
            // Past the bound the cache starts over rather than grow without limit.
            if map.len() >= self.max {
                map.clear();
            }
            map.insert(key, (revision, value));
        }
    }
}

/// The caches a store shares between its clones.
#[derive(Debug)]
pub(crate) struct Caches {
    pub overviews: RevisionCache<(crate::PlanId, crate::Scope), crate::Overview>,
    /// Totals of filtered task lists (the filter with paging cleared).
    pub totals: RevisionCache<(crate::PlanId, crate::Scope, crate::TaskFilter), i64>,
    /// The task list's filter choices, per plan.
    pub choices: RevisionCache<crate::PlanId, crate::FilterChoices>,
    /// Pages of filtered task lists with their totals (the filter with its paging).
    pub pages: RevisionCache<ListKey, std::sync::Arc<(Vec<crate::TaskSummary>, i64)>>,
}

/// A task list's plan, scope and filter.
pub(crate) type ListKey = (crate::PlanId, crate::Scope, crate::TaskFilter);

impl Default for Caches {
    fn default() -> Self {
        Caches {
            overviews: RevisionCache::new(4096),
            totals: RevisionCache::new(16384),
            choices: RevisionCache::new(256),
            pages: RevisionCache::new(4096),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_served_only_at_its_revision() {
        let c: RevisionCache<u32, &str> = RevisionCache::new(2);
        c.put(1, 5, "a");
        assert_eq!(c.get(&1, &5), Some("a"));
        assert_eq!(c.get(&1, &6), None);
        c.put(2, 0, "b");
        c.put(3, 0, "c");
        assert_eq!(c.get(&1, &5), None, "the bound clears the cache");
        assert_eq!(c.get(&3, &0), Some("c"));
    }
}
