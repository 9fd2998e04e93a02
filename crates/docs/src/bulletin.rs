//! The monthly bulletin (通报) of a reporting round: per-unit submission counts, ranking,
//! lagging tasks, supervision notices, and a chart — in the same official format as the
//! year-end report. Every total printed is summed from the rows printed.

use crate::DocsError;
use crate::blocks;
use crate::chart::{self, Series};
use crate::geometry::{DocGrid, PageGeometry};
use crate::official::{self, Issuing};
use crate::package::{self, ChartPart, DocxParts};
use crate::table::{self, Cell, Column};
use crate::xml::{self, Jc, ParaStyle};

/// One unit's submissions in a round.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnitRow {
    pub unit: String,
    /// Reports the unit owed this round (应报).
    pub owed: u32,
    /// Submitted by the due date (按时).
    pub on_time: u32,
    /// Submitted after the due date (逾期).
    pub late: u32,
    /// Not submitted (未报).
    pub missing: u32,
    /// Returned for revision (退回).
    pub returned: u32,
    /// The unit's 考核 score this round, as printed ("87.5"), when the office scores units.
    pub score: Option<String>,
}

impl UnitRow {
    /// On-time rate in percent; `None` when nothing was owed.
    pub fn on_time_rate(&self) -> Option<f64> {
        (self.owed > 0).then(|| f64::from(self.on_time) * 100.0 / f64::from(self.owed))
    }
}

/// Why a task is listed among the lagging ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LagKind {
    /// The lead unit sent no report this round (未报送): the office does not know.
    Unsubmitted,
    /// The lead unit itself reported the task behind (自评滞后, 未启动).
    #[default]
    SelfReported,
}

/// A task reported as behind schedule (滞后).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LaggingTask {
    /// The task's number in the ledger ("12"), so readers can find it.
    pub number: String,
    pub unit: String,
    pub task: String,
    pub kind: LagKind,
    /// Why it lags, as reported or judged ("自评滞后", "自评未启动", "未报送").
    pub status: String,
}

/// A supervision notice (督办单) issued in the round.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoticeRow {
    /// The notice's number ("督办〔2023〕3号").
    pub number: String,
    pub unit: String,
    pub task: String,
    /// Date issued, as written ("2023年3月5日").
    pub issued: String,
    /// Date due, as written.
    pub due: Option<String>,
}

/// Everything a bulletin reports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BulletinData {
    /// The plan ("2023年区政府工作报告重点任务").
    pub plan: String,
    /// The round ("3月").
    pub round: String,
    /// The period covered ("2023年3月1日至3月31日").
    pub period: String,
    pub units: Vec<UnitRow>,
    pub lagging: Vec<LaggingTask>,
    pub notices: Vec<NoticeRow>,
    /// How the 考核 scores were reckoned, printed under the ranking table when units are
    /// scored ("满分100分：按时报送40分、……").
    pub score_rule: Option<String>,
}

/// The ranking's labels: a rank shared with a neighbour reads "并列n", as on every page.
pub fn rank_labels(ranked: &[RankedUnit]) -> Vec<String> {
    (0..ranked.len())
        .map(|i| match ranked[i].rank {
            None => "—".to_string(),
            Some(n) => {
                let same = |j: usize| ranked.get(j).is_some_and(|o| o.rank == Some(n));
                if (i > 0 && same(i - 1)) || same(i + 1) {
                    format!("并列{n}")
                } else {
                    n.to_string()
                }
            }
        })
        .collect()
}

/// A unit's place in the ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedUnit {
    /// 1-based; units tied on every criterion share a rank; `None` when nothing was owed.
    pub rank: Option<u32>,
    pub row: UnitRow,
    pub on_time_rate: Option<f64>,
}

