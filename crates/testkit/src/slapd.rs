//! A real OpenLDAP server (`/usr/sbin/slapd`) for the directory-login tests: a temporary
//! configuration and database loaded from the test's LDIF (`slapadd`), serving plain LDAP
//! on a free loopback port (and, from [`slapd_tls`], StartTLS on it and `ldaps://` on a
//! second port with a certificate from a [`TestCa`]), stopped and removed when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SLAPD: &str = "/usr/sbin/slapd";
const SLAPADD: &str = "/usr/sbin/slapadd";

/// The directory's suffix; the LDIF's entries live under it.
pub const BASE_DN: &str = "dc=example,dc=gov";
/// The service account the application searches with.
pub const ROOT_DN: &str = "cn=admin,dc=example,dc=gov";
pub const ROOT_PASSWORD: &str = "service-account-secret";

pub struct Slapd {
    /// `ldap://127.0.0.1:PORT`
    pub url: String,
    /// `ldaps://localhost:PORT` (the name the test certificate is issued for), when
    /// started by [`slapd_tls`].
    pub ldaps_url: Option<String>,
    child: Child,
    dir: PathBuf,
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts slapd with `ldif` loaded. `Ok(None)` when slapd is not installed and `CI` is not
/// set (the caller skips, saying so); under CI a missing slapd is an error, so the tests
/// cannot pass without running.
pub fn slapd(ldif: &str) -> std::io::Result<Option<Slapd>> {
    start(ldif, None)
}

/// [`slapd`] with TLS: StartTLS offered on [`Slapd::url`] and TLS from the first byte on
/// [`Slapd::ldaps_url`], presenting `ca`'s server certificate for `localhost`.
pub fn slapd_tls(ldif: &str, ca: &crate::TestCa) -> std::io::Result<Option<Slapd>> {
    start(ldif, Some(ca))
}

fn free_port() -> std::io::Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

fn start(ldif: &str, tls: Option<&crate::TestCa>) -> std::io::Result<Option<Slapd>> {
    if !Path::new(SLAPD).exists() || !Path::new(SLAPADD).exists() {
        if std::env::var_os("CI").is_some() {
            return Err(std::io::Error::other(
                "CI is set but slapd is missing: apt-get install slapd ldap-utils",
            ));
        }
        eprintln!("note: {SLAPD} missing; directory-login test skipped");
        return Ok(None);
    }
    let dir = std::env::temp_dir().join(format!(
        "duban-slapd-{}-{}",
        std::process::id(),
        next_number()
    ));
    let data = dir.join("data");
    // A crashed run of a process with the same id may have left one behind.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&data)?;
    let conf = dir.join("slapd.conf");
    let tls_conf = match tls {
        Some(ca) => {
            let (cert, key) = (dir.join("server.pem"), dir.join("server.key"));
            std::fs::write(&cert, ca.server_chain_pem())?;
            std::fs::write(&key, ca.server_key_pem())?;
            format!(
                "TLSCertificateFile {}\nTLSCertificateKeyFile {}\n",
                cert.display(),
                key.display()
            )
        }
        None => String::new(),
    };
    std::fs::write(
        &conf,
        format!(
            "include /etc/ldap/schema/core.schema\n\
             include /etc/ldap/schema/cosine.schema\n\
             include /etc/ldap/schema/inetorgperson.schema\n\
             modulepath /usr/lib/ldap\n\
             moduleload back_mdb\n\
             {tls_conf}\
             pidfile {pid}\n\
             database mdb\n\
             maxsize 10485760\n\
             suffix \"{BASE_DN}\"\n\
             rootdn \"{ROOT_DN}\"\n\
             rootpw {ROOT_PASSWORD}\n\
             directory {data}\n",
            pid = dir.join("slapd.pid").display(),
            data = data.display(),
        ),
    )?;
    let ldif_path = dir.join("data.ldif");
    std::fs::write(&ldif_path, ldif)?;
    let out = Command::new(SLAPADD)
        .arg("-f")
        .arg(&conf)
        .arg("-l")
        .arg(&ldif_path)
        .output()?;
    if !out.status.success() {
        return Err(std::io::Error::other(format!(
            "slapadd failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let port = free_port()?;
    let url = format!("ldap://127.0.0.1:{port}");
    let tls_port = match tls {
        Some(_) => Some(free_port()?),
        None => None,
    };
    let mut listen = format!("{url}/");
    if let Some(p) = tls_port {
        listen.push_str(&format!(" ldaps://127.0.0.1:{p}/"));
    }
    // -d 0: stay in the foreground (so the child is slapd itself), logging nothing.
    let child = Command::new(SLAPD)
        .arg("-f")
        .arg(&conf)
        .arg("-h")
        .arg(&listen)
        .arg("-d")
        .arg("0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = Slapd {
        url,
        ldaps_url: tls_port.map(|p| format!("ldaps://localhost:{p}")),
        child,
        dir,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    for p in std::iter::once(port).chain(tls_port) {
        while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
            if Instant::now() > deadline {
                return Err(std::io::Error::other("slapd did not start listening"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Ok(Some(server))
}

/// Distinguishes the servers one test process starts.
fn next_number() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}
