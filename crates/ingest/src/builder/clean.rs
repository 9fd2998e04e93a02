//! Removal of conversion junk from cell and paragraph text.
//!
//! Word exports leave bookmarks (`[bookmark: _GoBack]`), runs of spaces used for layout
//! ("报  告"), full-width blanks standing in for empty cells and trailing spaces. They are
//! removed so no field keeps them, and every removal is reported: the office must be able
//! to see that the text it reads is not byte for byte what the file held.

/// Text after cleaning, with what was removed (Chinese labels, for the warning).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Cleaned {
    pub text: String,
    pub removed: Vec<&'static str>,
}

const BOOKMARK: &str = "[bookmark:";

fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\u{3000}' | '\u{a0}' | '\u{2000}'..='\u{200b}' | '\u{feff}' | '\u{202f}'
    )
}

/// [`clean`] of a text the caller owns: a clean text (most cells) is handed back as it is,
/// not copied.
pub(crate) fn clean_owned(raw: String) -> Cleaned {
    if already_clean(&raw) {
        return Cleaned {
            text: raw,
            removed: Vec::new(),
        };
    }
    clean(&raw)
}

pub(crate) fn clean(raw: &str) -> Cleaned {
    if already_clean(raw) {
        return Cleaned {
            text: raw.to_string(),
            removed: Vec::new(),
        };
    }
    let mut removed: Vec<&'static str> = Vec::new();
    let mut note = |what: &'static str| {
        if !removed.contains(&what) {
            removed.push(what);
        }
    };

    let mut text = std::borrow::Cow::Borrowed(raw);
    if raw.contains(BOOKMARK) {
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(at) = rest.find(BOOKMARK) {
            out.push_str(&rest[..at]);
            let tail = &rest[at..];
            match tail.find(']') {
                Some(end) => {
                    rest = &tail[end + 1..];
                    note("书签标记");
                }
                None => {
                    out.push_str(tail);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        text = std::borrow::Cow::Owned(out);
    }

    if !text.is_empty() && text.chars().all(|c| is_space(c) || c == '\n' || c == '\r') {
        if text.contains('\u{3000}') {
            note("全角空白单元格");
        } else {
            note("空白");
        }
        return Cleaned {
            text: String::new(),
            removed,
        };
    }

    let mut out = String::with_capacity(text.len());
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let trimmed = line.trim_matches(is_space);
        if trimmed.len() != line.len() && !trimmed.is_empty() {
            note("首尾空白");
        }
        if trimmed.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        squeeze_into(trimmed, &mut out, &mut note);
    }
    Cleaned { text: out, removed }
}

/// Copies `line`, collapsing runs of blanks: gone between Chinese characters (where Word
/// used them for layout), one plain space between Latin words and figures.
fn squeeze_into(line: &str, out: &mut String, note: &mut impl FnMut(&'static str)) {
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if !is_space(c) {
            out.push(c);
            continue;
        }
        let mut run = 1;
        while chars.peek().is_some_and(|&n| is_space(n)) {
            chars.next();
            run += 1;
        }
        let before = out.chars().next_back();
        let after = chars.peek().copied();
        if run == 1 {
            out.push(' ');
            continue;
        }
        note("多余空格");
        let both_wide =
            before.is_some_and(|b| !b.is_ascii()) && after.is_some_and(|a| !a.is_ascii());
        if !both_wide {
            out.push(' ');
        }
    }
}

/// Whether a text has a run of two or more blanks (what `clean` never leaves).
#[cfg(test)]
pub(crate) fn has_space_run(s: &str) -> bool {
    let mut prev = false;
    for c in s.chars() {
        let sp = is_space(c);
        if sp && prev {
            return true;
        }
        prev = sp;
    }
    false
}

/// Header text reduced to what carries meaning: no blanks of any kind, no colons or
/// required-field stars.
pub(crate) fn compact(s: &str) -> String {
    compact_chars(s).collect()
}

fn meaningful(c: char) -> bool {
    !is_space(c) && !matches!(c, '\n' | '\r' | '：' | ':' | '*' | '＊')
}

fn compact_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().filter(|&c| meaningful(c))
}

/// Whether a text holds nothing but blanks (what [`compact`] would leave empty).
pub(crate) fn is_blank(s: &str) -> bool {
    !s.chars().any(meaningful)
}

/// Whether two texts are equal once compacted, without building either.
pub(crate) fn same_compact(a: &str, b: &str) -> bool {
    compact_chars(a).eq(compact_chars(b))
}

/// Whether `clean` would change nothing: the common case, worth checking cheaply.
fn already_clean(s: &str) -> bool {
    !s.is_empty()
        && !s.contains(BOOKMARK)
        && !s.contains("\n\n")
        && !s.starts_with('\n')
        && !s.ends_with('\n')
        && !s.chars().any(|c| c == '\r' || (is_space(c) && c != ' '))
        && !s.contains("  ")
        && !s.starts_with(' ')
        && !s.ends_with(' ')
        && !s.contains(" \n")
        && !s.contains("\n ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bookmarks_and_space_runs_go() {
        let c = clean("[bookmark: OLE_LINK1]⑤开展家庭养老床位建设。   \n报  告");
        assert_eq!(c.text, "⑤开展家庭养老床位建设。\n报告");
        assert_eq!(c.removed, vec!["书签标记", "首尾空白", "多余空格"]);
        assert!(!has_space_run(&c.text));
    }

    #[test]
    fn latin_words_keep_one_space_and_single_spaces_stay() {
        assert_eq!(clean("Phase  II").text, "Phase II");
        let c = clean("冠红岩之名 铸红岩之魂");
        assert_eq!(c.text, "冠红岩之名 铸红岩之魂");
        assert!(c.removed.is_empty());
    }

    #[test]
    fn fullwidth_blank_cell_becomes_empty() {
        let c = clean("　");
        assert_eq!(c.text, "");
        assert_eq!(c.removed, vec!["全角空白单元格"]);
        assert_eq!(clean("").removed.len(), 0);
    }

    #[test]
    fn the_fast_path_agrees_with_the_full_clean() {
        for s in [
            "甲乙",
            "甲 乙",
            "甲\n乙",
            "甲  乙",
            " 甲",
            "甲 \n乙",
            "甲\n\n乙",
            "甲\u{3000}乙",
            "甲\r\n乙",
            "a b",
        ] {
            if already_clean(s) {
                let mut removed = Vec::new();
                let mut out = String::new();
                for line in s.split('\n') {
                    let t = line.trim_matches(is_space);
                    if !out.is_empty() {
                        out.push('\n');
                    }
                    squeeze_into(t, &mut out, &mut |w| removed.push(w));
                }
                assert_eq!(out, s, "{s:?}");
                assert!(removed.is_empty(), "{s:?}");
            }
        }
        assert!(already_clean("甲 乙\n丙"));
        assert!(!already_clean("甲  乙"));
        assert!(same_compact("牵头 单位：", "牵头单位"));
        assert!(is_blank(" \u{3000}\n"));
        assert!(!is_blank("甲"));
    }

    #[test]
    fn unterminated_bookmark_is_kept() {
        assert_eq!(clean("a[bookmark: x").text, "a[bookmark: x");
    }
}
