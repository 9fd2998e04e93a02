//! A tiny SMTP server and a tiny HTTP server on loopback that record what they receive.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub rcpt: Vec<String>,
    pub data: String,
}

impl Mail {
    fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        // Unfold continuation lines first.
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

    /// The body, decoded from base64.
    pub fn body(&self) -> String {
        let body = self.data.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
        let joined: String = body.split_whitespace().collect();
        String::from_utf8_lossy(&base64_decode(&joined)).into_owned()
    }
}

pub fn base64_decode(s: &str) -> Vec<u8> {
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
    pub port: u16,
    pub mails: Arc<Mutex<Vec<Mail>>>,
}

/// Answers the first `fail_first` DATA commands with a transient 451.
pub async fn smtp_server(fail_first: usize) -> anyhow::Result<SmtpServer> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let failures = Arc::new(Mutex::new(fail_first));
    let m = mails.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let mails = m.clone();
            let failures = failures.clone();
            tokio::spawn(async move {
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
                        let addr = line.trim_end()[8..]
                            .trim()
                            .trim_start_matches('<')
                            .trim_end_matches('>')
                            .to_string();
                        rcpt.push(addr);
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
                            data.push_str(l.strip_prefix('.').unwrap_or(&l));
                        }
                        let fail = {
                            let mut f = failures.lock().unwrap_or_else(|e| e.into_inner());
                            if *f > 0 {
                                *f -= 1;
                                true
                            } else {
                                false
                            }
                        };
                        if fail {
                            b"451 4.3.0 try again later\r\n"
                        } else {
                            mails.lock().unwrap_or_else(|e| e.into_inner()).push(Mail {
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
            });
        }
    });
    Ok(SmtpServer { port, mails })
}

pub struct HttpServer {
    pub url: String,
    pub bodies: Arc<Mutex<Vec<String>>>,
}

/// Answers the first `fail_first` requests with 500, the rest with 200 and `{"errcode":0}`.
pub async fn http_server(fail_first: usize) -> anyhow::Result<HttpServer> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!(
        "http://{}/robot/send?access_token=t",
        listener.local_addr()?
    );
    let bodies: Arc<Mutex<Vec<String>>> = Arc::default();
    let failures = Arc::new(Mutex::new(fail_first));
    let b = bodies.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let bodies = b.clone();
            let failures = failures.clone();
            tokio::spawn(async move {
                let mut r = BufReader::new(sock);
                let mut len = 0usize;
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':')
                        && k.eq_ignore_ascii_case("content-length")
                    {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; len];
                if r.read_exact(&mut body).await.is_err() {
                    return;
                }
                let fail = {
                    let mut f = failures.lock().unwrap_or_else(|e| e.into_inner());
                    if *f > 0 {
                        *f -= 1;
                        true
                    } else {
                        false
                    }
                };
                let resp: &[u8] = if fail {
                    b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\nboom"
                } else {
                    bodies
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(String::from_utf8_lossy(&body).into_owned());
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{\"errcode\":0}"
                };
                let _ = r.get_mut().write_all(resp).await;
                let _ = r.get_mut().shutdown().await;
            });
        }
    });
    Ok(HttpServer { url, bodies })
}
