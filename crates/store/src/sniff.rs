//! What an uploaded file really is, read from its first bytes (and, for ZIP containers, its
//! member names), never from its name; and whether its name agrees.

use std::io::Cursor;

/// The kinds of evidence file accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Webp,
    /// OLE2 compound document: .doc, .xls, .ppt and WPS's .wps/.et/.dps.
    Ole2,
    Docx,
    Xlsx,
    Pptx,
    /// 版式文档 (GB/T 33190), a ZIP with `OFD.xml` at its root.
    Ofd,
}

impl FileKind {
    /// Names this kind may carry (lower case, without the dot).
    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Png => &["png"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Gif => &["gif"],
            FileKind::Webp => &["webp"],
            FileKind::Ole2 => &["doc", "xls", "ppt", "wps", "et", "dps"],
            // WPS saves its own names over OOXML too.
            FileKind::Docx => &["docx", "wps"],
            FileKind::Xlsx => &["xlsx", "et"],
            FileKind::Pptx => &["pptx", "dps"],
            FileKind::Ofd => &["ofd"],
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF 文档",
            FileKind::Png => "PNG 图片",
            FileKind::Jpeg => "JPEG 图片",
            FileKind::Gif => "GIF 图片",
            FileKind::Webp => "WebP 图片",
            FileKind::Ole2 => "Word/Excel/WPS 文档（97-2003 格式）",
            FileKind::Docx => "Word 文档",
            FileKind::Xlsx => "Excel 表格",
            FileKind::Pptx => "演示文稿",
            FileKind::Ofd => "OFD 版式文档",
        }
    }

    /// The Content-Type it is served with, chosen by kind and name (an OLE2 `.xls` is a
    /// spreadsheet); anything uncertain is `application/octet-stream`.
    pub fn content_type(self, ext: &str) -> &'static str {
        match (self, ext) {
            (FileKind::Pdf, _) => "application/pdf",
            (FileKind::Png, _) => "image/png",
            (FileKind::Jpeg, _) => "image/jpeg",
            (FileKind::Gif, _) => "image/gif",
            (FileKind::Webp, _) => "image/webp",
            (FileKind::Ole2, "doc") => "application/msword",
            (FileKind::Ole2, "xls") => "application/vnd.ms-excel",
            (FileKind::Ole2, "ppt") => "application/vnd.ms-powerpoint",
            (FileKind::Docx, "docx") => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            (FileKind::Xlsx, "xlsx") => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            (FileKind::Pptx, "pptx") => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            (FileKind::Ofd, _) => "application/ofd",
            _ => "application/octet-stream",
        }
    }
}

/// The lower-case extension of a file name, if it has one.
pub fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

const ALLOWED_ZH: &str = "PDF、图片（PNG/JPEG/GIF/WebP）、Word/Excel/WPS 文档或 OFD";

/// Checks one upload: not empty, not over `max_bytes`, a kind accepted, and a name that
/// agrees with the content. The message names the file.
pub fn check(name: &str, bytes: &[u8], max_bytes: u64) -> Result<FileKind, String> {
    if bytes.is_empty() {
        return Err(format!("文件“{name}”是空的"));
    }
    if bytes.len() as u64 > max_bytes {
        return Err(format!(
            "文件“{name}”大小 {}，超过上限 {}",
            human_size(bytes.len() as u64),
            human_size(max_bytes)
        ));
    }
    if bytes.starts_with(b"MZ") || bytes.starts_with(b"\x7fELF") {
        return Err(format!(
            "文件“{name}”是可执行程序，不能作为佐证材料上传（只接受{ALLOWED_ZH}）"
        ));
    }
    let Some(kind) = sniff(bytes) else {
        return Err(format!(
            "文件“{name}”的内容不是可接受的类型（只接受{ALLOWED_ZH}）"
        ));
    };
    let ext = extension(name).unwrap_or_default();
    if !kind.extensions().contains(&ext.as_str()) {
        return Err(format!(
            "文件“{name}”的扩展名与内容不符：内容是{}，应以 .{} 结尾",
            kind.label_zh(),
            kind.extensions().join("、.")
        ));
    }
    Ok(kind)
}

