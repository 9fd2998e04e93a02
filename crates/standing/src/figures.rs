//! A report's typed figures: one number field per quantitative target of the task, keyed so
//! the key stays the same as long as the task text does. The report form, the live check and
//! the standing all read figures through these keys.

use duban_assess::{ParsedTarget, parse_targets};
use duban_model::{Comparator, TargetKind};
use serde::Serialize;

/// One number field of the report form, for one quantitative target of the task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureField {
    /// Index of the target among the task's parsed targets (0-based); the form field is
    /// `fig{index}`.
    pub index: usize,
    /// Key in a report's figures: the 1-based target number and its metric ("1:进口整车").
    pub key: String,
    /// What to type ("进口整车", "技术合同登记额增速").
    pub label: String,
    /// The unit the number is read in ("辆", "%", "平方米").
    pub unit: String,
    /// The target as a comparison ("目标≥5000辆").
    pub goal: String,
    /// Extra guidance ("下降填负数").
    pub hint: Option<String>,
}

/// A figure as people write it: at most two decimals, no trailing zeros, never "-0".
pub fn fmt_num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

pub(crate) fn is_figure_target(t: &ParsedTarget) -> bool {
    matches!(
        t.kind,
        TargetKind::Quantity | TargetKind::Growth | TargetKind::Share
    ) && t.value.is_some()
}

pub(crate) fn goal_text(t: &ParsedTarget) -> String {
    let cmp = t.comparator.unwrap_or(Comparator::Ge).symbol();
    let unit = t.unit.map(|u| u.base).unwrap_or("");
    format!("目标{cmp}{}{unit}", fmt_num(t.value.unwrap_or(0.0)))
}

pub(crate) fn field_for(index: usize, t: &ParsedTarget) -> FigureField {
    let metric = t.metric.clone().unwrap_or_else(|| t.text.clone());
    let unit = t.unit.map(|u| u.base).unwrap_or("").to_string();
    let (label, hint) = match t.kind {
        TargetKind::Growth => (
            format!("{metric}增速"),
            Some("与上年同期比，下降填负数".to_string()),
        ),
        _ => (metric.clone(), None),
    };
    FigureField {
        index,
        key: format!("{}:{metric}", index + 1),
        label,
        unit,
        goal: goal_text(t),
        hint,
    }
}

/// The number fields a task's report form needs: one per quantity, growth or share target.
pub fn figure_fields(task_text: &str) -> Vec<FigureField> {
    parse_targets(task_text)
        .iter()
        .enumerate()
        .filter(|(_, t)| is_figure_target(t))
        .map(|(i, t)| field_for(i, t))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_field_per_figure_target_with_a_stable_key() {
        let f = figure_fields("进口整车5000辆以上，建成江山公园");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].index, 0);
        assert!(f[0].key.starts_with("1:"));
        assert_eq!(f[0].unit, "辆");
        assert_eq!(f[0].goal, "目标≥5000辆");
    }

    #[test]
    fn numbers_print_as_written() {
        assert_eq!(fmt_num(3808.0), "3808");
        assert_eq!(fmt_num(12.50), "12.5");
        assert_eq!(fmt_num(-0.0001), "0");
    }
}
