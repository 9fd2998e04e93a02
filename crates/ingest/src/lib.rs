//! Readers that turn the ledger files offices really have into one [`duban_model::Ledger`].
//!
//! Every reader first produces a [`grid::RawDoc`] — paragraphs and tables of text cells, with
//! the Word/Excel facts that matter (merges, lost auto-numbering, repeated header rows) — and
//! one builder ([`build`]) turns any `RawDoc` into the model. So header synonyms, unit
//! splitting, section carry-down, verdicts from titles and warnings behave the same whatever
//! the file format.
//!
//! What the builder reports (each a located [`duban_model::Warning`]):
//! - `claimed_count_mismatch`: a table title ("未达预期15项…") or the summary ("131项重点工作
//!   任务", "未完成…15项") claims a count the tables do not list;
//! - `artifact`: bookmarks, space runs, full-width blank cells or stray blanks were removed
//!   (one warning per cell or paragraph, naming what went);
//! - `duplicate_sentence`: a sentence written twice in one cell — the text is kept as
//!   written, the office decides;
//! - `missing_lead_unit`, `missing_progress` (per row, or once when a whole column is
//!   blank or absent), `duplicate_task`;
//! - `unknown_column` (a header that means nothing known, ignored), `skipped_row` (a row or
//!   a whole table that could not be read as tasks, never dropped silently),
//!   `inconsistent_count` (row numbers that jump or restart).
//!
//! What the readers report (passed on by the builder, so nothing is dropped silently):
//! - `hidden_sheet`: an .xlsx sheet hidden in Excel, read like the others and named;
//! - `skipped_part`: what a reader left out — a chart sheet or missing sheet part, tracked
//!   deletions (text and table rows), drawings, text boxes and embedded objects in a .docx.
//!
//! A package that is plainly the other Office format (a .docx renamed .xlsx) is refused with
//! a message saying what it really is.
//!
//! Excel 97-2003 (.xls) is read through calamine into the same grid. .doc/.wps/.et are
//! answered by content with what to save them as ([`IngestError::SaveAs`]), or converted
//! with soffice when the caller turns that on ([`read_bytes_converting`]).
#![forbid(unsafe_code)]

mod builder;
mod cfb_check;
mod error;
pub mod grid;
mod txt;

mod convert;
mod docx;
mod legacy;
mod xls;
mod xlsx;
mod zipsafe;

use std::io::{Read, Seek};
use std::path::Path;

use duban_model::{Ledger, SourceFormat};

pub use builder::{build, build_owned};
pub use convert::{convert_with_soffice, read_bytes_converting, soffice_available};
pub use error::{IngestError, Limits};

/// Reads a ledger file; the format comes from the extension (`.txt`, `.docx`, `.xlsx`,
/// `.xls`, case-insensitive). A `.doc`, `.wps` or `.et` is answered with what to save it
/// as ([`IngestError::SaveAs`]), unless it is really a workbook that can be read.
///
/// The size limit is checked before the file is read, so a huge file costs nothing. A .docx
/// or .xlsx is read from disk as the zip layer asks for it, never held whole in memory.
pub fn read_path(path: &Path, limits: &Limits) -> Result<Ledger, IngestError> {
    let name = path.display().to_string();
    // Refuse unknown formats before touching the disk: the message is the same either way
    // and a typo'd path to a directory should not read as an I/O error first.
    let legacy = legacy::extension(&name);
    let format = match legacy {
        Some(_) => SourceFormat::Xls,
        None => format_of(&name)?,
    };
    let io = |e: std::io::Error| IngestError::Io {
        file: name.clone(),
        reason: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(IngestError::Io {
            file: name,
            reason: "不是普通文件".into(),
        });
    }
    if meta.len() > limits.max_file_bytes {
        return Err(IngestError::TooLarge {
            file: name,
            size: meta.len(),
            limit: limits.max_file_bytes,
        });
    }
    // A .txt, and a BIFF workbook that is read whole (no zip layer to stream through).
    if matches!(format, SourceFormat::Txt | SourceFormat::Xls) {
        let bytes = std::fs::read(path).map_err(io)?;
        return read_bytes(&name, &bytes, limits);
    }
    let mut file = std::fs::File::open(path).map_err(io)?;
    // The same refusal as `read_bytes` gives: a zip starts with "PK", so this stops at once.
    if only_whitespace(&mut file).map_err(io)? {
        return Err(IngestError::Empty { file: name });
    }
    file.rewind().map_err(io)?;
    let source = Box::new(std::io::BufReader::new(file));
    let zip = zipsafe::SafeZip::open_source(&name, source, meta.len(), limits)?;
    let doc = read_zip(format, zip)?;
    build_owned(doc, &name, format)
}

/// Whether a reader holds nothing but ASCII whitespace (or nothing at all).
fn only_whitespace(r: &mut impl Read) -> std::io::Result<bool> {
    let mut buf = [0u8; 4096];
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(true),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if !buf
            .get(..n)
            .unwrap_or_default()
            .iter()
            .all(u8::is_ascii_whitespace)
        {
            return Ok(false);
        }
    }
}

/// Reads a ledger held in memory (an upload); `name` gives the format by its extension and
/// names the file in messages and in [`Ledger::source`].
pub fn read_bytes(name: &str, bytes: &[u8], limits: &Limits) -> Result<Ledger, IngestError> {
    let legacy = legacy::extension(name);
    let format = match legacy {
        Some(_) => SourceFormat::Xls,
        None => format_of(name)?,
    };
    let size = bytes.len() as u64;
    if size > limits.max_file_bytes {
        return Err(IngestError::TooLarge {
            file: name.to_string(),
            size,
            limit: limits.max_file_bytes,
        });
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(IngestError::Empty {
            file: name.to_string(),
        });
    }
    let doc = match legacy {
        Some(ext) => legacy::read(name, ext, bytes)?,
        None => read_raw(name, format, bytes, limits)?,
    };
    build_owned(doc, name, format)
}

/// Reads a file into the format-neutral grid without building the ledger: for previews and
/// for tests of one reader.
pub fn read_raw(
    name: &str,
    format: SourceFormat,
    bytes: &[u8],
    limits: &Limits,
) -> Result<grid::RawDoc, IngestError> {
    match format {
        SourceFormat::Txt => txt::read(name, bytes),
        SourceFormat::Xls => xls::read(name, bytes),
        SourceFormat::Docx | SourceFormat::Xlsx => {
            read_zip(format, zipsafe::SafeZip::open(name, bytes, limits)?)
        }
    }
}

/// A .docx or .xlsx package into the grid (a .txt is never a zip and never comes here).
fn read_zip(format: SourceFormat, zip: zipsafe::SafeZip<'_>) -> Result<grid::RawDoc, IngestError> {
    match format {
        SourceFormat::Xlsx => xlsx::read(zip),
        _ => docx::read(zip),
    }
}

/// The format a file name's extension announces.
pub fn format_of(name: &str) -> Result<SourceFormat, IngestError> {
    let ext = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("txt") => Ok(SourceFormat::Txt),
        Some("docx") => Ok(SourceFormat::Docx),
        Some("xlsx") => Ok(SourceFormat::Xlsx),
        Some("xls") => Ok(SourceFormat::Xls),
        _ => Err(IngestError::UnknownFormat {
            file: name.to_string(),
        }),
    }
}
