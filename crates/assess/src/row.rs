//! What a progress text says about its row as a whole, apart from any one target: a stated
//! completion share ("完成率124%", a cell that is only "95%"), a blanket "已完成", and words
//! saying the work is behind schedule.

use crate::evidence::Progress;
use crate::text::{self, Span};
use crate::units;

/// Facts about the whole row.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowFacts {
    /// The share of the row's work done, in percent, and where it is written.
    pub ratio: Option<(f64, Span)>,
    /// A blanket statement that the row's work is done ("已完成", "完成年度目标任务").
    pub blanket: Option<Span>,
    /// Words saying the work is behind ("进度滞后", "推进缓慢").
    pub lagging: Option<Span>,
    /// Words saying it is ahead ("超序时", "提前完成").
    pub ahead: Option<Span>,
    /// Words saying it is on schedule ("达到序时进度", "按序时推进"): the office's own
    /// milestone may differ from linear time.
    pub on_track: Option<Span>,
}

/// Words before a percentage that make it the row's completion share.
const RATIO_WORDS: [&str; 17] = [
    "完成率",
    "完成进度",
    "占年度任务",
    "占全年任务",
    "占年度目标",
    "占全年目标",
    "占目标任务",
    "占总计划",
    "占年度计划",
    "年度任务的",
    "年度目标的",
    "全年任务的",
    "全年目标的",
    "年度计划的",
    "目标任务的",
    "任务的",
    "目标的",
];
/// A cell that opens with these and a percentage speaks of the whole row ("完成85%").
const OPENERS: [&str; 7] = [
    "整体完成",
    "总体完成",
    "累计完成",
    "已完成",
    "完成",
    "进度",
    "约",
];
const LAGGING: [&str; 11] = [
    "滞后",
    "偏慢",
    "差距较大",
    "未达序时",
    "未达到序时",
    "低于序时",
    "慢于序时",
    "推进缓慢",
    "进度缓慢",
    "进展缓慢",
    "落后于序时",
];
const AHEAD: [&str; 4] = ["超序时", "快于序时", "提前完成", "超额完成"];
const ON_TRACK: [&str; 6] = [
    "达到序时",
    "符合序时",
    "序时推进",
    "按序时",
    "与序时同步",
    "按时序推进",
];
/// Clauses that are a blanket statement of completion.
const BLANKET_WHOLE: [&str; 7] = [
    "已完成",
    "已全部完成",
    "全部完成",
    "已完工",
    "已建成",
    "已全部建成",
    "已办结",
];
const BLANKET_IN: [&str; 6] = [
    "完成年度目标任务",
    "完成年度任务",
    "完成全年目标任务",
    "完成全年任务",
    "完成该项任务",
    "已完成任务",
];
const NEGATION: [&str; 5] = ["未", "没有", "尚未", "难以", "无法"];

fn negated(s: &[char], at: usize) -> bool {
    let before = s.get(at.saturating_sub(5)..at).unwrap_or(&[]);
    NEGATION.iter().any(|w| text::contains_str(before, w))
}

fn find_any(s: &[char], words: &[&str]) -> Option<usize> {
    words.iter().filter_map(|w| text::find_str(s, w)).min()
}

/// Reads the row-level facts of a progress text.
pub fn facts(p: &Progress) -> RowFacts {
    let mut f = RowFacts::default();
    for cl in p.clauses.iter().copied() {
        let s = text::slice(&p.chars, cl);
        if f.lagging.is_none()
            && let Some(at) = find_any(s, &LAGGING)
            && !negated(s, at)
        {
            f.lagging = Some(cl);
        }
        if f.ahead.is_none()
            && let Some(at) = find_any(s, &AHEAD)
            && !negated(s, at)
        {
            f.ahead = Some(cl);
        }
        if f.on_track.is_none()
            && let Some(at) = find_any(s, &ON_TRACK)
            && !negated(s, at)
        {
            f.on_track = Some(cl);
        }
        if f.blanket.is_none() {
            let bare: String = s.iter().filter(|c| !"。，；、！ ".contains(**c)).collect();
            let whole = BLANKET_WHOLE.contains(&bare.as_str());
            let inside = find_any(s, &BLANKET_IN).is_some_and(|at| !negated(s, at));
            if whole || inside {
                f.blanket = Some(cl);
            }
        }
    }
    f.ratio = stated_ratio(p).or_else(|| opening_ratio(p));
    f
}

