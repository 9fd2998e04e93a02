//! Reporting rounds (填报轮次), run by the supervision office: open with a due date, close
//! (locks every report of the round), reopen.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use duban_store::{Round, RoundId, RoundStatus, SessionUser, StoreError};
use minijinja::context;
use serde::Deserialize;

use crate::current::current_plan;
use crate::error::{Failure, PageError};
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::format::fmt_time;

pub async fn page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Html<String>, PageError> {
    render(&app, &user, None, None).await
}

async fn render(
    app: &AppState,
    user: &SessionUser,
    error: Option<String>,
    form: Option<&OpenForm>,
) -> Result<Html<String>, PageError> {
    let Some(plan) = current_plan(app).await? else {
        return app
            .templates
            .page("rounds.html", Some(user), "rounds", context! { plan => () });
    };
    let rounds = app.store.rounds(plan.id).await?;
    let mut rows = Vec::with_capacity(rounds.len());
    // Newest first: the round being run is what the office looks for.
    for r in rounds.iter().rev() {
        let stats = app.store.round_stats(r.id).await?;
        let sum = |f: fn(&duban_store::UnitRoundStats) -> i64| stats.iter().map(f).sum::<i64>();
        let (owed, submitted, returned, accepted, drafts, on_time) = (
            sum(|s| s.owed),
            sum(|s| s.submitted),
            sum(|s| s.returned),
            sum(|s| s.accepted),
            sum(|s| s.drafts),
            sum(|s| s.on_time),
        );
        rows.push(context! {
            id => r.id,
            name => r.name,
            due_date => r.due_date,
            open => r.status == RoundStatus::Open,
            created_at => fmt_time(r.created_at),
            closed_at => r.closed_at.map(fmt_time),
            owed,
            // Reached the office and still waiting for a decision.
            pending => submitted - returned - accepted,
            submitted,
            returned,
            accepted,
            drafts,
            on_time,
            not_started => (owed - submitted - drafts).max(0),
        });
    }
    let form = form.map(|f| context! { name => f.name, due_date => f.due_date });
    // The message goes beside the field it is about.
    let error_field = error
        .as_deref()
        .map(|m| crate::forms::field_for(m, &[("日期", "due_date"), ("截止", "due_date")], "name"));
    app.templates.page(
        "rounds.html",
        Some(user),
        "rounds",
        context! { plan, rounds => rows, error, error_field, form },
    )
}

#[derive(Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    due_date: String,
}

pub async fn open(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Form(f): Form<OpenForm>,
) -> Result<Response, PageError> {
    let Some(plan) = current_plan(&app).await? else {
        return Err(Failure::BadRequest("尚未导入台账，不能开启填报轮次".into()).into());
    };
    match app
        .store
        .open_round(plan.id, &f.name, f.due_date.trim(), &user.username)
        .await
    {
        Ok(_) => Ok(crate::flash::redirect("/admin/rounds", "round_opened")),
        Err(StoreError::Invalid(m) | StoreError::Constraint(m)) => {
            let html = render(&app, &user, Some(m), Some(&f)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The round named in the path, or 404.
pub async fn round_from_path(app: &AppState, id: &str) -> Result<Round, Failure> {
    let id: RoundId = id.parse().map_err(|_| Failure::NotFound)?;
    app.store.round(id).await?.ok_or(Failure::NotFound)
}

pub async fn close(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = round_from_path(&app, &id).await?;
    app.store.close_round(r.id, &user.username).await?;
    Ok(crate::flash::redirect("/admin/rounds", "round_closed"))
}

pub async fn reopen(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = round_from_path(&app, &id).await?;
    app.store.reopen_round(r.id, &user.username).await?;
    Ok(crate::flash::redirect("/admin/rounds", "round_reopened"))
}
