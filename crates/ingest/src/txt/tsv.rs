//! Tab-separated text, as Excel writes it ("文本文件（制表符分隔）" / "Unicode 文本"):
//! one line per sheet row, cells separated by TAB, a cell holding line breaks or quotes
//! wrapped in double quotes with inner quotes doubled.
use crate::grid::{Block, RawCell, RawDoc, RawRow, RawTable};

/// Whether `text` is tab-separated rather than Word's one-cell-per-line form: Word's lines
/// only ever start with a TAB, so two lines with a TAB after some text settle it.
pub(super) fn looks_tab_separated(text: &str) -> bool {
    text.lines()
        .filter(|l| {
            l.trim_start_matches(['\t', ' '])
                .trim_end_matches(['\t', '\r'])
                .contains('\t')
        })
        .nth(1)
        .is_some()
}

/// Splits into records of fields, honouring quotes; each with its 1-based starting line.
fn records(text: &str) -> Vec<(Vec<String>, usize)> {
    let mut out = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1usize;
    let mut start_line = 1usize;
    let mut chars = text.chars().peekable();
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        match c {
            '"' if at_field_start => {
                at_field_start = false;
                // A quoted field: up to the quote not doubled.
                while let Some(q) = chars.next() {
                    match q {
                        '"' if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        '"' => break,
                        '\n' => {
                            line += 1;
                            field.push('\n');
                        }
                        '\r' => {}
                        other => field.push(other),
                    }
                }
            }
            '\t' => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\n' => {
                fields.push(std::mem::take(&mut field));
                out.push((std::mem::take(&mut fields), start_line));
                line += 1;
                start_line = line;
                at_field_start = true;
            }
            '\r' => {}
            other => {
                field.push(other);
                at_field_start = false;
            }
        }
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        out.push((fields, start_line));
    }
    out
}

/// Rows of two or more cells form tables; a line of one cell is a paragraph and ends the
/// table before it; rows with nothing in them are dropped.
pub(super) fn parse(text: &str) -> RawDoc {
    let mut blocks = Vec::new();
    let mut rows: Vec<RawRow> = Vec::new();
    let mut tables = 0usize;
    let mut flush = |rows: &mut Vec<RawRow>, blocks: &mut Vec<Block>| {
        if !rows.is_empty() {
            tables += 1;
            blocks.push(Block::Table(RawTable {
                name: format!("表{tables}"),
                rows: std::mem::take(rows),
            }));
        }
    };
    for (fields, line) in records(text) {
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if let [only] = fields.as_slice() {
            flush(&mut rows, &mut blocks);
            blocks.push(Block::Para(only.clone()));
            continue;
        }
        rows.push(RawRow {
            cells: fields.into_iter().map(RawCell::text).collect(),
            is_header: false,
            source_row: line,
        });
    }
    flush(&mut rows, &mut blocks);
    RawDoc {
        blocks,
        notes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_cells_keep_line_breaks_and_quotes() {
        let text = "附件1\n序号\t具体任务\t牵头单位\n1\t\"建成\"\"江山\"\"公园\"\t\"区住房城乡建委\n（区城建中心）\"\n\t无序号任务\t区城管局\n";
        assert!(looks_tab_separated(text));
        let doc = parse(text);
        assert_eq!(doc.blocks.first(), Some(&Block::Para("附件1".into())));
        let Some(Block::Table(t)) = doc.blocks.get(1) else {
            panic!("{doc:?}");
        };
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[1].cells[1].text, "建成\"江山\"公园");
        assert_eq!(t.rows[1].cells[2].text, "区住房城乡建委\n（区城建中心）");
        assert_eq!(t.rows[2].cells[0].text, "");
        assert_eq!(t.rows[2].source_row, 5);
    }

    #[test]
    fn word_exports_are_not_tab_separated() {
        assert!(!looks_tab_separated("\t序号\n\t任务\n \t乙\n"));
    }
}
