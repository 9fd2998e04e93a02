//! Supervision notices, extension requests and cooperating units' contributions.

use anyhow::{Result, anyhow, bail, ensure};
use duban_store::{
    ExtensionFilter, ExtensionStatus, NewExtension, NewNotice, NoticeLevel, NoticeStatus, PlanId,
    Scope, Store, StoreError, TaskFilter, TaskId, UnitId, due_deadline,
};
use time::OffsetDateTime;

use crate::support::{Ctx, on_each_backend, sample_ledger, sha};

struct Fixture {
    plan: PlanId,
    /// 技术交易合同登记额增长15%: lead 区科技局, coop 区商务委.
    task: TaskId,
    kj: UnitId,
    sw: UnitId,
    rs: UnitId,
}

async fn setup(s: &Store) -> Result<Fixture> {
    let plan = s
        .import_ledger("2022年", &sample_ledger(), "a.txt", &sha(1), "admin")
        .await?;
    let (tasks, _) = s
        .list_tasks(plan, &TaskFilter::default(), &Scope::All)
        .await?;
    let unit = |name: &'static str| async move {
        s.unit_by_name(name)
            .await?
            .map(|u| u.id)
            .ok_or_else(|| anyhow!("no unit {name}"))
    };
    Ok(Fixture {
        plan,
        task: tasks[0].id,
        kj: unit("区科技局").await?,
        sw: unit("区商务委").await?,
        rs: unit("区人社局").await?,
    })
}

fn at(unix: i64) -> Result<OffsetDateTime> {
    Ok(OffsetDateTime::from_unix_timestamp(unix)?)
}

