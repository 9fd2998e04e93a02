use std::collections::HashMap;

use sqlx::{QueryBuilder, Row};

use super::audit::append;
use super::common::{BATCH_ROWS, Tx, begin_write};
use super::{Db, Pool};
use crate::audit::Change;
use crate::reports::{ReportRow, Transition};
use crate::time_util::{from_unix, from_unix_opt, to_unix};
use crate::{
    BulkReport, BulkRound, DraftInput, OwedReport, PlanId, Report, ReportId, ReportStatus,
    ReportVersion, Round, RoundId, RoundStatus, Scope, SelfStatus, StoreError, TaskId, UnitId,
    UnitRoundStats,
};

macro_rules! report_cols {
    () => {
        "r.id, r.task_id, r.round_id, r.unit_id, r.version, r.narrative, r.figures_json, \
         r.self_status, r.delay_reason, r.next_steps, r.status, r.return_reason, r.created_by, \
         r.created_at, r.updated_at, r.submitted_at, r.reviewed_by, r.reviewed_at"
    };
}

pub(crate) async fn open_round(
    pool: &Pool,
    plan: PlanId,
    name: &str,
    due_date: &str,
    actor: &str,
    now: i64,
) -> Result<Round, StoreError> {
    let mut tx = begin_write(pool).await?;
    let exists = sqlx::query("SELECT id FROM plans WHERE id = $1")
        .bind(plan)
        .fetch_optional(&mut **tx)
        .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound("该计划"));
    }
    let row = sqlx::query(
        "INSERT INTO rounds (plan_id, name, due_date, status, created_at) \
         VALUES ($1, $2, $3, 'open', $4) RETURNING id",
    )
    .bind(plan)
    .bind(name)
    .bind(due_date)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let id = RoundId(row.try_get("id")?);
    append(
        &mut tx,
        Change {
            actor,
            action: "round.open",
            entity: "round",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "plan_id": plan.0, "name": name, "due_date": due_date
            })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Round {
        id,
        plan_id: plan,
        name: name.to_string(),
        due_date: due_date.to_string(),
        status: RoundStatus::Open,
        created_at: from_unix(now),
        closed_at: None,
    })
}

pub(crate) async fn set_round_status(
    pool: &Pool,
    round: RoundId,
    status: RoundStatus,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let closed_at = (status == RoundStatus::Closed).then_some(now);
    let done = sqlx::query("UPDATE rounds SET status = $1, closed_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(closed_at)
        .bind(round)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("该填报轮次"));
    }
    let action = match status {
        RoundStatus::Open => "round.reopen",
        RoundStatus::Closed => "round.close",
    };
    append(
        &mut tx,
        Change {
            actor,
            action,
            entity: "round",
            entity_id: Some(round.to_string()),
            before: None,
            after: Some(serde_json::json!({ "status": status.as_str() })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn rounds(
    pool: &Pool,
    plan: Option<PlanId>,
    id: Option<RoundId>,
) -> Result<Vec<Round>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, plan_id, name, due_date, status, created_at, closed_at FROM rounds \
         WHERE ($1 IS NULL OR plan_id = $1) AND ($2 IS NULL OR id = $2) ORDER BY due_date, id",
    )
    .bind(plan)
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok(Round {
                id: RoundId(r.try_get("id")?),
                plan_id: PlanId(r.try_get("plan_id")?),
                name: r.try_get("name")?,
                due_date: r.try_get("due_date")?,
                status: RoundStatus::parse(&status).unwrap_or(RoundStatus::Closed),
                created_at: from_unix(r.try_get("created_at")?),
                closed_at: from_unix_opt(r.try_get("closed_at")?),
            })
        })
        .collect()
}

pub(crate) async fn round_is_open(tx: &mut Tx, round: RoundId) -> Result<(), StoreError> {
    let row = sqlx::query("SELECT status FROM rounds WHERE id = $1")
        .bind(round)
        .fetch_optional(&mut **tx)
        .await?;
    match row {
        None => Err(StoreError::NotFound("该填报轮次")),
        Some(r) => {
            let s: String = r.try_get("status")?;
            if s == "open" {
                Ok(())
            } else {
                Err(StoreError::Invalid("本轮填报已关闭，不能再修改".into()))
            }
        }
    }
}

