use std::collections::HashMap;

use duban_model::{Target, Verdict};
use duban_standing::{EvidenceSource, VerdictSource};
use sqlx::{QueryBuilder, Row};

use super::audit::append;
use super::common::begin_write;
use super::{Db, KIND, Pool};
use crate::audit::Change;
use crate::units::parse_aliases;
use crate::{
    Overview, PlanId, Scope, SectionCounts, StoreError, TaskDetail, TaskFilter, TaskId,
    TaskSummary, UnitCounts, UnitId, UnitLink, VerdictCounts,
};

type DbRow = <Db as sqlx::Database>::Row;

pub(crate) const SUMMARY_COLUMNS: &str = "t.id, t.plan_id, t.position, t.table_no, t.row_no, t.section, \
     t.text, t.deadline, t.verdict, t.office_verdict, t.machine_verdict, t.disputed, \
     t.verdict_source, t.closed_on";

fn verdict(row: &DbRow, col: &str) -> Result<Option<Verdict>, sqlx::Error> {
    let v: Option<String> = row.try_get(col)?;
    Ok(v.as_deref().and_then(Verdict::parse))
}

pub(crate) fn summary_from_row(row: &DbRow) -> Result<TaskSummary, sqlx::Error> {
    Ok(TaskSummary {
        id: TaskId(row.try_get("id")?),
        plan_id: PlanId(row.try_get("plan_id")?),
        position: row.try_get("position")?,
        table: row.try_get("table_no")?,
        row: row.try_get("row_no")?,
        section: row.try_get("section")?,
        text: row.try_get("text")?,
        lead_units: Vec::new(),
        coop_units: Vec::new(),
        lead_groups: Vec::new(),
        coop_groups: Vec::new(),
        deadline: row.try_get("deadline")?,
        verdict: verdict(row, "verdict")?,
        office_verdict: verdict(row, "office_verdict")?,
        machine_verdict: verdict(row, "machine_verdict")?,
        disputed: row.try_get("disputed")?,
        verdict_source: VerdictSource::parse(&row.try_get::<String, _>("verdict_source")?)
            .unwrap_or(VerdictSource::Machine),
        closed_on: row.try_get("closed_on")?,
    })
}

/// Restricts `t` (tasks) to a scope. `IN` lets the planner start from the unit's links when
/// that is the smaller side.
fn push_scope(qb: &mut QueryBuilder<Db>, scope: &Scope) {
    if let Scope::Unit(u) = scope {
        qb.push(" AND t.id IN (SELECT s.task_id FROM task_units s WHERE s.unit_id = ");
        qb.push_bind(*u);
        qb.push(")");
    }
}

/// Restricts ONE task row `{col}` to a scope. For a single task a probe of its own links
/// beats `IN`, which SQLite answers by first copying all of a unit's links (a thousand rows
/// for a busy unit) into a temporary index, on every page a unit user opens.
pub(crate) fn push_scope_one(qb: &mut QueryBuilder<Db>, col: &'static str, scope: &Scope) {
    if let Scope::Unit(u) = scope {
        qb.push(" AND EXISTS (SELECT 1 FROM task_units s WHERE s.task_id = ");
        qb.push(col);
        qb.push(" AND s.unit_id = ");
        qb.push_bind(*u);
        qb.push(")");
    }
}

