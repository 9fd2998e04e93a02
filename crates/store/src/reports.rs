use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::time_util::{from_unix, from_unix_opt, to_unix};
use crate::{PlanId, ReportId, RoundId, Scope, Store, StoreError, TaskId, UnitId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoundStatus {
    Open,
    Closed,
}

impl RoundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundStatus::Open => "open",
            RoundStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(RoundStatus::Open),
            "closed" => Some(RoundStatus::Closed),
            _ => None,
        }
    }
}

/// A reporting round (填报轮次) of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Round {
    pub id: RoundId,
    pub plan_id: PlanId,
    pub name: String,
    /// ISO date, e.g. "2026-01-31".
    pub due_date: String,
    pub status: RoundStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportStatus {
    Draft,
    Submitted,
    Returned,
    Accepted,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Draft => "draft",
            ReportStatus::Submitted => "submitted",
            ReportStatus::Returned => "returned",
            ReportStatus::Accepted => "accepted",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(ReportStatus::Draft),
            "submitted" => Some(ReportStatus::Submitted),
            "returned" => Some(ReportStatus::Returned),
            "accepted" => Some(ReportStatus::Accepted),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            ReportStatus::Draft => "草稿",
            ReportStatus::Submitted => "已报送",
            ReportStatus::Returned => "已退回",
            ReportStatus::Accepted => "已通过",
        }
    }
    /// Whether the unit may still edit it.
    pub fn editable(self) -> bool {
        matches!(self, ReportStatus::Draft | ReportStatus::Returned)
    }
}

/// The unit's own view of where a task stands (a model type: the lights read it too).
pub use duban_model::SelfStatus;

/// One unit's report on one task for one round, at its current version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub id: ReportId,
    pub task_id: TaskId,
    pub round_id: RoundId,
    pub unit_id: UnitId,
    /// Bumped by every change; a save must name the version it started from.
    pub version: i64,
    pub narrative: String,
    /// The figures typed for the task's quantitative targets, as a JSON object.
    pub figures: serde_json::Value,
    pub self_status: Option<SelfStatus>,
    pub delay_reason: Option<String>,
    pub next_steps: Option<String>,
    pub status: ReportStatus,
    pub return_reason: Option<String>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    pub reviewed_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub reviewed_at: Option<OffsetDateTime>,
}

/// One saved version of a report: what was written, by whom, when, and the status it had.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportVersion {
    pub version: i64,
    pub narrative: String,
    pub figures: serde_json::Value,
    pub self_status: Option<SelfStatus>,
    pub delay_reason: Option<String>,
    pub next_steps: Option<String>,
    pub status: ReportStatus,
    pub saved_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub saved_at: OffsetDateTime,
}

/// A save of a report draft.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftInput {
    pub task: TaskId,
    pub round: RoundId,
    pub unit: UnitId,
    pub narrative: String,
    pub figures: serde_json::Value,
    pub self_status: Option<SelfStatus>,
    pub delay_reason: Option<String>,
    pub next_steps: Option<String>,
    /// The version the user's form was loaded from; `None` when starting a new report.
    /// A mismatch gives `StoreError::Conflict` with the stored report.
    pub expected_version: Option<i64>,
}

/// One unit's standing in a round: what it owes and how it answered (the ranking).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitRoundStats {
    pub unit_id: UnitId,
    pub name: String,
    /// Tasks the unit leads in the round's plan: one report owed for each.
    pub owed: i64,
    /// Reports that reached the office (submitted, returned or accepted).
    pub submitted: i64,
    /// Of those, submitted by the end of the due date (China Standard Time).
    pub on_time: i64,
    pub returned: i64,
    pub accepted: i64,
    /// Drafts not yet submitted.
    pub drafts: i64,
    /// Tasks it leads whose effective verdict is met.
    pub met: i64,
}

impl UnitRoundStats {
    fn rate(part: i64, whole: i64) -> f64 {
        if whole == 0 {
            0.0
        } else {
            part as f64 / whole as f64
        }
    }
    pub fn on_time_rate(&self) -> f64 {
        Self::rate(self.on_time, self.owed)
    }
    pub fn return_rate(&self) -> f64 {
        Self::rate(self.returned, self.submitted)
    }
    pub fn met_rate(&self) -> f64 {
        Self::rate(self.met, self.owed)
    }
}

