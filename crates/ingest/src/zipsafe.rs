//! Opening Office zip packages without trusting anything they declare.
//!
//! A .docx or .xlsx is a zip of XML parts. A hostile file can declare small sizes and
//! inflate to gigabytes, so every entry is read through [`Bounded`], which counts the bytes
//! actually produced and stops at `Limits::max_entry_bytes`. Parts are streamed into
//! quick-xml so a large sheet never has to sit in memory as text, and the package itself
//! may be a file on disk rather than bytes in memory.
use std::io::{self, BufReader, Cursor, Read, Seek};

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart};
use zip::ZipArchive;
use zip::read::ZipFile;
use zip::result::ZipError;

use crate::{IngestError, Limits};

/// Where a package's bytes come from: memory (an upload) or a file on disk, so reading a
/// path never holds the whole file. Boxed so the readers need no type parameter; the zip
/// layer reads in 32 KiB chunks, so the indirection costs nothing measurable.
pub(crate) trait Source: Read + Seek {}

impl<T: Read + Seek> Source for T {}

/// An opened package together with the name of the file it came from (for messages).
pub(crate) struct SafeZip<'a> {
    file: &'a str,
    archive: ZipArchive<Box<dyn Source + 'a>>,
    max_entry: u64,
}

/// One zip entry, read through the inflate bound.
pub(crate) type Entry<'z, 'a> = Bounded<ZipFile<'z, Box<dyn Source + 'a>>>;

/// A streaming XML reader over one bounded zip entry.
pub(crate) type XmlReader<'z, 'a> = Reader<BufReader<Entry<'z, 'a>>>;

impl<'a> SafeZip<'a> {
    /// Checks the outer file's size and that it is a zip at all.
    pub(crate) fn open(
        file: &'a str,
        bytes: &'a [u8],
        limits: &Limits,
    ) -> Result<Self, IngestError> {
        let size = bytes.len() as u64;
        Self::open_source(file, Box::new(Cursor::new(bytes)), size, limits)
    }

    /// The same over any seekable source of `size` bytes (an opened file).
    pub(crate) fn open_source(
        file: &'a str,
        source: Box<dyn Source + 'a>,
        size: u64,
        limits: &Limits,
    ) -> Result<Self, IngestError> {
        if size == 0 {
            return Err(IngestError::Empty {
                file: file.to_string(),
            });
        }
        if size > limits.max_file_bytes {
            return Err(IngestError::TooLarge {
                file: file.to_string(),
                size,
                limit: limits.max_file_bytes,
            });
        }
        let archive = ZipArchive::new(source).map_err(|e| IngestError::Malformed {
            file: file.to_string(),
            place: "文件结构".into(),
            reason: format!("不是有效的 Office 文件：{}", zip_reason(&e)),
        })?;
        Ok(SafeZip {
            file,
            archive,
            max_entry: limits.max_entry_bytes,
        })
    }

    pub(crate) fn file(&self) -> &'a str {
        self.file
    }

    /// The stored name of a part, tolerating writers that vary the case or add a leading '/'.
    pub(crate) fn find(&self, name: &str) -> Option<String> {
        let wanted = name.trim_start_matches('/');
        if self.archive.index_for_name(wanted).is_some() {
            return Some(wanted.to_string());
        }
        self.archive
            .file_names()
            .find(|n| n.trim_start_matches('/').eq_ignore_ascii_case(wanted))
            .map(str::to_string)
    }

    /// A bounded byte reader over a part, or `None` if the package has no such part.
    fn open_entry(&mut self, name: &str) -> Result<Option<Entry<'_, 'a>>, IngestError> {
        let Some(stored) = self.find(name) else {
            return Ok(None);
        };
        let file = self.file;
        let max = self.max_entry;
        match self.archive.by_name(&stored) {
            Ok(entry) => Ok(Some(Bounded::new(entry, max))),
            Err(ZipError::FileNotFound) => Ok(None),
            Err(e) => Err(IngestError::Malformed {
                file: file.to_string(),
                place: stored,
                reason: format!("无法解压：{}", zip_reason(&e)),
            }),
        }
    }

    /// A streaming XML reader over a part that may be absent.
    pub(crate) fn xml(&mut self, name: &str) -> Result<Option<XmlReader<'_, 'a>>, IngestError> {
        Ok(self
            .open_entry(name)?
            .map(|entry| Reader::from_reader(BufReader::with_capacity(64 * 1024, entry))))
    }

    /// A streaming XML reader over a part the format cannot do without.
    pub(crate) fn required_xml(&mut self, name: &str) -> Result<XmlReader<'_, 'a>, IngestError> {
        let file = self.file;
        self.xml(name)?.ok_or_else(|| IngestError::Malformed {
            file: file.to_string(),
            place: name.to_string(),
            reason: format!("缺少 {name}，不是完整的 Office 文件"),
        })
    }
}

