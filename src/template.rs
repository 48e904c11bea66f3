//! Message templates: `{{path}}` and `{{path|filter}}`, compiled at config load. The output
//! is plain text; the renderer puts it in text nodes, never in HTML.

use crate::error::Problem;
use crate::json::{format_number, number_text, Value};

/// Roots a template path may start with.
pub const ROOTS: &[&str] = &["item", "visitor", "page", "links", "params", "points", "time", "store"];
/// Known filters.
pub const FILTERS: &[&str] = &["currency", "number", "percent", "km", "date", "relative"];
/// Fields of `item.*` (also `page.item.*`) besides the engine's [`crate::engine::ITEM_CONTEXT`]:
/// an item's links, and a coupon's fields.
pub const ITEM_EXTRA: &[&str] = &["url", "image", "amount", "expires_in_days", "expires_at", "used"];

/// Whether `{{item.<name>}}` names a field: an item's context ([`crate::engine::ITEM_CONTEXT`]),
/// its links, or a coupon's.
fn item_field(name: &str) -> bool {
    crate::engine::ITEM_CONTEXT.contains(&name) || ITEM_EXTRA.contains(&name)
}

/// Fields of `visitor.*`.
pub const VISITOR_FIELDS: &[&str] = &[
    "sessions",
    "member",
    "purchase_count",
    "days_since_first_purchase",
    "days_since_last_purchase",
    "is_birthday_month",
    "segments",
    "subscription",
    "session_source",
    "session_medium",
    "session_campaign",
    "cart_size",
    "cart_value",
    "free_shipping_remaining",
    "cart_categories",
    "purchased_categories",
    "purchased_ids",
    "favorite_brands",
    "favorite_store",
    "page_views_7d",
    "minutes_since_cart_add",
    "traits",
    "coupon_count",
];

/// Fields of `page.*` (besides `page.item`, an item).
pub const PAGE_FIELDS: &[&str] = &["url", "path", "type", "device"];

/// Fields of `time.*`, in the site's time zone.
pub const TIME_FIELDS: &[&str] = &["hour", "weekday", "date", "month", "day"];

/// Fields of `points.*`.
pub const POINTS_FIELDS: &[&str] = &["balance", "expiring", "expires_in_days"];

/// Fields of `store.*` (the message's store: the item's nearest, or the one chosen).
pub const STORE_FIELDS: &[&str] = &["id", "name", "distance_km", "stock"];

/// What a template reads: named values laid over a base context. A path whose first segment
/// names a layer is read in that layer (the layer wins over a member of `base` of that name);
/// any other path in `base`.
///
/// ```
/// use shopcue::{json::parse, template::Scope};
/// let (visitor, item) = (parse(r#"{"visitor":{"sessions":3}}"#).unwrap(), parse(r#"{"name":"Tee"}"#).unwrap());
/// let scope = Scope { base: &visitor, layers: &[("item", &item)] };
/// assert_eq!(scope.get_path("item.name").and_then(|v| v.as_str()), Some("Tee"));
/// assert_eq!(scope.get_path("visitor.sessions").and_then(|v| v.as_f64()), Some(3.0));
/// assert!(scope.get_path("store.name").is_none());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// Read for every path no layer names.
    pub base: &'a Value,
    /// `(first segment, value)`, looked up in order.
    pub layers: &'a [(&'a str, &'a Value)],
}

impl<'a> Scope<'a> {
    /// The value at a dotted path (array members by index), as [`Value::get_path`] reads it.
    pub fn get_path(&self, path: &str) -> Option<&'a Value> {
        for &(name, v) in self.layers {
            if let Some(rest) = path.strip_prefix(name) {
                match rest.as_bytes().first() {
                    None => return Some(v),
                    Some(b'.') => return v.get_path(&rest[1..]),
                    Some(_) => {}
                }
            }
        }
        self.base.get_path(path)
    }
}

