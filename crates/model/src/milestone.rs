//! Milestones (时间节点) as a ledger writes them in one cell: "6月底前完成2500辆；9月底主体
//! 完工；12月底建成投用". Each step is a date in the plain words offices use (月底, 月中,
//! 上旬/中旬/下旬, 一季度末, 上半年, 年底…; the plan year when no year is written) and what
//! is due by then: a figure ("2500辆"), a stage (开工 / 主体完工 / 建成投用) or words.
//!
//! [`parse_milestones`] reads a cell; [`milestones_cell`] writes them back in a form it reads
//! to the same milestones, so a ledger exported and imported again keeps them exactly.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::period::{date_at, month_end};

/// The stages a milestone may name instead of a figure, in the order a project reaches them.
pub const STAGES: [&str; 3] = ["开工", "主体完工", "建成投用"];

/// One dated step of a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    /// The day the step is due, "YYYY-MM-DD" in JSON.
    #[serde(serialize_with = "ymd_ser", deserialize_with = "ymd_de")]
    pub due: Date,
    /// What is due, as written after the date ("完成2500辆", "主体完工").
    pub text: String,
    /// The figure due by then, when the step names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The figure's unit as written ("辆", "万元", "%").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// One of [`STAGES`], when the step names a stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

fn ymd_ser<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::ymd_opt::format(*d))
}

fn ymd_de<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    let s = String::deserialize(d)?;
    crate::ymd_opt::parse(&s)
        .ok_or_else(|| serde::de::Error::custom(format!("bad date {s:?}, want YYYY-MM-DD")))
}

impl Milestone {
    /// A step due on `due` with `text` read for its figure and stage.
    pub fn new(due: Date, text: &str) -> Milestone {
        let text = text.trim().to_string();
        let (value, unit) = match figure(&text) {
            Some((v, u)) => (Some(v), u),
            None => (None, None),
        };
        Milestone {
            due,
            stage: stage_of(&text).map(str::to_string),
            text,
            value,
            unit,
        }
    }
}

/// The stage a step's words name: "建成投用" / "投入使用" / "竣工" → 建成投用; "主体完工" /
/// "主体封顶" → 主体完工; "开工" / "动工" → 开工. The latest stage named wins ("开工建设，
/// 年底建成投用" is due as 建成投用).
pub fn stage_of(text: &str) -> Option<&'static str> {
    const WORDS: [(&str, &[&str]); 3] = [
        (
            "建成投用",
            &["建成投用", "投入使用", "投入运营", "投用", "竣工", "建成"],
        ),
        (
            "主体完工",
            &["主体完工", "主体竣工", "主体封顶", "主体结构"],
        ),
        ("开工", &["开工", "动工", "开建"]),
    ];
    WORDS
        .iter()
        .find(|(_, words)| words.iter().any(|w| text.contains(w)))
        .map(|(stage, _)| *stage)
}

/// Characters that end a figure's unit ("2500辆以上" → 辆).
fn ends_unit(c: char) -> bool {
    c.is_ascii_punctuation()
        || c.is_whitespace()
        || c.is_ascii_digit()
        || "，。、；：（）《》“”以上左右的并和及与等".contains(c)
}

