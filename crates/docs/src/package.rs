//! The parts of a .docx around the document body, and the zip that holds them.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::DocsError;
use crate::fonts::Face;
use crate::geometry::{BODY_HALF_POINTS, DocGrid, PageGeometry};
use crate::xml::{self, DECL, Jc, ParaStyle, R_NS, RunStyle, W_NS};

/// Relationship ids fixed by this module.
const RID_FOOTER_ODD: &str = "rIdFooterOdd";
const RID_FOOTER_EVEN: &str = "rIdFooterEven";

/// A chart part to package beside the document, referenced from the body as `r:id`.
pub(crate) struct ChartPart {
    pub rel_id: String,
    /// Path inside the package, such as "word/charts/chart1.xml".
    pub path: String,
    pub xml: String,
    /// The embedded workbook (.xlsx bytes) the chart's `c:externalData` names.
    pub workbook: Option<Vec<u8>>,
}

impl ChartPart {
    /// "word/charts/chart1.xml" → ("word/charts/_rels/chart1.xml.rels",
    /// "word/embeddings/chart1.xlsx").
    fn embedding_paths(&self) -> (String, String) {
        let (dir, file) = self
            .path
            .rsplit_once('/')
            .unwrap_or(("word/charts", &self.path));
        let stem = file.strip_suffix(".xml").unwrap_or(file);
        (
            format!("{dir}/_rels/{file}.rels"),
            format!("word/embeddings/{stem}.xlsx"),
        )
    }
}

/// Everything a document needs to become a .docx.
pub(crate) struct DocxParts {
    pub title: String,
    pub creator: String,
    /// The inner XML of `w:body`, its final `w:sectPr` included.
    pub body: String,
    pub charts: Vec<ChartPart>,
}

/// `w:sectPr` for one section. Every section names both footers so that its pages carry
/// page numbers even when Word's inheritance between sections is not followed by a reader.
pub(crate) fn sect_pr(g: &PageGeometry) -> String {
    let mut s = String::with_capacity(512);
    s.push_str("<w:sectPr>");
    s.push_str(&format!(
        "<w:footerReference w:type=\"default\" r:id=\"{RID_FOOTER_ODD}\"/><w:footerReference w:type=\"even\" r:id=\"{RID_FOOTER_EVEN}\"/>"
    ));
    s.push_str("<w:type w:val=\"nextPage\"/>");
    if g.landscape {
        s.push_str(&format!(
            "<w:pgSz w:w=\"{}\" w:h=\"{}\" w:orient=\"landscape\"/>",
            g.width, g.height
        ));
    } else {
        s.push_str(&format!(
            "<w:pgSz w:w=\"{}\" w:h=\"{}\"/>",
            g.width, g.height
        ));
    }
    s.push_str(&format!(
        "<w:pgMar w:top=\"{}\" w:right=\"{}\" w:bottom=\"{}\" w:left=\"{}\" w:header=\"{}\" w:footer=\"{}\" w:gutter=\"0\"/>",
        g.top, g.right, g.bottom, g.left, g.header, g.footer
    ));
    s.push_str("<w:cols w:space=\"425\"/>");
    if g.landscape {
        // Tables set their own line heights: no grid to snap to.
        s.push_str("<w:docGrid w:linePitch=\"312\"/>");
    } else if g.grid == DocGrid::Lines {
        s.push_str(&format!(
            "<w:docGrid w:type=\"lines\" w:linePitch=\"{}\"/>",
            g.line_pitch()
        ));
    } else {
        s.push_str(&format!(
            "<w:docGrid w:type=\"linesAndChars\" w:linePitch=\"{}\" w:charSpace=\"{}\"/>",
            g.line_pitch(),
            g.char_space()
        ));
    }
    s.push_str("</w:sectPr>");
    s
}

/// A paragraph one twip-line high that ends a section. Sections ending in a table need one,
/// and it must not push a full body line onto a new page.
pub(crate) fn section_break(out: &mut String, g: &PageGeometry) {
    let sect = sect_pr(g);
    out.push_str("<w:p>");
    xml::para_props(
        out,
        &ParaStyle {
            no_grid: true,
            exact_line: Some(20),
            mark: Some(RunStyle::new(Face::FangSong, 2)),
            ..ParaStyle::default()
        },
        Some(&sect),
    );
    out.push_str("</w:p>");
}

pub(crate) fn page_number_style() -> RunStyle {
    // 4号 宋体.
    RunStyle::new(Face::Song, 28)
}

