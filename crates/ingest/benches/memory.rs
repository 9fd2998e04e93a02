//! Peak memory of reading a generated 10,000-row .docx and 50,000-row .xlsx, against the
//! file size (goal: ≤ 10×).
//!
//! Generating the files costs far more memory than reading them, and a process's peak
//! (VmHWM) never goes down, so the files are written to a temporary directory first and
//! each is read by a fresh child process of this same binary, which reports its own peak.
//!
//! Two rows per file: `read_path` is the whole pipeline from disk (file → grid → ledger);
//! `read_raw` is the reader alone on the file's bytes in memory (as an upload arrives), so
//! its peak includes the file itself.
#[path = "../tests/it/fixtures/mod.rs"]
mod fixtures;

use std::path::{Path, PathBuf};
use std::process::Command;

use duban_ingest::{Limits, read_path};

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The total size of the zip's entries once inflated: what a reader actually parses.
fn inflated(path: &Path) -> u64 {
    let Ok(bytes) = std::fs::read(path) else {
        return 0;
    };
    let Ok(mut z) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return 0;
    };
    (0..z.len())
        .filter_map(|i| z.by_index(i).ok().map(|f| f.size()))
        .sum()
}

/// Reads one file and prints: rows, path, peak before, peak after (KiB). With `raw`, only
/// the reader runs (the grid, no ledger), to show the reader's share of the peak.
fn child(path: &Path, raw: bool) {
    let before = vm_hwm_kib().unwrap_or(0);
    let rows = if raw {
        let bytes = std::fs::read(path).expect("the generated file");
        let name = path.display().to_string();
        let format = duban_ingest::format_of(&name).expect("known extension");
        let doc = duban_ingest::read_raw(&name, format, &bytes, &Limits::default())
            .expect("the generated file reads");
        doc.blocks
            .iter()
            .map(|b| match b {
                duban_ingest::grid::Block::Table(t) => t.rows.len().saturating_sub(2),
                duban_ingest::grid::Block::Para(_) => 0,
            })
            .sum::<usize>()
    } else {
        let ledger = read_path(path, &Limits::default()).expect("the generated file reads");
        ledger.tasks.len()
    };
    let after = vm_hwm_kib().unwrap_or(0);
    println!("{rows} {} {before} {after}", path.display());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--read" || a == "--read-raw") {
        if let Some(p) = args.get(i + 1) {
            child(Path::new(p), args.get(i).is_some_and(|a| a == "--read-raw"));
        }
        return;
    }
    // `--write DIR` only writes the files and keeps them, to profile one read by hand
    // (`heaptrack memory-… --read DIR/seedtext-10000.docx`).
    let keep = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    // cargo bench passes --bench; anything else (a filter) is ignored: there is one run.
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("duban-ingest-memory-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut files: Vec<(PathBuf, usize)> = {
        let (l10, p10) = fixtures::ledger::generated(10_000);
        let docx = dir.join("demo-10000.docx");
        std::fs::write(&docx, fixtures::ledger::docx(&l10, &p10)).expect("write docx");
        drop(l10);
        let (l50, _) = fixtures::ledger::generated(50_000);
        let xlsx = dir.join("demo-50000.xlsx");
        std::fs::write(&xlsx, fixtures::ledger::xlsx(&l50)).expect("write xlsx");
        vec![(docx, 10_000), (xlsx, 50_000)]
    };
    // The same sizes in the real report's text, which compresses as real ledgers do.
    if let Some(bytes) = fixtures::seed_bytes() {
        let seed = duban_ingest::read_bytes("seed.txt", &bytes, &Limits::default())
            .expect("the seed reads");
        let (l10, p10) = fixtures::ledger::seed_cycled(&seed, 10_000);
        let docx = dir.join("seedtext-10000.docx");
        std::fs::write(&docx, fixtures::ledger::docx(&l10, &p10)).expect("write docx");
        drop(l10);
        let (l50, _) = fixtures::ledger::seed_cycled(&seed, 50_000);
        let xlsx = dir.join("seedtext-50000.xlsx");
        std::fs::write(&xlsx, fixtures::ledger::xlsx(&l50)).expect("write xlsx");
        files.push((docx, 10_000));
        files.push((xlsx, 50_000));
    }
    if keep.is_some() {
        for (path, rows) in &files {
            println!("{rows} rows: {}", path.display());
        }
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    println!(
        "file                      what        rows     size(MB)  inflated(MB)  peak RSS(MB)  peak/size  peak/inflated  reading(MB)"
    );
    for ((path, rows), mode) in files
        .iter()
        .flat_map(|f| [(f, "--read-raw"), (f, "--read")])
    {
        let out = Command::new(&exe)
            .arg(mode)
            .arg(path)
            .output()
            .expect("child runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let fields: Vec<&str> = text.split_whitespace().collect();
        let (Some(tasks), Some(before), Some(after)) = (
            fields.first().and_then(|v| v.parse::<usize>().ok()),
            fields.get(2).and_then(|v| v.parse::<u64>().ok()),
            fields.get(3).and_then(|v| v.parse::<u64>().ok()),
        ) else {
            eprintln!(
                "child failed: {text} {}",
                String::from_utf8_lossy(&out.stderr)
            );
            continue;
        };
        // The raw count is rows minus the header (and the title row of a sheet): close enough
        // to check the right file was read.
        assert!(tasks.abs_diff(*rows) <= 1, "{tasks} rows read of {rows}");
        let what = if mode == "--read" {
            "read_path"
        } else {
            "read_raw"
        };
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(1) as f64;
        let peak = after as f64 * 1024.0;
        let xml = inflated(path) as f64;
        println!(
            "{:<25} {what:<10}  {rows:<8} {:>8.1}  {:>12.1}  {:>12.1}  {:>8.1}×  {:>12.2}×  {:>10.1}",
            path.file_name().and_then(|n| n.to_str()).unwrap_or(""),
            size / 1e6,
            xml / 1e6,
            peak / 1e6,
            peak / size,
            peak / xml.max(1.0),
            (after.saturating_sub(before)) as f64 * 1024.0 / 1e6,
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
