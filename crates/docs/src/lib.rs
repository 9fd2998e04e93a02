//! Official documents written from the duban model.
//!
//! - [`year_end_report`]: the year-end report to the government (.docx) with its attachment
//!   tables, in the official document format of GB/T 9704-2012 (党政机关公文格式);
//! - [`bulletin`]: the monthly bulletin (通报) of a reporting round, same format, with a native
//!   Word bar chart;
//! - [`ledger_xlsx`]: the ledger with verdicts and evidence as an .xlsx workbook that the
//!   ingest layer reads back into the same ledger.
//!
//! Every count printed in a document is computed from the rows the same document lists, so a
//! summary can never disagree with its tables.
#![forbid(unsafe_code)]

mod blocks;
mod bulletin;
mod chart;
mod error;
mod evidence;
mod fonts;
mod geometry;
mod package;
mod report;
mod split;
mod table;
mod title;
mod xlsx;
mod xml;

pub use bulletin::{
    BulletinData, BulletinOptions, LaggingTask, NoticeRow, RankedUnit, UnitRow, bulletin,
};
pub use error::DocsError;
pub use evidence::evidence_sentences;
pub use geometry::{DocGrid, PageGeometry, mm_to_twips};
pub use report::{ReportOptions, year_end_report};
pub use split::{Bucket, ReportCounts, VerdictSource, report_counts};
pub use xlsx::{LEDGER_COLUMNS, ledger_xlsx};
