//! The read-only pages: overview, task list and detail, units.

use axum::extract::{Path, Query, State};
use axum::response::Html;
use duban_model::Verdict;
use duban_store::{Role, Scope, Store, TaskFilter, TaskId, UnitId, VerdictCounts};
use minijinja::context;
use serde::{Deserialize, Serialize};

use std::collections::HashMap;
use std::sync::Arc;

use crate::current::current_plan;
use crate::error::{Failure, PageError};
use crate::oversight;
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::charts::{self, Datum};
use crate::views::format::fmt_time;
use crate::views::highlight::{self, Span};
use crate::views::verdict_options;

/// Query parameters shared by `/tasks` and `/api/tasks`; all optional strings so a bad
/// value is a clear message, not an extractor rejection.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TaskQuery {
    pub verdict: Option<String>,
    /// A unit name (or alias), or its numeric id.
    pub lead_unit: Option<String>,
    pub section: Option<String>,
    pub q: Option<String>,
    /// `1`/`true` for disputed tasks only.
    pub disputed: Option<String>,
    /// Exact 责任领导.
    pub leader: Option<String>,
    /// The task's light: `red`, `amber` or `green`.
    pub light: Option<String>,
    /// `1`/`true` lists the retired tasks instead of the live ones.
    pub retired: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
    pub page: Option<String>,
}

fn nonblank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl TaskQuery {
    /// The store filter, or `None` when the named lead unit does not exist (nothing matches).
    pub async fn filter(
        &self,
        store: &Store,
        max_limit: u32,
    ) -> Result<Option<TaskFilter>, Failure> {
        let mut f = TaskFilter {
            limit: max_limit,
            ..TaskFilter::default()
        };
        if let Some(v) = nonblank(&self.verdict) {
            f.verdict = Some(Verdict::parse(v).ok_or_else(|| {
                Failure::BadRequest(format!(
                    "结论“{v}”无效：应为 met、not_met、unverifiable 或 qualitative"
                ))
            })?);
        }
        if let Some(u) = nonblank(&self.lead_unit) {
            let found = match u.parse::<i64>() {
                Ok(id) => store.unit(UnitId(id)).await?.map(|u| u.id),
                Err(_) => store.unit_by_name(u).await?.map(|u| u.id),
            };
            match found {
                Some(id) => f.lead_unit = Some(id),
                None => return Ok(None),
            }
        }
        f.section = nonblank(&self.section).map(str::to_string);
        f.q = nonblank(&self.q).map(str::to_string);
        f.leader = nonblank(&self.leader).map(str::to_string);
        if let Some(l) = nonblank(&self.light) {
            if !matches!(l, "red" | "amber" | "green") {
                return Err(Failure::BadRequest(format!(
                    "状态灯“{l}”无效：应为 red（红）、amber（黄）或 green（绿）"
                )));
            }
            f.light = Some(l.to_string());
        }
        f.disputed = nonblank(&self.disputed)
            .map(|d| matches!(d, "1" | "true" | "on" | "yes"))
            .filter(|d| *d);
        f.retired =
            nonblank(&self.retired).is_some_and(|r| matches!(r, "1" | "true" | "on" | "yes"));
        if let Some(l) = nonblank(&self.limit) {
            let l: u32 = l
                .parse()
                .map_err(|_| Failure::BadRequest("limit 应为正整数".into()))?;
            f.limit = l.clamp(1, max_limit);
        }
        if let Some(o) = nonblank(&self.offset) {
            f.offset = o
                .parse()
                .map_err(|_| Failure::BadRequest("offset 应为非负整数".into()))?;
        }
        Ok(Some(f))
    }
}

fn verdict_data(c: &VerdictCounts) -> Vec<Datum> {
    let mut d: Vec<Datum> = Verdict::ALL
        .iter()
        .map(|v| Datum {
            label: v.label_zh().to_string(),
            value: c.get(Some(*v)).max(0) as u64,
            class: format!("v-{}", v.as_str()),
        })
        .collect();
    if c.none > 0 {
        d.push(Datum {
            label: "未评估".into(),
            value: c.none as u64,
            class: "v-none".into(),
        });
    }
    d
}

