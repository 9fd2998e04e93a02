//! Whole tasks and ledgers built in code.

use duban_assess::{assess_ledger, assess_task};
use duban_model::{Ledger, SourceFormat, Table, Task, Verdict, WarningCode};

fn task(text: &str, progress: &str) -> Task {
    let mut t = Task::new(1, 1, text);
    t.progress = progress.into();
    assess_task(&mut t);
    t
}

#[test]
fn one_task_gets_targets_verdict_and_explanation() {
    let t = task(
        "民间投资占比60%以上",
        "2022年完成民间投资225.3亿元，占比40.4%。",
    );
    assert_eq!(t.verdict, Some(Verdict::NotMet));
    assert_eq!(t.targets.len(), 1);
    let e = t.targets[0].evidence.as_ref().expect("evidence");
    assert_eq!(e.text, "占比40.4%");
    assert_eq!(e.value, Some(40.4));
    assert!(t.explanation.as_deref().unwrap_or("").contains("40.4%"));
    assert_eq!(t.office_verdict, None, "the office's verdict is left alone");
}

#[test]
fn met_targets_and_partial_year_figures() {
    assert_eq!(
        task("新增市场主体2万户", "2022年，新增市场主体3.2万户。").verdict,
        Some(Verdict::Met)
    );
    let t = task(
        "实现数字经济增加值增长7%",
        "1-11月，数字经济增加值增长7.29%，预计全年7%的增长能够完成。",
    );
    assert_eq!(t.verdict, Some(Verdict::Unverifiable));
}

#[test]
fn deliverables_read_status_words() {
    let t = task("建成陈家桥滨河公园", "陈家桥滨河公园正在施工。");
    assert_eq!(t.verdict, Some(Verdict::NotMet));
    let t = task("建成智慧创新产业园", "智慧创新产业园已建成投用。");
    assert_eq!(t.verdict, Some(Verdict::Met));
    let t = task(
        "推动万普隆能源科技上市",
        "万普隆公司已完成股改工作。审核正在进行中，预计明年上市。",
    );
    assert_eq!(t.verdict, Some(Verdict::NotMet));
    let t = task(
        "建成江山公园、两溪花谷",
        "完成江山公园建设。其余工作正在有序推进，另有多项工作。还有一句。",
    );
    assert_eq!(
        t.verdict,
        Some(Verdict::Unverifiable),
        "{:?}",
        t.explanation
    );
}

#[test]
fn qualitative_tasks_say_so() {
    let t = task("深入推进全民普法", "开展普法宣传200余场次。");
    assert_eq!(t.verdict, Some(Verdict::Qualitative));
    assert_eq!(t.targets.len(), 1);
    assert_eq!(t.targets[0].verdict, Verdict::Qualitative);
}

#[test]
fn ledger_warnings_are_located() {
    let mut l = Ledger::new("x.txt", SourceFormat::Txt);
    l.tables.push(Table {
        index: 2,
        label: "附件2".into(),
        title: None,
        claimed_rows: None,
        rows: 1,
        office_verdict: None,
        as_of: None,
    });
    let mut t = Task::new(2, 36, "新增5000个公共停车位");
    t.progress = "新增5179个公共停车位，其中，甲（1630个）、乙（551个）、丙（779个）。".into();
    l.tasks.push(t);
    let mut u = Task::new(2, 33, "引进新型金融机构2家");
    u.progress = "新增签约3个项目。".into();
    l.tasks.push(u);
    assess_ledger(&mut l);
    let total = l
        .warnings
        .iter()
        .find(|w| w.code == WarningCode::InconsistentTotal)
        .expect("total warning");
    assert_eq!(total.location.to_string(), "附件2 第36行 完成情况");
    let off = l
        .warnings
        .iter()
        .find(|w| w.code == WarningCode::EvidenceOffTarget)
        .expect("off-target warning");
    assert_eq!(off.location.row, Some(33));
    assert!(l.tasks.iter().all(|t| t.verdict.is_some()));
}
