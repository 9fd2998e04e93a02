//! A task's standing as the store keeps it: the final verdict follows accepted reports, the
//! office's override is the last word on the evidence it was made on, newer evidence that
//! contradicts it asks the office, and a reopen hands the standing back.

use anyhow::{Context, Result, ensure};
use duban_model::{Ledger, SourceFormat, Table, Task, UnitRef, Verdict};
use duban_standing::VerdictSource;
use duban_store::{
    DraftInput, OverrideDecision, ReportId, RoundId, Scope, SelfStatus, StandingEvent, Store,
    StoreError, TaskDetail, TaskId, UnitId,
};

use crate::support::{Ctx, on_each_backend, sha};

const UNIT: &str = "区城建委";

fn ledger() -> Ledger {
    let mut l = Ledger::new("park.txt", SourceFormat::Txt);
    l.tables.push(Table {
        index: 1,
        label: "附件1".into(),
        title: None,
        claimed_rows: None,
        rows: 1,
        office_verdict: None,
        as_of: None,
    });
    let mut t = Task::new(1, 1, "建成江山公园");
    t.lead_units.push(UnitRef::new(UNIT));
    t.progress = "江山公园已建成投用。".into();
    duban_assess::assess_task(&mut t);
    l.tasks.push(t);
    l
}

async fn detail(s: &Store, t: TaskId) -> Result<TaskDetail> {
    s.task(t, &Scope::All).await?.context("task")
}

async fn report(
    s: &Store,
    task: TaskId,
    round: RoundId,
    unit: UnitId,
    narrative: &str,
) -> Result<ReportId> {
    let r = s
        .save_and_submit(
            &DraftInput {
                task,
                round,
                unit,
                narrative: narrative.into(),
                figures: serde_json::json!({}),
                self_status: Some(SelfStatus::OnSchedule),
                delay_reason: None,
                next_steps: None,
                expected_version: None,
            },
            "cj",
        )
        .await?;
    Ok(r.id)
}

