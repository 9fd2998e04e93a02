use anyhow::{Result, ensure};
use reqwest::StatusCode;

use crate::helpers::{backends, seeded, task_ids};

#[tokio::test]
async fn task_page_marks_the_evidence_and_pages_render() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let ids = task_ids(&app).await?;
        let leader = app.login("leader").await?;
        let get = |p: String| leader.client.get(app.url(&p)).send();

        let res = get(format!("/tasks/{}", ids[0])).await?;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await?;
        ensure!(
            html.contains(
                "<mark title=\"增长15%：目标≥15%，实际18.2%，已完成\">同比增长18.2%</mark>"
            ),
            "{html}"
        );
        ensure!(
            html.contains("全年技术合同登记额"),
            "the text around the mark is kept"
        );
        // One script only, our own, by URL: nothing inline (the CSP forbids it anyway).
        ensure!(
            html.matches("<script").count() == 1
                && html.contains("<script src=\"/assets/app.")
                && !html.contains("<script>"),
            "only the site's own script"
        );

        let html = get("/".into()).await?.text().await?;
        ensure!(
            html.contains("<svg class=\"chart donut\"")
                && html.contains("<svg class=\"chart bars\"")
        );
        ensure!(html.contains("区商务委"));

        // Filters: verdict, section, lead unit, disputed, and one-character search.
        let count = |html: &str| html.matches("href=\"/tasks/").count();
        assert_eq!(count(&get("/tasks".into()).await?.text().await?), 3);
        assert_eq!(
            count(&get("/tasks?verdict=met".into()).await?.text().await?),
            1
        );
        assert_eq!(
            count(
                &get("/tasks?section=%E5%BC%80%E6%94%BE%E5%8F%91%E5%B1%95".into())
                    .await?
                    .text()
                    .await?
            ),
            2
        );
        assert_eq!(
            count(
                &get("/tasks?lead_unit=%E5%8C%BA%E5%95%86%E5%8A%A1%E5%A7%94".into())
                    .await?
                    .text()
                    .await?
            ),
            2
        );
        assert_eq!(
            count(&get("/tasks?q=%E8%BD%A6".into()).await?.text().await?),
            1,
            "车"
        );
        let bad = get("/tasks?verdict=done".into()).await?;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

        let api: serde_json::Value = get("/api/tasks?verdict=not_met".into())
            .await?
            .json()
            .await?;
        assert_eq!(api["tasks"].as_array().map(|a| a.len()), Some(1));
        let t = &api["tasks"][0];
        for key in [
            "id",
            "table",
            "row",
            "section",
            "text",
            "lead_units",
            "coop_units",
            "verdict",
            "office_verdict",
        ] {
            ensure!(t.get(key).is_some(), "contract field {key}");
        }
        assert_eq!(t["lead_units"][0], "区商务委");

        let doc: serde_json::Value = get("/api/openapi.json".into()).await?.json().await?;
        ensure!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
        let overview: serde_json::Value = get("/api/overview".into()).await?.json().await?;
        assert_eq!(overview["counts"]["total"], 3);
        app.finish().await;
    }
    Ok(())
}

/// The remembered task list, task page and overview answer what another instance has just
/// written to the shared database: a change made behind this server's back (through a
/// second store handle) shows on the next view, with no request to this server between.
#[tokio::test]
async fn remembered_pages_show_another_instances_change_at_once() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let ids = task_ids(&app).await?;
        let leader = app.login("leader").await?;
        let get = |p: String| {
            let c = leader.client.clone();
            let url = app.url(&p);
            async move { Ok::<_, anyhow::Error>(c.get(url).send().await?.text().await?) }
        };
        let task = duban_store::TaskId(ids[0]);
        // Seen once, so each is remembered.
        let page = get(format!("/tasks/{}", ids[0])).await?;
        ensure!(!page.contains("请于本月底前报送专项方案"), "{page}");
        let list = get("/tasks?verdict=not_met".into()).await?;
        let listed = |html: &str| html.contains(&format!("href=\"/tasks/{}\"", ids[0]));
        ensure!(!listed(&list), "{list}");
        let api = get("/api/tasks?verdict=not_met".into()).await?;
        ensure!(api.contains("\"total\":0") || !api.contains(&format!("\"id\":{}", ids[0])));

        // The other instance: an instruction (only the task's page mark records it) and an
        // override (the plan's revision).
        app.store
            .write_instruction(task, "请于本月底前报送专项方案", "leader")
            .await?;
        let page = get(format!("/tasks/{}", ids[0])).await?;
        ensure!(page.contains("请于本月底前报送专项方案"), "{b:?}: {page}");
        app.store
            .override_verdict(
                task,
                Some(duban_model::Verdict::NotMet),
                "实地核查未完成",
                "admin",
            )
            .await?;
        let list = get("/tasks?verdict=not_met".into()).await?;
        ensure!(listed(&list), "{b:?}: the list follows the override");
        let api = get("/api/tasks?verdict=not_met".into()).await?;
        ensure!(
            api.contains(&format!("\"id\":{}", ids[0])),
            "{b:?}: the JSON list follows it: {api}"
        );
        let page = get(format!("/tasks/{}", ids[0])).await?;
        ensure!(
            page.contains("实地核查未完成"),
            "{b:?}: the page shows the override"
        );
        app.finish().await;
    }
    Ok(())
}

