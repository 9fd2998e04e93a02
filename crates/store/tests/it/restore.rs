//! The portable backup under write load, restored into both backends; restore after a crash.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail, ensure};
use duban_store::{NewUser, Role, SessionLimits, Store, StoreOptions, TaskFilter, restore_url};
use time::OffsetDateTime;

use crate::support::{Ctx, Scratch, on_each_backend, sample_ledger, sha};

/// Every backed-up row, per table, as sorted JSON texts (order within a table is not kept).
fn rows_of(backup: &Path) -> Result<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in std::fs::read_to_string(backup)?.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        if let Some(t) = v["table"].as_str() {
            out.entry(t.to_string())
                .or_default()
                .push(v["row"].to_string());
        }
    }
    for rows in out.values_mut() {
        rows.sort();
    }
    Ok(out)
}

async fn history(s: &Store) -> Result<()> {
    s.import_ledger("2022年", &sample_ledger(), "a.txt", &sha(1), "admin")
        .await?;
    let u = s
        .create_user(
            &NewUser {
                username: "office".into(),
                display_name: "督查办".into(),
                role: Role::Admin,
                unit_id: None,
                password: "river-stone-42".into(),
                must_change: false,
            },
            "cli",
        )
        .await?;
    s.create_session(u.id, OffsetDateTime::now_utc()).await?;
    // A close-out with an evidence file: its bytes must travel through the backup too
    // (the comparison below checks them, as hex, table by table).
    let plan = s.plans().await?[0].id;
    let (tasks, _) = s
        .list_tasks(plan, &TaskFilter::default(), &duban_store::Scope::All)
        .await?;
    let detail = s
        .task(tasks[0].id, &duban_store::Scope::All)
        .await?
        .context("task")?;
    let lead = detail.lead.first().context("a lead unit")?.id;
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend((0u8..=255).collect::<Vec<u8>>());
    let c = s
        .apply_closeout(
            tasks[0].id,
            lead,
            "已全部完成。",
            &[duban_store::NewFile {
                name: "验收报告.pdf".into(),
                bytes: bytes.clone(),
            }],
            1 << 20,
            "unit",
        )
        .await?;
    s.decide_closeout(c.id, true, "", "office").await?;
    Ok(())
}

/// Restores `backup` into `target`, then checks every table against the backup and the
/// audit chain.
async fn restore_and_compare(backup: &Path, target: &str, dir: &Path) -> Result<()> {
    let report = restore_url(target, backup, StoreOptions::for_tests()).await?;
    ensure!(report.audit.ok(), "{:?}", report.audit);
    let store = Store::connect_with(target, StoreOptions::for_tests()).await?;
    ensure!(store.audit_verify().await?.ok());
    let again = dir.join(format!("again-{}.jsonl", store.backend().as_str()));
    let _ = std::fs::remove_file(&again);
    store.backup(&again).await?;
    let want = rows_of(backup)?;
    let mut got = rows_of(&again)?;
    // The restore is itself recorded: one more audit entry, and the head moved on.
    let restore_entry = got
        .get_mut("audit_log")
        .and_then(|rows| {
            let i = rows.iter().position(|r| r.contains("database.restore"))?;
            Some(rows.remove(i))
        })
        .context("no audit entry for the restore")?;
    ensure!(restore_entry.contains("duban restore"));
    for (table, rows) in &want {
        if table == "audit_head" {
            continue;
        }
        let restored = got.get(table).cloned().unwrap_or_default();
        ensure!(
            &restored == rows,
            "table {table}: {} rows backed up, {} restored (first differing: {:?})",
            rows.len(),
            restored.len(),
            rows.iter().zip(&restored).find(|(a, b)| a != b)
        );
    }
    ensure!(want.keys().all(|t| got.contains_key(t)));
    // Sessions never come back.
    ensure!(
        !rows_of(&again)?.contains_key("sessions"),
        "sessions in the backup"
    );
    let (tasks, _) = store
        .list_tasks(
            store.plans().await?[0].id,
            &TaskFilter::default(),
            &duban_store::Scope::All,
        )
        .await?;
    ensure!(tasks.len() == 6);
    let files = store.all_attachments(10).await?;
    ensure!(files.len() == 1, "{files:?}");
    let (_, bytes) = store
        .attachment_content(files[0].id, &duban_store::Scope::All)
        .await?
        .context("the file's bytes")?;
    ensure!(bytes.len() == 9 + 256 && bytes[9..].iter().enumerate().all(|(i, b)| *b as usize == i));
    ensure!(tasks.iter().filter(|t| t.closed_on.is_some()).count() == 1);
    store.close().await;
    Ok(())
}

