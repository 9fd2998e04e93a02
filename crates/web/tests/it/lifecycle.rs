//! A task's whole life over HTTP, through the real forms with their CSRF tokens, on both
//! backends: the office creates a task and splits it between two lead units; 交办; each
//! lead unit signs (签收); a round opens and each unit reports with an evidence file; the
//! office accepts; a leader writes a 批示 and the unit answers 落实情况; the lead unit
//! applies for 办结 with a file and the office approves; the next round does not owe the
//! closed task, does not chase it, its light is the closed one and its closing date shows.
//! Along the way the refusals the issue names: a disguised or oversized file, a milestone
//! after the deadline, a split child without a lead unit — each a Chinese message that
//! writes nothing.

use anyhow::{Context, Result, ensure};
use reqwest::StatusCode;

use crate::files::{count, pdf, post_files};
use crate::helpers::{
    Backend, TestApp, UNIT_A, UNIT_B, User, backends, cst_date_in, get_text, post_form, seeded_with,
};
use crate::task_admin::create_task;

const LIMIT: u64 = 64 * 1024;

#[tokio::test]
async fn a_task_from_creation_to_close_out() -> Result<()> {
    for b in backends() {
        run(b).await.with_context(|| format!("on {b:?}"))?;
    }
    Ok(())
}

/// Every id that follows `prefix` in the page ("/admin/reports/" → the report ids linked).
fn ids_after(html: &str, prefix: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = html
        .match_indices(prefix)
        .filter_map(|(i, _)| {
            let rest = &html[i + prefix.len()..];
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            rest[..end].parse().ok()
        })
        .collect();
    ids.dedup();
    ids
}

/// What a refusal must leave as it was.
async fn footprint(app: &TestApp) -> Result<[i64; 5]> {
    Ok([
        count(app, "tasks").await?,
        count(app, "attachments").await?,
        count(app, "file_blobs").await?,
        count(app, "task_milestones").await?,
        app.store.audit_entries(100_000, None).await?.len() as i64,
    ])
}

/// Opens a round through the office's form; returns its id (the newest on the page).
async fn open_round(app: &TestApp, admin: &User, name: &str, due: &str) -> Result<i64> {
    let (s, _) = post_form(
        app,
        admin,
        "/admin/rounds",
        &[("name", name), ("due_date", due)],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "open round {name}: {s}");
    let page = get_text(app, admin, "/admin/rounds").await?;
    ids_after(&page, "/admin/rounds/")
        .into_iter()
        .max()
        .context("the round is listed")
}

/// The version the report form carries (what the next save or submit must name).
async fn form_version(app: &TestApp, u: &User, form: &str) -> Result<String> {
    let page = get_text(app, u, form).await?;
    let marker = "name=\"version\" value=\"";
    let at = page.find(marker).context("the form's version")? + marker.len();
    Ok(page[at..].split('"').next().unwrap_or_default().to_string())
}