/// A compiled template.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    /// `{{path|filter|default:"text"}}`: `fallback` is shown where the value is missing, null
    /// or an empty text.
    Slot {
        path: String,
        filter: Option<String>,
        fallback: Option<String>,
    },
}

/// Locale and currency used by filters.
#[derive(Debug, Clone, PartialEq)]
pub struct Format {
    /// BCP 47 tag (`ja-JP`, `en-US`).
    pub locale: String,
    /// ISO 4217 code (`JPY`).
    pub currency: String,
}

impl Format {
    /// The language subtag of the locale (`ja` of `ja-JP`): which text of a `{"ja": …, "en":
    /// …}` object a message uses.
    pub fn lang(&self) -> &str {
        crate::text::before(&self.locale, b'-')
    }

    /// Whether the site writes Japanese.
    pub fn ja(&self) -> bool {
        self.lang() == "ja"
    }

    /// Whether the core formats this locale itself (`ja`, `ja-JP`, `en`, `en-US`, in the
    /// conventions of Japanese stores: `¥1,980`, `11月30日`, `あと3日`). Other locales go to the
    /// [`Formatter`] when there is one, else format as en-US.
    pub fn native(&self) -> bool {
        matches!(self.locale.as_str(), "ja" | "ja-JP" | "en" | "en-US")
    }
}

/// A value a filter formats, handed to a [`Formatter`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Formattable<'a> {
    /// `|currency`: an amount in an ISO 4217 currency.
    Currency(f64, &'a str),
    /// `|number`: a whole number with the locale's grouping.
    Number(f64),
    /// `|percent`: a ratio (`0.15` is 15 %).
    Percent(f64),
    /// `|km`: kilometres with one decimal.
    Km(f64),
    /// `|date`: month and day of this instant, already shifted into the site's time zone
    /// (format it as UTC).
    Date(i64),
    /// `|relative`: whole days from today (`-1` yesterday, `0` today, `3` in three days).
    Days(i64),
}

/// Locale-aware formatting for the locales the core does not format itself (see
/// [`Format::native`]). The browser shell implements it with `Intl` (`NumberFormat`,
/// `DateTimeFormat`, `RelativeTimeFormat`); without one, such locales format as en-US.
pub trait Formatter: std::fmt::Debug {
    /// `value` formatted for `locale`, or `None` to fall back to the core's en-US formatting.
    fn format(&self, value: Formattable<'_>, locale: &str) -> Option<String>;
}

/// Everything a template needs besides its context: locale, currency, the site's UTC offset
/// (for `|date`) and the shell's [`Formatter`], if any.
#[derive(Debug, Clone, Copy)]
pub struct Style<'a> {
    /// Locale and currency.
    pub format: &'a Format,
    /// The site's UTC offset in minutes.
    pub offset_min: i32,
    /// Formats locales the core does not (`Intl` in the browser).
    pub formatter: Option<&'a dyn Formatter>,
}

impl Style<'_> {
    /// A style with the core's own formatting only.
    pub fn plain(format: &Format, offset_min: i32) -> Style<'_> {
        Style { format, offset_min, formatter: None }
    }
}

/// Why `slot` (a path under a known root) names nothing, with the field its last part was
/// probably meant to be under the same parent (`{{visitor.sesions}}` → `{{visitor.sessions}}`),
/// else the fields there are.
fn unknown_field(slot: &str) -> String {
    let dot = slot.bytes().rposition(|b| b == b'.').unwrap_or(slot.len());
    let (parent, leaf) = (&slot[..dot], slot.get(dot + 1..).unwrap_or(""));
    let fields: Vec<&str> = match parent {
        "item" | "page.item" => [crate::engine::ITEM_CONTEXT, ITEM_EXTRA].concat(),
        "visitor" => VISITOR_FIELDS.to_vec(),
        "page" => [PAGE_FIELDS, &["item"]].concat(),
        "points" => POINTS_FIELDS.to_vec(),
        "time" => TIME_FIELDS.to_vec(),
        "store" => STORE_FIELDS.to_vec(),
        _ => Vec::new(),
    };
    let head = format!("unknown value {{{{{slot}}}}}: no such field.");
    match crate::suggest::closest_or_other(leaf, &fields) {
        Some(meant) => format!("{head} Did you mean {{{{{parent}.{meant}}}}}?"),
        None if !fields.is_empty() => format!("{head} The fields of {parent} are {}.", fields.join(", ")),
        None => head,
    }
}

