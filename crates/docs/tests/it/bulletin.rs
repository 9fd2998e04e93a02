use anyhow::{Context, Result};
use duban_docs::{BulletinData, BulletinOptions, UnitRow, bulletin};

use crate::fixtures::sample_bulletin;
use crate::ooxml::{Node, body_paragraphs, parse, part, tables};
use crate::report::num_after;

fn opts() -> BulletinOptions {
    BulletinOptions {
        office: Some("重庆市沙坪坝区人民政府督查办".into()),
        date: Some("2023年4月5日".into()),
        requirements: vec!["请逾期和未报送单位按时补报。".into()],
        ..BulletinOptions::default()
    }
}

#[test]
fn bulletin_totals_equal_the_sums_of_its_table() -> Result<()> {
    let data = sample_bulletin(12);
    let docx = bulletin(&data, &opts())?;
    let doc = parse(&part(&docx, "word/document.xml")?)?;
    let paras = body_paragraphs(&doc);
    assert_eq!(
        paras[1],
        "关于2023年区政府工作报告\n重点任务3月推进情况的通报"
    );
    let summary = paras
        .iter()
        .find(|p| p.starts_with("本轮共涉及"))
        .context("summary")?;
    let t = &tables(&doc)[0];
    assert_eq!(
        t[0],
        [
            "排名",
            "责任单位",
            "应报",
            "按时",
            "逾期",
            "未报",
            "退回",
            "按时率"
        ]
    );
    let col = |j: usize| -> usize {
        t[1..]
            .iter()
            .map(|r| r[j].parse::<usize>().unwrap_or(0))
            .sum()
    };
    assert_eq!(num_after(summary, "责任单位"), Some(t.len() - 1));
    assert_eq!(num_after(summary, "应报送"), Some(col(2)));
    assert_eq!(num_after(summary, "按时报送"), Some(col(3)));
    assert_eq!(num_after(summary, "逾期报送"), Some(col(4)));
    assert_eq!(num_after(summary, "未报送"), Some(col(5)));
    assert_eq!(num_after(summary, "退回修改"), Some(col(6)));
    // Ranks never go down the table, and the first is 1.
    let ranks: Vec<usize> = t[1..]
        .iter()
        .filter_map(|r| r[0].trim_start_matches("并列").parse().ok())
        .collect();
    assert_eq!(ranks[0], 1);
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]));
    assert!(paras.iter().any(|p| p.starts_with("三、滞后任务（3项）")));
    assert!(
        paras
            .iter()
            .any(|p| p.contains("督办〔2023〕3号：区住房城乡建委")
                && p.contains("限2023年4月20日前办结"))
    );
    assert!(paras.iter().any(|p| p == "五、下一步工作要求"));
    for r in doc.all("w:r") {
        let ea = r
            .child("w:rPr")
            .and_then(|p| p.child("w:rFonts"))
            .and_then(|f| f.attr("w:eastAsia"));
        assert!(
            ea.is_some_and(|e| !e.is_empty()),
            "run without eastAsia font"
        );
    }
    let sect = doc.all("w:sectPr");
    assert_eq!(sect.len(), 1);
    assert_eq!(
        sect[0].child("w:pgMar").and_then(|m| m.attr("w:top")),
        Some("2098")
    );
    Ok(())
}

