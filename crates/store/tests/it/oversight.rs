//! Task standings (for the lights), a round's lagging tasks, the plan rebuilt as a ledger,
//! and the audit search: the same answers on both backends.

use anyhow::{Context, Result, ensure};
use duban_model::Verdict;
use duban_store::{
    AuditFilter, DraftInput, LagReason, PlanId, RoundId, Scope, SelfStatus, Store, TaskFilter,
    TaskId, UnitId,
};

use crate::support::{Ctx, on_each_backend, sample_ledger, sha};

async fn plan_tasks(s: &Store) -> Result<(PlanId, Vec<TaskId>)> {
    let plan = s
        .import_ledger("2022年", &sample_ledger(), "a.txt", &sha(7), "admin")
        .await?;
    let (tasks, _) = s
        .list_tasks(plan, &TaskFilter::default(), &Scope::All)
        .await?;
    Ok((plan, tasks.iter().map(|t| t.id).collect()))
}

async fn unit(s: &Store, name: &str) -> Result<UnitId> {
    Ok(s.unit_by_name(name).await?.context("unit")?.id)
}

async fn report(
    s: &Store,
    task: TaskId,
    round: RoundId,
    unit: UnitId,
    text: &str,
    status: Option<SelfStatus>,
    submit: bool,
) -> Result<duban_store::Report> {
    let r = s
        .save_draft(
            &DraftInput {
                task,
                round,
                unit,
                narrative: text.into(),
                figures: serde_json::json!({}),
                self_status: status,
                delay_reason: None,
                next_steps: None,
                expected_version: None,
            },
            "u",
        )
        .await?;
    if submit {
        Ok(s.submit_report(r.id, r.version, "u").await?)
    } else {
        Ok(r)
    }
}

