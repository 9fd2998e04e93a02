//! The .xlsx reader: the seed rendered as a workbook, cell kinds, merges, broken files.
use duban_ingest::grid::{Block, RawDoc, RawTable};
use duban_ingest::{IngestError, Limits, read_bytes, read_raw};
use duban_model::{SourceFormat, WarningCode};
use rust_xlsxwriter::{Format, Workbook};

use crate::docx::{assert_same_tasks, seed_and_parts};
use crate::fixtures::{ledger, wml, xlsx};

fn raw(bytes: &[u8]) -> RawDoc {
    read_raw("t.xlsx", SourceFormat::Xlsx, bytes, &Limits::default()).expect("reads")
}

fn sheets(doc: &RawDoc) -> Vec<&RawTable> {
    doc.blocks
        .iter()
        .map(|b| match b {
            Block::Table(t) => t,
            Block::Para(p) => panic!("a workbook has no paragraphs: {p}"),
        })
        .collect()
}

#[test]
fn seed_as_workbook_reads_back_the_same_126_tasks() {
    let Some((txt, _)) = seed_and_parts() else {
        return;
    };
    let bytes = ledger::xlsx(&txt);
    let got = read_bytes("seed.xlsx", &bytes, &Limits::default()).expect("xlsx reads");
    assert_eq!(got.format, SourceFormat::Xlsx);
    assert_same_tasks(&txt, &got);
    let titles: Vec<Option<&str>> = got.tables.iter().map(|t| t.title.as_deref()).collect();
    let expected: Vec<Option<&str>> = txt.tables.iter().map(|t| t.title.as_deref()).collect();
    assert_eq!(titles, expected);
}

#[test]
fn seed_as_workbook_has_a_merged_title_above_the_header() {
    let Some((txt, _)) = seed_and_parts() else {
        return;
    };
    let doc = raw(&ledger::xlsx(&txt));
    let s = sheets(&doc);
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].name, "附件1");
    let title = &s[0].rows[0];
    assert_eq!(title.cells.len(), 1);
    assert_eq!(title.cells[0].span, 6);
    assert_eq!(
        Some(title.cells[0].text.as_str()),
        txt.tables[0].title.as_deref()
    );
    assert_eq!(s[0].rows[1].cells[0].text, "序号");
    // Row numbers stored as numbers read as plain digits.
    assert_eq!(s[0].rows[2].cells[0].text, "1");
    assert!(
        s[1].rows
            .iter()
            .any(|r| r.cells.get(1).is_some_and(|c| c.merged_from_above))
    );
}

#[test]
fn numbers_text_line_breaks_and_merges_from_a_writer() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("台账").unwrap();
    sheet
        .merge_range(0, 0, 0, 3, "重点任务台账", &Format::new())
        .unwrap();
    sheet.write_string(1, 0, "序号").unwrap();
    sheet.write_string(1, 1, "工作板块").unwrap();
    sheet.write_number(2, 0, 1.0).unwrap();
    sheet.write_string(3, 0, "2").unwrap();
    sheet
        .merge_range(2, 1, 3, 1, "板块", &Format::new())
        .unwrap();
    sheet.write_number(2, 2, 5000.0).unwrap();
    sheet.write_number(3, 2, 40.4).unwrap();
    sheet
        .write_string(2, 3, "区商务委\n（区招商中心）")
        .unwrap();
    sheet.write_number(3, 3, -0.25).unwrap();
    let doc = raw(&book.save_to_buffer().unwrap());
    let s = sheets(&doc);
    assert_eq!(s.len(), 1);
    let t = s[0];
    assert_eq!(t.name, "台账");
    assert_eq!(t.rows[0].cells[0].text, "重点任务台账");
    assert_eq!(t.rows[0].cells[0].span, 4);
    assert_eq!(t.rows[0].cells.len(), 1);
    let row = |i: usize| {
        t.rows[i]
            .cells
            .iter()
            .map(|c| c.text.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(row(2), ["1", "板块", "5000", "区商务委\n（区招商中心）"]);
    assert_eq!(row(3), ["2", "", "40.4", "-0.25"]);
    assert!(t.rows[3].cells[1].merged_from_above);
    assert!(!t.rows[2].cells[1].merged_from_above);
    assert_eq!(t.rows[3].source_row, 4);
}

#[test]
fn inline_rich_and_escaped_strings_dates_and_percentages() {
    let shared = concat!(
        r#"<si><t>共享</t></si>"#,
        r#"<si><r><rPr><b/></rPr><t>富</t></r><r><t xml:space="preserve">文本 &amp; 更多</t></r><rPh sb="0" eb="1"><t>フ</t></rPh></si>"#,
        r#"<si><t>第一行_x000D__x000A_第二行</t></si>"#,
    );
    let styles = concat!(
        r#"<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>"#,
        r#"<cellStyleXfs count="1"><xf numFmtId="176"/></cellStyleXfs>"#,
        r#"<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="176"/><xf numFmtId="10"/></cellXfs>"#,
    );
    let sheet = concat!(
        r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>99</v></c></row>"#,
        r#"<row r="3"><c r="B3" t="inlineStr"><is><t>内联</t></is></c><c t="inlineStr"><is><r><t>富</t></r><r><t>内联</t></r></is></c><c t="str"><f>A1</f><v>公式结果</v></c></row>"#,
        r#"<row><c r="A4" s="1"><v>44926</v></c><c r="B4" s="2"><v>0.404</v></c><c r="C4" t="b"><v>1</v></c><c r="D4" t="e"><v>#N/A</v></c><c r="E4"/></row>"#,
        r#"</sheetData>"#,
    );
    let doc = raw(&xlsx::package(&[("表", sheet)], Some(shared), Some(styles)));
    let t = sheets(&doc)[0];
    let row = |i: usize| {
        t.rows[i]
            .cells
            .iter()
            .map(|c| c.text.as_str())
            .collect::<Vec<_>>()
    };
    // An index past the shared table reads as empty, not as a failure.
    assert_eq!(row(0), ["共享", "富文本 & 更多", "第一行\n第二行"]);
    assert_eq!(t.rows[1].source_row, 3);
    assert_eq!(row(1), ["", "内联", "富内联", "公式结果"]);
    assert_eq!(t.rows[2].source_row, 4);
    assert_eq!(row(2), ["2022年12月31日", "40.4%", "TRUE", "#N/A"]);
}

#[test]
fn every_visible_sheet_is_a_table_in_tab_order() {
    let a =
        r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>甲</t></is></c></row></sheetData>"#;
    let empty = r#"<sheetData/>"#;
    let b = r#"<sheetData><row r="2"><c r="C2"><v>3</v></c></row></sheetData><mergeCells count="1"><mergeCell ref="C2:D3"/></mergeCells>"#;
    let doc = raw(&xlsx::package(
        &[("一", a), ("空", empty), ("二", b)],
        None,
        None,
    ));
    let s = sheets(&doc);
    let names: Vec<&str> = s.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["一", "二"]);
    let r = &s[1].rows[0];
    assert_eq!(r.cells.len(), 2);
    assert_eq!(r.cells[0].span, 2);
    assert_eq!(r.cells[0].text, "");
    assert_eq!(r.cells[1].span, 2);
    assert_eq!(r.cells[1].text, "3");
    // Row 3 exists only under the merge and has nothing of its own: not a row.
    assert_eq!(s[1].rows.len(), 1);
}