/// The first `{item.name}` in `text` written with one pair of braces (as other template
/// languages write a value): it would be shown as written.
#[cfg(feature = "compiler")]
fn single_braced(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let inner = after[..after.find('}')?].trim();
        if ROOTS.iter().any(|root| inner.strip_prefix(root).is_some_and(|field| field.starts_with('.'))) {
            return Some(inner);
        }
        rest = after;
    }
    None
}

/// Whether `path` (after its root) names something the engine provides.
fn known_path(path: &str) -> bool {
    let parts: Vec<&str> = path.split('.').collect();
    let item_ok = |rest: &[&str]| rest.first().is_some_and(|f| item_field(f)) && (rest.len() == 1 || rest[0] == "nearest_store");
    match parts.as_slice() {
        ["item", rest @ ..] => item_ok(rest),
        ["page", "item", rest @ ..] => item_ok(rest),
        ["page", f] => PAGE_FIELDS.contains(f),
        ["visitor", "traits", _, ..] => true,
        ["visitor", f] => VISITOR_FIELDS.contains(f),
        ["points", f] => POINTS_FIELDS.contains(f),
        ["time", f] => TIME_FIELDS.contains(f),
        ["store", f] => STORE_FIELDS.contains(f),
        ["links" | "params", _] => true,
        _ => false,
    }
}

impl Template {
    /// Compiles `text`; unknown roots, unknown filters and unclosed `{{` are problems at `path`.
    ///
    /// ```
    /// use shopcue::{json::parse, template::{Format, Style, Template}};
    /// let t = Template::compile("{{item.name}} is {{item.price|currency}}", "$.title").unwrap();
    /// let ctx = parse(r#"{"item":{"name":"Tee","price":1980}}"#).unwrap();
    /// let f = Format { locale: "ja-JP".into(), currency: "JPY".into() };
    /// assert_eq!(t.render(&ctx, &Style::plain(&f, 540)), "Tee is ¥1,980");
    /// ```
    pub fn compile(text: &str, path: &str) -> Result<Template, Vec<Problem>> {
        let mut parts = Vec::new();
        let mut problems = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                problems.push(crate::problem!(path, "'{{' without a closing '}}'"));
                rest = "";
                break;
            };
            let inner = after[..end].trim();
            // `|default:"text"` last: the text shown where the value is missing.
            let (inner, fallback) = match inner.split_once("|default:").or_else(|| inner.split_once("| default:")) {
                Some((before, text)) => (before.trim_end(), Some(text.trim())),
                None => (inner, None),
            };
            let fallback = fallback.map(|text| {
                let unquoted = text
                    .strip_prefix('"')
                    .and_then(|t| t.strip_suffix('"'))
                    .or_else(|| text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')));
                if cfg!(feature = "compiler") && unquoted.is_none_or(|t| t.contains(['"', '\''])) {
                    problems.push(crate::problem!(
                        path,
                        format!("|default:{text} must be a text in quotes, such as {{{{visitor.traits.first_name|default:\"お客様\"}}}}")
                    ));
                }
                unquoted.unwrap_or(text).to_string()
            });
            let (slot, filter) = match inner.split_once('|') {
                Some((p, f)) => (p.trim(), Some(f.trim().to_string())),
                None => (inner, None),
            };
            // The runtime reads compiled configs, whose templates the compiler checked.
            if cfg!(feature = "compiler") {
                let root = slot.split('.').next().unwrap_or_default();
                let malformed = slot.split('.').any(str::is_empty);
                if !ROOTS.contains(&root) || malformed {
                    // A root misspelt, or named as other tools name it ({{product.name}}).
                    let meant = match root {
                        "product" | "products" | "goods" | "sku" => Some("item"),
                        "user" | "customer" | "shopper" | "member" => Some("visitor"),
                        _ => crate::suggest::closest(root, ROOTS),
                    };
                    let hint = meant
                        .filter(|_| !malformed)
                        .map_or_else(String::new, |m| format!(" Did you mean {{{{{m}{}}}}}?", &slot[root.len()..]));
                    problems.push(crate::problem!(
                        path,
                        format!("unknown value {{{{{slot}}}}}: paths start with one of {}.{hint}", ROOTS.join(", ")),
                    ));
                } else if !known_path(slot) {
                    problems.push(crate::problem!(path, unknown_field(slot)));
                }
                if let Some(f) = filter.as_ref().filter(|f| !FILTERS.contains(&f.as_str())) {
                    problems.push(crate::problem!(
                        path,
                        format!(
                            "unknown filter |{f}.{} Use one of {}; |default:\"text\" may follow, for a value that may be missing",
                            crate::suggest::field_hint(f, FILTERS),
                            FILTERS.join(", ")
                        )
                    ));
                }
            }
            parts.push(Part::Slot { path: slot.to_string(), filter, fallback });
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        #[cfg(feature = "compiler")]
        for part in &parts {
            if let Some(single) = match part {
                Part::Text(text) => single_braced(text),
                Part::Slot { .. } => None,
            } {
                problems.push(crate::problem!(
                    path,
                    format!("{{{single}}} would show as written: a value takes two braces, {{{{{single}}}}}")
                ));
            }
        }
        if problems.is_empty() {
            Ok(Template { parts })
        } else {
            Err(problems)
        }
    }

