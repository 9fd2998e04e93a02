//! The live check as a unit types: the report form's fields sent unsaved to the check route
//! come back as the same panel a save shows, and nothing is stored.

use anyhow::{Context, Result, ensure};
use duban_store::Scope;
use reqwest::StatusCode;

use crate::helpers::{Backend, backends, cst_date_in, get, post_form, seeded, task_ids};

#[tokio::test]
async fn the_check_follows_the_typed_text_without_saving() -> Result<()> {
    for b in backends() {
        run(b).await.with_context(|| format!("on {b:?}"))?;
    }
    Ok(())
}

async fn run(b: Backend) -> Result<()> {
    let app = seeded(b).await?;
    // Task 1 ("技术合同登记额增长15%") is led by unit A alone.
    let task = task_ids(&app).await?[0];
    let unit_a = app.login("unit_a").await?;
    let unit_b = app.login("unit_b").await?;
    // Opened through the store: the round form itself is covered in `cycle.rs`.
    let plan = app.store.plans().await?[0].id;
    let round = app
        .store
        .open_round(plan, "2026年1月", &cst_date_in(5), "test")
        .await?
        .id
        .0;
    let form = format!("/rounds/{round}/tasks/{task}/report");

    // The form names the check route the script calls, and the page loads the script.
    let (s, page) = get(&app, &unit_a, &form).await?;
    ensure!(s == StatusCode::OK);
    ensure!(
        page.contains(&format!("data-check=\"{form}/check\"")),
        "the form carries its check route"
    );
    let script = page
        .split("<script src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .context("script tag")?
        .to_string();
    let res = unit_a.client.get(app.url(&script)).send().await?;
    ensure!(res.status() == 200);
    ensure!(
        res.headers()["content-type"]
            .to_str()?
            .starts_with("text/javascript")
    );
    ensure!(res.text().await?.contains("data-check"));

    // 已完成 while the text says 完成70% and the figure is below target: the answer warns
    // and judges the figure, as a save would.
    let check = format!("{form}/check");
    let (s, body) = post_form(
        &app,
        &unit_a,
        &check,
        &[
            (
                "narrative",
                "技术合同登记额同比增长12%，全年工作整体完成70%。",
            ),
            ("self_status", "done"),
            ("fig0", "12"),
            ("version", ""),
        ],
    )
    .await?;
    ensure!(s == StatusCode::OK, "{s}: {body}");
    let v: serde_json::Value = serde_json::from_str(&body)?;
    let warnings = v["warnings"].as_array().context("warnings")?;
    ensure!(
        warnings.iter().any(|w| w
            .as_str()
            .is_some_and(|w| w.contains("自评为“已完成”，但进展写有“全年工作整体完成70%”"))),
        "{body}"
    );
    let html = v["html"].as_str().context("html")?;
    ensure!(html.contains("id=\"livecheck\"") && html.contains("填报12%"));
    ensure!(html.contains("<mark title="), "the evidence is marked");

    // Typed on: the figure now meets the target and the text no longer contradicts.
    let (s, body) = post_form(
        &app,
        &unit_a,
        &check,
        &[
            ("narrative", "技术合同登记额同比增长18%，超额完成全年目标。"),
            ("self_status", "done"),
            ("fig0", "18"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body)?;
    ensure!(v["verdict"] == "met", "{body}");
    ensure!(
        v["warnings"].as_array().is_some_and(|w| w.is_empty()),
        "{body}"
    );

    // Nothing was stored, and a figure that is not a number is left out, not an error.
    let t = duban_store::TaskId(task);
    ensure!(app.store.task_reports(t, &Scope::All).await?.is_empty());
    let (s, _) = post_form(
        &app,
        &unit_a,
        &check,
        &[("narrative", "进展"), ("fig0", "十二")],
    )
    .await?;
    ensure!(s == StatusCode::OK);

    // Another unit cannot check against a task that is not its own; the token is required.
    let (s, _) = post_form(&app, &unit_b, &check, &[("narrative", "x")]).await?;
    ensure!(s == StatusCode::NOT_FOUND, "unit B: {s}");
    let res = unit_a
        .client
        .post(app.url(&check))
        .form(&[("narrative", "x")])
        .send()
        .await?;
    ensure!(res.status() == StatusCode::FORBIDDEN, "{}", res.status());
    app.finish().await;
    Ok(())
}
