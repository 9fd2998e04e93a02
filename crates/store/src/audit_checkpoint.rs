//! Checkpoints of the audit chain's head, kept in files outside the database.
//!
//! The keyed chain stops forgery, but not truncation: whoever can write the database can
//! delete the newest entries and set the head back to an older, genuine entry. A checkpoint
//! (the head's seq and hash, MACed with the audit key so it cannot be forged either) written
//! where the database cannot reach — by every backup, daily by the service and at its stop —
//! lets verify see that the database once went further, or went elsewhere.
//!
//! One file per checkpoint, JSON, named `YYYYMMDDTHHMMSSZ-SEQ-REASON.json` so a directory
//! listing reads as a history. A restore moves those from after the backup into a
//! `superseded-…` subdirectory (kept, never deleted) and writes its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::audit::{AuditFault, AuditReport};
use crate::audit_key::AuditKey;
use crate::time_util::from_unix;

const FORMAT: &str = "duban-audit-checkpoint";
/// Larger files are not checkpoints; refusing them keeps a stray file from being read whole.
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// The chain head: the last entry's seq and hash, and the seq keying starts at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
    pub keyed_from: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct CheckpointFile {
    format: String,
    written_at: i64,
    /// `backup`, `daily`, `start`, `stop`, `restore`, `migrate`.
    reason: String,
    seq: i64,
    hash: String,
    keyed_from: i64,
    mac: String,
}

fn mac_of(key: &AuditKey, written_at: i64, reason: &str, head: &AuditHead) -> String {
    let canonical = serde_json::json!([
        FORMAT,
        written_at,
        reason,
        head.seq,
        head.hash,
        head.keyed_from
    ]);
    key.mac_hex(canonical.to_string().as_bytes())
}

/// A checkpoint read back, its MAC checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    pub file: PathBuf,
    pub written_at: i64,
    pub reason: String,
    pub head: AuditHead,
}

impl Checkpoint {
    /// "检查点文件“…”（2026-12-07 20:47 北京时间写入，backup，链头第 12 条）".
    pub fn describe(&self) -> String {
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let cst = from_unix(self.written_at).to_offset(time::macros::offset!(+8));
        let when = cst
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]"
            ))
            .unwrap_or_default();
        format!(
            "检查点文件“{name}”（{when} 北京时间写入，{}，链头第 {} 条）",
            self.reason, self.head.seq
        )
    }
}

/// Writes a checkpoint of `head` into `dir` (created if missing); never overwrites one.
pub(crate) fn write(
    dir: &Path,
    key: &AuditKey,
    head: &AuditHead,
    reason: &str,
    now: i64,
) -> Result<PathBuf, StoreError> {
    std::fs::create_dir_all(dir)?;
    let body = CheckpointFile {
        format: FORMAT.into(),
        written_at: now,
        reason: reason.into(),
        seq: head.seq,
        hash: head.hash.clone(),
        keyed_from: head.keyed_from,
        mac: mac_of(key, now, reason, head),
    };
    let text = serde_json::to_string_pretty(&body)?;
    let stamp = from_unix(now)
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_else(|_| now.to_string());
    for n in 1u32.. {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let path = dir.join(format!("{stamp}-{:010}-{reason}{suffix}.json", head.seq));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                use std::io::Write;
                f.write_all(text.as_bytes())?;
                f.sync_all()?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => continue,
            Err(e) => return Err(e.into()),
        }
    }
    unreachable!("the loop returns")
}

