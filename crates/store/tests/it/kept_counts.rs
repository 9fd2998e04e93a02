//! The office's overview counts and the list's filter choices kept by triggers (migration
//! 0023) against a full recount: after a seeded random sequence of task creations, edits
//! (section, 责任领导, lead units), splits, retirements, overrides, submits, accepts and a
//! unit merge, the kept figures equal the recount, on both backends and read through either
//! of two store handles (two service instances on one database).

use anyhow::{Context, Result, ensure};
use duban_model::Verdict;
use duban_store::{
    DraftInput, OverrideDecision, PlanId, Scope, SelfStatus, Store, TaskDraft, TaskFilter, TaskId,
    UnitId,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::support::{Ctx, on_each_backend, sample_ledger, sha};

async fn check_equal(via: &Store, plan: PlanId, step: &str) -> Result<()> {
    let (kept, kept_choices) = via.kept_counts(plan).await?;
    let (full, full_choices) = via.kept_counts_recount(plan).await?;
    ensure!(
        kept == full,
        "{step}: kept overview {kept:?} != recount {full:?}"
    );
    ensure!(
        kept_choices == full_choices,
        "{step}: kept choices {kept_choices:?} != recount {full_choices:?}"
    );
    // A list's total read from the kept counts equals the rows it lists (the plan is small
    // enough for one page), for every section, verdict and dispute filter.
    let mut sections: Vec<Option<String>> =
        full_choices.sections.iter().cloned().map(Some).collect();
    sections.push(None);
    let mut verdicts: Vec<Option<Verdict>> = Verdict::ALL.into_iter().map(Some).collect();
    verdicts.push(None);
    for section in &sections {
        for verdict in &verdicts {
            for disputed in [None, Some(true), Some(false)] {
                let f = TaskFilter {
                    section: section.clone(),
                    verdict: *verdict,
                    disputed,
                    limit: 500,
                    ..TaskFilter::default()
                };
                let (rows, total) = via.list_tasks(plan, &f, &Scope::All).await?;
                ensure!(
                    total == rows.len() as i64,
                    "{step}: total {total} for {f:?} listing {} rows",
                    rows.len()
                );
            }
        }
    }
    // And what the pages read (through the caches) is the same.
    ensure!(
        via.overview(plan, &Scope::All).await? == full,
        "{step}: cached overview differs from the recount"
    );
    ensure!(
        via.filter_choices(plan).await? == full_choices,
        "{step}: cached filter choices differ from the recount"
    );
    Ok(())
}

async fn live_tasks(s: &Store, plan: PlanId) -> Result<Vec<TaskId>> {
    let (tasks, _) = s
        .list_tasks(plan, &TaskFilter::default(), &Scope::All)
        .await?;
    Ok(tasks.iter().map(|t| t.id).collect())
}

#[tokio::test]
async fn kept_overview_counts_and_choices_equal_a_full_recount_after_random_changes() -> Result<()>
{
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let other = ctx.second_handle().await?;
        let plan = s
            .import_ledger("2022年", &sample_ledger(), "a.txt", &sha(23), "admin")
            .await?;
        let round = s.open_round(plan, "1月", "2022-01-31", "admin").await?.id;
        check_equal(s, plan, "after the import").await?;

        let mut units: Vec<UnitId> = s.units().await?.iter().map(|u| u.id).collect();
        for name in ["测试甲局", "测试乙局", "测试丙局"] {
            units.push(s.create_unit(name, &[], "admin").await?);
        }
        let sections = [
            None,
            Some("一、经济发展"),
            Some("二、民生保障"),
            Some("三、新设板块"),
        ];
        let leaders = [None, Some("张副区长"), Some("李副区长"), Some("王副区长")];
        let mut rng = StdRng::seed_from_u64(23);
        let draft = |rng: &mut StdRng, units: &[UnitId], n: usize| {
            let a = units[rng.random_range(0..units.len())];
            let b = units[rng.random_range(0..units.len())];
            TaskDraft {
                section: sections[rng.random_range(0..sections.len())].map(str::to_string),
                text: format!("第{n}项：完成投资{}万元", 100 + n),
                lead_units: if a == b { vec![a] } else { vec![a, b] },
                coop_units: Vec::new(),
                leader: leaders[rng.random_range(0..leaders.len())].map(str::to_string),
                deadline: Some("2022年12月底".into()),
            }
        };
        let mut done = [0usize; 7];
        let mut merged = false;
        for step in 0..70 {
            let tasks = live_tasks(s, plan).await?;
            let task = tasks[rng.random_range(0..tasks.len())];
            let kind = rng.random_range(0..7);
            let ok = match kind {
                0 => s
                    .create_task(plan, &draft(&mut rng, &units, step), "admin")
                    .await
                    .is_ok(),
                1 => s
                    .edit_task(task, &draft(&mut rng, &units, step), "admin")
                    .await
                    .is_ok(),
                2 if tasks.len() > 4 => s.retire_task(task, "并入他项", "admin").await.is_ok(),
                3 => {
                    let v =
                        [Some(Verdict::Met), Some(Verdict::NotMet), None][rng.random_range(0..3)];
                    s.override_verdict(task, v, "实地核查", "admin")
                        .await
                        .is_ok()
                }
                4 => {
                    let children = [
                        draft(&mut rng, &units, step),
                        draft(&mut rng, &units, step + 100),
                    ];
                    s.split_task(task, &children, "admin").await.is_ok()
                }
                5 => {
                    // A lead unit submits and the office accepts: the final verdict moves.
                    let detail = s.task(task, &Scope::All).await?.context("task")?;
                    let Some(unit) = detail.lead.first() else {
                        continue;
                    };
                    let status = [SelfStatus::Done, SelfStatus::Lagging][rng.random_range(0..2)];
                    match s
                        .save_and_submit(
                            &DraftInput {
                                task,
                                round,
                                unit: unit.id,
                                narrative: format!("第{step}步：已完成投资{}万元", 50 + step),
                                figures: serde_json::json!({}),
                                self_status: Some(status),
                                delay_reason: Some("资金未到位".into()),
                                next_steps: None,
                                expected_version: None,
                            },
                            "u",
                        )
                        .await
                    {
                        Ok(r) => s
                            .accept_report_deciding(r.id, OverrideDecision::Drop, "admin")
                            .await
                            .is_ok(),
                        Err(_) => false,
                    }
                }
                _ if !merged && units.len() > 2 => {
                    // Once: a unit merged into another moves its lead links.
                    let from = units.pop().context("unit")?;
                    let into = units[rng.random_range(0..units.len())];
                    merged = s.merge_units(into, from, "admin").await.is_ok();
                    if !merged {
                        units.push(from);
                    }
                    merged
                }
                _ => false,
            };
            if ok {
                done[kind] += 1;
            }
            if rng.random_bool(0.4) {
                let via = if rng.random_bool(0.5) { s } else { &other };
                check_equal(via, plan, &format!("step {step}, kind {kind}"))
                    .await
                    .with_context(|| ctx.label.clone())?;
            }
        }
        check_equal(s, plan, "end").await?;
        check_equal(&other, plan, "end, other instance").await?;
        // A whole-plan recount (what a bulk load of reports ends with) rebuilds the counts
        // once rather than per task on PostgreSQL (migration 0026); per-task keeping resumes
        // after it.
        s.refresh_standings(plan, "admin").await?;
        check_equal(&other, plan, "after a recount of the plan").await?;
        let tasks = live_tasks(s, plan).await?;
        s.override_verdict(tasks[0], Some(Verdict::NotMet), "实地核查", "admin")
            .await?;
        check_equal(s, plan, "a change after the recount").await?;
        ensure!(
            done.iter().all(|n| *n > 0),
            "{}: kinds of change done {done:?}",
            ctx.label
        );
        // The counts are not vacuous: sections, leaders and units are all present.
        let (o, c) = s.kept_counts(plan).await?;
        ensure!(
            o.counts.total > 0 && !c.sections.is_empty() && !c.leaders.is_empty(),
            "{}: {o:?} {c:?}",
            ctx.label
        );
        other.close().await;
        Ok(())
    })
    .await
}

