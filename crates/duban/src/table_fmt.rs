//! `duban check --format table`: a terminal view that lines up Chinese text.
//!
//! CJK characters take two terminal columns, so padding must count display width,
//! not chars or bytes.

use duban_model::{Ledger, Verdict};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Truncates to at most `width` display columns, marking the cut with '…'.
fn clip(s: &str, width: usize) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.width() <= width {
        return s;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

fn pad(s: &str, width: usize) -> String {
    let clipped = clip(s, width);
    let fill = width.saturating_sub(clipped.width());
    format!("{clipped}{}", " ".repeat(fill))
}

fn verdict_zh(v: Option<Verdict>) -> &'static str {
    v.map(Verdict::label_zh).unwrap_or("—")
}

pub fn render(ledger: &Ledger) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "文件：{}（{}）\n",
        ledger.source,
        ledger.format.as_str()
    ));
    if let Some(t) = &ledger.title {
        out.push_str(&format!("标题：{t}\n"));
    }
    for t in &ledger.tables {
        let claimed = t
            .claimed_rows
            .map(|c| format!("，标题称{c}项"))
            .unwrap_or_default();
        out.push_str(&format!(
            "表{} {}：{}行{}，办公室判定：{}\n",
            t.index,
            t.label,
            t.rows,
            claimed,
            verdict_zh(t.office_verdict)
        ));
    }
    out.push('\n');
    let cols: [(&str, usize); 8] = [
        ("表", 4),
        ("行", 4),
        ("工作板块", 16),
        ("具体任务", 40),
        ("牵头单位", 18),
        ("办公室", 8),
        ("机器", 8),
        ("争议", 4),
    ];
    let header: Vec<String> = cols.iter().map(|(h, w)| pad(h, *w)).collect();
    out.push_str(header.join(" ").trim_end());
    out.push('\n');
    let rule: Vec<String> = cols.iter().map(|(_, w)| "─".repeat(*w)).collect();
    out.push_str(&rule.join(" "));
    out.push('\n');
    for task in &ledger.tasks {
        let leads: Vec<String> = task.lead_units.iter().map(|u| u.display()).collect();
        let cells = [
            task.table.to_string(),
            task.row.to_string(),
            task.section.clone().unwrap_or_default(),
            task.text.clone(),
            leads.join("、"),
            verdict_zh(task.office_verdict).to_string(),
            verdict_zh(task.verdict).to_string(),
            if task.disputed() { "是" } else { "" }.to_string(),
        ];
        let line: Vec<String> = cells
            .iter()
            .zip(cols.iter())
            .map(|(c, (_, w))| pad(c, *w))
            .collect();
        out.push_str(line.join(" ").trim_end());
        out.push('\n');
        if let Some(e) = &task.explanation {
            out.push_str(&format!("{}└ {}\n", " ".repeat(10), clip(e, 100)));
        }
    }
    if !ledger.warnings.is_empty() {
        out.push_str(&format!("\n警告（{}条）：\n", ledger.warnings.len()));
        for w in &ledger.warnings {
            out.push_str(&format!(
                "  [{}] {}：{}\n",
                w.code.as_str(),
                w.location,
                w.message
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_counts_display_columns() {
        assert_eq!(pad("区科技局", 10).width(), 10);
        assert_eq!(pad("ab", 4), "ab  ");
        let clipped = clip("启动建设技术交易中心，技术交易合同登记额增长15%", 12);
        assert!(clipped.width() <= 12, "{clipped}");
        assert!(clipped.ends_with('…'));
    }
}
