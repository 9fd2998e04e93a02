//! API tokens: stored hashed, shown once, scoped, revocable by the owner or the office,
//! every change audited, and useless once revoked, expired or their account is gone.

use anyhow::{Context, Result, ensure};
use duban_store::{NewUser, Revoker, Role, StoreError, TOKEN_PREFIX, TokenScope};
use time::{Duration, OffsetDateTime};

use crate::support::{Ctx, on_each_backend};

fn leader(name: &str) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: name.into(),
        role: Role::Leader,
        unit_id: None,
        password: "correct horse".into(),
        must_change: false,
    }
}

#[tokio::test]
async fn tokens_are_hashed_scoped_revocable_and_audited() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let s = &ctx.store;
        let wang = s.create_user(&leader("wang"), "cli").await?;
        let li = s.create_user(&leader("li"), "cli").await?;
        let now = OffsetDateTime::now_utc();

        let made = s
            .create_token(wang.id, "报表脚本", TokenScope::Read, None, "wang")
            .await?;
        ensure!(made.secret.starts_with(TOKEN_PREFIX) && made.secret.len() == 4 + 64);
        ensure!(made.secret.starts_with(&made.token.prefix) && made.token.prefix.len() < 16);
        // Only the hash is stored: the secret appears nowhere in the table.
        let stored = ctx
            .count(format!(
                "SELECT COUNT(*) FROM api_tokens WHERE token_hash = '{}' OR prefix = '{}'",
                made.secret, made.secret
            ))
            .await?;
        ensure!(stored == 0, "{}: the secret is stored", ctx.label);

        let (user, scope) = s
            .token_user(&made.secret, "192.0.2.1", now)
            .await?
            .context("a fresh token works")?;
        ensure!(user.username == "wang" && user.role == Role::Leader && scope == TokenScope::Read);
        // Used once: last_used is recorded.
        let listed = s.tokens(Some(wang.id)).await?;
        ensure!(listed.len() == 1 && listed[0].last_used.is_some());
        ensure!(s.token_user("dbn_0000", "", now).await?.is_none());
        ensure!(s.token_user("not-a-token", "", now).await?.is_none());

        // Another account cannot revoke it; the office can revoke anyone's.
        match s
            .revoke_token(made.token.id, Revoker::Owner(li.id), "li")
            .await
        {
            Err(StoreError::NotFound(_)) => {}
            other => anyhow::bail!("{}: li revoked wang's token: {other:?}", ctx.label),
        }
        s.revoke_token(made.token.id, Revoker::Owner(wang.id), "wang")
            .await?;
        ensure!(
            s.token_user(&made.secret, "192.0.2.1", now)
                .await?
                .is_none()
        );
        ensure!(
            s.revoke_token(made.token.id, Revoker::Admin, "admin")
                .await
                .is_err(),
            "revoked twice"
        );
        let revoked = &s.tokens(Some(wang.id)).await?[0];
        ensure!(revoked.revoked_at.is_some());

        // Expired tokens stop at their time; a past expiry is refused at creation.
        let soon = now + Duration::hours(1);
        let rw = s
            .create_token(li.id, "同步", TokenScope::ReadWrite, Some(soon), "li")
            .await?;
        ensure!(s.token_user(&rw.secret, "", now).await?.is_some());
        ensure!(
            s.token_user(&rw.secret, "", soon + Duration::seconds(1))
                .await?
                .is_none()
        );
        ensure!(matches!(
            s.create_token(
                li.id,
                "旧",
                TokenScope::Read,
                Some(now - Duration::hours(1)),
                "li"
            )
            .await,
            Err(StoreError::Invalid(_))
        ));
        ensure!(matches!(
            s.create_token(li.id, "  ", TokenScope::Read, None, "li")
                .await,
            Err(StoreError::Invalid(_))
        ));
        ensure!(s.tokens(None).await?.len() == 2);

        // Creation, revocation and the use of a revoked token are in the audit log, which
        // still verifies.
        for (action, n) in [
            ("token.create", 2),
            ("token.revoke", 1),
            ("token.use_revoked", 1),
        ] {
            let got = ctx
                .count(format!(
                    "SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"
                ))
                .await?;
            ensure!(got == n, "{}: {action}: {got}", ctx.label);
        }
        ensure!(s.audit_verify().await?.ok());

        // Backups leave tokens out (a restore must not revive a revoked one), but carry the
        // directory marker of accounts.
        let dir =
            std::env::temp_dir().join(format!("duban-tokens-{}-{}", std::process::id(), ctx.label));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("backup.jsonl");
        s.backup(&path).await?;
        let text = std::fs::read_to_string(&path)?;
        let _ = std::fs::remove_dir_all(&dir);
        ensure!(
            !text.contains("\"table\":\"api_tokens\""),
            "{}: tokens in the backup",
            ctx.label
        );
        ensure!(
            text.contains("\"ldap\":false"),
            "{}: users' ldap column missing",
            ctx.label
        );

        // A deleted account's tokens go with it.
        ctx.raw("DELETE FROM sessions; DELETE FROM users WHERE username = 'li'")
            .await?;
        ensure!(s.token_user(&rw.secret, "", now).await?.is_none());
        Ok(())
    })
    .await
}
