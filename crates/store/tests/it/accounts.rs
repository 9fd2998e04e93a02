use std::time::Duration;

use anyhow::{Result, bail, ensure};
use duban_store::{LoginOutcome, NewUser, Role, Scope, SessionLimits, StoreError};
use time::OffsetDateTime;

use crate::support::{Ctx, on_each_backend};

fn admin(name: &str) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: "督查办".into(),
        role: Role::Admin,
        unit_id: None,
        password: "correct horse".into(),
        must_change: false,
    }
}

#[tokio::test]
async fn migrations_apply_twice_and_the_database_answers() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        ctx.store.migrate().await?;
        ctx.store.ping().await?;
        ensure!(ctx.store.plans().await?.is_empty());
        ensure!(ctx.store.audit_verify().await?.ok());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn users_are_created_found_and_unique() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let u = s.create_user(&admin("zhang"), "cli").await?;
        ensure!(u.role == Role::Admin && !u.must_change);
        let found = s.find_user("zhang").await?;
        ensure!(found.as_ref().map(|f| f.id) == Some(u.id));
        ensure!(s.find_user("nobody").await?.is_none());
        match s.create_user(&admin("zhang"), "cli").await {
            Err(StoreError::Constraint(m)) => ensure!(m.contains("用户名已存在"), "{m}"),
            other => bail!("duplicate username gave {other:?}"),
        }
        // A unit account needs a unit.
        let mut unit_user = admin("li");
        unit_user.role = Role::Unit;
        ensure!(matches!(
            s.create_user(&unit_user, "cli").await,
            Err(StoreError::Invalid(_))
        ));
        let unit = s.create_unit("区科技局", &[], "cli").await?;
        unit_user.unit_id = Some(unit);
        unit_user.must_change = true;
        let li = s.create_user(&unit_user, "cli").await?;
        ensure!(li.unit_id == Some(unit) && li.must_change);
        ensure!(s.list_users().await?.len() == 2);
        s.set_password(li.id, "a new secret", false, "li").await?;
        let now = OffsetDateTime::now_utc();
        match s.verify_login("li", "a new secret", now).await? {
            LoginOutcome::Ok(u) => ensure!(!u.must_change),
            other => bail!("login after password change gave {other:?}"),
        }
        ensure!(s.verify_login("li", "correct horse", now).await? == LoginOutcome::BadCredentials);
        ensure!(s.verify_login("ghost", "whatever1", now).await? == LoginOutcome::BadCredentials);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn five_wrong_passwords_delay_across_two_handles() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let a = ctx.store.clone();
        let b = ctx.second_handle().await?;
        a.create_user(&admin("wang"), "cli").await?;
        let now = OffsetDateTime::now_utc();
        for (i, s) in [&a, &b, &a, &b].into_iter().enumerate() {
            let o = s.verify_login("wang", "wrong password", now).await?;
            ensure!(
                o == LoginOutcome::BadCredentials,
                "attempt {} gave {o:?}",
                i + 1
            );
        }
        let until = match b.verify_login("wang", "wrong password", now).await? {
            LoginOutcome::Locked { until } => until,
            other => bail!("fifth failure gave {other:?}"),
        };
        // The fifth starts a short delay (2 s, doubling with each further one, capped).
        ensure!(until.unix_timestamp() - now.unix_timestamp() == 2);
        // Delayed means delayed, even for the right password and on the other handle.
        ensure!(matches!(
            a.verify_login("wang", "correct horse", now).await?,
            LoginOutcome::Locked { .. }
        ));
        match a
            .verify_login("wang", "correct horse", now + time::Duration::seconds(3))
            .await?
        {
            LoginOutcome::Ok(u) => ensure!(u.failed_count == 0 && u.locked_until.is_none()),
            other => bail!("after the lock expired: {other:?}"),
        }
        b.close().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn success_resets_the_failure_count() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        s.create_user(&admin("zhao"), "cli").await?;
        let now = OffsetDateTime::now_utc();
        for _ in 0..4 {
            s.verify_login("zhao", "nope nope", now).await?;
        }
        ensure!(matches!(
            s.verify_login("zhao", "correct horse", now).await?,
            LoginOutcome::Ok(_)
        ));
        for _ in 0..4 {
            ensure!(
                s.verify_login("zhao", "nope nope", now).await? == LoginOutcome::BadCredentials
            );
        }
        Ok(())
    })
    .await
}

