//! The SQL of `src/sql/`, compiled against Sqlite.

pub(crate) type Db = sqlx::Sqlite;
pub(crate) type Pool = sqlx::Pool<Db>;
pub(crate) const KIND: crate::Backend = crate::Backend::Sqlite;

#[path = "sql/common.rs"]
pub(crate) mod common;

#[path = "sql/accounts.rs"]
pub(crate) mod accounts;
#[path = "sql/attachments.rs"]
pub(crate) mod attachments;
#[path = "sql/audit.rs"]
pub(crate) mod audit;
#[path = "sql/audit_search.rs"]
pub(crate) mod audit_search;
#[path = "sql/backup.rs"]
pub(crate) mod backup;
#[path = "sql/closeouts.rs"]
pub(crate) mod closeouts;
#[path = "sql/contacts.rs"]
pub(crate) mod contacts;
#[path = "sql/contributions.rs"]
pub(crate) mod contributions;
#[path = "sql/extensions.rs"]
pub(crate) mod extensions;
#[path = "sql/handover.rs"]
pub(crate) mod handover;
#[path = "sql/instructions.rs"]
pub(crate) mod instructions;
#[path = "sql/lights.rs"]
pub(crate) mod lights;
#[path = "sql/milestones.rs"]
pub(crate) mod milestones;
#[path = "sql/notices.rs"]
pub(crate) mod notices;
#[path = "sql/notifications.rs"]
pub(crate) mod notifications;
#[path = "sql/outbox.rs"]
pub(crate) mod outbox;
#[path = "sql/plan_ledger.rs"]
pub(crate) mod plan_ledger;
#[path = "sql/plans.rs"]
pub(crate) mod plans;
#[path = "sql/reimport.rs"]
pub(crate) mod reimport;
#[path = "sql/reminders.rs"]
pub(crate) mod reminders;
#[path = "sql/reopen.rs"]
pub(crate) mod reopen;
#[path = "sql/reports.rs"]
pub(crate) mod reports;
#[path = "sql/search.rs"]
pub(crate) mod search;
#[path = "sql/sessions.rs"]
pub(crate) mod sessions;
#[path = "sql/standings.rs"]
pub(crate) mod standings;
#[path = "sql/task_edit.rs"]
pub(crate) mod task_edit;
#[path = "sql/tasks.rs"]
pub(crate) mod tasks;
#[path = "sql/tokens.rs"]
pub(crate) mod tokens;
#[path = "sql/units.rs"]
pub(crate) mod units;
#[path = "sql/verdicts.rs"]
pub(crate) mod verdicts;
