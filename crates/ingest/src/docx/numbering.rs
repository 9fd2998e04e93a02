//! Word's automatic list numbering, recomputed the way Word shows it.
//!
//! Ledger tables number their rows with a numbered list in the 序号 column, so the digits are
//! not in the text at all. To recover them we read numbering.xml (list definitions and their
//! start values) and styles.xml (styles that carry a list), then count numbered paragraphs in
//! document order.
use std::collections::HashMap;

use quick_xml::events::Event;

use crate::IngestError;
use crate::zipsafe::{SafeZip, attr, xml_error};

const LEVELS: usize = 9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fmt {
    Decimal,
    DecimalZero,
    Chinese,
    UpperLetter,
    LowerLetter,
    UpperRoman,
    LowerRoman,
    Circled,
    Ideograph,
    /// Bullets and "none" show no number and do not count.
    NoNumber,
}

impl Fmt {
    fn parse(v: &str) -> Fmt {
        match v {
            "decimalZero" => Fmt::DecimalZero,
            "chineseCounting"
            | "chineseCountingThousand"
            | "japaneseCounting"
            | "ideographDigital"
            | "taiwaneseCounting"
            | "taiwaneseCountingThousand" => Fmt::Chinese,
            "upperLetter" => Fmt::UpperLetter,
            "lowerLetter" => Fmt::LowerLetter,
            "upperRoman" => Fmt::UpperRoman,
            "lowerRoman" => Fmt::LowerRoman,
            "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" => Fmt::Circled,
            "ideographTraditional" => Fmt::Ideograph,
            "bullet" | "none" => Fmt::NoNumber,
            _ => Fmt::Decimal,
        }
    }

    fn render(self, n: i64) -> String {
        match self {
            Fmt::Decimal | Fmt::NoNumber => n.to_string(),
            Fmt::DecimalZero if (0..10).contains(&n) => format!("0{n}"),
            Fmt::DecimalZero => n.to_string(),
            Fmt::Chinese => chinese(n),
            Fmt::UpperLetter => letters(n).to_ascii_uppercase(),
            Fmt::LowerLetter => letters(n),
            Fmt::UpperRoman => roman(n),
            Fmt::LowerRoman => roman(n).to_ascii_lowercase(),
            Fmt::Circled => u32::try_from(n)
                .ok()
                .filter(|v| (1..=20).contains(v))
                .and_then(|v| char::from_u32(0x2460 + v - 1))
                .map(String::from)
                .unwrap_or_else(|| n.to_string()),
            Fmt::Ideograph => {
                const STEMS: [&str; 10] =
                    ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"];
                n.checked_sub(1)
                    .and_then(|i| usize::try_from(i).ok())
                    .and_then(|i| STEMS.get(i))
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| n.to_string())
            }
        }
    }
}

fn chinese(n: i64) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let digit = |d: i64| {
        usize::try_from(d)
            .ok()
            .and_then(|i| DIGITS.get(i))
            .copied()
            .unwrap_or("")
    };
    match n {
        0..=9 => digit(n).to_string(),
        10..=19 => format!("十{}", if n % 10 == 0 { "" } else { digit(n % 10) }),
        20..=99 => format!(
            "{}十{}",
            digit(n / 10),
            if n % 10 == 0 { "" } else { digit(n % 10) }
        ),
        _ => n.to_string(),
    }
}

fn letters(n: i64) -> String {
    if n < 1 {
        return n.to_string();
    }
    // Word repeats the letter past z: aa, bb, …
    let times = usize::try_from((n - 1) / 26 + 1).unwrap_or(1).min(100);
    let c = char::from(b'a' + u8::try_from((n - 1) % 26).unwrap_or(0));
    std::iter::repeat_n(c, times).collect()
}

