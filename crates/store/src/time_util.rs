use time::OffsetDateTime;

pub(crate) fn to_unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// Stored times come from this crate; a value out of range (hand-edited database) reads as
/// the epoch rather than failing the whole page.
pub(crate) fn from_unix(s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

pub(crate) fn from_unix_opt(s: Option<i64>) -> Option<OffsetDateTime> {
    s.map(from_unix)
}
