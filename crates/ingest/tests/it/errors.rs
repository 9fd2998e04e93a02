//! Bad input: a clear error naming the file and the place, never a panic.
use std::path::Path;

use duban_ingest::{IngestError, Limits, read_bytes, read_path};

fn limits() -> Limits {
    Limits::default()
}

#[test]
fn empty_files_are_refused() {
    for bytes in [&b""[..], b"  \n\r\n\t"] {
        match read_bytes("台账.txt", bytes, &limits()) {
            Err(e @ IngestError::Empty { .. }) => assert!(e.to_string().contains("台账.txt")),
            other => panic!("expected Empty, got {other:?}"),
        }
    }
}

#[test]
fn unknown_extensions_are_refused_and_case_does_not_matter() {
    for name in ["台账.pdf", "台账", "台账.ppt", "txt"] {
        let e = read_bytes(name, b"x", &limits()).expect_err(name);
        assert!(
            matches!(e, IngestError::UnknownFormat { .. }),
            "{name}: {e:?}"
        );
        assert!(e.to_string().starts_with(name));
    }
    let doc = "\t序号\n\t任务\n\t牵头单位\n\n\t1\n\t建成公园\n\t区城管局\n";
    let l = read_bytes("LEDGER.TXT", doc.as_bytes(), &limits()).expect("upper-case .TXT reads");
    assert_eq!(l.tasks.len(), 1);
}

#[test]
fn size_limit_is_checked_before_reading() {
    let small = Limits {
        max_file_bytes: 8,
        ..Limits::default()
    };
    let e = read_bytes("a.txt", "\t序号\n\t任务\n".as_bytes(), &small).expect_err("too large");
    assert!(matches!(e, IngestError::TooLarge { limit: 8, .. }), "{e:?}");

    let dir = std::env::temp_dir().join(format!("duban-ingest-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("big.txt");
    std::fs::write(&path, "x".repeat(64)).expect("write");
    let e = read_path(&path, &small).expect_err("too large");
    assert!(matches!(e, IngestError::TooLarge { size: 64, .. }), "{e:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_files_are_io_errors_naming_the_file() {
    let e = read_path(Path::new("/nonexistent/台账.txt"), &limits()).expect_err("missing");
    assert!(matches!(e, IngestError::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("/nonexistent/台账.txt"));
}

#[test]
fn a_prose_decomposition_reads_from_txt() {
    let doc = "重点任务分解方案\n一、科技创新\n1. 建成孵化中心（牵头单位：区科技局；配合单位：各镇街）\n2. 引进研发机构8家（牵头单位：区商务委）\n";
    let l = read_bytes("方案.txt", doc.as_bytes(), &limits()).expect("prose reads");
    assert_eq!(l.tasks.len(), 2);
    assert_eq!(l.tasks[0].section.as_deref(), Some("科技创新"));
    assert_eq!(l.tasks[0].coop_groups, ["各镇街"]);
}

#[test]
fn tab_separated_text_from_excel_reads() {
    // Excel's "Unicode 文本": UTF-16 with BOM, a title row, quoted multi-line unit cells.
    let text = "2023年重点任务台账\t\t\t\r\n序号\t具体任务\t牵头单位\t完成情况\r\n1\t建成江山公园\t\"区住房城乡建委\n（区城建中心）\"\t已建成\r\n2\t新建学校\t区教委\t主体完工\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let l = read_bytes("台账.txt", &bytes, &limits()).expect("tsv reads");
    assert_eq!(l.tables[0].title.as_deref(), Some("2023年重点任务台账"));
    assert_eq!(l.tasks.len(), 2);
    assert_eq!(
        l.tasks[0].lead_units[0].display(),
        "区住房城乡建委（区城建中心）"
    );
    assert_eq!(l.tasks[1].progress, "主体完工");
}

#[test]
fn text_without_a_ledger_is_no_ledger() {
    let e = read_bytes(
        "说明.txt",
        "这是一份说明。\n没有表格。\n".as_bytes(),
        &limits(),
    )
    .expect_err("no ledger");
    assert!(matches!(e, IngestError::NoLedger { .. }), "{e:?}");
    assert!(e.to_string().contains("说明.txt"));
}

#[test]
fn a_table_without_a_task_column_is_named() {
    let doc = "附件3\n汇总表\n\t序号\n\t牵头单位\n\t完成情况\n\n\t1\n\t区科技局\n\t已完成\n";
    let e = read_bytes("汇总.txt", doc.as_bytes(), &limits()).expect_err("no task column");
    match &e {
        IngestError::NoLedger { place, reason, .. } => {
            assert_eq!(place, "附件3");
            assert!(reason.contains("任务列"), "{reason}");
        }
        other => panic!("expected NoLedger, got {other:?}"),
    }
}

#[test]
fn undecodable_text_is_malformed() {
    // Not UTF-8, and 0xFF never starts a GB18030 character.
    let e = read_bytes("a.txt", &[0x81, 0xFF, 0xFF, 0x41, 0x00], &limits()).expect_err("bad bytes");
    assert!(matches!(e, IngestError::Malformed { .. }), "{e:?}");
}

#[test]
fn a_cut_short_office_file_is_explained_in_chinese() {
    // A zip's local header and nothing after it: what an interrupted download leaves.
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend_from_slice(&[0u8; 40]);
    let e = read_bytes("台账.xlsx", &bytes, &limits()).expect_err("cut short");
    let text = e.to_string();
    assert!(text.contains("台账.xlsx"), "{text}");
    assert!(text.contains("损坏或不完整"), "{text}");
    assert!(
        !text.contains("EOCD") && !text.contains("Zip archive"),
        "{text}"
    );
}
