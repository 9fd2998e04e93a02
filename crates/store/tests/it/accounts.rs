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
async fn five_wrong_passwords_lock_across_two_handles() -> Result<()> {
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
        ensure!(until.unix_timestamp() - now.unix_timestamp() == 15 * 60);
        // Locked means locked, even for the right password and on the other handle.
        ensure!(matches!(
            a.verify_login("wang", "correct horse", now + time::Duration::minutes(14))
                .await?,
            LoginOutcome::Locked { .. }
        ));
        match a
            .verify_login("wang", "correct horse", now + time::Duration::minutes(16))
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
                    password: "password1".into(),
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
