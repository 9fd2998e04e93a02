//! `duban` — the command line: check and report offline, run and administer the service.
//!
//! Every command exits 0 on success and non-zero with one line on stderr otherwise
//! (see `shared/contracts/cli-and-api.md`).
#![forbid(unsafe_code)]

mod check_json;
mod cli;
mod offline;
mod service;
mod table_fmt;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        // `duban check … | head` closes the pipe early; that is the reader's choice, not a failure.
        Err(e)
            if e.chain().any(|c| {
                let kind = c
                    .downcast_ref::<std::io::Error>()
                    .map(std::io::Error::kind)
                    .or_else(|| {
                        c.downcast_ref::<serde_json::Error>()
                            .and_then(serde_json::Error::io_error_kind)
                    });
                kind == Some(std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            // One line: the chain of causes joined, so scripts can log it whole.
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("duban: {msg}");
            ExitCode::FAILURE
        }
    }
}