/// The kind by content, `None` for anything not accepted.
pub fn sniff(b: &[u8]) -> Option<FileKind> {
    if b.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        Some(FileKind::Gif)
    } else if b.len() >= 12 && b.starts_with(b"RIFF") && &b[8..12] == b"WEBP" {
        Some(FileKind::Webp)
    } else if b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some(FileKind::Ole2)
    } else if b.starts_with(b"PK\x03\x04") {
        zip_kind(b)
    } else {
        None
    }
}

/// A ZIP is accepted only as an office document or OFD, told apart by its members.
fn zip_kind(b: &[u8]) -> Option<FileKind> {
    let archive = zip::ZipArchive::new(Cursor::new(b)).ok()?;
    let names: Vec<&str> = archive.file_names().collect();
    let has = |n: &str| names.contains(&n);
    let under = |p: &str| names.iter().any(|n| n.starts_with(p));
    if has("OFD.xml") {
        return Some(FileKind::Ofd);
    }
    if !has("[Content_Types].xml") {
        return None;
    }
    if under("word/") {
        Some(FileKind::Docx)
    } else if under("xl/") {
        Some(FileKind::Xlsx)
    } else if under("ppt/") {
        Some(FileKind::Pptx)
    } else {
        None
    }
}

/// "1.5 MB", "820 KB", "12 字节".
pub fn human_size(n: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if n >= MB {
        format!("{:.1} MB", n as f64 / MB as f64)
    } else if n >= KB {
        format!("{:.0} KB", (n as f64 / KB as f64).ceil())
    } else {
        format!("{n} 字节")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_with(names: &[&str]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut out);
            for n in names {
                w.start_file(*n, zip::write::SimpleFileOptions::default())
                    .expect("start");
                std::io::Write::write_all(&mut w, b"<x/>").expect("write");
            }
            w.finish().expect("finish");
        }
        out.into_inner()
    }

    #[test]
    fn kinds_are_read_from_content() {
        assert_eq!(check("a.pdf", b"%PDF-1.7\n", 100), Ok(FileKind::Pdf));
        assert_eq!(
            check("照片.JPG", &[0xFF, 0xD8, 0xFF, 0xE0, 0], 100),
            Ok(FileKind::Jpeg)
        );
        let docx = zip_with(&["[Content_Types].xml", "word/document.xml"]);
        assert_eq!(check("r.docx", &docx, 1 << 20), Ok(FileKind::Docx));
        let xlsx = zip_with(&["[Content_Types].xml", "xl/workbook.xml"]);
        assert_eq!(check("r.xlsx", &xlsx, 1 << 20), Ok(FileKind::Xlsx));
        let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0];
        assert_eq!(check("台账.et", &ole, 100), Ok(FileKind::Ole2));
    }

    #[test]
    fn disguises_and_strangers_are_refused_by_name() {
        let e = check("报告.pdf", b"MZ\x90\0\x03", 100).unwrap_err();
        assert!(e.contains("报告.pdf") && e.contains("可执行"), "{e}");
        let e = check("x.pdf", b"\x89PNG\r\n\x1a\n", 100).unwrap_err();
        assert!(e.contains("扩展名与内容不符") && e.contains(".png"), "{e}");
        // A plain ZIP renamed .docx is not a Word document.
        let z = zip_with(&["setup.bat"]);
        assert!(check("x.docx", &z, 1 << 20).is_err());
        assert!(check("x.txt", b"hello", 100).is_err());
        let e = check("big.pdf", b"%PDF-1.7 and more", 5).unwrap_err();
        assert!(e.contains("超过上限"), "{e}");
    }
}