/// Turns a failure while reading a part into the error the user should see: the inflate
/// limit when the bounded reader tripped, else a damaged part.
pub(crate) fn read_error(
    file: &str,
    place: &str,
    exceeded: bool,
    limit: u64,
    err: &dyn std::fmt::Display,
) -> IngestError {
    if exceeded {
        IngestError::InflateLimit {
            file: file.to_string(),
            place: place.to_string(),
            limit,
        }
    } else {
        IngestError::Malformed {
            file: file.to_string(),
            place: place.to_string(),
            reason: format!("内容损坏，无法解析：{err}"),
        }
    }
}

/// The error for an XML failure at `pos` (a byte offset) in part `part`.
pub(crate) fn xml_error(
    file: &str,
    part: &str,
    reader: &XmlReader<'_, '_>,
    err: &dyn std::fmt::Display,
) -> IngestError {
    let bounded = reader.get_ref().get_ref();
    let place = format!("{part}（第 {} 字节附近）", reader.buffer_position());
    read_error(file, &place, bounded.exceeded(), bounded.limit, err)
}

/// A reader that refuses to produce more than `limit` bytes, whatever the zip header says.
pub(crate) struct Bounded<R> {
    inner: R,
    read: u64,
    limit: u64,
    exceeded: bool,
}

impl<R> Bounded<R> {
    pub(crate) fn new(inner: R, limit: u64) -> Self {
        Bounded {
            inner,
            read: 0,
            limit,
            exceeded: false,
        }
    }

    pub(crate) fn exceeded(&self) -> bool {
        self.exceeded
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.exceeded {
            return Err(limit_error());
        }
        // Ask for one byte more than allowed so reaching the limit exactly is not an error.
        let room = self.limit.saturating_sub(self.read).saturating_add(1);
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(buf.get_mut(..want).unwrap_or_default())?;
        self.read = self.read.saturating_add(n as u64);
        if self.read > self.limit {
            self.exceeded = true;
            return Err(limit_error());
        }
        Ok(n)
    }
}

fn limit_error() -> io::Error {
    io::Error::other("解压后大小超过上限")
}

/// The value of attribute `local` (any prefix) on `e`, unescaped.
pub(crate) fn attr(e: &BytesStart<'_>, local: &[u8]) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        if a.key.local_name().as_ref() == local {
            let raw = String::from_utf8_lossy(&a.value);
            Some(
                quick_xml::escape::unescape(&raw)
                    .map(|v| v.into_owned())
                    .unwrap_or_else(|_| raw.clone().into_owned()),
            )
        } else {
            None
        }
    })
}

/// The raw value of attribute `local`, for values that are never escaped (cell
/// references, numbers, type codes): no allocation on the hot path of a large sheet.
pub(crate) fn attr_raw<'e>(
    e: &'e BytesStart<'_>,
    local: &[u8],
) -> Option<std::borrow::Cow<'e, [u8]>> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .map(|a| a.value)
}

/// Appends the text a general reference (`&amp;`, `&#x4E2D;`) stands for.
pub(crate) fn push_ref(out: &mut String, r: &BytesRef<'_>) {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        out.push(c);
        return;
    }
    if let Ok(name) = r.decode()
        && let Some(s) = quick_xml::escape::resolve_predefined_entity(&name)
    {
        out.push_str(s);
    }
}

/// Whether an OOXML boolean attribute value means "on" (absent value means on).
pub(crate) fn is_on(val: Option<&str>) -> bool {
    !matches!(val, Some("0" | "false" | "off" | "none"))
}

/// One relationship of a part: its id, its type URI and the package path it points to.
pub(crate) struct Rel {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) target: String,
}

