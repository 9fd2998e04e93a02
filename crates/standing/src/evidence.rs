//! Judging one piece of evidence — a narrative and the typed figures beside it — against a
//! task's targets. The live check runs it while a unit writes; the standing runs it on the
//! accepted report (or the imported progress) that speaks for the task.

use duban_assess::{aggregate, assess_text, parse_targets, task_explanation};
use duban_model::{Comparator, Target, Verdict};
use serde_json::Value;

use crate::figures::{field_for, fmt_num, goal_text, is_figure_target};

/// A typed figure that decided a target, as shown beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedFigure {
    /// The form field's label ("进口整车").
    pub label: String,
    /// The number with its unit ("3808辆").
    pub shown: String,
    /// The narrative's own figure for the same target when it differs from the typed one.
    pub narrative_differs: Option<String>,
}

/// Targets judged on one piece of evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    /// One per target, with its verdict, explanation and evidence span in the narrative.
    pub targets: Vec<Target>,
    /// Per target (same order): the typed figure that decided it, if one was typed.
    pub typed: Vec<Option<TypedFigure>>,
    pub verdict: Verdict,
    pub explanation: String,
}

/// Judges `narrative` and `figures` (a JSON object keyed by [`crate::FigureField::key`])
/// against `task_text`. A typed figure is the unit's formal answer: it decides its target,
/// and the narrative's span stays as the words shown beside it.
pub fn judge(task_text: &str, narrative: &str, figures: &Value) -> Judged {
    let assessment = assess_text(task_text, narrative);
    let parsed = parse_targets(task_text);
    let mut targets = assessment.targets;
    let mut typed = vec![None; targets.len()];
    let mut changed = false;
    for (i, t) in targets.iter_mut().enumerate() {
        let Some(p) = parsed.get(i).filter(|p| is_figure_target(p)) else {
            continue;
        };
        let field = field_for(i, p);
        let Some(v) = figures.get(&field.key).and_then(Value::as_f64) else {
            continue;
        };
        let goal = p.value.unwrap_or(0.0);
        let met = p.comparator.unwrap_or(Comparator::Ge).holds(v, goal);
        let shown = format!("{}{}", fmt_num(v), field.unit);
        let narrative_differs = t
            .evidence
            .as_ref()
            .filter(|e| {
                e.value.is_some_and(|ev| {
                    e.unit.as_deref() == Some(field.unit.as_str())
                        && (ev - v).abs() > 1e-9 * ev.abs().max(v.abs()).max(1.0)
                })
            })
            .map(|e| e.text.clone());
        t.verdict = if met { Verdict::Met } else { Verdict::NotMet };
        t.explanation = format!(
            "{}，填报{shown}，{}",
            goal_text(p),
            if met { "已达成" } else { "未达成" }
        );
        typed[i] = Some(TypedFigure {
            label: field.label,
            shown,
            narrative_differs,
        });
        changed = true;
    }
    let (verdict, explanation) = if changed {
        let verdicts: Vec<Verdict> = targets.iter().map(|t| t.verdict).collect();
        let v = aggregate(&verdicts);
        (v, task_explanation(v, &targets))
    } else {
        (assessment.verdict, assessment.explanation)
    };
    Judged {
        targets,
        typed,
        verdict,
        explanation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TASK: &str = "新增停车位5000个以上";

    #[test]
    fn the_narrative_decides_without_typed_figures() {
        let j = judge(TASK, "全年新增停车位5200个。", &json!({}));
        assert_eq!(j.verdict, Verdict::Met);
        assert!(j.typed.iter().all(Option::is_none));
        let e = j.targets[0].evidence.as_ref().expect("span");
        assert!(e.text.contains("5200"));
    }

    #[test]
    fn a_typed_figure_decides_its_target_and_flags_a_different_narrative() {
        let key = crate::figure_fields(TASK)[0].key.clone();
        let j = judge(TASK, "全年新增停车位5200个。", &json!({ key: 3808 }));
        assert_eq!(j.verdict, Verdict::NotMet);
        let t = j.typed[0].as_ref().expect("typed");
        assert_eq!(t.shown, "3808个");
        assert!(
            t.narrative_differs
                .as_deref()
                .unwrap_or("")
                .contains("5200")
        );
        assert!(j.explanation.starts_with("未达成"));
        assert!(j.explanation.contains("填报3808个"));
    }
}
