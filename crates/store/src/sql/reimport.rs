//! A plan updated from a newer version of its ledger file, in one transaction: tasks found
//! again keep their id, reports, override and history; their text, units and imported
//! reading are replaced; new tasks are added after the others; tasks the file no longer
//! lists are kept (they may carry a year of reports) and counted.

use std::collections::HashMap;

use duban_model::{Ledger, Verdict};
use sqlx::Row;

use super::Pool;
use super::audit::append;
use super::common::begin_write;
use super::plans::{insert_links, insert_tables, insert_tasks, insert_warnings, resolve_units};
use crate::audit::Change;
use crate::reimport::ReimportSummary;
use crate::{OverrideDecision, PlanId, StandingEvent, StoreError, TaskId};

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) async fn reimport(
    pool: &Pool,
    plan: PlanId,
    ledger: &Ledger,
    source_name: &str,
    sha256: &str,
    actor: &str,
    now: i64,
) -> Result<ReimportSummary, StoreError> {
    let mut tx = begin_write(pool).await?;
    if sqlx::query("SELECT id FROM plans WHERE id = $1")
        .bind(plan)
        .fetch_optional(&mut **tx)
        .await?
        .is_none()
    {
        return Err(StoreError::NotFound("该计划"));
    }
    if let Some(r) = sqlx::query("SELECT id, name FROM plans WHERE source_sha256 = $1")
        .bind(sha256)
        .fetch_optional(&mut **tx)
        .await?
    {
        return Err(StoreError::DuplicateImport {
            plan: PlanId(r.try_get("id")?),
            plan_name: r.try_get("name")?,
        });
    }

    // Existing tasks, found again by their text first (a row may have moved), then by
    // their place in the file.
    let rows = sqlx::query(
        "SELECT id, table_no, row_no, text, position FROM tasks WHERE plan_id = $1 \
         ORDER BY position",
    )
    .bind(plan)
    .fetch_all(&mut **tx)
    .await?;
    let mut by_text: HashMap<String, usize> = HashMap::new();
    let mut by_place: HashMap<(i64, i64), usize> = HashMap::new();
    let mut existing: Vec<(i64, i64)> = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let text: String = r.try_get("text")?;
        by_text.entry(text.trim().to_string()).or_insert(i);
        by_place.insert((r.try_get("table_no")?, r.try_get("row_no")?), i);
        existing.push((r.try_get("id")?, r.try_get("position")?));
    }
    let mut taken = vec![false; existing.len()];
    let mut matched: Vec<(usize, usize)> = Vec::new();
    let mut fresh: Vec<usize> = Vec::new();
    for (i, t) in ledger.tasks.iter().enumerate() {
        let hit = by_text
            .get(t.text.trim())
            .copied()
            .filter(|e| !taken[*e])
            .or_else(|| {
                by_place
                    .get(&(to_i64(t.table), i64::from(t.row)))
                    .copied()
                    .filter(|e| !taken[*e])
            });
        match hit {
            Some(e) => {
                taken[e] = true;
                matched.push((i, e));
            }
            None => fresh.push(i),
        }
    }

    let (unit_ids, new_units) = resolve_units(&mut tx, ledger, now).await?;
    for &(i, e) in &matched {
        let t = &ledger.tasks[i];
        let id = existing[e].0;
        sqlx::query(
            "UPDATE tasks SET table_no = $1, row_no = $2, section = $3, text = $4, \
             progress = $5, progress_label = $6, leader = $7, deadline = $8, status_text = $9, \
             office_verdict = $10, imported_machine_verdict = $11, imported_explanation = $12, \
             imported_targets_json = $13, imported_schedule = $14, imported_as_of = $15 \
             WHERE id = $16",
        )
        .bind(to_i64(t.table))
        .bind(i64::from(t.row))
        .bind(t.section.clone())
        .bind(t.text.clone())
        .bind(t.progress.clone())
        .bind(t.progress_label.clone())
        .bind(t.leader.clone())
        .bind(t.deadline.clone())
        .bind(t.status_text.clone())
        .bind(t.office_verdict.map(Verdict::as_str))
        .bind(t.verdict.map(Verdict::as_str))
        .bind(t.explanation.clone())
        .bind(serde_json::to_string(&t.targets)?)
        .bind(t.schedule.map(|s| s.as_str()))
        .bind(ledger.as_of.map(|d| d.to_string()))
        .bind(id)
        .execute(&mut **tx)
        .await?;
        // A file with milestones for the task replaces its milestones; one without (no such
        // column) leaves the office's own.
        if !t.milestones.is_empty() {
            super::milestones::write_imported(&mut tx, id, &t.milestones, true).await?;
        }
        sqlx::query("DELETE FROM task_units WHERE task_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM task_groups WHERE task_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    let updated: Vec<i64> = matched.iter().map(|(_, e)| existing[*e].0).collect();
    super::search::index_tasks(&mut tx, &updated).await?;
    let mut again = Ledger::new(ledger.source.clone(), ledger.format);
    again.tasks = matched
        .iter()
        .map(|(i, _)| ledger.tasks[*i].clone())
        .collect();
    let again_ids: Vec<i64> = matched.iter().map(|(_, e)| existing[*e].0).collect();
    let again_positions: Vec<i64> = matched.iter().map(|(_, e)| existing[*e].1).collect();
    insert_links(
        &mut tx,
        plan,
        &again,
        &again_ids,
        &again_positions,
        &unit_ids,
    )
    .await?;

    // New tasks after the last position in use.
    let last = existing.iter().map(|(_, p)| *p).max().unwrap_or(0);
    let mut added = Ledger::new(ledger.source.clone(), ledger.format);
    added.as_of = ledger.as_of;
    added.tasks = fresh.iter().map(|i| ledger.tasks[*i].clone()).collect();
    let after = usize::try_from(last).unwrap_or(0);
    let added_ids = insert_tasks(&mut tx, plan, &added, after).await?;
    let added_positions: Vec<i64> = (1..=to_i64(added_ids.len())).map(|k| last + k).collect();
    insert_links(
        &mut tx,
        plan,
        &added,
        &added_ids,
        &added_positions,
        &unit_ids,
    )
    .await?;

    // The file's tables and warnings replace the old file's.
    sqlx::query("DELETE FROM plan_tables WHERE plan_id = $1")
        .bind(plan)
        .execute(&mut **tx)
        .await?;
    insert_tables(&mut tx, plan, ledger).await?;
    sqlx::query("DELETE FROM import_warnings WHERE plan_id = $1")
        .bind(plan)
        .execute(&mut **tx)
        .await?;
    insert_warnings(&mut tx, plan, ledger).await?;
    sqlx::query(
        "UPDATE plans SET source_name = $1, source_format = $2, source_sha256 = $3, \
         title = COALESCE($4, title), claimed_total = $5, revision = revision + 1 WHERE id = $6",
    )
    .bind(source_name)
    .bind(ledger.format.as_str())
    .bind(sha256)
    .bind(ledger.title.clone())
    .bind(ledger.claimed_total.map(i64::from))
    .bind(plan)
    .execute(&mut **tx)
    .await?;

    // Every task found again is judged anew on its evidence; an override stays the last
    // word where the evidence it was made on still speaks.
    let mut overrides_kept = 0usize;
    for id in &again_ids {
        super::verdicts::refresh(
            &mut tx,
            TaskId(*id),
            OverrideDecision::Keep,
            StandingEvent::Recount,
            actor,
            now,
        )
        .await?;
        let o: Option<String> = sqlx::query("SELECT final_verdict FROM tasks WHERE id = $1")
            .bind(*id)
            .fetch_one(&mut **tx)
            .await?
            .try_get("final_verdict")?;
        overrides_kept += usize::from(o.is_some());
    }
    let summary = ReimportSummary {
        updated: matched.len(),
        added: fresh.len(),
        kept_unlisted: existing.len() - matched.len(),
        overrides_kept,
        new_units,
    };
    append(
        &mut tx,
        Change {
            actor,
            action: "plan.reimport",
            entity: "plan",
            entity_id: Some(plan.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "source_name": source_name,
                "source_sha256": sha256,
                "updated": summary.updated,
                "added": summary.added,
                "kept_unlisted": summary.kept_unlisted,
                "overrides_kept": summary.overrides_kept,
                "new_units": new_units,
            })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    super::common::refresh_statistics(pool).await;
    Ok(summary)
}
