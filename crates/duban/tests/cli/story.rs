//! One reporting round from start to finish, as the people involved would live it, over HTTP
//! against the real service (started in-process on port 0), on SQLite and, when
//! `DUBAN_TEST_PG_URL` is set, on a fresh PostgreSQL database:
//!
//! the office opens a round already past its due date; unit A drafts (the live check flags
//! 已完成 against 完成70%), submits, is returned with a reason, resubmits and is accepted;
//! unit B, which never reported, gets an overdue email (a loopback SMTP server) and a webhook
//! call (a loopback HTTP server) from one reminder pass; a supervision notice to unit B is
//! issued, answered and closed; `duban audit verify` passes, then fails naming the one audit
//! row altered behind the application's back.
//!
//! Setup that has no page (the ledger, the first accounts, the units' email addresses) goes
//! through the store, as `duban import`, `duban user add` and the operators would.

use anyhow::{Context, Result, bail, ensure};
use duban_model::{Ledger, SourceFormat, Table, Task, UnitRef};
use duban_store::{AuditFilter, NewUser, NoticeStatus, ReportStatus, Role, Scope, Store, TaskId};
use duban_testkit::{HttpServer, SmtpServer, http_server, smtp_server};
use duban_web::{Application, Config, SmtpSettings, SmtpTls, WebhookSettings};
use reqwest::StatusCode;

const PASSWORD: &str = "story-password-1";
const UNIT_A: &str = "区科技局";
const UNIT_B: &str = "区商务委";
const TASK_A: &str = "技术合同登记额增长15%";
const TASK_B: &str = "进口整车5000辆以上";
const ROUND: &str = "2026年1月";

#[tokio::test]
async fn a_round_from_opening_to_a_tampered_audit_log() -> Result<()> {
    story(Backend::Sqlite).await.context("on SQLite")?;
    match std::env::var("DUBAN_TEST_PG_URL") {
        Ok(admin_url) if !admin_url.trim().is_empty() => story(Backend::Postgres(admin_url))
            .await
            .context("on PostgreSQL")?,
        _ => eprintln!("note: DUBAN_TEST_PG_URL not set; the story ran on SQLite only"),
    }
    Ok(())
}

enum Backend {
    Sqlite,
    /// The server's URL; the story gets a database of its own there.
    Postgres(String),
}

