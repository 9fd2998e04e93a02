use anyhow::{Result, bail, ensure};
use duban_model::{Location, Warning, WarningCode};
use duban_store::{Backend, Scope, StoreError, TaskFilter};

use crate::support::{Ctx, on_each_backend, sample_ledger, sha};

#[tokio::test]
async fn import_keeps_tasks_units_aliases_groups_and_warnings() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let mut ledger = sample_ledger();
        ledger.warnings.push(Warning::new(
            WarningCode::ClaimedCountMismatch,
            Location::table(1, "附件1").row(3),
            "附件1 标题称15项，实际列出11项",
        ));
        let plan = s
            .import_ledger("2022年重点任务", &ledger, "sample.txt", &sha(1), "admin")
            .await?;
        let p = s
            .plan(plan)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no plan"))?;
        ensure!(p.task_count == 6 && p.year == Some(2022) && p.source_format == "txt");
        ensure!(s.plans().await?.len() == 1);
        let tables = s.plan_tables(plan).await?;
        ensure!(tables.len() == 2 && tables[0].label == "附件1" && tables[1].rows == 3);
        let w = s.import_warnings(plan).await?;
        ensure!(w.len() == 1 && w[0].location == "附件1 第3行" && w[0].row_no == Some(3));

        let units = s.units().await?;
        ensure!(units.len() == 5, "units: {units:?}");
        let sw = s
            .unit_by_name("区招商中心")
            .await?
            .ok_or_else(|| anyhow::anyhow!("alias not found"))?;
        ensure!(sw.name == "区商务委" && sw.lead_tasks == 1 && sw.coop_tasks == 1);
        ensure!(sw.display() == "区商务委（区招商中心）");

        let (tasks, total) = s
            .list_tasks(plan, &TaskFilter::default(), &Scope::All)
            .await?;
        ensure!(total == 6 && tasks.len() == 6);
        ensure!(tasks[0].lead_units == ["区科技局"] && tasks[0].coop_units == ["区商务委"]);
        ensure!(tasks[5].lead_groups == ["各镇街"] && tasks[5].lead_units == ["区人社局"]);
        let detail = s
            .task(tasks[0].id, &Scope::All)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no detail"))?;
        ensure!(detail.coop[0].aliases == ["区招商中心"]);
        ensure!(detail.table_label.as_deref() == Some("附件1"));
        ensure!(detail.summary.disputed && detail.progress.contains("推进中"));
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_second_import_reuses_units_and_merges_aliases() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let first = sample_ledger();
        s.import_ledger("2022年", &first, "a.txt", &sha(1), "admin")
            .await?;
        let mut second = sample_ledger();
        second.tasks[1].lead_units[0]
            .aliases
            .push("区口岸办".into());
        s.import_ledger("2023年", &second, "b.txt", &sha(2), "admin")
            .await?;
        let units = s.units().await?;
        ensure!(units.len() == 5);
        let sw = s
            .unit_by_name("区口岸办")
            .await?
            .ok_or_else(|| anyhow::anyhow!("merged alias not found"))?;
        ensure!(sw.aliases == ["区招商中心", "区口岸办"], "{:?}", sw.aliases);
        ensure!(sw.lead_tasks == 2);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn importing_the_same_file_twice_is_refused() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let ledger = sample_ledger();
        let plan = s
            .import_ledger("2022年", &ledger, "a.txt", &sha(7), "admin")
            .await?;
        match s
            .import_ledger("另一个名字", &ledger, "copy.txt", &sha(7), "admin")
            .await
        {
            Err(StoreError::DuplicateImport { plan: p, plan_name }) => {
                ensure!(p == plan && plan_name == "2022年");
            }
            other => bail!("second import gave {other:?}"),
        }
        ensure!(s.plans().await?.len() == 1);
        ensure!(s.plan_by_sha256(&sha(7)).await?.map(|p| p.id) == Some(plan));
        Ok(())
    })
    .await
}

const SQLITE_FAULT: &str = "CREATE TRIGGER inject_fault BEFORE INSERT ON task_units \
     WHEN NEW.role = 'coop' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;";
const PG_FAULT: &str = "CREATE FUNCTION inject_fault() RETURNS trigger LANGUAGE plpgsql AS \
     $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$; \
     CREATE TRIGGER inject_fault BEFORE INSERT ON task_units FOR EACH ROW \
     WHEN (NEW.role = 'coop') EXECUTE FUNCTION inject_fault();";

#[tokio::test]
async fn an_import_that_fails_midway_leaves_nothing() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let audit_before = s.audit_verify().await?.entries;
        // Units and tasks are inserted before the links: fail on the links.
        match s.backend() {
            Backend::Sqlite => ctx.raw(SQLITE_FAULT).await?,
            Backend::Postgres => ctx.raw(PG_FAULT).await?,
        }
        let ledger = sample_ledger();
        let r = s
            .import_ledger("2022年", &ledger, "a.txt", &sha(3), "admin")
            .await;
        ensure!(r.is_err(), "the injected failure did not fail the import");
        for table in [
            "plans",
            "plan_tables",
            "tasks",
            "units",
            "task_units",
            "task_groups",
        ] {
            let n = ctx.count(format!("SELECT COUNT(*) FROM {table}")).await?;
            ensure!(n == 0, "{table} kept {n} rows");
        }
        let report = s.audit_verify().await?;
        ensure!(report.ok() && report.entries == audit_before);

        match s.backend() {
            Backend::Sqlite => ctx.raw("DROP TRIGGER inject_fault").await?,
            Backend::Postgres => ctx.raw("DROP TRIGGER inject_fault ON task_units").await?,
        }
        s.import_ledger("2022年", &ledger, "a.txt", &sha(3), "admin")
            .await?;
        ensure!(ctx.count("SELECT COUNT(*) FROM tasks").await? == 6);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn an_empty_ledger_or_plan_name_is_refused() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let mut empty = sample_ledger();
        empty.tasks.clear();
        ensure!(matches!(
            s.import_ledger("x", &empty, "e.txt", &sha(4), "admin")
                .await,
            Err(StoreError::Invalid(_))
        ));
        ensure!(matches!(
            s.import_ledger("  ", &sample_ledger(), "e.txt", &sha(4), "admin")
                .await,
            Err(StoreError::Invalid(_))
        ));
        ensure!(s.plans().await?.is_empty());
        Ok(())
    })
    .await
}
