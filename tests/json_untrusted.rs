//! A stranger's JSON costs milliseconds whatever its shape (timed here, outside the core, whose
//! source may not read a clock: `tests/purity.rs`).

#[test]
fn an_untrusted_object_of_many_keys_parses_in_milliseconds() {
    // 1 MiB of distinct keys (about 80,000), then the same keys again: the quadratic check
    // this replaced took 10 s on the first and minutes on a 320,000-key gzip.
    for repeat in [1, 2] {
        let mut text = String::from("{");
        let mut i = 0;
        while text.len() < 1024 * 1024 / repeat {
            text.push_str(&format!("\"key{i:07}\":1,"));
            i += 1;
        }
        let once = text.clone();
        for _ in 1..repeat {
            text.push_str(&once[1..]);
        }
        text.pop();
        text.push('}');
        let t0 = std::time::Instant::now();
        let v = shopcue::json::parse_untrusted(&text).unwrap();
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        println!("{} keys ({} distinct), {} KiB: {ms:.1} ms", i * repeat, i, text.len() / 1024);
        assert_eq!(v.as_object().unwrap().len(), i);
        // A generous bound (a debug build on a busy 2-core machine takes 150–450 ms; release
        // about 15): the quadratic check failed it by minutes.
        assert!(ms < 3000.0, "{ms} ms");
    }
}
