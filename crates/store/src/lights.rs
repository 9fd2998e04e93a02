//! The red/amber/green lights kept per task, and the overview's counts read from them.
//!
//! Recomputing every task's light reads every report of the plan (600,000 rows at 50,000
//! tasks × 12 rounds: about a second), which the overview used to do after every change.
//! Instead each task's light is kept in `task_lights`; database triggers mark a task dirty
//! (`light_dirty`) in the transaction of every change its light reads — its row, lead links,
//! reports, notices, extension requests, milestones (migration 0020) — so no write path can
//! forget, and every instance on a shared database sees the marks. A count first recomputes
//! the dirty tasks only, then groups the kept lights in one indexed query.
//!
//! What every light reads at once — the day (deadlines pass with no write), the open round
//! and the rounds' dates — is the plan's *basis*; when it differs from the one the kept
//! lights were computed under, every task of the plan is marked and recounted. So the first
//! count of a day, and the first after a round opens, closes or moves, still costs a full
//! recount.

use std::collections::{HashMap, HashSet};

use duban_standing::lights::{self, Color, LightInput, OpenRound};
use serde::Serialize;

use crate::{
    NoticeStatus, PlanId, Round, RoundStatus, Scope, Store, StoreError, TaskId, TaskStanding,
};

/// How many tasks in scope show each light.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LightTally {
    pub red: i64,
    pub amber: i64,
    pub green: i64,
    /// Red and amber tasks by the rule that set their light, most frequent first.
    pub by_rule: Vec<(String, i64)>,
}

impl LightTally {
    fn from_groups(groups: impl IntoIterator<Item = (String, String, i64)>) -> Self {
        let mut t = LightTally::default();
        let mut rules: HashMap<String, i64> = HashMap::new();
        for (color, rule, n) in groups {
            match color.as_str() {
                "red" => t.red += n,
                "amber" => t.amber += n,
                _ => t.green += n,
            }
            if color != "green" {
                *rules.entry(rule).or_default() += n;
            }
        }
        let mut by_rule: Vec<(String, i64)> = rules.into_iter().collect();
        by_rule.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        t.by_rule = by_rule;
        t
    }
}

/// The round whose missing reports make a task overdue: the open round with the latest due
/// date (rounds come oldest first).
pub fn current_open_round(rounds: &[Round]) -> Option<&Round> {
    rounds.iter().rev().find(|r| r.status == RoundStatus::Open)
}

/// The open round as the light rules read it.
pub fn open_round_info(r: Option<&Round>) -> Option<OpenRound> {
    r.map(|r| OpenRound {
        name: r.name.clone(),
        due_date: r.due_date.clone(),
    })
}

/// What the lights read besides a task's standing: open and overdue (unanswered past the
/// deadline) supervision notices by task id, tasks whose newest extension request was
/// refused, and the milestone each task missed. A plan has few of each, so one read of them
/// all serves any number of tasks.
#[derive(Debug, Default)]
pub struct LightFacts {
    notices: HashMap<i64, (i64, i64)>,
    refused: HashSet<i64>,
    missed: HashMap<i64, String>,
}

impl LightFacts {
    /// A task's light input: its standing with its notices, extensions and milestones.
    pub fn input(&self, s: &TaskStanding, today: &str, open: Option<&OpenRound>) -> LightInput {
        let (open_n, overdue) = self.notices.get(&s.task_id.0).copied().unwrap_or_default();
        LightInput {
            today: today.to_string(),
            open_round: open.cloned(),
            unsubmitted: s.unsubmitted,
            verdict: s.verdict,
            machine_verdict: s.machine_verdict,
            final_verdict: s.final_verdict,
            disputed: s.disputed,
            latest_self_status: s.latest_self_status,
            returned: s.returned,
            closed_on: s.closed_on.clone(),
            open_notices: Some(open_n),
            overdue_notices: Some(overdue),
            extension_refused: Some(self.refused.contains(&s.task_id.0)),
            missed_milestone: self.missed.get(&s.task_id.0).cloned(),
        }
    }
}

