//! Forms that fail on a person's mistake come back with the typed input kept and the
//! message beside the field (`aria-invalid`, `aria-describedby`), status 422 — never a bare
//! error page; nothing is written; the next try succeeds and says so.

use anyhow::{Context, Result, ensure};
use duban_store::{Scope, TaskId};
use reqwest::StatusCode;

use crate::helpers::{
    Backend, UNIT_B, backends, get_text, post_form, post_form_full, seeded, task_ids,
};

#[tokio::test]
async fn failed_forms_keep_what_was_typed() -> Result<()> {
    for b in backends() {
        run(b).await.with_context(|| format!("on {b:?}"))?;
    }
    Ok(())
}

/// The re-rendered page: a whole page of the service, the field marked and described.
fn marked(body: &str, field_error_id: &str) -> bool {
    body.contains("<html")
        && body.contains("aria-invalid=\"true\"")
        && body.contains(&format!("aria-describedby=\"{field_error_id}\""))
        && body.contains(&format!("id=\"{field_error_id}\""))
}

async fn run(b: Backend) -> Result<()> {
    let app = seeded(b).await?;
    let ids = task_ids(&app).await?;
    let admin = app.login("admin").await?;
    let unit_a = app.login("unit_a").await?;
    let unit_b = app.login("unit_b").await?;
    let b_id = app.store.unit_by_name(UNIT_B).await?.context("b")?.id;

    // 督办单 with a deadline in words: the text, unit and level stay; the deadline is marked.
    let issue = format!("/admin/tasks/{}/notices", ids[1]);
    let text = "请于本周内报送进口整车分月数据及下一步措施";
    let (s, body) = post_form(
        &app,
        &admin,
        &issue,
        &[
            ("unit", &b_id.to_string()),
            ("level", "red"),
            ("deadline", "下周五"),
            ("text", text),
        ],
    )
    .await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "notice: {s}");
    ensure!(
        body.contains(text) && body.contains("value=\"下周五\""),
        "typed kept"
    );
    ensure!(body.contains("办理期限“下周五”格式不对"));
    ensure!(marked(&body, "notice-error"));
    ensure!(
        body.contains("value=\"red\" selected"),
        "the level chosen stays chosen"
    );
    ensure!(
        app.store
            .task_notices(TaskId(ids[1]), &Scope::All)
            .await?
            .is_empty(),
        "nothing written"
    );
    let (s, to, _) = post_form_full(
        &app,
        &admin,
        &issue,
        &[
            ("unit", &b_id.to_string()),
            ("level", "red"),
            ("deadline", "2099-12-31"),
            ("text", text),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "{s}");
    ensure!(
        get_text(&app, &admin, &to)
            .await?
            .contains("督办单已下发。")
    );

    // 延期申请 without a reason: the date stays, the reason is marked.
    let (s, body) = post_form(
        &app,
        &unit_a,
        &format!("/tasks/{}/extensions", ids[0]),
        &[("requested_date", "2099-03-31"), ("reason", "  ")],
    )
    .await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "extension: {s}");
    ensure!(body.contains("value=\"2099-03-31\"") && body.contains("延期申请必须填写理由"));
    ensure!(marked(&body, "extension-error"));

    // 签收 change request without a reason: the proposal stays.
    let (s, _) = post_form(&app, &admin, "/admin/handover", &[]).await?;
    ensure!(s == StatusCode::SEE_OTHER);
    let proposal = "进口整车4000辆以上（按海关口径）";
    let (s, body) = post_form(
        &app,
        &unit_b,
        &format!("/tasks/{}/change-requests", ids[1]),
        &[("kind", "text"), ("proposal", proposal), ("reason", "")],
    )
    .await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "change: {s}");
    ensure!(body.contains(proposal) && body.contains("调整申请必须填写理由"));
    ensure!(marked(&body, "change-error"));

    // A milestone whose target is not a number: its words stay.
    let (s, body) = post_form(
        &app,
        &admin,
        &format!("/admin/tasks/{}/milestones", ids[1]),
        &[
            ("due_date", "2026-06-30"),
            ("label", "6月底完成2500辆"),
            ("target_value", "两千五"),
            ("target_unit", "辆"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "milestone: {s}");
    ensure!(body.contains("6月底完成2500辆") && body.contains("value=\"两千五\""));
    ensure!(body.contains("节点目标值“两千五”不是数字") && marked(&body, "milestone-error"));

    // 不同意 without a note, on the office's list of extension requests: the row is marked.
    let (s, _) = post_form(
        &app,
        &unit_a,
        &format!("/tasks/{}/extensions", ids[0]),
        &[("requested_date", "2099-03-31"), ("reason", "数据口径调整")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER);
    let ext = app
        .store
        .extensions(&Default::default(), &Scope::All)
        .await?
        .pop()
        .context("ext")?;
    let (s, body) = post_form(
        &app,
        &admin,
        &format!("/admin/extensions/{}/decide", ext.id),
        &[("decision", "refuse"), ("note", " ")],
    )
    .await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "refusal: {s}");
    ensure!(
        body.contains("不同意延期必须填写说明")
            && marked(&body, &format!("decide-error-{}", ext.id))
    );

    // 领导批示 left empty, then a unit's empty answer: the page, not a bare error.
    let leader = app.login("leader").await?;
    let (s, body) = post_form(
        &app,
        &leader,
        &format!("/tasks/{}/instructions", ids[0]),
        &[("text", " ")],
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY && marked(&body, "instruction-error"),
        "{s}"
    );
    app.finish().await;
    Ok(())
}

#[tokio::test]
async fn a_failed_password_change_marks_the_field_and_echoes_no_password() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let u = app.login("unit_a").await?;
        let (s, body) = post_form(
            &app,
            &u,
            "/password",
            &[
                ("current", "not-my-password-7"),
                ("new", "brand-new-pass-2"),
                ("confirm", "brand-new-pass-2"),
            ],
        )
        .await?;
        ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "{b:?}: {s}");
        ensure!(body.contains("原密码不正确") && marked(&body, "password-error"));
        ensure!(
            !body.contains("not-my-password-7") && !body.contains("brand-new-pass-2"),
            "{b:?}: passwords are never sent back"
        );
        let (s, body) = post_form(
            &app,
            &u,
            "/password",
            &[
                ("current", crate::helpers::PASSWORD),
                ("new", "brand-new-pass-2"),
                ("confirm", "brand-new-pass-3"),
            ],
        )
        .await?;
        ensure!(s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("两次输入的新密码不一致"));
        let (s, to, _) = post_form_full(
            &app,
            &u,
            "/password",
            &[
                ("current", crate::helpers::PASSWORD),
                ("new", "brand-new-pass-2"),
                ("confirm", "brand-new-pass-2"),
            ],
        )
        .await?;
        ensure!(s == StatusCode::SEE_OTHER && to == "/", "{b:?}: {s} {to}");
        ensure!(
            get_text(&app, &u, "/").await?.contains("密码已修改。"),
            "{b:?}: flash"
        );
        app.finish().await;
    }
    Ok(())
}