pub(crate) async fn load(tx: &mut Tx, id: ReportId) -> Result<Option<Report>, StoreError> {
    let row: Option<ReportRow> = sqlx::query_as(concat!(
        "SELECT ",
        report_cols!(),
        " FROM reports r WHERE r.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(ReportRow::into_report))
}

pub(crate) async fn record_version(
    tx: &mut Tx,
    r: &Report,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO report_versions (report_id, version, narrative, figures_json, self_status, \
         delay_reason, next_steps, status, saved_by, saved_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(r.id)
    .bind(r.version)
    .bind(&r.narrative)
    .bind(r.figures.to_string())
    .bind(r.self_status.map(SelfStatus::as_str))
    .bind(&r.delay_reason)
    .bind(&r.next_steps)
    .bind(r.status.as_str())
    .bind(actor)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn save_draft(
    pool: &Pool,
    input: &DraftInput,
    actor: &str,
    now: i64,
) -> Result<Report, StoreError> {
    let mut tx = begin_write(pool).await?;
    let saved = save_draft_in(&mut tx, input, actor, now).await?;
    tx.commit().await?;
    Ok(saved)
}

/// Saves the draft and submits it in ONE transaction: the same two versions and audit
/// entries as saving then submitting, one durable commit instead of two, and no moment
/// where the new text is stored but not submitted.
pub(crate) async fn save_and_submit(
    pool: &Pool,
    input: &DraftInput,
    actor: &str,
    now: i64,
) -> Result<Report, StoreError> {
    let mut tx = begin_write(pool).await?;
    let saved = save_draft_in(&mut tx, input, actor, now).await?;
    let submitted = transition_in(
        &mut tx,
        saved.id,
        Some(saved.version),
        Transition::Submit,
        actor,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(submitted)
}

/// Only a task's lead units file its report; a cooperating unit contributes instead.
async fn lead_files(tx: &mut Tx, task: TaskId, unit: UnitId) -> Result<(), StoreError> {
    if super::contributions::role_on(tx, task, unit, "lead").await? {
        Ok(())
    } else {
        Err(StoreError::Forbidden(COOP_REFUSAL.into()))
    }
}

/// What a cooperating unit is told when it tries to file the lead unit's report.
const COOP_REFUSAL: &str = "本单位是该任务的配合单位，任务报告由牵头单位填报和报送；\
     请通过“配合情况”报送本单位的工作，由牵头单位汇总";

pub(crate) async fn save_draft_in(
    tx: &mut Tx,
    input: &DraftInput,
    actor: &str,
    now: i64,
) -> Result<Report, StoreError> {
    round_is_open(tx, input.round).await?;
    let linked = sqlx::query(
        "SELECT t.id FROM tasks t JOIN rounds ro ON ro.plan_id = t.plan_id AND ro.id = $2 \
         WHERE t.id = $1 AND t.retired_at IS NULL AND EXISTS (SELECT 1 FROM task_units s \
             WHERE s.task_id = t.id AND s.unit_id = $3)",
    )
    .bind(input.task)
    .bind(input.round)
    .bind(input.unit)
    .fetch_optional(&mut **tx)
    .await?;
    if linked.is_none() {
        return Err(StoreError::Invalid(
            "该单位不负责此任务，或任务不属于本轮次的计划，或任务已撤销".into(),
        ));
    }
    // A task closed out before the round's due date is not owed in it (the same rule as
    // the round's list of owed reports), so no report is taken for it either.
    let closed: Option<String> = sqlx::query_scalar(
        "SELECT t.closed_on FROM tasks t, rounds ro WHERE t.id = $1 AND ro.id = $2 \
         AND t.closed_on IS NOT NULL AND t.closed_on < ro.due_date",
    )
    .bind(input.task)
    .bind(input.round)
    .fetch_optional(&mut **tx)
    .await?
    .flatten();
    if let Some(on) = closed {
        return Err(StoreError::Invalid(format!(
            "该任务已于{on}办结销号，本轮次无需填报"
        )));
    }
    lead_files(tx, input.task, input.unit).await?;
    let figures = if input.figures.is_null() {
        "{}".to_string()
    } else {
        input.figures.to_string()
    };
    let existing: Option<ReportRow> = sqlx::query_as(concat!(
        "SELECT ",
        report_cols!(),
        " FROM reports r WHERE r.task_id = $1 AND r.round_id = $2 AND r.unit_id = $3"
    ))
    .bind(input.task)
    .bind(input.round)
    .bind(input.unit)
    .fetch_optional(&mut **tx)
    .await?;
    let existing = existing.map(ReportRow::into_report);

    let (id, before) = match existing {
        None => {
            if input.expected_version.is_some_and(|v| v != 0) {
                return Err(StoreError::NotFound("该报告"));
            }
            let row = sqlx::query(
                "INSERT INTO reports (task_id, round_id, unit_id, version, narrative, \
                 figures_json, self_status, delay_reason, next_steps, status, created_by, \
                 created_at, updated_at) \
                 VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, 'draft', $9, $10, $10) RETURNING id",
            )
            .bind(input.task)
            .bind(input.round)
            .bind(input.unit)
            .bind(&input.narrative)
            .bind(&figures)
            .bind(input.self_status.map(SelfStatus::as_str))
            .bind(&input.delay_reason)
            .bind(&input.next_steps)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?;
            (ReportId(row.try_get("id")?), None)
        }
        Some(current) => {
            if input.expected_version != Some(current.version) {
                return Err(StoreError::Conflict {
                    current: Box::new(current),
                });
            }
            if !current.status.editable() {
                return Err(StoreError::Invalid(format!(
                    "报告{}，不能再修改",
                    current.status.label_zh()
                )));
            }
            // The version condition makes the check-and-write atomic even without the
            // write lock taken above.
            let done = sqlx::query(
                "UPDATE reports SET version = version + 1, narrative = $1, figures_json = $2, \
                 self_status = $3, delay_reason = $4, next_steps = $5, updated_at = $6 \
                 WHERE id = $7 AND version = $8",
            )
            .bind(&input.narrative)
            .bind(&figures)
            .bind(input.self_status.map(SelfStatus::as_str))
            .bind(&input.delay_reason)
            .bind(&input.next_steps)
            .bind(now)
            .bind(current.id)
            .bind(current.version)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                let now_current = load(tx, current.id).await?;
                return match now_current {
                    Some(c) => Err(StoreError::Conflict {
                        current: Box::new(c),
                    }),
                    None => Err(StoreError::NotFound("该报告")),
                };
            }
            let before = current.audit_json();
            (current.id, Some(before))
        }
    };
    let saved = load(tx, id).await?.ok_or(StoreError::NotFound("该报告"))?;
    record_version(tx, &saved, actor, now).await?;
    append(
        tx,
        Change {
            actor,
            action: "report.save",
            entity: "report",
            entity_id: Some(id.to_string()),
            before,
            after: Some(saved.audit_json()),
            at: now,
        },
    )
    .await?;
    Ok(saved)
}

pub(crate) async fn transition(
    pool: &Pool,
    id: ReportId,
    expected_version: Option<i64>,
    to: Transition<'_>,
    actor: &str,
    now: i64,
) -> Result<Report, StoreError> {
    let mut tx = begin_write(pool).await?;
    let saved = transition_in(&mut tx, id, expected_version, to, actor, now).await?;
    tx.commit().await?;
    Ok(saved)
}

/// Several reports through the same transition in one transaction: all or none.
pub(crate) async fn transition_many(
    pool: &Pool,
    ids: &[ReportId],
    to: Transition<'_>,
    actor: &str,
    now: i64,
) -> Result<Vec<Report>, StoreError> {
    let mut tx = begin_write(pool).await?;
    let mut saved = Vec::with_capacity(ids.len());
    for id in ids {
        saved.push(transition_in(&mut tx, *id, None, to.clone(), actor, now).await?);
    }
    tx.commit().await?;
    Ok(saved)
}

async fn transition_in(
    tx: &mut Tx,
    id: ReportId,
    expected_version: Option<i64>,
    to: Transition<'_>,
    actor: &str,
    now: i64,
) -> Result<Report, StoreError> {
    let current = load(tx, id).await?.ok_or(StoreError::NotFound("该报告"))?;
    if let Some(v) = expected_version
        && v != current.version
    {
        return Err(StoreError::Conflict {
            current: Box::new(current),
        });
    }
    round_is_open(tx, current.round_id).await?;
    if matches!(to, Transition::Submit) {
        lead_files(tx, current.task_id, current.unit_id).await?;
    }
    let (allowed, next, action) = match to {
        Transition::Submit => (
            current.status.editable(),
            ReportStatus::Submitted,
            "report.submit",
        ),
        Transition::Return(_) => (
            current.status == ReportStatus::Submitted,
            ReportStatus::Returned,
            "report.return",
        ),
        Transition::Accept(_) => (
            current.status == ReportStatus::Submitted,
            ReportStatus::Accepted,
            "report.accept",
        ),
    };
    if !allowed {
        return Err(StoreError::Invalid(format!(
            "报告当前为“{}”，不能{}",
            current.status.label_zh(),
            match to {
                Transition::Submit => "报送",
                Transition::Return(_) => "退回",
                Transition::Accept(_) => "通过",
            }
        )));
    }
    let done = match to {
        Transition::Submit => {
            sqlx::query(
                "UPDATE reports SET version = version + 1, status = $1, submitted_at = $2, \
                 updated_at = $2 WHERE id = $3 AND version = $4",
            )
            .bind(next.as_str())
            .bind(now)
            .bind(id)
            .bind(current.version)
            .execute(&mut **tx)
            .await?
        }
        Transition::Return(reason) => {
            sqlx::query(
                "UPDATE reports SET version = version + 1, status = $1, return_reason = $2, \
                 reviewed_by = $3, reviewed_at = $4, updated_at = $4 \
                 WHERE id = $5 AND version = $6",
            )
            .bind(next.as_str())
            .bind(reason)
            .bind(actor)
            .bind(now)
            .bind(id)
            .bind(current.version)
            .execute(&mut **tx)
            .await?
        }
        Transition::Accept(_) => {
            sqlx::query(
                "UPDATE reports SET version = version + 1, status = $1, reviewed_by = $2, \
                 reviewed_at = $3, updated_at = $3 WHERE id = $4 AND version = $5",
            )
            .bind(next.as_str())
            .bind(actor)
            .bind(now)
            .bind(id)
            .bind(current.version)
            .execute(&mut **tx)
            .await?
        }
    };
    if done.rows_affected() == 0 {
        let c = load(tx, id).await?.ok_or(StoreError::NotFound("该报告"))?;
        return Err(StoreError::Conflict {
            current: Box::new(c),
        });
    }
    let saved = load(tx, id).await?.ok_or(StoreError::NotFound("该报告"))?;
    record_version(tx, &saved, actor, now).await?;
    // The report now speaks for its task: the standing follows it in this transaction.
    if let Transition::Accept(decision) = to {
        super::verdicts::refresh(
            tx,
            saved.task_id,
            decision,
            crate::StandingEvent::Accept,
            actor,
            now,
        )
        .await?;
    }
    append(
        tx,
        Change {
            actor,
            action,
            entity: "report",
            entity_id: Some(id.to_string()),
            before: Some(serde_json::json!({
                "version": current.version, "status": current.status.as_str()
            })),
            after: Some(serde_json::json!({
                "version": saved.version,
                "status": saved.status.as_str(),
                "return_reason": saved.return_reason,
            })),
            at: now,
        },
    )
    .await?;
    Ok(saved)
}

pub(crate) async fn report(
    pool: &Pool,
    id: ReportId,
    scope: &Scope,
) -> Result<Option<Report>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(concat!(
        "SELECT ",
        report_cols!(),
        " FROM reports r WHERE r.id = "
    ));
    qb.push_bind(id);
    super::tasks::push_scope_one(&mut qb, "r.task_id", scope);
    let row: Option<ReportRow> = qb.build_query_as().fetch_optional(pool).await?;
    Ok(row.map(ReportRow::into_report))
}

pub(crate) async fn task_reports(
    pool: &Pool,
    task: TaskId,
    scope: &Scope,
) -> Result<Vec<Report>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(concat!(
        "SELECT ",
        report_cols!(),
        " FROM reports r JOIN rounds ro ON ro.id = r.round_id WHERE r.task_id = "
    ));
    qb.push_bind(task);
    super::tasks::push_scope_one(&mut qb, "r.task_id", scope);
    qb.push(" ORDER BY ro.due_date DESC, r.round_id DESC, r.unit_id");
    let rows: Vec<ReportRow> = qb.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(ReportRow::into_report).collect())
}

pub(crate) async fn round_reports(pool: &Pool, round: RoundId) -> Result<Vec<Report>, StoreError> {
    let rows: Vec<ReportRow> = sqlx::query_as(concat!(
        "SELECT ",
        report_cols!(),
        " FROM reports r JOIN tasks t ON t.id = r.task_id WHERE r.round_id = $1 \
         ORDER BY t.position, r.unit_id"
    ))
    .bind(round)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ReportRow::into_report).collect())
}

