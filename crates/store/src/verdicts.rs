//! A task's standing as the store keeps it: the final verdict, its source and the evidence
//! it rests on are columns of the task row, refreshed in the same transaction as every accept,
//! reopen and override (see `sql/verdicts.rs`); the judgement itself is `duban_standing`'s.

use duban_model::Verdict;
use duban_standing::VerdictSource;
use serde::Serialize;
use time::OffsetDateTime;

use crate::time_util::to_unix;
use crate::{PlanId, Store, StoreError, TaskId};

/// What happens to an office override made on other evidence than what speaks now (a newer
/// report was accepted, or the report it was made on was reopened).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrideDecision {
    /// Keep it when the machine now agrees with it; otherwise refuse with
    /// [`StoreError::OverrideInQuestion`] so the office is asked.
    Ask,
    /// The override still holds for the new evidence.
    Keep,
    /// The override is withdrawn; the new evidence decides.
    Drop,
}

/// What moved a standing, for its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StandingEvent {
    Accept,
    Reopen,
    Override,
    /// Re-read in bulk (a bulk load or an upgrade).
    Recount,
    /// The office created or edited the task, so its targets were read again.
    Edit,
}

impl StandingEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            StandingEvent::Accept => "accept",
            StandingEvent::Reopen => "reopen",
            StandingEvent::Override => "override",
            StandingEvent::Recount => "recount",
            StandingEvent::Edit => "edit",
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "accept" => StandingEvent::Accept,
            "reopen" => StandingEvent::Reopen,
            "override" => StandingEvent::Override,
            "edit" => StandingEvent::Edit,
            _ => StandingEvent::Recount,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            StandingEvent::Accept => "报告审核通过",
            StandingEvent::Reopen => "报告重新开放",
            StandingEvent::Override => "督查办改判",
            StandingEvent::Recount => "重新核算",
            StandingEvent::Edit => "督查办修改任务",
        }
    }
}

/// One step of a task's standing history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StandingStep {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    pub event: StandingEvent,
    /// Which evidence spoke after the step ("第三季度报告（2026-10-08通过）").
    pub evidence: String,
    pub final_verdict: Option<Verdict>,
    pub source: Option<VerdictSource>,
    pub machine_verdict: Option<Verdict>,
}

/// The day of a unix time in China Standard Time, "YYYY-MM-DD".
pub(crate) fn cst_date(unix: i64) -> String {
    let d = crate::time_util::from_unix(unix)
        .to_offset(time::macros::offset!(+8))
        .date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl Store {
    /// How a task's standing moved (accepts, reopens, overrides), oldest first. The imported
    /// standing is the task's own columns (`imported_*`), not a step.
    pub async fn standing_history(&self, task: TaskId) -> Result<Vec<StandingStep>, StoreError> {
        dispatch!(self, verdicts::history(task))
    }

    /// Re-reads the standing of every task of a plan that has accepted lead reports, in one
    /// transaction with one audit entry. Returns how many tasks were read.
    pub async fn refresh_standings(&self, plan: PlanId, actor: &str) -> Result<usize, StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, verdicts::refresh_plan(plan, actor, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_in_china_standard_time() {
        // 2026-10-08 16:30 UTC is 2026-10-09 00:30 in Beijing.
        assert_eq!(cst_date(1_791_477_000), "2026-10-09");
        assert_eq!(
            StandingEvent::parse(StandingEvent::Reopen.as_str()),
            StandingEvent::Reopen
        );
    }
}
