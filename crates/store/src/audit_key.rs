//! The audit chain's secret key, kept in a file outside the database.
//!
//! A plain hash chain only proves the entries agree with each other: whoever can write the
//! database can rewrite entries and recompute every hash. Keying the chain (HMAC-SHA256) means
//! a consistent forgery needs the key too, and the key never enters the database or a backup.
//!
//! The file holds the 32 random bytes as 64 hexadecimal digits (so it can be printed and
//! typed back), mode 0600. It is created at first start by whichever command first writes an
//! audit entry; every instance serving one database must read the same file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::StoreError;

/// What the key is mixed with to give the value the database records to recognise it.
const CHECK_LABEL: &[u8] = b"duban audit key check v1";

/// 32 secret bytes. `Debug` never shows them.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey([u8; 32]);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.check_value())
    }
}

impl AuditKey {
    pub fn from_bytes(bytes: [u8; 32]) -> AuditKey {
        AuditKey(bytes)
    }

    /// A fixed, public key for test suites, so stores reopened on one test database agree.
    /// Never for a real deployment.
    pub fn for_tests() -> AuditKey {
        AuditKey(*b"duban test key: not a secret!!!!")
    }

    /// HMAC-SHA256 of `msg`, as lowercase hex.
    pub(crate) fn mac_hex(&self, msg: &[u8]) -> String {
        // HMAC accepts keys of any length, so this cannot fail for 32 bytes.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC takes a key of any length");
        mac.update(msg);
        hex::encode(mac.finalize().into_bytes())
    }

    /// A short value derived from the key that identifies it without revealing it: the
    /// database keeps it, so verify can say "wrong key" rather than "tampered".
    pub fn check_value(&self) -> String {
        let mut v = self.mac_hex(CHECK_LABEL);
        v.truncate(16);
        v
    }

    /// Reads a key file (64 hex digits, surrounding whitespace ignored).
    pub fn load(path: &Path) -> Result<AuditKey, StoreError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::AuditKey(format!(
                    "审计密钥文件“{}”不存在：请用 --audit-key-file 指明写入审计记录时使用的密钥文件（见 README“密钥文件”）",
                    path.display()
                )));
            }
            Err(e) => {
                return Err(StoreError::AuditKey(format!(
                    "无法读取审计密钥文件“{}”：{e}",
                    path.display()
                )));
            }
        };
        let mut bytes = [0u8; 32];
        match hex::decode_to_slice(text.trim(), &mut bytes) {
            Ok(()) => Ok(AuditKey(bytes)),
            Err(_) => Err(StoreError::AuditKey(format!(
                "审计密钥文件“{}”格式不对：应为 64 位十六进制数字（32 字节）",
                path.display()
            ))),
        }
    }

    /// Reads the key file, or creates it with 32 fresh random bytes (mode 0600) when it does
    /// not exist. Returns whether it was created. Two instances starting at once cannot both
    /// create it: the file is created exclusively and the loser reads the winner's.
    pub fn load_or_create(path: &Path) -> Result<(AuditKey, bool), StoreError> {
        if path.exists() {
            return Ok((AuditKey::load(path)?, false));
        }
        let key = AuditKey(rand::random());
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut file = match opts.open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Ok((AuditKey::load(path)?, false));
            }
            Err(e) => {
                return Err(StoreError::AuditKey(format!(
                    "无法创建审计密钥文件“{}”：{e}",
                    path.display()
                )));
            }
        };
        use std::io::Write;
        file.write_all(format!("{}\n", hex::encode(key.0)).as_bytes())?;
        file.sync_all()?;
        Ok((key, true))
    }
}

/// Where the key file lives unless `--audit-key-file` says otherwise: beside an SQLite
/// database (`duban.db.audit-key`), and `duban.audit-key` in the working directory for
/// PostgreSQL, whose instances may run on several machines (each is given the same file).
pub fn default_key_path(database_url: &str) -> PathBuf {
    match crate::backup::sqlite_path(database_url) {
        Some(file) => {
            let mut name = file.as_os_str().to_owned();
            name.push(".audit-key");
            PathBuf::from(name)
        }
        None => PathBuf::from("duban.audit-key"),
    }
}

