//! Leaders' instructions (领导批示) on a task, and the units' answers (落实情况).

use serde::Serialize;
use time::OffsetDateTime;

use crate::time_util::{from_unix, to_unix};
use crate::{InstructionId, PlanId, Scope, Store, StoreError, TaskId, UnitId};

/// A unit's answer to an instruction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstructionAnswer {
    pub id: i64,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub text: String,
    pub written_by: String,
    /// The writer's display name.
    pub writer_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub written_at: OffsetDateTime,
}

/// An instruction with the answers the reader may see.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instruction {
    pub id: InstructionId,
    pub plan_id: PlanId,
    pub task_id: TaskId,
    pub task_text: String,
    pub text: String,
    pub written_by: String,
    pub writer_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub written_at: OffsetDateTime,
    pub answers: Vec<InstructionAnswer>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct InstructionRow {
    pub id: i64,
    pub plan_id: i64,
    pub task_id: i64,
    pub task_text: String,
    pub text: String,
    pub written_by: String,
    pub writer_name: Option<String>,
    pub written_at: i64,
}

impl InstructionRow {
    pub(crate) fn into_instruction(self) -> Instruction {
        Instruction {
            id: InstructionId(self.id),
            plan_id: PlanId(self.plan_id),
            task_id: TaskId(self.task_id),
            task_text: self.task_text,
            text: self.text,
            writer_name: self.writer_name.unwrap_or_else(|| self.written_by.clone()),
            written_by: self.written_by,
            written_at: from_unix(self.written_at),
            answers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct AnswerRow {
    pub id: i64,
    pub instruction_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub text: String,
    pub written_by: String,
    pub writer_name: Option<String>,
    pub written_at: i64,
}

impl AnswerRow {
    pub(crate) fn into_answer(self) -> InstructionAnswer {
        InstructionAnswer {
            id: self.id,
            unit_id: UnitId(self.unit_id),
            unit_name: self.unit_name,
            text: self.text,
            writer_name: self.writer_name.unwrap_or_else(|| self.written_by.clone()),
            written_by: self.written_by,
            written_at: from_unix(self.written_at),
        }
    }
}

/// Which instructions to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstructionFilter {
    pub plan: Option<PlanId>,
    pub task: Option<TaskId>,
    /// Tasks whose 责任领导 is exactly this.
    pub leader: Option<String>,
}

const MAX_TEXT: usize = 2000;

fn text_ok(text: &str, what: &str) -> Result<String, StoreError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(StoreError::Invalid(format!("请填写{what}")));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(StoreError::Invalid(format!(
            "{what}过长（不超过{MAX_TEXT}字）"
        )));
    }
    Ok(t.to_string())
}

impl Store {
    /// A leader's instruction on a task. Returns it and the units to notify (the task's
    /// lead and cooperating units).
    pub async fn write_instruction(
        &self,
        task: TaskId,
        text: &str,
        actor: &str,
    ) -> Result<(Instruction, Vec<UnitId>), StoreError> {
        let text = text_ok(text, "批示内容")?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, instructions::write(task, &text, actor, now))
    }

    /// A unit answers an instruction on a task naming it (落实情况).
    pub async fn answer_instruction(
        &self,
        id: InstructionId,
        unit: UnitId,
        text: &str,
        actor: &str,
    ) -> Result<Instruction, StoreError> {
        let text = text_ok(text, "落实情况")?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, instructions::answer(id, unit, &text, actor, now))
    }

    /// Instructions matching `filter`, newest first, each with its answers; a unit scope
    /// sees instructions on tasks naming it, and only its own answers.
    pub async fn instructions(
        &self,
        filter: &InstructionFilter,
        scope: &Scope,
    ) -> Result<Vec<Instruction>, StoreError> {
        dispatch!(self, instructions::list(filter, None, scope))
    }

    pub async fn instruction(
        &self,
        id: InstructionId,
        scope: &Scope,
    ) -> Result<Option<Instruction>, StoreError> {
        Ok(dispatch!(
            self,
            instructions::list(&InstructionFilter::default(), Some(id), scope)
        )?
        .into_iter()
        .next())
    }

    /// The 责任领导 named on a plan's tasks, with how many tasks each has, by name.
    pub async fn task_leaders(&self, plan: PlanId) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(self.filter_choices(plan).await?.leaders)
    }
}
