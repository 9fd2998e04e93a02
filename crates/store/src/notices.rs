use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::reports::{due_deadline, valid_date};
use crate::time_util::{from_unix, from_unix_opt, to_unix};
use crate::{NoticeId, PlanId, Scope, Store, StoreError, TaskId, UnitId};

/// How urgent a supervision notice is (蓝/黄/红), in rising order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeLevel {
    Blue,
    Yellow,
    Red,
}

impl NoticeLevel {
    pub const ALL: [NoticeLevel; 3] = [NoticeLevel::Blue, NoticeLevel::Yellow, NoticeLevel::Red];
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeLevel::Blue => "blue",
            NoticeLevel::Yellow => "yellow",
            NoticeLevel::Red => "red",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        NoticeLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            NoticeLevel::Blue => "蓝色",
            NoticeLevel::Yellow => "黄色",
            NoticeLevel::Red => "红色",
        }
    }
    /// `steps` levels up, stopping at red.
    pub fn raised(self, steps: i64) -> Self {
        let i = NoticeLevel::ALL
            .iter()
            .position(|l| *l == self)
            .unwrap_or(0) as i64;
        NoticeLevel::ALL[(i + steps.max(0)).min(2) as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeStatus {
    /// Waiting for the unit's answer (待答复).
    Open,
    /// The unit answered; waiting for the office to close it (已答复).
    Answered,
    /// Closed out by the office (已办结).
    Closed,
}

impl NoticeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::Open => "open",
            NoticeStatus::Answered => "answered",
            NoticeStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(NoticeStatus::Open),
            "answered" => Some(NoticeStatus::Answered),
            "closed" => Some(NoticeStatus::Closed),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            NoticeStatus::Open => "待答复",
            NoticeStatus::Answered => "已答复",
            NoticeStatus::Closed => "已办结",
        }
    }
}

/// A supervision notice (督办单) from the office to a unit about a task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    pub id: NoticeId,
    pub plan_id: PlanId,
    pub task_id: TaskId,
    /// The task's 1-based position in its plan, and its text, for lists.
    pub task_position: i64,
    pub task_text: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    /// The level it was issued with.
    pub issued_level: NoticeLevel,
    /// The level now (escalation only ever raises it).
    pub level: NoticeLevel,
    pub text: String,
    /// ISO date; the answer is due by the end of that day, China Standard Time.
    pub deadline: String,
    pub status: NoticeStatus,
    pub issued_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
    pub close_note: Option<String>,
    pub closed_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub escalated_at: Option<OffsetDateTime>,
}

impl Notice {
    /// Unanswered after the end of its deadline day (China Standard Time).
    pub fn is_overdue(&self, now: OffsetDateTime) -> bool {
        self.status == NoticeStatus::Open
            && due_deadline(&self.deadline).is_some_and(|d| to_unix(now) > d)
    }

    pub(crate) fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "task_id": self.task_id.0,
            "unit_id": self.unit_id.0,
            "level": self.level.as_str(),
            "status": self.status.as_str(),
            "deadline": self.deadline,
            "text": self.text,
            "answer": self.answer,
            "close_note": self.close_note,
        })
    }
}

/// What the office issues.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotice {
    pub task: TaskId,
    /// Must be a lead or cooperating unit of the task.
    pub unit: UnitId,
    pub level: NoticeLevel,
    /// ISO date, e.g. "2026-03-31".
    pub deadline: String,
    pub text: String,
}

/// Counts of a plan's notices that are not closed, for the overview.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NoticeCounts {
    /// Not closed.
    pub open: i64,
    /// Waiting for the unit's answer.
    pub unanswered: i64,
    /// Unanswered past their deadline.
    pub overdue: i64,
    pub blue: i64,
    pub yellow: i64,
    pub red: i64,
}