#[tokio::test]
async fn an_override_speaks_for_its_evidence_and_newer_evidence_asks() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let plan = s
            .import_ledger("2026年", &ledger(), "park.txt", &sha(41), "admin")
            .await?;
        let task = s.list_tasks(plan, &Default::default(), &Scope::All).await?.0[0].id;
        let unit = s.unit_by_name(UNIT).await?.context("unit")?.id;

        // Imported: the machine read the imported text.
        let d = detail(s, task).await?;
        ensure!(d.summary.verdict == Some(Verdict::Met));
        ensure!(d.summary.verdict_source == VerdictSource::Machine);
        ensure!(d.evidence == duban_standing::EvidenceSource::Imported);

        // The office overrides on the imported evidence.
        s.override_verdict(task, Some(Verdict::NotMet), "现场核查：尚有附属工程未完工", "admin")
            .await?;
        let d = detail(s, task).await?;
        ensure!(d.summary.verdict == Some(Verdict::NotMet));
        ensure!(d.summary.verdict_source == VerdictSource::Override);
        ensure!(d.verdict_source_label().contains("现场核查"));

        // A report the machine reads as met contradicts the override: accepting asks, and
        // a refusal writes nothing.
        let r1 = s.open_round(plan, "9月", "2026-09-30", "admin").await?.id;
        let a = report(s, task, r1, unit, "江山公园已全面建成并对外开放。").await?;
        let asked = s.accept_report(a, "admin").await;
        ensure!(
            matches!(asked, Err(StoreError::OverrideInQuestion { overridden: Verdict::NotMet, machine: Verdict::Met })),
            "{asked:?}"
        );
        let still = s.report(a, &Scope::All).await?.context("report")?;
        ensure!(still.status == duban_store::ReportStatus::Submitted, "nothing written");
        ensure!(detail(s, task).await?.summary.verdict == Some(Verdict::NotMet));

        // The office keeps its override for the new evidence.
        s.accept_report_deciding(a, OverrideDecision::Keep, "admin").await?;
        let d = detail(s, task).await?;
        ensure!(d.summary.verdict == Some(Verdict::NotMet) && d.summary.machine_verdict == Some(Verdict::Met));
        ensure!(d.summary.verdict_source == VerdictSource::Override && d.summary.disputed);
        ensure!(matches!(&d.evidence, duban_standing::EvidenceSource::Report { round_name, .. } if round_name == "9月"));

        // A later report the machine reads as the override says is accepted without asking.
        // The year-end round: no longer part-year, so 主体完工 reads as not built.
        let r2 = s.open_round(plan, "年度总结", "2027-01-10", "admin").await?.id;
        let b = report(s, task, r2, unit, "江山公园主体完工，附属工程尚未建成。").await?;
        s.accept_report(b, "admin").await?;
        let d = detail(s, task).await?;
        ensure!(d.summary.verdict == Some(Verdict::NotMet) && !d.summary.disputed);
        ensure!(d.summary.verdict_source == VerdictSource::Override);
        ensure!(d.evidence_narrative().contains("主体完工"));

        // Reopening the year-end report: the override made on it goes, September's evidence speaks.
        s.reopen_report(b, "请补充验收材料", "admin").await?;
        let d = detail(s, task).await?;
        ensure!(d.summary.verdict == Some(Verdict::Met), "{:?}", d.summary.verdict);
        ensure!(d.summary.verdict_source == VerdictSource::Machine && d.final_verdict.is_none());
        ensure!(d.evidence_narrative().contains("全面建成"));
        let span = d.targets[0].evidence.as_ref().context("span")?;
        let text: String = d
            .evidence_narrative()
            .chars()
            .skip(span.start)
            .take(span.end - span.start)
            .collect();
        ensure!(text == span.text, "span {} vs {}", span.text, text);

        // The history has every move, in order.
        let h = s.standing_history(task).await?;
        let events: Vec<StandingEvent> = h.iter().map(|x| x.event).collect();
        ensure!(
            events
                == [
                    StandingEvent::Override,
                    StandingEvent::Accept,
                    StandingEvent::Accept,
                    StandingEvent::Reopen
                ],
            "{events:?}"
        );
        ensure!(h.last().and_then(|x| x.final_verdict) == Some(Verdict::Met));

        // A full recount agrees with what the transactions kept.
        let kept = detail(s, task).await?;
        s.refresh_standings(plan, "admin").await?;
        let recounted = detail(s, task).await?;
        ensure!(kept.summary == recounted.summary && kept.targets == recounted.targets);
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_dropped_override_lets_the_new_evidence_decide() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let plan = s
            .import_ledger("2026年", &ledger(), "park.txt", &sha(42), "admin")
            .await?;
        let task = s
            .list_tasks(plan, &Default::default(), &Scope::All)
            .await?
            .0[0]
            .id;
        let unit = s.unit_by_name(UNIT).await?.context("unit")?.id;
        s.override_verdict(task, Some(Verdict::Met), "复核确认", "admin")
            .await?;
        let r = s.open_round(plan, "9月", "2026-09-30", "admin").await?.id;
        let a = report(s, task, r, unit, "江山公园因用地调整尚未开工。").await?;
        s.accept_report_deciding(a, OverrideDecision::Drop, "admin")
            .await?;
        let d = detail(s, task).await?;
        ensure!(d.summary.verdict == Some(Verdict::NotMet));
        ensure!(d.summary.verdict_source == VerdictSource::Machine && d.final_verdict.is_none());
        // The not-met task is counted and filtered as such.
        let (rows, n) = s
            .list_tasks(
                plan,
                &duban_store::TaskFilter {
                    verdict: Some(Verdict::NotMet),
                    ..Default::default()
                },
                &Scope::All,
            )
            .await?;
        ensure!(n == 1 && rows[0].id == task);
        ensure!(s.overview(plan, &Scope::All).await?.counts.not_met == 1);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_round_judges_its_reports_as_of_its_period() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let mut l = ledger();
        l.title = Some("2026年重点任务".into());
        l.tasks[0] = Task::new(1, 1, "新增停车位5000个以上");
        l.tasks[0].lead_units.push(UnitRef::new(UNIT));
        l.tasks[0].progress = "正在推进。".into();
        duban_assess::assess_task(&mut l.tasks[0]);
        let plan = s
            .import_ledger("2026年重点任务", &l, "parking.txt", &sha(43), "admin")
            .await?;
        let task = s
            .list_tasks(plan, &Default::default(), &Scope::All)
            .await?
            .0[0]
            .id;
        let unit = s.unit_by_name(UNIT).await?.context("unit")?.id;

        // 4,500 of 5,000 by the end of October (83% of the year): on schedule, not yet met.
        let oct = s
            .open_round(plan, "2026年10月", "2026-11-05", "admin")
            .await?
            .id;
        let a = report(s, task, oct, unit, "1-10月新增停车位4500个。").await?;
        s.accept_report(a, "admin").await?;
        let d = detail(s, task).await?;
        ensure!(
            d.summary.verdict == Some(Verdict::Unverifiable),
            "{:?}",
            d.summary.verdict
        );
        ensure!(d.schedule == Some(duban_model::Schedule::OnTrack));
        ensure!(d.evidence_as_of.as_deref() == Some("2026-10-31"));
        ensure!(
            d.explanation.as_deref().unwrap_or("").contains("序时推进"),
            "{:?}",
            d.explanation
        );

        // The year-end round: 4,800 of 5,000 is a miss, with no schedule any more.
        let dec = s
            .open_round(plan, "2026年12月", "2027-01-05", "admin")
            .await?
            .id;
        let b = report(s, task, dec, unit, "全年新增停车位4800个。").await?;
        s.accept_report(b, "admin").await?;
        let d = detail(s, task).await?;
        ensure!(d.summary.verdict == Some(Verdict::NotMet));
        ensure!(d.schedule.is_none() && d.evidence_as_of.is_none());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn an_override_survives_a_reimport_of_the_ledger() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let first = ledger();
        let plan = s
            .import_ledger("2026年", &first, "park.txt", &sha(44), "admin")
            .await?;
        let task = s
            .list_tasks(plan, &Default::default(), &Scope::All)
            .await?
            .0[0]
            .id;
        s.override_verdict(task, Some(Verdict::NotMet), "现场核查未完工", "admin")
            .await?;
        let unit = s.unit_by_name(UNIT).await?.context("unit")?.id;
        let r = s.open_round(plan, "9月", "2026-09-30", "admin").await?.id;
        report(s, task, r, unit, "江山公园附属工程施工中。").await?;

        // The office corrects its ledger: a new deadline on the park, and a new task.
        let mut second = ledger();
        second.tasks[0].deadline = Some("2027年6月底".into());
        let mut more = Task::new(1, 2, "建成滨河步道");
        more.lead_units.push(UnitRef::new("区交通局"));
        more.progress = "步道已建成。".into();
        duban_assess::assess_task(&mut more);
        second.tasks.push(more);
        let summary = s
            .reimport_ledger(plan, &second, "park-v2.txt", &sha(45), "admin")
            .await?;
        ensure!(summary.updated == 1 && summary.added == 1 && summary.kept_unlisted == 0);
        ensure!(summary.overrides_kept == 1 && summary.new_units == 1);

        let d = detail(s, task).await?;
        ensure!(d.summary.id == task, "the task keeps its id");
        ensure!(d.summary.deadline.as_deref() == Some("2027年6月底"));
        ensure!(d.summary.verdict == Some(Verdict::NotMet));
        ensure!(d.summary.verdict_source == VerdictSource::Override);
        ensure!(d.override_reason.as_deref() == Some("现场核查未完工"));
        ensure!(
            s.task_reports(task, &Scope::All).await?.len() == 1,
            "reports kept"
        );
        let (all, n) = s.list_tasks(plan, &Default::default(), &Scope::All).await?;
        ensure!(n == 2 && all[1].text == "建成滨河步道" && all[1].lead_units == ["区交通局"]);
        // The same file again is refused, and nothing is written.
        ensure!(matches!(
            s.reimport_ledger(plan, &second, "park-v2.txt", &sha(45), "admin")
                .await,
            Err(StoreError::DuplicateImport { .. })
        ));
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}
