use std::collections::{HashMap, HashSet};

use duban_model::{Ledger, Verdict};
use sqlx::{QueryBuilder, Row};

use super::audit::append;
use super::common::{BATCH_ROWS, Tx, begin_write};
use super::{Db, Pool};
use crate::audit::Change;
use crate::plans::infer_year;
use crate::time_util::from_unix;
use crate::units::parse_aliases;
use crate::{ImportWarning, Plan, PlanId, PlanTable, StoreError};

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn verdict_str(v: Option<Verdict>) -> Option<&'static str> {
    v.map(Verdict::as_str)
}

pub(crate) async fn by_sha256(pool: &Pool, sha256: &str) -> Result<Option<PlanId>, StoreError> {
    let row = sqlx::query("SELECT id FROM plans WHERE source_sha256 = $1")
        .bind(sha256)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(r) => Some(PlanId(r.try_get("id")?)),
        None => None,
    })
}

pub(crate) async fn import(
    pool: &Pool,
    plan_name: &str,
    ledger: &Ledger,
    source_name: &str,
    sha256: &str,
    actor: &str,
    now: i64,
) -> Result<PlanId, StoreError> {
    let mut tx = begin_write(pool).await?;

    // Checked inside the write transaction so two concurrent imports of one file cannot
    // both pass; the UNIQUE constraint backs this up on PostgreSQL.
    let dup = sqlx::query("SELECT id, name FROM plans WHERE source_sha256 = $1")
        .bind(sha256)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(r) = dup {
        return Err(StoreError::DuplicateImport {
            plan: PlanId(r.try_get("id")?),
            plan_name: r.try_get("name")?,
        });
    }

    let year = infer_year(&[Some(plan_name), ledger.title.as_deref()]);
    let plan_row = sqlx::query(
        "INSERT INTO plans (name, year, title, source_name, source_format, source_sha256, \
         claimed_total, created_by, created_at, issuer) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(plan_name)
    .bind(year.map(i64::from))
    .bind(ledger.title.as_deref())
    .bind(source_name)
    .bind(ledger.format.as_str())
    .bind(sha256)
    .bind(ledger.claimed_total.map(i64::from))
    .bind(actor)
    .bind(now)
    .bind(
        ledger
            .issuer
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
    )
    .fetch_one(&mut **tx)
    .await?;
    let plan = PlanId(plan_row.try_get("id")?);

    let (unit_ids, new_units) = resolve_units(&mut tx, ledger, now).await?;
    insert_tables(&mut tx, plan, ledger).await?;
    let task_ids = insert_tasks(&mut tx, plan, ledger, 0).await?;
    let positions: Vec<i64> = (1..=to_i64(task_ids.len())).collect();
    insert_links(&mut tx, plan, ledger, &task_ids, &positions, &unit_ids).await?;
    insert_warnings(&mut tx, plan, ledger).await?;

    append(
        &mut tx,
        Change {
            actor,
            action: "plan.import",
            entity: "plan",
            entity_id: Some(plan.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "name": plan_name,
                "source_name": source_name,
                "source_sha256": sha256,
                "tasks": ledger.tasks.len(),
                "tables": ledger.tables.len(),
                "new_units": new_units,
                "warnings": ledger.warnings.len(),
            })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    super::common::refresh_statistics(pool).await;
    Ok(plan)
}

/// Maps every unit name the ledger uses to a unit id: existing units by name, then by
/// alias; the rest are created. New aliases are merged into existing units.
pub(crate) async fn resolve_units(
    tx: &mut Tx,
    ledger: &Ledger,
    now: i64,
) -> Result<(HashMap<String, i64>, usize), StoreError> {
    struct Known {
        id: i64,
        aliases: Vec<String>,
        changed: bool,
    }
    let rows = sqlx::query("SELECT id, name, aliases FROM units")
        .fetch_all(&mut **tx)
        .await?;
    let mut by_name: HashMap<String, Known> = HashMap::with_capacity(rows.len());
    for r in &rows {
        let aliases: String = r.try_get("aliases")?;
        by_name.insert(
            r.try_get("name")?,
            Known {
                id: r.try_get("id")?,
                aliases: parse_aliases(&aliases),
                changed: false,
            },
        );
    }
    let mut alias_of: HashMap<String, String> = HashMap::new();
    for (name, k) in &by_name {
        for a in &k.aliases {
            alias_of.entry(a.clone()).or_insert_with(|| name.clone());
        }
    }

    let mut ids: HashMap<String, i64> = HashMap::new();
    let mut created = 0usize;
    for u in ledger.units() {
        let name = u.name.trim().to_string();
        if name.is_empty() {
            continue;
        }
        let home = if by_name.contains_key(&name) {
            Some(name.clone())
        } else {
            alias_of.get(&name).cloned()
        };
        match home {
            Some(home) => {
                if let Some(k) = by_name.get_mut(&home) {
                    for a in &u.aliases {
                        if *a != home && !k.aliases.contains(a) {
                            k.aliases.push(a.clone());
                            k.changed = true;
                        }
                    }
                    ids.insert(u.name.clone(), k.id);
                }
            }
            None => {
                let id = super::units::insert(tx, &name, &u.aliases, now).await?;
                created += 1;
                for a in &u.aliases {
                    alias_of.entry(a.clone()).or_insert_with(|| name.clone());
                }
                by_name.insert(
                    name.clone(),
                    Known {
                        id: id.0,
                        aliases: u.aliases.clone(),
                        changed: false,
                    },
                );
                ids.insert(u.name.clone(), id.0);
            }
        }
    }
    for k in by_name.values().filter(|k| k.changed) {
        sqlx::query("UPDATE units SET aliases = $1 WHERE id = $2")
            .bind(serde_json::to_string(&k.aliases)?)
            .bind(k.id)
            .execute(&mut **tx)
            .await?;
    }
    Ok((ids, created))
}

pub(crate) async fn insert_tables(
    tx: &mut Tx,
    plan: PlanId,
    ledger: &Ledger,
) -> Result<(), StoreError> {
    let mut seen = HashSet::new();
    for chunk in ledger.tables.chunks(BATCH_ROWS) {
        let rows: Vec<_> = chunk.iter().filter(|t| seen.insert(t.index)).collect();
        if rows.is_empty() {
            continue;
        }
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO plan_tables (plan_id, table_no, label, title, claimed_rows, row_count, \
             office_verdict) ",
        );
        qb.push_values(rows, |mut b, t| {
            b.push_bind(plan)
                .push_bind(to_i64(t.index))
                .push_bind(t.label.clone())
                .push_bind(t.title.clone())
                .push_bind(t.claimed_rows.map(i64::from))
                .push_bind(to_i64(t.rows))
                .push_bind(verdict_str(t.office_verdict));
        });
        qb.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Inserts the tasks in document order at positions after `after`; returns their ids by
/// index into `ledger.tasks`.
pub(crate) async fn insert_tasks(
    tx: &mut Tx,
    plan: PlanId,
    ledger: &Ledger,
    after: usize,
) -> Result<Vec<i64>, StoreError> {
    let mut ids = vec![0i64; ledger.tasks.len()];
    // The imported reading speaks for the document's period (its title's 1-10月 and so on).
    let as_of = ledger.as_of.map(|d| d.to_string());
    for (chunk_no, chunk) in ledger.tasks.chunks(BATCH_ROWS).enumerate() {
        let base = chunk_no * BATCH_ROWS;
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO tasks (plan_id, position, table_no, row_no, section, text, progress, \
             progress_label, leader, deadline, status_text, office_verdict, machine_verdict, \
             verdict, disputed, explanation, targets_json, verdict_source, \
             imported_machine_verdict, imported_explanation, imported_targets_json, schedule, \
             imported_schedule, evidence_as_of, imported_as_of) ",
        );
        let mut err = None;
        qb.push_values(chunk.iter().enumerate(), |mut b, (i, t)| {
            let targets = serde_json::to_string(&t.targets).unwrap_or_else(|e| {
                err = Some(e);
                "[]".into()
            });
            b.push_bind(plan)
                .push_bind(to_i64(after + base + i + 1))
                .push_bind(to_i64(t.table))
                .push_bind(i64::from(t.row))
                .push_bind(t.section.clone())
                .push_bind(t.text.clone())
                .push_bind(t.progress.clone())
                .push_bind(t.progress_label.clone())
                .push_bind(t.leader.clone())
                .push_bind(t.deadline.clone())
                .push_bind(t.status_text.clone())
                .push_bind(verdict_str(t.office_verdict))
                .push_bind(verdict_str(t.verdict))
                .push_bind(verdict_str(t.effective_verdict()))
                .push_bind(t.disputed())
                .push_bind(t.explanation.clone())
                .push_bind(targets.clone())
                // Until a lead unit's report is accepted, the imported text speaks and the
                // office's imported verdict, where the file has one, counts.
                .push_bind(if t.office_verdict.is_some() {
                    "office"
                } else {
                    "machine"
                })
                .push_bind(verdict_str(t.verdict))
                .push_bind(t.explanation.clone())
                .push_bind(targets)
                .push_bind(t.schedule.map(|s| s.as_str()))
                .push_bind(t.schedule.map(|s| s.as_str()))
                .push_bind(as_of.clone())
                .push_bind(as_of.clone());
        });
        if let Some(e) = err {
            return Err(e.into());
        }
        qb.push(" RETURNING id, position");
        let rows = qb.build().fetch_all(&mut **tx).await?;
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let pos: i64 = r.try_get("position")?;
            let idx = usize::try_from(pos - 1 - to_i64(after))
                .ok()
                .filter(|i| *i < ids.len());
            match idx {
                Some(i) => ids[i] = id,
                None => return Err(StoreError::Invalid("任务序号异常".into())),
            }
        }
    }
    for (t, &id) in ledger.tasks.iter().zip(&ids) {
        super::milestones::write_imported(tx, id, &t.milestones, false).await?;
    }
    super::search::index_tasks(tx, &ids).await?;
    Ok(ids)
}

/// Links each of `ledger.tasks` (stored as `task_ids`, at `positions`) to its units and
/// group placeholders.
pub(crate) async fn insert_links(
    tx: &mut Tx,
    plan: PlanId,
    ledger: &Ledger,
    task_ids: &[i64],
    positions: &[i64],
    unit_ids: &HashMap<String, i64>,
) -> Result<(), StoreError> {
    // (task, unit, role, position, task position): a unit is linked to a task once, and a
    // unit named as both lead and cooperating unit counts as lead. Unit task lists rely on
    // (task, unit) being unique.
    let mut links: Vec<(i64, i64, &'static str, i64, i64)> = Vec::new();
    let mut groups: Vec<(i64, &'static str, i64, String)> = Vec::new();
    for ((t, &task_id), &task_position) in ledger.tasks.iter().zip(task_ids).zip(positions) {
        let mut seen = HashSet::new();
        for (role, list) in [("lead", &t.lead_units), ("coop", &t.coop_units)] {
            for (pos, u) in list.iter().enumerate() {
                if let Some(&uid) = unit_ids.get(&u.name)
                    && seen.insert(uid)
                {
                    links.push((task_id, uid, role, to_i64(pos), task_position));
                }
            }
        }
        for (role, list) in [("lead", &t.lead_groups), ("coop", &t.coop_groups)] {
            for (pos, g) in list.iter().enumerate() {
                groups.push((task_id, role, to_i64(pos), g.clone()));
            }
        }
    }
    for chunk in links.chunks(BATCH_ROWS * 4) {
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO task_units (task_id, unit_id, role, position, plan_id, task_position) ",
        );
        qb.push_values(chunk, |mut b, (t, u, role, pos, task_pos)| {
            b.push_bind(*t)
                .push_bind(*u)
                .push_bind(*role)
                .push_bind(*pos)
                .push_bind(plan)
                .push_bind(*task_pos);
        });
        qb.build().execute(&mut **tx).await?;
    }
    for chunk in groups.chunks(BATCH_ROWS * 4) {
        let mut qb: QueryBuilder<Db> =
            QueryBuilder::new("INSERT INTO task_groups (task_id, role, position, name) ");
        qb.push_values(chunk, |mut b, (t, role, pos, name)| {
            b.push_bind(*t)
                .push_bind(*role)
                .push_bind(*pos)
                .push_bind(name.clone());
        });
        qb.build().execute(&mut **tx).await?;
    }
    Ok(())
}

pub(crate) async fn insert_warnings(
    tx: &mut Tx,
    plan: PlanId,
    ledger: &Ledger,
) -> Result<(), StoreError> {
    for (chunk_no, chunk) in ledger.warnings.chunks(BATCH_ROWS).enumerate() {
        let base = chunk_no * BATCH_ROWS;
        let mut qb: QueryBuilder<Db> = QueryBuilder::new(
            "INSERT INTO import_warnings (plan_id, position, code, message, location, table_no, \
             row_no) ",
        );
        qb.push_values(chunk.iter().enumerate(), |mut b, (i, w)| {
            b.push_bind(plan)
                .push_bind(to_i64(base + i + 1))
                .push_bind(w.code.as_str())
                .push_bind(w.message.clone())
                .push_bind(w.location.to_string())
                .push_bind(w.location.table.map(to_i64))
                .push_bind(w.location.row.map(i64::from));
        });
        qb.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// The plans, newest first, each with its live tasks counted from the kept counts
/// (migration 0023): counting the tasks themselves cost 70 ms at 50,000 on PostgreSQL, and
/// every page asks for the current plan.
pub(crate) async fn list(pool: &Pool, only: Option<PlanId>) -> Result<Vec<Plan>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.id, p.name, p.year, p.title, p.source_name, p.source_format, p.source_sha256, \
         p.claimed_total, p.created_by, p.created_at, \
         (SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM plan_section_counts c \
          WHERE c.plan_id = p.id) AS task_count \
         FROM plans p WHERE ($1 IS NULL OR p.id = $1) ORDER BY p.id DESC",
    )
    .bind(only)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Plan {
                id: PlanId(r.try_get("id")?),
                name: r.try_get("name")?,
                year: r
                    .try_get::<Option<i64>, _>("year")?
                    .and_then(|y| i32::try_from(y).ok()),
                title: r.try_get("title")?,
                source_name: r.try_get("source_name")?,
                source_format: r.try_get("source_format")?,
                source_sha256: r.try_get("source_sha256")?,
                claimed_total: r.try_get("claimed_total")?,
                task_count: r.try_get("task_count")?,
                created_by: r.try_get("created_by")?,
                created_at: from_unix(r.try_get("created_at")?),
            })
        })
        .collect()
}

pub(crate) async fn tables(pool: &Pool, plan: PlanId) -> Result<Vec<PlanTable>, StoreError> {
    let rows = sqlx::query(
        "SELECT table_no, label, title, claimed_rows, row_count, office_verdict \
         FROM plan_tables WHERE plan_id = $1 ORDER BY table_no",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let v: Option<String> = r.try_get("office_verdict")?;
            Ok(PlanTable {
                table_no: r.try_get("table_no")?,
                label: r.try_get("label")?,
                title: r.try_get("title")?,
                claimed_rows: r.try_get("claimed_rows")?,
                rows: r.try_get("row_count")?,
                office_verdict: v.as_deref().and_then(Verdict::parse),
            })
        })
        .collect()
}

pub(crate) async fn warnings(pool: &Pool, plan: PlanId) -> Result<Vec<ImportWarning>, StoreError> {
    let rows = sqlx::query(
        "SELECT code, message, location, table_no, row_no FROM import_warnings \
         WHERE plan_id = $1 ORDER BY position",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ImportWarning {
                code: r.try_get("code")?,
                message: r.try_get("message")?,
                location: r.try_get("location")?,
                table_no: r.try_get("table_no")?,
                row_no: r.try_get("row_no")?,
            })
        })
        .collect()
}
