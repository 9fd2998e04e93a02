//! A native Word chart part (DrawingML `c:chartSpace`): a stacked bar chart whose values are
//! cached in the part itself, so Word, WPS and LibreOffice draw it without any raster image,
//! and whose data also travel as an embedded workbook (`c:externalData`, the same Sheet1
//! ranges), so Word's 编辑数据 opens them.

use crate::DocsError;
use crate::fonts::Face;
use crate::xml::{DECL, escape};

pub(crate) struct Series {
    pub name: &'static str,
    /// RRGGBB.
    pub color: &'static str,
    pub values: Vec<f64>,
}

const C_NS: &str = "http://schemas.openxmlformats.org/drawingml/2006/chart";
const A_NS: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";

fn text_props(size_hundredths: u32) -> String {
    let face = Face::FangSong.fallback();
    format!(
        "<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz=\"{size_hundredths}\"><a:latin typeface=\"{face}\"/><a:ea typeface=\"{face}\"/></a:defRPr></a:pPr><a:endParaRPr lang=\"zh-CN\"/></a:p></c:txPr>"
    )
}

/// Excel column letters for the cached ranges ("B", …).
fn column(i: usize) -> String {
    let mut n = i + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn number(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "0".to_string()
    }
}

/// The chart part's relationship to its embedded workbook.
pub(crate) const WORKBOOK_REL: &str = "rId1";

/// The workbook behind the chart: categories in Sheet1!A2:A(n+1), one series a column from
/// B with its name in row 1 — the ranges the chart part's formulas name.
pub(crate) fn workbook(categories: &[String], series: &[Series]) -> Result<Vec<u8>, DocsError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    // A fixed creation time: the same bulletin gives the same bytes.
    let epoch = rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&epoch));
    let ws = wb.add_worksheet();
    ws.set_name("Sheet1")?;
    ws.write_string(0, 0, "")?;
    for (j, s) in series.iter().enumerate() {
        let col = u16::try_from(j + 1).unwrap_or(u16::MAX);
        ws.write_string(0, col, s.name)?;
        for (i, v) in s.values.iter().enumerate() {
            let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
            ws.write_number(row, col, if v.is_finite() { *v } else { 0.0 })?;
        }
    }
    for (i, c) in categories.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        ws.write_string(row, 0, c.as_str())?;
    }
    ws.set_column_width(0, 24)?;
    Ok(wb.save_to_buffer()?)
}

