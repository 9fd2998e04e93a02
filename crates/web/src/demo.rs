//! The demo plan for `duban serve --demo`: a generated ledger, its rounds and reports, and
//! one account per role with a fresh random password printed at start.
//!
//! The plan is dated from today (this year, a round per month up to the current one, which
//! is open), so a demo started in December does not greet a unit with "已逾期216天". The
//! logins are kept in a file beside an SQLite database (owner-only) and printed on every
//! start for as long as their generated passwords are unchanged.

use duban_demo::{DemoOptions, ReportState, SelfStatus as DemoStatus};
use duban_store::{BulkReport, BulkRound, NewUser, ReportStatus, RoundStatus, SelfStatus, Store};
use std::path::PathBuf;

use time::{Date, Duration, OffsetDateTime, Time, UtcOffset};

use crate::WebError;

/// One demo account, to print for whoever started the service.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub username: String,
    pub password: String,
    /// "督查办（管理员）", "领导", "单位：区科技局" …
    pub role_label: String,
}

impl std::fmt::Display for DemoLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}  用户名 {}  密码 {}",
            self.role_label, self.username, self.password
        )
    }
}

const ACTOR: &str = "demo";

/// The demo's shape for a given day (China Standard Time): that year, one monthly round up
/// to and including the current month.
fn options_for(today: Date) -> DemoOptions {
    DemoOptions {
        year: today.year(),
        rounds: usize::from(u8::from(today.month())),
        ..DemoOptions::default()
    }
}

fn today_cst() -> Date {
    let cst = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::now_utc().to_offset(cst).date()
}

/// Where the demo logins are kept: beside an SQLite database file ("duban.db" →
/// "duban.db.demo-logins"); none for PostgreSQL, where they are printed at first start only.
fn logins_file(database_url: &str) -> Option<PathBuf> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = rest
        .split('?')
        .next()
        .filter(|p| !p.is_empty() && *p != ":memory:")?;
    Some(PathBuf::from(format!("{path}.demo-logins")))
}

fn save_logins(file: &std::path::Path, logins: &[DemoLogin]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(file)?;
    for l in logins {
        writeln!(f, "{}\t{}\t{}", l.username, l.password, l.role_label)?;
    }
    f.sync_all()
}

/// The saved demo logins whose passwords are still the generated ones.
async fn unchanged_logins(
    store: &Store,
    file: &std::path::Path,
) -> Result<Vec<DemoLogin>, WebError> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for line in text.lines() {
        let mut parts = line.splitn(3, '\t');
        let (Some(username), Some(password), Some(role_label)) =
            (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if store.password_unchanged(username, password).await? {
            out.push(DemoLogin {
                username: username.to_string(),
                password: password.to_string(),
                role_label: role_label.to_string(),
            });
        }
    }
    Ok(out)
}