/// The key the overview groups a red or amber light by: its text without the dates.
pub fn rule_key(text: &str) -> &str {
    text.split('（').next().unwrap_or(text)
}

/// A task's light as kept: its color, its rule key unless green (what the overview groups
/// by), and the whole light (what a page shows), encoded.
pub(crate) struct Kept {
    pub color: &'static str,
    pub rule: String,
    pub detail: String,
}

fn kept(s: &TaskStanding, facts: &LightFacts, today: &str, open: Option<&OpenRound>) -> Kept {
    let l = lights::light(&facts.input(s, today, open));
    let rule = if l.color == Color::Green {
        String::new()
    } else {
        rule_key(&l.text).to_string()
    };
    Kept {
        color: l.color.as_str(),
        rule,
        detail: l.encode(),
    }
}

/// A recomputed task: its id, the mark read before computing, and its light, or none when
/// it no longer has one (retired, deleted).
pub(crate) type Recomputed = (i64, i64, Option<Kept>);

/// What every light of a plan reads at once: the day and the rounds (see the module doc).
fn basis_of(today: &str, rounds: &[Round]) -> String {
    let open = current_open_round(rounds);
    let mut basis = format!(
        "{today}|{}",
        open.map(|r| format!("{}:{}:{}", r.id.0, r.name, r.due_date))
            .unwrap_or_default()
    );
    for r in rounds {
        basis.push_str(&format!("|{}:{}:{}", r.id.0, r.due_date, r.status.as_str()));
    }
    basis
}

/// Tasks whose kept lights one query reads.
const PAGE_CHUNK: usize = 1000;

/// Tasks recomputed per batch: one standings read and one short write transaction each.
const BATCH: usize = 1000;

impl Store {
    /// The side facts every light of `plan` reads, as of `today` ("YYYY-MM-DD").
    pub async fn light_facts(&self, plan: PlanId, today: &str) -> Result<LightFacts, StoreError> {
        let mut facts = LightFacts::default();
        for n in self.open_notices(plan).await? {
            let e = facts.notices.entry(n.task_id.0).or_default();
            e.0 += 1;
            if n.status == NoticeStatus::Open && n.deadline.as_str() < today {
                e.1 += 1;
            }
        }
        facts.refused = self
            .refused_extension_tasks(plan)
            .await?
            .into_iter()
            .map(|t| t.0)
            .collect();
        facts.missed = self
            .missed_milestones(plan, today)
            .await?
            .into_iter()
            .map(|(t, m)| (t.0, m))
            .collect();
        Ok(facts)
    }

    /// The light counts of `plan` within `scope` on `today`, from the kept lights after
    /// recomputing the tasks changed since (see the module documentation).
    pub async fn light_tally(
        &self,
        plan: PlanId,
        scope: &Scope,
        today: &str,
    ) -> Result<LightTally, StoreError> {
        self.refresh_lights(plan, today).await?;
        let groups = dispatch!(self, lights::count(plan, scope))?;
        Ok(LightTally::from_groups(groups))
    }

    /// The same counts recomputed from every task's standing, keeping nothing: what the kept
    /// counts must equal (the conformance tests compare the two).
    pub async fn light_recount(
        &self,
        plan: PlanId,
        scope: &Scope,
        today: &str,
    ) -> Result<LightTally, StoreError> {
        let rounds = self.rounds(plan).await?;
        let open = current_open_round(&rounds);
        let info = open_round_info(open);
        let standings = self
            .task_standings(plan, open.map(|r| r.id), None, scope)
            .await?;
        let facts = self.light_facts(plan, today).await?;
        let mut groups: HashMap<(String, String), i64> = HashMap::new();
        for s in &standings {
            let k = kept(s, &facts, today, info.as_ref());
            *groups.entry((k.color.to_string(), k.rule)).or_default() += 1;
        }
        Ok(LightTally::from_groups(
            groups.into_iter().map(|((c, r), n)| (c, r, n)),
        ))
    }

