//! Native engine benchmark: `./x bench` (or `cargo bench -p shopcue --bench engine`).
//! Prints medians; no assertions on time (speed is measured, not unit-tested).

use std::hint::black_box;
use std::time::Instant;

use shopcue::config::Config;
use shopcue::engine::{decide, Page};
use shopcue::event::Event;
use shopcue::json::parse;
use shopcue::profile::Profile;

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

fn config_with(n: usize) -> String {
    let scenarios: Vec<String> = (0..n)
        .map(|i| {
            let preset = if i % 2 == 0 { "page_low_stock" } else { "cart_low_stock" };
            format!(r#"{{"id":"s{i}","preset":"{preset}","priority":{i},"group":"g{}"}}"#, i % 7)
        })
        .collect();
    format!(r#"{{"version":1,"site":"bench","caps":{{"per_page":3}},"scenarios":[{}]}}"#, scenarios.join(","))
}

fn main() {
    let config_text = config_with(50);
    let compile = median_us(|| drop(black_box(Config::parse(&config_text).unwrap())), 200);
    let config = Config::parse(&config_text).unwrap();

    let mut profile = Profile::default();
    for i in 0..1000 {
        let name = ["view_item", "view_item", "view_item", "add_to_cart", "add_to_wishlist"][i % 5];
        let json = format!(
            r#"{{"items":[{{"item_id":"p{}","item_name":"Item {}","price":{},"stock":{}}}]}}"#,
            i % 200,
            i % 200,
            1000 + i,
            i % 9
        );
        profile.apply(&Event::parse(name, &parse(&json).unwrap()).unwrap(), i as i64 * 1000);
    }
    let view =
        Event::parse("view_item", &parse(r#"{"items":[{"item_id":"p1","item_name":"Item 1","stock":2}]}"#).unwrap()).unwrap();
    let page = Page { events: vec!["page_view".into(), "view_item".into()], items: view.items, ..Page::default() };
    let eval = median_us(|| drop(black_box(decide(&config, &profile, &page, 2_000_000))), 500);
    let (shown, explained) = decide(&config, &profile, &page, 2_000_000);

    println!("engine benchmark (native, median)");
    println!("  profile: 1,000 events over {} items, {} in cart", profile.items.len(), profile.cart().count());
    println!("  compile config of 50 scenarios      {compile:>10.1} µs");
    println!("  evaluate + arbitrate 50 scenarios   {eval:>10.1} µs   ({} shown, {} explained)", shown.len(), explained.len());
}
