use serde::{Deserialize, Serialize};

/// Where a task stands against the time elapsed, for a report written before its
/// deadline (a part-year document or round). `None` on a task means the report speaks for
/// the deadline or later, so the plain verdict says it all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// Clearly ahead of the time elapsed (超序时).
    Ahead,
    /// About where the time elapsed says it should be (序时推进).
    OnTrack,
    /// Behind: the text says so, or the figure is clearly behind the time elapsed (滞后).
    Lagging,
}

impl Schedule {
    pub const ALL: [Schedule; 3] = [Schedule::Ahead, Schedule::OnTrack, Schedule::Lagging];

    /// The stable identifier used in JSON and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Schedule::Ahead => "ahead",
            Schedule::OnTrack => "on_track",
            Schedule::Lagging => "lagging",
        }
    }

    /// Parses the stable identifier back.
    pub fn parse(s: &str) -> Option<Schedule> {
        Schedule::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Schedule::Ahead => "超序时",
            Schedule::OnTrack => "序时推进",
            Schedule::Lagging => "滞后",
        }
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Optional dates as "YYYY-MM-DD" in JSON (the check contract's form; `time`'s own serde
/// form is a tuple).
pub mod ymd_opt {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn format(d: Date) -> String {
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    }

    /// Parses "YYYY-MM-DD".
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.trim().splitn(3, '-');
        let y: i32 = it.next()?.parse().ok()?;
        let m: u8 = it.next()?.parse().ok()?;
        let d: u8 = it.next()?.parse().ok()?;
        Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
    }

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&format(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s {
            None => Ok(None),
            Some(s) => parse(&s)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("不是YYYY-MM-DD日期：{s}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_labels() {
        for s in Schedule::ALL {
            assert_eq!(Schedule::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(Schedule::OnTrack.label(), "序时推进");
        assert_eq!(Schedule::Ahead.label(), "超序时");
        assert_eq!(Schedule::Lagging.label(), "滞后");
    }

    #[test]
    fn dates_round_trip_as_iso() {
        let d = ymd_opt::parse("2022-10-31").unwrap();
        assert_eq!(ymd_opt::format(d), "2022-10-31");
        assert!(ymd_opt::parse("2022-02-30").is_none());
    }
}
