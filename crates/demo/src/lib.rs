//! A deterministic generator of synthetic supervision ledgers.
//!
//! `duban serve --demo` shows it to new users and every benchmark sizes its data with it,
//! so the text it writes must exercise the same paths real ledgers do: quantities with
//! 万/亿, growth and share targets, deliverables, qualitative tasks, merged-cell style
//! sections, aliases, group placeholders, and progress narratives that sometimes meet
//! the target, sometimes fall short, and sometimes only promise.
//!
//! All names and figures are invented by this generator; nothing is taken from real reports.
#![forbid(unsafe_code)]

mod rng;
mod text;

use duban_model::{Ledger, SourceFormat, Table, Task, UnitRef, Verdict};

pub use rng::Rng;

/// How much to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub tasks: usize,
    /// Monthly reporting rounds, each with one report per task.
    pub rounds: usize,
    /// The year the plan covers.
    pub year: i32,
    pub seed: u64,
}

impl Default for DemoOptions {
    /// The demo plan: about the size of a district's year (≈130 tasks, ≈60 units).
    fn default() -> Self {
        DemoOptions {
            tasks: 132,
            rounds: 4,
            year: 2026,
            seed: 20_260_101,
        }
    }
}

/// A reporting round (填报轮次).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRound {
    pub name: String,
    /// ISO date, e.g. "2026-01-31".
    pub due: String,
}

/// Self-reported status, as units choose it on the report form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfStatus {
    /// 已完成
    Done,
    /// 序时推进
    OnSchedule,
    /// 滞后
    Lagging,
    /// 未启动
    NotStarted,
}

impl SelfStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            SelfStatus::Done => "已完成",
            SelfStatus::OnSchedule => "序时推进",
            SelfStatus::Lagging => "滞后",
            SelfStatus::NotStarted => "未启动",
        }
    }
}

/// Where a report stands in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportState {
    Draft,
    Submitted,
    Returned,
    Accepted,
}

/// One unit's progress report on one task for one round.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoReport {
    /// Index into `DemoPlan::ledger.tasks`.
    pub task: usize,
    /// Index into `DemoPlan::rounds`.
    pub round: usize,
    /// The reporting (lead) unit's name.
    pub unit: String,
    pub narrative: String,
    pub self_status: SelfStatus,
    pub state: ReportState,
    /// Days after the round's due date it was submitted (negative: early); `None` if never.
    pub submitted_offset_days: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct DemoPlan {
    pub name: String,
    pub ledger: Ledger,
    pub rounds: Vec<DemoRound>,
    pub reports: Vec<DemoReport>,
}

