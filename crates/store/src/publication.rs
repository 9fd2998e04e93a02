//! The public progress page (公开): which plans the office has opted in, and the narrative
//! it chose to publish per task. Nothing here carries a person's name or an internal note.

use duban_model::Verdict;
use serde::Serialize;
use time::OffsetDateTime;

use crate::time_util::to_unix;
use crate::{PlanId, Store, StoreError, TaskId};

/// A task as the public page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicTask {
    pub id: TaskId,
    pub section: Option<String>,
    pub text: String,
    /// Lead units' names (units, never people).
    pub lead_units: Vec<String>,
    pub deadline: Option<String>,
    /// The effective (final) standing.
    pub verdict: Option<Verdict>,
    pub closed_on: Option<String>,
    /// The narrative the office chose to publish; `None` publishes none.
    pub public_note: Option<String>,
}

/// Longest 公开说明 the office may write.
pub const MAX_PUBLIC_NOTE_CHARS: usize = 2000;

impl Store {
    /// Whether the plan's public page is on.
    pub async fn is_public(&self, plan: PlanId) -> Result<bool, StoreError> {
        dispatch!(self, publication::is_public(plan))
    }

    /// Turns the plan's public page on or off (office action, audited).
    pub async fn set_public(
        &self,
        plan: PlanId,
        enabled: bool,
        actor: &str,
    ) -> Result<(), StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, publication::set_public(plan, enabled, now, actor))
    }

    /// Sets or clears (empty text) the 公开说明 of a task, bumping its plan's revision so a
    /// cached public page turns over; audited.
    pub async fn set_public_note(
        &self,
        task: TaskId,
        note: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let note = note.trim();
        if note.chars().count() > MAX_PUBLIC_NOTE_CHARS {
            return Err(StoreError::Invalid(format!(
                "公开说明不能超过{MAX_PUBLIC_NOTE_CHARS}个字"
            )));
        }
        let note = (!note.is_empty()).then_some(note);
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, publication::set_note(task, note, now, actor))
    }

    /// The plan's current tasks in document order, as the public page shows them.
    pub async fn public_tasks(&self, plan: PlanId) -> Result<Vec<PublicTask>, StoreError> {
        dispatch!(self, publication::tasks(plan))
    }
}