impl NoticeCounts {
    pub fn of(notices: &[Notice], now: OffsetDateTime) -> NoticeCounts {
        let mut c = NoticeCounts::default();
        for n in notices.iter().filter(|n| n.status != NoticeStatus::Closed) {
            c.open += 1;
            if n.status == NoticeStatus::Open {
                c.unanswered += 1;
            }
            if n.is_overdue(now) {
                c.overdue += 1;
            }
            match n.level {
                NoticeLevel::Blue => c.blue += 1,
                NoticeLevel::Yellow => c.yellow += 1,
                NoticeLevel::Red => c.red += 1,
            }
        }
        c
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct NoticeRow {
    pub id: i64,
    pub plan_id: i64,
    pub task_id: i64,
    pub task_position: i64,
    pub task_text: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub issued_level: String,
    pub level: String,
    pub text: String,
    pub deadline: String,
    pub status: String,
    pub issued_by: String,
    pub issued_at: i64,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<i64>,
    pub close_note: Option<String>,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
    pub escalated_at: Option<i64>,
}

impl NoticeRow {
    pub(crate) fn into_notice(self) -> Notice {
        Notice {
            id: NoticeId(self.id),
            plan_id: PlanId(self.plan_id),
            task_id: TaskId(self.task_id),
            task_position: self.task_position,
            task_text: self.task_text,
            unit_id: UnitId(self.unit_id),
            unit_name: self.unit_name,
            issued_level: NoticeLevel::parse(&self.issued_level).unwrap_or(NoticeLevel::Blue),
            level: NoticeLevel::parse(&self.level).unwrap_or(NoticeLevel::Red),
            text: self.text,
            deadline: self.deadline,
            status: NoticeStatus::parse(&self.status).unwrap_or(NoticeStatus::Open),
            issued_by: self.issued_by,
            issued_at: from_unix(self.issued_at),
            answer: self.answer,
            answered_by: self.answered_by,
            answered_at: from_unix_opt(self.answered_at),
            close_note: self.close_note,
            closed_by: self.closed_by,
            closed_at: from_unix_opt(self.closed_at),
            escalated_at: from_unix_opt(self.escalated_at),
        }
    }
}

/// Which notices a query returns.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NoticeQuery {
    pub id: Option<NoticeId>,
    pub plan: Option<PlanId>,
    pub task: Option<TaskId>,
    pub unit: Option<UnitId>,
    pub not_closed: bool,
    pub only_unanswered: bool,
}

/// The level an unanswered notice should have at `now`: one step up once its deadline day
/// is over, and one more for each further `every_days` days. A function of time alone, so
/// running escalation twice changes nothing the second time.
pub(crate) fn due_level(n: &Notice, now: i64, every_days: u32) -> Option<NoticeLevel> {
    if n.status != NoticeStatus::Open {
        return None;
    }
    let deadline = due_deadline(&n.deadline)?;
    if now <= deadline {
        return None;
    }
    let period = i64::from(every_days.max(1)) * 86_400;
    let steps = 1 + (now - deadline - 1) / period;
    let target = n.issued_level.raised(steps);
    (target > n.level).then_some(target)
}

fn required(text: &str, what: &str) -> Result<String, StoreError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(StoreError::Invalid(format!("{what}不能为空")));
    }
    Ok(t.to_string())
}

impl Store {
    /// Issues a notice to a lead or cooperating unit of the task.
    pub async fn issue_notice(&self, new: &NewNotice, actor: &str) -> Result<Notice, StoreError> {
        let text = required(&new.text, "督办内容")?;
        if !valid_date(&new.deadline) {
            return Err(StoreError::Invalid(format!(
                "办理期限“{}”格式不对，应为 2026-01-31 这样的日期",
                new.deadline
            )));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, notices::issue(new, &text, actor, now))
    }

