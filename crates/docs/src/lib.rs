//! Official documents written from the duban model.
//!
//! - [`year_end_report`]: the year-end report to the government (.docx) with its attachment
//!   tables, in the official document format of GB/T 9704-2012 (党政机关公文格式);
//! - [`bulletin`]: the monthly bulletin (通报) of a reporting round, same format, with a native
//!   Word bar chart;
//! - [`notice_docx`]: a printable 督办单 or 催办单 with its 文号 ([`notice_number`]);
//! - [`ledger_xlsx`]: the ledger with verdicts and evidence as an .xlsx workbook that the
//!   ingest layer reads back into the same ledger.
//!
//! Every count printed in a document is computed from the rows the same document lists, so a
//! summary can never disagree with its tables.
//!
//! ```
//! use duban_docs::{ReportOptions, VerdictSource, report_counts, year_end_report};
//! use duban_model::{Ledger, SourceFormat, Task, Verdict};
//!
//! let mut ledger = Ledger::new("台账.xlsx", SourceFormat::Xlsx);
//! ledger.title = Some("关于2022年区政府工作报告重点任务完成情况的报告".into());
//! let mut task = Task::new(1, 1, "民间投资占比60%以上");
//! task.progress = "2022年完成民间投资225.3亿元，占比40.4%。".into();
//! task.office_verdict = Some(Verdict::NotMet);
//! ledger.tasks.push(task);
//!
//! let opts = ReportOptions {
//!     office: Some("重庆市沙坪坝区人民政府督查办".into()),
//!     ..ReportOptions::for_ledger(&ledger)
//! };
//! assert_eq!(opts.verdict_source, VerdictSource::Office);
//! let docx: Vec<u8> = year_end_report(&ledger, &opts)?;
//! assert!(docx.starts_with(b"PK"));
//! assert_eq!(report_counts(&ledger, opts.verdict_source).not_met, 1);
//! assert_eq!(opts.title_for(&ledger), "关于2022年区政府工作报告重点任务完成情况的报告");
//! # Ok::<(), duban_docs::DocsError>(())
//! ```
#![forbid(unsafe_code)]

mod blocks;
mod bulletin;
mod chart;
mod credentials;
mod error;
mod evidence;
mod fonts;
mod geometry;
mod notice;
mod official;
mod package;
mod report;
mod split;
mod table;
mod title;
mod xlsx;
mod xml;

pub use bulletin::{
    BulletinData, BulletinOptions, LagKind, LaggingTask, NoticeRow, RankedUnit, UnitRow, bulletin,
};
pub use credentials::{CREDENTIAL_COLUMNS, CredentialRow, credentials_xlsx};
pub use error::DocsError;
pub use evidence::evidence_sentences;
pub use geometry::{DocGrid, PageGeometry, mm_to_twips};
pub use notice::{NoticeDoc, NoticeKind, NoticeOptions, notice_docx, notice_number};
pub use official::{Issuing, doc_number, note_line};
pub use report::{ReportOptions, year_end_report};
pub use split::{Bucket, ReportCounts, VerdictSource, report_counts};
pub use xlsx::{LEDGER_COLUMNS, ledger_xlsx, plan_title};