/// A footer holding "— N —" with a PAGE field: odd pages right, even pages left, one
/// character in from the edge of the type area.
fn footer_xml(jc: Jc) -> String {
    let st = page_number_style();
    let one_char = st.half_points * 10;
    let ps = ParaStyle {
        jc,
        no_grid: true,
        left: if jc == Jc::Left { one_char } else { 0 },
        right: if jc == Jc::Right { one_char } else { 0 },
        // An exact 14 pt line makes the footer distance in `PageGeometry` place the number's
        // top 7 mm below the type area.
        exact_line: Some(one_char),
        mark: Some(st),
        ..ParaStyle::default()
    };
    let mut s = String::with_capacity(2048);
    s.push_str(DECL);
    s.push_str(&format!(
        "<w:ftr xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\"><w:p>"
    ));
    xml::para_props(&mut s, &ps, None);
    xml::run(&mut s, st, "— ");
    xml::field_run(&mut s, st, "<w:fldChar w:fldCharType=\"begin\"/>");
    xml::field_run(
        &mut s,
        st,
        "<w:instrText xml:space=\"preserve\"> PAGE </w:instrText>",
    );
    xml::field_run(&mut s, st, "<w:fldChar w:fldCharType=\"separate\"/>");
    xml::run(&mut s, st, "1");
    xml::field_run(&mut s, st, "<w:fldChar w:fldCharType=\"end\"/>");
    xml::run(&mut s, st, " —");
    s.push_str("</w:p></w:ftr>");
    s
}

fn styles_xml() -> String {
    let body = RunStyle::new(Face::FangSong, BODY_HALF_POINTS);
    let mut rpr = String::new();
    xml::run_props(&mut rpr, body);
    let rpr_inner = rpr
        .trim_start_matches("<w:rPr>")
        .trim_end_matches("</w:rPr>");
    format!(
        "{DECL}<w:styles xmlns:w=\"{W_NS}\">\
<w:docDefaults><w:rPrDefault><w:rPr>{rpr_inner}<w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault>\
<w:pPrDefault><w:pPr><w:widowControl w:val=\"0\"/><w:jc w:val=\"both\"/></w:pPr></w:pPrDefault></w:docDefaults>\
<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/><w:pPr><w:widowControl w:val=\"0\"/><w:jc w:val=\"both\"/></w:pPr><w:rPr>{rpr_inner}</w:rPr></w:style>\
<w:style w:type=\"character\" w:default=\"1\" w:styleId=\"DefaultParagraphFont\"><w:name w:val=\"Default Paragraph Font\"/><w:uiPriority w:val=\"1\"/><w:semiHidden/></w:style>\
<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/><w:semiHidden/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>\
</w:styles>"
    )
}

fn settings_xml() -> String {
    format!(
        "{DECL}<w:settings xmlns:w=\"{W_NS}\"><w:zoom w:percent=\"100\"/><w:defaultTabStop w:val=\"420\"/>\
<w:evenAndOddHeaders/><w:characterSpacingControl w:val=\"compressPunctuation\"/>\
<w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat>\
</w:settings>"
    )
}