/// The list's pager keeps the filter: page 2 of a filtered list is page 2 of the same
/// filter, and each page is rendered for its own query (the rendered page is remembered).
#[tokio::test]
async fn the_pager_keeps_the_filter() -> Result<()> {
    // Percent-encodes a query value the way the pager writes it.
    fn encode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    for b in backends() {
        let app = crate::helpers::spawn_app(b).await?;
        let demo = duban_demo::generate(&duban_demo::DemoOptions {
            tasks: 1_000,
            ..Default::default()
        });
        app.store
            .import_ledger(&demo.name, &demo.ledger, "demo.txt", "demo-sha", "test")
            .await?;
        app.add_user("admin", duban_store::Role::Admin, None, false)
            .await?;
        let admin = app.login("admin").await?;
        let get = |p: String| {
            let c = admin.client.clone();
            let url = app.url(&p);
            async move { Ok::<_, anyhow::Error>(c.get(url).send().await?.text().await?) }
        };
        let pages = demo.ledger.tasks.len().div_ceil(50);
        ensure!(pages > 2, "the plan fills more than two pages");
        let first = get("/tasks".into()).await?;
        ensure!(
            first.contains("href=\"/tasks?page=2\"")
                && first.contains(&format!("第 1 / {pages} 页")),
            "{b:?}: the unfiltered pager: {first}"
        );
        // The section with the most tasks, past one page: its page 2 keeps the section.
        let mut per_section = std::collections::HashMap::<String, usize>::new();
        for t in &demo.ledger.tasks {
            *per_section
                .entry(t.section.clone().unwrap_or_default())
                .or_default() += 1;
        }
        let (section, n) = per_section
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .unwrap_or_default();
        ensure!(n > 50 && !section.is_empty(), "a section spans pages");
        let section_q = encode(&section);
        let html = get(format!("/tasks?section={section_q}")).await?;
        ensure!(
            html.contains(&format!("href=\"/tasks?section={section_q}&amp;page=2\"")),
            "{b:?}: page 2 keeps the section: {html}"
        );
        let html = get(format!("/tasks?section={section_q}&page=2")).await?;
        ensure!(
            html.contains(&format!("href=\"/tasks?section={section_q}&amp;page=1\""))
                && html.contains(&format!("第 2 / {} 页", n.div_ceil(50))),
            "{b:?}: page 2 of the section: {html}"
        );
        // The same page under two spellings of its query: each form shows its own.
        let page2 = get("/tasks?page=2".into()).await?;
        ensure!(
            page2.contains("href=\"/tasks?page=1\"") && page2.contains("href=\"/tasks?page=3\""),
            "{b:?}: page 2 links both ways: {page2}"
        );
        let typed = get("/tasks?page=2&retired=".into()).await?;
        ensure!(
            typed.contains(&format!("第 2 / {pages} 页")),
            "{b:?}: {typed}"
        );
        // Retired tasks only: none are, and the box stays ticked on the page.
        let retired = get("/tasks?retired=1".into()).await?;
        ensure!(
            retired.contains("没有符合条件的任务")
                && retired.contains("name=\"retired\" value=\"1\" checked"),
            "{b:?}: {retired}"
        );
        app.finish().await;
    }
    Ok(())
}
