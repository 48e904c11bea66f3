//! Shopper events and the items they carry (GA4 e-commerce names and item fields), validated
//! at the door: a bad event is rejected with its reasons and never reaches the profile.

use crate::error::{element, member, Error, Problem};
use crate::json::{number_text, Value};

/// Event names with a meaning to the profile (GA4 e-commerce names plus Shopcue's own).
/// Other well-formed names are accepted as custom events: beaconed, not interpreted.
pub const KNOWN_EVENTS: &[&str] = &[
    "page_view",
    "view_item",
    "view_item_list",
    "add_to_cart",
    "remove_from_cart",
    "view_cart",
    "add_to_wishlist",
    "remove_from_wishlist",
    "begin_checkout",
    "purchase",
    "search",
    "notify_me",
    "favorite_brand",
    "favorite_store",
    "coupon",
    "points",
    "store_reservation",
];

/// Moments of a page view that the loader reports and nothing records, which scenarios may be
/// triggered on: `exit_intent` (the pointer leaving the window through its top) and `scroll_25`
/// … `scroll_90` (the shopper scrolled past that share of the page, in per cent).
pub const PAGE_MOMENTS: &[&str] = &["exit_intent", "scroll_25", "scroll_50", "scroll_75", "scroll_90"];

/// Most items one event may carry; more is a mistake on the site, not a shopper.
pub const MAX_ITEMS: usize = 200;

/// One product as an event or the catalog describes it (GA4 item fields plus stock data).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Item {
    /// `item_id`: the site's product id (required).
    pub id: String,
    /// `item_name`.
    pub name: Option<String>,
    /// `item_brand`.
    pub brand: Option<String>,
    /// `item_category`.
    pub category: Option<String>,
    /// `price` per unit, in the event's currency.
    pub price: Option<f64>,
    /// `quantity` (defaults to 1 where it matters).
    pub quantity: Option<f64>,
    /// Units in stock online; `Some(0.0)` is out of stock.
    pub stock: Option<f64>,
    /// Product page URL.
    pub url: Option<String>,
    /// Product image URL.
    pub image: Option<String>,
    /// Stock per store (`stores: {"shibuya": 2}`), for pickup and store guidance.
    pub stores: Option<Vec<(String, f64)>>,
    /// Release date as given (ISO date), for "new arrival" scenarios.
    pub release_date: Option<String>,
}

/// A validated event, ready for the profile and the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event name (`view_item` …).
    pub name: String,
    /// Items, validated.
    pub items: Vec<Item>,
    /// The parameters as given (after validation), forwarded in the beacon.
    pub params: Value,
    /// What [`Event::parse_captured`] left out of its items, each field at its path with why it
    /// did not read (`debug: true` says so); empty for [`Event::parse`].
    pub left_out: Vec<Problem>,
}

impl Event {
    /// Validates `params` for event `name`. Every problem is reported with its JSON path.
    ///
    /// ```
    /// use shopcue::{event::Event, json::parse};
    /// let e = Event::parse("add_to_cart", &parse(r#"{"items":[{"item_id":"t1","price":"¥1,980"}]}"#).unwrap()).unwrap();
    /// assert_eq!(e.items[0].price, Some(1980.0));
    /// ```
    pub fn parse(name: &str, params: &Value) -> Result<Event, Error> {
        Event::read(name, params, false)
    }

    /// Like [`Event::parse`], for what automatic capture found on the page (a tag manager's
    /// push, JSON-LD, a form): an item's field that does not read — a price `""` or "Call for
    /// price", a name that is a number — is left out of the item instead of refusing the event,
    /// so that a shopper's purchase counts whatever the page's markup gets wrong. An item still
    /// needs its id.
    ///
    /// ```
    /// use shopcue::{event::Event, json::parse};
    /// let push = parse(r#"{"transaction_id":"T1","items":[{"item_id":"t1","price":"","item_brand":7}]}"#).unwrap();
    /// assert!(Event::parse("purchase", &push).is_err());
    /// let e = Event::parse_captured("purchase", &push).unwrap();
    /// assert_eq!((e.items[0].price, e.items[0].brand.as_deref()), (None, None));
    /// let left_out: Vec<&str> = e.left_out.iter().map(|p| p.path.as_str()).collect();
    /// assert_eq!(left_out, ["$.items[0].item_brand", "$.items[0].price"]);
    /// ```
    pub fn parse_captured(name: &str, params: &Value) -> Result<Event, Error> {
        Event::read(name, params, true)
    }

