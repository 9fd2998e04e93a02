use serde::{Deserialize, Serialize};

/// The unit's own view of where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfStatus {
    /// 已完成
    Done,
    /// 序时推进
    OnSchedule,
    /// 滞后
    Lagging,
    /// 未启动
    NotStarted,
}

impl SelfStatus {
    pub const ALL: [SelfStatus; 4] = [
        SelfStatus::Done,
        SelfStatus::OnSchedule,
        SelfStatus::Lagging,
        SelfStatus::NotStarted,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SelfStatus::Done => "done",
            SelfStatus::OnSchedule => "on_schedule",
            SelfStatus::Lagging => "lagging",
            SelfStatus::NotStarted => "not_started",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        SelfStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            SelfStatus::Done => "已完成",
            SelfStatus::OnSchedule => "序时推进",
            SelfStatus::Lagging => "滞后",
            SelfStatus::NotStarted => "未启动",
        }
    }
}
