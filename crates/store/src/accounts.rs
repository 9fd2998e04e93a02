use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::time_util::{from_unix, from_unix_opt, to_unix};
use crate::{Store, StoreError, UnitId, UserId};

/// Wrong passwords for one account before each further one delays it (2 s, 4 s, 8 s …).
pub const MAX_FAILED_LOGINS: i64 = 5;
/// The longest an account is delayed: short, so that a stranger guessing from many
/// addresses slows its owner down by seconds, never locks them out.
pub const LOCK_SECONDS: i64 = 30;
/// Wrong passwords from one client address before each further one delays it.
pub const ADDRESS_FREE_FAILURES: i64 = 10;
/// The longest one address is delayed (its delay doubles with every wrong password).
pub const ADDRESS_MAX_DELAY: i64 = 3600;
/// An address's count is forgotten this long after its last wrong password.
pub const ADDRESS_FORGET_SECONDS: i64 = 24 * 3600;

/// What the throttle knows of a client address now (a forgotten count reads as none).
pub(crate) struct AddressState {
    pub failures: i64,
    pub blocked_until: Option<i64>,
}

/// The delay after the `failures`-th wrong password: none for the first `free - 1`, then
/// 2 s doubling up to `cap` (times are whole seconds, so 2 s is at least one).
pub(crate) fn throttle_delay(failures: i64, free: i64, cap: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let exp = (failures - free).clamp(0, 30) as u32;
    (2i64 << exp).min(cap)
}

/// A few hundred of the passwords people choose first (and guessers try first), written
/// for this list: keyboard runs, digits, "password"-likes, pinyin and Chinese favourites.
/// Compared ignoring case; a password of at least 10 characters found here is refused.
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789a",
    "a123456789",
    "0123456789",
    "9876543210",
    "1111111111",
    "0000000000",
    "1234512345",
    "1122334455",
    "1qaz2wsx3edc",
    "qwertyuiop",
    "qwertyuiop1",
    "asdfghjkl1",
    "zxcvbnm123",
    "1q2w3e4r5t",
    "q1w2e3r4t5",
    "qwerty1234",
    "qwerty123456",
    "password12",
    "password123",
    "password1234",
    "password!1",
    "passw0rd12",
    "p@ssw0rd12",
    "p@ssword123",
    "passwordpassword",
    "iloveyou12",
    "iloveyou123",
    "woaini1314",
    "woaini520",
    "woaini123456",
    "5201314520",
    "1314520520",
    "5211314abc",
    "abc1234567",
    "abcd123456",
    "abcdefghij",
    "abcdefg123",
    "aa12345678",
    "aaaaaaaaaa",
    "abc123456789",
    "admin12345",
    "admin123456",
    "administrator",
    "admin@1234",
    "root123456",
    "welcome123",
    "welcome1234",
    "letmein123",
    "changeme123",
    "trustno1234",
    "sunshine12",
    "football12",
    "baseball12",
    "dragon1234",
    "monkey1234",
    "princess12",
    "superman12",
    "qazwsxedc1",
    "qazwsxedcrfv",
    "1qazxsw23edc",
    "zaq12wsxcde",
    "!qaz2wsx3edc",
    "12345qwert",
    "qwert12345",
    "asdf123456",
    "zxcv123456",
    "qwe1234567",
    "asd1234567",
    "zxc1234567",
    "aini1314520",
    "ww123456789",
    "zz123456789",
    "hello12345",
    "hello123456",
    "china12345",
    "china123456",
    "zhongguo123",
    "beijing123",
    "shanghai123",
    "duban12345",
    "duban123456",
    "ducha12345",
    "ducha123456",
    "dcb1234567",
    "gov1234567",
    "zhengfu123",
    "zhengfu1234",
    "bangong123",
    "bangongshi1",
    "1234567890a",
    "123456789abc",
    "a1b2c3d4e5",
    "1a2b3c4d5e",
    "123qweasdzxc",
    "qweasdzxc123",
    "123123123123",
    "1231231230",
    "7777777777",
    "8888888888",
    "6666666666",
    "9999999999",
    "1234554321",
    "0987654321",
    "12344321ab",
    "11223344556",
    "caonima123",
    "test123456",
    "testtest12",
    "guest12345",
    "user123456",
    "default123",
    "temp123456",
    "newpassword",
    "mypassword1",
    "secret1234",
    "computer12",
    "internet12",
    "nopassword",
    "password01",
    "password00",
    "Aa123456789",
    "Aa12345678",
];

