use serde::Serialize;

use crate::{ReportStatus, Round, RoundId, Store, StoreError, TaskId, UnitId};

/// A report a lead unit owes in a round and has not submitted (none, draft or returned).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PendingReport {
    pub task_id: TaskId,
    pub task_position: i64,
    pub task_text: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    /// `None`: not started.
    pub status: Option<ReportStatus>,
}

impl Store {
    /// Every open round of every plan, by due date.
    pub async fn open_rounds(&self) -> Result<Vec<Round>, StoreError> {
        dispatch!(self, reminders::open_rounds())
    }

    /// The (task, lead unit) pairs of a round's plan whose report for the round has not
    /// reached the office: not started, draft, or returned and not resubmitted. In document
    /// order, then by unit name. A task closed out (办结销号) before the round's due date
    /// owes nothing and is left out.
    pub async fn pending_reports(&self, round: RoundId) -> Result<Vec<PendingReport>, StoreError> {
        dispatch!(self, reminders::pending_reports(round))
    }
}
