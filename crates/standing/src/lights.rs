//! The red/amber/green light of a task (红黄绿灯) and the rule that set it.
//!
//! A pure function of what is known now ([`LightInput`]), so it is unit-tested here; the web
//! service gathers the facts (one standings query per page, plus the plan's open notices and
//! refused extensions) and the documents read the same rules.
//!
//! Rules, checked in this order; every rule that holds is kept as a reason, and the first
//! one sets the light (so red always beats amber):
//!
//! 1. 红 `overdue` — the current open round's due date has passed (end of that day, China
//!    Standard Time) and a lead unit's report has not reached the office.
//! 2. 红 `not_met` — the final verdict is 未完成 (the office's override, else the
//!    office's, else the machine's); or, while the office has not overridden, the machine
//!    judges 未完成 from the figures.
//! 3. 红 `not_started` — the newest report says 未启动: a year's key task that has not
//!    started is as urgent as a missed one.
//! 4. 红 `notice_overdue` — a supervision notice (督办单) still unanswered past its deadline.
//! 5. 红 `milestone_missed` — a milestone (时间节点) whose date has passed while the task,
//!    judged on evidence for that date or later, is behind (滞后).
//! 6. 黄 `disputed` — the office's and the machine's verdicts disagree.
//! 7. 黄 `lagging` — the newest report says 滞后.
//! 8. 黄 `returned` — a report was returned and not yet resubmitted.
//! 9. 黄 `extension_refused` — the task's newest extension request (延期申请) was refused.
//! 10. 黄 `notice_open` — a supervision notice is open (issued, not yet closed).
//!
//! No rule → 绿. A task closed out (办结销号) is 绿 `closed` whatever the rules say.

use duban_model::SelfStatus;
use duban_model::Verdict;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    Red,
    Amber,
    Green,
}

impl Color {
    pub fn as_str(self) -> &'static str {
        match self {
            Color::Red => "red",
            Color::Amber => "amber",
            Color::Green => "green",
        }
    }

    pub fn parse(s: &str) -> Option<Color> {
        [Color::Red, Color::Amber, Color::Green]
            .into_iter()
            .find(|c| c.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Color::Red => "红",
            Color::Amber => "黄",
            Color::Green => "绿",
        }
    }
}

/// The current open round, as the lights need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRound {
    pub name: String,
    /// ISO date, "2026-11-25".
    pub due_date: String,
}

/// Everything a light is computed from. Optional fields are facts a caller may not have
/// gathered; `None` means "unknown", and their rules do not fire.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LightInput {
    /// Today in China Standard Time, ISO "YYYY-MM-DD" (compares as a string).
    pub today: String,
    pub open_round: Option<OpenRound>,
    /// Lead units whose report for the open round has not reached the office.
    pub unsubmitted: i64,
    /// The effective verdict (override, else the office's, else the machine's).
    pub verdict: Option<Verdict>,
    pub machine_verdict: Option<Verdict>,
    /// The office's override, when it made one.
    pub final_verdict: Option<Verdict>,
    pub disputed: bool,
    pub latest_self_status: Option<SelfStatus>,
    /// Reports returned and not resubmitted.
    pub returned: i64,
    /// Supervision notices unanswered past their deadline.
    pub overdue_notices: Option<i64>,
    /// Open supervision notices.
    pub open_notices: Option<i64>,
    /// Whether the newest extension request was refused.
    pub extension_refused: Option<bool>,
    /// The close-out date (办结销号) of a closed task.
    pub closed_on: Option<String>,
    /// The milestone missed ("2026-06-30 完成3000辆"), when one is.
    pub missed_milestone: Option<String>,
}

/// One rule that holds, with its text ("红：本轮报告已逾期（截止2026-11-25）").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub color: Color,
    pub rule: &'static str,
    pub text: String,
}

/// A task's light: its colour, the rule that set it, and every other rule that holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Light {
    pub color: Color,
    /// "红：本轮报告已逾期（截止2026-11-25）"; for green, what green means.
    pub text: String,
    pub rule: &'static str,
    pub reasons: Vec<Reason>,
}

impl Light {
    /// The light as one string, for keeping it beside the task (the store's `task_lights`):
    /// a JSON array of `[color, rule, text]`, the deciding rule first, then every reason.
    pub fn encode(&self) -> String {
        let mut parts = vec![(self.color.as_str(), self.rule, self.text.as_str())];
        parts.extend(
            self.reasons
                .iter()
                .map(|r| (r.color.as_str(), r.rule, r.text.as_str())),
        );
        serde_json::to_string(&parts).unwrap_or_default()
    }

