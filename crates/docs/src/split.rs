//! Which attachment each task goes to.
//!
//! The office only ever says met or not met; the machine may also say a task cannot be
//! verified from its text, or states nothing checkable, and a task may carry no verdict at
//! all. Those tasks are neither claimed done nor claimed missed, so they are not folded into
//! either attachment:
//!
//! - a **qualitative** task (定性任务: "深化农村改革", "持续推进…") sets no figure to check.
//!   It is not unfinished, and there is nothing a unit could supply that would verify it, so
//!   a 督查办 would not list it under 尚待核实 (which asks the lead unit for material) — that
//!   would make half a seed-like plan look unfinished. It gets its own attachment, 定性任务,
//!   which lists the work done without a judgement of met or not met;
//! - an **unverifiable** task, or one without a verdict, does await material: 尚待核实.
//!
//! The summary reports every non-empty count, and each count is the number of rows of its
//! table.

use duban_model::{Ledger, Task, Verdict};

/// Whose verdict decides the split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VerdictSource {
    /// The office's own verdict (`Task::office_verdict`), from the file's tables or status column.
    Office,
    /// The machine's verdict (`Task::verdict`).
    Machine,
    /// The office's where it has spoken, else the machine's (`Task::effective_verdict`).
    #[default]
    Final,
}

impl VerdictSource {
    /// The office's verdicts when the ledger carries any, else the machine's.
    pub fn auto(ledger: &Ledger) -> Self {
        if ledger.tasks.iter().any(|t| t.office_verdict.is_some()) {
            VerdictSource::Office
        } else {
            VerdictSource::Machine
        }
    }

    pub fn verdict(self, task: &Task) -> Option<Verdict> {
        match self {
            VerdictSource::Office => task.office_verdict,
            VerdictSource::Machine => task.verdict,
            VerdictSource::Final => task.effective_verdict(),
        }
    }

    /// The label used in documents' notes.
    pub fn label_zh(self) -> &'static str {
        match self {
            VerdictSource::Office => "督查办认定",
            VerdictSource::Machine => "系统核验",
            VerdictSource::Final => "最终认定",
        }
    }
}

/// The attachment a task belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// 附件1: did not meet its target.
    NotMet,
    /// 附件2: met its target.
    Met,
    /// 定性任务: states no checkable target; listed with its work, not judged.
    Qualitative,
    /// 尚待核实: unverifiable from its text, or without a verdict.
    Pending,
}

impl Bucket {
    pub fn of(verdict: Option<Verdict>) -> Self {
        match verdict {
            Some(Verdict::Met) => Bucket::Met,
            Some(Verdict::NotMet) => Bucket::NotMet,
            Some(Verdict::Qualitative) => Bucket::Qualitative,
            Some(Verdict::Unverifiable) | None => Bucket::Pending,
        }
    }
}

/// The counts a report prints; each equals the rows of its attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportCounts {
    pub total: usize,
    pub met: usize,
    pub not_met: usize,
    /// 定性任务, neither met nor not met and not awaiting verification.
    pub qualitative: usize,
    pub pending: usize,
}

pub(crate) struct Split<'a> {
    pub not_met: Vec<&'a Task>,
    pub met: Vec<&'a Task>,
    pub qualitative: Vec<&'a Task>,
    pub pending: Vec<&'a Task>,
}

impl Split<'_> {
    pub(crate) fn counts(&self) -> ReportCounts {
        ReportCounts {
            total: self.not_met.len()
                + self.met.len()
                + self.qualitative.len()
                + self.pending.len(),
            met: self.met.len(),
            not_met: self.not_met.len(),
            qualitative: self.qualitative.len(),
            pending: self.pending.len(),
        }
    }
}

/// Tasks in ledger order (table, then row), split by the chosen verdict.
pub(crate) fn split(ledger: &Ledger, source: VerdictSource) -> Split<'_> {
    let mut tasks: Vec<&Task> = ledger.tasks.iter().collect();
    // Stable: tasks sharing a table and row keep their order in the file.
    tasks.sort_by_key(|t| (t.table, t.row));
    let mut s = Split {
        not_met: Vec::new(),
        met: Vec::new(),
        qualitative: Vec::new(),
        pending: Vec::new(),
    };
    for t in tasks {
        match Bucket::of(source.verdict(t)) {
            Bucket::NotMet => s.not_met.push(t),
            Bucket::Met => s.met.push(t),
            Bucket::Qualitative => s.qualitative.push(t),
            Bucket::Pending => s.pending.push(t),
        }
    }
    s
}

/// The counts [`crate::year_end_report`] prints for this ledger and verdict source.
pub fn report_counts(ledger: &Ledger, source: VerdictSource) -> ReportCounts {
    split(ledger, source).counts()
}
