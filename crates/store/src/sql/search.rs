//! The tasks' search index (see `crate::search`): written in the transaction that writes a
//! task's text, read by the task list's `q` filter.

use sqlx::{QueryBuilder, Row};

use super::common::{BATCH_ROWS, Tx};
use super::{Db, KIND, Pool};
use crate::search::{fts5_document, fts5_query, query_terms, task_terms};
use crate::tasks::like_pattern;
use crate::{Backend, StoreError};

/// Recomputes the search terms of these tasks from their stored text, progress and section.
/// Every writer of those columns calls it in its own transaction, so the index never lags.
pub(crate) async fn index_tasks(tx: &mut Tx, ids: &[i64]) -> Result<(), StoreError> {
    for chunk in ids.chunks(BATCH_ROWS) {
        let mut read: QueryBuilder<Db> =
            QueryBuilder::new("SELECT id, text, progress, section FROM tasks WHERE id IN (");
        let mut list = read.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        read.push(")");
        let rows = read.build().fetch_all(&mut **tx).await?;
        let mut docs = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let text: String = r.try_get("text")?;
            let progress: String = r.try_get("progress")?;
            let section: Option<String> = r.try_get("section")?;
            let terms = task_terms([
                text.as_str(),
                progress.as_str(),
                section.as_deref().unwrap_or(""),
            ]);
            docs.push((id, fts5_document(&terms)));
        }
        write(tx, chunk, docs).await?;
    }
    Ok(())
}

async fn write(tx: &mut Tx, ids: &[i64], docs: Vec<(i64, String)>) -> Result<(), StoreError> {
    match KIND {
        Backend::Sqlite => {
            // FTS5 has no upsert: the old rows go first (a contentless table with
            // contentless_delete takes deletes by rowid).
            let mut del: QueryBuilder<Db> =
                QueryBuilder::new("DELETE FROM task_search WHERE rowid IN (");
            let mut list = del.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            del.push(")");
            del.build().execute(&mut **tx).await?;
            if docs.is_empty() {
                return Ok(());
            }
            let mut ins: QueryBuilder<Db> =
                QueryBuilder::new("INSERT INTO task_search (rowid, terms) ");
            ins.push_values(docs, |mut b, (id, doc)| {
                b.push_bind(id).push_bind(doc);
            });
            ins.build().execute(&mut **tx).await?;
        }
        Backend::Postgres => {
            if docs.is_empty() {
                return Ok(());
            }
            let mut ins: QueryBuilder<Db> =
                QueryBuilder::new("INSERT INTO task_search (task_id, terms) ");
            ins.push_values(docs, |mut b, (id, doc)| {
                b.push_bind(id)
                    .push_unseparated(", string_to_array(")
                    .push_bind_unseparated(doc)
                    .push_unseparated(", ' ')");
            });
            ins.push(" ON CONFLICT (task_id) DO UPDATE SET terms = EXCLUDED.terms");
            ins.build().execute(&mut **tx).await?;
        }
    }
    Ok(())
}

/// Indexes every task the index does not hold yet: tasks stored before the index existed
/// (the migration that made it cannot compute bigrams in SQL), and after a restore, which
/// leaves the derived index out. Cheap when there is nothing to do.
pub(crate) async fn index_missing(pool: &Pool) -> Result<u64, StoreError> {
    let sql = match KIND {
        Backend::Sqlite => {
            "SELECT t.id FROM tasks t WHERE NOT EXISTS \
             (SELECT 1 FROM task_search s WHERE s.rowid = t.id) ORDER BY t.id"
        }
        Backend::Postgres => {
            "SELECT t.id FROM tasks t WHERE NOT EXISTS \
             (SELECT 1 FROM task_search s WHERE s.task_id = t.id) ORDER BY t.id"
        }
    };
    let missing: Vec<i64> = sqlx::query_scalar(sql).fetch_all(pool).await?;
    if missing.is_empty() {
        return Ok(0);
    }
    let mut tx = super::common::begin_write(pool).await?;
    index_tasks(&mut tx, &missing).await?;
    tx.commit().await?;
    Ok(missing.len() as u64)
}

/// Empties the index (a restore refills the tasks, then `index_missing` rebuilds it).
pub(crate) async fn clear(tx: &mut Tx) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM task_search")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Restricts `t` (tasks) to those whose text, progress or section contains `q`: the index
/// picks the candidates when `q` has a bigram, and `LIKE` keeps the answer exact either way.
pub(crate) fn push_text_filter(qb: &mut QueryBuilder<Db>, q: &str) {
    if let Some(terms) = query_terms(q) {
        match KIND {
            Backend::Sqlite => {
                qb.push(" AND t.id IN (SELECT rowid FROM task_search WHERE task_search MATCH ");
                qb.push_bind(fts5_query(&terms));
                qb.push(")");
            }
            Backend::Postgres => {
                // An init-plan reads the candidates once, first, through the GIN index
                // (see migration 0020: the planner otherwise scanned every task).
                qb.push(" AND t.id = ANY(CAST((SELECT duban_search_ids(string_to_array(");
                qb.push_bind(terms.join(" "));
                qb.push(", ' '))) AS BIGINT[]))");
            }
        }
    }
    // SQLite's LIKE ignores ASCII case; ILIKE gives PostgreSQL the same answer.
    let like = match KIND {
        Backend::Sqlite => " LIKE ",
        Backend::Postgres => " ILIKE ",
    };
    let p = like_pattern(q);
    qb.push(" AND (t.text");
    qb.push(like);
    qb.push_bind(p.clone());
    qb.push(" ESCAPE '\\' OR t.progress");
    qb.push(like);
    qb.push_bind(p.clone());
    qb.push(" ESCAPE '\\' OR t.section");
    qb.push(like);
    qb.push_bind(p);
    qb.push(" ESCAPE '\\')");
}
