//! Internal consistency of a progress text: parts against their total, counts against
//! the items named.

use crate::evidence::Progress;
use crate::numbers::NumToken;
use crate::text;
use crate::units;

/// A finding, in Chinese, ready to become a warning.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub message: String,
}

fn figure(p: &Progress, t: &NumToken) -> String {
    p.orig.get(t.start..t.end).unwrap_or(&[]).iter().collect()
}

fn same_unit(a: &NumToken, b: &NumToken) -> bool {
    match (a.unit, b.unit) {
        (Some(x), Some(y)) => units::compatible(x, y),
        _ => false,
    }
}

/// "新增5179个…其中…（1630个）…（551个）…": at least three parts after 其中 that do not
/// add up to the total before it, beyond what rounding of the written figures allows.
/// Two parts are often overlapping categories (全程接种, 加强接种), so they are not checked.
pub fn totals(p: &Progress) -> Vec<Finding> {
    let key: Vec<char> = "其中".chars().collect();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text::find(&p.chars, &key, from) {
        from = at + 2;
        // The total: the last figure with a unit before 其中, in this or the previous sentence.
        let Some(total) = p
            .tokens
            .iter()
            .rfind(|t| t.unit.is_some() && t.end <= at && at - t.end <= 40)
        else {
            continue;
        };
        let stop = (at..p.chars.len())
            .find(|&i| matches!(p.chars.get(i), Some('。' | '\n')))
            .unwrap_or(p.chars.len());
        let parts: Vec<&NumToken> = p
            .tokens
            .iter()
            .filter(|t| t.start > at && t.end <= stop && same_unit(t, total))
            .collect();
        if parts.len() < 3 || parts.iter().any(|t| t.approx || t.upper.is_some()) || total.approx {
            continue;
        }
        let sum: f64 = parts.iter().map(|t| t.value()).sum();
        let slack: f64 = total.half_ulp + parts.iter().map(|t| t.half_ulp).sum::<f64>();
        if (sum - total.value()).abs() > slack + 1e-9 * total.value().abs() {
            let listed: Vec<String> = parts.iter().map(|t| figure(p, t)).collect();
            out.push(Finding {
                message: format!(
                    "总数{}与其中各项（{}）之和{}不符",
                    figure(p, total),
                    listed.join("、"),
                    fmt_sum(sum, total)
                ),
            });
        }
    }
    out
}

fn fmt_sum(sum: f64, total: &NumToken) -> String {
    let unit = total.unit.map_or("", |u| u.base);
    let s = format!("{:.2}", sum);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}{unit}")
}

/// "设立社区基金3个。新设立“甲”、“乙”、“丙”和“丁”等社区基金": a list of named items
/// longer than the count stated for them.
pub fn counts(p: &Progress) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, &c) in p.chars.iter().enumerate() {
        if c != '等' {
            continue;
        }
        let cl_start = (0..i)
            .rev()
            .find(|&j| p.chars.get(j).is_some_and(|&c| text::is_clause_end(c)))
            .map_or(0, |j| j + 1);
        let list = p.chars.get(cl_start..i).unwrap_or(&[]);
        // "A、B、C等N个": the count follows 等 directly.
        if let Some(tok) = p.tokens.iter().find(|t| t.start == i + 1)
            && tok.unit.is_some_and(units::is_count)
            && tok.upper.is_none()
            && !tok.approx
        {
            let items = count_items(list);
            if items as f64 > tok.raw && items >= 2 {
                out.push(Finding {
                    message: format!("称{}，其前列出{}项", figure(p, tok), items),
                });
            }
            continue;
        }
        // Quoted names before 等 and a noun after it: find the count stated for that noun.
        let quoted = count_quoted(list);
        if quoted < 2 {
            continue;
        }
        let noun: Vec<char> = p
            .chars
            .iter()
            .skip(i + 1)
            .take_while(|&&c| !text::is_clause_end(c) && c != '，')
            .take(6)
            .copied()
            .collect();
        if noun.len() < 2 {
            continue;
        }
        let stated = p.tokens.iter().rev().find(|t| {
            t.end <= cl_start
                && cl_start - t.end <= 60
                && t.unit.is_some_and(units::is_count)
                && !t.approx
                && {
                    let a = t.start.saturating_sub(6);
                    let ctx = p
                        .chars
                        .get(a..(t.end + 4).min(p.chars.len()))
                        .unwrap_or(&[]);
                    text::overlap(&noun, ctx) >= 4
                }
        });
        if let Some(t) = stated
            && quoted as f64 > t.raw
        {
            let n: String = noun.iter().collect();
            out.push(Finding {
                message: format!("称{n}{}，随后列出{}个", figure(p, t), quoted),
            });
        }
    }
    out
}

fn count_items(list: &[char]) -> usize {
    let mut depth = 0i32;
    let mut n = 1;
    for &c in list {
        match c {
            '（' | '(' | '“' | '《' => depth += 1,
            '）' | ')' | '”' | '》' => depth -= 1,
            '、' if depth <= 0 => n += 1,
            _ => {}
        }
    }
    n
}

fn count_quoted(list: &[char]) -> usize {
    list.iter().filter(|&&c| c == '“').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_that_do_not_add_up_are_found() {
        let p = Progress::new(
            "目前已完工新增5179个公共停车位，其中，西站二期停车场（1630个）、青凤停车库（551个）、名人广场地下停车库（779个）、小微停车场（2219个）、石门大桥（168个）。",
        );
        let f = totals(&p);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("5347"));
    }

    #[test]
    fn rounding_is_allowed_and_two_parts_are_not_checked() {
        let p = Progress::new(
            "减负21.5亿元。其中：退税11.3亿元；减免4.9亿元；缓缴3.5亿元；缓缴1.9亿元。",
        );
        assert!(totals(&p).is_empty(), "{:?}", totals(&p));
        let p = Progress::new(
            "接种总人数达137.40万人，其中已完成全程接种110.21万人；完成加强免疫接种52.77万人。",
        );
        assert!(totals(&p).is_empty());
        let p = Progress::new(
            "已建成步道30公里，其中包括甲（2公里）、乙（2公里）、丙（15.4公里）、丁（10.6公里）。",
        );
        assert!(totals(&p).is_empty());
    }

    #[test]
    fn counts_against_named_items() {
        let p = Progress::new(
            "②设立社区基金3个。新设立“甲基金”、“乙基金”、“丙基金”和“丁基金”等社区基金，持续发挥作用。",
        );
        let f = counts(&p);
        assert_eq!(f.len(), 1, "{f:?}");
        let p = Progress::new("已打通甲路、乙路、丙路等10条未贯通道路");
        assert!(counts(&p).is_empty());
        let p = Progress::new("建成甲园、乙园、丙园等2个公园");
        assert_eq!(counts(&p).len(), 1);
    }
}
