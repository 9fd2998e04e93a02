//! Stage milestones (开工 → 主体完工 → 建成投用): which stage a progress text says a
//! project has reached, and whether that meets a stage due by now.
//!
//! General rules of Chinese progress reports, not of one ledger:
//! - a stage is reached when its words stand without a negation or a future before them
//!   ("已开工", "主体已完工", "主体结构封顶", "建成投用", "已竣工验收");
//! - "尚未开工", "主体未完工", "计划9月开工", "力争年底建成" say the stage is not reached;
//! - work under way ("正在施工", "在建", "加快建设") means 开工 but nothing later;
//! - a later stage implies the earlier ones ("已建成投用" has also 开工).
//!
//! A due stage is met when the text reaches it or a later one; behind when the text says it
//! is not reached or names only an earlier stage; and unknown when the text is silent.

use duban_model::STAGES;

/// What a text says of a due stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageCheck {
    /// The due stage, or a later one, is reached.
    Reached,
    /// Not reached: denied or only planned, or only an earlier stage is reached.
    Behind,
}

/// Words that reach each stage, by its index in [`STAGES`].
const WORDS: [&[&str]; 3] = [
    &["开工", "动工", "开建"],
    &[
        "主体完工",
        "主体竣工",
        "主体封顶",
        "主体结构封顶",
        "主体结构完工",
        "主体工程完工",
        "封顶",
    ],
    &[
        "建成投用",
        "投入使用",
        "投入运营",
        "交付使用",
        "投用",
        "竣工验收",
        "竣工",
        "建成",
        "完工",
    ],
];

/// Work under way: the project has started and has not finished.
const UNDER_WAY: [&str; 6] = [
    "正在施工",
    "施工中",
    "在建",
    "加快建设",
    "正在建设",
    "主体施工",
];

/// Words before a stage in its clause that deny it or put it in the future.
const NOT_YET: [&str; 16] = [
    "未", "没有", "尚未", "暂未", "还未", "未能", "待", "计划", "预计", "力争", "争取", "拟",
    "将于", "将在", "确保", "准备",
];

/// The stage `word` names, taking "主体…完工" as 主体完工 ("主体已完工", "主体尚未完工").
fn stage_of_word(clause: &[char], at: usize, stage: usize) -> usize {
    if stage == 2 {
        let before: String = clause[at.saturating_sub(6)..at].iter().collect();
        if before.contains("主体") {
            return 1;
        }
    }
    stage
}

/// (highest stage reached, lowest stage said not reached) in one text.
fn read(text: &str) -> (Option<usize>, Option<usize>) {
    let mut reached: Option<usize> = None;
    let mut denied: Option<usize> = None;
    for clause in text.split(['，', '。', '；', ',', ';', '\n', '！', '：']) {
        let c: Vec<char> = clause.chars().collect();
        if UNDER_WAY.iter().any(|w| clause.contains(w)) {
            reached = reached.max(Some(0));
        }
        for (stage, words) in WORDS.iter().enumerate() {
            for w in *words {
                let wc: Vec<char> = w.chars().collect();
                let mut i = 0;
                while i + wc.len() <= c.len() {
                    if c[i..i + wc.len()] != wc[..] {
                        i += 1;
                        continue;
                    }
                    let end = i + wc.len();
                    // "建成后" / "竣工后": what follows it, not a claim; "建成区" is a place.
                    if matches!(c.get(end), Some('后' | '区' | '时')) {
                        i = end;
                        continue;
                    }
                    let s = stage_of_word(&c, i, stage);
                    // Everything said before it in the clause ("力争年底前建成投用").
                    let before: String = c[..i].iter().collect();
                    // "已" right before settles it, whatever came earlier ("计划内已开工").
                    let settled = c.get(i.wrapping_sub(1)) == Some(&'已');
                    if !settled && NOT_YET.iter().any(|n| before.contains(n)) {
                        denied = Some(denied.map_or(s, |d: usize| d.min(s)));
                    } else {
                        reached = reached.max(Some(s));
                    }
                    i = end;
                }
            }
        }
    }
    (reached, denied)
}

/// What `text` says of the stage `due` (one of [`STAGES`]); `None` when it is silent or the
/// stage is unknown.
pub fn check_stage(text: &str, due: &str) -> Option<StageCheck> {
    let d = STAGES.iter().position(|s| *s == due)?;
    let (reached, denied) = read(text);
    match (reached, denied) {
        (Some(r), _) if r >= d => Some(StageCheck::Reached),
        (_, Some(n)) if n <= d => Some(StageCheck::Behind),
        (Some(_), _) => Some(StageCheck::Behind),
        _ => None,
    }
}

