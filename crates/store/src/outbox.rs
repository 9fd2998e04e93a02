use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::time_util::{from_unix, from_unix_opt, to_unix};
use crate::{DeliveryId, NewNotification, Store, StoreError, UnitId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for `next_attempt_at`.
    Pending,
    /// Claimed by a worker until its lease ends.
    Sending,
    Sent,
    /// Gave up after the last attempt.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(DeliveryStatus::Pending),
            "sending" => Some(DeliveryStatus::Sending),
            "sent" => Some(DeliveryStatus::Sent),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "待发送",
            DeliveryStatus::Sending => "发送中",
            DeliveryStatus::Sent => "已发送",
            DeliveryStatus::Failed => "发送失败",
        }
    }
}

/// One message to deliver outside the app (an email, a webhook call).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    pub id: DeliveryId,
    /// Unique: the same reminder for the same subject, day, recipient and channel.
    pub dedupe_key: String,
    pub kind: String,
    /// What it is about, e.g. `report:12:3:7` (task, round, unit).
    pub subject_ref: String,
    /// `email` or `webhook`, or any channel name a sender knows.
    pub channel: String,
    /// An email address, or the name of a configured webhook.
    pub recipient: String,
    pub unit_id: Option<UnitId>,
    pub subject: String,
    pub body: String,
    pub status: DeliveryStatus,
    /// Attempts started so far (a claim starts one).
    pub attempts: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    pub claimed_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub lease_until: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
}

/// A delivery to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    pub dedupe_key: String,
    pub kind: String,
    pub subject_ref: String,
    pub channel: String,
    pub recipient: String,
    pub unit: Option<UnitId>,
    pub subject: String,
    pub body: String,
}

/// What an enqueue inserted (rows whose dedupe key already existed are not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EnqueueCounts {
    pub notifications: u64,
    pub deliveries: u64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct DeliveryRow {
    pub id: i64,
    pub dedupe_key: String,
    pub kind: String,
    pub subject_ref: String,
    pub channel: String,
    pub recipient: String,
    pub unit_id: Option<i64>,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub claimed_by: Option<String>,
    pub lease_until: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

impl DeliveryRow {
    pub(crate) fn into_delivery(self) -> Delivery {
        Delivery {
            id: DeliveryId(self.id),
            dedupe_key: self.dedupe_key,
            kind: self.kind,
            subject_ref: self.subject_ref,
            channel: self.channel,
            recipient: self.recipient,
            unit_id: self.unit_id.map(UnitId),
            subject: self.subject,
            body: self.body,
            status: DeliveryStatus::parse(&self.status).unwrap_or(DeliveryStatus::Failed),
            attempts: self.attempts,
            next_attempt_at: from_unix(self.next_attempt_at),
            claimed_by: self.claimed_by,
            lease_until: from_unix_opt(self.lease_until),
            last_error: self.last_error,
            created_at: from_unix(self.created_at),
            sent_at: from_unix_opt(self.sent_at),
        }
    }
}

/// Longest error text kept per delivery.
const MAX_ERROR_CHARS: usize = 1000;

impl Store {
    /// Posts in-app messages and enqueues deliveries in one transaction, skipping every row
    /// whose dedupe key exists already (`INSERT … ON CONFLICT DO NOTHING`), so that several
    /// instances enqueueing the same reminders leave one row each. One audit entry lists
    /// what was inserted; nothing inserted, nothing audited.
    pub async fn enqueue_reminders(
        &self,
        notifications: &[NewNotification],
        deliveries: &[NewDelivery],
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<EnqueueCounts, StoreError> {
        for n in notifications {
            n.check()?;
            if n.dedupe_key.is_none() {
                return Err(StoreError::Invalid("提醒通知必须有去重键".into()));
            }
        }
        if deliveries.iter().any(|d| d.dedupe_key.trim().is_empty()) {
            return Err(StoreError::Invalid("待发送消息必须有去重键".into()));
        }
        // Same order in every instance, so concurrent enqueuers wait on each other's keys
        // in one direction and never deadlock.
        let mut notifications: Vec<&NewNotification> = notifications.iter().collect();
        notifications.sort_by(|a, b| a.dedupe_key.cmp(&b.dedupe_key));
        let mut deliveries: Vec<&NewDelivery> = deliveries.iter().collect();
        deliveries.sort_by(|a, b| a.dedupe_key.cmp(&b.dedupe_key));
        dispatch!(
            self,
            outbox::enqueue(&notifications, &deliveries, to_unix(now), actor)
        )
    }

    /// Takes the next delivery that is due (pending with `next_attempt_at <= now`, or
    /// sending with an expired lease) for `worker`, leased for `lease`; counts the attempt.
    /// Exactly one of several concurrent claimers gets a given delivery (PostgreSQL:
    /// `FOR UPDATE SKIP LOCKED`; SQLite: one writer at a time and a conditional update).
    pub async fn claim_delivery(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: std::time::Duration,
    ) -> Result<Option<Delivery>, StoreError> {
        let now = to_unix(now);
        let until = now.saturating_add(i64::try_from(lease.as_secs()).unwrap_or(i64::MAX / 2));
        dispatch!(self, outbox::claim(worker, now, until))
    }

    /// Records a successful send. False when `worker` no longer holds the claim (its lease
    /// ran out and another worker took the delivery).
    pub async fn delivery_sent(
        &self,
        id: DeliveryId,
        worker: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        dispatch!(self, outbox::finish(id, worker, None, None, to_unix(now)))
    }

    /// Records a failed attempt: retried at `retry_at`, or given up (`None`).
    pub async fn delivery_failed(
        &self,
        id: DeliveryId,
        worker: &str,
        error: &str,
        retry_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
        let retry = retry_at.map(to_unix);
        dispatch!(
            self,
            outbox::finish(id, worker, Some(&error), Some(retry), to_unix(now))
        )
    }

    /// Deliveries, newest first, optionally of one status (for the office's outbox page).
    pub async fn deliveries(
        &self,
        status: Option<DeliveryStatus>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        dispatch!(self, outbox::list(status, limit.min(1000)))
    }
}
