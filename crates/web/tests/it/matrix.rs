//! Walks EVERY route with anonymous, unit A, unit B, leader and admin and asserts the status
//! each gets. The expectations live in one table; a route added to the service without an
//! entry here fails `every_route_has_an_entry`.

use std::collections::BTreeSet;

use anyhow::{Result, bail};
use reqwest::{Method, StatusCode};

use crate::helpers::{Backend, TestApp, UNIT_B, backends, seeded, task_ids};

/// Who asks, in the order of the expectation arrays.
const WHO: [&str; 5] = ["anonymous", "unit_a", "unit_b", "leader", "admin"];

#[derive(Clone, Copy)]
enum Body {
    None,
    Json(&'static str),
    Form(&'static str),
    /// A multipart form without a file.
    EmptyMultipart,
}

/// (method, route pattern, concrete path, body, expected status for each of `WHO`).
/// `{task}` is a task only unit B may see; `{unit}` is unit B itself.
fn table() -> Vec<(&'static str, &'static str, &'static str, Body, [u16; 5])> {
    vec![
        (
            "GET",
            "/healthz",
            "/healthz",
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/assets/{file}",
            "/assets/style.css",
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/api/openapi.json",
            "/api/openapi.json",
            Body::None,
            [200, 200, 200, 200, 200],
        ),
        (
            "POST",
            "/api/session",
            "/api/session",
            Body::Json(r#"{"username":"nobody","password":"wrong-password"}"#),
            [401, 401, 401, 401, 401],
        ),
        (
            "DELETE",
            "/api/session",
            "/api/session",
            Body::None,
            [401, 204, 204, 204, 204],
        ),
        (
            "GET",
            "/api/tasks",
            "/api/tasks",
            Body::None,
            [401, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/api/tasks/{id}",
            "/api/tasks/{task}",
            Body::None,
            [401, 404, 200, 200, 200],
        ),
        (
            "GET",
            "/api/overview",
            "/api/overview",
            Body::None,
            [401, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/api/units",
            "/api/units",
            Body::None,
            [401, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/login",
            "/login",
            Body::None,
            [200, 303, 303, 303, 303],
        ),
        // No login-form token cookie: refused whoever asks.
        (
            "POST",
            "/login",
            "/login",
            Body::Form("username=admin&password=x"),
            [403, 403, 403, 403, 403],
        ),
        (
            "GET",
            "/logout",
            "/logout",
            Body::None,
            [303, 200, 200, 200, 200],
        ),
        (
            "POST",
            "/logout",
            "/logout",
            Body::Form(""),
            [303, 303, 303, 303, 303],
        ),
        (
            "GET",
            "/password",
            "/password",
            Body::None,
            [303, 200, 200, 200, 200],
        ),
        (
            "POST",
            "/password",
            "/password",
            Body::Form("current=wrong-one&new=new-password-1&confirm=new-password-1"),
            [303, 422, 422, 422, 422],
        ),
        ("GET", "/", "/", Body::None, [303, 200, 200, 200, 200]),
        (
            "GET",
            "/tasks",
            "/tasks",
            Body::None,
            [303, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/tasks/{id}",
            "/tasks/{task}",
            Body::None,
            [303, 404, 200, 200, 200],
        ),
        (
            "GET",
            "/units",
            "/units",
            Body::None,
            [303, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/units/{id}",
            "/units/{unit}",
            Body::None,
            [303, 404, 200, 200, 200],
        ),
        (
            "GET",
            "/import",
            "/import",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/import",
            "/import",
            Body::EmptyMultipart,
            [303, 403, 403, 403, 400],
        ),
        (
            "POST",
            "/import/{token}/confirm",
            "/import/no-such-preview/confirm",
            Body::Form("plan_name=x"),
            [303, 403, 403, 403, 400],
        ),
        (
            "POST",
            "/import/{token}/cancel",
            "/import/no-such-preview/cancel",
            Body::Form(""),
            [303, 403, 403, 403, 303],
        ),
        (
            "GET",
            "/admin/users",
            "/admin/users",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/admin/users",
            "/admin/users",
            Body::Form("username=x&role=bogus&password=long-enough-1"),
            [303, 403, 403, 403, 422],
        ),
        // Account 1 is the admin (created first).
        (
            "POST",
            "/admin/users/{id}/unlock",
            "/admin/users/1/unlock",
            Body::Form(""),
            [303, 403, 403, 403, 303],
        ),
        (
            "POST",
            "/admin/users/{id}/password",
            "/admin/users/1/password",
            Body::Form("password=short"),
            [303, 403, 403, 403, 400],
        ),
        // Every unit of the fixture has an account: nothing to create.
        (
            "POST",
            "/admin/users/batch",
            "/admin/users/batch",
            Body::Form(""),
            [303, 403, 403, 403, 400],
        ),
        // The office may not disable its own account.
        (
            "POST",
            "/admin/users/{id}/disable",
            "/admin/users/1/disable",
            Body::Form(""),
            [303, 403, 403, 403, 400],
        ),
        (
            "POST",
            "/admin/users/{id}/enable",
            "/admin/users/1/enable",
            Body::Form(""),
            [303, 403, 403, 403, 303],
        ),
        (
            "POST",
            "/admin/users/{id}/name",
            "/admin/users/1/name",
            Body::Form("display_name="),
            [303, 403, 403, 403, 400],
        ),
        (
            "GET",
            "/admin/units/merge",
            "/admin/units/merge",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/admin/units/merge",
            "/admin/units/merge",
            Body::Form("into=&from="),
            [303, 403, 403, 403, 400],
        ),
        // Not opted in: 404 for everyone, logged in or not.
        (
            "GET",
            "/public/{plan}",
            "/public/1",
            Body::None,
            [404, 404, 404, 404, 404],
        ),
        (
            "GET",
            "/admin/public",
            "/admin/public",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/admin/public",
            "/admin/public",
            Body::Form("public=off"),
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/admin/tasks/{id}/public-note",
            "/admin/tasks/{task}/public-note",
            Body::Form("note="),
            [303, 403, 403, 403, 303],
        ),
        (
            "GET",
            "/scores",
            "/scores",
            Body::None,
            [303, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/admin/scores",
            "/admin/scores",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/admin/scores",
            "/admin/scores",
            Body::Form("on_time=x"),
            [303, 403, 403, 403, 400],
        ),
        // The reporting cycle. `{round}` is an open round; `{report}` is unit B's submitted
        // report on `{task}`. Bodies that fail validation keep the state for later rows,
        // except close/reopen (in that order) and accept.
        ("GET", "/my", "/my", Body::None, [303, 200, 200, 200, 200]),
        (
            "GET",
            "/rounds/{round}/tasks/{task}/report",
            "/rounds/{round}/tasks/{task}/report",
            Body::None,
            [303, 404, 200, 403, 403],
        ),
        (
            "POST",
            "/rounds/{round}/tasks/{task}/report",
            "/rounds/{round}/tasks/{task}/report",
            Body::Form("narrative=x&self_status=bogus"),
            [303, 404, 422, 403, 403],
        ),
        (
            "POST",
            "/rounds/{round}/tasks/{task}/report/check",
            "/rounds/{round}/tasks/{task}/report/check",
            Body::Form("narrative=x&self_status=done"),
            [303, 404, 200, 403, 403],
        ),
        (
            "GET",
            "/admin/rounds",
            "/admin/rounds",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/admin/rounds",
            "/admin/rounds",
            Body::Form("name=x&due_date=not-a-date"),
            [303, 403, 403, 403, 422],
        ),
        (
            "POST",
            "/admin/rounds/{id}/close",
            "/admin/rounds/{round}/close",
            Body::Form(""),
            [303, 403, 403, 403, 303],
        ),
        (
            "POST",
            "/admin/rounds/{id}/reopen",
            "/admin/rounds/{round}/reopen",
            Body::Form(""),
            [303, 403, 403, 403, 303],
        ),
        (
            "GET",
            "/admin/rounds/{id}/review",
            "/admin/rounds/{round}/review",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "GET",
            "/admin/reports/{id}",
            "/admin/reports/{report}",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        // Nothing checked: the office is asked to choose (422), others never get that far.
        (
            "POST",
            "/admin/rounds/{id}/review/accept",
            "/admin/rounds/{round}/review/accept",
            Body::Form("confirm=1"),
            [303, 403, 403, 403, 422],
        ),
        (
            "GET",
            "/todo",
            "/todo",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/admin/reports/{id}/return",
            "/admin/reports/{report}/return",
            Body::Form("reason="),
            [303, 403, 403, 403, 422],
        ),
        (
            "POST",
            "/admin/reports/{id}/accept",
            "/admin/reports/{report}/accept",
            Body::Form(""),
            [303, 403, 403, 403, 303],
        ),
        (
            "POST",
            "/admin/reports/{id}/reopen",
            "/admin/reports/{report}/reopen",
            Body::Form("reason="),
            [303, 403, 403, 403, 422],
        ),
        (
            "POST",
            "/admin/tasks/{id}/verdict",
            "/admin/tasks/{task}/verdict",
            Body::Form("verdict=met&reason="),
            [303, 403, 403, 403, 400],
        ),
        (
            "GET",
            "/admin/audit",
            "/admin/audit",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "GET",
            "/admin/audit/verify",
            "/admin/audit/verify",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "GET",
            "/downloads/year-end-report.docx",
            "/downloads/year-end-report.docx",
            Body::None,
            [303, 403, 403, 200, 200],
        ),
        (
            "GET",
            "/downloads/ledger.xlsx",
            "/downloads/ledger.xlsx",
            Body::None,
            [303, 403, 403, 200, 200],
        ),
        (
            "GET",
            "/downloads/tasks.csv",
            "/downloads/tasks.csv",
            Body::None,
            [303, 403, 403, 200, 200],
        ),
        (
            "GET",
            "/downloads/plan.json",
            "/downloads/plan.json",
            Body::None,
            [303, 403, 403, 200, 200],
        ),
        (
            "GET",
            "/downloads/rounds/{id}/reports.csv",
            "/downloads/rounds/{round}/reports.csv",
            Body::None,
            [303, 403, 403, 200, 200],
        ),
        // The reporting rows above opened a round: the bulletin reports on it.
        (
            "GET",
            "/downloads/bulletin.docx",
            "/downloads/bulletin.docx",
            Body::None,
            [303, 403, 403, 200, 200],
        ),
        // Notices, extension requests, contributions, notifications. `{notice}` and
        // `{extension}` are unit B's on `{task}`; `{task2}` is led by B with A cooperating,
        // `{contribution}` is A's on it; `{notification}` is addressed to unit B.
        (
            "POST",
            "/admin/tasks/{id}/notices",
            "/admin/tasks/{task}/notices",
            Body::Form("unit=&level=blue&deadline=2026-01-31&text=x"),
            [303, 403, 403, 403, 422],
        ),
        (
            "POST",
            "/notices/{id}/answer",
            "/notices/{notice}/answer",
            Body::Form("answer="),
            [303, 404, 422, 403, 422],
        ),
        (
            "POST",
            "/admin/notices/{id}/close",
            "/admin/notices/{notice}/close",
            Body::Form("note="),
            [303, 403, 403, 403, 422],
        ),
        (
            "GET",
            "/admin/notices",
            "/admin/notices",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/admin/notices/escalate",
            "/admin/notices/escalate",
            Body::Form(""),
            [303, 403, 403, 403, 303],
        ),
        (
            "POST",
            "/admin/reminders/run",
            "/admin/reminders/run",
            Body::Form(""),
            [303, 403, 403, 403, 303],
        ),
        (
            "POST",
            "/tasks/{id}/extensions",
            "/tasks/{task}/extensions",
            Body::Form("requested_date=not-a-date&reason=x"),
            [303, 404, 422, 403, 403],
        ),
        (
            "GET",
            "/admin/extensions",
            "/admin/extensions",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/admin/extensions/{id}/decide",
            "/admin/extensions/{extension}/decide",
            Body::Form("decision=refuse&note="),
            [303, 403, 403, 403, 422],
        ),
        (
            "GET",
            "/rounds/{round}/tasks/{task}/contribution",
            "/rounds/{round}/tasks/{task2}/contribution",
            Body::None,
            [303, 200, 403, 403, 403],
        ),
        (
            "POST",
            "/rounds/{round}/tasks/{task}/contribution",
            "/rounds/{round}/tasks/{task2}/contribution",
            Body::Form("text="),
            [303, 400, 403, 403, 403],
        ),
        // Unit B, the lead, merges it (once); everyone else is refused.
        (
            "POST",
            "/rounds/{round}/tasks/{task}/contributions/{id}/merge",
            "/rounds/{round}/tasks/{task2}/contributions/{contribution}/merge",
            Body::Form(""),
            [303, 403, 303, 403, 403],
        ),
        // `{task2}`'s report is unit B's to file: unit A, its cooperating unit, is refused
        // the form and a submission (it contributes above); unit B submits the draft its
        // merge made (version 1).
        (
            "GET",
            "/rounds/{round}/tasks/{task}/report",
            "/rounds/{round}/tasks/{task2}/report",
            Body::None,
            [303, 403, 200, 403, 403],
        ),
        (
            "POST",
            "/rounds/{round}/tasks/{task}/report",
            "/rounds/{round}/tasks/{task2}/report",
            Body::Form("narrative=done&self_status=done&action=submit&version=1"),
            [303, 403, 303, 403, 403],
        ),
        (
            "GET",
            "/notifications",
            "/notifications",
            Body::None,
            [303, 200, 200, 200, 200],
        ),
        (
            "POST",
            "/notifications/{id}/read",
            "/notifications/{notification}/read",
            Body::Form(""),
            [303, 404, 303, 404, 404],
        ),
        // API tokens: everyone's own page; `{token}` is unit B's, so only unit B may revoke
        // it before the office could (by then it is revoked: 404).
        (
            "GET",
            "/account/tokens",
            "/account/tokens",
            Body::None,
            [303, 200, 200, 200, 200],
        ),
        (
            "POST",
            "/account/tokens",
            "/account/tokens",
            Body::Form("name=matrix&scope=read"),
            [303, 200, 200, 200, 200],
        ),
        (
            "POST",
            "/account/tokens/{id}/revoke",
            "/account/tokens/{token}/revoke",
            Body::Form(""),
            [303, 404, 303, 404, 404],
        ),
        // Evidence files and close-out. `{file}` is attached to unit B's notice; unit B's
        // report on `{task}` was accepted above, so it takes no more files. `{closeout}` is
        // unit B's pending application on `{task2}`.
        (
            "POST",
            "/rounds/{round}/tasks/{task}/report/files",
            "/rounds/{round}/tasks/{task}/report/files",
            Body::EmptyMultipart,
            [303, 404, 400, 403, 403],
        ),
        (
            "POST",
            "/notices/{id}/files",
            "/notices/{notice}/files",
            Body::EmptyMultipart,
            [303, 404, 400, 403, 403],
        ),
        (
            "POST",
            "/extensions/{id}/files",
            "/extensions/{extension}/files",
            Body::EmptyMultipart,
            [303, 404, 400, 403, 403],
        ),
        (
            "GET",
            "/files/{id}",
            "/files/{file}",
            Body::None,
            [303, 404, 200, 200, 200],
        ),
        (
            "GET",
            "/admin/files",
            "/admin/files",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/tasks/{id}/closeout",
            "/tasks/{task}/closeout",
            Body::EmptyMultipart,
            [303, 404, 422, 403, 403],
        ),
        (
            "GET",
            "/admin/closeouts",
            "/admin/closeouts",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/admin/closeouts/{id}/decide",
            "/admin/closeouts/{closeout}/decide",
            Body::Form("decision=refuse&note="),
            [303, 403, 403, 403, 422],
        ),
        (
            "POST",
            "/admin/tasks/{id}/reopen",
            "/admin/tasks/{task}/reopen",
            Body::Form("reason="),
            [303, 403, 403, 403, 422],
        ),
        // Leaders' instructions: only a leader writes one; `{instruction}` is on `{task}`,
        // which only unit B may answer. The fixture names no 责任领导, so /leader says so.
        (
            "POST",
            "/tasks/{id}/instructions",
            "/tasks/{task}/instructions",
            Body::Form("text="),
            [303, 403, 403, 422, 403],
        ),
        (
            "POST",
            "/instructions/{id}/answer",
            "/instructions/{instruction}/answer",
            Body::Form("text="),
            [303, 404, 422, 403, 403],
        ),
        (
            "GET",
            "/leader",
            "/leader",
            Body::None,
            [303, 403, 403, 200, 200],
        ),
        // Tasks kept by the office: units and leaders may not write them. The bodies fail
        // validation so the fixture stays as it is for later rows.
        (
            "GET",
            "/admin/tasks/new",
            "/admin/tasks/new",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/admin/tasks",
            "/admin/tasks",
            Body::Form("text=&lead_units="),
            [303, 403, 403, 403, 422],
        ),
        (
            "GET",
            "/admin/tasks/{id}/edit",
            "/admin/tasks/{task}/edit",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/admin/tasks/{id}/edit",
            "/admin/tasks/{task}/edit",
            Body::Form("text=x&lead_units="),
            [303, 403, 403, 403, 422],
        ),
        (
            "POST",
            "/admin/tasks/{id}/retire",
            "/admin/tasks/{task}/retire",
            Body::Form("reason="),
            [303, 403, 403, 403, 422],
        ),
        // 交办/签收. The handover of the fixture's tasks happens once (admin), so unit B may
        // sign `{task}` afterwards; the change request and decision bodies fail validation.
        (
            "GET",
            "/admin/handover",
            "/admin/handover",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/admin/handover",
            "/admin/handover",
            Body::Form(""),
            [303, 403, 403, 403, 303],
        ),
        (
            "POST",
            "/tasks/{id}/change-requests",
            "/tasks/{task}/change-requests",
            Body::Form("kind=text&proposal=x&reason="),
            [303, 404, 422, 403, 403],
        ),
        (
            "POST",
            "/tasks/{id}/acknowledge",
            "/tasks/{task}/acknowledge",
            Body::Form(""),
            [303, 404, 303, 403, 403],
        ),
        (
            "POST",
            "/admin/change-requests/{id}/decide",
            "/admin/change-requests/0/decide",
            Body::Form("decision=refuse&note="),
            [303, 403, 403, 403, 422],
        ),
        (
            "POST",
            "/admin/tasks/{id}/milestones",
            "/admin/tasks/{task}/milestones",
            Body::Form("due_date=bad&target_value=1"),
            [303, 403, 403, 403, 422],
        ),
        (
            "POST",
            "/admin/tasks/{id}/milestones/{milestone}/delete",
            "/admin/tasks/{task}/milestones/0/delete",
            Body::Form(""),
            [303, 403, 403, 403, 404],
        ),
        (
            "POST",
            "/admin/tasks/{id}/split",
            "/admin/tasks/{task}/split",
            Body::Form("children=x"),
            [303, 403, 403, 403, 400],
        ),
        // Issue 15: 公文设置 (office only); a notice's forms: the unit it is addressed to
        // may print its 督办单, and a 催办单 only once the office or a leader has issued it.
        (
            "GET",
            "/admin/plan-settings",
            "/admin/plan-settings",
            Body::None,
            [303, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/admin/plan-settings",
            "/admin/plan-settings",
            Body::Form("report_pattern=x"),
            [303, 403, 403, 403, 400],
        ),
        (
            "GET",
            "/notices/{id}/supervision.docx",
            "/notices/{notice}/supervision.docx",
            Body::None,
            [303, 404, 200, 200, 200],
        ),
        (
            "GET",
            "/notices/{id}/reminder.docx",
            "/notices/{notice}/reminder.docx",
            Body::None,
            [303, 404, 404, 200, 200],
        ),
    ]
}

#[test]
fn every_route_has_an_entry() {
    let served: BTreeSet<(String, String)> = duban_web::route_list()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let covered: BTreeSet<(String, String)> = table()
        .into_iter()
        .map(|(m, p, ..)| (m.to_string(), p.to_string()))
        .collect();
    let missing: Vec<_> = served.difference(&covered).collect();
    let stale: Vec<_> = covered.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "routes without a matrix entry: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix entries for routes that do not exist: {stale:?}"
    );
}

#[tokio::test]
async fn authorisation_matrix() -> Result<()> {
    for b in backends() {
        run(b).await?;
    }
    Ok(())
}

async fn run(b: Backend) -> Result<()> {
    let app = seeded(b).await?;
    let ids = task_ids(&app).await?;
    let task = ids[2].to_string();
    let unit = app
        .store
        .unit_by_name(UNIT_B)
        .await?
        .map(|u| u.id.0)
        .unwrap_or(0)
        .to_string();
    let (round, report) = round_and_report(&app, ids[2]).await?;
    let extra = cycle_records(&app, ids[2], ids[1], &round).await?;
    let owner = app
        .store
        .find_user("unit_b")
        .await?
        .ok_or_else(|| anyhow::anyhow!("unit_b"))?;
    let token = app
        .store
        .create_token(
            owner.id,
            "matrix",
            duban_store::TokenScope::Read,
            None,
            "test",
        )
        .await?
        .token
        .id
        .to_string();
    let mut failures = Vec::new();
    for (method, pattern, path, body, expected) in table() {
        let path = path
            .replace("{task}", &task)
            .replace("{unit}", &unit)
            .replace("{round}", &round)
            .replace("{report}", &report)
            .replace("{task2}", &ids[1].to_string())
            .replace("{notice}", &extra.notice)
            .replace("{extension}", &extra.extension)
            .replace("{contribution}", &extra.contribution)
            .replace("{notification}", &extra.notification)
            .replace("{token}", &token)
            .replace("{file}", &extra.file)
            .replace("{closeout}", &extra.closeout)
            .replace("{instruction}", &extra.instruction);
        for (i, who) in WHO.iter().enumerate() {
            // A fresh session per request: some routes end the session they run in.
            let (client, csrf) = if i == 0 {
                (app.client(), None)
            } else {
                let u = app.login(who).await?;
                (u.client, Some(u.csrf))
            };
            let status = send(&app, &client, method, &path, body, csrf.as_deref()).await?;
            if status.as_u16() != expected[i] {
                failures.push(format!(
                    "{method} {pattern} as {who}: got {status}, expected {}",
                    expected[i]
                ));
            }
        }
    }
    app.finish().await;
    if !failures.is_empty() {
        bail!("on {b:?}:\n{}", failures.join("\n"));
    }
    Ok(())
}

/// An open round, and unit B's report on `task` in it, submitted.
async fn round_and_report(app: &TestApp, task: i64) -> Result<(String, String)> {
    let plan = app.store.plans().await?[0].id;
    let round = app
        .store
        .open_round(plan, "2026年1月", "2026-01-31", "test")
        .await?;
    let unit = app
        .store
        .unit_by_name(UNIT_B)
        .await?
        .map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("unit B"))?;
    let draft = duban_store::DraftInput {
        task: duban_store::TaskId(task),
        round: round.id,
        unit,
        narrative: "会展中心主体已完工。".into(),
        figures: serde_json::json!({}),
        self_status: Some(duban_store::SelfStatus::OnSchedule),
        delay_reason: None,
        next_steps: None,
        expected_version: None,
    };
    let r = app.store.save_draft(&draft, "unit_b").await?;
    let r = app.store.submit_report(r.id, r.version, "unit_b").await?;
    Ok((round.id.to_string(), r.id.to_string()))
}

struct Records {
    notice: String,
    extension: String,
    contribution: String,
    notification: String,
    file: String,
    closeout: String,
    instruction: String,
}

/// Unit B's notice and extension request on `task`, unit A's contribution to `task2` (led
/// by B) in `round`, and a notification to unit B.
async fn cycle_records(app: &TestApp, task: i64, task2: i64, round: &str) -> Result<Records> {
    use duban_store::{NewExtension, NewNotice, NewNotification, NoticeLevel, TaskId};
    let unit_id = |name: &'static str| async move {
        app.store
            .unit_by_name(name)
            .await?
            .map(|u| u.id)
            .ok_or_else(|| anyhow::anyhow!("unit {name}"))
    };
    let b = unit_id(UNIT_B).await?;
    let a = unit_id(crate::helpers::UNIT_A).await?;
    let notice = app
        .store
        .issue_notice(
            &NewNotice {
                task: TaskId(task),
                unit: b,
                level: NoticeLevel::Blue,
                deadline: "2099-01-31".into(),
                text: "请加快进度".into(),
            },
            "test",
        )
        .await?;
    let extension = app
        .store
        .request_extension(
            &NewExtension {
                task: TaskId(task),
                round: None,
                unit: b,
                requested_date: "2099-06-30".into(),
                reason: "场地审批未完成".into(),
            },
            "test",
        )
        .await?;
    let contribution = app
        .store
        .save_contribution(
            TaskId(task2),
            duban_store::RoundId(round.parse()?),
            a,
            "配合完成通关便利化。",
            "test",
        )
        .await?;
    let notification = app
        .store
        .notify(
            &NewNotification {
                user: None,
                unit: Some(b),
                kind: "test".into(),
                subject: "测试通知".into(),
                body: String::new(),
                link: None,
                dedupe_key: None,
            },
            "test",
        )
        .await?
        .ok_or_else(|| anyhow::anyhow!("notification posted"))?;
    let file = app
        .store
        .attach_files(
            duban_store::AttachmentOwner::Notice(notice.id),
            &[duban_store::NewFile {
                name: "答复附件.pdf".into(),
                bytes: b"%PDF-1.4\n%%EOF\n".to_vec(),
            }],
            1 << 20,
            "unit_b",
        )
        .await?
        .remove(0);
    let closeout = app
        .store
        .apply_closeout(TaskId(task2), b, "已全部完成。", &[], 1 << 20, "unit_b")
        .await?;
    let (instruction, _) = app
        .store
        .write_instruction(TaskId(task), "请抓紧推进。", "leader")
        .await?;
    Ok(Records {
        instruction: instruction.id.to_string(),
        file: file.id.to_string(),
        closeout: closeout.id.to_string(),
        notice: notice.id.to_string(),
        extension: extension.id.to_string(),
        contribution: contribution.id.to_string(),
        notification: notification.to_string(),
    })
}

async fn send(
    app: &TestApp,
    client: &reqwest::Client,
    method: &str,
    path: &str,
    body: Body,
    csrf: Option<&str>,
) -> Result<StatusCode> {
    let mut req = client.request(Method::from_bytes(method.as_bytes())?, app.url(path));
    if let Some(t) = csrf {
        req = req.header("X-CSRF-Token", t);
    }
    req = match body {
        Body::None => req,
        Body::Json(j) => req.header("content-type", "application/json").body(j),
        Body::Form(f) => req
            .header("content-type", "application/x-www-form-urlencoded")
            .body(f),
        Body::EmptyMultipart => req.multipart(reqwest::multipart::Form::new().text("note", "x")),
    };
    Ok(req.send().await?.status())
}
