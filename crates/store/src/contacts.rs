use time::OffsetDateTime;

use crate::time_util::to_unix;
use crate::{Store, StoreError, UnitId, UserId};

/// Checks an address well enough to refuse typing mistakes and anything that could inject
/// mail headers (line breaks, several addresses); the mail server has the last word.
pub(crate) fn normalise_email(email: Option<&str>) -> Result<Option<String>, StoreError> {
    let Some(e) = email.map(str::trim).filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    let bad = || {
        StoreError::Invalid(format!(
            "邮箱地址“{e}”格式不对，应为 name@example.gov.cn 这样的地址"
        ))
    };
    if e.chars().count() > 254
        || e.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, ',' | ';' | '<' | '>' | '"')
        })
    {
        return Err(bad());
    }
    let (local, domain) = e.split_once('@').ok_or_else(bad)?;
    if local.is_empty() || domain.is_empty() || domain.contains('@') || !domain.contains('.') {
        return Err(bad());
    }
    Ok(Some(e.to_string()))
}

impl Store {
    /// Sets (or with `None` clears) the address email reminders for a unit go to.
    pub async fn set_unit_email(
        &self,
        unit: UnitId,
        email: Option<&str>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let email = normalise_email(email)?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            contacts::set_unit_email(unit, email.as_deref(), actor, now)
        )
    }

    /// Sets (or with `None` clears) a user's own address.
    pub async fn set_user_email(
        &self,
        user: UserId,
        email: Option<&str>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let email = normalise_email(email)?;
        let now = to_unix(OffsetDateTime::now_utc());
        dispatch!(
            self,
            contacts::set_user_email(user, email.as_deref(), actor, now)
        )
    }

    /// Where email for a unit goes: the unit's own address when it has one, else the
    /// addresses of its users (sorted, without repeats). Empty when nobody can be mailed.
    pub async fn unit_email_recipients(&self, unit: UnitId) -> Result<Vec<String>, StoreError> {
        dispatch!(self, contacts::unit_email_recipients(unit))
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_email;

    #[test]
    fn addresses_that_could_inject_headers_are_refused() {
        assert_eq!(
            normalise_email(Some(" kj@cq.gov.cn "))
                .ok()
                .flatten()
                .as_deref(),
            Some("kj@cq.gov.cn")
        );
        assert!(matches!(normalise_email(Some("")), Ok(None)));
        for bad in [
            "kj",
            "a@b",
            "a@b.cn\r\nBcc: x@y.cn",
            "a@b.cn, c@d.cn",
            "@b.cn",
        ] {
            assert!(normalise_email(Some(bad)).is_err(), "{bad}");
        }
    }
}
