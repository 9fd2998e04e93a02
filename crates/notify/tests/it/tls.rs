//! Email over STARTTLS and SMTPS and webhooks over HTTPS (a signed DingTalk robot, a WeCom
//! robot), against loopback servers whose certificate comes from a CA made for the test.

use super::*;
use duban_testkit::{TestCa, https_server, smtp_starttls_server, smtps_server};

fn tls_email(port: u16, tls: SmtpTls, ca: Option<&TestCa>) -> NotifyConfig {
    NotifyConfig {
        email: Some(SmtpConfig {
            // The name the certificate is issued for, as a real relay's would be.
            host: "localhost".into(),
            port,
            from: "督查办 <duban@cq.gov.cn>".into(),
            username: None,
            password: None,
            tls,
            ca_pem: ca.map(|c| c.ca_pem().to_string()),
        }),
        send_timeout: Duration::from_secs(10),
        worker: "w1".into(),
        ..NotifyConfig::default()
    }
}

fn robot(name: &str, url: &str, format: WebhookFormat, secret: Option<&str>) -> WebhookConfig {
    WebhookConfig {
        name: name.into(),
        url: url.into(),
        format,
        secret: secret.map(str::to_string),
    }
}

#[tokio::test]
async fn email_goes_over_starttls_and_smtps_to_a_relay_signed_by_the_configured_ca() -> Result<()> {
    on_each_backend(|url| async move {
        let s = open(&url).await?;
        setup(&s, true).await?;
        let ca = TestCa::new("smtp")?;

        let starttls = smtp_starttls_server(&ca).await?;
        let n = Notifier::new(
            s.clone(),
            tls_email(starttls.port(), SmtpTls::StartTls, Some(&ca)),
        )?;
        let c = n.run_once(beijing_10am(2, 1)?).await?;
        ensure!(c.sent == 1 && c.retrying == 0, "{c:?}");
        let mails = starttls.received();
        ensure!(mails.len() == 1 && mails[0].tls, "upgraded before sending");
        ensure!(mails[0].rcpt == ["unit0@cq.gov.cn"]);
        ensure!(mails[0].body().contains("技术交易合同登记额增长15%"));

        // The next day's chase goes to a relay speaking TLS from the first byte.
        let smtps = smtps_server(&ca).await?;
        let n = Notifier::new(
            s.clone(),
            tls_email(smtps.port(), SmtpTls::Smtps, Some(&ca)),
        )?;
        let c = n.run_once(beijing_10am(2, 2)?).await?;
        ensure!(c.sent == 1 && c.retrying == 0, "{c:?}");
        let mails = smtps.received();
        ensure!(mails.len() == 1 && mails[0].tls);
        ensure!(
            mails[0].subject().contains("逾期"),
            "{}",
            mails[0].subject()
        );
        s.close().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_relay_with_an_untrusted_certificate_gets_nothing_and_the_mail_is_retried() -> Result<()>
{
    on_each_backend(|url| async move {
        let s = open(&url).await?;
        setup(&s, true).await?;
        let relay_ca = TestCa::new("relay")?;
        let other_ca = TestCa::new("other")?;
        for (relay, tls, first_day) in [
            (
                smtp_starttls_server(&relay_ca).await?,
                SmtpTls::StartTls,
                1u8,
            ),
            (smtps_server(&relay_ca).await?, SmtpTls::Smtps, 11),
        ] {
            // Trusting another CA, then only the public roots; the second day retries the
            // first day's mail as well as its own.
            for (day, trusted) in [(1u8, Some(&other_ca)), (2, None)] {
                let n = Notifier::new(s.clone(), tls_email(relay.port(), tls, trusted))?;
                let now = beijing_10am(3, first_day + day)?;
                let c = n.run_once(now).await?;
                ensure!(
                    c.sent == 0 && c.retrying == u64::from(day),
                    "{tls:?} day {day}: {c:?}"
                );
                ensure!(relay.received().is_empty(), "{tls:?}: a mail got through");
            }
            let pending = s.deliveries(Some(DeliveryStatus::Pending), 10).await?;
            ensure!(pending.len() == 2, "{pending:?}");
            ensure!(
                pending.iter().all(|d| d
                    .last_error
                    .as_deref()
                    .is_some_and(|e| e.contains("邮件发送失败"))),
                "{pending:?}"
            );
            // Clear them for the next relay: given up after a last failed attempt.
            let n = Notifier::new(
                s.clone(),
                NotifyConfig {
                    max_attempts: 1,
                    ..tls_email(relay.port(), tls, None)
                },
            )?;
            let c = n.deliver(beijing_10am(3, first_day + 5)?).await?;
            ensure!(c.gave_up == 2, "{c:?}");
        }
        ensure!(s.audit_verify().await?.ok());
        s.close().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn signed_dingtalk_and_wecom_robots_over_https_get_the_summary() -> Result<()> {
    on_each_backend(|url| async move {
        let s = open(&url).await?;
        setup(&s, true).await?;
        let ca = TestCa::new("robots")?;
        let dingtalk = https_server(&ca, Some("SEC0123456789abcdef")).await?;
        let wecom = https_server(&ca, None).await?;
        let cfg = NotifyConfig {
            webhooks: vec![
                robot(
                    "钉钉督查群",
                    dingtalk.url(),
                    WebhookFormat::DingTalk,
                    Some("SEC0123456789abcdef"),
                ),
                robot(
                    "签错的群",
                    dingtalk.url(),
                    WebhookFormat::DingTalk,
                    Some("SECwrong"),
                ),
                robot("企业微信群", wecom.url(), WebhookFormat::WeCom, None),
            ],
            webhook_ca_pem: Some(ca.ca_pem().to_string()),
            send_timeout: Duration::from_secs(10),
            worker: "w1".into(),
            ..NotifyConfig::default()
        };
        let n = Notifier::new(s.clone(), cfg)?;
        let c = n.run_once(beijing_10am(2, 1)?).await?;
        ensure!(c.sent == 2 && c.retrying == 1, "{c:?}");

        // The server recomputed the signature from its own copy of the secret.
        let calls = dingtalk.received();
        ensure!(calls.len() == 1, "{calls:?}");
        let v: serde_json::Value = serde_json::from_str(&calls[0])?;
        ensure!(v["msgtype"] == "text");
        let content = v["text"]["content"].as_str().unwrap_or_default();
        ensure!(content.contains("区科技局：1项"), "{content}");
        let rejected = dingtalk.rejected();
        ensure!(
            rejected.len() == 1
                && rejected[0].contains("access_token=t")
                && rejected[0].contains("&timestamp=")
                && rejected[0].contains("&sign="),
            "{rejected:?}"
        );
        let pending = s.deliveries(Some(DeliveryStatus::Pending), 10).await?;
        ensure!(
            pending.len() == 1
                && pending[0].recipient == "签错的群"
                && pending[0]
                    .last_error
                    .as_deref()
                    .is_some_and(|e| e.contains("310000")),
            "{pending:?}"
        );

        let calls = wecom.received();
        ensure!(calls.len() == 1, "{calls:?}");
        let v: serde_json::Value = serde_json::from_str(&calls[0])?;
        ensure!(v["msgtype"] == "text" && v["text"]["content"] == content);
        s.close().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn an_https_robot_with_an_untrusted_certificate_gets_nothing_and_is_retried() -> Result<()> {
    on_each_backend(|url| async move {
        let s = open(&url).await?;
        setup(&s, true).await?;
        let ca = TestCa::new("robot")?;
        let other = TestCa::new("other")?;
        let hook = https_server(&ca, None).await?;
        let cfg = NotifyConfig {
            webhooks: vec![robot("群", hook.url(), WebhookFormat::WeCom, None)],
            webhook_ca_pem: Some(other.ca_pem().to_string()),
            send_timeout: Duration::from_secs(10),
            worker: "w1".into(),
            ..NotifyConfig::default()
        };
        let n = Notifier::new(s.clone(), cfg)?;
        let c = n.run_once(beijing_10am(2, 1)?).await?;
        ensure!(c.sent == 0 && c.retrying == 1, "{c:?}");
        ensure!(hook.received().is_empty());
        let pending = s.deliveries(Some(DeliveryStatus::Pending), 10).await?;
        ensure!(
            pending.len() == 1
                && pending[0]
                    .last_error
                    .as_deref()
                    .is_some_and(|e| e.contains("调用 webhook“群”失败")),
            "{pending:?}"
        );
        s.close().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_signing_secret_outside_dingtalk_or_a_bad_ca_is_refused_at_start() -> Result<()> {
    let dir = std::env::temp_dir().join(unique("duban_notify_cfg"));
    std::fs::create_dir_all(&dir)?;
    let s = open(&format!("sqlite://{}", dir.join("t.db").display())).await?;
    let bad = |cfg: NotifyConfig| match Notifier::new(s.clone(), cfg) {
        Ok(_) => "accepted".to_string(),
        Err(e) => e.to_string(),
    };
    let e = bad(NotifyConfig {
        webhooks: vec![robot(
            "群",
            "https://x/y",
            WebhookFormat::WeCom,
            Some("SEC1"),
        )],
        ..NotifyConfig::default()
    });
    ensure!(e.contains("加签密钥只用于钉钉机器人"), "{e}");
    let e = bad(NotifyConfig {
        webhooks: vec![robot("群", "ftp://x/y", WebhookFormat::Generic, None)],
        ..NotifyConfig::default()
    });
    ensure!(e.contains("http:// 或 https://"), "{e}");
    let e = bad(NotifyConfig {
        webhook_ca_pem: Some("not a certificate".into()),
        ..NotifyConfig::default()
    });
    ensure!(e.contains("CA 证书"), "{e}");
    let e = bad(tls_email(25, SmtpTls::StartTls, None));
    ensure!(e == "accepted", "{e}");
    let mut cfg = tls_email(25, SmtpTls::Smtps, None);
    if let Some(m) = cfg.email.as_mut() {
        m.ca_pem = Some("not a certificate".into());
    }
    let e = bad(cfg);
    ensure!(e.contains("CA 证书"), "{e}");
    s.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[tokio::test]
async fn a_ca_installed_in_the_system_store_is_trusted_without_a_flag() -> Result<()> {
    on_each_backend(|url| async move {
        let s = open(&url).await?;
        setup(&s, true).await?;
        let ca = TestCa::new("intranet")?;
        let other = TestCa::new("public")?;
        // A system bundle as distributions write it: comments, several CAs, ours among them.
        let dir = std::env::temp_dir().join(unique("duban_system_store"));
        std::fs::create_dir_all(&dir)?;
        let bundle = dir.join("ca-certificates.crt");
        std::fs::write(
            &bundle,
            format!(
                "# other CA\n{}\n# 区政务外网 CA\n{}",
                other.ca_pem(),
                ca.ca_pem()
            ),
        )
        .context("bundle")?;
        let hook = https_server(&ca, None).await?;
        let relay = smtp_starttls_server(&ca).await?;
        let cfg = |files: Vec<std::path::PathBuf>| NotifyConfig {
            webhooks: vec![robot("群", hook.url(), WebhookFormat::WeCom, None)],
            system_ca_files: files,
            ..tls_email(relay.port(), SmtpTls::StartTls, None)
        };

        // No store (and no flag): neither the robot nor the relay is trusted.
        let n = Notifier::new(s.clone(), cfg(Vec::new()))?;
        let c = n.run_once(beijing_10am(2, 1)?).await?;
        ensure!(c.sent == 0 && c.retrying == 2, "{c:?}");
        ensure!(hook.received().is_empty() && relay.received().is_empty());

        // The store (a missing file first, as on a distribution that keeps it elsewhere).
        let n = Notifier::new(
            s.clone(),
            NotifyConfig {
                retry_base: Duration::from_secs(0),
                ..cfg(vec![dir.join("missing.pem"), bundle.clone()])
            },
        )?;
        let c = n.deliver(beijing_10am(2, 2)?).await?;
        ensure!(c.sent == 2, "{c:?}");
        ensure!(hook.received().len() == 1, "the robot was called");
        let mails = relay.received();
        ensure!(mails.len() == 1 && mails[0].tls, "the mail went over TLS");
        let _ = std::fs::remove_dir_all(&dir);
        s.close().await;
        Ok(())
    })
    .await
}
