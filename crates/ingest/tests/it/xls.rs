//! Excel 97-2003 (.xls) through calamine, and the answers for .doc/.wps/.et.
//!
//! The binary fixtures in fixtures/legacy/ were made by fixtures/legacy/make.sh: our own
//! generated ledger written as .xlsx (by the test builders) and as an HTML table, then
//! saved as .xls and .doc by LibreOffice. The tests rebuild the same sources and compare.
use std::time::Duration;

use duban_ingest::{IngestError, Limits, read_bytes, read_bytes_converting, read_path};
use duban_model::{Ledger, SourceFormat, WarningCode};

use crate::docx::assert_same_tasks;
use crate::fixtures::ledger::{Part, generated, units_text, xlsx_hiding};

const XLS: &[u8] = include_bytes!("fixtures/legacy/ledger.xls");
const DOC: &[u8] = include_bytes!("fixtures/legacy/ledger.doc");

/// Our generated ledger in two tables of 12 tasks, "附件2" hidden in the workbook.
fn source() -> (Ledger, Vec<Part>) {
    let (mut l, _) = generated(24);
    if let Some(t) = l.tables.first_mut() {
        t.label = "附件1".into();
        t.rows = 12;
    }
    let mut second = l.tables[0].clone();
    second.index = 2;
    second.label = "附件2".into();
    l.tables.push(second);
    for t in l.tasks.iter_mut().skip(12) {
        t.table = 2;
        t.row -= 12;
    }
    let parts = vec![
        Part::Para(l.title.clone().unwrap_or_default()),
        Part::Para("附件1".into()),
        Part::Table(1),
        Part::Para("附件2".into()),
        Part::Table(2),
    ];
    (l, parts)
}

fn source_xlsx() -> Vec<u8> {
    xlsx_hiding(&source().0, &["附件2"])
}

/// The .doc's source: a plain HTML table of our generated ledger, which LibreOffice saves
/// as a Word 97 table (it turns the test builders' minimal .docx tables into text).
fn doc_source() -> (Ledger, String) {
    let (l, _) = generated(12);
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;");
    let mut html = String::from(
        "<html><head><meta charset=\"utf-8\"></head><body><p>重点任务台账</p><table border=\"1\">\
         <tr><td>序号</td><td>具体任务</td><td>牵头单位</td><td>完成情况</td></tr>",
    );
    for t in &l.tasks {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            t.row,
            esc(&t.text),
            esc(&units_text(&t.lead_units, &t.lead_groups)),
            esc(&t.progress)
        ));
    }
    html.push_str("</table></body></html>");
    (l, html)
}

/// Writes the sources the fixtures are converted from, into $DUBAN_LEGACY_SOURCES (run by
/// make.sh only).
#[test]
#[ignore = "run by fixtures/legacy/make.sh"]
fn write_legacy_fixture_sources() {
    let dir = std::env::var("DUBAN_LEGACY_SOURCES").expect("DUBAN_LEGACY_SOURCES");
    std::fs::write(format!("{dir}/ledger.xlsx"), source_xlsx()).expect("write xlsx");
    std::fs::write(format!("{dir}/ledger.html"), doc_source().1).expect("write html");
}

#[test]
fn the_xls_and_the_xlsx_of_one_ledger_give_the_same_tasks() {
    let limits = Limits::default();
    let from_xlsx = read_bytes("台账.xlsx", &source_xlsx(), &limits).expect("xlsx reads");
    let from_xls = read_bytes("台账.xls", XLS, &limits).expect("xls reads");
    assert_eq!(from_xls.format, SourceFormat::Xls);
    assert_eq!(from_xls.tasks.len(), 24);
    assert_same_tasks(&from_xlsx, &from_xls);
    let titles = |l: &Ledger| -> Vec<(String, Option<String>)> {
        l.tables
            .iter()
            .map(|t| (t.label.clone(), t.title.clone()))
            .collect()
    };
    assert_eq!(titles(&from_xls), titles(&from_xlsx));
    // The hidden sheet is read and named, as in the .xlsx.
    let hidden: Vec<&str> = from_xls
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::HiddenSheet)
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(hidden.len(), 1, "{hidden:?}");
    assert!(hidden[0].contains("附件2"), "{hidden:?}");
}

