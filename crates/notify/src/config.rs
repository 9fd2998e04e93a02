use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How reminders are found and delivered. `Default` scans with a 3-day warning, posts in-app
/// messages only, and retries deliveries 5 times with backoff from 1 minute up to 1 hour.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyConfig {
    /// Remind of a report due within this many days (0: only overdue ones).
    pub due_soon_days: u32,
    /// An unanswered notice goes up one level (蓝→黄→红) once its deadline day is over and
    /// again every this many days.
    pub escalate_every_days: u32,
    /// A task handed over and not signed for after this many days is in its unit's digest.
    pub acknowledge_days: u32,
    pub email: Option<SmtpConfig>,
    pub webhooks: Vec<WebhookConfig>,
    /// Attempts per delivery before giving up.
    pub max_attempts: u32,
    /// Wait before the 2nd attempt; doubled for each further one, up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// How long a claimed delivery stays with this instance; longer than `send_timeout`.
    pub lease: Duration,
    /// Limit for one email or webhook call.
    pub send_timeout: Duration,
    /// Deliveries attempted per run at most, so a backlog cannot hold a run for long.
    pub batch: usize,
    /// This instance's name in claims and the audit log.
    pub worker: String,
    /// The app's address as units reach it (e.g. `http://duban.example.gov.cn`), used to
    /// put a link in messages; `None` leaves links out.
    pub app_url: Option<String>,
    /// An intranet CA (PEM, one or more certificates) trusted for `https://` webhooks besides
    /// the bundled public roots.
    pub webhook_ca_pem: Option<String>,
    /// The system's CA bundle(s), of which the first readable one is trusted for email and
    /// webhooks besides the public roots and the CA files given by flag (see
    /// [`crate::trust`]); empty trusts no system store.
    pub system_ca_files: Vec<std::path::PathBuf>,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            due_soon_days: 3,
            escalate_every_days: 3,
            acknowledge_days: 3,
            email: None,
            webhooks: Vec::new(),
            max_attempts: 5,
            retry_base: Duration::from_secs(60),
            retry_max: Duration::from_secs(3600),
            lease: Duration::from_secs(300),
            send_timeout: Duration::from_secs(30),
            batch: 200,
            worker: format!("notify-{}", std::process::id()),
            app_url: None,
            webhook_ca_pem: None,
            system_ca_files: crate::trust::default_system_ca_files(),
        }
    }
}

impl NotifyConfig {
    /// When to try again after `attempts` failed attempts, or `None` to give up.
    pub fn retry_delay(&self, attempts: i64) -> Option<Duration> {
        if attempts >= i64::from(self.max_attempts) {
            return None;
        }
        let exp = u32::try_from(attempts.saturating_sub(1).max(0))
            .unwrap_or(u32::MAX)
            .min(30);
        let delay = self.retry_base.saturating_mul(1u32 << exp);
        Some(delay.min(self.retry_max))
    }
}

/// An SMTP relay (optionally with AUTH), reached in plain text or over TLS.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// The From address, optionally with a display name: `督查办 <duban@example.gov.cn>`.
    pub from: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub tls: SmtpTls,
    /// An intranet CA (PEM) trusted for the relay's certificate besides the bundled public
    /// roots.
    pub ca_pem: Option<String>,
}

// Written by hand so that a logged config never shows the password.
impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("tls", &self.tls)
            .field("ca_pem", &self.ca_pem.is_some())
            .finish()
    }
}

/// How the connection to the SMTP relay is secured. The relay's certificate is always
/// verified (public roots plus `ca_pem`); a relay that cannot prove itself gets nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP: only for a relay on the same host or a closed network.
    None,
    /// A plain connection upgraded with STARTTLS before anything is sent (usually port 587
    /// or 25); a relay that does not offer STARTTLS is refused, never used in plain text.
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Smtps,
}

impl SmtpTls {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "plain" => Some(SmtpTls::None),
            "starttls" => Some(SmtpTls::StartTls),
            "smtps" | "tls" => Some(SmtpTls::Smtps),
            _ => None,
        }
    }

    /// What a relay on `port` speaks when nothing is said: SMTPS on 465, STARTTLS on 587
    /// (the submission port), plain on 25 and anything else (a relay inside the deployment).
    pub fn for_port(port: u16) -> Self {
        match port {
            465 => SmtpTls::Smtps,
            587 => SmtpTls::StartTls,
            _ => SmtpTls::None,
        }
    }
}

/// The body a webhook receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// `{"kind","subject","body","subject_ref","recipient"}`.
    Generic,
    /// DingTalk group robot: `{"msgtype":"text","text":{"content":…}}`.
    DingTalk,
    /// WeCom (企业微信) group robot: `{"msgtype":"text","text":{"content":…}}`.
    WeCom,
}

impl WebhookFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "generic" | "json" => Some(WebhookFormat::Generic),
            "dingtalk" | "钉钉" => Some(WebhookFormat::DingTalk),
            "wecom" | "wechat-work" | "企业微信" => Some(WebhookFormat::WeCom),
            _ => None,
        }
    }
}

/// A webhook every reminder is posted to (a group robot, an OA relay).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookConfig {
    /// Names the webhook in the outbox (its recipient), so the URL and its token stay out
    /// of the database.
    pub name: String,
    /// `http://…` or `https://…`.
    pub url: String,
    pub format: WebhookFormat,
    /// A DingTalk robot's signing secret (加签, `SEC…`): each call then carries `timestamp`
    /// and `sign` query parameters. DingTalk only.
    pub secret: Option<String>,
}

// Written by hand so that a logged config never shows the signing secret.
impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_the_cap_then_stop() {
        let c = NotifyConfig::default();
        let d = |n| c.retry_delay(n).map(|d| d.as_secs());
        assert_eq!(d(1), Some(60));
        assert_eq!(d(2), Some(120));
        assert_eq!(d(3), Some(240));
        assert_eq!(d(4), Some(480));
        assert_eq!(d(5), None);
        let long = NotifyConfig {
            max_attempts: 40,
            ..NotifyConfig::default()
        };
        assert_eq!(long.retry_delay(30).map(|d| d.as_secs()), Some(3600));
    }
}
