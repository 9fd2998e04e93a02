//! xl/workbook.xml: the sheets in tab order and the date system.
use quick_xml::events::Event;

use crate::IngestError;
use crate::zipsafe::{SafeZip, attr, is_on, xml_error};

pub(super) struct SheetRef {
    pub(super) name: String,
    pub(super) rel_id: Option<String>,
    /// Hidden (or very hidden) in Excel: read all the same, and named in a warning.
    pub(super) hidden: bool,
}

pub(super) struct Workbook {
    pub(super) sheets: Vec<SheetRef>,
    pub(super) date1904: bool,
}

pub(super) fn read(zip: &mut SafeZip<'_>, part: &str) -> Result<Workbook, IngestError> {
    let file = zip.file();
    let mut reader = zip.required_xml(part)?;
    let mut book = Workbook {
        sheets: Vec::new(),
        date1904: false,
    };
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Err(e) => return Err(xml_error(file, part, &reader, &e)),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                b"sheet" => {
                    let index = book.sheets.len() + 1;
                    book.sheets.push(SheetRef {
                        name: attr(&e, b"name").unwrap_or_else(|| format!("工作表{index}")),
                        rel_id: attr(&e, b"id"),
                        hidden: attr(&e, b"state").is_some_and(|s| s != "visible"),
                    });
                }
                b"workbookPr" => {
                    book.date1904 = attr(&e, b"date1904").is_some_and(|v| is_on(Some(&v)));
                }
                _ => {}
            },
            Ok(_) => {}
        }
        buf.clear();
    }
    Ok(book)
}
