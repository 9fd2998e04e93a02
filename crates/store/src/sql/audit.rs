use futures_util::TryStreamExt;
use sqlx::Row;

use super::common::Tx;
use super::{KIND, Pool};
use crate::audit::{AuditEntry, AuditReport, Change, GENESIS, entry_hash};
use crate::time_util::from_unix;
use crate::{Backend, StoreError};

/// Appends one entry inside the caller's transaction, so the change and its record commit
/// or vanish together.
///
/// Bumping the head row first is what keeps concurrent appenders in one chain: on
/// PostgreSQL the UPDATE holds the row lock until commit, and a waiting appender re-reads the
/// committed head; on SQLite the transaction already holds the database write lock.
/// Call it last in a transaction, to hold the head for as short a time as possible.
pub(crate) async fn append(tx: &mut Tx, change: Change<'_>) -> Result<i64, StoreError> {
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut **tx)
        .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("hash")?;
    let before = change.before.map(|v| v.to_string());
    let after = change.after.map(|v| v.to_string());
    let hash = entry_hash(
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
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
    Ok(seq)
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

pub(crate) async fn verify(pool: &Pool) -> Result<AuditReport, StoreError> {
    // One snapshot for the head and the log, so entries appended while we read do not look
    // like tampering.
    let mut tx = match KIND {
        Backend::Sqlite => pool.begin().await?,
        Backend::Postgres => {
            pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await?
        }
    };
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(&mut *tx)
        .await?;
    let (head_seq, head_hash): (i64, String) = match head {
        Some(r) => (r.try_get("seq")?, r.try_get("hash")?),
        None => {
            return Ok(AuditReport {
                entries: 0,
                head_seq: 0,
                first_broken: Some(1),
                problem: Some("审计链头记录缺失".into()),
            });
        }
    };
    let mut report = AuditReport {
        entries: 0,
        head_seq,
        first_broken: None,
        problem: None,
    };
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
                report.first_broken = Some(expected);
                report.problem = Some(if e.seq > expected {
                    format!("第 {expected} 条审计记录缺失（被删除）")
                } else {
                    format!("第 {} 条审计记录编号异常", e.seq)
                });
                return Ok(report);
            }
            if e.prev_hash != prev {
                report.first_broken = Some(e.seq);
                report.problem = Some(format!("第 {} 条审计记录与前一条不衔接", e.seq));
                return Ok(report);
            }
            let recomputed = entry_hash(
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
                report.first_broken = Some(e.seq);
                report.problem = Some(format!("第 {} 条审计记录内容被改动", e.seq));
                return Ok(report);
            }
            prev = e.hash;
            expected += 1;
        }
    }
    let last = expected - 1;
    if head_seq > last {
        report.first_broken = Some(last + 1);
        report.problem = Some(format!("第 {} 条审计记录缺失（被删除）", last + 1));
    } else if head_seq < last {
        report.first_broken = Some(head_seq + 1);
        report.problem = Some(format!("第 {} 条审计记录不在审计链中", head_seq + 1));
    } else if head_hash != prev {
        report.first_broken = Some(last.max(1));
        report.problem = Some("审计链头与最后一条记录不符".into());
    }
    tx.rollback().await?;
    Ok(report)
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
