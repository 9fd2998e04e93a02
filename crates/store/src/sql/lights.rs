//! The kept lights (see `crate::lights`): the basis, the dirty marks and the counts.

use sqlx::{QueryBuilder, Row};

use super::common::{BATCH_ROWS, begin_write};
use super::{Db, KIND, Pool};
use crate::{Backend, PlanId, RoundId, Scope, StoreError, UnitId, UnitRoundStats};

/// A fresh mark number, as the triggers make them (migration 0020).
const NEW_MARK: &str = match KIND {
    Backend::Sqlite => "random()",
    Backend::Postgres => "nextval('light_mark_seq')",
};

/// Records `basis` for the plan; when it differs from the stored one, marks the tasks whose
/// light it can have changed (in the same transaction), so the next refresh recounts them.
/// `narrow` is given the stored basis and answers which: when only the day moved forward
/// and no round fell due in between, the tasks with a notice deadline or a milestone date
/// passed in between (`Some(day the lights were computed on)`); otherwise every task (`None`).
pub(crate) async fn ensure_basis(
    pool: &Pool,
    plan: PlanId,
    basis: &str,
    narrow: impl FnOnce(&str) -> Option<String>,
) -> Result<(), StoreError> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT basis FROM light_basis WHERE plan_id = $1")
            .bind(plan)
            .fetch_optional(pool)
            .await?;
    if stored.as_deref() == Some(basis) {
        return Ok(());
    }
    let since = stored.as_deref().and_then(narrow);
    let mut tx = begin_write(pool).await?;
    // Only the instance that moves the stored basis marks: another that moved it first has
    // marked what it needed, and marking twice would only recount twice.
    let moved = match &stored {
        Some(old) => sqlx::query(
            "UPDATE light_basis SET basis = $1 WHERE plan_id = $2 AND basis = $3",
        )
        .bind(basis)
        .bind(plan)
        .bind(old)
        .execute(&mut **tx)
        .await?
        .rows_affected(),
        None => sqlx::query(
            "INSERT INTO light_basis (plan_id, basis) VALUES ($1, $2) ON CONFLICT (plan_id) DO NOTHING",
        )
        .bind(plan)
        .bind(basis)
        .execute(&mut **tx)
        .await?
        .rows_affected(),
    };
    if moved == 0 {
        tx.rollback().await?;
        return Ok(());
    }
    match since {
        Some(from) => {
            // A notice turns overdue, a milestone missed, the day after its date: those
            // dated from the old day up to yesterday. DISTINCT: PostgreSQL refuses to
            // update one row twice in a statement.
            let marks = [
                format!(
                    "INSERT INTO light_dirty (task_id, n) SELECT DISTINCT n.task_id, {NEW_MARK} \
                     FROM notices n WHERE n.plan_id = $1 AND n.deadline >= $2 AND n.deadline < $3 \
                     ON CONFLICT (task_id) DO UPDATE SET n = excluded.n"
                ),
                format!(
                    "INSERT INTO light_dirty (task_id, n) SELECT DISTINCT m.task_id, {NEW_MARK} \
                     FROM task_milestones m JOIN tasks t ON t.id = m.task_id WHERE t.plan_id = $1 \
                     AND m.due_date >= $2 AND m.due_date < $3 \
                     ON CONFLICT (task_id) DO UPDATE SET n = excluded.n"
                ),
            ];
            let today = basis.split('|').next().unwrap_or_default();
            for sql in marks {
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(plan)
                    .bind(&from)
                    .bind(today)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        None => {
            let mark = format!(
                "INSERT INTO light_dirty (task_id, n) SELECT id, {NEW_MARK} FROM tasks WHERE plan_id = $1 \
                 ON CONFLICT (task_id) DO UPDATE SET n = excluded.n"
            );
            sqlx::query(sqlx::AssertSqlSafe(mark))
                .bind(plan)
                .execute(&mut **tx)
                .await?;
            // Marks of tasks deleted since (no foreign key holds them) go with the recount.
            sqlx::query("DELETE FROM light_dirty WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = light_dirty.task_id)")
                .execute(&mut **tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The plan's marked tasks with their mark numbers.
pub(crate) async fn dirty(pool: &Pool, plan: PlanId) -> Result<Vec<(i64, i64)>, StoreError> {
    // Start from the marks, few between counts: after a bulk mark SQLite's statistics say
    // the table is as large as the plan, and it chose to walk every task of the plan by its
    // index instead (24 ms at 200,000 tasks, after every change). The unary plus keeps it
    // off that index; PostgreSQL plans this well by itself.
    let sql = match KIND {
        Backend::Sqlite => {
            "SELECT d.task_id, d.n FROM light_dirty d JOIN tasks t ON t.id = d.task_id \
             WHERE +t.plan_id = $1 ORDER BY d.task_id"
        }
        Backend::Postgres => {
            "SELECT d.task_id, d.n FROM light_dirty d JOIN tasks t ON t.id = d.task_id \
             WHERE t.plan_id = $1 ORDER BY d.task_id"
        }
    };
    let rows = sqlx::query(sql).bind(plan).fetch_all(pool).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("task_id")?, r.try_get("n")?)))
        .collect()
}

/// Writes the recomputed lights of a batch `(task, mark read, light or none)`, each only if
/// its mark is still the one read: a task marked again meanwhile stays dirty and is
/// recomputed next time, and of two instances refreshing at once only one writes a task.
/// On PostgreSQL a mark held by a writer's open transaction is skipped, not waited for (the
/// writer is about to renew it), so a refresh never waits on, nor deadlocks with, a change.
pub(crate) async fn keep(
    pool: &Pool,
    plan: PlanId,
    batch: &[crate::lights::Recomputed],
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    for chunk in batch.chunks(BATCH_ROWS) {
        let mut claim: QueryBuilder<Db> = QueryBuilder::new(match KIND {
            Backend::Sqlite => "DELETE FROM light_dirty WHERE (task_id, n) IN (",
            Backend::Postgres => {
                "DELETE FROM light_dirty WHERE task_id IN (SELECT task_id FROM light_dirty \
                 WHERE (task_id, n) IN ("
            }
        });
        claim.push_values(chunk, |mut b, (task, n, _)| {
            b.push_bind(*task).push_bind(*n);
        });
        claim.push(match KIND {
            Backend::Sqlite => ") RETURNING task_id",
            Backend::Postgres => ") FOR UPDATE SKIP LOCKED) RETURNING task_id",
        });
        let claimed: std::collections::HashSet<i64> = claim
            .build_query_scalar::<i64>()
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .collect();
        let mut lit = Vec::new();
        let mut dark = Vec::new();
        for (task, _, light) in chunk {
            if !claimed.contains(task) {
                continue;
            }
            match light {
                Some(k) => lit.push((*task, k.color, k.rule.clone(), k.detail.clone())),
                None => dark.push(*task),
            }
        }
        if !lit.is_empty() {
            let mut ins: QueryBuilder<Db> = QueryBuilder::new(
                "INSERT INTO task_lights (task_id, plan_id, color, rule, detail) ",
            );
            ins.push_values(lit, |mut b, (task, color, rule, detail)| {
                b.push_bind(task)
                    .push_bind(plan)
                    .push_bind(color)
                    .push_bind(rule)
                    .push_bind(detail);
            });
            ins.push(
                " ON CONFLICT (task_id) DO UPDATE SET plan_id = excluded.plan_id, \
                 color = excluded.color, rule = excluded.rule, detail = excluded.detail",
            );
            ins.build().execute(&mut **tx).await?;
        }
        if !dark.is_empty() {
            let mut del: QueryBuilder<Db> =
                QueryBuilder::new("DELETE FROM task_lights WHERE task_id IN (");
            let mut list = del.separated(", ");
            for t in dark {
                list.push_bind(t);
            }
            del.push(")");
            del.build().execute(&mut **tx).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The kept lights of a page of tasks, each with whether it is marked dirty, and the basis
/// they were kept under: one read by primary key. (With `plan_id = ?` beside the ids
/// SQLite preferred the (plan, color) index and visited every light of the plan.)
pub(crate) async fn page(
    pool: &Pool,
    plan: PlanId,
    tasks: &[i64],
) -> Result<(Option<String>, Vec<(i64, String, bool)>), StoreError> {
    let basis: Option<String> =
        sqlx::query_scalar("SELECT basis FROM light_basis WHERE plan_id = $1")
            .bind(plan)
            .fetch_optional(pool)
            .await?;
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT k.task_id, k.detail, CASE WHEN d.task_id IS NULL THEN 0 ELSE 1 END AS dirty \
         FROM task_lights k LEFT JOIN light_dirty d ON d.task_id = k.task_id \
         WHERE k.task_id IN (",
    );
    let mut list = qb.separated(", ");
    for t in tasks {
        list.push_bind(*t);
    }
    qb.push(")");
    let rows = qb.build().fetch_all(pool).await?;
    let rows = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get("task_id")?,
                r.try_get("detail")?,
                r.try_get::<i32, _>("dirty")? != 0,
            ))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((basis, rows))
}

/// The kept lights of the plan within `scope`, grouped by (color, rule).
pub(crate) async fn count(
    pool: &Pool,
    plan: PlanId,
    scope: &Scope,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    if matches!(scope, Scope::All) {
        // Kept per (plan, colour, rule) by the triggers of migration 0025.
        let rows = sqlx::query(
            "SELECT color, rule, n FROM plan_light_counts WHERE plan_id = $1 AND n > 0",
        )
        .bind(plan)
        .fetch_all(pool)
        .await?;
        return rows
            .iter()
            .map(|r| Ok((r.try_get("color")?, r.try_get("rule")?, r.try_get("n")?)))
            .collect();
    }
    let mut qb: QueryBuilder<Db> =
        QueryBuilder::new("SELECT color, rule, COUNT(*) AS n FROM task_lights WHERE plan_id = ");
    qb.push_bind(plan);
    if let Scope::Unit(u) = scope {
        qb.push(" AND task_id IN (SELECT s.task_id FROM task_units s WHERE s.unit_id = ");
        qb.push_bind(*u);
        qb.push(")");
    }
    qb.push(" GROUP BY color, rule");
    let rows = qb.build().fetch_all(pool).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("color")?, r.try_get("rule")?, r.try_get("n")?)))
        .collect()
}

