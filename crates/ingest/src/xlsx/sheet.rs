//! One worksheet, streamed row by row, then its merged regions laid over the rows.
use std::ops::Range;

use quick_xml::events::{BytesStart, Event};

use super::cells::{number, parse_range, parse_ref};
use super::strings::{Shared, clean};
use super::styles::Formats;
use crate::IngestError;
use crate::grid::{RawCell, RawRow, RawTable};
use crate::zipsafe::{SafeZip, attr, attr_raw, push_ref, xml_error};

/// The non-empty cells of a sheet as read, (column, text) in document order, and its rows
/// as ranges of them. One list for the sheet rather than one per row: no allocation per
/// row, and the whole list goes back to the system at once when the rows are laid out.
#[derive(Default)]
struct Stored {
    cells: Vec<(u32, String)>,
    rows: Vec<StoredRow>,
}

/// A row as stored: its number and where its cells are.
struct StoredRow {
    row: u32,
    cells: Range<usize>,
    /// Cells of later elements for the same row (broken writers repeat rows).
    more: Vec<Range<usize>>,
}

impl StoredRow {
    fn len(&self) -> usize {
        self.cells.len() + self.more.iter().map(Range::len).sum::<usize>()
    }
}

/// A merged region: columns c1..=c2, rows r1..=r2.
#[derive(Clone, Copy)]
struct Merge {
    c1: u32,
    r1: u32,
    c2: u32,
    r2: u32,
}

/// The cell's type code (`t` attribute).
#[derive(Default, Clone, Copy, PartialEq)]
enum Kind {
    #[default]
    Number,
    Shared,
    Inline,
    FormulaText,
    Error,
    Bool,
    Date,
}

impl Kind {
    fn parse(v: Option<&[u8]>) -> Kind {
        match v {
            Some(b"s") => Kind::Shared,
            Some(b"inlineStr") => Kind::Inline,
            Some(b"str") => Kind::FormulaText,
            Some(b"e") => Kind::Error,
            Some(b"b") => Kind::Bool,
            Some(b"d") => Kind::Date,
            _ => Kind::Number,
        }
    }
}

/// The cell being read.
#[derive(Default)]
struct CellState {
    col: u32,
    kind: Kind,
    style: Option<usize>,
    value: String,
    inline: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Capture {
    None,
    Value,
    Inline,
}

/// Reads one sheet; `None` when it has no cells at all.
pub(super) fn read(
    zip: &mut SafeZip<'_>,
    part: &str,
    name: &str,
    shared: &mut [Shared],
    formats: &Formats,
    last_sheet: bool,
) -> Result<Option<RawTable>, IngestError> {
    let file = zip.file();
    let Some(mut reader) = zip.xml(part)? else {
        return Ok(None);
    };
    let mut stored = Stored::default();
    let mut merges: Vec<Merge> = Vec::new();
    let mut cell: Option<CellState> = None;
    let mut capture = Capture::None;
    let mut in_phonetic = false;
    let mut last_row = 0u32;
    let mut last_col = 0u32;
    let mut buf = Vec::new();
    loop {
        let ev = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => return Err(xml_error(file, part, &reader, &e)),
        };
        match ev {
            Event::Eof => break,
            Event::Start(e) => match e.local_name().as_ref() {
                b"row" => {
                    last_row = row_number(&e, last_row);
                    last_col = 0;
                }
                b"c" => {
                    let c = cell_start(&e, last_col);
                    last_col = c.col;
                    cell = Some(c);
                }
                b"v" => capture = Capture::Value,
                b"t" if cell.is_some() => capture = Capture::Inline,
                b"rPh" => in_phonetic = true,
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"row" => last_row = row_number(&e, last_row),
                // An empty cell still moves the column on for its reference-less neighbours.
                b"c" => last_col = cell_start(&e, last_col).col,
                b"mergeCell" => {
                    if let Some(((c1, r1), (c2, r2))) =
                        attr(&e, b"ref").as_deref().and_then(parse_range)
                    {
                        merges.push(Merge { c1, r1, c2, r2 });
                    }
                }
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"v" | b"t" => capture = Capture::None,
                b"rPh" => in_phonetic = false,
                b"c" => {
                    if let Some(c) = cell.take() {
                        let taken = (c.kind == Kind::Shared)
                            .then(|| c.value.trim().parse::<usize>().ok())
                            .flatten();
                        let text = match taken {
                            Some(i) => take_shared(shared, i, &stored.cells),
                            None => cell_text(c.kind, c.style, c.value, c.inline, formats),
                        };
                        if !text.is_empty() {
                            let at = stored.push(last_row, c.col, text);
                            if let Some(slot) = taken.and_then(|i| shared.get_mut(i))
                                && matches!(slot, Shared::Text(_))
                            {
                                *slot = Shared::Taken(at);
                            }
                        }
                    }
                }
                _ => {}
            },
            Event::Text(t) if capture != Capture::None && !in_phonetic => {
                if let (Some(c), Ok(s)) = (cell.as_mut(), t.decode()) {
                    match capture {
                        Capture::Value => c.value.push_str(&s),
                        _ => c.inline.push_str(&s),
                    }
                }
            }
            Event::GeneralRef(r) if capture != Capture::None && !in_phonetic => {
                if let Some(c) = cell.as_mut() {
                    match capture {
                        Capture::Value => push_ref(&mut c.value, &r),
                        _ => push_ref(&mut c.inline, &r),
                    }
                }
            }
            _ => {}
        }
        buf.clear();
    }
    // Later sheets may use the same strings: give back what this sheet took.
    if !last_sheet {
        for slot in shared.iter_mut() {
            if let Shared::Taken(at) = *slot {
                let text = stored
                    .cells
                    .get(at)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default();
                *slot = Shared::Text(text);
            }
        }
    }
    if stored.rows.is_empty() && merges.is_empty() {
        return Ok(None);
    }
    Ok(Some(RawTable {
        name: name.to_string(),
        rows: lay_out(stored, &merges),
    }))
}

