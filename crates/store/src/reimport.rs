//! Updating a plan from a newer version of its ledger (the office corrected its Excel file):
//! see `sql/reimport.rs` for how tasks are found again.

use duban_model::Ledger;
use serde::Serialize;
use time::OffsetDateTime;

use crate::time_util::to_unix;
use crate::{PlanId, Store, StoreError};

/// What a re-import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReimportSummary {
    /// Tasks found again (by text, else by table and row) and updated.
    pub updated: usize,
    /// Tasks new in the file, added after the others.
    pub added: usize,
    /// Tasks of the plan the file no longer lists: kept with their reports.
    pub kept_unlisted: usize,
    /// Overrides still the last word after the update.
    pub overrides_kept: usize,
    pub new_units: usize,
}

impl Store {
    /// Updates `plan` from a newer version of its ledger, in ONE transaction with its audit
    /// entry. Tasks keep their reports, overrides and standing history.
    pub async fn reimport_ledger(
        &self,
        plan: PlanId,
        ledger: &Ledger,
        source_name: &str,
        sha256: &str,
        actor: &str,
    ) -> Result<ReimportSummary, StoreError> {
        if ledger.tasks.is_empty() {
            return Err(StoreError::Invalid("台账中没有任务，未导入".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            reimport::reimport(plan, ledger, source_name, sha256, actor, now)
        )
    }
}
