//! Issue 15 over HTTP: the office's 公文设置 (a pattern without {n} refused with the input
//! kept), the year-end report and bulletin printing them (read back from the .docx), and
//! the 督办单/催办单 downloads with stable 文号 and the unit's scope, on every backend.

use anyhow::{Context, Result, ensure};
use duban_store::{NewNotice, NoticeLevel, TaskId};
use reqwest::StatusCode;

use crate::helpers::{
    TestApp, UNIT_B, User, backends, post_form, post_form_full, seeded, task_ids,
};
use crate::oversight::zip_part;

/// The body of a .docx download, failing unless it answered 200 with a Word file.
async fn docx(app: &TestApp, u: &User, path: &str) -> Result<String> {
    let res = u.client.get(app.url(path)).send().await?;
    ensure!(
        res.status() == StatusCode::OK,
        "GET {path}: {}",
        res.status()
    );
    let ct = res.headers()["content-type"].to_str()?.to_string();
    ensure!(ct.contains("wordprocessingml"), "{path}: {ct}");
    let bytes = res.bytes().await?;
    zip_part(&bytes, "word/document.xml")
}

/// The year in China Standard Time now: notices are numbered in the year they are issued.
fn this_year() -> i32 {
    let cst = time::UtcOffset::from_hms(8, 0, 0).expect("offset");
    time::OffsetDateTime::now_utc().to_offset(cst).year()
}

const SETTINGS: [(&str, &str); 9] = [
    ("office", "区政府督查办"),
    ("report_pattern", "沙府督〔{year}〕{n}号"),
    ("bulletin_pattern", "沙督通〔{year}〕{n}号"),
    ("supervision_pattern", "沙督办〔{year}〕{n}号"),
    ("reminder_pattern", "沙催办[{year}]{n}号"),
    ("addressee", "区人民政府"),
    ("cc", "区委办公室\n区人大办公室"),
    ("contact", "张三"),
    ("phone", "023-65000000"),
];

#[tokio::test]
async fn the_offices_settings_reach_the_report_and_the_bulletin() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let admin = app.login("admin").await?;
        let (status, page) = crate::helpers::get(&app, &admin, "/admin/plan-settings").await?;
        ensure!(
            status == StatusCode::OK && page.contains("公文设置"),
            "{b:?}"
        );

        // No {n}: refused, the reason named, what was typed kept.
        let mut bad: Vec<(&str, &str)> = SETTINGS.to_vec();
        bad[3] = ("supervision_pattern", "沙督办〔{year}〕号");
        let (status, body) = post_form(&app, &admin, "/admin/plan-settings", &bad).await?;
        ensure!(status == StatusCode::BAD_REQUEST, "{b:?}: {status}");
        ensure!(
            body.contains("督办单发文字号") && body.contains("须含"),
            "{b:?}: the reason"
        );
        ensure!(
            body.contains("value=\"沙督办〔{year}〕号\"") && body.contains("value=\"张三\""),
            "{b:?}: the input kept"
        );
        let plan = app.store.plans().await?[0].id;
        ensure!(app.store.plan_settings(plan).await?.updated_by.is_none());

        let (status, location, _) =
            post_form_full(&app, &admin, "/admin/plan-settings", &SETTINGS).await?;
        ensure!(status == StatusCode::SEE_OTHER, "{b:?}: {status}");
        ensure!(
            location.ends_with("/admin/plan-settings?saved=1"),
            "{location}"
        );

        let xml = docx(&app, &admin, "/downloads/year-end-report.docx?n=12").await?;
        for want in [
            "沙府督〔2026〕12号",
            "区政府督查办",
            "区人民政府：",
            "抄送：区委办公室，区人大办公室。",
            "（联系人：张三，电话：023-65000000）",
        ] {
            ensure!(xml.contains(want), "{b:?}: report lacks {want}");
        }
        // Without the serial the office writes the number by hand: none is made up.
        let xml = docx(&app, &admin, "/downloads/year-end-report.docx").await?;
        ensure!(!xml.contains("沙府督〔"), "{b:?}: no number without n");
        let res = admin
            .client
            .get(app.url("/downloads/year-end-report.docx?n=abc"))
            .send()
            .await?;
        ensure!(res.status() == StatusCode::BAD_REQUEST, "{b:?}: bad serial");

        // The second round's bulletin is 第2期, numbered by it.
        let first = app
            .store
            .open_round(plan, "1月", "2026-01-31", "admin")
            .await?;
        app.store.close_round(first.id, "admin").await?;
        let second = app
            .store
            .open_round(plan, "2月", "2026-02-28", "admin")
            .await?;
        let leader = app.login("leader").await?;
        let xml = docx(
            &app,
            &leader,
            &format!("/downloads/bulletin.docx?round={}", second.id),
        )
        .await?;
        for want in [
            "第2期",
            "沙督通〔2026〕2号",
            "区政府督查办",
            "抄送：区委办公室，区人大办公室。",
            "（联系人：张三，电话：023-65000000）",
            // 考核: each unit's score in the ranking table, and the rule under it.
            "考核得分",
            "注：考核得分满分100分",
        ] {
            ensure!(xml.contains(want), "{b:?}: bulletin lacks {want}");
        }
        let xml = docx(
            &app,
            &leader,
            &format!("/downloads/bulletin.docx?round={}", first.id),
        )
        .await?;
        ensure!(
            xml.contains("第1期") && xml.contains("沙督通〔2026〕1号"),
            "{b:?}"
        );

        let actions: Vec<String> = app
            .store
            .audit_entries(50, None)
            .await?
            .into_iter()
            .map(|e| e.action)
            .collect();
        ensure!(actions.iter().filter(|a| *a == "plan.settings").count() == 1);
        app.finish().await;
    }
    Ok(())
}

