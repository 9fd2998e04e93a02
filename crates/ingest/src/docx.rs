//! WordprocessingML (.docx) → [`RawDoc`].
use crate::grid::RawDoc;
use crate::{IngestError, Limits};

pub(crate) fn read(file: &str, _bytes: &[u8], _limits: &Limits) -> Result<RawDoc, IngestError> {
    Err(IngestError::Malformed {
        file: file.to_string(),
        place: "word/document.xml".into(),
        reason: "尚不支持读取 .docx".into(),
    })
}
