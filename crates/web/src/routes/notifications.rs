//! In-app notifications (站内通知): the user's own and their unit's, newest first.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use duban_store::NotificationId;
use minijinja::context;

use crate::error::{Failure, PageError};
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::format::fmt_time;

const SHOWN: u32 = 200;

pub async fn page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Html<String>, PageError> {
    let list = app
        .store
        .notifications(user.user_id, user.unit_id, false, SHOWN)
        .await?;
    let rows: Vec<_> = list
        .iter()
        .map(|n| {
            context! {
                id => n.id,
                kind => n.kind,
                subject => n.subject,
                body => n.body,
                link => n.link.as_deref().filter(|l| l.starts_with('/') && !l.starts_with("//")),
                created_at => fmt_time(n.created_at),
                read => n.is_read(),
                read_by => n.read_by,
            }
        })
        .collect();
    let unread = list.iter().filter(|n| !n.is_read()).count();
    app.templates.page(
        "notifications.html",
        Some(&user),
        "notifications",
        context! { rows, unread },
    )
}

pub async fn mark_read(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: NotificationId = id.parse().map_err(|_| Failure::NotFound)?;
    let changed = app
        .store
        .mark_notification_read(id, user.user_id, user.unit_id, &user.username)
        .await?;
    if !changed {
        // Someone else's message, or one already read: tell them apart only for its owner.
        let mine = app
            .store
            .notifications(user.user_id, user.unit_id, false, 500)
            .await?
            .iter()
            .any(|n| n.id == id);
        if !mine {
            return Err(Failure::NotFound.into());
        }
    }
    Ok(Redirect::to("/notifications").into_response())
}
