use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, Result};
use duban_model::{Ledger, SourceFormat, Table, Task, UnitRef, Verdict};
use duban_store::{Backend, Store, StoreOptions};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// One backend under test: a migrated store, its URL (for second handles and raw SQL).
#[derive(Clone)]
pub struct Ctx {
    pub store: Store,
    pub url: String,
    pub label: String,
}

impl Ctx {
    pub async fn second_handle(&self) -> Result<Store> {
        Ok(Store::connect_with(&self.url, StoreOptions::for_tests()).await?)
    }

    /// Runs SQL behind the store's back (tampering, fault injection). The tests build it
    /// from their own literals and values read from the log, never from input.
    pub async fn raw(&self, sql: impl Into<String>) -> Result<()> {
        let sql = sqlx::AssertSqlSafe(sql.into());
        match self.store.backend() {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&self.url).await?;
                sqlx::raw_sql(sql).execute(&pool).await?;
                pool.close().await;
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await?;
                sqlx::raw_sql(sql).execute(&pool).await?;
                pool.close().await;
            }
        }
        Ok(())
    }

    /// Counts rows with a scalar query behind the store's back.
    pub async fn count(&self, sql: impl Into<String>) -> Result<i64> {
        let sql = sqlx::AssertSqlSafe(sql.into());
        Ok(match self.store.backend() {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&self.url).await?;
                let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await?;
                pool.close().await;
                n
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await?;
                let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await?;
                pool.close().await;
                n
            }
        })
    }
}

enum Cleanup {
    Dir(PathBuf),
    PgDatabase { admin_url: String, name: String },
}

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

async fn sqlite_ctx() -> Result<(Ctx, Cleanup)> {
    let dir = std::env::temp_dir().join(unique("duban_store_it"));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}", dir.join("test.db").display());
    let store = Store::connect_with(&url, StoreOptions::for_tests()).await?;
    store.migrate().await?;
    Ok((
        Ctx {
            store,
            url,
            label: "sqlite".into(),
        },
        Cleanup::Dir(dir),
    ))
}

/// Replaces the database name (the last path segment) of a PostgreSQL URL.
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

async fn pg_ctx(admin_url: &str) -> Result<(Ctx, Cleanup)> {
    let name = unique("duban_it");
    let admin = sqlx::PgPool::connect(admin_url)
        .await
        .context("DUBAN_TEST_PG_URL is set but PostgreSQL cannot be reached")?;
    // The name is ours (letters, digits, underscores), not input.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await?;
    admin.close().await;
    let url = with_database(admin_url, &name);
    let store = Store::connect_with(&url, StoreOptions::for_tests()).await?;
    store.migrate().await?;
    Ok((
        Ctx {
            store,
            url,
            label: "postgres".into(),
        },
        Cleanup::PgDatabase {
            admin_url: admin_url.to_string(),
            name,
        },
    ))
}

async fn cleanup(ctx: Ctx, c: Cleanup) -> Result<()> {
    ctx.store.close().await;
    remove(c).await
}

/// Removes a test database: its directory, or the PostgreSQL database.
async fn remove(c: Cleanup) -> Result<()> {
    match c {
        Cleanup::Dir(d) => {
            let _ = std::fs::remove_dir_all(d);
        }
        Cleanup::PgDatabase { admin_url, name } => {
            let admin = sqlx::PgPool::connect(&admin_url).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&admin)
            .await?;
            admin.close().await;
        }
    }
    Ok(())
}

/// Runs `check` on SQLite, then on PostgreSQL when `DUBAN_TEST_PG_URL` is set. A failure
/// names the backend; the database is left behind for inspection only when a check fails.
pub async fn on_each_backend<F, Fut>(check: F) -> Result<()>
where
    F: Fn(Ctx) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let mut backends = vec![sqlite_ctx().await?];
    if let Ok(pg) = std::env::var("DUBAN_TEST_PG_URL")
        && !pg.trim().is_empty()
    {
        backends.push(pg_ctx(pg.trim()).await?);
    }
    for (ctx, c) in backends {
        let label = ctx.label.clone();
        check(ctx.clone())
            .await
            .with_context(|| format!("on {label}"))?;
        cleanup(ctx, c).await?;
    }
    Ok(())
}

fn unit(name: &str) -> UnitRef {
    UnitRef::new(name)
}