pub(crate) async fn review_queue(pool: &Pool, round: RoundId) -> Result<Vec<Report>, StoreError> {
    let rows: Vec<ReportRow> = sqlx::query_as(concat!(
        "SELECT ",
        report_cols!(),
        " FROM reports r WHERE r.round_id = $1 AND r.status = 'submitted' \
         ORDER BY r.submitted_at, r.id"
    ))
    .bind(round)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ReportRow::into_report).collect())
}

pub(crate) async fn versions(pool: &Pool, id: ReportId) -> Result<Vec<ReportVersion>, StoreError> {
    let rows = sqlx::query(
        "SELECT version, narrative, figures_json, self_status, delay_reason, next_steps, \
         status, saved_by, saved_at FROM report_versions WHERE report_id = $1 ORDER BY version",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let figures: String = r.try_get("figures_json")?;
            let self_status: Option<String> = r.try_get("self_status")?;
            let status: String = r.try_get("status")?;
            Ok(ReportVersion {
                version: r.try_get("version")?,
                narrative: r.try_get("narrative")?,
                figures: serde_json::from_str(&figures).unwrap_or(serde_json::Value::Null),
                self_status: self_status.as_deref().and_then(SelfStatus::parse),
                delay_reason: r.try_get("delay_reason")?,
                next_steps: r.try_get("next_steps")?,
                status: ReportStatus::parse(&status).unwrap_or(ReportStatus::Draft),
                saved_by: r.try_get("saved_by")?,
                saved_at: from_unix(r.try_get("saved_at")?),
            })
        })
        .collect()
}