fn count_data(label: String, c: &VerdictCounts) -> Datum {
    Datum {
        label,
        value: c.total.max(0) as u64,
        class: "v-total".into(),
    }
}

/// `/?round=&sort=&dir=`: the ranking's round and column.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OverviewQuery {
    pub round: Option<String>,
    pub sort: Option<String>,
    pub dir: Option<String>,
}

pub async fn overview(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(oq): Query<OverviewQuery>,
) -> Result<Html<String>, PageError> {
    let Some(plan) = current_plan(&app).await? else {
        return app.templates.page(
            "overview.html",
            Some(&user),
            "overview",
            context! { plan => () },
        );
    };
    let o = app.store.overview(plan.id, &user.scope()).await?;
    let legend = verdict_data(&o.counts);
    let donut = charts::donut("按结论统计", &legend);
    let sections: Vec<Datum> = o
        .by_section
        .iter()
        .map(|s| {
            count_data(
                s.section.clone().unwrap_or_else(|| "未分板块".into()),
                &s.counts,
            )
        })
        .collect();
    let section_chart = charts::bars("按工作板块统计", &sections);
    let top: Vec<Datum> = o
        .by_lead_unit
        .iter()
        .take(15)
        .map(|u| count_data(u.name.clone(), &u.counts))
        .collect();
    let unit_chart = charts::bars("按牵头单位统计（前15）", &top);
    let lights =
        oversight::light_counts(&app.store, &app.overview_caches, plan.id, &user.scope()).await?;
    let ranking = ranking_context(&app, &user, plan.id, &oq).await?;
    let office = matches!(user.role, Role::Admin | Role::Leader);
    let now = time::OffsetDateTime::now_utc();
    let notice_counts = match user.scope() {
        Scope::All => app.store.notice_counts(plan.id, now).await?,
        Scope::Unit(u) => {
            let mine: Vec<_> = app
                .store
                .unit_notices(u, true)
                .await?
                .into_iter()
                .filter(|n| n.plan_id == plan.id)
                .collect();
            duban_store::NoticeCounts::of(&mine, now)
        }
    };
    let handover = app.store.handover_counts(plan.id, &user.scope()).await?;
    app.templates.page(
        "overview.html",
        Some(&user),
        "overview",
        context! {
            plan,
            counts => o.counts,
            disputed => o.disputed,
            legend => legend.iter().map(|d| (d.label.clone(), d.value, d.class.clone())).collect::<Vec<_>>(),
            donut,
            section_chart,
            unit_chart,
            by_section => o.by_section,
            by_lead_unit => o.by_lead_unit.iter().take(30).collect::<Vec<_>>(),
            lights,
            light_legend => duban_standing::lights::legend_zh(),
            ranking,
            office,
            notice_counts,
            handover,
        },
    )
}

