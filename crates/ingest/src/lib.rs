//! Readers that turn the ledger files offices really have into one [`duban_model::Ledger`].
//!
//! Every reader first produces a [`grid::RawDoc`] — paragraphs and tables of text cells, with
//! the Word/Excel facts that matter (merges, lost auto-numbering, repeated header rows) — and
//! one builder ([`build`]) turns any `RawDoc` into the model. So header synonyms, unit
//! splitting, section carry-down, verdicts from titles and warnings behave the same whatever
//! the file format.
#![forbid(unsafe_code)]

pub mod grid;
mod error;

pub use error::{IngestError, Limits};
mod docx;
mod xlsx;