#[test]
fn hidden_sheets_are_read_and_named() {
    let sheet = r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>下拉选项</t></is></c></row></sheetData>"#;
    let mut bytes = xlsx::package(&[("选项", sheet)], None, None);
    // Rebuild with the sheet hidden: the same package with state="hidden".
    let book = r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="选项" sheetId="1" state="hidden" r:id="rId1"/></sheets></workbook>"#;
    let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let sheet_xml = format!(
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sheet}</worksheet>"#
    );
    let visible = raw(&bytes);
    assert!(!visible.blocks.is_empty() && visible.notes.is_empty());
    bytes = wml::zip_parts(&[
        ("xl/workbook.xml", book.as_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet_xml.as_bytes()),
    ]);
    let hidden = raw(&bytes);
    assert_eq!(hidden.blocks, visible.blocks);
    assert_eq!(hidden.notes.len(), 1);
    let note = &hidden.notes[0];
    assert_eq!(note.code, WarningCode::HiddenSheet);
    assert_eq!(note.location.to_string(), "选项");
    assert!(note.message.contains("“选项”") && note.message.contains("隐藏"));
}

/// The issue's case: 附件2 hidden by mistake imported 11 of 126 tasks without a word.
#[test]
fn a_hidden_attachment_sheet_keeps_its_tasks_and_says_so() {
    let Some((txt, _)) = seed_and_parts() else {
        return;
    };
    let bytes = ledger::xlsx_hiding(&txt, &["附件2"]);
    let got = read_bytes("seed.xlsx", &bytes, &Limits::default()).expect("xlsx reads");
    assert_same_tasks(&txt, &got);
    let hidden: Vec<_> = got
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::HiddenSheet)
        .collect();
    assert_eq!(hidden.len(), 1, "{:?}", got.warnings);
    assert_eq!(hidden[0].location.to_string(), "附件2");
    let json = serde_json::to_value(hidden[0]).expect("json");
    assert_eq!(json["code"], "hidden_sheet");
}

#[test]
fn a_chart_sheet_or_missing_sheet_part_is_named_not_dropped() {
    let sheet = r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c></row></sheetData>"#;
    let book = r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="附件1" sheetId="1" r:id="rId1"/><sheet name="图表" sheetId="2" r:id="rId2"/></sheets></workbook>"#;
    let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet" Target="chartsheets/sheet1.xml"/></Relationships>"#;
    let sheet_xml = format!(
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sheet}</worksheet>"#
    );
    let bytes = wml::zip_parts(&[
        ("xl/workbook.xml", book.as_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet_xml.as_bytes()),
    ]);
    let doc = raw(&bytes);
    assert_eq!(sheets(&doc).len(), 1);
    assert_eq!(doc.notes.len(), 1, "{:?}", doc.notes);
    assert_eq!(doc.notes[0].code, WarningCode::SkippedPart);
    assert_eq!(doc.notes[0].location.to_string(), "图表");
    assert!(
        doc.notes[0].message.contains("已跳过"),
        "{}",
        doc.notes[0].message
    );
}

