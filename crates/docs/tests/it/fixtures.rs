//! Ledgers built in code, shared by the integration tests, the bench and the render example.
#![allow(dead_code)]

use duban_model::{
    Evidence, Ledger, SourceFormat, Table, Target, TargetKind, Task, UnitRef, Verdict,
};

const SECTIONS: [&str; 6] = [
    "建好环大学创新生态圈",
    "大力振兴先进制造业",
    "提升枢纽功能",
    "高水平更新东部老城",
    "提升生态系统稳定性",
    "激发民营经济活力",
];
const UNITS: [&str; 8] = [
    "区科技局",
    "区经济信息委",
    "区商务委",
    "国际物流枢纽公司",
    "区住房城乡建委",
    "区发展改革委",
    "工投公司",
    "区城管局",
];

fn target_with_evidence(progress: &str, needle: &str, verdict: Verdict) -> Target {
    let evidence = progress.find(needle).map(|b| {
        let start = progress[..b].chars().count();
        Evidence {
            text: needle.to_string(),
            start,
            end: start + needle.chars().count(),
            value: None,
            unit: None,
        }
    });
    Target {
        text: "进口整车5000辆以上".into(),
        kind: TargetKind::Quantity,
        metric: Some("进口整车".into()),
        comparator: None,
        value: Some(5000.0),
        unit: Some("辆".into()),
        verdict,
        evidence,
        explanation: "目标≥5000辆".into(),
    }
}

/// One task of table `table`, row `row`; `i` varies the texts.
pub fn task(
    table: usize,
    row: u32,
    i: usize,
    office: Option<Verdict>,
    machine: Option<Verdict>,
) -> Task {
    let mut t = Task::new(
        table,
        row,
        format!(
            "增设粮食、水果口岸，高水平建设整车口岸，进口整车{}辆以上（任务{i}）",
            5000 + i
        ),
    );
    // Neighbouring tasks share a section, as merged cells in real ledgers do.
    t.section = Some(SECTIONS[(i / 3) % SECTIONS.len()].to_string());
    t.lead_units.push(UnitRef::new(UNITS[i % UNITS.len()]));
    if i % 4 == 1 {
        t.lead_units.push(UnitRef {
            name: "区商务委".into(),
            aliases: vec!["区招商中心".into()],
        });
    }
    t.coop_units
        .push(UnitRef::new(UNITS[(i + 3) % UNITS.len()]));
    if i.is_multiple_of(5) {
        t.coop_groups.push("各有关镇街".into());
    }
    t.progress = format!(
        "①积极对接海关沟通申报粮食口岸工作，目前已经完成申报材料。\n②整车进口{}辆，已正式获得大众主机厂授权，形成战略合作。下一步将继续扩大合作规模，推动品牌集聚<发展>&提速。",
        3000 + i
    );
    let needle = format!("整车进口{}辆", 3000 + i);
    t.targets.push(target_with_evidence(
        &t.progress,
        &needle,
        machine.unwrap_or(Verdict::Unverifiable),
    ));
    t.office_verdict = office;
    t.status_text = office.map(|v| v.label_zh().to_string());
    t.verdict = machine;
    // As the engine writes it: the verdict's label first ("无法核实：…").
    t.explanation = machine.map(|v| format!("{}：目标5000辆以上，对照整车进口数", v.label_zh()));
    t
}

