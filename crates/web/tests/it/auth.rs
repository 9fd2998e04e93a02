use anyhow::{Context, Result, ensure};
use duban_store::Role;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, backends, pause, seeded, spawn_app_with};

#[tokio::test]
async fn login_lockout_and_logout() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        // Bad credentials, then five wrong passwords lock the account, even for the right one.
        let c = app.client();
        let login = |user: &str, pw: &str| {
            c.post(app.url("/api/session"))
                .json(&serde_json::json!({"username": user, "password": pw}))
                .send()
        };
        assert_eq!(
            login("nobody", "whatever-1").await?.status(),
            StatusCode::UNAUTHORIZED
        );
        for _ in 0..4 {
            assert_eq!(
                login("leader", "wrong-password").await?.status(),
                StatusCode::UNAUTHORIZED
            );
        }
        // The fifth wrong password is the one that locks.
        assert_eq!(
            login("leader", "wrong-password").await?.status(),
            StatusCode::LOCKED
        );
        assert_eq!(
            login("leader", PASSWORD).await?.status(),
            StatusCode::LOCKED,
            "{b:?}"
        );

        // A good login sets an HttpOnly, SameSite cookie; DELETE ends the session.
        let res = app
            .client()
            .post(app.url("/api/session"))
            .json(&serde_json::json!({"username": "admin", "password": PASSWORD}))
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::OK);
        let cookie = res
            .headers()
            .get("set-cookie")
            .context("cookie")?
            .to_str()?
            .to_string();
        ensure!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        ensure!(!cookie.contains("Secure"), "Secure only when configured");

        let admin = app.login("admin").await?;
        assert_eq!(
            admin
                .client
                .get(app.url("/api/tasks"))
                .send()
                .await?
                .status(),
            StatusCode::OK
        );
        let res = admin
            .client
            .delete(app.url("/api/session"))
            .header("X-CSRF-Token", &admin.csrf)
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            admin
                .client
                .get(app.url("/api/tasks"))
                .send()
                .await?
                .status(),
            StatusCode::UNAUTHORIZED
        );
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn csrf_is_required_on_state_changes() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let admin = app.login("admin").await?;
        let form = "username=newbie&role=leader&password=long-enough-1";
        let post = |token: Option<&str>| {
            let mut r = admin
                .client
                .post(app.url("/admin/users"))
                .header("content-type", "application/x-www-form-urlencoded");
            if let Some(t) = token {
                r = r.header("X-CSRF-Token", t);
            }
            r.body(form).send()
        };
        assert_eq!(post(None).await?.status(), StatusCode::FORBIDDEN);
        assert_eq!(post(Some("forged")).await?.status(), StatusCode::FORBIDDEN);
        // In the form body, as the pages send it.
        let res = admin
            .client
            .post(app.url("/admin/users"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf=wrong&{form}"))
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(
            app.store.find_user("newbie").await?.is_none(),
            "nothing created"
        );
        let res = admin
            .client
            .post(app.url("/admin/users"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf={}&{form}", admin.csrf))
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(app.store.find_user("newbie").await?.is_some());
        // JSON logout without the header is refused too.
        let res = admin.client.delete(app.url("/api/session")).send().await?;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn security_headers_on_every_kind_of_response() -> Result<()> {
    let app = seeded(crate::helpers::Backend::Sqlite).await?;
    let c = app.client();
    for path in [
        "/healthz",
        "/login",
        "/",
        "/api/tasks",
        "/no-such-page",
        "/assets/style.css",
    ] {
        let res = c.get(app.url(path)).send().await?;
        let h = res.headers();
        let csp = h.get("content-security-policy").context(path)?.to_str()?;
        ensure!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        ensure!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(h.get("x-frame-options").context(path)?, "DENY");
        assert_eq!(h.get("x-content-type-options").context(path)?, "nosniff");
        ensure!(h.contains_key("referrer-policy"), "{path}");
    }
    assert_eq!(c.get(app.url("/healthz")).send().await?.text().await?, "ok");
    app.finish().await;
    Ok(())
}

#[tokio::test]
async fn html_login_flow_and_forced_password_change() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let admin = app.login("admin").await?;
        // An account made in the web UI must change its password at first login.
        let res = admin
            .client
            .post(app.url("/admin/users"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "csrf={}&username=zhang&display_name=%E5%BC%A0&role=leader&password=initial-pass-1",
                admin.csrf
            ))
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        let c = app.client();
        let page = c.get(app.url("/login")).send().await?.text().await?;
        let token = hidden(&page, "csrf").context("login form token")?;
        let res = c
            .post(app.url("/login"))
            .form(&[
                ("csrf", token.as_str()),
                ("username", "zhang"),
                ("password", "initial-pass-1"),
                ("next", "/tasks"),
            ])
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()["location"], "/password");
        // Everything else redirects to the change page until it is done.
        let res = c.get(app.url("/tasks")).send().await?;
        assert_eq!(res.headers()["location"], "/password");
        assert_eq!(
            c.get(app.url("/api/tasks")).send().await?.status(),
            StatusCode::FORBIDDEN
        );

        let page = c.get(app.url("/password")).send().await?.text().await?;
        let csrf = hidden(&page, "csrf").context("csrf")?;
        let res = c
            .post(app.url("/password"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("current", "initial-pass-1"),
                ("new", "brand-new-pass-2"),
                ("confirm", "brand-new-pass-2"),
            ])
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = c.get(app.url("/tasks")).send().await?;
        assert_eq!(res.status(), StatusCode::OK);
        let user = app.store.find_user("zhang").await?.context("user")?;
        assert!(!user.must_change);
        assert_eq!(user.role, Role::Leader);

        // Logging out through the page form ends the session.
        let page = c.get(app.url("/")).send().await?.text().await?;
        let csrf = hidden(&page, "csrf").context("csrf")?;
        let res = c
            .post(app.url("/logout"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = c.get(app.url("/tasks")).send().await?;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(res.headers()["location"].to_str()?.starts_with("/login"));

        // A wrong password on the page says so, with 401; a lockout with 423.
        let page = c.get(app.url("/login")).send().await?.text().await?;
        let mut token = hidden(&page, "csrf").context("token")?;
        for i in 0..5 {
            let res = c
                .post(app.url("/login"))
                .form(&[
                    ("csrf", token.as_str()),
                    ("username", "unit_a"),
                    ("password", "nope-nope-1"),
                ])
                .send()
                .await?;
            let expected = if i < 4 {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::LOCKED
            };
            assert_eq!(res.status(), expected);
            // Every rendering of the form carries a fresh token.
            token = hidden(&res.text().await?, "csrf").context("token")?;
        }
        let res = c
            .post(app.url("/login"))
            .form(&[
                ("csrf", token.as_str()),
                ("username", "unit_a"),
                ("password", PASSWORD),
            ])
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::LOCKED);
        ensure!(res.text().await?.contains("锁定"));
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn idle_sessions_expire() -> Result<()> {
    let app = spawn_app_with(crate::helpers::Backend::Sqlite, |c| {
        c.idle_timeout = std::time::Duration::from_secs(1);
    })
    .await?;
    app.add_user("admin", Role::Admin, None, false).await?;
    let admin = app.login("admin").await?;
    assert_eq!(
        admin
            .client
            .get(app.url("/api/overview"))
            .send()
            .await?
            .status(),
        StatusCode::OK
    );
    pause(2500).await;
    assert_eq!(
        admin
            .client
            .get(app.url("/api/overview"))
            .send()
            .await?
            .status(),
        StatusCode::UNAUTHORIZED
    );
    app.finish().await;
    Ok(())
}

/// The value of the first hidden input with this name.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let key = format!("name=\"{name}\" value=\"");
    let start = html.find(&key)? + key.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

#[tokio::test]
async fn secure_cookie_when_configured_and_no_open_redirect() -> Result<()> {
    let app = spawn_app_with(crate::helpers::Backend::Sqlite, |c| c.cookie_secure = true).await?;
    app.add_user("admin", Role::Admin, None, false).await?;
    let res = app
        .client()
        .post(app.url("/api/session"))
        .json(&serde_json::json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await?;
    let cookie = res
        .headers()
        .get("set-cookie")
        .context("cookie")?
        .to_str()?;
    ensure!(cookie.contains("; Secure"), "{cookie}");
    app.finish().await;

    // `next` may only name a local path. (Plain HTTP here: a Secure cookie would not come back.)
    let app = spawn_app_with(crate::helpers::Backend::Sqlite, |_| {}).await?;
    app.add_user("admin", Role::Admin, None, false).await?;
    let c = app.client();
    let page = c
        .get(app.url("/login?next=//evil.example/x"))
        .send()
        .await?
        .text()
        .await?;
    let token = hidden(&page, "csrf").context("token")?;
    // minijinja escapes "/" as "&#x2f;" in attributes; either way it is the bare root.
    let next = hidden(&page, "next").context("next")?;
    ensure!(next == "/" || next == "&#x2f;", "{next}");
    let res = c
        .post(app.url("/login"))
        .form(&[
            ("csrf", token.as_str()),
            ("username", "admin"),
            ("password", PASSWORD),
            ("next", "https://evil.example/"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The bare root, which for the office is its to-do.
    assert_eq!(res.headers()["location"], "/todo");
    app.finish().await;
    Ok(())
}

/// Public assets and the health probe never read the session: they answer a logged-in
/// browser even when the sessions table cannot be read, while a page that needs the session
/// cannot. Pages link the stylesheet under its content hash, cached for a year.
#[tokio::test]
async fn assets_and_health_do_not_look_up_the_session() -> Result<()> {
    let app = seeded(crate::helpers::Backend::Sqlite).await?;
    let admin = app.login("admin").await?;
    let page = admin.client.get(app.url("/")).send().await?.text().await?;
    let href = page
        .split("<link rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .context("stylesheet link")?
        .to_string();
    ensure!(
        href.starts_with("/assets/style.") && href.len() > "/assets/style.css".len(),
        "{href}"
    );
    let res = admin.client.get(app.url(&href)).send().await?;
    ensure!(res.status() == 200);
    ensure!(
        res.headers()["cache-control"]
            .to_str()?
            .contains("immutable")
    );
    let plain = admin
        .client
        .get(app.url("/assets/style.css"))
        .send()
        .await?;
    ensure!(plain.status() == 200 && plain.headers()["cache-control"] == "public, max-age=3600");
    ensure!(
        admin
            .client
            .get(app.url("/assets/other.js"))
            .send()
            .await?
            .status()
            == 404
    );

    app.raw_sql("ALTER TABLE sessions RENAME TO sessions_away")
        .await?;
    for path in [href.as_str(), "/healthz", "/api/openapi.json"] {
        let res = admin.client.get(app.url(path)).send().await?;
        ensure!(res.status() == 200, "{path}: {}", res.status());
    }
    let res = admin.client.get(app.url("/tasks")).send().await?;
    ensure!(
        res.status() == 500,
        "a page that needs the session reads it: {}",
        res.status()
    );
    app.raw_sql("ALTER TABLE sessions_away RENAME TO sessions")
        .await?;
    app.finish().await;
    Ok(())
}