/// Where checkpoints go unless `--audit-checkpoint-dir` says otherwise: beside the key file,
/// named after it (`duban.db.audit-key` → `duban.db.audit-checkpoints`).
pub fn default_checkpoint_dir(key_file: &Path) -> PathBuf {
    let name = key_file.to_string_lossy();
    match name.strip_suffix("audit-key") {
        Some(stem) => PathBuf::from(format!("{stem}audit-checkpoints")),
        None => PathBuf::from(format!("{name}.checkpoints")),
    }
}

/// The key a store signs audit entries with, and where it writes and reads checkpoints.
#[derive(Debug, Clone)]
pub struct AuditSeal {
    pub(crate) key: AuditKey,
    pub(crate) key_file: Option<PathBuf>,
    pub(crate) checkpoint_dir: Option<PathBuf>,
    /// The key file was created by this start, so a refusal can take it back.
    created: bool,
}

impl AuditSeal {
    /// A key held in memory only, without checkpoints (tests).
    pub fn in_memory(key: AuditKey) -> AuditSeal {
        AuditSeal {
            key,
            key_file: None,
            checkpoint_dir: None,
            created: false,
        }
    }

    /// Opens the key file (creating it when `create` and it is missing) and settles the
    /// checkpoint directory (created if missing).
    pub fn open(
        key_file: &Path,
        checkpoint_dir: Option<&Path>,
        create: bool,
    ) -> Result<AuditSeal, StoreError> {
        let (key, created) = if create {
            AuditKey::load_or_create(key_file)?
        } else {
            (AuditKey::load(key_file)?, false)
        };
        let dir = checkpoint_dir
            .map(Path::to_path_buf)
            .unwrap_or_else(|| default_checkpoint_dir(key_file));
        Ok(AuditSeal {
            key,
            key_file: Some(key_file.to_path_buf()),
            checkpoint_dir: Some(dir),
            created,
        })
    }

    /// For `--audit-key-file` / `--audit-checkpoint-dir` as given (or not) on the command
    /// line, with the defaults filled in from the database URL. Checkpoints belong to one
    /// database while a key may serve several (a restore into a copy, a move to PostgreSQL),
    /// so an SQLite database keeps its checkpoints beside itself whichever key it uses.
    pub fn open_for(
        database_url: &str,
        key_file: Option<&Path>,
        checkpoint_dir: Option<&Path>,
        create: bool,
    ) -> Result<AuditSeal, StoreError> {
        let key_file = key_file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| default_key_path(database_url));
        let dir = checkpoint_dir.map(Path::to_path_buf).unwrap_or_else(|| {
            default_checkpoint_dir(&match crate::backup::sqlite_path(database_url) {
                Some(_) => default_key_path(database_url),
                None => key_file.clone(),
            })
        });
        AuditSeal::open(&key_file, Some(&dir), create)
    }

    pub fn key_file(&self) -> Option<&Path> {
        self.key_file.as_deref()
    }

    pub fn checkpoint_dir(&self) -> Option<&Path> {
        self.checkpoint_dir.as_deref()
    }

    pub fn created(&self) -> bool {
        self.created
    }

    /// Removes a key file this start created, after the database refused it: leaving a
    /// useless fresh key beside the database would only hide where the right one went.
    pub(crate) fn take_back(&self) {
        if self.created
            && let Some(f) = &self.key_file
        {
            let _ = std::fs::remove_file(f);
        }
    }

    pub(crate) fn where_from(&self) -> String {
        match &self.key_file {
            Some(f) => format!("密钥文件“{}”", f.display()),
            None => "当前密钥".into(),
        }
    }
}

tokio::task_local! {
    /// The seal of the store whose query is running. `dispatch!` sets it around every call,
    /// so `sql::audit::append` signs with the right key without every query function (and
    /// its 30-odd callers) carrying it.
    pub(crate) static SEAL: Option<Arc<AuditSeal>>;
}

/// The running store's seal, if it has one.
pub(crate) fn current_seal() -> Option<Arc<AuditSeal>> {
    SEAL.try_with(Clone::clone).ok().flatten()
}
