//! SpreadsheetML (.xlsx) → [`RawDoc`].
//!
//! Our own streaming reader rather than calamine: it gives merged regions, reads each
//! sheet straight from the bounded zip entry without holding its XML, and keeps numbers as
//! Excel displays them ("5000", "40.4").
pub(crate) mod cells;
mod sheet;
mod strings;
pub(crate) mod styles;
mod workbook;

use duban_model::{Location, Warning, WarningCode};

use crate::IngestError;
use crate::grid::{Block, RawDoc};

use crate::zipsafe::{Kind, SafeZip, expect_kind, rel_target, rels};
pub(crate) use sheet::lay_out_cells;

const DEFAULT_WORKBOOK: &str = "xl/workbook.xml";

/// A sheet with nothing to read, and why: named, never dropped silently.
pub(crate) fn skipped_sheet(name: &str, why: &str) -> Warning {
    Warning::new(
        WarningCode::SkippedPart,
        Location::part(name.to_string()),
        format!("工作表“{name}”没有可读的单元格（{why}），已跳过"),
    )
}

/// A hidden sheet (附件2 hidden by mistake, or a list of drop-down choices) is read like
/// the others and named, so the office sees it either way.
pub(crate) fn hidden_sheet(name: &str, rows: usize) -> Warning {
    Warning::new(
        WarningCode::HiddenSheet,
        Location::part(name.to_string()),
        format!(
            "工作表“{name}”在 Excel 中被隐藏，已一并读取（{rows}行）；如不应导入，请删除该工作表后重新导入"
        ),
    )
}

/// Reads an opened package (from memory or from disk).
pub(crate) fn read(mut zip: SafeZip<'_>) -> Result<RawDoc, IngestError> {
    let file = zip.file();
    expect_kind(&zip, Kind::Excel)?;
    let workbook_part = rel_target(&rels(&mut zip, "")?, "officeDocument")
        .filter(|p| zip.find(p).is_some())
        .unwrap_or_else(|| DEFAULT_WORKBOOK.to_string());
    if zip.find(&workbook_part).is_none() {
        return Err(IngestError::Malformed {
            file: file.to_string(),
            place: workbook_part.clone(),
            reason: format!("缺少 {workbook_part}，不是有效的 Excel 工作簿"),
        });
    }
    let book = workbook::read(&mut zip, &workbook_part)?;
    let book_rels = rels(&mut zip, &workbook_part)?;
    let dir = workbook_part
        .rsplit_once('/')
        .map(|(d, _)| format!("{d}/"))
        .unwrap_or_default();
    let strings_part = rel_target(&book_rels, "sharedStrings")
        .unwrap_or_else(|| format!("{dir}sharedStrings.xml"));
    let styles_part =
        rel_target(&book_rels, "styles").unwrap_or_else(|| format!("{dir}styles.xml"));
    let mut shared = strings::read(&mut zip, &strings_part)?;
    let formats = styles::read(&mut zip, &styles_part, book.date1904)?;

    let mut blocks = Vec::new();
    let mut notes = Vec::new();
    let last = book.sheets.len().checked_sub(1);
    for (i, s) in book.sheets.iter().enumerate() {
        let part = book_rels
            .iter()
            .find(|r| Some(&r.id) == s.rel_id.as_ref())
            .map(|r| r.target.clone())
            .unwrap_or_else(|| format!("{dir}worksheets/sheet{}.xml", i + 1));
        // Chart sheets and missing parts hold no cells and come back as None.
        let Some(table) = sheet::read(
            &mut zip,
            &part,
            &s.name,
            &mut shared,
            &formats,
            Some(i) == last,
        )?
        else {
            notes.push(skipped_sheet(&s.name, &format!("图表工作表或缺少 {part}")));
            continue;
        };
        if s.hidden {
            notes.push(hidden_sheet(&s.name, table.rows.len()));
        }
        blocks.push(Block::Table(table));
    }
    if blocks.is_empty() && book.sheets.is_empty() {
        return Err(IngestError::Malformed {
            file: file.to_string(),
            place: workbook_part,
            reason: "工作簿中没有工作表".into(),
        });
    }
    Ok(RawDoc { blocks, notes })
}
