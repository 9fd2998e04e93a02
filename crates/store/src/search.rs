//! Text search over tasks: an inverted index of character bigrams.
//!
//! Chinese has no spaces, so neither SQLite's FTS5 tokenizers nor PostgreSQL's text search
//! cut it into words; a clerk searching "公园" or "技改" expects the substring semantics of
//! the list's old `LIKE '%…%'` scan, which reads every task of the plan. Instead each task's
//! text, progress and section are cut here into the bigrams of their runs of letters and
//! digits ("江山公园" → 江山 山公 公园), stored per task (an FTS5 table on SQLite, a GIN-indexed
//! array on PostgreSQL), and a query's own bigrams select the candidates. Every bigram of a
//! substring is a bigram of the text it occurs in, so the candidates are a superset of the
//! matches; the old `LIKE` then runs on the candidates only and keeps the answer exact.
//!
//! A query with no bigram (one character, or only punctuation) falls back to the scan: one
//! character matches so much of a plan that the index would not narrow it much anyway.

use std::collections::BTreeSet;

/// Characters that join into runs: letters and digits of any script (CJK ideographs are
/// alphabetic in Unicode). Everything else (punctuation, spaces, symbols) ends a run.
fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// Folds what `LIKE` treats alike on both backends: ASCII case.
fn fold(c: char) -> char {
    c.to_ascii_lowercase()
}

fn bigrams_into(text: &str, out: &mut BTreeSet<String>) {
    let mut prev: Option<char> = None;
    for c in text.chars() {
        if is_word(c) {
            let c = fold(c);
            if let Some(p) = prev {
                let mut s = String::with_capacity(p.len_utf8() + c.len_utf8());
                s.push(p);
                s.push(c);
                out.insert(s);
            }
            prev = Some(c);
        } else {
            prev = None;
        }
    }
}

/// The distinct bigrams of a task's searchable fields, sorted (stable across runs, so the
/// stored terms of an unchanged task never differ).
pub(crate) fn task_terms<'a>(fields: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out = BTreeSet::new();
    for f in fields {
        bigrams_into(f, &mut out);
    }
    out.into_iter().collect()
}

/// The bigrams a task must hold to contain `q`, or `None` when `q` has none (one character,
/// punctuation only): then only a scan can answer.
pub(crate) fn query_terms(q: &str) -> Option<Vec<String>> {
    let mut out = BTreeSet::new();
    bigrams_into(q, &mut out);
    (!out.is_empty()).then(|| out.into_iter().collect())
}

/// An FTS5 query requiring every term. Terms hold only letters and digits, and FTS5 strings
/// in double quotes take anything but a double quote, so quoting each is safe.
pub(crate) fn fts5_query(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The stored form on SQLite: terms separated by spaces for FTS5's `ascii` tokenizer, which
/// splits on ASCII spaces and punctuation only and keeps every other character in the token.
pub(crate) fn fts5_document(terms: &[String]) -> String {
    terms.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_runs_become_their_bigrams() {
        assert_eq!(
            task_terms(["建成江山公园"]),
            vec!["公园", "山公", "建成", "成江", "江山"]
        );
    }

    #[test]
    fn punctuation_and_spaces_end_a_run() {
        // No bigram across "，" or the space.
        let t = task_terms(["道路，桥梁 改造"]);
        assert!(t.contains(&"道路".to_string()));
        assert!(t.contains(&"桥梁".to_string()));
        assert!(!t.contains(&"路桥".to_string()));
        assert!(!t.contains(&"梁改".to_string()));
    }

    #[test]
    fn digits_and_latin_letters_are_runs_too_and_case_folds() {
        let t = task_terms(["GDP增长5%", "5G基站"]);
        for want in ["gd", "dp", "p增", "增长", "长5", "5g", "g基", "基站"] {
            assert!(t.contains(&want.to_string()), "{want} missing from {t:?}");
        }
        assert_eq!(query_terms("Gdp"), Some(vec!["dp".into(), "gd".into()]));
    }

    #[test]
    fn every_substring_s_bigrams_are_in_its_text_s_terms() {
        let text = "全年新建5G基站1200个，完成“江山公园”二期（主体完工）。";
        let terms = task_terms([text]);
        let chars: Vec<char> = text.chars().collect();
        for i in 0..chars.len() {
            for j in i + 1..=chars.len() {
                let sub: String = chars[i..j].iter().collect();
                if let Some(q) = query_terms(&sub) {
                    for t in q {
                        assert!(terms.contains(&t), "{sub:?}: {t} not indexed");
                    }
                }
            }
        }
    }

    #[test]
    fn a_query_without_a_bigram_needs_the_scan() {
        assert_eq!(query_terms("园"), None);
        assert_eq!(query_terms("，。 "), None);
        assert_eq!(query_terms("园，林"), None);
        assert_eq!(query_terms("公园"), Some(vec!["公园".into()]));
    }

    #[test]
    fn fts5_query_quotes_each_term() {
        assert_eq!(
            fts5_query(&["公园".into(), "江山".into()]),
            "\"公园\" \"江山\""
        );
    }
}
