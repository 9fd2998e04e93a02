//! Loads a generated plan (default 50,000 tasks, 12 rounds = 600,000 reports) and times the
//! read paths the web serves most: the plan overview and filtered task lists, one client at a
//! time and with 32 concurrent clients. Runs on SQLite always and on PostgreSQL when
//! `DUBAN_BENCH_PG_URL` (or `DUBAN_TEST_PG_URL`) is set.
//!
//!     cargo bench -p duban-store --bench queries
//!     DUBAN_BENCH_TASKS=5000 DUBAN_BENCH_ROUNDS=4 cargo bench -p duban-store --bench queries
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use duban_demo::{DemoOptions, ReportState, generate};
use duban_model::Verdict;
use duban_store::{
    BulkReport, BulkRound, PlanId, ReportStatus, RoundStatus, Scope, SelfStatus, Store, StoreError,
    StoreOptions, TaskFilter, UnitId,
};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn self_status(s: duban_demo::SelfStatus) -> SelfStatus {
    match s {
        duban_demo::SelfStatus::Done => SelfStatus::Done,
        duban_demo::SelfStatus::OnSchedule => SelfStatus::OnSchedule,
        duban_demo::SelfStatus::Lagging => SelfStatus::Lagging,
        duban_demo::SelfStatus::NotStarted => SelfStatus::NotStarted,
    }
}

fn status(s: ReportState) -> ReportStatus {
    match s {
        ReportState::Draft => ReportStatus::Draft,
        ReportState::Submitted => ReportStatus::Submitted,
        ReportState::Returned => ReportStatus::Returned,
        ReportState::Accepted => ReportStatus::Accepted,
    }
}

fn due(iso: &str) -> time::OffsetDateTime {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(iso, &fmt)
        .map(|d| d.midnight().assume_utc())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

#[derive(Clone)]
enum Query {
    Overview(Scope),
    List(TaskFilter, Scope),
    /// A different two-character word on every call, so no cached total can help: the cost
    /// of a search nobody ran before.
    FreshSearch(Scope),
    /// The facts behind the status lights: a page of tasks (the first 50), or the whole plan
    /// (the overview's light counts).
    Standings {
        page: bool,
        scope: Scope,
    },
}

/// Common characters of the generated texts; pairs of them make distinct search words.
const CHARS: &[char] = &[
    '建', '设', '完', '成', '推', '进', '项', '目', '产', '业', '城', '市', '服', '务', '企', '发',
    '展', '新', '区', '园', '工', '程', '改', '造', '提', '升', '绿', '化', '投', '资',
];

static FRESH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn fresh_word() -> String {
    let n = FRESH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let a = CHARS[n % CHARS.len()];
    let b = CHARS[(n / CHARS.len()) % CHARS.len()];
    [a, b].iter().collect()
}

struct Stats {
    p50: Duration,
    p99: Duration,
    max: Duration,
    n: usize,
}

fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
    Stats {
        p50: at(0.50),
        p99: at(0.99),
        max: v[v.len() - 1],
        n: v.len(),
    }
}

async fn run_once(store: &Store, plan: PlanId, q: &Query) -> Result<(), StoreError> {
    match q {
        Query::Overview(scope) => {
            store.overview(plan, scope).await?;
        }
        Query::List(f, scope) => {
            store.list_tasks(plan, f, scope).await?;
        }
        Query::FreshSearch(scope) => {
            let f = TaskFilter {
                q: Some(fresh_word()),
                ..TaskFilter::default()
            };
            store.list_tasks(plan, &f, scope).await?;
        }
        Query::Standings { page, scope } => {
            let rounds = store.rounds(plan).await?;
            let round = rounds.last().map(|r| r.id);
            if *page {
                let (tasks, _) = store
                    .list_tasks(plan, &TaskFilter::default(), scope)
                    .await?;
                let ids: Vec<_> = tasks.iter().map(|t| t.id).collect();
                store.task_standings(plan, round, Some(&ids), scope).await?;
            } else {
                store.task_standings(plan, round, None, scope).await?;
            }
        }
    }
    Ok(())
}

async fn measure(
    store: &Store,
    plan: PlanId,
    q: &Query,
    clients: usize,
    per_client: usize,
) -> Result<Stats, StoreError> {
    let mut jobs = Vec::new();
    for _ in 0..clients {
        let store = store.clone();
        let q = q.clone();
        jobs.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(per_client);
            for _ in 0..per_client {
                let t = Instant::now();
                run_once(&store, plan, &q).await?;
                times.push(t.elapsed());
            }
            Ok::<_, StoreError>(times)
        }));
    }
    let mut all = Vec::new();
    for j in jobs {
        match j.await {
            Ok(r) => all.extend(r?),
            Err(e) => return Err(StoreError::Invalid(e.to_string())),
        }
    }
    Ok(stats(all))
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