#[test]
fn bulletin_embeds_a_native_bar_chart_with_cached_values() -> Result<()> {
    let data = sample_bulletin(12);
    let docx = bulletin(&data, &opts())?;
    let types = part(&docx, "[Content_Types].xml")?;
    assert!(types.contains(
        "PartName=\"/word/charts/chart1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.drawingml.chart+xml\""
    ));
    let rels = parse(&part(&docx, "word/_rels/document.xml.rels")?)?;
    let rel = rels
        .children_named("Relationship")
        .find(|r| r.attr("Target") == Some("charts/chart1.xml"))
        .context("chart relationship")?;
    assert!(rel.attr("Type").is_some_and(|t| t.ends_with("/chart")));
    let doc = parse(&part(&docx, "word/document.xml")?)?;
    let c = doc.all("c:chart");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].attr("r:id"), rel.attr("Id"));
    let ext = doc.all("wp:extent")[0];
    let cx: u64 = ext.attr("cx").context("cx")?.parse()?;
    assert!(cx <= 8845 * 635, "the chart fits the type area");

    let chart = parse(&part(&docx, "word/charts/chart1.xml")?)?;
    assert_eq!(chart.all("c:barDir")[0].attr("val"), Some("bar"));
    let series = chart.all("c:ser");
    assert_eq!(series.len(), 3);
    let cached = |s: &Node, tag: &str| -> Vec<String> {
        s.all(tag)
            .first()
            .map(|c| c.all("c:v").iter().map(|v| v.text.clone()).collect())
            .unwrap_or_default()
    };
    // Categories in ranking order, values equal to the table's columns.
    let ranked = data.ranking();
    let units: Vec<String> = ranked.iter().map(|r| r.row.unit.clone()).collect();
    assert_eq!(cached(series[0], "c:cat"), units);
    let on_time: Vec<String> = ranked.iter().map(|r| r.row.on_time.to_string()).collect();
    assert_eq!(cached(series[0], "c:val"), on_time);
    let missing: Vec<String> = ranked.iter().map(|r| r.row.missing.to_string()).collect();
    assert_eq!(cached(series[2], "c:val"), missing);
    Ok(())
}

#[test]
fn many_units_chart_the_worst_and_empty_rounds_still_render() -> Result<()> {
    let data = sample_bulletin(60);
    let o = BulletinOptions {
        chart_units: 10,
        ..opts()
    };
    let docx = bulletin(&data, &o)?;
    let chart = parse(&part(&docx, "word/charts/chart1.xml")?)?;
    let cats = chart.all("c:cat")[0].all("c:v").len();
    assert_eq!(cats, 10);
    let title: String = chart.all("a:t").iter().map(|t| t.text.clone()).collect();
    assert!(title.contains("10个单位"), "{title}");
    let doc = parse(&part(&docx, "word/document.xml")?)?;
    assert_eq!(
        tables(&doc)[0].len(),
        61,
        "the table still lists every unit"
    );

    let empty = BulletinData {
        plan: "计划".into(),
        round: "1月".into(),
        ..BulletinData::default()
    };
    let docx = bulletin(&empty, &BulletinOptions::default())?;
    let doc = parse(&part(&docx, "word/document.xml")?)?;
    let paras = body_paragraphs(&doc);
    assert!(
        paras
            .iter()
            .any(|p| p.contains("应报送0项") && p.contains("按时报送率—"))
    );
    assert!(paras.iter().any(|p| p == "本轮无滞后任务。"));
    assert!(doc.all("c:chart").is_empty());

    let odd = BulletinData {
        units: vec![UnitRow {
            unit: "<单位>&".into(),
            owed: 0,
            ..UnitRow::default()
        }],
        ..empty
    };
    let doc = parse(&part(
        &bulletin(&odd, &BulletinOptions::default())?,
        "word/document.xml",
    )?)?;
    assert_eq!(
        tables(&doc)[0][1][0..2],
        ["—".to_string(), "<单位>&".to_string()]
    );
    Ok(())
}

