use anyhow::{Result, ensure};
use duban_store::Store;

use crate::support::{Ctx, on_each_backend, sample_ledger, sha};

async fn some_history(s: &Store) -> Result<()> {
    for name in ["区科技局", "区商务委", "区住建委", "区人社局"] {
        s.create_unit(name, &[], "admin").await?;
    }
    s.import_ledger("2022年", &sample_ledger(), "a.txt", &sha(1), "admin")
        .await?;
    Ok(())
}

#[tokio::test]
async fn the_chain_verifies_and_names_a_changed_entry() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        some_history(s).await?;
        let r = s.audit_verify().await?;
        ensure!(r.ok() && r.entries == 5 && r.head_seq == 5, "{r:?}");
        let newest = s.audit_entries(2, None).await?;
        ensure!(newest.len() == 2 && newest[0].seq == 5 && newest[0].action == "plan.import");
        ensure!(newest[0].prev_hash == newest[1].hash);

        ctx.raw("UPDATE audit_log SET actor = 'intruder' WHERE seq = 3")
            .await?;
        let r = s.audit_verify().await?;
        ensure!(r.first_broken == Some(3), "{r:?}");
        ensure!(r.problem.as_deref().is_some_and(|p| p.contains('3')));
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_deleted_entry_breaks_the_chain_in_the_middle_or_at_the_end() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        some_history(s).await?;
        ctx.raw("DELETE FROM audit_log WHERE seq = 5").await?;
        ensure!(s.audit_verify().await?.first_broken == Some(5));
        ctx.raw("DELETE FROM audit_log WHERE seq = 2").await?;
        ensure!(s.audit_verify().await?.first_broken == Some(2));
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_rehashed_forgery_is_still_caught_by_the_next_link() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        some_history(s).await?;
        // Someone who changes an entry and recomputes its hash still breaks the next
        // entry's prev_hash.
        ctx.raw("UPDATE audit_log SET hash = 'ff' || substr(hash, 3) WHERE seq = 2")
            .await?;
        let r = s.audit_verify().await?;
        ensure!(r.first_broken == Some(2), "{r:?}");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn concurrent_appenders_on_two_handles_keep_one_chain() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let a = ctx.store.clone();
        let b = ctx.second_handle().await?;
        let mut jobs = Vec::new();
        for i in 0..40 {
            let s = if i % 2 == 0 { a.clone() } else { b.clone() };
            jobs.push(tokio::spawn(async move {
                s.create_unit(&format!("单位{i}"), &[], "admin").await
            }));
        }
        for j in jobs {
            j.await??;
        }
        let r = a.audit_verify().await?;
        ensure!(r.ok() && r.entries == 40 && r.head_seq == 40, "{r:?}");
        b.close().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn backup_writes_a_usable_copy() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        some_history(s).await?;
        let dir = std::env::temp_dir().join(format!(
            "duban_backup_{}_{}",
            std::process::id(),
            s.backend().as_str()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let out = dir.join("backup.out");
        s.backup(&out).await?;
        ensure!(
            s.backup(&out).await.is_err(),
            "overwrote an existing backup"
        );
        // One portable format from either backend: a header, rows, a trailer of counts.
        let text = std::fs::read_to_string(&out)?;
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()?;
        ensure!(lines[0]["format"] == "duban-backup" && lines[0]["schema"].as_i64() >= Some(11));
        ensure!(lines[0]["source"] == s.backend().as_str());
        let tasks = lines.iter().filter(|v| v["table"] == "tasks").count();
        ensure!(tasks == 6, "dump has {tasks} tasks");
        ensure!(lines.last().map(|v| v["end"]["tasks"] == 6) == Some(true));
        ensure!(!lines.iter().any(|v| v["table"] == "sessions"));
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    })
    .await
}