    /// A light kept by [`Light::encode`]; `None` for anything else (a row written before
    /// lights were kept whole, or by a version with rules this one does not know).
    pub fn decode(kept: &str) -> Option<Light> {
        let parts: Vec<(String, String, String)> = serde_json::from_str(kept).ok()?;
        let mut parts = parts.into_iter().map(|(c, r, t)| {
            Some(Reason {
                color: Color::parse(&c)?,
                rule: static_rule(&r)?,
                text: t,
            })
        });
        let first = parts.next()??;
        let reasons = parts.collect::<Option<Vec<Reason>>>()?;
        Some(Light {
            color: first.color,
            text: first.text,
            rule: first.rule,
            reasons,
        })
    }
}

/// The rule names [`light`] can give: those in the legend and the two green ones.
fn static_rule(name: &str) -> Option<&'static str> {
    RULES
        .iter()
        .map(|r| r.rule)
        .chain(["closed", "ok"])
        .find(|r| *r == name)
}

/// One rule as people read it in a legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub color: Color,
    pub rule: &'static str,
    /// "本轮报告逾期".
    pub label: &'static str,
}

/// Every rule [`light`] applies, in its order, for legends: pages print this list rather
/// than their own wording, so a legend cannot disagree with the lights (a test checks each
/// rule `light` can give is here).
pub const RULES: &[Rule] = &[
    Rule {
        color: Color::Red,
        rule: "overdue",
        label: "本轮报告逾期",
    },
    Rule {
        color: Color::Red,
        rule: "not_met",
        label: "结论为未完成",
    },
    Rule {
        color: Color::Red,
        rule: "not_started",
        label: "自评未启动",
    },
    Rule {
        color: Color::Red,
        rule: "notice_overdue",
        label: "督办单逾期未办结",
    },
    Rule {
        color: Color::Red,
        rule: "milestone_missed",
        label: "时间节点未完成",
    },
    Rule {
        color: Color::Amber,
        rule: "disputed",
        label: "督查办与机器判断不一致",
    },
    Rule {
        color: Color::Amber,
        rule: "lagging",
        label: "自评滞后",
    },
    Rule {
        color: Color::Amber,
        rule: "returned",
        label: "报告退回未重报",
    },
    Rule {
        color: Color::Amber,
        rule: "extension_refused",
        label: "延期申请未获同意",
    },
    Rule {
        color: Color::Amber,
        rule: "notice_open",
        label: "督办单在办",
    },
];

/// The legend in one sentence: "规则依次为：本轮报告逾期、…（红）；…（黄）；其余为绿。A task
/// that meets several rules takes the first."
pub fn legend_zh() -> String {
    let of = |c: Color| {
        RULES
            .iter()
            .filter(|r| r.color == c)
            .map(|r| r.label)
            .collect::<Vec<_>>()
            .join("、")
    };
    format!(
        "规则依次为：{}（红）；{}（黄）；其余为绿，已办结销号的任务不再亮红黄灯。同时符合几条规则的任务按最先一条亮灯，红灯优先于黄灯。",
        of(Color::Red),
        of(Color::Amber)
    )
}

fn reason(color: Color, rule: &'static str, what: String) -> Reason {
    Reason {
        color,
        rule,
        text: format!("{}：{what}", color.label_zh()),
    }
}

