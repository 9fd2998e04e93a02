//! Reopening one report: the office sends a submitted or accepted report back to its unit
//! for a corrected submission, without reopening the whole round.

use time::OffsetDateTime;

use crate::time_util::to_unix;
use crate::{Report, ReportId, Store, StoreError};

impl Store {
    /// Submitted or accepted → returned, so the unit can edit and submit again; the reason is
    /// required and shown to the unit like a return reason. The round must be open: a closed
    /// round locks every report, so a late submission needs the round reopened first.
    pub async fn reopen_report(
        &self,
        id: ReportId,
        reason: &str,
        actor: &str,
    ) -> Result<Report, StoreError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid("重新开放报告必须填写理由".into()));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, reopen::reopen_report(id, reason, actor, now))
    }
}
