//! The builder on hand-made grids: what every reader relies on.
use duban_ingest::grid::{Block, RawCell, RawDoc, RawRow, RawTable};
use duban_ingest::{IngestError, build};
use duban_model::{Ledger, SourceFormat, Verdict, WarningCode};

fn cell(s: &str) -> RawCell {
    RawCell::text(s)
}

fn merged() -> RawCell {
    RawCell {
        merged_from_above: true,
        ..RawCell::text("")
    }
}

fn spanning(s: &str, span: usize) -> RawCell {
    RawCell {
        span,
        ..RawCell::text(s)
    }
}

fn row(cells: Vec<RawCell>) -> RawRow {
    RawRow {
        cells,
        is_header: false,
        source_row: 0,
    }
}

fn texts(cells: &[&str]) -> RawRow {
    row(cells.iter().map(|s| cell(s)).collect())
}

fn table(name: &str, rows: Vec<RawRow>) -> Block {
    let rows = rows
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            r.source_row = i + 1;
            r
        })
        .collect();
    Block::Table(RawTable {
        name: name.into(),
        rows,
    })
}

fn doc(blocks: Vec<Block>) -> RawDoc {
    RawDoc {
        blocks,
        notes: Vec::new(),
    }
}

fn ledger(blocks: Vec<Block>) -> Ledger {
    build(&doc(blocks), "test.docx", SourceFormat::Docx).expect("builds")
}

fn codes(l: &Ledger, code: WarningCode) -> Vec<String> {
    l.warnings
        .iter()
        .filter(|w| w.code == code)
        .map(|w| format!("{} {}", w.location, w.message))
        .collect()
}

#[test]
fn header_synonyms_and_stray_spaces() {
    let l = ledger(vec![table(
        "表1",
        vec![
            texts(&[
                "编号",
                "工作 任务",
                "主责单位",
                "协同单位",
                "工作进展",
                "备注",
            ]),
            texts(&[
                "1",
                "建成江山公园",
                "区住房城乡建委",
                "区城管局、各镇街",
                "已建成",
                "",
            ]),
        ],
    )]);
    let t = &l.tasks[0];
    assert_eq!(t.text, "建成江山公园");
    assert_eq!(t.lead_units[0].name, "区住房城乡建委");
    assert_eq!(t.coop_units[0].name, "区城管局");
    assert_eq!(t.coop_groups, ["各镇街"]);
    assert_eq!(t.progress, "已建成");
    assert_eq!(
        codes(&l, WarningCode::UnknownColumn).len(),
        1,
        "备注 is reported"
    );

    let l = ledger(vec![table(
        "表1",
        vec![
            texts(&[
                "序 号",
                "重点任务",
                "牵头 单位",
                "责任主体与协同单位",
                "完成时限",
                "责任领导",
            ]),
            texts(&[
                "1",
                "新建5G基站500个",
                "区经济信息委",
                "区教委",
                "2022年12月",
                "张三",
            ]),
        ],
    )]);
    let t = &l.tasks[0];
    assert_eq!(t.lead_units[0].name, "区经济信息委");
    assert_eq!(t.coop_units[0].name, "区教委");
    assert_eq!(t.deadline.as_deref(), Some("2022年12月"));
    assert_eq!(t.leader.as_deref(), Some("张三"));
    assert!(
        codes(&l, WarningCode::MissingProgress).len() == 1,
        "a table without progress column says so once"
    );
}

#[test]
fn a_second_task_column_completes_the_task() {
    let l = ledger(vec![table(
        "表1",
        vec![
            texts(&["序号", "工作任务", "目标要求", "牵头单位"]),
            texts(&["1", "发展数字经济", "数字经济增加值增长7%", "区经济信息委"]),
            texts(&["2", "建成公园", "", "区城管局"]),
        ],
    )]);
    assert_eq!(l.tasks[0].text, "发展数字经济；数字经济增加值增长7%");
    assert_eq!(l.tasks[1].text, "建成公园");
    assert!(codes(&l, WarningCode::UnknownColumn).is_empty());
}

