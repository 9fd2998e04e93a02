//! Email over SMTP and webhook calls.

use duban_store::Delivery;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::{NotifyConfig, NotifyError, SmtpConfig, SmtpTls, WebhookConfig, WebhookFormat};

/// Why one attempt failed; `permanent` failures are not retried.
#[derive(Debug)]
pub(crate) struct SendError {
    pub message: String,
    pub permanent: bool,
}

impl SendError {
    fn retry(message: impl Into<String>) -> Self {
        SendError {
            message: message.into(),
            permanent: false,
        }
    }
    fn permanent(message: impl Into<String>) -> Self {
        SendError {
            message: message.into(),
            permanent: true,
        }
    }
}

pub(crate) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub(crate) fn new(
        cfg: &SmtpConfig,
        timeout: std::time::Duration,
        system_roots: &[String],
    ) -> Result<Self, NotifyError> {
        let from: Mailbox = cfg
            .from
            .parse()
            .map_err(|e| NotifyError::Config(format!("发件人地址“{}”无效：{e}", cfg.from)))?;
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.host.as_str())
            .port(cfg.port)
            .timeout(Some(timeout))
            .tls(smtp_tls(cfg, system_roots)?);
        if let (Some(u), Some(p)) = (&cfg.username, &cfg.password) {
            b = b.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(Mailer {
            transport: b.build(),
            from,
        })
    }

    pub(crate) async fn send(&self, d: &Delivery) -> Result<(), SendError> {
        let to: Mailbox = d
            .recipient
            .parse()
            .map_err(|e| SendError::permanent(format!("收件人地址“{}”无效：{e}", d.recipient)))?;
        // Base64 keeps Chinese text intact through relays that are not 8-bit clean.
        let body = Body::new_with_encoding(d.body.clone(), ContentTransferEncoding::Base64)
            .map_err(|_| SendError::permanent("邮件正文无法编码"))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(d.subject.as_str())
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(body),
            )
            .map_err(|e| SendError::permanent(format!("邮件无法生成：{e}")))?;
        match self.transport.send(msg).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::permanent(format!("邮件服务器拒收：{e}"))),
            Err(e) => Err(SendError::retry(format!("邮件发送失败：{e}"))),
        }
    }
}

/// The TLS mode and trust for the relay: the bundled public roots, the system's store and
/// the configured CA.
fn smtp_tls(cfg: &SmtpConfig, system_roots: &[String]) -> Result<Tls, NotifyError> {
    if cfg.tls == SmtpTls::None {
        return Ok(Tls::None);
    }
    let mut params = TlsParameters::builder(cfg.host.clone());
    for pem in system_roots {
        if let Ok(cert) = Certificate::from_pem(pem.as_bytes()) {
            params = params.add_root_certificate(cert);
        }
    }
    if let Some(pem) = &cfg.ca_pem {
        if !crate::looks_like_pem(pem) {
            return Err(NotifyError::Config(
                "邮件服务器的 CA 证书不是有效的 PEM 证书".into(),
            ));
        }
        let cert = Certificate::from_pem(pem.as_bytes())
            .map_err(|e| NotifyError::Config(format!("邮件服务器的 CA 证书无效：{e}")))?;
        params = params.add_root_certificate(cert);
    }
    let params = params
        .build_rustls()
        .map_err(|e| NotifyError::Config(format!("邮件 TLS 设置无效：{e}")))?;
    Ok(match cfg.tls {
        SmtpTls::Smtps => Tls::Wrapper(params),
        _ => Tls::Required(params),
    })
}

pub(crate) fn webhook_body(format: WebhookFormat, d: &Delivery) -> serde_json::Value {
    match format {
        WebhookFormat::Generic => serde_json::json!({
            "kind": d.kind,
            "subject_ref": d.subject_ref,
            "subject": d.subject,
            "body": d.body,
        }),
        WebhookFormat::DingTalk | WebhookFormat::WeCom => serde_json::json!({
            "msgtype": "text",
            "text": { "content": format!("{}\n{}", d.subject, d.body) },
        }),
    }
}

pub(crate) async fn post_webhook(
    http: &reqwest::Client,
    cfg: &NotifyConfig,
    hook: &WebhookConfig,
    d: &Delivery,
) -> Result<(), SendError> {
    let mut req = http.post(&hook.url);
    if let Some(secret) = &hook.secret {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        req = req.query(&dingtalk_signature(secret, ms));
    }
    let resp = req
        .timeout(cfg.send_timeout)
        .json(&webhook_body(hook.format, d))
        .send()
        .await
        .map_err(|e| SendError::retry(format!("调用 webhook“{}”失败：{e}", hook.name)))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let excerpt: String = text.chars().take(200).collect();
    if !status.is_success() {
        let msg = format!("webhook“{}”返回 {status}：{excerpt}", hook.name);
        // 4xx other than 408/429 will not get better by retrying.
        let permanent =
            status.is_client_error() && status.as_u16() != 408 && status.as_u16() != 429;
        return Err(SendError {
            message: msg,
            permanent,
        });
    }
    // The robots answer 200 with an error code in the body.
    if matches!(hook.format, WebhookFormat::DingTalk | WebhookFormat::WeCom)
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        && let Some(code) = v.get("errcode").and_then(serde_json::Value::as_i64)
        && code != 0
    {
        return Err(SendError::retry(format!(
            "webhook“{}”返回错误码 {code}：{excerpt}",
            hook.name
        )));
    }
    Ok(())
}

/// DingTalk's 加签: `timestamp` in milliseconds and `sign` = base64(HMAC-SHA256 keyed with
/// the secret over `timestamp + "\n" + secret`); the query encoder URL-encodes it.
pub(crate) fn dingtalk_signature(secret: &str, timestamp_ms: u128) -> [(&'static str, String); 2] {
    use base64::Engine;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = ring::hmac::sign(&key, format!("{timestamp_ms}\n{secret}").as_bytes());
    [
        ("timestamp", timestamp_ms.to_string()),
        (
            "sign",
            base64::engine::general_purpose::STANDARD.encode(tag.as_ref()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dingtalk_signature_matches_a_known_value() {
        // Computed independently: printf '1700000000000\nSECabc' | openssl dgst -sha256 -hmac SECabc -binary | base64
        let [(_, ts), (_, sign)] = dingtalk_signature("SECabc", 1_700_000_000_000);
        assert_eq!(ts, "1700000000000");
        assert_eq!(sign, "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM=");
    }
}
