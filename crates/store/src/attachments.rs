//! Evidence files (佐证材料): attached to a report, a notice answer, an extension request or
//! a close-out application; contents stored once per SHA-256 in the database.

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::sniff;
use crate::time_util::{from_unix, to_unix};
use crate::{
    AttachmentId, CloseoutId, ExtensionId, NoticeId, ReportId, Scope, Store, StoreError, TaskId,
    UnitId,
};

/// The default largest evidence file.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

/// What a file is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentOwner {
    Report(ReportId),
    Notice(NoticeId),
    Extension(ExtensionId),
    Closeout(CloseoutId),
}

impl AttachmentOwner {
    pub fn kind(self) -> &'static str {
        match self {
            AttachmentOwner::Report(_) => "report",
            AttachmentOwner::Notice(_) => "notice",
            AttachmentOwner::Extension(_) => "extension",
            AttachmentOwner::Closeout(_) => "closeout",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            AttachmentOwner::Report(i) => i.0,
            AttachmentOwner::Notice(i) => i.0,
            AttachmentOwner::Extension(i) => i.0,
            AttachmentOwner::Closeout(i) => i.0,
        }
    }

    /// The owner's table, and the column holding its unit.
    pub(crate) fn table(self) -> &'static str {
        match self {
            AttachmentOwner::Report(_) => "reports",
            AttachmentOwner::Notice(_) => "notices",
            AttachmentOwner::Extension(_) => "extension_requests",
            AttachmentOwner::Closeout(_) => "closeouts",
        }
    }
}

/// One uploaded file, before it is checked.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A file as listed: who uploaded it (their name, not an id) and how big it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub task_id: TaskId,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub owner_kind: String,
    pub owner_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    /// The uploader's display name (the account name when the account is gone).
    pub uploader_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub uploaded_at: OffsetDateTime,
}

impl Attachment {
    pub fn size_label(&self) -> String {
        sniff::human_size(self.size.max(0) as u64)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct AttachmentRow {
    pub id: i64,
    pub task_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub owner_kind: String,
    pub owner_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploader_name: Option<String>,
    pub uploaded_at: i64,
}

impl AttachmentRow {
    pub(crate) fn into_attachment(self) -> Attachment {
        Attachment {
            id: AttachmentId(self.id),
            task_id: TaskId(self.task_id),
            unit_id: UnitId(self.unit_id),
            unit_name: self.unit_name,
            owner_kind: self.owner_kind,
            owner_id: self.owner_id,
            file_name: self.file_name,
            content_type: self.content_type,
            size: self.size,
            sha256: self.sha256,
            uploader_name: self
                .uploader_name
                .unwrap_or_else(|| self.uploaded_by.clone()),
            uploaded_by: self.uploaded_by,
            uploaded_at: from_unix(self.uploaded_at),
        }
    }
}

/// A file checked and hashed, ready to store.
pub(crate) struct CheckedFile {
    pub name: String,
    pub content_type: &'static str,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// Checks every file before anything is written, so one bad file refuses the whole upload.
pub(crate) fn check_files(
    files: &[NewFile],
    max_bytes: u64,
) -> Result<Vec<CheckedFile>, StoreError> {
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        // Only the last path segment: browsers on Windows may send `C:\…\a.pdf`.
        let name = f
            .name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("")
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .collect::<String>();
        if name.is_empty() {
            return Err(StoreError::Invalid("上传的文件没有文件名".into()));
        }
        if name.chars().count() > 200 {
            return Err(StoreError::Invalid(format!(
                "文件名“{name}”过长（不超过200字）"
            )));
        }
        let kind = sniff::check(&name, &f.bytes, max_bytes).map_err(StoreError::Invalid)?;
        let ext = sniff::extension(&name).unwrap_or_default();
        out.push(CheckedFile {
            content_type: kind.content_type(&ext),
            sha256: hex::encode(Sha256::digest(&f.bytes)),
            bytes: f.bytes.clone(),
            name,
        });
    }
    Ok(out)
}

/// Files stored: how many attachments, how many distinct contents, and their bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FileStorage {
    pub attachments: i64,
    pub blobs: i64,
    pub bytes: i64,
}

impl Store {
    /// Attaches `files` to `owner` in one transaction (all or none), each checked by content
    /// and against `max_bytes`. The caller has checked the user may write to the owner.
    pub async fn attach_files(
        &self,
        owner: AttachmentOwner,
        files: &[NewFile],
        max_bytes: u64,
        actor: &str,
    ) -> Result<Vec<Attachment>, StoreError> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let checked = check_files(files, max_bytes)?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, attachments::attach(owner, &checked, actor, now))
    }

    /// The files on one owner; a unit scope sees only its own unit's.
    pub async fn attachments_of(
        &self,
        owner: AttachmentOwner,
        scope: &Scope,
    ) -> Result<Vec<Attachment>, StoreError> {
        dispatch!(self, attachments::list(Some(owner), None, None, scope))
    }

    /// Every file on a task's reports, notices, extensions and close-outs that `scope` sees.
    pub async fn task_attachments(
        &self,
        task: TaskId,
        scope: &Scope,
    ) -> Result<Vec<Attachment>, StoreError> {
        dispatch!(self, attachments::list(None, Some(task), None, scope))
    }

    /// Every file, newest first (the office's storage page).
    pub async fn all_attachments(&self, limit: i64) -> Result<Vec<Attachment>, StoreError> {
        dispatch!(
            self,
            attachments::list(None, None, Some(limit), &Scope::All)
        )
    }

    /// One file's listing, if `scope` may see it.
    pub async fn attachment(
        &self,
        id: AttachmentId,
        scope: &Scope,
    ) -> Result<Option<Attachment>, StoreError> {
        dispatch!(self, attachments::one(id, scope))
    }

    /// A file's bytes, if `scope` may see it.
    pub async fn attachment_content(
        &self,
        id: AttachmentId,
        scope: &Scope,
    ) -> Result<Option<(Attachment, Vec<u8>)>, StoreError> {
        let Some(a) = self.attachment(id, scope).await? else {
            return Ok(None);
        };
        let bytes = dispatch!(self, attachments::content(&a.sha256))?;
        Ok(bytes.map(|b| (a, b)))
    }

    /// What the files take in the database.
    pub async fn file_storage(&self) -> Result<FileStorage, StoreError> {
        dispatch!(self, attachments::storage())
    }
}
