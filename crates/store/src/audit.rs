use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{Store, StoreError};

/// The `prev_hash` of the first entry.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit log entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: String,
    /// A dotted verb such as `plan.import`, `report.submit`, `user.lock`.
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    /// Entries read.
    pub entries: u64,
    /// The last seq the chain head records.
    pub head_seq: i64,
    /// The first seq at which the chain breaks (changed, inserted or deleted), if any.
    pub first_broken: Option<i64>,
    /// What was wrong there, in Chinese.
    pub problem: Option<String>,
}

impl AuditReport {
    pub fn ok(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// What a change records; turned into an entry by `sql::audit::append`.
pub(crate) struct Change<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub at: i64,
}

/// SHA-256 over a JSON array of every field but the hash, so that no separator or escaping
/// ambiguity lets two different entries hash alike.
#[allow(clippy::too_many_arguments)]
pub(crate) fn entry_hash(
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: Option<&str>,
    before_json: Option<&str>,
    after_json: Option<&str>,
    prev_hash: &str,
) -> String {
    let canonical = serde_json::json!([
        seq,
        at,
        actor,
        action,
        entity,
        entity_id,
        before_json,
        after_json,
        prev_hash
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

impl Store {
    /// Walks the whole chain, recomputing every hash. A broken chain is an `Ok` report with
    /// `first_broken` set; `Err` means the database could not be read.
    pub async fn audit_verify(&self) -> Result<AuditReport, StoreError> {
        dispatch!(self, audit::verify())
    }

    /// Newest first; `before_seq` pages back.
    pub async fn audit_entries(
        &self,
        limit: u32,
        before_seq: Option<i64>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        dispatch!(self, audit::entries(limit, before_seq))
    }
}
