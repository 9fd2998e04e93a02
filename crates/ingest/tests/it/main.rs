//! Integration tests of duban-ingest: one test binary, one module per subject.
mod build;
mod docx;
mod errors;
mod fixtures;
mod fuzz;
mod milestones;
mod paths;
mod props;
mod seed_txt;
mod xls;
mod xlsx;
