use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};
use duban_store::Role;

use crate::{offline, service};

const DEFAULT_DB: &str = "sqlite://duban.db";

/// `--database-url`, shared by every command that opens the database.
/// What the report says about its issue (公文 elements); the office defaults to the one the
/// source document names.
#[derive(Args, Debug, Clone, Default)]
pub struct Issuing {
    /// 发文机关.
    #[arg(long)]
    pub office: Option<String>,
    /// 成文日期 ("2023年1月10日").
    #[arg(long)]
    pub date: Option<String>,
    /// 发文字号 as printed ("沙府督办〔2023〕1号").
    #[arg(long)]
    pub number: Option<String>,
    /// 抄送机关; repeat for several.
    #[arg(long)]
    pub cc: Vec<String>,
    /// 附注: 联系人.
    #[arg(long)]
    pub contact: Option<String>,
    /// 附注: 电话.
    #[arg(long)]
    pub phone: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct Db {
    /// sqlite://FILE or postgres://USER@HOST/DB
    #[arg(long = "database-url", env = "DUBAN_DATABASE_URL", default_value = DEFAULT_DB)]
    pub url: String,
    /// The audit chain's secret key file, created (mode 0600) at first start. Default: beside
    /// an SQLite database (FILE.audit-key); ./duban.audit-key for PostgreSQL. Every instance
    /// on one database must use the same file; back it up apart from the database.
    #[arg(
        long = "audit-key-file",
        env = "DUBAN_AUDIT_KEY_FILE",
        value_name = "PATH"
    )]
    pub audit_key_file: Option<PathBuf>,
    /// Where audit head checkpoints are written and read (one directory per database).
    /// Default: beside an SQLite database (FILE.audit-checkpoints); beside the key file
    /// (duban.audit-checkpoints) for PostgreSQL.
    #[arg(
        long = "audit-checkpoint-dir",
        env = "DUBAN_AUDIT_CHECKPOINT_DIR",
        value_name = "DIR"
    )]
    pub audit_checkpoint_dir: Option<PathBuf>,
    /// Keep evidence files (佐证材料) in this directory by content hash instead of in the
    /// database (which then keeps their metadata). Backups hold the files' contents either
    /// way; a restore writes them back to this directory when it is given.
    #[arg(long = "files-dir", env = "DUBAN_FILES_DIR", value_name = "DIR")]
    pub files_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// 督查办 (the supervision office): everything.
    Admin,
    /// 领导: reads everything.
    Leader,
    /// 单位: its own unit's tasks.
    Unit,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Leader => Role::Leader,
            RoleArg::Unit => Role::Unit,
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "duban",
    version,
    about = "督办：政府工作报告重点任务督查督办系统",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Table,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum VerdictChoice {
    /// The office's verdict where the file carries one, else the machine's.
    Auto,
    /// The office's verdicts (from table titles or status columns).
    Office,
    /// The machine's verdicts.
    Machine,
}