async fn bench(url: &str, label: &str) -> Result<(), StoreError> {
    let tasks = env_usize("DUBAN_BENCH_TASKS", 50_000);
    let rounds = env_usize("DUBAN_BENCH_ROUNDS", 12);
    let clients = env_usize("DUBAN_BENCH_CLIENTS", 32);
    let opts = StoreOptions {
        max_connections: env_usize("DUBAN_BENCH_POOL", 16) as u32,
        audit: StoreOptions::for_tests().audit,
        ..StoreOptions::default()
    };
    let store = Store::connect_with(url, opts).await?;
    store.migrate().await?;

    let t = Instant::now();
    let demo = generate(&DemoOptions {
        tasks,
        rounds,
        year: 2026,
        seed: 7,
    });
    println!(
        "[{label}] generated {} tasks, {} reports in {:.1}s",
        demo.ledger.tasks.len(),
        demo.reports.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let sha = format!("bench-{tasks}-{rounds}");
    let plan = store
        .import_ledger(&demo.name, &demo.ledger, "bench", &sha, "bench")
        .await?;
    println!("[{label}] import_ledger: {:.2}s", t.elapsed().as_secs_f64());
    let bulk_rounds: Vec<BulkRound> = demo
        .rounds
        .iter()
        .map(|r| BulkRound {
            name: r.name.clone(),
            due_date: r.due.clone(),
            status: RoundStatus::Open,
        })
        .collect();
    let bulk: Vec<BulkReport> = demo
        .reports
        .iter()
        .map(|r| BulkReport {
            task_index: r.task,
            round_index: r.round,
            unit: r.unit.clone(),
            narrative: r.narrative.clone(),
            self_status: Some(self_status(r.self_status)),
            status: status(r.state),
            submitted_at: r
                .submitted_offset_days
                .map(|d| due(&demo.rounds[r.round].due) + time::Duration::days(i64::from(d))),
        })
        .collect();
    drop(demo);
    let t = Instant::now();
    store
        .bulk_load_reports(plan, &bulk_rounds, &bulk, "bench")
        .await?;
    println!(
        "[{label}] bulk_load_reports ({} reports): {:.2}s",
        bulk.len(),
        t.elapsed().as_secs_f64()
    );
    drop(bulk);

    let units = store.units().await?;
    let busiest: UnitId = units
        .iter()
        .max_by_key(|u| u.lead_tasks)
        .map(|u| u.id)
        .unwrap_or(UnitId(1));
    let sections = store.sections(plan).await?;
    let section = sections.get(3).cloned();
    let queries: Vec<(&str, Query)> = vec![
        ("overview (all)", Query::Overview(Scope::All)),
        ("overview (one unit)", Query::Overview(Scope::Unit(busiest))),
        (
            "standings, page of 50 (list + standings)",
            Query::Standings {
                page: true,
                scope: Scope::All,
            },
        ),
        (
            "standings, whole plan",
            Query::Standings {
                page: false,
                scope: Scope::All,
            },
        ),
        (
            "standings, whole plan, one unit",
            Query::Standings {
                page: false,
                scope: Scope::Unit(busiest),
            },
        ),
        (
            "list verdict=not_met",
            Query::List(
                TaskFilter {
                    verdict: Some(Verdict::NotMet),
                    ..TaskFilter::default()
                },
                Scope::All,
            ),
        ),
        (
            "list section",
            Query::List(
                TaskFilter {
                    section,
                    ..TaskFilter::default()
                },
                Scope::All,
            ),
        ),
        (
            "list lead_unit",
            Query::List(
                TaskFilter {
                    lead_unit: Some(busiest),
                    ..TaskFilter::default()
                },
                Scope::All,
            ),
        ),
        (
            "list unit scope",
            Query::List(TaskFilter::default(), Scope::Unit(busiest)),
        ),
        (
            "list page 200",
            Query::List(
                TaskFilter {
                    offset: 10_000,
                    ..TaskFilter::default()
                },
                Scope::All,
            ),
        ),
        (
            "search, never-seen 2-char word",
            Query::FreshSearch(Scope::All),
        ),
        (
            "search, unit scope, never-seen",
            Query::FreshSearch(Scope::Unit(busiest)),
        ),
        (
            "search q=2 chars",
            Query::List(
                TaskFilter {
                    q: Some("公园".into()),
                    ..TaskFilter::default()
                },
                Scope::All,
            ),
        ),
        (
            "search q=1 char, unit scope",
            Query::List(
                TaskFilter {
                    q: Some("园".into()),
                    ..TaskFilter::default()
                },
                Scope::Unit(busiest),
            ),
        ),
    ];
    println!(
        "[{label}] {:<32} {:>7} | {:>7} {:>7} {:>7} | {:>3} clients: {:>7} {:>7} {:>7}",
        "query (ms)", "first", "p50", "p99", "max", clients, "p50", "p99", "max"
    );
    for (name, q) in &queries {
        // The first call pays for what later ones find cached; then the service is warm.
        let t = Instant::now();
        run_once(&store, plan, q).await?;
        let first = t.elapsed();
        let one = measure(&store, plan, q, 1, 50).await?;
        let many = measure(&store, plan, q, clients, 10).await?;
        println!(
            "[{label}] {:<32} {:>7} | {:>7} {:>7} {:>7} | {:>3} clients: {:>7} {:>7} {:>7}  (n={}+{})",
            name,
            ms(first),
            ms(one.p50),
            ms(one.p99),
            ms(one.max),
            clients,
            ms(many.p50),
            ms(many.p99),
            ms(many.max),
            one.n,
            many.n
        );
    }
    writes(&store, plan, &units, clients, label).await?;
    store.close().await;
    Ok(())
}

/// The reporting write path: in a new round, each client is one unit that loads its tasks,
/// saves a draft and submits it, task after task, all clients at once.
async fn writes(
    store: &Store,
    plan: PlanId,
    units: &[duban_store::Unit],
    clients: usize,
    label: &str,
) -> Result<(), StoreError> {
    let round = store
        .open_round(plan, "基准测试轮次", "2026-12-31", "bench")
        .await?;
    let mut by_size: Vec<&duban_store::Unit> = units.iter().collect();
    by_size.sort_by_key(|u| std::cmp::Reverse(u.lead_tasks));
    let mut jobs = Vec::new();
    for unit in by_size.into_iter().take(clients) {
        let store = store.clone();
        let unit = unit.id;
        jobs.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            let mut saves = Vec::new();
            let mut submits = Vec::new();
            let t = Instant::now();
            let owed = store.unit_round_tasks(round.id, unit).await?;
            mine.push(t.elapsed());
            for o in owed.iter().take(10) {
                let t = Instant::now();
                let r = store
                    .save_draft(
                        &duban_store::DraftInput {
                            task: o.task.id,
                            round: round.id,
                            unit,
                            narrative: "已完成年度目标的85%，项目主体完工，正在组织验收。".into(),
                            figures: serde_json::json!({ "完成比例": 85 }),
                            self_status: Some(SelfStatus::OnSchedule),
                            delay_reason: None,
                            next_steps: Some("12月底前完成验收".into()),
                            expected_version: None,
                        },
                        "bench",
                    )
                    .await?;
                saves.push(t.elapsed());
                let t = Instant::now();
                store.submit_report(r.id, r.version, "bench").await?;
                submits.push(t.elapsed());
            }
            Ok::<_, StoreError>((mine, saves, submits))
        }));
    }
    let (mut mine, mut saves, mut submits) = (Vec::new(), Vec::new(), Vec::new());
    for j in jobs {
        match j.await {
            Ok(r) => {
                let (a, b, c) = r?;
                mine.extend(a);
                saves.extend(b);
                submits.extend(c);
            }
            Err(e) => return Err(StoreError::Invalid(e.to_string())),
        }
    }
    for (name, v) in [
        ("my tasks (unit_round_tasks)", mine),
        ("save_draft (new)", saves),
        ("submit_report", submits),
    ] {
        if v.is_empty() {
            continue;
        }
        let s = stats(v);
        println!(
            "[{label}] {:<32} concurrent ({} units): p50 {} p99 {} max {} ms (n={})",
            name,
            clients,
            ms(s.p50),
            ms(s.p99),
            ms(s.max),
            s.n
        );
    }
    let audit = store.audit_verify().await?;
    println!(
        "[{label}] audit chain after the writes: {} entries, ok={}",
        audit.entries,
        audit.ok()
    );
    Ok(())
}

