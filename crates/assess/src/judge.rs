//! Verdicts per target and per task, with their one-line Chinese explanations.

use duban_model::{Comparator, Evidence, Schedule, Target, TargetKind, Verdict};

use crate::evidence::{self, Figure, Progress, Signal, VerbClass};
use crate::period::Period;
use crate::row::RowFacts;
use crate::targets::ParsedTarget;
use crate::text::Span;
use crate::units;

/// A target judged against a progress text.
pub struct Judged {
    pub target: Target,
    /// A numeric target the progress never speaks to.
    pub off_target: bool,
    /// Before the deadline: where the target stands against the time elapsed.
    pub schedule: Option<Schedule>,
}

/// What every target of a row is judged with: the period, and what the text says of the
/// whole row.
pub struct Ctx<'a> {
    pub period: Option<Period>,
    /// The first year of a multi-year target ("2013—2017年"), for the time elapsed.
    pub start_year: Option<i32>,
    pub row: &'a RowFacts,
}

/// Percentage points of the time elapsed within which a share of the work done is on
/// schedule: below by more is behind (滞后), above by more is ahead (超序时).
pub const TOLERANCE: f64 = 10.0;
/// Percentage points a growth rate or share may fall short of its target part-way through
/// the year and still be on schedule.
pub const RATE_TOLERANCE: f64 = 1.0;

impl Ctx<'_> {
    fn elapsed(&self) -> f64 {
        self.period.map_or(100.0, |p| p.elapsed(self.start_year))
    }

    /// "截至10月底（时序83%）", or with a milestone in force "截至6月底（时序50%，节点要求2500）".
    fn prefix(&self) -> String {
        match self.period {
            Some(p) => {
                let node = p
                    .milestone
                    .map(|m| format!("，节点要求{}", fmt_num(m.value)))
                    .unwrap_or_default();
                format!(
                    "{}（时序{}%{node}）",
                    p.phrase(),
                    fmt_num(self.elapsed().round())
                )
            }
            None => String::new(),
        }
    }

    /// The share of a quantity target (`target`) expected by the as-of date, in percent.
    ///
    /// The general rule: when the task has a milestone at or before the as-of date, the
    /// office's own schedule speaks — the milestone's figure over the target — instead of
    /// the linear share of time elapsed. A target without a figure keeps the linear share.
    fn expected(&self, target: Option<f64>) -> f64 {
        match (self.period.and_then(|p| p.milestone), target) {
            (Some(m), Some(t)) if t > 0.0 => (m.value * 100.0 / t).clamp(0.0, 100.0),
            _ => self.elapsed(),
        }
    }

    /// Before the deadline, a share of the work done against the time elapsed.
    fn pace(&self, share: Option<f64>) -> (Verdict, Schedule) {
        self.pace_to(share, self.elapsed())
    }

    /// Before the deadline, a share of the work done against the share `e` expected by now.
    fn pace_to(&self, share: Option<f64>, e: f64) -> (Verdict, Schedule) {
        match share {
            Some(r) if r >= 100.0 => (Verdict::Met, Schedule::Ahead),
            _ if self.row.lagging.is_some() => (Verdict::NotMet, Schedule::Lagging),
            // The text says it is on schedule: the office's milestone, not linear time.
            _ if self.row.on_track.is_some() => (Verdict::Unverifiable, Schedule::OnTrack),
            Some(r) if r < e - TOLERANCE => (Verdict::NotMet, Schedule::Lagging),
            Some(r) if r >= e + TOLERANCE => (Verdict::Unverifiable, Schedule::Ahead),
            _ if self.row.ahead.is_some() => (Verdict::Unverifiable, Schedule::Ahead),
            _ => (Verdict::Unverifiable, Schedule::OnTrack),
        }
    }

    /// Before the deadline, a rate (growth, share) against its target.
    fn rate_pace(&self, t: &ParsedTarget, actual: f64) -> (Verdict, Schedule) {
        if holds(t, actual) {
            return (Verdict::Met, Schedule::Ahead);
        }
        let target = t.value.unwrap_or(0.0);
        let short = match t.comparator.unwrap_or(Comparator::Ge) {
            Comparator::Le | Comparator::Lt => actual - target,
            _ => target - actual,
        };
        if short > RATE_TOLERANCE || self.row.lagging.is_some() {
            (Verdict::NotMet, Schedule::Lagging)
        } else {
            (Verdict::Unverifiable, Schedule::OnTrack)
        }
    }

    /// "…，序时推进" / "…，已达成".
    fn part_year(&self, what: &str, v: Verdict, s: Schedule) -> String {
        let end = if v == Verdict::Met {
            "已达成".to_string()
        } else {
            s.label().to_string()
        };
        format!("{}，{what}，{end}", self.prefix())
    }
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

