//! TLS for the directory (`ldaps://` and StartTLS) through rustls with ring, no OpenSSL:
//! the server's certificate is verified against the bundled public roots, the system's CA
//! store and the CA file given by flag (`--ldap-ca-file`). Nothing is ever accepted
//! unverified.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

use super::ldap::LdapSettings;

/// The roots: public (webpki-roots), the system's store, then the configured CA, which must
/// hold at least one certificate.
pub fn roots(s: &LdapSettings) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for pem in duban_notify::trust::system_roots(&s.system_ca_files) {
        // A system bundle may carry a certificate rustls cannot use: that one is left out.
        if let Ok(der) = CertificateDer::from_pem_slice(pem.as_bytes()) {
            let _ = store.add(der);
        }
    }
    if let Some(pem) = &s.ca_pem {
        let mut added = 0;
        for der in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let der = der.map_err(|e| format!("目录服务器的 CA 证书无效：{e}"))?;
            store
                .add(der)
                .map_err(|e| format!("目录服务器的 CA 证书无效：{e}"))?;
            added += 1;
        }
        if added == 0 {
            return Err("目录服务器的 CA 证书不是有效的 PEM 证书".into());
        }
    }
    Ok(store)
}

/// The client configuration for the directory's connection.
pub fn client_config(s: &LdapSettings) -> Result<Arc<ClientConfig>, String> {
    // ring is the one crypto provider in the build (as for lettre and reqwest), so rustls
    // takes it as the process default.
    let config = ClientConfig::builder()
        .with_root_certificates(roots(s)?)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_a_certificate_is_refused() {
        let mut s = LdapSettings::new("ldaps://localhost", "dc=x");
        s.system_ca_files = Vec::new();
        s.ca_pem = Some("not a certificate".into());
        assert!(client_config(&s).unwrap_err().contains("CA 证书"));
        s.ca_pem = None;
        let public = roots(&s).unwrap().len();
        assert!(public > 50, "the public roots: {public}");
    }
}
