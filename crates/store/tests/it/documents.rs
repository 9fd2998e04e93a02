//! Issue 15 in the store: a plan's document settings, the 文号 of 督办单/催办单 (sequential,
//! stable, unique under concurrency) and the batched fields of the task export.

use std::collections::HashSet;

use anyhow::{Result, anyhow, ensure};
use duban_model::{Ledger, SourceFormat, Task, UnitRef};
use duban_store::{
    NewNotice, NoticeDocKind, NoticeLevel, PlanSettings, Scope, StoreError, TaskFilter,
};

use crate::support::{Ctx, on_each_backend, sample_ledger, sha};

#[tokio::test]
async fn settings_start_from_the_source_office_and_refuse_a_pattern_without_a_serial() -> Result<()>
{
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let mut ledger = sample_ledger();
        ledger.issuer = Some("重庆市沙坪坝区人民政府督查办".into());
        let plan = s
            .import_ledger("2022年", &ledger, "a.txt", &sha(1), "admin")
            .await?;
        let first = s.plan_settings(plan).await?;
        ensure!(first.office.as_deref() == Some("重庆市沙坪坝区人民政府督查办"));
        ensure!(first.updated_by.is_none() && first.report_pattern.is_none());
        // The plan's ledger carries it too, so the documents name the office by default.
        ensure!(s.plan_ledger(plan).await?.issuer == first.office);

        let bad = PlanSettings {
            supervision_pattern: Some("沙督办〔{year}〕号".into()),
            ..first.clone()
        };
        let e = s.save_plan_settings(plan, bad, "admin").await;
        ensure!(
            matches!(&e, Err(StoreError::Invalid(m)) if m.contains("督办单发文字号") && m.contains("{n}")),
            "{e:?}"
        );
        ensure!(s.plan_settings(plan).await?.updated_by.is_none(), "nothing saved");

        let saved = s
            .save_plan_settings(
                plan,
                PlanSettings {
                    office: Some(" 区政府督查办 ".into()),
                    report_pattern: Some("沙府督〔{year}〕{n}号".into()),
                    addressee: Some("区政府".into()),
                    cc: vec!["区委办公室\n区人大办公室".into()],
                    contact: Some("张三".into()),
                    phone: Some("023-65000000".into()),
                    ..PlanSettings::default()
                },
                "admin",
            )
            .await?;
        ensure!(saved.office.as_deref() == Some("区政府督查办"));
        ensure!(saved.cc == ["区委办公室", "区人大办公室"]);
        ensure!(saved.updated_by.as_deref() == Some("admin"));
        ensure!(s.plan_settings(plan).await? == saved);
        let audit = s.audit_entries(10, None).await?;
        let e = audit
            .iter()
            .find(|e| e.action == "plan.settings")
            .ok_or_else(|| anyhow!("settings not audited"))?;
        ensure!(e.after_json.as_deref().is_some_and(|a| a.contains("沙府督")));
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn notice_numbers_are_given_once_in_order_and_never_twice() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let plan = s
            .import_ledger("2022年", &sample_ledger(), "a.txt", &sha(1), "admin")
            .await?;
        let (tasks, _) = s
            .list_tasks(plan, &TaskFilter::default(), &Scope::All)
            .await?;
        let kj = s
            .unit_by_name("区科技局")
            .await?
            .ok_or_else(|| anyhow!("no unit"))?
            .id;
        let new = NewNotice {
            task: tasks[0].id,
            unit: kj,
            level: NoticeLevel::Blue,
            deadline: "2022-03-31".into(),
            text: "请报送进展".into(),
        };
        let issue = || s.issue_notice(&new, "admin");
        let a = issue().await?;
        let b = issue().await?;
        // The 督办单's number is given at issue: 1 and 2; asking again gives the same.
        let na = s
            .notice_doc_number(a.id, NoticeDocKind::Supervision, "x")
            .await?;
        let nb = s
            .notice_doc_number(b.id, NoticeDocKind::Supervision, "x")
            .await?;
        ensure!((na.serial, nb.serial) == (1, 2), "{na:?} {nb:?}");
        ensure!(na.year >= 2026);
        let issued: Vec<_> = s
            .audit_entries(50, None)
            .await?
            .into_iter()
            .filter(|e| e.action == "notice.number")
            .collect();
        ensure!(issued.len() == 2 && issued.iter().all(|e| e.actor == "admin"));

        // 催办单 count apart from 督办单; many first downloads at once, two per notice.
        let mut more = vec![a.id, b.id];
        for _ in 0..6 {
            more.push(issue().await?.id);
        }
        let second = ctx.second_handle().await?;
        let mut jobs = Vec::new();
        for (i, id) in more.iter().chain(more.iter()).enumerate() {
            let store = if i % 2 == 0 {
                s.clone()
            } else {
                second.clone()
            };
            let id = *id;
            jobs.push(tokio::spawn(async move {
                store
                    .notice_doc_number(id, NoticeDocKind::Reminder, "admin")
                    .await
                    .map(|n| (id, n))
            }));
        }
        let mut got = Vec::new();
        for j in jobs {
            got.push(j.await??);
        }
        let per_notice: HashSet<_> = got.iter().map(|(id, n)| (*id, n.serial)).collect();
        ensure!(
            per_notice.len() == more.len(),
            "one number per notice: {got:?}"
        );
        let serials: HashSet<u32> = per_notice.iter().map(|(_, n)| *n).collect();
        let want: HashSet<u32> = (1..=u32::try_from(more.len())?).collect();
        ensure!(serials == want, "{serials:?}");
        // Issue-time 督办单 numbers went on from 2 while the reminders were numbered.
        let last = s
            .notice_doc_number(more[7], NoticeDocKind::Supervision, "x")
            .await?;
        ensure!(last.serial == 8, "{last:?}");
        ensure!(s.audit_verify().await?.ok());
        second.close().await;
        Ok(())
    })
    .await
}

