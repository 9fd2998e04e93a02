//! CSV for Excel users: UTF-8 with a byte-order mark (so Excel opens Chinese text as
//! written), CRLF line ends and RFC 4180 quoting, and cells that would start a formula
//! (= + - @, or a tab/CR a spreadsheet may strip before one) prefixed with an apostrophe,
//! so an exported report cannot run anything when opened (CSV injection).

pub struct Csv {
    out: String,
}

impl Csv {
    /// A document whose first row is `header`.
    pub fn new(header: &[&str]) -> Csv {
        let mut c = Csv {
            out: String::from('\u{feff}'),
        };
        c.row(header.iter().copied());
        c
    }

    pub fn row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            push_cell(&mut self.out, cell.as_ref());
        }
        self.out.push_str("\r\n");
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.out.into_bytes()
    }
}

fn push_cell(out: &mut String, cell: &str) {
    let guarded = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = guarded || cell.contains([',', '"', '\n', '\r']);
    if quoted {
        out.push('"');
    }
    if guarded {
        out.push('\'');
    }
    if quoted {
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(cell);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_needs_it_and_defuses_formulas() {
        let mut c = Csv::new(&["a", "b"]);
        c.row(["x,y", "说\"好\""]);
        c.row(["=SUM(A1)", "多\n行"]);
        c.row(["-5", "plain"]);
        assert_eq!(
            String::from_utf8(c.into_bytes()).unwrap_or_default(),
            "\u{feff}a,b\r\n\"x,y\",\"说\"\"好\"\"\"\r\n\"'=SUM(A1)\",\"多\n行\"\r\n\"'-5\",plain\r\n"
        );
    }
}
