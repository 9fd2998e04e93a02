use sqlx::Row;

use super::Pool;
use crate::reminders::PendingReport;
use crate::time_util::{from_unix, from_unix_opt};
use crate::{PlanId, ReportStatus, Round, RoundId, RoundStatus, StoreError, TaskId, UnitId};

pub(crate) async fn open_rounds(pool: &Pool) -> Result<Vec<Round>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, plan_id, name, due_date, status, created_at, closed_at FROM rounds \
         WHERE status = 'open' ORDER BY due_date, id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Round {
                id: RoundId(r.try_get("id")?),
                plan_id: PlanId(r.try_get("plan_id")?),
                name: r.try_get("name")?,
                due_date: r.try_get("due_date")?,
                status: RoundStatus::Open,
                created_at: from_unix(r.try_get("created_at")?),
                closed_at: from_unix_opt(r.try_get("closed_at")?),
            })
        })
        .collect()
}

pub(crate) async fn pending_reports(
    pool: &Pool,
    round: RoundId,
) -> Result<Vec<PendingReport>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.id AS task_id, t.position, t.text, tu.unit_id, u.name AS unit_name, \
         r.status AS report_status \
         FROM rounds ro JOIN tasks t ON t.plan_id = ro.plan_id \
         JOIN task_units tu ON tu.task_id = t.id AND tu.role = 'lead' \
         JOIN units u ON u.id = tu.unit_id \
         LEFT JOIN reports r ON r.task_id = t.id AND r.unit_id = tu.unit_id AND r.round_id = ro.id \
         WHERE ro.id = $1 AND t.retired_at IS NULL AND (r.status IS NULL OR r.status IN ('draft', 'returned')) \
           AND (t.closed_on IS NULL OR t.closed_on >= ro.due_date) \
         ORDER BY t.position, u.name",
    )
    .bind(round)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let status: Option<String> = r.try_get("report_status")?;
            Ok(PendingReport {
                task_id: TaskId(r.try_get("task_id")?),
                task_position: r.try_get("position")?,
                task_text: r.try_get("text")?,
                unit_id: UnitId(r.try_get("unit_id")?),
                unit_name: r.try_get("unit_name")?,
                status: status.as_deref().and_then(ReportStatus::parse),
            })
        })
        .collect()
}
