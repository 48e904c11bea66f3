//! The beacon outbox: a bounded queue of serialized events, cut into batches and retried with
//! backoff. Pure state machine; the browser shell only moves batches and reports status codes.
//!
//! **Several tabs.** Each page keeps its own outbox in storage under its own key (see
//! [`stored`]): a page only ever sends what it queued itself or explicitly adopted, so two
//! tabs never send the same event. A page with queued events refreshes a heartbeat in its key;
//! a key whose heartbeat is older than [`ORPHAN_AFTER_MS`] belongs to a page that was closed or
//! killed mid-send, and the next page of the site adopts its events ([`Outbox::adopt`]) and
//! removes the key. A page that finds its own key gone (it was frozen and adopted meanwhile)
//! forgets what it had stored ([`Outbox::forget`]) instead of sending it twice.

use std::collections::VecDeque;

use crate::json::{format_number, parse, Value};

/// Most events kept; beyond it the oldest are dropped and counted.
pub const MAX_ENTRIES: usize = 1000;
/// Queued events that make a batch worth sending at once (fewer wait up to [`BATCH_WAIT_MS`]).
pub const BATCH_SIZE: usize = 10;
/// Most events in one regular batch: during a burst, when more than [`BATCH_SIZE`] wait behind
/// the batch in flight, the next one takes up to this many (within [`MAX_BODY_BYTES`]), so that
/// a page sending hundreds of events a second needs a few requests, not one per ten events
/// (which the collector's per-address rate limit held back while the queue overflowed).
pub const MAX_BATCH: usize = 100;
/// A partial batch is sent once its oldest event waited this long.
pub const BATCH_WAIT_MS: i64 = 5_000;
/// Request bodies stay under this (a page may have 64 KiB of `sendBeacon` bodies in flight).
pub const MAX_BODY_BYTES: usize = 60 * 1024;
/// First retry delay; doubles per attempt up to [`MAX_BACKOFF_MS`].
pub const BASE_BACKOFF_MS: i64 = 500;
/// Longest retry delay.
pub const MAX_BACKOFF_MS: i64 = 60_000;
/// A page with queued events refreshes its stored heartbeat this often.
pub const HEARTBEAT_MS: i64 = 10_000;
/// A stored outbox whose heartbeat is this old belongs to a page that is gone.
pub const ORPHAN_AFTER_MS: i64 = 30_000;

/// A page's outbox as stored: `{"alive":<ms>,"events":[…]}` (`events_json` is
/// [`Outbox::to_json`]).
pub fn stored(events_json: &str, alive: i64) -> String {
    let mut out = String::from("{\"alive\":");
    format_number(alive as f64, &mut out);
    out.push_str(",\"events\":");
    out.push_str(events_json);
    out.push('}');
    out
}

/// `true` when a stored outbox belongs to a page that is gone: its heartbeat is older than
/// [`ORPHAN_AFTER_MS`], or it has no readable one (the single shared key of earlier versions,
/// or a corrupt value). A heartbeat in the future (another tab's clock is the same clock, so
/// this is a corrupt value) counts as stale too. Only the heartbeat at the front of the text
/// ([`stored`] writes it first) is read: the queue behind it may be long.
pub fn orphaned(text: &str, now: i64) -> bool {
    let alive = text
        .strip_prefix("{\"alive\":")
        .map(|rest| crate::text::before(rest, b','))
        .and_then(|n| i64::try_from(crate::text::digits(n)?).ok());
    match alive {
        Some(alive) => alive + ORPHAN_AFTER_MS <= now || alive > now + ORPHAN_AFTER_MS,
        None => true,
    }
}
/// Attempts at one batch before it is dropped (and counted).
pub const MAX_ATTEMPTS: u32 = 10;
/// Network failures (status 0) in a row, while online, after which the endpoint is taken to be
/// blocked (an ad blocker, a firewall) for the rest of the page view.
pub const MAX_BLOCKED_ATTEMPTS: u32 = 3;

/// One queued event.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Immutable event id (UUIDv7); the collector dedups on it.
    pub id: String,
    /// When it was queued (ms).
    pub at: i64,
    /// The event as JSON text.
    pub json: String,
}

/// Why a batch is being cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// Regular send: only full or old-enough batches, not while one is in flight.
    Timer,
    /// The page is going away: send everything that fits, now.
    Unload,
}

