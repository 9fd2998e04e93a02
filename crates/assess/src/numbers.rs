//! Numbers as Chinese reports write them: Arabic and full-width digits, thousands
//! separators, decimals, Chinese numerals, 万/亿 multipliers and approximation marks.

use crate::units::{self, Unit};

/// A number read from a whole string.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number {
    pub value: f64,
    /// Written with 余/多/近/约/左右…: the figure is not exact.
    pub approx: bool,
}

/// A number with its measure word, read from a whole string ("1.48万平方米").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantity {
    /// Normalised to the unit's base: 1.48万平方米 → 14800 平方米, 26亿元 → 2.6e9 元.
    pub value: f64,
    pub approx: bool,
    pub unit: Option<Unit>,
}

/// A number found inside a text, with its place in chars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NumToken {
    /// First char of the figure (after any sign or approximation prefix).
    pub start: usize,
    /// End of the figure itself, before the unit.
    pub num_end: usize,
    /// End of the unit, or `num_end` when there is none.
    pub end: usize,
    /// Value after multipliers (万, 亿) but before the unit's factor.
    pub raw: f64,
    /// Upper end of a range ("3-5个"), after multipliers.
    pub upper: Option<f64>,
    pub approx: bool,
    pub negative: bool,
    pub chinese: bool,
    /// Half of the last written digit's place, in normalised units: the rounding slack.
    pub half_ulp: f64,
    pub unit: Option<Unit>,
}

impl NumToken {
    /// The value in the unit's base (14800 for 1.48万平方米), signed.
    pub fn value(&self) -> f64 {
        let v = self.raw * self.unit.map_or(1.0, |u| u.factor);
        if self.negative { -v } else { v }
    }
}

pub(crate) fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

fn cn_digit(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn cn_small_unit(c: char) -> Option<u64> {
    match c {
        '十' => Some(10),
        '百' => Some(100),
        '千' => Some(1000),
        _ => None,
    }
}

pub(crate) fn is_cn_numeral(c: char) -> bool {
    cn_digit(c).is_some() || cn_small_unit(c).is_some() || matches!(c, '万' | '亿' | '半')
}

/// Parses a run of Chinese numeral chars ("一百零五", "十万", "二〇二二", "半").
pub fn parse_chinese_numeral(s: &[char]) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    if s == ['半'] {
        return Some(0.5);
    }
    if s.contains(&'半') {
        return None;
    }
    // "二〇二二" style: digits only, read positionally.
    if s.len() > 1 && s.iter().all(|&c| cn_digit(c).is_some()) {
        let mut v: f64 = 0.0;
        for &c in s {
            v = v * 10.0 + cn_digit(c)? as f64;
        }
        return Some(v);
    }
    let mut total: f64 = 0.0; // completed 亿 groups
    let mut wan: f64 = 0.0; // completed 万 group below the last 亿
    let mut section: f64 = 0.0; // below 万
    let mut digit: Option<u64> = None;
    for &c in s {
        if let Some(d) = cn_digit(c) {
            if digit.is_some() && d != 0 {
                // Two digits in a row inside a positional number: not canonical.
                return None;
            }
            digit = if d == 0 { None } else { Some(d) };
        } else if let Some(u) = cn_small_unit(c) {
            // A bare 十 ("十五") means one ten.
            let d = digit.take().unwrap_or(if u == 10 { 1 } else { 0 });
            if d == 0 {
                return None;
            }
            section += (d * u) as f64;
        } else if c == '万' {
            let part = section + digit.take().unwrap_or(0) as f64;
            if part == 0.0 {
                return None;
            }
            wan += part * 1e4;
            section = 0.0;
        } else if c == '亿' {
            let part = wan + section + digit.take().unwrap_or(0) as f64;
            if part == 0.0 {
                return None;
            }
            total = (total + part) * 1e8;
            wan = 0.0;
            section = 0.0;
        } else {
            return None;
        }
    }
    Some(total + wan + section + digit.unwrap_or(0) as f64)
}