/// A ledger shaped like the sample: 附件1 of `unmet` office-unmet tasks, 附件2 of `met`
/// office-met tasks. Machine verdicts differ on a few rows, and some are unverifiable.
pub fn sample_ledger(unmet: usize, met: usize) -> Ledger {
    let mut l = Ledger::new("sample.docx", SourceFormat::Docx);
    l.title = Some("关于2022年区政府工作报告重点任务完成情况的报告".into());
    l.claimed_total = Some((unmet + met) as u32);
    l.tables.push(Table {
        index: 1,
        label: "附件1".into(),
        title: Some(format!("未完成既定目标{unmet}项重点工作任务进展情况表")),
        claimed_rows: Some(unmet as u32),
        rows: unmet,
        office_verdict: Some(Verdict::NotMet),
        as_of: None,
    });
    l.tables.push(Table {
        index: 2,
        label: "附件2".into(),
        title: Some(format!("已完成既定目标{met}项重点工作任务完成情况表")),
        claimed_rows: Some(met as u32),
        rows: met,
        office_verdict: Some(Verdict::Met),
        as_of: None,
    });
    for r in 0..unmet {
        let machine = if r % 4 == 3 {
            Verdict::Met
        } else {
            Verdict::NotMet
        };
        l.tasks.push(task(
            1,
            r as u32 + 1,
            r,
            Some(Verdict::NotMet),
            Some(machine),
        ));
    }
    for r in 0..met {
        let i = unmet + r;
        let machine = match r % 7 {
            0 => Verdict::NotMet,
            1 => Verdict::Unverifiable,
            2 => Verdict::Qualitative,
            _ => Verdict::Met,
        };
        l.tasks
            .push(task(2, r as u32 + 1, i, Some(Verdict::Met), Some(machine)));
    }
    l
}

/// The counts each verdict source should give for [`sample_ledger`].
/// The machine's (met, not met, qualitative, other) counts.
pub fn machine_counts(l: &Ledger) -> (usize, usize, usize, usize) {
    let met = l
        .tasks
        .iter()
        .filter(|t| t.verdict == Some(Verdict::Met))
        .count();
    let not_met = l
        .tasks
        .iter()
        .filter(|t| t.verdict == Some(Verdict::NotMet))
        .count();
    let qualitative = l
        .tasks
        .iter()
        .filter(|t| t.verdict == Some(Verdict::Qualitative))
        .count();
    (
        met,
        not_met,
        qualitative,
        l.tasks.len() - met - not_met - qualitative,
    )
}

/// A round's bulletin data for `n` units, with some late, missing and returned reports.
pub fn sample_bulletin(n: usize) -> duban_docs::BulletinData {
    use duban_docs::{BulletinData, LagKind, LaggingTask, NoticeRow, UnitRow};
    let units = (0..n)
        .map(|i| {
            let owed = 2 + (i % 5) as u32;
            let missing = u32::from(i % 7 == 3);
            let late = u32::from(i % 4 == 1).min(owed - missing);
            UnitRow {
                unit: if i < UNITS.len() {
                    UNITS[i].to_string()
                } else {
                    format!("第{i}责任单位")
                },
                owed,
                on_time: owed - missing - late,
                late,
                missing,
                returned: u32::from(i % 6 == 2),
                score: None,
            }
        })
        .collect();
    BulletinData {
        plan: "2023年区政府工作报告重点任务".into(),
        round: "3月".into(),
        period: "2023年3月1日至3月31日".into(),
        units,
        lagging: vec![
            LaggingTask {
                number: "6".into(),
                unit: "区住房城乡建委".into(),
                task: "建成两溪花谷".into(),
                kind: LagKind::SelfReported,
                status: "自评滞后".into(),
            },
            LaggingTask {
                number: "11".into(),
                unit: "区发展改革委".into(),
                task: "民间投资占比60%以上".into(),
                kind: LagKind::Unsubmitted,
                status: "未报送".into(),
            },
            LaggingTask {
                number: "9".into(),
                unit: "区生态环境局".into(),
                task: "建成清水溪“清水绿岸”工程".into(),
                kind: LagKind::SelfReported,
                status: "自评未启动".into(),
            },
        ],
        notices: vec![NoticeRow {
            number: "督办〔2023〕3号".into(),
            unit: "区住房城乡建委".into(),
            task: "两溪花谷整治工程".into(),
            issued: "2023年4月3日".into(),
            due: Some("2023年4月20日".into()),
        }],
        score_rule: None,
    }
}