/// Per lead unit of the plan (of `units` only, when given): the round's figures.
pub(crate) async fn round_stats(
    pool: &Pool,
    plan: PlanId,
    round: RoundId,
    deadline: i64,
    units: Option<&[i64]>,
) -> Result<Vec<UnitRoundStats>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT tu.unit_id, u.name, COUNT(*) AS owed, \
         COUNT(*) FILTER (WHERE r.status IN ('submitted', 'returned', 'accepted')) AS submitted, \
         COUNT(*) FILTER (WHERE r.status IN ('submitted', 'returned', 'accepted') \
             AND r.submitted_at <= ",
    );
    qb.push_bind(deadline);
    qb.push(
        ") AS on_time, \
         COUNT(*) FILTER (WHERE r.status = 'returned') AS returned, \
         COUNT(*) FILTER (WHERE r.status = 'accepted') AS accepted, \
         COUNT(*) FILTER (WHERE r.status = 'draft') AS drafts, \
         COUNT(*) FILTER (WHERE t.verdict = 'met') AS met \
         FROM task_units tu JOIN tasks t ON t.id = tu.task_id JOIN units u ON u.id = tu.unit_id \
         LEFT JOIN reports r ON r.task_id = tu.task_id AND r.unit_id = tu.unit_id \
             AND r.round_id = ",
    );
    qb.push_bind(round);
    qb.push(" WHERE tu.role = 'lead' AND t.plan_id = ");
    qb.push_bind(plan);
    qb.push(
        " AND t.retired_at IS NULL AND (t.closed_on IS NULL \
         OR t.closed_on >= (SELECT ro.due_date FROM rounds ro WHERE ro.id = ",
    );
    qb.push_bind(round);
    qb.push("))");
    if let Some(units) = units {
        qb.push(" AND tu.unit_id IN (");
        let mut list = qb.separated(", ");
        for u in units {
            list.push_bind(*u);
        }
        list.push_unseparated(")");
    }
    qb.push(" GROUP BY tu.unit_id, u.name");
    let rows = qb.build().fetch_all(pool).await?;
    rows.iter().map(unit_stats_from_row).collect()
}

