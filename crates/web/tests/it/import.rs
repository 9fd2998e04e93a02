use anyhow::{Context, Result, ensure};
use duban_store::Role;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::helpers::{TestApp, User, backends, seed_path, spawn_app};

async fn upload(
    app: &TestApp,
    admin: &User,
    name: &str,
    bytes: Vec<u8>,
) -> Result<(StatusCode, String)> {
    let form = Form::new()
        .text("csrf", admin.csrf.clone())
        .part("file", Part::bytes(bytes).file_name(name.to_string()));
    let res = admin
        .client
        .post(app.url("/import"))
        .multipart(form)
        .send()
        .await?;
    Ok((res.status(), res.text().await?))
}

fn preview_token(html: &str) -> Option<String> {
    let start = html.find("action=\"/import/")? + "action=\"/import/".len();
    let end = html[start..].find('/')?;
    Some(html[start..start + end].to_string())
}

async fn plan_count(app: &TestApp) -> Result<usize> {
    Ok(app.store.plans().await?.len())
}

#[tokio::test]
async fn import_preview_cancel_confirm_and_duplicate() -> Result<()> {
    let Some(seed) = seed_path() else {
        return Ok(());
    };
    let bytes = std::fs::read(&seed)?;
    for b in backends() {
        let app = spawn_app(b).await?;
        app.add_user("admin", Role::Admin, None, false).await?;
        let admin = app.login("admin").await?;

        // Preview shows the rows and writes nothing; cancel leaves nothing.
        let (status, html) = upload(&app, &admin, "seed.txt", bytes.clone()).await?;
        assert_eq!(status, StatusCode::OK, "{html}");
        ensure!(
            html.contains("<b class=\"task-count\">126</b>"),
            "preview counts 126 tasks"
        );
        ensure!(html.contains("区科技局") && html.contains("新单位"));
        // Parsed targets with the machine's verdicts, and the group placeholders apart.
        ensure!(html.contains("<div class=\"small\">"), "targets listed");
        ensure!(html.contains("各镇街"), "group placeholders listed");
        ensure!(html.contains("附件1") && html.contains("附件2"));
        // The seed's count mismatches are named in Chinese among what to check; the
        // conversion junk removed is listed apart, folded away.
        let checks = html.find("需要核对").context("checks section")?;
        let cleanups = html.find("已自动清理").context("cleanups section")?;
        let mismatch = html.find("所称数量与实际不符").context("mismatch label")?;
        ensure!(
            checks < mismatch && mismatch < cleanups,
            "mismatch among the checks"
        );
        ensure!(!html.contains("<code>claimed_count_mismatch</code>"));
        let token = preview_token(&html).context("preview token")?;
        assert_eq!(plan_count(&app).await?, 0);
        let res = admin
            .client
            .post(app.url(&format!("/import/{token}/cancel")))
            .form(&[("csrf", admin.csrf.as_str())])
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(plan_count(&app).await?, 0);
        assert!(
            app.store.units().await?.is_empty(),
            "cancel leaves no units behind"
        );
        // A cancelled preview cannot be confirmed.
        let res = admin
            .client
            .post(app.url(&format!("/import/{token}/confirm")))
            .form(&[("csrf", admin.csrf.as_str()), ("plan_name", "x")])
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);

        // Confirm imports all 126 tasks at once.
        let (_, html) = upload(&app, &admin, "seed.txt", bytes.clone()).await?;
        let token = preview_token(&html).context("token")?;
        let res = admin
            .client
            .post(app.url(&format!("/import/{token}/confirm")))
            .form(&[
                ("csrf", admin.csrf.as_str()),
                ("plan_name", "2022年沙坪坝区重点任务"),
            ])
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let plans = app.store.plans().await?;
        assert_eq!(plans.len(), 1);
        assert_eq!(plans[0].task_count, 126);
        let v: serde_json::Value = admin
            .client
            .get(app.url("/api/tasks"))
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(v["tasks"].as_array().map(|a| a.len()), Some(126));

        // The same file again: the preview says so, and confirming is refused.
        let (status, html) = upload(&app, &admin, "again.txt", bytes.clone()).await?;
        assert_eq!(status, StatusCode::OK);
        ensure!(html.contains("该文件已导入过"));
        let token = preview_token(&html).context("token")?;
        let res = admin
            .client
            .post(app.url(&format!("/import/{token}/confirm")))
            .form(&[("csrf", admin.csrf.as_str()), ("plan_name", "重复")])
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        assert_eq!(plan_count(&app).await?, 1);

        // Junk is refused with a message, and uploads over the limit are too.
        let (status, html) = upload(&app, &admin, "x.pdf", b"%PDF-1.4".to_vec()).await?;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        ensure!(html.contains("不支持的文件类型"), "{html}");
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn uploads_over_the_limit_are_refused() -> Result<()> {
    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, |c| {
        // The body limit admits the larger of a ledger and an evidence file.
        c.max_upload_bytes = 64 * 1024;
        c.max_file_bytes = 16 * 1024;
    })
    .await?;
    app.add_user("admin", Role::Admin, None, false).await?;
    let admin = app.login("admin").await?;
    let (status, _) = upload(&app, &admin, "big.txt", vec![b'a'; 200 * 1024]).await?;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(plan_count(&app).await?, 0);
    app.finish().await;
    Ok(())
}

