//! The portable backup: JSON lines read and written the same way on both backends.

use std::collections::BTreeMap;

use futures_util::TryStreamExt;
use sqlx::Row;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

use super::audit::{append, read_head};
use super::common::begin_write;
use super::{KIND, Pool};
use crate::audit::Change;
use crate::audit_checkpoint::AuditHead;
use crate::backup::{ColumnKind, Header, LiveInstance, RestoreCounts, Trailer, order_tables};
use crate::{Backend, FileProblem, FilesDir, StoreError};
use sha2::Digest;

/// The user tables (not sqlx's bookkeeping), each with its columns in order.
type Conn = <super::Db as sqlx::Database>::Connection;

async fn tables(
    conn: &mut Conn,
) -> Result<BTreeMap<String, Vec<(String, ColumnKind)>>, StoreError> {
    let mut out: BTreeMap<String, Vec<(String, ColumnKind)>> = BTreeMap::new();
    match KIND {
        Backend::Sqlite => {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
            )
            .fetch_all(&mut *conn)
            .await?;
            for name in names {
                // The name comes from the catalog, not from input.
                let sql =
                    format!("SELECT name, type FROM pragma_table_info('{name}') ORDER BY cid");
                let cols = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&mut *conn)
                    .await?;
                let cols = cols
                    .iter()
                    .map(|r| {
                        let n: String = r.try_get("name")?;
                        let t: String = r.try_get("type")?;
                        Ok((n, ColumnKind::from_declared(&t)))
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                out.insert(name, cols);
            }
        }
        Backend::Postgres => {
            let rows = sqlx::query(
                "SELECT c.table_name::text AS t, c.column_name::text AS n, c.data_type::text AS d \
                 FROM information_schema.columns c JOIN information_schema.tables t \
                 ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
                 WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
                 AND c.table_name NOT LIKE '\\_sqlx%' ORDER BY c.table_name, c.ordinal_position",
            )
            .fetch_all(&mut *conn)
            .await?;
            for r in rows {
                let t: String = r.try_get("t")?;
                let n: String = r.try_get("n")?;
                let d: String = r.try_get("d")?;
                out.entry(t)
                    .or_default()
                    .push((n, ColumnKind::from_declared(&d)));
            }
        }
    }
    Ok(out)
}

async fn schema_version(conn: &mut Conn) -> Result<i64, StoreError> {
    let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(&mut *conn)
        .await?;
    Ok(v.unwrap_or(0))
}

/// Writes every table but the transient ones, in one consistent snapshot; returns the audit
/// head in that snapshot.
pub(crate) async fn backup(
    pool: &Pool,
    path: &str,
    now: i64,
    files: Option<&FilesDir>,
) -> Result<AuditHead, StoreError> {
    let mut conn = pool.acquire().await?;
    match KIND {
        // A read transaction in WAL mode sees one snapshot while writers go on.
        Backend::Sqlite => sqlx::raw_sql("BEGIN").execute(&mut *conn).await?,
        Backend::Postgres => {
            sqlx::raw_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .execute(&mut *conn)
                .await?
        }
    };
    let result = write_dump(&mut conn, path, now, files).await;
    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
    result
}

