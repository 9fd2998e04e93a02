//! How pages print times and dates: China Standard Time, the way offices write them.

/// "2026-11-03 14:05" in China Standard Time.
pub fn fmt_time(t: time::OffsetDateTime) -> String {
    let cst = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let t = t.to_offset(cst);
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute()
    )
}
