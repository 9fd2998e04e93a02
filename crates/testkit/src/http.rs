//! A minimal HTTP/1.1 server: reads one request per connection (headers and a
//! Content-Length body), records the body, answers and closes.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::{Failures, lock};

pub struct HttpServer {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
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
}

/// Starts the server on a free loopback port; it answers the first `fail_first` requests
/// with 500 (not recorded), the rest with 200 and `{"errcode":0}` (what DingTalk and WeCom
/// robots answer on success).
pub async fn http_server(fail_first: usize) -> std::io::Result<HttpServer> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!(
        "http://{}/robot/send?access_token=t",
        listener.local_addr()?
    );
    let bodies: Arc<Mutex<Vec<String>>> = Arc::default();
    let failures = Failures::new(fail_first);
    let b = bodies.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(exchange(sock, b.clone(), failures.clone()));
        }
    });
    Ok(HttpServer { url, bodies })
}

async fn exchange(
    sock: tokio::net::TcpStream,
    bodies: Arc<Mutex<Vec<String>>>,
    failures: Failures,
) {
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
    let resp: &[u8] = if failures.take_one() {
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\nboom"
    } else {
        lock(&bodies).push(String::from_utf8_lossy(&body).into_owned());
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{\"errcode\":0}"
    };
    let _ = r.get_mut().write_all(resp).await;
    let _ = r.get_mut().shutdown().await;
}
