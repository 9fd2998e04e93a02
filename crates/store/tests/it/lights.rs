//! The kept lights and ranking figures (migration 0020) against a full recount: after a
//! seeded random sequence of submits, accepts, returns, overrides, notices and extensions,
//! the incrementally kept counts equal the recount, on both backends and across two store
//! handles (two service instances on one database).

use anyhow::{Context, Result, ensure};
use duban_model::Verdict;
use duban_store::{
    DraftInput, NewExtension, NewNotice, NoticeLevel, OverrideDecision, PlanId, Report, ReportId,
    ReportStatus, RoundId, Scope, SelfStatus, Store, TaskFilter, TaskId, UnitId,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::support::{Ctx, on_each_backend, sample_ledger, sha};

/// "Today" for the lights: after the first round's due date, so missing reports count.
const TODAY: &str = "2022-02-15";

async fn setup(s: &Store) -> Result<(PlanId, Vec<(TaskId, Vec<UnitId>)>)> {
    let plan = s
        .import_ledger("2022年", &sample_ledger(), "a.txt", &sha(17), "admin")
        .await?;
    let (tasks, _) = s
        .list_tasks(plan, &TaskFilter::default(), &Scope::All)
        .await?;
    let mut out = Vec::new();
    for t in &tasks {
        let mut leads = Vec::new();
        for name in &t.lead_units {
            if let Some(u) = s.unit_by_name(name).await? {
                leads.push(u.id);
            }
        }
        out.push((t.id, leads));
    }
    Ok((plan, out))
}

/// The kept counts equal the recount, for the plan and for each unit's scope, and the kept
/// ranking equals the recomputed one; read through `via` (either instance).
async fn check_equal(
    via: &Store,
    plan: PlanId,
    round: RoundId,
    units: &[UnitId],
    step: &str,
) -> Result<()> {
    let mut scopes = vec![Scope::All];
    scopes.extend(units.iter().map(|u| Scope::Unit(*u)));
    for scope in scopes {
        let kept = via.light_tally(plan, &scope, TODAY).await?;
        let full = via.light_recount(plan, &scope, TODAY).await?;
        ensure!(
            kept == full,
            "{step}, {scope:?}: kept {kept:?} != recount {full:?}"
        );
    }
    // A page's lights, read whole from the kept rows, agree with the recount too.
    let (tasks, _) = via
        .list_tasks(
            plan,
            &TaskFilter {
                limit: 500,
                ..TaskFilter::default()
            },
            &Scope::All,
        )
        .await?;
    let ids: Vec<TaskId> = tasks.iter().map(|t| t.id).collect();
    let page = via.page_lights(plan, &ids, TODAY).await?;
    ensure!(
        page.len() == ids.len(),
        "{step}: a light for every live task"
    );
    let full = via.light_recount(plan, &Scope::All, TODAY).await?;
    let color = |c: &str| page.values().filter(|l| l.color.as_str() == c).count() as i64;
    ensure!(
        (color("red"), color("amber"), color("green")) == (full.red, full.amber, full.green),
        "{step}: page lights {page:?} != recount {full:?}"
    );
    let kept = via.round_stats(round).await?;
    let full = via.round_stats_recount(round).await?;
    ensure!(
        kept == full,
        "{step}: ranking kept {kept:?} != recount {full:?}"
    );
    Ok(())
}

/// A report whose latest known state is submitted (awaiting the office), else any.
fn pick_submitted(reports: &[Report], rng: &mut StdRng) -> ReportId {
    let mut latest: std::collections::BTreeMap<i64, &Report> = Default::default();
    for r in reports {
        latest.insert(r.id.0, r);
    }
    let waiting: Vec<ReportId> = latest
        .values()
        .filter(|r| r.status == ReportStatus::Submitted)
        .map(|r| r.id)
        .collect();
    if waiting.is_empty() {
        reports[rng.random_range(0..reports.len())].id
    } else {
        waiting[rng.random_range(0..waiting.len())]
    }
}

#[tokio::test]
async fn kept_light_counts_and_ranking_equal_a_full_recount_after_random_changes() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let other = ctx.second_handle().await?;
        let (plan, tasks) = setup(s).await?;
        let mut units: Vec<UnitId> = tasks.iter().flat_map(|(_, u)| u.clone()).collect();
        units.sort_by_key(|u| u.0);
        units.dedup();
        let mut round = s.open_round(plan, "1月", "2022-01-31", "admin").await?.id;
        check_equal(s, plan, round, &units, "start").await?;
        ensure!(
            ctx.count("SELECT COUNT(*) FROM light_dirty").await? == 0,
            "{}: a count clears the marks it read",
            ctx.label
        );

        let mut rng = StdRng::seed_from_u64(17);
        let mut reports: Vec<Report> = Vec::new();
        let mut notices = Vec::new();
        let statuses = [
            SelfStatus::Done,
            SelfStatus::OnSchedule,
            SelfStatus::Lagging,
            SelfStatus::NotStarted,
        ];
        let mut kinds_done = [0usize; 7];
        for step in 0..80 {
            let (task, leads) = &tasks[rng.random_range(0..tasks.len())];
            let Some(&unit) = leads.get(rng.random_range(0..leads.len().max(1))) else {
                continue;
            };
            let kind = rng.random_range(0..7);
            let ok = match kind {
                // Submit (or resubmit after a return) with a random self-assessment.
                0 | 1 => {
                    let prior = reports
                        .iter()
                        .rev()
                        .find(|r| r.task_id == *task && r.unit_id == unit && r.round_id == round)
                        .map(|r| r.version);
                    s.save_and_submit(
                        &DraftInput {
                            task: *task,
                            round,
                            unit,
                            narrative: format!("第{step}步：完成投资1000万元"),
                            figures: serde_json::json!({}),
                            self_status: Some(statuses[rng.random_range(0..statuses.len())]),
                            delay_reason: Some("资金未到位".into()),
                            next_steps: None,
                            expected_version: prior,
                        },
                        "u",
                    )
                    .await
                    .map(|r| reports.push(r))
                    .is_ok()
                }
                2 if !reports.is_empty() => {
                    let r = pick_submitted(&reports, &mut rng);
                    let keep = if rng.random_bool(0.5) {
                        OverrideDecision::Keep
                    } else {
                        OverrideDecision::Drop
                    };
                    match s.accept_report_deciding(r, keep, "admin").await {
                        Ok(r) => {
                            reports.push(r);
                            true
                        }
                        Err(_) => false,
                    }
                }
                3 if !reports.is_empty() => {
                    let r = pick_submitted(&reports, &mut rng);
                    match s.return_report(r, "数据不全", "admin").await {
                        Ok(r) => {
                            reports.push(r);
                            true
                        }
                        Err(_) => false,
                    }
                }
                4 => {
                    let v =
                        [Some(Verdict::Met), Some(Verdict::NotMet), None][rng.random_range(0..3)];
                    s.override_verdict(*task, v, "实地核查", "admin")
                        .await
                        .is_ok()
                }
                5 => {
                    if !notices.is_empty() && rng.random_bool(0.4) {
                        let id = notices.swap_remove(rng.random_range(0..notices.len()));
                        s.close_notice(id, "已整改", "admin").await.is_ok()
                    } else {
                        // Half already past their deadline on TODAY: overdue notices.
                        let deadline = if rng.random_bool(0.5) {
                            "2022-02-01"
                        } else {
                            "2022-03-01"
                        };
                        match s
                            .issue_notice(
                                &NewNotice {
                                    task: *task,
                                    unit,
                                    level: NoticeLevel::Blue,
                                    deadline: deadline.into(),
                                    text: "请说明滞后原因".into(),
                                },
                                "admin",
                            )
                            .await
                        {
                            Ok(n) => {
                                notices.push(n.id);
                                true
                            }
                            Err(_) => false,
                        }
                    }
                }
                _ => match s
                    .request_extension(
                        &NewExtension {
                            task: *task,
                            round: Some(round),
                            unit,
                            requested_date: "2022-04-30".into(),
                            reason: "用地手续".into(),
                        },
                        "u",
                    )
                    .await
                {
                    Ok(e) => s
                        .decide_extension(e.id, rng.random_bool(0.5), "审核意见", "admin")
                        .await
                        .is_ok(),
                    Err(_) => false,
                },
            };
            if ok {
                kinds_done[kind] += 1;
            }
            // Now and then a new round (every light's basis moves), and a count through
            // either instance; most changes pile up between counts.
            if step == 40 {
                s.close_round(round, "admin").await?;
                round = s.open_round(plan, "2月", "2022-02-28", "admin").await?.id;
            }
            if rng.random_bool(0.3) {
                let via = if rng.random_bool(0.5) { s } else { &other };
                check_equal(via, plan, round, &units, &format!("step {step}"))
                    .await
                    .with_context(|| ctx.label.clone())?;
            }
        }
        check_equal(s, plan, round, &units, "end").await?;
        check_equal(&other, plan, round, &units, "end, other instance").await?;
        // The sequence exercised every kind of change (so the test is not vacuous).
        ensure!(
            kinds_done.iter().all(|n| *n > 0),
            "{}: kinds of change done {kinds_done:?}",
            ctx.label
        );
        // And the counts moved: something is red or amber by now.
        let t = s.light_tally(plan, &Scope::All, TODAY).await?;
        ensure!(t.red + t.amber > 0, "{}: {t:?}", ctx.label);
        other.close().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_change_marks_only_the_tasks_it_touches() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let (plan, tasks) = setup(s).await?;
        let round = s.open_round(plan, "1月", "2022-01-31", "admin").await?.id;
        s.light_tally(plan, &Scope::All, TODAY).await?;
        s.round_stats(round).await?;
        ensure!(ctx.count("SELECT COUNT(*) FROM light_dirty").await? == 0);
        let (task, leads) = tasks
            .iter()
            .find(|(_, l)| !l.is_empty())
            .context("a task with a lead unit")?;
        s.save_and_submit(
            &DraftInput {
                task: *task,
                round,
                unit: leads[0],
                narrative: "已完成".into(),
                figures: serde_json::json!({}),
                self_status: Some(SelfStatus::Done),
                delay_reason: None,
                next_steps: None,
                expected_version: None,
            },
            "u",
        )
        .await?;
        let marked = ctx.count("SELECT COUNT(*) FROM light_dirty").await?;
        ensure!(
            marked == 1,
            "{}: one submit marks its task only ({marked})",
            ctx.label
        );
        s.light_tally(plan, &Scope::All, TODAY).await?;
        ensure!(ctx.count("SELECT COUNT(*) FROM light_dirty").await? == 0);
        // The unit's ranking figures are stale for that unit alone, then recomputed.
        let stale = format!(
            "SELECT COUNT(*) FROM unit_round_stats WHERE round_id = {} AND n < \
             (SELECT n FROM unit_marks WHERE unit_id = unit_round_stats.unit_id)",
            round.0
        );
        let before = ctx.count(stale.clone()).await?;
        ensure!(
            before == 1,
            "{}: one unit's figures stale ({before})",
            ctx.label
        );
        s.round_stats(round).await?;
        ensure!(ctx.count(stale).await? == 0, "{}: refreshed", ctx.label);
        Ok(())
    })
    .await
}

