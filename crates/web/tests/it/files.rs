//! Evidence files on reports (upload, listing, scope-checked download, refusals that write
//! nothing) and close-out (apply with files, refuse, approve, the task leaving later rounds,
//! reopen), over HTTP on both backends.

use anyhow::{Context, Result, ensure};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::helpers::{
    Backend, TestApp, User, backends, get, get_text, post_form, seeded_with, task_ids,
};

/// A small but real PDF.
pub fn pdf(extra: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    b.extend(std::iter::repeat_n(b' ', extra));
    b.extend_from_slice(b"\n%%EOF\n");
    b
}

/// Posts a multipart form (the CSRF token, text fields, files named `files`).
pub async fn post_files(
    app: &TestApp,
    u: &User,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, Vec<u8>)],
) -> Result<(StatusCode, String)> {
    let mut form = Form::new().text("csrf", u.csrf.clone());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (name, bytes) in files {
        form = form.part(
            "files",
            Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    let res = u.client.post(app.url(path)).multipart(form).send().await?;
    let status = res.status();
    Ok((status, res.text().await?))
}

pub(crate) async fn count(app: &TestApp, table: &str) -> Result<i64> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
    Ok(if app.database_url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(&app.database_url).await?;
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await?;
        pool.close().await;
        n
    } else {
        let pool = sqlx::PgPool::connect(&app.database_url).await?;
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await?;
        pool.close().await;
        n
    })
}