/// A small ledger with what the store must keep apart: sections, lead and cooperating units,
/// an alias, a group placeholder, office and machine verdicts that disagree, and a text with
/// LIKE wildcards.
pub fn sample_ledger() -> Ledger {
    let mut l = Ledger::new("sample.txt", SourceFormat::Txt);
    l.title = Some("关于2022年区政府工作报告重点任务完成情况的报告".into());
    l.claimed_total = Some(6);
    l.tables.push(Table {
        index: 1,
        label: "附件1".into(),
        title: Some("未完成目标任务".into()),
        claimed_rows: Some(3),
        rows: 3,
        office_verdict: Some(Verdict::NotMet),
        as_of: None,
    });
    l.tables.push(Table {
        index: 2,
        label: "附件2".into(),
        title: Some("已完成目标任务".into()),
        claimed_rows: Some(3),
        rows: 3,
        office_verdict: Some(Verdict::Met),
        as_of: None,
    });
    let mut t = |table: usize,
                 row: u32,
                 section: &str,
                 text: &str,
                 lead: &[UnitRef],
                 coop: &[UnitRef],
                 office: Option<Verdict>,
                 machine: Option<Verdict>| {
        let mut task = Task::new(table, row, text);
        task.section = Some(section.into());
        task.lead_units = lead.to_vec();
        task.coop_units = coop.to_vec();
        task.progress = format!("{text}：推进中。");
        task.office_verdict = office;
        task.verdict = machine;
        l.tasks.push(task);
    };
    let shangwu = UnitRef {
        name: "区商务委".into(),
        aliases: vec!["区招商中心".into()],
    };
    t(
        1,
        1,
        "经济发展",
        "技术交易合同登记额增长15%",
        &[unit("区科技局")],
        std::slice::from_ref(&shangwu),
        Some(Verdict::NotMet),
        Some(Verdict::Met),
    );
    t(
        1,
        2,
        "经济发展",
        "进口整车5000辆以上",
        std::slice::from_ref(&shangwu),
        &[],
        Some(Verdict::NotMet),
        Some(Verdict::NotMet),
    );
    t(
        1,
        3,
        "生态环境",
        "空气质量优良天数达到306天",
        &[unit("区生态环境局")],
        &[],
        Some(Verdict::NotMet),
        Some(Verdict::Unverifiable),
    );
    t(
        2,
        1,
        "城市建设",
        "建成江山公园",
        &[unit("区住建委")],
        &[unit("区科技局")],
        Some(Verdict::Met),
        Some(Verdict::Met),
    );
    t(
        2,
        2,
        "城市建设",
        "完成50%_的绿化提升",
        &[unit("区住建委")],
        &[],
        Some(Verdict::Met),
        Some(Verdict::Qualitative),
    );
    t(
        2,
        3,
        "民生保障",
        "新增城镇就业1.5万人",
        &[unit("区人社局")],
        &[],
        Some(Verdict::Met),
        Some(Verdict::NotMet),
    );
    l.tasks[5].lead_groups.push("各镇街".into());
    l
}

pub fn sha(n: u32) -> String {
    format!("{n:064x}")
}

/// An empty, unmigrated database to restore into: a SQLite file in a fresh directory, or a
/// fresh PostgreSQL database when `DUBAN_TEST_PG_URL` is set.
pub struct Scratch {
    pub url: String,
    cleanup: Cleanup,
}

impl Scratch {
    pub fn sqlite() -> Result<Scratch> {
        let dir = std::env::temp_dir().join(unique("duban_scratch"));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch {
            url: format!("sqlite://{}", dir.join("restored.db").display()),
            cleanup: Cleanup::Dir(dir),
        })
    }

    pub async fn postgres() -> Result<Option<Scratch>> {
        let Ok(admin_url) = std::env::var("DUBAN_TEST_PG_URL") else {
            return Ok(None);
        };
        let admin_url = admin_url.trim().to_string();
        if admin_url.is_empty() {
            return Ok(None);
        }
        let name = unique("duban_scratch");
        let admin = sqlx::PgPool::connect(&admin_url).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await?;
        admin.close().await;
        Ok(Some(Scratch {
            url: with_database(&admin_url, &name),
            cleanup: Cleanup::PgDatabase { admin_url, name },
        }))
    }

    pub async fn drop_it(self) -> Result<()> {
        remove(self.cleanup).await
    }
}
