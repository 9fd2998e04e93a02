use duban_model::{Ledger, Verdict};
use serde::Serialize;
use time::OffsetDateTime;

use crate::time_util::to_unix;
use crate::{PlanId, Store, StoreError};

/// An imported ledger: the year's key tasks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub id: PlanId,
    pub name: String,
    pub year: Option<i32>,
    pub title: Option<String>,
    pub source_name: String,
    pub source_format: String,
    pub source_sha256: String,
    pub claimed_total: Option<i64>,
    pub task_count: i64,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One table of the imported ledger (附件1, a sheet …).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanTable {
    pub table_no: i64,
    pub label: String,
    pub title: Option<String>,
    pub claimed_rows: Option<i64>,
    pub rows: i64,
    pub office_verdict: Option<Verdict>,
}

/// A warning the reader raised on import, kept with the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportWarning {
    pub code: String,
    pub message: String,
    /// Rendered, as "附件1 第3行 完成情况".
    pub location: String,
    pub table_no: Option<i64>,
    pub row_no: Option<i64>,
}

/// The year a plan covers, from "2022年…" in its name or the ledger's title.
pub(crate) fn infer_year(texts: &[Option<&str>]) -> Option<i32> {
    for t in texts.iter().flatten() {
        let chars: Vec<char> = t.chars().collect();
        for w in chars.windows(5) {
            if w[4] == '年' && w[..4].iter().all(|c| c.is_ascii_digit()) {
                let s: String = w[..4].iter().collect();
                if let Ok(y) = s.parse::<i32>()
                    && (1990..=2200).contains(&y)
                {
                    return Some(y);
                }
            }
        }
    }
    None
}

impl Store {
    /// Imports a ledger as a new plan in ONE transaction: the plan, its tables, tasks, unit
    /// links (creating units by name, merging aliases into existing ones), group
    /// placeholders, the reader's warnings and the audit entry all commit together or not at
    /// all. The same file (same SHA-256) imported again gives `DuplicateImport`.
    pub async fn import_ledger(
        &self,
        plan_name: &str,
        ledger: &Ledger,
        source_name: &str,
        sha256: &str,
        actor: &str,
    ) -> Result<PlanId, StoreError> {
        let plan_name = plan_name.trim();
        if plan_name.is_empty() {
            return Err(StoreError::Invalid("计划名称不能为空".into()));
        }
        if ledger.tasks.is_empty() {
            return Err(StoreError::Invalid("台账中没有任务，未导入".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            plans::import(plan_name, ledger, source_name, sha256, actor, now)
        )
    }

    /// All plans, newest first.
    pub async fn plans(&self) -> Result<Vec<Plan>, StoreError> {
        dispatch!(self, plans::list(None))
    }

    pub async fn plan(&self, id: PlanId) -> Result<Option<Plan>, StoreError> {
        Ok(dispatch!(self, plans::list(Some(id)))?.into_iter().next())
    }

    pub async fn plan_tables(&self, id: PlanId) -> Result<Vec<PlanTable>, StoreError> {
        dispatch!(self, plans::tables(id))
    }

    pub async fn import_warnings(&self, id: PlanId) -> Result<Vec<ImportWarning>, StoreError> {
        dispatch!(self, plans::warnings(id))
    }

    /// The plan already imported from a file with this SHA-256, if any (for the preview's
    /// "already imported" notice before the user confirms).
    pub async fn plan_by_sha256(&self, sha256: &str) -> Result<Option<Plan>, StoreError> {
        let id = dispatch!(self, plans::by_sha256(sha256))?;
        match id {
            Some(id) => self.plan(id).await,
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_comes_from_the_first_text_naming_one() {
        assert_eq!(infer_year(&[Some("2022年重点任务"), None]), Some(2022));
        assert_eq!(
            infer_year(&[Some("重点任务"), Some("关于2023年区政府工作报告")]),
            Some(2023)
        );
        assert_eq!(infer_year(&[Some("第12345年"), None]), None);
        assert_eq!(infer_year(&[None]), None);
    }
}