impl BulletinData {
    /// Units ranked by on-time rate, then fewer missing, fewer late, fewer returned reports;
    /// ties share a rank (1, 2, 2, 4). Units that owed nothing come last, unranked.
    pub fn ranking(&self) -> Vec<RankedUnit> {
        let mut rows: Vec<&UnitRow> = self.units.iter().collect();
        // Rates compare exactly as fractions on_time/owed, without floating point.
        let key = |r: &UnitRow| {
            (
                u64::from(r.missing),
                u64::from(r.late),
                u64::from(r.returned),
            )
        };
        rows.sort_by(|a, b| match (a.owed, b.owed) {
            (0, 0) => a.unit.cmp(&b.unit),
            (0, _) => std::cmp::Ordering::Greater,
            (_, 0) => std::cmp::Ordering::Less,
            _ => {
                let ra = u64::from(a.on_time) * u64::from(b.owed);
                let rb = u64::from(b.on_time) * u64::from(a.owed);
                rb.cmp(&ra)
                    .then(key(a).cmp(&key(b)))
                    .then(a.unit.cmp(&b.unit))
            }
        });
        let mut out: Vec<RankedUnit> = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            let rank = if r.owed == 0 {
                None
            } else {
                match (i.checked_sub(1).map(|p| rows[p]), out.last()) {
                    (Some(p), Some(prev))
                        if p.owed > 0
                            && u64::from(p.on_time) * u64::from(r.owed)
                                == u64::from(r.on_time) * u64::from(p.owed)
                            && key(p) == key(r) =>
                    {
                        prev.rank
                    }
                    _ => Some(i as u32 + 1),
                }
            };
            out.push(RankedUnit {
                rank,
                row: (*r).clone(),
                on_time_rate: r.on_time_rate(),
            });
        }
        out
    }

    /// Sums over the unit rows: (owed, on time, late, missing, returned).
    pub fn totals(&self) -> (u64, u64, u64, u64, u64) {
        self.units.iter().fold((0, 0, 0, 0, 0), |t, r| {
            (
                t.0 + u64::from(r.owed),
                t.1 + u64::from(r.on_time),
                t.2 + u64::from(r.late),
                t.3 + u64::from(r.missing),
                t.4 + u64::from(r.returned),
            )
        })
    }
}

/// What a bulletin says beyond its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulletinOptions {
    /// The issuing office, first title line and signature.
    pub office: Option<String>,
    /// "各有关单位".
    pub addressee: String,
    /// Default: "关于{plan}{round}推进情况的通报".
    pub title: Option<String>,
    /// 成文日期.
    pub date: Option<String>,
    /// 期号: "第3期" above the title; left out when absent.
    pub issue: Option<u32>,
    /// 发文字号, 抄送, 附注, 版记 and the seal.
    pub issuing: Issuing,
    /// Paragraphs under "下一步工作要求"; when empty, the section asks what this round's
    /// figures call for (补报, 赶进度, 督办单办结).
    pub requirements: Vec<String>,
    /// At most this many units in the chart: those with the most late and missing reports.
    pub chart_units: usize,
    pub grid: DocGrid,
}

impl Default for BulletinOptions {
    fn default() -> Self {
        BulletinOptions {
            office: None,
            addressee: "各有关单位".to_string(),
            title: None,
            date: None,
            issue: None,
            issuing: Issuing::default(),
            requirements: Vec::new(),
            chart_units: 20,
            grid: DocGrid::default(),
        }
    }
}

fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(r) => format!("{r:.1}%"),
        None => "—".to_string(),
    }
}

