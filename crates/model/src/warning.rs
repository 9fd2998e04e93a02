use serde::{Deserialize, Serialize, Serializer};

/// Stable warning identifiers (see `shared/contracts/check-json.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// A title or summary claims a number of rows that differs from what is listed.
    ClaimedCountMismatch,
    /// A sentence repeated within one cell.
    DuplicateSentence,
    /// Conversion junk such as `[bookmark: …]` or runs of spaces was removed.
    Artifact,
    MissingLeadUnit,
    DuplicateTask,
    /// The progress text does not speak to the task's target.
    EvidenceOffTarget,
    /// A row that could not be read as a task and was skipped (kept visible, never silent).
    SkippedRow,
    /// A column header that matched nothing and was ignored.
    UnknownColumn,
    /// Parts stated in a text do not add up to the total stated beside them.
    InconsistentTotal,
    /// A count in a text disagrees with the number of items named after it.
    InconsistentCount,
    /// A task has no progress text.
    MissingProgress,
    /// An .xlsx sheet hidden in Excel: read like the others, and named so the office knows.
    HiddenSheet,
    /// A part of the file a reader did not read (a chart sheet, a missing sheet part,
    /// tracked deletions), named so nothing disappears silently.
    SkippedPart,
}

impl WarningCode {
    pub fn as_str(self) -> &'static str {
        match self {
            WarningCode::ClaimedCountMismatch => "claimed_count_mismatch",
            WarningCode::DuplicateSentence => "duplicate_sentence",
            WarningCode::Artifact => "artifact",
            WarningCode::MissingLeadUnit => "missing_lead_unit",
            WarningCode::DuplicateTask => "duplicate_task",
            WarningCode::EvidenceOffTarget => "evidence_off_target",
            WarningCode::SkippedRow => "skipped_row",
            WarningCode::UnknownColumn => "unknown_column",
            WarningCode::InconsistentTotal => "inconsistent_total",
            WarningCode::InconsistentCount => "inconsistent_count",
            WarningCode::MissingProgress => "missing_progress",
            WarningCode::HiddenSheet => "hidden_sheet",
            WarningCode::SkippedPart => "skipped_part",
        }
    }

    /// What people read in the import preview ("标题所称数量与实际不符").
    pub fn label_zh(self) -> &'static str {
        match self {
            WarningCode::ClaimedCountMismatch => "所称数量与实际不符",
            WarningCode::DuplicateSentence => "同一格内语句重复",
            WarningCode::Artifact => "已清除转换残留",
            WarningCode::MissingLeadUnit => "缺少牵头单位",
            WarningCode::DuplicateTask => "任务重复",
            WarningCode::EvidenceOffTarget => "进展未回应目标",
            WarningCode::SkippedRow => "跳过的行",
            WarningCode::UnknownColumn => "未识别的列",
            WarningCode::InconsistentTotal => "分项与合计不符",
            WarningCode::InconsistentCount => "所称数量与列举不符",
            WarningCode::MissingProgress => "缺少进展情况",
            WarningCode::HiddenSheet => "隐藏的工作表",
            WarningCode::SkippedPart => "未读取的部分",
        }
    }

    /// Whether the reader already fixed it (conversion junk removed): worth listing, but
    /// apart from what the office must check, so a whitespace fix never hides a count that
    /// does not add up.
    pub fn is_cleanup(self) -> bool {
        matches!(self, WarningCode::Artifact)
    }
}

/// Where a warning or an error points: a table and row, a column, or a named document part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// 1-based table index in document order.
    pub table: Option<usize>,
    /// The table's own label, such as "附件1", used when rendering.
    pub table_label: Option<String>,
    /// Row number within the table (as numbered in the ledger).
    pub row: Option<u32>,
    /// Column header, such as "完成情况".
    pub column: Option<String>,
    /// A document part outside tables, such as "正文摘要" or a sheet name.
    pub part: Option<String>,
}

impl Location {
    pub fn part(part: impl Into<String>) -> Self {
        Location {
            part: Some(part.into()),
            ..Location::default()
        }
    }

    pub fn table(index: usize, label: impl Into<String>) -> Self {
        Location {
            table: Some(index),
            table_label: Some(label.into()),
            ..Location::default()
        }
    }

    pub fn row(mut self, row: u32) -> Self {
        self.row = Some(row);
        self
    }

    pub fn column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }
}

impl std::fmt::Display for Location {
    /// Renders as "附件1 第3行 完成情况", or the part name.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(p) = &self.part {
            parts.push(p.clone());
        }
        match (&self.table_label, self.table) {
            (Some(l), _) => parts.push(l.clone()),
            (None, Some(t)) => parts.push(format!("表{t}")),
            _ => {}
        }
        if let Some(r) = self.row {
            parts.push(format!("第{r}行"));
        }
        if let Some(c) = &self.column {
            parts.push(c.clone());
        }
        if parts.is_empty() {
            f.write_str("全文")
        } else {
            f.write_str(&parts.join(" "))
        }
    }
}

impl Serialize for Location {
    /// The contract's `location` is one readable string.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub code: WarningCode,
    /// A Chinese sentence for the office, e.g. "附件1 标题称15项，实际列出11项".
    pub message: String,
    pub location: Location,
}

impl Warning {
    pub fn new(code: WarningCode, location: Location, message: impl Into<String>) -> Self {
        Warning {
            code,
            message: message.into(),
            location,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_renders_table_row_and_column() {
        let l = Location::table(2, "附件2").row(80).column("完成情况");
        assert_eq!(l.to_string(), "附件2 第80行 完成情况");
        assert_eq!(Location::part("正文摘要").to_string(), "正文摘要");
        assert_eq!(Location::default().to_string(), "全文");
    }

    #[test]
    fn codes_serialise_as_contract_identifiers() {
        for code in [
            WarningCode::ClaimedCountMismatch,
            WarningCode::DuplicateSentence,
            WarningCode::Artifact,
            WarningCode::MissingLeadUnit,
            WarningCode::DuplicateTask,
            WarningCode::EvidenceOffTarget,
            WarningCode::InconsistentTotal,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        let w = Warning::new(
            WarningCode::Artifact,
            Location::table(1, "附件1").row(3),
            "删除了书签",
        );
        let v: serde_json::Value = serde_json::to_value(&w).unwrap();
        assert_eq!(v["location"], "附件1 第3行");
        assert_eq!(v["code"], "artifact");
    }
}

#[cfg(test)]
mod label_tests {
    use super::WarningCode;

    #[test]
    fn only_removed_conversion_junk_counts_as_a_cleanup() {
        assert!(WarningCode::Artifact.is_cleanup());
        assert!(!WarningCode::ClaimedCountMismatch.is_cleanup());
        assert!(!WarningCode::DuplicateSentence.is_cleanup());
        assert_eq!(
            WarningCode::ClaimedCountMismatch.label_zh(),
            "所称数量与实际不符"
        );
    }
}