/// "完成率124%", "占年度任务的85%".
fn stated_ratio(p: &Progress) -> Option<(f64, Span)> {
    p.tokens
        .iter()
        .filter(|t| t.unit.is_some_and(|u| u.dim == units::Dim::Percent))
        .find_map(|t| {
            let before = p.chars.get(t.start.saturating_sub(8)..t.start)?;
            let hit = RATIO_WORDS.iter().any(|w| text::contains_str(before, w));
            hit.then(|| {
                let cl = text::clause_at(&p.chars, t.start);
                (
                    t.value(),
                    Span {
                        start: cl.start.max(t.start.saturating_sub(8)),
                        end: t.end,
                    },
                )
            })
        })
}

/// A cell that is only a percentage, or opens with one ("95%", "88%（两条路推进缓慢）",
/// "完成85%"): the share of the row's work done.
fn opening_ratio(p: &Progress) -> Option<(f64, Span)> {
    let t = p.tokens.first()?;
    if !t.unit.is_some_and(|u| u.dim == units::Dim::Percent) || t.negative {
        return None;
    }
    let lead: String = p
        .chars
        .get(..t.start)?
        .iter()
        .filter(|c| !c.is_whitespace())
        .collect();
    if !(lead.is_empty() || OPENERS.contains(&lead.as_str())) {
        return None;
    }
    let next = p.chars.get(t.end).copied();
    let ends = next.is_none_or(|c| text::is_clause_end(c) || "（(".contains(c))
        || p.chars
            .get(t.end..)
            .is_some_and(|r| text::starts_with(r, "完成"));
    ends.then_some((
        t.value(),
        Span {
            start: 0,
            end: t.end,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> RowFacts {
        facts(&Progress::new(s))
    }

    #[test]
    fn completion_shares() {
        assert_eq!(f("完成620个，完成率124%").ratio.map(|r| r.0), Some(124.0));
        assert_eq!(f("85%").ratio.map(|r| r.0), Some(85.0));
        assert_eq!(f("完成85%").ratio.map(|r| r.0), Some(85.0));
        assert_eq!(f("100%完成").ratio.map(|r| r.0), Some(100.0));
        assert_eq!(f("已完成全年目标任务的76%").ratio.map(|r| r.0), Some(76.0));
        assert_eq!(
            f("完成投资2亿元，完成年度计划的70%").ratio.map(|r| r.0),
            Some(70.0)
        );
        assert_eq!(f("76%（东片进度滞后）").ratio.map(|r| r.0), Some(76.0));
        assert_eq!(
            f("累计完成投资3亿元，占年度任务的62%").ratio.map(|r| r.0),
            Some(62.0)
        );
        assert!(f("85%的村已通客车").ratio.is_none());
        assert!(f("同比增长8%").ratio.is_none());
    }

    #[test]
    fn lagging_ahead_and_blanket_words() {
        assert!(f("76%（东片进度滞后）").lagging.is_some());
        assert!(f("二期推进缓慢").lagging.is_some());
        assert!(f("未出现进度滞后").lagging.is_none());
        assert!(f("已提前完成全年任务").ahead.is_some());
        assert!(f("新增3200人，达到序时进度").on_track.is_some());
        assert!(f("未达到序时进度").on_track.is_none());
        assert!(f("已完成").blanket.is_some());
        assert!(f("新增岗位40个，完成年度目标任务。").blanket.is_some());
        assert!(f("未完成年度目标任务").blanket.is_none());
        assert!(f("已完成设计方案").blanket.is_none());
    }
}
