use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};

use crate::offline;

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

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Analyse one ledger or report file offline (.txt/.docx/.xlsx) and print the result.
    Check {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
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
    },
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Check { file, format } => offline::check(&file, format),
        Command::Report {
            from,
            out,
            xlsx,
            verdicts,
        } => offline::report(&from, &out, xlsx.as_deref(), verdicts),
    }
}
