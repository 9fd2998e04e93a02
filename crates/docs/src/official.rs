//! The elements that make a document a 公文 (GB/T 9704-2012): 发文字号 in the 版头 over a
//! red rule, 发文机关署名 and 成文日期 with room for the seal, 附注, and the 版记 (抄送,
//! 印发机关 and 印发日期 between its rules) at the foot of the last page.

use crate::blocks::{self, BODY, BODY_CHAR, CONDENSE, half_chars};
use crate::fonts::Face;
use crate::xml::{self, Jc, ParaStyle, Rule, RunStyle};

/// What a 公文 says about itself beyond its title and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuing {
    /// 发文字号 as printed ("沙府督办〔2023〕1号"); see [`doc_number`]. Left out when absent.
    pub number: Option<String>,
    /// 抄送机关, in order; the 抄送 line of the 版记 is left out when empty.
    pub cc: Vec<String>,
    /// 附注's 联系人.
    pub contact: Option<String>,
    /// 附注's 电话.
    pub phone: Option<String>,
    /// 印发机关; the issuing office when absent.
    pub printed_by: Option<String>,
    /// 印发日期; the 成文日期 when absent.
    pub printed_on: Option<String>,
    /// The document is sealed (加盖印章, §7.3.5.1): the signature is centred over the date
    /// with room for the seal above. `false`: §7.3.5.2, no seal.
    pub sealed: bool,
}

impl Default for Issuing {
    fn default() -> Self {
        Issuing {
            number: None,
            cc: Vec::new(),
            contact: None,
            phone: None,
            printed_by: None,
            printed_on: None,
            sealed: true,
        }
    }
}

fn some(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The 附注 line: "（联系人：张三，电话：023-65000000）", or `None` without either.
pub fn note_line(contact: Option<&str>, phone: Option<&str>) -> Option<String> {
    let parts: Vec<String> = [("联系人", some(contact)), ("电话", some(phone))]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}：{v}")))
        .collect();
    (!parts.is_empty()).then(|| format!("（{}）", parts.join("，")))
}

/// A 发文字号 from the office's pattern: `{year}` and `{n}` are replaced by the year and the
/// serial number (no leading zeros, as §7.2.4 wants). A pattern without `{n}` is taken as
/// the 机关代字 alone, and the year and number follow it in 六角括号: "沙督办" →
/// "沙督办〔2023〕3号". Ordinary brackets around the year are written as 〔〕.
pub fn doc_number(pattern: &str, year: i32, serial: u32) -> String {
    let p = pattern.trim();
    let filled = if p.contains("{n}") {
        p.replace("{year}", &year.to_string())
            .replace("{n}", &serial.to_string())
    } else {
        format!("{p}〔{year}〕{serial}号")
    };
    let y = year.to_string();
    let mut out = filled;
    for (open, close) in [
        ("[", "]"),
        ("（", "）"),
        ("(", ")"),
        ("【", "】"),
        ("［", "］"),
    ] {
        out = out.replace(&format!("{open}{y}{close}"), &format!("〔{y}〕"));
    }
    out
}

/// The red rule of the 版头 (§7.2.5), under the 发文字号 or the 期号.
const RED_RULE: Rule = Rule {
    eighths: 12,
    color: "C00000",
};
/// 版记's first and last rules (0.35 mm) and the ones between (0.25 mm), §7.4.1.
const THICK: Rule = Rule {
    eighths: 8,
    color: "000000",
};
const THIN: Rule = Rule {
    eighths: 6,
    color: "000000",
};
/// 版记 text: 4号 仿宋_GB2312.
const COLOPHON: RunStyle = RunStyle::new(Face::FangSong, 28);

/// Lines above the title in the 版头: centred lines (the 期号, "第3期"), then the 发文字号,
/// the last of them over the red rule. Nothing when there are none.
pub(crate) fn header_lines(out: &mut String, lines: &[&str]) {
    let lines: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    for (i, l) in lines.iter().enumerate() {
        let last = i + 1 == lines.len();
        let ps = ParaStyle {
            jc: Jc::Center,
            bottom_rule: last.then_some(RED_RULE),
            ..ParaStyle::default()
        };
        xml::para(out, &ps, BODY, l);
    }
    if !lines.is_empty() {
        blocks::blank(out);
    }
}

