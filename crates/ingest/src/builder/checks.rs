//! Checks on cell text that become warnings.

/// Sentences of a cell that repeat text already written earlier in the same cell
/// ("…认可率达95%。中小学生对作业负担大幅降低认可率达95%。"): a paste done twice.
///
/// Only sentences of 8 characters or more count, so "已完工。" listed twice in a series
/// of items is not flagged.
pub(crate) fn repeated_sentences(text: &str) -> Vec<String> {
    const MIN_CHARS: usize = 8;
    // Linear in the cell: a sentence is compared with the earlier ones as wholes (a set)
    // and with the tail of the one just before ("…认可率达95%。" then the same again).
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut previous: &str = "";
    let mut out = Vec::new();
    let sentences = text
        .split_inclusive(['。', '！', '？', '；', ';', '\n'])
        .map(|s| {
            s.trim_end_matches(['。', '！', '？', '；', ';', '\n'])
                .trim()
        });
    for sentence in sentences {
        let core = sentence.trim_start_matches(|ch: char| ('①'..='⑳').contains(&ch));
        if core.chars().count() >= MIN_CHARS
            && (seen.contains(core) || previous.ends_with(core))
            && !out.iter().any(|o: &String| o == core)
        {
            out.push(core.to_string());
        }
        seen.insert(core);
        previous = sentence;
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

    #[test]
    fn whole_sentences_repeated_anywhere_are_found() {
        let t = "①全年新增就业岗位三千个以上。②其他工作正常推进。③全年新增就业岗位三千个以上。";
        assert_eq!(repeated_sentences(t), ["全年新增就业岗位三千个以上"]);
    }
}
