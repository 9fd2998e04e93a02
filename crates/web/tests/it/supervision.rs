//! Supervision over HTTP: a notice issued by the office, answered by its unit (not by
//! another), closed, and shown on the task, unit, overview and "my tasks" pages; escalation
//! of an unanswered one; extension requests approved and refused; a cooperating unit's
//! contribution merged by the lead unit; in-app notifications shown and marked read. The
//! audit chain verifies at the end.

use anyhow::{Context, Result, ensure};
use duban_store::{
    ExtensionFilter, ExtensionStatus, NoticeLevel, NoticeStatus, ReportStatus, Scope, TaskId,
};
use reqwest::StatusCode;

use crate::helpers::{
    Backend, UNIT_A, UNIT_B, backends, get, post_form_full as post_form, seeded, task_ids,
};

/// The number shown in the overview's notice card for a level.
fn level_count(body: &str, level: &str) -> Option<i64> {
    let marker = format!("class=\"n-{level}\">");
    let rest = body.split(&marker).nth(1)?;
    rest.split('<').next()?.trim().parse().ok()
}

#[tokio::test]
async fn notices_extensions_contributions_notifications() -> Result<()> {
    for b in backends() {
        run(b).await.with_context(|| format!("on {b:?}"))?;
    }
    Ok(())
}

