//! Load test of the running service: 32 concurrent HTTP clients against the overview (JSON
//! and the HTML page with its lights and ranking), the filtered task list (JSON and HTML),
//! task pages at random, the stylesheet with and without a session cookie and `/healthz` as
//! the floor, each reported as req/s with p50/p99; then the overview's first view after a
//! change, and units submitting through the form; over a generated plan (default 50,000
//! tasks × 12 rounds = 600,000 reports). The server runs as a child process (this binary re-executed with `--serve`),
//! so its RSS is measured alone.
//!
//!     cargo bench -p duban-web --bench load
//!     DUBAN_BENCH_TASKS=5000 DUBAN_BENCH_ROUNDS=4 cargo bench -p duban-web --bench load
//!     DUBAN_BENCH_DB=postgres://… cargo bench -p duban-web --bench load   # an empty database
//!
//! The generated SQLite database is kept under `target/bench-web/` and reused by later runs
//! with the same sizes. `DUBAN_BENCH_ONLY="HTML list,task page"` runs only the named
//! read phases (and no write phases), for a quick look at one page.
#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use duban_demo::{DemoOptions, ReportState, generate};
use duban_store::{
    BulkReport, BulkRound, NewUser, ReportStatus, Role, RoundStatus, SelfStatus, Store,
    StoreOptions,
};
use duban_web::{Application, Config};

// Contains no account name (the password rules refuse one that does).
const PASSWORD: &str = "load-test-pw-7391";
const CLIENTS: usize = 32;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = if let Some(i) = args.iter().position(|a| a == "--serve") {
        let url = args.get(i + 1).cloned().unwrap_or_default();
        rt.block_on(serve(url))
    } else {
        rt.block_on(bench())
    };
    if let Err(e) = result {
        eprintln!("load bench failed: {e}");
        std::process::exit(1);
    }
}

/// The child: the real service on a free port, announced on stdout.
async fn serve(url: String) -> Result<(), BoxError> {
    let mut config = Config::new(url, "127.0.0.1:0".parse()?);
    config.idle_timeout = Duration::from_secs(3600);
    // `prepare` writes the dataset's audit chain under the fixed test key
    // (`StoreOptions::for_tests`); the server must seal with that key too, or it refuses the
    // database as signed by another key. Only logins (not measured) hash faster with it.
    config.fast_password_hashing = true;
    let app = Application::build(config).await?;
    println!("PORT {}", app.port());
    app.run_until_stopped().await?;
    Ok(())
}

async fn prepare(url: &str, tasks: usize, rounds: usize) -> Result<(), BoxError> {
    let store = Store::connect_with(url, StoreOptions::for_tests()).await?;
    store.migrate().await?;
    if !store.plans().await?.is_empty() {
        println!("reusing the plan already in {url}");
        ensure_unit_users(&store).await?;
        store.close().await;
        return Ok(());
    }
    let t = Instant::now();
    let plan = generate(&DemoOptions {
        tasks,
        rounds,
        ..DemoOptions::default()
    });
    let id = store
        .import_ledger(
            &plan.name,
            &plan.ledger,
            "bench",
            &format!("bench-{tasks}-{rounds}"),
            "bench",
        )
        .await?;
    // The newest round is still open, as during the year: its missing reports make tasks
    // overdue, which the lights must find.
    let last = plan.rounds.len().saturating_sub(1);
    let bulk_rounds: Vec<BulkRound> = plan
        .rounds
        .iter()
        .enumerate()
        .map(|(i, r)| BulkRound {
            name: r.name.clone(),
            due_date: r.due.clone(),
            status: if i == last {
                RoundStatus::Open
            } else {
                RoundStatus::Closed
            },
        })
        .collect();
    let reports: Vec<BulkReport> = plan
        .reports
        .iter()
        .map(|r| BulkReport {
            task_index: r.task,
            round_index: r.round,
            unit: r.unit.clone(),
            narrative: r.narrative.clone(),
            self_status: Some(match r.self_status {
                duban_demo::SelfStatus::Done => SelfStatus::Done,
                duban_demo::SelfStatus::OnSchedule => SelfStatus::OnSchedule,
                duban_demo::SelfStatus::Lagging => SelfStatus::Lagging,
                duban_demo::SelfStatus::NotStarted => SelfStatus::NotStarted,
            }),
            status: match r.state {
                ReportState::Draft => ReportStatus::Draft,
                ReportState::Submitted => ReportStatus::Submitted,
                ReportState::Returned => ReportStatus::Returned,
                ReportState::Accepted => ReportStatus::Accepted,
            },
            submitted_at: None,
        })
        .collect();
    store
        .bulk_load_reports(id, &bulk_rounds, &reports, "bench")
        .await?;
    store
        .create_user(
            &NewUser {
                username: "bench".into(),
                display_name: "bench".into(),
                role: Role::Leader,
                unit_id: None,
                password: PASSWORD.into(),
                must_change: false,
            },
            "bench",
        )
        .await?;
    println!(
        "generated and loaded {tasks} tasks, {} reports in {:.1}s",
        reports.len(),
        t.elapsed().as_secs_f64()
    );
    ensure_unit_users(&store).await?;
    store.close().await;
    Ok(())
}

