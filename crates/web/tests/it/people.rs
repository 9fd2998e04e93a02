//! People (issue 14): batch accounts with a credentials sheet and a forced change at first
//! login, generated resets, disable/enable, 姓名, unit merge; the public page (公开); 考核
//! scores and their weights.

use std::io::Read;

use anyhow::{Context, Result, ensure};
use duban_store::{DraftInput, Role, SelfStatus, TaskId, TokenScope};
use reqwest::StatusCode;

use crate::helpers::{
    PASSWORD, TestApp, UNIT_A, UNIT_B, backends, fixture_ledger, get, get_text, post_form,
    post_form_full, seeded, spawn_app, task_ids,
};

/// The shared strings of the workbook's only sheet, in the order they were written.
fn sheet_strings(bytes: &[u8]) -> Result<Vec<String>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut xml = String::new();
    zip.by_name("xl/sharedStrings.xml")?
        .read_to_string(&mut xml)?;
    Ok(xml
        .split("<t>")
        .skip(1)
        .filter_map(|s| s.split("</t>").next())
        .map(str::to_string)
        .collect())
}

fn draft(
    task: i64,
    round: duban_store::RoundId,
    unit: duban_store::UnitId,
    text: &str,
) -> DraftInput {
    DraftInput {
        task: TaskId(task),
        round,
        unit,
        narrative: text.into(),
        figures: serde_json::json!({}),
        self_status: Some(SelfStatus::OnSchedule),
        delay_reason: None,
        next_steps: None,
        expected_version: None,
    }
}

async fn api_login(app: &TestApp, user: &str, password: &str) -> Result<StatusCode> {
    Ok(app
        .client()
        .post(app.url("/api/session"))
        .json(&serde_json::json!({"username": user, "password": password}))
        .send()
        .await?
        .status())
}