/// The first `/files/{id}` link on a page.
fn first_file_link(html: &str) -> Option<String> {
    let start = html.find("href=\"/files/")? + "href=\"".len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

async fn open_round(app: &TestApp, name: &str, due: &str) -> Result<i64> {
    let plan = app.store.plans().await?[0].id;
    Ok(app.store.open_round(plan, name, due, "test").await?.id.0)
}

const SMALL_LIMIT: u64 = 64 * 1024;

async fn small_limit_app(b: Backend) -> Result<TestApp> {
    seeded_with(b, |c| c.max_file_bytes = SMALL_LIMIT).await
}

#[tokio::test]
async fn report_files_are_listed_served_to_their_unit_and_refused_when_bad() -> Result<()> {
    for b in backends() {
        let app = small_limit_app(b).await?;
        let ids = task_ids(&app).await?;
        let task = ids[2];
        let round = open_round(&app, "2026年1月", "2099-01-31").await?;
        let unit_b = app.login("unit_b").await?;
        let form = format!("/rounds/{round}/tasks/{task}/report");
        let upload = format!("{form}/files");

        // No report yet: the upload asks for a saved draft first and writes nothing.
        let (s, body) = post_files(&app, &unit_b, &upload, &[], &[("进度.pdf", pdf(10))]).await?;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b:?}");
        assert!(body.contains("请先保存本轮报告草稿"), "{body}");
        let (s, _) = post_form(
            &app,
            &unit_b,
            &form,
            &[("narrative", "会展中心主体完工。"), ("action", "save")],
        )
        .await?;
        assert_eq!(s, StatusCode::SEE_OTHER);

        let content = pdf(100);
        let (s, _) = post_files(
            &app,
            &unit_b,
            &upload,
            &[],
            &[("会展中心验收报告.pdf", content.clone())],
        )
        .await?;
        assert_eq!(s, StatusCode::SEE_OTHER, "{b:?}");
        let page = get_text(&app, &unit_b, &form).await?;
        assert!(page.contains("会展中心验收报告.pdf"), "listed by name");
        assert!(page.contains("152 字节"), "listed with its size");
        assert!(page.contains("<td>unit_b</td>"), "and its uploader");
        let link = first_file_link(&page).context("a download link")?;

        // The unit, the office and leaders download it; another unit gets 404.
        let res = unit_b.client.get(app.url(&link)).send().await?;
        assert_eq!(res.status(), StatusCode::OK);
        let h = res.headers().clone();
        assert_eq!(h["content-type"], "application/pdf");
        assert_eq!(h["x-content-type-options"], "nosniff");
        let cd = h["content-disposition"].to_str()?;
        assert!(cd.starts_with("attachment;"), "{cd}");
        assert!(
            cd.contains("filename*=UTF-8''%E4%BC%9A%E5%B1%95"),
            "the real name, encoded: {cd}"
        );
        assert_eq!(res.bytes().await?.to_vec(), content);
        for who in ["admin", "leader"] {
            let u = app.login(who).await?;
            assert_eq!(get(&app, &u, &link).await?.0, StatusCode::OK, "{who}");
        }
        let unit_a = app.login("unit_a").await?;
        assert_eq!(get(&app, &unit_a, &link).await?.0, StatusCode::NOT_FOUND);
        // Unit A does not see unit B's files on the task page of a task they share.
        let shared = ids[1];
        let admin = app.login("admin").await?;
        let task_page = get_text(&app, &admin, &format!("/tasks/{task}")).await?;
        assert!(task_page.contains("会展中心验收报告.pdf"));

        // Refusals name the file and write nothing.
        let (blobs, files) = (
            count(&app, "file_blobs").await?,
            count(&app, "attachments").await?,
        );
        let mut exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
        exe.extend(vec![0u8; 512]);
        let (s, body) = post_files(
            &app,
            &unit_b,
            &upload,
            &[],
            &[("好文件.pdf", pdf(5)), ("整改报告.pdf", exe)],
        )
        .await?;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(
            body.contains("整改报告.pdf") && body.contains("可执行程序"),
            "{body}"
        );
        let (s, body) = post_files(
            &app,
            &unit_b,
            &upload,
            &[],
            &[("现场照片.pdf", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec())],
        )
        .await?;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("扩展名与内容不符"), "{body}");
        let big = pdf(SMALL_LIMIT as usize + 1);
        let (s, body) = post_files(&app, &unit_b, &upload, &[], &[("大文件.pdf", big)]).await?;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(
            body.contains("大文件.pdf") && body.contains("超过上限 64 KB"),
            "{body}"
        );
        ensure!(count(&app, "file_blobs").await? == blobs);
        ensure!(count(&app, "attachments").await? == files);

        // Unit A cannot upload to unit B's report, nor to a task it only cooperates on.
        let (s, _) = post_files(&app, &unit_a, &upload, &[], &[("a.pdf", pdf(1))]).await?;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = post_files(
            &app,
            &unit_a,
            &format!("/rounds/{round}/tasks/{shared}/report/files"),
            &[],
            &[("a.pdf", pdf(1))],
        )
        .await?;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        // The office sees what the files take.
        let storage = get_text(&app, &admin, "/admin/files").await?;
        assert!(storage.contains("共 <b>1</b> 份附件"), "{storage}");
        assert!(storage.contains("会展中心验收报告.pdf"));

        // Submitted: no more files.
        let (s, _) = post_form(
            &app,
            &unit_b,
            &form,
            &[
                ("narrative", "会展中心主体完工。"),
                ("self_status", "done"),
                ("action", "submit"),
                ("version", "1"),
            ],
        )
        .await?;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, body) = post_files(&app, &unit_b, &upload, &[], &[("b.pdf", pdf(2))]).await?;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("报告已报送"), "{body}");
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_closed_out_task_leaves_later_rounds_until_reopened() -> Result<()> {
    for b in backends() {
        let app = small_limit_app(b).await?;
        let ids = task_ids(&app).await?;
        let task = ids[2];
        let unit_b = app.login("unit_b").await?;
        let admin = app.login("admin").await?;
        let apply = format!("/tasks/{task}/closeout");

        // Refused input writes nothing: no narrative; a disguised file.
        let (s, body) = post_files(&app, &unit_b, &apply, &[("narrative", " ")], &[]).await?;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("办结情况说明"), "{body}");
        let (s, body) = post_files(
            &app,
            &unit_b,
            &apply,
            &[("narrative", "会展中心已建成投用。")],
            &[("验收.pdf", b"\x7fELF\x02\x01\x01".to_vec())],
        )
        .await?;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("验收.pdf"), "{body}");
        ensure!(count(&app, "closeouts").await? == 0);
        ensure!(count(&app, "attachments").await? == 0);
        // Only the lead unit applies: a leader and the office are refused, another unit
        // does not see the task.
        let leader = app.login("leader").await?;
        let (s, _) = post_files(&app, &leader, &apply, &[("narrative", "x")], &[]).await?;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let unit_a = app.login("unit_a").await?;
        let (s, _) = post_files(&app, &unit_a, &apply, &[("narrative", "x")], &[]).await?;
        assert_eq!(s, StatusCode::NOT_FOUND);

        let (s, _) = post_files(
            &app,
            &unit_b,
            &apply,
            &[("narrative", "会展中心已建成投用。")],
            &[("竣工验收.pdf", pdf(20))],
        )
        .await?;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let id = app
            .store
            .closeouts(&Default::default(), &duban_store::Scope::All)
            .await?
            .first()
            .map(|c| c.id)
            .context("an application")?;
        let page = get_text(&app, &admin, &format!("/tasks/{task}")).await?;
        assert!(page.contains("会展中心已建成投用。") && page.contains("竣工验收.pdf"));
        let queue = get_text(&app, &admin, "/admin/closeouts").await?;
        assert!(queue.contains("会展中心已建成投用。"));
        let own = get_text(&app, &unit_b, &format!("/tasks/{task}")).await?;
        assert!(
            !own.contains("id=\"closeout-form\""),
            "one application at a time"
        );

        // A refusal needs a reason; then the unit applies again and the office approves.
        let decide = format!("/admin/closeouts/{id}/decide");
        let (s, body) = post_form(&app, &admin, &decide, &[("decision", "refuse")]).await?;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("不同意办结必须填写理由"), "{body}");
        let (s, _) = post_form(
            &app,
            &admin,
            &decide,
            &[("decision", "refuse"), ("note", "缺少验收意见")],
        )
        .await?;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let own = get_text(&app, &unit_b, &format!("/tasks/{task}")).await?;
        assert!(own.contains("缺少验收意见") && own.contains("id=\"closeout-form\""));
        let (s, _) = post_files(
            &app,
            &unit_b,
            &apply,
            &[("narrative", "已补充验收意见。")],
            &[("验收意见.pdf", pdf(30))],
        )
        .await?;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let id2 = app
            .store
            .closeouts(&Default::default(), &duban_store::Scope::All)
            .await?
            .first()
            .map(|c| c.id)
            .context("a second application")?;
        let (s, _) = post_form(
            &app,
            &admin,
            &format!("/admin/closeouts/{id2}/decide"),
            &[("decision", "approve")],
        )
        .await?;
        assert_eq!(s, StatusCode::SEE_OTHER);

        // Closed: the date on the task page, the API and the list; the light is its own.
        let today = crate::helpers::cst_date_in(0);
        let page = get_text(&app, &unit_b, &format!("/tasks/{task}")).await?;
        assert!(
            page.contains(&format!("已办结</span> {today}")),
            "closing date shown"
        );
        assert!(
            page.contains(&format!("已办结：{today}销号")),
            "closed light"
        );
        let v: serde_json::Value = unit_b
            .client
            .get(app.url(&format!("/api/tasks/{task}")))
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(v["closed_on"], today.as_str());
        let notes = get_text(&app, &unit_b, "/notifications").await?;
        assert!(notes.contains("办结申请已销号"), "the unit is told");
        // And in the ledger the office downloads.
        let xlsx = admin
            .client
            .get(app.url("/downloads/ledger.xlsx"))
            .send()
            .await?
            .bytes()
            .await?;
        let strings = crate::oversight::zip_part(&xlsx, "xl/sharedStrings.xml")?;
        assert!(
            strings.contains("办结销号") && strings.contains(&today),
            "closing date in the ledger"
        );

        // A round opened now does not owe the closed task; the other task still is owed.
        let round = open_round(&app, "2026年2月", "2099-02-28").await?;
        let my = get_text(&app, &unit_b, &format!("/my?round={round}")).await?;
        assert!(!my.contains("建成会展中心"), "closed task not owed");
        assert!(my.contains("进口整车5000辆以上"));
        let pending = app
            .store
            .pending_reports(duban_store::RoundId(round))
            .await?;
        assert!(pending.iter().all(|p| p.task_id.0 != task), "not chased");
        assert!(pending.iter().any(|p| p.task_id.0 == ids[1]));
        // No second application on a closed task.
        let (s, body) =
            post_files(&app, &unit_b, &apply, &[("narrative", "再次申请")], &[]).await?;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("已于"), "{body}");

        // Reopen needs a reason; then the task is owed again.
        let reopen = format!("/admin/tasks/{task}/reopen");
        let (s, _) = post_form(&app, &admin, &reopen, &[("reason", "")]).await?;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = post_form(&app, &admin, &reopen, &[("reason", "验收发现问题需整改")]).await?;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let my = get_text(&app, &unit_b, &format!("/my?round={round}")).await?;
        assert!(my.contains("建成会展中心"), "reopened task owed again");
        let page = get_text(&app, &admin, &format!("/tasks/{task}")).await?;
        assert!(page.contains("验收发现问题需整改"));
        let audit = app.store.audit_verify().await?;
        ensure!(audit.ok());
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn files_go_on_notice_answers_and_extension_requests() -> Result<()> {
    use duban_store::{NewExtension, NewNotice, NoticeLevel, TaskId};
    for b in backends() {
        let app = small_limit_app(b).await?;
        let ids = task_ids(&app).await?;
        let task = ids[2];
        let unit = app
            .store
            .unit_by_name(crate::helpers::UNIT_B)
            .await?
            .context("unit B")?
            .id;
        let notice = app
            .store
            .issue_notice(
                &NewNotice {
                    task: TaskId(task),
                    unit,
                    level: NoticeLevel::Blue,
                    deadline: "2099-01-31".into(),
                    text: "请报送整改情况".into(),
                },
                "admin",
            )
            .await?;
        let ext = app
            .store
            .request_extension(
                &NewExtension {
                    task: TaskId(task),
                    round: None,
                    unit,
                    requested_date: "2099-06-30".into(),
                    reason: "审批未完成".into(),
                },
                "unit_b",
            )
            .await?;
        let unit_b = app.login("unit_b").await?;
        let unit_a = app.login("unit_a").await?;
        let to_notice = format!("/notices/{}/files", notice.id);
        let to_ext = format!("/extensions/{}/files", ext.id);
        for path in [&to_notice, &to_ext] {
            let (s, _) = post_files(&app, &unit_a, path, &[], &[("a.pdf", pdf(1))]).await?;
            assert_eq!(s, StatusCode::NOT_FOUND, "{path}: another unit");
            let (s, body) =
                post_files(&app, &unit_b, path, &[], &[("a.pdf", b"MZ".to_vec())]).await?;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: an executable");
            assert!(body.contains("a.pdf"), "{body}");
        }
        ensure!(count(&app, "attachments").await? == 0);
        let (s, _) =
            post_files(&app, &unit_b, &to_notice, &[], &[("整改照片.pdf", pdf(3))]).await?;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, _) = post_files(&app, &unit_b, &to_ext, &[], &[("审批进度.pdf", pdf(4))]).await?;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let admin = app.login("admin").await?;
        let page = get_text(&app, &admin, &format!("/tasks/{task}")).await?;
        assert!(page.contains("整改照片.pdf") && page.contains("审批进度.pdf"));
        assert!(page.contains("督办单答复 · 区商务委") && page.contains("延期申请 · 区商务委"));
        // Decided: the request takes no more files.
        app.store
            .decide_extension(ext.id, true, "", "admin")
            .await?;
        let (s, body) = post_files(&app, &unit_b, &to_ext, &[], &[("b.pdf", pdf(5))]).await?;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("延期申请已审批"), "{body}");
        app.finish().await;
    }
    Ok(())
}
