//! In-app notifications, unit and user email, and the delivery outbox.

use std::time::Duration;

use anyhow::{Result, anyhow, ensure};
use duban_store::{
    DeliveryStatus, NewDelivery, NewNotification, NewUser, Role, StoreError, UnitId,
};
use time::OffsetDateTime;

use crate::support::{Ctx, on_each_backend};

fn reminder(unit: UnitId, day: &str) -> NewNotification {
    NewNotification {
        user: None,
        unit: Some(unit),
        kind: "report.overdue".into(),
        subject: "【催办】1月填报已逾期".into(),
        body: "请尽快报送".into(),
        link: Some("/rounds/1".into()),
        dedupe_key: Some(format!("report.overdue:1:1:{}:{day}:inapp", unit.0)),
    }
}

fn delivery(key: &str, channel: &str, recipient: &str) -> NewDelivery {
    NewDelivery {
        dedupe_key: key.into(),
        kind: "report.overdue".into(),
        subject_ref: "report:1:1:1".into(),
        channel: channel.into(),
        recipient: recipient.into(),
        unit: None,
        subject: "【催办】1月填报已逾期".into(),
        body: "请尽快报送".into(),
    }
}

fn t(unix: i64) -> Result<OffsetDateTime> {
    Ok(OffsetDateTime::from_unix_timestamp(unix)?)
}

