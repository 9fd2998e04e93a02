//! The one builder from [`RawDoc`] to the model, shared by every format.
mod checks;
mod claims;
mod clean;
mod columns;
mod prose;
mod table;
mod units;

use std::collections::HashMap;

use duban_model::{Ledger, Location, SourceFormat, Verdict, Warning, WarningCode};

use crate::IngestError;
use crate::grid::{Block, RawDoc};
use claims::{counts, split_label, title_like, verdict_words};
use table::Caption;

/// Collects warnings while a document is built.
pub(crate) struct Ctx<'a> {
    pub file: &'a str,
    pub warnings: Vec<Warning>,
    /// Each table's progress column header ("1-10月推进情况"), which may date the table.
    pub progress_headers: Vec<(usize, String)>,
    /// Milestone cells, read once the plan year is known.
    pub milestone_cells: Vec<MilestoneCell>,
}

/// A task's milestone cell (时间节点 / 序时目标 …) as written.
pub(crate) struct MilestoneCell {
    /// Index into `Ledger::tasks`.
    pub task: usize,
    pub text: String,
    /// The column's header, for warnings.
    pub column: String,
    /// The table has no 完成时限 column, so this cell is the task's deadline too.
    pub serves_deadline: bool,
}

impl Ctx<'_> {
    pub fn warn(&mut self, code: WarningCode, location: Location, message: impl Into<String>) {
        self.warnings.push(Warning::new(code, location, message));
    }

    /// Cleans a text, reporting what was removed as one `artifact` warning at `loc`.
    pub fn clean(&mut self, raw: &str, loc: &Location) -> String {
        let c = clean::clean(raw);
        if !c.removed.is_empty() {
            self.warn(
                WarningCode::Artifact,
                loc.clone(),
                format!("已删除{}", c.removed.join("、")),
            );
        }
        c.text
    }

    /// [`Ctx::clean`] of a text the builder owns, moved rather than copied when clean.
    pub fn clean_owned(&mut self, raw: String, loc: &Location) -> String {
        let c = clean::clean_owned(raw);
        if !c.removed.is_empty() {
            self.warn(
                WarningCode::Artifact,
                loc.clone(),
                format!("已删除{}", c.removed.join("、")),
            );
        }
        c.text
    }
}

const SUMMARY: &str = "正文摘要";

/// Builds the ledger from any reader's [`RawDoc`].
///
/// Tables with a recognisable header (a task column and one more known column) become the
/// ledger's tables; other tables are skipped with a warning. Without any such table, the
/// paragraphs are read as a prose decomposition. `NoLedger` when neither yields a task, or
/// when a table names known columns but no task column (its rows would be lost).
///
/// This borrows the grid, so it works on a copy; [`build_owned`] is the same without one.
pub fn build(doc: &RawDoc, source: &str, format: SourceFormat) -> Result<Ledger, IngestError> {
    build_owned(doc.clone(), source, format)
}

