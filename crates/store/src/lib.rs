//! Persistence for duban: one API over SQLite (the embedded default) and PostgreSQL (several
//! app instances on one database).
//!
//! Every query is written once in `src/sql/*.rs`; those files are compiled twice, once per
//! backend (`sqlite.rs`, `postgres.rs`), so each copy is checked against a concrete sqlx driver
//! while the SQL stays portable (`$1` placeholders work on both). The few statements that
//! cannot be portable branch on `KIND` inside those files.
//!
//! Every state-changing method appends its audit entry in the same transaction as the change.
#![forbid(unsafe_code)]
// Compiling `src/sql/*` once per backend is the design (see above), not an accident.
#![allow(clippy::duplicate_mod)]

/// Runs `sql::$module::$func(pool, args…)` on whichever backend this store holds, with the
/// store's audit key in scope for `sql::audit::append` (see `audit_key::SEAL`).
macro_rules! dispatch {
    ($store:expr, $module:ident :: $func:ident ( $($arg:expr),* $(,)? )) => {
        $crate::audit_key::SEAL
            .scope($store.audit.clone(), async {
                match &$store.db {
                    $crate::Db::Sqlite(pool) => {
                        $crate::sqlite::$module::$func(pool, $($arg),*).await
                    }
                    $crate::Db::Postgres(pool) => {
                        $crate::postgres::$module::$func(pool, $($arg),*).await
                    }
                }
            })
            .await
    };
}

mod accounts;
mod attachments;
mod audit;
mod audit_checkpoint;
mod audit_key;
mod audit_search;
mod backup;
mod cache;
mod closeouts;
mod contacts;
mod contributions;
mod directory;
mod error;
mod extensions;
mod handover;
mod ids;
mod instructions;
mod lights;
mod milestones;
mod notices;
mod notifications;
mod outbox;
mod passwords;
mod plan_ledger;
mod plans;
mod postgres;
mod publication;
mod reimport;
mod reminders;
mod reopen;
mod reports;
mod scores;
mod search;
mod sessions;
mod sniff;
mod sqlite;
mod standings;
mod task_edit;
mod tasks;
mod time_util;
// Issue 15: document settings, 文号 of notices, batched export fields.
mod notice_docs;
mod plan_settings;
mod task_notes;
mod tokens;
mod units;
mod verdicts;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use accounts::{
    ADDRESS_FREE_FAILURES, ADDRESS_MAX_DELAY, IssuedAccount, LOCK_SECONDS, LoginOutcome,
    MAX_FAILED_LOGINS, NewUser, Role, User, generate_password,
};
pub use audit::{AuditEntry, AuditFault, AuditReport};
pub use audit_checkpoint::{AuditHead, Checkpoint};
pub use audit_key::{AuditKey, AuditSeal, default_checkpoint_dir, default_key_path};
pub use audit_search::AuditFilter;
pub use backup::{
    BackupReport, HEARTBEAT_EVERY, HEARTBEAT_STALE_SECONDS, LiveInstance, RestoreReport,
    restore_url,
};
pub use contributions::Contribution;
pub use directory::DirectoryUser;
pub use error::StoreError;
pub use extensions::{Extension, ExtensionFilter, ExtensionStatus, NewExtension};
pub use handover::{
    ChangeKind, ChangeRequest, Handover, HandoverCounts, HandoverFilter, NewChangeRequest,
};
pub use ids::{
    ContributionId, DeliveryId, ExtensionId, NoticeId, NotificationId, PlanId, ReportId, RoundId,
    TaskId, UnitId, UserId,
};
pub use lights::{LightFacts, LightTally, current_open_round, open_round_info, rule_key};
pub use milestones::{NewMilestone, STAGES, TaskMilestone};
pub use notices::{NewNotice, Notice, NoticeCounts, NoticeLevel, NoticeStatus};
pub use notifications::{NewNotification, Notification};
pub use outbox::{Delivery, DeliveryStatus, EnqueueCounts, NewDelivery};
pub use passwords::PasswordHasher;
pub use plans::{ImportWarning, Plan, PlanTable};
pub use publication::{MAX_PUBLIC_NOTE_CHARS, PublicTask};
pub use reimport::ReimportSummary;
pub use reminders::PendingReport;
pub use scores::UnitScoreCounts;
/// The last second of a due date (ISO "YYYY-MM-DD") in China Standard Time, as unix
/// seconds; `None` for a malformed date. Reports and notice answers are on time up to it.
pub fn due_deadline(due_date: &str) -> Option<i64> {
    reports::due_deadline(due_date)
}
pub use cache::RevisionCache;
pub use reports::{
    BulkReport, BulkRound, DraftInput, OwedReport, Report, ReportStatus, ReportVersion, Round,
    RoundStatus, SelfStatus, UnitRoundStats,
};
pub use sessions::{NewSession, SessionLimits, SessionUser};
pub use standings::{LagReason, LaggingRow, LightRevision, TaskStanding};
pub use task_edit::TaskDraft;
pub use tasks::{
    FilterChoices, Overview, Scope, SectionCounts, TaskDetail, TaskFilter, TaskSummary, UnitCounts,
    UnitLink, VerdictCounts,
};
pub use tokens::{ApiToken, CreatedToken, Revoker, TOKEN_PREFIX, TokenScope};
pub use units::{MergeSummary, Unit};
pub use verdicts::{OverrideDecision, StandingEvent, StandingStep};