    /// The template as the runtime config writes it ([`crate::compiled`]): each text as a
    /// string, each slot as `[path]`, `[path, filter]` or, with a fallback text, `[path,
    /// filter or null, fallback]`.
    ///
    /// ```
    /// use shopcue::template::Template;
    /// let t = Template::compile("Only {{item.stock}} left at {{item.price|currency}}", "$").unwrap();
    /// assert_eq!(t.to_parts().to_json(), r#"["Only ",["item.stock"]," left at ",["item.price","currency"]]"#);
    /// assert_eq!(Template::from_parts(&t.to_parts()), Some(t));
    /// let t = Template::compile("{{visitor.traits.name|default:\"お客\"}}様", "$").unwrap();
    /// assert_eq!(t.to_parts().to_json(), r#"[["visitor.traits.name",null,"お客"],"様"]"#);
    /// assert_eq!(Template::from_parts(&t.to_parts()), Some(t));
    /// ```
    #[cfg(feature = "compiler")]
    pub fn to_parts(&self) -> Value {
        let part = |p: &Part| match p {
            Part::Text(t) => t.as_str().into(),
            Part::Slot { path, filter, fallback } => {
                let mut slot = vec![path.as_str().into()];
                if filter.is_some() || fallback.is_some() {
                    slot.push(filter.as_deref().map_or(Value::Null, Value::from));
                }
                slot.extend(fallback.as_deref().map(Value::from));
                Value::Array(slot)
            }
        };
        Value::Array(self.parts.iter().map(part).collect())
    }

    /// Reads what [`Template::to_parts`] wrote; `None` if it is not such a list.
    pub fn from_parts(v: &Value) -> Option<Template> {
        let part = |p: &Value| match p {
            Value::String(t) => Some(Part::Text(t.clone())),
            Value::Array(slot) if slot.len() <= 3 => {
                let text = |i: usize| slot.get(i).and_then(Value::as_str).map(str::to_string);
                Some(Part::Slot { path: text(0)?, filter: text(1), fallback: text(2) })
            }
            _ => None,
        };
        Some(Template { parts: v.as_array()?.iter().map(part).collect::<Option<_>>()? })
    }

