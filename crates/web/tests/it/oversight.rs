//! Lights, ranking, the audit page and the document downloads, over HTTP on each backend.

use std::io::Read;

use anyhow::{Context, Result, ensure};
use duban_model::Verdict;
use duban_store::{DraftInput, NewExtension, Role, RoundId, SelfStatus, TaskId, UnitId};
use reqwest::StatusCode;

use crate::helpers::{
    TestApp, UNIT_A, UNIT_B, backends, get_text, seeded, spawn_app_with, task_ids,
};

async fn unit_id(app: &TestApp, name: &str) -> Result<UnitId> {
    Ok(app.store.unit_by_name(name).await?.context("unit")?.id)
}

/// Saves and submits a report as the unit would.
async fn submit(
    app: &TestApp,
    task: i64,
    round: RoundId,
    unit: UnitId,
    status: Option<SelfStatus>,
) -> Result<duban_store::Report> {
    let r = app
        .store
        .save_draft(
            &DraftInput {
                task: TaskId(task),
                round,
                unit,
                narrative: "按计划推进。".into(),
                figures: serde_json::json!({}),
                self_status: status,
                delay_reason: None,
                next_steps: None,
                expected_version: None,
            },
            "unit",
        )
        .await?;
    Ok(app.store.submit_report(r.id, r.version, "unit").await?)
}

/// The text of the first `<… class="{class}" …>` element after `from`.
fn cell_after<'a>(html: &'a str, from: &str, class: &str) -> Option<&'a str> {
    let start = html.find(from)?;
    let rest = &html[start..];
    let marker = format!("class=\"{class}\">");
    let i = rest.find(&marker)? + marker.len();
    let end = rest[i..].find('<')?;
    Some(&rest[i..i + end])
}

