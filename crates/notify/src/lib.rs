//! Reminders for duban: finds reports due soon or overdue in open rounds and supervision
//! notices unanswered past their deadline, enqueues reminders idempotently (in-app messages
//! and an outbox row per recipient and channel), and delivers the outbox by SMTP email and
//! webhooks with retries and exponential backoff.
//!
//! Reports are chased as digests, at most once a day per channel: each unit gets one message
//! listing its pending reports in a round (in-app and email; a busy unit owes hundreds), and
//! each webhook (a group chat robot, rate-limited and read by the whole office) gets one
//! summary per round and kind naming the units and their counts. Overdue notices are few and
//! go one by one to the unit and the webhooks.
//!
//! Several app instances may run a [`Notifier`] against one PostgreSQL database: enqueueing
//! is deduplicated by unique keys and each delivery is claimed by exactly one instance, so
//! every reminder is sent once. A failed delivery only schedules its own retry; it never
//! holds up the others or the app.
#![forbid(unsafe_code)]

mod config;
mod scan;
mod senders;
pub mod trust;

use std::sync::Arc;
use std::time::Duration;

use duban_store::{Delivery, Store, StoreError};
use time::OffsetDateTime;

pub use config::{NotifyConfig, SmtpConfig, SmtpTls, WebhookConfig, WebhookFormat};

/// The outbox channel of emails; the recipient is an address.
pub const CHANNEL_EMAIL: &str = "email";
/// The outbox channel of webhooks; the recipient is a configured webhook's name.
pub const CHANNEL_WEBHOOK: &str = "webhook";

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("提醒配置错误：{0}")]
    Config(String),
}

/// Whether a CA file holds a PEM certificate: the TLS libraries skip anything else
/// silently, which would turn a wrong file into "trusts nothing extra".
pub(crate) fn looks_like_pem(pem: &str) -> bool {
    pem.contains("-----BEGIN CERTIFICATE-----")
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunCounts {
    /// Reminders found due (before deduplication).
    pub reminders: u64,
    /// Notices whose level was raised.
    pub escalated: u64,
    /// New in-app messages and outbox rows (the rest existed already).
    pub notifications_enqueued: u64,
    pub deliveries_enqueued: u64,
    /// Deliveries attempted by this instance, and how they ended.
    pub sent: u64,
    pub retrying: u64,
    pub gave_up: u64,
}

/// The reminder job: [`Notifier::run_once`] for one pass at a given time (tests, a CLI
/// command), [`Notifier::spawn`] to run it periodically in the app.
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: NotifyConfig,
    http: reqwest::Client,
    mailer: Option<senders::Mailer>,
}

impl Notifier {
    pub fn new(store: Store, config: NotifyConfig) -> Result<Notifier, NotifyError> {
        if config.worker.trim().is_empty() {
            return Err(NotifyError::Config("实例名称不能为空".into()));
        }
        if config.max_attempts == 0 {
            return Err(NotifyError::Config("最大发送次数至少为 1".into()));
        }
        if config.lease <= config.send_timeout {
            return Err(NotifyError::Config("认领时限必须长于单次发送时限".into()));
        }
        let mut names = std::collections::HashSet::new();
        for w in &config.webhooks {
            if !names.insert(w.name.as_str()) {
                return Err(NotifyError::Config(format!("webhook 名称“{}”重复", w.name)));
            }
            if !(w.url.starts_with("http://") || w.url.starts_with("https://")) {
                return Err(NotifyError::Config(format!(
                    "webhook“{}”的地址应以 http:// 或 https:// 开头",
                    w.name
                )));
            }
            if w.secret.is_some() && w.format != WebhookFormat::DingTalk {
                return Err(NotifyError::Config(format!(
                    "webhook“{}”：加签密钥只用于钉钉机器人（格式 dingtalk）",
                    w.name
                )));
            }
        }
        // The system's CA store, trusted besides the public roots and any CA given by flag.
        let system = trust::system_roots(&config.system_ca_files);
        let mailer = config
            .email
            .as_ref()
            .map(|c| senders::Mailer::new(c, config.send_timeout, &system))
            .transpose()?;
        let mut http = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(config.send_timeout);
        // A bundle may hold a certificate rustls cannot use; that one is left out, not the rest.
        for pem in &system {
            if let Ok(cert) = reqwest::Certificate::from_pem(pem.as_bytes()) {
                http = http.add_root_certificate(cert);
            }
        }
        if let Some(pem) = &config.webhook_ca_pem {
            let invalid = || NotifyError::Config("webhook 的 CA 证书不是有效的 PEM 证书".into());
            if !looks_like_pem(pem) {
                return Err(invalid());
            }
            for cert in reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .ok()
                .filter(|c| !c.is_empty())
                .ok_or_else(invalid)?
            {
                http = http.add_root_certificate(cert);
            }
        }
        let http = http
            .build()
            .map_err(|e| NotifyError::Config(format!("HTTP 客户端无法创建：{e}")))?;
        Ok(Notifier {
            inner: Arc::new(Inner {
                store,
                config,
                http,
                mailer,
            }),
        })
    }

    pub fn config(&self) -> &NotifyConfig {
        &self.inner.config
    }

