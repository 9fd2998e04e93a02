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
//! lights were computed under, the tasks it can have changed are marked and recounted. When
//! only the day moved, those are the tasks with a notice deadline or a milestone date passed
//! in between, unless a round fell due meanwhile; the first count after a round opens,
//! closes, moves or falls due still recounts every task.

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

/// When the kept lights were computed under `stored` and only the day has moved forward
/// since, with no round falling due in between, the day they were computed on: then only
/// the tasks with a notice deadline or a milestone date in between can have changed light
/// (see `duban_standing::lights::light`, whose only rules that read the day are those and
/// the round's due date). `None` when anything else moved: every light is recounted.
fn day_moved_from(stored: &str, basis: &str, rounds: &[Round]) -> Option<String> {
    let (then, rest) = stored.split_once('|')?;
    let (today, now_rest) = basis.split_once('|')?;
    let due_between = rounds
        .iter()
        .any(|r| r.due_date.as_str() >= then && r.due_date.as_str() < today);
    (rest == now_rest && then < today && !due_between).then(|| then.to_string())
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
        self.refresh_plan_lights(plan, today).await.map(|_| ())
    }

    /// Brings the kept lights of `plan` up to date for `today` (see the module
    /// documentation) and answers how many tasks were recomputed: what a view would
    /// otherwise wait for, so a service can do it ahead of the first view of a day.
    pub async fn refresh_plan_lights(
        &self,
        plan: PlanId,
        today: &str,
    ) -> Result<usize, StoreError> {
        let rounds = self.rounds(plan).await?;
        let open = current_open_round(&rounds);
        let info = open_round_info(open);
        let basis = basis_of(today, &rounds);
        let narrow = |stored: &str| day_moved_from(stored, &basis, &rounds);
        dispatch!(self, lights::ensure_basis(plan, &basis, narrow))?;
        let dirty = dispatch!(self, lights::dirty(plan))?;
        if dirty.is_empty() {
            return Ok(0);
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
        Ok(dirty.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(id: i64, due: &str, status: RoundStatus) -> Round {
        Round {
            id: crate::RoundId(id),
            plan_id: PlanId(1),
            name: format!("第{id}轮"),
            due_date: due.into(),
            status,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            closed_at: None,
        }
    }

    #[test]
    fn only_the_day_moving_narrows_the_recount() {
        let rounds = vec![
            round(1, "2026-03-31", RoundStatus::Closed),
            round(2, "2026-06-30", RoundStatus::Open),
        ];
        let on = |day: &str| basis_of(day, &rounds);
        // The next day, or a week on with no round due in between: from the old day.
        assert_eq!(
            day_moved_from(&on("2026-05-01"), &on("2026-05-02"), &rounds).as_deref(),
            Some("2026-05-01")
        );
        assert_eq!(
            day_moved_from(&on("2026-05-01"), &on("2026-05-08"), &rounds).as_deref(),
            Some("2026-05-01")
        );
        // The open round falls due on the 30th: from July 1st its missing reports are
        // overdue, so crossing that day recounts everything...
        assert_eq!(
            day_moved_from(&on("2026-06-30"), &on("2026-07-01"), &rounds),
            None
        );
        assert_eq!(
            day_moved_from(&on("2026-06-20"), &on("2026-07-03"), &rounds),
            None
        );
        // ...but the day of the due date itself is not yet late.
        assert_eq!(
            day_moved_from(&on("2026-06-29"), &on("2026-06-30"), &rounds).as_deref(),
            Some("2026-06-29")
        );
        // The clock going back, or the rounds changing, recounts everything.
        assert_eq!(
            day_moved_from(&on("2026-05-02"), &on("2026-05-01"), &rounds),
            None
        );
        let moved = vec![
            round(1, "2026-03-31", RoundStatus::Closed),
            round(2, "2026-07-15", RoundStatus::Open),
        ];
        assert_eq!(
            day_moved_from(&on("2026-05-01"), &basis_of("2026-05-02", &moved), &moved),
            None
        );
        assert_eq!(day_moved_from("", &on("2026-05-02"), &rounds), None);
    }

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
