//! Finding who to remind of what, and the reminders' texts.

use std::collections::HashMap;

use duban_store::{
    ExtensionFilter, ExtensionStatus, Handover, HandoverFilter, NewDelivery, NewNotification,
    Notice, PendingReport, ReportStatus, Round, RoundId, Scope, Store, TaskId, UnitId,
    due_deadline,
};
use time::OffsetDateTime;

use crate::{CHANNEL_EMAIL, CHANNEL_WEBHOOK, NotifyConfig, NotifyError};

/// One thing to remind of: a unit (in-app message and e-mail), or the office's group chat
/// (webhook).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reminder {
    /// `report.due_soon`, `report.overdue` or `notice.overdue`.
    pub kind: &'static str,
    /// What it is about, stable across days: `reports:{round}:unit:{unit}` (a unit's digest),
    /// `reports:{round}:office` (the group chat's summary), `notice:{id}`.
    pub subject_ref: String,
    /// The unit reminded; `None` for the group chat's summary.
    pub unit: Option<UnitId>,
    /// Whether the webhooks get it: the office-wide summaries and notice reminders do; a
    /// unit's own digest does not (a group robot is rate-limited and read by everyone).
    pub to_webhook: bool,
    pub subject: String,
    pub body: String,
    pub link: Option<String>,
}

/// At most this many tasks are listed in a digest; the rest are counted.
const DIGEST_LINES: usize = 20;
/// At most this many units are named in the group chat's summary.
const SUMMARY_UNITS: usize = 10;

/// The day in China Standard Time: reminders repeat at most once per day and channel.
pub(crate) fn china_day(now: OffsetDateTime) -> String {
    let d = now.to_offset(time::macros::offset!(+8)).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn short(text: &str, max: usize) -> String {
    let t: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() <= max {
        t
    } else {
        let mut s: String = t.chars().take(max).collect();
        s.push('…');
        s
    }
}

fn status_zh(s: Option<ReportStatus>) -> &'static str {
    match s {
        None => "未填报",
        Some(ReportStatus::Returned) => "已退回待修改",
        Some(ReportStatus::Draft) => "草稿未报送",
        Some(ReportStatus::Submitted) => "已报送",
        Some(ReportStatus::Accepted) => "已通过",
    }
}

fn link(cfg: &NotifyConfig, path: String) -> (Option<String>, String) {
    let full = cfg
        .app_url
        .as_deref()
        .map(|base| format!("\n办理地址：{}{path}", base.trim_end_matches('/')))
        .unwrap_or_default();
    (Some(path), full)
}

/// The report form of one task in a round.
fn report_path(round: &Round, p: &PendingReport) -> String {
    format!("/rounds/{}/tasks/{}/report", round.id, p.task_id)
}

/// A unit's pending report in a round, with the due date that applies to it (an approved
/// extension moves it).
struct Pending {
    report: PendingReport,
    due_date: String,
}

fn kind_of(overdue: bool) -> &'static str {
    if overdue {
        "report.overdue"
    } else {
        "report.due_soon"
    }
}

/// One unit's digest of its reports in a round that are overdue (or due soon): one message
/// whatever the count, naming the task when there is only one.
fn report_digest(
    cfg: &NotifyConfig,
    round: &Round,
    items: &[Pending],
    overdue: bool,
) -> Option<Reminder> {
    let first = items.first()?;
    let unit_name = &first.report.unit_name;
    let n = items.len();
    // The unit's list for the round; each task's own form is linked on its line below.
    let (link, url_line) = link(cfg, format!("/my?round={}", round.id));
    let subject = match (overdue, n) {
        (true, 1) => format!(
            "【催办】“{}”填报已逾期：{}",
            round.name,
            short(&first.report.task_text, 24)
        ),
        (true, _) => format!("【催办】“{}”有{n}项填报已逾期", round.name),
        (false, 1) => format!(
            "【提醒】“{}”填报将于{}截止：{}",
            round.name,
            first.due_date,
            short(&first.report.task_text, 24)
        ),
        (false, _) => format!(
            "【提醒】“{}”有{n}项填报将于{}前截止",
            round.name,
            items
                .iter()
                .map(|p| p.due_date.as_str())
                .min()
                .unwrap_or(&first.due_date)
        ),
    };
    let state = if overdue {
        "已超过截止日期"
    } else {
        "即将截止"
    };
    let mut lines = String::new();
    for p in items.iter().take(DIGEST_LINES) {
        lines.push_str(&format!(
            "\n· 第{}项“{}”：应于{}（北京时间当日24时前）报送，{}",
            p.report.task_position,
            short(&p.report.task_text, 60),
            p.due_date,
            status_zh(p.report.status),
        ));
        // Each task's own form, when the service's address is known to put in front.
        if let Some(base) = cfg.app_url.as_deref() {
            lines.push_str(&format!(
                "
  填报：{}{}",
                base.trim_end_matches('/'),
                report_path(round, &p.report)
            ));
        }
    }
    if n > DIGEST_LINES {
        lines.push_str(&format!("\n……等共{n}项"));
    }
    let body = format!(
        "{unit_name}：\n\n贵单位牵头的{n}项重点任务在“{}”填报轮次的进展情况{state}，尚未报送：{lines}\n\n请尽快登录督办系统填报并报送。{url_line}\n\n——督查办（系统自动提醒，请勿回复）",
        round.name,
    );
    Some(Reminder {
        kind: kind_of(overdue),
        subject_ref: format!("reports:{}:unit:{}", round.id, first.report.unit_id),
        unit: Some(first.report.unit_id),
        to_webhook: false,
        subject,
        body,
        link,
    })
}

