//! A certificate authority made at test time and a server certificate it signs for
//! `localhost` and `127.0.0.1`, so the TLS fakes run without any file or system store.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A fresh CA and a server certificate issued by it. Trust [`TestCa::ca_pem`] on the
/// client side; a client trusting another CA (or only public roots) must refuse the server.
pub struct TestCa {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key_der: Vec<u8>,
    /// The server certificate and its key, PEM, for servers that read files (slapd).
    cert_pem: String,
    key_pem: String,
}

impl TestCa {
    pub fn new(name: &str) -> Result<TestCa, rcgen::Error> {
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, format!("{name} test CA"));
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;
        let leaf_key = KeyPair::generate()?;
        let mut leaf_params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])?;
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let leaf = leaf_params.signed_by(&leaf_key, &ca)?;
        Ok(TestCa {
            ca_pem: ca.pem(),
            chain: vec![leaf.der().clone(), ca.der().clone()],
            key_der: leaf_key.serialize_der(),
            cert_pem: format!("{}{}", leaf.pem(), ca.pem()),
            key_pem: leaf_key.serialize_pem(),
        })
    }

    /// The CA certificate, PEM: what a client is told to trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The server certificate followed by the CA's (the chain a server presents), PEM.
    pub fn server_chain_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The server certificate's private key, PKCS#8 PEM.
    pub fn server_key_pem(&self) -> &str {
        &self.key_pem
    }

    /// Accepts TLS connections presenting the server certificate.
    pub(crate) fn acceptor(&self) -> std::io::Result<TlsAcceptor> {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()));
        // ring is the one crypto provider built in, so rustls picks it.
        let config = ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), key)
            .map_err(std::io::Error::other)?;
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}
