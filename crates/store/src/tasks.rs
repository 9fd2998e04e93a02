use duban_model::{Target, Verdict};
use duban_standing::{EvidenceSource, Override, VerdictSource};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::time_util::to_unix;
use crate::{PlanId, Store, StoreError, TaskId, UnitId};

/// What a caller may see. Admins and leaders see everything; a unit sees the tasks its unit
/// leads or cooperates on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    All,
    Unit(UnitId),
}

/// Filters for the task list; `Default` lists the first page of everything.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskFilter {
    /// Exact section (工作板块).
    pub section: Option<String>,
    /// Tasks this unit leads.
    pub lead_unit: Option<UnitId>,
    /// Tasks this unit leads or cooperates on.
    pub unit: Option<UnitId>,
    /// The effective verdict (override, else the office's, else the machine's).
    pub verdict: Option<Verdict>,
    pub disputed: Option<bool>,
    /// Substring of the task text, progress or section; one Chinese character is enough.
    pub q: Option<String>,
    /// Exact 责任领导.
    pub leader: Option<String>,
    /// The task's light: "red", "amber" or "green" (the lights kept per task; anything else
    /// matches nothing).
    pub light: Option<String>,
    /// List the retired tasks instead of the live ones (retired tasks are hidden otherwise).
    pub retired: bool,
    /// At most 500.
    pub limit: u32,
    pub offset: u32,
}

impl Default for TaskFilter {
    fn default() -> Self {
        TaskFilter {
            section: None,
            lead_unit: None,
            unit: None,
            verdict: None,
            disputed: None,
            q: None,
            leader: None,
            light: None,
            retired: false,
            limit: 50,
            offset: 0,
        }
    }
}

/// A unit as linked to a task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitLink {
    pub id: UnitId,
    pub name: String,
    pub aliases: Vec<String>,
}

/// One row of the task list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskSummary {
    pub id: TaskId,
    pub plan_id: PlanId,
    /// 1-based order within the plan (document order).
    pub position: i64,
    pub table: i64,
    pub row: i64,
    pub section: Option<String>,
    pub text: String,
    /// Lead unit names, in ledger order.
    pub lead_units: Vec<String>,
    pub coop_units: Vec<String>,
    pub lead_groups: Vec<String>,
    pub coop_groups: Vec<String>,
    pub deadline: Option<String>,
    /// The effective verdict: the office's override, else the office's, else the machine's.
    pub verdict: Option<Verdict>,
    pub office_verdict: Option<Verdict>,
    pub machine_verdict: Option<Verdict>,
    pub disputed: bool,
    /// Where `verdict` (the final one) came from.
    pub verdict_source: VerdictSource,
    /// The date (ISO, China Standard Time) the office approved closing it out (办结销号);
    /// `None` while it is open.
    pub closed_on: Option<String>,
}

/// Everything about one task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskDetail {
    pub summary: TaskSummary,
    pub table_label: Option<String>,
    pub progress: String,
    pub progress_label: Option<String>,
    pub leader: Option<String>,
    pub status_text: Option<String>,
    pub explanation: Option<String>,
    pub targets: Vec<Target>,
    pub lead: Vec<UnitLink>,
    pub coop: Vec<UnitLink>,
    /// The office's final word, when it overrode the verdict.
    pub final_verdict: Option<Verdict>,
    pub override_reason: Option<String>,
    pub overridden_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub overridden_at: Option<OffsetDateTime>,
    /// The evidence the machine's reading (`explanation`, `targets`) rests on.
    pub evidence: EvidenceSource,
    /// The accepted narrative(s) judged, when a report speaks; `None` while the imported
    /// `progress` does. The targets' evidence spans are offsets into this text.
    pub evidence_text: Option<String>,
    /// The typed figures of the accepted report(s) (`Null` while the imported text speaks).
    pub evidence_figures: serde_json::Value,
    /// The machine's reading of the imported progress, for the standing's history.
    pub imported_machine_verdict: Option<Verdict>,
    /// Before the task's deadline: the day the evidence speaks for ("YYYY-MM-DD") and where
    /// the task stands against the time elapsed then.
    pub evidence_as_of: Option<String>,
    pub schedule: Option<duban_model::Schedule>,
    /// The plan's year, which the task's deadline defaults to the end of.
    pub plan_year: Option<i32>,
    /// When the office retired the task, by whom and why; a retired task keeps its record.
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
    pub retired_by: Option<String>,
    pub retire_reason: Option<String>,
    /// The task this one was split from (分解).
    pub parent_id: Option<TaskId>,
}

impl TaskDetail {
    /// The text that speaks for the task now: the accepted report(s), else the imported
    /// progress.
    pub fn evidence_narrative(&self) -> &str {
        self.evidence_text.as_deref().unwrap_or(&self.progress)
    }

