use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::reports::valid_date;
use crate::time_util::{from_unix, from_unix_opt, to_unix};
use crate::{ExtensionId, PlanId, RoundId, Scope, Store, StoreError, TaskId, UnitId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExtensionStatus {
    Pending,
    Approved,
    Refused,
}

impl ExtensionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExtensionStatus::Pending => "pending",
            ExtensionStatus::Approved => "approved",
            ExtensionStatus::Refused => "refused",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(ExtensionStatus::Pending),
            "approved" => Some(ExtensionStatus::Approved),
            "refused" => Some(ExtensionStatus::Refused),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            ExtensionStatus::Pending => "待审批",
            ExtensionStatus::Approved => "已同意",
            ExtensionStatus::Refused => "未同意",
        }
    }
}

/// A unit's request (延期申请) for a later date on a task, for one round or for the task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Extension {
    pub id: ExtensionId,
    pub plan_id: PlanId,
    pub task_id: TaskId,
    pub task_position: i64,
    pub task_text: String,
    /// `None`: the task's own deadline rather than one round's due date.
    pub round_id: Option<RoundId>,
    pub round_name: Option<String>,
    pub unit_id: UnitId,
    pub unit_name: String,
    /// ISO date asked for.
    pub requested_date: String,
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

impl Extension {
    pub(crate) fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "task_id": self.task_id.0,
            "round_id": self.round_id.map(|r| r.0),
            "unit_id": self.unit_id.0,
            "requested_date": self.requested_date,
            "reason": self.reason,
            "status": self.status.as_str(),
            "decision_note": self.decision_note,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewExtension {
    pub task: TaskId,
    pub round: Option<RoundId>,
    /// Must be a lead or cooperating unit of the task.
    pub unit: UnitId,
    /// ISO date.
    pub requested_date: String,
    pub reason: String,
}

/// Which requests to list; every field narrows, `Default` lists all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtensionFilter {
    pub plan: Option<PlanId>,
    pub task: Option<TaskId>,
    pub unit: Option<UnitId>,
    pub round: Option<RoundId>,
    pub status: Option<ExtensionStatus>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ExtensionRow {
    pub id: i64,
    pub plan_id: i64,
    pub task_id: i64,
    pub task_position: i64,
    pub task_text: String,
    pub round_id: Option<i64>,
    pub round_name: Option<String>,
    pub unit_id: i64,
    pub unit_name: String,
    pub requested_date: String,
    pub reason: String,
    pub status: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
}

impl ExtensionRow {
    pub(crate) fn into_extension(self) -> Extension {
        Extension {
            id: ExtensionId(self.id),
            plan_id: PlanId(self.plan_id),
            task_id: TaskId(self.task_id),
            task_position: self.task_position,
            task_text: self.task_text,
            round_id: self.round_id.map(RoundId),
            round_name: self.round_name,
            unit_id: UnitId(self.unit_id),
            unit_name: self.unit_name,
            requested_date: self.requested_date,
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
    /// A unit asks for a new date. One pending request per task, round and unit at a time.
    pub async fn request_extension(
        &self,
        new: &NewExtension,
        actor: &str,
    ) -> Result<Extension, StoreError> {
        if !valid_date(&new.requested_date) {
            return Err(StoreError::Invalid(format!(
                "申请延期至“{}”格式不对，应为 2026-01-31 这样的日期",
                new.requested_date
            )));
        }
        let reason = new.reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid("延期申请必须填写理由".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, extensions::request(new, reason, actor, now))
    }

    /// The office approves or refuses a pending request; a refusal needs a note.
    pub async fn decide_extension(
        &self,
        id: ExtensionId,
        approve: bool,
        note: &str,
        actor: &str,
    ) -> Result<Extension, StoreError> {
        let note = note.trim();
        if !approve && note.is_empty() {
            return Err(StoreError::Invalid("不同意延期必须填写说明".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, extensions::decide(id, approve, note, actor, now))
    }

    /// Requests matching `filter`, newest first; a unit scope sees only its own.
    pub async fn extensions(
        &self,
        filter: &ExtensionFilter,
        scope: &Scope,
    ) -> Result<Vec<Extension>, StoreError> {
        dispatch!(self, extensions::list(filter, None, scope))
    }

    pub async fn extension(
        &self,
        id: ExtensionId,
        scope: &Scope,
    ) -> Result<Option<Extension>, StoreError> {
        Ok(dispatch!(
            self,
            extensions::list(&ExtensionFilter::default(), Some(id), scope)
        )?
        .into_iter()
        .next())
    }
}
