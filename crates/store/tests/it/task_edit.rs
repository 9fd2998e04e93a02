//! Tasks kept by the office, through the Store API on each backend: a created task is
//! listed, counted and in its unit's scope; a retired one leaves every list (the unit's own
//! page path too) and count but stays readable; the handover reaches live tasks only; a
//! split with a sub-task lacking a lead unit writes nothing.

use anyhow::{Context, Result, ensure};
use duban_store::{Scope, StoreError, TaskDraft, TaskFilter};

use crate::support::{Ctx, on_each_backend, sample_ledger, sha};

#[tokio::test]
async fn created_retired_handed_over_and_split() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let plan = s
            .import_ledger("2022年", &sample_ledger(), "a.txt", &sha(1), "admin")
            .await?;
        let kj = s.unit_by_name("区科技局").await?.context("unit")?.id;
        let total = |scope: Scope| async move {
            Ok::<i64, anyhow::Error>(s.overview(plan, &scope).await?.counts.total)
        };
        let (all0, kj0) = (total(Scope::All).await?, total(Scope::Unit(kj)).await?);

        let id = s
            .create_task(
                plan,
                &TaskDraft {
                    text: "新建充电桩2500个".into(),
                    lead_units: vec![kj],
                    deadline: Some("2022年底".into()),
                    ..TaskDraft::default()
                },
                "admin",
            )
            .await?;
        ensure!(total(Scope::All).await? == all0 + 1, "counted");
        ensure!(
            total(Scope::Unit(kj)).await? == kj0 + 1,
            "in the unit's scope"
        );
        let t = s.task(id, &Scope::Unit(kj)).await?.context("visible")?;
        ensure!(
            t.targets.iter().any(|g| g.value == Some(2500.0)),
            "targets read"
        );

        s.retire_task(id, "并入其他任务", "admin").await?;
        ensure!(total(Scope::All).await? == all0, "no longer counted");
        let (own, n) = s
            .list_tasks(plan, &TaskFilter::default(), &Scope::Unit(kj))
            .await?;
        ensure!(
            !own.iter().any(|t| t.id == id) && usize::try_from(n)? == own.len(),
            "gone from the unit's own list"
        );
        let retired = TaskFilter {
            retired: true,
            ..TaskFilter::default()
        };
        let (gone, _) = s.list_tasks(plan, &retired, &Scope::All).await?;
        ensure!(
            gone.iter().map(|t| t.id).collect::<Vec<_>>() == vec![id],
            "listed as retired"
        );
        let t = s.task(id, &Scope::All).await?.context("kept")?;
        ensure!(
            t.retire_reason.as_deref() == Some("并入其他任务"),
            "history kept"
        );
        match s.edit_task(id, &TaskDraft::default(), "admin").await {
            Err(StoreError::Invalid(m)) => ensure!(m.contains("已撤销"), "{m}"),
            other => anyhow::bail!("edit of a retired task: {other:?}"),
        }

        // 交办 reaches the live tasks' lead units only; the retired task has none.
        let handed = s.hand_over_plan(plan, "admin").await?;
        let pairs = ctx
            .count(
                "SELECT COUNT(*) FROM task_units tu JOIN tasks t ON t.id = tu.task_id \
                 WHERE tu.role = 'lead' AND t.retired_at IS NULL",
            )
            .await?;
        ensure!(
            i64::try_from(handed)? == pairs,
            "{handed} handed, {pairs} pairs"
        );
        let counts = s.handover_counts(plan, &Scope::All).await?;
        ensure!(
            counts.handed == pairs && counts.acknowledged == 0,
            "{counts:?}"
        );

        // A split whose second sub-task has no lead unit: refused, nothing written.
        let (live, _) = s
            .list_tasks(plan, &TaskFilter::default(), &Scope::All)
            .await?;
        let parent = live.first().context("a task")?.id;
        let tasks_before = ctx.count("SELECT COUNT(*) FROM tasks").await?;
        let child = |text: &str, lead| TaskDraft {
            text: text.into(),
            lead_units: lead,
            ..TaskDraft::default()
        };
        match s
            .split_task(
                parent,
                &[child("一", vec![kj]), child("二", vec![])],
                "admin",
            )
            .await
        {
            Err(StoreError::Invalid(m)) => {
                ensure!(m.contains("第2项子任务") && m.contains("牵头单位"), "{m}")
            }
            other => anyhow::bail!("split without a lead: {other:?}"),
        }
        ensure!(
            ctx.count("SELECT COUNT(*) FROM tasks").await? == tasks_before,
            "nothing written"
        );
        Ok(())
    })
    .await
}
