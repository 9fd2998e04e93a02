//! 交办 and 签收 over HTTP: the office hands the plan over; a lead unit signs (not another
//! unit, not a cooperating unit, not a leader); a lead unit asks for a text change (refused
//! with a note) and a change of units (approved: the task changes hands and the new lead
//! unit must sign); the state shows on the overview, unit and task pages; a task left
//! unsigned past the set days is in its unit's reminder digest.

use anyhow::{Context, Result, ensure};
use reqwest::StatusCode;

use crate::helpers::{
    Backend, UNIT_A, UNIT_B, backends, get, get_text, post_form, seeded, task_ids,
};

#[tokio::test]
async fn handover_acknowledge_and_change_requests() -> Result<()> {
    for b in backends() {
        run(b).await.with_context(|| format!("on {b:?}"))?;
    }
    Ok(())
}

/// The number in an element `class="{class}">N<`.
fn number(body: &str, class: &str) -> Option<i64> {
    let marker = format!("class=\"{class}\">");
    body.split(&marker)
        .nth(1)?
        .split('<')
        .next()?
        .trim()
        .parse()
        .ok()
}

async fn run(b: Backend) -> Result<()> {
    let app = seeded(b).await?;
    let ids = task_ids(&app).await?;
    // Task 1 is led by A; task 2 by B with A cooperating; task 3 by B.
    let (t1, t2, t3) = (ids[0], ids[1], ids[2]);
    let admin = app.login("admin").await?;
    let leader = app.login("leader").await?;
    let unit_a = app.login("unit_a").await?;
    let unit_b = app.login("unit_b").await?;
    let a = app.store.unit_by_name(UNIT_A).await?.context("A")?.id;
    let bu = app.store.unit_by_name(UNIT_B).await?.context("B")?.id;

    let page = get_text(&app, &admin, &format!("/tasks/{t1}")).await?;
    ensure!(page.contains("该任务尚未交办"), "not handed over yet");
    let (s, _) = post_form(&app, &unit_a, &format!("/tasks/{t1}/acknowledge"), &[]).await?;
    ensure!(
        s == StatusCode::BAD_REQUEST,
        "nothing to sign before 交办: {s}"
    );

    // --- 交办 ---------------------------------------------------------------------------
    let (s, _) = post_form(&app, &leader, "/admin/handover", &[]).await?;
    ensure!(s == StatusCode::FORBIDDEN, "a leader cannot hand over: {s}");
    let (s, _) = post_form(&app, &admin, "/admin/handover", &[]).await?;
    ensure!(s == StatusCode::SEE_OTHER, "hand over: {s}");
    let (s, body) = post_form(&app, &admin, "/admin/handover", &[]).await?;
    ensure!(
        s == StatusCode::BAD_REQUEST && body.contains("没有需要交办的任务"),
        "{s}"
    );
    let overview = get_text(&app, &admin, "/").await?;
    ensure!(number(&overview, "n-handed") == Some(3), "3 handed");
    ensure!(number(&overview, "n-unsigned") == Some(3), "3 unsigned");
    let unit_page = get_text(&app, &unit_b, &format!("/units/{bu}")).await?;
    ensure!(
        number(&unit_page, "n-unsigned") == Some(2),
        "B has 2 to sign"
    );
    let notes = get_text(&app, &unit_b, "/notifications").await?;
    ensure!(notes.contains("交办重点任务2项"), "B told of its handover");

    // --- 签收 ---------------------------------------------------------------------------
    let ack1 = format!("/tasks/{t1}/acknowledge");
    let (s, _) = post_form(&app, &unit_b, &ack1, &[]).await?;
    ensure!(s == StatusCode::NOT_FOUND, "another unit's task: {s}");
    let (s, _) = post_form(&app, &leader, &ack1, &[]).await?;
    ensure!(s == StatusCode::FORBIDDEN, "a leader does not sign: {s}");
    let (s, body) = post_form(&app, &unit_a, &format!("/tasks/{t2}/acknowledge"), &[]).await?;
    ensure!(
        s == StatusCode::FORBIDDEN && body.contains("只有该任务的牵头单位"),
        "coop: {s}"
    );
    let (s, _) = post_form(&app, &unit_a, &ack1, &[]).await?;
    ensure!(s == StatusCode::SEE_OTHER, "sign: {s}");
    let (s, body) = post_form(&app, &unit_a, &ack1, &[]).await?;
    ensure!(
        s == StatusCode::BAD_REQUEST && body.contains("已签收"),
        "twice: {s}"
    );
    let page = get_text(&app, &admin, &format!("/tasks/{t1}")).await?;
    ensure!(
        page.contains("data-acknowledged=\"yes\""),
        "signed on the task page"
    );

    // --- Change requests: bad input writes nothing ----------------------------------------
    let req2 = format!("/tasks/{t2}/change-requests");
    let audited = app.store.audit_entries(1000, None).await?.len();
    let (s, body) = post_form(
        &app,
        &unit_b,
        &req2,
        &[
            ("kind", "text"),
            ("proposal", "进口整车4000辆以上"),
            ("reason", " "),
        ],
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("必须填写理由"),
        "{s}"
    );
    let (s, body) = post_form(
        &app,
        &unit_b,
        &format!("/tasks/{t3}/change-requests"),
        &[
            ("kind", "units"),
            ("proposal", "不存在的局"),
            ("reason", "职责调整"),
        ],
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("单位“不存在的局”不存在"),
        "{s}"
    );
    ensure!(
        app.store.audit_entries(1000, None).await?.len() == audited,
        "refusals write nothing"
    );

    // A text change, refused with a note.
    let (s, _) = post_form(
        &app,
        &unit_b,
        &req2,
        &[
            ("kind", "text"),
            ("proposal", "进口整车4000辆以上"),
            ("reason", "市场需求下降"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "request: {s}");
    let (s, body) = post_form(
        &app,
        &unit_b,
        &req2,
        &[
            ("kind", "text"),
            ("proposal", "进口整车3000辆以上"),
            ("reason", "再次申请"),
        ],
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("待审批"),
        "one pending: {s}"
    );
    let office = get_text(&app, &admin, "/admin/handover").await?;
    ensure!(
        office.contains("进口整车4000辆以上") && office.contains("市场需求下降"),
        "listed"
    );
    let requests = app
        .store
        .task_change_requests(
            None,
            Some(duban_store::TaskId(t2)),
            None,
            &duban_store::Scope::All,
        )
        .await?;
    let r2 = requests.first().context("request")?.id;
    let decide2 = format!("/admin/change-requests/{r2}/decide");
    let (s, _) = post_form(&app, &unit_b, &decide2, &[("decision", "approve")]).await?;
    ensure!(s == StatusCode::FORBIDDEN, "a unit cannot decide: {s}");
    let (s, body) = post_form(
        &app,
        &admin,
        &decide2,
        &[("decision", "refuse"), ("note", "")],
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("必须填写说明"),
        "{s}"
    );
    let (s, _) = post_form(
        &app,
        &admin,
        &decide2,
        &[("decision", "refuse"), ("note", "目标按年初计划执行")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "refuse: {s}");
    let t = app
        .store
        .task(duban_store::TaskId(t2), &duban_store::Scope::All)
        .await?
        .context("t2")?;
    ensure!(
        t.summary.text == "进口整车5000辆以上",
        "text unchanged after a refusal"
    );
    let page = get_text(&app, &unit_b, &format!("/tasks/{t2}")).await?;
    ensure!(
        page.contains("目标按年初计划执行") && page.contains("未同意"),
        "decision shown"
    );

    // A change of units, approved: task 3 passes to A, who must sign it.
    let (s, _) = post_form(
        &app,
        &unit_b,
        &format!("/tasks/{t3}/change-requests"),
        &[
            ("kind", "units"),
            ("proposal", UNIT_A),
            ("reason", "会展中心划归科技局管理"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "units request: {s}");
    let r3 = app
        .store
        .task_change_requests(
            None,
            Some(duban_store::TaskId(t3)),
            None,
            &duban_store::Scope::All,
        )
        .await?
        .first()
        .context("request 3")?
        .id;
    let (s, _) = post_form(
        &app,
        &admin,
        &format!("/admin/change-requests/{r3}/decide"),
        &[("decision", "approve"), ("note", "")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "approve: {s}");
    let t = app
        .store
        .task(duban_store::TaskId(t3), &duban_store::Scope::All)
        .await?
        .context("t3")?;
    ensure!(
        t.lead.iter().map(|u| u.id).collect::<Vec<_>>() == vec![a],
        "A leads task 3 now"
    );
    let (s, _) = get(&app, &unit_b, &format!("/tasks/{t3}")).await?;
    ensure!(s == StatusCode::NOT_FOUND, "B no longer sees task 3: {s}");
    let unit_page = get_text(&app, &unit_a, &format!("/units/{a}")).await?;
    ensure!(
        number(&unit_page, "n-unsigned") == Some(1),
        "A must sign task 3"
    );
    let audit = app.store.audit_entries(20, None).await?;
    ensure!(
        audit.iter().any(|e| e.action == "task.change_approve")
            && audit.iter().any(|e| e.action == "task.edit"),
        "approval and the edit it made are audited"
    );

    // --- Unsigned past the set days: in the unit's digest ---------------------------------
    app.raw_sql("UPDATE task_handovers SET handed_at = handed_at - 5 * 86400")
        .await?;
    let (s, _) = post_form(&app, &admin, "/admin/reminders/run", &[]).await?;
    ensure!(s == StatusCode::SEE_OTHER, "reminders: {s}");
    let notes = get_text(&app, &unit_b, "/notifications").await?;
    ensure!(notes.contains("交办任务尚未签收"), "B reminded of task 2");
    let notes = get_text(&app, &unit_a, "/notifications").await?;
    ensure!(notes.contains("交办任务尚未签收"), "A reminded of task 3");
    ensure!(
        app.store.audit_verify().await?.first_broken.is_none(),
        "audit chain"
    );
    app.finish().await;
    Ok(())
}
