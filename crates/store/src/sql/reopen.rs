use super::Pool;
use super::audit::append;
use super::common::begin_write;
use super::reports::{load, record_version, round_is_open};
use crate::audit::Change;
use crate::{Report, ReportId, ReportStatus, StoreError};

pub(crate) async fn reopen_report(
    pool: &Pool,
    id: ReportId,
    reason: &str,
    actor: &str,
    now: i64,
) -> Result<Report, StoreError> {
    let mut tx = begin_write(pool).await?;
    let current = load(&mut tx, id)
        .await?
        .ok_or(StoreError::NotFound("该报告"))?;
    round_is_open(&mut tx, current.round_id).await?;
    if !matches!(
        current.status,
        ReportStatus::Submitted | ReportStatus::Accepted
    ) {
        return Err(StoreError::Invalid(format!(
            "报告当前为“{}”，单位本就可以修改，无需重新开放",
            current.status.label_zh()
        )));
    }
    sqlx::query(
        "UPDATE reports SET version = version + 1, status = 'returned', return_reason = $1, \
         reviewed_by = $2, reviewed_at = $3, updated_at = $3 WHERE id = $4 AND version = $5",
    )
    .bind(reason)
    .bind(actor)
    .bind(now)
    .bind(id)
    .bind(current.version)
    .execute(&mut **tx)
    .await?;
    let saved = load(&mut tx, id)
        .await?
        .ok_or(StoreError::NotFound("该报告"))?;
    record_version(&mut tx, &saved, actor, now).await?;
    // A reopened accepted report no longer speaks: the standing returns to the evidence
    // before it, and an override made on this report is withdrawn with it.
    if current.status == ReportStatus::Accepted {
        super::verdicts::refresh(
            &mut tx,
            current.task_id,
            crate::OverrideDecision::Drop,
            crate::StandingEvent::Reopen,
            actor,
            now,
        )
        .await?;
    }
    append(
        &mut tx,
        Change {
            actor,
            action: "report.reopen",
            entity: "report",
            entity_id: Some(id.to_string()),
            before: Some(serde_json::json!({
                "version": current.version, "status": current.status.as_str()
            })),
            after: Some(serde_json::json!({
                "version": saved.version,
                "status": saved.status.as_str(),
                "return_reason": saved.return_reason,
            })),
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}