#[tokio::test]
async fn a_backup_under_write_load_restores_into_both_backends() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = ctx.store.clone();
        history(&s).await?;
        // Writers keep going while the backup is taken.
        let writer = {
            let s = s.clone();
            tokio::spawn(async move {
                let mut n = 0u32;
                loop {
                    if s.create_unit(&format!("负载单位{n}"), &[], "load")
                        .await
                        .is_err()
                    {
                        break n;
                    }
                    n += 1;
                    if n >= 400 {
                        break n;
                    }
                }
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        let dir = std::env::temp_dir().join(format!(
            "duban_restore_{}_{}",
            std::process::id(),
            ctx.label
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let backup = dir.join("backup.jsonl");
        s.backup(&backup).await?;
        let written = writer.await?;
        ensure!(written > 0, "no writes happened");
        let rows = rows_of(&backup)?;
        let units = rows.get("units").map(Vec::len).unwrap_or(0);
        let audit = rows.get("audit_log").map(Vec::len).unwrap_or(0);
        // A consistent snapshot: every unit the writer created is in the backup exactly
        // when its audit entry is.
        let load_units = rows["units"]
            .iter()
            .filter(|r| r.contains("负载单位"))
            .count();
        let load_entries = rows["audit_log"]
            .iter()
            .filter(|r| r.contains("unit.create") && r.contains("负载单位"))
            .count();
        ensure!(units >= 4, "{units}");
        ensure!(
            load_units == load_entries,
            "{load_units} units, {load_entries} entries"
        );
        ensure!(audit > 0);

        // Into SQLite, and into PostgreSQL when it is available: the same rows either way.
        let sqlite = Scratch::sqlite()?;
        restore_and_compare(&backup, &sqlite.url, &dir)
            .await
            .context("restoring into SQLite")?;
        sqlite.drop_it().await?;
        if let Some(pg) = Scratch::postgres().await? {
            restore_and_compare(&backup, &pg.url, &dir)
                .await
                .context("restoring into PostgreSQL")?;
            pg.drop_it().await?;
        }
        // Restoring into the database itself: sessions logged in since are gone.
        let live = s.list_users().await?;
        ensure!(!live.is_empty());
        let report = s.restore_from(&backup).await?;
        ensure!(report.audit.ok());
        ensure!(ctx.count("SELECT COUNT(*) FROM sessions").await? == 0);
        ensure!(
            ctx.count("SELECT COUNT(*) FROM units").await? == units as i64,
            "the units written after the backup are gone"
        );
        // And the store goes on writing after a restore (identities continue).
        s.create_unit("恢复后新增单位", &[], "admin").await?;
        ensure!(s.audit_verify().await?.ok());
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn restore_refuses_a_running_service_and_a_truncated_backup() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        history(s).await?;
        let dir =
            std::env::temp_dir().join(format!("duban_refuse_{}_{}", std::process::id(), ctx.label));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let backup = dir.join("b.jsonl");
        s.backup(&backup).await?;
        s.heartbeat("instance-1", "duban-host", 4242).await?;
        match s.restore_from(&backup).await {
            Err(e) => ensure!(
                e.to_string().contains("正被运行中的服务使用") && e.to_string().contains("4242"),
                "{e}"
            ),
            Ok(_) => bail!("restored under a running service"),
        }
        match restore_url(&ctx.url, &backup, StoreOptions::for_tests()).await {
            Err(e) => ensure!(e.to_string().contains("正被运行中的服务使用"), "{e}"),
            Ok(_) => bail!("restored under a running service"),
        }
        s.leave("instance-1").await?;
        // A backup cut short is refused, naming the file, and nothing changes.
        let text = std::fs::read_to_string(&backup)?;
        let cut: Vec<&str> = text.lines().collect();
        let truncated = dir.join("cut.jsonl");
        std::fs::write(&truncated, cut[..cut.len() - 2].join("\n"))?;
        let before = ctx.count("SELECT COUNT(*) FROM audit_log").await?;
        match s.restore_from(&truncated).await {
            Err(e) => ensure!(
                e.to_string().contains("cut.jsonl") && e.to_string().contains("不完整"),
                "{e}"
            ),
            Ok(_) => bail!("restored a truncated backup"),
        }
        ensure!(ctx.count("SELECT COUNT(*) FROM audit_log").await? == before);
        ensure!(ctx.count("SELECT COUNT(*) FROM sessions").await? == 1);
        std::fs::write(&truncated, "not a backup\n")?;
        ensure!(s.restore_from(&truncated).await.is_err());
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    })
    .await
}

/// The case: after a crash the database has a WAL beside it; copying a backup over
/// the file leaves that WAL, which SQLite then replays into the wrong file. `restore_url`
/// removes it and the restored database opens, verifies and has no sessions.
#[tokio::test]
async fn restore_after_a_crash_with_a_stale_wal() -> Result<()> {
    let dir = tempfile_dir("crash")?;
    let db = dir.join("duban.db");
    let url = format!("sqlite://{}", db.display());
    let backup = dir.join("backup.jsonl");
    {
        let s = Store::connect_with(&url, StoreOptions::for_tests()).await?;
        s.migrate().await?;
        history(&s).await?;
        s.backup(&backup).await?;
        // More work after the backup, then a "crash": the files are copied as they are
        // while the store is open, WAL included, as a killed process leaves them.
        for i in 0..20 {
            s.create_unit(&format!("崩溃前单位{i}"), &[], "admin")
                .await?;
        }
        let crashed = dir.join("crashed");
        std::fs::create_dir_all(&crashed)?;
        for suffix in ["", "-wal", "-shm"] {
            let from = dir.join(format!("duban.db{suffix}"));
            if from.exists() {
                std::fs::copy(&from, crashed.join(format!("duban.db{suffix}")))?;
            }
        }
        s.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("duban.db{suffix}")));
            let from = crashed.join(format!("duban.db{suffix}"));
            if from.exists() {
                std::fs::copy(&from, dir.join(format!("duban.db{suffix}")))?;
            }
        }
        // Then the way anyone would restore: another database file copied over duban.db,
        // the crashed WAL left beside it.
        let other_url = format!("sqlite://{}", dir.join("other.db").display());
        let other = Store::connect_with(&other_url, StoreOptions::for_tests()).await?;
        other.migrate().await?;
        other.create_unit("别的库", &[], "admin").await?;
        other.close().await;
        std::fs::copy(dir.join("other.db"), &db)?;
    }
    let wal = dir.join("duban.db-wal");
    ensure!(wal.exists(), "the simulated crash left no WAL");
    let report = restore_url(&url, &backup, StoreOptions::for_tests()).await?;
    ensure!(report.audit.ok(), "{:?}", report.audit);
    ensure!(
        report
            .removed_files
            .iter()
            .any(|f| f.ends_with("duban.db-wal")),
        "{:?}",
        report.removed_files
    );
    let s = Store::connect_with(&url, StoreOptions::for_tests()).await?;
    ensure!(s.audit_verify().await?.ok());
    ensure!(
        s.units()
            .await?
            .iter()
            .all(|u| !u.name.starts_with("崩溃前单位"))
    );
    ensure!(s.plans().await?.len() == 1);
    let integrity: String = {
        let pool = sqlx::SqlitePool::connect(&url).await?;
        let r = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await?;
        pool.close().await;
        r
    };
    ensure!(integrity == "ok", "{integrity}");
    // The office's session from before the backup is not revived.
    let none = s
        .session("any", OffsetDateTime::now_utc(), SessionLimits::default())
        .await?;
    ensure!(none.is_none());
    s.close().await;
    let pool = sqlx::SqlitePool::connect(&url).await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&pool)
        .await?;
    pool.close().await;
    ensure!(n == 0);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir(tag: &str) -> Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!(
        "duban_{tag}_{}_{}",
        std::process::id(),
        OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}
