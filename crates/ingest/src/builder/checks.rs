//! Checks on cell text that become warnings.

/// Sentences of a cell that repeat text already written earlier in the same cell
/// ("…认可率达95%。中小学生对作业负担大幅降低认可率达95%。"): a paste done twice.
///
/// Only sentences of 8 characters or more count, so "已完工。" listed twice in a series
/// of items is not flagged.
pub(crate) fn repeated_sentences(text: &str) -> Vec<String> {
    const MIN_CHARS: usize = 8;
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if !matches!(c, '。' | '！' | '？' | '；' | ';' | '\n') {
            continue;
        }
        let end = i + c.len_utf8();
        let sentence = text[start..i].trim();
        let core = sentence.trim_start_matches(|ch: char| ('①'..='⑳').contains(&ch));
        if core.chars().count() >= MIN_CHARS && text[..start].contains(core) {
            out.push(core.to_string());
        }
        start = end;
    }
    let tail = text[start..].trim();
    if tail.chars().count() >= MIN_CHARS && text[..start].contains(tail) {
        out.push(tail.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_twice_sentence_is_found() {
        let t = "①创新作业管理模式，中小学生对作业负担大幅降低认可率达95%。中小学生对作业负担大幅降低认可率达95%。树人小学入选典型案例。";
        assert_eq!(
            repeated_sentences(t),
            ["中小学生对作业负担大幅降低认可率达95%"]
        );
    }

    #[test]
    fn short_or_distinct_sentences_are_not() {
        assert!(repeated_sentences("①甲工程已完工。②乙工程已完工。").is_empty());
        assert!(repeated_sentences("已完工。已完工。").is_empty());
        assert!(repeated_sentences("").is_empty());
    }
}
