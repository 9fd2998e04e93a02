//! Milestone columns (时间节点 / 序时目标 / 进度安排) in .docx and .xlsx tables: each cell
//! is read into dated steps in the plan year, the column is known (no `unknown_column`
//! warning), and a cell with no date is named in a warning rather than dropped silently.

use duban_ingest::{Limits, read_bytes};
use duban_model::{Ledger, WarningCode};
use rust_xlsxwriter::Workbook;

use crate::fixtures::wml::{Docx, para, row, table, text_cell};

fn ymd(l: &Ledger, task: usize) -> Vec<String> {
    l.tasks[task]
        .milestones
        .iter()
        .map(|m| duban_model::ymd_opt::format(m.due))
        .collect()
}

fn no_unknown_column(l: &Ledger) {
    assert!(
        l.warnings
            .iter()
            .all(|w| w.code != WarningCode::UnknownColumn),
        "{:?}",
        l.warnings
    );
}

#[test]
fn a_word_table_with_a_milestone_column() {
    let mut d = Docx::default();
    d.push(&para("关于2031年区政府工作报告重点任务分解的通知"));
    d.push(&table(&[
        row(
            true,
            &[
                text_cell("序号"),
                text_cell("具体任务"),
                text_cell("牵头单位"),
                text_cell("完成时限"),
                text_cell("时间节点"),
            ],
        ),
        row(
            false,
            &[
                text_cell("1"),
                text_cell("新建公共充电桩5000个"),
                text_cell("区城管局"),
                text_cell("2031年12月底"),
                text_cell("6月底前完成2500个；9月底前完成4000个；12月底全部建成"),
            ],
        ),
        row(
            false,
            &[
                text_cell("2"),
                text_cell("建成区体育中心"),
                text_cell("区体育局"),
                text_cell("2031年12月底"),
                text_cell("3月中旬开工，三季度末主体完工，年底前建成投用"),
            ],
        ),
        row(
            false,
            &[
                text_cell("3"),
                text_cell("深化营商环境改革"),
                text_cell("区发展改革委"),
                text_cell("2031年12月底"),
                text_cell("按计划有序推进"),
            ],
        ),
    ]));
    let l = read_bytes("t.docx", &d.bytes(), &Limits::default()).expect("reads");
    assert_eq!(l.year, Some(2031));
    no_unknown_column(&l);
    assert_eq!(ymd(&l, 0), ["2031-06-30", "2031-09-30", "2031-12-31"]);
    let m = &l.tasks[0].milestones;
    assert_eq!(
        (m[0].value, m[0].unit.as_deref()),
        (Some(2500.0), Some("个"))
    );
    assert_eq!(m[1].value, Some(4000.0));
    assert_eq!(m[2].stage.as_deref(), Some("建成投用"));
    assert_eq!(l.tasks[0].deadline.as_deref(), Some("2031年12月底"));

    assert_eq!(ymd(&l, 1), ["2031-03-20", "2031-09-30", "2031-12-31"]);
    let stages: Vec<Option<&str>> = l.tasks[1]
        .milestones
        .iter()
        .map(|m| m.stage.as_deref())
        .collect();
    assert_eq!(stages, [Some("开工"), Some("主体完工"), Some("建成投用")]);

    // Words without a date: no milestone, and a warning naming the row and the cell.
    assert!(l.tasks[2].milestones.is_empty());
    let w = l
        .warnings
        .iter()
        .find(|w| w.message.contains("按计划有序推进"))
        .expect("the undated cell is named");
    assert_eq!(w.location.row, Some(3));
    assert_eq!(w.location.column.as_deref(), Some("时间节点"));
}

#[test]
fn a_workbook_with_a_schedule_column_and_no_deadline_column() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("台账").unwrap();
    sheet.write_string(0, 0, "2030年重点任务推进台账").unwrap();
    for (c, h) in ["序号", "重点任务", "责任单位", "序时目标", "完成情况"]
        .iter()
        .enumerate()
    {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    let rows = [
        [
            "1",
            "完成造林绿化2万亩",
            "区林业局",
            "一季度完成0.5万亩；上半年完成1.2万亩；11月15日前全部完成",
            "已完成1.3万亩。",
        ],
        [
            "2",
            "建成智慧停车平台",
            "区大数据局",
            "2030年12月底前",
            "平台正在开发。",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 2, c as u16, *v).unwrap();
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let l = read_bytes("t.xlsx", &bytes, &Limits::default()).expect("reads");
    assert_eq!(l.year, Some(2030));
    no_unknown_column(&l);
    assert_eq!(ymd(&l, 0), ["2030-03-31", "2030-06-30", "2030-11-15"]);
    assert_eq!(l.tasks[0].milestones[1].value, Some(1.2));
    assert_eq!(l.tasks[0].milestones[1].unit.as_deref(), Some("万亩"));
    // Without a 完成时限 column the schedule also gives the deadline, as 时间节点 did.
    assert_eq!(
        l.tasks[0].deadline.as_deref(),
        Some("一季度完成0.5万亩；上半年完成1.2万亩；11月15日前全部完成")
    );
    // One step only: that is the deadline, not a milestone.
    assert!(l.tasks[1].milestones.is_empty());
    assert_eq!(l.tasks[1].deadline.as_deref(), Some("2030年12月底前"));
}

#[test]
fn the_written_column_reads_back_to_the_same_steps() {
    let cell = "3月上旬开工；6月底前完成2500辆；年底建成投用";
    let steps = duban_model::parse_milestones(cell, 2029);
    let written = duban_model::milestones_cell(&steps);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("附件1").unwrap();
    for (c, h) in ["序号", "具体任务", "牵头单位", "完成时限", "时间节点"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in [
        "1",
        "新建充电桩5000个",
        "区城管局",
        "2029年12月底",
        &written,
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    // The file names no plan year: the written steps carry theirs.
    let l = read_bytes("t.xlsx", &bytes, &Limits::default()).expect("reads");
    assert_eq!(l.tasks[0].milestones, steps);
}
