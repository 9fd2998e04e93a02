//! A tiny SMTP server and a tiny HTTP server on loopback that record what they receive.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as the SMTP server received it: recipients and the raw DATA.
#[derive(Debug, Clone)]
pub struct Mail {
    pub rcpt: Vec<String>,
    pub data: String,
}

pub struct SmtpServer {
    pub port: u16,
    pub mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpServer {
    pub fn received(&self) -> Vec<Mail> {
        self.mails.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

pub async fn smtp_server() -> anyhow::Result<SmtpServer> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let m = mails.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let mails = m.clone();
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
                            data.push_str(l.strip_prefix('.').unwrap_or(&l));
                        }
                        if let Ok(mut m) = mails.lock() {
                            m.push(Mail {
                                rcpt: rcpt.clone(),
                                data,
                            });
                        }
                        b"250 queued\r\n"
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

impl HttpServer {
    pub fn received(&self) -> Vec<String> {
        self.bodies.lock().map(|b| b.clone()).unwrap_or_default()
    }
}

/// Answers every request with 200 and records its body.
pub async fn http_server() -> anyhow::Result<HttpServer> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook?token=t", listener.local_addr()?);
    let bodies: Arc<Mutex<Vec<String>>> = Arc::default();
    let b = bodies.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let bodies = b.clone();
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
                if let Ok(mut b) = bodies.lock() {
                    b.push(String::from_utf8_lossy(&body).into_owned());
                }
                let resp: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
                let _ = r.get_mut().write_all(resp).await;
                let _ = r.get_mut().shutdown().await;
            });
        }
    });
    Ok(HttpServer { url, bodies })
}
