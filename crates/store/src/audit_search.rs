//! Browsing the audit log with filters, for the office's audit page.

use serde::{Deserialize, Serialize};

use crate::{AuditEntry, Store, StoreError};

/// Which entries to show; empty fields match everything. Newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Exact username of who acted.
    pub actor: Option<String>,
    /// An exact action (`report.submit`) or, ending in `.`, every action under it (`report.`).
    pub action: Option<String>,
    /// Exact entity kind (`task`, `report`, `user` …).
    pub entity: Option<String>,
    /// Exact entity id, with `entity`.
    pub entity_id: Option<String>,
    /// Only entries older than this seq (paging back).
    pub before_seq: Option<i64>,
    /// At most 500; 0 means 50.
    pub limit: u32,
}

impl Store {
    /// A page of audit entries matching `filter`, newest first. Returns the page and whether
    /// older matching entries exist (for a "next page" link).
    pub async fn audit_search(
        &self,
        filter: &AuditFilter,
    ) -> Result<(Vec<AuditEntry>, bool), StoreError> {
        let limit = match filter.limit {
            0 => 50,
            n => n.min(500),
        };
        let mut rows = dispatch!(self, audit_search::search(filter, limit + 1))?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        Ok((rows, more))
    }

    /// The distinct actions and entity kinds in the log, for the filter's choices.
    pub async fn audit_vocabulary(&self) -> Result<(Vec<String>, Vec<String>), StoreError> {
        dispatch!(self, audit_search::vocabulary())
    }
}
