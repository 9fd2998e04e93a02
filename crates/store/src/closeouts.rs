//! Close-out (办结销号): a lead unit applies to close a task with a final narrative and
//! evidence files; the office approves (the task is closed from that date: out of later
//! rounds, reminders and red lights) or refuses with a reason, and may reopen it with one.

use serde::Serialize;
use time::OffsetDateTime;

use crate::attachments::check_files;
use crate::time_util::{from_unix, from_unix_opt, to_unix};
use crate::{CloseoutId, NewFile, PlanId, Scope, Store, StoreError, TaskId, UnitId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CloseoutStatus {
    Pending,
    Approved,
    Refused,
    Reopened,
}

impl CloseoutStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CloseoutStatus::Pending => "pending",
            CloseoutStatus::Approved => "approved",
            CloseoutStatus::Refused => "refused",
            CloseoutStatus::Reopened => "reopened",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(CloseoutStatus::Pending),
            "approved" => Some(CloseoutStatus::Approved),
            "refused" => Some(CloseoutStatus::Refused),
            "reopened" => Some(CloseoutStatus::Reopened),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            CloseoutStatus::Pending => "待审核",
            CloseoutStatus::Approved => "已销号",
            CloseoutStatus::Refused => "未同意",
            CloseoutStatus::Reopened => "已重新打开",
        }
    }
}

/// One application to close a task out, and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Closeout {
    pub id: CloseoutId,
    pub plan_id: PlanId,
    pub task_id: TaskId,
    pub task_position: i64,
    pub task_text: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub narrative: String,
    pub status: CloseoutStatus,
    pub applied_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub applied_at: OffsetDateTime,
    pub decided_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    pub decision_note: Option<String>,
    pub reopened_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub reopened_at: Option<OffsetDateTime>,
    pub reopen_reason: Option<String>,
}

impl Closeout {
    pub(crate) fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "task_id": self.task_id.0,
            "unit_id": self.unit_id.0,
            "narrative": self.narrative,
            "status": self.status.as_str(),
            "decision_note": self.decision_note,
            "reopen_reason": self.reopen_reason,
        })
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct CloseoutRow {
    pub id: i64,
    pub plan_id: i64,
    pub task_id: i64,
    pub task_position: i64,
    pub task_text: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub narrative: String,
    pub status: String,
    pub applied_by: String,
    pub applied_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
    pub reopened_by: Option<String>,
    pub reopened_at: Option<i64>,
    pub reopen_reason: Option<String>,
}

impl CloseoutRow {
    pub(crate) fn into_closeout(self) -> Closeout {
        Closeout {
            id: CloseoutId(self.id),
            plan_id: PlanId(self.plan_id),
            task_id: TaskId(self.task_id),
            task_position: self.task_position,
            task_text: self.task_text,
            unit_id: UnitId(self.unit_id),
            unit_name: self.unit_name,
            narrative: self.narrative,
            status: CloseoutStatus::parse(&self.status).unwrap_or(CloseoutStatus::Pending),
            applied_by: self.applied_by,
            applied_at: from_unix(self.applied_at),
            decided_by: self.decided_by,
            decided_at: from_unix_opt(self.decided_at),
            decision_note: self.decision_note,
            reopened_by: self.reopened_by,
            reopened_at: from_unix_opt(self.reopened_at),
            reopen_reason: self.reopen_reason,
        }
    }
}

/// Which applications to list; every field narrows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CloseoutFilter {
    pub plan: Option<PlanId>,
    pub task: Option<TaskId>,
    pub status: Option<CloseoutStatus>,
}

/// Today in China Standard Time, ISO: the date a close-out takes effect.
fn today_cst(now: OffsetDateTime) -> String {
    let cst = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let d = now.to_offset(cst).date();
    format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

impl Store {
    /// A lead unit applies to close `task` out, with a final narrative and evidence files,
    /// in one transaction (the application and its files, or nothing).
    pub async fn apply_closeout(
        &self,
        task: TaskId,
        unit: UnitId,
        narrative: &str,
        files: &[NewFile],
        max_bytes: u64,
        actor: &str,
    ) -> Result<Closeout, StoreError> {
        let narrative = narrative.trim();
        if narrative.is_empty() {
            return Err(StoreError::Invalid("申请办结必须填写办结情况说明".into()));
        }
        let checked = self.stored_in_dir(check_files(files, max_bytes)?)?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            closeouts::apply(task, unit, narrative, &checked, actor, now)
        )
    }

    /// The office approves (the task is closed today) or refuses (a reason is required).
    pub async fn decide_closeout(
        &self,
        id: CloseoutId,
        approve: bool,
        note: &str,
        actor: &str,
    ) -> Result<Closeout, StoreError> {
        let note = note.trim();
        if !approve && note.is_empty() {
            return Err(StoreError::Invalid("不同意办结必须填写理由".into()));
        }
        let now = OffsetDateTime::now_utc();
        let today = today_cst(now);
        dispatch!(
            self,
            closeouts::decide(id, approve, note, &today, actor, to_unix(now))
        )
    }

    /// The office reopens a closed task, with a reason: it is back in rounds and lights.
    pub async fn reopen_closed_task(
        &self,
        task: TaskId,
        reason: &str,
        actor: &str,
    ) -> Result<Closeout, StoreError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid("重新打开已办结任务必须填写理由".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, closeouts::reopen(task, reason, actor, now))
    }

    /// Applications matching `filter`, newest first; a unit scope sees only its own.
    pub async fn closeouts(
        &self,
        filter: &CloseoutFilter,
        scope: &Scope,
    ) -> Result<Vec<Closeout>, StoreError> {
        dispatch!(self, closeouts::list(filter, None, scope))
    }

    pub async fn closeout(
        &self,
        id: CloseoutId,
        scope: &Scope,
    ) -> Result<Option<Closeout>, StoreError> {
        Ok(dispatch!(
            self,
            closeouts::list(&CloseoutFilter::default(), Some(id), scope)
        )?
        .into_iter()
        .next())
    }
}
