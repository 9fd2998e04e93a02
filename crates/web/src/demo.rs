//! The demo plan for `duban serve --demo`: a generated ledger, its rounds and reports, and
//! one account per role with a fresh random password printed at start.

use duban_demo::{DemoOptions, ReportState, SelfStatus as DemoStatus};
use duban_store::{BulkReport, BulkRound, NewUser, ReportStatus, RoundStatus, SelfStatus, Store};
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

/// Loads the demo plan when the database holds no plan yet, creates the demo accounts and
/// prints how to log in. Returns the accounts made (none when the database was not empty).
pub async fn load_demo_if_empty(store: &Store) -> Result<Vec<DemoLogin>, WebError> {
    if !store.plans().await?.is_empty() {
        return Ok(Vec::new());
    }
    let plan = duban_demo::generate(&DemoOptions::default());
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
            submitted_at: r.submitted_offset_days.and_then(|d| {
                plan.rounds
                    .get(r.round)
                    .and_then(|round| submitted_at(&round.due, d))
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
    fn submission_times_follow_the_due_date() {
        let t = submitted_at("2026-01-31", 2).expect("valid");
        assert_eq!(t.date().to_string(), "2026-02-02");
        assert!(submitted_at("31/01/2026", 0).is_none());
        assert_eq!(random_password().len(), 12);
    }
}