async fn write_dump(
    conn: &mut Conn,
    path: &str,
    now: i64,
    files: Option<&FilesDir>,
) -> Result<AuditHead, StoreError> {
    let schema = schema_version(conn).await?;
    let head = read_head(&mut *conn).await?;
    let all = tables(conn).await?;
    let order = order_tables(all.keys().map(String::as_str));
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .await?;
    let mut out = tokio::io::BufWriter::new(file);
    let header = Header::new(schema, KIND, now, &order, head.clone());
    out.write_all(serde_json::to_string(&header)?.as_bytes())
        .await?;
    out.write_all(b"\n").await?;
    let mut rows: BTreeMap<String, u64> = BTreeMap::new();
    for table in &order {
        let cols = &all[table.as_str()];
        // Names come from the catalog, never from input.
        let sql = match KIND {
            Backend::Sqlite => {
                // JSON cannot hold a BLOB: contents go out as hex.
                let pairs: Vec<String> = cols
                    .iter()
                    .map(|(c, kind)| match kind {
                        ColumnKind::Bytes => format!("'{c}', lower(hex(\"{c}\"))"),
                        _ => format!("'{c}', \"{c}\""),
                    })
                    .collect();
                format!(
                    "SELECT json_object({}) AS j FROM \"{table}\"",
                    pairs.join(", ")
                )
            }
            Backend::Postgres => format!("SELECT row_to_json(t)::text AS j FROM \"{table}\" t"),
        };
        let mut stream = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *conn);
        let mut n = 0u64;
        while let Some(row) = stream.try_next().await? {
            let j: String = row.try_get("j")?;
            let mut obj: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&j)?;
            // Booleans are 0/1 on SQLite: written as true/false, so both backends agree.
            for (c, kind) in cols {
                // PostgreSQL writes bytea as "\\x…" hex; SQLite's was made lower-case above.
                if *kind == ColumnKind::Bytes
                    && let Some(serde_json::Value::String(h)) = obj.get_mut(c)
                    && let Some(rest) = h.strip_prefix("\\x")
                {
                    *h = rest.to_string();
                }
                if *kind == ColumnKind::Bool
                    && let Some(v) = obj.get_mut(c)
                    && let Some(i) = v.as_i64()
                {
                    *v = serde_json::Value::Bool(i != 0);
                }
            }
            if table == "file_blobs" {
                inline_content(&mut obj, files)?;
            }
            let line = serde_json::json!({ "table": table, "row": obj });
            out.write_all(line.to_string().as_bytes()).await?;
            out.write_all(b"\n").await?;
            n += 1;
        }
        rows.insert(table.clone(), n);
    }
    let trailer = Trailer { end: rows };
    out.write_all(serde_json::to_string(&trailer)?.as_bytes())
        .await?;
    out.write_all(b"\n").await?;
    out.flush().await?;
    out.into_inner().sync_all().await?;
    Ok(head)
}

pub(crate) async fn live_instances(
    pool: &Pool,
    since: i64,
) -> Result<Vec<LiveInstance>, StoreError> {
    let rows = sqlx::query(
        "SELECT instance, host, pid, beat_at FROM service_instances WHERE beat_at >= $1",
    )
    .bind(since)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(LiveInstance {
                host: r.try_get("host")?,
                pid: r.try_get("pid")?,
                beat_at: r.try_get("beat_at")?,
            })
        })
        .collect()
}

pub(crate) async fn beat(
    pool: &Pool,
    instance: &str,
    host: &str,
    pid: i64,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO service_instances (instance, host, pid, started_at, beat_at) \
         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (instance) DO UPDATE SET beat_at = $4",
    )
    .bind(instance)
    .bind(host)
    .bind(pid)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn leave(pool: &Pool, instance: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM service_instances WHERE instance = $1")
        .bind(instance)
        .execute(pool)
        .await?;
    Ok(())
}

fn bad(path: &str, line: u64, what: String) -> StoreError {
    StoreError::Invalid(format!("备份文件“{path}”第{line}行：{what}"))
}

/// Replaces every table's rows with the backup's, clears sessions and login counts, and
/// records the restore in the audit log, all in one transaction.
/// A `file_blobs` row with its content read from the files directory when it is kept
/// there: a backup holds every file's content, wherever the service keeps it.
fn inline_content(
    obj: &mut serde_json::Map<String, serde_json::Value>,
    files: Option<&FilesDir>,
) -> Result<(), StoreError> {
    let in_dir = match obj.get("in_dir") {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(v) => v.as_i64().unwrap_or(0) != 0,
        None => false,
    };
    if !in_dir {
        return Ok(());
    }
    let sha = obj
        .get("sha256")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    let bytes = match files {
        Some(dir) => dir.get(&sha),
        None => Err(FileProblem::NoDirectory),
    }
    .map_err(|p| {
        StoreError::Invalid(format!(
            "附件内容 {sha} {}：请先用 duban files check 查明并恢复该文件，再备份",
            p.label_zh()
        ))
    })?;
    obj.insert(
        "content".into(),
        serde_json::Value::String(hex::encode(bytes)),
    );
    obj.insert("in_dir".into(), serde_json::json!(0));
    Ok(())
}

