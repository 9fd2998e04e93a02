//! Year-end report and .xlsx export times on generated ledgers.
//!
//!     cargo bench -p duban-docs --bench report
//!
//! Goals: a 131-task report within 100 ms, a 10,000-task report within 3 s.
use criterion::{Criterion, criterion_group, criterion_main};
use duban_docs::{ReportOptions, ledger_xlsx, year_end_report};
use std::hint::black_box;

#[path = "../tests/it/fixtures.rs"]
mod fixtures;

fn bench(c: &mut Criterion) {
    let small = fixtures::sample_ledger(11, 120);
    let opts = ReportOptions::for_ledger(&small);
    c.bench_function("year_end_report/131", |b| {
        b.iter(|| year_end_report(black_box(&small), &opts).map(|v| v.len()))
    });
    c.bench_function("ledger_xlsx/131", |b| {
        b.iter(|| ledger_xlsx(black_box(&small)).map(|v| v.len()))
    });

    let large = fixtures::sample_ledger(800, 9_200);
    let mut g = c.benchmark_group("large");
    g.sample_size(10);
    g.bench_function("year_end_report/10000", |b| {
        b.iter(|| year_end_report(black_box(&large), &opts).map(|v| v.len()))
    });
    g.bench_function("ledger_xlsx/10000", |b| {
        b.iter(|| ledger_xlsx(black_box(&large)).map(|v| v.len()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
