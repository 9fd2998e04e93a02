//! API tokens over HTTP: created on the account's own page and shown once, accepted as
//! `Authorization: Bearer` on the JSON API only, with the account's role and unit scope, a
//! read token refused on writes, revocation by the owner or the office taking effect at
//! once and audited, and every JSON route documented with the bearer scheme.

use anyhow::{Context, Result, ensure};
use duban_web::{Access, route_list};
use reqwest::StatusCode;

use crate::helpers::{TestApp, User, backends, get_text, post_form, seeded, task_ids_by};

/// Creates a token on the page; returns its secret as the page shows it.
async fn create(app: &TestApp, u: &User, name: &str, scope: &str) -> Result<String> {
    let (status, html) = post_form(
        app,
        u,
        "/account/tokens",
        &[("name", name), ("scope", scope)],
    )
    .await?;
    ensure!(status == StatusCode::OK, "create: {status}: {html}");
    Ok(html
        .split("<code id=\"new-token\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .context("the new token on the page")?
        .to_string())
}

/// Sends `req` and fails unless it answers `want`; the response, for further checks.
async fn expect(
    req: reqwest::RequestBuilder,
    want: StatusCode,
    what: &str,
) -> Result<reqwest::Response> {
    let res = req.send().await?;
    ensure!(
        res.status() == want,
        "{what}: {} (expected {want})",
        res.status()
    );
    Ok(res)
}

/// A request with the token and no cookie.
fn bearer(
    method: reqwest::Method,
    app: &TestApp,
    path: &str,
    secret: &str,
) -> reqwest::RequestBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .request(method, app.url(path))
        .header("Authorization", format!("Bearer {secret}"))
}