    /// Brings the kept lights of `plan` up to date: marks every task when the basis moved,
    /// then recomputes the marked tasks. A mark made while this runs is left for the next
    /// count (it clears only the marks it read).
    /// The lights of a page of tasks (their ids), read from the kept lights in one query
    /// when none of them is marked and the plan's basis holds; otherwise the marked tasks
    /// are recomputed first, as for a count. A task without a light (retired) is absent.
    pub async fn page_lights(
        &self,
        plan: PlanId,
        tasks: &[TaskId],
        today: &str,
    ) -> Result<HashMap<i64, lights::Light>, StoreError> {
        if tasks.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<i64> = tasks.iter().map(|t| t.0).collect();
        let rounds = self.rounds(plan).await?;
        let basis = basis_of(today, &rounds);
        let mut rows = Vec::with_capacity(ids.len());
        let mut fresh = true;
        // Bound parameters are limited per statement (a whole plan's export asks for all).
        for chunk in ids.chunks(PAGE_CHUNK) {
            let (kept_basis, part) = dispatch!(self, lights::page(plan, chunk))?;
            fresh = fresh
                && kept_basis.as_deref() == Some(basis.as_str())
                && part.len() == chunk.len()
                && part
                    .iter()
                    .all(|(_, detail, dirty)| !dirty && lights::Light::decode(detail).is_some());
            rows.extend(part);
        }
        if !fresh {
            self.refresh_lights(plan, today).await?;
            rows.clear();
            for chunk in ids.chunks(PAGE_CHUNK) {
                rows.extend(dispatch!(self, lights::page(plan, chunk))?.1);
            }
        }
        Ok(rows
            .into_iter()
            .filter_map(|(task, detail, _)| Some((task, lights::Light::decode(&detail)?)))
            .collect())
    }

    pub(crate) async fn refresh_lights(&self, plan: PlanId, today: &str) -> Result<(), StoreError> {
        let rounds = self.rounds(plan).await?;
        let open = current_open_round(&rounds);
        let info = open_round_info(open);
        let basis = basis_of(today, &rounds);
        dispatch!(self, lights::ensure_basis(plan, &basis))?;
        let dirty = dispatch!(self, lights::dirty(plan))?;
        if dirty.is_empty() {
            return Ok(());
        }
        let facts = self.light_facts(plan, today).await?;
        for chunk in dirty.chunks(BATCH) {
            let ids: Vec<TaskId> = chunk.iter().map(|(t, _)| TaskId(*t)).collect();
            let standings = self
                .task_standings(plan, open.map(|r| r.id), Some(&ids), &Scope::All)
                .await?;
            let mut by_task: HashMap<i64, Kept> = standings
                .iter()
                .map(|s| (s.task_id.0, kept(s, &facts, today, info.as_ref())))
                .collect();
            // A task without a standing here was retired, deleted or moved: no light.
            let batch: Vec<Recomputed> = chunk
                .iter()
                .map(|(t, n)| (*t, *n, by_task.remove(t)))
                .collect();
            dispatch!(self, lights::keep(plan, &batch))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_key_drops_the_dates() {
        assert_eq!(
            rule_key("红：逾期未报（1月，截至2026-01-31）"),
            "红：逾期未报"
        );
        assert_eq!(rule_key("绿：按时报送"), "绿：按时报送");
    }

    #[test]
    fn a_tally_counts_colors_and_groups_non_green_rules() {
        let t = LightTally::from_groups([
            ("red".into(), "红：逾期未报".into(), 3),
            ("amber".into(), "黄：自评滞后".into(), 2),
            ("red".into(), "红：督办逾期".into(), 3),
            ("green".into(), String::new(), 10),
        ]);
        assert_eq!((t.red, t.amber, t.green), (6, 2, 10));
        assert_eq!(
            t.by_rule,
            vec![
                ("红：督办逾期".to_string(), 3),
                ("红：逾期未报".to_string(), 3),
                ("黄：自评滞后".to_string(), 2)
            ]
        );
    }
}
