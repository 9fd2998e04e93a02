//! The office's to-do (待办): everything waiting for the supervision office in the current
//! plan — reports to review, units past a round's due date without their report, notices
//! due or overdue, and pending extension, close-out and 签收 change requests. Each is a
//! count that links to its list below, and each list links to the page that acts on it.

use axum::extract::State;
use axum::response::Html;
use duban_store::{
    CloseoutFilter, CloseoutStatus, ExtensionFilter, ExtensionStatus, NoticeStatus, RoundStatus,
    Scope,
};
use minijinja::context;
use time::OffsetDateTime;

use crate::current::current_plan;
use crate::error::PageError;
use crate::routes::reporting::{SOON_DAYS, today_cst};
use crate::security::CurrentUser;
use crate::state::AppState;
use crate::views::format::fmt_time;

fn parse_date(s: &str) -> Option<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &fmt).ok()
}

pub async fn page(
    State(app): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Html<String>, PageError> {
    let Some(plan) = current_plan(&app).await? else {
        return app
            .templates
            .page("todo.html", Some(&user), "todo", context! { plan => () });
    };
    let today = today_cst();
    let now = OffsetDateTime::now_utc();

    // Reports to review, per open round (a closed round's reports are locked).
    let mut reviews = Vec::new();
    let mut review_count = 0;
    let mut overdue = Vec::new();
    let mut overdue_units = std::collections::BTreeSet::new();
    for r in app
        .store
        .rounds(plan.id)
        .await?
        .iter()
        .filter(|r| r.status == RoundStatus::Open)
    {
        let waiting = app.store.review_queue(r.id).await?.len();
        review_count += waiting;
        if waiting > 0 {
            reviews.push(
                context! { id => r.id, name => r.name, due_date => r.due_date, count => waiting },
            );
        }
        let Some(due) = parse_date(&r.due_date) else {
            continue;
        };
        if due >= today {
            continue;
        }
        let days = (today - due).whole_days();
        for p in app.store.pending_reports(r.id).await? {
            overdue_units.insert(p.unit_id.0);
            overdue.push(context! {
                round_id => r.id,
                round_name => r.name,
                days,
                unit => p.unit_name,
                task_id => p.task_id,
                task_text => p.task_text,
                status => p.status.map(|s| s.label_zh()).unwrap_or("未填报"),
            });
        }
    }

    // Notices the unit has not answered whose deadline is near or past.
    let notices: Vec<_> = app
        .store
        .open_notices(plan.id)
        .await?
        .into_iter()
        .filter(|n| n.status == NoticeStatus::Open)
        .filter(|n| {
            n.is_overdue(now)
                || parse_date(&n.deadline).is_some_and(|d| (d - today).whole_days() <= SOON_DAYS)
        })
        .map(|n| {
            context! {
                task_id => n.task_id,
                task_text => n.task_text,
                unit => n.unit_name,
                level => n.level.as_str(),
                level_label => n.level.label_zh(),
                deadline => n.deadline,
                overdue => n.is_overdue(now),
            }
        })
        .collect();

    let extensions: Vec<_> = app
        .store
        .extensions(
            &ExtensionFilter {
                plan: Some(plan.id),
                status: Some(ExtensionStatus::Pending),
                ..Default::default()
            },
            &Scope::All,
        )
        .await?
        .into_iter()
        .map(|e| {
            context! {
                task_id => e.task_id,
                task_text => e.task_text,
                unit => e.unit_name,
                round_name => e.round_name,
                requested_date => e.requested_date,
                reason => e.reason,
                requested_at => fmt_time(e.requested_at),
            }
        })
        .collect();

    let closeouts: Vec<_> = app
        .store
        .closeouts(
            &CloseoutFilter {
                plan: Some(plan.id),
                status: Some(CloseoutStatus::Pending),
                ..Default::default()
            },
            &Scope::All,
        )
        .await?
        .into_iter()
        .map(|c| {
            context! {
                task_id => c.task_id,
                task_text => c.task_text,
                unit => c.unit_name,
                applied_at => fmt_time(c.applied_at),
            }
        })
        .collect();

    let changes: Vec<_> = app
        .store
        .task_change_requests(Some(plan.id), None, None, &Scope::All)
        .await?
        .into_iter()
        .filter(|c| c.status == ExtensionStatus::Pending)
        .map(|c| {
            context! {
                task_id => c.task_id,
                task_text => c.task_text,
                unit => c.unit_name,
                kind => c.kind.label_zh(),
                reason => c.reason,
                requested_at => fmt_time(c.requested_at),
            }
        })
        .collect();

    let counts = vec![
        count("#reviews", "待审核报告", review_count),
        count("#overdue", "逾期未报单位", overdue_units.len()),
        count("#notices", "督办单到期/逾期", notices.len()),
        count("#extensions", "延期申请待审批", extensions.len()),
        count("#closeouts", "办结申请待审核", closeouts.len()),
        count("#changes", "签收调整待处理", changes.len()),
    ];
    app.templates.page(
        "todo.html",
        Some(&user),
        "todo",
        context! {
            plan => context! { id => plan.id, name => plan.name },
            counts,
            reviews,
            overdue,
            overdue_unit_count => overdue_units.len(),
            notices,
            extensions,
            closeouts,
            changes,
            soon => SOON_DAYS,
        },
    )
}

fn count(href: &str, label: &str, n: usize) -> minijinja::Value {
    context! { href, label, n }
}
