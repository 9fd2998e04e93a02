use thiserror::Error;

/// Why a document could not be written. Input data never causes one: only the packaging
/// libraries can fail, and they say where.
#[derive(Debug, Error)]
pub enum DocsError {
    #[error("打包 {part} 失败：{reason}")]
    Zip { part: String, reason: String },
    #[error("生成 Excel 工作簿失败：{0}")]
    Xlsx(String),
}

impl From<rust_xlsxwriter::XlsxError> for DocsError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        DocsError::Xlsx(e.to_string())
    }
}
