//! Keeping each task's standing row current: which evidence speaks, the machine's reading of
//! it, the office's override and the final verdict. Called inside the transaction of every
//! change that can move it, so a list, a count or a document never reads a stale verdict.

use duban_model::{Target, Verdict};
use duban_standing::{EvidenceSource, Override, decide, judge};
use serde_json::{Map, Value};
use sqlx::Row;

use super::audit::append;
use super::common::{Tx, begin_write};
use super::{KIND, Pool};
use crate::audit::Change;
use crate::verdicts::{OverrideDecision, StandingEvent, cst_date};
use crate::{Backend, PlanId, StandingStep, StoreError, TaskId};

fn verdict(v: Option<String>) -> Option<Verdict> {
    v.as_deref().and_then(Verdict::parse)
}

/// The evidence gathered for one task: the newest round's accepted lead reports.
struct Gathered {
    source: EvidenceSource,
    /// The round's due date, "YYYY-MM-DD".
    due_date: String,
    narrative: String,
    figures: Value,
}

async fn gather(tx: &mut Tx, task: TaskId) -> Result<Option<Gathered>, StoreError> {
    // Only lead units file the task's report; cooperating units' words reach it through the
    // contributions the lead merged. Newest round first; within it, the ledger's unit order.
    let rows = sqlx::query(
        "SELECT r.round_id, ro.name AS round_name, ro.due_date, r.narrative, r.figures_json, \
         r.reviewed_at \
         FROM reports r JOIN rounds ro ON ro.id = r.round_id \
         JOIN task_units tu ON tu.task_id = r.task_id AND tu.unit_id = r.unit_id \
         AND tu.role = 'lead' \
         WHERE r.task_id = $1 AND r.status = 'accepted' \
         ORDER BY ro.due_date DESC, ro.id DESC, tu.position",
    )
    .bind(task)
    .fetch_all(&mut **tx)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let round_id: i64 = first.try_get("round_id")?;
    let round_name: String = first.try_get("round_name")?;
    let due_date: String = first.try_get("due_date")?;
    let mut texts = Vec::new();
    let mut figures = Map::new();
    let mut accepted_at = 0i64;
    for r in rows
        .iter()
        .take_while(|r| r.try_get::<i64, _>("round_id").ok() == Some(round_id))
    {
        let narrative: String = r.try_get("narrative")?;
        if !narrative.trim().is_empty() {
            texts.push(narrative.trim().to_string());
        }
        let f: String = r.try_get("figures_json")?;
        if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(&f) {
            for (k, v) in m {
                // With several lead units, the first in the ledger's order answers a figure.
                figures.entry(k).or_insert(v);
            }
        }
        let at: Option<i64> = r.try_get("reviewed_at")?;
        accepted_at = accepted_at.max(at.unwrap_or(0));
    }
    Ok(Some(Gathered {
        source: EvidenceSource::Report {
            round_id,
            round_name,
            accepted_on: cst_date(accepted_at),
        },
        due_date,
        narrative: texts.join("\n"),
        figures: Value::Object(figures),
    }))
}

