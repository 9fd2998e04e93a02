//! Cell references and how a stored value reads on screen.
use super::styles::NumKind;

/// Parses "B12" into (column, row), both 1-based.
pub(super) fn parse_ref(r: &str) -> Option<(u32, u32)> {
    let split = r.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = r.split_at(split);
    let col = column(letters)?;
    let row = digits.parse::<u32>().ok().filter(|&n| n > 0)?;
    Some((col, row))
}

/// Excel's last column, XFD.
pub(super) const MAX_COL: u32 = 16_384;

/// "A" → 1, "AB" → 28; past XFD is not a column.
fn column(letters: &str) -> Option<u32> {
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut n: u32 = 0;
    for b in letters.bytes() {
        if !b.is_ascii_alphabetic() {
            return None;
        }
        n = n * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1);
    }
    Some(n).filter(|&n| n <= MAX_COL)
}

/// Parses "A1:C3" into ((col, row), (col, row)), ordered.
pub(super) fn parse_range(r: &str) -> Option<((u32, u32), (u32, u32))> {
    let (a, b) = r.split_once(':')?;
    let (c1, r1) = parse_ref(a.trim_start_matches('$').replace('$', "").as_str())?;
    let (c2, r2) = parse_ref(b.trim_start_matches('$').replace('$', "").as_str())?;
    Some(((c1.min(c2), r1.min(r2)), (c1.max(c2), r1.max(r2))))
}

/// A stored number as Excel shows it in a General-like cell: at most 15 significant
/// digits, no trailing ".0".
pub(crate) fn number(raw: &str, kind: NumKind, date1904: bool) -> String {
    let Ok(v) = raw.trim().parse::<f64>() else {
        return raw.to_string();
    };
    if !v.is_finite() {
        return raw.to_string();
    }
    match kind {
        NumKind::General => general(v),
        NumKind::Percent => format!("{}%", general(v * 100.0)),
        NumKind::Date { chinese, day } => date(v, date1904)
            .map(|(y, m, d)| match (chinese, day) {
                (true, true) => format!("{y}年{m}月{d}日"),
                (true, false) => format!("{y}年{m}月"),
                (false, true) => format!("{y}/{m}/{d}"),
                (false, false) => format!("{y}/{m}"),
            })
            .unwrap_or_else(|| general(v)),
    }
}

pub(crate) fn general(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        // The guard above keeps the value inside i64's exact range.
        return format!("{}", v as i64);
    }
    // Round to 15 significant digits as Excel does, then print the shortest form.
    let rounded: f64 = format!("{v:.14e}").parse().unwrap_or(v);
    format!("{rounded}")
}

/// Converts an Excel serial date into (year, month, day).
fn date(serial: f64, date1904: bool) -> Option<(i64, u32, u32)> {
    if !(0.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let whole = serial.floor() as i64;
    let days_from_epoch = if date1904 {
        // In the 1904 system serial 0 is 1904-01-01 and there is no phantom leap day.
        whole + days_from_civil(1904, 1, 1)
    } else {
        // Excel counts 1900-02-29, which never existed; serials from 61 on are offset by it.
        let base = days_from_civil(1899, 12, 31);
        if whole >= 60 {
            whole - 1 + base
        } else {
            whole + base
        }
    };
    Some(civil_from_days(days_from_epoch))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_and_ranges() {
        assert_eq!(parse_ref("A1"), Some((1, 1)));
        assert_eq!(parse_ref("AB12"), Some((28, 12)));
        assert_eq!(parse_ref("XFD1048576"), Some((16384, 1_048_576)));
        assert_eq!(parse_ref("12"), None);
        assert_eq!(parse_ref("XFE1"), None);
        assert_eq!(parse_ref("A0"), None);
        assert_eq!(parse_range("C3:A1"), Some(((1, 1), (3, 3))));
        assert_eq!(parse_range("$A$1:$B$2"), Some(((1, 1), (2, 2))));
    }

    #[test]
    fn numbers_read_as_excel_shows_them() {
        assert_eq!(number("5000", NumKind::General, false), "5000");
        assert_eq!(number("5000.0", NumKind::General, false), "5000");
        assert_eq!(number("40.4", NumKind::General, false), "40.4");
        assert_eq!(
            number("0.30000000000000004", NumKind::General, false),
            "0.3"
        );
        assert_eq!(number("0.404", NumKind::Percent, false), "40.4%");
        assert_eq!(number("abc", NumKind::General, false), "abc");
    }

    #[test]
    fn serial_dates() {
        let cn = NumKind::Date {
            chinese: true,
            day: true,
        };
        assert_eq!(number("44926", cn, false), "2022年12月31日");
        let plain = NumKind::Date {
            chinese: false,
            day: true,
        };
        assert_eq!(number("1", plain, false), "1900/1/1");
        assert_eq!(number("61", plain, false), "1900/3/1");
        assert_eq!(number("0", plain, true), "1904/1/1");
    }
}
