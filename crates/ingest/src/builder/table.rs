//! One raw table → the model's table and its tasks.
use duban_model::{Location, Table, Task, WarningCode};

use super::Ctx;
use super::checks::repeated_sentences;
use super::claims::{claimed_count, status_verdict, strip_heading_number, verdict_words};
use super::clean::{is_blank, same_compact};
use super::columns::{Role, classify, recency};
use super::units;
use crate::IngestError;
use crate::grid::{RawCell, RawRow, RawTable};

/// How a table is named in the document: a label ("附件1") and the title above it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Caption {
    pub label: String,
    pub title: Option<String>,
}

/// No ledger is this wide: a larger span is a broken or hostile file, and honouring it
/// would cost memory and time for nothing.
const MAX_SPAN: usize = 64;
/// Columns beyond this many are not read (and never allocated).
const MAX_WIDTH: usize = 512;

fn span_of(cell: &RawCell) -> usize {
    cell.span.clamp(1, MAX_SPAN)
}

/// A cell placed on the table's grid: it covers columns `start..start + len`.
struct Placed<'a> {
    start: usize,
    len: usize,
    /// Index of the cell in its row, to take its text once the row is read.
    at: usize,
    cell: &'a RawCell,
}

fn place(row: &RawRow) -> Vec<Placed<'_>> {
    let mut at = 0;
    row.cells
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let len = span_of(cell);
            let p = Placed {
                start: at,
                len,
                at: i,
                cell,
            };
            at += len;
            p
        })
        .collect()
}

const ROLES: [Role; 11] = [
    Role::Number,
    Role::Section,
    Role::Task,
    Role::Lead,
    Role::Coop,
    Role::Leader,
    Role::Deadline,
    Role::Progress,
    Role::Status,
    Role::TaskMore,
    Role::Milestones,
];

fn slot(role: Role) -> usize {
    ROLES.iter().position(|r| *r == role).unwrap_or(0)
}

/// What each grid column holds, as read from the header row.
struct Columns {
    roles: Vec<Option<Role>>,
    names: Vec<String>,
    /// The progress header, when several progress columns competed.
    progress_label: Option<String>,
}

impl Columns {
    fn has(&self, role: Role) -> bool {
        self.roles.contains(&Some(role))
    }

    fn name_of(&self, role: Role) -> String {
        self.roles
            .iter()
            .position(|r| *r == Some(role))
            .and_then(|i| self.names.get(i))
            .filter(|n| !n.is_empty())
            .cloned()
            .unwrap_or_else(|| role.label().to_string())
    }

    /// The column a data cell's text belongs to: among the columns it covers, the task or
    /// progress column first (a cell spanning the section and task columns is a task).
    fn target(&self, p: &Placed) -> Option<Role> {
        let covered =
            || (p.start..p.start + p.len).filter_map(|i| self.roles.get(i).copied().flatten());
        covered()
            .find(|r| matches!(r, Role::Task | Role::Progress))
            .or_else(|| covered().next())
    }
}

/// Finds the header row: the first of the top rows naming a task column and one more
/// known column. `Err(true)` when a row names known columns but no task column.
fn find_header(rows: &[RawRow]) -> Result<usize, bool> {
    let mut without_task = false;
    for (i, row) in rows.iter().enumerate().take(10) {
        let roles: Vec<Role> = row.cells.iter().filter_map(|c| classify(&c.text)).collect();
        let has_task = roles.contains(&Role::Task);
        if has_task && roles.len() >= 2 {
            return Ok(i);
        }
        if !has_task && roles.len() >= 2 {
            without_task = true;
        }
    }
    Err(without_task)
}

/// Whether the row under the header is a second header line: it names columns (or dates
/// them, "1-6月") under a heading spanning several, and holds no task.
fn is_sub_header(header: &RawRow, next: &RawRow) -> bool {
    let spans_several = header
        .cells
        .iter()
        .any(|c| c.span > 1 && classify(&c.text) != Some(Role::Task));
    let texts: Vec<&str> = next
        .cells
        .iter()
        .map(|c| c.text.trim())
        .filter(|t| !t.is_empty())
        .collect();
    (spans_several || next.is_header)
        && !texts.is_empty()
        && texts
            .iter()
            .all(|t| classify(t).is_some_and(|r| r != Role::Task) || recency(t) != (0, 0))
}

