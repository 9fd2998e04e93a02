use serde::{Deserialize, Serialize};

/// One responsible unit as named in a ledger cell, with the alias Word files put in
/// parentheses on the next line ("区商务委（区招商中心）").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnitRef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

impl UnitRef {
    pub fn new(name: impl Into<String>) -> Self {
        UnitRef {
            name: name.into(),
            aliases: Vec::new(),
        }
    }

    /// The form the ledger shows: "区商务委（区招商中心）".
    pub fn display(&self) -> String {
        let mut s = self.name.clone();
        for a in &self.aliases {
            s.push('（');
            s.push_str(a);
            s.push('）');
        }
        s
    }

    /// Whether `name` names this unit, by its name or any alias.
    pub fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.iter().any(|a| a == name)
    }
}

/// Placeholders that stand for a group of units rather than one unit
/// ("各镇街", "区级有关部门", "相关街道", "招商领导小组成员单位" …).
///
/// They are kept on the task as groups: no account can belong to them and they are
/// never counted as units in rankings.
pub fn is_group_placeholder(name: &str) -> bool {
    let n = name.trim();
    if n.is_empty() {
        return false;
    }
    const PREFIXES: [&str; 6] = ["各", "有关", "相关", "其他", "其余", "全体"];
    const MARKERS: [&str; 8] = [
        "区级各部门",
        "区级有关",
        "区级相关",
        "成员单位",
        "区属国有重点企业",
        "区属国有企业",
        "各行业主管部门",
        "窗口单位",
    ];
    PREFIXES.iter().any(|p| n.starts_with(p)) || MARKERS.iter().any(|m| n.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_joins_aliases_in_fullwidth_parentheses() {
        let u = UnitRef {
            name: "区商务委".into(),
            aliases: vec!["区招商中心".into()],
        };
        assert_eq!(u.display(), "区商务委（区招商中心）");
        assert!(u.answers_to("区招商中心"));
        assert!(u.answers_to("区商务委"));
        assert!(!u.answers_to("区科技局"));
    }

    #[test]
    fn groups_are_recognised() {
        for g in [
            "各镇街",
            "各有关镇街",
            "各涉农镇街",
            "区级各部门",
            "区级有关部门",
            "相关街道",
            "有关镇街",
            "招商领导小组成员单位",
            "区属国有重点企业",
        ] {
            assert!(is_group_placeholder(g), "{g}");
        }
        for u in ["区科技局", "工投公司", "覃家岗街道", "磁器口古镇管委会"] {
            assert!(!is_group_placeholder(u), "{u}");
        }
    }
}
