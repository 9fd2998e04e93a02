use std::collections::{HashMap, HashSet};

use duban_model::Verdict;
use futures_util::TryStreamExt;
use sqlx::{QueryBuilder, Row};

use super::{Db, Pool};
use crate::standings::{LagReason, LaggingRow, LightRevision, TaskStanding, self_status_severity};
use crate::{PlanId, RoundId, Scope, SelfStatus, StoreError, TaskId};

fn verdict(v: Option<String>) -> Option<Verdict> {
    v.as_deref().and_then(Verdict::parse)
}

/// Narrows a query over tasks aliased `t` to the plan, the given ids and the scope.
fn push_task_filter(
    qb: &mut QueryBuilder<Db>,
    plan: PlanId,
    tasks: Option<&[TaskId]>,
    scope: &Scope,
) {
    qb.push(" AND t.retired_at IS NULL AND t.plan_id = ");
    qb.push_bind(plan);
    if let Some(ids) = tasks {
        qb.push(" AND t.id IN (");
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        qb.push(")");
    }
    match (tasks, scope) {
        // A page of tasks: probe each one's links.
        (Some(_), _) => super::tasks::push_scope_one(qb, "t.id", scope),
        (None, Scope::Unit(u)) => {
            qb.push(" AND t.id IN (SELECT s.task_id FROM task_units s WHERE s.unit_id = ");
            qb.push_bind(*u);
            qb.push(")");
        }
        (None, Scope::All) => {}
    }
}

/// Reports by a lead unit of their task that reached the office.
const LEAD_REACHED: &str = "FROM reports r \
     JOIN tasks t ON t.id = r.task_id \
     JOIN task_units tu ON tu.task_id = r.task_id AND tu.unit_id = r.unit_id AND tu.role = 'lead' \
     WHERE r.status IN ('submitted', 'returned', 'accepted')";

