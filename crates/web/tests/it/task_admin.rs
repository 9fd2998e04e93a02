//! Tasks kept by the office over HTTP: created with their targets read, refused with a clear
//! message when a unit is unknown or the deadline unreadable (nothing written), edited (units
//! change who sees the task, the targets are read again, the edit is audited), retired (gone
//! from lists and counts, listed under the retired filter, no longer editable).

use anyhow::{Context, Result, ensure};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    Backend, TestApp, UNIT_A, UNIT_B, User, backends, get, get_text, post_form, post_form_full,
    seeded,
};

#[tokio::test]
async fn create_edit_retire_tasks() -> Result<()> {
    for b in backends() {
        run(b).await.with_context(|| format!("on {b:?}"))?;
    }
    Ok(())
}

async fn json(app: &TestApp, u: &User, path: &str) -> Result<(StatusCode, Value)> {
    let res = u.client.get(app.url(path)).send().await?;
    let status = res.status();
    Ok((status, res.json().await.unwrap_or(Value::Null)))
}

async fn total(app: &TestApp, u: &User) -> Result<i64> {
    let (_, v) = json(app, u, "/api/overview").await?;
    v["counts"]["total"].as_i64().context("total")
}

async fn audit_len(app: &TestApp) -> Result<usize> {
    Ok(app.store.audit_entries(1000, None).await?.len())
}

pub(crate) fn task_fields<'a>(
    text: &'a str,
    lead: &'a str,
    coop: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("text", text),
        ("section", "绿色发展"),
        ("lead_units", lead),
        ("coop_units", coop),
        ("leader", "王副区长"),
        ("deadline", "2026年12月底"),
    ]
}

/// Creates a task as `admin` and returns its id.
pub(crate) async fn create_task(
    app: &TestApp,
    admin: &User,
    text: &str,
    lead: &str,
    coop: &str,
) -> Result<i64> {
    let (s, location, body) =
        post_form_full(app, admin, "/admin/tasks", &task_fields(text, lead, coop)).await?;
    ensure!(s == StatusCode::SEE_OTHER, "create: {s} {body}");
    location
        .strip_prefix("/tasks/")
        .context("redirect to the task")?
        .parse()
        .context("task id")
}