/// The ranking section: the chosen round's per-unit rates (from `round_stats`), sorted on
/// the server, with the chart. Unit users see their own unit's row only, with its place among all.
async fn ranking_context(
    app: &AppState,
    user: &duban_store::SessionUser,
    plan: duban_store::PlanId,
    q: &OverviewQuery,
) -> Result<minijinja::Value, PageError> {
    let rounds = app.store.rounds(plan).await?;
    let asked = nonblank(&q.round).and_then(|r| r.parse().ok());
    let Some(round) = oversight::pick_round(&rounds, asked) else {
        return Ok(minijinja::Value::from(()));
    };
    let sort = nonblank(&q.sort)
        .and_then(oversight::RankSort::parse)
        .unwrap_or(oversight::RankSort::OnTime);
    let desc = match nonblank(&q.dir) {
        Some("asc") => false,
        Some("desc") => true,
        _ => sort.default_desc(),
    };
    let stats = oversight::round_stats(&app.store, &app.overview_caches, plan, round.id).await?;
    // Ranked among every unit first: a unit sees its own row with its real place (the
    // bulletin publishes the same ranking), not "名次 1" of a table of one.
    let mut rows = oversight::ranking(&stats, sort, desc);
    if let Scope::Unit(own) = user.scope() {
        rows.retain(|r| r.unit_id == own.0);
    }
    let chart_rows: Vec<charts::RateRow> = rows
        .iter()
        .take(30)
        .map(|r| charts::RateRow {
            label: r.name.clone(),
            rates: vec![
                r.on_time_rate / 100.0,
                r.return_rate / 100.0,
                r.met_rate / 100.0,
            ],
        })
        .collect();
    let chart = charts::rate_bars(
        "单位排名（按时率、退回率、达标率）",
        &[
            ("按时率", "r-on_time"),
            ("退回率", "r-returned"),
            ("达标率", "r-met"),
        ],
        &chart_rows,
    );
    let columns: Vec<_> = oversight::RankSort::ALL
        .iter()
        .map(|k| {
            // Clicking the sorted column flips it; another column starts in its natural order.
            let next_desc = if *k == sort { !desc } else { k.default_desc() };
            context! {
                key => k.as_str(),
                sorted => *k == sort,
                href => crate::site::url(&format!(
                    "/?round={}&sort={}&dir={}#ranking",
                    round.id,
                    k.as_str(),
                    if next_desc { "desc" } else { "asc" }
                )),
            }
        })
        .collect();
    Ok(context! {
        round => context! { id => round.id, name => round.name, due_date => round.due_date, open => round.status == duban_store::RoundStatus::Open },
        rounds => rounds.iter().map(|r| context! { id => r.id, name => r.name }).collect::<Vec<_>>(),
        rows,
        chart,
        sort => sort.as_str(),
        desc,
        columns,
    })
}

const PAGE_SIZE: u32 = 50;

pub async fn tasks(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<TaskQuery>,
) -> Result<Html<String>, PageError> {
    let Some(plan) = current_plan(&app).await? else {
        return app
            .templates
            .page("tasks.html", Some(&user), "tasks", context! { plan => () });
    };
    let page: u32 = nonblank(&q.page)
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let filter = q.filter(&app.store, PAGE_SIZE).await?;
    let mut query = q;
    query.page = None;
    // What the listing is rendered for: the whole query as typed, the page included.
    let typed = format!("{query:?}&page={page}");
    let listing = match filter {
        Some(mut f) => {
            f.limit = PAGE_SIZE;
            f.offset = (page - 1).saturating_mul(PAGE_SIZE);
            let (data, revision) =
                oversight::list_page(&app.store, &app.overview_caches, plan.id, &f, &user.scope())
                    .await?;
            if let Some(html) = data.remembered(&typed) {
                html
            } else {
                // Read at the revision the page was computed at, so the two agree.
                let choices = app.store.filter_choices_at(plan.id, revision).await?;
                let html = render_listing(&app, &user, &query, page, &data, choices)?;
                data.remember(&typed, html)
            }
        }
        // A lead unit that does not exist: nothing matches.
        None => {
            let choices = app.store.filter_choices(plan.id).await?;
            let empty = oversight::ListPage::empty();
            render_listing(&app, &user, &query, page, &empty, choices)?.into()
        }
    };
    app.templates.page(
        "tasks.html",
        Some(&user),
        "tasks",
        context! {
            plan,
            listing => minijinja::Value::from_safe_string(listing.to_string()),
        },
    )
}