fn push_where(qb: &mut QueryBuilder<Db>, plan: PlanId, f: &TaskFilter, scope: &Scope) {
    // When a unit narrows the set, its few hundred links are the cheap place to start; the
    // unary plus keeps SQLite from scanning the plan's index instead (PostgreSQL plans this
    // well by itself, where the plus would only hide the index).
    let by_unit = KIND == crate::Backend::Sqlite
        && (f.lead_unit.is_some() || f.unit.is_some() || matches!(scope, Scope::Unit(_)));
    qb.push(if by_unit {
        " WHERE +t.plan_id = "
    } else {
        " WHERE t.plan_id = "
    });
    qb.push_bind(plan);
    // A retired task keeps its record but leaves lists and counts unless asked for.
    qb.push(if f.retired {
        " AND t.retired_at IS NOT NULL"
    } else {
        " AND t.retired_at IS NULL"
    });
    if let Some(s) = &f.section {
        qb.push(" AND t.section = ");
        qb.push_bind(s.clone());
    }
    if let Some(u) = f.lead_unit {
        qb.push(
            " AND t.id IN (SELECT l.task_id FROM task_units l WHERE l.role = 'lead' AND \
             l.unit_id = ",
        );
        qb.push_bind(u);
        qb.push(")");
    }
    if let Some(u) = f.unit {
        qb.push(" AND t.id IN (SELECT a.task_id FROM task_units a WHERE a.unit_id = ");
        qb.push_bind(u);
        qb.push(")");
    }
    if let Some(v) = f.verdict {
        qb.push(" AND t.verdict = ");
        qb.push_bind(v.as_str());
    }
    if let Some(d) = f.disputed {
        qb.push(" AND t.disputed = ");
        qb.push_bind(d);
    }
    if let Some(l) = &f.leader {
        qb.push(" AND t.leader = ");
        qb.push_bind(l.clone());
    }
    if let Some(c) = &f.light {
        // The kept lights (migration 0020), indexed by (plan, color).
        qb.push(" AND t.id IN (SELECT k.task_id FROM task_lights k WHERE k.plan_id = ");
        qb.push_bind(plan);
        qb.push(" AND k.color = ");
        qb.push_bind(c.clone());
        qb.push(")");
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        super::search::push_text_filter(qb, q);
    }
    push_scope(qb, scope);
}

/// The unit when a list is narrowed by exactly one unit and nothing else, and whether only
/// the tasks it leads count.
fn only_unit(f: &TaskFilter, scope: &Scope) -> Option<(UnitId, bool)> {
    let q_empty = f.q.as_deref().is_none_or(|q| q.trim().is_empty());
    if f.section.is_some()
        || f.verdict.is_some()
        || f.disputed.is_some()
        || f.leader.is_some()
        || f.light.is_some()
        || f.retired
        || !q_empty
    {
        return None;
    }
    match (scope, f.lead_unit, f.unit) {
        (Scope::All, Some(u), None) => Some((u, true)),
        (Scope::All, None, Some(u)) => Some((u, false)),
        (Scope::Unit(u), None, None) => Some((*u, false)),
        _ => None,
    }
}

pub(crate) async fn count(
    pool: &Pool,
    plan: PlanId,
    f: &TaskFilter,
    scope: &Scope,
) -> Result<i64, StoreError> {
    let mut count: QueryBuilder<Db> = QueryBuilder::new("SELECT COUNT(*) AS n FROM tasks t");
    push_where(&mut count, plan, f, scope);
    Ok(count.build().fetch_one(pool).await?.try_get("n")?)
}

