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

/// "牵头单位：区科技局" on a line of its own, after its item.
fn is_key_line(p: &str) -> bool {
    p.split_once(['：', ':'])
        .is_some_and(|(k, _)| key_slot(k).is_some())
}

/// A numbered item being read: its text, the section it stands in, its responsibilities.
struct Item {
    body: String,
    section: Option<String>,
    inner: String,
}

/// Groups paragraphs into items. An item is a numbered paragraph (continued by the
/// paragraphs after it) or any paragraph ending in a responsibility parenthesis; the
/// responsibilities come from that parenthesis and from key lines right after it.
/// Numbered paragraphs that never get responsibilities are not tasks (a summary's list).
/// Also returns the numbered paragraphs left out among items (to be warned about).
fn items(paras: &[String]) -> (Vec<Item>, Vec<String>) {
    const MAX_ITEM_CHARS: usize = 2000;
    let mut out: Vec<Item> = Vec::new();
    let mut left_out: Vec<String> = Vec::new();
    let mut open: Option<Item> = None;
    let mut section: Option<String> = None;
    // Whether the paragraph before completed an item, so a key line may still add to it.
    let mut after_item = false;

    for p in paras {
        let p = p.trim();
        if is_key_line(p) {
            let target = match open.as_mut() {
                Some(item) => Some(item),
                None if after_item => out.last_mut(),
                None => None,
            };
            if let Some(item) = target {
                if !item.inner.is_empty() {
                    item.inner.push('；');
                }
                item.inner.push_str(p);
                after_item = true;
            }
            continue;
        }
        let starts_item = strip_item_number(p).is_some();
        let heading = !starts_item
            && strip_heading_number(p).is_some()
            && p.chars().count() <= 40
            && responsibility_tail(p).is_none();
        let continues = !starts_item
            && !heading
            && open
                .as_ref()
                .is_some_and(|o| o.inner.is_empty() && o.body.chars().count() < MAX_ITEM_CHARS);
        if continues {
            if let Some(o) = open.as_mut() {
                o.body.push_str(p);
            }
        } else {
            if let Some(o) = open.take() {
                if !o.inner.is_empty() {
                    out.push(o);
                } else if !out.is_empty() {
                    left_out.push(o.body);
                }
            }
            after_item = false;
            if heading {
                if let Some(h) = strip_heading_number(p) {
                    let h = h.trim_end_matches(['。', '：', ':']).trim();
                    if !h.is_empty() {
                        section = Some(h.to_string());
                    }
                }
                continue;
            }
            if !starts_item && responsibility_tail(p).is_none() {
                continue;
            }
            open = Some(Item {
                body: p.to_string(),
                section: section.clone(),
                inner: String::new(),
            });
        }
        // An item closes at its responsibility parenthesis.
        if let Some(o) = open.as_mut()
            && o.inner.is_empty()
            && let Some((body, inner)) = responsibility_tail(&o.body)
        {
            let (body, inner) = (body.to_string(), inner.to_string());
            o.body = body;
            o.inner = inner;
            if let Some(done) = open.take() {
                out.push(done);
            }
            after_item = true;
        }
    }
    if let Some(o) = open {
        if !o.inner.is_empty() {
            out.push(o);
        } else if !out.is_empty() {
            left_out.push(o.body);
        }
    }
    (out, left_out)
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
    let mut tasks: Vec<Task> = Vec::new();
    let (items, left_out) = items(paras);
    for body in left_out {
        let head: String = body.chars().take(30).collect();
        ctx.warn(
            WarningCode::SkippedRow,
            Location::part(label.clone()),
            format!("编号事项没有责任单位，未作为任务读入：“{head}”"),
        );
    }

    for item in items {
        let body = strip_item_number(&item.body).map_or(item.body.as_str(), |(_, rest)| rest);
        let text = body
            .trim()
            .trim_end_matches(['。', '；', ';', '，', ','])
            .trim();
        if text.is_empty() {
            continue;
        }
        let row = tasks.len() as u32 + 1;
        let mut task = Task::new(index, row, text);
        task.section = item.section;
        let [leader, lead, other, deadline] = fields(&item.inner).values;
        // Without a 牵头单位, the 责任单位 lead; beside one, they cooperate.
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
        as_of: None,
    };
    Some((table, tasks))
}
