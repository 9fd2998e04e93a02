//! Bordered tables with a header row Word repeats on every page.

use crate::fonts::Face;
use crate::xml::{self, Jc, ParaStyle, RunStyle};

/// 小四 (12 pt) 仿宋_GB2312 for cells, 黑体 for the header.
pub(crate) const CELL: RunStyle = RunStyle::new(Face::FangSong, 24);
pub(crate) const HEAD: RunStyle = RunStyle::new(Face::Hei, 24);

pub(crate) struct Column {
    pub header: &'static str,
    /// Width in twips.
    pub width: u32,
    pub jc: Jc,
}

/// How a cell joins the one above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Merge {
    None,
    /// The first of a run of equal cells.
    Restart,
    /// Covered by the cell above; its text is not written.
    Continue,
}

pub(crate) struct Cell {
    pub text: String,
    pub merge: Merge,
}

impl Cell {
    pub(crate) fn new(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            merge: Merge::None,
        }
    }
}

/// Restart/Continue marks for a column of optional values: consecutive equal `Some` values
/// merge into one cell, as the sample's 工作板块 column does.
pub(crate) fn merges<T: PartialEq>(values: &[Option<T>]) -> Vec<Merge> {
    let mut out = vec![Merge::None; values.len()];
    for i in 0..values.len() {
        let same_as_prev = i > 0 && values[i].is_some() && values[i] == values[i - 1];
        if same_as_prev {
            out[i] = Merge::Continue;
            if out[i - 1] == Merge::None {
                out[i - 1] = Merge::Restart;
            }
        }
    }
    out
}

fn cell(
    out: &mut String,
    width: u32,
    jc: Jc,
    st: RunStyle,
    text: &str,
    merge: Merge,
    shade: Option<&str>,
) {
    out.push_str(&format!(
        "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/>"
    ));
    match merge {
        Merge::None => {}
        Merge::Restart => out.push_str("<w:vMerge w:val=\"restart\"/>"),
        Merge::Continue => out.push_str("<w:vMerge/>"),
    }
    if let Some(fill) = shade {
        out.push_str(&format!(
            "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{fill}\"/>"
        ));
    }
    out.push_str("<w:vAlign w:val=\"center\"/></w:tcPr>");
    let ps = ParaStyle {
        jc,
        no_grid: true,
        mark: Some(st),
        ..ParaStyle::default()
    };
    let text = if merge == Merge::Continue {
        ""
    } else {
        text.trim()
    };
    // One paragraph per line: readers (python-docx, our ingest) see the lines as written.
    for line in text.split('\n') {
        out.push_str("<w:p>");
        xml::para_props(out, &ps, None);
        let line = line.trim();
        if !line.is_empty() {
            xml::run(out, st, line);
        }
        out.push_str("</w:p>");
    }
    out.push_str("</w:tc>");
}

/// A full-width table; `rows[i][j]` is the cell of column j.
pub(crate) fn table(out: &mut String, cols: &[Column], rows: &[Vec<Cell>]) {
    let total: u32 = cols.iter().map(|c| c.width).sum();
    out.push_str(&format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"{total}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/><w:tblBorders>"
    ));
    for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
        out.push_str(&format!(
            "<w:{side} w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
        ));
    }
    out.push_str(
        "</w:tblBorders><w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:top w:w=\"28\" w:type=\"dxa\"/><w:left w:w=\"85\" w:type=\"dxa\"/><w:bottom w:w=\"28\" w:type=\"dxa\"/><w:right w:w=\"85\" w:type=\"dxa\"/></w:tblCellMar><w:tblLook w:val=\"04A0\" w:firstRow=\"1\" w:lastRow=\"0\" w:firstColumn=\"1\" w:lastColumn=\"0\" w:noHBand=\"0\" w:noVBand=\"1\"/></w:tblPr><w:tblGrid>",
    );
    for c in cols {
        out.push_str(&format!("<w:gridCol w:w=\"{}\"/>", c.width));
    }
    out.push_str("</w:tblGrid>");
    out.push_str("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>");
    for c in cols {
        cell(
            out,
            c.width,
            Jc::Center,
            HEAD,
            c.header,
            Merge::None,
            Some("D9D9D9"),
        );
    }
    out.push_str("</w:tr>");
    for row in rows {
        out.push_str("<w:tr>");
        for (j, c) in cols.iter().enumerate() {
            match row.get(j) {
                Some(v) => cell(out, c.width, c.jc, CELL, &v.text, v.merge, None),
                None => cell(out, c.width, c.jc, CELL, "", Merge::None, None),
            }
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
}

/// A bordered two-column form (督办单): a shaded label beside each value, no header row.
pub(crate) fn form(out: &mut String, label_width: u32, width: u32, rows: &[(&str, String)]) {
    let value_width = width.saturating_sub(label_width).max(1500);
    out.push_str(&format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"{}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/><w:tblBorders>",
        label_width + value_width
    ));
    for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
        out.push_str(&format!(
            "<w:{side} w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
        ));
    }
    out.push_str(
        "</w:tblBorders><w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:top w:w=\"57\" w:type=\"dxa\"/><w:left w:w=\"85\" w:type=\"dxa\"/><w:bottom w:w=\"57\" w:type=\"dxa\"/><w:right w:w=\"85\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr><w:tblGrid>",
    );
    out.push_str(&format!(
        "<w:gridCol w:w=\"{label_width}\"/><w:gridCol w:w=\"{value_width}\"/></w:tblGrid>"
    ));
    for (label, value) in rows {
        out.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
        cell(
            out,
            label_width,
            Jc::Center,
            HEAD,
            label,
            Merge::None,
            Some("F2F2F2"),
        );
        cell(out, value_width, Jc::Both, CELL, value, Merge::None, None);
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_neighbours_merge() {
        let v = [
            Some("甲"),
            Some("甲"),
            Some("乙"),
            Option::None,
            Option::None,
            Some("丙"),
            Some("丙"),
            Some("丙"),
        ];
        use Merge::{Continue as C, None as N, Restart as R};
        assert_eq!(merges(&v), vec![R, C, N, N, N, R, C, C]);
    }
}
