//! WordprocessingML property elements are sequences: Word rejects a file whose children come
//! out of the schema's order even where LibreOffice is lenient. These lists are the orders of
//! ECMA-376 Part 1 (CT_RPr, CT_PPr, CT_SectPr, CT_TcPr, CT_TblPr, CT_Settings, CT_Font) for
//! the elements duban writes and their neighbours.
use anyhow::Result;
use duban_docs::{BulletinOptions, ReportOptions, VerdictSource, bulletin, year_end_report};

use crate::fixtures::{sample_bulletin, sample_ledger};
use crate::ooxml::{Node, parse, part};

const ORDERS: [(&str, &[&str]); 8] = [
    (
        "w:rPr",
        &[
            "w:rStyle",
            "w:rFonts",
            "w:b",
            "w:bCs",
            "w:i",
            "w:iCs",
            "w:caps",
            "w:strike",
            "w:color",
            "w:spacing",
            "w:w",
            "w:kern",
            "w:position",
            "w:sz",
            "w:szCs",
            "w:highlight",
            "w:u",
            "w:shd",
            "w:vertAlign",
            "w:lang",
        ],
    ),
    (
        "w:pPr",
        &[
            "w:pStyle",
            "w:keepNext",
            "w:keepLines",
            "w:pageBreakBefore",
            "w:framePr",
            "w:widowControl",
            "w:numPr",
            "w:pBdr",
            "w:shd",
            "w:tabs",
            "w:snapToGrid",
            "w:spacing",
            "w:ind",
            "w:contextualSpacing",
            "w:jc",
            "w:textAlignment",
            "w:outlineLvl",
            "w:rPr",
            "w:sectPr",
        ],
    ),
    (
        "w:sectPr",
        &[
            "w:footerReference",
            "w:type",
            "w:pgSz",
            "w:pgMar",
            "w:pgNumType",
            "w:cols",
            "w:titlePg",
            "w:docGrid",
        ],
    ),
    (
        "w:tcPr",
        &[
            "w:tcW",
            "w:gridSpan",
            "w:vMerge",
            "w:tcBorders",
            "w:shd",
            "w:noWrap",
            "w:tcMar",
            "w:vAlign",
        ],
    ),
    (
        "w:tblPr",
        &[
            "w:tblStyle",
            "w:tblpPr",
            "w:tblW",
            "w:jc",
            "w:tblInd",
            "w:tblBorders",
            "w:shd",
            "w:tblLayout",
            "w:tblCellMar",
            "w:tblLook",
        ],
    ),
    (
        "w:settings",
        &[
            "w:zoom",
            "w:defaultTabStop",
            "w:evenAndOddHeaders",
            "w:characterSpacingControl",
            "w:compat",
        ],
    ),
    (
        "w:font",
        &["w:altName", "w:panose1", "w:charset", "w:family", "w:pitch"],
    ),
    (
        "w:style",
        &[
            "w:name",
            "w:basedOn",
            "w:uiPriority",
            "w:semiHidden",
            "w:qFormat",
            "w:pPr",
            "w:rPr",
            "w:tblPr",
        ],
    ),
];

fn check_order(root: &Node, part: &str) {
    for (parent, order) in ORDERS {
        for n in root.all(parent) {
            let mut last = 0;
            for c in &n.children {
                let pos = order.iter().position(|o| *o == c.name);
                let Some(pos) = pos else {
                    panic!(
                        "{part}: <{}> inside <{parent}> is not in the checked order list",
                        c.name
                    );
                };
                assert!(
                    pos >= last,
                    "{part}: <{}> comes after a later sibling in <{parent}>",
                    c.name
                );
                last = pos;
            }
        }
    }
}

#[test]
fn property_children_follow_the_schema_order() -> Result<()> {
    let l = sample_ledger(5, 9);
    let opts = ReportOptions {
        verdict_source: VerdictSource::Machine,
        date: Some("2023年1月1日".into()),
        office: Some("某办".into()),
        ..ReportOptions::default()
    };
    let report = year_end_report(&l, &opts)?;
    let b = bulletin(&sample_bulletin(8), &BulletinOptions::default())?;
    let issuing = duban_docs::Issuing {
        number: Some("某办〔2023〕1号".into()),
        cc: vec!["某委".into()],
        contact: Some("某人".into()),
        ..duban_docs::Issuing::default()
    };
    let full = year_end_report(
        &l,
        &ReportOptions {
            issuing: issuing.clone(),
            ..opts.clone()
        },
    )?;
    let notice = duban_docs::notice_docx(
        &duban_docs::NoticeDoc {
            year: 2023,
            serial: 1,
            unit: "某局".into(),
            task: "某任务".into(),
            issued: "2023年1月1日".into(),
            ..duban_docs::NoticeDoc::default()
        },
        &duban_docs::NoticeOptions {
            office: Some("某办".into()),
            issuing,
            ..duban_docs::NoticeOptions::default()
        },
    )?;
    for docx in [&report, &b, &full, &notice] {
        for name in [
            "word/document.xml",
            "word/styles.xml",
            "word/settings.xml",
            "word/fontTable.xml",
            "word/footer1.xml",
            "word/footer2.xml",
        ] {
            check_order(&parse(&part(docx, name)?)?, name);
        }
    }
    Ok(())
}