    /// One pass at `now`: escalate notices, enqueue the reminders due, then deliver what is
    /// due in the outbox (at most `batch`). Deterministic for a given `now` and database.
    pub async fn run_once(&self, now: OffsetDateTime) -> Result<RunCounts, NotifyError> {
        let mut counts = self.scan(now).await?;
        let d = self.deliver(now).await?;
        counts.sent = d.sent;
        counts.retrying = d.retrying;
        counts.gave_up = d.gave_up;
        Ok(counts)
    }

    /// Escalates notices and enqueues reminders, without delivering.
    pub async fn scan(&self, now: OffsetDateTime) -> Result<RunCounts, NotifyError> {
        let cfg = &self.inner.config;
        let store = &self.inner.store;
        let escalated = store
            .escalate_notices(now, cfg.escalate_every_days, &cfg.worker)
            .await?;
        let reminders = scan::find(store, cfg, now).await?;
        let (notes, dels) = scan::expand(store, cfg, &reminders, now).await?;
        let mut counts = RunCounts {
            // Messages to units (digests and notices); the group chat's summaries are not
            // counted as reminders of their own.
            reminders: reminders.iter().filter(|r| r.unit.is_some()).count() as u64,
            escalated: escalated.len() as u64,
            ..RunCounts::default()
        };
        // Bounded transactions, so a large province does not hold the write lock long.
        for (n, d) in chunks(&notes, &dels, 500) {
            let c = store.enqueue_reminders(n, d, now, &cfg.worker).await?;
            counts.notifications_enqueued += c.notifications;
            counts.deliveries_enqueued += c.deliveries;
        }
        Ok(counts)
    }

    /// Claims and sends due deliveries, one at a time, until none is due or `batch` were
    /// tried. Only database errors stop it; a failed send is recorded and it moves on.
    pub async fn deliver(&self, now: OffsetDateTime) -> Result<RunCounts, NotifyError> {
        let cfg = &self.inner.config;
        let store = &self.inner.store;
        let mut counts = RunCounts::default();
        for _ in 0..cfg.batch {
            let Some(d) = store.claim_delivery(&cfg.worker, now, cfg.lease).await? else {
                break;
            };
            match self.send(&d).await {
                Ok(()) => {
                    store.delivery_sent(d.id, &cfg.worker, now).await?;
                    counts.sent += 1;
                }
                Err(e) => {
                    let retry = (!e.permanent)
                        .then(|| cfg.retry_delay(d.attempts))
                        .flatten()
                        .map(|delay| now + delay);
                    store
                        .delivery_failed(d.id, &cfg.worker, &e.message, retry, now)
                        .await?;
                    if retry.is_some() {
                        counts.retrying += 1;
                    } else {
                        counts.gave_up += 1;
                    }
                }
            }
        }
        Ok(counts)
    }

    async fn send(&self, d: &Delivery) -> Result<(), senders::SendError> {
        let cfg = &self.inner.config;
        let attempt = async {
            match d.channel.as_str() {
                CHANNEL_EMAIL => match &self.inner.mailer {
                    Some(m) => m.send(d).await,
                    None => Err(senders::SendError {
                        message: "未配置邮件服务器".into(),
                        permanent: true,
                    }),
                },
                CHANNEL_WEBHOOK => match cfg.webhooks.iter().find(|w| w.name == d.recipient) {
                    Some(w) => senders::post_webhook(&self.inner.http, cfg, w, d).await,
                    None => Err(senders::SendError {
                        message: format!("未配置名为“{}”的 webhook", d.recipient),
                        permanent: true,
                    }),
                },
                other => Err(senders::SendError {
                    message: format!("不支持的发送渠道“{other}”"),
                    permanent: true,
                }),
            }
        };
        match tokio::time::timeout(cfg.send_timeout, attempt).await {
            Ok(r) => r,
            Err(_) => Err(senders::SendError {
                message: format!("发送超时（{} 秒）", cfg.send_timeout.as_secs()),
                permanent: false,
            }),
        }
    }

    /// Runs [`Notifier::run_once`] now and then every `interval` on the Tokio runtime until
    /// the handle is shut down or dropped. A failed run is reported on stderr and the next
    /// one goes ahead.
    pub fn spawn(&self, interval: Duration) -> NotifierHandle {
        let me = self.clone();
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval.max(Duration::from_secs(1)));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => break,
                }
                let run = me.run_once(OffsetDateTime::now_utc());
                tokio::select! {
                    r = run => if let Err(e) = r {
                        eprintln!("催办提醒运行失败：{e}");
                    },
                    _ = stopped.changed() => break,
                }
            }
        });
        NotifierHandle {
            stop,
            task: Some(task),
        }
    }
}

fn chunks<'a, A, B>(a: &'a [A], b: &'a [B], n: usize) -> Vec<(&'a [A], &'a [B])> {
    let mut out = Vec::new();
    for c in a.chunks(n) {
        out.push((c, &b[..0]));
    }
    for c in b.chunks(n) {
        out.push((&a[..0], c));
    }
    out
}

/// Stops the periodic job when dropped; [`NotifierHandle::shutdown`] also waits for it.
pub struct NotifierHandle {
    stop: tokio::sync::watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl NotifierHandle {
    /// Asks the job to stop and waits until it has. A run in progress is abandoned between
    /// steps; its claims simply expire and are retried by the next run.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for NotifierHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}
