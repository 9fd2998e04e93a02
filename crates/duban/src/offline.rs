//! Commands that work on one file without any database.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use duban_ingest::Limits;
use duban_model::Ledger;

use crate::cli::{Format, Issuing, VerdictChoice};
use crate::{check_json, table_fmt};

/// Reads and assesses a ledger file; errors already name the file and the place.
pub fn load(path: &Path) -> Result<Ledger> {
    let mut ledger = duban_ingest::read_path(path, &Limits::default())?;
    duban_assess::assess_ledger(&mut ledger);
    Ok(ledger)
}

/// `duban check`: `as_of` (from `--as-of`) replaces the date the document's title names.
pub fn check(path: &Path, format: Format, as_of: Option<&str>) -> Result<()> {
    let ledger = match as_of.and_then(duban_model::ymd_opt::parse) {
        None => load(path)?,
        Some(d) => {
            let mut ledger = duban_ingest::read_path(path, &Limits::default())?;
            ledger.as_of = Some(d);
            duban_assess::assess_ledger(&mut ledger);
            ledger
        }
    };
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &check_json::document(&ledger))?;
            writeln!(out)?;
        }
        Format::Table => out.write_all(table_fmt::render(&ledger).as_bytes())?,
    }
    Ok(())
}

pub fn report(
    from: &Path,
    out: &Path,
    xlsx: Option<&Path>,
    verdicts: VerdictChoice,
    issuing: &Issuing,
) -> Result<()> {
    let ledger = load(from)?;
    // The report prints the counts of the rows it lists; where the source claimed others
    // ("131项" and 126 listed), the office must hear it before sending the report on.
    for line in count_warnings(&ledger) {
        eprintln!("{line}");
    }
    let source = match verdicts {
        VerdictChoice::Auto if ledger.tasks.iter().any(|t| t.office_verdict.is_some()) => {
            duban_docs::VerdictSource::Office
        }
        VerdictChoice::Auto => duban_docs::VerdictSource::Machine,
        VerdictChoice::Office => duban_docs::VerdictSource::Office,
        VerdictChoice::Machine => duban_docs::VerdictSource::Machine,
    };
    let defaults = duban_docs::ReportOptions::for_ledger(&ledger);
    let opts = duban_docs::ReportOptions {
        verdict_source: source,
        office: issuing.office.clone().or(defaults.office.clone()),
        date: issuing.date.clone(),
        issuing: duban_docs::Issuing {
            number: issuing.number.clone(),
            cc: issuing.cc.clone(),
            contact: issuing.contact.clone(),
            phone: issuing.phone.clone(),
            ..duban_docs::Issuing::default()
        },
        ..defaults
    };
    let docx = duban_docs::year_end_report(&ledger, &opts)?;
    write_atomically(out, &docx)?;
    if let Some(x) = xlsx {
        let bytes = duban_docs::ledger_xlsx(&ledger)?;
        write_atomically(x, &bytes)?;
    }
    Ok(())
}

/// One line per count the source claims and its tables do not list.
pub fn count_warnings(ledger: &Ledger) -> Vec<String> {
    ledger
        .warnings
        .iter()
        .filter(|w| w.code == duban_model::WarningCode::ClaimedCountMismatch)
        .map(|w| {
            format!(
                "警告：{}（{}）：{}；报告按实际列出的任务计数",
                ledger.source, w.location, w.message
            )
        })
        .collect()
}

/// Writes via a temporary file and a rename, so a crash never leaves half a document.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).with_context(|| format!("{}: 无法写入", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("{}: 无法写入", path.display()))?;
    Ok(())
}