/// Generates a plan; the same options always give the same plan.
pub fn generate(opts: &DemoOptions) -> DemoPlan {
    let mut rng = Rng::new(opts.seed);
    let units = text::unit_pool();
    let name = format!("{}年区政府工作报告重点任务", opts.year);
    let mut ledger = Ledger::new("演示数据", SourceFormat::Txt);
    ledger.title = Some(format!(
        "关于{}年区政府工作报告重点任务完成情况的报告",
        opts.year
    ));
    ledger.tables.push(Table {
        index: 1,
        label: "重点任务台账".into(),
        title: Some(format!("{}年区政府工作报告重点任务台账", opts.year)),
        claimed_rows: None,
        rows: 0,
        office_verdict: None,
        as_of: None,
    });

    let sections = text::SECTIONS;
    let mut tasks = Vec::with_capacity(opts.tasks);
    let mut finals = Vec::with_capacity(opts.tasks);
    for i in 0..opts.tasks {
        // Sections come in runs, as they do in merged Word cells.
        let section = sections[(i * sections.len()) / opts.tasks.max(1)];
        let spec = text::task_spec(&mut rng, i);
        let mut task = Task::new(1, (i + 1) as u32, spec.text.clone());
        task.section = Some(section.to_string());
        let lead = &units[rng.below(units.len())];
        task.lead_units.push(lead.clone());
        if rng.chance(0.15) {
            let second = &units[rng.below(units.len())];
            if second.name != lead.name {
                task.lead_units.push(second.clone());
            }
        }
        for _ in 0..rng.below(3) {
            let u = &units[rng.below(units.len())];
            if !task
                .lead_units
                .iter()
                .chain(&task.coop_units)
                .any(|x| x.name == u.name)
            {
                task.coop_units.push(u.clone());
            }
        }
        if rng.chance(0.3) {
            task.coop_groups
                .push(text::GROUPS[rng.below(text::GROUPS.len())].to_string());
        }
        task.deadline = Some(format!("{}年{}月底", opts.year, 6 + rng.below(7)));
        task.leader = Some(text::leader(&mut rng));
        let outcome = spec.final_outcome(&mut rng);
        task.progress = spec.progress(&mut rng, opts.rounds.max(1), opts.rounds.max(1), outcome);
        task.office_verdict = Some(if outcome.met() {
            Verdict::Met
        } else {
            Verdict::NotMet
        });
        tasks.push(task);
        finals.push((spec, outcome));
    }
    ledger.tables[0].rows = tasks.len();
    ledger.tasks = tasks;

    let rounds: Vec<DemoRound> = (0..opts.rounds)
        .map(|r| {
            let month = (r % 12) + 1;
            DemoRound {
                name: format!("{}年{}月", opts.year, month),
                due: format!(
                    "{}-{:02}-{:02}",
                    opts.year,
                    month,
                    text::days_in_month(opts.year, month)
                ),
            }
        })
        .collect();

    let mut reports = Vec::with_capacity(opts.tasks * opts.rounds);
    for (ti, (spec, outcome)) in finals.iter().enumerate() {
        let unit = ledger.tasks[ti]
            .lead_units
            .first()
            .map(|u| u.name.clone())
            .unwrap_or_default();
        for r in 0..opts.rounds {
            let last = r + 1 == opts.rounds;
            let narrative = spec.progress(&mut rng, r + 1, opts.rounds, *outcome);
            let self_status = spec.self_status(&mut rng, r + 1, opts.rounds, *outcome);
            // Older rounds are settled; the newest is still being worked through.
            let state = if !last {
                if rng.chance(0.04) {
                    ReportState::Returned
                } else {
                    ReportState::Accepted
                }
            } else {
                match rng.below(10) {
                    0 | 1 => ReportState::Draft,
                    2 => ReportState::Returned,
                    3..=6 => ReportState::Submitted,
                    _ => ReportState::Accepted,
                }
            };
            let submitted_offset_days = match state {
                ReportState::Draft => None,
                _ if rng.chance(0.12) => Some(1 + rng.below(6) as i32),
                _ => Some(-(rng.below(8) as i32)),
            };
            reports.push(DemoReport {
                task: ti,
                round: r,
                unit: unit.clone(),
                narrative,
                self_status,
                state,
                submitted_offset_days,
            });
        }
    }

    DemoPlan {
        name,
        ledger,
        rounds,
        reports,
    }
}

/// The distinct units of the generated pool, for account creation.
pub fn units() -> Vec<UnitRef> {
    text::unit_pool()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_plan() {
        let a = generate(&DemoOptions::default());
        let b = generate(&DemoOptions::default());
        assert_eq!(a.ledger, b.ledger);
        assert_eq!(a.reports, b.reports);
        let c = generate(&DemoOptions {
            seed: 7,
            ..DemoOptions::default()
        });
        assert_ne!(a.ledger.tasks, c.ledger.tasks);
    }

    #[test]
    fn demo_plan_has_the_promised_shape() {
        let opts = DemoOptions::default();
        let p = generate(&opts);
        assert_eq!(p.ledger.tasks.len(), opts.tasks);
        assert_eq!(p.reports.len(), opts.tasks * opts.rounds);
        assert_eq!(p.rounds.len(), opts.rounds);
        let units = p.ledger.units();
        assert!(units.len() >= 50, "only {} units", units.len());
        assert!(units.iter().any(|u| !u.aliases.is_empty()));
        let sections: std::collections::BTreeSet<_> = p
            .ledger
            .tasks
            .iter()
            .filter_map(|t| t.section.clone())
            .collect();
        assert!(sections.len() >= 8);
        // A mix of outcomes, as in a real year.
        let met = p
            .ledger
            .tasks
            .iter()
            .filter(|t| t.office_verdict == Some(Verdict::Met))
            .count();
        assert!(met > opts.tasks / 2 && met < opts.tasks, "met = {met}");
        for t in &p.ledger.tasks {
            assert!(!t.text.is_empty() && !t.progress.is_empty());
            assert!(!t.lead_units.is_empty());
        }
        for r in &p.rounds {
            assert!(r.due.starts_with("2026-"));
        }
    }

    #[test]
    fn scales_to_benchmark_sizes() {
        let p = generate(&DemoOptions {
            tasks: 2_000,
            rounds: 12,
            ..DemoOptions::default()
        });
        assert_eq!(p.reports.len(), 24_000);
        assert_eq!(p.rounds[11].due, "2026-12-31");
        assert_eq!(p.rounds[1].due, "2026-02-28");
    }
}