/// [`build`] consuming the grid: each row is dropped as soon as its task is built and clean
/// texts move into the ledger, so the grid and the ledger are never both whole in memory.
/// The readers use this.
pub fn build_owned(doc: RawDoc, source: &str, format: SourceFormat) -> Result<Ledger, IngestError> {
    let RawDoc { blocks, notes } = doc;
    let mut ctx = Ctx {
        file: source,
        warnings: notes,
        progress_headers: Vec::new(),
        milestone_cells: Vec::new(),
    };
    let mut ledger = Ledger::new(source, format);

    let mut since_table: Vec<String> = Vec::new();
    let mut all_paras: Vec<String> = Vec::new();
    let mut front: Option<Vec<String>> = None;
    let mut skipped: Vec<String> = Vec::new();

    for block in blocks {
        match block {
            Block::Para(p) => {
                let loc = Location::part(format!("正文第{}段", all_paras.len() + 1));
                let text = ctx.clean_owned(p, &loc);
                if !text.is_empty() {
                    since_table.push(text.clone());
                    all_paras.push(text);
                }
            }
            Block::Table(raw) => {
                let index = ledger.tables.len() + 1;
                let fallback = if raw.name.trim().is_empty() {
                    format!("表{index}")
                } else {
                    raw.name.trim().to_string()
                };
                let (caption, used) = caption(&since_table, fallback);
                if front.is_none() {
                    let keep = since_table.len().saturating_sub(used);
                    front = Some(since_table[..keep].to_vec());
                }
                since_table.clear();
                let name = caption.label.clone();
                match table::read(raw, index, caption, &mut ctx, &mut ledger.tasks)? {
                    Some(table) => ledger.tables.push(table),
                    None => {
                        ctx.warn(
                            WarningCode::SkippedRow,
                            Location::part(name.clone()),
                            format!("{name} 没有可识别的表头（具体任务、牵头单位等），整表已跳过"),
                        );
                        skipped.push(name);
                    }
                }
            }
        }
    }
    let front = front.unwrap_or_else(|| all_paras.clone());
    ledger.title = document_title(&front);
    ledger.issuer = issuer(&front, ledger.title.as_deref());

    if ledger.tables.is_empty() {
        if let Some((table, tasks)) = prose::read(&all_paras, 1, ledger.title.as_deref(), &mut ctx)
        {
            ledger.tables.push(table);
            ledger.tasks = tasks;
        }
    } else {
        summary_claims(&front, &mut ledger, &mut ctx);
    }

    if ledger.tasks.is_empty() {
        let place = skipped
            .first()
            .cloned()
            .unwrap_or_else(|| "全文".to_string());
        return Err(IngestError::NoLedger {
            file: source.to_string(),
            place,
            reason: "没有找到台账表格（需有具体任务列）或带牵头单位的分解任务".into(),
        });
    }

    periods(&mut ledger, &ctx.progress_headers);
    let cells = std::mem::take(&mut ctx.milestone_cells);
    milestones(&mut ledger, cells, &mut ctx);
    duplicate_tasks(&ledger, &mut ctx);
    ledger.warnings = ctx.warnings;
    // Room reserved for rows that turned out to be headings or skipped; large vectors
    // shrink in place.
    ledger.tasks.shrink_to_fit();
    ledger.warnings.shrink_to_fit();
    Ok(ledger)
}

/// The plan year and the as-of date the document's and each table's title name
/// ("2022年1-10月…" → 2022, 10月31日), else a table's progress header ("截至9月底进展"); a
/// table's title without a year takes the document's.
fn periods(ledger: &mut Ledger, progress_headers: &[(usize, String)]) {
    use duban_model::period::{parse_as_of, parse_year};
    let title = ledger.title.as_deref().unwrap_or("");
    ledger.year = parse_year(title);
    ledger.as_of = parse_as_of(title, ledger.year);
    let mut years = Vec::new();
    for t in &mut ledger.tables {
        let own = t.title.as_deref().unwrap_or("");
        let year = parse_year(own);
        years.extend(year);
        // A title without a period: the progress column's header may name one.
        let header = progress_headers
            .iter()
            .find(|(i, _)| *i == t.index)
            .map_or("", |(_, h)| h.as_str());
        t.as_of = parse_as_of(own, year.or(ledger.year))
            .or_else(|| parse_as_of(header, year.or(ledger.year)));
    }
    if ledger.year.is_none() {
        // A workbook has no document title: its sheets agree on the year or none is known.
        years.dedup();
        if let [only] = years[..] {
            ledger.year = Some(only);
        }
    }
}

/// Each task's milestones from its cell, dated in the plan year where a step names none.
/// Nothing is dropped silently: a cell with no date, or a second step on the same day, is
/// named in a warning. A cell that is also the task's deadline (no 完成时限 column) and
/// names one step only is that deadline, not a milestone.
fn milestones(ledger: &mut Ledger, cells: Vec<MilestoneCell>, ctx: &mut Ctx) {
    use duban_model::parse_milestones;
    use duban_model::period::parse_year;
    for cell in cells {
        let Some(task) = ledger.tasks.get_mut(cell.task) else {
            continue;
        };
        let table = ledger.tables.iter().find(|t| t.index == task.table);
        let label = table.map(|t| t.label.clone()).unwrap_or_default();
        let loc = Location::table(task.table, label.clone())
            .row(task.row)
            .column(cell.column.clone());
        // The plan year, else the table's, else a year the deadline or the cell names.
        let year = ledger
            .year
            .or_else(|| table.and_then(|t| t.title.as_deref()).and_then(parse_year))
            .or(ledger.as_of.map(|d| d.year()))
            .or_else(|| task.deadline.as_deref().and_then(parse_year))
            .or_else(|| parse_year(&cell.text));
        let Some(year) = year else {
            ctx.warn(
                WarningCode::SkippedPart,
                loc,
                format!(
                    "{label} 第{}行{}“{}”：文件未写明年度，节点日期无法确定，未读入",
                    task.row, cell.column, cell.text
                ),
            );
            continue;
        };
        let mut steps = parse_milestones(&cell.text, year);
        if cell.serves_deadline && steps.len() == 1 {
            continue;
        }
        if steps.is_empty() {
            if !cell.serves_deadline {
                ctx.warn(
                    WarningCode::SkippedPart,
                    loc,
                    format!(
                        "{label} 第{}行{}“{}”没有可识别的日期，未读入节点",
                        task.row, cell.column, cell.text
                    ),
                );
            }
            continue;
        }
        let mut seen = std::collections::HashSet::new();
        steps.retain(|m| {
            let fresh = seen.insert(m.due);
            if !fresh {
                ctx.warn(
                    WarningCode::SkippedPart,
                    loc.clone(),
                    format!(
                        "{label} 第{}行{}“{}”与前一节点同日，未读入",
                        task.row, cell.column, m.text
                    ),
                );
            }
            fresh
        });
        task.milestones = steps;
    }
}

