use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::audit_checkpoint::{self, AuditHead};
use crate::audit_key::{AuditKey, AuditSeal};
use crate::time_util::to_unix;
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

/// Why verification failed, so a reader is told "wrong key" or "truncated" rather than a
/// misleading "entry 1 was changed".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditFault {
    /// An entry was changed, inserted or deleted, or the head does not match the log.
    Chain,
    /// The key given is not the one the entries were signed with, or no key was given.
    Key,
    /// The database contradicts a checkpoint written outside it (e.g. it was truncated).
    Checkpoint,
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
    /// What kind of failure it is (`None` when the chain holds).
    pub fault: Option<AuditFault>,
    /// Entries from this seq on are keyed (HMAC-SHA256); earlier ones were written before
    /// the chain was keyed and are plain SHA-256.
    pub keyed_from: i64,
    /// Checkpoint files compared with the database.
    pub checkpoints: u32,
    /// The newest checkpoint the database agrees with, described in Chinese.
    pub newest_checkpoint: Option<String>,
}

impl AuditReport {
    pub fn ok(&self) -> bool {
        self.first_broken.is_none() && self.fault.is_none()
    }

    pub(crate) fn fail(&mut self, fault: AuditFault, at: Option<i64>, problem: String) {
        self.fault = Some(fault);
        self.first_broken = at;
        self.problem = Some(problem);
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

/// HMAC-SHA256 under `key` (plain SHA-256 for entries written before the chain was keyed)
/// over a JSON array of every field but the hash, so that no separator or escaping ambiguity
/// lets two different entries hash alike.
#[allow(clippy::too_many_arguments)]
pub(crate) fn entry_hash(
    key: Option<&AuditKey>,
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
    let text = canonical.to_string();
    match key {
        Some(k) => k.mac_hex(text.as_bytes()),
        None => hex::encode(Sha256::digest(text.as_bytes())),
    }
}

impl Store {
    /// Walks the whole chain, recomputing every hash with this store's key, then compares
    /// it with the checkpoints in the store's checkpoint directory. A broken chain is an
    /// `Ok` report with `fault` set; `Err` means the database could not be read.
    pub async fn audit_verify(&self) -> Result<AuditReport, StoreError> {
        let checkpoints = match self.audit.as_deref() {
            Some(AuditSeal {
                key,
                checkpoint_dir: Some(dir),
                ..
            }) => audit_checkpoint::read_all(dir, key)?,
            _ => Ok(Vec::new()),
        };
        let marks: BTreeSet<i64> = match &checkpoints {
            Ok(cps) => cps.iter().map(|c| c.head.seq).collect(),
            Err(_) => BTreeSet::new(),
        };
        let (mut report, hashes) = dispatch!(self, audit::verify(&marks))?;
        if report.ok() {
            match checkpoints {
                Ok(cps) => audit_checkpoint::compare(&mut report, &cps, &hashes),
                Err(problem) => report.fail(AuditFault::Checkpoint, None, problem),
            }
        }
        Ok(report)
    }

    /// The chain head as stored now.
    pub async fn audit_head(&self) -> Result<AuditHead, StoreError> {
        dispatch!(self, audit::head())
    }

    /// Writes a checkpoint of the current head into the checkpoint directory (`reason`:
    /// `daily`, `stop`, …); `None` when this store has no checkpoint directory.
    pub async fn audit_checkpoint(&self, reason: &str) -> Result<Option<PathBuf>, StoreError> {
        let head = self.audit_head().await?;
        self.write_checkpoint(&head, reason)
    }

    pub(crate) fn write_checkpoint(
        &self,
        head: &AuditHead,
        reason: &str,
    ) -> Result<Option<PathBuf>, StoreError> {
        let Some(seal) = self.audit.as_deref() else {
            return Ok(None);
        };
        let Some(dir) = &seal.checkpoint_dir else {
            return Ok(None);
        };
        let now = to_unix(OffsetDateTime::now_utc());
        audit_checkpoint::write(dir, &seal.key, head, reason, now).map(Some)
    }

    /// Refuses to go on with a key other than the one the chain was signed with. A key file
    /// this start created is removed again: the database already has a key, which is lost
    /// or elsewhere, and a fresh one beside it would only mislead.
    pub async fn check_audit_key(&self) -> Result<(), StoreError> {
        let result = dispatch!(self, audit::check_key());
        if result.is_err()
            && let Some(seal) = self.audit.as_deref()
        {
            seal.take_back();
        }
        result
    }

    /// This store's key and checkpoint directory, if it has them.
    pub fn audit_seal(&self) -> Option<&AuditSeal> {
        self.audit.as_deref()
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