fn names(rows: &[&UnitRow]) -> String {
    rows.iter()
        .map(|r| r.unit.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

const CHART_REL: &str = "rIdChart1";
/// The ranking table's columns: 排名 700, 责任单位, five counts of 900 and 按时率 1100 fill
/// the 156 mm (8845-twip) portrait type area exactly.
const RANK_UNIT_WIDTH: u32 = 8845 - 700 - 5 * 900 - 1100;
/// The 考核得分 column, when there is one: taken from the unit names' column.
const SCORE_WIDTH: u32 = 1000;
/// 1 mm in EMU.
const EMU_PER_MM: u64 = 36_000;

/// The chart's units and caption: all of them, or the `cap` with the most late and missing
/// reports, in ranking order.
fn chart_units(ranked: &[RankedUnit], cap: usize) -> (Vec<&UnitRow>, String) {
    let mut rows: Vec<&UnitRow> = ranked.iter().map(|r| &r.row).collect();
    if rows.len() <= cap {
        return (rows, "图1 各单位报送情况".to_string());
    }
    let mut worst: Vec<(usize, &UnitRow)> = rows.iter().copied().enumerate().collect();
    worst.sort_by_key(|(i, r)| {
        (
            std::cmp::Reverse(u64::from(r.late) + u64::from(r.missing)),
            *i,
        )
    });
    worst.truncate(cap);
    worst.sort_by_key(|(i, _)| *i);
    rows = worst.into_iter().map(|(_, r)| r).collect();
    (rows, format!("图1 逾期及未报送较多的{cap}个单位报送情况"))
}

/// Writes the bulletin as a .docx in the official format, with a native bar chart of each
/// unit's on-time, late and missing reports.
pub fn bulletin(data: &BulletinData, opts: &BulletinOptions) -> Result<Vec<u8>, DocsError> {
    let portrait = PageGeometry {
        grid: opts.grid,
        ..PageGeometry::portrait()
    };
    let ranked = data.ranking();
    let (owed, on_time, late, missing, returned) = data.totals();
    let title = match opts
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(t) => t.to_string(),
        None => format!(
            "关于{}{}推进情况的通报",
            data.plan.trim(),
            data.round.trim()
        ),
    };
    let mut out = String::with_capacity(64 * 1024);
    let issue = opts.issue.map(|n| format!("第{n}期")).unwrap_or_default();
    official::header_lines(
        &mut out,
        &[&issue, opts.issuing.number.as_deref().unwrap_or("")],
    );
    blocks::title(&mut out, opts.office.as_deref(), &title, None);
    blocks::blank(&mut out);
    blocks::addressee(&mut out, &opts.addressee);
    let period = if data.period.trim().is_empty() {
        String::new()
    } else {
        format!("{}，", data.period.trim())
    };
    blocks::body(
        &mut out,
        &format!(
            "{period}按照{}工作安排，各责任单位开展了{}进展情况填报工作。现将有关情况通报如下。",
            data.plan.trim(),
            data.round.trim()
        ),
    );

    blocks::heading1(&mut out, "一、总体情况");
    let rate = if owed > 0 {
        Some(on_time as f64 * 100.0 / owed as f64)
    } else {
        None
    };
    let groups = unit_groups(&ranked);
    let listed: usize = groups.iter().map(|(_, g)| g.len()).sum();
    let mut summary = format!(
        "本轮共涉及责任单位{listed}个，应报送{owed}项，按时报送{on_time}项，逾期报送{late}项，未报送{missing}项，退回修改{returned}项，按时报送率{}。",
        percent(rate)
    );
    let parts: Vec<String> = groups
        .iter()
        .filter(|(_, g)| !g.is_empty())
        .map(|(k, g)| format!("{}{}个", k.label(), g.len()))
        .collect();
    if !parts.is_empty() {
        summary.push_str(&format!("其中，{}。", parts.join("，")));
    }
    blocks::body(&mut out, &summary);
    blocks::heading1(&mut out, "二、各单位报送情况");
    // With 考核 scores, a score column takes its width from the unit names' column.
    let scored = data.units.iter().any(|u| u.score.is_some());
    let score_width = if scored { SCORE_WIDTH } else { 0 };
    let mut cols = vec![
        Column {
            header: "排名",
            width: 700,
            jc: Jc::Center,
        },
        Column {
            header: "责任单位",
            width: RANK_UNIT_WIDTH - score_width,
            jc: Jc::Center,
        },
    ];
    for header in ["应报", "按时", "逾期", "未报", "退回"] {
        cols.push(Column {
            header,
            width: 900,
            jc: Jc::Center,
        });
    }
    cols.push(Column {
        header: "按时率",
        width: 1100,
        jc: Jc::Center,
    });
    if scored {
        cols.push(Column {
            header: "考核得分",
            width: SCORE_WIDTH,
            jc: Jc::Center,
        });
    }
    let labels = rank_labels(&ranked);
    let rows: Vec<Vec<Cell>> = ranked
        .iter()
        .zip(labels)
        .map(|(r, label)| {
            let mut cells = vec![
                Cell::new(label),
                Cell::new(r.row.unit.as_str()),
                Cell::new(r.row.owed.to_string()),
                Cell::new(r.row.on_time.to_string()),
                Cell::new(r.row.late.to_string()),
                Cell::new(r.row.missing.to_string()),
                Cell::new(r.row.returned.to_string()),
                Cell::new(percent(r.on_time_rate)),
            ];
            if scored {
                cells.push(Cell::new(r.row.score.as_deref().unwrap_or("—")));
            }
            cells
        })
        .collect();
    table::table(&mut out, &cols, &rows);
    if let Some(rule) = data.score_rule.as_deref().filter(|_| scored) {
        blocks::body(&mut out, &format!("注：考核得分{rule}"));
    }
    // The chart follows the table rather than the summary: a chart of a dozen units is
    // taller than what page 1 has left under the summary, and moved whole to page 2 it left
    // page 1 half empty; the table's rows fill page 1 and flow on.
    let mut charts = Vec::new();
    if !data.units.is_empty() {
        let (rows, caption) = chart_units(&ranked, opts.chart_units.max(1));
        let cats: Vec<String> = rows.iter().map(|r| r.unit.clone()).collect();
        let series = vec![
            Series {
                name: "按时报送",
                color: "5B9BD5",
                values: rows.iter().map(|r| f64::from(r.on_time)).collect(),
            },
            Series {
                name: "逾期报送",
                color: "FFC000",
                values: rows.iter().map(|r| f64::from(r.late)).collect(),
            },
            Series {
                name: "未报送",
                color: "C00000",
                values: rows.iter().map(|r| f64::from(r.missing)).collect(),
            },
        ];
        charts.push(ChartPart {
            rel_id: CHART_REL.to_string(),
            path: "word/charts/chart1.xml".to_string(),
            xml: chart::stacked_bar(&caption, &cats, &series),
            workbook: Some(chart::workbook(&cats, &series)?),
        });
        let width_mm = u64::from(portrait.text_width()) * 254 / 14_400;
        let height_mm = (20 + 6 * cats.len() as u64).clamp(50, 160);
        out.push_str("<w:p>");
        xml::para_props(
            &mut out,
            &ParaStyle {
                jc: Jc::Center,
                no_grid: true,
                ..ParaStyle::default()
            },
            None,
        );
        out.push_str(&chart::inline_run(
            CHART_REL,
            1,
            &caption,
            width_mm * EMU_PER_MM,
            height_mm * EMU_PER_MM,
        ));
        out.push_str("</w:p>");
    }

    // Every unit is in exactly one list, so the lists add up to the units counted above.
    let numbers = ["（一）", "（二）", "（三）", "（四）"];
    for (i, (kind, rows)) in groups.iter().filter(|(_, g)| !g.is_empty()).enumerate() {
        blocks::heading2(
            &mut out,
            &format!("{}{}（{}个）", numbers[i], kind.label(), rows.len()),
        );
        let text = match kind {
            UnitGroup::Behind => rows
                .iter()
                .map(|r| {
                    let mut what = Vec::new();
                    if r.late > 0 {
                        what.push(format!("逾期{}项", r.late));
                    }
                    if r.missing > 0 {
                        what.push(format!("未报{}项", r.missing));
                    }
                    format!("{}（{}）", r.unit, what.join("、"))
                })
                .collect::<Vec<_>>()
                .join("、"),
            UnitGroup::Returned => rows
                .iter()
                .map(|r| format!("{}（退回{}项）", r.unit, r.returned))
                .collect::<Vec<_>>()
                .join("、"),
            UnitGroup::AllOnTime | UnitGroup::NothingOwed => names(rows),
        };
        blocks::body(&mut out, &format!("{text}。"));
    }

    blocks::heading1(
        &mut out,
        &format!("三、滞后任务（{}项）", data.lagging.len()),
    );
    if data.lagging.is_empty() {
        blocks::body(&mut out, "本轮无滞后任务。");
    }
    let unsubmitted: Vec<&LaggingTask> = data
        .lagging
        .iter()
        .filter(|t| t.kind == LagKind::Unsubmitted)
        .collect();
    let reported: Vec<&LaggingTask> = data
        .lagging
        .iter()
        .filter(|t| t.kind == LagKind::SelfReported)
        .collect();
    let mut n = 0;
    for (title, list) in [
        ("牵头单位未报送进展的任务", &unsubmitted),
        ("牵头单位自评滞后的任务", &reported),
    ] {
        if list.is_empty() {
            continue;
        }
        blocks::heading2(
            &mut out,
            &format!("{}{title}（{}项）", numbers[n], list.len()),
        );
        n += 1;
        lagging_table(&mut out, list, portrait.text_width());
    }

    blocks::heading1(
        &mut out,
        &format!("四、督办情况（{}份）", data.notices.len()),
    );
    if data.notices.is_empty() {
        blocks::body(&mut out, "本轮未发出督办单。");
    } else {
        blocks::body(
            &mut out,
            &format!("本轮共发出督办单{}份，具体如下。", data.notices.len()),
        );
    }
    for (i, n) in data.notices.iter().enumerate() {
        let due = n
            .due
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| format!("，限{d}前办结"))
            .unwrap_or_default();
        blocks::body(
            &mut out,
            &format!(
                "{}. {}：{}，督办事项：{}，{}发出{due}。",
                i + 1,
                n.number.trim(),
                n.unit.trim(),
                n.task.trim(),
                n.issued.trim()
            ),
        );
    }
    blocks::heading1(&mut out, "五、下一步工作要求");
    let given: Vec<&str> = opts
        .requirements
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
        .collect();
    let asked = if given.is_empty() {
        requirements_for(data)
    } else {
        given.iter().map(|r| r.to_string()).collect()
    };
    for r in &asked {
        blocks::body(&mut out, r);
    }
    if opts.issuing.sealed {
        official::sealed_signature(&mut out, opts.office.as_deref(), opts.date.as_deref());
    } else {
        blocks::signature(&mut out, opts.office.as_deref(), opts.date.as_deref());
    }
    official::note(&mut out, &opts.issuing);
    official::colophon(
        &mut out,
        &opts.issuing,
        opts.office.as_deref(),
        opts.date.as_deref(),
        (portrait.text_width(), portrait.text_height()),
    );
    package::section_break_last(&mut out, &portrait);

    package::write_docx(&DocxParts {
        title,
        creator: opts.office.clone().unwrap_or_else(|| "duban".to_string()),
        body: out,
        charts,
    })
}

