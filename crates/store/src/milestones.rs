//! Milestones (时间节点): dated steps of a task, with the figure due by then ("6月底 2500辆")
//! or the stage reached (开工 / 主体完工 / 建成投用). The standing's part-year judgement uses
//! the latest one at or before the as-of date instead of the linear share of time.

use serde::Serialize;
use time::OffsetDateTime;

use crate::reports::valid_date;
use crate::time_util::to_unix;
use crate::{Store, StoreError, TaskId};

/// The stages a milestone may name instead of a figure.
pub const STAGES: [&str; 3] = ["开工", "主体完工", "建成投用"];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskMilestone {
    pub id: i64,
    pub task_id: TaskId,
    /// "YYYY-MM-DD".
    pub due_date: String,
    pub label: String,
    pub target_value: Option<f64>,
    pub target_unit: Option<String>,
    pub stage: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewMilestone {
    /// "YYYY-MM-DD", at or before the task's 完成时限.
    pub due_date: String,
    /// What is due ("6月底完成2500辆"); made from the figure or stage when blank.
    pub label: String,
    pub target_value: Option<f64>,
    pub target_unit: Option<String>,
    /// One of [`STAGES`].
    pub stage: Option<String>,
}

impl NewMilestone {
    /// The milestone with blanks removed and its rules checked, or a message naming what is
    /// wrong (the deadline rule needs the task and is checked by the store).
    pub(crate) fn checked(&self) -> Result<NewMilestone, StoreError> {
        let due_date = self.due_date.trim().to_string();
        if !valid_date(&due_date) {
            return Err(StoreError::Invalid(format!(
                "节点日期“{due_date}”格式不对，应为 2026-06-30 这样的日期"
            )));
        }
        if let Some(v) = self.target_value
            && !(v.is_finite() && v >= 0.0)
        {
            return Err(StoreError::Invalid("节点目标值应为不小于0的数字".into()));
        }
        let stage = self
            .stage
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if let Some(s) = stage
            && !STAGES.contains(&s)
        {
            return Err(StoreError::Invalid(format!(
                "节点阶段“{s}”无效，应为开工、主体完工或建成投用"
            )));
        }
        if self.target_value.is_none() && stage.is_none() && self.label.trim().is_empty() {
            return Err(StoreError::Invalid(
                "时间节点须写明目标数值、阶段或节点内容".into(),
            ));
        }
        let unit = self
            .target_unit
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let label = match self.label.trim() {
            "" => match (self.target_value, stage) {
                (Some(v), _) => format!(
                    "完成{}{}",
                    duban_standing::fmt_num(v),
                    unit.as_deref().unwrap_or("")
                ),
                (None, Some(s)) => s.to_string(),
                (None, None) => String::new(),
            },
            l => l.to_string(),
        };
        Ok(NewMilestone {
            due_date,
            label,
            target_value: self.target_value,
            target_unit: unit,
            stage: stage.map(str::to_string),
        })
    }
}

impl Store {
    /// A task's milestones, earliest first.
    pub async fn task_milestones(&self, task: TaskId) -> Result<Vec<TaskMilestone>, StoreError> {
        dispatch!(self, milestones::list(task))
    }

    /// Adds a milestone; its standing is judged again in the same transaction, audited.
    pub async fn add_milestone(
        &self,
        task: TaskId,
        new: &NewMilestone,
        actor: &str,
    ) -> Result<TaskMilestone, StoreError> {
        let m = new.checked()?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, milestones::add(task, &m, actor, now))
    }

    /// For the lights: per live task of `plan`, its latest milestone dated before `today`
    /// ("YYYY-MM-DD") that it missed — the task, judged on evidence for that date or later,
    /// is behind (滞后) — as "2026-06-30 完成3000辆".
    pub async fn missed_milestones(
        &self,
        plan: crate::PlanId,
        today: &str,
    ) -> Result<Vec<(TaskId, String)>, StoreError> {
        dispatch!(self, milestones::missed(plan, today))
    }

    /// Removes a milestone of `task`; judged again and audited in the same transaction.
    pub async fn remove_milestone(
        &self,
        task: TaskId,
        id: i64,
        actor: &str,
    ) -> Result<(), StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, milestones::remove(task, id, actor, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milestones_are_checked_and_labelled() {
        let m = NewMilestone {
            due_date: "2026-06-30".into(),
            target_value: Some(2500.0),
            target_unit: Some("辆".into()),
            ..NewMilestone::default()
        };
        assert_eq!(m.checked().expect("valid").label, "完成2500辆");
        let bad = NewMilestone {
            due_date: "6月底".into(),
            ..m.clone()
        };
        assert!(bad.checked().unwrap_err().to_string().contains("节点日期"));
        let stage = NewMilestone {
            due_date: "2026-09-30".into(),
            stage: Some("封顶".into()),
            ..NewMilestone::default()
        };
        assert!(stage.checked().unwrap_err().to_string().contains("阶段"));
        let empty = NewMilestone {
            due_date: "2026-09-30".into(),
            ..NewMilestone::default()
        };
        assert!(empty.checked().is_err());
    }
}
