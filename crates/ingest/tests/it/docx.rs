//! The .docx reader: the seed rendered as Word, every WordprocessingML feature the reader
//! claims, and broken packages.
use duban_ingest::grid::{Block, RawCell, RawDoc, RawRow, RawTable};
use duban_ingest::{IngestError, Limits, read_bytes, read_raw};
use duban_model::{Ledger, SourceFormat};

use crate::fixtures::ledger::{self, Part};
use crate::fixtures::wml::{self, Docx, cell, para, para_with, row, table, text_cell};
use crate::fixtures::{SEED, seed_bytes};

fn raw(doc: &Docx) -> RawDoc {
    read_raw(
        "t.docx",
        SourceFormat::Docx,
        &doc.bytes(),
        &Limits::default(),
    )
    .expect("reads")
}

fn tables(doc: &RawDoc) -> Vec<&RawTable> {
    doc.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            Block::Para(_) => None,
        })
        .collect()
}

fn only_table(doc: &RawDoc) -> &RawTable {
    let t = tables(doc);
    assert_eq!(t.len(), 1, "{doc:?}");
    t[0]
}

fn texts(r: &RawRow) -> Vec<&str> {
    r.cells.iter().map(|c| c.text.as_str()).collect()
}

/// Every field a reader is responsible for, task by task.
pub fn assert_same_tasks(expected: &Ledger, got: &Ledger) {
    assert_eq!(got.tasks.len(), expected.tasks.len(), "task count");
    assert_eq!(got.tables.len(), expected.tables.len(), "table count");
    for (e, g) in expected.tables.iter().zip(&got.tables) {
        assert_eq!(g.rows, e.rows, "rows of table {}", e.index);
        assert_eq!(
            g.office_verdict, e.office_verdict,
            "verdict of table {}",
            e.index
        );
        assert_eq!(
            g.claimed_rows, e.claimed_rows,
            "claimed rows of table {}",
            e.index
        );
    }
    for (e, g) in expected.tasks.iter().zip(&got.tasks) {
        let at = format!("table {} row {}", e.table, e.row);
        assert_eq!((g.table, g.row), (e.table, e.row), "{at}");
        assert_eq!(g.section, e.section, "{at} section");
        assert_eq!(g.text, e.text, "{at} text");
        assert_eq!(g.lead_units, e.lead_units, "{at} lead units");
        assert_eq!(g.coop_units, e.coop_units, "{at} coop units");
        assert_eq!(g.lead_groups, e.lead_groups, "{at} lead groups");
        assert_eq!(g.coop_groups, e.coop_groups, "{at} coop groups");
        assert_eq!(g.progress, e.progress, "{at} progress");
        assert_eq!(g.office_verdict, e.office_verdict, "{at} office verdict");
    }
}

/// The seed as read from .txt, and the Word document plan (its paragraphs and tables).
pub fn seed_and_parts() -> Option<(Ledger, Vec<Part>)> {
    let bytes = seed_bytes()?;
    let limits = Limits::default();
    let ledger = read_bytes(SEED, &bytes, &limits).expect("seed reads as .txt");
    let raw = read_raw(SEED, SourceFormat::Txt, &bytes, &limits).expect("seed grid");
    let mut n = 0;
    let parts = raw
        .blocks
        .iter()
        .map(|b| match b {
            Block::Para(p) => Part::Para(p.clone()),
            Block::Table(_) => {
                n += 1;
                Part::Table(n)
            }
        })
        .collect();
    Some((ledger, parts))
}

#[test]
fn seed_as_word_reads_back_the_same_126_tasks() {
    let Some((txt, parts)) = seed_and_parts() else {
        return;
    };
    assert_eq!(txt.tasks.len(), 126);
    let bytes = ledger::docx(&txt, &parts);
    let got = read_bytes("seed.docx", &bytes, &Limits::default()).expect("docx reads");
    assert_eq!(got.format, SourceFormat::Docx);
    assert_same_tasks(&txt, &got);
    assert_eq!(got.title, txt.title);
    assert_eq!(got.claimed_total, txt.claimed_total);
    let labels: Vec<&str> = got.tables.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels, ["附件1", "附件2"]);
}

