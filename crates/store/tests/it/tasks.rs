use anyhow::{Result, ensure};
use duban_model::Verdict;
use duban_store::{PlanId, Scope, Store, TaskFilter};

use crate::support::{Ctx, on_each_backend, sample_ledger, sha};

async fn imported(s: &Store) -> Result<PlanId> {
    Ok(
        s.import_ledger("2022年", &sample_ledger(), "a.txt", &sha(1), "admin")
            .await?,
    )
}

async fn texts(s: &Store, plan: PlanId, f: TaskFilter, scope: Scope) -> Result<Vec<String>> {
    let (tasks, total) = s.list_tasks(plan, &f, &scope).await?;
    ensure!(
        usize::try_from(total)? >= tasks.len(),
        "total {total} below page size"
    );
    Ok(tasks.into_iter().map(|t| t.text).collect())
}

fn q(s: &str) -> TaskFilter {
    TaskFilter {
        q: Some(s.into()),
        ..TaskFilter::default()
    }
}

#[tokio::test]
async fn a_unit_sees_exactly_the_tasks_it_leads_or_cooperates_on() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let plan = imported(s).await?;
        let kj = s.unit_by_name("区科技局").await?.map(|u| u.id);
        let kj = kj.ok_or_else(|| anyhow::anyhow!("no unit"))?;
        let seen = texts(s, plan, TaskFilter::default(), Scope::Unit(kj)).await?;
        ensure!(
            seen == ["技术交易合同登记额增长15%", "建成江山公园"],
            "{seen:?}"
        );
        let (all, _) = s
            .list_tasks(plan, &TaskFilter::default(), &Scope::All)
            .await?;
        for t in &all {
            let visible = s.task(t.id, &Scope::Unit(kj)).await?.is_some();
            ensure!(
                visible == seen.contains(&t.text),
                "task {} visibility",
                t.text
            );
            ensure!(s.task_in_scope(t.id, &Scope::Unit(kj)).await? == visible);
            ensure!(s.task(t.id, &Scope::All).await?.is_some());
        }
        let o = s.overview(plan, &Scope::Unit(kj)).await?;
        ensure!(o.counts.total == 2);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn filters_and_one_or_two_character_chinese_search() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let plan = imported(s).await?;
        ensure!(texts(s, plan, q("园"), Scope::All).await? == ["建成江山公园"]);
        ensure!(texts(s, plan, q("整车"), Scope::All).await? == ["进口整车5000辆以上"]);
        // Wildcards are literal.
        ensure!(texts(s, plan, q("%"), Scope::All).await?.len() == 2);
        ensure!(texts(s, plan, q("%_"), Scope::All).await? == ["完成50%_的绿化提升"]);
        ensure!(texts(s, plan, q("_"), Scope::All).await? == ["完成50%_的绿化提升"]);
        // Search covers the section too.
        ensure!(texts(s, plan, q("民生"), Scope::All).await? == ["新增城镇就业1.5万人"]);
        ensure!(
            texts(s, plan, q("不存在的词"), Scope::All)
                .await?
                .is_empty()
        );

        let by_verdict = TaskFilter {
            verdict: Some(Verdict::Met),
            ..TaskFilter::default()
        };
        ensure!(texts(s, plan, by_verdict, Scope::All).await?.len() == 3);
        let disputed = TaskFilter {
            disputed: Some(true),
            ..TaskFilter::default()
        };
        ensure!(
            texts(s, plan, disputed, Scope::All).await?
                == ["技术交易合同登记额增长15%", "新增城镇就业1.5万人"]
        );
        let section = TaskFilter {
            section: Some("城市建设".into()),
            ..TaskFilter::default()
        };
        ensure!(texts(s, plan, section, Scope::All).await?.len() == 2);
        let zj = s.unit_by_name("区住建委").await?.map(|u| u.id);
        let lead = TaskFilter {
            lead_unit: zj,
            ..TaskFilter::default()
        };
        ensure!(texts(s, plan, lead, Scope::All).await?.len() == 2);
        let kj = s.unit_by_name("区科技局").await?.map(|u| u.id);
        let lead_kj = TaskFilter {
            lead_unit: kj,
            ..TaskFilter::default()
        };
        ensure!(texts(s, plan, lead_kj, Scope::All).await?.len() == 1);
        let any_kj = TaskFilter {
            unit: kj,
            ..TaskFilter::default()
        };
        ensure!(texts(s, plan, any_kj, Scope::All).await?.len() == 2);

        let page = TaskFilter {
            limit: 2,
            offset: 4,
            ..TaskFilter::default()
        };
        let (tasks, total) = s.list_tasks(plan, &page, &Scope::All).await?;
        ensure!(total == 6 && tasks.len() == 2 && tasks[0].position == 5);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn overview_counts_come_from_the_rows() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let plan = imported(s).await?;
        let o = s.overview(plan, &Scope::All).await?;
        ensure!(o.counts.total == 6 && o.counts.met == 3 && o.counts.not_met == 3);
        ensure!(o.disputed == 2);
        let sections: Vec<_> = o
            .by_section
            .iter()
            .map(|c| (c.section.clone().unwrap_or_default(), c.counts.total))
            .collect();
        ensure!(
            sections
                == [
                    ("经济发展".to_string(), 2),
                    ("生态环境".to_string(), 1),
                    ("城市建设".to_string(), 2),
                    ("民生保障".to_string(), 1)
                ],
            "{sections:?}"
        );
        ensure!(o.by_lead_unit[0].name == "区住建委" && o.by_lead_unit[0].counts.met == 2);
        let led: i64 = o.by_lead_unit.iter().map(|u| u.counts.total).sum();
        ensure!(led == 6);
        ensure!(s.sections(plan).await?.len() == 4);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn an_override_becomes_the_effective_verdict() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let plan = imported(s).await?;
        let (tasks, _) = s
            .list_tasks(plan, &TaskFilter::default(), &Scope::All)
            .await?;
        let id = tasks[0].id;
        ensure!(
            s.override_verdict(id, Some(Verdict::Met), " ", "admin")
                .await
                .is_err(),
            "an override without a reason was accepted"
        );
        // The overview is cached on this handle; the change comes through another one, as
        // from a second app instance, and must still show.
        ensure!(s.overview(plan, &Scope::All).await?.counts.met == 3);
        let met = TaskFilter {
            verdict: Some(Verdict::Met),
            ..TaskFilter::default()
        };
        ensure!(s.list_tasks(plan, &met, &Scope::All).await?.1 == 3);
        let other = ctx.second_handle().await?;
        other
            .override_verdict(id, Some(Verdict::Met), "补充材料证明已完成", "admin")
            .await?;
        other.close().await;
        let d = s
            .task(id, &Scope::All)
            .await?
            .ok_or_else(|| anyhow::anyhow!("gone"))?;
        ensure!(d.summary.verdict == Some(Verdict::Met));
        ensure!(
            d.final_verdict == Some(Verdict::Met) && d.overridden_by.as_deref() == Some("admin")
        );
        ensure!(s.overview(plan, &Scope::All).await?.counts.met == 4);
        let (page, total) = s.list_tasks(plan, &met, &Scope::All).await?;
        ensure!(
            total == 4 && page.len() == 4,
            "a cached total outlived the change"
        );
        s.override_verdict(id, None, "", "admin").await?;
        let d = s
            .task(id, &Scope::All)
            .await?
            .ok_or_else(|| anyhow::anyhow!("gone"))?;
        ensure!(d.summary.verdict == Some(Verdict::NotMet) && d.final_verdict.is_none());
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}