async fn run(b: Backend) -> Result<()> {
    let app = seeded(b).await?;
    let ids = task_ids(&app).await?;
    // Task 1 is led by A alone; task 2 is led by B with A cooperating.
    let (t1, t2) = (ids[0], ids[1]);
    let admin = app.login("admin").await?;
    let leader = app.login("leader").await?;
    let unit_a = app.login("unit_a").await?;
    let unit_b = app.login("unit_b").await?;
    let a = app.store.unit_by_name(UNIT_A).await?.context("A")?.id;
    let bu = app.store.unit_by_name(UNIT_B).await?.context("B")?.id;
    let plan = app.store.plans().await?[0].id;
    let round = app
        .store
        .open_round(plan, "2026年2月", "2099-02-28", "test")
        .await?
        .id;

    // --- Supervision notice ---------------------------------------------------------
    let issue = format!("/admin/tasks/{t1}/notices");
    let (s, _, _) = post_form(
        &app,
        &admin,
        &issue,
        &[
            ("unit", &a.to_string()),
            ("level", "orange"),
            ("deadline", "2099-12-31"),
            ("text", "x"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "bad level: {s}");
    // A unit not linked to the task cannot be sent one.
    let (s, _, _) = post_form(
        &app,
        &admin,
        &issue,
        &[
            ("unit", &bu.to_string()),
            ("level", "blue"),
            ("deadline", "2099-12-31"),
            ("text", "x"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "unlinked unit: {s}");
    ensure!(
        app.store
            .task_notices(TaskId(t1), &Scope::All)
            .await?
            .is_empty()
    );
    let (s, _, _) = post_form(
        &app,
        &admin,
        &issue,
        &[
            ("unit", &a.to_string()),
            ("level", "yellow"),
            ("deadline", "2099-12-31"),
            ("text", "请于年底前报送技术合同登记额数据"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "issue: {s}");
    let notice = app
        .store
        .task_notices(TaskId(t1), &Scope::All)
        .await?
        .pop()
        .context("notice")?;
    ensure!(notice.level == NoticeLevel::Yellow && notice.unit_id == a);

    let (_, body) = get(&app, &unit_a, &format!("/tasks/{t1}")).await?;
    ensure!(body.contains("请于年底前报送技术合同登记额数据") && body.contains("待答复"));
    ensure!(
        body.contains(&format!("/notices/{}/answer", notice.id)),
        "answer form"
    );
    let (_, body) = get(&app, &unit_a, "/my").await?;
    ensure!(
        body.contains("待办督办单") && body.contains("请于年底前报送技术合同登记额数据"),
        "my tasks lists the open notice"
    );
    let (_, body) = get(&app, &admin, "/").await?;
    ensure!(
        level_count(&body, "yellow") == Some(1),
        "overview yellow count"
    );
    let (_, body) = get(&app, &unit_b, "/").await?;
    ensure!(level_count(&body, "yellow") == Some(0), "unit B has none");

    // Another unit cannot answer it, nor can a leader.
    let answer = format!("/notices/{}/answer", notice.id);
    let (s, _, _) = post_form(&app, &unit_b, &answer, &[("answer", "越权答复")]).await?;
    ensure!(s == StatusCode::NOT_FOUND, "unit B answering: {s}");
    let (s, _, _) = post_form(&app, &leader, &answer, &[("answer", "越权答复")]).await?;
    ensure!(s == StatusCode::FORBIDDEN, "leader answering: {s}");
    let (s, _, _) = post_form(&app, &unit_a, &answer, &[("answer", "已报送全年数据")]).await?;
    ensure!(s == StatusCode::SEE_OTHER, "answer: {s}");
    let n = app
        .store
        .notice(notice.id, &Scope::All)
        .await?
        .context("n")?;
    ensure!(n.status == NoticeStatus::Answered && n.answer.as_deref() == Some("已报送全年数据"));

    // The office closes it; a note is required.
    let close = format!("/admin/notices/{}/close", notice.id);
    let (s, _, _) = post_form(&app, &unit_a, &close, &[("note", "x")]).await?;
    ensure!(s == StatusCode::FORBIDDEN);
    let (s, _, _) = post_form(&app, &admin, &close, &[("note", " ")]).await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "empty note: {s}");
    let (s, _, _) = post_form(&app, &admin, &close, &[("note", "数据已核实，予以办结")]).await?;
    ensure!(s == StatusCode::SEE_OTHER, "close: {s}");
    let n = app
        .store
        .notice(notice.id, &Scope::All)
        .await?
        .context("n")?;
    ensure!(n.status == NoticeStatus::Closed);
    let (_, body) = get(&app, &admin, &format!("/tasks/{t1}")).await?;
    ensure!(body.contains("数据已核实，予以办结") && body.contains("已办结"));
    let (_, body) = get(&app, &admin, &format!("/units/{a}")).await?;
    ensure!(
        body.contains("请于年底前报送技术合同登记额数据") && body.contains("已报送全年数据"),
        "unit page lists the notice"
    );
    let (_, body) = get(&app, &admin, "/").await?;
    ensure!(
        level_count(&body, "yellow") == Some(0),
        "closed: not counted"
    );

    // An unanswered notice past its deadline is raised by escalation.
    let (s, _, _) = post_form(
        &app,
        &admin,
        &format!("/admin/tasks/{t2}/notices"),
        &[
            ("unit", &bu.to_string()),
            ("level", "blue"),
            ("deadline", "2020-01-31"),
            ("text", "进口整车数量未达目标，请说明原因"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER);
    let (_, body) = get(&app, &admin, "/").await?;
    ensure!(level_count(&body, "blue") == Some(1) && level_count(&body, "red") == Some(0));
    let (s, loc, _) = post_form(&app, &admin, "/admin/notices/escalate", &[]).await?;
    ensure!(
        s == StatusCode::SEE_OTHER && loc.ends_with("escalated=1"),
        "{s} {loc}"
    );
    let (_, body) = get(&app, &admin, "/").await?;
    ensure!(
        level_count(&body, "blue") == Some(0) && level_count(&body, "red") == Some(1),
        "escalated to red"
    );
    let (_, body) = get(&app, &admin, "/admin/notices").await?;
    ensure!(body.contains("进口整车数量未达目标") && body.contains("原为蓝色"));

    // The unanswered, overdue notice turns the task's light red with its rule.
    let (_, body) = get(&app, &admin, &format!("/tasks/{t2}")).await?;
    ensure!(
        body.contains("督办单逾期未办结1件"),
        "light names the overdue notice"
    );

    // The round's bulletin lists the open notice (the first one is closed).
    let bytes = admin
        .client
        .get(app.url(&format!("/downloads/bulletin.docx?round={round}")))
        .send()
        .await?
        .bytes()
        .await?;
    let xml = crate::oversight::zip_part(&bytes, "word/document.xml")?;
    let open_now = app.store.open_notices(plan).await?;
    ensure!(open_now.len() == 1, "one notice open");
    ensure!(
        xml.contains(&format!("{}号", open_now[0].id)) && xml.contains(&open_now[0].unit_name),
        "bulletin names the open notice"
    );

    // --- Extension requests -----------------------------------------------------------
    let ext = format!("/tasks/{t1}/extensions");
    let (s, _, _) = post_form(
        &app,
        &unit_b,
        &ext,
        &[
            ("round", ""),
            ("requested_date", "2099-03-31"),
            ("reason", "x"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::NOT_FOUND, "another unit's task: {s}");
    let (s, _, _) = post_form(
        &app,
        &unit_a,
        &ext,
        &[
            ("round", &round.to_string()),
            ("requested_date", "2099-03-31"),
            ("reason", " "),
        ],
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY,
        "reason required: {s}"
    );
    let (s, _, _) = post_form(
        &app,
        &unit_a,
        &ext,
        &[
            ("round", &round.to_string()),
            ("requested_date", "2099-03-31"),
            ("reason", "数据待统计局确认"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "request: {s}");
    let (s, _, _) = post_form(
        &app,
        &unit_a,
        &ext,
        &[
            ("round", ""),
            ("requested_date", "2100-06-30"),
            ("reason", "项目用地调整"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "second request: {s}");
    let list = app
        .store
        .extensions(&ExtensionFilter::default(), &Scope::All)
        .await?;
    let for_round = list
        .iter()
        .find(|e| e.round_id.is_some())
        .context("round request")?;
    let for_task = list
        .iter()
        .find(|e| e.round_id.is_none())
        .context("task request")?;
    let (_, body) = get(&app, &admin, "/admin/extensions").await?;
    ensure!(body.contains("数据待统计局确认") && body.contains("项目用地调整"));
    let (s, _, _) = post_form(
        &app,
        &unit_a,
        &format!("/admin/extensions/{}/decide", for_round.id),
        &[("decision", "approve")],
    )
    .await?;
    ensure!(s == StatusCode::FORBIDDEN);
    let (s, _, _) = post_form(
        &app,
        &admin,
        &format!("/admin/extensions/{}/decide", for_round.id),
        &[("decision", "approve"), ("note", "")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "approve: {s}");
    let refuse = format!("/admin/extensions/{}/decide", for_task.id);
    let (s, _, _) = post_form(
        &app,
        &admin,
        &refuse,
        &[("decision", "refuse"), ("note", "")],
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY,
        "refusal needs a note: {s}"
    );
    let (s, _, _) = post_form(
        &app,
        &admin,
        &refuse,
        &[("decision", "refuse"), ("note", "理由不充分，请按期完成")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "refuse: {s}");
    let e1 = app
        .store
        .extension(for_round.id, &Scope::All)
        .await?
        .context("e1")?;
    let e2 = app
        .store
        .extension(for_task.id, &Scope::All)
        .await?
        .context("e2")?;
    ensure!(e1.status == ExtensionStatus::Approved && e2.status == ExtensionStatus::Refused);
    let (_, body) = get(&app, &unit_a, "/my").await?;
    ensure!(
        body.contains("已同意")
            && body.contains("未同意")
            && body.contains("理由不充分，请按期完成"),
        "the unit sees the outcomes"
    );

    // --- Cooperating unit's contribution --------------------------------------------------
    let (_, body) = get(&app, &unit_a, "/my").await?;
    let coop = body
        .split("id=\"cooperating\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .context("配合任务 section")?;
    ensure!(
        coop.contains("进口整车5000辆以上"),
        "task 2 listed as cooperating"
    );
    ensure!(
        !coop.contains("技术合同登记额增长15%"),
        "a led task is not cooperating"
    );
    let contrib = format!("/rounds/{round}/tasks/{t2}/contribution");
    let (s, _) = get(&app, &unit_a, &contrib).await?;
    ensure!(s == StatusCode::OK);
    let text = "配合完成通关便利化改革，新增进口车型12个。";
    let (s, _, _) = post_form(&app, &unit_a, &contrib, &[("text", text)]).await?;
    ensure!(s == StatusCode::SEE_OTHER, "contribution: {s}");
    // The lead unit is not a cooperating unit; a unit outside the task sees nothing.
    let (s, _, _) = post_form(&app, &unit_b, &contrib, &[("text", "x")]).await?;
    ensure!(
        s == StatusCode::FORBIDDEN,
        "lead writing a contribution: {s}"
    );
    let (s, _, _) = post_form(
        &app,
        &unit_b,
        &format!("/rounds/{round}/tasks/{t1}/contribution"),
        &[("text", "x")],
    )
    .await?;
    ensure!(s == StatusCode::NOT_FOUND, "unit outside the task: {s}");
    let (s, _, _) = post_form(
        &app,
        &unit_a,
        &format!("/rounds/{round}/tasks/{t1}/contribution"),
        &[("text", "x")],
    )
    .await?;
    ensure!(s == StatusCode::FORBIDDEN, "lead-only task: {s}");

    let form = format!("/rounds/{round}/tasks/{t2}/report");
    let (s, body) = get(&app, &unit_b, &form).await?;
    ensure!(
        s == StatusCode::OK && body.contains(text),
        "lead sees the contribution"
    );
    let (s, _, _) = post_form(
        &app,
        &unit_b,
        &form,
        &[
            ("narrative", "进口整车3808辆。"),
            ("self_status", "lagging"),
            ("delay_reason", "芯片短缺"),
            ("version", ""),
            ("action", "save"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "lead draft: {s}");
    let c = app
        .store
        .contributions(TaskId(t2), round, &Scope::All)
        .await?
        .pop()
        .context("contribution")?;
    let merge = format!("/rounds/{round}/tasks/{t2}/contributions/{}/merge", c.id);
    let (s, _, _) = post_form(&app, &unit_a, &merge, &[]).await?;
    ensure!(s == StatusCode::FORBIDDEN, "cooperating unit merging: {s}");
    let (s, loc, _) = post_form(&app, &unit_b, &merge, &[]).await?;
    ensure!(
        s == StatusCode::SEE_OTHER && loc.ends_with("done=merged"),
        "merge: {s}"
    );
    let report = app
        .store
        .task_reports(TaskId(t2), &Scope::All)
        .await?
        .into_iter()
        .find(|r| r.round_id == round)
        .context("lead report")?;
    ensure!(
        report.narrative == format!("进口整车3808辆。\n{text}"),
        "{}",
        report.narrative
    );
    ensure!(
        report.status == ReportStatus::Draft && report.delay_reason.as_deref() == Some("芯片短缺")
    );
    let c = app
        .store
        .contributions(TaskId(t2), round, &Scope::All)
        .await?
        .pop()
        .context("contribution")?;
    ensure!(c.merged() && c.merged_by.as_deref() == Some("unit_b"));
    let (s, _, _) = post_form(&app, &unit_b, &merge, &[]).await?;
    ensure!(s == StatusCode::BAD_REQUEST, "merged twice: {s}");
    let (_, body) = get(&app, &unit_a, "/my").await?;
    ensure!(body.contains("已被采纳"));

    // --- Notifications ----------------------------------------------------------------
    let ua = app.store.find_user("unit_a").await?.context("unit_a")?;
    let before = app.store.unread_notifications(ua.id, ua.unit_id).await?;
    // Issued, closed, and two extension decisions.
    ensure!(before == 4, "unread {before}");
    let (s, body) = get(&app, &unit_a, "/notifications").await?;
    ensure!(s == StatusCode::OK);
    ensure!(body.contains("收到黄色督办单") && body.contains("延期申请（至2100-06-30）未同意"));
    ensure!(body.contains("id=\"unread-count\">4<"), "the bell shows 4");
    let first = app
        .store
        .notifications(ua.id, ua.unit_id, true, 10)
        .await?
        .pop()
        .context("notification")?;
    let read = format!("/notifications/{}/read", first.id);
    let (s, _, _) = post_form(&app, &unit_b, &read, &[]).await?;
    ensure!(
        s == StatusCode::NOT_FOUND,
        "another unit's notification: {s}"
    );
    let (s, _, _) = post_form(&app, &unit_a, &read, &[]).await?;
    ensure!(s == StatusCode::SEE_OTHER, "mark read: {s}");
    ensure!(app.store.unread_notifications(ua.id, ua.unit_id).await? == 3);
    let (_, body) = get(&app, &unit_a, "/notifications").await?;
    ensure!(body.contains("id=\"unread-count\">3<") && body.contains("已读"));

    let audit = app.store.audit_verify().await?;
    ensure!(audit.ok(), "audit chain: {audit:?}");
    app.finish().await;
    Ok(())
}