#[test]
fn the_unit_lists_add_up_to_the_units_counted() -> Result<()> {
    // 60 units: some all on time, some late or missing, some only returned.
    let data = sample_bulletin(60);
    let docx = bulletin(&data, &opts())?;
    let doc = parse(&part(&docx, "word/document.xml")?)?;
    let paras = body_paragraphs(&doc);
    let summary = paras
        .iter()
        .find(|p| p.starts_with("本轮共涉及"))
        .context("summary")?;
    let stated = num_after(summary, "本轮共涉及责任单位").context("units")?;
    assert_eq!(stated, data.units.len());
    // Each list heading states its size; the sizes add up, and each list names that many.
    let mut listed = 0;
    let mut kinds = 0;
    for (i, p) in paras.iter().enumerate() {
        let Some(rest) = ["（一）", "（二）", "（三）", "（四）"]
            .iter()
            .find_map(|n| p.strip_prefix(n))
        else {
            continue;
        };
        if !rest.contains("的单位（") {
            continue;
        }
        let n = num_after(rest, "的单位（").context("list size")?;
        let names = paras[i + 1].trim_end_matches('。');
        // Names are joined by 、 outside the parentheses.
        let mut depth = 0;
        let count = 1 + names
            .chars()
            .filter(|c| {
                match c {
                    '（' => depth += 1,
                    '）' => depth -= 1,
                    _ => {}
                }
                *c == '、' && depth == 0
            })
            .count();
        assert_eq!(count, n, "{rest}: {names}");
        assert!(summary.contains(&format!("{}{n}个", &rest[..rest.find('（').unwrap_or(0)])));
        listed += n;
        kinds += 1;
    }
    assert!(
        kinds >= 3,
        "on time, behind and returned-only units all occur"
    );
    assert_eq!(listed, stated);
    Ok(())
}

#[test]
fn tables_fit_the_type_area_and_lagging_tasks_carry_numbers_by_kind() -> Result<()> {
    let data = sample_bulletin(12);
    let docx = bulletin(&data, &opts())?;
    let doc = parse(&part(&docx, "word/document.xml")?)?;
    for t in doc.all("w:tbl") {
        let grid: u32 = t
            .all("w:gridCol")
            .iter()
            .filter_map(|c| c.attr("w:w")?.parse::<u32>().ok())
            .sum();
        let declared: u32 = t.all("w:tblW")[0].attr("w:w").context("tblW")?.parse()?;
        assert_eq!(grid, declared);
        assert!(
            grid <= 8845,
            "table of {grid} twips is wider than the 156 mm type area"
        );
    }
    let paras = body_paragraphs(&doc);
    let t = tables(&doc);
    // 未报送 and 自评滞后 are separate lists, each a table with the task numbers.
    assert!(
        paras
            .iter()
            .any(|p| p == "（一）牵头单位未报送进展的任务（1项）")
    );
    assert!(
        paras
            .iter()
            .any(|p| p == "（二）牵头单位自评滞后的任务（2项）")
    );
    let unsubmitted = &t[1];
    assert_eq!(
        unsubmitted[0],
        ["序号", "任务编号", "牵头单位", "具体任务", "情况"]
    );
    assert_eq!(
        unsubmitted[1][1..],
        ["11", "区发展改革委", "民间投资占比60%以上", "未报送"]
    );
    let reported = &t[2];
    assert_eq!(reported.len(), 3);
    assert_eq!(
        (reported[1][1].as_str(), reported[2][1].as_str()),
        ("6", "9")
    );
    assert!(reported[1..].iter().all(|r| r[4].starts_with("自评")));
    Ok(())
}