    /// [`Event::parse`], or with `captured` [`Event::parse_captured`].
    pub(crate) fn read(name: &str, params: &Value, captured: bool) -> Result<Event, Error> {
        let (mut problems, mut left_out) = (Vec::new(), Vec::new());
        if name.is_empty() {
            problems.push(Problem::new("$name", "an event name is required, such as \"view_item\""));
        } else if !is_event_name(name) {
            problems.push(Problem::new(
                "$name",
                crate::text::concat(&["\"", name, "\" is not an event name (lowercase letters, digits and _, up to 40)"]),
            ));
        }
        let params = match params {
            Value::Null => Value::Object(Vec::new()),
            Value::Object(_) => params.clone(),
            _ => {
                problems.push(Problem::new("$", "params must be an object"));
                Value::Object(Vec::new())
            }
        };
        let mut items = Vec::new();
        match params.get("items") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) if list.len() > MAX_ITEMS => {
                problems.push(Problem::new(
                    "$.items",
                    crate::text::concat(&[&*number_text(list.len() as f64), " items; at most ", &number_text(MAX_ITEMS as f64)]),
                ));
            }
            Some(Value::Array(list)) => {
                for (i, v) in list.iter().enumerate() {
                    if let Some(item) = Item::read(v, &element("$.items", i), &mut problems, captured.then_some(&mut left_out)) {
                        items.push(item);
                    }
                }
            }
            Some(_) => problems.push(Problem::new("$.items", "must be an array of items")),
        }
        if matches!(
            name,
            "view_item" | "add_to_cart" | "remove_from_cart" | "add_to_wishlist" | "remove_from_wishlist" | "notify_me"
        ) && items.is_empty()
            && problems.is_empty()
        {
            // An item written at the top (as Segment's and Klaviyo's product events are) is the
            // usual slip.
            let flat =
                if params.get("item_id").is_some() { r#": {"items": [{"item_id": …}]}, not item_id at the top"# } else { "" };
            problems.push(Problem::new("$.items", crate::text::concat(&[name, " needs at least one item", flat])));
        }
        check_params(name, &params, &mut problems);
        if problems.is_empty() {
            Ok(Event { name: name.to_string(), items, params, left_out })
        } else {
            Err(Error::InvalidEvent(problems))
        }
    }
}

/// Checks the parameters Shopcue interprets for its own events (`coupon`, `points` …).
fn check_params(name: &str, params: &Value, problems: &mut Vec<Problem>) {
    let text = |key: &str, problems: &mut Vec<Problem>| match params.get(key) {
        Some(Value::String(s)) if !s.is_empty() => {}
        _ => problems.push(Problem::new(member("$", key), crate::text::concat(&[name, " needs ", key, " (a string)"]))),
    };
    let amount = |key: &str, required: bool, problems: &mut Vec<Problem>| match params.get(key) {
        None | Some(Value::Null) if !required => {}
        None | Some(Value::Null) => problems.push(Problem::new(member("$", key), crate::text::concat(&[name, " needs ", key]))),
        Some(v) => {
            if let Err(e) = parse_amount(v) {
                problems.push(Problem::new(member("$", key), e));
            }
        }
    };
    let date = |key: &str, problems: &mut Vec<Problem>| match params.get(key) {
        None | Some(Value::Null) | Some(Value::Number(_)) => {}
        Some(Value::String(d)) if crate::time::parse_iso(d, 0).is_some() => {}
        Some(_) => problems.push(Problem::new(member("$", key), "must be an ISO date or Unix milliseconds")),
    };
    match name {
        "coupon" => {
            text("coupon_id", problems);
            amount("amount", false, problems);
            date("expires_at", problems);
        }
        "points" => {
            amount("balance", true, problems);
            amount("expiring", false, problems);
            date("expires_at", problems);
        }
        "favorite_brand" => text("brand", problems),
        "favorite_store" => text("store_id", problems),
        _ => {}
    }
}

