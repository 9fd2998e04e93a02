//! The exports over HTTP: the task list and a round's reports as CSV (read back with a
//! CSV parser, compared with the JSON API) and the plan as JSON, on every backend.

use anyhow::{Context, Result, ensure};
use duban_model::Verdict;
use duban_store::{DraftInput, NewNotice, NoticeLevel, Role, Scope, TaskFilter};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Backend, TestApp, UNIT_A, UNIT_B, User, backends, fixture_ledger, spawn_app};

/// The fixture with a responsible leader on task 2, and the four accounts.
async fn app_with_leaders(b: Backend) -> Result<TestApp> {
    let app = spawn_app(b).await?;
    let mut l = fixture_ledger();
    l.tasks[1].leader = Some("杨副区长".into());
    app.store
        .import_ledger("2026年重点任务", &l, "fixture.txt", "fixture-sha", "test")
        .await?;
    app.add_user("admin", Role::Admin, None, false).await?;
    app.add_user("leader", Role::Leader, None, false).await?;
    app.add_user("unit_b", Role::Unit, Some(UNIT_B), false)
        .await?;
    Ok(app)
}

/// A CSV download: checks the type and the BOM, returns the header and the records.
async fn csv(app: &TestApp, u: &User, path: &str) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let res = u.client.get(app.url(path)).send().await?;
    ensure!(
        res.status() == StatusCode::OK,
        "GET {path}: {}",
        res.status()
    );
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    ensure!(ct.starts_with("text/csv"), "{ct}");
    let cd = res
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    ensure!(cd.starts_with("attachment;") && cd.contains(".csv"), "{cd}");
    let bytes = res.bytes().await?;
    let body = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .context("UTF-8 byte-order mark for Excel")?;
    let mut r = csv::ReaderBuilder::new().from_reader(body);
    let header: Vec<String> = r.headers()?.iter().map(str::to_string).collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        rows.push(rec?.iter().map(str::to_string).collect());
    }
    Ok((header, rows))
}

async fn api(app: &TestApp, u: &User, path: &str) -> Result<Value> {
    let res = u.client.get(app.url(path)).send().await?;
    ensure!(
        res.status() == StatusCode::OK,
        "GET {path}: {}",
        res.status()
    );
    Ok(res.json().await?)
}

fn col(header: &[String], name: &str) -> Result<usize> {
    header
        .iter()
        .position(|h| h == name)
        .with_context(|| format!("column {name} in {header:?}"))
}

