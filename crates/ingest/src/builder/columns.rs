//! Column headers matched by meaning, not position.
use super::clean::compact;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Number,
    Section,
    Task,
    Lead,
    Coop,
    Leader,
    Deadline,
    Progress,
    Status,
    /// Dated steps (时间节点 / 序时目标 / 进度安排): "6月底前完成2500辆；9月底主体完工".
    Milestones,
    /// A second task column ("目标要求" beside "工作任务"): its text completes the task's.
    /// Never returned by [`classify`]; the builder assigns it.
    TaskMore,
}

/// Columns duban's ledger export adds beside the office's (`duban_docs::LEDGER_COLUMNS`):
/// the machine's verdict, its explanation, the evidence and the close-out date. They are
/// known, and not read — the engine reads the progress again on import, and a close-out is
/// the service's record — so re-importing an export is silent.
const DERIVED: [&str; 4] = ["机器判定", "判定说明", "证据", "办结销号"];

pub(crate) fn is_derived(header: &str) -> bool {
    let h: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    DERIVED.contains(&h.as_str())
}

impl Role {
    /// The usual header, for messages about a column the table lacks.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Role::Number => "序号",
            Role::Section => "工作板块",
            Role::Task => "具体任务",
            Role::Lead => "牵头单位",
            Role::Coop => "配合单位",
            Role::Leader => "责任领导",
            Role::Deadline => "完成时限",
            Role::Progress => "完成情况",
            Role::Status => "完成状态",
            Role::Milestones => "时间节点",
            Role::TaskMore => "目标要求",
        }
    }
}

const EXACT: &[(Role, &[&str])] = &[
    (
        Role::Number,
        &["序号", "编号", "序", "序列号", "No", "No.", "NO."],
    ),
    (
        Role::Section,
        &["工作板块", "板块", "类别", "领域", "工作领域", "分类"],
    ),
    (
        Role::Task,
        &[
            "具体任务",
            "工作任务",
            "主要任务",
            "重点任务",
            "任务内容",
            "目标任务",
            "工作内容",
            "任务",
            "重点工作",
            "工作目标",
            "任务名称",
        ],
    ),
    (
        Role::Lead,
        &[
            "牵头单位",
            "责任单位",
            "主责单位",
            "牵头部门",
            "责任部门",
            "牵头责任单位",
        ],
    ),
    (
        Role::Coop,
        &[
            "配合单位",
            "协同单位",
            "配合部门",
            "协办单位",
            "责任主体与协同单位",
        ],
    ),
    (
        Role::Leader,
        &["责任领导", "分管领导", "牵头领导", "区领导"],
    ),
    (Role::Deadline, &["完成时限", "完成时间", "时限"]),
    (
        Role::Milestones,
        &[
            "时间节点",
            "序时目标",
            "节点目标",
            "进度安排",
            "节点安排",
            "阶段目标",
            "序时进度安排",
            "时序进度",
        ],
    ),
    (
        Role::Progress,
        &[
            "完成情况",
            "进展情况",
            "推进情况",
            "工作进展",
            "进展",
            "落实情况",
        ],
    ),
    (Role::Status, &["完成状态", "是否完成", "是否达序", "状态"]),
];

/// Fragments that decide a header's meaning when it is not a known header as a whole,
/// tried in this order: "2022年全年任务完成情况综述" is progress although it names 任务,
/// "责任主体与协同单位" cooperates although it names 责任.
const CONTAINS: &[(Role, &[&str])] = &[
    (Role::Number, &["序号"]),
    // Before progress: "进度安排" plans the steps, it reports none.
    (
        Role::Milestones,
        &["序时目标", "节点目标", "进度安排", "节点安排", "阶段目标"],
    ),
    (
        Role::Status,
        &["完成状态", "是否完成", "是否达序", "是否达标", "状态"],
    ),
    (
        Role::Progress,
        &[
            "完成情况",
            "进展情况",
            "推进情况",
            "工作进展",
            "落实情况",
            "执行情况",
            "进展",
            "进度",
            "综述",
        ],
    ),
    (Role::Coop, &["配合", "协同", "协办", "协作", "参与单位"]),
    // Before the lead: "牵头区领导" is a person, not a unit.
    (Role::Leader, &["领导", "责任人"]),
    (
        Role::Lead,
        &[
            "牵头",
            "主责",
            "责任单位",
            "责任部门",
            "承办单位",
            "主办单位",
        ],
    ),
    (Role::Deadline, &["时限", "时间", "节点", "期限", "截止"]),
    (Role::Section, &["板块", "类别", "领域", "分类"]),
    (Role::Task, &["任务", "工作内容", "目标", "事项"]),
];

