//! Page geometry of GB/T 9704-2012 in twips (1/20 pt, 1/1440 inch).

/// Converts millimetres to twips, rounded to the nearest twip (1 mm = 56.6929 twips).
pub fn mm_to_twips(mm: f64) -> u32 {
    (mm * 1440.0 / 25.4).round() as u32
}

/// The size of 3号 body text, in half-points: 16 pt.
pub(crate) const BODY_HALF_POINTS: u32 = 32;
/// The standard's type area: 22 lines of 28 characters.
pub(crate) const LINES_PER_PAGE: u32 = 22;
pub(crate) const CHARS_PER_LINE: u32 = 28;

/// How the type area's 22 lines × 28 characters are laid down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DocGrid {
    /// A line grid (`w:type="lines"`, 22 lines) with body text condensed by
    /// [`PageGeometry::body_condense`] so 28 characters fill a line. Word, WPS and LibreOffice
    /// all lay this out alike.
    #[default]
    Lines,
    /// Word's character grid (`w:type="linesAndChars"` with `w:charSpace`), as the usual
    /// templates have it. Word and WPS honour it; LibreOffice gives each 3号 character two grid
    /// cells and spreads lines apart, so it is not the default.
    LinesAndChars,
}

/// One page layout: size, margins and the distances of header and footer, in twips.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageGeometry {
    pub width: u32,
    pub height: u32,
    pub top: u32,
    pub bottom: u32,
    pub left: u32,
    pub right: u32,
    pub header: u32,
    pub footer: u32,
    pub landscape: bool,
    pub grid: DocGrid,
}

impl PageGeometry {
    /// A4 portrait with the standard's margins: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm.
    pub fn portrait() -> Self {
        PageGeometry {
            width: 11906,
            height: 16838,
            top: mm_to_twips(37.0),
            bottom: mm_to_twips(35.0),
            left: mm_to_twips(28.0),
            right: mm_to_twips(26.0),
            header: mm_to_twips(15.0),
            // The page number's top sits 7 mm below the type area, 35 - 7 = 28 mm from the
            // edge; its line is exactly 14 pt (4.94 mm), so its bottom is 23 mm from the edge.
            footer: mm_to_twips(23.0),
            landscape: false,
            grid: DocGrid::Lines,
        }
    }

    /// A4 landscape for attachment tables: the portrait page turned a quarter, so the
    /// binding margin (left on a portrait page) keeps its width on the top.
    pub fn landscape() -> Self {
        let p = Self::portrait();
        PageGeometry {
            width: p.height,
            height: p.width,
            top: p.left,
            bottom: p.right,
            left: p.top,
            right: p.bottom,
            header: p.header,
            footer: mm_to_twips(15.0),
            landscape: true,
            grid: p.grid,
        }
    }

    pub fn text_width(&self) -> u32 {
        self.width.saturating_sub(self.left + self.right)
    }

    pub fn text_height(&self) -> u32 {
        self.height.saturating_sub(self.top + self.bottom)
    }

    /// `w:docGrid/@w:linePitch`: the largest pitch that still fits 22 lines in the type area.
    pub fn line_pitch(&self) -> u32 {
        self.text_height() / LINES_PER_PAGE
    }

    /// `w:docGrid/@w:charSpace`: Word's character pitch is the default font size plus
    /// charSpace/4096 pt. Rounded down so 28 characters fit a line even after Word's own
    /// rounding (−841 would give 27.99998 characters, hence 27).
    pub fn char_space(&self) -> i32 {
        let pitch_twips = f64::from(self.text_width()) / f64::from(CHARS_PER_LINE);
        let font_twips = f64::from(BODY_HALF_POINTS) * 10.0;
        ((pitch_twips - font_twips) / 20.0 * 4096.0).floor() as i32
    }

    /// Twips by which each 3号 character is condensed (`w:spacing` on the run) so that 28 of
    /// them fit the type area without a character grid: 320 − ⌊8845 / 28⌋ = 5.
    pub fn body_condense(&self) -> u32 {
        (BODY_HALF_POINTS * 10).saturating_sub(self.text_width() / CHARS_PER_LINE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margins_are_exact_conversions() {
        assert_eq!(mm_to_twips(37.0), 2098);
        assert_eq!(mm_to_twips(35.0), 1984);
        assert_eq!(mm_to_twips(28.0), 1587);
        assert_eq!(mm_to_twips(26.0), 1474);
    }

    #[test]
    fn grid_gives_22_lines_of_28_characters() {
        let g = PageGeometry::portrait();
        assert_eq!(g.text_width(), 8845);
        assert_eq!(g.line_pitch(), 579);
        assert_eq!(g.text_height() / g.line_pitch(), 22);
        let pitch = 320.0 + f64::from(g.char_space()) / 4096.0 * 20.0;
        assert_eq!((f64::from(g.text_width()) / pitch).floor() as u32, 28);
        assert_eq!(g.char_space(), -842);
        let condensed = 320 - g.body_condense();
        assert_eq!(g.text_width() / condensed, 28);
        assert_eq!(
            g.text_width() / (condensed + 1),
            27,
            "the least condensing that fits 28"
        );
    }
}