fn roman(n: i64) -> String {
    if !(1..4000).contains(&n) {
        return n.to_string();
    }
    const TABLE: [(i64, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut rest = n;
    let mut out = String::new();
    for (v, s) in TABLE {
        while rest >= v {
            out.push_str(s);
            rest -= v;
        }
    }
    out
}

#[derive(Debug, Clone)]
struct Level {
    start: i64,
    fmt: Fmt,
    /// The label template, "%1." or "（%2）".
    text: String,
    /// What follows the label: Word's default is a tab.
    suffix: &'static str,
}

impl Default for Level {
    fn default() -> Self {
        // ECMA-376 makes a missing start 0, but a level that is not defined at all is most
        // likely a list whose definition was lost; Word users expect it to start at 1.
        Level {
            start: 1,
            fmt: Fmt::Decimal,
            text: String::new(),
            suffix: "\t",
        }
    }
}

#[derive(Debug, Default)]
struct Num {
    abstract_id: Option<String>,
    /// Per level, the start override (`w:lvlOverride/w:startOverride`).
    overrides: [Option<i64>; LEVELS],
}

#[derive(Debug, Default, Clone)]
struct StyleNum {
    num_id: Option<String>,
    ilvl: Option<usize>,
    based_on: Option<String>,
}

/// A numbered paragraph's number: the value of its own level and the full label Word shows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Numbered {
    pub(crate) value: i64,
    pub(crate) label: String,
}

/// List definitions plus the running counters of one document pass.
#[derive(Debug, Default)]
pub(crate) struct Numbering {
    abstracts: HashMap<String, Vec<Level>>,
    nums: HashMap<String, Num>,
    styles: HashMap<String, StyleNum>,
    default_style: Option<String>,
    /// Counters per list instance: a `w:num` with overrides is its own list; the others
    /// share their abstract definition's counters, as Word continues them.
    counters: HashMap<String, [Option<i64>; LEVELS]>,
}

impl Numbering {
    /// Reads numbering.xml and styles.xml (both optional) from the package.
    pub(crate) fn load(
        zip: &mut SafeZip<'_>,
        numbering_part: &str,
        styles_part: &str,
    ) -> Result<Self, IngestError> {
        let mut n = Numbering::default();
        n.read_numbering(zip, numbering_part)?;
        n.read_styles(zip, styles_part)?;
        Ok(n)
    }

    fn read_numbering(&mut self, zip: &mut SafeZip<'_>, part: &str) -> Result<(), IngestError> {
        let file = zip.file();
        let Some(mut reader) = zip.xml(part)? else {
            return Ok(());
        };
        let mut buf = Vec::new();
        let mut cur_abs: Option<String> = None;
        let mut cur_lvl: Option<(usize, Level)> = None;
        let mut cur_num: Option<(String, Num)> = None;
        let mut override_lvl: Option<usize> = None;
        loop {
            let ev = match reader.read_event_into(&mut buf) {
                Ok(ev) => ev,
                Err(e) => return Err(xml_error(file, part, &reader, &e)),
            };
            match ev {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    let val = || attr(&e, b"val");
                    match e.local_name().as_ref() {
                        b"abstractNum" => cur_abs = attr(&e, b"abstractNumId"),
                        b"lvl" if cur_abs.is_some() || cur_num.is_some() => {
                            let ilvl = attr(&e, b"ilvl")
                                .and_then(|v| v.parse::<usize>().ok())
                                .unwrap_or(0);
                            // A level defined inside an override keeps the numbering logic
                            // of the abstract list; only its start matters to us.
                            cur_lvl = Some((
                                ilvl,
                                Level {
                                    start: 0,
                                    ..Level::default()
                                },
                            ));
                        }
                        b"start" => {
                            if let (Some((_, l)), Some(v)) = (cur_lvl.as_mut(), val()) {
                                l.start = v.parse().unwrap_or(0);
                            }
                        }
                        b"numFmt" => {
                            if let (Some((_, l)), Some(v)) = (cur_lvl.as_mut(), val()) {
                                l.fmt = Fmt::parse(&v);
                            }
                        }
                        b"lvlText" => {
                            if let (Some((_, l)), Some(v)) = (cur_lvl.as_mut(), val()) {
                                l.text = v;
                            }
                        }
                        b"suff" => {
                            if let (Some((_, l)), Some(v)) = (cur_lvl.as_mut(), val()) {
                                l.suffix = match v.as_str() {
                                    "space" => " ",
                                    "nothing" => "",
                                    _ => "\t",
                                };
                            }
                        }
                        b"num" => {
                            if let Some(id) = attr(&e, b"numId") {
                                cur_num = Some((id, Num::default()));
                            }
                        }
                        b"abstractNumId" => {
                            if let (Some((_, num)), Some(v)) = (cur_num.as_mut(), val()) {
                                num.abstract_id = Some(v);
                            }
                        }
                        b"lvlOverride" => {
                            override_lvl = attr(&e, b"ilvl").and_then(|v| v.parse().ok());
                        }
                        b"startOverride" => {
                            if let (Some((_, num)), Some(i), Some(v)) =
                                (cur_num.as_mut(), override_lvl, val())
                                && let Some(slot) = num.overrides.get_mut(i)
                            {
                                *slot = Some(v.parse().unwrap_or(0));
                            }
                        }
                        _ => {}
                    }
                }
                Event::End(e) => match e.local_name().as_ref() {
                    b"lvl" => {
                        if let Some((ilvl, level)) = cur_lvl.take() {
                            if let Some(id) = &cur_abs {
                                let levels = self.abstracts.entry(id.clone()).or_default();
                                if ilvl < LEVELS {
                                    if levels.len() <= ilvl {
                                        levels.resize(ilvl + 1, Level::default());
                                    }
                                    if let Some(slot) = levels.get_mut(ilvl) {
                                        *slot = level;
                                    }
                                }
                            } else if let Some((_, num)) = cur_num.as_mut()
                                && let Some(slot) = num.overrides.get_mut(ilvl)
                                && slot.is_none()
                            {
                                // A whole level redefined in an override: its start counts
                                // like a startOverride.
                                *slot = Some(level.start);
                            }
                        }
                    }
                    b"abstractNum" => cur_abs = None,
                    b"lvlOverride" => override_lvl = None,
                    b"num" => {
                        if let Some((id, num)) = cur_num.take() {
                            self.nums.insert(id, num);
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
            buf.clear();
        }
        Ok(())
    }

    fn read_styles(&mut self, zip: &mut SafeZip<'_>, part: &str) -> Result<(), IngestError> {
        let file = zip.file();
        let Some(mut reader) = zip.xml(part)? else {
            return Ok(());
        };
        let mut buf = Vec::new();
        let mut cur: Option<(String, StyleNum)> = None;
        let mut in_numpr = false;
        let mut change_depth = 0usize;
        loop {
            let ev = match reader.read_event_into(&mut buf) {
                Ok(ev) => ev,
                Err(e) => return Err(xml_error(file, part, &reader, &e)),
            };
            match ev {
                Event::Eof => break,
                Event::Start(_) if change_depth > 0 => change_depth += 1,
                Event::End(_) if change_depth > 0 => change_depth -= 1,
                Event::Empty(_) if change_depth > 0 => {}
                // The old formatting of a tracked change is not in force.
                Event::Start(e) if e.local_name().as_ref() == b"pPrChange" => change_depth = 1,
                Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                    b"style" => {
                        let paragraph = attr(&e, b"type").is_none_or(|t| t == "paragraph");
                        if let Some(id) = attr(&e, b"styleId").filter(|_| paragraph) {
                            if attr(&e, b"default").is_some_and(|d| crate::zipsafe::is_on(Some(&d)))
                            {
                                self.default_style = Some(id.clone());
                            }
                            cur = Some((id, StyleNum::default()));
                        }
                    }
                    b"basedOn" => {
                        if let Some((_, s)) = cur.as_mut() {
                            s.based_on = attr(&e, b"val");
                        }
                    }
                    b"numPr" => in_numpr = true,
                    b"numId" if in_numpr => {
                        if let Some((_, s)) = cur.as_mut() {
                            s.num_id = attr(&e, b"val");
                        }
                    }
                    b"ilvl" if in_numpr => {
                        if let Some((_, s)) = cur.as_mut() {
                            s.ilvl = attr(&e, b"val").and_then(|v| v.parse().ok());
                        }
                    }
                    _ => {}
                },
                Event::End(e) => match e.local_name().as_ref() {
                    b"numPr" => in_numpr = false,
                    b"style" => {
                        if let Some((id, s)) = cur.take() {
                            self.styles.insert(id, s);
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
            buf.clear();
        }
        Ok(())
    }

    /// The list (numId, level) a paragraph style gives, following `w:basedOn`.
    fn style_list(&self, style: Option<&str>) -> (Option<&str>, Option<usize>) {
        let mut id = style.or(self.default_style.as_deref());
        let (mut num, mut lvl) = (None, None);
        // Bounded walk: a style chain with a cycle must not hang us.
        for _ in 0..16 {
            let Some(s) = id.and_then(|i| self.styles.get(i)) else {
                break;
            };
            num = num.or(s.num_id.as_deref());
            lvl = lvl.or(s.ilvl);
            if num.is_some() && lvl.is_some() {
                break;
            }
            id = s.based_on.as_deref();
        }
        (num, lvl)
    }

    /// Counts one paragraph. `num_id`/`ilvl` are the paragraph's own `w:numPr`, `style` its
    /// `w:pStyle`; returns the number Word shows, or `None` for an unnumbered paragraph.
    pub(crate) fn next(
        &mut self,
        num_id: Option<&str>,
        ilvl: Option<usize>,
        style: Option<&str>,
    ) -> Option<Numbered> {
        let (style_num, style_lvl) = self.style_list(style);
        let num_id = num_id.or(style_num)?;
        // numId 0 is Word's explicit "no numbering here".
        if num_id.trim() == "0" {
            return None;
        }
        let ilvl = ilvl.or(style_lvl).unwrap_or(0).min(LEVELS - 1);
        let num = self.nums.get(num_id);
        let abstract_id = num.and_then(|n| n.abstract_id.as_deref());
        let overrides = num.map(|n| n.overrides).unwrap_or_default();
        let levels: &[Level] = abstract_id
            .and_then(|a| self.abstracts.get(a))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let fallback = Level::default();
        let level_of = |i: usize| levels.get(i).unwrap_or(&fallback);
        let level = level_of(ilvl);
        if level.fmt == Fmt::NoNumber {
            return None;
        }
        let key = match (abstract_id, overrides.iter().any(Option::is_some)) {
            (Some(a), false) => format!("a:{a}"),
            _ => format!("n:{num_id}"),
        };
        let start_of = |i: usize| {
            overrides
                .get(i)
                .copied()
                .flatten()
                .unwrap_or_else(|| level_of(i).start)
        };
        let counters = self.counters.entry(key).or_insert([None; LEVELS]);
        let value = match counters.get(ilvl).copied().flatten() {
            Some(v) => v.saturating_add(1),
            None => start_of(ilvl),
        };
        if let Some(slot) = counters.get_mut(ilvl) {
            *slot = Some(value);
        }
        // A higher-level item restarts every deeper level.
        for slot in counters.iter_mut().skip(ilvl + 1) {
            *slot = None;
        }
        let snapshot = *counters;
        let label = render_label(level, |i| {
            let v = snapshot
                .get(i)
                .copied()
                .flatten()
                .unwrap_or_else(|| start_of(i));
            level_of(i).fmt.render(v)
        });
        Some(Numbered { value, label })
    }
}

/// Fills "%1.%2" with the current counters and appends the level's suffix.
fn render_label(level: &Level, render: impl Fn(usize) -> String) -> String {
    let mut out = String::new();
    let mut chars = level.text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%'
            && let Some(d) = chars.peek().and_then(|d| d.to_digit(10))
            && (1..=9).contains(&d)
        {
            chars.next();
            out.push_str(&render(d as usize - 1));
        } else {
            out.push(c);
        }
    }
    if out.is_empty() {
        return out;
    }
    // Word follows the label with a tab; in flowing text that reads as a space, and
    // Chinese enumeration commas (一、) need nothing at all.
    let ends_cjk = out
        .chars()
        .last()
        .is_some_and(|c| matches!(c, '、' | '，' | '．' | '）' | '」' | '】'));
    if level.suffix.is_empty() || ends_cjk {
        out
    } else {
        out.push(' ');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals_read_as_written() {
        assert_eq!(chinese(1), "一");
        assert_eq!(chinese(10), "十");
        assert_eq!(chinese(15), "十五");
        assert_eq!(chinese(20), "二十");
        assert_eq!(chinese(99), "九十九");
    }

    #[test]
    fn letters_and_romans() {
        assert_eq!(letters(1), "a");
        assert_eq!(letters(27), "aa");
        assert_eq!(roman(14), "XIV");
        assert_eq!(Fmt::Circled.render(3), "③");
    }

    #[test]
    fn deeper_levels_restart_after_a_shallower_item() {
        let mut n = Numbering::default();
        n.abstracts.insert(
            "0".into(),
            vec![
                Level {
                    start: 1,
                    fmt: Fmt::Chinese,
                    text: "%1、".into(),
                    suffix: "\t",
                },
                Level {
                    start: 1,
                    fmt: Fmt::Decimal,
                    text: "%2.".into(),
                    suffix: "\t",
                },
            ],
        );
        n.nums.insert(
            "1".into(),
            Num {
                abstract_id: Some("0".into()),
                overrides: [None; LEVELS],
            },
        );
        let a = n.next(Some("1"), Some(0), None).map(|x| x.label);
        let b = n.next(Some("1"), Some(1), None).map(|x| x.label);
        let c = n.next(Some("1"), Some(1), None).map(|x| x.value);
        let d = n.next(Some("1"), Some(0), None).map(|x| x.label);
        let e = n.next(Some("1"), Some(1), None).map(|x| x.value);
        assert_eq!(a.as_deref(), Some("一、"));
        assert_eq!(b.as_deref(), Some("1. "));
        assert_eq!(c, Some(2));
        assert_eq!(d.as_deref(), Some("二、"));
        assert_eq!(e, Some(1));
        assert_eq!(n.next(Some("0"), None, None), None);
    }
}
