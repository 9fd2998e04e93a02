use sqlx::{QueryBuilder, Row};

use super::audit::append;
use super::common::{Tx, begin_write};
use super::{Db, Pool};
use crate::attachments::{AttachmentRow, CheckedFile, FileStorage};
use crate::audit::Change;
use crate::{Attachment, AttachmentId, AttachmentOwner, Scope, StoreError};

const SELECT: &str = "SELECT a.id, a.task_id, a.unit_id, un.name AS unit_name, a.owner_kind, \
     a.owner_id, a.file_name, a.content_type, a.size, a.sha256, a.uploaded_by, \
     us.display_name AS uploader_name, a.uploaded_at \
     FROM attachments a JOIN units un ON un.id = a.unit_id \
     LEFT JOIN users us ON us.username = a.uploaded_by WHERE 1 = 1";

fn scoped(qb: &mut QueryBuilder<Db>, scope: &Scope) {
    if let Scope::Unit(u) = scope {
        qb.push(" AND a.unit_id = ").push_bind(*u);
    }
}

pub(crate) async fn list(
    pool: &Pool,
    owner: Option<AttachmentOwner>,
    task: Option<crate::TaskId>,
    limit: Option<i64>,
    scope: &Scope,
) -> Result<Vec<Attachment>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(SELECT);
    if let Some(o) = owner {
        qb.push(" AND a.owner_kind = ")
            .push_bind(o.kind())
            .push(" AND a.owner_id = ")
            .push_bind(o.id());
    }
    if let Some(t) = task {
        qb.push(" AND a.task_id = ").push_bind(t);
    }
    scoped(&mut qb, scope);
    match limit {
        Some(n) => {
            qb.push(" ORDER BY a.id DESC LIMIT ").push_bind(n);
        }
        None => {
            qb.push(" ORDER BY a.id");
        }
    }
    let rows: Vec<AttachmentRow> = qb.build_query_as().fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(AttachmentRow::into_attachment)
        .collect())
}

pub(crate) async fn one(
    pool: &Pool,
    id: AttachmentId,
    scope: &Scope,
) -> Result<Option<Attachment>, StoreError> {
    let mut qb: QueryBuilder<Db> = QueryBuilder::new(SELECT);
    qb.push(" AND a.id = ").push_bind(id);
    scoped(&mut qb, scope);
    let row: Option<AttachmentRow> = qb.build_query_as().fetch_optional(pool).await?;
    Ok(row.map(AttachmentRow::into_attachment))
}

/// A content's bytes as the database holds them, and whether they are in the files
/// directory instead (the bytes are then empty).
pub(crate) async fn content(
    pool: &Pool,
    sha256: &str,
) -> Result<Option<(Vec<u8>, bool)>, StoreError> {
    let row = sqlx::query("SELECT content, in_dir FROM file_blobs WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(r) => Some((r.try_get("content")?, r.try_get::<i64, _>("in_dir")? != 0)),
        None => None,
    })
}

/// Every content kept in the files directory: its hash, size and the names it was
/// uploaded under.
pub(crate) async fn in_dir_blobs(
    pool: &Pool,
) -> Result<Vec<(String, i64, Vec<String>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT b.sha256, b.size, a.file_name FROM file_blobs b \
         LEFT JOIN attachments a ON a.sha256 = b.sha256 \
         WHERE b.in_dir <> 0 ORDER BY b.sha256, a.id",
    )
    .fetch_all(pool)
    .await?;
    let mut out: Vec<(String, i64, Vec<String>)> = Vec::new();
    for r in &rows {
        let sha: String = r.try_get("sha256")?;
        let name: Option<String> = r.try_get("file_name")?;
        match out.last_mut() {
            Some((last, _, names)) if *last == sha => names.extend(name),
            _ => out.push((sha, r.try_get("size")?, name.into_iter().collect())),
        }
    }
    Ok(out)
}

pub(crate) async fn storage(pool: &Pool) -> Result<FileStorage, StoreError> {
    let a: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments")
        .fetch_one(pool)
        .await?;
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes FROM file_blobs",
    )
    .fetch_one(pool)
    .await?;
    Ok(FileStorage {
        attachments: a,
        blobs: row.try_get("n")?,
        bytes: row.try_get("bytes")?,
    })
}

/// The task and unit of the owner, which the attachment copies.
async fn owner_of(tx: &mut Tx, owner: AttachmentOwner) -> Result<(i64, i64), StoreError> {
    // The table name comes from a fixed list, never from input.
    let sql = format!(
        "SELECT task_id, unit_id FROM {} WHERE id = $1",
        owner.table()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(owner.id())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("附件所属的记录"))?;
    Ok((row.try_get("task_id")?, row.try_get("unit_id")?))
}

/// Inside the caller's transaction, so an application and its files commit together.
pub(crate) async fn attach_in(
    tx: &mut Tx,
    owner: AttachmentOwner,
    files: &[CheckedFile],
    actor: &str,
    now: i64,
) -> Result<Vec<AttachmentId>, StoreError> {
    let (task, unit) = owner_of(tx, owner).await?;
    let mut ids = Vec::with_capacity(files.len());
    for f in files {
        // In the files directory the content is already written; the row keeps its size.
        let content: &[u8] = if f.in_dir { &[] } else { &f.bytes };
        sqlx::query(
            "INSERT INTO file_blobs (sha256, size, content, in_dir) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&f.sha256)
        .bind(f.bytes.len() as i64)
        .bind(content)
        .bind(i64::from(f.in_dir))
        .execute(&mut **tx)
        .await?;
        let row = sqlx::query(
            "INSERT INTO attachments (task_id, unit_id, owner_kind, owner_id, sha256, file_name, \
             content_type, size, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(task)
        .bind(unit)
        .bind(owner.kind())
        .bind(owner.id())
        .bind(&f.sha256)
        .bind(&f.name)
        .bind(f.content_type)
        .bind(f.bytes.len() as i64)
        .bind(actor)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        let id = AttachmentId(row.try_get("id")?);
        append(
            tx,
            Change {
                actor,
                action: "attachment.add",
                entity: "attachment",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(serde_json::json!({
                    "task_id": task,
                    "unit_id": unit,
                    "owner": owner.kind(),
                    "owner_id": owner.id(),
                    "file_name": f.name,
                    "size": f.bytes.len(),
                    "sha256": f.sha256,
                })),
                at: now,
            },
        )
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

pub(crate) async fn attach(
    pool: &Pool,
    owner: AttachmentOwner,
    files: &[CheckedFile],
    actor: &str,
    now: i64,
) -> Result<Vec<Attachment>, StoreError> {
    let mut tx = begin_write(pool).await?;
    let ids = attach_in(&mut tx, owner, files, actor, now).await?;
    tx.commit().await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(a) = one(pool, id, &Scope::All).await? {
            out.push(a);
        }
    }
    Ok(out)
}
