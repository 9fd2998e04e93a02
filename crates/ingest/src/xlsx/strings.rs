//! xl/sharedStrings.xml, and the text conventions shared with inline strings.
use quick_xml::events::Event;

use crate::IngestError;
use crate::zipsafe::{SafeZip, push_ref, xml_error};

/// A shared string, or where it went: the first cell that uses a shared string takes it
/// instead of copying it, so unique texts (most of a ledger) exist once in memory; later
/// uses copy from that cell (its index among the sheet's stored cells).
pub(super) enum Shared {
    Text(String),
    Taken(usize),
}

/// Reads the shared string table; a workbook without one has only numbers and inline text.
pub(super) fn read(zip: &mut SafeZip<'_>, part: &str) -> Result<Vec<Shared>, IngestError> {
    let file = zip.file();
    let Some(mut reader) = zip.xml(part)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut buf = Vec::new();
    let mut cur: Option<String> = None;
    let mut in_t = false;
    // Phonetic runs (rPh) repeat the reading of the text above them.
    let mut in_phonetic = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Err(e) => return Err(xml_error(file, part, &reader, &e)),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                b"si" => cur = Some(String::new()),
                b"t" => in_t = true,
                b"rPh" => in_phonetic = true,
                _ => {}
            },
            Ok(Event::Empty(e)) if e.local_name().as_ref() == b"si" => {
                out.push(Shared::Text(String::new()))
            }
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                b"si" => {
                    if let Some(s) = cur.take() {
                        out.push(Shared::Text(clean(&s)));
                    }
                }
                b"t" => in_t = false,
                b"rPh" => in_phonetic = false,
                _ => {}
            },
            Ok(Event::Text(t)) if in_t && !in_phonetic => {
                if let (Some(s), Ok(text)) = (cur.as_mut(), t.decode()) {
                    s.push_str(&text);
                }
            }
            Ok(Event::GeneralRef(r)) if in_t && !in_phonetic => {
                if let Some(s) = cur.as_mut() {
                    push_ref(s, &r);
                }
            }
            Ok(_) => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// Undoes Excel's `_xHHHH_` escapes for control characters and normalises line ends.
pub(super) fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("_x") {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        let code = tail
            .get(2..6)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .filter(|_| tail.get(6..7) == Some("_"))
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32);
        match code {
            Some(c) => {
                out.push(c);
                rest = tail.get(7..).unwrap_or("");
            }
            None => {
                out.push_str("_x");
                rest = tail.get(2..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    if out.contains('\r') {
        out = out.replace("\r\n", "\n").replace('\r', "\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn escapes_and_line_ends() {
        assert_eq!(clean("a_x000D__x000A_b"), "a\nb");
        assert_eq!(
            clean("区商务委\r\n（区招商中心）"),
            "区商务委\n（区招商中心）"
        );
        assert_eq!(clean("my_x_name_x00"), "my_x_name_x00");
    }
}
