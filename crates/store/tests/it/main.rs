//! The conformance suite: every test runs on SQLite (a temporary file) and, when
//! `DUBAN_TEST_PG_URL` is set, on PostgreSQL in a fresh database of its own.

mod accounts;
mod audit;
mod audit_key;
mod chasing;
mod documents;
mod files_dir;
mod imports;
mod kept_counts;
mod lights;
mod milestone_import;
mod outbox;
mod oversight;
mod reopen;
mod reports;
mod restore;
mod search;
mod standing;
mod support;
mod task_edit;
mod tasks;
mod tokens;
