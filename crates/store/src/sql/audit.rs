use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt;
use sqlx::Row;

use super::common::Tx;
use super::{KIND, Pool};
use crate::audit::{AuditEntry, AuditFault, AuditReport, Change, GENESIS, entry_hash};
use crate::audit_checkpoint::AuditHead;
use crate::audit_key::current_seal;
use crate::time_util::from_unix;
use crate::{Backend, StoreError};

/// Appends one entry inside the caller's transaction, so the change and its record commit
/// or vanish together.
///
/// Bumping the head row first is what keeps concurrent appenders in one chain: on
/// PostgreSQL the UPDATE holds the row lock until commit, and a waiting appender re-reads the
/// committed head; on SQLite the transaction already holds the database write lock.
/// Call it last in a transaction, to hold the head for as short a time as possible.
///
/// Entries are signed with the running store's key; a store without one, or with a key other
/// than the one the chain was started with, is refused rather than forking the chain.
pub(crate) async fn append(tx: &mut Tx, change: Change<'_>) -> Result<i64, StoreError> {
    let Some(seal) = current_seal() else {
        return Err(StoreError::AuditKey(
            "未配置审计密钥，不能写入审计记录（--audit-key-file，见 README“密钥文件”）".into(),
        ));
    };
    let head = sqlx::query(
        "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, key_check",
    )
    .fetch_one(&mut **tx)
    .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("hash")?;
    let key_check: Option<String> = head.try_get("key_check")?;
    let ours = seal.key.check_value();
    if let Some(theirs) = key_check.filter(|c| *c != ours) {
        return Err(key_mismatch(&seal.where_from(), &ours, &theirs));
    }
    let before = change.before.map(|v| v.to_string());
    let after = change.after.map(|v| v.to_string());
    let hash = entry_hash(
        Some(&seal.key),
        seq,
        change.at,
        change.actor,
        change.action,
        change.entity,
        change.entity_id.as_deref(),
        before.as_deref(),
        after.as_deref(),
        &prev_hash,
    );
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, before_json, \
         after_json, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(seq)
    .bind(change.at)
    .bind(change.actor)
    .bind(change.action)
    .bind(change.entity)
    .bind(change.entity_id)
    .bind(before)
    .bind(after)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1, key_check = $2 WHERE id = 1")
        .bind(&hash)
        .bind(&ours)
        .execute(&mut **tx)
        .await?;
    Ok(seq)
}

fn key_mismatch(ours_from: &str, ours: &str, theirs: &str) -> StoreError {
    StoreError::AuditKey(format!(
        "审计密钥与本数据库不符：数据库中的审计记录由另一把密钥签名（数据库记录的密钥校验值为 {theirs}，{ours_from}的为 {ours}）。请使用写入这些记录时的密钥文件（--audit-key-file，见 README“密钥文件”）"
    ))
}

pub(crate) async fn head(pool: &Pool) -> Result<AuditHead, StoreError> {
    read_head(pool).await
}

/// The head through any connection, so a backup reads it inside its snapshot.
pub(crate) async fn read_head<'c, E>(conn: E) -> Result<AuditHead, StoreError>
where
    E: sqlx::Executor<'c, Database = super::Db>,
{
    let r = sqlx::query("SELECT seq, hash, keyed_from FROM audit_head WHERE id = 1")
        .fetch_one(conn)
        .await?;
    Ok(AuditHead {
        seq: r.try_get("seq")?,
        hash: r.try_get("hash")?,
        keyed_from: r.try_get("keyed_from")?,
    })
}

/// Refuses a key other than the one the chain was started with (`Ok` when no entry has
/// been signed yet), so a service given the wrong key file stops at start, not at its
/// first write.
pub(crate) async fn check_key(pool: &Pool) -> Result<(), StoreError> {
    let Some(seal) = current_seal() else {
        return Ok(());
    };
    let theirs: Option<String> =
        sqlx::query_scalar("SELECT key_check FROM audit_head WHERE id = 1")
            .fetch_one(pool)
            .await?;
    let ours = seal.key.check_value();
    match theirs {
        Some(theirs) if theirs != ours => Err(key_mismatch(&seal.where_from(), &ours, &theirs)),
        _ => Ok(()),
    }
}

