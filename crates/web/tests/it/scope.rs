use std::collections::BTreeSet;

use anyhow::{Context, Result};
use duban_store::Role;
use reqwest::StatusCode;

use crate::helpers::{UNIT_A, backends, seed_path, seeded, spawn_app, task_ids};

async fn visible(app: &crate::helpers::TestApp, who: &str) -> Result<BTreeSet<i64>> {
    let u = app.login(who).await?;
    let v: serde_json::Value = u
        .client
        .get(app.url("/api/tasks"))
        .send()
        .await?
        .json()
        .await?;
    Ok(v["tasks"]
        .as_array()
        .context("tasks")?
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .collect())
}

#[tokio::test]
async fn units_see_their_own_tasks_only() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let ids = task_ids(&app).await?;
        assert_eq!(
            visible(&app, "unit_a").await?,
            BTreeSet::from([ids[0], ids[1]])
        );
        assert_eq!(
            visible(&app, "unit_b").await?,
            BTreeSet::from([ids[1], ids[2]])
        );
        assert_eq!(visible(&app, "leader").await?.len(), 3);
        // Another unit's task answers 404 on the page and the API alike, never 403.
        let a = app.login("unit_a").await?;
        for path in [
            format!("/tasks/{}", ids[2]),
            format!("/api/tasks/{}", ids[2]),
            "/tasks/999999".into(),
        ] {
            assert_eq!(
                a.client.get(app.url(&path)).send().await?.status(),
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let overview: serde_json::Value = a
            .client
            .get(app.url("/api/overview"))
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(overview["counts"]["total"], 2);
        app.finish().await;
    }
    Ok(())
}

/// With the real seed: a 区科技局 user sees exactly the tasks naming 区科技局.
#[tokio::test]
async fn seed_unit_scope() -> Result<()> {
    let Some(seed) = seed_path() else {
        return Ok(());
    };
    let bytes = std::fs::read(&seed)?;
    let ledger = duban_ingest::read_bytes("seed.txt", &bytes, &duban_ingest::Limits::default())?;
    let expected_rows: BTreeSet<(usize, u32)> = ledger
        .tasks
        .iter()
        .filter(|t| t.names_unit(UNIT_A))
        .map(|t| (t.table, t.row))
        .collect();
    for b in backends() {
        let app = spawn_app(b).await?;
        app.store
            .import_ledger("沙坪坝2022", &ledger, "seed.txt", "seed-sha", "test")
            .await?;
        app.add_user("admin", Role::Admin, None, false).await?;
        app.add_user("keji", Role::Unit, Some(UNIT_A), false)
            .await?;
        let admin = app.login("admin").await?;
        let all: serde_json::Value = admin
            .client
            .get(app.url("/api/tasks"))
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(all["tasks"].as_array().map(|a| a.len()), Some(126), "{b:?}");
        let keji = app.login("keji").await?;
        let mine: serde_json::Value = keji
            .client
            .get(app.url("/api/tasks"))
            .send()
            .await?
            .json()
            .await?;
        let got: BTreeSet<(usize, u32)> = mine["tasks"]
            .as_array()
            .context("tasks")?
            .iter()
            .map(|t| {
                (
                    t["table"].as_u64().unwrap_or(0) as usize,
                    t["row"].as_u64().unwrap_or(0) as u32,
                )
            })
            .collect();
        assert!(!expected_rows.is_empty());
        assert_eq!(got, expected_rows, "{b:?}");
        app.finish().await;
    }
    Ok(())
}
