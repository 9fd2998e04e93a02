//! Any ledger, however odd its texts and verdicts, gives a well-formed report whose summary
//! equals its tables, and an .xlsx that imports back.
use duban_docs::{ReportOptions, VerdictSource, ledger_xlsx, year_end_report};
use duban_model::{Ledger, SourceFormat, Task, UnitRef, Verdict};
use proptest::prelude::*;

use crate::ooxml::{parse, part};

/// (table, text, progress, section, office verdict, machine verdict, lead unit)
type Row = (
    usize,
    String,
    String,
    Option<String>,
    Option<Verdict>,
    Option<Verdict>,
    String,
);
use crate::report::{attachment_rows, summary_counts};

fn verdict() -> impl Strategy<Value = Option<Verdict>> {
    prop_oneof![
        Just(None),
        Just(Some(Verdict::Met)),
        Just(Some(Verdict::NotMet)),
        Just(Some(Verdict::Unverifiable)),
        Just(Some(Verdict::Qualitative)),
    ]
}

/// Text mixing CJK, markup characters, controls and line breaks.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('任'),
            Just('务'),
            Just('。'),
            Just('；'),
            Just('<'),
            Just('&'),
            Just('"'),
            Just('\n'),
            Just('\r'),
            Just('\t'),
            Just('\u{1}'),
            Just('\u{FFFE}'),
            Just('①'),
            Just('5'),
            Just(' '),
            any::<char>(),
        ],
        0..40,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn task() -> impl Strategy<Value = Row> {
    (
        1usize..4,
        text(),
        text(),
        proptest::option::of(text()),
        verdict(),
        verdict(),
        text(),
    )
}

fn ledger(rows: Vec<Row>) -> Ledger {
    let mut l = Ledger::new("p.txt", SourceFormat::Txt);
    for (i, (table, t, p, section, office, machine, unit)) in rows.into_iter().enumerate() {
        let mut task = Task::new(table, i as u32 + 1, t);
        task.progress = p;
        task.section = section;
        task.office_verdict = office;
        task.verdict = machine;
        task.lead_units.push(UnitRef::new(unit));
        l.tasks.push(task);
    }
    l
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_ledger_gives_a_consistent_well_formed_report(rows in proptest::collection::vec(task(), 0..12)) {
        let l = ledger(rows);
        for source in [VerdictSource::Office, VerdictSource::Machine, VerdictSource::Final] {
            let opts = ReportOptions { verdict_source: source, ..ReportOptions::default() };
            let docx = year_end_report(&l, &opts).expect("report");
            let doc = parse(&part(&docx, "word/document.xml").expect("part")).expect("well-formed XML");
            let (total, met, not_met, qualitative, pending) = summary_counts(&doc).expect("summary");
            let rows = |k: &str| attachment_rows(&doc, k).map_or(0, |r| r.len());
            prop_assert_eq!(total, l.tasks.len());
            prop_assert_eq!(not_met, rows("未完成既定目标"));
            prop_assert_eq!(met, rows("已完成既定目标"));
            prop_assert_eq!(qualitative, rows("定性任务"));
            prop_assert_eq!(pending, rows("尚待核实"));
        }
        let xlsx = ledger_xlsx(&l).expect("xlsx");
        prop_assert!(part(&xlsx, "xl/workbook.xml").is_ok());
    }
}
