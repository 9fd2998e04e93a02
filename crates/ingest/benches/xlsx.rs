//! Reading a generated 50,000-row workbook (merged title, merged sections): the goal is
//! ≤ 2 s for `read_bytes`.
#[path = "../tests/it/fixtures/mod.rs"]
mod fixtures;

use criterion::{Criterion, criterion_group, criterion_main};
use duban_ingest::{Limits, read_bytes, read_raw};
use duban_model::SourceFormat;

const ROWS: usize = 50_000;

fn xlsx(c: &mut Criterion) {
    let (ledger, _) = fixtures::ledger::generated(ROWS);
    let bytes = fixtures::ledger::xlsx(&ledger);
    eprintln!("xlsx: {ROWS} rows, {} bytes", bytes.len());
    let limits = Limits::default();
    let check = read_bytes("bench.xlsx", &bytes, &limits).expect("the generated xlsx reads");
    assert_eq!(check.tasks.len(), ROWS);
    let mut group = c.benchmark_group("xlsx");
    group.sample_size(10);
    group.bench_function("read_bytes_50000_rows", |b| {
        b.iter(|| {
            let l = read_bytes("bench.xlsx", std::hint::black_box(&bytes), &limits);
            std::hint::black_box(l.map(|l| l.tasks.len()).unwrap_or(0))
        })
    });
    group.bench_function("read_raw_50000_rows", |b| {
        b.iter(|| {
            let d = read_raw(
                "bench.xlsx",
                SourceFormat::Xlsx,
                std::hint::black_box(&bytes),
                &limits,
            );
            std::hint::black_box(d.map(|d| d.blocks.len()).unwrap_or(0))
        })
    });
    group.finish();
}

criterion_group!(benches, xlsx);
criterion_main!(benches);