/// One account per unit for the write phase: the 32 units leading the most tasks.
async fn ensure_unit_users(store: &Store) -> Result<(), BoxError> {
    let mut units = store.units().await?;
    units.sort_by(|a, b| b.lead_tasks.cmp(&a.lead_tasks).then(a.id.0.cmp(&b.id.0)));
    for (i, u) in units.iter().take(CLIENTS).enumerate() {
        let username = format!("bench-u{i}");
        if store.find_user(&username).await?.is_none() {
            store
                .create_user(
                    &NewUser {
                        username,
                        display_name: u.name.clone(),
                        role: Role::Unit,
                        unit_id: Some(u.id),
                        password: PASSWORD.into(),
                        must_change: false,
                    },
                    "bench",
                )
                .await?;
        }
    }
    Ok(())
}

async fn bench() -> Result<(), BoxError> {
    let tasks = env_usize("DUBAN_BENCH_TASKS", 50_000);
    let rounds = env_usize("DUBAN_BENCH_ROUNDS", 12);
    let seconds = env_usize("DUBAN_BENCH_SECONDS", 15) as u64;
    let url = match std::env::var("DUBAN_BENCH_DB") {
        Ok(u) if !u.trim().is_empty() => u,
        _ => {
            let dir = std::path::PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../target/bench-web"
            ));
            std::fs::create_dir_all(&dir)?;
            format!("sqlite://{}/plan-{tasks}-{rounds}-v2.db", dir.display())
        }
    };
    prepare(&url, tasks, rounds).await?;

    let mut child = Command::new(std::env::current_exe()?)
        .arg("--serve")
        .arg(&url)
        .stdout(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let port: u16 = loop {
        match lines.next() {
            Some(Ok(l)) if l.starts_with("PORT ") => break l[5..].trim().parse()?,
            Some(_) => continue,
            None => return Err("the server exited before announcing its port".into()),
        }
    };
    let result = async {
        drive(&url, port, pid, seconds).await?;
        if only().is_some() {
            return Ok(());
        }
        // Back to back: every client writes again as soon as it is answered (saturation).
        submit_phase(&url, port, pid, seconds, Duration::ZERO).await?;
        // Paced: 32 people at their desks, each pausing about a second between opening the
        // form and submitting it, and after each submission.
        submit_phase(&url, port, pid, seconds * 2, Duration::from_secs(1)).await
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// The read phases `DUBAN_BENCH_ONLY` names, if it is set.
fn only() -> Option<Vec<String>> {
    let v = std::env::var("DUBAN_BENCH_ONLY").ok()?;
    Some(v.split(',').map(|s| s.trim().to_string()).collect())
}

async fn drive(url: &str, port: u16, pid: u32, seconds: u64) -> Result<(), BoxError> {
    let base = format!("http://127.0.0.1:{port}");
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let c = reqwest::Client::builder().cookie_store(true).build()?;
        let res = c
            .post(format!("{base}/api/session"))
            .json(&serde_json::json!({"username": "bench", "password": PASSWORD}))
            .send()
            .await?;
        if !res.status().is_success() {
            return Err(format!("login: {}", res.status()).into());
        }
        clients.push(c);
    }
    // A real filter: one section, one verdict, first page.
    let overview: serde_json::Value = clients[0]
        .get(format!("{base}/api/overview"))
        .send()
        .await?
        .json()
        .await?;
    let section = overview["by_section"][1]["section"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let list_path = format!(
        "/api/tasks?verdict=not_met&section={}&limit=50",
        encode(&section)
    );
    println!("filtered list: {list_path}");

    // The overview page's first view computes every task's light and the units' ranking
    // from the reports (600,000 rows by default); later views are served from the cache
    // until a report, round, notice, extension or task changes. Both costs are shown.
    for (name, path) in [
        ("overview page", "/"),
        ("filtered page", "/tasks?verdict=not_met"),
    ] {
        let t = Instant::now();
        let r = clients[0].get(format!("{base}{path}")).send().await?;
        let status = r.status();
        let _ = r.bytes().await?;
        if !status.is_success() {
            return Err(format!("GET {path}: {status}").into());
        }
        println!(
            "{name:>14}: first view {:.1} ms (nothing cached)",
            t.elapsed().as_secs_f64() * 1e3
        );
    }

    // One client alone first: the cost of a request without queueing.
    for (name, path) in [
        ("overview", "/api/overview"),
        ("overview page", "/"),
        ("filtered list", list_path.as_str()),
    ] {
        let mut times = Vec::new();
        for _ in 0..200 {
            let t = Instant::now();
            let r = clients[0].get(format!("{base}{path}")).send().await?;
            let _ = r.bytes().await?;
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "{name:>14}: 1 client, p50 {:.2} ms, p99 {:.2} ms",
            times[100].as_secs_f64() * 1e3,
            times[197].as_secs_f64() * 1e3
        );
    }
    // Task pages at random: ids spread over the whole plan.
    let mut task_paths = Vec::new();
    let total = overview["counts"]["total"].as_i64().unwrap_or(0).max(1);
    for k in 0..10 {
        let offset = total * k / 10;
        let page: serde_json::Value = clients[0]
            .get(format!("{base}/api/tasks?limit=50&offset={offset}"))
            .send()
            .await?
            .json()
            .await?;
        for t in page["tasks"].as_array().into_iter().flatten() {
            if let Some(id) = t["id"].as_i64() {
                task_paths.push(format!("/tasks/{id}"));
            }
        }
    }
    if task_paths.is_empty() {
        return Err("no task ids".into());
    }
    let anonymous: Vec<reqwest::Client> = (0..CLIENTS)
        .map(|_| reqwest::Client::builder().build())
        .collect::<Result<_, _>>()?;
    let one = |p: &str| vec![p.to_string()];
    let phases: Vec<(&str, Vec<String>, &Vec<reqwest::Client>)> = vec![
        ("overview", one("/api/overview"), &clients),
        ("overview page", one("/"), &clients),
        ("filtered list", one(&list_path), &clients),
        ("HTML list", one("/tasks?verdict=not_met"), &clients),
        ("task page", task_paths, &clients),
        ("healthz", one("/healthz"), &clients),
        ("style, cookie", one("/assets/style.css"), &clients),
        ("style, none", one("/assets/style.css"), &anonymous),
    ];
    let only = only();
    for (name, paths, who) in phases {
        if only.as_ref().is_some_and(|o| !o.iter().any(|n| n == name)) {
            continue;
        }
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let paths = Arc::new(paths);
        let mut handles = Vec::new();
        for (i, c) in who.iter().enumerate() {
            let c = c.clone();
            let paths = paths.clone();
            let base = base.clone();
            handles.push(tokio::spawn(async move {
                let mut times = Vec::new();
                let mut errors = 0usize;
                // Each client walks the paths from its own place (random task pages).
                let mut k = i * 7919;
                while Instant::now() < deadline {
                    let url = format!("{base}{}", paths[k % paths.len()]);
                    k += 1;
                    let t = Instant::now();
                    match c.get(&url).send().await {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            times.push(t.elapsed());
                        }
                        _ => errors += 1,
                    }
                }
                (times, errors)
            }));
        }
        let mut all = Vec::new();
        let mut errors = 0;
        for h in handles {
            let (t, e) = h.await?;
            all.extend(t);
            errors += e;
        }
        all.sort();
        let pct = |p: f64| {
            all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        println!(
            "{name:>14}: {} requests in {seconds}s ({:.0}/s), {CLIENTS} clients, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, errors {errors}",
            all.len(),
            all.len() as f64 / seconds as f64,
            pct(0.50).as_secs_f64() * 1e3,
            pct(0.99).as_secs_f64() * 1e3,
            all.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        );
    }
    // The overview's first view after a change: the office overrides a task's verdict (and
    // withdraws it again, so a reused dataset stays as generated), then opens the overview.
    let store = Store::connect_with(url, StoreOptions::for_tests()).await?;
    let plan = store
        .plans()
        .await?
        .first()
        .map(|p| p.id)
        .ok_or("no plan")?;
    let (some, _) = store
        .list_tasks(
            plan,
            &duban_store::TaskFilter {
                limit: 20,
                ..Default::default()
            },
            &duban_store::Scope::All,
        )
        .await?;
    // After each change, the overview and then the HTML list (whose total and filter
    // choices the change also made stale), each as the first view.
    let mut times = Vec::new();
    let mut list_times = Vec::new();
    for (i, t) in some.iter().enumerate() {
        let verdict = (i % 2 == 0).then_some(duban_model::Verdict::Met);
        store
            .override_verdict(t.id, verdict, "压测改判", "bench")
            .await?;
        let started = Instant::now();
        let r = clients[0].get(format!("{base}/")).send().await?;
        let _ = r.bytes().await?;
        times.push(started.elapsed());
        let started = Instant::now();
        let r = clients[0]
            .get(format!("{base}/tasks?verdict=not_met"))
            .send()
            .await?;
        let _ = r.bytes().await?;
        list_times.push(started.elapsed());
    }
    if some.len() % 2 == 1
        && let Some(t) = some.last()
    {
        store.override_verdict(t.id, None, "", "bench").await?;
    }
    store.close().await;
    for (name, mut times) in [("overview page", times), ("HTML list", list_times)] {
        times.sort();
        if let (Some(mid), Some(max)) = (times.get(times.len() / 2), times.last()) {
            println!(
                "{name}, first view after a change: p50 {:.1} ms, max {:.1} ms ({} changes)",
                mid.as_secs_f64() * 1e3,
                max.as_secs_f64() * 1e3,
                times.len()
            );
        }
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    for key in ["VmRSS", "VmHWM"] {
        if let Some(l) = status.lines().find(|l| l.starts_with(key)) {
            println!("server {l}");
        }
    }
    Ok(())
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A unit's client for the write phase: its session, CSRF token and the tasks it still
/// owes in the open round.
struct UnitClient {
    client: reqwest::Client,
    csrf: String,
    owed: Vec<i64>,
}

/// 32 unit accounts submit reports at once through the real form: open the form (which runs
/// the live check on the stored draft), then 提交 with a new narrative and self-status; the
/// redirect answer renders the form again with the live check of what was submitted.
async fn submit_phase(
    url: &str,
    port: u16,
    pid: u32,
    seconds: u64,
    pause: Duration,
) -> Result<(), BoxError> {
    let base = format!("http://127.0.0.1:{port}");
    let store = Store::connect_with(url, StoreOptions::for_tests()).await?;
    let plan = store
        .plans()
        .await?
        .first()
        .map(|p| p.id)
        .ok_or("no plan")?;
    // A fresh round each phase, due in a week, so every run finds every report owed (the
    // dataset is reused between runs).
    let now = time::OffsetDateTime::now_utc();
    let due = now + time::Duration::days(7);
    let round = store
        .open_round(
            plan,
            &format!("压测{}", now.unix_timestamp_nanos() / 1_000_000),
            &format!("{}-{:02}-{:02}", due.year(), due.month() as u8, due.day()),
            "bench",
        )
        .await?;
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let user = store
            .find_user(&format!("bench-u{i}"))
            .await?
            .ok_or("no bench unit user")?;
        let unit = user.unit_id.ok_or("unit user without unit")?;
        let owed: Vec<i64> = store
            .unit_round_tasks(round.id, unit)
            .await?
            .into_iter()
            .filter(|o| o.report.as_ref().is_none_or(|r| r.status.editable()))
            .map(|o| o.task.id.0)
            .collect();
        let client = reqwest::Client::builder().cookie_store(true).build()?;
        let res: serde_json::Value = client
            .post(format!("{base}/api/session"))
            .json(&serde_json::json!({"username": user.username, "password": PASSWORD}))
            .send()
            .await?
            .json()
            .await?;
        let csrf = res["csrf_token"]
            .as_str()
            .ok_or("login gave no csrf token")?
            .to_string();
        clients.push(UnitClient { client, csrf, owed });
    }
    store.close().await;
    let owed: usize = clients.iter().map(|c| c.owed.len()).sum();
    println!(
        "submit phase, pause {} ms: round {}, {CLIENTS} unit accounts owing {owed} reports",
        pause.as_millis(),
        round.name
    );
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut handles = Vec::new();
    for (i, c) in clients.into_iter().enumerate() {
        let base = base.clone();
        let round = round.id.0;
        // People do not click in step: each pause is drawn from 0.5–1.5 × `pause`, from a
        // fixed per-client sequence so runs compare.
        let mut seed =
            0x9E37_79B9_7F4A_7C15u64 ^ (i as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let mut think = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            pause.mul_f64(0.5 + (seed % 1000) as f64 / 1000.0)
        };
        handles.push(tokio::spawn(async move {
            let mut form_times = Vec::new();
            let mut submit_times = Vec::new();
            let mut errors = 0usize;
            for task in c.owed {
                if Instant::now() >= deadline {
                    break;
                }
                let path = format!("{base}/rounds/{round}/tasks/{task}/report");
                let t = Instant::now();
                let page = match c.client.get(&path).send().await {
                    Ok(r) if r.status().is_success() => r.text().await.unwrap_or_default(),
                    _ => {
                        errors += 1;
                        continue;
                    }
                };
                form_times.push(t.elapsed());
                tokio::time::sleep(think()).await;
                let version = hidden_value(&page, "version").unwrap_or_default();
                let form = [
                    ("csrf", c.csrf.as_str()),
                    ("version", version.as_str()),
                    (
                        "narrative",
                        "本月已完成全年目标的85%，项目主体工程基本完工，正在开展验收准备。",
                    ),
                    ("self_status", "on_schedule"),
                    ("delay_reason", ""),
                    ("next_steps", "下月完成竣工验收。"),
                    ("action", "submit"),
                ];
                let t = Instant::now();
                match c.client.post(&path).form(&form).send().await {
                    Ok(r)
                        if r.status().is_success() && r.url().query() == Some("done=submitted") =>
                    {
                        let _ = r.bytes().await;
                        submit_times.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
                tokio::time::sleep(think()).await;
            }
            (form_times, submit_times, errors)
        }));
    }
    let (mut forms, mut submits, mut errors) = (Vec::new(), Vec::new(), 0);
    for h in handles {
        let (f, s, e) = h.await?;
        forms.extend(f);
        submits.extend(s);
        errors += e;
    }
    for (name, all) in [("open form", &mut forms), ("submit", &mut submits)] {
        all.sort();
        let pct = |p: f64| {
            all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
                .as_secs_f64()
                * 1e3
        };
        println!(
            "{name:>14}: {} requests in {seconds}s, {CLIENTS} unit clients, pause {} ms, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            all.len(),
            pause.as_millis(),
            pct(0.50),
            pct(0.99),
            all.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        );
    }
    println!("submit phase errors: {errors}");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    if let Some(l) = status.lines().find(|l| l.starts_with("VmHWM")) {
        println!("server after writes {l}");
    }
    Ok(())
}

/// The value of `<input type="hidden" name="{name}" value="…">` in a page.
fn hidden_value(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!("name=\"{name}\""))?;
    let tag_start = page[..at].rfind('<')?;
    let tag_end = at + page[at..].find('>')?;
    let tag = &page[tag_start..tag_end];
    let v = tag.find("value=\"")? + 7;
    let end = tag[v..].find('"')?;
    Some(tag[v..v + end].to_string())
}