/// The order a `purchase` names: its `transaction_id` as text (`12345` and `"12345"` are one
/// order; any other value by its JSON text); `None` when it is missing, empty or `null`. The
/// widget counts an order once by it ([`crate::profile::Profile::ordered`]), and the collector
/// stores one purchase per order by it.
///
/// ```
/// use shopcue::{event::order_id, json::parse};
/// assert_eq!(order_id(&parse(r#"{"transaction_id":10234}"#).unwrap()).as_deref(), Some("10234"));
/// assert_eq!(order_id(&parse(r#"{"transaction_id":""}"#).unwrap()), None);
/// ```
pub fn order_id(params: &Value) -> Option<String> {
    let id = params.get("transaction_id")?;
    let text = id.as_str().map_or_else(|| id.to_json(), str::to_string);
    (!matches!(text.as_str(), "" | "null")).then_some(text)
}

/// An event name as [`Event::parse`] takes it: lowercase letters, digits and `_`, 1 to 40 bytes.
/// The collector takes the same names.
///
/// ```
/// use shopcue::event::is_event_name;
/// assert!(is_event_name("sign_up"));
/// assert!(!is_event_name("Sign Up") && !is_event_name("") && !is_event_name(&"x".repeat(41)));
/// ```
pub fn is_event_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 40 && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Who said what an item is, from the least to the most trusted. On one page, a field from a
/// more trusted source wins whatever arrived first, so a product page that publishes both a
/// GA4 push and JSON-LD gets the same merged item in either order ([`Item::merge_ranked`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// A cart form the page submitted or a product card's add button (its item the page's own
    /// or the card's), or the store's own cart.
    Form = 1,
    /// schema.org JSON-LD found on the page.
    JsonLd = 2,
    /// `data-shopcue-*` attributes.
    Attributes = 3,
    /// A GA4 `dataLayer` push.
    DataLayer = 4,
    /// `shopcue('catalog', items)`: the site's own fresh facts.
    Catalog = 5,
    /// An explicit `shopcue('track', …)`.
    Track = 6,
}

/// The product facts [`Item::merge_ranked`] ranks, one rank each.
pub const RANKED_FIELDS: usize = 9;

impl Item {
    /// The rank of each product fact this item holds (`0` where it holds none), as if it all
    /// came from `rank`.
    pub fn ranks(&self, rank: Rank) -> [u8; RANKED_FIELDS] {
        let mut ranks = [0; RANKED_FIELDS];
        let mut i = 0;
        macro_rules! mark {
            ($($f:ident),*) => { $( if self.$f.is_some() { ranks[i] = rank as u8; } i += 1; )* };
        }
        mark!(name, brand, category, price, stock, url, image, stores, release_date);
        debug_assert_eq!(i, RANKED_FIELDS);
        ranks
    }

