//! Abuse control: token buckets (per client address, and per site). A key that sends faster than the
//! refill rate for longer than the burst gets 429 with `Retry-After`; honest widgets (a batch
//! every few seconds) never come near it.

use std::collections::HashMap;
use std::sync::Mutex;

/// Token buckets by key (a client address, or a site).
pub struct RateLimiter {
    rate_per_s: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, f64)>>,
}

impl RateLimiter {
    /// `rate_per_s` requests per second on average, bursts of up to `burst`.
    pub fn new(rate_per_s: f64, burst: f64) -> RateLimiter {
        RateLimiter { rate_per_s, burst, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `key` at time `now_s`. `Err(seconds)` says when to retry.
    pub fn take(&self, key: &str, now_s: f64) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget full buckets (idle clients) so memory stays bounded.
            let (rate, burst) = (self.rate_per_s, self.burst);
            buckets.retain(|_, (tokens, at)| (*tokens + (now_s - *at) * rate) < burst);
        }
        let (tokens, at) = buckets.entry(key.to_string()).or_insert((self.burst, now_s));
        *tokens = (*tokens + (now_s - *at).max(0.0) * self.rate_per_s).min(self.burst);
        *at = now_s;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.rate_per_s).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimiter;

    #[test]
    fn bursts_then_refills_per_key() {
        let l = RateLimiter::new(2.0, 5.0);
        for _ in 0..5 {
            assert_eq!(l.take("s|a", 100.0), Ok(()));
        }
        assert_eq!(l.take("s|a", 100.0), Err(1));
        assert_eq!(l.take("s|b", 100.0), Ok(()), "another client has its own bucket");
        assert_eq!(l.take("s|a", 100.5), Ok(()), "half a second refills one token");
        assert!(l.take("s|a", 100.5).is_err());
    }
}