/// A plan of `n` tasks, each with its own leader and progress.
fn many(n: u32) -> Ledger {
    let mut l = Ledger::new("many.txt", SourceFormat::Txt);
    l.title = Some("关于2024年重点任务的报告".into());
    for i in 1..=n {
        let mut t = Task::new(1, i, format!("任务{i}：建成项目{i}个"));
        t.lead_units = vec![UnitRef::new(format!("单位{}", i % 7))];
        t.leader = (i % 3 != 0).then(|| format!("领导{}", i % 5));
        t.progress = format!("已建成{}个。", i / 2);
        l.tasks.push(t);
    }
    l
}

#[tokio::test]
async fn the_export_fields_of_many_tasks_equal_each_tasks_detail() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let plan = s
            .import_ledger("2024年", &many(1200), "m.txt", &sha(7), "admin")
            .await?;
        // Some tasks read an accepted report instead of the imported progress.
        ctx.raw(format!(
            "UPDATE tasks SET evidence_text = '报告：已完成' || id WHERE plan_id = {} AND position % 4 = 0",
            plan.0
        ))
        .await?;
        let unit = s
            .unit_by_name("单位3")
            .await?
            .ok_or_else(|| anyhow!("no unit"))?
            .id;
        for scope in [Scope::All, Scope::Unit(unit)] {
            let notes = s.task_notes(plan, &scope).await?;
            let mut filter = TaskFilter {
                limit: 500,
                ..TaskFilter::default()
            };
            let mut seen = 0;
            loop {
                let (page, _) = s.list_tasks(plan, &filter, &scope).await?;
                for t in &page {
                    let d = s
                        .task(t.id, &scope)
                        .await?
                        .ok_or_else(|| anyhow!("task {} gone", t.id.0))?;
                    let n = notes
                        .get(&t.id)
                        .ok_or_else(|| anyhow!("task {} not in the notes", t.id.0))?;
                    ensure!(n.leader == d.leader, "leader of {}", t.id.0);
                    ensure!(n.evidence == d.evidence_narrative(), "evidence of {}", t.id.0);
                }
                seen += page.len();
                if page.len() < 500 {
                    break;
                }
                filter.offset += 500;
            }
            ensure!(notes.len() == seen, "{} notes for {seen} tasks", notes.len());
        }
        ensure!(s.task_notes(plan, &Scope::All).await?.len() == 1200);
        let unit3 = (1..=1200).filter(|i| i % 7 == 3).count();
        ensure!(s.task_notes(plan, &Scope::Unit(unit)).await?.len() == unit3);
        Ok(())
    })
    .await
}
