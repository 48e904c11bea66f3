//! Beacon batch decoding and validation (pure). A batch is accepted event by event: bad events
//! are reported with their reason, the rest are kept.

use shopcue::json::{self, Value};

use crate::segment::{Channel, Device, Segment, Visit};

/// Largest request body accepted (bytes).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most events in one batch.
pub const MAX_EVENTS: usize = 1000;

/// Largest client timestamp accepted at all (the year 2286): beyond it a number is no time.
const MAX_TS: f64 = 1e13;
/// How far a client clock may be from the collector's before its time is not trusted.
pub const MAX_CLOCK_SKEW_MS: i64 = 30 * shopcue::time::DAY_MS;

/// The time an event is reported under: the client's `ts` when it is within
/// [`MAX_CLOCK_SKEW_MS`] of receipt, else the receipt time (a device clock days or years off
/// must not put its events into another month's report, nor a far-future one into every report).
/// The event's JSON keeps the client's `ts` as sent.
pub fn bound_ts(ts: i64, received_ms: i64) -> i64 {
    if (ts - received_ms).abs() <= MAX_CLOCK_SKEW_MS {
        ts
    } else {
        received_ms
    }
}

/// One valid event, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Immutable event id (the dedup key).
    pub id: String,
    /// Site id from the batch envelope.
    pub site: String,
    /// Event name.
    pub name: String,
    /// When it happened (Unix ms): the client's timestamp, or the receipt time when the
    /// client's clock is off by more than [`MAX_CLOCK_SKEW_MS`] ([`bound_ts`]).
    pub ts: i64,
    /// Visitor id.
    pub visitor_id: String,
    /// Session id.
    pub session_id: String,
    /// Page URL (no query string).
    pub url: String,
    /// Scenario id for `shopcue_*` lifecycle events.
    pub scenario_id: Option<String>,
    /// Variant key for `shopcue_*` lifecycle events (`holdout` for the holdout group).
    pub variant: Option<String>,
    /// The event that converts an exposure's visitor (`params.goal` of a `shopcue_exposure`,
    /// the scenario's `goal`); none for `purchase`, and for other events.
    pub goal: Option<String>,
    /// The whole event as JSON.
    pub json: String,
    /// Device class (of the request that delivered it, set by the HTTP side: [`Batch::sent_from`])
    /// and new vs returning (from its `session_number`).
    pub segment: Segment,
}

/// A decoded batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Valid events.
    pub events: Vec<StoredEvent>,
    /// `(index, reason)` for each rejected event.
    pub rejected: Vec<(usize, String)>,
    /// Events the client reports it dropped before sending.
    pub client_dropped: u64,
}

fn text(v: &Value, key: &str, max: usize) -> Result<String, String> {
    match v.get(key) {
        Some(Value::String(s)) if s.contains('\0') => Err(format!("{key} must not contain NUL")),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= max => Ok(s.clone()),
        Some(Value::String(_)) => Err(format!("{key} must be 1 to {max} bytes")),
        _ => Err(format!("{key} is required (string)")),
    }
}

/// `true` when no number anywhere in `v` is infinite (written beyond ±1.8e308).
fn all_finite(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_finite(),
        Value::Array(items) => items.iter().all(all_finite),
        Value::Object(members) => members.iter().all(|(_, v)| all_finite(v)),
        _ => true,
    }
}

impl Batch {
    /// Marks every event as sent from `device` (the request's, [`Device::from_headers`]).
    pub fn sent_from(mut self, device: Device) -> Batch {
        self.events.iter_mut().for_each(|e| e.segment.device = device);
        self
    }
}

/// Decodes a request body received at `now_ms`. `Err` is a 400 reason for the whole batch.
pub fn decode(body: &str, now_ms: i64) -> Result<Batch, String> {
    let v = json::parse_untrusted(body).map_err(|e| format!("body is not JSON: {e}"))?;
    // The beacon protocol's version: 1, or left out. A batch of another version (a newer widget
    // than this collector) is refused whole rather than misread.
    match v.get("v") {
        None => {}
        Some(n) if n.as_f64() == Some(1.0) => {}
        Some(n) => return Err(format!("v is {}: this collector reads beacon protocol version 1", n.to_json())),
    }
    let site = text(&v, "site", 100)?;
    let events = v.get("events").and_then(Value::as_array).ok_or("events must be an array")?;
    if events.is_empty() {
        return Err("events is empty".into());
    }
    if events.len() > MAX_EVENTS {
        return Err(format!("{} events; at most {MAX_EVENTS} per batch", events.len()));
    }
    let mut batch = Batch {
        events: Vec::new(),
        rejected: Vec::new(),
        client_dropped: v.get("dropped").and_then(Value::as_f64).unwrap_or(0.0).max(0.0) as u64,
    };
    for (i, e) in events.iter().enumerate() {
        match decode_event(e, &site, now_ms) {
            Ok(ev) => batch.events.push(ev),
            Err(reason) => batch.rejected.push((i, reason)),
        }
    }
    Ok(batch)
}

