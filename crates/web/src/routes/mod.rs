//! Every route, declared once with the access it needs. The router is built from this
//! table, and the authorisation matrix test walks [`route_list`], so a route cannot be
//! added without saying who may use it and without the test noticing.

pub mod api;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod closeout;
pub mod contributions;
pub mod downloads;
pub mod exports;
pub mod extensions;
pub mod files;
pub mod handover;
pub mod health;
pub mod import;
pub mod instructions;
pub mod notice_docs;
pub mod notices;
pub mod notifications;
pub mod openapi;
pub mod pages;
pub mod plan_settings;
pub mod public;
pub mod reporting;
pub mod review;
pub mod rounds;
pub mod scores;
pub mod tasks_admin;
pub mod todo;
pub mod tokens;
pub mod unit_merge;
pub mod users;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{MethodRouter, delete, get, post};

use crate::security::guard::{Guard, guard};
use crate::security::headers::security_headers;
use crate::state::AppState;

/// Who may call a route. Unit scope (a unit sees only tasks naming it) is applied on top,
/// by the store, for every route that reads tasks or units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, and the route never reads the session: the guard does not look one up, so a
    /// logged-in browser's stylesheet or a health probe costs no database read.
    Anonymous,
    /// Anyone; the session, when there is one, is resolved (the JSON login).
    Public,
    /// Anyone, but a POST must carry the login form's double-submit token.
    LoginForm,
    /// Any logged-in user whose password is not due for a forced change.
    Session,
    /// Any logged-in user, even one who must change the password first.
    PasswordChange,
    /// The supervision office only.
    Admin,
    /// The office and leaders; unit users get 403 (documents covering every unit).
    Oversight,
}

/// One row of the route table, as exposed to tests and the OpenAPI document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    /// In axum syntax, `{id}` for parameters.
    pub path: &'static str,
    pub access: Access,
}

type Handler = fn() -> MethodRouter<AppState>;

