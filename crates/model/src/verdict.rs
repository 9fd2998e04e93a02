use serde::{Deserialize, Serialize};

/// A judgement on a target or a task.
///
/// The office's own verdicts (from a table title or a status column) only ever use
/// `Met` and `NotMet`; the machine may also say a target cannot be verified from the
/// text, or that it states nothing checkable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Met,
    NotMet,
    Unverifiable,
    Qualitative,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [
        Verdict::Met,
        Verdict::NotMet,
        Verdict::Unverifiable,
        Verdict::Qualitative,
    ];

    /// The stable identifier used in JSON, URLs and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::NotMet => "not_met",
            Verdict::Unverifiable => "unverifiable",
            Verdict::Qualitative => "qualitative",
        }
    }

    /// Parses the stable identifier back.
    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The label shown to users.
    pub fn label_zh(self) -> &'static str {
        match self {
            Verdict::Met => "已完成",
            Verdict::NotMet => "未完成",
            Verdict::Unverifiable => "无法核实",
            Verdict::Qualitative => "定性任务",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the office's verdict and the machine's disagree.
///
/// Only a definite machine verdict can dispute the office: `unverifiable` and
/// `qualitative` mean the machine has no grounds to contradict anyone.
pub fn disputed(office: Option<Verdict>, machine: Option<Verdict>) -> bool {
    match (office, machine) {
        (Some(o), Some(m @ (Verdict::Met | Verdict::NotMet))) => o != m,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip() {
        for v in Verdict::ALL {
            assert_eq!(Verdict::parse(v.as_str()), Some(v));
        }
        assert_eq!(Verdict::parse("done"), None);
    }

    #[test]
    fn only_definite_machine_verdicts_dispute() {
        assert!(disputed(Some(Verdict::Met), Some(Verdict::NotMet)));
        assert!(!disputed(Some(Verdict::Met), Some(Verdict::Met)));
        assert!(!disputed(Some(Verdict::Met), Some(Verdict::Unverifiable)));
        assert!(!disputed(None, Some(Verdict::NotMet)));
        assert!(!disputed(Some(Verdict::NotMet), None));
    }
}
