//! The bounded fuzz run: every reader (.txt, .docx, .xlsx, .xls through `read_bytes`) and the
//! grid → ledger builder fed generated inputs, none may panic, and none may make the reader
//! allocate past what the limits allow.
//!
//! Inputs are structured so they get past "not a zip": mutated slices of the real seed text
//! and of generated ledgers, valid packages (.docx/.xlsx made here from a generated ledger and
//! from hand-written XML) with their XML parts mutated and re-zipped, the same packages
//! bit-flipped and truncated, zip bombs just past the entry limit, and random grids.
//! A fixed-seed generator of our own makes every run the same, so a failure names the case
//! that reproduces it (`DUBAN_FUZZ_FROM`).
//!
//! `cargo test` runs a few thousand inputs. The CI step runs a million:
//! `DUBAN_FUZZ_INPUTS=1000000 cargo test --release -p duban-ingest --test fuzz`.
//!
//! This test binary is the workspace's one use of `unsafe`: a global allocator that forwards
//! to the system's and counts live bytes, to measure each input's peak. `GlobalAlloc` is an
//! unsafe trait, so there is no safe way to write one; the library crates keep
//! `#![forbid(unsafe_code)]`. It lives in its own test binary (harness off, one thread) so
//! the counts belong to the input being read and to nothing else.
#[path = "../it/fixtures/mod.rs"]
mod fixtures;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use duban_ingest::grid::{Block, RawCell, RawDoc, RawRow, RawTable};
use duban_ingest::{IngestError, Limits, build_owned, read_bytes};
use duban_model::SourceFormat;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call forwards to `System` with the caller's arguments unchanged; the
// counters are atomics and never affect what is returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is; `ptr` came from this allocator, i.e. from `System`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `realloc`'s contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            let live = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The limits the run reads under: small, so bombs are cheap to make and the bound matters.
const LIMITS: Limits = Limits {
    max_file_bytes: 256 * 1024,
    max_entry_bytes: 1024 * 1024,
};

/// The most one input may allocate at its peak. A reader streams each zip entry (inflated
/// up to `max_entry_bytes`) and keeps the text it finds, whose grid, cleaned copy and ledger
/// are each at most about the entry's size; quick-xml's buffers and the zip directory add a
/// little. Four times the entry limit plus 64 times the input is generous for all of that,
/// and far below what reading an unbounded bomb would take.
fn budget(input_len: usize) -> usize {
    4 * LIMITS.max_entry_bytes as usize + 64 * input_len + (1 << 20)
}

/// xorshift64*: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Tokens the readers look for, so mutations make near-misses rather than noise.
const TEXT_TOKENS: &[&str] = &[
    "附件1",
    "附件2",
    "序号",
    "具体任务",
    "重点任务",
    "牵头单位",
    "责任单位",
    "配合单位",
    "完成情况",
    "进展情况",
    "未完成",
    "已完成",
    "项",
    "、",
    "，",
    "。",
    "：",
    "（",
    "）",
    "%",
    "亿元",
    "万人",
    "\t",
    "\n",
    "\r\n",
    "　",
    " ",
    "|",
    "1",
    "2",
    "15",
    "100",
    "2022年",
    "12月底",
    "区科技局",
    "各镇街",
    "一、",
    "（一）",
    "1.",
    "\u{feff}",
    "\u{0}",
    "\u{ff0c}",
];

const XML_TOKENS: &[&str] = &[
    "<",
    ">",
    "/>",
    "</",
    "=",
    "\"",
    "&amp;",
    "&#x0;",
    "&#65535;",
    "&",
    ";",
    "<w:tc>",
    "</w:tc>",
    "<w:tr>",
    "</w:tr>",
    "<w:p>",
    "</w:p>",
    "<w:t>",
    "</w:t>",
    "<w:gridSpan w:val=\"9999\"/>",
    "<w:vMerge/>",
    "<w:vMerge w:val=\"restart\"/>",
    "<w:tblHeader/>",
    "<w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr>",
    "<w:del>",
    "<w:ins>",
    "<w:br/>",
    "<c r=\"XFD1048576\">",
    "<c r=\"A0\">",
    "t=\"s\"",
    "t=\"inlineStr\"",
    "<v>4294967296</v>",
    "<v>-1</v>",
    "<v>1e308</v>",
    "<mergeCell ref=\"A1:XFD1048576\"/>",
    "<row r=\"0\">",
    "<row r=\"99999999\">",
    "<si><t>",
    "</t></si>",
    "r:id=\"rId9\"",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<?xml",
    "xmlns:w=\"x\"",
    "序号",
    "牵头单位",
    "附件1",
];

