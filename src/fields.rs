//! The fields a condition may name, checked when a config is compiled. A condition on a field
//! no decision ever sets is not an error in GrowthBook's language (the value is just missing),
//! so `"visitor.days_since_last_purhase": {"$lte": 30}` would quietly never hold, and
//! `"order": "views_7d desc"` would quietly sort nothing: the compiler refuses both at their
//! path, with the closest real field.

use crate::error::{element, member, Problem};
use crate::json::Value;
use crate::template::{PAGE_FIELDS, POINTS_FIELDS, TIME_FIELDS, VISITOR_FIELDS};

/// What a condition is evaluated against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A scenario's `audience`: `visitor.*`, `page.*`, `time.*`, `coupons`, `points`.
    Audience,
    /// A subject's item (`subject.where` and `subject.order` of every collection but coupons).
    Item,
    /// A subject's coupon (`"from": "coupons"`).
    Coupon,
}

const COUPON: &[&str] = &["id", "name", "amount", "expires_at", "expires_in_days", "used"];

/// Whether an item has the field (or `nearest_store` member) `path`; `stores.<store id>` is a
/// store's stock.
fn item_field(path: &str) -> bool {
    crate::engine::item_slot(path).is_some() || path.strip_prefix("stores.").is_some_and(|id| !id.is_empty())
}

/// Whether `path` names something a condition of `scope` is given.
///
/// ```
/// use shopcue::fields::{known, Scope};
/// assert!(known("visitor.days_since_last_purchase", Scope::Audience));
/// assert!(known("visitor.traits.plan", Scope::Audience));
/// assert!(known("page.item.nearest_store.stock", Scope::Audience));
/// assert!(!known("visitor.days_since_last_purhase", Scope::Audience));
/// assert!(known("stores.shibuya", Scope::Item));
/// assert!(!known("views_7d desc", Scope::Item));
/// ```
pub fn known(path: &str, scope: Scope) -> bool {
    match scope {
        Scope::Item => item_field(path),
        Scope::Coupon => COUPON.contains(&path),
        Scope::Audience => {
            let (root, rest) = path.split_once('.').unwrap_or((path, ""));
            match root {
                "visitor" => {
                    rest.is_empty()
                        || rest.strip_prefix("traits").is_some_and(|t| t.is_empty() || t.starts_with('.'))
                        || rest == "visits"
                        || VISITOR_FIELDS.contains(&rest)
                }
                "page" => match rest.strip_prefix("item.") {
                    Some(field) => item_field(field),
                    None => rest.is_empty() || rest == "item" || PAGE_FIELDS.contains(&rest),
                },
                "time" => rest.is_empty() || TIME_FIELDS.contains(&rest),
                "points" => rest.is_empty() || POINTS_FIELDS.contains(&rest),
                "coupons" => true,
                _ => false,
            }
        }
    }
}

/// The problem for a field `scope` does not have, at `path`; `effect` says what would happen
/// ("the condition would compare a missing value"). The closest field is looked for among the
/// fields under the same root (`visitor.`, `page.item.` …).
pub fn unknown(field: &str, path: &str, scope: Scope, effect: &str) -> Problem {
    let items = crate::engine::ITEM_CONTEXT;
    let page = [PAGE_FIELDS, &["item"]].concat();
    // A subject's fields are the item's own: `item.views` as a template would write it is `views`.
    let own = match scope {
        Scope::Audience => field,
        Scope::Item | Scope::Coupon => field.strip_prefix("item.").unwrap_or(field),
    };
    if own != field && known(own, scope) {
        let why = [
            "no such field: ",
            effect,
            ". Write \"",
            own,
            "\": a subject's conditions name the item's own fields, without \"item.\"",
        ];
        return crate::problem!(path, why.concat());
    }
    let (prefix, leaf, candidates, kinds): (&str, &str, &[&str], &str) = match scope {
        Scope::Item => ("", own, items, "an item's fields are listed under \"Context\" in the README"),
        Scope::Coupon => ("", own, COUPON, "a coupon has id, name, amount, expires_at, expires_in_days and used"),
        Scope::Audience => {
            let kinds = "an audience reads visitor.*, page.*, time.*, coupons and points";
            match field.split_once('.') {
                Some(("visitor", rest)) => ("visitor.", rest, VISITOR_FIELDS, kinds),
                Some(("page", rest)) => match rest.strip_prefix("item.") {
                    Some(item) => ("page.item.", item, items, kinds),
                    None => ("page.", rest, &page, kinds),
                },
                Some(("time", rest)) => ("time.", rest, TIME_FIELDS, kinds),
                Some(("points", rest)) => ("points.", rest, POINTS_FIELDS, kinds),
                _ => ("", field, &["visitor", "page", "time", "coupons", "points"][..], kinds),
            }
        }
    };
    let hint = crate::suggest::closest_or_other(leaf, candidates)
        .map_or_else(String::new, |c| [" Did you mean \"", prefix, c, "\"?"].concat());
    crate::problem!(path, ["no such field: ", effect, ".", &hint, " (", kinds, ")"].concat())
}