/// The task list below its heading (see `tasks_listing.html`): the filter form with the
/// choices, the count, one page of rows and the pager.
fn render_listing(
    app: &AppState,
    user: &duban_store::SessionUser,
    query: &TaskQuery,
    page: u32,
    data: &oversight::ListPage,
    choices: duban_store::FilterChoices,
) -> Result<String, PageError> {
    let (units, leaders): (_, Vec<String>) = match user.scope() {
        Scope::All => (
            choices.lead_units,
            choices.leaders.into_iter().map(|(n, _)| n).collect(),
        ),
        Scope::Unit(_) => (Vec::new(), Vec::new()),
    };
    let pages = (data.total.max(0) as u32).div_ceil(PAGE_SIZE).max(1);
    app.templates.fragment(
        "tasks_listing.html",
        context! {
            rows => &data.rows,
            lights => &data.lights,
            total => data.total,
            page,
            pages,
            // Not `base`: that name is the site's base path in every template.
            filter_qs => filter_query(query),
            query,
            sections => choices.sections,
            units,
            leaders,
            verdicts => verdict_options(),
        },
    )
}

/// Encodes the current filter for pagination links.
fn filter_query(q: &TaskQuery) -> String {
    let pairs = [
        ("verdict", &q.verdict),
        ("lead_unit", &q.lead_unit),
        ("section", &q.section),
        ("q", &q.q),
        ("disputed", &q.disputed),
        ("leader", &q.leader),
        ("light", &q.light),
        ("retired", &q.retired),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| {
            nonblank(v).map(|v| format!("{k}={}", crate::security::guard::encode_query(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn task(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let id: TaskId = id.parse().map_err(|_| Failure::NotFound)?;
    task_page(&app, &user, id, None).await
}

/// The task page; `typed` is a form on it that failed, with what was typed and the message
/// (see `crate::forms`), so the page comes back with the input kept.
pub async fn task_page(
    app: &AppState,
    user: &duban_store::SessionUser,
    id: TaskId,
    typed: Option<minijinja::Value>,
) -> Result<Html<String>, PageError> {
    let data = task_page_data(app, id, &user.scope()).await?;
    let unit_account = user.role == duban_store::Role::Unit && user.unit_id.is_some();
    let is_lead = unit_account && data.lead.iter().any(|l| Some(*l) == user.unit_id);
    let is_leader = user.role == duban_store::Role::Leader;
    app.templates.page(
        "task.html",
        Some(user),
        "tasks",
        context! {
            unit_account,
            is_lead,
            is_leader,
            typed,
            ..data.ctx.clone()
        },
    )
}

/// What a task's page shows to everyone in a scope: all of it but the viewer's own flags
/// and a failed form's input.
pub struct TaskPageData {
    ctx: minijinja::Value,
    lead: Vec<duban_store::UnitId>,
}

/// The page's data, remembered per (task, scope) at the task's page mark, its plan's light
/// revision and the day (see `Store::task_page_revision`): while nothing on the page
/// changes, a view costs one indexed read. Every instance sees the marks, so none serves a
/// page older than the last change.
async fn task_page_data(
    app: &AppState,
    id: TaskId,
    scope: &Scope,
) -> Result<Arc<TaskPageData>, PageError> {
    let (_, mark, light_revision) = app
        .store
        .task_page_revision(id)
        .await?
        .ok_or(Failure::NotFound)?;
    let revision = (mark, light_revision, crate::lights::today_cst());
    if let Some(hit) = app.overview_caches.task_pages.get(&(id, *scope), &revision) {
        return Ok(hit);
    }
    let scope = *scope;
    let t = app.store.task(id, &scope).await?.ok_or(Failure::NotFound)?;
    let spans: Vec<Span> = t
        .targets
        .iter()
        .filter_map(|target| {
            target.evidence.as_ref().map(|e| Span {
                start: e.start,
                end: e.end,
                target: format!("{}：{}", target.text, target.explanation),
            })
        })
        .collect();
    // The spans are offsets into the evidence that speaks now, not the imported text.
    let segments = highlight::segments(t.evidence_narrative(), &spans);
    let reports = app.store.task_reports(id, &scope).await?;
    let history: Vec<_> = reports
        .iter()
        .map(|r| {
            context! {
                round_id => r.round_id,
                narrative => r.narrative,
                status => r.status.label_zh(),
                self_status => r.self_status.map(|s| s.label_zh()),
                return_reason => r.return_reason,
                created_by => r.created_by,
                updated_at => fmt_time(r.updated_at),
                submitted_at => r.submitted_at.map(fmt_time),
            }
        })
        .collect();
    let light = oversight::lights_for(&app.store, t.summary.plan_id, &[id])
        .await?
        .remove(&id.0);
    let rounds = app.store.rounds(t.summary.plan_id).await?;
    let now = time::OffsetDateTime::now_utc();
    let notices: Vec<_> = app
        .store
        .task_notices(id, &scope)
        .await?
        .iter()
        .map(|n| crate::routes::notices::notice_context(n, now))
        .collect();
    let extensions: Vec<_> = app
        .store
        .extensions(
            &duban_store::ExtensionFilter {
                task: Some(id),
                ..Default::default()
            },
            &scope,
        )
        .await?
        .iter()
        .map(crate::routes::extensions::extension_context)
        .collect();
    let handovers = crate::routes::handover::handover_rows(
        app,
        &duban_store::HandoverFilter {
            task: Some(id),
            ..Default::default()
        },
    )
    .await?;
    let change_requests: Vec<_> = app
        .store
        .task_change_requests(None, Some(id), None, &scope)
        .await?
        .iter()
        .map(crate::routes::handover::change_context)
        .collect();
    // Units a notice can go to: the task's lead and cooperating units.
    let notice_units: Vec<_> = t
        .lead
        .iter()
        .map(|u| (u.id, format!("{}（牵头）", u.name)))
        .chain(t.coop.iter().map(|u| (u.id, format!("{}（配合）", u.name))))
        .collect();
    let (closeouts, closeout_waiting) =
        crate::routes::closeout::task_closeouts(app, id, &scope).await?;
    let instructions = crate::routes::instructions::task_instructions(app, id, &scope).await?;
    let all_files = app.store.task_attachments(id, &scope).await?;
    let files = crate::routes::files::attachment_list(&all_files);
    let files_by = crate::routes::files::by_owner(&all_files);
    let open_rounds: Vec<_> = rounds
        .iter()
        .rev()
        .filter(|r| r.status == duban_store::RoundStatus::Open)
        .map(|r| (r.id, r.name.clone()))
        .collect();
    let round_names: std::collections::HashMap<i64, String> =
        rounds.into_iter().map(|r| (r.id.0, r.name)).collect();
    // How the standing moved: the imported reading first, then every accept, reopen and
    // override that changed it.
    let mut standing_steps = vec![context! {
        when => "导入",
        event => "导入台账",
        evidence => "导入台账的完成情况",
        verdict => t.imported_machine_verdict.or(t.summary.office_verdict).map(|v| v.as_str()),
        source => if t.summary.office_verdict.is_some() { "督查办（导入台账）" } else { "机器判断" },
        actor => "",
    }];
    for s in app.store.standing_history(id).await? {
        standing_steps.push(context! {
            when => fmt_time(s.at),
            event => s.event.label_zh(),
            evidence => s.evidence,
            verdict => s.final_verdict.map(|v| v.as_str()),
            source => match s.source {
                Some(duban_standing::VerdictSource::Override) => "督查办改判",
                Some(duban_standing::VerdictSource::Office) => "督查办（导入台账）",
                _ => "机器判断",
            },
            actor => s.actor,
        });
    }
    let targets: Vec<_> = t
        .targets
        .iter()
        .map(|g| {
            context! {
                text => g.text,
                kind => g.kind.as_str(),
                verdict => g.verdict.as_str(),
                evidence => g.evidence.as_ref().map(|e| e.text.clone()),
                explanation => g.explanation,
            }
        })
        .collect();
    let lead = t.lead.iter().map(|u| u.id).collect();
    let ctx = context! {
            t => t.summary,
            d => context! {
                table_label => t.table_label,
                progress_label => match &t.evidence {
                    duban_standing::EvidenceSource::Imported => t.progress_label.clone(),
                    e @ duban_standing::EvidenceSource::Report { .. } => Some(e.label_zh()),
                },
                verdict_source => t.verdict_source_label(),
                schedule => t.schedule.map(|s| s.label()),
                as_of => t.evidence_as_of.as_deref().map(oversight::date_zh),
                evidence_label => t.evidence.label_zh(),
                leader => t.leader,
                status_text => t.status_text,
                explanation => t.explanation,
                final_verdict => t.final_verdict.map(|v| v.as_str()),
                override_reason => t.override_reason,
                overridden_by => t.overridden_by,
                retired_at => t.retired_at.map(fmt_time),
                retired_by => t.retired_by,
                retire_reason => t.retire_reason,
            },
            segments,
            has_marks => !spans.is_empty(),
            targets,
            lead => t.lead,
            coop => t.coop,
            history,
            standing_steps,
            round_names,
            verdicts => verdict_options(),
            light,
            notices,
            extensions,
            notice_units,
            levels => crate::routes::notices::level_options(),
            open_rounds,
            instructions,
            closeouts,
            closeout_waiting,
            files,
            files_by,
            max_file => duban_store::human_size(crate::routes::files::max_file_bytes(app)),
            handovers,
            change_requests,
            milestones => app.store.task_milestones(id).await?,
            subtasks => app.store.subtasks(id).await?,
            parent_id => t.parent_id,
            stages => duban_store::STAGES,
    };
    let data = Arc::new(TaskPageData { ctx, lead });
    app.overview_caches
        .task_pages
        .put((id, scope), revision, data.clone());
    Ok(data)
}

pub async fn units(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Html<String>, PageError> {
    let all = app.store.units().await?;
    let units: Vec<_> = match user.scope() {
        Scope::All => all,
        Scope::Unit(own) => all.into_iter().filter(|u| u.id == own).collect(),
    };
    let units: Vec<_> = units
        .iter()
        .map(|u| context! { id => u.id, display => u.display(), lead_tasks => u.lead_tasks, coop_tasks => u.coop_tasks })
        .collect();
    app.templates
        .page("units.html", Some(&user), "units", context! { units })
}

pub async fn unit(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Html<String>, PageError> {
    let id: UnitId = id.parse().map_err(|_| Failure::NotFound)?;
    if let Scope::Unit(own) = user.scope()
        && own != id
    {
        return Err(Failure::NotFound.into());
    }
    let u = app.store.unit(id).await?.ok_or(Failure::NotFound)?;
    let (rows, total, lights) = match current_plan(&app).await? {
        Some(plan) => {
            let f = TaskFilter {
                unit: Some(id),
                limit: 500,
                ..TaskFilter::default()
            };
            let (rows, total) = app.store.list_tasks(plan.id, &f, &user.scope()).await?;
            let ids: Vec<TaskId> = rows.iter().map(|t| t.id).collect();
            let lights = oversight::lights_for(&app.store, plan.id, &ids).await?;
            (rows, total, lights)
        }
        None => (Vec::new(), 0, HashMap::new()),
    };
    let led: Vec<_> = rows
        .iter()
        .filter(|t| t.lead_units.iter().any(|n| u.answers_to(n)))
        .collect();
    let cooperating: Vec<_> = rows
        .iter()
        .filter(|t| !t.lead_units.iter().any(|n| u.answers_to(n)))
        .collect();
    let now = time::OffsetDateTime::now_utc();
    let notices: Vec<_> = app
        .store
        .unit_notices(id, false)
        .await?
        .iter()
        .map(|n| crate::routes::notices::notice_context(n, now))
        .collect();
    let handovers = crate::routes::handover::handover_rows(
        &app,
        &duban_store::HandoverFilter {
            unit: Some(id),
            ..Default::default()
        },
    )
    .await?;
    let unsigned = handovers
        .iter()
        .filter(|h| !h.get_attr("acknowledged").is_ok_and(|a| a.is_true()))
        .count();
    app.templates.page(
        "unit.html",
        Some(&user),
        "units",
        context! { u => context! { id => u.id, display => u.display() }, led, cooperating, total, lights, notices, handovers, unsigned },
    )
}
