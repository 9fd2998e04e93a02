//! The real sample report: acceptance rows, and agreement with the team's own labels.

use std::collections::BTreeMap;
use std::path::Path;

use duban_model::{Ledger, TargetKind, Task, Verdict, WarningCode};

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/seed/000_ecbc4a422a46c8e6.txt"
);
const LABELS: &str = include_str!("seed_labels.tsv");

/// Agreement reached on the seed, rounded down; the test fails below it.
const MIN_AGREEMENT: f64 = 0.96;

fn seed_ledger() -> Option<Ledger> {
    let path = Path::new(SEED);
    if !path.exists() {
        eprintln!("note: seed file {SEED} not found; skipping");
        return None;
    }
    let mut ledger = duban_ingest::read_path(path, &duban_ingest::Limits::default()).ok()?;
    duban_assess::assess_ledger(&mut ledger);
    Some(ledger)
}

fn task(l: &Ledger, table: usize, row: u32) -> &Task {
    l.tasks
        .iter()
        .find(|t| t.table == table && t.row == row)
        .unwrap_or_else(|| panic!("no task {table}-{row}"))
}

fn labels() -> BTreeMap<(usize, u32), Verdict> {
    LABELS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "bad label line: {l}");
            let key = (f[0].parse().unwrap(), f[1].parse().unwrap());
            (
                key,
                Verdict::parse(f[2]).unwrap_or_else(|| panic!("bad verdict in {l}")),
            )
        })
        .collect()
}

/// The evidence of the task's not-met targets, joined.
fn not_met_evidence(t: &Task) -> String {
    t.targets
        .iter()
        .filter(|g| g.verdict == Verdict::NotMet)
        .filter_map(|g| g.evidence.as_ref().map(|e| e.text.clone()))
        .collect::<Vec<_>>()
        .join("|")
}

#[test]
fn attachment_1_is_all_not_met_with_the_evidence_that_shows_why() {
    let Some(l) = seed_ledger() else { return };
    let rows: Vec<&Task> = l.tasks_in(1).collect();
    assert_eq!(rows.len(), 11);
    for t in &rows {
        assert_eq!(
            t.verdict,
            Some(Verdict::NotMet),
            "1-{}: {:?}",
            t.row,
            t.explanation
        );
        assert!(
            !not_met_evidence(t).is_empty(),
            "1-{} has no evidence",
            t.row
        );
    }
    let expect = [
        (1, "持平"),
        (3, "-2.6%"),
        (4, "3808辆"),
        (5, "1.48万平方米"),
        (6, "70%"),
        (8, "2.54%"),
        (11, "40.4%"),
    ];
    for (row, needle) in expect {
        let ev = not_met_evidence(task(&l, 1, row));
        assert!(
            ev.contains(needle),
            "1-{row}: evidence {ev:?} lacks {needle}"
        );
    }
    let t4 = task(&l, 1, 4);
    let quantity = t4
        .targets
        .iter()
        .find(|g| g.kind == TargetKind::Quantity)
        .expect("5000辆 target");
    assert_eq!(quantity.value, Some(5000.0));
    assert_eq!(
        quantity.evidence.as_ref().and_then(|e| e.value),
        Some(3808.0)
    );
    assert_eq!(quantity.explanation, "目标≥5000辆，实际3808辆，未达成");
    let t5 = task(&l, 1, 5);
    assert_eq!(
        t5.targets[0].evidence.as_ref().and_then(|e| e.value),
        Some(14800.0)
    );
}

#[test]
fn good_days_303_against_306_is_not_met_and_disputed() {
    let Some(l) = seed_ledger() else { return };
    let t = task(&l, 2, 67);
    assert_eq!(t.verdict, Some(Verdict::NotMet));
    assert_eq!(t.office_verdict, Some(Verdict::Met));
    assert!(t.disputed());
    let g = &t.targets[0];
    assert_eq!(g.value, Some(306.0));
    assert_eq!(g.evidence.as_ref().and_then(|e| e.value), Some(303.0));
}

#[test]
fn evidence_offsets_are_chars_into_progress() {
    let Some(l) = seed_ledger() else { return };
    let mut checked = 0;
    for t in &l.tasks {
        let chars: Vec<char> = t.progress.chars().collect();
        for e in t.targets.iter().filter_map(|g| g.evidence.as_ref()) {
            let span: String = chars[e.start..e.end].iter().collect();
            assert_eq!(span, e.text, "{}-{}", t.table, t.row);
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} evidence spans");
}

#[test]
fn seed_warnings_name_their_rows() {
    let Some(l) = seed_ledger() else { return };
    let has = |code: WarningCode, table: usize, row: u32| {
        l.warnings.iter().any(|w| {
            w.code == code && w.location.table == Some(table) && w.location.row == Some(row)
        })
    };
    assert!(has(WarningCode::InconsistentTotal, 2, 36), "5179 vs parts");
    assert!(
        has(WarningCode::InconsistentCount, 2, 76),
        "社区基金3个 vs 4 named"
    );
    assert!(
        has(WarningCode::EvidenceOffTarget, 2, 33),
        "金融机构 vs 3个项目"
    );
    assert!(
        !has(WarningCode::InconsistentTotal, 2, 97),
        "rounding is not an error"
    );
}

#[test]
fn agreement_with_the_team_labels() {
    let Some(l) = seed_ledger() else { return };
    let labels = labels();
    assert_eq!(labels.len(), 126, "every seed row is labelled");
    let idx = |v: Verdict| Verdict::ALL.iter().position(|x| *x == v).unwrap_or(0);
    let mut m = [[0u32; 4]; 4];
    let mut agree = 0;
    let mut misses = Vec::new();
    for (&(table, row), &want) in &labels {
        let t = task(&l, table, row);
        let got = t.verdict.expect("assessed");
        m[idx(want)][idx(got)] += 1;
        if got == want {
            agree += 1;
        } else {
            misses.push(format!(
                "{table}-{row}: label {want}, engine {got} — {}",
                t.explanation.as_deref().unwrap_or("")
            ));
        }
    }
    let rate = agree as f64 / labels.len() as f64;
    println!("agreement {agree}/{} = {:.1}%", labels.len(), rate * 100.0);
    println!("confusion (rows: label, columns: engine)");
    println!(
        "{:>14} {:>8} {:>8} {:>13} {:>12}",
        "", "met", "not_met", "unverifiable", "qualitative"
    );
    for (i, v) in Verdict::ALL.iter().enumerate() {
        println!(
            "{:>14} {:>8} {:>8} {:>13} {:>12}",
            v.as_str(),
            m[i][0],
            m[i][1],
            m[i][2],
            m[i][3]
        );
    }
    for s in &misses {
        println!("  {s}");
    }
    assert!(
        rate >= MIN_AGREEMENT,
        "agreement {rate:.3} below {MIN_AGREEMENT}"
    );
}