    /// The office's override as the standing reads it.
    pub fn override_(&self) -> Option<Override> {
        self.final_verdict.map(|v| Override {
            verdict: v,
            reason: self.override_reason.clone().unwrap_or_default(),
            by: self.overridden_by.clone().unwrap_or_default(),
            on: self
                .overridden_at
                .map(|t| crate::verdicts::cst_date(t.unix_timestamp()))
                .unwrap_or_default(),
        })
    }

    /// The period a report in `round` speaks for, when that is before the task's deadline.
    pub fn period_in(&self, round: &crate::Round) -> Option<duban_standing::Period> {
        duban_standing::round_period(
            &round.name,
            &round.due_date,
            self.summary.deadline.as_deref(),
            self.plan_year,
        )
    }

    /// 结论's source, as shown to people.
    pub fn verdict_source_label(&self) -> String {
        duban_standing::Standing::source_label(
            self.summary.verdict_source,
            &self.evidence,
            self.override_().as_ref(),
        )
    }
}

/// Counts of tasks by effective verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerdictCounts {
    pub total: i64,
    pub met: i64,
    pub not_met: i64,
    pub unverifiable: i64,
    pub qualitative: i64,
    /// Not yet assessed.
    pub none: i64,
}

impl VerdictCounts {
    pub(crate) fn add(&mut self, verdict: Option<Verdict>, n: i64) {
        self.total += n;
        match verdict {
            Some(Verdict::Met) => self.met += n,
            Some(Verdict::NotMet) => self.not_met += n,
            Some(Verdict::Unverifiable) => self.unverifiable += n,
            Some(Verdict::Qualitative) => self.qualitative += n,
            None => self.none += n,
        }
    }

