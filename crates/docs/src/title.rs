//! Titles: deriving the report's title and year from the ledger, and breaking a long title
//! into lines the way official documents do.

/// The first year ("2022年") named in a text.
pub(crate) fn year_in(text: &str) -> Option<u16> {
    let chars: Vec<char> = text.chars().collect();
    for i in 0..chars.len() {
        if i + 4 < chars.len()
            && chars[i..i + 4].iter().all(|c| c.is_ascii_digit())
            && chars[i + 4] == '年'
            && (i == 0 || !chars[i - 1].is_ascii_digit())
        {
            let y: String = chars[i..i + 4].iter().collect();
            if let Ok(y) = y.parse::<u16>()
                && (1949..=2200).contains(&y)
            {
                return Some(y);
            }
        }
    }
    None
}

/// The report's title: the ledger's own when it reads as a report title, else built from
/// the year.
pub(crate) fn report_title(ledger_title: Option<&str>, year: Option<u16>) -> String {
    if let Some(t) = ledger_title.map(str::trim)
        && t.starts_with("关于")
        && t.contains("完成情况")
    {
        let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        return if t.ends_with("报告") {
            t
        } else {
            format!("{t}的报告")
        };
    }
    match year {
        Some(y) => format!("关于{y}年重点任务完成情况的报告"),
        None => "关于重点任务完成情况的报告".to_string(),
    }
}

/// Width of a text in full-width character units: ASCII counts half.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if c.is_ascii() { 1 } else { 2 })
        .sum::<usize>()
        .div_ceil(2)
}

/// Words a title line may end after without splitting a term.
const BREAK_AFTER: [&str; 8] = ["的", "年", "报告", "通报", "任务", "情况", "工作", "关于"];

/// Lines of a title at most `max` characters wide. A title too long for one line is broken
/// into two lines after a whole word, as evenly as possible, the first line not shorter than
/// the second (the standard's "梯形"); when no break fits it is left to the word processor.
pub(crate) fn title_lines(title: &str, max: usize) -> Vec<String> {
    if width(title) <= max {
        return vec![title.to_string()];
    }
    let mut best: Option<(usize, usize)> = None; // (score, byte index)
    for (i, _) in title.char_indices().skip(1) {
        let head = &title[..i];
        if !BREAK_AFTER.iter().any(|w| head.ends_with(w)) {
            continue;
        }
        let (wh, wt) = (width(head), width(&title[i..]));
        if wh > max || wt > max || wt == 0 {
            continue;
        }
        // Even lines first; a longer first line beats a longer second one.
        let score = wh.abs_diff(wt) * 2 + usize::from(wt > wh);
        if best.is_none_or(|(s, _)| score < s) {
            best = Some((score, i));
        }
    }
    match best {
        Some((_, i)) => vec![title[..i].to_string(), title[i..].to_string()],
        None => vec![title.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_and_title_come_from_the_ledger() {
        let t = "关于2022年区政府工作报告重点任务完成情况的报告";
        assert_eq!(year_in(t), Some(2022));
        assert_eq!(year_in("共12345年"), None);
        assert_eq!(report_title(Some(t), Some(2022)), t);
        assert_eq!(
            report_title(
                Some("关于2022年区政府工作报告重点任务完成情况的\n报  告"),
                None
            ),
            t
        );
        assert_eq!(
            report_title(Some("附件1"), Some(2023)),
            "关于2023年重点任务完成情况的报告"
        );
    }

    #[test]
    fn long_titles_break_after_de() {
        let lines = title_lines("关于2022年区政府工作报告重点任务完成情况的报告", 20);
        assert_eq!(
            lines,
            vec!["关于2022年区政府工作报告", "重点任务完成情况的报告"]
        );
        let lines = title_lines("关于甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥的报告", 20);
        assert_eq!(
            lines,
            vec!["关于甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥的报告"]
        );
        assert_eq!(title_lines("短标题", 20), vec!["短标题"]);
    }
}
