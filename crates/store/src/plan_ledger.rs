//! A stored plan rebuilt as a `duban_model::Ledger`, for the documents (year-end report,
//! ledger .xlsx) written from what the office holds now rather than from the imported file.

use duban_model::Ledger;

use crate::{PlanId, Store, StoreError};

impl Store {
    /// The plan as a ledger, each task as it stands now: its tables, tasks in document
    /// order, lead and cooperating units (with their known aliases), group placeholders, and
    /// the task's standing in place of the imported reading:
    ///
    /// - `Task::progress` is the evidence that speaks: the newest round's accepted lead
    ///   reports (joined in the ledger's unit order), else the imported progress;
    ///   `progress_label` says which.
    /// - `Task::verdict`, `targets` (evidence spans included) and `explanation` are the
    ///   machine's reading of exactly that text, so 完成情况, 证据 and 判定说明 agree.
    /// - `Task::office_verdict` is the final verdict where the office's word is final (its
    ///   override, or the imported verdict while the imported text speaks), else `None`.
    ///
    /// Import warnings are not carried over (they describe the file, not the plan).
    pub async fn plan_ledger(&self, plan: PlanId) -> Result<Ledger, StoreError> {
        dispatch!(self, plan_ledger::plan_ledger(plan))
    }
}