#[tokio::test]
async fn lights_show_their_rule_on_task_list_task_page_unit_page_and_overview() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let ids = task_ids(&app).await?;
        let plan = app.store.plans().await?[0].id;
        // A round whose due date has passed, still open: every unsubmitted task is overdue.
        let round = app
            .store
            .open_round(plan, "1月", "2026-01-31", "admin")
            .await?;
        submit(&app, ids[0], round.id, unit_id(&app, UNIT_A).await?, None).await?;
        let admin = app.login("admin").await?;

        let page = get_text(&app, &admin, &format!("/tasks/{}", ids[1])).await?;
        ensure!(
            page.contains("红：本轮报告已逾期（截止2026-01-31）"),
            "{b:?}: overdue rule on the task page"
        );
        // Task 2 is also not met (office): the further reason is listed too.
        ensure!(page.contains("红：结论为未完成"), "{b:?}: second reason");
        let page = get_text(&app, &admin, &format!("/tasks/{}", ids[0])).await?;
        ensure!(
            page.contains("light big light-green"),
            "{b:?}: submitted and met is green"
        );

        let list = get_text(&app, &admin, "/tasks").await?;
        ensure!(
            list.matches("light light-red").count() == 2,
            "{b:?}: two red rows"
        );
        ensure!(
            list.matches("light light-green").count() == 1,
            "{b:?}: one green row"
        );
        // The light filter lists the tasks of one light only (from the kept lights).
        let red = get_text(&app, &admin, "/tasks?light=red").await?;
        ensure!(
            red.matches("light light-red").count() == 2 && !red.contains("light light-green"),
            "{b:?}: red filter"
        );
        ensure!(red.contains("共 2 项"), "{b:?}: red total");
        let green = get_text(&app, &admin, "/tasks?light=green").await?;
        ensure!(
            green.matches("light light-green").count() == 1 && !green.contains("light light-red"),
            "{b:?}: green filter"
        );
        let bad = admin
            .client
            .get(app.url("/tasks?light=blue"))
            .send()
            .await?;
        ensure!(
            bad.status() == StatusCode::BAD_REQUEST,
            "{b:?}: unknown light"
        );

        let unit_b = unit_id(&app, UNIT_B).await?;
        let unit_page = get_text(&app, &admin, &format!("/units/{}", unit_b.0)).await?;
        ensure!(
            unit_page.matches("本轮报告已逾期").count() >= 2,
            "{b:?}: unit page"
        );

        let overview = get_text(&app, &admin, "/").await?;
        ensure!(
            overview.contains(r#"<b id="lights-red">2</b>"#)
                && overview.contains("<li>红：本轮报告已逾期：2 项</li>"),
            "{b:?}: red count"
        );
        // The legend is the rule table itself, the notice and extension rules included.
        ensure!(
            overview.contains(&duban_standing::lights::legend_zh()),
            "{b:?}: legend"
        );
        ensure!(
            overview.contains(r#"<b id="lights-green">1</b>"#),
            "{b:?}: green count"
        );

        // A unit user's overview counts only its own tasks (A: tasks 1 and 2).
        let ua = app.login("unit_a").await?;
        let overview = get_text(&app, &ua, "/").await?;
        ensure!(
            overview.contains(r#"<b id="lights-red">1</b>"#),
            "{b:?}: unit scope"
        );

        // The counts are cached; a refused extension (a write the overview never made)
        // must still show at once: task 1 turns amber.
        let ext = app
            .store
            .request_extension(
                &NewExtension {
                    task: TaskId(ids[0]),
                    round: Some(round.id),
                    unit: unit_id(&app, UNIT_A).await?,
                    requested_date: "2026-03-31".into(),
                    reason: "用地手续未办结".into(),
                },
                "unit_a",
            )
            .await?;
        let overview = get_text(&app, &admin, "/").await?;
        ensure!(
            overview.contains(r#"<b id="lights-green">1</b>"#),
            "{b:?}: a pending request changes nothing"
        );
        app.store
            .decide_extension(ext.id, false, "理由不充分", "admin")
            .await?;
        let overview = get_text(&app, &admin, "/").await?;
        ensure!(
            overview.contains(r#"<b id="lights-green">0</b>"#)
                && overview.contains(r#"<b id="lights-amber">1</b>"#),
            "{b:?}: refused extension counted at once"
        );
        let page = get_text(&app, &admin, &format!("/tasks/{}", ids[0])).await?;
        ensure!(
            page.contains("黄：延期申请未获同意"),
            "{b:?}: the rule on the task page"
        );
        // So does a report reaching the office: task 2's lead unit submits, the overdue
        // rule goes and only the not-met verdict keeps it red.
        submit(&app, ids[1], round.id, unit_id(&app, UNIT_B).await?, None).await?;
        let page = get_text(&app, &admin, &format!("/tasks/{}", ids[1])).await?;
        ensure!(!page.contains("本轮报告已逾期"), "{b:?}: no longer overdue");
        let overview = get_text(&app, &admin, "/").await?;
        ensure!(
            overview.contains(r#"<b id="lights-red">2</b>"#)
                && overview.contains("<li>红：本轮报告已逾期：1 项</li>")
                && overview.contains("<li>红：结论为未完成：1 项</li>"),
            "{b:?}: counts follow the submission"
        );
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn ranking_and_chart_on_the_overview_match_round_stats() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let ids = task_ids(&app).await?;
        let plan = app.store.plans().await?[0].id;
        let round = app
            .store
            .open_round(plan, "1月", "2099-01-31", "admin")
            .await?;
        let (a, ub) = (unit_id(&app, UNIT_A).await?, unit_id(&app, UNIT_B).await?);
        submit(&app, ids[0], round.id, a, None).await?;
        let r = submit(&app, ids[1], round.id, ub, Some(SelfStatus::Lagging)).await?;
        app.store.return_report(r.id, "数据不全", "admin").await?;

        let stats = app.store.round_stats(round.id).await?;
        ensure!(stats.len() == 2);
        let leader = app.login("leader").await?;
        let html = get_text(&app, &leader, "/").await?;
        ensure!(html.contains(r#"<svg class="chart rates""#), "{b:?}: chart");
        for s in &stats {
            let row = format!(r#"data-unit="{}""#, s.name);
            let want = |rate: f64| format!("{:.1}%", rate * 100.0);
            ensure!(
                cell_after(&html, &row, "rate-on_time") == Some(want(s.on_time_rate()).as_str()),
                "{b:?}: on-time rate of {}",
                s.name
            );
            ensure!(
                cell_after(&html, &row, "rate-returned") == Some(want(s.return_rate()).as_str())
            );
            ensure!(cell_after(&html, &row, "rate-met") == Some(want(s.met_rate()).as_str()));
        }
        // Unit B: 2 owed, 1 submitted and returned, task 1 is A's and met.
        ensure!(cell_after(&html, r#"data-unit="区商务委""#, "rate-returned") == Some("100.0%"));
        ensure!(cell_after(&html, r#"data-unit="区科技局""#, "rate-on_time") == Some("100.0%"));
        // Sorted on the server: by return rate, highest first, B leads; ascending, A leads.
        let order = |html: &str| -> Vec<usize> {
            [UNIT_A, UNIT_B]
                .iter()
                .map(|u| {
                    html.find(&format!(r#"data-unit="{u}""#))
                        .unwrap_or(usize::MAX)
                })
                .collect()
        };
        let desc = get_text(&app, &leader, "/?sort=returned&dir=desc").await?;
        let o = order(&desc);
        ensure!(o[1] < o[0], "{b:?}: B first by return rate desc");
        let asc = get_text(&app, &leader, "/?sort=returned&dir=asc").await?;
        let o = order(&asc);
        ensure!(o[0] < o[1], "{b:?}: A first ascending");
        // A unit user sees its own row only.
        let ua = app.login("unit_a").await?;
        let mine = get_text(&app, &ua, "/").await?;
        ensure!(
            mine.contains(r#"data-unit="区科技局""#) && !mine.contains(r#"data-unit="区商务委""#)
        );
        // With its place among all units: B is second by on-time rate, not "1" of one row.
        let ub_user = app.login("unit_b").await?;
        let theirs = get_text(&app, &ub_user, "/").await?;
        ensure!(
            theirs.contains(r#"data-unit="区商务委"><td class="num">2</td>"#),
            "{b:?}: B's own place"
        );
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn audit_page_lists_entries_verifies_and_names_a_tampered_seq() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let ids = task_ids(&app).await?;
        app.store
            .override_verdict(TaskId(ids[2]), Some(Verdict::Met), "复核确认", "admin")
            .await?;
        let admin = app.login("admin").await?;
        let html = get_text(&app, &admin, "/admin/audit").await?;
        // People read the actions in Chinese; the code stays as the cell's title.
        ensure!(html.contains("导入台账") && html.contains("改判任务结论"));
        ensure!(
            html.contains("复核确认"),
            "{b:?}: the diff shows the new reason"
        );
        let import_at = html
            .find(r#"<td title="plan.import">导入台账</td>"#)
            .context("import row")?;
        let override_at = html
            .find(r#"<td title="task.override">改判任务结论</td>"#)
            .context("override row")?;
        ensure!(override_at < import_at, "{b:?}: newest first");
        let filtered = get_text(&app, &admin, "/admin/audit?action=task.override").await?;
        ensure!(
            filtered.matches("class=\"audit-row\"").count() == 1,
            "{b:?}: filter"
        );

        let ok = get_text(&app, &admin, "/admin/audit/verify").await?;
        ensure!(ok.contains("校验通过"), "{b:?}: verify ok");
        app.raw_sql("UPDATE audit_log SET actor = 'intruder' WHERE seq = 2")
            .await?;
        let broken = get_text(&app, &admin, "/admin/audit/verify").await?;
        ensure!(
            broken.contains(r#"<b class="broken-seq">2</b>"#),
            "{b:?}: broken seq shown"
        );
        app.finish().await;
    }
    Ok(())
}

/// With a key file and checkpoints (as `duban serve` runs), the verify page explains a
/// truncation by the checkpoint it contradicts, not as a broken entry.
#[tokio::test]
async fn audit_verify_page_names_the_checkpoint_a_truncated_log_contradicts() -> Result<()> {
    for b in backends() {
        let keys = tempfile::tempdir()?;
        let key = keys.path().join("duban.audit-key");
        let app = spawn_app_with(b, |c| c.audit_key_file = Some(key.clone())).await?;
        app.add_user("admin", Role::Admin, None, false).await?;
        let admin = app.login("admin").await?;
        let cp = app
            .store
            .audit_checkpoint("daily")
            .await?
            .context("a checkpoint directory")?;
        // Beside an SQLite database whichever key it uses; beside the key for PostgreSQL.
        let dir = if app.database_url.starts_with("sqlite:") {
            duban_store::default_checkpoint_dir(&duban_store::default_key_path(&app.database_url))
        } else {
            keys.path().join("duban.audit-checkpoints")
        };
        ensure!(cp.starts_with(&dir), "{b:?}: {cp:?}");
        let ok = get_text(&app, &admin, "/admin/audit/verify").await?;
        ensure!(
            ok.contains("校验通过") && ok.contains("个检查点一致"),
            "{b:?}: {ok}"
        );
        app.raw_sql(
            "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log); \
             UPDATE audit_head SET seq = (SELECT MAX(seq) FROM audit_log), \
             hash = (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) WHERE id = 1;",
        )
        .await?;
        let broken = get_text(&app, &admin, "/admin/audit/verify").await?;
        let name = cp
            .file_name()
            .context("name")?
            .to_string_lossy()
            .into_owned();
        ensure!(
            broken.contains(r#"data-fault="checkpoint""#)
                && broken.contains("截断")
                && broken.contains(&name),
            "{b:?}: {broken}"
        );
        app.finish().await;
    }
    Ok(())
}

pub fn zip_part(bytes: &[u8], name: &str) -> Result<String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut f = z.by_name(name)?;
    let mut s = String::new();
    f.read_to_string(&mut s)?;
    Ok(s)
}

#[tokio::test]
async fn downloads_are_valid_files_for_office_and_leader_and_refused_to_units() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let ids = task_ids(&app).await?;
        let plan = app.store.plans().await?[0].id;
        let round = app
            .store
            .open_round(plan, "1月", "2026-01-31", "admin")
            .await?;
        submit(&app, ids[0], round.id, unit_id(&app, UNIT_A).await?, None).await?;
        // The office's final word on task 3 must reach the report.
        app.store
            .override_verdict(TaskId(ids[2]), Some(Verdict::Met), "复核确认", "admin")
            .await?;
        let admin = app.login("admin").await?;
        let res = admin
            .client
            .get(app.url("/downloads/year-end-report.docx?source=office"))
            .send()
            .await?;
        ensure!(res.status() == StatusCode::OK, "{b:?}: {}", res.status());
        let h = res.headers().clone();
        ensure!(
            h["content-type"]
                == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        let cd = h["content-disposition"].to_str()?;
        ensure!(
            cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''"),
            "{cd}"
        );
        let bytes = res.bytes().await?;
        ensure!(bytes.starts_with(b"PK\x03\x04"), "{b:?}: zip magic");
        let xml = zip_part(&bytes, "word/document.xml")?;
        // 3 tasks; office verdicts: task 2 not met, task 3 met by override, task 1 pending.
        ensure!(
            xml.contains("3项重点工作任务中，已完成既定目标任务1项，未完成既定目标任务1项"),
            "{b:?}: summary counts from the plan"
        );
        let machine = admin
            .client
            .get(app.url("/downloads/year-end-report.docx?source=machine"))
            .send()
            .await?
            .bytes()
            .await?;
        let xml = zip_part(&machine, "word/document.xml")?;
        ensure!(xml.contains("3项重点工作任务中，已完成既定目标任务1项，未完成既定目标任务0项"));
        let bad = admin
            .client
            .get(app.url("/downloads/year-end-report.docx?source=bogus"))
            .send()
            .await?;
        ensure!(bad.status() == StatusCode::BAD_REQUEST);

        let leader = app.login("leader").await?;
        let res = leader
            .client
            .get(app.url("/downloads/ledger.xlsx"))
            .send()
            .await?;
        ensure!(res.status() == StatusCode::OK);
        ensure!(
            res.headers()["content-type"]
                == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let bytes = res.bytes().await?;
        ensure!(bytes.starts_with(b"PK\x03\x04"));
        let sheet = zip_part(&bytes, "xl/worksheets/sheet1.xml")?;
        ensure!(
            sheet.matches("<row ").count() == 5,
            "{b:?}: title + header + 3 tasks"
        );

        let res = leader
            .client
            .get(app.url(&format!("/downloads/bulletin.docx?round={}", round.id)))
            .send()
            .await?;
        ensure!(res.status() == StatusCode::OK);
        let bytes = res.bytes().await?;
        ensure!(bytes.starts_with(b"PK\x03\x04"));
        let xml = zip_part(&bytes, "word/document.xml")?;
        ensure!(
            xml.contains(UNIT_A) && xml.contains(UNIT_B),
            "{b:?}: units in the bulletin"
        );
        ensure!(
            xml.contains("未报送"),
            "{b:?}: unit B's missing reports listed"
        );

        let unit = app.login("unit_a").await?;
        for path in [
            "/downloads/year-end-report.docx",
            "/downloads/ledger.xlsx",
            "/downloads/bulletin.docx",
        ] {
            let s = unit.client.get(app.url(path)).send().await?.status();
            ensure!(
                s == StatusCode::FORBIDDEN,
                "{b:?}: unit user got {s} for {path}"
            );
        }
        app.finish().await;
    }
    Ok(())
}
