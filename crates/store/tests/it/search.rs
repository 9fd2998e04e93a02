//! The task list's text search (`q`) answers from the bigram index; these tests hold it to
//! the plain substring scan it replaces, after every kind of write that changes a task's text.

use std::collections::BTreeSet;

use anyhow::{Context, Result, ensure};
use duban_demo::{DemoOptions, generate};
use duban_model::Ledger;
use duban_store::{PlanId, Scope, Store, StoreOptions, TaskDraft, TaskFilter, restore_url};

use crate::support::{Ctx, Scratch, on_each_backend, sha};

/// The tasks of `ledger` whose text, progress or section contains `q` (ASCII case folded,
/// as `LIKE` does), by position.
fn scan(ledger: &Ledger, q: &str) -> BTreeSet<i64> {
    let q = q.to_ascii_lowercase();
    ledger
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            [
                t.text.as_str(),
                t.progress.as_str(),
                t.section.as_deref().unwrap_or(""),
            ]
            .iter()
            .any(|f| f.to_ascii_lowercase().contains(&q))
        })
        .map(|(i, _)| i64::try_from(i + 1).unwrap_or(i64::MAX))
        .collect()
}

async fn search(s: &Store, plan: PlanId, q: &str) -> Result<BTreeSet<i64>> {
    let mut found = BTreeSet::new();
    let mut offset = 0;
    loop {
        let f = TaskFilter {
            q: Some(q.into()),
            limit: 500,
            offset,
            ..TaskFilter::default()
        };
        let (page, total) = s.list_tasks(plan, &f, &Scope::All).await?;
        found.extend(page.iter().map(|t| t.position));
        offset += 500;
        if i64::from(offset) >= total {
            ensure!(
                usize::try_from(total)? == found.len(),
                "{q:?}: total {total}, rows {}",
                found.len()
            );
            return Ok(found);
        }
    }
}

/// Queries cut from the plan's own texts (1 to 6 characters from varied places, so some
/// cross punctuation), plus a few that match nothing or only by case.
fn queries(ledger: &Ledger) -> Vec<String> {
    let mut out = Vec::new();
    let mut state = 0x9e37_79b9_u64;
    for k in 0..120 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let task = &ledger.tasks[(state >> 33) as usize % ledger.tasks.len()];
        let field = match k % 3 {
            0 => task.text.as_str(),
            1 => task.progress.as_str(),
            _ => task.section.as_deref().unwrap_or(task.text.as_str()),
        };
        let chars: Vec<char> = field.chars().collect();
        if chars.is_empty() {
            continue;
        }
        let len = 1 + k % 6;
        let start = (state >> 17) as usize % chars.len();
        let end = (start + len).min(chars.len());
        out.push(chars[start..end].iter().collect());
    }
    out.extend(["不存在的词组", "公园", "%", "5%", "，", "GDP", "gdp"].map(String::from));
    out
}

async fn agrees_with_the_scan(s: &Store, plan: PlanId, ledger: &Ledger) -> Result<()> {
    for q in queries(ledger) {
        let want = scan(ledger, q.trim());
        let got = search(s, plan, &q).await?;
        ensure!(got == want, "{q:?}: index {got:?}, scan {want:?}");
    }
    Ok(())
}

fn demo_ledger() -> Ledger {
    let mut ledger = generate(&DemoOptions {
        tasks: 240,
        rounds: 1,
        ..DemoOptions::default()
    })
    .ledger;
    // Latin letters in both cases, so the fold is tested too.
    ledger.tasks[3].text.push_str("，GDP增长6%");
    ledger.tasks[7].progress.push_str("（gdp核算口径）");
    ledger
}

#[tokio::test]
async fn search_finds_exactly_what_a_substring_scan_finds_after_import_reimport_and_restore()
-> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let mut ledger = demo_ledger();
        let plan = s
            .import_ledger("演示", &ledger, "demo.txt", &sha(7), "admin")
            .await?;
        agrees_with_the_scan(s, plan, &ledger)
            .await
            .context("after the import")?;

        // A corrected ledger: one task's words change, so the old words must stop matching.
        ledger.tasks[10].text = "建成滨江湿地公园一期，新增绿道12公里".into();
        ledger.tasks[11].progress = "已完成征地拆迁".into();
        s.reimport_ledger(plan, &ledger, "demo2.txt", &sha(8), "admin")
            .await?;
        agrees_with_the_scan(s, plan, &ledger)
            .await
            .context("after the re-import")?;
        ensure!(search(s, plan, "湿地公").await?.contains(&11));

        // A restored database answers the same (the index is rebuilt, not backed up).
        let dir = std::env::temp_dir().join(format!("duban_search_{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let backup = dir.join(format!("{}.jsonl", ctx.label.replace(' ', "_")));
        let _ = std::fs::remove_file(&backup);
        s.backup(&backup).await?;
        let scratch = Scratch::sqlite()?;
        restore_url(&scratch.url, &backup, StoreOptions::for_tests()).await?;
        let restored = Store::connect_with(&scratch.url, StoreOptions::for_tests()).await?;
        agrees_with_the_scan(&restored, plan, &ledger)
            .await
            .context("after a restore into SQLite")?;
        restored.close().await;
        scratch.drop_it().await?;
        let _ = std::fs::remove_dir_all(&dir);

        // A task the office creates, then rewrites, in the UI: found by its words of now.
        let unit = s
            .units()
            .await?
            .first()
            .map(|u| u.id)
            .ok_or_else(|| anyhow::anyhow!("no unit"))?;
        let mut draft = TaskDraft {
            section: None,
            text: "建设智慧停车示范项目".into(),
            lead_units: vec![unit],
            coop_units: Vec::new(),
            leader: None,
            deadline: None,
        };
        let id = s.create_task(plan, &draft, "admin").await?;
        let position = s
            .task(id, &Scope::All)
            .await?
            .map(|t| t.summary.position)
            .ok_or_else(|| anyhow::anyhow!("created task"))?;
        // The plan's own tasks may hold the same words: those stay found as well.
        let with = |q: &str| {
            let mut want = scan(&ledger, q);
            want.insert(position);
            want
        };
        ensure!(search(s, plan, "智慧停车").await? == with("智慧停车"));
        draft.text = "老旧小区加装电梯".into();
        s.edit_task(id, &draft, "admin").await?;
        ensure!(search(s, plan, "智慧停车").await? == scan(&ledger, "智慧停车"));
        ensure!(search(s, plan, "加装电梯").await? == with("加装电梯"));
        Ok(())
    })
    .await
}

#[tokio::test]
async fn tasks_stored_before_the_index_existed_are_indexed_by_migrate() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let ledger = demo_ledger();
        let plan = s
            .import_ledger("演示", &ledger, "demo.txt", &sha(9), "admin")
            .await?;
        // As a database migrated from before the index would be: no terms at all.
        ctx.raw("DELETE FROM task_search").await?;
        // The list answers from the index: with it empty, a two-character word that the
        // plan's first task holds finds nothing.
        let word: String = ledger.tasks[0].text.chars().take(2).collect();
        ensure!(!scan(&ledger, &word).is_empty());
        ensure!(search(s, plan, &word).await?.is_empty(), "{word:?}");
        s.migrate().await?;
        agrees_with_the_scan(s, plan, &ledger).await
    })
    .await
}
