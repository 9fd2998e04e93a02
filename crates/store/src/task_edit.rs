//! Tasks kept by the office in the UI: created beside the imported ones, edited (text,
//! section, units, 责任领导, 完成时限) and retired. Every change re-reads the task's targets
//! and refreshes its standing in the same transaction as its audit entry (see
//! `sql/task_edit.rs`).

use serde::Serialize;
use time::OffsetDateTime;

use crate::time_util::to_unix;
use crate::{PlanId, Store, StoreError, TaskId, UnitId};

/// What the office writes for a task: everything the ledger's row would say about it except
/// progress, which only imports and reports bring.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TaskDraft {
    pub section: Option<String>,
    pub text: String,
    /// In order; at least one.
    pub lead_units: Vec<UnitId>,
    pub coop_units: Vec<UnitId>,
    /// 责任领导.
    pub leader: Option<String>,
    /// 完成时限 as offices write it ("2026年6月底", "2026-09-30"); must name a date.
    pub deadline: Option<String>,
}

fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl TaskDraft {
    /// The draft with blanks removed and every rule a task must meet checked; the message
    /// names what is wrong. `plan_year` reads deadlines without a year ("6月底").
    pub(crate) fn checked(&self, plan_year: Option<i32>) -> Result<TaskDraft, StoreError> {
        let text = self.text.trim().to_string();
        if text.is_empty() {
            return Err(StoreError::Invalid("任务内容不能为空".into()));
        }
        if self.lead_units.is_empty() {
            return Err(StoreError::Invalid("至少要有一个牵头单位".into()));
        }
        let mut lead: Vec<UnitId> = Vec::new();
        for u in &self.lead_units {
            if !lead.contains(u) {
                lead.push(*u);
            }
        }
        let mut coop: Vec<UnitId> = Vec::new();
        for u in &self.coop_units {
            if lead.contains(u) {
                return Err(StoreError::Invalid(
                    "同一单位不能既是牵头单位又是配合单位".into(),
                ));
            }
            if !coop.contains(u) {
                coop.push(*u);
            }
        }
        let deadline = trimmed(&self.deadline);
        if let Some(d) = &deadline {
            let year = plan_year.unwrap_or_else(|| OffsetDateTime::now_utc().year());
            if duban_model::period::parse_deadline(d, year).is_none() {
                return Err(StoreError::Invalid(format!(
                    "完成时限“{d}”无法识别，请写成 2026-06-30 或“2026年6月底”这样的日期"
                )));
            }
        }
        Ok(TaskDraft {
            section: trimmed(&self.section),
            text,
            lead_units: lead,
            coop_units: coop,
            leader: trimmed(&self.leader),
            deadline,
        })
    }
}

impl Store {
    /// Adds a task to `plan` after its others, with its targets read and its standing set,
    /// in one transaction with its audit entry.
    pub async fn create_task(
        &self,
        plan: PlanId,
        draft: &TaskDraft,
        actor: &str,
    ) -> Result<TaskId, StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, task_edit::create(plan, draft, None, actor, now))
    }

    /// Replaces what the office writes for a task; its targets are read again and its
    /// standing refreshed in the same transaction. Reports, overrides and history stay.
    pub async fn edit_task(
        &self,
        task: TaskId,
        draft: &TaskDraft,
        actor: &str,
    ) -> Result<(), StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, task_edit::edit(task, draft, actor, now))
    }

    /// Splits a task into sub-tasks (分解), each with its own text and units (a sub-task
    /// without a lead unit is refused, naming it); they inherit nothing silently — the
    /// caller fills section, 责任领导 and 完成时限. From then on the task stands where its
    /// sub-tasks stand (the worst decides). All or nothing, audited.
    pub async fn split_task(
        &self,
        parent: TaskId,
        children: &[TaskDraft],
        actor: &str,
    ) -> Result<Vec<TaskId>, StoreError> {
        if children.is_empty() {
            return Err(StoreError::Invalid("请至少写一项子任务".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, task_edit::split(parent, children, actor, now))
    }

    /// The live sub-tasks of a task, in plan order.
    pub async fn subtasks(&self, parent: TaskId) -> Result<Vec<(TaskId, String)>, StoreError> {
        dispatch!(self, task_edit::children(parent))
    }

    /// Retires a task: it keeps its reports and history but leaves rounds, lists and counts.
    /// A reason is required.
    pub async fn retire_task(
        &self,
        task: TaskId,
        reason: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid("撤销任务必须填写理由".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, task_edit::retire(task, reason, actor, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> TaskDraft {
        TaskDraft {
            text: " 新建充电桩2500个 ".into(),
            lead_units: vec![UnitId(1), UnitId(1)],
            coop_units: vec![UnitId(2)],
            deadline: Some("6月底".into()),
            ..TaskDraft::default()
        }
    }

    #[test]
    fn a_draft_is_trimmed_and_its_units_deduplicated() {
        let d = draft().checked(Some(2026)).expect("valid");
        assert_eq!(d.text, "新建充电桩2500个");
        assert_eq!(d.lead_units, vec![UnitId(1)]);
        assert_eq!(d.deadline.as_deref(), Some("6月底"));
    }

    #[test]
    fn bad_drafts_name_what_is_wrong() {
        let mut d = draft();
        d.lead_units.clear();
        assert!(
            d.checked(Some(2026))
                .unwrap_err()
                .to_string()
                .contains("牵头单位")
        );
        let mut d = draft();
        d.coop_units.push(UnitId(1));
        assert!(
            d.checked(Some(2026))
                .unwrap_err()
                .to_string()
                .contains("既是牵头")
        );
        let mut d = draft();
        d.deadline = Some("尽快".into());
        assert!(
            d.checked(Some(2026))
                .unwrap_err()
                .to_string()
                .contains("完成时限")
        );
        let mut d = draft();
        d.text = "  ".into();
        assert!(
            d.checked(Some(2026))
                .unwrap_err()
                .to_string()
                .contains("任务内容")
        );
    }
}