/// Every field the condition `cond` (as written in the config, at `path`) names that `scope`
/// does not have, through `$and`, `$or`, `$nor` and `$not`. Operators' own operands (an
/// `$elemMatch`'s fields are an element's) are not fields of the scope.
pub fn check(cond: &Value, path: &str, scope: Scope, p: &mut Vec<Problem>) {
    let Some(members) = cond.as_object() else { return };
    for (key, value) in members {
        match key.as_str() {
            "$and" | "$or" | "$nor" => {
                for (i, c) in value.as_array().into_iter().flatten().enumerate() {
                    check(c, &element(&member(path, key), i), scope, p);
                }
            }
            "$not" => check(value, &member(path, key), scope, p),
            op if op.starts_with('$') => {}
            field if !known(field, scope) => {
                p.push(unknown(field, &member(path, field), scope, "the condition would compare a missing value"));
            }
            field => check_operands(field, value, &member(path, field), scope, p),
        }
    }
}

/// Fields that hold numbers, by scope root (an item's, a coupon's, `visitor.*`, `time.*`,
/// `points.*`), and those that hold true or false.
const NUMBERS: &[&str] = &[
    "price",
    "stock",
    "views",
    "views_7d",
    "days_since_view",
    "first_price",
    "lowest_price",
    "reference_price",
    "price_drop",
    "price_drop_pct",
    "cart_added_at",
    "minutes_since_cart_add",
    "days_since_purchase",
    "purchase_count",
    "release_days",
    "nearest_store.distance_km",
    "nearest_store.stock",
    "amount",
    "expires_in_days",
    "visitor.sessions",
    "visitor.purchase_count",
    "visitor.days_since_first_purchase",
    "visitor.days_since_last_purchase",
    "visitor.cart_size",
    "visitor.cart_value",
    "visitor.free_shipping_remaining",
    "visitor.page_views_7d",
    "visitor.minutes_since_cart_add",
    "visitor.coupon_count",
    "time.hour",
    "time.month",
    "time.day",
    "points.balance",
    "points.expiring",
    "points.expires_in_days",
];
const FLAGS: &[&str] = &[
    "low_stock",
    "in_stock",
    "in_cart",
    "on_page",
    "favorite",
    "favorite_brand",
    "notify",
    "back_in_stock",
    "nearest_store.pickup",
    "used",
    "visitor.member",
    "visitor.is_birthday_month",
    "visitor.subscription",
];

