//! Beacon batch decoding and validation (pure). A batch is accepted event by event: bad events
//! are reported with their reason, the rest are kept.

use shopcue::json::{self, Value};

/// Largest request body accepted (bytes).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most events in one batch.
pub const MAX_EVENTS: usize = 1000;

/// One valid event, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Immutable event id (the dedup key).
    pub id: String,
    /// Site id from the batch envelope.
    pub site: String,
    /// Event name.
    pub name: String,
    /// Client timestamp (Unix ms).
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
    /// The whole event as JSON.
    pub json: String,
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

/// Decodes a request body. `Err` is a 400 reason for the whole batch.
pub fn decode(body: &str) -> Result<Batch, String> {
    let v = json::parse(body).map_err(|e| format!("body is not JSON: {e}"))?;
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
        match decode_event(e, &site) {
            Ok(ev) => batch.events.push(ev),
            Err(reason) => batch.rejected.push((i, reason)),
        }
    }
    Ok(batch)
}

fn decode_event(e: &Value, site: &str) -> Result<StoredEvent, String> {
    if e.as_object().is_none() {
        return Err("an event must be an object".into());
    }
    let id = text(e, "id", 64)?;
    let name = text(e, "name", 40)?;
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return Err("name must be lowercase letters, digits and _".into());
    }
    let ts =
        e.get("ts").and_then(Value::as_f64).filter(|t| *t > 0.0 && t.fract() == 0.0).ok_or("ts must be Unix milliseconds")?;
    let param = |key: &str| -> Result<Option<String>, String> {
        match e.get("params").and_then(|p| p.get(key)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.contains('\0') && (1..=100).contains(&s.len()) => Ok(Some(s.clone())),
            Some(_) => Err(format!("params.{key} must be a string of 1 to 100 bytes without NUL")),
        }
    };
    Ok(StoredEvent {
        id,
        site: site.to_string(),
        name,
        ts: ts as i64,
        visitor_id: text(e, "visitor_id", 64)?,
        session_id: text(e, "session_id", 64).unwrap_or_default(),
        // Databases store text without NUL (PostgreSQL refuses it): dropped from the URL.
        url: e.get("url").and_then(Value::as_str).unwrap_or_default().chars().filter(|c| *c != '\0').take(2000).collect(),
        scenario_id: param("scenario_id")?,
        variant: param("variant")?,
        json: e.to_json(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_good_events_and_explains_bad_ones() {
        let b = decode(
            r#"{"v":1,"site":"demo","dropped":2,"events":[
                {"id":"a","name":"view_item","ts":1700000000000,"visitor_id":"v","session_id":"s","url":"/p","params":{}},
                {"id":"b","name":"Bad Name","ts":1,"visitor_id":"v"},
                {"id":"c","name":"shopcue_impression","ts":1700000000001,"visitor_id":"v","params":{"scenario_id":"cart_low_stock"}},
                7]}"#,
        )
        .unwrap();
        assert_eq!(b.events.len(), 2);
        assert_eq!(b.events[1].scenario_id.as_deref(), Some("cart_low_stock"));
        assert_eq!(b.rejected.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(b.client_dropped, 2);
    }

    #[test]
    fn nul_characters_and_odd_params_are_rejected_per_event() {
        let b = decode(
            r#"{"site":"demo","events":[
                {"id":"a\u0000","name":"view_item","ts":1700000000000,"visitor_id":"v"},
                {"id":"b","name":"shopcue_exposure","ts":1700000000000,"visitor_id":"v","params":{"scenario_id":7}},
                {"id":"c","name":"shopcue_exposure","ts":1700000000000,"visitor_id":"v","url":"/a\u0000b",
                 "params":{"scenario_id":"s","variant":"holdout"}}]}"#,
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
    fn whole_batch_errors() {
        assert!(decode("not json").unwrap_err().contains("not JSON"));
        assert!(decode(r#"{"site":"s","events":[]}"#).unwrap_err().contains("empty"));
        assert!(decode(r#"{"events":[{}]}"#).unwrap_err().contains("site"));
    }
}
