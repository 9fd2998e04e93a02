use serde::{Deserialize, Serialize, Serializer};

use crate::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// An absolute amount: "进口整车5000辆以上", "突破2000亿元".
    Quantity,
    /// A change against last year: "增长15%", "翻一番".
    Growth,
    /// A proportion or rate: "占比60%以上", "率达40%".
    Share,
    /// Something to build, finish or bring in: "建成江山公园", "全面完成村规划编制".
    Deliverable,
    /// Wording with nothing to check: "深学笃用…", "坚持…总策略".
    Qualitative,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Quantity => "quantity",
            TargetKind::Growth => "growth",
            TargetKind::Share => "share",
            TargetKind::Deliverable => "deliverable",
            TargetKind::Qualitative => "qualitative",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Comparator {
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<")]
    Lt,
}

impl Comparator {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Ge => ">=",
            Comparator::Le => "<=",
            Comparator::Eq => "=",
            Comparator::Gt => ">",
            Comparator::Lt => "<",
        }
    }

    /// The symbol used in Chinese explanations ("目标≥5000辆").
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Ge => "≥",
            Comparator::Le => "≤",
            Comparator::Eq => "=",
            Comparator::Gt => ">",
            Comparator::Lt => "<",
        }
    }

    pub fn holds(self, actual: f64, target: f64) -> bool {
        // Figures in reports carry at most a few decimals; compare with a tolerance so
        // 40.0 written as "40%" and computed as 0.4*100 agree.
        let eps = 1e-9 * target.abs().max(1.0);
        match self {
            Comparator::Ge => actual >= target - eps,
            Comparator::Le => actual <= target + eps,
            Comparator::Eq => (actual - target).abs() <= eps,
            Comparator::Gt => actual > target + eps,
            Comparator::Lt => actual < target - eps,
        }
    }
}

impl Serialize for Comparator {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A span of the progress text that speaks to a target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub text: String,
    /// Offsets in Unicode scalar values (chars) into the task's progress text.
    pub start: usize,
    pub end: usize,
    /// Normalised value (1.48万 → 14800); `None` for non-numeric evidence such as 已建成.
    pub value: Option<f64>,
    pub unit: Option<String>,
}

/// One checkable target read from a task's text, with the machine's judgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub text: String,
    pub kind: TargetKind,
    pub metric: Option<String>,
    pub comparator: Option<Comparator>,
    /// Normalised value: 1.48万 → 14800, 15% → 15.0 with unit "%".
    pub value: Option<f64>,
    pub unit: Option<String>,
    pub verdict: Verdict,
    pub evidence: Option<Evidence>,
    /// One Chinese line: "目标≥5000辆，实际3808辆，未达成".
    pub explanation: String,
}
