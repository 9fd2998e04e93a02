use serde::{Deserialize, Serialize};

use crate::{Schedule, Target, UnitRef, Verdict, Warning};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    Txt,
    Docx,
    Xlsx,
    /// Excel 97-2003 (BIFF).
    Xls,
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Txt => "txt",
            SourceFormat::Docx => "docx",
            SourceFormat::Xlsx => "xlsx",
            SourceFormat::Xls => "xls",
        }
    }
}

/// One table of a ledger file (a Word table, an Excel sheet, or a prose decomposition).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// 1-based, in document order.
    pub index: usize,
    /// The table's label in the document, such as "附件1" or a sheet name.
    pub label: String,
    pub title: Option<String>,
    /// The number of rows the title (or the summary) claims, if any.
    pub claimed_rows: Option<u32>,
    /// Rows actually read.
    pub rows: usize,
    /// What the table says about its rows as a whole (from its title).
    pub office_verdict: Option<Verdict>,
    /// The date the table speaks for when its title names a period ("2022年1-10月…"); else
    /// the document's applies.
    #[serde(default, with = "crate::ymd_opt")]
    pub as_of: Option<time::Date>,
}

/// One key task (重点任务), a row of a ledger table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Index into `Ledger::tables`, 1-based.
    pub table: usize,
    /// Row number within its table, recovered when Word's numbering was lost.
    pub row: u32,
    pub section: Option<String>,
    pub text: String,
    pub lead_units: Vec<UnitRef>,
    pub coop_units: Vec<UnitRef>,
    /// Group placeholders among the lead units ("各镇街"): not units, kept visible.
    pub lead_groups: Vec<String>,
    /// Group placeholders among the cooperating units ("区级有关部门").
    pub coop_groups: Vec<String>,
    /// 责任领导 / 分管领导.
    pub leader: Option<String>,
    /// 完成时限 / 时间节点, as written.
    pub deadline: Option<String>,
    /// The latest progress narrative (进展情况 / 完成情况).
    pub progress: String,
    /// The column the progress came from ("1-11月推进情况"), when it was not the only one.
    pub progress_label: Option<String>,
    /// The office's verdict, from the table title or a status column.
    pub office_verdict: Option<Verdict>,
    /// The status cell as written (完成状态 / 是否完成), if any.
    pub status_text: Option<String>,
    /// The machine's verdict; `None` until assessed.
    pub verdict: Option<Verdict>,
    pub targets: Vec<Target>,
    /// One Chinese line summarising the machine's verdict.
    pub explanation: Option<String>,
    /// Before the task's deadline: ahead of, on or behind schedule; `None` when judged at
    /// or after it (or not assessed).
    #[serde(default)]
    pub schedule: Option<Schedule>,
    /// The date (ISO) the office approved closing the task out (办结销号), for ledgers
    /// written from the service; never read from a document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<String>,
    /// Dated steps (时间节点 / 序时目标), read from the ledger's milestone column or kept
    /// by the office.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<crate::Milestone>,
}

impl Task {
    /// A task with only the fields every reader knows; the rest empty.
    pub fn new(table: usize, row: u32, text: impl Into<String>) -> Self {
        Task {
            table,
            row,
            section: None,
            text: text.into(),
            lead_units: Vec::new(),
            coop_units: Vec::new(),
            lead_groups: Vec::new(),
            coop_groups: Vec::new(),
            leader: None,
            deadline: None,
            progress: String::new(),
            progress_label: None,
            office_verdict: None,
            status_text: None,
            verdict: None,
            targets: Vec::new(),
            explanation: None,
            schedule: None,
            closed_on: None,
            milestones: Vec::new(),
        }
    }

    /// Whether the office and the machine disagree on this task.
    pub fn disputed(&self) -> bool {
        crate::disputed(self.office_verdict, self.verdict)
    }

    /// The final verdict where the office has spoken, else the machine's.
    pub fn effective_verdict(&self) -> Option<Verdict> {
        self.office_verdict.or(self.verdict)
    }

    pub fn names_unit(&self, name: &str) -> bool {
        self.lead_units
            .iter()
            .chain(&self.coop_units)
            .any(|u| u.answers_to(name))
    }
}

/// Everything read from one ledger file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    /// The path or name as given.
    pub source: String,
    pub format: SourceFormat,
    /// The document title ("关于2022年区政府工作报告重点任务完成情况的报告"), if found.
    pub title: Option<String>,
    /// The issuing office the document names (发文机关, "重庆市沙坪坝区人民政府督查办"), if
    /// it names one: the letterhead line above its title.
    #[serde(default)]
    pub issuer: Option<String>,
    /// The total number of tasks the document's summary claims ("131项重点工作任务"), if any.
    pub claimed_total: Option<u32>,
    /// The date the document speaks for (from its title, a round or `--as-of`); `None`
    /// when it names no period, which is judged as at the tasks' deadlines.
    #[serde(default, with = "crate::ymd_opt")]
    pub as_of: Option<time::Date>,
    /// The plan year the title names ("关于2022年…" → 2022), if any.
    #[serde(default)]
    pub year: Option<i32>,
    pub tables: Vec<Table>,
    pub tasks: Vec<Task>,
    /// Warnings serialise with their location as one readable string (the contract's
    /// form), which cannot be parsed back: a deserialised ledger starts with none.
    #[serde(default, skip_deserializing)]
    pub warnings: Vec<Warning>,
}

impl Ledger {
    pub fn new(source: impl Into<String>, format: SourceFormat) -> Self {
        Ledger {
            source: source.into(),
            format,
            title: None,
            issuer: None,
            claimed_total: None,
            as_of: None,
            year: None,
            tables: Vec::new(),
            tasks: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub fn tasks_in(&self, table: usize) -> impl Iterator<Item = &Task> {
        self.tasks.iter().filter(move |t| t.table == table)
    }

    /// Every distinct unit named anywhere, by name, aliases merged, in first-seen order.
    pub fn units(&self) -> Vec<UnitRef> {
        let mut out: Vec<UnitRef> = Vec::new();
        for u in self
            .tasks
            .iter()
            .flat_map(|t| t.lead_units.iter().chain(&t.coop_units))
        {
            match out.iter_mut().find(|o| o.name == u.name) {
                Some(o) => {
                    for a in &u.aliases {
                        if !o.aliases.contains(a) {
                            o.aliases.push(a.clone());
                        }
                    }
                }
                None => out.push(u.clone()),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_merged_by_name_with_aliases() {
        let mut l = Ledger::new("x.txt", SourceFormat::Txt);
        let mut a = Task::new(1, 1, "任务一");
        a.lead_units.push(UnitRef::new("区商务委"));
        let mut b = Task::new(1, 2, "任务二");
        b.coop_units.push(UnitRef {
            name: "区商务委".into(),
            aliases: vec!["区招商中心".into()],
        });
        b.lead_units.push(UnitRef::new("区科技局"));
        l.tasks = vec![a, b];
        let units = l.units();
        assert_eq!(units.len(), 2);
        assert_eq!(units[0].display(), "区商务委（区招商中心）");
        assert!(l.tasks[1].names_unit("区招商中心"));
    }

    #[test]
    fn effective_verdict_prefers_the_office() {
        let mut t = Task::new(1, 1, "x");
        t.verdict = Some(Verdict::NotMet);
        assert_eq!(t.effective_verdict(), Some(Verdict::NotMet));
        t.office_verdict = Some(Verdict::Met);
        assert_eq!(t.effective_verdict(), Some(Verdict::Met));
        assert!(t.disputed());
    }
}
