//! A task's standing: which evidence speaks for it, what the machine reads in that evidence,
//! what the office said, and so the final verdict and where it came from.
//!
//! One home for a judgement every reader shares — pages, lists, counts, lights, the JSON API
//! and the documents — so none of them re-derives its own. Pure: the store gathers the facts
//! and persists the result in the same transaction as the change that moved it (an accept, a
//! reopen, an override, an import).
#![forbid(unsafe_code)]

mod evidence;
mod figures;
pub mod lights;
pub mod scores;

use duban_model::{Target, Verdict};
use serde::Serialize;
use serde_json::Value;

pub use evidence::{Judged, TypedFigure, judge};
pub use figures::{FigureField, figure_fields, fmt_num};
// The period a piece of evidence speaks for, as the engine reads it.
pub use duban_assess::{Period, period_for};

/// The period a round's reports speak for, when that is before the task's deadline: the day
/// the round's name gives ("2026年10月" → 10-31, "第三季度" → 09-30, in the plan's year), else
/// its due date ("YYYY-MM-DD"); the deadline is the task's 完成时限, else the plan year's end.
pub fn round_period(
    round_name: &str,
    due_date: &str,
    deadline: Option<&str>,
    plan_year: Option<i32>,
) -> Option<Period> {
    let as_of = duban_model::period::parse_as_of(round_name, plan_year).or_else(|| {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(due_date, &fmt).ok()
    });
    period_for(as_of, deadline, plan_year)
}

/// The reading of a task split into sub-tasks (分解), from its live children's final verdicts;
/// `None` when it has none.
///
/// The worst child decides, by the engine's own rule for a task's targets: any 未完成 →
/// 未完成; otherwise all checkable ones 已完成 → 已完成; otherwise 无法核实; only qualitative
/// ones → 定性. A parent is done when every part is done and missed when any part is missed,
/// which is how offices read a 分解 task.
pub fn from_children(children: &[Verdict]) -> Option<(Verdict, String)> {
    if children.is_empty() {
        return None;
    }
    let count = |v: Verdict| children.iter().filter(|c| **c == v).count();
    Some((
        duban_assess::aggregate(children),
        format!(
            "由{}项子任务汇总（最差者决定）：已完成{}项，未完成{}项，无法核实{}项，定性{}项",
            children.len(),
            count(Verdict::Met),
            count(Verdict::NotMet),
            count(Verdict::Unverifiable),
            count(Verdict::Qualitative),
        ),
    ))
}

/// Where the evidence a task is judged on comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EvidenceSource {
    /// The progress text imported with the ledger: counts only while no report of a lead
    /// unit has been accepted.
    Imported,
    /// The accepted reports of the task's lead unit(s) in the newest round that has one.
    Report {
        round_id: i64,
        round_name: String,
        /// The day the last of them was accepted, "YYYY-MM-DD" (China Standard Time).
        accepted_on: String,
    },
}

impl EvidenceSource {
    /// "2026年10月报告（2026-11-02通过）" or "导入台账".
    pub fn label_zh(&self) -> String {
        match self {
            EvidenceSource::Imported => "导入台账的完成情况".into(),
            EvidenceSource::Report {
                round_name,
                accepted_on,
                ..
            } => format!("{round_name}报告（{accepted_on}通过）"),
        }
    }
}

/// The office's override: the last word, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Override {
    pub verdict: Verdict,
    pub reason: String,
    /// Who made it (a person's name where known).
    pub by: String,
    /// "YYYY-MM-DD".
    pub on: String,
}

/// Which verdict is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictSource {
    /// The office overrode the verdict (督查办改判).
    Override,
    /// The office's verdict imported with the ledger (督查办); speaks for the imported text only.
    Office,
    /// The machine's reading of the evidence.
    Machine,
}

impl VerdictSource {
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictSource::Override => "override",
            VerdictSource::Office => "office",
            VerdictSource::Machine => "machine",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            VerdictSource::Override,
            VerdictSource::Office,
            VerdictSource::Machine,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// The evidence a standing is computed from.
#[derive(Debug, Clone, Copy)]
pub struct EvidenceInput<'a> {
    pub source: &'a EvidenceSource,
    pub narrative: &'a str,
    /// Typed figures (a JSON object keyed by [`FigureField::key`]); `Value::Null` for none.
    pub figures: &'a Value,
}