const APPROX_PREFIXES: [&str; 8] = ["将近", "大约", "接近", "超过", "近", "约", "逾", "超"];

fn starts_with_at(chars: &[char], at: usize, pat: &str) -> bool {
    let mut i = at;
    for p in pat.chars() {
        match chars.get(i) {
            Some(&c) if c == p => i += 1,
            _ => return false,
        }
    }
    true
}

fn ends_with_at(chars: &[char], end: usize, pat: &str) -> bool {
    let n = pat.chars().count();
    end >= n && starts_with_at(chars, end - n, pat)
}

/// Reads an Arabic figure at `i`: digits, thousands commas, a decimal point.
/// Returns (value, end, decimals).
fn read_arabic(chars: &[char], i: usize) -> Option<(f64, usize, i32)> {
    let mut j = i;
    let mut int_part: f64 = 0.0;
    let mut any = false;
    while let Some(&c) = chars.get(j) {
        if let Some(d) = digit_value(c) {
            int_part = int_part * 10.0 + d as f64;
            any = true;
            j += 1;
        } else if c == ','
            && any
            && (1..=3).all(|k| chars.get(j + k).and_then(|&c| digit_value(c)).is_some())
            && chars.get(j + 4).and_then(|&c| digit_value(c)).is_none()
        {
            j += 1;
        } else {
            break;
        }
    }
    if !any {
        return None;
    }
    let mut decimals = 0;
    let mut value = int_part;
    if matches!(chars.get(j), Some('.') | Some('．'))
        && chars.get(j + 1).and_then(|&c| digit_value(c)).is_some()
    {
        j += 1;
        let mut scale = 0.1;
        while let Some(d) = chars.get(j).and_then(|&c| digit_value(c)) {
            value += d as f64 * scale;
            scale /= 10.0;
            decimals += 1;
            j += 1;
        }
    }
    Some((value, j, decimals))
}

/// Multipliers written after Arabic digits ("1.48万", "338.91亿", "1.2千万").
fn read_multipliers(chars: &[char], mut j: usize) -> (f64, usize, bool) {
    let mut m = 1.0;
    let mut approx = false;
    loop {
        match chars.get(j) {
            Some('余') | Some('多') if !approx => {
                approx = true;
                j += 1;
            }
            Some('十') => {
                m *= 10.0;
                j += 1;
            }
            Some('百') => {
                m *= 100.0;
                j += 1;
            }
            Some('千') => {
                // "千米" is a unit, not a multiplier.
                if chars.get(j + 1) == Some(&'米') {
                    break;
                }
                m *= 1e3;
                j += 1;
            }
            Some('万') => {
                m *= 1e4;
                j += 1;
            }
            Some('亿') => {
                m *= 1e8;
                j += 1;
            }
            _ => break,
        }
    }
    (m, j, approx)
}

/// Reads one figure (Arabic or Chinese) at `i` with its multipliers and 余/多.
/// Returns (raw value, end, approx, chinese, half_ulp before unit).
fn read_figure(chars: &[char], i: usize) -> Option<(f64, usize, bool, bool, f64)> {
    if let Some((v, j, decimals)) = read_arabic(chars, i) {
        let (m, k, approx) = read_multipliers(chars, j);
        let half_ulp = 0.5 * 10f64.powi(-decimals) * m;
        return Some((v * m, k, approx, false, half_ulp));
    }
    let mut j = i;
    while chars.get(j).is_some_and(|&c| is_cn_numeral(c)) {
        j += 1;
    }
    if j == i {
        return None;
    }
    let run = chars.get(i..j)?;
    // "十余万": 余 may sit inside the run before 万/亿.
    let mut approx = false;
    let mut end = j;
    let mut value = parse_chinese_numeral(run)?;
    if matches!(chars.get(j), Some('余') | Some('多')) {
        approx = true;
        end = j + 1;
        let (m, k, _) = read_multipliers(chars, end);
        value *= m;
        end = k;
    }
    Some((value, end, approx, true, 0.5))
}