#[tokio::test]
async fn standings_gather_unsubmitted_returned_and_latest_self_status() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let (plan, ids) = plan_tasks(s).await?;
        let kj = unit(s, "区科技局").await?;
        let zj = unit(s, "区住建委").await?;
        let r1 = s.open_round(plan, "1月", "2022-01-31", "admin").await?;
        let r2 = s.open_round(plan, "2月", "2022-02-28", "admin").await?;
        // Task 1 (科技局 leads): 未启动 in January, 滞后 in February (newest wins).
        report(
            s,
            ids[0],
            r1.id,
            kj,
            "一月",
            Some(SelfStatus::NotStarted),
            true,
        )
        .await?;
        report(
            s,
            ids[0],
            r2.id,
            kj,
            "二月",
            Some(SelfStatus::Lagging),
            true,
        )
        .await?;
        // Task 4 (住建委 leads): returned in January; February only a draft.
        let sub = report(s, ids[3], r1.id, zj, "一月", Some(SelfStatus::Done), true).await?;
        s.return_report(sub.id, "数据不全", "admin").await?;
        report(
            s,
            ids[3],
            r2.id,
            zj,
            "草稿",
            Some(SelfStatus::NotStarted),
            false,
        )
        .await?;
        // The office overrides task 2.
        s.override_verdict(ids[1], Some(Verdict::Met), "核实已完成", "admin")
            .await?;

        let all = s
            .task_standings(plan, Some(r2.id), None, &Scope::All)
            .await?;
        ensure!(all.len() == 6, "every task once: {}", all.len());
        ensure!(all.iter().map(|t| t.task_id).collect::<Vec<_>>() == ids);
        let t1 = &all[0];
        ensure!(t1.lead_units == 1 && t1.unsubmitted == 0 && t1.returned == 0);
        ensure!(t1.latest_self_status == Some(SelfStatus::Lagging));
        ensure!(t1.verdict == Some(Verdict::NotMet) && t1.machine_verdict == Some(Verdict::Met));
        ensure!(t1.disputed);
        let t2 = &all[1];
        ensure!(t2.final_verdict == Some(Verdict::Met) && t2.verdict == Some(Verdict::Met));
        ensure!(t2.unsubmitted == 1 && t2.latest_self_status.is_none());
        let t4 = &all[3];
        // The draft does not count as reaching the office; the returned report does.
        ensure!(t4.unsubmitted == 1 && t4.returned == 1);
        ensure!(t4.latest_self_status == Some(SelfStatus::Done));

        // A page is read by other queries than the whole plan: both agree.
        let whole = s
            .task_standings(plan, Some(r2.id), None, &Scope::All)
            .await?;
        let paged = s
            .task_standings(plan, Some(r2.id), Some(&ids), &Scope::All)
            .await?;
        ensure!(whole == paged, "page {paged:?} vs plan {whole:?}");
        ensure!(whole.iter().any(|t| t.latest_self_status.is_some()));

        // A page: only the asked tasks; the unit's scope hides the others.
        let page = s
            .task_standings(plan, Some(r1.id), Some(&[ids[0], ids[3]]), &Scope::All)
            .await?;
        ensure!(page.len() == 2 && page[0].unsubmitted == 0 && page[1].unsubmitted == 0);
        let scoped = s
            .task_standings(plan, None, Some(&ids), &Scope::Unit(zj))
            .await?;
        ensure!(scoped.iter().map(|t| t.task_id).collect::<Vec<_>>() == vec![ids[3], ids[4]]);
        ensure!(scoped.iter().all(|t| t.unsubmitted == 0));
        ensure!(
            s.task_standings(plan, None, Some(&[]), &Scope::All)
                .await?
                .is_empty()
        );

        // The round's lagging list: 滞后 for task 1; nothing submitted (or a draft) elsewhere.
        let lag = s.round_lagging(r2.id).await?;
        ensure!(lag[0].task_id == ids[0] && lag[0].reason == LagReason::Lagging);
        ensure!(lag[0].unit == "区科技局");
        let t4_rows: Vec<_> = lag.iter().filter(|l| l.task_id == ids[3]).collect();
        ensure!(t4_rows.len() == 1 && t4_rows[0].reason == LagReason::Unsubmitted);
        // Six tasks, one lead each except none missing: all but task 1 are unsubmitted.
        ensure!(lag.len() == 6, "lagging rows: {lag:?}");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn plan_ledger_carries_overrides_and_accepted_progress() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let original = sample_ledger();
        let (plan, ids) = plan_tasks(s).await?;
        let kj = unit(s, "区科技局").await?;
        let r1 = s.open_round(plan, "1月", "2022-01-31", "admin").await?;
        let r2 = s.open_round(plan, "2月", "2022-02-28", "admin").await?;
        let a = report(s, ids[0], r1.id, kj, "一月已完成登记。", None, true).await?;
        s.accept_report(a.id, "admin").await?;
        let b = report(s, ids[0], r2.id, kj, "二月登记额增长16%。", None, true).await?;
        s.accept_report(b.id, "admin").await?;
        // Submitted but not accepted: must not replace the progress.
        let zj = unit(s, "区住建委").await?;
        report(s, ids[3], r2.id, zj, "未审核的文字", None, true).await?;
        s.override_verdict(ids[2], Some(Verdict::Met), "复核", "admin")
            .await?;

        let l = s.plan_ledger(plan).await?;
        ensure!(l.tasks.len() == original.tasks.len());
        ensure!(l.tables.len() == 2 && l.tables[0].label == "附件1");
        ensure!(l.title == original.title && l.claimed_total == Some(6));
        for (i, (got, want)) in l.tasks.iter().zip(&original.tasks).enumerate() {
            ensure!(got.text == want.text && got.section == want.section);
            ensure!((got.table, got.row) == (want.table, want.row));
            // Task 1's accepted report is its evidence now; the others keep the import's.
            if i != 0 {
                ensure!(got.verdict == want.verdict, "imported machine verdict kept");
            }
            let lead: Vec<_> = got.lead_units.iter().map(|u| u.name.as_str()).collect();
            let want_lead: Vec<_> = want.lead_units.iter().map(|u| u.name.as_str()).collect();
            ensure!(lead == want_lead);
            ensure!(got.coop_units.len() == want.coop_units.len());
            ensure!(got.lead_groups == want.lead_groups);
        }
        ensure!(l.tasks[0].coop_units[0].aliases == vec!["区招商中心".to_string()]);
        ensure!(l.tasks[0].progress == "二月登记额增长16%。");
        let label = l.tasks[0].progress_label.as_deref().unwrap_or("");
        ensure!(
            label.starts_with("2月填报（") && label.ends_with("审核通过）"),
            "{label}"
        );
        // The machine's reading is of the accepted text, so its spans point into it.
        let d = s.task(ids[0], &Scope::All).await?.context("task")?;
        ensure!(l.tasks[0].verdict == d.summary.machine_verdict);
        for t in &l.tasks[0].targets {
            if let Some(e) = &t.evidence {
                let span: String = l.tasks[0]
                    .progress
                    .chars()
                    .skip(e.start)
                    .take(e.end - e.start)
                    .collect();
                ensure!(span == e.text, "{span} vs {}", e.text);
            }
        }
        ensure!(l.tasks[3].progress == original.tasks[3].progress);
        ensure!(
            l.tasks[2].office_verdict == Some(Verdict::Met),
            "override wins"
        );
        ensure!(l.tasks[1].office_verdict == Some(Verdict::NotMet));
        ensure!(s.plan_ledger(PlanId(9999)).await.is_err());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn audit_search_filters_and_pages_newest_first() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let (plan, ids) = plan_tasks(s).await?;
        for i in 0..3 {
            s.open_round(plan, &format!("{}月", i + 1), "2022-01-31", "office1")
                .await?;
        }
        s.override_verdict(ids[0], Some(Verdict::Met), "复核", "office2")
            .await?;
        let (all, more) = s.audit_search(&AuditFilter::default()).await?;
        ensure!(!more && all.len() >= 5);
        ensure!(all.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");

        let by_actor = AuditFilter {
            actor: Some("office1".into()),
            limit: 2,
            ..AuditFilter::default()
        };
        let (page1, more) = s.audit_search(&by_actor).await?;
        ensure!(page1.len() == 2 && more);
        ensure!(
            page1
                .iter()
                .all(|e| e.actor == "office1" && e.action == "round.open")
        );
        let (page2, more) = s
            .audit_search(&AuditFilter {
                before_seq: Some(page1[1].seq),
                ..by_actor.clone()
            })
            .await?;
        ensure!(page2.len() == 1 && !more && page2[0].seq < page1[1].seq);

        let (prefix, _) = s
            .audit_search(&AuditFilter {
                action: Some("task.".into()),
                ..AuditFilter::default()
            })
            .await?;
        // The override and the standing it moved, in one transaction.
        let actions: Vec<_> = prefix.iter().map(|e| e.action.as_str()).collect();
        ensure!(actions == ["task.standing", "task.override"], "{actions:?}");
        let (entity, _) = s
            .audit_search(&AuditFilter {
                entity: Some("task".into()),
                entity_id: Some(ids[0].to_string()),
                ..AuditFilter::default()
            })
            .await?;
        ensure!(entity.len() == 2 && entity.iter().all(|e| e.actor == "office2"));
        let (none, _) = s
            .audit_search(&AuditFilter {
                action: Some("%".into()),
                ..AuditFilter::default()
            })
            .await?;
        ensure!(none.is_empty(), "a wildcard is literal");
        let (actions, entities) = s.audit_vocabulary().await?;
        ensure!(actions.contains(&"round.open".to_string()));
        ensure!(entities.contains(&"plan".to_string()));
        Ok(())
    })
    .await
}