/// The label and title from the paragraphs just before a table ("附件1" then
/// "未达预期15项重点工作任务进展情况表"), and how many of them they used.
fn caption(paras: &[String], fallback: String) -> (Caption, usize) {
    let mut cap = Caption {
        label: fallback,
        title: None,
    };
    let Some(last) = paras.last() else {
        return (cap, 0);
    };
    if let Some((label, rest)) = split_label(last) {
        cap.label = label;
        cap.title = Some(rest).filter(|r| title_like(r));
        return (cap, 1);
    }
    if !title_like(last) {
        return (cap, 0);
    }
    cap.title = Some(last.clone());
    let before = paras.len().checked_sub(2).and_then(|i| paras.get(i));
    if let Some((label, rest)) = before.and_then(|b| split_label(b))
        && rest.is_empty()
    {
        cap.label = label;
        return (cap, 2);
    }
    (cap, 1)
}

/// The document title: the paragraph starting with 关于, joined with a wrapped tail
/// ("…完成情况的" + "报告"); else the first title-like paragraph of a document that
/// starts with one.
fn document_title(front: &[String]) -> Option<String> {
    let head = &front[..front.len().min(8)];
    if let Some(i) = head
        .iter()
        .position(|p| p.starts_with("关于") && title_like(p))
    {
        let mut title = head[i].clone();
        if let Some(next) = head.get(i + 1) {
            let short = next.chars().count() <= 6 && title_like(next);
            if title.ends_with('的') || short {
                title.push_str(next);
            }
        }
        return Some(title);
    }
    // Otherwise the paragraph naming a kind of document, skipping a letterhead
    // ("重庆市沙坪坝区人民政府督查办") that may come first.
    const KINDS: [&str; 10] = [
        "报告", "方案", "台账", "清单", "通知", "情况", "计划", "分解", "通报", "任务",
    ];
    let candidates = || {
        head.iter()
            .filter(|p| title_like(p) && split_label(p).is_none() && !p.ends_with('表'))
            .filter(|p| claims::strip_item_number(p).is_none())
    };
    candidates()
        .find(|p| KINDS.iter().any(|k| p.contains(k)))
        .or_else(|| candidates().next())
        .cloned()
}

/// The issuing office named by the letterhead above the title ("重庆市沙坪坝区人民政府督查办"):
/// the nearest short line before the title that ends in the name of an organ, with no
/// punctuation or figures (so neither a 发文字号 "沙督办〔2023〕1号" nor a "第3期").
fn issuer(front: &[String], title: Option<&str>) -> Option<String> {
    const ORGANS: [&str; 17] = [
        "督查办",
        "督查室",
        "督办室",
        "督查局",
        "办公室",
        "办公厅",
        "人民政府",
        "政府",
        "委员会",
        "管委会",
        "委",
        "局",
        "厅",
        "办",
        "处",
        "中心",
        "部",
    ];
    let title = title?;
    let head = &front[..front.len().min(8)];
    let end = head
        .iter()
        .position(|p| !p.trim().is_empty() && title.starts_with(p.trim()))?;
    head[..end]
        .iter()
        .rev()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .find(|p| {
            let n = p.chars().count();
            (4..=40).contains(&n)
                && !p.chars().any(|c| {
                    c.is_ascii_digit()
                        || c.is_whitespace()
                        || "，。：:、；;〔〕[]（）()".contains(c)
                })
                && ORGANS.iter().any(|o| p.ends_with(o))
        })
        .map(str::to_string)
}

