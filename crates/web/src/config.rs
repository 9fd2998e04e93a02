use std::net::SocketAddr;
use std::time::Duration;

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
    /// Behind a reverse proxy: the header naming the client's address (`X-Forwarded-For`,
    /// `X-Real-IP`), which login throttling counts against. `None`: the peer address.
    pub client_ip_header: Option<String>,
    /// Mark the session cookie `Secure` (behind HTTPS).
    pub cookie_secure: bool,
    /// Largest accepted request body, which bounds ledger uploads.
    pub max_upload_bytes: usize,
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
    /// The address users open the service at (`http://duban.example.gov.cn`), so emails and
    /// webhook posts carry a full link; `None`: only in-app messages link.
    pub public_url: Option<String>,
    /// The audit key file (created at first start). `None`: beside an SQLite database or
    /// `./duban.audit-key`, except with `fast_password_hashing` (tests), which uses the
    /// fixed test key and writes no checkpoints.
    pub audit_key_file: Option<std::path::PathBuf>,
    /// Where the daily and stop checkpoints go; `None`: beside the key file.
    pub audit_checkpoint_dir: Option<std::path::PathBuf>,
}

/// An SMTP relay inside the deployment (plain SMTP, optional AUTH).
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// The From address, e.g. `督查办 <duban@example.gov.cn>`.
    pub from: String,
    pub user: Option<String>,
    pub password: Option<String>,
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
            .finish()
    }
}

/// A webhook (group robot, OA relay) every reminder is posted to.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// `http://…`; its query may hold a token, so it is never stored in the database.
    pub url: String,
    /// `generic`, `dingtalk` or `wecom`.
    pub format: String,
}

impl Config {
    pub fn new(database_url: impl Into<String>, bind: SocketAddr) -> Self {
        Config {
            database_url: database_url.into(),
            bind,
            demo: false,
            idle_timeout: Duration::from_secs(30 * 60),
            session_lifetime: Duration::from_secs(12 * 3600),
            client_ip_header: None,
            cookie_secure: false,
            max_upload_bytes: 20 * 1024 * 1024,
            fast_password_hashing: false,
            smtp: None,
            webhook: None,
            remind_every: None,
            due_soon_days: 3,
            public_url: None,
            audit_key_file: None,
            audit_checkpoint_dir: None,
        }
    }
}

impl Config {
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
                }]
            }
        };
        Ok(NotifyConfig {
            due_soon_days: self.due_soon_days,
            escalate_every_days: crate::routes::notices::ESCALATE_EVERY_DAYS,
            email: self.smtp.as_ref().map(|s| SmtpConfig {
                host: s.host.clone(),
                port: s.port,
                from: s.from.clone(),
                username: s.user.clone(),
                password: s.password.clone(),
            }),
            webhooks,
            app_url: self.public_url.clone(),
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