/// Everything a standing is computed from.
#[derive(Debug, Clone, Copy)]
pub struct StandingInput<'a> {
    pub task_text: &'a str,
    /// The office's verdict as imported with the ledger (a table title or status column).
    pub imported_office: Option<Verdict>,
    pub evidence: EvidenceInput<'a>,
    pub override_: Option<&'a Override>,
    /// The period the evidence speaks for, when before the task's deadline.
    pub period: Option<duban_assess::Period>,
}

/// Where a task stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// The machine's verdict on the evidence.
    pub machine: Verdict,
    pub targets: Vec<Target>,
    /// The machine's one-line explanation.
    pub explanation: String,
    /// Before the deadline: ahead of, on or behind schedule.
    pub schedule: Option<duban_model::Schedule>,
    /// The verdict that counts.
    pub final_verdict: Verdict,
    pub source: VerdictSource,
    /// The office's word (override, or the imported verdict while it speaks) and the
    /// machine's reading of the same evidence disagree.
    pub disputed: bool,
}

impl Standing {
    /// 结论's source as shown to people: "督查办改判（张三，2026-11-03）：理由" /
    /// "督查办（导入台账）" / "机器判断，依据 2026年10月报告（2026-11-02通过）".
    pub fn source_label(
        source: VerdictSource,
        evidence: &EvidenceSource,
        override_: Option<&Override>,
    ) -> String {
        match (source, override_) {
            (VerdictSource::Override, Some(o)) => {
                format!("督查办改判（{}，{}）：{}", o.by, o.on, o.reason)
            }
            (VerdictSource::Override, None) => "督查办改判".into(),
            (VerdictSource::Office, _) => "督查办（导入台账）".into(),
            (VerdictSource::Machine, _) => format!("机器判断，依据{}", evidence.label_zh()),
        }
    }
}

/// The final verdict and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub final_verdict: Verdict,
    pub source: VerdictSource,
    /// The office's word (override, or the imported verdict while it speaks) and the
    /// machine's reading of the same evidence disagree.
    pub disputed: bool,
}

/// Who has the last word. The office's override is the last word; the verdict imported with
/// the ledger counts only while the evidence is still the imported text; otherwise the
/// machine's reading of the evidence decides.
pub fn decide(
    machine: Verdict,
    imported_office: Option<Verdict>,
    evidence: &EvidenceSource,
    override_: Option<&Override>,
) -> Decision {
    let imported_speaks = matches!(evidence, EvidenceSource::Imported);
    let office = override_
        .map(|o| o.verdict)
        .or(imported_office.filter(|_| imported_speaks));
    let (final_verdict, source) = match (override_, office) {
        (Some(o), _) => (o.verdict, VerdictSource::Override),
        (None, Some(v)) => (v, VerdictSource::Office),
        (None, None) => (machine, VerdictSource::Machine),
    };
    Decision {
        final_verdict,
        source,
        disputed: duban_model::disputed(office, Some(machine)),
    }
}

/// The standing of one task: its evidence judged, then [`decide`]d.
pub fn compute(input: StandingInput<'_>) -> Standing {
    let judged = judge(
        input.task_text,
        input.evidence.narrative,
        input.evidence.figures,
        input.period,
    );
    let d = decide(
        judged.verdict,
        input.imported_office,
        input.evidence.source,
        input.override_,
    );
    Standing {
        machine: judged.verdict,
        targets: judged.targets,
        explanation: judged.explanation,
        schedule: judged.schedule,
        final_verdict: d.final_verdict,
        source: d.source,
        disputed: d.disputed,
    }
}