fn mutate(rng: &mut Rng, mut bytes: Vec<u8>, tokens: &[&str]) -> Vec<u8> {
    for _ in 0..=rng.below(6) {
        let len = bytes.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                bytes[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                bytes[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(len + 1);
                let t = rng.pick(tokens).as_bytes();
                bytes.splice(i..i, t.iter().copied());
            }
            3 if len > 0 => {
                let a = rng.below(len);
                let b = (a + rng.below(64)).min(len);
                bytes.drain(a..b);
            }
            4 if len > 0 => {
                let a = rng.below(len);
                let b = (a + rng.below(256)).min(len);
                let copy = bytes[a..b].to_vec();
                let at = rng.below(len + 1);
                bytes.splice(at..at, copy);
            }
            5 => {
                let cut = rng.below(len + 1);
                bytes.truncate(cut);
            }
            _ => {
                let i = rng.below(len + 1);
                let t = rng.pick(tokens).repeat(1 + rng.below(40));
                bytes.splice(i..i, t.into_bytes());
            }
        }
    }
    bytes
}

/// Zips parts without compression: re-zipping a mutated part per input must be cheap.
fn zip_stored(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in parts {
        w.start_file(name.as_str(), opts).expect("zip entry");
        w.write_all(data).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a valid package");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).expect("entry");
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut data).expect("entry data");
            (f.name().to_string(), data)
        })
        .collect()
}

/// A deflated entry that inflates to just past the entry limit: the reader must stop.
fn bomb(kind: SourceFormat, parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let target = match kind {
        SourceFormat::Xlsx => "xl/sharedStrings.xml",
        _ => "word/document.xml",
    };
    let filler = "<w:p><w:r><w:t>序号</w:t></w:r></w:p>"
        .repeat(LIMITS.max_entry_bytes as usize / 40 + 1024)
        .into_bytes();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in parts {
        w.start_file(name.as_str(), opts).expect("zip entry");
        if name == target {
            w.write_all(&filler).expect("zip write");
        } else {
            w.write_all(data).expect("zip write");
        }
    }
    w.finish().expect("zip finish").into_inner()
}

struct Corpus {
    texts: Vec<Vec<u8>>,
    docx: Vec<Vec<(String, Vec<u8>)>>,
    xlsx: Vec<Vec<(String, Vec<u8>)>>,
    whole: Vec<(SourceFormat, Vec<u8>)>,
    bombs: Vec<(SourceFormat, Vec<u8>)>,
}

fn corpus() -> Corpus {
    use fixtures::wml::{Docx, para, row, table, text_cell};
    let (ledger, parts) = fixtures::ledger::generated(12);
    let generated_docx = fixtures::ledger::docx(&ledger, &parts);
    let generated_xlsx = fixtures::ledger::xlsx(&ledger);
    let mut small = Docx::default();
    small.push(&para("附件1"));
    small.push(&table(&[
        row(
            true,
            &[
                text_cell("序号"),
                text_cell("具体任务"),
                text_cell("牵头单位"),
            ],
        ),
        row(
            false,
            &[text_cell("1"), text_cell("任务"), text_cell("区科技局")],
        ),
    ]));
    let small_docx = small.bytes();
    let small_xlsx = fixtures::xlsx::package(
        &[(
            "表",
            r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row><row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>建成江山公园</t></is></c><c r="C2" t="inlineStr"><is><t>区住建委</t></is></c></row><row r="3"><c r="A3"><v>2</v></c><c r="B3" t="inlineStr"><is><t>新增就业1.5万人</t></is></c><c r="C3"/></row></sheetData><mergeCells><mergeCell ref="C2:C3"/></mergeCells>"#,
        )],
        Some("<si><t>序号</t></si><si><t>具体任务</t></si><si><t>牵头单位</t></si>"),
        None,
    );
    // Text: the seed (when present) cut into windows, and a generated ledger as text.
    let mut texts = Vec::new();
    if let Some(seed) = fixtures::seed_bytes() {
        for chunk in seed.chunks(6 * 1024) {
            texts.push(chunk.to_vec());
        }
    }
    let mut txt = String::from(
        "关于2022年重点任务完成情况的报告\n附件1\n序号\t具体任务\t牵头单位\t完成情况\n",
    );
    for t in &ledger.tasks {
        txt.push_str(&format!(
            "{}\t{}\t区科技局\t{}\n",
            t.row, t.text, t.progress
        ));
    }
    texts.push(txt.into_bytes());
    let docx = vec![unzip(&generated_docx), unzip(&small_docx)];
    let xlsx = vec![unzip(&generated_xlsx), unzip(&small_xlsx)];
    let bombs = vec![
        (SourceFormat::Docx, bomb(SourceFormat::Docx, &docx[1])),
        (SourceFormat::Xlsx, bomb(SourceFormat::Xlsx, &xlsx[1])),
    ];
    let whole = vec![
        (SourceFormat::Docx, generated_docx),
        (SourceFormat::Docx, small_docx),
        (SourceFormat::Xlsx, generated_xlsx),
        (SourceFormat::Xlsx, small_xlsx),
        // Excel 97-2003 (BIFF in a compound file), made by LibreOffice from the tests' own
        // generated ledger (tests/it/fixtures/legacy/make.sh).
        (
            SourceFormat::Xls,
            include_bytes!("../it/fixtures/legacy/ledger.xls").to_vec(),
        ),
    ];
    Corpus {
        texts,
        docx,
        xlsx,
        whole,
        bombs,
    }
}