/// The table. Methods on one path are separate rows so each has its own access.
const TABLE: &[(&str, &str, Access, Handler)] = &[
    ("GET", "/healthz", Access::Anonymous, || {
        get(health::healthz)
    }),
    // The stylesheet under its content hash (what pages link to, cached for a year) and
    // under its plain name (for anything that linked it before).
    ("GET", "/assets/{file}", Access::Anonymous, || {
        get(assets::asset)
    }),
    ("GET", "/api/openapi.json", Access::Anonymous, || {
        get(openapi::document)
    }),
    ("POST", "/api/session", Access::Public, || post(api::login)),
    ("DELETE", "/api/session", Access::PasswordChange, || {
        delete(api::logout)
    }),
    ("GET", "/api/tasks", Access::Session, || get(api::tasks)),
    ("GET", "/api/tasks/{id}", Access::Session, || get(api::task)),
    ("GET", "/api/overview", Access::Session, || {
        get(api::overview)
    }),
    ("GET", "/api/units", Access::Session, || get(api::units)),
    ("GET", "/login", Access::LoginForm, || get(auth::login_page)),
    ("POST", "/login", Access::LoginForm, || {
        post(auth::login_submit)
    }),
    ("GET", "/logout", Access::Public, || get(auth::logout_page)),
    ("POST", "/logout", Access::PasswordChange, || {
        post(auth::logout_submit)
    }),
    ("GET", "/password", Access::PasswordChange, || {
        get(auth::password_page)
    }),
    ("POST", "/password", Access::PasswordChange, || {
        post(auth::password_submit)
    }),
    ("GET", "/", Access::Session, || get(pages::overview)),
    // The office's to-do (待办): what waits for it, each a count and the items.
    ("GET", "/todo", Access::Admin, || get(todo::page)),
    ("GET", "/tasks", Access::Session, || get(pages::tasks)),
    ("GET", "/tasks/{id}", Access::Session, || get(pages::task)),
    ("GET", "/units", Access::Session, || get(pages::units)),
    ("GET", "/units/{id}", Access::Session, || get(pages::unit)),
    ("GET", "/import", Access::Admin, || get(import::page)),
    ("POST", "/import", Access::Admin, || post(import::upload)),
    ("POST", "/import/{token}/confirm", Access::Admin, || {
        post(import::confirm)
    }),
    ("POST", "/import/{token}/cancel", Access::Admin, || {
        post(import::cancel)
    }),
    ("GET", "/admin/users", Access::Admin, || get(users::page)),
    ("POST", "/admin/users", Access::Admin, || {
        post(users::create)
    }),
    ("POST", "/admin/users/{id}/unlock", Access::Admin, || {
        post(users::unlock)
    }),
    ("POST", "/admin/users/{id}/password", Access::Admin, || {
        post(users::reset_password)
    }),
    ("POST", "/admin/users/batch", Access::Admin, || {
        post(users::create_batch)
    }),
    ("POST", "/admin/users/{id}/disable", Access::Admin, || {
        post(users::disable)
    }),
    ("POST", "/admin/users/{id}/enable", Access::Admin, || {
        post(users::enable)
    }),
    ("POST", "/admin/users/{id}/name", Access::Admin, || {
        post(users::rename)
    }),
    ("GET", "/admin/units/merge", Access::Admin, || {
        get(unit_merge::page)
    }),
    ("POST", "/admin/units/merge", Access::Admin, || {
        post(unit_merge::submit)
    }),
    // 公开: the plan's public page (no login, no session lookup) and the office's settings.
    ("GET", "/public/{plan}", Access::Anonymous, || {
        get(public::page)
    }),
    ("GET", "/admin/public", Access::Admin, || {
        get(public::settings)
    }),
    ("POST", "/admin/public", Access::Admin, || {
        post(public::toggle)
    }),
    (
        "POST",
        "/admin/tasks/{id}/public-note",
        Access::Admin,
        || post(public::set_note),
    ),
    // 考核: scores per round (a unit sees its own row) and the office's weights.
    ("GET", "/scores", Access::Session, || get(scores::page)),
    ("GET", "/admin/scores", Access::Admin, || {
        get(scores::settings)
    }),
    ("POST", "/admin/scores", Access::Admin, || {
        post(scores::save)
    }),
    // The reporting cycle: the unit's tasks and report form (unit accounts only; the
    // handlers refuse other roles and other units' tasks), the office's rounds and review.
    ("GET", "/my", Access::Session, || get(reporting::my_tasks)),
    (
        "GET",
        "/rounds/{round}/tasks/{task}/report",
        Access::Session,
        || get(reporting::form_page),
    ),
    (
        "POST",
        "/rounds/{round}/tasks/{task}/report",
        Access::Session,
        || post(reporting::form_submit),
    ),
    (
        "POST",
        "/rounds/{round}/tasks/{task}/report/check",
        Access::Session,
        || post(reporting::form_check),
    ),
    ("GET", "/admin/rounds", Access::Admin, || get(rounds::page)),
    ("POST", "/admin/rounds", Access::Admin, || {
        post(rounds::open)
    }),
    ("POST", "/admin/rounds/{id}/close", Access::Admin, || {
        post(rounds::close)
    }),
    ("POST", "/admin/rounds/{id}/reopen", Access::Admin, || {
        post(rounds::reopen)
    }),
    ("GET", "/admin/rounds/{id}/review", Access::Admin, || {
        get(review::queue)
    }),
    (
        "POST",
        "/admin/rounds/{id}/review/accept",
        Access::Admin,
        || post(review::accept_batch),
    ),
    ("GET", "/admin/reports/{id}", Access::Admin, || {
        get(review::page)
    }),
    ("POST", "/admin/reports/{id}/accept", Access::Admin, || {
        post(review::accept)
    }),
    ("POST", "/admin/reports/{id}/return", Access::Admin, || {
        post(review::return_report)
    }),
    ("POST", "/admin/reports/{id}/reopen", Access::Admin, || {
        post(review::reopen)
    }),
    ("POST", "/admin/tasks/{id}/verdict", Access::Admin, || {
        post(review::override_verdict)
    }),
    ("GET", "/admin/audit", Access::Admin, || get(audit::page)),
    ("GET", "/admin/audit/verify", Access::Admin, || {
        get(audit::verify)
    }),
    (
        "GET",
        "/downloads/year-end-report.docx",
        Access::Oversight,
        || get(downloads::year_end_report),
    ),
    ("GET", "/downloads/ledger.xlsx", Access::Oversight, || {
        get(downloads::ledger_xlsx)
    }),
    ("GET", "/downloads/tasks.csv", Access::Oversight, || {
        get(exports::tasks_csv)
    }),
    (
        "GET",
        "/downloads/rounds/{id}/reports.csv",
        Access::Oversight,
        || get(exports::round_reports_csv),
    ),
    ("GET", "/downloads/plan.json", Access::Oversight, || {
        get(exports::plan_json)
    }),
    ("GET", "/downloads/bulletin.docx", Access::Oversight, || {
        get(downloads::bulletin)
    }),
    // Supervision notices: issued and closed by the office, answered by the unit they are
    // addressed to (the store answers 404 for another unit's notice).
    ("POST", "/admin/tasks/{id}/notices", Access::Admin, || {
        post(notices::issue)
    }),
    ("POST", "/notices/{id}/answer", Access::Session, || {
        post(notices::answer)
    }),
    ("POST", "/admin/notices/{id}/close", Access::Admin, || {
        post(notices::close)
    }),
    ("GET", "/admin/notices", Access::Admin, || {
        get(notices::list)
    }),
    ("POST", "/admin/notices/escalate", Access::Admin, || {
        post(notices::escalate)
    }),
    // One pass of the reminder job now: escalation, reminders, email and webhook delivery.
    ("POST", "/admin/reminders/run", Access::Admin, || {
        post(notices::run_reminders)
    }),
    // Extension requests: unit accounts ask on their own tasks; the office decides.
    ("POST", "/tasks/{id}/extensions", Access::Session, || {
        post(extensions::request)
    }),
    ("GET", "/admin/extensions", Access::Admin, || {
        get(extensions::list)
    }),
    (
        "POST",
        "/admin/extensions/{id}/decide",
        Access::Admin,
        || post(extensions::decide),
    ),
    // Cooperating units' contributions (cooperating unit accounts only) and the lead unit's
    // merge into its draft (lead unit accounts only).
    (
        "GET",
        "/rounds/{round}/tasks/{task}/contribution",
        Access::Session,
        || get(contributions::page),
    ),
    (
        "POST",
        "/rounds/{round}/tasks/{task}/contribution",
        Access::Session,
        || post(contributions::save),
    ),
    (
        "POST",
        "/rounds/{round}/tasks/{task}/contributions/{id}/merge",
        Access::Session,
        || post(contributions::merge),
    ),
    // In-app notifications: the user's own and their unit's.
    ("GET", "/notifications", Access::Session, || {
        get(notifications::page)
    }),
    ("POST", "/notifications/{id}/read", Access::Session, || {
        post(notifications::mark_read)
    }),
    // API tokens: every account its own; the office may revoke anyone's (the handler
    // passes the role to the store, which refuses another account's token to the rest).
    ("GET", "/account/tokens", Access::Session, || {
        get(tokens::page)
    }),
    ("POST", "/account/tokens", Access::Session, || {
        post(tokens::create)
    }),
    (
        "POST",
        "/account/tokens/{id}/revoke",
        Access::Session,
        || post(tokens::revoke),
    ),
    // Evidence files: the lead unit adds them to its editable report; anyone who may see
    // the record they are attached to downloads them (a unit: its own unit's only).
    (
        "POST",
        "/rounds/{round}/tasks/{task}/report/files",
        Access::Session,
        || post(files::report_upload),
    ),
    ("POST", "/notices/{id}/files", Access::Session, || {
        post(files::notice_upload)
    }),
    ("POST", "/extensions/{id}/files", Access::Session, || {
        post(files::extension_upload)
    }),
    ("GET", "/files/{id}", Access::Session, || {
        get(files::download)
    }),
    ("GET", "/admin/files", Access::Admin, || {
        get(files::storage_page)
    }),
    // Close-out: the lead unit applies (the handler refuses other roles and units); the
    // office decides and may reopen.
    ("POST", "/tasks/{id}/closeout", Access::Session, || {
        post(closeout::apply)
    }),
    ("GET", "/admin/closeouts", Access::Admin, || {
        get(closeout::list)
    }),
    (
        "POST",
        "/admin/closeouts/{id}/decide",
        Access::Admin,
        || post(closeout::decide),
    ),
    ("POST", "/admin/tasks/{id}/reopen", Access::Admin, || {
        post(closeout::reopen)
    }),
    // Leaders' instructions: written by leader accounts only, answered by the task's units
    // (the handlers check the role; the store answers 404 for another unit's task); the
    // leader page for the office and leaders.
    ("POST", "/tasks/{id}/instructions", Access::Session, || {
        post(instructions::write)
    }),
    ("POST", "/instructions/{id}/answer", Access::Session, || {
        post(instructions::answer)
    }),
    ("GET", "/leader", Access::Oversight, || {
        get(instructions::page)
    }),
    // Tasks kept in the UI by the office: created, edited, retired.
    ("GET", "/admin/tasks/new", Access::Admin, || {
        get(tasks_admin::new_page)
    }),
    ("POST", "/admin/tasks", Access::Admin, || {
        post(tasks_admin::create)
    }),
    ("GET", "/admin/tasks/{id}/edit", Access::Admin, || {
        get(tasks_admin::edit_page)
    }),
    ("POST", "/admin/tasks/{id}/edit", Access::Admin, || {
        post(tasks_admin::edit)
    }),
    ("POST", "/admin/tasks/{id}/retire", Access::Admin, || {
        post(tasks_admin::retire)
    }),
    // 交办/签收: the office hands the plan over and decides change requests; a lead unit's
    // account signs or asks for a change (the handlers refuse other roles and units).
    ("GET", "/admin/handover", Access::Admin, || {
        get(handover::page)
    }),
    ("POST", "/admin/handover", Access::Admin, || {
        post(handover::hand_over)
    }),
    ("POST", "/tasks/{id}/acknowledge", Access::Session, || {
        post(handover::acknowledge)
    }),
    (
        "POST",
        "/tasks/{id}/change-requests",
        Access::Session,
        || post(handover::request_change),
    ),
    (
        "POST",
        "/admin/change-requests/{id}/decide",
        Access::Admin,
        || post(handover::decide),
    ),
    // Milestones (时间节点), kept by the office.
    (
        "POST",
        "/admin/tasks/{id}/milestones",
        Access::Admin,
        || post(tasks_admin::add_milestone),
    ),
    (
        "POST",
        "/admin/tasks/{id}/milestones/{milestone}/delete",
        Access::Admin,
        || post(tasks_admin::remove_milestone),
    ),
    // 分解: a task split into sub-tasks.
    ("POST", "/admin/tasks/{id}/split", Access::Admin, || {
        post(tasks_admin::split)
    }),
    // 公文设置 of the current plan (issue 15), kept by the office.
    ("GET", "/admin/plan-settings", Access::Admin, || {
        get(plan_settings::page)
    }),
    ("POST", "/admin/plan-settings", Access::Admin, || {
        post(plan_settings::save)
    }),
    // A notice's 督办单 and 催办单 (.docx): the office and leaders any, a unit only those
    // addressed to it (the handler reads the notice within the user's scope).
    (
        "GET",
        "/notices/{id}/supervision.docx",
        Access::Session,
        || get(notice_docs::supervision),
    ),
    (
        "GET",
        "/notices/{id}/reminder.docx",
        Access::Session,
        || get(notice_docs::reminder),
    ),
];

/// Every route with its method and access.
pub fn route_list() -> Vec<RouteInfo> {
    TABLE
        .iter()
        .map(|(method, path, access, _)| RouteInfo {
            method,
            path,
            access: *access,
        })
        .collect()
}

pub fn router(state: AppState) -> Router {
    let limit = state.config.body_limit();
    let mut r: Router<AppState> = Router::new();
    for (_, path, access, handler) in TABLE {
        let guarded = handler().route_layer(from_fn_with_state(
            Guard {
                app: state.clone(),
                access: *access,
            },
            guard,
        ));
        r = r.route(path, guarded);
    }
    let base: std::sync::Arc<str> = state.config.base_path.as_str().into();
    let app = r
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(from_fn(security_headers))
        .with_state(state);
    if base.is_empty() {
        app
    } else {
        // A wrapper, not a nest: it must see (and rewrite) the path before routing.
        Router::new()
            .fallback_service(app)
            .layer(from_fn_with_state(base, crate::site::serve_under))
            .layer(from_fn(security_headers))
    }
}

async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    let f = crate::error::Failure::NotFound;
    if uri.path().starts_with("/api/") {
        crate::error::ApiError(f).into_response()
    } else {
        crate::error::PageError(f).into_response()
    }
}
