//! The keyed audit chain and its checkpoints outside the database (issue 16, point 5): the
//! auditors' defect was that someone able to write the database could delete the newest
//! entries, rewrite the head, and verify still passed.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use duban_store::{
    AuditEntry, AuditFault, AuditKey, AuditSeal, Store, StoreError, StoreOptions, restore_url,
};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::support::{Ctx, Scratch, on_each_backend, sample_ledger, sha};

/// A fresh directory for key files and checkpoints.
fn scratch_dir(label: &str) -> Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "duban_audit_key_{label}_{}_{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The context's (fresh, empty) database through a store holding a real key file and a
/// checkpoint directory, as the command line and the service open it.
fn sealed(ctx: &Ctx, dir: &Path) -> Result<Store> {
    let seal = AuditSeal::open(&dir.join("duban.db.audit-key"), None, true)?;
    ensure!(seal.created());
    Ok(ctx.store.clone().with_audit(seal))
}

async fn history(s: &Store, units: &[&str]) -> Result<()> {
    for name in units {
        s.create_unit(name, &[], "admin").await?;
    }
    Ok(())
}

/// The text an entry's hash covers, as the store builds it.
fn canonical(e: &AuditEntry, prev_hash: &str) -> String {
    serde_json::json!([
        e.seq,
        e.at.unix_timestamp(),
        e.actor,
        e.action,
        e.entity,
        e.entity_id,
        e.before_json,
        e.after_json,
        prev_hash
    ])
    .to_string()
}

