//! The year-end report to the government: title, addressee, a summary whose every number is
//! counted from the rows listed, the unmet tasks with their evidence, and the attachment
//! tables on landscape pages.

use duban_model::{Ledger, Task, UnitRef};

use crate::DocsError;
use crate::blocks;
use crate::evidence::evidence_sentences;
use crate::geometry::{DocGrid, PageGeometry};
use crate::official::{self, Issuing};
use crate::package::{self, DocxParts};
use crate::split::{ReportCounts, Split, VerdictSource, split};
use crate::table::{self, Cell, Column, merges};
use crate::title::{report_title, year_in};
use crate::xml::Jc;

/// What the report says beyond the ledger's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    /// Whose verdict splits the tasks between the attachments.
    pub verdict_source: VerdictSource,
    /// The issuing office (发文机关, "重庆市沙坪坝区人民政府督查办"): first title line,
    /// 发文机关署名 and 印发机关. [`ReportOptions::for_ledger`] takes the one the source
    /// document names (`Ledger::issuer`).
    pub office: Option<String>,
    /// The year reported on; read from the title when absent.
    pub year: Option<u16>,
    /// "区政府".
    pub addressee: String,
    /// The full title; by default the ledger's own title, else "关于{year}年重点任务完成情况的报告".
    pub title: Option<String>,
    /// 成文日期 ("2023年1月10日"), written under the signature.
    pub date: Option<String>,
    /// 发文字号, 抄送, 附注, 版记 and the seal.
    pub issuing: Issuing,
    /// How many sentences of progress follow each unmet task in the body.
    pub evidence_sentences: usize,
    /// How the 22 × 28 type area is laid down.
    pub grid: DocGrid,
    /// Paragraphs under "二、下一步工作"; the section is left out when empty.
    pub next_steps: Vec<String>,
    /// The day the standings speak for when the report is written before the year is out
    /// ("2026年11月30日"): the title and the summary then say 截至 that day, so part-year
    /// progress never reads as a year-end result. `None` for the year-end report itself.
    pub as_of: Option<String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            verdict_source: VerdictSource::Final,
            office: None,
            year: None,
            addressee: "区政府".to_string(),
            title: None,
            date: None,
            issuing: Issuing::default(),
            evidence_sentences: 2,
            grid: DocGrid::default(),
            next_steps: Vec::new(),
            as_of: None,
        }
    }
}

impl ReportOptions {
    /// Defaults for this ledger: the office's verdicts when it carries any, else the
    /// machine's; the issuing office the source document names, if it names one.
    pub fn for_ledger(ledger: &Ledger) -> Self {
        ReportOptions {
            verdict_source: VerdictSource::auto(ledger),
            office: ledger
                .issuer
                .as_deref()
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_string),
            ..ReportOptions::default()
        }
    }

    /// The title the report will carry: `title`, else the ledger's, else one built from the
    /// year (for naming the downloaded file, say).
    pub fn title_for(&self, ledger: &Ledger) -> String {
        let title = match self
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(t) => t.to_string(),
            None => report_title(ledger.title.as_deref(), self.year(ledger)),
        };
        match self.as_of.as_deref() {
            Some(day) => part_year_title(&title, day),
            None => title,
        }
    }

    fn year(&self, ledger: &Ledger) -> Option<u16> {
        self.year
            .or_else(|| ledger.title.as_deref().and_then(year_in))
    }
}

/// One attachment table of the report.
struct Attachment<'a> {
    title: String,
    tasks: &'a [&'a Task],
    /// 附件3 explains why each task awaits verification.
    with_reason: bool,
}

