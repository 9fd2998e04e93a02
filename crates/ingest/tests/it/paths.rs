//! Reading a .docx or .xlsx from disk (streamed from the file) gives exactly what reading
//! the same bytes from memory gives, errors included.
use std::path::{Path, PathBuf};

use duban_ingest::{IngestError, Limits, read_bytes, read_path};

use crate::fixtures::{ledger, wml};

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("duban-ingest-paths-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("write");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn from_memory(path: &Path, limits: &Limits) -> Result<duban_model::Ledger, IngestError> {
    let bytes = std::fs::read(path).expect("read back");
    read_bytes(&path.display().to_string(), &bytes, limits)
}

#[test]
fn files_on_disk_read_as_their_bytes_do() {
    let dir = TempDir::new("same");
    let (l, parts) = ledger::generated(300);
    let docx = dir.write("台账.docx", &ledger::docx(&l, &parts));
    let xlsx = dir.write("台账.xlsx", &ledger::xlsx(&l));
    for path in [docx, xlsx] {
        let disk = read_path(&path, &Limits::default()).expect("reads from disk");
        let memory = from_memory(&path, &Limits::default()).expect("reads from memory");
        assert_eq!(disk.tasks.len(), 300, "{}", path.display());
        // Warnings included: the ledger compares them too.
        assert_eq!(disk, memory, "{}", path.display());
    }
}

#[test]
fn blank_and_broken_files_on_disk_fail_as_their_bytes_do() {
    let dir = TempDir::new("bad");
    for (name, bytes) in [
        ("空.docx", &b""[..]),
        ("空白.xlsx", b"  \n\r\n\t"),
        ("坏.docx", b"not a zip at all"),
        ("坏.xlsx", b"PK\x03\x04 truncated"),
    ] {
        let path = dir.write(name, bytes);
        let disk = read_path(&path, &Limits::default()).expect_err(name);
        let memory = from_memory(&path, &Limits::default()).expect_err(name);
        assert_eq!(disk.to_string(), memory.to_string(), "{name}");
        assert!(
            matches!(
                disk,
                IngestError::Empty { .. } | IngestError::Malformed { .. }
            ),
            "{name}: {disk:?}"
        );
    }
}

#[test]
fn a_zip_bomb_on_disk_is_refused_at_the_inflate_limit() {
    let dir = TempDir::new("bomb");
    let mut body = String::from("<w:document><w:body><w:p><w:r><w:t>");
    body.push_str(&"啊".repeat(350_000));
    body.push_str("</w:t></w:r></w:p></w:body></w:document>");
    let bomb = wml::zip_parts(&[("word/document.xml", body.as_bytes())]);
    let path = dir.write("炸弹.docx", &bomb);
    let small = Limits {
        max_file_bytes: 1 << 20,
        max_entry_bytes: 4096,
    };
    match read_path(&path, &small).expect_err("bomb") {
        IngestError::InflateLimit { place, limit, .. } => {
            assert!(place.contains("word/document.xml"), "{place}");
            assert_eq!(limit, 4096);
        }
        other => panic!("expected the inflate limit, got {other}"),
    }
    let tiny = Limits {
        max_file_bytes: (bomb.len() - 1) as u64,
        ..Limits::default()
    };
    let e = read_path(&path, &tiny).expect_err("too large");
    assert!(matches!(e, IngestError::TooLarge { .. }), "{e:?}");
}
