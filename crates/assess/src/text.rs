//! Small helpers over char slices: clauses, sentences, word search, keyword overlap.

/// A half-open span in chars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

pub fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '；' | ';' | '！' | '!' | '？' | '?' | '\n' | '\r') || is_list_mark(c)
}

pub fn is_clause_end(c: char) -> bool {
    is_sentence_end(c) || matches!(c, '，' | ',' | '：' | ':')
}

/// ①…⑳ open a new item in progress texts.
pub fn is_list_mark(c: char) -> bool {
    ('①'..='⑳').contains(&c)
}

fn split(chars: &[char], end: fn(char) -> bool) -> Vec<Span> {
    let mut out = Vec::new();
    let mut s = 0;
    for (i, &c) in chars.iter().enumerate() {
        if end(c) {
            if i > s {
                out.push(Span { start: s, end: i });
            }
            s = if is_list_mark(c) { i } else { i + 1 };
        }
    }
    if chars.len() > s {
        out.push(Span {
            start: s,
            end: chars.len(),
        });
    }
    out.into_iter()
        .map(|sp| trim(chars, sp))
        .filter(|sp| sp.end > sp.start)
        .collect()
}

/// Clauses: split at ，。；： and line breaks.
pub fn clauses(chars: &[char]) -> Vec<Span> {
    split(chars, is_clause_end)
}

/// Sentences: split at 。； line breaks and list marks.
pub fn sentences(chars: &[char]) -> Vec<Span> {
    split(chars, is_sentence_end)
}

/// Drops surrounding blanks and list marks.
pub fn trim(chars: &[char], mut sp: Span) -> Span {
    while sp.start < sp.end
        && chars
            .get(sp.start)
            .is_some_and(|&c| c.is_whitespace() || c == '\u{3000}' || is_list_mark(c))
    {
        sp.start += 1;
    }
    while sp.end > sp.start
        && chars
            .get(sp.end - 1)
            .is_some_and(|&c| c.is_whitespace() || c == '\u{3000}')
    {
        sp.end -= 1;
    }
    sp
}

pub fn slice(chars: &[char], sp: Span) -> &[char] {
    chars.get(sp.start..sp.end).unwrap_or(&[])
}

pub fn string(chars: &[char], sp: Span) -> String {
    slice(chars, sp).iter().collect()
}

/// Char position of the first occurrence of `pat` in `hay` at or after `from`.
pub fn find(hay: &[char], pat: &[char], from: usize) -> Option<usize> {
    let (&first, rest) = pat.split_first()?;
    if pat.len() > hay.len() {
        return None;
    }
    // The first char rules out almost every position without a slice comparison.
    (from..=hay.len() - pat.len())
        .find(|&i| hay.get(i) == Some(&first) && hay.get(i + 1..i + pat.len()) == Some(rest))
}

pub fn contains_str(hay: &[char], pat: &str) -> bool {
    find_str(hay, pat).is_some()
}

pub fn find_str(hay: &[char], pat: &str) -> Option<usize> {
    find_str_from(hay, pat, 0)
}

/// [`find`] for a `&str` pattern, without collecting it: the engine looks up hundreds of
/// fixed words per text.
pub fn find_str_from(hay: &[char], pat: &str, from: usize) -> Option<usize> {
    let mut chars = pat.chars();
    let first = chars.next()?;
    let rest = chars.as_str();
    (from..hay.len())
        .find(|&i| hay.get(i) == Some(&first) && starts_with(hay.get(i + 1..).unwrap_or(&[]), rest))
}

pub fn starts_with(hay: &[char], pat: &str) -> bool {
    let mut it = hay.iter();
    pat.chars().all(|p| it.next() == Some(&p))
}

pub fn ends_with(hay: &[char], pat: &str) -> bool {
    let n = pat.chars().count();
    hay.len() >= n && starts_with(hay.get(hay.len() - n..).unwrap_or(&[]), pat)
}

/// The span of the clause around `pos`.
pub fn clause_at(chars: &[char], pos: usize) -> Span {
    around(chars, pos, is_clause_end)
}