/// A task a unit leads, with its report for the round if it has one ("my tasks").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwedReport {
    pub task: crate::TaskSummary,
    pub report: Option<Report>,
}

/// A round for the bulk loader.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRound {
    pub name: String,
    /// ISO date.
    pub due_date: String,
    pub status: RoundStatus,
}

/// A report for the bulk loader (benchmarks and the demo plan).
#[derive(Debug, Clone, PartialEq)]
pub struct BulkReport {
    /// Index into the imported ledger's `tasks` (0-based).
    pub task_index: usize,
    /// Index into the rounds given with it.
    pub round_index: usize,
    /// The reporting unit, by name.
    pub unit: String,
    pub narrative: String,
    pub self_status: Option<SelfStatus>,
    pub status: ReportStatus,
    pub submitted_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ReportRow {
    pub id: i64,
    pub task_id: i64,
    pub round_id: i64,
    pub unit_id: i64,
    pub version: i64,
    pub narrative: String,
    pub figures_json: String,
    pub self_status: Option<String>,
    pub delay_reason: Option<String>,
    pub next_steps: Option<String>,
    pub status: String,
    pub return_reason: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<i64>,
}

impl ReportRow {
    pub(crate) fn into_report(self) -> Report {
        Report {
            id: ReportId(self.id),
            task_id: TaskId(self.task_id),
            round_id: RoundId(self.round_id),
            unit_id: UnitId(self.unit_id),
            version: self.version,
            narrative: self.narrative,
            figures: serde_json::from_str(&self.figures_json).unwrap_or(serde_json::Value::Null),
            self_status: self.self_status.as_deref().and_then(SelfStatus::parse),
            delay_reason: self.delay_reason,
            next_steps: self.next_steps,
            status: ReportStatus::parse(&self.status).unwrap_or(ReportStatus::Draft),
            return_reason: self.return_reason,
            created_by: self.created_by,
            created_at: from_unix(self.created_at),
            updated_at: from_unix(self.updated_at),
            submitted_at: from_unix_opt(self.submitted_at),
            reviewed_by: self.reviewed_by,
            reviewed_at: from_unix_opt(self.reviewed_at),
        }
    }
}

impl Report {
    pub(crate) fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "version": self.version,
            "status": self.status.as_str(),
            "narrative": self.narrative,
            "figures": self.figures,
            "self_status": self.self_status.map(SelfStatus::as_str),
            "delay_reason": self.delay_reason,
            "next_steps": self.next_steps,
            "return_reason": self.return_reason,
        })
    }
}

/// A review decision on a submitted report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Transition<'a> {
    Submit,
    Return(&'a str),
    /// What to do with an override made on older evidence.
    Accept(crate::OverrideDecision),
}

/// The last second of a due date in China Standard Time (UTC+8), as unix seconds: a report
/// submitted at 23:30 Beijing time on the due date is on time.
pub(crate) fn due_deadline(due_date: &str) -> Option<i64> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(due_date, &fmt).ok()?;
    let end = date
        .with_hms(23, 59, 59)
        .ok()?
        .assume_offset(time::macros::offset!(+8));
    Some(end.unix_timestamp())
}

pub(crate) fn valid_date(s: &str) -> bool {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt).is_ok()
}

