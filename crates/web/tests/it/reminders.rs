//! The reminder job inside the app: built with SMTP pointing at a loopback SMTP server and a
//! webhook at a loopback HTTP server, a round whose due date has passed, and one pass run by
//! the office over HTTP. The only unit still owing a report gets exactly one email and one
//! webhook call, also after a second pass, and an in-app message.

use anyhow::{Context, Result, ensure};
use duban_store::{DraftInput, Role, SelfStatus, TaskId};
use duban_testkit::{http_server, smtp_server};
use duban_web::{SmtpSettings, SmtpTls, WebhookSettings};
use reqwest::StatusCode;

use crate::helpers::{Backend, UNIT_A, UNIT_B, backends, fixture_ledger, spawn_app_with};

#[tokio::test]
async fn overdue_unit_gets_one_email_and_one_webhook_call() -> Result<()> {
    for b in backends() {
        run(b).await.with_context(|| format!("on {b:?}"))?;
    }
    Ok(())
}

async fn run(b: Backend) -> Result<()> {
    let smtp = smtp_server(0).await?;
    let hook = http_server(0).await?;
    let (smtp_port, hook_url) = (smtp.port(), hook.url().to_string());
    let app = spawn_app_with(b, move |c| {
        c.smtp = Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port: smtp_port,
            from: "督查办 <duban@example.gov.cn>".into(),
            user: None,
            password: None,
            tls: SmtpTls::None,
            ca_pem: None,
        });
        c.webhook = Some(WebhookSettings {
            url: hook_url,
            format: "generic".into(),
            secret: None,
            ca_pem: None,
        });
    })
    .await?;
    app.store
        .import_ledger(
            "2026年重点任务",
            &fixture_ledger(),
            "fixture.txt",
            "sha",
            "test",
        )
        .await?;
    app.add_user("admin", Role::Admin, None, false).await?;
    app.add_user("unit_a", Role::Unit, Some(UNIT_A), false)
        .await?;
    let a = app.store.unit_by_name(UNIT_A).await?.context("A")?.id;
    let bu = app.store.unit_by_name(UNIT_B).await?.context("B")?.id;
    app.store
        .set_unit_email(a, Some("kj@example.gov.cn"), "test")
        .await?;
    app.store
        .set_unit_email(bu, Some("sw@example.gov.cn"), "test")
        .await?;

    // A round already past its due date; unit B has submitted both its reports, unit A not.
    let plan = app.store.plans().await?[0].id;
    let round = app
        .store
        .open_round(plan, "2026年1月", "2020-01-31", "test")
        .await?;
    let tasks = app
        .store
        .list_tasks(plan, &Default::default(), &duban_store::Scope::Unit(bu))
        .await?
        .0;
    for t in tasks
        .iter()
        .filter(|t| t.lead_units.iter().any(|n| n == UNIT_B))
    {
        let r = app
            .store
            .save_draft(
                &DraftInput {
                    task: TaskId(t.id.0),
                    round: round.id,
                    unit: bu,
                    narrative: "已完成。".into(),
                    figures: serde_json::json!({}),
                    self_status: Some(SelfStatus::OnSchedule),
                    delay_reason: None,
                    next_steps: None,
                    expected_version: None,
                },
                "test",
            )
            .await?;
        app.store.submit_report(r.id, r.version, "test").await?;
    }

    let admin = app.login("admin").await?;
    for pass in 0..2 {
        let res = admin
            .client
            .post(app.url("/admin/reminders/run"))
            .form(&[("csrf", admin.csrf.as_str())])
            .send()
            .await?;
        ensure!(
            res.status() == StatusCode::SEE_OTHER,
            "pass {pass}: {}",
            res.status()
        );
    }
    let mails = smtp.received();
    ensure!(mails.len() == 1, "emails: {mails:?}");
    ensure!(
        mails[0].rcpt == vec!["kj@example.gov.cn".to_string()],
        "{:?}",
        mails[0].rcpt
    );
    ensure!(
        mails[0].data.contains("Subject:") && mails[0].data.contains("kj@example.gov.cn"),
        "a whole message to unit A"
    );
    let calls = hook.received();
    ensure!(calls.len() == 1, "webhook calls: {calls:?}");
    // The group chat gets the office-wide summary naming the unit and its count.
    let call: serde_json::Value = serde_json::from_str(&calls[0])?;
    let subject = call["subject"].as_str().unwrap_or("");
    ensure!(subject.contains("填报逾期：1个单位1项"), "{subject}");
    ensure!(
        call["body"]
            .as_str()
            .is_some_and(|b| b.contains("区科技局：1项")),
        "{call}"
    );
    ensure!(
        call["subject_ref"]
            .as_str()
            .unwrap_or("")
            .ends_with(":office")
    );
    // The unit's own mail names the task.
    ensure!(
        mails[0].subject().contains("已逾期")
            && mails[0].subject().contains("技术合同登记额增长15%"),
        "{}",
        mails[0].subject()
    );

    // The unit also finds it in the app.
    let unit_a = app.login("unit_a").await?;
    let body = unit_a
        .client
        .get(app.url("/notifications"))
        .send()
        .await?
        .text()
        .await?;
    ensure!(body.contains("填报已逾期"), "in-app reminder");
    ensure!(app.store.audit_verify().await?.ok());
    app.finish().await;
    Ok(())
}