#[test]
fn the_latest_dated_progress_column_is_the_progress() {
    let l = ledger(vec![table(
        "表1",
        vec![
            texts(&[
                "序号",
                "具体任务",
                "牵头单位",
                "1-11月推进情况",
                "1-6月推进情况",
            ]),
            texts(&["1", "建成公园", "区城管局", "完成90%", "完成40%"]),
        ],
    )]);
    let t = &l.tasks[0];
    assert_eq!(t.progress, "完成90%");
    assert_eq!(t.progress_label.as_deref(), Some("1-11月推进情况"));

    // A single progress column needs no label.
    let l = ledger(vec![table(
        "表1",
        vec![
            texts(&["序号", "具体任务", "牵头单位", "1-11月推进情况"]),
            texts(&["1", "建成公园", "区城管局", "完成90%"]),
        ],
    )]);
    assert_eq!(l.tasks[0].progress_label, None);
}

#[test]
fn titles_and_progress_headers_date_the_tables() {
    let l = ledger(vec![
        table(
            "表",
            vec![
                texts(&["某县2023年1-10月重点任务完成情况表"]),
                texts(&["序号", "具体任务", "牵头单位", "完成情况"]),
                texts(&["1", "建成公园", "区城管局", "完成90%"]),
            ],
        ),
        table(
            "表",
            vec![
                texts(&["某县2023年重点任务"]),
                texts(&["序号", "具体任务", "牵头单位", "截至9月底进展"]),
                texts(&["1", "建成公园", "区城管局", "完成70%"]),
            ],
        ),
        table(
            "表",
            vec![
                texts(&["某县2023年重点任务"]),
                texts(&["序号", "具体任务", "牵头单位", "完成情况"]),
                texts(&["1", "建成公园", "区城管局", "已建成"]),
            ],
        ),
    ]);
    let dates: Vec<String> = l
        .tables
        .iter()
        .map(|t| {
            t.as_of
                .map(duban_model::ymd_opt::format)
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(dates, vec!["2023-10-31", "2023-09-30", ""]);
    assert_eq!(l.year, Some(2023), "the sheets agree on the year");
}

#[test]
fn a_second_header_line_dates_the_progress_columns() {
    let l = ledger(vec![table(
        "表1",
        vec![
            row(vec![
                cell("序号"),
                cell("具体任务"),
                cell("牵头单位"),
                spanning("推进情况", 2),
            ]),
            texts(&["", "", "", "1-6月", "1-11月"]),
            texts(&["1", "建成公园", "区城管局", "完成40%", "完成90%"]),
        ],
    )]);
    assert_eq!(l.tasks.len(), 1);
    let t = &l.tasks[0];
    assert_eq!(t.progress, "完成90%");
    assert_eq!(t.progress_label.as_deref(), Some("1-11月推进情况"));
}

#[test]
fn status_columns_give_per_row_verdicts() {
    let l = ledger(vec![
        Block::Para("已完成重点任务情况表".into()),
        table(
            "表1",
            vec![
                texts(&["序号", "具体任务", "牵头单位", "完成情况", "是否完成"]),
                texts(&["1", "建成公园", "区城管局", "已建成", "是"]),
                texts(&["2", "新建学校", "区教委", "主体完工", "否"]),
                texts(&["3", "新增绿地", "区城管局", "完成", ""]),
            ],
        ),
    ]);
    let v: Vec<Option<Verdict>> = l.tasks.iter().map(|t| t.office_verdict).collect();
    assert_eq!(
        v,
        [
            Some(Verdict::Met),
            Some(Verdict::NotMet),
            Some(Verdict::Met)
        ]
    );
    assert_eq!(l.tasks[1].status_text.as_deref(), Some("否"));
    assert_eq!(l.tasks[2].status_text, None);
    assert_eq!(l.tables[0].office_verdict, Some(Verdict::Met));
}

#[test]
fn spanned_headers_merged_cells_and_auto_numbers() {
    // "具体任务" spans the unlabelled section column and the task column, as in the seed.
    let numbered = |n: u32| RawCell {
        auto_number: Some(n),
        ..RawCell::text("")
    };
    let l = ledger(vec![table(
        "表1",
        vec![
            row(vec![
                cell("序号"),
                spanning("具体任务", 2),
                cell("牵头单位"),
                cell("完成情况"),
            ]),
            row(vec![
                numbered(1),
                cell("建好创新生态圈"),
                cell("任务甲"),
                cell("区科技局"),
                cell("进展甲"),
            ]),
            row(vec![
                numbered(2),
                merged(),
                cell("任务乙"),
                merged(),
                cell("进展乙"),
            ]),
            row(vec![
                numbered(3),
                cell(""),
                cell("任务丙"),
                cell("区教委"),
                cell("进展丙"),
            ]),
            row(vec![
                numbered(4),
                cell("振兴制造业"),
                cell("任务丁"),
                cell("区经济信息委"),
                cell("进展丁"),
            ]),
        ],
    )]);
    let rows: Vec<(u32, &str, &str, &str)> = l
        .tasks
        .iter()
        .map(|t| {
            (
                t.row,
                t.section.as_deref().unwrap_or(""),
                t.text.as_str(),
                t.lead_units.first().map_or("", |u| u.name.as_str()),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (1, "建好创新生态圈", "任务甲", "区科技局"),
            (2, "建好创新生态圈", "任务乙", "区科技局"),
            (3, "建好创新生态圈", "任务丙", "区教委"),
            (4, "振兴制造业", "任务丁", "区经济信息委"),
        ]
    );
}

#[test]
fn an_unlabelled_column_after_the_number_is_the_section() {
    // The header names 4 columns, the rows hold 5: the heading over the section was lost.
    let l = ledger(vec![table(
        "表1",
        vec![
            texts(&["序号", "具体任务", "牵头单位", "完成情况"]),
            texts(&["1", "建好创新生态圈", "任务甲", "区科技局", "进展甲"]),
            row(vec![
                cell("2"),
                merged(),
                cell("任务乙"),
                cell("区教委"),
                cell("进展乙"),
            ]),
        ],
    )]);
    let got: Vec<(&str, &str, &str)> = l
        .tasks
        .iter()
        .map(|t| {
            (
                t.section.as_deref().unwrap_or(""),
                t.text.as_str(),
                t.lead_units.first().map_or("", |u| u.name.as_str()),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("建好创新生态圈", "任务甲", "区科技局"),
            ("建好创新生态圈", "任务乙", "区教委")
        ]
    );
}

#[test]
fn lost_numbers_are_recovered_by_counting() {
    let l = ledger(vec![table(
        "表1",
        vec![
            texts(&["序号", "具体任务", "牵头单位"]),
            texts(&["1", "甲", "区科技局"]),
            texts(&["", "乙", "区科技局"]),
            texts(&["3", "丙", "区科技局"]),
            texts(&["", "丁", "区科技局"]),
        ],
    )]);
    let rows: Vec<u32> = l.tasks.iter().map(|t| t.row).collect();
    assert_eq!(rows, [1, 2, 3, 4]);
    assert!(codes(&l, WarningCode::InconsistentCount).is_empty());

    // A gap keeps the written number; numbering restarted per section takes the count, so
    // rows stay unique. Both are said.
    let l = ledger(vec![table(
        "表1",
        vec![
            texts(&["序号", "具体任务", "牵头单位"]),
            texts(&["1", "甲", "区科技局"]),
            texts(&["", "乙", "区科技局"]),
            texts(&["5", "丙", "区科技局"]),
            texts(&["1", "丁", "区科技局"]),
            texts(&["", "戊", "区科技局"]),
        ],
    )]);
    let rows: Vec<u32> = l.tasks.iter().map(|t| t.row).collect();
    assert_eq!(rows, [1, 2, 5, 6, 7]);
    assert_eq!(codes(&l, WarningCode::InconsistentCount).len(), 2);
}

#[test]
fn title_rows_above_the_header_and_section_rows() {
    // A sheet: merged title row, blank row, header, a heading row spanning the table.
    let l = ledger(vec![table(
        "2023年台账",
        vec![
            row(vec![spanning("2023年未完成12项重点任务清单", 4)]),
            row(vec![cell(""), cell(""), cell(""), cell("")]),
            texts(&["序号", "具体任务", "牵头单位", "完成情况"]),
            row(vec![spanning("一、科技创新", 4)]),
            texts(&["1", "建设实验室", "区科技局", "在建"]),
            texts(&["2", "引进企业", "区商务委", "引进3家"]),
            row(vec![spanning("二、城市更新", 4)]),
            texts(&["3", "改造小区", "区住房城乡建委", "完成"]),
        ],
    )]);
    let tb = &l.tables[0];
    assert_eq!(tb.label, "2023年台账");
    assert_eq!(tb.title.as_deref(), Some("2023年未完成12项重点任务清单"));
    assert_eq!(tb.claimed_rows, Some(12));
    assert_eq!(tb.rows, 3);
    assert_eq!(tb.office_verdict, Some(Verdict::NotMet));
    let sections: Vec<&str> = l
        .tasks
        .iter()
        .filter_map(|t| t.section.as_deref())
        .collect();
    assert_eq!(sections, ["科技创新", "科技创新", "城市更新"]);
    assert_eq!(codes(&l, WarningCode::ClaimedCountMismatch).len(), 1);
}

#[test]
fn repeated_header_rows_are_not_data() {
    let mut repeat = texts(&["序号", "具体任务", "牵头单位"]);
    repeat.is_header = true;
    let l = ledger(vec![table(
        "表1",
        vec![
            texts(&["序号", "具体任务", "牵头单位"]),
            texts(&["1", "甲", "区科技局"]),
            repeat,
            texts(&["序号", "具体任务", "牵头单位"]),
            texts(&["2", "乙", "区科技局"]),
        ],
    )]);
    assert_eq!(l.tasks.len(), 2);
}

#[test]
fn labels_titles_and_summary_claims_from_paragraphs() {
    let l = ledger(vec![
        Block::Para("关于2023年重点任务推进情况的".into()),
        Block::Para("报  告".into()),
        Block::Para("全年共5项重点工作任务，其中未完成任务3项，具体如下。".into()),
        Block::Para("附件1".into()),
        Block::Para("未完成3项重点任务情况表".into()),
        table(
            "表1",
            vec![
                texts(&["序号", "具体任务", "牵头单位", "完成情况"]),
                texts(&["1", "甲", "区科技局", "在建"]),
                texts(&["2", "乙", "区科技局", "在建"]),
            ],
        ),
        Block::Para("附件2：已完成2项重点任务情况表".into()),
        table(
            "表2",
            vec![
                texts(&["序号", "具体任务", "牵头单位", "完成情况"]),
                texts(&["1", "丙", "区科技局", "完成"]),
                texts(&["2", "丁", "区科技局", "完成"]),
            ],
        ),
    ]);
    assert_eq!(l.title.as_deref(), Some("关于2023年重点任务推进情况的报告"));
    assert_eq!(l.claimed_total, Some(5));
    assert_eq!(l.tables[0].label, "附件1");
    assert_eq!(l.tables[1].label, "附件2");
    assert_eq!(
        l.tables[1].title.as_deref(),
        Some("已完成2项重点任务情况表")
    );
    assert_eq!(l.tables[1].office_verdict, Some(Verdict::Met));
    let m = codes(&l, WarningCode::ClaimedCountMismatch);
    // Title 3 vs 2 listed; summary total 5 vs 4; summary unmet 3 vs 2.
    assert_eq!(m.len(), 3, "{m:?}");
    assert!(m.iter().any(|w| w.starts_with("附件1 ")));
    assert_eq!(m.iter().filter(|w| w.starts_with("正文摘要")).count(), 2);
    assert!(
        !codes(&l, WarningCode::Artifact).is_empty(),
        "报  告 lost its spaces"
    );
}

#[test]
fn summary_counts_follow_the_clause_that_names_tasks() {
    let l = ledger(vec![
        Block::Para("全年共推进重点任务4项，其中完成3项，未完成1项。".into()),
        Block::Para("1. 新建学校。全年完成校舍改造12项任务。".into()),
        Block::Para("已完成情况表".into()),
        table(
            "表1",
            vec![
                texts(&["序号", "具体任务", "牵头单位", "完成情况"]),
                texts(&["1", "甲", "区科技局", "完成"]),
                texts(&["2", "乙", "区科技局", "完成"]),
            ],
        ),
    ]);
    assert_eq!(l.claimed_total, Some(4));
    assert_eq!(l.tables[0].office_verdict, Some(Verdict::Met));
    // "完成3项" is the met claim for the only met table, which lists 2.
    assert_eq!(l.tables[0].claimed_rows, Some(3));
    let m = codes(&l, WarningCode::ClaimedCountMismatch);
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(m.iter().any(|w| w.contains("已完成3项")), "{m:?}");
}

#[test]
fn missing_units_progress_and_duplicate_tasks_are_warned() {
    let l = ledger(vec![table(
        "表1",
        vec![
            texts(&["序号", "具体任务", "牵头单位", "完成情况"]),
            texts(&["1", "建成公园", "", "已建成"]),
            texts(&["2", "新建学校", "区教委", ""]),
            texts(&["3", "建成 公园", "区城管局", "已建成"]),
        ],
    )]);
    assert_eq!(
        codes(&l, WarningCode::MissingLeadUnit),
        ["表1 第1行 牵头单位 表1 第1行没有填写牵头单位"]
    );
    assert_eq!(codes(&l, WarningCode::MissingProgress).len(), 1);
    let dup = codes(&l, WarningCode::DuplicateTask);
    assert_eq!(dup.len(), 1);
    assert!(dup[0].starts_with("表1 第3行"), "{dup:?}");
}

#[test]
fn a_column_blank_in_every_row_is_one_warning() {
    let l = ledger(vec![table(
        "表1",
        vec![
            texts(&["序号", "具体任务", "牵头单位", "完成情况"]),
            texts(&["1", "建成公园", "区城管局", ""]),
            texts(&["2", "新建学校", "区教委", ""]),
            texts(&["3", "新增绿地", "区城管局", ""]),
        ],
    )]);
    assert_eq!(
        codes(&l, WarningCode::MissingProgress),
        ["表1 完成情况 表1 全部3行都没有填写完成情况"]
    );
    assert!(codes(&l, WarningCode::MissingLeadUnit).is_empty());
}

#[test]
fn text_beyond_the_header_is_warned_about() {
    let l = ledger(vec![table(
        "表1",
        vec![
            texts(&["序号", "具体任务", "牵头单位"]),
            texts(&["1", "建成公园", "区城管局", "多出的说明"]),
            texts(&["2", "新建学校", "区教委", ""]),
        ],
    )]);
    assert_eq!(l.tasks.len(), 2);
    let w = codes(&l, WarningCode::UnknownColumn);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("表1 第1行"), "{w:?}");
}

#[test]
fn absurd_spans_cost_nothing() {
    let l = ledger(vec![table(
        "表1",
        vec![
            row(vec![
                cell("序号"),
                cell("具体任务"),
                cell("牵头单位"),
                spanning("完成情况", usize::MAX),
            ]),
            row(vec![
                cell("1"),
                cell("建成公园"),
                cell("区城管局"),
                spanning("已建成", 4_000_000_000),
            ]),
        ],
    )]);
    assert_eq!(l.tasks.len(), 1);
    assert_eq!(l.tasks[0].progress, "已建成");
}

#[test]
fn rows_without_a_task_are_skipped_visibly() {
    let l = ledger(vec![table(
        "表1",
        vec![
            texts(&["序号", "具体任务", "牵头单位", "完成情况"]),
            texts(&["1", "建成公园", "区城管局", "已建成"]),
            texts(&["2", "", "区教委", "进展"]),
        ],
    )]);
    assert_eq!(l.tasks.len(), 1);
    assert_eq!(codes(&l, WarningCode::SkippedRow).len(), 1);
}

#[test]
fn prose_decomposition_documents() {
    let paras = [
        "2023年区政府工作报告重点任务分解方案",
        "为抓好落实，现将任务分解如下。",
        "一、加快科技创新",
        "（一）建设创新平台",
        "1. 建成青凤高科孵化中心二期。（责任领导：张三；牵头单位：区科技局；责任单位：区财政局、各镇街）",
        "2. 引进研发机构8家（责任领导：李四；牵头单位：区商务委（区招商中心））",
        "二、推动城市更新",
        "3. 改造老旧小区100万平方米，",
        "整治危房2万平方米。（责任单位：区住房城乡建委；完成时限：2023年12月）",
    ];
    let l = ledger(paras.iter().map(|p| Block::Para(p.to_string())).collect());
    assert_eq!(l.tables.len(), 1);
    assert_eq!(l.tables[0].label, "正文");
    assert_eq!(
        l.title.as_deref(),
        Some("2023年区政府工作报告重点任务分解方案")
    );
    assert_eq!(l.tasks.len(), 3);
    let t = &l.tasks[0];
    assert_eq!(t.text, "建成青凤高科孵化中心二期");
    assert_eq!(t.section.as_deref(), Some("建设创新平台"));
    assert_eq!(t.leader.as_deref(), Some("张三"));
    assert_eq!(t.lead_units[0].name, "区科技局");
    assert_eq!(t.coop_units[0].name, "区财政局");
    assert_eq!(t.coop_groups, ["各镇街"]);
    let t = &l.tasks[1];
    assert_eq!(t.lead_units[0].display(), "区商务委（区招商中心）");
    let t = &l.tasks[2];
    assert_eq!(t.row, 3);
    assert_eq!(t.section.as_deref(), Some("推动城市更新"));
    assert_eq!(t.text, "改造老旧小区100万平方米，整治危房2万平方米");
    // Only 责任单位 given: they lead.
    assert_eq!(t.lead_units[0].name, "区住房城乡建委");
    assert_eq!(t.deadline.as_deref(), Some("2023年12月"));
    assert!(codes(&l, WarningCode::MissingProgress).is_empty());
}

#[test]
fn prose_responsibilities_on_lines_of_their_own() {
    let paras = [
        "一、科技创新",
        "1. 建成孵化中心二期。",
        "责任领导：张三",
        "牵头单位：区科技局",
        "责任单位：区财政局",
        "2. 引进研发机构8家（牵头单位：区商务委）",
        "完成时限：2023年底",
        "二、城市更新",
        "3. 这一项没有写责任单位。",
        "4. 改造老旧小区（责任单位：区住房城乡建委）",
    ];
    let l = ledger(paras.iter().map(|p| Block::Para(p.to_string())).collect());
    let got: Vec<(u32, &str, &str, &str, &str)> = l
        .tasks
        .iter()
        .map(|t| {
            (
                t.row,
                t.section.as_deref().unwrap_or(""),
                t.text.as_str(),
                t.lead_units.first().map_or("", |u| u.name.as_str()),
                t.deadline.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "科技创新", "建成孵化中心二期", "区科技局", ""),
            (2, "科技创新", "引进研发机构8家", "区商务委", "2023年底"),
            (3, "城市更新", "改造老旧小区", "区住房城乡建委", ""),
        ]
    );
    assert_eq!(l.tasks[0].leader.as_deref(), Some("张三"));
    assert_eq!(l.tasks[0].coop_units[0].name, "区财政局");
    let skipped = codes(&l, WarningCode::SkippedRow);
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0].contains("这一项没有写责任单位"));
}

#[test]
fn a_title_without_guan_yu_skips_the_letterhead() {
    let paras = [
        "重庆市某区人民政府督查办",
        "2023年重点任务分解方案",
        "1. 建成孵化中心（牵头单位：区科技局）",
    ];
    let l = ledger(paras.iter().map(|p| Block::Para(p.to_string())).collect());
    assert_eq!(l.title.as_deref(), Some("2023年重点任务分解方案"));
}

#[test]
fn prose_is_not_read_when_a_real_table_exists() {
    let l = ledger(vec![
        Block::Para("1. 建成公园。（牵头单位：区城管局）".into()),
        table(
            "表1",
            vec![
                texts(&["序号", "具体任务", "牵头单位"]),
                texts(&["1", "新建学校", "区教委"]),
            ],
        ),
    ]);
    assert_eq!(l.tasks.len(), 1);
    assert_eq!(l.tasks[0].text, "新建学校");
}

#[test]
fn no_task_column_names_the_table_and_empty_docs_have_no_ledger() {
    let e = build(
        &doc(vec![table(
            "表2",
            vec![
                texts(&["序号", "牵头单位", "完成情况"]),
                texts(&["1", "区科技局", "完成"]),
            ],
        )]),
        "x.docx",
        SourceFormat::Docx,
    )
    .expect_err("no task column");
    match e {
        IngestError::NoLedger { place, file, .. } => {
            assert_eq!(place, "表2");
            assert_eq!(file, "x.docx");
        }
        other => panic!("{other:?}"),
    }
    let e = build(&doc(vec![]), "x.docx", SourceFormat::Docx).expect_err("empty");
    assert!(matches!(e, IngestError::NoLedger { .. }));

    // A table with no header at all is skipped with a warning when another table is a ledger.
    let l = ledger(vec![
        table("表1", vec![texts(&["签发", "张三"])]),
        table(
            "表2",
            vec![
                texts(&["序号", "具体任务", "牵头单位"]),
                texts(&["1", "甲", "区教委"]),
            ],
        ),
    ]);
    assert_eq!(l.tables.len(), 1);
    assert_eq!(l.tables[0].index, 1);
    assert_eq!(codes(&l, WarningCode::SkippedRow).len(), 1);
}

/// Task text, first lead unit, leader, deadline, progress, status.
type Carried<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    &'a str,
    Option<&'a str>,
);

