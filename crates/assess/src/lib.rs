//! The assessment engine: reads checkable targets from a task's Chinese text, finds the
//! evidence for each in the progress narrative, judges and explains.
//!
//! Pure and deterministic: no I/O, no clock, no randomness; the same task always gets
//! the same verdict, evidence and wording.
#![forbid(unsafe_code)]

mod consistency;
mod evidence;
mod judge;
mod numbers;
mod period;
mod row;
mod script;
mod stage;
mod targets;
mod text;
mod units;

use duban_model::{
    Ledger, Location, Schedule, Target, TargetKind, Task, Verdict, Warning, WarningCode,
};

pub use consistency::Finding;
pub use judge::{aggregate, task_explanation};
pub use numbers::{
    NumToken, Number, Quantity, parse_chinese_numeral, parse_number, parse_quantity, scan_numbers,
};
pub use period::{Milestone, Period, StageMilestone, parse_as_of, parse_deadline, period_for};
pub use stage::{StageCheck, check_stage};
pub use targets::{ParsedTarget, parse_targets};
pub use units::{Dim, Unit, compatible as units_compatible, parse_unit};

/// A task's targets judged against a progress text, without touching the task.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub targets: Vec<Target>,
    pub verdict: Verdict,
    pub explanation: String,
    /// Texts of numeric targets the progress never speaks to.
    pub off_target: Vec<String>,
    /// Before the deadline: ahead of, on or behind schedule; `None` at or after it.
    pub schedule: Option<Schedule>,
}

/// Judges `task_text`'s targets against `progress` as at or after the task's deadline.
/// Used by the service's live check while a unit types its report.
pub fn assess_text(task_text: &str, progress: &str) -> Assessment {
    assess_text_at(task_text, progress, None)
}

/// Judges `task_text`'s targets against `progress` as of a period: `None` means at or
/// after the deadline (the verdicts of CONVENTIONS.md); before it, a target already reached
/// is met, work behind the time elapsed is not met, and the rest is unverifiable on schedule.
pub fn assess_text_at(task_text: &str, progress: &str, period: Option<Period>) -> Assessment {
    assess_with_figures(task_text, progress, &[], period)
}

/// A figure a unit typed for one target of the task (its formal answer beside the narrative).
#[derive(Debug, Clone, PartialEq)]
pub struct TypedFigure {
    /// Index of the target among [`parse_targets`]`(task_text)`.
    pub target: usize,
    pub value: f64,
    /// The figure as shown with its unit ("3808辆").
    pub shown: String,
}

/// [`assess_text_at`] with typed figures as first-class evidence: a typed figure decides its
/// target by the same rules as a figure found in the text (the period included); the
/// narrative's span for the target is kept as the words shown beside it.
pub fn assess_with_figures(
    task_text: &str,
    progress: &str,
    figures: &[TypedFigure],
    period: Option<Period>,
) -> Assessment {
    let parsed = parse_targets(task_text);
    let p = evidence::Progress::new(progress);
    let facts = row::facts(&p);
    let ctx = judge::Ctx {
        period,
        start_year: duban_model::period::range_start_year(task_text),
        row: &facts,
    };
    let mut targets = Vec::with_capacity(parsed.len().max(1));
    let mut schedules = Vec::with_capacity(parsed.len());
    let mut off_target = Vec::new();
    for (i, t) in parsed.iter().enumerate() {
        let mut j = judge::judge(&p, t, &parsed, &ctx);
        if let Some(f) = figures.iter().find(|f| f.target == i) {
            let (v, s, expl) = judge::judge_typed(t, f.value, &f.shown, &ctx);
            j.target.verdict = v;
            j.target.explanation = expl;
            j.schedule = s;
            j.off_target = false;
        }
        if j.off_target {
            off_target.push(j.target.text.clone());
        }
        schedules.extend(j.schedule);
        targets.push(j.target);
    }
    if targets.is_empty() {
        targets.push(Target {
            text: task_text.trim().to_string(),
            kind: TargetKind::Qualitative,
            metric: None,
            comparator: None,
            value: None,
            unit: None,
            verdict: Verdict::Qualitative,
            evidence: None,
            explanation: judge::QUALITATIVE.to_string(),
        });
    }
    let verdicts: Vec<Verdict> = targets.iter().map(|t| t.verdict).collect();
    let mut verdict = aggregate(&verdicts);
    let mut explanation = judge::task_explanation(verdict, &targets);
    // A stage due by now (the office's 时间节点): the text must say it is reached.
    if let Some((p, m)) = period.and_then(|p| p.stage.map(|m| (p, m))) {
        let due = format!("{}月{}日{}", u8::from(m.due.month()), m.due.day(), m.stage);
        match check_stage(progress, m.stage) {
            Some(StageCheck::Reached) => {
                schedules.push(Schedule::OnTrack);
                if verdict == Verdict::Qualitative {
                    verdict = Verdict::Unverifiable;
                    explanation = format!("无法核实：{}，节点要求{due}，已达到", p.phrase());
                } else {
                    explanation.push_str(&format!("；节点要求{due}，已达到"));
                }
            }
            Some(StageCheck::Behind) => {
                schedules.push(Schedule::Lagging);
                let said = stage::reached_words(progress)
                    .map(|w| format!("进展为{w}"))
                    .unwrap_or_else(|| "进展未达到".to_string());
                let behind = format!("{}，节点要求{due}，{said}，滞后", p.phrase());
                explanation = if verdict == Verdict::NotMet {
                    format!("{explanation}；{behind}")
                } else {
                    format!("未达成：{behind}")
                };
                verdict = Verdict::NotMet;
            }
            None => {}
        }
    }
    let schedule = period.and_then(|_| overall_schedule(&schedules, facts.lagging.is_some()));
    Assessment {
        targets,
        verdict,
        explanation,
        off_target,
        schedule,
    }
}

