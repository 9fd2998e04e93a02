//! Plain-text exports of Word reports → [`RawDoc`].
//!
//! Word's "save as plain text" writes each table row as a run of lines: a line starting with
//! TAB opens each cell (the row's first cell holds the row number), lines without a leading
//! TAB continue the cell before, and a blank line usually ends the row. When Word's
//! auto-numbering did not survive, the row starts with `" \t"`: a blank number cell followed
//! by the next cell on the same line. Vertically merged cells (the section column) vanish
//! from continuation rows, so such rows are one cell short; this reader puts an explicit
//! merged cell back, giving the builder the same grid a .docx would.
//!
//! Tab-separated text saved from Excel is recognised and read as rows of cells ([`tsv`]).
mod tsv;

use crate::IngestError;
use crate::grid::{Block, RawCell, RawDoc, RawRow, RawTable};

pub(crate) fn read(file: &str, bytes: &[u8]) -> Result<RawDoc, IngestError> {
    let text = decode(file, bytes)?;
    if tsv::looks_tab_separated(&text) {
        return Ok(tsv::parse(&text));
    }
    Ok(parse(&text))
}

/// UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 — the encodings Word offers
/// when saving Chinese text.
fn decode(file: &str, bytes: &[u8]) -> Result<String, IngestError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(file, rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(file, rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(file, rest, u16::from_be_bytes);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors || text.contains('\0') {
        return Err(malformed(
            file,
            "文件编码无法识别（支持 UTF-8、UTF-16、GB18030）",
        ));
    }
    Ok(text.into_owned())
}

fn utf8(file: &str, bytes: &[u8]) -> Result<String, IngestError> {
    std::str::from_utf8(bytes).map(str::to_string).map_err(|e| {
        malformed(
            file,
            &format!("第 {} 字节起不是有效的 UTF-8", e.valid_up_to()),
        )
    })
}

fn utf16(file: &str, bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, IngestError> {
    let units = bytes.chunks(2).map(|c| match c {
        [a, b] => unit([*a, *b]),
        // An odd trailing byte cannot be a code unit; it decodes as a replacement error.
        _ => 0xD800,
    });
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|_| malformed(file, "不是有效的 UTF-16 文本"))
}

fn malformed(file: &str, reason: &str) -> IngestError {
    IngestError::Malformed {
        file: file.to_string(),
        place: "全文".into(),
        reason: reason.to_string(),
    }
}

/// How a line takes part in the text's structure.
enum Line<'a> {
    Blank,
    /// `"\t…"`: opens a cell.
    Cell(&'a str),
    /// `" \t…"`: opens a row whose number cell is blank; the text opens its second cell.
    UnnumberedRow(&'a str),
    Text(&'a str),
}

fn classify(line: &str) -> Line<'_> {
    if let Some(rest) = line.strip_prefix('\t') {
        return Line::Cell(rest);
    }
    let lead = line.trim_start_matches([' ', '\u{3000}', '\u{a0}']);
    if lead.len() < line.len()
        && let Some(rest) = lead.strip_prefix('\t')
    {
        return Line::UnnumberedRow(rest);
    }
    if line.trim().is_empty() {
        Line::Blank
    } else {
        Line::Text(line)
    }
}

#[derive(Default)]
struct TableBuilder {
    /// Rows read: their cells and the line each started on.
    rows: Vec<(Vec<String>, usize)>,
    /// The row being read.
    open: Option<(Vec<String>, usize)>,
}

impl TableBuilder {
    /// Cells a complete row has: the first row (the header) sets it.
    fn width(&self) -> usize {
        self.rows.first().map_or(usize::MAX, |r| r.0.len())
    }

    fn close_row(&mut self) {
        if let Some(row) = self.open.take() {
            self.rows.push(row);
        }
    }

    fn open_row(&mut self, first: Vec<String>, line: usize) {
        self.close_row();
        self.open = Some((first, line));
    }

    /// Whether the row being read has all its cells: as many as the header, or, while the
    /// header itself is being read, two or more labels.
    fn open_row_complete(&self) -> bool {
        let Some((cells, _)) = &self.open else {
            return false;
        };
        match self.rows.first() {
            Some(header) => cells.len() >= header.0.len(),
            None => {
                cells.len() >= 2
                    && cells
                        .first()
                        .is_some_and(|c| !c.trim().is_empty() && !is_row_number(c))
            }
        }
    }

    /// Takes the last row back for more text: a blank line inside a cell had closed it.
    fn reopen_last(&mut self) -> bool {
        if self.open.is_none() && self.rows.len() > 1 {
            self.open = self.rows.pop();
        }
        self.open.is_some()
    }

    /// Whether the last row lacks cells the header has.
    fn last_incomplete(&self) -> bool {
        let width = self.width();
        self.rows.len() > 1 && self.rows.last().is_some_and(|r| r.0.len() < width)
    }

    fn finish(mut self, index: usize) -> RawTable {
        self.close_row();
        let rows = self
            .rows
            .into_iter()
            .map(|(cells, line)| RawRow {
                cells: cells.into_iter().map(RawCell::text).collect(),
                is_header: false,
                source_row: line,
            })
            .collect();
        let mut table = RawTable {
            name: format!("表{index}"),
            rows,
        };
        restore_merged_cells(&mut table);
        table
    }
}

/// For each line: after a row has ended, whether text from that line on still belongs to
/// the table — the next cell line opens a data row, and no line between reads as the label
/// or title of a new table. Computed in one backward pass, so hostile input cannot make
/// the look-ahead quadratic.
fn table_continues(lines: &[&str]) -> Vec<bool> {
    let mut out = vec![false; lines.len()];
    let mut state = false;
    for (i, line) in lines.iter().enumerate().rev() {
        match classify(line) {
            Line::Blank => {}
            Line::Text(t) => {
                let t = t.trim();
                if t.starts_with("附件") || t.starts_with("附表") || t.ends_with('表') {
                    state = false;
                }
            }
            Line::Cell(rest) => state = is_row_number(rest),
            Line::UnnumberedRow(_) => state = true,
        }
        if let Some(o) = out.get_mut(i) {
            *o = state;
        }
    }
    out
}

fn parse(text: &str) -> RawDoc {
    let mut blocks = Vec::new();
    let mut table: Option<TableBuilder> = None;
    let mut tables = 0usize;
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let continues = table_continues(&lines);

    for (i, &line) in lines.iter().enumerate() {
        let line_no = i + 1;
        match classify(line) {
            Line::Blank => {
                if let Some(t) = table.as_mut() {
                    t.close_row();
                }
            }
            Line::UnnumberedRow(rest) => {
                let t = table.get_or_insert_with(TableBuilder::default);
                t.open_row(vec![String::new(), rest.to_string()], line_no);
            }
            Line::Cell(rest) => {
                let t = table.get_or_insert_with(TableBuilder::default);
                if t.open.is_none() && t.last_incomplete() && !is_row_number(rest) {
                    t.reopen_last();
                }
                let complete = t.open_row_complete();
                match t.open.as_mut() {
                    // A bare number once the row already has all its cells starts the next
                    // row even without the blank line that usually separates rows.
                    Some((cells, _)) if !(complete && is_row_number(rest)) => {
                        cells.push(rest.to_string());
                    }
                    _ => t.open_row(vec![rest.to_string()], line_no),
                }
            }
            Line::Text(s) => {
                if let Some(t) = table.as_mut()
                    && !is_attachment_label(s)
                    && (t.open.is_some() || (continues.get(i) == Some(&true) && t.reopen_last()))
                {
                    if let Some(last) = t.open.as_mut().and_then(|(c, _)| c.last_mut()) {
                        last.push('\n');
                        last.push_str(s);
                    }
                    continue;
                }
                // Text after a row has ended closes the table.
                if let Some(t) = table.take() {
                    tables += 1;
                    blocks.push(Block::Table(t.finish(tables)));
                }
                blocks.push(Block::Para(s.to_string()));
            }
        }
    }
    if let Some(t) = table.take() {
        tables += 1;
        blocks.push(Block::Table(t.finish(tables)));
    }
    RawDoc {
        blocks,
        notes: Vec::new(),
    }
}

/// "附件2" or "附表 3：…" — the label of the next table, which ends the one before even
/// when no blank line separates them.
fn is_attachment_label(s: &str) -> bool {
    let t = s.trim();
    let Some(rest) = t.strip_prefix("附件").or_else(|| t.strip_prefix("附表")) else {
        return false;
    };
    t.chars().count() <= 40
        && rest
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit() || "一二三四五六七八九十".contains(c))
}

fn is_row_number(s: &str) -> bool {
    let t = s.trim().trim_end_matches(['.', '、', '．']);
    !t.is_empty() && t.len() <= 6 && t.bytes().all(|b| b.is_ascii_digit())
}

/// Puts back the cells plain text lost.
///
/// The widest rows are complete. A data row (its first cell a number or blank) one cell
/// short lost its vertically merged second cell, the section: an explicit merged cell goes
/// back in its place. A header row one cell short labels the section and the task with one
/// heading that spanned both columns in Word: its second cell is given a span of two.
fn restore_merged_cells(table: &mut RawTable) {
    let Some(width) = table.rows.iter().map(|r| r.cells.len()).max() else {
        return;
    };
    if width < 3 {
        return;
    }
    for row in &mut table.rows {
        if row.cells.len() + 1 != width {
            continue;
        }
        let first = row.cells.first().map(|c| c.text.trim()).unwrap_or("");
        if first.is_empty() || is_row_number(first) {
            row.cells.insert(
                1,
                RawCell {
                    merged_from_above: true,
                    ..RawCell::text("")
                },
            );
        } else if let Some(cell) = row.cells.get_mut(1) {
            cell.span = 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(doc: &RawDoc) -> Vec<&RawTable> {
        doc.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                Block::Para(_) => None,
            })
            .collect()
    }

    #[test]
    fn rows_cells_and_continuations() {
        let text = "标题\n\n\t序号\n\t任务\n\t牵头单位\n\n\t1\n\t第一项\n\t区科技局\n区商务委\n\n\t2\n\t第二项\n\t区财政局\n\n后记\n";
        let doc = parse(text);
        assert_eq!(doc.blocks.first(), Some(&Block::Para("标题".into())));
        assert_eq!(doc.blocks.last(), Some(&Block::Para("后记".into())));
        let t = tables(&doc);
        assert_eq!(t.len(), 1);
        let rows = &t[0].rows;
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].cells[2].text, "区科技局\n区商务委");
        assert_eq!(rows[2].cells[1].text, "第二项");
    }

    #[test]
    fn unnumbered_rows_and_lost_section_cells() {
        // Header of 3 labels over 4 columns; row 2 lost its number and its merged section.
        let text = "\t序号\n\t任务\n\t牵头单位\n\n\t1\n\t板块甲\n\t第一项\n\t区科技局\n \t第二项\n\t区财政局\n \t板块乙\n\t第三项\n\t区教委\n";
        let doc = parse(text);
        let t = tables(&doc);
        let rows = &t[0].rows;
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].cells[1].span, 2);
        assert_eq!(rows[2].cells.len(), 4);
        assert!(rows[2].cells[1].merged_from_above);
        assert_eq!(rows[2].cells[2].text, "第二项");
        assert_eq!(rows[3].cells[1].text, "板块乙");
        assert!(!rows[3].cells[1].merged_from_above);
    }

    #[test]
    fn blank_lines_inside_cells_do_not_split_rows_or_tables() {
        let text = "\t序号\n\t任务\n\t牵头单位\n\t完成情况\n\n\t1\n\t甲\n\n\t区科技局\n\t第一段\n\n第二段\n\n\t2\n\t乙\n\t区教委\n\t进展\n\n附件2\n";
        let doc = parse(text);
        let t = tables(&doc);
        assert_eq!(t.len(), 1);
        let rows = &t[0].rows;
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].cells.len(), 4);
        assert_eq!(rows[1].cells[3].text, "第一段\n第二段");
        assert_eq!(rows[2].cells[1].text, "乙");
        assert_eq!(doc.blocks.last(), Some(&Block::Para("附件2".into())));
    }

    #[test]
    fn rows_need_no_blank_line_between_them() {
        let text = "\t序号\n\t任务\n\t牵头单位\n\t1\n\t甲\n\t区科技局\n\t2\n\t乙\n\t区教委\n";
        let doc = parse(text);
        let t = tables(&doc);
        let rows: Vec<Vec<&str>> = t[0]
            .rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(
            rows,
            [
                vec!["序号", "任务", "牵头单位"],
                vec!["1", "甲", "区科技局"],
                vec!["2", "乙", "区教委"]
            ]
        );
    }

    #[test]
    fn an_attachment_label_ends_the_table_without_a_blank_line() {
        let text = "\t序号\n\t任务\n\t牵头单位\n\n\t1\n\t甲\n\t区科技局\n附件2\n乙表\n";
        let doc = parse(text);
        let t = tables(&doc);
        assert_eq!(t[0].rows[1].cells[2].text, "区科技局");
        assert_eq!(
            doc.blocks[1..],
            [Block::Para("附件2".into()), Block::Para("乙表".into())]
        );
        assert!(!is_attachment_label("附件材料齐全，已报送。"));
    }

    #[test]
    fn encodings() {
        let s = "序号\t任务";
        let mut le = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode("a.txt", &le).unwrap(), s);
        let (gbk, _, _) = encoding_rs::GB18030.encode(s);
        assert_eq!(decode("a.txt", &gbk).unwrap(), s);
        assert!(decode("a.txt", &[0xFF, 0xFE, 0x00]).is_err());
    }
}
