//! One portable backup format for both backends, and restoring it into either.
//!
//! A backup is UTF-8 JSON lines: a header naming the format, the schema version (the last
//! migration applied), the source backend and the tables in restore order; then one line per
//! row, `{"table": "units", "row": {"id": 1, "name": "区科技局", …}}` (integers as numbers,
//! booleans as true/false, text as strings, file contents as lower-case hex, NULL as null); then a trailer with each table's
//! row count, `{"end": {"units": 12, …}}`, so a truncated file is refused. It is taken in one
//! snapshot while the service keeps writing, and leaves out what must not come back: sessions,
//! login counts, the running instances and the derived revision counters.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::audit_checkpoint::AuditHead;
use crate::audit_key::AuditSeal as AuditSealRef;
use crate::time_util::to_unix;
use crate::{AuditReport, Backend, Store, StoreError, StoreOptions};

pub(crate) const FORMAT: &str = "duban-backup";
pub(crate) const FORMAT_VERSION: u32 = 1;

/// Tables whose rows are not backed up: sessions and API tokens (credentials: a restore must
/// not revive one revoked since the backup, so owners create new tokens after a restore), login
/// throttling, the running instances, and counters the triggers keep.
pub(crate) const TRANSIENT: &[&str] = &[
    "sessions",
    "api_tokens",
    "login_throttle",
    "service_instances",
    "cycle_revision",
    // Kept lights and ranking figures (migration 0020): recomputed after a restore.
    "task_lights",
    "light_dirty",
    "light_basis",
    "unit_marks",
    "unit_round_stats",
    // Kept overview counts (migration 0023): their triggers rebuild them as the tasks and
    // lead links are restored.
    "plan_section_counts",
    "plan_lead_counts",
    "plan_leader_counts",
    // Task page marks (migration 0024): only compared with themselves.
    "task_marks",
    // Kept light counts (migration 0025), rebuilt with the lights after a restore.
    "plan_light_counts",
];

/// Parents before children, so rows restore with their foreign keys in place. Tables not
/// named here (added by later migrations) follow in name order.
const ORDER: &[&str] = &[
    "units",
    "users",
    "plans",
    "plan_tables",
    "tasks",
    "task_units",
    "task_groups",
    "import_warnings",
    "rounds",
    "reports",
    "report_versions",
    "notices",
    "extension_requests",
    "contributions",
    "notifications",
    "outbox",
    "standing_history",
    "file_blobs",
    "closeouts",
    "attachments",
    "instructions",
    "instruction_answers",
    "task_handovers",
    "task_change_requests",
    "task_milestones",
    "audit_log",
    "audit_head",
];

/// Derived tables, rebuilt from the tasks rather than backed up: the search index (on
/// SQLite a virtual table whose shadow tables share its name as prefix).
pub(crate) const DERIVED_PREFIX: &str = "task_search";

/// The tables to back up, of those the database has, in restore order.
pub(crate) fn order_tables<'a>(present: impl Iterator<Item = &'a str>) -> Vec<String> {
    let present: Vec<&str> = present
        .filter(|t| !TRANSIENT.contains(t) && !t.starts_with(DERIVED_PREFIX))
        .collect();
    let mut out: Vec<String> = ORDER
        .iter()
        .filter(|t| present.contains(t))
        .map(|t| t.to_string())
        .collect();
    let mut rest: Vec<String> = present
        .iter()
        .filter(|t| !ORDER.contains(t))
        .map(|t| t.to_string())
        .collect();
    rest.sort();
    out.extend(rest);
    out
}

/// How a column's values are bound when restoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    Int,
    Bool,
    Real,
    Text,
    /// File contents: written as lower-case hex, so the JSON stays text on both backends.
    Bytes,
}

