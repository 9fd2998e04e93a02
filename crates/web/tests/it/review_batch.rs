//! Review at scale: the round's queue filtered and sorted by warning, unit and section;
//! several reports accepted in one confirmed POST (all or none, each audited, a report whose
//! override is in question held back with the reason); "通过并审下一条"; success messages
//! after the redirect; a return tells the unit; a closed round no longer lights 被退回.

use anyhow::{Context, Result, ensure};
use duban_store::{ReportId, ReportStatus, Scope, TaskId};
use reqwest::StatusCode;

use crate::helpers::{
    Backend, TestApp, UNIT_B, User, backends, get, get_text, open_round, post_form, post_form_full,
    save_and_submit, seeded, task_ids,
};

/// A unit saves and submits its report on a task; returns the report id.
async fn submit(
    app: &TestApp,
    unit: &User,
    round: i64,
    task: i64,
    narrative: &str,
    self_status: &str,
) -> Result<ReportId> {
    save_and_submit(app, unit, round, task, narrative, self_status).await?;
    let r = app
        .store
        .task_reports(TaskId(task), &Scope::All)
        .await?
        .into_iter()
        .find(|r| r.round_id.0 == round)
        .context("report")?;
    ensure!(r.status == ReportStatus::Submitted);
    Ok(r.id)
}

/// A round with one submitted report per task: A's on task 1 (met), B's on task 2 (with
/// `task2` as its text, claimed done) and task 3 (on schedule).
async fn round_with_reports(
    app: &TestApp,
    name: &str,
    task2: &str,
) -> Result<(i64, [ReportId; 3])> {
    let ids = task_ids(app).await?;
    let admin = app.login("admin").await?;
    let unit_a = app.login("unit_a").await?;
    let unit_b = app.login("unit_b").await?;
    let round = open_round(app, &admin, name, 5).await?;
    let r1 = submit(
        app,
        &unit_a,
        round,
        ids[0],
        "技术合同登记额同比增长18.2%。",
        "done",
    )
    .await?;
    let r2 = submit(app, &unit_b, round, ids[1], task2, "done").await?;
    let r3 = submit(
        app,
        &unit_b,
        round,
        ids[2],
        "会展中心主体结构施工中。",
        "on_schedule",
    )
    .await?;
    Ok((round, [r1, r2, r3]))
}

async fn status(app: &TestApp, id: ReportId) -> Result<ReportStatus> {
    Ok(app
        .store
        .report(id, &Scope::All)
        .await?
        .context("report")?
        .status)
}

#[tokio::test]
async fn the_queue_filters_sorts_and_accepts_in_batches() -> Result<()> {
    for b in backends() {
        run(b).await.with_context(|| format!("on {b:?}"))?;
    }
    Ok(())
}

async fn run(b: Backend) -> Result<()> {
    let app = seeded(b).await?;
    let ids = task_ids(&app).await?;
    let admin = app.login("admin").await?;
    // Task 1 (A, 创新驱动) met; task 2 (B, 开放发展) claimed done while short of its target;
    // task 3 (B, 开放发展) on schedule.
    let (round, [r1, r2, r3]) = round_with_reports(&app, "2026年3月", "进口整车3808辆。").await?;
    let queue = format!("/admin/rounds/{round}/review");
    let link = |r: ReportId| format!("/admin/reports/{r}\"");

    // Filters: by unit, by section, warnings only; sorted with the most warnings first.
    let unit_b_id = app.store.unit_by_name(UNIT_B).await?.context("unit")?.id;
    let page = get_text(&app, &admin, &format!("{queue}?unit={unit_b_id}")).await?;
    ensure!(!page.contains(&link(r1)) && page.contains(&link(r2)) && page.contains(&link(r3)));
    let page = get_text(
        &app,
        &admin,
        &format!("{queue}?section=%E5%88%9B%E6%96%B0%E9%A9%B1%E5%8A%A8"),
    )
    .await?;
    ensure!(
        page.contains(&link(r1)) && !page.contains(&link(r2)),
        "section filter"
    );
    let page = get_text(&app, &admin, &format!("{queue}?warn=1")).await?;
    ensure!(
        page.contains(&link(r2)) && !page.contains(&link(r3)),
        "warnings only"
    );
    let page = get_text(&app, &admin, &format!("{queue}?sort=warnings")).await?;
    let at = |r: ReportId| page.find(&link(r)).unwrap_or(usize::MAX);
    ensure!(at(r2) < at(r1) && at(r2) < at(r3), "most warnings first");
    ensure!(
        page.contains("name=\"confirm\" value=\"1\" required"),
        "batch needs a confirmation"
    );

    // The office overrides task 1 to 未完成: the report now contradicts it, so accepting it is
    // the office's decision, one by one.
    let (s, _) = post_form(
        &app,
        &admin,
        &format!("/admin/tasks/{}/verdict", ids[0]),
        &[("verdict", "not_met"), ("reason", "数据口径待核实")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "override: {s}");

    let batch = format!("{queue}/accept");
    let all = [
        ("ids", r1.to_string()),
        ("ids", r2.to_string()),
        ("ids", r3.to_string()),
    ];
    let fields = |confirm: bool| {
        let mut f: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if confirm {
            f.push(("confirm", "1"));
        }
        f
    };
    // Without the confirmation nothing happens, and the page says why.
    let (s, body) = post_form(&app, &admin, &batch, &fields(false)).await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "{s}");
    ensure!(body.contains("请勾选“确认批量通过所选报告”"));
    for r in [r1, r2, r3] {
        ensure!(status(&app, r).await? == ReportStatus::Submitted);
    }
    // Nothing chosen.
    let (s, body) = post_form(&app, &admin, &batch, &[("confirm", "1")]).await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("请先勾选要通过的报告"));

    // Confirmed: B's two accepted, A's held back with the reason.
    let (s, body) = post_form(&app, &admin, &batch, &fields(true)).await?;
    ensure!(s == StatusCode::OK, "{s}");
    ensure!(body.contains("已通过 2 份报告"), "outcome");
    ensure!(body.contains("需在审核页逐份确认改判是否保留") && body.contains(&link(r1)));
    ensure!(status(&app, r1).await? == ReportStatus::Submitted);
    ensure!(status(&app, r2).await? == ReportStatus::Accepted);
    ensure!(status(&app, r3).await? == ReportStatus::Accepted);
    // Each accept is in the audit log.
    let entries = app.store.audit_entries(200, None).await?;
    for r in [r2, r3] {
        let id = r.to_string();
        ensure!(
            entries
                .iter()
                .any(|e| e.action == "report.accept" && e.entity_id.as_deref() == Some(&id)),
            "accept of {r} audited"
        );
    }

    // A report no longer waiting (already accepted) in a batch: nothing is accepted.
    let (s, body) = post_form(
        &app,
        &admin,
        &batch,
        &[("ids", &r2.to_string()), ("confirm", "1")],
    )
    .await?;
    ensure!(
        s == StatusCode::CONFLICT && body.contains("未通过任何报告"),
        "{s}"
    );
    // All or none in the store: one good report and one that cannot be accepted.
    let r4 = {
        let (s, _) = post_form(
            &app,
            &admin,
            &format!("/admin/tasks/{}/verdict", ids[0]),
            &[("verdict", ""), ("reason", "撤销改判")],
        )
        .await?;
        ensure!(s == StatusCode::SEE_OTHER);
        r1
    };
    ensure!(app.store.accept_reports(&[r4, r2], "admin").await.is_err());
    ensure!(
        status(&app, r4).await? == ReportStatus::Submitted,
        "rolled back"
    );

    // 通过并审下一条 on the last one: back to the queue with "nothing left".
    let (s, to, _) = post_form_full(
        &app,
        &admin,
        &format!("/admin/reports/{r4}/accept"),
        &[("confirm", "1"), ("next", "1")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER && to == queue, "{s} {to}");
    let page = get_text(&app, &admin, &queue).await?;
    ensure!(
        page.contains("本轮已没有待审核的报告。"),
        "flash after the redirect"
    );
    // Shown once.
    let page = get_text(&app, &admin, &queue).await?;
    ensure!(
        !page.contains("本轮已没有待审核的报告。"),
        "flash shown once"
    );
    app.finish().await;
    Ok(())
}

