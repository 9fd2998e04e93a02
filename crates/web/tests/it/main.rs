//! Black-box tests: each starts the real service on port 0 over a fresh database (a temp
//! SQLite file, and a fresh PostgreSQL database when `DUBAN_TEST_PG_URL` is set) and
//! drives it over HTTP.

mod auth;
mod cycle;
mod documents;
mod exports;
mod files;
mod forms;
mod handover;
mod hardening;
mod helpers;
mod import;
mod instructions;
mod ldap;
mod lifecycle;
mod livecheck;
mod matrix;
mod milestones;
mod oversight;
mod pages;
mod people;
mod proxy;
mod reminders;
mod review_batch;
mod scope;
mod standing;
mod supervision;
mod task_admin;
mod todo;
mod tokens;
