//! Judging one piece of evidence — a narrative and the typed figures beside it — against a
//! task's targets. The live check runs it while a unit writes; the standing runs it on the
//! accepted report (or the imported progress) that speaks for the task.

use duban_assess::{Period, assess_with_figures, parse_targets};
use duban_model::{Schedule, Target, Verdict};
use serde_json::Value;

use crate::figures::{field_for, fmt_num, is_figure_target};

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
    /// Before the deadline: ahead of, on or behind schedule.
    pub schedule: Option<Schedule>,
}

/// Judges `narrative` and `figures` (a JSON object keyed by [`crate::FigureField::key`])
/// against `task_text`, as of `period` (`None`: at or after the deadline). A typed figure is
/// the unit's formal answer: the engine judges it as it would a figure in the text, and the
/// narrative's span stays as the words shown beside it.
pub fn judge(task_text: &str, narrative: &str, figures: &Value, period: Option<Period>) -> Judged {
    let parsed = parse_targets(task_text);
    let mut typed = vec![None; parsed.len().max(1)];
    let mut typed_figures = Vec::new();
    for (i, p) in parsed.iter().enumerate() {
        if !is_figure_target(p) {
            continue;
        }
        let field = field_for(i, p);
        let Some(v) = figures.get(&field.key).and_then(Value::as_f64) else {
            continue;
        };
        let shown = format!("{}{}", fmt_num(v), field.unit);
        typed_figures.push(duban_assess::TypedFigure {
            target: i,
            value: v,
            shown: shown.clone(),
        });
        typed[i] = Some(TypedFigure {
            label: field.label,
            shown,
            narrative_differs: None,
        });
    }
    let a = assess_with_figures(task_text, narrative, &typed_figures, period);
    for tf in &typed_figures {
        let (Some(t), Some(Some(f))) = (a.targets.get(tf.target), typed.get_mut(tf.target)) else {
            continue;
        };
        // The narrative's own figure for the target, when it says otherwise.
        f.narrative_differs = t
            .evidence
            .as_ref()
            .filter(|e| {
                e.value.is_some_and(|ev| {
                    t.unit.is_some()
                        && e.unit == t.unit
                        && (ev - tf.value).abs() > 1e-9 * ev.abs().max(tf.value.abs()).max(1.0)
                })
            })
            .map(|e| e.text.clone());
    }
    typed.truncate(a.targets.len());
    Judged {
        targets: a.targets,
        typed,
        verdict: a.verdict,
        explanation: a.explanation,
        schedule: a.schedule,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TASK: &str = "新增停车位5000个以上";

    #[test]
    fn the_narrative_decides_without_typed_figures() {
        let j = judge(TASK, "全年新增停车位5200个。", &json!({}), None);
        assert_eq!(j.verdict, Verdict::Met);
        assert!(j.typed.iter().all(Option::is_none));
        let e = j.targets[0].evidence.as_ref().expect("span");
        assert!(e.text.contains("5200"));
    }

    #[test]
    fn before_the_deadline_a_typed_figure_is_judged_against_the_time_elapsed() {
        let key = crate::figure_fields(TASK)[0].key.clone();
        let date = |m, d| time::Date::from_calendar_date(2026, m, d).expect("date");
        let october = Some(duban_assess::Period {
            as_of: date(time::Month::October, 31),
            deadline: date(time::Month::December, 31),
            milestone: None,
            stage: None,
        });
        // 90% done at 83% of the year: on schedule, not yet confirmable.
        let j = judge(
            TASK,
            "新增停车位4500个。",
            &json!({ key.clone(): 4500 }),
            october,
        );
        assert_eq!(j.verdict, Verdict::Unverifiable);
        assert_eq!(j.schedule, Some(Schedule::OnTrack));
        assert!(j.explanation.contains("截至10月底"), "{}", j.explanation);
        // 40% done: behind.
        let j = judge(
            TASK,
            "新增停车位2000个。",
            &json!({ key.clone(): 2000 }),
            october,
        );
        assert_eq!(j.verdict, Verdict::NotMet);
        assert_eq!(j.schedule, Some(Schedule::Lagging));
        // Already reached.
        let j = judge(TASK, "新增停车位5100个。", &json!({ key: 5100 }), october);
        assert_eq!(j.verdict, Verdict::Met);
    }

    #[test]
    fn a_typed_figure_decides_its_target_and_flags_a_different_narrative() {
        let key = crate::figure_fields(TASK)[0].key.clone();
        let j = judge(TASK, "全年新增停车位5200个。", &json!({ key: 3808 }), None);
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
