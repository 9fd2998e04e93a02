//! The acceptance of issue 2 on the real sample report (the seed), read as plain text.
use std::path::Path;

use duban_ingest::{Limits, read_bytes, read_path};
use duban_model::{Ledger, Verdict, WarningCode};

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/seed/000_ecbc4a422a46c8e6.txt"
);

/// The seed's bytes, or `None` (with a note) where the shared seed is not present.
fn seed_bytes() -> Option<Vec<u8>> {
    match std::fs::read(SEED) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!("note: seed {SEED} not readable ({e}); skipping");
            None
        }
    }
}

fn seed() -> Option<Ledger> {
    seed_bytes()?;
    Some(read_path(Path::new(SEED), &Limits::default()).expect("the seed reads"))
}

fn task(l: &Ledger, table: usize, row: u32) -> &duban_model::Task {
    l.tasks
        .iter()
        .find(|t| t.table == table && t.row == row)
        .unwrap_or_else(|| panic!("no task at table {table} row {row}"))
}

#[test]
fn two_tables_numbered_without_gaps() {
    let Some(l) = seed() else { return };
    assert_eq!(l.tables.len(), 2);
    assert_eq!(l.tables[0].label, "附件1");
    assert_eq!(l.tables[1].label, "附件2");
    for (table, n) in [(1usize, 11u32), (2, 115)] {
        let rows: Vec<u32> = l.tasks_in(table).map(|t| t.row).collect();
        assert_eq!(rows, (1..=n).collect::<Vec<_>>(), "table {table}");
        assert_eq!(l.tables[table - 1].rows, n as usize);
    }
    assert_eq!(l.tasks.len(), 126);
}

#[test]
fn explicit_row_numbers_agree_with_the_count() {
    let Some(l) = seed() else { return };
    // Rows whose number survived in the export, between runs of rows that lost theirs.
    assert!(
        task(&l, 2, 35)
            .text
            .starts_with("高水平编制实施国土空间规划")
    );
    assert!(
        task(&l, 2, 44)
            .text
            .starts_with("规范歌乐山•磁器口等景区周边秩序")
    );
    assert!(task(&l, 2, 115).text.starts_with("深化“以案四说”"));
    // The first row after 35 lost its number and is counted as 36.
    assert!(task(&l, 2, 36).text.starts_with("新增5000个公共停车位"));
}

#[test]
fn every_task_has_text_lead_unit_and_progress() {
    let Some(l) = seed() else { return };
    for t in &l.tasks {
        let at = format!("table {} row {}", t.table, t.row);
        assert!(!t.text.is_empty(), "{at}");
        assert!(!t.lead_units.is_empty(), "{at}: no lead unit");
        assert!(!t.progress.is_empty(), "{at}: no progress");
        assert!(t.section.is_some(), "{at}: no section");
    }
}

#[test]
fn sections_carry_down_merged_cells() {
    let Some(l) = seed() else { return };
    // 附件1 row 6's section cell is empty: Word merged it with row 5's.
    assert_eq!(
        task(&l, 1, 5).section.as_deref(),
        Some("高水平更新东部老城")
    );
    assert_eq!(task(&l, 1, 6).section, task(&l, 1, 5).section);
    // 附件2 rows 2 and 3 carry row 1's; row 4 starts a new one.
    assert_eq!(task(&l, 2, 1).section.as_deref(), Some("联动共建科学城"));
    assert_eq!(task(&l, 2, 3).section.as_deref(), Some("联动共建科学城"));
    assert_eq!(
        task(&l, 2, 4).section.as_deref(),
        Some("建好环大学创新生态圈")
    );
    // Unnumbered rows: row 11 holds its own section, row 12 carries it.
    assert_eq!(task(&l, 2, 11).section.as_deref(), Some("重构创新版图"));
    assert_eq!(task(&l, 2, 12).section.as_deref(), Some("重构创新版图"));
    assert!(task(&l, 2, 12).text.starts_with("打造梁滩河科技创新带"));
}

#[test]
fn units_split_with_aliases_and_groups() {
    let Some(l) = seed() else { return };
    let t = task(&l, 1, 2);
    assert_eq!(t.lead_units.len(), 1);
    assert_eq!(t.lead_units[0].name, "工投公司");
    let coop: Vec<String> = t.coop_units.iter().map(|u| u.display()).collect();
    assert_eq!(coop, ["区科技局", "区经济信息委", "区商务委（区招商中心）"]);

    let t = task(&l, 1, 3);
    assert_eq!(t.lead_units[0].name, "磁器口古镇管委会");
    assert_eq!(t.lead_units[0].aliases, ["5A景区创建工作领导小组办公室"]);

    let t = task(&l, 2, 3);
    assert_eq!(t.coop_groups, ["科学城建设领导小组成员单位"]);
    assert!(t.coop_units.is_empty());

    let t = task(&l, 2, 1);
    assert!(t.coop_groups.contains(&"区属国有重点企业".to_string()));
    assert!(!t.coop_units.iter().any(|u| u.name == "区属国有重点企业"));

    let units = l.units();
    assert!(units.len() > 60, "{} distinct units", units.len());
    assert!(
        !units
            .iter()
            .any(|u| u.name.contains('（') || u.name.contains('\n'))
    );
}