/// The words for the highest stage a text reaches, for the explanation ("已开工").
pub fn reached_words(text: &str) -> Option<&'static str> {
    let (reached, _) = read(text);
    reached.map(|r| ["已开工", "主体已完工", "已建成投用"][r])
}

#[cfg(test)]
mod tests {
    use super::*;
    use StageCheck::*;

    #[test]
    fn the_stage_reached_meets_it_and_the_earlier_ones() {
        assert_eq!(check_stage("项目已于3月开工。", "开工"), Some(Reached));
        assert_eq!(
            check_stage("体育馆主体已完工，正在装修。", "主体完工"),
            Some(Reached)
        );
        assert_eq!(check_stage("主体结构封顶。", "主体完工"), Some(Reached));
        assert_eq!(check_stage("图书馆已建成投用。", "建成投用"), Some(Reached));
        assert_eq!(check_stage("图书馆已建成投用。", "开工"), Some(Reached));
        assert_eq!(
            check_stage("污水厂通过竣工验收。", "主体完工"),
            Some(Reached)
        );
    }

    #[test]
    fn denied_or_planned_stages_are_behind() {
        assert_eq!(check_stage("因用地问题尚未开工。", "开工"), Some(Behind));
        assert_eq!(check_stage("计划9月开工建设。", "开工"), Some(Behind));
        assert_eq!(
            check_stage("主体尚未完工，预计延后。", "主体完工"),
            Some(Behind)
        );
        assert_eq!(
            check_stage("力争年底前建成投用。", "建成投用"),
            Some(Behind)
        );
    }

    #[test]
    fn an_earlier_stage_only_is_behind() {
        assert_eq!(
            check_stage("已开工，正在进行基础施工。", "主体完工"),
            Some(Behind)
        );
        assert_eq!(check_stage("项目正在施工。", "建成投用"), Some(Behind));
        assert_eq!(check_stage("项目正在施工。", "开工"), Some(Reached));
        assert_eq!(
            check_stage("主体已完工，计划12月建成投用。", "建成投用"),
            Some(Behind)
        );
        assert_eq!(
            check_stage("主体已完工，计划12月建成投用。", "主体完工"),
            Some(Reached)
        );
    }

    #[test]
    fn silence_and_what_follows_a_stage_decide_nothing() {
        assert_eq!(check_stage("完成投资1.2亿元。", "开工"), None);
        assert_eq!(check_stage("建成后将新增床位500张。", "建成投用"), None);
        assert_eq!(
            check_stage("中心城区建成区绿化覆盖率提升。", "建成投用"),
            None
        );
        assert_eq!(check_stage("已开工。", "封顶"), None, "not a stage");
    }

    #[test]
    fn the_words_reached() {
        assert_eq!(reached_words("主体已完工"), Some("主体已完工"));
        assert_eq!(reached_words("尚未开工"), None);
    }

    #[test]
    fn a_due_stage_judges_a_part_year_report() {
        use crate::{assess_text_at, period_for};
        use duban_model::{Schedule, Verdict};
        let d = |m: u8, day: u8| {
            time::Date::from_calendar_date(2031, time::Month::try_from(m).unwrap(), day).unwrap()
        };
        let october = period_for(Some(d(10, 31)), None, Some(2031)).unwrap();
        let due = october.with_stages(&[(d(9, 30), "主体完工"), (d(12, 31), "建成投用")]);
        let task = "新建区级文化中心";

        let a = assess_text_at(task, "文化中心主体已完工，正在内部装修。", Some(due));
        assert_eq!(a.schedule, Some(Schedule::OnTrack));
        assert_ne!(a.verdict, Verdict::NotMet);
        assert!(
            a.explanation.contains("节点要求9月30日主体完工，已达到"),
            "{}",
            a.explanation
        );

        let a = assess_text_at(task, "文化中心已开工，正在进行基础施工。", Some(due));
        assert_eq!(a.verdict, Verdict::NotMet);
        assert_eq!(a.schedule, Some(Schedule::Lagging));
        assert!(
            a.explanation.contains("进展为已开工，滞后"),
            "{}",
            a.explanation
        );

        // Silent on the stage: the stage changes nothing.
        let silent = assess_text_at(task, "完成投资8000万元。", Some(due));
        let plain = assess_text_at(task, "完成投资8000万元。", Some(october));
        assert_eq!(silent, plain);
        // The December stage is not due in October.
        let later = october.with_stages(&[(d(12, 31), "建成投用")]);
        let a = assess_text_at(task, "文化中心已开工。", Some(later));
        assert_eq!(a, assess_text_at(task, "文化中心已开工。", Some(october)));
    }
}