/// A batch ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Sequence number to pass back to [`Outbox::settle`].
    pub seq: u32,
    /// Number of events in it.
    pub count: usize,
    /// The request body (JSON text).
    pub body: String,
}

/// How a send ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered (2xx, or a beacon the browser accepted).
    Delivered,
    /// Try again later (408, 429, most 5xx).
    Retry {
        /// The server's `Retry-After`, in ms.
        after_ms: Option<i64>,
    },
    /// No answer at all (offline, blocked, DNS): try again later; repeated, it means blocked.
    Network,
    /// 413: the batch is too large; send it in smaller pieces.
    TooLarge,
    /// The server refused it for good (other 4xx): drop and count.
    Rejected,
}

impl Outcome {
    /// Classifies an HTTP status (0 = network error).
    pub fn from_status(status: u16, retry_after_ms: Option<i64>) -> Outcome {
        match status {
            200..=299 => Outcome::Delivered,
            0 => Outcome::Network,
            413 => Outcome::TooLarge,
            408 | 429 => Outcome::Retry { after_ms: retry_after_ms },
            501 | 505 | 511 => Outcome::Rejected,
            500..=599 => Outcome::Retry { after_ms: retry_after_ms },
            _ => Outcome::Rejected,
        }
    }
}

/// The outbox.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outbox {
    entries: VecDeque<Entry>,
    /// Events dropped (queue overflow or rejected) and not yet reported to the collector.
    pub dropped: u32,
    in_flight: Option<(u32, usize)>,
    seq: u32,
    attempts: u32,
    retry_at: i64,
    /// Largest batch to cut (halved by 413s, restored after a delivery).
    batch_limit: usize,
    /// Network failures in a row.
    network_failures: u32,
}

impl Outbox {
    /// Restores a persisted outbox ([`stored`] form, or a bare JSON array of events);
    /// unreadable input gives an empty one.
    pub fn from_json(text: &str) -> Outbox {
        let mut o = Outbox::default();
        let events = match parse(text) {
            Ok(Value::Array(events)) => events,
            Ok(v) => match v.get("events") {
                Some(Value::Array(events)) => events.clone(),
                _ => Vec::new(),
            },
            Err(_) => Vec::new(),
        };
        for e in events {
            if let (Some(id), Some(at)) = (e.get("id").and_then(Value::as_str), e.get("ts").and_then(Value::as_f64)) {
                o.entries.push_back(Entry { id: id.to_string(), at: at as i64, json: e.to_json() });
            }
        }
        o
    }