fn columns(
    header: &RawRow,
    sub: Option<&RawRow>,
    width: usize,
    loc: &Location,
    ctx: &mut Ctx,
) -> Columns {
    let mut roles: Vec<Option<Role>> = vec![None; width];
    let mut names: Vec<String> = vec![String::new(); width];
    // The meaning of the heading over each column, wherever the heading spans.
    let mut over: Vec<Option<Role>> = vec![None; width];
    let placed = place(header);
    let header_has_section = header
        .cells
        .iter()
        .any(|c| classify(&c.text) == Some(Role::Section));
    for p in &placed {
        let name = ctx.clean(&p.cell.text, loc).replace('\n', "");
        for n in names.iter_mut().skip(p.start).take(p.len) {
            n.clone_from(&name);
        }
        let last = p.start + p.len - 1;
        for o in over.iter_mut().skip(p.start).take(p.len) {
            *o = classify(&p.cell.text);
        }
        match classify(&p.cell.text) {
            // One heading over two columns labels the section and the task together.
            Some(Role::Task) if p.len > 1 && !header_has_section => {
                if let Some(r) = roles.get_mut(p.start) {
                    *r = Some(Role::Section);
                }
                if let Some(r) = roles.get_mut(last) {
                    *r = Some(Role::Task);
                }
            }
            Some(role) => {
                if let Some(r) = roles.get_mut(last) {
                    *r = Some(role);
                }
            }
            // duban's own export: the machine's reading, recomputed on import.
            None if super::columns::is_derived(&name) => {}
            None if !name.is_empty() => ctx.warn(
                WarningCode::UnknownColumn,
                loc.clone().column(name.clone()),
                format!("无法识别的列“{name}”，已忽略"),
            ),
            None => {}
        }
    }

    // A second header line names (or dates) the columns under a spanning heading:
    // "推进情况" over "1-6月" and "1-11月".
    if let Some(sub) = sub {
        for p in place(sub) {
            let part = ctx.clean(&p.cell.text, loc).replace('\n', "");
            if part.is_empty() {
                continue;
            }
            for c in p.start..(p.start + p.len).min(width) {
                let role = classify(&part).or(over[c]);
                let parent = names[c].clone();
                names[c] = if parent.is_empty() || parent == part {
                    part.clone()
                } else {
                    format!("{part}{parent}")
                };
                roles[c] = role;
            }
        }
    }

    // Two unit columns: the one saying 牵头 leads, the other cooperates.
    let leads: Vec<usize> = (0..width)
        .filter(|&i| roles[i] == Some(Role::Lead))
        .collect();
    if leads.len() > 1 {
        let keep = leads
            .iter()
            .copied()
            .find(|&i| names[i].contains("牵头"))
            .unwrap_or(leads[0]);
        for &i in &leads {
            if i != keep {
                roles[i] = Some(Role::Coop);
            }
        }
    }

    // Dated progress columns: the latest is the progress.
    let progress: Vec<usize> = (0..width)
        .filter(|&i| roles[i] == Some(Role::Progress))
        .collect();
    let mut progress_label = None;
    if progress.len() > 1 {
        let keep = progress
            .iter()
            .copied()
            .max_by_key(|&i| (recency(&names[i]), i))
            .unwrap_or(progress[0]);
        for &i in &progress {
            if i != keep {
                roles[i] = None;
            }
        }
        progress_label = Some(names[keep].clone());
    }

    // A second task column completes the first.
    let tasks: Vec<usize> = (0..width)
        .filter(|&i| roles[i] == Some(Role::Task))
        .collect();
    if let [_, second, ..] = tasks[..] {
        roles[second] = Some(Role::TaskMore);
    }

    // Any other role named twice: the first column keeps it.
    for role in ROLES {
        if role == Role::Progress {
            continue;
        }
        let mut seen = false;
        for i in 0..width {
            if roles[i] == Some(role) {
                if seen {
                    roles[i] = None;
                    ctx.warn(
                        WarningCode::UnknownColumn,
                        loc.clone().column(names[i].clone()),
                        format!("“{}”与前面的{}列重复，已忽略", names[i], role.label()),
                    );
                }
                seen = true;
            }
        }
    }
    Columns {
        roles,
        names,
        progress_label,
    }
}