fn validate_password(password: &str, username: &str) -> Result<(), StoreError> {
    if password.chars().count() < 10 {
        return Err(StoreError::Invalid("密码至少10位".into()));
    }
    if password.trim().is_empty() {
        return Err(StoreError::Invalid("密码不能全是空格".into()));
    }
    let mut chars = password.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return Err(StoreError::Invalid("密码不能由同一个字符重复组成".into()));
    }
    let lower = password.to_lowercase();
    let name = username.trim().to_lowercase();
    if !name.is_empty() && (lower == name || (lower.contains(&name) && name.chars().count() >= 4)) {
        return Err(StoreError::Invalid(
            "密码不能与用户名相同或包含用户名".into(),
        ));
    }
    if COMMON_PASSWORDS.iter().any(|p| p.to_lowercase() == lower) {
        return Err(StoreError::Invalid(
            "该密码过于常见，容易被猜中，请换一个".into(),
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The supervision office (督查办).
    Admin,
    /// Reads everything.
    Leader,
    /// Unit staff: their unit's tasks only.
    Unit,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Leader => "leader",
            Role::Unit => "unit",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "leader" => Some(Role::Leader),
            "unit" => Some(Role::Unit),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "督查办",
            Role::Leader => "领导",
            Role::Unit => "单位",
        }
    }
}

/// An account, without its password hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<UnitId>,
    /// The user must choose a new password before doing anything else.
    pub must_change: bool,
    pub failed_count: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Where email reminders go when the user's unit has no address of its own.
    pub email: Option<String>,
    /// Set while the account is disabled: it cannot log in or use a token.
    #[serde(with = "time::serde::rfc3339::option")]
    pub disabled_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Required for `Role::Unit`.
    pub unit_id: Option<UnitId>,
    pub password: String,
    pub must_change: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LoginOutcome {
    Ok(User),
    /// Unknown user or wrong password: the caller must not say which.
    BadCredentials,
    /// Too many wrong passwords; no password is checked until `until`.
    Locked {
        until: OffsetDateTime,
    },
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_id: Option<i64>,
    pub password_hash: String,
    pub must_change: bool,
    pub failed_count: i64,
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub email: Option<String>,
    pub disabled_at: Option<i64>,
}

impl UserRow {
    pub(crate) fn into_user(self) -> User {
        User {
            id: UserId(self.id),
            username: self.username,
            display_name: self.display_name,
            // The CHECK constraint admits only the three roles; anything else (a hand edit)
            // gets the least privilege.
            role: Role::parse(&self.role).unwrap_or(Role::Unit),
            unit_id: self.unit_id.map(UnitId),
            must_change: self.must_change,
            failed_count: self.failed_count,
            locked_until: from_unix_opt(self.locked_until),
            created_at: from_unix(self.created_at),
            email: self.email,
            disabled_at: from_unix_opt(self.disabled_at),
        }
    }
}

impl User {
    pub(crate) fn audit_json(&self) -> serde_json::Value {
        serde_json::json!({
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role.as_str(),
            "unit_id": self.unit_id.map(|u| u.0),
            "must_change": self.must_change,
        })
    }
}

/// An account made by [`Store::create_unit_accounts`], with its generated password: the only
/// moment the password exists in clear (it is stored hashed), for the credentials sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedAccount {
    pub unit: String,
    pub display_name: String,
    pub username: String,
    pub password: String,
}

/// Sixteen characters from an alphabet without look-alikes (0/O, 1/l/I): about 93 bits, from
/// the thread's cryptographically secure generator.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    loop {
        let p: String = (0..16)
            .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
            .collect();
        // Vanishingly rare, but a generated password must pass the same rules as a typed one.
        if validate_password(&p, "").is_ok() {
            return p;
        }
    }
}