fn label(code: &Value) -> String {
    code.as_str()
        .and_then(Verdict::parse)
        .map(|v| v.label_zh().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_task_list_exports_as_csv_with_its_filters() -> Result<()> {
    for b in backends() {
        let app = app_with_leaders(b).await?;
        let leader = app.login("leader").await?;
        let v = api(&app, &leader, "/api/tasks").await?;
        let tasks = v["tasks"].as_array().context("tasks")?.clone();
        let (header, rows) = csv(&app, &leader, "/downloads/tasks.csv").await?;
        ensure!(
            rows.len() == tasks.len() && rows.len() == 3,
            "{b:?}: {rows:?}"
        );
        let (text, lead, coop, fin, src, office, light, evidence, who) = (
            col(&header, "具体任务")?,
            col(&header, "牵头单位")?,
            col(&header, "配合单位")?,
            col(&header, "最终结论")?,
            col(&header, "结论来源")?,
            col(&header, "督查办结论")?,
            col(&header, "灯")?,
            col(&header, "依据")?,
            col(&header, "责任领导")?,
        );
        for (row, t) in rows.iter().zip(&tasks) {
            ensure!(
                row[text] == t["text"].as_str().unwrap_or_default(),
                "{row:?}"
            );
            let units = |k: &str| -> Vec<String> {
                t[k].as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|u| u.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            ensure!(row[lead] == units("lead_units").join("、"));
            ensure!(row[coop] == units("coop_units").join("、"));
            ensure!(row[fin] == label(&t["verdict"]), "{row:?} {t}");
            ensure!(row[office] == label(&t["office_verdict"]), "{row:?} {t}");
            ensure!(!row[src].is_empty() && ["红", "黄", "绿"].contains(&row[light].as_str()));
        }
        // The evidence is the imported progress until a report is accepted.
        ensure!(rows[0][evidence] == "全年技术合同登记额同比增长18.2%，超额完成。");
        ensure!(rows[1][fin] == "未完成" || rows[1][fin] == Verdict::NotMet.label_zh());
        ensure!(rows[1][who] == "杨副区长" && rows[0][who].is_empty());

        // Filters: the list's own (unit, section, verdict) and the light and leader.
        let (_, by_unit) = csv(
            &app,
            &leader,
            &format!("/downloads/tasks.csv?lead_unit={UNIT_B}"),
        )
        .await?;
        let api_unit = api(&app, &leader, &format!("/api/tasks?lead_unit={UNIT_B}")).await?;
        ensure!(
            by_unit.len() == api_unit["tasks"].as_array().map_or(0, Vec::len) && by_unit.len() == 2
        );
        let (_, by_section) = csv(&app, &leader, "/downloads/tasks.csv?section=创新驱动").await?;
        ensure!(by_section.len() == 1 && by_section[0][text] == "技术合同登记额增长15%");
        let (_, met) = csv(&app, &leader, "/downloads/tasks.csv?verdict=met").await?;
        ensure!(met.iter().all(|r| r[fin] == Verdict::Met.label_zh()) && met.len() == 1);
        let (_, by_leader) = csv(&app, &leader, "/downloads/tasks.csv?leader=杨副区长").await?;
        ensure!(by_leader.len() == 1 && by_leader[0][text] == "进口整车5000辆以上");
        let mut total = 0;
        for (code, zh) in [("red", "红"), ("amber", "黄"), ("green", "绿")] {
            let (_, lit) =
                csv(&app, &leader, &format!("/downloads/tasks.csv?light={code}")).await?;
            ensure!(lit.iter().all(|r| r[light] == zh), "{code}: {lit:?}");
            ensure!(lit.len() == rows.iter().filter(|r| r[light] == zh).count());
            total += lit.len();
        }
        ensure!(total == 3);
        let res = leader
            .client
            .get(app.url("/downloads/tasks.csv?light=purple"))
            .send()
            .await?;
        ensure!(res.status() == StatusCode::BAD_REQUEST);
        // Units may not export.
        let unit = app.login("unit_b").await?;
        let res = unit
            .client
            .get(app.url("/downloads/tasks.csv"))
            .send()
            .await?;
        ensure!(res.status() == StatusCode::FORBIDDEN);
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_rounds_reports_export_as_csv_and_the_plan_as_json() -> Result<()> {
    for b in backends() {
        let app = app_with_leaders(b).await?;
        let s = &app.store;
        let plan = s.plans().await?.first().context("plan")?.id;
        let round = s.open_round(plan, "1月", "2026-01-31", "admin").await?;
        let (tasks, _) = s
            .list_tasks(plan, &TaskFilter::default(), &Scope::All)
            .await?;
        let unit_b = s.unit_by_name(UNIT_B).await?.context("unit b")?.id;
        // A narrative a spreadsheet would run as a formula, with a comma and a line break.
        let narrative = "=HYPERLINK(\"http://x\",\"点击\")，进口整车3808辆,\n下月再报";
        s.save_and_submit(
            &DraftInput {
                task: tasks[1].id,
                round: round.id,
                unit: unit_b,
                narrative: narrative.into(),
                figures: serde_json::Value::Null,
                self_status: None,
                delay_reason: Some("港口检疫延误".into()),
                next_steps: None,
                expected_version: None,
            },
            "unit_b",
        )
        .await?;
        s.issue_notice(
            &NewNotice {
                task: tasks[2].id,
                unit: unit_b,
                level: NoticeLevel::Blue,
                deadline: "2026-02-10".into(),
                text: "请说明会展中心进度".into(),
            },
            "admin",
        )
        .await?;

        let admin = app.login("admin").await?;
        let (header, rows) = csv(
            &app,
            &admin,
            &format!("/downloads/rounds/{}/reports.csv", round.id.0),
        )
        .await?;
        ensure!(rows.len() == 1, "{rows:?}");
        let r = &rows[0];
        ensure!(r[col(&header, "具体任务")?] == "进口整车5000辆以上");
        ensure!(r[col(&header, "填报单位")?] == UNIT_B);
        ensure!(r[col(&header, "状态")?] == "已报送");
        ensure!(r[col(&header, "延期原因")?] == "港口检疫延误");
        // Read back whole, with the formula defused by the apostrophe.
        ensure!(
            r[col(&header, "完成情况")?] == format!("'{narrative}"),
            "{r:?}"
        );
        let res = admin
            .client
            .get(app.url("/downloads/rounds/999999/reports.csv"))
            .send()
            .await?;
        ensure!(res.status() == StatusCode::NOT_FOUND);

        let leader = app.login("leader").await?;
        let res = leader
            .client
            .get(app.url("/downloads/plan.json"))
            .send()
            .await?;
        ensure!(res.status() == StatusCode::OK);
        let doc: Value = res.json().await?;
        ensure!(doc["format"] == "duban.plan.v1" && doc["plan"]["name"] == "2026年重点任务");
        let api_tasks = api(&app, &leader, "/api/tasks").await?;
        ensure!(
            doc["tasks"] == api_tasks["tasks"],
            "{}\n{}",
            doc["tasks"],
            api_tasks["tasks"]
        );
        ensure!(doc["standings"].as_array().map_or(0, Vec::len) == 3);
        ensure!(doc["rounds"][0]["name"] == "1月");
        let reports = doc["reports"].as_array().context("reports")?;
        ensure!(reports.len() == 1 && reports[0]["narrative"] == narrative);
        // The same report as the task's API shows it.
        let detail = api(
            &app,
            &leader,
            &format!("/api/tasks/{}?include=reports", tasks[1].id.0),
        )
        .await?;
        ensure!(detail["reports"][0]["id"] == reports[0]["id"], "{detail}");
        let notices = doc["notices"].as_array().context("notices")?;
        ensure!(notices.len() == 1 && notices[0]["text"] == "请说明会展中心进度");
        let audit = doc["audit"].as_array().context("audit")?;
        let actions: Vec<&str> = audit.iter().filter_map(|e| e["action"].as_str()).collect();
        ensure!(actions.first() == Some(&"plan.import"), "{actions:?}");
        ensure!(
            actions.contains(&"report.submit") || actions.iter().any(|a| a.starts_with("report.")),
            "{actions:?}"
        );
        let seqs: Vec<i64> = audit.iter().filter_map(|e| e["seq"].as_i64()).collect();
        ensure!(seqs.windows(2).all(|w| w[0] < w[1]), "oldest first");
        let unit = app.login("unit_b").await?;
        let res = unit
            .client
            .get(app.url("/downloads/plan.json"))
            .send()
            .await?;
        ensure!(res.status() == StatusCode::FORBIDDEN);
        let _ = UNIT_A;
        app.finish().await;
    }
    Ok(())
}