/// The span of the sentence around `pos`.
pub fn sentence_at(chars: &[char], pos: usize) -> Span {
    around(chars, pos, is_sentence_end)
}

fn around(chars: &[char], pos: usize, end: fn(char) -> bool) -> Span {
    let pos = pos.min(chars.len());
    let mut s = pos;
    while s > 0 && chars.get(s - 1).is_some_and(|&c| !end(c)) {
        s -= 1;
    }
    // A list mark opens the item it stands before.
    if s > 0 && chars.get(s - 1).is_some_and(|&c| is_list_mark(c)) {
        s -= 1;
    }
    let mut e = pos;
    while e < chars.len()
        && chars
            .get(e)
            .is_some_and(|&c| !end(c) || (e == pos && is_list_mark(c)))
    {
        e += 1;
    }
    trim(chars, Span { start: s, end: e })
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Chars too common in reports to say what a figure is about.
const STOP: &str = "的和与及等了在为是对全年区市我今新共已完成实现达到个项家以上内累计其中总";

fn useful(c: char) -> bool {
    is_cjk(c) && !STOP.contains(c)
}

/// How strongly `context` speaks of the words in `keys`: shared CJK bigrams count
/// double, shared uncommon chars once.
pub fn overlap(keys: &[char], context: &[char]) -> u32 {
    let mut score = 0;
    for w in keys.windows(2) {
        if is_cjk(w[0]) && is_cjk(w[1]) && context.windows(2).any(|c| c == w) {
            score += 2;
        }
    }
    let mut seen: Vec<char> = Vec::new();
    for &k in keys {
        if useful(k) && !seen.contains(&k) && context.contains(&k) {
            seen.push(k);
            score += 1;
        }
    }
    score
}

/// Length of the longest common subsequence, for fuzzy name matching.
pub fn lcs(a: &[char], b: &[char]) -> usize {
    let mut prev = vec![0usize; b.len() + 1];
    let mut cur = vec![0usize; b.len() + 1];
    for &x in a {
        for (j, &y) in b.iter().enumerate() {
            cur[j + 1] = if x == y {
                prev[j] + 1
            } else {
                cur[j].max(prev[j + 1])
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(0)
}

/// Whether position `pos` is inside “…”, 《…》 or 「…」.
pub fn quoted_mask(chars: &[char]) -> Vec<bool> {
    let mut out = Vec::with_capacity(chars.len());
    let mut depth: i32 = 0;
    for &c in chars {
        match c {
            '“' | '《' | '「' | '〈' => {
                depth += 1;
                out.push(true);
            }
            '”' | '》' | '」' | '〉' => {
                out.push(depth > 0);
                depth = (depth - 1).max(0);
            }
            '\n' => {
                depth = 0;
                out.push(false);
            }
            _ => out.push(depth > 0),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cs(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn sentences_break_at_list_marks() {
        let c = cs("①甲已完工。②乙完成94%；丙");
        let s: Vec<String> = sentences(&c).into_iter().map(|sp| string(&c, sp)).collect();
        assert_eq!(s, vec!["甲已完工", "乙完成94%", "丙"]);
    }

    #[test]
    fn overlap_prefers_shared_words() {
        let k = cs("进口整车");
        assert!(overlap(&k, &cs("整车进口")) > overlap(&k, &cs("口岸申报")));
        assert_eq!(overlap(&k, &cs("风景")), 0);
    }

    #[test]
    fn lcs_counts_common_chars_in_order() {
        assert_eq!(lcs(&cs("三利普光电"), &cs("三利谱光电")), 4);
        assert_eq!(lcs(&cs(""), &cs("x")), 0);
    }

    #[test]
    fn clause_and_sentence_around_a_position() {
        let c = cs("完成江山公园建设。清水溪两溪花谷整治工程，正在有序推进，整体完成70%。");
        let p = find_str(&c, "两溪").unwrap();
        assert_eq!(string(&c, clause_at(&c, p)), "清水溪两溪花谷整治工程");
        assert_eq!(
            string(&c, sentence_at(&c, p)),
            "清水溪两溪花谷整治工程，正在有序推进，整体完成70%"
        );
    }
}
