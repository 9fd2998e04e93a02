use sqlx::Row;

use super::Pool;
use super::audit::append;
use super::common::{Tx, begin_write};
use crate::audit::Change;
use crate::units::{MergeSummary, parse_aliases};
use crate::{StoreError, Unit, UnitId};

pub(crate) async fn list(pool: &Pool, only: Option<UnitId>) -> Result<Vec<Unit>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.id, u.name, u.aliases, u.email, \
         (SELECT COUNT(*) FROM task_units tu WHERE tu.unit_id = u.id AND tu.role = 'lead') AS lead_tasks, \
         (SELECT COUNT(*) FROM task_units tu WHERE tu.unit_id = u.id AND tu.role = 'coop') AS coop_tasks \
         FROM units u WHERE ($1 IS NULL OR u.id = $1) ORDER BY u.name",
    )
    .bind(only)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let aliases: String = r.try_get("aliases")?;
            Ok(Unit {
                id: UnitId(r.try_get("id")?),
                name: r.try_get("name")?,
                aliases: parse_aliases(&aliases),
                lead_tasks: r.try_get("lead_tasks")?,
                coop_tasks: r.try_get("coop_tasks")?,
                email: r.try_get("email")?,
            })
        })
        .collect()
}

pub(crate) async fn create(
    pool: &Pool,
    name: &str,
    aliases: &[String],
    now: i64,
    actor: &str,
) -> Result<UnitId, StoreError> {
    let mut tx = begin_write(pool).await?;
    let id = insert(&mut tx, name, aliases, now).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "unit.create",
            entity: "unit",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(serde_json::json!({ "name": name, "aliases": aliases })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn insert(
    tx: &mut Tx,
    name: &str,
    aliases: &[String],
    now: i64,
) -> Result<UnitId, StoreError> {
    let aliases = serde_json::to_string(aliases)?;
    let row = sqlx::query(
        "INSERT INTO units (name, aliases, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name)
    .bind(aliases)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(UnitId(row.try_get("id")?))
}

/// Tables whose rows simply follow the unit (no uniqueness on the unit).
const FOLLOWING: &[&str] = &[
    "notices",
    "extension_requests",
    "closeouts",
    "attachments",
    "instruction_answers",
    "task_change_requests",
    "notifications",
    "outbox",
];

async fn unit_row(tx: &mut Tx, id: UnitId) -> Result<(String, Vec<String>), StoreError> {
    let row = sqlx::query("SELECT name, aliases FROM units WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("该单位"))?;
    let aliases: String = row.try_get("aliases")?;
    Ok((row.try_get("name")?, parse_aliases(&aliases)))
}

async fn plans_of(tx: &mut Tx, id: UnitId) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT t.plan_id FROM task_units tu JOIN tasks t ON t.id = tu.task_id \
         WHERE tu.unit_id = $1",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("plan_id")?)).collect()
}

/// How many (task, round) pairs both units hold a row for in `table`.
async fn clashes(tx: &mut Tx, table: &str, into: UnitId, from: UnitId) -> Result<i64, StoreError> {
    // `table` is one of this file's constants, never input.
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM {table} b JOIN {table} a ON a.task_id = b.task_id \
         AND a.round_id = b.round_id AND a.unit_id = $1 WHERE b.unit_id = $2"
    )))
    .bind(into)
    .bind(from)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get("n")?)
}

