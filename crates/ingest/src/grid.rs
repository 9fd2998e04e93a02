//! The format-neutral intermediate form every reader produces.

/// A document as a sequence of blocks in reading order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawDoc {
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph of body text (titles, summary, headings, prose decomposition items).
    Para(String),
    Table(RawTable),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawTable {
    /// Where this table came from, for messages: "表2", or a sheet name.
    pub name: String,
    pub rows: Vec<RawRow>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawRow {
    pub cells: Vec<RawCell>,
    /// Word's "repeat as header row on each page" (`w:tblHeader`): never data.
    pub is_header: bool,
    /// 1-based position in the source (row in the sheet, row index in the Word table),
    /// for error messages.
    pub source_row: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawCell {
    /// Cell text; paragraphs and in-cell line breaks joined with '\n'.
    pub text: String,
    /// How many grid columns this cell spans (`gridSpan`, Excel horizontal merges): ≥ 1.
    pub span: usize,
    /// A vertical-merge continuation (`<w:vMerge/>` without restart, or a merged Excel
    /// cell below its anchor): the value is carried down from the cell above.
    pub merged_from_above: bool,
    /// The number Word's auto-numbering would show in this cell, when the cell's first
    /// paragraph is a numbered-list item; the text does not contain it.
    pub auto_number: Option<u32>,
}

impl RawCell {
    pub fn text(text: impl Into<String>) -> Self {
        RawCell {
            text: text.into(),
            span: 1,
            ..RawCell::default()
        }
    }
}
