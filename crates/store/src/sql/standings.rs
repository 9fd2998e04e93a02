use std::collections::{HashMap, HashSet};

use duban_model::Verdict;
use sqlx::{QueryBuilder, Row};

use super::{Db, Pool};
use crate::standings::{LagReason, LaggingRow, LightRevision, TaskStanding, self_status_severity};
use crate::{PlanId, RoundId, Scope, SelfStatus, StoreError, TaskId};

fn verdict(v: Option<String>) -> Option<Verdict> {
    v.as_deref().and_then(Verdict::parse)
}

/// Statuses of a report that reached the office.
fn reached_office(status: &str) -> bool {
    matches!(status, "submitted" | "returned" | "accepted")
}

pub(crate) async fn task_standings(
    pool: &Pool,
    plan: PlanId,
    round: Option<RoundId>,
    tasks: Option<&[TaskId]>,
    scope: &Scope,
) -> Result<Vec<TaskStanding>, StoreError> {
    // One row per (task, lead unit, report of that unit); the few rows per task are folded
    // below, so a page of tasks costs one query whatever its size.
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT t.id, t.verdict, t.machine_verdict, t.final_verdict, t.disputed, \
         tu.unit_id, r.round_id, ro.due_date, r.status, r.self_status \
         FROM tasks t \
         LEFT JOIN task_units tu ON tu.task_id = t.id AND tu.role = 'lead' \
         LEFT JOIN reports r ON r.task_id = t.id AND r.unit_id = tu.unit_id \
         LEFT JOIN rounds ro ON ro.id = r.round_id \
         WHERE t.plan_id = ",
    );
    qb.push_bind(plan);
    if let Some(ids) = tasks {
        qb.push(" AND t.id IN (");
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        qb.push(")");
    }
    if let Scope::Unit(u) = scope {
        qb.push(" AND t.id IN (SELECT s.task_id FROM task_units s WHERE s.unit_id = ");
        qb.push_bind(*u);
        qb.push(")");
    }
    qb.push(" ORDER BY t.position");

    struct Acc {
        standing: TaskStanding,
        leads: HashSet<i64>,
        submitted_in_round: HashSet<i64>,
        /// (due date, round id) of the newest round with a report that reached the office.
        newest: Option<(String, i64)>,
    }
    let mut order: Vec<i64> = Vec::new();
    let mut acc: HashMap<i64, Acc> = HashMap::new();
    for r in qb.build().fetch_all(pool).await? {
        let id: i64 = r.try_get("id")?;
        let a = match acc.get_mut(&id) {
            Some(a) => a,
            None => {
                order.push(id);
                acc.entry(id).or_insert(Acc {
                    standing: TaskStanding {
                        task_id: TaskId(id),
                        verdict: verdict(r.try_get("verdict")?),
                        machine_verdict: verdict(r.try_get("machine_verdict")?),
                        final_verdict: verdict(r.try_get("final_verdict")?),
                        disputed: r.try_get("disputed")?,
                        lead_units: 0,
                        unsubmitted: 0,
                        returned: 0,
                        latest_self_status: None,
                    },
                    leads: HashSet::new(),
                    submitted_in_round: HashSet::new(),
                    newest: None,
                })
            }
        };
        let Some(unit) = r.try_get::<Option<i64>, _>("unit_id")? else {
            continue;
        };
        a.leads.insert(unit);
        let Some(report_round) = r.try_get::<Option<i64>, _>("round_id")? else {
            continue;
        };
        let status: String = r.try_get("status")?;
        if !reached_office(&status) {
            continue;
        }
        if status == "returned" {
            a.standing.returned += 1;
        }
        if round.is_some_and(|ro| ro.0 == report_round) {
            a.submitted_in_round.insert(unit);
        }
        let due: String = r.try_get("due_date")?;
        let key = (due, report_round);
        let self_status = r
            .try_get::<Option<String>, _>("self_status")?
            .as_deref()
            .and_then(SelfStatus::parse);
        let newer = a.newest.as_ref().is_none_or(|n| key > *n);
        if newer {
            a.newest = Some(key);
            a.standing.latest_self_status = self_status;
        } else if a.newest.as_ref() == Some(&key)
            && let Some(s) = self_status
            && a.standing
                .latest_self_status
                .is_none_or(|cur| self_status_severity(s) > self_status_severity(cur))
        {
            a.standing.latest_self_status = Some(s);
        }
    }
    Ok(order
        .into_iter()
        .filter_map(|id| acc.remove(&id))
        .map(|mut a| {
            a.standing.lead_units = a.leads.len() as i64;
            if round.is_some() {
                a.standing.unsubmitted = a.leads.difference(&a.submitted_in_round).count() as i64;
            }
            a.standing
        })
        .collect())
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
         WHERE tu.role = 'lead' AND t.plan_id = $1 \
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