pub(crate) fn classify(header: &str) -> Option<Role> {
    let h = compact(header);
    if h.is_empty() {
        return None;
    }
    for (role, names) in EXACT {
        if names.iter().any(|n| *n == h) {
            return Some(*role);
        }
    }
    for (role, parts) in CONTAINS {
        if parts.iter().any(|p| h.contains(p)) {
            return Some(*role);
        }
    }
    None
}

/// How recent a dated progress header is ("1-11月推进情况" beats "1-6月推进情况";
/// "全年" counts as month 12), as (year, last month); undated headers rank lowest.
pub(crate) fn recency(header: &str) -> (u32, u32) {
    let h = compact(header);
    let chars: Vec<char> = h.chars().collect();
    let mut year = 0;
    let mut month = 0;
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let n: u32 = chars[start..i]
                .iter()
                .collect::<String>()
                .parse()
                .unwrap_or(0);
            match chars.get(i) {
                Some('年') if n >= 1000 => year = year.max(n),
                Some('月') if (1..=12).contains(&n) => month = month.max(n),
                _ => {}
            }
        } else {
            i += 1;
        }
    }
    const PERIODS: [(&str, u32); 10] = [
        ("一季度", 3),
        ("上半年", 6),
        ("二季度", 6),
        ("前三季度", 9),
        ("三季度", 9),
        ("四季度", 12),
        ("全年", 12),
        ("年度", 12),
        ("年底", 12),
        ("年末", 12),
    ];
    for (word, m) in PERIODS {
        if h.contains(word) {
            month = month.max(m);
        }
    }
    (year, month)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_and_stray_spaces() {
        assert_eq!(classify("牵头 单位"), Some(Role::Lead));
        assert_eq!(classify("主责单位"), Some(Role::Lead));
        assert_eq!(classify("责任主体与协同单位"), Some(Role::Coop));
        assert_eq!(classify("2022年全年任务完成情况综述"), Some(Role::Progress));
        assert_eq!(classify("1-11月推进情况"), Some(Role::Progress));
        assert_eq!(classify("是否达序"), Some(Role::Status));
        assert_eq!(classify("工作板块"), Some(Role::Section));
        assert_eq!(classify("目标任务"), Some(Role::Task));
        assert_eq!(classify("序 号"), Some(Role::Number));
        assert_eq!(classify("备注"), None);
        assert_eq!(classify("牵头区领导"), Some(Role::Leader));
        assert_eq!(classify("责任人"), Some(Role::Leader));
        assert_eq!(classify("牵头单位（部门）"), Some(Role::Lead));
        assert_eq!(classify("完成时间节点"), Some(Role::Deadline));
        assert_eq!(classify("年度目标"), Some(Role::Task));
        assert_eq!(classify("时间节点"), Some(Role::Milestones));
        assert_eq!(classify("序时目标"), Some(Role::Milestones));
        assert_eq!(classify("2026年节点目标"), Some(Role::Milestones));
        assert_eq!(classify("进度安排"), Some(Role::Milestones));
        assert_eq!(classify("完成时限"), Some(Role::Deadline));
    }

    #[test]
    fn later_months_rank_higher() {
        assert!(recency("1-11月推进情况") > recency("1-6月推进情况"));
        assert!(recency("全年完成情况") > recency("1-11月推进情况"));
        assert!(recency("2023年1-3月进展") > recency("2022年全年完成情况"));
        assert_eq!(recency("完成情况"), (0, 0));
        assert!(recency("前三季度推进情况") > recency("上半年推进情况"));
    }
}