#[tokio::test]
async fn light_revision_moves_with_every_change_the_lights_read_and_only_those() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let (plan, ids) = plan_tasks(s).await?;
        let kj = unit(s, "区科技局").await?;
        let rev = || async { s.light_revision(plan).await?.context("plan") };
        let start = rev().await?;
        ensure!(s.light_revision(PlanId(plan.0 + 999)).await?.is_none());

        let round = s.open_round(plan, "1月", "2022-01-31", "admin").await?;
        let opened = rev().await?;
        ensure!(opened.cycle > start.cycle, "{}: opening a round", ctx.label);

        // A draft never reaches the office: saving one (twice) leaves the lights alone.
        let draft = report(s, ids[0], round.id, kj, "草稿", None, false).await?;
        let latest = s
            .save_draft(
                &DraftInput {
                    task: ids[0],
                    round: round.id,
                    unit: kj,
                    narrative: "改过的草稿".into(),
                    figures: serde_json::json!({}),
                    self_status: Some(SelfStatus::Lagging),
                    delay_reason: None,
                    next_steps: None,
                    expected_version: Some(draft.version),
                },
                "u",
            )
            .await?;
        ensure!(rev().await? == opened, "{}: drafts", ctx.label);

        let submitted = s.submit_report(latest.id, latest.version, "u").await?;
        let after_submit = rev().await?;
        ensure!(after_submit.cycle > opened.cycle, "{}: submit", ctx.label);
        // One transaction, one step, whatever the rows it touched.
        ensure!(
            after_submit.cycle == opened.cycle + 1,
            "{}: one bump per transaction",
            ctx.label
        );
        s.return_report(submitted.id, "数据不全", "admin").await?;
        let after_return = rev().await?;
        ensure!(
            after_return.cycle > after_submit.cycle,
            "{}: return",
            ctx.label
        );

        let notice = s
            .issue_notice(
                &duban_store::NewNotice {
                    task: ids[0],
                    unit: kj,
                    level: duban_store::NoticeLevel::Blue,
                    deadline: "2022-02-10".into(),
                    text: "请说明滞后原因".into(),
                },
                "admin",
            )
            .await?;
        let after_notice = rev().await?;
        ensure!(
            after_notice.cycle > after_return.cycle,
            "{}: notice",
            ctx.label
        );
        s.close_notice(notice.id, "已整改", "admin").await?;
        ensure!(
            rev().await?.cycle > after_notice.cycle,
            "{}: close",
            ctx.label
        );

        let before_ext = rev().await?;
        let ext = s
            .request_extension(
                &duban_store::NewExtension {
                    task: ids[0],
                    round: Some(round.id),
                    unit: kj,
                    requested_date: "2022-03-31".into(),
                    reason: "用地手续".into(),
                },
                "u",
            )
            .await?;
        s.decide_extension(ext.id, false, "理由不充分", "admin")
            .await?;
        let after_ext = rev().await?;
        ensure!(
            after_ext.cycle > before_ext.cycle,
            "{}: extension",
            ctx.label
        );
        ensure!(
            s.refused_extension_tasks(plan).await? == vec![ids[0]],
            "{}: the refused task",
            ctx.label
        );
        // A newer request supersedes the refusal.
        s.request_extension(
            &duban_store::NewExtension {
                task: ids[0],
                round: None,
                unit: kj,
                requested_date: "2022-04-30".into(),
                reason: "补充材料后再申请".into(),
            },
            "u",
        )
        .await?;
        ensure!(
            s.refused_extension_tasks(plan).await?.is_empty(),
            "{}: superseded",
            ctx.label
        );

        // Task changes move the other half.
        let before_override = rev().await?;
        s.override_verdict(ids[1], Some(Verdict::Met), "复核", "admin")
            .await?;
        let after_override = rev().await?;
        ensure!(
            after_override.tasks > before_override.tasks,
            "{}: override",
            ctx.label
        );
        // A login, a notification, an e-mail address: nothing the lights read.
        s.set_unit_email(kj, Some("kj@example.org"), "admin")
            .await?;
        ensure!(rev().await? == after_override, "{}: unrelated", ctx.label);
        Ok(())
    })
    .await
}
