//! Office 97-2003 and WPS files. Both are OLE2 compound files: a Word document (.doc, and
//! WPS 文字's .wps) holds a "WordDocument" stream, a workbook (.xls, and WPS 表格's .et) a
//! "Workbook" or "Book" stream. What a file is comes from its content where it can, so a
//! workbook saved as .et is read and a .doc named .xls is answered as a Word document.

use crate::IngestError;
use crate::grid::RawDoc;

const OLE2_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// What a file holds, as far as its first bytes and stream names tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    Workbook,
    WordDocument,
    /// A zip package (.docx/.xlsx, or a newer WPS file).
    Zip,
    Other,
}

/// Looks at the signature and, for a compound file, the names of its streams (stored as
/// UTF-16LE in its directory).
pub(crate) fn sniff(bytes: &[u8]) -> Content {
    if bytes.starts_with(b"PK\x03\x04") {
        return Content::Zip;
    }
    if !bytes.starts_with(&OLE2_MAGIC) {
        return Content::Other;
    }
    let has = |name: &str| {
        let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        bytes.windows(utf16.len()).any(|w| w == utf16.as_slice())
    };
    // Checked first: a workbook never has this stream, while a document's text could
    // mention "Workbook".
    if has("WordDocument") {
        Content::WordDocument
    } else if has("Workbook") || has("Book") {
        Content::Workbook
    } else {
        Content::Other
    }
}

/// The legacy extension of a file name this crate answers by content (`doc`, `wps`, `et`),
/// lower-cased.
pub(crate) fn extension(name: &str) -> Option<&'static str> {
    let ext = std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)?;
    ["doc", "wps", "et"].into_iter().find(|e| *e == ext)
}

/// A .doc, .wps or .et: read when it is really a BIFF workbook, otherwise the one-line
/// instruction of what to save it as.
pub(crate) fn read(file: &str, ext: &str, bytes: &[u8]) -> Result<RawDoc, IngestError> {
    let content = sniff(bytes);
    if content == Content::Workbook
        && let Ok(doc) = crate::xls::read(file, bytes)
    {
        return Ok(doc);
    }
    Err(save_as(file, ext, content))
}

/// What to tell the office about a file it must save again.
pub(crate) fn save_as(file: &str, ext: &str, content: Content) -> IngestError {
    let (what, target) = match (ext, content) {
        ("et", Content::Workbook) => ("无法读取的 WPS 表格 (.et) 文件".to_string(), "xlsx"),
        (_, Content::Workbook) => (format!("Excel 97-2003 工作簿（扩展名却是 .{ext}）"), "xlsx"),
        ("et", Content::WordDocument) => {
            ("Word/WPS 文字文档（扩展名却是 .et）".to_string(), "docx")
        }
        ("et", _) => ("WPS 表格 (.et) 文件".to_string(), "xlsx"),
        ("wps", _) => ("WPS 文字 (.wps) 文档".to_string(), "docx"),
        _ => ("Word 97-2003 (.doc) 文档".to_string(), "docx"),
    };
    IngestError::SaveAs {
        file: file.to_string(),
        what,
        target,
    }
}
