//! The 公文 elements of the report and the bulletin, read back from the XML: 发文字号 over
//! the red rule, 发文机关 (from the source document), 署名 centred over 成文日期 with room for
//! the seal, 附注, and the 版记 at the foot of the last page.
use anyhow::{Context, Result};
use duban_docs::{BulletinOptions, Issuing, ReportOptions, bulletin, doc_number, year_end_report};

use crate::fixtures::{sample_bulletin, sample_ledger};
use crate::ooxml::{Node, parse, part};

const OFFICE: &str = "某某区人民政府督查办";

fn issuing() -> Issuing {
    Issuing {
        number: Some(doc_number("某督办〔{year}〕{n}号", 2023, 4)),
        cc: vec![
            "区委办公室".into(),
            "区人大常委会办公室".into(),
            "区政协办公室".into(),
        ],
        contact: Some("张三".into()),
        phone: Some("023-65000000".into()),
        ..Issuing::default()
    }
}

/// The body's paragraphs outside tables, in order.
fn paras(doc: &Node) -> Vec<&Node> {
    doc.child("w:body")
        .map(|b| b.children_named("w:p").collect())
        .unwrap_or_default()
}

fn ppr_attr<'a>(p: &'a Node, child: &str, attr: &str) -> Option<&'a str> {
    p.child("w:pPr")?.child(child)?.attr(attr)
}

fn border<'a>(p: &'a Node, side: &str) -> Option<(&'a str, &'a str)> {
    let b = p.child("w:pPr")?.child("w:pBdr")?.child(side)?;
    Some((b.attr("w:sz")?, b.attr("w:color")?))
}

fn find<'a>(ps: &[&'a Node], f: impl Fn(&str) -> bool) -> Option<(usize, &'a Node)> {
    ps.iter()
        .enumerate()
        .find(|(_, p)| f(&p.text_of()))
        .map(|(i, p)| (i, *p))
}

/// The last paragraph whose text satisfies `f`.
fn rfind<'a>(ps: &[&'a Node], f: impl Fn(&str) -> bool) -> Option<(usize, &'a Node)> {
    ps.iter()
        .enumerate()
        .rev()
        .find(|(_, p)| f(&p.text_of()))
        .map(|(i, p)| (i, *p))
}

