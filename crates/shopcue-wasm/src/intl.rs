//! `Intl`: the site's UTC offset, and locale formatting for the locales the core does not
//! format itself. Every call goes through `Reflect`, so a missing or patched `Intl`, an
//! unknown time zone or an unsupported currency can never throw through wasm: the answer is
//! `None` and the core falls back to its own formatting.

use crate::platform::call;
use js_sys::{Array, Date, Function, Object, Reflect};
use shopcue::template::{Formattable, Formatter};
use wasm_bindgen::{JsCast, JsValue};

/// `new Intl[ctor](locale, options)`.
fn construct(ctor: &str, locale: &str, options: &[(&str, JsValue)]) -> Option<JsValue> {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let ctor: Function = Reflect::get(&intl, &ctor.into()).ok()?.dyn_into().ok()?;
    let opts = Object::new();
    for (k, v) in options {
        Reflect::set(&opts, &(*k).into(), v).ok()?;
    }
    Reflect::construct(&ctor, &Array::of2(&locale.into(), &opts)).ok()
}

/// The UTC offset in minutes of IANA time zone `tz` at `now_ms`: from the core's table of
/// zones without daylight saving ([`shopcue::time::fixed_offset`], no `Intl` at all), else from
/// `Intl.DateTimeFormat`; `None` when the zone is unknown or `Intl` is missing.
///
/// ```js
/// // What this computes, in JS terms:
/// new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', hourCycle: 'h23', year: 'numeric',
///   month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(new Date());
/// ```
pub fn utc_offset_minutes(tz: &str, now_ms: f64) -> Option<i32> {
    shopcue::time::fixed_offset(tz).or_else(|| intl_offset_minutes(tz, now_ms))
}

/// The UTC offset in minutes of `tz` at `now_ms` as `Intl.DateTimeFormat` computes it (what
/// [`utc_offset_minutes`] asks for zones with daylight saving).
pub fn intl_offset_minutes(tz: &str, now_ms: f64) -> Option<i32> {
    let numeric = || JsValue::from("numeric");
    let dtf = construct(
        "DateTimeFormat",
        "en-US",
        &[
            ("timeZone", tz.into()),
            ("hourCycle", "h23".into()),
            ("year", numeric()),
            ("month", numeric()),
            ("day", numeric()),
            ("hour", numeric()),
            ("minute", numeric()),
        ],
    )?;
    let parts: Array = call(&dtf, "formatToParts", &Array::of1(&Date::new(&now_ms.into()))).and_then(|p| p.dyn_into().ok())?;
    let mut fields = [0i64; 5];
    for part in parts.iter() {
        let kind = Reflect::get(&part, &"type".into()).ok()?.as_string()?;
        let slot = ["year", "month", "day", "hour", "minute"].iter().position(|k| *k == kind);
        if let Some(i) = slot {
            fields[i] = Reflect::get(&part, &"value".into()).ok()?.as_string()?.parse().ok()?;
        }
    }
    let [y, mo, d, h, mi] = fields;
    let local = shopcue::time::days_from_civil(y, mo as u32, d as u32) * shopcue::time::DAY_MS + h * 3_600_000 + mi * 60_000;
    let minute_now = (now_ms as i64).div_euclid(60_000) * 60_000;
    Some(((local - minute_now) / 60_000) as i32)
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
        let digits = |n: u32| JsValue::from(n);
        let number = |n: f64, options: &[(&str, JsValue)]| {
            let nf = construct("NumberFormat", locale, options)?;
            call(&nf, "format", &Array::of1(&n.into()))
        };
        let text = match value {
            Formattable::Currency(n, currency) => number(n, &[("style", "currency".into()), ("currency", currency.into())]),
            Formattable::Number(n) => number(n, &[("maximumFractionDigits", digits(0))]),
            Formattable::Percent(n) => number(n, &[("style", "percent".into())]),
            Formattable::Km(n) => number(
                n,
                &[
                    ("style", "unit".into()),
                    ("unit", "kilometer".into()),
                    ("minimumFractionDigits", digits(1)),
                    ("maximumFractionDigits", digits(1)),
                ],
            ),
            Formattable::Date(ms) => {
                let dtf = construct(
                    "DateTimeFormat",
                    locale,
                    &[("month", "short".into()), ("day", "numeric".into()), ("timeZone", "UTC".into())],
                )?;
                call(&dtf, "format", &Array::of1(&Date::new(&(ms as f64).into())))
            }
            Formattable::Days(d) => {
                let rtf = construct("RelativeTimeFormat", locale, &[("numeric", "auto".into())])?;
                call(&rtf, "format", &Array::of2(&(d as f64).into(), &"day".into()))
            }
        };
        text?.as_string()
    }
}
