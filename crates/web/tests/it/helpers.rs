use std::time::Duration;

use anyhow::{Context, Result, bail};
use duban_model::{
    Evidence, Ledger, SourceFormat, Table, Target, TargetKind, Task, UnitRef, Verdict,
};
use duban_store::{NewUser, Role, Store};
use duban_web::{Application, Config};
use reqwest::StatusCode;

pub const PASSWORD: &str = "correct-horse-9";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite always; PostgreSQL too when `DUBAN_TEST_PG_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Sqlite];
    match std::env::var("DUBAN_TEST_PG_URL") {
        Ok(u) if !u.trim().is_empty() => b.push(Backend::Postgres),
        _ => {}
    }
    b
}

pub struct TestApp {
    pub base: String,
    pub store: Store,
    /// The database URL, for SQL behind the service's back (tampering tests).
    pub database_url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
    server: tokio::task::JoinHandle<()>,
}

pub async fn spawn_app(backend: Backend) -> Result<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Result<TestApp> {
    let (url, dir, pg) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir()?;
            let url = format!("sqlite://{}", dir.path().join("duban.db").display());
            (url, Some(dir), None)
        }
        Backend::Postgres => {
            let admin_url = std::env::var("DUBAN_TEST_PG_URL")?.trim().to_string();
            let name = format!(
                "duban_web_{}_{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)?
                    .as_nanos()
            );
            let admin = sqlx::PgPool::connect(&admin_url)
                .await
                .context("DUBAN_TEST_PG_URL is set but PostgreSQL cannot be reached")?;
            // The name is made here from digits and underscores, not input.
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin)
                .await?;
            admin.close().await;
            (
                with_database(&admin_url, &name),
                None,
                Some((admin_url, name)),
            )
        }
    };
    let database_url = url.clone();
    let mut config = Config::new(url, "127.0.0.1:0".parse()?);
    config.fast_password_hashing = true;
    tweak(&mut config);
    let app = Application::build(config).await?;
    let port = app.port();
    let store = app.store().clone();
    let server = tokio::spawn(async move {
        let _ = app.run_until_stopped().await;
    });
    Ok(TestApp {
        base: format!("http://127.0.0.1:{port}"),
        store,
        database_url,
        _dir: dir,
        pg,
        server,
    })
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].rfind('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A browser-like client: its own cookie jar, redirects not followed (tests assert them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    pub async fn add_user(
        &self,
        name: &str,
        role: Role,
        unit: Option<&str>,
        must_change: bool,
    ) -> Result<()> {
        let unit_id = match unit {
            Some(u) => Some(self.store.unit_by_name(u).await?.context("unit exists")?.id),
            None => None,
        };
        self.store
            .create_user(
                &NewUser {
                    username: name.into(),
                    display_name: name.into(),
                    role,
                    unit_id,
                    password: PASSWORD.into(),
                    must_change,
                },
                "test",
            )
            .await?;
        Ok(())
    }

    /// Logs in over the JSON API; returns the client (holding the cookie) and its CSRF token.
    pub async fn login(&self, name: &str) -> Result<User> {
        let client = self.client();
        let res = client
            .post(self.url("/api/session"))
            .json(&serde_json::json!({"username": name, "password": PASSWORD}))
            .send()
            .await?;
        if res.status() != StatusCode::OK {
            bail!("login {name}: {}", res.status());
        }
        let v: serde_json::Value = res.json().await?;
        let csrf = v["csrf_token"].as_str().context("csrf token")?.to_string();
        Ok(User { client, csrf })
    }

    /// Runs SQL on the database behind the service's back.
    pub async fn raw_sql(&self, sql: &'static str) -> Result<()> {
        if self.database_url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(&self.database_url).await?;
            sqlx::raw_sql(sql).execute(&pool).await?;
            pool.close().await;
        } else {
            let pool = sqlx::PgPool::connect(&self.database_url).await?;
            sqlx::raw_sql(sql).execute(&pool).await?;
            pool.close().await;
        }
        Ok(())
    }

    pub async fn finish(self) {
        self.server.abort();
        self.store.close().await;
        if let Some((admin_url, name)) = self.pg
            && let Ok(admin) = sqlx::PgPool::connect(&admin_url).await
        {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&admin)
            .await;
            admin.close().await;
        }
    }
}

pub struct User {
    pub client: reqwest::Client,
    pub csrf: String,
}

pub const UNIT_A: &str = "区科技局";
pub const UNIT_B: &str = "区商务委";

/// Three tasks: 1 led by A; 2 led by B with A cooperating; 3 led by B only.
/// Task 1 carries a target with evidence so the detail page has something to mark.
pub fn fixture_ledger() -> Ledger {
    let mut l = Ledger::new("fixture.txt", SourceFormat::Txt);
    l.title = Some("2026年重点任务".into());
    l.tables.push(Table {
        index: 1,
        label: "附件1".into(),
        title: None,
        claimed_rows: None,
        rows: 3,
        office_verdict: None,
        as_of: None,
    });
    let mut t1 = Task::new(1, 1, "技术合同登记额增长15%");
    t1.section = Some("创新驱动".into());
    t1.lead_units.push(UnitRef::new(UNIT_A));
    t1.progress = "全年技术合同登记额同比增长18.2%，超额完成。".into();
    t1.verdict = Some(Verdict::Met);
    t1.targets.push(Target {
        text: "增长15%".into(),
        kind: TargetKind::Growth,
        metric: Some("技术合同登记额".into()),
        comparator: None,
        value: Some(15.0),
        unit: Some("%".into()),
        verdict: Verdict::Met,
        evidence: Some(Evidence {
            text: "同比增长18.2%".into(),
            start: 9,
            end: 18,
            value: Some(18.2),
            unit: Some("%".into()),
        }),
        explanation: "目标≥15%，实际18.2%，已完成".into(),
    });
    let mut t2 = Task::new(1, 2, "进口整车5000辆以上");
    t2.section = Some("开放发展".into());
    t2.lead_units.push(UnitRef::new(UNIT_B));
    t2.coop_units.push(UnitRef::new(UNIT_A));
    t2.progress = "进口整车3808辆。".into();
    t2.office_verdict = Some(Verdict::NotMet);
    let mut t3 = Task::new(1, 3, "建成会展中心");
    t3.section = Some("开放发展".into());
    t3.lead_units.push(UnitRef::new(UNIT_B));
    t3.coop_groups.push("各镇街".into());
    t3.progress = "正在推进。".into();
    l.tasks = vec![t1, t2, t3];
    l
}

/// The fixture imported, and one account per role: admin, leader, unit_a, unit_b.
pub async fn seeded(backend: Backend) -> Result<TestApp> {
    seeded_with(backend, |_| {}).await
}

/// [`seeded`] with the service's config adjusted first.
pub async fn seeded_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Result<TestApp> {
    let app = spawn_app_with(backend, tweak).await?;
    app.store
        .import_ledger(
            "2026年重点任务",
            &fixture_ledger(),
            "fixture.txt",
            "fixture-sha",
            "test",
        )
        .await?;
    app.add_user("admin", Role::Admin, None, false).await?;
    app.add_user("leader", Role::Leader, None, false).await?;
    app.add_user("unit_a", Role::Unit, Some(UNIT_A), false)
        .await?;
    app.add_user("unit_b", Role::Unit, Some(UNIT_B), false)
        .await?;
    Ok(app)
}

/// Task ids by row number, read as the admin sees them.
pub async fn task_ids(app: &TestApp) -> Result<Vec<i64>> {
    let admin = app.login("admin").await?;
    task_ids_by(app, &admin.client, "/api/tasks").await
}

/// Task ids by row number, as `client` sees them at `path` (the task list API).
pub async fn task_ids_by(app: &TestApp, client: &reqwest::Client, path: &str) -> Result<Vec<i64>> {
    let v: serde_json::Value = client.get(app.url(path)).send().await?.json().await?;
    let mut rows: Vec<(i64, i64)> = v["tasks"]
        .as_array()
        .context("tasks")?
        .iter()
        .map(|t| {
            (
                t["row"].as_i64().unwrap_or(0),
                t["id"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    rows.sort();
    Ok(rows.into_iter().map(|(_, id)| id).collect())
}

pub fn seed_path() -> Option<std::path::PathBuf> {
    let p = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/seed/000_ecbc4a422a46c8e6.txt"
    ));
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "note: seed {} missing; seed-based test skipped",
            p.display()
        );
        None
    }
}

/// Posts a form with the user's CSRF token; returns the status and the body.
pub async fn post_form(
    app: &TestApp,
    u: &User,
    path: &str,
    fields: &[(&str, &str)],
) -> Result<(StatusCode, String)> {
    let mut form: Vec<(&str, &str)> = vec![("csrf", u.csrf.as_str())];
    form.extend_from_slice(fields);
    let res = u.client.post(app.url(path)).form(&form).send().await?;
    let status = res.status();
    Ok((status, res.text().await?))
}

/// Posts a form with the user's CSRF token; returns the status, the Location header (empty
/// when none) and the body.
pub async fn post_form_full(
    app: &TestApp,
    u: &User,
    path: &str,
    fields: &[(&str, &str)],
) -> Result<(StatusCode, String, String)> {
    let mut form: Vec<(&str, &str)> = vec![("csrf", u.csrf.as_str())];
    form.extend_from_slice(fields);
    let res = u.client.post(app.url(path)).form(&form).send().await?;
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    Ok((status, location, res.text().await?))
}

pub async fn get(app: &TestApp, u: &User, path: &str) -> Result<(StatusCode, String)> {
    let res = u.client.get(app.url(path)).send().await?;
    let status = res.status();
    Ok((status, res.text().await?))
}

/// A page's body, failing unless it answered 200.
pub async fn get_text(app: &TestApp, u: &User, path: &str) -> Result<String> {
    let res = u.client.get(app.url(path)).send().await?;
    if res.status() != StatusCode::OK {
        bail!("GET {path}: {}", res.status());
    }
    Ok(res.text().await?)
}

/// The date `days` from today in China Standard Time, "YYYY-MM-DD".
pub fn cst_date_in(days: i64) -> String {
    let cst = time::UtcOffset::from_hms(8, 0, 0).expect("offset");
    let d = time::OffsetDateTime::now_utc().to_offset(cst).date() + time::Duration::days(days);
    format!("{}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

pub async fn pause(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// The office opens a round due `days` from today; returns its id.
pub async fn open_round(app: &TestApp, admin: &User, name: &str, days: i64) -> Result<i64> {
    let due = cst_date_in(days);
    let (s, _) = post_form(
        app,
        admin,
        "/admin/rounds",
        &[("name", name), ("due_date", &due)],
    )
    .await?;
    if s != StatusCode::SEE_OTHER {
        bail!("open round {name}: {s}");
    }
    let plan = app.store.plans().await?[0].id;
    Ok(app.store.rounds(plan).await?.pop().context("round")?.id.0)
}

/// A unit saves its report on a task, then submits it.
pub async fn save_and_submit(
    app: &TestApp,
    unit: &User,
    round: i64,
    task: i64,
    narrative: &str,
    self_status: &str,
) -> Result<()> {
    let form = format!("/rounds/{round}/tasks/{task}/report");
    for (version, action) in [("", "save"), ("1", "submit")] {
        let fields = [
            ("narrative", narrative),
            ("self_status", self_status),
            ("version", version),
            ("action", action),
        ];
        let (s, _) = post_form(app, unit, &form, &fields).await?;
        if s != StatusCode::SEE_OTHER {
            bail!("{action} report on task {task}: {s}");
        }
    }
    Ok(())
}