    /// The unit's answer. A unit scope must be the notice's unit; the office (`Scope::All`)
    /// may record an answer received on paper. Allowed until the notice is closed; a second
    /// answer replaces the first (both stay in the audit log).
    pub async fn answer_notice(
        &self,
        id: NoticeId,
        scope: &Scope,
        answer: &str,
        actor: &str,
    ) -> Result<Notice, StoreError> {
        let answer = required(answer, "答复内容")?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, notices::answer(id, scope, &answer, actor, now))
    }

    /// The office closes a notice out (办结), answered or not, with a note.
    pub async fn close_notice(
        &self,
        id: NoticeId,
        note: &str,
        actor: &str,
    ) -> Result<Notice, StoreError> {
        let note = required(note, "办结说明")?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, notices::close(id, &note, actor, now))
    }

    /// Raises the level of every unanswered notice past its deadline: one step once the
    /// deadline day is over and one more for each further `every_days` days, up to red.
    /// Idempotent for a given `now`; each raise is audited. Returns the raised notices.
    pub async fn escalate_notices(
        &self,
        now: OffsetDateTime,
        every_days: u32,
        actor: &str,
    ) -> Result<Vec<Notice>, StoreError> {
        dispatch!(self, notices::escalate(to_unix(now), every_days, actor))
    }

    /// A notice, if within `scope` (a unit sees only notices addressed to it).
    pub async fn notice(&self, id: NoticeId, scope: &Scope) -> Result<Option<Notice>, StoreError> {
        let q = NoticeQuery {
            id: Some(id),
            ..Default::default()
        };
        Ok(dispatch!(self, notices::list(q, scope))?.into_iter().next())
    }

    /// A task's notices, newest first, within `scope`.
    pub async fn task_notices(
        &self,
        task: TaskId,
        scope: &Scope,
    ) -> Result<Vec<Notice>, StoreError> {
        let q = NoticeQuery {
            task: Some(task),
            ..Default::default()
        };
        dispatch!(self, notices::list(q, scope))
    }

    /// Notices addressed to a unit, newest first; `open_only` leaves closed ones out.
    pub async fn unit_notices(
        &self,
        unit: UnitId,
        open_only: bool,
    ) -> Result<Vec<Notice>, StoreError> {
        let q = NoticeQuery {
            unit: Some(unit),
            not_closed: open_only,
            ..Default::default()
        };
        dispatch!(self, notices::list(q, &Scope::All))
    }

    /// Every notice of a plan, closed ones too, newest first: for exports.
    pub async fn plan_notices(&self, plan: PlanId) -> Result<Vec<Notice>, StoreError> {
        let q = NoticeQuery {
            plan: Some(plan),
            ..Default::default()
        };
        dispatch!(self, notices::list(q, &Scope::All))
    }

    /// A plan's notices that are not closed, newest first.
    pub async fn open_notices(&self, plan: PlanId) -> Result<Vec<Notice>, StoreError> {
        let q = NoticeQuery {
            plan: Some(plan),
            not_closed: true,
            ..Default::default()
        };
        dispatch!(self, notices::list(q, &Scope::All))
    }

    /// Counts of a plan's notices that are not closed, by level, for the overview.
    pub async fn notice_counts(
        &self,
        plan: PlanId,
        now: OffsetDateTime,
    ) -> Result<NoticeCounts, StoreError> {
        Ok(NoticeCounts::of(&self.open_notices(plan).await?, now))
    }

    /// Unanswered notices past their deadline, in every plan (for reminders).
    pub async fn overdue_notices(&self, now: OffsetDateTime) -> Result<Vec<Notice>, StoreError> {
        let q = NoticeQuery {
            only_unanswered: true,
            ..Default::default()
        };
        let all = dispatch!(self, notices::list(q, &Scope::All))?;
        Ok(all.into_iter().filter(|n| n.is_overdue(now)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(level: NoticeLevel, deadline: &str) -> Notice {
        Notice {
            id: NoticeId(1),
            plan_id: PlanId(1),
            task_id: TaskId(1),
            task_position: 1,
            task_text: String::new(),
            unit_id: UnitId(1),
            unit_name: String::new(),
            issued_level: level,
            level,
            text: String::new(),
            deadline: deadline.into(),
            status: NoticeStatus::Open,
            issued_by: String::new(),
            issued_at: OffsetDateTime::UNIX_EPOCH,
            answer: None,
            answered_by: None,
            answered_at: None,
            close_note: None,
            closed_by: None,
            closed_at: None,
            escalated_at: None,
        }
    }

    #[test]
    fn levels_rise_one_step_per_period_after_the_deadline_day() {
        let n = notice(NoticeLevel::Blue, "2026-03-31");
        let end = due_deadline("2026-03-31").unwrap_or_default();
        assert_eq!(due_level(&n, end, 3), None);
        assert_eq!(due_level(&n, end + 1, 3), Some(NoticeLevel::Yellow));
        assert_eq!(
            due_level(&n, end + 3 * 86_400, 3),
            Some(NoticeLevel::Yellow)
        );
        assert_eq!(
            due_level(&n, end + 3 * 86_400 + 1, 3),
            Some(NoticeLevel::Red)
        );
        assert_eq!(due_level(&n, end + 300 * 86_400, 3), Some(NoticeLevel::Red));
        let mut red = notice(NoticeLevel::Yellow, "2026-03-31");
        red.level = NoticeLevel::Red;
        assert_eq!(due_level(&red, end + 300 * 86_400, 3), None);
    }
}
