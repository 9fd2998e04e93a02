//! The reminder job end to end: a store on SQLite (and PostgreSQL when
//! `DUBAN_TEST_PG_URL` is set), a fake SMTP server and a fake webhook on loopback.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use duban_model::{Ledger, SourceFormat, Table, Task, UnitRef};
use duban_notify::{Notifier, NotifyConfig, SmtpConfig, SmtpTls, WebhookConfig, WebhookFormat};
use duban_store::{
    DeliveryStatus, DraftInput, PlanId, RoundId, Scope, Store, StoreOptions, TaskFilter, UnitId,
    UserId,
};
use time::OffsetDateTime;

mod tls;

use duban_testkit::{HttpServer, SmtpServer, http_server, smtp_server};

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("{prefix}_{}_{n}", std::process::id())
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

/// Runs `check(url)` against a fresh migrated SQLite file, then a fresh PostgreSQL database
/// when `DUBAN_TEST_PG_URL` is set.
async fn on_each_backend<F, Fut>(check: F) -> Result<()>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let dir = std::env::temp_dir().join(unique("duban_notify_it"));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}", dir.join("t.db").display());
    Store::connect(&url).await?.migrate().await?;
    check(url).await.context("on sqlite")?;
    let _ = std::fs::remove_dir_all(&dir);
    if let Ok(admin_url) = std::env::var("DUBAN_TEST_PG_URL")
        && !admin_url.trim().is_empty()
    {
        let admin_url = admin_url.trim();
        let name = unique("duban_notify");
        let admin = sqlx::PgPool::connect(admin_url).await?;
        // Our own name (letters, digits, underscores), not input.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await?;
        let url = with_database(admin_url, &name);
        Store::connect(&url).await?.migrate().await?;
        check(url).await.context("on postgres")?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&admin)
        .await?;
        admin.close().await;
    }
    Ok(())
}

async fn open(url: &str) -> Result<Store> {
    Ok(Store::connect_with(url, StoreOptions::for_tests()).await?)
}

const TASKS: [(&str, &str); 3] = [
    ("技术交易合同登记额增长15%", "区科技局"),
    ("进口整车5000辆以上", "区商务委"),
    ("新增城镇就业1.5万人", "区人社局"),
];

fn ledger() -> Ledger {
    let mut l = Ledger::new("notify.txt", SourceFormat::Txt);
    l.tables.push(Table {
        index: 1,
        label: "附件1".into(),
        title: None,
        claimed_rows: None,
        rows: TASKS.len(),
        office_verdict: None,
        as_of: None,
    });
    for (i, (text, unit)) in TASKS.iter().enumerate() {
        let mut t = Task::new(1, i as u32 + 1, *text);
        t.section = Some("经济发展".into());
        t.lead_units = vec![UnitRef::new(*unit)];
        l.tasks.push(t);
    }
    l
}

struct Plan {
    round: RoundId,
    units: Vec<UnitId>,
}

/// A plan of three tasks, each led by its own unit with an email address, and a round
/// "1月" due 2022-01-31. With `submitted`, the 2nd and 3rd units have submitted.
async fn setup(s: &Store, submitted: bool) -> Result<Plan> {
    let plan: PlanId = s
        .import_ledger(
            "2022年",
            &ledger(),
            "n.txt",
            &format!("{:064x}", 7),
            "admin",
        )
        .await?;
    let round = s.open_round(plan, "1月", "2022-01-31", "admin").await?.id;
    let (tasks, _) = s
        .list_tasks(plan, &TaskFilter::default(), &Scope::All)
        .await?;
    let mut units = Vec::new();
    for (i, (_, name)) in TASKS.iter().enumerate() {
        let u = s.unit_by_name(name).await?.context("unit")?.id;
        s.set_unit_email(u, Some(&format!("unit{i}@cq.gov.cn")), "admin")
            .await?;
        if submitted && i > 0 {
            let r = s
                .save_draft(
                    &DraftInput {
                        task: tasks[i].id,
                        round,
                        unit: u,
                        narrative: "已完成".into(),
                        figures: serde_json::Value::Null,
                        self_status: None,
                        delay_reason: None,
                        next_steps: None,
                        expected_version: None,
                    },
                    "unit",
                )
                .await?;
            s.submit_report(r.id, r.version, "unit").await?;
        }
        units.push(u);
    }
    Ok(Plan { round, units })
}