pub(crate) fn entry_from_row(
    row: &<super::Db as sqlx::Database>::Row,
) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: from_unix(row.try_get("at")?),
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        entity: row.try_get("entity")?,
        entity_id: row.try_get("entity_id")?,
        before_json: row.try_get("before_json")?,
        after_json: row.try_get("after_json")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Walks the chain in one snapshot; also returns the stored hash at each of `marks` (the
/// checkpointed seqs) for the caller to compare with the checkpoints.
pub(crate) async fn verify(
    pool: &Pool,
    marks: &BTreeSet<i64>,
) -> Result<(AuditReport, BTreeMap<i64, String>), StoreError> {
    let seal = current_seal();
    let key = seal.as_ref().map(|s| &s.key);
    let mut hashes = BTreeMap::new();
    // One snapshot for the head and the log, so entries appended while we read do not look
    // like tampering.
    let mut tx = match KIND {
        Backend::Sqlite => pool.begin().await?,
        Backend::Postgres => {
            pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await?
        }
    };
    let mut report = AuditReport {
        entries: 0,
        head_seq: 0,
        first_broken: None,
        problem: None,
        fault: None,
        keyed_from: 1,
        checkpoints: 0,
        newest_checkpoint: None,
    };
    let head = sqlx::query("SELECT seq, hash, keyed_from, key_check FROM audit_head WHERE id = 1")
        .fetch_optional(&mut *tx)
        .await?;
    let Some(head) = head else {
        report.fail(AuditFault::Chain, Some(1), "审计链头记录缺失".into());
        return Ok((report, hashes));
    };
    let head_seq: i64 = head.try_get("seq")?;
    let head_hash: String = head.try_get("hash")?;
    let keyed_from: i64 = head.try_get("keyed_from")?;
    let key_check: Option<String> = head.try_get("key_check")?;
    report.head_seq = head_seq;
    report.keyed_from = keyed_from;
    // The key is settled before any entry is read, so a wrong key file reads as that and
    // not as "entry 1 was changed".
    if head_seq >= keyed_from {
        match (key, key_check) {
            (None, _) => {
                report.fail(
                    AuditFault::Key,
                    None,
                    format!(
                        "未提供审计密钥：第 {keyed_from} 条起的审计记录以密钥签名，没有写入时的密钥文件无法核验（--audit-key-file，见 README“密钥文件”）"
                    ),
                );
                return Ok((report, hashes));
            }
            (Some(_), None) => {
                report.fail(
                    AuditFault::Chain,
                    Some(keyed_from),
                    "审计链头缺少密钥校验值：链头被改动".into(),
                );
                return Ok((report, hashes));
            }
            (Some(k), Some(theirs)) if theirs != k.check_value() => {
                let from = seal.as_ref().map(|s| s.where_from()).unwrap_or_default();
                report.fail(
                    AuditFault::Key,
                    None,
                    format!(
                        "审计密钥与本数据库不符：第 {keyed_from} 条起的记录由另一把密钥签名（数据库记录的密钥校验值为 {theirs}，{from}的为 {}）。这说明用错了密钥文件，并不说明记录被改动；请用写入这些记录时的密钥文件核验",
                        k.check_value()
                    ),
                );
                return Ok((report, hashes));
            }
            _ => {}
        }
    } else if keyed_from > head_seq + 1 || key_check.is_some() {
        report.fail(
            AuditFault::Chain,
            Some(head_seq + 1),
            format!("审计链头记录的签名起点（第 {keyed_from} 条）与链头（第 {head_seq} 条）不符：链头被改动"),
        );
        return Ok((report, hashes));
    }
    let mut expected = 1i64;
    let mut prev = GENESIS.to_string();
    let sql = "SELECT seq, at, actor, action, entity, entity_id, before_json, after_json, \
               prev_hash, hash FROM audit_log ORDER BY seq";
    {
        let mut rows = sqlx::query(sql).fetch(&mut *tx);
        while let Some(row) = rows.try_next().await? {
            let e = entry_from_row(&row)?;
            report.entries += 1;
            if e.seq != expected {
                let problem = if e.seq > expected {
                    format!("第 {expected} 条审计记录缺失（被删除）")
                } else {
                    format!("第 {} 条审计记录编号异常", e.seq)
                };
                report.fail(AuditFault::Chain, Some(expected), problem);
                return Ok((report, hashes));
            }
            if e.prev_hash != prev {
                let problem = format!("第 {} 条审计记录与前一条不衔接", e.seq);
                report.fail(AuditFault::Chain, Some(e.seq), problem);
                return Ok((report, hashes));
            }
            let recomputed = entry_hash(
                key.filter(|_| e.seq >= keyed_from),
                e.seq,
                e.at.unix_timestamp(),
                &e.actor,
                &e.action,
                &e.entity,
                e.entity_id.as_deref(),
                e.before_json.as_deref(),
                e.after_json.as_deref(),
                &e.prev_hash,
            );
            if recomputed != e.hash {
                let problem = format!("第 {} 条审计记录内容被改动", e.seq);
                report.fail(AuditFault::Chain, Some(e.seq), problem);
                return Ok((report, hashes));
            }
            if marks.contains(&e.seq) {
                hashes.insert(e.seq, e.hash.clone());
            }
            prev = e.hash;
            expected += 1;
        }
    }
    let last = expected - 1;
    if head_seq > last {
        let problem = format!("第 {} 条审计记录缺失（被删除）", last + 1);
        report.fail(AuditFault::Chain, Some(last + 1), problem);
    } else if head_seq < last {
        let problem = format!("第 {} 条审计记录不在审计链中", head_seq + 1);
        report.fail(AuditFault::Chain, Some(head_seq + 1), problem);
    } else if head_hash != prev {
        report.fail(
            AuditFault::Chain,
            Some(last.max(1)),
            "审计链头与最后一条记录不符".into(),
        );
    }
    tx.rollback().await?;
    Ok((report, hashes))
}

pub(crate) async fn entries(
    pool: &Pool,
    limit: u32,
    before_seq: Option<i64>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, \
         hash FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
    )
    .bind(before_seq.unwrap_or(i64::MAX))
    .bind(i64::from(limit.min(1000)))
    .fetch_all(pool)
    .await?;
    rows.iter().map(entry_from_row).collect()
}