#[tokio::test]
async fn emails_are_checked_and_unit_addresses_win_over_users() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let unit = s.create_unit("区科技局", &[], "admin").await?;
        let user = s
            .create_user(
                &NewUser {
                    username: "kj".into(),
                    display_name: "科技局".into(),
                    role: Role::Unit,
                    unit_id: Some(unit),
                    password: "password-1".into(),
                    must_change: false,
                },
                "admin",
            )
            .await?;
        ensure!(s.unit_email_recipients(unit).await?.is_empty());
        ensure!(matches!(
            s.set_user_email(user.id, Some("kj@x.cn\r\nBcc: a@b.cn"), "admin")
                .await,
            Err(StoreError::Invalid(_))
        ));
        s.set_user_email(user.id, Some("kj@cq.gov.cn"), "admin")
            .await?;
        ensure!(s.unit_email_recipients(unit).await? == ["kj@cq.gov.cn"]);
        s.set_unit_email(unit, Some("office@kj.cq.gov.cn"), "admin")
            .await?;
        ensure!(s.unit_email_recipients(unit).await? == ["office@kj.cq.gov.cn"]);
        let u = s.unit(unit).await?.ok_or_else(|| anyhow!("unit"))?;
        ensure!(u.email.as_deref() == Some("office@kj.cq.gov.cn"));
        let again = s.user(user.id).await?.ok_or_else(|| anyhow!("user"))?;
        ensure!(again.email.as_deref() == Some("kj@cq.gov.cn"));
        s.set_unit_email(unit, None, "admin").await?;
        ensure!(s.unit_email_recipients(unit).await? == ["kj@cq.gov.cn"]);
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn notifications_reach_the_user_and_their_unit_and_are_read_once() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let kj = s.create_unit("区科技局", &[], "admin").await?;
        let rs = s.create_unit("区人社局", &[], "admin").await?;
        let mut users = Vec::new();
        for (name, unit) in [("kj1", kj), ("kj2", kj), ("rs1", rs)] {
            users.push(
                s.create_user(
                    &NewUser {
                        username: name.into(),
                        display_name: name.into(),
                        role: Role::Unit,
                        unit_id: Some(unit),
                        password: "password-1".into(),
                        must_change: false,
                    },
                    "admin",
                )
                .await?,
            );
        }
        let (kj1, kj2, rs1) = (&users[0], &users[1], &users[2]);
        ensure!(matches!(
            s.notify(
                &NewNotification {
                    unit: None,
                    ..reminder(kj, "d")
                },
                "admin"
            )
            .await,
            Err(StoreError::Invalid(_))
        ));
        let to_unit = s.notify(&reminder(kj, "2022-02-01"), "admin").await?;
        ensure!(to_unit.is_some());
        // The same key again posts nothing.
        ensure!(
            s.notify(&reminder(kj, "2022-02-01"), "admin")
                .await?
                .is_none()
        );
        s.notify(
            &NewNotification {
                user: Some(kj1.id),
                unit: None,
                kind: "message".into(),
                subject: "请核对数据".into(),
                body: String::new(),
                link: None,
                dedupe_key: None,
            },
            "admin",
        )
        .await?;
        ensure!(s.unread_notifications(kj1.id, Some(kj)).await? == 2);
        ensure!(s.unread_notifications(kj2.id, Some(kj)).await? == 1);
        ensure!(s.unread_notifications(rs1.id, Some(rs)).await? == 0);
        let id = to_unit.ok_or_else(|| anyhow!("id"))?;
        // Not addressed to the other unit's user.
        ensure!(
            !s.mark_notification_read(id, rs1.id, Some(rs), "rs1")
                .await?
        );
        ensure!(
            s.mark_notification_read(id, kj2.id, Some(kj), "kj2")
                .await?
        );
        ensure!(
            !s.mark_notification_read(id, kj1.id, Some(kj), "kj1")
                .await?
        );
        ensure!(s.unread_notifications(kj1.id, Some(kj)).await? == 1);
        let all = s.notifications(kj1.id, Some(kj), false, 50).await?;
        ensure!(all.len() == 2 && all.iter().any(|n| n.read_by.as_deref() == Some("kj2")));
        ensure!(s.notifications(kj1.id, Some(kj), true, 50).await?.len() == 1);
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn enqueueing_twice_and_from_two_handles_inserts_once() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let unit = s.create_unit("区科技局", &[], "admin").await?;
        let now = t(1_650_000_000)?;
        let notes = vec![reminder(unit, "2022-04-15")];
        let dels = vec![
            delivery("k:email:a@b.cn", "email", "a@b.cn"),
            delivery("k:webhook:office", "webhook", "office"),
        ];
        let first = s.enqueue_reminders(&notes, &dels, now, "notify").await?;
        ensure!(
            first.notifications == 1 && first.deliveries == 2,
            "{first:?}"
        );
        let audited = s.audit_entries(10, None).await?.len();
        let second = s.enqueue_reminders(&notes, &dels, now, "notify").await?;
        ensure!(second.notifications == 0 && second.deliveries == 0);
        ensure!(
            s.audit_entries(10, None).await?.len() == audited,
            "an enqueue that inserted nothing was audited"
        );
        // Two handles (two instances) racing on the same new reminders.
        let other = ctx.second_handle().await?;
        let more = vec![
            delivery("k2:email:a@b.cn", "email", "a@b.cn"),
            delivery("k2:email:c@d.cn", "email", "c@d.cn"),
        ];
        let mut jobs = Vec::new();
        for h in [s.clone(), other.clone(), s.clone(), other.clone()] {
            let more = more.clone();
            jobs.push(tokio::spawn(async move {
                h.enqueue_reminders(&[], &more, now, "notify").await
            }));
        }
        let mut inserted = 0;
        for j in jobs {
            inserted += j.await??.deliveries;
        }
        ensure!(inserted == 2, "inserted {inserted}");
        ensure!(ctx.count("SELECT COUNT(*) FROM outbox").await? == 4);
        ensure!(ctx.count("SELECT COUNT(*) FROM notifications").await? == 1);
        other.close().await;
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn one_claimer_wins_and_retries_wait_for_their_time() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let now = t(1_650_000_000)?;
        let lease = Duration::from_secs(60);
        s.enqueue_reminders(&[], &[delivery("only", "email", "a@b.cn")], now, "notify")
            .await?;
        // Many claimers on two handles at once: exactly one gets it.
        let other = ctx.second_handle().await?;
        let mut jobs = Vec::new();
        for i in 0..8 {
            let h = if i % 2 == 0 { s.clone() } else { other.clone() };
            jobs.push(tokio::spawn(async move {
                h.claim_delivery(&format!("w{i}"), now, lease).await
            }));
        }
        let mut winners = Vec::new();
        for j in jobs {
            if let Some(d) = j.await?? {
                winners.push(d);
            }
        }
        ensure!(winners.len() == 1, "{} claimers won", winners.len());
        let d = winners.remove(0);
        let worker = d.claimed_by.clone().ok_or_else(|| anyhow!("no claimer"))?;
        ensure!(d.status == DeliveryStatus::Sending && d.attempts == 1);
        // Nothing else is due while the lease holds.
        ensure!(s.claim_delivery("late", now, lease).await?.is_none());

        // A failure schedules a retry; not claimable before its time.
        let retry_at = t(1_650_000_030)?;
        ensure!(
            !s.delivery_failed(d.id, "intruder", "x", Some(retry_at), now)
                .await?
        );
        ensure!(
            s.delivery_failed(d.id, &worker, "连接被拒绝", Some(retry_at), now)
                .await?
        );
        ensure!(
            s.claim_delivery("w", t(1_650_000_029)?, lease)
                .await?
                .is_none()
        );
        let again = s
            .claim_delivery("w", retry_at, lease)
            .await?
            .ok_or_else(|| anyhow!("the retry was not claimable"))?;
        ensure!(again.attempts == 2 && again.last_error.as_deref() == Some("连接被拒绝"));
        // The claimer dies: after its lease another worker takes over, the first cannot
        // report any more.
        let after_lease = t(1_650_000_030 + 61)?;
        let taken = s
            .claim_delivery("w2", after_lease, lease)
            .await?
            .ok_or_else(|| anyhow!("an expired lease was not reclaimed"))?;
        ensure!(taken.attempts == 3);
        ensure!(!s.delivery_sent(d.id, "w", after_lease).await?);
        ensure!(s.delivery_sent(d.id, "w2", after_lease).await?);
        let sent = s.deliveries(Some(DeliveryStatus::Sent), 10).await?;
        ensure!(sent.len() == 1 && sent[0].sent_at.is_some() && sent[0].last_error.is_none());
        ensure!(
            s.claim_delivery("w3", t(1_700_000_000)?, lease)
                .await?
                .is_none()
        );

        // Giving up: failed, never claimed again.
        s.enqueue_reminders(&[], &[delivery("doomed", "webhook", "x")], now, "notify")
            .await?;
        let d = s
            .claim_delivery("w", now, lease)
            .await?
            .ok_or_else(|| anyhow!("none"))?;
        ensure!(s.delivery_failed(d.id, "w", "404", None, now).await?);
        ensure!(s.deliveries(Some(DeliveryStatus::Failed), 10).await?.len() == 1);
        ensure!(
            s.claim_delivery("w", t(1_700_000_000)?, lease)
                .await?
                .is_none()
        );
        other.close().await;
        let actions: Vec<String> = s
            .audit_entries(100, None)
            .await?
            .into_iter()
            .map(|e| e.action)
            .collect();
        for a in [
            "delivery.claim",
            "delivery.retry",
            "delivery.sent",
            "delivery.fail",
        ] {
            ensure!(actions.iter().any(|x| x == a), "{a} not audited");
        }
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}
