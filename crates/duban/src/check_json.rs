//! The JSON document `duban check` prints, field for field as `shared/contracts/check-json.md`
//! defines it. Kept separate from the model's own serialisation so the contract cannot drift
//! when the model grows.

use duban_model::{
    Comparator, Ledger, Schedule, Table, Target, TargetKind, Task, Verdict, Warning, ymd_opt,
};
use serde::Serialize;

#[derive(Serialize)]
pub struct CheckDoc<'a> {
    pub source: &'a str,
    pub format: &'static str,
    /// The date the document speaks for (its title or `--as-of`), "YYYY-MM-DD", or null.
    pub as_of: Option<String>,
    /// Added beyond the contract: the plan year the title names.
    pub year: Option<i32>,
    /// Added beyond the contract: the document's own title and claimed total.
    pub title: Option<&'a str>,
    pub claimed_total: Option<u32>,
    pub tables: Vec<TableDoc<'a>>,
    pub tasks: Vec<TaskDoc<'a>>,
    pub warnings: &'a [Warning],
}

#[derive(Serialize)]
pub struct TableDoc<'a> {
    pub index: usize,
    pub label: &'a str,
    pub title: Option<&'a str>,
    pub claimed_rows: Option<u32>,
    pub rows: usize,
    pub office_verdict: Option<Verdict>,
    /// When the table's own title names a period ("1-10月"), else null.
    pub as_of: Option<String>,
}

#[derive(Serialize)]
pub struct TaskDoc<'a> {
    pub table: usize,
    pub row: u32,
    pub section: Option<&'a str>,
    pub text: &'a str,
    pub lead_units: Vec<String>,
    pub coop_units: Vec<String>,
    pub lead_groups: &'a [String],
    pub coop_groups: &'a [String],
    pub leader: Option<&'a str>,
    pub deadline: Option<&'a str>,
    pub progress: &'a str,
    pub office_verdict: Option<Verdict>,
    pub verdict: Option<Verdict>,
    /// The contract's sense: the office has a verdict and the machine's differs from it
    /// (including where the machine could not verify or found the target qualitative).
    pub disputed: bool,
    /// Added beyond the contract: the machine's definite verdict contradicts the office's
    /// (met against not_met), which is what the service and the reports flag as 争议.
    pub contradicted: bool,
    /// Before the task's deadline: ahead | on_track | lagging; else null.
    pub schedule: Option<Schedule>,
    pub explanation: Option<&'a str>,
    pub targets: Vec<TargetDoc<'a>>,
    /// Added beyond the contract: the dated steps read from a 时间节点 / 序时目标 column
    /// (due "YYYY-MM-DD", text, and value/unit or stage where named); empty when none.
    pub milestones: &'a [duban_model::Milestone],
}

#[derive(Serialize)]
pub struct TargetDoc<'a> {
    pub text: &'a str,
    pub kind: TargetKind,
    pub metric: Option<&'a str>,
    pub comparator: Option<Comparator>,
    pub value: Option<f64>,
    pub unit: Option<&'a str>,
    pub verdict: Verdict,
    pub explanation: &'a str,
    pub evidence: Option<EvidenceDoc<'a>>,
}

#[derive(Serialize)]
pub struct EvidenceDoc<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
    pub value: Option<f64>,
    pub unit: Option<&'a str>,
}

pub fn document(ledger: &Ledger) -> CheckDoc<'_> {
    CheckDoc {
        source: &ledger.source,
        format: ledger.format.as_str(),
        as_of: ledger.as_of.map(ymd_opt::format),
        year: ledger.year,
        title: ledger.title.as_deref(),
        claimed_total: ledger.claimed_total,
        tables: ledger.tables.iter().map(table).collect(),
        tasks: ledger.tasks.iter().map(task).collect(),
        warnings: &ledger.warnings,
    }
}

fn table(t: &Table) -> TableDoc<'_> {
    TableDoc {
        index: t.index,
        label: &t.label,
        title: t.title.as_deref(),
        claimed_rows: t.claimed_rows,
        rows: t.rows,
        office_verdict: t.office_verdict,
        as_of: t.as_of.map(ymd_opt::format),
    }
}

fn task(t: &Task) -> TaskDoc<'_> {
    TaskDoc {
        table: t.table,
        row: t.row,
        section: t.section.as_deref(),
        text: &t.text,
        lead_units: t.lead_units.iter().map(|u| u.display()).collect(),
        coop_units: t.coop_units.iter().map(|u| u.display()).collect(),
        lead_groups: &t.lead_groups,
        coop_groups: &t.coop_groups,
        leader: t.leader.as_deref(),
        deadline: t.deadline.as_deref(),
        progress: &t.progress,
        office_verdict: t.office_verdict,
        verdict: t.verdict,
        disputed: t.office_verdict.is_some() && t.office_verdict != t.verdict,
        contradicted: t.disputed(),
        schedule: t.schedule,
        explanation: t.explanation.as_deref(),
        targets: t.targets.iter().map(target).collect(),
        milestones: &t.milestones,
    }
}

fn target(t: &Target) -> TargetDoc<'_> {
    TargetDoc {
        text: &t.text,
        kind: t.kind,
        metric: t.metric.as_deref(),
        comparator: t.comparator,
        value: t.value,
        unit: t.unit.as_deref(),
        verdict: t.verdict,
        explanation: &t.explanation,
        evidence: t.evidence.as_ref().map(|e| EvidenceDoc {
            text: &e.text,
            start: e.start,
            end: e.end,
            value: e.value,
            unit: e.unit.as_deref(),
        }),
    }
}