#[test]
fn the_chart_carries_an_embedded_workbook_with_its_data() -> Result<()> {
    let data = sample_bulletin(5);
    let docx = bulletin(&data, &opts())?;
    let chart = part(&docx, "word/charts/chart1.xml")?;
    let chart_doc = parse(&chart)?;
    let ext = chart_doc.all("c:externalData");
    assert_eq!(ext.len(), 1);
    let rels = parse(&part(&docx, "word/charts/_rels/chart1.xml.rels")?)?;
    let rel = rels
        .children_named("Relationship")
        .find(|r| r.attr("Id") == ext[0].attr("r:id"))
        .context("workbook relationship")?;
    assert!(rel.attr("Type").is_some_and(|t| t.ends_with("/package")));
    assert_eq!(rel.attr("Target"), Some("../embeddings/chart1.xlsx"));
    let types = part(&docx, "[Content_Types].xml")?;
    assert!(types.contains("Extension=\"xlsx\""));
    // The workbook holds what the chart's formulas name: categories in A, series from B.
    let names = crate::ooxml::part_names(&docx)?;
    assert!(names.iter().any(|n| n == "word/embeddings/chart1.xlsx"));
    let wb = {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&docx))?;
        let mut f = zip.by_name("word/embeddings/chart1.xlsx")?;
        let mut v = Vec::new();
        f.read_to_end(&mut v)?;
        v
    };
    let sheet = parse(&part(&wb, "xl/worksheets/sheet1.xml")?)?;
    let strings = parse(&part(&wb, "xl/sharedStrings.xml")?)?;
    let shared: Vec<String> = strings
        .all("si")
        .iter()
        .map(|s| s.all("t")[0].text.clone())
        .collect();
    let cell = |r: &str| -> Option<String> {
        let c = sheet
            .all("c")
            .into_iter()
            .find(|c| c.attr("r") == Some(r))?;
        let v = c.all("v").first()?.text.clone();
        Some(if c.attr("t") == Some("s") {
            shared.get(v.parse::<usize>().ok()?)?.clone()
        } else {
            v
        })
    };
    let ranked = data.ranking();
    assert_eq!(cell("B1").as_deref(), Some("按时报送"));
    assert_eq!(cell("D1").as_deref(), Some("未报送"));
    for (i, r) in ranked.iter().enumerate() {
        assert_eq!(cell(&format!("A{}", i + 2)), Some(r.row.unit.clone()));
        assert_eq!(
            cell(&format!("B{}", i + 2)),
            Some(r.row.on_time.to_string())
        );
        assert_eq!(
            cell(&format!("D{}", i + 2)),
            Some(r.row.missing.to_string())
        );
    }
    // Same data, same bytes.
    assert_eq!(docx, bulletin(&data, &opts())?);
    Ok(())
}

/// Page 1 is not left half empty: the summary is followed by the ranking table (whose rows
/// flow on to page 2), and the chart, taller than what page 1 has left, comes after it.
#[test]
fn the_ranking_table_follows_the_summary_and_the_chart_follows_the_table() -> Result<()> {
    let docx = bulletin(&sample_bulletin(12), &opts())?;
    let xml = part(&docx, "word/document.xml")?;
    let summary = xml.find("本轮共涉及").context("summary")?;
    let heading = xml.find("二、各单位报送情况").context("heading")?;
    let table = xml.find("<w:tbl>").context("ranking table")?;
    let chart = xml.find("<w:drawing>").context("chart")?;
    assert!(summary < heading && heading < table && table < chart);
    // Nothing but the heading between the summary and the table: no chart in between.
    assert!(!xml[summary..table].contains("<w:drawing>"));
    Ok(())
}

#[test]
fn scores_and_shared_places_are_printed_with_their_rule() -> Result<()> {
    let mut data = sample_bulletin(6);
    // Without scores the table keeps its eight columns.
    let doc = parse(&part(&bulletin(&data, &opts())?, "word/document.xml")?)?;
    assert_eq!(tables(&doc)[0][0].len(), 8);
    for (i, u) in data.units.iter_mut().enumerate() {
        u.score = Some(format!("{}.5", 90 - i));
    }
    data.score_rule = Some("满分100分：按时报送40分、未被退回20分、已报任务达标40分。".into());
    let doc = parse(&part(&bulletin(&data, &opts())?, "word/document.xml")?)?;
    let t = &tables(&doc)[0];
    assert_eq!(t[0].len(), 9);
    assert_eq!(t[0][8], "考核得分");
    // Each unit's score sits on its own row, whatever the ranking's order.
    for u in &data.units {
        let row = t.iter().find(|r| r[1] == u.unit).context("unit row")?;
        assert_eq!(Some(row[8].as_str()), u.score.as_deref());
    }
    let paras = body_paragraphs(&doc);
    assert!(
        paras.iter().any(|p| p.starts_with("注：考核得分满分100分")),
        "the rule is printed under the table"
    );
    // Equal rates and counts share a place, labelled as on every page.
    let mut tied = sample_bulletin(2);
    tied.units[1] = UnitRow {
        unit: "乙单位".into(),
        ..tied.units[0].clone()
    };
    let doc = parse(&part(&bulletin(&tied, &opts())?, "word/document.xml")?)?;
    let t = &tables(&doc)[0];
    assert_eq!((t[1][0].as_str(), t[2][0].as_str()), ("并列1", "并列1"));
    Ok(())
}