/// Counts the body text claims — "131项重点工作任务", "未完成既定目标任务15项" — checked
/// against what the tables list.
fn summary_claims(front: &[String], ledger: &mut Ledger, ctx: &mut Ctx) {
    let mut total: Option<u32> = None;
    let mut by_verdict: Vec<(Verdict, u32)> = Vec::new();
    for p in front {
        // The list of attachments repeats the table titles; they are checked as titles.
        // Numbered items retell tasks ("1. …完成技术合同登记382项"): their counts are not claims.
        if p.starts_with("附件")
            || p.ends_with('表')
            || Some(p) == ledger.title.as_ref()
            || claims::strip_item_number(p).is_some()
        {
            continue;
        }
        // Counts speak of tasks once a clause of the paragraph has named them:
        // "共131项重点任务，其中已完成120项，未完成11项".
        let mut about_tasks = false;
        for clause in p.split(['，', '。', '；', ',', ';', '：', ':']) {
            about_tasks |= clause.contains("任务");
            if !about_tasks {
                continue;
            }
            let Some((n, _)) = counts(clause).into_iter().next() else {
                continue;
            };
            match verdict_words(clause).or_else(|| completed_count(clause)) {
                Some(v) => {
                    if !by_verdict.iter().any(|(w, _)| *w == v) {
                        by_verdict.push((v, n));
                    }
                }
                None => {
                    total.get_or_insert(n);
                }
            }
        }
    }

    let listed = ledger.tasks.len();
    if let Some(t) = total {
        ledger.claimed_total = Some(t);
        if t as usize != listed {
            ctx.warn(
                WarningCode::ClaimedCountMismatch,
                Location::part(SUMMARY),
                format!("正文称{t}项重点任务，各表共列出{listed}项"),
            );
        }
    }

    for table in &ledger.tables {
        if let Some(c) = table.claimed_rows
            && c as usize != table.rows
        {
            ctx.warn(
                WarningCode::ClaimedCountMismatch,
                Location::table(table.index, table.label.clone()),
                format!("{} 标题称{c}项，实际列出{}项", table.label, table.rows),
            );
        }
    }

    for (verdict, claimed) in by_verdict {
        let tables: Vec<usize> = (0..ledger.tables.len())
            .filter(|&i| ledger.tables[i].office_verdict == Some(verdict))
            .collect();
        if tables.is_empty() {
            continue;
        }
        let rows: usize = tables.iter().map(|&i| ledger.tables[i].rows).sum();
        if let [only] = tables[..] {
            let t = &mut ledger.tables[only];
            t.claimed_rows.get_or_insert(claimed);
        }
        if claimed as usize != rows {
            let labels: Vec<&str> = tables
                .iter()
                .map(|&i| ledger.tables[i].label.as_str())
                .collect();
            ctx.warn(
                WarningCode::ClaimedCountMismatch,
                Location::part(SUMMARY),
                format!(
                    "正文称{}{claimed}项，{}实际列出{rows}项",
                    verdict.label_zh(),
                    labels.join("、")
                ),
            );
        }
    }
}

/// "完成120项": 完成 right before a count reports tasks done (unlike "完成情况").
fn completed_count(clause: &str) -> Option<Verdict> {
    let mut rest = clause;
    while let Some(at) = rest.find("完成") {
        let before = &rest[..at];
        rest = &rest[at + "完成".len()..];
        if !before.ends_with('未') && rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Some(Verdict::Met);
        }
    }
    None
}

/// The same task text twice in one ledger.
fn duplicate_tasks(ledger: &Ledger, ctx: &mut Ctx) {
    let label = |table: usize| {
        ledger
            .tables
            .iter()
            .find(|t| t.index == table)
            .map_or_else(|| format!("表{table}"), |t| t.label.clone())
    };
    let mut seen: HashMap<String, (usize, u32)> = HashMap::new();
    for task in &ledger.tasks {
        let key = clean::compact(&task.text);
        match seen.get(&key) {
            Some(&(table, row)) => ctx.warn(
                WarningCode::DuplicateTask,
                Location::table(task.table, label(task.table))
                    .row(task.row)
                    .column("具体任务"),
                format!("任务与{} 第{row}行重复", label(table)),
            ),
            None => {
                seen.insert(key, (task.table, task.row));
            }
        }
    }
}
