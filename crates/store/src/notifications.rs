use serde::Serialize;
use time::OffsetDateTime;

use crate::time_util::{from_unix, from_unix_opt, to_unix};
use crate::{NotificationId, Store, StoreError, UnitId, UserId};

/// An in-app message, to one user or to every user of a unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    pub id: NotificationId,
    pub user_id: Option<UserId>,
    pub unit_id: Option<UnitId>,
    /// What it is about, e.g. `report.due_soon`, `report.overdue`, `notice.overdue`.
    pub kind: String,
    pub subject: String,
    pub body: String,
    /// A path inside the app to open, e.g. `/tasks/12`.
    pub link: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// For a unit-addressed message: when anyone of the unit read it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub read_at: Option<OffsetDateTime>,
    pub read_by: Option<String>,
}

impl Notification {
    pub fn is_read(&self) -> bool {
        self.read_at.is_some()
    }
}

/// A message to post. At least one of `user` and `unit` must be set.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    pub user: Option<UserId>,
    pub unit: Option<UnitId>,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub link: Option<String>,
    /// When set, a second message with the same key is not posted (reminders).
    pub dedupe_key: Option<String>,
}

impl NewNotification {
    pub(crate) fn check(&self) -> Result<(), StoreError> {
        if self.user.is_none() && self.unit.is_none() {
            return Err(StoreError::Invalid("通知必须指定接收用户或单位".into()));
        }
        if self.subject.trim().is_empty() {
            return Err(StoreError::Invalid("通知标题不能为空".into()));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct NotificationRow {
    pub id: i64,
    pub user_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: i64,
    pub read_at: Option<i64>,
    pub read_by: Option<String>,
}

impl NotificationRow {
    pub(crate) fn into_notification(self) -> Notification {
        Notification {
            id: NotificationId(self.id),
            user_id: self.user_id.map(UserId),
            unit_id: self.unit_id.map(UnitId),
            kind: self.kind,
            subject: self.subject,
            body: self.body,
            link: self.link,
            created_at: from_unix(self.created_at),
            read_at: from_unix_opt(self.read_at),
            read_by: self.read_by,
        }
    }
}

impl Store {
    /// Posts one message. Returns `None` when its dedupe key was already used.
    pub async fn notify(
        &self,
        new: &NewNotification,
        actor: &str,
    ) -> Result<Option<NotificationId>, StoreError> {
        new.check()?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, notifications::post(new, actor, now))
    }

    /// Messages for a user: those addressed to them and those addressed to their unit,
    /// newest first, at most `limit` (≤ 500).
    pub async fn notifications(
        &self,
        user: UserId,
        unit: Option<UnitId>,
        unread_only: bool,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        dispatch!(
            self,
            notifications::list(user, unit, unread_only, limit.min(500))
        )
    }

    /// How many of a user's messages (own and unit's) are unread, for the badge.
    pub async fn unread_notifications(
        &self,
        user: UserId,
        unit: Option<UnitId>,
    ) -> Result<i64, StoreError> {
        dispatch!(self, notifications::unread(user, unit))
    }

    /// Marks a message read, if it is addressed to this user or their unit. Returns
    /// whether anything changed (false: not theirs, or already read).
    pub async fn mark_notification_read(
        &self,
        id: NotificationId,
        user: UserId,
        unit: Option<UnitId>,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, notifications::mark_read(id, user, unit, actor, now))
    }
}