pub(crate) async fn task_standings(
    pool: &Pool,
    plan: PlanId,
    round: Option<RoundId>,
    tasks: Option<&[TaskId]>,
    scope: &Scope,
) -> Result<Vec<TaskStanding>, StoreError> {
    // A few narrow queries, each streamed and folded as it comes, instead of one row per
    // (task, lead unit, report): at 50,000 tasks x 12 rounds that join is 600,000 rows held
    // at once, where these read the tasks, their lead units in the current round, the
    // returned reports, and each task's newest reached round only.
    let mut conn = pool.acquire().await?;
    let mut order: Vec<i64> = Vec::new();
    let mut acc: HashMap<i64, TaskStanding> = HashMap::new();

    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT t.id, t.verdict, t.machine_verdict, t.final_verdict, t.disputed, t.closed_on \
         FROM tasks t WHERE 1 = 1",
    );
    push_task_filter(&mut qb, plan, tasks, scope);
    qb.push(" ORDER BY t.position");
    {
        let mut rows = qb.build().fetch(&mut *conn);
        while let Some(r) = rows.try_next().await? {
            let id: i64 = r.try_get("id")?;
            order.push(id);
            acc.insert(
                id,
                TaskStanding {
                    task_id: TaskId(id),
                    verdict: verdict(r.try_get("verdict")?),
                    machine_verdict: verdict(r.try_get("machine_verdict")?),
                    final_verdict: verdict(r.try_get("final_verdict")?),
                    disputed: r.try_get("disputed")?,
                    lead_units: 0,
                    unsubmitted: 0,
                    returned: 0,
                    latest_self_status: None,
                    closed_on: r.try_get("closed_on")?,
                },
            );
        }
    }
    if order.is_empty() {
        return Ok(Vec::new());
    }

    // Lead units, and whether each one's report for the round reached the office. One row
    // per lead link without DISTINCT (which cost a sort of every row): task_units' key
    // (task, role, unit) and reports' (task, round, unit) admit no duplicates.
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT tu.task_id, tu.unit_id, \
         CASE WHEN r.status IN ('submitted', 'returned', 'accepted') THEN 1 ELSE 0 END AS reached \
         FROM task_units tu JOIN tasks t ON t.id = tu.task_id \
         LEFT JOIN reports r ON r.task_id = tu.task_id AND r.unit_id = tu.unit_id AND r.round_id = ",
    );
    qb.push_bind(round.map(|r| r.0).unwrap_or(-1));
    qb.push(" WHERE tu.role = 'lead'");
    push_task_filter(&mut qb, plan, tasks, scope);
    {
        let mut rows = qb.build().fetch(&mut *conn);
        while let Some(r) = rows.try_next().await? {
            let id: i64 = r.try_get("task_id")?;
            let reached: i32 = r.try_get("reached")?;
            if let Some(s) = acc.get_mut(&id) {
                s.lead_units += 1;
                if round.is_some() && reached == 0 {
                    s.unsubmitted += 1;
                }
            }
        }
    }

    // Reports returned and not yet resubmitted, in an open round of the plan: once a round
    // is closed its reports are locked and can no longer be resubmitted, so a return there
    // is history, not something the unit still owes.
    let mut qb: QueryBuilder<Db> = QueryBuilder::new("SELECT r.task_id, COUNT(*) AS n ");
    qb.push(LEAD_REACHED);
    qb.push(" AND r.status = 'returned' AND r.round_id IN (SELECT id FROM rounds WHERE plan_id = ");
    qb.push_bind(plan);
    qb.push(" AND status = 'open')");
    push_task_filter(&mut qb, plan, tasks, scope);
    qb.push(" GROUP BY r.task_id");
    {
        let mut rows = qb.build().fetch(&mut *conn);
        while let Some(r) = rows.try_next().await? {
            let id: i64 = r.try_get("task_id")?;
            let n: i64 = r.try_get("n")?;
            if let Some(s) = acc.get_mut(&id) {
                s.returned = n;
            }
        }
    }

    // The self-status of the newest round in which a lead unit's report reached the office:
    // rounds newest first (by due date), until every task has found its round. With several
    // lead units in that round, the worst status wins.
    if tasks.is_some() {
        // A page of tasks: every reached report of theirs in one query (a dozen rows a
        // task), folded here, instead of one query per round until all are settled — which
        // costs a query per round for a task that was never reported on.
        let mut qb: QueryBuilder<Db> =
            QueryBuilder::new("SELECT r.task_id, r.self_status, ro.due_date, ro.id AS round_id ");
        qb.push(LEAD_REACHED.replacen(
            "JOIN tasks t ON t.id = r.task_id",
            "JOIN tasks t ON t.id = r.task_id JOIN rounds ro ON ro.id = r.round_id",
            1,
        ));
        push_task_filter(&mut qb, plan, tasks, scope);
        // task -> (newest round's (due date, id), worst status in it)
        let mut newest: HashMap<i64, ((String, i64), Option<SelfStatus>)> = HashMap::new();
        {
            let mut rows = qb.build().fetch(&mut *conn);
            while let Some(r) = rows.try_next().await? {
                let id: i64 = r.try_get("task_id")?;
                let key: (String, i64) = (r.try_get("due_date")?, r.try_get("round_id")?);
                let status = r
                    .try_get::<Option<String>, _>("self_status")?
                    .as_deref()
                    .and_then(SelfStatus::parse);
                let e = newest.entry(id).or_insert_with(|| (key.clone(), None));
                if key > e.0 {
                    *e = (key, status);
                } else if key == e.0
                    && let Some(new) = status
                    && e.1
                        .is_none_or(|cur| self_status_severity(new) > self_status_severity(cur))
                {
                    e.1 = Some(new);
                }
            }
        }
        for (id, (_, status)) in newest {
            if let Some(s) = acc.get_mut(&id) {
                s.latest_self_status = status;
            }
        }
        return Ok(order.into_iter().filter_map(|id| acc.remove(&id)).collect());
    }
    let rounds =
        sqlx::query("SELECT id FROM rounds WHERE plan_id = $1 ORDER BY due_date DESC, id DESC")
            .bind(plan)
            .fetch_all(&mut *conn)
            .await?;
    let mut settled: HashSet<i64> = HashSet::new();
    for ro in rounds {
        if settled.len() == order.len() {
            break;
        }
        let round_id: i64 = ro.try_get("id")?;
        let mut qb: QueryBuilder<Db> = QueryBuilder::new("SELECT r.task_id, r.self_status ");
        qb.push(LEAD_REACHED);
        qb.push(" AND r.round_id = ");
        qb.push_bind(round_id);
        push_task_filter(&mut qb, plan, tasks, scope);
        let mut found: HashSet<i64> = HashSet::new();
        {
            let mut rows = qb.build().fetch(&mut *conn);
            while let Some(r) = rows.try_next().await? {
                let id: i64 = r.try_get("task_id")?;
                if settled.contains(&id) {
                    continue;
                }
                found.insert(id);
                let status = r
                    .try_get::<Option<String>, _>("self_status")?
                    .as_deref()
                    .and_then(SelfStatus::parse);
                if let (Some(s), Some(new)) = (acc.get_mut(&id), status)
                    && s.latest_self_status
                        .is_none_or(|cur| self_status_severity(new) > self_status_severity(cur))
                {
                    s.latest_self_status = Some(new);
                }
            }
        }
        settled.extend(found);
    }

    Ok(order.into_iter().filter_map(|id| acc.remove(&id)).collect())
}

