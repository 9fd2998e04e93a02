//! Milestones (时间节点) over HTTP: one after the task's deadline is refused with a clear
//! message and writes nothing; one the office adds replaces the linear share of time in the
//! judgement of a part-year report (2000 of 5000 by the end of June is on schedule against
//! linear time, behind a 3000 milestone); removing it judges the report on linear time again.

use anyhow::{Context, Result, ensure};
use duban_model::Verdict;
use duban_store::{DraftInput, Scope, SelfStatus, TaskId};
use reqwest::StatusCode;

use crate::helpers::{Backend, UNIT_B, backends, get_text, post_form, seeded, task_ids};

#[tokio::test]
async fn milestones_replace_linear_time() -> Result<()> {
    for b in backends() {
        run(b).await.with_context(|| format!("on {b:?}"))?;
    }
    Ok(())
}

async fn run(b: Backend) -> Result<()> {
    let app = seeded(b).await?;
    // Task 2: 进口整车5000辆以上, led by B, due at the end of the plan year (2026).
    let t2 = task_ids(&app).await?[1];
    let task = TaskId(t2);
    let admin = app.login("admin").await?;
    let unit_b = app.login("unit_b").await?;
    let add = format!("/admin/tasks/{t2}/milestones");

    // Bad input: a clear message, nothing written.
    let audited = app.store.audit_entries(1000, None).await?.len();
    let (s, body) = post_form(
        &app,
        &admin,
        &add,
        &[
            ("due_date", "2027-01-31"),
            ("target_value", "5000"),
            ("target_unit", "辆"),
        ],
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("晚于任务完成时限"),
        "after the deadline: {s}"
    );
    let (s, body) = post_form(
        &app,
        &admin,
        &add,
        &[("due_date", "2026-06-30"), ("target_value", "三千")],
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("不是数字"),
        "{s}"
    );
    let (s, _) = post_form(
        &app,
        &unit_b,
        &add,
        &[("due_date", "2026-06-30"), ("target_value", "3000")],
    )
    .await?;
    ensure!(
        s == StatusCode::FORBIDDEN,
        "a unit cannot set milestones: {s}"
    );
    ensure!(
        app.store.task_milestones(task).await?.is_empty(),
        "none written"
    );
    ensure!(
        app.store.audit_entries(1000, None).await?.len() == audited,
        "nothing audited"
    );

    // The office's milestone: 3000 by the end of June.
    let (s, _) = post_form(
        &app,
        &admin,
        &add,
        &[
            ("due_date", "2026-06-30"),
            ("target_value", "3000"),
            ("target_unit", "辆"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "add: {s}");
    let (s, body) = post_form(
        &app,
        &admin,
        &add,
        &[("due_date", "2026-06-30"), ("stage", "开工")],
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("已有时间节点"),
        "same day: {s}"
    );
    let page = get_text(&app, &admin, &format!("/tasks/{t2}")).await?;
    ensure!(page.contains("完成3000辆"), "listed on the task page");

    // A June report: 2000 of 5000.
    let plan = app.store.plans().await?[0].id;
    let round = app
        .store
        .open_round(plan, "2026年6月", "2026-07-05", "test")
        .await?;
    let unit = app.store.unit_by_name(UNIT_B).await?.context("B")?.id;
    let r = app
        .store
        .save_draft(
            &DraftInput {
                task,
                round: round.id,
                unit,
                narrative: "截至6月底进口整车2000辆。".into(),
                figures: serde_json::json!({}),
                self_status: Some(SelfStatus::OnSchedule),
                delay_reason: None,
                next_steps: None,
                expected_version: None,
            },
            "unit_b",
        )
        .await?;
    let r = app.store.submit_report(r.id, r.version, "unit_b").await?;
    let (s, _) = post_form(
        &app,
        &admin,
        &format!("/admin/reports/{}/accept", r.id),
        &[],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "accept: {s}");
    let t = app.store.task(task, &Scope::All).await?.context("task")?;
    ensure!(
        t.summary.machine_verdict == Some(Verdict::NotMet),
        "behind the milestone: {:?} {:?}",
        t.summary.machine_verdict,
        t.explanation
    );
    ensure!(
        t.explanation
            .as_deref()
            .unwrap_or("")
            .contains("节点要求3000"),
        "{:?}",
        t.explanation
    );

    // The light names the missed milestone (its date has passed, the June report is behind).
    let page = get_text(&app, &admin, &format!("/tasks/{t2}")).await?;
    ensure!(
        page.contains("未完成时间节点（2026-06-30 完成3000辆）"),
        "the light names the milestone"
    );

    // Without the milestone, linear time (half the year) judges 40% on schedule.
    let id = app.store.task_milestones(task).await?[0].id;
    let (s, _) = post_form(
        &app,
        &admin,
        &format!("/admin/tasks/{t2}/milestones/{id}/delete"),
        &[],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "remove: {s}");
    let t = app.store.task(task, &Scope::All).await?.context("task")?;
    ensure!(
        t.summary.machine_verdict == Some(Verdict::Unverifiable),
        "on linear time: {:?} {:?}",
        t.summary.machine_verdict,
        t.explanation
    );
    ensure!(
        app.store.audit_verify().await?.first_broken.is_none(),
        "audit chain"
    );
    app.finish().await;
    Ok(())
}
