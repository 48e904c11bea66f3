//! Who may read analytics (`/report`, `/dashboard`) and publish (`/api/…`). With an admin token
//! configured: a request that carries it, as `Authorization: Bearer <token>` or as the password
//! of HTTP Basic (what a browser asks for when it opens the dashboard; its fetches of `/report`
//! then carry it too). With an admin password configured: a login session ([`crate::session`]).
//! With neither: only a client on this machine, and never through a proxy (a local reverse
//! proxy would make every visitor look local).

use std::net::IpAddr;

use axum::http::{header, HeaderMap};

/// `a == b` in time that depends only on the lengths (a token is not guessed byte by byte).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The standard base64 alphabet (RFC 4648 §4).
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (with or without padding); `None` for anything else.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let sextet = |c: u8| BASE64.iter().position(|&a| a == c).map(|i| i as u8);
    let bytes = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for &c in bytes {
        acc = (acc << 6) | u32::from(sextet(c)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// `bytes` in standard base64, padded (as a CSP hash source writes a digest).
///
/// ```
/// assert_eq!(shopcue_collector::auth::base64_encode(b"hell"), "aGVsbA==");
/// ```
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() { char::from(BASE64[(n >> (18 - 6 * i) & 63) as usize]) } else { '=' });
        }
    }
    out
}

/// The token a request presents: a bearer token, or the password of HTTP Basic.
fn presented(headers: &HeaderMap) -> Option<Vec<u8>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        Some(rest.trim().as_bytes().to_vec())
    } else if scheme.eq_ignore_ascii_case("basic") {
        let pair = base64_decode(rest.trim())?;
        let colon = pair.iter().position(|&b| b == b':')?;
        Some(pair[colon + 1..].to_vec())
    } else {
        None
    }
}

/// Does the request carry `token` (as a bearer token, or the password of HTTP Basic)?
pub fn presents_token(token: &str, headers: &HeaderMap) -> bool {
    presented(headers).is_some_and(|p| constant_time_eq(&p, token.as_bytes()))
}

/// Does the request come from this machine, not through a proxy (a local reverse proxy would
/// make every visitor look local)?
pub fn from_this_machine(client: Option<IpAddr>, headers: &HeaderMap) -> bool {
    let proxied = headers.contains_key("x-forwarded-for") || headers.contains_key(header::FORWARDED);
    client.is_some_and(|c| c.is_loopback()) && !proxied
}

/// May this request read analytics? `token` is the configured admin token, `client` the
/// request's client address ([`crate::client_address`]).
pub fn may_read_analytics(token: Option<&str>, client: Option<IpAddr>, headers: &HeaderMap) -> bool {
    match token {
        Some(token) => presents_token(token, headers),
        None => from_this_machine(client, headers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_auth(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, value.parse().unwrap());
        h
    }

    #[test]
    fn a_configured_token_is_needed_as_bearer_or_basic_password() {
        let remote: IpAddr = "203.0.113.9".parse().unwrap();
        let token = Some("s3cret-token");
        assert!(may_read_analytics(token, Some(remote), &with_auth("Bearer s3cret-token")));
        // "admin:s3cret-token" and ":s3cret-token" in base64 (any user name).
        assert!(may_read_analytics(token, Some(remote), &with_auth("Basic YWRtaW46czNjcmV0LXRva2Vu")));
        assert!(may_read_analytics(token, Some(remote), &with_auth("basic OnMzY3JldC10b2tlbg==")));
        assert!(!may_read_analytics(token, Some(remote), &with_auth("Bearer s3cret-tokem")));
        assert!(!may_read_analytics(token, Some(remote), &with_auth("Bearer s3cret")));
        assert!(!may_read_analytics(token, Some(remote), &HeaderMap::new()));
        assert!(!may_read_analytics(token, Some("127.0.0.1".parse().unwrap()), &HeaderMap::new()), "loopback needs it too");
    }

    #[test]
    fn without_a_token_only_this_machine_and_never_through_a_proxy() {
        let none = None;
        assert!(may_read_analytics(none, Some("127.0.0.1".parse().unwrap()), &HeaderMap::new()));
        assert!(may_read_analytics(none, Some("::1".parse().unwrap()), &HeaderMap::new()));
        assert!(!may_read_analytics(none, Some("192.168.1.5".parse().unwrap()), &HeaderMap::new()));
        assert!(!may_read_analytics(none, None, &HeaderMap::new()));
        let mut proxied = HeaderMap::new();
        proxied.insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
        assert!(!may_read_analytics(none, Some("127.0.0.1".parse().unwrap()), &proxied));
    }

    #[test]
    fn base64_decodes_the_standard_alphabet() {
        assert_eq!(base64_decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("a$b"), None);
        for text in ["", "h", "he", "hel", "hello", "hello!"] {
            assert_eq!(base64_decode(&base64_encode(text.as_bytes())).as_deref(), Some(text.as_bytes()), "{text}");
        }
        assert_eq!((base64_encode(b"hello"), base64_encode(b"hell")), ("aGVsbG8=".into(), "aGVsbA==".into()));
    }
}
