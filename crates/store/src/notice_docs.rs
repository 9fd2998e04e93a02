//! The 文号 of printable 督办单 and 催办单: given once per notice and kind, sequential per
//! plan, kind and year (China Standard Time), and the same on every later download. The
//! 督办单's is given when the notice is issued; a 催办单's when it is first printed (and a
//! 督办单's then too, for notices issued before numbers were kept).

use serde::Serialize;
use time::OffsetDateTime;

use crate::time_util::to_unix;
use crate::{NoticeId, Store, StoreError};

/// Which form a number belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeDocKind {
    /// 督办单.
    Supervision,
    /// 催办单.
    Reminder,
}

impl NoticeDocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeDocKind::Supervision => "supervision",
            NoticeDocKind::Reminder => "reminder",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            NoticeDocKind::Supervision => "督办单",
            NoticeDocKind::Reminder => "催办单",
        }
    }
}

/// A form's number: its year and serial within the plan, kind and year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DocNumber {
    pub year: i32,
    pub serial: u32,
}

impl Store {
    /// The notice's number for `kind`, given now (audited, in one transaction) when it has
    /// none yet. Concurrent callers get one number: the counter's row and the notice's row
    /// are locked in turn, and (plan, kind, year, serial) is unique in the database.
    pub async fn notice_doc_number(
        &self,
        notice: NoticeId,
        kind: NoticeDocKind,
        actor: &str,
    ) -> Result<DocNumber, StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, notice_docs::number(notice, kind, actor, now))
    }

    /// The notice's number for `kind` if it has one; nothing is given.
    pub async fn notice_doc_number_given(
        &self,
        notice: NoticeId,
        kind: NoticeDocKind,
    ) -> Result<Option<DocNumber>, StoreError> {
        dispatch!(self, notice_docs::given(notice, kind))
    }
}
