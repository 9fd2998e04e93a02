//! Properties: Chinese numerals round-trip, no input panics, output is deterministic.

use duban_assess::{assess_text, parse_chinese_numeral, parse_number, parse_targets};
use proptest::prelude::*;

const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// Writes 0 < n < 10^4 the way reports do ("一千零五", "十五" only at the head).
fn below_wan(n: u64, leading: bool) -> String {
    let places = [(1000, '千'), (100, '百'), (10, '十')];
    let mut s = String::new();
    let mut zero = false;
    let mut started = false;
    for (p, c) in places {
        let d = (n / p) % 10;
        if d == 0 {
            zero = started;
            continue;
        }
        if zero {
            s.push('零');
            zero = false;
        }
        if !(p == 10 && d == 1 && leading && !started) {
            s.push(DIGITS[d as usize]);
        }
        s.push(c);
        started = true;
    }
    let d = n % 10;
    if d != 0 {
        if zero || (started && n % 100 < 10 && n >= 10) {
            s.push('零');
        }
        s.push(DIGITS[d as usize]);
    }
    s
}

fn to_chinese(n: u64) -> String {
    if n == 0 {
        return "零".into();
    }
    let yi = n / 100_000_000;
    let wan = (n / 10_000) % 10_000;
    let low = n % 10_000;
    let mut s = String::new();
    if yi > 0 {
        s.push_str(&below_wan(yi, true));
        s.push('亿');
    }
    if wan > 0 {
        if yi > 0 && wan < 1000 {
            s.push('零');
        }
        s.push_str(&below_wan(wan, yi == 0));
        s.push('万');
    }
    if low > 0 {
        if (yi > 0 || wan > 0) && low < 1000 {
            s.push('零');
        }
        s.push_str(&below_wan(low, yi == 0 && wan == 0));
    }
    s
}

#[test]
fn generator_matches_hand_written_forms() {
    assert_eq!(to_chinese(15), "十五");
    assert_eq!(to_chinese(105), "一百零五");
    assert_eq!(to_chinese(1010), "一千零一十");
    assert_eq!(to_chinese(20_000), "二万");
    assert_eq!(to_chinese(100_010), "十万零一十");
    assert_eq!(to_chinese(300_000_005), "三亿零五");
}

proptest! {
    #[test]
    fn chinese_numerals_parse_back(n in 1u64..1_000_000_000_000u64) {
        let s = to_chinese(n);
        let chars: Vec<char> = s.chars().collect();
        prop_assert_eq!(parse_chinese_numeral(&chars), Some(n as f64), "{}", s);
        prop_assert_eq!(parse_number(&s).map(|x| x.value), Some(n as f64), "{}", s);
    }

    #[test]
    fn arabic_with_separators_parse_back(n in 0u64..10_000_000_000u64) {
        let plain = n.to_string();
        let mut grouped = String::new();
        for (i, c) in plain.chars().enumerate() {
            if i > 0 && (plain.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        prop_assert_eq!(parse_number(&grouped).map(|x| x.value), Some(n as f64));
        let wide: String = plain.chars().map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c)).collect();
        prop_assert_eq!(parse_number(&wide).map(|x| x.value), Some(n as f64));
    }

    #[test]
    fn arbitrary_text_never_panics(task in "\\PC{0,80}", progress in "\\PC{0,200}") {
        let _ = parse_targets(&task);
        let _ = parse_number(&task);
        let _ = assess_text(&task, &progress);
    }

    #[test]
    fn report_like_text_never_panics(
        task in "[建成完成新增增长占比达以上以内不低于率万亿个家辆%0-9.、，。“”江山公园]{0,60}",
        progress in "[已建成正在施工完成预计同比下降增长持平与年1-9.%万亿个家辆、，。①②其中（）等“”江山公园]{0,160}",
    ) {
        let a = assess_text(&task, &progress);
        let chars: Vec<char> = progress.chars().collect();
        for t in &a.targets {
            if let Some(e) = &t.evidence {
                let span: String = chars.get(e.start..e.end).map(|s| s.iter().collect()).unwrap_or_default();
                prop_assert_eq!(&span, &e.text);
            }
        }
    }

    #[test]
    fn part_year_judgement_never_panics_and_keeps_evidence_spans(
        task in "[建设加快开工建成新增增长个家%0-9、，（）—年滨河公园]{0,50}",
        progress in "[已开工尚未主体封顶滞后偏慢完成率上半年同比增长个%0-9.、，。（）個條]{0,120}",
        month in 1u8..=12,
    ) {
        let as_of = time::Date::from_calendar_date(2024, time::Month::try_from(month).unwrap(), 1).unwrap();
        let period = duban_assess::period_for(Some(as_of), None, Some(2024));
        let a = duban_assess::assess_text_at(&task, &progress, period);
        prop_assert_eq!(a.schedule.is_some() && period.is_none(), false);
        let chars: Vec<char> = progress.chars().collect();
        for t in &a.targets {
            if let Some(e) = &t.evidence {
                let span: String = chars.get(e.start..e.end).map(|s| s.iter().collect()).unwrap_or_default();
                prop_assert_eq!(&span, &e.text);
            }
        }
        prop_assert_eq!(duban_assess::assess_text_at(&task, &progress, None), assess_text(&task, &progress));
    }

    #[test]
    fn output_is_identical_across_runs(task in "\\PC{0,60}", progress in "\\PC{0,120}") {
        prop_assert_eq!(assess_text(&task, &progress), assess_text(&task, &progress));
    }
}