/// Runs a statement of this file (binding `into` as $1, `from` as $2); table names in it
/// come from this file's constants, never input.
async fn exec(tx: &mut Tx, sql: &str, into: UnitId, from: UnitId) -> Result<u64, StoreError> {
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(into)
        .bind(from)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

pub(crate) async fn merge(
    pool: &Pool,
    into: UnitId,
    from: UnitId,
    now: i64,
    actor: &str,
) -> Result<MergeSummary, StoreError> {
    let mut tx = begin_write(pool).await?;
    let (into_name, mut aliases) = unit_row(&mut tx, into).await?;
    let (from_name, from_aliases) = unit_row(&mut tx, from).await?;
    let (into_plans, from_plans) = (
        plans_of(&mut tx, into).await?,
        plans_of(&mut tx, from).await?,
    );
    if !into_plans.is_empty()
        && !from_plans.is_empty()
        && !from_plans.iter().any(|p| into_plans.contains(p))
    {
        return Err(StoreError::Invalid(format!(
            "“{from_name}”与“{into_name}”的任务分属不同的年度计划，不能合并"
        )));
    }
    for (table, what) in [("reports", "进展报告"), ("contributions", "配合材料")] {
        let n = clashes(&mut tx, table, into, from).await?;
        if n > 0 {
            return Err(StoreError::Invalid(format!(
                "“{from_name}”与“{into_name}”在同一轮次对同一任务各有{what}（{n}份），\
                 请先退回或处理其中一方后再合并"
            )));
        }
    }
    let mut summary = MergeSummary::default();
    // Links the surviving unit already has (same task and role) are folded; a unit both
    // leading and cooperating on one task keeps only the lead.
    summary.links_folded += exec(
        &mut tx,
        "DELETE FROM task_units WHERE unit_id = $2 AND EXISTS (SELECT 1 FROM task_units x \
         WHERE x.task_id = task_units.task_id AND x.unit_id = $1 \
         AND (x.role = task_units.role OR x.role = 'lead'))",
        into,
        from,
    )
    .await?;
    summary.links_folded += exec(
        &mut tx,
        "DELETE FROM task_units WHERE unit_id = $1 AND role = 'coop' AND EXISTS \
         (SELECT 1 FROM task_units x WHERE x.task_id = task_units.task_id AND x.unit_id = $2 \
         AND x.role = 'lead')",
        into,
        from,
    )
    .await?;
    summary.links_moved = exec(
        &mut tx,
        "UPDATE task_units SET unit_id = $1 WHERE unit_id = $2",
        into,
        from,
    )
    .await?;
    exec(
        &mut tx,
        "DELETE FROM task_handovers WHERE unit_id = $2 AND EXISTS (SELECT 1 FROM task_handovers x \
         WHERE x.task_id = task_handovers.task_id AND x.unit_id = $1)",
        into,
        from,
    )
    .await?;
    for table in ["reports", "contributions", "task_handovers"]
        .iter()
        .chain(FOLLOWING)
    {
        summary.records_moved += exec(
            &mut tx,
            &format!("UPDATE {table} SET unit_id = $1 WHERE unit_id = $2"),
            into,
            from,
        )
        .await?;
    }
    summary.accounts_moved = exec(
        &mut tx,
        "UPDATE users SET unit_id = $1 WHERE unit_id = $2",
        into,
        from,
    )
    .await?;
    for a in std::iter::once(&from_name).chain(&from_aliases) {
        if *a != into_name && !aliases.contains(a) {
            aliases.push(a.clone());
        }
    }
    sqlx::query("DELETE FROM units WHERE id = $1")
        .bind(from)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE units SET aliases = $1 WHERE id = $2")
        .bind(serde_json::to_string(&aliases)?)
        .bind(into)
        .execute(&mut **tx)
        .await?;
    // The plans' task lists and unit pages read the links: their caches must turn over.
    for plan in into_plans.iter().chain(&from_plans) {
        sqlx::query("UPDATE plans SET revision = revision + 1 WHERE id = $1")
            .bind(plan)
            .execute(&mut **tx)
            .await?;
    }
    append(
        &mut tx,
        Change {
            actor,
            action: "unit.merge",
            entity: "unit",
            entity_id: Some(into.to_string()),
            before: Some(serde_json::json!({
                "merged_unit_id": from.0,
                "merged_name": from_name,
                "merged_aliases": from_aliases,
            })),
            after: Some(serde_json::json!({
                "name": into_name,
                "aliases": aliases,
                "summary": summary,
            })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(summary)
}
