//! Property-based fuzzing of everything that reads untrusted input: no panic, bounded time, on
//! any input. Runs a bounded number of cases in CI; `PROPTEST_CASES=100000 cargo test -p shopcue
//! --test fuzz --release` runs longer on demand. Inputs that once failed are kept as plain
//! regression tests at the bottom.

use proptest::prelude::*;
use shopcue::condition::Condition;
use shopcue::config::Config;
use shopcue::engine::{decide, Env, Page};
use shopcue::event::Event;
use shopcue::json::{parse, Value};
use shopcue::outbox::Outbox;
use shopcue::profile::Profile;
use shopcue::regex::Regex;
use shopcue::template::{Format, Style, Template};

/// JSON values biased towards the shapes Shopcue reads: operator keys, known field names,
/// numbers at the edges, hostile strings.
fn value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("$and".to_string()),
        Just("$or".to_string()),
        Just("$not".to_string()),
        Just("$elemMatch".to_string()),
        Just("$in".to_string()),
        Just("$regex".to_string()),
        Just("$gte".to_string()),
        Just("$size".to_string()),
        Just("$vgt".to_string()),
        Just("$all".to_string()),
        Just("preset".to_string()),
        Just("message".to_string()),
        Just("title".to_string()),
        Just("subject".to_string()),
        Just("where".to_string()),
        Just("items".to_string()),
        Just("item_id".to_string()),
        Just("price".to_string()),
        "[a-z_.$]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![Just(0.0), Just(-1.0), Just(1e308), Just(0.5), any::<i32>().prop_map(f64::from)].prop_map(Value::Number),
        prop_oneof![
            Just("page_low_stock".to_string()),
            Just("{{item.name}}".to_string()),
            Just("(a+)+$".to_string()),
            Just("¥1,980".to_string()),
            Just("1.2.3".to_string()),
            Just("\u{202e}<img onerror=x>".to_string()),
            ".{0,12}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..5).prop_map(Value::Object),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// The widget's own text helpers (`shopcue::text`) read exactly as std would, on any input:
    /// a small alphabet so that needles are found, and any text besides.
    #[test]
    fn text_helpers_agree_with_std(hay in "[ab:/語]{0,12}|.{0,20}", needle in "[ab:/語]{0,3}|.{0,4}", n in "[+-]?[0-9a-fA-F]{0,22}|.{0,6}") {
        prop_assert_eq!(shopcue::text::find(&hay, &needle), hay.find(needle.as_str()));
        let plain = !n.starts_with('+');
        prop_assert_eq!(shopcue::text::digits(&n), n.parse::<u64>().ok().filter(|_| plain));
        prop_assert_eq!(shopcue::text::hex(n.as_bytes()), u32::from_str_radix(&n, 16).ok().filter(|_| plain));
    }

    #[test]
    fn json_parser_never_panics(text in ".{0,200}") {
        if let Ok(v) = parse(&text) {
            prop_assert_eq!(parse(&v.to_json()), Ok(v));
        }
    }

    /// Any text (control characters, quotes, backslashes, the line separators, astral planes)
    /// is written as JSON that reads back the same, with nothing a script string would break on.
    #[test]
    fn any_text_round_trips_through_json(chars in prop::collection::vec(prop_oneof![
        any::<char>(),
        prop::sample::select(vec!['\u{0}', '\u{1f}', '\u{7f}', '"', '\\', '\n', '\t', '\u{2027}', '\u{2028}', '\u{2029}', '\u{e2}']),
    ], 0..40)) {
        let text: String = chars.into_iter().collect();
        let json = Value::String(text.clone()).to_json();
        prop_assert!(!json.chars().any(|c| (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}'), "{}", json);
        prop_assert_eq!(parse(&json), Ok(Value::String(text)));
    }

    #[test]
    fn conditions_never_panic(cond in value(), ctx in value()) {
        let _ = Condition::compile(&cond, "$");
        let c = Condition::compile_lenient(&cond);
        let _ = c.eval(&ctx);
        let _ = c.first_failure(&ctx);
    }

    #[test]
    fn configs_never_panic(v in value(), scenarios in prop::collection::vec(value(), 0..4)) {
        let mut config = parse(r#"{"version":1,"site":"s","scenarios":[]}"#).unwrap();
        config.set("scenarios", Value::Array(scenarios));
        if let Value::Object(members) = &v {
            for (k, x) in members {
                config.set(k, x.clone());
            }
        }
        if let Ok(c) = Config::from_value(&config) {
            let page = Page { events: vec!["page_view".into(), "view_item".into()], path: "/".into(), ..Page::default() };
            let _ = decide(&c, &Profile::default(), &page, &Env::at(1_800_000_000_000));
        }
    }

    #[test]
    fn presets_with_random_overrides_never_panic(preset in 0usize..32, over in value()) {
        let presets = parse(shopcue::config::PRESETS_JSON).unwrap();
        let name = presets.as_object().unwrap()[preset].0.clone();
        let mut scenario = over;
        if !matches!(scenario, Value::Object(_)) {
            scenario = Value::Object(Vec::new());
        }
        scenario.set("preset", name.as_str().into());
        let mut config = parse(r#"{"version":1,"site":"s"}"#).unwrap();
        config.set("scenarios", Value::Array(vec![scenario]));
        if let Ok(c) = Config::from_value(&config) {
            let page = Page { events: vec!["page_view".into()], path: "/".into(), ..Page::default() };
            let _ = decide(&c, &Profile::default(), &page, &Env::at(0));
        }
    }

    #[test]
    fn templates_never_panic(text in ".{0,60}", ctx in value()) {
        if let Ok(t) = Template::compile(&text, "$") {
            for locale in ["ja-JP", "en-US"] {
                let _ = t.render(&ctx, &Style::plain(&Format { locale: locale.into(), currency: "JPY".into() }, 540));
            }
        }
    }

    #[test]
    fn regexes_never_panic_and_stay_linear(pattern in "[a-c()|*+?{},.^$\\\\\\[\\]0-9dws-]{0,20}", text in "[a-c0-9 -]{0,2000}") {
        if let Ok(re) = Regex::new(&pattern, false) {
            let _ = re.is_match(&text);
        }
    }

    #[test]
    fn events_and_stored_state_never_panic(name in "[a-z_]{1,12}", params in value(), stored in ".{0,100}") {
        if let Ok(e) = Event::parse(&name, &params) {
            let mut p = Profile::default();
            p.apply(&e, 0);
            prop_assert!(Profile::from_json(&p.to_json()).is_some());
        }
        let _ = Profile::from_json(&stored);
        let _ = Outbox::from_json(&stored);
        let _ = Profile::from_json(&params.to_json());
    }
}

// Regression corpus: inputs that once broke something stay as tests.

#[test]
fn regression_deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(parse(&deep).is_err());
    // Real input always comes through the parser (depth ≤ 64); conditions stop at depth 32.
    let text = format!("{}{{\"a\":1}}{}", "{\"$not\":".repeat(60), "}".repeat(60));
    let cond = parse(&text).unwrap();
    assert!(Condition::compile(&cond, "$").is_err());
}

#[test]
fn regression_huge_repetition_counts_are_bounded() {
    assert!(Regex::new("a{99999}", false).is_err());
    assert!(Regex::new("(a{1000}){1000}", false).is_err());
}