/// 署名 and 成文日期 with room for the seal (§7.3.5.1): the date four characters in from the
/// right, the office centred over it, and three blank lines above them for the seal, which
/// presses down on both. An office wider than the date moves the date left so the office
/// keeps two characters from the right edge.
pub(crate) fn sealed_signature(out: &mut String, office: Option<&str>, date: Option<&str>) {
    let office = some(office);
    let date = some(date);
    if office.is_none() && date.is_none() {
        return;
    }
    for _ in 0..3 {
        blocks::blank(out);
    }
    let half = (BODY_CHAR - CONDENSE) / 2;
    let ow = office.map_or(0, half_chars);
    let dw = date.map_or(0, half_chars);
    // Right indents in half characters; the centres line up.
    let centred = |date_right: i64| date_right + i64::from(dw / 2) - i64::from(ow / 2);
    let mut date_right: i64 = 8;
    if date.is_some() && centred(date_right) < 4 {
        date_right += 4 - centred(date_right);
    }
    let office_right = if date.is_some() {
        centred(date_right)
    } else {
        4
    };
    let (office_right, date_right) = (
        u32::try_from(office_right).unwrap_or(4),
        u32::try_from(date_right).unwrap_or(8),
    );
    for (line, right) in [(office, office_right), (date, date_right)] {
        if let Some(line) = line {
            let ps = ParaStyle {
                jc: Jc::Right,
                right: right.saturating_mul(half),
                ..ParaStyle::default()
            };
            xml::para(out, &ps, BODY, line);
        }
    }
}

/// 附注 (§7.3.6): one line below the 成文日期, two characters in, in parentheses.
pub(crate) fn note(out: &mut String, issuing: &Issuing) {
    if let Some(n) = note_line(issuing.contact.as_deref(), issuing.phone.as_deref()) {
        blocks::blank(out);
        blocks::body(out, &n);
    }
}