impl Store {
    /// Opens a reporting round with a due date (ISO "YYYY-MM-DD").
    pub async fn open_round(
        &self,
        plan: PlanId,
        name: &str,
        due_date: &str,
        actor: &str,
    ) -> Result<Round, StoreError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("轮次名称不能为空".into()));
        }
        if !valid_date(due_date) {
            return Err(StoreError::Invalid(format!(
                "截止日期“{due_date}”格式不对，应为 2026-01-31 这样的日期"
            )));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, reports::open_round(plan, name, due_date, actor, now))
    }

    /// Closing locks the round: no more saves or submissions in it.
    pub async fn close_round(&self, round: RoundId, actor: &str) -> Result<(), StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            reports::set_round_status(round, RoundStatus::Closed, actor, now)
        )
    }

    pub async fn reopen_round(&self, round: RoundId, actor: &str) -> Result<(), StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            reports::set_round_status(round, RoundStatus::Open, actor, now)
        )
    }

    /// A plan's rounds, oldest first.
    pub async fn rounds(&self, plan: PlanId) -> Result<Vec<Round>, StoreError> {
        dispatch!(self, reports::rounds(Some(plan), None))
    }

    pub async fn round(&self, id: RoundId) -> Result<Option<Round>, StoreError> {
        Ok(dispatch!(self, reports::rounds(None, Some(id)))?
            .into_iter()
            .next())
    }

    /// Creates or updates a draft, checking the version the user started from (optimistic
    /// concurrency: a stale save gets `Conflict` with the stored report, never overwrites).
    pub async fn save_draft(&self, input: &DraftInput, actor: &str) -> Result<Report, StoreError> {
        if !input.figures.is_object() && !input.figures.is_null() {
            return Err(StoreError::Invalid("数字填报项格式不对".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, reports::save_draft(input, actor, now))
    }

    /// Saves `input` as a new draft version and submits it, atomically (one commit): what
    /// the report form's 提交 does when the text changed.
    pub async fn save_and_submit(
        &self,
        input: &DraftInput,
        actor: &str,
    ) -> Result<Report, StoreError> {
        if !input.figures.is_object() && !input.figures.is_null() {
            return Err(StoreError::Invalid("数字填报项格式不对".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, reports::save_and_submit(input, actor, now))
    }

    /// Draft or returned → submitted.
    pub async fn submit_report(
        &self,
        id: ReportId,
        expected_version: i64,
        actor: &str,
    ) -> Result<Report, StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            reports::transition(id, Some(expected_version), Transition::Submit, actor, now)
        )
    }

    /// Submitted → returned, with a required reason.
    pub async fn return_report(
        &self,
        id: ReportId,
        reason: &str,
        actor: &str,
    ) -> Result<Report, StoreError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid("退回必须填写理由".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            reports::transition(id, None, Transition::Return(reason), actor, now)
        )
    }

    /// Submitted → accepted; the task's standing follows the report in the same
    /// transaction. An office override the new evidence contradicts is not silently kept or
    /// dropped: the accept fails with [`StoreError::OverrideInQuestion`] (see
    /// [`Store::accept_report_deciding`]).
    pub async fn accept_report(&self, id: ReportId, actor: &str) -> Result<Report, StoreError> {
        self.accept_report_deciding(id, crate::OverrideDecision::Ask, actor)
            .await
    }

    /// Submitted → accepted, saying what becomes of an office override made on older
    /// evidence.
    pub async fn accept_report_deciding(
        &self,
        id: ReportId,
        decision: crate::OverrideDecision,
        actor: &str,
    ) -> Result<Report, StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            reports::transition(id, None, Transition::Accept(decision), actor, now)
        )
    }

    /// Accepts several submitted reports in one transaction, each audited: if any one
    /// cannot be accepted (not submitted, round closed, an override in question), none is.
    pub async fn accept_reports(
        &self,
        ids: &[ReportId],
        actor: &str,
    ) -> Result<Vec<Report>, StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            reports::transition_many(
                ids,
                Transition::Accept(crate::OverrideDecision::Ask),
                actor,
                now
            )
        )
    }

    /// A report, if its task is within `scope`.
    pub async fn report(&self, id: ReportId, scope: &Scope) -> Result<Option<Report>, StoreError> {
        dispatch!(self, reports::report(id, scope))
    }

    /// Reports on a task (every unit, every round), newest round first.
    pub async fn task_reports(
        &self,
        task: TaskId,
        scope: &Scope,
    ) -> Result<Vec<Report>, StoreError> {
        dispatch!(self, reports::task_reports(task, scope))
    }

    /// Every report of a round (any status), in task order then unit: for exports.
    pub async fn round_reports(&self, round: RoundId) -> Result<Vec<Report>, StoreError> {
        dispatch!(self, reports::round_reports(round))
    }

    /// Submitted reports waiting for review in a round, oldest submission first.
    pub async fn review_queue(&self, round: RoundId) -> Result<Vec<Report>, StoreError> {
        dispatch!(self, reports::review_queue(round))
    }

    /// Every saved version of a report, oldest first.
    pub async fn report_versions(&self, id: ReportId) -> Result<Vec<ReportVersion>, StoreError> {
        dispatch!(self, reports::versions(id))
    }

    /// Per lead unit: owed, submitted, on time, returned, accepted, drafts and met, for the
    /// ranking and the round's progress page. Sorted by on-time rate, then met rate.
    pub async fn round_stats(&self, round: RoundId) -> Result<Vec<UnitRoundStats>, StoreError> {
        let r = self
            .round(round)
            .await?
            .ok_or(StoreError::NotFound("该填报轮次"))?;
        let deadline = due_deadline(&r.due_date).unwrap_or(i64::MAX);
        // Kept per unit (migration 0020): only the units changed since are recomputed.
        let basis = r.due_date.clone();
        let stale = dispatch!(self, lights::stale_units(round, &basis))?;
        if !stale.is_empty() {
            let ids: Vec<i64> = stale.iter().map(|(u, _)| *u).collect();
            let mut fresh: HashMap<i64, UnitRoundStats> = HashMap::new();
            for chunk in ids.chunks(500) {
                let part = dispatch!(
                    self,
                    reports::round_stats(r.plan_id, round, deadline, Some(chunk))
                )?;
                fresh.extend(part.into_iter().map(|s| (s.unit_id.0, s)));
            }
            let rows: Vec<(i64, i64, Option<UnitRoundStats>)> = stale
                .into_iter()
                .map(|(u, n)| (u, n, fresh.remove(&u)))
                .collect();
            dispatch!(self, lights::keep_unit_stats(round, &basis, &rows))?;
        }
        let stats = dispatch!(self, lights::kept_unit_stats(round))?;
        Ok(sorted_stats(stats))
    }

    /// The same figures computed afresh from every report of the round, keeping nothing:
    /// what the kept figures must equal (the conformance tests compare the two).
    pub async fn round_stats_recount(
        &self,
        round: RoundId,
    ) -> Result<Vec<UnitRoundStats>, StoreError> {
        let r = self
            .round(round)
            .await?
            .ok_or(StoreError::NotFound("该填报轮次"))?;
        let deadline = due_deadline(&r.due_date).unwrap_or(i64::MAX);
        let stats = dispatch!(self, reports::round_stats(r.plan_id, round, deadline, None))?;
        Ok(sorted_stats(stats))
    }
}

