//! The per-task fields an export prints beside the list's columns (责任领导 and the text the
//! verdict reads), for a whole plan in one query: an export of many tasks must not read
//! each task's detail in turn.

use std::collections::HashMap;

use crate::{PlanId, Scope, Store, StoreError, TaskId};

/// What [`Store::task_notes`] gives for one task.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskNotes {
    /// 责任领导, as written in the ledger.
    pub leader: Option<String>,
    /// The text the verdict reads: the accepted report(s), else the imported progress
    /// (what [`crate::TaskDetail::evidence_narrative`] gives).
    pub evidence: String,
}

impl Store {
    /// [`TaskNotes`] of every live task of the plan within `scope`, by task id, in one query.
    pub async fn task_notes(
        &self,
        plan: PlanId,
        scope: &Scope,
    ) -> Result<HashMap<TaskId, TaskNotes>, StoreError> {
        dispatch!(self, task_notes::for_plan(plan, scope))
    }
}
