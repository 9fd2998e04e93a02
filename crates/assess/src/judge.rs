//! Verdicts per target and per task, with their one-line Chinese explanations.

use duban_model::{Comparator, Evidence, Target, TargetKind, Verdict};

use crate::evidence::{self, Figure, Progress, Signal, VerbClass};
use crate::targets::ParsedTarget;
use crate::text::{self, Span};
use crate::units;

/// A target judged against a progress text.
pub struct Judged {
    pub target: Target,
    /// A numeric target the progress never speaks to.
    pub off_target: bool,
}

/// Combines target verdicts into the task's verdict.
///
/// The rule, in order: any target `NotMet` → `NotMet`; otherwise, if every checkable
/// (non-qualitative) target is `Met` → `Met`; otherwise, if any is `Unverifiable` →
/// `Unverifiable`; otherwise (no targets, or only qualitative ones) → `Qualitative`.
pub fn aggregate(verdicts: &[Verdict]) -> Verdict {
    let checkable: Vec<Verdict> = verdicts
        .iter()
        .copied()
        .filter(|v| *v != Verdict::Qualitative)
        .collect();
    if checkable.contains(&Verdict::NotMet) {
        Verdict::NotMet
    } else if !checkable.is_empty() && checkable.iter().all(|v| *v == Verdict::Met) {
        Verdict::Met
    } else if checkable.contains(&Verdict::Unverifiable) {
        Verdict::Unverifiable
    } else {
        Verdict::Qualitative
    }
}

fn outcome(v: Verdict) -> &'static str {
    match v {
        Verdict::Met => "已达成",
        Verdict::NotMet => "未达成",
        Verdict::Unverifiable => "无法核实",
        Verdict::Qualitative => "定性任务",
    }
}

fn base(
    t: &ParsedTarget,
    verdict: Verdict,
    evidence: Option<Evidence>,
    explanation: String,
) -> Target {
    Target {
        text: t.text.clone(),
        kind: t.kind,
        metric: t.metric.clone(),
        comparator: t.comparator,
        value: t.value,
        unit: t.unit.map(|u| u.base.to_string()),
        verdict,
        evidence,
        explanation,
    }
}

fn goal(t: &ParsedTarget) -> String {
    let sym = t.comparator.unwrap_or(Comparator::Ge).symbol();
    let fig = t.figure.clone().unwrap_or_default();
    if t.kind == TargetKind::Growth {
        let fig = fig.trim_start_matches(['-', '－']).to_string();
        let word = if t.value.is_some_and(|v| v < 0.0) {
            "下降"
        } else {
            "增长"
        };
        format!("目标{word}{sym}{fig}")
    } else {
        format!("目标{sym}{fig}")
    }
}

fn figure_text(p: &Progress, f: &Figure) -> String {
    match f.token {
        Some(tok) => {
            let s = text::string(
                &p.chars,
                Span {
                    start: tok.start,
                    end: tok.end,
                },
            );
            if tok.negative { format!("-{s}") } else { s }
        }
        None => text::string(&p.chars, f.span),
    }
}

