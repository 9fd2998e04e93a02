//! API tokens: per account, for scripts calling the JSON API without a password.
//!
//! The secret (`dbn_` + 32 random bytes as hex) is shown once and stored as its SHA-256.
//! A random 256-bit secret cannot be guessed or brute-forced from its hash, so it needs no
//! slow password hash (argon2 would only make every API call slower); the same reasoning
//! as for session tokens. A token acts with its account's role and unit scope as they are
//! at each use, and goes with its account.

use serde::Serialize;
use time::OffsetDateTime;

use crate::sessions::token_hash;
use crate::time_util::to_unix;
use crate::{SessionUser, Store, StoreError, UserId};

/// The start of every token, so a leaked one is recognisable in logs and by scanners.
pub const TOKEN_PREFIX: &str = "dbn_";
/// How much of the secret the list shows (the prefix and 8 hex digits).
const SHOWN_CHARS: usize = 12;
/// `last_used` is rewritten at most this often: a write per API call would serialise
/// readers on SQLite's single writer for a timestamp nobody needs to the second.
pub(crate) const TOUCH_AFTER_SECONDS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TokenScope {
    /// GET only.
    #[serde(rename = "read")]
    Read,
    /// Everything the account may do through the JSON API.
    #[serde(rename = "read-write")]
    ReadWrite,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::ReadWrite => "read-write",
        }
    }

    pub fn parse(s: &str) -> Option<TokenScope> {
        match s {
            "read" => Some(TokenScope::Read),
            "read-write" => Some(TokenScope::ReadWrite),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TokenScope::Read => "只读",
            TokenScope::ReadWrite => "读写",
        }
    }
}

/// A token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: UserId,
    pub username: String,
    pub name: String,
    /// The first characters of the secret, to tell tokens apart.
    pub prefix: String,
    pub scope: TokenScope,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// A token just created, with the secret the owner sees this once.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
}

/// Who may revoke a token: its owner, or the office for anyone's.
#[derive(Debug, Clone, Copy)]
pub enum Revoker {
    Owner(UserId),
    Admin,
}

impl Store {
    /// Creates a token for `user`; the secret is in the answer and nowhere else.
    pub async fn create_token(
        &self,
        user: UserId,
        name: &str,
        scope: TokenScope,
        expires_at: Option<OffsetDateTime>,
        actor: &str,
    ) -> Result<CreatedToken, StoreError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(StoreError::Invalid(
                "令牌名称不能为空，且不能超过64个字符".into(),
            ));
        }
        let now = OffsetDateTime::now_utc();
        if expires_at.is_some_and(|e| e <= now) {
            return Err(StoreError::Invalid("有效期应晚于现在".into()));
        }
        let bytes: [u8; 32] = rand::random();
        let secret = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
        let prefix: String = secret.chars().take(SHOWN_CHARS).collect();
        let token = dispatch!(
            self,
            tokens::create(
                user,
                name,
                &prefix,
                &token_hash(&secret),
                scope,
                to_unix(now),
                expires_at.map(to_unix),
                actor
            )
        )?;
        Ok(CreatedToken { token, secret })
    }

    /// One account's tokens, or every account's (`None`, for the office), newest first.
    pub async fn tokens(&self, user: Option<UserId>) -> Result<Vec<ApiToken>, StoreError> {
        dispatch!(self, tokens::list(user))
    }

    /// Revokes a token at once; a token of someone else's is "not found" to its owner's peers.
    pub async fn revoke_token(&self, id: i64, by: Revoker, actor: &str) -> Result<(), StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, tokens::revoke(id, by, now, actor))
    }

    /// The account behind a bearer secret, with the token's scope; `None` when the secret
    /// is unknown, expired or revoked (a revoked token's use is an audit entry, with the
    /// client address).
    pub async fn token_user(
        &self,
        secret: &str,
        client: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(SessionUser, TokenScope)>, StoreError> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        dispatch!(
            self,
            tokens::lookup(&token_hash(secret), client, to_unix(now))
        )
    }
}