pub(crate) async fn page(
    pool: &Pool,
    plan: PlanId,
    f: &TaskFilter,
    scope: &Scope,
) -> Result<Vec<TaskSummary>, StoreError> {
    let limit = i64::from(f.limit.clamp(1, 500));
    let offset = i64::from(f.offset);
    let mut qb: QueryBuilder<Db> = QueryBuilder::new("SELECT ");
    qb.push(SUMMARY_COLUMNS);
    qb.push(" FROM tasks t");
    match only_unit(f, scope) {
        // The page is cut from the unit's links in document order, so only the rows shown
        // are read; sorting all of a busy unit's task rows cost several milliseconds.
        Some((unit, lead_only)) => {
            qb.push(
                " WHERE t.id IN (SELECT s.task_id FROM task_units s JOIN tasks r ON \
                 r.id = s.task_id AND r.retired_at IS NULL WHERE s.unit_id = ",
            );
            qb.push_bind(unit);
            qb.push(" AND s.plan_id = ");
            qb.push_bind(plan);
            if lead_only {
                qb.push(" AND s.role = 'lead'");
            }
            // (task, unit) is unique (see the import), so the index order is the page order.
            qb.push(" ORDER BY s.task_position LIMIT ");
            qb.push_bind(limit);
            qb.push(" OFFSET ");
            qb.push_bind(offset);
            qb.push(") ORDER BY t.position");
        }
        None => {
            push_where(&mut qb, plan, f, scope);
            qb.push(" ORDER BY t.position LIMIT ");
            qb.push_bind(limit);
            qb.push(" OFFSET ");
            qb.push_bind(offset);
        }
    }
    let rows = qb.build().fetch_all(pool).await?;
    let mut tasks = rows
        .iter()
        .map(summary_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    fill_units(pool, &mut tasks).await?;
    Ok(tasks)
}

type Links = HashMap<i64, (Vec<UnitLink>, Vec<UnitLink>)>;
type Groups = HashMap<i64, (Vec<String>, Vec<String>)>;

/// The units and group placeholders of a page of tasks, in one round trip.
async fn links_for(pool: &Pool, ids: &[i64]) -> Result<(Links, Groups), StoreError> {
    let mut links: Links = HashMap::new();
    let mut groups: Groups = HashMap::new();
    if ids.is_empty() {
        return Ok((links, groups));
    }
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT tu.task_id, tu.role, tu.position, u.id AS unit_id, u.name, u.aliases \
         FROM task_units tu JOIN units u ON u.id = tu.unit_id WHERE tu.task_id IN (",
    );
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    qb.push(
        ") UNION ALL SELECT g.task_id, g.role, g.position, NULL, g.name, NULL \
         FROM task_groups g WHERE g.task_id IN (",
    );
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    qb.push(") ORDER BY 1, 2, 3");
    for r in qb.build().fetch_all(pool).await? {
        let task: i64 = r.try_get("task_id")?;
        let role: String = r.try_get("role")?;
        let lead = role == "lead";
        let name: String = r.try_get("name")?;
        match r.try_get::<Option<i64>, _>("unit_id")? {
            Some(id) => {
                let aliases: Option<String> = r.try_get("aliases")?;
                let link = UnitLink {
                    id: UnitId(id),
                    name,
                    aliases: aliases.as_deref().map(parse_aliases).unwrap_or_default(),
                };
                let entry = links.entry(task).or_default();
                if lead {
                    entry.0.push(link);
                } else {
                    entry.1.push(link);
                }
            }
            None => {
                let entry = groups.entry(task).or_default();
                if lead {
                    entry.0.push(name);
                } else {
                    entry.1.push(name);
                }
            }
        }
    }
    Ok((links, groups))
}

pub(crate) async fn fill_units(
    pool: &Pool,
    tasks: &mut [TaskSummary],
) -> Result<Links, StoreError> {
    let ids: Vec<i64> = tasks.iter().map(|t| t.id.0).collect();
    let (links, mut groups) = links_for(pool, &ids).await?;
    for t in tasks.iter_mut() {
        if let Some((lead, coop)) = links.get(&t.id.0) {
            t.lead_units = lead.iter().map(|u| u.name.clone()).collect();
            t.coop_units = coop.iter().map(|u| u.name.clone()).collect();
        }
        if let Some((lead, coop)) = groups.remove(&t.id.0) {
            t.lead_groups = lead;
            t.coop_groups = coop;
        }
    }
    Ok(links)
}

pub(crate) async fn in_scope(pool: &Pool, id: TaskId, scope: &Scope) -> Result<bool, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new("SELECT t.id FROM tasks t WHERE t.id = ");
    qb.push_bind(id);
    push_scope_one(&mut qb, "t.id", scope);
    Ok(qb.build().fetch_optional(pool).await?.is_some())
}