/// Loads the demo plan when the database holds no plan yet, creates the demo accounts and
/// prints how to log in; on a later start prints the demo logins not changed since.
/// Returns the logins printed.
pub async fn load_demo_if_empty(
    store: &Store,
    database_url: &str,
) -> Result<Vec<DemoLogin>, WebError> {
    let file = logins_file(database_url);
    if !store.plans().await?.is_empty() {
        let logins = match &file {
            Some(f) => unchanged_logins(store, f).await?,
            None => Vec::new(),
        };
        if !logins.is_empty() {
            println!("演示账号（密码尚未修改）：");
            for l in &logins {
                println!("  {l}");
            }
        }
        return Ok(logins);
    }
    let plan = duban_demo::generate(&options_for(today_cst()));
    let now = OffsetDateTime::now_utc();
    let mut ledger = plan.ledger.clone();
    crate::routes::import::assess(&mut ledger);
    let sha = format!("demo:{}", plan.name);
    let plan_id = store
        .import_ledger(&plan.name, &ledger, "演示数据", &sha, ACTOR)
        .await?;
    let rounds: Vec<BulkRound> = plan
        .rounds
        .iter()
        .enumerate()
        .map(|(i, r)| BulkRound {
            name: r.name.clone(),
            due_date: r.due.clone(),
            status: if i + 1 == plan.rounds.len() {
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
                DemoStatus::Done => SelfStatus::Done,
                DemoStatus::OnSchedule => SelfStatus::OnSchedule,
                DemoStatus::Lagging => SelfStatus::Lagging,
                DemoStatus::NotStarted => SelfStatus::NotStarted,
            }),
            status: match r.state {
                ReportState::Draft => ReportStatus::Draft,
                ReportState::Submitted => ReportStatus::Submitted,
                ReportState::Returned => ReportStatus::Returned,
                ReportState::Accepted => ReportStatus::Accepted,
            },
            // The open round's early submissions would fall after today: they came in now.
            submitted_at: r.submitted_offset_days.and_then(|d| {
                plan.rounds
                    .get(r.round)
                    .and_then(|round| submitted_at(&round.due, d))
                    .map(|t| t.min(now))
            }),
        })
        .collect();
    store
        .bulk_load_reports(plan_id, &rounds, &reports, ACTOR)
        .await?;

    let mut logins = vec![
        account(
            store,
            "admin",
            "督查办管理员",
            duban_store::Role::Admin,
            None,
        )
        .await?,
        account(
            store,
            "leader",
            "区政府领导",
            duban_store::Role::Leader,
            None,
        )
        .await?,
    ];
    // Two unit accounts, for the two units that lead the most tasks.
    let overview = store.overview(plan_id, &duban_store::Scope::All).await?;
    for (i, u) in overview.by_lead_unit.iter().take(2).enumerate() {
        let username = format!("unit{}", i + 1);
        logins.push(
            account(
                store,
                &username,
                &format!("{}联络员", u.name),
                duban_store::Role::Unit,
                Some((u.unit_id, u.name.clone())),
            )
            .await?,
        );
    }
    println!(
        "已载入演示数据“{}”（{}项任务）。登录账号：",
        plan.name,
        ledger.tasks.len()
    );
    for l in &logins {
        println!("  {l}");
    }
    if let Some(f) = &file
        && let Err(e) = save_logins(f, &logins)
    {
        // The service works without it; only later starts cannot repeat the logins.
        eprintln!("未能保存演示账号文件 {}：{e}", f.display());
    }
    Ok(logins)
}

async fn account(
    store: &Store,
    username: &str,
    display_name: &str,
    role: duban_store::Role,
    unit: Option<(duban_store::UnitId, String)>,
) -> Result<DemoLogin, WebError> {
    let password = random_password();
    store
        .create_user(
            &NewUser {
                username: username.to_string(),
                display_name: display_name.to_string(),
                role,
                unit_id: unit.as_ref().map(|u| u.0),
                password: password.clone(),
                must_change: false,
            },
            ACTOR,
        )
        .await?;
    let role_label = match (&unit, role) {
        (Some((_, name)), _) => format!("单位：{name}"),
        (None, r) => r.label_zh().to_string(),
    };
    Ok(DemoLogin {
        username: username.to_string(),
        password,
        role_label,
    })
}

/// Twelve characters from an alphabet without look-alikes (0/O, 1/l/I).
fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..12)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Noon (China Standard Time) `offset_days` after an ISO due date.
fn submitted_at(due: &str, offset_days: i32) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(due, &format).ok()?;
    let day = date.checked_add(Duration::days(offset_days.into()))?;
    let cst = UtcOffset::from_hms(8, 0, 0).ok()?;
    Some(
        day.with_time(Time::from_hms(12, 0, 0).ok()?)
            .assume_offset(cst),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_runs_up_to_the_current_month() {
        let o = options_for(time::macros::date!(2026 - 12 - 07));
        assert_eq!((o.year, o.rounds), (2026, 12));
        let o = options_for(time::macros::date!(2027 - 01 - 15));
        assert_eq!((o.year, o.rounds), (2027, 1));
        let plan = duban_demo::generate(&DemoOptions {
            tasks: 3,
            ..options_for(time::macros::date!(2027 - 03 - 02))
        });
        assert_eq!(
            plan.rounds.last().map(|r| r.due.as_str()),
            Some("2027-03-31")
        );
    }

    #[test]
    fn demo_logins_live_beside_an_sqlite_file_only() {
        assert_eq!(
            logins_file("sqlite://duban.db"),
            Some(PathBuf::from("duban.db.demo-logins"))
        );
        assert_eq!(
            logins_file("sqlite:///tmp/x/d.db?mode=rwc"),
            Some(PathBuf::from("/tmp/x/d.db.demo-logins"))
        );
        assert_eq!(logins_file("postgres://u@h/db"), None);
        assert_eq!(logins_file("sqlite::memory:"), None);
    }

    #[test]
    fn submission_times_follow_the_due_date() {
        let t = submitted_at("2026-01-31", 2).expect("valid");
        assert_eq!(t.date().to_string(), "2026-02-02");
        assert!(submitted_at("31/01/2026", 0).is_none());
        assert_eq!(random_password().len(), 12);
    }
}