#[test]
fn verdicts_from_titles() {
    let Some(l) = seed() else { return };
    assert_eq!(l.tables[0].office_verdict, Some(Verdict::NotMet));
    assert_eq!(l.tables[1].office_verdict, Some(Verdict::Met));
    for t in &l.tasks {
        assert_eq!(t.office_verdict, l.tables[t.table - 1].office_verdict);
    }
}

#[test]
fn title_and_claims() {
    let Some(l) = seed() else { return };
    assert_eq!(
        l.title.as_deref(),
        Some("关于2022年区政府工作报告重点任务完成情况的报告")
    );
    // The letterhead above the title is the issuing office, kept for the documents.
    assert_eq!(l.issuer.as_deref(), Some("重庆市沙坪坝区人民政府督查办"));
    assert_eq!(l.claimed_total, Some(131));
    assert_eq!(l.tables[0].claimed_rows, Some(15));
    assert_eq!(l.tables[1].claimed_rows, Some(116));
    let mismatches: Vec<String> = l
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::ClaimedCountMismatch)
        .map(|w| w.location.to_string())
        .collect();
    assert!(mismatches.contains(&"附件1".to_string()), "{mismatches:?}");
    assert!(mismatches.contains(&"附件2".to_string()), "{mismatches:?}");
    // The total (131 vs 126) and the unmet count (15 vs 11) of the summary.
    assert_eq!(
        mismatches.iter().filter(|m| *m == "正文摘要").count(),
        2,
        "{mismatches:?}"
    );
}

#[test]
fn warnings_point_at_the_duplicate_sentence_and_artifacts() {
    let Some(l) = seed() else { return };
    let dup: Vec<_> = l
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::DuplicateSentence)
        .collect();
    assert!(
        dup.iter()
            .any(|w| w.location.table == Some(2) && w.location.row == Some(80)),
        "{dup:?}"
    );
    let artifacts: Vec<_> = l
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::Artifact)
        .collect();
    assert!(
        artifacts
            .iter()
            .any(|w| w.message.contains("书签") && w.location.row == Some(105)),
        "{artifacts:?}"
    );
    // The duplicated sentence is kept as written: the warning tells the office.
    assert_eq!(
        task(&l, 2, 80)
            .progress
            .matches("中小学生对作业负担大幅降低认可率达95%")
            .count(),
        2
    );
}

#[test]
fn no_field_keeps_bookmarks_or_space_runs() {
    let Some(l) = seed() else { return };
    let json = serde_json::to_value(&l.tasks).expect("tasks serialise");
    fn walk(v: &serde_json::Value, path: &str) {
        match v {
            serde_json::Value::String(s) => {
                assert!(!s.contains("[bookmark"), "{path}: {s}");
                assert!(!s.contains("  "), "{path}: {s}");
                assert!(!s.contains('\u{3000}'), "{path}: {s}");
                assert_eq!(s.trim(), s, "{path}");
            }
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{path}[{i}]"));
                }
            }
            serde_json::Value::Object(o) => {
                for (k, x) in o {
                    walk(x, &format!("{path}.{k}"));
                }
            }
            _ => {}
        }
    }
    walk(&json, "tasks");
    for t in &l.tables {
        walk(&serde_json::to_value(t).expect("table serialises"), "table");
    }
}

#[test]
fn other_encodings_and_line_endings_read_the_same() {
    let Some(bytes) = seed_bytes() else { return };
    let limits = Limits::default();
    let base = read_bytes("seed.txt", &bytes, &limits).expect("utf-8");
    let text = String::from_utf8(bytes).expect("seed is utf-8");

    let crlf = text.replace('\n', "\r\n");
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    let mut utf16 = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    for (what, bytes) in [
        ("crlf", crlf.into_bytes()),
        ("gb18030", gb.into_owned()),
        ("utf-16", utf16),
    ] {
        let l = read_bytes("SEED.TXT", &bytes, &limits).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(l.tasks, base.tasks, "{what}");
        assert_eq!(l.tables, base.tables, "{what}");
    }
}