async fn run(b: Backend) -> Result<()> {
    let app = seeded(b).await?;
    let admin = app.login("admin").await?;
    let leader = app.login("leader").await?;
    let unit_a = app.login("unit_a").await?;
    let unit_b = app.login("unit_b").await?;
    let before_total = total(&app, &admin).await?;

    // --- Create ----------------------------------------------------------------------
    let form = get_text(&app, &admin, "/admin/tasks/new").await?;
    ensure!(
        form.contains("新建任务") && form.contains(UNIT_A),
        "form lists units"
    );
    let id = create_task(&app, &admin, "新建充电桩2500个", UNIT_A, UNIT_B).await?;
    let (s, t) = json(&app, &admin, &format!("/api/tasks/{id}")).await?;
    ensure!(s == StatusCode::OK, "api task: {s}");
    ensure!(t["text"] == "新建充电桩2500个", "{t}");
    ensure!(t["lead_units"] == serde_json::json!([UNIT_A]), "{t}");
    ensure!(t["coop_units"] == serde_json::json!([UNIT_B]), "{t}");
    ensure!(
        t["leader"] == "王副区长" && t["deadline"] == "2026年12月底",
        "{t}"
    );
    let targets = t["targets"].as_array().context("targets")?;
    ensure!(
        targets.iter().any(|g| g["value"].as_f64() == Some(2500.0)),
        "the target 2500 is read: {t}"
    );
    ensure!(total(&app, &admin).await? == before_total + 1, "counted");
    // Both units see it (lead and cooperating); the page says who added it.
    for u in [&unit_a, &unit_b] {
        let (s, _) = json(&app, u, &format!("/api/tasks/{id}")).await?;
        ensure!(s == StatusCode::OK, "unit sees its new task: {s}");
    }
    let page = get_text(&app, &admin, &format!("/tasks/{id}")).await?;
    ensure!(
        page.contains("督查办新增") && page.contains("修改任务"),
        "task page"
    );
    let entries = app.store.audit_entries(5, None).await?;
    ensure!(
        entries
            .iter()
            .any(|e| e.action == "task.create" && e.entity_id.as_deref() == Some(&id.to_string())),
        "creation audited"
    );

    // --- Bad input: a clear message, nothing written -------------------------------------
    let audited = audit_len(&app).await?;
    let (s, _, body) = post_form_full(
        &app,
        &admin,
        "/admin/tasks",
        &task_fields("新建公园3个", "不存在的局", ""),
    )
    .await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "unknown unit: {s}");
    ensure!(body.contains("单位“不存在的局”不存在"), "names the unit");
    ensure!(
        body.contains("新建公园3个"),
        "the form keeps what was typed"
    );
    let mut bad_deadline = task_fields("新建公园3个", UNIT_A, "");
    bad_deadline[5] = ("deadline", "尽快");
    let (s, _, body) = post_form_full(&app, &admin, "/admin/tasks", &bad_deadline).await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("完成时限“尽快”无法识别"),
        "{s}"
    );
    let (s, _, body) = post_form_full(
        &app,
        &admin,
        "/admin/tasks",
        &task_fields("新建公园3个", UNIT_A, UNIT_A),
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("既是牵头单位又是配合单位"),
        "{s}"
    );
    ensure!(
        total(&app, &admin).await? == before_total + 1,
        "nothing added"
    );
    ensure!(audit_len(&app).await? == audited, "nothing audited");

    // Units and leaders cannot write tasks.
    for u in [&unit_a, &leader] {
        let (s, _) = post_form(
            &app,
            u,
            &format!("/admin/tasks/{id}/edit"),
            &task_fields("改写", UNIT_A, ""),
        )
        .await?;
        ensure!(s == StatusCode::FORBIDDEN, "non-admin edit: {s}");
    }

    // --- Edit: the text's targets are read again, the units change who sees it ------------
    let edit = format!("/admin/tasks/{id}/edit");
    let page = get_text(&app, &admin, &edit).await?;
    ensure!(page.contains("新建充电桩2500个"), "edit form filled");
    let (s, _, body) = post_form_full(
        &app,
        &admin,
        &edit,
        &task_fields("新建充电桩3000个", UNIT_B, ""),
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "edit: {s} {body}");
    let (_, t) = json(&app, &admin, &format!("/api/tasks/{id}")).await?;
    ensure!(t["text"] == "新建充电桩3000个", "{t}");
    ensure!(t["lead_units"] == serde_json::json!([UNIT_B]), "{t}");
    ensure!(
        t["targets"]
            .as_array()
            .context("targets")?
            .iter()
            .any(|g| g["value"].as_f64() == Some(3000.0)),
        "targets re-read: {t}"
    );
    let (s, _) = json(&app, &unit_a, &format!("/api/tasks/{id}")).await?;
    ensure!(
        s == StatusCode::NOT_FOUND,
        "unit A no longer on the task: {s}"
    );
    let e = app.store.audit_entries(5, None).await?;
    let edit_entry = e
        .iter()
        .find(|e| e.action == "task.edit")
        .context("edit audited")?;
    ensure!(
        edit_entry
            .before_json
            .as_deref()
            .unwrap_or("")
            .contains("2500")
            && edit_entry
                .after_json
                .as_deref()
                .unwrap_or("")
                .contains("3000"),
        "before and after recorded"
    );
    // An edit without a lead unit is refused and changes nothing.
    let (s, _, body) =
        post_form_full(&app, &admin, &edit, &task_fields("新建充电桩1个", "", "")).await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("至少要有一个牵头单位"),
        "{s}"
    );
    let (_, t) = json(&app, &admin, &format!("/api/tasks/{id}")).await?;
    ensure!(t["text"] == "新建充电桩3000个", "unchanged after a refusal");

    // --- Retire ----------------------------------------------------------------------------
    let retire = format!("/admin/tasks/{id}/retire");
    let (s, _) = post_form(&app, &admin, &retire, &[("reason", " ")]).await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required: {s}"
    );
    let (s, _) = post_form(&app, &admin, &retire, &[("reason", "任务已并入其他事项")]).await?;
    ensure!(s == StatusCode::SEE_OTHER, "retire: {s}");
    ensure!(
        total(&app, &admin).await? == before_total,
        "no longer counted"
    );
    let list = get_text(&app, &admin, "/tasks").await?;
    ensure!(!list.contains("新建充电桩3000个"), "hidden from the list");
    let list = get_text(&app, &admin, "/tasks?retired=1").await?;
    ensure!(
        list.contains("新建充电桩3000个"),
        "listed under the retired filter"
    );
    let (s, page) = get(&app, &admin, &format!("/tasks/{id}")).await?;
    ensure!(
        s == StatusCode::OK && page.contains("任务已并入其他事项"),
        "history kept"
    );
    let (s, _, body) = post_form_full(
        &app,
        &admin,
        &edit,
        &task_fields("新建充电桩1个", UNIT_B, ""),
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("已撤销"),
        "retired: {s}"
    );
    ensure!(
        app.store.audit_verify().await?.first_broken.is_none(),
        "audit chain"
    );
    app.finish().await;
    Ok(())
}