fn units_cell(units: &[UnitRef], groups: &[String]) -> String {
    units
        .iter()
        .map(UnitRef::display)
        .chain(groups.iter().cloned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn ends_sentence(s: &str) -> bool {
    s.ends_with(['。', '！', '？', '；', '.', '!', '?'])
}

/// "已办结（2026年11月20日销号）" for a task the office closed out, from its ISO date.
pub(crate) fn closed_mark(t: &Task) -> Option<String> {
    let on = t.closed_on.as_deref()?;
    Some(match duban_model::ymd_opt::parse(on) {
        Some(d) => format!(
            "已办结（{}年{}月{}日销号）",
            d.year(),
            u8::from(d.month()),
            d.day()
        ),
        None => format!("已办结（{on}销号）"),
    })
}

/// The 完成情况 cell: a closed task's mark first, so a reader sees it is done with.
fn progress_cell(t: &Task) -> String {
    match closed_mark(t) {
        Some(mark) if t.progress.trim().is_empty() => mark,
        Some(mark) => format!("{mark}。{}", t.progress),
        None => t.progress.clone(),
    }
}

/// "启动建设技术交易中心，技术交易合同登记额增长15%。全年完成……"
fn unmet_item(n: usize, task: &Task, sentences: usize) -> String {
    let mut s = format!("{n}. {}", task.text.trim().replace('\n', ""));
    if !ends_sentence(&s) {
        s.push('。');
    }
    for e in evidence_sentences(task, sentences) {
        s.push_str(&e.replace('\n', ""));
    }
    if let Some(mark) = closed_mark(task) {
        s.push_str(&mark);
        s.push('。');
    }
    s
}

/// A title for a report written before the year is out: "关于X完成情况的报告" becomes
/// "关于X截至11月30日进展情况的报告" — progress, not completion, and as of when.
fn part_year_title(title: &str, day: &str) -> String {
    if title.contains("截至") {
        return title.to_string();
    }
    match title.find("完成情况") {
        Some(i) => format!(
            "{}截至{day}进展情况{}",
            &title[..i],
            &title[i + "完成情况".len()..]
        ),
        None => format!("{title}（截至{day}）"),
    }
}

/// "2022年区政府工作报告重点任务" out of "关于2022年区政府工作报告重点任务完成情况的报告".
fn subject(title: &str) -> String {
    let t = title.trim().strip_prefix("关于").unwrap_or(title);
    // A part-year title names its day before 进展情况: the subject ends before 截至.
    if let Some(i) = t.find("截至").filter(|i| *i > 0) {
        return t[..i].to_string();
    }
    match t.find("完成情况") {
        Some(i) if i > 0 => t[..i].to_string(),
        _ => "重点任务".to_string(),
    }
}

fn summary_text(c: &ReportCounts, closed: usize, as_of: Option<&str>) -> String {
    let mut s = match as_of {
        Some(day) => format!("截至{day}，"),
        None => String::new(),
    };
    s.push_str(&format!(
        "{}项重点工作任务中，已完成既定目标任务{}项，未完成既定目标任务{}项",
        c.total, c.met, c.not_met
    ));
    if c.qualitative > 0 {
        s.push_str(&format!("，定性任务{}项", c.qualitative));
    }
    if c.pending > 0 {
        s.push_str(&format!("，尚待核实{}项", c.pending));
    }
    s.push('。');
    if closed > 0 {
        s.push_str(&format!("其中已办结销号{closed}项。"));
    }
    if c.not_met > 0 {
        s.push_str("未完成既定目标任务具体情况如下。");
    }
    s
}

fn attachment_table(out: &mut String, a: &Attachment<'_>, width: u32) {
    // Unit columns fit "区住房城乡建委" (7 characters of 小四) on one line.
    // 附件3's reason column is taken from 具体任务, so 完成情况 stays the widest.
    let (no, section, unit) = (650, 1400, 1850);
    let (task, reason_w) = if a.with_reason {
        (2600, 1500)
    } else {
        (3000, 0)
    };
    let fixed = no + section + task + 2 * unit + reason_w;
    let mut cols = vec![
        Column {
            header: "序号",
            width: no,
            jc: Jc::Center,
        },
        Column {
            header: "工作板块",
            width: section,
            jc: Jc::Center,
        },
        Column {
            header: "具体任务",
            width: task,
            jc: Jc::Both,
        },
        Column {
            header: "牵头单位",
            width: unit,
            jc: Jc::Center,
        },
        Column {
            header: "配合单位",
            width: unit,
            jc: Jc::Center,
        },
        Column {
            header: "完成情况",
            width: width.saturating_sub(fixed).max(1500),
            jc: Jc::Both,
        },
    ];
    if a.with_reason {
        cols.push(Column {
            header: "待核实原因",
            width: reason_w,
            jc: Jc::Both,
        });
    }
    let sections: Vec<Option<&str>> = a
        .tasks
        .iter()
        .map(|t| {
            t.section
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
        })
        .collect();
    let marks = merges(&sections);
    let rows: Vec<Vec<Cell>> = a
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut row = vec![
                Cell::new((i + 1).to_string()),
                Cell {
                    text: sections[i].unwrap_or_default().to_string(),
                    merge: marks[i],
                },
                Cell::new(t.text.as_str()),
                Cell::new(units_cell(&t.lead_units, &t.lead_groups)),
                Cell::new(units_cell(&t.coop_units, &t.coop_groups)),
                Cell::new(progress_cell(t)),
            ];
            if a.with_reason {
                row.push(Cell::new(pending_reason(t)));
            }
            row
        })
        .collect();
    table::table(out, &cols, &rows);
}

