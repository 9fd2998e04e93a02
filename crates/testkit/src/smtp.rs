//! An SMTP server (no AUTH) speaking just enough of RFC 5321 for lettre: plain, with
//! STARTTLS (RFC 3207) or SMTPS (TLS from the first byte).

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::{Failures, TestCa, lock};

/// One message as the server accepted it: the envelope recipients and the raw DATA.
#[derive(Debug, Clone)]
pub struct Mail {
    pub rcpt: Vec<String>,
    pub data: String,
    /// Whether the message came over TLS (after STARTTLS or on SMTPS).
    pub tls: bool,
}

impl Mail {
    fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        // Long headers are folded onto continuation lines.
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }

    /// The Subject, decoded from RFC 2047 encoded words.
    pub fn subject(&self) -> String {
        let raw = self.header("Subject").unwrap_or_default();
        let mut out = Vec::new();
        for word in raw.split_whitespace() {
            let parts: Vec<&str> = word.split('?').collect();
            if parts.len() == 5 && parts[0] == "=" && parts[4] == "=" {
                match parts[2] {
                    "b" | "B" => out.extend(base64_decode(parts[3])),
                    _ => out.extend(parts[3].bytes()),
                }
            } else {
                if !out.is_empty() {
                    out.push(b' ');
                }
                out.extend(word.bytes());
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    pub fn transfer_encoding(&self) -> Option<String> {
        self.header("Content-Transfer-Encoding")
    }

    pub fn content_type(&self) -> Option<String> {
        self.header("Content-Type")
    }

    /// The body, decoded from base64 (what the app sends).
    pub fn body(&self) -> String {
        let body = self.data.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
        let joined: String = body.split_whitespace().collect();
        String::from_utf8_lossy(&base64_decode(&joined)).into_owned()
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let Some(v) = val(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

pub struct SmtpServer {
    port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpServer {
    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every message accepted so far, in order.
    pub fn received(&self) -> Vec<Mail> {
        lock(&self.mails).clone()
    }
}

/// How a server secures its sessions.
#[derive(Clone)]
enum Security {
    Plain,
    /// Offers STARTTLS and upgrades when asked.
    StartTls(TlsAcceptor),
    /// TLS from the first byte.
    Smtps(TlsAcceptor),
}

/// Starts the server on a free loopback port; it answers the first `fail_first` DATA
/// commands with a transient 451 and accepts the rest.
pub async fn smtp_server(fail_first: usize) -> std::io::Result<SmtpServer> {
    start(fail_first, Security::Plain).await
}

/// Like [`smtp_server`], offering STARTTLS with a certificate issued by `ca`.
pub async fn smtp_starttls_server(ca: &TestCa) -> std::io::Result<SmtpServer> {
    start(0, Security::StartTls(ca.acceptor()?)).await
}

/// Like [`smtp_server`], speaking TLS from the first byte (SMTPS) with a certificate issued
/// by `ca`.
pub async fn smtps_server(ca: &TestCa) -> std::io::Result<SmtpServer> {
    start(0, Security::Smtps(ca.acceptor()?)).await
}

async fn start(fail_first: usize, security: Security) -> std::io::Result<SmtpServer> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let failures = Failures::new(fail_first);
    let m = mails.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(session(sock, m.clone(), failures.clone(), security.clone()));
        }
    });
    Ok(SmtpServer { port, mails })
}

async fn session(
    sock: TcpStream,
    mails: Arc<Mutex<Vec<Mail>>>,
    failures: Failures,
    security: Security,
) {
    let d = Dialogue {
        mails: &mails,
        failures: &failures,
    };
    match security {
        Security::Plain => {
            d.run(sock, true, false, false).await;
        }
        Security::Smtps(acceptor) => {
            if let Ok(tls) = acceptor.accept(sock).await {
                d.run(tls, true, false, true).await;
            }
        }
        Security::StartTls(acceptor) => {
            // The client greets again (EHLO) over TLS; no second banner.
            if let Some(sock) = d.run(sock, true, true, false).await
                && let Ok(tls) = acceptor.accept(sock).await
            {
                d.run(tls, false, false, true).await;
            }
        }
    }
}

struct Dialogue<'a> {
    mails: &'a Mutex<Vec<Mail>>,
    failures: &'a Failures,
}

impl Dialogue<'_> {
    /// Serves commands until QUIT or the end of the stream; returns the stream when the
    /// client asked for STARTTLS (only offered with `offer_starttls`), to be upgraded.
    async fn run<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        stream: S,
        greet: bool,
        offer_starttls: bool,
        tls: bool,
    ) -> Option<S> {
        let mut r = BufReader::new(stream);
        if greet {
            let _ = say(&mut r, b"220 fake.smtp ESMTP\r\n").await;
        }
        let mut rcpt = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                return None;
            }
            let cmd = line.trim_end().to_ascii_uppercase();
            let reply: &[u8] = if cmd.starts_with("EHLO") {
                if offer_starttls {
                    b"250-fake.smtp\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
                } else {
                    b"250-fake.smtp\r\n250 8BITMIME\r\n"
                }
            } else if offer_starttls && cmd == "STARTTLS" {
                let _ = say(&mut r, b"220 ready to start TLS\r\n").await;
                return Some(r.into_inner());
            } else if cmd.starts_with("HELO") || cmd.starts_with("MAIL") {
                rcpt.clear();
                b"250 OK\r\n"
            } else if cmd.starts_with("RCPT") {
                // "RCPT TO:<addr>"
                let addr = line.trim_end().get(8..).unwrap_or("");
                rcpt.push(
                    addr.trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_string(),
                );
                b"250 OK\r\n"
            } else if cmd == "DATA" {
                let _ = say(&mut r, b"354 go ahead\r\n").await;
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if r.read_line(&mut l).await.unwrap_or(0) == 0 {
                        return None;
                    }
                    if l == ".\r\n" {
                        break;
                    }
                    // Dot-stuffing (RFC 5321 4.5.2).
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                }
                if self.failures.take_one() {
                    b"451 4.3.0 try again later\r\n"
                } else {
                    lock(self.mails).push(Mail {
                        rcpt: rcpt.clone(),
                        data,
                        tls,
                    });
                    b"250 queued\r\n"
                }
            } else if cmd == "QUIT" {
                let _ = say(&mut r, b"221 bye\r\n").await;
                let _ = r.get_mut().shutdown().await;
                return None;
            } else {
                b"250 OK\r\n"
            };
            if say(&mut r, reply).await.is_err() {
                return None;
            }
        }
    }
}

/// Writes a reply and flushes it: over TLS, written bytes may otherwise wait in a buffer.
async fn say<S: AsyncRead + AsyncWrite + Unpin>(
    r: &mut BufReader<S>,
    reply: &[u8],
) -> std::io::Result<()> {
    r.get_mut().write_all(reply).await?;
    r.get_mut().flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_base64_subject_and_body() {
        let m = Mail {
            rcpt: vec![],
            tls: false,
            data: "Subject: =?utf-8?b?5YKs5Yqe?=\r\nContent-Transfer-Encoding: base64\r\n\r\n5YKs\r\n5Yqe\r\n"
                .into(),
        };
        assert_eq!(m.subject(), "催办");
        assert_eq!(m.body(), "催办");
        assert_eq!(m.transfer_encoding().as_deref(), Some("base64"));
    }
}
