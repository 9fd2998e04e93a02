use sqlx::Row;

use super::audit::append;
use super::common::{Tx, begin_write};
use super::{KIND, Pool};
use crate::audit::Change;
use crate::notice_docs::{DocNumber, NoticeDocKind};
use crate::{Backend, NoticeId, StoreError};

fn number_of(year: i64, serial: i64) -> DocNumber {
    DocNumber {
        year: i32::try_from(year).unwrap_or(0),
        serial: u32::try_from(serial).unwrap_or(0),
    }
}

async fn existing(
    tx: &mut Tx,
    notice: NoticeId,
    kind: NoticeDocKind,
) -> Result<Option<DocNumber>, StoreError> {
    let row =
        sqlx::query("SELECT year, serial FROM notice_docs WHERE notice_id = $1 AND kind = $2")
            .bind(notice)
            .bind(kind.as_str())
            .fetch_optional(&mut **tx)
            .await?;
    Ok(match row {
        Some(r) => Some(number_of(r.try_get("year")?, r.try_get("serial")?)),
        None => None,
    })
}

/// Gives the notice its number for `kind` inside `tx` unless it has one; the year is the
/// one `now` falls in (China Standard Time).
pub(crate) async fn assign(
    tx: &mut Tx,
    notice: NoticeId,
    kind: NoticeDocKind,
    actor: &str,
    now: i64,
) -> Result<DocNumber, StoreError> {
    // Two first downloads of one notice on PostgreSQL: the second waits on the notice's
    // row and then finds the first one's number (SQLite writers take turns already).
    let lock = if KIND == Backend::Postgres {
        "SELECT plan_id FROM notices WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT plan_id FROM notices WHERE id = $1"
    };
    let plan: i64 = sqlx::query(lock)
        .bind(notice)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("该督办单"))?
        .try_get("plan_id")?;
    if let Some(n) = existing(tx, notice, kind).await? {
        return Ok(n);
    }
    let year: i64 = crate::verdicts::cst_date(now)[..4].parse().unwrap_or(0);
    // The upsert locks the counter's row until commit, so two notices never share a serial.
    let serial: i64 = sqlx::query(
        "INSERT INTO doc_counters (plan_id, kind, year, last) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (plan_id, kind, year) DO UPDATE SET last = doc_counters.last + 1 \
         RETURNING last",
    )
    .bind(plan)
    .bind(kind.as_str())
    .bind(year)
    .fetch_one(&mut **tx)
    .await?
    .try_get("last")?;
    sqlx::query(
        "INSERT INTO notice_docs (notice_id, kind, plan_id, year, serial, assigned_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(notice)
    .bind(kind.as_str())
    .bind(plan)
    .bind(year)
    .bind(serial)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    append(
        tx,
        Change {
            actor,
            action: "notice.number",
            entity: "notice",
            entity_id: Some(notice.to_string()),
            before: None,
            after: Some(serde_json::json!({
                "kind": kind.as_str(),
                "year": year,
                "serial": serial,
            })),
            at: now,
        },
    )
    .await?;
    Ok(number_of(year, serial))
}

pub(crate) async fn number(
    pool: &Pool,
    notice: NoticeId,
    kind: NoticeDocKind,
    actor: &str,
    now: i64,
) -> Result<DocNumber, StoreError> {
    let mut tx = begin_write(pool).await?;
    let n = assign(&mut tx, notice, kind, actor, now).await?;
    tx.commit().await?;
    Ok(n)
}

pub(crate) async fn given(
    pool: &Pool,
    notice: NoticeId,
    kind: NoticeDocKind,
) -> Result<Option<DocNumber>, StoreError> {
    let row =
        sqlx::query("SELECT year, serial FROM notice_docs WHERE notice_id = $1 AND kind = $2")
            .bind(notice)
            .bind(kind.as_str())
            .fetch_optional(pool)
            .await?;
    Ok(match row {
        Some(r) => Some(number_of(r.try_get("year")?, r.try_get("serial")?)),
        None => None,
    })
}
