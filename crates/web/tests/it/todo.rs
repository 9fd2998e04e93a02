//! The office's to-do (待办): each thing waiting for the office is a count linking to its
//! list, and each list shows the items; the office lands there after login; the overview's
//! counts link to filtered task lists.

use anyhow::{Context, Result, ensure};
use duban_store::{Scope, TaskId};
use reqwest::StatusCode;

use crate::helpers::{
    Backend, PASSWORD, UNIT_A, UNIT_B, backends, cst_date_in, get, get_text, open_round, post_form,
    save_and_submit, seeded, task_ids,
};

#[tokio::test]
async fn the_office_sees_what_waits_for_it() -> Result<()> {
    for b in backends() {
        run(b).await.with_context(|| format!("on {b:?}"))?;
    }
    Ok(())
}

/// The count of a to-do item as the page shows it.
fn count(page: &str, anchor: &str) -> Option<i64> {
    let at = page.find(&format!("id=\"count-{anchor}\"><b>"))?;
    let rest = &page[at..];
    let start = rest.find("<b>")? + 3;
    let end = rest.find("</b>")?;
    rest[start..end].trim().parse().ok()
}

async fn run(b: Backend) -> Result<()> {
    let app = seeded(b).await?;
    let ids = task_ids(&app).await?;
    let admin = app.login("admin").await?;
    let unit_a = app.login("unit_a").await?;
    let unit_b = app.login("unit_b").await?;

    // Nothing yet: every count is zero, every list says so.
    let page = get_text(&app, &admin, "/todo").await?;
    for a in [
        "reviews",
        "overdue",
        "notices",
        "extensions",
        "closeouts",
        "changes",
    ] {
        ensure!(count(&page, a) == Some(0), "{a} at zero");
        ensure!(page.contains(&format!("href=\"#{a}\"")) && page.contains(&format!("id=\"{a}\"")));
    }
    ensure!(page.contains("没有待审核的报告。"));

    // A round: A reports on task 1; B owes tasks 2 and 3.
    let round = open_round(&app, &admin, "2026年2月", 3).await?;
    save_and_submit(
        &app,
        &unit_a,
        round,
        ids[0],
        "技术合同登记额同比增长18.2%。",
        "done",
    )
    .await?;
    // The due date passes (behind the service's back: the office cannot open a past round).
    app.raw_sql("UPDATE rounds SET due_date = '2020-01-31'")
        .await?;

    // A notice due tomorrow to B; one due in a month (not listed).
    let b_id = app.store.unit_by_name(UNIT_B).await?.context("b")?.id;
    for (deadline, text) in [
        (cst_date_in(1), "请明日前报送进口数据"),
        (cst_date_in(30), "下月再报"),
    ] {
        let (s, _) = post_form(
            &app,
            &admin,
            &format!("/admin/tasks/{}/notices", ids[1]),
            &[
                ("unit", &b_id.to_string()),
                ("level", "yellow"),
                ("deadline", &deadline),
                ("text", text),
            ],
        )
        .await?;
        ensure!(s == StatusCode::SEE_OTHER, "notice: {s}");
    }
    // An extension request from A, a close-out application from B, a change request from B.
    let (s, _) = post_form(
        &app,
        &unit_a,
        &format!("/tasks/{}/extensions", ids[0]),
        &[
            ("requested_date", "2099-06-30"),
            ("reason", "统计口径调整，需延期核实"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "extension: {s}");
    app.store
        .apply_closeout(
            TaskId(ids[2]),
            b_id,
            "会展中心已竣工验收。",
            &[],
            1 << 20,
            "unit_b",
        )
        .await?;
    let (s, _) = post_form(&app, &admin, "/admin/handover", &[]).await?;
    ensure!(s == StatusCode::SEE_OTHER, "handover: {s}");
    let (s, _) = post_form(
        &app,
        &unit_b,
        &format!("/tasks/{}/change-requests", ids[1]),
        &[
            ("kind", "text"),
            ("proposal", "进口整车4000辆以上"),
            ("reason", "受市场影响"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "change request: {s}");

    let page = get_text(&app, &admin, "/todo").await?;
    ensure!(count(&page, "reviews") == Some(1), "reviews");
    ensure!(count(&page, "overdue") == Some(1), "one unit overdue (B)");
    ensure!(
        count(&page, "notices") == Some(1),
        "the notice due tomorrow only"
    );
    ensure!(count(&page, "extensions") == Some(1));
    ensure!(count(&page, "closeouts") == Some(1));
    ensure!(count(&page, "changes") == Some(1));
    // Each list shows its items and links to where they are handled.
    let section = |id: &str| -> Result<String> {
        let start = page
            .find(&format!("<section class=\"card\" id=\"{id}\">"))
            .context("section")?;
        let rest = &page[start..];
        Ok(rest[..rest.find("</section>").unwrap_or(rest.len())].to_string())
    };
    ensure!(section("reviews")?.contains(&format!("/admin/rounds/{round}/review")));
    let overdue = section("overdue")?;
    ensure!(
        overdue.contains(UNIT_B) && !overdue.contains(UNIT_A),
        "{overdue}"
    );
    ensure!(overdue.contains("进口整车5000辆以上") && overdue.contains("建成会展中心"));
    let notices = section("notices")?;
    ensure!(
        notices.contains(&format!("/tasks/{}#notices", ids[1]))
            && notices.contains(&cst_date_in(1))
    );
    ensure!(!notices.contains(&cst_date_in(30)));
    ensure!(section("extensions")?.contains("2099-06-30"));
    ensure!(section("closeouts")?.contains(&format!("/tasks/{}#closeout", ids[2])));
    ensure!(section("changes")?.contains("受市场影响"));

    // A decided item leaves the list.
    let ext = app
        .store
        .extensions(&Default::default(), &Scope::All)
        .await?
        .pop()
        .context("ext")?;
    let (s, _) = post_form(
        &app,
        &admin,
        &format!("/admin/extensions/{}/decide", ext.id),
        &[("decision", "approve"), ("note", "")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER);
    // The decision's message shows on the page it redirected to, once.
    let list = get_text(&app, &admin, "/admin/extensions").await?;
    ensure!(list.contains("延期申请已处理。"));
    let page = get_text(&app, &admin, "/todo").await?;
    ensure!(count(&page, "extensions") == Some(0));
    ensure!(!page.contains("class=\"flash\""));

    // Only the office has a to-do; it comes first in its menu.
    for u in [&unit_a, &app.login("leader").await?] {
        let (s, _) = get(&app, u, "/todo").await?;
        ensure!(s == StatusCode::FORBIDDEN);
        ensure!(!get_text(&app, u, "/").await?.contains("/todo\""));
    }
    let nav = page.split("<nav").nth(1).context("nav")?;
    ensure!(nav.find("/todo\"") < nav.find("/tasks\""), "待办 first");

    // The overview's counts link to their filtered lists.
    let overview = get_text(&app, &admin, "/").await?;
    for q in [
        "light=red",
        "light=amber",
        "light=green",
        "verdict=met",
        "verdict=not_met",
    ] {
        ensure!(overview.contains(&format!("/tasks?{q}\"")), "{q}");
    }
    ensure!(overview.contains("/todo#notices") && overview.contains("/todo#changes"));
    app.finish().await;
    Ok(())
}

#[tokio::test]
async fn the_office_lands_on_its_to_do() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        for (who, lands) in [("admin", "/todo"), ("unit_a", "/"), ("leader", "/")] {
            let c = app.client();
            let page = c.get(app.url("/login")).send().await?.text().await?;
            let token = page
                .split("name=\"csrf\" value=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .context("csrf")?
                .to_string();
            let res = c
                .post(app.url("/login"))
                .form(&[
                    ("csrf", token.as_str()),
                    ("username", who),
                    ("password", PASSWORD),
                    ("next", "/"),
                ])
                .send()
                .await?;
            ensure!(res.status() == StatusCode::SEE_OTHER, "{b:?} {who}");
            ensure!(res.headers()["location"] == lands, "{b:?} {who}");
            // A page asked for by name is honoured for the office too.
        }
        app.finish().await;
    }
    Ok(())
}