/// "无法核实：未见…" — the machine's explanation already opens with its verdict's label, so
/// the label is written once.
fn pending_reason(t: &Task) -> String {
    let label = match t.verdict.or(t.office_verdict) {
        Some(v) => v.label_zh(),
        None => "尚未核验",
    };
    match t
        .explanation
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(e) if e.starts_with(label) => e.to_string(),
        Some(e) => format!("{label}：{e}"),
        None => label.to_string(),
    }
}

fn attachments<'a>(s: &'a Split<'a>) -> Vec<Attachment<'a>> {
    let mut out = Vec::new();
    if !s.not_met.is_empty() {
        out.push(Attachment {
            title: format!("未完成既定目标{}项重点工作任务进展情况表", s.not_met.len()),
            tasks: &s.not_met,
            with_reason: false,
        });
    }
    if !s.met.is_empty() {
        out.push(Attachment {
            title: format!("已完成既定目标{}项重点工作任务完成情况表", s.met.len()),
            tasks: &s.met,
            with_reason: false,
        });
    }
    if !s.qualitative.is_empty() {
        out.push(Attachment {
            title: format!("重点工作任务中定性任务{}项开展情况表", s.qualitative.len()),
            tasks: &s.qualitative,
            with_reason: false,
        });
    }
    if !s.pending.is_empty() {
        out.push(Attachment {
            title: format!("尚待核实{}项重点工作任务进展情况表", s.pending.len()),
            tasks: &s.pending,
            with_reason: true,
        });
    }
    out
}

