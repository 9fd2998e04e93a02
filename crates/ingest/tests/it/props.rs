//! Arbitrary grids and texts made of ledger-like pieces: the builder and the .txt reader
//! never panic, and what they return keeps its invariants.
use duban_ingest::grid::{Block, RawCell, RawDoc, RawRow, RawTable};
use duban_ingest::{IngestError, Limits, build, read_bytes};
use duban_model::SourceFormat;
use proptest::prelude::*;

const PIECES: &[&str] = &[
    "",
    "序号",
    "具体任务",
    "牵头单位",
    "配合单位",
    "完成情况",
    "1-6月推进情况",
    "是否完成",
    "否",
    "1",
    "2",
    "7",
    "区科技局\n（区招商中心）",
    "科学城建设\n领导小组成员单位",
    "各镇街",
    "一、科技创新",
    "　",
    "[bookmark: x]甲  乙",
    "未完成3项重点任务情况表",
    "附件1",
    "共5项重点工作任务，未完成任务2项",
    "1. 建成公园（牵头单位：区教委；责任单位：各镇街）",
    "（一）城市更新",
    "建成公园。建成公园。建成公园。",
];

fn text() -> impl Strategy<Value = String> {
    prop::sample::select(PIECES).prop_map(String::from)
}

fn cell() -> impl Strategy<Value = RawCell> {
    (
        text(),
        0usize..4,
        any::<bool>(),
        prop::option::of(0u32..200),
    )
        .prop_map(|(text, span, merged_from_above, auto_number)| RawCell {
            text,
            span,
            merged_from_above,
            auto_number,
        })
}

fn row() -> impl Strategy<Value = RawRow> {
    (
        prop::collection::vec(cell(), 0..7),
        any::<bool>(),
        0usize..100,
    )
        .prop_map(|(cells, is_header, source_row)| RawRow {
            cells,
            is_header,
            source_row,
        })
}

fn block() -> impl Strategy<Value = Block> {
    prop_oneof![
        text().prop_map(Block::Para),
        (text(), prop::collection::vec(row(), 0..8))
            .prop_map(|(name, rows)| Block::Table(RawTable { name, rows })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_builder_never_panics(blocks in prop::collection::vec(block(), 0..6)) {
        match build(&RawDoc { blocks, notes: Vec::new() }, "p.docx", SourceFormat::Docx) {
            Ok(l) => {
                prop_assert!(!l.tasks.is_empty());
                for t in &l.tables {
                    prop_assert_eq!(t.rows, l.tasks_in(t.index).count());
                    // Tasks are known by table and row: rows strictly increase.
                    let rows: Vec<u32> = l.tasks_in(t.index).map(|x| x.row).collect();
                    prop_assert!(rows.windows(2).all(|w| w[0] < w[1]), "{:?}", rows);
                }
                for t in &l.tasks {
                    prop_assert!(!t.text.is_empty());
                    prop_assert!(!t.text.contains("[bookmark"));
                    prop_assert!(t.table >= 1 && t.table <= l.tables.len());
                }
            }
            Err(e) => prop_assert!(matches!(e, IngestError::NoLedger { .. }), "{:?}", e),
        }
    }

    #[test]
    fn the_txt_reader_never_panics(
        lines in prop::collection::vec(
            (prop::sample::select(&["", "\t", " \t", "\t\t"][..]), text()),
            0..40,
        )
    ) {
        let body: Vec<String> = lines.iter().map(|(p, t)| format!("{p}{t}")).collect();
        let bytes = body.join("\n").into_bytes();
        match read_bytes("p.txt", &bytes, &Limits::default()) {
            Ok(l) => prop_assert!(!l.tasks.is_empty()),
            Err(e) => prop_assert!(
                matches!(e, IngestError::NoLedger { .. } | IngestError::Empty { .. }),
                "{:?}",
                e
            ),
        }
    }
}
