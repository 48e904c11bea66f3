//! Every preset of the playbooks (docs/ARCHITECTURE.md, "Presets"): one shopper for whom it
//! fires and one for whom it must not, with the reason from `explain`. Also: every preset is covered here, and renders
//! complete ja and en messages.

use shopcue::config::{Config, PRESETS_JSON};
use shopcue::engine::{decide, Env, Page};
use shopcue::event::Event;
use shopcue::json::{parse, Value};
use shopcue::profile::Profile;
use shopcue::time::{parse_iso, DAY_MS};

const TOKYO: i32 = 540;
const STORES: &str = r#""stores":[{"id":"shibuya","name":"渋谷店","lat":35.659,"lon":139.700,"pickup":true},
                                   {"id":"yokohama","name":"横浜店","lat":35.466,"lon":139.622,"pickup":false}]"#;

fn now() -> i64 {
    parse_iso("2026-11-22T12:00", TOKYO).unwrap()
}

/// A shopper's world: profile, current page, clock and location.
struct World {
    profile: Profile,
    page: Page,
    env: Env<'static>,
}

impl World {
    fn new() -> World {
        let mut profile = Profile { visitor_id: "visitor-1".into(), ..Profile::default() };
        profile.session.started_at = now() - 60_000;
        World {
            profile,
            page: Page { events: vec!["page_view".into()], path: "/".into(), ..Page::default() },
            env: Env { utc_offset_min: TOKYO, ..Env::at(now()) },
        }
    }

    /// Applies event `name` with `params` JSON, `days_ago` days before now.
    fn ev(&mut self, name: &str, params: &str, days_ago: f64) -> &mut Self {
        let event = Event::parse(name, &parse(params).unwrap()).unwrap_or_else(|e| panic!("{name} {params}: {e}"));
        self.profile.apply(&event, now() - (days_ago * DAY_MS as f64) as i64);
        self
    }

