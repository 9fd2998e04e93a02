//! What titles and summaries say: verdicts ("未达预期…"), counts ("15项"), labels ("附件1").
use duban_model::Verdict;

const NOT_MET: [&str; 7] = [
    "未完成",
    "未达预期",
    "未达到",
    "未达成",
    "未实现",
    "未达标",
    "滞后",
];
const MET: [&str; 7] = [
    "已完成",
    "达成预期",
    "达到预期",
    "已达成",
    "已实现",
    "完成既定目标",
    "达成目标",
];

/// The verdict a table title or a summary clause pronounces on its rows.
pub(crate) fn verdict_words(s: &str) -> Option<Verdict> {
    if NOT_MET.iter().any(|w| s.contains(w)) {
        Some(Verdict::NotMet)
    } else if MET.iter().any(|w| s.contains(w)) {
        Some(Verdict::Met)
    } else {
        None
    }
}

/// A status cell ("已完成", "未完成", "是", "否", "序时推进", "滞后") as a verdict.
pub(crate) fn status_verdict(s: &str) -> Option<Verdict> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    const NO: [&str; 6] = ["未", "否", "滞后", "没有", "不", "×"];
    const YES: [&str; 9] = [
        "完成", "是", "达序", "达成", "序时", "正常", "按期", "达标", "√",
    ];
    if NO.iter().any(|w| s.contains(w)) {
        Some(Verdict::NotMet)
    } else if YES.iter().any(|w| s.contains(w)) {
        Some(Verdict::Met)
    } else {
        None
    }
}

/// Every "N项" count in a text, in order, with the byte offset just past "项".
pub(crate) fn counts(s: &str) -> Vec<(u32, usize)> {
    let mut out = Vec::new();
    let mut digits = String::new();
    let mut start_ok = true;
    for (i, c) in s.char_indices() {
        let d = match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            _ => None,
        };
        if let Some(d) = d {
            digits.push(d);
            continue;
        }
        if c == '项'
            && !digits.is_empty()
            && start_ok
            && let Ok(n) = digits.parse()
        {
            out.push((n, i + c.len_utf8()));
        }
        // "1.5项" is not a count; neither is the tail of a longer number.
        start_ok = c != '.';
        digits.clear();
    }
    out
}

/// The first count in a title ("未达预期15项重点工作任务进展情况表" → 15).
pub(crate) fn claimed_count(s: &str) -> Option<u32> {
    counts(s).first().map(|(n, _)| *n)
}

/// A label line such as "附件1", "附件 2：", "附表3" → ("附件1", the rest of the line).
pub(crate) fn split_label(s: &str) -> Option<(String, String)> {
    let s = s.trim();
    let prefix = ["附件", "附表"].into_iter().find(|p| s.starts_with(p))?;
    let rest = s[prefix.len()..].trim_start();
    let mut digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() {
        // "附件一"
        digits = rest
            .chars()
            .take_while(|c| "一二三四五六七八九十".contains(*c))
            .collect();
    }
    if digits.is_empty() {
        return None;
    }
    let tail = rest[digits.len()..]
        .trim_start_matches([' ', '：', ':', '、', '.', '．', '\u{3000}'])
        .trim();
    Some((format!("{prefix}{digits}"), tail.to_string()))
}

/// Whether a paragraph can be a title: short, and not a sentence or a lead-in.
pub(crate) fn title_like(s: &str) -> bool {
    let n = s.chars().count();
    (2..=80).contains(&n) && !s.ends_with(['。', '；', ';', '，', ',', '：', ':', '！', '？'])
}

/// "一、", "（一）", "(三)" headings and "1." / "1、" / "（1）" item numbers.
pub(crate) fn strip_heading_number(s: &str) -> Option<&str> {
    let s = s.trim_start();
    let chinese = |c: char| "一二三四五六七八九十百".contains(c);
    let mut it = s.char_indices();
    let (_, first) = it.next()?;
    if first == '（' || first == '(' {
        let body: usize = s[first.len_utf8()..]
            .chars()
            .take_while(|c| chinese(*c))
            .map(char::len_utf8)
            .sum();
        if body == 0 {
            return None;
        }
        let rest = &s[first.len_utf8() + body..];
        return rest
            .strip_prefix('）')
            .or_else(|| rest.strip_prefix(')'))
            .map(str::trim_start);
    }
    let body: usize = s
        .chars()
        .take_while(|c| chinese(*c))
        .map(char::len_utf8)
        .sum();
    if body == 0 {
        return None;
    }
    s[body..].strip_prefix('、').map(str::trim_start)
}

/// A leading item number: "1. ", "12、", "（3）", "3．" → (3, the rest).
pub(crate) fn strip_item_number(s: &str) -> Option<(u32, &str)> {
    let s = s.trim_start();
    let (inner, paren) = match s.strip_prefix('（').or_else(|| s.strip_prefix('(')) {
        Some(r) => (r, true),
        None => (s, false),
    };
    let digits: String = inner.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    let rest = &inner[digits.len()..];
    let rest = if paren {
        rest.strip_prefix('）').or_else(|| rest.strip_prefix(')'))?
    } else {
        rest.strip_prefix(['.', '、', '．'])?
    };
    Some((n, rest.trim_start()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_verdicts() {
        assert_eq!(
            verdict_words("未达预期15项重点工作任务进展情况表"),
            Some(Verdict::NotMet)
        );
        assert_eq!(
            verdict_words("达成预期目标116项重点工作任务完成情况表"),
            Some(Verdict::Met)
        );
        assert_eq!(verdict_words("2023年重点任务完成情况表"), None);
    }

    #[test]
    fn counts_in_text() {
        assert_eq!(claimed_count("未达预期15项重点工作任务"), Some(15));
        assert_eq!(claimed_count("达成预期目标116项"), Some(116));
        assert_eq!(claimed_count("１３１项"), Some(131));
        assert_eq!(claimed_count("完成1.5项"), None);
        assert_eq!(claimed_count("无"), None);
    }

    #[test]
    fn labels_and_numbers() {
        assert_eq!(split_label(" 附件1"), Some(("附件1".into(), String::new())));
        assert_eq!(
            split_label("附件2：已完成情况表"),
            Some(("附件2".into(), "已完成情况表".into()))
        );
        assert_eq!(split_label("附件：1. 未完成"), None);
        assert_eq!(
            split_label("附件二"),
            Some(("附件二".into(), String::new()))
        );
        assert_eq!(strip_heading_number("一、科技创新"), Some("科技创新"));
        assert_eq!(strip_heading_number("（十二）城市更新"), Some("城市更新"));
        assert_eq!(strip_heading_number("一些事"), None);
        assert_eq!(strip_item_number("12. 推动"), Some((12, "推动")));
        assert_eq!(strip_item_number("（3）推动"), Some((3, "推动")));
        assert_eq!(strip_item_number("2022年"), None);
    }

    #[test]
    fn status_cells() {
        assert_eq!(status_verdict("已完成"), Some(Verdict::Met));
        assert_eq!(status_verdict("未完成"), Some(Verdict::NotMet));
        assert_eq!(status_verdict("否"), Some(Verdict::NotMet));
        assert_eq!(status_verdict("是"), Some(Verdict::Met));
        assert_eq!(status_verdict(""), None);
    }
}