/// Data rows one column wider than their header, with no section column named: the
/// unlabelled column after the number is the section (a header cell that spanned it was
/// lost, as in plain-text exports) — if it reads like one, its values carried down
/// (merged or blank) or repeated. Otherwise the extra column stays unread, and warned of.
fn unlabelled_section(cols: &mut Columns, header: &RawRow, data: &[RawRow]) {
    let header_width: usize = header.cells.iter().map(span_of).sum();
    if cols.has(Role::Section) || cols.roles.len() != header_width + 1 {
        return;
    }
    let widths: Vec<usize> = data
        .iter()
        .filter(|r| !r.is_header)
        .map(|r| r.cells.iter().map(span_of).sum())
        .collect();
    let wider = widths.iter().filter(|&&w| w == header_width + 1).count();
    if wider * 2 <= widths.len() || cols.roles.last() != Some(&None) {
        return;
    }
    let at = cols
        .roles
        .iter()
        .position(|r| *r == Some(Role::Number))
        .map_or(0, |i| i + 1);
    let mut values: Vec<&str> = Vec::new();
    let mut carried = false;
    for row in data.iter().filter(|r| !r.is_header) {
        let mut col = 0;
        for c in &row.cells {
            if col == at {
                if c.merged_from_above || is_blank(&c.text) {
                    carried = true;
                } else {
                    values.push(c.text.trim());
                }
            }
            col += span_of(c);
        }
    }
    let mut distinct = values.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if !carried && distinct.len() == values.len() {
        return;
    }
    cols.roles.pop();
    cols.names.pop();
    cols.roles.insert(at, Some(Role::Section));
    cols.names.insert(at, Role::Section.label().to_string());
}

/// Columns whose text moves into the task as it is, so the ledger keeps the grid's string
/// instead of a copy (progress is most of a ledger's text).
const MOVED: [Role; 4] = [Role::Progress, Role::Leader, Role::Deadline, Role::Status];

/// The value a vertically merged cell carries down from the task above, for a [`MOVED`]
/// column. An empty value and no value read the same in every one of these fields.
fn carried(role: Role, above: &Task) -> Option<String> {
    match role {
        Role::Progress => Some(above.progress.clone()),
        Role::Leader => above.leader.clone(),
        Role::Deadline => above.deadline.clone(),
        Role::Status => above.status_text.clone(),
        _ => None,
    }
}

fn parse_number(cell: &RawCell) -> Option<u32> {
    let t = cell.text.trim().trim_end_matches(['.', '、', '．']);
    let t = t.trim();
    if !t.is_empty() && t.len() <= 6 && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse().ok()
    } else {
        // Beyond any real ledger: a broken numbering definition, not a row number.
        cell.auto_number.filter(|&n| n <= 999_999)
    }
}