/// Recomputes one task's standing from its evidence and writes it, with a history entry and
/// an audit entry when the final verdict, its source or the evidence moved. `decision` says
/// what happens to an override made on other evidence than what now speaks.
pub(crate) async fn refresh(
    tx: &mut Tx,
    task: TaskId,
    decision: OverrideDecision,
    event: StandingEvent,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let Some(t) = sqlx::query(
        "SELECT t.plan_id, t.parent_id, t.text, t.deadline, p.year AS plan_year, t.office_verdict, \
         t.machine_verdict, t.verdict, t.imported_schedule, t.imported_as_of, \
         t.verdict_source, t.evidence_round_id, t.final_verdict, t.override_reason, \
         t.overridden_by, t.overridden_at, t.override_round_id, t.imported_machine_verdict, \
         t.imported_explanation, t.imported_targets_json FROM tasks t \
         JOIN plans p ON p.id = t.plan_id WHERE t.id = $1",
    )
    .bind(task)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Err(StoreError::NotFound("该任务"));
    };
    let plan: i64 = t.try_get("plan_id")?;
    let text: String = t.try_get("text")?;
    let before_final = verdict(t.try_get("verdict")?);
    let before_source: String = t.try_get("verdict_source")?;
    let before_round: Option<i64> = t.try_get("evidence_round_id")?;

    let gathered = gather(tx, task).await?;
    let evidence_round = match &gathered {
        Some(Gathered {
            source: EvidenceSource::Report { round_id, .. },
            ..
        }) => Some(*round_id),
        _ => None,
    };
    let deadline: Option<String> = t.try_get("deadline")?;
    let plan_year = t
        .try_get::<Option<i64>, _>("plan_year")?
        .and_then(|y| i32::try_from(y).ok());
    let (source, machine, targets, explanation, schedule, as_of) = match &gathered {
        Some(g) => {
            // A round speaks for the period its name gives ("2026年10月", "第三季度"), else
            // for its due date; before the task's deadline it is judged as part-year.
            let round_name = match &g.source {
                EvidenceSource::Report { round_name, .. } => round_name.as_str(),
                EvidenceSource::Imported => "",
            };
            let period = duban_standing::round_period(
                round_name,
                &g.due_date,
                deadline.as_deref(),
                plan_year,
            );
            // The office's own milestones, where one is due by then, replace linear time.
            let period = super::milestones::in_period(tx, task, period).await?;
            let j = judge(&text, &g.narrative, &g.figures, period);
            (
                g.source.clone(),
                j.verdict,
                j.targets,
                j.explanation,
                j.schedule.map(|s| s.as_str().to_string()),
                period.map(|p| p.as_of.to_string()),
            )
        }
        // The imported reading was made with the file's own period and is kept as it was.
        None => {
            let targets: Vec<Target> = t
                .try_get::<Option<String>, _>("imported_targets_json")?
                .and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or_default();
            let machine =
                verdict(t.try_get("imported_machine_verdict")?).unwrap_or(Verdict::Qualitative);
            let explanation: Option<String> = t.try_get("imported_explanation")?;
            (
                EvidenceSource::Imported,
                machine,
                targets,
                explanation.unwrap_or_default(),
                t.try_get::<Option<String>, _>("imported_schedule")?,
                t.try_get::<Option<String>, _>("imported_as_of")?,
            )
        }
    };

    // A task split into sub-tasks (分解) stands where its live sub-tasks stand (see
    // `duban_standing::from_children`); its own evidence is still read for its targets.
    let children: Vec<Verdict> = sqlx::query(
        "SELECT verdict FROM tasks WHERE parent_id = $1 AND retired_at IS NULL ORDER BY position",
    )
    .bind(task)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.try_get::<Option<String>, _>("verdict"))
    .collect::<Result<Vec<_>, _>>()?
    .into_iter()
    .map(|v| verdict(v).unwrap_or(Verdict::Qualitative))
    .collect();
    let (machine, explanation) =
        duban_standing::from_children(&children).unwrap_or((machine, explanation));

    // The override, and whether it still speaks for this evidence.
    let mut override_ = match verdict(t.try_get("final_verdict")?) {
        Some(v) => Some(Override {
            verdict: v,
            reason: t
                .try_get::<Option<String>, _>("override_reason")?
                .unwrap_or_default(),
            by: t
                .try_get::<Option<String>, _>("overridden_by")?
                .unwrap_or_default(),
            on: cst_date(t.try_get::<Option<i64>, _>("overridden_at")?.unwrap_or(0)),
        }),
        None => None,
    };
    let anchor: Option<i64> = t.try_get("override_round_id")?;
    let mut override_cleared = false;
    if let Some(o) = &override_
        && anchor != evidence_round
    {
        let keep = match decision {
            OverrideDecision::Keep => true,
            OverrideDecision::Drop => false,
            OverrideDecision::Ask if o.verdict == machine => true,
            OverrideDecision::Ask => {
                return Err(StoreError::OverrideInQuestion {
                    overridden: o.verdict,
                    machine,
                });
            }
        };
        if !keep {
            override_ = None;
            override_cleared = true;
        }
    }
    let d = decide(
        machine,
        verdict(t.try_get("office_verdict")?),
        &source,
        override_.as_ref(),
    );
    let (text_col, figures_col, round_name, accepted_on) = match (&gathered, &source) {
        (
            Some(g),
            EvidenceSource::Report {
                round_name,
                accepted_on,
                ..
            },
        ) => (
            Some(g.narrative.clone()),
            Some(g.figures.to_string()),
            Some(round_name.clone()),
            Some(accepted_on.clone()),
        ),
        _ => (None, None, None, None),
    };
    let mut qb = sqlx::QueryBuilder::<super::Db>::new("UPDATE tasks SET machine_verdict = ");
    qb.push_bind(machine.as_str())
        .push(", explanation = ")
        .push_bind(explanation)
        .push(", targets_json = ")
        .push_bind(serde_json::to_string(&targets)?)
        .push(", verdict = ")
        .push_bind(d.final_verdict.as_str())
        .push(", disputed = ")
        .push_bind(d.disputed)
        .push(", verdict_source = ")
        .push_bind(d.source.as_str())
        .push(", evidence_source = ")
        .push_bind(if gathered.is_some() {
            "report"
        } else {
            "import"
        })
        .push(", evidence_round_id = ")
        .push_bind(evidence_round)
        .push(", evidence_round_name = ")
        .push_bind(round_name)
        .push(", evidence_accepted_on = ")
        .push_bind(accepted_on)
        .push(", evidence_text = ")
        .push_bind(text_col)
        .push(", evidence_figures = ")
        .push_bind(figures_col)
        .push(", schedule = ")
        .push_bind(schedule)
        .push(", evidence_as_of = ")
        .push_bind(as_of);
    if override_cleared {
        qb.push(
            ", final_verdict = NULL, override_reason = NULL, overridden_by = NULL, \
             overridden_at = NULL, override_round_id = NULL",
        );
    } else if override_.is_some() {
        qb.push(", override_round_id = ").push_bind(evidence_round);
    }
    qb.push(" WHERE id = ").push_bind(task);
    qb.build().execute(&mut **tx).await?;

    let moved = before_final != Some(d.final_verdict)
        || before_source != d.source.as_str()
        || before_round != evidence_round
        || matches!(event, StandingEvent::Override);
    // A recount bumps the plan's revision once, itself (see `refresh_plan_in`).
    if moved && event != StandingEvent::Recount {
        sqlx::query("UPDATE plans SET revision = revision + 1 WHERE id = $1")
            .bind(plan)
            .execute(&mut **tx)
            .await?;
    }
    // A recount (bulk load, upgrade) is audited once by its caller, not once per task.
    if moved && event != StandingEvent::Recount {
        let label = source.label_zh();
        sqlx::query(
            "INSERT INTO standing_history (task_id, at, actor, event, evidence_label, \
             final_verdict, verdict_source, machine_verdict) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(task)
        .bind(now)
        .bind(actor)
        .bind(event.as_str())
        .bind(&label)
        .bind(d.final_verdict.as_str())
        .bind(d.source.as_str())
        .bind(machine.as_str())
        .execute(&mut **tx)
        .await?;
        append(
            tx,
            Change {
                actor,
                action: "task.standing",
                entity: "task",
                entity_id: Some(task.to_string()),
                before: Some(serde_json::json!({
                    "verdict": before_final.map(Verdict::as_str),
                    "source": before_source,
                    "evidence_round": before_round,
                })),
                after: Some(serde_json::json!({
                    "verdict": d.final_verdict.as_str(),
                    "source": d.source.as_str(),
                    "evidence_round": evidence_round,
                    "evidence": label,
                    "event": event.as_str(),
                    "override_withdrawn": override_cleared,
                })),
                at: now,
            },
        )
        .await?;
    }
    // The task it was split from stands on its children: judged again with them.
    if let Some(parent) = t.try_get::<Option<i64>, _>("parent_id")? {
        Box::pin(refresh(
            tx,
            TaskId(parent),
            OverrideDecision::Keep,
            event,
            actor,
            now,
        ))
        .await?;
    }
    Ok(())
}