#[test]
fn merged_cells_carry_every_column_down_past_skipped_rows_and_headings() {
    let l = ledger(vec![table(
        "表1",
        vec![
            texts(&[
                "序号",
                "具体任务",
                "牵头单位",
                "责任领导",
                "完成时限",
                "完成情况",
                "完成状态",
            ]),
            texts(&[
                "1",
                "任务甲",
                "区科技局",
                "张三",
                "6月底",
                "进展甲",
                "已完成",
            ]),
            // No task text: skipped, and not the row the next one continues.
            texts(&["2", "", "区教委", "李四", "9月底", "进展空", "未完成"]),
            row(vec![spanning("二、民生保障", 7)]),
            row(vec![
                cell("3"),
                cell("任务乙"),
                merged(),
                merged(),
                merged(),
                merged(),
                merged(),
            ]),
            row(vec![
                cell("4"),
                merged(),
                cell("区民政局"),
                cell(""),
                merged(),
                merged(),
                cell("未完成"),
            ]),
        ],
    )]);
    let got: Vec<Carried> = l
        .tasks
        .iter()
        .map(|t| {
            (
                t.text.as_str(),
                t.lead_units.first().map_or("", |u| u.name.as_str()),
                t.leader.as_deref(),
                t.deadline.as_deref(),
                t.progress.as_str(),
                t.status_text.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "任务甲",
                "区科技局",
                Some("张三"),
                Some("6月底"),
                "进展甲",
                Some("已完成")
            ),
            (
                "任务乙",
                "区科技局",
                Some("张三"),
                Some("6月底"),
                "进展甲",
                Some("已完成")
            ),
            (
                "任务乙",
                "区民政局",
                None,
                Some("6月底"),
                "进展甲",
                Some("未完成")
            ),
        ]
    );
    assert_eq!(l.tasks[1].office_verdict, Some(Verdict::Met));
    assert_eq!(l.tasks[2].office_verdict, Some(Verdict::NotMet));
    assert_eq!(l.tasks[1].section.as_deref(), Some("民生保障"));
}

