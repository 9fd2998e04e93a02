//! Templates (embedded at build time), charts and evidence highlighting.

pub mod audit_labels;
pub mod charts;
pub mod diff;
pub mod format;
pub mod highlight;

use axum::response::Html;
use duban_model::Verdict;
use duban_store::{Role, SessionUser};
use minijinja::{Environment, Value, context};
use serde::Serialize;

use crate::error::PageError;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("logout.html", include_str!("../../templates/logout.html")),
    (
        "password.html",
        include_str!("../../templates/password.html"),
    ),
    (
        "overview.html",
        include_str!("../../templates/overview.html"),
    ),
    ("tasks.html", include_str!("../../templates/tasks.html")),
    (
        "tasks_listing.html",
        include_str!("../../templates/tasks_listing.html"),
    ),
    ("task.html", include_str!("../../templates/task.html")),
    ("units.html", include_str!("../../templates/units.html")),
    ("unit.html", include_str!("../../templates/unit.html")),
    ("import.html", include_str!("../../templates/import.html")),
    (
        "import_preview.html",
        include_str!("../../templates/import_preview.html"),
    ),
    ("users.html", include_str!("../../templates/users.html")),
    ("rounds.html", include_str!("../../templates/rounds.html")),
    (
        "my_tasks.html",
        include_str!("../../templates/my_tasks.html"),
    ),
    (
        "report_form.html",
        include_str!("../../templates/report_form.html"),
    ),
    (
        "livecheck.html",
        include_str!("../../templates/livecheck.html"),
    ),
    (
        "review_queue.html",
        include_str!("../../templates/review_queue.html"),
    ),
    ("review.html", include_str!("../../templates/review.html")),
    ("audit.html", include_str!("../../templates/audit.html")),
    ("notices.html", include_str!("../../templates/notices.html")),
    (
        "extensions.html",
        include_str!("../../templates/extensions.html"),
    ),
    (
        "contribution.html",
        include_str!("../../templates/contribution.html"),
    ),
    ("tokens.html", include_str!("../../templates/tokens.html")),
    (
        "plan_settings.html",
        include_str!("../../templates/plan_settings.html"),
    ),
    (
        "notifications.html",
        include_str!("../../templates/notifications.html"),
    ),
    (
        "attachments.html",
        include_str!("../../templates/attachments.html"),
    ),
    ("files.html", include_str!("../../templates/files.html")),
    (
        "closeouts.html",
        include_str!("../../templates/closeouts.html"),
    ),
    (
        "closeout_decide.html",
        include_str!("../../templates/closeout_decide.html"),
    ),
    ("leader.html", include_str!("../../templates/leader.html")),
    (
        "instruction.html",
        include_str!("../../templates/instruction.html"),
    ),
    (
        "task_form.html",
        include_str!("../../templates/task_form.html"),
    ),
    (
        "handover.html",
        include_str!("../../templates/handover.html"),
    ),
    ("todo.html", include_str!("../../templates/todo.html")),
    (
        "unit_merge.html",
        include_str!("../../templates/unit_merge.html"),
    ),
    ("public.html", include_str!("../../templates/public.html")),
    (
        "public_admin.html",
        include_str!("../../templates/public_admin.html"),
    ),
    ("scores.html", include_str!("../../templates/scores.html")),
    (
        "score_rules.html",
        include_str!("../../templates/score_rules.html"),
    ),
];

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            env.add_template(name, src)?;
        }
        env.add_filter("verdict_label", verdict_label);
        env.add_filter("truncate", truncate);
        env.add_filter("audit_action", |c: &str| audit_labels::action_label(c));
        env.add_filter("audit_entity", |c: &str| audit_labels::entity_label(c));
        env.add_filter("person", crate::people::person);
        Ok(Templates { env })
    }

    /// Renders a page; `user` fills the navigation and the CSRF field of every form.
    pub fn page(
        &self,
        name: &str,
        user: Option<&SessionUser>,
        nav: &str,
        ctx: Value,
    ) -> Result<Html<String>, PageError> {
        let me = user.map(|u| Me {
            name: if u.display_name.is_empty() {
                u.username.clone()
            } else {
                u.display_name.clone()
            },
            role: u.role.label_zh(),
            admin: u.role == Role::Admin,
            leader: u.role == Role::Leader,
            unit_id: u.unit_id.map(|id| id.0),
            directory: u.directory,
        });
        let csrf = user.map(|u| u.csrf.clone()).unwrap_or_default();
        let unread = crate::security::guard::UNREAD.try_with(|n| *n).unwrap_or(0);
        // Built here from a hex digest: nothing in it needs escaping.
        let style = Value::from_safe_string(crate::routes::assets::style_url());
        let script = Value::from_safe_string(crate::routes::assets::script_url());
        // Every link, form action and asset URL in the templates starts with `base`.
        // Checked at start to be a plain path (letters, digits, - _ . ~ and /): safe as is.
        let base = Value::from_safe_string(crate::site::base());
        let flash = crate::flash::current();
        let full = context! { me, csrf, nav, unread, style, script, base, flash, ..ctx };
        Ok(Html(self.env.get_template(name)?.render(full)?))
    }
}

impl Templates {
    /// Renders a part of a page on its own (what a script puts in place of the old part):
    /// only `base` is added, since a fragment has no navigation or forms of its own.
    pub fn fragment(&self, name: &str, ctx: Value) -> Result<String, PageError> {
        let base = Value::from_safe_string(crate::site::base());
        let full = context! { base, ..ctx };
        Ok(self.env.get_template(name)?.render(full)?)
    }
}

#[derive(Serialize)]
struct Me {
    name: String,
    role: &'static str,
    admin: bool,
    leader: bool,
    unit_id: Option<i64>,
    /// A directory account: no local password to change.
    directory: bool,
}

fn verdict_label(v: Option<String>) -> String {
    match v.as_deref().and_then(Verdict::parse) {
        Some(v) => v.label_zh().to_string(),
        None => "未评估".to_string(),
    }
}

/// Shortens to `max` chars (not bytes: the text is Chinese), marking the cut with "…".
fn truncate(s: String, max: usize) -> String {
    if s.chars().count() <= max {
        s
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Verdict choices for filters and legends, in display order.
pub fn verdict_options() -> Vec<(&'static str, &'static str)> {
    Verdict::ALL
        .iter()
        .map(|v| (v.as_str(), v.label_zh()))
        .collect()
}

/// A queue of requests (newest first) as the office's pages show it: the pending ones oldest
/// first, to be decided in order, and the 50 newest decided ones.
pub fn pending_and_decided<T>(
    newest_first: &[T],
    is_pending: impl Fn(&T) -> bool,
    context: impl Fn(&T) -> Value,
) -> (Vec<Value>, Vec<Value>) {
    let pending = newest_first
        .iter()
        .rev()
        .filter(|t| is_pending(t))
        .map(&context)
        .collect();
    let decided = newest_first
        .iter()
        .filter(|t| !is_pending(t))
        .take(50)
        .map(&context)
        .collect();
    (pending, decided)
}
