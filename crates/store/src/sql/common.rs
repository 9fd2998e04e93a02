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