/// The office's own forms — a new round, a task, an account — mark the field their message
/// is about too, with what was typed kept, and write nothing.
#[tokio::test]
async fn the_offices_forms_mark_the_field_at_fault() -> Result<()> {
    for b in backends() {
        office_forms(b).await.with_context(|| format!("on {b:?}"))?;
    }
    Ok(())
}

async fn office_forms(b: Backend) -> Result<()> {
    let app = seeded(b).await?;
    let admin = app.login("admin").await?;
    let plan = app.store.plans().await?[0].id;

    let (s, body) = post_form(
        &app,
        &admin,
        "/admin/rounds",
        &[("name", "第三季度"), ("due_date", "九月底")],
    )
    .await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "round: {s}");
    ensure!(marked(&body, "round-error"), "round: the field is marked");
    ensure!(
        body.contains("value=\"第三季度\""),
        "round: the name is kept"
    );
    let due = body
        .split("name=\"due_date\"")
        .nth(1)
        .context("due date field")?;
    ensure!(
        due.split('>')
            .next()
            .is_some_and(|t| t.contains("aria-invalid")),
        "round: the date is the field marked"
    );
    ensure!(app.store.rounds(plan).await?.is_empty(), "no round opened");

    let tasks_before = task_ids(&app).await?.len();
    let (s, body) = post_form(
        &app,
        &admin,
        "/admin/tasks",
        &[
            ("text", "新建智慧停车场3处"),
            ("section", "城市治理"),
            ("lead_units", "区科技局"),
            ("coop_units", "不存在的单位"),
            ("leader", ""),
            ("deadline", ""),
        ],
    )
    .await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "task: {s}");
    ensure!(marked(&body, "task-error"), "task: the field is marked");
    let coop = body
        .split("name=\"coop_units\"")
        .nth(1)
        .context("coop field")?;
    ensure!(
        coop.split('>')
            .next()
            .is_some_and(|t| t.contains("aria-invalid")),
        "task: the unknown unit's field is the one marked"
    );
    ensure!(body.contains("新建智慧停车场3处"), "task: the text is kept");
    ensure!(
        task_ids(&app).await?.len() == tasks_before,
        "no task written"
    );

    let (s, body) = post_form(
        &app,
        &admin,
        "/admin/users",
        &[
            ("username", "zhangsan"),
            ("display_name", "张三"),
            ("role", "leader"),
            ("unit_id", ""),
            ("password", "short"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::UNPROCESSABLE_ENTITY, "user: {s}");
    ensure!(marked(&body, "user-error"), "user: the field is marked");
    ensure!(body.contains("value=\"张三\""), "user: the name is kept");
    ensure!(
        !body.contains("value=\"short\""),
        "a password is never sent back"
    );
    ensure!(app.store.find_user("zhangsan").await?.is_none());
    app.finish().await;
    Ok(())
}
