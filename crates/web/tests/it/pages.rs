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
