//! `Intl`: the site's UTC offset, and locale formatting for the locales the core does not
//! format itself, asked of the loader's `shopcueIntl` (`pkg-config/intl.js`, handed over by
//! [`use_intl`]). A missing or patched `Intl`, an unknown time zone or an unsupported currency
//! never throws through wasm: the answer is `None` and the core falls back to its own formatting.

use std::cell::RefCell;

use js_sys::Function;
use shopcue::template::{Formattable, Formatter};
use wasm_bindgen::prelude::*;

thread_local! {
    static INTL: RefCell<Option<[Function; 4]>> = const { RefCell::new(None) };
}

/// Takes the page's helpers: `offset(zone, ms)`, `format(kind, value, locale, currency)`,
/// `device()` and `traffic()` (see `pkg-config/intl.js`). The loader and the npm package call
/// this once, before any command; without it, zones with daylight saving are unknown (schedules
/// use the config's fallback), every locale is formatted by the core, and `page.device` and
/// `visitor.session_source` are `""`.
///
/// ```js
/// // pkg-config/loader.js, before replaying the queued calls:
/// bindings.use_intl(shopcueIntl.offset, shopcueIntl.format, shopcueIntl.device, shopcueIntl.traffic);
/// ```
#[wasm_bindgen]
pub fn use_intl(offset: Function, format: Function, device: Function, traffic: Function) {
    INTL.with(|i| *i.borrow_mut() = Some([offset, format, device, traffic]));
}

/// Calls the offset (`0`), format (`1`), device (`2`) or traffic (`3`) helper; `None` without
/// helpers or on a throw.
fn ask(which: usize, args: &js_sys::Array) -> Option<JsValue> {
    let f = INTL.with(|i| i.borrow().as_ref().map(|helpers| helpers[which].clone()))?;
    f.apply(&JsValue::NULL, args).ok()
}

/// What the shopper browses on, for `page.device`: `"mobile"`, `"tablet"` or `"desktop"`, as
/// the page's pointer and screen say; `""` without the helper.
///
/// ```js
/// // What this asks:
/// shopcueIntl.device(); // "desktop" with a mouse; "mobile" on a phone
/// ```
pub fn device() -> String {
    page_fact(2)
}

/// Where this visit came from, if a session starts on this page: its source, medium and
/// campaign, one per line ([`shopcue::runtime::Runtime::set_traffic`]), as the page's address
/// and referrer say; `""` without the helper.
///
/// ```js
/// // What this asks, on a page opened from an Instagram ad:
/// shopcueIntl.traffic(); // "instagram\npaid_social\nfw26"
/// ```
pub fn traffic() -> String {
    page_fact(3)
}

/// What the device (`2`) or traffic (`3`) helper answers, asked with no arguments.
fn page_fact(which: usize) -> String {
    ask(which, &js_sys::Array::new()).and_then(|d| d.as_string()).unwrap_or_default()
}

/// The UTC offset in minutes of IANA time zone `tz` at `now_ms`: from the core's table of
/// zones without daylight saving ([`shopcue::time::fixed_offset`], no `Intl` at all), else from
/// `Intl.DateTimeFormat`; `None` when the zone is unknown or `Intl` is missing.
///
/// ```js
/// // What this asks for zones with daylight saving:
/// shopcueIntl.offset('America/New_York', Date.now()); // -300 in winter, -240 in summer
/// ```
pub fn utc_offset_minutes(tz: &str, now_ms: f64) -> Option<i32> {
    shopcue::time::fixed_offset(tz).or_else(|| intl_offset_minutes(tz, now_ms))
}

/// The UTC offset in minutes of `tz` at `now_ms` as `Intl.DateTimeFormat` computes it (what
/// [`utc_offset_minutes`] asks for zones with daylight saving).
pub fn intl_offset_minutes(tz: &str, now_ms: f64) -> Option<i32> {
    ask(0, &js_sys::Array::of2(&tz.into(), &now_ms.into()))?.as_f64().map(|m| m as i32)
}

/// Template filters formatted by `Intl` (`NumberFormat`, `DateTimeFormat`,
/// `RelativeTimeFormat`) for every locale the core does not format itself.
///
/// ```js
/// // {{item.price|currency}} in de-DE with EUR, in JS terms:
/// new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(19.9) // "19,90 €"
/// ```
#[derive(Debug)]
pub struct IntlFormatter;

impl Formatter for IntlFormatter {
    fn format(&self, value: Formattable<'_>, locale: &str) -> Option<String> {
        let (kind, n, currency) = match value {
            Formattable::Currency(n, currency) => ("currency", n, currency),
            Formattable::Number(n) => ("number", n, ""),
            Formattable::Percent(n) => ("percent", n, ""),
            Formattable::Km(n) => ("km", n, ""),
            Formattable::Date(ms) => ("date", ms as f64, ""),
            Formattable::Days(d) => ("days", d as f64, ""),
        };
        let args = js_sys::Array::of4(&kind.into(), &n.into(), &locale.into(), &currency.into());
        ask(1, &args)?.as_string()
    }
}
