//! A plain SMTP server (no TLS, no AUTH) speaking just enough of RFC 5321 for lettre.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::{Failures, lock};

/// One message as the server accepted it: the envelope recipients and the raw DATA.
#[derive(Debug, Clone)]
pub struct Mail {
    pub rcpt: Vec<String>,
    pub data: String,
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

/// Starts the server on a free loopback port; it answers the first `fail_first` DATA
/// commands with a transient 451 and accepts the rest.
pub async fn smtp_server(fail_first: usize) -> std::io::Result<SmtpServer> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let failures = Failures::new(fail_first);
    let m = mails.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(session(sock, m.clone(), failures.clone()));
        }
    });
    Ok(SmtpServer { port, mails })
}

async fn session(sock: tokio::net::TcpStream, mails: Arc<Mutex<Vec<Mail>>>, failures: Failures) {
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    let _ = w.write_all(b"220 fake.smtp ESMTP\r\n").await;
    let mut rcpt = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
            break;
        }
        let cmd = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if cmd.starts_with("EHLO") {
            b"250-fake.smtp\r\n250 8BITMIME\r\n"
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
            let _ = w.write_all(b"354 go ahead\r\n").await;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if r.read_line(&mut l).await.unwrap_or(0) == 0 {
                    return;
                }
                if l == ".\r\n" {
                    break;
                }
                // Dot-stuffing (RFC 5321 4.5.2).
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
            }
            if failures.take_one() {
                b"451 4.3.0 try again later\r\n"
            } else {
                lock(&mails).push(Mail {
                    rcpt: rcpt.clone(),
                    data,
                });
                b"250 queued\r\n"
            }
        } else if cmd == "QUIT" {
            let _ = w.write_all(b"221 bye\r\n").await;
            break;
        } else {
            b"250 OK\r\n"
        };
        if w.write_all(reply).await.is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_base64_subject_and_body() {
        let m = Mail {
            rcpt: vec![],
            data: "Subject: =?utf-8?b?5YKs5Yqe?=\r\nContent-Transfer-Encoding: base64\r\n\r\n5YKs\r\n5Yqe\r\n"
                .into(),
        };
        assert_eq!(m.subject(), "催办");
        assert_eq!(m.body(), "催办");
        assert_eq!(m.transfer_encoding().as_deref(), Some("base64"));
    }
}