/// The row's schedule: behind when any target is (or the text says so), ahead when every
/// target is, else on schedule; `None` for a row with nothing to time.
fn overall_schedule(each: &[Schedule], text_lagging: bool) -> Option<Schedule> {
    if text_lagging || each.contains(&Schedule::Lagging) {
        Some(Schedule::Lagging)
    } else if each.is_empty() {
        None
    } else if each.iter().all(|s| *s == Schedule::Ahead) {
        Some(Schedule::Ahead)
    } else {
        Some(Schedule::OnTrack)
    }
}

/// The period a task of `ledger` is judged in: its table's as-of date, else the
/// document's; its deadline cell, else the year its text sets ("(2013—2017年)", "到2025年"),
/// else the plan year's end.
pub fn task_period(
    ledger_as_of: Option<time::Date>,
    table_as_of: Option<time::Date>,
    task: &Task,
    plan_year: Option<i32>,
) -> Option<Period> {
    let as_of = table_as_of.or(ledger_as_of)?;
    let due = duban_model::period::due_year(&task.text).map(|y| format!("{y}年底"));
    let deadline = task
        .deadline
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .or(due.as_deref());
    period_for(Some(as_of), deadline, plan_year.or(Some(as_of.year())))
}

fn fill(task: &mut Task, a: Assessment) {
    task.targets = a.targets;
    task.verdict = Some(a.verdict);
    task.explanation = Some(a.explanation);
    task.schedule = a.schedule;
}

/// Fills `task.targets`, `task.verdict`, `task.explanation` and `task.schedule` from
/// `task.text` and `task.progress`, judged at or after the deadline. The office's verdict
/// is left alone. [`assess_task_at`] judges as of a date.
pub fn assess_task(task: &mut Task) {
    let a = assess_text(&task.text, &task.progress);
    fill(task, a);
}

/// [`assess_task`] as of `as_of` (a round's period, `--as-of`), against the task's deadline
/// in `plan_year`.
pub fn assess_task_at(task: &mut Task, as_of: Option<time::Date>, plan_year: Option<i32>) {
    let period = task_period(as_of, None, task, plan_year);
    let a = assess_text_at(&task.text, &task.progress, period);
    fill(task, a);
}

/// Consistency findings in one progress text: parts that do not add up to their total,
/// and counts that disagree with the items named.
pub fn check_progress(progress: &str) -> (Vec<Finding>, Vec<Finding>) {
    let p = evidence::Progress::new(progress);
    (consistency::totals(&p), consistency::counts(&p))
}

/// Assesses every task and appends located warnings: `inconsistent_total`,
/// `inconsistent_count` and `evidence_off_target`.
pub fn assess_ledger(ledger: &mut Ledger) {
    let mut warnings = Vec::new();
    let (as_of, year) = (ledger.as_of, ledger.year);
    let table_dates: Vec<(usize, Option<time::Date>)> =
        ledger.tables.iter().map(|t| (t.index, t.as_of)).collect();
    for task in ledger.tasks.iter_mut() {
        let table_as_of = table_dates
            .iter()
            .find(|(i, _)| *i == task.table)
            .and_then(|(_, d)| *d);
        let period = task_period(as_of, table_as_of, task, year);
        let a = assess_text_at(&task.text, &task.progress, period);
        let label = ledger
            .tables
            .iter()
            .find(|t| t.index == task.table)
            .map_or_else(|| format!("表{}", task.table), |t| t.label.clone());
        let loc = || {
            Location::table(task.table, label.clone())
                .row(task.row)
                .column("完成情况")
        };
        if !task.progress.trim().is_empty() {
            for t in &a.off_target {
                warnings.push(Warning::new(
                    WarningCode::EvidenceOffTarget,
                    loc(),
                    format!("目标“{t}”在完成情况中未见对应数据"),
                ));
            }
        }
        let (totals, counts) = check_progress(&task.progress);
        for f in totals {
            warnings.push(Warning::new(
                WarningCode::InconsistentTotal,
                loc(),
                f.message,
            ));
        }
        for f in counts {
            warnings.push(Warning::new(
                WarningCode::InconsistentCount,
                loc(),
                f.message,
            ));
        }
        fill(task, a);
    }
    ledger.warnings.extend(warnings);
}