#[tokio::test]
async fn notices_are_issued_answered_escalated_and_closed() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let f = setup(s).await?;
        let new = |unit, level, deadline: &str| NewNotice {
            task: f.task,
            unit,
            level,
            deadline: deadline.into(),
            text: "请于期限内报送技术交易合同登记额进展".into(),
        };
        // Only units on the task; a date, a text.
        ensure!(matches!(
            s.issue_notice(&new(f.rs, NoticeLevel::Blue, "2022-03-31"), "admin")
                .await,
            Err(StoreError::Invalid(_))
        ));
        ensure!(matches!(
            s.issue_notice(&new(f.kj, NoticeLevel::Blue, "3月底"), "admin")
                .await,
            Err(StoreError::Invalid(_))
        ));
        let a = s
            .issue_notice(&new(f.kj, NoticeLevel::Blue, "2022-03-31"), "admin")
            .await?;
        ensure!(a.status == NoticeStatus::Open && a.level == NoticeLevel::Blue);
        ensure!(a.unit_name == "区科技局" && a.task_text.contains("技术交易"));
        let b = s
            .issue_notice(&new(f.sw, NoticeLevel::Yellow, "2022-03-31"), "admin")
            .await?;

        // Scope: each unit sees its own notice only.
        ensure!(s.task_notices(f.task, &Scope::All).await?.len() == 2);
        let mine = s.task_notices(f.task, &Scope::Unit(f.kj)).await?;
        ensure!(mine.len() == 1 && mine[0].id == a.id);
        ensure!(s.notice(b.id, &Scope::Unit(f.kj)).await?.is_none());
        ensure!(matches!(
            s.answer_notice(b.id, &Scope::Unit(f.kj), "不是我的", "kj")
                .await,
            Err(StoreError::NotFound(_))
        ));

        // Escalation: nothing before the deadline day ends (China time), one step after,
        // another after each further period; running it twice changes nothing more.
        let end = due_deadline("2022-03-31").ok_or_else(|| anyhow!("date"))?;
        ensure!(s.escalate_notices(at(end)?, 3, "system").await?.is_empty());
        let raised = s.escalate_notices(at(end + 60)?, 3, "system").await?;
        ensure!(raised.len() == 2, "{raised:?}");
        let levels = |id| async move {
            Ok::<_, anyhow::Error>(
                s.notice(id, &Scope::All)
                    .await?
                    .ok_or_else(|| anyhow!("gone"))?
                    .level,
            )
        };
        ensure!(levels(a.id).await? == NoticeLevel::Yellow);
        ensure!(levels(b.id).await? == NoticeLevel::Red);
        ensure!(
            s.escalate_notices(at(end + 60)?, 3, "system")
                .await?
                .is_empty()
        );
        ensure!(s.overdue_notices(at(end + 60)?).await?.len() == 2);
        let counts = s.notice_counts(f.plan, at(end + 60)?).await?;
        ensure!(counts.open == 2 && counts.overdue == 2 && counts.red == 1 && counts.yellow == 1);

        // The unit answers: no longer escalated nor overdue.
        ensure!(
            s.answer_notice(a.id, &Scope::Unit(f.kj), "  ", "kj")
                .await
                .is_err()
        );
        let answered = s
            .answer_notice(a.id, &Scope::Unit(f.kj), "已完成登记额12.5亿元", "kj")
            .await?;
        ensure!(answered.status == NoticeStatus::Answered);
        ensure!(answered.answered_by.as_deref() == Some("kj") && answered.answered_at.is_some());
        ensure!(
            s.escalate_notices(at(end + 10 * 86_400)?, 3, "system")
                .await?
                .is_empty()
        );
        ensure!(s.overdue_notices(at(end + 60)?).await?.len() == 1);

        // The office closes out; closed notices leave the open lists and cannot be answered.
        ensure!(s.close_notice(a.id, "", "admin").await.is_err());
        let closed = s.close_notice(a.id, "答复属实，办结", "admin").await?;
        ensure!(closed.status == NoticeStatus::Closed && closed.close_note.is_some());
        ensure!(matches!(
            s.answer_notice(a.id, &Scope::Unit(f.kj), "补充", "kj")
                .await,
            Err(StoreError::Invalid(_))
        ));
        ensure!(matches!(
            s.close_notice(a.id, "再次", "admin").await,
            Err(StoreError::Invalid(_))
        ));
        let open = s.open_notices(f.plan).await?;
        ensure!(open.len() == 1 && open[0].id == b.id);
        ensure!(s.unit_notices(f.kj, true).await?.is_empty());
        ensure!(s.unit_notices(f.kj, false).await?.len() == 1);

        let actions: Vec<String> = s
            .audit_entries(100, None)
            .await?
            .into_iter()
            .map(|e| e.action)
            .collect();
        for a in [
            "notice.issue",
            "notice.answer",
            "notice.close",
            "notice.escalate",
        ] {
            ensure!(
                actions.iter().any(|x| x == a),
                "{a} not audited: {actions:?}"
            );
        }
        ensure!(actions.iter().filter(|a| *a == "notice.escalate").count() == 2);
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn extension_requests_are_approved_or_refused_once() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let f = setup(s).await?;
        let round = s.open_round(f.plan, "1月", "2022-01-31", "admin").await?;
        let ask = |unit, round, date: &str| NewExtension {
            task: f.task,
            round,
            unit,
            requested_date: date.into(),
            reason: "合同登记数据尚未汇总".into(),
        };
        ensure!(matches!(
            s.request_extension(&ask(f.rs, Some(round.id), "2022-02-15"), "rs")
                .await,
            Err(StoreError::Invalid(_))
        ));
        ensure!(matches!(
            s.request_extension(&ask(f.kj, Some(round.id), "下月"), "kj")
                .await,
            Err(StoreError::Invalid(_))
        ));
        let mut no_reason = ask(f.kj, Some(round.id), "2022-02-15");
        no_reason.reason = " ".into();
        ensure!(s.request_extension(&no_reason, "kj").await.is_err());

        let e1 = s
            .request_extension(&ask(f.kj, Some(round.id), "2022-02-15"), "kj")
            .await?;
        ensure!(e1.status == ExtensionStatus::Pending);
        ensure!(e1.round_name.as_deref() == Some("1月") && e1.unit_name == "区科技局");
        // A second pending request for the same thing is refused.
        ensure!(matches!(
            s.request_extension(&ask(f.kj, Some(round.id), "2022-02-20"), "kj")
                .await,
            Err(StoreError::Invalid(_))
        ));
        let e2 = s
            .request_extension(&ask(f.sw, None, "2022-12-31"), "sw")
            .await?;
        ensure!(e2.round_id.is_none());

        let approved = s.decide_extension(e1.id, true, "", "admin").await?;
        ensure!(approved.status == ExtensionStatus::Approved);
        ensure!(approved.decided_by.as_deref() == Some("admin"));
        ensure!(matches!(
            s.decide_extension(e1.id, false, "改主意", "admin").await,
            Err(StoreError::Invalid(_))
        ));
        ensure!(s.decide_extension(e2.id, false, "", "admin").await.is_err());
        let refused = s
            .decide_extension(e2.id, false, "年度任务不予延期", "admin")
            .await?;
        ensure!(refused.status == ExtensionStatus::Refused);
        ensure!(refused.decision_note.as_deref() == Some("年度任务不予延期"));

        let by = |f: ExtensionFilter| async move { s.extensions(&f, &Scope::All).await };
        ensure!(
            by(ExtensionFilter {
                plan: Some(f.plan),
                ..Default::default()
            })
            .await?
            .len()
                == 2
        );
        let approved_only = by(ExtensionFilter {
            plan: Some(f.plan),
            status: Some(ExtensionStatus::Approved),
            ..Default::default()
        })
        .await?;
        ensure!(approved_only.len() == 1 && approved_only[0].id == e1.id);
        ensure!(
            by(ExtensionFilter {
                task: Some(f.task),
                status: Some(ExtensionStatus::Pending),
                ..Default::default()
            })
            .await?
            .is_empty()
        );
        let units_own = s
            .extensions(&ExtensionFilter::default(), &Scope::Unit(f.sw))
            .await?;
        ensure!(units_own.len() == 1 && units_own[0].id == e2.id);
        ensure!(s.extension(e1.id, &Scope::Unit(f.sw)).await?.is_none());
        // A new request after the decision is allowed.
        s.request_extension(&ask(f.kj, Some(round.id), "2022-02-28"), "kj")
            .await?;
        let actions: Vec<String> = s
            .audit_entries(100, None)
            .await?
            .into_iter()
            .map(|e| e.action)
            .collect();
        ensure!(actions.iter().filter(|a| *a == "extension.request").count() == 3);
        ensure!(actions.iter().any(|a| a == "extension.approve"));
        ensure!(actions.iter().any(|a| a == "extension.refuse"));
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn only_cooperating_units_contribute_and_the_lead_merges() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let f = setup(s).await?;
        let round = s.open_round(f.plan, "1月", "2022-01-31", "admin").await?;
        // The lead, and a unit not on the task, may not write a contribution.
        for unit in [f.kj, f.rs] {
            match s
                .save_contribution(f.task, round.id, unit, "配合情况", "x")
                .await
            {
                Err(StoreError::Invalid(m)) => ensure!(m.contains("配合单位"), "{m}"),
                other => bail!("a non-cooperating unit wrote: {other:?}"),
            }
        }
        ensure!(
            s.save_contribution(f.task, round.id, f.sw, " ", "sw")
                .await
                .is_err()
        );
        let c = s
            .save_contribution(f.task, round.id, f.sw, "协助引进技术合同3项", "sw")
            .await?;
        ensure!(c.version == 1 && !c.merged() && c.unit_name == "区商务委");

        // The lead sees it, the cooperating unit sees its own, an outsider nothing.
        ensure!(
            s.contributions(f.task, round.id, &Scope::Unit(f.kj))
                .await?
                .len()
                == 1
        );
        ensure!(
            s.contributions(f.task, round.id, &Scope::Unit(f.sw))
                .await?
                .len()
                == 1
        );
        ensure!(
            s.contributions(f.task, round.id, &Scope::Unit(f.rs))
                .await?
                .is_empty()
        );

        // Only the lead (or the office) merges it.
        ensure!(matches!(
            s.merge_contribution(c.id, &Scope::Unit(f.sw), "sw").await,
            Err(StoreError::Invalid(_))
        ));
        let merged = s.merge_contribution(c.id, &Scope::Unit(f.kj), "kj").await?;
        ensure!(merged.merged() && merged.merged_by.as_deref() == Some("kj"));
        ensure!(
            s.merge_contribution(c.id, &Scope::Unit(f.kj), "kj")
                .await
                .is_err()
        );
        // A rewrite is a new version the lead has not taken in yet.
        let v2 = s
            .save_contribution(f.task, round.id, f.sw, "协助引进技术合同4项", "sw")
            .await?;
        ensure!(v2.id == c.id && v2.version == 2 && !v2.merged());
        ensure!(s.contributions(f.task, round.id, &Scope::All).await?.len() == 1);

        // Taken into the lead's draft: both in one transaction, or neither.
        let draft = |text: &str, expected_version: Option<i64>| duban_store::DraftInput {
            task: f.task,
            round: round.id,
            unit: f.kj,
            narrative: text.into(),
            figures: serde_json::json!({}),
            self_status: None,
            delay_reason: None,
            next_steps: None,
            expected_version,
        };
        let lead = s.save_draft(&draft("牵头单位初稿", None), "kj").await?;
        match s
            .merge_contribution_into_draft(
                v2.id,
                &Scope::Unit(f.kj),
                &draft("牵头单位初稿\n协助引进技术合同4项", Some(lead.version + 3)),
                "kj",
            )
            .await
        {
            Err(StoreError::Conflict { .. }) => {}
            other => bail!("a stale draft merged: {other:?}"),
        }
        ensure!(
            !s.contributions(f.task, round.id, &Scope::All).await?[0].merged(),
            "the conflict left the contribution unmerged"
        );
        let (m, report) = s
            .merge_contribution_into_draft(
                v2.id,
                &Scope::Unit(f.kj),
                &draft("牵头单位初稿\n协助引进技术合同4项", Some(lead.version)),
                "kj",
            )
            .await?;
        ensure!(m.merged() && report.narrative.ends_with("协助引进技术合同4项"));
        ensure!(report.version == lead.version + 1);
        // Merged once: a second attempt changes neither.
        ensure!(
            s.merge_contribution_into_draft(
                v2.id,
                &Scope::Unit(f.kj),
                &draft("再次追加", Some(report.version)),
                "kj",
            )
            .await
            .is_err()
        );
        ensure!(s.report_versions(report.id).await?.len() == 2);
        // A closed round takes no more.
        s.close_round(round.id, "admin").await?;
        ensure!(
            s.save_contribution(f.task, round.id, f.sw, "迟到", "sw")
                .await
                .is_err()
        );
        let actions: Vec<String> = s
            .audit_entries(100, None)
            .await?
            .into_iter()
            .map(|e| e.action)
            .collect();
        ensure!(actions.iter().filter(|a| *a == "contribution.save").count() == 2);
        ensure!(actions.iter().any(|a| a == "contribution.merge"));
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn only_a_lead_unit_files_the_report() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let f = setup(s).await?;
        let round = s.open_round(f.plan, "1月", "2022-01-31", "admin").await?;
        let draft = |unit| duban_store::DraftInput {
            task: f.task,
            round: round.id,
            unit,
            narrative: "技术交易合同登记额增长16%".into(),
            figures: serde_json::json!({}),
            self_status: Some(duban_store::SelfStatus::Done),
            delay_reason: None,
            next_steps: None,
            expected_version: None,
        };
        let audit_before = ctx.count("SELECT COUNT(*) FROM audit_log").await?;
        // The cooperating unit is refused, by save, by save-and-submit, with the way out.
        for result in [
            s.save_draft(&draft(f.sw), "sw").await,
            s.save_and_submit(&draft(f.sw), "sw").await,
        ] {
            match result {
                Err(StoreError::Forbidden(m)) => {
                    ensure!(m.contains("配合单位") && m.contains("牵头单位"), "{m}")
                }
                other => bail!("a cooperating unit filed the report: {other:?}"),
            }
        }
        ensure!(ctx.count("SELECT COUNT(*) FROM reports").await? == 0);
        ensure!(ctx.count("SELECT COUNT(*) FROM audit_log").await? == audit_before);
        // A report a cooperating unit holds from before cannot be submitted either.
        ctx.raw(
            "INSERT INTO reports (task_id, round_id, unit_id, version, narrative, figures_json, \
             status, created_by, created_at, updated_at) \
             SELECT tu.task_id, (SELECT MAX(id) FROM rounds), tu.unit_id, 1, 'x', '{}', \
             'draft', 'sw', 0, 0 FROM task_units tu JOIN tasks t ON t.id = tu.task_id \
             WHERE tu.role = 'coop' AND t.text LIKE '技术交易合同登记额%'",
        )
        .await?;
        let stray = s.task_reports(f.task, &Scope::Unit(f.sw)).await?;
        ensure!(stray.len() == 1 && stray[0].unit_id == f.sw);
        ensure!(matches!(
            s.submit_report(stray[0].id, stray[0].version, "sw").await,
            Err(StoreError::Forbidden(_))
        ));
        ensure!(s.review_queue(round.id).await?.is_empty());
        // The lead files it.
        let r = s.save_and_submit(&draft(f.kj), "kj").await?;
        ensure!(r.status == duban_store::ReportStatus::Submitted && r.unit_id == f.kj);
        ensure!(s.review_queue(round.id).await?.len() == 1);
        Ok(())
    })
    .await
}
