use serde::Serialize;
use time::OffsetDateTime;

use crate::time_util::{from_unix, from_unix_opt, to_unix};
use crate::{ContributionId, RoundId, Scope, Store, StoreError, TaskId, UnitId};

/// A cooperating unit's text for a round's report on a task, for the lead unit to use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub id: ContributionId,
    pub task_id: TaskId,
    pub round_id: RoundId,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub text: String,
    /// Bumped by every rewrite.
    pub version: i64,
    pub written_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Set when the lead unit marked it as taken into its report; a rewrite clears it.
    pub merged_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub merged_at: Option<OffsetDateTime>,
}

impl Contribution {
    pub fn merged(&self) -> bool {
        self.merged_at.is_some()
    }

    pub(crate) fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "task_id": self.task_id.0,
            "round_id": self.round_id.0,
            "unit_id": self.unit_id.0,
            "version": self.version,
            "text": self.text,
            "merged": self.merged(),
        })
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ContributionRow {
    pub id: i64,
    pub task_id: i64,
    pub round_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub text: String,
    pub version: i64,
    pub written_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub merged_by: Option<String>,
    pub merged_at: Option<i64>,
}

impl ContributionRow {
    pub(crate) fn into_contribution(self) -> Contribution {
        Contribution {
            id: ContributionId(self.id),
            task_id: TaskId(self.task_id),
            round_id: RoundId(self.round_id),
            unit_id: UnitId(self.unit_id),
            unit_name: self.unit_name,
            text: self.text,
            version: self.version,
            written_by: self.written_by,
            created_at: from_unix(self.created_at),
            updated_at: from_unix(self.updated_at),
            merged_by: self.merged_by,
            merged_at: from_unix_opt(self.merged_at),
        }
    }
}

impl Store {
    /// Writes (or rewrites) a cooperating unit's contribution for an open round. Only a unit
    /// linked to the task as cooperating (配合单位) may write one.
    pub async fn save_contribution(
        &self,
        task: TaskId,
        round: RoundId,
        unit: UnitId,
        text: &str,
        actor: &str,
    ) -> Result<Contribution, StoreError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(StoreError::Invalid("配合单位报送内容不能为空".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            contributions::save(task, round, unit, text, actor, now)
        )
    }

    /// The contributions to a task's report for a round, by unit name. The office and the
    /// task's lead units see all; a cooperating unit sees its own; any other unit nothing.
    pub async fn contributions(
        &self,
        task: TaskId,
        round: RoundId,
        scope: &Scope,
    ) -> Result<Vec<Contribution>, StoreError> {
        dispatch!(self, contributions::list(task, round, scope))
    }

    /// The lead unit takes a contribution into its report: marks it merged and saves
    /// `draft` (its narrative with the contribution appended) in one transaction. A stale
    /// draft version or a contribution merged meanwhile changes nothing.
    pub async fn merge_contribution_into_draft(
        &self,
        id: ContributionId,
        scope: &Scope,
        draft: &crate::DraftInput,
        actor: &str,
    ) -> Result<(Contribution, crate::Report), StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            contributions::merge_into_draft(id, scope, draft, actor, now)
        )
    }

    /// The lead unit marks a contribution as taken into its report. A unit scope must lead
    /// the task; the office (`Scope::All`) may too.
    pub async fn merge_contribution(
        &self,
        id: ContributionId,
        scope: &Scope,
        actor: &str,
    ) -> Result<Contribution, StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, contributions::merge(id, scope, actor, now))
    }
}