/// Ranges of numbers — (lowest, highest, whole numbers only, how the range reads) — and the
/// fields whose values lie in each. A value outside its field's range never holds:
/// `{"time.hour": {"$gte": 24}}`, `{"time.month": 13}`, and the share `price_drop_pct` written
/// as a percentage (`{"$gte": 10}` for 10 %).
type Range = (f64, f64, bool, &'static str);
const RANGES: &[(Range, &[&str])] = &[
    ((0.0, 23.0, true, "a whole number from 0 to 23"), &["time.hour"]),
    ((1.0, 12.0, true, "a whole number from 1 to 12"), &["time.month"]),
    ((1.0, 31.0, true, "a whole number from 1 to 31"), &["time.day"]),
    ((0.0, 1.0, false, "a share from 0 to 1 (10 % is 0.1)"), &["price_drop_pct"]),
    (
        (0.0, f64::INFINITY, true, "a whole number from 0"),
        &[
            "views",
            "views_7d",
            "purchase_count",
            "visitor.sessions",
            "visitor.purchase_count",
            "visitor.cart_size",
            "visitor.page_views_7d",
            "visitor.coupon_count",
        ],
    ),
    (
        (0.0, f64::INFINITY, false, "a number from 0"),
        &["price_drop", "nearest_store.distance_km", "visitor.cart_value", "visitor.free_shipping_remaining"],
    ),
];

/// An operator's number outside the range a field's values lie in (see [`RANGES`]), so that
/// the operator holds for none of them (`$ne` and `$nin`: for all of them): the problem's text.
fn out_of_range(name: &str, op: &str, v: &Value) -> Option<String> {
    let &((low, high, whole, reads), _) = RANGES.iter().find(|(_, fields)| fields.contains(&name))?;
    let n = match v {
        Value::Number(n) => *n,
        Value::String(t) => crate::json::parse_number(t.trim())?,
        _ => return None,
    };
    let never = match op {
        "$gt" => n >= high,
        "$gte" => n > high,
        "$lt" => n <= low,
        "$lte" => n < low,
        _ => n < low || n > high || (whole && n.fract() != 0.0),
    };
    let what = match op {
        "$gt" | "$gte" | "$lt" | "$lte" => [op, " ", &v.to_json(), " holds for none of its values"].concat(),
        _ => [&v.to_json(), " is none of its values"].concat(),
    };
    never.then(|| [name, " holds ", reads, ": ", &what].concat())
}

/// Fields that hold lists (of texts).
const LISTS: &[&str] = &[
    "visitor.segments",
    "visitor.cart_categories",
    "visitor.purchased_categories",
    "visitor.purchased_ids",
    "visitor.favorite_brands",
];

/// A text or a number a field of lists is compared with as a whole, in GrowthBook's semantics:
/// `{"visitor.segments": "vip"}` holds only while `"vip"` is the list's one value, `$eq` never
/// and `$ne` always. What was meant is `$in` (the list holds any of these) or `$nin`.
fn check_list_operands(field: &str, value: &Value, path: &str, p: &mut Vec<Problem>) {
    let mut flag = |v: &Value, at: String, negated: bool| {
        if matches!(v, Value::String(_) | Value::Number(_)) {
            let (holds, op) = if negated { ("without ", "$nin") } else { ("that holds ", "$in") };
            let v = v.to_json();
            let why = [
                field,
                " holds a list, which ",
                &v,
                " is compared with as a whole: for a list ",
                holds,
                &v,
                ", write {\"",
                op,
                "\": [",
                &v,
                "]}",
            ];
            p.push(crate::problem!(at, why.concat()));
        }
    };
    match value {
        Value::Object(ops) if ops.iter().all(|(k, _)| k.starts_with('$')) => {
            for (op, operand) in ops {
                match op.as_str() {
                    "$eq" => flag(operand, member(path, op), false),
                    "$ne" => flag(operand, member(path, op), true),
                    _ => {}
                }
            }
        }
        v => flag(v, path.to_string(), false),
    }
}

/// Operators that no value satisfies, whatever the field: an empty `$in` (`{"$in": []}`, a list
/// emptied), or bounds with nothing between them (`{"$gte": 4, "$lte": 2}`, `{"$gt": 3, "$lt":
/// 3}`; numbers, or texts that read as numbers).
fn check_no_value(value: &Value, path: &str, p: &mut Vec<Problem>) {
    let Value::Object(ops) = value else { return };
    if ops.iter().any(|(op, v)| op == "$in" && v.as_array().is_some_and(|l| l.is_empty())) {
        p.push(crate::problem!(member(path, "$in"), "is an empty list, which holds no value: the condition on it never holds"));
    }
    // The first of a side's operators with a number: (operator, its number as written, strict).
    let bound = |side: [(&'static str, bool); 2]| {
        side.into_iter().find_map(|(name, strict)| {
            let (_, v) = ops.iter().find(|(op, _)| op == name)?;
            let n = match v {
                Value::Number(n) => *n,
                Value::String(t) => crate::json::parse_number(t)?,
                _ => return None,
            };
            Some((name, n, v.to_json(), strict))
        })
    };
    let (Some(low), Some(high)) = (bound([("$gt", true), ("$gte", false)]), bound([("$lt", true), ("$lte", false)])) else {
        return;
    };
    if low.1 > high.1 || (low.1 == high.1 && (low.3 || high.3)) {
        let why = [low.0, " ", &low.2, " and ", high.0, " ", &high.2, " leave no value between them: the condition never holds"];
        p.push(crate::problem!(path, why.concat()));
    }
}

/// Whether a text reads as a number, as a number in quotes does when a condition compares it
/// (GrowthBook's way: `"3"` is 3, `" 3 "` too).
pub fn reads_as_number(text: &str) -> bool {
    crate::json::parse_number(text.trim()).is_some()
}

/// Fields that hold one of a few texts.
const ONE_OF: &[(&str, &[&str])] = &[
    ("page.device", &["mobile", "tablet", "desktop"]),
    ("page.type", &["product", "other"]),
    ("time.weekday", &crate::time::WEEKDAYS),
];

/// A text a field of texts written one way (a date, a path, an address) never equals or orders
/// with as meant, as it is written another way: what the field holds, then what to write
/// instead where that can be told. `None` for a text of the field's own shape.
///
/// - `time.date` holds `2026-12-24`: `"2026/12/24"` or `"2026-12-5"` would compare as text
///   (`"2026-12-10"` sorts before `"2026-12-5"`), and `"12-24"` is no whole date;
/// - `page.path` holds the address's path from its `/`, as the address writes it (letters beyond
///   ASCII percent-encoded), without the query or the fragment; a `*` in it is no wildcard;
/// - `page.url` holds the whole address without its query or fragment, from its scheme.
///
/// Checked in a literal and in `$eq`, `$ne`, `$in` and `$nin`, and a date in `$gt`, `$gte`, `$lt`
/// and `$lte` too.
fn misshapen(name: &str, text: &str) -> Option<(&'static str, String)> {
    let mean = |t: &str| ["Did you mean \"", t, "\"?"].concat();
    match name {
        "time.date" => {
            let b = text.as_bytes();
            let iso = b.len() == 10
                && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
            if iso {
                return None;
            }
            // Year, month and day written with other separators or without leading zeros: the
            // runs of digits, the month's and the day's padded to two.
            let mut runs: Vec<String> = Vec::new();
            for (i, c) in text.bytes().enumerate() {
                match (c.is_ascii_digit(), runs.last_mut()) {
                    (true, Some(run)) if i > 0 && b[i - 1].is_ascii_digit() => run.push(char::from(c)),
                    (true, _) => runs.push(char::from(c).to_string()),
                    _ => {}
                }
            }
            let two = |t: &String| if t.len() == 1 { ["0", t].concat() } else { t.clone() };
            let hint = match &runs[..] {
                [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => {
                    let (m, d) = (two(m), two(d));
                    let real = ("01"..="12").contains(&m.as_str()) && ("01"..="31").contains(&d.as_str());
                    real.then(|| mean(&[y.as_str(), "-", &m, "-", &d].concat()))
                }
                // A month and a day, of every year.
                [_, _] => Some("For a day of every year, use time.month and time.day".into()),
                _ => None,
            };
            Some(("a date written 2026-12-24", hint.unwrap_or_default()))
        }
        "page.path" => {
            let holds = "the path of the page's address from its \"/\", as the address writes it, without its query";
            if let Some(star) = crate::text::find(text, "*") {
                let under = crate::text::concat(&["^", &text[..star]]);
                let hint = ["A * is no wildcard here: for the paths that start with it, write {\"$regex\": \"", &under, "\"}"];
                return Some((holds, hint.concat()));
            }
            let path = crate::url::path_of(text);
            let encoded = percent_encode(path);
            match path.starts_with('/') {
                true if encoded == text => None,
                true => Some((holds, mean(&encoded))),
                false => Some((holds, String::new())),
            }
        }
        "page.url" => {
            let whole = crate::url::strip_query(text);
            let holds = "the page's whole address from https://, without its query (for the path, use page.path)";
            match text.contains("://") {
                true if whole == text => None,
                true => Some((holds, mean(whole))),
                false => Some((holds, String::new())),
            }
        }
        _ => None,
    }
}

/// A regex anchored at the start (`^`) to what the field never starts with: a path starts with
/// its `/` (`"^products/"`), an address with its scheme (`"^/products/"`). The rest of the
/// problem's text, after the field's name.
fn anchored_elsewhere(name: &str, regex: &str) -> Option<String> {
    let first = regex.strip_prefix('^')?.bytes().next()?;
    match name {
        "page.path" if first.is_ascii_alphanumeric() => {
            let why = [" starts with \"/\": \"", regex, "\" never matches it. Did you mean \"^/", &regex[1..], "\"?"];
            Some(why.concat())
        }
        "page.url" if first == b'/' => {
            let why = [" starts with https://: \"", regex, "\" never matches it. For the path, use page.path"];
            Some(why.concat())
        }
        _ => None,
    }
}

/// A regex that looks for a query's part (`\?`, `=`: `"utm_campaign=winter"`) in a field that
/// holds an address without its query. The rest of the problem's text, after the field's name.
fn seeks_query(name: &str, regex: &str) -> Option<&'static str> {
    let query = crate::text::find(regex, "\\?").or_else(|| crate::text::find(regex, "=")).is_some();
    (query && matches!(name, "page.url" | "page.path")).then_some(
        " holds the address without its query, which this regex looks for: it never matches. For a campaign's tags, use visitor.session_source, session_medium and session_campaign",
    )
}

/// A path as an address writes it: letters beyond ASCII, spaces, controls and `"<>\`{}`
/// percent-encoded (`/お礼` → `/%E3%81%8A%E7%A4%BC`), as `location.href` gives them.
///
/// ```
/// assert_eq!(shopcue::fields::percent_encode("/お礼 {1}"), "/%E3%81%8A%E7%A4%BC%20%7B1%7D");
/// ```
pub fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b > b' ' && b < 0x7f && !b"\"<>`{}".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
    }
    out
}