fn row_number(e: &BytesStart<'_>, last: u32) -> u32 {
    attr_raw(e, b"r")
        .and_then(|v| parse_u32(&v))
        .filter(|&n| n > 0)
        .unwrap_or_else(|| last.saturating_add(1))
}

fn parse_u32(v: &[u8]) -> Option<u32> {
    std::str::from_utf8(v).ok()?.trim().parse().ok()
}

// The row always comes from the enclosing <row>: a cell reference naming another row is
// out of order, which Excel itself refuses.
fn cell_start(e: &BytesStart<'_>, last_col: u32) -> CellState {
    let mut state = CellState::default();
    let mut col = None;
    for a in e.attributes().flatten() {
        match a.key.local_name().as_ref() {
            b"r" => {
                col = std::str::from_utf8(&a.value)
                    .ok()
                    .and_then(parse_ref)
                    .map(|(c, _)| c);
            }
            b"t" => state.kind = Kind::parse(Some(&a.value)),
            b"s" => state.style = parse_u32(&a.value).map(|s| s as usize),
            _ => {}
        }
    }
    state.col = col
        .unwrap_or_else(|| last_col.saturating_add(1))
        .min(super::cells::MAX_COL);
    state
}

/// The text of shared string `i`: the string itself on first use (taken, the slot left
/// empty until the caller records where it went), a copy afterwards.
fn take_shared(shared: &mut [Shared], i: usize, cells: &[(u32, String)]) -> String {
    match shared.get_mut(i) {
        Some(Shared::Text(s)) => std::mem::take(s),
        Some(Shared::Taken(at)) => cells.get(*at).map(|(_, t)| t.clone()).unwrap_or_default(),
        None => String::new(),
    }
}

fn cell_text(
    kind: Kind,
    style: Option<usize>,
    value: String,
    inline: String,
    formats: &Formats,
) -> String {
    match kind {
        // Shared strings are resolved by `take_shared`; an index that is no number is empty.
        Kind::Shared => String::new(),
        Kind::Inline => clean(&inline),
        Kind::FormulaText => clean(&value),
        Kind::Error => value,
        Kind::Bool => match value.trim() {
            "1" => "TRUE".into(),
            _ => "FALSE".into(),
        },
        Kind::Date => value.split('T').next().unwrap_or("").to_string(),
        Kind::Number if value.is_empty() => clean(&inline),
        Kind::Number => number(&value, formats.kind(style), formats.date1904),
    }
}

impl Stored {
    /// Stores a cell of row `row` and returns where it went.
    fn push(&mut self, row: u32, col: u32, text: String) -> usize {
        let at = self.cells.len();
        self.cells.push((col, text));
        match self.rows.last_mut() {
            Some(last) if last.row == row && last.cells.end == at => last.cells.end = at + 1,
            _ => self.rows.push(StoredRow {
                row,
                cells: at..at + 1,
                more: Vec::new(),
            }),
        }
        at
    }
}

