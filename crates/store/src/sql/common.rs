use super::{Db, KIND, Pool};
use crate::Backend;

pub(crate) type Tx = sqlx::Transaction<'static, Db>;

/// A write transaction, holding this process's turn to write on SQLite.
pub(crate) struct WriteTx {
    tx: Tx,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTx {
    type Target = Tx;
    fn deref(&self) -> &Tx {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Tx {
        &mut self.tx
    }
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

/// One queue of writers per SQLite file in this process.
///
/// SQLite admits one writer at a time; the others wait in its busy handler, which sleeps in
/// growing steps (up to 100 ms) and serves them in no particular order, so under load a few
/// writers wait a second or more. Queuing them here first (a fair async mutex) hands the
/// lock over as soon as it is free. Other processes on the same file still meet the busy
/// timeout, as before.
fn sqlite_turn(pool: &Pool) -> std::sync::Arc<tokio::sync::Mutex<()>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static QUEUES: OnceLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let key = format!("{:?}", pool.connect_options());
    let queues = QUEUES.get_or_init(|| Mutex::new(HashMap::new()));
    match queues.lock() {
        Ok(mut map) => map.entry(key).or_default().clone(),
        // A poisoned registry only loses the fairness, not correctness: SQLite still locks.
        Err(_) => Arc::new(tokio::sync::Mutex::new(())),
    }
}

/// Starts a transaction that will write.
///
/// On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`): a deferred transaction
/// that reads and then writes fails with SQLITE_BUSY when another connection committed in
/// between, whatever the busy timeout. It also serialises audit appenders. PostgreSQL
/// serialises them on the audit head row instead (see `audit::append`).
pub(crate) async fn begin_write(pool: &Pool) -> Result<WriteTx, sqlx::Error> {
    match KIND {
        Backend::Sqlite => {
            let turn = sqlite_turn(pool).lock_owned().await;
            let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            Ok(WriteTx {
                tx,
                _turn: Some(turn),
            })
        }
        Backend::Postgres => Ok(WriteTx {
            tx: pool.begin().await?,
            _turn: None,
        }),
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
            "ANALYZE plans, tasks, task_units, task_groups, units, rounds, reports, task_search, \
             light_dirty, task_lights"
        }
    };
    let _ = sqlx::raw_sql(sql).execute(pool).await;
}
