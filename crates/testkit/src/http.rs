//! A minimal HTTP/1.1 server, plain or over TLS: reads one request per connection (headers
//! and a Content-Length body), records the body, answers and closes. Over TLS it can check
//! DingTalk's robot signature (加签) the way DingTalk does.

use std::sync::{Arc, Mutex};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::{Failures, TestCa, lock};

pub struct HttpServer {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
    rejected: Arc<Mutex<Vec<String>>>,
}

impl HttpServer {
    /// Where to post: a path and a token in the query, like a group robot's address.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bodies of the requests answered with 200 so far, in order.
    pub fn received(&self) -> Vec<String> {
        lock(&self.bodies).clone()
    }

    /// The request targets (path and query) refused for a missing or wrong signature.
    pub fn rejected(&self) -> Vec<String> {
        lock(&self.rejected).clone()
    }
}

/// What the server does with each request.
#[derive(Clone)]
struct Behaviour {
    failures: Failures,
    /// DingTalk's signing secret: a request without a valid `timestamp`/`sign` pair is
    /// answered as DingTalk does (200 with errcode 310000) and not recorded.
    secret: Option<String>,
    bodies: Arc<Mutex<Vec<String>>>,
    rejected: Arc<Mutex<Vec<String>>>,
}

/// Starts the server on a free loopback port; it answers the first `fail_first` requests
/// with 500 (not recorded), the rest with 200 and `{"errcode":0}` (what DingTalk and WeCom
/// robots answer on success).
pub async fn http_server(fail_first: usize) -> std::io::Result<HttpServer> {
    start(fail_first, None, None).await
}

/// Like [`http_server`] over HTTPS with a certificate issued by `ca`; with `secret` it
/// accepts only requests signed with it the DingTalk way.
pub async fn https_server(ca: &TestCa, secret: Option<&str>) -> std::io::Result<HttpServer> {
    start(0, Some(ca.acceptor()?), secret.map(str::to_string)).await
}

async fn start(
    fail_first: usize,
    tls: Option<TlsAcceptor>,
    secret: Option<String>,
) -> std::io::Result<HttpServer> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!(
        "{scheme}://{}/robot/send?access_token=t",
        listener.local_addr()?
    );
    let b = Behaviour {
        failures: Failures::new(fail_first),
        secret,
        bodies: Arc::default(),
        rejected: Arc::default(),
    };
    let server = HttpServer {
        url,
        bodies: b.bodies.clone(),
        rejected: b.rejected.clone(),
    };
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let b = b.clone();
            match &tls {
                None => {
                    tokio::spawn(async move { b.exchange(sock).await });
                }
                Some(acceptor) => {
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        if let Ok(s) = acceptor.accept(sock).await {
                            b.exchange(s).await;
                        }
                    });
                }
            }
        }
    });
    Ok(server)
}

impl Behaviour {
    async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(&self, stream: S) {
        let mut r = BufReader::new(stream);
        let mut len = 0usize;
        let mut target = String::new();
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            if target.is_empty() {
                // "POST /robot/send?access_token=t HTTP/1.1"
                target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
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
        let resp: &[u8] = if self.failures.take_one() {
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\nboom"
        } else if let Some(secret) = &self.secret
            && !signed(&target, secret)
        {
            lock(&self.rejected).push(target);
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 44\r\nConnection: close\r\n\r\n{\"errcode\":310000,\"errmsg\":\"sign not match\"}"
        } else {
            lock(&self.bodies).push(String::from_utf8_lossy(&body).into_owned());
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{\"errcode\":0}"
        };
        let _ = r.get_mut().write_all(resp).await;
        let _ = r.get_mut().flush().await;
        let _ = r.get_mut().shutdown().await;
    }
}

/// DingTalk's check: `sign` is base64(HMAC-SHA256(secret, timestamp + "\n" + secret)),
/// URL-encoded, and `timestamp` (milliseconds) is within an hour of now.
fn signed(target: &str, secret: &str) -> bool {
    let query = target.split_once('?').map(|x| x.1).unwrap_or("");
    let param = |name: &str| {
        query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| {
                percent_encoding::percent_decode_str(&v.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            })
        })
    };
    let (Some(timestamp), Some(sign)) = (param("timestamp"), param("sign")) else {
        return false;
    };
    let Ok(ms) = timestamp.parse::<u128>() else {
        return false;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    if now.abs_diff(ms) > 3_600_000 {
        return false;
    }
    let Ok(sign) = base64::engine::general_purpose::STANDARD.decode(sign) else {
        return false;
    };
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    ring::hmac::verify(&key, format!("{timestamp}\n{secret}").as_bytes(), &sign).is_ok()
}