/// The group chat's summary of a round: units with overdue (or due-soon) reports, most
/// first.
fn report_summary(
    cfg: &NotifyConfig,
    round: &Round,
    by_unit: &[(&str, usize)],
    overdue: bool,
) -> Option<Reminder> {
    if by_unit.is_empty() {
        return None;
    }
    let units = by_unit.len();
    let total: usize = by_unit.iter().map(|(_, n)| n).sum();
    let (link, url_line) = link(cfg, format!("/admin/rounds/{}/review", round.id));
    let (subject, state) = if overdue {
        (
            format!("【催办】“{}”填报逾期：{units}个单位{total}项", round.name),
            "逾期未报送",
        )
    } else {
        (
            format!(
                "【提醒】“{}”填报即将截止：{units}个单位{total}项未报送",
                round.name
            ),
            "即将截止尚未报送",
        )
    };
    let mut lines = String::new();
    for (name, n) in by_unit.iter().take(SUMMARY_UNITS) {
        lines.push_str(&format!("\n· {name}：{n}项"));
    }
    if units > SUMMARY_UNITS {
        lines.push_str(&format!("\n……等{units}个单位"));
    }
    Some(Reminder {
        kind: kind_of(overdue),
        subject_ref: format!("reports:{}:office", round.id),
        unit: None,
        to_webhook: true,
        subject,
        body: format!(
            "“{}”填报轮次（截止{}）{state}的重点任务共{total}项，涉及{units}个牵头单位：{lines}{url_line}\n\n——督查办（系统自动提醒）",
            round.name, round.due_date,
        ),
        link,
    })
}

fn notice_reminder(cfg: &NotifyConfig, n: &Notice) -> Reminder {
    let (link, url_line) = link(cfg, format!("/tasks/{}#notices", n.task_id));
    Reminder {
        kind: "notice.overdue",
        subject_ref: format!("notice:{}", n.id),
        unit: Some(n.unit_id),
        to_webhook: true,
        subject: format!(
            "【督办】{}督办单逾期未答复：{}",
            n.level.label_zh(),
            short(&n.task_text, 24)
        ),
        body: format!(
            "{}：\n\n关于重点任务第{}项“{}”的{}督办单（办理期限{}）至今未答复。\n督办内容：{}\n请立即办理并在督办系统中答复。{url_line}\n\n——督查办（系统自动提醒，请勿回复）",
            n.unit_name,
            n.task_position,
            n.task_text,
            n.level.label_zh(),
            n.deadline,
            n.text,
        ),
        link,
    }
}

/// One unit's digest of the tasks handed to it and still not signed for.
fn handover_digest(cfg: &NotifyConfig, items: &[Handover]) -> Option<Reminder> {
    let first = items.first()?;
    let n = items.len();
    let (link, url_line) = link(cfg, format!("/units/{}#handover", first.unit_id));
    let subject = match n {
        1 => format!("【提醒】交办任务尚未签收：{}", short(&first.task_text, 24)),
        _ => format!("【提醒】有{n}项交办任务尚未签收"),
    };
    let mut lines = String::new();
    for h in items.iter().take(DIGEST_LINES) {
        lines.push_str(&format!(
            "\n· 第{}项“{}”：{}交办",
            h.task_position,
            short(&h.task_text, 60),
            china_day(h.handed_at),
        ));
    }
    if n > DIGEST_LINES {
        lines.push_str(&format!("\n……等共{n}项"));
    }
    Some(Reminder {
        kind: "handover.unacknowledged",
        subject_ref: format!("handover:unit:{}", first.unit_id),
        unit: Some(first.unit_id),
        to_webhook: false,
        subject,
        body: format!(
            "{}：\n\n督查办交办贵单位牵头的{n}项重点任务已超过{}天尚未签收：{lines}\n\n请登录督办系统签收；如任务表述或责任单位需要调整，请在任务页面提出申请。{url_line}\n\n——督查办（系统自动提醒，请勿回复）",
            first.unit_name, cfg.acknowledge_days,
        ),
        link,
    })
}