/// The key a purchase is stored under when it names its order (`order:` and its
/// `transaction_id` as [`shopcue::event::order_id`] reads it, at most 200 bytes) instead of the
/// event id the browser gave it: one order is one purchase, whoever sends it again — a thank-you
/// page reloaded in a browser that keeps no profile (no storage, or no consent to keep one),
/// another device. The database keeps the first as it keeps the first of any id.
pub fn order_key(name: &str, event: &Value) -> Option<String> {
    if name != "purchase" {
        return None;
    }
    let order = shopcue::event::order_id(event.get("params")?).filter(|o| o.len() <= 200)?;
    Some(format!("order:{order}"))
}

fn decode_event(e: &Value, site: &str, now_ms: i64) -> Result<StoredEvent, String> {
    if e.as_object().is_none() {
        return Err("an event must be an object".into());
    }
    if !all_finite(e) {
        return Err("a number is out of range (beyond ±1.8e308)".into());
    }
    let id = text(e, "id", 64)?;
    let name = text(e, "name", 40)?;
    if !shopcue::event::is_event_name(&name) {
        return Err("name must be lowercase letters, digits and _".into());
    }
    let ts = e
        .get("ts")
        .and_then(Value::as_f64)
        .filter(|t| *t > 0.0 && *t < MAX_TS && t.fract() == 0.0)
        .ok_or("ts must be Unix milliseconds")? as i64;
    let param = |key: &str| -> Result<Option<String>, String> {
        match e.get("params").and_then(|p| p.get(key)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.contains('\0') && (1..=100).contains(&s.len()) => Ok(Some(s.clone())),
            Some(_) => Err(format!("params.{key} must be a string of 1 to 100 bytes without NUL")),
        }
    };
    let session_number = match e.get("session_number") {
        None | Some(Value::Null) => None,
        Some(n) => Some(
            n.as_f64()
                .filter(|n| *n >= 0.0 && *n <= u32::MAX as f64 && n.fract() == 0.0)
                .ok_or("session_number must be a whole number")? as u64,
        ),
    };
    // Where the event's visit came from (the widget's session traffic); none from an older widget.
    let channel = match e.get("traffic") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if t.is_empty() => None,
        Some(Value::String(t)) => Some(Channel::of_traffic(t)),
        Some(_) => return Err("traffic must be text: the visit's source, medium and campaign, one per line".into()),
    };
    let goal = match e.get("params").and_then(|p| p.get("goal")).filter(|_| name == "shopcue_exposure") {
        None | Some(Value::Null) => None,
        Some(Value::String(g)) => crate::goal::read(g)?,
        Some(_) => return Err("params.goal must be text: an event name or a page's path".into()),
    };
    Ok(StoredEvent {
        id: order_key(&name, e).unwrap_or(id),
        site: site.to_string(),
        name,
        ts: bound_ts(ts, now_ms),
        visitor_id: text(e, "visitor_id", 64)?,
        session_id: text(e, "session_id", 64).unwrap_or_default(),
        // Databases store text without NUL (PostgreSQL refuses it): dropped from the URL.
        url: e.get("url").and_then(Value::as_str).unwrap_or_default().chars().filter(|c| *c != '\0').take(2000).collect(),
        scenario_id: param("scenario_id")?,
        variant: param("variant")?,
        goal,
        json: e.to_json(),
        segment: Segment { device: Device::Unknown, visit: Visit::from_session_number(session_number), channel },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    #[test]
    fn one_bad_number_rejects_its_event_not_the_batch() {
        let b = decode(
            r#"{"site":"demo","events":[
                {"id":"a","name":"view_item","ts":1700000000000,"visitor_id":"v","params":{"price":1e999}},
                {"id":"b","name":"view_item","ts":1700000000000,"visitor_id":"v","params":{"price":-1e400}},
                {"id":"c","name":"view_item","ts":1700000000000,"visitor_id":"v","params":{"price":12}}]}"#,
            NOW,
        )
        .unwrap();
        let why = "a number is out of range (beyond ±1.8e308)".to_string();
        assert_eq!(b.rejected, [(0, why.clone()), (1, why)]);
        assert_eq!(b.events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["c"]);
    }

    #[test]
    fn a_purchase_is_stored_under_its_order() {
        let b = decode(
            r#"{"site":"demo","events":[
                {"id":"a","name":"purchase","ts":1700000000000,"visitor_id":"v","params":{"transaction_id":"T-1"}},
                {"id":"b","name":"purchase","ts":1700000000000,"visitor_id":"w","params":{"transaction_id":10234}},
                {"id":"c","name":"purchase","ts":1700000000000,"visitor_id":"v","params":{"transaction_id":""}},
                {"id":"c2","name":"purchase","ts":1700000000000,"visitor_id":"v","params":{"transaction_id":null}},
                {"id":"d","name":"purchase","ts":1700000000000,"visitor_id":"v"},
                {"id":"e","name":"refund","ts":1700000000000,"visitor_id":"v","params":{"transaction_id":"T-1"}}]}"#,
            NOW,
        )
        .unwrap();
        let ids: Vec<&str> = b.events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["order:T-1", "order:10234", "c", "c2", "d", "e"]);
        assert!(b.events[0].json.contains(r#""id":"a""#), "the event as sent keeps its own id");
    }

    #[test]
    fn a_clock_far_off_is_reported_at_receipt_and_its_own_time_kept_in_the_json() {
        let event = |ts: &str| format!(r#"{{"id":"x","name":"purchase","ts":{ts},"visitor_id":"v"}}"#);
        let batch = |ts: &str| decode(&format!(r#"{{"site":"s","events":[{}]}}"#, event(ts)), NOW).unwrap();
        let three_days = NOW + 3 * 86_400_000;
        assert_eq!(batch(&three_days.to_string()).events[0].ts, three_days, "within 30 days: the client's time");
        let behind = NOW - 400 * 86_400_000;
        let b = batch(&behind.to_string());
        assert_eq!(b.events[0].ts, NOW, "400 days behind: the receipt time");
        assert!(b.events[0].json.contains(&behind.to_string()), "the JSON keeps what was sent");
        for absurd in ["1e300", "99999999999999", "0", "-5", "1.5"] {
            let b = decode(&format!(r#"{{"site":"s","events":[{}]}}"#, event(absurd)), NOW).unwrap();
            assert_eq!(b.rejected, [(0, "ts must be Unix milliseconds".to_string())], "{absurd}");
        }
    }

    #[test]
    fn keeps_good_events_and_explains_bad_ones() {
        let b = decode(
            r#"{"v":1,"site":"demo","dropped":2,"events":[
                {"id":"a","name":"view_item","ts":1700000000000,"visitor_id":"v","session_id":"s","url":"/p","params":{}},
                {"id":"b","name":"Bad Name","ts":1,"visitor_id":"v"},
                {"id":"c","name":"shopcue_impression","ts":1700000000001,"visitor_id":"v","params":{"scenario_id":"cart_low_stock"}},
                7]}"#,
            NOW,
        )
        .unwrap();
        assert_eq!(b.events.len(), 2);
        assert_eq!(b.events[1].scenario_id.as_deref(), Some("cart_low_stock"));
        assert_eq!(b.rejected.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(b.client_dropped, 2);
    }

    #[test]
    fn a_batch_of_another_protocol_version_is_refused_whole() {
        let body =
            |v: &str| format!(r#"{{{v}"site":"s","events":[{{"id":"x","name":"page_view","ts":{NOW},"visitor_id":"v"}}]}}"#);
        assert_eq!(decode(&body(r#""v":1,"#), NOW).unwrap().events.len(), 1);
        assert_eq!(decode(&body(""), NOW).unwrap().events.len(), 1, "left out: version 1");
        assert_eq!(decode(&body(r#""v":2,"#), NOW).unwrap_err(), "v is 2: this collector reads beacon protocol version 1");
        assert_eq!(decode(&body(r#""v":"1","#), NOW).unwrap_err(), "v is \"1\": this collector reads beacon protocol version 1");
    }

    #[test]
    fn an_exposure_names_its_goal_and_a_goal_no_visitor_reaches_is_rejected() {
        let event = |name: &str, goal: &str| {
            let id = goal.len() * 100 + name.len();
            format!(r#"{{"id":"{id}","name":"{name}","ts":{NOW},"visitor_id":"v","params":{{"scenario_id":"s","goal":{goal}}}}}"#)
        };
        let events = [
            event("shopcue_exposure", r#""sign_up""#),
            event("shopcue_exposure", r#""purchase""#),
            event("shopcue_exposure", "null"),
            event("shopcue_exposure", r#""page_view""#),
            event("shopcue_exposure", r#""shopcue_click""#),
            event("shopcue_exposure", r#""Sign Up""#),
            event("shopcue_exposure", "5"),
            event("view_item", r#""not read here""#),
        ];
        let b = decode(&format!(r#"{{"site":"s","events":[{}]}}"#, events.join(",")), NOW).unwrap();
        let goals: Vec<Option<&str>> = b.events.iter().map(|e| e.goal.as_deref()).collect();
        assert_eq!(goals, [Some("sign_up"), None, None, None], "a purchase is the default, written as none");
        assert_eq!(b.rejected.iter().map(|r| r.0).collect::<Vec<_>>(), [3, 4, 5, 6]);
        assert!(b.rejected[0].1.starts_with("params.goal must be an event name"), "{:?}", b.rejected);
    }

    #[test]
    fn nul_characters_and_odd_params_are_rejected_per_event() {
        let b = decode(
            r#"{"site":"demo","events":[
                {"id":"a\u0000","name":"view_item","ts":1700000000000,"visitor_id":"v"},
                {"id":"b","name":"shopcue_exposure","ts":1700000000000,"visitor_id":"v","params":{"scenario_id":7}},
                {"id":"c","name":"shopcue_exposure","ts":1700000000000,"visitor_id":"v","url":"/a\u0000b",
                 "params":{"scenario_id":"s","variant":"holdout"}}]}"#,
            NOW,
        )
        .unwrap();
        assert_eq!(
            b.rejected,
            [
                (0, "id must not contain NUL".to_string()),
                (1, "params.scenario_id must be a string of 1 to 100 bytes without NUL".to_string())
            ]
        );
        assert_eq!(b.events[0].url, "/ab");
        assert_eq!(b.events[0].variant.as_deref(), Some("holdout"));
    }

    #[test]
    fn session_number_gives_new_or_returning_and_the_request_the_device() {
        let b = decode(
            r#"{"site":"s","events":[
                {"id":"a","name":"view_item","ts":1700000000000,"visitor_id":"v","session_number":1},
                {"id":"b","name":"view_item","ts":1700000000000,"visitor_id":"v","session_number":4},
                {"id":"c","name":"view_item","ts":1700000000000,"visitor_id":"v"},
                {"id":"d","name":"view_item","ts":1700000000000,"visitor_id":"v","session_number":0.5},
                {"id":"e","name":"view_item","ts":1700000000000,"visitor_id":"v","session_number":"1"},
                {"id":"f","name":"view_item","ts":1700000000000,"visitor_id":"v","session_number":0}]}"#,
            NOW,
        )
        .unwrap()
        .sent_from(Device::Tablet);
        let segments: Vec<String> = b.events.iter().map(|e| e.segment.to_string()).collect();
        assert_eq!(segments, ["tablet:new", "tablet:returning", "tablet:unknown", "tablet:unknown"], "0: no session yet");
        let why = "session_number must be a whole number".to_string();
        assert_eq!(b.rejected, [(3, why.clone()), (4, why)]);
    }

    #[test]
    fn traffic_gives_the_channel() {
        let b = decode(
            r#"{"site":"s","events":[
                {"id":"a","name":"view_item","ts":1700000000000,"visitor_id":"v","session_number":2,"traffic":"instagram\npaid_social\nfw26"},
                {"id":"b","name":"view_item","ts":1700000000000,"visitor_id":"v","session_number":1,"traffic":"google\norganic\n"},
                {"id":"c","name":"view_item","ts":1700000000000,"visitor_id":"v","traffic":""},
                {"id":"d","name":"view_item","ts":1700000000000,"visitor_id":"v","traffic":["google","organic"]}]}"#,
            NOW,
        )
        .unwrap()
        .sent_from(Device::Mobile);
        let segments: Vec<String> = b.events.iter().map(|e| e.segment.to_string()).collect();
        assert_eq!(segments, ["mobile:returning:paid_social", "mobile:new:organic_search", "mobile:unknown"], "empty: none said");
        let why = "traffic must be text: the visit's source, medium and campaign, one per line".to_string();
        assert_eq!(b.rejected, [(3, why)]);
    }

    #[test]
    fn whole_batch_errors() {
        assert!(decode("not json", NOW).unwrap_err().contains("not JSON"));
        assert!(decode(r#"{"site":"s","events":[]}"#, NOW).unwrap_err().contains("empty"));
        assert!(decode(r#"{"events":[{}]}"#, NOW).unwrap_err().contains("site"));
    }
}
