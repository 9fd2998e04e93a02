use std::sync::Arc;

use duban_store::{AuditKey, AuditSeal, Store, StoreOptions};
use tokio::net::TcpListener;

use crate::demo::{DemoLogin, load_demo_if_empty};
use crate::routes;
use crate::routes::import::PendingImports;
use crate::state::AppState;
use crate::views::Templates;
use crate::{Config, WebError};

const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// A service that has connected, migrated and bound its port, ready to run.
pub struct Application {
    listener: TcpListener,
    port: u16,
    router: axum::Router,
    store: Store,
    demo_logins: Vec<DemoLogin>,
    notifier: duban_notify::Notifier,
    remind_every: Option<std::time::Duration>,
}

impl Application {
    /// Connects to the database, applies migrations, loads the demo plan when asked and the
    /// database is empty, and binds (port 0 picks a free port).
    pub async fn build(mut config: Config) -> Result<Application, WebError> {
        // Templates put the base path into pages unescaped: only a plain path gets there.
        config.base_path =
            crate::config::normalize_base_path(&config.base_path).map_err(WebError::Config)?;
        let mut opts = if config.fast_password_hashing {
            StoreOptions::for_tests()
        } else {
            StoreOptions::default()
        };
        opts.audit = None;
        opts.files_dir = config.files_dir.clone();
        let store = Store::connect_with(&config.database_url, opts).await?;
        store.migrate().await?;
        let store = if config.fast_password_hashing && config.audit_key_file.is_none() {
            store.with_audit(AuditSeal::in_memory(AuditKey::for_tests()))
        } else {
            store.with_audit(AuditSeal::open_for(
                &config.database_url,
                config.audit_key_file.as_deref(),
                config.audit_checkpoint_dir.as_deref(),
                true,
            )?)
        };
        store.check_audit_key().await?;
        let demo_logins = if config.demo {
            load_demo_if_empty(&store, &config.database_url).await?
        } else {
            Vec::new()
        };
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|source| WebError::Bind {
                addr: config.bind,
                source,
            })?;
        let port = listener
            .local_addr()
            .map_err(|source| WebError::Bind {
                addr: config.bind,
                source,
            })?
            .port();
        let notify_config = config.notify_config().map_err(WebError::Notify)?;
        let notifier = duban_notify::Notifier::new(store.clone(), notify_config)
            .map_err(|e| WebError::Notify(e.to_string()))?;
        let remind_every = config.remind_every;
        let state = AppState {
            notifier: notifier.clone(),
            store: store.clone(),
            config: Arc::new(config),
            templates: Arc::new(Templates::new()?),
            pending: Arc::new(PendingImports::default()),
            current: Arc::new(Default::default()),
            overview_caches: Arc::new(Default::default()),
            public_pages: Arc::new(Default::default()),
            people: Arc::new(Default::default()),
        };
        Ok(Application {
            listener,
            port,
            router: routes::router(state),
            store,
            demo_logins,
            notifier,
            remind_every,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The demo accounts created by this start (empty unless `demo` loaded a plan).
    pub fn demo_logins(&self) -> &[DemoLogin] {
        &self.demo_logins
    }

    /// The reminder job this service runs (for a one-off pass, e.g. in tests).
    pub fn notifier(&self) -> &duban_notify::Notifier {
        &self.notifier
    }

    /// Serves until Ctrl-C or SIGTERM, then lets requests in flight finish. The reminder
    /// job runs alongside when `remind_every` is set, and stops before the store closes.
    pub async fn run_until_stopped(self) -> Result<(), std::io::Error> {
        let store = self.store.clone();
        let job = self.remind_every.map(|every| self.notifier.spawn(every));
        // Says "running" in the database every few seconds, so `duban restore` refuses
        // while this instance uses it; the row goes when the instance stops.
        let instance = format!(
            "{}-{}-{}",
            std::process::id(),
            self.port(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        );
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into());
        let beat = {
            let (store, instance) = (store.clone(), instance.clone());
            tokio::spawn(async move {
                let mut every = tokio::time::interval(duban_store::HEARTBEAT_EVERY);
                loop {
                    every.tick().await;
                    if let Err(e) = store.heartbeat(&instance, &host, std::process::id()).await {
                        eprintln!("duban-web: 运行状态写入失败：{e}");
                    }
                }
            })
        };
        // A checkpoint of the audit head now and every day (the first tick is immediate), and
        // one at stop: truncating the database later contradicts them.
        let daily = {
            let store = store.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(CHECKPOINT_EVERY);
                let mut reason = "start";
                loop {
                    every.tick().await;
                    if let Err(e) = store.audit_checkpoint(reason).await {
                        eprintln!("duban-web: 审计检查点写入失败：{e}");
                    }
                    reason = "daily";
                }
            })
        };
        // The lights of the plan the pages show, brought up to date every minute, so the
        // first view of a day (when deadlines pass with no write) and the first after a
        // burst of changes find them recomputed instead of waiting for it.
        let lights = {
            let store = store.clone();
            tokio::spawn(async move {
                let start = tokio::time::Instant::now() + LIGHTS_EVERY;
                let mut every = tokio::time::interval_at(start, LIGHTS_EVERY);
                loop {
                    every.tick().await;
                    if let Err(e) = keep_lights(&store).await {
                        eprintln!("duban-web: 状态灯更新失败：{e}");
                    }
                }
            })
        };
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        if let Some(job) = job {
            job.shutdown().await;
        }
        beat.abort();
        daily.abort();
        lights.abort();
        if let Err(e) = store.audit_checkpoint("stop").await {
            eprintln!("duban-web: 审计检查点写入失败：{e}");
        }
        let _ = store.leave(&instance).await;
        store.close().await;
        served
    }
}

/// How often the lights keeper runs (see `run_until_stopped`).
const LIGHTS_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// One pass of the lights keeper: the newest plan's lights for today.
async fn keep_lights(store: &Store) -> Result<(), duban_store::StoreError> {
    if let Some(plan) = store.plans().await?.into_iter().next() {
        store
            .refresh_plan_lights(plan.id, &crate::lights::today_cst())
            .await?;
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
