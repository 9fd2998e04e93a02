//! WordprocessingML (.docx) → [`RawDoc`].
//!
//! The main document part is streamed once with quick-xml; list definitions and styles are
//! read first so auto-numbered row numbers can be recomputed as Word would show them.
mod body;
mod numbering;

use crate::IngestError;
use crate::grid::RawDoc;
use crate::zipsafe::{Kind, SafeZip, expect_kind, rel_target, rels};

const DEFAULT_DOCUMENT: &str = "word/document.xml";

/// Reads an opened package (from memory or from disk).
pub(crate) fn read(mut zip: SafeZip<'_>) -> Result<RawDoc, IngestError> {
    let file = zip.file();
    expect_kind(&zip, Kind::Word)?;
    // The package says where its main part is; Word always uses word/document.xml, other
    // writers sometimes do not.
    let document = rel_target(&rels(&mut zip, "")?, "officeDocument")
        .filter(|p| zip.find(p).is_some())
        .unwrap_or_else(|| DEFAULT_DOCUMENT.to_string());
    if zip.find(&document).is_none() {
        return Err(IngestError::Malformed {
            file: file.to_string(),
            place: document.clone(),
            reason: format!("缺少 {document}，不是有效的 Word 文档"),
        });
    }
    let doc_rels = rels(&mut zip, &document)?;
    let dir = document
        .rsplit_once('/')
        .map(|(d, _)| format!("{d}/"))
        .unwrap_or_default();
    let numbering_part =
        rel_target(&doc_rels, "numbering").unwrap_or_else(|| format!("{dir}numbering.xml"));
    let styles_part = rel_target(&doc_rels, "styles").unwrap_or_else(|| format!("{dir}styles.xml"));
    let mut lists = numbering::Numbering::load(&mut zip, &numbering_part, &styles_part)?;
    body::read(&mut zip, &document, &mut lists)
}
