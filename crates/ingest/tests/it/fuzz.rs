//! Arbitrary and mutated bytes through every reader: errors are fine, panics are not.
use duban_ingest::{Limits, read_bytes};
use proptest::prelude::*;

use crate::fixtures::wml::{Docx, para, row, table, text_cell};
use crate::fixtures::xlsx;

fn limits() -> Limits {
    Limits {
        max_file_bytes: 1 << 20,
        max_entry_bytes: 1 << 20,
    }
}

fn valid_docx() -> Vec<u8> {
    let mut d = Docx::default();
    d.push(&para("附件1"));
    d.push(&table(&[
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
    d.bytes()
}

fn valid_xlsx() -> Vec<u8> {
    xlsx::package(
        &[(
            "表",
            r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>任务</t></is></c></row></sheetData><mergeCells><mergeCell ref="A1:B1"/></mergeCells>"#,
        )],
        Some("<si><t>序号</t></si><si><t>具体任务</t></si>"),
        None,
    )
}

fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    for (pos, b) in edits {
        if !bytes.is_empty() {
            let i = pos % bytes.len();
            bytes[i] = *b;
        }
    }
    if let Some(c) = cut {
        bytes.truncate(c % (bytes.len() + 1));
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for name in ["f.txt", "f.docx", "f.xlsx"] {
            let _ = read_bytes(name, &bytes, &limits());
        }
    }

    #[test]
    fn mutated_packages_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..12),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let docx = mutate(valid_docx(), &edits, cut);
        let xlsx = mutate(valid_xlsx(), &edits, cut);
        for name in ["f.txt", "f.docx", "f.xlsx"] {
            let _ = read_bytes(name, &docx, &limits());
            let _ = read_bytes(name, &xlsx, &limits());
        }
    }

    /// Damage inside the XML (where zip checksums would not save us) must not panic
    /// either: the parts are rebuilt from mutated text.
    #[test]
    fn mutated_xml_never_panics(
        edits in proptest::collection::vec((any::<usize>(), prop::sample::select(b"<>/=\"&;:wtrcpv1 \n".to_vec())), 1..16),
    ) {
        let doc = {
            let mut d = Docx::default();
            d.push(&table(&[row(false, &[text_cell("1"), text_cell("任务")])]));
            d.document_xml().into_bytes()
        };
        let doc = mutate(doc, &edits, None);
        let bytes = crate::fixtures::wml::zip_parts(&[("word/document.xml", doc.as_slice())]);
        let _ = read_bytes("f.docx", &bytes, &limits());
        let sheet = mutate(
            br#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>2.5</v></c></row></sheetData><mergeCells><mergeCell ref="A1:B9"/></mergeCells>"#.to_vec(),
            &edits,
            None,
        );
        let sheet = String::from_utf8_lossy(&sheet).into_owned();
        let bytes = xlsx::package(&[("表", &sheet)], Some("<si><t>x</t></si>"), None);
        let _ = read_bytes("f.xlsx", &bytes, &limits());
    }
}

#[test]
fn the_valid_fuzz_seeds_read() {
    assert!(read_bytes("f.docx", &valid_docx(), &limits()).is_ok());
    assert!(
        duban_ingest::read_raw(
            "f.xlsx",
            duban_model::SourceFormat::Xlsx,
            &valid_xlsx(),
            &limits()
        )
        .is_ok()
    );
}