pub(crate) async fn detail(
    pool: &Pool,
    id: TaskId,
    scope: &Scope,
) -> Result<Option<TaskDetail>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new("SELECT ");
    qb.push(SUMMARY_COLUMNS);
    qb.push(
        ", t.progress, t.progress_label, t.leader, t.status_text, t.explanation, \
         t.targets_json, t.final_verdict, t.override_reason, t.overridden_by, \
         t.overridden_at, t.evidence_round_id, t.evidence_round_name, t.evidence_accepted_on, \
         t.evidence_text, t.evidence_figures, t.imported_machine_verdict, t.evidence_as_of, \
         t.schedule, pt.label, pl.year AS plan_year, t.retired_at, t.retired_by, \
         t.retire_reason, t.parent_id \
         FROM tasks t JOIN plans pl ON pl.id = t.plan_id \
         LEFT JOIN plan_tables pt ON pt.plan_id = t.plan_id AND \
         pt.table_no = t.table_no WHERE t.id = ",
    );
    qb.push_bind(id);
    push_scope_one(&mut qb, "t.id", scope);
    let Some(row) = qb.build().fetch_optional(pool).await? else {
        return Ok(None);
    };
    let mut summary = [summary_from_row(&row)?];
    let mut links = fill_units(pool, &mut summary).await?;
    let [summary] = summary;
    let (lead, coop) = links.remove(&id.0).unwrap_or_default();
    let targets_json: String = row.try_get("targets_json")?;
    // A target list this crate wrote always parses; an unreadable one (hand edit) shows as
    // no targets rather than hiding the task.
    let targets: Vec<Target> = serde_json::from_str(&targets_json).unwrap_or_default();
    Ok(Some(TaskDetail {
        summary,
        table_label: row.try_get("label")?,
        progress: row.try_get("progress")?,
        progress_label: row.try_get("progress_label")?,
        leader: row.try_get("leader")?,
        status_text: row.try_get("status_text")?,
        explanation: row.try_get("explanation")?,
        targets,
        lead,
        coop,
        final_verdict: verdict(&row, "final_verdict")?,
        override_reason: row.try_get("override_reason")?,
        overridden_by: row.try_get("overridden_by")?,
        overridden_at: crate::time_util::from_unix_opt(row.try_get("overridden_at")?),
        evidence: match (
            row.try_get::<Option<i64>, _>("evidence_round_id")?,
            row.try_get::<Option<String>, _>("evidence_round_name")?,
        ) {
            (Some(round_id), Some(round_name)) => EvidenceSource::Report {
                round_id,
                round_name,
                accepted_on: row
                    .try_get::<Option<String>, _>("evidence_accepted_on")?
                    .unwrap_or_default(),
            },
            _ => EvidenceSource::Imported,
        },
        evidence_text: row.try_get("evidence_text")?,
        evidence_figures: row
            .try_get::<Option<String>, _>("evidence_figures")?
            .and_then(|f| serde_json::from_str(&f).ok())
            .unwrap_or(serde_json::Value::Null),
        imported_machine_verdict: verdict(&row, "imported_machine_verdict")?,
        evidence_as_of: row.try_get("evidence_as_of")?,
        plan_year: row
            .try_get::<Option<i64>, _>("plan_year")?
            .and_then(|y| i32::try_from(y).ok()),
        schedule: row
            .try_get::<Option<String>, _>("schedule")?
            .as_deref()
            .and_then(duban_model::Schedule::parse),
        retired_at: crate::time_util::from_unix_opt(row.try_get("retired_at")?),
        retired_by: row.try_get("retired_by")?,
        retire_reason: row.try_get("retire_reason")?,
        parent_id: row.try_get::<Option<i64>, _>("parent_id")?.map(TaskId),
    }))
}

pub(crate) async fn overview(
    pool: &Pool,
    plan: PlanId,
    scope: &Scope,
) -> Result<Overview, StoreError> {
    if matches!(scope, Scope::All) {
        return overview_kept(pool, plan).await;
    }
    overview_scan(pool, plan, scope).await
}