pub(crate) async fn light_revision(
    pool: &Pool,
    plan: PlanId,
) -> Result<Option<LightRevision>, StoreError> {
    let row = sqlx::query(
        "SELECT p.revision, c.n FROM plans p, cycle_revision c WHERE p.id = $1 AND c.id = 1",
    )
    .bind(plan)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some(r) => Some(LightRevision {
            tasks: r.try_get("revision")?,
            cycle: r.try_get("n")?,
        }),
        None => None,
    })
}

/// A task's page mark (migration 0024) with its plan and the plan's light revision, in one
/// read; `None` when there is no such task.
pub(crate) async fn task_page_revision(
    pool: &Pool,
    task: TaskId,
) -> Result<Option<(PlanId, i64, LightRevision)>, StoreError> {
    let row = sqlx::query(
        "SELECT t.plan_id, COALESCE(m.n, 0) AS mark, p.revision, c.n FROM tasks t \
         JOIN plans p ON p.id = t.plan_id LEFT JOIN task_marks m ON m.task_id = t.id, \
         cycle_revision c WHERE t.id = $1 AND c.id = 1",
    )
    .bind(task)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some(r) => Some((
            PlanId(r.try_get("plan_id")?),
            r.try_get("mark")?,
            LightRevision {
                tasks: r.try_get("revision")?,
                cycle: r.try_get("n")?,
            },
        )),
        None => None,
    })
}

pub(crate) async fn refused_extension_tasks(
    pool: &Pool,
    plan: PlanId,
) -> Result<Vec<TaskId>, StoreError> {
    // The task's newest request decides: a refusal followed by a new request (pending or
    // approved) no longer counts.
    let rows = sqlx::query(
        "SELECT DISTINCT e.task_id FROM extension_requests e \
         WHERE e.plan_id = $1 AND e.status = 'refused' AND NOT EXISTS ( \
             SELECT 1 FROM extension_requests l WHERE l.task_id = e.task_id AND l.id > e.id) \
         ORDER BY e.task_id",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok(TaskId(r.try_get("task_id")?)))
        .collect()
}

pub(crate) async fn round_lagging(
    pool: &Pool,
    plan: PlanId,
    round: RoundId,
) -> Result<Vec<LaggingRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.id, t.position, t.text, u.name, r.status, r.self_status \
         FROM task_units tu JOIN tasks t ON t.id = tu.task_id JOIN units u ON u.id = tu.unit_id \
         LEFT JOIN reports r ON r.task_id = tu.task_id AND r.unit_id = tu.unit_id \
             AND r.round_id = $2 \
         WHERE tu.role = 'lead' AND t.plan_id = $1 AND t.retired_at IS NULL \
           AND (t.closed_on IS NULL \
                OR t.closed_on >= (SELECT ro.due_date FROM rounds ro WHERE ro.id = $2)) \
           AND (r.id IS NULL OR r.status = 'draft' \
                OR r.self_status IN ('lagging', 'not_started')) \
         ORDER BY t.position, tu.position",
    )
    .bind(plan)
    .bind(round)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let status: Option<String> = r.try_get("status")?;
            let self_status: Option<String> = r.try_get("self_status")?;
            let reason = match (status.as_deref(), self_status.as_deref()) {
                (None | Some("draft"), _) => LagReason::Unsubmitted,
                (_, Some("not_started")) => LagReason::NotStarted,
                _ => LagReason::Lagging,
            };
            Ok(LaggingRow {
                task_id: TaskId(r.try_get("id")?),
                position: r.try_get("position")?,
                task: r.try_get("text")?,
                unit: r.try_get("name")?,
                reason,
            })
        })
        .collect()
}
