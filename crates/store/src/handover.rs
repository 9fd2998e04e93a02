//! 交办 and 签收: the office hands a plan's tasks to their lead units; each lead unit
//! acknowledges (签收) its task, or asks instead for a change of how the task reads
//! (任务表述调整) or of who carries it (责任单位调整), which the office approves (the task
//! changes, in the same transaction) or refuses with a note.

use serde::Serialize;
use time::OffsetDateTime;

use crate::time_util::{from_unix, from_unix_opt, to_unix};
use crate::{ExtensionStatus, PlanId, Scope, Store, StoreError, TaskId, UnitId};

/// What a lead unit asks to change instead of signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// 任务表述调整: the task's text.
    Text,
    /// 责任单位调整: the task's lead units.
    Units,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Text => "text",
            ChangeKind::Units => "units",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "text" => Some(ChangeKind::Text),
            "units" => Some(ChangeKind::Units),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ChangeKind::Text => "任务表述调整",
            ChangeKind::Units => "责任单位调整",
        }
    }
}

/// One lead unit's copy of a handed-over task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Handover {
    pub task_id: TaskId,
    pub task_position: i64,
    pub task_text: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub handed_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub handed_at: OffsetDateTime,
    pub acknowledged_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub acknowledged_at: Option<OffsetDateTime>,
}

/// Which handovers to list; every field narrows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HandoverFilter {
    pub plan: Option<PlanId>,
    pub task: Option<TaskId>,
    pub unit: Option<UnitId>,
    pub acknowledged: Option<bool>,
    /// Handed over at or before this unix time (for "unacknowledged after N days").
    pub handed_before: Option<i64>,
}

/// A plan's handover state, within a scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HandoverCounts {
    /// (task, lead unit) pairs handed over.
    pub handed: i64,
    pub acknowledged: i64,
    /// Change requests waiting for the office.
    pub pending_requests: i64,
}

/// A lead unit's request to change its task instead of signing it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeRequest {
    pub id: i64,
    pub plan_id: PlanId,
    pub task_id: TaskId,
    pub task_position: i64,
    pub task_text: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub kind: ChangeKind,
    /// The new text, or the lead units asked for by name.
    pub proposal: String,
    pub proposed_units: Vec<UnitId>,
    pub reason: String,
    pub status: ExtensionStatus,
    pub requested_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    pub decided_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    pub decision_note: Option<String>,
}

