//! The format-neutral intermediate form every reader produces.
//!
//! What the builder ([`crate::build`]) expects of a reader:
//! - Blocks in reading order. The paragraphs just before a table give its label and title
//!   ("附件1" then "未达预期15项…情况表", or "附件2：…表" in one paragraph); the paragraphs
//!   before the first table give the document title and the summary's claimed counts.
//! - Cell and paragraph text as written: the builder removes bookmarks, space runs and
//!   full-width blanks itself, so that every removal is reported the same way.
//! - Rows above the header (an Excel title row) are fine: the builder finds the header
//!   among the first ten rows and reads a title from the rows above it.
//! - A heading that spans the section and task columns ("具体任务" over both) is one cell
//!   with `span: 2`; a row with a single text spanning the table ("一、科技创新") is read as
//!   a section heading, not a task.

/// A document as a sequence of blocks in reading order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawDoc {
    pub blocks: Vec<Block>,
    /// What the reader read specially or left out (a hidden sheet, a chart sheet, tracked
    /// deletions), each a located warning the builder passes on: never a silent drop.
    pub notes: Vec<duban_model::Warning>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph of body text (titles, summary, headings, prose decomposition items).
    Para(String),
    Table(RawTable),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawTable {
    /// Where this table came from, for messages: "表2", or a sheet name. It is the table's
    /// label unless a "附件N" paragraph precedes the table.
    pub name: String,
    pub rows: Vec<RawRow>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawRow {
    pub cells: Vec<RawCell>,
    /// Word's "repeat as header row on each page" (`w:tblHeader`): never data.
    pub is_header: bool,
    /// 1-based position in the source (row in the sheet, row index in the Word table,
    /// line number where the row starts in a .txt), for error messages.
    pub source_row: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawCell {
    /// Cell text; paragraphs and in-cell line breaks joined with '\n'.
    pub text: String,
    /// How many grid columns this cell spans (`gridSpan`, Excel horizontal merges): ≥ 1.
    pub span: usize,
    /// A vertical-merge continuation (`<w:vMerge/>` without restart, or a merged Excel
    /// cell below its anchor): the value is carried down from the cell above. Its `text`
    /// is ignored; an Excel reader may fill it or leave it empty.
    pub merged_from_above: bool,
    /// The number Word's auto-numbering would show in this cell, when the cell's first
    /// paragraph is a numbered-list item; the text does not contain it. Used for the row
    /// number when the text holds no number; rows with neither are numbered by counting.
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
