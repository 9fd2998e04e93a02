use std::collections::HashMap;

use duban_model::{Ledger, SourceFormat, Table, Target, Task, UnitRef, Verdict};
use sqlx::Row;

use super::Pool;
use crate::units::parse_aliases;
use crate::{PlanId, StoreError};

fn verdict(v: Option<String>) -> Option<Verdict> {
    v.as_deref().and_then(Verdict::parse)
}

fn to_usize(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

pub(crate) async fn plan_ledger(pool: &Pool, plan: PlanId) -> Result<Ledger, StoreError> {
    let Some(p) = sqlx::query(
        "SELECT source_name, source_format, title, claimed_total, issuer FROM plans WHERE id = $1",
    )
    .bind(plan)
    .fetch_optional(pool)
    .await?
    else {
        return Err(StoreError::NotFound("该计划"));
    };
    let format = match p.try_get::<String, _>("source_format")?.as_str() {
        "docx" => SourceFormat::Docx,
        "xlsx" => SourceFormat::Xlsx,
        "xls" => SourceFormat::Xls,
        _ => SourceFormat::Txt,
    };
    let mut ledger = Ledger::new(p.try_get::<String, _>("source_name")?, format);
    ledger.title = p.try_get("title")?;
    ledger.issuer = p.try_get("issuer")?;
    ledger.claimed_total = p
        .try_get::<Option<i64>, _>("claimed_total")?
        .and_then(|n| u32::try_from(n).ok());

    for r in sqlx::query(
        "SELECT table_no, label, title, claimed_rows, row_count, office_verdict \
         FROM plan_tables WHERE plan_id = $1 ORDER BY table_no",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?
    {
        ledger.tables.push(Table {
            index: to_usize(r.try_get("table_no")?),
            label: r.try_get("label")?,
            title: r.try_get("title")?,
            claimed_rows: r
                .try_get::<Option<i64>, _>("claimed_rows")?
                .and_then(|n| u32::try_from(n).ok()),
            rows: to_usize(r.try_get("row_count")?),
            office_verdict: verdict(r.try_get("office_verdict")?),
            as_of: None,
        });
    }

    let mut index: HashMap<i64, usize> = HashMap::new();
    for r in sqlx::query(
        "SELECT id, table_no, row_no, section, text, progress, progress_label, leader, \
         deadline, status_text, verdict, verdict_source, machine_verdict, override_reason, \
         explanation, targets_json, evidence_text, evidence_round_name, evidence_accepted_on, \
         closed_on \
         FROM tasks WHERE plan_id = $1 AND retired_at IS NULL ORDER BY position",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?
    {
        let text: String = r.try_get("text")?;
        let mut t = Task::new(
            to_usize(r.try_get("table_no")?),
            u32::try_from(r.try_get::<i64, _>("row_no")?).unwrap_or(0),
            text,
        );
        t.section = r.try_get("section")?;
        t.leader = r.try_get("leader")?;
        t.deadline = r.try_get("deadline")?;
        t.status_text = r.try_get("status_text")?;
        t.closed_on = r.try_get("closed_on")?;
        // The standing: the evidence that speaks (an accepted report, else the imported
        // text), the machine's reading of exactly that text (spans included), and the
        // office's word where it is the final one.
        let evidence: Option<String> = r.try_get("evidence_text")?;
        match evidence {
            Some(text) => {
                let round: Option<String> = r.try_get("evidence_round_name")?;
                let on: Option<String> = r.try_get("evidence_accepted_on")?;
                t.progress = text;
                t.progress_label = Some(format!(
                    "{}填报（{}审核通过）",
                    round.unwrap_or_default(),
                    on.unwrap_or_default()
                ));
            }
            None => {
                t.progress = r.try_get("progress")?;
                t.progress_label = r.try_get("progress_label")?;
            }
        }
        let source: String = r.try_get("verdict_source")?;
        t.verdict = verdict(r.try_get("machine_verdict")?);
        t.office_verdict = match source.as_str() {
            "override" | "office" => verdict(r.try_get("verdict")?),
            _ => None,
        };
        let explanation: Option<String> = r.try_get("explanation")?;
        t.explanation = match (
            source.as_str(),
            r.try_get::<Option<String>, _>("override_reason")?,
        ) {
            ("override", Some(reason)) => Some(format!(
                "督查办改判：{reason}（机器判断：{}）",
                explanation.unwrap_or_default()
            )),
            _ => explanation,
        };
        let targets: String = r.try_get("targets_json")?;
        t.targets = serde_json::from_str::<Vec<Target>>(&targets).unwrap_or_default();
        index.insert(r.try_get("id")?, ledger.tasks.len());
        ledger.tasks.push(t);
    }

    for (task, m) in super::milestones::of_plan(pool, plan).await? {
        if let Some(&i) = index.get(&task) {
            ledger.tasks[i].milestones.push(m);
        }
    }

    // Units and groups of every task, in their ledger order.
    let links = sqlx::query(
        "SELECT tu.task_id, tu.role, tu.position, u.name, u.aliases FROM task_units tu \
         JOIN units u ON u.id = tu.unit_id WHERE tu.plan_id = $1 \
         UNION ALL SELECT g.task_id, g.role, g.position + 1000000, g.name, NULL \
         FROM task_groups g JOIN tasks gt ON gt.id = g.task_id WHERE gt.plan_id = $1 \
         ORDER BY 1, 2, 3",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?;
    for r in &links {
        let task: i64 = r.try_get("task_id")?;
        let Some(&i) = index.get(&task) else { continue };
        let role: String = r.try_get("role")?;
        let name: String = r.try_get("name")?;
        let t = &mut ledger.tasks[i];
        match r.try_get::<Option<String>, _>("aliases")? {
            Some(aliases) => {
                let u = UnitRef {
                    name: name.clone(),
                    aliases: parse_aliases(&aliases),
                };
                if role == "lead" {
                    t.lead_units.push(u);
                } else {
                    t.coop_units.push(u);
                }
            }
            None if role == "lead" => t.lead_groups.push(name),
            None => t.coop_groups.push(name),
        }
    }
    Ok(ledger)
}