fn name_of(format: SourceFormat) -> &'static str {
    match format {
        SourceFormat::Txt => "fuzz.txt",
        SourceFormat::Docx => "fuzz.docx",
        SourceFormat::Xlsx => "fuzz.xlsx",
        SourceFormat::Xls => "fuzz.xls",
    }
}

/// A random grid for the builder: tables with headers, spans, merges and numbering.
fn grid(rng: &mut Rng) -> RawDoc {
    let mut blocks = Vec::new();
    for _ in 0..rng.below(5) {
        let mut text = String::new();
        for _ in 0..rng.below(6) {
            text.push_str(rng.pick::<&str>(TEXT_TOKENS));
        }
        blocks.push(Block::Para(text));
    }
    for t in 0..1 + rng.below(3) {
        let cols = 1 + rng.below(8);
        let mut rows = Vec::new();
        for r in 0..rng.below(12) {
            let mut cells = Vec::new();
            for _ in 0..cols {
                let mut text = String::new();
                for _ in 0..rng.below(4) {
                    text.push_str(rng.pick::<&str>(TEXT_TOKENS));
                }
                cells.push(RawCell {
                    text,
                    span: if rng.chance(8) { rng.below(12) } else { 1 },
                    merged_from_above: rng.chance(6),
                    auto_number: rng.chance(5).then(|| rng.next() as u32 % 200),
                });
            }
            rows.push(RawRow {
                cells,
                is_header: rng.chance(4),
                source_row: r + 1,
            });
        }
        blocks.push(Block::Table(RawTable {
            name: format!("表{}", t + 1),
            rows,
        }));
        if rng.chance(2) {
            blocks.push(Block::Para(rng.pick(TEXT_TOKENS).to_string()));
        }
    }
    RawDoc {
        blocks,
        notes: Vec::new(),
    }
}

#[derive(Default)]
struct Tally {
    inputs: u64,
    read_ok: u64,
    max_peak: usize,
    max_peak_case: u64,
}

/// Reports a failure with the default panic hook back in place (the run silences it while
/// readers may panic, so that only this message shows).
fn fail(msg: String) -> ! {
    drop(std::panic::take_hook());
    panic!("{msg}");
}