/// A date `days` from today in China Standard Time, the calendar due dates are written in.
fn cst_date(days: i64) -> String {
    let cst = time::UtcOffset::from_hms(8, 0, 0).expect("offset");
    let d = time::OffsetDateTime::now_utc().to_offset(cst).date() + time::Duration::days(days);
    format!("{}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Two tasks, one per unit, with their targets read by the real assessment engine.
fn ledger() -> Ledger {
    let mut l = Ledger::new("story.txt", SourceFormat::Txt);
    l.title = Some("2026年重点任务".into());
    l.tables.push(Table {
        index: 1,
        label: "附件1".into(),
        title: None,
        claimed_rows: None,
        rows: 2,
        office_verdict: None,
        as_of: None,
    });
    let mut a = Task::new(1, 1, TASK_A);
    a.section = Some("创新驱动".into());
    a.lead_units.push(UnitRef::new(UNIT_A));
    let mut b = Task::new(1, 2, TASK_B);
    b.section = Some("开放发展".into());
    b.lead_units.push(UnitRef::new(UNIT_B));
    l.tasks = vec![a, b];
    duban_assess::assess_ledger(&mut l);
    l
}

struct Story {
    base: String,
    database_url: String,
    store: Store,
    smtp: SmtpServer,
    hook: HttpServer,
    server: tokio::task::JoinHandle<()>,
    _dir: Option<tempfile::TempDir>,
    /// The audit key file the service signs with, which `duban audit verify` is given too.
    key_dir: tempfile::TempDir,
}

impl Story {
    async fn start(backend: &Backend) -> Result<Story> {
        let (database_url, dir) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite://{}", dir.path().join("duban.db").display());
                (url, Some(dir))
            }
            Backend::Postgres(admin_url) => (create_pg_database(admin_url).await?, None),
        };
        let smtp = smtp_server(0).await?;
        let hook = http_server(0).await?;
        let mut config = Config::new(database_url.clone(), "127.0.0.1:0".parse()?);
        config.fast_password_hashing = true;
        let key_dir = tempfile::tempdir()?;
        config.audit_key_file = Some(key_dir.path().join("duban.audit-key"));
        config.smtp = Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port: smtp.port(),
            from: "督查办 <duban@example.gov.cn>".into(),
            user: None,
            password: None,
            tls: SmtpTls::None,
            ca_pem: None,
        });
        config.webhook = Some(WebhookSettings {
            url: hook.url().to_string(),
            format: "generic".into(),
            secret: None,
            ca_pem: None,
        });
        // No schedule: the office runs the pass, so the test knows when mail goes out.
        config.remind_every = None;
        config.public_url = Some("http://duban.example.gov.cn".into());
        let app = Application::build(config).await?;
        let base = format!("http://127.0.0.1:{}", app.port());
        let store = app.store().clone();
        let server = tokio::spawn(async move {
            let _ = app.run_until_stopped().await;
        });
        Ok(Story {
            base,
            database_url,
            store,
            smtp,
            hook,
            server,
            _dir: dir,
            key_dir,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn add_user(&self, name: &str, role: Role, unit: Option<&str>) -> Result<()> {
        let unit_id = match unit {
            Some(u) => Some(self.store.unit_by_name(u).await?.context("unit")?.id),
            None => None,
        };
        let user = NewUser {
            username: name.into(),
            display_name: name.into(),
            role,
            unit_id,
            password: PASSWORD.into(),
            must_change: false,
        };
        self.store.create_user(&user, "cli").await?;
        Ok(())
    }

    /// Logs in through the JSON API; the client keeps the session cookie.
    async fn login(&self, name: &str) -> Result<Person> {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let res = client
            .post(self.url("/api/session"))
            .json(&serde_json::json!({"username": name, "password": PASSWORD}))
            .send()
            .await?;
        ensure!(
            res.status() == StatusCode::OK,
            "login {name}: {}",
            res.status()
        );
        let v: serde_json::Value = res.json().await?;
        let csrf = v["csrf_token"].as_str().context("csrf token")?.to_string();
        Ok(Person {
            base: self.base.clone(),
            client,
            csrf,
        })
    }

    /// Runs `duban audit verify` on the story's database.
    async fn audit_verify(&self) -> Result<std::process::Output> {
        Ok(tokio::process::Command::new(env!("CARGO_BIN_EXE_duban"))
            .args(["audit", "verify", "--database-url", &self.database_url])
            .arg("--audit-key-file")
            .arg(self.key_dir.path().join("duban.audit-key"))
            .env_remove("DUBAN_DATABASE_URL")
            .output()
            .await?)
    }

    /// Rewrites who made audit entry `seq`, behind the application's back.
    async fn tamper(&self, seq: i64) -> Result<u64> {
        // `seq` is an integer read from the log, not input.
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE audit_log SET actor = 'mallory' WHERE seq = {seq}"
        ));
        let rows = if self.database_url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(&self.database_url).await?;
            let n = sqlx::query(sql).execute(&pool).await?.rows_affected();
            pool.close().await;
            n
        } else {
            let pool = sqlx::PgPool::connect(&self.database_url).await?;
            let n = sqlx::query(sql).execute(&pool).await?.rows_affected();
            pool.close().await;
            n
        };
        Ok(rows)
    }

    async fn finish(self, backend: &Backend) -> Result<()> {
        self.server.abort();
        self.store.close().await;
        if let Backend::Postgres(admin_url) = backend {
            drop_pg_database(admin_url, &self.database_url).await?;
        }
        Ok(())
    }
}

/// One logged-in browser.
struct Person {
    base: String,
    client: reqwest::Client,
    csrf: String,
}

impl Person {
    async fn get(&self, path: &str) -> Result<String> {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await?;
        let status = res.status();
        let body = res.text().await?;
        ensure!(status == StatusCode::OK, "GET {path}: {status}\n{body}");
        Ok(body)
    }

    /// Posts a form with the session's CSRF token; expects the redirect that follows a
    /// successful POST and returns where it points.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Result<String> {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .await?;
        let status = res.status();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        if status != StatusCode::SEE_OTHER {
            bail!("POST {path}: {status}\n{}", res.text().await?);
        }
        Ok(location)
    }
}

