//! Password login for people at a browser (the dashboard, the publishing API from a page): the
//! admin password is configured as an argon2 hash (`shopcue-collector hash-password`), never in
//! clear. A login sets an `HttpOnly`, `SameSite=Strict` session cookie that every collector with
//! the same hash accepts (it is a MAC under a key derived from that hash, with its expiry in it:
//! no session table, and changing the password ends every session). Writes made with the
//! cookie must also carry the session's CSRF token in `X-CSRF-Token`, which only a page that
//! read `GET /api/session` (same origin) can know.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use blake2::digest::consts::U32;
use blake2::digest::{Digest, Mac};
use blake2::{Blake2b, Blake2bMac};

use crate::auth::constant_time_eq;

/// How long a session lasts: 12 hours.
pub const SESSION_MS: i64 = 12 * 3600 * 1000;
/// The session cookie's name.
pub const COOKIE: &str = "shopcue_session";

/// The configured admin password (as its argon2 hash) and the key sessions are signed with.
pub struct Login {
    hash: String,
    key: [u8; 32],
}

/// A valid session, read from its cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Its random part (hex).
    pub nonce: String,
    /// When it ends (Unix ms).
    pub expires: i64,
}

/// `bytes` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    use std::io::Read;
    let mut bytes = [0u8; N];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).map_err(|e| format!("/dev/urandom: {e}"))?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 128 random bits from the operating system, as 32 hex digits (session nonces, preview tokens).
pub fn random_hex() -> Result<String, String> {
    Ok(hex(&random_bytes::<16>()?))
}

/// The argon2id hash (PHC string) of `password` with a random salt, for
/// `--admin-password-file` / `SHOPCUE_ADMIN_PASSWORD_HASH`.
///
/// ```
/// let hash = shopcue_collector::session::hash_password("correct horse battery").unwrap();
/// assert!(hash.starts_with("$argon2id$"));
/// let login = shopcue_collector::session::Login::new(&hash).unwrap();
/// assert!(login.verify("correct horse battery") && !login.verify("correct horse"));
/// ```
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(|e| e.to_string())?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

impl Login {
    /// From an argon2 PHC string (`$argon2id$v=19$m=…`); an error says what is wrong with it.
    pub fn new(hash: &str) -> Result<Login, String> {
        let hash = hash.trim();
        PasswordHash::new(hash)
            .map_err(|e| format!("not an argon2 password hash ({e}); make one with `shopcue-collector hash-password`"))?;
        let key = Blake2b::<U32>::new().chain_update(b"shopcue session key\0").chain_update(hash.as_bytes()).finalize();
        Ok(Login { hash: hash.to_string(), key: key.into() })
    }

    /// Whether `password` is the admin password (argon2: tens of milliseconds, on purpose).
    pub fn verify(&self, password: &str) -> bool {
        PasswordHash::new(&self.hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
    }

    fn mac(&self, parts: &[&[u8]]) -> String {
        let mut m = <Blake2bMac<U32> as Mac>::new_from_slice(&self.key).expect("a 32-byte key is a valid BLAKE2b key");
        for p in parts {
            Mac::update(&mut m, p);
            Mac::update(&mut m, b"\0");
        }
        hex(&m.finalize().into_bytes())
    }

    /// A new session from `now`: the cookie's value, and the session it stands for.
    pub fn issue(&self, now: i64) -> Result<(String, Session), String> {
        let nonce = random_hex()?;
        let expires = now + SESSION_MS;
        let text = expires.to_string();
        let mac = self.mac(&[b"session", text.as_bytes(), nonce.as_bytes()]);
        Ok((format!("{text}.{nonce}.{mac}"), Session { nonce, expires }))
    }

    /// The session a cookie value stands for, if it was issued here and has not expired.
    pub fn check(&self, cookie: &str, now: i64) -> Option<Session> {
        let mut parts = cookie.splitn(3, '.');
        let (expires, nonce, mac) = (parts.next()?, parts.next()?, parts.next()?);
        let expected = self.mac(&[b"session", expires.as_bytes(), nonce.as_bytes()]);
        let expires: i64 = expires.parse().ok()?;
        (constant_time_eq(mac.as_bytes(), expected.as_bytes()) && expires > now)
            .then(|| Session { nonce: nonce.to_string(), expires })
    }

    /// The CSRF token of a session: what its page sends as `X-CSRF-Token` with every write.
    pub fn csrf(&self, session: &Session) -> String {
        self.mac(&[b"csrf", session.nonce.as_bytes()])
    }
}

/// The session cookie's value in a `Cookie` header.
pub fn cookie_value(header: &str) -> Option<&str> {
    header.split(';').find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_signed_expire_and_end_with_the_password() {
        let login = Login::new(&hash_password("s3cret pass").unwrap()).unwrap();
        let (cookie, issued) = login.issue(1_000).unwrap();
        let session = login.check(&cookie, 2_000).unwrap();
        assert_eq!(session, issued);
        assert_eq!(session.expires, 1_000 + SESSION_MS);
        assert!(login.check(&cookie, 1_000 + SESSION_MS).is_none(), "expired");
        let (expires, rest) = cookie.split_once('.').unwrap();
        let longer = format!("{}.{rest}", expires.parse::<i64>().unwrap() + SESSION_MS);
        assert!(login.check(&longer, 2_000).is_none(), "the expiry is signed");
        assert!(login.check("1.2.3", 0).is_none());
        let other = Login::new(&hash_password("another pass").unwrap()).unwrap();
        assert!(other.check(&cookie, 2_000).is_none(), "a new password ends every session");
        assert_ne!(login.csrf(&session), other.csrf(&session));
        assert_eq!(cookie_value(&format!("a=b; {COOKIE}={cookie}; c=d")), Some(cookie.as_str()));
        assert!(Login::new("plain text").is_err());
    }
}
