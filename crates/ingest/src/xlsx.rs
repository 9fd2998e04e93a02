//! SpreadsheetML (.xlsx) → [`RawDoc`].
//!
//! Our own streaming reader rather than calamine: it gives merged regions, reads each
//! sheet straight from the bounded zip entry without holding its XML, and keeps numbers as
//! Excel displays them ("5000", "40.4").
mod cells;
mod sheet;
mod strings;
mod styles;
mod workbook;

use crate::IngestError;
use crate::grid::{Block, RawDoc};
use crate::zipsafe::{SafeZip, rel_target, rels};

const DEFAULT_WORKBOOK: &str = "xl/workbook.xml";

/// Reads an opened package (from memory or from disk).
pub(crate) fn read(mut zip: SafeZip<'_>) -> Result<RawDoc, IngestError> {
    let file = zip.file();
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
    let last_visible = book.sheets.iter().rposition(|s| !s.hidden);
    for (i, s) in book.sheets.iter().enumerate() {
        if s.hidden {
            continue;
        }
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
            Some(i) == last_visible,
        )?
        else {
            continue;
        };
        blocks.push(Block::Table(table));
    }
    if blocks.is_empty() && book.sheets.is_empty() {
        return Err(IngestError::Malformed {
            file: file.to_string(),
            place: workbook_part,
            reason: "工作簿中没有工作表".into(),
        });
    }
    Ok(RawDoc { blocks })
}
