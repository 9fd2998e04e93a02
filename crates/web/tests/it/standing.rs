//! A task's standing follows the reports the office accepts, and every reader shows the same
//! verdict with the same evidence: the task page, the JSON API and its `verdict` filter, the
//! overview counts, the light, the year-end .docx and the ledger .xlsx (read back by
//! python-docx/openpyxl where installed). Then the office's override is the last word, and a
//! reopened report hands the standing back to the evidence before it.

use std::process::Command;

use anyhow::{Context, Result, ensure};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    Backend, TestApp, User, backends, cst_date_in, get_text, post_form, seeded, task_ids,
};
use crate::oversight::zip_part;

async fn get_json(app: &TestApp, u: &User, path: &str) -> Result<Value> {
    let res = u.client.get(app.url(path)).send().await?;
    ensure!(
        res.status() == StatusCode::OK,
        "GET {path}: {}",
        res.status()
    );
    Ok(res.json().await?)
}

async fn get_bytes(app: &TestApp, u: &User, path: &str) -> Result<Vec<u8>> {
    let res = u.client.get(app.url(path)).send().await?;
    ensure!(
        res.status() == StatusCode::OK,
        "GET {path}: {}",
        res.status()
    );
    Ok(res.bytes().await?.to_vec())
}

/// The unit writes and submits its report through the form; returns the report's review path.
async fn submit(
    app: &TestApp,
    unit: &User,
    round: i64,
    task: i64,
    narrative: &str,
    fig: &str,
    status: &str,
) -> Result<String> {
    let form = format!("/rounds/{round}/tasks/{task}/report");
    let (s, body) = post_form(
        app,
        unit,
        &form,
        &[
            ("narrative", narrative),
            ("self_status", status),
            ("delay_reason", "受市场需求影响"),
            ("fig0", fig),
            ("version", ""),
            ("action", "submit"),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "submit: {s} {body}");
    let r = app
        .store
        .task_reports(duban_store::TaskId(task), &duban_store::Scope::All)
        .await?
        .into_iter()
        .find(|r| r.round_id.0 == round)
        .context("the report")?;
    Ok(format!("/admin/reports/{}", r.id))
}

/// What every reader says about one task.
struct Seen {
    api_verdict: String,
    api_source: String,
    span: String,
    in_not_met_filter: bool,
    not_met_count: i64,
    page: String,
    docx: String,
    xlsx: String,
    docx_bytes: Vec<u8>,
    xlsx_bytes: Vec<u8>,
}

async fn look(app: &TestApp, admin: &User, task: i64) -> Result<Seen> {
    let d = get_json(app, admin, &format!("/api/tasks/{task}")).await?;
    let span = d["targets"][0]["evidence"]["text"]
        .as_str()
        .unwrap_or("")
        .to_string();
    // The span is a real slice of the evidence text the API names.
    if let (Some(start), Some(end)) = (
        d["targets"][0]["evidence"]["start"].as_u64(),
        d["targets"][0]["evidence"]["end"].as_u64(),
    ) {
        let text: String = d["evidence_text"]
            .as_str()
            .unwrap_or("")
            .chars()
            .skip(start as usize)
            .take((end - start) as usize)
            .collect();
        ensure!(
            text == span,
            "span {span:?} is not evidence_text[{start}..{end}] = {text:?}"
        );
    }
    let list = get_json(app, admin, "/api/tasks?verdict=not_met").await?;
    let in_not_met_filter = list["tasks"]
        .as_array()
        .context("tasks")?
        .iter()
        .any(|t| t["id"].as_i64() == Some(task));
    let o = get_json(app, admin, "/api/overview").await?;
    let docx_bytes = get_bytes(app, admin, "/downloads/year-end-report.docx").await?;
    let xlsx_bytes = get_bytes(app, admin, "/downloads/ledger.xlsx").await?;
    Ok(Seen {
        api_verdict: d["verdict"].as_str().unwrap_or("").into(),
        api_source: d["verdict_source"].as_str().unwrap_or("").into(),
        span,
        in_not_met_filter,
        not_met_count: o["counts"]["not_met"].as_i64().unwrap_or(-1),
        page: get_text(app, admin, &format!("/tasks/{task}")).await?,
        docx: zip_part(&docx_bytes, "word/document.xml")?,
        xlsx: zip_part(&xlsx_bytes, "xl/sharedStrings.xml")?,
        docx_bytes,
        xlsx_bytes,
    })
}

/// Reads the documents back with python-docx and openpyxl (the independent readers CI
/// installs): the task's row in the year-end report's attachments and in the ledger sheet.
/// Returns `None` where those readers are not installed.
fn python_read_back(
    docx: &[u8],
    xlsx: &[u8],
    task_text: &str,
) -> Result<Option<(String, String, String)>> {
    let ok = Command::new("python3")
        .args(["-c", "import docx, openpyxl"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("note: python-docx/openpyxl not installed; independent read-back skipped");
        return Ok(None);
    }
    let dir = tempfile::tempdir()?;
    let d = dir.path().join("report.docx");
    let x = dir.path().join("ledger.xlsx");
    std::fs::write(&d, docx)?;
    std::fs::write(&x, xlsx)?;
    // Prints the heading of the attachment table holding the task, then the ledger row.
    let script = r#"
import sys, docx, openpyxl
task = sys.argv[3]
doc = docx.Document(sys.argv[1])
titles = [p.text for p in doc.paragraphs if '重点工作任务' in p.text and '情况表' in p.text]
where = ''
for i, table in enumerate(doc.tables):
    for row in table.rows:
        if any(task in c.text for c in row.cells):
            where = titles[i] if i < len(titles) else 'table%d' % i
            where += ' | ' + ' / '.join(c.text for c in row.cells)
print(where)
wb = openpyxl.load_workbook(sys.argv[2])
ws = wb.worksheets[0]
line = ''
evidence = ''
col = None
for row in ws.iter_rows(values_only=True):
    if col is None and '证据' in row:
        col = row.index('证据')
    if any(isinstance(v, str) and task in v for v in row):
        line = ' / '.join('' if v is None else str(v) for v in row)
        evidence = '' if col is None or row[col] is None else str(row[col])
print(line)
print(evidence)
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&d)
        .arg(&x)
        .arg(task_text)
        .output()?;
    ensure!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)?;
    let mut lines = text.lines();
    Ok(Some((
        lines.next().unwrap_or("").to_string(),
        lines.next().unwrap_or("").to_string(),
        lines.next().unwrap_or("").to_string(),
    )))
}