pub use notice_docs::{DocNumber, NoticeDocKind};
pub use plan_settings::{MAX_FIELD_CHARS, PATTERN_LABELS, PlanSettings, check_pattern};
pub use task_notes::TaskNotes;

pub use attachments::{
    Attachment, AttachmentOwner, BrokenFile, DEFAULT_MAX_FILE_BYTES, FileProblem, FileStorage,
    FilesDir, NewFile,
};
pub use closeouts::{Closeout, CloseoutFilter, CloseoutStatus};
pub use ids::{AttachmentId, CloseoutId, InstructionId};
pub use instructions::{Instruction, InstructionAnswer, InstructionFilter};
pub use sniff::{FileKind, extension as file_extension, human_size};

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// How to open a store; `Default` is what the service uses.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    /// How long an SQLite connection waits for the write lock before failing.
    pub busy_timeout: Duration,
    pub hasher: PasswordHasher,
    /// The audit key and checkpoint directory; without it the store can read, but refuses
    /// to write anything (every change is audited).
    pub audit: Option<AuditSeal>,
    /// Keep evidence files in this directory by content hash (`--files-dir`); `None`: in
    /// the database.
    pub files_dir: Option<std::path::PathBuf>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: 16,
            busy_timeout: Duration::from_secs(10),
            hasher: PasswordHasher::default(),
            audit: None,
            files_dir: None,
        }
    }
}

impl StoreOptions {
    /// For tests: cheap password hashing, so suites with many logins stay fast, and the
    /// fixed test audit key without checkpoints.
    pub fn for_tests() -> Self {
        StoreOptions {
            max_connections: 4,
            hasher: PasswordHasher::cheap(),
            audit: Some(AuditSeal::in_memory(AuditKey::for_tests())),
            ..StoreOptions::default()
        }
    }
}

/// The handle every layer above uses. Cheap to clone (pools are shared).
#[derive(Clone)]
pub struct Store {
    db: Db,
    hasher: PasswordHasher,
    caches: std::sync::Arc<cache::Caches>,
    audit: Option<std::sync::Arc<AuditSeal>>,
    /// Where evidence files are kept; `None`: in the database.
    files: Option<std::sync::Arc<attachments::FilesDir>>,
}

/// How long a PostgreSQL connection may sit idle in the pool before it is pinged on its
/// next use (see `Store::connect_with`).
const PING_AFTER_IDLE: std::time::Duration = std::time::Duration::from_secs(10);

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Opens `sqlite://path` (created if missing) or `postgres://…` with default options.
    /// Does not migrate: call [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Store::connect_with(url, StoreOptions::default()).await
    }

    pub async fn connect_with(url: &str, opts: StoreOptions) -> Result<Store, StoreError> {
        let db = if url.starts_with("sqlite:") {
            // FULL makes a commit durable across power loss, not just process crashes: the
            // audit chain and accepted reports must survive both.
            let connect = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(opts.busy_timeout);
            // No ping before each use (sqlx's default): it is a round trip to the
            // connection's worker thread per query, and an in-process SQLite connection has
            // no server that could have dropped it.
            let pool = SqlitePoolOptions::new()
                .max_connections(opts.max_connections.max(1))
                .test_before_acquire(false)
                .connect_with(connect)
                .await?;
            Db::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            // A connection is pinged before use only after it sat idle (sqlx pings before
            // every use by default, which doubled the round trips of every query under
            // load); one that has been busy is known to be alive, and one idle for a while —
            // say across a server restart — is checked and replaced if it fails.
            let pool = PgPoolOptions::new()
                .max_connections(opts.max_connections.max(1))
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for >= PING_AFTER_IDLE {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                })
                .connect(url)
                .await?;
            Db::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        Ok(Store {
            db,
            hasher: opts.hasher,
            caches: Default::default(),
            audit: opts.audit.map(std::sync::Arc::new),
            files: match opts.files_dir {
                Some(dir) => Some(std::sync::Arc::new(attachments::FilesDir::open(&dir)?)),
                None => None,
            },
        })
    }

    /// The same store signing audit entries with `seal` (the key is settled after
    /// connecting, so a first start can look at the database before creating one).
    pub fn with_audit(mut self, seal: AuditSeal) -> Store {
        self.audit = Some(std::sync::Arc::new(seal));
        self
    }

    /// Applies the embedded migrations for this backend (idempotent; safe with several
    /// instances on PostgreSQL, where sqlx takes an advisory lock).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(pool) => SQLITE_MIGRATOR.run(pool).await?,
            Db::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await?,
        }
        // Tasks stored before the search index existed (or restored without it).
        dispatch!(self, search::index_missing())?;
        Ok(())
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
            Db::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match &self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Closes the pool, waiting for connections to finish (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}
