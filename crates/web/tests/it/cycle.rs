//! A whole reporting round over HTTP: the office opens it, a unit drafts (the live check
//! flags its self-status), submits, is returned with a reason, revises through a version
//! conflict, resubmits, and the office accepts; the version history, scope and the audit
//! chain are checked along the way.

use anyhow::{Context, Result, ensure};
use duban_store::{ReportStatus, Scope};
use reqwest::StatusCode;

use crate::helpers::{Backend, backends, cst_date_in, get, post_form, seeded, task_ids};

#[tokio::test]
async fn a_whole_round() -> Result<()> {
    for b in backends() {
        run(b).await.with_context(|| format!("on {b:?}"))?;
    }
    Ok(())
}

async fn run(b: Backend) -> Result<()> {
    let app = seeded(b).await?;
    let ids = task_ids(&app).await?;
    // Task 1 ("技术合同登记额增长15%") is led by unit A alone.
    let task = ids[0];
    let admin = app.login("admin").await?;
    let unit_a = app.login("unit_a").await?;
    let unit_b = app.login("unit_b").await?;

    // The office opens a round; a nameless one is refused.
    let (s, body) = post_form(
        &app,
        &admin,
        "/admin/rounds",
        &[("name", " "), ("due_date", "2026-01-31")],
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY
            && body.contains("轮次名称不能为空")
            && body.contains("name=\"name\" value=\" \" placeholder=\"如：2026年1月\" required aria-invalid=\"true\""),
        "{s}"
    );
    let due = cst_date_in(2);
    let (s, _) = post_form(
        &app,
        &admin,
        "/admin/rounds",
        &[("name", "2026年1月"), ("due_date", &due)],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "open round: {s}");
    let plan = app.store.plans().await?[0].id;
    let round = app.store.rounds(plan).await?.pop().context("round")?.id;
    let (s, body) = get(&app, &admin, "/admin/rounds").await?;
    ensure!(s == StatusCode::OK && body.contains("2026年1月") && body.contains(&due));

    // The unit sees the task as due soon.
    let (s, body) = get(&app, &unit_a, "/my").await?;
    ensure!(s == StatusCode::OK);
    let soon = body
        .split("id=\"due_soon\"")
        .nth(1)
        .context("due-soon group")?;
    ensure!(
        soon.contains("技术合同登记额增长15%"),
        "task not in 即将到期"
    );
    let form = format!("/rounds/{round}/tasks/{task}/report");
    let (s, body) = get(&app, &unit_a, &form).await?;
    ensure!(s == StatusCode::OK);
    ensure!(
        body.contains("技术合同登记额增速") && body.contains("name=\"fig0\""),
        "one number field per target"
    );
    ensure!(body.contains("保存草稿") && body.contains("提交"));

    // A figure that is not a number is refused, naming the field; nothing is saved.
    let (s, body) = post_form(
        &app,
        &unit_a,
        &form,
        &[
            ("narrative", "整体完成70%"),
            ("self_status", "done"),
            ("fig0", "十二"),
            ("version", ""),
            ("action", "save"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "{s}");
    ensure!(body.contains("“技术合同登记额增速”应填写数字") && body.contains("十二"));
    ensure!(
        body.contains("aria-invalid=\"true\" aria-describedby=\"err-fig0\"")
            && body.contains("id=\"err-fig0\""),
        "the figure's field is marked with its message"
    );
    ensure!(body.contains("整体完成70%"), "the user's text is kept");
    let t = duban_store::TaskId(task);
    ensure!(app.store.task_reports(t, &Scope::All).await?.is_empty());

    // The draft: 已完成 while the text says 完成70% and the figure is below target.
    let narrative = "技术合同登记额同比增长12%，全年工作整体完成70%。";
    let (s, _) = post_form(
        &app,
        &unit_a,
        &form,
        &[
            ("narrative", narrative),
            ("self_status", "done"),
            ("fig0", "12"),
            ("version", ""),
            ("action", "save"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "save: {s}");
    let (_, body) = get(&app, &unit_a, &format!("{form}?done=saved")).await?;
    ensure!(body.contains("草稿已保存"));
    ensure!(
        body.contains("自评为“已完成”，但进展写有“全年工作整体完成70%”"),
        "contradiction warning missing"
    );
    ensure!(
        body.contains("填报12%") && body.contains("未达成"),
        "figure judged against the target"
    );
    ensure!(body.contains("<mark title="), "evidence highlighted");
    let report = app
        .store
        .task_reports(t, &Scope::All)
        .await?
        .pop()
        .context("report")?;
    ensure!(
        report.figures["1:技术合同登记额"].as_f64() == Some(12.0),
        "{}",
        report.figures
    );

    // Submit.
    let (s, _) = post_form(
        &app,
        &unit_a,
        &form,
        &[
            ("narrative", narrative),
            ("self_status", "done"),
            ("fig0", "12"),
            ("version", "1"),
            ("action", "submit"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "submit: {s}");
    let id = report.id;

    // The office's queue and review page.
    let (s, body) = get(&app, &admin, &format!("/admin/rounds/{round}/review")).await?;
    ensure!(s == StatusCode::OK && body.contains(&format!("/admin/reports/{id}")));
    let review = format!("/admin/reports/{id}");
    let (s, body) = get(&app, &admin, &review).await?;
    ensure!(
        s == StatusCode::OK && body.contains("自评为“已完成”"),
        "review shows the live check"
    );

    // Return: an empty reason is refused and changes nothing.
    let (s, body) = post_form(
        &app,
        &admin,
        &format!("{review}/return"),
        &[("reason", "  ")],
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("退回必须填写理由"),
        "{s}"
    );
    let r = app.store.report(id, &Scope::All).await?.context("report")?;
    ensure!(r.status == ReportStatus::Submitted && r.version == 2);
    let reason = "自评与进展不符，请补充全年数据";
    let (s, _) = post_form(
        &app,
        &admin,
        &format!("{review}/return"),
        &[("reason", reason)],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER);

    // The unit sees the reason.
    let (_, body) = get(&app, &unit_a, "/my").await?;
    ensure!(
        body.split("id=\"returned\"")
            .nth(1)
            .is_some_and(|g| g.contains(reason))
    );
    let (_, body) = get(&app, &unit_a, &form).await?;
    ensure!(body.contains(reason) && body.contains("name=\"version\" value=\"3\""));

    // Two people revise version 3: the second save gets the conflict page with both texts.
    let colleague = app.login("unit_a").await?;
    let theirs = "同事的修改：技术合同登记额同比增长15.5%。";
    let (s, _) = post_form(
        &app,
        &colleague,
        &form,
        &[
            ("narrative", theirs),
            ("self_status", "on_schedule"),
            ("fig0", "15.5"),
            ("version", "3"),
            ("action", "save"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER);
    let mine = "我的修改：技术合同登记额同比增长16%，全年任务全部完成。";
    let (s, body) = post_form(
        &app,
        &unit_a,
        &form,
        &[
            ("narrative", mine),
            ("self_status", "done"),
            ("fig0", "16"),
            ("version", "3"),
            ("action", "save"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::CONFLICT, "stale save: {s}");
    ensure!(
        body.contains("版本冲突") && body.contains(theirs) && body.contains(mine),
        "both texts shown"
    );
    ensure!(
        body.contains("name=\"version\" value=\"4\""),
        "the form now targets the stored version"
    );
    let r = app.store.report(id, &Scope::All).await?.context("report")?;
    ensure!(
        r.narrative == theirs && r.version == 4,
        "the stale save wrote nothing"
    );

    // Having seen both, the unit resubmits its text.
    let (s, _) = post_form(
        &app,
        &unit_a,
        &form,
        &[
            ("narrative", mine),
            ("self_status", "done"),
            ("fig0", "16"),
            ("version", "4"),
            ("action", "submit"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "resubmit: {s}");
    let (_, body) = get(&app, &unit_a, &form).await?;
    ensure!(
        body.contains("已报送") && !body.contains("保存草稿"),
        "read-only after submit"
    );

    // Another unit can neither open nor post to it, nor reach the review.
    let (s, _) = get(&app, &unit_b, &form).await?;
    ensure!(s == StatusCode::NOT_FOUND, "unit B GET: {s}");
    let (s, _) = post_form(
        &app,
        &unit_b,
        &form,
        &[("narrative", "x"), ("action", "save")],
    )
    .await?;
    ensure!(s == StatusCode::NOT_FOUND, "unit B POST: {s}");
    let (s, _) = get(&app, &unit_b, &review).await?;
    ensure!(s == StatusCode::FORBIDDEN);
    let (s, _) = post_form(&app, &unit_b, &format!("{review}/accept"), &[]).await?;
    ensure!(s == StatusCode::FORBIDDEN);

    // Accept; the history lists every version with who saved it.
    let (s, _) = post_form(&app, &admin, &format!("{review}/accept"), &[]).await?;
    ensure!(s == StatusCode::SEE_OTHER);
    let versions = app.store.report_versions(id).await?;
    let statuses: Vec<_> = versions.iter().map(|v| v.status).collect();
    use ReportStatus::*;
    ensure!(
        statuses
            == [
                Draft, Submitted, Returned, Returned, Returned, Submitted, Accepted
            ],
        "{statuses:?}"
    );
    let (_, body) = get(&app, &admin, &review).await?;
    ensure!(body.matches("<tr class=\"version\">").count() == versions.len());
    ensure!(body.contains("已通过") && body.contains("admin") && body.contains("unit_a"));

    // One report reopened for a correction: the reason is required and shown to the unit.
    let (s, _) = post_form(&app, &admin, &format!("{review}/reopen"), &[("reason", "")]).await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = post_form(
        &app,
        &admin,
        &format!("{review}/reopen"),
        &[("reason", "请按统计局口径更正增速")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER);
    let (_, body) = get(&app, &unit_a, &form).await?;
    ensure!(
        body.contains("请按统计局口径更正增速") && body.contains("保存草稿"),
        "editable again"
    );

    // The office's final word needs a reason.
    let verdict = format!("/admin/tasks/{task}/verdict");
    let (s, _) = post_form(
        &app,
        &admin,
        &verdict,
        &[("verdict", "not_met"), ("reason", ""), ("back", &review)],
    )
    .await?;
    ensure!(s == StatusCode::BAD_REQUEST);
    let (s, _) = post_form(
        &app,
        &admin,
        &verdict,
        &[
            ("verdict", "not_met"),
            ("reason", "增速数据未经统计部门确认"),
            ("back", &review),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER);
    let d = app.store.task(t, &Scope::All).await?.context("task")?;
    ensure!(d.final_verdict == Some(duban_model::Verdict::NotMet));

    // Closing locks the round.
    let (s, _) = post_form(&app, &admin, &format!("/admin/rounds/{round}/close"), &[]).await?;
    ensure!(s == StatusCode::SEE_OTHER);
    let (_, body) = get(&app, &unit_a, &form).await?;
    ensure!(body.contains("本轮填报已关闭"));
    let (_, body) = get(&app, &unit_a, "/my").await?;
    ensure!(body.contains("当前没有开放的填报轮次") && body.contains("2026年1月（已关闭）"));
    let (s, body) = get(&app, &unit_a, &format!("/my?round={round}")).await?;
    ensure!(s == StatusCode::OK && body.contains("已关闭"));
    // Reopened before the close, so it waits among the returned ones, read-only now.
    let returned = body
        .split("id=\"returned\"")
        .nth(1)
        .context("returned group")?;
    ensure!(returned.contains("技术合同登记额增长15%") && returned.contains("查看"));

    ensure!(app.store.audit_verify().await?.ok(), "audit chain");
    app.finish().await;
    Ok(())
}

/// A cooperating unit may not file (or even open) the lead unit's report: it is told, in
/// Chinese, to contribute instead, and nothing reaches the review queue.
#[tokio::test]
async fn a_cooperating_unit_is_sent_to_contribute() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let ids = task_ids(&app).await?;
        // Task 2 ("进口整车5000辆以上") is led by unit B, unit A cooperates.
        let task = ids[1];
        let plan = app.store.plans().await?[0].id;
        let round = app
            .store
            .open_round(plan, "2026年1月", "2026-01-31", "test")
            .await?;
        let unit_a = app.login("unit_a").await?;
        let form = format!("/rounds/{}/tasks/{task}/report", round.id);
        let (s, body) = get(&app, &unit_a, &form).await?;
        ensure!(s == StatusCode::FORBIDDEN, "{b:?}: GET {s}");
        ensure!(
            body.contains("配合单位") && body.contains("/contribution"),
            "{b:?}: {body}"
        );
        let (s, body) = post_form(
            &app,
            &unit_a,
            &form,
            &[
                ("narrative", "进口整车5200辆"),
                ("self_status", "done"),
                ("action", "submit"),
            ],
        )
        .await?;
        ensure!(s == StatusCode::FORBIDDEN, "{b:?}: POST {s}");
        ensure!(body.contains("牵头单位"), "{b:?}: {body}");
        ensure!(app.store.review_queue(round.id).await?.is_empty());
        ensure!(
            app.store
                .task_reports(duban_store::TaskId(task), &Scope::All)
                .await?
                .is_empty()
        );
        // The contributions page is the way in.
        let (s, _) = get(
            &app,
            &unit_a,
            &format!("/rounds/{}/tasks/{task}/contribution", round.id),
        )
        .await?;
        ensure!(s == StatusCode::OK, "{b:?}: contribution page {s}");
        app.finish().await;
    }
    Ok(())
}
