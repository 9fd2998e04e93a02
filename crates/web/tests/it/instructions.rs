//! Leaders' instructions (领导批示) over HTTP on both backends: only a leader writes one,
//! the task's units are notified and answer (落实情况), and the task page, the leader page
//! and the 责任领导 filter show them.

use anyhow::Result;
use reqwest::StatusCode;

use crate::helpers::{backends, get_text, post_form, seeded, task_ids};

#[tokio::test]
async fn a_leader_instructs_and_the_unit_answers() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let ids = task_ids(&app).await?;
        let task = ids[2];
        // The fixture names no 责任领导; task 3 gets one behind the service's back.
        app.raw_sql("UPDATE tasks SET leader = '王副区长' WHERE row_no = 3")
            .await?;
        let leader = app.login("leader").await?;
        let admin = app.login("admin").await?;
        let unit_a = app.login("unit_a").await?;
        let unit_b = app.login("unit_b").await?;
        let write = format!("/tasks/{task}/instructions");

        // Empty: refused in Chinese, nothing written. The office and units may not write.
        let (s, body) = post_form(&app, &leader, &write, &[("text", "  ")]).await?;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b:?}");
        assert!(body.contains("请填写批示内容"), "{body}");
        for u in [&admin, &unit_b] {
            let (s, _) = post_form(&app, u, &write, &[("text", "批示")]).await?;
            assert_eq!(s, StatusCode::FORBIDDEN);
        }
        assert!(
            app.store
                .instructions(&Default::default(), &duban_store::Scope::All)
                .await?
                .is_empty()
        );

        let (s, _) = post_form(
            &app,
            &leader,
            &write,
            &[("text", "会展中心要确保年底前投用。")],
        )
        .await?;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let notes = get_text(&app, &unit_b, "/notifications").await?;
        assert!(notes.contains("领导批示"), "the lead unit is told");
        let notes = get_text(&app, &unit_a, "/notifications").await?;
        assert!(!notes.contains("领导批示"), "a unit not on the task is not");

        let id = app
            .store
            .instructions(&Default::default(), &duban_store::Scope::All)
            .await?[0]
            .id;
        let answer = format!("/instructions/{id}/answer");
        let (s, _) = post_form(&app, &unit_a, &answer, &[("text", "已落实")]).await?;
        assert_eq!(s, StatusCode::NOT_FOUND, "another unit cannot answer");
        let (s, _) = post_form(&app, &leader, &answer, &[("text", "已落实")]).await?;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, body) = post_form(&app, &unit_b, &answer, &[("text", "")]).await?;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("请填写落实情况"), "{body}");
        let (s, _) = post_form(
            &app,
            &unit_b,
            &answer,
            &[("text", "已制定倒排工期计划，12月20日前完成验收。")],
        )
        .await?;
        assert_eq!(s, StatusCode::SEE_OTHER);

        // Shown on the task page and on the leader's page, with the standings.
        let page = get_text(&app, &unit_b, &format!("/tasks/{task}")).await?;
        assert!(page.contains("会展中心要确保年底前投用。"));
        assert!(page.contains("已制定倒排工期计划"));
        let lp = get_text(
            &app,
            &leader,
            "/leader?name=%E7%8E%8B%E5%89%AF%E5%8C%BA%E9%95%BF",
        )
        .await?;
        assert!(lp.contains("王副区长负责的任务（1项）"), "{lp}");
        assert!(lp.contains("建成会展中心") && lp.contains("class=\"light light-"));
        assert!(lp.contains("已制定倒排工期计划"));
        // The 责任领导 filter on the task list.
        let list = get_text(
            &app,
            &admin,
            "/tasks?leader=%E7%8E%8B%E5%89%AF%E5%8C%BA%E9%95%BF",
        )
        .await?;
        assert!(
            list.contains("共 1 项") && list.contains("建成会展中心"),
            "{list}"
        );
        assert!(!list.contains("技术合同登记额"));
        assert!(app.store.audit_verify().await?.ok());
        app.finish().await;
    }
    Ok(())
}
