//! Importing a ledger in the browser: upload → preview → confirm (one transaction) or
//! cancel (nothing written).
//!
//! The parsed ledger waits in memory between preview and confirm, bound to the admin who
//! uploaded it. Nothing reaches the database before confirm, so cancel, a closed tab or a
//! restart all leave it untouched.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_ingest::Limits;
use duban_model::{Ledger, Verdict};
use duban_store::{SessionUser, StoreError, UserId};
use minijinja::context;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Failure, PageError};
use crate::security::CurrentUser;
use crate::security::cookies::random_token;
use crate::state::AppState;
use crate::views::verdict_options;

/// Fills machine verdicts, targets and evidence spans before anything is shown or stored.
pub fn assess(ledger: &mut Ledger) {
    duban_assess::assess_ledger(ledger);
}

const PENDING_TTL: Duration = Duration::from_secs(30 * 60);
/// Bounds memory if admins upload and never confirm.
const PENDING_MAX: usize = 32;

struct Pending {
    owner: UserId,
    file_name: String,
    sha256: String,
    ledger: Ledger,
    at: Instant,
}

#[derive(Default)]
pub struct PendingImports {
    map: Mutex<HashMap<String, Pending>>,
}

impl PendingImports {
    fn put(&self, token: String, p: Pending) {
        if let Ok(mut m) = self.map.lock() {
            m.retain(|_, v| v.at.elapsed() < PENDING_TTL);
            if m.len() >= PENDING_MAX
                && let Some(oldest) = m.iter().min_by_key(|(_, v)| v.at).map(|(k, _)| k.clone())
            {
                m.remove(&oldest);
            }
            m.insert(token, p);
        }
    }

    fn take(&self, token: &str, owner: UserId) -> Option<Pending> {
        let mut m = self.map.lock().ok()?;
        match m.get(token) {
            Some(p) if p.owner == owner && p.at.elapsed() < PENDING_TTL => m.remove(token),
            _ => None,
        }
    }

    fn put_back(&self, token: String, p: Pending) {
        if let Ok(mut m) = self.map.lock() {
            m.insert(token, p);
        }
    }
}

pub async fn page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Html<String>, PageError> {
    render_upload(&app, &user, None).await
}

async fn render_upload(
    app: &AppState,
    user: &SessionUser,
    error: Option<String>,
) -> Result<Html<String>, PageError> {
    let plans = app.store.plans().await?;
    let plans: Vec<_> = plans
        .iter()
        .map(|p| {
            context! {
                id => p.id, name => p.name, source_name => p.source_name,
                task_count => p.task_count, created_by => p.created_by,
                created_at => crate::views::format::fmt_time(p.created_at),
            }
        })
        .collect();
    let max_mb = app.config.max_upload_bytes / (1024 * 1024);
    app.templates.page(
        "import.html",
        Some(user),
        "import",
        context! { plans, error, max_mb },
    )
}

pub async fn upload(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let msg = format!("上传失败：{e}");
                return Ok((
                    StatusCode::BAD_REQUEST,
                    render_upload(&app, &user, Some(msg)).await?,
                )
                    .into_response());
            }
        };
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("").to_string();
            match field.bytes().await {
                Ok(b) => file = Some((name, b.to_vec())),
                Err(e) => {
                    let msg = format!("上传失败：{e}");
                    return Ok((
                        StatusCode::BAD_REQUEST,
                        render_upload(&app, &user, Some(msg)).await?,
                    )
                        .into_response());
                }
            }
        }
    }
    let Some((name, bytes)) = file.filter(|(n, b)| !n.is_empty() && !b.is_empty()) else {
        return Ok((
            StatusCode::BAD_REQUEST,
            render_upload(
                &app,
                &user,
                Some("请选择要导入的台账文件（.txt、.docx、.xlsx 或 .xls）".into()),
            )
            .await?,
        )
            .into_response());
    };
    let limits = Limits {
        max_file_bytes: app.config.max_upload_bytes as u64,
        ..Limits::default()
    };
    let convert = app.config.soffice_convert;
    let parsed = {
        let name = name.clone();
        // Parsing a large .docx is CPU work: keep it off the async workers.
        tokio::task::spawn_blocking(move || {
            duban_ingest::read_bytes_converting(&name, &bytes, &limits, convert).map(|mut l| {
                assess(&mut l);
                (l, hex::encode(Sha256::digest(&bytes)))
            })
        })
        .await
        .map_err(|e| Failure::Internal(e.to_string()))?
    };
    let (ledger, sha256) = match parsed {
        Ok(x) => x,
        Err(e) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render_upload(&app, &user, Some(e.to_string())).await?,
            )
                .into_response());
        }
    };
    let pending = Pending {
        owner: user.user_id,
        file_name: name,
        sha256,
        ledger,
        at: Instant::now(),
    };
    let token = random_token();
    let html = render_preview(&app, &user, Some(&token), &pending, None).await?;
    app.pending.put(token, pending);
    Ok(html.into_response())
}

