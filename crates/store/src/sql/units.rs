use sqlx::Row;

use super::Pool;
use super::audit::append;
use super::common::{Tx, begin_write};
use crate::audit::Change;
use crate::units::parse_aliases;
use crate::{StoreError, Unit, UnitId};

pub(crate) async fn list(pool: &Pool, only: Option<UnitId>) -> Result<Vec<Unit>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.id, u.name, u.aliases, u.email, \
         (SELECT COUNT(*) FROM task_units tu WHERE tu.unit_id = u.id AND tu.role = 'lead') AS lead_tasks, \
         (SELECT COUNT(*) FROM task_units tu WHERE tu.unit_id = u.id AND tu.role = 'coop') AS coop_tasks \
         FROM units u WHERE ($1 IS NULL OR u.id = $1) ORDER BY u.name",
    )
    .bind(only)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let aliases: String = r.try_get("aliases")?;
            Ok(Unit {
                id: UnitId(r.try_get("id")?),
                name: r.try_get("name")?,
                aliases: parse_aliases(&aliases),
                lead_tasks: r.try_get("lead_tasks")?,
                coop_tasks: r.try_get("coop_tasks")?,
                email: r.try_get("email")?,
            })
        })
        .collect()
}

pub(crate) async fn create(
    pool: &Pool,
    name: &str,
    aliases: &[String],
    now: i64,
    actor: &str,
) -> Result<UnitId, StoreError> {
    let mut tx = begin_write(pool).await?;
    let id = insert(&mut tx, name, aliases, now).await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "unit.create",
            entity: "unit",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(serde_json::json!({ "name": name, "aliases": aliases })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn insert(
    tx: &mut Tx,
    name: &str,
    aliases: &[String],
    now: i64,
) -> Result<UnitId, StoreError> {
    let aliases = serde_json::to_string(aliases)?;
    let row = sqlx::query(
        "INSERT INTO units (name, aliases, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name)
    .bind(aliases)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(UnitId(row.try_get("id")?))
}
