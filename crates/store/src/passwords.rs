use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::StoreError;

/// argon2id with either the library's default cost (service) or a tiny one (tests).
#[derive(Debug, Clone, Default)]
pub struct PasswordHasher {
    params: Params,
}

impl PasswordHasher {
    /// Minimal cost: only for tests, where hundreds of hashes would otherwise dominate.
    pub fn cheap() -> Self {
        // 8 KiB, one pass: the smallest the argon2 crate accepts.
        let params = Params::new(8, 1, 1, None).unwrap_or_default();
        PasswordHasher { params }
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string (`$argon2id$v=19$…`) with a fresh random salt.
    pub fn hash(&self, password: &str) -> Result<String, StoreError> {
        let salt_bytes: [u8; 16] = rand::random();
        let salt =
            SaltString::encode_b64(&salt_bytes).map_err(|e| StoreError::Password(e.to_string()))?;
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Password(e.to_string()))
    }

    /// Whether `password` matches `phc`. The parameters stored in `phc` are used, so hashes
    /// made with other costs still verify. A malformed stored hash never matches.
    pub fn verify(&self, password: &str, phc: &str) -> bool {
        match PasswordHash::new(phc) {
            Ok(parsed) => self
                .argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    }

    /// Hashes on the blocking pool: argon2 takes tens of milliseconds of CPU and must not
    /// stall the async workers serving other requests.
    pub(crate) async fn hash_async(&self, password: &str) -> Result<String, StoreError> {
        let me = self.clone();
        let pw = password.to_string();
        tokio::task::spawn_blocking(move || me.hash(&pw))
            .await
            .map_err(|e| StoreError::Password(e.to_string()))?
    }

    pub(crate) async fn verify_async(&self, password: &str, phc: &str) -> bool {
        let me = self.clone();
        let pw = password.to_string();
        let phc = phc.to_string();
        tokio::task::spawn_blocking(move || me.verify(&pw, &phc))
            .await
            .unwrap_or(false)
    }
}
