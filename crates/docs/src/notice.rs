//! Printable 督办单 (supervision notice) and 催办单 (reminder) as .docx: the office's name and
//! the form's kind as the title, the 文号 over the red rule, a bordered form (承办单位, 任务,
//! 当前进展, 督办事项, 办结时限, 反馈要求), then 署名 and 日期 with room for the seal, 附注 and
//! 版记 — the same GB/T 9704-2012 page as the other documents.

use crate::DocsError;
use crate::blocks;
use crate::geometry::{DocGrid, PageGeometry};
use crate::official::{self, Issuing, doc_number};
use crate::package::{self, DocxParts};
use crate::table;

/// Which form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoticeKind {
    /// 督办单: the office requires a unit to act on a task by a date.
    #[default]
    Supervision,
    /// 催办单: the office presses a unit for what it owes (an overdue report, an open notice).
    Reminder,
}

impl NoticeKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            NoticeKind::Supervision => "督办单",
            NoticeKind::Reminder => "催办单",
        }
    }

    /// The pattern when the office has set none: "督办〔{year}〕{n}号" / "催办〔{year}〕{n}号".
    pub fn default_pattern(self) -> &'static str {
        match self {
            NoticeKind::Supervision => "督办〔{year}〕{n}号",
            NoticeKind::Reminder => "催办〔{year}〕{n}号",
        }
    }
}

/// What a 督办单 or 催办单 says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoticeDoc {
    pub kind: NoticeKind,
    /// The year the notice is issued in, and its serial number within that year: the 文号.
    pub year: i32,
    pub serial: u32,
    /// 督办等级 as the office names it ("红色"); left out when absent.
    pub level: Option<String>,
    /// 承办单位.
    pub unit: String,
    /// The task's number in the ledger ("12").
    pub task_number: Option<String>,
    pub task: String,
    /// What the office last knew of the task (当前进展); left out when absent.
    pub progress: Option<String>,
    /// 督办事项 / 催办事项: what the office requires.
    pub text: String,
    /// 发出日期 ("2023年4月3日"): the form's 成文日期.
    pub issued: String,
    /// 办结时限 ("2023年4月20日").
    pub due: Option<String>,
}

/// What the office adds to every notice.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoticeOptions {
    /// 发文机关 ("重庆市沙坪坝区人民政府督查办").
    pub office: Option<String>,
    /// 文号 pattern ("沙督办〔{year}〕{n}号"); the kind's default when absent.
    pub pattern: Option<String>,
    /// 抄送, 附注 and 印发 details; its `number` is ignored (the 文号 comes from the pattern).
    pub issuing: Issuing,
    pub grid: DocGrid,
}

/// The notice's 文号 from its own fields and the office's pattern (see [`doc_number`]):
/// "沙督办〔2023〕7号". A blank pattern takes the kind's default.
pub fn notice_number(notice: &NoticeDoc, pattern: Option<&str>) -> String {
    let p = pattern
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or(notice.kind.default_pattern());
    doc_number(p, notice.year, notice.serial)
}

fn some(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The form's rows, in order; absent fields are left out.
fn rows(n: &NoticeDoc, office: &str) -> Vec<(&'static str, String)> {
    let mut out = vec![("承办单位", n.unit.trim().to_string())];
    if let Some(l) = some(n.level.as_deref()) {
        out.push(("督办等级", l.to_string()));
    }
    let task = match some(n.task_number.as_deref()) {
        Some(no) => format!("第{no}项：{}", n.task.trim()),
        None => n.task.trim().to_string(),
    };
    out.push(("任务", task));
    if let Some(p) = some(n.progress.as_deref()) {
        out.push(("当前进展", p.to_string()));
    }
    let label = match n.kind {
        NoticeKind::Supervision => "督办事项",
        NoticeKind::Reminder => "催办事项",
    };
    out.push((label, n.text.trim().to_string()));
    let due = some(n.due.as_deref());
    if let Some(d) = due {
        out.push(("办结时限", d.to_string()));
    }
    let ask = match (n.kind, due) {
        (NoticeKind::Supervision, Some(d)) => {
            format!("请于{d}前办结，并将办理情况书面反馈{office}。")
        }
        (NoticeKind::Supervision, None) => {
            format!("请抓紧办理，并将办理情况书面反馈{office}。")
        }
        (NoticeKind::Reminder, Some(d)) => {
            format!("请于{d}前报送，逾期未报送的将在通报中予以说明。")
        }
        (NoticeKind::Reminder, None) => "请立即报送，逾期未报送的将在通报中予以说明。".to_string(),
    };
    out.push(("反馈要求", ask));
    out
}

/// Writes a 督办单 or 催办单 as a .docx.
pub fn notice_docx(n: &NoticeDoc, opts: &NoticeOptions) -> Result<Vec<u8>, DocsError> {
    let portrait = PageGeometry {
        grid: opts.grid,
        ..PageGeometry::portrait()
    };
    let office = some(opts.office.as_deref());
    let number = notice_number(n, opts.pattern.as_deref());
    let mut out = String::with_capacity(16 * 1024);
    blocks::title(&mut out, office, n.kind.label_zh(), None);
    official::header_lines(&mut out, &[&number]);
    blocks::addressee(&mut out, &n.unit);
    table::form(
        &mut out,
        1800,
        portrait.text_width(),
        &rows(n, office.unwrap_or("督查办")),
    );
    official::sealed_signature(&mut out, office, Some(&n.issued));
    official::note(&mut out, &opts.issuing);
    official::colophon(
        &mut out,
        &opts.issuing,
        office,
        Some(&n.issued),
        (portrait.text_width(), portrait.text_height()),
    );
    package::section_break_last(&mut out, &portrait);
    package::write_docx(&DocxParts {
        title: format!("{}（{number}）", n.kind.label_zh()),
        creator: office.unwrap_or("duban").to_string(),
        body: out,
        charts: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(kind: NoticeKind) -> NoticeDoc {
        NoticeDoc {
            kind,
            year: 2023,
            serial: 7,
            unit: "区住房城乡建委".into(),
            task: "建成两溪花谷".into(),
            text: "整治工程进度滞后".into(),
            issued: "2023年4月3日".into(),
            ..NoticeDoc::default()
        }
    }

    #[test]
    fn numbers_come_from_the_notice_and_the_pattern() {
        let n = notice(NoticeKind::Supervision);
        assert_eq!(notice_number(&n, None), "督办〔2023〕7号");
        assert_eq!(notice_number(&n, Some("  ")), "督办〔2023〕7号");
        assert_eq!(
            notice_number(&n, Some("沙督办〔{year}〕{n}号")),
            "沙督办〔2023〕7号"
        );
        let r = notice(NoticeKind::Reminder);
        assert_eq!(notice_number(&r, None), "催办〔2023〕7号");
        assert_eq!(notice_number(&r, Some("沙催")), "沙催〔2023〕7号");
    }

    #[test]
    fn the_form_leaves_out_what_is_absent_and_asks_by_the_due_date() {
        let mut n = notice(NoticeKind::Supervision);
        let labels: Vec<&str> = rows(&n, "督查办").iter().map(|r| r.0).collect();
        assert_eq!(labels, ["承办单位", "任务", "督办事项", "反馈要求"]);
        n.due = Some("2023年4月20日".into());
        n.task_number = Some("6".into());
        let r = rows(&n, "区政府督查办");
        assert_eq!(r[1].1, "第6项：建成两溪花谷");
        assert_eq!(
            r.last().map(|r| r.1.as_str()),
            Some("请于2023年4月20日前办结，并将办理情况书面反馈区政府督查办。")
        );
    }
}