/// The `<section id="{group}">` of 我的任务, up to the next section.
fn my_group<'a>(page: &'a str, group: &str) -> Option<&'a str> {
    page.split(&format!("id=\"{group}\""))
        .nth(1)?
        .split("</section>")
        .next()
}

/// The value of the report form's hidden `version` field: the version the next save targets.
fn form_version(page: &str) -> Option<String> {
    let rest = page.split("name=\"version\" value=\"").nth(1)?;
    Some(rest.split('"').next()?.to_string())
}

/// The id in the first `action="{prefix}{id}/…"` of a page.
fn id_in_action(page: &str, prefix: &str) -> Option<i64> {
    let rest = page.split(&format!("action=\"{prefix}")).nth(1)?;
    rest.split('/').next()?.parse().ok()
}

/// The first link whose address starts with `prefix`.
fn href_to(page: &str, prefix: &str) -> Option<String> {
    let rest = page.split(&format!("href=\"{prefix}")).nth(1)?;
    Some(format!("{prefix}{}", rest.split('"').next()?))
}

/// The value of the `<option>` labelled `label`.
fn option_value(page: &str, label: &str) -> Option<String> {
    let end = page.find(&format!("\">{label}</option>"))?;
    let start = page[..end].rfind("<option value=\"")? + "<option value=\"".len();
    Some(page[start..end].to_string())
}