/// Finds every figure in `chars`, with its unit when one follows.
///
/// Ordinals (第5), codes glued to Latin letters (5G, PM2.5, T3#) are skipped; Chinese
/// numerals are kept only when a measure word follows, so words like 一体 are not numbers.
pub fn scan_numbers(chars: &[char]) -> Vec<NumToken> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let arabic = digit_value(c).is_some();
        let chinese = !arabic && is_cn_numeral(c);
        if !arabic && !chinese {
            i += 1;
            continue;
        }
        let prev = if i > 0 {
            chars.get(i - 1).copied()
        } else {
            None
        };
        let Some((raw, end, mut approx, is_cn, half)) = read_figure(chars, i) else {
            i += 1;
            continue;
        };
        let next = chars.get(end).copied();
        let glued = prev.is_some_and(|p| p.is_ascii_alphabetic() || p == '.' || p == '#')
            || next.is_some_and(|n| n.is_ascii_alphabetic() || n == '#');
        let ordinal = prev == Some('第');
        if glued || ordinal || end == i {
            i = end.max(i + 1);
            continue;
        }
        // A range: "3-5个", "1—11月", "2至3家".
        let mut upper = None;
        let mut fig_end = end;
        if let Some(&sep) = chars.get(end)
            && matches!(sep, '-' | '—' | '~' | '～' | '至' | '－')
            && chars
                .get(end + 1)
                .is_some_and(|&n| digit_value(n).is_some())
            && !is_cn
            && let Some((u, e2, a2, _, _)) = read_figure(chars, end + 1)
        {
            upper = Some(u);
            approx |= a2;
            fig_end = e2;
        }
        let unit = units::match_unit(chars, fig_end);
        if is_cn && unit.is_none() {
            i = end;
            continue;
        }
        for p in APPROX_PREFIXES {
            if ends_with_at(chars, i, p) {
                approx = true;
                break;
            }
        }
        let mut after = fig_end + unit.map_or(0, |u| u.len);
        if let Some(u) = unit
            && units::is_count(u)
            && !approx
            && matches!(chars.get(after), Some('余') | Some('多'))
        {
            // "90余家" is written before the measure word; "30余场" after it rarely.
            approx = true;
            after += 1;
        }
        let negative = matches!(prev, Some('-') | Some('－'))
            && !(i >= 2 && chars.get(i - 2).is_some_and(|&c| digit_value(c).is_some()));
        let factor = unit.map_or(1.0, |u| u.factor);
        out.push(NumToken {
            start: i,
            num_end: fig_end,
            end: after,
            raw,
            upper,
            approx,
            negative,
            chinese: is_cn,
            half_ulp: half * factor,
            unit,
        });
        i = fig_end.max(i + 1);
    }
    out
}

/// Parses a whole string as one number: "1.48万", "338.91亿", "十余", "近400余万", "１２３".
/// Surrounding spaces are ignored; any other text makes it `None`.
pub fn parse_number(s: &str) -> Option<Number> {
    let chars: Vec<char> = s.trim().chars().collect();
    let mut i = 0;
    let mut approx = false;
    for p in APPROX_PREFIXES {
        if starts_with_at(&chars, 0, p) {
            i = p.chars().count();
            approx = true;
            break;
        }
    }
    let mut negative = false;
    if matches!(chars.get(i), Some('-') | Some('－') | Some('负')) {
        negative = true;
        i += 1;
    }
    let (v, mut end, a, _, _) = read_figure(&chars, i)?;
    approx |= a;
    if starts_with_at(&chars, end, "左右") {
        approx = true;
        end += 2;
    }
    if end != chars.len() {
        return None;
    }
    Some(Number {
        value: if negative { -v } else { v },
        approx,
    })
}