impl ChangeRequest {
    pub(crate) fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "task_id": self.task_id.0,
            "unit_id": self.unit_id.0,
            "kind": self.kind.as_str(),
            "proposal": self.proposal,
            "proposed_units": self.proposed_units,
            "reason": self.reason,
            "status": self.status.as_str(),
            "decision_note": self.decision_note,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChangeRequest {
    pub task: TaskId,
    /// Must be a lead unit of the task.
    pub unit: UnitId,
    pub kind: ChangeKind,
    /// The new text (任务表述调整), or the unit names as the unit wrote them.
    pub proposal: String,
    /// For 责任单位调整: the lead units asked for (at least one).
    pub proposed_units: Vec<UnitId>,
    pub reason: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct HandoverRow {
    pub task_id: i64,
    pub task_position: i64,
    pub task_text: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub handed_by: String,
    pub handed_at: i64,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<i64>,
}

impl HandoverRow {
    pub(crate) fn into_handover(self) -> Handover {
        Handover {
            task_id: TaskId(self.task_id),
            task_position: self.task_position,
            task_text: self.task_text,
            unit_id: UnitId(self.unit_id),
            unit_name: self.unit_name,
            handed_by: self.handed_by,
            handed_at: from_unix(self.handed_at),
            acknowledged_by: self.acknowledged_by,
            acknowledged_at: from_unix_opt(self.acknowledged_at),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ChangeRow {
    pub id: i64,
    pub plan_id: i64,
    pub task_id: i64,
    pub task_position: i64,
    pub task_text: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub kind: String,
    pub proposal: String,
    pub proposed_units: Option<String>,
    pub reason: String,
    pub status: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
}

impl ChangeRow {
    pub(crate) fn into_request(self) -> ChangeRequest {
        let units: Vec<i64> = self
            .proposed_units
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default();
        ChangeRequest {
            id: self.id,
            plan_id: PlanId(self.plan_id),
            task_id: TaskId(self.task_id),
            task_position: self.task_position,
            task_text: self.task_text,
            unit_id: UnitId(self.unit_id),
            unit_name: self.unit_name,
            kind: ChangeKind::parse(&self.kind).unwrap_or(ChangeKind::Text),
            proposal: self.proposal,
            proposed_units: units.into_iter().map(UnitId).collect(),
            reason: self.reason,
            status: ExtensionStatus::parse(&self.status).unwrap_or(ExtensionStatus::Pending),
            requested_by: self.requested_by,
            requested_at: from_unix(self.requested_at),
            decided_by: self.decided_by,
            decided_at: from_unix_opt(self.decided_at),
            decision_note: self.decision_note,
        }
    }
}

impl Store {
    /// 交办: hands every live task of `plan` to each of its lead units not yet handed it, in
    /// one transaction with one audit entry. Returns how many (task, unit) pairs were handed.
    pub async fn hand_over_plan(&self, plan: PlanId, actor: &str) -> Result<usize, StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, handover::hand_over(plan, actor, now))
    }

    /// 签收: `unit` acknowledges the task handed to it.
    pub async fn acknowledge_task(
        &self,
        task: TaskId,
        unit: UnitId,
        actor: &str,
    ) -> Result<(), StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, handover::acknowledge(task, unit, actor, now))
    }

    /// A lead unit asks for a change instead of signing; one pending request per task and
    /// unit at a time.
    pub async fn request_task_change(
        &self,
        new: &NewChangeRequest,
        actor: &str,
    ) -> Result<ChangeRequest, StoreError> {
        if new.reason.trim().is_empty() {
            return Err(StoreError::Invalid("调整申请必须填写理由".into()));
        }
        match new.kind {
            ChangeKind::Text if new.proposal.trim().is_empty() => {
                return Err(StoreError::Invalid("请填写调整后的任务表述".into()));
            }
            ChangeKind::Units if new.proposed_units.is_empty() => {
                return Err(StoreError::Invalid("请填写调整后的牵头单位".into()));
            }
            _ => {}
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, handover::request(new, actor, now))
    }

    /// The office approves (the task changes in the same transaction) or refuses (a note is
    /// required) a pending change request.
    pub async fn decide_task_change(
        &self,
        id: i64,
        approve: bool,
        note: &str,
        actor: &str,
    ) -> Result<ChangeRequest, StoreError> {
        let note = note.trim();
        if !approve && note.is_empty() {
            return Err(StoreError::Invalid("不同意调整必须填写说明".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, handover::decide(id, approve, note, actor, now))
    }

    /// Handovers matching `filter` in document order; a unit scope sees only its own.
    pub async fn handovers(
        &self,
        filter: &HandoverFilter,
        scope: &Scope,
    ) -> Result<Vec<Handover>, StoreError> {
        dispatch!(self, handover::list(filter, scope))
    }

    /// Change requests of a plan or a task, newest first; a unit scope sees only its own.
    pub async fn task_change_requests(
        &self,
        plan: Option<PlanId>,
        task: Option<TaskId>,
        id: Option<i64>,
        scope: &Scope,
    ) -> Result<Vec<ChangeRequest>, StoreError> {
        dispatch!(self, handover::requests(plan, task, id, scope))
    }

    /// How far the plan's handover has gone, within a scope.
    pub async fn handover_counts(
        &self,
        plan: PlanId,
        scope: &Scope,
    ) -> Result<HandoverCounts, StoreError> {
        dispatch!(self, handover::counts(plan, scope))
    }
}
