//! Product feeds (`config.feed`): current price, stock, per-store stock, release date,
//! category and brand for the items in the shopper's profile, so price-drop, low-stock and
//! back-in-stock scenarios work on every page, not only on the product page.
//!
//! A feed is JSON: an array of items, or `{"items": […]}`. Items use Shopcue's (GA4) item
//! fields; Google Merchant Center names are read too (`id`, `title`, `brand`, `product_type`,
//! `price: "1980 JPY"`, `sale_price`, `availability: "in_stock" | "out of stock" | …`,
//! `quantity`). Only items already in the profile are taken: the feed never grows the profile.
//! A feed that fails or is malformed is reported and changes nothing.

use crate::error::{Error, Problem};
use crate::event::Item;
use crate::json::{parse, Value};

/// Where the feed is and how long a fetched copy stays fresh.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedSource {
    /// Feed URL (http(s) or relative).
    pub url: String,
    /// Seconds before the feed is fetched again (`max_age_s`, default 3600).
    pub max_age_s: f64,
}

impl FeedSource {
    /// `max_age_s` in milliseconds.
    pub fn max_age_ms(&self) -> i64 {
        (self.max_age_s * 1000.0) as i64
    }
}

/// Most feed entries read (the rest of a larger feed is ignored).
pub const MAX_FEED_ITEMS: usize = 50_000;

/// Reads a feed's text into items (those with an id); `wanted` says which ids to keep.
pub fn parse_feed(text: &str, wanted: &dyn Fn(&str) -> bool) -> Result<Vec<Item>, Error> {
    let doc = parse(text)?;
    let list = match &doc {
        Value::Array(list) => list.as_slice(),
        other => other.get("items").and_then(Value::as_array).ok_or_else(|| {
            Error::InvalidEvent(vec![Problem::new("$feed", "a feed is an array of items or {\"items\": [...]}")])
        })?,
    };
    let mut items = Vec::new();
    for v in list.iter().take(MAX_FEED_ITEMS) {
        let Some(id) = text_of(v, &["item_id", "id"]) else { continue };
        if !wanted(&id) {
            continue;
        }
        let mut problems = Vec::new();
        if let Some(item) = Item::parse(&normalize(v, &id), "$feed", &mut problems) {
            items.push(item);
        }
    }
    Ok(items)
}

fn text_of(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match v.get(k)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(Value::Number(*n).to_json()),
        _ => None,
    })
}

/// Merchant Center names → item fields; item fields win where both are present.
fn normalize(v: &Value, id: &str) -> Value {
    let mut out = v.clone();
    if !matches!(out, Value::Object(_)) {
        return Value::Null;
    }
    out.set("item_id", Value::from(id));
    let alias = |out: &mut Value, from: &str, to: &str| {
        if out.get(to).is_none() {
            if let Some(x) = v.get(from).cloned() {
                out.set(to, x);
            }
        }
    };
    alias(&mut out, "title", "item_name");
    alias(&mut out, "brand", "item_brand");
    alias(&mut out, "product_type", "item_category");
    alias(&mut out, "link", "url");
    alias(&mut out, "image_link", "image");
    // A sale price is the price the shopper pays.
    if let Some(sale) = v.get("sale_price").filter(|s| !matches!(s, Value::Null) && s.as_str() != Some("")) {
        out.set("price", sale.clone());
    }
    if out.get("stock").is_none() {
        if let Some(q) = v.get("quantity").and_then(Value::as_f64) {
            out.set("stock", Value::Number(q));
        } else if let Some(a) = v.get("availability").and_then(Value::as_str) {
            let a = a.to_ascii_lowercase().replace(' ', "_");
            if matches!(a.as_str(), "out_of_stock" | "sold_out" | "discontinued") {
                out.set("stock", Value::Number(0.0));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_and_merchant_center_fields_for_wanted_items_only() {
        let text = r#"{"items":[
            {"item_id":"a","price":1980,"stock":2,"stores":{"shibuya":1}},
            {"id":"b","title":"Tee","brand":"Kinari","price":"2,200 JPY","sale_price":"1,980 JPY","availability":"out of stock"},
            {"id":"c","price":100},
            {"title":"no id"},
            7]}"#;
        let items = parse_feed(text, &|id| id != "c").unwrap();
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!((items[0].price, items[0].stock), (Some(1980.0), Some(2.0)));
        assert_eq!(items[1].name.as_deref(), Some("Tee"));
        assert_eq!((items[1].price, items[1].stock), (Some(1980.0), Some(0.0)), "sale price; out of stock");
        assert_eq!(parse_feed("[]", &|_| true).unwrap().len(), 0);
    }

    #[test]
    fn malformed_feeds_are_errors_not_panics() {
        assert!(parse_feed("<rss>", &|_| true).is_err());
        assert!(parse_feed(r#"{"products":[]}"#, &|_| true).is_err());
        assert!(parse_feed(r#"[{"id":"a","price":"1.980"}]"#, &|_| true).unwrap().is_empty(), "a bad item is skipped");
    }
}