/// The lists of units the bulletin names, in order; each unit is in exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnitGroup {
    AllOnTime,
    Behind,
    Returned,
    NothingOwed,
}

impl UnitGroup {
    fn label(self) -> &'static str {
        match self {
            UnitGroup::AllOnTime => "按时全部报送的单位",
            UnitGroup::Behind => "存在逾期或未报送的单位",
            UnitGroup::Returned => "按时报送但有退回修改的单位",
            UnitGroup::NothingOwed => "本轮无报送任务的单位",
        }
    }

    fn of(r: &UnitRow) -> Self {
        if r.owed == 0 {
            UnitGroup::NothingOwed
        } else if r.late > 0 || r.missing > 0 || r.on_time < r.owed {
            // Fewer on time than owed without late or missing ones cannot come from a
            // round's counts; such a unit is still not 按时全部报送.
            UnitGroup::Behind
        } else if r.returned > 0 {
            UnitGroup::Returned
        } else {
            UnitGroup::AllOnTime
        }
    }
}

/// The units split into the bulletin's lists, in ranking order within each.
fn unit_groups(ranked: &[RankedUnit]) -> Vec<(UnitGroup, Vec<&UnitRow>)> {
    [
        UnitGroup::AllOnTime,
        UnitGroup::Behind,
        UnitGroup::Returned,
        UnitGroup::NothingOwed,
    ]
    .into_iter()
    .map(|g| {
        let rows = ranked
            .iter()
            .map(|r| &r.row)
            .filter(|r| UnitGroup::of(r) == g)
            .collect();
        (g, rows)
    })
    .collect()
}

