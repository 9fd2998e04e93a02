//! The printable 督办单 and 催办单 (.docx) of a notice. The office and leaders may print
//! any; a unit only the notices addressed to it (another unit's is as absent as a missing
//! one). The 文号 is the notice's own (see [`duban_store::NoticeDocKind`]): the same on
//! every download.

use axum::extract::{Path, State};
use axum::response::Response;
use duban_docs::{NoticeDoc, NoticeKind, NoticeOptions, notice_number};
use duban_store::{DocNumber, Notice, NoticeDocKind, NoticeId, NoticeStatus, Role, Scope};
use time::OffsetDateTime;

use crate::error::{Failure, PageError};
use crate::oversight::date_zh;
use crate::routes::downloads::file;
use crate::routes::plan_settings::issuing;
use crate::security::CurrentUser;
use crate::state::AppState;

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// "2026-04-03" in China Standard Time.
fn cst_iso(t: OffsetDateTime) -> String {
    let cst = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let d = t.to_offset(cst).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// What the form says, from the notice, its task's evidence and its number. A 催办单
/// presses for the 督办单's overdue answer, citing it by its 文号.
fn notice_doc(
    n: &Notice,
    kind: NoticeDocKind,
    number: DocNumber,
    progress: Option<String>,
    supervision_no: Option<&str>,
    now: OffsetDateTime,
) -> NoticeDoc {
    let issued_on = date_zh(&cst_iso(n.issued_at));
    let due = date_zh(&n.deadline);
    let (kind, text, issued) = match kind {
        NoticeDocKind::Supervision => (NoticeKind::Supervision, n.text.clone(), issued_on),
        NoticeDocKind::Reminder => {
            let cited = supervision_no
                .map(|no| format!("督办单（{no}）"))
                .unwrap_or_else(|| "督办单".to_string());
            (
                NoticeKind::Reminder,
                format!(
                    "{issued_on}下发的{cited}要求于{due}前答复，至今未收到答复。督办事项：{}",
                    n.text.trim()
                ),
                date_zh(&cst_iso(now)),
            )
        }
    };
    NoticeDoc {
        kind,
        year: number.year,
        serial: number.serial,
        level: Some(n.level.label_zh().to_string()),
        unit: n.unit_name.clone(),
        task_number: Some(n.task_position.to_string()),
        task: n.task_text.clone(),
        progress,
        text,
        issued,
        due: Some(due),
    }
}

async fn download(
    app: AppState,
    user: duban_store::SessionUser,
    id: &str,
    kind: NoticeDocKind,
) -> Result<Response, PageError> {
    let id: NoticeId = id.parse().map_err(|_| Failure::NotFound)?;
    let scope = user.scope();
    // A unit's scope keeps to the notices addressed to it, not its tasks' other notices.
    let n = app
        .store
        .notice(id, &scope)
        .await?
        .ok_or(Failure::NotFound)?;
    if kind == NoticeDocKind::Reminder && n.status != NoticeStatus::Open {
        return Err(
            Failure::BadRequest(format!("该督办单{}，无需催办", n.status.label_zh())).into(),
        );
    }
    let settings = app.store.plan_settings(n.plan_id).await?;
    // The office (and leaders) issue a 催办单 by printing it; a unit may print only one
    // that has been issued, so it never numbers a form the office did not send.
    let number = if user.role == Role::Unit && kind == NoticeDocKind::Reminder {
        app.store
            .notice_doc_number_given(n.id, kind)
            .await?
            .ok_or(Failure::NotFound)?
    } else {
        app.store
            .notice_doc_number(n.id, kind, &user.username)
            .await?
    };
    let supervision_no = match kind {
        NoticeDocKind::Reminder => {
            let s = app
                .store
                .notice_doc_number(n.id, NoticeDocKind::Supervision, &user.username)
                .await?;
            Some(doc_no(
                NoticeKind::Supervision,
                s,
                pattern(NoticeDocKind::Supervision, &settings),
            ))
        }
        NoticeDocKind::Supervision => None,
    };
    let progress = app
        .store
        .task(n.task_id, &Scope::All)
        .await?
        .map(|t| short(t.evidence_narrative(), 200))
        .filter(|p| !p.is_empty());
    let doc = notice_doc(
        &n,
        kind,
        number,
        progress,
        supervision_no.as_deref(),
        OffsetDateTime::now_utc(),
    );
    let opts = NoticeOptions {
        office: settings.office.clone(),
        pattern: pattern(kind, &settings).map(str::to_string),
        issuing: issuing(&settings, None),
        ..NoticeOptions::default()
    };
    let no = notice_number(&doc, opts.pattern.as_deref());
    let name = format!("{}{}（{no}）.docx", n.unit_name, kind.label_zh());
    let bytes = tokio::task::spawn_blocking(move || duban_docs::notice_docx(&doc, &opts))
        .await
        .map_err(|e| Failure::Internal(format!("生成文件中断：{e}")))?
        .map_err(|e| Failure::Internal(format!("生成文件失败：{e}")))?;
    let fallback = format!("notice-{}-{}.docx", n.id, kind.as_str());
    Ok(file(bytes, DOCX, &fallback, &name))
}

fn pattern(kind: NoticeDocKind, s: &duban_store::PlanSettings) -> Option<&str> {
    match kind {
        NoticeDocKind::Supervision => s.supervision_pattern.as_deref(),
        NoticeDocKind::Reminder => s.reminder_pattern.as_deref(),
    }
}

/// A 文号 from a number and the office's pattern for `kind` (its default when unset).
fn doc_no(kind: NoticeKind, n: DocNumber, pattern: Option<&str>) -> String {
    let doc = NoticeDoc {
        kind,
        year: n.year,
        serial: n.serial,
        ..NoticeDoc::default()
    };
    notice_number(&doc, pattern)
}

/// The first `max` characters, ending at a sentence where one ends close enough.
fn short(text: &str, max: usize) -> String {
    let t = text.trim();
    if t.chars().count() <= max {
        return t.to_string();
    }
    let cut: String = t.chars().take(max).collect();
    match cut.rfind('。') {
        Some(i) if i > cut.len() / 2 => cut[..i + '。'.len_utf8()].to_string(),
        _ => format!("{cut}……"),
    }
}

pub async fn supervision(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    download(app, user, &id, NoticeDocKind::Supervision).await
}

pub async fn reminder(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    download(app, user, &id, NoticeDocKind::Reminder).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_progress_is_cut_at_a_sentence() {
        assert_eq!(short(" 已完成。 ", 10), "已完成。");
        assert_eq!(short("一二三四五。六七八九十。十一", 8), "一二三四五。");
        assert_eq!(short("一二三四五六七八九十", 4), "一二三四……");
    }
}