/// Everything to remind of at `now`.
pub(crate) async fn find(
    store: &Store,
    cfg: &NotifyConfig,
    now: OffsetDateTime,
) -> Result<Vec<Reminder>, NotifyError> {
    let now_s = now.unix_timestamp();
    let soon = i64::from(cfg.due_soon_days) * 86_400;
    let mut out = Vec::new();
    let mut extended: HashMap<(TaskId, RoundId, UnitId), String> = HashMap::new();
    let mut plans_seen = Vec::new();
    for round in store.open_rounds().await? {
        if !plans_seen.contains(&round.plan_id) {
            plans_seen.push(round.plan_id);
            // An approved extension for a round moves that unit's due date for that task.
            let approved = store
                .extensions(
                    &ExtensionFilter {
                        plan: Some(round.plan_id),
                        status: Some(ExtensionStatus::Approved),
                        ..Default::default()
                    },
                    &Scope::All,
                )
                .await?;
            for e in approved {
                if let Some(r) = e.round_id {
                    let slot = extended.entry((e.task_id, r, e.unit_id)).or_default();
                    if e.requested_date > *slot {
                        *slot = e.requested_date;
                    }
                }
            }
        }
        // (overdue?, unit) → its pending reports, in document order; units in first-seen
        // order so messages come out the same on every run.
        let mut groups: Vec<((bool, UnitId), Vec<Pending>)> = Vec::new();
        for p in store.pending_reports(round.id).await? {
            let due_date = extended
                .get(&(p.task_id, round.id, p.unit_id))
                .filter(|d| **d > round.due_date)
                .cloned()
                .unwrap_or_else(|| round.due_date.clone());
            let Some(deadline) = due_deadline(&due_date) else {
                continue;
            };
            let overdue = if now_s > deadline {
                true
            } else if deadline - now_s < soon {
                false
            } else {
                continue;
            };
            let key = (overdue, p.unit_id);
            let item = Pending {
                report: p,
                due_date,
            };
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, items)) => items.push(item),
                None => groups.push((key, vec![item])),
            }
        }
        for overdue in [true, false] {
            let mut by_unit: Vec<(&str, usize)> = Vec::new();
            for ((o, _), items) in groups.iter().filter(|((o, _), _)| *o == overdue) {
                out.extend(report_digest(cfg, &round, items, *o));
                if let Some(first) = items.first() {
                    by_unit.push((first.report.unit_name.as_str(), items.len()));
                }
            }
            by_unit.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            out.extend(report_summary(cfg, &round, &by_unit, overdue));
        }
    }
    for n in store.overdue_notices(now).await? {
        out.push(notice_reminder(cfg, &n));
    }
    // Tasks handed over and not signed for within the set number of days, per unit.
    let unsigned = store
        .handovers(
            &HandoverFilter {
                acknowledged: Some(false),
                handed_before: Some(now_s - i64::from(cfg.acknowledge_days) * 86_400),
                ..HandoverFilter::default()
            },
            &Scope::All,
        )
        .await?;
    let mut by_unit: Vec<(UnitId, Vec<Handover>)> = Vec::new();
    for h in unsigned {
        match by_unit.iter_mut().find(|(u, _)| *u == h.unit_id) {
            Some((_, items)) => items.push(h),
            None => by_unit.push((h.unit_id, vec![h])),
        }
    }
    for (_, items) in &by_unit {
        out.extend(handover_digest(cfg, items));
    }
    Ok(out)
}

/// The in-app messages and deliveries for `reminders`, with keys unique per reminder,
/// subject, day, recipient and channel.
pub(crate) async fn expand(
    store: &Store,
    cfg: &NotifyConfig,
    reminders: &[Reminder],
    now: OffsetDateTime,
) -> Result<(Vec<NewNotification>, Vec<NewDelivery>), NotifyError> {
    let day = china_day(now);
    let mut emails: HashMap<UnitId, Vec<String>> = HashMap::new();
    let mut notes = Vec::with_capacity(reminders.len());
    let mut dels = Vec::new();
    for r in reminders {
        let key = |recipient: &str, channel: &str| {
            format!("{}|{}|{day}|{recipient}|{channel}", r.kind, r.subject_ref)
        };
        let delivery = |channel: &str, recipient: &str| NewDelivery {
            dedupe_key: key(recipient, channel),
            kind: r.kind.to_string(),
            subject_ref: r.subject_ref.clone(),
            channel: channel.to_string(),
            recipient: recipient.to_string(),
            unit: r.unit,
            subject: r.subject.clone(),
            body: r.body.clone(),
        };
        if let Some(unit) = r.unit {
            notes.push(NewNotification {
                user: None,
                unit: Some(unit),
                kind: r.kind.to_string(),
                subject: r.subject.clone(),
                body: r.body.clone(),
                link: r.link.clone(),
                dedupe_key: Some(key(&format!("unit:{unit}"), "inapp")),
            });
            if cfg.email.is_some() {
                if let std::collections::hash_map::Entry::Vacant(slot) = emails.entry(unit) {
                    slot.insert(store.unit_email_recipients(unit).await?);
                }
                for to in emails.get(&unit).into_iter().flatten() {
                    dels.push(delivery(CHANNEL_EMAIL, to));
                }
            }
        }
        if r.to_webhook {
            for w in &cfg.webhooks {
                dels.push(delivery(CHANNEL_WEBHOOK, &w.name));
            }
        }
    }
    Ok((notes, dels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_is_china_time() {
        // 2022-01-31 16:30 UTC is 2022-02-01 00:30 in Beijing.
        let t = OffsetDateTime::from_unix_timestamp(1_643_646_600)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(china_day(t), "2022-02-01");
        assert_eq!(short("一二三四五", 3), "一二三…");
    }
}