    /// Takes each product fact of `new` (from `rank`) that this item lacks, or that a source no
    /// more trusted than `rank` gave (`ranks` holds who gave each field; a later fact of the
    /// same rank is an update). The result does not depend on the order of arrival.
    ///
    /// ```
    /// use shopcue::event::{Item, Rank};
    /// let ga4 = Item { id: "t".into(), name: Some("Tee".into()), price: Some(1980.0), ..Item::default() };
    /// let json_ld = Item { id: "t".into(), price: Some(2000.0), stock: Some(2.0), ..Item::default() };
    /// let (mut a, mut ranks_a) = (ga4.clone(), ga4.ranks(Rank::DataLayer));
    /// a.merge_ranked(&mut ranks_a, &json_ld, Rank::JsonLd);
    /// let (mut b, mut ranks_b) = (json_ld.clone(), json_ld.ranks(Rank::JsonLd));
    /// b.merge_ranked(&mut ranks_b, &ga4, Rank::DataLayer);
    /// assert_eq!(a, b);
    /// assert_eq!((a.price, a.stock), (Some(1980.0), Some(2.0)));
    /// ```
    pub fn merge_ranked(&mut self, ranks: &mut [u8; RANKED_FIELDS], new: &Item, rank: Rank) {
        let mut i = 0;
        macro_rules! take {
            ($($f:ident),*) => { $(
                if new.$f.is_some() && (self.$f.is_none() || rank as u8 >= ranks[i]) {
                    self.$f = new.$f.clone();
                    ranks[i] = rank as u8;
                }
                i += 1;
            )* };
        }
        take!(name, brand, category, price, stock, url, image, stores, release_date);
        debug_assert_eq!(i, RANKED_FIELDS);
    }

    /// Reads an item object; problems go to `problems` with paths under `path`.
    pub fn parse(v: &Value, path: &str, problems: &mut Vec<Problem>) -> Option<Item> {
        Item::read(v, path, problems, None)
    }

    /// [`Item::parse`]; with `left_out` ([`Event::parse_captured`]): a text or an amount that
    /// does not read is left out, its problem put there, and the item stands (an unreadable id,
    /// stores or date still refuse it).
    fn read(v: &Value, path: &str, problems: &mut Vec<Problem>, left_out: Option<&mut Vec<Problem>>) -> Option<Item> {
        if v.as_object().is_none() {
            problems.push(Problem::new(path, "an item must be an object"));
            return None;
        }
        let before = problems.len();
        let id = match v.get("item_id") {
            Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 200 => s.trim().to_string(),
            Some(Value::Number(n)) if n.is_finite() => {
                let mut s = String::new();
                crate::json::format_number(*n, &mut s);
                s
            }
            Some(_) => {
                problems.push(Problem::new(member(path, "item_id"), "must be a non-empty string of at most 200 characters"));
                String::new()
            }
            None => {
                problems.push(Problem::new(member(path, "item_id"), "is required"));
                String::new()
            }
        };
        // A text's or an amount's problem: refusing the item, or only its field (`left_out`).
        let mut soft = Vec::new();
        let text = |key: &str, soft: &mut Vec<Problem>| match v.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.chars().take(500).collect::<String>()),
            Some(_) => {
                soft.push(Problem::new(member(path, key), "must be a string"));
                None
            }
        };
        let amount = |key: &str, soft: &mut Vec<Problem>| match v.get(key) {
            None | Some(Value::Null) => None,
            Some(x) => parse_amount(x).map_err(|reason| soft.push(Problem::new(member(path, key), reason))).ok(),
        };
        let mut item = Item {
            id,
            name: text("item_name", &mut soft),
            brand: text("item_brand", &mut soft),
            category: text("item_category", &mut soft),
            url: text("url", &mut soft),
            image: text("image", &mut soft),
            price: amount("price", &mut soft),
            quantity: amount("quantity", &mut soft),
            stock: amount("stock", &mut soft),
            ..Item::default()
        };
        // Problems in the order of the fields: these before the stores' and the date's.
        left_out.unwrap_or(problems).append(&mut soft);
        item.stores = match v.get("stores") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => {
                let mut out = Vec::new();
                for (store, n) in m.iter().take(200) {
                    match parse_amount(n) {
                        Ok(n) => out.push((store.clone(), n)),
                        Err(e) => problems.push(Problem::new(member(&member(path, "stores"), store), e)),
                    }
                }
                Some(out)
            }
            Some(_) => {
                problems.push(Problem::new(member(path, "stores"), "must be an object of store id → stock"));
                None
            }
        };
        item.release_date = match v.get("release_date") {
            None | Some(Value::Null) => None,
            Some(Value::String(d)) if crate::time::parse_iso(d, 0).is_some() => Some(d.clone()),
            Some(_) => {
                problems.push(Problem::new(member(path, "release_date"), "must be an ISO date such as \"2026-11-30\""));
                None
            }
        };
        (problems.len() == before).then_some(item)
    }

    /// This item as GA4-style JSON (the shape sent in beacons and seen by templates).
    pub fn to_value(&self) -> Value {
        let mut v = crate::json::object([("item_id", self.id.as_str().into())]);
        let fields: [(&str, Value); 8] = [
            ("item_name", self.name.clone().into()),
            ("item_brand", self.brand.clone().into()),
            ("item_category", self.category.clone().into()),
            ("price", self.price.into()),
            ("quantity", self.quantity.into()),
            ("stock", self.stock.into()),
            ("url", self.url.clone().into()),
            ("image", self.image.clone().into()),
        ];
        for (k, x) in fields {
            if !x.is_null() {
                v.set(k, x);
            }
        }
        if let Some(stores) = &self.stores {
            v.set("stores", Value::Object(stores.iter().map(|(k, n)| (k.clone(), Value::from(*n))).collect()));
        }
        if let Some(d) = &self.release_date {
            v.set("release_date", d.as_str().into());
        }
        v
    }
}