fn config(smtp: &SmtpServer, hook: &HttpServer, worker: &str) -> NotifyConfig {
    NotifyConfig {
        email: Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port: smtp.port(),
            from: "督查办 <duban@cq.gov.cn>".into(),
            username: None,
            password: None,
            tls: SmtpTls::None,
            ca_pem: None,
        }),
        webhooks: vec![WebhookConfig {
            name: "督查群".into(),
            url: hook.url().to_string(),
            format: WebhookFormat::DingTalk,
            secret: None,
        }],
        send_timeout: Duration::from_secs(10),
        worker: worker.into(),
        app_url: Some("http://duban.local".into()),
        ..NotifyConfig::default()
    }
}

/// 2022-MM-DD 10:00 Beijing time.
fn beijing_10am(month: u8, day: u8) -> Result<OffsetDateTime> {
    let date = time::Date::from_calendar_date(2022, time::Month::try_from(month)?, day)?;
    Ok(date
        .with_hms(10, 0, 0)?
        .assume_offset(time::macros::offset!(+8))
        .to_offset(time::UtcOffset::UTC))
}

#[tokio::test]
async fn an_overdue_unit_gets_one_email_and_one_webhook_naming_task_and_round() -> Result<()> {
    on_each_backend(|url| async move {
        let s = open(&url).await?;
        let plan = setup(&s, true).await?;
        let smtp = smtp_server(0).await?;
        let hook = http_server(0).await?;
        let n = Notifier::new(s.clone(), config(&smtp, &hook, "w1"))?;

        // Well before the due date: nothing.
        let c = n.run_once(beijing_10am(1, 20)?).await?;
        ensure!(c.reminders == 0 && c.sent == 0, "{c:?}");

        // Past the due date (end of 31 Jan, Beijing time).
        let now = beijing_10am(2, 1)?;
        let c = n.run_once(now).await?;
        ensure!(c.reminders == 1 && c.sent == 2 && c.retrying == 0, "{c:?}");
        let mails = smtp.received();
        ensure!(mails.len() == 1, "{} mails", mails.len());
        let m = &mails[0];
        ensure!(m.rcpt == ["unit0@cq.gov.cn"], "{:?}", m.rcpt);
        let subject = m.subject();
        ensure!(
            subject.contains("1月") && subject.contains("逾期") && subject.contains("技术交易"),
            "subject: {subject}"
        );
        ensure!(
            m.content_type()
                .is_some_and(|c| c.to_ascii_lowercase().contains("charset=utf-8")),
            "{:?}",
            m.content_type()
        );
        ensure!(m.transfer_encoding().as_deref() == Some("base64"));
        let body = m.body();
        ensure!(
            body.contains("技术交易合同登记额增长15%")
                && body.contains("“1月”")
                && body.contains("区科技局")
                && body.contains("未填报")
                && body.contains("http://duban.local/my?round=")
                // Each task's own report form.
                && body.contains("填报：http://duban.local/rounds/"),
            "body: {body}"
        );
        let calls = hook.received();
        ensure!(calls.len() == 1, "{} webhook calls", calls.len());
        let v: serde_json::Value = serde_json::from_str(&calls[0])?;
        ensure!(v["msgtype"] == "text");
        // The group chat gets the office-wide summary: units and counts, not the unit's mail.
        let content = v["text"]["content"].as_str().unwrap_or_default();
        ensure!(
            content.contains("“1月”填报逾期：1个单位1项")
                && content.contains("区科技局：1项")
                && !content.contains("区商务委"),
            "{content}"
        );

        // The same day again: nothing new, nothing resent.
        let c = n.run_once(now + Duration::from_secs(3600)).await?;
        ensure!(c.deliveries_enqueued == 0 && c.sent == 0, "{c:?}");
        ensure!(smtp.received().len() == 1);
        // One in-app message for the unit.
        ensure!(
            s.unread_notifications(UserId(0), Some(plan.units[0]))
                .await?
                == 1
        );
        ensure!(
            s.unread_notifications(UserId(0), Some(plan.units[1]))
                .await?
                == 0
        );
        // The next day it is chased again.
        let c = n.run_once(beijing_10am(2, 2)?).await?;
        ensure!(c.sent == 2, "{c:?}");
        let _ = plan.round;
        ensure!(s.audit_verify().await?.ok());
        s.close().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn reports_due_soon_are_announced_before_the_due_date() -> Result<()> {
    on_each_backend(|url| async move {
        let s = open(&url).await?;
        setup(&s, true).await?;
        let smtp = smtp_server(0).await?;
        let hook = http_server(0).await?;
        let n = Notifier::new(s.clone(), config(&smtp, &hook, "w1"))?;
        // 29 Jan 10:00: 2.6 days before the end of the due date, within the 3 days.
        let c = n.run_once(beijing_10am(1, 29)?).await?;
        ensure!(c.reminders == 1 && c.sent == 2, "{c:?}");
        let mails = smtp.received();
        let subject = mails[0].subject();
        ensure!(
            subject.contains("【提醒】") && subject.contains("2022-01-31"),
            "{subject}"
        );
        ensure!(mails[0].body().contains("即将截止"));
        s.close().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_failed_first_attempt_is_retried_after_the_backoff() -> Result<()> {
    on_each_backend(|url| async move {
        let s = open(&url).await?;
        setup(&s, true).await?;
        let smtp = smtp_server(1).await?;
        let hook = http_server(1).await?;
        let n = Notifier::new(s.clone(), config(&smtp, &hook, "w1"))?;
        let now = beijing_10am(2, 1)?;
        let c = n.run_once(now).await?;
        ensure!(c.sent == 0 && c.retrying == 2, "{c:?}");
        let pending = s.deliveries(Some(DeliveryStatus::Pending), 10).await?;
        ensure!(pending.len() == 2);
        ensure!(
            pending
                .iter()
                .all(|d| d.attempts == 1 && d.last_error.is_some())
        );
        ensure!(
            pending
                .iter()
                .all(|d| d.next_attempt_at == now + Duration::from_secs(60)),
            "{pending:?}"
        );
        // Not before the backoff is over.
        let c = n.run_once(now + Duration::from_secs(59)).await?;
        ensure!(c.sent == 0 && c.retrying == 0, "{c:?}");
        let c = n.run_once(now + Duration::from_secs(60)).await?;
        ensure!(c.sent == 2, "{c:?}");
        ensure!(smtp.received().len() == 1);
        ensure!(hook.received().len() == 1);
        let sent = s.deliveries(Some(DeliveryStatus::Sent), 10).await?;
        ensure!(sent.len() == 2 && sent.iter().all(|d| d.attempts == 2));
        ensure!(s.audit_verify().await?.ok());
        s.close().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_dead_endpoint_is_given_up_without_blocking_the_rest() -> Result<()> {
    on_each_backend(|url| async move {
        let s = open(&url).await?;
        setup(&s, true).await?;
        let smtp = smtp_server(0).await?;
        let hook = http_server(0).await?;
        let mut cfg = config(&smtp, &hook, "w1");
        cfg.max_attempts = 2;
        // A second webhook nobody listens on.
        let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let dead_url = format!("http://{}/hook", dead.local_addr()?);
        drop(dead);
        cfg.webhooks.push(WebhookConfig {
            name: "停用的群".into(),
            url: dead_url,
            format: WebhookFormat::Generic,
            secret: None,
        });
        let n = Notifier::new(s.clone(), cfg)?;
        let now = beijing_10am(2, 1)?;
        let c = n.run_once(now).await?;
        ensure!(c.sent == 2 && c.retrying == 1, "{c:?}");
        let c = n.run_once(now + Duration::from_secs(60)).await?;
        ensure!(c.gave_up == 1 && c.sent == 0, "{c:?}");
        let failed = s.deliveries(Some(DeliveryStatus::Failed), 10).await?;
        ensure!(failed.len() == 1 && failed[0].recipient == "停用的群");
        s.close().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn two_instances_running_at_once_send_each_reminder_once() -> Result<()> {
    on_each_backend(|url| async move {
        let a = open(&url).await?;
        let b = open(&url).await?;
        // Every unit overdue: three digests (three emails) and one summary for the group chat.
        setup(&a, false).await?;
        let smtp = smtp_server(0).await?;
        let hook = http_server(0).await?;
        let na = Notifier::new(a.clone(), config(&smtp, &hook, "instance-a"))?;
        let nb = Notifier::new(b.clone(), config(&smtp, &hook, "instance-b"))?;
        let now = beijing_10am(2, 1)?;
        for round in 0..3 {
            let t = now + Duration::from_secs(round * 600);
            let (ra, rb) = tokio::join!(na.run_once(t), nb.run_once(t));
            let (ra, rb) = (ra?, rb?);
            if round == 0 {
                ensure!(ra.reminders == 3 && rb.reminders == 3);
                ensure!(
                    ra.deliveries_enqueued + rb.deliveries_enqueued == 4,
                    "{ra:?} {rb:?}"
                );
                ensure!(ra.sent + rb.sent == 4, "{ra:?} {rb:?}");
            } else {
                ensure!(ra.sent + rb.sent == 0, "{ra:?} {rb:?}");
            }
        }
        let mails = smtp.received();
        let mut rcpts: Vec<String> = mails.iter().flat_map(|m| m.rcpt.clone()).collect();
        rcpts.sort();
        ensure!(
            rcpts == ["unit0@cq.gov.cn", "unit1@cq.gov.cn", "unit2@cq.gov.cn"],
            "{rcpts:?}"
        );
        ensure!(hook.received().len() == 1);
        ensure!(a.audit_verify().await?.ok());
        a.close().await;
        b.close().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn unanswered_notices_are_escalated_and_chased() -> Result<()> {
    on_each_backend(|url| async move {
        let s = open(&url).await?;
        let plan = setup(&s, true).await?;
        let task = s
            .list_tasks(s.plans().await?[0].id, &TaskFilter::default(), &Scope::All)
            .await?
            .0[1]
            .id;
        let notice = s
            .issue_notice(
                &duban_store::NewNotice {
                    task,
                    unit: plan.units[1],
                    level: duban_store::NoticeLevel::Blue,
                    deadline: "2022-01-25".into(),
                    text: "请说明进口整车数量未达目标的原因".into(),
                },
                "admin",
            )
            .await?;
        let smtp = smtp_server(0).await?;
        let hook = http_server(0).await?;
        let n = Notifier::new(s.clone(), config(&smtp, &hook, "w1"))?;
        let c = n.scan(beijing_10am(1, 26)?).await?;
        ensure!(c.escalated == 1 && c.reminders == 1, "{c:?}");
        let c = n.deliver(beijing_10am(1, 26)?).await?;
        ensure!(c.sent == 2, "{c:?}");
        let mails = smtp.received();
        ensure!(mails.len() == 1 && mails[0].rcpt == ["unit1@cq.gov.cn"]);
        ensure!(
            mails[0].subject().contains("黄色督办单"),
            "{}",
            mails[0].subject()
        );
        ensure!(mails[0].body().contains("进口整车数量未达目标"));
        // Answered: no more chasing.
        s.answer_notice(notice.id, &Scope::Unit(plan.units[1]), "已说明", "sw")
            .await?;
        let c = n.run_once(beijing_10am(1, 27)?).await?;
        ensure!(c.reminders == 0 && c.escalated == 0 && c.sent == 0, "{c:?}");
        s.close().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn spawn_runs_and_stops_on_shutdown() -> Result<()> {
    let dir = std::env::temp_dir().join(unique("duban_notify_spawn"));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let s = open(&url).await?;
    s.migrate().await?;
    let n = Notifier::new(s.clone(), NotifyConfig::default())?;
    let h = n.spawn(Duration::from_secs(3600));
    tokio::time::sleep(Duration::from_millis(200)).await;
    tokio::time::timeout(Duration::from_secs(5), h.shutdown())
        .await
        .context("shutdown did not finish")?;
    s.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[tokio::test]
async fn a_unit_owing_several_reports_gets_one_digest_and_the_chat_one_summary() -> Result<()> {
    on_each_backend(|url| async move {
        let s = open(&url).await?;
        // 区科技局 leads three tasks, 区商务委 one; nobody reports.
        let mut l = Ledger::new("digest.txt", SourceFormat::Txt);
        let tasks = [
            ("技术交易合同登记额增长15%", "区科技局"),
            ("高新技术企业达到120家", "区科技局"),
            ("研发投入强度达到2.5%", "区科技局"),
            ("进口整车5000辆以上", "区商务委"),
        ];
        l.tables.push(Table {
            index: 1,
            label: "附件1".into(),
            title: None,
            claimed_rows: None,
            rows: tasks.len(),
            office_verdict: None,
            as_of: None,
        });
        for (i, (text, unit)) in tasks.iter().enumerate() {
            let mut t = Task::new(1, i as u32 + 1, *text);
            t.lead_units = vec![UnitRef::new(*unit)];
            l.tasks.push(t);
        }
        let plan = s
            .import_ledger("2022年", &l, "d.txt", &format!("{:064x}", 9), "admin")
            .await?;
        s.open_round(plan, "1月", "2022-01-31", "admin").await?;
        let kj = s.unit_by_name("区科技局").await?.context("kj")?.id;
        let sw = s.unit_by_name("区商务委").await?.context("sw")?.id;
        s.set_unit_email(kj, Some("kj@cq.gov.cn"), "admin").await?;
        s.set_unit_email(sw, Some("sw@cq.gov.cn"), "admin").await?;
        let smtp = smtp_server(0).await?;
        let hook = http_server(0).await?;
        let n = Notifier::new(s.clone(), config(&smtp, &hook, "w1"))?;

        let now = beijing_10am(2, 1)?;
        let c = n.run_once(now).await?;
        ensure!(
            c.reminders == 2 && c.sent == 3,
            "two digests, one summary: {c:?}"
        );
        let mails = smtp.received();
        ensure!(mails.len() == 2, "{} mails", mails.len());
        let kj_mail = mails
            .iter()
            .find(|m| m.rcpt == ["kj@cq.gov.cn"])
            .context("科技局's mail")?;
        let subject = kj_mail.subject();
        ensure!(subject == "【催办】“1月”有3项填报已逾期", "{subject}");
        let body = kj_mail.body();
        for (i, (text, _)) in tasks.iter().take(3).enumerate() {
            ensure!(
                body.contains(&format!("第{}项“{text}”", i + 1)),
                "task {} listed: {body}",
                i + 1
            );
        }
        ensure!(!body.contains("进口整车"), "another unit's task: {body}");
        let sw_mail = mails
            .iter()
            .find(|m| m.rcpt == ["sw@cq.gov.cn"])
            .context("商务委's mail")?;
        ensure!(sw_mail.subject().contains("进口整车5000辆以上"));
        // One in-app message per unit.
        ensure!(s.unread_notifications(UserId(0), Some(kj)).await? == 1);
        ensure!(s.unread_notifications(UserId(0), Some(sw)).await? == 1);
        // The chat: one summary, the unit with most first.
        let calls = hook.received();
        ensure!(calls.len() == 1, "{} webhook calls", calls.len());
        let v: serde_json::Value = serde_json::from_str(&calls[0])?;
        let content = v["text"]["content"].as_str().unwrap_or_default();
        let (a, b) = (
            content.find("区科技局：3项").context("kj counted")?,
            content.find("区商务委：1项").context("sw counted")?,
        );
        ensure!(a < b && content.contains("2个单位4项"), "{content}");

        // The same day again: nothing.
        let c = n.run_once(now + Duration::from_secs(7200)).await?;
        ensure!(c.deliveries_enqueued == 0 && c.sent == 0, "{c:?}");
        ensure!(smtp.received().len() == 2 && hook.received().len() == 1);
        s.close().await;
        Ok(())
    })
    .await
}