#[test]
fn the_letterhead_above_the_title_is_the_issuer() {
    let body = |head: Vec<&str>| {
        let mut blocks: Vec<Block> = head.into_iter().map(|p| Block::Para(p.into())).collect();
        blocks.push(Block::Para("区政府：".into()));
        blocks.push(Block::Para("现将有关情况报告如下。".into()));
        blocks.push(table(
            "表1",
            vec![
                texts(&["序号", "具体任务", "牵头单位", "完成情况"]),
                texts(&["1", "甲", "区科技局", "完成"]),
            ],
        ));
        ledger(blocks)
    };
    let l = body(vec![
        "某某区人民政府督查室",
        "关于2023年重点任务推进情况的报告",
    ]);
    assert_eq!(l.issuer.as_deref(), Some("某某区人民政府督查室"));
    // A 发文字号 between letterhead and title is not the issuer; the letterhead still is.
    let l = body(vec![
        "某某县政府办公室",
        "某办〔2023〕5号",
        "关于2023年重点任务推进情况的报告",
    ]);
    assert_eq!(l.issuer.as_deref(), Some("某某县政府办公室"));
    // No letterhead, or a sentence before the title: none.
    let l = body(vec!["关于2023年重点任务推进情况的报告"]);
    assert_eq!(l.issuer, None);
    let l = body(vec![
        "按照区政府要求，现报告如下。",
        "关于2023年重点任务推进情况的报告",
    ]);
    assert_eq!(l.issuer, None);
}
