//! The walk over word/document.xml: paragraphs and tables in document order.
use quick_xml::events::{BytesStart, Event};

use duban_model::{Location, Warning, WarningCode};

use super::numbering::Numbering;
use crate::IngestError;
use crate::grid::{Block, RawCell, RawDoc, RawRow, RawTable};
use crate::zipsafe::{SafeZip, attr, is_on, push_ref, xml_error};

/// Elements whose whole content is not document text as Word shows it: deletions, old
/// formatting of tracked changes, field codes, content-control properties, drawings and
/// text boxes (whose fallback copies would double their text), phonetic guides.
/// No real table is wider than Excel's 16,384 columns (Word stops at 63); a larger span is
/// damage, and believing it would make every later grid that wide.
const MAX_SPAN: usize = 16_384;

const SKIPPED: &[&[u8]] = &[
    b"del",
    b"moveFrom",
    b"delText",
    b"delInstrText",
    b"instrText",
    b"pPrChange",
    b"rPrChange",
    b"tcPrChange",
    b"trPrChange",
    b"tblPrChange",
    b"tblGridChange",
    b"sectPrChange",
    b"sdtPr",
    b"sdtEndPr",
    b"drawing",
    b"pict",
    b"object",
    b"AlternateContent",
    b"txbxContent",
    b"rt",
    b"footnotePr",
    b"endnotePr",
];

#[derive(Default)]
struct Para {
    text: String,
    style: Option<String>,
    num_id: Option<String>,
    ilvl: Option<usize>,
}

#[derive(Default)]
struct Cell {
    paras: Vec<String>,
    /// Set when the first paragraph ends: `Some(number)` if it was numbered.
    first_number: Option<Option<u32>>,
    span: usize,
    merged_from_above: bool,
    /// A legacy horizontal-merge continuation (`w:hMerge`): folded into the cell before.
    h_continue: bool,
}

#[derive(Default)]
struct Row {
    cells: Vec<RawCell>,
    is_header: bool,
    deleted: bool,
    source_row: usize,
}

#[derive(Default)]
struct Table {
    rows: Vec<RawRow>,
    row: Option<Row>,
    cell: Option<Cell>,
    seen_rows: usize,
}

struct Walker<'n> {
    lists: &'n mut Numbering,
    blocks: Vec<Block>,
    table: Option<Table>,
    tables_read: usize,
    /// Depth of tables inside a cell of the current table: their text goes into that cell.
    nested: usize,
    para: Option<Para>,
    in_ppr: bool,
    in_numpr: bool,
    in_run: bool,
    in_text: bool,
    in_trpr: bool,
    in_tcpr: bool,
    /// Table rows deleted as tracked changes, left out.
    deleted_rows: usize,
}

pub(super) fn read(
    zip: &mut SafeZip<'_>,
    part: &str,
    lists: &mut Numbering,
) -> Result<RawDoc, IngestError> {
    let file = zip.file();
    let mut reader = zip.required_xml(part)?;
    let mut w = Walker {
        lists,
        blocks: Vec::new(),
        table: None,
        tables_read: 0,
        nested: 0,
        para: None,
        in_ppr: false,
        in_numpr: false,
        in_run: false,
        in_text: false,
        in_trpr: false,
        in_tcpr: false,
        deleted_rows: 0,
    };
    let mut buf = Vec::new();
    let mut skip = 0usize;
    // What was left out, for the notes: tracked deletions, and drawings, text boxes and
    // embedded objects (their text is not read).
    let (mut deletions, mut objects) = (0usize, 0usize);
    loop {
        let ev = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => return Err(xml_error(file, part, &reader, &e)),
        };
        match ev {
            Event::Eof => break,
            Event::Start(_) if skip > 0 => skip += 1,
            Event::End(_) if skip > 0 => skip -= 1,
            Event::Start(e) => {
                let name = e.local_name();
                if SKIPPED.contains(&name.as_ref()) {
                    skip = 1;
                    match name.as_ref() {
                        b"del" | b"moveFrom" => deletions += 1,
                        b"drawing" | b"pict" | b"object" | b"AlternateContent" => objects += 1,
                        _ => {}
                    }
                } else {
                    w.open(&e, false);
                }
            }
            Event::Empty(e) if skip == 0 => w.open(&e, true),
            Event::End(e) => w.close(e.local_name().as_ref()),
            Event::Text(t) if skip == 0 && w.in_text => {
                if let (Some(p), Ok(s)) = (w.para.as_mut(), t.decode()) {
                    p.text.push_str(&s);
                }
            }
            Event::GeneralRef(r) if skip == 0 && w.in_text => {
                if let Some(p) = w.para.as_mut() {
                    push_ref(&mut p.text, &r);
                }
            }
            Event::CData(c) if skip == 0 && w.in_text => {
                if let Some(p) = w.para.as_mut() {
                    p.text.push_str(&String::from_utf8_lossy(&c));
                }
            }
            _ => {}
        }
        buf.clear();
    }
    // A truncated document still yields what was read, including an unclosed table.
    w.end_para();
    w.end_table();
    let mut notes = Vec::new();
    let mut note = |n: usize, what: &str| {
        if n > 0 {
            notes.push(Warning::new(
                WarningCode::SkippedPart,
                Location::part(part.to_string()),
                format!("文档中有{n}处{what}"),
            ));
        }
    };
    note(
        deletions,
        "未接受的修订删除，已按接受修订后的文字读取（删除的文字未读入）",
    );
    note(w.deleted_rows, "表格行已作为修订删除，未读入");
    note(
        objects,
        "图片、文本框或嵌入对象，其中的文字未读入；如含任务内容，请改为正文或表格后重新导入",
    );
    Ok(RawDoc {
        blocks: w.blocks,
        notes,
    })
}

