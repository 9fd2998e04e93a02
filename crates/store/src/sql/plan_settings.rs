use sqlx::Row;

use super::audit::append;
use super::common::begin_write;
use super::{Db, Pool};
use crate::audit::Change;
use crate::{PlanId, PlanSettings, StoreError};

type DbRow = <Db as sqlx::Database>::Row;

fn from_row(r: &DbRow) -> Result<PlanSettings, sqlx::Error> {
    let cc: Option<String> = r.try_get("cc")?;
    Ok(PlanSettings {
        office: r.try_get("office")?,
        report_pattern: r.try_get("report_pattern")?,
        bulletin_pattern: r.try_get("bulletin_pattern")?,
        supervision_pattern: r.try_get("supervision_pattern")?,
        reminder_pattern: r.try_get("reminder_pattern")?,
        addressee: r.try_get("addressee")?,
        cc: cc
            .as_deref()
            .unwrap_or("")
            .lines()
            .map(str::to_string)
            .filter(|c| !c.is_empty())
            .collect(),
        printed_by: r.try_get("printed_by")?,
        contact: r.try_get("contact")?,
        phone: r.try_get("phone")?,
        updated_by: r.try_get("updated_by")?,
        updated_at: crate::time_util::from_unix_opt(r.try_get("updated_at")?),
    })
}

const SELECT: &str = "SELECT office, report_pattern, bulletin_pattern, supervision_pattern, \
     reminder_pattern, addressee, cc, printed_by, contact, phone, updated_by, updated_at \
     FROM plan_settings WHERE plan_id = $1";

pub(crate) async fn load(pool: &Pool, plan: PlanId) -> Result<PlanSettings, StoreError> {
    if let Some(r) = sqlx::query(SELECT).bind(plan).fetch_optional(pool).await? {
        return Ok(from_row(&r)?);
    }
    let issuer = sqlx::query("SELECT issuer FROM plans WHERE id = $1")
        .bind(plan)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("该计划"))?;
    Ok(PlanSettings {
        office: issuer.try_get("issuer")?,
        ..PlanSettings::default()
    })
}

pub(crate) async fn save(
    pool: &Pool,
    plan: PlanId,
    s: &PlanSettings,
    actor: &str,
    now: i64,
) -> Result<PlanSettings, StoreError> {
    let mut tx = begin_write(pool).await?;
    let exists = sqlx::query("SELECT 1 AS one FROM plans WHERE id = $1")
        .bind(plan)
        .fetch_optional(&mut **tx)
        .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound("该计划"));
    }
    let before = sqlx::query(SELECT)
        .bind(plan)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| from_row(&r))
        .transpose()?;
    let cc = (!s.cc.is_empty()).then(|| s.cc.join("\n"));
    sqlx::query(
        "INSERT INTO plan_settings (plan_id, office, report_pattern, bulletin_pattern, \
         supervision_pattern, reminder_pattern, addressee, cc, printed_by, contact, phone, \
         updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (plan_id) DO UPDATE SET office = excluded.office, \
         report_pattern = excluded.report_pattern, bulletin_pattern = excluded.bulletin_pattern, \
         supervision_pattern = excluded.supervision_pattern, \
         reminder_pattern = excluded.reminder_pattern, addressee = excluded.addressee, \
         cc = excluded.cc, printed_by = excluded.printed_by, contact = excluded.contact, \
         phone = excluded.phone, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at",
    )
    .bind(plan)
    .bind(s.office.as_deref())
    .bind(s.report_pattern.as_deref())
    .bind(s.bulletin_pattern.as_deref())
    .bind(s.supervision_pattern.as_deref())
    .bind(s.reminder_pattern.as_deref())
    .bind(s.addressee.as_deref())
    .bind(cc)
    .bind(s.printed_by.as_deref())
    .bind(s.contact.as_deref())
    .bind(s.phone.as_deref())
    .bind(actor)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    append(
        &mut tx,
        Change {
            actor,
            action: "plan.settings",
            entity: "plan",
            entity_id: Some(plan.to_string()),
            before: before.as_ref().map(PlanSettings::audit_json),
            after: Some(s.audit_json()),
            at: now,
        },
    )
    .await?;
    let saved = sqlx::query(SELECT).bind(plan).fetch_one(&mut **tx).await?;
    let saved = from_row(&saved)?;
    tx.commit().await?;
    Ok(saved)
}
