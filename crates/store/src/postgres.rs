//! The SQL of `src/sql/`, compiled against Postgres.

pub(crate) type Db = sqlx::Postgres;
pub(crate) type Pool = sqlx::Pool<Db>;
pub(crate) const KIND: crate::Backend = crate::Backend::Postgres;

#[path = "sql/common.rs"]
pub(crate) mod common;

#[path = "sql/accounts.rs"]
pub(crate) mod accounts;
#[path = "sql/audit.rs"]
pub(crate) mod audit;
#[path = "sql/audit_search.rs"]
pub(crate) mod audit_search;
#[path = "sql/plan_ledger.rs"]
pub(crate) mod plan_ledger;
#[path = "sql/plans.rs"]
pub(crate) mod plans;
#[path = "sql/reopen.rs"]
pub(crate) mod reopen;
#[path = "sql/reports.rs"]
pub(crate) mod reports;
#[path = "sql/sessions.rs"]
pub(crate) mod sessions;
#[path = "sql/standings.rs"]
pub(crate) mod standings;
#[path = "sql/tasks.rs"]
pub(crate) mod tasks;
#[path = "sql/units.rs"]
pub(crate) mod units;
