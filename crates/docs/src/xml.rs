//! WordprocessingML written by careful string building: every piece of input text goes
//! through [`escape_into`], which also drops characters XML 1.0 cannot carry.

use crate::fonts::Face;

pub(crate) const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
pub(crate) const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
pub(crate) const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// Appends `s` escaped for element content and attribute values. Control characters other
/// than tab and newline (and U+FFFE/U+FFFF) are not allowed in XML 1.0, even escaped, and
/// are dropped rather than producing a file Word refuses to open.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// How a run looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RunStyle {
    pub face: Face,
    /// Font size in half-points (`w:sz`): 44 for 2号, 32 for 3号, 28 for 4号, 24 for 小四.
    pub half_points: u32,
    pub bold: bool,
    /// Twips each character is condensed by (`w:spacing`), for 28 characters a line.
    pub condense: u32,
}

impl RunStyle {
    pub(crate) const fn new(face: Face, half_points: u32) -> Self {
        RunStyle {
            face,
            half_points,
            bold: false,
            condense: 0,
        }
    }

    pub(crate) const fn condensed(mut self, twips: u32) -> Self {
        self.condense = twips;
        self
    }
}

/// `w:rPr` with `w:rFonts` (eastAsia always set), bold and size, in schema order.
pub(crate) fn run_props(out: &mut String, st: RunStyle) {
    let ea = st.face.east_asia();
    let fb = st.face.fallback();
    out.push_str("<w:rPr><w:rFonts w:ascii=\"");
    out.push_str(fb);
    out.push_str("\" w:hAnsi=\"");
    out.push_str(fb);
    out.push_str("\" w:eastAsia=\"");
    out.push_str(ea);
    out.push_str("\" w:cs=\"");
    out.push_str(fb);
    out.push_str("\" w:hint=\"eastAsia\"/>");
    if st.bold {
        out.push_str("<w:b/><w:bCs/>");
    }
    if st.condense > 0 {
        out.push_str(&format!("<w:spacing w:val=\"-{}\"/>", st.condense));
    }
    let sz = st.half_points;
    out.push_str(&format!(
        "<w:sz w:val=\"{sz}\"/><w:szCs w:val=\"{sz}\"/></w:rPr>"
    ));
}

/// One run of text; line breaks become `w:br`, tabs `w:tab`.
pub(crate) fn run(out: &mut String, st: RunStyle, text: &str) {
    out.push_str("<w:r>");
    run_props(out, st);
    let mut first = true;
    for line in text.split('\n') {
        if !first {
            out.push_str("<w:br/>");
        }
        first = false;
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        out.push_str("<w:t xml:space=\"preserve\">");
        escape_into(out, line);
        out.push_str("</w:t>");
    }
    out.push_str("</w:r>");
}

/// A run holding only a field character or instruction, still carrying its fonts.
pub(crate) fn field_run(out: &mut String, st: RunStyle, inner: &str) {
    out.push_str("<w:r>");
    run_props(out, st);
    out.push_str(inner);
    out.push_str("</w:r>");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Jc {
    #[default]
    Both,
    Left,
    Center,
    Right,
}

impl Jc {
    fn as_str(self) -> &'static str {
        match self {
            Jc::Both => "both",
            Jc::Left => "left",
            Jc::Center => "center",
            Jc::Right => "right",
        }
    }
}

/// Paragraph properties the documents use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ParaStyle {
    pub jc: Jc,
    /// First-line indent in hundredths of a character (200 = the customary two characters).
    pub first_line_chars: u32,
    /// Left and right indents in twips.
    pub left: u32,
    pub right: u32,
    /// Hanging indent in twips (附件说明 lines up its items under the first one).
    pub hanging: u32,
    pub keep_next: bool,
    /// Table cells and the tiny section-carrier paragraphs must not snap to the page's
    /// 22-line grid, which would give every table line 29 pt.
    pub no_grid: bool,
    /// Exact line height in twips, for carrier paragraphs.
    pub exact_line: Option<u32>,
    /// `w:outlineLvl`: headings show in Word's navigation pane.
    pub outline: Option<u8>,
    /// Font size of the paragraph mark, so empty lines have the body's height.
    pub mark: Option<RunStyle>,
    /// A rule below the paragraph (the 版头's red line).
    pub bottom_rule: Option<Rule>,
}

