//! The office's audit page: the audit log newest first with filters and paging, each
//! change's before/after as a field diff, and a check of the whole hash chain.

use axum::extract::{Query, State};
use axum::response::Html;
use duban_store::{AuditFilter, AuditReport};
use minijinja::context;
use serde::{Deserialize, Serialize};

use crate::error::{Failure, PageError};
use crate::security::CurrentUser;
use crate::security::guard::encode_query;
use crate::state::AppState;
use crate::views::diff;
use crate::views::format::fmt_time;

const PAGE: u32 = 50;

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// Show entries older than this seq.
    pub before: Option<String>,
}

fn nonblank(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl AuditQuery {
    fn filter(&self) -> Result<AuditFilter, Failure> {
        let before_seq = match nonblank(&self.before) {
            Some(b) => Some(
                b.parse::<i64>()
                    .map_err(|_| Failure::BadRequest("before 应为审计记录序号".into()))?,
            ),
            None => None,
        };
        Ok(AuditFilter {
            actor: nonblank(&self.actor),
            action: nonblank(&self.action),
            entity: nonblank(&self.entity),
            entity_id: nonblank(&self.entity_id),
            before_seq,
            limit: PAGE,
        })
    }

    /// The filter as a query string, for the paging link.
    fn encoded(&self) -> String {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("entity", &self.entity),
            ("entity_id", &self.entity_id),
        ]
        .iter()
        .filter_map(|(k, v)| nonblank(v).map(|v| format!("{k}={}", encode_query(&v))))
        .collect::<Vec<_>>()
        .join("&")
    }
}

async fn render(
    app: &AppState,
    user: &duban_store::SessionUser,
    q: AuditQuery,
    verify: Option<AuditReport>,
) -> Result<Html<String>, PageError> {
    let filter = q.filter()?;
    let (entries, more) = app.store.audit_search(&filter).await?;
    let (actions, entities) = app.store.audit_vocabulary().await?;
    // The log records account names; people are shown by name, the account beside it.
    let names: std::collections::HashMap<String, String> = app
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| !u.display_name.trim().is_empty() && u.display_name != u.username)
        .map(|u| (u.username, u.display_name))
        .collect();
    let who = |actor: &str| match names.get(actor) {
        Some(name) => format!("{name}（{actor}）"),
        None => actor.to_string(),
    };
    let next_before = if more {
        entries.last().map(|e| e.seq)
    } else {
        None
    };
    let rows: Vec<_> = entries
        .iter()
        .map(|e| {
            context! {
                seq => e.seq,
                at => fmt_time(e.at),
                actor => who(&e.actor),
                action => e.action,
                entity => e.entity,
                entity_id => e.entity_id,
                diff => diff::rows(e.before_json.as_deref(), e.after_json.as_deref()),
                hash => e.hash.chars().take(12).collect::<String>(),
            }
        })
        .collect();
    // Not `base`: that name is the site's base path in every template.
    let filter_qs = q.encoded();
    app.templates.page(
        "audit.html",
        Some(user),
        "audit",
        context! {
            rows,
            query => q,
            filter_qs,
            next_before,
            first_page => filter.before_seq.is_none(),
            actions,
            entities,
            verify => verify.map(|v| context! {
                ok => v.ok(),
                entries => v.entries,
                head_seq => v.head_seq,
                first_broken => v.first_broken,
                problem => v.problem,
                fault => v.fault,
                checkpoints => v.checkpoints,
                newest_checkpoint => v.newest_checkpoint,
            }),
        },
    )
}

pub async fn page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, PageError> {
    render(&app, &user, q, None).await
}

/// Walks the whole chain (read-only, so a GET) and shows the result above the log.
pub async fn verify(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, PageError> {
    let report = app.store.audit_verify().await?;
    render(&app, &user, q, Some(report)).await
}
