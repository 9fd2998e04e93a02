//! Measure words and units, normalised so comparable quantities compare
//! (1.48万平方米 with 10万平方米, 26亿元 with 元, 6029列 with 4500班).

/// What a unit measures; only quantities of the same dimension compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dim {
    Percent,
    Permille,
    /// 个百分点: a difference of percentages.
    Points,
    Money,
    /// US dollars (亿美元): never compared with 元.
    Usd,
    Area,
    Length,
    Volume,
    Mass,
    Mu,
    /// A measure word; the group name says which measure words count the same things.
    Count(&'static str),
}

/// A unit as written, with how to normalise it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    /// The normalised unit name shown in results ("平方米", "元", "%", "辆").
    pub base: &'static str,
    pub dim: Dim,
    /// Multiply the written figure by this to get the base unit.
    pub factor: f64,
    /// Length in chars of the unit as written.
    pub len: usize,
}

/// Generic measure words: reports use them interchangeably for the same objects.
const GENERIC: &str = "个";

// Longest forms first so 人次 wins over 人 and 平方公里 over 公里.
const TABLE: &[(&str, &str, Dim, f64)] = &[
    ("个百分点", "个百分点", Dim::Points, 1.0),
    ("平方公里", "平方米", Dim::Area, 1e6),
    ("平方千米", "平方米", Dim::Area, 1e6),
    ("万平方米", "平方米", Dim::Area, 1e4),
    ("百分点", "个百分点", Dim::Points, 1.0),
    ("平方米", "平方米", Dim::Area, 1.0),
    ("立方米", "立方米", Dim::Volume, 1.0),
    ("万立方米", "立方米", Dim::Volume, 1e4),
    ("平米", "平方米", Dim::Area, 1.0),
    ("公里", "米", Dim::Length, 1e3),
    ("千米", "米", Dim::Length, 1e3),
    ("亿美元", "美元", Dim::Usd, 1e8),
    ("万美元", "美元", Dim::Usd, 1e4),
    ("美元", "美元", Dim::Usd, 1.0),
    ("亿元", "元", Dim::Money, 1e8),
    ("万元", "元", Dim::Money, 1e4),
    ("万吨", "吨", Dim::Mass, 1e4),
    ("人次", "人次", Dim::Count("人次"), 1.0),
    ("场次", "场次", Dim::Count("场"), 1.0),
    ("剂次", "剂次", Dim::Count("剂次"), 1.0),
    ("批次", "批次", Dim::Count("批次"), 1.0),
    ("架次", "架次", Dim::Count("架次"), 1.0),
    ("户次", "户次", Dim::Count("户次"), 1.0),
    ("%", "%", Dim::Percent, 1.0),
    ("％", "%", Dim::Percent, 1.0),
    ("‰", "‰", Dim::Permille, 1.0),
    ("㎡", "平方米", Dim::Area, 1.0),
    ("米", "米", Dim::Length, 1.0),
    ("元", "元", Dim::Money, 1.0),
    ("吨", "吨", Dim::Mass, 1.0),
    ("亩", "亩", Dim::Mu, 1.0),
    ("个", "个", Dim::Count(GENERIC), 1.0),
    ("家", "家", Dim::Count(GENERIC), 1.0),
    ("所", "所", Dim::Count(GENERIC), 1.0),
    ("项", "项", Dim::Count(GENERIC), 1.0),
    ("座", "座", Dim::Count(GENERIC), 1.0),
    ("处", "处", Dim::Count(GENERIC), 1.0),
    ("间", "间", Dim::Count(GENERIC), 1.0),
    ("辆", "辆", Dim::Count("辆"), 1.0),
    ("台", "台", Dim::Count("台"), 1.0),
    ("户", "户", Dim::Count("户"), 1.0),
    ("人", "人", Dim::Count("人"), 1.0),
    ("名", "名", Dim::Count("人"), 1.0),
    ("位", "位", Dim::Count("人"), 1.0),
    ("天", "天", Dim::Count("天"), 1.0),
    ("次", "次", Dim::Count("次"), 1.0),
    ("场", "场", Dim::Count("场"), 1.0),
    ("条", "条", Dim::Count("条"), 1.0),
    ("张", "张", Dim::Count("张"), 1.0),
    ("株", "株", Dim::Count("株"), 1.0),
    ("栋", "栋", Dim::Count("栋"), 1.0),
    ("套", "套", Dim::Count("套"), 1.0),
    ("列", "列", Dim::Count("列"), 1.0),
    ("班", "班", Dim::Count("列"), 1.0),
    ("笔", "笔", Dim::Count("笔"), 1.0),
    ("本", "本", Dim::Count("本"), 1.0),
    ("件", "件", Dim::Count("件"), 1.0),
    ("起", "起", Dim::Count("起"), 1.0),
    ("倍", "倍", Dim::Count("倍"), 1.0),
    ("口", "口", Dim::Count("口"), 1.0),
    ("批", "批", Dim::Count("批次"), 1.0),
];

/// The unit written at `at`, if any.
pub fn match_unit(chars: &[char], at: usize) -> Option<Unit> {
    let mut best: Option<Unit> = None;
    for &(surface, base, dim, factor) in TABLE {
        let len = surface.chars().count();
        if best.is_some_and(|b| b.len >= len) {
            continue;
        }
        let hit = chars
            .get(at..at + len)
            .is_some_and(|w| w.iter().copied().eq(surface.chars()));
        if hit {
            best = Some(Unit {
                base,
                dim,
                factor,
                len,
            });
        }
    }
    best
}

/// Parses a unit written on its own ("万平方米", "辆").
pub fn parse_unit(s: &str) -> Option<Unit> {
    let chars: Vec<char> = s.trim().chars().collect();
    match_unit(&chars, 0).filter(|u| u.len == chars.len())
}

/// Whether figures in these two units can be compared.
pub fn compatible(a: Unit, b: Unit) -> bool {
    a.dim == b.dim
}

pub fn is_count(u: Unit) -> bool {
    matches!(u.dim, Dim::Count(_))
}

/// A count whose measure word says little about what is counted (个, 家, 项 …).
pub fn is_generic(u: Unit) -> bool {
    u.dim == Dim::Count(GENERIC)
}

pub fn is_percent(u: Unit) -> bool {
    matches!(u.dim, Dim::Percent | Dim::Points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_unit_wins() {
        assert_eq!(parse_unit("人次").map(|u| u.base), Some("人次"));
        assert_eq!(parse_unit("个百分点").map(|u| u.dim), Some(Dim::Points));
        assert_eq!(parse_unit("平方公里").map(|u| u.factor), Some(1e6));
        assert!(parse_unit("平台").is_none());
    }

    #[test]
    fn compatibility_follows_what_is_counted() {
        let u = |s| parse_unit(s).unwrap();
        assert!(compatible(u("班"), u("列")));
        assert!(compatible(u("名"), u("人")));
        assert!(compatible(u("家"), u("个")));
        assert!(compatible(u("公里"), u("米")));
        assert!(!compatible(u("辆"), u("个")));
        assert!(!compatible(u("人"), u("人次")));
        assert!(!compatible(u("%"), u("元")));
        assert!(!compatible(u("亿美元"), u("亿元")));
        assert_eq!(u("亿美元").factor, 1e8);
        assert!(compatible(u("批次"), u("批")));
        assert_eq!(u("倍").base, "倍");
    }
}