// The ranking's per-unit figures for a round, kept under the units' marks.

/// Units whose kept figures for `round` are missing, older than their mark, or computed
/// under other round dates; with the mark each one has now.
pub(crate) async fn stale_units(
    pool: &Pool,
    round: RoundId,
    basis: &str,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.id, COALESCE(m.n, 0) AS n FROM units u \
         LEFT JOIN unit_marks m ON m.unit_id = u.id \
         LEFT JOIN unit_round_stats k ON k.round_id = $1 AND k.unit_id = u.id \
         WHERE k.unit_id IS NULL OR k.n < COALESCE(m.n, 0) OR k.basis <> $2 ORDER BY u.id",
    )
    .bind(round)
    .bind(basis)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("n")?)))
        .collect()
}

/// Keeps recomputed figures `(unit, mark read, figures or none)`; a row kept at a newer
/// mark by another instance meanwhile is left alone.
pub(crate) async fn keep_unit_stats(
    pool: &Pool,
    round: RoundId,
    basis: &str,
    rows: &[(i64, i64, Option<UnitRoundStats>)],
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    for chunk in rows.chunks(BATCH_ROWS / 2) {
        let mut ins: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO unit_round_stats (round_id, unit_id, n, basis, present, owed, \
             submitted, on_time, returned, accepted, drafts, met) ",
        );
        ins.push_values(chunk, |mut b, (unit, n, s)| {
            let z = UnitRoundStats {
                unit_id: UnitId(*unit),
                name: String::new(),
                owed: 0,
                submitted: 0,
                on_time: 0,
                returned: 0,
                accepted: 0,
                drafts: 0,
                met: 0,
            };
            let f = s.as_ref().unwrap_or(&z);
            b.push_bind(round)
                .push_bind(*unit)
                .push_bind(*n)
                .push_bind(basis.to_string())
                .push_bind(s.is_some())
                .push_bind(f.owed)
                .push_bind(f.submitted)
                .push_bind(f.on_time)
                .push_bind(f.returned)
                .push_bind(f.accepted)
                .push_bind(f.drafts)
                .push_bind(f.met);
        });
        ins.push(
            " ON CONFLICT (round_id, unit_id) DO UPDATE SET n = excluded.n, \
             basis = excluded.basis, present = excluded.present, owed = excluded.owed, \
             submitted = excluded.submitted, on_time = excluded.on_time, \
             returned = excluded.returned, accepted = excluded.accepted, \
             drafts = excluded.drafts, met = excluded.met \
             WHERE unit_round_stats.n <= excluded.n",
        );
        ins.build().execute(&mut **tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The kept figures of the round's lead units.
pub(crate) async fn kept_unit_stats(
    pool: &Pool,
    round: RoundId,
) -> Result<Vec<UnitRoundStats>, StoreError> {
    let rows = sqlx::query(
        "SELECT k.unit_id, u.name, k.owed, k.submitted, k.on_time, k.returned, k.accepted, \
         k.drafts, k.met FROM unit_round_stats k JOIN units u ON u.id = k.unit_id \
         WHERE k.round_id = $1 AND k.present",
    )
    .bind(round)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(super::reports::unit_stats_from_row)
        .collect()
}
