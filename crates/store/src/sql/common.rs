use super::{Db, KIND, Pool};
use crate::Backend;

pub(crate) type Tx = sqlx::Transaction<'static, Db>;

/// Starts a transaction that will write.
///
/// On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`): a deferred transaction
/// that reads and then writes fails with SQLITE_BUSY when another connection committed in
/// between, whatever the busy timeout. It also serialises audit appenders. PostgreSQL
/// serialises them on the audit head row instead (see `audit::append`).
pub(crate) async fn begin_write(pool: &Pool) -> Result<Tx, sqlx::Error> {
    match KIND {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

/// Rows per multi-row INSERT: under SQLite's 32,766 and PostgreSQL's 65,535 bind
/// parameters for the widest table (22 columns).
pub(crate) const BATCH_ROWS: usize = 1000;

/// Refreshes the planner's statistics after a bulk change (an import, a bulk load).
///
/// Without them PostgreSQL plans a freshly loaded 50,000-task plan as if it were empty until
/// autovacuum comes round. Best effort: stale statistics slow queries, they never make them
/// wrong, so a failure here must not fail the import that already committed.
pub(crate) async fn refresh_statistics(pool: &Pool) {
    let sql = match KIND {
        // A bounded sample per index keeps this fast on large files.
        Backend::Sqlite => "PRAGMA analysis_limit = 1000; ANALYZE;",
        Backend::Postgres => {
            "ANALYZE plans, tasks, task_units, task_groups, units, rounds, reports"
        }
    };
    let _ = sqlx::raw_sql(sql).execute(pool).await;
}
