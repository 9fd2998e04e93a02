//! Dates named in Chinese titles and deadline cells: "2022年1-10月", "上半年", "前三季度",
//! "截至9月底", "2022年底", "6月底前", "(2013—2017年)".
//!
//! Pure text reading, shared by the readers (a table's as-of date from its title) and the
//! assessment (a task's deadline), so both read a period the same way.

use time::{Date, Month};

/// One date a text names, and whether it names more than a bare year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mention {
    date: Date,
    /// A month, quarter, half-year or day was named ("1-10月"), not only "2022年".
    specific: bool,
    /// Written after 截至/截止 ("截至9月底"): the as-of date itself.
    cutoff: bool,
    /// The first year of a range ("2013—2017年"), when one was written.
    range_start: Option<i32>,
}

fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

fn cn_small(c: char) -> Option<u32> {
    if c == '两' {
        return Some(2);
    }
    "一二三四五六七八九"
        .chars()
        .position(|x| x == c)
        .map(|i| i as u32 + 1)
}

/// A small number at `i` (Arabic, or Chinese up to 十二); returns (value, end).
fn small_number(c: &[char], i: usize) -> Option<(u32, usize)> {
    let mut j = i;
    let mut v = 0u32;
    while let Some(d) = c.get(j).copied().and_then(digit) {
        v = v.checked_mul(10)?.checked_add(d)?;
        j += 1;
    }
    if j > i {
        return Some((v, j));
    }
    // 十, 十一, 十二, 一 … 九
    match c.get(i).copied() {
        Some('十') => match c.get(i + 1).copied().and_then(cn_small) {
            Some(d) => Some((10 + d, i + 2)),
            None => Some((10, i + 1)),
        },
        Some(ch) => cn_small(ch).map(|d| (d, i + 1)),
        None => None,
    }
}

fn four_digit_year(c: &[char], i: usize) -> Option<(i32, usize)> {
    let ds: Vec<u32> = (0..4)
        .map_while(|k| c.get(i + k).copied().and_then(digit))
        .collect();
    if ds.len() != 4 || c.get(i + 4).copied().and_then(digit).is_some() {
        return None;
    }
    if i > 0 && c.get(i - 1).copied().and_then(digit).is_some() {
        return None;
    }
    let y = ds.iter().fold(0i32, |a, &d| a * 10 + d as i32);
    (1990..=2100).contains(&y).then_some((y, i + 4))
}

fn is_range_sep(ch: char) -> bool {
    matches!(ch, '-' | '—' | '－' | '–' | '~' | '～' | '至' | '到')
}

fn starts(c: &[char], i: usize, pat: &str) -> bool {
    (i..).zip(pat.chars()).all(|(k, p)| c.get(k) == Some(&p))
}

/// The last day of `month` in `year`.
pub fn month_end(year: i32, month: u8) -> Option<Date> {
    let m = Month::try_from(month).ok()?;
    Date::from_calendar_date(year, m, m.length(year)).ok()
}

/// Half-years and quarters: (words, the month they end in), longest first.
const SPANS: [(&str, u8); 22] = [
    ("前三季度", 9),
    ("前两季度", 6),
    ("第一季度", 3),
    ("第二季度", 6),
    ("第三季度", 9),
    ("第四季度", 12),
    ("一季度", 3),
    ("二季度", 6),
    ("三季度", 9),
    ("四季度", 12),
    ("1季度", 3),
    ("2季度", 6),
    ("3季度", 9),
    ("4季度", 12),
    ("上半年", 6),
    ("下半年", 12),
    ("年底", 12),
    ("年末", 12),
    ("年内", 12),
    ("全年", 12),
    ("年度", 12),
    ("底", 12),
];

/// Reads a month expression at `i` ("10月", "1-10月", "9月底", "12月25日", "十月");
/// returns (month, day, end).
fn month_at(c: &[char], i: usize) -> Option<(u8, Option<u8>, usize)> {
    let (a, mut j) = small_number(c, i)?;
    let mut month = a;
    if c.get(j).copied().is_some_and(is_range_sep) {
        let (b, k) = small_number(c, j + 1)?;
        if c.get(k) != Some(&'月') {
            return None;
        }
        month = b;
        j = k;
    } else if c.get(j) != Some(&'月') {
        return None;
    }
    if !(1..=12).contains(&month) {
        return None;
    }
    j += 1; // 月
    let mut day = None;
    if let Some((d, k)) = small_number(c, j)
        && matches!(c.get(k), Some('日' | '号'))
        && (1..=31).contains(&d)
    {
        day = Some(d as u8);
        j = k + 1;
    }
    Some((month as u8, day, j))
}