#[tokio::test]
async fn accept_and_next_return_notice_and_closed_rounds() -> Result<()> {
    for b in backends() {
        next_and_return(b)
            .await
            .with_context(|| format!("on {b:?}"))?;
    }
    Ok(())
}

async fn next_and_return(b: Backend) -> Result<()> {
    let app = seeded(b).await?;
    let ids = task_ids(&app).await?;
    let admin = app.login("admin").await?;
    let unit_b = app.login("unit_b").await?;
    let (round, [r1, r2, r3]) = round_with_reports(&app, "2026年4月", "进口整车5200辆。").await?;

    // The review page asks for a confirmation and offers 通过并审下一条.
    let page = get_text(&app, &admin, &format!("/admin/reports/{r1}")).await?;
    ensure!(page.contains("通过并审下一条") && page.contains("确认通过（不可撤销）"));
    ensure!(page.contains("确认退回"));

    // Accept and go on: the next report waiting, with the success message.
    let (s, to, _) = post_form_full(
        &app,
        &admin,
        &format!("/admin/reports/{r1}/accept"),
        &[("confirm", "1"), ("next", "1")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "{s}");
    ensure!(to == format!("/admin/reports/{r2}"), "next: {to}");
    let page = get_text(&app, &admin, &to).await?;
    ensure!(page.contains("class=\"flash\"") && page.contains("报告已通过。"));

    // A return keeps the typed reason when refused, then tells the unit with a link.
    let (s, body) = post_form(
        &app,
        &admin,
        &format!("/admin/reports/{r3}/return"),
        &[("reason", "   ")],
    )
    .await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "{s}");
    ensure!(
        body.contains("aria-invalid=\"true\"")
            && body.contains("aria-describedby=\"return-error\"")
    );
    let (s, _) = post_form(
        &app,
        &admin,
        &format!("/admin/reports/{r3}/return"),
        &[("reason", "请补充会展中心的形象进度百分比")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "{s}");
    let inbox = get_text(&app, &unit_b, "/notifications")
        .await?
        .replace("&#x2f;", "/");
    ensure!(inbox.contains("报告被退回") && inbox.contains("请补充会展中心的形象进度百分比"));
    ensure!(
        inbox.contains(&format!("/rounds/{round}/tasks/{}/report", ids[2])),
        "a link"
    );

    // While the round is open the task shows 被退回; once closed, the return is history.
    let task3 = format!("/tasks/{}", ids[2]);
    ensure!(
        get_text(&app, &admin, &task3)
            .await?
            .contains("报告被退回，尚未重新报送")
    );
    let (s, to, _) = post_form_full(
        &app,
        &admin,
        &format!("/admin/rounds/{round}/close"),
        &[("confirm", "1")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER && to == "/admin/rounds");
    let (_, rounds) = get(&app, &admin, "/admin/rounds").await?;
    ensure!(rounds.contains("填报轮次已关闭，本轮报告已锁定。"));
    ensure!(
        !get_text(&app, &admin, &task3)
            .await?
            .contains("报告被退回，尚未重新报送")
    );
    app.finish().await;
    Ok(())
}
