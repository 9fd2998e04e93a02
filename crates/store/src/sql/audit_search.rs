use sqlx::{QueryBuilder, Row};

use super::audit::entry_from_row;
use super::{Db, Pool};
use crate::tasks::like_pattern;
use crate::{AuditEntry, AuditFilter, StoreError};

fn nonblank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub(crate) async fn search(
    pool: &Pool,
    f: &AuditFilter,
    limit: u32,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(
        "SELECT seq, at, actor, action, entity, entity_id, before_json, after_json, prev_hash, \
         hash FROM audit_log WHERE seq < ",
    );
    qb.push_bind(f.before_seq.unwrap_or(i64::MAX));
    if let Some(a) = nonblank(&f.actor) {
        qb.push(" AND actor = ");
        qb.push_bind(a.to_string());
    }
    if let Some(a) = nonblank(&f.action) {
        if a.ends_with('.') {
            // A prefix: "report." is every report action. The pattern escapes wildcards.
            let mut p = like_pattern(a);
            p.remove(0);
            qb.push(" AND action LIKE ");
            qb.push_bind(p);
            qb.push(" ESCAPE '\\'");
        } else {
            qb.push(" AND action = ");
            qb.push_bind(a.to_string());
        }
    }
    if let Some(e) = nonblank(&f.entity) {
        qb.push(" AND entity = ");
        qb.push_bind(e.to_string());
    }
    if let Some(e) = nonblank(&f.entity_id) {
        qb.push(" AND entity_id = ");
        qb.push_bind(e.to_string());
    }
    qb.push(" ORDER BY seq DESC LIMIT ");
    qb.push_bind(i64::from(limit));
    let rows = qb.build().fetch_all(pool).await?;
    rows.iter().map(entry_from_row).collect()
}

pub(crate) async fn vocabulary(pool: &Pool) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let actions = sqlx::query("SELECT DISTINCT action FROM audit_log ORDER BY action")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.try_get("action"))
        .collect::<Result<Vec<String>, _>>()?;
    let entities = sqlx::query("SELECT DISTINCT entity FROM audit_log ORDER BY entity")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| r.try_get("entity"))
        .collect::<Result<Vec<String>, _>>()?;
    Ok((actions, entities))
}
