//! The faces GB/T 9704-2012 prescribes, and what a machine without them should use instead.

/// A typeface role in an official document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    /// Titles: 方正小标宋简体.
    XiaoBiaoSong,
    /// Body text and tables: 仿宋_GB2312.
    FangSong,
    /// First-level headings and attachment labels: 黑体.
    Hei,
    /// Second-level headings: 楷体_GB2312.
    Kai,
    /// Page numbers: 宋体.
    Song,
}

impl Face {
    /// The official face, written as `w:rFonts/@w:eastAsia`.
    pub(crate) fn east_asia(self) -> &'static str {
        match self {
            Face::XiaoBiaoSong => "方正小标宋简体",
            Face::FangSong => "仿宋_GB2312",
            Face::Hei => "黑体",
            Face::Kai => "楷体_GB2312",
            Face::Song => "宋体",
        }
    }

    /// The face installed with every Chinese Windows, written as `w:ascii`/`w:hAnsi` so that
    /// digits and Latin letters render even where the official face is missing.
    pub(crate) fn fallback(self) -> &'static str {
        match self {
            Face::XiaoBiaoSong | Face::Song => "宋体",
            Face::FangSong => "仿宋",
            Face::Hei => "黑体",
            Face::Kai => "楷体",
        }
    }
}

/// One `w:font` entry of fontTable.xml: Word looks up `altName` when the named face is not
/// installed, then falls back on panose and charset matching.
struct FontEntry {
    name: &'static str,
    alt: &'static str,
    panose: &'static str,
    family: &'static str,
    pitch: &'static str,
}

const FONTS: [FontEntry; 11] = [
    FontEntry {
        name: "方正小标宋简体",
        alt: "宋体",
        panose: "02000000000000000000",
        family: "script",
        pitch: "variable",
    },
    FontEntry {
        name: "仿宋_GB2312",
        alt: "仿宋",
        panose: "02010609030101010101",
        family: "modern",
        pitch: "fixed",
    },
    FontEntry {
        name: "仿宋",
        alt: "FangSong",
        panose: "02010609060101010101",
        family: "modern",
        pitch: "fixed",
    },
    FontEntry {
        name: "楷体_GB2312",
        alt: "楷体",
        panose: "02010609030101010101",
        family: "modern",
        pitch: "fixed",
    },
    FontEntry {
        name: "楷体",
        alt: "KaiTi",
        panose: "02010609060101010101",
        family: "modern",
        pitch: "fixed",
    },
    FontEntry {
        name: "黑体",
        alt: "SimHei",
        panose: "02010609060101010101",
        family: "modern",
        pitch: "fixed",
    },
    FontEntry {
        name: "宋体",
        alt: "SimSun",
        panose: "02010600030101010101",
        family: "auto",
        pitch: "variable",
    },
    FontEntry {
        name: "FangSong",
        alt: "仿宋",
        panose: "02010609060101010101",
        family: "modern",
        pitch: "fixed",
    },
    FontEntry {
        name: "KaiTi",
        alt: "楷体",
        panose: "02010609060101010101",
        family: "modern",
        pitch: "fixed",
    },
    FontEntry {
        name: "SimHei",
        alt: "黑体",
        panose: "02010609060101010101",
        family: "modern",
        pitch: "fixed",
    },
    FontEntry {
        name: "SimSun",
        alt: "宋体",
        panose: "02010600030101010101",
        family: "auto",
        pitch: "variable",
    },
];

pub(crate) fn font_table_xml() -> String {
    let mut s = String::with_capacity(4096);
    s.push_str(crate::xml::DECL);
    s.push_str(
        r#"<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#,
    );
    for f in &FONTS {
        s.push_str(&format!(
            r#"<w:font w:name="{}"><w:altName w:val="{}"/><w:panose1 w:val="{}"/><w:charset w:val="86"/><w:family w:val="{}"/><w:pitch w:val="{}"/></w:font>"#,
            f.name, f.alt, f.panose, f.family, f.pitch
        ));
    }
    s.push_str("</w:fonts>");
    s
}