    /// The text before the first slot, and whether that is the whole template.
    ///
    /// ```
    /// use shopcue::template::Template;
    /// assert_eq!(Template::compile("https://x/{{item.id}}", "$").unwrap().leading_text(), ("https://x/", false));
    /// assert_eq!(Template::compile("/cart", "$").unwrap().leading_text(), ("/cart", true));
    /// assert_eq!(Template::compile("{{item.url}}", "$").unwrap().leading_text(), ("", false));
    /// ```
    #[cfg(feature = "compiler")]
    pub fn leading_text(&self) -> (&str, bool) {
        match self.parts.as_slice() {
            [] => ("", true),
            [Part::Text(t)] => (t, true),
            [Part::Text(t), ..] => (t, false),
            _ => ("", false),
        }
    }

    /// Whether the template is all white space, with no slot: a text that would show blank.
    ///
    /// ```
    /// use shopcue::template::Template;
    /// assert!(Template::compile("  ", "$").unwrap().is_blank());
    /// assert!(!Template::compile("{{item.name}}", "$").unwrap().is_blank());
    /// ```
    #[cfg(feature = "compiler")]
    pub fn is_blank(&self) -> bool {
        let (text, whole) = self.leading_text();
        whole && text.trim().is_empty()
    }

    /// What the template renders up to its second slot when its first part is a slot that shows
    /// its default (the value missing), and whether that is the whole of it: a link's text
    /// there is checked as [`Template::leading_text`] is.
    ///
    /// ```
    /// use shopcue::template::Template;
    /// let t = Template::compile(r#"{{item.url|default:"/sale"}}?from=cue"#, "$").unwrap();
    /// assert_eq!(t.leading_default(), Some(("/sale?from=cue".to_string(), true)));
    /// assert_eq!(Template::compile("{{item.url}}", "$").unwrap().leading_default(), None);
    /// ```
    #[cfg(feature = "compiler")]
    pub fn leading_default(&self) -> Option<(String, bool)> {
        let [Part::Slot { fallback: Some(fallback), .. }, rest @ ..] = self.parts.as_slice() else { return None };
        Some(match rest {
            [] => (fallback.clone(), true),
            [Part::Text(t), more @ ..] => (crate::text::concat(&[fallback, t]), more.is_empty()),
            _ => (fallback.clone(), false),
        })
    }

    /// Paths this template reads (for checks such as "does the message need an item?").
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Slot { path, .. } => Some(path.as_str()),
            Part::Text(_) => None,
        })
    }

    /// Renders against `ctx` in `style`. Missing values render as nothing.
    pub fn render(&self, ctx: &Value, style: &Style) -> String {
        self.render_in(&Scope { base: ctx, layers: &[] }, style)
    }

    /// Renders against a [`Scope`] in `style`: [`Template::render`] without putting the
    /// message's item, links and parameters into a copy of the visitor's context first.
    pub fn render_in(&self, ctx: &Scope, style: &Style) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Slot { path, filter, fallback } => match ctx.get_path(path) {
                    Some(v) if !matches!(v, Value::Null) && v.as_str() != Some("") => {
                        apply_filter(v, filter.as_deref(), style, &mut out)
                    }
                    _ => out.push_str(fallback.as_deref().unwrap_or_default()),
                },
            }
        }
        out
    }
}