/// A backed-up `file_blobs` row as restored into a files directory: the content written
/// there (checked against its hash), the row with an empty content and `in_dir` set.
fn to_files_dir(
    row: &serde_json::Map<String, serde_json::Value>,
    dir: &FilesDir,
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let sha = row
        .get("sha256")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let bytes = row
        .get("content")
        .and_then(|v| v.as_str())
        .and_then(|h| hex::decode(h).ok())
        .ok_or_else(|| "表“file_blobs”的文件内容不是十六进制".to_string())?;
    if hex::encode(sha2::Sha256::digest(&bytes)) != sha {
        return Err(format!("附件内容 {sha} 与其 SHA-256 不符"));
    }
    dir.put(sha, &bytes).map_err(|e| e.to_string())?;
    let mut out = row.clone();
    out.insert("content".into(), serde_json::Value::String(String::new()));
    out.insert("in_dir".into(), serde_json::json!(1));
    Ok(out)
}

pub(crate) async fn restore(
    pool: &Pool,
    path: &str,
    now: i64,
    stale_before: i64,
    files: Option<&FilesDir>,
) -> Result<RestoreCounts, StoreError> {
    let mut tx = begin_write(pool).await?;
    let live: Vec<(String, i64)> =
        sqlx::query_as("SELECT host, pid FROM service_instances WHERE beat_at >= $1")
            .bind(stale_before)
            .fetch_all(&mut **tx)
            .await?;
    if let Some((host, pid)) = live.first() {
        return Err(StoreError::Invalid(format!(
            "数据库正被运行中的服务使用（主机 {host}，进程 {pid}）：请先停止所有 duban serve，再恢复"
        )));
    }
    let schema = schema_version(&mut tx).await?;
    let target = tables(&mut tx).await?;

    let file = tokio::fs::File::open(path).await?;
    let mut lines = tokio::io::BufReader::new(file).lines();
    let first = lines
        .next_line()
        .await?
        .ok_or_else(|| bad(path, 1, "文件为空，不是 duban 备份".into()))?;
    let header: Header = serde_json::from_str(&first)
        .map_err(|e| bad(path, 1, format!("不是 duban 备份的文件头（{e}）")))?;
    header.check(schema).map_err(|m| bad(path, 1, m))?;

    // Empty every table the backup restores (children first), and the transient ones.
    let order = order_tables(target.keys().map(String::as_str));
    for table in order.iter().rev() {
        let sql = format!("DELETE FROM \"{table}\"");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut **tx)
            .await?;
    }
    for transient in crate::backup::TRANSIENT {
        if target.contains_key(*transient) && *transient != "service_instances" {
            let sql = format!("DELETE FROM \"{transient}\"");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut **tx)
                .await?;
        }
    }

    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut trailer: Option<Trailer> = None;
    let mut line_no = 1u64;
    while let Some(line) = lines.next_line().await? {
        line_no += 1;
        if line.trim().is_empty() {
            continue;
        }
        if trailer.is_some() {
            return Err(bad(path, line_no, "结束行之后还有内容".into()));
        }
        let v: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| bad(path, line_no, format!("不是有效的 JSON（{e}）")))?;
        if v.get("end").is_some() {
            trailer = Some(
                serde_json::from_value(v)
                    .map_err(|e| bad(path, line_no, format!("结束行格式不对（{e}）")))?,
            );
            continue;
        }
        let (Some(table), Some(row)) = (
            v.get("table").and_then(|t| t.as_str()),
            v.get("row").and_then(|r| r.as_object()),
        ) else {
            return Err(bad(
                path,
                line_no,
                "应为 {\"table\": …, \"row\": {…}}".into(),
            ));
        };
        // With a files directory, a file's content goes there and the row keeps its
        // metadata; without one, into the database as the backup holds it.
        let moved;
        let row = match (table, files) {
            ("file_blobs", Some(dir)) => {
                moved = to_files_dir(row, dir).map_err(|m| bad(path, line_no, m))?;
                &moved
            }
            _ => row,
        };
        let Some(cols) = target
            .get(table)
            .filter(|_| order.iter().any(|t| t == table))
        else {
            return Err(bad(path, line_no, format!("数据库中没有表“{table}”")));
        };
        let mut names = Vec::with_capacity(row.len());
        let mut values = Vec::with_capacity(row.len());
        for (k, val) in row {
            let Some((name, kind)) = cols.iter().find(|(c, _)| c == k) else {
                return Err(bad(path, line_no, format!("表“{table}”没有列“{k}”")));
            };
            names.push(format!("\"{name}\""));
            values.push((*kind, val));
        }
        let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
        // Table and column names were checked against the catalog above.
        let sql = format!(
            "INSERT INTO \"{table}\" ({}) VALUES ({})",
            names.join(", "),
            placeholders.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (kind, val) in values {
            q = match (kind, val) {
                (ColumnKind::Int, serde_json::Value::Null) => q.bind(None::<i64>),
                (ColumnKind::Bool, serde_json::Value::Null) => q.bind(None::<bool>),
                (ColumnKind::Real, serde_json::Value::Null) => q.bind(None::<f64>),
                (ColumnKind::Text, serde_json::Value::Null) => q.bind(None::<String>),
                (ColumnKind::Bytes, serde_json::Value::Null) => q.bind(None::<Vec<u8>>),
                (ColumnKind::Bytes, v) => q.bind(
                    v.as_str()
                        .and_then(|h| hex::decode(h).ok())
                        .ok_or_else(|| {
                            bad(path, line_no, format!("表“{table}”的文件内容不是十六进制"))
                        })?,
                ),
                (ColumnKind::Int, serde_json::Value::Bool(b)) => q.bind(i64::from(*b)),
                (ColumnKind::Int, v) => q.bind(v.as_i64().ok_or_else(|| {
                    bad(path, line_no, format!("表“{table}”的整数列值“{v}”无效"))
                })?),
                (ColumnKind::Bool, serde_json::Value::Bool(b)) => q.bind(*b),
                (ColumnKind::Bool, v) => q.bind(v.as_i64().map(|i| i != 0).ok_or_else(|| {
                    bad(path, line_no, format!("表“{table}”的是否列值“{v}”无效"))
                })?),
                (ColumnKind::Real, v) => q.bind(v.as_f64().ok_or_else(|| {
                    bad(path, line_no, format!("表“{table}”的数值列值“{v}”无效"))
                })?),
                (ColumnKind::Text, serde_json::Value::String(s)) => q.bind(s.clone()),
                (ColumnKind::Text, v) => q.bind(v.to_string()),
            };
        }
        q.execute(&mut **tx).await?;
        *counts.entry(table.to_string()).or_default() += 1;
    }
    let trailer = trailer.ok_or_else(|| {
        bad(
            path,
            line_no,
            "缺少结束行：备份文件不完整（可能被截断）".into(),
        )
    })?;
    for (table, n) in &trailer.end {
        let got = counts.get(table).copied().unwrap_or(0);
        if got != *n {
            return Err(bad(
                path,
                line_no,
                format!("表“{table}”应有{n}行，实际读到{got}行：备份文件不完整"),
            ));
        }
    }
    // The search index is derived from the restored tasks, in the same transaction.
    super::search::clear(&mut tx).await?;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM tasks ORDER BY id")
        .fetch_all(&mut **tx)
        .await?;
    super::search::index_tasks(&mut tx, &ids).await?;
    if KIND == Backend::Postgres {
        // Identity columns continue after the restored ids.
        let idents: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND is_identity = 'YES'",
        )
        .fetch_all(&mut **tx)
        .await?;
        for (t, c) in idents {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('\"{t}\"', '{c}'), \
                 COALESCE((SELECT MAX(\"{c}\") FROM \"{t}\"), 0) + 1, false)"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut **tx)
                .await?;
        }
    }
    // The rows restored must be the chain the header says the backup holds.
    let backup_head = read_head(&mut **tx).await?;
    if let Some(claimed) = &header.audit_head
        && *claimed != backup_head
    {
        return Err(bad(
            path,
            1,
            format!(
                "文件头记录的审计链头（第 {} 条）与文件中的审计记录（第 {} 条）不符：备份文件被改动",
                claimed.seq, backup_head.seq
            ),
        ));
    }
    append(
        &mut tx,
        Change {
            actor: "duban restore",
            action: "database.restore",
            entity: "database",
            entity_id: None,
            before: None,
            after: Some(serde_json::json!({
                "backup_created_at": header.created_at,
                "backup_source": header.source,
                "backup_audit_seq": backup_head.seq,
                "rows": counts,
            })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(RestoreCounts {
        rows: counts,
        backup_head,
    })
}

/// SQLite's own check of the file (`PRAGMA integrity_check`); PostgreSQL checks as it writes.
pub(crate) async fn integrity(pool: &Pool) -> Result<Option<String>, StoreError> {
    if KIND == Backend::Sqlite {
        let r: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(pool)
            .await?;
        if r != "ok" {
            return Ok(Some(r));
        }
    }
    Ok(None)
}