async fn story(backend: Backend) -> Result<()> {
    let s = Story::start(&backend).await?;
    s.store
        .import_ledger("2026年重点任务", &ledger(), "story.txt", "story-sha", "cli")
        .await?;
    s.add_user("office", Role::Admin, None).await?;
    s.add_user("kj", Role::Unit, Some(UNIT_A)).await?;
    s.add_user("sw", Role::Unit, Some(UNIT_B)).await?;
    let unit_a = s.store.unit_by_name(UNIT_A).await?.context("A")?.id;
    let unit_b = s.store.unit_by_name(UNIT_B).await?.context("B")?.id;
    s.store
        .set_unit_email(unit_a, Some("kj@example.gov.cn"), "cli")
        .await?;
    s.store
        .set_unit_email(unit_b, Some("sw@example.gov.cn"), "cli")
        .await?;

    let office = s.login("office").await?;
    let kj = s.login("kj").await?;
    let sw = s.login("sw").await?;

    // --- The office opens a round whose due date (yesterday, Beijing time) has passed.
    let due = cst_date(-1);
    office
        .post("/admin/rounds", &[("name", ROUND), ("due_date", &due)])
        .await?;
    let page = office.get("/admin/rounds").await?;
    ensure!(page.contains(ROUND) && page.contains(&due), "round listed");
    let plan = s.store.plans().await?[0].id;
    let round = s.store.rounds(plan).await?.pop().context("round")?.id;

    // --- Unit A drafts: its task is overdue; the live check contradicts 已完成.
    let page = kj.get("/my").await?;
    let overdue = my_group(&page, "overdue").context("the 已逾期 group")?;
    ensure!(overdue.contains(TASK_A), "unit A's task under 已逾期");
    let form_path = href_to(overdue, &format!("/rounds/{round}/tasks/")).context("填报 link")?;
    let form = kj.get(&form_path).await?;
    ensure!(form.contains("name=\"fig0\""), "a number field for 增长15%");
    let version = form_version(&form).context("version field")?;
    ensure!(version.is_empty(), "no report yet: {version:?}");
    let draft = "技术合同登记额同比增长12%，全年工作整体完成70%。";
    kj.post(
        &form_path,
        &[
            ("narrative", draft),
            ("self_status", "done"),
            ("fig0", "12"),
            ("version", &version),
            ("action", "save"),
        ],
    )
    .await?;
    let form = kj.get(&form_path).await?;
    ensure!(
        form.contains("自评为“已完成”，但进展写有“全年工作整体完成70%”"),
        "live check: 已完成 against 完成70%"
    );
    ensure!(
        form.contains("填报12%") && form.contains("未达成"),
        "live check: 12% against the 15% target"
    );
    let task_a = TaskId(
        form_path
            .split("/tasks/")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .context("task id")?
            .parse()?,
    );
    let report = s
        .store
        .task_reports(task_a, &Scope::All)
        .await?
        .pop()
        .context("the draft")?;
    ensure!(report.status == ReportStatus::Draft, "{:?}", report.status);
    let status = || async {
        Ok::<_, anyhow::Error>(
            s.store
                .report(report.id, &Scope::All)
                .await?
                .context("report")?
                .status,
        )
    };

    // --- Submits.
    let version = form_version(&form).context("version")?;
    kj.post(
        &form_path,
        &[
            ("narrative", draft),
            ("self_status", "done"),
            ("fig0", "12"),
            ("version", &version),
            ("action", "submit"),
        ],
    )
    .await?;
    ensure!(status().await? == ReportStatus::Submitted);
    ensure!(my_group(&kj.get("/my").await?, "submitted").is_some_and(|g| g.contains(TASK_A)));

    // --- The office returns it with a reason, which the unit sees.
    let queue = office.get(&format!("/admin/rounds/{round}/review")).await?;
    let review = format!("/admin/reports/{}", report.id);
    ensure!(queue.contains(&review), "in the review queue");
    ensure!(
        office.get(&review).await?.contains("自评为“已完成”"),
        "the reviewer sees the live check"
    );
    let reason = "自评与进展不符，请补充全年数据";
    office
        .post(&format!("{review}/return"), &[("reason", reason)])
        .await?;
    ensure!(status().await? == ReportStatus::Returned);
    ensure!(
        my_group(&kj.get("/my").await?, "returned").is_some_and(|g| g.contains(reason)),
        "the reason under 被退回"
    );
    let form = kj.get(&form_path).await?;
    ensure!(form.contains(reason), "the reason on the form");

    // --- Resubmits, and the office accepts.
    let version = form_version(&form).context("version")?;
    kj.post(
        &form_path,
        &[
            ("narrative", "技术合同登记额同比增长16%，全年任务全部完成。"),
            ("self_status", "done"),
            ("fig0", "16"),
            ("version", &version),
            ("action", "submit"),
        ],
    )
    .await?;
    ensure!(status().await? == ReportStatus::Submitted);
    office.post(&format!("{review}/accept"), &[]).await?;
    ensure!(status().await? == ReportStatus::Accepted);
    ensure!(my_group(&kj.get("/my").await?, "accepted").is_some_and(|g| g.contains(TASK_A)));

    // --- One reminder pass: unit B never reported and the round is past due.
    let to = office.post("/admin/reminders/run", &[]).await?;
    ensure!(
        to.contains("reminded=1") && to.contains("sent=2"),
        "one reminder, an email and a webhook call: {to}"
    );
    let mails = s.smtp.received();
    ensure!(mails.len() == 1, "emails: {mails:?}");
    let mail = &mails[0];
    ensure!(mail.rcpt == ["sw@example.gov.cn"], "{:?}", mail.rcpt);
    let subject = mail.subject();
    ensure!(
        subject.contains("已逾期") && subject.contains(ROUND) && subject.contains(TASK_B),
        "subject: {subject}"
    );
    let body = mail.body();
    ensure!(
        body.contains(UNIT_B)
            && body.contains(TASK_B)
            && body.contains(&due)
            && body.contains("未填报")
            && body.contains(&format!("http://duban.example.gov.cn/my?round={round}")),
        "body: {body}"
    );
    let calls = s.hook.received();
    ensure!(calls.len() == 1, "webhook calls: {calls:?}");
    // The group chat gets the office-wide summary (units and counts); the unit's own
    // digest went to its mailbox only.
    let call: serde_json::Value = serde_json::from_str(&calls[0])?;
    ensure!(call["kind"] == "report.overdue", "{call}");
    ensure!(
        call["subject"] == format!("【催办】“{ROUND}”填报逾期：1个单位1项").as_str(),
        "{call}"
    );
    ensure!(
        call["subject_ref"] == format!("reports:{round}:office").as_str(),
        "{call}"
    );
    ensure!(
        call["body"]
            .as_str()
            .is_some_and(|b| b.contains(&format!("{UNIT_B}：1项")) && !b.contains(UNIT_A)),
        "{call}"
    );
    let task_b = s
        .store
        .list_tasks(plan, &Default::default(), &Scope::Unit(unit_b))
        .await?
        .0
        .pop()
        .context("unit B's task")?
        .id;

    // --- A supervision notice to unit B: issued, answered, closed.
    let task_page = format!("/tasks/{}", task_b.0);
    let page = office.get(&task_page).await?;
    let b_option =
        option_value(&page, &format!("{UNIT_B}（牵头）")).context("unit B in the issue form")?;
    let deadline = cst_date(7);
    let text = "本轮进展逾期未报，请说明原因并尽快报送";
    office
        .post(
            &format!("/admin/tasks/{}/notices", task_b.0),
            &[
                ("unit", &b_option),
                ("level", "yellow"),
                ("deadline", &deadline),
                ("text", text),
            ],
        )
        .await?;
    let page = sw.get(&task_page).await?;
    ensure!(
        page.contains(text) && page.contains("data-status=\"open\"") && page.contains("待答复"),
        "unit B sees the open notice"
    );
    let notice = id_in_action(&page, "/notices/").context("answer form")?;
    let notice_status = || async {
        Ok::<_, anyhow::Error>(
            s.store
                .notice(duban_store::NoticeId(notice), &Scope::All)
                .await?
                .context("notice")?
                .status,
        )
    };
    ensure!(notice_status().await? == NoticeStatus::Open);
    let answer = "因统计口径调整延误，已于今日补报";
    sw.post(&format!("/notices/{notice}/answer"), &[("answer", answer)])
        .await?;
    ensure!(notice_status().await? == NoticeStatus::Answered);
    let page = office.get(&task_page).await?;
    ensure!(page.contains(answer) && page.contains("data-status=\"answered\""));
    let note = "原因属实，予以办结";
    office
        .post(&format!("/admin/notices/{notice}/close"), &[("note", note)])
        .await?;
    ensure!(notice_status().await? == NoticeStatus::Closed);
    let page = sw.get(&task_page).await?;
    ensure!(
        page.contains(note) && page.contains("data-status=\"closed\"") && page.contains("已办结")
    );

    // --- The audit chain holds, in the office's page and for the command line.
    ensure!(
        office
            .get("/admin/audit/verify")
            .await?
            .contains("校验通过")
    );
    let ok = s.audit_verify().await?;
    let out = String::from_utf8_lossy(&ok.stdout);
    ensure!(
        ok.status.success() && out.contains("审计日志完整"),
        "verify: {out}{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    // --- Someone rewrites who returned the report; verify names that entry.
    let (returns, _) = s
        .store
        .audit_search(&AuditFilter {
            action: Some("report.return".into()),
            ..Default::default()
        })
        .await?;
    let entry = returns.first().context("the return's audit entry")?;
    ensure!(entry.actor == "office", "{entry:?}");
    ensure!(s.tamper(entry.seq).await? == 1, "one row altered");
    let bad = s.audit_verify().await?;
    let err = String::from_utf8_lossy(&bad.stderr);
    ensure!(!bad.status.success(), "verify passed a tampered log");
    ensure!(
        err.contains(&format!("第 {} 条", entry.seq)),
        "names entry {}: {err}",
        entry.seq
    );
    let page = office.get("/admin/audit/verify").await?;
    ensure!(
        page.contains(&format!("class=\"broken-seq\">{}<", entry.seq)),
        "the office's page names it too"
    );

    s.finish(&backend).await
}

/// A fresh database on the server at `admin_url`; returns its URL.
pub(crate) async fn create_pg_database(admin_url: &str) -> Result<String> {
    let name = format!(
        "duban_story_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos()
    );
    let admin = sqlx::PgPool::connect(admin_url.trim())
        .await
        .context("DUBAN_TEST_PG_URL is set but PostgreSQL cannot be reached")?;
    // The name is made here from digits and underscores, not input.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await?;
    admin.close().await;
    Ok(with_database(admin_url.trim(), &name))
}

pub(crate) async fn drop_pg_database(admin_url: &str, url: &str) -> Result<()> {
    let name = url
        .split('?')
        .next()
        .and_then(|u| u.rsplit('/').next())
        .context("database name")?;
    let admin = sqlx::PgPool::connect(admin_url.trim()).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await?;
    admin.close().await;
    Ok(())
}

/// `url` with its database name replaced by `name`, the query kept.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].rfind('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}
