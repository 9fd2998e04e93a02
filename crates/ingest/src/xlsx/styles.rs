//! xl/styles.xml: only what changes how a number reads — dates and percentages.
use quick_xml::events::Event;

use crate::IngestError;
use crate::zipsafe::{SafeZip, attr, xml_error};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumKind {
    General,
    Percent,
    /// A date; `chinese` when the format writes 年/月/日, `day` when it shows the day.
    Date {
        chinese: bool,
        day: bool,
    },
}

/// The number kind of every cell format (`s` attribute index), plus the date system.
pub(super) struct Formats {
    pub(super) kinds: Vec<NumKind>,
    pub(super) date1904: bool,
}

impl Formats {
    pub(super) fn kind(&self, style: Option<usize>) -> NumKind {
        style
            .and_then(|s| self.kinds.get(s))
            .copied()
            .unwrap_or(NumKind::General)
    }
}

fn builtin(id: u32) -> NumKind {
    match id {
        9 | 10 => NumKind::Percent,
        14..=17 | 22 => NumKind::Date {
            chinese: false,
            day: id != 17,
        },
        27..=36 | 50..=58 => NumKind::Date {
            chinese: true,
            day: true,
        },
        _ => NumKind::General,
    }
}

fn custom(code: &str) -> NumKind {
    // Quoted literals and [colour]/[locale] sections say nothing about the kind…
    let mut plain = String::new();
    let mut quoted = false;
    let mut bracket = false;
    for c in code.chars() {
        match c {
            '"' => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            _ if quoted || bracket => {}
            _ => plain.push(c.to_ascii_lowercase()),
        }
    }
    // …except that Chinese date formats quote their 年月日.
    let chinese = code.contains('年') || code.contains('月') || code.contains('日');
    if plain.contains('y') || plain.contains('d') || (chinese && plain.contains('m')) {
        NumKind::Date {
            chinese,
            day: plain.contains('d'),
        }
    } else if plain.contains('%') {
        NumKind::Percent
    } else {
        NumKind::General
    }
}

pub(super) fn read(
    zip: &mut SafeZip<'_>,
    part: &str,
    date1904: bool,
) -> Result<Formats, IngestError> {
    let mut formats = Formats {
        kinds: Vec::new(),
        date1904,
    };
    let file = zip.file();
    let Some(mut reader) = zip.xml(part)? else {
        return Ok(formats);
    };
    let mut customs: Vec<(u32, NumKind)> = Vec::new();
    let mut xf_ids: Vec<u32> = Vec::new();
    let mut in_cell_xfs = false;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Err(e) => return Err(xml_error(file, part, &reader, &e)),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                b"numFmt" => {
                    if let (Some(id), Some(code)) = (
                        attr(&e, b"numFmtId").and_then(|v| v.parse().ok()),
                        attr(&e, b"formatCode"),
                    ) {
                        customs.push((id, custom(&code)));
                    }
                }
                b"cellXfs" => in_cell_xfs = true,
                b"xf" if in_cell_xfs => {
                    xf_ids.push(
                        attr(&e, b"numFmtId")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0),
                    );
                }
                _ => {}
            },
            Ok(Event::End(e)) if e.local_name().as_ref() == b"cellXfs" => in_cell_xfs = false,
            Ok(_) => {}
        }
        buf.clear();
    }
    formats.kinds = xf_ids
        .into_iter()
        .map(|id| {
            customs
                .iter()
                .find(|(c, _)| *c == id)
                .map(|(_, k)| *k)
                .unwrap_or_else(|| builtin(id))
        })
        .collect();
    Ok(formats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_codes_are_classified() {
        assert_eq!(custom("0.00%"), NumKind::Percent);
        assert_eq!(
            custom("yyyy\"年\"m\"月\"d\"日\""),
            NumKind::Date {
                chinese: true,
                day: true
            }
        );
        assert_eq!(custom("#,##0.00"), NumKind::General);
        assert_eq!(custom("[Red]0.0"), NumKind::General);
        assert_eq!(
            builtin(14),
            NumKind::Date {
                chinese: false,
                day: true
            }
        );
    }
}
