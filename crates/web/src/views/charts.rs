//! SVG charts rendered on the server: no script, no external asset, and they print.
//!
//! Colours and sizes are attributes rather than inline styles because the CSP forbids
//! `style-src 'unsafe-inline'`.

use std::fmt::Write;

/// One bar or slice.
#[derive(Debug, Clone)]
pub struct Datum {
    pub label: String,
    pub value: u64,
    /// A CSS class (`v-met`, `v-not_met` …) that picks the colour from the stylesheet.
    pub class: String,
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Horizontal bars, one row per datum, label on the left and the count on the right.
pub fn bars(title: &str, data: &[Datum]) -> String {
    const ROW: u32 = 26;
    const LABEL_W: u32 = 190;
    const BAR_W: u32 = 300;
    const WIDTH: u32 = LABEL_W + BAR_W + 60;
    let height = (data.len() as u32).max(1) * ROW + 8;
    let max = data.iter().map(|d| d.value).max().unwrap_or(0).max(1);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{}">"#,
        escape(title)
    );
    let _ = write!(s, "<title>{}</title>", escape(title));
    for (i, d) in data.iter().enumerate() {
        let y = i as u32 * ROW + 4;
        let w = ((d.value as f64 / max as f64) * BAR_W as f64).round() as u32;
        let label = truncate(&d.label, 12);
        let _ = write!(
            s,
            r#"<g><title>{full}：{v}</title><text class="label" x="{lx}" y="{ty}" text-anchor="end">{label}</text><rect class="bar {class}" x="{bx}" y="{y}" width="{w}" height="{bh}" rx="3"/><text class="value" x="{vx}" y="{ty}">{v}</text></g>"#,
            full = escape(&d.label),
            v = d.value,
            lx = LABEL_W - 8,
            ty = y + 15,
            label = escape(&label),
            class = escape(&d.class),
            bx = LABEL_W,
            bh = ROW - 8,
            vx = LABEL_W + w.max(1) + 6,
        );
    }
    s.push_str("</svg>");
    s
}

/// A donut with the total in the middle; the legend is left to the page.
pub fn donut(title: &str, data: &[Datum]) -> String {
    const R: f64 = 70.0;
    const STROKE: f64 = 28.0;
    const SIZE: f64 = 2.0 * R + STROKE + 4.0;
    let c = SIZE / 2.0;
    let total: u64 = data.iter().map(|d| d.value).sum();
    let circumference = 2.0 * std::f64::consts::PI * R;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart donut" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}" role="img" aria-label="{}">"#,
        escape(title)
    );
    let _ = write!(s, "<title>{}</title>", escape(title));
    let _ = write!(
        s,
        r#"<circle class="track" cx="{c}" cy="{c}" r="{R}" fill="none" stroke-width="{STROKE}"/>"#
    );
    if total > 0 {
        let mut offset = 0.0;
        for d in data.iter().filter(|d| d.value > 0) {
            let len = circumference * d.value as f64 / total as f64;
            // Each slice is a dashed circle rotated to start where the previous ended.
            let _ = write!(
                s,
                r#"<circle class="slice {class}" cx="{c}" cy="{c}" r="{R}" fill="none" stroke-width="{STROKE}" stroke-dasharray="{len:.3} {rest:.3}" stroke-dashoffset="{off:.3}" transform="rotate(-90 {c} {c})"><title>{label}：{v}</title></circle>"#,
                class = escape(&d.class),
                rest = circumference - len,
                off = -offset,
                label = escape(&d.label),
                v = d.value,
            );
            offset += len;
        }
    }
    let _ = write!(
        s,
        r#"<text class="total" x="{c}" y="{ty}" text-anchor="middle">{total}</text><text class="caption" x="{c}" y="{cy}" text-anchor="middle">项任务</text></svg>"#,
        ty = c + 4.0,
        cy = c + 24.0,
    );
    s
}

/// One unit's rates for [`rate_bars`], each in 0.0..=1.0 (one per series).
#[derive(Debug, Clone)]
pub struct RateRow {
    pub label: String,
    pub rates: Vec<f64>,
}