/// Writes the year-end report as a .docx.
///
/// Tasks are split by `opts.verdict_source`: 未完成 go to the first attachment, 已完成 to the
/// next, and tasks whose verdict is unverifiable, qualitative or missing to a last one,
/// 尚待核实; an empty attachment is left out and the rest are numbered in order. The summary
/// prints the size of each list, so its numbers are the tables' row counts by construction.
pub fn year_end_report(ledger: &Ledger, opts: &ReportOptions) -> Result<Vec<u8>, DocsError> {
    let s = split(ledger, opts.verdict_source);
    let counts = s.counts();
    let title = opts.title_for(ledger);
    let atts = attachments(&s);
    let portrait = PageGeometry {
        grid: opts.grid,
        ..PageGeometry::portrait()
    };
    let landscape = PageGeometry::landscape();

    let body_len: usize = ledger
        .tasks
        .iter()
        .map(|t| t.text.len() + t.progress.len() + 200)
        .sum();
    let mut out = String::with_capacity(body_len * 2 + 16 * 1024);

    official::header_lines(&mut out, &[opts.issuing.number.as_deref().unwrap_or("")]);
    blocks::title(&mut out, opts.office.as_deref(), &title, None);
    blocks::blank(&mut out);
    blocks::addressee(&mut out, &opts.addressee);
    let who = opts
        .office
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .unwrap_or("我办");
    blocks::body(
        &mut out,
        &format!(
            "按照工作安排，{who}对{}完成情况进行跟踪督办。具体情况报告如下。",
            subject(&title)
        ),
    );
    blocks::heading1(
        &mut out,
        &format!("一、{}项重点工作任务完成情况", counts.total),
    );
    let closed = ledger
        .tasks
        .iter()
        .filter(|t| t.closed_on.is_some())
        .count();
    blocks::body(
        &mut out,
        &summary_text(&counts, closed, opts.as_of.as_deref()),
    );
    let label_of = |kind: usize| -> String {
        // Attachments are numbered in the order they appear, skipping empty ones.
        format!("附件{}", kind + 1)
    };
    if counts.not_met > 0 {
        blocks::heading2(
            &mut out,
            &format!("（一）未完成既定目标任务（{}项）", counts.not_met),
        );
        for (i, t) in s.not_met.iter().enumerate() {
            blocks::body(&mut out, &unmet_item(i + 1, t, opts.evidence_sentences));
        }
    }
    let numbers = ["（一）", "（二）", "（三）"];
    let mut heading = usize::from(counts.not_met > 0);
    let attachment_of = |key: &str| {
        atts.iter()
            .position(|a| a.title.contains(key))
            .map(label_of)
            .unwrap_or_default()
    };
    if counts.qualitative > 0 {
        blocks::heading2(
            &mut out,
            &format!("{}定性任务（{}项）", numbers[heading], counts.qualitative),
        );
        heading += 1;
        blocks::body(
            &mut out,
            &format!(
                "以下{}项任务未设可量化核验的目标，不作是否完成既定目标的认定，其工作开展情况详见{}。",
                counts.qualitative,
                attachment_of("定性任务")
            ),
        );
    }
    if counts.pending > 0 {
        blocks::heading2(
            &mut out,
            &format!("{}尚待核实任务（{}项）", numbers[heading], counts.pending),
        );
        blocks::body(
            &mut out,
            &format!(
                "以下{}项任务依据现有进展材料无法判断是否完成既定目标，需由牵头单位补充材料后再行认定，详见{}。",
                counts.pending,
                attachment_of("尚待核实")
            ),
        );
    }
    let steps: Vec<&str> = opts
        .next_steps
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if !steps.is_empty() {
        blocks::heading1(&mut out, "二、下一步工作");
        for s in steps {
            blocks::body(&mut out, s);
        }
    }
    let titles: Vec<String> = atts.iter().map(|a| a.title.clone()).collect();
    blocks::attachment_note(&mut out, &titles);
    if opts.issuing.sealed {
        official::sealed_signature(&mut out, opts.office.as_deref(), opts.date.as_deref());
    } else {
        blocks::signature(&mut out, opts.office.as_deref(), opts.date.as_deref());
    }
    official::note(&mut out, &opts.issuing);

    let colophon = |out: &mut String| {
        official::colophon(
            out,
            &opts.issuing,
            opts.office.as_deref(),
            opts.date.as_deref(),
            (portrait.text_width(), portrait.text_height()),
        )
    };
    if atts.is_empty() {
        colophon(&mut out);
        package::section_break_last(&mut out, &portrait);
    } else {
        package::section_break(&mut out, &portrait);
        for (i, a) in atts.iter().enumerate() {
            blocks::attachment_head(&mut out, &label_of(i), &a.title);
            attachment_table(&mut out, a, landscape.text_width());
            package::section_break(&mut out, &landscape);
        }
        // The 版记 closes the document after its attachments (§7.4), on a portrait page of
        // its own; the body ends in a paragraph and the last section's properties.
        colophon(&mut out);
        package::section_break_last(&mut out, &portrait);
    }

    package::write_docx(&DocxParts {
        title,
        creator: opts.office.clone().unwrap_or_else(|| "duban".to_string()),
        body: out,
        charts: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_every_count() {
        let c = ReportCounts {
            total: 131,
            met: 115,
            not_met: 11,
            qualitative: 0,
            pending: 5,
        };
        assert_eq!(
            summary_text(&c, 0, None),
            "131项重点工作任务中，已完成既定目标任务115项，未完成既定目标任务11项，尚待核实5项。未完成既定目标任务具体情况如下。"
        );
        assert_eq!(
            subject("关于2022年区政府工作报告重点任务完成情况的报告"),
            "2022年区政府工作报告重点任务"
        );
    }

    #[test]
    fn a_report_written_before_the_year_is_out_says_as_of_when() {
        let c = ReportCounts {
            total: 3,
            met: 1,
            not_met: 1,
            qualitative: 0,
            pending: 1,
        };
        assert!(summary_text(&c, 0, Some("2026年11月30日")).starts_with("截至2026年11月30日，3项"));
        let opts = ReportOptions {
            as_of: Some("11月30日".into()),
            ..ReportOptions::default()
        };
        let mut l = Ledger::new("x.txt", duban_model::SourceFormat::Txt);
        l.title = Some("关于2026年区政府工作报告重点任务完成情况的报告".into());
        let title = opts.title_for(&l);
        assert_eq!(
            title,
            "关于2026年区政府工作报告重点任务截至11月30日进展情况的报告"
        );
        assert_eq!(subject(&title), "2026年区政府工作报告重点任务");
        assert_eq!(part_year_title(&title, "12月1日"), title, "said once");
        assert_eq!(
            part_year_title("年度通报", "12月1日"),
            "年度通报（截至12月1日）"
        );
    }

    #[test]
    fn unmet_item_joins_task_and_evidence() {
        let mut t = Task::new(1, 11, "民间投资占比60%以上");
        t.progress = "2022年完成民间投资225.3亿元，占比40.4%。".into();
        assert_eq!(
            unmet_item(11, &t, 2),
            "11. 民间投资占比60%以上。2022年完成民间投资225.3亿元，占比40.4%。"
        );
    }
}