#[test]
fn an_xls_on_disk_reads_like_the_upload() {
    let dir = std::env::temp_dir().join(format!("duban_xls_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("台账.XLS");
    std::fs::write(&path, XLS).expect("write");
    let got = read_path(&path, &Limits::default()).expect("reads");
    let want = read_bytes("台账.xls", XLS, &Limits::default()).expect("reads");
    assert_same_tasks(&want, &got);
    let _ = std::fs::remove_dir_all(&dir);
}

fn refusal(name: &str, bytes: &[u8]) -> (String, &'static str) {
    match read_bytes(name, bytes, &Limits::default()) {
        Err(e @ IngestError::SaveAs { target, .. }) => (e.to_string(), target),
        other => panic!("{name}: expected a save-as answer, got {other:?}"),
    }
}

#[test]
fn word_and_wps_files_are_answered_with_one_line_saying_what_to_save_them_as() {
    let (msg, target) = refusal("总结.doc", DOC);
    assert_eq!(
        msg,
        "《总结.doc》是Word 97-2003 (.doc) 文档，请在 Word/WPS 中另存为 .docx 后再导入"
    );
    assert_eq!(target, "docx");
    let (msg, _) = refusal("总结.wps", DOC);
    assert!(
        msg.contains("WPS 文字 (.wps) 文档") && msg.contains(".docx"),
        "{msg}"
    );
    assert!(!msg.contains('\n'));
    // An .et that is no workbook, or holds a Word document.
    let (msg, target) = refusal("台账.et", b"not a spreadsheet at all");
    assert!(
        msg.contains("WPS 表格 (.et) 文件") && msg.contains("Excel/WPS"),
        "{msg}"
    );
    assert_eq!(target, "xlsx");
    let (msg, target) = refusal("台账.et", DOC);
    assert!(msg.contains("扩展名却是 .et"), "{msg}");
    assert_eq!(target, "docx");
}

#[test]
fn content_decides_what_a_legacy_file_is() {
    // A Word document named .xls says so.
    let (msg, target) = refusal("台账.xls", DOC);
    assert!(
        msg.contains("Word 97-2003 文档（扩展名却是 .xls）"),
        "{msg}"
    );
    assert_eq!(target, "docx");
    // A workbook named .doc is one to save as .xlsx.
    let got = read_bytes("台账.doc", XLS, &Limits::default());
    let got = got.expect("a BIFF workbook named .doc is still a workbook");
    assert_eq!(got.tasks.len(), 24);
    // An .et holding a BIFF workbook (what WPS 表格 writes) is read.
    let got = read_bytes("台账.et", XLS, &Limits::default()).expect("et workbook reads");
    assert_eq!(got.tasks.len(), 24);
    // An .xlsx renamed .xls, and garbage named .xls.
    let e = read_bytes("台账.xls", &source_xlsx(), &Limits::default()).expect_err("refused");
    assert!(e.to_string().contains("扩展名改为 .xlsx"), "{e}");
    let e = read_bytes("台账.xls", b"\xD0\xCF\x11\xE0 broken", &Limits::default())
        .expect_err("refused");
    assert!(
        matches!(e, IngestError::Malformed { .. }) && e.to_string().contains("台账.xls"),
        "{e}"
    );
    let mut truncated = XLS.to_vec();
    truncated.truncate(XLS.len() / 3);
    let e = read_bytes("台账.xls", &truncated, &Limits::default()).expect_err("refused");
    assert!(e.to_string().contains("台账.xls"), "{e}");
}

/// Conversion needs LibreOffice: CI has it, so there the test must run, not skip.
fn soffice_or_skip() -> bool {
    if duban_ingest::soffice_available() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "soffice must be installed where CI runs (apt-get install libreoffice-writer-nogui)"
    );
    eprintln!("note: soffice not on PATH; conversion test skipped");
    false
}

#[test]
fn with_conversion_on_a_doc_is_converted_by_soffice_and_read() {
    if !soffice_or_skip() {
        return;
    }
    let limits = Limits::default();
    let got = read_bytes_converting("总结.doc", DOC, &limits, Some(Duration::from_secs(120)))
        .expect("converted and read");
    assert_eq!(got.source, "总结.doc");
    assert_eq!(got.format, SourceFormat::Docx);
    let (want, _) = doc_source();
    assert_eq!(got.tasks.len(), want.tasks.len());
    for (w, g) in want.tasks.iter().zip(&got.tasks) {
        assert_eq!((g.row, &g.text), (w.row, &w.text));
        assert_eq!(g.lead_units, w.lead_units, "row {}", w.row);
        assert_eq!(g.progress, w.progress, "row {}", w.row);
    }
    // Off: the one-line answer, unchanged.
    let e = read_bytes_converting("总结.doc", DOC, &limits, None).expect_err("refused");
    assert!(matches!(e, IngestError::SaveAs { .. }), "{e}");
    // Something soffice cannot make a document of.
    let e = read_bytes_converting(
        "坏.wps",
        b"\x00\x01garbage",
        &limits,
        Some(Duration::from_secs(120)),
    );
    assert!(
        matches!(
            e,
            Err(IngestError::Convert { .. })
                | Err(IngestError::NoLedger { .. })
                | Err(IngestError::Malformed { .. })
        ),
        "{e:?}"
    );
}

/// One flipped sector number used to make calamine reserve a terabyte and abort the whole
/// process (found by the fuzz run); a sheet position past the stream made it panic. Both
/// are now a damaged-file message naming the file.
#[test]
fn a_damaged_xls_is_refused_without_aborting_or_panicking() {
    let limits = Limits::default();
    // The directory's first sector far past the end of the file.
    let mut far = XLS.to_vec();
    far[48..52].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
    // The DIFAT's first FAT sector likewise.
    let mut fat = XLS.to_vec();
    fat[76..80].copy_from_slice(&0x0FFF_FFFFu32.to_le_bytes());
    // Cut mid-sector.
    let cut = XLS[..XLS.len() - 100].to_vec();
    for bytes in [far, fat, cut] {
        let e = read_bytes("台账.xls", &bytes, &limits).expect_err("damaged");
        let text = e.to_string();
        assert!(
            text.contains("台账.xls") && text.contains("另存为"),
            "{text}"
        );
    }
}
