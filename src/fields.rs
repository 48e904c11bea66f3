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
    let (prefix, leaf, candidates, kinds): (&str, &str, &[&str], &str) = match scope {
        Scope::Item => ("", field, items, "an item's fields are listed under \"Context\" in the README"),
        Scope::Coupon => ("", field, COUPON, "a coupon has id, name, amount, expires_at, expires_in_days and used"),
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
    let hint =
        crate::suggest::closest(leaf, candidates).map_or_else(String::new, |c| [" Did you mean \"", prefix, c, "\"?"].concat());
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
            _ => {}
        }
    }
}