#[tokio::test]
async fn the_standing_follows_accepted_reports_everywhere() -> Result<()> {
    for b in backends() {
        run(b).await.with_context(|| format!("on {b:?}"))?;
    }
    Ok(())
}

async fn run(b: Backend) -> Result<()> {
    let app = seeded(b).await?;
    let ids = task_ids(&app).await?;
    // Task 1 ("技术合同登记额增长15%", led by unit A) was judged met at import.
    let task = ids[0];
    const TASK: &str = "技术合同登记额增长15%";
    let admin = app.login("admin").await?;
    let unit_a = app.login("unit_a").await?;
    let before = look(&app, &admin, task).await?;
    ensure!(before.api_verdict == "met" && !before.in_not_met_filter);
    let not_met_at_import = before.not_met_count;

    // Two rounds; in the first the unit reports the target reached, and the office accepts.
    for (name, due) in [
        ("2026年9月", cst_date_in(1)),
        ("2026年10月", cst_date_in(2)),
    ] {
        let (s, _) = post_form(
            &app,
            &admin,
            "/admin/rounds",
            &[("name", name), ("due_date", &due)],
        )
        .await?;
        ensure!(s == StatusCode::SEE_OTHER, "open {name}: {s}");
    }
    let plan = app.store.plans().await?[0].id;
    let rounds = app.store.rounds(plan).await?;
    let r9 = rounds
        .iter()
        .find(|r| r.name == "2026年9月")
        .context("r9")?
        .id
        .0;
    let r10 = rounds
        .iter()
        .find(|r| r.name == "2026年10月")
        .context("r10")?
        .id
        .0;
    let first = submit(
        &app,
        &unit_a,
        r9,
        task,
        "1-9月技术合同登记额同比增长16.5%。",
        "16.5",
        "done",
    )
    .await?;
    let (s, _) = post_form(&app, &admin, &format!("{first}/accept"), &[]).await?;
    ensure!(s == StatusCode::SEE_OTHER, "accept 9月: {s}");
    let seen = look(&app, &admin, task).await?;
    ensure!(seen.api_verdict == "met" && seen.api_source == "machine");
    ensure!(
        seen.page.contains("机器判断，依据2026年9月报告"),
        "source on the page"
    );

    // The October report is below target.
    let below = "1-10月技术合同登记额同比增长9.5%，低于预期。";
    let second = submit(&app, &unit_a, r10, task, below, "9.5", "lagging").await?;
    let review = get_text(&app, &admin, &second).await?;
    ensure!(
        review.contains("通过后结论将由 已完成 变为 未完成"),
        "the review page says what accepting changes"
    );
    let (s, _) = post_form(&app, &admin, &format!("{second}/accept"), &[]).await?;
    ensure!(s == StatusCode::SEE_OTHER, "accept 10月: {s}");

    let seen = look(&app, &admin, task).await?;
    ensure!(seen.api_verdict == "not_met", "API: {}", seen.api_verdict);
    // October speaks for 1-10月, before the year-end deadline: judged as part-year, behind.
    let d = get_json(&app, &admin, &format!("/api/tasks/{task}")).await?;
    ensure!(
        d["as_of"] == "2026-10-31" && d["schedule"] == "lagging",
        "{} {}",
        d["as_of"],
        d["schedule"]
    );
    ensure!(
        seen.page.contains("id=\"schedule\"") && seen.page.contains("滞后"),
        "schedule on the page"
    );
    ensure!(seen.api_source == "machine");
    ensure!(seen.span.contains("9.5%"), "span: {}", seen.span);
    ensure!(seen.in_not_met_filter, "?verdict=not_met lists it");
    ensure!(
        seen.not_met_count == not_met_at_import + 1,
        "overview counts it"
    );
    ensure!(
        seen.page.contains("badge big v-not_met"),
        "结论 on the page"
    );
    ensure!(
        seen.page.contains("机器判断，依据2026年10月报告"),
        "source on the page"
    );
    ensure!(
        seen.page.contains(&format!(">{}</mark>", seen.span)),
        "the span is marked in the evidence text"
    );
    ensure!(seen.page.contains("light-red"), "the light turns red");
    ensure!(seen.page.contains("报告审核通过"), "the standing's history");
    ensure!(
        seen.docx.contains(below) && seen.docx.contains("未完成既定目标"),
        "docx"
    );
    // Written before the plan's year is out, the report says as of when (the plan is 2026's).
    let before_year_end = cst_date_in(0).as_str() < "2026-12-31";
    ensure!(
        seen.docx.contains("进展情况的报告") == before_year_end
            && seen.docx.contains("截至") == before_year_end,
        "a part-year report says 截至"
    );
    ensure!(
        seen.xlsx.contains(below) && seen.xlsx.contains("9.5%"),
        "xlsx evidence"
    );
    if let Some((doc_row, sheet_row, evidence)) =
        python_read_back(&seen.docx_bytes, &seen.xlsx_bytes, TASK)?
    {
        ensure!(
            evidence.ends_with(&format!("：{}", seen.span)),
            "openpyxl 证据 {evidence:?} is the API's span {:?}",
            seen.span
        );
        ensure!(
            doc_row
                .split(" | ")
                .next()
                .unwrap_or("")
                .contains("未完成既定目标"),
            "python-docx: {doc_row}"
        );
        ensure!(doc_row.contains("9.5%"), "python-docx: {doc_row}");
        ensure!(
            sheet_row.contains("未完成") && sheet_row.contains("9.5%"),
            "openpyxl: {sheet_row}"
        );
        ensure!(
            !sheet_row.contains("已达成"),
            "判定说明 agrees with 完成情况: {sheet_row}"
        );
    }

    // The office overrides: the last word, with its reason, everywhere.
    let (s, _) = post_form(
        &app,
        &admin,
        &format!("/admin/tasks/{task}/verdict"),
        &[
            ("verdict", "met"),
            ("reason", "经现场核查，全年口径已达标"),
            ("back", ""),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "override: {s}");
    let seen = look(&app, &admin, task).await?;
    ensure!(seen.api_verdict == "met" && seen.api_source == "override");
    ensure!(!seen.in_not_met_filter && seen.not_met_count == not_met_at_import);
    ensure!(seen.page.contains("督查办改判") && seen.page.contains("经现场核查，全年口径已达标"));
    ensure!(seen.docx.contains("已完成既定目标") && seen.docx.contains(TASK));
    ensure!(
        seen.xlsx.contains("经现场核查，全年口径已达标"),
        "xlsx carries the reason"
    );
    if let Some((doc_row, sheet_row, _)) =
        python_read_back(&seen.docx_bytes, &seen.xlsx_bytes, TASK)?
    {
        ensure!(
            doc_row
                .split(" | ")
                .next()
                .unwrap_or("")
                .contains("已完成既定目标"),
            "python-docx: {doc_row}"
        );
        ensure!(sheet_row.contains("经现场核查"), "openpyxl: {sheet_row}");
    }

    // The office reopens the October report: the standing returns to September's evidence,
    // and the override made on October's report goes with it.
    let (s, _) = post_form(
        &app,
        &admin,
        &format!("{second}/reopen"),
        &[("reason", "数据口径需更正")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "reopen: {s}");
    let seen = look(&app, &admin, task).await?;
    ensure!(
        seen.api_verdict == "met" && seen.api_source == "machine",
        "{} {}",
        seen.api_verdict,
        seen.api_source
    );
    ensure!(seen.span.contains("16.5%"), "span: {}", seen.span);
    ensure!(seen.page.contains("机器判断，依据2026年9月报告"));
    ensure!(seen.page.contains("报告重新开放"));
    ensure!(seen.docx.contains("16.5%") && !seen.docx.contains(below));

    // One task with its report history in one JSON request, as the task page shows them.
    let d = get_json(
        &app,
        &admin,
        &format!("/api/tasks/{task}?include=reports,history"),
    )
    .await?;
    ensure!(
        d["reports"].as_array().map(Vec::len) == Some(2),
        "{}",
        d["reports"]
    );
    let events: Vec<&str> = d["standing_history"]
        .as_array()
        .context("history")?
        .iter()
        .filter_map(|h| h["event"].as_str())
        .collect();
    ensure!(
        events == ["accept", "accept", "override", "reopen"],
        "{events:?}"
    );
    let bad = admin
        .client
        .get(app.url(&format!("/api/tasks/{task}?include=journals")))
        .send()
        .await?;
    ensure!(bad.status() == StatusCode::BAD_REQUEST);

    // Every move was audited in its own transaction; the chain still verifies.
    let report = app.store.audit_verify().await?;
    ensure!(report.ok(), "audit chain");
    app.finish().await;
    Ok(())
}