/// The ranking's default order: on-time rate, then met rate, then name.
fn sorted_stats(mut stats: Vec<UnitRoundStats>) -> Vec<UnitRoundStats> {
    {
        stats.sort_by(|a, b| {
            b.on_time_rate()
                .total_cmp(&a.on_time_rate())
                .then(b.met_rate().total_cmp(&a.met_rate()))
                .then_with(|| a.name.cmp(&b.name))
        });
    }
    stats
}

impl Store {
    /// The tasks a unit leads in the round's plan, each with the unit's report for the
    /// round (`None`: not started), in document order; tasks closed out before the round's
    /// due date are left out.
    pub async fn unit_round_tasks(
        &self,
        round: RoundId,
        unit: UnitId,
    ) -> Result<Vec<OwedReport>, StoreError> {
        dispatch!(self, reports::unit_round_tasks(round, unit))
    }

    /// Loads generated rounds and reports into a plan in one transaction, with one audit
    /// entry (benchmarks and the demo). Returns the round ids in the given order.
    pub async fn bulk_load_reports(
        &self,
        plan: PlanId,
        rounds: &[BulkRound],
        reports: &[BulkReport],
        actor: &str,
    ) -> Result<Vec<RoundId>, StoreError> {
        for r in rounds {
            if !valid_date(&r.due_date) {
                return Err(StoreError::Invalid(format!(
                    "截止日期“{}”格式不对",
                    r.due_date
                )));
            }
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, reports::bulk_load(plan, rounds, reports, actor, now))
    }
}
