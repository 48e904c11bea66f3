//! The bodies of the fuzz targets, shared by the libFuzzer binaries (`fuzz/fuzz_targets/`,
//! through `fuzz/lib.rs`; `scripts/ci/fuzz.sh` runs them) and by the stable test that replays
//! the kept corpus and every past crash (`tests/fuzz_corpus.rs`). Each reads untrusted bytes
//! the way Shopcue does and must neither panic nor hang; some also check a property (a stored
//! profile reads back).

use shopcue::condition::Condition;
use shopcue::config::Config;
use shopcue::json::{object, parse, Value};
use shopcue::profile::Profile;
use shopcue::template::{Format, Style, Template};

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// The targets by name, for the corpus replay.
pub const TARGETS: &[(&str, Target)] = &[
    ("config", config),
    ("condition", condition),
    ("template", template),
    ("profile", profile),
    ("batch", batch),
    ("session", session),
];

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// A marketer's config, or a runtime config: parsed, validated, compiled (presets,
/// conditions, templates). Whatever compiles reads back, in any page language, as the widget
/// reads it (and a runtime config from the corpus, mutated, is read or refused, never a panic).
pub fn config(data: &[u8]) {
    let Some(v) = text(data).and_then(|t| parse(t).ok()) else { return };
    let _ = Config::from_value(&v);
    if let Ok(runtime) = shopcue::config::compile(&v) {
        for locale in [None, Some("en-US"), Some("de-DE")] {
            let page = shopcue::config::PageFormat { locale: locale.map(String::from), currency: None };
            if let Err(e) = Config::for_page(&runtime, &page) {
                panic!("a compiled config does not read back for {locale:?}: {e}");
            }
        }
    }
}

/// A condition: compiled strictly and leniently, then evaluated against a typical context.
pub fn condition(data: &[u8]) {
    let Some(v) = text(data).and_then(|t| parse(t).ok()) else { return };
    let ctx = parse(
        r#"{"visitor":{"purchase_count":2,"segments":["vip"],"member":true},"page":{"path":"/p/1","events":["view_item"]},
            "item":{"price":1980,"stock":2,"name":"Tee","views_7d":[1,2,3]},"time":{"hour":21,"weekday":"fri"}}"#,
    )
    .unwrap_or(Value::Null);
    let groups = object([("vip", Value::Array(vec![Value::from("v1")]))]);
    if let Ok(c) = Condition::compile(&v, "$") {
        let _ = c.eval_with_groups(&ctx, &groups);
    }
    let _ = Condition::compile_lenient(&v).eval_with_groups(&ctx, &groups);
}

/// A message template: compiled and rendered in both native locales and one formatted by the
/// shell (without a formatter, so the en-US fallback).
pub fn template(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let ctx = parse(r#"{"item":{"name":"Tee","price":1980,"price_drop_pct":0.12,"km":1.5},"links":{"cart":"/cart"},"coupon":{"expires_at":"2026-12-31"}}"#)
        .unwrap_or(Value::Null);
    if let Ok(tpl) = Template::compile(t, "$") {
        for locale in ["ja-JP", "en-US", "de-DE"] {
            let _ = tpl.render(&ctx, &Style::plain(&Format { locale: locale.into(), currency: "JPY".into() }, 540));
        }
    }
}

/// What a page keeps in localStorage, which is the shopper's to edit: a stored profile is read,
/// and if read, written and read back to the same profile. The same text is then taken as each
/// thing the runtime reads from storage — the profile and the beacon queue at start, another
/// tab's profile, a closed tab's queue — and the queue is sent: read or set aside, never a panic.
pub fn profile(data: &[u8]) {
    let Some(t) = text(data) else { return };
    if let Some(p) = Profile::from_json(t) {
        let again = Profile::from_json(&p.to_json());
        assert!(again.is_some(), "a profile Shopcue wrote must read back");
    }
    let now = 1_790_000_000_000;
    let mut entropy = shopcue::id::SeededEntropy(3);
    let (mut rt, _) = shopcue::runtime::Runtime::new(Some(t), Some(t), now, &mut entropy);
    let options = object([("site", "s".into()), ("config", "/c.json".into()), ("endpoint", "/collect".into())]);
    assert!(rt.init(&options).is_ok());
    rt.rebase_profile(t);
    rt.adopt_outbox(t);
    while let Some(batch) = rt.next_batch(now, shopcue::outbox::Flush::Unload) {
        rt.settle(batch.seq, 200, None, now, 0.5);
    }
    let _ = (rt.take_profile_json(), rt.take_outbox_json());
}

/// A beacon batch as the collector receives it.
pub fn batch(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = crate::batch::decode(t, 1_764_547_200_000);
    }
}

/// A shopper's session as a page can make it: any events (`[name, params, minutes ago]`, as the
/// playground takes them; `identify` traits too) against a config with every preset and two
/// stores, then decided, explained, beaconed and stored (`shopcue::runtime::simulate`, the
/// pipeline every page runs). Whatever a page sends, the widget must not panic: in the browser
/// a panic traps, and the widget is gone for the rest of the page.
pub fn session(data: &[u8]) {
    let Some(events) = text(data).and_then(|t| parse(t).ok()) else { return };
    static CONFIG: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    let input = object([
        ("config", CONFIG.get_or_init(every_preset).clone()),
        ("events", events),
        ("now", 1_790_000_000_000.0.into()),
        ("location", Value::Array(vec![35.66.into(), 139.7.into()])),
    ]);
    let out = shopcue::runtime::simulate(&input, &mut shopcue::id::SeededEntropy(7), None);
    assert!(
        out.get("config_problems").and_then(Value::as_array).is_some_and(<[Value]>::is_empty),
        "the config with every preset compiles: {}",
        out.to_json()
    );
}

/// The session target's config: every preset, two stores (built once per fuzzing process).
fn every_preset() -> Value {
    let presets = parse(shopcue::config::PRESET_LIBRARY).unwrap_or(Value::Null);
    let scenarios = match &presets {
        Value::Object(members) => members.iter().map(|(id, _)| object([("preset", id.as_str().into())])).collect(),
        _ => Vec::new(),
    };
    let store = |id: &str, lat: f64, lon: f64| {
        object([("id", id.into()), ("name", id.into()), ("lat", lat.into()), ("lon", lon.into()), ("pickup", true.into())])
    };
    object([
        ("version", 1.0.into()),
        ("site", "s".into()),
        ("links", object([("cart", "/cart".into())])),
        ("thresholds", object([("free_shipping", 5000.0.into())])),
        ("stores", Value::Array(vec![store("shibuya", 35.659, 139.7), store("umeda", 34.7, 135.49)])),
        ("scenarios", Value::Array(scenarios)),
    ])
}