/// A paragraph border line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rule {
    /// Width in eighths of a point.
    pub eighths: u32,
    /// RGB hex.
    pub color: &'static str,
}

fn rule(out: &mut String, side: &str, r: Rule) {
    out.push_str(&format!(
        "<w:{side} w:val=\"single\" w:sz=\"{}\" w:space=\"1\" w:color=\"{}\"/>",
        r.eighths, r.color
    ));
}

pub(crate) fn para_props(out: &mut String, ps: &ParaStyle, sect: Option<&str>) {
    out.push_str("<w:pPr>");
    if ps.keep_next {
        out.push_str("<w:keepNext/>");
    }
    if let Some(r) = ps.bottom_rule {
        out.push_str("<w:pBdr>");
        rule(out, "bottom", r);
        out.push_str("</w:pBdr>");
    }
    if ps.no_grid {
        out.push_str("<w:snapToGrid w:val=\"0\"/>");
    }
    match ps.exact_line {
        Some(h) => out.push_str(&format!(
            "<w:spacing w:before=\"0\" w:after=\"0\" w:line=\"{h}\" w:lineRule=\"exact\"/>"
        )),
        None => out.push_str("<w:spacing w:before=\"0\" w:after=\"0\"/>"),
    }
    if ps.first_line_chars > 0 || ps.left > 0 || ps.right > 0 || ps.hanging > 0 {
        out.push_str("<w:ind");
        if ps.left > 0 {
            out.push_str(&format!(" w:left=\"{}\"", ps.left));
        }
        if ps.right > 0 {
            out.push_str(&format!(" w:right=\"{}\"", ps.right));
        }
        if ps.hanging > 0 {
            out.push_str(&format!(" w:hanging=\"{}\"", ps.hanging));
        } else if ps.first_line_chars > 0 {
            let twips = ps.first_line_chars * crate::geometry::BODY_HALF_POINTS * 10 / 100;
            out.push_str(&format!(
                " w:firstLineChars=\"{}\" w:firstLine=\"{twips}\"",
                ps.first_line_chars
            ));
        }
        out.push_str("/>");
    }
    out.push_str("<w:jc w:val=\"");
    out.push_str(ps.jc.as_str());
    out.push_str("\"/>");
    if let Some(l) = ps.outline {
        out.push_str(&format!("<w:outlineLvl w:val=\"{l}\"/>"));
    }
    if let Some(m) = ps.mark {
        run_props(out, m);
    }
    if let Some(s) = sect {
        out.push_str(s);
    }
    out.push_str("</w:pPr>");
}

/// A paragraph of one run.
pub(crate) fn para(out: &mut String, ps: &ParaStyle, st: RunStyle, text: &str) {
    out.push_str("<w:p>");
    para_props(
        out,
        &ParaStyle {
            mark: Some(st),
            ..ps.clone()
        },
        None,
    );
    if !text.is_empty() {
        run(out, st, text);
    }
    out.push_str("</w:p>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_forbidden_controls() {
        assert_eq!(
            escape("a<b>&\"c'\u{1}\u{FFFF}d\te"),
            "a&lt;b&gt;&amp;&quot;c&apos;d\te"
        );
    }

    #[test]
    fn newlines_become_breaks() {
        let mut s = String::new();
        run(&mut s, RunStyle::new(Face::FangSong, 32), "甲\n乙");
        assert!(
            s.contains("甲</w:t><w:br/><w:t xml:space=\"preserve\">乙"),
            "{s}"
        );
        assert!(s.contains("w:eastAsia=\"仿宋_GB2312\""));
    }
}
