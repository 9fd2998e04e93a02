//! Excel 97-2003 (BIFF, .xls) → [`RawDoc`] through calamine's reader, laid out exactly as an
//! .xlsx sheet is (merges carried, gaps spanned), with hidden and skipped sheets reported
//! the same way.
//!
//! BIFF keeps no number format calamine hands back except dates, so a percentage shows as
//! its value (0.15); ledgers keep targets as text, which reads as written.

use std::io::Cursor;

use calamine::{Data, Reader, SheetType, SheetVisible, Xls};

use crate::IngestError;
use crate::grid::{Block, RawDoc, RawTable};
use crate::legacy::{self, Content};
use crate::xlsx::cells::{general, number};
use crate::xlsx::styles::NumKind;
use crate::xlsx::{hidden_sheet, lay_out_cells, skipped_sheet};

/// Reads a file named .xls; one that is really a Word document or an .xlsx says so.
pub(crate) fn read(file: &str, bytes: &[u8]) -> Result<RawDoc, IngestError> {
    match legacy::sniff(bytes) {
        Content::Workbook => {}
        Content::WordDocument => {
            return Err(IngestError::SaveAs {
                file: file.to_string(),
                what: "Word 97-2003 文档（扩展名却是 .xls）".into(),
                target: "docx",
            });
        }
        Content::Zip => {
            return Err(IngestError::Malformed {
                file: file.to_string(),
                place: "文件内容".into(),
                reason: "这是 .docx/.xlsx 格式的文件，请把扩展名改为 .xlsx（或 .docx）后再导入"
                    .into(),
            });
        }
        Content::Other => {
            return Err(malformed(file, "不是 Excel 97-2003 (.xls) 工作簿"));
        }
    }
    crate::cfb_check::check(bytes).map_err(|why| {
        malformed(
            file,
            &format!(
                "Excel 97-2003 工作簿已损坏（{why}），请在 Excel/WPS 中打开并另存为 .xlsx 后再导入"
            ),
        )
    })?;
    // calamine also trusts offsets inside the workbook (a sheet's position in the stream);
    // the check above covers what would exhaust memory, and a slip it would panic on is
    // caught here and answered as a damaged file, never a failed request.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_checked(file, bytes)))
        .unwrap_or_else(|_| {
            Err(malformed(
                file,
                "Excel 97-2003 工作簿已损坏（内部记录不一致），请在 Excel/WPS 中打开并另存为 .xlsx 后再导入",
            ))
        })
}

/// The reading proper, on a file whose compound structure passed the check.
fn read_checked(file: &str, bytes: &[u8]) -> Result<RawDoc, IngestError> {
    let mut book = Xls::new(Cursor::new(bytes))
        .map_err(|e| malformed(file, &format!("Excel 97-2003 工作簿无法读取（{e}）")))?;
    let sheets = book.sheets_metadata().to_vec();
    let mut blocks = Vec::new();
    let mut notes = Vec::new();
    for s in &sheets {
        if s.typ != SheetType::WorkSheet {
            notes.push(skipped_sheet(&s.name, "图表或宏工作表"));
            continue;
        }
        let range = match book.worksheet_range(&s.name) {
            Ok(r) => r,
            Err(e) => {
                notes.push(skipped_sheet(&s.name, &format!("无法读取：{e}")));
                continue;
            }
        };
        let (top, left) = range.start().unwrap_or((0, 0));
        let cells: Vec<(u32, u32, String)> = range
            .cells()
            .filter_map(|(r, c, v)| {
                let text = text(v)?;
                // calamine counts from the range's corner, 0-based; the grid from A1, 1-based.
                let row = top.saturating_add(u32::try_from(r).ok()?).saturating_add(1);
                let col = left
                    .saturating_add(u32::try_from(c).ok()?)
                    .saturating_add(1);
                Some((row, col, text))
            })
            .collect();
        let merges: Vec<((u32, u32), (u32, u32))> = book
            .worksheet_merge_cells(&s.name)
            .unwrap_or_default()
            .into_iter()
            .map(|d| {
                (
                    (d.start.1.saturating_add(1), d.start.0.saturating_add(1)),
                    (d.end.1.saturating_add(1), d.end.0.saturating_add(1)),
                )
            })
            .collect();
        if cells.is_empty() && merges.is_empty() {
            notes.push(skipped_sheet(&s.name, "空工作表"));
            continue;
        }
        let table = RawTable {
            name: s.name.clone(),
            rows: lay_out_cells(cells, merges),
        };
        if s.visible != SheetVisible::Visible {
            notes.push(hidden_sheet(&s.name, table.rows.len()));
        }
        blocks.push(Block::Table(table));
    }
    if sheets.is_empty() {
        return Err(malformed(file, "工作簿中没有工作表"));
    }
    Ok(RawDoc { blocks, notes })
}

fn malformed(file: &str, reason: &str) -> IngestError {
    IngestError::Malformed {
        file: file.to_string(),
        place: "工作簿".into(),
        reason: reason.to_string(),
    }
}

/// A cell as Excel shows it, as the .xlsx reader writes it; `None` for an empty one.
fn text(v: &Data) -> Option<String> {
    let t = match v {
        Data::Empty => return None,
        Data::String(s) => s.replace("\r\n", "\n"),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => general(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) if d.is_datetime() => number(
            &d.as_f64().to_string(),
            NumKind::Date {
                chinese: false,
                day: true,
            },
            false,
        ),
        Data::DateTime(d) => general(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.split('T').next().unwrap_or("").into(),
        Data::Error(e) => e.to_string(),
    };
    (!t.is_empty()).then_some(t)
}
