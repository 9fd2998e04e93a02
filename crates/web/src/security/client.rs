//! Who is asking: the client address a login attempt, a token use and the audit log name,
//! and whether the browser reached us over HTTPS (for the `Secure` cookie flag).
//!
//! Forwarding headers (`X-Forwarded-For` or the configured `Config::client_ip_header`, and
//! `X-Forwarded-Proto`) are believed only from a peer in `Config::trusted_proxies`; from
//! anyone else they are ignored, since a client could otherwise pick a fresh address for
//! every guess. Of the forwarded addresses the right-most one that is not itself a trusted
//! proxy counts: entries left of it were written by the client and may be forged.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};

use crate::Config;
use crate::state::AppState;

/// An address range such as `10.0.0.0/8`, `127.0.0.1/32` or `fd00::/8`; a bare address
/// means that one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("“{s}”不是有效的地址或网段（例如 10.0.0.0/8、127.0.0.1/32）");
        let (addr, bits) = match s.trim().split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (s.trim(), None),
        };
        let net: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Cidr { net, bits })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                prefix_eq(&n.octets(), &a.octets(), u32::from(self.bits))
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                prefix_eq(&n.octets(), &a.octets(), u32::from(self.bits))
            }
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u32) -> bool {
    let whole = (bits / 8) as usize;
    if a[..whole] != b[..whole] {
        return false;
    }
    let rest = bits % 8;
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[whole] & mask == b[whole] & mask
    }
}

/// The client as far as this request can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// The client's IP address ("" when unknown, e.g. in unit tests without a socket).
    pub addr: String,
    /// The browser's connection is HTTPS: cookies get `Secure`.
    pub https: bool,
}

impl Client {
    pub fn resolve(headers: &HeaderMap, extensions: &Extensions, config: &Config) -> Client {
        let peer = extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let trusted = |ip: IpAddr| config.trusted_proxies.iter().any(|c| c.contains(ip));
        let Some(peer) = peer.filter(|p| trusted(*p)) else {
            return Client {
                addr: peer.map(|p| p.to_string()).unwrap_or_default(),
                https: config.cookie_secure,
            };
        };
        let name = config
            .client_ip_header
            .as_deref()
            .unwrap_or("x-forwarded-for");
        // Every header line in order, each a comma-separated list; an unreadable entry
        // stops the walk, since nothing left of it can be placed.
        let forwarded: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut addr = peer;
        for entry in forwarded.iter().rev() {
            let Some(ip) = parse_forwarded(entry) else {
                break;
            };
            addr = ip;
            if !trusted(ip) {
                break;
            }
        }
        let proto_https = headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
        Client {
            addr: addr.to_string(),
            https: config.cookie_secure || proto_https,
        }
    }
}

/// `203.0.113.9`, `203.0.113.9:5123`, `2001:db8::1` or `[2001:db8::1]:443`.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse() {
        return Some(ip);
    }
    entry
        .parse::<SocketAddr>()
        .ok()
        .map(|s| s.ip())
        .or_else(|| {
            entry
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))?
                .parse()
                .ok()
        })
}

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client::resolve(
            &parts.headers,
            &parts.extensions,
            &app.config,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(trusted: &[&str], peer: &str, xff: Option<&str>, proto: Option<&str>) -> Client {
        let config = Config {
            trusted_proxies: trusted.iter().map(|c| c.parse().expect("cidr")).collect(),
            ..Config::default()
        };
        let mut headers = HeaderMap::new();
        if let Some(x) = xff {
            headers.insert("x-forwarded-for", x.parse().expect("header"));
        }
        if let Some(p) = proto {
            headers.insert("x-forwarded-proto", p.parse().expect("header"));
        }
        let mut ext = Extensions::new();
        ext.insert(ConnectInfo::<SocketAddr>(peer.parse().expect("peer")));
        Client::resolve(&headers, &ext, &config)
    }

    #[test]
    fn cidr_ranges() {
        let c: Cidr = "10.1.0.0/16".parse().expect("cidr");
        assert!(c.contains("10.1.200.3".parse().expect("ip")));
        assert!(!c.contains("10.2.0.1".parse().expect("ip")));
        assert!(c.contains("::ffff:10.1.0.9".parse().expect("ip")));
        let one: Cidr = "127.0.0.1".parse().expect("cidr");
        assert!(!one.contains("127.0.0.2".parse().expect("ip")));
        let v6: Cidr = "fd00::/8".parse().expect("cidr");
        assert!(v6.contains("fd12::1".parse().expect("ip")));
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0/8", "::/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_headers_only_from_trusted_peers() {
        let c = resolve(&[], "198.51.100.1:4000", Some("203.0.113.9"), Some("https"));
        assert_eq!(c.addr, "198.51.100.1");
        assert!(!c.https);
        let c = resolve(
            &["10.0.0.0/8"],
            "10.0.0.2:4000",
            Some("1.2.3.4, 203.0.113.9, 10.0.0.7"),
            Some("https"),
        );
        // 10.0.0.7 is a trusted hop; 1.2.3.4 was written by the client.
        assert_eq!(c.addr, "203.0.113.9");
        assert!(c.https);
        let c = resolve(&["10.0.0.0/8"], "10.0.0.2:4000", Some("garbage"), None);
        assert_eq!(c.addr, "10.0.0.2");
        assert!(!c.https);
    }
}
