//! The live check of a report: the assessment engine run on the task text against the
//! unit's narrative and typed figures, and the warnings a reviewer would otherwise have to
//! spot by hand — a self-status the text or figures contradict, and a narrative copied from
//! the previous round.
//!
//! Pure: no store, no clock. The pages call it on every draft save and on review.

use std::collections::HashMap;

use duban_assess::aggregate;
use duban_model::Verdict;
pub use duban_standing::{FigureField, figure_fields};
use duban_standing::{fmt_num, judge};
use duban_store::SelfStatus;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::views::highlight::Span;

/// A typed number: digits with at most one decimal point and an optional sign; nothing
/// else (no units, no 万, no words), so what is stored is exactly what was meant.
pub fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    let dots = body.chars().filter(|c| *c == '.').count();
    if digits == 0 || dots > 1 || digits + dots != body.chars().count() {
        return None;
    }
    if body.starts_with('.') || body.ends_with('.') {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Reads the form's `fig{index}` inputs into the figures object. Empty inputs are left
/// out (not reported yet); anything that is not a number is refused with a message that
/// names the field.
pub fn parse_figures(
    fields: &[FigureField],
    inputs: &HashMap<String, String>,
) -> Result<Map<String, Value>, Vec<String>> {
    let mut out = Map::new();
    let mut errors = Vec::new();
    for f in fields {
        let raw = inputs
            .get(&format!("fig{}", f.index))
            .map(|s| s.trim())
            .unwrap_or("");
        if raw.is_empty() {
            continue;
        }
        match parse_number(raw).and_then(serde_json::Number::from_f64) {
            Some(n) => {
                out.insert(f.key.clone(), Value::Number(n));
            }
            None => errors.push(format!(
                "“{}”应填写数字（单位：{}），“{raw}”不是数字",
                f.label,
                if f.unit.is_empty() { "—" } else { &f.unit }
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The form's text for a stored figure ("3808", "12.5").
pub fn figure_text(figures: &Value, key: &str) -> String {
    figures
        .get(key)
        .and_then(Value::as_f64)
        .map(fmt_num)
        .unwrap_or_default()
}

/// One target as the live check judges it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetCheck {
    pub text: String,
    pub kind: &'static str,
    pub verdict: &'static str,
    #[serde(skip)]
    pub verdict_enum: Verdict,
    pub explanation: String,
    /// The evidence found in the narrative.
    pub evidence: Option<String>,
    /// The typed figure, with its unit ("3808辆").
    pub figure: Option<String>,
}

/// The previous round's narrative for the same task and unit.
#[derive(Debug, Clone, Copy)]
pub struct Previous<'a> {
    pub round_name: &'a str,
    pub narrative: &'a str,
}

/// What the report says, as the machine reads it.
#[derive(Debug, Clone, Serialize)]
pub struct LiveCheck {
    pub targets: Vec<TargetCheck>,
    pub verdict: &'static str,
    /// Evidence spans in the narrative, for highlighting.
    #[serde(skip)]
    pub spans: Vec<Span>,
    pub warnings: Vec<String>,
}

/// A report's content, as the live check needs it.
#[derive(Debug, Clone, Copy)]
pub struct ReportContent<'a> {
    pub narrative: &'a str,
    pub figures: &'a Value,
    pub self_status: Option<SelfStatus>,
    pub delay_reason: Option<&'a str>,
    /// The round's period, when before the task's deadline.
    pub period: Option<duban_standing::Period>,
}

pub fn live_check(
    task_text: &str,
    report: ReportContent<'_>,
    previous: Option<Previous<'_>>,
) -> LiveCheck {
    // The same judgement the task's standing makes once the report is accepted.
    let judged = judge(task_text, report.narrative, report.figures, report.period);
    let mut warnings = Vec::new();
    let mut spans = Vec::new();
    let mut targets = Vec::with_capacity(judged.targets.len());
    for (t, typed) in judged.targets.iter().zip(&judged.typed) {
        if let Some(e) = &t.evidence {
            spans.push(Span {
                start: e.start,
                end: e.end,
                target: format!("{}：{}", t.text, t.explanation),
            });
        }
        if let Some(f) = typed
            && let Some(said) = &f.narrative_differs
        {
            // The typed figure is the unit's formal answer; a different number in its
            // own narrative is worth a question.
            warnings.push(format!(
                "“{}”填报数字为{}，进展中却写“{said}”，两者不一致",
                f.label, f.shown
            ));
        }
        targets.push(TargetCheck {
            text: t.text.clone(),
            kind: t.kind.as_str(),
            verdict: t.verdict.as_str(),
            verdict_enum: t.verdict,
            explanation: t.explanation.clone(),
            evidence: t.evidence.as_ref().map(|e| e.text.clone()),
            figure: typed.as_ref().map(|f| f.shown.clone()),
        });
    }
    let verdicts: Vec<Verdict> = targets.iter().map(|t| t.verdict_enum).collect();
    let verdict = aggregate(&verdicts);
    warnings.extend(check_self_status(
        report.self_status,
        &targets,
        report.narrative,
    ));
    if report.self_status == Some(SelfStatus::Lagging)
        && report.delay_reason.is_none_or(|r| r.trim().is_empty())
    {
        warnings.push("自评为“滞后”，但未填写滞后原因".into());
    }
    if let Some(prev) = previous
        && let Some(rep) = repetition(report.narrative, prev.narrative)
    {
        warnings.push(match rep {
            Repetition::Identical => format!(
                "本轮进展与上一轮（{}）完全相同，请写明本期新的进展",
                prev.round_name
            ),
            Repetition::Near(pct) => format!(
                "本轮进展与上一轮（{}）几乎相同（相似度{pct}%），请写明本期新的进展",
                prev.round_name
            ),
        });
    }
    LiveCheck {
        targets,
        verdict: verdict.as_str(),
        spans,
        warnings,
    }
}

/// Words that say the work is not finished.
const UNFINISHED: [&str; 12] = [
    "正在推进",
    "正在建设",
    "正在实施",
    "推进中",
    "建设中",
    "在建",
    "尚未",
    "未完成",
    "预计",
    "前期工作",
    "未启动",
    "滞后",
];

/// Words that say the work is finished or under way.
const STARTED: [&str; 7] = [
    "已完成",
    "已建成",
    "全面完成",
    "建成投用",
    "已开工",
    "开工建设",
    "正在推进",
];

/// Clauses of a narrative: split at Chinese and Western clause punctuation.
fn clauses(text: &str) -> Vec<&str> {
    text.split(['，', '。', '；', '！', '？', ',', ';', '\n', '：'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// Completion percentages written in a clause ("完成70%", "完成总工程量的70%", "进度达70%").
fn completion_percents(clause: &str) -> Vec<f64> {
    let chars: Vec<char> = clause.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < chars.len() {
        let word = (chars[i], chars[i + 1]);
        if word == ('完', '成') || word == ('进', '度') {
            // Up to six connecting characters ("了约总量的") before the number.
            let mut j = i + 2;
            let limit = (j + 6).min(chars.len());
            while j < limit && !chars[j].is_ascii_digit() {
                if "，。；、".contains(chars[j]) {
                    break;
                }
                j += 1;
            }
            let start = j;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                j += 1;
            }
            if j > start
                && chars.get(j).is_some_and(|c| *c == '%' || *c == '％')
                && let Ok(v) = chars[start..j].iter().collect::<String>().parse::<f64>()
            {
                out.push(v);
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// Warnings where the unit's self-status disagrees with the judged targets or its own
/// words: 已完成 with a target not met or "完成70%", 未启动 with progress described,
/// 滞后 with every target met.
pub fn check_self_status(
    status: Option<SelfStatus>,
    targets: &[TargetCheck],
    narrative: &str,
) -> Vec<String> {
    let Some(status) = status else {
        return Vec::new();
    };
    let label = status.label_zh();
    let mut out = Vec::new();
    let not_met: Vec<&TargetCheck> = targets
        .iter()
        .filter(|t| t.verdict_enum == Verdict::NotMet)
        .collect();
    let met = targets.iter().any(|t| t.verdict_enum == Verdict::Met);
    match status {
        SelfStatus::Done => {
            for t in &not_met {
                out.push(format!(
                    "自评为“{label}”，但目标“{}”{}",
                    t.text,
                    explain_short(t)
                ));
            }
            for clause in clauses(narrative) {
                // Already named through a target's evidence: one warning is enough.
                let covered = not_met.iter().any(|t| {
                    t.evidence
                        .as_deref()
                        .is_some_and(|e| e.contains(clause) || clause.contains(e))
                });
                if covered {
                    continue;
                }
                let partial = completion_percents(clause).iter().any(|v| *v < 100.0);
                if partial || UNFINISHED.iter().any(|w| clause.contains(w)) {
                    out.push(format!("自评为“{label}”，但进展写有“{clause}”"));
                }
            }
            for t in targets.iter().filter(|t| {
                t.verdict_enum == Verdict::Unverifiable
                    && matches!(t.kind, "quantity" | "growth" | "share")
            }) {
                out.push(format!(
                    "自评为“{label}”，但目标“{}”没有对应数字，请在数字栏填写",
                    t.text
                ));
            }
        }
        SelfStatus::NotStarted => {
            if met {
                out.push(format!("自评为“{label}”，但已有目标达成"));
            }
            for clause in clauses(narrative) {
                let progressed = completion_percents(clause).iter().any(|v| *v > 0.0);
                if progressed || STARTED.iter().any(|w| clause.contains(w)) {
                    out.push(format!("自评为“{label}”，但进展写有“{clause}”"));
                }
            }
        }
        SelfStatus::Lagging => {
            let checkable = targets.iter().any(|t| t.kind != "qualitative");
            let all_met = checkable
                && targets
                    .iter()
                    .filter(|t| t.kind != "qualitative")
                    .all(|t| t.verdict_enum == Verdict::Met);
            if all_met {
                out.push(format!(
                    "自评为“{label}”，但各项目标按填报内容均已达成，请核对"
                ));
            }
        }
        SelfStatus::OnSchedule => {}
    }
    out
}

fn explain_short(t: &TargetCheck) -> String {
    format!("判断为未达成（{}）", t.explanation)
}

/// How much a narrative repeats an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repetition {
    /// The same words (ignoring spaces and punctuation).
    Identical,
    /// Near-identical: the similarity in percent (at least [`NEAR_PERCENT`]).
    Near(u8),
}

/// Similarity at or above which two narratives count as the same text lightly edited.
pub const NEAR_PERCENT: u8 = 90;

fn normalised(s: &str) -> Vec<char> {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Dice coefficient over character bigrams (as multisets), in [0, 1].
fn similarity(a: &[char], b: &[char]) -> f64 {
    if a.len() < 2 || b.len() < 2 {
        return if a == b { 1.0 } else { 0.0 };
    }
    let mut counts: HashMap<(char, char), i64> = HashMap::new();
    for w in a.windows(2) {
        *counts.entry((w[0], w[1])).or_default() += 1;
    }
    let mut shared = 0i64;
    for w in b.windows(2) {
        if let Some(n) = counts.get_mut(&(w[0], w[1]))
            && *n > 0
        {
            *n -= 1;
            shared += 1;
        }
    }
    2.0 * shared as f64 / ((a.len() - 1) + (b.len() - 1)) as f64
}

/// Whether `current` repeats `previous`. Empty texts repeat nothing; very short ones only
/// count when identical (two short lines are similar by accident).
pub fn repetition(current: &str, previous: &str) -> Option<Repetition> {
    let a = normalised(current);
    let b = normalised(previous);
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if a == b {
        return Some(Repetition::Identical);
    }
    if a.len() < 10 || b.len() < 10 {
        return None;
    }
    let pct = (similarity(&a, &b) * 100.0).floor() as u8;
    (pct >= NEAR_PERCENT).then_some(Repetition::Near(pct))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARS: &str = "进口整车5000辆以上";

    fn content<'a>(narrative: &'a str, figures: &'a Value, s: SelfStatus) -> ReportContent<'a> {
        ReportContent {
            narrative,
            figures,
            self_status: Some(s),
            delay_reason: None,
            period: None,
        }
    }

    #[test]
    fn one_field_per_quantitative_target_with_metric_and_unit() {
        let f = figure_fields("进口整车5000辆以上，技术合同登记额增长15%，建成江山公园");
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[0].label, "进口整车");
        assert_eq!(f[0].unit, "辆");
        assert_eq!(f[0].goal, "目标≥5000辆");
        assert_eq!(f[0].key, "1:进口整车");
        assert_eq!(f[1].label, "技术合同登记额增速");
        assert_eq!(f[1].unit, "%");
        assert!(figure_fields("建成江山公园").is_empty());
        assert!(figure_fields("坚持稳中求进工作总基调").is_empty());
    }

    #[test]
    fn numbers_only() {
        assert_eq!(parse_number(" 3808 "), Some(3808.0));
        assert_eq!(parse_number("-2.6"), Some(-2.6));
        assert_eq!(parse_number("12.50"), Some(12.5));
        for bad in [
            "",
            "约三千",
            "3808辆",
            "1e5",
            "inf",
            "NaN",
            "1.2.3",
            ".5",
            "5.",
            "-",
            "3 808",
        ] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn bad_figures_are_refused_naming_the_field() {
        let fields = figure_fields(CARS);
        let mut inputs = HashMap::new();
        inputs.insert("fig0".to_string(), "三千八".to_string());
        let errors = parse_figures(&fields, &inputs).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].contains("进口整车") && errors[0].contains("三千八"),
            "{errors:?}"
        );
        inputs.insert("fig0".to_string(), "3808".to_string());
        let map = parse_figures(&fields, &inputs).unwrap();
        assert_eq!(map.get("1:进口整车").and_then(Value::as_f64), Some(3808.0));
        inputs.insert("fig0".to_string(), "  ".to_string());
        assert!(parse_figures(&fields, &inputs).unwrap().is_empty());
    }

    #[test]
    fn done_with_a_figure_below_target_is_a_contradiction() {
        let figures = serde_json::json!({ "1:进口整车": 3808 });
        let c = live_check(
            CARS,
            content("今年进口业务稳步开展。", &figures, SelfStatus::Done),
            None,
        );
        assert_eq!(c.verdict, "not_met");
        assert_eq!(c.targets[0].figure.as_deref(), Some("3808辆"));
        assert!(c.targets[0].explanation.contains("未达成"));
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains("已完成") && w.contains("3808")),
            "{:?}",
            c.warnings
        );
        // The same figure above target: no contradiction.
        let figures = serde_json::json!({ "1:进口整车": 5200 });
        let c = live_check(
            CARS,
            content("今年进口业务稳步开展。", &figures, SelfStatus::Done),
            None,
        );
        assert_eq!(c.verdict, "met");
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    }

    #[test]
    fn done_while_the_narrative_says_seventy_percent() {
        let none = serde_json::json!({});
        let c = live_check(
            CARS,
            content("项目整体完成70%，其余正在推进。", &none, SelfStatus::Done),
            None,
        );
        assert!(
            c.warnings.iter().any(|w| w.contains("整体完成70%")),
            "{:?}",
            c.warnings
        );
        // The engine reads the deliverable as not finished; one warning names it.
        let c = live_check(
            "建成江山公园",
            content("江山公园整体完成70%", &none, SelfStatus::Done),
            None,
        );
        assert_eq!(c.verdict, "not_met");
        let about: Vec<_> = c.warnings.iter().filter(|w| w.contains("70%")).collect();
        assert_eq!(about.len(), 1, "{:?}", c.warnings);
        assert!(!c.spans.is_empty(), "the evidence is marked");
        // 序时推进 with the same text is consistent.
        let c = live_check(
            CARS,
            content("项目整体完成70%。", &none, SelfStatus::OnSchedule),
            None,
        );
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    }

    #[test]
    fn completion_percentages() {
        assert_eq!(completion_percents("整体完成70%"), vec![70.0]);
        assert_eq!(completion_percents("完成总工程量的85.5%"), vec![85.5]);
        assert_eq!(completion_percents("进度达100%"), vec![100.0]);
        assert!(completion_percents("同比增长18%").is_empty());
        assert!(completion_percents("完成").is_empty());
    }

    #[test]
    fn not_started_and_lagging_contradictions() {
        let none = serde_json::json!({});
        let c = live_check(
            CARS,
            content("场馆已开工，完成30%。", &none, SelfStatus::NotStarted),
            None,
        );
        assert!(!c.warnings.is_empty());
        let figures = serde_json::json!({ "1:进口整车": 6000 });
        let c = live_check(
            CARS,
            content("全年进口整车6000辆。", &figures, SelfStatus::Lagging),
            None,
        );
        assert!(
            c.warnings.iter().any(|w| w.contains("均已达成")),
            "{:?}",
            c.warnings
        );
        assert!(
            c.warnings.iter().any(|w| w.contains("滞后原因")),
            "{:?}",
            c.warnings
        );
    }

    #[test]
    fn figure_disagreeing_with_the_narrative_is_flagged() {
        let figures = serde_json::json!({ "1:进口整车": 4000 });
        let c = live_check(
            CARS,
            content("全年进口整车3808辆。", &figures, SelfStatus::Lagging),
            None,
        );
        assert!(
            c.warnings.iter().any(|w| w.contains("不一致")),
            "{:?}",
            c.warnings
        );
    }

    #[test]
    fn repeated_narratives() {
        let prev = "一是完成园区道路建设，二是引进企业3家，三是举办推介会2场。";
        assert_eq!(repetition(prev, prev), Some(Repetition::Identical));
        assert_eq!(
            repetition(
                "一是完成园区道路建设 二是引进企业3家 三是举办推介会2场",
                prev
            ),
            Some(Repetition::Identical)
        );
        match repetition(
            "一是完成园区道路建设，二是引进企业4家，三是举办推介会2场。",
            prev,
        ) {
            Some(Repetition::Near(p)) => assert!((NEAR_PERCENT..100).contains(&p)),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            repetition("本月新签约项目5个，总投资30亿元，开工2个。", prev),
            None
        );
        assert_eq!(repetition("", prev), None);
        assert_eq!(
            repetition("推进中", "推进中。"),
            Some(Repetition::Identical)
        );
        assert_eq!(repetition("推进中", "推进了"), None);
        let none = serde_json::json!({});
        let c = live_check(
            CARS,
            content(prev, &none, SelfStatus::OnSchedule),
            Some(Previous {
                round_name: "1月",
                narrative: prev,
            }),
        );
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains("1月") && w.contains("完全相同"))
        );
    }
}
