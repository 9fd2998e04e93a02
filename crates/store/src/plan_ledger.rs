//! A stored plan rebuilt as a `duban_model::Ledger`, for the documents (year-end report,
//! ledger .xlsx) written from what the office holds now rather than from the imported file.

use duban_model::Ledger;

use crate::{PlanId, Store, StoreError};

impl Store {
    /// The plan as a ledger: its tables, tasks in document order, lead and cooperating
    /// units (with their known aliases), group placeholders and targets, with two
    /// differences from the imported file:
    ///
    /// - `Task::office_verdict` is the office's final word: its override where it made one,
    ///   else the imported office verdict. `Task::verdict` stays the machine's. So a
    ///   document written with the office's (or the final) verdicts carries the overrides.
    /// - `Task::progress` is the newest accepted report narrative (the newest round with an
    ///   accepted report; several accepted reports of that round are joined in the order
    ///   of the task's units, lead units first), else the imported progress. When it was
    ///   replaced, the targets' evidence spans (offsets into the imported text) are dropped
    ///   and `progress_label` says where the text came from.
    ///
    /// Import warnings are not carried over (they describe the file, not the plan).
    pub async fn plan_ledger(&self, plan: PlanId) -> Result<Ledger, StoreError> {
        dispatch!(self, plan_ledger::plan_ledger(plan))
    }
}
