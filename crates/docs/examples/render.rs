//! Renders the year-end report (.docx) and the ledger (.xlsx) into a directory.
//!
//!     cargo run -p duban-docs --example render -- OUT_DIR [LEDGER] [--machine] [--char-grid]
//!
//! LEDGER is a serialised `duban_model::Ledger` (.json) or a ledger file duban-ingest reads
//! (.txt, .docx, .xlsx); without it a 131-task ledger shaped like the sample is generated.
//! `--machine` splits by the machine's verdicts instead of the office's. Writes report.docx,
//! ledger.xlsx, counts.json (the report's numbers, for the independent checker),
//! bulletin.docx (a generated round of 12 units), and notice.docx / reminder.docx (a 督办单
//! and a 催办单).
use anyhow::Context;
use duban_docs::{DocGrid, ReportOptions, VerdictSource};
use duban_model::Ledger;

#[path = "../tests/it/fixtures.rs"]
mod fixtures;

fn load(path: &str) -> anyhow::Result<Ledger> {
    if path.ends_with(".json") {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
        return serde_json::from_str(&text).with_context(|| format!("parsing {path}"));
    }
    Ok(duban_ingest::read_path(
        path.as_ref(),
        &duban_ingest::Limits::default(),
    )?)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let pos: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let out = std::path::PathBuf::from(pos.first().map_or("target/render", |s| s.as_str()));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let ledger = match pos.get(1) {
        Some(p) => load(p)?,
        None => fixtures::sample_ledger(11, 120),
    };
    let mut opts = ReportOptions::for_ledger(&ledger);
    if flag("--machine") {
        opts.verdict_source = VerdictSource::Machine;
    }
    if flag("--char-grid") {
        opts.grid = DocGrid::LinesAndChars;
    }
    opts.office = Some("重庆市沙坪坝区人民政府督查办".into());
    opts.date = Some("2023年1月10日".into());
    let issuing = duban_docs::Issuing {
        number: Some(duban_docs::doc_number("沙府督办〔{year}〕{n}号", 2023, 1)),
        cc: vec![
            "区委办公室".into(),
            "区人大常委会办公室".into(),
            "区政协办公室".into(),
        ],
        contact: Some("王某".into()),
        phone: Some("023-65000000".into()),
        ..duban_docs::Issuing::default()
    };
    opts.issuing = issuing.clone();
    std::fs::write(
        out.join("report.docx"),
        duban_docs::year_end_report(&ledger, &opts)?,
    )?;
    std::fs::write(out.join("ledger.xlsx"), duban_docs::ledger_xlsx(&ledger)?)?;
    let c = duban_docs::report_counts(&ledger, opts.verdict_source);
    let counts = format!(
        "{{\"total\": {}, \"met\": {}, \"not_met\": {}, \"qualitative\": {}, \"pending\": {}}}\n",
        c.total, c.met, c.not_met, c.qualitative, c.pending
    );
    std::fs::write(out.join("counts.json"), &counts)?;
    let bopts = duban_docs::BulletinOptions {
        office: opts.office.clone(),
        date: Some("2023年4月5日".into()),
        issue: Some(3),
        issuing: duban_docs::Issuing {
            number: None,
            ..issuing
        },
        grid: opts.grid,
        ..duban_docs::BulletinOptions::default()
    };
    let b = duban_docs::bulletin(&fixtures::sample_bulletin(12), &bopts)?;
    std::fs::write(out.join("bulletin.docx"), b)?;
    // A 督办单 and a 催办单 on a task of the generated round.
    let nopts = duban_docs::NoticeOptions {
        office: opts.office.clone(),
        pattern: Some("沙府督办〔{year}〕{n}号".into()),
        issuing: bopts.issuing.clone(),
        grid: opts.grid,
    };
    let mut notice = duban_docs::NoticeDoc {
        kind: duban_docs::NoticeKind::Supervision,
        year: 2023,
        serial: 3,
        level: Some("黄色".into()),
        unit: "区住房城乡建委".into(),
        task_number: Some("6".into()),
        task: "建成滨江公园和一段生态岸线".into(),
        progress: Some("公园主体完工，岸线整治完成七成。".into()),
        text: "岸线整治进度滞后于序时进度，请制定赶进度措施，加快推进。".into(),
        issued: "2023年4月3日".into(),
        due: Some("2023年4月20日".into()),
    };
    std::fs::write(
        out.join("notice.docx"),
        duban_docs::notice_docx(&notice, &nopts)?,
    )?;
    let nopts = duban_docs::NoticeOptions {
        pattern: Some("沙府催办〔{year}〕{n}号".into()),
        ..nopts
    };
    notice.kind = duban_docs::NoticeKind::Reminder;
    notice.serial = 5;
    notice.level = None;
    notice.text = "你单位3月进展情况逾期未报送。".into();
    notice.due = Some("2023年4月7日".into());
    std::fs::write(
        out.join("reminder.docx"),
        duban_docs::notice_docx(&notice, &nopts)?,
    )?;
    print!("{counts}");
    Ok(())
}