/// How a forger without the key would sign: plain SHA-256, or HMAC under a key of their own.
fn forged_hash(text: &str, key: Option<&[u8]>) -> String {
    match key {
        Some(k) => {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(k).expect("any key length");
            mac.update(text.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        None => hex::encode(Sha256::digest(text.as_bytes())),
    }
}

/// Rewrites entries `from..` behind the store's back: `actor` on the first, and every hash
/// and link recomputed from there, head included, so the chain is consistent except for
/// the key.
async fn rewrite_chain(ctx: &Ctx, from: i64, key: Option<&[u8]>, keyed_from: i64) -> Result<()> {
    let mut all = ctx.store.audit_entries(1000, None).await?;
    all.reverse();
    let mut prev = all
        .iter()
        .find(|e| e.seq == from - 1)
        .map(|e| e.hash.clone())
        .unwrap_or_else(|| "0".repeat(64));
    let mut sql = String::new();
    for e in all.iter_mut().filter(|e| e.seq >= from) {
        if e.seq == from {
            e.actor = "intruder".into();
        }
        let hash = forged_hash(&canonical(e, &prev), key);
        // Hex digests and integers read from the log: nothing here needs quoting.
        sql.push_str(&format!(
            "UPDATE audit_log SET actor = '{}', prev_hash = '{prev}', hash = '{hash}' WHERE seq = {};\n",
            e.actor, e.seq
        ));
        prev = hash;
    }
    let key_check = if key.is_none() && keyed_from > from {
        "NULL".to_string()
    } else {
        "key_check".to_string()
    };
    sql.push_str(&format!(
        "UPDATE audit_head SET hash = '{prev}', keyed_from = {keyed_from}, key_check = {key_check} WHERE id = 1;"
    ));
    ctx.raw(sql).await
}

#[tokio::test]
async fn truncating_the_newest_entries_and_rewinding_the_head_contradicts_a_checkpoint()
-> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let dir = scratch_dir(&ctx.label)?;
        let s = sealed(&ctx, &dir)?;
        history(&s, &["区科技局", "区商务委", "区住建委"]).await?;
        let backup = s.backup(&dir.join("b.jsonl")).await?;
        ensure!(backup.audit_head.seq == 3, "{backup:?}");
        history(&s, &["区人社局", "区财政局"]).await?;
        let daily = s
            .audit_checkpoint("daily")
            .await?
            .context("a checkpoint dir")?;
        let r = s.audit_verify().await?;
        ensure!(r.ok() && r.checkpoints == 2 && r.head_seq == 5, "{r:?}");

        // The auditors' attack: drop the newest entries and set the head back to the last
        // one kept. The chain itself is consistent again...
        ctx.raw(
            "DELETE FROM audit_log WHERE seq > 3; \
             UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log WHERE seq = 3) \
             WHERE id = 1;",
        )
        .await?;
        let blind = ctx.store.clone().with_audit(AuditSeal::open(
            &dir.join("duban.db.audit-key"),
            Some(&dir.join("no-checkpoints")),
            false,
        )?);
        ensure!(
            blind.audit_verify().await?.ok(),
            "the chain alone cannot see it"
        );
        // ...but not with what the checkpoint outside the database remembers.
        let r = s.audit_verify().await?;
        ensure!(r.fault == Some(AuditFault::Checkpoint), "{r:?}");
        ensure!(r.first_broken == Some(4), "{r:?}");
        let problem = r.problem.unwrap_or_default();
        let name = daily
            .file_name()
            .context("name")?
            .to_string_lossy()
            .into_owned();
        ensure!(
            problem.contains(&name) && problem.contains("第 5 条") && problem.contains("截断"),
            "{problem}"
        );
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_forger_without_the_key_cannot_make_a_changed_entry_verify() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let dir = scratch_dir(&ctx.label)?;
        let s = sealed(&ctx, &dir)?;
        history(&s, &["区科技局", "区商务委", "区住建委", "区人社局"]).await?;

        // Recomputing from entry 2 with plain SHA-256 (the old scheme) or a key of one's
        // own leaves a consistent chain that the real key refuses at entry 2.
        for key in [None, Some(&b"mallory's own key"[..])] {
            rewrite_chain(&ctx, 2, key, 1).await?;
            let r = s.audit_verify().await?;
            ensure!(r.fault == Some(AuditFault::Chain), "{r:?}");
            ensure!(r.first_broken == Some(2), "{r:?}");
        }

        // Declaring the whole chain "from before keying" to get away with plain hashes is
        // what the checkpoint written at the backup contradicts.
        s.backup(&dir.join("b.jsonl")).await?;
        rewrite_chain(&ctx, 1, None, 5).await?;
        let r = s.audit_verify().await?;
        ensure!(r.fault == Some(AuditFault::Checkpoint), "{r:?}");
        let problem = r.problem.unwrap_or_default();
        ensure!(problem.contains("自第 1 条起签名"), "{problem}");
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_named_as_such_and_never_signs() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let dir = scratch_dir(&ctx.label)?;
        let s = sealed(&ctx, &dir)?;
        history(&s, &["区科技局", "区商务委"]).await?;

        // Another key: verify says so instead of "entry 1 was changed".
        let other = ctx
            .store
            .clone()
            .with_audit(AuditSeal::in_memory(AuditKey::from_bytes([9; 32])));
        let r = other.audit_verify().await?;
        ensure!(
            r.fault == Some(AuditFault::Key) && r.first_broken.is_none(),
            "{r:?}"
        );
        let problem = r.problem.unwrap_or_default();
        ensure!(
            problem.contains("密钥与本数据库不符") && problem.contains("并不说明记录被改动"),
            "{problem}"
        );
        // It may not extend the chain either, and a start with it is refused.
        match other.create_unit("区财政局", &[], "admin").await {
            Err(StoreError::AuditKey(m)) => ensure!(m.contains("密钥与本数据库不符"), "{m}"),
            other => anyhow::bail!("a wrong key signed: {other:?}"),
        }
        ensure!(other.check_audit_key().await.is_err());
        ensure!(s.audit_verify().await?.ok(), "nothing was written");

        // A key file created by a start on a keyed database is taken back on refusal.
        let fresh = dir.join("fresh.audit-key");
        let wrong = ctx
            .store
            .clone()
            .with_audit(AuditSeal::open(&fresh, None, true)?);
        ensure!(fresh.exists());
        ensure!(wrong.check_audit_key().await.is_err());
        ensure!(!fresh.exists(), "the useless fresh key file stays");

        // No key at all: verify explains, writing is refused.
        let bare = Store::connect(&ctx.url).await?;
        let r = bare.audit_verify().await?;
        ensure!(r.fault == Some(AuditFault::Key), "{r:?}");
        ensure!(
            r.problem
                .as_deref()
                .is_some_and(|p| p.contains("未提供审计密钥")),
            "{r:?}"
        );
        ensure!(matches!(
            bare.create_unit("区财政局", &[], "admin").await,
            Err(StoreError::AuditKey(_))
        ));
        bare.close().await;

        // A missing or malformed key file is named, not guessed at.
        let missing = AuditSeal::open(&dir.join("nope.audit-key"), None, false).unwrap_err();
        ensure!(missing.to_string().contains("不存在"), "{missing}");
        let bad = dir.join("bad.audit-key");
        std::fs::write(&bad, "not hex\n")?;
        let bad = AuditSeal::open(&bad, None, true).unwrap_err();
        ensure!(bad.to_string().contains("64 位十六进制"), "{bad}");
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn the_key_file_is_private_random_and_read_back_the_same() -> Result<()> {
    let dir = scratch_dir("keyfile")?;
    let path = dir.join("duban.db.audit-key");
    let (a, created) = AuditKey::load_or_create(&path)?;
    ensure!(created);
    let text = std::fs::read_to_string(&path)?;
    ensure!(text.trim().len() == 64 && text.trim().chars().all(|c| c.is_ascii_hexdigit()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)?.permissions().mode() & 0o777;
        ensure!(mode == 0o600, "mode {mode:o}");
    }
    let (b, created) = AuditKey::load_or_create(&path)?;
    ensure!(!created && a == b);
    let (c, _) = AuditKey::load_or_create(&dir.join("other.audit-key"))?;
    ensure!(a != c, "two key files, one key");
    ensure!(duban_store::default_checkpoint_dir(&path) == dir.join("duban.db.audit-checkpoints"));
    ensure!(
        duban_store::default_key_path("sqlite:///srv/duban/duban.db?mode=rwc")
            == Path::new("/srv/duban/duban.db.audit-key")
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// Runs SQL on a database given by URL (a scratch database not yet opened by a store).
async fn exec_url(url: &str, sql: String) -> Result<()> {
    let sql = sqlx::AssertSqlSafe(sql);
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await?;
        sqlx::raw_sql(sql).execute(&pool).await?;
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await?;
        sqlx::raw_sql(sql).execute(&pool).await?;
        pool.close().await;
    }
    Ok(())
}

/// Applies the migrations before the keyed chain (0001–0011), as a database created by an
/// earlier duban has them.
async fn migrate_before_keying(url: &str) -> Result<()> {
    let backend = if url.starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    };
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let dir = scratch_dir(&format!("old_migrations_{backend}"))?;
    for entry in std::fs::read_dir(&src)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .context("name")?
            .to_string_lossy()
            .into_owned();
        if name.as_str() < "0012" {
            std::fs::copy(&path, dir.join(&name))?;
        }
    }
    let migrator = sqlx::migrate::Migrator::new(dir.as_path()).await?;
    if backend == "sqlite" {
        let opts: sqlx::sqlite::SqliteConnectOptions = url.parse()?;
        let pool = sqlx::SqlitePool::connect_with(opts.create_if_missing(true)).await?;
        migrator.run(&pool).await?;
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await?;
        migrator.run(&pool).await?;
        pool.close().await;
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// Three entries as an unkeyed duban wrote them: plain SHA-256, head at 3.
async fn write_legacy_entries(url: &str) -> Result<()> {
    let mut prev = "0".repeat(64);
    let mut sql = String::new();
    for seq in 1..=3i64 {
        let e = AuditEntry {
            seq,
            at: time::OffsetDateTime::from_unix_timestamp(1_700_000_000 + seq)?,
            actor: "admin".into(),
            action: "unit.create".into(),
            entity: "unit".into(),
            entity_id: Some(seq.to_string()),
            before_json: None,
            after_json: Some(format!("{{\"name\":\"旧单位{seq}\"}}")),
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        let hash = forged_hash(&canonical(&e, &prev), None);
        sql.push_str(&format!(
            "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, before_json, \
             after_json, prev_hash, hash) VALUES ({seq}, {}, 'admin', 'unit.create', 'unit', \
             '{seq}', NULL, '{}', '{prev}', '{hash}');\n",
            e.at.unix_timestamp(),
            e.after_json.as_deref().unwrap_or_default()
        ));
        prev = hash;
    }
    sql.push_str(&format!(
        "UPDATE audit_head SET seq = 3, hash = '{prev}' WHERE id = 1;"
    ));
    exec_url(url, sql).await
}

#[tokio::test]
async fn entries_from_before_keying_still_verify_after_the_upgrade() -> Result<()> {
    let mut scratches = vec![Scratch::sqlite()?];
    scratches.extend(Scratch::postgres().await?);
    for scratch in scratches {
        let url = scratch.url.clone();
        migrate_before_keying(&url).await?;
        write_legacy_entries(&url).await?;
        // The upgrade: migration 0012 marks where keying starts, new entries are keyed.
        let s = Store::connect_with(&url, StoreOptions::for_tests()).await?;
        s.migrate().await?;
        s.create_unit("区科技局", &[], "admin").await?;
        s.create_unit("区商务委", &[], "admin").await?;
        let r = s.audit_verify().await?;
        ensure!(
            r.ok() && r.entries == 5 && r.keyed_from == 4 && r.head_seq == 5,
            "{url}: {r:?}"
        );
        // The legacy entries are still guarded by the chain.
        exec_url(
            &url,
            "UPDATE audit_log SET actor = 'intruder' WHERE seq = 2".into(),
        )
        .await?;
        let r = s.audit_verify().await?;
        ensure!(
            r.fault == Some(AuditFault::Chain) && r.first_broken == Some(2),
            "{url}: {r:?}"
        );
        s.close().await;
        scratch.drop_it().await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_backup_records_the_head_and_a_restore_supersedes_later_checkpoints() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let dir = scratch_dir(&ctx.label)?;
        let s = sealed(&ctx, &dir)?;
        s.import_ledger("2022年", &sample_ledger(), "a.txt", &sha(1), "admin")
            .await?;
        let path = dir.join("b.jsonl");
        let b = s.backup(&path).await?;
        let head = s.audit_head().await?;
        ensure!(b.audit_head == head, "{b:?} {head:?}");
        // In the file's header, and in a checkpoint file beside the key.
        let text = std::fs::read_to_string(&path)?;
        let header: serde_json::Value =
            serde_json::from_str(text.lines().next().context("header")?)?;
        ensure!(
            header["audit_head"]["seq"] == head.seq && header["audit_head"]["hash"] == head.hash
        );
        let cp = b.checkpoint.context("checkpoint")?;
        ensure!(
            cp.starts_with(dir.join("duban.db.audit-checkpoints")),
            "{cp:?}"
        );
        let cp_text = std::fs::read_to_string(&cp)?;
        ensure!(cp_text.contains(&head.hash) && cp_text.contains("\"mac\""));
        ensure!(
            !text.contains(
                &std::fs::read_to_string(dir.join("duban.db.audit-key"))?
                    .trim()
                    .to_string()
            ),
            "the key is in the backup"
        );

        // Work goes on, a daily checkpoint records it, then the office restores the backup.
        history(&s, &["区财政局", "区民政局"]).await?;
        let later = s.audit_checkpoint("daily").await?.context("checkpoint")?;
        let report = s.restore_from(&path).await?;
        ensure!(report.audit.ok(), "{:?}", report.audit);
        ensure!(
            report.audit.head_seq == head.seq + 1,
            "the restore is one entry"
        );
        ensure!(
            report.superseded.len() == 1
                && report.superseded[0].file_name() == later.file_name()
                && report.superseded[0].exists()
                && !later.exists(),
            "{report:?}"
        );
        ensure!(report.checkpoint.is_some());
        ensure!(report.audit.checkpoints == 2, "{:?}", report.audit);

        // The same holds through restore_url into a fresh database with the same key file;
        // another key file is refused, and the fresh one it created is taken back.
        let mut scratches = vec![Scratch::sqlite()?];
        scratches.extend(Scratch::postgres().await?);
        for scratch in scratches {
            let opts = StoreOptions {
                audit: Some(AuditSeal::open(
                    &dir.join("duban.db.audit-key"),
                    None,
                    true,
                )?),
                ..StoreOptions::for_tests()
            };
            let r = restore_url(&scratch.url, &path, opts).await?;
            ensure!(r.audit.ok(), "{:?}", r.audit);
            let other_key = dir.join("other.audit-key");
            let opts = StoreOptions {
                audit: Some(AuditSeal::open(&other_key, Some(&dir.join("other")), true)?),
                ..StoreOptions::for_tests()
            };
            match restore_url(&scratch.url, &path, opts).await {
                Err(StoreError::AuditKey(m)) => ensure!(m.contains("密钥"), "{m}"),
                other => anyhow::bail!("restored under another key: {other:?}"),
            }
            ensure!(!other_key.exists());
            scratch.drop_it().await?;
        }
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    })
    .await
}