    fn item(&mut self, name: &str, item: &str, days_ago: f64) -> &mut Self {
        self.ev(name, &format!(r#"{{"items":[{item}]}}"#), days_ago)
    }

    fn catalog(&mut self, item: &str) -> &mut Self {
        let event = Event::parse("view_item", &parse(&format!(r#"{{"items":[{item}]}}"#)).unwrap()).unwrap();
        self.profile.update_catalog(&event.items, now() - 1000);
        self
    }

    /// The current page is a product page for `item`.
    fn on_product(&mut self, item: &str) -> &mut Self {
        let event = Event::parse("view_item", &parse(&format!(r#"{{"items":[{item}]}}"#)).unwrap()).unwrap();
        self.profile.apply(&event, now());
        self.page.events.push("view_item".into());
        self.page.items = event.items;
        self.page.path = "/products/x".into();
        self
    }

    fn identify(&mut self, traits: &str) -> &mut Self {
        self.profile.identify(parse(traits).unwrap().as_object().unwrap());
        self
    }

    fn near_shibuya(&mut self) -> &mut Self {
        self.env.location = Some((35.658, 139.7016));
        self
    }
}

struct Case {
    preset: &'static str,
    /// Extra top-level config members (`"stores": …`), or "".
    config: &'static str,
    fires: fn(&mut World),
    silent: fn(&mut World),
    /// The `explain` reason expected for the silent shopper.
    why_not: &'static str,
}

fn config_for(preset: &str, extra: &str, locale: &str) -> Config {
    let extra = if extra.is_empty() { String::new() } else { format!("{extra},") };
    Config::parse(&format!(
        r#"{{"version":1,"site":"t","locale":"{locale}","links":{{"cart":"/cart"}},"caps":{{"per_page":5}},{extra}
            "scenarios":[{{"preset":"{preset}"}}]}}"#
    ))
    .unwrap_or_else(|e| panic!("{preset}: {e}"))
}

const OLD_VIEW: &str = r#"{"item_id":"tee","item_name":"Linen shirt","price":3000,"stock":3,"item_category":"apparel/tops"}"#;
const CAMERA: &str = r#"{"item_id":"cam","item_name":"Camera α10","price":89800,"item_category":"electronics/camera"}"#;

fn cases() -> Vec<Case> {
    vec![
        Case {
            preset: "page_low_stock",
            config: "",
            fires: |w| {
                w.on_product(r#"{"item_id":"a","item_name":"Tee","stock":2}"#);
            },
            silent: |w| {
                w.on_product(r#"{"item_id":"a","item_name":"Tee","stock":5}"#);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "cart_low_stock",
            config: "",
            fires: |w| {
                w.item("add_to_cart", r#"{"item_id":"a","stock":1}"#, 0.1);
            },
            silent: |w| {
                w.item("add_to_cart", r#"{"item_id":"a","stock":10}"#, 0.1);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "favorite_low_stock",
            config: "",
            fires: |w| {
                w.item("add_to_wishlist", r#"{"item_id":"a","stock":2}"#, 1.0);
            },
            silent: |w| {
                w.item("add_to_wishlist", r#"{"item_id":"a","stock":2}"#, 1.0).item("add_to_cart", r#"{"item_id":"a"}"#, 0.5);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "browse_low_stock",
            config: "",
            fires: |w| {
                w.item("view_item", OLD_VIEW, 1.0);
            },
            silent: |w| {
                w.item("view_item", OLD_VIEW, 1.0).item("add_to_cart", r#"{"item_id":"tee"}"#, 0.9);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "cart_price_drop",
            config: "",
            fires: |w| {
                w.item("add_to_cart", r#"{"item_id":"a","price":2000}"#, 2.0).catalog(r#"{"item_id":"a","price":1800}"#);
            },
            silent: |w| {
                w.item("add_to_cart", r#"{"item_id":"a","price":2000}"#, 2.0).catalog(r#"{"item_id":"a","price":1995}"#);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "favorite_price_drop",
            config: "",
            fires: |w| {
                w.item("add_to_wishlist", r#"{"item_id":"a","price":5000}"#, 2.0).catalog(r#"{"item_id":"a","price":4500}"#);
            },
            silent: |w| {
                w.item("add_to_wishlist", r#"{"item_id":"a","price":5000}"#, 2.0).catalog(r#"{"item_id":"a","price":5500}"#);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "browse_price_drop",
            config: "",
            fires: |w| {
                w.item("view_item", OLD_VIEW, 3.0).catalog(r#"{"item_id":"tee","price":2700}"#);
            },
            silent: |w| {
                w.item("view_item", OLD_VIEW, 3.0);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "favorite_brand_price_drop",
            config: "",
            fires: |w| {
                w.ev("favorite_brand", r#"{"brand":"Volt"}"#, 5.0).catalog(r#"{"item_id":"w","item_brand":"Volt","price":1000}"#);
                w.catalog(r#"{"item_id":"w","price":800}"#);
            },
            silent: |w| {
                w.ev("favorite_brand", r#"{"brand":"Kinari"}"#, 5.0)
                    .catalog(r#"{"item_id":"w","item_brand":"Volt","price":1000}"#);
                w.catalog(r#"{"item_id":"w","price":800}"#);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "back_in_stock",
            config: "",
            fires: |w| {
                w.item("notify_me", r#"{"item_id":"j","item_name":"Denim","stock":0}"#, 4.0)
                    .catalog(r#"{"item_id":"j","stock":5}"#);
            },
            silent: |w| {
                w.item("notify_me", r#"{"item_id":"j","item_name":"Denim","stock":0}"#, 4.0);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "restock_wait_alternatives",
            config: "",
            fires: |w| {
                w.item("notify_me", r#"{"item_id":"j","item_category":"outer","stock":0}"#, 4.0)
                    .catalog(r#"{"item_id":"k","item_name":"Coat","item_category":"outer","stock":4}"#);
            },
            silent: |w| {
                w.item("notify_me", r#"{"item_id":"j","item_category":"outer","stock":0}"#, 4.0)
                    .catalog(r#"{"item_id":"k","item_name":"Cap","item_category":"hats","stock":4}"#);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "cart_abandonment",
            config: "",
            fires: |w| {
                w.item("add_to_cart", r#"{"item_id":"a","item_name":"Tee"}"#, 2.0 / 24.0);
            },
            silent: |w| {
                w.item("add_to_cart", r#"{"item_id":"a","item_name":"Tee"}"#, 10.0 / 1440.0);
            },
            why_not: "audience",
        },
        Case {
            preset: "free_shipping_nudge",
            config: r#""thresholds":{"free_shipping":5000}"#,
            fires: |w| {
                w.item("add_to_cart", r#"{"item_id":"a","item_name":"Tee","price":2100,"quantity":2}"#, 0.01);
            },
            silent: |w| {
                w.item("add_to_cart", r#"{"item_id":"a","item_name":"Tee","price":2500,"quantity":2}"#, 0.01);
            },
            why_not: "audience",
        },
        Case {
            preset: "browse_abandonment",
            config: "",
            fires: |w| {
                w.item("view_item", OLD_VIEW, 3.0).item("view_item", OLD_VIEW, 2.0).item("view_item", OLD_VIEW, 1.0);
            },
            silent: |w| {
                w.item("view_item", OLD_VIEW, 9.0).item("view_item", OLD_VIEW, 2.0).item("view_item", OLD_VIEW, 1.0);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "coupon_reminder",
            config: "",
            fires: |w| {
                w.ev("coupon", r#"{"coupon_id":"c1","amount":500,"expires_at":"2026-11-24"}"#, 3.0);
            },
            silent: |w| {
                w.ev("coupon", r#"{"coupon_id":"c1","amount":500,"expires_at":"2026-11-24","used":true}"#, 3.0);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "point_expiry",
            config: "",
            fires: |w| {
                w.ev("points", r#"{"balance":1200,"expiring":500,"expires_at":"2026-12-02"}"#, 1.0);
            },
            silent: |w| {
                w.ev("points", r#"{"balance":1200,"expiring":500,"expires_at":"2027-02-01"}"#, 1.0);
            },
            why_not: "audience",
        },
        Case {
            preset: "birthday_coupon",
            config: "",
            fires: |w| {
                w.identify(r#"{"member":true,"birthday":"11-05"}"#);
            },
            silent: |w| {
                w.identify(r#"{"member":true,"birthday":"12-05"}"#);
            },
            why_not: "audience",
        },
        Case {
            preset: "secret_coupon",
            config: "",
            fires: |w| {
                w.identify(r#"{"purchase_count":5,"last_purchase_at":"2026-11-12"}"#);
            },
            silent: |w| {
                w.identify(r#"{"purchase_count":3,"last_purchase_at":"2026-11-12"}"#);
            },
            why_not: "audience",
        },
        Case {
            preset: "f2_conversion",
            config: "",
            fires: |w| {
                w.item("purchase", r#"{"item_id":"a"}"#, 40.0);
            },
            silent: |w| {
                w.item("purchase", r#"{"item_id":"a"}"#, 10.0);
            },
            why_not: "audience",
        },
        Case {
            preset: "f3_conversion",
            config: "",
            fires: |w| {
                w.item("purchase", r#"{"item_id":"a"}"#, 80.0).item("purchase", r#"{"item_id":"b"}"#, 35.0);
            },
            silent: |w| {
                w.item("purchase", r#"{"item_id":"a"}"#, 80.0).item("purchase", r#"{"item_id":"b"}"#, 50.0).item(
                    "purchase",
                    r#"{"item_id":"c"}"#,
                    35.0,
                );
            },
            why_not: "audience",
        },
        Case {
            preset: "dormant_revival",
            config: "",
            fires: |w| {
                w.item("purchase", r#"{"item_id":"a"}"#, 100.0);
            },
            silent: |w| {
                w.item("purchase", r#"{"item_id":"a"}"#, 30.0);
            },
            why_not: "audience",
        },
        Case {
            preset: "cross_sell_required",
            config: "",
            fires: |w| {
                w.item("purchase", CAMERA, 10.0);
            },
            silent: |w| {
                w.item("purchase", CAMERA, 10.0).item(
                    "purchase",
                    r#"{"item_id":"sd","item_category":"electronics/accessories"}"#,
                    9.0,
                );
            },
            why_not: "audience",
        },
        Case {
            preset: "cross_sell_nice",
            config: "",
            fires: |w| {
                w.item("purchase", CAMERA, 10.0);
            },
            silent: |w| {
                w.item("purchase", CAMERA, 200.0);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "replacement",
            config: "",
            fires: |w| {
                w.item("purchase", r#"{"item_id":"ep","item_name":"Earbuds","item_category":"electronics/audio"}"#, 1200.0);
            },
            silent: |w| {
                w.item("purchase", r#"{"item_id":"ep","item_name":"Earbuds","item_category":"electronics/audio"}"#, 100.0);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "consumable_reorder",
            config: "",
            fires: |w| {
                w.item("purchase", r#"{"item_id":"v","item_name":"Vitamin C","item_category":"food/supplements"}"#, 31.0);
            },
            silent: |w| {
                w.item("purchase", r#"{"item_id":"v","item_name":"Vitamin C","item_category":"food/supplements"}"#, 10.0);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "subscription_upsell",
            config: "",
            fires: |w| {
                w.item("purchase", r#"{"item_id":"v","item_name":"Aojiru"}"#, 60.0).item("purchase", r#"{"item_id":"v"}"#, 20.0);
            },
            silent: |w| {
                w.item("purchase", r#"{"item_id":"v","item_name":"Aojiru"}"#, 60.0).item("purchase", r#"{"item_id":"v"}"#, 20.0);
                w.identify(r#"{"subscription":true}"#);
            },
            why_not: "audience",
        },
        Case {
            preset: "churn_prevention",
            config: "",
            fires: |w| w.page.path = "/account/cancel/confirm".into(),
            silent: |w| w.page.path = "/account".into(),
            why_not: "not_triggered",
        },
        Case {
            preset: "nearest_store_pickup",
            config: STORES,
            fires: |w| {
                w.near_shibuya().on_product(r#"{"item_id":"sd","price":3280,"stores":{"shibuya":2,"yokohama":9}}"#);
            },
            silent: |w| {
                w.near_shibuya().on_product(r#"{"item_id":"cam","price":89800,"stores":{"shibuya":2}}"#);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "store_consultation",
            config: STORES,
            fires: |w| {
                let cam = r#"{"item_id":"cam","item_name":"Camera α10","price":89800,"stores":{"shibuya":1}}"#;
                w.near_shibuya().item("view_item", cam, 2.0).item("view_item", cam, 1.0);
            },
            silent: |w| {
                w.near_shibuya().item("view_item", r#"{"item_id":"cam","price":89800,"stores":{"shibuya":1}}"#, 1.0);
            },
            why_not: "no_subject",
        },
        Case {
            preset: "store_visit_bonus",
            config: STORES,
            fires: |w| {
                w.near_shibuya().item(
                    "view_item",
                    r#"{"item_id":"tv","item_name":"4K TV","price":40000,"stores":{"shibuya":1}}"#,
                    1.0,
                );
            },
            silent: |w| {
                w.near_shibuya().item(
                    "view_item",
                    r#"{"item_id":"tv","item_name":"4K TV","price":40000,"stores":{"shibuya":0}}"#,
                    1.0,
                );
            },
            why_not: "no_subject",
        },
        Case {
            preset: "favorite_brand_new_arrival",
            config: "",
            fires: |w| {
                w.ev("favorite_brand", r#"{"brand":"Volt"}"#, 20.0).catalog(
                    r#"{"item_id":"n","item_name":"Watch S3","item_brand":"Volt","stock":9,"release_date":"2026-11-19"}"#,
                );
            },
            silent: |w| {
                w.ev("favorite_brand", r#"{"brand":"Volt"}"#, 20.0).catalog(
                    r#"{"item_id":"n","item_name":"Watch S3","item_brand":"Volt","stock":9,"release_date":"2026-10-19"}"#,
                );
            },
            why_not: "no_subject",
        },
        Case {
            preset: "recent_recommendations",
            config: "",
            fires: |w| {
                w.item("view_item", OLD_VIEW, 1.0);
                for i in 0..20 {
                    w.ev("page_view", "{}", f64::from(i) / 10.0);
                }
            },
            silent: |w| {
                w.item("view_item", OLD_VIEW, 1.0);
                for i in 0..5 {
                    w.ev("page_view", "{}", f64::from(i) / 10.0);
                }
            },
            why_not: "audience",
        },
        Case {
            preset: "warranty_upsell",
            config: "",
            fires: |w| {
                w.item("add_to_cart", r#"{"item_id":"tv","item_name":"4K TV","price":50000}"#, 0.1);
            },
            silent: |w| {
                w.item("add_to_cart", r#"{"item_id":"tv","item_name":"4K TV","price":50000}"#, 0.1).item(
                    "add_to_cart",
                    r#"{"item_id":"w5","item_category":"services/warranty","price":5000}"#,
                    0.05,
                );
            },
            why_not: "audience",
        },
        Case {
            preset: "sample_to_main",
            config: "",
            fires: |w| {
                w.item("purchase", r#"{"item_id":"s","item_name":"Sample set","item_category":"food/sample"}"#, 6.0);
            },
            silent: |w| {
                w.item("purchase", r#"{"item_id":"s","item_name":"Sample set","item_category":"food/sample"}"#, 6.0).item(
                    "purchase",
                    r#"{"item_id":"m","item_category":"food/supplements"}"#,
                    1.0,
                );
            },
            why_not: "audience",
        },
    ]
}

#[test]
fn every_preset_fires_for_the_right_shopper_and_only_for_them() {
    let mut report = Vec::new();
    for case in cases() {
        for locale in ["ja-JP", "en-US"] {
            let config = config_for(case.preset, case.config, locale);
            let mut yes = World::new();
            (case.fires)(&mut yes);
            let out = decide(&config, &yes.profile, &yes.page, &yes.env);
            let Some(m) = out.shown.first() else {
                panic!("{} ({locale}) should fire: {:?}", case.preset, out.explanations[0].verdict);
            };
            assert!(!m.title.trim().is_empty() && !m.title.contains("{{"), "{}: {:?}", case.preset, m.title);
            if locale == "ja-JP" {
                report.push(format!("{:<28} {}", case.preset, m.title));
            }

            let mut no = World::new();
            (case.silent)(&mut no);
            let out = decide(&config, &no.profile, &no.page, &no.env);
            assert!(out.shown.is_empty(), "{} should not fire for the second shopper: {:?}", case.preset, out.shown);
            let why = out.explanations[0].verdict.to_value();
            assert_eq!(why.get("reason").and_then(Value::as_str), Some(case.why_not), "{}: {}", case.preset, why.to_json());
        }
    }
    println!("{}", report.join("\n"));
}

/// What the cart lacks, in the store's currency; nothing once it is reached.
#[test]
fn the_free_shipping_nudge_says_what_the_cart_lacks() {
    let config = config_for("free_shipping_nudge", r#""thresholds":{"free_shipping":5000}"#, "ja-JP");
    let mut w = World::new();
    w.item("add_to_cart", r#"{"item_id":"a","item_name":"Tee","price":2100,"quantity":2}"#, 0.01);
    let out = decide(&config, &w.profile, &w.page, &w.env);
    assert_eq!(out.shown[0].title, "あと¥800で送料無料");
    assert_eq!(out.shown[0].body.as_deref(), Some("ただいまのカート合計は¥4,200です。"));
    let en = Config::parse(
        r#"{"version":1,"site":"t","locale":"en-US","currency":"USD","links":{"cart":"/cart"},"thresholds":{"free_shipping":50},
            "scenarios":[{"preset":"free_shipping_nudge"}]}"#,
    )
    .unwrap();
    let mut w = World::new();
    w.item("add_to_cart", r#"{"item_id":"a","item_name":"Tee","price":37.9}"#, 0.01);
    assert_eq!(decide(&en, &w.profile, &w.page, &w.env).shown[0].title, "Add $12.10 more for free shipping");
}

#[test]
fn every_preset_has_a_case() {
    let presets = parse(PRESETS_JSON).unwrap();
    let names: Vec<&str> = presets.as_object().unwrap().iter().map(|(k, _)| k.as_str()).collect();
    let covered: Vec<&str> = cases().iter().map(|c| c.preset).collect();
    for name in &names {
        assert!(covered.contains(name), "preset {name} has no test case");
    }
    assert!(names.len() >= 30, "{} presets", names.len());
}