    pub fn get(&self, verdict: Option<Verdict>) -> i64 {
        match verdict {
            Some(Verdict::Met) => self.met,
            Some(Verdict::NotMet) => self.not_met,
            Some(Verdict::Unverifiable) => self.unverifiable,
            Some(Verdict::Qualitative) => self.qualitative,
            None => self.none,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionCounts {
    /// `None` for tasks outside any section.
    pub section: Option<String>,
    pub counts: VerdictCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitCounts {
    pub unit_id: UnitId,
    pub name: String,
    pub counts: VerdictCounts,
}

/// The plan overview: counts always computed from the rows, within the caller's scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    pub plan_id: PlanId,
    pub counts: VerdictCounts,
    pub disputed: i64,
    /// In first-appearance (document) order.
    pub by_section: Vec<SectionCounts>,
    /// Tasks led, by unit, most tasks first.
    pub by_lead_unit: Vec<UnitCounts>,
}

/// What the task list's filters offer: the plan's sections in document order, the units
/// that lead its tasks, by name, and the leaders in charge (责任领导) with their task counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FilterChoices {
    pub sections: Vec<String>,
    pub lead_units: Vec<(UnitId, String)>,
    pub leaders: Vec<(String, i64)>,
}

/// Whether a filter's total can be read from the kept counts (migration 0023): the office's
/// live tasks narrowed only by section, final verdict and dispute.
fn kept_countable(f: &TaskFilter, scope: &Scope) -> bool {
    matches!(scope, Scope::All)
        && !f.retired
        && f.lead_unit.is_none()
        && f.unit.is_none()
        && f.leader.is_none()
        && f.light.is_none()
        && f.q.as_deref().is_none_or(|q| q.trim().is_empty())
}

/// `%`, `_` and the escape character itself are literal in a search.
pub(crate) fn like_pattern(q: &str) -> String {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Store {
    /// A page of tasks in document order, and the total matching the filter.
    pub async fn list_tasks(
        &self,
        plan: PlanId,
        filter: &TaskFilter,
        scope: &Scope,
    ) -> Result<(Vec<TaskSummary>, i64), StoreError> {
        if filter.light.is_some() {
            // Lights move with reports and the day, not with the plan's revision: bring the
            // kept ones up to date, and count afresh.
            self.refresh_lights(plan, &duban_standing::lights::today_cst())
                .await?;
            let total = dispatch!(self, tasks::count(plan, filter, scope))?;
            let tasks = dispatch!(self, tasks::page(plan, filter, scope))?;
            return Ok((tasks, total));
        }
        // A page and its total are remembered per filter at the plan's revision, which every
        // change to what a list shows bumps (standing, text, units, close-out, retirement):
        // a list read costs one indexed read of the revision while nothing changes. Counting
        // is the expensive half (it visits every match), so the total is also remembered
        // without the paging, for the next page of the same filter.
        let Some(revision) = dispatch!(self, tasks::revision(plan))? else {
            return Ok((Vec::new(), 0));
        };
        let page_key = (plan, *scope, filter.clone());
        if let Some(hit) = self.caches.pages.get(&page_key, &revision) {
            return Ok((hit.0.clone(), hit.1));
        }
        let key = (
            plan,
            *scope,
            TaskFilter {
                limit: 0,
                offset: 0,
                ..filter.clone()
            },
        );
        let total = match self.caches.totals.get(&key, &revision) {
            Some(n) => n,
            None => {
                let n = if kept_countable(filter, scope) {
                    dispatch!(self, tasks::count_kept(plan, filter))?
                } else {
                    dispatch!(self, tasks::count(plan, filter, scope))?
                };
                self.caches.totals.put(key, revision, n);
                n
            }
        };
        let tasks = dispatch!(self, tasks::page(plan, filter, scope))?;
        self.caches.pages.put(
            page_key,
            revision,
            std::sync::Arc::new((tasks.clone(), total)),
        );
        Ok((tasks, total))
    }

    /// One task, or `None` when it does not exist or lies outside `scope` (the two are
    /// deliberately indistinguishable).
    pub async fn task(&self, id: TaskId, scope: &Scope) -> Result<Option<TaskDetail>, StoreError> {
        dispatch!(self, tasks::detail(id, scope))
    }

    /// Whether a task is inside a scope (for authorising writes on it).
    pub async fn task_in_scope(&self, id: TaskId, scope: &Scope) -> Result<bool, StoreError> {
        dispatch!(self, tasks::in_scope(id, scope))
    }

    /// Counts for the plan overview, within `scope`.
    ///
    /// Computed overviews are kept per (plan, scope) together with the plan's revision, which
    /// every change to its tasks bumps in the database; a request costs one indexed read
    /// while nothing changed, on every instance, and a full count after any change.
    pub async fn overview(&self, plan: PlanId, scope: &Scope) -> Result<Overview, StoreError> {
        // Read the revision BEFORE counting: a change landing in between then makes the
        // cached entry look older than it is (recomputed next time), never newer.
        let Some(revision) = dispatch!(self, tasks::revision(plan))? else {
            return dispatch!(self, tasks::overview(plan, scope));
        };
        if let Some(hit) = self.caches.overviews.get(&(plan, *scope), &revision) {
            return Ok(hit);
        }
        let fresh = dispatch!(self, tasks::overview(plan, scope))?;
        self.caches
            .overviews
            .put((plan, *scope), revision, fresh.clone());
        Ok(fresh)
    }

    /// The office's overview and the filter choices read from the counts the database keeps
    /// (migration 0023), bypassing every cache; with [`Store::kept_counts_recount`], what
    /// the conformance tests compare.
    pub async fn kept_counts(&self, plan: PlanId) -> Result<(Overview, FilterChoices), StoreError> {
        let overview = dispatch!(self, tasks::overview(plan, &Scope::All))?;
        Ok((overview, self.kept_choices(plan).await?))
    }

    async fn kept_choices(&self, plan: PlanId) -> Result<FilterChoices, StoreError> {
        Ok(FilterChoices {
            sections: dispatch!(self, tasks::sections(plan))?,
            lead_units: dispatch!(self, tasks::lead_units(plan))?,
            leaders: dispatch!(self, instructions::leaders(plan))?,
        })
    }

    /// The same figures counted from every task, keeping nothing.
    pub async fn kept_counts_recount(
        &self,
        plan: PlanId,
    ) -> Result<(Overview, FilterChoices), StoreError> {
        let overview = dispatch!(self, tasks::overview_scan(plan, &Scope::All))?;
        let choices = dispatch!(self, tasks::choices_scan(plan))?;
        Ok((overview, choices))
    }

    /// The distinct sections of a plan, in document order (for the filter's choices).
    pub async fn sections(&self, plan: PlanId) -> Result<Vec<String>, StoreError> {
        dispatch!(self, tasks::sections(plan))
    }

    /// The task list's filter choices. They read the whole plan but change only with its
    /// tasks, so they are remembered at the plan's revision: a list view costs one indexed
    /// read for them, not a scan of every task.
    pub async fn filter_choices(&self, plan: PlanId) -> Result<FilterChoices, StoreError> {
        let Some(revision) = dispatch!(self, tasks::revision(plan))? else {
            return Ok(FilterChoices::default());
        };
        self.filter_choices_at(plan, revision).await
    }

    /// The filter choices when the caller has just read the plan's revision (e.g. as part of
    /// [`Store::light_revision`]), saving that read.
    pub async fn filter_choices_at(
        &self,
        plan: PlanId,
        revision: i64,
    ) -> Result<FilterChoices, StoreError> {
        if let Some(hit) = self.caches.choices.get(&plan, &revision) {
            return Ok(hit);
        }
        let fresh = self.kept_choices(plan).await?;
        self.caches.choices.put(plan, revision, fresh.clone());
        Ok(fresh)
    }

    /// The office's final word on a task, overriding the machine (and the imported office
    /// verdict), with a required reason. `None` removes the override.
    pub async fn override_verdict(
        &self,
        task: TaskId,
        verdict: Option<Verdict>,
        reason: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let reason = reason.trim();
        if verdict.is_some() && reason.is_empty() {
            return Err(StoreError::Invalid("改判必须填写理由".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            tasks::override_verdict(task, verdict, reason, actor, now)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_escaped() {
        assert_eq!(like_pattern("绿化"), "%绿化%");
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