    /// The queue as a JSON array, for write-through persistence.
    pub fn to_json(&self) -> String {
        let mut out = String::from("[");
        for (i, e) in self.entries.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&e.json);
        }
        out.push(']');
        out
    }

    /// `true` once sends failed [`MAX_BLOCKED_ATTEMPTS`] times in a row without any answer:
    /// the endpoint is blocked, so nothing more is sent (or persisted) until [`Outbox::unblock`].
    pub fn blocked(&self) -> bool {
        self.network_failures >= MAX_BLOCKED_ATTEMPTS
    }

    /// A new page view, or the browser came back online: try again now.
    pub fn unblock(&mut self) {
        self.network_failures = 0;
        self.retry_at = 0;
    }

    /// The queued events, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// Ids of the queued events, oldest first.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.id.as_str())
    }

    /// Queued events.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Takes over the events of another page's stored outbox that are not queued here already;
    /// returns how many. They go to the back of the queue (a batch in flight is unaffected).
    pub fn adopt(&mut self, other: Outbox) -> usize {
        let mut adopted = 0;
        for e in other.entries {
            if !self.entries.iter().any(|mine| mine.id == e.id) {
                self.push(e);
                adopted += 1;
            }
        }
        self.dropped = self.dropped.saturating_add(other.dropped);
        adopted
    }

    /// Drops the queued events whose ids are in `ids`: another page adopted them. A batch in
    /// flight can then no longer be settled by position, so it is forgotten too (its events,
    /// if still queued, are sent again and deduplicated by the collector).
    pub fn forget(&mut self, ids: &[String]) -> usize {
        let before = self.entries.len();
        self.entries.retain(|e| !ids.contains(&e.id));
        let forgotten = before - self.entries.len();
        if forgotten > 0 {
            self.in_flight = None;
        }
        forgotten
    }

    /// Queues an event; the oldest is dropped (and counted) when full.
    pub fn push(&mut self, entry: Entry) {
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.pop_front();
            self.dropped += 1;
            // The in-flight batch lost its head: it can no longer be settled by position.
            self.in_flight = None;
        }
        self.entries.push_back(entry);
    }

    /// When the next [`Flush::Timer`] poll may produce a batch, if anything is queued.
    pub fn next_due(&self) -> Option<i64> {
        if self.in_flight.is_some() || self.blocked() {
            return None;
        }
        let oldest = self.entries.front()?.at;
        let full = self.entries.len() >= BATCH_SIZE || (self.batch_limit > 0 && self.entries.len() >= self.batch_limit);
        let ready = if full { oldest } else { oldest + BATCH_WAIT_MS };
        Some(ready.max(self.retry_at))
    }

    /// Cuts the next batch, if one is due. `header` is the batch envelope's fields (site …)
    /// as a JSON object body without braces, e.g. `"v":1,"site":"demo"`.
    pub fn next_batch(&mut self, now: i64, flush: Flush, header: &str) -> Option<Batch> {
        if self.entries.is_empty() {
            return None;
        }
        if self.blocked() {
            return None;
        }
        let cap = if self.batch_limit == 0 { usize::MAX } else { self.batch_limit };
        let limit = match flush {
            Flush::Timer => {
                if self.in_flight.is_some() || now < self.next_due()? {
                    return None;
                }
                MAX_BATCH.min(cap)
            }
            Flush::Unload => MAX_ENTRIES.min(cap),
        };
        let mut body = crate::text::concat(&["{", header, ",\"sent_at\":"]);
        format_number(now as f64, &mut body);
        body.push_str(",\"dropped\":");
        format_number(f64::from(self.dropped), &mut body);
        body.push_str(",\"events\":[");
        let mut count = 0;
        for e in self.entries.iter().take(limit) {
            if count > 0 && body.len() + e.json.len() + 3 > MAX_BODY_BYTES {
                break;
            }
            if count > 0 {
                body.push(',');
            }
            body.push_str(&e.json);
            count += 1;
        }
        body.push_str("]}");
        self.seq = self.seq.wrapping_add(1);
        self.in_flight = Some((self.seq, count));
        Some(Batch { seq: self.seq, count, body })
    }

    /// Records how batch `seq` ended. `jitter` in `[0, 1)` spreads retries of many tabs apart.
    pub fn settle(&mut self, seq: u32, outcome: Outcome, now: i64, jitter: f64) {
        let Some((in_flight, count)) = self.in_flight else { return };
        if in_flight != seq {
            return;
        }
        self.in_flight = None;
        let drop_batch = |o: &mut Outbox, counted: bool| {
            let n = count.min(o.entries.len());
            o.entries.drain(..n);
            if counted {
                o.dropped += n as u32;
            }
            o.attempts = 0;
            o.retry_at = 0;
        };
        match outcome {
            Outcome::Delivered => {
                drop_batch(self, false);
                self.dropped = 0; // reported in the batch just delivered
                self.batch_limit = 0;
                self.network_failures = 0;
            }
            Outcome::Rejected => drop_batch(self, true),
            Outcome::TooLarge if count <= 1 => drop_batch(self, true),
            Outcome::TooLarge => {
                // Send the same events again at once, in halves.
                self.batch_limit = (count / 2).max(1);
                self.retry_at = 0;
            }
            Outcome::Retry { .. } | Outcome::Network if self.attempts + 1 >= MAX_ATTEMPTS => drop_batch(self, true),
            Outcome::Retry { after_ms } => {
                self.network_failures = 0;
                self.back_off(after_ms, now, jitter);
            }
            Outcome::Network => {
                self.network_failures += 1;
                self.back_off(None, now, jitter);
            }
        }
    }

    /// Schedules the next attempt: the server's `Retry-After` (capped), else jittered
    /// exponential backoff — 0.5 s × 2ⁿ up to 60 s, each delay drawn from its upper half.
    fn back_off(&mut self, after_ms: Option<i64>, now: i64, jitter: f64) {
        let backoff = (BASE_BACKOFF_MS << self.attempts.min(16)).min(MAX_BACKOFF_MS);
        let jittered = backoff / 2 + ((backoff / 2) as f64 * jitter.clamp(0.0, 1.0)) as i64;
        self.attempts += 1;
        self.retry_at = now + after_ms.map_or(jittered, |a| a.clamp(0, MAX_BACKOFF_MS * 5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: i64) -> Entry {
        Entry { id: format!("id{i}"), at: i, json: format!(r#"{{"id":"id{i}","ts":{i}}}"#) }
    }

    #[test]
    fn batches_by_size_or_age() {
        let mut o = Outbox::default();
        o.push(entry(0));
        assert_eq!(o.next_batch(4_999, Flush::Timer, "\"v\":1"), None);
        let b = o.next_batch(5_000, Flush::Timer, "\"v\":1").unwrap();
        assert_eq!(b.count, 1);
        assert_eq!(b.body, r#"{"v":1,"sent_at":5000,"dropped":0,"events":[{"id":"id0","ts":0}]}"#);
        assert_eq!(o.next_batch(9_000, Flush::Timer, ""), None, "one batch in flight at a time");
        o.settle(b.seq, Outcome::Delivered, 5_001, 0.0);
        assert!(o.is_empty());
        for i in 0..25 {
            o.push(entry(10_000 + i));
        }
        let b = o.next_batch(10_024, Flush::Timer, "").unwrap();
        assert_eq!(b.count, 25, "a full batch goes at once, with everything queued behind it");
        o.settle(b.seq, Outcome::Delivered, 10_025, 0.0);
        for i in 0..(MAX_BATCH as i64 + 15) {
            o.push(entry(20_000 + i));
        }
        let b = o.next_batch(20_200, Flush::Timer, "").unwrap();
        assert_eq!(b.count, MAX_BATCH, "a burst goes in batches of at most {MAX_BATCH}");
        o.settle(b.seq, Outcome::Delivered, 20_201, 0.0);
        let rest = o.next_batch(20_202, Flush::Unload, "").unwrap();
        assert_eq!(rest.count, 15, "unload sends everything");
    }

    #[test]
    fn retries_back_off_and_honour_retry_after() {
        let mut o = Outbox::default();
        o.push(entry(0));
        let b = o.next_batch(BATCH_WAIT_MS, Flush::Timer, "").unwrap();
        o.settle(b.seq, Outcome::from_status(503, None), 10_000, 0.0);
        assert_eq!(o.next_due(), Some(10_250), "first retry after 0.5 s × jitter ∈ [0.25, 0.5] s");
        let b = o.next_batch(10_250, Flush::Timer, "").unwrap();
        o.settle(b.seq, Outcome::from_status(429, Some(7_000)), 11_000, 0.9);
        assert_eq!(o.next_due(), Some(18_000));
        let b = o.next_batch(18_000, Flush::Timer, "").unwrap();
        o.settle(b.seq, Outcome::from_status(400, None), 18_001, 0.0);
        assert!(o.is_empty());
        assert_eq!(o.dropped, 1, "rejected events are counted");
        assert_eq!(Outcome::from_status(0, None), Outcome::Network);
        assert_eq!(Outcome::from_status(501, None), Outcome::Rejected);
    }

    #[test]
    fn too_large_batches_split_until_one_event_and_then_drop() {
        let mut o = Outbox::default();
        for i in 0..8 {
            o.push(entry(i));
        }
        let b = o.next_batch(10_000, Flush::Timer, "").unwrap();
        assert_eq!(b.count, 8);
        o.settle(b.seq, Outcome::from_status(413, None), 10_000, 0.0);
        let b = o.next_batch(10_000, Flush::Timer, "").unwrap();
        assert_eq!(b.count, 4, "retried at once, in halves");
        o.settle(b.seq, Outcome::Delivered, 10_001, 0.0);
        let b = o.next_batch(10_001, Flush::Timer, "").unwrap();
        assert_eq!(b.count, 4, "the limit is lifted after a delivery");
        o.settle(b.seq, Outcome::Delivered, 10_002, 0.0);
        o.push(entry(20_000));
        let b = o.next_batch(30_000, Flush::Timer, "").unwrap();
        o.settle(b.seq, Outcome::from_status(413, None), 30_000, 0.0);
        assert!(o.is_empty(), "a single event too large for the server is dropped");
        assert_eq!(o.dropped, 1);
    }

    #[test]
    fn gives_up_after_ten_attempts_and_detects_a_blocked_endpoint() {
        let mut o = Outbox::default();
        o.push(entry(0));
        let mut now = BATCH_WAIT_MS;
        for attempt in 1..=MAX_ATTEMPTS {
            let b = o.next_batch(now, Flush::Timer, "").unwrap();
            o.settle(b.seq, Outcome::from_status(503, None), now, 0.5);
            let wait = o.next_due().map(|d| d - now);
            if attempt < MAX_ATTEMPTS {
                let cap = (BASE_BACKOFF_MS << (attempt - 1)).min(MAX_BACKOFF_MS);
                assert!(
                    wait.is_some_and(|w| w >= cap / 2 && w <= cap),
                    "attempt {attempt}: {wait:?} within [{}, {cap}]",
                    cap / 2
                );
            }
            now = o.next_due().unwrap_or(now);
        }
        assert!(o.is_empty() && o.dropped == 1, "dropped after {MAX_ATTEMPTS} attempts");

        o.push(entry(now));
        for _ in 0..MAX_BLOCKED_ATTEMPTS {
            now = o.next_due().unwrap();
            let b = o.next_batch(now, Flush::Timer, "").unwrap();
            o.settle(b.seq, Outcome::from_status(0, None), now, 0.0);
        }
        assert!(o.blocked());
        assert_eq!((o.next_due(), o.next_batch(now + 1_000_000, Flush::Unload, "")), (None, None));
        o.unblock();
        assert_eq!(o.next_batch(now, Flush::Unload, "").map(|b| b.count), Some(1));
    }

    #[test]
    fn bounded_and_persistent() {
        let mut o = Outbox::default();
        for i in 0..(MAX_ENTRIES as i64 + 5) {
            o.push(entry(i));
        }
        assert_eq!((o.len(), o.dropped), (MAX_ENTRIES, 5));
        let restored = Outbox::from_json(&o.to_json());
        assert_eq!(restored.len(), MAX_ENTRIES);
        assert_eq!(Outbox::from_json("garbage").len(), 0);
        let wrapped = stored(&o.to_json(), 1_700_000_000_000);
        assert_eq!(Outbox::from_json(&wrapped).len(), MAX_ENTRIES);
        assert_eq!(Outbox::from_json(r#"{"alive":1,"events":7}"#).len(), 0);
    }

    #[test]
    fn a_page_is_orphaned_when_its_heartbeat_stops() {
        let now = 1_700_000_000_000;
        assert!(!orphaned(&stored("[]", now - ORPHAN_AFTER_MS + 1), now), "alive");
        assert!(orphaned(&stored("[]", now - ORPHAN_AFTER_MS), now), "stale");
        assert!(orphaned(&stored("[]", now + 2 * ORPHAN_AFTER_MS), now), "corrupt future heartbeat");
        assert!(orphaned("[]", now), "the shared key of earlier versions");
        assert!(orphaned("{broken", now));
        assert!(!orphaned(&stored("[{\"id\":\"a\" …", now), now), "only the heartbeat is read, not the queue behind it");
    }

    #[test]
    fn adoption_takes_only_new_events_and_forgetting_drops_adopted_ones() {
        let mut mine = Outbox::default();
        mine.push(entry(1));
        mine.push(entry(2));
        let batch = mine.next_batch(10_000, Flush::Timer, "\"v\":1").unwrap();
        let mut theirs = Outbox::default();
        theirs.push(entry(2));
        theirs.push(entry(3));
        theirs.dropped = 4;
        assert_eq!(mine.adopt(theirs), 1);
        assert_eq!(mine.ids().collect::<Vec<_>>(), ["id1", "id2", "id3"]);
        assert_eq!(mine.dropped, 4, "drop counts travel with adopted events");
        // The batch in flight (id1, id2) is settled as usual; the adopted event stays.
        mine.settle(batch.seq, Outcome::Delivered, 10_001, 0.0);
        assert_eq!(mine.ids().collect::<Vec<_>>(), ["id3"]);
        // Another page adopted id3 while this one was frozen: it is not sent from here.
        mine.push(entry(4));
        assert_eq!(mine.forget(&["id3".to_string(), "nope".to_string()]), 1);
        assert_eq!(mine.ids().collect::<Vec<_>>(), ["id4"]);
    }

    #[test]
    fn unload_batches_fit_a_beacon() {
        let mut o = Outbox::default();
        let big = "x".repeat(5_000);
        for i in 0..40 {
            o.push(Entry { id: format!("{i}"), at: 0, json: format!(r#"{{"id":"{i}","ts":0,"pad":"{big}"}}"#) });
        }
        let b = o.next_batch(0, Flush::Unload, "").unwrap();
        assert!(b.body.len() <= MAX_BODY_BYTES, "{}", b.body.len());
        assert!(b.count < 40);
    }
}
