//! The system's CA store, trusted for SMTP, HTTPS webhooks and LDAP besides the bundled
//! public roots and a CA file given by flag: an intranet whose own CA is installed in the
//! operating system (update-ca-certificates, update-ca-trust) then needs no flag at all.
//!
//! The store is the PEM bundle the distribution keeps for OpenSSL-based tools, read with no
//! OpenSSL: `SSL_CERT_FILE` when set (the variable those tools honour), else the first of
//! [`SYSTEM_CA_FILES`] that exists.

use std::path::{Path, PathBuf};

/// Where distributions keep the system's CA bundle: Debian/Ubuntu/Alpine, Fedora/RHEL
/// (two names), openSUSE, and the BSD/macOS-style name.
pub const SYSTEM_CA_FILES: [&str; 5] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The bundles to read for the system store, in order of preference: `SSL_CERT_FILE` when
/// set, else [`SYSTEM_CA_FILES`].
pub fn default_system_ca_files() -> Vec<PathBuf> {
    match std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty()) {
        Some(f) => vec![PathBuf::from(f)],
        None => SYSTEM_CA_FILES.iter().map(PathBuf::from).collect(),
    }
}

/// The certificates (each one PEM block) of the first of `files` that can be read; none
/// when no file is there. A store that cannot be read leaves the other roots in force.
pub fn system_roots(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .find_map(|f| read(f))
        .map(|pem| pem_blocks(&pem))
        .unwrap_or_default()
}

fn read(f: &Path) -> Option<String> {
    std::fs::read_to_string(f).ok()
}

/// The `CERTIFICATE` blocks of a PEM bundle, each with its BEGIN and END lines; text
/// between them (the comments distributions put there) and other kinds of block are left.
pub fn pem_blocks(pem: &str) -> Vec<String> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(BEGIN) {
        let after = &rest[start..];
        let Some(end) = after.find(END) else { break };
        out.push(format!("{}\n", &after[..end + END.len()]));
        rest = &after[end + END.len()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_splits_into_its_certificates() {
        let pem = "# comment\n-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n\
                   text\n-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n\
                   -----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----";
        let b = pem_blocks(pem);
        assert_eq!(b.len(), 2);
        assert!(b[0].contains("AAA") && !b[0].contains("comment"));
        assert!(b[1].contains("BBB") && b[1].ends_with("-----END CERTIFICATE-----\n"));
        assert!(pem_blocks("-----BEGIN CERTIFICATE-----\ncut").is_empty());
    }

    #[test]
    fn the_first_readable_bundle_is_the_store() {
        let dir = std::env::temp_dir().join(format!("duban_trust_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("bundle.pem");
        std::fs::write(
            &f,
            "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let roots = system_roots(&[dir.join("missing.pem"), f.clone()]);
        assert_eq!(roots.len(), 1);
        assert!(system_roots(&[dir.join("missing.pem")]).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
