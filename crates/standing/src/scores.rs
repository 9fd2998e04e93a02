//! 考核: a unit's score for a reporting round from weighted rules the office sets per plan.
//!
//! Three parts earn points in proportion to a rate — reports submitted on time, reports not
//! returned, and met tasks among those the unit reported on — and two kinds of fact deduct a
//! fixed number of points each: tasks whose light is red, and supervision notices past their
//! deadline unanswered. The default weights make a 100-point scale. Pure: the store gathers
//! the counts, the pages and the bulletin show the result with its breakdown.

use serde::{Deserialize, Serialize};

/// The weights, stored per plan. Rates earn up to their weight; deductions are per item.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScoreRules {
    /// Points for submitting every owed report by the due date.
    pub on_time: f64,
    /// Points for having no submitted report returned.
    pub not_returned: f64,
    /// Points for every reported task being met.
    pub met: f64,
    /// Points taken off per task of the unit whose light is red.
    pub per_red_light: f64,
    /// Points taken off per supervision notice past its deadline unanswered.
    pub per_overdue_notice: f64,
}

impl Default for ScoreRules {
    fn default() -> Self {
        ScoreRules {
            on_time: 40.0,
            not_returned: 20.0,
            met: 40.0,
            per_red_light: 2.0,
            per_overdue_notice: 5.0,
        }
    }
}

/// The most any one weight may be: keeps a typo (4000) from dwarfing the other rules.
pub const MAX_WEIGHT: f64 = 100.0;

impl ScoreRules {
    /// The full score: the sum of the three rate weights.
    pub fn full_marks(&self) -> f64 {
        self.on_time + self.not_returned + self.met
    }

    /// Checks the weights, naming the first wrong one in Chinese.
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("按时报送分值", self.on_time),
            ("未被退回分值", self.not_returned),
            ("达标率分值", self.met),
            ("每项红灯扣分", self.per_red_light),
            ("每份逾期督办单扣分", self.per_overdue_notice),
        ] {
            if !v.is_finite() || !(0.0..=MAX_WEIGHT).contains(&v) {
                return Err(format!("{name}须在0到{MAX_WEIGHT}之间"));
            }
        }
        if self.full_marks() <= 0.0 {
            return Err("按时报送、未被退回、达标率三项分值不能都为0".into());
        }
        Ok(())
    }
}

/// What a unit did in one round, as counted by the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ScoreInput {
    /// Reports owed (tasks it leads in the round).
    pub owed: i64,
    /// Reports that reached the office.
    pub submitted: i64,
    /// Of those, by the due date.
    pub on_time: i64,
    /// Of those, returned at least once.
    pub returned: i64,
    /// Tasks it reported on in the round.
    pub reported: i64,
    /// Of those, met (final standing).
    pub reported_met: i64,
    /// Its tasks whose light is red.
    pub red_lights: i64,
    /// Its notices past their deadline without an answer.
    pub overdue_notices: i64,
}

/// One rule's share of a score, as the breakdown shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreLine {
    /// "按时报送".
    pub rule: &'static str,
    /// The count behind it: "3/4", "红灯2项".
    pub basis: String,
    /// Points earned (negative for a deduction), to one decimal.
    pub points: f64,
}

/// A unit's score and how it was reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// Never below 0; to one decimal.
    pub total: f64,
    pub lines: Vec<ScoreLine>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `part / whole` as a share of `weight`; a rate over nothing earns the weight when nothing
/// was asked (`owed_nothing`) and nothing otherwise.
fn share(weight: f64, part: i64, whole: i64, owed_nothing: bool) -> f64 {
    if whole <= 0 {
        return if owed_nothing { weight } else { 0.0 };
    }
    weight * (part.clamp(0, whole) as f64 / whole as f64)
}

/// The score of one unit in one round under `rules`.
pub fn score(rules: &ScoreRules, i: &ScoreInput) -> Score {
    let none_owed = i.owed <= 0;
    let on_time = share(rules.on_time, i.on_time, i.owed, none_owed);
    let kept = (i.submitted - i.returned).max(0);
    let not_returned = share(rules.not_returned, kept, i.submitted, none_owed);
    let met = share(rules.met, i.reported_met, i.reported, none_owed);
    let red = rules.per_red_light * i.red_lights.max(0) as f64;
    let overdue = rules.per_overdue_notice * i.overdue_notices.max(0) as f64;
    let lines = vec![
        ScoreLine {
            rule: "按时报送",
            basis: format!("{}/{}", i.on_time, i.owed),
            points: round1(on_time),
        },
        ScoreLine {
            rule: "未被退回",
            basis: format!("{kept}/{}", i.submitted),
            points: round1(not_returned),
        },
        ScoreLine {
            rule: "已报任务达标",
            basis: format!("{}/{}", i.reported_met, i.reported),
            points: round1(met),
        },
        ScoreLine {
            rule: "红灯扣分",
            basis: format!("{}项", i.red_lights),
            points: -round1(red),
        },
        ScoreLine {
            rule: "逾期督办单扣分",
            basis: format!("{}份", i.overdue_notices),
            points: -round1(overdue),
        },
    ];
    let total = round1((on_time + not_returned + met - red - overdue).max(0.0));
    Score { total, lines }
}