fn apply_filter(v: &Value, filter: Option<&str>, style: &Style, out: &mut String) {
    let Some(value) = formattable(v, filter, style) else {
        match v {
            Value::String(s) => out.push_str(s),
            Value::Number(n) => format_number(*n, out),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            _ => {}
        }
        return;
    };
    let f = style.format;
    if !f.native() {
        if let Some(text) = style.formatter.and_then(|x| x.format(value, &f.locale)) {
            out.push_str(&text);
            return;
        }
    }
    match value {
        Formattable::Date(ms) => {
            let c = crate::time::civil(ms, 0);
            // Text is put together with `push_str`: the widget carries no `format!` machinery.
            let d = number_text(f64::from(c.day));
            if f.ja() {
                out.push_str(&crate::text::concat(&[&number_text(f64::from(c.month)), "月", &d, "日"]));
            } else {
                const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
                out.push_str(&crate::text::concat(&[MONTHS[(c.month as usize + 11) % 12], " ", &d]));
            }
        }
        Formattable::Days(d) => {
            let n = number_text(d.unsigned_abs() as f64);
            let text: [&str; 3] = match (f.ja(), d) {
                (true, 0) => ["今日", "", ""],
                (true, 1) => ["明日", "", ""],
                (true, d) if d > 0 => ["あと", &n, "日"],
                (true, _) => ["", &n, "日前"],
                (false, 0) => ["today", "", ""],
                (false, 1) => ["tomorrow", "", ""],
                (false, d) if d > 0 => ["in ", &n, " days"],
                (false, -1) => ["yesterday", "", ""],
                (false, _) => ["", &n, " days ago"],
            };
            text.iter().for_each(|t| out.push_str(t));
        }
        Formattable::Currency(n, currency) => format_currency(n, currency, out),
        Formattable::Number(n) => group_thousands(n, 0, out),
        Formattable::Percent(n) => {
            format_number((n * 100.0).round(), out);
            out.push('%');
        }
        Formattable::Km(n) => {
            group_thousands(n, 1, out);
            out.push_str(" km");
        }
    }
}

/// What `filter` makes of `v`, or `None` when it formats as plain text (no filter, or a value
/// the filter does not apply to).
fn formattable<'a>(v: &Value, filter: Option<&str>, style: &Style<'a>) -> Option<Formattable<'a>> {
    let n = v.as_f64();
    Some(match (filter?, n) {
        ("date", _) => {
            let ms = n.map(|n| n as i64).or_else(|| v.as_str().and_then(|s| crate::time::parse_iso(s, style.offset_min)))?;
            Formattable::Date(ms + i64::from(style.offset_min) * 60_000)
        }
        ("relative", Some(days)) => Formattable::Days(days.round() as i64),
        ("currency", Some(n)) => Formattable::Currency(n, &style.format.currency),
        ("number", Some(n)) => Formattable::Number(n),
        ("percent", Some(n)) => Formattable::Percent(n),
        ("km", Some(n)) => Formattable::Km(n),
        _ => return None,
    })
}

/// Formats `n` with `,` thousands separators and `decimals` digits after the point.
fn group_thousands(n: f64, decimals: u32, out: &mut String) {
    let text = crate::json::fixed(n.abs(), decimals);
    let (int, frac) = crate::text::split_once(&text, b'.').unwrap_or((&text, ""));
    if n < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
}