/// Runs one input through `f`, checking no panic and the allocation bound.
fn check<T>(
    tally: &mut Tally,
    case: u64,
    what: &str,
    input_len: usize,
    f: impl FnOnce() -> Result<T, IngestError>,
) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    tally.inputs += 1;
    match outcome {
        Err(payload) => {
            let why = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            fail(format!(
                "case {case} ({what}, {input_len} bytes) panicked ({why}); rerun with DUBAN_FUZZ_FROM={case} DUBAN_FUZZ_INPUTS=1"
            ))
        }
        Ok(Ok(_)) => tally.read_ok += 1,
        Ok(Err(_)) => {}
    }
    if peak > budget(input_len) {
        fail(format!(
            "case {case} ({what}, {input_len} bytes) allocated {peak} bytes at its peak, over the bound {}",
            budget(input_len)
        ));
    }
    if peak > tally.max_peak {
        tally.max_peak = peak;
        tally.max_peak_case = case;
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo test -- --list` and filters: this binary is one test, always run whole.
    if std::env::args().any(|a| a == "--list") {
        println!("fuzz: test");
        return;
    }
    let inputs = env_u64("DUBAN_FUZZ_INPUTS", 4000);
    let from = env_u64("DUBAN_FUZZ_FROM", 0);
    let corpus = corpus();
    // The corpus itself reads (so mutations start from files that reach deep code).
    for (format, bytes) in &corpus.whole {
        read_bytes(name_of(*format), bytes, &LIMITS).expect("a valid corpus package reads");
    }
    // Panics are caught per case and reported with the case number; keep the default
    // hook's message off stderr for the ones a reader might raise before we report.
    std::panic::set_hook(Box::new(|_| {}));
    let start = Instant::now();
    let mut tally = Tally::default();
    let mut case = from;
    while tally.inputs < inputs {
        // Each case's generator is seeded by its number, so one case replays alone.
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ case.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
        match case % 8 {
            0 | 1 => {
                let base = rng.pick(&corpus.texts).clone();
                let input = mutate(&mut rng, base, TEXT_TOKENS);
                check(&mut tally, case, "txt", input.len(), || {
                    read_bytes("fuzz.txt", &input, &LIMITS)
                });
            }
            2 | 3 => {
                let (pkgs, format, key) = if case % 8 == 2 {
                    (&corpus.docx, SourceFormat::Docx, "word/document.xml")
                } else {
                    (&corpus.xlsx, SourceFormat::Xlsx, "xl/")
                };
                let mut parts = rng.pick(pkgs).clone();
                // Mostly the main XML part; sometimes any part (rels, workbook, styles).
                let candidates: Vec<usize> = (0..parts.len())
                    .filter(|&i| rng.chance(4) || parts[i].0.starts_with(key))
                    .collect();
                let i = if candidates.is_empty() {
                    rng.below(parts.len())
                } else {
                    *rng.pick(&candidates)
                };
                let data = std::mem::take(&mut parts[i].1);
                parts[i].1 = mutate(&mut rng, data, XML_TOKENS);
                if rng.chance(20) {
                    parts.remove(rng.below(parts.len()));
                }
                let input = zip_stored(&parts);
                check(&mut tally, case, name_of(format), input.len(), || {
                    read_bytes(name_of(format), &input, &LIMITS)
                });
            }
            4 | 5 => {
                // Whole packages, bit-flipped or truncated (zip structure, checksums,
                // deflate streams), and sometimes read as the other format or as text.
                let (format, base) = rng.pick(&corpus.whole);
                let input = mutate(
                    &mut rng,
                    base.clone(),
                    &["PK\u{3}\u{4}", "PK\u{1}\u{2}", "PK\u{5}\u{6}"],
                );
                let format = match rng.below(7) {
                    0 => SourceFormat::Txt,
                    1 => SourceFormat::Docx,
                    2 => SourceFormat::Xlsx,
                    3 => SourceFormat::Xls,
                    _ => *format,
                };
                check(&mut tally, case, name_of(format), input.len(), || {
                    read_bytes(name_of(format), &input, &LIMITS)
                });
            }
            6 => {
                let doc = grid(&mut rng);
                // A grid has no file size; its bound is that of a 4 KiB file, which a grid of
                // at most 3 tables of 12 rows of 8 short cells stays within.
                check(&mut tally, case, "grid", 4096, || {
                    build_owned(doc, "fuzz-grid", SourceFormat::Docx)
                });
            }
            _ => {
                if rng.chance(64) {
                    // Bombs: refused at the entry limit, never read whole.
                    let (format, input) = rng.pick(&corpus.bombs);
                    let mut refused = false;
                    check(&mut tally, case, "bomb", input.len(), || {
                        let r = read_bytes(name_of(*format), input, &LIMITS);
                        refused = matches!(r, Err(IngestError::InflateLimit { .. }));
                        r
                    });
                    if !refused {
                        fail(format!(
                            "case {case}: a bomb past the entry limit was not refused"
                        ));
                    }
                } else {
                    let len = rng.below(2048);
                    let input: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                    let format =
                        *rng.pick(&[SourceFormat::Txt, SourceFormat::Docx, SourceFormat::Xlsx]);
                    check(&mut tally, case, "random", input.len(), || {
                        read_bytes(name_of(format), &input, &LIMITS)
                    });
                }
            }
        }
        case += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "fuzz: {} inputs (cases {from}..{case}) in {secs:.1} s, {:.0} inputs/s; {} read as ledgers; no panic; largest peak {} KiB (case {}), bound {} KiB for the largest input",
        tally.inputs,
        tally.inputs as f64 / secs.max(1e-9),
        tally.read_ok,
        tally.max_peak / 1024,
        tally.max_peak_case,
        budget(LIMITS.max_file_bytes as usize) / 1024,
    );
}
