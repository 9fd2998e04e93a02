//! Milestones read from a ledger's milestone column (时间节点 / 序时目标 …), as the store
//! keeps them through import, re-import and the ledger export.

use anyhow::{Context, Result, ensure};
use duban_store::{Scope, TaskFilter};

use crate::support::{Ctx, on_each_backend, sample_ledger, sha};

/// Milestones read from a ledger's column are stored with their task on import, replaced by
/// a re-import that carries the column, kept by one that does not, and carried by the
/// ledger the office downloads — on both backends.
#[tokio::test]
async fn imported_milestones_are_stored_replaced_and_exported() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let store = &ctx.store;
        let mut ledger = sample_ledger();
        ledger.tasks[0].milestones =
            duban_model::parse_milestones("6月底前完成2500辆；9月底主体完工", 2022);
        let plan = store
            .import_ledger("2022年", &ledger, "a.txt", &sha(11), "admin")
            .await?;
        let (tasks, _) = store
            .list_tasks(plan, &TaskFilter::default(), &Scope::All)
            .await?;
        let first = tasks
            .iter()
            .find(|t| t.text == ledger.tasks[0].text)
            .context("the task")?
            .id;
        let stored = store.task_milestones(first).await?;
        ensure!(stored.len() == 2, "{stored:?}");
        ensure!(stored[0].due_date == "2022-06-30" && stored[0].target_value == Some(2500.0));
        ensure!(stored[1].stage.as_deref() == Some("主体完工"));
        let exported = store.plan_ledger(plan).await?;
        let t = exported
            .tasks
            .iter()
            .find(|t| t.text == ledger.tasks[0].text)
            .context("exported")?;
        ensure!(
            t.milestones == ledger.tasks[0].milestones,
            "{:?}",
            t.milestones
        );

        // A re-import with the column replaces them; one without leaves them.
        ledger.tasks[0].milestones = duban_model::parse_milestones("10月底前建成投用", 2022);
        store
            .reimport_ledger(plan, &ledger, "b.txt", &sha(12), "admin")
            .await?;
        let stored = store.task_milestones(first).await?;
        ensure!(
            stored.len() == 1 && stored[0].stage.as_deref() == Some("建成投用"),
            "{stored:?}"
        );
        ledger.tasks[0].milestones.clear();
        store
            .reimport_ledger(plan, &ledger, "c.txt", &sha(13), "admin")
            .await?;
        ensure!(store.task_milestones(first).await?.len() == 1, "kept");
        Ok(())
    })
    .await
}