fn scan(text: &str, default_year: Option<i32>) -> Vec<Mention> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut cutoff_until = 0usize;
    while i < c.len() {
        if starts(&c, i, "截至") || starts(&c, i, "截止") {
            cutoff_until = i + 16;
        }
        let cutoff = i < cutoff_until;
        let mut year = None;
        let mut range_start = None;
        let mut j = i;
        if let Some((y, e)) = four_digit_year(&c, i) {
            // "2013—2017年": the range ends in its last year.
            if c.get(e).copied().is_some_and(is_range_sep)
                && let Some((y2, e2)) = four_digit_year(&c, e + 1)
                && c.get(e2) == Some(&'年')
            {
                range_start = Some(y);
                year = Some(y2);
                j = e2 + 1;
            } else if c.get(e) == Some(&'年') {
                year = Some(y);
                j = e + 1;
            } else {
                i = e;
                continue;
            }
        }
        let y = year.or(default_year);
        // What follows the year (or stands alone): a month, a span, or nothing.
        if let Some((m, d, e)) = month_at(&c, j) {
            let date = match d {
                Some(d) => Month::try_from(m)
                    .ok()
                    .and_then(|mm| y.and_then(|y| Date::from_calendar_date(y, mm, d).ok())),
                None => y.and_then(|y| month_end(y, m)),
            };
            if let Some(date) = date {
                out.push(Mention {
                    date,
                    specific: true,
                    cutoff,
                    range_start,
                });
            }
            i = e.max(i + 1);
            continue;
        }
        if let Some((w, m)) = SPANS
            .iter()
            .find(|(w, _)| starts(&c, j, w) && (year.is_some() || *w != "底"))
        {
            if let Some(date) = y.and_then(|y| month_end(y, *m)) {
                // 年底/全年 say no more than the year itself.
                let specific = *m != 12 || w.contains('季');
                out.push(Mention {
                    date,
                    specific,
                    cutoff,
                    range_start,
                });
            }
            i = j + w.chars().count();
            continue;
        }
        if let Some(y) = year {
            if let Some(date) = month_end(y, 12) {
                out.push(Mention {
                    date,
                    specific: false,
                    cutoff,
                    range_start,
                });
            }
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

/// The date a phrase starting exactly at `i` names, and where it ends: "2026年6月",
/// "9月底" (the month's end; the caller reads 底/中旬 after it), "12月25日", "一季度",
/// "上半年", "年底", "年中". A phrase without a year is in `default_year`.
pub(crate) fn date_at(c: &[char], i: usize, default_year: i32) -> Option<(Date, usize)> {
    let (year, j) = match four_digit_year(c, i) {
        Some((y, e)) if c.get(e) == Some(&'年') => (Some(y), e + 1),
        Some(_) => return None,
        None => (None, i),
    };
    let y = year.unwrap_or(default_year);
    if let Some((m, d, e)) = month_at(c, j) {
        let date = match d {
            Some(d) => Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()?,
            None => month_end(y, m)?,
        };
        return Some((date, e));
    }
    if starts(c, j, "年中") {
        return Some((month_end(y, 6)?, j + 2));
    }
    if let Some((w, m)) = SPANS
        .iter()
        .find(|(w, _)| starts(c, j, w) && (year.is_some() || *w != "底"))
    {
        return Some((month_end(y, *m)?, j + w.chars().count()));
    }
    // "2027年" alone: its end.
    year.and_then(|y| month_end(y, 12)).map(|d| (d, j))
}

/// The plan year a title names ("关于2022年区政府工作报告…" → 2022): its first year.
pub fn parse_year(text: &str) -> Option<i32> {
    scan(text, None).first().map(|m| m.date.year())
}

/// The date a title or period phrase speaks for: its period's last day ("1-10月" → 10月31日,
/// "上半年" → 6月30日, "前三季度" → 9月30日, "截至9月底" → 9月30日, "一季度" → 3月31日).
/// The year comes from the text, else from `year`. A bare year ("2022年…的报告") names no
/// period: `None`, unless the text says it speaks for the whole year (全年, 年度, 年底).
pub fn parse_as_of(text: &str, year: Option<i32>) -> Option<time::Date> {
    let ms = scan(text, year);
    if let Some(m) = ms.iter().find(|m| m.cutoff && m.specific) {
        return Some(m.date);
    }
    if let Some(m) = ms.iter().find(|m| m.specific) {
        return Some(m.date);
    }
    let whole = ["全年", "年度", "年底", "年末"]
        .iter()
        .any(|w| text.contains(w));
    ms.first().filter(|_| whole).map(|m| m.date)
}

/// Words that give a task no fixed deadline.
const OPEN_ENDED: [&str; 5] = ["长期", "持续", "常态", "每年", "逐年"];

/// A task's deadline from its 完成时限 cell (or a range in its text): "2022年底" → 2022-12-31,
/// "6月底" → 6月30日 of `plan_year`, "2023年" → 2023-12-31, "(2013—2017年)" → 2017-12-31.
/// The latest date named wins; "长期" / "持续推进" with no date → `None`.
pub fn parse_deadline(text: &str, plan_year: i32) -> Option<time::Date> {
    let ms = scan(text, Some(plan_year));
    if ms.is_empty() && OPEN_ENDED.iter().any(|w| text.contains(w)) {
        return None;
    }
    ms.iter().map(|m| m.date).max()
}

/// The year a task's own text sets it due: the end of a range ("(2013—2017年)"), or a year
/// after 到/至 or before 前 ("到2025年", "2024年底前"). Base years ("较2020年") are not.
pub fn due_year(text: &str) -> Option<i32> {
    let c: Vec<char> = text.chars().collect();
    let mut due = None;
    for m in scan(text, None) {
        if m.range_start.is_some() {
            due = due.max(Some(m.date.year()));
        }
    }
    for i in 0..c.len() {
        let Some((y, e)) = four_digit_year(&c, i) else {
            continue;
        };
        let before = i.checked_sub(1).and_then(|k| c.get(k)).copied();
        let after: String = c
            .get(e..(e + 4).min(c.len()))
            .unwrap_or(&[])
            .iter()
            .collect();
        let by = matches!(before, Some('到' | '至'));
        let ahead = after.starts_with("年前")
            || after.starts_with("年底前")
            || after.starts_with("年年底前");
        if by || ahead {
            due = due.max(Some(y));
        }
    }
    due
}

/// The first year of a multi-year range a text names ("2013—2017年" → 2013), if any.
pub fn range_start_year(text: &str) -> Option<i32> {
    // Most task texts name no year at all: skip the scan.
    if !text.contains('年') {
        return None;
    }
    scan(text, None).iter().find_map(|m| m.range_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u8, day: u8) -> Date {
        Date::from_calendar_date(y, Month::try_from(m).unwrap(), day).unwrap()
    }

    #[test]
    fn as_of_from_titles() {
        assert_eq!(
            parse_as_of("某县2022年1-10月重点任务完成情况表", None),
            Some(d(2022, 10, 31))
        );
        assert_eq!(
            parse_as_of("1—11月推进情况", Some(2021)),
            Some(d(2021, 11, 30))
        );
        assert_eq!(
            parse_as_of("某市2023年上半年重点任务进展", None),
            Some(d(2023, 6, 30))
        );
        assert_eq!(
            parse_as_of("前三季度工作进展", Some(2020)),
            Some(d(2020, 9, 30))
        );
        assert_eq!(
            parse_as_of("截至9月底完成情况", Some(2019)),
            Some(d(2019, 9, 30))
        );
        assert_eq!(
            parse_as_of("2024年一季度督查通报", None),
            Some(d(2024, 3, 31))
        );
        assert_eq!(parse_as_of("2024年第二季度", None), Some(d(2024, 6, 30)));
        assert_eq!(parse_as_of("2023年1-2月", None), Some(d(2023, 2, 28)));
        assert_eq!(parse_as_of("2024年1-2月", None), Some(d(2024, 2, 29)));
        assert_eq!(
            parse_as_of("截至2019年12月25日", None),
            Some(d(2019, 12, 25))
        );
        assert_eq!(parse_as_of("1-10月", None), None, "no year known");
        assert_eq!(
            parse_as_of("关于2022年区政府工作报告重点任务完成情况的报告", None),
            None
        );
        assert_eq!(
            parse_as_of("2022年全年重点任务完成情况", None),
            Some(d(2022, 12, 31))
        );
    }

    #[test]
    fn deadlines() {
        assert_eq!(parse_deadline("2022年底", 2022), Some(d(2022, 12, 31)));
        assert_eq!(parse_deadline("2022年年底前", 2021), Some(d(2022, 12, 31)));
        assert_eq!(parse_deadline("6月底", 2022), Some(d(2022, 6, 30)));
        assert_eq!(parse_deadline("6月底前", 2020), Some(d(2020, 6, 30)));
        assert_eq!(parse_deadline("2023年", 2022), Some(d(2023, 12, 31)));
        assert_eq!(parse_deadline("2023年6月", 2022), Some(d(2023, 6, 30)));
        assert_eq!(parse_deadline("年底前", 2022), Some(d(2022, 12, 31)));
        assert_eq!(parse_deadline("三季度", 2022), Some(d(2022, 9, 30)));
        assert_eq!(parse_deadline("长期", 2022), None);
        assert_eq!(parse_deadline("持续推进", 2022), None);
        assert_eq!(
            parse_deadline("通村公路(2013—2017年)", 2015),
            Some(d(2017, 12, 31))
        );
        assert_eq!(range_start_year("通村公路(2013—2017年)"), Some(2013));
        assert_eq!(due_year("通村公路(2013—2017年)"), Some(2017));
        assert_eq!(due_year("到2025年，建成公园20个"), Some(2025));
        assert_eq!(due_year("2024年底前完成改造"), Some(2024));
        assert_eq!(due_year("牙椅数较2022年增加5%"), None);
        assert_eq!(parse_year("关于2022年区政府工作报告重点任务"), Some(2022));
    }
}