#[tokio::test]
async fn batch_accounts_come_with_a_sheet_and_a_forced_change() -> Result<()> {
    for b in backends() {
        let app = spawn_app(b).await?;
        app.store
            .import_ledger(
                "2026年重点任务",
                &fixture_ledger(),
                "f.txt",
                "sha-f",
                "test",
            )
            .await?;
        app.add_user("admin", Role::Admin, None, false).await?;
        let admin = app.login("admin").await?;
        let page = get_text(&app, &admin, "/admin/users").await?;
        ensure!(
            page.contains("<strong>2</strong> 个单位还没有账号"),
            "{b:?}"
        );

        let res = admin
            .client
            .post(app.url("/admin/users/batch"))
            .form(&[("csrf", admin.csrf.as_str())])
            .send()
            .await?;
        ensure!(res.status() == StatusCode::OK, "{b:?}: {}", res.status());
        ensure!(
            res.headers()["content-type"]
                .to_str()?
                .contains("spreadsheetml"),
            "{b:?}"
        );
        ensure!(res.headers()["cache-control"] == "no-store", "{b:?}");
        let strings = sheet_strings(&res.bytes().await?)?;
        for h in [
            "单位",
            "姓名",
            "用户名",
            "初始密码",
            "登录地址",
            UNIT_A,
            UNIT_B,
        ] {
            ensure!(
                strings.iter().any(|s| s == h),
                "{b:?}: {h} not on the sheet"
            );
        }
        let a = app.store.unit_by_name(UNIT_A).await?.context("unit A")?;
        let username = format!("dw{}", a.id.0);
        let at = strings
            .iter()
            .position(|s| *s == username)
            .context("username on the sheet")?;
        let password = strings[at + 1].clone();
        ensure!(password.chars().count() == 16, "{b:?}: {password}");
        ensure!(strings[at - 1] == format!("{UNIT_A}联络员"), "{b:?}");

        let user = app.store.find_user(&username).await?.context("account")?;
        ensure!(user.must_change && user.unit_id == Some(a.id) && user.role == Role::Unit);
        ensure!(user.display_name == format!("{UNIT_A}联络员"));
        // Not kept in clear anywhere the office can read.
        let page = get_text(&app, &admin, "/admin/users").await?;
        ensure!(
            !page.contains(&password),
            "{b:?}: the password shows on the page"
        );
        ensure!(page.contains("当前计划的单位都已有账号"), "{b:?}");

        // The generated password logs in, and the account must change it first.
        let c = app.client();
        let res = c
            .post(app.url("/api/session"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await?;
        ensure!(res.status() == StatusCode::OK, "{b:?}");
        let res = c.get(app.url("/my")).send().await?;
        ensure!(res.headers()["location"] == "/password", "{b:?}");

        // Once more: nothing left to create.
        let (status, body) = post_form(&app, &admin, "/admin/users/batch", &[]).await?;
        ensure!(
            status == StatusCode::BAD_REQUEST && body.contains("都已有账号"),
            "{b:?}"
        );
        let audit = get_text(&app, &admin, "/admin/audit").await?;
        ensure!(audit.contains("批量新建单位账号"), "{b:?}");
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_disabled_account_cannot_log_in_or_use_a_token() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let admin = app.login("admin").await?;
        let unit_a = app.login("unit_a").await?;
        let id = app.store.find_user("unit_a").await?.context("unit_a")?.id;
        let token = app
            .store
            .create_token(id, "sync", TokenScope::Read, None, "test")
            .await?
            .secret;
        let bearer = |t: &str| {
            app.client()
                .get(app.url("/api/tasks"))
                .bearer_auth(t.to_string())
                .send()
        };
        ensure!(bearer(&token).await?.status() == StatusCode::OK, "{b:?}");

        let (status, location, _) =
            post_form_full(&app, &admin, &format!("/admin/users/{id}/disable"), &[]).await?;
        ensure!(status == StatusCode::SEE_OTHER && location.ends_with("/admin/users"));
        let page = get_text(&app, &admin, "/admin/users").await?;
        ensure!(page.contains("已停用"), "{b:?}");
        // Its session is gone, its password and token no longer work.
        let res = unit_a.client.get(app.url("/my")).send().await?;
        ensure!(
            res.status() == StatusCode::SEE_OTHER,
            "{b:?}: {}",
            res.status()
        );
        ensure!(api_login(&app, "unit_a", PASSWORD).await? == StatusCode::UNAUTHORIZED);
        ensure!(
            bearer(&token).await?.status() == StatusCode::UNAUTHORIZED,
            "{b:?}"
        );
        // The office cannot lock itself out.
        let me = app.store.find_user("admin").await?.context("admin")?.id;
        let (status, body) =
            post_form(&app, &admin, &format!("/admin/users/{me}/disable"), &[]).await?;
        ensure!(status == StatusCode::BAD_REQUEST && body.contains("不能停用自己"));

        post_form(&app, &admin, &format!("/admin/users/{id}/enable"), &[]).await?;
        ensure!(
            api_login(&app, "unit_a", PASSWORD).await? == StatusCode::OK,
            "{b:?}"
        );
        ensure!(bearer(&token).await?.status() == StatusCode::OK, "{b:?}");
        let audit = get_text(&app, &admin, "/admin/audit").await?;
        ensure!(
            audit.contains("停用账号") && audit.contains("启用账号"),
            "{b:?}"
        );
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_reset_can_generate_the_temporary_password_and_names_can_change() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let admin = app.login("admin").await?;
        let id = app.store.find_user("unit_b").await?.context("unit_b")?.id;
        let (status, body) = post_form(
            &app,
            &admin,
            &format!("/admin/users/{id}/password"),
            &[("password", "")],
        )
        .await?;
        ensure!(status == StatusCode::OK, "{b:?}: {status}");
        let password: String = body
            .split("临时密码：")
            .nth(1)
            .and_then(|s| s.split('（').next())
            .context("the generated password on the page")?
            .to_string();
        ensure!(password.chars().count() == 16, "{b:?}: {password}");
        ensure!(api_login(&app, "unit_b", PASSWORD).await? == StatusCode::UNAUTHORIZED);
        ensure!(api_login(&app, "unit_b", &password).await? == StatusCode::OK);
        ensure!(
            app.store
                .find_user("unit_b")
                .await?
                .context("u")?
                .must_change
        );

        let (status, _) = post_form(
            &app,
            &admin,
            &format!("/admin/users/{id}/name"),
            &[("display_name", "王小明")],
        )
        .await?;
        ensure!(status == StatusCode::SEE_OTHER, "{b:?}");
        ensure!(app.store.user(id).await?.context("u")?.display_name == "王小明");
        // Pages name the person and unit where records keep the account name.
        let ids = task_ids(&app).await?;
        let plan = app.store.plans().await?[0].id;
        let round = app
            .store
            .open_round(plan, "2026年1月", "2099-01-31", "test")
            .await?;
        let bb = app.store.unit_by_name(UNIT_B).await?.context("B")?.id;
        let r = app
            .store
            .save_draft(&draft(ids[2], round.id, bb, "按计划推进。"), "unit_b")
            .await?;
        app.store.submit_report(r.id, r.version, "unit_b").await?;
        let page = get_text(&app, &admin, &format!("/tasks/{}", ids[2])).await?;
        ensure!(
            page.contains("王小明（区商务委）"),
            "{b:?}: the task page names the person"
        );
        let audit = get_text(&app, &admin, "/admin/audit").await?;
        ensure!(
            audit.contains("admin（督查办）"),
            "{b:?}: the audit log names the office"
        );
        let (status, body) = post_form(
            &app,
            &admin,
            &format!("/admin/users/{id}/name"),
            &[("display_name", "  ")],
        )
        .await?;
        ensure!(status == StatusCode::BAD_REQUEST && body.contains("姓名不能为空"));
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn merging_a_unit_moves_its_work_and_keeps_its_name_as_an_alias() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let admin = app.login("admin").await?;
        let ids = task_ids(&app).await?;
        let a = app.store.unit_by_name(UNIT_A).await?.context("A")?.id;
        let bb = app.store.unit_by_name(UNIT_B).await?.context("B")?.id;
        let (status, body) = post_form(
            &app,
            &admin,
            "/admin/units/merge",
            &[
                ("into", &a.0.to_string()),
                ("from", &a.0.to_string()),
                ("confirm", "yes"),
            ],
        )
        .await?;
        ensure!(status == StatusCode::BAD_REQUEST && body.contains("不能把单位合并到它自己"));
        // Without the confirmation nothing happens, and the choice is kept.
        let (status, body) = post_form(
            &app,
            &admin,
            "/admin/units/merge",
            &[("into", &bb.0.to_string()), ("from", &a.0.to_string())],
        )
        .await?;
        ensure!(
            status == StatusCode::BAD_REQUEST && body.contains("确认合并"),
            "{b:?}"
        );
        ensure!(
            body.contains(&format!("value=\"{}\" selected", bb.0)),
            "{b:?}"
        );

        // A (lead of task 1, co-operating on task 2 which B leads) into B.
        let (status, body) = post_form(
            &app,
            &admin,
            "/admin/units/merge",
            &[
                ("into", &bb.0.to_string()),
                ("from", &a.0.to_string()),
                ("confirm", "yes"),
            ],
        )
        .await?;
        ensure!(status == StatusCode::OK, "{b:?}: {status}");
        ensure!(body.contains("合并重复 1 项"), "{b:?}: {body}");
        ensure!(app.store.unit(a).await?.is_none(), "{b:?}");
        let merged = app.store.unit_by_name(UNIT_A).await?.context("alias")?;
        ensure!(merged.id == bb && merged.aliases.contains(&UNIT_A.to_string()));
        ensure!(
            merged.lead_tasks == 3 && merged.coop_tasks == 0,
            "{b:?}: {merged:?}"
        );
        let user = app.store.find_user("unit_a").await?.context("unit_a")?;
        ensure!(user.unit_id == Some(bb), "{b:?}");
        // unit_a now works for B: it sees task 3, which only B leads.
        let unit_a = app.login("unit_a").await?;
        let (status, _) = get(&app, &unit_a, &format!("/tasks/{}", ids[2])).await?;
        ensure!(status == StatusCode::OK, "{b:?}");
        let audit = get_text(&app, &admin, "/admin/audit").await?;
        ensure!(audit.contains("合并单位"), "{b:?}");
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn merging_is_refused_across_plans_and_over_two_reports() -> Result<()> {
    for b in backends() {
        // Task 3 led by both units, as a ledger naming one unit twice would have it.
        let app = spawn_app(b).await?;
        let mut ledger = fixture_ledger();
        ledger.tasks[2]
            .lead_units
            .push(duban_model::UnitRef::new(UNIT_A));
        app.store
            .import_ledger("2026年重点任务", &ledger, "f.txt", "sha-f", "test")
            .await?;
        let plan = app.store.plans().await?[0].id;
        let (tasks, _) = app
            .store
            .list_tasks(plan, &Default::default(), &duban_store::Scope::All)
            .await?;
        let ids: Vec<i64> = tasks.iter().map(|t| t.id.0).collect();
        let a = app.store.unit_by_name(UNIT_A).await?.context("A")?.id;
        let bb = app.store.unit_by_name(UNIT_B).await?.context("B")?.id;
        // Both report on task 3 in one round: which report stands is the office's call.
        let round = app
            .store
            .open_round(plan, "2026年1月", "2099-01-31", "test")
            .await?;
        for (unit, who) in [(a, "unit_a"), (bb, "unit_b")] {
            app.store
                .save_draft(&draft(ids[2], round.id, unit, "推进中。"), who)
                .await?;
        }
        let err = app.store.merge_units(bb, a, "test").await.unwrap_err();
        ensure!(
            err.to_string().contains("各有进展报告（1份）"),
            "{b:?}: {err}"
        );
        ensure!(app.store.unit(a).await?.is_some(), "{b:?}: nothing moved");

        // A unit only a second plan names cannot merge into one of the first.
        let mut other = fixture_ledger();
        for t in &mut other.tasks {
            t.lead_units = vec![duban_model::UnitRef::new("区外事办")];
            t.coop_units.clear();
        }
        app.store
            .import_ledger("2027年重点任务", &other, "g.txt", "sha-g", "test")
            .await?;
        let waiban = app
            .store
            .unit_by_name("区外事办")
            .await?
            .context("外事办")?
            .id;
        let err = app.store.merge_units(bb, waiban, "test").await.unwrap_err();
        ensure!(err.to_string().contains("不同的年度计划"), "{b:?}: {err}");
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_later_import_naming_a_merged_unit_maps_to_the_survivor() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let a = app.store.unit_by_name(UNIT_A).await?.context("A")?.id;
        let bb = app.store.unit_by_name(UNIT_B).await?.context("B")?.id;
        app.store.merge_units(bb, a, "test").await?;
        app.store
            .import_ledger(
                "2027年重点任务",
                &fixture_ledger(),
                "h.txt",
                "sha-h",
                "test",
            )
            .await?;
        let units = app.store.units().await?;
        ensure!(units.len() == 1 && units[0].id == bb, "{b:?}: {units:?}");
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn the_public_page_is_opt_in_and_shows_no_people() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let ids = task_ids(&app).await?;
        let plan = app.store.plans().await?[0].id;
        let path = format!("/public/{plan}");
        let anon = app.client();
        ensure!(anon.get(app.url(&path)).send().await?.status() == StatusCode::NOT_FOUND);

        // Internal matter a public page must not show: a report, an override reason, names.
        let round = app
            .store
            .open_round(plan, "2026年1月", "2099-01-31", "test")
            .await?;
        let bb = app.store.unit_by_name(UNIT_B).await?.context("B")?.id;
        let draft = DraftInput {
            task: TaskId(ids[2]),
            round: round.id,
            unit: bb,
            narrative: "内部进展：地块尚有争议。".into(),
            figures: serde_json::json!({}),
            self_status: Some(SelfStatus::Lagging),
            delay_reason: Some("审批卡在规划局".into()),
            next_steps: None,
            expected_version: None,
        };
        let r = app.store.save_draft(&draft, "unit_b").await?;
        app.store.submit_report(r.id, r.version, "unit_b").await?;

        let admin = app.login("admin").await?;
        let (status, body) = post_form(&app, &admin, "/admin/public", &[("public", "on")]).await?;
        ensure!(
            status == StatusCode::OK && body.contains("已开启公开页面"),
            "{b:?}"
        );
        let (status, _) = post_form(
            &app,
            &admin,
            &format!("/admin/tasks/{}/public-note", ids[2]),
            &[("note", "会展中心主体结构已封顶。")],
        )
        .await?;
        ensure!(status == StatusCode::SEE_OTHER, "{b:?}");

        let res = anon.get(app.url(&path)).send().await?;
        ensure!(res.status() == StatusCode::OK, "{b:?}");
        ensure!(
            res.headers()["cache-control"].to_str()?.contains("public"),
            "{b:?}"
        );
        let html = res.text().await?;
        for shown in [
            "建成会展中心",
            "会展中心主体结构已封顶。",
            UNIT_B,
            "开放发展",
        ] {
            ensure!(html.contains(shown), "{b:?}: {shown} missing");
        }
        for hidden in [
            "unit_b",
            "unit_a",
            "admin",
            "leader",
            "内部进展",
            "审批卡在规划局",
            "csrf",
            "退出",
        ] {
            ensure!(!html.contains(hidden), "{b:?}: {hidden} on the public page");
        }
        // A new note shows at once: the cache follows the plan's revision.
        post_form(
            &app,
            &admin,
            &format!("/admin/tasks/{}/public-note", ids[2]),
            &[("note", "已进入装修阶段。")],
        )
        .await?;
        let html = anon.get(app.url(&path)).send().await?.text().await?;
        ensure!(
            html.contains("已进入装修阶段。") && !html.contains("已封顶"),
            "{b:?}"
        );
        let too_long = "长".repeat(2001);
        let (status, body) = post_form(
            &app,
            &admin,
            &format!("/admin/tasks/{}/public-note", ids[2]),
            &[("note", &too_long)],
        )
        .await?;
        ensure!(
            status == StatusCode::BAD_REQUEST && body.contains("不能超过2000"),
            "{b:?}"
        );

        post_form(&app, &admin, "/admin/public", &[("public", "off")]).await?;
        ensure!(anon.get(app.url(&path)).send().await?.status() == StatusCode::NOT_FOUND);
        ensure!(anon.get(app.url("/public/x")).send().await?.status() == StatusCode::NOT_FOUND);
        let audit = get_text(&app, &admin, "/admin/audit").await?;
        ensure!(
            audit.contains("开启公开页面") && audit.contains("设置公开说明"),
            "{b:?}"
        );
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn scores_rank_units_under_the_plans_weights() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let ids = task_ids(&app).await?;
        let plan = app.store.plans().await?[0].id;
        let round = app
            .store
            .open_round(plan, "2026年1月", "2099-01-31", "test")
            .await?;
        let bb = app.store.unit_by_name(UNIT_B).await?.context("B")?.id;
        // B reports both its tasks on time; A reports nothing.
        for task in [ids[1], ids[2]] {
            let r = app
                .store
                .save_draft(&draft(task, round.id, bb, "按计划推进。"), "unit_b")
                .await?;
            app.store.submit_report(r.id, r.version, "unit_b").await?;
        }
        let admin = app.login("admin").await?;
        let page = get_text(&app, &admin, "/scores").await?;
        ensure!(page.contains(UNIT_A) && page.contains(UNIT_B), "{b:?}");
        ensure!(page.contains("满分100分"), "{b:?}");
        // B: 40 on time + 20 not returned + met share; A sent nothing: 0 for the rates.
        let b_at = page.find(UNIT_B).context("B row")?;
        let a_at = page.find(UNIT_A).context("A row")?;
        ensure!(b_at < a_at, "{b:?}: B ranks first");

        // A unit sees only its own row, with its real place.
        let unit_a = app.login("unit_a").await?;
        let own = get_text(&app, &unit_a, "/scores").await?;
        ensure!(
            own.contains(UNIT_A) && !own.contains(&format!(">{UNIT_B}<")),
            "{b:?}"
        );
        ensure!(own.contains("<td>2</td>"), "{b:?}: A is second");

        // Weights: a mistake keeps the input and marks the field.
        let (status, body) = post_form(
            &app,
            &admin,
            "/admin/scores",
            &[
                ("on_time", "60"),
                ("not_returned", "abc"),
                ("met", "40"),
                ("per_red_light", "1"),
                ("per_overdue_notice", "5"),
            ],
        )
        .await?;
        ensure!(status == StatusCode::BAD_REQUEST, "{b:?}");
        ensure!(body.contains("未被退回分值须填写数字") && body.contains("aria-invalid"));
        ensure!(
            body.contains("value=\"abc\"") && body.contains("value=\"60\""),
            "{b:?}"
        );
        let (status, body) = post_form(
            &app,
            &admin,
            "/admin/scores",
            &[
                ("on_time", "60"),
                ("not_returned", "0"),
                ("met", "40"),
                ("per_red_light", "1"),
                ("per_overdue_notice", "5"),
            ],
        )
        .await?;
        ensure!(
            status == StatusCode::OK && body.contains("考核规则已保存"),
            "{b:?}"
        );
        let rules = app.store.score_rules(plan).await?;
        ensure!(rules.on_time == 60.0 && rules.not_returned == 0.0, "{b:?}");
        let audit = get_text(&app, &admin, "/admin/audit").await?;
        ensure!(audit.contains("设置考核规则"), "{b:?}");
        app.finish().await;
    }
    Ok(())
}