/// Reads one table, appending its tasks to `tasks`. The table is consumed row by row, so
/// its memory goes back as the tasks are built.
pub(crate) fn read(
    raw: RawTable,
    index: usize,
    caption: Caption,
    ctx: &mut Ctx,
    tasks: &mut Vec<Task>,
) -> Result<Option<Table>, IngestError> {
    let mut rows = raw.rows;
    let label = caption.label.clone();
    let table_loc = Location::table(index, label.clone());
    let header_at = match find_header(&rows) {
        Ok(i) => i,
        Err(true) => {
            return Err(IngestError::NoLedger {
                file: ctx.file.to_string(),
                place: label,
                reason: "表格没有任务列（具体任务、工作任务、重点任务等）".into(),
            });
        }
        Err(false) => return Ok(None),
    };
    let width = rows
        .iter()
        .map(|r| r.cells.iter().map(span_of).sum::<usize>())
        .max()
        .unwrap_or(0)
        .min(MAX_WIDTH);
    let Some(header) = rows.get(header_at) else {
        return Ok(None);
    };
    let sub = rows
        .get(header_at + 1)
        .filter(|next| is_sub_header(header, next));
    let mut cols = columns(header, sub, width, &table_loc, ctx);
    let data_from = header_at + 1 + usize::from(sub.is_some());
    unlabelled_section(&mut cols, header, rows.get(data_from..).unwrap_or(&[]));

    // Rows above the header (merged title rows in a sheet) give the title if none was found.
    let mut title = caption.title;
    if title.is_none() {
        title = rows[..header_at]
            .iter()
            .flat_map(|r| r.cells.iter())
            .map(|c| ctx.clean(&c.text, &table_loc).replace('\n', ""))
            .find(|t| !t.is_empty());
    }
    let table_verdict = title.as_deref().and_then(verdict_words);

    // The header rows stay for comparing; the data rows are consumed.
    let top: Vec<RawRow> = rows.drain(..data_from.min(rows.len())).collect();
    let Some(header) = top.get(header_at) else {
        return Ok(None);
    };
    let first_task = tasks.len();
    // One task per data row at most: reserved once, so the ledger's task list does not
    // double (and copy) as it grows.
    tasks.reserve_exact(rows.len());
    let mut section: Option<String> = None;
    let mut last_row: u32 = 0;
    let mut previous: [Option<String>; ROLES.len()] = Default::default();
    let mut no_lead: Vec<u32> = Vec::new();
    let mut no_progress: Vec<u32> = Vec::new();

    for mut row in rows {
        if row.is_header {
            continue;
        }
        let placed = place(&row);
        let repeats_header = row.cells.len() == header.cells.len()
            && row
                .cells
                .iter()
                .zip(&header.cells)
                .all(|(a, b)| same_compact(&a.text, &b.text));
        if repeats_header {
            continue;
        }
        let non_empty: Vec<&Placed> = placed.iter().filter(|p| !is_blank(&p.cell.text)).collect();
        if non_empty.is_empty() {
            continue;
        }

        // Each role's cell, by its index in the row.
        let mut raw_vals: [Option<usize>; ROLES.len()] = [None; ROLES.len()];
        // Text in a column no header names would vanish unseen: it is warned about.
        let mut unheaded = false;
        for p in &placed {
            if let Some(role) = cols.target(p) {
                let s = slot(role);
                if raw_vals[s].is_none() {
                    raw_vals[s] = Some(p.at);
                }
            } else if !is_blank(&p.cell.text)
                && (p.start..p.start + p.len)
                    .all(|c| cols.names.get(c).is_none_or(|n| n.is_empty()))
            {
                unheaded = true;
            }
        }

        // A row holding one text only, spanning columns or standing in the section or
        // number column, is a section heading ("一、科技创新").
        if let Some(first) = non_empty.first() {
            let all_same = non_empty
                .iter()
                .all(|p| same_compact(&p.cell.text, &first.cell.text));
            let role = cols.target(first);
            let numbered = strip_heading_number(&first.cell.text).is_some();
            let heading_shaped = first.len > 1
                || numbered
                || matches!(role, Some(Role::Section) | None)
                || (role == Some(Role::Number) && parse_number(first.cell).is_none());
            if all_same && heading_shaped {
                let cleaned = ctx.clean(&first.cell.text, &table_loc).replace('\n', "");
                let name = strip_heading_number(&cleaned)
                    .unwrap_or(&cleaned)
                    .trim_end_matches(['：', ':']);
                if !name.is_empty() {
                    section = Some(name.to_string());
                }
                continue;
            }
        }

        let cell_of = |role: Role| raw_vals[slot(role)].and_then(|i| row.cells.get(i));
        let has_task = cell_of(Role::Task).is_some_and(|c| {
            if c.merged_from_above {
                previous[slot(Role::Task)]
                    .as_deref()
                    .is_some_and(|p| !p.is_empty())
            } else {
                !is_blank(&c.text)
            }
        });
        if !has_task {
            ctx.warn(
                WarningCode::SkippedRow,
                table_loc.clone(),
                format!("{label} 源第{}行没有任务内容，已跳过", row.source_row),
            );
            continue;
        }

        // Row number: the written or auto-numbered one, else the next by count.
        let expected = last_row.saturating_add(1);
        let written = cell_of(Role::Number).and_then(parse_number);
        // Row numbers stay unique and increasing, as tasks are known by table and row: a
        // gap keeps the written number, a repeat or a step back (numbering restarted in
        // each section) takes the count.
        let row_no = match written {
            Some(n) if n > expected => {
                ctx.warn(
                    WarningCode::InconsistentCount,
                    table_loc.clone().row(n),
                    format!("{label} 序号从{}跳到{n}", expected - 1),
                );
                n
            }
            Some(n) if n < expected => {
                ctx.warn(
                    WarningCode::InconsistentCount,
                    table_loc.clone().row(expected),
                    format!("{label} 序号{n}重复或倒退，按顺序记为第{expected}行"),
                );
                expected
            }
            Some(n) => n,
            None => expected,
        };

        if unheaded {
            ctx.warn(
                WarningCode::UnknownColumn,
                table_loc.clone().row(row_no),
                format!("{label} 第{row_no}行有表头之外的单元格，其内容未读入"),
            );
        }

        let mut vals: [Option<String>; ROLES.len()] = Default::default();
        for role in ROLES {
            let s = slot(role);
            let Some(cell) = raw_vals[s].and_then(|i| row.cells.get_mut(i)) else {
                continue;
            };
            if cell.merged_from_above {
                vals[s] = match tasks.get(first_task..).and_then(<[Task]>::last) {
                    Some(above) if MOVED.contains(&role) => carried(role, above),
                    _ => previous[s].clone(),
                };
                continue;
            }
            let loc = table_loc.clone().row(row_no).column(cols.name_of(role));
            // Each cell serves one role, so its text can move out of the row.
            vals[s] = Some(ctx.clean_owned(std::mem::take(&mut cell.text), &loc));
        }

        let task_text = vals[slot(Role::Task)].as_deref().unwrap_or_default();
        if task_text.is_empty() {
            ctx.warn(
                WarningCode::SkippedRow,
                table_loc.clone(),
                format!("{label} 源第{}行没有任务内容，已跳过", row.source_row),
            );
            continue;
        }
        last_row = row_no;

        match vals[slot(Role::Section)].as_deref() {
            Some(s) if !s.is_empty() => {
                let s = s.replace('\n', "");
                section = Some(strip_heading_number(&s).unwrap_or(&s).to_string());
            }
            _ => {}
        }

        let mut task_text = task_text.replace('\n', "");
        if let Some(more) = vals[slot(Role::TaskMore)]
            .as_deref()
            .filter(|m| !m.is_empty())
        {
            let sep = if task_text.ends_with(['。', '；', ';']) {
                ""
            } else {
                "；"
            };
            task_text = format!("{task_text}{sep}{}", more.replace('\n', ""));
        }
        let mut task = Task::new(index, row_no, task_text);
        task.section.clone_from(&section);
        let lead = units::split(vals[slot(Role::Lead)].as_deref().unwrap_or(""));
        task.lead_units = lead.units;
        task.lead_groups = lead.groups;
        let coop = units::split(vals[slot(Role::Coop)].as_deref().unwrap_or(""));
        task.coop_units = coop.units;
        task.coop_groups = coop.groups;
        // These move: a merged cell below reads them back from this task (`carried`).
        task.leader = vals[slot(Role::Leader)].take().filter(|s| !s.is_empty());
        task.deadline = vals[slot(Role::Deadline)].take().filter(|s| !s.is_empty());
        task.progress = vals[slot(Role::Progress)].take().unwrap_or_default();
        task.progress_label.clone_from(&cols.progress_label);
        task.status_text = vals[slot(Role::Status)].take().filter(|s| !s.is_empty());
        task.office_verdict = task
            .status_text
            .as_deref()
            .and_then(status_verdict)
            .or(table_verdict);

        // Milestones are read once the plan year is known (see `builder::milestones`); a
        // table without a 完成时限 column takes its deadline from them, as it always did
        // from a 时间节点 column.
        if let Some(cell) = vals[slot(Role::Milestones)]
            .as_deref()
            .filter(|c| !c.trim().is_empty())
        {
            let serves_deadline = !cols.has(Role::Deadline);
            if serves_deadline {
                task.deadline = Some(cell.to_string());
            }
            ctx.milestone_cells.push(super::MilestoneCell {
                task: tasks.len(),
                text: cell.to_string(),
                column: cols.name_of(Role::Milestones),
                serves_deadline,
            });
        }

        let row_loc = table_loc.clone().row(row_no);
        for (role, text) in [(Role::Task, &task.text), (Role::Progress, &task.progress)] {
            for s in repeated_sentences(text) {
                ctx.warn(
                    WarningCode::DuplicateSentence,
                    row_loc.clone().column(cols.name_of(role)),
                    format!("句子重复出现：“{s}”"),
                );
            }
        }
        if task.lead_units.is_empty() && task.lead_groups.is_empty() {
            no_lead.push(row_no);
        }
        if task.progress.is_empty() {
            no_progress.push(row_no);
        }
        previous = vals;
        tasks.push(task);
    }

    // Per row when some rows lack it; once for the table when none has it (a plan not yet
    // reported on, or a table without the column), so a blank column is not 100 warnings.
    for (code, rows, role, what) in [
        (
            WarningCode::MissingLeadUnit,
            &no_lead,
            Role::Lead,
            "牵头单位",
        ),
        (
            WarningCode::MissingProgress,
            &no_progress,
            Role::Progress,
            "完成情况",
        ),
    ] {
        if rows.is_empty() {
            continue;
        }
        if !cols.has(role) {
            ctx.warn(code, table_loc.clone(), format!("{label} 没有{what}列"));
        } else if rows.len() == tasks.len() - first_task && rows.len() > 1 {
            ctx.warn(
                code,
                table_loc.clone().column(cols.name_of(role)),
                format!("{label} 全部{}行都没有填写{what}", rows.len()),
            );
        } else {
            for &r in rows {
                ctx.warn(
                    code,
                    table_loc.clone().row(r).column(cols.name_of(role)),
                    format!("{label} 第{r}行没有填写{what}"),
                );
            }
        }
    }

    if cols.has(Role::Progress) {
        ctx.progress_headers
            .push((index, cols.name_of(Role::Progress)));
    }
    let claimed_rows = title.as_deref().and_then(claimed_count);
    let table = Table {
        index,
        label,
        title,
        claimed_rows,
        rows: tasks.len() - first_task,
        office_verdict: table_verdict,
        as_of: None,
    };
    Ok(Some(table))
}
