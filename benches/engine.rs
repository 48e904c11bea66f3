//! Native engine benchmark: `./x bench` (or `cargo bench -p shopcue --bench engine`).
//! Prints medians; asserts nothing about time (speed is measured, not unit-tested).

use std::hint::black_box;
use std::time::Instant;

use shopcue::condition::Condition;
use shopcue::config::{Config, PRESETS_JSON};
use shopcue::engine::{decide, Env, Page};
use shopcue::event::Event;
use shopcue::json::{parse, Value};
use shopcue::profile::Profile;

const DAY: i64 = 86_400_000;
const NOW: i64 = 1_795_000_000_000;

fn median_us(mut f: impl FnMut(), runs: usize) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(|a, b| a.total_cmp(b));
    times[runs / 2]
}

/// All 32 presets, plus custom scenarios with audiences, schedules and variants: 50 in all.
fn config_text() -> String {
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
        r#"{{"version":1,"site":"bench","links":{{"cart":"/cart"}},"caps":{{"per_page":3}},
            "stores":[{{"id":"s1","name":"S1","lat":35.66,"lon":139.70,"pickup":true}},{{"id":"s2","name":"S2","lat":35.69,"lon":139.70}}],
            "scenarios":[{}]}}"#,
        scenarios.join(",")
    )
}

fn profile_of_1000_events() -> Profile {
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

fn conformance_conditions() -> Vec<(Condition, Value, Value)> {
    let path = std::env::var("SHOPCUE_CONFORMANCE")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/conformance/growthbook-cases.json").to_string());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("conformance suite missing at {path}: {e}"));
    let all = parse(&text).unwrap();
    all.get("evalCondition")
        .and_then(Value::as_array)
        .unwrap_or(&[])
        .iter()
        .map(|c| {
            let c = c.as_array().unwrap();
            (Condition::compile_lenient(&c[1]), c[2].clone(), c.get(4).cloned().unwrap_or(Value::Null))
        })
        .collect()
}

fn main() {
    let text = config_text();
    let compile = median_us(|| drop(black_box(Config::parse(&text).unwrap())), 200);
    let config = Config::parse(&text).unwrap();
    assert_eq!(config.scenarios.len(), 50);

    let profile = profile_of_1000_events();
    let view = Event::parse(
        "view_item",
        &parse(r#"{"items":[{"item_id":"p1","item_name":"Item 1","price":4800,"stock":2,"stores":{"s1":2}}]}"#).unwrap(),
    )
    .unwrap();
    let page = Page {
        events: vec!["page_view".into(), "view_item".into()],
        items: view.items,
        path: "/products/p1".into(),
        ..Page::default()
    };
    let env = Env { utc_offset_min: 540, location: Some((35.658, 139.7016)), ..Env::at(NOW) };
    let eval = median_us(|| drop(black_box(decide(&config, &profile, &page, &env))), 300);
    let out = decide(&config, &profile, &page, &env);

    let stored = profile.to_json();
    let load = median_us(|| drop(black_box(Profile::from_json(&stored))), 200);

    let cases = conformance_conditions();
    let rounds = 200;
    let t = Instant::now();
    let mut passed = 0usize;
    for _ in 0..rounds {
        for (c, ctx, groups) in &cases {
            passed += usize::from(black_box(c.eval_with_groups(ctx, groups)));
        }
    }
    let per_sec = (cases.len() * rounds) as f64 / t.elapsed().as_secs_f64();
    black_box(passed);

    println!("engine benchmark (native, release, median of runs)");
    println!(
        "  profile: 1,000 events → {} items, {} in cart, {} bytes stored",
        profile.items.len(),
        profile.cart().count(),
        stored.len()
    );
    println!("  compile a 50-scenario config (32 presets + 18 custom)  {compile:>9.1} µs");
    println!(
        "  evaluate + arbitrate 50 scenarios                       {eval:>9.1} µs   ({} shown, {} held out, {} explained)",
        out.shown.len(),
        out.holdouts.len(),
        out.explanations.len()
    );
    println!("  load the stored profile                                 {load:>9.1} µs");
    println!("  conformance conditions evaluated per second          {:>12.0}   ({} cases)", per_sec, cases.len());
}
