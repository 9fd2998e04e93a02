//! The building blocks of an official document body: title, addressee, headings, body
//! paragraphs, attachment notes, signature.

use crate::fonts::Face;
use crate::title::title_lines;
use crate::xml::{self, Jc, ParaStyle, RunStyle};

/// 2号 (22 pt) 方正小标宋简体.
pub(crate) const TITLE: RunStyle = RunStyle::new(Face::XiaoBiaoSong, 44);
/// 3号 (16 pt) 仿宋_GB2312, condensed to 28 characters a line (see `DocGrid::Lines`).
pub(crate) const BODY: RunStyle = RunStyle::new(Face::FangSong, 32).condensed(CONDENSE);
/// 3号 黑体.
pub(crate) const HEADING1: RunStyle = RunStyle::new(Face::Hei, 32).condensed(CONDENSE);
/// 3号 楷体_GB2312.
pub(crate) const HEADING2: RunStyle = RunStyle::new(Face::Kai, 32).condensed(CONDENSE);
/// `PageGeometry::portrait().body_condense()`, checked by a test.
pub(crate) const CONDENSE: u32 = 5;
/// One character of body text, in twips.
pub(crate) const BODY_CHAR: u32 = 320;
/// A 2号 title line holds 20 characters in the 156 mm type area.
const TITLE_CHARS: usize = 20;

fn centered() -> ParaStyle {
    ParaStyle {
        jc: Jc::Center,
        ..ParaStyle::default()
    }
}

/// Title lines keep off the body's line grid, where a 2号 line would take two grid lines,
/// and sit at a fixed 35 pt instead.
fn title_para() -> ParaStyle {
    ParaStyle {
        keep_next: true,
        no_grid: true,
        exact_line: Some(700),
        ..centered()
    }
}

pub(crate) fn blank(out: &mut String) {
    xml::para(out, &ParaStyle::default(), BODY, "");
}

/// The title, broken into lines, centred; with the issuing office as its first line when
/// given (发文机关 + 关于…的 + 文种, as the sample report has it).
pub(crate) fn title(out: &mut String, office: Option<&str>, title: &str, max_chars: Option<usize>) {
    if let Some(o) = office.map(str::trim).filter(|o| !o.is_empty()) {
        xml::para(out, &title_para(), TITLE, o);
    }
    let lines = title_lines(title, max_chars.unwrap_or(TITLE_CHARS));
    xml::para(out, &title_para(), TITLE, &lines.join("\n"));
}

/// "区政府：" on its own line, flush left.
pub(crate) fn addressee(out: &mut String, to: &str) {
    let to = to.trim().trim_end_matches(['：', ':']);
    if !to.is_empty() {
        xml::para(
            out,
            &ParaStyle {
                jc: Jc::Left,
                ..ParaStyle::default()
            },
            BODY,
            &format!("{to}："),
        );
    }
}

/// A body paragraph indented two characters.
pub(crate) fn body(out: &mut String, text: &str) {
    xml::para(
        out,
        &ParaStyle {
            first_line_chars: 200,
            ..ParaStyle::default()
        },
        BODY,
        text,
    );
}

/// "一、…" in 黑体.
pub(crate) fn heading1(out: &mut String, text: &str) {
    let ps = ParaStyle {
        first_line_chars: 200,
        keep_next: true,
        outline: Some(0),
        ..ParaStyle::default()
    };
    xml::para(out, &ps, HEADING1, text);
}

/// "（一）…" in 楷体_GB2312.
pub(crate) fn heading2(out: &mut String, text: &str) {
    let ps = ParaStyle {
        first_line_chars: 200,
        keep_next: true,
        outline: Some(1),
        ..ParaStyle::default()
    };
    xml::para(out, &ps, HEADING2, text);
}

/// 附件说明: "附件：1. …", further items aligned under the first.
pub(crate) fn attachment_note(out: &mut String, titles: &[String]) {
    if titles.is_empty() {
        return;
    }
    blank(out);
    let left = BODY_CHAR * 5;
    if titles.len() == 1 {
        let ps = ParaStyle {
            left,
            hanging: BODY_CHAR * 3,
            ..ParaStyle::default()
        };
        xml::para(out, &ps, BODY, &format!("附件：{}", titles[0]));
        return;
    }
    for (i, t) in titles.iter().enumerate() {
        let n = i + 1;
        if i == 0 {
            let ps = ParaStyle {
                left,
                hanging: BODY_CHAR * 3,
                ..ParaStyle::default()
            };
            xml::para(out, &ps, BODY, &format!("附件：{n}. {t}"));
        } else {
            let ps = ParaStyle {
                left,
                ..ParaStyle::default()
            };
            xml::para(out, &ps, BODY, &format!("{n}. {t}"));
        }
    }
}

/// Width of a text in half characters: ASCII digits and letters take half a character.
pub(crate) fn half_chars(s: &str) -> u32 {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// 署名 and 成文日期 as GB/T 9704-2012 §7.3.5.2 places them without a seal: one line below
/// the text, the office two characters in from the right, the date on the next line with its
/// first character two characters right of the office's first; a date longer than that
/// sits two characters in from the right and pushes the office left.
pub(crate) fn signature(out: &mut String, office: Option<&str>, date: Option<&str>) {
    let office = office.map(str::trim).filter(|s| !s.is_empty());
    let date = date.map(str::trim).filter(|s| !s.is_empty());
    if office.is_none() && date.is_none() {
        return;
    }
    blank(out);
    let half = (BODY_CHAR - CONDENSE) / 2;
    let ow = office.map_or(0, half_chars);
    let dw = date.map_or(0, half_chars);
    // Right indents in half characters.
    let (office_right, date_right) = if ow >= dw + 4 {
        (4, ow - dw)
    } else {
        (dw + 8 - ow, 4)
    };
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

/// "附件1" in 黑体 flush left, then the attachment's title centred.
pub(crate) fn attachment_head(out: &mut String, label: &str, title: &str) {
    let label_style = RunStyle::new(Face::Hei, 32);
    xml::para(
        out,
        &ParaStyle {
            jc: Jc::Left,
            keep_next: true,
            ..ParaStyle::default()
        },
        label_style,
        label,
    );
    // Landscape pages hold 29 title characters.
    let lines = title_lines(title, 29);
    xml::para(out, &title_para(), TITLE, &lines.join("\n"));
    blank(out);
}

#[cfg(test)]
pub(crate) mod tests {
    pub(crate) fn right_indents(xml: &str) -> Vec<u32> {
        xml.split("w:right=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next()?.parse().ok())
            .collect()
    }

    #[test]
    fn date_starts_two_characters_right_of_the_office() {
        let mut s = String::new();
        super::signature(
            &mut s,
            Some("重庆市沙坪坝区人民政府督查办"),
            Some("2023年1月10日"),
        );
        // Half a condensed character is 157 twips: office 2 characters in, date 15 halves.
        assert_eq!(right_indents(&s), vec![4 * 157, 15 * 157]);
        let mut s = String::new();
        super::signature(&mut s, Some("某办"), Some("2023年12月10日"));
        // The date (14 halves) is longer: it sits 2 characters in, the office starts 2 further left.
        assert_eq!(right_indents(&s), vec![(14 + 8 - 4) * 157, 4 * 157]);
        let mut s = String::new();
        super::signature(&mut s, None, None);
        assert!(s.is_empty());
    }

    #[test]
    fn condensing_matches_the_geometry() {
        assert_eq!(
            super::CONDENSE,
            crate::geometry::PageGeometry::portrait().body_condense()
        );
    }
}