fn content_types(charts: &[ChartPart]) -> String {
    let mut s = String::from(DECL);
    s.push_str("<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Default Extension=\"xlsx\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\"/>\
<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
<Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>\
<Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/>\
<Override PartName=\"/word/fontTable.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml\"/>\
<Override PartName=\"/word/footer1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/>\
<Override PartName=\"/word/footer2.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/>\
<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
<Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>");
    for c in charts {
        s.push_str(&format!(
            "<Override PartName=\"/{}\" ContentType=\"application/vnd.openxmlformats-officedocument.drawingml.chart+xml\"/>",
            c.path
        ));
    }
    s.push_str("</Types>");
    s
}

const ROOT_RELS: &str = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>\
<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties\" Target=\"docProps/app.xml\"/>\
</Relationships>";

fn document_rels(charts: &[ChartPart]) -> String {
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut s = String::from(DECL);
    s.push_str(
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    );
    s.push_str(&format!(
        "<Relationship Id=\"rIdStyles\" Type=\"{rel}/styles\" Target=\"styles.xml\"/>"
    ));
    s.push_str(&format!(
        "<Relationship Id=\"rIdSettings\" Type=\"{rel}/settings\" Target=\"settings.xml\"/>"
    ));
    s.push_str(&format!(
        "<Relationship Id=\"rIdFonts\" Type=\"{rel}/fontTable\" Target=\"fontTable.xml\"/>"
    ));
    s.push_str(&format!(
        "<Relationship Id=\"{RID_FOOTER_ODD}\" Type=\"{rel}/footer\" Target=\"footer1.xml\"/>"
    ));
    s.push_str(&format!(
        "<Relationship Id=\"{RID_FOOTER_EVEN}\" Type=\"{rel}/footer\" Target=\"footer2.xml\"/>"
    ));
    for c in charts {
        let target = c.path.strip_prefix("word/").unwrap_or(&c.path);
        s.push_str(&format!(
            "<Relationship Id=\"{}\" Type=\"{rel}/chart\" Target=\"{target}\"/>",
            c.rel_id
        ));
    }
    s.push_str("</Relationships>");
    s
}

fn core_xml(title: &str, creator: &str) -> String {
    format!(
        "{DECL}<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>{}</dc:title><dc:creator>{}</dc:creator></cp:coreProperties>",
        xml::escape(title),
        xml::escape(creator)
    )
}

fn app_xml() -> String {
    format!(
        "{DECL}<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\"><Application>duban</Application></Properties>"
    )
}

/// Zips the parts. Entries carry a fixed timestamp so the same input gives the same bytes.
pub(crate) fn write_docx(parts: &DocxParts) -> Result<Vec<u8>, DocsError> {
    let mut document = String::with_capacity(parts.body.len() + 1024);
    document.push_str(DECL);
    document.push_str(&format!(
        "<w:document xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\" \
xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" \
xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" \
xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\"><w:body>"
    ));
    document.push_str(&parts.body);
    document.push_str("</w:body></w:document>");

    let mut entries: Vec<(String, String)> = vec![
        ("[Content_Types].xml".into(), content_types(&parts.charts)),
        ("_rels/.rels".into(), format!("{DECL}{ROOT_RELS}")),
        (
            "docProps/core.xml".into(),
            core_xml(&parts.title, &parts.creator),
        ),
        ("docProps/app.xml".into(), app_xml()),
        (
            "word/_rels/document.xml.rels".into(),
            document_rels(&parts.charts),
        ),
        ("word/styles.xml".into(), styles_xml()),
        ("word/settings.xml".into(), settings_xml()),
        ("word/fontTable.xml".into(), crate::fonts::font_table_xml()),
        ("word/footer1.xml".into(), footer_xml(Jc::Right)),
        ("word/footer2.xml".into(), footer_xml(Jc::Left)),
    ];
    let mut binaries: Vec<(String, &[u8])> = Vec::new();
    for c in &parts.charts {
        entries.push((c.path.clone(), c.xml.clone()));
        if let Some(wb) = &c.workbook {
            let (rels, embedded) = c.embedding_paths();
            let target = embedded.strip_prefix("word/").unwrap_or(&embedded);
            entries.push((
                rels,
                format!(
                    "{DECL}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"{}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/package\" Target=\"../{target}\"/></Relationships>",
                    crate::chart::WORKBOOK_REL
                ),
            ));
            binaries.push((embedded, wb.as_slice()));
        }
    }

    let mut zip = ZipWriter::new(Cursor::new(Vec::with_capacity(document.len() / 4)));
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    let mut put = |name: &str, data: &[u8]| -> Result<(), DocsError> {
        let err = |e: &dyn std::fmt::Display| DocsError::Zip {
            part: name.to_string(),
            reason: e.to_string(),
        };
        zip.start_file(name, opts).map_err(|e| err(&e))?;
        zip.write_all(data).map_err(|e| err(&e))
    };
    for (name, data) in &entries {
        put(name, data.as_bytes())?;
    }
    for (name, data) in &binaries {
        put(name, data)?;
    }
    put("word/document.xml", document.as_bytes())?;
    let cursor = zip.finish().map_err(|e| DocsError::Zip {
        part: "(zip)".into(),
        reason: e.to_string(),
    })?;
    Ok(cursor.into_inner())
}

/// Ends the body: a tiny paragraph, then the last section's properties as the body's own.
pub(crate) fn section_break_last(out: &mut String, g: &PageGeometry) {
    out.push_str("<w:p>");
    xml::para_props(
        out,
        &ParaStyle {
            no_grid: true,
            exact_line: Some(20),
            mark: Some(RunStyle::new(Face::FangSong, 2)),
            ..ParaStyle::default()
        },
        None,
    );
    out.push_str("</w:p>");
    out.push_str(&sect_pr(g));
}