/// What a merged region puts into one row.
#[derive(Clone, Copy)]
struct Overlay {
    c1: u32,
    width: u32,
    anchor: bool,
}

/// Lays out cells given as (row, column, text), 1-based, with merged regions given as
/// ((column, row), (column, row)) corners, the way a sheet read here is laid out: for
/// readers of other workbook formats.
pub(crate) fn lay_out_cells(
    cells: impl IntoIterator<Item = (u32, u32, String)>,
    merges: impl IntoIterator<Item = ((u32, u32), (u32, u32))>,
) -> Vec<RawRow> {
    let mut stored = Stored::default();
    for (row, col, text) in cells {
        stored.push(row, col, text);
    }
    let merges: Vec<Merge> = merges
        .into_iter()
        .map(|((c1, r1), (c2, r2))| Merge {
            c1: c1.min(c2),
            r1: r1.min(r2),
            c2: c1.max(c2),
            r2: r1.max(r2),
        })
        .collect();
    lay_out(stored, &merges)
}

/// Turns stored rows into dense grid rows: gaps become one empty cell spanning them, a
/// merge's anchor carries the text across its width, rows below it are continuations.
fn lay_out(stored: Stored, merges: &[Merge]) -> Vec<RawRow> {
    let Stored {
        mut cells,
        mut rows,
    } = stored;
    rows.sort_by_key(|r| r.row);
    // Duplicate row elements (broken writers) are folded into one row.
    rows.dedup_by(|b, a| {
        if a.row == b.row {
            a.more.push(b.cells.clone());
            a.more.append(&mut b.more);
            true
        } else {
            false
        }
    });
    // A merge whose anchor row has no value still needs its row, so its continuations
    // have something to continue.
    let mut missing: Vec<u32> = merges
        .iter()
        .map(|m| m.r1)
        .filter(|r| rows.binary_search_by_key(r, |s| s.row).is_err())
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if !missing.is_empty() {
        rows.extend(missing.into_iter().map(|row| StoredRow {
            row,
            cells: 0..0,
            more: Vec::new(),
        }));
        rows.sort_by_key(|r| r.row);
    }

    let mut overlays: Vec<Vec<Overlay>> = vec![Vec::new(); rows.len()];
    // Valid merges never overlap, so they add at most one overlay per stored cell or row;
    // piles of overlapping ranges (a hostile file) stop here instead of filling memory.
    let stored: usize = rows.iter().map(|r| r.len() + 1).sum();
    let mut budget = stored.saturating_mul(4).saturating_add(1_000_000);
    'merges: for m in merges {
        let width = m.c2 - m.c1 + 1;
        // Only rows that exist get a continuation: a merge reaching to row 1,048,576 must
        // not conjure a million empty rows.
        let start = rows.partition_point(|r| r.row < m.r1);
        for (i, r) in rows.iter().enumerate().skip(start) {
            if r.row > m.r2 {
                break;
            }
            if budget == 0 {
                break 'merges;
            }
            budget -= 1;
            if let Some(o) = overlays.get_mut(i) {
                o.push(Overlay {
                    c1: m.c1,
                    width,
                    anchor: r.row == m.r1,
                });
            }
        }
    }

    let mut out = Vec::with_capacity(rows.len());
    // One row's cells at a time, taken out of the sheet's list: one buffer for the sheet.
    let mut pairs: Vec<(u32, String)> = Vec::new();
    for (stored, mut over) in rows.into_iter().zip(overlays) {
        pairs.clear();
        for range in std::iter::once(&stored.cells).chain(&stored.more) {
            if let Some(part) = cells.get_mut(range.clone()) {
                pairs.extend(part.iter_mut().map(|(c, t)| (*c, std::mem::take(t))));
            }
        }
        pairs.sort_by_key(|(c, _)| *c);
        over.sort_by_key(|o| o.c1);
        let has_overlay = !over.is_empty();
        let mut grid: Vec<RawCell> = Vec::with_capacity(pairs.len() + over.len());
        let mut next_col = 1u32;
        let mut cells = pairs.drain(..).peekable();
        let mut over = over.into_iter().peekable();
        loop {
            let cell_col = cells.peek().map(|(c, _)| *c);
            let over_col = over.peek().map(|o| o.c1);
            let take_overlay = match (cell_col, over_col) {
                (None, None) => break,
                (Some(c), Some(o)) => o <= c,
                (None, Some(_)) => true,
                (Some(_), None) => false,
            };
            if take_overlay {
                let Some(o) = over.next() else { break };
                if o.c1 < next_col {
                    // Overlapping merges: Excel refuses these; keep the first.
                    continue;
                }
                gap(&mut grid, next_col, o.c1);
                let end = o.c1.saturating_add(o.width);
                // The anchor's value is the merge's value; values hidden under it are not.
                let mut text = String::new();
                while let Some((c, _)) = cells.peek() {
                    if *c >= end {
                        break;
                    }
                    if let Some((c, t)) = cells.next()
                        && c == o.c1
                        && o.anchor
                    {
                        text = t;
                    }
                }
                grid.push(RawCell {
                    text,
                    span: o.width as usize,
                    merged_from_above: !o.anchor,
                    auto_number: None,
                });
                next_col = end;
            } else {
                let Some((c, t)) = cells.next() else { break };
                if c < next_col {
                    continue;
                }
                gap(&mut grid, next_col, c);
                grid.push(RawCell::text(t));
                next_col = c.saturating_add(1);
            }
        }
        let meaningful = has_overlay || grid.iter().any(|c| !c.text.trim().is_empty());
        if meaningful {
            out.push(RawRow {
                cells: grid,
                is_header: false,
                source_row: stored.row as usize,
            });
        }
    }
    out
}

