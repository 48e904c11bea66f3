//! GrowthBook's own conformance cases (`tests/conformance/growthbook-cases.json`, vendored
//! with its MIT licence; see `tests/conformance/README.md` for its commit and specVersion):
//! every case of evalCondition, hash, getBucketRange, chooseVariation, getEqualWeights and
//! inNamespace must pass. Prints the pass count per section.

use shopcue::bucket::{bucket_ranges, choose_variation, equal_weights, hash, in_namespace};
use shopcue::compiled::{read_condition, write_condition};
use shopcue::condition::Condition;
use shopcue::json::{parse, Value};

fn cases() -> Value {
    let path = std::env::var("SHOPCUE_CONFORMANCE")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/conformance/growthbook-cases.json").to_string());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("conformance suite missing at {path}: {e}"));
    parse(&text).expect("conformance suite is JSON")
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

fn ranges(v: &Value) -> Vec<(f64, f64)> {
    v.as_array().unwrap().iter().map(|r| (num(&r.as_array().unwrap()[0]), num(&r.as_array().unwrap()[1]))).collect()
}

fn section(all: &Value, name: &str, run: impl Fn(&[Value]) -> Result<(), String>) -> (usize, Vec<String>) {
    let list = all.get(name).and_then(Value::as_array).unwrap_or_else(|| panic!("no {name} section"));
    let failures: Vec<String> =
        list.iter().filter_map(|case| run(case.as_array().unwrap()).err().map(|e| format!("{name}: {e}"))).collect();
    println!("conformance {name}: {} of {} passed", list.len() - failures.len(), list.len());
    (list.len(), failures)
}

#[test]
fn growthbook_conformance_suite() {
    let all = cases();
    let mut total = 0;
    let mut failures = Vec::new();
    let mut tally = |(n, f): (usize, Vec<String>)| {
        total += n;
        failures.extend(f);
    };
    let compiled_regexes = std::cell::Cell::new(0);
    tally(section(&all, "evalCondition", |c| {
        let groups = c.get(4).cloned().unwrap_or(Value::Null);
        let condition = Condition::compile_lenient(&c[1]);
        let got = condition.eval_with_groups(&c[2], &groups);
        let want = c[3].as_bool().unwrap();
        // As the widget reads it from a runtime config, its regexes as programs (operator 11).
        let written = write_condition(&condition);
        compiled_regexes.set(compiled_regexes.get() + usize::from(written.to_json().contains("[11,[")));
        let widget = read_condition(&written).map(|w| w.eval_with_groups(&c[2], &groups));
        (got == want && widget == Some(want))
            .then_some(())
            .ok_or_else(|| format!("{} → {got} ({widget:?} as the runtime config carries it), want {want}", c[0].to_json()))
    }));
    assert!(compiled_regexes.get() >= 15, "cases with a regex compiled: {}", compiled_regexes.get());
    tally(section(&all, "hash", |c| {
        let got = hash(c[0].as_str().unwrap(), c[1].as_str().unwrap(), num(&c[2]) as u32);
        let ok = match (&c[3], got) {
            (Value::Null, None) => true,
            (Value::Number(want), Some(g)) => close(*want, g),
            _ => false,
        };
        ok.then_some(()).ok_or_else(|| format!("{} → {got:?}", Value::Array(c.to_vec()).to_json()))
    }));
    tally(section(&all, "getBucketRange", |c| {
        let args = c[1].as_array().unwrap();
        let weights: Option<Vec<f64>> = args[2].as_array().map(|w| w.iter().map(num).collect());
        let coverage = args[1].as_f64();
        let got = bucket_ranges(num(&args[0]) as i64, coverage, weights.as_deref());
        let want = ranges(&c[2]);
        let ok = got.len() == want.len() && got.iter().zip(&want).all(|(g, w)| close(g.0, w.0) && close(g.1, w.1));
        ok.then_some(()).ok_or_else(|| format!("{} → {got:?}", c[0].to_json()))
    }));
    tally(section(&all, "chooseVariation", |c| {
        let got = choose_variation(num(&c[1]), &ranges(&c[2])).map_or(-1, |i| i as i64);
        (got == num(&c[3]) as i64).then_some(()).ok_or_else(|| format!("{} → {got}", c[0].to_json()))
    }));
    tally(section(&all, "getEqualWeights", |c| {
        let got = equal_weights(num(&c[0]) as i64);
        let want: Vec<f64> = c[1].as_array().unwrap().iter().map(num).collect();
        let ok = got.len() == want.len() && got.iter().zip(&want).all(|(g, w)| close(*g, *w));
        ok.then_some(()).ok_or_else(|| format!("n={} → {got:?}", c[0].to_json()))
    }));
    tally(section(&all, "inNamespace", |c| {
        let ns = c[2].as_array().unwrap();
        let got = in_namespace(c[1].as_str().unwrap(), (ns[0].as_str().unwrap(), num(&ns[1]), num(&ns[2])));
        (got == c[3].as_bool().unwrap()).then_some(()).ok_or_else(|| format!("{} → {got}", c[0].to_json()))
    }));
    println!("conformance total: {} of {total} passed", total - failures.len());
    assert!(failures.is_empty(), "{} conformance failures:\n{}", failures.len(), failures.join("\n"));
}