pub fn light(i: &LightInput) -> Light {
    // A closed task is done with: its light says so and no rule can turn it red again
    // until the office reopens it.
    if let Some(on) = &i.closed_on {
        return Light {
            color: Color::Green,
            text: format!("已办结：{on}销号"),
            rule: "closed",
            reasons: Vec::new(),
        };
    }
    let mut reasons = Vec::new();
    if let Some(r) = &i.open_round
        && i.unsubmitted > 0
        && i.today.as_str() > r.due_date.as_str()
    {
        reasons.push(reason(
            Color::Red,
            "overdue",
            format!("本轮报告已逾期（截止{}）", r.due_date),
        ));
    }
    if i.verdict == Some(Verdict::NotMet) {
        reasons.push(reason(Color::Red, "not_met", "结论为未完成".into()));
    } else if i.final_verdict.is_none() && i.machine_verdict == Some(Verdict::NotMet) {
        reasons.push(reason(Color::Red, "not_met", "机器核对为未完成".into()));
    }
    if i.latest_self_status == Some(SelfStatus::NotStarted) {
        reasons.push(reason(
            Color::Red,
            "not_started",
            "最近一次填报自评为未启动".into(),
        ));
    }
    if let Some(n) = i.overdue_notices.filter(|n| *n > 0) {
        reasons.push(reason(
            Color::Red,
            "notice_overdue",
            format!("督办单逾期未办结{n}件"),
        ));
    }
    if let Some(m) = &i.missed_milestone {
        reasons.push(reason(
            Color::Red,
            "milestone_missed",
            format!("未完成时间节点（{m}）"),
        ));
    }
    if i.disputed {
        reasons.push(reason(
            Color::Amber,
            "disputed",
            "督查办与机器判断不一致".into(),
        ));
    }
    if i.latest_self_status == Some(SelfStatus::Lagging) {
        reasons.push(reason(
            Color::Amber,
            "lagging",
            "最近一次填报自评为滞后".into(),
        ));
    }
    if i.returned > 0 {
        reasons.push(reason(
            Color::Amber,
            "returned",
            "报告被退回，尚未重新报送".into(),
        ));
    }
    if i.extension_refused == Some(true) {
        reasons.push(reason(
            Color::Amber,
            "extension_refused",
            "延期申请未获同意".into(),
        ));
    }
    if let Some(n) = i.open_notices.filter(|n| *n > 0) {
        reasons.push(reason(
            Color::Amber,
            "notice_open",
            format!("有{n}件督办单在办"),
        ));
    }
    // Reasons were pushed rule by rule; red rules come first in the order above, but a
    // stable sort keeps that true if rules are added out of place.
    reasons.sort_by_key(|r| r.color);
    match reasons.first() {
        Some(first) => Light {
            color: first.color,
            text: first.text.clone(),
            rule: first.rule,
            reasons,
        },
        None => Light {
            color: Color::Green,
            text: "绿：按时报送，无未完成、分歧、滞后或退回".into(),
            rule: "ok",
            reasons,
        },
    }
}