/// A unit's round figures from a row with their column names (computed or kept).
pub(crate) fn unit_stats_from_row(
    r: &<Db as sqlx::Database>::Row,
) -> Result<UnitRoundStats, StoreError> {
    Ok(UnitRoundStats {
        unit_id: UnitId(r.try_get("unit_id")?),
        name: r.try_get("name")?,
        owed: r.try_get("owed")?,
        submitted: r.try_get("submitted")?,
        on_time: r.try_get("on_time")?,
        returned: r.try_get("returned")?,
        accepted: r.try_get("accepted")?,
        drafts: r.try_get("drafts")?,
        met: r.try_get("met")?,
    })
}

pub(crate) async fn unit_round_tasks(
    pool: &Pool,
    round: RoundId,
    unit: UnitId,
) -> Result<Vec<OwedReport>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new("SELECT ");
    qb.push(super::tasks::SUMMARY_COLUMNS);
    // Straight from the unit's links (indexed by unit and plan), never a scan of the plan.
    qb.push(
        " FROM tasks t WHERE t.id IN (SELECT l.task_id FROM task_units l WHERE l.role = 'lead' \
         AND l.unit_id = ",
    );
    qb.push_bind(unit);
    qb.push(" AND l.plan_id = (SELECT ro.plan_id FROM rounds ro WHERE ro.id = ");
    qb.push_bind(round);
    // A task closed out before the round's due date owes the round nothing.
    qb.push(")) AND (t.closed_on IS NULL OR t.closed_on >= (SELECT ro.due_date FROM rounds ro WHERE ro.id = ");
    qb.push_bind(round);
    qb.push(")) AND t.retired_at IS NULL ORDER BY t.position");
    let rows = qb.build().fetch_all(pool).await?;
    let mut tasks = rows
        .iter()
        .map(super::tasks::summary_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    super::tasks::fill_units(pool, &mut tasks).await?;
    let reports: Vec<ReportRow> = sqlx::query_as(concat!(
        "SELECT ",
        report_cols!(),
        " FROM reports r WHERE r.round_id = $1 AND r.unit_id = $2"
    ))
    .bind(round)
    .bind(unit)
    .fetch_all(pool)
    .await?;
    let mut by_task: HashMap<i64, Report> = reports
        .into_iter()
        .map(|r| (r.task_id, r.into_report()))
        .collect();
    Ok(tasks
        .into_iter()
        .map(|task| {
            let report = by_task.remove(&task.id.0);
            OwedReport { task, report }
        })
        .collect())
}

