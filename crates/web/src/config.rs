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
    /// Mark the session cookie `Secure` (behind HTTPS).
    pub cookie_secure: bool,
    /// Largest accepted request body, which bounds ledger uploads.
    pub max_upload_bytes: usize,
    /// Cheap password hashing, for test suites with many logins. Never in production.
    pub fast_password_hashing: bool,
}

impl Config {
    pub fn new(database_url: impl Into<String>, bind: SocketAddr) -> Self {
        Config {
            database_url: database_url.into(),
            bind,
            demo: false,
            idle_timeout: Duration::from_secs(30 * 60),
            cookie_secure: false,
            max_upload_bytes: 20 * 1024 * 1024,
            fast_password_hashing: false,
        }
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
