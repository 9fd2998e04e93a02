//! Defects found by attacking the service: download names, sessions, login throttling.

use anyhow::{Context, Result, ensure};
use reqwest::StatusCode;

use crate::helpers::{backends, seeded};

/// A round named with characters Windows refuses in file names still downloads under a
/// name every system can save.
#[tokio::test]
async fn download_names_are_valid_on_windows() -> Result<()> {
    let Some(b) = backends().into_iter().next() else {
        return Ok(());
    };
    let app = seeded(b).await?;
    let plan = app.store.plans().await?[0].id;
    let round = app
        .store
        .open_round(plan, "1月<第一批>\"督查\"|?*/\\:", "2026-01-31", "test")
        .await?;
    let admin = app.login("admin").await?;
    let res = admin
        .client
        .get(app.url(&format!("/downloads/bulletin.docx?round={}", round.id)))
        .send()
        .await?;
    ensure!(res.status() == StatusCode::OK, "{}", res.status());
    let cd = res
        .headers()
        .get("content-disposition")
        .context("content-disposition")?
        .to_str()?
        .to_string();
    let encoded = cd.split("filename*=UTF-8''").nth(1).context("filename*")?;
    for bad in [
        "%3C", "%3E", "%22", "%7C", "%3F", "%2A", "%2F", "%5C", "%3A",
    ] {
        ensure!(!encoded.contains(bad), "{bad} in {cd}");
    }
    // The name still says which round it is.
    ensure!(encoded.contains("1%E6%9C%88_"), "{cd}");
    ensure!(encoded.ends_with(".docx"), "{cd}");
    app.finish().await;
    Ok(())
}

/// A busy session still ends at its absolute lifetime (configurable; 12 hours by default).
#[tokio::test]
async fn busy_sessions_end_at_their_lifetime() -> Result<()> {
    assert_eq!(
        duban_web::Config::new("sqlite://x.db", "127.0.0.1:0".parse()?).session_lifetime,
        std::time::Duration::from_secs(12 * 3600)
    );
    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, |c| {
        c.idle_timeout = std::time::Duration::from_secs(3600);
        c.session_lifetime = std::time::Duration::from_secs(2);
    })
    .await?;
    app.add_user("admin", duban_store::Role::Admin, None, false)
        .await?;
    let admin = app.login("admin").await?;
    let status = || async {
        Ok::<_, anyhow::Error>(
            admin
                .client
                .get(app.url("/api/overview"))
                .send()
                .await?
                .status(),
        )
    };
    ensure!(status().await? == StatusCode::OK);
    crate::helpers::pause(1000).await;
    ensure!(status().await? == StatusCode::OK);
    crate::helpers::pause(2200).await;
    ensure!(status().await? == StatusCode::UNAUTHORIZED);
    app.finish().await;
    Ok(())
}

/// Over HTTP behind a proxy that names the client: a stranger hammering `admin` gets 401s,
/// then 423 with Retry-After, while the owner at another address logs in at once; the admin
/// lifts the delay from the users page.
#[tokio::test]
async fn a_stranger_does_not_lock_the_office_out() -> Result<()> {
    for b in backends() {
        let app = crate::helpers::spawn_app_with(b, |c| {
            // The test's requests come from 127.0.0.1: the proxy.
            c.trusted_proxies = vec!["127.0.0.1/32".parse().expect("cidr")];
        })
        .await?;
        app.add_user("admin", duban_store::Role::Admin, None, false)
            .await?;
        let c = app.client();
        let attempt = |from: &'static str, pw: &'static str| {
            c.post(app.url("/api/session"))
                .header("X-Forwarded-For", format!("10.9.9.9, {from}"))
                .json(&serde_json::json!({"username": "admin", "password": pw}))
                .send()
        };
        let mut statuses = Vec::new();
        let mut retry_after = None;
        for _ in 0..15 {
            let res = attempt("203.0.113.9", "guess-guess").await?;
            if res.status() == StatusCode::LOCKED {
                retry_after = res.headers().get("retry-after").cloned();
                let v: serde_json::Value = res.json().await?;
                ensure!(
                    v["error"].as_str().is_some_and(|e| e.contains("秒后再试")),
                    "{v}"
                );
            } else {
                statuses.push(res.status());
            }
        }
        ensure!(
            statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED),
            "{statuses:?}"
        );
        ensure!(statuses.len() < 15, "{b:?}: the stranger was never delayed");
        ensure!(retry_after.is_some(), "{b:?}: no Retry-After");
        // The stranger cannot get in with the right password either, for now.
        ensure!(
            attempt("203.0.113.9", crate::helpers::PASSWORD)
                .await?
                .status()
                == StatusCode::LOCKED
        );
        // The owner, elsewhere, can.
        ensure!(
            attempt("198.51.100.7", crate::helpers::PASSWORD)
                .await?
                .status()
                == StatusCode::OK,
            "{b:?}: the owner was locked out"
        );
        // From a trusted proxy the right-most untrusted entry counts (the first was the
        // client's own claim); from anyone else the header is ignored (see `proxy`).
        let admin = app.login("admin").await?;
        let users = admin
            .client
            .get(app.url("/admin/users"))
            .send()
            .await?
            .text()
            .await?;
        ensure!(
            users.contains("重置密码"),
            "{b:?}: no reset on the users page"
        );
        let id = app.store.find_user("admin").await?.context("admin")?.id;
        let res = admin
            .client
            .post(app.url(&format!("/admin/users/{id}/unlock")))
            .form(&[("csrf", admin.csrf.as_str())])
            .send()
            .await?;
        ensure!(
            res.status() == StatusCode::SEE_OTHER || res.status().is_success(),
            "{}",
            res.status()
        );
        let u = app.store.find_user("admin").await?.context("admin")?;
        ensure!(u.failed_count == 0 && u.locked_until.is_none());
        app.finish().await;
    }
    Ok(())
}

/// While the service runs, `duban restore` refuses to replace its database.
#[tokio::test]
async fn restore_refuses_while_the_service_runs() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let dir = tempfile::tempdir()?;
        let backup = dir.path().join("b.jsonl");
        app.store.backup(&backup).await?;
        // The first heartbeat is written as the service starts.
        let mut live = Vec::new();
        for _ in 0..50 {
            live = app.store.live_instances().await?;
            if !live.is_empty() {
                break;
            }
            crate::helpers::pause(100).await;
        }
        ensure!(live.len() == 1, "{b:?}: {live:?}");
        match duban_store::restore_url(
            &app.database_url,
            &backup,
            duban_store::StoreOptions::for_tests(),
        )
        .await
        {
            Err(e) => ensure!(e.to_string().contains("正被运行中的服务使用"), "{e}"),
            Ok(_) => anyhow::bail!("{b:?}: restored under a running service"),
        }
        app.finish().await;
    }
    Ok(())
}