/// A new day recounts only the lights it can have changed: those of tasks with a notice
/// deadline passed since the last count; a day past a round's due date recounts them all.
/// Each count still equals the full recount on its day.
#[tokio::test]
async fn a_new_day_recounts_only_the_tasks_whose_dates_it_passes() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let (plan, tasks) = setup(s).await?;
        s.open_round(plan, "3月", "2022-03-31", "admin").await?;
        let first = s.refresh_plan_lights(plan, "2022-02-14").await?;
        ensure!(
            first >= tasks.len(),
            "{}: all at first ({first})",
            ctx.label
        );
        let (task, leads) = tasks
            .iter()
            .find(|(_, l)| !l.is_empty())
            .context("a task with a lead unit")?;
        s.issue_notice(
            &NewNotice {
                task: *task,
                unit: leads[0],
                level: NoticeLevel::Blue,
                deadline: "2022-02-15".into(),
                text: "请说明进展".into(),
            },
            "admin",
        )
        .await?;
        let n = s.refresh_plan_lights(plan, "2022-02-14").await?;
        ensure!(n == 1, "{}: the notice marks its task ({n})", ctx.label);
        // On the deadline the notice is not yet overdue: nothing to recount.
        let n = s.refresh_plan_lights(plan, "2022-02-15").await?;
        ensure!(n == 0, "{}: the deadline day ({n})", ctx.label);
        // The day after, it is: its task alone.
        let n = s.refresh_plan_lights(plan, "2022-02-16").await?;
        ensure!(n == 1, "{}: the day after ({n})", ctx.label);
        let lights = s.page_lights(plan, &[*task], "2022-02-16").await?;
        let light = lights.get(&task.0).context("the task's light")?;
        ensure!(
            light.reasons.iter().any(|r| r.rule == "notice_overdue"),
            "{}: {light:?}",
            ctx.label
        );
        for day in ["2022-02-16", "2022-04-01"] {
            let kept = s.light_tally(plan, &Scope::All, day).await?;
            let full = s.light_recount(plan, &Scope::All, day).await?;
            ensure!(kept == full, "{} on {day}: {kept:?} != {full:?}", ctx.label);
        }
        // 2022-04-01 came past the round's due date (03-31): everything was recounted.
        let n = s.refresh_plan_lights(plan, "2022-04-02").await?;
        ensure!(n == 0, "{}: nothing dated in between ({n})", ctx.label);
        let n = s.refresh_plan_lights(plan, "2022-02-20").await?;
        ensure!(
            n >= tasks.len(),
            "{}: the clock going back ({n})",
            ctx.label
        );
        Ok(())
    })
    .await
}
