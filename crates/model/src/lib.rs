//! The ledger model shared by every layer of duban.
//!
//! Data flows one way: file → `duban-ingest` → this model → `duban-assess` → store → web/docs/cli.
//! This crate holds plain data and small, pure helpers; it does no I/O.
#![forbid(unsafe_code)]

mod ledger;
mod milestone;
pub mod period;
mod schedule;
mod self_status;
mod target;
mod unit;
mod verdict;
mod warning;

pub use ledger::{Ledger, SourceFormat, Table, Task};
pub use milestone::{Milestone, STAGES, milestones_cell, parse_milestones, stage_of};
pub use schedule::{Schedule, ymd_opt};
pub use self_status::SelfStatus;
pub use target::{Comparator, Evidence, Target, TargetKind};
pub use unit::{UnitRef, is_group_placeholder};
pub use verdict::{Verdict, disputed};
pub use warning::{Location, Warning, WarningCode};
