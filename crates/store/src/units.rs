use serde::Serialize;
use time::OffsetDateTime;

use crate::time_util::to_unix;
use crate::{Store, StoreError, UnitId};

/// A unit with how many tasks (across all plans) it leads and cooperates on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    pub id: UnitId,
    pub name: String,
    pub aliases: Vec<String>,
    pub lead_tasks: i64,
    pub coop_tasks: i64,
    /// Where email reminders for the unit go.
    pub email: Option<String>,
}

impl Unit {
    /// The ledger's form: "区商务委（区招商中心）".
    pub fn display(&self) -> String {
        let mut s = self.name.clone();
        for a in &self.aliases {
            s.push('（');
            s.push_str(a);
            s.push('）');
        }
        s
    }

    pub fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.iter().any(|a| a == name)
    }
}

pub(crate) fn parse_aliases(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// What a merge moved, for the office's confirmation message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MergeSummary {
    /// Task links moved to the surviving unit.
    pub links_moved: u64,
    /// Links dropped because the surviving unit already had them.
    pub links_folded: u64,
    /// Reports, contributions, notices, extension requests, close-outs, files, answers,
    /// hand-overs, change requests, notifications and deliveries moved.
    pub records_moved: u64,
    /// Accounts moved.
    pub accounts_moved: u64,
}

impl Store {
    /// Merges unit `from` into unit `into` (e.g. 区工投公司 into 工投公司), in one transaction:
    /// `from`'s task links (duplicates folded), reports, contributions, notices, extension
    /// requests, close-outs, files, answers, hand-overs, change requests, notifications,
    /// deliveries and accounts move to `into`; `from`'s name and aliases become aliases of
    /// `into`, so a later import naming it maps to `into`; `from` is removed; audited.
    /// Refused for a unit into itself, for units whose tasks lie in different plans, and
    /// when both units reported on the same task in the same round (the office decides which
    /// report stands first).
    pub async fn merge_units(
        &self,
        into: UnitId,
        from: UnitId,
        actor: &str,
    ) -> Result<MergeSummary, StoreError> {
        if into == from {
            return Err(StoreError::Invalid("不能把单位合并到它自己".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, units::merge(into, from, now, actor))
    }

    /// Every unit, by name.
    pub async fn units(&self) -> Result<Vec<Unit>, StoreError> {
        dispatch!(self, units::list(None))
    }

    pub async fn unit(&self, id: UnitId) -> Result<Option<Unit>, StoreError> {
        Ok(dispatch!(self, units::list(Some(id)))?.into_iter().next())
    }

    /// The unit with this name or alias.
    pub async fn unit_by_name(&self, name: &str) -> Result<Option<Unit>, StoreError> {
        let name = name.trim();
        let all = self.units().await?;
        let exact = all.iter().position(|u| u.name == name);
        let idx = exact.or_else(|| all.iter().position(|u| u.answers_to(name)));
        Ok(idx.and_then(|i| all.into_iter().nth(i)))
    }

    /// Creates a unit outside any import (for accounts of units no ledger names yet).
    pub async fn create_unit(
        &self,
        name: &str,
        aliases: &[String],
        actor: &str,
    ) -> Result<UnitId, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("单位名称不能为空".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, units::create(name, aliases, now, actor))
    }
}
