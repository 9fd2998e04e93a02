//! Renders the year-end report (.docx), the ledger (.xlsx) and a sample bulletin (.docx).
//!
//!     cargo run -p duban-docs --example render -- OUT_DIR [LEDGER.json] [--machine]
//!
//! LEDGER.json is a serialised `duban_model::Ledger`; without it a 131-task ledger shaped like
//! the sample is generated. `--machine` splits by the machine's verdicts instead of the office's.
use anyhow::Context;
use duban_docs::{ReportOptions, VerdictSource};

#[path = "../tests/it/fixtures.rs"]
mod fixtures;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let machine = args.iter().any(|a| a == "--machine");
    let pos: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let out = std::path::PathBuf::from(pos.first().map(|s| s.as_str()).unwrap_or("target/render"));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let ledger = match pos.get(1) {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading {p}"))?;
            serde_json::from_str(&text).with_context(|| format!("parsing {p}"))?
        }
        None => fixtures::sample_ledger(11, 120),
    };
    let mut opts = ReportOptions::for_ledger(&ledger);
    if machine {
        opts.verdict_source = VerdictSource::Machine;
    }
    opts.office = Some("重庆市沙坪坝区人民政府督查办".into());
    opts.date = Some("2023年1月10日".into());
    let docx = duban_docs::year_end_report(&ledger, &opts)?;
    std::fs::write(out.join("report.docx"), docx)?;
    let counts = duban_docs::report_counts(&ledger, opts.verdict_source);
    println!(
        "{{\"total\": {}, \"met\": {}, \"not_met\": {}, \"pending\": {}}}",
        counts.total, counts.met, counts.not_met, counts.pending
    );
    Ok(())
}
