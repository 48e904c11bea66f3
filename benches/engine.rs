//! Native engine benchmark: `./x bench` (or `cargo bench -p shopcue --bench engine`).
//! Prints medians; asserts nothing about time (speed is measured, not unit-tested).

use std::hint::black_box;
use std::time::Instant;

use shopcue::bench::{config_text, env, page, profile_of_1000_events};
use shopcue::condition::Condition;
use shopcue::config::Config;
use shopcue::engine::{decide, explain};
use shopcue::id::SeededEntropy;
use shopcue::json::{parse, Value};
use shopcue::profile::Profile;
use shopcue::runtime::Runtime;

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
    let (page, env) = (page(), env());
    let eval = median_us(|| drop(black_box(decide(&config, &profile, &page, &env))), 300);
    // The same with every scenario evaluated, also those the page's cap already blocks: what
    // `explain` and the playground pay, and `decide` on a config whose caps are never reached.
    let eval_all = median_us(|| drop(black_box(explain(&config, &profile, &page, &env))), 300);
    let out = decide(&config, &profile, &page, &env);
    // A page cap never reached (50 a page): every scenario is evaluated and each that qualifies
    // is rendered, as on a listing page that badges many items.
    let uncapped = Config::parse(&text.replacen(r#""per_page":3"#, r#""per_page":50"#, 1)).unwrap();
    let eval_uncapped = median_us(|| drop(black_box(decide(&uncapped, &profile, &page, &env))), 300);
    let out_uncapped = decide(&uncapped, &profile, &page, &env);

    let stored = profile.to_json();
    let load = median_us(|| drop(black_box(Profile::from_json(&stored))), 200);

    // track(): a view of an item not yet in the profile, on a profile already at its item cap
    // (a long-time shopper's), so that every call also forgets the least valuable item.
    let e = &mut SeededEntropy(9);
    let (mut rt, _) = Runtime::new(Some(&stored), None, 1_000, e);
    rt.init(&parse(r#"{"site":"bench","config":"/c.json"}"#).unwrap()).unwrap();
    rt.page_view("https://shop.example/p", 1_000, e);
    let views: Vec<Value> = (0..2_000)
        .map(|i| {
            parse(&format!(r#"{{"items":[{{"item_id":"new-{i}","item_name":"ベンチ","price":{},"stock":5}}]}}"#, 1_000 + i))
                .unwrap()
        })
        .collect();
    let mut now = 2_000;
    let track = median_us(
        || {
            now += 1;
            rt.track("view_item", &views[now as usize % views.len()], now, e).unwrap();
        },
        2_000,
    );

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
    let presets = text.matches(r#"{"preset":"#).count();
    let label = format!("compile a 50-scenario config ({presets} presets + {} custom)", 50 - presets);
    println!("  {label:<57}{compile:>9.1} µs");
    println!(
        "  evaluate + arbitrate 50 scenarios                       {eval:>9.1} µs   ({} shown, {} held out, {} explained)",
        out.shown.len(),
        out.holdouts.len(),
        out.explanations.len()
    );
    println!("  the same, every scenario evaluated (explain)            {eval_all:>9.1} µs");
    println!(
        "  the same, page cap never reached (per_page 50)          {eval_uncapped:>9.1} µs   ({} shown)",
        out_uncapped.shown.len()
    );
    println!("  load the stored profile                                 {load:>9.1} µs");
    println!("  track() a new item's view, profile full ({} items)     {track:>9.1} µs", rt.profile.items.len());
    println!("  conformance conditions evaluated per second          {:>12.0}   ({} cases)", per_sec, cases.len());
}