/// Today's date in China Standard Time, ISO.
pub fn today_cst() -> String {
    let cst = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let d = time::OffsetDateTime::now_utc().to_offset(cst).date();
    format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> LightInput {
        LightInput {
            today: "2026-11-28".into(),
            open_round: Some(OpenRound {
                name: "11月".into(),
                due_date: "2026-11-25".into(),
            }),
            verdict: Some(Verdict::Met),
            machine_verdict: Some(Verdict::Met),
            ..LightInput::default()
        }
    }

    #[test]
    fn the_legend_names_every_rule_a_light_can_give_in_its_order() {
        // Each fact alone, on an otherwise green task.
        let mut cases: Vec<LightInput> = Vec::new();
        let mut i = base();
        i.unsubmitted = 1;
        cases.push(i);
        let mut i = base();
        i.verdict = Some(Verdict::NotMet);
        cases.push(i);
        let mut i = base();
        i.latest_self_status = Some(SelfStatus::NotStarted);
        cases.push(i);
        let mut i = base();
        i.overdue_notices = Some(1);
        cases.push(i);
        let mut i = base();
        i.missed_milestone = Some("2026-06-30 完成3000辆".into());
        cases.push(i);
        let mut i = base();
        i.disputed = true;
        cases.push(i);
        let mut i = base();
        i.latest_self_status = Some(SelfStatus::Lagging);
        cases.push(i);
        let mut i = base();
        i.returned = 1;
        cases.push(i);
        let mut i = base();
        i.extension_refused = Some(true);
        cases.push(i);
        let mut i = base();
        i.open_notices = Some(1);
        cases.push(i);
        let given: Vec<(Color, &str)> = cases
            .iter()
            .map(|c| {
                let l = light(c);
                (l.color, l.rule)
            })
            .collect();
        let listed: Vec<(Color, &str)> = RULES.iter().map(|r| (r.color, r.rule)).collect();
        assert_eq!(given, listed);
        // All facts at once: the first rule of the table wins.
        let mut all = base();
        all.unsubmitted = 1;
        all.disputed = true;
        all.open_notices = Some(2);
        assert_eq!(light(&all).rule, RULES[0].rule);
        let legend = legend_zh();
        for r in RULES {
            assert!(legend.contains(r.label), "{} missing", r.label);
        }
    }

    #[test]
    fn a_missed_milestone_is_red_and_named() {
        let mut i = base();
        i.missed_milestone = Some("2026-06-30 完成3000辆".into());
        let l = light(&i);
        assert_eq!(l.color, Color::Red);
        assert_eq!(l.rule, "milestone_missed");
        assert_eq!(l.text, "红：未完成时间节点（2026-06-30 完成3000辆）");
    }

    #[test]
    fn nothing_wrong_is_green() {
        let l = light(&base());
        assert_eq!(l.color, Color::Green);
        assert!(l.reasons.is_empty());
        assert!(l.text.starts_with("绿："));
    }

    #[test]
    fn a_closed_task_is_never_red() {
        let mut i = base();
        i.unsubmitted = 1;
        i.verdict = Some(Verdict::NotMet);
        i.closed_on = Some("2026-11-20".into());
        let l = light(&i);
        assert_eq!(l.color, Color::Green);
        assert_eq!(l.rule, "closed");
        assert_eq!(l.text, "已办结：2026-11-20销号");
    }

    #[test]
    fn an_overdue_report_is_red_with_the_due_date() {
        let mut i = base();
        i.unsubmitted = 1;
        let l = light(&i);
        assert_eq!(l.color, Color::Red);
        assert_eq!(l.rule, "overdue");
        assert_eq!(l.text, "红：本轮报告已逾期（截止2026-11-25）");
        // On the due date itself it is not late yet.
        i.today = "2026-11-25".into();
        assert_eq!(light(&i).color, Color::Green);
        // Nor without an open round.
        i.today = "2026-11-28".into();
        i.open_round = None;
        assert_eq!(light(&i).color, Color::Green);
    }

    #[test]
    fn not_met_is_red_and_the_override_silences_the_machine() {
        let mut i = base();
        i.machine_verdict = Some(Verdict::NotMet);
        assert_eq!(light(&i).rule, "not_met");
        assert_eq!(light(&i).text, "红：机器核对为未完成");
        i.final_verdict = Some(Verdict::Met);
        assert_eq!(light(&i).color, Color::Green);
        i.verdict = Some(Verdict::NotMet);
        i.final_verdict = Some(Verdict::NotMet);
        assert_eq!(light(&i).text, "红：结论为未完成");
    }

    #[test]
    fn amber_rules_and_red_beats_amber() {
        let mut i = base();
        i.disputed = true;
        assert_eq!(
            (light(&i).color, light(&i).rule),
            (Color::Amber, "disputed")
        );
        let mut i = base();
        i.latest_self_status = Some(SelfStatus::Lagging);
        assert_eq!(light(&i).rule, "lagging");
        let mut i = base();
        i.returned = 1;
        assert_eq!(light(&i).rule, "returned");
        i.latest_self_status = Some(SelfStatus::NotStarted);
        let l = light(&i);
        assert_eq!((l.color, l.rule), (Color::Red, "not_started"));
        assert_eq!(
            l.reasons.iter().map(|r| r.rule).collect::<Vec<_>>(),
            vec!["not_started", "returned"]
        );
        i.latest_self_status = Some(SelfStatus::OnSchedule);
        i.returned = 0;
        assert_eq!(light(&i).color, Color::Green);
    }

    #[test]
    fn a_kept_light_reads_back_whole() {
        let mut i = base();
        i.returned = 1;
        i.latest_self_status = Some(SelfStatus::NotStarted);
        i.unsubmitted = 2;
        i.today = "2026-11-30".into();
        let mut green = base();
        green.closed_on = Some("2026-10-01".into());
        for l in [light(&i), light(&base()), light(&green)] {
            assert_eq!(Light::decode(&l.encode()), Some(l));
        }
        assert_eq!(Light::decode(""), None);
        assert_eq!(Light::decode(r#"[["red","no_such_rule","红：某"]]"#), None);
        assert_eq!(Light::decode(r#"[["purple","overdue","红：某"]]"#), None);
        assert_eq!(Light::decode("[]"), None);
    }

    #[test]
    fn future_rules_fire_only_when_known() {
        let mut i = base();
        i.open_notices = Some(0);
        i.extension_refused = Some(false);
        assert_eq!(light(&i).color, Color::Green);
        i.open_notices = Some(2);
        assert_eq!(light(&i).text, "黄：有2件督办单在办");
        i.extension_refused = Some(true);
        assert_eq!(light(&i).rule, "extension_refused");
        i.overdue_notices = Some(1);
        assert_eq!(light(&i).color, Color::Red);
    }
}