pub(crate) async fn bulk_load(
    pool: &Pool,
    plan: PlanId,
    rounds: &[BulkRound],
    reports: &[BulkReport],
    actor: &str,
    now: i64,
) -> Result<Vec<RoundId>, StoreError> {
    let mut tx = begin_write(pool).await?;
    let task_rows = sqlx::query("SELECT id, position FROM tasks WHERE plan_id = $1")
        .bind(plan)
        .fetch_all(&mut **tx)
        .await?;
    if task_rows.is_empty() {
        return Err(StoreError::NotFound("该计划或其任务"));
    }
    let mut task_ids = vec![0i64; task_rows.len()];
    for r in &task_rows {
        let pos: i64 = r.try_get("position")?;
        if let Some(slot) = usize::try_from(pos - 1)
            .ok()
            .and_then(|i| task_ids.get_mut(i))
        {
            *slot = r.try_get("id")?;
        }
    }
    let unit_rows = sqlx::query("SELECT id, name FROM units")
        .fetch_all(&mut **tx)
        .await?;
    let mut unit_ids: HashMap<String, i64> = HashMap::with_capacity(unit_rows.len());
    for r in &unit_rows {
        unit_ids.insert(r.try_get("name")?, r.try_get("id")?);
    }

    let mut round_ids = Vec::with_capacity(rounds.len());
    for r in rounds {
        let closed_at = (r.status == RoundStatus::Closed).then_some(now);
        let row = sqlx::query(
            "INSERT INTO rounds (plan_id, name, due_date, status, created_at, closed_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(plan)
        .bind(&r.name)
        .bind(&r.due_date)
        .bind(r.status.as_str())
        .bind(now)
        .bind(closed_at)
        .fetch_one(&mut **tx)
        .await?;
        round_ids.push(RoundId(row.try_get("id")?));
    }

    // Resolve every row first, so a bad index fails before anything is written.
    let mut resolved = Vec::with_capacity(reports.len());
    for (i, r) in reports.iter().enumerate() {
        let task = task_ids.get(r.task_index).copied().filter(|t| *t != 0);
        let round = round_ids.get(r.round_index).copied();
        let unit = unit_ids.get(&r.unit).copied();
        match (task, round, unit) {
            (Some(t), Some(ro), Some(u)) => resolved.push((t, ro, u, r)),
            _ => {
                return Err(StoreError::Invalid(format!(
                    "第{}条报告引用了不存在的任务、轮次或单位“{}”",
                    i + 1,
                    r.unit
                )));
            }
        }
    }
    for chunk in resolved.chunks(BATCH_ROWS) {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO reports (task_id, round_id, unit_id, version, narrative, figures_json, \
             self_status, status, created_by, created_at, updated_at, submitted_at, \
             reviewed_by, reviewed_at) ",
        );
        qb.push_values(chunk, |mut b, (t, ro, u, r)| {
            let submitted = r.submitted_at.map(to_unix);
            let reviewed = matches!(r.status, ReportStatus::Accepted | ReportStatus::Returned);
            b.push_bind(*t)
                .push_bind(*ro)
                .push_bind(*u)
                .push_bind(1i64)
                .push_bind(r.narrative.clone())
                .push_bind("{}")
                .push_bind(r.self_status.map(SelfStatus::as_str))
                .push_bind(r.status.as_str())
                .push_bind(actor.to_string())
                .push_bind(now)
                .push_bind(submitted.unwrap_or(now))
                .push_bind(submitted)
                .push_bind(reviewed.then(|| actor.to_string()))
                .push_bind(if reviewed {
                    submitted.or(Some(now))
                } else {
                    None
                });
        });
        qb.build().execute(&mut **tx).await?;
    }
    // Accepted reports speak for their tasks from the moment they exist.
    let standings = super::verdicts::refresh_plan_in(&mut tx, plan, actor, now).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "report.bulk_load",
            entity: "plan",
            entity_id: Some(plan.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "rounds": rounds.len(), "reports": reports.len(), "standings": standings
            })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    super::common::refresh_statistics(pool).await;
    Ok(round_ids)
}
