//! The public progress page (公开) of a plan, for citizens: sections, tasks, lead units,
//! final standing and the narrative the office chose to publish. Opt-in per plan; no login,
//! no session lookup, no person's name, no internal note. Pages are cached in memory under
//! the plan's revision (every change to a task's text, standing or 公开说明 bumps it) and
//! marked cacheable for a few minutes.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_store::{PlanId, RevisionCache, SessionUser, StoreError, TaskId};
use minijinja::context;
use serde::Deserialize;

use crate::current::current_plan;
use crate::error::{Failure, PageError};
use crate::security::CurrentUser;
use crate::state::AppState;

/// How long browsers and proxies may keep a public page.
const MAX_AGE: &str = "public, max-age=300";

/// Rendered public pages by plan, at the plan's revision.
pub struct PublicCache {
    pages: RevisionCache<PlanId, String>,
}

impl Default for PublicCache {
    fn default() -> Self {
        PublicCache {
            pages: RevisionCache::new(64),
        }
    }
}

/// `GET /public/{plan}`: 404 unless the office has opted the plan in.
pub async fn page(
    State(app): State<AppState>,
    Path(plan): Path<String>,
) -> Result<Response, PageError> {
    let plan = plan
        .parse::<i64>()
        .map(PlanId)
        .map_err(|_| PageError(Failure::NotFound))?;
    if !app.store.is_public(plan).await? {
        return Err(PageError(Failure::NotFound));
    }
    // The revision first: a change landing while the page renders makes it look older.
    let revision = app
        .store
        .light_revision(plan)
        .await?
        .ok_or(PageError(Failure::NotFound))?
        .tasks;
    let html = match app.public_pages.pages.get(&plan, &revision) {
        Some(html) => html,
        None => {
            let html = render(&app, plan).await?;
            app.public_pages.pages.put(plan, revision, html.clone());
            html
        }
    };
    Ok(([(header::CACHE_CONTROL, MAX_AGE)], Html(html)).into_response())
}

async fn render(app: &AppState, plan: PlanId) -> Result<String, PageError> {
    let p = app
        .store
        .plan(plan)
        .await?
        .ok_or(PageError(Failure::NotFound))?;
    let tasks = app.store.public_tasks(plan).await?;
    let mut sections: Vec<(String, Vec<minijinja::Value>)> = Vec::new();
    let (mut met, mut closed) = (0, 0);
    for t in &tasks {
        let name = t.section.clone().unwrap_or_else(|| "其他".into());
        let standing = if t.closed_on.is_some() {
            closed += 1;
            "已办结".to_string()
        } else {
            t.verdict
                .map(|v| v.label_zh().to_string())
                .unwrap_or_else(|| "推进中".into())
        };
        if t.verdict == Some(duban_model::Verdict::Met) {
            met += 1;
        }
        let row = context! {
            text => t.text,
            units => t.lead_units.join("、"),
            deadline => t.deadline,
            standing,
            verdict => t.verdict.map(|v| v.as_str()),
            note => t.public_note,
        };
        match sections.iter_mut().find(|(s, _)| *s == name) {
            Some((_, rows)) => rows.push(row),
            None => sections.push((name, vec![row])),
        }
    }
    let sections: Vec<_> = sections
        .into_iter()
        .map(|(name, tasks)| context! { name, tasks })
        .collect();
    let title = p.title.clone().unwrap_or_else(|| p.name.clone());
    let html = app.templates.page(
        "public.html",
        None,
        "public",
        context! { title, total => tasks.len(), met, closed, sections },
    )?;
    Ok(html.0)
}

/// The office's settings page: the toggle, the public address, and the tasks with their
/// 公开说明.
pub async fn settings(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Html<String>, PageError> {
    render_settings(&app, &user, Note::default()).await
}

/// What the settings page says above its forms.
#[derive(Default)]
struct Note {
    done: Option<String>,
    error: Option<String>,
}

async fn render_settings(
    app: &AppState,
    user: &SessionUser,
    note: Note,
) -> Result<Html<String>, PageError> {
    let Note { done, error } = note;
    let Some(plan) = current_plan(app).await? else {
        return app.templates.page(
            "public_admin.html",
            Some(user),
            "users",
            context! { plan => None::<String> },
        );
    };
    let public = app.store.is_public(plan.id).await?;
    let tasks = app.store.public_tasks(plan.id).await?;
    let published = tasks.iter().filter(|t| t.public_note.is_some()).count();
    let tasks: Vec<_> = tasks
        .into_iter()
        .map(|t| context! { id => t.id.0, text => t.text, note => t.public_note })
        .collect();
    app.templates.page(
        "public_admin.html",
        Some(user),
        "users",
        context! {
            plan => plan.name, plan_id => plan.id.0, public, tasks, published, done, error,
        },
    )
}

#[derive(Deserialize)]
pub struct ToggleForm {
    #[serde(default)]
    public: String,
}

/// Turns the current plan's public page on (`public=on`) or off.
pub async fn toggle(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(f): Form<ToggleForm>,
) -> Result<Response, PageError> {
    let plan = current_plan(&app)
        .await?
        .ok_or_else(|| PageError(Failure::BadRequest("尚未导入台账，没有可公开的计划".into())))?;
    let on = f.public == "on";
    app.store.set_public(plan.id, on, &user.username).await?;
    let done = if on {
        "已开启公开页面。"
    } else {
        "已关闭公开页面，公开地址将返回“未找到”。"
    };
    let note = Note {
        done: Some(done.into()),
        error: None,
    };
    Ok(render_settings(&app, &user, note).await?.into_response())
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

/// Sets (or, empty, withdraws) a task's 公开说明.
pub async fn set_note(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<NoteForm>,
) -> Result<Response, PageError> {
    let task = id
        .parse::<i64>()
        .map(TaskId)
        .map_err(|_| PageError(Failure::NotFound))?;
    match app
        .store
        .set_public_note(task, &f.note, &user.username)
        .await
    {
        Ok(()) => Ok(Redirect::to("/admin/public").into_response()),
        Err(StoreError::Invalid(m)) => {
            let note = Note {
                done: None,
                error: Some(format!("公开说明未保存：{m}")),
            };
            let html = render_settings(&app, &user, note).await?;
            Ok((StatusCode::BAD_REQUEST, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