/// The overview counted from every task in scope: a unit's own tasks, or the recount the
/// kept counts must equal.
pub(crate) async fn overview_scan(
    pool: &Pool,
    plan: PlanId,
    scope: &Scope,
) -> Result<Overview, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT t.section, t.verdict, t.disputed, COUNT(*) AS n, MIN(t.position) AS first \
         FROM tasks t WHERE ",
    );
    // As in `push_where`: start from the unit's links when there is a unit.
    qb.push(match (KIND, scope) {
        (crate::Backend::Sqlite, Scope::Unit(_)) => "+t.plan_id = ",
        _ => "t.plan_id = ",
    });
    qb.push_bind(plan);
    qb.push(" AND t.retired_at IS NULL");
    push_scope(&mut qb, scope);
    qb.push(" GROUP BY t.section, t.verdict, t.disputed");
    let mut groups = Vec::new();
    for r in qb.build().fetch_all(pool).await? {
        groups.push(Group {
            section: r.try_get("section")?,
            verdict: verdict(&r, "verdict")?,
            disputed: r.try_get("disputed")?,
            n: r.try_get("n")?,
            first: r.try_get("first")?,
        });
    }

    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT tu.unit_id, u.name, t.verdict, COUNT(*) AS n FROM task_units tu \
         JOIN tasks t ON t.id = tu.task_id JOIN units u ON u.id = tu.unit_id \
         WHERE tu.role = 'lead' AND t.retired_at IS NULL AND t.plan_id = ",
    );
    qb.push_bind(plan);
    push_scope(&mut qb, scope);
    qb.push(" GROUP BY tu.unit_id, u.name, t.verdict");
    let mut leads = Vec::new();
    for r in qb.build().fetch_all(pool).await? {
        leads.push(Lead {
            unit: UnitId(r.try_get("unit_id")?),
            name: r.try_get("name")?,
            verdict: verdict(&r, "verdict")?,
            n: r.try_get("n")?,
        });
    }
    Ok(assemble_overview(plan, groups, leads))
}

/// The office's overview from the counts kept by the triggers of migration 0023: a few
/// hundred rows whatever the plan's size, so the first view after a change costs what the
/// second does.
async fn overview_kept(pool: &Pool, plan: PlanId) -> Result<Overview, StoreError> {
    let order = section_order(pool, plan).await?;
    let mut groups = Vec::new();
    for r in sqlx::query(
        "SELECT section, verdict, disputed, n FROM plan_section_counts \
         WHERE plan_id = $1 AND n > 0",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?
    {
        let section = kept_section(r.try_get("section")?);
        groups.push(Group {
            first: order
                .iter()
                .position(|s| *s == section)
                .unwrap_or(order.len()) as i64,
            section,
            verdict: kept_verdict(r.try_get("verdict")?),
            disputed: r.try_get("disputed")?,
            n: r.try_get("n")?,
        });
    }
    let mut leads = Vec::new();
    for r in sqlx::query(
        "SELECT c.unit_id, u.name, c.verdict, c.n FROM plan_lead_counts c \
         JOIN units u ON u.id = c.unit_id WHERE c.plan_id = $1 AND c.n > 0",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?
    {
        leads.push(Lead {
            unit: UnitId(r.try_get("unit_id")?),
            name: r.try_get("name")?,
            verdict: kept_verdict(r.try_get("verdict")?),
            n: r.try_get("n")?,
        });
    }
    Ok(assemble_overview(plan, groups, leads))
}

/// The plan's sections (`None`: tasks without one) in document order: the kept counts name
/// them, and each one's first live task, found by the (plan, section, position) index, places
/// it — a probe per section, not a scan of the plan.
async fn section_order(pool: &Pool, plan: PlanId) -> Result<Vec<Option<String>>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.section, CASE WHEN s.section = '' THEN \
           (SELECT t.position FROM tasks t WHERE t.plan_id = $1 AND t.section IS NULL \
            AND t.retired_at IS NULL ORDER BY t.position LIMIT 1) \
         ELSE (SELECT t.position FROM tasks t WHERE t.plan_id = $1 \
            AND t.section = substr(s.section, 2) AND t.retired_at IS NULL \
            ORDER BY t.position LIMIT 1) END AS first \
         FROM (SELECT DISTINCT section FROM plan_section_counts \
               WHERE plan_id = $1 AND n > 0) s ORDER BY first",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok(kept_section(r.try_get("section")?)))
        .collect()
}

/// The total of a filter `crate::tasks::kept_countable` accepts, summed from the kept counts: a few rows however
/// many tasks match, where counting the matches visited each (60 ms for 39,000 at 200,000
/// tasks, after every change).
pub(crate) async fn count_kept(
    pool: &Pool,
    plan: PlanId,
    f: &TaskFilter,
) -> Result<i64, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM plan_section_counts WHERE plan_id = ",
    );
    qb.push_bind(plan);
    if let Some(s) = &f.section {
        qb.push(" AND section = ").push_bind(format!("#{s}"));
    }
    if let Some(v) = f.verdict {
        qb.push(" AND verdict = ").push_bind(v.as_str());
    }
    if let Some(d) = f.disputed {
        qb.push(" AND disputed = ").push_bind(d);
    }
    Ok(qb.build().fetch_one(pool).await?.try_get("n")?)
}