/// A value a field of numbers or of true/false can never equal or be compared with, in
/// GrowthBook's semantics (which read `"3"` as 3 and `"true"` as true): `{"visitor.cart_size":
/// {"$gte": "soon"}}` or `{"visitor.member": "yes"}` would quietly never hold. Checked in a
/// literal and in `$eq`, `$ne`, `$gt`, `$gte`, `$lt`, `$lte`, `$in` and `$nin`, also under `$not`
/// (where it would always hold). So is a text
/// that a field of a few texts ([`ONE_OF`]) never equals, in a literal and in `$eq`, `$ne`, `$in`
/// and `$nin`: `{"page.device": "phone"}`. And so is a number outside the range a field's
/// values lie in ([`RANGES`]): `{"time.hour": {"$gte": 24}}`.
fn check_operands(field: &str, value: &Value, path: &str, scope: Scope, p: &mut Vec<Problem>) {
    check_no_value(value, path, p);
    let name = match scope {
        Scope::Audience => field.strip_prefix("page.item.").unwrap_or(field),
        _ => field,
    };
    let (numbers, flags) = (NUMBERS.contains(&name), FLAGS.contains(&name));
    let texts = ONE_OF.iter().find(|(f, _)| *f == name).map(|(_, texts)| *texts);
    if LISTS.contains(&name) {
        return check_list_operands(field, value, path, p);
    }
    let never = |v: &Value, ordered: bool| match v {
        Value::String(t) if numbers => !reads_as_number(t),
        Value::String(t) if flags => !matches!(t.as_str(), "true" | "false"),
        Value::String(t) => !ordered && texts.is_some_and(|texts| !texts.contains(&t.as_str())),
        Value::Array(_) | Value::Object(_) => numbers || flags,
        _ => false,
    };
    let mut flag = |v: &Value, at: String, op: &str| {
        let ordered = matches!(op, "$gt" | "$gte" | "$lt" | "$lte");
        if op == "$regex" {
            let why = v.as_str().and_then(|r| anchored_elsewhere(name, r).or_else(|| seeks_query(name, r).map(str::to_string)));
            if let Some(why) = why {
                p.push(crate::problem!(at, [field, &why].concat()));
            }
            return;
        }
        if let Some(why) = out_of_range(name, op, v) {
            return p.push(crate::problem!(at, why));
        }
        // Paths and addresses ordered as texts are left alone; a date orders as its text does.
        let shaped = !ordered || name == "time.date";
        if let Some((holds, hint)) = v.as_str().filter(|_| shaped).and_then(|t| misshapen(name, t)) {
            let hint = if hint.is_empty() { hint } else { [". ", &hint].concat() };
            let why = [field, " holds ", holds, ": ", &v.to_json(), " never equals or compares with it", &hint];
            return p.push(crate::problem!(at, why.concat()));
        }
        if never(v, ordered) {
            let kind = match texts {
                _ if numbers => " holds a number: ".to_string(),
                _ if flags => " holds true or false: ".to_string(),
                Some(texts) => [" holds one of \"", &crate::text::join(texts, "\", \""), "\": "].concat(),
                None => String::new(),
            };
            let hint = v.as_str().and_then(|t| {
                let day = || crate::time::weekday_as_written(t).filter(|_| name == "time.weekday");
                crate::suggest::closest(t, texts.unwrap_or_default()).map(str::to_string).or_else(day)
            });
            let hint = hint.map_or(String::new(), |h| [". Did you mean \"", &h, "\"?"].concat());
            p.push(crate::problem!(at, [field, &kind, &v.to_json(), " never equals or compares with it", &hint].concat()));
        }
    };
    let mut negated = Vec::new();
    match value {
        Value::Object(ops) if ops.iter().all(|(k, _)| k.starts_with('$')) => {
            for (op, operand) in ops {
                let at = member(path, op);
                match (op.as_str(), operand) {
                    ("$in" | "$nin", Value::Array(list)) => {
                        list.iter().enumerate().for_each(|(i, v)| flag(v, element(&at, i), "$eq"));
                    }
                    ("$eq" | "$ne" | "$gt" | "$gte" | "$lt" | "$lte", v) => flag(v, at, op),
                    ("$regex" | "$regexi", v) => flag(v, at, "$regex"),
                    // `{"$not": "yes"}` on true or false holds always, as "yes" never equals it.
                    ("$not", v) => negated.push((v, at)),
                    _ => {}
                }
            }
        }
        v => flag(v, path.to_string(), "$eq"),
    }
    for (v, at) in negated {
        check_operands(field, v, &at, scope, p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn problems(cond: &str, scope: Scope) -> Vec<String> {
        let mut p = Vec::new();
        check(&parse(cond).unwrap(), "$", scope, &mut p);
        p.iter().map(|p| crate::text::concat(&[&p.path, " ", &p.message])).collect()
    }

    #[test]
    fn a_value_a_field_of_numbers_or_flags_never_holds_is_refused() {
        let audience = r#"{"visitor.cart_size":{"$gte":"soon"},"visitor.member":"yes","page.item.stock":{"$in":[1,"few"]},
            "$or":[{"points.balance":{"$lt":"lots"}},{"visitor.purchase_count":"2"}],"time.weekday":"sat","visitor.subscription":"true"}"#;
        assert_eq!(
            problems(audience, Scope::Audience),
            [
                "$.visitor.cart_size.$gte visitor.cart_size holds a number: \"soon\" never equals or compares with it",
                "$.visitor.member visitor.member holds true or false: \"yes\" never equals or compares with it",
                "$.page.item.stock.$in[1] page.item.stock holds a number: \"few\" never equals or compares with it",
                "$.$or[0].points.balance.$lt points.balance holds a number: \"lots\" never equals or compares with it",
            ]
        );
        // A field of a few texts compared with a text it never holds (case counts: GrowthBook
        // compares texts as written); ordering operators are left alone.
        let texts = r#"{"page.device":"phone","page.type":{"$in":["product","listing"]},"time.weekday":{"$ne":"Sat"},
            "$or":[{"page.device":{"$in":["mobile","tablet"]}},{"time.weekday":{"$gte":"fri"}}]}"#;
        assert_eq!(
            problems(texts, Scope::Audience),
            [
                "$.page.device page.device holds one of \"mobile\", \"tablet\", \"desktop\": \"phone\" never equals or compares with it",
                "$.page.type.$in[1] page.type holds one of \"product\", \"other\": \"listing\" never equals or compares with it",
                "$.time.weekday.$ne time.weekday holds one of \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\": \"Sat\" never equals or compares with it. Did you mean \"sat\"?",
            ]
        );
        // A day by its whole name gets its three letters.
        assert_eq!(
            problems(r#"{"time.weekday":{"$in":["Saturday","sun"]}}"#, Scope::Audience),
            ["$.time.weekday.$in[0] time.weekday holds one of \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\": \"Saturday\" never equals or compares with it. Did you mean \"sat\"?"]
        );
        // Under `$not`, which then holds always.
        let negated = r#"{"visitor.member":{"$not":"yes"},"page.device":{"$not":{"$in":["phone"]}},"visitor.cart_size":{"$not":{"$gt":2}}}"#;
        assert_eq!(
            problems(negated, Scope::Audience),
            [
                "$.visitor.member.$not visitor.member holds true or false: \"yes\" never equals or compares with it",
                "$.page.device.$not.$in[0] page.device holds one of \"mobile\", \"tablet\", \"desktop\": \"phone\" never equals or compares with it",
            ]
        );
        // A list compared with one value as a whole.
        let lists = r#"{"visitor.segments":"vip","visitor.cart_categories":{"$ne":"food"},"visitor.purchased_categories":{"$eq":3},
            "$and":[{"visitor.segments":{"$in":["vip"]}},{"visitor.segments":{"$elemMatch":{"$eq":"vip"}}},{"visitor.segments":{"$size":0}}]}"#;
        assert_eq!(
            problems(lists, Scope::Audience),
            [
                "$.visitor.segments visitor.segments holds a list, which \"vip\" is compared with as a whole: for a list that holds \"vip\", write {\"$in\": [\"vip\"]}",
                "$.visitor.cart_categories.$ne visitor.cart_categories holds a list, which \"food\" is compared with as a whole: for a list without \"food\", write {\"$nin\": [\"food\"]}",
                "$.visitor.purchased_categories.$eq visitor.purchased_categories holds a list, which 3 is compared with as a whole: for a list that holds 3, write {\"$in\": [3]}",
            ]
        );
        // What GrowthBook reads as the field's type ("2" as 2, "true" as true), texts, and other operators pass.
        let fine =
            r#"{"price":{"$gte":" 1980"},"in_stock":true,"low_stock":"false","name":{"$regex":"^T"},"stock":{"$exists":true}}"#;
        assert_eq!(problems(fine, Scope::Item), Vec::<String>::new());
        assert_eq!(problems(r#"{"used":"no","amount":{"$gt":[1]}}"#, Scope::Coupon).len(), 2);
    }

    /// A number outside the range of a field's values: an hour of 24, a 13th month, a share
    /// written as a percentage, a count below 0 or not whole; numbers in quotes too, and under
    /// `$not`. Bounds every value passes, and bounds at the range's ends, are kept.
    #[test]
    fn a_number_outside_a_fields_range_is_refused() {
        let audience = r#"{"time.hour":{"$gte":24},"time.month":13,"time.day":{"$in":[31,32]},
            "visitor.cart_size":{"$lt":0},"visitor.purchase_count":1.5,"page.item.price_drop_pct":{"$gte":"10"},
            "$or":[{"time.hour":{"$not":{"$lte":-1}}},{"time.month":{"$ne":0}}]}"#;
        assert_eq!(
            problems(audience, Scope::Audience),
            [
                "$.time.hour.$gte time.hour holds a whole number from 0 to 23: $gte 24 holds for none of its values",
                "$.time.month time.month holds a whole number from 1 to 12: 13 is none of its values",
                "$.time.day.$in[1] time.day holds a whole number from 1 to 31: 32 is none of its values",
                "$.visitor.cart_size.$lt visitor.cart_size holds a whole number from 0: $lt 0 holds for none of its values",
                "$.visitor.purchase_count visitor.purchase_count holds a whole number from 0: 1.5 is none of its values",
                "$.page.item.price_drop_pct.$gte price_drop_pct holds a share from 0 to 1 (10 % is 0.1): $gte \"10\" holds for none of its values",
                "$.$or[0].time.hour.$not.$lte time.hour holds a whole number from 0 to 23: $lte -1 holds for none of its values",
                "$.$or[1].time.month.$ne time.month holds a whole number from 1 to 12: 0 is none of its values",
            ]
        );
        let fine = r#"{"time.hour":{"$gte":0,"$lt":24},"time.month":{"$in":[1,12]},"visitor.cart_size":{"$gte":0},
            "page.item.price_drop_pct":{"$gte":0.1},"time.day":{"$lte":31,"$gt":30},"visitor.cart_value":{"$gt":0.5}}"#;
        assert_eq!(problems(fine, Scope::Audience), Vec::<String>::new());
        assert_eq!(
            problems(r#"{"price_drop_pct":{"$gt":1},"views_7d":{"$lte":0}}"#, Scope::Item),
            ["$.price_drop_pct.$gt price_drop_pct holds a share from 0 to 1 (10 % is 0.1): $gt 1 holds for none of its values"]
        );
    }

    /// A date, a path or an address written another way than the field writes it, with what
    /// to write where that can be told; texts of the field's own shape, and regexes, pass.
    #[test]
    fn a_text_written_another_way_than_its_field_is_refused() {
        let audience = r#"{"time.date":{"$gte":"2026/12/24"},"page.path":"https://shop.example/products/x?v=1",
            "$or":[{"time.date":"12-24"},{"page.path":{"$in":["products/x","/お礼"]}},{"page.path":"/products/*"},
            {"page.url":"/products/x"},{"page.url":{"$ne":"https://shop.example/p?id=3"}},{"time.date":{"$lt":"2026-1-5"}},{"time.date":"2026-12-24T10:00"}]}"#;
        let holds_path =
            "page.path holds the path of the page's address from its \"/\", as the address writes it, without its query";
        let holds_url = "page.url holds the page's whole address from https://, without its query (for the path, use page.path)";
        assert_eq!(
            problems(audience, Scope::Audience),
            [
                "$.time.date.$gte time.date holds a date written 2026-12-24: \"2026/12/24\" never equals or compares with it. Did you mean \"2026-12-24\"?".to_string(),
                format!("$.page.path {holds_path}: \"https://shop.example/products/x?v=1\" never equals or compares with it. Did you mean \"/products/x\"?"),
                "$.$or[0].time.date time.date holds a date written 2026-12-24: \"12-24\" never equals or compares with it. For a day of every year, use time.month and time.day".to_string(),
                format!("$.$or[1].page.path.$in[0] {holds_path}: \"products/x\" never equals or compares with it"),
                format!("$.$or[1].page.path.$in[1] {holds_path}: \"/お礼\" never equals or compares with it. Did you mean \"/%E3%81%8A%E7%A4%BC\"?"),
                format!("$.$or[2].page.path {holds_path}: \"/products/*\" never equals or compares with it. A * is no wildcard here: for the paths that start with it, write {{\"$regex\": \"^/products/\"}}"),
                format!("$.$or[3].page.url {holds_url}: \"/products/x\" never equals or compares with it"),
                format!("$.$or[4].page.url.$ne {holds_url}: \"https://shop.example/p?id=3\" never equals or compares with it. Did you mean \"https://shop.example/p\"?"),
                "$.$or[5].time.date.$lt time.date holds a date written 2026-12-24: \"2026-1-5\" never equals or compares with it. Did you mean \"2026-01-05\"?".to_string(),
                "$.$or[6].time.date time.date holds a date written 2026-12-24: \"2026-12-24T10:00\" never equals or compares with it".to_string(),
            ]
        );
        let fine = r#"{"time.date":{"$gte":"2026-12-24","$lte":"2026-12-31"},"page.path":{"$in":["/","/products/x","/%E3%81%8A"]},
            "page.url":"https://shop.example/products/x","$or":[{"page.path":{"$regex":"^/products/.*"}},{"page.url":{"$regex":"x"}},
            {"page.path":{"$regex":"^(/a|/b)"}},{"page.url":{"$regexi":"^https://"}},{"page.path":{"$regex":"products/"}}]}"#;
        assert_eq!(problems(fine, Scope::Audience), Vec::<String>::new());
        assert_eq!(
            problems(r#"{"page.path":{"$regex":"^products/"},"page.url":{"$not":{"$regexi":"^/sale"}}}"#, Scope::Audience),
            [
                "$.page.path.$regex page.path starts with \"/\": \"^products/\" never matches it. Did you mean \"^/products/\"?",
                "$.page.url.$not.$regexi page.url starts with https://: \"^/sale\" never matches it. For the path, use page.path",
            ]
        );
        let campaign = "holds the address without its query, which this regex looks for: it never matches. For a campaign's tags, use visitor.session_source, session_medium and session_campaign";
        assert_eq!(
            problems(r#"{"page.url":{"$regexi":"UTM_CAMPAIGN=WINTER"},"page.path":{"$regex":"/search\\?q"}}"#, Scope::Audience),
            [format!("$.page.url.$regexi page.url {campaign}"), format!("$.page.path.$regex page.path {campaign}")]
        );
    }

    /// An empty `$in` and bounds with nothing between them hold for no value, whatever the
    /// field; bounds that leave a value, and an empty `$nin`, are kept.
    #[test]
    fn operators_no_value_satisfies_are_refused() {
        let audience = r#"{"visitor.purchase_count":{"$gte":4,"$lte":2},"visitor.segments":{"$in":[]},
            "visitor.cart_value":{"$gt":"5000","$lt":5000},"$or":[{"page.path":{"$in":[]}}]}"#;
        assert_eq!(
            problems(audience, Scope::Audience),
            [
                "$.visitor.purchase_count $gte 4 and $lte 2 leave no value between them: the condition never holds",
                "$.visitor.segments.$in is an empty list, which holds no value: the condition on it never holds",
                "$.visitor.cart_value $gt \"5000\" and $lt 5000 leave no value between them: the condition never holds",
                "$.$or[0].page.path.$in is an empty list, which holds no value: the condition on it never holds",
            ]
        );
        let fine = r#"{"visitor.purchase_count":{"$gte":2,"$lte":2},"visitor.cart_value":{"$gt":1000,"$lte":5000},
            "visitor.segments":{"$nin":[]},"page.path":{"$gte":"b","$lte":"a"}}"#;
        assert_eq!(problems(fine, Scope::Audience), Vec::<String>::new());
    }

    #[test]
    fn a_subject_field_written_as_a_template_writes_it_is_told_its_own_name() {
        let wanted = |found: &[String], hint: &str| found.iter().any(|p| p.contains(hint));
        let found = problems(
            r#"{"item.views_7d":{"$gte":2},"item.view_count":{"$gte":2},"view_count":2,"item.colour":"red"}"#,
            Scope::Item,
        );
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(wanted(&found, "$.item.views_7d no such field: the condition would compare a missing value. Write \"views_7d\": a subject's conditions name the item's own fields, without \"item.\""), "{found:?}");
        assert!(
            wanted(
                &found,
                "$.item.view_count no such field: the condition would compare a missing value. Did you mean \"views\"?"
            ),
            "{found:?}"
        );
        assert!(
            wanted(&found, "$.view_count no such field: the condition would compare a missing value. Did you mean \"views\"?"),
            "{found:?}"
        );
        assert!(
            wanted(&found, "$.item.colour no such field: the condition would compare a missing value. (an item's"),
            "{found:?}"
        );
        let coupon = problems(r#"{"item.amount":{"$gte":500}}"#, Scope::Coupon);
        assert!(wanted(&coupon, "Write \"amount\""), "{coupon:?}");
        // An audience's page item keeps its prefix.
        assert_eq!(problems(r#"{"page.item.views":{"$gte":2}}"#, Scope::Audience), Vec::<String>::new());
    }

    #[test]
    fn the_readme_s_context_names_every_field() {
        // The problems for an unknown field send marketers to the README's "Context".
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let at = readme.find("**Context** the conditions and templates see").expect("the README's Context paragraph");
        let context = &readme[at..at + readme[at..].find("\n\n").unwrap()];
        let item = crate::engine::ITEM_CONTEXT.iter().chain(&["stores", "url", "image"]);
        let all = item.chain(VISITOR_FIELDS).chain(PAGE_FIELDS).chain(TIME_FIELDS).chain(POINTS_FIELDS).chain(COUPON);
        // Written `name`, or with what it holds: `nearest_store {id, …}`, `traits.*`.
        let named = |f: &str| [["`", f, "`"], ["`", f, " "], ["`", f, "."]].iter().any(|w| context.contains(&w.concat()));
        let missing: Vec<&&str> = all.filter(|f| !named(f)).collect();
        assert_eq!(missing, Vec::<&&str>::new(), "fields the README's Context does not name");
    }

    #[test]
    fn the_fields_of_numbers_and_flags_are_real_fields() {
        for name in NUMBERS.iter().chain(FLAGS) {
            let real = [Scope::Item, Scope::Coupon, Scope::Audience].iter().any(|scope| known(name, *scope));
            assert!(real, "{name} is no field of any scope");
        }
        for name in RANGES.iter().flat_map(|(_, fields)| fields.iter()) {
            assert!(NUMBERS.contains(name), "{name} has a range but is not a field of numbers");
        }
    }
}