#[test]
fn a_word_file_named_xlsx_and_an_excel_file_named_docx_say_what_they_are() {
    let mut d = wml::Docx::default();
    d.push(&wml::para("关于重点任务的报告"));
    let word = d.bytes();
    let l = Limits::default();
    let err = read_bytes("台账.xlsx", &word, &l).unwrap_err().to_string();
    assert!(
        err.starts_with("台账.xlsx: ")
            && err.contains("该文件实际是 Word 文档（.docx），请以 .docx 导入"),
        "{err}"
    );
    assert!(!err.contains("没有工作表"), "{err}");
    let sheet = r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c></row></sheetData>"#;
    let excel = xlsx::package(&[("附件1", sheet)], None, None);
    let err = read_bytes("台账.docx", &excel, &l).unwrap_err().to_string();
    assert!(
        err.contains("该文件实际是 Excel 工作簿（.xlsx），请以 .xlsx 导入"),
        "{err}"
    );
}

#[test]
fn bad_workbooks_are_errors_naming_file_and_place() {
    let l = Limits::default();
    let err = read_bytes("坏.xlsx", b"PK\x03\x04garbage", &l).unwrap_err();
    assert!(matches!(err, IngestError::Malformed { .. }), "{err}");
    assert!(err.to_string().starts_with("坏.xlsx: "), "{err}");

    let no_book = wml::zip_parts(&[("xl/styles.xml", b"<styleSheet/>".as_slice())]);
    let err = read_bytes("缺.xlsx", &no_book, &l).unwrap_err();
    assert!(err.to_string().contains("缺少 xl/workbook.xml"), "{err}");

    let sheet = "<sheetData><row><c><v>1</v></c></row>".repeat(20_000) + "</sheetData>";
    let bomb = xlsx::package(&[("大", &sheet)], None, None);
    let small = Limits {
        max_file_bytes: 1 << 20,
        max_entry_bytes: 64 * 1024,
    };
    match read_bytes("炸弹.xlsx", &bomb, &small).unwrap_err() {
        IngestError::InflateLimit { file, place, .. } => {
            assert_eq!(file, "炸弹.xlsx");
            assert!(place.contains("xl/worksheets/sheet1.xml"), "{place}");
        }
        other => panic!("expected the inflate limit, got {other}"),
    }

    // A sheet whose elements do not close is damaged: say which part.
    let cut = r#"<sheetData><row r="1"><c r="A1"><v>1</v></c></row>"#;
    let bytes = xlsx::package(&[("表", cut)], None, None);
    let err = read_raw("截断.xlsx", SourceFormat::Xlsx, &bytes, &l).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("截断.xlsx: xl/worksheets/sheet1.xml"),
        "{msg}"
    );
}

#[test]
fn piles_of_overlapping_merges_stay_bounded() {
    let mut sheet = String::from("<sheetData>");
    for r in 1..=200 {
        sheet.push_str(&format!(r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>"#));
    }
    sheet.push_str("</sheetData><mergeCells>");
    for _ in 0..5000 {
        sheet.push_str(r#"<mergeCell ref="A1:XFD1048576"/>"#);
    }
    sheet.push_str("</mergeCells>");
    let doc = raw(&xlsx::package(&[("表", &sheet)], None, None));
    let t = sheets(&doc)[0];
    assert_eq!(t.rows.len(), 200);
    // Only the first of the overlapping merges lands in each row.
    assert!(t.rows.iter().all(|r| r.cells.len() == 1));
    assert_eq!(t.rows[0].cells[0].text, "1");
    assert_eq!(t.rows[0].cells[0].span, 16_384);
    assert!(t.rows[1].cells[0].merged_from_above);
}

#[test]
fn a_shared_string_reads_the_same_wherever_and_however_often_it_is_used() {
    let s1 = r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData>"#;
    let s2 = r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row></sheetData>"#;
    let doc = raw(&xlsx::package(
        &[("一", s1), ("二", s2), ("三", s2)],
        Some("<si><t>区科技局</t></si><si><t>区商务委</t></si>"),
        None,
    ));
    let s = sheets(&doc);
    let all: Vec<Vec<&str>> = s
        .iter()
        .flat_map(|t| t.rows.iter())
        .map(|r| r.cells.iter().map(|c| c.text.as_str()).collect())
        .collect();
    assert_eq!(
        all,
        [
            vec!["区科技局", "区科技局", "区商务委"],
            vec!["区科技局"],
            vec!["区科技局", "区商务委"],
            vec!["区科技局", "区商务委"],
        ]
    );
}
