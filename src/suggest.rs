//! "Did you mean …?" for names a marketer mistyped: presets, operators, config fields,
//! template fields and filters.

/// The candidate closest to `name` by edit distance (insertions, deletions, substitutions and
/// swaps of neighbours, ignoring ASCII case), if it is close enough to be a typo: at most a
/// third of the name's length, and at least one edit. (Byte-wise: every name it suggests is
/// ASCII, and std's Unicode case tables would cost the shopper's bundle 9 KB gzip.)
///
/// ```
/// use shopcue::suggest::closest;
/// let presets = ["page_low_stock", "cart_low_stock", "back_in_stock"];
/// assert_eq!(closest("page_lowstock", &presets), Some("page_low_stock"));
/// assert_eq!(closest("coupon", &presets), None);
/// ```
pub fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (name.len() / 3).max(1);
    candidates
        .iter()
        .copied()
        .filter(|c| *c != name)
        .map(|c| (distance(name, c, limit), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ` Did you mean "x"?` for [`closest`], or nothing: ready to append to a problem's message.
pub fn hint(name: &str, candidates: &[&str]) -> String {
    closest(name, candidates).map_or_else(String::new, |c| {
        let mut s = String::with_capacity(c.len() + 18);
        s.push_str(" Did you mean \"");
        s.push_str(c);
        s.push_str("\"?");
        s
    })
}

/// ` Did you mean "x"?` for a typo ([`closest`]), else ` Did you mean one of a, b?` for the
/// candidates that hold `name` as whole `_`-separated words (`low_stock` in `page_low_stock`;
/// `delay` in `delay_ms` alone gets ` Did you mean "delay_ms"?`), else nothing.
///
/// ```
/// use shopcue::suggest::hint_or_family;
/// let presets = ["page_low_stock", "cart_low_stock", "back_in_stock", "cart_abandonment"];
/// assert_eq!(hint_or_family("low_stock", &presets), " Did you mean one of page_low_stock, cart_low_stock?");
/// assert_eq!(hint_or_family("cart_abandonmnet", &presets), " Did you mean \"cart_abandonment\"?");
/// assert_eq!(hint_or_family("stock", &presets), " Did you mean one of page_low_stock, cart_low_stock, back_in_stock?");
/// assert_eq!(hint_or_family("coupon", &presets), "");
/// assert_eq!(hint_or_family("delay", &["on", "path", "delay_ms"]), " Did you mean \"delay_ms\"?");
/// ```
pub fn hint_or_family(name: &str, candidates: &[&str]) -> String {
    let typo = hint(name, candidates);
    if !typo.is_empty() || name.is_empty() {
        return typo;
    }
    let words = |c: &str| ["_", c, "_"].concat();
    let family: Vec<&str> = candidates.iter().copied().filter(|c| *c != name && words(c).contains(&words(name))).collect();
    match family[..] {
        [] => String::new(),
        [one] => [" Did you mean \"", one, "\"?"].concat(),
        _ => [" Did you mean one of ", &family.join(", "), "?"].concat(),
    }
}

/// What other tools (and other templates, product feeds and widgets) call a config field, a
/// value's field, a filter or a placement that Shopcue names otherwise, one line each: their
/// names, then each name it may mean here, with what that holds where a config field needs
/// saying (one text, not a table of slices: the compiler module stays smaller).
const OTHER_NAMES: &str = "\
conditions condition targeting rules segment when|audience:conditions on the visitor and the page|subject:the item the message is about, with its conditions under \"where\"|where:a condition each item must meet
filter filters|where:a condition each item must meet
event events triggers on|trigger:the events on a page that show it
enabled active disabled status|paused:true keeps it from showing
title body cta image placement text content|message:its placement, title, body, cta and image
text description content subtitle|body:the text under the title
heading headline header|title:the message's first line
button link action|cta:the button: {\"label\", \"url\"}
text title caption|label:the button's text
href link|url:where the button leads
position type layout display|placement:banner-top, toast, modal or inline
sort sort_by order_by orderby|order:a field such as \"-views_7d\"
source|from:where the items come from: page, cart, viewed …
frequency frequency_cap cap capping|caps:how often it may show
experiment ab_test test versions|variants:the versions of its message, by weight
campaigns messages experiences rules|scenarios:the list of scenarios
language lang|locale:such as \"ja-JP\"
title product_name item_name|name
sku product_id item_id variant_id|id
image_url img picture thumbnail featured_image|image
link href permalink product_url item_url|url
inventory inventory_level inventory_quantity stock_level|stock
view_count views_count view times_viewed pageviews|views
sale_price current_price|price
compare_at_price original_price regular_price list_price msrp|reference_price
product_type category_name item_category|category
vendor manufacturer item_brand|brand
orders order_count orders_count purchases|purchase_count
visits visit_count session_count|sessions
source utm_source traffic_source referrer|session_source
medium utm_medium traffic_medium|session_medium
campaign utm_campaign traffic_campaign|session_campaign
logged_in is_member|member
cart_count cart_items cart_quantity|cart_size
cart_total cart_amount cart_subtotal|cart_value
free_shipping_gap amount_to_free_shipping remaining_for_free_shipping free_shipping_left|free_shipping_remaining
money price format_money|currency
round integer int|number
percentage pct|percent
distance|km
datetime|date
ago time_ago timeago|relative
popup pop-up popover lightbox dialog overlay|modal
banner|banner-top|banner-bottom
top header bar|banner-top
bottom footer|banner-bottom
snackbar notification slide-in slidein|toast
inline embed embedded|inline:
$contains $includes $like $startswith $endswith $match $matches|$regex:a pattern the text must match, such as {\"$regex\": \"sale\"}|$in:for a list, any of these values, such as {\"$in\": [\"vip\"]}
$neq $not_eq $not_equal|$ne
$equals $equal $is|$eq
$has|$exists
$options|$regexi:a pattern matched whatever the case, such as {\"$regexi\": \"^/sale\"}
$between $range|$gte:at least this, with \"$lte\" for at most: {\"$gte\": 1, \"$lte\": 3}
$greater $greaterthan $greater_than $above $after|$gt
$less $lessthan $less_than $below $before|$lt
$notin $not_in|$nin
$any $anyof $any_of $oneof $one_of|$in
$empty|$size:how many a list holds, such as {\"$size\": 0}";

/// What Shopcue calls, among `allowed`, what other tools name `name`, each with what it holds
/// (or nothing): from the first line of `OTHER_NAMES` that has any (a scenario's `title` is
/// its message's, not its `name`).
pub fn other_names(name: &str, allowed: &[&str]) -> Vec<(&'static str, &'static str)> {
    let mut meant = Vec::new();
    for line in OTHER_NAMES.lines() {
        let mut parts = line.split('|');
        if parts.next().is_some_and(|theirs| theirs.split(' ').any(|t| t.eq_ignore_ascii_case(name))) {
            for (ours, holds) in parts.map(|part| part.split_once(':').unwrap_or((part, ""))) {
                if allowed.contains(&ours) && ours != name {
                    meant.push((ours, holds));
                }
            }
        }
        if !meant.is_empty() {
            break;
        }
    }
    meant
}

/// The candidate closest to `name` ([`closest`]), else the first that other tools would name
/// `name` ([`other_names`]): `{{item.title}}` means `{{item.name}}`.
///
/// ```
/// use shopcue::suggest::closest_or_other;
/// assert_eq!(closest_or_other("nmae", &["id", "name", "price"]), Some("name"));
/// assert_eq!(closest_or_other("title", &["id", "name", "price"]), Some("name"));
/// assert_eq!(closest_or_other("money", &["currency", "number"]), Some("currency"));
/// assert_eq!(closest_or_other("colour", &["id", "name", "price"]), None);
/// ```
pub fn closest_or_other<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    closest(name, candidates).or_else(|| other_names(name, candidates).first().map(|&(ours, _)| ours))
}

/// [`hint_or_family`], else what Shopcue calls a field that other tools name `name`, as far as
/// `allowed` has it: `conditions` on a scenario is ` Did you mean "audience" (conditions on the
/// visitor and the page) or "subject" (…)?`, `popup` for a placement ` Did you mean "modal"?`.
///
/// ```
/// use shopcue::suggest::field_hint;
/// let scenario = ["id", "trigger", "audience", "subject", "message", "paused"];
/// assert_eq!(field_hint("enabled", &scenario), " Did you mean \"paused\" (true keeps it from showing)?");
/// assert!(field_hint("conditions", &scenario).starts_with(" Did you mean \"audience\" (conditions on the visitor and the page) or \"subject\" ("));
/// assert_eq!(field_hint("filter", &["from", "where", "order", "limit"]), " Did you mean \"where\" (a condition each item must meet)?");
/// assert_eq!(field_hint("audiense", &scenario), " Did you mean \"audience\"?");
/// let placements = ["banner-top", "banner-bottom", "toast", "modal", "inline:"];
/// assert_eq!(field_hint("banner", &placements), " Did you mean \"banner-top\" or \"banner-bottom\"?");
/// assert_eq!(field_hint("colour", &scenario), "");
/// ```
pub fn field_hint(name: &str, allowed: &[&str]) -> String {
    let hint = hint_or_family(name, allowed);
    if !hint.is_empty() {
        return hint;
    }
    let mut meant: Vec<&str> = Vec::new();
    for (ours, holds) in other_names(name, allowed) {
        meant.extend(["\"", ours, "\""]);
        if !holds.is_empty() {
            meant.extend([" (", holds, ")"]);
        }
        meant.push(" or ");
    }
    match meant.pop() {
        Some(_) => [&[" Did you mean "], &meant[..], &["?"]].concat().concat(),
        None => String::new(),
    }
}

/// Optimal string alignment distance over bytes, ASCII case ignored; stops early past `limit`
/// (returns `limit + 1`). Names are short, so the quadratic table is a few hundred cells.
fn distance(a: &str, b: &str, limit: usize) -> usize {
    let a: Vec<u8> = a.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<u8> = b.bytes().map(|c| c.to_ascii_lowercase()).collect();
    if a.len().abs_diff(b.len()) > limit || a.len() > 64 || b.len() > 64 {
        return limit + 1;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * w] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1).min(d[i * w + j - 1] + 1).min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > limit {
            return limit + 1;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_found_and_strangers_are_not() {
        assert_eq!(distance("gte", "gte", 3), 0);
        assert_eq!(distance("$gte", "$gt", 3), 1);
        assert_eq!(distance("$lte", "$tle", 3), 1, "a swap of neighbours is one edit");
        assert_eq!(distance("Banner-Top", "banner-top", 3), 0, "case is ignored");
        assert_eq!(closest("$gtee", &["$gt", "$gte", "$lt"]), Some("$gte"));
        assert_eq!(closest("$elemmatch", &["$elemMatch", "$exists"]), Some("$elemMatch"));
        assert_eq!(closest("curency", &["currency", "number", "percent"]), Some("currency"));
        assert_eq!(closest("xyz", &["currency", "number"]), None);
        assert_eq!(closest("page_low_stock", &["page_low_stock"]), None, "an exact name needs no hint");
        assert_eq!(hint("browse_lowstock", &["browse_low_stock"]), " Did you mean \"browse_low_stock\"?");
        assert_eq!(hint("zzz", &["browse_low_stock"]), "");
    }
}