/// Parses a whole string as a number with an optional measure word: "3万人", "26亿元", "15%".
pub fn parse_quantity(s: &str) -> Option<Quantity> {
    let chars: Vec<char> = s.trim().chars().collect();
    let toks = scan_numbers(&chars);
    let t = toks.first()?;
    let lead_ok = chars
        .get(..t.start)
        .is_some_and(|p| p.iter().all(|c| "近约逾超过大将接-－负".contains(*c)));
    let mut end = t.end;
    if starts_with_at(&chars, end, "左右") {
        end += 2;
    }
    if toks.len() != 1 || !lead_ok || end != chars.len() {
        return None;
    }
    let approx = t.approx || end != t.end;
    Some(Quantity {
        value: t.value(),
        approx,
        unit: t.unit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> f64 {
        parse_number(s).map(|n| n.value).unwrap_or(f64::NAN)
    }

    #[test]
    fn arabic_forms() {
        assert_eq!(n("3808"), 3808.0);
        assert_eq!(n("1,234,567"), 1_234_567.0);
        assert_eq!(n("１２３"), 123.0);
        assert!((n("1.48万") - 14800.0).abs() < 1e-6);
        assert!((n("338.91亿") - 3.3891e10).abs() < 1.0);
        assert_eq!(n("-2.6"), -2.6);
        assert!(parse_number("12abc").is_none());
    }

    #[test]
    fn chinese_forms() {
        assert_eq!(n("十"), 10.0);
        assert_eq!(n("十五"), 15.0);
        assert_eq!(n("一百零五"), 105.0);
        assert_eq!(n("一千零一十"), 1010.0);
        assert_eq!(n("两万"), 20000.0);
        assert_eq!(n("三亿五千万"), 350_000_000.0);
        assert_eq!(n("二〇二二"), 2022.0);
        assert_eq!(n("半"), 0.5);
        assert!(parse_number("一二三十").is_none());
    }

    #[test]
    fn approximations_are_flagged() {
        let x = parse_number("十余").unwrap();
        assert_eq!(x.value, 10.0);
        assert!(x.approx);
        let y = parse_number("近400余万").unwrap();
        assert_eq!(y.value, 4_000_000.0);
        assert!(y.approx);
        assert!(!parse_number("400").unwrap().approx);
    }

    #[test]
    fn quantities_normalise() {
        let q = parse_quantity("1.48万平方米").unwrap();
        assert!((q.value - 14800.0).abs() < 1e-6);
        assert_eq!(q.unit.map(|u| u.base), Some("平方米"));
        let m = parse_quantity("26亿元").unwrap();
        assert!((m.value - 2.6e9).abs() < 1.0);
        assert_eq!(m.unit.map(|u| u.base), Some("元"));
        let k = parse_quantity("125公里").unwrap();
        assert_eq!(k.value, 125_000.0);
        let p = parse_quantity("2个百分点").unwrap();
        assert_eq!(p.unit.map(|u| u.base), Some("个百分点"));
        let f = parse_quantity("十余家").unwrap();
        assert!(f.approx);
        assert_eq!(f.value, 10.0);
    }

    #[test]
    fn scanning_skips_codes_and_ordinals() {
        let c: Vec<char> = "新建5G基站821个，PM2.5达标，第5名，T3#楼".chars().collect();
        let t = scan_numbers(&c);
        let vals: Vec<f64> = t
            .iter()
            .filter(|t| t.unit.is_some())
            .map(|t| t.value())
            .collect();
        assert_eq!(vals, vec![821.0]);
    }

    #[test]
    fn scanning_reads_ranges_negatives_and_approx() {
        let c: Vec<char> = "1-11月增长-2.6%，入驻企业90余家".chars().collect();
        let t = scan_numbers(&c);
        assert_eq!(t[0].upper, Some(11.0));
        assert!(t[1].negative);
        assert_eq!(t[1].value(), -2.6);
        assert!(t[2].approx);
        assert_eq!(t[2].value(), 90.0);
    }
}