/// One empty cell standing for the columns from..to (exclusive), if any.
fn gap(grid: &mut Vec<RawCell>, from: u32, to: u32) {
    if to > from {
        grid.push(RawCell {
            span: (to - from) as usize,
            ..RawCell::default()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-written row: its number and its (column, text) cells.
    type Row = (u32, Vec<(u32, String)>);

    fn row(row: u32, cells: &[(u32, &str)]) -> Row {
        (
            row,
            cells.iter().map(|(c, t)| (*c, t.to_string())).collect(),
        )
    }

    /// Stores hand-written rows as the reader would, then lays them out.
    fn lay_out(rows: Vec<Row>, merges: &[Merge]) -> Vec<RawRow> {
        let mut stored = Stored::default();
        for (r, cells) in rows {
            for (c, t) in cells {
                stored.push(r, c, t);
            }
        }
        super::lay_out(stored, merges)
    }

    #[test]
    fn merges_fold_right_and_continue_down() {
        let rows = vec![
            row(1, &[(1, "标题")]),
            row(2, &[(1, "1"), (2, "板块"), (3, "任务一")]),
            row(3, &[(1, "2"), (3, "任务二")]),
            row(5, &[(3, "任务三")]),
        ];
        let merges = [
            Merge {
                c1: 1,
                r1: 1,
                c2: 3,
                r2: 1,
            },
            Merge {
                c1: 2,
                r1: 2,
                c2: 2,
                r2: 1_048_576,
            },
        ];
        let out = lay_out(rows, &merges);
        assert_eq!(out.len(), 4);
        assert_eq!(out[0].cells.len(), 1);
        assert_eq!(out[0].cells[0].span, 3);
        assert_eq!(out[0].cells[0].text, "标题");
        assert_eq!(out[1].cells[1].text, "板块");
        assert!(!out[1].cells[1].merged_from_above);
        assert!(out[2].cells[1].merged_from_above);
        // Row 5 starts with a gap of one column, then the continuation, then its text.
        assert_eq!(out[3].source_row, 5);
        assert_eq!(out[3].cells[0].span, 1);
        assert_eq!(out[3].cells[0].text, "");
        assert!(out[3].cells[1].merged_from_above);
        assert_eq!(out[3].cells[2].text, "任务三");
    }

    #[test]
    fn far_columns_cost_one_cell() {
        let out = lay_out(vec![row(1, &[(1, "a"), (16384, "z")])], &[]);
        assert_eq!(out[0].cells.len(), 3);
        assert_eq!(out[0].cells[1].span, 16382);
    }

    #[test]
    fn repeated_and_unordered_rows_fold_in_column_order_first_cell_kept() {
        let out = lay_out(
            vec![
                row(2, &[(3, "丙"), (1, "甲")]),
                row(1, &[(1, "标题")]),
                row(2, &[(2, "乙"), (3, "丁")]),
            ],
            &[],
        );
        let texts: Vec<(usize, Vec<&str>)> = out
            .iter()
            .map(|r| {
                (
                    r.source_row,
                    r.cells.iter().map(|c| c.text.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(texts, [(1, vec!["标题"]), (2, vec!["甲", "乙", "丙"])]);
    }
}
