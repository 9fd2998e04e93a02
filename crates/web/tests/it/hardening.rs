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