fn judged(target: Target, off_target: bool, schedule: Option<Schedule>) -> Judged {
    Judged {
        target,
        off_target,
        schedule,
    }
}

fn figure_text(p: &Progress, f: &Figure) -> String {
    match f.token {
        Some(tok) => {
            let s = p.quote(Span {
                start: tok.start,
                end: tok.end,
            });
            if tok.negative { format!("-{s}") } else { s }
        }
        None => p.quote(f.span),
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
pub fn judge(p: &Progress, t: &ParsedTarget, all: &[ParsedTarget], ctx: &Ctx) -> Judged {
    match t.kind {
        TargetKind::Quantity | TargetKind::Share => judge_figure(p, t, all, ctx),
        TargetKind::Growth => {
            let others = all
                .iter()
                .filter(|o| o.kind == TargetKind::Growth && !std::ptr::eq(*o, t))
                .count();
            judge_growth(p, t, others, ctx)
        }
        TargetKind::Deliverable => judge_deliverable(p, t, all.len() == 1, ctx),
        TargetKind::Qualitative => judged(
            base(t, Verdict::Qualitative, None, QUALITATIVE.to_string()),
            false,
            None,
        ),
    }
}

/// No evidence for a target: the row's stated share, a blanket 已完成, a stated miss, or
/// nothing (unverifiable; behind schedule when the text says so).
fn without_evidence(
    p: &Progress,
    t: &ParsedTarget,
    ctx: &Ctx,
    goal: &str,
    none: String,
    numeric: bool,
) -> Judged {
    if let Some((r, sp)) = ctx.row.ratio {
        let ev = p.evidence(sp, Some(r), Some("%"));
        let what = format!("完成{}%", fmt_num(r));
        let (v, sched, expl) = if ctx.period.is_some() {
            let (v, s) = ctx.pace(Some(r));
            (v, Some(s), ctx.part_year(&format!("{goal}，{what}"), v, s))
        } else {
            let v = if r >= 100.0 {
                Verdict::Met
            } else {
                Verdict::NotMet
            };
            (v, None, format!("{goal}，完成情况称{what}，{}", outcome(v)))
        };
        return judged(base(t, v, Some(ev), expl), false, sched);
    }
    if let Some(sp) = ctx.row.blanket {
        let ev = p.evidence(sp, None, None);
        let expl = format!("{goal}，完成情况称“{}”，已达成", ev.text);
        let sched = ctx.period.map(|_| Schedule::Ahead);
        return judged(base(t, Verdict::Met, Some(ev), expl), false, sched);
    }
    if let Some(sp) = evidence::stated_miss(p) {
        let ev = p.evidence(sp, None, None);
        let expl = format!("{goal}，完成情况称“{}”，未达成", ev.text);
        let sched = ctx.period.map(|_| Schedule::Lagging);
        return judged(base(t, Verdict::NotMet, Some(ev), expl), false, sched);
    }
    if let (None, Some(sp)) = (ctx.period, ctx.row.lagging) {
        // At the deadline, work still said to be behind is unfinished.
        let ev = p.evidence(sp, None, None);
        let expl = format!("{goal}，完成情况称“{}”，未达成", ev.text);
        return judged(base(t, Verdict::NotMet, Some(ev), expl), false, None);
    }
    if ctx.period.is_some() {
        let (v, s) = ctx.pace(None);
        let ev = ctx.row.lagging.map(|sp| p.evidence(sp, None, None));
        let expl = match &ev {
            Some(e) => ctx.part_year(&format!("{goal}，完成情况称“{}”", e.text), v, s),
            None => ctx.part_year(none.trim_end_matches("，无法核实"), v, s),
        };
        return judged(base(t, v, ev, expl), numeric, Some(s));
    }
    judged(base(t, Verdict::Unverifiable, None, none), numeric, None)
}

/// Before the deadline, a figure for a quantity or share target against the time elapsed.
fn figure_pace(t: &ParsedTarget, value: f64, unfinished: bool, ctx: &Ctx) -> (Verdict, Schedule) {
    let target = t.value.unwrap_or(0.0);
    let ceiling = matches!(t.comparator, Some(Comparator::Le | Comparator::Lt));
    if ceiling && t.kind == TargetKind::Quantity {
        // A count kept under a ceiling ("事故控制在10起以内") is only confirmed at the
        // deadline; already over it is a miss.
        if holds(t, value) {
            (Verdict::Unverifiable, Schedule::OnTrack)
        } else {
            (Verdict::NotMet, Schedule::Lagging)
        }
    } else if holds(t, value) && !unfinished {
        (Verdict::Met, Schedule::Ahead)
    } else if matches!(t.kind, TargetKind::Share | TargetKind::Growth) {
        ctx.rate_pace(t, value)
    } else {
        let share = (target > 0.0
            && matches!(t.comparator, Some(Comparator::Ge | Comparator::Gt) | None))
        .then(|| value * 100.0 / target);
        ctx.pace_to(share.map(|r| r.min(99.9)), ctx.expected(t.value))
    }
}

/// A figure the unit typed for a target (its formal answer, "3808辆") judged as a figure
/// found in the text would be: reached or not at the deadline; before it, against the time
/// elapsed (quantities) or the target itself (rates).
pub fn judge_typed(
    t: &ParsedTarget,
    value: f64,
    shown: &str,
    ctx: &Ctx,
) -> (Verdict, Option<Schedule>, String) {
    let goal = goal(t);
    if ctx.period.is_some() {
        let (v, s) = figure_pace(t, value, false, ctx);
        return (
            v,
            Some(s),
            ctx.part_year(&format!("{goal}，填报{shown}"), v, s),
        );
    }
    let v = if holds(t, value) {
        Verdict::Met
    } else {
        Verdict::NotMet
    };
    (v, None, format!("{goal}，填报{shown}，{}", outcome(v)))
}

pub const QUALITATIVE: &str = "定性任务，无可核查的量化目标";

fn judge_figure(p: &Progress, t: &ParsedTarget, all: &[ParsedTarget], ctx: &Ctx) -> Judged {
    let others = all
        .iter()
        .filter(|o| !std::ptr::eq(*o, t))
        .filter(|o| matches!((o.unit, t.unit), (Some(a), Some(b)) if units::compatible(a, b)))
        .count();
    let goal = goal(t);
    if let Some(mut f) = evidence::find_figure(p, t, others) {
        if !holds(t, f.value)
            && let Some(sum) = evidence::parts_sum(p, t, &f)
        {
            f.value = sum;
        }
        let unit = t.unit.map(|u| u.base);
        let ev = p.evidence(f.span, Some(f.value), unit);
        let actual = figure_text(p, &f);
        if ctx.period.is_some() {
            let (v, s) = figure_pace(t, f.value, f.unfinished, ctx);
            let expl = ctx.part_year(&format!("{goal}，实际{actual}"), v, s);
            return judged(base(t, v, Some(ev), expl), false, Some(s));
        }
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
        return judged(base(t, verdict, Some(ev), expl), false, None);
    }
    // No figure: named items count against a count of things to build.
    if t.kind == TargetKind::Quantity
        && t.verb.is_some()
        && !t.weak
        && t.unit.is_some_and(units::is_count)
        && let Some((done, sp)) = evidence::count_named(p, t)
    {
        let ev = p.evidence(sp, Some(done), t.unit.map(|u| u.base));
        let actual = format!("已完成{}{}", fmt_num(done), t.unit.map_or("", |u| u.base));
        let (v, s) = if holds(t, done) {
            (Verdict::Met, ctx.period.map(|_| Schedule::Ahead))
        } else if ctx.period.is_some() {
            let share = t.value.filter(|v| *v > 0.0).map(|v| done * 100.0 / v);
            let (v, s) = ctx.pace(share);
            (v, Some(s))
        } else {
            (Verdict::NotMet, None)
        };
        let expl = match s {
            Some(s) => ctx.part_year(&format!("{goal}，{actual}"), v, s),
            None => format!("{goal}，{actual}，{}", outcome(v)),
        };
        return judged(base(t, v, Some(ev), expl), false, s);
    }
    // No figure: a count of things to build can still be judged by their status.
    if t.kind == TargetKind::Quantity && t.verb.is_some() {
        let class = if t.weak {
            VerbClass::Process
        } else {
            VerbClass::Build
        };
        let object: Vec<char> = t.metric.as_deref().unwrap_or("").chars().collect();
        if let Some((sig, sp)) = decide(p, &t.names, class, &object, all.len() == 1) {
            let ev = p.evidence(sp, evidence::partial_value(p, sp), None);
            let said = format!("{goal}，完成情况称“{}”", ev.text);
            return settle_signal(t, ctx, sig, ev, &said);
        }
    }
    without_evidence(
        p,
        t,
        ctx,
        &goal,
        format!("{goal}，完成情况未见对应数据，无法核实"),
        true,
    )
}

/// A status found for a target (done, under way, not started) made a verdict; before the
/// deadline, what is not done yet is judged against the time elapsed.
fn settle_signal(t: &ParsedTarget, ctx: &Ctx, sig: Signal, ev: Evidence, said: &str) -> Judged {
    if ctx.period.is_none() {
        let v = if sig.done() {
            Verdict::Met
        } else {
            Verdict::NotMet
        };
        let status = if v == Verdict::Met {
            "已完成"
        } else {
            "未完成"
        };
        return judged(
            base(t, v, Some(ev), format!("{said}，{status}")),
            false,
            None,
        );
    }
    let (v, s) = if sig.done() {
        (Verdict::Met, Schedule::Ahead)
    } else if sig == Signal::Partial {
        ctx.pace(ev.value.or(ctx.row.ratio.map(|r| r.0)))
    } else if evidence::not_started(&ev.text) && ctx.elapsed() >= 50.0 {
        (Verdict::NotMet, Schedule::Lagging)
    } else {
        ctx.pace(ctx.row.ratio.map(|r| r.0))
    };
    let expl = ctx.part_year(said, v, s);
    judged(base(t, v, Some(ev), expl), false, Some(s))
}

fn judge_growth(p: &Progress, t: &ParsedTarget, others: usize, ctx: &Ctx) -> Judged {
    let goal = goal(t);
    let Some(f) = evidence::find_growth(p, t, others) else {
        let none = format!("{goal}，完成情况未见对应增速，无法核实");
        let no_share = RowFacts {
            ratio: None,
            ..*ctx.row
        };
        // A completion share says nothing of a growth rate.
        let ctx = Ctx {
            period: ctx.period,
            start_year: ctx.start_year,
            row: &no_share,
        };
        return without_evidence(p, t, &ctx, &goal, none, true);
    };
    let ev = p.evidence(f.span, Some(f.value), Some("%"));
    let actual = if f.token.is_none() {
        "持平（0%）".to_string()
    } else if f.value < 0.0 {
        format!("下降{}%", fmt_num(-f.value))
    } else {
        format!("增长{}%", fmt_num(f.value))
    };
    if ctx.period.is_some() {
        let (v, s) = ctx.rate_pace(t, f.value);
        let expl = ctx.part_year(&format!("{goal}，实际{actual}"), v, s);
        return judged(base(t, v, Some(ev), expl), false, Some(s));
    }
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
    judged(base(t, verdict, Some(ev), expl), false, None)
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

fn judge_deliverable(p: &Progress, t: &ParsedTarget, single: bool, ctx: &Ctx) -> Judged {
    let name = t.metric.clone().unwrap_or_else(|| t.text.clone());
    let object: Vec<char> = name.chars().collect();
    let class = evidence::verb_class(t.verb.as_deref());
    match decide(p, &t.names, class, &object, single) {
        Some((sig, sp)) => {
            let ev = p.evidence(
                sp,
                evidence::partial_value(p, sp).filter(|_| sig == Signal::Partial),
                None,
            );
            let ev = Evidence {
                unit: ev.value.map(|_| "%".to_string()),
                ..ev
            };
            let said = format!("{name}：{}", ev.text);
            settle_signal(t, ctx, sig, ev, &said)
        }
        None => {
            let said = if evidence::mentions(p, &t.names).is_empty() {
                "完成情况未提及"
            } else {
                "未说明是否完成"
            };
            let none = format!("{name}：{said}，无法核实");
            without_evidence(p, t, ctx, &name, none, false)
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

    /// A milestone at or before the as-of date replaces the linear share of time: the same
    /// figure is on schedule against linear time, behind a demanding milestone and ahead of
    /// a modest one; a milestone not yet due leaves linear time in force.
    #[test]
    fn a_due_milestone_replaces_the_linear_share() {
        let d = |m: u8, day: u8| {
            time::Date::from_calendar_date(2026, time::Month::try_from(m).expect("month"), day)
                .expect("date")
        };
        let task = "新增公共充电桩5000个";
        let progress = "截至6月底已新增公共充电桩2000个。";
        let period = crate::period_for(Some(d(6, 30)), None, Some(2026)).expect("part-year");
        let at = |p: Period| crate::assess_text_at(task, progress, Some(p));

        // 40% done at 50% of the year: within the tolerance of linear time.
        let linear = at(period);
        assert_eq!(
            linear.verdict,
            Verdict::Unverifiable,
            "{}",
            linear.explanation
        );
        assert_eq!(linear.schedule, Some(Schedule::OnTrack));

        // The office asked for 3000 by the end of June (60%): 2000 is behind it.
        let demanding = at(period.with_milestones(&[(d(6, 30), 3000.0)]));
        assert_eq!(
            demanding.verdict,
            Verdict::NotMet,
            "{}",
            demanding.explanation
        );
        assert_eq!(demanding.schedule, Some(Schedule::Lagging));
        assert!(
            demanding.explanation.contains("节点要求3000"),
            "{}",
            demanding.explanation
        );

        // 1000 by the end of May (20%): 2000 is well ahead of it.
        let modest = at(period.with_milestones(&[(d(5, 31), 1000.0), (d(9, 30), 4500.0)]));
        assert_eq!(
            modest.schedule,
            Some(Schedule::Ahead),
            "{}",
            modest.explanation
        );

        // Only a September milestone: not due yet, linear time decides.
        let later = at(period.with_milestones(&[(d(9, 30), 4500.0)]));
        assert_eq!(
            later.schedule,
            Some(Schedule::OnTrack),
            "{}",
            later.explanation
        );
    }

    #[test]
    fn numbers_format_without_noise() {
        assert_eq!(fmt_num(2.6), "2.6");
        assert_eq!(fmt_num(15.0), "15");
        assert_eq!(fmt_num(-0.0), "0");
    }
}
