//! Where each task stands in the reporting cycle, for the red/amber/green lights and the
//! bulletin's list of lagging tasks. The store only gathers the facts; judging them is the
//! caller's (the web service's light rules), so the rules can change without a query.

use duban_model::Verdict;
use serde::Serialize;

use crate::{PlanId, RoundId, Scope, SelfStatus, Store, StoreError, TaskId};

/// The facts about one task that its light is computed from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskStanding {
    pub task_id: TaskId,
    /// The effective verdict (override, else the office's, else the machine's).
    pub verdict: Option<Verdict>,
    pub machine_verdict: Option<Verdict>,
    /// The office's final word, when it overrode the verdict.
    pub final_verdict: Option<Verdict>,
    pub disputed: bool,
    /// Lead units linked to the task: each owes one report per round.
    pub lead_units: i64,
    /// Lead units whose report for the given round has not reached the office (none, or
    /// still a draft). 0 when no round was given.
    pub unsubmitted: i64,
    /// Reports on the task, in an open round, that were returned and not yet resubmitted
    /// (a closed round's reports are locked: a return there is no longer owed).
    pub returned: i64,
    /// The units' own view in the newest round where a report on the task reached the
    /// office; with several lead units, the worst of them (未启动 before 滞后 before 序时推进
    /// before 已完成).
    pub latest_self_status: Option<SelfStatus>,
    /// The close-out date of a task closed out (办结销号).
    pub closed_on: Option<String>,
}

/// Why a task appears in a round's list of lagging tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LagReason {
    /// No report reached the office in the round.
    Unsubmitted,
    /// The unit reported 滞后.
    Lagging,
    /// The unit reported 未启动.
    NotStarted,
}

impl LagReason {
    pub fn label_zh(self) -> &'static str {
        match self {
            LagReason::Unsubmitted => "未报送",
            LagReason::Lagging => "自评滞后",
            LagReason::NotStarted => "自评未启动",
        }
    }
}

/// One lead unit's task that lags in a round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LaggingRow {
    pub task_id: TaskId,
    /// 1-based document order.
    pub position: i64,
    pub task: String,
    pub unit: String,
    pub reason: LagReason,
}

/// Where the facts behind the lights stand: the plan's task revision and the reporting
/// cycle's counter (bumped by database triggers on reports, rounds, notices and extension
/// requests). Equal values mean equal lights on the same day, on every instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct LightRevision {
    pub tasks: i64,
    pub cycle: i64,
}

/// Severity order used to pick the worst self-status among several lead units.
pub(crate) fn self_status_severity(s: SelfStatus) -> u8 {
    match s {
        SelfStatus::Done => 0,
        SelfStatus::OnSchedule => 1,
        SelfStatus::Lagging => 2,
        SelfStatus::NotStarted => 3,
    }
}

impl Store {
    /// The standing of tasks in a plan within `scope`, in document order, in ONE query:
    /// `tasks = Some(ids)` for a page of tasks, `None` for the whole plan (the overview's
    /// counts). `round` is the round whose missing reports count as `unsubmitted` (the
    /// current open round); `None` counts none.
    pub async fn task_standings(
        &self,
        plan: PlanId,
        round: Option<RoundId>,
        tasks: Option<&[TaskId]>,
        scope: &Scope,
    ) -> Result<Vec<TaskStanding>, StoreError> {
        if tasks.is_some_and(|t| t.is_empty()) {
            return Ok(Vec::new());
        }
        dispatch!(self, standings::task_standings(plan, round, tasks, scope))
    }

    /// What a task's page reads, as revisions for caching it: the task's page mark (every
    /// change to its reports, notices, files, instructions, hand-overs, close-outs, history,
    /// milestones, links and row; migration 0024), with its plan and that plan's light
    /// revision. One read; `None` when there is no such task.
    pub async fn task_page_revision(
        &self,
        task: TaskId,
    ) -> Result<Option<(PlanId, i64, LightRevision)>, StoreError> {
        dispatch!(self, standings::task_page_revision(task))
    }

    /// The revision of everything the lights read, for caching them (`None`: no such plan).
    pub async fn light_revision(&self, plan: PlanId) -> Result<Option<LightRevision>, StoreError> {
        dispatch!(self, standings::light_revision(plan))
    }

    /// Tasks whose newest extension request (延期申请) was refused.
    pub async fn refused_extension_tasks(&self, plan: PlanId) -> Result<Vec<TaskId>, StoreError> {
        dispatch!(self, standings::refused_extension_tasks(plan))
    }

    /// The tasks whose lead unit did not submit in the round, or reported 滞后 or 未启动,
    /// in document order, then by the unit's place on the task.
    pub async fn round_lagging(&self, round: RoundId) -> Result<Vec<LaggingRow>, StoreError> {
        let r = self
            .round(round)
            .await?
            .ok_or(StoreError::NotFound("该填报轮次"))?;
        dispatch!(self, standings::round_lagging(r.plan_id, round))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_not_started_worst() {
        let mut all = SelfStatus::ALL.to_vec();
        all.sort_by_key(|s| std::cmp::Reverse(self_status_severity(*s)));
        assert_eq!(all[0], SelfStatus::NotStarted);
        assert_eq!(all[3], SelfStatus::Done);
    }
}
