//! Fakes for the test suites, on loopback only: an SMTP server that records the messages it
//! accepts and an HTTP server that records the bodies posted to it (a webhook), both of
//! which can be told to fail their first requests, to exercise retries, and have TLS
//! variants (STARTTLS, SMTPS, HTTPS with DingTalk's signature check) using a certificate
//! authority generated at test time ([`TestCa`]); and a real slapd serving a test
//! directory.
//!
//! Dev-only: never a dependency of a shipped crate.

#![forbid(unsafe_code)]

mod http;
mod slapd;
mod smtp;
mod tls;

pub use http::{HttpServer, http_server, https_server};
pub use slapd::{BASE_DN, ROOT_DN, ROOT_PASSWORD, Slapd, slapd, slapd_tls};
pub use smtp::{Mail, SmtpServer, smtp_server, smtp_starttls_server, smtps_server};
pub use tls::TestCa;

use std::sync::{Arc, Mutex, MutexGuard};

/// A recorder's lock; a test that panicked while holding it has already failed, so the data
/// is still worth reading.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Counts down the requests still to fail; true while some are left.
#[derive(Clone)]
struct Failures(Arc<Mutex<usize>>);

impl Failures {
    fn new(n: usize) -> Self {
        Failures(Arc::new(Mutex::new(n)))
    }

    fn take_one(&self) -> bool {
        let mut left = lock(&self.0);
        if *left > 0 {
            *left -= 1;
            true
        } else {
            false
        }
    }
}
