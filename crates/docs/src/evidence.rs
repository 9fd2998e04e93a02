//! The one or two sentences of a task's progress that speak to its target.

use duban_model::{Task, Verdict};

/// A sentence of the progress text as a char range (Unicode scalar values, like
/// `Evidence::start`/`end`) and its cleaned text.
struct Sentence {
    start: usize,
    end: usize,
    text: String,
}

fn is_terminator(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';')
}

/// Item markers units put before each point ("①", "1、", "（1）"); they mean nothing once
/// a sentence stands alone.
fn strip_marker(s: &str) -> &str {
    let s = s.trim_start_matches(|c: char| c.is_whitespace() || ('①'..='⑳').contains(&c));
    let digits = s.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && digits < 3 {
        let rest = &s[digits..];
        for sep in ['、', '.', '．'] {
            if let Some(r) = rest.strip_prefix(sep) {
                return r.trim_start();
            }
        }
    }
    s
}

fn sentences(progress: &str) -> Vec<Sentence> {
    let chars: Vec<char> = progress.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let push = |start: usize, end: usize, out: &mut Vec<Sentence>| {
        let raw: String = chars[start..end].iter().collect();
        let text = strip_marker(raw.trim()).trim().to_string();
        if text
            .chars()
            .any(|c| !is_terminator(c) && !c.is_whitespace())
        {
            out.push(Sentence { start, end, text });
        }
    };
    for (i, &c) in chars.iter().enumerate() {
        let circled = ('①'..='⑳').contains(&c) && i > start;
        if circled {
            push(start, i, &mut out);
            start = i;
        } else if is_terminator(c) || c == '\n' {
            push(start, i + 1, &mut out);
            start = i + 1;
        }
    }
    if start < chars.len() {
        push(start, chars.len(), &mut out);
    }
    out
}

/// Char ranges of the machine's evidence in `task.progress`, the ranges of failed targets
/// first. An offset that does not match the text (a stale or foreign span) is found again by
/// its text, or ignored.
fn evidence_spans(task: &Task) -> Vec<(usize, usize)> {
    let len = task.progress.chars().count();
    let mut failed = Vec::new();
    let mut others = Vec::new();
    for t in &task.targets {
        let Some(e) = &t.evidence else { continue };
        let exact = e.start < e.end
            && e.end <= len
            && task
                .progress
                .chars()
                .skip(e.start)
                .take(e.end - e.start)
                .eq(e.text.chars());
        let span = if exact {
            Some((e.start, e.end))
        } else if !e.text.is_empty() {
            task.progress.find(&e.text).map(|b| {
                let s = task.progress[..b].chars().count();
                (s, s + e.text.chars().count())
            })
        } else {
            None
        };
        if let Some(span) = span {
            if t.verdict == Verdict::NotMet {
                failed.push(span);
            } else {
                others.push(span);
            }
        }
    }
    failed.extend(others);
    failed
}

/// A second sentence is added only while the quotation stays this short (characters): the
/// body's list should read like the sample's, one or two plain sentences per task.
const BUDGET_CHARS: usize = 120;

/// Up to `max` sentences of the task's progress, in their order in the text: those holding
/// the machine's evidence (of failed targets first), else the first sentences. Beyond the
/// first, a sentence is taken only while the total stays within 120 characters. Each ends
/// in a full stop so they can follow the task text in a paragraph.
pub fn evidence_sentences(task: &Task, max: usize) -> Vec<String> {
    if max == 0 {
        return Vec::new();
    }
    let all = sentences(&task.progress);
    let mut chosen: Vec<usize> = Vec::new();
    for (s, e) in evidence_spans(task) {
        if chosen.len() >= max {
            break;
        }
        if let Some(i) = all.iter().position(|x| x.start < e && s < x.end)
            && !chosen.contains(&i)
        {
            chosen.push(i);
        }
    }
    if chosen.is_empty() {
        chosen = (0..all.len().min(max)).collect();
    }
    // Keep the most relevant first sentence; drop the rest once over budget.
    let mut used = 0;
    chosen.retain(|&i| {
        let n = all[i].text.chars().count();
        let keep = used == 0 || used + n <= BUDGET_CHARS;
        used += n;
        keep
    });
    chosen.sort_unstable();
    chosen
        .into_iter()
        .map(|i| {
            let mut t = all[i].text.clone();
            while t.ends_with(['；', ';', '，', ',']) {
                t.pop();
            }
            if !t.ends_with(is_terminator) {
                t.push('。');
            }
            t
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use duban_model::{Evidence, Target, TargetKind};

    fn target(verdict: Verdict, text: &str, progress: &str) -> Target {
        let b = progress.find(text).unwrap();
        let start = progress[..b].chars().count();
        Target {
            text: "t".into(),
            kind: TargetKind::Quantity,
            metric: None,
            comparator: None,
            value: None,
            unit: None,
            verdict,
            evidence: Some(Evidence {
                text: text.into(),
                start,
                end: start + text.chars().count(),
                value: None,
                unit: None,
            }),
            explanation: String::new(),
        }
    }

    #[test]
    fn prefers_sentences_with_evidence() {
        let mut t = Task::new(1, 4, "进口整车5000辆以上");
        t.progress =
            "①积极对接海关。目前已经完成申报材料。\n②整车进口3808辆，已正式获得授权。".into();
        t.targets
            .push(target(Verdict::NotMet, "3808辆", &t.progress.clone()));
        assert_eq!(
            evidence_sentences(&t, 2),
            vec!["整车进口3808辆，已正式获得授权。"]
        );
    }

    #[test]
    fn falls_back_to_first_sentences() {
        let mut t = Task::new(1, 1, "x");
        t.progress = "第一句。第二句；第三句。".into();
        assert_eq!(evidence_sentences(&t, 2), vec!["第一句。", "第二句。"]);
        t.progress = format!("短句。{}。第三句。", "长".repeat(130));
        assert_eq!(evidence_sentences(&t, 2), vec!["短句。"], "over budget");
        t.progress = "没有句号的进展".into();
        assert_eq!(evidence_sentences(&t, 2), vec!["没有句号的进展。"]);
    }

    #[test]
    fn stale_offsets_are_found_again_or_ignored() {
        let mut t = Task::new(1, 1, "x");
        t.progress = "甲。占比40.4%。".into();
        let mut tg = target(Verdict::NotMet, "占比40.4%", &t.progress.clone());
        if let Some(e) = tg.evidence.as_mut() {
            e.start = 100;
            e.end = 3;
        }
        t.targets.push(tg);
        assert_eq!(evidence_sentences(&t, 1), vec!["占比40.4%。"]);
        t.progress = String::new();
        assert!(evidence_sentences(&t, 2).is_empty());
    }
}