/// A unit saves its report (over a draft, if it has one), attaches `file`, and submits.
async fn report_with_file(
    app: &TestApp,
    u: &User,
    round: i64,
    task: i64,
    narrative: &str,
    file: (&str, Vec<u8>),
) -> Result<()> {
    let form = format!("/rounds/{round}/tasks/{task}/report");
    let version = form_version(app, u, &form).await?;
    let (s, body) = post_form(
        app,
        u,
        &form,
        &[
            ("narrative", narrative),
            ("action", "save"),
            ("version", &version),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "save {task}: {s} {body}");
    let (s, body) = post_files(app, u, &format!("{form}/files"), &[], &[file]).await?;
    ensure!(s == StatusCode::SEE_OTHER, "attach {task}: {s} {body}");
    let version = form_version(app, u, &form).await?;
    let (s, body) = post_form(
        app,
        u,
        &form,
        &[
            ("narrative", narrative),
            ("self_status", "on_schedule"),
            ("action", "submit"),
            ("version", &version),
        ],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "submit {task}: {s} {body}");
    Ok(())
}

async fn run(b: Backend) -> Result<()> {
    let app = seeded_with(b, |c| c.max_file_bytes = LIMIT).await?;
    let admin = app.login("admin").await?;
    let leader = app.login("leader").await?;
    let unit_a = app.login("unit_a").await?;
    let unit_b = app.login("unit_b").await?;

    // --- 立项 -------------------------------------------------------------------------------
    let parent = create_task(&app, &admin, "新建充电桩5000个", UNIT_A, "").await?;

    // A milestone after the deadline (2026年12月底) is refused and writes nothing.
    let before = footprint(&app).await?;
    let milestones = format!("/admin/tasks/{parent}/milestones");
    let (s, body) = post_form(
        &app,
        &admin,
        &milestones,
        &[("due_date", "2027-03-31"), ("stage", "建成投用")],
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY && body.contains("晚于任务完成时限"),
        "a milestone after the deadline: {s}"
    );
    ensure!(footprint(&app).await? == before, "nothing written");

    // --- 分解: a child that loses its lead unit is refused; then two lead units ----------------
    let split = format!("/admin/tasks/{parent}/split");
    let (s, body) = post_form(
        &app,
        &admin,
        &split,
        &[(
            "children",
            &format!("新建充电桩3000个 | {UNIT_A}\n新建充电桩2000个 | "),
        )],
    )
    .await?;
    ensure!(
        s == StatusCode::BAD_REQUEST && body.contains("第2项子任务：至少要有一个牵头单位"),
        "a child without a lead unit: {s}"
    );
    ensure!(footprint(&app).await? == before, "nothing written");
    let (s, body) = post_form(
        &app,
        &admin,
        &split,
        &[(
            "children",
            &format!("新建充电桩3000个 | {UNIT_A}\n新建充电桩2000个 | {UNIT_B}"),
        )],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "split: {s} {body}");
    let parent_page = get_text(&app, &admin, &format!("/tasks/{parent}")).await?;
    ensure!(
        parent_page.contains("由2项子任务汇总"),
        "the parent aggregates"
    );
    let children = app.store.subtasks(duban_store::TaskId(parent)).await?;
    ensure!(children.len() == 2, "two sub-tasks");
    let (c_a, c_b) = (children[0].0.0, children[1].0.0);

    // --- 交办 and 签收 -----------------------------------------------------------------------
    let (s, _) = post_form(&app, &admin, "/admin/handover", &[]).await?;
    ensure!(s == StatusCode::SEE_OTHER, "hand over: {s}");
    for (u, task, other) in [(&unit_a, c_a, &unit_b), (&unit_b, c_b, &unit_a)] {
        let ack = format!("/tasks/{task}/acknowledge");
        let (s, _) = post_form(&app, other, &ack, &[]).await?;
        ensure!(s == StatusCode::NOT_FOUND, "another unit cannot sign: {s}");
        let (s, body) = post_form(&app, u, &ack, &[]).await?;
        ensure!(s == StatusCode::SEE_OTHER, "sign {task}: {s} {body}");
        let page = get_text(&app, &admin, &format!("/tasks/{task}")).await?;
        ensure!(page.contains("data-acknowledged=\"yes\""), "signed {task}");
    }

    // --- A round; reports with evidence; bad files refused -----------------------------------
    let round1 = open_round(&app, &admin, "2026年第三季度", &cst_date_in(30)).await?;
    let upload_b = format!("/rounds/{round1}/tasks/{c_b}/report/files");
    let (s, _) = post_form(
        &app,
        &unit_b,
        &format!("/rounds/{round1}/tasks/{c_b}/report"),
        &[("narrative", "已建成充电桩1200个。"), ("action", "save")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "draft: {s}");
    let before = footprint(&app).await?;
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec();
    exe.extend(vec![0u8; 256]);
    let (s, body) = post_files(&app, &unit_b, &upload_b, &[], &[("验收报告.pdf", exe)]).await?;
    ensure!(
        s == StatusCode::BAD_REQUEST
            && body.contains("验收报告.pdf")
            && body.contains("可执行程序"),
        "an .exe renamed .pdf: {s}"
    );
    let (s, body) = post_files(
        &app,
        &unit_b,
        &upload_b,
        &[],
        &[("现场照片汇总.pdf", pdf(LIMIT as usize + 1))],
    )
    .await?;
    ensure!(
        s == StatusCode::BAD_REQUEST
            && body.contains("现场照片汇总.pdf")
            && body.contains("超过上限 64 KB"),
        "an oversized file: {s}"
    );
    ensure!(footprint(&app).await? == before, "nothing written");

    let evidence_a = pdf(300);
    report_with_file(
        &app,
        &unit_a,
        round1,
        c_a,
        "已建成充电桩1800个，序时推进。",
        ("充电桩台账.pdf", evidence_a.clone()),
    )
    .await?;
    report_with_file(
        &app,
        &unit_b,
        round1,
        c_b,
        "已建成充电桩1200个，序时推进。",
        ("充电桩验收单.pdf", pdf(400)),
    )
    .await?;
    // The evidence is served to the office as it was sent.
    let page = get_text(&app, &admin, &format!("/tasks/{c_a}")).await?;
    let file = ids_after(&page, "/files/")
        .into_iter()
        .next()
        .context("a file link on the task page")?;
    let res = admin
        .client
        .get(app.url(&format!("/files/{file}")))
        .send()
        .await?;
    ensure!(res.status() == StatusCode::OK, "download: {}", res.status());
    ensure!(res.bytes().await?.to_vec() == evidence_a, "same bytes");

    // --- The office accepts ------------------------------------------------------------------
    let review = get_text(&app, &admin, &format!("/admin/rounds/{round1}/review")).await?;
    let reports = ids_after(&review, "/admin/reports/");
    ensure!(reports.len() == 2, "two reports to review: {reports:?}");
    for r in reports {
        let (s, body) = post_form(&app, &admin, &format!("/admin/reports/{r}/accept"), &[]).await?;
        ensure!(s == StatusCode::SEE_OTHER, "accept {r}: {s} {body}");
    }
    let page = get_text(
        &app,
        &unit_b,
        &format!("/rounds/{round1}/tasks/{c_b}/report"),
    )
    .await?;
    ensure!(page.contains("已通过"), "the unit sees its report accepted");

    // --- 领导批示 and 落实情况 ----------------------------------------------------------------
    let (s, _) = post_form(
        &app,
        &unit_b,
        &format!("/tasks/{c_b}/instructions"),
        &[("text", "x")],
    )
    .await?;
    ensure!(
        s == StatusCode::FORBIDDEN,
        "a unit does not write 批示: {s}"
    );
    let (s, body) = post_form(
        &app,
        &leader,
        &format!("/tasks/{c_b}/instructions"),
        &[("text", "充电桩要在年底前全部建成并投入使用。")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "批示: {s} {body}");
    let notes = get_text(&app, &unit_b, "/notifications").await?;
    ensure!(notes.contains("领导批示"), "the lead unit is told");
    let page = get_text(&app, &unit_b, &format!("/tasks/{c_b}")).await?;
    let instruction = ids_after(&page, "/instructions/")
        .into_iter()
        .next()
        .context("an answer form")?;
    let (s, body) = post_form(
        &app,
        &unit_b,
        &format!("/instructions/{instruction}/answer"),
        &[("text", "已倒排工期，11月底前完成剩余800个。")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "落实情况: {s} {body}");
    let page = get_text(&app, &admin, &format!("/tasks/{c_b}")).await?;
    ensure!(
        page.contains("充电桩要在年底前全部建成并投入使用。")
            && page.contains("已倒排工期，11月底前完成剩余800个。"),
        "批示 and answer on the task page"
    );

    // --- 办结销号 ------------------------------------------------------------------------------
    let (s, body) = post_files(
        &app,
        &unit_b,
        &format!("/tasks/{c_b}/closeout"),
        &[("narrative", "2000个充电桩全部建成投用，已通过验收。")],
        &[("竣工验收证书.pdf", pdf(500))],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "apply: {s} {body}");
    let queue = get_text(&app, &admin, "/admin/closeouts").await?;
    let closeout = ids_after(&queue, "/admin/closeouts/")
        .into_iter()
        .next()
        .context("the application in the queue")?;
    let (s, body) = post_form(
        &app,
        &unit_b,
        &format!("/admin/closeouts/{closeout}/decide"),
        &[("decision", "approve")],
    )
    .await?;
    ensure!(
        s == StatusCode::FORBIDDEN,
        "a unit cannot approve: {s} {body}"
    );
    let (s, body) = post_form(
        &app,
        &admin,
        &format!("/admin/closeouts/{closeout}/decide"),
        &[("decision", "approve"), ("note", "")],
    )
    .await?;
    ensure!(s == StatusCode::SEE_OTHER, "approve: {s} {body}");

    // --- After: the next round neither owes nor chases it; its light and date -----------------
    let (s, _) = post_form(&app, &admin, &format!("/admin/rounds/{round1}/close"), &[]).await?;
    ensure!(s == StatusCode::SEE_OTHER, "close round 1: {s}");
    let round2 = open_round(&app, &admin, "2026年第四季度", &cst_date_in(60)).await?;
    ensure!(round2 != round1, "a new round");
    let my = get_text(&app, &unit_b, &format!("/my?round={round2}")).await?;
    ensure!(
        !my.contains("新建充电桩2000个"),
        "the closed task is not owed"
    );
    ensure!(
        my.contains("进口整车5000辆以上"),
        "B's other tasks still are"
    );
    let my = get_text(&app, &unit_a, &format!("/my?round={round2}")).await?;
    ensure!(my.contains("新建充电桩3000个"), "the open sibling still is");
    let pending = app
        .store
        .pending_reports(duban_store::RoundId(round2))
        .await?;
    ensure!(
        pending.iter().all(|p| p.task_id.0 != c_b),
        "not among the reports chased"
    );
    ensure!(
        pending.iter().any(|p| p.task_id.0 == c_a),
        "the open sibling is chased"
    );
    let (s, body) = post_form(
        &app,
        &unit_b,
        &format!("/rounds/{round2}/tasks/{c_b}/report"),
        &[("narrative", "补报。"), ("action", "save")],
    )
    .await?;
    ensure!(
        s == StatusCode::UNPROCESSABLE_ENTITY
            && body.contains(&format!("该任务已于{}办结销号", cst_date_in(0))),
        "no report is taken for a closed task: {s}"
    );

    let today = cst_date_in(0);
    let page = get_text(&app, &unit_b, &format!("/tasks/{c_b}")).await?;
    ensure!(
        page.contains(&format!("已办结</span> {today}")),
        "the closing date on the task page"
    );
    ensure!(
        page.contains(&format!("已办结：{today}销号")) && !page.contains("light-red"),
        "its light is the closed one, not red"
    );
    let list = get_text(&app, &admin, "/tasks").await?;
    ensure!(list.contains("新建充电桩2000个"), "still listed");
    ensure!(
        app.store.audit_verify().await?.first_broken.is_none(),
        "audit chain"
    );
    app.finish().await;
    Ok(())
}

/// With a files directory (`--files-dir`), an upload is stored there by its SHA-256 and
/// served from it; a file removed or altered behind the service's back is answered with a
/// Chinese message naming it, not served and not a crash.
#[tokio::test]
async fn evidence_kept_in_a_files_directory() -> Result<()> {
    for b in backends() {
        let files = tempfile::tempdir()?;
        let root = files.path().to_path_buf();
        let app = seeded_with(b, |c| c.files_dir = Some(root.clone())).await?;
        let unit_b = app.login("unit_b").await?;
        let admin = app.login("admin").await?;
        let task = crate::helpers::task_ids(&app).await?[2];
        let round = open_round(&app, &admin, "2026年第三季度", &cst_date_in(30)).await?;
        let content = pdf(700);
        report_with_file(
            &app,
            &unit_b,
            round,
            task,
            "会展中心主体已完工。",
            ("主体验收.pdf", content.clone()),
        )
        .await
        .with_context(|| format!("{b:?}"))?;
        let sha = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&content))
        };
        let stored = root.join(&sha[..2]).join(&sha[2..4]).join(&sha);
        ensure!(std::fs::read(&stored)? == content, "stored by its hash");
        ensure!(
            count(&app, "file_blobs WHERE in_dir = 1").await? == 1,
            "the database lists it"
        );
        let page = get_text(&app, &admin, &format!("/tasks/{task}")).await?;
        let file = ids_after(&page, "/files/")
            .into_iter()
            .next()
            .context("a file link")?;
        let link = format!("/files/{file}");
        let res = admin.client.get(app.url(&link)).send().await?;
        ensure!(res.status() == StatusCode::OK);
        ensure!(
            res.bytes().await?.to_vec() == content,
            "served from the directory"
        );

        std::fs::write(&stored, b"%PDF-1.4 changed")?;
        let res = admin.client.get(app.url(&link)).send().await?;
        let status = res.status();
        let body = res.text().await?;
        ensure!(
            status == StatusCode::CONFLICT
                && body.contains("主体验收.pdf")
                && body.contains("已被改动"),
            "an altered file: {status} {body}"
        );
        std::fs::remove_file(&stored)?;
        let res = admin.client.get(app.url(&link)).send().await?;
        let status = res.status();
        let body = res.text().await?;
        ensure!(
            status == StatusCode::CONFLICT && body.contains("文件内容缺失"),
            "a missing file: {status} {body}"
        );
        app.finish().await;
    }
    Ok(())
}
