//! Decomposition documents written as prose: headings ("一、…", "（一）…") give sections and
//! each numbered item ends in its responsibilities,
//! "（责任领导：张三；牵头单位：区发改局；责任单位：区财政局、各镇街）".
use duban_model::{Location, Table, Task, WarningCode};

use super::Ctx;
use super::claims::{strip_heading_number, strip_item_number};
use super::units;

const LEADER_KEYS: [&str; 3] = ["责任领导", "分管领导", "牵头领导"];
const LEAD_KEYS: [&str; 4] = ["牵头单位", "牵头部门", "主责单位", "牵头"];
const OTHER_UNIT_KEYS: [&str; 6] = [
    "责任单位",
    "配合单位",
    "协同单位",
    "协办单位",
    "责任部门",
    "参与单位",
];
const DEADLINE_KEYS: [&str; 4] = ["完成时限", "时间节点", "完成时间", "时限"];

fn all_keys() -> impl Iterator<Item = &'static str> {
    LEADER_KEYS
        .into_iter()
        .chain(LEAD_KEYS)
        .chain(OTHER_UNIT_KEYS)
        .chain(DEADLINE_KEYS)
}

/// Splits "任务正文（责任领导：…；牵头单位：…）" into the body and the parenthesis' inside.
fn responsibility_tail(p: &str) -> Option<(&str, &str)> {
    let p = p.trim_end().trim_end_matches(['。', '；', ';']);
    let inner_end = p.strip_suffix('）').or_else(|| p.strip_suffix(')'))?;
    // The parenthesis matching the final one: aliases nest inside it ("区商务委（区招商中心）").
    let mut depth = 0usize;
    let mut open = None;
    for (i, c) in inner_end.char_indices().rev() {
        match c {
            '）' | ')' => depth += 1,
            '（' | '(' if depth == 0 => {
                open = Some(i);
                break;
            }
            '（' | '(' => depth -= 1,
            _ => {}
        }
    }
    let open = open?;
    let inner = &inner_end[open..];
    let inner = inner
        .strip_prefix('（')
        .or_else(|| inner.strip_prefix('('))
        .unwrap_or(inner);
    if !all_keys().any(|k| inner.contains(k)) || !inner.contains(['：', ':']) {
        return None;
    }
    Some((&p[..open], inner))
}

#[derive(Default)]
struct Fields {
    /// Leader, lead units, other units, deadline, in that order.
    values: [Vec<String>; 4],
}

fn key_slot(key: &str) -> Option<usize> {
    let key = key.trim();
    [
        &LEADER_KEYS[..],
        &LEAD_KEYS[..],
        &OTHER_UNIT_KEYS[..],
        &DEADLINE_KEYS[..],
    ]
    .iter()
    .position(|keys| keys.contains(&key))
}

/// "责任领导：张三；牵头单位：区发改局，区财政局" — pieces without a key continue the field before.
fn fields(inner: &str) -> Fields {
    let mut f = Fields::default();
    let mut current: Option<usize> = None;
    for piece in inner.split(['；', ';', '，', ',']) {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        let (slot, value) = match piece.split_once(['：', ':']) {
            Some((k, v)) if key_slot(k).is_some() => (key_slot(k), v.trim()),
            _ => (current, piece),
        };
        current = slot;
        if let Some(values) = slot.and_then(|s| f.values.get_mut(s))
            && !value.is_empty()
        {
            values.push(value.to_string());
        }
    }
    f
}

/// Reads the numbered items of `paras`; `None` when there are none.
pub(crate) fn read(
    paras: &[String],
    index: usize,
    title: Option<&str>,
    ctx: &mut Ctx,
) -> Option<(Table, Vec<Task>)> {
    let label = "正文".to_string();
    let table_loc = Location::table(index, label.clone());
    let mut section: Option<String> = None;
    let mut pending: Option<String> = None;
    let mut tasks: Vec<Task> = Vec::new();

    for p in paras {
        let p = p.trim();
        // A new item or heading abandons an item whose responsibilities never came.
        let starts_anew = strip_item_number(p).is_some() || strip_heading_number(p).is_some();
        let joined = match pending.take() {
            Some(mut prev) if !starts_anew => {
                prev.push_str(p);
                prev
            }
            _ => p.to_string(),
        };
        if let Some((body, inner)) = responsibility_tail(&joined) {
            let body = strip_item_number(body).map_or(body, |(_, rest)| rest);
            let text = body
                .trim()
                .trim_end_matches(['。', '；', ';', '，', ','])
                .trim();
            if text.is_empty() {
                continue;
            }
            let row = tasks.len() as u32 + 1;
            let mut task = Task::new(index, row, text);
            task.section.clone_from(&section);
            let f = fields(inner);
            let [leader, lead, other, deadline] = f.values;
            let (lead, coop) = if lead.is_empty() {
                (other, Vec::new())
            } else {
                (lead, other)
            };
            let lead = units::split(&lead.join("、"));
            let coop = units::split(&coop.join("、"));
            task.lead_units = lead.units;
            task.lead_groups = lead.groups;
            task.coop_units = coop.units;
            task.coop_groups = coop.groups;
            task.leader = Some(leader.join("、")).filter(|s| !s.is_empty());
            task.deadline = Some(deadline.join("、")).filter(|s| !s.is_empty());
            if task.lead_units.is_empty() && task.lead_groups.is_empty() {
                ctx.warn(
                    WarningCode::MissingLeadUnit,
                    table_loc.clone().row(row),
                    format!("{label} 第{row}项没有牵头单位"),
                );
            }
            tasks.push(task);
            continue;
        }
        if strip_item_number(&joined).is_some() && joined.chars().count() < 2000 {
            // An item whose responsibilities follow in the next paragraph.
            pending = Some(joined);
            continue;
        }
        if let Some(h) = strip_heading_number(&joined)
            && joined.chars().count() <= 40
        {
            let h = h.trim_end_matches(['。', '：', ':']).trim();
            if !h.is_empty() {
                section = Some(h.to_string());
            }
        }
    }
    if tasks.is_empty() {
        return None;
    }
    let table = Table {
        index,
        label,
        title: title.map(str::to_string),
        claimed_rows: None,
        rows: tasks.len(),
        office_verdict: None,
    };
    Some((table, tasks))
}