#[tokio::test]
async fn sessions_live_in_the_database_and_expire_when_idle() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let unit = s.create_unit("区住建委", &[], "cli").await?;
        let user = s
            .create_user(
                &NewUser {
                    username: "chen".into(),
                    display_name: "陈".into(),
                    role: Role::Unit,
                    unit_id: Some(unit),
                    password: "river-stone-42".into(),
                    must_change: true,
                },
                "cli",
            )
            .await?;
        let t0 = OffsetDateTime::now_utc();
        let idle = SessionLimits::default();
        ensure!(idle.idle == Duration::from_secs(30 * 60));
        let new = s.create_session(user.id, t0).await?;
        ensure!(new.token.len() >= 32 && new.token != new.csrf);
        // Only a hash of the token is stored.
        ensure!(ctx.count("SELECT COUNT(*) FROM sessions").await? == 1);
        let by_raw_token = format!(
            "SELECT COUNT(*) FROM sessions WHERE token_hash = '{}'",
            new.token
        );
        ensure!(ctx.count(by_raw_token).await? == 0);
        let other = ctx.second_handle().await?;
        let su = other
            .session(&new.token, t0 + time::Duration::minutes(20), idle)
            .await?
            .ok_or_else(|| anyhow::anyhow!("session not found on the second handle"))?;
        ensure!(su.user_id == user.id && su.csrf == new.csrf && su.must_change);
        ensure!(su.scope() == Scope::Unit(unit));
        // Seen at +20 min, so +45 min is 25 minutes idle: still alive.
        ensure!(
            s.session(&new.token, t0 + time::Duration::minutes(45), idle)
                .await?
                .is_some()
        );
        // +76 min is 31 minutes idle: gone, and gone for good.
        ensure!(
            s.session(&new.token, t0 + time::Duration::minutes(76), idle)
                .await?
                .is_none()
        );
        ensure!(
            s.session(&new.token, t0 + time::Duration::minutes(46), idle)
                .await?
                .is_none()
        );
        ensure!(s.session("not-a-token", t0, idle).await?.is_none());
        let again = s.create_session(user.id, t0).await?;
        s.delete_session(&again.token).await?;
        ensure!(s.session(&again.token, t0, idle).await?.is_none());
        other.close().await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn sessions_end_after_their_lifetime_however_busy() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let user = s
            .create_user(
                &NewUser {
                    username: "wang".into(),
                    display_name: "王".into(),
                    role: Role::Admin,
                    unit_id: None,
                    password: "a-long-passphrase-7".into(),
                    must_change: false,
                },
                "cli",
            )
            .await?;
        let limits = SessionLimits::default();
        ensure!(limits.lifetime == Duration::from_secs(12 * 3600));
        let t0 = OffsetDateTime::now_utc();
        let new = s.create_session(user.id, t0).await?;
        // Used every 20 minutes for 12 hours: never idle, alive to the end of its lifetime.
        for step in 1..=36 {
            let at = t0 + time::Duration::minutes(20 * step);
            ensure!(
                s.session(&new.token, at, limits).await?.is_some(),
                "ended early at +{} min",
                20 * step
            );
        }
        ensure!(
            s.session(
                &new.token,
                t0 + time::Duration::minutes(12 * 60 + 1),
                limits
            )
            .await?
            .is_none()
        );
        ensure!(ctx.count("SELECT COUNT(*) FROM sessions").await? == 0);
        // A shorter configured lifetime holds too.
        let short = SessionLimits {
            idle: limits.idle,
            lifetime: Duration::from_secs(3600),
        };
        let new = s.create_session(user.id, t0).await?;
        ensure!(
            s.session(&new.token, t0 + time::Duration::minutes(20), short)
                .await?
                .is_some()
        );
        ensure!(
            s.session(&new.token, t0 + time::Duration::minutes(40), short)
                .await?
                .is_some()
        );
        ensure!(
            s.session(&new.token, t0 + time::Duration::minutes(61), short)
                .await?
                .is_none()
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn passwords_must_be_long_not_the_name_and_not_common() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let with = |name: &str, pw: &str| {
            let mut u = admin(name);
            u.password = pw.into();
            u
        };
        for (name, pw, why) in [
            ("zhou", "password", "至少10位"),
            ("zhou", "        ", "至少10位"),
            ("zhou", "          ", "空格"),
            ("zhou", "aaaaaaaaaaaa", "同一个字符"),
            ("zhouzhouzhou", "zhouzhouzhou", "用户名"),
            ("zhangsan", "zhangsan2026", "用户名"),
            ("zhou", "1234567890", "常见"),
            ("zhou", "Password123", "常见"),
            ("zhou", "qwertyuiop", "常见"),
        ] {
            match s.create_user(&with(name, pw), "cli").await {
                Err(StoreError::Invalid(m)) => ensure!(m.contains(why), "{pw:?}: {m}"),
                other => bail!("{pw:?} was accepted: {other:?}"),
            }
        }
        let u = s
            .create_user(&with("zhou", "river-stone-42"), "cli")
            .await?;
        // The same rules when a password is set later.
        ensure!(matches!(
            s.set_password(u.id, "zhou", false, "zhou").await,
            Err(StoreError::Invalid(_))
        ));
        ensure!(matches!(
            s.set_password(u.id, "password123", false, "zhou").await,
            Err(StoreError::Invalid(_))
        ));
        s.set_password(u.id, "quiet-harbour-19", false, "zhou")
            .await?;
        Ok(())
    })
    .await
}