#[tokio::test]
async fn tokens_act_for_their_account_on_the_json_api_only() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let unit_b = app.login("unit_b").await?;
        let read = create(&app, &unit_b, "报表脚本", "read").await?;
        ensure!(
            read.starts_with("dbn_") && read.len() == 68,
            "{b:?}: {read}"
        );
        // Shown once: the list afterwards has the prefix, never the secret.
        let list = get_text(&app, &unit_b, "/account/tokens").await?;
        ensure!(
            list.contains("报表脚本") && list.contains(&read[..12]),
            "{b:?}"
        );
        ensure!(!list.contains(&read), "{b:?}: the secret is shown again");

        // The token sees what unit B sees, and no more.
        let by_session = task_ids_by(&app, &unit_b.client, "/api/tasks").await?;
        let res = expect(
            bearer(reqwest::Method::GET, &app, "/api/tasks", &read),
            StatusCode::OK,
            &format!("{b:?}"),
        )
        .await?;
        let v: serde_json::Value = res.json().await?;
        let mut by_token: Vec<i64> = v["tasks"]
            .as_array()
            .context("tasks")?
            .iter()
            .filter_map(|t| t["id"].as_i64())
            .collect();
        by_token.sort();
        let mut expected = by_session.clone();
        expected.sort();
        ensure!(
            by_token == expected && by_token.len() == 2,
            "{b:?}: {by_token:?}"
        );
        let all = crate::helpers::task_ids(&app).await?;
        expect(
            bearer(
                reqwest::Method::GET,
                &app,
                &format!("/api/tasks/{}", all[0]),
                &read,
            ),
            StatusCode::NOT_FOUND,
            &format!("{b:?}: unit A's task"),
        )
        .await?;

        // Not on pages, not on form posts.
        expect(
            bearer(reqwest::Method::GET, &app, "/tasks", &read),
            StatusCode::SEE_OTHER,
            &format!("{b:?}: page"),
        )
        .await?;
        expect(
            bearer(reqwest::Method::POST, &app, "/account/tokens", &read)
                .form(&[("name", "x"), ("scope", "read-write")]),
            StatusCode::SEE_OTHER,
            &format!("{b:?}: form"),
        )
        .await?;

        // A read token never writes; a read-write one may, without a CSRF header.
        let res = expect(
            bearer(reqwest::Method::DELETE, &app, "/api/session", &read),
            StatusCode::FORBIDDEN,
            &format!("{b:?}"),
        )
        .await?;
        let v: serde_json::Value = res.json().await?;
        ensure!(
            v["error"].as_str().is_some_and(|e| e.contains("只读")),
            "{v}"
        );
        let rw = create(&app, &unit_b, "同步", "read-write").await?;
        expect(
            bearer(reqwest::Method::DELETE, &app, "/api/session", &rw),
            StatusCode::NO_CONTENT,
            &format!("{b:?}: rw"),
        )
        .await?;

        // A bad or unknown token is 401, not a session-less 200.
        expect(
            bearer(reqwest::Method::GET, &app, "/api/tasks", "dbn_nonsense"),
            StatusCode::UNAUTHORIZED,
            &format!("{b:?}"),
        )
        .await?;

        // Last use recorded.
        let owner = app.store.find_user("unit_b").await?.context("unit_b")?;
        let tokens = app.store.tokens(Some(owner.id)).await?;
        ensure!(
            tokens.iter().all(|t| t.last_used.is_some()),
            "{b:?}: {tokens:?}"
        );

        // The owner revokes the read token: it stops at once, and its use is audited.
        let read_id = tokens
            .iter()
            .find(|t| t.name == "报表脚本")
            .context("read")?
            .id;
        let (status, _) = post_form(
            &app,
            &unit_b,
            &format!("/account/tokens/{read_id}/revoke"),
            &[],
        )
        .await?;
        ensure!(status == StatusCode::SEE_OTHER, "{b:?}: revoke {status}");
        expect(
            bearer(reqwest::Method::GET, &app, "/api/tasks", &read),
            StatusCode::UNAUTHORIZED,
            &format!("{b:?}: revoked"),
        )
        .await?;

        // Unit A cannot revoke unit B's token; the office can, from its own page.
        let rw_id = tokens.iter().find(|t| t.name == "同步").context("rw")?.id;
        let unit_a = app.login("unit_a").await?;
        let (status, _) = post_form(
            &app,
            &unit_a,
            &format!("/account/tokens/{rw_id}/revoke"),
            &[],
        )
        .await?;
        ensure!(
            status == StatusCode::NOT_FOUND,
            "{b:?}: unit A revoked: {status}"
        );
        let admin = app.login("admin").await?;
        let page = get_text(&app, &admin, "/account/tokens").await?;
        ensure!(
            page.contains("unit_b") && page.contains("同步"),
            "{b:?}: office's list"
        );
        let (status, _) = post_form(
            &app,
            &admin,
            &format!("/account/tokens/{rw_id}/revoke"),
            &[],
        )
        .await?;
        ensure!(
            status == StatusCode::SEE_OTHER,
            "{b:?}: office revoke {status}"
        );
        expect(
            bearer(reqwest::Method::GET, &app, "/api/overview", &rw),
            StatusCode::UNAUTHORIZED,
            &format!("{b:?}"),
        )
        .await?;

        let actions: Vec<String> = app
            .store
            .audit_entries(500, None)
            .await?
            .into_iter()
            .map(|e| e.action)
            .collect();
        for (action, n) in [
            ("token.create", 2),
            ("token.revoke", 2),
            ("token.use_revoked", 2),
        ] {
            let got = actions.iter().filter(|a| *a == action).count();
            ensure!(got == n, "{b:?}: {action}: {got}");
        }
        // A bad form says why, in Chinese, and creates nothing.
        let (status, html) = post_form(
            &app,
            &unit_b,
            "/account/tokens",
            &[("name", "x"), ("scope", "all")],
        )
        .await?;
        ensure!(
            status == StatusCode::BAD_REQUEST && html.contains("请选择权限"),
            "{b:?}"
        );
        let (status, html) = post_form(
            &app,
            &unit_b,
            "/account/tokens",
            &[("name", "x"), ("scope", "read"), ("expires", "2020-13-01")],
        )
        .await?;
        ensure!(
            status == StatusCode::BAD_REQUEST && html.contains("不是有效日期"),
            "{b:?}"
        );
        ensure!(app.store.tokens(Some(owner.id)).await?.len() == 2);
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn every_json_route_offers_the_bearer_scheme() -> Result<()> {
    let app = seeded(crate::helpers::Backend::Sqlite).await?;
    let doc: serde_json::Value = app
        .client()
        .get(app.url("/api/openapi.json"))
        .send()
        .await?
        .json()
        .await?;
    ensure!(doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer");
    let mut checked = 0;
    for r in route_list() {
        if !r.path.starts_with("/api/") {
            continue;
        }
        let op = &doc["paths"][r.path][r.method.to_ascii_lowercase()];
        ensure!(op.is_object(), "{} {} is not documented", r.method, r.path);
        let security = op["security"].as_array().context("security")?;
        let open = matches!(r.access, Access::Anonymous | Access::Public);
        let has_bearer = security.iter().any(|s| s.get("bearer").is_some());
        ensure!(
            has_bearer != open,
            "{} {}: bearer {has_bearer}, open {open}",
            r.method,
            r.path
        );
        checked += 1;
    }
    ensure!(checked >= 6);
    app.finish().await;
    Ok(())
}
