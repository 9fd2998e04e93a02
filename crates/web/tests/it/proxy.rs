//! Behind a reverse proxy: forwarding headers believed only from trusted proxies (client
//! address for the throttle and the audit log, HTTPS for the Secure cookie), and the whole
//! service under a base path. The tests' requests come from 127.0.0.1, which each test
//! makes a trusted proxy or not.

use anyhow::{Context, Result, ensure};
use reqwest::StatusCode;

use crate::helpers::{Backend, PASSWORD, TestApp, backends, seeded_with, spawn_app_with};

fn trust_loopback(c: &mut duban_web::Config) {
    c.trusted_proxies = vec!["127.0.0.1/32".parse().expect("cidr")];
}

/// The `client` of every audit entry with this action, newest first.
async fn audit_clients(app: &TestApp, action: &str) -> Result<Vec<String>> {
    Ok(app
        .store
        .audit_entries(500, None)
        .await?
        .into_iter()
        .filter(|e| e.action == action)
        .filter_map(|e| {
            let v: serde_json::Value = serde_json::from_str(e.after_json.as_deref()?).ok()?;
            v["client"].as_str().map(str::to_string)
        })
        .collect())
}

/// Twelve wrong passwords (for names that do not exist, so only the address counts), each
/// claiming a different X-Forwarded-For; the statuses.
async fn twelve_guesses(app: &TestApp) -> Result<Vec<StatusCode>> {
    let c = app.client();
    let mut out = Vec::new();
    for i in 0..12 {
        let res = c
            .post(app.url("/api/session"))
            .header("X-Forwarded-For", format!("198.51.100.{}", i + 1))
            .json(&serde_json::json!({"username": format!("nobody{i}"), "password": "wrong-wrong"}))
            .send()
            .await?;
        out.push(res.status());
    }
    Ok(out)
}

#[tokio::test]
async fn forged_forwarded_for_from_an_untrusted_peer_is_ignored() -> Result<()> {
    for b in backends() {
        // X-Real-IP named as the header, but 127.0.0.1 is not a trusted proxy: ignored too.
        let app = spawn_app_with(b, |c| c.client_ip_header = Some("X-Real-IP".into())).await?;
        let statuses = twelve_guesses(&app).await?;
        // The real peer made every guess: its 10th wrong password delays it.
        ensure!(
            statuses.contains(&StatusCode::LOCKED),
            "{b:?}: the forged addresses escaped the throttle: {statuses:?}"
        );
        let clients = audit_clients(&app, "user.login_failed").await?;
        ensure!(
            clients.len() >= 10 && clients.iter().all(|c| c == "127.0.0.1"),
            "{b:?}: {clients:?}"
        );
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn forwarded_for_from_a_trusted_proxy_names_the_client() -> Result<()> {
    for b in backends() {
        let app = spawn_app_with(b, trust_loopback).await?;
        app.add_user("admin", duban_store::Role::Admin, None, false)
            .await?;
        let statuses = twelve_guesses(&app).await?;
        // Twelve different clients, one wrong password each: nobody is delayed.
        ensure!(
            statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED),
            "{b:?}: {statuses:?}"
        );
        let clients = audit_clients(&app, "user.login_failed").await?;
        ensure!(clients.len() == 12, "{b:?}: {clients:?}");
        ensure!(
            clients.contains(&"198.51.100.1".to_string())
                && clients.contains(&"198.51.100.12".to_string()),
            "{b:?}: {clients:?}"
        );
        // The right-most address that is not the proxy counts; what the client wrote in
        // front of it does not. A login's audit entry names it too.
        let res = app
            .client()
            .post(app.url("/api/session"))
            .header("X-Forwarded-For", "10.1.1.1, 203.0.113.77, 127.0.0.1")
            .json(&serde_json::json!({"username": "admin", "password": PASSWORD}))
            .send()
            .await?;
        ensure!(res.status() == StatusCode::OK, "{b:?}: {}", res.status());
        let logins = audit_clients(&app, "user.login").await?;
        ensure!(
            logins.first().map(String::as_str) == Some("203.0.113.77"),
            "{b:?}: {logins:?}"
        );
        app.finish().await;
    }
    Ok(())
}

/// The `Set-Cookie` of a JSON login with these headers.
async fn login_cookie(app: &TestApp, headers: &[(&str, &str)]) -> Result<String> {
    let mut req = app
        .client()
        .post(app.url("/api/session"))
        .json(&serde_json::json!({"username": "admin", "password": PASSWORD}));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await?;
    ensure!(res.status() == StatusCode::OK, "login: {}", res.status());
    Ok(res
        .headers()
        .get("set-cookie")
        .context("set-cookie")?
        .to_str()?
        .to_string())
}

#[tokio::test]
async fn secure_cookie_only_behind_an_https_proxy() -> Result<()> {
    for b in backends() {
        for trusted in [false, true] {
            let app = spawn_app_with(b, |c| {
                if trusted {
                    trust_loopback(c);
                }
            })
            .await?;
            app.add_user("admin", duban_store::Role::Admin, None, false)
                .await?;
            let https = login_cookie(&app, &[("X-Forwarded-Proto", "https")]).await?;
            let plain = login_cookie(&app, &[("X-Forwarded-Proto", "http")]).await?;
            let none = login_cookie(&app, &[]).await?;
            ensure!(
                https.contains("; Secure") == trusted,
                "{b:?} trusted={trusted}: {https}"
            );
            ensure!(
                !plain.contains("Secure") && !none.contains("Secure"),
                "{plain} / {none}"
            );
            // The login form's own cookie follows the same rule.
            let res = app
                .client()
                .get(app.url("/login"))
                .header("X-Forwarded-Proto", "https")
                .send()
                .await?;
            let form_cookie = res
                .headers()
                .get("set-cookie")
                .context("login form cookie")?
                .to_str()?
                .to_string();
            ensure!(form_cookie.contains("; Secure") == trusted, "{form_cookie}");
            app.finish().await;
        }
    }
    Ok(())
}

/// Every `href`, `action` and `src` value in a page.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "action=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            if let Some(end) = rest.find('"') {
                // A link within the page ("#main") goes nowhere the base path applies to.
                if !rest.starts_with('#') {
                    out.push(rest[..end].replace("&amp;", "&").replace("&#x2f;", "/"));
                }
                rest = &rest[end..];
            }
        }
    }
    out
}