const XLS: &[u8] = include_bytes!("../../../ingest/tests/it/fixtures/legacy/ledger.xls");
const DOC: &[u8] = include_bytes!("../../../ingest/tests/it/fixtures/legacy/ledger.doc");

#[tokio::test]
async fn an_xls_imports_and_a_doc_is_answered_with_what_to_save_it_as() -> Result<()> {
    for b in backends() {
        let app = spawn_app(b).await?;
        app.add_user("admin", Role::Admin, None, false).await?;
        let admin = app.login("admin").await?;
        let (status, html) = upload(&app, &admin, "台账.xls", XLS.to_vec()).await?;
        assert_eq!(status, StatusCode::OK, "{html}");
        ensure!(
            html.contains("<b class=\"task-count\">24</b>"),
            "24 tasks in the preview"
        );
        ensure!(html.contains("附件2"), "the hidden sheet is named");
        let token = preview_token(&html).context("preview token")?;
        let res = admin
            .client
            .post(app.url(&format!("/import/{token}/confirm")))
            .form(&[("csrf", admin.csrf.as_str()), ("plan_name", "2026年台账")])
            .send()
            .await?;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let plans = app.store.plans().await?;
        ensure!(
            plans.len() == 1 && plans[0].source_format == "xls",
            "{plans:?}"
        );

        let (status, html) = upload(&app, &admin, "总结.doc", DOC.to_vec()).await?;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        ensure!(
            html.contains(
                // The page escapes the slash in "Word/WPS".
                "《总结.doc》是Word 97-2003 (.doc) 文档，请在 Word&#x2f;WPS 中另存为 .docx 后再导入"
            ),
            "{html}"
        );
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn with_soffice_turned_on_a_doc_upload_is_converted() -> Result<()> {
    if !duban_ingest::soffice_available() {
        // CI installs LibreOffice: there this test must run.
        ensure!(
            std::env::var_os("CI").is_none(),
            "soffice missing where CI runs"
        );
        return Ok(());
    }
    for b in backends() {
        let app = crate::helpers::spawn_app_with(b, |c| {
            c.soffice_convert = Some(std::time::Duration::from_secs(120));
        })
        .await?;
        app.add_user("admin", Role::Admin, None, false).await?;
        let admin = app.login("admin").await?;
        let (status, html) = upload(&app, &admin, "总结.doc", DOC.to_vec()).await?;
        assert_eq!(status, StatusCode::OK, "{html}");
        ensure!(
            html.contains("<b class=\"task-count\">12</b>"),
            "converted and read"
        );
        app.finish().await;
    }
    Ok(())
}