impl Walker<'_> {
    fn push_text(&mut self, s: &str) {
        if self.in_run
            && let Some(p) = self.para.as_mut()
        {
            p.text.push_str(s);
        }
    }

    fn open(&mut self, e: &BytesStart<'_>, empty: bool) {
        let val = || attr(e, b"val");
        match e.local_name().as_ref() {
            b"p" => {
                self.end_para();
                self.para = Some(Para::default());
                // `<w:p/>` is an empty paragraph: a blank line in a cell.
                if empty {
                    self.end_para();
                }
            }
            b"pPr" if !empty => self.in_ppr = true,
            b"pStyle" if self.in_ppr => {
                if let Some(p) = self.para.as_mut() {
                    p.style = val();
                }
            }
            b"numPr" if self.in_ppr && !empty => self.in_numpr = true,
            b"numId" if self.in_numpr => {
                if let Some(p) = self.para.as_mut() {
                    p.num_id = val();
                }
            }
            b"ilvl" if self.in_numpr => {
                if let Some(p) = self.para.as_mut() {
                    p.ilvl = val().and_then(|v| v.trim().parse().ok());
                }
            }
            b"r" if !empty => self.in_run = true,
            b"t" if !empty => self.in_text = true,
            b"tab" | b"ptab" if !self.in_ppr => self.push_text("\t"),
            b"br" | b"cr" if !self.in_ppr => self.push_text("\n"),
            b"noBreakHyphen" => self.push_text("-"),
            b"tbl" if !empty => {
                if self.table.as_ref().is_some_and(|t| t.cell.is_some()) || self.nested > 0 {
                    self.nested += 1;
                } else {
                    self.end_para();
                    self.end_table();
                    self.table = Some(Table::default());
                }
            }
            b"tr" if !empty && self.nested == 0 => {
                if let Some(t) = self.table.as_mut() {
                    t.seen_rows += 1;
                    t.row = Some(Row {
                        source_row: t.seen_rows,
                        ..Row::default()
                    });
                    t.cell = None;
                }
            }
            b"trPr" if !empty && self.nested == 0 => self.in_trpr = true,
            b"tblHeader" if self.in_trpr => {
                if let Some(r) = self.row_mut() {
                    r.is_header = is_on(val().as_deref());
                }
            }
            // A tracked deletion of the whole row: the row is gone.
            b"del" if self.in_trpr => {
                if let Some(r) = self.row_mut() {
                    r.deleted = true;
                }
            }
            b"gridBefore" if self.in_trpr => {
                let n = val()
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0)
                    .min(MAX_SPAN);
                if n > 0
                    && let Some(r) = self.row_mut()
                    && r.cells.is_empty()
                {
                    // Keep later cells in their grid columns.
                    r.cells.push(RawCell {
                        span: n,
                        ..RawCell::default()
                    });
                }
            }
            b"tc" if !empty && self.nested == 0 => {
                if let Some(t) = self.table.as_mut()
                    && t.row.is_some()
                {
                    t.cell = Some(Cell {
                        span: 1,
                        ..Cell::default()
                    });
                }
            }
            b"tcPr" if !empty && self.nested == 0 => self.in_tcpr = true,
            b"gridSpan" if self.in_tcpr => {
                let n = val()
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(1);
                if let Some(c) = self.cell_mut() {
                    c.span = n.clamp(1, MAX_SPAN);
                }
            }
            b"vMerge" if self.in_tcpr => {
                let restart = val().is_some_and(|v| v == "restart");
                if let Some(c) = self.cell_mut() {
                    c.merged_from_above = !restart;
                }
            }
            b"hMerge" if self.in_tcpr => {
                let restart = val().is_some_and(|v| v == "restart");
                if let Some(c) = self.cell_mut() {
                    c.h_continue = !restart;
                }
            }
            _ => {}
        }
    }

    fn close(&mut self, local: &[u8]) {
        match local {
            b"p" => self.end_para(),
            b"pPr" => {
                self.in_ppr = false;
                self.in_numpr = false;
            }
            b"numPr" => self.in_numpr = false,
            b"r" => self.in_run = false,
            b"t" => self.in_text = false,
            b"trPr" => self.in_trpr = false,
            b"tcPr" => self.in_tcpr = false,
            b"tc" if self.nested == 0 => self.end_cell(),
            b"tr" if self.nested == 0 => self.end_row(),
            b"tbl" => {
                if self.nested > 0 {
                    self.nested -= 1;
                } else {
                    self.end_para();
                    self.end_table();
                }
            }
            _ => {}
        }
    }

    fn row_mut(&mut self) -> Option<&mut Row> {
        self.table.as_mut().and_then(|t| t.row.as_mut())
    }

    fn cell_mut(&mut self) -> Option<&mut Cell> {
        self.table.as_mut().and_then(|t| t.cell.as_mut())
    }

    fn end_para(&mut self) {
        let Some(p) = self.para.take() else {
            return;
        };
        self.in_ppr = false;
        self.in_numpr = false;
        self.in_run = false;
        self.in_text = false;
        let numbered = self
            .lists
            .next(p.num_id.as_deref(), p.ilvl, p.style.as_deref());
        let nested = self.nested > 0;
        if let Some(cell) = self.cell_mut() {
            if cell.first_number.is_none() && !nested {
                cell.first_number =
                    Some(numbered.as_ref().and_then(|n| u32::try_from(n.value).ok()));
            }
            cell.paras.push(p.text);
            return;
        }
        let text = match numbered {
            Some(n) => format!("{}{}", n.label, p.text),
            None => p.text,
        };
        if !text.trim().is_empty() {
            self.blocks.push(Block::Para(text));
        }
    }

    fn end_cell(&mut self) {
        self.end_para();
        let Some(t) = self.table.as_mut() else {
            return;
        };
        let Some(mut cell) = t.cell.take() else {
            return;
        };
        let Some(row) = t.row.as_mut() else {
            return;
        };
        // Trailing empty paragraphs are layout, not content.
        while cell.paras.last().is_some_and(|p| p.trim().is_empty()) {
            cell.paras.pop();
        }
        if cell.h_continue
            && let Some(prev) = row.cells.last_mut()
        {
            prev.span = prev.span.saturating_add(cell.span).min(MAX_SPAN);
            return;
        }
        // Most cells hold one paragraph: keep its string (trimmed to size) rather than
        // join a copy.
        let text = if cell.paras.len() == 1 {
            let mut only = cell.paras.pop().unwrap_or_default();
            only.shrink_to_fit();
            only
        } else {
            cell.paras.join("\n")
        };
        row.cells.push(RawCell {
            text,
            span: cell.span,
            merged_from_above: cell.merged_from_above,
            auto_number: cell.first_number.flatten(),
        });
    }

    fn end_row(&mut self) {
        self.end_cell();
        let Some(t) = self.table.as_mut() else {
            return;
        };
        let Some(row) = t.row.take() else {
            return;
        };
        if row.deleted {
            self.deleted_rows += 1;
            return;
        }
        if row.cells.is_empty() {
            return;
        }
        t.rows.push(RawRow {
            cells: row.cells,
            is_header: row.is_header,
            source_row: row.source_row,
        });
    }

    fn end_table(&mut self) {
        self.end_row();
        let Some(t) = self.table.take() else {
            return;
        };
        self.nested = 0;
        if t.rows.is_empty() {
            return;
        }
        self.tables_read += 1;
        self.blocks.push(Block::Table(RawTable {
            name: format!("表{}", self.tables_read),
            rows: t.rows,
        }));
    }
}
