//! Unit cells split into single units.
//!
//! A cell lists units one per line or separated by 、，； — a line in parentheses is the
//! alias of the unit before it ("区商务委\n（区招商中心）"), and a line starting with
//! 领导小组 / 成员单位 / 联席会议 is the end of a name Word wrapped ("科学城建设\n领导小组成员单位").
use std::collections::{HashMap, HashSet};

use duban_model::{UnitRef, is_group_placeholder};

/// Units and group placeholders named by one cell, in order, without repeats.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Units {
    pub units: Vec<UnitRef>,
    pub groups: Vec<String>,
}

const SEPARATORS: [char; 8] = ['、', '，', ',', '；', ';', '／', '/', ' '];
const CONTINUATIONS: [&str; 5] = ["领导小组", "成员单位", "联席会议", "工作小组", "指挥部"];

pub(crate) fn split(cell: &str) -> Units {
    let mut pending: Vec<UnitRef> = Vec::new();
    for line in cell.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(alias) = whole_parenthesised(line) {
            match pending.last_mut() {
                Some(prev) => push_alias(prev, alias),
                None => pending.push(UnitRef::new(alias)),
            }
            continue;
        }
        let mut tokens = line
            .split(SEPARATORS)
            .map(str::trim)
            .filter(|t| !t.is_empty());
        if CONTINUATIONS.iter().any(|c| line.starts_with(c))
            && let (Some(prev), Some(first)) = (pending.last_mut(), tokens.next())
        {
            prev.name.push_str(first);
        }
        for token in tokens {
            if let Some(alias) = whole_parenthesised(token) {
                match pending.last_mut() {
                    Some(prev) => push_alias(prev, alias),
                    None => pending.push(UnitRef::new(alias)),
                }
                continue;
            }
            pending.push(unit_with_inline_alias(token));
        }
    }

    let mut out = Units::default();
    // Positions by name: a hostile cell of a million names must not cost a million squared.
    let mut unit_at: HashMap<String, usize> = HashMap::new();
    let mut groups_seen: HashSet<String> = HashSet::new();
    for u in pending {
        let name = u.name.trim_end_matches(['。', '.', '等']).to_string();
        if name.is_empty() {
            continue;
        }
        if is_group_placeholder(&name) {
            if groups_seen.insert(name.clone()) {
                out.groups.push(name);
            }
        } else if let Some(existing) = unit_at.get(&name).and_then(|&i| out.units.get_mut(i)) {
            for a in u.aliases {
                push_alias(existing, &a);
            }
        } else {
            unit_at.insert(name.clone(), out.units.len());
            out.units.push(UnitRef {
                name,
                aliases: u.aliases,
            });
        }
    }
    // Every task keeps these lists: no room for names that never came (a Vec's first
    // push reserves four).
    out.units.shrink_to_fit();
    out.groups.shrink_to_fit();
    for u in &mut out.units {
        u.aliases.shrink_to_fit();
    }
    out
}

/// Notes on a unit's role written in parentheses ("区发改委（牵头）"): not another name.
fn is_role_note(s: &str) -> bool {
    ["牵头", "配合", "负责", "总责", "主责", "协办", "参与"]
        .iter()
        .any(|w| s.contains(w))
        && !s.ends_with([
            '办', '局', '委', '室', '心', '会', '司', '部', '院', '所', '队', '组',
        ])
}

fn push_alias(unit: &mut UnitRef, alias: &str) {
    let alias = alias.trim();
    // No unit has more than a few other names; a longer list is junk, not worth a
    // quadratic search.
    const MAX_ALIASES: usize = 16;
    if is_role_note(alias) || unit.aliases.len() >= MAX_ALIASES {
        return;
    }
    if !alias.is_empty() && alias != unit.name && !unit.aliases.iter().any(|a| a == alias) {
        unit.aliases.push(alias.to_string());
    }
}

fn whole_parenthesised(s: &str) -> Option<&str> {
    let after = s.strip_prefix('（').or_else(|| s.strip_prefix('('))?;
    let inner = after
        .strip_suffix('）')
        .or_else(|| after.strip_suffix(')'))?;
    // "（区招商中心）" only: an inner parenthesis means more than one group.
    if inner.contains(['（', '(', '）', ')']) {
        return None;
    }
    Some(inner)
}

/// "区商务委（区招商中心）" → name and alias.
fn unit_with_inline_alias(token: &str) -> UnitRef {
    let Some(open) = token.find(['（', '(']) else {
        return UnitRef::new(token);
    };
    let name = token[..open].trim();
    let mut unit = UnitRef::new(name);
    let mut rest = &token[open..];
    while let Some(after_open) = rest.strip_prefix('（').or_else(|| rest.strip_prefix('(')) {
        let close = after_open.find(['）', ')']).unwrap_or(after_open.len());
        push_alias(&mut unit, &after_open[..close]);
        rest = after_open[close..]
            .trim_start_matches(['）', ')'])
            .trim_start();
    }
    if name.is_empty() {
        // "（区招商中心）xx": not an alias form; keep the token whole rather than lose it.
        return UnitRef::new(token);
    }
    unit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(u: &Units) -> Vec<String> {
        u.units.iter().map(UnitRef::display).collect()
    }

    #[test]
    fn lines_aliases_and_separators() {
        let u = split("区科技局\n区经济信息委\n区商务委\n（区招商中心）");
        assert_eq!(
            names(&u),
            ["区科技局", "区经济信息委", "区商务委（区招商中心）"]
        );
        let u = split("区财政局、区教委；区商务委（区招商中心）");
        assert_eq!(names(&u), ["区财政局", "区教委", "区商务委（区招商中心）"]);
        assert_eq!(u.units[2].aliases, ["区招商中心"]);
    }

    #[test]
    fn wrapped_group_names_join_and_become_groups() {
        let u = split("科学城建设\n领导小组成员单位");
        assert!(u.units.is_empty());
        assert_eq!(u.groups, ["科学城建设领导小组成员单位"]);
        let u = split(
            "违法建筑专项整治工作领导小组成员单位\n生活垃圾分类工作\n领导小组成员单位\n各镇街",
        );
        assert_eq!(
            u.groups,
            [
                "违法建筑专项整治工作领导小组成员单位",
                "生活垃圾分类工作领导小组成员单位",
                "各镇街"
            ]
        );
    }

    #[test]
    fn groups_and_units_apart() {
        let u = split("区发展改革委\n区商务委\n（区招商中心）\n区属国有重点企业");
        assert_eq!(names(&u), ["区发展改革委", "区商务委（区招商中心）"]);
        assert_eq!(u.groups, ["区属国有重点企业"]);
    }

    #[test]
    fn role_notes_are_not_aliases() {
        let u =
            split("区发展改革委（牵头）\n区财政局（配合）\n区科技局\n（科学城建设领导小组办公室）");
        assert_eq!(
            names(&u),
            [
                "区发展改革委",
                "区财政局",
                "区科技局（科学城建设领导小组办公室）"
            ]
        );
    }

    #[test]
    fn leading_alias_without_unit_is_kept_as_unit() {
        let u = split("（区金融办）");
        assert_eq!(names(&u), ["区金融办"]);
    }
}