/// Grouped horizontal bars of rates (0–100%): one group per row, one bar per series
/// (`(name, css class)`), with a legend on top and the percentage after each bar.
pub fn rate_bars(title: &str, series: &[(&str, &str)], rows: &[RateRow]) -> String {
    const BAR: u32 = 11;
    const GAP: u32 = 10;
    const LABEL_W: u32 = 190;
    const BAR_W: u32 = 300;
    const WIDTH: u32 = LABEL_W + BAR_W + 70;
    const LEGEND: u32 = 24;
    let n = series.len().max(1) as u32;
    let group = n * BAR + GAP;
    let height = LEGEND + (rows.len() as u32).max(1) * group + 4;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart rates" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="{}">"#,
        escape(title)
    );
    let _ = write!(s, "<title>{}</title>", escape(title));
    let mut x = LABEL_W;
    for (name, class) in series {
        let _ = write!(
            s,
            r#"<rect class="bar {class}" x="{x}" y="6" width="12" height="12" rx="2"/><text class="legend" x="{tx}" y="16">{name}</text>"#,
            class = escape(class),
            tx = x + 16,
            name = escape(name),
        );
        x += 16 + 14 * name.chars().count() as u32 + 16;
    }
    for (i, row) in rows.iter().enumerate() {
        let y0 = LEGEND + i as u32 * group;
        let _ = write!(
            s,
            r#"<g class="unit"><title>{full}</title><text class="label" x="{lx}" y="{ty}" text-anchor="end">{label}</text>"#,
            full = escape(&row.label),
            lx = LABEL_W - 8,
            ty = y0 + (n * BAR) / 2 + 4,
            label = escape(&truncate(&row.label, 12)),
        );
        for (j, (name, class)) in series.iter().enumerate() {
            let rate = row.rates.get(j).copied().unwrap_or(0.0);
            let rate = if rate.is_finite() {
                rate.clamp(0.0, 1.0)
            } else {
                0.0
            };
            let w = (rate * BAR_W as f64).round() as u32;
            let y = y0 + j as u32 * BAR;
            let pct = format!("{:.1}%", rate * 100.0);
            let _ = write!(
                s,
                r#"<rect class="bar {class}" x="{LABEL_W}" y="{y}" width="{w}" height="{h}"><title>{name}：{pct}</title></rect><text class="value small" x="{vx}" y="{ty}">{pct}</text>"#,
                class = escape(class),
                h = BAR - 1,
                name = escape(name),
                vx = LABEL_W + w + 4,
                ty = y + BAR - 2,
            );
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(label: &str, value: u64) -> Datum {
        Datum {
            label: label.into(),
            value,
            class: "v-met".into(),
        }
    }

    #[test]
    fn labels_are_escaped_and_long_ones_shortened() {
        let svg = bars(
            "按单位",
            &[d("<script>", 3), d("一二三四五六七八九十十一十二十三", 1)],
        );
        assert!(svg.contains("&lt;script&gt;"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("一二三四五六七八九十十…"));
        assert!(!svg.contains("style="));
    }

    #[test]
    fn donut_slices_add_up_and_empty_data_renders() {
        let svg = donut("按结论", &[d("a", 1), d("b", 3), d("c", 0)]);
        assert_eq!(svg.matches("class=\"slice").count(), 2);
        assert!(svg.contains(">4</text>"));
        let empty = donut("按结论", &[]);
        assert!(empty.contains(">0</text>"));
        assert!(bars("空", &[]).starts_with("<svg"));
    }

    #[test]
    fn rate_bars_scale_to_the_full_width_and_print_percentages() {
        let svg = rate_bars(
            "排名",
            &[("按时率", "r-on_time"), ("退回率", "r-returned")],
            &[
                RateRow {
                    label: "区科技局".into(),
                    rates: vec![1.0, 0.25],
                },
                RateRow {
                    label: "<b>".into(),
                    rates: vec![f64::NAN, 2.0],
                },
            ],
        );
        assert!(svg.contains(r#"width="300""#), "100% is the full bar");
        assert!(svg.contains(r#"width="75""#), "25% is a quarter");
        assert!(svg.contains(">100.0%<") && svg.contains(">25.0%<"));
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert!(!svg.contains("NaN"));
        assert_eq!(svg.matches("<g class=\"unit\">").count(), 2);
        assert!(!svg.contains("style="));
    }
}
