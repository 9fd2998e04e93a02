use std::collections::HashMap;

use sqlx::{QueryBuilder, Row};

use super::audit::append;
use super::common::begin_write;
use super::{Db, Pool};
use crate::audit::Change;
use crate::instructions::{AnswerRow, InstructionFilter, InstructionRow};
use crate::{Instruction, InstructionId, PlanId, Scope, StoreError, TaskId, UnitId};

const SELECT: &str = "SELECT i.id, t.plan_id, i.task_id, t.text AS task_text, i.text, \
     i.written_by, us.display_name AS writer_name, i.written_at \
     FROM instructions i JOIN tasks t ON t.id = i.task_id \
     LEFT JOIN users us ON us.username = i.written_by WHERE 1 = 1";

pub(crate) async fn list(
    pool: &Pool,
    f: &InstructionFilter,
    id: Option<InstructionId>,
    scope: &Scope,
) -> Result<Vec<Instruction>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(SELECT);
    if let Some(id) = id {
        qb.push(" AND i.id = ").push_bind(id);
    }
    if let Some(p) = f.plan {
        qb.push(" AND t.plan_id = ").push_bind(p);
    }
    if let Some(t) = f.task {
        qb.push(" AND i.task_id = ").push_bind(t);
    }
    if let Some(l) = &f.leader {
        qb.push(" AND t.leader = ").push_bind(l.clone());
    }
    if let Scope::Unit(u) = scope {
        qb.push(
            " AND EXISTS (SELECT 1 FROM task_units s WHERE s.task_id = i.task_id AND s.unit_id = ",
        )
        .push_bind(*u)
        .push(")");
    }
    qb.push(" ORDER BY i.id DESC");
    let rows: Vec<InstructionRow> = qb.build_query_as().fetch_all(pool).await?;
    let mut out: Vec<Instruction> = rows
        .into_iter()
        .map(InstructionRow::into_instruction)
        .collect();
    if out.is_empty() {
        return Ok(out);
    }
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT a.id, a.instruction_id, a.unit_id, u.name AS unit_name, a.text, a.written_by, \
         us.display_name AS writer_name, a.written_at \
         FROM instruction_answers a JOIN units u ON u.id = a.unit_id \
         LEFT JOIN users us ON us.username = a.written_by WHERE a.instruction_id IN (",
    );
    {
        let mut sep = qb.separated(", ");
        for i in &out {
            sep.push_bind(i.id);
        }
    }
    qb.push(")");
    if let Scope::Unit(u) = scope {
        qb.push(" AND a.unit_id = ").push_bind(*u);
    }
    qb.push(" ORDER BY a.id");
    let answers: Vec<AnswerRow> = qb.build_query_as().fetch_all(pool).await?;
    let mut by: HashMap<i64, usize> = HashMap::new();
    for (n, i) in out.iter().enumerate() {
        by.insert(i.id.0, n);
    }
    for a in answers {
        if let Some(&n) = by.get(&a.instruction_id) {
            out[n].answers.push(a.into_answer());
        }
    }
    Ok(out)
}

pub(crate) async fn write(
    pool: &Pool,
    task: TaskId,
    text: &str,
    actor: &str,
    now: i64,
) -> Result<(Instruction, Vec<UnitId>), StoreError> {
    let mut tx = begin_write(pool).await?;
    let units: Vec<i64> = sqlx::query_scalar(
        "SELECT unit_id FROM task_units WHERE task_id = $1 ORDER BY role, position",
    )
    .bind(task)
    .fetch_all(&mut **tx)
    .await?;
    let exists = sqlx::query("SELECT 1 AS one FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_optional(&mut **tx)
        .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound("该任务"));
    }
    let row = sqlx::query(
        "INSERT INTO instructions (task_id, text, written_by, written_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(task)
    .bind(text)
    .bind(actor)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    append(
        &mut tx,
        Change {
            actor,
            action: "instruction.write",
            entity: "instruction",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(serde_json::json!({ "task_id": task.0, "text": text })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    let saved = list(
        pool,
        &InstructionFilter::default(),
        Some(InstructionId(id)),
        &Scope::All,
    )
    .await?
    .into_iter()
    .next()
    .ok_or(StoreError::NotFound("该批示"))?;
    let mut seen = Vec::new();
    for u in units {
        if !seen.contains(&UnitId(u)) {
            seen.push(UnitId(u));
        }
    }
    Ok((saved, seen))
}

pub(crate) async fn answer(
    pool: &Pool,
    id: InstructionId,
    unit: UnitId,
    text: &str,
    actor: &str,
    now: i64,
) -> Result<Instruction, StoreError> {
    let mut tx = begin_write(pool).await?;
    let linked = sqlx::query(
        "SELECT 1 AS one FROM instructions i JOIN task_units s ON s.task_id = i.task_id \
         WHERE i.id = $1 AND s.unit_id = $2",
    )
    .bind(id)
    .bind(unit)
    .fetch_optional(&mut **tx)
    .await?;
    if linked.is_none() {
        return Err(StoreError::NotFound("该批示"));
    }
    let row = sqlx::query(
        "INSERT INTO instruction_answers (instruction_id, unit_id, text, written_by, written_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(id)
    .bind(unit)
    .bind(text)
    .bind(actor)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let answer: i64 = row.try_get("id")?;
    append(
        &mut tx,
        Change {
            actor,
            action: "instruction.answer",
            entity: "instruction",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(
                serde_json::json!({ "answer_id": answer, "unit_id": unit.0, "text": text }),
            ),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    list(
        pool,
        &InstructionFilter::default(),
        Some(id),
        &Scope::Unit(unit),
    )
    .await?
    .into_iter()
    .next()
    .ok_or(StoreError::NotFound("该批示"))
}

pub(crate) async fn leaders(pool: &Pool, plan: PlanId) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = sqlx::query(
        // Kept per plan by the triggers of migration 0023.
        "SELECT leader, n FROM plan_leader_counts WHERE plan_id = $1 AND n > 0 ORDER BY leader",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("leader")?, r.try_get("n")?)))
        .collect()
}