async fn render_preview(
    app: &AppState,
    user: &SessionUser,
    token: Option<&str>,
    p: &Pending,
    error: Option<String>,
) -> Result<Html<String>, PageError> {
    let l = &p.ledger;
    let duplicate = app.store.plan_by_sha256(&p.sha256).await?;
    let known = app.store.units().await?;
    let mut new_units = 0;
    let units: Vec<_> = l
        .units()
        .iter()
        .map(|u| {
            let matched = known
                .iter()
                .find(|k| k.answers_to(&u.name) || u.aliases.iter().any(|a| k.answers_to(a)));
            if matched.is_none() {
                new_units += 1;
            }
            context! { display => u.display(), matched => matched.map(|k| k.display()) }
        })
        .collect();
    let mut groups: Vec<String> = Vec::new();
    for g in l
        .tasks
        .iter()
        .flat_map(|t| t.lead_groups.iter().chain(&t.coop_groups))
    {
        if !groups.contains(g) {
            groups.push(g.clone());
        }
    }
    let mut counts: Vec<(String, usize)> = Vec::new();
    for v in Verdict::ALL {
        let n = l
            .tasks
            .iter()
            .filter(|t| t.effective_verdict() == Some(v))
            .count();
        counts.push((v.label_zh().to_string(), n));
    }
    let unassessed = l
        .tasks
        .iter()
        .filter(|t| t.effective_verdict().is_none())
        .count();
    let tables: Vec<_> = l
        .tables
        .iter()
        .map(|t| {
            context! {
                label => t.label, title => t.title, claimed_rows => t.claimed_rows,
                rows => t.rows, office_verdict => t.office_verdict.map(|v| v.label_zh()),
            }
        })
        .collect();
    let rows: Vec<_> = l
        .tasks
        .iter()
        .map(|t| {
            let label = l
                .tables
                .iter()
                .find(|x| x.index == t.table)
                .map(|x| x.label.clone())
                .unwrap_or_else(|| format!("表{}", t.table));
            context! {
                table => label,
                row => t.row,
                section => t.section,
                text => t.text,
                lead => t.lead_units.iter().map(|u| u.display()).collect::<Vec<_>>(),
                coop => t.coop_units.iter().map(|u| u.display()).collect::<Vec<_>>(),
                groups => t.lead_groups.iter().chain(&t.coop_groups).cloned().collect::<Vec<_>>(),
                office_verdict => t.office_verdict.map(|v| v.as_str()),
                verdict => t.verdict.map(|v| v.as_str()),
                targets => t.targets.iter().map(|g| context! {
                    text => g.text, verdict => g.verdict.as_str(), explanation => g.explanation,
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let warning = |w: &duban_model::Warning| {
        context! { code => w.code.as_str(), label => w.code.label_zh(), message => w.message, location => w.location.to_string() }
    };
    let (cleanups, checks): (Vec<_>, Vec<_>) = l.warnings.iter().partition(|w| w.code.is_cleanup());
    let warnings: Vec<_> = checks.into_iter().map(warning).collect();
    let cleanups: Vec<_> = cleanups.into_iter().map(warning).collect();
    let default_name = l.title.clone().unwrap_or_else(|| p.file_name.clone());
    app.templates.page(
        "import_preview.html",
        Some(user),
        "import",
        context! {
            token,
            file_name => p.file_name,
            format => l.format.as_str(),
            title => l.title,
            claimed_total => l.claimed_total,
            task_count => l.tasks.len(),
            duplicate => duplicate.map(|d| context! { id => d.id, name => d.name }),
            units,
            new_units,
            groups,
            counts,
            unassessed,
            tables,
            rows,
            warnings,
            cleanups,
            default_name,
            error,
            verdicts => verdict_options(),
        },
    )
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    plan_name: String,
}

pub async fn confirm(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(token): Path<String>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    let pending = app
        .pending
        .take(&token, user.user_id)
        .ok_or_else(|| Failure::BadRequest("该预览已过期或已处理，请重新上传文件".into()))?;
    let name = if f.plan_name.trim().is_empty() {
        pending
            .ledger
            .title
            .clone()
            .unwrap_or_else(|| pending.file_name.clone())
    } else {
        f.plan_name.trim().to_string()
    };
    match app
        .store
        .import_ledger(
            &name,
            &pending.ledger,
            &pending.file_name,
            &pending.sha256,
            &user.username,
        )
        .await
    {
        Ok(_) => {
            app.current.invalidate();
            Ok(Redirect::to("/").into_response())
        }
        Err(
            e @ (StoreError::DuplicateImport { .. }
            | StoreError::Invalid(_)
            | StoreError::Constraint(_)),
        ) => {
            let msg = e.to_string();
            let html = render_preview(&app, &user, None, &pending, Some(msg)).await?;
            Ok((StatusCode::CONFLICT, html).into_response())
        }
        Err(e) => {
            // Keep the preview so a transient database error can be retried.
            app.pending.put_back(token, pending);
            Err(e.into())
        }
    }
}

pub async fn cancel(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(token): Path<String>,
) -> Response {
    let _ = app.pending.take(&token, user.user_id);
    Redirect::to("/import").into_response()
}