fn fmt_num(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

fn holds(t: &ParsedTarget, actual: f64) -> bool {
    let target = t.value.unwrap_or(0.0);
    t.comparator.unwrap_or(Comparator::Ge).holds(actual, target)
}

/// Judges one target against the progress; `all` is every checkable target of the task.
pub fn judge(p: &Progress, t: &ParsedTarget, all: &[ParsedTarget]) -> Judged {
    match t.kind {
        TargetKind::Quantity | TargetKind::Share => judge_figure(p, t, all),
        TargetKind::Growth => judge_growth(p, t),
        TargetKind::Deliverable => judge_deliverable(p, t, all.len() == 1),
        TargetKind::Qualitative => Judged {
            target: base(t, Verdict::Qualitative, None, QUALITATIVE.to_string()),
            off_target: false,
        },
    }
}

pub const QUALITATIVE: &str = "定性任务，无可核查的量化目标";

fn judge_figure(p: &Progress, t: &ParsedTarget, all: &[ParsedTarget]) -> Judged {
    let others = all
        .iter()
        .filter(|o| !std::ptr::eq(*o, t))
        .filter(|o| matches!((o.unit, t.unit), (Some(a), Some(b)) if units::compatible(a, b)))
        .count();
    let goal = goal(t);
    if let Some(f) = evidence::find_figure(p, t, others) {
        let unit = t.unit.map(|u| u.base);
        let ev = p.evidence(f.span, Some(f.value), unit);
        let actual = figure_text(p, &f);
        let (verdict, expl) = if f.partial {
            (
                Verdict::Unverifiable,
                format!("{goal}，仅有部分期间数据（{actual}），无法核实"),
            )
        } else if f.unfinished && holds(t, f.value) {
            (
                Verdict::NotMet,
                format!("{goal}，{actual}仅开工或在建，未达成"),
            )
        } else {
            let v = if holds(t, f.value) {
                Verdict::Met
            } else {
                Verdict::NotMet
            };
            (v, format!("{goal}，实际{actual}，{}", outcome(v)))
        };
        return Judged {
            target: base(t, verdict, Some(ev), expl),
            off_target: false,
        };
    }
    // No figure: a count of things to build can still be judged by their status.
    if t.kind == TargetKind::Quantity && t.verb.is_some() && !t.weak {
        let object: Vec<char> = t.metric.as_deref().unwrap_or("").chars().collect();
        if let Some((sig, sp)) = decide(p, &t.names, VerbClass::Build, &object, all.len() == 1) {
            let v = if sig.done() {
                Verdict::Met
            } else {
                Verdict::NotMet
            };
            let ev = p.evidence(sp, evidence::partial_value(p, sp), None);
            let expl = format!("{goal}，完成情况称“{}”，{}", ev.text, outcome(v));
            return Judged {
                target: base(t, v, Some(ev), expl),
                off_target: false,
            };
        }
    }
    Judged {
        target: base(
            t,
            Verdict::Unverifiable,
            None,
            format!("{goal}，完成情况未见对应数据，无法核实"),
        ),
        off_target: true,
    }
}

fn judge_growth(p: &Progress, t: &ParsedTarget) -> Judged {
    let goal = goal(t);
    let Some(f) = evidence::find_growth(p, t) else {
        return Judged {
            target: base(
                t,
                Verdict::Unverifiable,
                None,
                format!("{goal}，完成情况未见对应增速，无法核实"),
            ),
            off_target: true,
        };
    };
    let ev = p.evidence(f.span, Some(f.value), Some("%"));
    let actual = if f.token.is_none() {
        "持平（0%）".to_string()
    } else if f.value < 0.0 {
        format!("下降{}%", fmt_num(-f.value))
    } else {
        format!("增长{}%", fmt_num(f.value))
    };
    let (verdict, expl) = if f.partial {
        (
            Verdict::Unverifiable,
            format!("{goal}，仅有部分期间数据（{actual}），无法核实"),
        )
    } else {
        let v = if holds(t, f.value) {
            Verdict::Met
        } else {
            Verdict::NotMet
        };
        (v, format!("{goal}，实际{actual}，{}", outcome(v)))
    };
    Judged {
        target: base(t, verdict, Some(ev), expl),
        off_target: false,
    }
}

/// Mentions first; then, for a task with this one target, the whole progress.
fn decide(
    p: &Progress,
    names: &[String],
    class: VerbClass,
    object: &[char],
    single: bool,
) -> Option<(Signal, Span)> {
    let mut done = None;
    let found = evidence::mentions(p, names);
    let mentioned = !found.is_empty();
    for (start, _) in found {
        match evidence::sentence_decision(p, start, class, object) {
            Some((s, sp)) if !s.done() => return Some((s, sp)),
            Some(d) if done.is_none() => done = Some(d),
            _ => {}
        }
    }
    if done.is_some() {
        return done;
    }
    // The whole progress speaks for the one target when the object is mentioned without
    // a status, or when the text is too short to be about anything else; an object never
    // named in a longer text stays unverifiable.
    if single && (mentioned || p.is_short()) {
        return evidence::whole_decision(p, class, object);
    }
    None
}

fn judge_deliverable(p: &Progress, t: &ParsedTarget, single: bool) -> Judged {
    let name = t.metric.clone().unwrap_or_else(|| t.text.clone());
    let object: Vec<char> = name.chars().collect();
    let class = evidence::verb_class(t.verb.as_deref());
    match decide(p, &t.names, class, &object, single) {
        Some((sig, sp)) => {
            let v = if sig.done() {
                Verdict::Met
            } else {
                Verdict::NotMet
            };
            let ev = p.evidence(
                sp,
                evidence::partial_value(p, sp).filter(|_| sig == Signal::Partial),
                None,
            );
            let ev = Evidence {
                unit: ev.value.map(|_| "%".to_string()),
                ..ev
            };
            let status = if v == Verdict::Met {
                "已完成"
            } else {
                "未完成"
            };
            let expl = format!("{name}：{}，{status}", ev.text);
            Judged {
                target: base(t, v, Some(ev), expl),
                off_target: false,
            }
        }
        None => {
            let said = if evidence::mentions(p, &t.names).is_empty() {
                "完成情况未提及"
            } else {
                "未说明是否完成"
            };
            Judged {
                target: base(
                    t,
                    Verdict::Unverifiable,
                    None,
                    format!("{name}：{said}，无法核实"),
                ),
                off_target: false,
            }
        }
    }
}

/// The task's one-line explanation from its judged targets.
pub fn task_explanation(verdict: Verdict, targets: &[Target]) -> String {
    let pick = |v: Verdict| -> Vec<&str> {
        targets
            .iter()
            .filter(|t| t.verdict == v)
            .map(|t| t.explanation.as_str())
            .collect()
    };
    match verdict {
        Verdict::Qualitative => QUALITATIVE.to_string(),
        Verdict::NotMet => format!("未达成：{}", pick(Verdict::NotMet).join("；")),
        Verdict::Unverifiable => format!("无法核实：{}", pick(Verdict::Unverifiable).join("；")),
        Verdict::Met => {
            let met = pick(Verdict::Met);
            format!("已达成（{}项目标）：{}", met.len(), met.join("；"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregation_rule() {
        use Verdict::*;
        assert_eq!(aggregate(&[Met, NotMet, Unverifiable]), NotMet);
        assert_eq!(aggregate(&[Met, Met, Qualitative]), Met);
        assert_eq!(aggregate(&[Met, Unverifiable]), Unverifiable);
        assert_eq!(aggregate(&[Qualitative]), Qualitative);
        assert_eq!(aggregate(&[]), Qualitative);
    }

    #[test]
    fn numbers_format_without_noise() {
        assert_eq!(fmt_num(2.6), "2.6");
        assert_eq!(fmt_num(15.0), "15");
        assert_eq!(fmt_num(-0.0), "0");
    }
}