impl ColumnKind {
    /// From SQLite's declared type or PostgreSQL's `data_type`.
    pub(crate) fn from_declared(t: &str) -> ColumnKind {
        let t = t.to_ascii_lowercase();
        if t.contains("blob") || t.contains("bytea") {
            ColumnKind::Bytes
        } else if t.contains("bool") {
            ColumnKind::Bool
        } else if t.contains("int") {
            ColumnKind::Int
        } else if t.contains("real") || t.contains("double") || t.contains("numeric") {
            ColumnKind::Real
        } else {
            ColumnKind::Text
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Header {
    pub format: String,
    pub format_version: u32,
    /// The last migration applied to the database backed up.
    pub schema: i64,
    pub source: String,
    pub created_at: i64,
    pub tables: Vec<String>,
    /// The audit chain head in the backup's snapshot (absent in backups from before the
    /// chain was keyed); a checkpoint file records it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<AuditHead>,
}

impl Header {
    pub(crate) fn new(
        schema: i64,
        source: Backend,
        now: i64,
        tables: &[String],
        audit_head: AuditHead,
    ) -> Self {
        Header {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            schema,
            source: source.as_str().into(),
            created_at: now,
            tables: tables.to_vec(),
            audit_head: Some(audit_head),
        }
    }

    pub(crate) fn check(&self, target_schema: i64) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!("格式为“{}”，不是 duban 备份", self.format));
        }
        if self.format_version != FORMAT_VERSION {
            return Err(format!(
                "备份格式版本为 {}，本程序只读版本 {FORMAT_VERSION}",
                self.format_version
            ));
        }
        if self.schema != target_schema {
            return Err(format!(
                "备份的数据库结构版本为 {}，本程序为 {target_schema}：请用写出该备份的同一版本 duban 恢复",
                self.schema
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Trailer {
    pub end: BTreeMap<String, u64>,
}

/// A service instance that said it was running.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveInstance {
    pub host: String,
    pub pid: i64,
    pub beat_at: i64,
}

pub(crate) struct RestoreCounts {
    pub rows: BTreeMap<String, u64>,
    /// The audit head as restored, before the restore's own entry.
    pub backup_head: AuditHead,
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupReport {
    /// The audit chain head the backup holds (also in its header).
    pub audit_head: AuditHead,
    /// The checkpoint file recording that head, when the store has a checkpoint directory.
    pub checkpoint: Option<PathBuf>,
}

/// What a restore did and found.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreReport {
    /// Rows restored per table.
    pub rows: BTreeMap<String, u64>,
    /// Stale SQLite `-wal` / `-shm` files removed beside the database.
    pub removed_files: Vec<String>,
    /// The audit chain as verified after the restore (the restore is its last entry).
    pub audit: AuditReport,
    /// Checkpoints of heads after the backup's, moved into `superseded-…` (the restore went
    /// back before them, so they no longer describe this database).
    pub superseded: Vec<PathBuf>,
    /// The checkpoint recording the head after the restore.
    pub checkpoint: Option<PathBuf>,
}

/// How often a running service says so, and when its word counts as stale (it crashed).
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(10);
pub const HEARTBEAT_STALE_SECONDS: i64 = 30;

impl Store {
    /// Writes a portable backup (see the module documentation) to `out_path`, which must
    /// not exist; both backends write the same format, so it restores into either. The audit
    /// head it holds goes into its header and into a checkpoint file.
    pub async fn backup(&self, out_path: &Path) -> Result<BackupReport, StoreError> {
        if out_path.exists() {
            return Err(StoreError::Invalid(format!(
                "备份文件“{}”已存在，请换一个文件名",
                out_path.display()
            )));
        }
        let path = out_path.to_string_lossy().into_owned();
        let now = to_unix(OffsetDateTime::now_utc());
        let audit_head = dispatch!(self, backup::backup(&path, now, self.files.as_deref()))?;
        let checkpoint = self.write_checkpoint(&audit_head, "backup")?;
        Ok(BackupReport {
            audit_head,
            checkpoint,
        })
    }

    /// Records that this service instance is running (every [`HEARTBEAT_EVERY`]).
    pub async fn heartbeat(&self, instance: &str, host: &str, pid: u32) -> Result<(), StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, backup::beat(instance, host, i64::from(pid), now))
    }

    /// This instance stops: it no longer holds the database.
    pub async fn leave(&self, instance: &str) -> Result<(), StoreError> {
        dispatch!(self, backup::leave(instance))
    }

    /// Instances that said they were running within [`HEARTBEAT_STALE_SECONDS`].
    pub async fn live_instances(&self) -> Result<Vec<LiveInstance>, StoreError> {
        let since = to_unix(OffsetDateTime::now_utc()) - HEARTBEAT_STALE_SECONDS;
        dispatch!(self, backup::live_instances(since))
    }

    /// Replaces this database's contents with a backup's, in one transaction: refuses while
    /// a service instance is running on it, clears every session and login count, records
    /// the restore in the audit log, then checks the file (SQLite) and the audit chain.
    /// The database must be migrated to the backup's schema version.
    pub async fn restore_from(&self, backup: &Path) -> Result<RestoreReport, StoreError> {
        let path = backup.to_string_lossy().into_owned();
        let now = to_unix(OffsetDateTime::now_utc());
        let counts = dispatch!(
            self,
            backup::restore(
                &path,
                now,
                now - HEARTBEAT_STALE_SECONDS,
                self.files.as_deref()
            )
        )?;
        if let Some(problem) = dispatch!(self, backup::integrity())? {
            return Err(StoreError::Invalid(format!(
                "恢复后数据库完整性检查失败：{problem}"
            )));
        }
        // The database now stands where the backup did: checkpoints from after it describe
        // a history the restore undid. They are moved aside (kept for whoever asks why) and
        // a checkpoint of the restored head, the restore's entry included, takes over.
        let mut superseded = Vec::new();
        if let Some(AuditSealRef {
            key,
            checkpoint_dir: Some(dir),
            ..
        }) = self.audit_seal()
        {
            superseded = crate::audit_checkpoint::supersede(dir, key, counts.backup_head.seq, now)?;
        }
        let checkpoint = self.audit_checkpoint("restore").await?;
        let audit = self.audit_verify().await?;
        Ok(RestoreReport {
            rows: counts.rows,
            removed_files: Vec::new(),
            audit,
            superseded,
            checkpoint,
        })
    }
}

/// Restores `backup` into the database at `url`, for `duban restore`.
///
/// PostgreSQL: migrates the database and restores into it in one transaction. SQLite: the
/// backup is restored into a fresh file beside the database, checked, and then moved over
/// it, after removing the old file's `-wal` and `-shm` (stale after a crash, they would be
/// replayed into the restored file and damage it); a service still running on the old file
/// is refused first.
pub async fn restore_url(
    url: &str,
    backup: &Path,
    opts: StoreOptions,
) -> Result<RestoreReport, StoreError> {
    let seal = opts.audit.clone();
    let result = restore_url_inner(url, backup, opts).await;
    // A key file this restore created but the backup's entries refuse is taken back.
    if let (Err(StoreError::AuditKey(_)), Some(seal)) = (&result, seal) {
        seal.take_back();
    }
    result
}

async fn restore_url_inner(
    url: &str,
    backup: &Path,
    opts: StoreOptions,
) -> Result<RestoreReport, StoreError> {
    if !backup.is_file() {
        return Err(StoreError::Invalid(format!(
            "备份文件“{}”不存在或不是文件",
            backup.display()
        )));
    }
    let Some(file) = sqlite_path(url) else {
        let store = Store::connect_with(url, opts).await?;
        store.migrate().await?;
        let report = store.restore_from(backup).await;
        store.close().await;
        return report;
    };
    if file.exists()
        && let Some((host, pid)) = sqlite_live_instance(&file).await
    {
        return Err(StoreError::Invalid(format!(
            "数据库正被运行中的服务使用（主机 {host}，进程 {pid}）：请先停止所有 duban serve，再恢复"
        )));
    }
    let fresh = file.with_extension("restoring");
    for f in companions(&fresh, true) {
        let _ = std::fs::remove_file(f);
    }
    let fresh_url = format!("sqlite://{}", fresh.display());
    let store = Store::connect_with(&fresh_url, opts).await?;
    let result = async {
        store.migrate().await?;
        store.restore_from(backup).await
    }
    .await;
    // Closing checkpoints the WAL into the file, so the file alone is the database.
    store.close().await;
    let mut report = match result {
        Ok(r) => r,
        Err(e) => {
            for f in companions(&fresh, true) {
                let _ = std::fs::remove_file(f);
            }
            return Err(e);
        }
    };
    for stale in companions(&file, false) {
        if stale.exists() {
            std::fs::remove_file(&stale)?;
            report.removed_files.push(stale.display().to_string());
        }
    }
    for leftover in companions(&fresh, false) {
        let _ = std::fs::remove_file(leftover);
    }
    std::fs::rename(&fresh, &file)?;
    Ok(report)
}

/// A service instance running on the SQLite file, read without changing anything: a
/// read-only connection neither checkpoints nor removes a WAL that may not belong to the
/// file. A damaged file (the reason for restoring) may not read: then nothing runs on it.
async fn sqlite_live_instance(file: &Path) -> Option<(String, i64)> {
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(file)
        .read_only(true);
    let pool = sqlx::SqlitePool::connect_with(opts).await.ok()?;
    let since = to_unix(OffsetDateTime::now_utc()) - HEARTBEAT_STALE_SECONDS;
    let live: Option<(String, i64)> =
        sqlx::query_as("SELECT host, pid FROM service_instances WHERE beat_at >= $1")
            .bind(since)
            .fetch_optional(&pool)
            .await
            .ok()
            .flatten();
    pool.close().await;
    live
}

/// The file of a `sqlite://` URL (without its query), or `None` for another backend.
pub(crate) fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let rest = rest.split('?').next().unwrap_or(rest);
    Some(std::path::PathBuf::from(rest))
}

/// `db-wal` and `db-shm` beside a database file (and the file itself when `with_file`).
fn companions(file: &Path, with_file: bool) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if with_file {
        out.push(file.to_path_buf());
    }
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        out.push(std::path::PathBuf::from(name));
    }
    out
}