/// The user name a unit's generated account gets: `dw` and the unit's id ("单位"), made
/// unique with a suffix by the caller when taken.
pub(crate) fn unit_username(unit: UnitId, attempt: u32) -> String {
    if attempt == 0 {
        format!("dw{}", unit.0)
    } else {
        format!("dw{}-{}", unit.0, attempt + 1)
    }
}

/// One account to create in a batch: the unit, its name and the generated password's hash.
pub(crate) struct BatchAccount {
    pub unit: UnitId,
    pub unit_name: String,
    pub hash: String,
    pub password: String,
}

fn validate_username(username: &str) -> Result<(), StoreError> {
    let u = username.trim();
    if u.is_empty() || u.chars().count() > 64 || u != username {
        return Err(StoreError::Invalid(
            "用户名不能为空、不能超过64个字符、首尾不能有空格".into(),
        ));
    }
    Ok(())
}

impl Store {
    /// Creates an account; the password is hashed with argon2id here.
    pub async fn create_user(&self, new: &NewUser, actor: &str) -> Result<User, StoreError> {
        validate_username(&new.username)?;
        validate_password(&new.password, &new.username)?;
        if new.role == Role::Unit && new.unit_id.is_none() {
            return Err(StoreError::Invalid("单位账号必须属于一个单位".into()));
        }
        let hash = self.hasher.hash_async(&new.password).await?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, accounts::create_user(new, &hash, now, actor))
    }

    pub async fn find_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        Ok(dispatch!(self, accounts::user_row_by_name(username))?.map(UserRow::into_user))
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        dispatch!(self, accounts::user_by_id(id))
    }

    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        dispatch!(self, accounts::list_users())
    }

    /// Sets a new password, clears any lock, and sets whether it must be changed at the next
    /// login (true when an admin resets it, false when the user chose it).
    pub async fn set_password(
        &self,
        user: UserId,
        password: &str,
        must_change: bool,
        actor: &str,
    ) -> Result<(), StoreError> {
        let username = dispatch!(self, accounts::user_by_id(user))?
            .ok_or(StoreError::NotFound("该用户"))?
            .username;
        validate_password(password, &username)?;
        let hash = self.hasher.hash_async(password).await?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            accounts::set_password(user, &hash, must_change, now, actor)
        )
    }

    /// Whether `password` is still the account's password, without counting an attempt or
    /// writing anything: for `serve --demo`, which shows the demo logins on every start only
    /// while their generated passwords have not been changed.
    pub async fn password_unchanged(
        &self,
        username: &str,
        password: &str,
    ) -> Result<bool, StoreError> {
        Ok(
            match dispatch!(self, accounts::user_row_by_name(username))? {
                Some(row) => self.hasher.verify_async(password, &row.password_hash).await,
                None => false,
            },
        )
    }

    /// Disables or re-enables an account (admin action). Disabling ends its sessions in the
    /// same transaction; its tokens stop working because every lookup checks the flag.
    pub async fn set_user_disabled(
        &self,
        user: UserId,
        disabled: bool,
        actor: &str,
    ) -> Result<(), StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, accounts::set_disabled(user, disabled, now, actor))
    }

    /// Creates an account for every unit of `plan` (named by one of its current tasks) that
    /// has none, each with a generated password it must change at first login, in one
    /// transaction with one audit entry per account and one for the batch. Returns the
    /// accounts with their passwords in clear, for the credentials sheet; nothing keeps them.
    pub async fn create_unit_accounts(
        &self,
        plan: crate::PlanId,
        actor: &str,
    ) -> Result<Vec<IssuedAccount>, StoreError> {
        let units = dispatch!(self, accounts::units_without_account(plan))?;
        let mut batch = Vec::with_capacity(units.len());
        for (unit, unit_name) in units {
            let password = generate_password();
            let hash = self.hasher.hash_async(&password).await?;
            batch.push(BatchAccount {
                unit,
                unit_name,
                hash,
                password,
            });
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, accounts::create_batch(plan, &batch, now, actor))
    }

    /// The units named by a current task of `plan` that have no account yet, by name.
    pub async fn units_without_account(
        &self,
        plan: crate::PlanId,
    ) -> Result<Vec<(UnitId, String)>, StoreError> {
        dispatch!(self, accounts::units_without_account(plan))
    }

    /// Sets an account's 姓名 (admin action).
    pub async fn rename_user(
        &self,
        user: UserId,
        display_name: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let name = display_name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(StoreError::Invalid(
                "姓名不能为空，且不能超过64个字符".into(),
            ));
        }
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, accounts::rename(user, name, now, actor))
    }

    /// Lifts a lock before it expires (admin action).
    pub async fn unlock_user(&self, user: UserId, actor: &str) -> Result<(), StoreError> {
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(self, accounts::unlock(user, now, actor))
    }

    /// [`Store::verify_login_from`] without a client address (the command line): only the
    /// account's own delay applies.
    pub async fn verify_login(
        &self,
        username: &str,
        password: &str,
        now: OffsetDateTime,
    ) -> Result<LoginOutcome, StoreError> {
        self.verify_login_from(username, password, "", now).await
    }

    /// Checks a password tried from `client` (an IP address; "" when unknown), throttling
    /// per address and per account with growing delays, all counted in the database so
    /// every instance sees the same counts:
    /// - an address's 10th wrong password in a day delays it 2 s, and every further one
    ///   doubles the delay, up to an hour: one stranger is slowed down to nothing;
    /// - an account's 5th wrong password in a row delays it 2 s, doubling up to 30 s, for
    ///   addresses that have failed before; an address without failures may still try, so a
    ///   stranger never locks the owner out.
    ///
    /// While delayed the answer is `Locked` without checking the password. Every wrong
    /// password is an audit entry (`user.login_failed`, with the address) in the same
    /// transaction as its counts; a success resets the account's and the address's counts.
    /// Attempts refused during a delay are audited once per address and delay window
    /// (`user.login_refused`), counted, and the count carried into the next such entry.
    pub async fn verify_login_from(
        &self,
        username: &str,
        password: &str,
        client: &str,
        now: OffsetDateTime,
    ) -> Result<LoginOutcome, StoreError> {
        let now_s = to_unix(now);
        let row = match self.login_gate(username, client, now_s).await? {
            Ok(row) => row,
            // Refused without checking the password; audited once per address and window.
            Err(until) => {
                return dispatch!(
                    self,
                    accounts::record_refusal(username, client, until, now_s)
                );
            }
        };
        let Some(row) = row else {
            // Spend the same effort as for a real account so timing does not reveal which
            // usernames exist.
            let _ = self.hasher.hash_async(password).await;
            return dispatch!(
                self,
                accounts::record_failure(None, username, client, now_s)
            );
        };
        let id = UserId(row.id);
        if self.hasher.verify_async(password, &row.password_hash).await {
            dispatch!(self, accounts::record_success(id, client, now_s))
        } else {
            dispatch!(
                self,
                accounts::record_failure(Some(id), username, client, now_s)
            )
        }
    }
}

impl Store {
    /// The delays in force before any password is checked: the address's, then the
    /// account's (only for addresses that have failed before). `Err(until)` while delayed,
    /// else the account's row, if there is one.
    pub(crate) async fn login_gate(
        &self,
        username: &str,
        client: &str,
        now_s: i64,
    ) -> Result<Result<Option<UserRow>, i64>, StoreError> {
        let address = dispatch!(self, accounts::address_state(client, now_s))?;
        if let Some(until) = address.blocked_until.filter(|u| *u > now_s) {
            return Ok(Err(until));
        }
        let row = dispatch!(self, accounts::user_row_by_name(username))?;
        if let Some(until) = row
            .as_ref()
            .and_then(|r| r.locked_until)
            .filter(|u| *u > now_s && (client.is_empty() || address.failures > 0))
        {
            return Ok(Err(until));
        }
        Ok(Ok(row))
    }
}
