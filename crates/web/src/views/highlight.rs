//! Marks evidence spans inside a progress narrative.
//!
//! The assessment engine reports spans in chars (Unicode scalar values), never bytes, so
//! the slicing here walks chars; spans that overlap, run past the end or are empty are
//! dropped or trimmed instead of trusted, because the text may have been edited since.

use serde::Serialize;

/// One run of the narrative: plain, or marked as evidence for a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub text: String,
    /// The target this run is evidence for (shown as the mark's title), `None` for plain text.
    pub target: Option<String>,
}

/// A span to mark: char offsets `[start, end)` and the target it speaks to.
#[derive(Debug, Clone)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub target: String,
}

pub fn segments(text: &str, spans: &[Span]) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    let mut spans: Vec<&Span> = spans
        .iter()
        .filter(|s| s.start < s.end && s.start < chars.len())
        .collect();
    spans.sort_by_key(|s| (s.start, s.end));

    let mut out = Vec::new();
    let mut pos = 0;
    for s in spans {
        if s.start < pos {
            // Overlaps a span already marked: the first one wins.
            continue;
        }
        let end = s.end.min(chars.len());
        if s.start > pos {
            out.push(plain(&chars[pos..s.start]));
        }
        out.push(Segment {
            text: chars[s.start..end].iter().collect(),
            target: Some(s.target.clone()),
        });
        pos = end;
    }
    if pos < chars.len() || out.is_empty() {
        out.push(plain(&chars[pos..]));
    }
    out
}

fn plain(chars: &[char]) -> Segment {
    Segment {
        text: chars.iter().collect(),
        target: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: usize, end: usize) -> Span {
        Span {
            start,
            end,
            target: "t".into(),
        }
    }

    fn render(segs: &[Segment]) -> String {
        segs.iter()
            .map(|s| match s.target {
                Some(_) => format!("[{}]", s.text),
                None => s.text.clone(),
            })
            .collect()
    }

    #[test]
    fn marks_spans_by_char_offsets() {
        let text = "进口整车3808辆，同比下降2.6%";
        let segs = segments(text, &[span(4, 9), span(14, 18)]);
        assert_eq!(render(&segs), "进口整车[3808辆]，同比下降[2.6%]");
    }

    #[test]
    fn overlapping_and_out_of_range_spans_never_panic() {
        let text = "完成70%";
        let segs = segments(text, &[span(2, 5), span(3, 4), span(9, 12), span(4, 2)]);
        assert_eq!(render(&segs), "完成[70%]");
        let segs = segments(text, &[span(2, 99)]);
        assert_eq!(render(&segs), "完成[70%]");
        assert_eq!(render(&segments("", &[span(0, 1)])), "");
    }
}