impl Score {
    /// The breakdown on one line: "按时报送 40（4/4）；未被退回 15（3/4）；…".
    pub fn breakdown(&self) -> String {
        self.lines
            .iter()
            .filter(|l| l.points != 0.0 || !l.rule.ends_with("扣分"))
            .map(|l| format!("{} {}（{}）", l.rule, fmt_points(l.points), l.basis))
            .collect::<Vec<_>>()
            .join("；")
    }
}

/// Points as printed: "40", "37.5", "-4".
pub fn fmt_points(p: f64) -> String {
    let p = round1(p);
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ScoreInput {
        ScoreInput {
            owed: 4,
            submitted: 4,
            on_time: 3,
            returned: 1,
            reported: 4,
            reported_met: 2,
            red_lights: 1,
            overdue_notices: 0,
        }
    }

    #[test]
    fn defaults_make_a_hundred_point_scale() {
        let r = ScoreRules::default();
        assert_eq!(r.full_marks(), 100.0);
        assert!(r.validate().is_ok());
        let perfect = ScoreInput {
            owed: 5,
            submitted: 5,
            on_time: 5,
            reported: 5,
            reported_met: 5,
            ..Default::default()
        };
        assert_eq!(score(&r, &perfect).total, 100.0);
    }

    #[test]
    fn each_rule_earns_its_share_and_deductions_subtract() {
        let s = score(&ScoreRules::default(), &input());
        // 40·3/4 + 20·3/4 + 40·2/4 − 2·1 = 30 + 15 + 20 − 2.
        assert_eq!(s.total, 63.0);
        let points: Vec<f64> = s.lines.iter().map(|l| l.points).collect();
        assert_eq!(points, vec![30.0, 15.0, 20.0, -2.0, 0.0]);
        assert_eq!(s.lines[0].basis, "3/4");
        assert_eq!(
            s.breakdown(),
            "按时报送 30（3/4）；未被退回 15（3/4）；已报任务达标 20（2/4）；红灯扣分 -2（1项）"
        );
    }

    #[test]
    fn met_rate_counts_only_reported_tasks() {
        // Two of four owed reported, both met: the met part is full, on time is half.
        let i = ScoreInput {
            owed: 4,
            submitted: 2,
            on_time: 2,
            reported: 2,
            reported_met: 2,
            ..Default::default()
        };
        let s = score(&ScoreRules::default(), &i);
        assert_eq!(s.lines[2].points, 40.0);
        assert_eq!(s.lines[0].points, 20.0);
    }

    #[test]
    fn a_unit_that_sent_nothing_earns_nothing_and_never_goes_below_zero() {
        let i = ScoreInput {
            owed: 3,
            red_lights: 10,
            overdue_notices: 4,
            ..Default::default()
        };
        let s = score(&ScoreRules::default(), &i);
        assert_eq!(s.total, 0.0);
        assert_eq!(s.lines[3].points, -20.0);
        assert_eq!(s.lines[4].points, -20.0);
    }

    #[test]
    fn nothing_owed_earns_the_rates_in_full() {
        let s = score(&ScoreRules::default(), &ScoreInput::default());
        assert_eq!(s.total, 100.0);
    }

    #[test]
    fn weights_change_the_score() {
        let rules = ScoreRules {
            on_time: 60.0,
            not_returned: 0.0,
            met: 40.0,
            per_red_light: 0.0,
            per_overdue_notice: 10.0,
        };
        let mut i = input();
        i.overdue_notices = 1;
        // 60·3/4 + 0 + 40·2/4 − 10 = 45 + 20 − 10.
        assert_eq!(score(&rules, &i).total, 55.0);
    }

    #[test]
    fn thirds_round_to_one_decimal() {
        let i = ScoreInput {
            owed: 3,
            submitted: 3,
            on_time: 1,
            reported: 3,
            reported_met: 3,
            ..Default::default()
        };
        let s = score(&ScoreRules::default(), &i);
        assert_eq!(s.lines[0].points, 13.3);
        assert_eq!(s.total, 73.3);
        assert_eq!(fmt_points(13.33), "13.3");
        assert_eq!(fmt_points(40.0), "40");
    }

    #[test]
    fn bad_weights_are_named() {
        let mut r = ScoreRules {
            met: -1.0,
            ..Default::default()
        };
        assert_eq!(r.validate().unwrap_err(), "达标率分值须在0到100之间");
        r.met = f64::NAN;
        assert!(r.validate().is_err());
        let zero = ScoreRules {
            on_time: 0.0,
            not_returned: 0.0,
            met: 0.0,
            ..Default::default()
        };
        assert!(zero.validate().unwrap_err().contains("不能都为0"));
        r = ScoreRules::default();
        r.per_overdue_notice = 150.0;
        assert!(r.validate().unwrap_err().starts_with("每份逾期督办单扣分"));
    }
}
