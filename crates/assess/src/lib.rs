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
mod targets;
mod text;
mod units;

use duban_model::{Ledger, Location, Target, TargetKind, Task, Verdict, Warning, WarningCode};

pub use consistency::Finding;
pub use judge::{aggregate, task_explanation};
pub use numbers::{
    NumToken, Number, Quantity, parse_chinese_numeral, parse_number, parse_quantity, scan_numbers,
};
pub use period::{Period, parse_as_of, parse_deadline, period_for};
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
}

/// Judges `task_text`'s targets against `progress`. Used by [`assess_task`] and by the
/// service's live check while a unit types its report.
pub fn assess_text(task_text: &str, progress: &str) -> Assessment {
    let parsed = parse_targets(task_text);
    let p = evidence::Progress::new(progress);
    let mut targets = Vec::with_capacity(parsed.len().max(1));
    let mut off_target = Vec::new();
    for t in &parsed {
        let j = judge::judge(&p, t, &parsed);
        if j.off_target {
            off_target.push(j.target.text.clone());
        }
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
    let verdict = aggregate(&verdicts);
    let explanation = judge::task_explanation(verdict, &targets);
    Assessment {
        targets,
        verdict,
        explanation,
        off_target,
    }
}

/// Fills `task.targets`, `task.verdict` and `task.explanation` from `task.text` and
/// `task.progress`. The office's verdict is left alone.
pub fn assess_task(task: &mut Task) {
    let a = assess_text(&task.text, &task.progress);
    task.targets = a.targets;
    task.verdict = Some(a.verdict);
    task.explanation = Some(a.explanation);
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
    for task in ledger.tasks.iter_mut() {
        let a = assess_text(&task.text, &task.progress);
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
        task.targets = a.targets;
        task.verdict = Some(a.verdict);
        task.explanation = Some(a.explanation);
    }
    ledger.warnings.extend(warnings);
}