/// A task page's mark (migration 0024) moves with each change to what the page shows that
/// neither the plan's revision nor the reporting cycle records — a draft, an instruction
/// and its answer, a split — and only for the task concerned (and a split task's parent).
#[tokio::test]
async fn a_task_pages_mark_moves_with_its_own_changes_only() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let other = ctx.second_handle().await?;
        let plan = s
            .import_ledger("2022年", &sample_ledger(), "a.txt", &sha(24), "admin")
            .await?;
        let round = s.open_round(plan, "1月", "2022-01-31", "admin").await?.id;
        let tasks = live_tasks(s, plan).await?;
        let (a, b) = (tasks[0], tasks[1]);
        let mark = |t: TaskId| {
            let other = &other;
            async move {
                let (p, n, light) = other.task_page_revision(t).await?.context("task")?;
                ensure!(p == plan, "the task's plan");
                Ok::<_, anyhow::Error>((n, light))
            }
        };
        let (a0, light0) = mark(a).await?;
        let (b0, _) = mark(b).await?;

        let unit = s.task(a, &Scope::All).await?.context("task")?.lead[0].id;
        s.save_draft(
            &DraftInput {
                task: a,
                round,
                unit,
                narrative: "草稿：已完成投资200万元".into(),
                figures: serde_json::json!({}),
                self_status: None,
                delay_reason: None,
                next_steps: None,
                expected_version: None,
            },
            "u",
        )
        .await?;
        let (a1, light1) = mark(a).await?;
        ensure!(a1 > a0, "{}: a draft moves the mark", ctx.label);
        ensure!(
            light1 == light0,
            "{}: a draft is not in the cycle",
            ctx.label
        );

        let (inst, _) = s.write_instruction(a, "请加快进度", "leader").await?;
        let (a2, _) = mark(a).await?;
        ensure!(a2 > a1, "{}: an instruction moves the mark", ctx.label);
        s.answer_instruction(inst.id, unit, "已部署落实", "u")
            .await?;
        let (a3, _) = mark(a).await?;
        ensure!(a3 > a2, "{}: an answer moves the mark", ctx.label);
        ensure!(
            mark(b).await?.0 == b0,
            "{}: another task's mark stays",
            ctx.label
        );

        let child = TaskDraft {
            text: "子任务：完成投资50万元".into(),
            lead_units: vec![unit],
            ..TaskDraft::default()
        };
        s.split_task(b, &[child], "admin").await?;
        ensure!(
            mark(b).await?.0 > b0,
            "{}: a split moves the parent's mark",
            ctx.label
        );
        ensure!(
            other.task_page_revision(TaskId(i64::MAX)).await?.is_none(),
            "{}: no such task",
            ctx.label
        );
        other.close().await;
        Ok(())
    })
    .await
}
