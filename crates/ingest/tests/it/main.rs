//! Integration tests of duban-ingest: one test binary, one module per subject.
mod build;
mod errors;
mod props;
mod seed_txt;
