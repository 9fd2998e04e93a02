//! Reopening one report for a corrected submission.

use anyhow::{Result, bail, ensure};
use duban_store::{DraftInput, ReportStatus, Scope, SelfStatus, StoreError, TaskFilter};

use crate::support::{Ctx, on_each_backend, sample_ledger, sha};

#[tokio::test]
async fn an_accepted_report_reopens_for_its_unit_with_a_reason() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let plan = s
            .import_ledger("2022年", &sample_ledger(), "a.txt", &sha(7), "admin")
            .await?;
        let (tasks, _) = s
            .list_tasks(plan, &TaskFilter::default(), &Scope::All)
            .await?;
        let unit = s
            .unit_by_name("区科技局")
            .await?
            .ok_or_else(|| anyhow::anyhow!("no unit"))?
            .id;
        let round = s.open_round(plan, "1月", "2022-01-31", "admin").await?;
        let input = DraftInput {
            task: tasks[0].id,
            round: round.id,
            unit,
            narrative: "完成70%".into(),
            figures: serde_json::json!({}),
            self_status: Some(SelfStatus::OnSchedule),
            delay_reason: None,
            next_steps: None,
            expected_version: None,
        };
        let r = s.save_draft(&input, "kj").await?;
        // A draft is already editable: nothing to reopen.
        ensure!(matches!(
            s.reopen_report(r.id, "补充数据", "admin").await,
            Err(StoreError::Invalid(_))
        ));
        let r = s.submit_report(r.id, r.version, "kj").await?;
        let r = s.accept_report(r.id, "admin").await?;
        // The reason is required; a refusal changes nothing.
        ensure!(matches!(
            s.reopen_report(r.id, "  ", "admin").await,
            Err(StoreError::Invalid(_))
        ));
        ensure!(s.report(r.id, &Scope::All).await?.map(|x| x.version) == Some(r.version));
        let reopened = s.reopen_report(r.id, "数据有误，请更正", "admin").await?;
        ensure!(reopened.status == ReportStatus::Returned);
        ensure!(reopened.version == r.version + 1);
        ensure!(reopened.return_reason.as_deref() == Some("数据有误，请更正"));
        // The unit edits and submits again.
        let mut fix = input.clone();
        fix.narrative = "全部完成".into();
        fix.expected_version = Some(reopened.version);
        let fixed = s.save_draft(&fix, "kj").await?;
        let fixed = s.submit_report(fixed.id, fixed.version, "kj").await?;
        ensure!(fixed.status == ReportStatus::Submitted);
        let statuses: Vec<_> = s
            .report_versions(r.id)
            .await?
            .iter()
            .map(|v| v.status)
            .collect();
        ensure!(
            statuses
                == [
                    ReportStatus::Draft,
                    ReportStatus::Submitted,
                    ReportStatus::Accepted,
                    ReportStatus::Returned,
                    ReportStatus::Returned,
                    ReportStatus::Submitted,
                ],
            "{statuses:?}"
        );
        // A closed round locks its reports: reopening one is refused.
        let accepted = s.accept_report(fixed.id, "admin").await?;
        s.close_round(round.id, "admin").await?;
        match s.reopen_report(accepted.id, "迟报", "admin").await {
            Err(StoreError::Invalid(m)) => ensure!(m.contains("关闭"), "{m}"),
            other => bail!("reopen in a closed round gave {other:?}"),
        }
        ensure!(matches!(
            s.reopen_report(duban_store::ReportId(999_999), "x", "admin")
                .await,
            Err(StoreError::NotFound(_))
        ));
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}
