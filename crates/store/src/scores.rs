//! 考核: the score rules stored per plan, and the counts a unit's score in a round is
//! computed from (the computation itself is pure, in `duban_standing::scores`).

use duban_standing::scores::{ScoreInput, ScoreRules};
use time::OffsetDateTime;

use crate::reports::due_deadline;
use crate::time_util::to_unix;
use crate::{PlanId, RoundId, Store, StoreError, TaskId, UnitId};

/// One lead unit's counts in a round; `red_lights` is left 0 for the caller, who knows the
/// lights.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitScoreCounts {
    pub unit_id: UnitId,
    pub name: String,
    pub input: ScoreInput,
}

impl Store {
    /// The plan's score rules, or the defaults when the office has set none.
    pub async fn score_rules(&self, plan: PlanId) -> Result<ScoreRules, StoreError> {
        Ok(dispatch!(self, scores::rules(plan))?.unwrap_or_default())
    }

    /// Sets the plan's score rules after checking them (office action, audited).
    pub async fn set_score_rules(
        &self,
        plan: PlanId,
        rules: &ScoreRules,
        actor: &str,
    ) -> Result<(), StoreError> {
        rules.validate().map_err(StoreError::Invalid)?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, scores::set_rules(plan, rules, now, actor))
    }

    /// Every current task of the plan with its lead units, for counting lights per unit.
    pub async fn plan_lead_links(&self, plan: PlanId) -> Result<Vec<(TaskId, UnitId)>, StoreError> {
        dispatch!(self, scores::lead_links(plan))
    }

    /// Per lead unit of the round's plan: what it owed and how it answered in the round
    /// (reports ever returned count as returned), how many of the tasks it reported on are
    /// met, and its supervision notices due by the round's due date that were not answered
    /// by the end of their own deadline.
    pub async fn round_score_counts(
        &self,
        round: RoundId,
    ) -> Result<Vec<UnitScoreCounts>, StoreError> {
        let r = self
            .round(round)
            .await?
            .ok_or(StoreError::NotFound("该填报轮次"))?;
        let deadline = due_deadline(&r.due_date).unwrap_or(i64::MAX);
        let mut counts = dispatch!(self, scores::counts(r.plan_id, round, deadline))?;
        let notices = dispatch!(self, scores::notices_due(r.plan_id, &r.due_date))?;
        for (unit, notice_deadline, answered_at) in notices {
            let end = due_deadline(&notice_deadline).unwrap_or(i64::MAX);
            if answered_at.is_none_or(|a| a > end)
                && let Some(c) = counts.iter_mut().find(|c| c.unit_id == unit)
            {
                c.input.overdue_notices += 1;
            }
        }
        Ok(counts)
    }
}