/// One anonymous client hammering `admin` slows itself down exponentially but never keeps
/// the owner, at another address, out; every wrong password is an audit entry.
#[tokio::test]
async fn a_stranger_slows_down_but_does_not_lock_out_the_owner() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        s.create_user(&admin("admin"), "cli").await?;
        let t0 = OffsetDateTime::now_utc();
        let mut now = t0;
        let stranger = "203.0.113.9";
        let mut checked = 0;
        let mut address_delays = Vec::new();
        // 20 guesses, each as soon as the stranger is allowed to guess again.
        while checked < 20 {
            match s
                .verify_login_from("admin", "guess-guess", stranger, now)
                .await?
            {
                LoginOutcome::BadCredentials => checked += 1,
                LoginOutcome::Locked { until } => {
                    // A refused attempt is not a password check.
                    let wait = until - now;
                    ensure!(wait > time::Duration::ZERO);
                    address_delays.push(wait.whole_seconds());
                    checked += 1;
                    // The owner, elsewhere, gets in at once even now.
                    if checked == 12 {
                        match s
                            .verify_login_from("admin", "correct horse", "198.51.100.7", now)
                            .await?
                        {
                            LoginOutcome::Ok(_) => {}
                            other => bail!("the owner was kept out: {other:?}"),
                        }
                    }
                    // Asking again before the delay ends is refused without a check.
                    ensure!(matches!(
                        s.verify_login_from("admin", "correct horse", stranger, now)
                            .await?,
                        LoginOutcome::Locked { .. }
                    ));
                    now = until;
                }
                LoginOutcome::Ok(_) => bail!("a wrong password logged in"),
            }
        }
        // The stranger's delay doubles past the account's cap (30 s; the owner's login in
        // between reset the account's count, not the stranger's address).
        let tail = &address_delays[address_delays.len().saturating_sub(6)..];
        ensure!(
            tail.windows(2).all(|w| w[1] == 2 * w[0]),
            "{address_delays:?}"
        );
        ensure!(
            address_delays.last().copied().unwrap_or(0) >= 512,
            "{address_delays:?}"
        );
        let user = s
            .find_user("admin")
            .await?
            .ok_or_else(|| anyhow::anyhow!("admin"))?;
        let account_wait = user
            .locked_until
            .map(|u| (u - now).whole_seconds())
            .unwrap_or(0);
        ensure!(account_wait <= duban_store::LOCK_SECONDS, "{account_wait}");
        // From an address that mistyped once, the owner waits the account's delay at most.
        let owner = "198.51.100.7";
        ensure!(
            s.verify_login_from("admin", "typo-typo-1", owner, now)
                .await?
                != LoginOutcome::Ok(user.clone())
        );
        let later = now + time::Duration::seconds(duban_store::LOCK_SECONDS + 1);
        ensure!(matches!(
            s.verify_login_from("admin", "correct horse", owner, later)
                .await?,
            LoginOutcome::Ok(_)
        ));
        // Every checked wrong password left an audit row with the address; unknown names too.
        s.verify_login_from(
            "ghost",
            "whatever-1",
            stranger,
            later + time::Duration::hours(2),
        )
        .await?;
        let failed = ctx
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.login_failed'")
            .await?;
        ensure!(failed == 20 + 1 + 1, "{failed}");
        ensure!(
            ctx.count(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'user.login_failed' \
                 AND actor = 'ghost' AND entity_id IS NULL"
            )
            .await?
                == 1
        );
        // The admin unlocks at once.
        let u = s
            .find_user("admin")
            .await?
            .ok_or_else(|| anyhow::anyhow!("admin"))?;
        s.unlock_user(u.id, "cli").await?;
        let u = s
            .find_user("admin")
            .await?
            .ok_or_else(|| anyhow::anyhow!("admin"))?;
        ensure!(u.failed_count == 0 && u.locked_until.is_none());
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn logout_is_audited_with_the_session_change() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let u = s.create_user(&admin("qian"), "cli").await?;
        let new = s.create_session(u.id, OffsetDateTime::now_utc()).await?;
        s.delete_session(&new.token).await?;
        ensure!(ctx.count("SELECT COUNT(*) FROM sessions").await? == 0);
        ensure!(
            ctx.count(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'user.logout' AND actor = 'qian'"
            )
            .await?
                == 1
        );
        // Logging out of a session already gone writes nothing.
        s.delete_session(&new.token).await?;
        ensure!(
            ctx.count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.logout'")
                .await?
                == 1
        );
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn password_unchanged_checks_without_counting_an_attempt() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let u = s.create_user(&admin("demo1"), "cli").await?;
        ensure!(s.password_unchanged("demo1", "correct horse").await?);
        ensure!(!s.password_unchanged("demo1", "wrong horse").await?);
        ensure!(!s.password_unchanged("nobody", "correct horse").await?);
        // A wrong guess here is no login attempt: nothing is counted or audited.
        ensure!(
            ctx.count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.login_failed'")
                .await?
                == 0
        );
        s.set_password(u.id, "another horse 9", false, "cli")
            .await?;
        ensure!(!s.password_unchanged("demo1", "correct horse").await?);
        Ok(())
    })
    .await
}

