use duban_standing::scores::{ScoreInput, ScoreRules};
use sqlx::Row;

use super::Pool;
use super::audit::append;
use super::common::begin_write;
use crate::audit::Change;
use crate::scores::UnitScoreCounts;
use crate::{PlanId, RoundId, StoreError, TaskId, UnitId};

pub(crate) async fn rules(pool: &Pool, plan: PlanId) -> Result<Option<ScoreRules>, StoreError> {
    let row = sqlx::query("SELECT rules_json FROM score_rules WHERE plan_id = $1")
        .bind(plan)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        // Weights missing from an older JSON take their defaults (`serde(default)`).
        Some(r) => Some(serde_json::from_str(
            &r.try_get::<String, _>("rules_json")?,
        )?),
        None => None,
    })
}

pub(crate) async fn set_rules(
    pool: &Pool,
    plan: PlanId,
    rules: &ScoreRules,
    now: i64,
    actor: &str,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let before: Option<String> =
        sqlx::query("SELECT rules_json FROM score_rules WHERE plan_id = $1")
            .bind(plan)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.try_get("rules_json"))
            .transpose()?;
    let json = serde_json::to_string(rules)?;
    sqlx::query(
        "INSERT INTO score_rules (plan_id, rules_json, changed_by, changed_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (plan_id) DO UPDATE SET rules_json = $2, \
         changed_by = $3, changed_at = $4",
    )
    .bind(plan)
    .bind(&json)
    .bind(actor)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let before = match before {
        Some(b) => Some(serde_json::from_str::<serde_json::Value>(&b)?),
        None => None,
    };
    append(
        &mut tx,
        Change {
            actor,
            action: "plan.score_rules",
            entity: "plan",
            entity_id: Some(plan.to_string()),
            before,
            after: Some(serde_json::to_value(rules)?),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn counts(
    pool: &Pool,
    plan: PlanId,
    round: RoundId,
    deadline: i64,
) -> Result<Vec<UnitScoreCounts>, StoreError> {
    // The same owed tasks as the ranking's `round_stats`.
    let rows = sqlx::query(
        "SELECT tu.unit_id, u.name, COUNT(*) AS owed, \
         COUNT(*) FILTER (WHERE r.status IN ('submitted', 'returned', 'accepted')) AS submitted, \
         COUNT(*) FILTER (WHERE r.status IN ('submitted', 'returned', 'accepted') \
             AND r.submitted_at <= $3) AS on_time, \
         COUNT(*) FILTER (WHERE r.status = 'returned' OR (r.status <> 'draft' \
             AND r.return_reason IS NOT NULL)) AS returned, \
         COUNT(*) FILTER (WHERE r.status IN ('submitted', 'returned', 'accepted') \
             AND t.verdict = 'met') AS reported_met \
         FROM task_units tu JOIN tasks t ON t.id = tu.task_id JOIN units u ON u.id = tu.unit_id \
         LEFT JOIN reports r ON r.task_id = tu.task_id AND r.unit_id = tu.unit_id \
             AND r.round_id = $2 \
         WHERE tu.role = 'lead' AND t.plan_id = $1 AND t.retired_at IS NULL \
           AND (t.closed_on IS NULL \
                OR t.closed_on >= (SELECT ro.due_date FROM rounds ro WHERE ro.id = $2)) \
         GROUP BY tu.unit_id, u.name ORDER BY u.name",
    )
    .bind(plan)
    .bind(round)
    .bind(deadline)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let submitted: i64 = r.try_get("submitted")?;
            Ok(UnitScoreCounts {
                unit_id: UnitId(r.try_get("unit_id")?),
                name: r.try_get("name")?,
                input: ScoreInput {
                    owed: r.try_get("owed")?,
                    submitted,
                    on_time: r.try_get("on_time")?,
                    returned: r.try_get("returned")?,
                    reported: submitted,
                    reported_met: r.try_get("reported_met")?,
                    red_lights: 0,
                    overdue_notices: 0,
                },
            })
        })
        .collect()
}

/// The plan's notices whose deadline falls on or before `due_date`: (unit, deadline, when
/// answered).
pub(crate) async fn notices_due(
    pool: &Pool,
    plan: PlanId,
    due_date: &str,
) -> Result<Vec<(UnitId, String, Option<i64>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT unit_id, deadline, answered_at FROM notices WHERE plan_id = $1 AND deadline <= $2",
    )
    .bind(plan)
    .bind(due_date)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                UnitId(r.try_get("unit_id")?),
                r.try_get("deadline")?,
                r.try_get("answered_at")?,
            ))
        })
        .collect()
}

pub(crate) async fn lead_links(
    pool: &Pool,
    plan: PlanId,
) -> Result<Vec<(TaskId, UnitId)>, StoreError> {
    let rows = sqlx::query(
        "SELECT tu.task_id, tu.unit_id FROM task_units tu JOIN tasks t ON t.id = tu.task_id \
         WHERE t.plan_id = $1 AND t.retired_at IS NULL AND tu.role = 'lead'",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((TaskId(r.try_get("task_id")?), UnitId(r.try_get("unit_id")?))))
        .collect()
}