#[tokio::test]
async fn split_into_subtasks() -> Result<()> {
    for b in backends() {
        split_run(b).await.with_context(|| format!("on {b:?}"))?;
    }
    Ok(())
}

async fn machine_verdict(app: &TestApp, id: i64) -> Result<Option<duban_model::Verdict>> {
    Ok(app
        .store
        .task(duban_store::TaskId(id), &duban_store::Scope::All)
        .await?
        .context("task")?
        .summary
        .machine_verdict)
}

/// Splits task 2 (进口整车5000辆以上, led by B) in two; a child without a lead unit is
/// refused and nothing is written; the parent stands where its worst child stands.
async fn split_run(b: Backend) -> Result<()> {
    use duban_model::Verdict;
    let app = seeded(b).await?;
    let t2 = crate::helpers::task_ids(&app).await?[1];
    let admin = app.login("admin").await?;
    let unit_a = app.login("unit_a").await?;
    let before_total = total(&app, &admin).await?;
    let audited = audit_len(&app).await?;
    let split = format!("/admin/tasks/{t2}/split");

    let (s, body) = post_form(
        &app,
        &admin,
        &split,
        &[(
            "children",
            "进口整车3000辆以上 | 区商务委\n进口整车2000辆以上 |",
        )],
    )
    .await?;
    ensure!(
        s == StatusCode::BAD_REQUEST && body.contains("第2项子任务：至少要有一个牵头单位"),
        "a child without a lead unit: {s}"
    );
    let (s, _) = post_form(&app, &unit_a, &split, &[("children", "x | 区科技局")]).await?;
    ensure!(s == StatusCode::FORBIDDEN, "a unit cannot split: {s}");
    ensure!(total(&app, &admin).await? == before_total, "nothing added");
    ensure!(audit_len(&app).await? == audited, "nothing audited");

    let (s, _) = post_form(
        &app,
        &admin,
        &split,
        &[(
            "children",
            &format!("进口整车3000辆以上 | {UNIT_B}\n进口整车2000辆以上 | {UNIT_A}"),
        )],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "split: {s}");
    let children = app.store.subtasks(duban_store::TaskId(t2)).await?;
    ensure!(children.len() == 2, "two sub-tasks");
    let (c1, c2) = (children[0].0.0, children[1].0.0);
    ensure!(
        total(&app, &admin).await? == before_total + 2,
        "children counted"
    );
    let (s, t) = json(&app, &unit_a, &format!("/api/tasks/{c2}")).await?;
    ensure!(
        s == StatusCode::OK && t["lead_units"] == serde_json::json!([UNIT_A]),
        "{t}"
    );
    let page = get_text(&app, &admin, &format!("/tasks/{t2}")).await?;
    ensure!(
        page.contains("由2项子任务汇总"),
        "the parent says how it stands"
    );

    // The worst child decides.
    let verdict = |id: i64, v: &'static str| {
        let admin = &admin;
        let app = &app;
        async move {
            post_form(
                app,
                admin,
                &format!("/admin/tasks/{id}/verdict"),
                &[("verdict", v), ("reason", "督查办核实")],
            )
            .await
        }
    };
    ensure!(
        verdict(c1, "met").await?.0 == StatusCode::SEE_OTHER,
        "override c1"
    );
    ensure!(
        verdict(c2, "not_met").await?.0 == StatusCode::SEE_OTHER,
        "override c2"
    );
    ensure!(
        machine_verdict(&app, t2).await? == Some(Verdict::NotMet),
        "one child missed: the parent missed"
    );
    ensure!(
        verdict(c2, "met").await?.0 == StatusCode::SEE_OTHER,
        "override c2 again"
    );
    ensure!(
        machine_verdict(&app, t2).await? == Some(Verdict::Met),
        "every child done: the parent done"
    );
    let (s, body) = post_form(
        &app,
        &admin,
        &format!("/admin/tasks/{c1}/split"),
        &[("children", "x | 区科技局")],
    )
    .await?;
    ensure!(
        s == StatusCode::BAD_REQUEST && body.contains("子任务不能再分解"),
        "{s}"
    );
    ensure!(
        app.store.audit_verify().await?.first_broken.is_none(),
        "audit chain"
    );
    app.finish().await;
    Ok(())
}
