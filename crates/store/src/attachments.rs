//! Evidence files (佐证材料): attached to a report, a notice answer, an extension request or
//! a close-out application; contents stored once per SHA-256, in the database or — with a
//! files directory configured ([`FilesDir`]) — in that directory, the database keeping the
//! metadata.
//!
//! A file goes into the directory before the database transaction that lists it begins:
//! written to a temporary file, synced, then renamed into place. A transaction that fails
//! leaves at most an unlisted file behind, never a listed file without its content.

use std::io::Write;
use std::path::{Path, PathBuf};

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
    /// Already in the files directory: the database keeps only its metadata.
    pub in_dir: bool,
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
            in_dir: false,
        });
    }
    Ok(out)
}

/// A directory holding evidence files by content hash, sharded by its first hex digits:
/// `DIR/ab/cd/abcd…` (64 hex digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesDir {
    root: PathBuf,
}

/// What is wrong with a file the database lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    /// Its content is gone from the directory.
    Missing,
    /// Its content no longer hashes to what was stored.
    Altered,
    /// It is stored in a files directory, and none is configured.
    NoDirectory,
}

impl FileProblem {
    pub fn label_zh(&self) -> &'static str {
        match self {
            FileProblem::Missing => "文件内容缺失",
            FileProblem::Altered => "文件内容已被改动（与登记的 SHA-256 不符）",
            FileProblem::NoDirectory => "文件存放在附件目录中，但本服务未配置附件目录",
        }
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl FilesDir {
    /// The directory, created if missing; refused when it cannot be written.
    pub fn open(root: &Path) -> Result<FilesDir, StoreError> {
        std::fs::create_dir_all(root.join("tmp")).map_err(|e| {
            StoreError::Invalid(format!("无法创建附件目录“{}”：{e}", root.display()))
        })?;
        Ok(FilesDir {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where a content hash lives; `None` for anything but 64 lower-case hex digits, so no
    /// stored value can point outside the directory.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        is_sha256(sha256).then(|| {
            self.root
                .join(&sha256[..2])
                .join(&sha256[2..4])
                .join(sha256)
        })
    }

    /// Stores `bytes` under their hash: a temporary file, synced, renamed into place, and
    /// the directory synced. Content already there intact is left as it is.
    pub fn put(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self
            .path_of(sha256)
            .ok_or_else(|| StoreError::Invalid(format!("文件摘要“{sha256}”无效")))?;
        if self.get(sha256).is_ok() {
            return Ok(());
        }
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        std::fs::create_dir_all(&dir)?;
        let tmp = self.root.join("tmp").join(format!(
            "{sha256}.{}.{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        let written = (|| -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            // The rename itself is durable once the directory is synced.
            std::fs::File::open(&dir)?.sync_all()
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.map_err(|e| {
            StoreError::Invalid(format!("无法写入附件目录“{}”：{e}", self.root.display()))
        })
    }

    /// The content stored under `sha256`, checked against it.
    pub fn get(&self, sha256: &str) -> Result<Vec<u8>, FileProblem> {
        let path = self.path_of(sha256).ok_or(FileProblem::Altered)?;
        let bytes = std::fs::read(&path).map_err(|_| FileProblem::Missing)?;
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(FileProblem::Altered);
        }
        Ok(bytes)
    }
}

/// A listed file whose content is missing or altered, for the check command and page.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenFile {
    pub sha256: String,
    pub size: i64,
    /// The names it was uploaded under (a content may be attached several times).
    pub names: Vec<String>,
    pub problem: FileProblem,
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
        let checked = self.stored_in_dir(check_files(files, max_bytes)?)?;
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
        let Some((bytes, in_dir)) = dispatch!(self, attachments::content(&a.sha256))? else {
            return Ok(None);
        };
        if !in_dir {
            return Ok(Some((a, bytes)));
        }
        let read = match &self.files {
            Some(dir) => dir.get(&a.sha256),
            None => Err(FileProblem::NoDirectory),
        };
        match read {
            Ok(bytes) => Ok(Some((a, bytes))),
            Err(p) => Err(StoreError::FileBroken(format!(
                "附件“{}”无法提供：{}，请联系督查办从备份中恢复",
                a.file_name,
                p.label_zh()
            ))),
        }
    }

    /// With a files directory configured, writes each file there (before any transaction
    /// lists it) and marks it so the database keeps only its metadata.
    pub(crate) fn stored_in_dir(
        &self,
        mut files: Vec<CheckedFile>,
    ) -> Result<Vec<CheckedFile>, StoreError> {
        if let Some(dir) = &self.files {
            for f in &mut files {
                dir.put(&f.sha256, &f.bytes)?;
                f.in_dir = true;
            }
        }
        Ok(files)
    }

    /// The files directory, when one is configured.
    pub fn files_dir(&self) -> Option<&FilesDir> {
        self.files.as_deref()
    }

    /// The same store keeping evidence files in `dir` (see [`FilesDir`]).
    pub fn with_files_dir(mut self, dir: FilesDir) -> Store {
        self.files = Some(std::sync::Arc::new(dir));
        self
    }

    /// Every stored content whose file is missing or altered (checks the whole directory
    /// part of the store; contents kept in the database are checked by the database).
    pub async fn verify_files(&self) -> Result<Vec<BrokenFile>, StoreError> {
        let listed = dispatch!(self, attachments::in_dir_blobs())?;
        let mut out = Vec::new();
        for (sha256, size, names) in listed {
            let problem = match &self.files {
                Some(dir) => dir.get(&sha256).err(),
                None => Some(FileProblem::NoDirectory),
            };
            if let Some(problem) = problem {
                out.push(BrokenFile {
                    sha256,
                    size,
                    names,
                    problem,
                });
            }
        }
        Ok(out)
    }

    /// What the files take in the database.
    pub async fn file_storage(&self) -> Result<FileStorage, StoreError> {
        dispatch!(self, attachments::storage())
    }
}
