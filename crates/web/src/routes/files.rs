//! Evidence files (佐证材料): the multipart reader every upload form shares, the report
//! form's upload, the download (scope-checked, always as an attachment, never sniffed by
//! the browser) and the office's storage page.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_store::{
    Attachment, AttachmentId, AttachmentOwner, ExtensionId, ExtensionStatus, NewFile, NoticeId,
    NoticeStatus, ReportStatus, Role, RoundStatus, Scope, SessionUser, TaskId,
};
use minijinja::{Value, context};

use crate::error::{Failure, PageError};
use crate::routes::downloads::{content_disposition, portable_file_name};
use crate::routes::rounds::round_from_path;
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::format::fmt_time;

/// The text fields and the files of a multipart form (file inputs named `files`).
#[derive(Debug, Default)]
pub struct Upload {
    pub fields: Vec<(String, String)>,
    pub files: Vec<NewFile>,
}

impl Upload {
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// Reads a whole multipart form; an empty file input (no file chosen) is skipped.
pub async fn read_upload(mut form: Multipart) -> Result<Upload, Failure> {
    let mut out = Upload::default();
    let failed = |e: axum::extract::multipart::MultipartError| {
        Failure::BadRequest(format!(
            "上传失败（{}），请检查文件大小后重试",
            e.body_text()
        ))
    };
    while let Some(field) = form.next_field().await.map_err(failed)? {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(failed)?;
                if !file_name.is_empty() || !bytes.is_empty() {
                    out.files.push(NewFile {
                        name: file_name,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            None => {
                let text = field.text().await.map_err(failed)?;
                out.fields.push((name, text));
            }
        }
    }
    Ok(out)
}

/// How a file shows in a list: name, size, who uploaded it and when.
pub fn attachment_context(a: &Attachment) -> Value {
    context! {
        id => a.id,
        file_name => a.file_name,
        size => a.size_label(),
        uploader => a.uploader_name,
        unit_name => a.unit_name,
        uploaded_at => fmt_time(a.uploaded_at),
        owner_kind => a.owner_kind,
        owner_label => owner_label(&a.owner_kind),
        task_id => a.task_id,
    }
}

fn owner_label(kind: &str) -> &'static str {
    match kind {
        "report" => "填报报告",
        "notice" => "督办单答复",
        "extension" => "延期申请",
        "closeout" => "办结申请",
        _ => "其他",
    }
}

pub fn attachment_list(files: &[Attachment]) -> Vec<Value> {
    files.iter().map(attachment_context).collect()
}

/// The largest evidence file this service accepts.
pub fn max_file_bytes(app: &AppState) -> u64 {
    app.config.max_file_bytes
}

/// `POST /rounds/{round}/tasks/{task}/report/files`: the lead unit adds files to its report
/// while the report can still be edited.
pub async fn report_upload(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((round, task)): Path<(String, String)>,
    form: Multipart,
) -> Result<Response, PageError> {
    let unit = unit_of(&user)?;
    let task: TaskId = task.parse().map_err(|_| Failure::NotFound)?;
    let scope = Scope::Unit(unit);
    if !app.store.task_in_scope(task, &scope).await? {
        return Err(Failure::NotFound.into());
    }
    let round = round_from_path(&app, &round).await?;
    let report = app
        .store
        .task_reports(task, &scope)
        .await?
        .into_iter()
        .find(|r| r.round_id == round.id && r.unit_id == unit)
        .ok_or_else(|| Failure::BadRequest("请先保存本轮报告草稿，再上传佐证材料".into()))?;
    if round.status != RoundStatus::Open || !report.status.editable() {
        let why = if report.status == ReportStatus::Submitted {
            "报告已报送，不能再添加佐证材料；如需补充请联系督查办退回"
        } else {
            "本轮报告已锁定，不能再添加佐证材料"
        };
        return Err(Failure::BadRequest(why.into()).into());
    }
    attach_upload(&app, &user, AttachmentOwner::Report(report.id), form).await?;
    Ok(Redirect::to(&format!(
        "/rounds/{}/tasks/{}/report?done=uploaded#files",
        round.id, task
    ))
    .into_response())
}

/// Reads an upload form and attaches its files to `owner` (all or none); the caller has
/// checked the user may add to it.
async fn attach_upload(
    app: &AppState,
    user: &SessionUser,
    owner: AttachmentOwner,
    form: Multipart,
) -> Result<(), PageError> {
    let upload = read_upload(form).await?;
    if upload.files.is_empty() {
        return Err(Failure::BadRequest("请选择要上传的文件".into()).into());
    }
    app.store
        .attach_files(owner, &upload.files, max_file_bytes(app), &user.username)
        .await?;
    Ok(())
}

/// `POST /notices/{id}/files`: the unit a notice is addressed to adds files to its answer
/// while the notice is open.
pub async fn notice_upload(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    form: Multipart,
) -> Result<Response, PageError> {
    let unit = unit_of(&user)?;
    let id: NoticeId = id.parse().map_err(|_| Failure::NotFound)?;
    let n = app
        .store
        .notice(id, &Scope::Unit(unit))
        .await?
        .filter(|n| n.unit_id == unit)
        .ok_or(Failure::NotFound)?;
    if n.status == NoticeStatus::Closed {
        return Err(Failure::BadRequest("督办单已办结，不能再添加佐证材料".into()).into());
    }
    attach_upload(&app, &user, AttachmentOwner::Notice(id), form).await?;
    Ok(Redirect::to(&format!("/tasks/{}#notices", n.task_id)).into_response())
}

/// `POST /extensions/{id}/files`: the requesting unit adds files while the request waits.
pub async fn extension_upload(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    form: Multipart,
) -> Result<Response, PageError> {
    let unit = unit_of(&user)?;
    let id: ExtensionId = id.parse().map_err(|_| Failure::NotFound)?;
    let e = app
        .store
        .extension(id, &Scope::Unit(unit))
        .await?
        .ok_or(Failure::NotFound)?;
    if e.status != ExtensionStatus::Pending {
        return Err(Failure::BadRequest("延期申请已审批，不能再添加佐证材料".into()).into());
    }
    attach_upload(&app, &user, AttachmentOwner::Extension(id), form).await?;
    Ok(Redirect::to(&format!("/tasks/{}#extensions", e.task_id)).into_response())
}

/// Files by what they are attached to ("notice-3"), for pages listing several owners.
pub fn by_owner(files: &[Attachment]) -> std::collections::BTreeMap<String, Vec<Value>> {
    let mut out: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for a in files {
        out.entry(format!("{}-{}", a.owner_kind, a.owner_id))
            .or_default()
            .push(attachment_context(a));
    }
    out
}

/// The unit of a unit account; other roles never write a unit's files.
pub fn unit_of(user: &SessionUser) -> Result<duban_store::UnitId, Failure> {
    match (user.role, user.unit_id) {
        (Role::Unit, Some(u)) => Ok(u),
        _ => Err(Failure::Forbidden),
    }
}

/// `GET /files/{id}`: the bytes, to whoever may see the record it is attached to (a unit:
/// its own unit's files only; 404 for anything else, so ids reveal nothing).
pub async fn download(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: AttachmentId = id.parse().map_err(|_| Failure::NotFound)?;
    let (a, bytes) = app
        .store
        .attachment_content(id, &user.scope())
        .await?
        .ok_or(Failure::NotFound)?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&a.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition(&a.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

/// `attachment` (never shown inline), an ASCII stand-in name for old clients and the real
/// name as RFC 5987 UTF-8, so no name can break out of the header.
pub fn disposition(name: &str) -> String {
    let ext = duban_store::file_extension(name).unwrap_or_else(|| "bin".into());
    let ext: String = ext.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let fallback = format!("file.{ext}");
    let name = portable_file_name(name, &fallback);
    content_disposition(&fallback, &name)
}

/// `GET /admin/files`: total storage and the newest files.
pub async fn storage_page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Html<String>, PageError> {
    let storage = app.store.file_storage().await?;
    let files = app.store.all_attachments(200).await?;
    app.templates.page(
        "files.html",
        Some(&user),
        "files",
        context! {
            attachments => storage.attachments,
            blobs => storage.blobs,
            total => duban_store::human_size(storage.bytes.max(0) as u64),
            max => duban_store::human_size(max_file_bytes(&app)),
            files => attachment_list(&files),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_disposition_is_an_attachment_with_an_encoded_name() {
        assert_eq!(
            disposition("报告\".pdf"),
            "attachment; filename=\"file.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A_.pdf"
        );
        assert!(disposition("a\r\nb.exe").starts_with("attachment; filename=\"file.exe\""));
    }
}