#[test]
fn seed_as_word_keeps_numbers_out_of_the_text_and_merges_sections() {
    let Some((txt, parts)) = seed_and_parts() else {
        return;
    };
    let bytes = ledger::docx(&txt, &parts);
    let doc = read_raw("seed.docx", SourceFormat::Docx, &bytes, &Limits::default()).unwrap();
    let t = tables(&doc);
    assert_eq!(t.len(), 2);
    for (table, n) in [(t[0], 11u32), (t[1], 115)] {
        assert!(table.rows[0].is_header);
        let numbers: Vec<Option<u32>> = table.rows[1..]
            .iter()
            .map(|r| r.cells[0].auto_number)
            .collect();
        assert_eq!(numbers, (1..=n).map(Some).collect::<Vec<_>>());
        assert!(table.rows[1..].iter().all(|r| r.cells[0].text.is_empty()));
    }
    let merged = t[1]
        .rows
        .iter()
        .filter(|r| r.cells[1].merged_from_above)
        .count();
    assert!(merged > 0, "the seed's sections run over several rows");
}

fn numbered_cell(ppr: &str) -> String {
    cell("", &format!("<w:p><w:pPr>{ppr}</w:pPr></w:p>"))
}

#[test]
fn grid_span_and_vertical_merge() {
    let mut d = Docx::default();
    d.push(&table(&[
        row(
            false,
            &[
                text_cell("序号"),
                cell(r#"<w:gridSpan w:val="2"/>"#, &para("具体任务")),
                text_cell("牵头单位"),
            ],
        ),
        row(
            false,
            &[
                text_cell("1"),
                cell(r#"<w:vMerge w:val="restart"/>"#, &para("板块甲")),
                text_cell("任务一"),
                text_cell("区科技局"),
            ],
        ),
        row(
            false,
            &[
                text_cell("2"),
                cell("<w:vMerge/>", "<w:p/>"),
                text_cell("任务二"),
                text_cell("区商务委"),
            ],
        ),
        row(
            false,
            &[
                text_cell("3"),
                cell(r#"<w:vMerge w:val="continue"/>"#, "<w:p/>"),
                text_cell("任务三"),
                text_cell("区商务委"),
            ],
        ),
    ]));
    let doc = raw(&d);
    let t = only_table(&doc);
    assert_eq!(t.rows[0].cells[1].span, 2);
    assert_eq!(texts(&t.rows[0]), ["序号", "具体任务", "牵头单位"]);
    assert!(!t.rows[1].cells[1].merged_from_above);
    assert_eq!(t.rows[1].cells[1].text, "板块甲");
    assert!(t.rows[2].cells[1].merged_from_above);
    assert!(t.rows[3].cells[1].merged_from_above);
    assert_eq!(
        t.rows.iter().map(|r| r.source_row).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
}

#[test]
fn numbering_through_a_style_and_direct_with_restarts() {
    let (numbering, styles) = wml::row_numbering(&[1, 2]);
    let mut d = Docx {
        numbering: Some(numbering),
        styles: Some(styles),
        ..Docx::default()
    };
    let by_style = numbered_cell(r#"<w:pStyle w:val="RowNo"/>"#);
    let direct = numbered_cell(r#"<w:numPr><w:ilvl w:val="0"/><w:numId w:val="2"/></w:numPr>"#);
    d.push(&para("表一"));
    d.push(&table(&[
        row(false, &[by_style.clone(), text_cell("甲")]),
        row(false, &[by_style.clone(), text_cell("乙")]),
        row(false, &[text_cell("无编号"), text_cell("丙")]),
        row(false, &[by_style.clone(), text_cell("丁")]),
    ]));
    d.push(&para("表二"));
    d.push(&table(&[
        row(false, &[direct.clone(), text_cell("戊")]),
        row(false, &[direct, text_cell("己")]),
    ]));
    let doc = raw(&d);
    let t = tables(&doc);
    let nums = |t: &RawTable| {
        t.rows
            .iter()
            .map(|r| r.cells[0].auto_number)
            .collect::<Vec<_>>()
    };
    assert_eq!(nums(t[0]), [Some(1), Some(2), None, Some(3)]);
    assert_eq!(nums(t[1]), [Some(1), Some(2)]);
    assert_eq!(t[0].rows[0].cells[0].text, "");
    assert_eq!(doc.blocks[0], Block::Para("表一".into()));
}

#[test]
fn start_values_and_shared_lists_follow_word() {
    let numbering = r#"<w:abstractNum w:abstractNumId="7"><w:lvl w:ilvl="0"><w:start w:val="5"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum><w:abstractNum w:abstractNumId="8"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl></w:abstractNum><w:num w:numId="3"><w:abstractNumId w:val="7"/></w:num><w:num w:numId="4"><w:abstractNumId w:val="7"/></w:num><w:num w:numId="5"><w:abstractNumId w:val="7"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="20"/></w:lvlOverride></w:num><w:num w:numId="6"><w:abstractNumId w:val="8"/></w:num>"#;
    let mut d = Docx {
        numbering: Some(numbering.into()),
        ..Docx::default()
    };
    let n = |id: u32| {
        numbered_cell(&format!(
            r#"<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{id}"/></w:numPr>"#
        ))
    };
    d.push(&table(&[
        row(false, &[n(3)]),
        row(false, &[n(3)]),
        // Another instance of the same list without an override continues it.
        row(false, &[n(4)]),
        row(false, &[n(5)]),
        row(false, &[n(5)]),
        row(false, &[n(6)]),
        // numId 0 switches numbering off.
        row(false, &[n(0)]),
    ]));
    let doc = raw(&d);
    let got: Vec<Option<u32>> = only_table(&doc)
        .rows
        .iter()
        .map(|r| r.cells[0].auto_number)
        .collect();
    assert_eq!(
        got,
        [Some(5), Some(6), Some(7), Some(20), Some(21), None, None]
    );
}

#[test]
fn numbered_body_paragraphs_keep_their_label() {
    let numbering = r#"<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>"#;
    let mut d = Docx {
        numbering: Some(numbering.into()),
        ..Docx::default()
    };
    let ppr = r#"<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>"#;
    d.push(&para_with(ppr, "科技创新"));
    d.push(&para_with(ppr, "产业发展"));
    let doc = raw(&d);
    assert_eq!(
        doc.blocks,
        [
            Block::Para("一、科技创新".into()),
            Block::Para("二、产业发展".into())
        ]
    );
}

#[test]
fn content_controls_tracked_changes_tabs_and_breaks() {
    let mut d = Docx::default();
    let body = concat!(
        r#"<w:sdt><w:sdtPr><w:alias w:val="标题"/><w:placeholder><w:docPart w:val="x"/></w:placeholder></w:sdtPr>"#,
        r#"<w:sdtContent><w:p><w:r><w:t>控件中的标题</w:t></w:r></w:p></w:sdtContent></w:sdt>"#,
        r#"<w:p><w:r><w:t>保留</w:t></w:r><w:ins w:id="1" w:author="a"><w:r><w:t>插入</w:t></w:r></w:ins>"#,
        r#"<w:del w:id="2" w:author="a"><w:r><w:delText>删除</w:delText></w:r></w:del>"#,
        r#"<w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙 &amp; 丁&#x4E00;</w:t></w:r>"#,
        r#"<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>7</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>"#,
    );
    d.push(body);
    d.push(&table(&[row(
        false,
        &[cell(
            "",
            r#"<w:sdt><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>格内控件</w:t></w:r></w:p></w:sdtContent></w:sdt>"#,
        )],
    )]));
    let doc = raw(&d);
    assert_eq!(doc.blocks[0], Block::Para("控件中的标题".into()));
    assert_eq!(
        doc.blocks[1],
        Block::Para("保留插入甲\t乙\n丙 & 丁一7".into())
    );
    assert_eq!(only_table(&doc).rows[0].cells[0].text, "格内控件");
    // What was left out is named: the tracked deletion.
    assert_eq!(doc.notes.len(), 1, "{:?}", doc.notes);
    assert_eq!(doc.notes[0].code, duban_model::WarningCode::SkippedPart);
    assert!(doc.notes[0].message.contains("1处未接受的修订删除"));
}

#[test]
fn header_rows_multi_paragraph_cells_and_deleted_rows() {
    let mut d = Docx::default();
    d.push(&table(&[
        row(true, &[text_cell("序号"), text_cell("牵头单位")]),
        row(false, &[text_cell("1"), cell("", &format!("{}{}<w:p/>", para("区商务委"), para("（区招商中心）")))]),
        r#"<w:tr><w:trPr><w:del w:id="9" w:author="a"/></w:trPr><w:tc><w:p><w:r><w:t>2</w:t></w:r></w:p></w:tc></w:tr>"#.to_string(),
        r#"<w:tr><w:trPr><w:tblHeader w:val="0"/></w:trPr><w:tc><w:p><w:r><w:t>3</w:t></w:r></w:p></w:tc></w:tr>"#.to_string(),
    ]));
    let doc = raw(&d);
    let t = only_table(&doc);
    assert_eq!(t.rows.len(), 3);
    assert!(t.rows[0].is_header);
    assert!(!t.rows[1].is_header);
    assert!(!t.rows[2].is_header);
    assert_eq!(t.rows[1].cells[1].text, "区商务委\n（区招商中心）");
    assert_eq!(t.rows[2].source_row, 4);
    assert_eq!(doc.notes.len(), 1, "{:?}", doc.notes);
    assert!(doc.notes[0].message.contains("1处表格行已作为修订删除"));
}

#[test]
fn text_boxes_and_drawings_are_named_as_not_read() {
    let mut d = Docx::default();
    d.push(&para("正文"));
    d.push(r#"<w:p><w:r><w:pict><w:txbxContent><w:p><w:r><w:t>文本框里的任务</w:t></w:r></w:p></w:txbxContent></w:pict></w:r></w:p>"#);
    let doc = raw(&d);
    assert_eq!(doc.notes.len(), 1, "{:?}", doc.notes);
    assert!(
        doc.notes[0].message.contains("文本框"),
        "{}",
        doc.notes[0].message
    );
    assert_eq!(doc.notes[0].location.to_string(), "word/document.xml");
}

#[test]
fn nested_tables_read_into_their_cell_and_grid_before_keeps_columns() {
    let mut d = Docx::default();
    let inner = table(&[row(false, &[text_cell("内一"), text_cell("内二")])]);
    d.push(&table(&[
        row(false, &[text_cell("a"), cell("", &format!("{}{inner}", para("外")))]),
        r#"<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr><w:tc><w:p><w:r><w:t>b</w:t></w:r></w:p></w:tc></w:tr>"#.to_string(),
    ]));
    d.push(&para("表后"));
    let doc = raw(&d);
    let t = only_table(&doc);
    assert_eq!(t.rows[0].cells.len(), 2);
    assert_eq!(t.rows[0].cells[1].text, "外\n内一\n内二");
    assert_eq!(
        t.rows[1].cells[0],
        RawCell {
            span: 1,
            ..RawCell::default()
        }
    );
    assert_eq!(t.rows[1].cells[1].text, "b");
    assert_eq!(doc.blocks.last(), Some(&Block::Para("表后".into())));
}

#[test]
fn paragraph_before_a_table_is_its_title() {
    let mut d = Docx::default();
    d.push(&para("附件1"));
    d.push(&para("未达预期2项重点工作任务进展情况表"));
    d.push("<w:p/>");
    d.push(&table(&[
        row(
            true,
            &[
                text_cell("序号"),
                text_cell("工作板块"),
                text_cell("具体任务"),
                text_cell("牵头单位"),
                text_cell("完成情况"),
            ],
        ),
        row(
            false,
            &[
                text_cell("1"),
                text_cell("板块"),
                text_cell("进口整车5000辆以上"),
                text_cell("区商务委"),
                text_cell("整车进口3808辆"),
            ],
        ),
        row(
            false,
            &[
                text_cell("2"),
                text_cell("板块"),
                text_cell("民间投资占比60%以上"),
                text_cell("区发展改革委"),
                text_cell("占比40.4%"),
            ],
        ),
    ]));
    let l = read_bytes("t.docx", &d.bytes(), &Limits::default()).expect("reads");
    assert_eq!(l.tables.len(), 1);
    assert_eq!(l.tables[0].label, "附件1");
    assert_eq!(
        l.tables[0].title.as_deref(),
        Some("未达预期2项重点工作任务进展情况表")
    );
    assert_eq!(l.tasks.len(), 2);
    assert_eq!(l.tasks[1].progress, "占比40.4%");
}

fn small() -> Limits {
    Limits {
        max_file_bytes: 1 << 20,
        max_entry_bytes: 4096,
    }
}

#[test]
fn bad_packages_are_errors_naming_file_and_place() {
    let l = Limits::default();
    let err = read_bytes("空.docx", b"", &l).unwrap_err();
    assert!(matches!(err, IngestError::Empty { .. }), "{err}");
    assert!(err.to_string().contains("空.docx"));

    let err = read_bytes("假.docx", "这不是压缩包".as_bytes(), &l).unwrap_err();
    assert!(matches!(err, IngestError::Malformed { .. }), "{err}");
    assert!(err.to_string().starts_with("假.docx: "), "{err}");

    let no_doc = wml::zip_parts(&[("word/styles.xml", b"<w:styles/>".as_slice())]);
    let err = read_bytes("缺.docx", &no_doc, &l).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("缺.docx") && msg.contains("缺少 word/document.xml"),
        "{msg}"
    );

    let broken = wml::zip_parts(&[(
        "word/document.xml",
        b"<w:document><w:body><w:p></w:body>".as_slice(),
    )]);
    let err = read_raw("坏.docx", SourceFormat::Docx, &broken, &l).unwrap_err();
    assert!(err.to_string().contains("word/document.xml"), "{err}");
}

#[test]
fn a_part_inflating_past_the_limit_is_refused() {
    // 1 MiB of one byte deflates to about a kilobyte: a small zip bomb.
    let mut body = String::from("<w:document><w:body><w:p><w:r><w:t>");
    body.push_str(&"啊".repeat(350_000));
    body.push_str("</w:t></w:r></w:p></w:body></w:document>");
    let bomb = wml::zip_parts(&[("word/document.xml", body.as_bytes())]);
    assert!(bomb.len() < 8192, "{}", bomb.len());
    let err = read_bytes("炸弹.docx", &bomb, &small()).unwrap_err();
    match &err {
        IngestError::InflateLimit { file, place, limit } => {
            assert_eq!(file, "炸弹.docx");
            assert!(place.contains("word/document.xml"), "{place}");
            assert_eq!(*limit, 4096);
        }
        other => panic!("expected the inflate limit, got {other}"),
    }
    // The same file within the default limits reads.
    assert!(read_raw("炸弹.docx", SourceFormat::Docx, &bomb, &Limits::default()).is_ok());
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_reading() {
    let bytes = Docx::default().bytes();
    let limits = Limits {
        max_file_bytes: (bytes.len() - 1) as u64,
        ..Limits::default()
    };
    let err = read_bytes("大.docx", &bytes, &limits).unwrap_err();
    assert!(matches!(err, IngestError::TooLarge { .. }), "{err}");
    let err = read_raw("大.docx", SourceFormat::Docx, &bytes, &limits).unwrap_err();
    assert!(matches!(err, IngestError::TooLarge { .. }), "{err}");
}

#[test]
fn empty_table_rows_are_kept_with_positions() {
    // A row of empty cells is still a row: the builder decides what it means.
    let mut d = Docx::default();
    d.push(&table(&[row(false, &[text_cell(""), text_cell("")])]));
    let doc = raw(&d);
    let t = only_table(&doc);
    assert_eq!(t.rows.len(), 1);
    assert_eq!(texts(&t.rows[0]), ["", ""]);
}

#[test]
fn absurd_spans_are_clamped_to_a_real_table_width() {
    let mut d = Docx::default();
    d.push(&table(&[
        row(
            false,
            &[cell(r#"<w:gridSpan w:val="999999999999"/>"#, &para("宽"))],
        ),
        r#"<w:tr><w:trPr><w:gridBefore w:val="4000000000"/></w:trPr><w:tc><w:p/></w:tc></w:tr>"#
            .to_string(),
    ]));
    let doc = raw(&d);
    let t = only_table(&doc);
    assert_eq!(t.rows[0].cells[0].span, 16_384);
    assert_eq!(t.rows[1].cells[0].span, 16_384);
    // And the builder copes with such a table without exhausting memory.
    let _ = read_bytes("t.docx", &d.bytes(), &Limits::default());
}

#[test]
fn rows_inside_content_controls_and_blank_lines_in_cells() {
    let mut d = Docx::default();
    let rows = [
        row(false, &[text_cell("1"), text_cell("甲")]),
        row(
            false,
            &[
                text_cell("2"),
                cell("", &format!("{}<w:p/>{}", para("上"), para("下"))),
            ],
        ),
    ]
    .concat();
    d.push(&format!(
        r#"<w:tbl><w:tblGrid/><w:sdt><w:sdtPr><w:repeatingSection/></w:sdtPr><w:sdtContent>{rows}</w:sdtContent></w:sdt><w:customXml w:element="x">{}</w:customXml></w:tbl>"#,
        row(false, &[text_cell("3"), text_cell("丙")])
    ));
    let doc = raw(&d);
    let t = only_table(&doc);
    let got: Vec<Vec<&str>> = t.rows.iter().map(texts).collect();
    assert_eq!(
        got,
        [vec!["1", "甲"], vec!["2", "上\n\n下"], vec!["3", "丙"]]
    );
}