// Parsed once at start and matched at once: the size of `Serve`'s many flags costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Analyse one ledger or report file offline (.txt/.docx/.xlsx) and print the result.
    Check {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// Judge as of this date (YYYY-MM-DD) instead of the period the title names: before a
        /// task's deadline, work behind the time elapsed is 滞后 and the rest 序时推进.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
        as_of: Option<String>,
    },
    /// Write the year-end report (.docx) and optionally the ledger (.xlsx) from a file, offline.
    Report {
        #[arg(long)]
        from: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        xlsx: Option<PathBuf>,
        /// Which verdict splits the tasks into 附件1 (unmet) and 附件2 (met).
        #[arg(long, value_enum, default_value = "auto")]
        verdicts: VerdictChoice,
        #[command(flatten)]
        issuing: Issuing,
    },
    /// Run the web service.
    Serve {
        #[command(flatten)]
        db: Db,
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        /// Load the demo plan, its reports and one account per role if the database is empty.
        #[arg(long)]
        demo: bool,
        /// Mark the session cookie Secure always (served over HTTPS directly; behind a
        /// trusted proxy that sends X-Forwarded-Proto: https it is set anyway).
        #[arg(long)]
        cookie_secure: bool,
        #[command(flatten)]
        proxy: service::ProxyArgs,
        #[command(flatten)]
        ldap: service::LdapArgs,
        /// Minutes of inactivity after which a session ends.
        #[arg(long, default_value_t = 30)]
        idle_minutes: u64,
        /// Hours after login at which a session ends however busy it is.
        #[arg(long, default_value_t = 12)]
        session_hours: u64,
        /// Largest evidence file (佐证材料) accepted, in MB.
        #[arg(long, default_value_t = 20)]
        max_file_mb: u64,
        /// Convert uploaded .doc/.wps/.et files with LibreOffice (`soffice` on the PATH)
        /// instead of asking the office to save them as .docx/.xlsx.
        #[arg(long)]
        convert_with_soffice: bool,
        #[command(flatten)]
        remind: service::RemindArgs,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: Db,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import a ledger file into the database, all or nothing.
    Import {
        file: PathBuf,
        /// The plan's name; defaults to the file's title.
        #[arg(long)]
        plan: Option<String>,
        /// Update the existing plan of that name (or the newest plan) from a newer version of
        /// its ledger: tasks keep their reports, overrides and history.
        #[arg(long)]
        update: bool,
        /// Convert a .doc/.wps/.et with LibreOffice (`soffice` on the PATH) instead of
        /// refusing it with what to save it as.
        #[arg(long)]
        convert: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Write a consistent backup of the database while it serves (portable JSON lines:
    /// restores into SQLite or PostgreSQL).
    Backup {
        out: PathBuf,
        #[command(flatten)]
        db: Db,
    },
    /// Replace the database's contents with a backup (stop every `duban serve` first).
    Restore {
        backup: PathBuf,
        #[command(flatten)]
        db: Db,
    },
    /// Audit log commands.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Evidence file commands.
    Files {
        #[command(subcommand)]
        command: FilesCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum FilesCommand {
    /// Check that every evidence file kept in the files directory is there and unaltered
    /// (its SHA-256 as stored); lists each missing or altered file and fails if any is.
    Check {
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account; the password is read from one line of stdin.
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The unit a unit account belongs to (name or alias).
        #[arg(long)]
        unit: Option<String>,
        /// Create the unit if no imported ledger names it yet.
        #[arg(long)]
        create_unit: bool,
        /// The name shown in the interface (defaults to NAME).
        #[arg(long)]
        display_name: Option<String>,
        /// Required: the password comes from stdin, never from the command line.
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Force a password change at first login.
        #[arg(long)]
        must_change: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Lift the login delay on an account now (after a stranger's wrong passwords).
    Unlock {
        name: String,
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the audit log's keyed hash chain and compare it with the checkpoints written
    /// outside the database; fails explaining what is wrong (a changed or deleted entry, a
    /// wrong key file, a truncation a checkpoint proves).
    Verify {
        #[command(flatten)]
        db: Db,
    },
}

/// Refuses anything but a real "YYYY-MM-DD" date at parse time, so the message names the flag.
fn parse_as_of(s: &str) -> std::result::Result<String, String> {
    duban_model::ymd_opt::parse(s)
        .map(|_| s.trim().to_string())
        .ok_or_else(|| format!("不是有效日期（YYYY-MM-DD）：{s}"))
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Check {
            file,
            format,
            as_of,
        } => offline::check(&file, format, as_of.as_deref()),
        Command::Report {
            from,
            out,
            xlsx,
            verdicts,
            issuing,
        } => offline::report(&from, &out, xlsx.as_deref(), verdicts, &issuing),
        Command::Serve {
            db,
            bind,
            demo,
            cookie_secure,
            proxy,
            ldap,
            idle_minutes,
            session_hours,
            max_file_mb,
            convert_with_soffice,
            remind,
        } => service::serve(service::ServeArgs {
            db,
            bind,
            demo,
            cookie_secure,
            proxy,
            ldap,
            idle_minutes,
            session_hours,
            max_file_mb,
            convert_with_soffice,
            remind,
        }),
        Command::Migrate { db } => service::migrate(&db),
        Command::User {
            command:
                UserCommand::Add {
                    name,
                    role,
                    unit,
                    create_unit,
                    display_name,
                    password_stdin: _,
                    must_change,
                    db,
                },
        } => service::user_add(service::UserAddArgs {
            db,
            name,
            display_name,
            role: role.into(),
            unit,
            create_unit,
            must_change,
        }),
        Command::User {
            command: UserCommand::Unlock { name, db },
        } => service::user_unlock(&db, &name),
        Command::Import {
            file,
            plan,
            update,
            convert,
            db,
        } => service::import(&db, &file, plan.as_deref(), update, convert),
        Command::Backup { out, db } => service::backup(&db, &out),
        Command::Restore { backup, db } => service::restore(&db, &backup),
        Command::Audit {
            command: AuditCommand::Verify { db },
        } => service::audit_verify(&db),
        Command::Files {
            command: FilesCommand::Check { db },
        } => service::files_check(&db),
    }
}