fn half_chars(s: &str) -> i64 {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// Checks 署名, 成文日期, 附注 and 版记 of one document; `date` is its 成文日期.
fn check_closing(doc: &Node, date: &str) -> Result<()> {
    let ps = paras(doc);
    // 署名 over 成文日期, both right-aligned, their centres on one vertical line.
    // The office also opens the title; the signature is its last occurrence.
    let (oi, office) = rfind(&ps, |t| t == OFFICE).context("发文机关署名")?;
    let (di, dated) = find(&ps, |t| t == date).context("成文日期")?;
    assert_eq!(di, oi + 1, "the date is on the line under the office");
    for p in [office, dated] {
        assert_eq!(ppr_attr(p, "w:jc", "w:val"), Some("right"));
    }
    let right = |p: &Node| -> i64 {
        ppr_attr(p, "w:ind", "w:right")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let half = 157;
    let centre = |p: &Node, text: &str| right(p) * 2 + half_chars(text) * half;
    assert!(
        (centre(office, OFFICE) - centre(dated, date)).abs() <= 2 * half,
        "office centred over the date"
    );
    assert_eq!(right(dated), 8 * half, "the date sits four characters in");
    // Room for the seal: three empty lines above the office.
    assert!(ps[oi - 3..oi].iter().all(|p| p.text_of().is_empty()));
    // 附注 one line below the date.
    let (ni, _) = find(&ps, |t| t == "（联系人：张三，电话：023-65000000）").context("附注")?;
    assert_eq!(ni, di + 2);
    // 版记: 抄送 and 印发 between rules, a table floating at the foot of the page, after
    // everything else in the body.
    let (cc, printed) = colophon(doc).context("版记")?;
    assert_eq!(
        cc.as_deref(),
        Some("抄送：区委办公室，区人大常委会办公室，区政协办公室。")
    );
    assert_eq!(printed, [OFFICE.to_string(), format!("{date}印发")]);
    let body = doc.child("w:body").context("body")?;
    let at = body
        .children
        .iter()
        .position(|n| n.name == "w:tbl" && n.text_of().contains("印发"))
        .context("版记 table")?;
    let note_at = body
        .children
        .iter()
        .position(|n| n.text_of().starts_with("（联系人"))
        .context("附注")?;
    assert!(at > note_at, "the 版记 closes the document");
    Ok(())
}

/// The 版记 table: (抄送 line, [印发机关, 印发日期]); checks its rules and placement.
fn colophon(doc: &Node) -> Result<(Option<String>, Vec<String>)> {
    let t = doc
        .all("w:tbl")
        .into_iter()
        .rev()
        .find(|t| t.text_of().contains("印发") || t.text_of().starts_with("抄送"))
        .or_else(|| {
            doc.all("w:tbl")
                .into_iter()
                .rev()
                .find(|t| t.all("w:tblpPr").len() == 1)
        })
        .context("no 版记 table")?;
    let pos = t.all("w:tblpPr");
    assert_eq!(pos.len(), 1, "the 版记 floats");
    assert_eq!(pos[0].attr("w:tblpYSpec"), Some("bottom"));
    assert_eq!(pos[0].attr("w:vertAnchor"), Some("margin"));
    let borders = t.all("w:tblBorders")[0];
    let sz = |side: &str| borders.child(side).and_then(|b| b.attr("w:sz"));
    let val = |side: &str| borders.child(side).and_then(|b| b.attr("w:val"));
    assert_eq!(sz("w:top"), Some("8"), "thick first rule (0.35 mm)");
    assert_eq!(sz("w:bottom"), Some("8"), "thick last rule");
    assert_eq!(sz("w:insideH"), Some("6"), "thin rule between (0.25 mm)");
    for side in ["w:left", "w:right", "w:insideV"] {
        assert_eq!(val(side), Some("nil"), "no vertical lines");
    }
    let rows: Vec<Vec<String>> = crate::ooxml::tables(&Node {
        children: vec![t.clone()],
        ..Node::default()
    })
    .remove(0);
    let (cc, printed) = match rows.len() {
        2 => (Some(rows[0][0].clone()), rows[1].clone()),
        _ => (None, rows[0].clone()),
    };
    Ok((cc, printed))
}

#[test]
fn report_carries_the_issuing_office_number_signature_note_and_colophon() -> Result<()> {
    let mut l = sample_ledger(3, 4);
    l.issuer = Some(OFFICE.into());
    let opts = ReportOptions {
        date: Some("2023年1月10日".into()),
        issuing: issuing(),
        ..ReportOptions::for_ledger(&l)
    };
    assert_eq!(opts.office.as_deref(), Some(OFFICE), "read from the ledger");
    let doc = parse(&part(&year_end_report(&l, &opts)?, "word/document.xml")?)?;
    let ps = paras(&doc);
    // 版头: the 发文字号 centred over the red rule, then the office as the title's first line.
    assert_eq!(ps[0].text_of(), "某督办〔2023〕4号");
    assert_eq!(ppr_attr(ps[0], "w:jc", "w:val"), Some("center"));
    assert_eq!(border(ps[0], "w:bottom"), Some(("12", "C00000")));
    assert_eq!(ps[2].text_of(), OFFICE);
    // "我办" is someone now.
    assert!(find(&ps, |t| t.starts_with(&format!("按照工作安排，{OFFICE}对"))).is_some());
    check_closing(&doc, "2023年1月10日")?;
    // The 版记 is on the last section, a portrait page after the attachments.
    let body = doc.child("w:body").context("body")?;
    let last_sect = body.child("w:sectPr").context("last sectPr")?;
    assert_eq!(
        last_sect.child("w:pgSz").and_then(|s| s.attr("w:orient")),
        None
    );
    let after_tables = body
        .children
        .iter()
        .rposition(|n| n.name == "w:tbl" && !n.text_of().starts_with("抄送"))
        .context("tables")?;
    let colophon = body
        .children
        .iter()
        .rposition(|n| n.name == "w:tbl" && n.text_of().starts_with("抄送："))
        .context("抄送")?;
    assert!(colophon > after_tables);
    Ok(())
}

#[test]
fn without_a_seal_or_colophon_details_nothing_is_invented() -> Result<()> {
    let l = sample_ledger(1, 1);
    let opts = ReportOptions {
        office: Some(OFFICE.into()),
        issuing: Issuing {
            sealed: false,
            ..Issuing::default()
        },
        ..ReportOptions::for_ledger(&l)
    };
    let doc = parse(&part(&year_end_report(&l, &opts)?, "word/document.xml")?)?;
    let ps = paras(&doc);
    assert!(
        !doc.child("w:body")
            .context("body")?
            .text_of()
            .contains("抄送")
    );
    assert!(find(&ps, |t| t.starts_with("（联系人")).is_none());
    assert!(
        ps.iter()
            .all(|p| border(p, "w:bottom") != Some(("12", "C00000")))
    );
    // Without a date the 版记 still names the 印发机关.
    let (cc, printed) = colophon(&doc)?;
    assert_eq!(cc, None, "no 抄送 line");
    assert_eq!(printed, [OFFICE.to_string(), String::new()]);
    Ok(())
}

#[test]
fn bulletin_carries_its_issue_next_steps_signature_and_colophon() -> Result<()> {
    let data = sample_bulletin(12);
    let opts = BulletinOptions {
        office: Some(OFFICE.into()),
        date: Some("2023年4月5日".into()),
        issue: Some(3),
        issuing: issuing(),
        ..BulletinOptions::default()
    };
    let doc = parse(&part(&bulletin(&data, &opts)?, "word/document.xml")?)?;
    let ps = paras(&doc);
    assert_eq!(ps[0].text_of(), "第3期");
    assert_eq!(ps[1].text_of(), "某督办〔2023〕4号");
    assert_eq!(border(ps[1], "w:bottom"), Some(("12", "C00000")));
    assert_eq!(
        border(ps[0], "w:bottom"),
        None,
        "one red rule, under the last line"
    );
    // 下一步要求 from the round's own figures when the office wrote none.
    let (hi, _) = find(&ps, |t| t == "五、下一步工作要求").context("下一步要求")?;
    let asks: Vec<String> = ps[hi + 1..]
        .iter()
        .map(|p| p.text_of())
        .take_while(|t| !t.is_empty())
        .collect();
    let behind = data
        .units
        .iter()
        .filter(|u| u.late > 0 || u.missing > 0)
        .count();
    assert!(asks[0].contains(&format!("{behind}个单位")), "{asks:?}");
    assert!(
        asks.iter()
            .any(|a| a.contains(&format!("{}项滞后任务", data.lagging.len()))),
        "{asks:?}"
    );
    assert!(asks.last().is_some_and(|a| a.contains("按时、如实报送")));
    check_closing(&doc, "2023年4月5日")?;
    Ok(())
}

#[test]
fn supervision_and_reminder_notices_print_with_their_number_and_form() -> Result<()> {
    use duban_docs::{NoticeDoc, NoticeKind, NoticeOptions, notice_docx, notice_number};
    let mut n = NoticeDoc {
        kind: NoticeKind::Supervision,
        year: 2023,
        serial: 7,
        level: Some("红色".into()),
        unit: "区住房城乡建委".into(),
        task_number: Some("6".into()),
        task: "建成两溪花谷".into(),
        progress: Some("整治工程完成70%".into()),
        text: "整治工程进度滞后于序时，请加快推进。".into(),
        issued: "2023年4月3日".into(),
        due: Some("2023年4月20日".into()),
    };
    let opts = NoticeOptions {
        office: Some(OFFICE.into()),
        pattern: Some("某督办〔{year}〕{n}号".into()),
        issuing: issuing(),
        ..NoticeOptions::default()
    };
    for kind in [NoticeKind::Supervision, NoticeKind::Reminder] {
        n.kind = kind;
        let docx = notice_docx(&n, &opts)?;
        let doc = parse(&part(&docx, "word/document.xml")?)?;
        let ps = paras(&doc);
        assert_eq!(ps[0].text_of(), OFFICE);
        assert_eq!(ps[1].text_of(), kind.label_zh());
        let number = notice_number(&n, opts.pattern.as_deref());
        assert_eq!(number, "某督办〔2023〕7号");
        assert_eq!(ps[2].text_of(), number);
        assert_eq!(border(ps[2], "w:bottom"), Some(("12", "C00000")));
        let form = crate::ooxml::tables(&doc);
        assert_eq!(form.len(), 2, "the form and the 版记");
        let labels: Vec<&str> = form[0].iter().map(|r| r[0].as_str()).collect();
        let action = if kind == NoticeKind::Supervision {
            "督办事项"
        } else {
            "催办事项"
        };
        assert_eq!(
            labels,
            [
                "承办单位",
                "督办等级",
                "任务",
                "当前进展",
                action,
                "办结时限",
                "反馈要求"
            ]
        );
        assert_eq!(form[0][2][1], "第6项：建成两溪花谷");
        assert!(form[0][6][1].starts_with("请于2023年4月20日前"));
        for t in doc.all("w:tbl") {
            let grid: u32 = t
                .all("w:gridCol")
                .iter()
                .filter_map(|c| c.attr("w:w")?.parse::<u32>().ok())
                .sum();
            assert!(grid <= 8845, "a table of {grid} twips");
        }
        check_closing(&doc, "2023年4月3日")?;
    }
    Ok(())
}
