use anyhow::{Context, Result, bail, ensure};
use duban_store::{
    DraftInput, PlanId, ReportStatus, Scope, SelfStatus, Store, StoreError, TaskFilter, TaskId,
    UnitId,
};

use crate::support::{Ctx, on_each_backend, sample_ledger, sha};

async fn setup(s: &Store) -> Result<(PlanId, TaskId, UnitId)> {
    let plan = s
        .import_ledger("2022年", &sample_ledger(), "a.txt", &sha(1), "admin")
        .await?;
    let (tasks, _) = s
        .list_tasks(plan, &TaskFilter::default(), &Scope::All)
        .await?;
    let unit = s
        .unit_by_name("区科技局")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no unit"))?;
    Ok((plan, tasks[0].id, unit.id))
}

fn draft(task: TaskId, round: duban_store::RoundId, unit: UnitId, text: &str) -> DraftInput {
    DraftInput {
        task,
        round,
        unit,
        narrative: text.into(),
        figures: serde_json::json!({ "技术交易合同登记额": 12.5 }),
        self_status: Some(SelfStatus::OnSchedule),
        delay_reason: None,
        next_steps: Some("继续推进".into()),
        expected_version: None,
    }
}

#[tokio::test]
async fn a_stale_save_gets_a_conflict_with_the_stored_text() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let (plan, task, unit) = setup(s).await?;
        let round = s.open_round(plan, "1月", "2022-01-31", "admin").await?;
        let v1 = s
            .save_draft(&draft(task, round.id, unit, "第一稿"), "kj")
            .await?;
        ensure!(v1.version == 1 && v1.status == ReportStatus::Draft);
        // Two people load version 1; the first save wins, the second gets the conflict.
        let mut a = draft(task, round.id, unit, "甲的修改");
        a.expected_version = Some(1);
        let mut b = draft(task, round.id, unit, "乙的修改");
        b.expected_version = Some(1);
        let saved = s.save_draft(&a, "jia").await?;
        ensure!(saved.version == 2 && saved.narrative == "甲的修改");
        match s.save_draft(&b, "yi").await {
            Err(StoreError::Conflict { current }) => {
                ensure!(current.version == 2 && current.narrative == "甲的修改");
            }
            other => bail!("stale save gave {other:?}"),
        }
        // Starting a "new" report over an existing one is a conflict too.
        ensure!(matches!(
            s.save_draft(&draft(task, round.id, unit, "新的"), "yi")
                .await,
            Err(StoreError::Conflict { .. })
        ));
        ensure!(s.report_versions(saved.id).await?.len() == 2);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn submit_return_resubmit_accept_and_close() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let (plan, task, unit) = setup(s).await?;
        let round = s.open_round(plan, "1月", "2022-01-31", "admin").await?;
        ensure!(
            s.open_round(plan, "1月", "2022-01-31", "admin")
                .await
                .is_err(),
            "a second round with the same name was opened"
        );
        ensure!(matches!(
            s.open_round(plan, "2月", "2月底", "admin").await,
            Err(StoreError::Invalid(_))
        ));
        let r = s
            .save_draft(&draft(task, round.id, unit, "完成70%"), "kj")
            .await?;
        ensure!(matches!(
            s.accept_report(r.id, "admin").await,
            Err(StoreError::Invalid(_))
        ));
        let r = s.submit_report(r.id, r.version, "kj").await?;
        ensure!(r.status == ReportStatus::Submitted && r.submitted_at.is_some());
        ensure!(s.review_queue(round.id).await?.len() == 1);
        ensure!(s.return_report(r.id, " ", "admin").await.is_err());
        let r = s.return_report(r.id, "缺少具体数据", "admin").await?;
        ensure!(r.status == ReportStatus::Returned);
        ensure!(r.return_reason.as_deref() == Some("缺少具体数据"));
        let mut fix = draft(task, round.id, unit, "完成70%，合同额12.5亿元");
        fix.expected_version = Some(r.version);
        let r = s.save_draft(&fix, "kj").await?;
        let r = s.submit_report(r.id, r.version, "kj").await?;
        let r = s.accept_report(r.id, "admin").await?;
        ensure!(r.status == ReportStatus::Accepted && r.reviewed_by.as_deref() == Some("admin"));
        let history = s.report_versions(r.id).await?;
        let statuses: Vec<_> = history.iter().map(|v| v.status).collect();
        ensure!(
            statuses
                == [
                    ReportStatus::Draft,
                    ReportStatus::Submitted,
                    ReportStatus::Returned,
                    ReportStatus::Returned,
                    ReportStatus::Submitted,
                    ReportStatus::Accepted
                ],
            "{statuses:?}"
        );
        let stats = s.round_stats(round.id).await?;
        ensure!(stats.len() == 5, "{stats:?}");
        let kj = stats
            .iter()
            .find(|u| u.unit_id == unit)
            .ok_or_else(|| anyhow::anyhow!("no stats for the unit"))?;
        // Due 2022-01-31, submitted today: late.
        ensure!(kj.owed == 1 && kj.submitted == 1 && kj.accepted == 1 && kj.on_time == 0);
        ensure!(stats.iter().map(|u| u.owed).sum::<i64>() == 6);
        let mine = s.unit_round_tasks(round.id, unit).await?;
        ensure!(mine.len() == 1 && mine[0].report.as_ref().map(|r| r.id) == Some(r.id));
        ensure!(mine[0].task.lead_units == ["区科技局"]);

        // Scope: the unit sees its report, another unit does not.
        ensure!(s.report(r.id, &Scope::Unit(unit)).await?.is_some());
        let other = s
            .unit_by_name("区人社局")
            .await?
            .ok_or_else(|| anyhow::anyhow!("no unit"))?;
        ensure!(s.report(r.id, &Scope::Unit(other.id)).await?.is_none());
        ensure!(s.task_reports(task, &Scope::All).await?.len() == 1);
        // A unit not on the task cannot report on it.
        ensure!(matches!(
            s.save_draft(&draft(task, round.id, other.id, "x"), "rs")
                .await,
            Err(StoreError::Invalid(_))
        ));
        // A closed round is locked.
        s.close_round(round.id, "admin").await?;
        let (tasks, _) = s
            .list_tasks(plan, &TaskFilter::default(), &Scope::All)
            .await?;
        // 建成江山公园: led by 区住建委 (区科技局 only cooperates, so cannot file it).
        let park = tasks[3].id;
        let zj = s
            .unit_by_name("区住建委")
            .await?
            .ok_or_else(|| anyhow::anyhow!("no unit"))?
            .id;
        ensure!(matches!(
            s.save_draft(&draft(park, round.id, zj, "迟到"), "zj").await,
            Err(StoreError::Invalid(_))
        ));
        s.reopen_round(round.id, "admin").await?;
        s.save_draft(&draft(park, round.id, zj, "补报"), "zj")
            .await?;
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn save_and_submit_is_one_transaction_with_both_versions() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let (plan, task, unit) = setup(s).await?;
        let round = s.open_round(plan, "1月", "2022-01-31", "admin").await?;
        let v1 = s
            .save_draft(&draft(task, round.id, unit, "第一稿"), "kj")
            .await?;
        let audit_before = ctx.count("SELECT COUNT(*) FROM audit_log").await?;
        let mut stale = draft(task, round.id, unit, "过期的修改");
        stale.expected_version = Some(v1.version + 5);
        ensure!(
            matches!(
                s.save_and_submit(&stale, "kj").await,
                Err(StoreError::Conflict { .. })
            ),
            "{}: a stale version is a conflict",
            ctx.label
        );
        let still = s.report(v1.id, &Scope::All).await?.context("report")?;
        ensure!(
            still.status == ReportStatus::Draft && still.narrative == "第一稿",
            "{}: the failed submit wrote nothing",
            ctx.label
        );
        ensure!(ctx.count("SELECT COUNT(*) FROM audit_log").await? == audit_before);

        let mut next = draft(task, round.id, unit, "定稿：已完成");
        next.expected_version = Some(v1.version);
        let done = s.save_and_submit(&next, "kj").await?;
        ensure!(
            done.status == ReportStatus::Submitted
                && done.narrative == "定稿：已完成"
                && done.version == v1.version + 2,
            "{}: saved then submitted: {done:?}",
            ctx.label
        );
        let versions = s.report_versions(done.id).await?;
        ensure!(versions.len() == 3, "{}: three versions", ctx.label);
        ensure!(
            ctx.count("SELECT COUNT(*) FROM audit_log").await? == audit_before + 2,
            "{}: a save entry and a submit entry",
            ctx.label
        );
        // A submitted report is not editable: a second save-and-submit is refused whole.
        next.expected_version = Some(done.version);
        ensure!(matches!(
            s.save_and_submit(&next, "kj").await,
            Err(StoreError::Invalid(_))
        ));
        ensure!(s.report_versions(done.id).await?.len() == 3);
        Ok(())
    })
    .await
}