/// Whether accepting evidence the machine reads as `machine` must ask the office whether its
/// standing override still holds (the two now disagree).
pub fn override_in_question(override_: Option<&Override>, machine: Verdict) -> bool {
    override_.is_some_and(|o| o.verdict != machine)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_child_decides() {
        use Verdict::*;
        assert_eq!(from_children(&[]), None);
        let (v, why) = from_children(&[Met, NotMet, Unverifiable]).expect("children");
        assert_eq!(v, NotMet);
        assert!(why.contains("由3项子任务汇总"), "{why}");
        assert_eq!(
            from_children(&[Met, Unverifiable]).map(|c| c.0),
            Some(Unverifiable)
        );
        assert_eq!(from_children(&[Met, Qualitative]).map(|c| c.0), Some(Met));
        assert_eq!(
            from_children(&[Qualitative]).map(|c| c.0),
            Some(Qualitative)
        );
    }

    const TASK: &str = "建成江山公园";
    const DONE: &str = "江山公园已建成投用。";
    const HALF: &str = "江山公园工程总体完成60%，尚未建成，预计明年6月完成。";

    fn report() -> EvidenceSource {
        EvidenceSource::Report {
            round_id: 7,
            round_name: "第三季度".into(),
            accepted_on: "2026-10-08".into(),
        }
    }

    fn input<'a>(
        source: &'a EvidenceSource,
        narrative: &'a str,
        imported_office: Option<Verdict>,
        override_: Option<&'a Override>,
    ) -> StandingInput<'a> {
        StandingInput {
            task_text: TASK,
            imported_office,
            evidence: EvidenceInput {
                source,
                narrative,
                figures: &Value::Null,
            },
            override_,
            period: None,
        }
    }

    fn ov(verdict: Verdict) -> Override {
        Override {
            verdict,
            reason: "现场核查已建成".into(),
            by: "督查办王五".into(),
            on: "2026-10-09".into(),
        }
    }

    #[test]
    fn the_machine_decides_on_the_imported_text_when_nobody_spoke() {
        let s = compute(input(&EvidenceSource::Imported, DONE, None, None));
        assert_eq!(s.final_verdict, Verdict::Met);
        assert_eq!(s.source, VerdictSource::Machine);
        assert!(!s.disputed);
    }

    #[test]
    fn the_imported_office_verdict_counts_while_the_imported_text_speaks() {
        let s = compute(input(
            &EvidenceSource::Imported,
            HALF,
            Some(Verdict::Met),
            None,
        ));
        assert_eq!(s.final_verdict, Verdict::Met);
        assert_eq!(s.source, VerdictSource::Office);
        assert_eq!(s.machine, Verdict::NotMet);
        assert!(s.disputed);
    }

    #[test]
    fn an_accepted_report_silences_the_imported_office_verdict() {
        let src = report();
        let s = compute(input(&src, HALF, Some(Verdict::Met), None));
        assert_eq!(s.final_verdict, Verdict::NotMet);
        assert_eq!(s.source, VerdictSource::Machine);
        assert!(
            !s.disputed,
            "nobody in the office disputes the new evidence"
        );
        let span = s.targets[0].evidence.as_ref().expect("span");
        assert_eq!(
            HALF.chars()
                .skip(span.start)
                .take(span.end - span.start)
                .collect::<String>(),
            span.text
        );
    }

    #[test]
    fn the_override_is_the_last_word_on_any_evidence() {
        let o = ov(Verdict::Met);
        let src = report();
        let s = compute(input(&src, HALF, Some(Verdict::NotMet), Some(&o)));
        assert_eq!(s.final_verdict, Verdict::Met);
        assert_eq!(s.source, VerdictSource::Override);
        assert!(s.disputed);
        assert!(override_in_question(Some(&o), s.machine));
        assert!(!override_in_question(Some(&o), Verdict::Met));
        assert!(!override_in_question(None, Verdict::NotMet));
    }

    #[test]
    fn a_round_speaks_for_the_period_its_name_gives() {
        let p = round_period("2026年10月", "2026-11-05", None, Some(2026)).expect("part-year");
        assert_eq!(p.as_of.to_string(), "2026-10-31");
        assert_eq!(p.deadline.to_string(), "2026-12-31");
        let p = round_period("第三季度", "2026-10-10", Some("2027年6月底"), Some(2026)).expect("p");
        assert_eq!(p.as_of.to_string(), "2026-09-30");
        assert_eq!(p.deadline.to_string(), "2027-06-30");
        // A nameless period falls back to the due date; the year-end round is not part-year.
        let p = round_period("第5轮", "2026-08-15", None, Some(2026)).expect("p");
        assert_eq!(p.as_of.to_string(), "2026-08-15");
        assert!(round_period("2026年12月", "2027-01-05", None, Some(2026)).is_none());
    }

    #[test]
    fn the_source_reads_as_people_say_it() {
        let o = ov(Verdict::Met);
        assert_eq!(
            Standing::source_label(VerdictSource::Machine, &report(), None),
            "机器判断，依据第三季度报告（2026-10-08通过）"
        );
        assert_eq!(
            Standing::source_label(VerdictSource::Override, &report(), Some(&o)),
            "督查办改判（督查办王五，2026-10-09）：现场核查已建成"
        );
        assert_eq!(
            Standing::source_label(VerdictSource::Office, &EvidenceSource::Imported, None),
            "督查办（导入台账）"
        );
        assert_eq!(VerdictSource::parse("office"), Some(VerdictSource::Office));
    }
}
