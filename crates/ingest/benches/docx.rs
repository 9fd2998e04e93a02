//! Reading a generated 10,000-row Word ledger (auto-numbered rows, merged sections):
//! the goal is ≤ 1.5 s for `read_bytes`.
#[path = "../tests/it/fixtures/mod.rs"]
mod fixtures;

use criterion::{Criterion, criterion_group, criterion_main};
use duban_ingest::{Limits, read_bytes, read_raw};
use duban_model::SourceFormat;

const ROWS: usize = 10_000;

fn docx(c: &mut Criterion) {
    let (ledger, parts) = fixtures::ledger::generated(ROWS);
    let bytes = fixtures::ledger::docx(&ledger, &parts);
    eprintln!("docx: {ROWS} rows, {} bytes", bytes.len());
    let limits = Limits::default();
    let check = read_bytes("bench.docx", &bytes, &limits).expect("the generated docx reads");
    assert_eq!(check.tasks.len(), ROWS);
    let mut group = c.benchmark_group("docx");
    group.sample_size(10);
    group.bench_function("read_bytes_10000_rows", |b| {
        b.iter(|| {
            let l = read_bytes("bench.docx", std::hint::black_box(&bytes), &limits);
            std::hint::black_box(l.map(|l| l.tasks.len()).unwrap_or(0))
        })
    });
    group.bench_function("read_raw_10000_rows", |b| {
        b.iter(|| {
            let d = read_raw(
                "bench.docx",
                SourceFormat::Docx,
                std::hint::black_box(&bytes),
                &limits,
            );
            std::hint::black_box(d.map(|d| d.blocks.len()).unwrap_or(0))
        })
    });
    group.finish();
}

criterion_group!(benches, docx);
criterion_main!(benches);
