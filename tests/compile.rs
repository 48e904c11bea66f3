//! The publishing side's compiler: a compiled runtime config must make the widget decide exactly
//! what the raw config made it decide, for every preset and every shipped example, in each
//! language a page may ask for.

use shopcue::config::{compile, is_compiled, Config, PageFormat, PRESETS_JSON};
use shopcue::json::{parse, Value};

fn read(path: &str) -> Value {
    parse(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

/// Every preset as one scenario (each with its defaults), as a marketer would add them all, with
/// the cart's address that three of them link to.
fn all_presets() -> Value {
    let presets = parse(PRESETS_JSON).unwrap();
    let scenarios: Vec<String> =
        presets.as_object().unwrap().iter().map(|(name, _)| format!(r#"{{"preset":"{name}"}}"#)).collect();
    parse(&format!(
        r#"{{"version":1,"site":"s","links":{{"cart":"/cart"}},"thresholds":{{"free_shipping":5000}},"stores":[{{"id":"a","name":"A","lat":35.6,"lon":139.7,"pickup":true}}],"scenarios":[{}]}}"#,
        scenarios.join(",")
    ))
    .unwrap()
}

fn same_decisions(name: &str, raw: &Value) {
    let runtime = compile(raw).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(is_compiled(&runtime) && !is_compiled(raw), "{name}");
    assert!(!runtime.to_json().contains("\"preset\""), "{name}: presets are expanded");
    assert!(!runtime.to_json().contains("$param:"), "{name}: params are substituted");
    for locale in [None, Some("ja-JP"), Some("en-US"), Some("de-DE")] {
        let page = PageFormat { locale: locale.map(String::from), currency: None };
        let from_raw = format!("{:?}", Config::for_page(raw, &page).unwrap());
        let from_runtime = format!("{:?}", Config::for_page(&runtime, &page).unwrap());
        assert_eq!(from_raw, from_runtime, "{name} read for {locale:?}");
    }
    assert_eq!(compile(&runtime).unwrap(), runtime, "{name}: compiling again changes nothing");
}

#[test]
fn compiled_configs_decide_as_their_raw_source() {
    same_decisions("every preset", &all_presets());
    for path in [
        "www/shopcue/config.json",
        "examples/apparel/config.json",
        "examples/electronics/config.json",
        "examples/health-food/config.json",
    ] {
        same_decisions(path, &read(path));
    }
}

#[test]
fn compile_checks_every_language_a_page_may_pick() {
    // Fine in Japanese (the config's locale), broken in English: a page in English would fail.
    let raw = parse(
        r#"{"version":1,"site":"s","locale":"ja-JP","scenarios":[{"id":"x","message":{"title":{"ja":"こんにちは","en":"Hi {{item.nmae}}"}}}]}"#,
    )
    .unwrap();
    assert!(Config::from_value(&raw).is_ok(), "the config's own language is fine");
    let err = compile(&raw).unwrap_err();
    assert_eq!(err.code(), "SHOPCUE_INVALID_CONFIG");
    let problems = err.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, "$.scenarios[0].message.title");
    assert!(problems[0].message.contains("item.nmae"), "{}", problems[0].message);
}

#[test]
fn compile_lists_every_problem_and_writes_nothing() {
    let raw = parse(
        r#"{"version":1,"site":"s","caps":{"per_dya":1},"scenarios":[{"preset":"cart_low_stock","priority":"high"},{"preset":"nope"}]}"#,
    )
    .unwrap();
    let paths: Vec<String> = compile(&raw).unwrap_err().problems().iter().map(|p| p.path.clone()).collect();
    // cart_low_stock's "View cart" links to {{links.cart}}, which this config does not give.
    assert_eq!(paths, ["$.caps.per_dya", "$.scenarios[0].priority", "$.scenarios[0].message.cta.url", "$.scenarios[1].preset"]);
}

#[test]
fn a_runtime_config_of_another_format_is_refused() {
    let future = parse(r#"{"version":1,"runtime":99,"site":"s","scenarios":[]}"#).unwrap();
    let err = Config::from_value(&future).unwrap_err();
    assert_eq!(err.problems()[0].path, "$.runtime");
}

#[test]
fn a_paused_scenario_is_checked_then_left_out() {
    let raw = shopcue::json::parse(
        r#"{"version":1,"site":"s","links":{"cart":"/cart"},"scenarios":[{"preset":"page_low_stock","paused":true},{"preset":"cart_low_stock","paused":false}]}"#,
    )
    .unwrap();
    let runtime = shopcue::config::compile(&raw).unwrap();
    let compiled = Config::from_value(&runtime).unwrap();
    let ids: Vec<&str> = compiled.scenarios.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["cart_low_stock"]);
    let config = shopcue::config::Config::from_value(&raw).unwrap();
    assert_eq!(config.scenarios.len(), 1, "a raw config runs without it too");
    let bad = shopcue::json::parse(
        r#"{"version":1,"site":"s","scenarios":[{"preset":"page_low_stock","paused":"yes","priority":"high"}]}"#,
    )
    .unwrap();
    let paths: Vec<String> = shopcue::config::compile(&bad).unwrap_err().problems().iter().map(|p| p.path.clone()).collect();
    assert!(
        paths.contains(&"$.scenarios[0].paused".to_string()) && paths.contains(&"$.scenarios[0].priority".to_string()),
        "{paths:?}"
    );
}

#[test]
fn regexes_travel_compiled_and_decide_as_their_patterns() {
    let raw = parse(
        r#"{"version":1,"site":"s","links":{"cart":"/cart"},"scenarios":[
          {"preset":"page_low_stock","audience":{"$or":[{"page.path":{"$regex":"^/(sale|outlet)/"}},{"page.url":{"$regexi":"/WINTER-SALE"}}]}},
          {"preset":"cart_low_stock","subject":{"where":{"name":{"$not":{"$regex":"^(gift|sample)"}},"category":{"$elemMatch":{"$regexi":"^shoe"}}}}}
        ]}"#,
    )
    .unwrap();
    same_decisions("regexes", &raw);
    let runtime = compile(&raw).unwrap().to_json();
    // Each regex is an operator of tag 11 with its program: no pattern travels.
    assert_eq!(runtime.matches("[11,[").count(), 4, "{runtime}");
    assert!(!runtime.contains("outlet") && !runtime.contains("WINTER") && !runtime.contains("shoe"), "{runtime}");
}

#[test]
fn a_damaged_runtime_config_is_refused_whole_and_never_panics() {
    let runtime = compile(&all_presets()).unwrap();
    let page = PageFormat::default();
    let read = |v: &Value| Config::for_page(v, &page);
    assert!(read(&runtime).is_ok());
    // Every array in it, in turn, cut short, emptied, or turned into a string: each read
    // either succeeds (a list that may be shorter) or is refused with one problem at `$`.
    fn arrays(v: &Value, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        match v {
            Value::Array(a) => {
                out.push(path.clone());
                for (i, x) in a.iter().enumerate() {
                    path.push(i);
                    arrays(x, path, out);
                    path.pop();
                }
            }
            Value::Object(m) => {
                for (i, (_, x)) in m.iter().enumerate() {
                    path.push(i);
                    arrays(x, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    fn at<'a>(v: &'a mut Value, path: &[usize]) -> &'a mut Value {
        path.iter().fold(v, |v, &i| match v {
            Value::Array(a) => &mut a[i],
            Value::Object(m) => &mut m[i].1,
            _ => unreachable!(),
        })
    }
    let mut paths = Vec::new();
    arrays(&runtime, &mut Vec::new(), &mut paths);
    assert!(paths.len() > 500, "{}", paths.len());
    let (mut refused, mut read_ok) = (0, 0);
    for path in &paths {
        for damage in 0..3 {
            let mut broken = runtime.clone();
            let node = at(&mut broken, path);
            match (damage, node) {
                (0, Value::Array(a)) => drop(a.pop()),
                (1, Value::Array(a)) => a.clear(),
                (_, node) => *node = Value::from("x"),
            }
            match read(&broken) {
                Ok(_) => read_ok += 1,
                Err(e) => {
                    assert_eq!(e.code(), "SHOPCUE_INVALID_CONFIG");
                    assert_eq!(e.problems().len(), 1);
                    assert_eq!(e.problems()[0].path, "$");
                    refused += 1;
                }
            }
        }
    }
    // Turning any of its arrays into a string is always refused; cutting a list short mostly
    // is not (fewer scenarios, conditions or parts are still a runtime config).
    assert!(refused >= paths.len(), "refused {refused}, read {read_ok}");
    // The config's own fields cut short: refused, but for the last, the free-shipping
    // threshold, which configs without one (and those compiled before it) leave out.
    let cut = |n: usize| {
        let mut short = runtime.clone();
        if let Value::Object(m) = &mut short {
            if let Some((_, Value::Array(fields))) = m.iter_mut().find(|(k, _)| k == "config") {
                fields.truncate(fields.len() - n);
            }
        }
        read(&short).map(|c| c.free_shipping)
    };
    assert_eq!((read(&runtime).unwrap().free_shipping, cut(1).unwrap()), (Some(5000.0), None));
    assert!(cut(2).is_err());
}

#[test]
fn capture_switches_travel_and_an_older_runtime_config_reads_cart_forms_as_on() {
    let raw = parse(r#"{"version":1,"site":"s","capture":{"history":false,"forms":false},"scenarios":[]}"#).unwrap();
    let runtime = compile(&raw).unwrap().to_json();
    assert!(runtime.contains("[true,true,true,false,false]"), "{runtime}");
    let read = |json: &str| Config::from_value(&parse(json).unwrap()).map(|c| c.capture);
    let switches = read(&runtime).unwrap();
    assert!(!switches.history && !switches.forms && switches.datalayer);
    // Compiled before cart forms were read (four switches): they are on, as by default.
    let older = read(&runtime.replace("[true,true,true,false,false]", "[true,true,true,false]")).unwrap();
    assert!(older.forms && !older.history);
    assert!(read(&runtime.replace("[true,true,true,false,false]", r#"[true,true,true,false,"no"]"#)).is_err());
}
