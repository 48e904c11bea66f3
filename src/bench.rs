//! The engine benchmark's workload, shared by the native benchmark (`benches/engine.rs`) and
//! the same measurement in Chromium (`crates/shopcue-tools-wasm`, `scripts/bench-browser.mjs`):
//! 50 scenarios (all 32 presets and 18 custom ones) over a profile built from 1,000 events, on a
//! product page. Not part of the API; built only with the `compiler` feature.

use crate::config::PRESETS_JSON;
use crate::engine::{Env, Page};
use crate::event::Event;
use crate::json::parse;
use crate::profile::Profile;

const DAY: i64 = 86_400_000;
/// The benchmark's clock (Unix ms).
pub const NOW: i64 = 1_795_000_000_000;

/// All 32 presets, plus custom scenarios with audiences, schedules and variants: 50 in all.
pub fn config_text() -> String {
    let presets = parse(PRESETS_JSON).unwrap();
    let mut scenarios: Vec<String> = presets.as_object().unwrap().iter().map(|(k, _)| format!(r#"{{"preset":"{k}"}}"#)).collect();
    let mut i = 0;
    while scenarios.len() < 50 {
        scenarios.push(format!(
            r#"{{"id":"custom-{i}","priority":{i},"group":"g{}","trigger":{{"on":"page_view","path":"/products/*"}},
                "audience":{{"visitor.purchase_count":{{"$gte":{}}},"visitor.segments":{{"$in":["vip","new"]}}}},
                "subject":{{"from":"viewed","where":{{"views_7d":{{"$gte":2}},"in_cart":false,"price":{{"$lte":50000}}}},"order":"-views_7d"}},
                "schedule":{{"hours":[0,24]}},"caps":{{"per_visitor_days":7}},
                "message":{{"title":"{{{{item.name}}}} {{{{item.price|currency}}}}"}},
                "variants":[{{"id":"a","weight":50}},{{"id":"b","weight":50,"message":{{"title":"B {{{{item.name}}}}"}}}}]}}"#,
            i % 4,
            i % 3
        ));
        i += 1;
    }
    format!(
        r#"{{"version":1,"site":"bench","links":{{"cart":"/cart"}},"thresholds":{{"free_shipping":5000}},"caps":{{"per_page":3}},
            "stores":[{{"id":"s1","name":"S1","lat":35.66,"lon":139.70,"pickup":true}},{{"id":"s2","name":"S2","lat":35.69,"lon":139.70}}],
            "scenarios":[{}]}}"#,
        scenarios.join(",")
    )
}

pub fn profile_of_1000_events() -> Profile {
    let mut profile = Profile { visitor_id: "bench-visitor".into(), ..Profile::default() };
    profile.identify(parse(r#"{"member":true,"segments":["vip"],"birthday":"11-02"}"#).unwrap().as_object().unwrap());
    let names = ["view_item", "view_item", "view_item", "page_view", "add_to_cart", "add_to_wishlist", "view_item", "purchase"];
    for i in 0..1000i64 {
        let name = names[i as usize % names.len()];
        let json = if name == "page_view" {
            "{}".to_string()
        } else {
            let id = i % 200;
            format!(
                r#"{{"items":[{{"item_id":"p{id}","item_name":"Item {id}","item_brand":"B{}","item_category":"cat/{}","price":{},"stock":{},
                   "stores":{{"s1":{},"s2":1}}}}]}}"#,
                id % 7,
                id % 11,
                1000 + i * 37 % 90_000,
                i % 9,
                i % 3
            )
        };
        profile.apply(&Event::parse(name, &parse(&json).unwrap()).unwrap(), NOW - (1000 - i) * DAY / 50);
    }
    for (id, days) in [("c1", 2), ("c2", 20)] {
        let params = format!(r#"{{"coupon_id":"{id}","amount":500,"expires_at":{}}}"#, NOW + days * DAY);
        profile.apply(&Event::parse("coupon", &parse(&params).unwrap()).unwrap(), NOW - DAY);
    }
    let points = format!(r#"{{"balance":3000,"expiring":800,"expires_at":{}}}"#, NOW + 9 * DAY);
    profile.apply(&Event::parse("points", &parse(&points).unwrap()).unwrap(), NOW - DAY);
    profile
}

/// The product page the decision is made on: `p1` viewed, 2 left, stocked in store `s1`.
pub fn page() -> Page {
    let view = Event::parse(
        "view_item",
        &parse(r#"{"items":[{"item_id":"p1","item_name":"Item 1","price":4800,"stock":2,"stores":{"s1":2}}]}"#).unwrap(),
    )
    .unwrap();
    Page {
        events: vec!["page_view".into(), "view_item".into()],
        items: view.items,
        path: "/products/p1".into(),
        ..Page::default()
    }
}

/// The clock, the site's UTC offset (Tokyo) and the shopper's position (Shibuya).
pub fn env() -> Env<'static> {
    Env { utc_offset_min: 540, location: Some((35.658, 139.7016)), ..Env::at(NOW) }
}