/// A horizontal stacked bar chart, categories top to bottom in the given order.
pub(crate) fn stacked_bar(title: &str, categories: &[String], series: &[Series]) -> String {
    let n = categories.len();
    let mut s = String::with_capacity(4096 + n * 200);
    s.push_str(DECL);
    s.push_str(&format!(
        "<c:chartSpace xmlns:c=\"{C_NS}\" xmlns:a=\"{A_NS}\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    ));
    s.push_str("<c:lang val=\"zh-CN\"/><c:roundedCorners val=\"0\"/><c:chart>");
    let face = Face::Hei.fallback();
    s.push_str(&format!(
        "<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz=\"1200\" b=\"0\"><a:latin typeface=\"{face}\"/><a:ea typeface=\"{face}\"/></a:defRPr></a:pPr><a:r><a:rPr lang=\"zh-CN\" sz=\"1200\" b=\"0\"><a:latin typeface=\"{face}\"/><a:ea typeface=\"{face}\"/></a:rPr><a:t>{}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val=\"0\"/></c:title>",
        escape(title)
    ));
    s.push_str("<c:autoTitleDeleted val=\"0\"/><c:plotArea><c:layout/><c:barChart><c:barDir val=\"bar\"/><c:grouping val=\"stacked\"/><c:varyColors val=\"0\"/>");
    for (i, ser) in series.iter().enumerate() {
        let col = column(i + 1);
        s.push_str(&format!(
            "<c:ser><c:idx val=\"{i}\"/><c:order val=\"{i}\"/><c:tx><c:strRef><c:f>Sheet1!${col}$1</c:f><c:strCache><c:ptCount val=\"1\"/><c:pt idx=\"0\"><c:v>{}</c:v></c:pt></c:strCache></c:strRef></c:tx>",
            escape(ser.name)
        ));
        s.push_str(&format!(
            "<c:spPr><a:solidFill><a:srgbClr val=\"{}\"/></a:solidFill></c:spPr><c:invertIfNegative val=\"0\"/>",
            ser.color
        ));
        s.push_str(&format!(
            "<c:cat><c:strRef><c:f>Sheet1!$A$2:$A${}</c:f><c:strCache><c:ptCount val=\"{n}\"/>",
            n + 1
        ));
        for (j, c) in categories.iter().enumerate() {
            s.push_str(&format!(
                "<c:pt idx=\"{j}\"><c:v>{}</c:v></c:pt>",
                escape(c)
            ));
        }
        s.push_str(&format!(
            "</c:strCache></c:strRef></c:cat><c:val><c:numRef><c:f>Sheet1!${col}$2:${col}${}</c:f><c:numCache><c:formatCode>General</c:formatCode><c:ptCount val=\"{n}\"/>",
            n + 1
        ));
        for (j, v) in ser.values.iter().take(n).enumerate() {
            s.push_str(&format!(
                "<c:pt idx=\"{j}\"><c:v>{}</c:v></c:pt>",
                number(*v)
            ));
        }
        s.push_str("</c:numCache></c:numRef></c:val></c:ser>");
    }
    s.push_str("<c:gapWidth val=\"60\"/><c:overlap val=\"100\"/><c:axId val=\"5001\"/><c:axId val=\"5002\"/></c:barChart>");
    // Category axis: first category at the top.
    s.push_str("<c:catAx><c:axId val=\"5001\"/><c:scaling><c:orientation val=\"maxMin\"/></c:scaling><c:delete val=\"0\"/><c:axPos val=\"l\"/><c:numFmt formatCode=\"General\" sourceLinked=\"0\"/><c:majorTickMark val=\"none\"/><c:minorTickMark val=\"none\"/><c:tickLblPos val=\"nextTo\"/>");
    s.push_str(&text_props(900));
    s.push_str("<c:crossAx val=\"5002\"/><c:crosses val=\"autoZero\"/><c:auto val=\"1\"/><c:lblAlgn val=\"ctr\"/><c:lblOffset val=\"100\"/><c:noMultiLvlLbl val=\"0\"/></c:catAx>");
    s.push_str("<c:valAx><c:axId val=\"5002\"/><c:scaling><c:orientation val=\"minMax\"/><c:min val=\"0\"/></c:scaling><c:delete val=\"0\"/><c:axPos val=\"b\"/><c:majorGridlines><c:spPr><a:ln w=\"3175\"><a:solidFill><a:srgbClr val=\"D9D9D9\"/></a:solidFill></a:ln></c:spPr></c:majorGridlines><c:numFmt formatCode=\"0\" sourceLinked=\"0\"/><c:majorTickMark val=\"out\"/><c:minorTickMark val=\"none\"/><c:tickLblPos val=\"nextTo\"/>");
    s.push_str(&text_props(900));
    s.push_str("<c:crossAx val=\"5001\"/><c:crosses val=\"max\"/><c:crossBetween val=\"between\"/></c:valAx>");
    s.push_str("</c:plotArea><c:legend><c:legendPos val=\"b\"/><c:overlay val=\"0\"/>");
    s.push_str(&text_props(900));
    s.push_str("</c:legend><c:plotVisOnly val=\"1\"/><c:dispBlanksAs val=\"gap\"/></c:chart>");
    s.push_str(&text_props(900));
    s.push_str(&format!(
        "<c:externalData r:id=\"{WORKBOOK_REL}\"><c:autoUpdate val=\"0\"/></c:externalData>"
    ));
    s.push_str("</c:chartSpace>");
    s
}

/// The run that places a chart inline: `rel_id` names the chart part, `id` is unique among
/// the document's drawings, sizes in EMU (1 mm = 36 000 EMU).
pub(crate) fn inline_run(rel_id: &str, id: u32, name: &str, cx: u64, cy: u64) -> String {
    let mut s = String::with_capacity(1024);
    s.push_str("<w:r>");
    crate::xml::run_props(&mut s, crate::xml::RunStyle::new(Face::FangSong, 32));
    s.push_str(&format!(
        "<w:drawing><wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\"><wp:extent cx=\"{cx}\" cy=\"{cy}\"/><wp:effectExtent l=\"0\" t=\"0\" r=\"0\" b=\"0\"/><wp:docPr id=\"{id}\" name=\"{}\"/><wp:cNvGraphicFramePr/><a:graphic><a:graphicData uri=\"{C_NS}\"><c:chart r:id=\"{rel_id}\"/></a:graphicData></a:graphic></wp:inline></w:drawing>",
        escape(name)
    ));
    s.push_str("</w:r>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_spreadsheet_letters() {
        assert_eq!(column(0), "A");
        assert_eq!(column(25), "Z");
        assert_eq!(column(26), "AA");
    }

    #[test]
    fn chart_caches_every_value() {
        let xml = stacked_bar(
            "图",
            &["区科技局".into(), "A&B".into()],
            &[Series {
                name: "按时",
                color: "4472C4",
                values: vec![3.0, 1.5],
            }],
        );
        assert!(xml.contains("<c:pt idx=\"1\"><c:v>A&amp;B</c:v></c:pt>"));
        assert!(xml.contains("<c:pt idx=\"1\"><c:v>1.5</c:v></c:pt>"));
        assert!(xml.contains("<c:ptCount val=\"2\"/>"));
    }
}