/// How the task's standing moved, oldest first.
pub(crate) async fn history(pool: &Pool, task: TaskId) -> Result<Vec<StandingStep>, StoreError> {
    let rows = sqlx::query(
        "SELECT at, actor, event, evidence_label, final_verdict, verdict_source, \
         machine_verdict FROM standing_history WHERE task_id = $1 ORDER BY id",
    )
    .bind(task)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StandingStep {
                at: crate::time_util::from_unix(r.try_get("at")?),
                actor: r.try_get("actor")?,
                event: StandingEvent::parse(&r.try_get::<String, _>("event")?),
                evidence: r.try_get("evidence_label")?,
                final_verdict: verdict(r.try_get("final_verdict")?),
                source: duban_standing::VerdictSource::parse(
                    &r.try_get::<String, _>("verdict_source")?,
                ),
                machine_verdict: verdict(r.try_get("machine_verdict")?),
            })
        })
        .collect()
}

/// Re-reads every task of a plan that has an accepted lead report (after a bulk load, or on a
/// database written before standings were kept), in one transaction.
pub(crate) async fn refresh_plan(
    pool: &Pool,
    plan: PlanId,
    actor: &str,
    now: i64,
) -> Result<usize, StoreError> {
    let mut tx = begin_write(pool).await?;
    let n = refresh_plan_in(&mut tx, plan, actor, now).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "plan.standings_recount",
            entity: "plan",
            entity_id: Some(plan.to_string()),
            before: None,
            after: Some(serde_json::json!({ "tasks": n })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

pub(crate) async fn refresh_plan_in(
    tx: &mut Tx,
    plan: PlanId,
    actor: &str,
    now: i64,
) -> Result<usize, StoreError> {
    let ids: Vec<i64> = sqlx::query(
        "SELECT t.id FROM tasks t WHERE t.plan_id = $1 AND (t.evidence_source = 'report' OR \
         EXISTS (SELECT 1 FROM reports r JOIN task_units tu ON tu.task_id = r.task_id \
         AND tu.unit_id = r.unit_id AND tu.role = 'lead' \
         WHERE r.task_id = t.id AND r.status = 'accepted')) ORDER BY t.position",
    )
    .bind(plan)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect::<Result<_, _>>()?;
    // Updating one row many times in one transaction costs PostgreSQL more each time (it
    // keeps every version until the end): the plan's revision is bumped once here rather
    // than per task, and its kept counts are rebuilt once after (migration 0026).
    if KIND == Backend::Postgres {
        sqlx::query("SELECT set_config('duban.counts_off', 'on', true)")
            .execute(&mut **tx)
            .await?;
    }
    for id in &ids {
        refresh(
            tx,
            TaskId(*id),
            OverrideDecision::Keep,
            StandingEvent::Recount,
            actor,
            now,
        )
        .await?;
    }
    if KIND == Backend::Postgres {
        sqlx::query("SELECT set_config('duban.counts_off', 'off', true)")
            .execute(&mut **tx)
            .await?;
        rebuild_counts(tx, plan).await?;
    }
    sqlx::query("UPDATE plans SET revision = revision + 1 WHERE id = $1")
        .bind(plan)
        .execute(&mut **tx)
        .await?;
    Ok(ids.len())
}

/// Counts the plan's kept overview counts (migration 0023) afresh, as the migration first
/// filled them.
async fn rebuild_counts(tx: &mut Tx, plan: PlanId) -> Result<(), StoreError> {
    // Writers changing other tasks meanwhile wait for this transaction before applying their
    // own changes to the counts, so none is counted twice or lost.
    sqlx::query(
        "LOCK TABLE plan_section_counts, plan_lead_counts, plan_leader_counts IN EXCLUSIVE MODE",
    )
    .execute(&mut **tx)
    .await?;
    for sql in [
        "DELETE FROM plan_section_counts WHERE plan_id = $1",
        "DELETE FROM plan_lead_counts WHERE plan_id = $1",
        "DELETE FROM plan_leader_counts WHERE plan_id = $1",
        "INSERT INTO plan_section_counts (plan_id, section, verdict, disputed, n) \
         SELECT plan_id, CASE WHEN section IS NULL THEN '' ELSE '#' || section END, \
         COALESCE(verdict, ''), disputed, COUNT(*) FROM tasks \
         WHERE plan_id = $1 AND retired_at IS NULL GROUP BY 1, 2, 3, 4",
        "INSERT INTO plan_lead_counts (plan_id, unit_id, verdict, n) \
         SELECT t.plan_id, tu.unit_id, COALESCE(t.verdict, ''), COUNT(*) \
         FROM task_units tu JOIN tasks t ON t.id = tu.task_id \
         WHERE t.plan_id = $1 AND tu.role = 'lead' AND t.retired_at IS NULL GROUP BY 1, 2, 3",
        "INSERT INTO plan_leader_counts (plan_id, leader, n) \
         SELECT plan_id, leader, COUNT(*) FROM tasks WHERE plan_id = $1 \
         AND retired_at IS NULL AND leader IS NOT NULL AND leader <> '' GROUP BY 1, 2",
    ] {
        sqlx::query(sql).bind(plan).execute(&mut **tx).await?;
    }
    Ok(())
}
