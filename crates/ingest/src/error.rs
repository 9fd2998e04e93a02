use thiserror::Error;

/// Bounds that keep a hostile or broken file from exhausting the machine.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest accepted input file, in bytes.
    pub max_file_bytes: u64,
    /// Largest accepted size of any one decompressed zip entry, in bytes.
    pub max_entry_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 64 * 1024 * 1024,
            max_entry_bytes: 256 * 1024 * 1024,
        }
    }
}

/// The programs that save as `target` ("docx" or "xlsx").
fn office_app(target: &str) -> &'static str {
    if target == "xlsx" {
        "Excel/WPS"
    } else {
        "Word/WPS"
    }
}

/// Why a file could not be read. Every variant names the file and the place.
#[derive(Debug, Error)]
pub enum IngestError {
    #[error("{file}: 无法读取文件：{reason}")]
    Io { file: String, reason: String },
    #[error("{file}: 文件为空")]
    Empty { file: String },
    #[error("{file}: 不支持的文件类型（仅支持 .txt、.docx、.xlsx、.xls）")]
    UnknownFormat { file: String },
    /// An old or WPS format this build does not read: the office saves it again as the
    /// format named (`docx` or `xlsx`), or lets soffice convert it ([`crate::convert`]).
    #[error("《{file}》是{what}，请在 {app} 中另存为 .{target} 后再导入", app = office_app(target))]
    SaveAs {
        file: String,
        /// What the file is, e.g. "Word 97-2003 (.doc) 文档".
        what: String,
        target: &'static str,
    },
    /// Converting with soffice (when the office turned it on) did not give a file.
    #[error(
        "《{file}》无法自动转换：{reason}；请在 Word/WPS/Excel 中另存为 .docx 或 .xlsx 后再导入"
    )]
    Convert { file: String, reason: String },
    #[error("{file}: 文件大小 {size} 字节，超过上限 {limit} 字节")]
    TooLarge { file: String, size: u64, limit: u64 },
    #[error("{file}: {place}: 解压后超过上限 {limit} 字节，拒绝读取")]
    InflateLimit {
        file: String,
        place: String,
        limit: u64,
    },
    /// The file is not what its extension says, or is damaged.
    #[error("{file}: {place}: {reason}")]
    Malformed {
        file: String,
        place: String,
        reason: String,
    },
    /// The file was read but holds no ledger table.
    #[error("{file}: {place}: {reason}")]
    NoLedger {
        file: String,
        place: String,
        reason: String,
    },
}