/// The first figure in a step's words and its unit: "完成2500辆以上" → (2500, 辆),
/// "投资2.5亿元" → (2.5, 亿元), "完成年度计划的60%" → (60, %). Numbers that are dates
/// ("10日") are not figures.
fn figure(text: &str) -> Option<(f64, Option<String>)> {
    let c: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < c.len() {
        if !c[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < c.len() && (c[i].is_ascii_digit() || c[i] == '.' || c[i] == ',') {
            i += 1;
        }
        let number: String = c[start..i].iter().filter(|ch| **ch != ',').collect();
        let unit: String = c[i..]
            .iter()
            .take_while(|ch| **ch == '%' || **ch == '％' || !ends_unit(**ch))
            .take(4)
            .collect();
        if unit.starts_with(['年', '月', '日', '号', '季']) {
            continue;
        }
        let value: f64 = number.trim_end_matches('.').parse().ok()?;
        let unit = unit.replace('％', "%");
        let unit = if unit.starts_with('%') {
            "%".to_string()
        } else {
            unit
        };
        return Some((value, (!unit.is_empty()).then_some(unit)));
    }
    None
}

/// Leading marks of a numbered step: "1.", "（2）", "③", "一是".
fn skip_numbering(c: &[char], mut i: usize) -> usize {
    while i < c.len() && (c[i].is_whitespace() || "①②③④⑤⑥⑦⑧⑨⑩".contains(c[i])) {
        i += 1;
    }
    let open = i < c.len() && matches!(c[i], '(' | '（');
    let mut j = i + usize::from(open);
    let digits = j;
    while j < c.len() && (c[j].is_ascii_digit() || "一二三四五六七八九十".contains(c[j]))
    {
        j += 1;
    }
    if j > digits && j - digits <= 2 {
        match c.get(j) {
            Some(')' | '）') if open => return j + 1,
            Some('.' | '．' | '、') if !open => return j + 1,
            Some('是') if !open => return j + 1,
            _ => {}
        }
    }
    i
}

/// Words that may stand before a step's date ("力争6月底前…", "到9月底…").
const LEADS: [&str; 8] = ["力争", "确保", "争取", "截至", "截止", "到", "于", "在"];
/// Words between the date and what is due.
const AFTER_DATE: [&str; 6] = ["之前", "以前", "前", "底前", "内", "完成前"];

/// The step starting at `i`: its due date and where its words start.
fn step_date(c: &[char], i: usize, year: i32) -> Option<(Date, usize)> {
    let mut i = skip_numbering(c, i);
    for w in LEADS {
        if starts(c, i, w) {
            i += w.chars().count();
            break;
        }
    }
    // "次年3月底" / "明年": the year after the plan's.
    let mut year = year;
    for w in ["次年", "明年", "下一年"] {
        if starts(c, i, w) {
            year += 1;
            i += w.chars().count();
        }
    }
    let (date, mut e) = date_at(c, i, year)?;
    // "6月中旬" / "上旬" / "月中" / "月初" narrow a bare month; 月底/月末/下旬 are its end.
    let (y, m) = (date.year(), u8::from(date.month()));
    let bare_month = e > 0 && c.get(e - 1) == Some(&'月');
    let mut due = date;
    if bare_month {
        let day = |d: u8| Date::from_calendar_date(y, date.month(), d).ok();
        for (w, d) in [
            ("上旬", day(10)),
            ("中旬", day(20)),
            ("下旬", month_end(y, m)),
            ("底", month_end(y, m)),
            ("末", month_end(y, m)),
            ("中", day(15)),
            ("初", day(10)),
        ] {
            if starts(c, e, w) {
                e += w.chars().count();
                if let Some(d) = d {
                    due = d;
                }
                break;
            }
        }
    }
    // "一季度末" / "季度底".
    for w in ["末", "底"] {
        if c.get(e.wrapping_sub(1)) == Some(&'度') && starts(c, e, w) {
            e += 1;
        }
    }
    for w in AFTER_DATE {
        if starts(c, e, w) {
            e += w.chars().count();
            break;
        }
    }
    while e < c.len() && "，,：:、 ".contains(c[e]) {
        e += 1;
    }
    Some((due, e))
}

fn starts(c: &[char], i: usize, pat: &str) -> bool {
    (i..).zip(pat.chars()).all(|(k, p)| c.get(k) == Some(&p))
}

/// Reads the milestones of one cell. Steps are split at ；。 and line breaks, and at a
/// comma that is followed by a date; a piece that starts with no date belongs to the step
/// before it. `plan_year` dates the steps that name no year. Words with no date at all
/// give no milestone (an empty list).
pub fn parse_milestones(cell: &str, plan_year: i32) -> Vec<Milestone> {
    let c: Vec<char> = cell.chars().collect();
    // Piece boundaries: strong separators, and commas a date follows.
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for i in 0..=c.len() {
        let strong = i == c.len() || matches!(c[i], '；' | ';' | '。' | '\n' | '\r');
        let weak = i < c.len()
            && matches!(c[i], '，' | ',' | '、')
            && step_date(&c, i + 1, plan_year).is_some();
        if strong || weak {
            pieces.push((start, i));
            start = i + 1;
        }
    }
    let mut out: Vec<(Date, String)> = Vec::new();
    for (s, e) in pieces {
        let piece: String = c[s..e].iter().collect::<String>();
        if piece.trim().is_empty() {
            continue;
        }
        match step_date(&c[..e], s, plan_year) {
            Some((due, words)) => {
                let words: String = c[words.min(e)..e].iter().collect();
                out.push((due, words.trim().to_string()));
            }
            None => {
                if let Some((_, text)) = out.last_mut() {
                    text.push('，');
                    text.push_str(piece.trim());
                }
            }
        }
    }
    out.into_iter()
        .map(|(due, text)| Milestone::new(due, &text))
        .collect()
}

/// The cell [`parse_milestones`] reads back to `milestones`: each step as its full date and
/// its words ("2026年6月30日前完成2500辆"), joined by "；".
pub fn milestones_cell(milestones: &[Milestone]) -> String {
    milestones
        .iter()
        .map(|m| {
            format!(
                "{}年{}月{}日前{}",
                m.due.year(),
                u8::from(m.due.month()),
                m.due.day(),
                m.text
            )
        })
        .collect::<Vec<_>>()
        .join("；")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;

    fn d(y: i32, m: u8, day: u8) -> Date {
        Date::from_calendar_date(y, Month::try_from(m).unwrap(), day).unwrap()
    }

    #[test]
    fn steps_with_figures_and_stages() {
        let ms = parse_milestones("6月底前完成2500辆；9月底主体完工；12月底建成投用", 2031);
        assert_eq!(ms.len(), 3);
        assert_eq!(ms[0].due, d(2031, 6, 30));
        assert_eq!(ms[0].text, "完成2500辆");
        assert_eq!(ms[0].value, Some(2500.0));
        assert_eq!(ms[0].unit.as_deref(), Some("辆"));
        assert_eq!(ms[0].stage, None);
        assert_eq!(ms[1].due, d(2031, 9, 30));
        assert_eq!(ms[1].stage.as_deref(), Some("主体完工"));
        assert_eq!(ms[1].value, None);
        assert_eq!(ms[2].due, d(2031, 12, 31));
        assert_eq!(ms[2].stage.as_deref(), Some("建成投用"));
    }

    #[test]
    fn parts_of_a_month() {
        let at = |s: &str| parse_milestones(s, 2030)[0].due;
        assert_eq!(at("3月上旬开工"), d(2030, 3, 10));
        assert_eq!(at("4月中旬完成招标"), d(2030, 4, 20));
        assert_eq!(at("2月下旬完成设计"), d(2030, 2, 28));
        assert_eq!(at("5月中完成选址"), d(2030, 5, 15));
        assert_eq!(at("7月初完成评审"), d(2030, 7, 10));
        assert_eq!(at("8月末完成验收"), d(2030, 8, 31));
        assert_eq!(at("9月完成验收"), d(2030, 9, 30));
        assert_eq!(at("10月15日前完成验收"), d(2030, 10, 15));
    }

    #[test]
    fn quarters_halves_and_the_year() {
        let at = |s: &str| parse_milestones(s, 2029)[0].due;
        assert_eq!(at("一季度末完成立项"), d(2029, 3, 31));
        assert_eq!(at("第二季度完成30%"), d(2029, 6, 30));
        assert_eq!(at("上半年完成1000户"), d(2029, 6, 30));
        assert_eq!(at("前三季度完成80%"), d(2029, 9, 30));
        assert_eq!(at("年底前全面完成"), d(2029, 12, 31));
        assert_eq!(at("2030年3月底前建成"), d(2030, 3, 31));
        assert_eq!(at("次年6月底前投用"), d(2030, 6, 30));
    }

    #[test]
    fn commas_split_only_before_a_date() {
        let ms = parse_milestones("力争5月底开工建设，完成征地拆迁，10月底主体封顶", 2028);
        assert_eq!(ms.len(), 2);
        assert_eq!(ms[0].text, "开工建设，完成征地拆迁");
        assert_eq!(ms[0].stage.as_deref(), Some("开工"));
        assert_eq!(ms[1].due, d(2028, 10, 31));
        assert_eq!(ms[1].stage.as_deref(), Some("主体完工"));
    }

    #[test]
    fn numbered_steps_and_figures_with_units() {
        let ms = parse_milestones("1.6月底前投资2.5亿元\n2.12月底前新增就业3,000人以上", 2027);
        assert_eq!(ms.len(), 2);
        assert_eq!(ms[0].value, Some(2.5));
        assert_eq!(ms[0].unit.as_deref(), Some("亿元"));
        assert_eq!(ms[1].value, Some(3000.0));
        assert_eq!(ms[1].unit.as_deref(), Some("人"));
        let pct = parse_milestones("（1）9月底完成年度计划的75%", 2027);
        assert_eq!(pct[0].value, Some(75.0));
        assert_eq!(pct[0].unit.as_deref(), Some("%"));
    }

    #[test]
    fn words_without_a_date_give_nothing() {
        assert!(parse_milestones("按计划有序推进", 2026).is_empty());
        assert!(parse_milestones("", 2026).is_empty());
        assert!(parse_milestones("长期坚持", 2026).is_empty());
    }

    #[test]
    fn the_written_cell_reads_back_the_same() {
        let ms = parse_milestones("3月中旬开工；6月底前完成2500辆；年底建成投用", 2032);
        let cell = milestones_cell(&ms);
        assert_eq!(parse_milestones(&cell, 1999), ms);
    }

    #[test]
    fn json_dates_are_plain() {
        let m = Milestone::new(d(2026, 6, 30), "完成2500辆");
        let j = serde_json::to_value(&m).unwrap();
        assert_eq!(j["due"], "2026-06-30");
        assert_eq!(j["value"], 2500.0);
        let back: Milestone = serde_json::from_value(j).unwrap();
        assert_eq!(back, m);
    }
}