/// The relationships of `part` (from its `_rels/*.rels` sibling); empty when there are none.
pub(crate) fn rels(zip: &mut SafeZip<'_>, part: &str) -> Result<Vec<Rel>, IngestError> {
    let (dir, base) = match part.rfind('/') {
        Some(i) => (part.get(..i).unwrap_or(""), part.get(i + 1..).unwrap_or("")),
        None => ("", part),
    };
    let rels_name = if dir.is_empty() {
        format!("_rels/{base}.rels")
    } else {
        format!("{dir}/_rels/{base}.rels")
    };
    let file = zip.file();
    let Some(mut reader) = zip.xml(&rels_name)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Err(e) => return Err(xml_error(file, &rels_name, &reader, &e)),
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e))
                if e.local_name().as_ref() == b"Relationship" =>
            {
                let external = attr(&e, b"TargetMode").is_some_and(|m| m == "External");
                if let (Some(id), Some(kind), Some(target), false) = (
                    attr(&e, b"Id"),
                    attr(&e, b"Type"),
                    attr(&e, b"Target"),
                    external,
                ) {
                    out.push(Rel {
                        id,
                        kind,
                        target: resolve(dir, &target),
                    });
                }
            }
            Ok(_) => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// Which Office format a package really is, by the main part only that format has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Word,
    Excel,
    PowerPoint,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Word, Kind::Excel, Kind::PowerPoint];

    /// The main part every package of this format has at its usual place.
    fn main_part(self) -> &'static str {
        match self {
            Kind::Word => "word/document.xml",
            Kind::Excel => "xl/workbook.xml",
            Kind::PowerPoint => "ppt/presentation.xml",
        }
    }
}

/// Refuses a package that is plainly another Office format than its extension says (a
/// .docx renamed .xlsx): its own main part is missing and another format's is there. The
/// message names what the file really is instead of a confusing missing part.
pub(crate) fn expect_kind(zip: &SafeZip<'_>, expected: Kind) -> Result<(), IngestError> {
    if zip.find(expected.main_part()).is_some() {
        return Ok(());
    }
    let Some(actual) = Kind::ALL
        .into_iter()
        .find(|k| *k != expected && zip.find(k.main_part()).is_some())
    else {
        return Ok(());
    };
    let reason = match actual {
        Kind::Word => "该文件实际是 Word 文档（.docx），请以 .docx 导入",
        Kind::Excel => "该文件实际是 Excel 工作簿（.xlsx），请以 .xlsx 导入",
        Kind::PowerPoint => {
            "该文件实际是 PowerPoint 演示文稿（.pptx），不能作为台账导入；请导入 .docx 或 .xlsx 台账"
        }
    };
    Err(IngestError::Malformed {
        file: zip.file().to_string(),
        place: actual.main_part().to_string(),
        reason: reason.to_string(),
    })
}

/// The target of the first relationship whose type ends with `/suffix`.
pub(crate) fn rel_target(rels: &[Rel], suffix: &str) -> Option<String> {
    rels.iter()
        .find(|r| r.kind.rsplit('/').next() == Some(suffix))
        .map(|r| r.target.clone())
}

/// Resolves a relationship target against the directory of its source part.
fn resolve(dir: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// The zip library's error in words an office reads (its own messages are English and name
/// zip internals such as "EOCD").
fn zip_reason(e: &ZipError) -> String {
    match e {
        ZipError::InvalidArchive(_) => {
            "文件已损坏或不完整（例如下载或拷贝中断），请重新导出或另存后再试".into()
        }
        ZipError::UnsupportedArchive(m) if *m == ZipError::PASSWORD_REQUIRED => {
            "文件已加密，请在 Word/Excel/WPS 中取消密码保护后再导入".into()
        }
        ZipError::UnsupportedArchive(_) => {
            "文件使用了不支持的压缩方式，请在 Word/Excel/WPS 中另存为 .docx/.xlsx 后再导入".into()
        }
        ZipError::InvalidPassword => "文件已加密，请取消密码保护后再导入".into(),
        ZipError::Io(_) => "读取文件时出错（文件可能不完整）".into(),
        _ => "文件结构无法识别".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_resolve_relative_and_absolute() {
        assert_eq!(
            resolve("xl", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(resolve("xl", "/xl/worksheets/s.xml"), "xl/worksheets/s.xml");
        assert_eq!(resolve("word/sub", "../styles.xml"), "word/styles.xml");
        assert_eq!(resolve("", "word/document.xml"), "word/document.xml");
    }

    #[test]
    fn bounded_reader_stops_past_the_limit_only() {
        let data = [7u8; 100];
        let mut exact = Bounded::new(&data[..], 100);
        let mut out = Vec::new();
        assert!(exact.read_to_end(&mut out).is_ok());
        assert_eq!(out.len(), 100);
        let mut over = Bounded::new(&data[..], 99);
        assert!(over.read_to_end(&mut Vec::new()).is_err());
        assert!(over.exceeded());
    }
}