/// The 版记 (§7.4): "抄送：甲，乙。" and "印发机关 … 印发日期印发" between rules (thick
/// first and last, thin between), one character in from both sides, at the foot of the
/// page. It is a borderless table floating at the bottom of the type area with only its
/// horizontal rules drawn: Word, WPS and LibreOffice all draw table rules and place floating
/// tables (paragraph borders inside frames LibreOffice drops). `area` is the type area's
/// (width, height) in twips.
pub(crate) fn colophon(
    out: &mut String,
    issuing: &Issuing,
    office: Option<&str>,
    date: Option<&str>,
    (width, height): (u32, u32),
) {
    let cc: Vec<&str> = issuing
        .cc
        .iter()
        .map(|c| c.trim().trim_end_matches(['，', '。', '、']))
        .filter(|c| !c.is_empty())
        .collect();
    let by = some(issuing.printed_by.as_deref()).or(some(office));
    let on = some(issuing.printed_on.as_deref()).or(some(date));
    if cc.is_empty() && by.is_none() && on.is_none() {
        return;
    }
    // 4号 is 14 pt = 280 twips: one character in on each side.
    let indent = 280;
    // The table's top for readers that do not align it to the bottom: its lines (about 1.3
    // times 14 pt each, the 抄送 line wrapping at the width) and rules, up from the foot.
    let per_line = (width.saturating_sub(2 * indent) / 280).max(1) as usize;
    let cc_chars = if cc.is_empty() {
        0
    } else {
        cc.iter().map(|c| c.chars().count() + 1).sum::<usize>() + 3
    };
    let lines = 1 + cc_chars.div_ceil(per_line);
    let tall = u32::try_from(lines).unwrap_or(4) * 370 + 160;
    let top = height.saturating_sub(tall);
    let rule = |side: &str, r: Rule| {
        format!(
            "<w:{side} w:val=\"single\" w:sz=\"{}\" w:space=\"0\" w:color=\"{}\"/>",
            r.eighths, r.color
        )
    };
    out.push_str(&format!(
        "<w:tbl><w:tblPr><w:tblpPr w:leftFromText=\"0\" w:rightFromText=\"0\" w:topFromText=\"0\" w:bottomFromText=\"0\" w:vertAnchor=\"margin\" w:horzAnchor=\"margin\" w:tblpXSpec=\"center\" w:tblpY=\"{top}\" w:tblpYSpec=\"bottom\"/><w:tblW w:w=\"{width}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/><w:tblBorders>{}<w:left w:val=\"nil\"/>{}<w:right w:val=\"nil\"/>{}<w:insideV w:val=\"nil\"/></w:tblBorders><w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:top w:w=\"28\" w:type=\"dxa\"/><w:left w:w=\"0\" w:type=\"dxa\"/><w:bottom w:w=\"28\" w:type=\"dxa\"/><w:right w:w=\"0\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr>",
        rule("top", THICK),
        rule("bottom", THICK),
        rule("insideH", THIN),
    ));
    // The 印发日期 cell holds "2023年12月31日印发" (about 11 characters, wider in fallback faces) and its indent; the
    // 印发机关 takes the rest, so a long office stays on one line.
    let half = width.saturating_sub(4200).max(width / 2);
    out.push_str(&format!(
        "<w:tblGrid><w:gridCol w:w=\"{half}\"/><w:gridCol w:w=\"{}\"/></w:tblGrid>",
        width - half
    ));
    let para = |out: &mut String, jc: Jc, text: &str| {
        let ps = ParaStyle {
            jc,
            left: indent,
            right: indent,
            no_grid: true,
            ..ParaStyle::default()
        };
        xml::para(out, &ps, COLOPHON, text);
    };
    if !cc.is_empty() {
        out.push_str(&format!(
            "<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/><w:gridSpan w:val=\"2\"/></w:tcPr>"
        ));
        para(out, Jc::Left, &format!("抄送：{}。", cc.join("，")));
        out.push_str("</w:tc></w:tr>");
    }
    out.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
    for (w, jc, text) in [
        (half, Jc::Left, by.unwrap_or("").to_string()),
        (
            width - half,
            Jc::Right,
            on.map(|d| format!("{d}印发")).unwrap_or_default(),
        ),
    ] {
        out.push_str(&format!(
            "<w:tc><w:tcPr><w:tcW w:w=\"{w}\" w:type=\"dxa\"/></w:tcPr>"
        ));
        para(out, jc, &text);
        out.push_str("</w:tc>");
    }
    out.push_str("</w:tr></w:tbl>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_pattern_without_leading_zeros() {
        assert_eq!(
            doc_number("沙督办〔{year}〕{n}号", 2023, 7),
            "沙督办〔2023〕7号"
        );
        assert_eq!(doc_number("沙督办", 2023, 12), "沙督办〔2023〕12号");
        assert_eq!(
            doc_number("  沙督办[{year}]{n}号 ", 2024, 1),
            "沙督办〔2024〕1号"
        );
        assert_eq!(doc_number("", 2024, 3), "〔2024〕3号");
        assert_eq!(
            doc_number("催办（{year}）{n}号", 2024, 3),
            "催办〔2024〕3号"
        );
    }

    #[test]
    fn note_names_what_is_given() {
        assert_eq!(
            note_line(Some("张三"), Some("023-65000000")).as_deref(),
            Some("（联系人：张三，电话：023-65000000）")
        );
        assert_eq!(note_line(None, Some(" 1 ")).as_deref(), Some("（电话：1）"));
        assert_eq!(note_line(Some(" "), None), None);
    }

    use crate::blocks::tests::right_indents;

    #[test]
    fn the_office_is_centred_over_the_date() {
        let mut s = String::new();
        sealed_signature(&mut s, Some("区政府督查办"), Some("2023年1月10日"));
        // Date 4 characters in (8 halves of 157 twips); date 13 halves, office 12: centres
        // at 8 + 6 = 14 halves, office from 14 - 6 = 8.
        assert_eq!(right_indents(&s), vec![8 * 157, 8 * 157]);
        let mut s = String::new();
        sealed_signature(
            &mut s,
            Some("重庆市沙坪坝区人民政府督查办公室某某科"),
            Some("2023年1月10日"),
        );
        let r = right_indents(&s);
        assert_eq!(
            r[0],
            4 * 157,
            "a long office keeps two characters from the edge"
        );
        // 38 halves of office over 13 of date: the date moves left to stay centred.
        assert_eq!(r[1], (4 + 19 - 6) * 157);
        assert_eq!(
            s.matches("<w:p>").count(),
            5,
            "three lines left for the seal"
        );
    }
}