/// The checkpoint files directly in `dir` (not in `superseded-…`), oldest name first.
fn files(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_file() && path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Reads one checkpoint file, checking its MAC; `Err` says in Chinese what is wrong with it.
fn read_one(path: &Path, key: &AuditKey) -> Result<Checkpoint, String> {
    let name = path.display();
    let len = std::fs::metadata(path)
        .map_err(|e| format!("无法读取检查点文件“{name}”：{e}"))?
        .len();
    if len > MAX_FILE_BYTES {
        return Err(format!("检查点文件“{name}”过大，不是 duban 检查点"));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("无法读取检查点文件“{name}”：{e}"))?;
    let body: CheckpointFile =
        serde_json::from_str(&text).map_err(|e| format!("检查点文件“{name}”格式不对（{e}）"))?;
    if body.format != FORMAT {
        return Err(format!("检查点文件“{name}”不是 duban 检查点"));
    }
    let head = AuditHead {
        seq: body.seq,
        hash: body.hash,
        keyed_from: body.keyed_from,
    };
    if mac_of(key, body.written_at, &body.reason, &head) != body.mac {
        return Err(format!(
            "检查点文件“{name}”的签名与审计密钥不符：文件被改动，或由另一把密钥写出"
        ));
    }
    Ok(Checkpoint {
        file: path.to_path_buf(),
        written_at: body.written_at,
        reason: body.reason,
        head,
    })
}

/// Every checkpoint in `dir`; the first unreadable or forged one is an `Err` message.
pub(crate) fn read_all(
    dir: &Path,
    key: &AuditKey,
) -> Result<Result<Vec<Checkpoint>, String>, StoreError> {
    let mut out = Vec::new();
    for path in files(dir)? {
        match read_one(&path, key) {
            Ok(c) => out.push(c),
            Err(problem) => return Ok(Err(problem)),
        }
    }
    Ok(Ok(out))
}

/// Compares a chain that verified on its own with the checkpoints, newest first, and marks
/// the report failed at the first one the database contradicts. `hashes` holds the stored
/// hash at each checkpointed seq the database still has.
pub(crate) fn compare(
    report: &mut AuditReport,
    checkpoints: &[Checkpoint],
    hashes: &BTreeMap<i64, String>,
) {
    let mut sorted: Vec<&Checkpoint> = checkpoints.iter().collect();
    sorted.sort_by_key(|c| std::cmp::Reverse((c.head.seq, c.written_at)));
    report.checkpoints = u32::try_from(sorted.len()).unwrap_or(u32::MAX);
    for cp in &sorted {
        let desc = cp.describe();
        if cp.head.keyed_from != report.keyed_from {
            report.fail(
                AuditFault::Checkpoint,
                Some(cp.head.keyed_from.min(report.keyed_from)),
                format!(
                    "{desc}记录审计链自第 {} 条起签名，数据库却记为第 {} 条：链头被改动，此前的记录可能被整体改写",
                    cp.head.keyed_from, report.keyed_from
                ),
            );
            return;
        }
        if cp.head.seq > report.head_seq {
            report.fail(
                AuditFault::Checkpoint,
                Some(report.head_seq + 1),
                format!(
                    "数据库的审计链头为第 {} 条，而{desc}证明审计链曾到第 {} 条：之后的记录被删除（截断），或数据库被换成了更早的副本",
                    report.head_seq, cp.head.seq
                ),
            );
            return;
        }
        if cp.head.seq > 0 && hashes.get(&cp.head.seq) != Some(&cp.head.hash) {
            report.fail(
                AuditFault::Checkpoint,
                Some(cp.head.seq),
                format!(
                    "第 {} 条审计记录与{desc}记录的不符：该条或此前的记录被改写",
                    cp.head.seq
                ),
            );
            return;
        }
    }
    report.newest_checkpoint = sorted.first().map(|c| c.describe());
}

/// Moves the checkpoints of heads after `kept_seq` into `superseded-STAMP/` (a restore went
/// back before them); returns the files moved. Unreadable files stay for verify to report.
pub(crate) fn supersede(
    dir: &Path,
    key: &AuditKey,
    kept_seq: i64,
    now: i64,
) -> Result<Vec<PathBuf>, StoreError> {
    let mut moved = Vec::new();
    let aside = dir.join(format!("superseded-{now}"));
    for path in files(dir)? {
        let Ok(cp) = read_one(&path, key) else {
            continue;
        };
        if cp.head.seq > kept_seq {
            std::fs::create_dir_all(&aside)?;
            let to = aside.join(path.file_name().unwrap_or_default());
            std::fs::rename(&path, &to)?;
            moved.push(to);
        }
    }
    Ok(moved)
}
