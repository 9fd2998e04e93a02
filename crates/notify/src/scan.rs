//! Finding who to remind of what, and the reminders' texts.

use std::collections::HashMap;

use duban_store::{
    ExtensionFilter, ExtensionStatus, NewDelivery, NewNotification, Notice, PendingReport,
    ReportStatus, Round, RoundId, Scope, Store, TaskId, UnitId, due_deadline,
};
use time::OffsetDateTime;

use crate::{CHANNEL_EMAIL, CHANNEL_WEBHOOK, NotifyConfig, NotifyError};

/// One thing to remind one unit of.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reminder {
    /// `report.due_soon`, `report.overdue` or `notice.overdue`.
    pub kind: &'static str,
    /// What it is about, stable across days: `report:{task}:{round}:{unit}`, `notice:{id}`.
    pub subject_ref: String,
    pub unit: UnitId,
    pub subject: String,
    pub body: String,
    pub link: Option<String>,
}

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

fn report_reminder(
    cfg: &NotifyConfig,
    round: &Round,
    p: &PendingReport,
    due_date: &str,
    overdue: bool,
) -> Reminder {
    let (link, url_line) = link(cfg, format!("/tasks/{}", p.task_id));
    let task = short(&p.task_text, 24);
    let (kind, subject, state) = if overdue {
        (
            "report.overdue",
            format!("【催办】“{}”填报已逾期：{task}", round.name),
            "已超过截止日期",
        )
    } else {
        (
            "report.due_soon",
            format!("【提醒】“{}”填报将于{due_date}截止：{task}", round.name),
            "即将截止",
        )
    };
    let body = format!(
        "{}：\n\n重点任务第{}项“{}”在“{}”填报轮次的进展情况应于{due_date}（北京时间当日24时前）报送，\
         目前{state}，状态为{}。请尽快登录督办系统填报并报送。{url_line}\n\n——督查办（系统自动提醒，请勿回复）",
        p.unit_name,
        p.task_position,
        p.task_text,
        round.name,
        status_zh(p.status),
    );
    Reminder {
        kind,
        subject_ref: format!("report:{}:{}:{}", p.task_id, round.id, p.unit_id),
        unit: p.unit_id,
        subject,
        body,
        link,
    }
}

fn notice_reminder(cfg: &NotifyConfig, n: &Notice) -> Reminder {
    let (link, url_line) = link(cfg, format!("/tasks/{}", n.task_id));
    Reminder {
        kind: "notice.overdue",
        subject_ref: format!("notice:{}", n.id),
        unit: n.unit_id,
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
        for p in store.pending_reports(round.id).await? {
            let due_date = extended
                .get(&(p.task_id, round.id, p.unit_id))
                .filter(|d| **d > round.due_date)
                .cloned()
                .unwrap_or_else(|| round.due_date.clone());
            let Some(deadline) = due_deadline(&due_date) else {
                continue;
            };
            if now_s > deadline {
                out.push(report_reminder(cfg, &round, &p, &due_date, true));
            } else if deadline - now_s < soon {
                out.push(report_reminder(cfg, &round, &p, &due_date, false));
            }
        }
    }
    for n in store.overdue_notices(now).await? {
        out.push(notice_reminder(cfg, &n));
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
        notes.push(NewNotification {
            user: None,
            unit: Some(r.unit),
            kind: r.kind.to_string(),
            subject: r.subject.clone(),
            body: r.body.clone(),
            link: r.link.clone(),
            dedupe_key: Some(key(&format!("unit:{}", r.unit), "inapp")),
        });
        let delivery = |channel: &str, recipient: &str| NewDelivery {
            dedupe_key: key(recipient, channel),
            kind: r.kind.to_string(),
            subject_ref: r.subject_ref.clone(),
            channel: channel.to_string(),
            recipient: recipient.to_string(),
            unit: Some(r.unit),
            subject: r.subject.clone(),
            body: r.body.clone(),
        };
        if cfg.email.is_some() {
            if let std::collections::hash_map::Entry::Vacant(slot) = emails.entry(r.unit) {
                slot.insert(store.unit_email_recipients(r.unit).await?);
            }
            for to in emails.get(&r.unit).into_iter().flatten() {
                dels.push(delivery(CHANNEL_EMAIL, to));
            }
        }
        for w in &cfg.webhooks {
            dels.push(delivery(CHANNEL_WEBHOOK, &w.name));
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
