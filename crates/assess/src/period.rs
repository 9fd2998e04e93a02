//! The period a report speaks for: its as-of date against a task's deadline, and how much
//! of the time to the deadline has gone.

use time::{Date, Month};

pub use duban_model::period::{parse_as_of, parse_deadline};

/// A report written before a task's deadline: judged as of `as_of`, due by `deadline`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Period {
    pub as_of: Date,
    pub deadline: Date,
    /// The task's latest milestone (时间节点) at or before `as_of`, when it names a figure:
    /// the office's own schedule, which replaces the linear share of time for a quantity.
    pub milestone: Option<Milestone>,
    /// The task's latest stage milestone (开工 / 主体完工 / 建成投用) at or before `as_of`:
    /// the text must say the stage is reached.
    pub stage: Option<StageMilestone>,
}

/// A dated stage of a task ("9月底主体完工").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageMilestone {
    pub due: Date,
    /// One of [`duban_model::STAGES`].
    pub stage: &'static str,
}

/// A dated step of a task with the figure due by then ("6月底 2500辆").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Milestone {
    pub due: Date,
    pub value: f64,
}

impl Period {
    /// This period with the latest of `milestones` (due date, figure) at or before its
    /// as-of date; later ones are not yet due and leave the linear share in force.
    pub fn with_milestones(mut self, milestones: &[(Date, f64)]) -> Period {
        self.milestone = milestones
            .iter()
            .filter(|(due, _)| *due <= self.as_of)
            .max_by_key(|(due, _)| *due)
            .map(|(due, value)| Milestone {
                due: *due,
                value: *value,
            });
        self
    }

    /// This period with the latest of `stages` (due date, stage) at or before its as-of
    /// date; a stage not among [`duban_model::STAGES`] is ignored.
    pub fn with_stages(mut self, stages: &[(Date, &str)]) -> Period {
        self.stage = stages
            .iter()
            .filter(|(due, _)| *due <= self.as_of)
            .filter_map(|(due, s)| {
                duban_model::STAGES
                    .iter()
                    .find(|k| *k == s)
                    .map(|stage| StageMilestone { due: *due, stage })
            })
            .max_by_key(|m| m.due);
        self
    }
}

/// The period a task is judged in: `None` when no as-of date is known or the report
/// speaks for the deadline or later (the deadline defaults to the end of the plan year,
/// else of the as-of date's year). An open-ended deadline ("长期") is judged as at year end.
pub fn period_for(
    as_of: Option<Date>,
    deadline_text: Option<&str>,
    plan_year: Option<i32>,
) -> Option<Period> {
    let as_of = as_of?;
    let year = plan_year.unwrap_or(as_of.year());
    let year_end = Date::from_calendar_date(year, Month::December, 31).ok()?;
    let deadline = match deadline_text.map(str::trim).filter(|s| !s.is_empty()) {
        Some(t) => parse_deadline(t, year).unwrap_or(year_end),
        None => year_end,
    };
    (as_of < deadline).then_some(Period {
        as_of,
        deadline,
        milestone: None,
        stage: None,
    })
}

impl Period {
    /// The share of the time from the start of the work to the deadline that has gone,
    /// in percent, linear: the start is 1 January of `start_year`, else of the deadline's
    /// year (a one-year task), else of the as-of year.
    pub fn elapsed(&self, start_year: Option<i32>) -> f64 {
        let start_year = start_year
            .unwrap_or(self.deadline.year())
            .min(self.as_of.year());
        let Ok(start) = Date::from_calendar_date(start_year, Month::January, 1) else {
            return 0.0;
        };
        let total = (self.deadline - start).whole_days() + 1;
        let gone = (self.as_of - start).whole_days() + 1;
        if total <= 0 {
            return 100.0;
        }
        (gone as f64 * 100.0 / total as f64).clamp(0.0, 100.0)
    }

    /// "截至10月底" / "截至6月20日": how the explanation names the as-of date.
    pub fn phrase(&self) -> String {
        let m = u8::from(self.as_of.month());
        if self.as_of.day() == self.as_of.month().length(self.as_of.year()) {
            format!("截至{m}月底")
        } else {
            format!("截至{m}月{}日", self.as_of.day())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u8, day: u8) -> Date {
        Date::from_calendar_date(y, Month::try_from(m).unwrap(), day).unwrap()
    }

    #[test]
    fn periods_before_the_deadline_only() {
        let p = period_for(Some(d(2022, 10, 31)), None, Some(2022)).unwrap();
        assert_eq!(p.deadline, d(2022, 12, 31));
        assert!((p.elapsed(None) - 83.29).abs() < 0.1, "{}", p.elapsed(None));
        assert_eq!(p.phrase(), "截至10月底");
        assert!(period_for(Some(d(2022, 12, 31)), None, Some(2022)).is_none());
        assert!(period_for(None, Some("2022年底"), Some(2022)).is_none());
        assert!(period_for(Some(d(2022, 10, 31)), Some("6月底"), Some(2022)).is_none());
        let p = period_for(Some(d(2022, 3, 31)), Some("6月底"), Some(2022)).unwrap();
        assert!((p.elapsed(None) - 49.7).abs() < 0.5);
        let p = period_for(Some(d(2022, 10, 31)), Some("长期"), None).unwrap();
        assert_eq!(p.deadline, d(2022, 12, 31));
    }

    #[test]
    fn multi_year_targets_count_from_their_first_year() {
        let p = period_for(Some(d(2015, 6, 30)), Some("(2013—2017年)"), Some(2015)).unwrap();
        let e = p.elapsed(Some(2013));
        assert!((e - 49.9).abs() < 0.5, "{e}");
    }
}