fn main() {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => Arc::new(rt),
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("duban_bench_{}", std::process::id()));
        if let Err(e) = std::fs::create_dir_all(&dir) {
            eprintln!("cannot create {}: {e}", dir.display());
            return 1;
        }
        let url = format!("sqlite://{}", dir.join("bench.db").display());
        let mut code = 0;
        if let Err(e) = bench(&url, "sqlite").await {
            eprintln!("sqlite bench failed: {e}");
            code = 1;
        }
        if std::env::var_os("DUBAN_BENCH_KEEP").is_some() {
            println!("kept {}", dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&dir);
        }
        let pg = std::env::var("DUBAN_BENCH_PG_URL")
            .or_else(|_| std::env::var("DUBAN_TEST_PG_URL"))
            .ok()
            .filter(|u| !u.trim().is_empty());
        if let Some(admin_url) = pg {
            match pg_bench(admin_url.trim()).await {
                Ok(()) => {}
                Err(e) => {
                    eprintln!("postgres bench failed: {e}");
                    code = 1;
                }
            }
        }
        code
    });
    std::process::exit(code);
}

/// Runs the bench in a fresh database next to the one the URL names, dropped afterwards.
async fn pg_bench(admin_url: &str) -> Result<(), StoreError> {
    let name = format!("duban_bench_{}", std::process::id());
    let admin = sqlx::PgPool::connect(admin_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await?;
    let base = admin_url.split('?').next().unwrap_or(admin_url);
    let url = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => format!("{}/{name}", &base[..i]),
        _ => format!("{base}/{name}"),
    };
    let r = bench(&url, "postgres").await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await?;
    admin.close().await;
    r
}