/// Attempts refused while a delay runs are audited, but once per address and delay window
/// with a count, so a flood of refusals cannot flood the log.
#[tokio::test]
async fn refused_attempts_are_audited_once_per_address_and_window_with_a_count() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        s.create_user(&admin("admin"), "cli").await?;
        let stranger = "203.0.113.9";
        let mut now = OffsetDateTime::now_utc();
        // Wrong passwords until the address is delayed.
        let until = loop {
            if let LoginOutcome::Locked { until } = s
                .verify_login_from("admin", "guess-guess", stranger, now)
                .await?
            {
                break until;
            }
        };
        let refused =
            || ctx.count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.login_refused'");
        ensure!(refused().await? == 0);
        // A flood inside the window: every attempt refused, one entry.
        for _ in 0..25 {
            ensure!(matches!(
                s.verify_login_from("admin", "correct horse", stranger, now)
                    .await?,
                LoginOutcome::Locked { .. }
            ));
        }
        ensure!(refused().await? == 1, "one entry for the window");
        // The next window (after one more wrong password) gets its own entry, carrying the
        // count of the window before.
        now = until;
        let LoginOutcome::Locked { until: next } = s
            .verify_login_from("admin", "guess-guess", stranger, now)
            .await?
        else {
            bail!("the address is still delayed after another wrong password");
        };
        ensure!(next > until);
        for _ in 0..3 {
            s.verify_login_from("admin", "correct horse", stranger, now)
                .await?;
        }
        ensure!(refused().await? == 2);
        let newest = s.audit_entries(50, None).await?;
        let entry = newest
            .iter()
            .find(|e| e.action == "user.login_refused")
            .ok_or_else(|| anyhow::anyhow!("the refusal entry"))?;
        let after: serde_json::Value =
            serde_json::from_str(entry.after_json.as_deref().unwrap_or("null"))?;
        ensure!(
            after["client"] == stranger
                && after["refused_in_previous_window"] == 25
                && after["delayed_until"] == next.unix_timestamp(),
            "{after}"
        );
        ensure!(entry.actor == "admin");
        ensure!(s.audit_verify().await?.ok());
        Ok(())
    })
    .await
}
