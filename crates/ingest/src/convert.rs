//! Converting a file the readers do not take (.doc, .wps, .et, an unreadable workbook) with
//! LibreOffice's `soffice`, when the office has turned that on: in a fresh temporary folder,
//! under a fixed file name (never the upload's), with its own profile and a time limit.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use duban_model::Ledger;

use crate::{IngestError, Limits, read_bytes};

/// Whether `soffice` is on the PATH.
pub fn soffice_available() -> bool {
    find_soffice().is_some()
}

fn find_soffice() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("soffice"))
            .find(|p| p.is_file())
    })
}

/// [`read_bytes`]; with `convert` (soffice's time limit), a file answered "save it as
/// .docx/.xlsx" is converted to that with soffice and read instead. The ledger keeps the
/// uploaded file's name as its source.
pub fn read_bytes_converting(
    name: &str,
    bytes: &[u8],
    limits: &Limits,
    convert: Option<Duration>,
) -> Result<Ledger, IngestError> {
    match (read_bytes(name, bytes, limits), convert) {
        (Err(IngestError::SaveAs { target, .. }), Some(limit)) => {
            let converted = convert_with_soffice(name, bytes, target, limit)?;
            let stem = Path::new(name)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("converted");
            let mut ledger = read_bytes(&format!("{stem}.{target}"), &converted, limits)?;
            ledger.source = name.to_string();
            Ok(ledger)
        }
        (result, _) => result,
    }
}

/// Converts `bytes` (a file named `name`) to `target` ("docx" or "xlsx") with soffice,
/// giving up after `limit`.
pub fn convert_with_soffice(
    name: &str,
    bytes: &[u8],
    target: &str,
    limit: Duration,
) -> Result<Vec<u8>, IngestError> {
    let fail = |reason: String| IngestError::Convert {
        file: name.to_string(),
        reason,
    };
    let soffice = find_soffice().ok_or_else(|| fail("服务器上没有安装 soffice".into()))?;
    let dir = TempDir::new().map_err(|e| fail(format!("无法创建临时目录：{e}")))?;
    let ext = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .filter(|e| e.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "bin".into());
    let input = dir.0.join(format!("input.{ext}"));
    std::fs::write(&input, bytes).map_err(|e| fail(format!("无法写入临时文件：{e}")))?;
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.0.join("profile").display()
    );
    let mut child = Command::new(soffice)
        .arg(profile)
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
        ])
        .arg(&dir.0)
        .arg(&input)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| fail(format!("soffice 无法启动：{e}")))?;
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!("soffice 超过 {} 秒未完成", limit.as_secs())));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(fail(format!("soffice 运行出错：{e}"))),
        }
    }
    std::fs::read(dir.0.join(format!("input.{target}"))).map_err(|_| {
        fail(format!(
            "soffice 没有生成 .{target} 文件（文件可能已损坏或加密）"
        ))
    })
}

/// A folder of its own under the system's temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "duban-convert-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        // create_dir (not _all) fails if it exists: the folder is ours alone.
        std::fs::create_dir(&path)?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