/// The filter choices counted from every task (the recount the kept ones must equal).
pub(crate) async fn choices_scan(
    pool: &Pool,
    plan: PlanId,
) -> Result<crate::FilterChoices, StoreError> {
    let sections = sqlx::query(
        "SELECT section, MIN(position) AS first FROM tasks WHERE plan_id = $1 AND retired_at IS NULL \
         AND section IS NOT NULL GROUP BY section ORDER BY first",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| r.try_get("section"))
    .collect::<Result<Vec<String>, _>>()?;
    let lead_units = sqlx::query(
        "SELECT u.id, u.name FROM units u WHERE EXISTS (SELECT 1 FROM task_units tu \
         JOIN tasks t ON t.id = tu.task_id WHERE tu.unit_id = u.id AND tu.role = 'lead' \
         AND t.plan_id = $1 AND t.retired_at IS NULL) ORDER BY u.name",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((UnitId(r.try_get("id")?), r.try_get("name")?)))
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let leaders = sqlx::query(
        "SELECT leader, COUNT(*) AS n FROM tasks WHERE plan_id = $1 AND retired_at IS NULL \
         AND leader IS NOT NULL AND leader <> '' GROUP BY leader ORDER BY leader",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("leader")?, r.try_get("n")?)))
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(crate::FilterChoices {
        sections,
        lead_units,
        leaders,
    })
}

/// A kept count's section key: '' for none, '#' and the section otherwise.
fn kept_section(key: String) -> Option<String> {
    key.strip_prefix('#').map(str::to_string)
}

/// A kept count's verdict key: '' for none.
fn kept_verdict(key: String) -> Option<Verdict> {
    Verdict::parse(&key)
}

/// Tasks of one section, final verdict and dispute state.
struct Group {
    section: Option<String>,
    verdict: Option<Verdict>,
    disputed: bool,
    n: i64,
    first: i64,
}

/// Lead links of one unit to tasks of one final verdict.
struct Lead {
    unit: UnitId,
    name: String,
    verdict: Option<Verdict>,
    n: i64,
}