/// Currency display for the currencies and locales Shopcue supports natively
/// (`¥1,980`, `$19.99`, `€19.99`); others fall back to `1,980 XXX`.
fn format_currency(n: f64, currency: &str, out: &mut String) {
    let (symbol, decimals) = match currency {
        "JPY" => ("¥", 0),
        "USD" => ("$", 2),
        "EUR" => ("€", 2),
        "GBP" => ("£", 2),
        _ => ("", 2),
    };
    out.push_str(symbol);
    group_thousands(n, decimals, out);
    if symbol.is_empty() {
        out.push(' ');
        out.push_str(currency);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn fmt(currency: &str) -> Format {
        Format { locale: "en-US".into(), currency: currency.into() }
    }

    #[test]
    fn renders_values_and_filters() {
        let ctx =
            parse(r#"{"item":{"name":"<b>Tee</b>","price":12800,"price_drop_pct":0.153,"nearest_store":{"distance_km":3.26}}}"#)
                .unwrap();
        let t = Template::compile(
            "{{ item.name }}: {{item.price|currency}} ({{item.price_drop_pct|percent}}, {{item.nearest_store.distance_km|km}}) {{item.stock}}!",
            "$",
        )
        .unwrap();
        assert_eq!(t.render(&ctx, &Style::plain(&fmt("JPY"), 0)), "<b>Tee</b>: ¥12,800 (15%, 3.3 km) !");
        assert_eq!(
            Template::compile("{{item.price|currency}}", "$").unwrap().render(&ctx, &Style::plain(&fmt("USD"), 0)),
            "$12,800.00"
        );
        assert_eq!(
            Template::compile("{{item.price|number}}", "$").unwrap().render(&ctx, &Style::plain(&fmt("CHF"), 0)),
            "12,800"
        );
    }

    /// `|default:"text"` stands in for a value that is missing, null or an empty text, so that a
    /// greeting by name reads "お客様" rather than "様" for a visitor who gave none.
    #[test]
    fn a_default_stands_in_for_a_missing_value() {
        let t = Template::compile(
            r#"{{visitor.traits.first_name|default:"お客"}}様 {{item.price|currency|default:'—'}} {{item.stock | default: "?"}}"#,
            "$",
        )
        .unwrap();
        let yen = fmt("JPY");
        let style = Style::plain(&yen, 0);
        let render = |ctx: &str| t.render(&parse(ctx).unwrap(), &style);
        assert_eq!(render(r#"{}"#), "お客様 — ?");
        assert_eq!(render(r#"{"visitor":{"traits":{"first_name":null}},"item":{"price":null,"stock":""}}"#), "お客様 — ?");
        assert_eq!(render(r#"{"visitor":{"traits":{"first_name":"花子"}},"item":{"price":1980,"stock":0}}"#), "花子様 ¥1,980 0");
        assert_eq!(Template::from_parts(&t.to_parts()), Some(t));
        for bad in [r#"{{item.name|default:x}}"#, r#"{{item.name|default:"a"b"}}"#, r#"{{item.name|default:"open}}"#] {
            let problems = Template::compile(bad, "$.title").unwrap_err();
            assert_eq!(problems.len(), 1, "{bad}: {problems:?}");
            assert!(problems[0].message.contains("must be a text in quotes"), "{bad}: {}", problems[0].message);
        }
    }

    #[test]
    fn dates_and_relative_days_in_both_languages() {
        let ctx = parse(r#"{"item":{"expires_at":"2026-11-30","expires_in_days":3,"days_since_purchase":-1}}"#).unwrap();
        let ja = Format { locale: "ja-JP".into(), currency: "JPY".into() };
        let t = Template::compile("{{item.expires_at|date}}まで（{{item.expires_in_days|relative}}）", "$").unwrap();
        assert_eq!(t.render(&ctx, &Style::plain(&ja, 540)), "11月30日まで（あと3日）");
        let t = Template::compile("until {{item.expires_at|date}} ({{item.expires_in_days|relative}})", "$").unwrap();
        assert_eq!(t.render(&ctx, &Style::plain(&fmt("JPY"), 540)), "until Nov 30 (in 3 days)");
        let t = Template::compile("{{item.days_since_purchase|relative}}", "$").unwrap();
        assert_eq!(t.render(&ctx, &Style::plain(&fmt("JPY"), 0)), "yesterday");
    }

    /// Answers like `Intl` would for de-DE, and records what it was asked.
    #[derive(Debug, Default)]
    struct German(std::cell::RefCell<Vec<String>>);

    impl Formatter for German {
        fn format(&self, value: Formattable<'_>, locale: &str) -> Option<String> {
            self.0.borrow_mut().push(format!("{locale} {value:?}"));
            match value {
                Formattable::Currency(n, "EUR") => Some(format!("{} €", crate::json::fixed(n, 2).replace('.', ","))),
                Formattable::Days(1) => Some("morgen".into()),
                _ => None,
            }
        }
    }

    #[test]
    fn other_locales_go_to_the_shells_formatter_and_fall_back_to_en_us() {
        let ctx = parse(r#"{"item":{"price":19.9,"expires_in_days":1,"expires_at":"2026-11-30","stock":2}}"#).unwrap();
        let t = Template::compile(
            "{{item.price|currency}} · {{item.expires_in_days|relative}} · {{item.expires_at|date}} · {{item.stock}}",
            "$",
        )
        .unwrap();
        let de = Format { locale: "de-DE".into(), currency: "EUR".into() };
        let intl = German::default();
        let style = Style { format: &de, offset_min: 60, formatter: Some(&intl) };
        assert_eq!(t.render(&ctx, &style), "19,90 € · morgen · Nov 30 · 2");
        // The date arrives shifted into the site's zone (midnight in Berlin), to be formatted as UTC.
        assert_eq!(intl.0.borrow().as_slice(), ["de-DE Currency(19.9, \"EUR\")", "de-DE Days(1)", "de-DE Date(1795996800000)"]);
        assert_eq!(t.render(&ctx, &Style::plain(&de, 60)), "€19.90 · tomorrow · Nov 30 · 2", "no formatter: en-US");
        let ja = Format { locale: "ja-JP".into(), currency: "JPY".into() };
        let style = Style { format: &ja, offset_min: 540, formatter: Some(&intl) };
        intl.0.borrow_mut().clear();
        assert_eq!(t.render(&ctx, &style), "¥20 · 明日 · 11月30日 · 2", "ja-JP is formatted by the core");
        assert!(intl.0.borrow().is_empty());
    }

    #[test]
    fn rejects_unknown_paths_filters_and_unclosed_slots() {
        for bad in ["{{nope.x}}", "{{item.price|shout}}", "Hi {{item.name", "{{item..x}}", "{{item.nmae}}", "{{visitor.wealth}}"]
        {
            let err = Template::compile(bad, "$.message.title").unwrap_err();
            assert_eq!(err[0].path, "$.message.title", "{bad}");
        }
    }

    #[test]
    fn an_unknown_field_is_matched_against_the_fields_under_its_own_parent() {
        let message = |t: &str| Template::compile(t, "$").unwrap_err()[0].message.clone();
        assert_eq!(message("{{item.nmae}}"), "unknown value {{item.nmae}}: no such field. Did you mean {{item.name}}?");
        assert_eq!(
            message("{{page.item.prise}}"),
            "unknown value {{page.item.prise}}: no such field. Did you mean {{page.item.price}}?"
        );
        assert_eq!(
            message("{{visitor.sesions}}"),
            "unknown value {{visitor.sesions}}: no such field. Did you mean {{visitor.sessions}}?"
        );
        assert_eq!(message("{{store.nme}}"), "unknown value {{store.nme}}: no such field. Did you mean {{store.name}}?");
        // `name` is an item's field, not a visitor's: no hint from the wrong list, but the right one.
        assert_eq!(
            message("{{visitor.nmae}}"),
            ["unknown value {{visitor.nmae}}: no such field. The fields of visitor are ", &VISITOR_FIELDS.join(", "), "."]
                .concat()
        );
        assert_eq!(message("{{time.hours}}"), "unknown value {{time.hours}}: no such field. Did you mean {{time.hour}}?");
    }

    #[test]
    fn a_root_named_as_other_tools_name_it_or_a_value_in_single_braces_is_told_how_to_write_it() {
        let err = Template::compile("{{product.name}}: only { item.stock } left, {{iten.price}}", "$.title").unwrap_err();
        assert_eq!(
            err.iter().map(|p| p.message.as_str()).collect::<Vec<_>>()[..2],
            [
                "unknown value {{product.name}}: paths start with one of item, visitor, page, links, params, points, time, store. Did you mean {{item.name}}?",
                "unknown value {{iten.price}}: paths start with one of item, visitor, page, links, params, points, time, store. Did you mean {{item.price}}?",
            ]
        );
        let err = Template::compile("{{item.name}}: only { item.stock } left", "$.title").unwrap_err();
        assert_eq!(err[0].message, "{item.stock} would show as written: a value takes two braces, {{item.stock}}");
        for fine in ["{sale} {{item.name}}", "a { b } c", "{", "}{", "{{ item.name }} {ok}"] {
            assert!(Template::compile(fine, "$").is_ok(), "{fine}");
        }
    }
}
