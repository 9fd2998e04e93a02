//! Integration tests of duban-ingest: one test binary, one module per subject.
mod build;
mod errors;
mod seed_txt;