/// 序号, 任务编号, 牵头单位, 具体任务, 情况 — within the portrait type area.
fn lagging_table(out: &mut String, list: &[&LaggingTask], width: u32) {
    let (no, number, unit, status) = (650, 1100, 2000, 1300);
    let cols = [
        Column {
            header: "序号",
            width: no,
            jc: Jc::Center,
        },
        Column {
            header: "任务编号",
            width: number,
            jc: Jc::Center,
        },
        Column {
            header: "牵头单位",
            width: unit,
            jc: Jc::Center,
        },
        Column {
            header: "具体任务",
            width: width.saturating_sub(no + number + unit + status).max(1500),
            jc: Jc::Both,
        },
        Column {
            header: "情况",
            width: status,
            jc: Jc::Center,
        },
    ];
    let rows: Vec<Vec<Cell>> = list
        .iter()
        .enumerate()
        .map(|(i, t)| {
            vec![
                Cell::new((i + 1).to_string()),
                Cell::new(t.number.trim()),
                Cell::new(t.unit.trim()),
                Cell::new(t.task.trim()),
                Cell::new(t.status.trim()),
            ]
        })
        .collect();
    table::table(out, &cols, &rows);
}

/// What the round's figures ask of the units, when the office wrote no requirements: 补报
/// for late and missing reports, 赶进度 for lagging tasks, 办结 for open notices, and the
/// standing request to report on time and truthfully.
fn requirements_for(data: &BulletinData) -> Vec<String> {
    let mut out = Vec::new();
    let behind = data
        .units
        .iter()
        .filter(|u| u.late > 0 || u.missing > 0)
        .count();
    if behind > 0 {
        out.push(format!(
            "（一）抓紧补报。请存在逾期或未报送情况的{behind}个单位于3个工作日内补报，并书面说明原因。"
        ));
    }
    if !data.lagging.is_empty() {
        out.push(format!(
            "（{}）加快滞后任务推进。请{}项滞后任务的牵头单位逐项分析原因，制定赶进度措施，在下一轮报送中说明进展。",
            ["一", "二"][out.len()],
            data.lagging.len()
        ));
    }
    if !data.notices.is_empty() {
        out.push(format!(
            "（{}）按期办结督办事项。请收到督办单的单位在办理时限内办结并反馈督查办。",
            ["一", "二", "三"][out.len()]
        ));
    }
    out.push(format!(
        "（{}）各责任单位要按时、如实报送重点任务进展情况，确保数据准确、表述具体。",
        ["一", "二", "三", "四"][out.len()]
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(unit: &str, owed: u32, on_time: u32, late: u32, missing: u32) -> UnitRow {
        UnitRow {
            unit: unit.into(),
            owed,
            on_time,
            late,
            missing,
            returned: 0,
            score: None,
        }
    }

    #[test]
    fn ranking_by_rate_then_missing_with_shared_ranks() {
        let d = BulletinData {
            units: vec![
                row("丙", 4, 2, 0, 2),
                row("甲", 2, 2, 0, 0),
                row("乙", 4, 4, 0, 0),
                row("丁", 4, 2, 2, 0),
                row("戊", 0, 0, 0, 0),
                row("己", 2, 1, 1, 0),
            ],
            ..BulletinData::default()
        };
        let ranked = d.ranking();
        let r: Vec<(Option<u32>, &str)> = ranked
            .iter()
            .map(|u| (u.rank, u.row.unit.as_str()))
            .collect();
        // 己 and 丁 share 50% and no missing report; 己 was late once, 丁 twice.
        assert_eq!(
            r,
            vec![
                (Some(1), "乙"),
                (Some(1), "甲"),
                (Some(3), "己"),
                (Some(4), "丁"),
                (Some(5), "丙"),
                (None, "戊")
            ]
        );
        let mut tied = d.clone();
        tied.units[5] = row("己", 4, 2, 2, 0);
        let r: Vec<Option<u32>> = tied.ranking().iter().map(|u| u.rank).collect();
        assert_eq!(r, vec![Some(1), Some(1), Some(3), Some(3), Some(5), None]);
        assert_eq!(
            rank_labels(&tied.ranking()),
            vec!["并列1", "并列1", "并列3", "并列3", "5", "—"]
        );
        assert_eq!(d.totals(), (16, 11, 3, 2, 0));
    }

    #[test]
    fn extreme_counts_do_not_overflow() {
        let m = u32::MAX;
        let d = BulletinData {
            units: vec![row("甲", m, m, m, m), row("乙", m, 1, m, m)],
            ..BulletinData::default()
        };
        assert_eq!(d.ranking()[0].row.unit, "甲");
        assert_eq!(d.totals().0, 2 * u64::from(m));
        assert!(bulletin(&d, &BulletinOptions::default()).is_ok());
    }
}
