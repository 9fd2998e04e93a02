use std::net::SocketAddr;
use std::time::Duration;

pub use crate::auth::ldap::LdapSettings;
pub use crate::security::client::Cidr;

/// How to run the service; the CLI fills it from flags and the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://path` or `postgres://…`.
    pub database_url: String,
    /// Port 0 picks a free port (tests); [`crate::Application::port`] tells which.
    pub bind: SocketAddr,
    /// Load the demo plan into an empty database at start.
    pub demo: bool,
    /// A session unused this long ends.
    pub idle_timeout: Duration,
    /// A session ends this long after login however busy it is (default 12 hours).
    pub session_lifetime: Duration,
    /// Reverse proxies whose forwarding headers are believed: only when the connection comes
    /// from one of these is the client address read from `client_ip_header` and the scheme
    /// from `X-Forwarded-Proto`. Empty: the headers are ignored and the peer is the client.
    pub trusted_proxies: Vec<Cidr>,
    /// The header a trusted proxy names the client in; `None`: `X-Forwarded-For`.
    /// (`X-Real-IP` for proxies that send only that.) Never read from other peers.
    pub client_ip_header: Option<String>,
    /// Mark the session cookie `Secure` always (served over HTTPS directly); behind a
    /// trusted proxy it is also set when the proxy says `X-Forwarded-Proto: https`.
    pub cookie_secure: bool,
    /// The path prefix the service is served under behind a reverse proxy (`/duban`), or
    /// empty for the root. Every route, link, redirect, asset and the cookies carry it.
    pub base_path: String,
    /// Largest accepted request body, which bounds ledger uploads.
    pub max_upload_bytes: usize,
    /// Largest evidence file (佐证材料); the request body limit grows to admit it.
    pub max_file_bytes: u64,
    /// Cheap password hashing, for test suites with many logins. Never in production.
    pub fast_password_hashing: bool,
    /// Email reminders through this SMTP relay; `None`: no email.
    pub smtp: Option<SmtpSettings>,
    /// Reminders posted to this webhook; `None`: no webhook.
    pub webhook: Option<WebhookSettings>,
    /// Run the reminder job this often; `None`: not periodically (an admin can still run it
    /// once from the notices page). With neither SMTP nor webhook it posts in-app messages.
    pub remind_every: Option<Duration>,
    /// Remind of reports due within this many days.
    pub due_soon_days: u32,
    /// A task handed over (交办) and not signed for (签收) after this many days is in its
    /// unit's reminder digest.
    pub acknowledge_days: u32,
    /// The address users open the service at (`http://duban.example.gov.cn`), so emails and
    /// webhook posts carry a full link; `None`: only in-app messages link.
    pub public_url: Option<String>,
    /// Log people in against this directory (names without a local account); `None`: local
    /// accounts only.
    pub ldap: Option<LdapSettings>,
    /// Convert uploaded .doc/.wps/.et files with soffice, stopping it after this long;
    /// `None`: answer them with what to save them as.
    pub soffice_convert: Option<Duration>,
    /// The audit key file (created at first start). `None`: beside an SQLite database or
    /// `./duban.audit-key`, except with `fast_password_hashing` (tests), which uses the
    /// fixed test key and writes no checkpoints.
    pub audit_key_file: Option<std::path::PathBuf>,
    /// Where the daily and stop checkpoints go; `None`: beside the key file.
    pub audit_checkpoint_dir: Option<std::path::PathBuf>,
    /// Where evidence files are kept by content hash; `None`: in the database.
    pub files_dir: Option<std::path::PathBuf>,
}

/// An SMTP relay (optional AUTH), in plain text, STARTTLS or SMTPS.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// The From address, e.g. `督查办 <duban@example.gov.cn>`.
    pub from: String,
    pub user: Option<String>,
    pub password: Option<String>,
    pub tls: duban_notify::SmtpTls,
    /// An intranet CA (PEM text) trusted for the relay's certificate.
    pub ca_pem: Option<String>,
}

// Written by hand so that a logged config never shows the password.
impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("tls", &self.tls)
            .field("ca_pem", &self.ca_pem.is_some())
            .finish()
    }
}

/// A webhook (group robot, OA relay) every reminder is posted to.
#[derive(Clone)]
pub struct WebhookSettings {
    /// `http://…` or `https://…`; its query may hold a token, so it is never stored in the
    /// database.
    pub url: String,
    /// `generic`, `dingtalk` or `wecom`.
    pub format: String,
    /// A DingTalk robot's signing secret (加签).
    pub secret: Option<String>,
    /// An intranet CA (PEM text) trusted for an `https://` webhook.
    pub ca_pem: Option<String>,
}

// Written by hand so that a logged config shows neither the URL's token nor the secret.
impl std::fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSettings")
            .field("format", &self.format)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("ca_pem", &self.ca_pem.is_some())
            .finish_non_exhaustive()
    }
}