/// Reads a non-negative amount: a number, or a price string such as `"¥1,980"`, `"1,980"`,
/// `"$19.99"`, `"1.980,00 €"` or `"1980円"`. Ambiguous or garbled text is rejected with a
/// reason; it is never silently turned into a different number.
///
/// ```
/// use shopcue::{event::parse_amount, json::Value};
/// assert_eq!(parse_amount(&Value::from("1.980,00 €")), Ok(1980.0));
/// assert!(parse_amount(&Value::from("1.980")).is_err()); // 1.98 or 1980? Refuse to guess.
/// ```
pub fn parse_amount(v: &Value) -> Result<f64, String> {
    let n = match v {
        Value::Number(n) => *n,
        Value::String(s) => parse_amount_text(s)?,
        _ => return Err("must be a number or a price string".into()),
    };
    if !n.is_finite() || n < 0.0 {
        return Err("must be a finite number ≥ 0".into());
    }
    Ok(n)
}

fn parse_amount_text(s: &str) -> Result<f64, String> {
    let bad = || crate::text::concat(&["\"", s, "\" is not a readable amount"]);
    // The number runs from its first to its last digit, sign or separator: ASCII bytes, so
    // these byte positions are on character boundaries.
    let numeric = |b: u8| b.is_ascii_digit() || matches!(b, b'-' | b'.' | b',');
    let start = s.bytes().position(numeric).unwrap_or(s.len());
    let end = s.bytes().rposition(numeric).map_or(start, |last| last + 1);
    // Around the number only currency signs, codes ("JPY") and tax notes ("(税込)") may stand.
    let decoration = |d: &str| {
        d.chars().all(|c| {
            c.is_whitespace()
                || c.is_ascii_uppercase()
                || matches!(
                    c,
                    '¥' | '￥' | '$' | '€' | '£' | '₩' | '₹' | '円' | '元' | '(' | ')' | '（' | '）' | '税' | '込' | '抜'
                )
        })
    };
    if !(decoration(&s[..start]) && decoration(&s[end..])) {
        return Err(bad());
    }
    let core: String =
        s[start..end].chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}' && *c != '\'').collect();
    if core.is_empty() || !core.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b',') {
        return Err(bad());
    }
    // The last separator is the decimal one when both kinds appear ("1.980,00", "1,980.00").
    // Only ASCII is left: byte positions are character positions.
    let last = |sep: u8| core.bytes().rposition(|b| b == sep);
    let (last_dot, last_comma) = (last(b'.'), last(b','));
    let decimal = match (last_dot, last_comma) {
        (Some(d), Some(c)) => Some(if d > c { b'.' } else { b',' }),
        (Some(_), None) | (None, Some(_)) => {
            let sep = if last_dot.is_some() { b'.' } else { b',' };
            let count = core.bytes().filter(|&b| b == sep).count();
            let after = core.len() - last(sep).unwrap_or(0) - 1;
            match (count, after) {
                // "1,980": prices never carry three decimals, so a lone comma before three
                // digits groups thousands. "1.980" may be a decimal number string: refuse.
                (1, 3) if sep == b',' => None,
                (1, 3) => {
                    return Err(crate::text::concat(&["\"", s, "\" is ambiguous: is '.' a thousands or a decimal separator?"]))
                }
                (1, _) => Some(sep),
                (_, 3) => None, // several separators, groups of three: thousands
                _ => return Err(bad()),
            }
        }
        (None, None) => None,
    };
    let point = decimal.and_then(last);
    let mut normalized = String::with_capacity(core.len());
    for (i, b) in core.bytes().enumerate() {
        match b {
            b'0'..=b'9' => normalized.push(char::from(b)),
            _ if Some(b) == decimal && Some(i) == point => normalized.push('.'),
            _ if Some(b) == decimal => return Err(bad()),
            _ => {} // thousands separator
        }
    }
    crate::json::parse_number(&normalized).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    #[test]
    fn amounts_in_many_shapes() {
        for (text, want) in [
            ("¥1,980", 1980.0),
            ("1,980", 1980.0),
            ("1.980,00 €", 1980.0),
            ("$19.99", 19.99),
            ("1980円", 1980.0),
            ("￥12,800", 12800.0),
            ("1,234,567", 1234567.0),
            ("19,99 €", 19.99),
            ("0", 0.0),
            ("¥1,980(税込)", 1980.0),
            ("1980 JPY", 1980.0),
        ] {
            assert_eq!(parse_amount(&Value::from(text)), Ok(want), "{text}");
        }
        for text in ["", "free", "1.980", "1,2,3", "12a", "-5", "1.2.3,4,5"] {
            assert!(parse_amount(&Value::from(text)).is_err(), "{text} should be rejected");
        }
        assert!(parse_amount(&Value::Number(-1.0)).is_err());
        assert!(parse_amount(&Value::Bool(true)).is_err());
    }

    #[test]
    fn bad_events_list_every_problem_with_paths() {
        let params =
            parse(r#"{"items":[{"item_name":"x"},{"item_id":"a","price":"abc","stock":true},{"item_id":"b"}]}"#).unwrap();
        let err = Event::parse("add_to_cart", &params).unwrap_err();
        let paths: Vec<_> = err.problems().iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["$.items[0].item_id", "$.items[1].price", "$.items[1].stock"]);
        assert_eq!(err.code(), "SHOPCUE_INVALID_EVENT");
        // In the order of the item's fields, whatever the order written.
        let mixed =
            r#"{"items":[{"release_date":"soon","stores":{"shibuya":"many"},"price":"abc","item_id":"c","item_name":1}]}"#;
        let err = Event::parse("add_to_cart", &parse(mixed).unwrap()).unwrap_err();
        let paths: Vec<_> = err.problems().iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["$.items[0].item_name", "$.items[0].price", "$.items[0].stores.shibuya", "$.items[0].release_date"]);
        assert!(Event::parse("Bad Name", &Value::Null).is_err());
        assert!(Event::parse("view_item", &Value::Null).is_err(), "view_item needs items");
        assert!(Event::parse("my_custom_event", &Value::Null).is_ok());
        // An item written at the top, as other tools' product events are: told where it goes.
        let flat = Event::parse("add_to_cart", &parse(r#"{"item_id":"A1","price":1980}"#).unwrap()).unwrap_err();
        assert_eq!(
            flat.problems()[0].message,
            r#"add_to_cart needs at least one item: {"items": [{"item_id": …}]}, not item_id at the top"#
        );
        let none = Event::parse("add_to_cart", &parse("{}").unwrap()).unwrap_err();
        assert_eq!(none.problems()[0].message, "add_to_cart needs at least one item");
    }
}
