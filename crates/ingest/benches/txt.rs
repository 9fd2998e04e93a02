//! Parsing the seed report (plain text, 80 KB, 126 tasks): the goal is ≤ 5 ms.
use criterion::{Criterion, criterion_group, criterion_main};
use duban_ingest::{Limits, read_bytes};

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/seed/000_ecbc4a422a46c8e6.txt"
);

fn seed_txt(c: &mut Criterion) {
    let Ok(bytes) = std::fs::read(SEED) else {
        eprintln!("note: seed {SEED} not readable; nothing to measure");
        return;
    };
    let limits = Limits::default();
    c.bench_function("seed_txt_read_bytes", |b| {
        b.iter(|| {
            let l = read_bytes("seed.txt", std::hint::black_box(&bytes), &limits);
            std::hint::black_box(l.map(|l| l.tasks.len()).unwrap_or(0))
        })
    });
}

criterion_group!(benches, seed_txt);
criterion_main!(benches);
