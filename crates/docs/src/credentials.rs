//! The credentials sheet the office hands out after creating units' accounts in one step:
//! one row per account with its initial password, generated in the response that created
//! them and kept nowhere else.

use rust_xlsxwriter::{Format, FormatBorder, Workbook};

use crate::DocsError;

/// One account on the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRow {
    pub unit: String,
    pub name: String,
    pub username: String,
    pub password: String,
}

/// The sheet's columns, with widths in Excel character units (a Chinese character is two).
pub const CREDENTIAL_COLUMNS: [(&str, f64); 5] = [
    ("单位", 30.0),
    ("姓名", 24.0),
    ("用户名", 14.0),
    ("初始密码", 22.0),
    ("登录地址", 40.0),
];

/// Writes the sheet: a title, a note that the password must be changed at first login, the
/// header and one row per account; printed A4 landscape with the header repeated.
pub fn credentials_xlsx(rows: &[CredentialRow], login_url: &str) -> Result<Vec<u8>, DocsError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("账号清单")?;
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new().set_bold().set_border(FormatBorder::Thin);
    let cell = Format::new().set_border(FormatBorder::Thin);
    // Passwords in a fixed-width font so that look-alike letters can be told apart.
    let secret = Format::new()
        .set_border(FormatBorder::Thin)
        .set_font_name("Consolas");
    ws.write_string_with_format(0, 0, "单位账号清单（初始密码仅此一份，请妥善分发）", &title)?;
    ws.write_string(1, 0, "首次登录后须立即修改密码；初始密码不在系统中保存。")?;
    for (col, (name, width)) in CREDENTIAL_COLUMNS.iter().enumerate() {
        let col = col as u16;
        ws.set_column_width(col, *width)?;
        ws.write_string_with_format(3, col, *name, &head)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = 4 + i as u32;
        ws.write_string_with_format(row, 0, &r.unit, &cell)?;
        ws.write_string_with_format(row, 1, &r.name, &cell)?;
        ws.write_string_with_format(row, 2, &r.username, &cell)?;
        ws.write_string_with_format(row, 3, &r.password, &secret)?;
        ws.write_string_with_format(row, 4, login_url, &cell)?;
    }
    ws.set_freeze_panes(4, 0)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_repeat_rows(3, 3)?;
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let mut s = String::new();
        zip.by_name(name)
            .expect("part present")
            .read_to_string(&mut s)
            .expect("utf-8");
        s
    }

    #[test]
    fn the_sheet_holds_every_account_and_the_login_address() {
        let rows = vec![
            CredentialRow {
                unit: "甲局".into(),
                name: "甲局联络员".into(),
                username: "dw7".into(),
                password: "Abcdefgh23456789".into(),
            },
            CredentialRow {
                unit: "乙委".into(),
                name: "乙委联络员".into(),
                username: "dw8".into(),
                password: "Zyxwvuts98765432".into(),
            },
        ];
        let bytes = credentials_xlsx(&rows, "https://duban.example/login").expect("written");
        let strings = part(&bytes, "xl/sharedStrings.xml");
        for s in [
            "单位",
            "姓名",
            "用户名",
            "初始密码",
            "登录地址",
            "甲局",
            "乙委联络员",
            "dw7",
            "Abcdefgh23456789",
            "Zyxwvuts98765432",
            "https://duban.example/login",
        ] {
            assert!(strings.contains(s), "{s} missing from the sheet");
        }
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        // Title, note, blank, header, and two accounts: the last account sits on row 6.
        assert!(sheet.contains("r=\"6\""));
        assert!(!sheet.contains("r=\"7\""));
    }
}