fn assemble_overview(plan: PlanId, groups: Vec<Group>, leads: Vec<Lead>) -> Overview {
    let mut counts = VerdictCounts::default();
    let mut disputed = 0;
    let mut sections: Vec<(i64, SectionCounts)> = Vec::new();
    for g in groups {
        counts.add(g.verdict, g.n);
        if g.disputed {
            disputed += g.n;
        }
        match sections.iter_mut().find(|(_, s)| s.section == g.section) {
            Some((f, s)) => {
                *f = (*f).min(g.first);
                s.counts.add(g.verdict, g.n);
            }
            None => {
                let mut c = VerdictCounts::default();
                c.add(g.verdict, g.n);
                sections.push((
                    g.first,
                    SectionCounts {
                        section: g.section,
                        counts: c,
                    },
                ));
            }
        }
    }
    sections.sort_by_key(|(first, _)| *first);

    let mut units: Vec<UnitCounts> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    for l in leads {
        let i = match index.get(&l.unit.0) {
            Some(i) => *i,
            None => {
                units.push(UnitCounts {
                    unit_id: l.unit,
                    name: l.name,
                    counts: VerdictCounts::default(),
                });
                index.insert(l.unit.0, units.len() - 1);
                units.len() - 1
            }
        };
        units[i].counts.add(l.verdict, l.n);
    }
    units.sort_by(|a, b| {
        b.counts
            .total
            .cmp(&a.counts.total)
            .then_with(|| a.name.cmp(&b.name))
    });

    Overview {
        plan_id: plan,
        counts,
        disputed,
        by_section: sections.into_iter().map(|(_, s)| s).collect(),
        by_lead_unit: units,
    }
}

pub(crate) async fn revision(pool: &Pool, plan: PlanId) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT revision FROM plans WHERE id = $1")
        .bind(plan)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(r) => Some(r.try_get("revision")?),
        None => None,
    })
}

pub(crate) async fn sections(pool: &Pool, plan: PlanId) -> Result<Vec<String>, StoreError> {
    Ok(section_order(pool, plan)
        .await?
        .into_iter()
        .flatten()
        .collect())
}

/// Units leading at least one task of the plan, by name.
pub(crate) async fn lead_units(
    pool: &Pool,
    plan: PlanId,
) -> Result<Vec<(UnitId, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.id, u.name FROM units u WHERE EXISTS (SELECT 1 FROM plan_lead_counts c \
         WHERE c.unit_id = u.id AND c.plan_id = $1 AND c.n > 0) ORDER BY u.name",
    )
    .bind(plan)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((UnitId(r.try_get("id")?), r.try_get("name")?)))
        .collect()
}

pub(crate) async fn override_verdict(
    pool: &Pool,
    task: TaskId,
    verdict: Option<Verdict>,
    reason: &str,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    let mut tx = begin_write(pool).await?;
    let row = sqlx::query("SELECT final_verdict, override_reason FROM tasks WHERE id = $1")
        .bind(task)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else {
        return Err(StoreError::NotFound("该任务"));
    };
    let before_final: Option<String> = row.try_get("final_verdict")?;
    let before_reason: Option<String> = row.try_get("override_reason")?;
    let reason = verdict.map(|_| reason.to_string());
    // The override speaks for the evidence that speaks now (its round, or the imported text).
    sqlx::query(
        "UPDATE tasks SET final_verdict = $1, override_reason = $2, overridden_by = $3, \
         overridden_at = $4, override_round_id = evidence_round_id WHERE id = $5",
    )
    .bind(verdict.map(Verdict::as_str))
    .bind(reason.clone())
    .bind(verdict.map(|_| actor))
    .bind(verdict.map(|_| now))
    .bind(task)
    .execute(&mut **tx)
    .await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "task.override",
            entity: "task",
            entity_id: Some(task.to_string()),
            before: Some(serde_json::json!({
                "final_verdict": before_final, "reason": before_reason
            })),
            after: Some(serde_json::json!({
                "final_verdict": verdict.map(Verdict::as_str), "reason": reason
            })),
            at: now,
        },
    )
    .await?;
    // The override first, then what it did to the standing.
    super::verdicts::refresh(
        &mut tx,
        task,
        crate::OverrideDecision::Keep,
        crate::StandingEvent::Override,
        actor,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