impl Config {
    pub fn new(database_url: impl Into<String>, bind: SocketAddr) -> Self {
        Config {
            database_url: database_url.into(),
            bind,
            demo: false,
            idle_timeout: Duration::from_secs(30 * 60),
            session_lifetime: Duration::from_secs(12 * 3600),
            trusted_proxies: Vec::new(),
            client_ip_header: None,
            cookie_secure: false,
            base_path: String::new(),
            max_upload_bytes: 20 * 1024 * 1024,
            max_file_bytes: duban_store::DEFAULT_MAX_FILE_BYTES,
            fast_password_hashing: false,
            smtp: None,
            webhook: None,
            remind_every: None,
            due_soon_days: 3,
            acknowledge_days: 3,
            public_url: None,
            ldap: None,
            soffice_convert: None,
            audit_key_file: None,
            audit_checkpoint_dir: None,
            files_dir: None,
        }
    }
}

/// `/duban`, `duban/`, `/duban/` all mean `/duban`; `/` and empty mean the root. Refuses
/// anything that is not a plain path (a scheme, a query, spaces, `..`).
pub fn normalize_base_path(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let ok = trimmed.split('/').all(|seg| {
        !seg.is_empty()
            && seg != "."
            && seg != ".."
            && seg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
    });
    if ok {
        Ok(format!("/{trimmed}"))
    } else {
        Err(format!(
            "基础路径“{raw}”无效：应为 /duban 这样的路径（字母、数字、- _ . ~，以 / 分隔）"
        ))
    }
}

impl Config {
    /// The public address with the base path, for links in emails and webhook posts; a
    /// public URL that already ends with the base path is taken as it is.
    fn public_link(&self, public_url: &str) -> String {
        let url = public_url.trim_end_matches('/');
        if self.base_path.is_empty() || url.ends_with(&self.base_path) {
            url.to_string()
        } else {
            format!("{url}{}", self.base_path)
        }
    }

    /// The largest request body: a ledger upload, or one evidence file with its form
    /// around it (a little room for the multipart framing and the text fields).
    pub fn body_limit(&self) -> usize {
        let file = usize::try_from(self.max_file_bytes).unwrap_or(usize::MAX);
        self.max_upload_bytes.max(file.saturating_add(64 * 1024))
    }

    /// When a session ends, idle and in all.
    pub fn session_limits(&self) -> duban_store::SessionLimits {
        duban_store::SessionLimits {
            idle: self.idle_timeout,
            lifetime: self.session_lifetime,
        }
    }

    /// The reminder job's settings.
    pub(crate) fn notify_config(&self) -> Result<duban_notify::NotifyConfig, String> {
        use duban_notify::{NotifyConfig, SmtpConfig, WebhookConfig, WebhookFormat};
        let webhooks = match &self.webhook {
            None => Vec::new(),
            Some(w) => {
                let format = WebhookFormat::parse(&w.format).ok_or_else(|| {
                    format!(
                        "webhook 格式“{}”无效：应为 generic、dingtalk 或 wecom",
                        w.format
                    )
                })?;
                vec![WebhookConfig {
                    name: "webhook".into(),
                    url: w.url.clone(),
                    format,
                    secret: w.secret.clone(),
                }]
            }
        };
        Ok(NotifyConfig {
            due_soon_days: self.due_soon_days,
            acknowledge_days: self.acknowledge_days,
            escalate_every_days: crate::routes::notices::ESCALATE_EVERY_DAYS,
            email: self.smtp.as_ref().map(|s| SmtpConfig {
                host: s.host.clone(),
                port: s.port,
                from: s.from.clone(),
                username: s.user.clone(),
                password: s.password.clone(),
                tls: s.tls,
                ca_pem: s.ca_pem.clone(),
            }),
            webhooks,
            app_url: self.public_url.as_deref().map(|u| self.public_link(u)),
            webhook_ca_pem: self.webhook.as_ref().and_then(|w| w.ca_pem.clone()),
            ..NotifyConfig::default()
        })
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::new(
            "sqlite://duban.db",
            SocketAddr::from(([127, 0, 0, 1], 8080)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths_are_normalised_or_refused() {
        for (raw, want) in [
            ("", ""),
            ("/", ""),
            ("duban", "/duban"),
            ("/duban/", "/duban"),
        ] {
            assert_eq!(normalize_base_path(raw).as_deref(), Ok(want), "{raw}");
        }
        assert_eq!(normalize_base_path("/a/b-c").as_deref(), Ok("/a/b-c"));
        for bad in ["/a b", "/../x", "/x?y", "https://x/y", "/a//b", "/<script>"] {
            assert!(normalize_base_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn links_in_emails_carry_the_base_path() -> Result<(), String> {
        let mut c = Config {
            base_path: "/duban".into(),
            public_url: Some("https://oa.example.gov.cn/".into()),
            ..Config::default()
        };
        assert_eq!(
            c.notify_config()?.app_url.as_deref(),
            Some("https://oa.example.gov.cn/duban")
        );
        c.public_url = Some("https://oa.example.gov.cn/duban".into());
        assert_eq!(
            c.notify_config()?.app_url.as_deref(),
            Some("https://oa.example.gov.cn/duban")
        );
        c.base_path = String::new();
        assert_eq!(
            c.notify_config()?.app_url.as_deref(),
            Some("https://oa.example.gov.cn/duban")
        );
        Ok(())
    }
}