#[tokio::test]
async fn notices_print_with_a_stable_number_to_their_unit_only() -> Result<()> {
    for b in backends() {
        let app = seeded(b).await?;
        let ids = task_ids(&app).await?;
        let unit_b = app.store.unit_by_name(UNIT_B).await?.context("unit B")?.id;
        let admin = app.login("admin").await?;
        post_form(&app, &admin, "/admin/plan-settings", &SETTINGS).await?;
        let new = NewNotice {
            task: TaskId(ids[1]),
            unit: unit_b,
            level: NoticeLevel::Yellow,
            deadline: "2099-01-31".into(),
            text: "请加快进口整车项目进度".into(),
        };
        let one = app.store.issue_notice(&new, "admin").await?;
        let two = app.store.issue_notice(&new, "admin").await?;
        let y = this_year();

        let unit = app.login("unit_b").await?;
        let path = format!("/notices/{}/supervision.docx", one.id);
        let xml = docx(&app, &unit, &path).await?;
        for want in [
            format!("沙督办〔{y}〕1号"),
            "督办单".to_string(),
            "区商务委".into(),
            "第2项：进口整车5000辆以上".into(),
            "请加快进口整车项目进度".into(),
            "2099年1月31日".into(),
            "黄色".into(),
            "区政府督查办".into(),
            "抄送：区委办公室，区人大办公室。".into(),
        ] {
            ensure!(xml.contains(&want), "{b:?}: 督办单 lacks {want}");
        }
        ensure!(
            docx(&app, &unit, &path).await? == xml,
            "{b:?}: same on re-download"
        );
        let xml2 = docx(
            &app,
            &admin,
            &format!("/notices/{}/supervision.docx", two.id),
        )
        .await?;
        ensure!(
            xml2.contains(&format!("沙督办〔{y}〕2号")),
            "{b:?}: the next number"
        );

        // Another unit: as absent as a missing notice.
        let other = app.login("unit_a").await?;
        let res = other.client.get(app.url(&path)).send().await?;
        ensure!(
            res.status() == StatusCode::NOT_FOUND,
            "{b:?}: {}",
            res.status()
        );

        // A 催办单: not before the office issued it; then numbered apart, citing the 督办单.
        let rpath = format!("/notices/{}/reminder.docx", two.id);
        let res = unit.client.get(app.url(&rpath)).send().await?;
        ensure!(
            res.status() == StatusCode::NOT_FOUND,
            "{b:?}: {}",
            res.status()
        );
        let xml = docx(&app, &admin, &rpath).await?;
        ensure!(
            xml.contains(&format!("沙催办〔{y}〕1号"))
                && xml.contains("催办单")
                && xml.contains(&format!("督办单（沙督办〔{y}〕2号）")),
            "{b:?}: 催办单"
        );
        let seen_by_unit = docx(&app, &unit, &rpath).await?;
        ensure!(seen_by_unit.contains(&format!("沙催办〔{y}〕1号")), "{b:?}");

        // An answered notice needs no 催办单.
        app.store
            .answer_notice(
                two.id,
                &duban_store::Scope::Unit(unit_b),
                "已加快",
                "unit_b",
            )
            .await?;
        let res = admin.client.get(app.url(&rpath)).send().await?;
        ensure!(
            res.status() == StatusCode::BAD_REQUEST,
            "{b:?}: {}",
            res.status()
        );

        // The notices page links both forms.
        let page = crate::helpers::get_text(&app, &admin, "/admin/notices").await?;
        ensure!(page.contains(&format!("/notices/{}/supervision.docx", one.id)));
        ensure!(page.contains(&format!("/notices/{}/reminder.docx", one.id)));
        let numbered = app
            .store
            .audit_entries(50, None)
            .await?
            .into_iter()
            .filter(|e| e.action == "notice.number")
            .count();
        ensure!(
            numbered == 3,
            "{b:?}: two 督办单 and one 催办单 numbered, {numbered}"
        );
        ensure!(app.store.audit_verify().await?.ok());
        app.finish().await;
    }
    Ok(())
}