const BASE: &str = "/duban";

async fn under_base(b: Backend) -> Result<()> {
    let app = seeded_with(b, |c| c.base_path = BASE.into()).await?;
    let c = app.client();
    // Outside the base path nothing answers.
    for outside in ["/login", "/", "/api/tasks", "/healthz", "/dubanx/login"] {
        let s = c.get(app.url(outside)).send().await?.status();
        ensure!(s == StatusCode::NOT_FOUND, "{b:?}: {outside} answered {s}");
    }
    // A page asked for before login redirects to the login page under the base.
    let res = c.get(app.url("/duban/tasks")).send().await?;
    let to = res
        .headers()
        .get("location")
        .context("redirect")?
        .to_str()?
        .to_string();
    ensure!(to.starts_with("/duban/login?next="), "{b:?}: {to}");

    // The login form, its cookie on the base path, the login, the overview.
    let login = c.get(app.url("/duban/login")).send().await?;
    let cookie = login
        .headers()
        .get("set-cookie")
        .context("form cookie")?
        .to_str()?
        .to_string();
    ensure!(cookie.contains("Path=/duban;"), "{b:?}: {cookie}");
    let html = login.text().await?;
    for l in links(&html) {
        ensure!(l.starts_with("/duban/"), "{b:?}: login page links {l}");
    }
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .context("login csrf")?
        .to_string();
    let res = c
        .post(app.url("/duban/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "admin"),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await?;
    ensure!(
        res.status() == StatusCode::SEE_OTHER,
        "{b:?}: login {}",
        res.status()
    );
    let to = res.headers().get("location").context("to")?.to_str()?;
    // The office lands on its to-do.
    ensure!(to == "/duban/todo", "{b:?}: after login {to}");

    let overview = c.get(app.url("/duban/")).send().await?;
    ensure!(
        overview.status() == StatusCode::OK,
        "{b:?}: overview {}",
        overview.status()
    );
    let overview = overview.text().await?;
    let task = crate::helpers::task_ids_by(&app, &c, "/duban/api/tasks").await?[0];
    let task_page = c
        .get(app.url(&format!("/duban/tasks/{task}")))
        .send()
        .await?;
    ensure!(
        task_page.status() == StatusCode::OK,
        "{b:?}: task {}",
        task_page.status()
    );
    let task_page = task_page.text().await?;

    // Every link on both pages is under the base path, and every page link answers.
    let mut seen = std::collections::BTreeSet::new();
    for l in links(&overview).into_iter().chain(links(&task_page)) {
        if l.starts_with('#') {
            continue;
        }
        ensure!(
            l.starts_with("/duban/"),
            "{b:?}: link outside the base path: {l}"
        );
        seen.insert(l);
    }
    ensure!(seen.len() > 10, "{b:?}: too few links: {seen:?}");
    for l in &seen {
        let path = l.split('#').next().unwrap_or(l);
        let res = c.get(app.url(path)).send().await?;
        // Form actions answer GET with 405; everything else must serve.
        ensure!(
            res.status().is_success() || res.status() == StatusCode::METHOD_NOT_ALLOWED,
            "{b:?}: GET {path}: {}",
            res.status()
        );
        if res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"))
        {
            for inner in links(&res.text().await?) {
                ensure!(
                    inner.starts_with("/duban/") || inner.starts_with('#'),
                    "{b:?}: {path} links {inner}"
                );
            }
        }
    }
    // A form post redirects under the base path too.
    let res = c
        .post(app.url("/duban/logout"))
        .form(&[("csrf", admin_csrf(&overview)?.as_str())])
        .send()
        .await?;
    let to = res.headers().get("location").context("logout")?.to_str()?;
    ensure!(to == "/duban/login", "{b:?}: after logout {to}");
    app.finish().await;
    Ok(())
}

fn admin_csrf(page: &str) -> Result<String> {
    Ok(page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .context("page csrf")?
        .to_string())
}

#[tokio::test]
async fn the_service_answers_under_its_base_path_only() -> Result<()> {
    for b in backends() {
        under_base(b).await?;
    }
    Ok(())
}
